/* test_webui_req.c - the web UI's own request parsers (webui/req.c):
 * session cookie, Range header, JSON bodies, call handles, recording ids,
 * time and integer query values. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "test.h"
#include "webui/req.h"

#define TOK "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_cookie(void)
{
	char tok[REQ_TOKEN_LEN + 1];

	TEST_START("cookie: the only cookie");
	ASSERT_INT_EQ(req_cookie_token("tr_session=" TOK, tok, sizeof(tok)), 0);
	ASSERT_STR_EQ(tok, TOK);
	TEST_DONE();

	TEST_START("cookie: among others, spaces, quotes");
	ASSERT_INT_EQ(req_cookie_token("a=b; x_tr_session=zz;  tr_session=\"" TOK "\" ; c=d", tok,
	                               sizeof(tok)), 0);
	ASSERT_STR_EQ(tok, TOK);
	TEST_DONE();

	TEST_START("cookie: prefix name, wrong length, non-hex, absent, NULL");
	ASSERT_INT_EQ(req_cookie_token("xtr_session=" TOK, tok, sizeof(tok)), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(req_cookie_token("tr_session=" TOK "0", tok, sizeof(tok)), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(req_cookie_token("tr_session=abc", tok, sizeof(tok)), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(req_cookie_token("tr_session=g123456789abcdef0123456789abcdef0123456789abcdef"
	                               "0123456789abcdef", tok, sizeof(tok)), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(req_cookie_token("a=b;;;c", tok, sizeof(tok)), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(req_cookie_token("", tok, sizeof(tok)), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(req_cookie_token(NULL, tok, sizeof(tok)), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(req_cookie_token("tr_session=" TOK, tok, 10), TR_ERR_NOTFOUND);
	TEST_DONE();

	TEST_START("cookie: a bad first one, a good second one");
	ASSERT_INT_EQ(req_cookie_token("tr_session=bad; tr_session=" TOK, tok, sizeof(tok)), 0);
	ASSERT_STR_EQ(tok, TOK);
	TEST_DONE();

	TEST_START("cookie: oversize header refused (TR_ERR_LIMIT, the API's 431), 4096 bytes searched");
	{
		char *big = malloc(REQ_COOKIE_MAX + 200);

		memset(big, 'a', REQ_COOKIE_MAX + 100);
		memcpy(big + REQ_COOKIE_MAX + 100, "; tr_session=", 13);
		big[REQ_COOKIE_MAX + 113] = '\0';
		ASSERT_INT_EQ(req_cookie_token(big, tok, sizeof(tok)), TR_ERR_LIMIT);
		/* a valid token at the front of an oversized header: still refused */
		memcpy(big, "tr_session=" TOK "; x=", 11 + 64 + 4);
		ASSERT_INT_EQ(req_cookie_token(big, tok, sizeof(tok)), TR_ERR_LIMIT);
		/* exactly REQ_COOKIE_MAX bytes, token last: found */
		memset(big, 'a', REQ_COOKIE_MAX);
		memcpy(big + REQ_COOKIE_MAX - 64 - 13, "; tr_session=" TOK, 13 + 64);
		big[REQ_COOKIE_MAX] = '\0';
		ASSERT_INT_EQ(req_cookie_token(big, tok, sizeof(tok)), 0);
		ASSERT_STR_EQ(tok, TOK);
		free(big);
	}
	TEST_DONE();
}

