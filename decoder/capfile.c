/* capfile.c - a capture file -> engine -> private ring. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/log.h"
#include "decoder/capfile.h"

#define CAPFILE_NS_PER_S  UINT64_C(1000000000)
#define CAPFILE_RING_MIN  (UINT64_C(64) << 20)

void capfile_ring_conf(struct ring_conf *c, uint64_t file_size)
{
	memset(c, 0, sizeof(*c));
	c->name = NULL;
	c->size = 2 * file_size + CAPFILE_RING_MIN;
	c->slots = 65536;
	c->chunk_size = 65536;
	c->grace_ns = UINT64_MAX;
	c->mode = 0600;
	c->mlock = 0;
}

int capfile_feed(const char *path, struct engine *eng, struct capfile_stats *st)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = NULL;
	struct pcap_pkthdr *h = NULL;
	const u_char *data = NULL;
	int r = TR_ERR_SYS, n;

	memset(st, 0, sizeof(*st));
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		snprintf(st->error, sizeof(st->error), "%s", errbuf);
		goto out;
	}
	st->dlt = pcap_datalink(pc);
	while ((n = pcap_next_ex(pc, &h, &data)) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * CAPFILE_NS_PER_S + (uint64_t)h->ts.tv_usec;

		if (st->packets == 0)
			st->t_first_ns = ts;
		if (ts > st->t_last_ns)
			st->t_last_ns = ts;
		st->packets++;
		engine_packet(eng, ts, data, h->caplen, h->len, st->dlt);
	}
	if (n == PCAP_ERROR) {
		/* a truncated or corrupt tail: keep what was read */
		st->truncated = 1;
		snprintf(st->error, sizeof(st->error), "%s", pcap_geterr(pc));
	}
	r = 0;
out:
	if (pc)
		pcap_close(pc);
	return r;
}

int capfile_load(const char *path, struct ring **ringp, struct capfile_stats *st)
{
	struct ring_conf rc;
	struct engine_conf ec;
	struct ring *ring = NULL;
	struct engine *eng = NULL;
	struct stat sb;
	int r;

	*ringp = NULL;
	memset(st, 0, sizeof(*st));
	if (stat(path, &sb) != 0) {
		snprintf(st->error, sizeof(st->error), "%s", strerror(errno));
		r = TR_ERR_SYS;
		goto out;
	}
	capfile_ring_conf(&rc, (uint64_t)sb.st_size);
	if ((r = ring_create(&rc, &ring)) != 0) {
		snprintf(st->error, sizeof(st->error), "private ring: %s", tr_strerror(r));
		goto out;
	}
	engine_conf_init(&ec);
	if (ec.calls_max > rc.slots)
		ec.calls_max = rc.slots;
	r = TR_ERR_NOMEM;
	if (!(eng = engine_new(&ec, ring)))
		goto out;
	if ((r = capfile_feed(path, eng, st)) != 0)
		goto out;
	engine_finish(eng, st->t_last_ns);
	*ringp = ring;
	ring = NULL;
out:
	engine_free(eng);
	ring_close(ring);
	return r;
}
