/* test_vault_notify.c - vault/notify.c: each run is a process group that
 * is killed whole (timeout, left-behind children, the vault stopping);
 * marks beyond NOTIFY_CHILDREN_MAX wait in a queue and all run; a full
 * queue is counted and logged; an exec failure is named with its reason;
 * the command's stderr reaches the log capped, and one that never stops
 * writing does not hold the main loop. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "vault/notify.h"
#include "test.h"

static char dir[64];

static void
script(const char *name, const char *body)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "#!/bin/sh\n%s", body);
		fclose(f);
	}
	chmod(path, 0700);
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Live (not zombie) processes in process group pg, from /proc. */
static int
group_alive(long pg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[300], buf[512], *p, st;
		long ppid, pgrp;
		FILE *f;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof buf, f) != NULL && (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 1, " %c %ld %ld", &st, &ppid, &pgrp) == 3 && pgrp == pg && st != 'Z')
			n++;
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/* The number in DIR/name, waiting up to 5 s for the file; 0 if none. */
static long
read_num(const char *name)
{
	char path[128];
	long v = 0;
	int i;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (i = 0; i < 250 && v == 0; i++) {
		FILE *f = fopen(path, "r");
		if (f != NULL) {
			if (fscanf(f, "%ld", &v) != 1)
				v = 0;
			fclose(f);
		}
		if (v == 0)
			nap_ms(20);
	}
	return v;
}

static int
wait_gone(long pg)
{
	int i;

	for (i = 0; i < 100 && group_alive(pg) > 0; i++)
		nap_ms(20);
	return group_alive(pg) == 0;
}

/* Ticks until the counters reach started/failed (or 10 s pass). */
static void
tick_until(struct notify *n, uint64_t started, uint64_t failed, int idle)
{
	uint64_t s = 0, f = 0, k = 0;
	int i;

	for (i = 0; i < 500; i++) {
		notify_tick(n);
		notify_counts(n, &s, &f, &k);
		if (s >= started && f >= failed && (!idle || notify_queued(n) == 0))
			break;
		nap_ms(20);
	}
}

static int
count_lines(const char *name)
{
	char path[128], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		n++;
	fclose(f);
	return n;
}

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

