/* frames.h - builders for synthetic test frames: Ethernet/IPv4/UDP carrying
 * SIP, SDP, RTP, RTCP and RFC 4733 events; IPv4 fragments. Test code only. */
#ifndef TR_TEST_FRAMES_H
#define TR_TEST_FRAMES_H

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FR_MAX 4096

struct frame {
	uint8_t b[FR_MAX];
	uint32_t len;
};

static inline void fr_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void fr_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t fr_ipsum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 header with the given fragment word; returns the IP header. */
static inline uint8_t *fr_ip4(struct frame *f, const char *src, const char *dst,
                              uint16_t ip_payload, uint16_t id, uint16_t fragw)
{
	uint8_t *eth = f->b, *ip = f->b + 14;

	memset(eth, 0, 12);
	eth[0] = 0x02;
	eth[6] = 0x02;
	eth[11] = 1;
	fr_put16(eth + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	fr_put16(ip + 2, (uint16_t)(20 + ip_payload));
	fr_put16(ip + 4, id);
	fr_put16(ip + 6, fragw);
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	fr_put16(ip + 10, fr_ipsum(ip, 20));
	return ip;
}

/* A whole Ethernet/IPv4/UDP frame. */
static inline void fr_udp4(struct frame *f, const char *src, uint16_t sport, const char *dst,
                           uint16_t dport, const void *pl, size_t plen)
{
	uint8_t *udp;

	if (plen > FR_MAX - 42)
		plen = FR_MAX - 42;
	fr_ip4(f, src, dst, (uint16_t)(8 + plen), 0x1234, 0x4000);
	udp = f->b + 34;
	fr_put16(udp, sport);
	fr_put16(udp + 2, dport);
	fr_put16(udp + 4, (uint16_t)(8 + plen));
	fr_put16(udp + 6, 0);
	memcpy(udp + 8, pl, plen);
	f->len = (uint32_t)(42 + plen);
}

/* Splits a UDP datagram into two IPv4 fragments; the first carries
 * first_len bytes of UDP header + payload (a multiple of 8). */
static inline void fr_udp4_frag2(struct frame *f1, struct frame *f2, const char *src,
                                 uint16_t sport, const char *dst, uint16_t dport,
                                 const void *pl, size_t plen, size_t first_len, uint16_t id)
{
	uint8_t dg[FR_MAX];
	size_t n = 8 + plen;

	fr_put16(dg, sport);
	fr_put16(dg + 2, dport);
	fr_put16(dg + 4, (uint16_t)n);
	fr_put16(dg + 6, 0);
	memcpy(dg + 8, pl, plen);
	fr_ip4(f1, src, dst, (uint16_t)first_len, id, 0x2000);
	memcpy(f1->b + 34, dg, first_len);
	f1->len = (uint32_t)(34 + first_len);
	fr_ip4(f2, src, dst, (uint16_t)(n - first_len), id, (uint16_t)(first_len / 8));
	memcpy(f2->b + 34, dg + first_len, n - first_len);
	f2->len = (uint32_t)(34 + n - first_len);
}

/* RTP packet: 12-byte header and plen payload bytes of value fill. */
static inline size_t fr_rtp(uint8_t *out, uint8_t pt, int marker, uint16_t seq, uint32_t ts,
                            uint32_t ssrc, size_t plen, uint8_t fill)
{
	out[0] = 0x80;
	out[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	fr_put16(out + 2, seq);
	fr_put32(out + 4, ts);
	fr_put32(out + 8, ssrc);
	memset(out + 12, fill, plen);
	return 12 + plen;
}

/* RTCP sender report without report blocks (28 bytes). */
static inline size_t fr_rtcp_sr(uint8_t *out, uint32_t ssrc)
{
	memset(out, 0, 28);
	out[0] = 0x80;
	out[1] = 200;
	fr_put16(out + 2, 6);
	fr_put32(out + 4, ssrc);
	return 28;
}

/* RFC 4733 event payload. */
static inline size_t fr_rtp_event(uint8_t *out, uint8_t pt, uint16_t seq, uint32_t ts,
                                  uint32_t ssrc, uint8_t event, int end, uint16_t dur)
{
	size_t n = fr_rtp(out, pt, 0, seq, ts, ssrc, 0, 0);

	out[n] = event;
	out[n + 1] = (uint8_t)((end ? 0x80 : 0) | 10);
	fr_put16(out + n + 2, dur);
	return n + 4;
}

/* A SIP message: start line, then headers (each "Name: value\r\n" text
 * given in hdrs), then Content-Length and body. */
static inline size_t fr_sip(char *out, size_t cap, const char *start, const char *hdrs,
                            const char *body)
{
	size_t blen = body ? strlen(body) : 0;
	int n;

	n = snprintf(out, cap, "%s\r\n%s%sContent-Length: %zu\r\n\r\n%s", start, hdrs,
	             blen ? "Content-Type: application/sdp\r\n" : "", blen, body ? body : "");
	return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* A minimal audio SDP offering PCMU, PCMA and telephone-event/101. */
static inline void fr_sdp(char *out, size_t cap, const char *ip, uint16_t port, const char *extra)
{
	snprintf(out, cap,
	         "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
	         "m=audio %u RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
	         "a=fmtp:101 0-15\r\n%s",
	         ip, ip, port, extra ? extra : "");
}

#endif
