/* fuzz_utf8.c - utf8_clean (common/utf8.c) on arbitrary bytes: SIP From,
 * To, tags and Call-IDs pass through it into the ring, and the vault
 * cleans ring and audit text with it. Checks the promises of utf8.h: the
 * output fits, is terminated and well-formed; cleaning it again changes
 * nothing; input that is already well-formed comes out unchanged; a
 * smaller buffer gets a prefix of the larger one's output. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char big[4 * 1024 + 1], again[4 * 1024 + 1], small[64];
	const char *in = (const char *)data;
	size_t nbig, len, cap = size ? data[0] % sizeof small : 0;
	bool trunc;

	if (size > 1024)
		return 0;
	len = strnlen(in, size);                   /* it stops at a NUL */
	trunc = utf8_clean(big, sizeof big, in, size);
	nbig = strlen(big);
	if (trunc || nbig >= sizeof big || !utf8_valid(big, nbig))
		abort();
	if (utf8_clean(again, sizeof again, big, nbig) || strcmp(again, big) != 0)
		abort();                               /* idempotent */
	if (utf8_valid(in, len) && (nbig != len || memcmp(big, in, len) != 0))
		abort();                               /* well-formed text unchanged */
	(void)utf8_clean(small, cap, in, size);
	if (cap > 0 && (strlen(small) >= cap || memcmp(small, big, strlen(small)) != 0 ||
	                !utf8_valid(small, cap)))
		abort();
	return 0;
}
