/* test_webui_route.c - the web UI's routing and permission table
 * (webui/route.c), who sees which live call (live_is_visible), the JSON of
 * a live call (live_call_json) and the vault-reply checks (ipc_client_parse). */
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "err.h"
#include "ipc.h"
#include "test.h"
#include "webui/ipc_client.h"
#include "webui/live.h"
#include "webui/route.h"

static void test_find(void)
{
	struct route_match m;

	TEST_START("route: fixed paths");
	ASSERT_INT_EQ(route_find("POST", "/api/login", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_LOGIN);
	ASSERT_INT_EQ(route_find("GET", "/api/calls", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_CALLS);
	ASSERT_INT_EQ(route_find("HEAD", "/api/status", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_STATUS);
	ASSERT_INT_EQ(route_find("GET", "/metrics", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_METRICS);
	TEST_DONE();

	TEST_START("route: HEAD on the export routes is 405 (Allow: GET), not an audited export");
	ASSERT_INT_EQ(route_find("HEAD", "/api/recordings/R1/audio.wav", &m), 405);
	ASSERT_STR_EQ(m.allow, "GET");
	ASSERT_TRUE(m.route == NULL);
	ASSERT_INT_EQ(route_find("HEAD", "/api/recordings/R1/call.pcap", &m), 405);
	ASSERT_INT_EQ(route_find("HEAD", "/api/recordings/R1/evidence", &m), 405);
	ASSERT_INT_EQ(route_find("HEAD", "/api/recordings/R1", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_REC);
	TEST_DONE();

	TEST_START("route: a {} segment");
	ASSERT_INT_EQ(route_find("POST", "/api/calls/3-17/mark", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_MARK);
	ASSERT_STR_EQ(m.param, "3-17");
	ASSERT_INT_EQ(route_find("GET", "/api/recordings/R1/audio.wav", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_REC_WAV);
	ASSERT_STR_EQ(m.param, "R1");
	ASSERT_INT_EQ(route_find("GET", "/api/recordings/R1/call.pcap", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_REC_PCAP);
	ASSERT_INT_EQ(route_find("GET", "/api/recordings/R1", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_REC);
	ASSERT_INT_EQ(route_find("POST", "/api/users", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_USER_ADD);
	ASSERT_INT_EQ(route_find("GET", "/api/users", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_USERS);
	ASSERT_INT_EQ(route_find("POST", "/api/users/ivan/approve", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_USER_APPROVE);
	ASSERT_STR_EQ(m.param, "ivan");
	ASSERT_TRUE((m.route->flags & ROUTE_F_CSRF) != 0);
	ASSERT_TRUE((m.route->flags & ROUTE_F_BODY) == 0);
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_ADMIN));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_SUPERVISOR));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_INVESTIGATOR));
	ASSERT_INT_EQ(route_find("GET", "/api/users/ivan/approve", &m), 405);
	ASSERT_INT_EQ(route_find("POST", "/api/me/password", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_PASSWORD);
	ASSERT_TRUE((m.route->flags & (ROUTE_F_SESSION | ROUTE_F_CSRF | ROUTE_F_BODY)) ==
	            (ROUTE_F_SESSION | ROUTE_F_CSRF | ROUTE_F_BODY));
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_AGENT));
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_ADMIN));
	ASSERT_INT_EQ(route_find("GET", "/api/me/password", &m), 405);
	ASSERT_INT_EQ(route_find("POST", "/api/users/ivan/disable", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_USER_DISABLE);
	ASSERT_STR_EQ(m.param, "ivan");
	ASSERT_TRUE((m.route->flags & ROUTE_F_CSRF) != 0 && (m.route->flags & ROUTE_F_BODY) == 0);
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_ADMIN) && !route_is_allowed(m.route, IPC_ROLE_SUPERVISOR));
	ASSERT_INT_EQ(route_find("POST", "/api/users/ivan/enable", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_USER_ENABLE);
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_ADMIN) && !route_is_allowed(m.route, IPC_ROLE_INVESTIGATOR));
	TEST_DONE();

	TEST_START("route: 404 and 405");
	ASSERT_INT_EQ(route_find("GET", "/api/nope", &m), 404);
	ASSERT_TRUE(m.route == NULL);
	ASSERT_INT_EQ(route_find("GET", "/api/recordings//audio.wav", &m), 404);
	ASSERT_INT_EQ(route_find("GET", "/api/recordings/a/b/audio.wav", &m), 404);
	ASSERT_INT_EQ(route_find("GET", "/api/calls/1-1/mark", &m), 405);
	ASSERT_STR_EQ(m.allow, "POST");
	ASSERT_INT_EQ(route_find("DELETE", "/api/calls", &m), 405);
	ASSERT_STR_EQ(m.allow, "GET");
	ASSERT_INT_EQ(route_find("GET", "/api/login", &m), 405);
	ASSERT_INT_EQ(route_find("POST", "/", &m), 405);
	ASSERT_INT_EQ(route_find("GET", "/api", &m), 404);
	TEST_DONE();

	TEST_START("route: pages outside /api go to the assets");
	ASSERT_INT_EQ(route_find("GET", "/", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_ASSET);
	ASSERT_INT_EQ(route_find("GET", "/app.js", &m), 0);
	ASSERT_INT_EQ(m.route->id, ROUTE_ASSET);
	TEST_DONE();

	TEST_START("route: oversize path and oversize parameter");
	{
		char path[ROUTE_PATH_MAX + 16];

		memset(path, 'a', sizeof(path));
		memcpy(path, "/api/recordings/", 16);
		path[sizeof(path) - 1] = '\0';
		ASSERT_INT_EQ(route_find("GET", path, &m), 404);
		path[16 + ROUTE_PARAM_MAX] = '\0';
		ASSERT_INT_EQ(route_find("GET", path, &m), 404);
		path[16 + ROUTE_PARAM_MAX - 1] = '\0';
		ASSERT_INT_EQ(route_find("GET", path, &m), 0);
		ASSERT_INT_EQ(strlen(m.param), ROUTE_PARAM_MAX - 1);
	}
	TEST_DONE();
}

static void test_permissions(void)
{
	size_t n, i;
	const struct route *t = route_table(&n);
	struct route_match m;

	TEST_START("permissions: every state-changing API route needs CSRF (but login)");
	for (i = 0; i < n; i++) {
		if (strcmp(t[i].method, "GET") == 0 || t[i].id == ROUTE_LOGIN)
			continue;
		ASSERT_TRUE((t[i].flags & ROUTE_F_CSRF) && (t[i].flags & ROUTE_F_SESSION));
	}
	TEST_DONE();

	TEST_START("permissions: the role table");
	route_find("POST", "/api/calls/1-1/mark", &m);
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_AGENT));
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_SUPERVISOR));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_INVESTIGATOR));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_ADMIN));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_NONE));
	ASSERT_TRUE(!route_is_allowed(m.route, 99));
	route_find("GET", "/api/recordings/x/audio.wav", &m);
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_AGENT));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_SUPERVISOR));
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_INVESTIGATOR));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_ADMIN));
	route_find("GET", "/api/recordings", &m);
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_AGENT));
	route_find("POST", "/api/users", &m);
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_ADMIN));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_SUPERVISOR));
	route_find("GET", "/api/audit", &m);
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_ADMIN));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_AGENT));
	route_find("GET", "/api/calls", &m);
	ASSERT_TRUE(route_is_allowed(m.route, IPC_ROLE_AGENT));
	ASSERT_TRUE(!route_is_allowed(m.route, IPC_ROLE_INVESTIGATOR));
	TEST_DONE();

	TEST_START("permissions: no route reads ring packet data");
	/* the only ring-backed routes are the call list and the mark */
	for (i = 0; i < n; i++)
		ASSERT_TRUE(strstr(t[i].pattern, "/api/calls") == NULL ||
		            t[i].id == ROUTE_CALLS || t[i].id == ROUTE_MARK);
	TEST_DONE();

	TEST_START("role names");
	{
		uint32_t r = 0;

		ASSERT_INT_EQ(route_role_parse("investigator", &r), 0);
		ASSERT_INT_EQ(r, IPC_ROLE_INVESTIGATOR);
		ASSERT_INT_EQ(route_role_parse("root", &r), TR_ERR_INVAL);
		ASSERT_INT_EQ(route_role_parse(NULL, &r), TR_ERR_INVAL);
		ASSERT_STR_EQ(route_role_name(IPC_ROLE_ADMIN), "admin");
		ASSERT_TRUE(route_role_name(7) == NULL);
	}
	TEST_DONE();
}

