/* ipfrag.c - bounded IPv4/IPv6 UDP fragment reassembly that keeps the frames.
 * RFC 791, RFC 815, RFC 8200 section 4.5, RFC 5722.
 *
 * A datagram in progress holds a copy of every frame that carried one of
 * its fragments and, per accepted fragment, where its data sits inside that
 * copy. The data is only laid out into one buffer when the datagram is
 * complete, so memory is the frames themselves, nothing more.
 *
 * Overlaps: an exact copy (same offset, length and bytes) is a duplicate, as
 * a SPAN port that mirrors both directions produces; its frame is kept and
 * the data ignored. Any other overlap drops the datagram (RFC 5722 for IPv6;
 * the same for IPv4, because overlapping fragments are an evasion trick and
 * never happen between honest hosts).
 *
 * Completed datagrams leave a small tombstone (key, fragment offsets and
 * data hashes) for the timeout, so that the second copy of a mirrored
 * fragment arriving after completion is recognised as a late duplicate
 * instead of starting a datagram that could only time out.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "ipfrag.h"
#include "err.h"

#define PROTO_UDP 17u

struct ipfrag_piece {
	uint32_t off, len;         /* in the datagram payload */
	uint32_t frame;            /* index in frames[] */
	uint32_t data_off;         /* where the data starts in that frame copy */
	uint64_t hash;             /* of the data, for duplicate checks after completion */
};

struct ipfrag_dg {
	struct ipfrag_dg *hnext;   /* hash chain */
	struct ipfrag_dg *prev, *next; /* age list: in progress, or done */
	uint8_t  family, proto, done, have_last;
	uint8_t  hdr_len;          /* 0 until the fragment at offset 0 is seen */
	uint8_t  hdr[60];          /* its IP header (IPv4) or fixed header (IPv6) */
	uint8_t  src[16], dst[16];
	uint32_t id;
	uint32_t total;            /* payload bytes, known once the last fragment is seen */
	uint32_t have;             /* payload bytes held: pieces never overlap */
	uint64_t t_first;          /* first fragment (in progress) or completion (done) */
	uint64_t serial;
	size_t   mem;              /* bytes accounted to this datagram */
	uint32_t n_frames, cap_frames;
	struct ipfrag_frame *frames;
	uint32_t n_pieces, cap_pieces;
	struct ipfrag_piece *pieces;
};

struct ipfrag_list {
	struct ipfrag_dg *head, *tail;
	uint32_t n;
};

struct ipfrag {
	uint32_t max_dg;
	uint64_t timeout_ns;
	uint32_t nbuckets;         /* power of two */
	struct ipfrag_dg **buckets;
	struct ipfrag_list live, dead;
	uint64_t seed;
	uint64_t next_serial;
	size_t   mem;
	struct ipfrag_stats st;
	/* handed out by the last ipfrag_add, freed by the next call */
	uint8_t *out_ip;
	struct ipfrag_frame *out_frames;
	uint32_t out_n;
	struct ipfrag_frame out_one;
};

/* --- helpers ------------------------------------------------------------ */

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t
fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint32_t
key_bucket(const struct ipfrag *ipf, uint8_t family, uint8_t proto,
           const uint8_t *src, const uint8_t *dst, uint32_t id)
{
	uint64_t h = ipf->seed ^ ((uint64_t)family << 40 | (uint64_t)proto << 32 | id);
	size_t i;

	for (i = 0; i < 16; i += 8) {
		uint64_t a = 0, b = 0;
		memcpy(&a, src + i, 8);
		memcpy(&b, dst + i, 8);
		h = mix64(h ^ a) + b;
	}
	return (uint32_t)(mix64(h) & (ipf->nbuckets - 1));
}

static bool
key_eq(const struct ipfrag_dg *dg, uint8_t family, uint8_t proto,
       const uint8_t *src, const uint8_t *dst, uint32_t id)
{
	return dg->family == family && dg->proto == proto && dg->id == id &&
	       memcmp(dg->src, src, 16) == 0 && memcmp(dg->dst, dst, 16) == 0;
}

static void
list_append(struct ipfrag_list *l, struct ipfrag_dg *dg)
{
	dg->next = NULL;
	dg->prev = l->tail;
	if (l->tail)
		l->tail->next = dg;
	else
		l->head = dg;
	l->tail = dg;
	l->n++;
}

static void
list_remove(struct ipfrag_list *l, struct ipfrag_dg *dg)
{
	if (dg->prev)
		dg->prev->next = dg->next;
	else
		l->head = dg->next;
	if (dg->next)
		dg->next->prev = dg->prev;
	else
		l->tail = dg->prev;
	dg->prev = dg->next = NULL;
	l->n--;
}

