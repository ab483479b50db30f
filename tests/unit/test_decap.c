/* test_decap.c - link layers, VLAN stacks, IPv4/IPv6 headers and extension
 * chains, fragments, UDP/TCP, clamping, and every truncation of valid frames. */
#include <stdlib.h>
#include <pcap/dlt.h>
#include "err.h"
#include "decap.h"
#include "pktbuild.h"
#include "test.h"

#define SRC4 0x0a000001u
#define DST4 0xc0a80102u

static uint8_t *last_copy;

/* Decapsulates the first n bytes of p from an exact-size heap copy, so a
 * sanitizer build catches any read past caplen. The copy lives until the
 * next call. */
static int
dec(int dlt, const struct pb *p, size_t n, struct decap_pkt *o)
{
	free(last_copy);
	last_copy = malloc(n ? n : 1);
	memcpy(last_copy, p->b, n);
	return decap_frame(dlt, last_copy, n, o);
}

static struct pb *
eth_udp4(const uint16_t *tags, size_t ntags, size_t payload)
{
	static struct pb p;
	p.n = 0;
	pb_eth(&p, 0x0800, tags, ntags);
	pb_ipv4(&p, 17, SRC4, DST4, (uint16_t)(20 + 8 + payload), 0x1234, 0x4000, 0);
	pb_udp(&p, 5060, 5062, (uint16_t)(8 + payload));
	pb_payload(&p, payload, 3);
	return &p;
}

static void
check_udp4(const struct decap_pkt *o, size_t l5off, size_t payload)
{
	const uint8_t s[4] = { 10, 0, 0, 1 }, d[4] = { 192, 168, 1, 2 };
	ASSERT_INT_EQ(o->family, 4);
	ASSERT_INT_EQ(o->proto, 17);
	ASSERT_INT_EQ(o->is_fragment, 0);
	ASSERT_MEM_EQ(o->src, s, 4);
	ASSERT_MEM_EQ(o->dst, d, 4);
	ASSERT_INT_EQ(o->src[4], 0);
	ASSERT_INT_EQ(o->sport, 5060);
	ASSERT_INT_EQ(o->dport, 5062);
	ASSERT_INT_EQ(o->l5_off, l5off);
	ASSERT_INT_EQ(o->l5_len, payload);
	ASSERT_INT_EQ(o->l3_off, l5off - 28);
	ASSERT_INT_EQ(o->l3_hlen, 20);
	ASSERT_INT_EQ(o->ttl, 64);
	ASSERT_INT_EQ(o->ip_tos, 0xb8);
	ASSERT_TRUE(o->l5 == last_copy + l5off);
	if (payload)
		ASSERT_INT_EQ(o->l5[0], 3);
}

static void
test_ethernet(void)
{
	struct decap_pkt o;
	struct pb *p;

	TEST_START("ethernet ipv4 udp");
	p = eth_udp4(NULL, 0, 100);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, p->n, &o), 0);
	check_udp4(&o, 42, 100);
	ASSERT_INT_EQ(o.l3_len, 128);
	ASSERT_INT_EQ(o.n_vlan, 0);
	TEST_DONE();

	TEST_START("ethernet padding is cut off");
	p = eth_udp4(NULL, 0, 2);            /* 44 bytes, padded to 60 */
	pb_fill(p, 0xee, 16);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, p->n, &o), 0);
	check_udp4(&o, 42, 2);
	ASSERT_INT_EQ(o.l3_len, 30);
	TEST_DONE();

	TEST_START("snaplen-truncated frame keeps what was captured");
	p = eth_udp4(NULL, 0, 1000);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, 42 + 200, &o), 0);
	check_udp4(&o, 42, 200);
	ASSERT_INT_EQ(o.ip_payload_len, 1008);
	TEST_DONE();

	TEST_START("short ethernet header");
	p = eth_udp4(NULL, 0, 10);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, 13, &o), DECAP_ERR(RING_REJ_LINK));
	ASSERT_INT_EQ(decap_reason(dec(DLT_EN10MB, p, 13, &o)), RING_REJ_LINK);
	TEST_DONE();

	TEST_START("ARP and 802.3 frames are not ours");
	p = eth_udp4(NULL, 0, 10);
	p->b[12] = 0x08; p->b[13] = 0x06;
	ASSERT_INT_EQ(decap_reason(dec(DLT_EN10MB, p, p->n, &o)), RING_REJ_OTHER);
	p->b[12] = 0x00; p->b[13] = 0x40;
	ASSERT_INT_EQ(decap_reason(dec(DLT_EN10MB, p, p->n, &o)), RING_REJ_OTHER);
	TEST_DONE();

	TEST_START("ethertype ipv6 carrying ipv4 is a bad ip header");
	p = eth_udp4(NULL, 0, 10);
	p->b[12] = 0x86; p->b[13] = 0xdd;
	ASSERT_INT_EQ(decap_reason(dec(DLT_EN10MB, p, p->n, &o)), RING_REJ_IP);
	TEST_DONE();
}

