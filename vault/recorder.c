/* recorder.c - pin, copy out, seal. The pcap inside a container uses the
 * nanosecond pcap format (magic 0xa1b23c4d, little-endian) with the call's
 * link type; each ring record becomes one pcap record. Nothing plaintext is
 * written to disk: records go straight into the secretstream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <jansson.h>
#include "clock.h"
#include "err.h"
#include "log.h"
#include "container.h"
#include "recorder.h"
#include "utf8.h"

#define NS 1000000000LL

struct job {
	struct rec r;
	struct ring_iter it;
	int it_ok;
	struct container_w *w;
	uint32_t link_type;
	uint64_t n_packets, n_bytes, t_last;
	int64_t ended_seen_ns;        /* monotonic time the call was first seen ended */
	int stop;                     /* seal now */
	char stop_by[64];
	char seal_reason[96];
	char force_reason[96];        /* seal now, for this reason (ring going away) */
	int waiting_ring;             /* resumed, ring not attached yet */
	uint8_t *side;                /* kind | dir << 4 per record, written as 'R' at seal */
	size_t n_side, cap_side;
	int used;
};

struct recorder {
	const struct vconf *c;
	struct index *ix;
	struct audit *au;
	const struct keys *k;
	struct notify *nt;
	struct ring *ring;
	struct job jobs[RECORDER_JOBS_MAX];
	uint64_t failures;
	/* recently finished recordings, so the live-calls page can still say
	 * "marked by" for an ended call that is sealed (bounded, overwritten) */
	struct rec recent[RECORDER_RECENT_MAX];
	uint64_t recent_packets[RECORDER_RECENT_MAX];
	uint32_t n_recent;
};

static void
remember(struct recorder *rc, const struct job *j, const char *state)
{
	uint32_t i = rc->n_recent++ % RECORDER_RECENT_MAX;
	rc->recent[i] = j->r;
	snprintf(rc->recent[i].state, sizeof rc->recent[i].state, "%s", state);
	rc->recent_packets[i] = j->n_packets;
}

struct recorder *
recorder_new(const struct vconf *c, struct index *ix, struct audit *au, const struct keys *k,
             struct notify *nt)
{
	struct recorder *rc = calloc(1, sizeof *rc);
	if (rc == NULL)
		return NULL;
	rc->c = c;
	rc->ix = ix;
	rc->au = au;
	rc->k = k;
	rc->nt = nt;
	return rc;
}

static void
job_clear(struct job *j)
{
	if (j->it_ok)
		ring_iter_clear(&j->it);
	container_w_abort(j->w);
	free(j->side);
	memset(j, 0, sizeof *j);
}

void
recorder_free(struct recorder *rc)
{
	int i;
	if (rc == NULL)
		return;
	for (i = 0; i < RECORDER_JOBS_MAX; i++)
		if (rc->jobs[i].used)
			job_clear(&rc->jobs[i]);
	free(rc);
}

void
recorder_set_ring(struct recorder *rc, struct ring *ring)
{
	rc->ring = ring;
}

static void
codecs_of(const struct ring_call *c, char *out, size_t n)
{
	uint32_t i;
	size_t o = 0;

	out[0] = '\0';
	for (i = 0; i < c->n_pt && i < RING_PT_MAX; i++) {
		const char *name = c->pt[i].name;
		char tmp[RING_CODEC_NAME_MAX + 1];
		if (!c->pt[i].used || name[0] == '\0' || memchr(name, '\0', RING_CODEC_NAME_MAX) == NULL)
			continue;
		snprintf(tmp, sizeof tmp, "%s", name);
		if (strstr(out, tmp) != NULL)
			continue;
		o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s%s", o ? "," : "", tmp);
		if (o >= n) {
			out[n - 1] = '\0';
			break;
		}
	}
}

static json_t *
media_json(const struct ring_call *c)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; a != NULL && i < c->n_media && i < RING_MEDIA_MAX; i++) {
		const struct ring_media *m = &c->media[i];
		char hex[33];
		if (m->family == 0)
			continue;
		sodium_bin2hex(hex, sizeof hex, m->addr, 16);
		json_array_append_new(a, json_pack("{s:i, s:i, s:i, s:i, s:i, s:s}", "family", m->family,
			"side", m->side, "rtcp_mux", m->rtcp_mux, "port", m->port, "rtcp_port", m->rtcp_port,
			"addr", hex));
	}
	return a;
}

