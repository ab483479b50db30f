/* rtp.h - RTP and RTCP headers: validation and the fields the engine needs.
 * RFC 3550 (RTP, RTCP, appendix A.1/A.2 validity checks), RFC 3551 (AV
 * profile), RFC 5761 (RTP and RTCP on one port).
 */
#ifndef TR_RTP_H
#define TR_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_HDR_MIN    12u
#define RTP_CSRC_MAX   15u
#define RTCP_HDR_MIN   8u

#define RTCP_PT_SR     200u
#define RTCP_PT_RR     201u
#define RTCP_PT_SDES   202u
#define RTCP_PT_BYE    203u
#define RTCP_PT_APP    204u

/* One parsed RTP header; payload points into the caller's buffer. */
struct rtp_hdr {
	uint8_t  version;
	uint8_t  padding;          /* P bit */
	uint8_t  extension;        /* X bit */
	uint8_t  cc;               /* CSRC count */
	uint8_t  marker;
	uint8_t  pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint32_t csrc[RTP_CSRC_MAX];
	uint16_t ext_profile;      /* when extension: "defined by profile" */
	uint16_t ext_words;        /* when extension: length in 32-bit words */
	uint8_t  pad_len;          /* padding bytes removed from the end (0 if none) */
	const uint8_t *payload;
	size_t   payload_len;      /* without padding */
};

/* What rtcp_parse() learns from a compound packet. */
struct rtcp_info {
	uint8_t  first_pt;         /* RTCP_PT_SR or RTCP_PT_RR */
	uint8_t  has_sdes;
	uint8_t  has_bye;
	uint8_t  rc;               /* report count of the first packet */
	uint32_t n_packets;        /* packets in the compound */
	uint32_t ssrc;             /* sender SSRC of the first packet */
	uint64_t ntp_ts;           /* SR only: NTP timestamp */
	uint32_t rtp_ts;           /* SR only */
	uint32_t sender_packets;   /* SR only */
	uint32_t sender_octets;    /* SR only */
};

/* Parses an RTP header (v=2, at least 12 bytes, CSRC list, extension
 * length, padding within the payload). Returns 0 and fills *h (csrc[] only
 * up to cc), or TR_ERR_SHORT / TR_ERR_INVAL (then *h is partly filled and
 * payload is NULL). Views into p; no allocation. */
int rtp_parse(const uint8_t *p, size_t len, struct rtp_hdr *h);
/* RFC 5761 section 4: with RTP and RTCP on one port, a packet whose second
 * byte is 192..223 (RTCP packet types SR, RR, SDES, BYE, APP, ...) is RTCP;
 * RTP may not use payload types 64..95 there. byte1 is the packet's second
 * byte. */
bool rtp_is_rtcp_pt(uint8_t byte1);
/* Validates a compound RTCP packet (RFC 3550 A.2: version 2 everywhere, the
 * first packet SR or RR without padding, padding only in the last, lengths
 * adding up to len exactly). Returns 0 and fills *info, or TR_ERR_SHORT /
 * TR_ERR_INVAL. */
int rtcp_parse(const uint8_t *p, size_t len, struct rtcp_info *info);

#endif