static void
hash_remove(struct ipfrag *ipf, struct ipfrag_dg *dg)
{
	uint32_t b = key_bucket(ipf, dg->family, dg->proto, dg->src, dg->dst, dg->id);
	struct ipfrag_dg **pp = &ipf->buckets[b];

	while (*pp && *pp != dg)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = dg->hnext;
	dg->hnext = NULL;
}

static void
frames_free(struct ipfrag_frame *frames, uint32_t n)
{
	uint32_t i;

	for (i = 0; frames && i < n; i++)
		free((void *)(uintptr_t)frames[i].bytes);
	free(frames);
}

/* Unlinks and frees a datagram (in progress or tombstone). */
static void
dg_destroy(struct ipfrag *ipf, struct ipfrag_dg *dg)
{
	hash_remove(ipf, dg);
	list_remove(dg->done ? &ipf->dead : &ipf->live, dg);
	ipf->st.frames_dropped += dg->n_frames;    /* 0 for a tombstone */
	ipf->mem -= dg->mem;
	frames_free(dg->frames, dg->n_frames);
	free(dg->pieces);
	free(dg);
}

static void
release_out(struct ipfrag *ipf)
{
	frames_free(ipf->out_frames, ipf->out_n);
	free(ipf->out_ip);
	ipf->out_frames = NULL;
	ipf->out_n = 0;
	ipf->out_ip = NULL;
}

static bool
expired(const struct ipfrag *ipf, const struct ipfrag_dg *dg, uint64_t now_ns)
{
	/* A capture clock that steps back never expires anything early. */
	return now_ns > dg->t_first && now_ns - dg->t_first > ipf->timeout_ns;
}

static void
expire_lists(struct ipfrag *ipf, uint64_t now_ns)
{
	while (ipf->live.head && expired(ipf, ipf->live.head, now_ns)) {
		ipf->st.timeouts++;
		dg_destroy(ipf, ipf->live.head);
	}
	while (ipf->dead.head && expired(ipf, ipf->dead.head, now_ns))
		dg_destroy(ipf, ipf->dead.head);
}

/* --- lifecycle ---------------------------------------------------------- */

struct ipfrag *
ipfrag_new(uint32_t max_datagrams, uint64_t timeout_ns)
{
	struct ipfrag *ipf = NULL, *ret = NULL;
	uint32_t nb = 16;

	if (max_datagrams == 0 || max_datagrams > IPFRAG_DATAGRAMS_MAX)
		goto out;
	if ((ipf = calloc(1, sizeof(*ipf))) == NULL)
		goto out;
	while (nb < 2u * max_datagrams)
		nb <<= 1;
	if ((ipf->buckets = calloc(nb, sizeof(*ipf->buckets))) == NULL)
		goto out;
	ipf->nbuckets = nb;
	ipf->max_dg = max_datagrams;
	ipf->timeout_ns = timeout_ns;
	ipf->next_serial = 1;
	/* A secret seed keeps crafted keys from piling into one chain. */
	if (getrandom(&ipf->seed, sizeof(ipf->seed), GRND_NONBLOCK) != (ssize_t)sizeof(ipf->seed))
		ipf->seed = mix64((uint64_t)(uintptr_t)ipf ^ timeout_ns);
	ret = ipf;
	ipf = NULL;
out:
	ipfrag_free(ipf);
	return ret;
}

void
ipfrag_free(struct ipfrag *ipf)
{
	if (!ipf)
		return;
	release_out(ipf);
	while (ipf->live.head)
		dg_destroy(ipf, ipf->live.head);
	while (ipf->dead.head)
		dg_destroy(ipf, ipf->dead.head);
	free(ipf->buckets);
	free(ipf);
}

void
ipfrag_expire(struct ipfrag *ipf, uint64_t now_ns)
{
	release_out(ipf);
	expire_lists(ipf, now_ns);
}

void
ipfrag_get_stats(const struct ipfrag *ipf, struct ipfrag_stats *out)
{
	*out = ipf->st;
	out->in_progress = ipf->live.n;
	out->mem_bytes = ipf->mem;
}

/* --- adding ------------------------------------------------------------- */

static struct ipfrag_dg *
dg_find(struct ipfrag *ipf, const struct decap_pkt *f)
{
	struct ipfrag_dg *dg;

	dg = ipf->buckets[key_bucket(ipf, f->family, f->proto, f->src, f->dst, f->frag_id)];
	while (dg && !key_eq(dg, f->family, f->proto, f->src, f->dst, f->frag_id))
		dg = dg->hnext;
	return dg;
}

