/* keys.h - the vault's key pairs: X25519 (crypto_box, seals each
 * recording's data key) and Ed25519 (signs audit rows). Files in the
 * storage folder: vault.pub / vault.key, audit.pub / audit.key (0600).
 * Secret keys live in sodium_malloc'ed, mlocked memory.
 */
#ifndef TR_KEYS_H
#define TR_KEYS_H

#include <stdint.h>
#include <sodium.h>

struct keys {
	uint8_t box_pk[crypto_box_PUBLICKEYBYTES];
	uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t *box_sk;             /* sodium_malloc, crypto_box_SECRETKEYBYTES */
	uint8_t *sign_sk;            /* sodium_malloc, crypto_sign_SECRETKEYBYTES */
	uint8_t auth_pk[crypto_box_PUBLICKEYBYTES];   /* optional authority key */
	int has_auth;
};

/* Creates both key pairs in dir (which must exist, 0700). TR_ERR_EXISTS if
 * a key file is already there (never overwrites a key). */
int  keys_create(const char *dir);
/* Loads both pairs; checks modes (no group/other access on secret files) and
 * that each public key matches its secret key. Caller frees with keys_free. */
int  keys_load(const char *dir, struct keys **kp);
void keys_free(struct keys *);       /* NULL-safe, wipes */
/* Reads an authority's X25519 public key (a 32-byte file, as written by
 * keys_create_authority) into k; every new container gets a second key slot
 * for it. */
int  keys_load_authority(struct keys *k, const char *path);
/* Creates authority.pub / authority.key (0600) in dir, for offline use. */
int  keys_create_authority(const char *dir);
/* Loads a box key pair for offline decryption: <dir>/<name>.key and .pub
 * (name "vault" or "authority"). *skp is sodium_malloc'ed: sodium_free it. */
int  keys_load_box(const char *dir, const char *name, uint8_t pk[crypto_box_PUBLICKEYBYTES],
                   uint8_t **skp);

#endif
