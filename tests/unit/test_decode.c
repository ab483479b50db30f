/* test_decode.c - a synthetic call in a private ring -> streams and a
 * stereo WAV: a 440 Hz tone at 1.000 s from the caller must be on the left
 * channel at 1.000 s, a 1000 Hz tone at 2.000 s from the callee on the right
 * at 2.000 s (+-20 ms, found with a Goertzel filter), through jitter,
 * reordering, duplicates, loss, an SSRC change with seq and ts wraps, an
 * RFC 4733 event and a stream in a codec we do not decode. */
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "common/err.h"
#include "decoder/decode.h"
#include "decoder/g711.h"
#include "decoder/wav.h"
#include "sniffer/ring.h"

#define T0      UINT64_C(1480171979666000000)
#define MS      UINT64_C(1000000)
#define RATE    8000
#define CALL_MS 3500

struct tone { uint64_t from_ms, to_ms; double hz; };

static struct ring *ring;
static uint32_t slot, gen;
static uint8_t frame[2048];

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* Ethernet + IPv4 + UDP around payload; returns the frame length. */
static size_t build_frame(const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
                          uint16_t dport, const uint8_t *payload, size_t len)
{
	size_t ip_len = 20 + 8 + len;

	memset(frame, 0, 42);
	frame[12] = 0x08;                       /* IPv4 */
	frame[14] = 0x45;
	put16(frame + 16, (uint16_t)ip_len);
	frame[22] = 64;
	frame[23] = 17;                         /* UDP */
	memcpy(frame + 26, src, 4);
	memcpy(frame + 30, dst, 4);
	put16(frame + 34, sport);
	put16(frame + 36, dport);
	put16(frame + 38, (uint16_t)(8 + len));
	memcpy(frame + 42, payload, len);
	return 42 + len;
}

static void append(uint64_t t, uint8_t kind, uint8_t dir, size_t len)
{
	struct ring_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.ts_ns = t;
	rec.caplen = rec.origlen = (uint32_t)len;
	rec.link_type = 1;                      /* DLT_EN10MB */
	rec.kind = kind;
	rec.dir = dir;
	rec.l5_off = 42;
	rec.l5_len = (uint16_t)(len - 42);
	if (ring_call_append(ring, slot, &rec, frame) != 0)
		fprintf(stderr, "append failed\n");
}

/* One 20 ms RTP packet whose first sample plays at call time t_audio_ns. */
static void rtp_packet(uint64_t t_cap, uint8_t dir, const uint8_t src[4], uint16_t sport,
                       const uint8_t dst[4], uint16_t dport, uint32_t ssrc, uint16_t seq,
                       uint32_t ts, uint8_t pt, uint64_t t_audio_ns, const struct tone *tn)
{
	uint8_t pkt[12 + 160];

	pkt[0] = 0x80;
	pkt[1] = pt;
	put16(pkt + 2, seq);
	put32(pkt + 4, ts);
	put32(pkt + 8, ssrc);
	for (int i = 0; i < 160; i++) {
		double t = (double)t_audio_ns / 1e9 + (double)i / RATE;
		int16_t v = 0;

		if (t * 1000 >= tn->from_ms && t * 1000 < tn->to_ms)
			v = (int16_t)(12000 * sin(2 * M_PI * tn->hz * t));
		if (pt == 0)
			pkt[12 + i] = g711_linear_to_ulaw(v);
		else if (pt == 8)
			pkt[12 + i] = g711_linear_to_alaw(v);
		else
			pkt[12 + i] = 0x00;     /* loudest u-law: must never be heard */
	}
	append(t_cap, RING_K_RTP, dir, build_frame(src, sport, dst, dport, pkt, sizeof(pkt)));
}

static const uint8_t ip_a[4] = { 10, 0, 0, 1 }, ip_b[4] = { 10, 0, 0, 2 };

