/* scache.h - sessions the vault confirmed recently, so that the read-only
 * live view (GET /api/me, GET /api/calls, whose data comes from the ring)
 * keeps working while the vault is unreachable. Only used when the vault
 * cannot be asked at all; a vault answer (also 401) always wins. Keyed by a
 * BLAKE2b hash of the token (no token kept in clear); an entry is dropped
 * on logout or a vault 401, with all of a user's when the web UI disables
 * the account or the user changes their password, and expires SCACHE_TTL_NS
 * after its last confirmation. (A change made with the vault's command line
 * while the vault is down reaches the cache only by that expiry.) Bounded (SCACHE_ENTRIES_MAX, oldest first). Thread-safe.
 */
#ifndef TR_WEBUI_SCACHE_H
#define TR_WEBUI_SCACHE_H

#include <stdint.h>

#define SCACHE_ENTRIES_MAX 256
#define SCACHE_TTL_NS      (30ULL * 60ULL * 1000000000ULL)

struct scache_sess {
	char     user[64];
	char     ext[32];
	char     csrf[128];
	uint32_t role;
	uint32_t must_change;    /* the session may only replace its password */
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

#endif