static json_t *
pt_json(const struct ring_call *c)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; a != NULL && i < c->n_pt && i < RING_PT_MAX; i++) {
		const struct ring_pt *p = &c->pt[i];
		char name[RING_CODEC_NAME_MAX + 1];
		if (!p->used)
			continue;
		snprintf(name, sizeof name, "%.*s", RING_CODEC_NAME_MAX, p->name);
		json_array_append_new(a, json_pack("{s:i, s:i, s:i, s:s}", "pt", p->pt, "channels", p->channels,
			"clock_rate", (int)p->clock_rate, "name", name));
	}
	return a;
}

static json_t *
meta_json(const struct rec *r, const struct ring_call *c, const char *phase)
{
	json_t *j = index_rec_json(r);
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "phase", json_string(phase));
	json_object_set_new(j, "format", json_string("threatrec-meta-1"));
	if (c != NULL) {
		json_object_set_new(j, "link_type", json_integer(c->link_type));
		json_object_set_new(j, "t_answer_ns", json_integer((json_int_t)c->t_answer));
		json_object_set_new(j, "ring_flags", json_integer(c->flags));
		json_object_set_new(j, "end_reason", json_integer(c->end_reason));
		json_object_set_new(j, "t_first_ns", json_integer((json_int_t)c->t_first));
		json_object_set_new(j, "t_end_ns", json_integer((json_int_t)c->t_end));
		json_object_set_new(j, "agent_side", json_integer(c->agent_side));
		json_object_set_new(j, "media", media_json(c));
		json_object_set_new(j, "pt", pt_json(c));
	}
	return j;
}

