/* index.c - SQLite index of recordings (schema below, docs/format.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "err.h"
#include "log.h"
#include "index.h"
#include "utf8.h"

struct index {
	sqlite3 *db;
};

static const char index_schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"PRAGMA foreign_keys=ON;"
	"CREATE TABLE IF NOT EXISTS recordings ("
	" id TEXT PRIMARY KEY, call_id TEXT NOT NULL, from_tag TEXT NOT NULL,"
	" caller TEXT, callee TEXT, agent TEXT, start INTEGER, end INTEGER, duration REAL,"
	" codecs TEXT, marked_by TEXT, marked_at INTEGER, how TEXT CHECK (how IN ('web','phone')),"
	" note TEXT, state TEXT NOT NULL CHECK (state IN ('recording','sealed','failed')),"
	" fail_reason TEXT, container TEXT, sha256 TEXT, size INTEGER,"
	" slot INTEGER, gen INTEGER, sealed_at INTEGER,"
	" UNIQUE (call_id, from_tag, start));"
	"CREATE INDEX IF NOT EXISTS recordings_start ON recordings(start);"
	"CREATE TABLE IF NOT EXISTS users ("
	" name TEXT PRIMARY KEY, hash TEXT NOT NULL, role INTEGER NOT NULL,"
	" extension TEXT NOT NULL DEFAULT '', created INTEGER, disabled INTEGER NOT NULL DEFAULT 0,"
	" pending_by TEXT NOT NULL DEFAULT '', must_change INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS sessions ("
	" token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,"
	" created INTEGER NOT NULL, last_seen INTEGER NOT NULL, remote TEXT);"
	"CREATE TABLE IF NOT EXISTS audit ("
	" seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
	" object TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,"
	" sig TEXT NOT NULL);";

int64_t
index_now_ns(void)
{
	return (int64_t)tr_wall_ns();
}

void
index_iso8601(int64_t ns, char out[32])
{
	tr_iso8601(ns > 0 ? (uint64_t)ns : 0, out);
}

int
index_exec(struct index *ix, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(ix->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err_f("sqlite: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return TR_ERR_SYS;
	}
	return 0;
}

int
index_open(const char *path, struct index **ixp)
{
	struct index *ix = NULL;
	int r = TR_ERR_NOMEM;

	if ((ix = calloc(1, sizeof *ix)) == NULL)
		goto out;
	r = TR_ERR_SYS;
	if (sqlite3_open_v2(path, &ix->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		log_err_f("%s: %s", path, ix->db ? sqlite3_errmsg(ix->db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(ix->db, 5000);
	if ((r = index_exec(ix, index_schema)) != 0)
		goto out;
	/* an index made before accounts could await approval: add the column
	 * (every existing account stays active) */
	if (sqlite3_exec(ix->db, "SELECT pending_by FROM users LIMIT 0", NULL, NULL, NULL) != SQLITE_OK &&
	    sqlite3_exec(ix->db, "ALTER TABLE users ADD COLUMN pending_by TEXT NOT NULL DEFAULT ''",
	                 NULL, NULL, NULL) != SQLITE_OK &&
	    /* another process may have added it meanwhile */
	    (r = index_exec(ix, "SELECT pending_by FROM users LIMIT 0")) != 0)
		goto out;
	/* ... and before an admin-set password had to be replaced at first login */
	if (sqlite3_exec(ix->db, "SELECT must_change FROM users LIMIT 0", NULL, NULL, NULL) != SQLITE_OK &&
	    sqlite3_exec(ix->db, "ALTER TABLE users ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0",
	                 NULL, NULL, NULL) != SQLITE_OK &&
	    (r = index_exec(ix, "SELECT must_change FROM users LIMIT 0")) != 0)
		goto out;
	*ixp = ix;
	ix = NULL;
	r = 0;
out:
	index_close(ix);
	return r;
}

void
index_close(struct index *ix)
{
	if (ix == NULL)
		return;
	sqlite3_close_v2(ix->db);
	free(ix);
}

sqlite3 *
index_db(struct index *ix)
{
	return ix->db;
}

static void
col_str(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	snprintf(out, n, "%s", s ? (const char *)s : "");
}

#define REC_COLS "id, call_id, from_tag, caller, callee, agent, start, end, duration, codecs," \
	" marked_by, marked_at, how, note, state, fail_reason, container, sha256, size, slot, gen, sealed_at"

