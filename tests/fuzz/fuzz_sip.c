/* fuzz_sip.c - sip_parse() and sip_is_sip() on any bytes, and sdp_parse()
 * on the body it finds. Aborts if a field is not NUL-terminated inside its
 * array or the body points outside the parsed message's own memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sdp.h"
#include "sip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sip_init();
	return 0;
}

#define TERMINATED(f) (memchr((f), '\0', sizeof(f)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_msg m;
	struct sdp_info info;
	volatile uint8_t sink;

	sink = sip_is_sip(data, size);
	if (sip_parse(data, size, 0, &m) == 0) {
		if (!TERMINATED(m.method_name) || !TERMINATED(m.call_id) || !TERMINATED(m.from_user) ||
		    !TERMINATED(m.from_tag) || !TERMINATED(m.to_user) || !TERMINATED(m.to_tag) ||
		    !TERMINATED(m.pai_user) || !TERMINATED(m.ruri_user) || !TERMINATED(m.content_type))
			abort();
		if (m.call_id[0] == '\0' || (m.is_request && m.status != 0) ||
		    (!m.is_request && (m.status < 100 || m.status > 699)))
			abort();
		if (m.sdp != NULL && m.sdp_len > 0) {
			sink = m.sdp[m.sdp_len - 1];
			if (sdp_parse(m.sdp, m.sdp_len, &info) == 0 && info.n_streams > SDP_STREAMS_MAX)
				abort();
		}
	}
	sip_msg_clear(&m);
	(void)sink;
	return 0;
}
