/* sip.c - SIP message summary for the call table, parsed with libosip2.
 * RFC 3261 (SIP), RFC 3325 (P-Asserted-Identity), RFC 3966 (tel URI).
 *
 * libosip2 is lenient and has had parser bugs, so it only ever sees a
 * bounded copy (capped at sip_max / SIP_MSG_MAX). Everything we take out of
 * it is copied into fixed-size, NUL-terminated fields; libosip2's own
 * pointers never leave this file except the body, which stays owned by the
 * message until sip_msg_clear().
 */
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_message.h>

#include "err.h"
#include "sip.h"

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

/* Copies at most n bytes of src (stopping at NUL) into dst of size dstsz;
 * returns true when it had to truncate. */
static bool copy_n(char *dst, size_t dstsz, const char *src, size_t n)
{
	size_t i = 0;

	if (dstsz == 0)
		return src != NULL && n > 0;
	if (src != NULL)
		while (i < n && src[i] != '\0' && i + 1 < dstsz) {
			dst[i] = src[i];
			i++;
		}
	dst[i] = '\0';
	return src != NULL && i < n && src[i] != '\0';
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

void sip_init(void)
{
	parser_init();
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
	n = strcspn(s, "@>;?, \t");
	if (s[n] != '@')           /* sip URI without a user part */
		return;
	n = strcspn(s, "@;");      /* user parameters (";phone-context") stop the user */
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

static bool body_is_sdp(const osip_body_t *b)
{
	char ct[SIP_CTYPE_MAX];

	content_type_str(b->content_type, ct, sizeof(ct));
	return strcmp(ct, "application/sdp") == 0;
}

/* Picks the SDP body: the message body when the message's Content-Type is
 * application/sdp; the application/sdp part of a multipart body; or, with
 * no Content-Type at all, a body that starts with "v=". */
static void find_sdp(osip_message_t *msg, struct sip_msg *m)
{
	osip_body_t *b = NULL;
	int i;

	if (strcmp(m->content_type, "application/sdp") == 0 ||
	    m->content_type[0] == '\0') {
		if (osip_message_get_body(msg, 0, &b) < 0 || b == NULL || b->body == NULL)
			return;
		if (m->content_type[0] == '\0' && (b->length < 2 || memcmp(b->body, "v=", 2) != 0))
			return;
	} else if (strncmp(m->content_type, "multipart/", 10) == 0) {
		for (i = 0; i < 16; i++) {
			b = NULL;
			if (osip_message_get_body(msg, i, &b) < 0 || b == NULL)
				return;
			if (b->body != NULL && body_is_sdp(b))
				break;
		}
		if (i == 16)
			return;
	} else
		return;
	m->sdp = (const uint8_t *)b->body;
	m->sdp_len = b->length;
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

int sip_parse(const uint8_t *p, size_t len, size_t max, struct sip_msg *m)
{
	osip_message_t *msg = NULL;
	osip_generic_param_t *tag = NULL;
	osip_header_t *h = NULL;
	const osip_call_id_t *cid;
	size_t cap = max == 0 || max > SIP_MSG_MAX ? SIP_MSG_MAX : max;
	size_t n;
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
	if (osip_message_parse(msg, (const char *)p, len) != 0)
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
	find_sdp(msg, m);
	m->priv_ = msg;
	msg = NULL;
	r = 0;
out:
	if (msg != NULL)
		osip_message_free(msg);
	return r;
}

void sip_msg_clear(struct sip_msg *m)
{
	if (m == NULL)
		return;
	if (m->priv_ != NULL)
		osip_message_free(m->priv_);
	m->priv_ = NULL;
	m->sdp = NULL;
	m->sdp_len = 0;
}
