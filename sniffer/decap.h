/* decap.h - from a captured frame to the transport payload.
 * Link layers: Ethernet (+802.1Q/QinQ 0x8100/0x88a8/0x9100), Linux SLL/SLL2,
 * raw IP, loopback/NULL; IPv4, IPv6 (extension headers skipped); UDP, TCP.
 * RFC 791, 8200, 768, 793; RFC 6946 (atomic IPv6 fragments).
 */
#ifndef TR_DECAP_H
#define TR_DECAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "ring.h"

#define DECAP_VLAN_MAX     4   /* stacked 802.1Q/802.1ad tags followed */
#define DECAP_V6_EXT_MAX   8   /* IPv6 extension headers followed */

/* LINKTYPE_RAW as written in pcap files (libpcap maps it to DLT_RAW, but
 * a file reader may hand it over unmapped). */
#define DECAP_LINKTYPE_RAW 101

/* The result of decapsulating one frame. Views point into the caller's
 * buffer (or the reassembly buffer for fragments): they own nothing.
 * Offsets (l3_off, l5_off) are from the start of the buffer given to
 * decap_frame() / decap_ip(). */
struct decap_pkt {
	uint8_t  family;          /* 4 or 6 */
	uint8_t  proto;           /* IPPROTO_UDP, IPPROTO_TCP, ... (the upper layer, also for fragments) */
	uint8_t  is_fragment;     /* this frame is an IP fragment (not yet reassembled) */
	uint8_t  pad;
	uint8_t  src[16], dst[16];/* IPv4 in the first 4 bytes, the rest zero */
	uint16_t sport, dport;    /* UDP/TCP; 0 for fragments */
	uint32_t tcp_seq;         /* TCP only */
	uint8_t  tcp_flags;       /* TCP only: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	const uint8_t *l3;        /* start of the IP header */
	size_t   l3_len;          /* captured bytes from l3 (clamped to IP total length) */
	const uint8_t *l5;        /* transport payload; for a fragment: the fragment's data */
	size_t   l5_len;          /* clamped to min(declared, captured) */
	uint32_t l5_off;          /* offset of l5 in the buffer */
	/* added by the packet-layer owner (compatible extension): */
	uint32_t l3_off;          /* offset of l3 in the buffer */
	uint16_t l3_hlen;         /* IP header bytes up to the payload (options, extension headers) */
	uint16_t vlan;            /* innermost VLAN id, 0 when untagged */
	uint8_t  n_vlan;          /* VLAN tags skipped */
	uint8_t  ttl;             /* TTL / hop limit */
	uint8_t  frag_more;       /* fragment: the MF / M flag */
	uint8_t  ip_tos;          /* IPv4 TOS / IPv6 traffic class */
	uint32_t frag_id;         /* fragment: IPv4 identification (16 bits) or IPv6 (32 bits) */
	uint32_t frag_off;        /* fragment: byte offset of l5 in the original datagram */
	uint32_t ip_payload_len;  /* declared transport bytes (IP length minus headers), before clamping */
};

/* Error returns: -(enum ring_reject + 1). DECAP_ERR(RING_REJ_UDP) == -4. */
#define DECAP_ERR(reason) (-(int)(reason) - 1)

/* Decapsulates one frame of link type dlt (DLT_*, or DECAP_LINKTYPE_RAW).
 * Returns 0, or DECAP_ERR(reason): LINK for an unsupported DLT or a short
 * link header, IP for a bad IPv4/IPv6 header, UDP / TCP for a bad transport
 * header, OTHER for a valid frame that is not IP or not UDP/TCP (ARP, ICMP,
 * ESP, ...). A frame that is a fragment returns 0 with is_fragment set and
 * l3, proto, frag_*, l5 (the fragment data) filled: pass it to ipfrag.
 * Never reads beyond caplen; pure, no allocation. */
int decap_frame(int dlt, const uint8_t *frame, size_t caplen, struct decap_pkt *out);
/* Parses an IP packet (e.g. a reassembled datagram) from its IP header on.
 * Same returns as decap_frame(); offsets are from ip. */
int decap_ip(const uint8_t *ip, size_t len, struct decap_pkt *out);
/* Maps a negative decap_* return to the ring_reject counter it bumps
 * (RING_REJ_OTHER for anything that is not a DECAP_ERR). */
enum ring_reject decap_reason(int r);
/* Whether decap_frame handles this DLT: 1 or 0. */
int decap_dlt_supported(int dlt);

#endif
