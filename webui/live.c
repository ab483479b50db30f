/* live.c - live call metadata from the ring (read-only), visibility per
 * role, and the web UI's memory of who marked which call.
 * Never reads packet records: there is no ring_iter_* call in the web UI.
 */
#include "clock.h"
#include "live.h"
#include "utf8.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "ipc.h"

#define LIVE_RETRY_NS      1000000000ULL   /* attach attempts at most once a second */
#define LIVE_STALE_NS      5000000000ULL   /* writer heartbeat older: try to re-attach */

/* A mark made through this web UI. (slot, gen) alone is not the call: a
 * sniffer restarted on a new ring starts the gens at 1 again, so the ring
 * instance and the call's Call-ID and From-tag must match too. */
struct live_mark {
	uint32_t slot, gen;
	uint64_t ring_created;          /* ring_created_ns of the ring the call was in */
	char     call_id[RING_CALLID_MAX];
	char     from_tag[RING_TAG_MAX];
	int64_t  when;                  /* wall clock, seconds */
	char     rec[48];
	char     user[64];
	char     note[128];
	bool     used;
};

struct live {
	char               name[256];
	struct ring       *ring;          /* NULL until attached */
	pthread_rwlock_t   lock;          /* readers of ring vs. the swap */
	pthread_mutex_t    attach_mu;
	uint64_t           last_try;      /* wall ns of the last attach attempt */
	pthread_mutex_t    marks_mu;
	uid_t              owner;         /* the sniffer's user (ring_attach_owner) */
	struct live_mark  *marks;
	uint32_t           marks_max, marks_next;
};

struct live *live_new(const char *ring_name, uint32_t marks_max)
{
	struct live *l = calloc(1, sizeof(*l));

	if (l == NULL)
		goto out;
	snprintf(l->name, sizeof(l->name), "%s", ring_name);
	l->owner = ring_owner_default();
	l->marks_max = marks_max ? marks_max : 1;
	if ((l->marks = calloc(l->marks_max, sizeof(*l->marks))) == NULL) {
		free(l);
		l = NULL;
		goto out;
	}
	pthread_rwlock_init(&l->lock, NULL);
	pthread_mutex_init(&l->attach_mu, NULL);
	pthread_mutex_init(&l->marks_mu, NULL);
out:
	return l;
}

void live_set_owner(struct live *l, uid_t owner)
{
	l->owner = owner;
}

void live_free(struct live *l)
{
	if (l == NULL)
		return;
	ring_close(l->ring);
	pthread_rwlock_destroy(&l->lock);
	pthread_mutex_destroy(&l->attach_mu);
	pthread_mutex_destroy(&l->marks_mu);
	free(l->marks);
	free(l);
}

/* The writer (the sniffer) is alive when its heartbeat, updated at least
 * once a second, is at most LIVE_STALE_NS old: sniffer_alive of
 * /api/calls, writer_alive of /api/status, threatrec_sniffer_alive. */
static bool writer_alive(const struct ring_stats *st, uint64_t now)
{
	return st->heartbeat + LIVE_STALE_NS >= now;
}

/* Seconds since the writer's last heartbeat (0 before the first). */
static double heartbeat_age(const struct ring_stats *st, uint64_t now)
{
	return st->heartbeat && st->heartbeat < now ? (double)(now - st->heartbeat) / 1e9 : 0.0;
}

/* Attaches when not attached, or re-attaches when the writer looks gone
 * (the sniffer re-creates the ring when it restarts). A ring whose name no
 * longer leads to it (the sniffer ended and unlinked it, or a successor
 * replaced it) is let go even when nothing can be attached instead, so the
 * counters of a dead ring are not shown as the sniffer's. At most once a
 * second. */
