/* engine.c - the packet pipeline: frame -> decap -> IP reassembly -> SIP/SDP
 * -> call table -> ring, and RTP/RTCP -> call by media endpoint -> ring.
 * RFC 3261 (SIP dialogs), 4566/8866 (SDP), 3264 (offer/answer), 3550/3551
 * (RTP/RTCP), 5761 (rtcp-mux), 4733 (telephone events), 4961 (symmetric RTP).
 *
 * Call life. An INVITE creates a call keyed by (Call-ID, From-tag); every
 * SIP message of that dialog is stored with it, FWD when the caller sent
 * it (a request whose From-tag is the call's, or a response to a request
 * of the callee), REV otherwise. SETUP -> ACTIVE on a 2xx to INVITE;
 * ENDED on BYE, on CANCEL during setup, on a final >= 300 to the initial
 * INVITE, or by timeout. A 401/407 challenge does not end the call: the
 * UAC normally re-sends the INVITE with credentials in the same dialog
 * (same Call-ID and From-tag), sometimes only after a person typed a
 * password (one real capture waits 32.5 s); if it does not within the
 * setup timeout the call ends as rejected at the time of the challenge. An ended call
 * lingers in the table for ENGINE_LINGER_NS so that the 200 to BYE, the
 * ACK and media still in flight are kept with it.
 *
 * The hot path (RTP): decap, one or two endpoint hash lookups, a liveness
 * check on the slot's mark word, the RTP header check, one memcpy into the
 * ring. No allocation: every table is sized in engine_new().
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calltab.h"
#include "decap.h"
#include "engine.h"
#include "err.h"
#include "ipfrag.h"
#include "log.h"
#include "rfc4733.h"
#include "ring.h"
#include "rtp.h"
#include "sdp.h"
#include "sip.h"

#define NS_PER_S              1000000000ull
#define ENGINE_LINGER_NS      (5ull * NS_PER_S)   /* ended call kept in the table */
#define ENGINE_MARK_GAP_NS    (5ull * NS_PER_S)   /* max pause between digits of the mark code */
#define ENGINE_FRAGMAP_MAX    64u                 /* recent reassembled datagrams remembered */
#define IPPROTO_UDP_          17u
#define IPPROTO_TCP_          6u

/* A per-packet local that its callee fills before anything reads it
 * (decap_frame clears the whole struct; rtp_parse sets every field a
 * caller may read once it returned 0): spared the zeroing the build's
 * -ftrivial-auto-var-init=zero would add, 5 % of the ingest rate. */
#define ENG_FILLED_BY_CALLEE __attribute__((uninitialized))

/* Per-call state that only the engine needs, parallel to calltab indexes. */
struct eng_call {
	struct rfc4733_det det[2];         /* per direction */
	struct rfc4733_code code[2];       /* per direction: digits of one party only */
};

/* A reassembled datagram filed with a call, for its late duplicates. */
struct eng_fragmap {
	uint64_t serial;
	uint32_t slot, gen;
	uint8_t  kind, dir;
	bool     no_store;                 /* the call is filtered out */
};

/* The frames that carried one UDP datagram: one frame, or all the
 * fragments of a reassembled one. */
struct eng_frames {
	const struct ipfrag_frame *v;
	uint32_t n;
	uint32_t l5_off;                   /* in v[0]; 0xffff when reassembled */
	uint64_t serial;                   /* reassembled datagram serial, 0 if none */
};

struct engine {
	struct engine_conf conf;
	struct ring *ring;
	struct ring_stats *st;
	struct calltab *ct;
	struct ipfrag *frag;
	struct eng_call *x;
	struct rfc4733_code code_proto;    /* validated mark code, copied per call */
	struct eng_fragmap fragmap[ENGINE_FRAGMAP_MAX];
	uint32_t fragmap_next;
	uint64_t frag_dropped;             /* ipfrag frames_dropped already counted */
	uint64_t next_tick;
	int      dlt;                      /* of the frame being handled */
	bool     filter_on;                /* store only calls with Call-ID filter */
	char     filter[RING_CALLID_MAX];
	uint64_t sip_port_any;             /* bit (port & 63) of every SIP port: most
	                                    * media ports are told apart here, without
	                                    * touching the bitmap (8 KiB, not cached) */
	uint64_t sip_port_bits[65536 / 64];  /* conf.sip_ports as a bitmap */
};