int
main(void)
{
	static char log[1 << 18];
	char cmd[128], body[512], json[64], path[128], ls[257];
	struct notify *n;
	uint64_t s, f, k;
	long pg;
	int i;

	snprintf(dir, sizeof dir, "/tmp/tr-notify-test.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}

	TEST_START("a hung command: its whole process group (background and foreground child) is killed at the timeout");
	snprintf(body, sizeof body, "echo $$ > %s/hang.pg\nsleep 300 &\nsleep 301\n", dir);
	script("hang.sh", body);
	snprintf(cmd, sizeof cmd, "%s/hang.sh", dir);
	n = notify_new(cmd, 1000ULL * 1000000ULL);
	test_stderr_begin();
	notify_mark(n, "{\"n\":1}");
	pg = read_num("hang.pg");
	for (i = 0; i < 50 && group_alive(pg) < 3; i++)
		nap_ms(10);
	i = group_alive(pg);
	tick_until(n, 1, 1, 0);
	test_stderr_end(log, sizeof log);
	ASSERT_TRUE(pg > 1);
	ASSERT_INT_EQ(i, 3);                    /* sh and its two sleeps */
	notify_counts(n, &s, &f, &k);
	ASSERT_U64_EQ(f, 1);
	ASSERT_TRUE(strstr(log, "failed (timeout, killed 9)") != NULL);
	ASSERT_TRUE(wait_gone(pg));
	notify_free(n);

	TEST_DONE();

	TEST_START("a command that exits leaves nothing running: its group is killed");
	snprintf(body, sizeof body, "sleep 300 &\necho $$ > %s/left.pg\nexit 0\n", dir);
	script("left.sh", body);
	snprintf(cmd, sizeof cmd, "%s/left.sh", dir);
	n = notify_new(cmd, 10ULL * 1000000000ULL);
	notify_mark(n, "{\"n\":1}");
	pg = read_num("left.pg");
	for (i = 0; i < 250 && group_alive(pg) > 0; i++) {
		notify_tick(n);
		nap_ms(20);
	}
	ASSERT_TRUE(pg > 1);
	ASSERT_INT_EQ(group_alive(pg), 0);
	notify_counts(n, &s, &f, &k);
	ASSERT_U64_EQ(f, 0);
	notify_free(n);

	TEST_DONE();

	TEST_START("the vault stopping (notify_free) kills the groups still running");
	snprintf(body, sizeof body, "echo $$ > %s/stop.pg\nsleep 300 &\nsleep 301\n", dir);
	script("stop.sh", body);
	snprintf(cmd, sizeof cmd, "%s/stop.sh", dir);
	n = notify_new(cmd, 60ULL * 1000000000ULL);
	test_stderr_begin();
	notify_mark(n, "{\"n\":1}");
	pg = read_num("stop.pg");
	for (i = 0; i < 100 && group_alive(pg) < 3; i++)
		nap_ms(20);
	i = group_alive(pg);
	notify_free(n);
	test_stderr_end(log, sizeof log);
	ASSERT_INT_EQ(i, 3);
	ASSERT_TRUE(wait_gone(pg));
	ASSERT_TRUE(strstr(log, "killed: the vault stops") != NULL);

	TEST_DONE();

	TEST_START("40 marks at once: 16 run, 24 wait, every one runs (none skipped)");
	snprintf(body, sizeof body, "sleep 0.2\ncat >> %s/queue.out\n", dir);
	script("queue.sh", body);
	snprintf(cmd, sizeof cmd, "%s/queue.sh", dir);
	n = notify_new(cmd, 10ULL * 1000000000ULL);
	test_stderr_begin();
	for (i = 0; i < 40; i++) {
		snprintf(json, sizeof json, "{\"n\":%d}", i);
		notify_mark(n, json);
	}
	ASSERT_INT_EQ(notify_queued(n), 40 - NOTIFY_CHILDREN_MAX);
	tick_until(n, 40, 0, 1);
	for (i = 0; i < 250 && count_lines("queue.out") < 40; i++) {
		notify_tick(n);
		nap_ms(20);
	}
	notify_counts(n, &s, &f, &k);
	notify_free(n);
	test_stderr_end(log, sizeof log);
	ASSERT_U64_EQ(s, 40);
	ASSERT_U64_EQ(f, 0);
	ASSERT_U64_EQ(k, 0);
	ASSERT_INT_EQ(count_lines("queue.out"), 40);
	ASSERT_INT_EQ(count_str(log, "notify_command queued"), 24);
	ASSERT_TRUE(strstr(log, "skipped") == NULL);
	ASSERT_TRUE(strstr(log, "failed") == NULL);

	TEST_DONE();

	TEST_START("a full queue: further marks are skipped, logged and counted; stopping says how many were not run");
	script("slow.sh", "exec sleep 30\n");
	snprintf(cmd, sizeof cmd, "%s/slow.sh", dir);
	n = notify_new(cmd, 60ULL * 1000000000ULL);
	test_stderr_begin();
	for (i = 0; i < NOTIFY_CHILDREN_MAX + NOTIFY_QUEUE_MAX + 3; i++)
		notify_mark(n, "{\"n\":2}");
	notify_counts(n, &s, &f, &k);
	ASSERT_U64_EQ(s, NOTIFY_CHILDREN_MAX);
	ASSERT_U64_EQ(k, 3);
	ASSERT_INT_EQ(notify_queued(n), NOTIFY_QUEUE_MAX);
	notify_free(n);
	test_stderr_end(log, sizeof log);
	ASSERT_INT_EQ(count_str(log, "notify_command skipped (queue full: 16 running, 256 waiting)"), 3);
	ASSERT_TRUE(strstr(log, "256 queued notifications not run: the vault stops") != NULL);

	TEST_DONE();

	TEST_START("exec fails: the log names the program and the reason, not 'exit 127'");
	n = notify_new("/nonexistent-threatrec/notify --x", 10ULL * 1000000000ULL);
	test_stderr_begin();
	notify_mark(n, "{\"n\":3}");
	tick_until(n, 1, 1, 0);
	test_stderr_end(log, sizeof log);
	notify_counts(n, &s, &f, &k);
	ASSERT_U64_EQ(f, 1);
	ASSERT_TRUE(strstr(log, "cannot run /nonexistent-threatrec/notify: No such file or directory") != NULL);
	ASSERT_TRUE(strstr(log, "exit 127") == NULL);
	notify_free(n);

	TEST_DONE();

	TEST_START("3 MB on stderr: 10 lines logged, the rest counted; a line over 255 bytes is cut; the run succeeds");
	snprintf(body, sizeof body, "head -c 1000 /dev/zero | tr '\\0' L >&2\necho >&2\n"
	       "yes 'noise from notify' | head -n 170000 >&2\ncat > /dev/null\ntouch %s/noisy.done\n", dir);
	script("noisy.sh", body);
	snprintf(cmd, sizeof cmd, "%s/noisy.sh", dir);
	n = notify_new(cmd, 10ULL * 1000000000ULL);
	test_stderr_begin();
	notify_mark(n, "{\"n\":4}");
	snprintf(path, sizeof path, "%s/noisy.done", dir);
	for (i = 0; i < 500 && access(path, F_OK) != 0; i++) {
		notify_tick(n);
		nap_ms(20);
	}
	for (i = 0; i < 25; i++) {              /* it exits right after: reaped */
		notify_tick(n);
		nap_ms(20);
	}
	notify_counts(n, &s, &f, &k);
	notify_free(n);
	test_stderr_end(log, sizeof log);
	memset(ls, 'L', sizeof ls - 1);
	ls[sizeof ls - 1] = '\0';
	ASSERT_U64_EQ(f, 0);
	ASSERT_TRUE(strstr(log, ls + 1) != NULL);   /* 255 bytes of the 1000 */
	ASSERT_TRUE(strstr(log, ls) == NULL);
	ASSERT_INT_EQ(count_str(log, "noise from notify"), NOTIFY_STDERR_LINES - 1);
	ASSERT_TRUE(strstr(log, "more bytes of stderr not logged") != NULL);
	ASSERT_TRUE(strlen(log) < 8192);

	TEST_DONE();

	TEST_START("stderr without end (yes): each tick returns soon, the timeout still kills it");
	script("endless.sh", "exec yes 'endless noise' >&2\n");
	snprintf(cmd, sizeof cmd, "%s/endless.sh", dir);
	n = notify_new(cmd, 500ULL * 1000000ULL);
	test_stderr_begin();
	notify_mark(n, "{\"n\":5}");
	{
		struct timespec t0, t1;
		double worst = 0, dt;
		for (i = 0; i < 250; i++) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			notify_tick(n);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			worst = dt > worst ? dt : worst;
			notify_counts(n, &s, &f, &k);
			if (f == 1)
				break;
			nap_ms(20);
		}
		ASSERT_TRUE(worst < 0.25);
	}
	notify_free(n);
	test_stderr_end(log, sizeof log);
	ASSERT_U64_EQ(f, 1);
	ASSERT_INT_EQ(count_str(log, "endless noise"), NOTIFY_STDERR_LINES);
	ASSERT_TRUE(strstr(log, "failed (timeout, killed 9)") != NULL);
	TEST_DONE();

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}
