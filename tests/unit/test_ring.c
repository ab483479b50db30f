/* test_ring.c - the shared-memory ring: append/iterate, eviction order,
 * pinning, generations, zeroing, attach. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "err.h"
#include "ring.h"
#include "test.h"

static struct ring *
mk_ring(const char *name, uint64_t size, uint32_t slots, uint64_t grace)
{
	struct ring_conf rc = { name, size, slots, 4096, grace, 0600, 0, 0 };
	struct ring *r = NULL;
	if (ring_create(&rc, &r) != 0)
		return NULL;
	return r;
}

static uint32_t
mk_call(struct ring *r, const char *id, uint64_t t)
{
	struct ring_call c;
	uint32_t s = RING_NONE;
	memset(&c, 0, sizeof c);
	snprintf(c.call_id, sizeof c.call_id, "%s", id);
	snprintf(c.from_tag, sizeof c.from_tag, "tag-%s", id);
	c.state = RING_ST_ACTIVE;
	c.t_first = t;
	if (ring_call_new(r, &c, &s) != 0)
		return RING_NONE;
	return s;
}

static int
put(struct ring *r, uint32_t s, uint64_t ts, uint32_t len, uint8_t fill)
{
	uint8_t buf[2048];
	struct ring_rec rec = { ts, len, len, 1, RING_K_RTP, RING_DIR_FWD, 0xffff, 0 };
	memset(buf, fill, len);
	return ring_call_append(r, s, &rec, buf);
}

static void
end_call(struct ring *r, uint32_t s, uint64_t t)
{
	struct ring_call c;
	ring_call_read(r, s, &c);
	c.state = RING_ST_ENDED;
	c.t_end = t;
	ring_call_update(r, s, &c);
}

static uint64_t
count_recs(const struct ring *r, uint32_t s, uint32_t gen, int *errp)
{
	struct ring_iter it;
	struct ring_rec rec;
	const uint8_t *b;
	uint64_t n = 0;
	int rv;
	*errp = 0;
	if ((rv = ring_iter_init(&it, r, s, gen)) != 0) {
		*errp = rv;
		return 0;
	}
	while ((rv = ring_iter_next(&it, &rec, &b)) == 1) {
		if (b[0] != (uint8_t)(rec.ts_ns & 0xff) || b[rec.caplen - 1] != (uint8_t)(rec.ts_ns & 0xff))
			*errp = TR_ERR_INVAL;
		n++;
	}
	if (rv < 0)
		*errp = rv;
	ring_iter_clear(&it);
	return n;
}

static void
test_append_iterate(void)
{
	struct ring *r = mk_ring(NULL, 64 * 4096, 8, 1000);
	struct ring_call c;
	uint32_t s, i;
	int err;
	TEST_START("append and iterate across chunks");
	ASSERT_TRUE(r != NULL);
	s = mk_call(r, "a@x", 100);
	for (i = 0; i < 100; i++)
		ASSERT_INT_EQ(put(r, s, i, 200 + i, (uint8_t)i), 0);
	ASSERT_INT_EQ(ring_call_read(r, s, &c), 0);
	ASSERT_U64_EQ(c.n_packets, 100);
	ASSERT_TRUE(c.n_chunks > 1);
	ASSERT_U64_EQ(count_recs(r, s, c.gen, &err), 100);
	ASSERT_INT_EQ(err, 0);
	ring_close(r);
	TEST_DONE();
}

static void
test_live_growth(void)
{
	struct ring *r = mk_ring(NULL, 64 * 4096, 8, 1000);
	struct ring_iter it;
	struct ring_rec rec;
	const uint8_t *b;
	struct ring_call c;
	uint32_t s, i, n = 0;
	int rv;
	TEST_START("iterator resumes while the call grows");
	s = mk_call(r, "grow@x", 1);
	ring_call_read(r, s, &c);
	ASSERT_INT_EQ(ring_iter_init(&it, r, s, c.gen), 0);
	ASSERT_INT_EQ(ring_iter_next(&it, &rec, &b), 0);     /* empty so far */
	for (i = 0; i < 50; i++) {
		put(r, s, i, 300, (uint8_t)i);
		while ((rv = ring_iter_next(&it, &rec, &b)) == 1) {
			ASSERT_U64_EQ(rec.ts_ns, n);
			n++;
		}
		ASSERT_INT_EQ(rv, 0);
	}
	ASSERT_INT_EQ(n, 50);
	ring_iter_clear(&it);
	ring_close(r);
	TEST_DONE();
}