void engine_conf_init(struct engine_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->calls_max = 8192;
	c->media_timeout_ns = 60 * NS_PER_S;
	c->setup_timeout_ns = 180 * NS_PER_S;
	c->frag_timeout_ns = 5 * NS_PER_S;
	c->frags_max = 1024;
	c->sip_max = 65535;
	c->sip_ports[0] = 5060;
}

struct engine *engine_new(const struct engine_conf *conf, struct ring *ring)
{
	struct engine *e = NULL;
	uint32_t n;

	if (conf == NULL || ring == NULL || conf->calls_max == 0) {
		log_err_f("no ring or calls_max 0");
		goto out_free;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		log_err_f("out of memory");
		goto out_free;
	}
	e->conf = *conf;
	e->conf.mark_code[sizeof(e->conf.mark_code) - 1] = '\0';
	e->conf.agent_pattern[sizeof(e->conf.agent_pattern) - 1] = '\0';
	if (e->conf.n_agent_nets > ENGINE_NETS_MAX)
		e->conf.n_agent_nets = ENGINE_NETS_MAX;
	if (e->conf.sip_max == 0 || e->conf.sip_max > SIP_MSG_MAX)
		e->conf.sip_max = SIP_MSG_MAX;
	if (rfc4733_code_init(&e->code_proto, e->conf.mark_code, ENGINE_MARK_GAP_NS) != 0) {
		log_err_f("bad mark code \"%s\"", e->conf.mark_code);
		goto out_free;
	}
	if (!engine_pattern_ok(e->conf.agent_pattern)) {
		log_err_f("bad agent pattern \"%s\"", e->conf.agent_pattern);
		goto out_free;
	}
	e->ring = ring;
	e->st = ring_stats_w(ring);
	for (n = 0; n < sizeof(e->conf.sip_ports) / sizeof(e->conf.sip_ports[0]); n++) {
		uint16_t port = e->conf.sip_ports[n];
		if (port == 0)
			break;
		e->sip_port_bits[port >> 6] |= 1ull << (port & 63);
		e->sip_port_any |= 1ull << (port & 63);
	}
	n = e->conf.calls_max;
	if (n > ring_slots(ring))
		n = ring_slots(ring);
	e->conf.calls_max = n;
	sip_init();
	if ((e->ct = calltab_new(n)) == NULL ||
	    (e->x = calloc(n, sizeof(*e->x))) == NULL ||
	    (e->frag = ipfrag_new(e->conf.frags_max ? e->conf.frags_max : 1024,
	                          e->conf.frag_timeout_ns ? e->conf.frag_timeout_ns
	                                                  : 5 * NS_PER_S)) == NULL) {
		log_err_f("out of memory for the tables of %u calls and %u fragmented datagrams", n,
		          e->conf.frags_max ? e->conf.frags_max : 1024);
		goto out_free;
	}
	return e;
out_free:
	engine_free(e);
	return NULL;
}

void engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	calltab_free(e->ct);
	ipfrag_free(e->frag);
	free(e->x);
	free(e);
}

/* ------------------------------------------------------------ helpers */

static bool ascii_ieq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
		char cb = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l >= n)
		l = n - 1;
	memcpy(dst, src, l);
	dst[l] = '\0';
}

void engine_set_filter(struct engine *e, const char *call_id)
{
	e->filter_on = call_id != NULL && call_id[0] != '\0';
	copy_str(e->filter, sizeof(e->filter), e->filter_on ? call_id : "");
}

/* Whether the call's ring slot still holds this call: the ring may free an
 * ended call's slot (grace over, or room needed) while we still list it. */
static bool call_alive(const struct engine *e, const struct ct_call *c)
{
	return c->slot != CT_NONE && (uint32_t)(ring_mark_get(e->ring, c->slot) >> 32) == c->gen;
}

/* The packet times live in the call's hot fields; rc gets them before
 * every publish (ring_call_update replaces the slot's times with rc's). */
static void call_sync_times(struct ct_call *c)
{
	if (c->t_last > c->rc.t_last)
		c->rc.t_last = c->t_last;
	if (c->t_last_media > c->rc.t_last_media)
		c->rc.t_last_media = c->t_last_media;
}

static void call_flush(struct engine *e, struct ct_call *c)
{
	if (!c->dirty)
		return;
	c->dirty = false;
	call_sync_times(c);
	if (call_alive(e, c))
		(void)ring_call_update(e->ring, c->slot, &c->rc);
}

