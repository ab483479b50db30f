/* test_webui_fdcache.c - the web UI's cache of exported WAV memfds
 * (webui/fdcache.c): hits by (token, id), one entry per (token, id) when
 * two Range requests both exported, no fd left open after free. */
#include <dirent.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sodium.h>

#include "test.h"
#include "webui/fdcache.h"

#define TOK_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TOK_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* A memfd holding text. */
static int mkfd(const char *text)
{
	int fd = memfd_create("fdcache-test", MFD_CLOEXEC);

	if (fd >= 0 && write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The first byte of fd ('?' when unreadable). */
static char first(int fd)
{
	char ch = '?';

	if (pread(fd, &ch, 1, 0) != 1)
		ch = '?';
	return ch;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

int main(void)
{
	struct fdcache *c;
	uint64_t size = 0;
	int base, fd, fa, fb, i;

	if (sodium_init() < 0)
		return 1;
	base = open_fds();

	TEST_START("fdcache: a hit is a dup of the same file, keyed by token and id");
	ASSERT_TRUE((c = fdcache_new()) != NULL);
	ASSERT_TRUE((fa = mkfd("A-wav")) >= 0);
	fdcache_put(c, TOK_A, "rec1", fa, 5);
	close(fa);
	ASSERT_TRUE((fd = fdcache_get(c, TOK_A, "rec1", &size)) >= 0);
	ASSERT_U64_EQ(size, 5);
	ASSERT_INT_EQ(first(fd), 'A');
	close(fd);
	ASSERT_INT_EQ(fdcache_get(c, TOK_B, "rec1", &size), -1);
	ASSERT_INT_EQ(fdcache_get(c, TOK_A, "rec2", &size), -1);
	TEST_DONE();

	TEST_START("fdcache: putting (token, id) again keeps one entry, others stay");
	ASSERT_TRUE((fb = mkfd("B-wav")) >= 0);
	fdcache_put(c, TOK_B, "rec1", fb, 5);
	close(fb);
	for (i = 0; i < FDCACHE_ENTRIES_MAX + 2; i++) {
		ASSERT_TRUE((fa = mkfd("Z-again")) >= 0);
		fdcache_put(c, TOK_A, "rec1", fa, 7);
		close(fa);
	}
	ASSERT_TRUE((fd = fdcache_get(c, TOK_B, "rec1", &size)) >= 0);
	ASSERT_INT_EQ(first(fd), 'B');
	close(fd);
	ASSERT_TRUE((fd = fdcache_get(c, TOK_A, "rec1", &size)) >= 0);
	ASSERT_INT_EQ(first(fd), 'A');   /* the first export is kept */
	ASSERT_U64_EQ(size, 5);
	close(fd);
	TEST_DONE();

	TEST_START("fdcache: a file over the budget is not kept; free closes every fd");
	ASSERT_TRUE((fa = mkfd("big")) >= 0);
	fdcache_put(c, TOK_A, "big", fa, FDCACHE_BYTES_MAX + 1);
	close(fa);
	ASSERT_INT_EQ(fdcache_get(c, TOK_A, "big", &size), -1);
	fdcache_free(c);
	ASSERT_INT_EQ(open_fds(), base);
	TEST_DONE();
	return TEST_EXIT();
}
