/* container.c - writing and reading sealed recording containers
 * (docs/format.md). libsodium sealed box + secretstream xchacha20poly1305.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "err.h"
#include "log.h"
#include "rd.h"
#include "container.h"

#define SS_ABYTES  crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_HDRLEN  crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_KEYLEN  crypto_secretstream_xchacha20poly1305_KEYBYTES

struct container_w {
	int fd;
	char *tmp_path;
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_hash_sha256_state sha;
	uint8_t hdr[CONTAINER_HDR_MAX];
	size_t hdr_len;
	int n_msgs;
	uint64_t size;
	uint8_t *buf;                  /* 1 kind byte + CONTAINER_MSG_MAX plaintext */
	size_t buf_len;                /* pcap bytes buffered */
	uint8_t *ct;                   /* 4 + 1 + CONTAINER_MSG_MAX + ABYTES */
};

static void
put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static int
write_all(struct container_w *w, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return TR_ERR_SYS;
		}
		crypto_hash_sha256_update(&w->sha, p, (size_t)k);
		w->size += (uint64_t)k;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Encrypts kind+data as one message and writes it length-prefixed. The
 * first message carries the header as additional data, binding the two. */
static int
emit(struct container_w *w, uint8_t kind, const uint8_t *p, size_t n, uint8_t tag)
{
	unsigned long long clen = 0;
	uint8_t *pt = w->buf;

	if (n > CONTAINER_MSG_MAX)
		return TR_ERR_INVAL;
	if (p != w->buf + 1 && n > 0)
		memmove(pt + 1, p, n);
	pt[0] = kind;
	crypto_secretstream_xchacha20poly1305_push(&w->st, w->ct + 4, &clen, pt, n + 1,
		w->n_msgs == 0 ? w->hdr : NULL, w->n_msgs == 0 ? w->hdr_len : 0, tag);
	put_be32(w->ct, (uint32_t)clen);
	w->n_msgs++;
	return write_all(w, w->ct, 4 + (size_t)clen);
}

int
container_w_open(const char *tmp_path, const char *rec_id,
                 const uint8_t pk[crypto_box_PUBLICKEYBYTES], const uint8_t *auth_pk,
                 struct container_w **wp)
{
	struct container_w *w = NULL;
	uint8_t *key = NULL;
	uint8_t ss_hdr[SS_HDRLEN], kid[crypto_hash_sha256_BYTES];
	size_t idlen = strlen(rec_id), o = 0;
	int r = TR_ERR_NOMEM;

	if (idlen == 0 || idlen >= CONTAINER_ID_MAX)
		return TR_ERR_INVAL;
	if ((w = calloc(1, sizeof *w)) == NULL)
		goto out;
	w->fd = -1;
	w->buf = sodium_malloc(1 + CONTAINER_MSG_MAX);
	w->ct = malloc(4 + 1 + CONTAINER_MSG_MAX + SS_ABYTES);
	key = sodium_malloc(SS_KEYLEN);
	w->tmp_path = strdup(tmp_path);
	if (w->buf == NULL || w->ct == NULL || key == NULL || w->tmp_path == NULL)
		goto out;
	crypto_secretstream_xchacha20poly1305_keygen(key);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, ss_hdr, key);

	/* header: magic, version, header length, flags, id, key slots, ss header */
	memcpy(w->hdr, CONTAINER_MAGIC, 8); o = 8;
	put_be16(w->hdr + o, CONTAINER_VERSION); o += 2;
	o += 2;                                        /* header length, filled below */
	put_be32(w->hdr + o, 0); o += 4;                /* flags */
	memset(w->hdr + o, 0, CONTAINER_ID_MAX);
	memcpy(w->hdr + o, rec_id, idlen); o += CONTAINER_ID_MAX;
	put_be16(w->hdr + o, auth_pk ? 2 : 1); o += 2;  /* key slots: the vault [, authority] */
	for (int slot = 0; slot < (auth_pk ? 2 : 1); slot++) {
		const uint8_t *to = slot == 0 ? pk : auth_pk;
		w->hdr[o++] = (uint8_t)(slot + 1);          /* 1 = vault key, 2 = authority key */
		crypto_hash_sha256(kid, to, crypto_box_PUBLICKEYBYTES);
		memcpy(w->hdr + o, kid, 8); o += 8;
		if (crypto_box_seal(w->hdr + o, key, SS_KEYLEN, to) != 0) {
			r = TR_ERR_CRYPTO;
			goto out;
		}
		o += CONTAINER_SEALED_LEN;
	}
	memcpy(w->hdr + o, ss_hdr, SS_HDRLEN); o += SS_HDRLEN;
	put_be16(w->hdr + 10, (uint16_t)o);
	w->hdr_len = o;

	crypto_hash_sha256_init(&w->sha);
	w->fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		r = TR_ERR_SYS;
		log_err_f("%s: %s", tmp_path, strerror(errno));
		goto out;
	}
	if ((r = write_all(w, w->hdr, w->hdr_len)) != 0)
		goto out;
	*wp = w;
	w = NULL;
	r = 0;