static void call_end(struct engine *e, struct ct_call *c, uint64_t t, enum ring_end why)
{
	if (c->rc.state == RING_ST_ENDED)
		return;
	c->rc.state = RING_ST_ENDED;
	c->rc.end_reason = why;
	c->rc.t_end = t ? t : 1;
	c->t_linger = t + ENGINE_LINGER_NS;
	c->challenge_cseq = 0;
	c->dirty = true;
	call_flush(e, c);
}

bool engine_pattern_ok(const char *pat)
{
	for (; *pat != '\0'; pat++)
		if (!((*pat >= '0' && *pat <= '9') || *pat == '+' || *pat == '?' || *pat == '*'))
			return false;
	return true;
}

/* Glob for extension patterns: '?' one character, '*' any run. */
static bool pattern_match(const char *pat, const char *s)
{
	const char *star = NULL, *back = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			back = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++back;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static bool net_match(const struct engine *e, uint8_t family, const uint8_t *addr)
{
	uint32_t i, bits, bytes;
	const struct engine_net *n;

	for (i = 0; i < e->conf.n_agent_nets; i++) {
		n = &e->conf.agent_nets[i];
		if (n->family != family)
			continue;
		bits = n->prefix;
		if (bits > (family == 4 ? 32u : 128u))
			continue;
		bytes = bits / 8;
		if (memcmp(n->addr, addr, bytes) != 0)
			continue;
		if (bits % 8 != 0) {
			uint8_t mask = (uint8_t)(0xff00u >> (bits % 8));
			if ((n->addr[bytes] & mask) != (addr[bytes] & mask))
				continue;
		}
		return true;
	}
	return false;
}

static void agent_set(struct ct_call *c, enum ring_side side)
{
	c->rc.agent_side = side;
	copy_str(c->rc.agent, sizeof(c->rc.agent),
	         side == RING_SIDE_CALLER ? c->rc.caller : c->rc.callee);
	c->dirty = true;
}

/* The internal (agent) party: an address of one side (its SIP source or
 * destination, or an SDP media address) in agent_nets, first come first
 * served; failing that, the first of caller/callee that agent_pattern
 * matches. */
static void agent_by_addr(struct engine *e, struct ct_call *c, enum ring_side side,
                          uint8_t family, const uint8_t *addr)
{
	if (c->rc.agent_side != RING_SIDE_UNKNOWN || e->conf.n_agent_nets == 0)
		return;
	if (net_match(e, family, addr))
		agent_set(c, side);
}

static void agent_by_pattern(struct engine *e, struct ct_call *c)
{
	if (c->rc.agent_side != RING_SIDE_UNKNOWN || e->conf.agent_pattern[0] == '\0')
		return;
	if (c->rc.caller[0] != '\0' && pattern_match(e->conf.agent_pattern, c->rc.caller))
		agent_set(c, RING_SIDE_CALLER);
	else if (c->rc.callee[0] != '\0' && pattern_match(e->conf.agent_pattern, c->rc.callee))
		agent_set(c, RING_SIDE_CALLEE);
}

/* The agent side of a new call, from its INVITE: the one end inside
 * agent_nets; when both ends are (an internal call, or the PBX's leg to the
 * agent's phone) or neither is, the extension pattern decides; when both
 * are and the pattern does not decide, the called party (the phone the
 * PBX rings). Never the caller by arrival order: a caller taken for the
 * agent could mark the call with the key code. */
static void agent_by_invite(struct engine *e, struct ct_call *c, const struct decap_pkt *pkt)
{
	bool src = e->conf.n_agent_nets > 0 && net_match(e, pkt->family, pkt->src);
	bool dst = e->conf.n_agent_nets > 0 && net_match(e, pkt->family, pkt->dst);

	if (src != dst) {
		agent_set(c, src ? RING_SIDE_CALLER : RING_SIDE_CALLEE);
		return;
	}
	agent_by_pattern(e, c);
	if (src && dst && c->rc.agent_side == RING_SIDE_UNKNOWN)
		agent_set(c, RING_SIDE_CALLEE);
}

/* ------------------------------------------------------------ storing */

static void fragmap_put(struct engine *e, uint64_t serial, const struct ct_call *c,
                        uint8_t kind, uint8_t dir)
{
	struct eng_fragmap *f = &e->fragmap[e->fragmap_next];

	e->fragmap_next = (e->fragmap_next + 1) % ENGINE_FRAGMAP_MAX;
	f->serial = serial;
	f->slot = c->slot;
	f->gen = c->gen;
	f->kind = kind;
	f->dir = dir;
	f->no_store = c->no_store;
}

/* Stores the frames of one datagram with call c. */
static void call_store(struct engine *e, struct ct_call *c, const struct eng_frames *fr,
                       size_t l5_len, uint8_t kind, uint8_t dir)
{
	struct ring_rec rec;
	const struct ipfrag_frame *f;
	uint32_t i;

	for (i = 0; i < fr->n; i++) {
		f = &fr->v[i];
		memset(&rec, 0, sizeof(rec));
		rec.ts_ns = f->ts_ns;
		rec.caplen = f->caplen;
		rec.origlen = f->origlen;
		rec.link_type = (uint16_t)e->dlt;
		rec.kind = (fr->serial != 0 && i > 0) ? RING_K_FRAG : kind;
		rec.dir = dir;
		rec.l5_off = 0xffff;
		if (fr->serial == 0 && fr->l5_off < 0xffff && l5_len <= 0xffff &&
		    (uint64_t)fr->l5_off + l5_len <= f->caplen) {
			rec.l5_off = (uint16_t)fr->l5_off;
			rec.l5_len = (uint16_t)l5_len;
		}
		if (!c->no_store)
			(void)ring_call_append(e->ring, c->slot, &rec, f->bytes);
		if (f->ts_ns > c->t_last)
			c->t_last = f->ts_ns;
		if ((kind == RING_K_RTP || kind == RING_K_RTCP) && f->ts_ns > c->t_last_media)
			c->t_last_media = f->ts_ns;
	}
	if (fr->serial != 0)
		fragmap_put(e, fr->serial, c, kind, dir);
}

/* ------------------------------------------------------------ SIP */

static void pt_merge(struct ct_call *c, const struct sdp_info *info)
{
	uint32_t i, j;

	for (i = 0; i < info->n_pt; i++) {
		const struct ring_pt *p = &info->pt[i];
		for (j = 0; j < c->rc.n_pt && j < RING_PT_MAX; j++)
			if (c->rc.pt[j].pt == p->pt)
				break;
		if (j == RING_PT_MAX)
			continue;            /* map full: keep what the call started with */
		if (j == c->rc.n_pt)
			c->rc.n_pt++;
		if (memcmp(&c->rc.pt[j], p, sizeof(*p)) != 0) {
			c->rc.pt[j] = *p;
			c->dirty = true;
		}
		if (p->pt < 128 && ascii_ieq(p->name, "telephone-event"))
			c->te_mask[p->pt >> 6] |= 1ull << (p->pt & 63);
	}
}

static void sdp_apply(struct engine *e, struct ct_call *c, const struct sip_msg *m,
                      enum ring_side side)
{
	struct sdp_info info;
	struct ring_media rm;
	uint32_t i;

	if (sdp_parse(m->sdp, m->sdp_len, &info) != 0) {
		e->st->rejects[RING_REJ_SDP]++;
		return;
	}
	for (i = 0; i < info.n_streams; i++) {
		const struct sdp_stream *s = &info.streams[i];
		memset(&rm, 0, sizeof(rm));
		rm.family = s->family;
		rm.side = (uint8_t)side;
		rm.rtcp_mux = s->rtcp_mux;
		rm.port = s->port;
		rm.rtcp_port = s->rtcp_port;
		memcpy(rm.addr, s->addr, 16);
		calltab_media_add(e->ct, c, &rm);
		agent_by_addr(e, c, side, s->family, s->addr);
	}
	pt_merge(c, &info);
}

/* The table is full: makes room by dropping the ended call whose linger
 * time ends first (it stays in the ring; only late packets are lost).
 * A scan, but only on this rare path. */
static bool drop_lingering(struct engine *e)
{
	struct ct_call *c, *best = NULL;
	uint32_t i;

	for (i = 0; i < calltab_max(e->ct); i++) {
		c = calltab_at(e->ct, i);
		if (c != NULL && (c->rc.state == RING_ST_ENDED || !call_alive(e, c)) &&
		    (best == NULL || c->t_linger < best->t_linger))
			best = c;
	}
	if (best == NULL)
		return false;
	calltab_del(e->ct, best);
	return true;
}

/* n_frames: the frames that carried the INVITE (more than one when it came
 * in fragments), all counted in rejects[CALLS_FULL] when there is no room. */
static struct ct_call *call_create(struct engine *e, const struct sip_msg *m,
                                   const struct decap_pkt *pkt, uint64_t ts, uint32_t n_frames)
{
	struct ct_call *c;
	struct eng_call *x;
	uint32_t slot;

	c = calltab_add(e->ct, m->call_id, m->from_tag);
	if (c == NULL && drop_lingering(e))
		c = calltab_add(e->ct, m->call_id, m->from_tag);
	if (c == NULL) {
		e->st->rejects[RING_REJ_CALLS_FULL] += n_frames;
		return NULL;
	}
	c->no_store = e->filter_on && strcmp(c->rc.call_id, e->filter) != 0;
	c->rc.state = RING_ST_SETUP;
	c->rc.t_first = ts;
	c->rc.t_last = ts;
	c->t_last = ts;
	c->rc.link_type = (uint32_t)e->dlt;
	if (m->call_id_trunc)
		c->rc.flags |= RING_CF_CALLID_TRUNC;
	/* caller = the From user (what the phone showed); the network-asserted
	 * identity, often the real calling number, is kept beside it */
	copy_str(c->rc.caller, sizeof(c->rc.caller), m->from_user);
	copy_str(c->rc.caller_asserted, sizeof(c->rc.caller_asserted), m->pai_user);
	copy_str(c->rc.callee, sizeof(c->rc.callee),
	         m->to_user[0] != '\0' ? m->to_user : m->ruri_user);
	c->rc.agent_side = RING_SIDE_UNKNOWN;
	c->invite_cseq = m->cseq_num;
	agent_by_invite(e, c, pkt);
	if (ring_call_new(e->ring, &c->rc, &slot) != 0) {
		calltab_del(e->ct, c);     /* ring_call_new counted one frame in CALLS_FULL */
		if (n_frames > 1)
			e->st->rejects[RING_REJ_CALLS_FULL] += n_frames - 1;
		return NULL;
	}
	c->slot = slot;
	c->gen = (uint32_t)(ring_mark_get(e->ring, slot) >> 32);
	c->dirty = false;
	x = &e->x[c->idx];
	memset(x, 0, sizeof(*x));
	rfc4733_det_init(&x->det[0]);
	rfc4733_det_init(&x->det[1]);
	x->code[0] = e->code_proto;
	x->code[1] = e->code_proto;
	return c;
}

static void sip_state(struct engine *e, struct ct_call *c, const struct sip_msg *m, uint64_t ts)
{
	if (m->is_request) {
		switch (m->method) {
		case SIP_M_INVITE:
			if (m->to_tag[0] == '\0' && m->cseq_num > c->invite_cseq)
				c->invite_cseq = m->cseq_num;
			if (c->challenge_cseq != 0 && m->cseq_num > c->challenge_cseq)
				c->challenge_cseq = 0;
			break;
		case SIP_M_BYE:
			call_end(e, c, ts, RING_END_BYE);
			break;
		case SIP_M_CANCEL:
			if (c->rc.state == RING_ST_SETUP)
				call_end(e, c, ts, RING_END_CANCEL);
			break;
		default:
			break;
		}
		return;
	}
	if (m->cseq_method != SIP_M_INVITE || c->rc.state != RING_ST_SETUP)
		return;
	if (m->status >= 200 && m->status < 300) {
		c->rc.state = RING_ST_ACTIVE;
		c->rc.t_answer = ts;
		c->challenge_cseq = 0;
		c->dirty = true;
	} else if (m->status == 401 || m->status == 407) {
		if (m->cseq_num >= c->invite_cseq) {
			c->challenge_cseq = m->cseq_num ? m->cseq_num : 1;
			c->t_challenge = ts;
		}
	} else if (m->status >= 300 && m->cseq_num >= c->invite_cseq) {
		call_end(e, c, ts, RING_END_REJECTED);
	}
}

/* NAT keep-alives on the SIP port: CRLFs (RFC 5626), blanks or NULs. */
static bool is_keepalive(const uint8_t *p, size_t len)
{
	size_t i;

	if (len > 16)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != 0)
			return false;
	return true;
}

