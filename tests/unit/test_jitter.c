/* test_jitter.c - the sequencer, modelled on rtpengine t/test-sequencer.c:
 * in order, reorder, duplicate, 16-bit seq wrap, 32-bit ts wrap, loss,
 * SSRC change, jitter, timestamp jump (re-anchor), seq restart. */
#include <stdlib.h>

#include "test.h"
#include "common/err.h"
#include "decoder/jitter.h"

#define T0     UINT64_C(1700000000000000000)
#define MS     UINT64_C(1000000)
#define NPK    64

static struct jitter_pkt pk[4 * NPK];
static size_t npk;

static void add(uint32_t stream, uint16_t seq, uint32_t ts, uint64_t t_ns)
{
	struct jitter_pkt *p = &pk[npk++];

	memset(p, 0, sizeof(*p));
	p->stream = stream;
	p->seq = seq;
	p->ts = ts;
	p->t_ns = t_ns;
	p->data_len = 160;
}

static int run(struct jitter_stream *st, uint32_t n_streams)
{
	struct jitter_conf c = { .t0_ns = T0, .out_rate = 8000 };

	for (uint32_t i = 0; i < n_streams; i++)
		st[i].clock_rate = 8000;
	return jitter_sequence(&c, pk, npk, st, n_streams);
}

/* Every non-duplicate packet sits at (its ts - ts0) + base, ts0 the first. */
static int check_linear(uint32_t stream, uint16_t seq0, uint32_t ts0, int64_t base)
{
	int bad = 0;

	for (size_t i = 0; i < npk; i++) {
		const struct jitter_pkt *p = &pk[i];

		if (p->dup || p->stream != stream)
			continue;
		if (p->pos != base + (int64_t)(int32_t)(p->ts - ts0) ||
		    p->ext_seq - pk[0].ext_seq != (int64_t)(uint16_t)(p->seq - seq0))
			bad++;
	}
	return bad;
}

static void test_in_order(void)
{
	struct jitter_stream st[1];

	TEST_START("in order");
	npk = 0;
	for (int i = 0; i < 50; i++)
		add(0, (uint16_t)(1000 + i), 5000 + 160u * i, T0 + 200 * MS + i * 20 * MS);
	ASSERT_INT_EQ(run(st, 1), 0);
	ASSERT_U64_EQ(st[0].packets, 50);
	ASSERT_U64_EQ(st[0].duplicates, 0);
	ASSERT_U64_EQ(st[0].lost, 0);
	ASSERT_INT_EQ(st[0].first_pos, 1600);        /* 200 ms at 8 kHz */
	ASSERT_INT_EQ(check_linear(0, 1000, 5000, 1600), 0);
	ASSERT_INT_EQ(st[0].segments, 1);
	TEST_DONE();
}

static void test_reorder(void)
{
	struct jitter_stream st[1];
	int sorted = 1;

	TEST_START("reorder");
	npk = 0;
	/* pairs swapped on the wire: 1 0 3 2 5 4 ...; the even ones are late */
	for (int i = 0; i < 40; i += 2) {
		add(0, (uint16_t)(i + 1), 160u * (i + 1), T0 + (uint64_t)(i + 1) * 20 * MS);
		add(0, (uint16_t)i, 160u * i, T0 + (uint64_t)(i + 1) * 20 * MS + MS);
	}
	ASSERT_INT_EQ(run(st, 1), 0);
	ASSERT_U64_EQ(st[0].packets, 40);
	ASSERT_U64_EQ(st[0].lost, 0);
	for (size_t i = 1; i < npk; i++)
		if (pk[i].ext_seq != pk[i - 1].ext_seq + 1)
			sorted = 0;
	ASSERT_TRUE(sorted);
	ASSERT_INT_EQ(pk[0].seq, 0);
	/* seq 1 arrived first, on time, seq 0 21 ms late: the anchor takes
	 * the least-delayed packet, so seq 0 is at 0, not at 21 ms */
	ASSERT_INT_EQ(pk[0].pos, 0);
	ASSERT_INT_EQ(pk[39].pos, 39 * 160);
	TEST_DONE();
}