static void live_refresh(struct live *l)
{
	struct ring *nr = NULL, *old = NULL;
	struct ring_stats st;
	uint64_t now = tr_wall_ns();
	bool want, gone = false;

	if (pthread_mutex_trylock(&l->attach_mu) != 0)
		return;   /* someone else is at it */
	if (now - l->last_try < LIVE_RETRY_NS)
		goto out;
	l->last_try = now;
	pthread_rwlock_rdlock(&l->lock);
	want = l->ring == NULL;
	if (!want) {
		ring_stats_read(l->ring, &st);
		gone = ring_is_current(l->ring) == 0;
		want = gone || !writer_alive(&st, now);
	}
	pthread_rwlock_unlock(&l->lock);
	if (!want)
		goto out;
	if (ring_attach_owner(l->name, RING_ATTACH_RDONLY, l->owner, &nr, NULL, 0) != 0 && !gone)
		goto out;
	pthread_rwlock_wrlock(&l->lock);
	old = l->ring;
	l->ring = nr;
	pthread_rwlock_unlock(&l->lock);
	ring_close(old);
out:
	pthread_mutex_unlock(&l->attach_mu);
}

/* Compares a ring text field of n bytes (maybe unterminated) with s. */
static bool field_eq(const char *field, size_t n, const char *s)
{
	size_t len = strlen(s);

	return strnlen(field, n) == len && memcmp(field, s, len) == 0;
}

bool live_is_visible(const struct ring_call *c, uint32_t role, const char *ext)
{
	if (role == IPC_ROLE_SUPERVISOR || role == IPC_ROLE_ADMIN)
		return true;
	if (role != IPC_ROLE_AGENT || ext == NULL || ext[0] == '\0')
		return false;
	return field_eq(c->agent, sizeof(c->agent), ext) ||
	       field_eq(c->caller, sizeof(c->caller), ext) ||
	       field_eq(c->callee, sizeof(c->callee), ext);
}

static json_t *iso_time(uint64_t ns)
{
	char buf[96];
	struct tm tm;
	time_t t = (time_t)(ns / 1000000000ULL);

	if (ns == 0)
		return json_null();
	gmtime_r(&t, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (unsigned)((ns / 1000000ULL) % 1000));
	return json_string(buf);
}

static const char *state_name(uint32_t st)
{
	switch (st) {
	case RING_ST_SETUP:  return "setup";
	case RING_ST_ACTIVE: return "active";
	case RING_ST_ENDED:  return "ended";
	default:             return "free";
	}
}

static const char *end_name(uint32_t e)
{
	static const char *const names[] = { NULL, "bye", "cancel", "rejected", "timeout",
	                                     "shutdown" };

	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "unknown";
}

/* Copies a ring string that should be NUL-terminated, defensively. */
static json_t *ring_str(const char *s, size_t n)
{
	char buf[4 * RING_CALLID_MAX];
	size_t len = strnlen(s, n);
	json_t *j = json_stringn(s, len);

	if (j != NULL)
		return j;
	/* not UTF-8 (a ring of an older sniffer): \xHH for the bad bytes, as
	 * the sniffer itself now stores them (common/utf8.c) */
	(void)utf8_clean(buf, sizeof(buf), s, len);
	return json_string(buf);
}