static void sip_packet(struct engine *e, uint64_t ts, const struct decap_pkt *pkt,
                       const struct eng_frames *fr)
{
	struct sip_msg m;
	struct ct_call *c;
	bool swapped = false, from_caller;
	uint8_t dir;

	if (is_keepalive(pkt->l5, pkt->l5_len)) {
		e->st->rejects[RING_REJ_OTHER] += fr->n;
		return;
	}
	if (sip_parse(pkt->l5, pkt->l5_len, e->conf.sip_max, &m) != 0) {
		e->st->rejects[RING_REJ_SIP] += fr->n;
		return;
	}
	c = calltab_find(e->ct, m.call_id, m.from_tag, m.to_tag, &swapped);
	if (c != NULL && !call_alive(e, c)) {
		calltab_del(e->ct, c);
		c = NULL;
	}
	/* An initial INVITE (no To-tag) with a new CSeq on an ended call is a
	 * new attempt: a new call, as a reader sees a new slot. */
	if (c != NULL && m.is_request && m.method == SIP_M_INVITE && !swapped &&
	    m.to_tag[0] == '\0' && c->rc.state == RING_ST_ENDED && m.cseq_num > c->invite_cseq) {
		calltab_del(e->ct, c);
		c = NULL;
	}
	if (c == NULL) {
		if (!m.is_request || m.method != SIP_M_INVITE) {
			/* REGISTER, OPTIONS, or a dialog we never saw start */
			e->st->rejects[RING_REJ_OTHER] += fr->n;
			goto out;
		}
		if ((c = call_create(e, &m, pkt, ts, fr->n)) == NULL)
			goto out;
	}
	/* who sent it: requests carry their sender's tag in From */
	from_caller = m.is_request ? !swapped : swapped;
	dir = from_caller ? RING_DIR_FWD : RING_DIR_REV;
	call_store(e, c, fr, pkt->l5_len, RING_K_SIP, dir);
	agent_by_addr(e, c, from_caller ? RING_SIDE_CALLER : RING_SIDE_CALLEE, pkt->family, pkt->src);
	if (m.sdp != NULL && m.sdp_len > 0)
		sdp_apply(e, c, &m, from_caller ? RING_SIDE_CALLER : RING_SIDE_CALLEE);
	sip_state(e, c, &m, ts);
	call_flush(e, c);
out:
	sip_msg_clear(&m);
}

