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

struct rd {
	const uint8_t *p;
	size_t len;
};

static inline struct rd rd_make(const uint8_t *p, size_t len)
{
	struct rd r = { p, len };
	return r;
}

int rd_u8(struct rd *, uint8_t *v);
int rd_be16(struct rd *, uint16_t *v);
int rd_be32(struct rd *, uint32_t *v);
int rd_be64(struct rd *, uint64_t *v);
int rd_le16(struct rd *, uint16_t *v);
int rd_le32(struct rd *, uint32_t *v);
int rd_le64(struct rd *, uint64_t *v);
/* Copies n bytes into out. */
int rd_bytes(struct rd *, void *out, size_t n);
/* Skips n bytes. */
int rd_skip(struct rd *, size_t n);
/* Splits off a bounded child view of the next n bytes and consumes them. */
int rd_sub(struct rd *, size_t n, struct rd *sub);
/* Peeks at byte i without consuming; TR_ERR_SHORT if i >= len. */
int rd_peek_u8(const struct rd *, size_t i, uint8_t *v);
int rd_peek_be16(const struct rd *, size_t i, uint16_t *v);
/* Shortens the view to at most n bytes (clamping a payload to a declared length). */
void rd_truncate(struct rd *, size_t n);

#endif
