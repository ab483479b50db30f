/* test_rfc4733.c - telephone-event payloads, digit detection exactly once
 * per key press (repeats, redundant ends, loss, reordering, long events),
 * and the key-code matcher. */
#include "err.h"
#include "rfc4733.h"
#include "test.h"

static uint8_t pl[4];

static const uint8_t *
ev(uint8_t event, int end, uint16_t dur)
{
	pl[0] = event;
	pl[1] = (uint8_t)((end ? 0x80 : 0) | 10);
	pl[2] = (uint8_t)(dur >> 8);
	pl[3] = (uint8_t)dur;
	return pl;
}

/* Sends a whole key press the way RFC 4733 2.5.1 says: start, updates every
 * 160 units, three end packets. Returns how many digits were reported. */
static int
press(struct rfc4733_det *d, uint32_t ts, uint8_t event, uint16_t dur, char *out, int *n)
{
	uint8_t e = 0xff;
	uint16_t t;
	int hits = 0, i;
	for (t = 160; t < dur; t += 160)
		if (rfc4733_det_feed(d, ts, ev(event, 0, t), 4, &e) == 1) {
			hits++; out[(*n)++] = rfc4733_digit_char(e);
		}
	for (i = 0; i < 3; i++)
		if (rfc4733_det_feed(d, ts, ev(event, 1, dur), 4, &e) == 1) {
			hits++; out[(*n)++] = rfc4733_digit_char(e);
		}
	return hits;
}

static void
test_parse(void)
{
	struct rfc4733_event e;
	const uint8_t p[4] = { 11, 0x80 | 0x40 | 7, 0x03, 0x20 };

	TEST_START("payload");
	ASSERT_INT_EQ(rfc4733_parse(p, 4, &e), 0);
	ASSERT_INT_EQ(e.event, 11);
	ASSERT_INT_EQ(e.end, 1);
	ASSERT_INT_EQ(e.volume, 7);
	ASSERT_INT_EQ(e.duration, 800);
	ASSERT_INT_EQ(rfc4733_parse(p, 3, &e), TR_ERR_SHORT);
	ASSERT_INT_EQ(rfc4733_parse(p, 0, &e), TR_ERR_SHORT);
	TEST_DONE();

	TEST_START("digit characters");
	ASSERT_INT_EQ(rfc4733_digit_char(0), '0');
	ASSERT_INT_EQ(rfc4733_digit_char(9), '9');
	ASSERT_INT_EQ(rfc4733_digit_char(10), '*');
	ASSERT_INT_EQ(rfc4733_digit_char(11), '#');
	ASSERT_INT_EQ(rfc4733_digit_char(12), 'A');
	ASSERT_INT_EQ(rfc4733_digit_char(15), 'D');
	ASSERT_INT_EQ(rfc4733_digit_char(16), 0);
	ASSERT_INT_EQ(rfc4733_digit_char(255), 0);
	TEST_DONE();
}

static void
test_detector(void)
{
	struct rfc4733_det d;
	char out[64];
	int n = 0;
	uint8_t e = 0;

	TEST_START("each key press once, same digit twice");
	rfc4733_det_init(&d);
	press(&d, 1000, 10, 800, out, &n);
	press(&d, 3000, 9, 800, out, &n);
	press(&d, 5000, 9, 800, out, &n);
	press(&d, 7000, 11, 1600, out, &n);
	ASSERT_INT_EQ(n, 4);
	out[n] = 0;
	ASSERT_STR_EQ(out, "*99#");
	TEST_DONE();

	TEST_START("only the end packets arrive");
	n = 0;
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 9000, ev(1, 1, 800), 4, &e), 1);
	ASSERT_INT_EQ(e, 1);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 9000, ev(1, 1, 800), 4, &e), 0);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 9000, ev(1, 1, 800), 4, &e), 0);
	TEST_DONE();

	TEST_START("a mirrored (doubled) stream");
	{
		int i, hits = 0;
		for (i = 0; i < 6; i++)
			hits += rfc4733_det_feed(&d, 11000, ev(2, i >= 4, (uint16_t)(160 * (i / 2 + 1))), 4, &e);
		ASSERT_INT_EQ(hits, 1);
	}
	TEST_DONE();

	TEST_START("late packets of an earlier press are ignored");
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 9000, ev(1, 1, 800), 4, &e), 0);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 1000, ev(10, 1, 800), 4, &e), 0);
	TEST_DONE();

	TEST_START("timestamp wrap");
	rfc4733_det_init(&d);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 0xfffffe00u, ev(3, 0, 160), 4, &e), 1);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 0xfffffe00u, ev(3, 1, 480), 4, &e), 0);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 0x00000400u, ev(4, 0, 160), 4, &e), 1);
	ASSERT_INT_EQ(e, 4);
	TEST_DONE();

	TEST_START("long event in segments counts once");
	rfc4733_det_init(&d);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 100, ev(5, 0, 160), 4, &e), 1);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 100, ev(5, 0, 0xffff), 4, &e), 0);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 100 + 0xffff, ev(5, 0, 160), 4, &e), 0);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 100 + 0xffff, ev(5, 1, 4000), 4, &e), 0);
	/* the same key again later is a new press */
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 100 + 0xffff + 12000, ev(5, 0, 160), 4, &e), 1);
	TEST_DONE();

	TEST_START("same key again after lost end packets");
	rfc4733_det_init(&d);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 100, ev(7, 0, 480), 4, &e), 1);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 100 + 4000, ev(7, 0, 160), 4, &e), 1);
	TEST_DONE();

	TEST_START("a new timeline far behind (SSRC change) is not taken as reordering");
	rfc4733_det_init(&d);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 2000000000u, ev(10, 1, 800), 4, &e), 1);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 2000000000u - 96000u, ev(9, 1, 800), 4, &e), 0);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 1000000000u, ev(9, 0, 160), 4, &e), 1);
	ASSERT_INT_EQ(e, 9);
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 1000000000u, ev(9, 1, 800), 4, &e), 0);
	TEST_DONE();

	TEST_START("bad payload");
	ASSERT_INT_EQ(rfc4733_det_feed(&d, 100, pl, 2, &e), TR_ERR_SHORT);
	TEST_DONE();
}