static void test_duplicate(void)
{
	struct jitter_stream st[1];
	int dups = 0;

	TEST_START("duplicates dropped");
	npk = 0;
	for (int i = 0; i < 20; i++) {
		add(0, (uint16_t)(500 + i), 160u * i, T0 + (uint64_t)i * 20 * MS);
		if (i % 5 == 0)       /* a SPAN port mirrored it twice */
			add(0, (uint16_t)(500 + i), 160u * i, T0 + (uint64_t)i * 20 * MS + 10000);
	}
	/* a late third copy, and a same-seq packet with another timestamp (not a dup) */
	add(0, 505, 160u * 5, T0 + 700 * MS);
	add(0, 510, 999999, T0 + 710 * MS);
	ASSERT_INT_EQ(run(st, 1), 0);
	ASSERT_U64_EQ(st[0].duplicates, 5);
	ASSERT_U64_EQ(st[0].packets, 21);
	ASSERT_U64_EQ(st[0].packets + st[0].duplicates, npk);
	ASSERT_U64_EQ(st[0].lost, 0);
	for (size_t i = 0; i < npk; i++)
		dups += pk[i].dup;
	ASSERT_INT_EQ(dups, 5);
	TEST_DONE();
}

static void test_seq_wrap(void)
{
	struct jitter_stream st[1];

	TEST_START("16-bit sequence wrap");
	npk = 0;
	for (int i = 0; i < 30; i++)
		add(0, (uint16_t)(65520 + i), 160u * i, T0 + (uint64_t)i * 20 * MS);
	/* one reordered across the wrap: 65535 after 0 */
	{
		struct jitter_pkt tmp = pk[15];

		pk[15] = pk[16];
		pk[16] = tmp;
	}
	ASSERT_INT_EQ(run(st, 1), 0);
	ASSERT_U64_EQ(st[0].packets, 30);
	ASSERT_U64_EQ(st[0].lost, 0);
	ASSERT_INT_EQ(pk[29].ext_seq - pk[0].ext_seq, 29);
	ASSERT_INT_EQ(pk[15].seq, 65535);
	ASSERT_INT_EQ(pk[16].seq, 0);
	ASSERT_INT_EQ(pk[16].pos, 16 * 160);
	ASSERT_INT_EQ(check_linear(0, 65520, 0, 0), 0);
	TEST_DONE();
}

static void test_ts_wrap(void)
{
	struct jitter_stream st[1];

	TEST_START("32-bit timestamp wrap");
	npk = 0;
	for (int i = 0; i < 30; i++)
		add(0, (uint16_t)i, 0xfffff000u + 160u * i, T0 + 100 * MS + (uint64_t)i * 20 * MS);
	ASSERT_INT_EQ(run(st, 1), 0);
	ASSERT_U64_EQ(st[0].packets, 30);
	ASSERT_INT_EQ(st[0].segments, 1);
	ASSERT_INT_EQ(pk[29].pos, 800 + 29 * 160);
	ASSERT_INT_EQ(check_linear(0, 0, 0xfffff000u, 800), 0);
	TEST_DONE();
}

static void test_loss(void)
{
	struct jitter_stream st[1];

	TEST_START("loss leaves exactly the gap");
	npk = 0;
	for (int i = 0; i < 50; i++) {
		if (i == 10 || i == 11 || i == 12 || i == 30)
			continue;
		add(0, (uint16_t)(40000 + i), 77u + 160u * i, T0 + (uint64_t)i * 20 * MS);
	}
	ASSERT_INT_EQ(run(st, 1), 0);
	ASSERT_U64_EQ(st[0].packets, 46);
	ASSERT_U64_EQ(st[0].lost, 4);
	/* packet 13 starts 3 packets (480 samples) after packet 9 ends */
	ASSERT_INT_EQ(pk[10].seq, 40013);
	ASSERT_INT_EQ(pk[10].pos - pk[9].pos, 4 * 160);
	ASSERT_INT_EQ(check_linear(0, 40000, 77, 0), 0);
	TEST_DONE();
}

