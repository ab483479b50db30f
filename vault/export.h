/* export.h - a sealed recording, decrypted in memory only, as a sealed
 * memfd: the original packets (pcap) or the decoded stereo WAV
 * (decoder/decode.h), or the signed evidence package. Exported bytes never
 * touch the disk.
 */
#ifndef TR_EXPORT_H
#define TR_EXPORT_H

#include <stdint.h>
#include "index.h"
#include "keys.h"
#include "vconf.h"

struct export_out {
	int fd;                       /* sealed memfd, offset 0; the caller owns it */
	uint64_t size;
	char content_type[48];
	char filename[96];
};

/* kind: IPC_EXPORT_WAV, IPC_EXPORT_PCAP or IPC_EXPORT_EVIDENCE (a signed
 * tar, vault/evidence.h; db gives the audit-chain position, by the user).
 * Checks the container's SHA-256 against the index first. 0, TR_ERR_CRYPTO
 * (tampered), TR_ERR_UNSUPP, TR_ERR_NOMEM, TR_ERR_SYS. Blocks while
 * decrypting and decoding. */
int export_recording(const struct vconf *, const struct keys *, sqlite3 *db, const struct rec *,
                     uint32_t kind, const char *by, struct export_out *out);

/* The decrypted content of one container (also used by verify and tests). */
struct export_plain {
	char *meta_first;             /* first 'M' message (JSON text, NUL-terminated) */
	char *meta_last;              /* last 'M' message */
	uint8_t *pcap;                /* all 'P' bytes */
	size_t pcap_len, pcap_cap;
	uint8_t *side;                /* all 'R' bytes */
	size_t side_len, side_cap;
	char rec_id[48];
};
/* Reads and authenticates a container file into *p (caller clears with
 * export_plain_clear). why gets the reason of a failure. */
int  export_plain_load(const char *path, uint64_t max, const struct keys *, struct export_plain *p,
                       char *why, size_t whylen);
void export_plain_clear(struct export_plain *);

#endif
