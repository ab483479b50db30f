/* sip.c - SIP message summary for the call table, parsed with libosip2.
 * RFC 3261 (SIP), RFC 3325 (P-Asserted-Identity), RFC 3966 (tel URI).
 *
 * libosip2 is lenient and has had parser bugs, so it only ever sees a
 * bounded copy (capped at sip_max / SIP_MSG_MAX). Everything we take out of
 * it is copied into fixed-size, NUL-terminated fields and the libosip2
 * message is freed before sip_parse returns; the body (sdp) is a view into
 * the caller's buffer, cut here, never libosip2's.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_message.h>

#include "err.h"
#include "sip.h"
#include "utf8.h"

/* ASCII-only helpers: never the locale-dependent <ctype.h>. */
static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool ascii_is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static bool ascii_ncase_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return false;
		if (a[i] == '\0')
			return true;
	}
	return true;
}

/* Copies at most n bytes of src (stopping at NUL) into dst of size dstsz,
 * bytes that are not well-formed UTF-8 as \xHH (the wire may carry any
 * bytes; readers write these strings into JSON); returns true when it had
 * to truncate. */
static bool copy_n(char *dst, size_t dstsz, const char *src, size_t n)
{
	return utf8_clean(dst, dstsz, src, n);
}

static bool copy_str(char *dst, size_t dstsz, const char *src)
{
	return copy_n(dst, dstsz, src, src ? strlen(src) : 0);
}

static const struct { const char *name; enum sip_method m; } sip_methods[] = {
	{ "INVITE", SIP_M_INVITE }, { "ACK", SIP_M_ACK }, { "BYE", SIP_M_BYE },
	{ "CANCEL", SIP_M_CANCEL }, { "PRACK", SIP_M_PRACK }, { "UPDATE", SIP_M_UPDATE },
	{ "INFO", SIP_M_INFO }, { "REGISTER", SIP_M_REGISTER }, { "OPTIONS", SIP_M_OPTIONS },
	{ "REFER", SIP_M_REFER }, { "NOTIFY", SIP_M_NOTIFY }, { "SUBSCRIBE", SIP_M_SUBSCRIBE },
	{ "MESSAGE", SIP_M_MESSAGE }, { "PUBLISH", SIP_M_PUBLISH },
};

enum sip_method sip_method_from_str(const char *s)
{
	size_t i;

	if (s == NULL)
		return SIP_M_UNKNOWN;
	for (i = 0; i < sizeof(sip_methods) / sizeof(sip_methods[0]); i++)
		if (strcmp(s, sip_methods[i].name) == 0)
			return sip_methods[i].m;
	return SIP_M_UNKNOWN;
}

/* libosip2's trace sink: it would print every parse error of untrusted
 * input; we count bad messages instead. */
static void sip_trace_quiet(const char *fi, int li, osip_trace_level_t level, const char *chfr,
                            va_list ap)
{
	(void)fi;
	(void)li;
	(void)level;
	(void)chfr;
	(void)ap;
}

void sip_init(void)
{
	int i;

	parser_init();
	osip_trace_initialize_func(TRACE_LEVEL0, sip_trace_quiet);
	for (i = 0; i < END_TRACE_LEVEL; i++)
		osip_trace_disable_level((osip_trace_level_t)i);
}

bool sip_is_sip(const uint8_t *p, size_t len)
{
	size_t i = 0;
	size_t rest;

	if (p == NULL)
		return false;
	if (len >= 8 && memcmp(p, "SIP/2.0 ", 8) == 0)
		return true;
	/* "<METHOD> <scheme>:" with an upper-case token of 2..16 letters */
	while (i < len && i < 17 && (ascii_is_upper(p[i]) || p[i] == '-'))
		i++;
	if (i < 2 || i > 16 || i >= len || p[i] != ' ')
		return false;
	i++;
	rest = len - i;
	if (rest >= 4 && (ascii_ncase_eq((const char *)p + i, "sip:", 4) ||
	                  ascii_ncase_eq((const char *)p + i, "tel:", 4)))
		return true;
	if (rest >= 5 && ascii_ncase_eq((const char *)p + i, "sips:", 5))
		return true;
	return false;
}

/* The user part of a URI as libosip2 parsed it: username for sip/sips,
 * the number for tel (its "string", up to the first ';'). */
