/* container.h - the sealed recording container (docs/format.md).
 *
 * A versioned header (magic, recording id, the per-recording data key
 * sealed with crypto_box_seal to the vault's X25519 key, the secretstream
 * header), then a crypto_secretstream_xchacha20poly1305 body of length-
 * prefixed messages: 'M' call metadata (JSON), 'P' pcap bytes (in order),
 * 'R' record side-info (ring kind and direction per pcap record), and a
 * last empty 'E' message tagged FINAL. The writer streams straight to
 * an encrypted temporary file: no plaintext ever reaches the disk.
 */
#ifndef TR_CONTAINER_H
#define TR_CONTAINER_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define CONTAINER_MAGIC        "THREATRC"
#define CONTAINER_VERSION      1
#define CONTAINER_ID_MAX       48                 /* recording id bytes incl. NUL */
#define CONTAINER_MSG_MAX      65536u             /* plaintext bytes per message (kind byte excluded) */
#define CONTAINER_HDR_MAX      1024u
#define CONTAINER_SLOTS_MAX    4                  /* sealed copies of the data key */
#define CONTAINER_SEALED_LEN   (crypto_secretstream_xchacha20poly1305_KEYBYTES + crypto_box_SEALBYTES)

#define CONTAINER_K_META  'M'
#define CONTAINER_K_PCAP  'P'
#define CONTAINER_K_RECS  'R'   /* per pcap record: kind | dir << 4 (one byte each) */
#define CONTAINER_K_END   'E'

struct container_w;

/* Creates tmp_path (O_EXCL, 0600) and writes the header: a fresh data key
 * sealed to pk (the vault) and, when auth_pk is not NULL, also to an
 * authority's key (offline decryption). Caller ends with
 * container_w_finish or container_w_abort. */
int  container_w_open(const char *tmp_path, const char *rec_id,
                      const uint8_t pk[crypto_box_PUBLICKEYBYTES], const uint8_t *auth_pk,
                      struct container_w **wp);
/* Appends data of the given kind. 'P' bytes are buffered and emitted in
 * CONTAINER_MSG_MAX messages; 'M' and 'R' are one message each (n <= CONTAINER_MSG_MAX).
 * May block on disk I/O. 0, TR_ERR_SYS, TR_ERR_INVAL. */
int  container_w_put(struct container_w *, uint8_t kind, const uint8_t *p, size_t n);
/* Emits buffered 'P' bytes now. */
int  container_w_flush(struct container_w *);
/* Writes the FINAL message, fsyncs, renames tmp_path to final_path, fsyncs
 * final_path's folder; returns the file's SHA-256 and size. Frees w in
 * every case (on failure the temporary file is removed). */
int  container_w_finish(struct container_w *w, const char *final_path,
                        uint8_t sha256[crypto_hash_sha256_BYTES], uint64_t *sizep);
/* Closes and unlinks the temporary file, frees w. NULL-safe. */
void container_w_abort(struct container_w *);
/* Bytes written so far (header included). */
uint64_t container_w_size(const struct container_w *);

/* Reading. cb gets each message's kind and plaintext (borrowed for the
 * call); a non-zero return from cb stops reading and is returned. */
typedef int (*container_cb)(void *arg, uint8_t kind, const uint8_t *p, size_t n);

/* Authenticates and decrypts a whole container held in memory. Returns 0
 * only if every message authenticates, in order, the last one carries
 * FINAL and nothing follows it. Otherwise TR_ERR_INVAL/SHORT/CRYPTO with a
 * reason in why. rec_id (CONTAINER_ID_MAX bytes) receives the id. Never
 * writes anything to disk. */
int  container_read(const uint8_t *buf, size_t len, const uint8_t pk[crypto_box_PUBLICKEYBYTES],
                    const uint8_t *sk, char rec_id[CONTAINER_ID_MAX],
                    container_cb cb, void *arg, char *why, size_t whylen);
/* Reads a whole file (at most max bytes) into a malloc'ed buffer. */
int  container_load(const char *path, uint64_t max, uint8_t **bufp, size_t *lenp);
/* Loads the container the index names: STORAGE/rec/NAME, where NAME must be
 * a plain file name (no '/', not "." or ".."), and checks it against the
 * index row: its SHA-256 (lower-case hex) and its size. Returns 0 with the
 * bytes in *bufp (free()), or TR_ERR_INVAL (bad name), container_load's
 * error, or TR_ERR_CRYPTO (hash or size differ), with why filled. Used by
 * every export and by verify, so both refuse the same files. */
int  container_load_indexed(const char *storage, const char *name, uint64_t max,
                            const char *sha256_hex, int64_t size, uint8_t **bufp, size_t *lenp,
                            char *why, size_t whylen);

#endif
