/* test_webui_live.c - the web UI's memory of marks (webui/live.c): a mark
 * remembered for (slot, gen) of one ring must not show on a call of the
 * ring a restarted sniffer creates under the same name, whose gens start at
 * 1 again (same slot, same gen, even the same Call-ID when a capture is
 * replayed); and neither the memory nor the vault's list marks a call whose
 * ring mark word shows no mark. /metrics: the sniffer's heartbeat, and a
 * ring the sniffer unlinked is let go (ring_is_current). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "ipc.h"
#include "ring.h"
#include "test.h"
#include "webui/live.h"

static struct ring *mk_ring(const char *name)
{
	struct ring_conf rc = { name, 32 * 4096, 16, 4096, 1000, 0600, 0, 0 };
	struct ring *r = NULL;

	if (ring_create(&rc, &r) != 0)
		return NULL;
	ring_stats_w(r)->heartbeat = tr_wall_ns();
	return r;
}

static uint32_t mk_call(struct ring *r, const char *id, uint64_t t)
{
	struct ring_call c;
	uint32_t s = RING_NONE;

	memset(&c, 0, sizeof(c));
	snprintf(c.call_id, sizeof(c.call_id), "%s", id);
	snprintf(c.from_tag, sizeof(c.from_tag), "tag-%s", id);
	snprintf(c.caller, sizeof(c.caller), "1001");
	c.state = RING_ST_ACTIVE;
	c.t_first = t;
	if (ring_call_new(r, &c, &s) != 0)
		return RING_NONE;
	return s;
}

/* live_metrics' text into buf (NUL-terminated, cut at n - 1 bytes). */
static void metrics_text(struct live *l, char *buf, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	buf[0] = '\0';
	if (f == NULL)
		return;
	live_metrics(l, f);
	fclose(f);
	snprintf(buf, n, "%s", text ? text : "");
	free(text);
}

/* The first call of a fresh live_calls_json list (supervisor view). */
static json_t *first_call(struct live *l, json_t **listp)
{
	json_decref(*listp);
	*listp = NULL;
	if (live_calls_json(l, IPC_ROLE_SUPERVISOR, "", listp) != 0)
		return NULL;
	return json_array_get(json_object_get(*listp, "calls"), 0);
}

static const char *mark_str(const json_t *call, const char *key)
{
	return json_string_value(json_object_get(json_object_get(call, "mark"), key));
}

