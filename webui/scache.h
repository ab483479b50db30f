/* scache.h - sessions the vault confirmed recently, so that the read-only
 * live view (GET /api/me, GET /api/calls, whose data comes from the ring)
 * keeps working while the vault is unreachable. Only used when the vault
 * cannot be asked at all; a vault answer (also 401) always wins. Keyed by a
 * BLAKE2b hash of the token (no token kept in clear); an entry is dropped
 * on logout or a vault 401, with all of a user's when the web UI disables
 * the account or the user changes their password, and expires SCACHE_TTL_NS
 * after its last confirmation. It also keeps the logouts the vault could
 * not be told of (scache_logout_*), so that those tokens are refused here
 * and the vault is told later. (A change made with the vault's command line
 * while the vault is down reaches the cache only by that expiry.) Bounded (SCACHE_ENTRIES_MAX, oldest first). Thread-safe.
 */
#ifndef TR_WEBUI_SCACHE_H
#define TR_WEBUI_SCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCACHE_ENTRIES_MAX 256
#define SCACHE_TTL_NS      (30ULL * 60ULL * 1000000000ULL)

/* Sessions logged out here while the vault could not be told: refused in
 * this web UI at once, told to the vault (IPC_LOGOUT) once it answers
 * again. Kept until then, or SCACHE_LOGOUT_TTL_NS: the vault's default
 * absolute session lifetime ([vault] session_max), past which the vault
 * has ended the session itself. Bounded (SCACHE_LOGOUTS_MAX). */
#define SCACHE_LOGOUTS_MAX     256
#define SCACHE_LOGOUT_TTL_NS   (12ULL * 3600ULL * 1000000000ULL)
#define SCACHE_LOGOUT_RETRY_NS 1000000000ULL      /* tell the vault at most once a second */
#define SCACHE_TOKEN_SZ        65                 /* 64 hex chars (IPC_TOKEN_LEN) + NUL */

struct scache_sess {
	char     user[64];
	char     ext[32];
	char     csrf[128];
	uint32_t role;
	uint32_t must_change;    /* the session may only replace its password */
};

/* A logout the vault has yet to hear of: the token (needed for IPC_LOGOUT,
 * so kept in clear for that long, wiped when done) and the client address
 * of the logout, for the vault's audit row. */
struct scache_logout {
	char token[SCACHE_TOKEN_SZ];
	char remote[48];
};

struct scache;

struct scache *scache_new(void);            /* NULL on no memory */
void scache_free(struct scache *);          /* NULL-safe; wipes the entries */

/* Remembers (or refreshes) token -> s, confirmed now by the vault. */
void scache_put(struct scache *, const char *token, const struct scache_sess *s);
/* Copies the entry of token into *s: 0, or TR_ERR_NOTFOUND (none/expired). */
int  scache_get(struct scache *, const char *token, struct scache_sess *s);
/* Forgets token (logout, vault said 401). */
void scache_drop(struct scache *, const char *token);
/* Forgets every session of user but keep_token's (NULL: all): the vault
 * ended them (the account was disabled, its password changed). */
void scache_drop_user(struct scache *, const char *user, const char *keep_token);

/* Remembers a logout the vault could not be told of (and drops the token's
 * session entry). confirmed: the vault had confirmed the session (it is in
 * the cache); such an entry may replace the oldest when the list is full,
 * an unconfirmed token (anyone can send one) only a free entry or another
 * unconfirmed one. 0, or TR_ERR_LIMIT when it could not be kept. */
int  scache_logout_add(struct scache *, const char *token, const char *remote, bool confirmed);
/* True when token was logged out here and the vault has not confirmed it
 * (nor has it expired). */
bool scache_logged_out(struct scache *, const char *token);
/* Copies up to n logouts to tell the vault now into out and returns how
 * many: none when the last round was less than SCACHE_LOGOUT_RETRY_NS ago.
 * Forgets those past SCACHE_LOGOUT_TTL_NS. */
size_t scache_logout_pending(struct scache *, struct scache_logout *out, size_t n);
/* Forgets a logout the vault confirmed (or says the session is gone). */
void scache_logout_done(struct scache *, const char *token);

#endif
