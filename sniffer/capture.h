/* capture.h - packet input for the sniffer: a live interface through
 * libpcap's TPACKET_V3 ring (promiscuous, large kernel buffer, immediate
 * mode off) or a pcap/pcapng file, optionally paced at capture speed.
 */
#ifndef TR_CAPTURE_H
#define TR_CAPTURE_H

#include <stdint.h>
#include <pcap/pcap.h>

struct capture_conf {
	const char *iface;         /* live interface, or NULL */
	const char *file;          /* capture file, or NULL */
	const char *filter;        /* BPF filter, or NULL/"" for everything */
	uint32_t snaplen;          /* default 65535 */
	uint64_t buffer_size;      /* kernel buffer bytes, default 64 MiB */
	int      promisc;
	double   pace;             /* 0 = full speed; 1.0 = capture speed (file only) */
	int      loop;             /* replay the file forever (file only; with pace) */
};

struct capture;

/* Called for every frame; ts_ns is the capture clock (wall clock when
 * pacing a file, so that a demo looks live). */
typedef void (*capture_cb)(void *arg, uint64_t ts_ns, const uint8_t *frame,
                           uint32_t caplen, uint32_t origlen, int dlt);
/* Called at least every 200 ms with the current capture clock. */
typedef void (*capture_tick_cb)(void *arg, uint64_t now_ns);

/* Opens a capture file ("-": standard input) for pcap_next_ex at nanosecond
 * precision, as libpcap's pcap_open_offline would, but through a FILE with
 * stdio locking off: one thread reads it. NULL with errbuf
 * (PCAP_ERRBUF_SIZE) filled on failure. */
pcap_t *capture_open_offline(const char *path, char *errbuf);
/* Opens the input (needs CAP_NET_RAW for a live interface). err gets a text. */
int  capture_open(const struct capture_conf *, struct capture **capp, char *err, size_t errlen);
void capture_close(struct capture *);       /* NULL-safe */
int  capture_dlt(const struct capture *);
/* Runs until the input ends or *stop becomes non-zero. Returns 0 at the end
 * of a file or on stop, TR_ERR_* on a read error (truncated files end with a
 * warning and 0). */
int  capture_run(struct capture *, capture_cb cb, capture_tick_cb tick, void *arg,
                 volatile int *stop);
/* Kernel drop counters (ps_drop + ps_ifdrop); 0 for files. */
uint64_t capture_kernel_drops(struct capture *);
/* Whether the input was a file that ended with a read error (truncated). */
int  capture_truncated(const struct capture *);

#endif
