/* scache.c - recently confirmed sessions for the live view while the vault
 * is down (scache.h). */
#include "scache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "clock.h"
#include "err.h"

struct scache_ent {
	uint8_t            key[32];   /* BLAKE2b(token) */
	bool               used;
	uint64_t           seen;      /* CLOCK_MONOTONIC ns of the last confirmation */
	struct scache_sess s;
};

struct scache_lent {
	uint8_t              key[32];   /* BLAKE2b(token) */
	bool                 used;
	bool                 confirmed; /* the vault had confirmed the session */
	uint64_t             when;      /* CLOCK_MONOTONIC ns of the logout */
	struct scache_logout l;
};

struct scache {
	pthread_mutex_t    mu;
	struct scache_ent  ent[SCACHE_ENTRIES_MAX];
	struct scache_lent lo[SCACHE_LOGOUTS_MAX];
	uint64_t           lo_last;   /* CLOCK_MONOTONIC ns of the last scache_logout_pending round */
};

static void make_key(const char *token, uint8_t key[32])
{
	crypto_generichash(key, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

/* The entry of key, or NULL. Called with mu held. */
static struct scache_ent *find(struct scache *c, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < SCACHE_ENTRIES_MAX; i++)
		if (c->ent[i].used && sodium_memcmp(c->ent[i].key, key, 32) == 0)
			return &c->ent[i];
	return NULL;
}

struct scache *scache_new(void)
{
	struct scache *c = calloc(1, sizeof(*c));

	if (c != NULL && pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		c = NULL;
	}
	return c;
}

void scache_free(struct scache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->mu);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

void scache_put(struct scache *c, const char *token, const struct scache_sess *s)
{
	struct scache_ent *e;
	uint8_t key[32];
	size_t i;

	if (c == NULL)
		return;
	make_key(token, key);
	pthread_mutex_lock(&c->mu);
	if ((e = find(c, key)) == NULL) {
		e = &c->ent[0];
		for (i = 0; i < SCACHE_ENTRIES_MAX; i++) {
			if (!c->ent[i].used) {
				e = &c->ent[i];
				break;
			}
			if (c->ent[i].seen < e->seen)
				e = &c->ent[i];   /* full: replace the oldest */
		}
	}
	memcpy(e->key, key, sizeof(key));
	e->used = true;
	e->seen = tr_mono_ns();
	e->s = *s;
	pthread_mutex_unlock(&c->mu);
}

int scache_get(struct scache *c, const char *token, struct scache_sess *s)
{
	struct scache_ent *e;
	uint8_t key[32];
	int r = TR_ERR_NOTFOUND;

	if (c == NULL)
		return r;
	make_key(token, key);
	pthread_mutex_lock(&c->mu);
	e = find(c, key);
	if (e != NULL && tr_mono_ns() - e->seen <= SCACHE_TTL_NS) {
		*s = e->s;
		r = 0;
	}
	pthread_mutex_unlock(&c->mu);
	return r;
}

void scache_drop(struct scache *c, const char *token)
{
	struct scache_ent *e;
	uint8_t key[32];

	if (c == NULL)
		return;
	make_key(token, key);
	pthread_mutex_lock(&c->mu);
	if ((e = find(c, key)) != NULL)
		sodium_memzero(e, sizeof(*e));
	pthread_mutex_unlock(&c->mu);
}

void scache_drop_user(struct scache *c, const char *user, const char *keep_token)
{
	uint8_t keep[32];
	size_t i;

	if (c == NULL)
		return;
	if (keep_token != NULL)
		make_key(keep_token, keep);
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < SCACHE_ENTRIES_MAX; i++) {
		struct scache_ent *e = &c->ent[i];

		if (e->used && strcmp(e->s.user, user) == 0 &&
		    (keep_token == NULL || sodium_memcmp(e->key, keep, 32) != 0))
			sodium_memzero(e, sizeof(*e));
	}
	pthread_mutex_unlock(&c->mu);
}

