/* test_utf8.c - common/utf8.c: well-formed UTF-8 is kept, every other byte
 * becomes \xHH, nothing is cut in half, and cleaning is idempotent. */
#include <stdlib.h>
#include <string.h>
#include "utf8.h"
#include "test.h"

static void
test_char_len(void)
{
	TEST_START("character lengths: ASCII, 2-4 bytes; stray, overlong, surrogate, too large");
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"a", 1), 1);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\xc3\xbc", 2), 2);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\xf0\x9f\x93\x9e", 4), 4);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\xf0\x9f\x93\x9e", 3), 0);  /* cut */
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\x80", 1), 0);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\xc0\xaf", 2), 0);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\xe0\x80\xaf", 3), 0);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\xed\xa0\x80", 3), 0);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"\xff", 1), 0);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"", 1), 0);
	ASSERT_INT_EQ(utf8_char_len((const unsigned char *)"a", 0), 0);
	TEST_DONE();
}

static void
test_clean(void)
{
	char out[32], again[32];

	TEST_START("UTF-8 kept, other bytes as \\xHH, the result is valid");
	ASSERT_TRUE(!utf8_clean(out, sizeof out, "J\xc3\xbcrgen \xe2\x82\xac", 12));
	ASSERT_STR_EQ(out, "J\xc3\xbcrgen \xe2\x82\xac");
	ASSERT_TRUE(!utf8_clean(out, sizeof out, "+1555\xff\xfe\xc0\x80\"<0", 12));
	ASSERT_STR_EQ(out, "+1555\\xff\\xfe\\xc0\\x80\"<0");
	ASSERT_TRUE(utf8_valid(out, sizeof out));
	ASSERT_TRUE(!utf8_valid("a\xff", 2));
	ASSERT_TRUE(utf8_valid("a\xff", 1));              /* only n bytes are looked at */
	TEST_DONE();

	TEST_START("idempotent: cleaning a cleaned string changes nothing");
	utf8_clean(out, sizeof out, "x\xff\\xff\xc3", 8);
	ASSERT_STR_EQ(out, "x\\xff\\xff\\xc3");
	utf8_clean(again, sizeof again, out, strlen(out));
	ASSERT_STR_EQ(again, out);
	TEST_DONE();

	TEST_START("n bytes at most, stopping at NUL; truncation never splits a character or escape");
	ASSERT_TRUE(!utf8_clean(out, sizeof out, "abcdef", 3));
	ASSERT_STR_EQ(out, "abc");
	ASSERT_TRUE(!utf8_clean(out, sizeof out, "ab\0cd", 5));
	ASSERT_STR_EQ(out, "ab");
	ASSERT_TRUE(utf8_clean(out, 4, "ab\xc3\xbc", 4));      /* room for 3 bytes: "ab" */
	ASSERT_STR_EQ(out, "ab");
	ASSERT_TRUE(utf8_clean(out, 6, "a\xff\xff", 3));       /* "a" + one escape */
	ASSERT_STR_EQ(out, "a\\xff");
	ASSERT_TRUE(utf8_clean(out, 1, "a", 1));
	ASSERT_STR_EQ(out, "");
	ASSERT_TRUE(utf8_clean(out, 0, "a", 1));
	ASSERT_TRUE(!utf8_clean(out, sizeof out, NULL, 3));
	ASSERT_STR_EQ(out, "");
	TEST_DONE();
}

static void
test_inplace_dup(void)
{
	char buf[16], big[2048], *d;

	TEST_START("in place: cleaned within the buffer; an unterminated buffer is cut");
	memcpy(buf, "id-\xff", 5);
	ASSERT_TRUE(!utf8_clean_inplace(buf, sizeof buf));
	ASSERT_STR_EQ(buf, "id-\\xff");
	memcpy(buf, "0123456789abcd\xff\xff", 16);             /* no NUL within 16 bytes */
	ASSERT_TRUE(utf8_clean_inplace(buf, sizeof buf));
	ASSERT_STR_EQ(buf, "0123456789abcd");
	memcpy(buf, "ok", 3);
	ASSERT_TRUE(!utf8_clean_inplace(buf, sizeof buf));
	ASSERT_STR_EQ(buf, "ok");
	memset(big, 'a', sizeof big);
	big[100] = (char)0xff;
	big[sizeof big - 1] = '\0';
	ASSERT_TRUE(utf8_clean_inplace(big, sizeof big));       /* larger than UTF8_INPLACE_MAX */
	ASSERT_INT_EQ(strlen(big), 100);
	TEST_DONE();

	TEST_START("dup: a cleaned copy of any length");
	d = utf8_clean_dup("\xff\xfe");
	ASSERT_TRUE(d != NULL);
	ASSERT_STR_EQ(d, "\\xff\\xfe");
	free(d);
	TEST_DONE();
}

int
main(void)
{
	test_char_len();
	test_clean();
	test_inplace_dup();
	return TEST_EXIT();
}