static void uri_user(const osip_uri_t *u, char *dst, size_t dstsz)
{
	const char *s;

	dst[0] = '\0';
	if (u == NULL)
		return;
	if (u->username != NULL) {
		copy_str(dst, dstsz, u->username);
		return;
	}
	if (u->scheme != NULL && ascii_ncase_eq(u->scheme, "tel", 4) && u->string != NULL) {
		s = u->string;
		if (ascii_ncase_eq(s, "tel:", 4))
			s += 4;
		copy_n(dst, dstsz, s, strcspn(s, ";?"));
	}
}

/* The user of the first URI in a P-Asserted-Identity value, extracted by
 * hand: the value may hold several comma-separated name-addrs, which
 * osip_from_parse does not accept. Bounded by the value's own NUL. */
static void pai_user(const char *v, char *dst, size_t dstsz)
{
	const char *s, *e;
	size_t n;

	dst[0] = '\0';
	if (v == NULL)
		return;
	s = v;
	/* skip a quoted display name: a '<' inside it must not count */
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '"') {
		s++;
		while (*s != '\0' && *s != '"') {
			if (*s == '\\' && s[1] != '\0')
				s++;
			s++;
		}
		if (*s == '"')
			s++;
	}
	e = strchr(s, '<');
	if (e != NULL)
		s = e + 1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (ascii_ncase_eq(s, "sips:", 5))
		s += 5;
	else if (ascii_ncase_eq(s, "sip:", 4) || ascii_ncase_eq(s, "tel:", 4)) {
		if (ascii_ncase_eq(s, "tel:", 4)) {
			s += 4;
			copy_n(dst, dstsz, s, strcspn(s, ";?>, \t"));
			return;
		}
		s += 4;
	} else
		return;
	n = strcspn(s, "@>, \t");
	if (s[n] != '@')           /* sip URI without a user part */
		return;
	n = strcspn(s, "@;");      /* user parameters (";isub=...") stop the user */
	copy_n(dst, dstsz, s, n);
}

static void lower_inplace(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)ascii_lower((unsigned char)*s);
}

static void content_type_str(const osip_content_type_t *ct, char *dst, size_t dstsz)
{
	size_t n;

	dst[0] = '\0';
	if (ct == NULL || ct->type == NULL)
		return;
	copy_str(dst, dstsz, ct->type);
	n = strlen(dst);
	if (ct->subtype != NULL && n + 1 < dstsz) {
		dst[n] = '/';
		copy_str(dst + n + 1, dstsz - n - 1, ct->subtype);
	}
	lower_inplace(dst);
}

static uint32_t parse_u32(const char *s)
{
	uint64_t v = 0;

	if (s == NULL)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return UINT32_MAX;
	}
	return (uint32_t)v;
}

/* Matches header name `full` (or its compact form `compact`, 0 for none)
 * at the start of line h[i..hl), followed by optional blanks and ':'.
 * Returns the index just after the ':' or 0. */
static size_t hdr_name_at(const char *h, size_t i, size_t hl, const char *full, char compact)
{
	size_t n = strlen(full), j = 0;

	if (hl - i >= n && ascii_ncase_eq(h + i, full, n))
		j = i + n;
	else if (compact != 0 && ascii_lower((unsigned char)h[i]) == compact)
		j = i + 1;
	if (j == 0)
		return 0;
	while (j < hl && (h[j] == ' ' || h[j] == '\t'))
		j++;
	return j < hl && h[j] == ':' ? j + 1 : 0;
}

/* Prepares the header section h (hl bytes, NUL-terminated) for libosip2,
 * renaming headers to an unknown name of the same length by writing 'x'
 * over their first letter:
 *  - every Content-Length ("l"), so that libosip2 does not look for the
 *    body: the first one's value is returned (UINT32_MAX when absent);
 *  - every Content-Type ("c") after the first: libosip2 rejects a message
 *    with two (seen in a real capture: a 200 to UPDATE from a VoLTE core). */
