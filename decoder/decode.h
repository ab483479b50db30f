/* decode.h - one call's packets -> RTP stream analysis and a stereo WAV.
 * RFC 3550, 3551, 4733, 3389.
 *
 * Two ways in:
 *  - from the ring: decode_call_streams() / decode_call_wav() read the
 *    call (slot, gen) with the ring's reader (generation-checked);
 *  - from anywhere else (the vault's decrypted pcap): build a
 *    struct decode_ctx from the call's metadata, feed it the packet
 *    records one by one, then ask for the streams or the WAV.
 * Output WAV: stereo, 8 kHz, 16-bit PCM; left = caller (dir FWD, the
 * INVITE sender), right = callee (dir REV). Frame 0 is the call's t_first;
 * the file lasts until t_end or the last packet, whichever is later, so a
 * sound at second 30 of the call is at second 30 of the file on both
 * channels. Telephone-event and CN never become audio; a codec that is not
 * in decoder/codec.c gives silence for that stream (reported, warned).
 */
#ifndef TR_DECODE_H
#define TR_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "sniffer/ring.h"

#define DECODE_RATE         8000u      /* output sample rate */
#define DECODE_STREAMS_MAX  256u       /* RTP streams per call; more are counted in skipped */
#define DECODE_PTS_MAX      16u        /* payload types listed per stream */
#define DECODE_PKTS_MAX     (1u << 24) /* RTP packets per call */
#define DECODE_SECONDS_MAX  (4u * 3600u) /* longer calls are cut (warned) */

/* One RTP stream: one SSRC between one source and one destination. */
struct decode_stream {
	uint32_t ssrc;
	uint8_t  family;                 /* 4 or 6 */
	uint8_t  dir;                    /* enum ring_dir: FWD = caller->callee */
	uint16_t sport, dport;
	uint8_t  src[16], dst[16];       /* IPv4 in the first 4 bytes */
	uint8_t  pts[DECODE_PTS_MAX];    /* payload types in order of first appearance */
	uint32_t n_pts;
	char     codec[RING_CODEC_NAME_MAX]; /* first audio payload's name, "" if unknown */
	uint32_t clock_rate;
	uint64_t packets;                /* distinct packets kept (events and CN included) */
	uint64_t duplicates;             /* same seq + timestamp again: dropped */
	uint64_t lost;                   /* sequence numbers never seen */
	uint64_t t_first_ns, t_last_ns;  /* capture times of its first and last packet */
	int64_t  first_frame;            /* where its audio starts in the WAV */
	uint32_t segments;               /* timeline anchors (1 + re-anchors on ts jumps) */
	uint32_t decodable;              /* 1 if its codec is in the codec table */
};

/* The analysis of one call; the streams are sorted by direction, then
 * first packet time, then SSRC. Freed with decode_streams_free. */
struct decode_streams {
	struct ring_call call;           /* the metadata the analysis used */
	uint64_t rtp_packets;            /* RTP records read (= sum of packets + duplicates) */
	uint64_t skipped;                /* RTP records that did not parse or did not fit */
	uint64_t t_last_ns;              /* last record of any kind */
	size_t   n;
	struct decode_stream s[];
};

/* What a WAV export produced. */
struct decode_wav_info {
	uint64_t frames;                 /* per channel */
	uint32_t rate, channels;
	uint32_t streams, streams_silent;/* streams, and those left silent (unknown codec) */
	uint64_t clipped;                /* samples that fell outside the call's time span */
	uint32_t truncated;              /* 1 if the call was cut at DECODE_SECONDS_MAX */
};

struct decode_ctx;

/* Starts a decode of the call whose metadata is *meta (copied). Returns
 * NULL on allocation failure. Free with decode_ctx_free. */
struct decode_ctx *decode_ctx_new(const struct ring_call *meta);
void decode_ctx_free(struct decode_ctx *);        /* NULL-safe */
/* Feeds one stored packet record (bytes as captured, rec->caplen of them;
 * borrowed, copied as needed), in capture order. RTP records are used; a
 * record of kind 0 (not classified, e.g. rebuilt from a pcap) is taken as
 * RTP when it parses as RTP v2 and is not RTCP. A record with dir
 * RING_DIR_UNKNOWN gets its direction from the call's SDP endpoints, else
 * from the first record's sender (the INVITE's: the caller). An RTP
 * record that does not parse is counted in skipped. Returns 0 or
 * TR_ERR_NOMEM / TR_ERR_INVAL. */
int  decode_ctx_add(struct decode_ctx *, const struct ring_rec *rec, const uint8_t *bytes);
/* The stream analysis of everything fed so far. Caller frees *outp with
 * decode_streams_free. Returns 0 or TR_ERR_NOMEM. */
int  decode_ctx_streams(struct decode_ctx *, struct decode_streams **outp);
/* Renders the call as interleaved stereo 16-bit PCM at DECODE_RATE.
 * Caller frees *pcmp with free(). Returns 0, TR_ERR_NOMEM. */
int  decode_ctx_pcm(struct decode_ctx *, int16_t **pcmp, size_t *framesp,
                    struct decode_wav_info *infop);
/* Renders and writes the WAV to path, or to fd when path is NULL (fd is
 * borrowed, must be seekable, e.g. a memfd). infop may be NULL. Returns
 * 0, TR_ERR_NOMEM or TR_ERR_SYS (errno says why; nothing printed: the
 * caller names the file). Blocks on the write. */
int  decode_ctx_wav(struct decode_ctx *, const char *path, int fd,
                    struct decode_wav_info *infop);

void decode_streams_free(struct decode_streams *);  /* NULL-safe */

/* Ring readers: read call (slot, gen) through ring_iter and analyse it /
 * write it as a WAV (path, else fd as above). Return 0, TR_ERR_NOTFOUND
 * (free slot), TR_ERR_STALE (the slot was reused: gen differs), TR_ERR_GONE
 * (its head was overwritten), TR_ERR_NOMEM, TR_ERR_SYS. A live call is
 * decoded up to its last stored packet. */
int  decode_call_streams(const struct ring *, uint32_t slot, uint32_t gen,
                         struct decode_streams **outp);
int  decode_call_wav(const struct ring *, uint32_t slot, uint32_t gen, const char *path,
                     int fd, struct decode_wav_info *infop);

/* Text forms for reports: "caller->callee" / "callee->caller"; and
 * "a.b.c.d:port" or "[v6]:port" into buf (at least 64 bytes). */
const char *decode_dir_name(uint8_t dir);
const char *decode_addr_str(uint8_t family, const uint8_t addr[16], uint16_t port, char *buf,
                            size_t len);

#endif
