/* mkseeds_vault.c - writes the seed corpora of fuzz_ipc and fuzz_container
 * (tests/fuzz/corpus/{ipc,container}/). Build and run by hand from the top
 * of the tree after `make all`:
 *   cc -std=c11 -D_GNU_SOURCE -I. -Icommon tests/fuzz/mkseeds_vault.c build/libtr.a \
 *      $(pkg-config --libs libsodium sqlite3 jansson sndfile libpcap libosip2) -lm -o /tmp/mkseeds_vault
 *   /tmp/mkseeds_vault
 * The container seeds use fuzz_container's fixed key (seed 0x42 x 32).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "ipc.h"
#include "vault/container.h"

static void
put(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static size_t
frame(uint8_t *out, uint32_t type, const void *p, uint32_t len)
{
	struct ipc_hdr h = { type, len, 1, 0 };
	memcpy(out, &h, sizeof h);
	memcpy(out + sizeof h, p, len);
	return sizeof h + len;
}

int
main(void)
{
	static uint8_t buf[1 << 20];
	uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES], seed[32], sha[32];
	struct ipc_login lg;
	struct ipc_token tk;
	struct ipc_mark mk;
	struct ipc_query q;
	struct ipc_passwd pw;
	struct container_w *w = NULL;
	uint64_t size = 0;
	size_t n;
	uint8_t *file = NULL;
	size_t flen = 0;

	if (sodium_init() < 0)
		return 1;
	memset(&lg, 0, sizeof lg);
	strcpy(lg.user, "alice"); strcpy(lg.pass, "secret-pass"); strcpy(lg.remote, "127.0.0.1");
	memset(&tk, 0, sizeof tk);
	memset(tk.token, 'a', 64);
	memset(&mk, 0, sizeof mk);
	mk.t = tk; mk.slot = 3; mk.gen = 7; strcpy(mk.call_id, "abc@host"); strcpy(mk.note, "threat");
	memset(&q, 0, sizeof q);
	q.t = tk; strcpy(q.caller, "1001"); q.limit = 10;
	n = frame(buf, IPC_LOGIN, &lg, sizeof lg);
	put("tests/fuzz/corpus/ipc/login", buf, n);
	n = frame(buf, IPC_STATUS, &tk, sizeof tk);
	n += frame(buf + n, IPC_MARK, &mk, sizeof mk);
	n += frame(buf + n, IPC_REC_LIST, &q, sizeof q);
	put("tests/fuzz/corpus/ipc/three-frames", buf, n);
	n = frame(buf, IPC_STATUS, &tk, 10);
	put("tests/fuzz/corpus/ipc/wrong-size", buf, n);
	n = frame(buf, 77, &tk, sizeof tk);
	put("tests/fuzz/corpus/ipc/unknown-type", buf, n);
	n = frame(buf, IPC_MARK, &mk, sizeof mk);
	put("tests/fuzz/corpus/ipc/truncated", buf, n - 100);
	memset(&pw, 0, sizeof pw);
	pw.t = tk; strcpy(pw.old, "old-password"); strcpy(pw.pass, "new-password");
	n = frame(buf, IPC_PASSWD, &pw, sizeof pw);
	put("tests/fuzz/corpus/ipc/passwd", buf, n);
	memset(&tk, 'b', sizeof tk);
	n = frame(buf, IPC_STATUS, &tk, sizeof tk);
	put("tests/fuzz/corpus/ipc/no-nul", buf, n);

	memset(seed, 0x42, sizeof seed);
	crypto_box_seed_keypair(pk, sk, seed);
	unlink("/tmp/mkseeds.part");
	if (container_w_open("/tmp/mkseeds.part", "20261203T120000Z-seed", pk, NULL, &w) != 0)
		return 1;
	container_w_put(w, CONTAINER_K_META, (const uint8_t *)"{\"id\":\"seed\"}", 13);
	memset(buf, 0x5a, 3000);
	container_w_put(w, CONTAINER_K_PCAP, buf, 3000);
	container_w_put(w, CONTAINER_K_META, (const uint8_t *)"{\"phase\":\"seal\"}", 16);
	container_w_put(w, CONTAINER_K_RECS, buf, 10);
	if (container_w_finish(w, "/tmp/mkseeds.trc", sha, &size) != 0 ||
	    container_load("/tmp/mkseeds.trc", 1 << 20, &file, &flen) != 0)
		return 1;
	put("tests/fuzz/corpus/container/valid", file, flen);
	put("tests/fuzz/corpus/container/header-only", file, 180);
	put("tests/fuzz/corpus/container/no-final", file, flen - 22);
	file[200] ^= 1;
	put("tests/fuzz/corpus/container/flipped", file, flen);
	unlink("/tmp/mkseeds.trc");
	free(file);
	return 0;
}
