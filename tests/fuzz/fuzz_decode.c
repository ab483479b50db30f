/* fuzz_decode.c - a call's records from any bytes through the decoder:
 * stream analysis, sequencer and mixer. The input is a list of records
 *   u8 kind, u8 dir, u16 capture-time step (ms, LE), u16 length (LE), bytes
 * of raw IPv4/IPv6 (DLT_RAW); the first two bytes give the call length
 * (ms, at most 65 s, so a run stays small). Aborts if the PCM length is
 * not the call's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decoder/decode.h"

#define FUZZ_T0 UINT64_C(1700000000000000000)
#define FUZZ_MS UINT64_C(1000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ring_call c;
	struct ring_rec rec;
	struct decode_ctx *d = NULL;
	struct decode_streams *ds = NULL;
	struct decode_wav_info info;
	int16_t *pcm = NULL;
	size_t frames = 0, i = 2;
	uint64_t t = FUZZ_T0, call_ms;

	if (size < 2)
		return 0;
	call_ms = (uint64_t)(data[0] | data[1] << 8);
	memset(&c, 0, sizeof(c));
	c.t_first = FUZZ_T0;
	c.t_end = FUZZ_T0 + call_ms * FUZZ_MS;
	c.n_pt = 2;
	c.pt[0] = (struct ring_pt){ .pt = 96, .used = 1, .clock_rate = 8000, .name = "PCMA" };
	c.pt[1] = (struct ring_pt){ .pt = 101, .used = 1, .clock_rate = 8000,
	                            .name = "telephone-event" };
	if (!(d = decode_ctx_new(&c)))
		return 0;
	while (size - i >= 6) {
		uint16_t step = (uint16_t)(data[i + 2] | data[i + 3] << 8);
		size_t len = (size_t)(data[i + 4] | data[i + 5] << 8);

		memset(&rec, 0, sizeof(rec));
		rec.kind = data[i] % 6;
		rec.dir = data[i + 1] % 3;
		t += step * FUZZ_MS / 16;
		rec.ts_ns = t;
		rec.link_type = 12;          /* DLT_RAW */
		i += 6;
		if (len > size - i)
			len = size - i;
		rec.caplen = rec.origlen = (uint32_t)len;
		rec.l5_off = 0xffff;
		decode_ctx_add(d, &rec, data + i);
		i += len;
	}
	if (decode_ctx_streams(d, &ds) == 0 && ds->n > DECODE_STREAMS_MAX)
		abort();
	/* the last record may end after t_end: the PCM lasts until then */
	if (decode_ctx_pcm(d, &pcm, &frames, &info) == 0 && frames < call_ms * 8)
		abort();
	free(pcm);
	decode_streams_free(ds);
	decode_ctx_free(d);
	return 0;
}
