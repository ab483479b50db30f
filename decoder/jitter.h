/* jitter.h - the sequencer: RTP packets of one call -> places on the
 * call's capture-clock timeline. RFC 3550 (sections 5.1, A.1, A.3).
 *
 * Works on the whole call at once (offline decode, not a live buffer):
 * packets come in capture order, tagged with their stream (one SSRC +
 * endpoints). Per stream it extends the 16-bit sequence number, sorts,
 * drops duplicates (same seq and timestamp again: a SPAN port often
 * mirrors a packet twice; beyond 32 packets of one seq the rest are also
 * dropped as duplicates), counts sequence gaps as loss, extends the
 * 32-bit timestamp across wraps and converts it to an output sample
 * position. Each stream's timeline is anchored on the capture clock at
 * its first packets (so a new SSRC on a direction starts where it was
 * heard), then advances by RTP timestamp (so network jitter does not move
 * audio). A timestamp that disagrees with the capture clock by more than
 * reanchor_ns starts a new segment anchored afresh (a sender restart, a
 * timestamp jump). Holes left between packets (loss, DTX, events) are
 * silence of exactly the timestamp distance.
 */
#ifndef TR_JITTER_H
#define TR_JITTER_H

#include <stddef.h>
#include <stdint.h>

#define JITTER_DROPOUT_MAX      3000u          /* larger seq jumps are a restart, not loss (RFC 3550 A.1) */
#define JITTER_REANCHOR_NS      10000000000ull /* |ts position - capture position| beyond this re-anchors */
#define JITTER_ANCHOR_WINDOW_NS 1000000000ull  /* anchor = least-delayed packet of a segment's first second */

/* One RTP packet. The caller fills the "in" fields; jitter_sequence fills
 * the "out" fields and reorders the array. */
struct jitter_pkt {
	uint64_t t_ns;          /* in: capture time */
	uint32_t stream;        /* in: stream index, < n_streams */
	uint32_t ts;            /* in: RTP timestamp */
	uint16_t seq;           /* in: RTP sequence number */
	uint8_t  pt;            /* in: payload type (carried, not used) */
	uint8_t  dup;           /* out: 1 = duplicate, to be ignored */
	uint32_t arrival;       /* out: index in capture order */
	int64_t  ext_seq;       /* out: extended sequence number */
	int64_t  pos;           /* out: first sample's index at out_rate from t0 */
	uint32_t data_off;      /* caller's: where its payload is kept */
	uint32_t data_len;
};

/* Per-stream input (clock_rate) and results. */
struct jitter_stream {
	uint32_t clock_rate;    /* in: RTP clock of the stream; 0 = out_rate */
	uint64_t packets;       /* out: distinct packets */
	uint64_t duplicates;    /* out: dropped as duplicates */
	uint64_t lost;          /* out: sequence numbers never seen */
	uint32_t segments;      /* out: anchor segments (1 + re-anchors) */
	int64_t  first_pos;     /* out: position of the first packet */
	uint64_t t_first_ns;    /* out: capture time of the first packet */
};

struct jitter_conf {
	uint64_t t0_ns;         /* capture time of output sample 0 */
	uint32_t out_rate;      /* output sample rate (Hz) */
	uint64_t reanchor_ns;   /* 0 = JITTER_REANCHOR_NS */
	uint64_t anchor_window_ns; /* 0 = JITTER_ANCHOR_WINDOW_NS */
};

/* Sequences pkts[0..n) given in capture order: on return the array is
 * sorted by (stream, extended seq, arrival) with dup/ext_seq/pos set, and
 * streams[0..n_streams) hold the counts. Returns 0, TR_ERR_INVAL (a stream
 * index out of range, out_rate 0) or TR_ERR_NOMEM. Does not block. */
int jitter_sequence(const struct jitter_conf *, struct jitter_pkt *pkts, size_t n,
                    struct jitter_stream *streams, uint32_t n_streams);

#endif