static void
test_vlan(void)
{
	const uint16_t one[] = { 0x8100, 0x2064 };
	const uint16_t qinq[] = { 0x88a8, 0x00c8, 0x8100, 0x0065 };
	const uint16_t old[] = { 0x9100, 7, 0x9100, 8, 0x8100, 9 };
	const uint16_t deep[] = { 0x8100, 1, 0x8100, 2, 0x8100, 3, 0x8100, 4, 0x8100, 5 };
	struct decap_pkt o;
	struct pb *p;

	TEST_START("802.1Q");
	p = eth_udp4(one, 1, 20);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, p->n, &o), 0);
	check_udp4(&o, 46, 20);
	ASSERT_INT_EQ(o.vlan, 100);
	ASSERT_INT_EQ(o.n_vlan, 1);
	TEST_DONE();

	TEST_START("QinQ 0x88a8 + 0x8100");
	p = eth_udp4(qinq, 2, 20);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, p->n, &o), 0);
	check_udp4(&o, 50, 20);
	ASSERT_INT_EQ(o.vlan, 101);
	ASSERT_INT_EQ(o.n_vlan, 2);
	TEST_DONE();

	TEST_START("0x9100 stack of three");
	p = eth_udp4(old, 3, 20);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, p->n, &o), 0);
	check_udp4(&o, 54, 20);
	ASSERT_INT_EQ(o.vlan, 9);
	ASSERT_INT_EQ(o.n_vlan, 3);
	TEST_DONE();

	TEST_START("VLAN stack deeper than the limit");
	p = eth_udp4(deep, 5, 20);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, p->n, &o), DECAP_ERR(RING_REJ_LINK));
	p = eth_udp4(deep, 4, 20);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, p->n, &o), 0);
	TEST_DONE();

	TEST_START("truncated inside a VLAN tag");
	p = eth_udp4(qinq, 2, 20);
	ASSERT_INT_EQ(dec(DLT_EN10MB, p, 17, &o), DECAP_ERR(RING_REJ_LINK));
	TEST_DONE();
}

static struct pb *
ip_udp4(size_t payload)
{
	static struct pb p;
	p.n = 0;
	pb_ipv4(&p, 17, SRC4, DST4, (uint16_t)(28 + payload), 1, 0, 0);
	pb_udp(&p, 5060, 5062, (uint16_t)(8 + payload));
	pb_payload(&p, payload, 3);
	return &p;
}

