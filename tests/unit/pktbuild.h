/* pktbuild.h - builds test frames byte by byte (network order), for the
 * packet-layer unit tests. Header-only: static functions, used or not. */
#ifndef TR_TEST_PKTBUILD_H
#define TR_TEST_PKTBUILD_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

struct pb { uint8_t b[70000]; size_t n; };

static inline void pb_u8(struct pb *p, uint8_t v) { p->b[p->n++] = v; }
static inline void pb_u16(struct pb *p, uint16_t v) { pb_u8(p, (uint8_t)(v >> 8)); pb_u8(p, (uint8_t)v); }
static inline void pb_u32(struct pb *p, uint32_t v) { pb_u16(p, (uint16_t)(v >> 16)); pb_u16(p, (uint16_t)v); }
static inline void pb_le32(struct pb *p, uint32_t v)
{ pb_u8(p, (uint8_t)v); pb_u8(p, (uint8_t)(v >> 8)); pb_u8(p, (uint8_t)(v >> 16)); pb_u8(p, (uint8_t)(v >> 24)); }
static inline void pb_mem(struct pb *p, const void *m, size_t n) { memcpy(p->b + p->n, m, n); p->n += n; }
static inline void pb_fill(struct pb *p, uint8_t v, size_t n) { memset(p->b + p->n, v, n); p->n += n; }

/* Ethernet header with an optional stack of VLAN tags (tpid, vid pairs). */
static inline void
pb_eth(struct pb *p, uint16_t type, const uint16_t *tags, size_t ntags)
{
	static const uint8_t mac[12] = { 0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10 };
	size_t i;
	pb_mem(p, mac, 12);
	for (i = 0; i < ntags; i++) {
		pb_u16(p, tags[2 * i]);
		pb_u16(p, tags[2 * i + 1]);
	}
	pb_u16(p, type);
}

static inline uint16_t
pb_csum(const uint8_t *b, size_t n)
{
	uint32_t s = 0;
	size_t i;
	for (i = 0; i + 1 < n; i += 2) s += (uint32_t)b[i] << 8 | b[i + 1];
	while (s >> 16) s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* IPv4 header; optlen bytes of NOP options (multiple of 4). tot is the
 * total-length field. fragw = flags|offset/8. */
static inline void
pb_ipv4(struct pb *p, uint8_t proto, uint32_t src, uint32_t dst, uint16_t tot,
        uint16_t id, uint16_t fragw, size_t optlen)
{
	size_t start = p->n;
	uint16_t sum;
	pb_u8(p, (uint8_t)(0x40 | ((20 + optlen) / 4)));
	pb_u8(p, 0xb8);
	pb_u16(p, tot);
	pb_u16(p, id);
	pb_u16(p, fragw);
	pb_u8(p, 64);
	pb_u8(p, proto);
	pb_u16(p, 0);
	pb_u32(p, src);
	pb_u32(p, dst);
	pb_fill(p, 1, optlen);
	sum = pb_csum(p->b + start, 20 + optlen);
	p->b[start + 10] = (uint8_t)(sum >> 8);
	p->b[start + 11] = (uint8_t)sum;
}

static inline void
pb_ipv6(struct pb *p, uint8_t nh, uint16_t plen, const uint8_t *src, const uint8_t *dst)
{
	pb_u32(p, 0x60000000u | 0xb8u << 20 | 0x12345u);
	pb_u16(p, plen);
	pb_u8(p, nh);
	pb_u8(p, 63);
	pb_mem(p, src, 16);
	pb_mem(p, dst, 16);
}

static inline void
pb_udp(struct pb *p, uint16_t sport, uint16_t dport, uint16_t ulen)
{
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u16(p, ulen);
	pb_u16(p, 0);
}

static inline void
pb_payload(struct pb *p, size_t n, uint8_t seed)
{
	size_t i;
	for (i = 0; i < n; i++) pb_u8(p, (uint8_t)(seed + i * 7));
}

#define PB_V6A ((const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })
#define PB_V6B ((const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 })

#endif
