/* pkt.h - frame builder and pcap writer for the scenario generator:
 * Ethernet (optionally 802.1Q / QinQ) or Linux cooked SLL / SLL2, IPv4 or
 * IPv6, UDP, with IP fragmentation on demand.
 * RFC 791, 768, 8200 (fragment header), IEEE 802.1Q / 802.1ad.
 */
#ifndef TR_GEN_PKT_H
#define TR_GEN_PKT_H

#include <stdint.h>
#include <stddef.h>

#define PKT_FRAME_MAX   2048   /* largest frame built (one fragment or datagram) */
#define PKT_DGRAM_MAX   16384  /* largest UDP payload accepted */
#define PKT_MTU         1500   /* IP MTU used when fragmenting */

enum pkt_link { PKT_LINK_ETH, PKT_LINK_SLL, PKT_LINK_SLL2 };

struct pkt_conf {
	enum pkt_link link;
	int ipv6;          /* 1: IPv6, 0: IPv4 */
	uint16_t vlan;     /* 0: untagged; else the (inner) 802.1Q VLAN id */
	int qinq;          /* 1: add an outer 802.1ad tag (VLAN 100) */
};

struct pkt_addr {
	uint8_t ip[16];    /* IPv4 in the first 4 bytes */
	uint8_t mac[6];
	uint16_t port;
};

struct pkt_writer;

/* Opens path for writing a pcap with the link type conf implies (microsecond
 * timestamps, snaplen 65535). Returns NULL and prints why on failure. */
struct pkt_writer *pkt_writer_open(const struct pkt_conf *conf, const char *path);
/* Flushes and closes; returns 0, or -1 when a write failed. NULL-safe. */
int pkt_writer_close(struct pkt_writer *);

/* Writes one UDP datagram at ts_us (microseconds since the epoch) as one
 * frame, or as IP fragments of at most PKT_MTU when fragment is set and it
 * does not fit. ip_id is the IPv4 identification / IPv6 fragment id. All
 * fragments get the same timestamp plus 1 us each. Returns the number of
 * frames written, or -1 when len is too large. */
int pkt_udp(struct pkt_writer *, uint64_t ts_us, const struct pkt_addr *src,
            const struct pkt_addr *dst, uint32_t ip_id, const uint8_t *payload,
            size_t len, int fragment);

/* Counters: frames and bytes written so far. */
uint64_t pkt_frames(const struct pkt_writer *);
uint64_t pkt_bytes(const struct pkt_writer *);

#endif