/* ------------------------------------------------------------ RTP */

static void te_event(struct engine *e, struct ct_call *c, const struct rtp_hdr *h,
                     uint8_t dir, uint64_t ts)
{
	struct eng_call *x = &e->x[c->idx];
	uint8_t ev = 0;
	char digit;

	if (dir > 1 || x->code[dir].len == 0)
		return;
	/* only the agent's own key presses: while the agent side is unknown,
	 * none (a caller must not be able to have the call recorded) */
	if (c->rc.agent_side == RING_SIDE_UNKNOWN ||
	    dir != (c->rc.agent_side == RING_SIDE_CALLER ? RING_DIR_FWD : RING_DIR_REV))
		return;
	if (rfc4733_det_feed(&x->det[dir], h->ts, h->payload, h->payload_len, &ev) != 1)
		return;
	digit = rfc4733_digit_char(ev);
	if (digit != 0 && rfc4733_code_feed(&x->code[dir], digit, ts)) {
		if (ring_mark_request(e->ring, c->slot, c->gen) == 0)
			log_info_f("call %s: mark requested by key code", c->rc.call_id);
	}
}

/* Symmetric learning; the rule is described at the top of calltab.c. */
static void learn_src(struct engine *e, struct ct_call *c, const struct decap_pkt *pkt,
                      uint8_t matched_side)
{
	uint32_t k = matched_side == RING_SIDE_CALLER ? 0 : 1;

	if (c->learn_fam[k] == pkt->family && c->learn_port[k] == pkt->sport &&
	    memcmp(c->learn_addr[k], pkt->src, 16) == 0)
		return;
	c->learn_fam[k] = pkt->family;
	c->learn_port[k] = pkt->sport;
	memcpy(c->learn_addr[k], pkt->src, 16);
	(void)calltab_learn(e->ct, c, pkt->family, pkt->src, pkt->sport,
	                    matched_side == RING_SIDE_CALLER ? RING_SIDE_CALLEE : RING_SIDE_CALLER);
}

