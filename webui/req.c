/* req.c - parsers for the untrusted request parts the web UI reads itself.
 * RFC 9110 (Range, 14.1-14.4), RFC 6265 (Cookie header, 4.2), RFC 8259 (JSON).
 * ASCII-only classification: no <ctype.h>, no locale.
 */
#include "req.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>

#include "err.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_ows(char c) { return c == ' ' || c == '\t'; }

int req_cookie_token(const char *hdr, char *tok, size_t toksz)
{
	size_t namelen = strlen(REQ_COOKIE_NAME);
	size_t len, i = 0;
	int r = TR_ERR_NOTFOUND;

	if (hdr == NULL || toksz < REQ_TOKEN_LEN + 1)
		goto out;
	len = strnlen(hdr, REQ_COOKIE_MAX + 1);
	if (len > REQ_COOKIE_MAX) {
		r = TR_ERR_LIMIT;
		goto out;
	}
	while (i < len) {
		size_t start, vstart, vlen;

		while (i < len && (is_ows(hdr[i]) || hdr[i] == ';'))
			i++;
		start = i;
		while (i < len && hdr[i] != ';' && hdr[i] != '=')
			i++;
		if (i >= len || hdr[i] != '=') {
			continue;   /* a pair without '=': skip it */
		}
		vstart = ++i;
		while (i < len && hdr[i] != ';')
			i++;
		vlen = i - vstart;
		while (vlen > 0 && is_ows(hdr[vstart + vlen - 1]))
			vlen--;
		if (vstart - 1 - start != namelen || memcmp(hdr + start, REQ_COOKIE_NAME, namelen))
			continue;
		/* RFC 6265 allows a DQUOTE-wrapped value */
		if (vlen >= 2 && hdr[vstart] == '"' && hdr[vstart + vlen - 1] == '"') {
			vstart++;
			vlen -= 2;
		}
		if (vlen != REQ_TOKEN_LEN)
			continue;   /* a later cookie of the same name may still be valid */
		{
			size_t k;
			bool ok = true;

			for (k = 0; k < vlen; k++)
				if (!is_hex(hdr[vstart + k]))
					ok = false;
			if (!ok)
				continue;
		}
		memcpy(tok, hdr + vstart, vlen);
		tok[vlen] = '\0';
		r = 0;
		goto out;
	}
out:
	return r;
}

/* Parses 1..19 decimal digits at s[*ip]; advances *ip. */
static int parse_u63(const char *s, size_t len, size_t *ip, uint64_t *vp)
{
	uint64_t v = 0;
	size_t i = *ip, n = 0;

	while (i < len && is_digit(s[i])) {
		if (++n > 18)
			return TR_ERR_LIMIT;
		v = v * 10 + (uint64_t)(s[i] - '0');
		i++;
	}
	if (n == 0)
		return TR_ERR_INVAL;
	*ip = i;
	*vp = v;
	return 0;
}

enum req_range_kind req_range_parse(const char *hdr, uint64_t size, uint64_t *startp,
                                    uint64_t *lenp)
{
	enum req_range_kind k = REQ_RANGE_NONE;
	uint64_t a = 0, b = 0;
	size_t len, i = 0;
	bool has_a = false, has_b = false;

	if (hdr == NULL)
		goto out;
	len = strnlen(hdr, 256);
	while (i < len && is_ows(hdr[i]))
		i++;
	if (len - i < 6 || strncmp(hdr + i, "bytes=", 6) != 0)
		goto out;   /* another range unit: ignored (RFC 9110 14.2), send it all */
	/* from here on a "bytes" range we cannot serve exactly is refused (416):
	 * syntax errors, numbers over 18 digits, last < first, several ranges */
	k = REQ_RANGE_UNSAT;
	if (len >= 256)
		goto out;
	i += 6;
	while (i < len && is_ows(hdr[i]))
		i++;
	if (i < len && is_digit(hdr[i])) {
		if (parse_u63(hdr, len, &i, &a) != 0)
			goto out;
		has_a = true;
	}
	if (i >= len || hdr[i] != '-')
		goto out;
	i++;
	if (i < len && is_digit(hdr[i])) {
		if (parse_u63(hdr, len, &i, &b) != 0)
			goto out;
		has_b = true;
	}
	while (i < len && is_ows(hdr[i]))
		i++;
	if (i != len || (!has_a && !has_b) || (has_a && has_b && b < a))
		goto out;
	if (!has_a) {
		/* suffix range: the last b bytes */
		if (b == 0 || size == 0)
			goto out;
		if (b > size)
			b = size;
		*startp = size - b;
		*lenp = b;
		k = REQ_RANGE_OK;
		goto out;
	}
	if (a >= size)
		goto out;
	if (!has_b || b >= size)
		b = size - 1;
	*startp = a;
	*lenp = b - a + 1;
	k = REQ_RANGE_OK;
out:
	return k;
}