/* Makes room for `need` more bytes, evicting the oldest datagrams in
 * progress other than keep (tombstones first). False if impossible. */
static bool
make_room(struct ipfrag *ipf, size_t need, const struct ipfrag_dg *keep)
{
	bool ok = true;

	while (ok && ipf->mem + need > IPFRAG_MEM_MAX) {
		if (ipf->dead.head) {
			dg_destroy(ipf, ipf->dead.head);
		} else if (ipf->live.head && ipf->live.head != keep) {
			ipf->st.evicted++;
			dg_destroy(ipf, ipf->live.head);
		} else {
			ok = false;
		}
	}
	return ok;
}

static struct ipfrag_dg *
dg_new(struct ipfrag *ipf, uint64_t ts_ns, const struct decap_pkt *f)
{
	struct ipfrag_dg *dg = NULL;
	uint32_t b;

	if (ipf->live.n >= ipf->max_dg) {
		ipf->st.evicted++;
		dg_destroy(ipf, ipf->live.head);
	}
	if (ipf->dead.n >= ipf->max_dg)
		dg_destroy(ipf, ipf->dead.head);
	if (!make_room(ipf, sizeof(*dg), NULL) || (dg = calloc(1, sizeof(*dg))) == NULL)
		goto out;
	dg->family = f->family;
	dg->proto = f->proto;
	memcpy(dg->src, f->src, 16);
	memcpy(dg->dst, f->dst, 16);
	dg->id = f->frag_id;
	dg->t_first = ts_ns;
	dg->mem = sizeof(*dg);
	ipf->mem += dg->mem;
	b = key_bucket(ipf, dg->family, dg->proto, dg->src, dg->dst, dg->id);
	dg->hnext = ipf->buckets[b];
	ipf->buckets[b] = dg;
	list_append(&ipf->live, dg);
out:
	return dg;
}

/* Copies the frame into dg. Returns its index, or a TR_ERR_*. */
static int
dg_add_frame(struct ipfrag *ipf, struct ipfrag_dg *dg, uint64_t ts_ns,
             const uint8_t *frame, uint32_t caplen, uint32_t origlen)
{
	struct ipfrag_frame *nf = NULL;
	uint8_t *copy = NULL;
	uint32_t cap;
	size_t need = (size_t)caplen + sizeof(struct ipfrag_frame) + sizeof(struct ipfrag_piece);
	int ret = TR_ERR_LIMIT;

	if (dg->n_frames >= IPFRAG_FRAMES_MAX || dg->mem + need > IPFRAG_STORE_MAX) {
		ipf->st.too_big++;
		goto out;
	}
	if (!make_room(ipf, need, dg)) {
		ipf->st.evicted++;
		goto out;
	}
	ret = TR_ERR_NOMEM;
	if (dg->n_frames == dg->cap_frames) {
		cap = dg->cap_frames ? dg->cap_frames * 2 : 4;
		if ((nf = realloc(dg->frames, cap * sizeof(*nf))) == NULL)
			goto out_nomem;
		dg->frames = nf;
		dg->cap_frames = cap;
	}
	if ((copy = malloc(caplen ? caplen : 1)) == NULL)
		goto out_nomem;
	if (caplen)
		memcpy(copy, frame, caplen);
	dg->frames[dg->n_frames].ts_ns = ts_ns;
	dg->frames[dg->n_frames].caplen = caplen;
	dg->frames[dg->n_frames].origlen = origlen;
	dg->frames[dg->n_frames].bytes = copy;
	dg->mem += need;
	ipf->mem += need;
	ret = (int)dg->n_frames++;
	goto out;
out_nomem:
	ipf->st.nomem++;
out:
	return ret;
}

static int
dg_add_piece(struct ipfrag *ipf, struct ipfrag_dg *dg, const struct ipfrag_piece *pc)
{
	struct ipfrag_piece *np;
	uint32_t cap;
	int ret = TR_ERR_NOMEM;

	if (dg->n_pieces == dg->cap_pieces) {
		cap = dg->cap_pieces ? dg->cap_pieces * 2 : 4;
		if ((np = realloc(dg->pieces, cap * sizeof(*np))) == NULL) {
			ipf->st.nomem++;
			goto out;
		}
		dg->pieces = np;
		dg->cap_pieces = cap;
	}
	dg->pieces[dg->n_pieces++] = *pc;
	dg->have += pc->len;
	ret = 0;
out:
	return ret;
}