json_t *live_call_json(const struct ring_call *c, uint32_t slot, uint64_t markword,
                       uint64_t now_ns)
{
	json_t *o = json_object(), *codecs = json_array(), *mark = NULL;
	char id[32];
	uint64_t end = c->t_end ? c->t_end : now_ns;
	uint32_t i, mflags = 0;
	bool ok = true;

	if (o == NULL || codecs == NULL)
		goto fail;
	snprintf(id, sizeof(id), "%u-%u", slot, c->gen);
	if ((uint32_t)(markword >> 32) == c->gen)
		mflags = (uint32_t)markword;
	for (i = 0; i < c->n_pt && i < RING_PT_MAX; i++) {
		const struct ring_pt *pt = &c->pt[i];
		json_t *name;
		size_t k;
		bool dup = false;

		if (!pt->used)
			continue;
		name = json_stringn(pt->name, strnlen(pt->name, sizeof(pt->name)));
		if (name == NULL)
			continue;
		for (k = 0; k < json_array_size(codecs); k++)
			if (json_equal(json_array_get(codecs, k), name))
				dup = true;
		if (dup)
			json_decref(name);
		else
			json_array_append_new(codecs, name);
	}
	ok &= json_object_set_new(o, "id", json_string(id)) == 0;
	ok &= json_object_set_new(o, "slot", json_integer(slot)) == 0;
	ok &= json_object_set_new(o, "gen", json_integer(c->gen)) == 0;
	ok &= json_object_set_new(o, "call_id", ring_str(c->call_id, sizeof(c->call_id))) == 0;
	ok &= json_object_set_new(o, "caller", ring_str(c->caller, sizeof(c->caller))) == 0;
	ok &= json_object_set_new(o, "callee", ring_str(c->callee, sizeof(c->callee))) == 0;
	ok &= json_object_set_new(o, "agent", ring_str(c->agent, sizeof(c->agent))) == 0;
	ok &= json_object_set_new(o, "caller_asserted",
	    ring_str(c->caller_asserted, sizeof(c->caller_asserted))) == 0;
	ok &= json_object_set_new(o, "state", json_string(state_name(c->state))) == 0;
	ok &= json_object_set_new(o, "end_reason", c->end_reason ?
	                          json_string(end_name(c->end_reason)) : json_null()) == 0;
	ok &= json_object_set_new(o, "start", iso_time(c->t_first)) == 0;
	ok &= json_object_set_new(o, "answer", iso_time(c->t_answer)) == 0;
	ok &= json_object_set_new(o, "end", iso_time(c->t_end)) == 0;
	ok &= json_object_set_new(o, "duration", json_real(end > c->t_first ?
	                          (double)(end - c->t_first) / 1e9 : 0.0)) == 0;
	ok &= json_object_set_new(o, "codecs", codecs) == 0;
	codecs = NULL;
	ok &= json_object_set_new(o, "packets", json_integer((json_int_t)c->n_packets)) == 0;
	ok &= json_object_set_new(o, "head_lost",
	                          json_boolean(c->flags & RING_CF_HEAD_LOST)) == 0;
	ok &= json_object_set_new(o, "marked",
	                          json_boolean(mflags & (RING_MK_PIN | RING_MK_SEALED))) == 0;
	if (mflags & (RING_MK_PIN | RING_MK_SEALED | RING_MK_REQ_PHONE)) {
		mark = json_pack("{s:s,s:b}", "state",
		                 (mflags & RING_MK_SEALED) ? "sealed" :
		                 (mflags & RING_MK_PIN) ? "recording" : "requested",
		                 "phone_request", (mflags & RING_MK_REQ_PHONE) != 0);
	}
	ok &= json_object_set_new(o, "mark", mark ? mark : json_null()) == 0;
	if (!ok)
		goto fail;
	return o;
fail:
	json_decref(codecs);
	json_decref(o);
	return NULL;
}

/* True when the memory entry m is the call c in slot of the ring created
 * at ring_created. */
static bool mark_is_call(const struct live_mark *m, uint32_t slot, const struct ring_call *c,
                         uint64_t ring_created)
{
	return m->used && m->slot == slot && m->gen == c->gen && m->ring_created == ring_created &&
	       strncmp(m->call_id, c->call_id, sizeof(m->call_id)) == 0 &&
	       strncmp(m->from_tag, c->from_tag, sizeof(m->from_tag)) == 0;
}

/* Adds who/when/recording/note from the mark memory to a call's JSON whose
 * ring mark word shows a mark. The memory never marks a call by itself: the
 * vault pins before it answers a mark and leaves RING_MK_SEALED after the
 * seal, so a marked call always carries its mark word; a call without one
 * is not (or no longer: a failed recording) being recorded. Called with
 * l->lock held. */
static void add_mark_memory(struct live *l, json_t *o, uint32_t slot, const struct ring_call *c,
                            uint64_t ring_created)
{
	json_t *mk = json_object_get(o, "mark");
	uint32_t i;

	if (!json_is_object(mk))
		return;
	pthread_mutex_lock(&l->marks_mu);
	for (i = 0; i < l->marks_max; i++) {
		const struct live_mark *m = &l->marks[i];

		if (!mark_is_call(m, slot, c, ring_created))
			continue;
		json_object_set_new(mk, "by", json_string(m->user));
		json_object_set_new(mk, "at", iso_time((uint64_t)m->when * 1000000000ULL));
		json_object_set_new(mk, "recording", json_string(m->rec));
		json_object_set_new(mk, "note", ring_str(m->note, sizeof(m->note)));
		break;
	}
	pthread_mutex_unlock(&l->marks_mu);
}

