/* decode.c - a call's RTP records -> streams (analysis) and stereo PCM/WAV.
 * RFC 3550 (RTP header, SSRC), RFC 3551 (static types), RFC 4733
 * (telephone-event: never audio), RFC 3389 (CN: silence).
 *
 * Records are read once: each RTP packet's header fields go into a
 * jitter_pkt, and the payload of a decodable audio packet is copied into
 * one growing arena (the ring iterator's record memory is only borrowed).
 * The sequencer (jitter.c) then orders and places them and mix.c renders.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "decoder/codec.h"
#include "decoder/decode.h"
#include "decoder/jitter.h"
#include "decoder/mix.h"
#include "decoder/wav.h"
#include "sniffer/decap.h"
#include "sniffer/rtp.h"

#define DECODE_NS_PER_S UINT64_C(1000000000)
#define DECODE_PT_N     128

/* What a payload type means in this call. */
struct decode_ptinfo {
	const struct codec *codec;        /* audio row, or NULL */
	enum codec_kind kind;
	uint32_t clock_rate;
	char name[RING_CODEC_NAME_MAX];   /* "" if neither mapped nor static */
};

struct decode_ctx {
	struct ring_call call;
	struct decode_ptinfo pt[DECODE_PT_N];
	struct decode_stream *streams;    /* DECODE_STREAMS_MAX entries */
	uint32_t n_streams, last_stream;
	struct jitter_stream *jst;
	struct jitter_pkt *pkts;
	size_t n_pkts, cap_pkts;
	size_t n_sequenced;               /* pkts[0..n) are in sequencer order */
	uint8_t *data;                    /* payload arena */
	size_t data_len, data_cap;
	uint64_t rtp_packets, skipped;
	uint64_t t_first_rec, t_last_rec;
	uint8_t  first_family;            /* source of the first record (the INVITE) */
	uint8_t  first_src[16];
};

static void decode_ptmap(struct decode_ctx *d)
{
	for (unsigned pt = 0; pt < DECODE_PT_N; pt++) {
		struct decode_ptinfo *pi = &d->pt[pt];
		uint32_t rate = 0;
		const char *name = codec_static_name((uint8_t)pt, &rate);

		/* the call's own rtpmap wins over the static table */
		for (uint32_t i = 0; i < d->call.n_pt && i < RING_PT_MAX; i++) {
			const struct ring_pt *rp = &d->call.pt[i];

			if (rp->used && rp->pt == pt && rp->name[0]) {
				name = rp->name;
				rate = rp->clock_rate;
				break;
			}
		}
		if (!name)
			continue;
		snprintf(pi->name, sizeof(pi->name), "%s", name);
		pi->clock_rate = rate;
		pi->kind = codec_kind_of(pi->name);
		if (pi->kind == CODEC_AUDIO) {
			pi->codec = codec_find(pi->name, rate);
			/* same name at another clock rate: not a codec we decode */
			if (!pi->codec || pi->codec->sample_rate != DECODE_RATE)
				pi->kind = CODEC_UNKNOWN, pi->codec = NULL;
		}
	}
}

struct decode_ctx *decode_ctx_new(const struct ring_call *meta)
{
	struct decode_ctx *d = NULL, *ret = NULL;

	if (!(d = calloc(1, sizeof(*d))))
		goto out;
	if (meta)
		d->call = *meta;
	d->call.call_id[RING_CALLID_MAX - 1] = '\0';
	d->t_first_rec = UINT64_MAX;
	for (unsigned pt = 0; pt < DECODE_PT_N; pt++)
		d->pt[pt].kind = CODEC_UNKNOWN;
	decode_ptmap(d);
	if (!(d->streams = calloc(DECODE_STREAMS_MAX, sizeof(*d->streams))) ||
	    !(d->jst = calloc(DECODE_STREAMS_MAX, sizeof(*d->jst))))
		goto out;
	ret = d;
	d = NULL;
out:
	decode_ctx_free(d);
	return ret;
}

void decode_ctx_free(struct decode_ctx *d)
{
	if (!d)
		return;
	free(d->streams);
	free(d->jst);
	free(d->pkts);
	free(d->data);
	free(d);
}

/* Which way a packet went when the record does not say: by the SDP
 * endpoints of the call (sent from the caller's media, or to the callee's). */