int main(void)
{
	char name[64];
	struct ring *w = NULL, *mk = NULL;
	struct live *l;
	struct ring_call c, other;
	json_t *list = NULL, *list2 = NULL, *call, *vault;
	char text[8192];
	uint32_t s;

	snprintf(name, sizeof(name), "/threatrec-unit-live-%d", (int)getpid());
	l = live_new(name, 8);

	TEST_START("live: a mark made here shows who, recording and note on the marked call");
	w = mk_ring(name);
	ASSERT_TRUE(w != NULL && l != NULL);
	s = mk_call(w, "a@x", 1000000000000ULL);
	ASSERT_INT_EQ(s, 0);
	call = first_call(l, &list);
	ASSERT_TRUE(call != NULL);
	ASSERT_TRUE(json_is_false(json_object_get(call, "marked")));
	ASSERT_INT_EQ(live_call_get(l, s, 1, IPC_ROLE_SUPERVISOR, "", &c), 0);
	ASSERT_INT_EQ(ring_attach(name, RING_ATTACH_MARKS, &mk), 0);
	ASSERT_INT_EQ(ring_mark_pin(mk, s, c.gen), 0);
	/* a copy that is not what the slot holds is not remembered */
	other = c;
	snprintf(other.call_id, sizeof(other.call_id), "b@x");
	live_mark_note(l, s, &other, "R-OTHER", "eve", "");
	live_mark_note(l, s, &c, "R1", "sup", "loud threat");
	call = first_call(l, &list);
	ASSERT_TRUE(json_is_true(json_object_get(call, "marked")));
	ASSERT_TRUE(mark_str(call, "by") != NULL && strcmp(mark_str(call, "by"), "sup") == 0);
	ASSERT_TRUE(mark_str(call, "recording") != NULL && strcmp(mark_str(call, "recording"), "R1") == 0);
	ASSERT_TRUE(mark_str(call, "note") != NULL && strcmp(mark_str(call, "note"), "loud threat") == 0);
	TEST_DONE();

	TEST_START("live_merge_marks: the vault's entry needs the same Call-ID");
	vault = json_pack("[{s:s,s:s,s:i,s:i,s:s}]", "recording", "R-VAULT", "call_id", "b@x",
	                  "slot", (int)s, "gen", (int)c.gen, "marked_by", "eve");
	live_merge_marks(list, vault);
	ASSERT_TRUE(strcmp(mark_str(call, "by"), "sup") == 0);
	json_decref(vault);
	vault = json_pack("[{s:s,s:s,s:i,s:i,s:s}]", "recording", "R1", "call_id", "a@x",
	                  "slot", (int)s, "gen", (int)c.gen, "marked_by", "sam");
	live_merge_marks(list, vault);
	ASSERT_TRUE(strcmp(mark_str(call, "by"), "sam") == 0);
	TEST_DONE();

	TEST_START("live: after a sniffer restart (new ring, gens from 1, same Call-ID) the new "
	           "call is not marked");
	ring_close(mk);
	mk = NULL;
	ring_stats_w(w)->heartbeat = 0;     /* the writer is gone: the web UI re-attaches */
	ring_close(w);
	w = mk_ring(name);
	ASSERT_TRUE(w != NULL);
	ASSERT_INT_EQ(mk_call(w, "a@x", 2000000000000ULL), 0);
	usleep(1100 * 1000);                /* live.c tries to attach at most once a second */
	call = first_call(l, &list);
	ASSERT_TRUE(call != NULL);
	ASSERT_TRUE(strcmp(json_string_value(json_object_get(call, "id")), "0-1") == 0);
	/* the new ring's call (the web UI re-attached) */
	ASSERT_TRUE(strcmp(json_string_value(json_object_get(call, "start")),
	                   "1970-01-01T00:33:20.000Z") == 0);
	ASSERT_TRUE(json_is_false(json_object_get(call, "marked")));
	ASSERT_TRUE(json_is_null(json_object_get(call, "mark")));
	/* the vault still lists the old ring's recording for (0, 1, a@x) */
	live_merge_marks(list, vault);
	ASSERT_TRUE(json_is_false(json_object_get(call, "marked")));
	ASSERT_TRUE(json_is_null(json_object_get(call, "mark")));
	TEST_DONE();

	TEST_START("live: a mark of the new call (by phone) gets no who/note from the old ring's memory");
	ASSERT_INT_EQ(ring_mark_request(w, 0, 1), 0);
	call = first_call(l, &list);
	ASSERT_TRUE(json_is_object(json_object_get(call, "mark")));
	ASSERT_TRUE(mark_str(call, "state") != NULL && strcmp(mark_str(call, "state"), "requested") == 0);
	ASSERT_TRUE(mark_str(call, "by") == NULL && mark_str(call, "note") == NULL);
	TEST_DONE();

	TEST_START("live_metrics: sniffer alive, then a stale heartbeat (ring still there)");
	ring_stats_w(w)->heartbeat = tr_wall_ns();
	metrics_text(l, text, sizeof(text));
	ASSERT_TRUE(strstr(text, "\nthreatrec_ring_attached 1\n") != NULL);
	ASSERT_TRUE(strstr(text, "\nthreatrec_sniffer_alive 1\n") != NULL);
	ASSERT_TRUE(strstr(text, "\nthreatrec_ring_heartbeat_age_seconds 0.") != NULL);
	ring_stats_w(w)->heartbeat = tr_wall_ns() - 8000000000ULL;
	metrics_text(l, text, sizeof(text));
	ASSERT_TRUE(strstr(text, "\nthreatrec_ring_attached 1\n") != NULL);
	ASSERT_TRUE(strstr(text, "\nthreatrec_sniffer_alive 0\n") != NULL);
	ASSERT_TRUE(strstr(text, "\nthreatrec_ring_heartbeat_age_seconds 8.") != NULL);
	ASSERT_TRUE(strstr(text, "\nthreatrec_packets_total ") != NULL);
	TEST_DONE();

	TEST_START("live_metrics: a ring the sniffer unlinked is let go, a new one attached");
	ring_close(w);                      /* the writer ends: the objects are unlinked */
	w = NULL;
	usleep(1100 * 1000);                /* live.c looks at most once a second */
	metrics_text(l, text, sizeof(text));
	ASSERT_TRUE(strstr(text, "\nthreatrec_ring_attached 0\n") != NULL);
	ASSERT_TRUE(strstr(text, "\nthreatrec_sniffer_alive 0\n") != NULL);
	ASSERT_TRUE(strstr(text, "heartbeat_age") == NULL);
	ASSERT_TRUE(strstr(text, "threatrec_packets_total") == NULL);
	ASSERT_INT_EQ(live_calls_json(l, IPC_ROLE_SUPERVISOR, "", &list2), 0);
	ASSERT_TRUE(json_is_false(json_object_get(list2, "ring")));
	ASSERT_INT_EQ((int)json_array_size(json_object_get(list2, "calls")), 0);
	json_decref(list2);
	w = mk_ring(name);
	ASSERT_TRUE(w != NULL);
	usleep(1100 * 1000);
	metrics_text(l, text, sizeof(text));
	ASSERT_TRUE(strstr(text, "\nthreatrec_ring_attached 1\n") != NULL);
	ASSERT_TRUE(strstr(text, "\nthreatrec_sniffer_alive 1\n") != NULL);
	TEST_DONE();

	TEST_START("ring_is_current: 1 while the name leads to the ring, 0 once unlinked or "
	           "replaced; a private ring is always current");
	{
		struct ring *rd = NULL, *anon = NULL;
		struct ring_conf rc = { NULL, 32 * 4096, 16, 4096, 1000, 0600, 0, 0 };

		ASSERT_INT_EQ(ring_attach(name, RING_ATTACH_RDONLY, &rd), 0);
		ASSERT_INT_EQ(ring_is_current(rd), 1);
		ASSERT_INT_EQ(ring_is_current(w), 1);
		ring_close(w);
		w = NULL;
		ASSERT_INT_EQ(ring_is_current(rd), 0);
		usleep(2000);                   /* another creation time */
		w = mk_ring(name);
		ASSERT_TRUE(w != NULL);
		ASSERT_INT_EQ(ring_is_current(rd), 0);
		ASSERT_INT_EQ(ring_is_current(w), 1);
		ring_close(rd);
		ASSERT_INT_EQ(ring_create(&rc, &anon), 0);
		ASSERT_INT_EQ(ring_is_current(anon), 1);
		ring_close(anon);
	}
	TEST_DONE();

	json_decref(vault);
	json_decref(list);
	live_free(l);
	ring_close(w);
	return TEST_EXIT();
}
