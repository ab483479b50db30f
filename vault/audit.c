/* audit.c - hash-chained, signed audit rows in SQLite. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/file.h>
#include <sodium.h>
#include "err.h"
#include "log.h"
#include "index.h"
#include "audit.h"
#include "utf8.h"

#define HLEN crypto_hash_sha256_BYTES

struct audit {
	sqlite3 *db;
	const struct keys *k;
	char head_path[AUDIT_PATH_MAX];   /* "" = no head file */
	int  in_tx;                       /* audit_begin: the caller's transaction is open */
	int64_t pend_seq;                 /* rows appended in it: anchored at audit_commit */
	char pend_hash[2 * 32 + 1];
	char pend_action[64];
	char pend_object[160];
};

#define HEAD_MAGIC "threatrec-audit-head-1"

static void
be64(uint8_t *p, uint64_t v)
{
	int i;
	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void
row_hash(const uint8_t prev[HLEN], int64_t seq, int64_t ts, const char *const f[4], uint8_t out[HLEN])
{
	crypto_hash_sha256_state st;
	uint8_t b[8];
	int i;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, prev, HLEN);
	be64(b, (uint64_t)seq);
	crypto_hash_sha256_update(&st, b, 8);
	be64(b, (uint64_t)ts);
	crypto_hash_sha256_update(&st, b, 8);
	for (i = 0; i < 4; i++) {
		size_t n = strlen(f[i]);
		b[0] = (uint8_t)(n >> 24); b[1] = (uint8_t)(n >> 16); b[2] = (uint8_t)(n >> 8); b[3] = (uint8_t)n;
		crypto_hash_sha256_update(&st, b, 4);
		crypto_hash_sha256_update(&st, (const uint8_t *)f[i], n);
	}
	crypto_hash_sha256_final(&st, out);
}

static int
unhex(const unsigned char *hex, uint8_t *out, size_t n)
{
	size_t got = 0;
	if (hex == NULL || strlen((const char *)hex) != 2 * n ||
	    sodium_hex2bin(out, n, (const char *)hex, 2 * n, NULL, &got, NULL) != 0 || got != n)
		return TR_ERR_INVAL;
	return 0;
}

int
audit_open(sqlite3 *db, const struct keys *k, struct audit **ap)
{
	struct audit *a = NULL;
	int r = TR_ERR_NOMEM;

	if ((a = calloc(1, sizeof *a)) == NULL)
		goto out;
	a->db = db;
	a->k = k;
	*ap = a;
	a = NULL;
	r = 0;
out:
	free(a);
	return r;
}

void
audit_close(struct audit *a)
{
	free(a);
}

int
audit_set_head_file(struct audit *a, const char *path)
{
	if (path == NULL) {
		a->head_path[0] = '\0';
		return 0;
	}
	if (strlen(path) >= sizeof a->head_path)
		return TR_ERR_INVAL;
	snprintf(a->head_path, sizeof a->head_path, "%s", path);
	return 0;
}

/* The text that the head file's signature covers. */
static void
head_text(int64_t seq, const char *hash_hex, char *out, size_t n)
{
	snprintf(out, n, HEAD_MAGIC " %lld %s", (long long)seq, hash_hex);
}

/* Parses "MAGIC SEQ HASH SIG\n" and checks the signature. */
static int
head_parse(const char *txt, const uint8_t *sign_pk, int64_t *seqp, uint8_t hash[HLEN])
{
	char magic[32], hh[2 * HLEN + 2], sh[2 * crypto_sign_BYTES + 2], signed_txt[160];
	uint8_t sig[crypto_sign_BYTES];
	long long seq = 0;
	int r = TR_ERR_INVAL;

	if (sscanf(txt, "%31s %lld %65s %129s", magic, &seq, hh, sh) != 4 || strcmp(magic, HEAD_MAGIC) != 0 ||
	    seq < 1 || unhex((const unsigned char *)hh, hash, HLEN) != 0 ||
	    unhex((const unsigned char *)sh, sig, sizeof sig) != 0)
		goto out;
	head_text(seq, hh, signed_txt, sizeof signed_txt);
	r = TR_ERR_CRYPTO;
	if (crypto_sign_verify_detached(sig, (const uint8_t *)signed_txt, strlen(signed_txt), sign_pk) != 0)
		goto out;
	*seqp = seq;
	r = 0;
out:
	return r;
}