static uint8_t decode_guess_dir(const struct decode_ctx *d, const struct decap_pkt *p)
{
	size_t alen = p->family == 6 ? 16 : 4;

	for (uint32_t i = 0; i < d->call.n_media && i < RING_MEDIA_MAX; i++) {
		const struct ring_media *m = &d->call.media[i];

		if (m->family != p->family || m->side == RING_SIDE_UNKNOWN)
			continue;
		if (m->port == p->sport && !memcmp(m->addr, p->src, alen))
			return m->side == RING_SIDE_CALLER ? RING_DIR_FWD : RING_DIR_REV;
		if (m->port == p->dport && !memcmp(m->addr, p->dst, alen))
			return m->side == RING_SIDE_CALLER ? RING_DIR_REV : RING_DIR_FWD;
	}
	/* no SDP endpoint matched: the INVITE's sender is the caller's host */
	if (d->first_family == p->family && !memcmp(d->first_src, p->src, alen))
		return RING_DIR_FWD;
	if (d->first_family == p->family && !memcmp(d->first_src, p->dst, alen))
		return RING_DIR_REV;
	return RING_DIR_UNKNOWN;
}

static bool decode_stream_is(const struct decode_stream *s, uint32_t ssrc,
                             const struct decap_pkt *p)
{
	return s->ssrc == ssrc && s->sport == p->sport && s->dport == p->dport &&
	       s->family == p->family && !memcmp(s->src, p->src, 16) &&
	       !memcmp(s->dst, p->dst, 16);
}

/* Finds or creates the stream of a packet; returns its index or -1 when
 * the table is full. */
static int decode_stream_get(struct decode_ctx *d, uint32_t ssrc, const struct decap_pkt *p,
                             uint8_t dir)
{
	struct decode_stream *s;

	if (d->n_streams && decode_stream_is(&d->streams[d->last_stream], ssrc, p))
		return (int)d->last_stream;
	for (uint32_t i = 0; i < d->n_streams; i++) {
		if (decode_stream_is(&d->streams[i], ssrc, p)) {
			d->last_stream = i;
			return (int)i;
		}
	}
	if (d->n_streams >= DECODE_STREAMS_MAX)
		return -1;
	s = &d->streams[d->n_streams];
	memset(s, 0, sizeof(*s));
	s->ssrc = ssrc;
	s->family = p->family;
	s->sport = p->sport;
	s->dport = p->dport;
	memcpy(s->src, p->src, 16);
	memcpy(s->dst, p->dst, 16);
	s->dir = dir != RING_DIR_UNKNOWN ? dir : decode_guess_dir(d, p);
	d->last_stream = d->n_streams;
	return (int)d->n_streams++;
}

/* Grows an array of elem-sized entries to hold need; returns the (maybe
 * moved) array, or NULL with the old one untouched when memory ran out. */
static void *decode_grow(void *buf, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap : first;
	void *nb;

	if (need <= *cap)
		return buf;
	while (ncap < need)
		ncap *= 2;
	if (!(nb = realloc(buf, ncap * elem)))
		return NULL;
	*cap = ncap;
	return nb;
}

