/* test_vault_recorder.c - vault/recorder.c against a private ring: a mark
 * pins and journals, is idempotent, copies out a live call and seals it
 * (call end, max_length, stop); refused marks (head lost, wrong gen, agent
 * of another extension) leave no recording; a phone request becomes a
 * mark; the sealed container reads back with every record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sodium.h>
#include "err.h"
#include "sniffer/ring.h"
#include "vault/vconf.h"
#include "vault/keys.h"
#include "vault/index.h"
#include "vault/audit.h"
#include "vault/notify.h"
#include "vault/recorder.h"
#include "vault/export.h"
#include "test.h"

static struct ring *rg;
static char dir[64];

static uint32_t
new_call(const char *id, const char *agent, uint32_t *genp)
{
	struct ring_call c, rd;
	uint32_t slot = RING_NONE;

	memset(&c, 0, sizeof c);
	snprintf(c.call_id, sizeof c.call_id, "%s", id);
	snprintf(c.from_tag, sizeof c.from_tag, "ft-%s", id);
	snprintf(c.caller, sizeof c.caller, "555");
	snprintf(c.callee, sizeof c.callee, "%s", agent);
	snprintf(c.agent, sizeof c.agent, "%s", agent);
	c.state = RING_ST_ACTIVE;
	c.t_first = 1700000000000000000ULL;
	c.link_type = 1;
	if (ring_call_new(rg, &c, &slot) != 0 || ring_call_read(rg, slot, &rd) != 0)
		return RING_NONE;
	*genp = rd.gen;
	return slot;
}

/* n records of 100 bytes, 20 ms apart, from time t0 */
static void
add_recs(uint32_t slot, uint32_t n, uint64_t t0)
{
	uint8_t b[100];
	struct ring_rec r;
	uint32_t i;

	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof r);
		memset(b, (int)(i & 0xff), sizeof b);
		r.ts_ns = t0 + (uint64_t)i * 20000000ULL;
		r.caplen = r.origlen = sizeof b;
		r.link_type = 1;
		r.kind = RING_K_RTP;
		r.l5_off = 0xffff;
		ring_call_append(rg, slot, &r, b);
	}
}

static void
end_call(uint32_t slot, uint64_t t)
{
	struct ring_call c;
	ring_call_read(rg, slot, &c);
	c.state = RING_ST_ENDED;
	c.t_end = c.t_last = t;
	ring_call_update(rg, slot, &c);
}

static int
pcap_records(const struct vconf *vc, const struct keys *k, const struct rec *r)
{
	struct export_plain x;
	char path[512], why[200];
	size_t o = 24;
	int n = 0;

	snprintf(path, sizeof path, "%s/rec/%s", vc->storage, r->container);
	if (export_plain_load(path, 1 << 26, k, &x, why, sizeof why) != 0)
		return -1;
	while (o + 16 <= x.pcap_len) {
		uint32_t cl;
		memcpy(&cl, x.pcap + o + 8, 4);
		o += 16 + cl;
		n++;
	}
	if ((size_t)n != x.side_len)
		n = -2;
	export_plain_clear(&x);
	return n;
}

static void
tick_until_sealed(struct recorder *rc, struct index *ix, const char *id, struct rec *out)
{
	int i;
	for (i = 0; i < 100; i++) {
		recorder_tick(rc);
		if (index_rec_get(ix, id, out) == 0 && strcmp(out->state, "recording") != 0)
			return;
		usleep(10000);
	}
}

