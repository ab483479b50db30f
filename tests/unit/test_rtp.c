/* test_rtp.c - RTP header parsing (CSRC, extension, padding), rtcp-mux
 * demultiplexing (RFC 5761), RTCP compound validation (RFC 3550 A.2). */
#include <stdlib.h>
#include "err.h"
#include "rtp.h"
#include "pktbuild.h"
#include "test.h"

static uint8_t *last_copy;

static int
parse(const struct pb *p, size_t n, struct rtp_hdr *h)
{
	free(last_copy);
	last_copy = malloc(n ? n : 1);
	memcpy(last_copy, p->b, n);
	return rtp_parse(last_copy, n, h);
}

static int
parse_rtcp(const struct pb *p, size_t n, struct rtcp_info *i)
{
	free(last_copy);
	last_copy = malloc(n ? n : 1);
	memcpy(last_copy, p->b, n);
	return rtcp_parse(last_copy, n, i);
}

static void
rtp_hdr(struct pb *p, uint8_t b0, uint8_t b1, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	pb_u8(p, b0); pb_u8(p, b1); pb_u16(p, seq); pb_u32(p, ts); pb_u32(p, ssrc);
}

static void
test_rtp_basic(void)
{
	static struct pb p;
	struct rtp_hdr h;
	size_t n;

	TEST_START("rtp fixed header");
	p.n = 0;
	rtp_hdr(&p, 0x80, 0x80 | 8, 65535, 0xfffffff0u, 0x11223344u);
	pb_payload(&p, 160, 5);
	ASSERT_INT_EQ(parse(&p, p.n, &h), 0);
	ASSERT_INT_EQ(h.version, 2);
	ASSERT_INT_EQ(h.marker, 1);
	ASSERT_INT_EQ(h.pt, 8);
	ASSERT_INT_EQ(h.seq, 65535);
	ASSERT_U64_EQ(h.ts, 0xfffffff0u);
	ASSERT_U64_EQ(h.ssrc, 0x11223344u);
	ASSERT_INT_EQ(h.cc, 0);
	ASSERT_INT_EQ(h.payload_len, 160);
	ASSERT_TRUE(h.payload == last_copy + 12);
	TEST_DONE();

	TEST_START("rtp empty payload, short, bad version");
	ASSERT_INT_EQ(parse(&p, 12, &h), 0);
	ASSERT_INT_EQ(h.payload_len, 0);
	for (n = 0; n < 12; n++)
		ASSERT_INT_EQ(parse(&p, n, &h), TR_ERR_SHORT);
	p.b[0] = 0x40;
	ASSERT_INT_EQ(parse(&p, p.n, &h), TR_ERR_INVAL);
	p.b[0] = 0xc0 & 0x3f;
	ASSERT_INT_EQ(parse(&p, p.n, &h), TR_ERR_INVAL);
	TEST_DONE();

	TEST_START("rtp CSRC list");
	p.n = 0;
	rtp_hdr(&p, 0x82, 0, 1, 2, 3);
	pb_u32(&p, 0xaaaaaaaau); pb_u32(&p, 0xbbbbbbbbu);
	pb_payload(&p, 20, 0);
	ASSERT_INT_EQ(parse(&p, p.n, &h), 0);
	ASSERT_INT_EQ(h.cc, 2);
	ASSERT_U64_EQ(h.csrc[1], 0xbbbbbbbbu);
	ASSERT_INT_EQ(h.payload_len, 20);
	ASSERT_TRUE(h.payload == last_copy + 20);
	ASSERT_INT_EQ(parse(&p, 19, &h), TR_ERR_SHORT);
	p.b[0] = 0x8f;                       /* 15 CSRCs announced, 2 + 20 bytes there */
	ASSERT_INT_EQ(parse(&p, p.n, &h), TR_ERR_SHORT);
	TEST_DONE();

	TEST_START("rtp header extension");
	p.n = 0;
	rtp_hdr(&p, 0x91, 0, 1, 2, 3);
	pb_u32(&p, 0xcccccccc);
	pb_u16(&p, 0xbede); pb_u16(&p, 2); pb_fill(&p, 0, 8);
	pb_payload(&p, 10, 0);
	ASSERT_INT_EQ(parse(&p, p.n, &h), 0);
	ASSERT_INT_EQ(h.ext_profile, 0xbede);
	ASSERT_INT_EQ(h.ext_words, 2);
	ASSERT_INT_EQ(h.payload_len, 10);
	ASSERT_TRUE(h.payload == last_copy + 28);
	p.b[19] = 6;                         /* 24 bytes: beyond the packet */
	ASSERT_INT_EQ(parse(&p, p.n, &h), TR_ERR_SHORT);
	p.b[19] = 4;                         /* exactly to the end */
	ASSERT_INT_EQ(parse(&p, p.n - 2, &h), 0);
	ASSERT_INT_EQ(h.payload_len, 0);
	ASSERT_INT_EQ(parse(&p, 19, &h), TR_ERR_SHORT);
	TEST_DONE();

	TEST_START("rtp padding");
	p.n = 0;
	rtp_hdr(&p, 0xa0, 0, 1, 2, 3);
	pb_payload(&p, 10, 0);
	pb_u8(&p, 0); pb_u8(&p, 0); pb_u8(&p, 3);
	ASSERT_INT_EQ(parse(&p, p.n, &h), 0);
	ASSERT_INT_EQ(h.pad_len, 3);
	ASSERT_INT_EQ(h.payload_len, 10);
	p.b[p.n - 1] = 13;                   /* the whole payload is padding */
	ASSERT_INT_EQ(parse(&p, p.n, &h), 0);
	ASSERT_INT_EQ(h.payload_len, 0);
	p.b[p.n - 1] = 14;                   /* more than the payload */
	ASSERT_INT_EQ(parse(&p, p.n, &h), TR_ERR_INVAL);
	p.b[p.n - 1] = 0;                    /* a count of 0 is invalid */
	ASSERT_INT_EQ(parse(&p, p.n, &h), TR_ERR_INVAL);
	ASSERT_INT_EQ(parse(&p, 12, &h), TR_ERR_INVAL);   /* P set, nothing after */
	TEST_DONE();
}

