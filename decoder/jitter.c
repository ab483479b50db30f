/* jitter.c - sequencer: extended sequence numbers, duplicates, loss,
 * timestamp unwrapping and capture-clock anchoring. RFC 3550.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "common/err.h"
#include "decoder/jitter.h"

#define JITTER_NS_PER_S 1000000000ll
/* capture offsets further than this from t0 (about 11 days) are clamped,
 * so the sample arithmetic below cannot overflow */
#define JITTER_SPAN_MAX_NS 1000000000000000ll
/* the duplicate check looks back over at most this many packets of one
 * sequence number; a packet beyond that is dropped as a duplicate, so a
 * flood of one sequence number costs linear, not quadratic, time */
#define JITTER_SAME_SEQ_MAX 32u

static int jitter_cmp(const void *a, const void *b)
{
	const struct jitter_pkt *x = a, *y = b;

	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	if (x->ext_seq != y->ext_seq)
		return x->ext_seq < y->ext_seq ? -1 : 1;
	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return 0;
}

static int64_t jitter_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Capture time -> output sample index relative to t0. */
static int64_t jitter_cap_pos(const struct jitter_conf *c, uint64_t t_ns)
{
	int64_t d = (int64_t)(t_ns - c->t0_ns);

	if (d > JITTER_SPAN_MAX_NS)
		d = JITTER_SPAN_MAX_NS;
	if (d < -JITTER_SPAN_MAX_NS)
		d = -JITTER_SPAN_MAX_NS;
	/* d * rate / 1e9 without overflow: rate <= 2^20 and |d| <= 1e15 */
	return jitter_floor_div(d / 1000 * (int64_t)c->out_rate, 1000000);
}

/* Extended RTP timestamp (clock units) -> output samples. */
static int64_t jitter_ts_pos(int64_t ts_ext, uint32_t clock, uint32_t out_rate)
{
	int64_t q;

	if (clock == out_rate)
		return ts_ext;
	/* floor(ts_ext * out_rate / clock) in two steps: ts_ext * out_rate
	 * overflows for a clock rate near 2^32 a few days into a call */
	q = jitter_floor_div(ts_ext, clock);
	return q * (int64_t)out_rate + (ts_ext - q * (int64_t)clock) * (int64_t)out_rate / clock;
}

/* Assigns the final positions of one segment [a, b): pkts[i].pos holds the
 * timestamp position; the anchor is the least-delayed packet among those
 * captured within the window after the segment's first packet. */
static void jitter_anchor(const struct jitter_conf *c, struct jitter_pkt *pkts, size_t a,
                          size_t b, uint64_t window_ns)
{
	uint64_t t_start = pkts[a].t_ns;
	int64_t off = 0;
	bool have = false;

	for (size_t i = a; i < b; i++) {
		int64_t o;

		if (pkts[i].dup || pkts[i].t_ns > t_start + window_ns)
			continue;
		o = jitter_cap_pos(c, pkts[i].t_ns) - pkts[i].pos;
		if (!have || o < off)
			off = o;
		have = true;
	}
	for (size_t i = a; i < b; i++)
		if (!pkts[i].dup)
			pkts[i].pos += off;
}