/* Keeps the IP header of the fragment at offset 0 for the rebuilt packet. */
static void
dg_keep_header(struct ipfrag_dg *dg, const struct decap_pkt *f, const uint8_t *frame)
{
	if (dg->family == 4) {
		if (f->l3_hlen >= 20 && f->l3_hlen <= sizeof(dg->hdr)) {
			memcpy(dg->hdr, frame + f->l3_off, f->l3_hlen);
			dg->hdr_len = (uint8_t)f->l3_hlen;
		}
	} else {
		memcpy(dg->hdr, frame + f->l3_off, 40);
		dg->hdr_len = 40;
	}
}

static uint16_t
ip_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)~s;
}

/* Lays the datagram out, hands it out through ipf->out_* and turns dg into
 * a tombstone. */
static int
dg_complete(struct ipfrag *ipf, struct ipfrag_dg *dg, uint64_t ts_ns, struct ipfrag_done *done)
{
	uint8_t *ip = NULL;
	size_t hl = dg->hdr_len, len = hl + dg->total, tomb;
	uint16_t sum;
	uint32_t i;
	int ret = TR_ERR_LIMIT;

	if (len > IPFRAG_DGRAM_MAX) {          /* IPv4 options made it too long */
		ipf->st.too_big++;
		goto out;
	}
	ret = TR_ERR_NOMEM;
	if ((ip = malloc(len)) == NULL) {
		ipf->st.nomem++;
		goto out;
	}
	memcpy(ip, dg->hdr, hl);
	if (dg->family == 4) {
		ip[2] = (uint8_t)(len >> 8); ip[3] = (uint8_t)len;
		ip[6] = 0; ip[7] = 0;            /* no more fragments, offset 0 */
		ip[10] = 0; ip[11] = 0;
		sum = ip_csum(ip, hl);
		ip[10] = (uint8_t)(sum >> 8); ip[11] = (uint8_t)sum;
	} else {
		ip[4] = (uint8_t)(dg->total >> 8); ip[5] = (uint8_t)dg->total;
		ip[6] = dg->proto;               /* extension headers are not kept */
	}
	for (i = 0; i < dg->n_pieces; i++) {
		const struct ipfrag_piece *pc = &dg->pieces[i];
		memcpy(ip + hl + pc->off, dg->frames[pc->frame].bytes + pc->data_off, pc->len);
	}
	/* Hand the frames over; keep only the piece table as a tombstone. */
	ipf->out_ip = ip;
	ipf->out_frames = dg->frames;
	ipf->out_n = dg->n_frames;
	tomb = sizeof(*dg) + (size_t)dg->cap_pieces * sizeof(struct ipfrag_piece);
	ipf->mem -= dg->mem;
	dg->mem = tomb;
	ipf->mem += dg->mem;
	dg->frames = NULL;
	dg->n_frames = dg->cap_frames = 0;
	list_remove(&ipf->live, dg);
	dg->done = 1;
	dg->t_first = ts_ns;
	dg->serial = ipf->next_serial++;
	list_append(&ipf->dead, dg);
	if (ipf->dead.n > ipf->max_dg)
		dg_destroy(ipf, ipf->dead.head);

	done->ip = ip;
	done->ip_len = len;
	done->frames = ipf->out_frames;
	done->n_frames = ipf->out_n;
	done->serial = dg->serial;
	ipf->st.completed++;
	ret = IPFRAG_DONE;
out:
	return ret;
}

/* A fragment whose key matches a completed datagram: a late copy of one of
 * its fragments, or a new datagram that reuses the id. */
static bool
is_late_dup(const struct ipfrag_dg *dg, uint32_t off, uint32_t len, uint64_t hash)
{
	uint32_t i;
	bool dup = false;

	for (i = 0; i < dg->n_pieces && !dup; i++)
		dup = dg->pieces[i].off == off && dg->pieces[i].len == len &&
		      dg->pieces[i].hash == hash;
	return dup;
}

int
ipfrag_add(struct ipfrag *ipf, uint64_t ts_ns, const struct decap_pkt *f,
           const uint8_t *frame, uint32_t caplen, uint32_t origlen,
           struct ipfrag_done *done)
{
	struct ipfrag_dg *dg = NULL;
	struct ipfrag_piece pc;
	const uint8_t *data;
	uint32_t off, len, end, limit, i;
	uint64_t hash;
	bool held = false;         /* the frame was copied into dg */
	int fi, r, ret = TR_ERR_INVAL;

	memset(done, 0, sizeof(*done));
	release_out(ipf);
	expire_lists(ipf, ts_ns);
	ipf->st.fragments++;