static int setup_call(void)
{
	struct ring_conf rc = { .name = NULL, .size = 16u << 20, .slots = 16,
	                        .chunk_size = 65536, .grace_ns = UINT64_MAX };
	struct ring_call c;
	const struct tone caller = { 1000, 1500, 440.0 }, callee = { 2000, 2500, 1000.0 };
	const char sip[] = "INVITE sip:bob@10.0.0.2 SIP/2.0\r\n\r\n";
	int r;

	if ((r = ring_create(&rc, &ring)) != 0)
		return r;
	memset(&c, 0, sizeof(c));
	c.state = RING_ST_ENDED;
	c.end_reason = RING_END_BYE;
	c.t_first = T0;
	c.t_end = T0 + CALL_MS * MS;
	snprintf(c.call_id, sizeof(c.call_id), "tone-test@10.0.0.1");
	snprintf(c.from_tag, sizeof(c.from_tag), "ft1");
	snprintf(c.caller, sizeof(c.caller), "alice");
	snprintf(c.callee, sizeof(c.callee), "bob");
	c.n_pt = 4;
	c.pt[0] = (struct ring_pt){ .pt = 0, .used = 1, .clock_rate = 8000, .name = "PCMU" };
	c.pt[1] = (struct ring_pt){ .pt = 8, .used = 1, .clock_rate = 8000, .name = "PCMA" };
	c.pt[2] = (struct ring_pt){ .pt = 101, .used = 1, .clock_rate = 8000,
	                            .name = "telephone-event" };
	c.pt[3] = (struct ring_pt){ .pt = 99, .used = 1, .clock_rate = 48000, .name = "opus" };
	if ((r = ring_call_new(ring, &c, &slot)) != 0)
		return r;
	if ((r = ring_call_read(ring, slot, &c)) != 0)
		return r;
	gen = c.gen;
	append(T0, RING_K_SIP, RING_DIR_FWD,
	       build_frame(ip_a, 5060, ip_b, 5060, (const uint8_t *)sip, sizeof(sip) - 1));

	srand(42);
	/* caller: PCMU 0.2 s .. 3.0 s, jitter 0-15 ms, every 10th mirrored
	 * twice, pairs reordered, packet 77 lost, an event at 0.6 s */
	for (int k = 0; k < 140; k++) {
		uint64_t ta = 200 * MS + (uint64_t)k * 20 * MS;
		uint64_t tc = T0 + ta + (uint64_t)(rand() % 16) * MS;
		int kk = k;

		if (k == 77)
			continue;
		/* reordered: k+1 goes out on time, k is held back behind it */
		if (k % 20 == 4) {
			kk = k + 1;
			tc += 20 * MS;
		} else if (k % 20 == 5) {
			kk = k - 1;
			tc += 2 * MS;
		}
		ta = 200 * MS + (uint64_t)kk * 20 * MS;
		rtp_packet(tc, RING_DIR_FWD, ip_a, 4000, ip_b, 5000, 0x11111111,
		           (uint16_t)(1000 + kk), 123456u + 160u * (uint32_t)kk, 0, ta, &caller);
		if (k % 10 == 0)
			rtp_packet(tc + 50000, RING_DIR_FWD, ip_a, 4000, ip_b, 5000, 0x11111111,
			           (uint16_t)(1000 + kk), 123456u + 160u * (uint32_t)kk, 0, ta,
			           &caller);
		if (k == 20)
			rtp_packet(tc + 100000, RING_DIR_FWD, ip_a, 4000, ip_b, 5000, 0x11111111,
			           (uint16_t)(1000 + 140), 123456u + 160u * 20, 101, ta, &caller);
	}
	/* a stream in a codec the decoder does not have, caller side */
	for (int k = 0; k < 20; k++)
		rtp_packet(T0 + 300 * MS + (uint64_t)k * 20 * MS, RING_DIR_FWD, ip_a, 4002, ip_b,
		           5002, 0x44444444, (uint16_t)k, 960u * (uint32_t)k, 99,
		           300 * MS + (uint64_t)k * 20 * MS, &caller);
	/* callee: PCMA 0.5 s .. 1.6 s, then a new SSRC from 1.7 s with seq and
	 * timestamp about to wrap */
	for (int k = 0; k < 55; k++) {
		uint64_t ta = 500 * MS + (uint64_t)k * 20 * MS;

		rtp_packet(T0 + ta + (uint64_t)(rand() % 10) * MS, RING_DIR_REV, ip_b, 5000, ip_a,
		           4000, 0x22222222, (uint16_t)(30000 + k), 999u + 160u * (uint32_t)k, 8, ta,
		           &callee);
	}
	for (int k = 0; k < 65; k++) {
		uint64_t ta = 1700 * MS + (uint64_t)k * 20 * MS;

		rtp_packet(T0 + ta + (uint64_t)(rand() % 10) * MS, RING_DIR_REV, ip_b, 5000, ip_a,
		           4000, 0x33333333, (uint16_t)(65500 + k), 0xfffff000u + 160u * (uint32_t)k,
		           8, ta, &callee);
	}
	return 0;
}