static void
rec_from_row(sqlite3_stmt *st, struct rec *o)
{
	memset(o, 0, sizeof *o);
	col_str(st, 0, o->id, sizeof o->id);
	col_str(st, 1, o->call_id, sizeof o->call_id);
	col_str(st, 2, o->from_tag, sizeof o->from_tag);
	col_str(st, 3, o->caller, sizeof o->caller);
	col_str(st, 4, o->callee, sizeof o->callee);
	col_str(st, 5, o->agent, sizeof o->agent);
	o->start_ns = sqlite3_column_int64(st, 6);
	o->end_ns = sqlite3_column_int64(st, 7);
	o->duration = sqlite3_column_double(st, 8);
	col_str(st, 9, o->codecs, sizeof o->codecs);
	col_str(st, 10, o->marked_by, sizeof o->marked_by);
	o->marked_at_ns = sqlite3_column_int64(st, 11);
	col_str(st, 12, o->how, sizeof o->how);
	col_str(st, 13, o->note, sizeof o->note);
	col_str(st, 14, o->state, sizeof o->state);
	col_str(st, 15, o->fail_reason, sizeof o->fail_reason);
	col_str(st, 16, o->container, sizeof o->container);
	col_str(st, 17, o->sha256, sizeof o->sha256);
	o->size = sqlite3_column_int64(st, 18);
	o->slot = (uint32_t)sqlite3_column_int64(st, 19);
	o->gen = (uint32_t)sqlite3_column_int64(st, 20);
	o->sealed_at_ns = sqlite3_column_int64(st, 21);
}

static int
prep(struct index *ix, const char *sql, sqlite3_stmt **stp)
{
	if (sqlite3_prepare_v2(ix->db, sql, -1, stp, NULL) != SQLITE_OK) {
		log_err_f("sqlite prepare: %s", sqlite3_errmsg(ix->db));
		return TR_ERR_SYS;
	}
	return 0;
}

static int
step_done(struct index *ix, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return TR_ERR_EXISTS;
	log_err_f("sqlite: %s", sqlite3_errmsg(ix->db));
	return TR_ERR_SYS;
}

#define BIND_T(st, i, s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT)

int
index_rec_insert(struct index *ix, const struct rec *o)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(ix, "INSERT INTO recordings (" REC_COLS ") VALUES "
	              "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &st)) != 0)
		goto out;
	BIND_T(st, 1, o->id); BIND_T(st, 2, o->call_id); BIND_T(st, 3, o->from_tag);
	BIND_T(st, 4, o->caller); BIND_T(st, 5, o->callee); BIND_T(st, 6, o->agent);
	sqlite3_bind_int64(st, 7, o->start_ns); sqlite3_bind_int64(st, 8, o->end_ns);
	sqlite3_bind_double(st, 9, o->duration); BIND_T(st, 10, o->codecs);
	BIND_T(st, 11, o->marked_by); sqlite3_bind_int64(st, 12, o->marked_at_ns);
	BIND_T(st, 13, o->how); BIND_T(st, 14, o->note); BIND_T(st, 15, o->state);
	BIND_T(st, 16, o->fail_reason); BIND_T(st, 17, o->container); BIND_T(st, 18, o->sha256);
	sqlite3_bind_int64(st, 19, o->size); sqlite3_bind_int64(st, 20, o->slot);
	sqlite3_bind_int64(st, 21, o->gen);
	sqlite3_bind_int64(st, 22, o->sealed_at_ns);
	r = step_done(ix, st);
out:
	sqlite3_finalize(st);
	return r;
}

static int
get_one(struct index *ix, sqlite3_stmt *st, struct rec *out)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rec_from_row(st, out);
		return 0;
	}
	if (rc == SQLITE_DONE)
		return TR_ERR_NOTFOUND;
	log_err_f("sqlite: %s", sqlite3_errmsg(ix->db));
	return TR_ERR_SYS;
}

int
index_rec_get(struct index *ix, const char *id, struct rec *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(ix, "SELECT " REC_COLS " FROM recordings WHERE id = ?", &st)) != 0)
		goto out;
	BIND_T(st, 1, id);
	r = get_one(ix, st, out);
out:
	sqlite3_finalize(st);
	return r;
}

int
index_rec_find_call(struct index *ix, const char *call_id, const char *from_tag,
                    int64_t start_ns, struct rec *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(ix, "SELECT " REC_COLS " FROM recordings WHERE call_id = ? AND from_tag = ?"
	              " AND start = ?", &st)) != 0)
		goto out;
	BIND_T(st, 1, call_id); BIND_T(st, 2, from_tag); sqlite3_bind_int64(st, 3, start_ns);
	r = get_one(ix, st, out);
out:
	sqlite3_finalize(st);
	return r;
}

int
index_rec_seal(struct index *ix, const struct rec *o)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(ix, "UPDATE recordings SET state = 'sealed', end = ?, duration = ?, codecs = ?,"
	              " container = ?, sha256 = ?, size = ?, fail_reason = ?, sealed_at = ? WHERE id = ?"
	              " AND state = 'recording'", &st)) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, o->end_ns); sqlite3_bind_double(st, 2, o->duration);
	BIND_T(st, 3, o->codecs); BIND_T(st, 4, o->container); BIND_T(st, 5, o->sha256);
	sqlite3_bind_int64(st, 6, o->size); BIND_T(st, 7, o->fail_reason);
	sqlite3_bind_int64(st, 8, o->sealed_at_ns ? o->sealed_at_ns : index_now_ns());
	BIND_T(st, 9, o->id);
	if ((r = step_done(ix, st)) == 0 && sqlite3_changes(ix->db) != 1)
		r = TR_ERR_NOTFOUND;
