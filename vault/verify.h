/* verify.h - `threatrec-vault verify`: re-checks the audit chain (sequence,
 * hashes, signatures) and every sealed container (file SHA-256 and size
 * against the index, every secretstream tag, FINAL last, recording id),
 * then that every recording the audit log sealed is still sealed in the index.
 */
#ifndef TR_VERIFY_H
#define TR_VERIFY_H

#include <stdio.h>
#include "index.h"
#include "keys.h"
#include "vconf.h"

/* Prints one line per finding to out. Returns 0 when everything checks,
 * TR_ERR_CRYPTO at the first bad audit row or container (named in the
 * output: "BAD audit row N: ..." / "BAD container FILE (recording ID): ..." /
 * "BAD recording ID: ..."). */
int verify_all(const struct vconf *, struct index *, const struct keys *, FILE *out);

#endif
