/* test_capfilter.c - capfile_load_call / engine_set_filter: a one-call load
 * of a capture keeps exactly the records an unfiltered load keeps for that
 * call (same order, same bytes), none for any other call, and still lists
 * every call. Uses the generated pcaps/concurrent-20.pcap (20 overlapping
 * calls) and pcaps/frag-invite.pcap (IP-fragmented INVITE). Run from the
 * top of the tree. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "common/err.h"
#include "decoder/capfile.h"

#define CONC_PCAP "pcaps/concurrent-20.pcap"
#define FRAG_PCAP "pcaps/frag-invite.pcap"

/* Slot of the n-th live call in slot order, or RING_NONE. */
static uint32_t nth_call(const struct ring *ring, uint32_t n, struct ring_call *c)
{
	for (uint32_t s = 0; s < ring_slots(ring); s++)
		if (ring_call_read(ring, s, c) == 0 && n-- == 0)
			return s;
	return RING_NONE;
}

static uint32_t count_calls(const struct ring *ring)
{
	struct ring_call c;
	uint32_t n = 0;

	for (uint32_t s = 0; s < ring_slots(ring); s++)
		if (ring_call_read(ring, s, &c) == 0)
			n++;
	return n;
}

/* Whether the records of call_id are identical in both rings; *np = count. */
static int same_records(const struct ring *a, const struct ring *b, const char *call_id,
                        uint64_t *np)
{
	struct ring_call ca, cb;
	struct ring_iter ia, ib;
	struct ring_rec ra, rb;
	const uint8_t *ba, *bb;
	uint32_t sa, sb;
	int ok = 0, ka, kb;

	*np = 0;
	if (ring_find(a, call_id, NULL, &sa, &ca) != 0 || ring_find(b, call_id, NULL, &sb, &cb) != 0)
		return 0;
	if (ring_iter_init(&ia, a, sa, ca.gen) != 0)
		return 0;
	if (ring_iter_init(&ib, b, sb, cb.gen) != 0) {
		ring_iter_clear(&ia);
		return 0;
	}
	for (;;) {
		ka = ring_iter_next(&ia, &ra, &ba);
		kb = ring_iter_next(&ib, &rb, &bb);
		if (ka != kb)
			goto out;
		if (ka != 1)
			break;
		if (memcmp(&ra, &rb, sizeof(ra)) != 0 || memcmp(ba, bb, ra.caplen) != 0)
			goto out;
		(*np)++;
	}
	ok = ka == 0 && ca.n_packets == cb.n_packets && ca.state == cb.state &&
	     ca.t_end == cb.t_end && ca.n_media == cb.n_media;
out:
	ring_iter_clear(&ia);
	ring_iter_clear(&ib);
	return ok;
}

static void check_file(const char *path, uint32_t pick, const char *name)
{
	struct ring *all = NULL, *one = NULL;
	struct capfile_stats st_all, st_one;
	struct ring_stats rs;
	struct ring_call c;
	char call_id[RING_CALLID_MAX];
	uint64_t n = 0;
	uint32_t s;

	TEST_START(name);
	ASSERT_INT_EQ(capfile_load(path, &all, &st_all), 0);
	if (all == NULL)
		goto out;
	s = nth_call(all, pick, &c);
	ASSERT_TRUE(s != RING_NONE);
	if (s == RING_NONE)
		goto out;
	memcpy(call_id, c.call_id, sizeof(call_id));
	ASSERT_INT_EQ(capfile_load_call(path, call_id, &one, &st_one), 0);
	if (one == NULL)
		goto out;
	ASSERT_U64_EQ(st_one.packets, st_all.packets);
	ASSERT_INT_EQ(count_calls(one), count_calls(all));
	ASSERT_TRUE(same_records(all, one, call_id, &n));
	ASSERT_TRUE(n > 0);
	/* nothing else was stored */
	ring_stats_read(one, &rs);
	ASSERT_U64_EQ(rs.stored_packets, n);
	for (s = 0; s < ring_slots(one); s++)
		if (ring_call_read(one, s, &c) == 0 && strcmp(c.call_id, call_id) != 0)
			ASSERT_U64_EQ(c.n_packets, 0);
out:
	ring_close(all);
	ring_close(one);
	TEST_DONE();
}

static void test_absent(void)
{
	struct ring *one = NULL;
	struct capfile_stats st;
	struct ring_stats rs;

	TEST_START("filter on an absent Call-ID stores nothing, lists every call");
	ASSERT_INT_EQ(capfile_load_call(CONC_PCAP, "no-such-call@nowhere", &one, &st), 0);
	if (one != NULL) {
		ring_stats_read(one, &rs);
		ASSERT_U64_EQ(rs.stored_packets, 0);
		ASSERT_INT_EQ(count_calls(one), 20);
		ASSERT_TRUE(st.packets > 0);
	}
	ring_close(one);
	TEST_DONE();
}

int main(void)
{
	check_file(CONC_PCAP, 7, "one of 20 concurrent calls: same records as unfiltered");
	check_file(CONC_PCAP, 0, "first of 20 concurrent calls: same records as unfiltered");
	check_file(FRAG_PCAP, 0, "fragmented INVITE: same records (fragments) as unfiltered");
	test_absent();
	return TEST_EXIT();
}