/* Handles one stream's run [a, b) of the sorted array. */
static void jitter_stream_run(const struct jitter_conf *c, struct jitter_pkt *pkts, size_t a,
                              size_t b, struct jitter_stream *st)
{
	uint32_t clock = st->clock_rate ? st->clock_rate : c->out_rate;
	uint64_t reanchor = c->reanchor_ns ? c->reanchor_ns : JITTER_REANCHOR_NS;
	uint64_t window = c->anchor_window_ns ? c->anchor_window_ns : JITTER_ANCHOR_WINDOW_NS;
	int64_t reanchor_samples = (int64_t)(reanchor / 1000000) * c->out_rate / 1000;
	int64_t ts_ext = 0, prev_ext = 0, seg_off = 0;
	uint32_t prev_ts = 0;
	size_t seg_a = a, prev = b;
	uint64_t t_first = UINT64_MAX;

	for (size_t i = a; i < b; i++) {
		struct jitter_pkt *p = &pkts[i];
		int64_t cap, tsp;

		/* duplicate: an earlier packet with this seq and timestamp */
		p->dup = 0;
		for (size_t j = i; j > a && pkts[j - 1].ext_seq == p->ext_seq; j--) {
			if (i - j >= JITTER_SAME_SEQ_MAX ||
			    (!pkts[j - 1].dup && pkts[j - 1].ts == p->ts)) {
				p->dup = 1;
				break;
			}
		}
		if (p->dup) {
			st->duplicates++;
			p->pos = 0;
			continue;
		}
		st->packets++;
		if (p->t_ns < t_first)
			t_first = p->t_ns;
		cap = jitter_cap_pos(c, p->t_ns);
		if (prev == b) {
			ts_ext = 0;
			tsp = 0;
			seg_off = cap;
			st->segments = 1;
		} else {
			int64_t gap = p->ext_seq - prev_ext - 1, dev;

			if (gap > 0 && gap < (int64_t)JITTER_DROPOUT_MAX)
				st->lost += (uint64_t)gap;
			/* signed 32-bit difference: crosses the 2^32 wrap */
			ts_ext += (int32_t)(p->ts - prev_ts);
			tsp = jitter_ts_pos(ts_ext, clock, c->out_rate);
			dev = cap - (tsp + seg_off);
			if (dev > reanchor_samples || dev < -reanchor_samples) {
				jitter_anchor(c, pkts, seg_a, i, window);
				seg_a = i;
				ts_ext = 0;
				tsp = 0;
				seg_off = cap;
				st->segments++;
			}
		}
		p->pos = tsp;
		prev_ext = p->ext_seq;
		prev_ts = p->ts;
		prev = i;
	}
	if (prev != b)
		jitter_anchor(c, pkts, seg_a, b, window);
	st->t_first_ns = t_first == UINT64_MAX ? 0 : t_first;
	st->first_pos = 0;
	for (size_t i = a; i < b; i++) {
		if (!pkts[i].dup) {
			st->first_pos = pkts[i].pos;
			break;
		}
	}
}

int jitter_sequence(const struct jitter_conf *c, struct jitter_pkt *pkts, size_t n,
                    struct jitter_stream *streams, uint32_t n_streams)
{
	int64_t *max_ext = NULL;
	uint8_t *seen = NULL;
	int r = TR_ERR_INVAL;

	if (!c || c->out_rate == 0 || c->out_rate > (1u << 20) || (n && !pkts))
		goto out;
	for (uint32_t s = 0; s < n_streams; s++) {
		uint32_t cr = streams[s].clock_rate;

		streams[s] = (struct jitter_stream){ .clock_rate = cr };
	}
	if (n == 0) {
		r = 0;
		goto out;
	}
	r = TR_ERR_NOMEM;
	if (!(max_ext = calloc(n_streams ? n_streams : 1, sizeof(*max_ext))) ||
	    !(seen = calloc(n_streams ? n_streams : 1, 1)))
		goto out;
	r = TR_ERR_INVAL;
	/* extend sequence numbers in arrival order, relative to the highest
	 * seen so far: a step of up to +-32767 is taken as the nearest one */
	for (size_t i = 0; i < n; i++) {
		struct jitter_pkt *p = &pkts[i];
		uint32_t s = p->stream;

		if (s >= n_streams)
			goto out;
		p->arrival = (uint32_t)i;
		if (!seen[s]) {
			seen[s] = 1;
			max_ext[s] = (int64_t)p->seq;
			p->ext_seq = max_ext[s];
			continue;
		}
		p->ext_seq = max_ext[s] + (int16_t)(uint16_t)(p->seq - (uint16_t)max_ext[s]);
		if (p->ext_seq > max_ext[s])
			max_ext[s] = p->ext_seq;
	}
	qsort(pkts, n, sizeof(*pkts), jitter_cmp);
	for (size_t a = 0; a < n;) {
		size_t b = a;

		while (b < n && pkts[b].stream == pkts[a].stream)
			b++;
		jitter_stream_run(c, pkts, a, b, &streams[pkts[a].stream]);
		a = b;
	}
	r = 0;
out:
	free(max_ext);
	free(seen);
	return r;
}