static void
test_grace_expiry(void)
{
	struct ring *r = mk_ring(NULL, 64 * 4096, 8, 1000);
	struct ring_call c;
	struct ring_stats st;
	uint32_t s, gen;
	TEST_START("ended call freed after grace, slot reused with new gen");
	s = mk_call(r, "old@x", 1);
	put(r, s, 5, 100, 5);
	ring_call_read(r, s, &c);
	gen = c.gen;
	end_call(r, s, 10);
	ring_expire(r, 500);
	ASSERT_INT_EQ(ring_call_read(r, s, &c), 0);           /* within grace */
	ring_expire(r, 1011);
	ASSERT_INT_EQ(ring_call_read(r, s, &c), TR_ERR_NOTFOUND);
	ring_stats_read(r, &st);
	ASSERT_U64_EQ(st.evictions_calls, 1);
	ASSERT_U64_EQ(st.chunks_used, 0);
	s = mk_call(r, "new@x", 2000);
	ring_call_read(r, s, &c);
	ASSERT_TRUE(c.gen != gen);
	ring_close(r);
	TEST_DONE();
}

static void
test_eviction_order_and_pin(void)
{
	/* 16 chunks of 4 KiB: ~3 records of 1200 bytes per chunk */
	struct ring *r = mk_ring(NULL, 16 * 4096, 8, 1000000);
	struct ring_call ca, cb, cc;
	uint32_t a, b, cs, i;
	int err;
	TEST_START("pool full: oldest unmarked live call loses its head, pinned never");
	a = mk_call(r, "pinned@x", 1);
	b = mk_call(r, "victim@x", 2);
	ring_call_read(r, a, &ca);
	ASSERT_INT_EQ(ring_mark_pin(r, a, ca.gen), 0);
	for (i = 0; i < 12; i++) {
		put(r, a, i, 1200, (uint8_t)i);
		put(r, b, i, 1200, (uint8_t)i);
	}
	cs = mk_call(r, "newer@x", 3);
	for (i = 0; i < 30; i++)
		ASSERT_INT_EQ(put(r, cs, i, 1200, (uint8_t)i), 0);
	ring_call_read(r, a, &ca);
	ring_call_read(r, b, &cb);
	ring_call_read(r, cs, &cc);
	ASSERT_TRUE(!(ca.flags & RING_CF_HEAD_LOST));
	ASSERT_U64_EQ(count_recs(r, a, ca.gen, &err), 12);
	ASSERT_INT_EQ(err, 0);
	ASSERT_TRUE(cb.flags & RING_CF_HEAD_LOST);
	ASSERT_TRUE(cb.n_dropped > 0);
	/* pinning a call that already lost its head is refused */
	ASSERT_INT_EQ(ring_mark_pin(r, b, cb.gen), TR_ERR_GONE);
	/* a stale generation is refused */
	ASSERT_INT_EQ(ring_mark_pin(r, cs, cc.gen + 7), TR_ERR_STALE);
	ring_close(r);
	TEST_DONE();
}

static void
test_pinned_ended_kept(void)
{
	struct ring *r = mk_ring(NULL, 16 * 4096, 8, 10);
	struct ring_call c;
	uint32_t s;
	TEST_START("pinned ended call survives grace until unpinned");
	s = mk_call(r, "keep@x", 1);
	put(r, s, 1, 100, 1);
	ring_call_read(r, s, &c);
	ASSERT_INT_EQ(ring_mark_pin(r, s, c.gen), 0);
	end_call(r, s, 5);
	ring_expire(r, 1000);
	ASSERT_INT_EQ(ring_call_read(r, s, &c), 0);
	ASSERT_INT_EQ(ring_mark_set(r, s, c.gen, RING_MK_SEALED, RING_MK_PIN), 0);
	ring_expire(r, 2000);
	ASSERT_INT_EQ(ring_call_read(r, s, &c), TR_ERR_NOTFOUND);
	ring_close(r);
	TEST_DONE();
}