static void
test_cooked_raw_null(void)
{
	static struct pb p;
	struct pb *ip = ip_udp4(40);
	struct decap_pkt o;

	TEST_START("linux SLL");
	p.n = 0;
	pb_u16(&p, 0); pb_u16(&p, 1); pb_u16(&p, 6); pb_fill(&p, 0xaa, 8); pb_u16(&p, 0x0800);
	pb_mem(&p, ip->b, ip->n);
	ASSERT_INT_EQ(dec(DLT_LINUX_SLL, &p, p.n, &o), 0);
	check_udp4(&o, 16 + 28, 40);
	ASSERT_INT_EQ(dec(DLT_LINUX_SLL, &p, 15, &o), DECAP_ERR(RING_REJ_LINK));
	TEST_DONE();

	TEST_START("linux SLL with a VLAN tag left in");
	p.n = 0;
	pb_u16(&p, 0); pb_u16(&p, 1); pb_u16(&p, 6); pb_fill(&p, 0xaa, 8); pb_u16(&p, 0x8100);
	pb_u16(&p, 42); pb_u16(&p, 0x0800);
	pb_mem(&p, ip->b, ip->n);
	ASSERT_INT_EQ(dec(DLT_LINUX_SLL, &p, p.n, &o), 0);
	check_udp4(&o, 20 + 28, 40);
	ASSERT_INT_EQ(o.vlan, 42);
	TEST_DONE();

	TEST_START("linux SLL2");
	p.n = 0;
	pb_u16(&p, 0x0800); pb_u16(&p, 0); pb_u32(&p, 3); pb_u16(&p, 1); pb_u8(&p, 0);
	pb_u8(&p, 6); pb_fill(&p, 0xbb, 8);
	pb_mem(&p, ip->b, ip->n);
	ASSERT_INT_EQ(dec(DLT_LINUX_SLL2, &p, p.n, &o), 0);
	check_udp4(&o, 20 + 28, 40);
	ASSERT_INT_EQ(dec(DLT_LINUX_SLL2, &p, 19, &o), DECAP_ERR(RING_REJ_LINK));
	TEST_DONE();

	TEST_START("raw ip: DLT_RAW, LINKTYPE_RAW, DLT_IPV4, DLT_IPV6");
	ASSERT_INT_EQ(dec(DLT_RAW, ip, ip->n, &o), 0);
	check_udp4(&o, 28, 40);
	ASSERT_INT_EQ(dec(DECAP_LINKTYPE_RAW, ip, ip->n, &o), 0);
	check_udp4(&o, 28, 40);
	ASSERT_INT_EQ(dec(14, ip, ip->n, &o), 0);
	ASSERT_INT_EQ(dec(DLT_IPV4, ip, ip->n, &o), 0);
	check_udp4(&o, 28, 40);
	ASSERT_INT_EQ(dec(DLT_IPV6, ip, ip->n, &o), DECAP_ERR(RING_REJ_IP));
	ASSERT_INT_EQ(dec(DLT_RAW, ip, 0, &o), DECAP_ERR(RING_REJ_IP));
	TEST_DONE();

	TEST_START("DLT_NULL and DLT_LOOP, both byte orders");
	p.n = 0;
	pb_le32(&p, 2);
	pb_mem(&p, ip->b, ip->n);
	ASSERT_INT_EQ(dec(DLT_NULL, &p, p.n, &o), 0);
	check_udp4(&o, 4 + 28, 40);
	p.n = 0;
	pb_u32(&p, 2);
	pb_mem(&p, ip->b, ip->n);
	ASSERT_INT_EQ(dec(DLT_NULL, &p, p.n, &o), 0);
	ASSERT_INT_EQ(dec(DLT_LOOP, &p, p.n, &o), 0);
	check_udp4(&o, 4 + 28, 40);
	p.b[3] = 7;                          /* unknown family */
	ASSERT_INT_EQ(dec(DLT_LOOP, &p, p.n, &o), DECAP_ERR(RING_REJ_OTHER));
	ASSERT_INT_EQ(dec(DLT_LOOP, &p, 3, &o), DECAP_ERR(RING_REJ_LINK));
	TEST_DONE();

	TEST_START("DLT_NULL ipv6 with BSD and Darwin family values");
	{
		static const uint32_t afs[] = { 10, 24, 28, 30 };
		size_t i;
		for (i = 0; i < 4; i++) {
			p.n = 0;
			if (i & 1) pb_u32(&p, afs[i]); else pb_le32(&p, afs[i]);
			pb_ipv6(&p, 17, 16, PB_V6A, PB_V6B);
			pb_udp(&p, 1000, 2000, 16);
			pb_payload(&p, 8, 0);
			ASSERT_INT_EQ(dec(DLT_NULL, &p, p.n, &o), 0);
			ASSERT_INT_EQ(o.family, 6);
			ASSERT_INT_EQ(o.l5_len, 8);
		}
	}
	TEST_DONE();

	TEST_START("unsupported link type");
	ASSERT_INT_EQ(dec(105, ip, ip->n, &o), DECAP_ERR(RING_REJ_LINK));
	ASSERT_INT_EQ(decap_dlt_supported(105), 0);
	ASSERT_INT_EQ(decap_dlt_supported(DLT_EN10MB), 1);
	ASSERT_INT_EQ(decap_dlt_supported(DLT_LINUX_SLL2), 1);
	ASSERT_INT_EQ(decap_dlt_supported(DECAP_LINKTYPE_RAW), 1);
	ASSERT_INT_EQ(decap_dlt_supported(DLT_NULL), 1);
	ASSERT_INT_EQ(decap_dlt_supported(DLT_LOOP), 1);
	ASSERT_INT_EQ(decap_dlt_supported(DLT_IPV6), 1);
	TEST_DONE();
}