static void test_visibility(void)
{
	struct ring_call c;

	memset(&c, 0, sizeof(c));
	strcpy(c.caller, "+15550100");
	strcpy(c.callee, "1001");
	strcpy(c.agent, "1001");
	TEST_START("visibility: agents see their extension only");
	ASSERT_TRUE(live_is_visible(&c, IPC_ROLE_AGENT, "1001"));
	ASSERT_TRUE(!live_is_visible(&c, IPC_ROLE_AGENT, "1002"));
	ASSERT_TRUE(!live_is_visible(&c, IPC_ROLE_AGENT, ""));
	ASSERT_TRUE(!live_is_visible(&c, IPC_ROLE_AGENT, NULL));
	ASSERT_TRUE(!live_is_visible(&c, IPC_ROLE_AGENT, "100"));
	strcpy(c.agent, "");
	strcpy(c.callee, "");
	strcpy(c.caller, "1001");
	ASSERT_TRUE(live_is_visible(&c, IPC_ROLE_AGENT, "1001"));
	TEST_DONE();

	TEST_START("visibility: supervisors and admins see all, investigators none");
	ASSERT_TRUE(live_is_visible(&c, IPC_ROLE_SUPERVISOR, ""));
	ASSERT_TRUE(live_is_visible(&c, IPC_ROLE_ADMIN, NULL));
	ASSERT_TRUE(!live_is_visible(&c, IPC_ROLE_INVESTIGATOR, "1001"));
	ASSERT_TRUE(!live_is_visible(&c, IPC_ROLE_NONE, "1001"));
	TEST_DONE();
}

