/* fuzz_sdp.c - sdp_parse() on any bytes. Aborts when a result breaks the
 * contract: bounded counts, usable streams only (family 4/6, port != 0),
 * payload types below 128, NUL-terminated codec names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_info info;
	uint32_t i;

	if (sdp_parse(data, size, &info) != 0)
		return 0;
	if (info.n_streams > SDP_STREAMS_MAX || info.n_pt > RING_PT_MAX)
		abort();
	for (i = 0; i < info.n_streams; i++) {
		const struct sdp_stream *s = &info.streams[i];
		if ((s->family != 4 && s->family != 6) || s->port == 0 || s->rtcp_port == 0 ||
		    s->n_fmt > SDP_FMT_MAX)
			abort();
	}
	for (i = 0; i < info.n_pt; i++)
		if (info.pt[i].pt > 127 || info.pt[i].clock_rate == 0 ||
		    memchr(info.pt[i].name, '\0', sizeof(info.pt[i].name)) == NULL)
			abort();
	return 0;
}