static void
fail_job(struct recorder *rc, struct job *j, const char *reason)
{
	log_err_f("recording %s failed: %s", j->r.id, reason);
	rc->failures++;
	index_rec_fail(rc->ix, j->r.id, reason);
	audit_append(rc->au, "vault", "fail", j->r.id, reason);
	if (rc->ring != NULL && !j->waiting_ring)
		ring_mark_set(rc->ring, j->r.slot, j->r.gen, 0, RING_MK_PIN);
	remember(rc, j, "failed");
	job_clear(j);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* Opens the temporary container: metadata message, then the pcap header. */
static int
job_open(struct recorder *rc, struct job *j, const struct ring_call *c)
{
	char tmp[VCONF_PATH_MAX + 80];
	uint8_t gh[24];
	json_t *m = NULL;
	char *txt = NULL;
	int r;

	snprintf(tmp, sizeof tmp, "%s/tmp/%s.part", rc->c->storage, j->r.id);
	unlink(tmp);                  /* a previous run's: restart the copy from the first record */
	if ((r = container_w_open(tmp, j->r.id, rc->k->box_pk, rc->k->has_auth ? rc->k->auth_pk : NULL, &j->w)) != 0)
		goto out;
	r = TR_ERR_NOMEM;
	if ((m = meta_json(&j->r, c, "mark")) == NULL || (txt = json_dumps(m, JSON_COMPACT)) == NULL)
		goto out;
	if ((r = container_w_put(j->w, CONTAINER_K_META, (const uint8_t *)txt, strlen(txt))) != 0)
		goto out;
	j->link_type = c->link_type;
	put_le32(gh, 0xa1b23c4du);            /* nanosecond pcap */
	gh[4] = 2; gh[5] = 0; gh[6] = 4; gh[7] = 0;
	put_le32(gh + 8, 0);
	put_le32(gh + 12, 0);
	put_le32(gh + 16, 262144);
	put_le32(gh + 20, c->link_type);
	r = container_w_put(j->w, CONTAINER_K_PCAP, gh, sizeof gh);
out:
	free(txt);
	json_decref(m);
	return r;
}

/* Copies what the ring has now. 0 when caught up or bounded, else STALE/GONE/SYS. */
static int
job_drain(struct job *j, uint32_t max)
{
	struct ring_rec rec;
	const uint8_t *bytes = NULL;
	uint8_t ph[16];
	uint32_t n = 0;
	int rv;

	while (n < max) {
		rv = ring_iter_next(&j->it, &rec, &bytes);
		if (rv == 0)
			return 0;
		if (rv < 0)
			return rv;
		put_le32(ph, (uint32_t)(rec.ts_ns / NS));
		put_le32(ph + 4, (uint32_t)(rec.ts_ns % NS));
		put_le32(ph + 8, rec.caplen);
		put_le32(ph + 12, rec.origlen < rec.caplen ? rec.caplen : rec.origlen);
		if (container_w_put(j->w, CONTAINER_K_PCAP, ph, sizeof ph) != 0 ||
		    container_w_put(j->w, CONTAINER_K_PCAP, bytes, rec.caplen) != 0)
			return TR_ERR_SYS;
		if (j->n_side == j->cap_side) {
			size_t nc = j->cap_side ? j->cap_side * 2 : 4096;
			uint8_t *ns = realloc(j->side, nc);
			if (ns == NULL)
				return TR_ERR_SYS;
			j->side = ns;
			j->cap_side = nc;
		}
		j->side[j->n_side++] = (uint8_t)((rec.kind & 0x0f) | (rec.dir & 0x0f) << 4);
		j->n_packets++;
		j->n_bytes += rec.caplen;
		j->t_last = rec.ts_ns;
		n++;
	}
	return 0;
}

static int
job_seal(struct recorder *rc, struct job *j, const struct ring_call *c)
{
	char path[VCONF_PATH_MAX + 200], detail[400];
	uint8_t sha[crypto_hash_sha256_BYTES];
	uint64_t size = 0;
	json_t *m = NULL;
	char *txt = NULL;
	int r;

	if (c != NULL) {
		j->r.end_ns = (int64_t)(c->t_end ? c->t_end : c->t_last);
		codecs_of(c, j->r.codecs, sizeof j->r.codecs);
	} else {
		j->r.end_ns = (int64_t)j->t_last;
	}
	if (j->r.end_ns < j->r.start_ns)
		j->r.end_ns = j->r.start_ns;
	j->r.duration = (double)(j->r.end_ns - j->r.start_ns) / 1e9;
	snprintf(j->r.container, sizeof j->r.container, "%s.trc", j->r.id);
	snprintf(j->r.state, sizeof j->r.state, "sealed");
	r = TR_ERR_NOMEM;
	if ((m = meta_json(&j->r, c, "seal")) == NULL)
		goto out;
	json_object_set_new(m, "packets", json_integer((json_int_t)j->n_packets));
	json_object_set_new(m, "seal_reason", json_string(j->seal_reason));
	if ((txt = json_dumps(m, JSON_COMPACT)) == NULL)
		goto out;
	if ((r = container_w_put(j->w, CONTAINER_K_META, (const uint8_t *)txt, strlen(txt))) != 0)
		goto out;
	for (size_t o = 0; o < j->n_side; o += CONTAINER_MSG_MAX) {
		size_t n = j->n_side - o < CONTAINER_MSG_MAX ? j->n_side - o : CONTAINER_MSG_MAX;
		if ((r = container_w_put(j->w, CONTAINER_K_RECS, j->side + o, n)) != 0)
			goto out;
	}
	snprintf(path, sizeof path, "%s/rec/%s", rc->c->storage, j->r.container);
	r = container_w_finish(j->w, path, sha, &size);
	j->w = NULL;
	if (r != 0)
		goto out;
	sodium_bin2hex(j->r.sha256, sizeof j->r.sha256, sha, sizeof sha);
	j->r.size = (int64_t)size;
	if (strcmp(j->seal_reason, "call ended") != 0)
		snprintf(j->r.fail_reason, sizeof j->r.fail_reason, "sealed early: %s", j->seal_reason);
	if ((r = index_rec_seal(rc->ix, &j->r)) != 0)
		goto out;
	snprintf(detail, sizeof detail, "{\"sha256\":\"%s\",\"size\":%lld,\"packets\":%llu,\"reason\":\"%s\"}",
	         j->r.sha256, (long long)size, (unsigned long long)j->n_packets, j->seal_reason);
	audit_append(rc->au, j->stop_by[0] ? j->stop_by : "vault", "seal", j->r.id, detail);
	if (rc->ring != NULL)
		ring_mark_set(rc->ring, j->r.slot, j->r.gen, RING_MK_SEALED, RING_MK_PIN);
	log_info_f("recording %s sealed: %llu packets, %lld bytes (%s)", j->r.id,
	           (unsigned long long)j->n_packets, (long long)size, j->seal_reason);
	remember(rc, j, "sealed");
	job_clear(j);
out:
	free(txt);
	json_decref(m);
	return r;
}

static struct job *
job_free_slot(struct recorder *rc)
{
	int i;
	for (i = 0; i < RECORDER_JOBS_MAX; i++)
		if (!rc->jobs[i].used)
			return &rc->jobs[i];
	return NULL;
}

static struct job *
job_by_id(struct recorder *rc, const char *id)
{
	int i;
	for (i = 0; i < RECORDER_JOBS_MAX; i++)
		if (rc->jobs[i].used && strcmp(rc->jobs[i].r.id, id) == 0)
			return &rc->jobs[i];
	return NULL;
}

static void
new_id(char *out, size_t n)
{
	uint8_t rnd[5];
	char hex[11];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	snprintf(out, n, "%04d%02d%02dT%02d%02d%02dZ-%s", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
	         tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, hex);
}

static bool
call_has_ext(const struct ring_call *c, const char *ext)
{
	return strcmp(c->agent, ext) == 0 || strcmp(c->caller, ext) == 0 || strcmp(c->callee, ext) == 0;
}

/* The ring's text comes from the wire: a caller chooses the bytes of From,
 * To and Call-ID. Our sniffer stores it as well-formed UTF-8 already; the
 * vault makes sure again (\xHH for any other byte), so that no byte a
 * caller sends can make the JSON of a recording fail and lose the call. */
static void
call_clean(struct ring_call *c)
{
	uint32_t i;

	utf8_clean_inplace(c->call_id, sizeof c->call_id);
	utf8_clean_inplace(c->from_tag, sizeof c->from_tag);
	utf8_clean_inplace(c->caller, sizeof c->caller);
	utf8_clean_inplace(c->callee, sizeof c->callee);
	utf8_clean_inplace(c->agent, sizeof c->agent);
	utf8_clean_inplace(c->caller_asserted, sizeof c->caller_asserted);
	for (i = 0; i < RING_PT_MAX; i++)
		utf8_clean_inplace(c->pt[i].name, sizeof c->pt[i].name);
}

/* ring_call_read, with the call's text cleaned (call_clean). */
static int
call_read(const struct recorder *rc, uint32_t slot, struct ring_call *c)
{
	int r = ring_call_read(rc->ring, slot, c);

	if (r == 0)
		call_clean(c);
	return r;
}

static json_t *
notify_json(const struct rec *r)
{
	json_t *j = index_rec_json(r);
	if (j != NULL)
		json_object_set_new(j, "event", json_string("mark"));
	return j;
}

int
recorder_mark(struct recorder *rc, const struct recorder_mark_req *q, struct rec *out, bool *existingp)
{
	struct ring_call c;
	struct job *j = NULL;
	uint32_t slot = q->slot;
	char detail[1200], want[RING_CALLID_MAX];
	json_t *dj = NULL;
	char *txt = NULL;
	int r, pinned = 0;

	*existingp = false;
	if (rc->ring == NULL) {
		r = TR_ERR_AGAIN;
		goto out;
	}
	/* the caller may hold the Call-ID as the ring has it or cleaned */
	(void)utf8_clean(want, sizeof want, q->call_id, strlen(q->call_id));
	if (slot == RING_NONE) {
		if ((r = ring_find(rc->ring, q->call_id, NULL, &slot, &c)) != 0) {
			r = TR_ERR_GONE;
			goto out;
		}
		call_clean(&c);
	} else if ((r = call_read(rc, slot, &c)) != 0 || c.gen != q->gen ||
	           strcmp(c.call_id, want) != 0) {
		r = r == TR_ERR_AGAIN ? TR_ERR_AGAIN : TR_ERR_GONE;
		goto out;
	}
	if (c.state == RING_ST_FREE) {
		r = TR_ERR_GONE;
		goto out;
	}
	if (q->only_ext != NULL && !call_has_ext(&c, q->only_ext)) {
		r = TR_ERR_PERM;
		goto out;
	}
	/* Idempotent: the same call (Call-ID, From-tag, first packet) is one recording. */
	r = index_rec_find_call(rc->ix, c.call_id, c.from_tag, (int64_t)c.t_first, out);
	if (r == 0) {
		*existingp = true;
		goto out;
	}
	if (r != TR_ERR_NOTFOUND)
		goto out;
	if (c.flags & RING_CF_HEAD_LOST) {
		r = TR_ERR_GONE;
		goto out;
	}
	if ((j = job_free_slot(rc)) == NULL) {
		r = TR_ERR_LIMIT;
		goto out;
	}
	/* Pin first (reversible), then journal, then audit, then answer. */
	if ((r = ring_mark_pin(rc->ring, slot, c.gen)) != 0) {
		if (r == TR_ERR_STALE || r == TR_ERR_GONE) {
			if (r == TR_ERR_GONE)
				ring_mark_set(rc->ring, slot, c.gen, 0, RING_MK_PIN);
			r = TR_ERR_GONE;
		}
		goto out;
	}
	pinned = 1;
	memset(out, 0, sizeof *out);
	new_id(out->id, sizeof out->id);
	snprintf(out->call_id, sizeof out->call_id, "%s", c.call_id);
	snprintf(out->from_tag, sizeof out->from_tag, "%s", c.from_tag);
	snprintf(out->caller, sizeof out->caller, "%s", c.caller);
	snprintf(out->callee, sizeof out->callee, "%s", c.callee);
	snprintf(out->agent, sizeof out->agent, "%s", c.agent);
	out->start_ns = (int64_t)c.t_first;
	codecs_of(&c, out->codecs, sizeof out->codecs);
	snprintf(out->marked_by, sizeof out->marked_by, "%s", q->marked_by);
	out->marked_at_ns = index_now_ns();
	snprintf(out->how, sizeof out->how, "%s", q->how);
	snprintf(out->note, sizeof out->note, "%s", q->note ? q->note : "");
	snprintf(out->state, sizeof out->state, "recording");
	out->slot = slot;
	out->gen = c.gen;
	if ((r = index_rec_insert(rc->ix, out)) != 0)
		goto out;
	dj = json_pack("{s:s, s:s, s:I, s:I, s:s}", "call_id", out->call_id, "how", out->how,
	               "slot", (json_int_t)slot, "gen", (json_int_t)c.gen, "note", out->note);
	txt = dj ? json_dumps(dj, JSON_COMPACT) : NULL;
	snprintf(detail, sizeof detail, "%s", txt ? txt : "");
	if ((r = audit_append(rc->au, out->marked_by, "mark", out->id, detail)) != 0) {
		index_rec_fail(rc->ix, out->id, "audit row could not be written");
		goto out;
	}
	memset(j, 0, sizeof *j);
	j->used = 1;
	j->r = *out;
	pinned = 0;                   /* the job owns the pin now */
	free(txt);
	json_decref(dj);
	dj = notify_json(out);
	txt = dj ? json_dumps(dj, JSON_COMPACT) : NULL;
	if (txt != NULL)
		notify_mark(rc->nt, txt);
	r = 0;
out:
	if (pinned)
		ring_mark_set(rc->ring, slot, c.gen, 0, RING_MK_PIN);
	free(txt);
	json_decref(dj);
	return r;
}

int
recorder_stop(struct recorder *rc, const char *id, const char *by)
{
	struct job *j = job_by_id(rc, id);
	if (j == NULL)
		return TR_ERR_NOTFOUND;
	j->stop = 1;
	snprintf(j->stop_by, sizeof j->stop_by, "%s", by);
	return 0;
}

bool
recorder_stop_requested(const struct recorder *rc, const char *id)
{
	int i;

	for (i = 0; i < RECORDER_JOBS_MAX; i++)
		if (rc->jobs[i].used && strcmp(rc->jobs[i].r.id, id) == 0)
			return rc->jobs[i].stop != 0;
	return false;
}

static int
resume_one(void *arg, const struct rec *r)
{
	struct recorder *rc = arg;
	struct job *j = job_free_slot(rc);

	if (j == NULL) {
		log_err_f("too many recordings to resume; %s waits for a restart", r->id);
		return 0;
	}
	memset(j, 0, sizeof *j);
	j->used = 1;
	j->r = *r;
	j->waiting_ring = 1;          /* pin checked on the first tick with a ring */
	log_info_f("resuming recording %s (call %s)", r->id, r->call_id);
	return 0;
}

int
recorder_resume(struct recorder *rc)
{
	return index_rec_each_state(rc->ix, "recording", resume_one, rc);
}

/* A resumed job: is its call still in the ring, the same call, complete? */
static void
job_reattach(struct recorder *rc, struct job *j)
{
	struct ring_call c;
	int r;

	if (call_read(rc, j->r.slot, &c) != 0 || c.gen != j->r.gen ||
	    strcmp(c.call_id, j->r.call_id) != 0 || strcmp(c.from_tag, j->r.from_tag) != 0 ||
	    (int64_t)c.t_first != j->r.start_ns) {
		j->waiting_ring = 1;
		fail_job(rc, j, "no longer in memory after restart (ring replaced or call freed)");
		return;
	}
	j->waiting_ring = 0;
	if ((r = ring_mark_pin(rc->ring, j->r.slot, j->r.gen)) != 0) {
		fail_job(rc, j, r == TR_ERR_GONE ? "call head overwritten before restart" :
		         "could not pin the call after restart");
		return;
	}
	audit_append(rc->au, "vault", "resume", j->r.id, "{\"reason\":\"restart\"}");
}

static void
job_step(struct recorder *rc, struct job *j)
{
	struct ring_call c;
	int r;

	if (j->waiting_ring) {
		job_reattach(rc, j);
		if (!j->used)
			return;
	}
	if (!j->it_ok) {
		if ((r = call_read(rc, j->r.slot, &c)) == TR_ERR_AGAIN)
			return;                 /* the writer is busy with the slot: next tick */
		if (r != 0 || c.gen != j->r.gen) {
			fail_job(rc, j, "no longer in memory");
			return;
		}
		if (ring_iter_init(&j->it, rc->ring, j->r.slot, j->r.gen) != 0) {
			fail_job(rc, j, "no longer in memory");
			return;
		}
		j->it_ok = 1;
		if (job_open(rc, j, &c) != 0) {
			fail_job(rc, j, "cannot write the temporary container");
			return;
		}
	}
	if ((r = job_drain(j, RECORDER_TICK_RECS)) != 0) {
		fail_job(rc, j, r == TR_ERR_SYS ? "cannot write the temporary container" :
		         "call lost from memory while recording");
		return;
	}
	if ((r = call_read(rc, j->r.slot, &c)) != 0 || c.gen != j->r.gen) {
		if (r == TR_ERR_AGAIN)
			return;
		fail_job(rc, j, "call lost from memory while recording");
		return;
	}
	if (c.state == RING_ST_ENDED) {
		if (j->ended_seen_ns == 0)
			j->ended_seen_ns = (int64_t)tr_mono_ns();
		if ((int64_t)tr_mono_ns() - j->ended_seen_ns >= (int64_t)rc->c->grace_ns)
			snprintf(j->seal_reason, sizeof j->seal_reason, "call ended");
	}
	/* max_length bounds a call that goes on; an ended call is sealed
	 * whole, as "call ended", however long it was */
	if (c.state != RING_ST_ENDED && c.t_last > c.t_first &&
	    c.t_last - c.t_first >= rc->c->max_length_ns)
		snprintf(j->seal_reason, sizeof j->seal_reason, "max_length reached");
	if (j->stop)
		snprintf(j->seal_reason, sizeof j->seal_reason, "stopped by %s", j->stop_by);
	if (j->force_reason[0])
		snprintf(j->seal_reason, sizeof j->seal_reason, "%s", j->force_reason);
	if (j->seal_reason[0] == '\0')
		return;
	/* last drain, everything published up to now */
	if ((r = job_drain(j, UINT32_MAX)) != 0) {
		fail_job(rc, j, "call lost from memory while recording");
		return;
	}
	if (job_seal(rc, j, &c) != 0)
		fail_job(rc, j, "seal failed (disk)");
}

/* A key code asked for a mark: confirm it as a mark with how = "phone". */
static void
phone_marks(struct recorder *rc)
{
	uint32_t s, n = ring_slots(rc->ring);

	for (s = 0; s < n; s++) {
		uint64_t w = ring_mark_get(rc->ring, s);
		uint32_t gen = (uint32_t)(w >> 32);
		struct ring_call c;
		struct recorder_mark_req q;
		struct rec out;
		bool existing;
		char by[128];
		int r;

		if (!(w & RING_MK_REQ_PHONE))
			continue;
		if (!(w & (RING_MK_PIN | RING_MK_SEALED)) && call_read(rc, s, &c) == 0 &&
		    c.gen == gen) {
			snprintf(by, sizeof by, "phone:%s", c.agent[0] ? c.agent : c.caller);
			memset(&q, 0, sizeof q);
			q.slot = s;
			q.gen = gen;
			q.call_id = c.call_id;
			q.marked_by = by;
			q.how = "phone";
			q.note = "marked by key code";
			r = recorder_mark(rc, &q, &out, &existing);
			if (r == TR_ERR_AGAIN || r == TR_ERR_LIMIT)
				continue;       /* try again next tick */
			if (r != 0) {
				log_warn_f("phone mark of %s refused: %s", c.call_id, tr_strerror(r));
				audit_append(rc->au, by, "mark_refused", c.call_id, tr_strerror(r));
			}
		}
		ring_mark_set(rc->ring, s, gen, 0, RING_MK_REQ_PHONE);
	}
}

void
recorder_tick(struct recorder *rc)
{
	int i;

	if (rc->ring == NULL)
		return;
	phone_marks(rc);
	for (i = 0; i < RECORDER_JOBS_MAX; i++)
		if (rc->jobs[i].used)
			job_step(rc, &rc->jobs[i]);
}

void
recorder_seal_all(struct recorder *rc, const char *why)
{
	int i;

	if (rc->ring == NULL)
		return;
	for (i = 0; i < RECORDER_JOBS_MAX; i++) {
		struct job *j = &rc->jobs[i];
		if (!j->used || j->waiting_ring)
			continue;
		snprintf(j->force_reason, sizeof j->force_reason, "%s", why);
		job_step(rc, j);
		/* the ring goes away: a job that could not seal now must not
		 * outlive it (its iterator points into the old mapping) */
		if (j->used)
			fail_job(rc, j, why);
	}
}

uint32_t
recorder_active(const struct recorder *rc)
{
	uint32_t n = 0;
	int i;
	for (i = 0; i < RECORDER_JOBS_MAX; i++)
		n += rc->jobs[i].used ? 1 : 0;
	return n;
}

static json_t *
mark_entry(const struct rec *r, uint64_t packets, const char *state)
{
	char ts[32];
	index_iso8601(r->marked_at_ns, ts);
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s}",
		"recording", r->id, "call_id", r->call_id, "from_tag", r->from_tag,
		"slot", (json_int_t)r->slot, "gen", (json_int_t)r->gen, "marked_by", r->marked_by,
		"marked_at", ts, "how", r->how, "packets", (json_int_t)packets, "state", state);
}

static bool
rec_has_ext(const struct rec *r, const char *ext)
{
	return ext == NULL || !strcmp(r->agent, ext) || !strcmp(r->caller, ext) || !strcmp(r->callee, ext);
}

json_t *
recorder_active_json(const struct recorder *rc, const char *ext)
{
	json_t *a = json_array();
	uint32_t i, n = rc->n_recent < RECORDER_RECENT_MAX ? rc->n_recent : RECORDER_RECENT_MAX;

	for (i = 0; a != NULL && i < RECORDER_JOBS_MAX; i++) {
		const struct job *j = &rc->jobs[i];
		if (j->used && rec_has_ext(&j->r, ext))
			json_array_append_new(a, mark_entry(&j->r, j->n_packets, "recording"));
	}
	for (i = 0; a != NULL && i < n; i++)
		if (rec_has_ext(&rc->recent[i], ext))
			json_array_append_new(a, mark_entry(&rc->recent[i], rc->recent_packets[i],
			                                    rc->recent[i].state));
	return a;
}

uint64_t
recorder_failures(const struct recorder *rc)
{
	return rc->failures;
}