static void
test_ended_preferred_over_live(void)
{
	struct ring *r = mk_ring(NULL, 8 * 4096, 8, 100);
	struct ring_call c;
	uint32_t e, l, i;
	TEST_START("ended call past grace is evicted before a live call loses data");
	e = mk_call(r, "ended@x", 1);
	for (i = 0; i < 6; i++) put(r, e, i, 1200, (uint8_t)i);
	end_call(r, e, 10);
	l = mk_call(r, "live@x", 2);
	/* fill well past the pool; capture clock past e's grace */
	for (i = 0; i < 21; i++) put(r, l, 200 + i, 1200, (uint8_t)(200 + i));
	ASSERT_INT_EQ(ring_call_read(r, e, &c), TR_ERR_NOTFOUND);
	ring_call_read(r, l, &c);
	ASSERT_TRUE(!(c.flags & RING_CF_HEAD_LOST));
	ring_close(r);
	TEST_DONE();
}

static void
test_shm_attach(void)
{
	char name[64];
	struct ring *w, *rd = NULL, *mk = NULL;
	struct ring_call c;
	uint32_t s, slot;
	int err;
	TEST_START("shared object: reader attach, find, marks mapping");
	snprintf(name, sizeof name, "/threatrec-unit-%d", (int)getpid());
	w = mk_ring(name, 32 * 4096, 16, 1000);
	ASSERT_TRUE(w != NULL);
	s = mk_call(w, "shm@x", 1);
	put(w, s, 7, 100, 7);
	ASSERT_INT_EQ(ring_attach(name, RING_ATTACH_RDONLY, &rd), 0);
	ASSERT_INT_EQ(ring_attach(name, RING_ATTACH_MARKS, &mk), 0);
	ASSERT_INT_EQ(ring_find(rd, "shm@x", NULL, &slot, &c), 0);
	ASSERT_INT_EQ(slot, s);
	ASSERT_U64_EQ(count_recs(rd, s, c.gen, &err), 1);
	ASSERT_INT_EQ(ring_mark_pin(mk, s, c.gen), 0);
	ASSERT_TRUE(ring_mark_get(w, s) & RING_MK_PIN);
	ASSERT_INT_EQ(ring_call_free(w, s), TR_ERR_PERM);
	ring_close(mk);
	ring_close(rd);
	ring_close(w);
	ASSERT_INT_EQ(ring_attach(name, RING_ATTACH_RDONLY, &rd), TR_ERR_SYS);  /* unlinked */
	TEST_DONE();
}

/* A corrupt or hostile ring header is refused: page_size 0 (a division by
 * zero in the reader), offsets whose sums wrap. Offsets per docs/ring.md:
 * page_size u32 at 16, off_chunks u64 at 64. */
static void
test_attach_bad_page_size(void)
{
	char name[64];
	struct ring *w, *rd = NULL;
	uint32_t zero = 0, page = 0;
	uint64_t huge = UINT64_MAX - 4095;
	int fd;
	TEST_START("attach refuses a header with page_size 0 or wrapping offsets");
	snprintf(name, sizeof name, "/threatrec-unit-pg-%d", (int)getpid());
	w = mk_ring(name, 32 * 4096, 16, 1000);
	ASSERT_TRUE(w != NULL);
	fd = shm_open(name, O_RDWR, 0);
	ASSERT_TRUE(fd >= 0);
	ASSERT_INT_EQ(pread(fd, &page, sizeof page, 16), (int)sizeof page);
	ASSERT_INT_EQ(pwrite(fd, &zero, sizeof zero, 16), (int)sizeof zero);
	ASSERT_INT_EQ(ring_attach(name, RING_ATTACH_RDONLY, &rd), TR_ERR_INVAL);
	ASSERT_TRUE(rd == NULL);
	/* off_chunks (u64 at offset 64) so large that off_chunks + data wraps */
	ASSERT_INT_EQ(pwrite(fd, &page, sizeof page, 16), (int)sizeof page);
	ASSERT_INT_EQ(ring_attach(name, RING_ATTACH_RDONLY, &rd), 0);
	ring_close(rd);
	rd = NULL;
	ASSERT_INT_EQ(pwrite(fd, &huge, sizeof huge, 64), (int)sizeof huge);
	ASSERT_INT_EQ(ring_attach(name, RING_ATTACH_RDONLY, &rd), TR_ERR_INVAL);
	ASSERT_TRUE(rd == NULL);
	close(fd);
	ring_close(w);
	TEST_DONE();
}