/* Relative power of frequency hz in n samples of channel ch from frame
 * start (1.0 = a pure tone at hz). */
static double goertzel(const int16_t *pcm, size_t start, size_t n, unsigned ch, double hz,
                       double *rmsp)
{
	double coeff = 2 * cos(2 * M_PI * hz / RATE), s1 = 0, s2 = 0, energy = 0, power;

	for (size_t i = 0; i < n; i++) {
		double x = pcm[(start + i) * 2 + ch], s0 = x + coeff * s1 - s2;

		s2 = s1;
		s1 = s0;
		energy += x * x;
	}
	power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
	if (rmsp)
		*rmsp = sqrt(energy / (double)n);
	return energy > 0 ? power / (energy * (double)n / 2) : 0;
}

/* First frame (5 ms steps) where a 10 ms window holds the tone; -1 if never. */
static long onset(const int16_t *pcm, size_t frames, unsigned ch, double hz)
{
	for (size_t s = 0; s + 80 <= frames; s += 40) {
		double rms, rel = goertzel(pcm, s, 80, ch, hz, &rms);

		if (rms > 2000 && rel > 0.5)
			return (long)s;
	}
	return -1;
}

static int max_abs(const int16_t *pcm, size_t from, size_t to, unsigned ch)
{
	int m = 0;

	for (size_t i = from; i < to; i++)
		if (abs(pcm[i * 2 + ch]) > m)
			m = abs(pcm[i * 2 + ch]);
	return m;
}

static void test_streams(void)
{
	struct decode_streams *ds = NULL;

	TEST_START("stream analysis");
	ASSERT_INT_EQ(decode_call_streams(ring, slot, gen, &ds), 0);
	if (!ds) {
		TEST_DONE();
		return;
	}
	ASSERT_INT_EQ(ds->n, 4);
	ASSERT_STR_EQ(ds->call.call_id, "tone-test@10.0.0.1");
	if (ds->n == 4) {
		const struct decode_stream *a = &ds->s[0], *o = &ds->s[1], *b = &ds->s[2],
		                           *c = &ds->s[3];

		ASSERT_INT_EQ(a->ssrc, 0x11111111);
		ASSERT_INT_EQ(a->dir, RING_DIR_FWD);
		ASSERT_STR_EQ(a->codec, "PCMU");
		ASSERT_INT_EQ(a->n_pts, 2);
		ASSERT_INT_EQ(a->pts[0], 0);
		ASSERT_INT_EQ(a->pts[1], 101);
		/* 139 audio + 1 event distinct; 14 mirrored copies */
		ASSERT_U64_EQ(a->packets, 140);
		ASSERT_U64_EQ(a->duplicates, 14);
		ASSERT_U64_EQ(a->lost, 1);
		ASSERT_INT_EQ(a->decodable, 1);
		ASSERT_INT_EQ(o->ssrc, 0x44444444);
		ASSERT_STR_EQ(o->codec, "opus");
		ASSERT_INT_EQ(o->decodable, 0);
		ASSERT_U64_EQ(o->packets, 20);
		ASSERT_INT_EQ(b->ssrc, 0x22222222);
		ASSERT_INT_EQ(b->dir, RING_DIR_REV);
		ASSERT_STR_EQ(b->codec, "PCMA");
		ASSERT_U64_EQ(b->packets, 55);
		ASSERT_U64_EQ(b->lost, 0);
		ASSERT_INT_EQ(c->ssrc, 0x33333333);
		ASSERT_U64_EQ(c->packets, 65);
		ASSERT_U64_EQ(c->lost, 0);
		ASSERT_U64_EQ(c->duplicates, 0);
		ASSERT_INT_EQ(c->segments, 1);
		/* the new SSRC starts where it was heard: 1.7 s (+ up to 10 ms jitter) */
		ASSERT_TRUE(c->first_frame >= 13600 && c->first_frame <= 13680);
		ASSERT_U64_EQ(ds->rtp_packets, 140 + 14 + 20 + 55 + 65);
		ASSERT_U64_EQ(ds->skipped, 0);
	}
	decode_streams_free(ds);
	TEST_DONE();
}

