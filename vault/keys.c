/* keys.c - creating and loading the vault's key pairs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "err.h"
#include "log.h"
#include "keys.h"

static int
write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	int fd = -1, r = TR_ERR_SYS;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = errno == EEXIST ? TR_ERR_EXISTS : TR_ERR_SYS;
		log_err_f("%s: %s", path, strerror(errno));
		goto out;
	}
	if (write(fd, p, n) != (ssize_t)n || fsync(fd) != 0) {
		log_err_f("%s: %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

static int
read_file(const char *dir, const char *name, uint8_t *p, size_t n, int secret)
{
	char path[512];
	struct stat st;
	int fd = -1, r = TR_ERR_SYS;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0) {
		log_err_f("%s: %s", path, strerror(errno));
		goto out;
	}
	if (secret && (st.st_mode & 077) != 0) {
		log_err_f("%s: mode %03o gives group/other access", path, (unsigned)(st.st_mode & 0777));
		r = TR_ERR_PERM;
		goto out;
	}
	if (st.st_size != (off_t)n || read(fd, p, n) != (ssize_t)n) {
		log_err_f("%s: not a %zu-byte key file", path, n);
		r = TR_ERR_INVAL;
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

int
keys_create(const char *dir)
{
	uint8_t pk[crypto_box_PUBLICKEYBYTES], spk[crypto_sign_PUBLICKEYBYTES];
	uint8_t *sk = NULL, *ssk = NULL;
	int r = TR_ERR_NOMEM;

	sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	ssk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (sk == NULL || ssk == NULL)
		goto out;
	crypto_box_keypair(pk, sk);
	crypto_sign_keypair(spk, ssk);
	if ((r = write_file(dir, "vault.key", sk, crypto_box_SECRETKEYBYTES)) != 0 ||
	    (r = write_file(dir, "vault.pub", pk, sizeof pk)) != 0 ||
	    (r = write_file(dir, "audit.key", ssk, crypto_sign_SECRETKEYBYTES)) != 0 ||
	    (r = write_file(dir, "audit.pub", spk, sizeof spk)) != 0)
		goto out;
out:
	sodium_free(sk);
	sodium_free(ssk);
	return r;
}

int
keys_load(const char *dir, struct keys **kp)
{
	struct keys *k = NULL;
	uint8_t chk[crypto_box_PUBLICKEYBYTES];
	int r = TR_ERR_NOMEM;

	if ((k = calloc(1, sizeof *k)) == NULL)
		goto out;
	k->box_sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	k->sign_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (k->box_sk == NULL || k->sign_sk == NULL)
		goto out;
	if ((r = read_file(dir, "vault.key", k->box_sk, crypto_box_SECRETKEYBYTES, 1)) != 0 ||
	    (r = read_file(dir, "vault.pub", k->box_pk, sizeof k->box_pk, 0)) != 0 ||
	    (r = read_file(dir, "audit.key", k->sign_sk, crypto_sign_SECRETKEYBYTES, 1)) != 0 ||
	    (r = read_file(dir, "audit.pub", k->sign_pk, sizeof k->sign_pk, 0)) != 0)
		goto out;
	r = TR_ERR_CRYPTO;
	crypto_scalarmult_base(chk, k->box_sk);
	if (sodium_memcmp(chk, k->box_pk, sizeof chk) != 0) {
		log_err_f("%s: vault.pub does not match vault.key", dir);
		goto out;
	}
	if (sodium_memcmp(k->sign_sk + 32, k->sign_pk, sizeof k->sign_pk) != 0) {
		log_err_f("%s: audit.pub does not match audit.key", dir);
		goto out;
	}
	sodium_mprotect_readonly(k->box_sk);
	sodium_mprotect_readonly(k->sign_sk);
	*kp = k;
	k = NULL;
	r = 0;
out:
	keys_free(k);
	return r;
}

void
keys_free(struct keys *k)
{
	if (k == NULL)
		return;
	sodium_free(k->box_sk);
	sodium_free(k->sign_sk);
	free(k);
}

int
keys_load_authority(struct keys *k, const char *path)
{
	char *copy = strdup(path), *slash;
	int r;

	if (copy == NULL)
		return TR_ERR_NOMEM;
	slash = strrchr(copy, '/');
	if (slash != NULL)
		*slash = '\0';
	r = read_file(slash ? copy : ".", slash ? slash + 1 : copy, k->auth_pk, sizeof k->auth_pk, 0);
	free(copy);
	if (r == 0)
		k->has_auth = 1;
	return r;
}

int
keys_create_authority(const char *dir)
{
	uint8_t pk[crypto_box_PUBLICKEYBYTES], *sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	int r = TR_ERR_NOMEM;

	if (sk == NULL)
		return r;
	crypto_box_keypair(pk, sk);
	if ((r = write_file(dir, "authority.key", sk, crypto_box_SECRETKEYBYTES)) == 0)
		r = write_file(dir, "authority.pub", pk, sizeof pk);
	sodium_free(sk);
	return r;
}

int
keys_load_box(const char *dir, const char *name, uint8_t pk[crypto_box_PUBLICKEYBYTES], uint8_t **skp)
{
	char fn[64];
	uint8_t *sk = sodium_malloc(crypto_box_SECRETKEYBYTES), chk[crypto_box_PUBLICKEYBYTES];
	int r = TR_ERR_NOMEM;

	if (sk == NULL)
		goto out;
	snprintf(fn, sizeof fn, "%s.key", name);
	if ((r = read_file(dir, fn, sk, crypto_box_SECRETKEYBYTES, 1)) != 0)
		goto out;
	snprintf(fn, sizeof fn, "%s.pub", name);
	if ((r = read_file(dir, fn, pk, crypto_box_PUBLICKEYBYTES, 0)) != 0)
		goto out;
	crypto_scalarmult_base(chk, sk);
	r = TR_ERR_CRYPTO;
	if (sodium_memcmp(chk, pk, sizeof chk) != 0)
		goto out;
	*skp = sk;
	sk = NULL;
	r = 0;
out:
	sodium_free(sk);
	return r;
}
