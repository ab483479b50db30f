/* fuzz_ipfrag.c - IPv4/IPv6 fragment reassembly through decap and ipfrag.
 * Input byte 0: bit 0 picks the mode, bits 1-2 the datagram limit.
 *  raw mode: records [1-byte time step][2-byte length][raw IP frame];
 *  built mode: records [step][flags][id][offset/8 (2)][len] + len data
 *    bytes, from which a valid IPv4 or IPv6 fragment frame is built, so the
 *    fuzzer reaches overlaps, duplicates and completion quickly.
 * Every completed datagram is parsed again with decap_ip(), and its frames
 * are read in full. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>
#include "decap.h"
#include "ipfrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEC 1000000000ull

static size_t
build(uint8_t *f, const uint8_t *rec, const uint8_t *payload, size_t n)
{
	uint8_t flags = rec[0], id = rec[1];
	uint16_t offw = (uint16_t)(rec[2] << 8 | rec[3]);
	int more = flags & 1, v6 = flags & 2;
	size_t h;

	if (!v6) {
		uint16_t tot = (uint16_t)(20 + n), fw = (uint16_t)((more ? 0x2000 : 0) | (offw & 0x1fff));
		memset(f, 0, 20);
		f[0] = 0x45; f[2] = (uint8_t)(tot >> 8); f[3] = (uint8_t)tot;
		f[4] = 0; f[5] = id; f[6] = (uint8_t)(fw >> 8); f[7] = (uint8_t)fw;
		f[8] = 64; f[9] = (flags & 4) ? 6 : 17;
		f[12] = 10; f[15] = 1; f[16] = 10; f[19] = (uint8_t)(2 + ((flags >> 3) & 1));
		h = 20;
	} else {
		uint16_t plen = (uint16_t)(8 + n), fo = (uint16_t)((offw << 3) | (more ? 1 : 0));
		memset(f, 0, 48);
		f[0] = 0x60; f[4] = (uint8_t)(plen >> 8); f[5] = (uint8_t)plen;
		f[6] = 44; f[7] = 64; f[8] = 0x20; f[23] = 1; f[24] = 0x20; f[39] = 2;
		f[40] = (flags & 4) ? 6 : 17; f[42] = (uint8_t)(fo >> 8); f[43] = (uint8_t)fo;
		f[47] = id;
		h = 48;
	}
	memcpy(f + h, payload, n);
	return h + n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[70000];
	struct ipfrag *ipf;
	struct ipfrag_done done;
	struct decap_pkt pkt, o;
	uint64_t ts = SEC;
	size_t i = 1, n, flen;
	uint32_t k, j;
	volatile uint8_t sink = 0;
	int built, r;

	if (size < 1)
		return 0;
	built = data[0] & 1;
	if ((ipf = ipfrag_new(1u + ((data[0] >> 1) & 3u), 2 * SEC)) == NULL)
		abort();
	while (i < size) {
		ts += (uint64_t)data[i] * (SEC / 16);
		i++;
		if (built) {
			if (size - i < 5)
				break;
			n = data[i + 4];
			if (n > size - i - 5)
				n = size - i - 5;
			flen = build(frame, data + i, data + i + 5, n);
			i += 5 + n;
		} else {
			if (size - i < 2)
				break;
			n = (size_t)data[i] << 8 | data[i + 1];
			i += 2;
			if (n > size - i)
				n = size - i;
			memcpy(frame, data + i, n);
			flen = n;
			i += n;
		}
		if (decap_frame(DLT_RAW, frame, flen, &pkt) != 0 || !pkt.is_fragment)
			continue;
		r = ipfrag_add(ipf, ts, &pkt, frame, (uint32_t)flen, (uint32_t)flen, &done);
		if (r == IPFRAG_DONE) {
			if (!done.ip || done.ip_len > IPFRAG_DGRAM_MAX || done.n_frames == 0)
				abort();
			if (decap_ip(done.ip, done.ip_len, &o) == 0 && o.is_fragment)
				abort();
			for (k = 0; k < done.n_frames; k++)
				for (j = 0; j < done.frames[k].caplen; j++)
					sink ^= done.frames[k].bytes[j];
		} else if (r == IPFRAG_LATE_DUP) {
			if (done.ip || done.n_frames != 1 || done.frames[0].bytes != frame)
				abort();
		} else if (r > 0) {
			abort();
		}
		if (data[i - 1] == 0xee)
			ipfrag_expire(ipf, ts);
	}
	(void)sink;
	ipfrag_free(ipf);
	return 0;
}
