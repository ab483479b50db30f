/* floor.c - the yardstick "a bare parse-hash-copy loop into shared
 * memory", measured on the bench capture, in two shapes:
 *
 *   floor seq FILE      every UDP/IPv4 packet copied (24-byte header + bytes)
 *                       one after the other into a shared-memory region: one
 *                       sequential write stream
 *   floor percall FILE  the same, but each packet goes to the 64 KiB chunk
 *                       of its destination address:port, chunks taken in
 *                       order from the region, with the ring writer's
 *                       prefetch of the next 256 bytes: the shape of
 *                       threatrec's ring (one write position per call)
 *
 * Both read like the sniffer (pcap_fopen_offline, stdio locking off), parse
 * untagged Ethernet/IPv4/UDP only, and find the destination in an
 * open-addressing hash table. No SIP, no RTP check, no counters, no call
 * state: a floor, not a product. Prints "packets seconds packets/s".
 * Built by tests/bench/run.sh; not part of the product.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FL_BUCKETS  65536u
#define FL_DESTS    32768u
#define FL_CHUNK    65536u
#define FL_REC_HDR  24u

struct fl_ent { uint32_t addr; uint16_t port; uint16_t used; uint32_t dest; };
struct fl_dest { uint8_t *chunk; uint32_t used; };

static struct fl_ent fl_tab[FL_BUCKETS];
static struct fl_dest fl_dests[FL_DESTS];

static uint32_t fl_bucket(uint32_t addr, uint16_t port)
{
	uint64_t h = ((uint64_t)addr << 16 | port) * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 48) & (FL_BUCKETS - 1);
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE], name[64];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct timespec t0, t1;
	uint64_t n = 0, seqpos = 0, next_chunk = 0;
	uint32_t ndest = 0;
	uint8_t *shm;
	size_t shm_len;
	struct stat sb;
	pcap_t *p;
	FILE *f;
	double s;
	int percall, fd;

	if (argc != 3 || (strcmp(argv[1], "seq") != 0 && strcmp(argv[1], "percall") != 0)) {
		fprintf(stderr, "usage: floor seq|percall FILE\n");
		return 2;
	}
	percall = strcmp(argv[1], "percall") == 0;
	if ((f = fopen(argv[2], "rb")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	(void)__fsetlocking(f, FSETLOCKING_BYCALLER);
	if ((p = pcap_fopen_offline(f, err)) == NULL) {
		fprintf(stderr, "floor: %s\n", err);
		fclose(f);
		return 1;
	}
	/* room for every packet of the file, half-empty chunks included, and
	 * 4,096 destinations' last chunks: nothing is written over while the
	 * loop runs */
	if (stat(argv[2], &sb) != 0) {
		perror(argv[2]);
		return 1;
	}
	shm_len = (size_t)sb.st_size * 2 + ((size_t)256 << 20);
	snprintf(name, sizeof name, "/threatrec-floor-%d", (int)getpid());
	if ((fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600)) < 0) {
		perror("shm_open");
		return 1;
	}
	shm_unlink(name);                  /* gone when we are, whatever happens */
	if (ftruncate(fd, (off_t)shm_len) != 0) {
		perror("ftruncate");
		return 1;
	}
	shm = mmap(NULL, shm_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (shm == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (pcap_next_ex(p, &h, &d) == 1) {
		uint32_t addr, b, need;
		uint16_t port;
		struct fl_dest *x;
		uint8_t *w;

		n++;
		if (h->caplen < 42 || d[12] != 0x08 || d[13] != 0x00 || d[14] != 0x45 || d[23] != 17)
			continue;
		memcpy(&addr, d + 30, 4);
		port = (uint16_t)(d[36] << 8 | d[37]);
		b = fl_bucket(addr, port);
		while (fl_tab[b].used && (fl_tab[b].addr != addr || fl_tab[b].port != port))
			b = (b + 1) & (FL_BUCKETS - 1);
		if (!fl_tab[b].used) {
			if (ndest == FL_DESTS)
				continue;
			fl_tab[b].used = 1;
			fl_tab[b].addr = addr;
			fl_tab[b].port = port;
			fl_tab[b].dest = ndest++;
		}
		need = (FL_REC_HDR + h->caplen + 7u) & ~7u;
		if (need > FL_CHUNK)
			continue;
		if (!percall) {
			if (seqpos + need > shm_len)
				seqpos = 0;
			w = shm + seqpos;
			seqpos += need;
		} else {
			x = &fl_dests[fl_tab[b].dest];
			if (x->chunk == NULL || x->used + need > FL_CHUNK) {
				if (next_chunk + FL_CHUNK > shm_len)
					next_chunk = 0;
				x->chunk = shm + next_chunk;
				next_chunk += FL_CHUNK;
				x->used = 0;
			}
			w = x->chunk + x->used;
			x->used += need;
			if (x->used + 256 <= FL_CHUNK)
				for (uint32_t o = 0; o < 256; o += 64)
					__builtin_prefetch(x->chunk + x->used + o, 1, 3);
		}
		memcpy(w, h, 16);
		memset(w + 16, 0, 8);
		memcpy(w + FL_REC_HDR, d, h->caplen);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%llu %.3f %.0f\n", (unsigned long long)n, s, s > 0 ? (double)n / s : 0.0);
	munmap(shm, shm_len);
	pcap_close(p);
	return 0;
}
