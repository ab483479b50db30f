/* test_container.c - vault/container.c: round trip, and every tamper the
 * reader must refuse: flipped byte (header and body), truncation, a
 * dropped / reordered / replayed message, data after FINAL, wrong key. */
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "err.h"
#include "vault/container.h"
#include "test.h"

static uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
static uint8_t *file;
static size_t file_len;
static char dir[64];

struct seen { size_t meta, pcap, recs; uint8_t last_pcap; };

static int
count_cb(void *arg, uint8_t kind, const uint8_t *p, size_t n)
{
	struct seen *s = arg;
	size_t i;
	if (kind == CONTAINER_K_META) s->meta++;
	if (kind == CONTAINER_K_RECS) s->recs += n;
	if (kind == CONTAINER_K_PCAP) {
		for (i = 0; i < n; i++)
			if (p[i] != (uint8_t)(s->pcap + i)) return TR_ERR_INVAL;  /* bytes in order */
		s->pcap += n;
	}
	return 0;
}

static void
make_container(void)
{
	struct container_w *w = NULL;
	char tmp[128], fin[128];
	uint8_t sha[32], sha2[32], *buf = malloc(200000);
	uint64_t size = 0;
	size_t i;
	int r;

	for (i = 0; i < 200000; i++)
		buf[i] = (uint8_t)i;
	snprintf(tmp, sizeof tmp, "%s/x.part", dir);
	snprintf(fin, sizeof fin, "%s/x.trc", dir);
	r = container_w_open(tmp, "rec-1", pk, NULL, &w);
	ASSERT_INT_EQ(r, 0);
	ASSERT_INT_EQ(container_w_put(w, CONTAINER_K_META, (const uint8_t *)"{\"a\":1}", 7), 0);
	/* 200000 pcap bytes in uneven pieces: 4 messages of <= 64 KiB */
	ASSERT_INT_EQ(container_w_put(w, CONTAINER_K_PCAP, buf, 1000), 0);
	ASSERT_INT_EQ(container_w_put(w, CONTAINER_K_PCAP, buf + 1000, 199000), 0);
	ASSERT_INT_EQ(container_w_put(w, CONTAINER_K_META, (const uint8_t *)"{\"b\":2}", 7), 0);
	ASSERT_INT_EQ(container_w_put(w, CONTAINER_K_RECS, buf, 300), 0);
	ASSERT_INT_EQ(container_w_finish(w, fin, sha, &size), 0);
	ASSERT_TRUE(access(tmp, F_OK) != 0);         /* renamed */
	ASSERT_INT_EQ(container_load(fin, 1 << 24, &file, &file_len), 0);
	ASSERT_U64_EQ(file_len, size);
	crypto_hash_sha256(sha2, file, file_len);
	ASSERT_MEM_EQ(sha, sha2, 32);
	unlink(fin);
	free(buf);
}

/* message boundaries: offsets of each length prefix */
static size_t
messages(const uint8_t *f, size_t len, size_t *off, size_t max)
{
	size_t o = (size_t)f[10] << 8 | f[11], n = 0;
	while (o + 4 <= len && n < max) {
		size_t cl = (size_t)f[o] << 24 | (size_t)f[o + 1] << 16 | (size_t)f[o + 2] << 8 | f[o + 3];
		off[n++] = o;
		o += 4 + cl;
	}
	return n;
}

static int
read_it(const uint8_t *f, size_t len, const uint8_t *k_pk, const uint8_t *k_sk, struct seen *s)
{
	char id[CONTAINER_ID_MAX], why[200];
	memset(s, 0, sizeof *s);
	return container_read(f, len, k_pk, k_sk, id, count_cb, s, why, sizeof why);
}

static uint8_t *
dup_with(size_t len)
{
	uint8_t *c = malloc(len + 100000);
	memcpy(c, file, file_len < len ? file_len : len);
	return c;
}

