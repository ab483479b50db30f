/* ipfrag.h - bounded IPv4 and IPv6 reassembly of fragmented UDP datagrams.
 * RFC 791, RFC 815, RFC 8200 section 4.5, RFC 5722 (overlaps are dropped).
 *
 * threatrec stores every packet as captured, so ipfrag keeps a copy of each
 * original fragment frame and hands all of them back with the complete
 * datagram: the engine stores the frames, and parses the reassembled packet.
 * Datagrams are keyed by (family, src, dst, id, proto). Everything is
 * bounded: datagrams in progress, frames and bytes per datagram, and the
 * total memory held; every drop is counted by reason.
 */
#ifndef TR_IPFRAG_H
#define TR_IPFRAG_H

#include <stdint.h>
#include <stddef.h>
#include "decap.h"

#define IPFRAG_FRAMES_MAX   128u               /* frames kept per datagram (duplicates included) */
#define IPFRAG_DGRAM_MAX    65535u             /* reassembled IP packet bytes */
#define IPFRAG_STORE_MAX    (256u * 1024u)     /* frame bytes kept per datagram */
#define IPFRAG_MEM_MAX      (64u * 1024u * 1024u) /* all memory held by one struct ipfrag */
#define IPFRAG_DATAGRAMS_MAX (1u << 20)        /* largest max_datagrams accepted */

/* ipfrag_add() results besides errors. */
#define IPFRAG_BUFFERED     0   /* kept; the datagram is not complete yet */
#define IPFRAG_DONE         1   /* a datagram completed: see struct ipfrag_done */
#define IPFRAG_LATE_DUP     2   /* a copy of a fragment of a datagram already completed */

/* One original frame, as captured. */
struct ipfrag_frame {
	uint64_t ts_ns;
	uint32_t caplen;
	uint32_t origlen;
	const uint8_t *bytes;
};

/* What ipfrag_add() hands back. Owned by the struct ipfrag and valid until
 * the next ipfrag_* call on it.
 * IPFRAG_DONE: ip/ip_len is the reassembled IP packet, with a header fixed
 *   for decap_ip() (IPv4: the first fragment's header with total length,
 *   flags/offset and checksum rewritten; IPv6: a 40-byte header whose next
 *   header is the upper protocol, extension headers dropped); frames[] are
 *   all the original frames of the datagram in arrival order.
 * IPFRAG_LATE_DUP: ip is NULL, frames[0] is the frame just given (its bytes
 *   are the caller's), serial names the datagram it repeats, so the engine
 *   can file it with that datagram's call. */
struct ipfrag_done {
	const uint8_t *ip;
	size_t ip_len;
	const struct ipfrag_frame *frames;
	uint32_t n_frames;
	uint64_t serial;           /* unique per completed datagram, from 1 */
};

struct ipfrag_stats {
	uint64_t fragments;        /* fragments offered */
	uint64_t completed;        /* datagrams reassembled */
	uint64_t duplicates;       /* exact copies of a held fragment (frame kept) */
	uint64_t late_duplicates;  /* copies of a fragment of a completed datagram */
	uint64_t overlaps;         /* datagrams dropped: overlapping fragments */
	uint64_t timeouts;         /* datagrams dropped incomplete at the timeout */
	uint64_t evicted;          /* datagrams dropped to make room (count or memory limit) */
	uint64_t too_big;          /* datagrams dropped: beyond 65535 bytes, frames or store limit */
	uint64_t bad;              /* fragments rejected: inconsistent lengths, truncated capture */
	uint64_t unsupported;      /* fragments of other protocols than UDP */
	uint64_t nomem;            /* allocation failures */
	uint64_t frames_dropped;   /* frames given to ipfrag_add and dropped with their
	                            * datagram (any reason above) or rejected alone */
	uint64_t in_progress;      /* gauge: datagrams being reassembled */
	uint64_t mem_bytes;        /* gauge: memory held */
};

struct ipfrag;

/* Creates a reassembler keeping at most max_datagrams in progress (1 ..
 * IPFRAG_DATAGRAMS_MAX) for timeout_ns of capture time each. NULL on bad
 * arguments or no memory. Free with ipfrag_free(). */
struct ipfrag *ipfrag_new(uint32_t max_datagrams, uint64_t timeout_ns);
void ipfrag_free(struct ipfrag *);             /* NULL-safe */

/* Offers one fragment: frag is decap_frame()'s result for frame (is_fragment
 * set; its offsets are into frame), ts_ns the capture time (also expires old
 * datagrams). The frame is copied. Returns IPFRAG_BUFFERED, IPFRAG_DONE or
 * IPFRAG_LATE_DUP (filling *done), or TR_ERR_INVAL (inconsistent or
 * overlapping fragment; an overlap drops the whole datagram), TR_ERR_LIMIT
 * (a bound was hit; the datagram is dropped), TR_ERR_UNSUPP (not UDP),
 * TR_ERR_NOMEM. Never blocks. */
int ipfrag_add(struct ipfrag *, uint64_t ts_ns, const struct decap_pkt *frag,
               const uint8_t *frame, uint32_t caplen, uint32_t origlen,
               struct ipfrag_done *done);
/* Drops the datagrams older than the timeout at capture time now_ns. */
void ipfrag_expire(struct ipfrag *, uint64_t now_ns);
/* Copies the counters. */
void ipfrag_get_stats(const struct ipfrag *, struct ipfrag_stats *out);

#endif
