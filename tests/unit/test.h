/* test.h - tiny unit-test macros. Each test binary ends with the line
 * "N passed, N failed" that tests/run.sh and CI read. */
#ifndef TR_TEST_H
#define TR_TEST_H

#include <stdio.h>
#include <string.h>
#include <inttypes.h>

static int test_passed, test_failed, test_cur_failed;
static const char *test_name;

#define TEST_START(name) do { test_name = (name); test_cur_failed = 0; } while (0)
#define TEST_DONE() do { if (test_cur_failed) test_failed++; else test_passed++; } while (0)
#define TEST_FAIL_(fmt, ...) do { \
	fprintf(stderr, "FAIL %s (%s:%d): " fmt "\n", test_name, __FILE__, __LINE__, __VA_ARGS__); \
	test_cur_failed = 1; } while (0)
#define ASSERT_TRUE(x) do { if (!(x)) TEST_FAIL_("%s", #x); } while (0)
#define ASSERT_INT_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) TEST_FAIL_("%s == %lld, expected %lld", #a, a_, b_); } while (0)
#define ASSERT_U64_EQ(a, b) do { uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
	if (a_ != b_) TEST_FAIL_("%s == %" PRIu64 ", expected %" PRIu64, #a, a_, b_); } while (0)
#define ASSERT_STR_EQ(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_)) TEST_FAIL_("%s == \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define ASSERT_MEM_EQ(a, b, n) do { if (memcmp((a), (b), (n))) TEST_FAIL_("%s differs from %s", #a, #b); } while (0)
/* Capturing what the code under test writes to stderr (fd 2): between
 * test_stderr_begin() and test_stderr_end(buf, n), which fills buf
 * (terminated; "" when the capture could not be set up). */
#include <unistd.h>
static FILE *test_err_file;
static int test_err_saved = -1;
static inline void test_stderr_begin(void)
{
	fflush(stderr);
	if ((test_err_file = tmpfile()) == NULL)
		return;
	test_err_saved = dup(2);
	if (test_err_saved < 0 || dup2(fileno(test_err_file), 2) != 2) {
		fclose(test_err_file);
		test_err_file = NULL;
	}
}
static inline void test_stderr_end(char *buf, size_t n)
{
	size_t got = 0;

	buf[0] = '\0';
	fflush(stderr);
	if (test_err_saved >= 0) {
		dup2(test_err_saved, 2);
		close(test_err_saved);
		test_err_saved = -1;
	}
	if (test_err_file == NULL || n == 0)
		return;
	rewind(test_err_file);
	got = fread(buf, 1, n - 1, test_err_file);
	buf[got] = '\0';
	fclose(test_err_file);
	test_err_file = NULL;
}

#define TEST_EXIT() (printf("%s: %d passed, %d failed\n", __FILE__, test_passed, test_failed), \
	test_failed ? 1 : 0)

#endif
