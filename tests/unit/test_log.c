/* test_log.c - log lines carry wire text (Call-IDs, numbers, user names):
 * control bytes and backslashes are escaped, one message stays one line,
 * and the escape never overruns or cuts an escape in half. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "test.h"

static void
test_escape(void)
{
	char out[64];

	TEST_START("printable text unchanged");
	ASSERT_INT_EQ(log_escape(out, sizeof out, "call a84b4c76e66710@pc33 from +4930123"), 38);
	ASSERT_STR_EQ(out, "call a84b4c76e66710@pc33 from +4930123");
	TEST_DONE();

	TEST_START("control bytes and DEL escaped, backslash doubled");
	log_escape(out, sizeof out, "id\r\nFAKE: x\x1b[2J\x7f\\");
	ASSERT_STR_EQ(out, "id\\x0d\\x0aFAKE: x\\x1b[2J\\x7f\\\\");
	ASSERT_TRUE(strchr(out, '\n') == NULL);
	log_escape(out, sizeof out, "{\"a\":\"q\\\"\"}");          /* JSON stays readable */
	ASSERT_STR_EQ(out, "{\"a\":\"q\\\\\"\"}");
	TEST_DONE();

	TEST_START("UTF-8 kept; C1 controls, bad and overlong sequences escaped");
	log_escape(out, sizeof out, "J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x93\x9e");
	ASSERT_STR_EQ(out, "J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x93\x9e");
	log_escape(out, sizeof out, "\x9b" "2J \xc2\x9b" "2J");          /* raw and UTF-8 CSI */
	ASSERT_STR_EQ(out, "\\x9b2J \\xc2\\x9b2J");
	log_escape(out, sizeof out, "\xc0\xaf \xe0\x80\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xc3");
	ASSERT_STR_EQ(out, "\\xc0\\xaf \\xe0\\x80\\xaf \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80 \\xc3");
	TEST_DONE();

	TEST_START("truncation never splits an escape");
	ASSERT_INT_EQ(log_escape(out, 6, "ab\ncd"), 2);
	ASSERT_STR_EQ(out, "ab");
	ASSERT_INT_EQ(log_escape(out, 7, "ab\ncd"), 6);
	ASSERT_STR_EQ(out, "ab\\x0a");
	ASSERT_INT_EQ(log_escape(out, 3, "a\xc3\xbc"), 1);             /* never half a character */
	ASSERT_STR_EQ(out, "a");
	ASSERT_INT_EQ(log_escape(out, 1, "abc"), 0);
	ASSERT_STR_EQ(out, "");
	ASSERT_INT_EQ(log_escape(out, 0, "abc"), 0);
	TEST_DONE();
}

/* A whole log line through stderr: one line, escaped. */
static void
test_line(void)
{
	char buf[512];

	TEST_START("a hostile Call-ID stays on one escaped line");
	test_stderr_begin();
	log_init("test", LOG_LVL_INFO, 0);
	log_info_f("call %s: mark requested by key code", "x\nthreatrec-vault: info: forged");
	test_stderr_end(buf, sizeof buf);
	ASSERT_STR_EQ(buf, "test: info: test_line: call x\\x0athreatrec-vault: info: forged: "
	              "mark requested by key code\n");
	TEST_DONE();
}

int
main(void)
{
	test_escape();
	test_line();
	return TEST_EXIT();
}
