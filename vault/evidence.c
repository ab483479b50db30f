/* evidence.c - signed evidence package (ustar through libarchive + minisign). minisign format:
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
#include <archive.h>
#include <archive_entry.h>
#include "err.h"
#include "log.h"
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

/* One regular file of the tar (libarchive, ustar: readable by every tar). */
static int
tar_put(struct archive *a, const char *name, const void *data, size_t len, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int r = TR_ERR_NOMEM;

	if (e == NULL)
		goto out;
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0444);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_uname(e, "threatrec");
	archive_entry_set_gname(e, "threatrec");
	r = TR_ERR_SYS;
	if (archive_write_header(a, e) != ARCHIVE_OK)
		goto out;
	if (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)
		goto out;
	r = 0;
out:
	if (r != 0 && e != NULL)
		log_err_f("evidence: %s: %s", name, archive_error_string(a) ? archive_error_string(a) : "?");
	archive_entry_free(e);
	return r;
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
	char wname[96], pname[96], wsha[65], psha[65], now_iso[32], tc[256], sums[400];
	char *manifest = NULL, *sig = NULL, *pub = NULL, *pubb64 = NULL;
	json_t *m = NULL, *files = NULL;
	struct archive *a = NULL;
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
		"verify", "minisign -Vm manifest.json -p minisign.pub; sha256sum -c SHA256SUMS "
		          "(the hashes of files[] above)");
	files = NULL;
	if (m == NULL || (manifest = json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		goto out;
	snprintf(tc, sizeof tc, "timestamp:%lld\tfile:manifest.json\trecording:%s", (long long)now, rec->id);
	if ((sig = evidence_minisign_sig(k, (const uint8_t *)manifest, strlen(manifest), tc)) == NULL ||
	    (pub = evidence_minisign_pub(k)) == NULL)
		goto out;
	snprintf(sums, sizeof sums, "%s  %s\n%s  %s\n", wsha, wname, psha, pname);
	r = TR_ERR_NOMEM;
	if ((a = archive_write_new()) == NULL)
		goto out;
	r = TR_ERR_SYS;
	if (archive_write_set_format_ustar(a) != ARCHIVE_OK || archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		log_err_f("evidence: %s", archive_error_string(a) ? archive_error_string(a) : "?");
		goto out;
	}
	if ((r = tar_put(a, "manifest.json", manifest, strlen(manifest), now)) != 0 ||
	    (r = tar_put(a, "manifest.json.minisig", sig, strlen(sig), now)) != 0 ||
	    (r = tar_put(a, "minisign.pub", pub, strlen(pub), now)) != 0 ||
	    (r = tar_put(a, "SHA256SUMS", sums, strlen(sums), now)) != 0 ||
	    (r = tar_put(a, wname, wav, wav_len, now)) != 0 ||
	    (r = tar_put(a, pname, pcap, pcap_len, now)) != 0)
		goto out;
	r = archive_write_close(a) == ARCHIVE_OK ? 0 : TR_ERR_SYS;
out:
	archive_write_free(a);
	json_decref(files);
	json_decref(m);
	free(manifest);
	free(sig);
	free(pub);
	free(pubb64);
	return r;
}
