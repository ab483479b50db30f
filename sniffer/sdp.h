/* sdp.h - the media endpoints and payload-type map of an SDP body, parsed
 * with libosip2's sdp_message_parse. RFC 4566/8866 (SDP), 3264 (offer/answer),
 * 3551 (static payload types), 3605 (a=rtcp), 5761 (a=rtcp-mux).
 */
#ifndef TR_SDP_H
#define TR_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ring.h"

#define SDP_MAX          16384u  /* larger bodies are rejected before parsing */
#define SDP_STREAMS_MAX  8       /* usable audio m= lines kept */
#define SDP_FMT_MAX      16      /* payload types kept per m= line */

/* One usable audio RTP stream (m=audio, port != 0, not a=inactive,
 * connection address not 0.0.0.0 / unspecified). */
struct sdp_stream {
	uint8_t  family;           /* 4 or 6 */
	uint8_t  rtcp_mux;         /* a=rtcp-mux */
	uint8_t  n_fmt;
	uint8_t  pad;
	uint16_t port;             /* RTP port */
	uint16_t rtcp_port;        /* a=rtcp port, else port+1 (port when rtcp_mux) */
	uint8_t  addr[16];         /* IPv4 in the first 4 bytes */
	uint8_t  fmt[SDP_FMT_MAX]; /* payload types of the m= line, in order */
};

struct sdp_info {
	uint32_t n_streams;
	struct sdp_stream streams[SDP_STREAMS_MAX];
	uint32_t n_pt;             /* rtpmap entries plus static types of the audio m= lines */
	struct ring_pt pt[RING_PT_MAX];
	uint32_t n_ignored;        /* audio m= lines ignored: port 0, inactive, no address */
	bool     has_udptl;        /* an m=image udptl (T.38) line: noted, not RTP */
	bool     has_video;        /* an m=video line: not recorded */
};

/* Parses an SDP body of len bytes (not NUL-terminated; at most SDP_MAX).
 * Returns 0 and fills *out, TR_ERR_LIMIT for an oversized body or
 * TR_ERR_INVAL when libosip2 rejects it. Allocates only temporarily. */
int sdp_parse(const uint8_t *p, size_t len, struct sdp_info *out);
/* Fills *pt for an RFC 3551 static audio payload type; false if pt is not one. */
bool sdp_static_pt(uint8_t pt, struct ring_pt *out);

#endif
