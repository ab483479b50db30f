/* test_calltab.c - call keys (swapped tags), endpoint hash (RTP, RTCP,
 * mux, precedence of the newest SDP, learned entries never shadowing SDP),
 * per-call endpoint bound, table bound, removal. */
#include <arpa/inet.h>

#include "calltab.h"
#include "test.h"

static struct ring_media media(const char *ip, uint16_t port, uint16_t rtcp, int mux, uint8_t side)
{
	struct ring_media m;

	memset(&m, 0, sizeof(m));
	m.family = 4;
	m.side = side;
	m.port = port;
	m.rtcp_port = rtcp;
	m.rtcp_mux = (uint8_t)mux;
	inet_pton(AF_INET, ip, m.addr);
	return m;
}

static struct ct_call *look(struct calltab *t, const char *ip, uint16_t port, const struct ct_ep **ep)
{
	uint8_t a[16] = { 0 };

	inet_pton(AF_INET, ip, a);
	return calltab_ep_lookup(t, 4, a, port, ep);
}

static void test_keys(void)
{
	struct calltab *t = calltab_new(4);
	struct ct_call *a, *b, *c;
	bool sw = true;

	TEST_START("keys: Call-ID + From-tag; swapped tags; bound");
	ASSERT_TRUE(t != NULL);
	a = calltab_add(t, "id1", "fa");
	b = calltab_add(t, "id1", "fb");
	ASSERT_TRUE(a != NULL && b != NULL && a != b);
	ASSERT_TRUE(calltab_find(t, "id1", "fa", "", &sw) == a);
	ASSERT_TRUE(!sw);
	ASSERT_TRUE(calltab_find(t, "id1", "callee-tag", "fb", &sw) == b);
	ASSERT_TRUE(sw);
	ASSERT_TRUE(calltab_find(t, "id2", "fa", "fb", &sw) == NULL);
	ASSERT_TRUE(calltab_add(t, "id3", "") != NULL);
	ASSERT_TRUE(calltab_add(t, "id4", "") != NULL);
	ASSERT_TRUE(calltab_add(t, "id5", "") == NULL);
	c = calltab_find(t, "id3", "", NULL, &sw);
	ASSERT_TRUE(c != NULL);
	calltab_del(t, c);
	ASSERT_TRUE(calltab_find(t, "id3", "", NULL, &sw) == NULL);
	ASSERT_TRUE(calltab_add(t, "id5", "") != NULL);
	{
		struct calltab_stats st;
		calltab_get_stats(t, &st);
		ASSERT_U64_EQ(st.calls, 4);
		ASSERT_U64_EQ(st.full, 1);
	}
	calltab_free(t);
	calltab_free(NULL);
	ASSERT_TRUE(calltab_new(0) == NULL);
	TEST_DONE();
}