static void test_tones(void)
{
	struct decode_ctx *d = NULL;
	struct ring_iter it;
	struct ring_rec rec;
	const uint8_t *bytes;
	struct ring_call c;
	struct decode_wav_info info;
	int16_t *pcm = NULL;
	size_t frames = 0;
	long on;

	TEST_START("tones land in the right channel at the right time");
	ASSERT_INT_EQ(ring_call_read(ring, slot, &c), 0);
	d = decode_ctx_new(&c);
	ASSERT_TRUE(d != NULL);
	ASSERT_INT_EQ(ring_iter_init(&it, ring, slot, gen), 0);
	while (ring_iter_next(&it, &rec, &bytes) == 1)
		ASSERT_INT_EQ(decode_ctx_add(d, &rec, bytes), 0);
	ring_iter_clear(&it);
	ASSERT_INT_EQ(decode_ctx_pcm(d, &pcm, &frames, &info), 0);
	ASSERT_U64_EQ(frames, CALL_MS * RATE / 1000 + 1);
	ASSERT_INT_EQ(info.channels, 2);
	ASSERT_INT_EQ(info.streams_silent, 1);
	if (pcm && frames == CALL_MS * RATE / 1000 + 1) {
		on = onset(pcm, frames, 0, 440);
		ASSERT_TRUE(labs(on - 8000) <= 160);        /* 1.000 s +- 20 ms, left */
		on = onset(pcm, frames, 1, 1000);
		ASSERT_TRUE(labs(on - 16000) <= 160);       /* 2.000 s +- 20 ms, right */
		ASSERT_INT_EQ(onset(pcm, frames, 1, 440), -1);
		ASSERT_INT_EQ(onset(pcm, frames, 0, 1000), -1);
		/* the tones are there for their whole length (loss aside) */
		ASSERT_TRUE(goertzel(pcm, 8000 + 800, 800, 0, 440, NULL) > 0.8);
		ASSERT_TRUE(goertzel(pcm, 16000 + 1600, 800, 1, 1000, NULL) > 0.8);
		/* silence before and after, event and unknown codec never heard */
		ASSERT_INT_EQ(max_abs(pcm, 0, 7900, 0), 0);
		ASSERT_INT_EQ(max_abs(pcm, 12100, frames, 0), 0);
		ASSERT_INT_EQ(max_abs(pcm, 0, 15900, 1), 8);   /* A-law zero is +-8 */
		ASSERT_INT_EQ(max_abs(pcm, 20100, frames, 1), 8);   /* A-law zero is +-8 */
	}
	free(pcm);
	decode_ctx_free(d);
	TEST_DONE();
}

static void test_wav_fd(void)
{
	struct decode_wav_info info;
	SF_INFO sfi;
	SNDFILE *sf;
	int fd = memfd_create("wav", 0);
	short buf[2 * 100];

	TEST_START("WAV into a memfd through the ring API");
	ASSERT_TRUE(fd >= 0);
	ASSERT_INT_EQ(decode_call_wav(ring, slot, gen, NULL, fd, &info), 0);
	ASSERT_U64_EQ(info.frames, CALL_MS * RATE / 1000 + 1);
	lseek(fd, 0, SEEK_SET);
	memset(&sfi, 0, sizeof(sfi));
	sf = sf_open_fd(fd, SFM_READ, &sfi, 0);
	ASSERT_TRUE(sf != NULL);
	if (sf) {
		ASSERT_INT_EQ(sfi.channels, 2);
		ASSERT_INT_EQ(sfi.samplerate, 8000);
		ASSERT_INT_EQ(sfi.frames, CALL_MS * RATE / 1000 + 1);
		ASSERT_INT_EQ((sfi.format & SF_FORMAT_TYPEMASK), SF_FORMAT_WAV);
		ASSERT_INT_EQ((sfi.format & SF_FORMAT_SUBMASK), SF_FORMAT_PCM_16);
		sf_seek(sf, 8100, SEEK_SET);
		ASSERT_INT_EQ(sf_readf_short(sf, buf, 100), 100);
		ASSERT_TRUE(max_abs(buf, 0, 100, 0) > 8000);
		sf_close(sf);
	}
	if (fd >= 0)
		close(fd);
	TEST_DONE();
}

/* The vault rebuilds a call from a pcap: records carry no kind and no
 * direction. The analysis must come out the same. */
