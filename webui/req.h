/* req.h - parsers for the untrusted parts of an HTTP request that the web UI
 * reads itself: the session cookie, a Range header, JSON bodies, the call
 * handle "<slot>-<gen>", recording ids, time and integer query values.
 *
 * Every function takes explicit lengths or NUL-terminated strings handed out
 * by libmicrohttpd, never blocks, never allocates except req_json_parse
 * (caller frees with json_decref) and returns 0 or a negative TR_ERR_*.
 */
#ifndef TR_WEBUI_REQ_H
#define TR_WEBUI_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define REQ_COOKIE_NAME     "tr_session"
#define REQ_TOKEN_LEN       64          /* hex chars, as IPC_TOKEN_LEN */
#define REQ_COOKIE_MAX      4096        /* longer Cookie headers are refused (431) */
#define REQ_BODY_MAX        16384       /* JSON bodies above this get 413 */
#define REQ_JSON_DEPTH_MAX  4
#define REQ_REC_ID_MAX      47          /* chars of a recording id (ipc_rec.id is 48) */

/* Finds the session token in a Cookie header value (may be NULL).
 * Copies exactly REQ_TOKEN_LEN lowercase/uppercase hex chars plus a NUL into
 * tok (size >= REQ_TOKEN_LEN + 1). TR_ERR_NOTFOUND when absent or malformed,
 * TR_ERR_LIMIT when the header is longer than REQ_COOKIE_MAX (not searched). */
int req_cookie_token(const char *hdr, char *tok, size_t toksz);

/* Range header result. */
enum req_range_kind {
	REQ_RANGE_NONE = 0,  /* no header or another unit than "bytes": send all */
	REQ_RANGE_OK,        /* satisfiable single range: *startp, *lenp */
	REQ_RANGE_UNSAT,     /* 416 with "Content-Range: bytes * / size" */
};
/* Parses a Range header value (may be NULL) against a resource of `size`
 * bytes (RFC 9110 14.1): "bytes=a-b", "bytes=a-", "bytes=-n". Any other
 * "bytes=" value (syntax, over 18 digits, b < a, several ranges, a start
 * at or past the end) is REQ_RANGE_UNSAT. */
enum req_range_kind req_range_parse(const char *hdr, uint64_t size, uint64_t *startp,
                                    uint64_t *lenp);

/* Parses a JSON object body of len bytes (len <= REQ_BODY_MAX, no duplicate
 * keys, nesting <= REQ_JSON_DEPTH_MAX). "\u0000" in a string value parses
 * (req_json_str refuses it). On success *objp is a new reference.
 * TR_ERR_LIMIT if too large, TR_ERR_INVAL otherwise. */
int req_json_parse(const char *buf, size_t len, json_t **objp);
/* Copies the string member `key` of obj into out (size outsz). A missing or
 * null member gives "" when optional, else TR_ERR_NOTFOUND; a non-string,
 * an embedded NUL or control character gives TR_ERR_INVAL; too long gives
 * TR_ERR_LIMIT. */
int req_json_str(const json_t *obj, const char *key, bool optional, char *out, size_t outsz);

/* Parses a call handle "<slot>-<gen>" (decimal, no sign, no leading zeros
 * beyond "0", gen != 0). */
int req_call_handle(const char *s, uint32_t *slotp, uint32_t *genp);
/* True for 1..REQ_REC_ID_MAX chars of [A-Za-z0-9_.-] not starting with '.'. */
bool req_is_rec_id(const char *s);
/* True when s is one of the audit actions the vault writes (docs/api.md
 * "GET /api/audit"); "" and NULL are not. */
bool req_is_audit_action(const char *s);

/* Parses a time query value into Unix seconds: digits (epoch seconds),
 * "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC; a space may replace T).
 * With end_of_day, a date-only value means 23:59:59 of that day. */
int req_time_parse(const char *s, bool end_of_day, int64_t *tp);
/* Parses a decimal unsigned integer in [0, max]. */
int req_uint_parse(const char *s, uint32_t max, uint32_t *vp);
/* Copies a query text value (NULL gives ""), rejecting control characters;
 * TR_ERR_LIMIT when it does not fit in outsz. */
int req_text_copy(const char *s, char *out, size_t outsz);
/* True when the n bytes of s are valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF: what jansson and so the vault's
 * audit rows accept). */
bool req_utf8_ok(const char *s, size_t n);
/* True when the raw request target u (len bytes, before libmicrohttpd
 * splits and unescapes it) decodes to valid UTF-8: %XX escapes and raw
 * bytes alike, path and every query name and value (the delimiters are
 * ASCII, so checking the whole decoded target checks each part). A '%'
 * not followed by two hex digits is taken as it is. */
bool req_uri_utf8_ok(const char *u, size_t len);

#endif
