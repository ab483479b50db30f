/* decap.c - link layer, IPv4/IPv6 and UDP/TCP headers of a captured frame.
 * RFC 791 (IPv4), RFC 8200 (IPv6 and its extension headers), RFC 6946
 * (atomic fragments), RFC 768 (UDP), RFC 793/9293 (TCP), IEEE 802.1Q/802.1ad,
 * the Linux cooked headers (SLL, SLL2) and BSD loopback (DLT_NULL/DLT_LOOP).
 *
 * Every byte is read through common/rd.h. Each length field is checked
 * against what remains before it is used, and payloads are clamped to the
 * smaller of the declared and the captured length (a short snaplen keeps
 * what it has; Ethernet padding is cut off). Pure functions: no state, no
 * allocation, no logging; the caller counts the reason.
 */
#include <string.h>
#include <pcap/dlt.h>
#include "decap.h"
#include "rd.h"
#include "err.h"

#define ETH_P_IPV4     0x0800u
#define ETH_P_IPV6     0x86ddu
#define ETH_P_8021Q    0x8100u
#define ETH_P_8021AD   0x88a8u
#define ETH_P_QINQ_OLD 0x9100u
#define ETH_MIN_TYPE   0x0600u   /* below: an 802.3 length, not an ethertype */

#define PROTO_HOPOPTS  0u
#define PROTO_TCP      6u
#define PROTO_UDP      17u
#define PROTO_ROUTING  43u
#define PROTO_FRAGMENT 44u
#define PROTO_AH       51u
#define PROTO_DSTOPTS  60u
#define PROTO_MOBILITY 135u
#define PROTO_HIP      139u
#define PROTO_SHIM6    140u

/* DLT_RAW is 12 on Linux and 14 on some BSDs; files may carry either. */
#define DLT_RAW_12     12
#define DLT_RAW_14     14

/* Offset of the reader's position within the buffer the parse started on.
 * Both pointers are in the same buffer: the reader only ever advances. */
static uint32_t
off_in(const struct rd *r, const uint8_t *base)
{
	return (uint32_t)(r->p - base);
}

/* Fixed headers are fetched whole with rd_bytes() into a local array (one
 * bounds check and one call per header: this is the per-packet hot path)
 * and decoded from that copy, which is always fully initialised. */
static uint16_t
h16(const uint8_t *h, size_t i)
{
	return (uint16_t)((uint16_t)h[i] << 8 | h[i + 1]);
}

static uint32_t
h32(const uint8_t *h, size_t i)
{
	return (uint32_t)h[i] << 24 | (uint32_t)h[i + 1] << 16 | (uint32_t)h[i + 2] << 8 | h[i + 3];
}

static int
decap_tcp(struct rd *r, const uint8_t *base, struct decap_pkt *out)
{
	uint8_t h[20];
	size_t doff;
	int ret = DECAP_ERR(RING_REJ_TCP);

	if (rd_bytes(r, h, sizeof(h)))
		goto out;
	out->sport = h16(h, 0);
	out->dport = h16(h, 2);
	out->tcp_seq = h32(h, 4);
	doff = (size_t)(h[12] >> 4) * 4u;
	if (doff < 20)
		goto out;
	if (rd_skip(r, doff - 20))       /* options must have been captured */
		goto out;
	out->tcp_flags = h[13];
	out->l5 = r->p;
	out->l5_len = r->len;
	out->l5_off = off_in(r, base);
	ret = 0;
out:
	return ret;
}

/* r: the IP payload, already clamped to the declared and captured length;
 * declared: the IP header's idea of the payload size. */
static int
decap_udp(struct rd *r, const uint8_t *base, size_t declared, struct decap_pkt *out)
{
	uint8_t h[8];
	uint16_t ulen;
	size_t plen;
	int ret = DECAP_ERR(RING_REJ_UDP);

	if (rd_bytes(r, h, sizeof(h)))
		goto out;
	out->sport = h16(h, 0);
	out->dport = h16(h, 2);
	ulen = h16(h, 4);
	if (ulen == 0 && out->family == 6)
		plen = declared - 8;     /* jumbogram (RFC 2675): length from IP */
	else if (ulen < 8 || ulen > declared)
		goto out;                /* inconsistent with the IP header */
	else
		plen = (size_t)ulen - 8;
	rd_truncate(r, plen);            /* drops IP padding; keeps a short capture */
	out->l5 = r->p;
	out->l5_len = r->len;
	out->l5_off = off_in(r, base);
	ret = 0;
out:
	return ret;
}

