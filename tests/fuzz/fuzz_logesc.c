/* fuzz_logesc.c - log_escape (common/log.c) on arbitrary bytes: every log
 * line and audit syslog line carries wire text through it. Checks the
 * promises of log.h: the output fits, is terminated, holds no control byte
 * (below 0x20, 0x7f), and with a smaller buffer is a prefix of the
 * output for the larger one. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, big[4 * 1024 + 1], small[64];
	size_t n, nbig, nsmall, i, cap = size ? data[0] % sizeof small : 0;

	if (size > 1024 || (in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';                       /* the function takes C strings */
	nbig = log_escape(big, sizeof big, in);
	if (nbig >= sizeof big || big[nbig] != '\0' || strlen(big) != nbig)
		abort();
	for (i = 0; i < nbig; i++)
		if ((unsigned char)big[i] < 0x20 || (unsigned char)big[i] == 0x7f)
			abort();
	nsmall = log_escape(small, cap, in);
	if (cap == 0) {
		if (nsmall != 0)
			abort();
	} else if (nsmall >= cap || small[nsmall] != '\0' || memcmp(small, big, nsmall) != 0) {
		abort();
	}
	n = strlen(in);
	if (n > 0 && nbig == 0)                  /* something always comes out */
		abort();
	free(in);
	return 0;
}