out:
	sqlite3_finalize(st);
	return r;
}

int
index_rec_fail(struct index *ix, const char *id, const char *reason)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(ix, "UPDATE recordings SET state = 'failed', fail_reason = ? WHERE id = ?"
	              " AND state = 'recording'", &st)) != 0)
		goto out;
	BIND_T(st, 1, reason); BIND_T(st, 2, id);
	r = step_done(ix, st);
out:
	sqlite3_finalize(st);
	return r;
}

static int
each(struct index *ix, const char *state, int (*cb)(void *, const struct rec *), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct rec *o = NULL;
	int r, rc;

	if ((o = malloc(sizeof *o)) == NULL)
		return TR_ERR_NOMEM;
	if (state != NULL)
		r = prep(ix, "SELECT " REC_COLS " FROM recordings WHERE state = ? ORDER BY marked_at, id", &st);
	else
		r = prep(ix, "SELECT " REC_COLS " FROM recordings ORDER BY marked_at, id", &st);
	if (r != 0)
		goto out;
	if (state != NULL)
		BIND_T(st, 1, state);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rec_from_row(st, o);
		if ((r = cb(arg, o)) != 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : TR_ERR_SYS;
out:
	sqlite3_finalize(st);
	free(o);
	return r;
}

int
index_rec_each_state(struct index *ix, const char *state, int (*cb)(void *, const struct rec *), void *arg)
{
	return each(ix, state, cb, arg);
}

int
index_rec_each(struct index *ix, int (*cb)(void *, const struct rec *), void *arg)
{
	return each(ix, NULL, cb, arg);
}

json_t *
index_rec_json(const struct rec *r)
{
	char start[32], end[32], marked[32], sealed[32];
	struct rec c = *r, *o = &c;
	json_t *j;

	/* The text is the wire's (numbers, Call-ID), cut to the columns'
	 * sizes: made well-formed UTF-8 here, so that no recording is ever
	 * missing from a listing or its container for want of valid JSON. */
	utf8_clean_inplace(c.id, sizeof c.id);
	utf8_clean_inplace(c.call_id, sizeof c.call_id);
	utf8_clean_inplace(c.from_tag, sizeof c.from_tag);
	utf8_clean_inplace(c.caller, sizeof c.caller);
	utf8_clean_inplace(c.callee, sizeof c.callee);
	utf8_clean_inplace(c.agent, sizeof c.agent);
	utf8_clean_inplace(c.codecs, sizeof c.codecs);
	utf8_clean_inplace(c.marked_by, sizeof c.marked_by);
	utf8_clean_inplace(c.how, sizeof c.how);
	utf8_clean_inplace(c.note, sizeof c.note);
	utf8_clean_inplace(c.state, sizeof c.state);
	utf8_clean_inplace(c.fail_reason, sizeof c.fail_reason);
	utf8_clean_inplace(c.sha256, sizeof c.sha256);
	index_iso8601(o->start_ns, start);
	index_iso8601(o->end_ns, end);
	index_iso8601(o->marked_at_ns, marked);
	index_iso8601(o->sealed_at_ns, sealed);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s*, s:I, s:I, s:f, s:s, s:s, s:s,"
	                 " s:s, s:s, s:s, s:s*, s:s*, s:I, s:s*}",
		"id", o->id, "call_id", o->call_id, "from_tag", o->from_tag,
		"caller", o->caller, "callee", o->callee, "agent", o->agent,
		"start", start, "end", o->end_ns ? end : NULL,
		"start_ns", (json_int_t)o->start_ns, "end_ns", (json_int_t)o->end_ns,
		"duration", o->duration, "codecs", o->codecs,
		"marked_by", o->marked_by, "marked_at", marked, "how", o->how,
		"note", o->note, "state", o->state,
		"fail_reason", o->fail_reason[0] ? o->fail_reason : NULL,
		"sha256", o->sha256[0] ? o->sha256 : NULL, "size", (json_int_t)o->size,
		"sealed_at", o->sealed_at_ns ? sealed : NULL);
	return j;
}

/* Unix seconds (0 .. INDEX_TIME_MAX_S) to ns; past 2262 the product would
 * not fit: such a bound is later than every ns time, so clamp. */
static int64_t
sec_to_ns(int64_t s)
{
	return s > INT64_MAX / 1000000000LL ? INT64_MAX : s * 1000000000LL;
}