static void
test_demux(void)
{
	unsigned b;
	int n = 0;

	TEST_START("rtcp-mux demultiplexing (RFC 5761)");
	ASSERT_TRUE(rtp_is_rtcp_pt(200));
	ASSERT_TRUE(rtp_is_rtcp_pt(201));
	ASSERT_TRUE(rtp_is_rtcp_pt(192));
	ASSERT_TRUE(rtp_is_rtcp_pt(223));
	ASSERT_TRUE(!rtp_is_rtcp_pt(191));
	ASSERT_TRUE(!rtp_is_rtcp_pt(224));
	ASSERT_TRUE(!rtp_is_rtcp_pt(0));
	ASSERT_TRUE(!rtp_is_rtcp_pt(8));
	ASSERT_TRUE(!rtp_is_rtcp_pt(0x80 | 8));      /* PCMA with marker */
	ASSERT_TRUE(!rtp_is_rtcp_pt(101));           /* telephone-event */
	ASSERT_TRUE(!rtp_is_rtcp_pt(0x80 | 101));
	ASSERT_TRUE(!rtp_is_rtcp_pt(0x80 | 127));
	for (b = 0; b < 256; b++)
		n += rtp_is_rtcp_pt((uint8_t)b);
	ASSERT_INT_EQ(n, 32);
	TEST_DONE();
}

static void
sr(struct pb *p, uint8_t rc, int pad)
{
	uint8_t i;
	pb_u8(p, (uint8_t)(0x80 | (pad ? 0x20 : 0) | rc)); pb_u8(p, 200);
	pb_u16(p, (uint16_t)(6 + 6 * rc));
	pb_u32(p, 0xabcdef01u);
	pb_u32(p, 0xe0000000u); pb_u32(p, 0x80000000u);
	pb_u32(p, 160000); pb_u32(p, 1000); pb_u32(p, 160000);
	for (i = 0; i < rc; i++)
		pb_fill(p, i, 24);
}

static void
sdes(struct pb *p, int pad)
{
	pb_u8(p, pad ? 0xa1 : 0x81); pb_u8(p, 202); pb_u16(p, 3);
	pb_u32(p, 0xabcdef01u);
	pb_u8(p, 1); pb_u8(p, 3); pb_mem(p, "abc", 3);
	if (pad) { pb_u8(p, 0); pb_u8(p, 0); pb_u8(p, 0); pb_u8(p, 4); }
	else pb_fill(p, 0, 3);
}

