/* fuzz_pcapfile.c - a whole capture file through the engine: the input is
 * read as pcap or pcapng (libpcap on fmemopen), every packet goes through
 * engine_packet() into a small private ring, then every call's records are
 * read back with ring_iter and their bytes touched. Aborts when a stored
 * record's UDP payload offset points outside its bytes. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "ring.h"

#define FUZZ_PACKETS_MAX 20000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_back(struct ring *ring)
{
	struct ring_call c;
	struct ring_iter it;
	struct ring_rec rec;
	const uint8_t *b;
	volatile uint8_t sink = 0;
	uint32_t s;

	for (s = 0; s < ring_slots(ring); s++) {
		if (ring_call_read(ring, s, &c) != 0)
			continue;
		if (memchr(c.call_id, '\0', sizeof(c.call_id)) == NULL)
			abort();
		if (ring_iter_init(&it, ring, s, c.gen) != 0)
			continue;
		while (ring_iter_next(&it, &rec, &b) == 1) {
			if (rec.l5_off != 0xffff && (uint32_t)rec.l5_off + rec.l5_len > rec.caplen)
				abort();
			if (rec.caplen)
				sink ^= b[0] ^ b[rec.caplen - 1];
		}
		ring_iter_clear(&it);
	}
	(void)sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[PCAP_ERRBUF_SIZE];
	struct ring_conf rc = { .name = NULL, .size = 1u << 20, .slots = 32, .chunk_size = 16384,
	                        .grace_ns = UINT64_MAX, .mode = 0600 };
	struct engine_conf ec;
	struct ring *ring = NULL;
	struct engine *eng = NULL;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = NULL;
	FILE *f;
	uint64_t ts = 0;
	uint32_t n = 0;

	if (size == 0 || (f = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	/* pcap_close() closes f; a failed open leaves it to us */
	if ((p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err)) == NULL) {
		fclose(f);
		goto out;
	}
	if (ring_create(&rc, &ring) != 0)
		goto out;
	engine_conf_init(&ec);
	ec.calls_max = 16;
	ec.frags_max = 8;
	snprintf(ec.mark_code, sizeof(ec.mark_code), "*9");
	snprintf(ec.agent_pattern, sizeof(ec.agent_pattern), "1*");
	ec.sip_ports[1] = 5080;
	if ((eng = engine_new(&ec, ring)) == NULL)
		goto out;
	while (n++ < FUZZ_PACKETS_MAX && pcap_next_ex(p, &h, &d) == 1) {
		ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		engine_packet(eng, ts, d, h->caplen, h->len, pcap_datalink(p));
	}
	engine_tick(eng, ts);
	read_back(ring);
	engine_finish(eng, ts);
	read_back(ring);
out:
	engine_free(eng);
	ring_close(ring);
	if (p != NULL)
		pcap_close(p);
	return 0;
}
