/* test_g711.c - G.711 tables and the codec table. */
#include <stdlib.h>

#include "test.h"
#include "decoder/codec.h"
#include "decoder/g711.h"

static void test_known_values(void)
{
	TEST_START("g711 known code words");
	ASSERT_INT_EQ(g711_ulaw_to_linear(0xff), 0);
	ASSERT_INT_EQ(g711_ulaw_to_linear(0x7f), 0);
	ASSERT_INT_EQ(g711_ulaw_to_linear(0x00), -32124);
	ASSERT_INT_EQ(g711_ulaw_to_linear(0x80), 32124);
	ASSERT_INT_EQ(g711_alaw_to_linear(0xd5), 8);
	ASSERT_INT_EQ(g711_alaw_to_linear(0x55), -8);
	ASSERT_INT_EQ(g711_alaw_to_linear(0xaa), 32256);
	ASSERT_INT_EQ(g711_alaw_to_linear(0x2a), -32256);
	TEST_DONE();
}

/* Every code word survives expand -> compress (the tables are exact). */
static void test_roundtrip_codes(void)
{
	int bad_u = 0, bad_a = 0;

	TEST_START("g711 code words round-trip");
	for (int c = 0; c < 256; c++) {
		uint8_t u = g711_linear_to_ulaw(g711_ulaw_to_linear((uint8_t)c));
		uint8_t a = g711_linear_to_alaw(g711_alaw_to_linear((uint8_t)c));

		/* u-law has two zeros (0x7f, 0xff); both expand to 0 */
		if (u != c && !(c == 0x7f && u == 0xff))
			bad_u++;
		if (a != c)
			bad_a++;
	}
	ASSERT_INT_EQ(bad_u, 0);
	ASSERT_INT_EQ(bad_a, 0);
	TEST_DONE();
}

/* Linear -> law -> linear stays within half a quantisation step. */
static void test_quantisation(void)
{
	int worst_u = 0, worst_a = 0;

	TEST_START("g711 quantisation error bounded");
	for (int v = -32768; v <= 32767; v += 7) {
		int du = abs(g711_ulaw_to_linear(g711_linear_to_ulaw((int16_t)v)) - v);
		int da = abs(g711_alaw_to_linear(g711_linear_to_alaw((int16_t)v)) - v);
		/* relative step: 1/16 of the segment; allow 2^(seg+3) + clip margin */
		int lim = abs(v) / 16 + 140;

		if (du > lim)
			worst_u++;
		if (da > lim)
			worst_a++;
	}
	ASSERT_INT_EQ(worst_u, 0);
	ASSERT_INT_EQ(worst_a, 0);
	TEST_DONE();
}

static void test_stride_decode(void)
{
	const uint8_t in[4] = { 0x00, 0xff, 0x80, 0x7f };
	int16_t out[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };

	TEST_START("g711 decode with stride writes one channel");
	ASSERT_INT_EQ(g711_ulaw_decode(in, 4, out, 2), 4);
	ASSERT_INT_EQ(out[0], -32124);
	ASSERT_INT_EQ(out[2], 0);
	ASSERT_INT_EQ(out[4], 32124);
	ASSERT_INT_EQ(out[1], 1);
	ASSERT_INT_EQ(out[7], 1);
	TEST_DONE();
}

static void test_codec_table(void)
{
	const struct codec *c;
	uint32_t rate = 0;
	int16_t out[4];
	const uint8_t in[6] = { 0xd5, 0xd5, 0xd5, 0xd5, 0xd5, 0xd5 };

	TEST_START("codec table lookups");
	c = codec_find("pcmu", 8000);
	ASSERT_TRUE(c != NULL && c->kind == CODEC_AUDIO && c->sample_rate == 8000);
	c = codec_find("PCMA", 0);
	ASSERT_TRUE(c != NULL && c->decode != NULL);
	if (c && c->decode)   /* out_max bounds the write */
		ASSERT_INT_EQ(c->decode(in, 6, out, 4, 1), 4);
	ASSERT_TRUE(codec_find("PCMU", 16000) == NULL);
	ASSERT_TRUE(codec_find("G729", 8000) == NULL);
	ASSERT_INT_EQ(codec_kind_of("telephone-event"), CODEC_EVENT);
	ASSERT_INT_EQ(codec_kind_of("TELEPHONE-EVENT"), CODEC_EVENT);
	ASSERT_INT_EQ(codec_kind_of("CN"), CODEC_CN);
	ASSERT_INT_EQ(codec_kind_of("opus"), CODEC_UNKNOWN);
	ASSERT_STR_EQ(codec_static_name(0, &rate), "PCMU");
	ASSERT_INT_EQ(rate, 8000);
	ASSERT_STR_EQ(codec_static_name(8, NULL), "PCMA");
	ASSERT_STR_EQ(codec_static_name(13, NULL), "CN");
	ASSERT_STR_EQ(codec_static_name(9, NULL), "G722");
	ASSERT_TRUE(codec_static_name(96, NULL) == NULL);
	TEST_DONE();
}

int main(void)
{
	test_known_values();
	test_roundtrip_codes();
	test_quantisation();
	test_stride_decode();
	test_codec_table();
	return TEST_EXIT();
}