int
main(void)
{
	struct seen s;
	size_t off[16], n, i;
	uint8_t *c;
	uint8_t pk2[crypto_box_PUBLICKEYBYTES], sk2[crypto_box_SECRETKEYBYTES];
	char id[CONTAINER_ID_MAX], why[200];

	if (sodium_init() < 0)
		return 1;
	crypto_box_keypair(pk, sk);
	crypto_box_keypair(pk2, sk2);
	snprintf(dir, sizeof dir, "/tmp/test_container.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;

	TEST_START("write, then read back everything in order");
	make_container();
	memset(&s, 0, sizeof s);
	ASSERT_INT_EQ(container_read(file, file_len, pk, sk, id, count_cb, &s, why, sizeof why), 0);
	ASSERT_STR_EQ(id, "rec-1");
	ASSERT_INT_EQ(read_it(file, file_len, pk, sk, &s), 0);
	ASSERT_INT_EQ(s.meta, 2);
	ASSERT_INT_EQ(s.pcap, 200000);
	ASSERT_INT_EQ(s.recs, 300);
	n = messages(file, file_len, off, 16);
	ASSERT_INT_EQ(n, 8);             /* M, 4 x P, M, R, E */
	TEST_DONE();

	TEST_START("no plaintext in the file");
	{
		uint8_t pat[64];
		for (i = 0; i < 64; i++) pat[i] = (uint8_t)(i + 1000);
		ASSERT_TRUE(memmem(file, file_len, pat, 64) == NULL);
		ASSERT_TRUE(memmem(file, file_len, "{\"a\":1}", 7) == NULL);
	}
	TEST_DONE();

	TEST_START("every flipped byte is refused");
	c = dup_with(file_len);
	for (i = 0; i < file_len; i += (i < 200 ? 1 : 997)) {
		memcpy(c, file, file_len);
		c[i] ^= 0x01;
		if (read_it(c, file_len, pk, sk, &s) == 0)
			TEST_FAIL_("flip at %zu accepted", i);
	}
	free(c);
	TEST_DONE();

	TEST_START("truncation anywhere is refused");
	for (i = 0; i < file_len; i += (i < 200 ? 7 : 1999))
		if (read_it(file, i, pk, sk, &s) == 0)
			TEST_FAIL_("truncated to %zu accepted", i);
	ASSERT_INT_EQ(read_it(file, off[n - 1], pk, sk, &s), TR_ERR_SHORT);   /* FINAL dropped */
	TEST_DONE();

	TEST_START("a dropped message is refused");
	for (i = 1; i + 1 < n; i++) {
		size_t a = off[i], b = off[i + 1];
		c = dup_with(file_len);
		memcpy(c + a, file + b, file_len - b);
		if (read_it(c, file_len - (b - a), pk, sk, &s) != TR_ERR_CRYPTO)
			TEST_FAIL_("message %zu dropped accepted", i);
		free(c);
	}
	TEST_DONE();

	TEST_START("two swapped messages are refused");
	{
		size_t a = off[2], b = off[3], e = off[4];
		c = dup_with(file_len);
		memcpy(c + a, file + b, e - b);
		memcpy(c + a + (e - b), file + a, b - a);
		ASSERT_INT_EQ(read_it(c, file_len, pk, sk, &s), TR_ERR_CRYPTO);
		free(c);
	}
	TEST_DONE();

	TEST_START("a message replayed after FINAL, or trailing bytes, are refused");
	c = dup_with(file_len + 100000);
	memcpy(c + file_len, file + off[2], off[3] - off[2]);
	ASSERT_INT_EQ(read_it(c, file_len + (off[3] - off[2]), pk, sk, &s), TR_ERR_INVAL);
	c[file_len] = 0;
	ASSERT_TRUE(read_it(c, file_len + 1, pk, sk, &s) != 0);
	free(c);
	TEST_DONE();

	TEST_START("the wrong vault key is refused");
	ASSERT_INT_EQ(read_it(file, file_len, pk2, sk2, &s), TR_ERR_CRYPTO);
	ASSERT_INT_EQ(read_it(file, file_len, pk, sk2, &s), TR_ERR_CRYPTO);
	TEST_DONE();

	TEST_START("a header swapped from another container is refused");
	{
		uint8_t *f1 = file;
		size_t l1 = file_len, hl = (size_t)f1[10] << 8 | f1[11];
		file = NULL;
		make_container();           /* same id and key, new data key */
		c = dup_with(file_len);
		memcpy(c, f1, hl);          /* header of the first, body of the second */
		ASSERT_TRUE(read_it(c, file_len, pk, sk, &s) != 0);
		free(c);
		free(f1);
		(void)l1;
	}
	TEST_DONE();

	TEST_START("the index's name, hash and size are checked on load");
	{
		char rec[160], fn[200], hex[65];
		uint8_t sha[32], *b = NULL;
		size_t bl = 0;
		FILE *f;

		snprintf(rec, sizeof rec, "%s/rec", dir);
		ASSERT_INT_EQ(mkdir(rec, 0700), 0);
		snprintf(fn, sizeof fn, "%s/R1.trc", rec);
		ASSERT_TRUE((f = fopen(fn, "wb")) != NULL);
		ASSERT_INT_EQ(fwrite(file, 1, file_len, f), file_len);
		fclose(f);
		crypto_hash_sha256(sha, file, file_len);
		sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
		ASSERT_INT_EQ(container_load_indexed(dir, "R1.trc", 1 << 24, hex, (int64_t)file_len,
		                                     &b, &bl, why, sizeof why), 0);
		ASSERT_U64_EQ(bl, file_len);
		ASSERT_MEM_EQ(b, file, file_len);
		free(b);
		ASSERT_INT_EQ(container_load_indexed(dir, "../rec/R1.trc", 1 << 24, hex, (int64_t)file_len,
		                                     &b, &bl, why, sizeof why), TR_ERR_INVAL);
		ASSERT_TRUE(b == NULL);
		ASSERT_INT_EQ(container_load_indexed(dir, "", 1 << 24, hex, 0, &b, &bl, why, sizeof why),
		              TR_ERR_INVAL);
		ASSERT_INT_EQ(container_load_indexed(dir, "..", 1 << 24, hex, 0, &b, &bl, why, sizeof why),
		              TR_ERR_INVAL);
		ASSERT_INT_EQ(container_load_indexed(dir, "R1.trc", 1 << 24, hex, (int64_t)file_len + 1,
		                                     &b, &bl, why, sizeof why), TR_ERR_CRYPTO);
		ASSERT_TRUE(strstr(why, "size") != NULL);
		hex[0] = hex[0] == '0' ? '1' : '0';
		ASSERT_INT_EQ(container_load_indexed(dir, "R1.trc", 1 << 24, hex, (int64_t)file_len,
		                                     &b, &bl, why, sizeof why), TR_ERR_CRYPTO);
		ASSERT_TRUE(strstr(why, "SHA-256") != NULL);
		ASSERT_TRUE(b == NULL);
		ASSERT_TRUE(container_load_indexed(dir, "R2.trc", 1 << 24, hex, 0, &b, &bl, why,
		                                   sizeof why) != 0);
		unlink(fn);
		rmdir(rec);
	}
	TEST_DONE();

	free(file);
	rmdir(dir);
	return TEST_EXIT();
}
