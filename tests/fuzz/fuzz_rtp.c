/* fuzz_rtp.c - rtp_parse(), rtcp_parse() and the rtcp-mux test on any bytes.
 * Aborts if a parsed payload points outside the input. */
#include <stdint.h>
#include <stdlib.h>
#include "rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtp_hdr h;
	struct rtcp_info in;
	volatile uint8_t sink;

	if (rtp_parse(data, size, &h) == 0) {
		if (h.payload < data || (size_t)(h.payload - data) > size ||
		    h.payload_len > size - (size_t)(h.payload - data) || h.cc > RTP_CSRC_MAX ||
		    h.version != 2)
			abort();
		if (h.payload_len)
			sink = h.payload[h.payload_len - 1];
	}
	if (rtcp_parse(data, size, &in) == 0) {
		if (in.n_packets == 0 || (in.first_pt != RTCP_PT_SR && in.first_pt != RTCP_PT_RR))
			abort();
	}
	if (size >= 2) {
		sink = rtp_is_rtcp_pt(data[1]);
		(void)sink;
	}
	return 0;
}