int live_calls_json(struct live *l, uint32_t role, const char *ext, json_t **outp)
{
	json_t *o = NULL, *arr = NULL;
	struct ring_stats st;
	struct ring_call *c = NULL;
	uint32_t slot, n;
	int r = TR_ERR_NOMEM;

	*outp = NULL;
	live_refresh(l);
	if ((c = malloc(sizeof(*c))) == NULL || (arr = json_array()) == NULL)
		goto out;
	pthread_rwlock_rdlock(&l->lock);
	if (l->ring != NULL) {
		ring_stats_read(l->ring, &st);
		n = ring_slots(l->ring);
		for (slot = 0; slot < n; slot++) {
			json_t *cj;

			if (ring_call_read(l->ring, slot, c) != 0 || c->state == RING_ST_FREE)
				continue;
			if (!live_is_visible(c, role, ext))
				continue;
			cj = live_call_json(c, slot, ring_mark_get(l->ring, slot), st.last_ts);
			if (cj == NULL)
				continue;
			add_mark_memory(l, cj, slot, c, ring_created_ns(l->ring));
			json_array_append_new(arr, cj);
		}
	} else {
		memset(&st, 0, sizeof(st));
	}
	o = json_pack("{s:O,s:b,s:b,s:o}", "calls", arr, "ring", l->ring != NULL,
	              "sniffer_alive", l->ring != NULL && writer_alive(&st, tr_wall_ns()),
	              "clock", iso_time(st.last_ts));
	pthread_rwlock_unlock(&l->lock);
	if (o == NULL)
		goto out;
	*outp = o;
	r = 0;
out:
	json_decref(arr);
	free(c);
	return r;
}

int live_call_get(struct live *l, uint32_t slot, uint32_t gen, uint32_t role, const char *ext,
                  struct ring_call *out)
{
	int r = TR_ERR_NOTFOUND;

	live_refresh(l);
	pthread_rwlock_rdlock(&l->lock);
	if (l->ring == NULL || slot >= ring_slots(l->ring))
		goto out;
	r = ring_call_read(l->ring, slot, out);
	if (r == TR_ERR_NOTFOUND || (r == 0 && (out->gen != gen || out->state == RING_ST_FREE))) {
		r = TR_ERR_STALE;
		goto out;
	}
	if (r != 0)
		goto out;
	if (!live_is_visible(out, role, ext)) {
		/* do not reveal that a call the user may not see exists */
		r = TR_ERR_NOTFOUND;
		goto out;
	}
out:
	pthread_rwlock_unlock(&l->lock);
	return r;
}

void live_mark_note(struct live *l, uint32_t slot, const struct ring_call *c, const char *rec_id,
                    const char *user, const char *note)
{
	struct live_mark *m = NULL;
	struct ring_call *now = NULL;
	uint64_t created;
	uint32_t i;

	if ((now = malloc(sizeof(*now))) == NULL)
		return;
	pthread_rwlock_rdlock(&l->lock);
	/* the ring the call is in now: if it was replaced (or the slot reused)
	 * since c was read, there is nothing to remember */
	if (l->ring == NULL || slot >= ring_slots(l->ring) || ring_call_read(l->ring, slot, now) != 0 ||
	    now->gen != c->gen || strncmp(now->call_id, c->call_id, sizeof(now->call_id)) != 0 ||
	    strncmp(now->from_tag, c->from_tag, sizeof(now->from_tag)) != 0)
		goto unlock;
	created = ring_created_ns(l->ring);
	pthread_mutex_lock(&l->marks_mu);
	for (i = 0; i < l->marks_max; i++)
		if (mark_is_call(&l->marks[i], slot, now, created)) {
			m = &l->marks[i];   /* idempotent mark: the first marker stays */
			goto out;
		}
	m = &l->marks[l->marks_next];
	l->marks_next = (l->marks_next + 1) % l->marks_max;
	memset(m, 0, sizeof(*m));
	m->used = true;
	m->slot = slot;
	m->gen = now->gen;
	m->ring_created = created;
	memcpy(m->call_id, now->call_id, strnlen(now->call_id, sizeof(m->call_id) - 1));
	memcpy(m->from_tag, now->from_tag, strnlen(now->from_tag, sizeof(m->from_tag) - 1));
	m->when = (int64_t)time(NULL);
	snprintf(m->rec, sizeof(m->rec), "%s", rec_id);
	snprintf(m->user, sizeof(m->user), "%s", user);
	(void)utf8_clean(m->note, sizeof(m->note), note ? note : "", note ? strlen(note) : 0);
out:
	pthread_mutex_unlock(&l->marks_mu);
unlock:
	pthread_rwlock_unlock(&l->lock);
	free(now);
}