/* A chunk's next index read from shared memory is checked before use: a
 * reader of a corrupt ring gets an error, not a read outside the map.
 * Chunk headers: n_chunks u32 at 32, off_chdrs u64 at 56, 32 bytes each
 * with next (u32) at 16 (docs/ring.md). */
static void
test_iter_bad_chunk_index(void)
{
	char name[64];
	struct ring *w, *rd = NULL;
	struct ring_call c;
	uint64_t off_chdrs = 0;
	uint32_t n_chunks = 0, bad = 0x7ffffff0u, i, s, slot;
	int fd, err;
	TEST_START("iterator refuses a chunk index outside the ring");
	snprintf(name, sizeof name, "/threatrec-unit-ci-%d", (int)getpid());
	w = mk_ring(name, 32 * 4096, 16, 1000);
	ASSERT_TRUE(w != NULL);
	s = mk_call(w, "ci@x", 1);
	put(w, s, 7, 100, 7);
	fd = shm_open(name, O_RDWR, 0);
	ASSERT_TRUE(fd >= 0);
	ASSERT_INT_EQ(pread(fd, &n_chunks, sizeof n_chunks, 32), (int)sizeof n_chunks);
	ASSERT_INT_EQ(pread(fd, &off_chdrs, sizeof off_chdrs, 56), (int)sizeof off_chdrs);
	for (i = 0; i < n_chunks; i++)
		ASSERT_INT_EQ(pwrite(fd, &bad, sizeof bad, (off_t)(off_chdrs + 32u * i + 16)),
		              (int)sizeof bad);
	close(fd);
	ASSERT_INT_EQ(ring_attach(name, RING_ATTACH_RDONLY, &rd), 0);
	ASSERT_INT_EQ(ring_find(rd, "ci@x", NULL, &slot, &c), 0);
	ASSERT_U64_EQ(count_recs(rd, slot, c.gen, &err), 1);
	ASSERT_INT_EQ(err, TR_ERR_INVAL);
	ring_close(rd);
	ring_close(w);
	TEST_DONE();
}

