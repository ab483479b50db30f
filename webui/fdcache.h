/* fdcache.h - a small cache of exported WAV files (sealed memfds from the
 * vault) so that one playback, which the browser's <audio> element fetches
 * as several Range requests, costs the vault one export and one audit row.
 * Keyed by a hash of (session token, recording id); entries expire after
 * FDCACHE_TTL_NS and the total size is bounded. Thread-safe.
 */
#ifndef TR_WEBUI_FDCACHE_H
#define TR_WEBUI_FDCACHE_H

#include <stddef.h>
#include <stdint.h>

#define FDCACHE_ENTRIES_MAX  16
#define FDCACHE_BYTES_MAX    (512ULL << 20)
#define FDCACHE_TTL_NS       (300ULL * 1000000000ULL)

struct fdcache;

struct fdcache *fdcache_new(void);              /* NULL on no memory */
void fdcache_free(struct fdcache *);            /* NULL-safe; closes every fd */

/* Returns a new fd (dup, the caller closes it) for (token, id) and its size,
 * or -1 when there is none (or it expired). */
int  fdcache_get(struct fdcache *, const char *token, const char *id, uint64_t *sizep);
/* Remembers a dup of fd (the caller keeps fd) of size bytes; the oldest
 * entries go first when a bound is hit. Files larger than the budget are
 * not kept; an entry already there for (token, id) is kept as it is. */
void fdcache_put(struct fdcache *, const char *token, const char *id, int fd, uint64_t size);

#endif
