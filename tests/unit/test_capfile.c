/* test_capfile.c - a capture file through the sniffer's engine into a
 * private ring and out of the decoder: the generated pcaps/basic-pcmu.pcap
 * (caller 440 Hz at 1.0-2.5 s, callee 1000 Hz at 3.5-5.0 s, 6 s call), a
 * truncated copy of it, a missing file, and the real G.711 capture from
 * ../shared/pcaps when it is there. Run from the top of the tree. */
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "common/err.h"
#include "decoder/capfile.h"
#include "decoder/decode.h"

#define GEN_PCAP  "pcaps/basic-pcmu.pcap"
#define REAL_PCAP "../shared/pcaps/g711-pcmu-and-pcma-2calls__from-Red-Rabbit.pcap"

static int first_call(const struct ring *ring, uint32_t *slotp, struct ring_call *c)
{
	for (uint32_t s = 0; s < ring_slots(ring); s++) {
		if (ring_call_read(ring, s, c) == 0) {
			*slotp = s;
			return 0;
		}
	}
	return TR_ERR_NOTFOUND;
}

static double tone_rel(const int16_t *pcm, size_t start, size_t n, unsigned ch, double hz)
{
	double coeff = 2 * cos(2 * M_PI * hz / 8000), s1 = 0, s2 = 0, e = 0;

	for (size_t i = 0; i < n; i++) {
		double x = pcm[(start + i) * 2 + ch], s0 = x + coeff * s1 - s2;

		s2 = s1;
		s1 = s0;
		e += x * x;
	}
	return e > 0 ? (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (e * (double)n / 2) : 0;
}

static void test_generated(void)
{
	struct ring *ring = NULL;
	struct capfile_stats st;
	struct ring_call c;
	struct decode_ctx *d = NULL;
	struct decode_streams *ds = NULL;
	struct ring_iter it;
	struct ring_rec rec;
	const uint8_t *bytes;
	int16_t *pcm = NULL;
	size_t frames = 0;
	uint32_t slot = 0;

	TEST_START("generated capture: call, streams, tones");
	ASSERT_INT_EQ(capfile_load(GEN_PCAP, &ring, &st), 0);
	if (!ring)
		goto out;
	ASSERT_INT_EQ(st.truncated, 0);
	ASSERT_INT_EQ(first_call(ring, &slot, &c), 0);
	ASSERT_STR_EQ(c.call_id, "pcapgen-1-0@192.0.2.10");
	ASSERT_INT_EQ(decode_call_streams(ring, slot, c.gen, &ds), 0);
	if (ds) {
		ASSERT_INT_EQ(ds->n, 2);
		ASSERT_INT_EQ(ds->s[0].dir, RING_DIR_FWD);
		ASSERT_INT_EQ(ds->s[0].ssrc, 0xca110000);
		ASSERT_INT_EQ(ds->s[1].dir, RING_DIR_REV);
		ASSERT_INT_EQ(ds->s[1].ssrc, 0xca1e0000);
		ASSERT_U64_EQ(ds->s[0].lost + ds->s[1].lost, 0);
	}
	ASSERT_TRUE((d = decode_ctx_new(&c)) != NULL);
	ASSERT_INT_EQ(ring_iter_init(&it, ring, slot, c.gen), 0);
	while (d && ring_iter_next(&it, &rec, &bytes) == 1)
		decode_ctx_add(d, &rec, bytes);
	ring_iter_clear(&it);
	if (d && decode_ctx_pcm(d, &pcm, &frames, NULL) == 0 && frames >= 6 * 8000) {
		/* a 20 ms window inside each talk-spurt, and the other channel silent there */
		ASSERT_TRUE(tone_rel(pcm, 8000 + 400, 160, 0, 440) > 0.9);
		ASSERT_TRUE(tone_rel(pcm, 28000 + 400, 160, 1, 1000) > 0.9);
		ASSERT_TRUE(tone_rel(pcm, 8000 + 400, 160, 1, 440) < 0.1);
		ASSERT_TRUE(tone_rel(pcm, 8000 - 240, 160, 0, 440) < 0.1);   /* 30 ms early: silence */
		ASSERT_TRUE(tone_rel(pcm, 20000 + 80, 160, 0, 440) < 0.1);   /* 10 ms after its end */
	} else {
		ASSERT_TRUE(!"pcm");
	}
out:
	free(pcm);
	decode_ctx_free(d);
	decode_streams_free(ds);
	ring_close(ring);
	TEST_DONE();
}

static void test_truncated(void)
{
	char path[] = "/tmp/test_capfile_XXXXXX";
	struct ring *ring = NULL;
	struct capfile_stats st;
	struct ring_call c;
	FILE *in = NULL, *out = NULL;
	uint8_t buf[65536];
	size_t n;
	uint32_t slot;
	int fd = mkstemp(path);

	TEST_START("truncated capture is read up to the break");
	ASSERT_TRUE(fd >= 0);
	in = fopen(GEN_PCAP, "rb");
	out = fd >= 0 ? fdopen(fd, "wb") : NULL;
	ASSERT_TRUE(in && out);
	if (in && out) {
		/* the SIP and the first seconds, cut inside a record */
		n = fread(buf, 1, 40001, in);
		fwrite(buf, 1, n, out);
	}
	if (out)
		fclose(out);
	else if (fd >= 0)
		close(fd);
	if (in)
		fclose(in);
	ASSERT_INT_EQ(capfile_load(path, &ring, &st), 0);
	ASSERT_INT_EQ(st.truncated, 1);
	ASSERT_TRUE(st.packets > 50);
	ASSERT_TRUE(ring && first_call(ring, &slot, &c) == 0);
	ring_close(ring);
	unlink(path);
	ring = NULL;
	ASSERT_INT_EQ(capfile_load("/nonexistent/file.pcap", &ring, &st), TR_ERR_SYS);
	ASSERT_TRUE(ring == NULL);
	ASSERT_TRUE(st.error[0] != '\0');
	TEST_DONE();
}

static void test_real(void)
{
	struct ring *ring = NULL;
	struct capfile_stats st;
	struct decode_streams *ds = NULL;
	struct ring_call c;
	struct stat sb;
	uint32_t slot = 0;

	if (stat(REAL_PCAP, &sb) != 0) {
		printf("SKIP real capture: %s missing\n", REAL_PCAP);
		return;
	}
	TEST_START("real G.711 capture: 425 PCMU packets callee->caller");
	ASSERT_INT_EQ(capfile_load(REAL_PCAP, &ring, &st), 0);
	if (ring && first_call(ring, &slot, &c) == 0) {
		ASSERT_INT_EQ(decode_call_streams(ring, slot, c.gen, &ds), 0);
		if (ds && ds->n == 1) {
			ASSERT_INT_EQ(ds->s[0].ssrc, 0x343da99b);
			ASSERT_U64_EQ(ds->s[0].packets, 425);
			ASSERT_STR_EQ(ds->s[0].codec, "PCMU");
			ASSERT_INT_EQ(ds->s[0].dir, RING_DIR_REV);
		} else {
			ASSERT_TRUE(!"one stream");
		}
	} else {
		ASSERT_TRUE(!"a call");
	}
	decode_streams_free(ds);
	ring_close(ring);
	TEST_DONE();
}

int main(void)
{
	test_generated();
	test_truncated();
	test_real();
	return TEST_EXIT();
}