static void
test_ipv4(void)
{
	static struct pb p;
	struct decap_pkt o;

	TEST_START("ipv4 options");
	p.n = 0;
	pb_ipv4(&p, 17, SRC4, DST4, 36 + 8 + 10, 1, 0, 4 * 4);
	pb_udp(&p, 5060, 5062, 18);
	pb_payload(&p, 10, 3);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.l3_hlen, 36);
	ASSERT_INT_EQ(o.l5_off, 44);
	ASSERT_INT_EQ(o.l5_len, 10);
	ASSERT_INT_EQ(o.sport, 5060);
	TEST_DONE();

	TEST_START("ipv4 bad IHL, version, total length");
	p.n = 0;
	pb_ipv4(&p, 17, SRC4, DST4, 38, 1, 0, 0);
	pb_udp(&p, 1, 2, 18);
	pb_payload(&p, 10, 0);
	p.b[0] = 0x44;                       /* IHL 16 bytes */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_IP));
	p.b[0] = 0x4f;                       /* IHL 60 > 38 captured */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_IP));
	p.b[0] = 0x45;
	ASSERT_INT_EQ(dec(DLT_IPV4, &p, 19, &o), DECAP_ERR(RING_REJ_IP));
	p.b[2] = 0; p.b[3] = 19;             /* total length < IHL */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_IP));
	p.b[3] = 0;                          /* 0: offloaded, use the capture */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.l5_len, 10);
	p.b[0] = 0x55;
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_IP));
	TEST_DONE();

	TEST_START("ipv4 fragments");
	p.n = 0;
	pb_ipv4(&p, 17, SRC4, DST4, 20 + 16, 0xbeef, 0x2000, 0);  /* MF, offset 0 */
	pb_udp(&p, 5060, 5060, 3000);
	pb_payload(&p, 8, 0);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.is_fragment, 1);
	ASSERT_INT_EQ(o.frag_more, 1);
	ASSERT_INT_EQ(o.frag_off, 0);
	ASSERT_INT_EQ(o.frag_id, 0xbeef);
	ASSERT_INT_EQ(o.proto, 17);
	ASSERT_INT_EQ(o.l5_off, 20);
	ASSERT_INT_EQ(o.l5_len, 16);
	ASSERT_INT_EQ(o.ip_payload_len, 16);
	ASSERT_INT_EQ(o.sport, 0);
	p.b[6] = 0x00; p.b[7] = 0xb9;        /* last fragment at 185*8 */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.is_fragment, 1);
	ASSERT_INT_EQ(o.frag_more, 0);
	ASSERT_INT_EQ(o.frag_off, 1480);
	p.b[6] = 0x40; p.b[7] = 0x00;        /* DF only: not a fragment; UDP len bad */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_UDP));
	TEST_DONE();

	TEST_START("ipv4 ICMP is not ours but is described");
	p.n = 0;
	pb_ipv4(&p, 1, SRC4, DST4, 28, 1, 0, 0);
	pb_payload(&p, 8, 0);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_OTHER));
	ASSERT_INT_EQ(o.family, 4);
	ASSERT_INT_EQ(o.proto, 1);
	ASSERT_INT_EQ(o.l5_len, 8);
	TEST_DONE();
}