void live_merge_marks(json_t *calls_obj, const json_t *marks)
{
	json_t *calls = json_object_get(calls_obj, "calls");
	json_t *c, *m;
	size_t i, k;

	if (!json_is_array(calls) || !json_is_array(marks))
		return;
	json_array_foreach(calls, i, c) {
		json_int_t slot = json_integer_value(json_object_get(c, "slot"));
		json_int_t gen = json_integer_value(json_object_get(c, "gen"));
		const json_t *cid = json_object_get(c, "call_id");
		json_t *mk = json_object_get(c, "mark");

		/* only a call whose mark word shows a mark: the vault's list
		 * also holds sealed recordings of a ring the sniffer has since
		 * replaced, whose (slot, gen) a new call may carry */
		if (!json_is_object(mk))
			continue;

		json_array_foreach(marks, k, m) {
			const json_t *ms = json_object_get(m, "slot"), *mg = json_object_get(m, "gen");
			const json_t *rec = json_object_get(m, "recording");
			const json_t *mcid = json_object_get(m, "call_id");

			if (!json_is_integer(ms) || !json_is_integer(mg) || !json_is_string(rec) ||
			    json_integer_value(ms) != slot || json_integer_value(mg) != gen)
				continue;
			/* the same Call-ID too, when the vault names it */
			if (mcid != NULL && !json_equal(mcid, cid))
				continue;
			json_object_set(mk, "recording", (json_t *)(uintptr_t)rec);
			if (json_is_string(json_object_get(m, "marked_by")))
				json_object_set(mk, "by", json_object_get(m, "marked_by"));
			if (json_is_string(json_object_get(m, "marked_at")))
				json_object_set(mk, "at", json_object_get(m, "marked_at"));
			if (json_is_string(json_object_get(m, "how")))
				json_object_set(mk, "how", json_object_get(m, "how"));
			break;
		}
	}
}

static const char *const reject_names[RING_REJ_MAX_] = {
	"link", "ip", "frag", "udp", "sip", "sdp", "rtp", "nocall", "calls_full", "tcp", "other",
};

int live_stats_json(struct live *l, json_t **outp)
{
	struct ring_stats st;
	json_t *o = NULL, *rej = NULL;
	uint64_t now = tr_wall_ns();
	unsigned i;
	int r = TR_ERR_NOMEM;

	*outp = NULL;
	live_refresh(l);
	pthread_rwlock_rdlock(&l->lock);
	if (l->ring == NULL) {
		pthread_rwlock_unlock(&l->lock);
		o = json_pack("{s:b,s:s}", "attached", 0, "name", l->name);
		goto done;
	}
	ring_stats_read(l->ring, &st);
	pthread_rwlock_unlock(&l->lock);
	if ((rej = json_object()) == NULL)
		goto out;
	for (i = 0; i < RING_REJ_MAX_; i++)
		json_object_set_new(rej, reject_names[i], json_integer((json_int_t)st.rejects[i]));
	o = json_pack("{s:b,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:O,s:o,"
	              "s:f,s:b}",
	              "attached", 1, "name", l->name,
	              "packets", (json_int_t)st.packets, "bytes", (json_int_t)st.bytes,
	              "stored_packets", (json_int_t)st.stored_packets,
	              "stored_bytes", (json_int_t)st.stored_bytes,
	              "kernel_drops", (json_int_t)st.kernel_drops,
	              "calls_total", (json_int_t)st.calls_total,
	              "calls_active", (json_int_t)st.calls_active,
	              "evictions_calls", (json_int_t)st.evictions_calls,
	              "evictions_chunks", (json_int_t)st.evictions_chunks,
	              "records_dropped", (json_int_t)st.records_dropped,
	              "chunks_total", (json_int_t)st.chunks_total,
	              "chunks_used", (json_int_t)st.chunks_used,
	              "fill", st.chunks_total ? (double)st.chunks_used / (double)st.chunks_total : 0.0,
	              "rejects", rej,
	              "clock", iso_time(st.last_ts),
	              "heartbeat_age", heartbeat_age(&st, now),
	              "writer_alive", writer_alive(&st, now));
done:
	if (o == NULL)
		goto out;
	*outp = o;
	r = 0;
out:
	json_decref(rej);
	return r;
}

