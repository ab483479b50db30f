/* rfc4733.c - telephone-event payloads, digit detection and key codes.
 * RFC 4733 sections 2.3, 2.5.1 (start, repeats, end retransmitted three
 * times, long events split into segments), 3.2.
 */
#include <string.h>
#include "rfc4733.h"
#include "rd.h"
#include "err.h"

/* A long event (more than 0xffff timestamp units) is sent as segments
 * (RFC 4733 2.5.1.3): each new segment gets the timestamp of the previous
 * one plus its duration, and only the final one has the end bit. A packet
 * with the same event code, a new timestamp, no end seen before, and a
 * previous segment that had grown near the limit, continues the same key
 * press instead of starting a new one. The slack allows for lost packets
 * at the end of the previous segment (one second at 8 kHz). */
#define DET_SEGMENT_MIN   0xf000u
#define DET_SEGMENT_SLACK 8000u

/* A packet whose timestamp is behind the current event's by at most this
 * much is a late (reordered) packet of an earlier key press and is
 * ignored. A larger step back is a new timeline (an SSRC change, a sender
 * restart) and starts a new key press. 2 s at 48 kHz, 12 s at 8 kHz. */
#define DET_REORDER_MAX   96000u

int
rfc4733_parse(const uint8_t *p, size_t len, struct rfc4733_event *ev)
{
	struct rd r = rd_make(p, len);
	uint8_t b1 = 0;
	int ret;

	memset(ev, 0, sizeof(*ev));
	if ((ret = rd_u8(&r, &ev->event)) != 0 || (ret = rd_u8(&r, &b1)) != 0 ||
	    (ret = rd_be16(&r, &ev->duration)) != 0)
		goto out;
	ev->end = b1 >> 7;
	ev->volume = b1 & 0x3fu;            /* bit 6 is reserved */
out:
	return ret;
}

char
rfc4733_digit_char(uint8_t event)
{
	static const char digits[] = "0123456789*#ABCD";

	return event < 16 ? digits[event] : 0;
}

void
rfc4733_det_init(struct rfc4733_det *d)
{
	memset(d, 0, sizeof(*d));
}

int
rfc4733_det_feed(struct rfc4733_det *d, uint32_t rtp_ts, const uint8_t *p, size_t len,
                 uint8_t *eventp)
{
	struct rfc4733_event ev;
	uint32_t diff;
	int ret;

	if ((ret = rfc4733_parse(p, len, &ev)) != 0)
		goto out;
	if (d->have && rtp_ts == d->ts && ev.event == d->event) {
		/* the same key press: a repeat or an end packet */
		if (ev.duration > d->max_dur)
			d->max_dur = ev.duration;
		if (ev.end)
			d->ended = 1;
		goto out;
	}
	diff = rtp_ts - d->ts;
	if (d->have && (int32_t)diff < 0 && d->ts - rtp_ts <= DET_REORDER_MAX)
		goto out;                    /* older than the current event: reordered */
	if (d->have && rtp_ts == d->ts) {
		/* Another event code on the same timestamp: a sender that
		 * changes events without a new timestamp is broken; count the
		 * new code as a new key press. */
		diff = 0;
	}
	if (d->have && !d->ended && ev.event == d->event && diff != 0 &&
	    d->max_dur >= DET_SEGMENT_MIN && diff <= (uint32_t)d->max_dur + DET_SEGMENT_SLACK) {
		d->ts = rtp_ts;              /* next segment of a long event */
		d->max_dur = ev.duration;
		d->ended = ev.end;
		goto out;
	}
	d->have = 1;
	d->ts = rtp_ts;
	d->event = ev.event;
	d->ended = ev.end;
	d->max_dur = ev.duration;
	*eventp = ev.event;
	ret = 1;
out:
	return ret;
}

static char
code_norm(char c)
{
	if (c >= 'a' && c <= 'd')
		c = (char)(c - 'a' + 'A');
	if ((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D'))
		return c;
	return 0;
}

int
rfc4733_code_init(struct rfc4733_code *m, const char *code, uint64_t gap_ns)
{
	size_t i, n = code ? strlen(code) : 0;
	int ret = TR_ERR_CONFIG;

	memset(m, 0, sizeof(*m));
	m->gap_ns = gap_ns;
	if (n > RFC4733_CODE_MAX)
		goto out;
	for (i = 0; i < n; i++) {
		if ((m->code[i] = code_norm(code[i])) == 0)
			goto out;
	}
	m->len = (uint8_t)n;
	ret = 0;
out:
	if (ret != 0)
		memset(m->code, 0, sizeof(m->code));
	return ret;
}

bool
rfc4733_code_feed(struct rfc4733_code *m, char digit, uint64_t now_ns)
{
	bool hit = false;

	if (m->len == 0 || (digit = code_norm(digit)) == 0)
		goto out;
	if (m->gap_ns && m->n_hist && (now_ns < m->last_ns || now_ns - m->last_ns > m->gap_ns))
		m->n_hist = 0;               /* too slow: start over */
	m->last_ns = now_ns;
	if (m->n_hist == m->len) {
		memmove(m->hist, m->hist + 1, (size_t)m->len - 1);
		m->n_hist--;
	}
	m->hist[m->n_hist++] = digit;
	if (m->n_hist == m->len && memcmp(m->hist, m->code, m->len) == 0) {
		hit = true;
		m->n_hist = 0;
	}
out:
	return hit;
}
