/* fdcache.c - bounded cache of exported WAV memfds for Range playback. */
#include "clock.h"
#include "fdcache.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

struct fdcache_ent {
	uint8_t  key[32];      /* BLAKE2b of token NUL id: no token kept in clear */
	int      fd;           /* -1 = unused */
	uint64_t size;
	uint64_t born;         /* CLOCK_MONOTONIC ns */
};

struct fdcache {
	pthread_mutex_t    mu;
	struct fdcache_ent ent[FDCACHE_ENTRIES_MAX];
	uint64_t           bytes;
};

static void make_key(const char *token, const char *id, uint8_t key[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const unsigned char *)token, strlen(token) + 1);
	crypto_generichash_update(&st, (const unsigned char *)id, strlen(id));
	crypto_generichash_final(&st, key, 32);
}

static void drop(struct fdcache *c, struct fdcache_ent *e)
{
	if (e->fd >= 0) {
		close(e->fd);
		c->bytes -= e->size;
	}
	memset(e, 0, sizeof(*e));
	e->fd = -1;
}

/* Drops expired entries; caller holds mu. */
static void expire(struct fdcache *c, uint64_t now)
{
	size_t i;

	for (i = 0; i < FDCACHE_ENTRIES_MAX; i++)
		if (c->ent[i].fd >= 0 && now - c->ent[i].born > FDCACHE_TTL_NS)
			drop(c, &c->ent[i]);
}

struct fdcache *fdcache_new(void)
{
	struct fdcache *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	for (i = 0; i < FDCACHE_ENTRIES_MAX; i++)
		c->ent[i].fd = -1;
	return c;
}

void fdcache_free(struct fdcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < FDCACHE_ENTRIES_MAX; i++)
		drop(c, &c->ent[i]);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int fdcache_get(struct fdcache *c, const char *token, const char *id, uint64_t *sizep)
{
	uint8_t key[32];
	size_t i;
	int fd = -1;

	make_key(token, id, key);
	pthread_mutex_lock(&c->mu);
	expire(c, tr_mono_ns());
	for (i = 0; i < FDCACHE_ENTRIES_MAX; i++) {
		if (c->ent[i].fd < 0 || sodium_memcmp(c->ent[i].key, key, 32) != 0)
			continue;
		fd = fcntl(c->ent[i].fd, F_DUPFD_CLOEXEC, 0);
		*sizep = c->ent[i].size;
		break;
	}
	pthread_mutex_unlock(&c->mu);
	return fd;
}

void fdcache_put(struct fdcache *c, const char *token, const char *id, int fd, uint64_t size)
{
	struct fdcache_ent *slot = NULL;
	uint64_t now = tr_mono_ns();
	uint8_t key[32];
	size_t i;
	int nfd;

	if (size > FDCACHE_BYTES_MAX)
		return;
	make_key(token, id, key);
	pthread_mutex_lock(&c->mu);
	expire(c, now);
	/* two Range requests that both missed export twice: keep one entry */
	for (i = 0; i < FDCACHE_ENTRIES_MAX; i++)
		if (c->ent[i].fd >= 0 && sodium_memcmp(c->ent[i].key, key, 32) == 0)
			goto out;
	for (;;) {
		struct fdcache_ent *oldest = NULL;

		slot = NULL;
		for (i = 0; i < FDCACHE_ENTRIES_MAX; i++) {
			struct fdcache_ent *e = &c->ent[i];

			if (e->fd < 0 && slot == NULL)
				slot = e;
			if (e->fd >= 0 && (oldest == NULL || e->born < oldest->born))
				oldest = e;
		}
		if (slot != NULL && c->bytes + size <= FDCACHE_BYTES_MAX)
			break;
		if (oldest == NULL)
			goto out;
		drop(c, oldest);
	}
	if ((nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		goto out;
	memcpy(slot->key, key, sizeof(key));
	slot->fd = nfd;
	slot->size = size;
	slot->born = now;
	c->bytes += size;
out:
	pthread_mutex_unlock(&c->mu);
}
