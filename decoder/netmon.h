/* netmon.h - reading Microsoft Network Monitor 1.x/2.x capture files
 * (magic "RTSS" / "GMBU"), which libpcap does not read. Layout as
 * documented by Wireshark's wiretap/netmon.c: a fixed header with the
 * capture start as a SYSTEMTIME (taken as UTC) and the offset of a frame
 * table of 32-bit file offsets; each frame has a small header (time since
 * start, lengths) then the bytes.
 *
 * A pure parser over a buffer the caller owns (e.g. the mapped file):
 * every read is bounds-checked with common/rd.h.
 */
#ifndef TR_NETMON_H
#define TR_NETMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETMON_HDR_MIN 40u

struct netmon {
	const uint8_t *p;        /* the whole file (borrowed) */
	size_t   len;
	uint8_t  major, minor;
	int      dlt;            /* DLT_* of the header's network type, -1 if unknown */
	uint64_t start_ns;       /* capture start, ns since the epoch */
	uint32_t table_off, n_frames, next;
};

/* One frame; data points into the caller's buffer. */
struct netmon_frame {
	uint64_t ts_ns;
	const uint8_t *data;
	uint32_t caplen, origlen;
	int      dlt;            /* per frame (2.1+ trailer) or the file's */
};

/* Whether p starts with a Network Monitor magic. */
bool netmon_is(const uint8_t *p, size_t len);
/* Parses the file header. Returns 0, TR_ERR_INVAL (not NetMon, bad
 * version, frame table outside the file) or TR_ERR_SHORT. */
int  netmon_open(struct netmon *, const uint8_t *p, size_t len);
/* Returns 1 with the next frame, 0 at the end of the frame table, or
 * TR_ERR_SHORT / TR_ERR_INVAL for a frame that lies outside the file
 * (a truncated capture): the caller stops there. */
int  netmon_next(struct netmon *, struct netmon_frame *);

#endif