out:
	sodium_free(key);
	container_w_abort(w);
	return r;
}

int
container_w_flush(struct container_w *w)
{
	int r = 0;

	if (w->buf_len > 0) {
		r = emit(w, CONTAINER_K_PCAP, w->buf + 1, w->buf_len,
		         crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
		w->buf_len = 0;
	}
	return r;
}

int
container_w_put(struct container_w *w, uint8_t kind, const uint8_t *p, size_t n)
{
	int r = 0;

	if (kind == CONTAINER_K_META || kind == CONTAINER_K_RECS) {
		if ((r = container_w_flush(w)) != 0)
			goto out;
		r = emit(w, kind, p, n, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
		goto out;
	}
	if (kind != CONTAINER_K_PCAP) {
		r = TR_ERR_INVAL;
		goto out;
	}
	while (n > 0) {
		size_t take = CONTAINER_MSG_MAX - w->buf_len;
		if (take > n)
			take = n;
		memcpy(w->buf + 1 + w->buf_len, p, take);
		w->buf_len += take;
		p += take;
		n -= take;
		if (w->buf_len == CONTAINER_MSG_MAX && (r = container_w_flush(w)) != 0)
			goto out;
	}
out:
	return r;
}

uint64_t
container_w_size(const struct container_w *w)
{
	return w->size + w->buf_len;
}

static int
fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd = -1, r = TR_ERR_SYS;

	if (copy == NULL)
		return TR_ERR_NOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && fsync(fd) == 0)
		r = 0;
	if (fd >= 0)
		close(fd);
	free(copy);
	return r;
}

int
container_w_finish(struct container_w *w, const char *final_path,
                   uint8_t sha256[crypto_hash_sha256_BYTES], uint64_t *sizep)
{
	int r, fs;

	if ((r = container_w_flush(w)) != 0 ||
	    (r = emit(w, CONTAINER_K_END, NULL, 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL)) != 0)
		goto out;
	r = TR_ERR_SYS;
	/* closed even when fsync fails (the fd would leak: fd = -1 below) */
	fs = fsync(w->fd);
	if (close(w->fd) != 0 || fs != 0) {
		w->fd = -1;
		log_err_f("%s: %s", w->tmp_path, strerror(errno));
		goto out;
	}
	w->fd = -1;
	if (rename(w->tmp_path, final_path) != 0) {
		log_err_f("rename %s: %s", final_path, strerror(errno));
		goto out;
	}
	if ((r = fsync_dir_of(final_path)) != 0)
		goto out;
	crypto_hash_sha256_final(&w->sha, sha256);
	*sizep = w->size;
	free(w->tmp_path);
	w->tmp_path = NULL;             /* renamed: nothing to unlink */
	r = 0;
out:
	container_w_abort(w);
	return r;
}

