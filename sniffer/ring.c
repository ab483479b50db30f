/* ring.c - the shared-memory call ring (layout and protocol: docs/ring.md).
 *
 * One writer (the sniffer's engine thread) and any number of readers in
 * other processes. The shared object holds only offsets, indices and
 * generation numbers, never pointers: every process maps it at its own
 * address. The writer's free lists and eviction order live in its private
 * heap (struct ring_wstate), so a reader can never corrupt them.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "ring.h"

#define RING_HDR_SIZE   4096u
#define RING_SEQ_TRIES  1000
#define RING_PREFETCH   256u     /* bytes of a call's next record prefetched for writing */

/* The first page of the object. Fixed fields are written once by
 * ring_create before any reader can map the object. */
struct ring_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint32_t page_size;
	uint32_t slots;
	uint32_t slot_size;        /* sizeof(struct ring_call) */
	uint32_t chunk_size;
	uint32_t n_chunks;
	uint32_t rec_hdr_size;     /* sizeof(struct ring_rec) */
	uint64_t off_marks;
	uint64_t off_slots;
	uint64_t off_chdrs;        /* chunk headers, n_chunks x 32 bytes */
	uint64_t off_chunks;       /* chunk data */
	uint64_t total_size;
	uint64_t grace_ns;
	uint64_t created_ns;       /* wall clock */
	struct ring_stats stats;
};

/* Header of every chunk, in one dense array apart from the data (the
 * writer touches the header of every live call's tail chunk per packet: a
 * few pages, not one page per call). `gen` is odd while
 * the writer zeroes or re-owns the chunk; readers compare it before and
 * after copying. */
struct ring_chunk {
	uint32_t gen;
	uint32_t owner_slot;
	uint32_t owner_gen;
	uint32_t seq;              /* index of this chunk within its call */
	uint32_t next;             /* next chunk of the call or RING_NONE */
	uint32_t used;             /* data bytes published (release) */
	uint32_t n_rec;
	uint32_t pad;
};

/* Writer-private bookkeeping. Lists are doubly linked by slot index. */
struct ring_wstate {
	uint32_t *free_chunks;     /* stack */
	uint32_t n_free_chunks;
	uint32_t *free_slots;      /* stack */
	uint32_t n_free_slots;
	uint32_t *prev, *next;     /* per slot: position in the live or the ended list */
	uint8_t  *list;            /* per slot: 0 none, 1 live, 2 ended */
	uint32_t live_head, live_tail;     /* oldest first */
	uint32_t ended_head, ended_tail;   /* earliest ended first */
};

struct ring {
	uint8_t *base;
	size_t   map_len;
	uint64_t *marks;           /* may be a second, writable mapping */
	size_t   marks_len;
	int      marks_separate;
	int      marks_created;
	int      writer;
	int      anon;
	char     name[128];
	int      lock_fd;          /* writer: its ring object, flock(LOCK_EX) while it lives; else -1 */
	dev_t    dev, mdev;        /* writer: the objects it created (ring_close unlinks only those) */
	ino_t    ino, mino;
	struct ring_hdr *hdr;
	struct ring_wstate *w;     /* writer only */
};

#define LIST_NONE 0
#define LIST_LIVE 1
#define LIST_ENDED 2

static inline struct ring_call *
ring_slot(const struct ring *r, uint32_t i)
{
	return (struct ring_call *)(r->base + r->hdr->off_slots + (uint64_t)i * sizeof(struct ring_call));
}

static inline struct ring_chunk *
ring_chunk_at(const struct ring *r, uint32_t i)
{
	return (struct ring_chunk *)(r->base + r->hdr->off_chdrs) + i;
}

static inline uint8_t *
ring_chunk_data(const struct ring *r, uint32_t i)
{
	return r->base + r->hdr->off_chunks + (uint64_t)i * r->hdr->chunk_size;
}

static inline uint32_t
ring_chunk_cap(const struct ring *r)
{
	return r->hdr->chunk_size;
}

static uint64_t
ring_round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

uint64_t
ring_created_ns(const struct ring *r)
{
	return r->hdr->created_ns;
}

uint32_t
ring_slots(const struct ring *r)
{
	return r->hdr->slots;
}

/* ---------------------------------------------------------------- lists */

static void
ring_list_unlink(struct ring_wstate *w, uint32_t s)
{
	uint32_t *head, *tail;

	if (w->list[s] == LIST_NONE)
		return;
	head = w->list[s] == LIST_LIVE ? &w->live_head : &w->ended_head;
	tail = w->list[s] == LIST_LIVE ? &w->live_tail : &w->ended_tail;
	if (w->prev[s] != RING_NONE) w->next[w->prev[s]] = w->next[s];
	else *head = w->next[s];
	if (w->next[s] != RING_NONE) w->prev[w->next[s]] = w->prev[s];
	else *tail = w->prev[s];
	w->prev[s] = w->next[s] = RING_NONE;
	w->list[s] = LIST_NONE;
}

static void
ring_list_append(struct ring_wstate *w, uint32_t s, uint8_t which)
{
	uint32_t *head = which == LIST_LIVE ? &w->live_head : &w->ended_head;
	uint32_t *tail = which == LIST_LIVE ? &w->live_tail : &w->ended_tail;

	w->prev[s] = *tail;
	w->next[s] = RING_NONE;
	if (*tail != RING_NONE) w->next[*tail] = s;
	else *head = s;
	*tail = s;
	w->list[s] = which;
}

/* -------------------------------------------------------------- seqlock */

