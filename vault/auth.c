/* auth.c - users, sessions and login throttling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "err.h"
#include "log.h"
#include "index.h"
#include "auth.h"

#define NS 1000000000LL

struct throttle {
	char key[96];                 /* "u:name" or "r:remote" */
	uint32_t fails;
	int64_t last_ns;              /* last failure: the lockout runs from here */
	uint32_t refused;             /* refused attempts not yet in an audit row */
	int64_t lock_seen_ns;         /* last_ns of the lockout already audited */
	int64_t logged_ns;            /* when the last audit row for it was due */
};

struct auth {
	sqlite3 *db;
	const struct vconf *c;
	int ref_audit;                /* the last TR_ERR_LIMIT: write an audit row? */
	int ref_start;                /* ... it starts a lockout */
	uint32_t ref_count;           /* ... refused attempts it reports */
	char dummy[crypto_pwhash_STRBYTES];   /* verified against for unknown users (same timing) */
	struct throttle th[AUTH_THROTTLE_MAX];
};

const char *
auth_role_name(enum ipc_role r)
{
	switch (r) {
	case IPC_ROLE_AGENT: return "agent";
	case IPC_ROLE_SUPERVISOR: return "supervisor";
	case IPC_ROLE_INVESTIGATOR: return "investigator";
	case IPC_ROLE_ADMIN: return "admin";
	default: return "none";
	}
}

enum ipc_role
auth_role_parse(const char *s)
{
	int i;
	for (i = IPC_ROLE_AGENT; i <= IPC_ROLE_ADMIN; i++)
		if (strcmp(s, auth_role_name((enum ipc_role)i)) == 0)
			return (enum ipc_role)i;
	return IPC_ROLE_NONE;
}

