/* main.c - threatrec-pcapgen: writes pcaps of SIP/RTP calls with known audio.
 * RFC 3261 (SIP), 4566 (SDP), 3264 (offer/answer), 3550/3551 (RTP, PCMU/PCMA),
 * 4733 (telephone events).
 *
 * Every call: INVITE with an SDP offer, 100, 180, 200 OK with the answer, ACK,
 * RTP both ways every 20 ms from 0.5 s until the BYE, BYE, 200. The caller's
 * RTP carries a tone (default 440 Hz) during its talk-spurt, the callee's a
 * tone (default 1000 Hz) during its own; outside them G.711 silence is still
 * sent. Time 0 of a call is its INVITE. The output is deterministic: a fixed
 * start time, SSRCs and ports derived from the call index, and one seeded
 * generator per RTP stream for loss, duplicates and reordering.
 *
 * --truth FILE writes what is on the wire, one JSON object per call: the call,
 * its streams with packets / duplicates / lost as a receiver would count them,
 * and where the tones can be heard (the golden tests assert against it).
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "enc711.h"
#include "pkt.h"

#define GEN_CALLS_MAX      10000
#define GEN_RATE           8000                 /* samples per second */
#define GEN_PTIME_US       20000                /* 20 ms packets */
#define GEN_SAMPLES        160                  /* samples per packet */
#define GEN_MEDIA_START_US 500000               /* first RTP packet after the INVITE */
#define GEN_EPOCH_US       1767261600000000ull  /* 2026-01-01T10:00:00Z */
#define GEN_PT_EVENT       101
#define GEN_TONE_AMP       0.3                  /* of full scale: -10.5 dBFS peak */
#define GEN_TAB_MAX        8000                 /* one tone period table, in samples */
#define GEN_PEND_MAX       8                    /* RTP packets held for reordering / dups */
#define GEN_DTMF_MAX       15                   /* digits in --dtmf */
#define GEN_REORDER_US     30000                /* a reordered packet arrives 30 ms late */
#define GEN_DUP_US         50                   /* a mirrored duplicate follows 50 us later */
#define GEN_SIP_MAX        8192
#define GEN_RTCP_EVERY     100                  /* slots (2 s) between RTCP reports */
#define GEN_RTCP_AFTER_US  10000                /* a report follows its slot by 10 ms */
#define GEN_NTP_UNIX       2208988800ull        /* seconds from 1900 to 1970 */
#define GEN_PEND_BYTES     (12 + GEN_SAMPLES)

/* One tone as G.711 bytes: tab[n % len] is call-relative sample n; the table
 * is len + GEN_SAMPLES long so a packet is one memcpy. */
struct gen_tone {
	unsigned freq;
	size_t len;
	uint8_t tab[GEN_TAB_MAX + GEN_SAMPLES];
};

/* How a call ends: answered and hung up by the caller (the default), cancelled
 * by the caller while ringing, or rejected by the callee with 486 Busy Here. */
enum gen_outcome { GEN_ANSWER, GEN_CANCEL, GEN_BUSY };

struct gen_opts {
	const char *out, *truth;
	unsigned calls;
	int concurrent;
	double stagger;           /* seconds between call starts when concurrent */
	double duration;          /* INVITE to BYE, seconds */
	int alaw;
	double loss, reorder, dup;   /* percent */
	double ssrc_change_at;    /* call-relative seconds, < 0: none */
	long seq_start;           /* < 0: derived from the call index */
	long long ts_start;       /* < 0: derived from the call index */
	struct pkt_conf link;
	int frag_invite;
	int rtcp;                 /* 0 none, 1 RTCP on port + 1, 2 rtcp-mux (RFC 5761) */
	enum gen_outcome outcome;
	char dtmf[GEN_DTMF_MAX + 1];
	double dtmf_at;
	uint64_t seed;
	double talk[2][2];        /* [caller/callee][start/end], seconds */
	unsigned freq[2];
};

/* Per-SSRC counters as a receiver would keep them. */
struct gen_stat {
	uint32_t ssrc;
	uint64_t ext_first;       /* extended sequence number of this SSRC's first packet */
	uint64_t wire, distinct;
	uint64_t ext_min, ext_max;
	int seen;
	int pt_audio, pt_event;
	uint8_t *bits;            /* received extended seqs, relative to ext_first */
	size_t nbits;
};

struct gen_pend {
	uint64_t t;
	uint32_t ip_id;
	int rtcp;                 /* an RTCP report: sent between the RTCP addresses */
	size_t len;
	uint8_t rtp[GEN_PEND_BYTES];
};

struct gen_stream {
	int dir;                  /* 0 caller->callee, 1 callee->caller */
	const struct pkt_addr *src, *dst;
	struct pkt_addr rtcp_src, rtcp_dst;
	uint64_t slot, nslots;
	uint64_t t_first;         /* capture time of slot 0 */
	uint64_t rng;
	uint16_t seq;
	uint64_t ext;             /* extended seq of the next new packet */
	uint32_t ts_base;
	uint32_t ssrc;
	uint32_t ip_id;
	int marker;
	int nstat;
	struct gen_stat stat[2];  /* [1] after an SSRC change */
	uint64_t change_slot;     /* slot that starts the new SSRC; UINT64_MAX: none */
	uint64_t tone_lo, tone_hi; /* talk-spurt, call-relative samples [lo, hi) */
	int64_t heard_lo, heard_hi; /* tone samples actually delivered, -1: none */
	uint64_t dtmf_slot;       /* first slot of the digits; UINT64_MAX: none */
	int npend;
	struct gen_pend pend[GEN_PEND_MAX];
};

struct gen_call {
	unsigned idx;
	uint64_t t0, t_bye;       /* INVITE and BYE capture times */
	struct pkt_addr sip[2], rtp[2];
	char call_id[80], from_tag[32], to_tag[32], branch[2][40];
	char user[2][24];         /* caller number, callee extension */
	char ip[2][48];           /* textual addresses */
	int sip_step;
	uint32_t sip_ip_id[2];
	struct gen_stream st[2];
};

struct gen_ctx {
	const struct gen_opts *o;
	struct pkt_writer *w;
	struct gen_tone tone[2];
	struct gen_call *calls;
	/* event heap over sources: source = call * 3 + (0 SIP, 1 caller RTP, 2 callee RTP) */
	uint32_t *heap;
	uint64_t *key;
	size_t nheap;
};

/* SIP messages the generator can send */
enum gen_msg { M_INVITE, M_100, M_180, M_200_INVITE, M_ACK, M_BYE, M_200_BYE, M_CANCEL,
               M_200_CANCEL, M_487, M_486, M_ACK_ERR };