/* inode of /dev/shm<name><suffix>, 0 if there is none */
static ino_t
shm_ino_of(const char *name, const char *suffix)
{
	char path[200];
	struct stat st;
	snprintf(path, sizeof path, "/dev/shm%s%s", name, suffix);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* records of call_id in the ring called name, as a reader sees them; -1 if
 * it cannot attach or find the call */
static long
reader_count(const char *name, const char *call_id)
{
	struct ring *rd = NULL;
	struct ring_call c;
	uint32_t slot;
	long n = -1;
	int err;
	if (ring_attach(name, RING_ATTACH_RDONLY, &rd) != 0)
		return -1;
	if (ring_find(rd, call_id, NULL, &slot, &c) == 0)
		n = (long)count_recs(rd, slot, c.gen, &err);
	ring_close(rd);
	return n;
}

static void
test_create_refuses_live_writer(void)
{
	char name[64], err[2048], want[64];
	struct ring_conf rc = { NULL, 32 * 4096, 16, 4096, 1000, 0600, 0, 0 };
	struct ring *a, *b = (struct ring *)1;
	ino_t ino, mino;
	uint32_t s;
	int rv;
	TEST_START("ring_create refuses a ring whose writer (this process) is alive, touches nothing");
	snprintf(name, sizeof name, "/threatrec-unit-live-%d", (int)getpid());
	a = mk_ring(name, 32 * 4096, 16, 1000);
	ASSERT_TRUE(a != NULL);
	s = mk_call(a, "live@x", 1);
	ASSERT_INT_EQ(put(a, s, 2, 100, 1), 0);
	ino = shm_ino_of(name, "");
	mino = shm_ino_of(name, ".marks");
	rc.name = name;
	test_stderr_begin();
	rv = ring_create(&rc, &b);
	test_stderr_end(err, sizeof err);
	ASSERT_INT_EQ(rv, TR_ERR_EXISTS);
	ASSERT_TRUE(b == NULL);
	ASSERT_TRUE(strstr(err, name) != NULL && strstr(err, "is in use") != NULL);
	snprintf(want, sizeof want, "(pid %d)", (int)getpid());
	ASSERT_TRUE(strstr(err, want) != NULL);
	ASSERT_TRUE(strstr(err, "heartbeat 0.") != NULL);
	ASSERT_TRUE(strstr(err, "choose another ring name") != NULL);
	/* the same objects, and the first writer goes on working */
	ASSERT_TRUE(ino != 0 && mino != 0);
	ASSERT_TRUE(shm_ino_of(name, "") == ino);
	ASSERT_TRUE(shm_ino_of(name, ".marks") == mino);
	ASSERT_INT_EQ(put(a, s, 3, 100, 2), 0);
	ASSERT_INT_EQ(reader_count(name, "live@x"), 2);
	ring_close(a);
	ASSERT_INT_EQ(shm_ino_of(name, ""), 0);
	ASSERT_INT_EQ(shm_ino_of(name, ".marks"), 0);
	TEST_DONE();
}

/* A writer in another process: refused while it runs; once it is dead (a
 * zombie not yet reaped is dead too) its ring is replaced. */
static void
test_create_forked_writer(void)
{
	char name[64], err[2048];
	struct ring_conf rc = { NULL, 32 * 4096, 16, 4096, 1000, 0600, 0, 0 };
	struct ring *b = NULL;
	siginfo_t si;
	int pfd[2], rv;
	pid_t pid;
	char ok = 0;
	TEST_START("ring_create: a live writer in another process is refused, a dead one replaced");
	snprintf(name, sizeof name, "/threatrec-unit-fork-%d", (int)getpid());
	rc.name = name;
	ASSERT_INT_EQ(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		struct ring *c = mk_ring(name, 32 * 4096, 16, 1000);
		uint32_t s = c ? mk_call(c, "child@x", 1) : RING_NONE;
		char x = (c != NULL && s != RING_NONE && put(c, s, 2, 100, 1) == 0) ? 'r' : 'e';
		if (write(pfd[1], &x, 1) != 1 || x != 'r')
			_exit(1);
		for (;;) {          /* a writer: heartbeat every 0.5 s until killed */
			struct timespec d = { 0, 500000000L };
			nanosleep(&d, NULL);
			__atomic_store_n(&ring_stats_w(c)->heartbeat, tr_wall_ns(), __ATOMIC_RELAXED);
		}
	}
	ASSERT_TRUE(pid > 0);
	close(pfd[1]);
	ASSERT_INT_EQ(read(pfd[0], &ok, 1), 1);
	close(pfd[0]);
	ASSERT_INT_EQ(ok, 'r');
	test_stderr_begin();
	rv = ring_create(&rc, &b);
	test_stderr_end(err, sizeof err);
	ASSERT_INT_EQ(rv, TR_ERR_EXISTS);
	ASSERT_TRUE(b == NULL);
	ASSERT_TRUE(strstr(err, "is in use") != NULL);
	ASSERT_INT_EQ(reader_count(name, "child@x"), 1);
	/* killed, not reaped yet: a zombie is no writer */
	kill(pid, SIGKILL);
	ASSERT_INT_EQ(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	test_stderr_begin();
	rv = ring_create(&rc, &b);
	test_stderr_end(err, sizeof err);
	ASSERT_INT_EQ(rv, 0);
	ASSERT_TRUE(strstr(err, "replacing the stale ring") != NULL && strstr(err, "gone") != NULL);
	waitpid(pid, NULL, 0);
	ASSERT_INT_EQ(reader_count(name, "child@x"), -1);     /* a new, empty ring */
	ring_close(b);
	TEST_DONE();
}

static void
test_create_replaces_stale(void)
{
	char name[64], err[2048], mname[80];
	struct ring_conf rc = { NULL, 32 * 4096, 16, 4096, 1000, 0600, 0, 0 };
	struct ring *a, *b = NULL, *c = NULL;
	uint32_t s;
	pid_t pid;
	int fd, st;
	TEST_START("ring_create: a hung writer keeps its ring; a crashed one's ring, or no ring, is replaced");
	snprintf(name, sizeof name, "/threatrec-unit-stale-%d", (int)getpid());
	snprintf(mname, sizeof mname, "%s.marks", name);
	rc.name = name;
	a = mk_ring(name, 32 * 4096, 16, 1000);
	ASSERT_TRUE(a != NULL);
	s = mk_call(a, "old@x", 1);
	put(a, s, 2, 100, 1);
	/* alive but silent for 11 s (stopped, or hung): its lock says it lives */
	ring_stats_w(a)->heartbeat = tr_wall_ns() - 11000000000ULL;
	test_stderr_begin();
	ASSERT_INT_EQ(ring_create(&rc, &b), TR_ERR_EXISTS);
	test_stderr_end(err, sizeof err);
	ASSERT_TRUE(strstr(err, "is in use") != NULL && strstr(err, "11.0 s old") != NULL);
	ASSERT_INT_EQ(reader_count(name, "old@x"), 1);
	ring_close(a);
	/* a writer that crashed: its objects stay, its lock went with it */
	if ((pid = fork()) == 0) {
		struct ring *w = mk_ring(name, 32 * 4096, 16, 1000);
		uint32_t cs = w ? mk_call(w, "crashed@x", 1) : RING_NONE;
		_exit(cs != RING_NONE && put(w, cs, 2, 100, 1) == 0 ? 0 : 1);   /* no ring_close */
	}
	ASSERT_TRUE(pid > 0);
	ASSERT_INT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_INT_EQ(reader_count(name, "crashed@x"), 1);
	test_stderr_begin();
	ASSERT_INT_EQ(ring_create(&rc, &b), 0);
	test_stderr_end(err, sizeof err);
	ASSERT_TRUE(strstr(err, "replacing the stale ring") != NULL && strstr(err, "gone") != NULL);
	ASSERT_INT_EQ(reader_count(name, "crashed@x"), -1);
	/* a writer whose objects were removed by hand and taken by a new writer
	 * must not unlink the newcomer's at its exit */
	ASSERT_INT_EQ(shm_unlink(name), 0);
	ASSERT_INT_EQ(shm_unlink(mname), 0);
	ASSERT_INT_EQ(ring_create(&rc, &c), 0);
	ring_close(b);
	ASSERT_TRUE(shm_ino_of(name, "") != 0 && shm_ino_of(name, ".marks") != 0);
	ring_close(c);
	ASSERT_INT_EQ(shm_ino_of(name, ""), 0);
	ASSERT_INT_EQ(shm_ino_of(name, ".marks"), 0);
	/* an object that is not a ring */
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	ASSERT_TRUE(fd >= 0);
	ASSERT_INT_EQ(write(fd, "not a ring", 10), 10);
	close(fd);
	c = NULL;
	test_stderr_begin();
	ASSERT_INT_EQ(ring_create(&rc, &c), 0);
	test_stderr_end(err, sizeof err);
	ASSERT_TRUE(strstr(err, "not a threatrec ring") != NULL);
	ring_close(c);
	TEST_DONE();
}

/* Sniffers started at the same moment on one name: exactly one gets it. */
static void
test_create_race(void)
{
	char name[64];
	pid_t pids[8];
	int pfd[2], i, st, won = 0, refused = 0;
	TEST_START("ring_create: of 8 writers started at once on one name exactly one wins");
	snprintf(name, sizeof name, "/threatrec-unit-race-%d", (int)getpid());
	ASSERT_INT_EQ(pipe(pfd), 0);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			struct ring_conf rc = { NULL, 32 * 4096, 16, 4096, 1000, 0600, 0, 0 };
			struct ring *w = NULL;
			char x;
			int rv;
			close(pfd[1]);
			if (read(pfd[0], &x, 1) != 0)      /* EOF: all start together */
				_exit(3);
			rc.name = name;
			if (freopen("/dev/null", "w", stderr) == NULL)
				_exit(4);
			rv = ring_create(&rc, &w);
			if (rv == 0) {
				struct timespec d = { 2, 0 };   /* hold it until all others have tried */
				nanosleep(&d, NULL);
				ring_close(w);
				_exit(0);
			}
			_exit(rv == TR_ERR_EXISTS ? 1 : 2);
		}
		ASSERT_TRUE(pids[i] > 0);
	}
	close(pfd[0]);
	close(pfd[1]);
	for (i = 0; i < 8; i++) {
		ASSERT_INT_EQ(waitpid(pids[i], &st, 0), pids[i]);
		ASSERT_TRUE(WIFEXITED(st));
		won += WEXITSTATUS(st) == 0;
		refused += WEXITSTATUS(st) == 1;
	}
	ASSERT_INT_EQ(won, 1);
	ASSERT_INT_EQ(refused, 7);
	ASSERT_INT_EQ(shm_ino_of(name, ""), 0);
	TEST_DONE();
}

