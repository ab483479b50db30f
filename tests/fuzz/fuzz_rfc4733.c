/* fuzz_rfc4733.c - the telephone-event detector and the key-code matcher.
 * Input: records of [4-byte RTP timestamp][1-byte payload length][payload],
 * fed to one detector; each detected digit goes to a "*99" matcher. */
#include <stdint.h>
#include <stdlib.h>
#include "rfc4733.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rfc4733_det det;
	struct rfc4733_code code;
	struct rfc4733_event ev;
	uint64_t now = 0;
	size_t i = 0, n;
	uint32_t ts;
	uint8_t e;
	int r;

	rfc4733_det_init(&det);
	if (rfc4733_code_init(&code, "*99", 2000000000ull) != 0)
		abort();
	while (size - i >= 5) {
		ts = (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
		     (uint32_t)data[i + 2] << 8 | data[i + 3];
		n = data[i + 4];
		i += 5;
		if (n > size - i)
			n = size - i;
		(void)rfc4733_parse(data + i, n, &ev);
		e = 0xff;
		r = rfc4733_det_feed(&det, ts, data + i, n, &e);
		if (r == 1) {
			char c = rfc4733_digit_char(e);
			if (e < 16 && c == 0)
				abort();
			now += (uint64_t)(ts & 0xffff) * 125000ull;
			(void)rfc4733_code_feed(&code, c, now);
		} else if (r != 0 && (r >= 0 || n >= 4)) {
			abort();             /* only a short payload may fail */
		}
		i += n;
	}
	return 0;
}
