/* auth.h - vault users (Argon2id, crypto_pwhash_str), sessions (random
 * 32-byte token, stored only as its SHA-256; CSRF token; idle and absolute
 * expiry) and login throttling (per user and per remote address, in
 * memory, bounded). Login may block ~0.1 s (Argon2id).
 */
#ifndef TR_AUTH_H
#define TR_AUTH_H

#include <stdint.h>
#include <sqlite3.h>
#include <jansson.h>
#include <sodium.h>
#include "ipc.h"
#include "vconf.h"

#define AUTH_THROTTLE_MAX 1024
#define AUTH_HEX_LEN      64

struct auth_user {
	char name[64];
	enum ipc_role role;
	char extension[32];
	int must_change;           /* the password was set by someone else: the session
	                              may only replace it (auth_user_change_pw) or log out */
};

struct auth;

/* Borrows db and c. */
int  auth_open(sqlite3 *db, const struct vconf *c, struct auth **ap);
void auth_close(struct auth *);          /* NULL-safe */

/* A password hashed (Argon2id, crypto_pwhash_str), ready to store. Made
 * before a transaction opens: hashing takes about 0.1 s and 64 MiB, and
 * the SQLite write lock should not be held meanwhile. */
struct auth_pw {
	char hash[crypto_pwhash_STRBYTES];
};
/* TR_ERR_INVAL (not 8-255 bytes) or TR_ERR_NOMEM. Wipe with auth_pw_clear. */
int  auth_pw_make(const char *pass, struct auth_pw *out);
void auth_pw_clear(struct auth_pw *);

/* Adds a user; TR_ERR_EXISTS, TR_ERR_INVAL (bad name/role/extension, short password).
 * pending_by: "" for an active account, else the admin who added it: the
 * account cannot log in until another admin approves it (auth_user_approve). */
int  auth_user_add(struct auth *, const char *name, const char *pass, enum ipc_role role,
                   const char *extension);
int  auth_user_add_pw(struct auth *, const char *name, const struct auth_pw *pw, enum ipc_role role,
                      const char *extension, const char *pending_by);
/* Requires (1) or drops (0) a password change at the user's next login.
 * TR_ERR_NOTFOUND for an unknown user. */
int  auth_user_must_change(struct auth *, const char *name, int on);
/* A user replacing their own password, step one (before the write
 * transaction: it takes 0.1 s): checks old as a login would, failures
 * throttled with that user's logins, and that new_pass differs from it.
 * TR_ERR_PERM (wrong old password), TR_ERR_LIMIT (throttled, *retry_sp
 * seconds), TR_ERR_INVAL (new equals old), TR_ERR_NOTFOUND. */
int  auth_user_check_pw(struct auth *, const char *name, const char *old, const char *new_pass,
                        int64_t *retry_sp);
/* Step two: stores pw, clears must_change and ends the user's other
 * sessions (keep_token's stays). TR_ERR_NOTFOUND, TR_ERR_INVAL. */
int  auth_user_replace_pw(struct auth *, const char *name, const struct auth_pw *pw,
                          const char *keep_token);
/* Whether an account of this role added by an admin through the web UI
 * waits for a second admin (investigators reach recordings; admins add
 * accounts and approve them). */
int  auth_role_needs_approval(enum ipc_role role);
/* Activates an account awaiting approval. approver "" = the machine's
 * operator (command line). TR_ERR_NOTFOUND: no such account awaiting
 * approval; TR_ERR_INVAL: it is disabled (enable it first); TR_ERR_PERM:
 * approver is the admin whose act awaits a second admin (who added the
 * account, or enabled it again). *added_by (64 bytes) gets that name. */
int  auth_user_approve(struct auth *, const char *name, const char *approver, char *added_by);
/* Removes a user row (undo of an add whose audit row failed). TR_ERR_NOTFOUND. */
int  auth_user_del(struct auth *, const char *name);
/* Disables (1) or enables (0) a user; disabling ends their sessions.
 * TR_ERR_NOTFOUND for an unknown user, TR_ERR_EXISTS if it already is so. */
int  auth_user_disable(struct auth *, const char *name, int disabled);
/* Enables a disabled account again; an investigator or admin account then
 * awaits approval by an admin other than pending_by ("" = active at once,
 * the operator's command). An account that was still awaiting approval
 * when it was disabled keeps awaiting it from its first admin's peer.
 * TR_ERR_NOTFOUND: no such disabled account. *pendingp: whether it now
 * awaits approval. */
int  auth_user_enable(struct auth *, const char *name, const char *pending_by, int *pendingp);
/* Sets a new password (8-255 bytes, else TR_ERR_INVAL) and ends the user's
 * sessions. TR_ERR_NOTFOUND for an unknown user. */
int  auth_user_passwd(struct auth *, const char *name, const char *pass);
int  auth_user_passwd_pw(struct auth *, const char *name, const struct auth_pw *pw);
/* {"users":[{"name","role","extension","created"}]} */
int  auth_user_list(struct auth *, json_t **resp);
/* Checks the password. 0 with *u and a new session (token, csrf: 65-byte
 * buffers), TR_ERR_PERM (bad user or password), TR_ERR_PENDING (right
 * password, account awaiting approval), TR_ERR_LIMIT (throttled;
 * *retry_sp = seconds to wait). */
int  auth_login(struct auth *, const char *user, const char *pass, const char *remote,
                struct auth_user *u, char *token, char *csrf, int64_t *retry_sp);
/* After auth_login (or auth_user_check_pw) returned TR_ERR_LIMIT: 1 when that refusal is to be
 * audited (the lockout starts: *startp = 1, *countp = refusals left over
 * from an earlier lockout; or a summary at most once per lockout length:
 * *countp = refusals since the last row), 0 when it is only counted. */
int  auth_refusal_audit(struct auth *, uint32_t *countp, int *startp);
/* Checks a session token: 0 with *u (u->must_change included) and csrf,
 * or TR_ERR_PERM (unknown/expired). */
int  auth_session(struct auth *, const char *token, struct auth_user *u, char *csrf);
int  auth_logout(struct auth *, const char *token);
/* Drops expired sessions. */
void auth_expire(struct auth *);

const char *auth_role_name(enum ipc_role);
/* "agent" ... "admin" -> role, or IPC_ROLE_NONE. */
enum ipc_role auth_role_parse(const char *);

#endif
