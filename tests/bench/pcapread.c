/* pcapread.c - the libpcap read ceiling: reads a capture file with
 * pcap_next_ex and does nothing else (touches one byte per packet so the
 * data is really read). Prints "packets bytes seconds packets/s cpu-seconds"
 * (wall-clock seconds of the loop, and its user + system CPU time).
 * -u opens the file as the sniffer does: our own FILE with stdio locking
 * off (__fsetlocking BYCALLER) handed to pcap_fopen_offline; without it,
 * pcap_open_offline (two locked freads per packet).
 * Built by tests/bench/run.sh; not part of the product.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h = NULL;
	const u_char *d = NULL;
	struct timespec t0, t1;
	struct rusage u0, u1;
	uint64_t n = 0, bytes = 0;
	unsigned sum = 0;
	pcap_t *p = NULL;
	double s;
	int r;

	FILE *f = NULL;
	int unlocked = argc == 3 && strcmp(argv[1], "-u") == 0;

	if (argc != 2 && !unlocked) {
		fprintf(stderr, "usage: pcapread [-u] FILE\n");
		return 2;
	}
	if (unlocked) {
		if ((f = fopen(argv[2], "rb")) == NULL) {
			perror(argv[2]);
			return 1;
		}
		(void)__fsetlocking(f, FSETLOCKING_BYCALLER);
		p = pcap_fopen_offline(f, err);
	} else
		p = pcap_open_offline(argv[1], err);
	if (p == NULL) {
		fprintf(stderr, "pcapread: %s\n", err);
		if (f != NULL)
			fclose(f);
		return 1;
	}
	getrusage(RUSAGE_SELF, &u0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		n++;
		bytes += h->caplen;
		sum += h->caplen ? d[h->caplen - 1] : 0u;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &u1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%llu %llu %.3f %.0f %.3f %u\n", (unsigned long long)n, (unsigned long long)bytes, s,
	       s > 0 ? (double)n / s : 0.0,
	       (double)(u1.ru_utime.tv_sec - u0.ru_utime.tv_sec + u1.ru_stime.tv_sec - u0.ru_stime.tv_sec)
	       + (double)(u1.ru_utime.tv_usec - u0.ru_utime.tv_usec + u1.ru_stime.tv_usec - u0.ru_stime.tv_usec) / 1e6,
	       sum & 1u);
	pcap_close(p);
	return r == -1 ? 1 : 0;
}