int decode_ctx_add(struct decode_ctx *d, const struct ring_rec *rec, const uint8_t *bytes)
{
	struct decap_pkt dp;
	struct rtp_hdr rtp;
	struct decode_stream *s;
	struct decode_ptinfo *pi;
	struct jitter_pkt *jp;
	int si, dr, pr, r = TR_ERR_INVAL;

	if (!d || !rec || (!bytes && rec->caplen))
		goto out;
	r = 0;
	if (rec->ts_ns > d->t_last_rec)
		d->t_last_rec = rec->ts_ns;
	if (rec->kind != RING_K_RTP && rec->kind != 0 && rec->ts_ns >= d->t_first_rec)
		goto out;
	memset(&dp, 0, sizeof(dp));
	memset(&rtp, 0, sizeof(rtp));
	dr = decap_frame(rec->link_type, bytes, rec->caplen, &dp);
	if (rec->ts_ns < d->t_first_rec) {
		d->t_first_rec = rec->ts_ns;
		if (dr == 0) {
			d->first_family = dp.family;
			memcpy(d->first_src, dp.src, sizeof(d->first_src));
		}
	}
	if (rec->kind != RING_K_RTP && rec->kind != 0)
		goto out;
	/* kind 0 (a record that was not classified, e.g. rebuilt from a pcap):
	 * RTP is what parses as RTP version 2 and is not RTCP; SIP text and
	 * STUN/DTLS never have version 2 in their first byte */
	pr = dr != 0 || dp.is_fragment || dp.proto != IPPROTO_UDP || !dp.l5 ? TR_ERR_INVAL
	     : rtp_parse(dp.l5, dp.l5_len, &rtp);
	if (rec->kind == 0 && (pr != 0 || rtp_is_rtcp_pt(dp.l5[1])))
		goto out;
	d->rtp_packets++;
	if (pr != 0) {
		d->skipped++;
		goto out;
	}
	if (d->n_pkts >= DECODE_PKTS_MAX || (si = decode_stream_get(d, rtp.ssrc, &dp, rec->dir)) < 0) {
		d->skipped++;
		goto out;
	}
	s = &d->streams[si];
	pi = &d->pt[rtp.pt];
	if (s->n_pts < DECODE_PTS_MAX && !memchr(s->pts, rtp.pt, s->n_pts))
		s->pts[s->n_pts++] = rtp.pt;
	if (s->t_first_ns == 0 || rec->ts_ns < s->t_first_ns)
		s->t_first_ns = rec->ts_ns;
	if (rec->ts_ns > s->t_last_ns)
		s->t_last_ns = rec->ts_ns;
	/* the stream's codec and clock: its first payload that is not an event or CN */
	if (!s->codec[0] && !s->decodable && pi->kind != CODEC_EVENT && pi->kind != CODEC_CN) {
		snprintf(s->codec, sizeof(s->codec), "%s", pi->name);
		s->clock_rate = pi->clock_rate;
		s->decodable = pi->kind == CODEC_AUDIO;
		if (!s->codec[0])     /* unknown PT: remember we decided */
			s->clock_rate = 0;
	}
	r = TR_ERR_NOMEM;
	if (!(jp = decode_grow(d->pkts, &d->cap_pkts, d->n_pkts + 1, sizeof(*d->pkts), 1024)))
		goto out;
	d->pkts = jp;
	r = 0;
	jp = &d->pkts[d->n_pkts];
	memset(jp, 0, sizeof(*jp));
	jp->t_ns = rec->ts_ns;
	jp->stream = (uint32_t)si;
	jp->ts = rtp.ts;
	jp->seq = rtp.seq;
	jp->pt = rtp.pt;
	if (pi->kind == CODEC_AUDIO && rtp.payload_len) {
		uint8_t *nd;

		if (d->data_len + rtp.payload_len > UINT32_MAX) {
			d->skipped++;
			goto out;
		}
		if (!(nd = decode_grow(d->data, &d->data_cap, d->data_len + rtp.payload_len, 1,
		                       65536))) {
			r = TR_ERR_NOMEM;
			goto out;
		}
		d->data = nd;
		memcpy(d->data + d->data_len, rtp.payload, rtp.payload_len);
		jp->data_off = (uint32_t)d->data_len;
		jp->data_len = (uint32_t)rtp.payload_len;
		d->data_len += rtp.payload_len;
	}
	d->n_pkts++;
out:
	return r;
}

