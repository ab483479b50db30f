/* calltab.c - the sniffer's private table of live calls and media endpoints.
 * RFC 3261 section 12 (dialogs), RFC 3264 (offer/answer), RFC 3605
 * (a=rtcp), RFC 5761 (rtcp-mux), RFC 4961 (symmetric RTP).
 *
 * Memory: one array of calls_max struct ct_call, allocated at creation.
 * Each call embeds its hash nodes (CT_EP_MAX endpoints), so adding an
 * endpoint never allocates. Both hashes are chained, with bucket arrays
 * sized to a power of two and a per-table random seed, so a sender cannot
 * aim many Call-IDs or SDP addresses at one chain without knowing it.
 *
 * Endpoint precedence. Several calls may announce the same address:port
 * (a test rig that answers every call on 10.0.0.1:6000; a B2BUA's two legs).
 * New entries go to the head of their chain and lookups return the first
 * SDP entry they meet, so the most recent SDP wins; a learned entry only
 * answers when no SDP entry matches.
 *
 * Symmetric learning (calltab_learn, driven by engine.c). SDP says where
 * each party wants to RECEIVE. Most endpoints also SEND from that address
 * (symmetric RTP, RFC 4961), but a party behind NAT, or a media gateway
 * that answers from another port, sends from an address that no SDP names.
 * Rule: when a valid RTP packet's DESTINATION matches an SDP endpoint of
 * side S, its SOURCE is where the other party's media comes from, and under
 * symmetric RTP that party also receives there. So the source is learned as
 * an endpoint of the other side (packets sent TO it go to the other party),
 * unless any call already knows that address:port. At most
 * CT_EP_LEARN_MAX per call, oldest replaced first; learned entries never
 * shadow an SDP entry, so a stray or spoofed sender can at worst capture
 * packets that no SDP claims.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "calltab.h"

struct calltab {
	uint32_t calls_max;
	uint32_t n_calls;
	uint32_t key_mask;         /* call buckets - 1 */
	uint32_t ep_mask;          /* endpoint buckets - 1 */
	uint64_t seed;
	struct ct_call *calls;
	uint32_t *key_bucket;
	uint32_t *ep_bucket;
	uint32_t *free_idx;        /* stack of unused call indexes */
	uint32_t n_free;
	struct calltab_stats st;
};

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t str_hash(uint64_t seed, const char *a, const char *b)
{
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)a; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;
	for (p = (const unsigned char *)b; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (uint32_t)mix64(h);
}

/* An IPv4 address is read as its 4 bytes only: the decapsulator has just
 * stored those 4 bytes on their own, and a wider load across that store
 * cannot be forwarded from the store buffer (it would wait for every
 * pending store, the ring's included). */
static uint32_t ep_hash(uint64_t seed, uint8_t family, const uint8_t addr[16], uint16_t port)
{
	uint64_t a0 = 0, a1 = 0;
	uint32_t v4;

	if (family == 4) {
		memcpy(&v4, addr, 4);
		a0 = v4;
	} else {
		memcpy(&a0, addr, 8);
		memcpy(&a1, addr + 8, 8);
	}
	return (uint32_t)mix64(seed ^ mix64(a0 ^ ((uint64_t)port << 8 | family)) ^ (a1 * 0x9e3779b97f4a7c15ULL));
}

/* Same address; IPv4 by its 4 bytes (see ep_hash). */
static bool ep_addr_eq(uint8_t family, const uint8_t a[16], const uint8_t b[16])
{
	return family == 4 ? memcmp(a, b, 4) == 0 : memcmp(a, b, 16) == 0;
}

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t p = 1;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

struct calltab *calltab_new(uint32_t calls_max)
{
	struct calltab *t = NULL;
	uint32_t i, nk, ne;

	if (calls_max == 0 || calls_max > CALLTAB_CALLS_MAX)
		goto out_free;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto out_free;
	t->calls_max = calls_max;
	nk = pow2_at_least((uint64_t)calls_max * 2);
	ne = pow2_at_least((uint64_t)calls_max * 8);
	t->key_mask = nk - 1;
	t->ep_mask = ne - 1;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != (ssize_t)sizeof(t->seed))
		t->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)t;
	t->calls = calloc(calls_max, sizeof(*t->calls));
	t->key_bucket = malloc((size_t)nk * sizeof(uint32_t));
	t->ep_bucket = malloc((size_t)ne * sizeof(uint32_t));
	t->free_idx = malloc((size_t)calls_max * sizeof(uint32_t));
	if (t->calls == NULL || t->key_bucket == NULL || t->ep_bucket == NULL || t->free_idx == NULL)
		goto out_free;
	memset(t->key_bucket, 0xff, (size_t)nk * sizeof(uint32_t));
	memset(t->ep_bucket, 0xff, (size_t)ne * sizeof(uint32_t));
	/* hand out low indexes first: the table stays dense in the cache */
	for (i = 0; i < calls_max; i++)
		t->free_idx[i] = calls_max - 1 - i;
	t->n_free = calls_max;
	return t;
