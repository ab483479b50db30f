/* rd.h - bounded reader over untrusted bytes (packets, IPC, files).
 *
 * A reader is a view: it owns nothing. Every getter consumes bytes only when
 * all of them are there and leaves the reader unchanged on failure.
 * All getters return 0 or TR_ERR_SHORT. Never blocks.
 */
#ifndef TR_RD_H
#define TR_RD_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include "err.h"

struct rd {
	const uint8_t *p;
	size_t len;
};

static inline struct rd rd_make(const uint8_t *p, size_t len)
{
	struct rd r = { p, len };
	return r;
}

/* Getters (all static inline: they sit on the per-packet hot path).
 * rd_u8/be16/be32/be64/le16/le32/le64 read one integer; rd_bytes copies n
 * bytes out; rd_skip skips n; rd_sub splits off a bounded child view of
 * the next n bytes; rd_peek_* look at byte i without consuming;
 * rd_truncate shortens the view to at most n bytes. */

static inline int rd_u8(struct rd *r, uint8_t *v)
{
	if (r->len < 1) return TR_ERR_SHORT;
	*v = r->p[0]; r->p += 1; r->len -= 1;
	return 0;
}

static inline int rd_be16(struct rd *r, uint16_t *v)
{
	if (r->len < 2) return TR_ERR_SHORT;
	*v = (uint16_t)((uint16_t)r->p[0] << 8 | r->p[1]);
	r->p += 2; r->len -= 2;
	return 0;
}

static inline int rd_be32(struct rd *r, uint32_t *v)
{
	if (r->len < 4) return TR_ERR_SHORT;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4; r->len -= 4;
	return 0;
}

static inline int rd_be64(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;
	if (r->len < 8) return TR_ERR_SHORT;
	for (i = 0; i < 8; i++) x = x << 8 | r->p[i];
	*v = x; r->p += 8; r->len -= 8;
	return 0;
}

static inline int rd_le16(struct rd *r, uint16_t *v)
{
	if (r->len < 2) return TR_ERR_SHORT;
	*v = (uint16_t)((uint16_t)r->p[1] << 8 | r->p[0]);
	r->p += 2; r->len -= 2;
	return 0;
}

static inline int rd_le32(struct rd *r, uint32_t *v)
{
	if (r->len < 4) return TR_ERR_SHORT;
	*v = (uint32_t)r->p[3] << 24 | (uint32_t)r->p[2] << 16 |
	     (uint32_t)r->p[1] << 8 | r->p[0];
	r->p += 4; r->len -= 4;
	return 0;
}

static inline int rd_le64(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;
	if (r->len < 8) return TR_ERR_SHORT;
	for (i = 8; i > 0; i--) x = x << 8 | r->p[i - 1];
	*v = x; r->p += 8; r->len -= 8;
	return 0;
}

static inline int rd_bytes(struct rd *r, void *out, size_t n)
{
	if (n > r->len) return TR_ERR_SHORT;
	if (n) memcpy(out, r->p, n);
	r->p += n; r->len -= n;
	return 0;
}

static inline int rd_skip(struct rd *r, size_t n)
{
	if (n > r->len) return TR_ERR_SHORT;
	r->p += n; r->len -= n;
	return 0;
}

static inline int rd_sub(struct rd *r, size_t n, struct rd *sub)
{
	if (n > r->len) return TR_ERR_SHORT;
	sub->p = r->p; sub->len = n;
	r->p += n; r->len -= n;
	return 0;
}

static inline int rd_peek_u8(const struct rd *r, size_t i, uint8_t *v)
{
	if (i >= r->len) return TR_ERR_SHORT;
	*v = r->p[i];
	return 0;
}

static inline int rd_peek_be16(const struct rd *r, size_t i, uint16_t *v)
{
	if (r->len < 2 || i > r->len - 2) return TR_ERR_SHORT;
	*v = (uint16_t)((uint16_t)r->p[i] << 8 | r->p[i + 1]);
	return 0;
}

static inline void rd_truncate(struct rd *r, size_t n)
{
	if (n < r->len) r->len = n;
}

#endif