static void test_call_json(void)
{
	struct ring_call c;
	json_t *j;

	memset(&c, 0, sizeof(c));
	c.gen = 9;
	c.state = RING_ST_ACTIVE;
	c.t_first = 1796256000ULL * 1000000000ULL;
	c.n_pt = 2;
	c.pt[0].used = 1;
	strcpy(c.pt[0].name, "PCMU");
	c.pt[1].used = 1;
	strcpy(c.pt[1].name, "PCMU");
	strcpy(c.call_id, "abc@host");
	memcpy(c.caller, "\xff\xfe" "12", 5);   /* not UTF-8 */
	TEST_START("call json: handle, times, codecs, bad UTF-8");
	j = live_call_json(&c, 4, 0, c.t_first + 2500000000ULL);
	ASSERT_TRUE(j != NULL);
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "id")), "4-9");
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "state")), "active");
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "start")), "2026-12-03T00:00:00.000Z");
	ASSERT_TRUE(json_real_value(json_object_get(j, "duration")) == 2.5);
	ASSERT_INT_EQ(json_array_size(json_object_get(j, "codecs")), 1);
	ASSERT_STR_EQ(json_string_value(json_object_get(j, "caller")), "\\xff\\xfe12");   /* as the sniffer stores it */
	ASSERT_TRUE(json_is_false(json_object_get(j, "marked")));
	ASSERT_TRUE(json_is_null(json_object_get(j, "mark")));
	json_decref(j);
	TEST_DONE();

	TEST_START("call json: mark words of this generation only");
	j = live_call_json(&c, 4, ((uint64_t)9 << 32) | RING_MK_PIN, c.t_first);
	ASSERT_TRUE(json_is_true(json_object_get(j, "marked")));
	ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(j, "mark"), "state")),
	              "recording");
	json_decref(j);
	j = live_call_json(&c, 4, ((uint64_t)8 << 32) | RING_MK_PIN, c.t_first);
	ASSERT_TRUE(json_is_false(json_object_get(j, "marked")));
	json_decref(j);
	TEST_DONE();
}