out_free:
	calltab_free(t);
	return NULL;
}

void calltab_free(struct calltab *t)
{
	if (t == NULL)
		return;
	free(t->calls);
	free(t->key_bucket);
	free(t->ep_bucket);
	free(t->free_idx);
	free(t);
}

uint32_t calltab_max(const struct calltab *t)
{
	return t->calls_max;
}

struct ct_call *calltab_at(struct calltab *t, uint32_t i)
{
	if (i >= t->calls_max || !t->calls[i].in_use)
		return NULL;
	return &t->calls[i];
}

static struct ct_call *key_find(struct calltab *t, const char *call_id, const char *tag)
{
	uint32_t h = str_hash(t->seed, call_id, tag);
	uint32_t i;
	struct ct_call *c;

	for (i = t->key_bucket[h & t->key_mask]; i != CT_NONE; i = c->key_next) {
		c = &t->calls[i];
		if (c->key_hash == h && strcmp(c->rc.call_id, call_id) == 0 &&
		    strcmp(c->rc.from_tag, tag) == 0)
			return c;
	}
	return NULL;
}

struct ct_call *calltab_find(struct calltab *t, const char *call_id, const char *from_tag,
                             const char *to_tag, bool *swappedp)
{
	struct ct_call *c;

	*swappedp = false;
	if ((c = key_find(t, call_id, from_tag)) != NULL)
		return c;
	if (to_tag != NULL && to_tag[0] != '\0' && (c = key_find(t, call_id, to_tag)) != NULL) {
		*swappedp = true;
		return c;
	}
	return NULL;
}

static void copy_trunc(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l >= n)
		l = n - 1;
	memcpy(dst, src, l);
	dst[l] = '\0';
}

struct ct_call *calltab_add(struct calltab *t, const char *call_id, const char *from_tag)
{
	struct ct_call *c;
	uint32_t i, b;

	if (t->n_free == 0) {
		t->st.full++;
		return NULL;
	}
	i = t->free_idx[--t->n_free];
	c = &t->calls[i];
	memset(c, 0, sizeof(*c));
	c->idx = i;
	c->in_use = 1;
	c->slot = CT_NONE;
	copy_trunc(c->rc.call_id, sizeof(c->rc.call_id), call_id);
	copy_trunc(c->rc.from_tag, sizeof(c->rc.from_tag), from_tag);
	/* hash what is stored, so a truncated key still finds itself */
	c->key_hash = str_hash(t->seed, c->rc.call_id, c->rc.from_tag);
	b = c->key_hash & t->key_mask;
	c->key_next = t->key_bucket[b];
	t->key_bucket[b] = i;
	t->n_calls++;
	return c;
}

static uint32_t ep_pack(const struct ct_call *c, uint32_t e)
{
	return c->idx * CT_EP_MAX + e;
}

static struct ct_ep *ep_at(const struct calltab *t, uint32_t packed)
{
	return &t->calls[packed / CT_EP_MAX].ep[packed % CT_EP_MAX];
}

static void ep_unlink(struct calltab *t, struct ct_call *c, uint32_t e)
{
	struct ct_ep *ep = &c->ep[e];
	uint32_t want = ep_pack(c, e);
	uint32_t *link;

	if (ep->family == 0)
		return;
	link = &t->ep_bucket[ep_hash(t->seed, ep->family, ep->addr, ep->port) & t->ep_mask];
	while (*link != CT_NONE) {
		if (*link == want) {
			*link = ep->next;
			break;
		}
		link = &ep_at(t, *link)->next;
	}
	memset(ep, 0, sizeof(*ep));
}