int
index_rec_query(struct index *ix, const struct ipc_query *q, json_t **resp)
{
	/* Fixed clause fragments; every value is bound, never pasted. */
	char where[512] = " WHERE 1";
	sqlite3_stmt *st = NULL, *cnt = NULL;
	char sql[1024], like[160];
	json_t *arr = NULL, *res = NULL;
	struct rec *o = NULL;
	uint32_t limit = q->limit == 0 || q->limit > 500 ? 100 : q->limit;
	int r = TR_ERR_NOMEM, rc, i, n;

	/* Unix seconds up to 9999-12-31 (then clamped to ns, sec_to_ns) */
	if (q->from < 0 || q->from > INDEX_TIME_MAX_S || q->to < 0 || q->to > INDEX_TIME_MAX_S) {
		r = TR_ERR_INVAL;
		goto out;
	}
	if ((o = malloc(sizeof *o)) == NULL || (arr = json_array()) == NULL)
		goto out;
	if (q->caller[0]) strcat(where, " AND caller = :caller");
	if (q->callee[0]) strcat(where, " AND callee = :callee");
	if (q->agent[0]) strcat(where, " AND agent = :agent");
	if (q->marked_by[0]) strcat(where, " AND marked_by = :marked_by");
	if (q->q[0]) strcat(where, " AND note LIKE :q ESCAPE '\\'");
	if (q->from > 0) strcat(where, " AND start >= :from");
	if (q->to > 0) strcat(where, " AND start < :to");
	snprintf(sql, sizeof sql, "SELECT " REC_COLS " FROM recordings%s ORDER BY start DESC, id"
	         " LIMIT :limit OFFSET :offset", where);
	if ((r = prep(ix, sql, &st)) != 0)
		goto out;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM recordings%s", where);
	if ((r = prep(ix, sql, &cnt)) != 0)
		goto out;
	/* q: a substring of the note; % and _ in it are literal */
	n = 0;
	like[n++] = '%';
	for (i = 0; q->q[i] && n < (int)sizeof like - 3; i++) {
		if (q->q[i] == '%' || q->q[i] == '_' || q->q[i] == '\\')
			like[n++] = '\\';
		like[n++] = q->q[i];
	}
	like[n++] = '%';
	like[n] = '\0';
	for (i = 0; i < 2; i++) {
		sqlite3_stmt *s = i == 0 ? st : cnt;
		int k;
		if ((k = sqlite3_bind_parameter_index(s, ":caller"))) BIND_T(s, k, q->caller);
		if ((k = sqlite3_bind_parameter_index(s, ":callee"))) BIND_T(s, k, q->callee);
		if ((k = sqlite3_bind_parameter_index(s, ":agent"))) BIND_T(s, k, q->agent);
		if ((k = sqlite3_bind_parameter_index(s, ":marked_by"))) BIND_T(s, k, q->marked_by);
		if ((k = sqlite3_bind_parameter_index(s, ":q"))) BIND_T(s, k, like);
		if ((k = sqlite3_bind_parameter_index(s, ":from")))
			sqlite3_bind_int64(s, k, sec_to_ns(q->from));
		if ((k = sqlite3_bind_parameter_index(s, ":to")))
			sqlite3_bind_int64(s, k, sec_to_ns(q->to));
		if ((k = sqlite3_bind_parameter_index(s, ":limit"))) sqlite3_bind_int64(s, k, limit);
		if ((k = sqlite3_bind_parameter_index(s, ":offset"))) sqlite3_bind_int64(s, k, q->offset);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rec_from_row(st, o);
		if (json_array_append_new(arr, index_rec_json(o)) != 0) {
			r = TR_ERR_NOMEM;     /* never a recording silently left out */
			goto out;
		}
	}
	r = TR_ERR_SYS;
	if (rc != SQLITE_DONE || sqlite3_step(cnt) != SQLITE_ROW)
		goto out;
	res = json_pack("{s:O, s:I}", "recordings", arr, "total", (json_int_t)sqlite3_column_int64(cnt, 0));
	if (res == NULL)
		goto out;
	*resp = res;
	r = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(cnt);
	json_decref(arr);
	free(o);
	return r;
}

int
index_stats(struct index *ix, int64_t *n_rec, int64_t *n_recording, int64_t *last_seal_ns,
            int64_t *bytes)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prep(ix, "SELECT count(*), coalesce(sum(state = 'recording'), 0),"
	              " coalesce(max(sealed_at), 0),"
	              " coalesce(sum(size), 0) FROM recordings", &st)) != 0)
		goto out;
	r = TR_ERR_SYS;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	*n_rec = sqlite3_column_int64(st, 0);
	*n_recording = sqlite3_column_int64(st, 1);
	*last_seal_ns = sqlite3_column_int64(st, 2);
	*bytes = sqlite3_column_int64(st, 3);
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}
