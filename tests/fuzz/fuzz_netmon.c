/* fuzz_netmon.c - the Network Monitor file reader on any bytes: every
 * frame it returns must lie inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "decoder/netmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netmon nm;
	struct netmon_frame f;
	volatile uint8_t sink;
	unsigned n = 0;

	if (netmon_open(&nm, data, size) != 0)
		return 0;
	while (netmon_next(&nm, &f) == 1 && n++ < 100000) {
		if (f.data < data || (size_t)(f.data - data) > size ||
		    f.caplen > size - (size_t)(f.data - data))
			abort();
		if (f.caplen)
			sink = f.data[f.caplen - 1];
	}
	(void)sink;
	return 0;
}