static void ep_link(struct calltab *t, struct ct_call *c, uint32_t e, uint8_t family,
                    const uint8_t addr[16], uint16_t port, uint8_t side, uint8_t kind,
                    uint8_t learned)
{
	struct ct_ep *ep = &c->ep[e];
	uint32_t b;

	ep_unlink(t, c, e);
	ep->family = family;
	ep->side = side;
	ep->kind = kind;
	ep->learned = learned;
	ep->port = port;
	memcpy(ep->addr, addr, 16);
	b = ep_hash(t->seed, family, addr, port) & t->ep_mask;
	ep->next = t->ep_bucket[b];
	t->ep_bucket[b] = ep_pack(c, e);
}

void calltab_del(struct calltab *t, struct ct_call *c)
{
	uint32_t e, *link;

	if (c == NULL || !c->in_use)
		return;
	for (e = 0; e < CT_EP_MAX; e++)
		ep_unlink(t, c, e);
	link = &t->key_bucket[c->key_hash & t->key_mask];
	while (*link != CT_NONE) {
		if (*link == c->idx) {
			*link = c->key_next;
			break;
		}
		link = &t->calls[*link].key_next;
	}
	c->in_use = 0;
	t->free_idx[t->n_free++] = c->idx;
	t->n_calls--;
}

static void media_hash(struct calltab *t, struct ct_call *c, uint32_t i)
{
	const struct ring_media *m = &c->rc.media[i];
	bool mux = m->rtcp_mux || m->rtcp_port == m->port;

	ep_link(t, c, 2 * i, m->family, m->addr, m->port, m->side, mux ? CT_EP_MUX : CT_EP_RTP, 0);
	if (mux)
		ep_unlink(t, c, 2 * i + 1);
	else
		ep_link(t, c, 2 * i + 1, m->family, m->addr, m->rtcp_port, m->side, CT_EP_RTCP, 0);
}

void calltab_media_add(struct calltab *t, struct ct_call *c, const struct ring_media *m)
{
	struct ring_media *o;
	uint32_t i;

	if (m->family != 4 && m->family != 6)
		return;
	for (i = 0; i < c->rc.n_media && i < RING_MEDIA_MAX; i++) {
		o = &c->rc.media[i];
		if (o->family == m->family && o->port == m->port && o->side == m->side &&
		    memcmp(o->addr, m->addr, 16) == 0) {
			if (o->rtcp_port != m->rtcp_port || o->rtcp_mux != m->rtcp_mux) {
				*o = *m;
				c->dirty = true;
			}
			/* re-link: this announcement is now the most recent */
			media_hash(t, c, i);
			return;
		}
	}
	if (c->rc.n_media < RING_MEDIA_MAX) {
		i = c->rc.n_media++;
	} else {
		i = c->media_next;
		c->media_next = (uint8_t)((c->media_next + 1) % RING_MEDIA_MAX);
		t->st.ep_replaced++;
	}
	c->rc.media[i] = *m;
	c->rc.media[i].pad = 0;
	media_hash(t, c, i);
	c->dirty = true;
}

struct ct_call *calltab_ep_lookup(const struct calltab *t, uint8_t family, const uint8_t addr[16],
                                  uint16_t port, const struct ct_ep **epp)
{
	uint32_t i = t->ep_bucket[ep_hash(t->seed, family, addr, port) & t->ep_mask];
	const struct ct_ep *ep, *learned = NULL;
	uint32_t learned_i = CT_NONE;

	for (; i != CT_NONE; i = ep->next) {
		ep = ep_at(t, i);
		if (ep->port != port || ep->family != family || !ep_addr_eq(family, ep->addr, addr))
			continue;
		if (!ep->learned) {
			*epp = ep;
			return &t->calls[i / CT_EP_MAX];
		}
		if (learned == NULL) {
			learned = ep;
			learned_i = i;
		}
	}
	if (learned == NULL)
		return NULL;
	*epp = learned;
	return &t->calls[learned_i / CT_EP_MAX];
}

bool calltab_learn(struct calltab *t, struct ct_call *c, uint8_t family, const uint8_t addr[16],
                   uint16_t port, uint8_t side)
{
	const struct ct_ep *ep;
	uint32_t e;

	if ((family != 4 && family != 6) || calltab_ep_lookup(t, family, addr, port, &ep) != NULL)
		return false;
	e = CT_EP_SDP_MAX + c->learn_next;
	c->learn_next = (uint8_t)((c->learn_next + 1) % CT_EP_LEARN_MAX);
	ep_link(t, c, e, family, addr, port, side, CT_EP_MUX, 1);
	t->st.learned++;
	return true;
}

void calltab_get_stats(const struct calltab *t, struct calltab_stats *out)
{
	*out = t->st;
	out->calls = t->n_calls;
}