/* The logout entry of key, or NULL; expired ones are wiped on the way.
 * Called with mu held. */
static struct scache_lent *lfind(struct scache *c, const uint8_t key[32], uint64_t now)
{
	size_t i;

	for (i = 0; i < SCACHE_LOGOUTS_MAX; i++) {
		struct scache_lent *e = &c->lo[i];

		if (e->used && now - e->when > SCACHE_LOGOUT_TTL_NS)
			sodium_memzero(e, sizeof(*e));
		if (e->used && sodium_memcmp(e->key, key, 32) == 0)
			return e;
	}
	return NULL;
}

int scache_logout_add(struct scache *c, const char *token, const char *remote, bool confirmed)
{
	struct scache_lent *e, *oldest = NULL, *oldest_unconf = NULL;
	struct scache_ent *se;
	uint8_t key[32];
	uint64_t now = tr_mono_ns();
	size_t i;
	int r = TR_ERR_LIMIT;

	if (c == NULL || strlen(token) >= sizeof(e->l.token))
		return TR_ERR_INVAL;
	make_key(token, key);
	pthread_mutex_lock(&c->mu);
	if ((se = find(c, key)) != NULL)
		sodium_memzero(se, sizeof(*se));
	if ((e = lfind(c, key, now)) == NULL) {
		for (i = 0; i < SCACHE_LOGOUTS_MAX && e == NULL; i++) {
			struct scache_lent *x = &c->lo[i];

			if (!x->used)
				e = x;
			else if (!x->confirmed && (oldest_unconf == NULL || x->when < oldest_unconf->when))
				oldest_unconf = x;
			else if (oldest == NULL || x->when < oldest->when)
				oldest = x;
		}
		/* full: an unconfirmed token first (a flood of made-up tokens
		 * must not push out real logouts) */
		if (e == NULL)
			e = oldest_unconf != NULL ? oldest_unconf : confirmed ? oldest : NULL;
		if (e == NULL)
			goto out;
		sodium_memzero(e, sizeof(*e));
		memcpy(e->key, key, sizeof(key));
		memcpy(e->l.token, token, strlen(token) + 1);
		snprintf(e->l.remote, sizeof(e->l.remote), "%s", remote ? remote : "");
		e->used = true;
		e->when = now;
	}
	e->confirmed = e->confirmed || confirmed;
	r = 0;
out:
	pthread_mutex_unlock(&c->mu);
	sodium_memzero(key, sizeof(key));
	return r;
}

bool scache_logged_out(struct scache *c, const char *token)
{
	uint8_t key[32];
	bool r;

	if (c == NULL)
		return false;
	make_key(token, key);
	pthread_mutex_lock(&c->mu);
	r = lfind(c, key, tr_mono_ns()) != NULL;
	pthread_mutex_unlock(&c->mu);
	return r;
}

size_t scache_logout_pending(struct scache *c, struct scache_logout *out, size_t n)
{
	uint64_t now = tr_mono_ns();
	size_t i, k = 0;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	if (c->lo_last != 0 && now - c->lo_last < SCACHE_LOGOUT_RETRY_NS)
		goto out;
	for (i = 0; i < SCACHE_LOGOUTS_MAX && k < n; i++) {
		struct scache_lent *e = &c->lo[i];

		if (e->used && now - e->when > SCACHE_LOGOUT_TTL_NS)
			sodium_memzero(e, sizeof(*e));
		if (e->used)
			out[k++] = e->l;
	}
	if (k > 0)
		c->lo_last = now;
out:
	pthread_mutex_unlock(&c->mu);
	return k;
}

void scache_logout_done(struct scache *c, const char *token)
{
	struct scache_lent *e;
	uint8_t key[32];

	if (c == NULL)
		return;
	make_key(token, key);
	pthread_mutex_lock(&c->mu);
	if ((e = lfind(c, key, tr_mono_ns())) != NULL)
		sodium_memzero(e, sizeof(*e));
	pthread_mutex_unlock(&c->mu);
}