int
main(void)
{
	struct ring_conf rcf = { .name = NULL, .size = 4u << 20, .slots = 64, .chunk_size = 4096,
	                         .grace_ns = UINT64_MAX, .mode = 0600 };
	struct vconf vc;
	struct keys *k = NULL;
	struct index *ix = NULL;
	struct audit *au = NULL;
	struct notify *nt = NULL;
	struct recorder *rc = NULL;
	struct recorder_mark_req q;
	struct rec out, out2, got;
	char err[200], path[128];
	uint32_t s1, g1, s2, g2, s3, g3, s4, g4;
	bool existing = false;

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof dir, "/tmp/test_vault_recorder.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	vconf_load(&vc, NULL, err, sizeof err);
	snprintf(vc.storage, sizeof vc.storage, "%s", dir);
	vc.grace_ns = 0;
	vc.max_length_ns = 10ULL * 1000000000ULL;
	snprintf(path, sizeof path, "%s/rec", dir); mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/tmp", dir); mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/index.db", dir);
	if (keys_create(dir) != 0 || keys_load(dir, &k) != 0 || index_open(path, &ix) != 0 ||
	    audit_open(index_db(ix), k, &au) != 0 || (nt = notify_new("", 1000000000ULL)) == NULL ||
	    (rc = recorder_new(&vc, ix, au, k, nt)) == NULL || ring_create(&rcf, &rg) != 0)
		return 1;

	TEST_START("no ring yet: TR_ERR_AGAIN");
	memset(&q, 0, sizeof q);
	q.slot = 0; q.gen = 1; q.call_id = "x"; q.marked_by = "sam"; q.how = "web"; q.note = "";
	ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), TR_ERR_AGAIN);
	recorder_set_ring(rc, rg);
	TEST_DONE();

	TEST_START("mark a live call: pinned, journaled, audited; idempotent");
	s1 = new_call("call-1", "1001", &g1);
	add_recs(s1, 50, 1700000000000000000ULL);
	q.slot = s1; q.gen = g1; q.call_id = "call-1"; q.note = "n1";
	ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), 0);
	ASSERT_TRUE(!existing);
	ASSERT_STR_EQ(out.state, "recording");
	ASSERT_TRUE((ring_mark_get(rg, s1) & RING_MK_PIN) != 0);
	ASSERT_INT_EQ(index_rec_get(ix, out.id, &got), 0);
	ASSERT_INT_EQ(recorder_mark(rc, &q, &out2, &existing), 0);
	ASSERT_TRUE(existing);
	ASSERT_STR_EQ(out2.id, out.id);
	ASSERT_INT_EQ(recorder_active(rc), 1);
	TEST_DONE();

	TEST_START("copy-out while live, seal at call end with every record");
	recorder_tick(rc);
	add_recs(s1, 50, 1700000001000000000ULL);
	recorder_tick(rc);
	end_call(s1, 1700000002000000000ULL);
	tick_until_sealed(rc, ix, out.id, &got);
	ASSERT_STR_EQ(got.state, "sealed");
	ASSERT_INT_EQ(pcap_records(&vc, k, &got), 100);
	ASSERT_TRUE((ring_mark_get(rg, s1) & (RING_MK_PIN | RING_MK_SEALED)) == RING_MK_SEALED);
	ASSERT_TRUE(got.duration > 1.9 && got.duration < 2.1);
	ASSERT_INT_EQ(strlen(got.sha256), 64);
	TEST_DONE();

	TEST_START("max_length seals a call that goes on");
	s2 = new_call("call-2", "1001", &g2);
	add_recs(s2, 100, 1700000000000000000ULL);
	q.slot = s2; q.gen = g2; q.call_id = "call-2";
	ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), 0);
	add_recs(s2, 500, 1700000002000000000ULL);       /* 12 s of capture time */
	tick_until_sealed(rc, ix, out.id, &got);
	ASSERT_STR_EQ(got.state, "sealed");
	ASSERT_TRUE(strstr(got.fail_reason, "max_length") != NULL);
	ASSERT_INT_EQ(pcap_records(&vc, k, &got), 600);  /* > 64 KiB: the plaintext buffer grows */
	TEST_DONE();

	TEST_START("refused: agent of another extension, wrong generation, head lost");
	s3 = new_call("call-3", "2002", &g3);
	add_recs(s3, 5, 1700000000000000000ULL);
	q.slot = s3; q.gen = g3; q.call_id = "call-3"; q.only_ext = "1001";
	ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), TR_ERR_PERM);
	q.only_ext = "2002";
	q.gen = g3 + 1;
	ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), TR_ERR_GONE);
	q.gen = g3;
	q.call_id = "other";
	ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), TR_ERR_GONE);
	{
		struct ring_call c;
		ring_call_read(rg, s3, &c);
		c.flags |= RING_CF_HEAD_LOST;
		ring_call_update(rg, s3, &c);
	}
	q.call_id = "call-3";
	ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), TR_ERR_GONE);
	ASSERT_TRUE((ring_mark_get(rg, s3) & RING_MK_PIN) == 0);
	{
		struct ipc_query iq;
		json_t *res = NULL;
		memset(&iq, 0, sizeof iq);
		ASSERT_INT_EQ(index_rec_query(ix, &iq, &res), 0);
		ASSERT_INT_EQ(json_integer_value(json_object_get(res, "total")), 2);
		json_decref(res);
	}
	q.only_ext = NULL;
	TEST_DONE();

	TEST_START("a phone request becomes a mark (how = phone); stop seals it");
	s4 = new_call("call-4", "1001", &g4);
	add_recs(s4, 10, 1700000000000000000ULL);
	ring_mark_request(rg, s4, g4);
	recorder_tick(rc);
	ASSERT_TRUE((ring_mark_get(rg, s4) & (RING_MK_PIN | RING_MK_REQ_PHONE)) == RING_MK_PIN);
	ASSERT_INT_EQ(index_rec_find_call(ix, "call-4", "ft-call-4", 1700000000000000000LL, &got), 0);
	ASSERT_STR_EQ(got.how, "phone");
	ASSERT_STR_EQ(got.marked_by, "phone:1001");
	ASSERT_INT_EQ(recorder_stop(rc, got.id, "sam"), 0);
	tick_until_sealed(rc, ix, got.id, &out);
	ASSERT_STR_EQ(out.state, "sealed");
	ASSERT_INT_EQ(pcap_records(&vc, k, &out), 10);
	ASSERT_INT_EQ(recorder_stop(rc, got.id, "sam"), TR_ERR_NOTFOUND);
	TEST_DONE();

	TEST_START("the audit chain holds every mark, seal and refusal-free");
	{
		int64_t bad = 0, n = 0;
		ASSERT_INT_EQ(audit_verify(index_db(ix), k->sign_pk, &bad, &n, err, sizeof err), 0);
		ASSERT_INT_EQ(n, 6);     /* 3 marks + 3 seals */
	}
	TEST_DONE();

	TEST_START("a seal that cannot write fails the recording: unpinned, audited, shown as failed");
	{
		char rec_dir[128], off_dir[128];
		json_t *live;
		size_t i;
		int seen = 0;
		uint32_t s5, g5;
		uint64_t fails = recorder_failures(rc);
		snprintf(rec_dir, sizeof rec_dir, "%s/rec", dir);
		snprintf(off_dir, sizeof off_dir, "%s/rec.off", dir);
		s5 = new_call("call-5", "1001", &g5);
		add_recs(s5, 10, 1700000000000000000ULL);
		q.slot = s5; q.gen = g5; q.call_id = "call-5"; q.only_ext = NULL;
		ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), 0);
		recorder_tick(rc);
		ASSERT_INT_EQ(rename(rec_dir, off_dir), 0);     /* the rename into rec/ fails */
		end_call(s5, 1700000001000000000ULL);
		tick_until_sealed(rc, ix, out.id, &got);
		ASSERT_INT_EQ(rename(off_dir, rec_dir), 0);
		ASSERT_STR_EQ(got.state, "failed");
		ASSERT_STR_EQ(got.fail_reason, "seal failed (disk)");
		ASSERT_INT_EQ(recorder_active(rc), 0);
		ASSERT_TRUE(recorder_failures(rc) == fails + 1);
		ASSERT_TRUE((ring_mark_get(rg, s5) & RING_MK_PIN) == 0);
		live = recorder_active_json(rc, NULL);
		for (i = 0; i < json_array_size(live); i++) {
			json_t *e = json_array_get(live, i);
			if (strcmp(json_string_value(json_object_get(e, "recording")), out.id) == 0)
				seen = strcmp(json_string_value(json_object_get(e, "state")), "failed") == 0;
		}
		json_decref(live);
		ASSERT_TRUE(seen);
		snprintf(path, sizeof path, "%s/tmp/%s.part", dir, out.id);
		ASSERT_TRUE(access(path, F_OK) != 0);
	}
	TEST_DONE();

	TEST_START("a caller's bytes that are not UTF-8 never lose the call: recorded, listed, escaped");
	{
		struct ring_call c;
		struct ipc_query iq;
		json_t *res = NULL, *j, *row;
		uint32_t s6, g6;
		size_t i;
		int found = 0;

		s6 = new_call("bad-\xff\xfe-id", "1001", &g6);
		ring_call_read(rg, s6, &c);
		snprintf(c.caller, sizeof c.caller, "+1555\xff\xfe\xc0\x80\"<0");
		snprintf(c.pt[0].name, sizeof c.pt[0].name, "PC\xe9MU");
		c.pt[0].used = 1;
		c.pt[0].clock_rate = 8000;
		c.n_pt = 1;
		ring_call_update(rg, s6, &c);
		add_recs(s6, 10, 1700000000000000000ULL);
		/* the web UI passes the Call-ID as the ring holds it */
		q.slot = s6; q.gen = g6; q.call_id = "bad-\xff\xfe-id"; q.only_ext = NULL; q.note = "";
		ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), 0);
		ASSERT_TRUE(!existing);
		ASSERT_STR_EQ(out.caller, "+1555\\xff\\xfe\\xc0\\x80\"<0");
		ASSERT_STR_EQ(out.call_id, "bad-\\xff\\xfe-id");
		/* and so does a second marker, or one that already cleaned it */
		ASSERT_INT_EQ(recorder_mark(rc, &q, &out2, &existing), 0);
		ASSERT_TRUE(existing);
		q.call_id = "bad-\\xff\\xfe-id";
		ASSERT_INT_EQ(recorder_mark(rc, &q, &out2, &existing), 0);
		ASSERT_TRUE(existing);
		ASSERT_STR_EQ(out2.id, out.id);
		end_call(s6, 1700000001000000000ULL);
		tick_until_sealed(rc, ix, out.id, &got);
		ASSERT_STR_EQ(got.state, "sealed");
		ASSERT_INT_EQ(pcap_records(&vc, k, &got), 10);
		ASSERT_STR_EQ(got.codecs, "PC\\xe9MU");
		j = index_rec_json(&got);
		ASSERT_TRUE(j != NULL);
		json_decref(j);
		memset(&iq, 0, sizeof iq);
		ASSERT_INT_EQ(index_rec_query(ix, &iq, &res), 0);
		ASSERT_INT_EQ((long long)json_array_size(json_object_get(res, "recordings")),
		              (long long)json_integer_value(json_object_get(res, "total")));
		json_array_foreach(json_object_get(res, "recordings"), i, row)
			if (strcmp(json_string_value(json_object_get(row, "id")), out.id) == 0)
				found = strcmp(json_string_value(json_object_get(row, "caller")),
				               "+1555\\xff\\xfe\\xc0\\x80\"<0") == 0;
		json_decref(res);
		ASSERT_TRUE(found);
	}
	TEST_DONE();

	TEST_START("audit rows with bytes that are not UTF-8 are stored cleaned and listed");
	{
		json_t *res = NULL, *row;
		int64_t bad = 0, n = 0;

		ASSERT_INT_EQ(audit_append(au, "sam", "mark_refused", "id-\xff", "{\"x\":\"\xc3\"}"), 0);
		ASSERT_INT_EQ(audit_list(index_db(ix), 1, 0, "mark_refused", &res), 0);
		row = json_array_get(json_object_get(res, "audit"), 0);
		ASSERT_TRUE(row != NULL);
		ASSERT_STR_EQ(json_string_value(json_object_get(row, "object")), "id-\\xff");
		ASSERT_STR_EQ(json_string_value(json_object_get(row, "detail")), "{\"x\":\"\\xc3\"}");
		json_decref(res);
		ASSERT_INT_EQ(audit_verify(index_db(ix), k->sign_pk, &bad, &n, err, sizeof err), 0);
	}
	TEST_DONE();

	TEST_START("an ended call longer than max_length is sealed whole, as call ended");
	{
		uint32_t s7, g7;

		s7 = new_call("call-7", "1001", &g7);
		add_recs(s7, 600, 1700000000000000000ULL);     /* 12 s, max_length 10 s */
		end_call(s7, 1700000012000000000ULL);
		q.slot = s7; q.gen = g7; q.call_id = "call-7"; q.only_ext = NULL;
		ASSERT_INT_EQ(recorder_mark(rc, &q, &out, &existing), 0);
		tick_until_sealed(rc, ix, out.id, &got);
		ASSERT_STR_EQ(got.state, "sealed");
		ASSERT_TRUE(strstr(got.fail_reason, "max_length") == NULL);
		ASSERT_INT_EQ(pcap_records(&vc, k, &got), 600);
	}
	TEST_DONE();

	recorder_free(rc);
	notify_free(nt);
	audit_close(au);
	index_close(ix);
	keys_free(k);
	ring_close(rg);
	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup failed\n");
	}
	return TEST_EXIT();
}