static void
test_udp_tcp(void)
{
	static struct pb p;
	struct decap_pkt o;

	TEST_START("udp length checks");
	p.n = 0;
	pb_ipv4(&p, 17, SRC4, DST4, 20 + 8 + 20, 1, 0, 0);
	pb_udp(&p, 1, 2, 7);
	pb_payload(&p, 20, 0);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_UDP));
	p.b[24] = 0; p.b[25] = 29;           /* longer than the IP payload */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_UDP));
	p.b[25] = 18;                        /* shorter: clamp */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.l5_len, 10);
	p.b[25] = 28;
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.l5_len, 20);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, 27, &o), DECAP_ERR(RING_REJ_UDP));
	ASSERT_INT_EQ(decap_reason(DECAP_ERR(RING_REJ_UDP)), RING_REJ_UDP);
	TEST_DONE();

	TEST_START("tcp header, options, flags, sequence");
	p.n = 0;
	pb_ipv4(&p, 6, SRC4, DST4, 20 + 32 + 5, 1, 0, 0);
	pb_u16(&p, 5060); pb_u16(&p, 40000); pb_u32(&p, 0xdeadbeef); pb_u32(&p, 7);
	pb_u8(&p, 8 << 4); pb_u8(&p, 0x18); pb_u16(&p, 512); pb_u16(&p, 0); pb_u16(&p, 0);
	pb_fill(&p, 1, 12);
	pb_mem(&p, "INVIT", 5);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.proto, 6);
	ASSERT_INT_EQ(o.sport, 5060);
	ASSERT_INT_EQ(o.dport, 40000);
	ASSERT_U64_EQ(o.tcp_seq, 0xdeadbeefu);
	ASSERT_INT_EQ(o.tcp_flags, 0x18);
	ASSERT_INT_EQ(o.l5_off, 52);
	ASSERT_INT_EQ(o.l5_len, 5);
	ASSERT_MEM_EQ(o.l5, "INVIT", 5);
	p.b[32] = 4 << 4;                    /* data offset below 5 */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_TCP));
	p.b[32] = 15 << 4;                   /* options beyond the packet */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_TCP));
	ASSERT_INT_EQ(decap_reason(DECAP_ERR(RING_REJ_TCP)), RING_REJ_TCP);
	TEST_DONE();
}