static void
test_code(void)
{
	struct rfc4733_code m;
	const char *s;
	int hits = 0;

	TEST_START("code matcher");
	ASSERT_INT_EQ(rfc4733_code_init(&m, "*99", 0), 0);
	for (s = "12*9*99"; *s; s++)
		hits += rfc4733_code_feed(&m, *s, 0);
	ASSERT_INT_EQ(hits, 1);
	ASSERT_TRUE(!rfc4733_code_feed(&m, '9', 0));   /* needs the whole code again */
	ASSERT_TRUE(!rfc4733_code_feed(&m, '*', 0));
	ASSERT_TRUE(!rfc4733_code_feed(&m, '9', 0));
	ASSERT_TRUE(rfc4733_code_feed(&m, '9', 0));
	TEST_DONE();

	TEST_START("overlapping prefixes");
	ASSERT_INT_EQ(rfc4733_code_init(&m, "##1", 0), 0);
	hits = 0;
	for (s = "###1"; *s; s++)
		hits += rfc4733_code_feed(&m, *s, 0);
	ASSERT_INT_EQ(hits, 1);
	TEST_DONE();

	TEST_START("gap between digits");
	ASSERT_INT_EQ(rfc4733_code_init(&m, "*99", 3000000000ull), 0);
	ASSERT_TRUE(!rfc4733_code_feed(&m, '*', 1000000000ull));
	ASSERT_TRUE(!rfc4733_code_feed(&m, '9', 2000000000ull));
	ASSERT_TRUE(!rfc4733_code_feed(&m, '9', 9000000000ull));   /* too late */
	ASSERT_TRUE(!rfc4733_code_feed(&m, '*', 9500000000ull));
	ASSERT_TRUE(!rfc4733_code_feed(&m, '9', 10000000000ull));
	ASSERT_TRUE(rfc4733_code_feed(&m, '9', 11000000000ull));
	TEST_DONE();

	TEST_START("code configuration");
	ASSERT_INT_EQ(rfc4733_code_init(&m, "*9x", 0), TR_ERR_CONFIG);
	ASSERT_TRUE(!rfc4733_code_feed(&m, '*', 0));
	ASSERT_INT_EQ(rfc4733_code_init(&m, "0123456789*#ABCD", 0), TR_ERR_CONFIG);
	ASSERT_INT_EQ(rfc4733_code_init(&m, "", 0), 0);
	ASSERT_TRUE(!rfc4733_code_feed(&m, '1', 0));
	ASSERT_INT_EQ(rfc4733_code_init(&m, NULL, 0), 0);
	ASSERT_INT_EQ(rfc4733_code_init(&m, "a#", 0), 0);
	ASSERT_TRUE(!rfc4733_code_feed(&m, 'A', 0));
	ASSERT_TRUE(rfc4733_code_feed(&m, '#', 0));
	ASSERT_TRUE(!rfc4733_code_feed(&m, 0, 0));
	TEST_DONE();
}

int
main(void)
{
	test_parse();
	test_detector();
	test_code();
	return TEST_EXIT();
}