static void
test_rtcp(void)
{
	static struct pb p;
	struct rtcp_info in;
	size_t n;

	TEST_START("rtcp SR + SDES compound");
	p.n = 0;
	sr(&p, 1, 0);
	sdes(&p, 0);
	ASSERT_INT_EQ(parse_rtcp(&p, p.n, &in), 0);
	ASSERT_INT_EQ(in.first_pt, RTCP_PT_SR);
	ASSERT_U64_EQ(in.ssrc, 0xabcdef01u);
	ASSERT_U64_EQ(in.ntp_ts, 0xe000000080000000ull);
	ASSERT_U64_EQ(in.rtp_ts, 160000);
	ASSERT_U64_EQ(in.sender_packets, 1000);
	ASSERT_INT_EQ(in.rc, 1);
	ASSERT_INT_EQ(in.n_packets, 2);
	ASSERT_INT_EQ(in.has_sdes, 1);
	ASSERT_INT_EQ(in.has_bye, 0);
	TEST_DONE();

	TEST_START("rtcp every truncation fails");
	for (n = 0; n < p.n; n++)            /* except the SR alone: valid */
		ASSERT_TRUE((parse_rtcp(&p, n, &in) < 0) == (n != 52));
	TEST_DONE();

	TEST_START("rtcp RR + BYE, padding in the last packet");
	p.n = 0;
	pb_u8(&p, 0x80); pb_u8(&p, 201); pb_u16(&p, 1); pb_u32(&p, 0x55);
	pb_u8(&p, 0xa1); pb_u8(&p, 203); pb_u16(&p, 2); pb_u32(&p, 0x55);
	pb_u8(&p, 0); pb_u8(&p, 0); pb_u8(&p, 0); pb_u8(&p, 4);
	ASSERT_INT_EQ(parse_rtcp(&p, p.n, &in), 0);
	ASSERT_INT_EQ(in.first_pt, RTCP_PT_RR);
	ASSERT_U64_EQ(in.ssrc, 0x55);
	ASSERT_INT_EQ(in.has_bye, 1);
	p.b[p.n - 1] = 9;                    /* padding beyond its packet body */
	ASSERT_INT_EQ(parse_rtcp(&p, p.n, &in), TR_ERR_INVAL);
	p.b[p.n - 1] = 0;
	ASSERT_INT_EQ(parse_rtcp(&p, p.n, &in), TR_ERR_INVAL);
	TEST_DONE();

	TEST_START("rtcp invalid compounds");
	p.n = 0;
	sdes(&p, 0);                         /* must start with SR or RR */
	ASSERT_INT_EQ(parse_rtcp(&p, p.n, &in), TR_ERR_INVAL);
	p.n = 0;
	sr(&p, 0, 1);                        /* padding in the first packet */
	sdes(&p, 0);
	ASSERT_INT_EQ(parse_rtcp(&p, p.n, &in), TR_ERR_INVAL);
	p.n = 0;
	sr(&p, 0, 0);
	sdes(&p, 1);                         /* padding not in the last */
	sdes(&p, 0);
	ASSERT_INT_EQ(parse_rtcp(&p, p.n, &in), TR_ERR_INVAL);
	p.n = 0;
	sr(&p, 0, 0);
	sdes(&p, 0);
	p.b[28] = 0x41;                      /* second packet version 1 */
	ASSERT_INT_EQ(parse_rtcp(&p, p.n, &in), TR_ERR_INVAL);
	p.b[28] = 0x81;
	pb_u8(&p, 0x80);                     /* trailing bytes */
	ASSERT_TRUE(parse_rtcp(&p, p.n, &in) < 0);
	p.n = 0;
	sr(&p, 2, 0);
	p.b[3] = 6;                          /* rc 2, no room for the blocks */
	ASSERT_INT_EQ(parse_rtcp(&p, 28, &in), TR_ERR_SHORT);
	p.n = 0;
	pb_u8(&p, 0x80); pb_u8(&p, 201); pb_u16(&p, 0); pb_u32(&p, 0);
	ASSERT_INT_EQ(parse_rtcp(&p, p.n, &in), TR_ERR_SHORT);   /* RR without SSRC word */
	TEST_DONE();
}

int
main(void)
{
	test_rtp_basic();
	test_demux();
	test_rtcp();
	free(last_copy);
	return TEST_EXIT();
}
