/* fuzz_container.c - the sealed container reader (vault/container.c) on
 * untrusted file bytes, with a fixed vault key (seed 0x42 x 32) so that the
 * seed corpus, written with that key, decrypts and the fuzzer gets past the
 * header into the message framing. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sodium.h>
#include "vault/container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fz_cb(void *arg, uint8_t kind, const uint8_t *p, size_t n)
{
	size_t *total = arg;
	(void)kind;
	if (n > 0)
		*total += p[0] + p[n - 1];
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
	static int ready;
	uint8_t seed[crypto_box_SEEDBYTES];
	char id[CONTAINER_ID_MAX], why[200];
	size_t total = 0;

	if (!ready) {
		if (sodium_init() < 0)
			return 0;
		memset(seed, 0x42, sizeof seed);
		crypto_box_seed_keypair(pk, sk, seed);
		ready = 1;
	}
	(void)container_read(data, size, pk, sk, id, fz_cb, &total, why, sizeof why);
	return 0;
}