static int json_depth_ok(const json_t *j, int depth)
{
	const char *key;
	json_t *v;
	size_t idx;

	if (depth > REQ_JSON_DEPTH_MAX)
		return 0;
	if (json_is_object(j)) {
		/* json_object_foreach wants a non-const object */
		json_t *o = (json_t *)(uintptr_t)j;
		json_object_foreach(o, key, v) {
			(void)key;
			if (!json_depth_ok(v, depth + 1))
				return 0;
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, idx, v) {
			if (!json_depth_ok(v, depth + 1))
				return 0;
		}
	}
	return 1;
}

int req_json_parse(const char *buf, size_t len, json_t **objp)
{
	json_t *j = NULL;
	json_error_t jerr;
	int r = TR_ERR_INVAL;

	*objp = NULL;
	if (len > REQ_BODY_MAX) {
		r = TR_ERR_LIMIT;
		goto out;
	}
	if (buf == NULL || len == 0)
		goto out;
	/* JSON_ALLOW_NUL: a "\u0000" in a string parses, so that req_json_str
	 * can refuse that one member with a precise message */
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (j == NULL || !json_is_object(j) || !json_depth_ok(j, 0))
		goto out;
	*objp = j;
	j = NULL;
	r = 0;
out:
	json_decref(j);
	return r;
}

int req_json_str(const json_t *obj, const char *key, bool optional, char *out, size_t outsz)
{
	const json_t *v;
	const char *s;
	size_t n, i;
	int r = TR_ERR_INVAL;

	if (outsz == 0)
		goto out;
	out[0] = '\0';
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		r = optional ? 0 : TR_ERR_NOTFOUND;
		goto out;
	}
	if (!json_is_string(v))
		goto out;
	s = json_string_value(v);
	n = json_string_length(v);
	if (strlen(s) != n)
		goto out;   /* embedded NUL */
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n')
			goto out;
	if (n >= outsz) {
		r = TR_ERR_LIMIT;
		goto out;
	}
	memcpy(out, s, n + 1);
	r = 0;
out:
	return r;
}

static int parse_u32_strict(const char *s, size_t len, uint32_t *vp)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return TR_ERR_INVAL;
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return TR_ERR_INVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return TR_ERR_INVAL;
	*vp = (uint32_t)v;
	return 0;
}

int req_call_handle(const char *s, uint32_t *slotp, uint32_t *genp)
{
	const char *dash;
	size_t len;
	uint32_t slot, gen;
	int r = TR_ERR_INVAL;

	if (s == NULL)
		goto out;
	len = strnlen(s, 32);
	if (len >= 32)
		goto out;
	dash = memchr(s, '-', len);
	if (dash == NULL)
		goto out;
	if ((r = parse_u32_strict(s, (size_t)(dash - s), &slot)) != 0)
		goto out;
	if ((r = parse_u32_strict(dash + 1, len - (size_t)(dash - s) - 1, &gen)) != 0)
		goto out;
	if (gen == 0) {
		r = TR_ERR_INVAL;
		goto out;
	}
	*slotp = slot;
	*genp = gen;
out:
	return r;
}