static uint32_t headers_fixup(char *h, size_t hl)
{
	uint32_t v = UINT32_MAX;
	size_t i = 0, j;
	bool have_ct = false;

	while (i < hl) {
		if ((j = hdr_name_at(h, i, hl, "content-length", 'l')) != 0) {
			h[i] = 'x';
			if (v == UINT32_MAX)
				v = parse_u32(h + j);
		} else if (hdr_name_at(h, i, hl, "content-type", 'c') != 0) {
			if (have_ct)
				h[i] = 'x';
			have_ct = true;
		}
		while (i < hl && h[i] != '\n')
			i++;
		i++;
	}
	return v;
}

/* Length of the header section including the empty line that ends it,
 * or len when there is no empty line (a message without body). */
static size_t header_len(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

static const uint8_t *mem_find(const uint8_t *h, size_t hl, const char *n, size_t nl)
{
	return nl == 0 || hl < nl ? NULL : memmem(h, hl, n, nl);
}

/* The boundary parameter of a multipart Content-Type, quotes removed. */
static size_t mp_boundary(osip_content_type_t *ct, char *dst, size_t dstsz)
{
	osip_generic_param_t *b = NULL;
	const char *v;
	size_t n;

	if (ct == NULL || osip_generic_param_get_byname(&ct->gen_params,
	                                                "boundary", &b) != 0 ||
	    b == NULL || b->gvalue == NULL)
		return 0;
	v = b->gvalue;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n == 0 || n + 3 > dstsz)   /* "--" + boundary + NUL */
		return 0;
	dst[0] = '-';
	dst[1] = '-';
	memcpy(dst + 2, v, n);
	dst[n + 2] = '\0';
	return n + 2;
}

/* Whether a MIME part's header section has Content-Type application/sdp. */
static bool part_is_sdp(const uint8_t *h, size_t n)
{
	static const char name[] = "content-type:";
	size_t i = 0, j;

	while (i < n) {
		/* at the start of a header line */
		if (n - i >= sizeof(name) - 1 && ascii_ncase_eq((const char *)h + i, name,
		                                                 sizeof(name) - 1)) {
			j = i + sizeof(name) - 1;
			while (j < n && (h[j] == ' ' || h[j] == '\t'))
				j++;
			return n - j >= 15 && ascii_ncase_eq((const char *)h + j, "application/sdp", 15);
		}
		while (i < n && h[i] != '\n')
			i++;
		i++;
	}
	return false;
}

/* The application/sdp part of a multipart body (RFC 2046 section 5.1),
 * split here rather than by libosip2, whose MIME part parser leaks memory
 * on malformed parts. Bounded by the body; at most 16 parts. */
static void mp_find_sdp(const uint8_t *body, size_t blen, const char *delim, size_t dl,
                        struct sip_msg *m)
{
	const uint8_t *p = body, *end = body + blen, *d, *hend;
	size_t rest, hl;
	int parts;

	d = mem_find(p, blen, delim, dl);
	for (parts = 0; d != NULL && parts < 16; parts++) {
		p = d + dl;
		rest = (size_t)(end - p);
		if (rest >= 2 && p[0] == '-' && p[1] == '-')
			return;                           /* close delimiter */
		/* skip the rest of the delimiter line */
		while (p < end && *p != '\n')
			p++;
		if (p == end)
			return;
		p++;
		rest = (size_t)(end - p);
		hl = header_len(p, rest);
		hend = p + hl;
		d = mem_find(hend, (size_t)(end - hend), delim, dl);
		if (part_is_sdp(p, hl)) {
			const uint8_t *e = d != NULL ? d : end;
			/* the line break before the delimiter belongs to it */
			if (e > hend && e[-1] == '\n')
				e--;
			if (e > hend && e[-1] == '\r')
				e--;
			m->sdp = hend;
			m->sdp_len = (size_t)(e - hend);
			return;
		}
	}
}

/* Picks the SDP body: the whole body when the Content-Type is
 * application/sdp (or absent and the body starts with "v="), or the
 * application/sdp part of a multipart body. */
static void find_sdp(osip_message_t *msg, const uint8_t *body, size_t blen,
                     struct sip_msg *m)
{
	char delim[80];
	size_t dl;

	if (blen == 0)
		return;
	if (strcmp(m->content_type, "application/sdp") == 0 ||
	    (m->content_type[0] == '\0' && blen >= 2 && memcmp(body, "v=", 2) == 0)) {
		m->sdp = body;
		m->sdp_len = blen;
	} else if (strncmp(m->content_type, "multipart/", 10) == 0 &&
	           (dl = mp_boundary(msg->content_type, delim, sizeof(delim))) != 0)
		mp_find_sdp(body, blen, delim, dl, m);
}