struct gen_sip_step {
	enum gen_msg msg;
	int at_end;        /* 0: at_us after the INVITE; 1: at_us after the call's end */
	uint64_t at_us;
};

#define GEN_SIP_STEPS_MAX 7
static const struct gen_sip_step gen_sip_plan[3][GEN_SIP_STEPS_MAX + 1] = {
	[GEN_ANSWER] = { { M_INVITE, 0, 0 }, { M_100, 0, 10000 }, { M_180, 0, 100000 },
	                 { M_200_INVITE, 0, 480000 }, { M_ACK, 0, 490000 }, { M_BYE, 1, 0 },
	                 { M_200_BYE, 1, 2000 }, { M_INVITE, -1, 0 } },
	[GEN_CANCEL] = { { M_INVITE, 0, 0 }, { M_100, 0, 10000 }, { M_180, 0, 100000 },
	                 { M_CANCEL, 1, 0 }, { M_200_CANCEL, 1, 2000 }, { M_487, 1, 4000 },
	                 { M_ACK_ERR, 1, 6000 }, { M_INVITE, -1, 0 } },
	[GEN_BUSY]   = { { M_INVITE, 0, 0 }, { M_100, 0, 10000 }, { M_486, 1, 0 },
	                 { M_ACK_ERR, 1, 2000 }, { M_INVITE, -1, 0 } },
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) / 9007199254740992.0;
}