void
container_w_abort(struct container_w *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp_path != NULL)
		unlink(w->tmp_path);
	free(w->tmp_path);
	sodium_free(w->buf);
	free(w->ct);
	sodium_memzero(&w->st, sizeof w->st);
	free(w);
}

/* --- reading --- */

#define WHY(...) do { if (why != NULL) snprintf(why, whylen, __VA_ARGS__); } while (0)

int
container_read(const uint8_t *buf, size_t len, const uint8_t pk[crypto_box_PUBLICKEYBYTES],
               const uint8_t *sk, char rec_id[CONTAINER_ID_MAX],
               container_cb cb, void *arg, char *why, size_t whylen)
{
	struct rd rd = rd_make(buf, len), h;
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t magic[8], kid[8], want_kid[crypto_hash_sha256_BYTES];
	uint8_t ss_hdr[SS_HDRLEN];
	uint8_t *key = NULL, *pt = NULL;
	const uint8_t *hdr_start = buf;
	uint16_t version, hlen, nslots, i;
	uint32_t flags;
	int have_key = 0, final = 0, r = TR_ERR_INVAL;
	unsigned long nmsg = 0;

	WHY("ok");
	if (rd_sub(&rd, 12, &h) != 0) {
		r = TR_ERR_SHORT; WHY("truncated header"); goto out;
	}
	rd_bytes(&h, magic, 8);
	rd_be16(&h, &version);
	rd_be16(&h, &hlen);
	if (memcmp(magic, CONTAINER_MAGIC, 8) != 0) { WHY("bad magic"); goto out; }
	if (version != CONTAINER_VERSION) { WHY("unsupported version %u", version); goto out; }
	if (hlen < 12 || hlen > CONTAINER_HDR_MAX) { WHY("bad header length %u", hlen); goto out; }
	rd = rd_make(buf, len);
	if (rd_sub(&rd, hlen, &h) != 0) { r = TR_ERR_SHORT; WHY("truncated header"); goto out; }
	rd_skip(&h, 12);
	if (rd_be32(&h, &flags) != 0 || rd_bytes(&h, rec_id, CONTAINER_ID_MAX) != 0 ||
	    rd_be16(&h, &nslots) != 0) {
		r = TR_ERR_SHORT; WHY("truncated header"); goto out;
	}
	if (flags != 0) { WHY("unknown header flags 0x%x", flags); goto out; }
	if (memchr(rec_id, '\0', CONTAINER_ID_MAX) == NULL || rec_id[0] == '\0') {
		rec_id[0] = '\0'; WHY("bad recording id"); goto out;
	}
	if (nslots == 0 || nslots > CONTAINER_SLOTS_MAX) { WHY("bad key slot count %u", nslots); goto out; }
	if ((key = sodium_malloc(SS_KEYLEN)) == NULL ||
	    (pt = sodium_malloc(1 + CONTAINER_MSG_MAX)) == NULL) {
		r = TR_ERR_NOMEM; goto out;
	}
	crypto_hash_sha256(want_kid, pk, crypto_box_PUBLICKEYBYTES);
	for (i = 0; i < nslots; i++) {
		uint8_t kind, sealed[CONTAINER_SEALED_LEN];
		if (rd_u8(&h, &kind) != 0 || rd_bytes(&h, kid, 8) != 0 ||
		    rd_bytes(&h, sealed, sizeof sealed) != 0) {
			r = TR_ERR_SHORT; WHY("truncated key slot"); goto out;
		}
		if (have_key || memcmp(kid, want_kid, 8) != 0)
			continue;
		if (crypto_box_seal_open(key, sealed, sizeof sealed, pk, sk) == 0)
			have_key = 1;
	}
	if (rd_bytes(&h, ss_hdr, SS_HDRLEN) != 0) { r = TR_ERR_SHORT; WHY("truncated header"); goto out; }
	if (h.len != 0) { WHY("trailing header bytes"); goto out; }
	if (!have_key) { r = TR_ERR_CRYPTO; WHY("data key does not open with this vault key"); goto out; }
	if (crypto_secretstream_xchacha20poly1305_init_pull(&st, ss_hdr, key) != 0) {
		r = TR_ERR_CRYPTO; WHY("bad stream header"); goto out;
	}
	while (rd.len > 0) {
		uint32_t clen;
		struct rd m;
		unsigned long long plen = 0;
		uint8_t tag = 0;

		r = TR_ERR_INVAL;       /* cb() below may have left 0 in r */
		if (final) { WHY("data after the FINAL message"); goto out; }
		if (rd_be32(&rd, &clen) != 0 || rd_sub(&rd, clen, &m) != 0) {
			r = TR_ERR_SHORT; WHY("truncated at message %lu", nmsg); goto out;
		}
		if (clen < SS_ABYTES + 1 || clen > SS_ABYTES + 1 + CONTAINER_MSG_MAX) {
			WHY("bad length of message %lu", nmsg); goto out;
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&st, pt, &plen, &tag, m.p, m.len,
		        nmsg == 0 ? hdr_start : NULL, nmsg == 0 ? hlen : 0) != 0) {
			r = TR_ERR_CRYPTO; WHY("message %lu does not authenticate (tampered, reordered or wrong key)", nmsg);
			goto out;
		}
		if (nmsg == 0 && pt[0] != CONTAINER_K_META) { WHY("first message is not metadata"); goto out; }
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			if (pt[0] != CONTAINER_K_END || plen != 1) { WHY("bad FINAL message"); goto out; }
			final = 1;
		} else if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE ||
		           (pt[0] != CONTAINER_K_META && pt[0] != CONTAINER_K_PCAP && pt[0] != CONTAINER_K_RECS)) {
			WHY("unexpected message %lu kind", nmsg); goto out;
		}
		if (!final && cb != NULL && (r = cb(arg, pt[0], pt + 1, (size_t)plen - 1)) != 0) {
			WHY("reader stopped at message %lu", nmsg);
			goto out;
		}
		nmsg++;
	}
	if (!final) { r = TR_ERR_SHORT; WHY("no FINAL message (truncated after %lu messages)", nmsg); goto out; }
	r = 0;