static void
test_ipv6(void)
{
	static struct pb p;
	struct decap_pkt o;

	TEST_START("ipv6 udp");
	p.n = 0;
	pb_ipv6(&p, 17, 8 + 30, PB_V6A, PB_V6B);
	pb_udp(&p, 5060, 5080, 38);
	pb_payload(&p, 30, 9);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.family, 6);
	ASSERT_MEM_EQ(o.src, PB_V6A, 16);
	ASSERT_MEM_EQ(o.dst, PB_V6B, 16);
	ASSERT_INT_EQ(o.dport, 5080);
	ASSERT_INT_EQ(o.l5_off, 48);
	ASSERT_INT_EQ(o.l5_len, 30);
	ASSERT_INT_EQ(o.l3_hlen, 40);
	ASSERT_INT_EQ(o.ttl, 63);
	ASSERT_INT_EQ(o.ip_tos, 0xb8);
	TEST_DONE();

	TEST_START("ipv6 hop-by-hop, routing, destination options");
	p.n = 0;
	pb_ipv6(&p, 0, 8 + 24 + 16 + 8 + 4, PB_V6A, PB_V6B);
	pb_u8(&p, 43); pb_u8(&p, 0); pb_fill(&p, 0, 6);          /* HBH, 8 bytes */
	pb_u8(&p, 60); pb_u8(&p, 2); pb_fill(&p, 0, 22);         /* routing, 24 */
	pb_u8(&p, 17); pb_u8(&p, 1); pb_fill(&p, 1, 14);         /* dstopts, 16 */
	pb_udp(&p, 1, 2, 12);
	pb_payload(&p, 4, 0);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.proto, 17);
	ASSERT_INT_EQ(o.l3_hlen, 88);
	ASSERT_INT_EQ(o.l5_off, 96);
	ASSERT_INT_EQ(o.l5_len, 4);
	p.b[49] = 200;                       /* routing header longer than the packet */
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_IP));
	TEST_DONE();

	TEST_START("ipv6 extension chain longer than the limit");
	{
		size_t i;
		p.n = 0;
		pb_ipv6(&p, 60, (uint16_t)(8 * (DECAP_V6_EXT_MAX + 1) + 8), PB_V6A, PB_V6B);
		for (i = 0; i < DECAP_V6_EXT_MAX + 1; i++) {
			pb_u8(&p, i == DECAP_V6_EXT_MAX ? 17 : 60);
			pb_u8(&p, 0); pb_fill(&p, 1, 6);
		}
		pb_udp(&p, 1, 2, 8);
		ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_IP));
		p.b[6] = 17; p.b[4] = 0; p.b[5] = 8;    /* no chain: UDP right after */
		memcpy(p.b + 40, "\0\1\0\2\0\10\0\0", 8);
		ASSERT_INT_EQ(dec(DLT_RAW, &p, 48, &o), 0);
		ASSERT_INT_EQ(o.dport, 2);
	}
	TEST_DONE();

	TEST_START("ipv6 fragment header");
	p.n = 0;
	pb_ipv6(&p, 44, 8 + 24, PB_V6A, PB_V6B);
	pb_u8(&p, 17); pb_u8(&p, 0); pb_u16(&p, (uint16_t)(1232 | 1)); pb_u32(&p, 0xcafef00d);
	pb_payload(&p, 24, 0);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.is_fragment, 1);
	ASSERT_INT_EQ(o.proto, 17);
	ASSERT_INT_EQ(o.frag_more, 1);
	ASSERT_INT_EQ(o.frag_off, 1232);
	ASSERT_U64_EQ(o.frag_id, 0xcafef00du);
	ASSERT_INT_EQ(o.l3_hlen, 48);
	ASSERT_INT_EQ(o.l5_off, 48);
	ASSERT_INT_EQ(o.l5_len, 24);
	ASSERT_INT_EQ(o.ip_payload_len, 24);
	TEST_DONE();

	TEST_START("ipv6 atomic fragment is parsed through");
	p.n = 0;
	pb_ipv6(&p, 44, 8 + 8 + 3, PB_V6A, PB_V6B);
	pb_u8(&p, 17); pb_u8(&p, 0); pb_u16(&p, 0); pb_u32(&p, 1);
	pb_udp(&p, 7, 8, 11);
	pb_payload(&p, 3, 0);
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), 0);
	ASSERT_INT_EQ(o.is_fragment, 0);
	ASSERT_INT_EQ(o.sport, 7);
	ASSERT_INT_EQ(o.l5_len, 3);
	TEST_DONE();

	TEST_START("ipv6 short header, bad version, no next header");
	ASSERT_INT_EQ(dec(DLT_RAW, &p, 39, &o), DECAP_ERR(RING_REJ_IP));
	p.b[0] = 0x70;
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_IP));
	p.b[0] = 0x60;
	p.b[6] = 59;
	ASSERT_INT_EQ(dec(DLT_RAW, &p, p.n, &o), DECAP_ERR(RING_REJ_OTHER));
	TEST_DONE();
}

static void
test_decap_ip(void)
{
	struct pb *ip = ip_udp4(12);
	struct decap_pkt o;

	TEST_START("decap_ip");
	ASSERT_INT_EQ(decap_ip(ip->b, ip->n, &o), 0);
	ASSERT_INT_EQ(o.l3_off, 0);
	ASSERT_INT_EQ(o.l5_off, 28);
	ASSERT_INT_EQ(o.l5_len, 12);
	ASSERT_TRUE(o.l5 == ip->b + 28);
	ASSERT_INT_EQ(decap_ip(ip->b, 0, &o), DECAP_ERR(RING_REJ_IP));
	TEST_DONE();

	TEST_START("decap_reason of non-decap values");
	ASSERT_INT_EQ(decap_reason(0), RING_REJ_OTHER);
	ASSERT_INT_EQ(decap_reason(-1000), RING_REJ_OTHER);
	ASSERT_INT_EQ(decap_reason(DECAP_ERR(RING_REJ_LINK)), RING_REJ_LINK);
	ASSERT_INT_EQ(decap_reason(DECAP_ERR(RING_REJ_IP)), RING_REJ_IP);
	TEST_DONE();
}