void live_metrics(struct live *l, FILE *f)
{
	struct ring_stats st;
	uint64_t now = tr_wall_ns();
	bool att;
	unsigned i;

	live_refresh(l);
	pthread_rwlock_rdlock(&l->lock);
	att = l->ring != NULL;
	if (att)
		ring_stats_read(l->ring, &st);
	pthread_rwlock_unlock(&l->lock);
	fprintf(f, "# HELP threatrec_ring_attached 1 when the web UI has the ring mapped.\n"
	           "# TYPE threatrec_ring_attached gauge\nthreatrec_ring_attached %d\n", att);
	fprintf(f, "# HELP threatrec_sniffer_alive 1 when the ring's writer (the sniffer) "
	           "updated its heartbeat within the last 5 s.\n"
	           "# TYPE threatrec_sniffer_alive gauge\nthreatrec_sniffer_alive %d\n",
	        att && writer_alive(&st, now));
	if (!att)
		return;
	fprintf(f, "# HELP threatrec_ring_heartbeat_age_seconds Seconds since the sniffer's last "
	           "heartbeat in the ring.\n# TYPE threatrec_ring_heartbeat_age_seconds gauge\n"
	           "threatrec_ring_heartbeat_age_seconds %.3f\n", heartbeat_age(&st, now));
#define CTR(name, help, v) \
	fprintf(f, "# HELP threatrec_" name " " help "\n# TYPE threatrec_" name " counter\n" \
	           "threatrec_" name " %" PRIu64 "\n", (uint64_t)(v))
#define GAUGE(name, help, v) \
	fprintf(f, "# HELP threatrec_" name " " help "\n# TYPE threatrec_" name " gauge\n" \
	           "threatrec_" name " %" PRIu64 "\n", (uint64_t)(v))
	CTR("packets_total", "Packets seen by the sniffer.", st.packets);
	CTR("bytes_total", "Bytes seen by the sniffer.", st.bytes);
	CTR("stored_packets_total", "Packet records written into the ring.", st.stored_packets);
	CTR("stored_bytes_total", "Bytes written into the ring.", st.stored_bytes);
	CTR("kernel_drops_total", "Packets dropped by the kernel (pcap_stats).", st.kernel_drops);
	CTR("calls_total", "Calls created.", st.calls_total);
	GAUGE("calls_active", "Call slots in use.", st.calls_active);
	CTR("evictions_calls_total", "Ended calls freed after grace.", st.evictions_calls);
	CTR("evictions_chunks_total", "Chunks taken from live unmarked calls.", st.evictions_chunks);
	CTR("records_dropped_total", "Records that could not be stored.", st.records_dropped);
	GAUGE("ring_chunks_total", "Chunks in the ring pool.", st.chunks_total);
	GAUGE("ring_chunks_used", "Chunks in use.", st.chunks_used);
#undef CTR
#undef GAUGE
	fprintf(f, "# HELP threatrec_rejects_total Packets rejected, by reason.\n"
	           "# TYPE threatrec_rejects_total counter\n");
	for (i = 0; i < RING_REJ_MAX_; i++)
		fprintf(f, "threatrec_rejects_total{reason=\"%s\"} %" PRIu64 "\n", reject_names[i],
		        st.rejects[i]);
}