static int
decap_transport(struct rd *r, const uint8_t *base, size_t declared, struct decap_pkt *out)
{
	int ret;

	out->ip_payload_len = (uint32_t)declared;
	if (out->proto == PROTO_UDP) {
		ret = decap_udp(r, base, declared, out);
	} else if (out->proto == PROTO_TCP) {
		ret = decap_tcp(r, base, out);
	} else {
		out->l5 = r->p;           /* ICMP, ESP, GRE, ...: not ours (yet) */
		out->l5_len = r->len;
		out->l5_off = off_in(r, base);
		ret = DECAP_ERR(RING_REJ_OTHER);
	}
	return ret;
}

static int
decap_ipv4(struct rd *pkt, const uint8_t *base, struct decap_pkt *out)
{
	struct rd r = *pkt;
	uint8_t h[20];
	uint16_t tot, id, fragw;
	size_t ihl, tot_len;
	int ret = DECAP_ERR(RING_REJ_IP);

	out->family = 4;
	out->l3 = r.p;
	out->l3_off = off_in(&r, base);
	if (rd_bytes(&r, h, sizeof(h)) || (h[0] >> 4) != 4)
		goto out;
	ihl = (size_t)(h[0] & 0x0f) * 4u;
	if (ihl < 20 || ihl > pkt->len)
		goto out;
	tot = h16(h, 2);
	id = h16(h, 4);
	fragw = h16(h, 6);
	memcpy(out->src, h + 12, 4);
	memcpy(out->dst, h + 16, 4);
	/* A total length of 0 is what TCP segmentation offload leaves in
	 * captures taken on the sending host: the captured size is the truth. */
	tot_len = tot ? tot : pkt->len;
	if (tot_len < ihl)
		goto out;
	if (rd_skip(&r, ihl - 20))        /* options */
		goto out;
	out->ip_tos = h[1];
	out->ttl = h[8];
	out->proto = h[9];
	out->l3_hlen = (uint16_t)ihl;
	out->l3_len = tot_len < pkt->len ? tot_len : pkt->len;
	rd_truncate(&r, tot_len - ihl);
	if ((fragw & 0x2000u) || (fragw & 0x1fffu)) {
		out->is_fragment = 1;
		out->frag_more = (fragw & 0x2000u) ? 1 : 0;
		out->frag_id = id;
		out->frag_off = (uint32_t)(fragw & 0x1fffu) * 8u;
		out->ip_payload_len = (uint32_t)(tot_len - ihl);
		out->l5 = r.p;
		out->l5_len = r.len;
		out->l5_off = off_in(&r, base);
		ret = 0;
		goto out;
	}
	ret = decap_transport(&r, base, tot_len - ihl, out);
out:
	return ret;
}

static bool
ipv6_is_ext(uint8_t nh)
{
	return nh == PROTO_HOPOPTS || nh == PROTO_ROUTING || nh == PROTO_DSTOPTS ||
	       nh == PROTO_MOBILITY || nh == PROTO_HIP || nh == PROTO_SHIM6 ||
	       nh == PROTO_AH || nh == PROTO_FRAGMENT;
}

