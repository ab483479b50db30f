/* capfile.c - a capture file -> engine -> private ring. */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "decoder/capfile.h"
#include "decoder/netmon.h"
#include "sniffer/capture.h"

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

static void capfile_frame(struct engine *eng, struct capfile_stats *st, uint64_t ts,
                          const uint8_t *data, uint32_t caplen, uint32_t origlen, int dlt)
{
	if (st->packets == 0)
		st->t_first_ns = ts;
	if (ts > st->t_last_ns)
		st->t_last_ns = ts;
	st->packets++;
	engine_packet(eng, ts, data, caplen, origlen, dlt);
}

/* Network Monitor files, which libpcap does not read. Returns 1 if path
 * is one (and was fed), 0 if not, or TR_ERR_SYS. */
static int capfile_netmon(const char *path, struct engine *eng, struct capfile_stats *st)
{
	struct netmon nm;
	struct netmon_frame f;
	struct stat sb;
	uint8_t magic[4];
	void *map = MAP_FAILED;
	int fd = -1, r = 0, n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0)
		goto out;
	if (sb.st_size < (off_t)NETMON_HDR_MIN || pread(fd, magic, 4, 0) != 4 ||
	    !netmon_is(magic, 4))
		goto out;
	r = TR_ERR_SYS;
	if ((map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		goto out;
	if (netmon_open(&nm, map, (size_t)sb.st_size) != 0) {
		snprintf(st->error, sizeof(st->error), "bad Network Monitor file header");
		r = TR_ERR_UNSUPP;
		goto out;
	}
	st->dlt = nm.dlt;
	while ((n = netmon_next(&nm, &f)) == 1)
		capfile_frame(eng, st, f.ts_ns, f.data, f.caplen, f.origlen, f.dlt);
	if (n < 0) {
		st->truncated = 1;
		snprintf(st->error, sizeof(st->error), "frame %u lies outside the file", nm.next);
	}
	r = 1;
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)sb.st_size);
	if (fd >= 0)
		close(fd);
	return r;
}

int capfile_feed(const char *path, struct engine *eng, struct capfile_stats *st)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = NULL;
	struct pcap_pkthdr *h = NULL;
	const u_char *data = NULL;
	int r = TR_ERR_SYS, n;

	memset(st, 0, sizeof(*st));
	pc = capture_open_offline(path, errbuf);
	if (!pc) {
		if ((n = capfile_netmon(path, eng, st)) == 1)
			r = 0;
		else if (n < 0)
			r = n;
		if (n != 1 && !st->error[0])
			snprintf(st->error, sizeof(st->error), "%s", errbuf);
		goto out;
	}
	st->dlt = pcap_datalink(pc);
	while ((n = pcap_next_ex(pc, &h, &data)) == 1) {
		/* tv_usec holds nanoseconds: the file was opened at nano precision */
		uint64_t ts = (uint64_t)h->ts.tv_sec * CAPFILE_NS_PER_S + (uint64_t)h->ts.tv_usec;

		capfile_frame(eng, st, ts, data, h->caplen, h->len, st->dlt);
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

static int capfile_load_filtered(const char *path, const char *call_id, struct ring **ringp,
                                 struct capfile_stats *st)
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
	engine_set_filter(eng, call_id);
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

int capfile_load(const char *path, struct ring **ringp, struct capfile_stats *st)
{
	return capfile_load_filtered(path, NULL, ringp, st);
}

int capfile_load_call(const char *path, const char *call_id, struct ring **ringp,
                      struct capfile_stats *st)
{
	return capfile_load_filtered(path, call_id, ringp, st);
}