/* Returns false when no call claims the packet's endpoints. */
static bool media_packet(struct engine *e, uint64_t ts, const struct decap_pkt *pkt,
                         const struct eng_frames *fr)
{
	const struct ct_ep *ep = NULL, *ep2 = NULL;
	struct ct_call *c, *c2;
	struct rtp_hdr h ENG_FILLED_BY_CALLEE;
	bool by_dst = true, rtcp;
	int r;
	uint8_t dir, side;

	c = calltab_ep_lookup(e->ct, pkt->family, pkt->dst, pkt->dport, &ep);
	if (c == NULL || ep->learned) {
		/* an SDP endpoint as source beats a learned one as destination */
		c2 = calltab_ep_lookup(e->ct, pkt->family, pkt->src, pkt->sport, &ep2);
		if (c2 != NULL && (c == NULL || !ep2->learned)) {
			c = c2;
			ep = ep2;
			by_dst = false;
		}
	}
	if (c == NULL)
		return false;
	if (!call_alive(e, c)) {
		calltab_del(e->ct, c);
		return false;
	}
	if (ep->kind == CT_EP_RTCP)
		rtcp = true;
	else
		rtcp = pkt->l5_len >= 2 && rtp_is_rtcp_pt(pkt->l5[1]);
	if (rtcp) {
		struct rtcp_info ri;      /* scoped: only RTCP pays for its zeroing */
		r = rtcp_parse(pkt->l5, pkt->l5_len, &ri);
	} else
		r = rtp_parse(pkt->l5, pkt->l5_len, &h);
	if (r != 0) {
		e->st->rejects[RING_REJ_RTP] += fr->n;
		return true;
	}
	side = ep->side;
	if (by_dst)
		dir = side == RING_SIDE_CALLEE ? RING_DIR_FWD : RING_DIR_REV;
	else
		dir = side == RING_SIDE_CALLER ? RING_DIR_FWD : RING_DIR_REV;
	call_store(e, c, fr, pkt->l5_len, rtcp ? RING_K_RTCP : RING_K_RTP, dir);
	if (rtcp)
		return true;
	if (by_dst && !ep->learned)
		learn_src(e, c, pkt, side);
	if (h.pt < 128 && (c->te_mask[h.pt >> 6] >> (h.pt & 63) & 1))
		te_event(e, c, &h, dir, ts);
	return true;
}