static inline void
ring_seq_begin(struct ring_call *c)
{
	__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
ring_seq_end(struct ring_call *c)
{
	__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------ lifecycle */

static void
ring_wstate_free(struct ring_wstate *w)
{
	if (w == NULL)
		return;
	free(w->free_chunks);
	free(w->free_slots);
	free(w->prev);
	free(w->next);
	free(w->list);
	free(w);
}

static int
ring_wstate_new(uint32_t slots, uint32_t chunks, struct ring_wstate **wp)
{
	struct ring_wstate *w = NULL;
	uint32_t i;
	int r = TR_ERR_NOMEM;

	if ((w = calloc(1, sizeof *w)) == NULL)
		goto out;
	w->free_chunks = calloc(chunks, sizeof(uint32_t));
	w->free_slots = calloc(slots, sizeof(uint32_t));
	w->prev = calloc(slots, sizeof(uint32_t));
	w->next = calloc(slots, sizeof(uint32_t));
	w->list = calloc(slots, 1);
	if (!w->free_chunks || !w->free_slots || !w->prev || !w->next || !w->list)
		goto out;
	/* stacks pop from the end: keep low indices first for locality */
	for (i = 0; i < chunks; i++)
		w->free_chunks[i] = chunks - 1 - i;
	w->n_free_chunks = chunks;
	for (i = 0; i < slots; i++) {
		w->free_slots[i] = slots - 1 - i;
		w->prev[i] = w->next[i] = RING_NONE;
	}
	w->n_free_slots = slots;
	w->live_head = w->live_tail = w->ended_head = w->ended_tail = RING_NONE;
	*wp = w;
	w = NULL;
	r = 0;
out:
	ring_wstate_free(w);
	return r;
}

/* Who owns a ring name: its writer holds an exclusive flock on the ring
 * object for as long as it runs, and the kernel drops the lock when the
 * process ends, however it ends (no pid or heartbeat guessing: pids are
 * reused, pid namespaces repeat them, clocks step). ring_create takes a
 * lock on /dev/shm itself around check, unlink and create, so two sniffers
 * started at once cannot both pass the check. */

/* What has the name ring_create is about to use: 0 = nothing, or something
 * that may be replaced (not a ring of this version, or a ring no live
 * writer holds; logged); TR_ERR_EXISTS = a ring whose writer holds it
 * (logged; nothing is touched); TR_ERR_SYS = it cannot be inspected. */
static int
ring_check_existing(const char *name)
{
	struct ring_hdr h;
	struct stat st;
	uint64_t now = tr_wall_ns(), hb;
	int fd, rv = TR_ERR_SYS, saved, have, is_ring;
	char age[48];

	if ((fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0)) < 0) {
		if (errno == ENOENT)
			rv = 0;
		goto out;
	}
	if (fstat(fd, &st) != 0)
		goto out;
	if (st.st_uid != geteuid() && geteuid() != 0) {
		/* /dev/shm is sticky: only its owner or root can remove it */
		log_err_f("%s exists and belongs to uid %lu, not to this sniffer's user: it cannot be "
		    "replaced; look at who made it (ls -l /dev/shm), remove it as root, or choose "
		    "another ring name", name, (unsigned long)st.st_uid);
		rv = TR_ERR_EXISTS;
		goto out;
	}
	memset(&h, 0, sizeof h);
	have = (uint64_t)st.st_size >= sizeof h && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h;
	is_ring = have && h.magic == RING_MAGIC && h.version == RING_VERSION;
	hb = h.stats.heartbeat;
	if (hb == 0)
		snprintf(age, sizeof age, "no heartbeat yet");
	else
		snprintf(age, sizeof age, "heartbeat %.1f s old", (double)(now > hb ? now - hb : 0) / 1e9);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			goto out;
		log_err_f("ring %s is in use: its writer (pid %llu) is running, %s; stop that sniffer "
		    "or choose another ring name (--ring NAME or [ring] name)", name,
		    (unsigned long long)h.stats.writer_pid, age);
		rv = TR_ERR_EXISTS;
		goto out;
	}
	rv = 0;
	if (is_ring)
		log_warn_f("replacing the stale ring %s (its writer, pid %llu, is gone; %s)", name,
		    (unsigned long long)h.stats.writer_pid, age);
	else
		log_warn_f("replacing %s: it is not a threatrec ring of version %d (or its writer is "
		    "gone)", name, RING_VERSION);
out:
	saved = errno;
	if (fd >= 0)
		close(fd);             /* drops our probe lock */
	errno = saved;
	return rv;
}