static int
decap_ipv6(struct rd *pkt, const uint8_t *base, struct decap_pkt *out)
{
	struct rd r = *pkt;
	uint8_t h[40], fh[8];
	uint32_t vtf;
	uint16_t plen, offw;
	uint8_t nh, xnh = 0, xlen = 0;
	size_t declared, hlen, n;
	int ret = DECAP_ERR(RING_REJ_IP);

	out->family = 6;
	out->l3 = r.p;
	out->l3_off = off_in(&r, base);
	if (rd_bytes(&r, h, sizeof(h)))
		goto out;
	vtf = h32(h, 0);
	if ((vtf >> 28) != 6)
		goto out;
	plen = h16(h, 4);
	nh = h[6];
	memcpy(out->src, h + 8, 16);
	memcpy(out->dst, h + 24, 16);
	out->ip_tos = (uint8_t)(vtf >> 20);
	out->ttl = h[7];
	/* Payload length 0: a jumbogram or an offloaded capture; use what
	 * was captured. */
	declared = plen ? plen : r.len;
	rd_truncate(&r, declared);
	out->l3_len = 40 + r.len;
	for (n = 0; ipv6_is_ext(nh); n++) {
		if (n >= DECAP_V6_EXT_MAX)
			goto out;                /* chain too long */
		if (nh == PROTO_FRAGMENT) {
			if (rd_bytes(&r, fh, sizeof(fh)) || declared < 8)
				goto out;
			declared -= 8;
			nh = fh[0];
			offw = h16(fh, 2);
			if ((offw & 0xfff8u) == 0 && (offw & 1u) == 0)
				continue;        /* atomic fragment (RFC 6946) */
			out->is_fragment = 1;
			out->proto = nh;
			out->frag_more = offw & 1u;
			out->frag_id = h32(fh, 4);
			out->frag_off = offw & 0xfff8u;
			out->ip_payload_len = (uint32_t)declared;
			out->l3_hlen = (uint16_t)(off_in(&r, base) - out->l3_off);
			out->l5 = r.p;
			out->l5_len = r.len;
			out->l5_off = off_in(&r, base);
			ret = 0;
			goto out;
		}
		if (rd_peek_u8(&r, 0, &xnh) || rd_peek_u8(&r, 1, &xlen))
			goto out;
		hlen = nh == PROTO_AH ? ((size_t)xlen + 2) * 4u : ((size_t)xlen + 1) * 8u;
		if (hlen > declared || rd_skip(&r, hlen))
			goto out;
		declared -= hlen;
		nh = xnh;
	}
	out->proto = nh;
	out->l3_hlen = (uint16_t)(off_in(&r, base) - out->l3_off);
	ret = decap_transport(&r, base, declared, out);
out:
	return ret;
}

/* want: 4 or 6 when the link layer said which, 0 to go by the version. */
static int
decap_ip_rd(struct rd *r, const uint8_t *base, int want, struct decap_pkt *out)
{
	uint8_t b0 = 0;
	int ret = DECAP_ERR(RING_REJ_IP);

	if (rd_peek_u8(r, 0, &b0))
		goto out;
	if ((b0 >> 4) == 4 && want != 6)
		ret = decap_ipv4(r, base, out);
	else if ((b0 >> 4) == 6 && want != 4)
		ret = decap_ipv6(r, base, out);
out:
	return ret;
}

/* Follows an ethertype through VLAN tags to IPv4/IPv6. */
static int
decap_ethertype(struct rd *r, const uint8_t *base, uint16_t type, struct decap_pkt *out)
{
	uint16_t tci = 0;
	int ret = DECAP_ERR(RING_REJ_LINK);

	while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ_OLD) {
		if (out->n_vlan >= DECAP_VLAN_MAX || rd_be16(r, &tci) || rd_be16(r, &type))
			goto out;
		out->vlan = tci & 0x0fffu;
		out->n_vlan++;
	}
	if (type == ETH_P_IPV4)
		ret = decap_ip_rd(r, base, 4, out);
	else if (type == ETH_P_IPV6)
		ret = decap_ip_rd(r, base, 6, out);
	else
		ret = DECAP_ERR(RING_REJ_OTHER);   /* ARP, LLDP, 802.3 LLC, ... */
out:
	return ret;
}

/* DLT_NULL stores the address family in the capturing host's byte order,
 * DLT_LOOP in network order; files travel, so accept both. AF_INET6 differs
 * between systems: 10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin. */
static int
decap_null(struct rd *r, const uint8_t *base, struct decap_pkt *out)
{
	struct rd peek = *r;
	uint32_t le = 0, be = 0;
	int ret = DECAP_ERR(RING_REJ_LINK);

	if (rd_le32(&peek, &le) || rd_be32(r, &be))
		goto out;
	if (le == 2 || be == 2)
		ret = decap_ip_rd(r, base, 4, out);
	else if (le == 10 || le == 24 || le == 28 || le == 30 ||
	         be == 10 || be == 24 || be == 28 || be == 30)
		ret = decap_ip_rd(r, base, 6, out);
	else
		ret = DECAP_ERR(RING_REJ_OTHER);
out:
	return ret;
}

/* The common case on a SPAN port, straight-line: an untagged Ethernet frame
 * carrying IPv4 without options, not a fragment, UDP with a length that
 * agrees with the IP header. Fills out exactly as the general path would
 * (tests/unit/test_decap.c compares the two on mutated frames) and returns
 * 1; returns 0, touching nothing, for anything else. The general path then
 * decides, errors included. */