static void test_range(void)
{
	uint64_t s = 0, l = 0;

	TEST_START("range: none and ignored forms");
	ASSERT_INT_EQ(req_range_parse(NULL, 1000, &s, &l), REQ_RANGE_NONE);
	ASSERT_INT_EQ(req_range_parse("items=0-1", 1000, &s, &l), REQ_RANGE_NONE);
	ASSERT_INT_EQ(req_range_parse("", 1000, &s, &l), REQ_RANGE_NONE);
	TEST_DONE();

	TEST_START("range: a-b");
	ASSERT_INT_EQ(req_range_parse("bytes=100-199", 1000, &s, &l), REQ_RANGE_OK);
	ASSERT_U64_EQ(s, 100);
	ASSERT_U64_EQ(l, 100);
	TEST_DONE();

	TEST_START("range: a- and an end past the size (clamped)");
	ASSERT_INT_EQ(req_range_parse("bytes=900-", 1000, &s, &l), REQ_RANGE_OK);
	ASSERT_U64_EQ(s, 900);
	ASSERT_U64_EQ(l, 100);
	ASSERT_INT_EQ(req_range_parse(" bytes=0-5000 ", 1000, &s, &l), REQ_RANGE_OK);
	ASSERT_U64_EQ(s, 0);
	ASSERT_U64_EQ(l, 1000);
	TEST_DONE();

	TEST_START("range: suffix");
	ASSERT_INT_EQ(req_range_parse("bytes=-10", 1000, &s, &l), REQ_RANGE_OK);
	ASSERT_U64_EQ(s, 990);
	ASSERT_U64_EQ(l, 10);
	ASSERT_INT_EQ(req_range_parse("bytes=-5000", 1000, &s, &l), REQ_RANGE_OK);
	ASSERT_U64_EQ(s, 0);
	ASSERT_U64_EQ(l, 1000);
	TEST_DONE();

	TEST_START("range: unsatisfiable");
	ASSERT_INT_EQ(req_range_parse("bytes=1000-", 1000, &s, &l), REQ_RANGE_UNSAT);
	ASSERT_INT_EQ(req_range_parse("bytes=-0", 1000, &s, &l), REQ_RANGE_UNSAT);
	ASSERT_INT_EQ(req_range_parse("bytes=0-", 0, &s, &l), REQ_RANGE_UNSAT);
	TEST_DONE();

	TEST_START("range: malformed or overflowing bytes ranges are 416, not ignored");
	ASSERT_INT_EQ(req_range_parse("bytes=0-1,5-6", 1000, &s, &l), REQ_RANGE_UNSAT);
	ASSERT_INT_EQ(req_range_parse("bytes=5-2", 1000, &s, &l), REQ_RANGE_UNSAT);
	ASSERT_INT_EQ(req_range_parse("bytes=-", 1000, &s, &l), REQ_RANGE_UNSAT);
	ASSERT_INT_EQ(req_range_parse("bytes=a-b", 1000, &s, &l), REQ_RANGE_UNSAT);
	ASSERT_INT_EQ(req_range_parse("bytes=99999999999999999999-", 1000, &s, &l),
	              REQ_RANGE_UNSAT);
	ASSERT_INT_EQ(req_range_parse("bytes=9223372036854775807-9223372036854775808", 1000, &s, &l),
	              REQ_RANGE_UNSAT);
	ASSERT_INT_EQ(req_range_parse("bytes=0-99999999999999999999", 1000, &s, &l),
	              REQ_RANGE_UNSAT);
	TEST_DONE();
}