/* ------------------------------------------------------------ dispatch */

static bool is_sip_port(const struct engine *e, uint16_t port)
{
	return ((e->sip_port_any >> (port & 63)) & 1) &&
	       ((e->sip_port_bits[port >> 6] >> (port & 63)) & 1);
}

static void udp_datagram(struct engine *e, uint64_t ts, const struct decap_pkt *pkt,
                         const struct eng_frames *fr)
{
	const uint8_t *p = pkt->l5;
	size_t len = pkt->l5_len;

	/* RTP starts with 0x80..0xbf, SIP with a capital letter: the cheap
	 * byte test keeps sip_is_sip off the hot path. */
	if (is_sip_port(e, pkt->dport) || is_sip_port(e, pkt->sport) ||
	    (len > 0 && p[0] >= 'A' && p[0] <= 'Z' && sip_is_sip(p, len))) {
		sip_packet(e, ts, pkt, fr);
		return;
	}
	if (!media_packet(e, ts, pkt, fr))
		e->st->rejects[RING_REJ_NOCALL] += fr->n;
}

static void late_dup(struct engine *e, const struct ipfrag_done *done)
{
	const struct eng_fragmap *f = NULL;
	struct ring_rec rec;
	uint32_t i;

	for (i = 0; i < ENGINE_FRAGMAP_MAX; i++)
		if (e->fragmap[i].serial == done->serial && done->serial != 0) {
			f = &e->fragmap[i];
			break;
		}
	if (f == NULL || done->n_frames == 0 ||
	    (uint32_t)(ring_mark_get(e->ring, f->slot) >> 32) != f->gen) {
		e->st->rejects[RING_REJ_FRAG]++;
		return;
	}
	if (f->no_store)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.ts_ns = done->frames[0].ts_ns;
	rec.caplen = done->frames[0].caplen;
	rec.origlen = done->frames[0].origlen;
	rec.link_type = (uint16_t)e->dlt;
	rec.kind = RING_K_FRAG;
	rec.dir = f->dir;
	rec.l5_off = 0xffff;
	(void)ring_call_append(e->ring, f->slot, &rec, done->frames[0].bytes);
}

/* Counts in rejects[FRAG] the frames ipfrag dropped since the last call:
 * the rejected fragment itself, and every frame held by a datagram dropped
 * on overlap, limit, eviction or timeout. */
static void frag_sync(struct engine *e)
{
	struct ipfrag_stats fs;

	ipfrag_get_stats(e->frag, &fs);
	e->st->rejects[RING_REJ_FRAG] += fs.frames_dropped - e->frag_dropped;
	e->frag_dropped = fs.frames_dropped;
}