int
ring_create(const struct ring_conf *conf, struct ring **ringp)
{
	struct ring *r = NULL;
	uint64_t page, off_marks, off_slots, off_chdrs, off_chunks, total, n_chunks, marks_len;
	int fd = -1, mfd = -1, dfd = -1, rv = TR_ERR_CONFIG, saved = 0, locked, created = 0;
	char mname[160];
	struct stat st;

	*ringp = NULL;
	page = (uint64_t)sysconf(_SC_PAGESIZE);
	if (conf->slots == 0 || conf->slots > RING_SLOTS_MAX ||
	    conf->chunk_size < RING_CHUNK_MIN || conf->chunk_size > RING_CHUNK_MAX ||
	    (conf->chunk_size & (conf->chunk_size - 1)) != 0 ||
	    conf->size / conf->chunk_size < 2 || conf->size / conf->chunk_size >= RING_NONE)
		goto out;
	n_chunks = conf->size / conf->chunk_size;
	off_marks = 0;      /* the mark words are a separate object: <name>.marks */
	marks_len = ring_round_up((uint64_t)conf->slots * sizeof(uint64_t), page);
	off_slots = ring_round_up(RING_HDR_SIZE, page);
	off_chdrs = ring_round_up(off_slots + (uint64_t)conf->slots * sizeof(struct ring_call), page);
	off_chunks = ring_round_up(off_chdrs + n_chunks * sizeof(struct ring_chunk), page);
	total = off_chunks + n_chunks * conf->chunk_size;

	rv = TR_ERR_NOMEM;
	if ((r = calloc(1, sizeof *r)) == NULL)
		goto out;
	r->lock_fd = -1;
	r->writer = 1;
	if (conf->name == NULL) {
		r->anon = 1;
		r->base = mmap(NULL, total, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		r->marks = mmap(NULL, marks_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else {
		rv = TR_ERR_CONFIG;
		if (conf->name[0] != '/' || strlen(conf->name) >= sizeof r->name ||
		    strchr(conf->name + 1, '/') != NULL)
			goto out;
		snprintf(r->name, sizeof r->name, "%s", conf->name);
		snprintf(mname, sizeof mname, "%s.marks", conf->name);
		/* check, unlink and create under the /dev/shm lock; a live
		 * writer's ring is never replaced: TR_ERR_EXISTS */
		if ((dfd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
		    flock(dfd, LOCK_EX) != 0) {
			close(dfd);
			dfd = -1;
		}
		if ((rv = ring_check_existing(conf->name)) != 0)
			goto out;
		rv = TR_ERR_SYS;
		(void)shm_unlink(conf->name);      /* a stale ring, or not a ring (logged) */
		fd = shm_open(conf->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		    conf->mode ? conf->mode : 0640);
		if (fd < 0)
			goto out;
		created = 1;
		if (flock(fd, LOCK_EX | LOCK_NB) != 0)
			goto out;
		if (fstat(fd, &st) != 0 || fchmod(fd, conf->mode ? conf->mode : 0640) != 0 ||
		    ftruncate(fd, (off_t)total) != 0)
			goto out;
		r->dev = st.st_dev;
		r->ino = st.st_ino;
		r->base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		/* The mark words: a second object, so that only the vault's group
		 * can be given write access (the web UI reads the ring only). */
		(void)shm_unlink(mname);
		mfd = shm_open(mname, O_RDWR | O_CREAT | O_EXCL, conf->marks_mode ? conf->marks_mode : 0660);
		if (mfd < 0)
			goto out;
		r->marks_created = 1;
		if (fstat(mfd, &st) != 0 || fchmod(mfd, conf->marks_mode ? conf->marks_mode : 0660) != 0 ||
		    ftruncate(mfd, (off_t)marks_len) != 0)
			goto out;
		r->mdev = st.st_dev;
		r->mino = st.st_ino;
		r->marks = mmap(NULL, marks_len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		/* both objects exist and the ring is locked: the next sniffer may look */
		if (dfd >= 0) {
			close(dfd);
			dfd = -1;
		}
	}
	if (r->marks == MAP_FAILED)
		r->marks = NULL;
	if (r->base == MAP_FAILED)
		r->base = NULL;
	if (r->base == NULL || r->marks == NULL) {
		rv = TR_ERR_SYS;
		goto out;
	}
	r->marks_separate = 1;
	r->marks_len = marks_len;
	r->map_len = total;
	/* Who owns the name, before the slow part (mlock or populate): another
	 * sniffer started meanwhile finds a live writer (ring_check_existing). */
	r->hdr = (struct ring_hdr *)r->base;
	r->hdr->stats.writer_pid = (uint64_t)getpid();
	__atomic_store_n(&r->hdr->stats.heartbeat, tr_wall_ns(), __ATOMIC_RELAXED);
	if (conf->mlock && mlock(r->base, total) != 0) {
		log_warn_f("mlock of %llu bytes failed: %s (ring may be swapped)",
		    (unsigned long long)total, strerror(errno));
		locked = 0;
	} else
		locked = conf->mlock;
	/* A shared ring is populated now, as mlock does: every page of it is
	 * written sooner or later, first-touch faults in the capture loop cost
	 * about as much as the rest of the packet path (docs/performance.md),
	 * and a /dev/shm too small for the ring fails here rather than with
	 * SIGBUS in the middle of a capture. The decoder's private ring is
	 * sized for the worst case and stays lazy. */
	if (!r->anon && !locked && madvise(r->base, total, MADV_POPULATE_WRITE) != 0 &&
	    errno != EINVAL) {
		log_err_f("ring %s: cannot populate %llu bytes of shared memory: %s",
		    conf->name, (unsigned long long)total, strerror(errno));
		rv = TR_ERR_NOMEM;
		goto out;
	}
	(void)madvise(r->base, total, MADV_DONTDUMP);
	r->hdr->version = RING_VERSION;
	r->hdr->hdr_size = RING_HDR_SIZE;
	r->hdr->page_size = (uint32_t)page;
	r->hdr->slots = conf->slots;
	r->hdr->slot_size = sizeof(struct ring_call);
	r->hdr->chunk_size = conf->chunk_size;
	r->hdr->n_chunks = (uint32_t)n_chunks;
	r->hdr->rec_hdr_size = sizeof(struct ring_rec);
	r->hdr->off_marks = off_marks;
	r->hdr->off_slots = off_slots;
	r->hdr->off_chdrs = off_chdrs;
	r->hdr->off_chunks = off_chunks;
	r->hdr->total_size = total;
	r->hdr->grace_ns = conf->grace_ns;
	r->hdr->created_ns = tr_wall_ns();
	r->hdr->stats.chunks_total = n_chunks;
	r->hdr->stats.writer_pid = (uint64_t)getpid();
	__atomic_store_n(&r->hdr->stats.heartbeat, tr_wall_ns(), __ATOMIC_RELAXED);
	if ((rv = ring_wstate_new(conf->slots, (uint32_t)n_chunks, &r->w)) != 0)
		goto out;
	__atomic_store_n(&r->hdr->magic, RING_MAGIC, __ATOMIC_RELEASE);
	r->lock_fd = fd;            /* held (and locked) until ring_close */
	fd = -1;
	*ringp = r;
	r = NULL;
	rv = 0;
out:
	saved = errno;
	if (dfd >= 0)
		close(dfd);
	if (fd >= 0)
		close(fd);
	if (mfd >= 0)
		close(mfd);
	if (r != NULL) {
		if (r->base != NULL)
			munmap(r->base, total);
		if (r->marks != NULL)
			munmap(r->marks, marks_len);
		if (created)
			shm_unlink(r->name);
		if (r->marks_created)
			shm_unlink(mname);
		ring_wstate_free(r->w);
		free(r);
	}
	errno = saved;
	return rv;
}

static void __attribute__((format(printf, 3, 4)))
ring_why(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || n == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

int
ring_attach(const char *name, int flags, struct ring **ringp)
{
	return ring_attach_why(name, flags, ringp, NULL, 0);
}

uid_t
ring_owner_default(void)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwnam_r(RING_OWNER_USER, &pw, buf, sizeof buf, &res) == 0 && res != NULL)
		return pw.pw_uid;
	return RING_OWNER_NONE;
}

bool
ring_owner_trusted(uid_t uid, uid_t owner)
{
	return uid == 0 || uid == geteuid() || (owner != RING_OWNER_NONE && uid == owner);
}

/* The owner and mode rule of ring_attach (ring.h) for one object. */
static int
ring_object_ok(const struct stat *st, const char *what, uid_t owner, char *why, size_t whylen)
{
	if (!ring_owner_trusted(st->st_uid, owner)) {
		ring_why(why, whylen, "%s belongs to uid %lu, not to the sniffer's user (ring_owner), "
		    "root or this program's user: refused (anyone may create objects in /dev/shm; a "
		    "ring another user made could feed made-up calls)", what, (unsigned long)st->st_uid);
		return TR_ERR_PERM;
	}
	if (st->st_mode & S_IWOTH) {
		ring_why(why, whylen, "%s is writable by every user (mode %04o): refused", what,
		    (unsigned)(st->st_mode & 07777));
		return TR_ERR_PERM;
	}
	return 0;
}

int
ring_attach_why(const char *name, int flags, struct ring **ringp, char *why, size_t whylen)
{
	return ring_attach_owner(name, flags, ring_owner_default(), ringp, why, whylen);
}

int
ring_attach_owner(const char *name, int flags, uid_t owner, struct ring **ringp, char *why,
    size_t whylen)
{
	struct ring *r = NULL;
	struct ring_hdr h;
	struct stat st;
	int fd = -1, mfd = -1, rv = TR_ERR_SYS, saved = 0, wr = (flags & RING_ATTACH_MARKS) != 0;
	char mname[160];

	*ringp = NULL;
	ring_why(why, whylen, "out of memory");
	if ((r = calloc(1, sizeof *r)) == NULL) {
		rv = TR_ERR_NOMEM;
		goto out;
	}
	r->lock_fd = -1;
	snprintf(r->name, sizeof r->name, "%s", name);
	snprintf(mname, sizeof mname, "%s.marks", name);
	if ((fd = shm_open(name, O_RDONLY, 0)) < 0 || fstat(fd, &st) != 0) {
		if (errno == ENOENT)
			ring_why(why, whylen, "no such ring (no shared-memory object of that name; "
			    "is threatrec-sniffer running with this ring name?)");
		else
			ring_why(why, whylen, "cannot open it: %s", strerror(errno));
		goto out;
	}
	if ((rv = ring_object_ok(&st, "the ring", owner, why, whylen)) != 0)
		goto out;
	rv = TR_ERR_INVAL;
	if ((uint64_t)st.st_size < sizeof h || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
		ring_why(why, whylen, "not a threatrec ring (%lld bytes, too small for a ring header; "
		    "or a sniffer is just creating it)", (long long)st.st_size);
		goto out;
	}
	if (h.magic != RING_MAGIC) {
		ring_why(why, whylen, h.magic == 0 ? "not a threatrec ring (no ring header; or a sniffer "
		    "is just creating it)" : "not a threatrec ring (no TRING001 magic in its header)");
		goto out;
	}
	if (h.version != RING_VERSION || h.slot_size != sizeof(struct ring_call) ||
	    h.rec_hdr_size != sizeof(struct ring_rec)) {
		ring_why(why, whylen, "a threatrec ring of version %u (slot %u bytes), but this program "
		    "reads version %d (slot %zu bytes): sniffer and reader from different builds?",
		    h.version, h.slot_size, RING_VERSION, sizeof(struct ring_call));
		goto out;
	}
	if (h.total_size != (uint64_t)st.st_size || h.slots == 0 || h.slots > RING_SLOTS_MAX ||
	    h.chunk_size < RING_CHUNK_MIN || h.chunk_size > RING_CHUNK_MAX ||
	    h.page_size == 0 || (h.page_size & (h.page_size - 1)) != 0 ||  /* divides marks_len */
	    h.off_marks != 0 || h.off_slots < RING_HDR_SIZE || h.off_slots > h.total_size ||
	    h.off_chdrs > h.total_size || h.off_chunks > h.total_size ||  /* no wrap below */
	    h.off_chdrs < h.off_slots + (uint64_t)h.slots * sizeof(struct ring_call) ||
	    h.off_chunks < h.off_chdrs + (uint64_t)h.n_chunks * sizeof(struct ring_chunk) ||
	    h.off_chunks + (uint64_t)h.n_chunks * h.chunk_size > h.total_size) {
		ring_why(why, whylen, "corrupt ring header (its size or geometry is out of bounds)");
		goto out;
	}
	rv = TR_ERR_SYS;
	r->base = mmap(NULL, h.total_size, PROT_READ, MAP_SHARED, fd, 0);
	if (r->base == MAP_FAILED) {
		r->base = NULL;
		ring_why(why, whylen, "cannot map its %llu bytes: %s", (unsigned long long)h.total_size,
		    strerror(errno));
		goto out;
	}
	r->map_len = h.total_size;
	r->hdr = (struct ring_hdr *)r->base;
	/* the mark words: writable only with RING_ATTACH_MARKS (the vault) */
	r->marks_len = ring_round_up((uint64_t)h.slots * sizeof(uint64_t), h.page_size);
	if ((mfd = shm_open(mname, wr ? O_RDWR : O_RDONLY, 0)) < 0) {
		if (wr || errno != EACCES) {
			if (errno == ENOENT)
				ring_why(why, whylen, "its mark words object %s is missing (removed by hand? "
				    "restart the sniffer)", mname);
			else
				ring_why(why, whylen, "cannot open its mark words object %s: %s", mname,
				    strerror(errno));
			goto out;
		}
		/* A metadata-only reader (the web UI) is not in the marks group:
		 * it sees no marks (all zero) and asks the vault instead. */
		r->marks = mmap(NULL, r->marks_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else {
		if (fstat(mfd, &st) != 0) {
			ring_why(why, whylen, "cannot stat its mark words object %s: %s", mname,
			    strerror(errno));
			goto out;
		}
		if (ring_object_ok(&st, "its mark words object", owner, why, whylen) != 0) {
			rv = TR_ERR_PERM;
			goto out;
		}
		if ((uint64_t)st.st_size < r->marks_len) {
			ring_why(why, whylen, "its mark words object %s is too small (%lld bytes, "
			    "%llu needed)", mname, (long long)st.st_size, (unsigned long long)r->marks_len);
			rv = TR_ERR_INVAL;
			goto out;
		}
		r->marks = mmap(NULL, r->marks_len, wr ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
		    mfd, 0);
	}
	if (r->marks == MAP_FAILED) {
		r->marks = NULL;
		ring_why(why, whylen, "cannot map its mark words: %s", strerror(errno));
		goto out;
	}
	r->marks_separate = 1;
	*ringp = r;
	r = NULL;
	rv = 0;
	ring_why(why, whylen, "success");
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (mfd >= 0)
		close(mfd);
	ring_close(r);
	errno = saved;
	return rv;
}

/* Unlinks a shm object the writer created, unless it is no longer there or
 * is another one now (a successor that replaced a stale ring). */
static void
ring_unlink_own(const char *name, dev_t dev, ino_t ino)
{
	struct stat st;
	char path[200];

	snprintf(path, sizeof path, "/dev/shm%s", name);
	if (stat(path, &st) == 0 && (st.st_dev != dev || st.st_ino != ino))
		return;
	(void)shm_unlink(name);
}

void
ring_close(struct ring *r)
{
	if (r == NULL)
		return;
	if (r->marks_separate && r->marks != NULL)
		munmap(r->marks, r->marks_len);
	if (r->base != NULL)
		munmap(r->base, r->map_len);
	if (r->writer && !r->anon && r->name[0]) {
		char mname[160];
		snprintf(mname, sizeof mname, "%s.marks", r->name);
		ring_unlink_own(r->name, r->dev, r->ino);
		ring_unlink_own(mname, r->mdev, r->mino);
	}
	if (r->lock_fd >= 0)
		close(r->lock_fd);     /* after the unlink: the name is free only then */
	ring_wstate_free(r->w);
	free(r);
}

struct ring_stats *
ring_stats_w(struct ring *r)
{
	return &r->hdr->stats;
}

void
ring_stats_read(const struct ring *r, struct ring_stats *out)
{
	const uint64_t *src = (const uint64_t *)&r->hdr->stats;
	uint64_t *dst = (uint64_t *)out;
	size_t i;

	for (i = 0; i < sizeof *out / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* --------------------------------------------------------------- chunks */

/* Zeroes a chunk and returns it to the free stack. The odd generation
 * during the wipe tells a concurrent reader its copy is invalid. */
static void
ring_chunk_release(struct ring *r, uint32_t ci)
{
	struct ring_chunk *c = ring_chunk_at(r, ci);
	uint32_t g = c->gen;

	__atomic_store_n(&c->gen, g + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memset(ring_chunk_data(r, ci), 0, c->used);
	c->owner_slot = RING_NONE;
	c->owner_gen = 0;
	c->seq = 0;
	c->next = RING_NONE;
	c->n_rec = 0;
	__atomic_store_n(&c->used, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&c->gen, g + 2, __ATOMIC_RELEASE);
	r->w->free_chunks[r->w->n_free_chunks++] = ci;
	r->hdr->stats.chunks_used--;
}

/* Claims the eviction right on a slot: fails when the vault has pinned it. */
static int
ring_evict_begin(struct ring *r, uint32_t s)
{
	uint64_t w = __atomic_load_n(&r->marks[s], __ATOMIC_ACQUIRE);

	for (;;) {
		if (w & RING_MK_PIN)
			return 0;
		if (__atomic_compare_exchange_n(&r->marks[s], &w, w | RING_MK_EVICT, 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return 1;
	}
}

static void
ring_evict_end(struct ring *r, uint32_t s)
{
	__atomic_fetch_and(&r->marks[s], ~(uint64_t)RING_MK_EVICT, __ATOMIC_RELEASE);
}

/* Frees a whole slot (caller holds the eviction right). */
static void
ring_slot_release(struct ring *r, uint32_t s)
{
	struct ring_call *c = ring_slot(r, s);
	uint32_t ci = c->head_chunk, gen = c->gen;

	ring_seq_begin(c);
	c->state = RING_ST_FREE;
	c->head_chunk = c->tail_chunk = RING_NONE;
	ring_seq_end(c);
	while (ci != RING_NONE) {
		uint32_t nx = ring_chunk_at(r, ci)->next;
		ring_chunk_release(r, ci);
		ci = nx;
	}
	ring_seq_begin(c);
	memset((uint8_t *)c + offsetof(struct ring_call, state), 0,
	    sizeof *c - offsetof(struct ring_call, state));
	c->gen = gen;       /* kept: the next owner gets gen + 1 */
	c->head_chunk = c->tail_chunk = RING_NONE;
	ring_seq_end(c);
	__atomic_store_n(&r->marks[s], 0, __ATOMIC_RELEASE);
	ring_list_unlink(r->w, s);
	r->w->free_slots[r->w->n_free_slots++] = s;
	r->hdr->stats.calls_active--;
}

/* Takes the oldest chunk of a live call (never its tail, never pinned). */
static int
ring_evict_head(struct ring *r, uint32_t s)
{
	struct ring_call *c = ring_slot(r, s);
	struct ring_chunk *h;
	uint32_t ci = c->head_chunk;

	if (ci == RING_NONE || ci == c->tail_chunk)
		return 0;
	if (!ring_evict_begin(r, s))
		return 0;
	h = ring_chunk_at(r, ci);
	ring_seq_begin(c);
	c->head_chunk = h->next;
	c->n_chunks--;
	c->n_dropped += h->n_rec;
	c->flags |= RING_CF_HEAD_LOST;
	ring_seq_end(c);
	ring_chunk_release(r, ci);
	ring_evict_end(r, s);
	r->hdr->stats.evictions_chunks++;
	return 1;
}

static int
ring_slot_is_pinned(const struct ring *r, uint32_t s)
{
	return (__atomic_load_n(&r->marks[s], __ATOMIC_ACQUIRE) & RING_MK_PIN) != 0;
}

/* Frees one ended, unpinned call: past grace first unless any_age. */
static int
ring_free_one_ended(struct ring *r, uint64_t now, int any_age, uint32_t except)
{
	struct ring_wstate *w = r->w;
	uint32_t s;

	for (s = w->ended_head; s != RING_NONE; s = w->next[s]) {
		struct ring_call *c = ring_slot(r, s);
		int past = r->hdr->grace_ns != UINT64_MAX && c->t_end + r->hdr->grace_ns <= now;
		if (!past && !any_age)
			return 0;   /* the list is in end order: nothing older follows */
		if (s == except)
			continue;
		if (ring_slot_is_pinned(r, s) || !ring_evict_begin(r, s))
			continue;
		ring_slot_release(r, s);
		r->hdr->stats.evictions_calls++;
		return 1;
	}
	return 0;
}

/* Makes one chunk free, following the eviction order of docs/ring.md. */
static int
ring_make_room(struct ring *r, uint32_t for_slot)
{
	struct ring_wstate *w = r->w;
	uint64_t now = r->hdr->stats.last_ts;
	uint32_t s;

	if (ring_free_one_ended(r, now, 0, for_slot))
		return 1;
	for (s = w->live_head; s != RING_NONE; s = w->next[s])
		if (!ring_slot_is_pinned(r, s) && ring_evict_head(r, s))
			return 1;
	return ring_free_one_ended(r, now, 1, for_slot);
}

static int
ring_chunk_get(struct ring *r, uint32_t slot, uint32_t *cip)
{
	struct ring_wstate *w = r->w;

	while (w->n_free_chunks == 0)
		if (!ring_make_room(r, slot))
			return TR_ERR_LIMIT;
	*cip = w->free_chunks[--w->n_free_chunks];
	r->hdr->stats.chunks_used++;
	return 0;
}

/* ---------------------------------------------------------------- calls */

int
ring_call_new(struct ring *r, const struct ring_call *in, uint32_t *slotp)
{
	struct ring_wstate *w = r->w;
	struct ring_call *c;
	uint32_t s, gen;

	if (w->n_free_slots == 0) {
		if (!ring_free_one_ended(r, r->hdr->stats.last_ts, 0, RING_NONE) &&
		    !ring_free_one_ended(r, r->hdr->stats.last_ts, 1, RING_NONE)) {
			r->hdr->stats.rejects[RING_REJ_CALLS_FULL]++;
			return TR_ERR_LIMIT;
		}
	}
	s = w->free_slots[--w->n_free_slots];
	c = ring_slot(r, s);
	gen = c->gen + 1;
	if (gen == 0)
		gen = 1;
	ring_seq_begin(c);
	memcpy((uint8_t *)c + offsetof(struct ring_call, state),
	    (const uint8_t *)in + offsetof(struct ring_call, state),
	    sizeof *c - offsetof(struct ring_call, state));
	if (c->state == RING_ST_FREE)
		c->state = RING_ST_SETUP;
	c->gen = gen;
	c->head_chunk = c->tail_chunk = RING_NONE;
	c->n_chunks = 0;
	c->n_packets = c->n_bytes = c->n_dropped = 0;
	c->call_id[RING_CALLID_MAX - 1] = '\0';
	ring_seq_end(c);
	__atomic_store_n(&r->marks[s], (uint64_t)gen << 32, __ATOMIC_RELEASE);
	ring_list_append(w, s, c->state == RING_ST_ENDED ? LIST_ENDED : LIST_LIVE);
	r->hdr->stats.calls_total++;
	r->hdr->stats.calls_active++;
	*slotp = s;
	return 0;
}

int
ring_call_update(struct ring *r, uint32_t s, const struct ring_call *in)
{
	struct ring_call *c;
	struct ring_call keep;

	if (s >= r->hdr->slots)
		return TR_ERR_INVAL;
	c = ring_slot(r, s);
	if (c->state == RING_ST_FREE)
		return TR_ERR_NOTFOUND;
	keep = *c;
	ring_seq_begin(c);
	memcpy((uint8_t *)c + offsetof(struct ring_call, state),
	    (const uint8_t *)in + offsetof(struct ring_call, state),
	    sizeof *c - offsetof(struct ring_call, state));
	c->gen = keep.gen;
	c->head_chunk = keep.head_chunk;
	c->tail_chunk = keep.tail_chunk;
	c->n_chunks = keep.n_chunks;
	c->n_packets = keep.n_packets;
	c->n_bytes = keep.n_bytes;
	c->n_dropped = keep.n_dropped;
	c->flags |= keep.flags & (RING_CF_HEAD_LOST | RING_CF_REC_DROPPED);
	if (c->state == RING_ST_FREE)
		c->state = keep.state;
	c->call_id[RING_CALLID_MAX - 1] = '\0';
	ring_seq_end(c);
	if (c->state == RING_ST_ENDED && r->w->list[s] == LIST_LIVE) {
		ring_list_unlink(r->w, s);
		ring_list_append(r->w, s, LIST_ENDED);
	}
	return 0;
}

int
ring_call_append(struct ring *r, uint32_t s, const struct ring_rec *rec, const uint8_t *bytes)
{
	struct ring_call *c;
	struct ring_chunk *t = NULL;
	uint32_t need, ci;
	int rv;

	if (s >= r->hdr->slots)
		return TR_ERR_INVAL;
	c = ring_slot(r, s);
	if (c->state == RING_ST_FREE)
		return TR_ERR_NOTFOUND;
	if (rec->ts_ns > r->hdr->stats.last_ts)
		r->hdr->stats.last_ts = rec->ts_ns;
	need = (uint32_t)ring_round_up(sizeof *rec + (uint64_t)rec->caplen, RING_REC_ALIGN);
	if (rec->caplen > ring_chunk_cap(r) || need > ring_chunk_cap(r)) {
		rv = TR_ERR_LIMIT;
		goto drop;
	}
	if (c->tail_chunk != RING_NONE) {
		t = ring_chunk_at(r, c->tail_chunk);
		if (t->used + need > ring_chunk_cap(r))
			t = NULL;
	}
	if (t == NULL) {
		uint32_t seq = 0;
		if ((rv = ring_chunk_get(r, s, &ci)) != 0)
			goto drop;
		if (c->tail_chunk != RING_NONE)
			seq = ring_chunk_at(r, c->tail_chunk)->seq + 1;
		t = ring_chunk_at(r, ci);
		{
			uint32_t g = t->gen;
			__atomic_store_n(&t->gen, g + 1, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_RELEASE);
			t->owner_slot = s;
			t->owner_gen = c->gen;
			t->seq = seq;
			t->next = RING_NONE;
			t->n_rec = 0;
			t->used = 0;
			__atomic_store_n(&t->gen, g + 2, __ATOMIC_RELEASE);
		}
		ring_seq_begin(c);
		if (c->tail_chunk != RING_NONE)
			__atomic_store_n(&ring_chunk_at(r, c->tail_chunk)->next, ci, __ATOMIC_RELEASE);
		else
			c->head_chunk = ci;
		c->tail_chunk = ci;
		c->n_chunks++;
		ring_seq_end(c);
	}
	{
		uint8_t *d = ring_chunk_data(r, c->tail_chunk) + t->used;
		memcpy(d, rec, sizeof *rec);
		memcpy(d + sizeof *rec, bytes, rec->caplen);
		t->n_rec++;
		__atomic_store_n(&t->used, t->used + need, __ATOMIC_RELEASE);
		/* The next record of this call lands right behind this one, but
		 * only after the other calls' packets: ask for those lines now
		 * (for writing), so that the copy then hits the cache instead of
		 * stalling the next serialising instruction on a store miss. */
		d += need;
		if (t->used + RING_PREFETCH <= ring_chunk_cap(r))
			for (uint32_t o = 0; o < RING_PREFETCH; o += 64)
				__builtin_prefetch(d + o, 1, 3);
	}
	ring_seq_begin(c);
	c->n_packets++;
	c->n_bytes += rec->caplen;
	if (rec->ts_ns > c->t_last)
		c->t_last = rec->ts_ns;
	if ((rec->kind == RING_K_RTP || rec->kind == RING_K_RTCP) && rec->ts_ns > c->t_last_media)
		c->t_last_media = rec->ts_ns;
	ring_seq_end(c);
	r->hdr->stats.stored_packets++;
	r->hdr->stats.stored_bytes += rec->caplen;
	return 0;
drop:
	ring_seq_begin(c);
	c->n_dropped++;
	c->flags |= RING_CF_REC_DROPPED;
	ring_seq_end(c);
	r->hdr->stats.records_dropped++;
	return rv;
}

void
ring_expire(struct ring *r, uint64_t now)
{
	struct ring_wstate *w = r->w;
	uint32_t s, nx;

	if (now > r->hdr->stats.last_ts)
		r->hdr->stats.last_ts = now;
	if (r->hdr->grace_ns == UINT64_MAX)
		return;
	for (s = w->ended_head; s != RING_NONE; s = nx) {
		struct ring_call *c = ring_slot(r, s);
		nx = w->next[s];
		if (c->t_end + r->hdr->grace_ns > now)
			break;
		if (ring_slot_is_pinned(r, s) || !ring_evict_begin(r, s))
			continue;
		ring_slot_release(r, s);
		r->hdr->stats.evictions_calls++;
	}
}

int
ring_call_free(struct ring *r, uint32_t s)
{
	if (s >= r->hdr->slots || ring_slot(r, s)->state == RING_ST_FREE)
		return TR_ERR_NOTFOUND;
	if (!ring_evict_begin(r, s))
		return TR_ERR_PERM;
	ring_slot_release(r, s);
	return 0;
}

/* --------------------------------------------------------------- reader */

int
ring_call_read(const struct ring *r, uint32_t s, struct ring_call *out)
{
	const struct ring_call *c;
	int i;

	if (s >= r->hdr->slots)
		return TR_ERR_INVAL;
	c = ring_slot(r, s);
	for (i = 0; i < RING_SEQ_TRIES; i++) {
		uint32_t s1 = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE), s2;
		if (s1 & 1) {
			sched_yield();
			continue;
		}
		memcpy(out, c, sizeof *out);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
		if (s1 != s2)
			continue;
		if (out->state == RING_ST_FREE)
			return TR_ERR_NOTFOUND;
		out->call_id[RING_CALLID_MAX - 1] = '\0';
		out->from_tag[RING_TAG_MAX - 1] = '\0';
		out->caller[RING_NUM_MAX - 1] = '\0';
		out->callee[RING_NUM_MAX - 1] = '\0';
		out->agent[RING_NUM_MAX - 1] = '\0';
		out->caller_asserted[RING_NUM_MAX - 1] = '\0';
		if (out->n_media > RING_MEDIA_MAX) out->n_media = RING_MEDIA_MAX;
		if (out->n_pt > RING_PT_MAX) out->n_pt = RING_PT_MAX;
		return 0;
	}
	return TR_ERR_AGAIN;
}

int
ring_find(const struct ring *r, const char *call_id, const char *from_tag, uint32_t *slotp,
    struct ring_call *out)
{
	uint32_t s;

	for (s = 0; s < r->hdr->slots; s++) {
		const struct ring_call *c = ring_slot(r, s);
		/* cheap racy pre-check, then a consistent copy */
		if (__atomic_load_n(&c->state, __ATOMIC_RELAXED) == RING_ST_FREE ||
		    strncmp(c->call_id, call_id, RING_CALLID_MAX) != 0)
			continue;
		if (ring_call_read(r, s, out) != 0 || strcmp(out->call_id, call_id) != 0)
			continue;
		if (from_tag != NULL && strcmp(out->from_tag, from_tag) != 0)
			continue;
		*slotp = s;
		return 0;
	}
	return TR_ERR_NOTFOUND;
}

int
ring_iter_init(struct ring_iter *it, const struct ring *r, uint32_t slot, uint32_t gen)
{
	struct ring_call c;
	int rv;

	memset(it, 0, sizeof *it);
	it->ring = r;
	it->slot = slot;
	it->gen = gen;
	it->chunk = RING_NONE;
	if ((rv = ring_call_read(r, slot, &c)) != 0)
		return rv == TR_ERR_NOTFOUND ? TR_ERR_STALE : rv;
	if (c.gen != gen)
		return TR_ERR_STALE;
	if ((it->buf = malloc(r->hdr->chunk_size)) == NULL)
		return TR_ERR_NOMEM;
	it->chunk = c.head_chunk;
	it->chunk_seq = RING_NONE;     /* learnt from the head chunk */
	return 0;
}

void
ring_iter_clear(struct ring_iter *it)
{
	free(it->buf);
	it->buf = NULL;
}

/* Copies the current chunk's published data if it grew. 0, or STALE/GONE. */
static int
ring_iter_copy(struct ring_iter *it, uint32_t *nextp)
{
	const struct ring *r = it->ring;
	struct ring_chunk *c;
	uint32_t g1, g2, used, next;
	struct ring_call cur;

	if (it->chunk >= r->hdr->n_chunks)
		return TR_ERR_INVAL;     /* a chunk index from shared memory: checked */
	c = ring_chunk_at(r, it->chunk);
	g1 = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
	next = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE);
	used = __atomic_load_n(&c->used, __ATOMIC_ACQUIRE);
	if (!(g1 & 1) && c->owner_slot == it->slot && c->owner_gen == it->gen &&
	    (it->chunk_seq == RING_NONE || c->seq == it->chunk_seq) && used <= ring_chunk_cap(r)) {
		uint32_t seq = c->seq;
		if (used > it->used)
			memcpy(it->buf + it->used, ring_chunk_data(r, it->chunk) + it->used, used - it->used);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		g2 = __atomic_load_n(&c->gen, __ATOMIC_RELAXED);
		if (g1 == g2) {
			it->chunk_seq = seq;
			if (used > it->used)
				it->used = used;
			*nextp = next;
			return 0;
		}
	}
	/* the chunk was taken: the call ended and was freed, or lost its head */
	if (ring_call_read(r, it->slot, &cur) != 0 || cur.gen != it->gen)
		return TR_ERR_STALE;
	return TR_ERR_GONE;
}

int
ring_iter_next(struct ring_iter *it, struct ring_rec *rec, const uint8_t **bytesp)
{
	const struct ring *r = it->ring;
	uint32_t next = RING_NONE;
	int rv;

	if (it->buf == NULL)
		return TR_ERR_INVAL;
	if (it->chunk == RING_NONE) {
		/* an empty call may have gained its first chunk since */
		struct ring_call c;
		if ((rv = ring_call_read(r, it->slot, &c)) != 0)
			return rv == TR_ERR_NOTFOUND ? TR_ERR_STALE : rv;
		if (c.gen != it->gen)
			return TR_ERR_STALE;
		if (c.head_chunk == RING_NONE || it->records != 0)
			return 0;
		it->chunk = c.head_chunk;
	}
	for (;;) {
		if (it->off + sizeof *rec <= it->used) {
			uint32_t need;
			memcpy(rec, it->buf + it->off, sizeof *rec);
			need = (uint32_t)ring_round_up(sizeof *rec + (uint64_t)rec->caplen, RING_REC_ALIGN);
			if (rec->caplen > ring_chunk_cap(r) || it->off + need > it->used)
				return TR_ERR_INVAL;     /* cannot happen with an honest writer */
			*bytesp = it->buf + it->off + sizeof *rec;
			it->off += need;
			it->records++;
			return 1;
		}
		if ((rv = ring_iter_copy(it, &next)) != 0)
			return rv;
		if (it->off + sizeof *rec <= it->used)
			continue;
		if (next == RING_NONE)
			return 0;
		it->chunk = next;
		it->chunk_seq = it->chunk_seq + 1;
		it->off = it->used = 0;
	}
}

/* ----------------------------------------------------------- mark words */

uint64_t
ring_mark_get(const struct ring *r, uint32_t s)
{
	if (s >= r->hdr->slots)
		return 0;
	return __atomic_load_n(&r->marks[s], __ATOMIC_ACQUIRE);
}

int
ring_mark_set(struct ring *r, uint32_t s, uint32_t gen, uint32_t set, uint32_t clear)
{
	uint64_t w, nw;

	if (s >= r->hdr->slots)
		return TR_ERR_INVAL;
	w = __atomic_load_n(&r->marks[s], __ATOMIC_ACQUIRE);
	for (;;) {
		if ((uint32_t)(w >> 32) != gen)
			return TR_ERR_STALE;
		nw = (w | set) & ~(uint64_t)clear;
		if (__atomic_compare_exchange_n(&r->marks[s], &w, nw, 0, __ATOMIC_ACQ_REL,
		    __ATOMIC_ACQUIRE))
			return 0;
	}
}

int
ring_mark_request(struct ring *r, uint32_t s, uint32_t gen)
{
	return ring_mark_set(r, s, gen, RING_MK_REQ_PHONE, 0);
}

int
ring_mark_pin(struct ring *r, uint32_t s, uint32_t gen)
{
	struct ring_call c;
	uint64_t w;
	int rv, spins = 0;

	if (s >= r->hdr->slots)
		return TR_ERR_INVAL;
	w = __atomic_load_n(&r->marks[s], __ATOMIC_ACQUIRE);
	for (;;) {
		if ((uint32_t)(w >> 32) != gen)
			return TR_ERR_STALE;
		if (w & RING_MK_EVICT) {
			/* the writer is taking chunks from this call right now */
			if (++spins > 100000)
				return TR_ERR_AGAIN;
			sched_yield();
			w = __atomic_load_n(&r->marks[s], __ATOMIC_ACQUIRE);
			continue;
		}
		if (__atomic_compare_exchange_n(&r->marks[s], &w, w | RING_MK_PIN, 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	/* Pinned: nothing more can be evicted. Did something go before? */
	if ((rv = ring_call_read(r, s, &c)) != 0 || c.gen != gen)
		return TR_ERR_STALE;
	if (c.flags & RING_CF_HEAD_LOST)
		return TR_ERR_GONE;
	return 0;
}

/* ------------------------------------------------- reader: still current */

int
ring_is_current(const struct ring *r)
{
	struct ring_hdr h;
	int fd, rv;

	if (r->anon || r->name[0] == '\0')
		return 1;
	if ((fd = shm_open(r->name, O_RDONLY, 0)) < 0)
		return errno == ENOENT ? 0 : TR_ERR_SYS;
	if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
		rv = 0;      /* shorter than a header: a successor being created */
	else
		rv = h.magic == RING_MAGIC && h.created_ns == r->hdr->created_ns;
	close(fd);
	return rv;
}