/* Every prefix of several valid frames decodes or fails cleanly, and a
 * success never points outside the prefix. */
static void
test_truncations(void)
{
	static const uint16_t qinq[] = { 0x88a8, 200, 0x8100, 101 };
	static struct pb v6;
	struct pb *frames[3];
	int dlts[3] = { DLT_EN10MB, DLT_EN10MB, DLT_RAW };
	struct decap_pkt o;
	size_t f, n;
	int r;

	TEST_START("every truncation");
	v6.n = 0;
	pb_ipv6(&v6, 0, 8 + 8 + 10, PB_V6A, PB_V6B);
	pb_u8(&v6, 17); pb_u8(&v6, 0); pb_fill(&v6, 0, 6);
	pb_udp(&v6, 1, 2, 18);
	pb_payload(&v6, 10, 0);
	frames[2] = &v6;
	for (f = 0; f < 3; f++) {
		static struct pb copy;
		if (f < 2) {
			struct pb *e = eth_udp4(f ? qinq : NULL, f ? 2 : 0, 30);
			memcpy(&copy, e, sizeof(copy));
			frames[f] = &copy;
		}
		for (n = 0; n <= frames[f]->n; n++) {
			r = dec(dlts[f], frames[f], n, &o);
			if (r == 0) {
				ASSERT_TRUE(o.l5_off + o.l5_len <= n);
				ASSERT_TRUE(o.l3_off + o.l3_len <= n);
			} else {
				ASSERT_TRUE(r < 0);
			}
		}
		ASSERT_INT_EQ(r, 0);
	}
	TEST_DONE();
}

/* The straight-line path for untagged Ethernet + IPv4 + UDP must give
 * exactly what the general path gives (decap_ip never takes it): mutated
 * header bytes and lengths, compared field by field. */
static void
test_fast_path_same(void)
{
	struct pb *base = eth_udp4(NULL, 0, 40);
	uint8_t f[128];
	struct decap_pkt a, b;
	uint32_t seed = 12345, i, k, fast = 0;
	size_t n;
	int ra, rb;

	TEST_START("fast path equals general path");
	ASSERT_TRUE(base->n <= sizeof(f));
	for (i = 0; i < 200000; i++) {
		memcpy(f, base->b, base->n);
		n = base->n;
		for (k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			/* ethertype, IP header, UDP header, or the length */
			switch ((seed >> 16) % 5) {
			case 0: f[14 + (seed >> 8) % 20] = (uint8_t)(seed >> 3); break;
			case 1: f[16 + (seed >> 9) % 2] = (uint8_t)(seed >> 4); break;  /* total length */
			case 2: f[38 + (seed >> 9) % 2] = (uint8_t)(seed >> 4); break;  /* UDP length */
			case 3: f[20 + (seed >> 9) % 2] = (uint8_t)(seed >> 4); break;  /* flags, offset */
			default: n = (seed >> 8) % (base->n + 1); break;
			}
		}
		f[12] = 0x08;
		f[13] = 0x00;
		ra = decap_frame(DLT_EN10MB, f, n, &a);
		rb = n >= 14 ? decap_ip(f + 14, n - 14, &b) : DECAP_ERR(RING_REJ_LINK);
		ASSERT_INT_EQ(ra, rb);
		if (ra != 0)
			continue;
		b.l3_off += 14;
		b.l5_off += 14;
		ASSERT_INT_EQ(memcmp(&a, &b, sizeof(a)), 0);
		if (a.proto == 17 && !a.is_fragment && f[14] == 0x45)
			fast++;
	}
	ASSERT_TRUE(fast > 10000);
	TEST_DONE();
}

int
main(void)
{
	test_ethernet();
	test_vlan();
	test_cooked_raw_null();
	test_ipv4();
	test_udp_tcp();
	test_ipv6();
	test_decap_ip();
	test_truncations();
	test_fast_path_same();
	free(last_copy);
	return TEST_EXIT();
}