static void test_merge_marks(void)
{
	json_t *o = json_pack("{s:[{s:i,s:i,s:o},{s:i,s:i,s:b,s:{s:s}},{s:i,s:i,s:b,s:o}]}", "calls",
	                      "slot", 1, "gen", 5, "mark", json_null(),
	                      "slot", 2, "gen", 7, "marked", 1, "mark", "state", "recording",
	                      "slot", 3, "gen", 1, "marked", 0, "mark", json_null());
	json_t *marks = json_pack("[{s:s,s:i,s:i,s:s,s:s,s:s},{s:s,s:i,s:i},{s:i},"
	                          "{s:s,s:i,s:i,s:s}]",
	                          "recording", "R9", "slot", 2, "gen", 7, "marked_by", "bob",
	                          "marked_at", "2026-12-03T00:00:00Z", "how", "phone",
	                          "recording", "R8", "slot", 1, "gen", 4,
	                          "slot", 1,
	                          "recording", "R7", "slot", 3, "gen", 1, "marked_by", "sup");
	json_t *c0, *c1, *c2;

	TEST_START("vault marks merge into the matching marked call only");
	live_merge_marks(o, marks);
	c0 = json_array_get(json_object_get(o, "calls"), 0);
	c1 = json_array_get(json_object_get(o, "calls"), 1);
	c2 = json_array_get(json_object_get(o, "calls"), 2);
	ASSERT_TRUE(json_is_null(json_object_get(c0, "mark")));
	ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(c1, "mark"), "by")), "bob");
	ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(c1, "mark"), "recording")),
	              "R9");
	ASSERT_STR_EQ(json_string_value(json_object_get(json_object_get(c1, "mark"), "how")),
	              "phone");
	ASSERT_TRUE(json_is_true(json_object_get(c1, "marked")));
	/* no mark word: an entry for its (slot, gen) (another ring's) marks nothing */
	ASSERT_TRUE(json_is_null(json_object_get(c2, "mark")));
	ASSERT_TRUE(json_is_false(json_object_get(c2, "marked")));
	live_merge_marks(o, NULL);   /* no list: nothing happens */
	TEST_DONE();
	json_decref(o);
	json_decref(marks);
}

static void test_ipc_reply(void)
{
	struct ipc_client_reply rep;
	struct ipc_err e;
	int fd;

	ipc_client_reply_init(&rep);
	TEST_START("vault reply: OK with an object, empty OK");
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_OK, (const uint8_t *)"{\"a\":1}", 7, -1, &rep), 0);
	ASSERT_INT_EQ(json_integer_value(json_object_get(rep.json, "a")), 1);
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_OK, NULL, 0, -1, &rep), 0);
	ASSERT_TRUE(json_is_object(rep.json));
	TEST_DONE();

	TEST_START("vault reply: malformed");
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_OK, (const uint8_t *)"[1]", 3, -1, &rep), TR_ERR_PROTO);
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_OK, (const uint8_t *)"{", 1, -1, &rep), TR_ERR_PROTO);
	ASSERT_INT_EQ(ipc_client_parse(IPC_LOGIN, NULL, 0, -1, &rep), TR_ERR_PROTO);
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_FD, (const uint8_t *)"{}", 2, -1, &rep), TR_ERR_PROTO);
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_ERR, (const uint8_t *)"{}", 2, -1, &rep), TR_ERR_PROTO);
	memset(&e, 'x', sizeof(e));
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_ERR, (const uint8_t *)&e, sizeof(e), -1, &rep),
	              TR_ERR_PROTO);
	TEST_DONE();

	TEST_START("vault reply: ERR, status clamped");
	memset(&e, 0, sizeof(e));
	e.code = TR_ERR_PERM;
	e.http_status = 200;
	strcpy(e.msg, "nope");
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_ERR, (const uint8_t *)&e, sizeof(e), -1, &rep), 0);
	ASSERT_INT_EQ(rep.err.http_status, 500);
	ASSERT_STR_EQ(rep.err.msg, "nope");
	TEST_DONE();

	TEST_START("vault reply: FD kept, stray fd closed");
	fd = memfd_create("t", MFD_CLOEXEC);
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_FD, (const uint8_t *)"{\"size\":0}", 10, fd, &rep), 0);
	ASSERT_INT_EQ(rep.fd, fd);
	fd = ipc_client_take_fd(&rep);
	ASSERT_INT_EQ(rep.fd, -1);
	ASSERT_INT_EQ(ipc_client_parse(IPC_R_OK, NULL, 0, fd, &rep), TR_ERR_PROTO);
	ASSERT_TRUE(fcntl(fd, F_GETFD) == -1);   /* closed by the parser */
	TEST_DONE();
	ipc_client_reply_clear(&rep);
}

int main(void)
{
	test_find();
	test_permissions();
	test_visibility();
	test_call_json();
	test_merge_marks();
	test_ipc_reply();
	return TEST_EXIT();
}
