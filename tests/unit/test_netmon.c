/* test_netmon.c - the Network Monitor 1.x/2.x reader: header, frame
 * table, timestamps, per-frame network type, truncation. */
#include <pcap/dlt.h>
#include <stdlib.h>

#include "test.h"
#include "common/err.h"
#include "decoder/netmon.h"

#define HDR 128

static uint8_t buf[1024];

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v) { le16(p, (uint16_t)v); le16(p + 2, (uint16_t)(v >> 16)); }

/* Two frames of 20 and 30 bytes; returns the file length. */
static size_t build(int major, int minor)
{
	const uint16_t st[8] = { 2005, 7, 0, 17, 15, 39, 20, 502 };
	size_t off = HDR, offs[2] = { 0, 0 };

	memset(buf, 0, sizeof(buf));
	memcpy(buf, major == 1 ? "RTSS" : "GMBU", 4);
	buf[4] = (uint8_t)minor;
	buf[5] = (uint8_t)major;
	le16(buf + 6, 1);                       /* Ethernet */
	for (int i = 0; i < 8; i++)
		le16(buf + 8 + 2 * i, st[i]);
	for (int f = 0; f < 2; f++) {
		size_t len = f ? 30 : 20;

		offs[f] = off;
		if (major == 1) {
			le32(buf + off, f ? 1500 : 0);  /* ms */
			le16(buf + off + 4, (uint16_t)(len + 4));
			le16(buf + off + 6, (uint16_t)len);
			off += 8;
		} else {
			le32(buf + off, f ? 1500000 : 0); /* us, 64-bit */
			le32(buf + off + 8, (uint32_t)(len + 4));
			le32(buf + off + 12, (uint32_t)len);
			off += 16;
		}
		memset(buf + off, 0xa0 + f, len);
		off += len;
		if (major == 2 && minor >= 1) {
			le16(buf + off, f ? 6 : 1);     /* frame 1 says 802.11 */
			off += 2;
		}
	}
	le32(buf + 24, (uint32_t)off);          /* frame table */
	le32(buf + 28, 8);
	le32(buf + off, (uint32_t)offs[0]);
	le32(buf + off + 4, (uint32_t)offs[1]);
	return off + 8;
}

static void test_v2(void)
{
	struct netmon nm;
	struct netmon_frame f;
	size_t len = build(2, 0);

	TEST_START("netmon 2.0: frames and times");
	ASSERT_TRUE(netmon_is(buf, len));
	ASSERT_INT_EQ(netmon_open(&nm, buf, len), 0);
	ASSERT_INT_EQ(nm.n_frames, 2);
	ASSERT_INT_EQ(nm.dlt, DLT_EN10MB);
	/* 2005-07-17 15:39:20.502 UTC */
	ASSERT_U64_EQ(nm.start_ns, UINT64_C(1121614760502000000));
	ASSERT_INT_EQ(netmon_next(&nm, &f), 1);
	ASSERT_INT_EQ(f.caplen, 20);
	ASSERT_INT_EQ(f.origlen, 24);
	ASSERT_INT_EQ(f.data[0], 0xa0);
	ASSERT_U64_EQ(f.ts_ns, nm.start_ns);
	ASSERT_INT_EQ(netmon_next(&nm, &f), 1);
	ASSERT_INT_EQ(f.caplen, 30);
	ASSERT_INT_EQ(f.data[29], 0xa1);
	ASSERT_U64_EQ(f.ts_ns, nm.start_ns + UINT64_C(1500000000));
	ASSERT_INT_EQ(netmon_next(&nm, &f), 0);
	TEST_DONE();
}

static void test_v21_trailer(void)
{
	struct netmon nm;
	struct netmon_frame f;
	size_t len = build(2, 1);

	TEST_START("netmon 2.1: per-frame network type");
	ASSERT_INT_EQ(netmon_open(&nm, buf, len), 0);
	ASSERT_INT_EQ(netmon_next(&nm, &f), 1);
	ASSERT_INT_EQ(f.dlt, DLT_EN10MB);
	ASSERT_INT_EQ(netmon_next(&nm, &f), 1);
	ASSERT_INT_EQ(f.dlt, DLT_IEEE802_11);
	TEST_DONE();
}

static void test_v1(void)
{
	struct netmon nm;
	struct netmon_frame f;
	size_t len = build(1, 1);

	TEST_START("netmon 1.x: millisecond times");
	ASSERT_INT_EQ(netmon_open(&nm, buf, len), 0);
	ASSERT_INT_EQ(netmon_next(&nm, &f), 1);
	ASSERT_INT_EQ(netmon_next(&nm, &f), 1);
	ASSERT_U64_EQ(f.ts_ns, nm.start_ns + UINT64_C(1500000000));
	ASSERT_INT_EQ(f.caplen, 30);
	TEST_DONE();
}

static void test_truncated(void)
{
	struct netmon nm;
	struct netmon_frame f;
	size_t len = build(2, 0);
	uint8_t *copy;

	TEST_START("netmon: truncated and bad files");
	ASSERT_INT_EQ(netmon_open(&nm, buf, 20), TR_ERR_SHORT);
	ASSERT_INT_EQ(netmon_open(&nm, buf, len - 1), TR_ERR_INVAL);   /* table beyond the end */
	/* a frame offset that points past the end */
	le32(buf + len - 4, (uint32_t)len + 100);
	ASSERT_INT_EQ(netmon_open(&nm, buf, len), 0);
	ASSERT_INT_EQ(netmon_next(&nm, &f), 1);
	ASSERT_TRUE(netmon_next(&nm, &f) < 0);
	/* a frame whose length runs past the end */
	len = build(2, 0);
	le32(buf + HDR + 12, 5000);
	copy = malloc(len);
	if (copy) {
		memcpy(copy, buf, len);
		ASSERT_INT_EQ(netmon_open(&nm, copy, len), 0);
		ASSERT_TRUE(netmon_next(&nm, &f) < 0);
		free(copy);
	}
	memcpy(buf, "GMBX", 4);
	ASSERT_TRUE(!netmon_is(buf, len));
	ASSERT_INT_EQ(netmon_open(&nm, buf, len), TR_ERR_INVAL);
	len = build(2, 0);
	buf[5] = 3;                              /* version 3 */
	ASSERT_INT_EQ(netmon_open(&nm, buf, len), TR_ERR_INVAL);
	TEST_DONE();
}

int main(void)
{
	test_v2();
	test_v21_trailer();
	test_v1();
	test_truncated();
	return TEST_EXIT();
}