static int decode_cmp_arrival(const void *a, const void *b)
{
	const struct jitter_pkt *x = a, *y = b;

	return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

static uint64_t decode_t0(const struct decode_ctx *d)
{
	if (d->call.t_first)
		return d->call.t_first;
	return d->t_first_rec == UINT64_MAX ? 0 : d->t_first_rec;
}

/* Runs the sequencer over everything fed so far (again, in capture order,
 * if packets came in since the last run). */
static int decode_sequence(struct decode_ctx *d)
{
	struct jitter_conf jc = { .t0_ns = decode_t0(d), .out_rate = DECODE_RATE };
	int r;

	if (d->n_sequenced == d->n_pkts && d->n_pkts)
		return 0;
	if (d->n_sequenced)
		qsort(d->pkts, d->n_sequenced, sizeof(*d->pkts), decode_cmp_arrival);
	for (uint32_t i = 0; i < d->n_streams; i++) {
		/* an event-only stream is placed on the 8 kHz clock of events */
		d->jst[i].clock_rate = d->streams[i].clock_rate ? d->streams[i].clock_rate
		                                                : DECODE_RATE;
	}
	if ((r = jitter_sequence(&jc, d->pkts, d->n_pkts, d->jst, d->n_streams)) != 0)
		return r;
	for (uint32_t i = 0; i < d->n_streams; i++) {
		struct decode_stream *s = &d->streams[i];

		s->packets = d->jst[i].packets;
		s->duplicates = d->jst[i].duplicates;
		s->lost = d->jst[i].lost;
		s->segments = d->jst[i].segments;
		s->first_frame = d->jst[i].first_pos;
	}
	d->n_sequenced = d->n_pkts;
	return 0;
}

static int decode_stream_cmp(const void *a, const void *b)
{
	const struct decode_stream *x = a, *y = b;
	int c;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->t_first_ns != y->t_first_ns)
		return x->t_first_ns < y->t_first_ns ? -1 : 1;
	if (x->ssrc != y->ssrc)
		return x->ssrc < y->ssrc ? -1 : 1;
	if ((c = memcmp(x->src, y->src, 16)) != 0)
		return c;
	if (x->sport != y->sport)
		return x->sport < y->sport ? -1 : 1;
	if ((c = memcmp(x->dst, y->dst, 16)) != 0)
		return c;
	return x->dport < y->dport ? -1 : x->dport > y->dport;
}

int decode_ctx_streams(struct decode_ctx *d, struct decode_streams **outp)
{
	struct decode_streams *o = NULL;
	int r;

	*outp = NULL;
	if ((r = decode_sequence(d)) != 0)
		goto out;
	r = TR_ERR_NOMEM;
	if (!(o = calloc(1, sizeof(*o) + d->n_streams * sizeof(o->s[0]))))
		goto out;
	o->call = d->call;
	o->rtp_packets = d->rtp_packets;
	o->skipped = d->skipped;
	o->t_last_ns = d->t_last_rec;
	o->n = d->n_streams;
	memcpy(o->s, d->streams, d->n_streams * sizeof(o->s[0]));
	/* a stream of only events or CN is named after its first payload */
	for (size_t i = 0; i < o->n; i++)
		if (!o->s[i].codec[0] && o->s[i].n_pts)
			snprintf(o->s[i].codec, sizeof(o->s[i].codec), "%s", d->pt[o->s[i].pts[0]].name);
	qsort(o->s, o->n, sizeof(o->s[0]), decode_stream_cmp);
	*outp = o;
	o = NULL;
	r = 0;
out:
	decode_streams_free(o);
	return r;
}

void decode_streams_free(struct decode_streams *s)
{
	free(s);
}

int decode_ctx_pcm(struct decode_ctx *d, int16_t **pcmp, size_t *framesp,
                   struct decode_wav_info *infop)
{
	struct mix m = { 0 };
	struct decode_wav_info info = { .rate = DECODE_RATE, .channels = MIX_CHANNELS };
	uint64_t t0 = decode_t0(d), t_end = d->call.t_end, span;
	int r;

	*pcmp = NULL;
	*framesp = 0;
	if ((r = decode_sequence(d)) != 0)
		goto out;
	if (d->t_last_rec != 0 && d->t_last_rec > t_end)
		t_end = d->t_last_rec;
	span = t_end > t0 ? t_end - t0 : 0;
	if (span > (uint64_t)DECODE_SECONDS_MAX * DECODE_NS_PER_S) {
		log_warn_f("call %s lasts %" PRIu64 " s: cut at %u s", d->call.call_id,
		           span / DECODE_NS_PER_S, DECODE_SECONDS_MAX);
		span = (uint64_t)DECODE_SECONDS_MAX * DECODE_NS_PER_S;
		info.truncated = 1;
	}
	/* the sample that holds t_end is the last one */
	info.frames = span / 1000 * DECODE_RATE / 1000000 + 1;
	if ((r = mix_init(&m, (size_t)info.frames, DECODE_RATE)) != 0)
		goto out;
	info.streams = d->n_streams;
	for (uint32_t i = 0; i < d->n_streams; i++) {
		const struct decode_stream *s = &d->streams[i];

		if (!s->decodable && s->packets) {
			bool only_events = true;

			for (uint32_t k = 0; k < s->n_pts; k++)
				if (d->pt[s->pts[k]].kind != CODEC_EVENT && d->pt[s->pts[k]].kind != CODEC_CN)
					only_events = false;
			if (!only_events) {
				info.streams_silent++;
				log_warn_f("call %s stream 0x%08x: codec %s not supported, left silent",
				           d->call.call_id, s->ssrc, s->codec[0] ? s->codec : "unknown");
			}
		}
	}
	for (size_t i = 0; i < d->n_pkts; i++) {
		const struct jitter_pkt *p = &d->pkts[i];
		const struct decode_ptinfo *pi = &d->pt[p->pt];

		if (p->dup || !p->data_len || pi->kind != CODEC_AUDIO)
			continue;
		mix_put(&m, d->streams[p->stream].dir == RING_DIR_REV ? 1 : 0, p->pos, pi->codec,
		        d->data + p->data_off, p->data_len);
	}
	info.clipped = m.clipped;
	*pcmp = m.pcm;
	*framesp = m.frames;
	m.pcm = NULL;
	r = 0;
out:
	mix_clear(&m);
	if (infop)
		*infop = info;
	return r;
}

