/* capfile.h - feeding a pcap/pcapng file through the sniffer's engine into
 * a private ring: the decoder CLI's (and the tests') way to get the calls
 * of a capture by exactly the sniffer's code path.
 */
#ifndef TR_CAPFILE_H
#define TR_CAPFILE_H

#include <stdint.h>

#include "sniffer/engine.h"
#include "sniffer/ring.h"

struct capfile_stats {
	uint64_t packets;        /* frames fed to the engine */
	uint64_t t_first_ns, t_last_ns;
	int      dlt;
	int      truncated;      /* the file ended inside a record: read up to the break */
	char     error[256];     /* libpcap's words for an open failure or the break */
};

/* Reads every frame of path (pcap, pcapng, or Network Monitor; ns timestamps) into
 * engine; does not call engine_finish. Returns 0 (also for a truncated
 * file: see st->truncated), or TR_ERR_SYS / TR_ERR_UNSUPP (cannot open /
 * link type not handled) with st->error set. Blocks on file reads. */
int capfile_feed(const char *path, struct engine *, struct capfile_stats *st);

/* The private ring conf the CLI uses for a file of file_size bytes:
 * anonymous, 2x the file + 64 MiB, 65536 slots, 64 KiB chunks, no expiry. */
void capfile_ring_conf(struct ring_conf *, uint64_t file_size);

/* All in one: creates a private ring and an engine (defaults), feeds path,
 * finishes the engine at the last packet's time. On success the caller
 * owns *ringp (ring_close). Returns as capfile_feed, or TR_ERR_NOMEM. */
int capfile_load(const char *path, struct ring **ringp, struct capfile_stats *st);
/* The same, but only the calls with this Call-ID get packet records (every
 * call is still followed and listed, with metadata only): one call out of a
 * large capture in the memory that call needs (engine_set_filter). */
int capfile_load_call(const char *path, const char *call_id, struct ring **ringp,
                      struct capfile_stats *st);

#endif
