/* fuzz_decap.c - decap_frame() on every supported link type, and decap_ip().
 * Input: byte 0 picks the link type, the rest is the frame. Aborts if a
 * successful result points outside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <pcap/dlt.h>
#include "decap.h"

static const int dlts[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 14, DECAP_LINKTYPE_RAW,
	DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP, 147 /* unsupported */,
};

static void
check(int r, const struct decap_pkt *o, size_t len)
{
	if (r > 0)
		abort();
	if (r < 0) {
		if (decap_reason(r) >= RING_REJ_MAX_)
			abort();
		return;
	}
	if (o->family != 4 && o->family != 6)
		abort();
	if (o->l5_off > len || o->l5_len > len - o->l5_off)
		abort();
	if (o->l3_off > len || o->l3_len > len - o->l3_off || o->l3_hlen > o->l3_len)
		abort();
	if (o->l5_off < o->l3_off + o->l3_hlen)
		abort();
	if (o->is_fragment && o->l5_len > o->ip_payload_len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decap_pkt o;
	int dlt, r;

	if (size < 1)
		return 0;
	dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	r = decap_frame(dlt, data + 1, size - 1, &o);
	check(r, &o, size - 1);
	if (r == 0 && !o.is_fragment && o.l5_len) {
		volatile uint8_t sink = o.l5[o.l5_len - 1];   /* the view is readable */
		(void)sink;
	}
	r = decap_ip(data + 1, size - 1, &o);
	check(r, &o, size - 1);
	return 0;
}