int sip_parse(const uint8_t *p, size_t len, size_t max, struct sip_msg *m)
{
	osip_message_t *msg = NULL;
	osip_generic_param_t *tag = NULL;
	osip_header_t *h = NULL;
	const osip_call_id_t *cid;
	size_t cap = max == 0 || max > SIP_MSG_MAX ? SIP_MSG_MAX : max;
	size_t n, hl, blen;
	uint32_t clen;
	char *hdr = NULL;
	int r = TR_ERR_INVAL;

	memset(m, 0, sizeof(*m));
	if (p == NULL || len == 0)
		goto out;
	if (len > cap) {
		r = TR_ERR_LIMIT;
		goto out;
	}
	if (osip_message_init(&msg) != 0) {
		r = TR_ERR_NOMEM;
		goto out;
	}
	/* libosip2 sees the start line and headers only, with Content-Length
	 * renamed so that it does not look for the body: we cut the body
	 * ourselves (see find_sdp) */
	hl = header_len(p, len);
	if ((hdr = malloc(hl + 1)) == NULL) {
		r = TR_ERR_NOMEM;
		goto out;
	}
	memcpy(hdr, p, hl);
	hdr[hl] = '\0';
	clen = headers_fixup(hdr, hl);
	if (osip_message_parse(msg, hdr, hl) != 0)
		goto out;
	if (msg->call_id == NULL || msg->call_id->number == NULL || msg->from == NULL ||
	    msg->to == NULL || msg->cseq == NULL || msg->cseq->method == NULL)
		goto out;
	m->is_request = MSG_IS_REQUEST(msg);
	if (m->is_request) {
		if (msg->sip_method == NULL)
			goto out;
		copy_str(m->method_name, sizeof(m->method_name), msg->sip_method);
		uri_user(msg->req_uri, m->ruri_user, sizeof(m->ruri_user));
	} else {
		if (msg->status_code < 100 || msg->status_code > 699)
			goto out;
		m->status = msg->status_code;
		copy_str(m->method_name, sizeof(m->method_name), msg->cseq->method);
	}
	m->method = sip_method_from_str(m->method_name);
	m->cseq_method = sip_method_from_str(msg->cseq->method);
	m->cseq_num = parse_u32(msg->cseq->number);

	cid = msg->call_id;
	m->call_id_trunc = copy_str(m->call_id, sizeof(m->call_id), cid->number);
	if (cid->host != NULL) {
		n = strlen(m->call_id);
		if (n + 1 < sizeof(m->call_id)) {
			m->call_id[n] = '@';
			m->call_id_trunc |= copy_str(m->call_id + n + 1, sizeof(m->call_id) - n - 1,
			                             cid->host);
		} else
			m->call_id_trunc = true;
	}
	if (m->call_id[0] == '\0')
		goto out;

	uri_user(msg->from->url, m->from_user, sizeof(m->from_user));
	if (osip_from_get_tag(msg->from, &tag) == 0 && tag != NULL && tag->gvalue != NULL)
		copy_str(m->from_tag, sizeof(m->from_tag), tag->gvalue);
	tag = NULL;
	uri_user(msg->to->url, m->to_user, sizeof(m->to_user));
	if (osip_to_get_tag(msg->to, &tag) == 0 && tag != NULL && tag->gvalue != NULL)
		copy_str(m->to_tag, sizeof(m->to_tag), tag->gvalue);
	if (osip_message_header_get_byname(msg, "p-asserted-identity", 0, &h) >= 0 && h != NULL)
		pai_user(h->hvalue, m->pai_user, sizeof(m->pai_user));

	content_type_str(msg->content_type, m->content_type, sizeof(m->content_type));
	blen = len - hl;
	if (clen < blen)
		blen = clen;                 /* a longer Content-Length: keep what came */
	find_sdp(msg, p + hl, blen, m);
	r = 0;
out:
	if (msg != NULL)
		osip_message_free(msg);
	free(hdr);
	return r;
}

void sip_msg_clear(struct sip_msg *m)
{
	if (m == NULL)
		return;
	m->sdp = NULL;
	m->sdp_len = 0;
}