static void test_ssrc_change(void)
{
	struct jitter_stream st[2];

	TEST_START("SSRC change on one direction");
	npk = 0;
	for (int i = 0; i < 50; i++)       /* old SSRC: 0..1 s */
		add(0, (uint16_t)(100 + i), 1000u + 160u * i, T0 + (uint64_t)i * 20 * MS);
	for (int i = 0; i < 50; i++)       /* new SSRC from 1.5 s, unrelated seq/ts */
		add(1, (uint16_t)(60000 + i), 0x80000000u + 160u * i,
		    T0 + 1500 * MS + (uint64_t)i * 20 * MS);
	ASSERT_INT_EQ(run(st, 2), 0);
	ASSERT_U64_EQ(st[0].packets, 50);
	ASSERT_U64_EQ(st[1].packets, 50);
	ASSERT_U64_EQ(st[0].lost + st[1].lost, 0);
	ASSERT_INT_EQ(st[0].first_pos, 0);
	ASSERT_INT_EQ(st[1].first_pos, 12000);     /* 1.5 s */
	ASSERT_INT_EQ(pk[99].pos, 12000 + 49 * 160);
	TEST_DONE();
}

static void test_jitter_does_not_move_audio(void)
{
	struct jitter_stream st[1];
	int bad = 0;

	TEST_START("network jitter does not move audio");
	npk = 0;
	srand(7);
	for (int i = 0; i < 200; i++) {
		uint64_t jit = (uint64_t)(rand() % 40) * MS;   /* 0..39 ms late */

		add(0, (uint16_t)i, 160u * i, T0 + 300 * MS + (uint64_t)i * 20 * MS + jit);
	}
	pk[0].t_ns = T0 + 300 * MS + 25 * MS;   /* the first one was late */
	ASSERT_INT_EQ(run(st, 1), 0);
	for (size_t i = 1; i < npk; i++)
		if (pk[i].pos - pk[i - 1].pos != 160)
			bad++;
	ASSERT_INT_EQ(bad, 0);
	/* anchored on the least-delayed packet of the first second: within 20 ms */
	ASSERT_TRUE(pk[0].pos >= 2400 && pk[0].pos <= 2400 + 160);
	TEST_DONE();
}

static void test_ts_jump_reanchors(void)
{
	struct jitter_stream st[1];

	TEST_START("absurd timestamp jump re-anchors on the capture clock");
	npk = 0;
	for (int i = 0; i < 50; i++)
		add(0, (uint16_t)i, 160u * i, T0 + (uint64_t)i * 20 * MS);
	/* the sender jumps its timestamp by an hour, the packets keep coming */
	for (int i = 50; i < 100; i++)
		add(0, (uint16_t)i, 160u * i + 8000u * 3600u, T0 + (uint64_t)i * 20 * MS);
	ASSERT_INT_EQ(run(st, 1), 0);
	ASSERT_INT_EQ(st[0].segments, 2);
	ASSERT_INT_EQ(pk[50].pos, 50 * 160);
	ASSERT_INT_EQ(pk[99].pos, 99 * 160);
	ASSERT_U64_EQ(st[0].lost, 0);
	TEST_DONE();
}

static void test_seq_restart(void)
{
	struct jitter_stream st[1];

	TEST_START("sequence restart is not loss");
	npk = 0;
	for (int i = 0; i < 20; i++)
		add(0, (uint16_t)(10 + i), 160u * i, T0 + (uint64_t)i * 20 * MS);
	for (int i = 20; i < 40; i++)
		add(0, (uint16_t)(20000 + i), 160u * i, T0 + (uint64_t)i * 20 * MS);
	ASSERT_INT_EQ(run(st, 1), 0);
	ASSERT_U64_EQ(st[0].packets, 40);
	ASSERT_U64_EQ(st[0].lost, 0);
	ASSERT_INT_EQ(pk[39].pos, 39 * 160);
	TEST_DONE();
}