static unsigned gcd(unsigned a, unsigned b)
{
	while (b != 0) {
		unsigned t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static int tone_init(struct gen_tone *t, unsigned freq, int alaw)
{
	size_t i;

	if (freq == 0 || freq >= GEN_RATE / 2)
		return -1;
	t->freq = freq;
	t->len = GEN_RATE / gcd(GEN_RATE, freq);
	if (t->len > GEN_TAB_MAX)
		return -1;
	for (i = 0; i < t->len + GEN_SAMPLES; i++) {
		double v = GEN_TONE_AMP * 32767.0 * sin(2.0 * M_PI * (double)freq * (double)(i % t->len) / GEN_RATE);
		int16_t s = (int16_t)lrint(v);

		t->tab[i] = alaw ? enc711_alaw(s) : enc711_ulaw(s);
	}
	return 0;
}

/* ---- addresses and identities, all derived from the call index ---- */

static void call_init(struct gen_ctx *c, struct gen_call *k, unsigned i)
{
	const struct gen_opts *o = c->o;
	int d;

	memset(k, 0, sizeof(*k));
	k->idx = i;
	if (o->concurrent)
		k->t0 = GEN_EPOCH_US + (uint64_t)llround((double)i * o->stagger * 1e6);
	else
		k->t0 = GEN_EPOCH_US + (uint64_t)i * (uint64_t)llround((o->duration + 1.0) * 1e6);
	k->t_bye = k->t0 + (uint64_t)llround(o->duration * 1e6);
	for (d = 0; d < 2; d++) {
		struct pkt_addr *a = &k->sip[d];
		unsigned host = 10 + i % 200;

		if (o->link.ipv6) {
			/* 2001:db8:0:1::host (caller side), 2001:db8:0:2::host (callee side) */
			static const uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0 };
			memcpy(a->ip, pfx, 8);
			a->ip[7] = (uint8_t)(d + 1);
			a->ip[14] = (uint8_t)(host >> 8);
			a->ip[15] = (uint8_t)host;
			inet_ntop(AF_INET6, a->ip, k->ip[d], sizeof(k->ip[d]));
		} else {
			/* 192.0.2.host (caller side), 198.51.100.host (callee side) */
			a->ip[0] = d == 0 ? 192 : 198;
			a->ip[1] = d == 0 ? 0 : 51;
			a->ip[2] = d == 0 ? 2 : 100;
			a->ip[3] = (uint8_t)host;
			inet_ntop(AF_INET, a->ip, k->ip[d], sizeof(k->ip[d]));
		}
		a->mac[0] = 0x02;
		a->mac[3] = (uint8_t)(d + 1);
		a->mac[4] = (uint8_t)(i >> 8);
		a->mac[5] = (uint8_t)i;
		a->port = 5060;
		k->rtp[d] = *a;
		k->rtp[d].port = (uint16_t)((d == 0 ? 16384u : 40000u) + 2u * i);
	}
	snprintf(k->call_id, sizeof(k->call_id), "pcapgen-%" PRIu64 "-%u@%s", o->seed, i, k->ip[0]);
	snprintf(k->from_tag, sizeof(k->from_tag), "ft%" PRIu64 "x%u", o->seed, i);
	snprintf(k->to_tag, sizeof(k->to_tag), "tt%" PRIu64 "x%u", o->seed, i);
	snprintf(k->branch[0], sizeof(k->branch[0]), "z9hG4bK-inv-%u", i);
	snprintf(k->branch[1], sizeof(k->branch[1]), "z9hG4bK-bye-%u", i);
	snprintf(k->user[0], sizeof(k->user[0]), "+1555010%04u", i % 10000);
	snprintf(k->user[1], sizeof(k->user[1]), "1%03u", i % 1000);
	k->sip_ip_id[0] = 0x1000u + i;
	k->sip_ip_id[1] = 0x9000u + i;
}

static int stat_init(struct gen_stat *s, uint32_t ssrc, uint64_t ext_first, size_t nbits)
{
	memset(s, 0, sizeof(*s));
	s->ssrc = ssrc;
	s->ext_first = ext_first;
	s->nbits = nbits;
	s->pt_audio = -1;
	s->pt_event = -1;
	s->bits = calloc((nbits + 7) / 8, 1);
	return s->bits == NULL ? -1 : 0;
}

static int stream_init(struct gen_ctx *c, struct gen_call *k, int dir)
{
	const struct gen_opts *o = c->o;
	struct gen_stream *s = &k->st[dir];
	uint64_t media_end = k->t_bye - k->t0;
	uint64_t h = o->seed * 0x100000001b3ull ^ ((uint64_t)k->idx << 1 | (uint64_t)dir);

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->src = &k->rtp[dir];
	s->dst = &k->rtp[1 - dir];
	s->rtcp_src = *s->src;
	s->rtcp_dst = *s->dst;
	if (o->rtcp == 1) {
		s->rtcp_src.port++;
		s->rtcp_dst.port++;
	}
	s->t_first = k->t0 + GEN_MEDIA_START_US;
	s->nslots = o->outcome == GEN_ANSWER && media_end > GEN_MEDIA_START_US
	            ? (media_end - GEN_MEDIA_START_US + GEN_PTIME_US - 1) / GEN_PTIME_US : 0;
	s->rng = h;
	splitmix(&s->rng);
	s->seq = o->seq_start >= 0 ? (uint16_t)o->seq_start
	                           : (uint16_t)(1000u + k->idx * 7919u + (unsigned)dir * 20000u);
	s->ts_base = o->ts_start >= 0 ? (uint32_t)o->ts_start
	                              : (uint32_t)(k->idx * 2654435761u + (unsigned)dir * 0x3c6ef372u);
	s->ssrc = (dir == 0 ? 0xca110000u : 0xca1e0000u) + k->idx;
	s->ip_id = (dir == 0 ? 0x2000u : 0xa000u) + k->idx * 16u;
	s->marker = 1;
	s->change_slot = UINT64_MAX;
	s->dtmf_slot = UINT64_MAX;
	if (dir == 0 && o->ssrc_change_at >= 0) {
		double rel = o->ssrc_change_at - GEN_MEDIA_START_US / 1e6;
		if (rel > 0)
			s->change_slot = (uint64_t)ceil(rel * 1e6 / GEN_PTIME_US - 1e-9);
	}
	if (dir == 0 && o->dtmf[0] != '\0') {
		double rel = o->dtmf_at - GEN_MEDIA_START_US / 1e6;
		s->dtmf_slot = rel > 0 ? (uint64_t)ceil(rel * 1e6 / GEN_PTIME_US - 1e-9) : 0;
	}
	s->tone_lo = (uint64_t)llround(o->talk[dir][0] * GEN_RATE);
	s->tone_hi = (uint64_t)llround(o->talk[dir][1] * GEN_RATE);
	s->heard_lo = -1;
	s->heard_hi = -1;
	s->nstat = 1;
	return stat_init(&s->stat[0], s->ssrc, 0, (size_t)s->nslots + 16);
}

/* ---- SIP ---- */

static size_t sdp_body(const struct gen_ctx *c, const struct gen_call *k, int d, char *b, size_t cap)
{
	const char *ipv = c->o->link.ipv6 ? "IP6" : "IP4";
	int pt = c->o->alaw ? 8 : 0;
	int n;

	/* the offer lists both G.711 laws (chosen one first); the answer only the chosen one */
	n = snprintf(b, cap,
	             "v=0\r\n"
	             "o=- %u %u IN %s %s\r\n"
	             "s=threatrec-pcapgen\r\n"
	             "c=IN %s %s\r\n"
	             "t=0 0\r\n"
	             "m=audio %u RTP/AVP %d%s %d\r\n"
	             "a=rtpmap:%d %s/8000\r\n"
	             "%s"
	             "a=rtpmap:%d telephone-event/8000\r\n"
	             "a=fmtp:%d 0-15\r\n"
	             "a=ptime:20\r\n"
	             "%s"
	             "a=sendrecv\r\n",
	             1000u + k->idx, 1u + (unsigned)d, ipv, k->ip[d], ipv, k->ip[d],
	             (unsigned)k->rtp[d].port, pt, d == 0 ? (pt == 0 ? " 8" : " 0") : "",
	             GEN_PT_EVENT, pt, pt == 0 ? "PCMU" : "PCMA",
	             d == 0 ? (pt == 0 ? "a=rtpmap:8 PCMA/8000\r\n" : "a=rtpmap:0 PCMU/8000\r\n") : "",
	             GEN_PT_EVENT, GEN_PT_EVENT, c->o->rtcp == 2 ? "a=rtcp-mux\r\n" : "");
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* Builds SIP message m of call k into b; returns its length (0 when it does
 * not fit) and the sending side (0 caller, 1 callee) in *fromp. */
static size_t sip_msg(const struct gen_ctx *c, const struct gen_call *k, enum gen_msg m, char *b,
                      size_t cap, int *fromp)
{
	char sdp[1024], pad[2200], via[160], hdr[640];
	const char *ipa = k->ip[0], *ipb = k->ip[1];
	const char *lb = c->o->link.ipv6 ? "[" : "", *rb = c->o->link.ipv6 ? "]" : "";
	size_t sdplen = 0;
	int n = 0, from = 1, to_tag = 1, bye_branch = 0, contact = 0;
	const char *start = NULL, *method = "INVITE";
	unsigned cseq = 1;

	pad[0] = '\0';
	sdp[0] = '\0';
	switch (m) {
	case M_INVITE:
		start = "INVITE"; from = 0; to_tag = 0; contact = 1;
		sdplen = sdp_body(c, k, 0, sdp, sizeof(sdp));
		if (c->o->frag_invite) {
			/* make the INVITE exceed the MTU so the IP layer must fragment it */
			size_t i;
			strcpy(pad, "X-Pcapgen-Padding: ");
			for (i = strlen(pad); i < 2000; i++)
				pad[i] = (char)('a' + i % 26);
			strcpy(pad + i, "\r\n");
		}
		break;
	case M_100: start = "SIP/2.0 100 Trying"; to_tag = 0; break;
	case M_180: start = "SIP/2.0 180 Ringing"; break;
	case M_200_INVITE:
		start = "SIP/2.0 200 OK"; contact = 1;
		sdplen = sdp_body(c, k, 1, sdp, sizeof(sdp));
		break;
	case M_ACK: start = "ACK"; method = "ACK"; from = 0; contact = 1; break;
	case M_BYE: start = "BYE"; method = "BYE"; cseq = 2; from = 0; bye_branch = 1; contact = 1; break;
	case M_200_BYE: start = "SIP/2.0 200 OK"; method = "BYE"; cseq = 2; bye_branch = 1; break;
	case M_CANCEL: start = "CANCEL"; method = "CANCEL"; from = 0; to_tag = 0; break;
	case M_200_CANCEL: start = "SIP/2.0 200 OK"; method = "CANCEL"; to_tag = 0; break;
	case M_487: start = "SIP/2.0 487 Request Terminated"; break;
	case M_486: start = "SIP/2.0 486 Busy Here"; break;
	case M_ACK_ERR: start = "ACK"; method = "ACK"; from = 0; break;  /* same transaction */
	}
	/* Via names the caller for every request of this dialog and its responses;
	 * CANCEL and the ACK of an error share the INVITE's branch (RFC 3261 9.1, 17.1.1.3) */
	snprintf(via, sizeof(via), "Via: SIP/2.0/UDP %s%s%s:5060;branch=%s\r\n", lb, ipa, rb,
	         k->branch[bye_branch]);
	snprintf(hdr, sizeof(hdr),
	         "%s"
	         "Max-Forwards: 70\r\n"
	         "From: \"Caller %u\" <sip:%s@%s%s%s>;tag=%s\r\n"
	         "To: <sip:%s@%s%s%s>%s%s\r\n"
	         "Call-ID: %s\r\n"
	         "CSeq: %u %s\r\n",
	         via, k->idx, k->user[0], lb, ipa, rb, k->from_tag,
	         k->user[1], lb, ipb, rb, to_tag ? ";tag=" : "", to_tag ? k->to_tag : "",
	         k->call_id, cseq, method);
	if (start[0] == 'S') {
		char ct[160] = "";

		if (contact)
			snprintf(ct, sizeof(ct), "Contact: <sip:%s@%s%s%s:5060>\r\n", k->user[1], lb, ipb, rb);
		n = snprintf(b, cap, "%s\r\n%s%sUser-Agent: threatrec-pcapgen\r\n"
		             "%sContent-Length: %zu\r\n\r\n%s",
		             start, hdr, ct, sdplen ? "Content-Type: application/sdp\r\n" : "",
		             sdplen, sdp);
	} else {
		char ct[160] = "";

		if (contact)
			snprintf(ct, sizeof(ct), "Contact: <sip:%s@%s%s%s:5060>\r\n", k->user[0], lb, ipa, rb);
		n = snprintf(b, cap, "%s sip:%s@%s%s%s:5060 SIP/2.0\r\n%s%s"
		             "User-Agent: threatrec-pcapgen\r\n"
		             "%s%s"
		             "Content-Length: %zu\r\n\r\n%s",
		             start, k->user[1], lb, ipb, rb, hdr, ct, pad,
		             sdplen ? "Content-Type: application/sdp\r\n" : "",
		             sdplen, sdp);
	}
	*fromp = from;
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static const struct gen_sip_step *sip_step(const struct gen_ctx *c, const struct gen_call *k)
{
	const struct gen_sip_step *st = &gen_sip_plan[c->o->outcome][k->sip_step];

	return st->at_end < 0 ? NULL : st;
}

static uint64_t sip_time(const struct gen_call *k, const struct gen_sip_step *st)
{
	return (st->at_end ? k->t_bye : k->t0) + st->at_us;
}

/* ---- RTP ---- */

static int event_code(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch == '*')
		return 10;
	if (ch == '#')
		return 11;
	if (ch >= 'A' && ch <= 'D')
		return 12 + ch - 'A';
	if (ch >= 'a' && ch <= 'd')
		return 12 + ch - 'a';
	return -1;
}

static void stat_count(struct gen_stat *st, uint64_t ext, int pt, int is_event)
{
	uint64_t rel = ext - st->ext_first;

	st->wire++;
	if (is_event)
		st->pt_event = pt;
	else
		st->pt_audio = pt;
	if (rel < st->nbits && !(st->bits[rel / 8] & (1u << (rel % 8)))) {
		st->bits[rel / 8] |= (uint8_t)(1u << (rel % 8));
		st->distinct++;
	}
	if (!st->seen || ext < st->ext_min)
		st->ext_min = ext;
	if (!st->seen || ext > st->ext_max)
		st->ext_max = ext;
	st->seen = 1;
}

static int pend_push(struct gen_stream *s, uint64_t t, const uint8_t *rtp, size_t len, int rtcp)
{
	struct gen_pend *p;

	if (s->npend >= GEN_PEND_MAX || len > GEN_PEND_BYTES)
		return -1;
	p = &s->pend[s->npend++];
	p->t = t;
	p->ip_id = s->ip_id;
	p->rtcp = rtcp;
	p->len = len;
	memcpy(p->rtp, rtp, len);
	return 0;
}

/* Queues an RTCP compound packet (RFC 3550 6.4.1 SR without report blocks,
 * then SDES with the CNAME) at time t, after slot. Not subject to loss. */
static int rtcp_report(const struct gen_call *k, struct gen_stream *s, uint64_t slot, uint64_t t)
{
	uint8_t b[GEN_PEND_BYTES];
	uint64_t ntp_s = t / 1000000u + GEN_NTP_UNIX;
	uint32_t frac = (uint32_t)(((t % 1000000u) << 32) / 1000000u);
	uint32_t rtp_ts = s->ts_base + (uint32_t)(slot * GEN_SAMPLES)
	                  + (uint32_t)(GEN_RTCP_AFTER_US * GEN_RATE / 1000000u);
	uint32_t sent = (uint32_t)(slot + 1), octets = sent * GEN_SAMPLES;
	char cname[64];
	size_t n = 0, clen, sdes_len;

	snprintf(cname, sizeof(cname), "pcapgen-%u-%d@%s", k->idx, s->dir, k->ip[s->dir]);
	clen = strlen(cname);
	/* SR: V=2, RC=0, PT=200, length 6 (28 bytes) */
	b[n++] = 0x80; b[n++] = 200; b[n++] = 0; b[n++] = 6;
	b[n++] = (uint8_t)(s->ssrc >> 24); b[n++] = (uint8_t)(s->ssrc >> 16);
	b[n++] = (uint8_t)(s->ssrc >> 8); b[n++] = (uint8_t)s->ssrc;
	b[n++] = (uint8_t)(ntp_s >> 24); b[n++] = (uint8_t)(ntp_s >> 16);
	b[n++] = (uint8_t)(ntp_s >> 8); b[n++] = (uint8_t)ntp_s;
	b[n++] = (uint8_t)(frac >> 24); b[n++] = (uint8_t)(frac >> 16);
	b[n++] = (uint8_t)(frac >> 8); b[n++] = (uint8_t)frac;
	b[n++] = (uint8_t)(rtp_ts >> 24); b[n++] = (uint8_t)(rtp_ts >> 16);
	b[n++] = (uint8_t)(rtp_ts >> 8); b[n++] = (uint8_t)rtp_ts;
	b[n++] = (uint8_t)(sent >> 24); b[n++] = (uint8_t)(sent >> 16);
	b[n++] = (uint8_t)(sent >> 8); b[n++] = (uint8_t)sent;
	b[n++] = (uint8_t)(octets >> 24); b[n++] = (uint8_t)(octets >> 16);
	b[n++] = (uint8_t)(octets >> 8); b[n++] = (uint8_t)octets;
	/* SDES: SC=1, PT=202; chunk = SSRC, CNAME item, end item, padded to 32 bits */
	sdes_len = (4 + 2 + clen + 1 + 3) / 4;          /* in 32-bit words, without the header */
	if (n + 4 + sdes_len * 4 > sizeof(b))
		return -1;
	b[n++] = 0x81; b[n++] = 202; b[n++] = 0; b[n++] = (uint8_t)sdes_len;
	b[n++] = (uint8_t)(s->ssrc >> 24); b[n++] = (uint8_t)(s->ssrc >> 16);
	b[n++] = (uint8_t)(s->ssrc >> 8); b[n++] = (uint8_t)s->ssrc;
	b[n++] = 1;
	b[n++] = (uint8_t)clen;
	memcpy(b + n, cname, clen);
	n += clen;
	memset(b + n, 0, sdes_len * 4 - (4 + 2 + clen));
	n += sdes_len * 4 - (4 + 2 + clen);
	return pend_push(s, t, b, n, 1);
}

/* Decides what slot s->slot carries, applies loss / duplication / reordering
 * and queues the resulting packets. */
static int stream_gen(struct gen_ctx *c, struct gen_call *k, struct gen_stream *s)
{
	const struct gen_opts *o = c->o;
	uint64_t slot = s->slot++;
	uint64_t t = s->t_first + slot * GEN_PTIME_US;
	uint64_t n0 = GEN_MEDIA_START_US / (1000000 / GEN_RATE) + slot * GEN_SAMPLES; /* call-relative sample */
	uint8_t rtp[12 + GEN_SAMPLES];
	size_t len = 12 + GEN_SAMPLES;
	int pt = o->alaw ? 8 : 0, is_event = 0, repeat = 0;
	uint32_t ts = s->ts_base + (uint32_t)(slot * GEN_SAMPLES);
	struct gen_stat *st;
	double r_loss, r_dup, r_reo;
	int lost, dup, reo;

	if (slot == s->change_slot) {
		/* a new source on the same direction: new SSRC, sequence and timestamp origin */
		s->ssrc = 0x5c0a0000u + k->idx;
		s->seq = (uint16_t)(s->seq + 12345u);
		s->ts_base = s->ts_base + 0x40000000u;
		ts = s->ts_base + (uint32_t)(slot * GEN_SAMPLES);
		s->marker = 1;
		if (stat_init(&s->stat[1], s->ssrc, s->ext, (size_t)(s->nslots - slot) + 16) != 0)
			return -1;
		s->nstat = 2;
	}
	st = &s->stat[s->nstat - 1];

	if (s->dtmf_slot != UINT64_MAX && slot >= s->dtmf_slot
	    && slot < s->dtmf_slot + 10u * strlen(o->dtmf)) {
		/* each digit: 5 updates (20..100 ms), the end packet 3 times (RFC 4733
		 * 2.5.1.4, same sequence number), then 2 audio slots */
		uint64_t rel = slot - s->dtmf_slot;
		unsigned dig = (unsigned)(rel / 10), ph = (unsigned)(rel % 10);
		uint32_t ev_ts = s->ts_base + (uint32_t)((s->dtmf_slot + dig * 10u) * GEN_SAMPLES);

		if (ph < 8) {
			unsigned dur = ph < 5 ? (ph + 1) * GEN_SAMPLES : 5 * GEN_SAMPLES;

			is_event = 1;
			pt = GEN_PT_EVENT;
			ts = ev_ts;
			repeat = ph >= 6;
			len = 12 + 4;
			rtp[12] = (uint8_t)event_code(o->dtmf[dig]);
			rtp[13] = (uint8_t)((ph >= 5 ? 0x80 : 0x00) | 10);   /* E bit, volume 10 */
			rtp[14] = (uint8_t)(dur >> 8);
			rtp[15] = (uint8_t)dur;
			if (ph == 0)
				s->marker = 1;
		}
	}
	if (!is_event) {
		const struct gen_tone *tn = &c->tone[s->dir];
		uint64_t lo = s->tone_lo, hi = s->tone_hi;
		uint8_t sil = enc711_silence(o->alaw);

		if (n0 >= lo && n0 + GEN_SAMPLES <= hi) {
			memcpy(rtp + 12, tn->tab + n0 % tn->len, GEN_SAMPLES);
		} else if (n0 + GEN_SAMPLES <= lo || n0 >= hi) {
			memset(rtp + 12, sil, GEN_SAMPLES);
		} else {
			unsigned j;
			for (j = 0; j < GEN_SAMPLES; j++)
				rtp[12 + j] = (n0 + j >= lo && n0 + j < hi) ? tn->tab[(n0 + j) % tn->len] : sil;
		}
	}
	if (repeat) {
		/* retransmitted end packet: same sequence number as the first one */
		s->seq--;
		s->ext--;
	}
	rtp[0] = 0x80;
	rtp[1] = (uint8_t)((s->marker ? 0x80 : 0) | pt);
	rtp[2] = (uint8_t)(s->seq >> 8);
	rtp[3] = (uint8_t)s->seq;
	rtp[4] = (uint8_t)(ts >> 24); rtp[5] = (uint8_t)(ts >> 16);
	rtp[6] = (uint8_t)(ts >> 8);  rtp[7] = (uint8_t)ts;
	rtp[8] = (uint8_t)(s->ssrc >> 24); rtp[9] = (uint8_t)(s->ssrc >> 16);
	rtp[10] = (uint8_t)(s->ssrc >> 8); rtp[11] = (uint8_t)s->ssrc;

	/* three draws per slot whatever the options, so one impairment's pattern
	 * does not change when another is switched on */
	r_loss = uniform(&s->rng);
	r_dup = uniform(&s->rng);
	r_reo = uniform(&s->rng);
	lost = r_loss * 100.0 < o->loss;
	dup = r_dup * 100.0 < o->dup;
	reo = r_reo * 100.0 < o->reorder;

	if (!lost) {
		uint64_t at = t + (reo ? GEN_REORDER_US : 0);

		s->marker = 0;
		stat_count(st, s->ext, pt, is_event);
		if (pend_push(s, at, rtp, len, 0) != 0)
			return -1;
		if (dup) {
			stat_count(st, s->ext, pt, is_event);
			if (pend_push(s, at + GEN_DUP_US, rtp, len, 0) != 0)
				return -1;
		}
		if (!is_event) {
			uint64_t lo = n0 > s->tone_lo ? n0 : s->tone_lo;
			uint64_t hi = n0 + GEN_SAMPLES < s->tone_hi ? n0 + GEN_SAMPLES : s->tone_hi;
			if (lo < hi) {
				if (s->heard_lo < 0 || (int64_t)lo < s->heard_lo)
					s->heard_lo = (int64_t)lo;
				if ((int64_t)hi > s->heard_hi)
					s->heard_hi = (int64_t)hi;
			}
		}
	}
	s->ip_id++;
	s->seq++;
	s->ext++;
	if (o->rtcp != 0 && (slot + 1) % GEN_RTCP_EVERY == 0) {
		s->ip_id++;
		if (rtcp_report(k, s, slot, t + GEN_RTCP_AFTER_US) != 0)
			return -1;
	}
	return 0;
}

static uint64_t stream_next(const struct gen_stream *s)
{
	uint64_t t = s->slot < s->nslots ? s->t_first + s->slot * GEN_PTIME_US : UINT64_MAX;
	int i;

	for (i = 0; i < s->npend; i++)
		if (s->pend[i].t < t)
			t = s->pend[i].t;
	return t;
}

/* Emits everything due at the stream's next time (generating slots first). */
static int stream_step(struct gen_ctx *c, struct gen_call *k, struct gen_stream *s)
{
	uint64_t slot_t = s->slot < s->nslots ? s->t_first + s->slot * GEN_PTIME_US : UINT64_MAX;
	uint64_t pmin = UINT64_MAX;
	int i, im = -1;

	for (i = 0; i < s->npend; i++)
		if (s->pend[i].t < pmin) {
			pmin = s->pend[i].t;
			im = i;
		}
	if (slot_t <= pmin)
		return stream_gen(c, k, s);
	if (pkt_udp(c->w, s->pend[im].t, s->pend[im].rtcp ? &s->rtcp_src : s->src,
	            s->pend[im].rtcp ? &s->rtcp_dst : s->dst, s->pend[im].ip_id, s->pend[im].rtp,
	            s->pend[im].len, 0) < 0)
		return -1;
	s->pend[im] = s->pend[--s->npend];
	return 0;
}

/* ---- the event heap ---- */

static int heap_less(const struct gen_ctx *c, size_t a, size_t b)
{
	uint64_t ka = c->key[c->heap[a]], kb = c->key[c->heap[b]];

	return ka < kb || (ka == kb && c->heap[a] < c->heap[b]);
}

static void heap_swap(struct gen_ctx *c, size_t a, size_t b)
{
	uint32_t t = c->heap[a];

	c->heap[a] = c->heap[b];
	c->heap[b] = t;
}

static void heap_down(struct gen_ctx *c, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < c->nheap && heap_less(c, l, m))
			m = l;
		if (r < c->nheap && heap_less(c, r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(c, i, m);
		i = m;
	}
}

static void heap_up(struct gen_ctx *c, size_t i)
{
	while (i > 0 && heap_less(c, i, (i - 1) / 2)) {
		heap_swap(c, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static uint64_t source_next(const struct gen_ctx *c, uint32_t src)
{
	const struct gen_call *k = &c->calls[src / 3];

	if (src % 3 == 0) {
		const struct gen_sip_step *st = sip_step(c, k);

		return st != NULL ? sip_time(k, st) : UINT64_MAX;
	}
	return stream_next(&k->st[src % 3 - 1]);
}

static int source_step(struct gen_ctx *c, uint32_t src)
{
	struct gen_call *k = &c->calls[src / 3];

	if (src % 3 == 0) {
		char msg[GEN_SIP_MAX];
		const struct gen_sip_step *st = sip_step(c, k);
		int from = 0;
		size_t len = st != NULL ? sip_msg(c, k, st->msg, msg, sizeof(msg), &from) : 0;

		if (len == 0 || pkt_udp(c->w, sip_time(k, st), &k->sip[from], &k->sip[1 - from],
		                        k->sip_ip_id[from]++, (const uint8_t *)msg, len,
		                        st->msg == M_INVITE && c->o->frag_invite) < 0) {
			fprintf(stderr, "pcapgen: SIP message %d of call %u too large\n", k->sip_step, k->idx);
			return -1;
		}
		k->sip_step++;
		return 0;
	}
	return stream_step(c, k, &k->st[src % 3 - 1]);
}

/* ---- truth ---- */

static void iso_time(uint64_t us, char *b, size_t cap)
{
	time_t sec = (time_t)(us / 1000000u);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(b, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(us % 1000000u / 1000u));
}

static void write_truth(const struct gen_ctx *c, FILE *f)
{
	unsigned i;
	int d, j;

	for (i = 0; i < c->o->calls; i++) {
		const struct gen_call *k = &c->calls[i];
		char start[96];
		int first = 1;

		iso_time(k->t0, start, sizeof(start));
		fprintf(f, "{\"call_id\":\"%s\",\"from_tag\":\"%s\",\"caller\":\"%s\",\"callee\":\"%s\","
		        "\"start\":\"%s\",\"start_epoch\":%" PRIu64 ".%06u,\"duration\":%.3f,"
		        "\"end_reason\":\"%s\",\"streams\":[",
		        k->call_id, k->from_tag, k->user[0], k->user[1], start,
		        k->t0 / 1000000u, (unsigned)(k->t0 % 1000000u), (double)(k->t_bye - k->t0) / 1e6,
		        c->o->outcome == GEN_CANCEL ? "cancel" : c->o->outcome == GEN_BUSY ? "rejected" : "bye");
		for (d = 0; d < 2; d++) {
			const struct gen_stream *s = &k->st[d];
			const char *lb = c->o->link.ipv6 ? "[" : "", *rb = c->o->link.ipv6 ? "]" : "";

			for (j = 0; j < s->nstat; j++) {
				const struct gen_stat *st = &s->stat[j];
				uint64_t lost = st->seen ? st->ext_max - st->ext_min + 1 - st->distinct : 0;

				if (!st->seen)
					continue;
				fprintf(f, "%s{\"ssrc\":\"0x%08x\",\"payload_types\":[", first ? "" : ",", st->ssrc);
				if (st->pt_audio >= 0)
					fprintf(f, "%d", st->pt_audio);
				if (st->pt_event >= 0)
					fprintf(f, "%s%d", st->pt_audio >= 0 ? "," : "", st->pt_event);
				fprintf(f, "],\"codec\":\"%s\",\"direction\":\"%s\",\"src\":\"%s%s%s:%u\","
				        "\"dst\":\"%s%s%s:%u\",\"packets\":%" PRIu64 ",\"duplicates\":%" PRIu64
				        ",\"lost\":%" PRIu64 "}",
				        c->o->alaw ? "PCMA" : "PCMU", d == 0 ? "caller->callee" : "callee->caller",
				        lb, k->ip[d], rb, (unsigned)k->rtp[d].port,
				        lb, k->ip[1 - d], rb, (unsigned)k->rtp[1 - d].port,
				        st->distinct, st->wire - st->distinct, lost);
				first = 0;
			}
		}
		fprintf(f, "],\"tones\":[");
		first = 1;
		for (d = 0; d < 2; d++) {
			const struct gen_stream *s = &k->st[d];

			if (s->heard_lo < 0)
				continue;
			fprintf(f, "%s{\"channel\":\"%s\",\"freq\":%u,\"start\":%.4f,\"end\":%.4f,"
			        "\"level\":%.1f}",
			        first ? "" : ",", d == 0 ? "left" : "right", c->tone[d].freq,
			        (double)s->heard_lo / GEN_RATE, (double)s->heard_hi / GEN_RATE,
			        20.0 * log10(GEN_TONE_AMP));
			first = 0;
		}
		fprintf(f, "]}\n");
	}
}

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: threatrec-pcapgen -o OUT.pcap [options]\n"
	        "  --calls N            number of calls (default 1, max %d)\n"
	        "  --concurrent         all calls overlap (start --stagger apart) instead of one after another\n"
	        "  --stagger S          seconds between concurrent call starts (default 0.001)\n"
	        "  --duration S         INVITE to BYE, seconds (default 8)\n"
	        "  --codec pcmu|pcma    G.711 law (default pcmu)\n"
	        "  --caller-talk A-B    caller talk-spurt, seconds after the INVITE (default 1-3)\n"
	        "  --callee-talk A-B    callee talk-spurt (default 4-6)\n"
	        "  --caller-freq HZ     caller tone (default 440); --callee-freq HZ (default 1000)\n"
	        "  --loss PCT --reorder PCT --dup PCT   RTP impairments, per packet, both directions\n"
	        "  --ssrc-change-at S   the caller's RTP changes SSRC / seq / ts origin at S seconds\n"
	        "  --seq-start N        first RTP sequence number of every stream (16-bit wrap tests)\n"
	        "  --ts-start N         first RTP timestamp of every stream (32-bit wrap tests)\n"
	        "  --vlan ID  --qinq    802.1Q tag (QinQ adds an outer 802.1ad tag, VLAN 100)\n"
	        "  --sll | --sll2       Linux cooked capture v1 / v2 instead of Ethernet\n"
	        "  --ipv6               IPv6 (2001:db8::/32) instead of IPv4 (192.0.2.0/24, 198.51.100.0/24)\n"
	        "  --frag-invite        pad the INVITE over the MTU so it is IP-fragmented\n"
	        "  --rtcp               each RTP sender also sends RTCP SR+SDES every 2 s on port + 1\n"
	        "  --rtcp-mux           the same on the RTP port (a=rtcp-mux, RFC 5761)\n"
	        "  --outcome answer|cancel|busy  answered then BYE (default); CANCEL while ringing\n"
	        "                       at --duration (200, 487, ACK); or 486 Busy Here at --duration\n"
	        "  --dtmf CODE@S        caller sends RFC 4733 events (PT 101) for CODE (e.g. '*99@3.4')\n"
	        "  --seed N             seeds Call-IDs and the impairment generators (default 1)\n"
	        "  --truth FILE         write the wire truth as JSON lines (see pcaps/README.md)\n"
	        "  --g711-table pcmu|pcma  self-check: print the code of every input -32768..32767\n",
	        GEN_CALLS_MAX);
}

static int parse_range(const char *s, double r[2])
{
	char *end = NULL;

	r[0] = strtod(s, &end);
	if (end == s || *end != '-')
		return -1;
	s = end + 1;
	r[1] = strtod(s, &end);
	if (end == s || *end != '\0' || r[1] < r[0] || r[0] < 0)
		return -1;
	return 0;
}

static int parse_num(const char *s, double lo, double hi, double *v)
{
	char *end = NULL;

	*v = strtod(s, &end);
	if (end == s || *end != '\0' || *v < lo || *v > hi)
		return -1;
	return 0;
}

static int parse_opts(int argc, char **argv, struct gen_opts *o)
{
	enum { O_CALLS = 256, O_CONC, O_STAG, O_DUR, O_CODEC, O_LOSS, O_REO, O_DUP, O_SSRC,
	       O_SEQ, O_TS, O_VLAN, O_QINQ, O_SLL, O_SLL2, O_V6, O_FRAG, O_DTMF, O_SEED,
	       O_TRUTH, O_CT, O_BT, O_CF, O_BF, O_OUT, O_TAB, O_RTCP, O_MUX };
	static const struct option lo[] = {
		{ "calls", 1, 0, O_CALLS }, { "concurrent", 0, 0, O_CONC }, { "stagger", 1, 0, O_STAG },
		{ "duration", 1, 0, O_DUR }, { "codec", 1, 0, O_CODEC }, { "loss", 1, 0, O_LOSS },
		{ "reorder", 1, 0, O_REO }, { "dup", 1, 0, O_DUP }, { "ssrc-change-at", 1, 0, O_SSRC },
		{ "seq-start", 1, 0, O_SEQ }, { "ts-start", 1, 0, O_TS }, { "vlan", 1, 0, O_VLAN },
		{ "qinq", 0, 0, O_QINQ }, { "sll", 0, 0, O_SLL }, { "sll2", 0, 0, O_SLL2 },
		{ "ipv6", 0, 0, O_V6 }, { "frag-invite", 0, 0, O_FRAG }, { "dtmf", 1, 0, O_DTMF },
		{ "seed", 1, 0, O_SEED }, { "truth", 1, 0, O_TRUTH }, { "caller-talk", 1, 0, O_CT },
		{ "callee-talk", 1, 0, O_BT }, { "caller-freq", 1, 0, O_CF }, { "callee-freq", 1, 0, O_BF },
		{ "outcome", 1, 0, O_OUT }, { "g711-table", 1, 0, O_TAB },
		{ "rtcp", 0, 0, O_RTCP }, { "rtcp-mux", 0, 0, O_MUX },
		{ "output", 1, 0, 'o' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
	};
	double v = 0;
	int ch;

	memset(o, 0, sizeof(*o));
	o->calls = 1;
	o->stagger = 0.001;
	o->duration = 8.0;
	o->ssrc_change_at = -1;
	o->seq_start = -1;
	o->ts_start = -1;
	o->seed = 1;
	o->talk[0][0] = 1; o->talk[0][1] = 3;
	o->talk[1][0] = 4; o->talk[1][1] = 6;
	o->freq[0] = 440;
	o->freq[1] = 1000;
	while ((ch = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		const char *a = optarg;
		int bad = 0;

		switch (ch) {
		case 'o': o->out = a; break;
		case 'h': usage(stdout); exit(0);
		case O_CALLS: bad = parse_num(a, 1, GEN_CALLS_MAX, &v); o->calls = (unsigned)v; break;
		case O_CONC: o->concurrent = 1; break;
		case O_STAG: bad = parse_num(a, 0, 60, &o->stagger); break;
		case O_DUR: bad = parse_num(a, 0.6, 86400, &o->duration); break;
		case O_CODEC:
			if (strcmp(a, "pcmu") == 0) o->alaw = 0;
			else if (strcmp(a, "pcma") == 0) o->alaw = 1;
			else bad = 1;
			break;
		case O_LOSS: bad = parse_num(a, 0, 100, &o->loss); break;
		case O_REO: bad = parse_num(a, 0, 100, &o->reorder); break;
		case O_DUP: bad = parse_num(a, 0, 100, &o->dup); break;
		case O_SSRC: bad = parse_num(a, 0, 86400, &o->ssrc_change_at); break;
		case O_SEQ: bad = parse_num(a, 0, 65535, &v); o->seq_start = (long)v; break;
		case O_TS: bad = parse_num(a, 0, 4294967295.0, &v); o->ts_start = (long long)v; break;
		case O_VLAN: bad = parse_num(a, 1, 4094, &v); o->link.vlan = (uint16_t)v; break;
		case O_QINQ: o->link.qinq = 1; break;
		case O_SLL: o->link.link = PKT_LINK_SLL; break;
		case O_SLL2: o->link.link = PKT_LINK_SLL2; break;
		case O_V6: o->link.ipv6 = 1; break;
		case O_FRAG: o->frag_invite = 1; break;
		case O_RTCP: o->rtcp = 1; break;
		case O_MUX: o->rtcp = 2; break;
		case O_TAB: {
			/* self-check: the code of every 16-bit input, -32768 .. 32767 */
			int alaw = strcmp(a, "pcma") == 0, i;

			if (!alaw && strcmp(a, "pcmu") != 0) {
				bad = 1;
				break;
			}
			for (i = -32768; i <= 32767; i++)
				putchar(alaw ? enc711_alaw((int16_t)i) : enc711_ulaw((int16_t)i));
			exit(fflush(stdout) == 0 ? 0 : 1);
		}
		case O_OUT:
			if (strcmp(a, "answer") == 0) o->outcome = GEN_ANSWER;
			else if (strcmp(a, "cancel") == 0) o->outcome = GEN_CANCEL;
			else if (strcmp(a, "busy") == 0) o->outcome = GEN_BUSY;
			else bad = 1;
			break;
		case O_DTMF: {
			const char *at = strchr(a, '@');
			size_t n = at ? (size_t)(at - a) : 0, i;

			bad = at == NULL || n == 0 || n > GEN_DTMF_MAX || parse_num(at + 1, 0, 86400, &o->dtmf_at);
			for (i = 0; !bad && i < n; i++)
				bad = event_code(a[i]) < 0;
			if (!bad) {
				memcpy(o->dtmf, a, n);
				o->dtmf[n] = '\0';
			}
			break;
		}
		case O_SEED: bad = parse_num(a, 0, 1e15, &v); o->seed = (uint64_t)v; break;
		case O_TRUTH: o->truth = a; break;
		case O_CT: bad = parse_range(a, o->talk[0]); break;
		case O_BT: bad = parse_range(a, o->talk[1]); break;
		case O_CF: bad = parse_num(a, 1, 3999, &v); o->freq[0] = (unsigned)v; break;
		case O_BF: bad = parse_num(a, 1, 3999, &v); o->freq[1] = (unsigned)v; break;
		default: usage(stderr); return -1;
		}
		if (bad) {
			fprintf(stderr, "pcapgen: bad value for option (%s)\n", a ? a : "");
			return -1;
		}
	}
	if (o->out == NULL || optind != argc) {
		usage(stderr);
		return -1;
	}
	if (o->link.link != PKT_LINK_ETH && (o->link.vlan != 0 || o->link.qinq)) {
		fprintf(stderr, "pcapgen: --vlan/--qinq need Ethernet (not --sll/--sll2)\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct gen_opts o;
	struct gen_ctx c;
	FILE *tf = NULL;
	unsigned i;
	uint32_t src;
	int ret = 1, d;

	memset(&c, 0, sizeof(c));
	if (parse_opts(argc, argv, &o) != 0)
		goto out;
	c.o = &o;
	for (d = 0; d < 2; d++)
		if (tone_init(&c.tone[d], o.freq[d], o.alaw) != 0) {
			fprintf(stderr, "pcapgen: tone %u Hz: period too long\n", o.freq[d]);
			goto out;
		}
	c.calls = calloc(o.calls, sizeof(*c.calls));
	c.heap = calloc((size_t)o.calls * 3, sizeof(*c.heap));
	c.key = calloc((size_t)o.calls * 3, sizeof(*c.key));
	if (c.calls == NULL || c.heap == NULL || c.key == NULL) {
		fprintf(stderr, "pcapgen: out of memory\n");
		goto out;
	}
	for (i = 0; i < o.calls; i++) {
		call_init(&c, &c.calls[i], i);
		for (d = 0; d < 2; d++)
			if (stream_init(&c, &c.calls[i], d) != 0) {
				fprintf(stderr, "pcapgen: out of memory\n");
				goto out;
			}
	}
	if ((c.w = pkt_writer_open(&o.link, o.out)) == NULL)
		goto out;
	for (src = 0; src < o.calls * 3; src++) {
		c.key[src] = source_next(&c, src);
		c.heap[c.nheap++] = src;
		heap_up(&c, c.nheap - 1);
	}
	while (c.nheap > 0 && c.key[c.heap[0]] != UINT64_MAX) {
		src = c.heap[0];
		if (source_step(&c, src) != 0)
			goto out;
		c.key[src] = source_next(&c, src);
		heap_down(&c, 0);
	}
	if (pkt_writer_close(c.w) != 0) {
		c.w = NULL;
		fprintf(stderr, "pcapgen: %s: write failed\n", o.out);
		goto out;
	}
	c.w = NULL;
	if (o.truth != NULL) {
		if ((tf = fopen(o.truth, "w")) == NULL) {
			perror(o.truth);
			goto out;
		}
		write_truth(&c, tf);
		if (fclose(tf) != 0) {
			tf = NULL;
			perror(o.truth);
			goto out;
		}
		tf = NULL;
	}
	ret = 0;
out:
	pkt_writer_close(c.w);
	if (c.calls != NULL)
		for (i = 0; i < o.calls; i++)
			for (d = 0; d < 2; d++) {
				free(c.calls[i].st[d].stat[0].bits);
				free(c.calls[i].st[d].stat[1].bits);
			}
	free(c.calls);
	free(c.heap);
	free(c.key);
	return ret;
}
