/* evidence.c - signed evidence package (ustar + minisign). minisign format:
 * https://jedisct1.github.io/minisign/ (prehashed "ED" signatures: Ed25519
 * over BLAKE2b-512 of the file; global signature over sig || trusted comment).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <jansson.h>
#include "err.h"
#include "evidence.h"

static void
keynum(const struct keys *k, uint8_t out[8])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, k->sign_pk, sizeof k->sign_pk);
	memcpy(out, h, 8);
}

static char *
b64(const uint8_t *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(len);
	if (s != NULL)
		sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

char *
evidence_minisign_pub(const struct keys *k)
{
	uint8_t raw[2 + 8 + crypto_sign_PUBLICKEYBYTES];
	char *enc = NULL, *out = NULL;
	size_t n;

	raw[0] = 'E'; raw[1] = 'd';
	keynum(k, raw + 2);
	memcpy(raw + 10, k->sign_pk, sizeof k->sign_pk);
	if ((enc = b64(raw, sizeof raw)) == NULL)
		return NULL;
	n = strlen(enc) + 128;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "untrusted comment: minisign public key %02X%02X%02X%02X%02X%02X%02X%02X"
		         " (threatrec-vault audit key)\n%s\n", raw[9], raw[8], raw[7], raw[6], raw[5],
		         raw[4], raw[3], raw[2], enc);
	free(enc);
	return out;
}

char *
evidence_minisign_sig(const struct keys *k, const uint8_t *msg, size_t len, const char *tc)
{
	uint8_t h[crypto_generichash_BYTES_MAX], sig[2 + 8 + crypto_sign_BYTES];
	uint8_t *gm = NULL, gsig[crypto_sign_BYTES];
	char *e1 = NULL, *e2 = NULL, *out = NULL;
	size_t tlen = strlen(tc), n;

	crypto_generichash(h, sizeof h, msg, len, NULL, 0);
	sig[0] = 'E'; sig[1] = 'D';
	keynum(k, sig + 2);
	crypto_sign_detached(sig + 10, NULL, h, sizeof h, k->sign_sk);
	if ((gm = malloc(crypto_sign_BYTES + tlen)) == NULL)
		goto out;
	memcpy(gm, sig + 10, crypto_sign_BYTES);
	memcpy(gm + crypto_sign_BYTES, tc, tlen);
	crypto_sign_detached(gsig, NULL, gm, crypto_sign_BYTES + tlen, k->sign_sk);
	if ((e1 = b64(sig, sizeof sig)) == NULL || (e2 = b64(gsig, sizeof gsig)) == NULL)
		goto out;
	n = strlen(e1) + strlen(e2) + tlen + 128;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "untrusted comment: signature from threatrec-vault audit key\n%s\n"
		         "trusted comment: %s\n%s\n", e1, tc, e2);
out:
	free(gm);
	free(e1);
	free(e2);
	return out;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return TR_ERR_SYS;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One ustar member: 512-byte header, data, zero padding to 512. */
static int
tar_put(int fd, const char *name, const void *data, size_t len, time_t mtime)
{
	static const uint8_t zero[512];
	uint8_t h[512];
	unsigned sum = 0;
	size_t i;
	int r;

	memset(h, 0, sizeof h);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0444);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
	snprintf((char *)h + 136, 12, "%011llo", (unsigned long long)mtime);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	snprintf((char *)h + 265, 32, "threatrec");
	snprintf((char *)h + 297, 32, "threatrec");
	for (i = 0; i < sizeof h; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	if ((r = write_all(fd, h, sizeof h)) != 0 || (r = write_all(fd, data, len)) != 0)
		return r;
	return len % 512 ? write_all(fd, zero, 512 - len % 512) : 0;
}