	if (!f->is_fragment || (f->family != 4 && f->family != 6)) {
		ipf->st.bad++;
		goto out;
	}
	if (f->proto != PROTO_UDP) {
		ipf->st.unsupported++;
		ret = TR_ERR_UNSUPP;
		goto out;
	}
	/* The views must lie inside the frame, and hold all the fragment's
	 * data: a fragment cut by the snaplen cannot be reassembled. */
	if (f->l5_off > caplen || f->l5_len > caplen - f->l5_off ||
	    f->l3_off > caplen || f->l3_hlen > caplen - f->l3_off ||
	    (f->family == 6 && f->l3_hlen < 40) ||
	    f->l5_len != f->ip_payload_len || f->l5_len == 0 ||
	    f->l5_len > IPFRAG_DGRAM_MAX || f->frag_off > IPFRAG_DGRAM_MAX) {
		ipf->st.bad++;
		goto out;
	}
	off = f->frag_off;
	len = (uint32_t)f->l5_len;
	end = off + len;
	data = frame + f->l5_off;
	hash = fnv1a(data, len);
	if (f->frag_more && (len % 8) != 0) {
		ipf->st.bad++;
		goto out;
	}

	dg = dg_find(ipf, f);
	if (dg && dg->done) {
		if (is_late_dup(dg, off, len, hash)) {
			ipf->st.late_duplicates++;
			ipf->out_one.ts_ns = ts_ns;
			ipf->out_one.caplen = caplen;
			ipf->out_one.origlen = origlen;
			ipf->out_one.bytes = frame;
			done->frames = &ipf->out_one;
			done->n_frames = 1;
			done->serial = dg->serial;
			ret = IPFRAG_LATE_DUP;
			goto out;
		}
		dg_destroy(ipf, dg);           /* the id was reused */
		dg = NULL;
	}

	/* IPv4: the rebuilt packet carries the first fragment's header, so the
	 * payload may not exceed 65535 minus a minimal header. */
	limit = f->family == 4 ? IPFRAG_DGRAM_MAX - 20 : IPFRAG_DGRAM_MAX;
	if (end > limit) {
		ipf->st.too_big++;
		ret = TR_ERR_LIMIT;
		goto out_drop;
	}
	if (!dg && (dg = dg_new(ipf, ts_ns, f)) == NULL) {
		ipf->st.nomem++;
		ret = TR_ERR_NOMEM;
		goto out;
	}

	/* Consistency with the last fragment. */
	if ((!f->frag_more && dg->have_last && end != dg->total) ||
	    (f->frag_more && dg->have_last && end > dg->total)) {
		ipf->st.bad++;
		goto out_drop;
	}
	for (i = 0; i < dg->n_pieces; i++) {
		const struct ipfrag_piece *p = &dg->pieces[i];
		if (!f->frag_more && p->off + p->len > end) {
			ipf->st.bad++;
			goto out_drop;
		}
		if (off < p->off + p->len && p->off < end) {
			if (p->off == off && p->len == len &&
			    memcmp(dg->frames[p->frame].bytes + p->data_off, data, len) == 0) {
				ipf->st.duplicates++;
				if ((r = dg_add_frame(ipf, dg, ts_ns, frame, caplen, origlen)) < 0) {
					ret = r;
					goto out_drop;
				}
				held = true;
				ret = IPFRAG_BUFFERED;
				goto out;
			}
			ipf->st.overlaps++;
			goto out_drop;
		}
	}
	if ((fi = dg_add_frame(ipf, dg, ts_ns, frame, caplen, origlen)) < 0) {
		ret = fi;
		goto out_drop;
	}
	held = true;
	pc.off = off;
	pc.len = len;
	pc.frame = (uint32_t)fi;
	pc.data_off = f->l5_off;
	pc.hash = hash;
	if ((r = dg_add_piece(ipf, dg, &pc)) < 0) {
		ret = r;
		goto out_drop;
	}
	if (off == 0)
		dg_keep_header(dg, f, frame);
	if (!f->frag_more) {
		dg->have_last = 1;
		dg->total = end;
	}
	ret = IPFRAG_BUFFERED;
	if (dg->have_last && dg->hdr_len && dg->have == dg->total)
		ret = dg_complete(ipf, dg, ts_ns, done);
	if (ret < 0)
		goto out_drop;
	goto out;
out_drop:
	if (dg && !dg->done)
		dg_destroy(ipf, dg);
out:
	if (ret < 0 && !held)
		ipf->st.frames_dropped++;
	return ret;
}