bool req_is_rec_id(const char *s)
{
	size_t i, len;

	if (s == NULL)
		return false;
	len = strnlen(s, REQ_REC_ID_MAX + 1);
	if (len == 0 || len > REQ_REC_ID_MAX || s[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* Every action the vault writes to the audit log (audit_append calls in
 * vault/main.c, vault/server.c, vault/recorder.c; docs/ipc.md "Audit
 * actions"). A filter outside this list can never match a row. */
static const char *const req_audit_actions[] = {
	"init", "start", "stop", "config_change",
	"login", "login_failed", "login_throttled", "logout",
	"user_add", "user_approve", "passwd", "password_change", "password_change_failed",
	"password_change_throttled",
	"user_disable", "user_enable",
	"mark", "mark_again", "mark_refused", "stop_recording", "seal", "fail", "resume",
	"search", "view", "playback", "download", "export_failed",
	"denied", "protocol_error", "peer_refused",
};

bool req_is_audit_action(const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < sizeof(req_audit_actions) / sizeof(req_audit_actions[0]); i++)
		if (strcmp(s, req_audit_actions[i]) == 0)
			return true;
	return false;
}

/* Reads exactly n digits at s[*ip]. */
static int fixed_digits(const char *s, size_t len, size_t *ip, size_t n, int *vp)
{
	int v = 0;
	size_t k;

	if (len - *ip < n)
		return TR_ERR_INVAL;
	for (k = 0; k < n; k++) {
		char c = s[*ip + k];

		if (!is_digit(c))
			return TR_ERR_INVAL;
		v = v * 10 + (c - '0');
	}
	*ip += n;
	*vp = v;
	return 0;
}

static int expect_char(const char *s, size_t len, size_t *ip, char c)
{
	if (*ip >= len || s[*ip] != c)
		return TR_ERR_INVAL;
	(*ip)++;
	return 0;
}

int req_time_parse(const char *s, bool end_of_day, int64_t *tp)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	size_t len, i = 0;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	bool date_only = true;
	time_t t;
	int r = TR_ERR_INVAL;

	if (s == NULL)
		goto out;
	len = strnlen(s, 32);
	if (len == 0 || len >= 32)
		goto out;
	for (i = 0; i < len && is_digit(s[i]); i++)
		;
	if (i == len) {
		uint64_t v;

		i = 0;
		if (len > 12 || parse_u63(s, len, &i, &v) != 0)
			goto out;
		*tp = (int64_t)v;
		r = 0;
		goto out;
	}
	i = 0;
	if (fixed_digits(s, len, &i, 4, &y) || expect_char(s, len, &i, '-') ||
	    fixed_digits(s, len, &i, 2, &mo) || expect_char(s, len, &i, '-') ||
	    fixed_digits(s, len, &i, 2, &d))
		goto out;
	if (i < len && (s[i] == 'T' || s[i] == ' ')) {
		i++;
		date_only = false;
		if (fixed_digits(s, len, &i, 2, &h) || expect_char(s, len, &i, ':') ||
		    fixed_digits(s, len, &i, 2, &mi))
			goto out;
		if (i < len && s[i] == ':') {
			i++;
			if (fixed_digits(s, len, &i, 2, &sec))
				goto out;
		}
		if (i < len && s[i] == 'Z')
			i++;
	}
	if (i != len)
		goto out;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    sec > 60)
		goto out;
	if (date_only && end_of_day) {
		h = 23;
		mi = 59;
		sec = 59;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		goto out;
	*tp = (int64_t)t;
	r = 0;
out:
	return r;
}

int req_uint_parse(const char *s, uint32_t max, uint32_t *vp)
{
	uint32_t v;
	size_t len;
	int r = TR_ERR_INVAL;

	if (s == NULL)
		goto out;
	len = strnlen(s, 16);
	/* leading zeros are harmless here */
	while (len > 1 && s[0] == '0') {
		s++;
		len--;
	}
	if ((r = parse_u32_strict(s, len, &v)) != 0)
		goto out;
	if (v > max) {
		r = TR_ERR_LIMIT;
		goto out;
	}
	*vp = v;
out:
	return r;
}

int req_text_copy(const char *s, char *out, size_t outsz)
{
	size_t n, i;
	int r = TR_ERR_INVAL;

	if (outsz == 0)
		goto out;
	out[0] = '\0';
	if (s == NULL) {
		r = 0;
		goto out;
	}
	n = strnlen(s, outsz);
	if (n >= outsz) {
		r = TR_ERR_LIMIT;
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			goto out;
	memcpy(out, s, n + 1);
	r = 0;
out:
	return r;
}

bool req_utf8_ok(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (s[i] == '\0') {
			i++;               /* a NUL is judged with the control bytes */
			continue;
		}
		if ((k = utf8_char_len((const unsigned char *)s + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

bool req_uri_utf8_ok(const char *u, size_t len)
{
	char *buf = NULL;
	size_t n;
	bool ok = false;

	/* plain ASCII without %-escapes, nearly every request: nothing to decode */
	for (n = 0; n < len && u[n] != '%' && (unsigned char)u[n] < 0x80; n++)
		;
	if (n == len)
		return true;
	/* (out of memory: refused, as the caller cannot check it otherwise) */
	if ((buf = malloc(len + 1)) == NULL)
		goto out;
	memcpy(buf, u, len);
	buf[len] = '\0';
	n = MHD_http_unescape(buf);       /* %HH as libmicrohttpd decodes it */
	ok = req_utf8_ok(buf, n);
out:
	free(buf);
	return ok;
}