int
auth_open(sqlite3 *db, const struct vconf *c, struct auth **ap)
{
	struct auth *a = NULL;
	int r = TR_ERR_NOMEM;

	if ((a = calloc(1, sizeof *a)) == NULL)
		goto out;
	a->db = db;
	a->c = c;
	if (crypto_pwhash_str(a->dummy, "threatrec-dummy", 15, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		goto out;
	*ap = a;
	a = NULL;
	r = 0;
out:
	free(a);
	return r;
}

void
auth_close(struct auth *a)
{
	if (a != NULL)
		sodium_memzero(a, sizeof *a);
	free(a);
}

int
auth_pw_make(const char *pass, struct auth_pw *out)
{
	memset(out, 0, sizeof *out);
	if (strlen(pass) < 8 || strlen(pass) > 255)
		return TR_ERR_INVAL;
	if (crypto_pwhash_str(out->hash, pass, strlen(pass), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return TR_ERR_NOMEM;
	return 0;
}

void
auth_pw_clear(struct auth_pw *pw)
{
	sodium_memzero(pw, sizeof *pw);
}

int
auth_role_needs_approval(enum ipc_role role)
{
	return role == IPC_ROLE_INVESTIGATOR || role == IPC_ROLE_ADMIN;
}

int
auth_user_add_pw(struct auth *a, const char *name, const struct auth_pw *pw, enum ipc_role role,
                 const char *extension, const char *pending_by)
{
	sqlite3_stmt *st = NULL;
	int r = TR_ERR_INVAL, rc;

	if (!ipc_name_ok(name, 64) || role < IPC_ROLE_AGENT || role > IPC_ROLE_ADMIN || pw->hash[0] == '\0')
		goto out;
	if (extension[0] != '\0' && !ipc_name_ok(extension, 32))
		goto out;
	if (role == IPC_ROLE_AGENT && extension[0] == '\0')
		goto out;                /* an agent is bound to an extension */
	if (pending_by == NULL)
		pending_by = "";
	r = TR_ERR_SYS;
	/* names that differ only in case are one name: a look-alike account
	 * ("Alice" next to "alice") could mislead the approving admin */
	if (sqlite3_prepare_v2(a->db, "SELECT 1 FROM users WHERE name = ? COLLATE NOCASE", -1, &st,
	                       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = TR_ERR_EXISTS;
	if (rc != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(a->db, "INSERT INTO users (name, hash, role, extension, created, pending_by)"
	                       " VALUES (?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, pw->hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, (int)role);
	sqlite3_bind_text(st, 4, extension, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, index_now_ns() / NS);
	sqlite3_bind_text(st, 6, pending_by, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		r = TR_ERR_EXISTS;
	else if (rc == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
auth_user_add(struct auth *a, const char *name, const char *pass, enum ipc_role role,
              const char *extension)
{
	struct auth_pw pw;
	int r;

	if ((r = auth_pw_make(pass, &pw)) == 0)
		r = auth_user_add_pw(a, name, &pw, role, extension, "");
	auth_pw_clear(&pw);
	return r;
}

int
auth_user_list(struct auth *a, json_t **resp)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int r = TR_ERR_SYS, rc;

	if (arr == NULL)
		return TR_ERR_NOMEM;
	if (sqlite3_prepare_v2(a->db, "SELECT name, role, extension, created, disabled, pending_by,"
	                       " must_change FROM users ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *pend = (const char *)sqlite3_column_text(st, 5);
		char ts[32];
		index_iso8601(sqlite3_column_int64(st, 3) * NS, ts);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s?}",
			"name", (const char *)sqlite3_column_text(st, 0),
			"role", auth_role_name((enum ipc_role)sqlite3_column_int(st, 1)),
			"extension", (const char *)sqlite3_column_text(st, 2), "created", ts,
			"disabled", sqlite3_column_int(st, 4),
			"must_change", sqlite3_column_int(st, 6) != 0,
			"pending_by", pend != NULL && pend[0] != '\0' ? pend : NULL));
	}
	if (rc != SQLITE_DONE)
		goto out;
	*resp = json_pack("{s:O}", "users", arr);
	r = *resp ? 0 : TR_ERR_NOMEM;
out:
	sqlite3_finalize(st);
	json_decref(arr);
	return r;
}

/* --- throttling --- */

static struct throttle *
th_find(struct auth *a, const char *kind, const char *v, bool create)
{
	char key[96];
	struct throttle *oldest = &a->th[0];
	size_t i;

	snprintf(key, sizeof key, "%s:%s", kind, v);
	for (i = 0; i < AUTH_THROTTLE_MAX; i++) {
		if (a->th[i].key[0] != '\0' && strcmp(a->th[i].key, key) == 0)
			return &a->th[i];
		if (a->th[i].last_ns < oldest->last_ns)
			oldest = &a->th[i];
	}
	if (!create)
		return NULL;
	/* Full: the entry failed longest ago makes room (bounded table). */
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->key, sizeof oldest->key, "%s", key);
	return oldest;
}

/* Length of the key's current lockout (ns), 0 if none. After fail_max
 * failures each further one doubles the wait: 1, 2, 4 ... s up to lock_max. */
static int64_t
th_delay(const struct auth *a, const struct throttle *t)
{
	int64_t delay;
	uint32_t over;

	if (t == NULL || t->fails < a->c->login_fail_max)
		return 0;
	over = t->fails - a->c->login_fail_max;
	delay = over >= 30 ? (int64_t)a->c->login_lock_max_ns : (int64_t)(1LL << over) * NS;
	if (delay > (int64_t)a->c->login_lock_max_ns)
		delay = (int64_t)a->c->login_lock_max_ns;
	return delay;
}

/* Seconds the key is still locked out for, 0 if free. */
static int64_t
th_wait(const struct auth *a, const struct throttle *t, int64_t now)
{
	int64_t until;

	if (t == NULL || t->fails < a->c->login_fail_max)
		return 0;
	until = t->last_ns + th_delay(a, t);
	return until > now ? (until - now + NS - 1) / NS : 0;
}

/* A refused attempt on locked key t: one audit row when the lockout
 * starts, then at most one summary row per lockout length with the count. */
static void
th_refused(struct auth *a, struct throttle *t, int64_t now)
{
	a->ref_audit = 0;
	a->ref_start = 0;
	a->ref_count = 0;
	if (t == NULL)
		return;
	t->refused++;
	if (t->lock_seen_ns != t->last_ns) {
		a->ref_audit = 1;
		a->ref_start = 1;
		a->ref_count = t->refused - 1;     /* left over from an earlier lockout */
		t->lock_seen_ns = t->last_ns;
	} else if (now - t->logged_ns >= th_delay(a, t)) {
		a->ref_audit = 1;
		a->ref_count = t->refused;
	}
	if (a->ref_audit) {
		t->refused = 0;
		t->logged_ns = now;
	}
}

int
auth_refusal_audit(struct auth *a, uint32_t *countp, int *startp)
{
	*countp = a->ref_count;
	*startp = a->ref_start;
	return a->ref_audit;
}

static void
th_fail(struct auth *a, const char *kind, const char *v, int64_t now)
{
	struct throttle *t = th_find(a, kind, v, true);
	t->fails++;
	t->last_ns = now;
}

int
auth_user_del(struct auth *a, const char *name)
{
	sqlite3_stmt *st = NULL;
	int r = TR_ERR_SYS;

	if (sqlite3_prepare_v2(a->db, "DELETE FROM users WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = sqlite3_changes(a->db) == 1 ? 0 : TR_ERR_NOTFOUND;
out:
	sqlite3_finalize(st);
	return r;
}

/* Runs sql with ?1 = name (and ?2 = text2 when given); TR_ERR_NOTFOUND when
 * no user row changed. */
static int
user_update(struct auth *a, const char *sql, const char *name, const char *text2)
{
	sqlite3_stmt *st = NULL;
	int r = TR_ERR_SYS;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (text2 != NULL)
		sqlite3_bind_text(st, 2, text2, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = sqlite3_changes(a->db) >= 1 ? 0 : TR_ERR_NOTFOUND;
out:
	sqlite3_finalize(st);
	return r;
}

int
auth_user_disable(struct auth *a, const char *name, int disabled)
{
	int r = user_update(a, disabled ? "UPDATE users SET disabled = 1 WHERE name = ?1 AND disabled = 0" :
	                    "UPDATE users SET disabled = 0 WHERE name = ?1 AND disabled = 1", name, NULL);

	/* already so (no change, no audit row) or no such user */
	if (r == TR_ERR_NOTFOUND &&
	    user_update(a, "UPDATE users SET disabled = disabled WHERE name = ?1", name, NULL) == 0)
		r = TR_ERR_EXISTS;
	if (r == 0 && disabled)
		user_update(a, "DELETE FROM sessions WHERE user = ?1", name, NULL);
	return r;
}

int
auth_user_approve(struct auth *a, const char *name, const char *approver, char *added_by)
{
	sqlite3_stmt *st = NULL;
	int r = TR_ERR_SYS, rc;

	added_by[0] = '\0';
	if (sqlite3_prepare_v2(a->db, "SELECT pending_by, disabled FROM users WHERE name = ?"
	                       " AND pending_by != ''", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = TR_ERR_NOTFOUND;
	if (rc != SQLITE_ROW)
		goto out;
	snprintf(added_by, 64, "%s", (const char *)sqlite3_column_text(st, 0));
	r = TR_ERR_INVAL;
	if (sqlite3_column_int(st, 1) != 0)
		goto out;                /* disabled: enabled first, then approved */
	r = TR_ERR_PERM;
	if (strcmp(added_by, approver) == 0)
		goto out;                /* the second admin must be a different one */
	r = user_update(a, "UPDATE users SET pending_by = '' WHERE name = ?1", name, NULL);
out:
	sqlite3_finalize(st);
	return r;
}

int
auth_user_passwd_pw(struct auth *a, const char *name, const struct auth_pw *pw)
{
	int r = TR_ERR_INVAL;

	if (pw->hash[0] == '\0')
		goto out;
	if ((r = user_update(a, "UPDATE users SET hash = ?2 WHERE name = ?1", name, pw->hash)) == 0)
		user_update(a, "DELETE FROM sessions WHERE user = ?1", name, NULL);
out:
	return r;
}

int
auth_user_passwd(struct auth *a, const char *name, const char *pass)
{
	struct auth_pw pw;
	int r;

	if ((r = auth_pw_make(pass, &pw)) == 0)
		r = auth_user_passwd_pw(a, name, &pw);
	auth_pw_clear(&pw);
	return r;
}

static void
th_reset(struct auth *a, const char *kind, const char *v)
{
	struct throttle *t = th_find(a, kind, v, false);
	if (t != NULL)
		memset(t, 0, sizeof *t);
}

static void
hash_token(const char *token, char out[AUTH_HEX_LEN + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const uint8_t *)token, strlen(token));
	sodium_bin2hex(out, AUTH_HEX_LEN + 1, h, sizeof h);
}

int
auth_login(struct auth *a, const char *user, const char *pass, const char *remote,
           struct auth_user *u, char *token, char *csrf, int64_t *retry_sp)
{
	sqlite3_stmt *st = NULL;
	char hash[crypto_pwhash_STRBYTES] = "", th[AUTH_HEX_LEN + 1];
	uint8_t rnd[32];
	int64_t now = index_now_ns(), w1, w2;
	int found = 0, pending = 0, ok, r = TR_ERR_SYS, rc;

	*retry_sp = 0;
	w1 = th_wait(a, th_find(a, "u", user, false), now);
	w2 = th_wait(a, th_find(a, "r", remote, false), now);
	if (w1 > 0 || w2 > 0) {
		*retry_sp = w1 > w2 ? w1 : w2;
		th_refused(a, w1 >= w2 ? th_find(a, "u", user, false) : th_find(a, "r", remote, false), now);
		r = TR_ERR_LIMIT;
		goto out;
	}
	memset(u, 0, sizeof *u);
	if (sqlite3_prepare_v2(a->db, "SELECT name, hash, role, extension, pending_by != '', must_change"
	                       " FROM users WHERE name = ? AND disabled = 0", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		found = 1;
		snprintf(u->name, sizeof u->name, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(st, 1));
		u->role = (enum ipc_role)sqlite3_column_int(st, 2);
		snprintf(u->extension, sizeof u->extension, "%s", (const char *)sqlite3_column_text(st, 3));
		pending = sqlite3_column_int(st, 4);
		u->must_change = sqlite3_column_int(st, 5) != 0;
	} else if (rc != SQLITE_DONE) {
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	ok = crypto_pwhash_str_verify(found ? hash : a->dummy, pass, strlen(pass)) == 0 && found;
	if (!ok) {
		th_fail(a, "u", user, now);
		th_fail(a, "r", remote, now);
		r = TR_ERR_PERM;
		goto out;
	}
	th_reset(a, "u", user);
	th_reset(a, "r", remote);
	if (pending) {
		/* said only to whoever knows the password */
		r = TR_ERR_PENDING;
		goto out;
	}
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(token, AUTH_HEX_LEN + 1, rnd, sizeof rnd);
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(csrf, AUTH_HEX_LEN + 1, rnd, sizeof rnd);
	hash_token(token, th);
	if (sqlite3_prepare_v2(a->db, "INSERT INTO sessions (token_hash, user, csrf, created, last_seen,"
	                       " remote) VALUES (?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, th, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, u->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, remote, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	r = 0;
out:
	sqlite3_finalize(st);
	sodium_memzero(hash, sizeof hash);
	sodium_memzero(rnd, sizeof rnd);
	return r;
}

static int
token_ok(const char *token)
{
	size_t i;
	if (strlen(token) != AUTH_HEX_LEN)
		return 0;
	for (i = 0; i < AUTH_HEX_LEN; i++)
		if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
			return 0;
	return 1;
}

int
auth_session(struct auth *a, const char *token, struct auth_user *u, char *csrf)
{
	sqlite3_stmt *st = NULL;
	char th[AUTH_HEX_LEN + 1];
	int64_t now = index_now_ns(), created, last;
	int r = TR_ERR_PERM, rc;

	if (!token_ok(token))
		goto out;
	hash_token(token, th);
	memset(u, 0, sizeof *u);
	r = TR_ERR_SYS;
	if (sqlite3_prepare_v2(a->db, "SELECT s.created, s.last_seen, s.csrf, u.name, u.role, u.extension,"
	                       " u.must_change FROM sessions s JOIN users u ON u.name = s.user"
	                       " WHERE s.token_hash = ? AND u.disabled = 0 AND u.pending_by = ''", -1, &st,
	                       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, th, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? TR_ERR_PERM : TR_ERR_SYS;
		goto out;
	}
	created = sqlite3_column_int64(st, 0);
	last = sqlite3_column_int64(st, 1);
	snprintf(csrf, AUTH_HEX_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 2));
	snprintf(u->name, sizeof u->name, "%s", (const char *)sqlite3_column_text(st, 3));
	u->role = (enum ipc_role)sqlite3_column_int(st, 4);
	snprintf(u->extension, sizeof u->extension, "%s", (const char *)sqlite3_column_text(st, 5));
	u->must_change = sqlite3_column_int(st, 6) != 0;
	sqlite3_finalize(st);
	st = NULL;
	if (now - last > (int64_t)a->c->session_idle_ns || now - created > (int64_t)a->c->session_max_ns) {
		auth_logout(a, token);
		r = TR_ERR_PERM;
		goto out;
	}
	/* Refresh last_seen at most every 10 s: each write is an fsync. */
	if (now - last > 10 * NS &&
	    sqlite3_prepare_v2(a->db, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", -1,
	                       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, th, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
	}
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
auth_logout(struct auth *a, const char *token)
{
	sqlite3_stmt *st = NULL;
	char th[AUTH_HEX_LEN + 1];
	int r = TR_ERR_SYS;

	if (!token_ok(token))
		return TR_ERR_PERM;
	hash_token(token, th);
	if (sqlite3_prepare_v2(a->db, "DELETE FROM sessions WHERE token_hash = ?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, th, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

void
auth_expire(struct auth *a)
{
	sqlite3_stmt *st = NULL;
	int64_t now = index_now_ns();

	if (sqlite3_prepare_v2(a->db, "DELETE FROM sessions WHERE last_seen < ? OR created < ?", -1,
	                       &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, now - (int64_t)a->c->session_idle_ns);
	sqlite3_bind_int64(st, 2, now - (int64_t)a->c->session_max_ns);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

int
auth_user_must_change(struct auth *a, const char *name, int on)
{
	return user_update(a, on ? "UPDATE users SET must_change = 1 WHERE name = ?1" :
	                   "UPDATE users SET must_change = 0 WHERE name = ?1", name, NULL);
}

int
auth_user_check_pw(struct auth *a, const char *name, const char *old, const char *new_pass,
                   int64_t *retry_sp)
{
	struct throttle *t = th_find(a, "u", name, false);
	sqlite3_stmt *st = NULL;
	char hash[crypto_pwhash_STRBYTES] = "";
	int64_t now = index_now_ns();
	int r = TR_ERR_SYS, rc;

	a->ref_audit = 0;
	*retry_sp = th_wait(a, t, now);
	if (*retry_sp > 0) {
		th_refused(a, t, now);     /* for auth_refusal_audit */
		r = TR_ERR_LIMIT;
		goto out;
	}
	if (sqlite3_prepare_v2(a->db, "SELECT hash FROM users WHERE name = ? AND disabled = 0", -1, &st,
	                       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = TR_ERR_NOTFOUND;
	if (rc != SQLITE_ROW)
		goto out;
	snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(st, 0));
	if (crypto_pwhash_str_verify(hash, old, strlen(old)) != 0) {
		/* the same budget as logins: a stolen session cannot guess faster */
		th_fail(a, "u", name, now);
		r = TR_ERR_PERM;
		goto out;
	}
	th_reset(a, "u", name);
	r = strcmp(old, new_pass) == 0 ? TR_ERR_INVAL : 0;
out:
	sqlite3_finalize(st);
	sodium_memzero(hash, sizeof hash);
	return r;
}

int
auth_user_replace_pw(struct auth *a, const char *name, const struct auth_pw *pw, const char *keep_token)
{
	sqlite3_stmt *st = NULL;
	char th[AUTH_HEX_LEN + 1];
	int r = TR_ERR_INVAL;

	if (!token_ok(keep_token) || pw->hash[0] == '\0')
		goto out;
	if ((r = user_update(a, "UPDATE users SET hash = ?2, must_change = 0 WHERE name = ?1", name,
	                     pw->hash)) != 0)
		goto out;
	/* every other session of the user ends: whoever knew the old password
	 * (the admin who set it, a thief) is logged out */
	hash_token(keep_token, th);
	r = TR_ERR_SYS;
	if (sqlite3_prepare_v2(a->db, "DELETE FROM sessions WHERE user = ? AND token_hash != ?", -1, &st,
	                       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, th, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
auth_user_enable(struct auth *a, const char *name, const char *pending_by, int *pendingp)
{
	sqlite3_stmt *st = NULL;
	int r = TR_ERR_SYS, rc;

	*pendingp = 0;
	if (sqlite3_prepare_v2(a->db, "SELECT role, pending_by FROM users WHERE name = ? AND disabled = 1", -1, &st,
	                       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = TR_ERR_NOTFOUND;
	if (rc != SQLITE_ROW)
		goto out;
	*pendingp = sqlite3_column_text(st, 1)[0] != '\0' ||
	            (pending_by[0] != '\0' &&
	             auth_role_needs_approval((enum ipc_role)sqlite3_column_int(st, 0)));
	/* an account that still awaited approval keeps its first pending_by
	 * (the admin who added it): else re-enabling would hand the approval
	 * to the adder */
	r = user_update(a, "UPDATE users SET disabled = 0,"
	                " pending_by = CASE WHEN pending_by != '' THEN pending_by ELSE ?2 END"
	                " WHERE name = ?1", name, *pendingp ? pending_by : "");
out:
	sqlite3_finalize(st);
	return r;
}