/* ring_attach_why says what is wrong; the codes are those of ring_attach. */
static void
test_attach_why(void)
{
	char name[64], fake[64], why[256], mname[80];
	struct ring *w, *rd = NULL;
	uint32_t v3 = 3;
	int fd;
	TEST_START("ring_attach_why: no such ring, not a ring, other version, .marks missing");
	snprintf(name, sizeof name, "/threatrec-unit-why-%d", (int)getpid());
	snprintf(fake, sizeof fake, "/threatrec-unit-fake-%d", (int)getpid());
	ASSERT_INT_EQ(ring_attach_why(name, RING_ATTACH_RDONLY, &rd, why, sizeof why), TR_ERR_SYS);
	ASSERT_TRUE(strncmp(why, "no such ring", 12) == 0);
	fd = shm_open(fake, O_RDWR | O_CREAT | O_EXCL, 0600);
	ASSERT_TRUE(fd >= 0);
	ASSERT_INT_EQ(ftruncate(fd, 8192), 0);
	ASSERT_INT_EQ(pwrite(fd, "junkjunk", 8, 0), 8);
	close(fd);
	ASSERT_INT_EQ(ring_attach_why(fake, RING_ATTACH_RDONLY, &rd, why, sizeof why), TR_ERR_INVAL);
	ASSERT_STR_EQ(why, "not a threatrec ring (no TRING001 magic in its header)");
	shm_unlink(fake);
	w = mk_ring(name, 32 * 4096, 16, 1000);
	ASSERT_TRUE(w != NULL);
	ASSERT_INT_EQ(ring_attach_why(name, RING_ATTACH_RDONLY, &rd, why, sizeof why), 0);
	ring_close(rd);
	rd = NULL;
	fd = shm_open(name, O_RDWR, 0);
	ASSERT_TRUE(fd >= 0);
	ASSERT_INT_EQ(pwrite(fd, &v3, sizeof v3, 8), (int)sizeof v3);    /* version u32 at 8 */
	ASSERT_INT_EQ(ring_attach_why(name, RING_ATTACH_RDONLY, &rd, why, sizeof why), TR_ERR_INVAL);
	ASSERT_TRUE(strstr(why, "version 3") != NULL && strstr(why, "reads version 2") != NULL);
	v3 = RING_VERSION;
	ASSERT_INT_EQ(pwrite(fd, &v3, sizeof v3, 8), (int)sizeof v3);
	close(fd);
	snprintf(mname, sizeof mname, "%s.marks", name);
	ASSERT_INT_EQ(shm_unlink(mname), 0);
	ASSERT_INT_EQ(ring_attach_why(name, RING_ATTACH_RDONLY, &rd, why, sizeof why), TR_ERR_SYS);
	ASSERT_TRUE(strstr(why, ".marks is missing") != NULL && strstr(why, mname) != NULL);
	ASSERT_TRUE(rd == NULL);
	ring_close(w);
	TEST_DONE();
}