static void test_endpoints(void)
{
	struct calltab *t = calltab_new(8);
	struct ct_call *a, *b;
	const struct ct_ep *ep = NULL;
	struct ring_media m;
	uint8_t src[16] = { 0 };
	int i;

	TEST_START("endpoints: RTP, RTCP, mux, newest SDP wins, bound, learning");
	ASSERT_TRUE(t != NULL);
	a = calltab_add(t, "a", "1");
	b = calltab_add(t, "b", "1");
	m = media("10.0.0.1", 4000, 4001, 0, RING_SIDE_CALLER);
	calltab_media_add(t, a, &m);
	m = media("10.0.0.2", 5000, 5000, 1, RING_SIDE_CALLEE);
	calltab_media_add(t, a, &m);
	ASSERT_INT_EQ(a->rc.n_media, 2);
	ASSERT_TRUE(look(t, "10.0.0.1", 4000, &ep) == a && ep->kind == CT_EP_RTP &&
	            ep->side == RING_SIDE_CALLER);
	ASSERT_TRUE(look(t, "10.0.0.1", 4001, &ep) == a && ep->kind == CT_EP_RTCP);
	ASSERT_TRUE(look(t, "10.0.0.2", 5000, &ep) == a && ep->kind == CT_EP_MUX &&
	            ep->side == RING_SIDE_CALLEE);
	ASSERT_TRUE(look(t, "10.0.0.2", 5001, &ep) == NULL);
	/* the same announcement again changes nothing */
	m = media("10.0.0.1", 4000, 4001, 0, RING_SIDE_CALLER);
	calltab_media_add(t, a, &m);
	ASSERT_INT_EQ(a->rc.n_media, 2);
	/* b announces a's address: the newest SDP wins, until b leaves */
	calltab_media_add(t, b, &m);
	ASSERT_TRUE(look(t, "10.0.0.1", 4000, &ep) == b);
	calltab_del(t, b);
	ASSERT_TRUE(look(t, "10.0.0.1", 4000, &ep) == a);
	/* learning: not over a known endpoint; never shadows an SDP entry */
	inet_pton(AF_INET, "10.0.0.1", src);
	ASSERT_TRUE(!calltab_learn(t, a, 4, src, 4000, RING_SIDE_CALLEE));
	inet_pton(AF_INET, "203.0.113.5", src);
	ASSERT_TRUE(calltab_learn(t, a, 4, src, 31000, RING_SIDE_CALLER));
	ASSERT_TRUE(look(t, "203.0.113.5", 31000, &ep) == a && ep->learned &&
	            ep->side == RING_SIDE_CALLER);
	b = calltab_add(t, "b2", "1");
	m = media("203.0.113.5", 31000, 31001, 0, RING_SIDE_CALLEE);
	calltab_media_add(t, b, &m);
	ASSERT_TRUE(look(t, "203.0.113.5", 31000, &ep) == b && !ep->learned);
	/* RING_MEDIA_MAX per call: the oldest goes, the newest stay */
	for (i = 0; i < RING_MEDIA_MAX + 2; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.1.0.%d", i + 1);
		m = media(ip, 6000, 6001, 0, RING_SIDE_CALLEE);
		calltab_media_add(t, a, &m);
	}
	ASSERT_INT_EQ(a->rc.n_media, RING_MEDIA_MAX);
	ASSERT_TRUE(look(t, "10.0.0.1", 4000, &ep) == NULL);
	ASSERT_TRUE(look(t, "10.0.0.2", 5000, &ep) == NULL);
	ASSERT_TRUE(look(t, "10.1.0.1", 6000, &ep) == NULL);
	ASSERT_TRUE(look(t, "10.1.0.2", 6001, &ep) == NULL);
	ASSERT_TRUE(look(t, "10.1.0.3", 6000, &ep) == a);
	ASSERT_TRUE(look(t, "10.1.0.10", 6001, &ep) == a);
	calltab_del(t, a);
	ASSERT_TRUE(look(t, "10.1.0.10", 6000, &ep) == NULL);
	ASSERT_TRUE(look(t, "203.0.113.5", 31000, &ep) == b);
	calltab_free(t);
	TEST_DONE();
}

static void test_many(void)
{
	struct calltab *t = calltab_new(1000);
	struct ct_call *c;
	const struct ct_ep *ep;
	struct ring_media m;
	char id[32];
	int i, ok = 0;
	bool sw;

	TEST_START("1000 calls with endpoints, found by hash");
	ASSERT_TRUE(t != NULL);
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "call-%d", i);
		c = calltab_add(t, id, "t");
		if (c == NULL)
			break;
		m = media("10.2.0.1", (uint16_t)(10000 + 2 * i), (uint16_t)(10001 + 2 * i), 0,
		          RING_SIDE_CALLER);
		calltab_media_add(t, c, &m);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "call-%d", i);
		c = calltab_find(t, id, "t", NULL, &sw);
		if (c != NULL && look(t, "10.2.0.1", (uint16_t)(10001 + 2 * i), &ep) == c)
			ok++;
	}
	ASSERT_INT_EQ(ok, 1000);
	calltab_free(t);
	TEST_DONE();
}

int main(void)
{
	test_keys();
	test_endpoints();
	test_many();
	return TEST_EXIT();
}