static void fragment(struct engine *e, uint64_t ts, const struct decap_pkt *frag,
                     const uint8_t *frame, uint32_t caplen, uint32_t origlen)
{
	struct ipfrag_done done;
	struct decap_pkt pkt;
	struct eng_frames fr;
	int r;

	memset(&done, 0, sizeof(done));
	r = ipfrag_add(e->frag, ts, frag, frame, caplen, origlen, &done);
	frag_sync(e);
	if (r < 0)
		return;
	if (r == IPFRAG_LATE_DUP) {
		late_dup(e, &done);
		return;
	}
	if (r != IPFRAG_DONE)
		return;                            /* held until the datagram completes */
	fr.v = done.frames;
	fr.n = done.n_frames;
	fr.l5_off = 0xffff;
	fr.serial = done.serial ? done.serial : 1;
	if ((r = decap_ip(done.ip, done.ip_len, &pkt)) != 0) {
		e->st->rejects[decap_reason(r)] += fr.n;
		return;
	}
	if (pkt.proto != IPPROTO_UDP_) {
		e->st->rejects[RING_REJ_OTHER] += fr.n;
		return;
	}
	udp_datagram(e, ts, &pkt, &fr);
}

void engine_packet(struct engine *e, uint64_t ts_ns, const uint8_t *frame,
                   uint32_t caplen, uint32_t origlen, int dlt)
{
	struct ipfrag_frame one;
	struct eng_frames fr;
	struct decap_pkt pkt ENG_FILLED_BY_CALLEE;
	int r;

	e->st->packets++;
	e->st->bytes += origlen;
	if (ts_ns > e->st->last_ts)
		e->st->last_ts = ts_ns;
	if (ts_ns >= e->next_tick)
		engine_tick(e, ts_ns);
	e->dlt = dlt;
	if ((r = decap_frame(dlt, frame, caplen, &pkt)) != 0) {
		e->st->rejects[decap_reason(r)]++;
		return;
	}
	if (pkt.is_fragment) {
		fragment(e, ts_ns, &pkt, frame, caplen, origlen);
		return;
	}
	if (pkt.proto == IPPROTO_TCP_) {
		e->st->rejects[RING_REJ_TCP]++;   /* SIP over TCP: a later issue */
		return;
	}
	if (pkt.proto != IPPROTO_UDP_) {
		e->st->rejects[RING_REJ_OTHER]++;
		return;
	}
	one.ts_ns = ts_ns;
	one.caplen = caplen;
	one.origlen = origlen;
	one.bytes = frame;
	fr.v = &one;
	fr.n = 1;
	fr.l5_off = pkt.l5_off;
	fr.serial = 0;
	udp_datagram(e, ts_ns, &pkt, &fr);
}

/* ------------------------------------------------------------ timers */

void engine_tick(struct engine *e, uint64_t now)
{
	struct ct_call *c;
	uint64_t last;
	uint32_t i;

	e->next_tick = (now / NS_PER_S + 1) * NS_PER_S;
	for (i = 0; i < calltab_max(e->ct); i++) {
		if ((c = calltab_at(e->ct, i)) == NULL)
			continue;
		if (!call_alive(e, c)) {
			calltab_del(e->ct, c);
			continue;
		}
		if (c->rc.state == RING_ST_ENDED) {
			if (now >= c->t_linger)
				calltab_del(e->ct, c);
			continue;
		}
		call_sync_times(c);
		last = c->rc.t_last > c->rc.t_answer ? c->rc.t_last : c->rc.t_answer;
		if (c->rc.state == RING_ST_SETUP && c->challenge_cseq != 0 &&
		    now > c->t_challenge + e->conf.setup_timeout_ns)
			call_end(e, c, c->t_challenge, RING_END_REJECTED);
		else if (c->rc.state == RING_ST_SETUP && e->conf.setup_timeout_ns != 0 &&
		         now > c->rc.t_first + e->conf.setup_timeout_ns)
			call_end(e, c, last, RING_END_TIMEOUT);
		else if (c->rc.state == RING_ST_ACTIVE && e->conf.media_timeout_ns != 0 &&
		         now > last + e->conf.media_timeout_ns)
			call_end(e, c, last, RING_END_TIMEOUT);
		else
			call_flush(e, c);
		if (c->rc.state == RING_ST_ENDED && now >= c->t_linger)
			calltab_del(e->ct, c);
	}
	ipfrag_expire(e->frag, now);
	frag_sync(e);
	ring_expire(e->ring, now);
}

void engine_finish(struct engine *e, uint64_t now)
{
	struct ct_call *c;
	uint32_t i;

	for (i = 0; i < calltab_max(e->ct); i++) {
		if ((c = calltab_at(e->ct, i)) == NULL)
			continue;
		if (call_alive(e, c)) {
			call_end(e, c, now, RING_END_SHUTDOWN);
			call_flush(e, c);
		}
		calltab_del(e->ct, c);
	}
}
