/* rd.c - bounded reader over untrusted bytes. */
#include <string.h>
#include "rd.h"
#include "err.h"

int rd_u8(struct rd *r, uint8_t *v)
{
	if (r->len < 1) return TR_ERR_SHORT;
	*v = r->p[0]; r->p += 1; r->len -= 1;
	return 0;
}

int rd_be16(struct rd *r, uint16_t *v)
{
	if (r->len < 2) return TR_ERR_SHORT;
	*v = (uint16_t)((uint16_t)r->p[0] << 8 | r->p[1]);
	r->p += 2; r->len -= 2;
	return 0;
}

int rd_be32(struct rd *r, uint32_t *v)
{
	if (r->len < 4) return TR_ERR_SHORT;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4; r->len -= 4;
	return 0;
}

int rd_be64(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;
	if (r->len < 8) return TR_ERR_SHORT;
	for (i = 0; i < 8; i++) x = x << 8 | r->p[i];
	*v = x; r->p += 8; r->len -= 8;
	return 0;
}

int rd_le16(struct rd *r, uint16_t *v)
{
	if (r->len < 2) return TR_ERR_SHORT;
	*v = (uint16_t)((uint16_t)r->p[1] << 8 | r->p[0]);
	r->p += 2; r->len -= 2;
	return 0;
}

int rd_le32(struct rd *r, uint32_t *v)
{
	if (r->len < 4) return TR_ERR_SHORT;
	*v = (uint32_t)r->p[3] << 24 | (uint32_t)r->p[2] << 16 |
	     (uint32_t)r->p[1] << 8 | r->p[0];
	r->p += 4; r->len -= 4;
	return 0;
}

int rd_le64(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;
	if (r->len < 8) return TR_ERR_SHORT;
	for (i = 8; i > 0; i--) x = x << 8 | r->p[i - 1];
	*v = x; r->p += 8; r->len -= 8;
	return 0;
}

int rd_bytes(struct rd *r, void *out, size_t n)
{
	if (n > r->len) return TR_ERR_SHORT;
	if (n) memcpy(out, r->p, n);
	r->p += n; r->len -= n;
	return 0;
}

int rd_skip(struct rd *r, size_t n)
{
	if (n > r->len) return TR_ERR_SHORT;
	r->p += n; r->len -= n;
	return 0;
}

int rd_sub(struct rd *r, size_t n, struct rd *sub)
{
	if (n > r->len) return TR_ERR_SHORT;
	sub->p = r->p; sub->len = n;
	r->p += n; r->len -= n;
	return 0;
}

int rd_peek_u8(const struct rd *r, size_t i, uint8_t *v)
{
	if (i >= r->len) return TR_ERR_SHORT;
	*v = r->p[i];
	return 0;
}

int rd_peek_be16(const struct rd *r, size_t i, uint16_t *v)
{
	if (r->len < 2 || i > r->len - 2) return TR_ERR_SHORT;
	*v = (uint16_t)((uint16_t)r->p[i] << 8 | r->p[i + 1]);
	return 0;
}

void rd_truncate(struct rd *r, size_t n)
{
	if (n < r->len) r->len = n;
}