/* /dev/shm is open to every local user: a reader refuses ring objects that
 * another user made or that others may write (a planted ring would feed
 * made-up calls to the vault as evidence). */
static void
test_attach_owner(void)
{
	char name[64], mname[80], why[256], path[96], mpath[112];
	struct ring *w, *rd = NULL;

	TEST_START("ring_attach refuses a ring another user made, or one others may write");
	snprintf(name, sizeof name, "/threatrec-unit-own-%d", (int)getpid());
	snprintf(mname, sizeof mname, "%s.marks", name);
	snprintf(path, sizeof path, "/dev/shm%s", name);
	snprintf(mpath, sizeof mpath, "/dev/shm%s", mname);
	w = mk_ring(name, 32 * 4096, 16, 1000);
	ASSERT_TRUE(w != NULL);
	ASSERT_TRUE(ring_owner_trusted(0, RING_OWNER_NONE) &&
	            ring_owner_trusted(geteuid(), RING_OWNER_NONE) && ring_owner_trusted(4242, 4242));
	ASSERT_INT_EQ(chmod(path, 0666), 0);
	ASSERT_INT_EQ(ring_attach_why(name, RING_ATTACH_RDONLY, &rd, why, sizeof why), TR_ERR_PERM);
	ASSERT_TRUE(strstr(why, "writable by every user") != NULL);
	ASSERT_INT_EQ(chmod(path, 0640), 0);
	ASSERT_INT_EQ(chmod(mpath, 0666), 0);
	ASSERT_INT_EQ(ring_attach_why(name, RING_ATTACH_MARKS, &rd, why, sizeof why), TR_ERR_PERM);
	ASSERT_TRUE(strstr(why, "mark words object is writable by every user") != NULL);
	ASSERT_INT_EQ(chmod(mpath, 0660), 0);
	ASSERT_INT_EQ(ring_attach_why(name, RING_ATTACH_MARKS, &rd, why, sizeof why), 0);
	ring_close(rd);
	rd = NULL;
	if (geteuid() == 0 && !ring_owner_trusted(65534, ring_owner_default())) {
		/* as "nobody" would have made it */
		ASSERT_INT_EQ(chown(path, 65534, (gid_t)-1), 0);
		ASSERT_INT_EQ(ring_attach_why(name, RING_ATTACH_RDONLY, &rd, why, sizeof why),
		              TR_ERR_PERM);
		ASSERT_TRUE(strstr(why, "belongs to uid 65534") != NULL);
		/* unless the reader names that user as the sniffer's (ring_owner) */
		ASSERT_INT_EQ(ring_attach_owner(name, RING_ATTACH_RDONLY, 65534, &rd, why, sizeof why), 0);
		ring_close(rd);
		rd = NULL;
		ASSERT_INT_EQ(chown(path, 0, (gid_t)-1), 0);
		ASSERT_INT_EQ(chown(mpath, 65534, (gid_t)-1), 0);
		ASSERT_INT_EQ(ring_attach_why(name, RING_ATTACH_MARKS, &rd, why, sizeof why),
		              TR_ERR_PERM);
		ASSERT_TRUE(strstr(why, "mark words object belongs to uid 65534") != NULL);
		ASSERT_INT_EQ(chown(mpath, 0, (gid_t)-1), 0);
	}
	ASSERT_TRUE(rd == NULL);
	ring_close(w);
	TEST_DONE();
}

int
main(void)
{
	test_append_iterate();
	test_attach_owner();
	test_live_growth();
	test_grace_expiry();
	test_eviction_order_and_pin();
	test_pinned_ended_kept();
	test_ended_preferred_over_live();
	test_shm_attach();
	test_attach_bad_page_size();
	test_iter_bad_chunk_index();
	test_create_refuses_live_writer();
	test_create_forked_writer();
	test_create_replaces_stale();
	test_create_race();
	test_attach_why();
	return TEST_EXIT();
}