static int
head_read_fd(int fd, char *buf, size_t n)
{
	ssize_t got = pread(fd, buf, n - 1, 0);
	if (got < 0)
		return TR_ERR_SYS;
	buf[got] = '\0';
	return 0;
}

/* Writes the head file under an flock; a process that committed an older
 * row after another one wrote a newer head never moves the head back. */
static int
head_write(struct audit *a, int64_t seq, const char *hash_hex)
{
	char txt[160], line[400], old[400], sh[2 * crypto_sign_BYTES + 1];
	uint8_t sig[crypto_sign_BYTES], oh[HLEN];
	int64_t oseq = 0;
	int fd = -1, r = TR_ERR_SYS;
	size_t n;

	if (a->head_path[0] == '\0')
		return 0;
	head_text(seq, hash_hex, txt, sizeof txt);
	crypto_sign_detached(sig, NULL, (const uint8_t *)txt, strlen(txt), a->k->sign_sk);
	sodium_bin2hex(sh, sizeof sh, sig, sizeof sig);
	snprintf(line, sizeof line, "%s %s\n", txt, sh);
	n = strlen(line);
	if ((fd = open(a->head_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 ||
	    flock(fd, LOCK_EX) != 0 || head_read_fd(fd, old, sizeof old) != 0)
		goto out;
	if (head_parse(old, a->k->sign_pk, &oseq, oh) == 0 && oseq >= seq) {
		r = 0;                   /* a newer head is already there */
		goto out;
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, line, n, 0) != (ssize_t)n || fdatasync(fd) != 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		log_err_f("%s: cannot write the audit head: %s", a->head_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

static void
rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* The outside witness: one syslog line per row. Action and object can hold
 * text from the network (a user name typed at the login page, a Call-ID):
 * escaped, so that no row can forge or split an anchor line. */
static void
anchor_syslog(int64_t seq, const char *action, const char *object, const char *hash)
{
	char ea[4 * 64], eo[4 * 256];

	log_escape(ea, sizeof ea, action);
	log_escape(eo, sizeof eo, object);
	syslog(LOG_AUTH | LOG_INFO, "threatrec audit row %lld %s %s hash %s", (long long)seq, ea, eo, hash);
}

int
audit_append(struct audit *a, const char *actor, const char *action, const char *object,
             const char *detail)
{
	const char *f[4] = { actor ? actor : "", action ? action : "", object ? object : "",
	                     detail ? detail : "" };
	char *clean[4] = { NULL, NULL, NULL, NULL };
	uint8_t h[HLEN], head[HLEN] = { 0 }, sig[crypto_sign_BYTES];
	char hh[2 * HLEN + 1], ph[2 * HLEN + 1], sh[2 * crypto_sign_BYTES + 1];
	sqlite3_stmt *st = NULL;
	int64_t seq = 1, ts = index_now_ns();
	int r = TR_ERR_SYS, rc;

	/* Rows carry wire text (Call-IDs, numbers): stored as well-formed
	 * UTF-8 (\xHH for other bytes), so every row can be listed as JSON. */
	for (int i = 0; i < 4; i++)
		if (!utf8_valid(f[i], SIZE_MAX)) {
			if ((clean[i] = utf8_clean_dup(f[i])) == NULL) {
				r = TR_ERR_NOMEM;
				goto out;
			}
			f[i] = clean[i];
		}
	/* The chain head is read inside the write transaction that appends:
	 * any number of processes (the daemon, `useradd` ...) can append.
	 * Inside audit_begin the caller's transaction is that transaction. */
	if (!a->in_tx && sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(a->db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1, &st,
	                       NULL) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0) + 1;
		if (unhex(sqlite3_column_text(st, 1), head, HLEN) != 0) {
			log_err_f("audit row %lld: bad hash", (long long)(seq - 1));
			r = TR_ERR_CRYPTO;
			goto out;
		}
	} else if (rc != SQLITE_DONE) {
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	row_hash(head, seq, ts, f, h);
	crypto_sign_detached(sig, NULL, h, HLEN, a->k->sign_sk);
	sodium_bin2hex(hh, sizeof hh, h, HLEN);
	sodium_bin2hex(ph, sizeof ph, head, HLEN);
	sodium_bin2hex(sh, sizeof sh, sig, sizeof sig);
	if (sqlite3_prepare_v2(a->db, "INSERT INTO audit (seq, ts, actor, action, object, detail,"
	                       " prev_hash, hash, sig) VALUES (?,?,?,?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_text(st, 3, f[0], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, f[1], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, f[2], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, f[3], -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, ph, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, hh, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, sh, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (a->in_tx) {
		/* anchored when the caller's transaction commits */
		a->pend_seq = seq;
		snprintf(a->pend_hash, sizeof a->pend_hash, "%s", hh);
		snprintf(a->pend_action, sizeof a->pend_action, "%s", f[1]);
		snprintf(a->pend_object, sizeof a->pend_object, "%s", f[2]);
		r = 0;
		goto out;
	}
	if (sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	/* Anchors outside the database: the signed head file, and syslog
	 * (shipped off the host, the outside witness). */
	head_write(a, seq, hh);
	anchor_syslog(seq, f[1], f[2], hh);
	r = 0;
out:
	sqlite3_finalize(st);
	if (r != 0) {
		log_err_f("audit row (%s %s) not written: %s", f[1], f[2], sqlite3_errmsg(a->db));
		if (!a->in_tx)
			rollback(a->db);
	}
	for (int i = 0; i < 4; i++)
		free(clean[i]);
	return r;
}

int
audit_begin(struct audit *a)
{
	if (a->in_tx || sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return TR_ERR_SYS;
	a->in_tx = 1;
	a->pend_seq = 0;
	return 0;
}

int
audit_commit(struct audit *a)
{
	int r = TR_ERR_SYS;

	if (!a->in_tx)
		return TR_ERR_INVAL;
	if (sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_err_f("audit: commit failed: %s", sqlite3_errmsg(a->db));
		rollback(a->db);
		goto out;
	}
	if (a->pend_seq != 0) {
		head_write(a, a->pend_seq, a->pend_hash);
		anchor_syslog(a->pend_seq, a->pend_action, a->pend_object, a->pend_hash);
	}
	r = 0;
out:
	a->in_tx = 0;
	a->pend_seq = 0;
	return r;
}

void
audit_abort(struct audit *a)
{
	if (a->in_tx)
		rollback(a->db);
	a->in_tx = 0;
	a->pend_seq = 0;
}

int
audit_head_check(sqlite3 *db, const uint8_t *sign_pk, const char *path, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	char txt[400];
	uint8_t hh[HLEN], rowh[HLEN];
	int64_t hseq = 0, last = 0;
	int r = TR_ERR_SYS, fd = -1, rc;

	snprintf(why, whylen, "ok");
	if (sqlite3_prepare_v2(db, "SELECT max(seq) FROM audit", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		snprintf(why, whylen, "cannot read the audit table: %s", sqlite3_errmsg(db));
		goto out;
	}
	last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	r = TR_ERR_CRYPTO;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT && last == 0) {
			r = 0;
			goto out;
		}
		snprintf(why, whylen, "%s: %s (the signed chain head is written after every row)", path,
		         strerror(errno));
		goto out;
	}
	if (head_read_fd(fd, txt, sizeof txt) != 0 || head_parse(txt, sign_pk, &hseq, hh) != 0) {
		snprintf(why, whylen, "%s is not a head file signed by this vault's audit key", path);
		goto out;
	}
	if (hseq > last) {
		snprintf(why, whylen, "audit rows %lld..%lld missing: %s names row %lld as the last, "
		         "the database ends at row %lld", (long long)(last + 1), (long long)hseq, path,
		         (long long)hseq, (long long)last);
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT hash FROM audit WHERE seq = ?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, hseq);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || unhex(sqlite3_column_text(st, 0), rowh, HLEN) != 0 ||
	    sodium_memcmp(rowh, hh, HLEN) != 0) {
		snprintf(why, whylen, "audit row %lld differs from the hash in %s (chain rewritten)",
		         (long long)hseq, path);
		goto out;
	}
	snprintf(why, whylen, hseq == last ? "row %lld matches %s" :
	         "row %lld matches %s (%lld newer rows: the head file is written after each commit)",
	         (long long)hseq, path, (long long)(last - hseq));
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	sqlite3_finalize(st);
	return r;
}

#define WHY(...) snprintf(why, whylen, __VA_ARGS__)

int
audit_verify(sqlite3 *db, const uint8_t *sign_pk, int64_t *bad_seqp, int64_t *n_rowsp,
             char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	uint8_t prev[HLEN] = { 0 }, h[HLEN], want[HLEN], sig[crypto_sign_BYTES];
	int64_t expect = 1, n = 0;
	int r = TR_ERR_SYS, rc;

	*bad_seqp = 0;
	WHY("ok");
	if (sqlite3_prepare_v2(db, "SELECT seq, ts, actor, action, object, detail, prev_hash, hash, sig"
	                       " FROM audit ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		WHY("cannot read the audit table: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0), ts = sqlite3_column_int64(st, 1);
		const char *f[4];
		int i;
		for (i = 0; i < 4; i++) {
			f[i] = (const char *)sqlite3_column_text(st, 2 + i);
			if (f[i] == NULL)
				f[i] = "";
		}
		r = TR_ERR_CRYPTO;
		*bad_seqp = seq;
		if (seq != expect) {
			*bad_seqp = expect;
			WHY("row %lld missing (next row is %lld)", (long long)expect, (long long)seq);
			goto out;
		}
		if (unhex(sqlite3_column_text(st, 6), h, HLEN) != 0 || sodium_memcmp(h, prev, HLEN) != 0) {
			WHY("prev_hash does not match the row before");
			goto out;
		}
		row_hash(prev, seq, ts, f, want);
		if (unhex(sqlite3_column_text(st, 7), h, HLEN) != 0 || sodium_memcmp(h, want, HLEN) != 0) {
			WHY("hash does not match the row's contents (row edited)");
			goto out;
		}
		if (unhex(sqlite3_column_text(st, 8), sig, sizeof sig) != 0 ||
		    crypto_sign_verify_detached(sig, want, HLEN, sign_pk) != 0) {
			WHY("signature does not verify");
			goto out;
		}
		memcpy(prev, want, HLEN);
		expect++;
		n++;
	}
	if (rc != SQLITE_DONE) {
		r = TR_ERR_SYS;
		WHY("sqlite: %s", sqlite3_errmsg(db));
		goto out;
	}
	*bad_seqp = 0;
	*n_rowsp = n;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
audit_list(sqlite3 *db, uint32_t limit, uint32_t offset, const char *action, json_t **resp)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int64_t total = 0;
	int r = TR_ERR_SYS, rc;

	if (limit == 0 || limit > 500)
		limit = 100;
	if ((arr = json_array()) == NULL)
		return TR_ERR_NOMEM;
	if (action == NULL)
		action = "";
	/* ?1 = '' means every action */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM audit WHERE ?1 = '' OR action = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, action, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT seq, ts, actor, action, object, detail, hash FROM audit"
	                       " WHERE ?3 = '' OR action = ?3 ORDER BY seq DESC LIMIT ?1 OFFSET ?2", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, limit);
	sqlite3_bind_int64(st, 2, offset);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char ts[32], *t[5] = { NULL, NULL, NULL, NULL, NULL };
		json_t *row;
		int i, ok = 1;

		index_iso8601(sqlite3_column_int64(st, 1), ts);
		/* rows written before text was cleaned on append may hold bytes
		 * that are not UTF-8: listed cleaned, never left out */
		for (i = 0; i < 5; i++) {
			const char *v = (const char *)sqlite3_column_text(st, 2 + i);
			if ((t[i] = utf8_clean_dup(v != NULL ? v : "")) == NULL)
				ok = 0;
		}
		row = ok ? json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
			"seq", (json_int_t)sqlite3_column_int64(st, 0), "ts", ts, "actor", t[0],
			"action", t[1], "object", t[2], "detail", t[3], "hash", t[4]) : NULL;
		for (i = 0; i < 5; i++)
			free(t[i]);
		if (row == NULL || json_array_append_new(arr, row) != 0) {
			r = TR_ERR_NOMEM;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		goto out;
	*resp = json_pack("{s:O, s:I}", "audit", arr, "total", (json_int_t)total);
	r = *resp ? 0 : TR_ERR_NOMEM;
out:
	sqlite3_finalize(st);
	json_decref(arr);
	return r;
}

char *
audit_last_detail(struct audit *a, const char *action)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	char *out = NULL;

	if (sqlite3_prepare_v2(a->db, "SELECT detail FROM audit WHERE action = ?1 ORDER BY seq DESC LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, action, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW && (t = sqlite3_column_text(st, 0)) != NULL)
		out = strdup((const char *)t);
out:
	sqlite3_finalize(st);
	return out;
}