static void test_json(void)
{
	json_t *j = NULL;
	char out[16];
	char *big;

	TEST_START("json: object with strings");
	ASSERT_INT_EQ(req_json_parse("{\"note\":\"hi\",\"n\":1}", 19, &j), 0);
	ASSERT_INT_EQ(req_json_str(j, "note", false, out, sizeof(out)), 0);
	ASSERT_STR_EQ(out, "hi");
	ASSERT_INT_EQ(req_json_str(j, "missing", true, out, sizeof(out)), 0);
	ASSERT_STR_EQ(out, "");
	ASSERT_INT_EQ(req_json_str(j, "missing", false, out, sizeof(out)), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(req_json_str(j, "n", true, out, sizeof(out)), TR_ERR_INVAL);
	json_decref(j);
	TEST_DONE();

	TEST_START("json: too long, embedded NUL, control char");
	{
		const char *b = "{\"a\":\"0123456789abcdef\",\"c\":\"\\u0007\",\"d\":\"\\u00e9t\u00e9\"}";

		ASSERT_INT_EQ(req_json_parse(b, strlen(b), &j), 0);
		ASSERT_INT_EQ(req_json_str(j, "a", false, out, sizeof(out)), TR_ERR_LIMIT);
		ASSERT_INT_EQ(req_json_str(j, "c", false, out, sizeof(out)), TR_ERR_INVAL);
		ASSERT_INT_EQ(req_json_str(j, "d", false, out, sizeof(out)), 0);
		ASSERT_STR_EQ(out, "\xc3\xa9t\xc3\xa9");
		json_decref(j);
		/* \u0000 parses, so that the member can be refused by name */
		b = "{\"b\":\"x\\u0000y\"}";
		ASSERT_INT_EQ(req_json_parse(b, strlen(b), &j), 0);
		ASSERT_INT_EQ(req_json_str(j, "b", false, out, sizeof(out)), TR_ERR_INVAL);
		ASSERT_STR_EQ(out, "");
		json_decref(j);
		j = NULL;
		/* not in a key */
		b = "{\"b\\u0000\":\"x\"}";
		ASSERT_INT_EQ(req_json_parse(b, strlen(b), &j), TR_ERR_INVAL);
	}
	TEST_DONE();

	TEST_START("json: rejected bodies");
	ASSERT_INT_EQ(req_json_parse("[1,2]", 5, &j), TR_ERR_INVAL);
	ASSERT_TRUE(j == NULL);
	ASSERT_INT_EQ(req_json_parse("{\"a\":1,\"a\":2}", 13, &j), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_json_parse("{\"a\":", 5, &j), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_json_parse("", 0, &j), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_json_parse(NULL, 0, &j), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_json_parse("{\"a\":[[[[[[1]]]]]]}", 19, &j), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_json_parse("{}  x", 5, &j), TR_ERR_INVAL);
	big = malloc(REQ_BODY_MAX + 2);
	memset(big, ' ', REQ_BODY_MAX + 1);
	big[0] = '{';
	big[REQ_BODY_MAX] = '}';
	ASSERT_INT_EQ(req_json_parse(big, REQ_BODY_MAX + 1, &j), TR_ERR_LIMIT);
	ASSERT_INT_EQ(req_json_parse(big, REQ_BODY_MAX, &j), TR_ERR_INVAL);
	free(big);
	TEST_DONE();
}

static void test_handle_and_ids(void)
{
	uint32_t slot = 0, gen = 0;

	TEST_START("call handle");
	ASSERT_INT_EQ(req_call_handle("12-7", &slot, &gen), 0);
	ASSERT_INT_EQ(slot, 12);
	ASSERT_INT_EQ(gen, 7);
	ASSERT_INT_EQ(req_call_handle("0-4294967295", &slot, &gen), 0);
	ASSERT_U64_EQ(gen, 4294967295u);
	ASSERT_INT_EQ(req_call_handle("0-0", &slot, &gen), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_call_handle("1-4294967296", &slot, &gen), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_call_handle("01-2", &slot, &gen), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_call_handle("1-2-3", &slot, &gen), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_call_handle("-2", &slot, &gen), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_call_handle("1-", &slot, &gen), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_call_handle("12", &slot, &gen), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_call_handle("+1-2", &slot, &gen), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_call_handle(NULL, &slot, &gen), TR_ERR_INVAL);
	TEST_DONE();

	TEST_START("recording ids");
	ASSERT_TRUE(req_is_rec_id("R000001"));
	ASSERT_TRUE(req_is_rec_id("2026-12-03_abc.1"));
	ASSERT_TRUE(!req_is_rec_id(""));
	ASSERT_TRUE(!req_is_rec_id(".."));
	ASSERT_TRUE(!req_is_rec_id("a/b"));
	ASSERT_TRUE(!req_is_rec_id("a b"));
	ASSERT_TRUE(!req_is_rec_id("a%2fb"));
	ASSERT_TRUE(!req_is_rec_id("012345678901234567890123456789012345678901234567"));
	ASSERT_TRUE(req_is_rec_id("01234567890123456789012345678901234567890123456"));
	ASSERT_TRUE(!req_is_rec_id(NULL));
	TEST_DONE();

	TEST_START("audit actions: the vault's 28, nothing else");
	{
		static const char *const all[] = {
			"init", "start", "stop", "config_change", "login", "login_failed",
			"login_throttled", "logout", "user_add", "user_approve", "passwd",
			"user_disable", "user_enable", "mark", "mark_again", "mark_refused",
			"stop_recording", "seal", "fail", "resume", "search", "view", "playback",
			"download", "export_failed", "denied", "protocol_error", "peer_refused" };
		size_t i;

		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			ASSERT_TRUE(req_is_audit_action(all[i]));
		ASSERT_INT_EQ(sizeof(all) / sizeof(all[0]), 28);
	}
	ASSERT_TRUE(!req_is_audit_action("bogus"));
	ASSERT_TRUE(!req_is_audit_action("Login"));
	ASSERT_TRUE(!req_is_audit_action("login "));
	ASSERT_TRUE(!req_is_audit_action("log"));
	ASSERT_TRUE(!req_is_audit_action(""));
	ASSERT_TRUE(!req_is_audit_action(NULL));
	TEST_DONE();
}

static bool uri_ok(const char *u)
{
	return req_uri_utf8_ok(u, strlen(u));
}

static void test_time_uint_text(void)
{
	int64_t t = 0;
	uint32_t v = 0;
	char out[8];

	TEST_START("time values");
	ASSERT_INT_EQ(req_time_parse("1700000000", false, &t), 0);
	ASSERT_INT_EQ(t, 1700000000);
	ASSERT_INT_EQ(req_time_parse("2026-12-03", false, &t), 0);
	ASSERT_INT_EQ(t, 1796256000);
	ASSERT_INT_EQ(req_time_parse("2026-12-03", true, &t), 0);
	ASSERT_INT_EQ(t, 1796256000 + 86399);
	ASSERT_INT_EQ(req_time_parse("2026-12-03T17:05", true, &t), 0);
	ASSERT_INT_EQ(t, 1796256000 + 17 * 3600 + 5 * 60);
	ASSERT_INT_EQ(req_time_parse("2026-12-03 17:05:09Z", false, &t), 0);
	ASSERT_INT_EQ(t, 1796256000 + 17 * 3600 + 5 * 60 + 9);
	ASSERT_INT_EQ(req_time_parse("2026-02-30", false, &t), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_time_parse("2026-13-01", false, &t), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_time_parse("1969-12-31", false, &t), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_time_parse("2026-12-03T25:00", false, &t), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_time_parse("2026-12-03T", false, &t), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_time_parse("2026-12-3", false, &t), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_time_parse("yesterday", false, &t), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_time_parse("", false, &t), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_time_parse("9999999999999", false, &t), TR_ERR_INVAL);
	TEST_DONE();

	TEST_START("unsigned values");
	ASSERT_INT_EQ(req_uint_parse("50", 500, &v), 0);
	ASSERT_INT_EQ(v, 50);
	ASSERT_INT_EQ(req_uint_parse("007", 500, &v), 0);
	ASSERT_INT_EQ(v, 7);
	ASSERT_INT_EQ(req_uint_parse("501", 500, &v), TR_ERR_LIMIT);
	ASSERT_INT_EQ(req_uint_parse("-1", 500, &v), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_uint_parse("1e3", 5000, &v), TR_ERR_INVAL);
	ASSERT_INT_EQ(req_uint_parse("", 5, &v), TR_ERR_INVAL);
	TEST_DONE();

	TEST_START("text values");
	ASSERT_INT_EQ(req_text_copy("1001", out, sizeof(out)), 0);
	ASSERT_STR_EQ(out, "1001");
	ASSERT_INT_EQ(req_text_copy(NULL, out, sizeof(out)), 0);
	ASSERT_STR_EQ(out, "");
	ASSERT_INT_EQ(req_text_copy("12345678", out, sizeof(out)), TR_ERR_LIMIT);
	ASSERT_INT_EQ(req_text_copy("a\nb", out, sizeof(out)), TR_ERR_INVAL);
	TEST_DONE();

	TEST_START("UTF-8: text and request targets");
	ASSERT_TRUE(req_utf8_ok("", 0));
	ASSERT_TRUE(req_utf8_ok("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e", 14));
	ASSERT_TRUE(!req_utf8_ok("\xc3", 1));                 /* cut short */
	ASSERT_TRUE(!req_utf8_ok("\xc3(", 2));
	ASSERT_TRUE(!req_utf8_ok("\xa9", 1));                 /* lone continuation */
	ASSERT_TRUE(!req_utf8_ok("\xc0\xaf", 2));             /* overlong '/' */
	ASSERT_TRUE(!req_utf8_ok("\xe0\x80\xaf", 3));
	ASSERT_TRUE(!req_utf8_ok("\xed\xa0\x80", 3));         /* surrogate */
	ASSERT_TRUE(!req_utf8_ok("\xf4\x90\x80\x80", 4));     /* above U+10FFFF */
	ASSERT_TRUE(!req_utf8_ok("\xff", 1));
	ASSERT_TRUE(uri_ok("/api/recordings?q=caf%C3%A9&x=%e2%82%ac"));
	ASSERT_TRUE(uri_ok("/api/recordings?q=100%&x=%zz%4"));   /* not escapes */
	ASSERT_TRUE(!uri_ok("/api/recordings?q=%C3"));
	ASSERT_TRUE(!uri_ok("/api/recordings?q=%C3&x=%A9"));     /* split by & */
	ASSERT_TRUE(!uri_ok("/api/recordings?%ff=1"));           /* a name too */
	ASSERT_TRUE(!uri_ok("/api/users/a%C3/approve"));         /* the path */
	ASSERT_TRUE(!uri_ok("/api/recordings?q=\xc3"));          /* raw byte */
	TEST_DONE();
}

int main(void)
{
	test_cookie();
	test_range();
	test_json();
	test_handle_and_ids();
	test_time_uint_text();
	return TEST_EXIT();
}
