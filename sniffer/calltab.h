/* calltab.h - the sniffer's private table of live calls (not shared memory).
 *
 * Two hashes, no scans: calls by (Call-ID, From-tag), and media endpoints
 * (family, address, port) -> (call, side) for attributing RTP/RTCP. The
 * table only stores; the SIP state machine lives in engine.c.
 * RFC 3261 (dialogs), 3264 (offer/answer), 3605 (a=rtcp), 5761 (rtcp-mux),
 * 4961 (symmetric RTP).
 */
#ifndef TR_CALLTAB_H
#define TR_CALLTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ring.h"

#define CALLTAB_CALLS_MAX   RING_SLOTS_MAX
#define CT_EP_SDP_MAX       (RING_MEDIA_MAX * 2)   /* RTP + RTCP entry per SDP endpoint */
#define CT_EP_LEARN_MAX     4                      /* learned (symmetric) sources per call */
#define CT_EP_MAX           (CT_EP_SDP_MAX + CT_EP_LEARN_MAX)
#define CT_NONE             0xffffffffu

/* ct_ep.kind: what is expected on that address:port */
#define CT_EP_RTP   1u
#define CT_EP_RTCP  2u
#define CT_EP_MUX   3u   /* RTP and RTCP on one port (rtcp-mux, or a=rtcp equal to the RTP port) */

struct ct_ep {                 /* one hashed media endpoint */
	uint8_t  family;           /* 4 or 6; 0 = unused */
	uint8_t  side;             /* enum ring_side of the party that receives there */
	uint8_t  kind;             /* CT_EP_* */
	uint8_t  learned;          /* from symmetric learning, not from SDP */
	uint16_t port;
	uint16_t pad;
	uint8_t  addr[16];
	uint32_t next;             /* hash chain: packed (call, ep) index or CT_NONE */
};

/* One live call. The engine owns the fields marked "engine"; calltab owns
 * the hash links. rc mirrors the ring slot: the engine publishes it with
 * ring_call_update(). What a media packet reads and writes (the engine's
 * hot fields, then the first endpoints) comes first, so that a packet
 * touches two or three cache lines of its call rather than six. */
struct ct_call {
	uint32_t idx;              /* own index, for engine-side parallel arrays */
	uint32_t key_next;         /* call-key hash chain */
	uint32_t key_hash;
	uint8_t  in_use;
	uint8_t  media_next;       /* FIFO cursor once rc.media is full */
	uint8_t  learn_next;       /* FIFO cursor of the learned entries */
	uint8_t  pad;
	/* engine, per media packet */
	uint32_t slot, gen;        /* ring slot and its generation */
	uint64_t t_last;           /* last packet of any kind; copied to rc.t_last on publish */
	uint64_t t_last_media;     /* last RTP/RTCP packet; copied to rc.t_last_media */
	uint64_t te_mask[2];       /* telephone-event payload types (0..127) */
	bool     dirty;            /* rc changed since the last ring_call_update */
	bool     no_store;         /* engine filter: metadata only, no packet records */
	uint8_t  learn_fam[2];     /* last source checked for learning, per side of the */
	uint16_t learn_port[2];    /* matched endpoint (symmetric RTP alternates both) */
	uint8_t  learn_addr[2][16];
	struct ct_ep ep[CT_EP_MAX];
	/* engine, SIP and timers */
	uint32_t invite_cseq;      /* CSeq of the latest dialog-creating INVITE */
	uint32_t challenge_cseq;   /* CSeq answered with 401/407, 0 if none pending */
	uint64_t t_challenge;
	uint64_t t_linger;         /* ended: drop from the table after this capture time */
	struct ring_call rc;
};

struct calltab_stats {
	uint64_t calls;            /* gauge */
	uint64_t full;             /* calltab_add refused: calls_max reached */
	uint64_t ep_replaced;      /* SDP endpoints dropped because a call had RING_MEDIA_MAX */
	uint64_t learned;          /* endpoints learned */
};

struct calltab;

/* Creates a table for calls_max calls (1 .. CALLTAB_CALLS_MAX); all memory
 * is allocated here, none later. NULL on bad argument or no memory. */
struct calltab *calltab_new(uint32_t calls_max);
void calltab_free(struct calltab *);     /* NULL-safe */

/* Finds the call of a SIP message: (call_id, from_tag) first, then
 * (call_id, to_tag) for in-dialog requests sent by the callee (tags swapped).
 * *swappedp tells which matched. NULL when neither does. */
struct ct_call *calltab_find(struct calltab *, const char *call_id, const char *from_tag,
                             const char *to_tag, bool *swappedp);
/* Adds a call keyed by (call_id, from_tag), zeroed but for the key fields in
 * rc. NULL when the table is full (counted). Never allocates. */
struct ct_call *calltab_add(struct calltab *, const char *call_id, const char *from_tag);
/* Removes a call and all its endpoints. */
void calltab_del(struct calltab *, struct ct_call *);
/* The call at index i (0 .. calls_max-1), NULL when unused. For timers. */
struct ct_call *calltab_at(struct calltab *, uint32_t i);
uint32_t calltab_max(const struct calltab *);

/* Adds (or refreshes) an SDP media endpoint of call c, announced by side:
 * mirrored into c->rc.media and hashed for RTP (port) and RTCP (rtcp_port,
 * or the same port with rtcp_mux). When the call already has
 * RING_MEDIA_MAX endpoints the oldest is replaced. Sets c->dirty. */
void calltab_media_add(struct calltab *, struct ct_call *c, const struct ring_media *m);
/* Learns a symmetric-RTP source for call c (see calltab.c for the rule):
 * packets sent to (family, addr, port) will be taken as going to side.
 * Returns false when the endpoint is already known (to any call). */
bool calltab_learn(struct calltab *, struct ct_call *c, uint8_t family, const uint8_t addr[16],
                   uint16_t port, uint8_t side);
/* Looks an endpoint up: an SDP entry wins over a learned one, and among
 * equals the most recently added. Returns the call and its ct_ep, or NULL. */
struct ct_call *calltab_ep_lookup(const struct calltab *, uint8_t family, const uint8_t addr[16],
                                  uint16_t port, const struct ct_ep **epp);
void calltab_get_stats(const struct calltab *, struct calltab_stats *out);

#endif