static void test_unclassified(void)
{
	struct decode_streams *ref = NULL, *ds = NULL;
	struct decode_ctx *d = NULL;
	struct ring_iter it;
	struct ring_rec rec;
	const uint8_t *bytes;
	struct ring_call c;

	TEST_START("unclassified records (from a pcap) give the same streams");
	ASSERT_INT_EQ(decode_call_streams(ring, slot, gen, &ref), 0);
	ASSERT_INT_EQ(ring_call_read(ring, slot, &c), 0);
	d = decode_ctx_new(&c);
	ASSERT_TRUE(d != NULL && ref != NULL);
	if (!d || !ref)
		goto out;
	ASSERT_INT_EQ(ring_iter_init(&it, ring, slot, gen), 0);
	while (ring_iter_next(&it, &rec, &bytes) == 1) {
		rec.kind = 0;
		rec.dir = RING_DIR_UNKNOWN;
		rec.l5_off = 0xffff;
		ASSERT_INT_EQ(decode_ctx_add(d, &rec, bytes), 0);
	}
	ring_iter_clear(&it);
	ASSERT_INT_EQ(decode_ctx_streams(d, &ds), 0);
	if (!ds)
		goto out;
	ASSERT_INT_EQ(ds->n, ref->n);
	ASSERT_U64_EQ(ds->rtp_packets, ref->rtp_packets);
	for (size_t i = 0; i < ds->n && i < ref->n; i++) {
		ASSERT_INT_EQ(ds->s[i].ssrc, ref->s[i].ssrc);
		ASSERT_INT_EQ(ds->s[i].dir, ref->s[i].dir);
		ASSERT_U64_EQ(ds->s[i].packets, ref->s[i].packets);
		ASSERT_U64_EQ(ds->s[i].duplicates, ref->s[i].duplicates);
		ASSERT_INT_EQ(ds->s[i].first_frame, ref->s[i].first_frame);
	}
out:
	decode_streams_free(ref);
	decode_streams_free(ds);
	decode_ctx_free(d);
	TEST_DONE();
}

static void test_errors(void)
{
	struct decode_streams *ds = NULL;
	struct decode_ctx *d;
	struct ring_rec rec;
	uint8_t junk[60] = { 0 };

	TEST_START("stale generation, free slot, junk records");
	ASSERT_INT_EQ(decode_call_streams(ring, slot, gen + 1, &ds), TR_ERR_STALE);
	ASSERT_TRUE(ds == NULL);
	ASSERT_INT_EQ(decode_call_streams(ring, (slot + 1) % 16, 1, &ds), TR_ERR_NOTFOUND);
	d = decode_ctx_new(NULL);
	ASSERT_TRUE(d != NULL);
	memset(&rec, 0, sizeof(rec));
	rec.kind = RING_K_RTP;
	rec.link_type = 1;
	for (uint32_t len = 0; len <= sizeof(junk); len++) {
		rec.caplen = len;
		ASSERT_INT_EQ(decode_ctx_add(d, &rec, junk), 0);
	}
	ASSERT_INT_EQ(decode_ctx_streams(d, &ds), 0);
	if (ds) {
		ASSERT_INT_EQ(ds->n, 0);
		ASSERT_U64_EQ(ds->skipped, sizeof(junk) + 1);
	}
	decode_streams_free(ds);
	decode_ctx_free(d);
	TEST_DONE();
}

/* A WAV write that fails half-way (here: the file size limit) leaves no
 * short file behind at the path; one that succeeds leaves the file. */
static void test_wav_no_partial(void)
{
	static int16_t pcm[2 * 8000];
	char dir[] = "/tmp/test_decode.XXXXXX", path[64];
	struct rlimit rl = { 4096, 4096 };
	int st = -1;
	pid_t pid;

	TEST_START("failed WAV write leaves no half-written file");
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/out.wav", dir);
	pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(wav_write(path, -1, pcm, 8000, 2, 8000) == TR_ERR_SYS ? 0 : 1);
	}
	ASSERT_TRUE(pid > 0);
	if (pid > 0)
		waitpid(pid, &st, 0);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_TRUE(access(path, F_OK) != 0);
	ASSERT_INT_EQ(wav_write(path, -1, pcm, 8000, 2, 8000), 0);
	ASSERT_INT_EQ(access(path, F_OK), 0);
	unlink(path);
	rmdir(dir);
	TEST_DONE();
}

int main(void)
{
	int r = setup_call();

	TEST_START("setup");
	ASSERT_INT_EQ(r, 0);
	TEST_DONE();
	if (r == 0) {
		test_streams();
		test_tones();
		test_wav_fd();
		test_wav_no_partial();
		test_unclassified();
		test_errors();
	}
	ring_close(ring);
	return TEST_EXIT();
}