static void
sha_hex(const uint8_t *p, size_t n, char out[65])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, p, n);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* The audit row that sealed the recording, and the chain's head now. */
static json_t *
chain_json(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st = NULL;
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit WHERE action = 'seal' AND object = ?"
	                       " ORDER BY seq LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_object_set_new(j, "seal_seq", json_integer(sqlite3_column_int64(st, 0)));
			json_object_set_new(j, "seal_hash", json_string((const char *)sqlite3_column_text(st, 1)));
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1, &st,
	                       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		json_object_set_new(j, "head_seq", json_integer(sqlite3_column_int64(st, 0)));
		json_object_set_new(j, "head_hash", json_string((const char *)sqlite3_column_text(st, 1)));
	}
	sqlite3_finalize(st);
	return j;
}

int
evidence_write(int fd, sqlite3 *db, const struct keys *k, const struct rec *rec,
               const uint8_t *wav, size_t wav_len, const uint8_t *pcap, size_t pcap_len,
               const char *exported_by)
{
	char wname[96], pname[96], wsha[65], psha[65], now_iso[32], tc[256];
	char *manifest = NULL, *sig = NULL, *pub = NULL, *pubb64 = NULL;
	json_t *m = NULL, *files = NULL;
	time_t now = time(NULL);
	int r = TR_ERR_NOMEM;

	snprintf(wname, sizeof wname, "%s.wav", rec->id);
	snprintf(pname, sizeof pname, "%s.pcap", rec->id);
	sha_hex(wav, wav_len, wsha);
	sha_hex(pcap, pcap_len, psha);
	index_iso8601((int64_t)now * 1000000000LL, now_iso);
	files = json_pack("[{s:s, s:s, s:I, s:s}, {s:s, s:s, s:I, s:s}]",
		"name", wname, "sha256", wsha, "size", (json_int_t)wav_len, "content", "stereo WAV, left caller, right callee",
		"name", pname, "sha256", psha, "size", (json_int_t)pcap_len, "content", "the call's packets as captured");
	pubb64 = b64(k->sign_pk, sizeof k->sign_pk);
	if (files == NULL || pubb64 == NULL)
		goto out;
	m = json_pack("{s:s, s:o, s:o, s:{s:s, s:s, s:I}, s:{s:s, s:s, s:s}, s:o, s:s, s:s, s:s}",
		"format", "threatrec-evidence-1",
		"recording", index_rec_json(rec),
		"files", files,
		"container", "file", rec->container, "sha256", rec->sha256, "size", (json_int_t)rec->size,
		"clock", "timestamps", "capture clock of the sniffer host (start/end, pcap records)",
		"marked_at", "wall clock of the vault host", "exported_at", now_iso,
		"audit_chain", chain_json(db, rec->id),
		"exported_by", exported_by,
		"audit_public_key_ed25519", pubb64,
		"verify", "minisign -Vm manifest.json -p minisign.pub; sha256sum -c (hashes above)");
	files = NULL;
	if (m == NULL || (manifest = json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		goto out;
	snprintf(tc, sizeof tc, "timestamp:%lld\tfile:manifest.json\trecording:%s", (long long)now, rec->id);
	if ((sig = evidence_minisign_sig(k, (const uint8_t *)manifest, strlen(manifest), tc)) == NULL ||
	    (pub = evidence_minisign_pub(k)) == NULL)
		goto out;
	if ((r = tar_put(fd, "manifest.json", manifest, strlen(manifest), now)) != 0 ||
	    (r = tar_put(fd, "manifest.json.minisig", sig, strlen(sig), now)) != 0 ||
	    (r = tar_put(fd, "minisign.pub", pub, strlen(pub), now)) != 0 ||
	    (r = tar_put(fd, wname, wav, wav_len, now)) != 0 ||
	    (r = tar_put(fd, pname, pcap, pcap_len, now)) != 0)
		goto out;
	{
		static const uint8_t end[1024];
		r = write_all(fd, end, sizeof end);
	}
out:
	json_decref(files);
	json_decref(m);
	free(manifest);
	free(sig);
	free(pub);
	free(pubb64);
	return r;
}
