/* evidence.h - the signed evidence package of a recording: a ustar
 * archive holding ID.wav, ID.pcap, manifest.json (hashes, call-index data,
 * clock state, audit-chain position), manifest.json.minisig (a minisign
 * signature by the vault's audit key) and minisign.pub. A third party
 * checks it with `minisign -Vm manifest.json -p minisign.pub` and
 * `sha256sum`. Built in memory, returned as a sealed memfd.
 */
#ifndef TR_EVIDENCE_H
#define TR_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "index.h"
#include "keys.h"

/* Writes the package to fd (a memfd, borrowed) from the decrypted WAV and
 * pcap bytes (borrowed). exported_by names the user. 0 or TR_ERR_*. */
int evidence_write(int fd, sqlite3 *db, const struct keys *, const struct rec *,
                   const uint8_t *wav, size_t wav_len, const uint8_t *pcap, size_t pcap_len,
                   const char *exported_by);
/* minisign text forms (exposed for tests): the public key file, and the
 * signature file of msg; NUL-terminated, caller frees. */
char *evidence_minisign_pub(const struct keys *);
char *evidence_minisign_sig(const struct keys *, const uint8_t *msg, size_t len,
                            const char *trusted_comment);

#endif