int decode_ctx_wav(struct decode_ctx *d, const char *path, int fd, struct decode_wav_info *infop)
{
	int16_t *pcm = NULL;
	size_t frames = 0;
	int r;

	if ((r = decode_ctx_pcm(d, &pcm, &frames, infop)) != 0)
		goto out;
	r = wav_write(path, fd, pcm, frames, MIX_CHANNELS, DECODE_RATE);
out:
	{
		int e = errno;      /* TR_ERR_SYS: errno says why, for the caller */

		free(pcm);
		errno = e;
	}
	return r;
}

/* Reads call (slot, gen) of the ring into a new context. */
static int decode_ctx_from_ring(const struct ring *ring, uint32_t slot, uint32_t gen,
                                struct decode_ctx **dp)
{
	struct ring_iter it;
	struct ring_call call;
	struct ring_rec rec;
	const uint8_t *bytes = NULL;
	struct decode_ctx *d = NULL;
	bool iter = false;
	int r;

	*dp = NULL;
	if ((r = ring_call_read(ring, slot, &call)) != 0)
		goto out;
	r = TR_ERR_STALE;
	if (call.gen != gen)
		goto out;
	r = TR_ERR_NOMEM;
	if (!(d = decode_ctx_new(&call)))
		goto out;
	if ((r = ring_iter_init(&it, ring, slot, gen)) != 0)
		goto out;
	iter = true;
	while ((r = ring_iter_next(&it, &rec, &bytes)) == 1) {
		if ((r = decode_ctx_add(d, &rec, bytes)) != 0)
			goto out;
	}
	if (r != 0)
		goto out;
	/* a live call's metadata moved on while we read: take the newest */
	if ((r = ring_call_read(ring, slot, &call)) != 0)
		goto out;
	r = TR_ERR_STALE;
	if (call.gen != gen)
		goto out;
	d->call = call;
	*dp = d;
	d = NULL;
	r = 0;
out:
	if (iter)
		ring_iter_clear(&it);
	decode_ctx_free(d);
	return r;
}

int decode_call_streams(const struct ring *ring, uint32_t slot, uint32_t gen,
                        struct decode_streams **outp)
{
	struct decode_ctx *d = NULL;
	int r;

	*outp = NULL;
	if ((r = decode_ctx_from_ring(ring, slot, gen, &d)) != 0)
		goto out;
	r = decode_ctx_streams(d, outp);
out:
	decode_ctx_free(d);
	return r;
}

int decode_call_wav(const struct ring *ring, uint32_t slot, uint32_t gen, const char *path,
                    int fd, struct decode_wav_info *infop)
{
	struct decode_ctx *d = NULL;
	int r;

	if ((r = decode_ctx_from_ring(ring, slot, gen, &d)) != 0)
		goto out;
	r = decode_ctx_wav(d, path, fd, infop);
out:
	{
		int e = errno;

		decode_ctx_free(d);
		errno = e;
	}
	return r;
}

const char *decode_dir_name(uint8_t dir)
{
	switch (dir) {
	case RING_DIR_FWD:
		return "caller->callee";
	case RING_DIR_REV:
		return "callee->caller";
	default:
		return "unknown";
	}
}

const char *decode_addr_str(uint8_t family, const uint8_t addr[16], uint16_t port, char *buf,
                            size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (family == 6) {
		inet_ntop(AF_INET6, addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		inet_ntop(AF_INET, addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, port);
	}
	return buf;
}
