/* clock.c - time stamps as text. */
#include <stdio.h>
#include <string.h>
#include "clock.h"

void
tr_iso8601(uint64_t ns, char out[TR_ISO8601_LEN])
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	size_t n;

	memset(&tm, 0, sizeof tm);
	if (ns == 0 || gmtime_r(&t, &tm) == NULL) {
		out[0] = '\0';
		return;
	}
	n = strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, TR_ISO8601_LEN - n, ".%03uZ", (unsigned)(ns / 1000000ULL % 1000));
}
