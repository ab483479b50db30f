/* audit.c - hash-chained, signed audit rows in SQLite. */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sodium.h>
#include "err.h"
#include "log.h"
#include "index.h"
#include "audit.h"

#define HLEN crypto_hash_sha256_BYTES

struct audit {
	sqlite3 *db;
	const struct keys *k;
	int64_t seq;                  /* last row's seq, 0 when empty */
	uint8_t head[HLEN];           /* last row's hash */
};

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
	sqlite3_stmt *st = NULL;
	int r = TR_ERR_NOMEM, rc;

	if ((a = calloc(1, sizeof *a)) == NULL)
		goto out;
	a->db = db;
	a->k = k;
	r = TR_ERR_SYS;
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		a->seq = sqlite3_column_int64(st, 0);
		if (unhex(sqlite3_column_text(st, 1), a->head, HLEN) != 0) {
			log_err_f("audit row %lld: bad hash", (long long)a->seq);
			r = TR_ERR_CRYPTO;
			goto out;
		}
	} else if (rc != SQLITE_DONE) {
		goto out;
	}
	*ap = a;
	a = NULL;
	r = 0;
out:
	sqlite3_finalize(st);
	free(a);
	return r;
}

void
audit_close(struct audit *a)
{
	free(a);
}

int
audit_append(struct audit *a, const char *actor, const char *action, const char *object,
             const char *detail)
{
	const char *f[4] = { actor ? actor : "", action ? action : "", object ? object : "",
	                     detail ? detail : "" };
	uint8_t h[HLEN], sig[crypto_sign_BYTES];
	char hh[2 * HLEN + 1], ph[2 * HLEN + 1], sh[2 * crypto_sign_BYTES + 1];
	sqlite3_stmt *st = NULL;
	int64_t seq = a->seq + 1, ts = index_now_ns();
	int r = TR_ERR_SYS;

	row_hash(a->head, seq, ts, f, h);
	crypto_sign_detached(sig, NULL, h, HLEN, a->k->sign_sk);
	sodium_bin2hex(hh, sizeof hh, h, HLEN);
	sodium_bin2hex(ph, sizeof ph, a->head, HLEN);
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
	if (sqlite3_step(st) != SQLITE_DONE) {
		log_err_f("audit insert: %s", sqlite3_errmsg(a->db));
		goto out;
	}
	a->seq = seq;
	memcpy(a->head, h, HLEN);
	/* An anchor outside the database: with syslog shipped off the host,
	 * cutting the newest rows (and what they mention) shows. */
	syslog(LOG_AUTH | LOG_INFO, "threatrec audit row %lld %s %s hash %s", (long long)seq, f[1], f[2], hh);
	r = 0;
out:
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
audit_list(sqlite3 *db, uint32_t limit, uint32_t offset, json_t **resp)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int64_t total = 0;
	int r = TR_ERR_SYS, rc;

	if (limit == 0 || limit > 500)
		limit = 100;
	if ((arr = json_array()) == NULL)
		return TR_ERR_NOMEM;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM audit", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT seq, ts, actor, action, object, detail, hash FROM audit"
	                       " ORDER BY seq DESC LIMIT ? OFFSET ?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, limit);
	sqlite3_bind_int64(st, 2, offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char ts[32];
		index_iso8601(sqlite3_column_int64(st, 1), ts);
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
			"seq", (json_int_t)sqlite3_column_int64(st, 0), "ts", ts,
			"actor", (const char *)sqlite3_column_text(st, 2),
			"action", (const char *)sqlite3_column_text(st, 3),
			"object", (const char *)sqlite3_column_text(st, 4),
			"detail", (const char *)sqlite3_column_text(st, 5),
			"hash", (const char *)sqlite3_column_text(st, 6)));
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