static void test_bad_args(void)
{
	struct jitter_stream st[1] = { { 0 } };
	struct jitter_conf c = { .t0_ns = T0, .out_rate = 0 };

	TEST_START("bad arguments");
	npk = 0;
	add(3, 1, 1, T0);
	ASSERT_INT_EQ(jitter_sequence(&c, pk, npk, st, 1), TR_ERR_INVAL);
	c.out_rate = 8000;
	ASSERT_INT_EQ(jitter_sequence(&c, pk, npk, st, 1), TR_ERR_INVAL);   /* stream 3 of 1 */
	ASSERT_INT_EQ(jitter_sequence(&c, pk, 0, st, 1), 0);
	ASSERT_U64_EQ(st[0].packets, 0);
	TEST_DONE();
}

/* A flood of one sequence number (replayed or crafted packets) costs
 * linear time: past 32 packets of one seq the rest are duplicates. */
static void test_same_seq_flood(void)
{
	const size_t n = 100000;
	struct jitter_conf c = { .t0_ns = T0, .out_rate = 8000 };
	struct jitter_stream st[2] = { { .clock_rate = 8000 }, { .clock_rate = 8000 } };
	struct jitter_pkt *f = calloc(2 * n, sizeof(*f));

	TEST_START("one sequence number flooded: bounded duplicate search");
	ASSERT_TRUE(f != NULL);
	if (!f)
		goto out;
	for (size_t i = 0; i < 2 * n; i++) {
		f[i].stream = i < n ? 0 : 1;          /* 0: distinct ts, 1: identical copies */
		f[i].seq = 7;
		f[i].ts = i < n ? 160u * (uint32_t)i : 160u;
		f[i].t_ns = T0 + (uint64_t)i * 1000;
	}
	ASSERT_INT_EQ(jitter_sequence(&c, f, 2 * n, st, 2), 0);
	ASSERT_U64_EQ(st[0].packets, 33);
	ASSERT_U64_EQ(st[0].duplicates, n - 33);
	ASSERT_U64_EQ(st[1].packets, 1);
	ASSERT_U64_EQ(st[1].duplicates, n - 1);
out:
	free(f);
	TEST_DONE();
}

/* A clock rate near 2^32 days into a call: the timestamp -> sample
 * conversion must not overflow (it used to re-anchor every packet). */
static void test_huge_clock_rate(void)
{
	const size_t n = 700000;                  /* 0.5 s apart: about 4 days */
	struct jitter_conf c = { .t0_ns = T0, .out_rate = 8000 };
	struct jitter_stream st[1] = { { .clock_rate = 4000000000u } };
	struct jitter_pkt *f = calloc(n, sizeof(*f));
	size_t bad = 0;

	TEST_START("clock rate 4 GHz over days: no overflow, one segment");
	ASSERT_TRUE(f != NULL);
	if (!f)
		goto out;
	for (size_t i = 0; i < n; i++) {
		f[i].seq = (uint16_t)i;
		f[i].ts = (uint32_t)(2000000000ull * i);  /* 0.5 s at 4 GHz, wraps */
		f[i].t_ns = T0 + (uint64_t)i * 500 * MS;
	}
	ASSERT_INT_EQ(jitter_sequence(&c, f, n, st, 1), 0);
	ASSERT_U64_EQ(st[0].packets, n);
	ASSERT_INT_EQ(st[0].segments, 1);
	for (size_t i = 0; i < n; i++)
		if (f[i].pos != (int64_t)f[i].arrival * 4000)
			bad++;
	ASSERT_U64_EQ(bad, 0);
out:
	free(f);
	TEST_DONE();
}

int main(void)
{
	test_in_order();
	test_reorder();
	test_duplicate();
	test_seq_wrap();
	test_ts_wrap();
	test_loss();
	test_ssrc_change();
	test_jitter_does_not_move_audio();
	test_ts_jump_reanchors();
	test_seq_restart();
	test_bad_args();
	test_same_seq_flood();
	test_huge_clock_rate();
	return TEST_EXIT();
}