static int
decap_fast_udp4(const uint8_t *frame, size_t caplen, struct decap_pkt *out)
{
	const uint8_t *ip = frame + 14, *udp = frame + 34;
	size_t tot_len, cap, ulen;

	if (caplen < 42 || frame[12] != 0x08 || frame[13] != 0x00 || ip[0] != 0x45 ||
	    ip[9] != PROTO_UDP || (h16(ip, 6) & 0x3fffu) != 0)
		return 0;
	cap = caplen - 14;
	tot_len = h16(ip, 2);
	if (tot_len == 0)
		tot_len = cap;               /* offloaded capture: see decap_ipv4 */
	ulen = h16(udp, 4);
	if (tot_len < 28 || ulen < 8 || ulen > tot_len - 20)
		return 0;
	if (tot_len < cap)
		cap = tot_len;               /* l3_len: IP length, or what was captured */
	out->family = 4;
	out->proto = PROTO_UDP;
	memcpy(out->src, ip + 12, 4);
	memcpy(out->dst, ip + 16, 4);
	out->sport = h16(udp, 0);
	out->dport = h16(udp, 2);
	out->l3 = ip;
	out->l3_len = cap;
	out->l3_off = 14;
	out->l3_hlen = 20;
	out->ttl = ip[8];
	out->ip_tos = ip[1];
	out->ip_payload_len = (uint32_t)(tot_len - 20);
	out->l5 = frame + 42;
	out->l5_len = cap - 28 < ulen - 8 ? cap - 28 : ulen - 8;
	out->l5_off = 42;
	return 1;
}

int
decap_frame(int dlt, const uint8_t *frame, size_t caplen, struct decap_pkt *out)
{
	struct rd r = rd_make(frame, caplen);
	uint16_t type = 0;
	int ret = DECAP_ERR(RING_REJ_LINK);

	memset(out, 0, sizeof(*out));
	switch (dlt) {
	case DLT_EN10MB:
		if (decap_fast_udp4(frame, caplen, out)) {
			ret = 0;
			break;
		}
		if (rd_skip(&r, 12) || rd_be16(&r, &type))
			goto out;
		if (type < ETH_MIN_TYPE) {
			ret = DECAP_ERR(RING_REJ_OTHER);
			goto out;
		}
		ret = decap_ethertype(&r, frame, type, out);
		break;
	case DLT_LINUX_SLL:      /* type, arphrd, addr len, addr[8], protocol */
		if (rd_skip(&r, 14) || rd_be16(&r, &type))
			goto out;
		ret = decap_ethertype(&r, frame, type, out);
		break;
	case DLT_LINUX_SLL2:     /* protocol, reserved, ifindex, arphrd, type, addr len, addr[8] */
		if (rd_be16(&r, &type) || rd_skip(&r, 18))
			goto out;
		ret = decap_ethertype(&r, frame, type, out);
		break;
	case DLT_RAW_12:
	case DLT_RAW_14:
	case DECAP_LINKTYPE_RAW:
		ret = decap_ip_rd(&r, frame, 0, out);
		break;
	case DLT_IPV4:
		ret = decap_ip_rd(&r, frame, 4, out);
		break;
	case DLT_IPV6:
		ret = decap_ip_rd(&r, frame, 6, out);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		ret = decap_null(&r, frame, out);
		break;
	default:
		break;
	}
out:
	return ret;
}

int
decap_ip(const uint8_t *ip, size_t len, struct decap_pkt *out)
{
	struct rd r = rd_make(ip, len);

	memset(out, 0, sizeof(*out));
	return decap_ip_rd(&r, ip, 0, out);
}

enum ring_reject
decap_reason(int r)
{
	enum ring_reject k = RING_REJ_OTHER;

	if (r < 0 && r >= DECAP_ERR(RING_REJ_MAX_ - 1))
		k = (enum ring_reject)(-r - 1);
	return k;
}

int
decap_dlt_supported(int dlt)
{
	int ok = 0;

	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
	case DLT_RAW_12: case DLT_RAW_14: case DECAP_LINKTYPE_RAW:
	case DLT_IPV4: case DLT_IPV6: case DLT_NULL: case DLT_LOOP:
		ok = 1;
		break;
	default:
		break;
	}
	return ok;
}