out:
	sodium_free(key);
	sodium_free(pt);
	sodium_memzero(&st, sizeof st);
	return r;
}

int
container_load(const char *path, uint64_t max, uint8_t **bufp, size_t *lenp)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd = -1, r = TR_ERR_SYS;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		r = TR_ERR_LIMIT;
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = TR_ERR_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto out;
		got += (size_t)k;
	}
	*bufp = buf;
	*lenp = got;
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

int
container_load_indexed(const char *storage, const char *name, uint64_t max, const char *sha256_hex,
    int64_t size, uint8_t **bufp, size_t *lenp, char *why, size_t whylen)
{
	char path[4096 + 256], hex[crypto_hash_sha256_BYTES * 2 + 1];
	uint8_t sha[crypto_hash_sha256_BYTES], *buf = NULL;
	size_t len = 0;
	int r = TR_ERR_INVAL;

	*bufp = NULL;
	*lenp = 0;
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		snprintf(why, whylen, "bad container name in the index");
		goto out;
	}
	if ((size_t)snprintf(path, sizeof path, "%s/rec/%s", storage, name) >= sizeof path) {
		snprintf(why, whylen, "container path too long");
		goto out;
	}
	if ((r = container_load(path, max, &buf, &len)) != 0) {
		snprintf(why, whylen, "cannot read the file (%s)", tr_strerror(r));
		goto out;
	}
	r = TR_ERR_CRYPTO;
	crypto_hash_sha256(sha, buf, len);
	sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
	if (strcmp(hex, sha256_hex) != 0) {
		snprintf(why, whylen, "SHA-256 %s does not match the index (%s)", hex, sha256_hex);
		goto out;
	}
	if ((int64_t)len != size) {
		snprintf(why, whylen, "size %zu does not match the index (%lld)", len, (long long)size);
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	return r;
}
