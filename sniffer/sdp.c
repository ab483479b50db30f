/* sdp.c - media endpoints and payload-type map of an SDP body (libosip2).
 * RFC 4566/8866 (SDP), 3264 (offer/answer, hold), 3551 (static payload
 * types), 3605 (a=rtcp), 5761 (a=rtcp-mux).
 *
 * libosip2's SDP parser wants a NUL-terminated string, so the body is
 * copied into a bounded temporary buffer first. Every value taken out of
 * the parsed message is range-checked here; libosip2 only splits lines.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_port.h>
#include <osipparser2/sdp_message.h>

#include "err.h"
#include "sdp.h"
#include "utf8.h"

#define SDP_MLINES_MAX   64    /* m= lines looked at */
#define SDP_ATTRS_MAX    128   /* attributes looked at per level */
#define SDP_PAD          64    /* zero bytes after the copy handed to libosip2 */

static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool str_ieq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return false;
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return false;
	return *a == *b;
}

static bool str_icontains(const char *hay, const char *needle)
{
	size_t i, n = strlen(needle);

	if (hay == NULL)
		return false;
	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n; i++)
			if (hay[i] == '\0' ||
			    ascii_lower((unsigned char)hay[i]) != ascii_lower((unsigned char)needle[i]))
				break;
		if (i == n)
			return true;
	}
	return false;
}

/* Decimal number in [0, max] at *s (leading blanks skipped); advances *s. */
static int parse_uint(const char **s, uint32_t max, uint32_t *v)
{
	const char *p = *s;
	uint32_t x = 0;
	int digits = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p >= '0' && *p <= '9'; p++) {
		x = x * 10 + (uint32_t)(*p - '0');
		if (x > max || ++digits > 10)
			return TR_ERR_INVAL;
	}
	if (digits == 0)
		return TR_ERR_INVAL;
	*v = x;
	*s = p;
	return 0;
}

static const struct { uint8_t pt; uint32_t rate; uint8_t ch; const char *name; } static_pts[] = {
	{ 0, 8000, 1, "PCMU" }, { 3, 8000, 1, "GSM" }, { 4, 8000, 1, "G723" },
	{ 5, 8000, 1, "DVI4" }, { 6, 16000, 1, "DVI4" }, { 7, 8000, 1, "LPC" },
	{ 8, 8000, 1, "PCMA" }, { 9, 8000, 1, "G722" }, { 10, 44100, 2, "L16" },
	{ 11, 44100, 1, "L16" }, { 12, 8000, 1, "QCELP" }, { 13, 8000, 1, "CN" },
	{ 14, 90000, 1, "MPA" }, { 15, 8000, 1, "G728" }, { 16, 11025, 1, "DVI4" },
	{ 17, 22050, 1, "DVI4" }, { 18, 8000, 1, "G729" },
};

bool sdp_static_pt(uint8_t pt, struct ring_pt *out)
{
	size_t i;

	for (i = 0; i < sizeof(static_pts) / sizeof(static_pts[0]); i++) {
		if (static_pts[i].pt != pt)
			continue;
		memset(out, 0, sizeof(*out));
		out->pt = pt;
		out->used = 1;
		out->channels = static_pts[i].ch;
		out->clock_rate = static_pts[i].rate;
		memcpy(out->name, static_pts[i].name, strlen(static_pts[i].name) + 1);
		return true;
	}
	return false;
}

/* Adds or replaces the entry for pt->pt (a later rtpmap wins). */
static void pt_put(struct sdp_info *info, const struct ring_pt *pt)
{
	uint32_t i;

	for (i = 0; i < info->n_pt; i++)
		if (info->pt[i].pt == pt->pt) {
			info->pt[i] = *pt;
			return;
		}
	if (info->n_pt < RING_PT_MAX)
		info->pt[info->n_pt++] = *pt;
}

static bool pt_has(const struct sdp_info *info, uint8_t pt)
{
	uint32_t i;

	for (i = 0; i < info->n_pt; i++)
		if (info->pt[i].pt == pt)
			return true;
	return false;
}

/* "96 telephone-event/8000[/1]" */
static int rtpmap_parse(const char *v, struct ring_pt *out)
{
	const char *s = v;
	uint32_t pt, rate = 0, ch = 1;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (v == NULL || parse_uint(&s, 127, &pt) != 0)
		return TR_ERR_INVAL;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, "/ \t");
	if (n == 0 || s[n] != '/')
		return TR_ERR_INVAL;
	(void)utf8_clean(out->name, sizeof(out->name), s, n);   /* cut if too long */
	s += strcspn(s, "/");
	s++;
	if (parse_uint(&s, 10000000, &rate) != 0 || rate == 0)
		return TR_ERR_INVAL;
	if (*s == '/') {
		s++;
		if (parse_uint(&s, 255, &ch) != 0 || ch == 0)
			return TR_ERR_INVAL;
	}
	out->pt = (uint8_t)pt;
	out->clock_rate = rate;
	out->channels = (uint8_t)ch;
	out->used = 1;
	return 0;
}

/* Connection address "x.x.x.x[/ttl[/n]]" or an IPv6 literal. The
 * unspecified address (0.0.0.0, ::, old-style hold) gives no endpoint. */
static int conn_addr(sdp_connection_t *c, uint8_t *family, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *a;
	size_t n;
	static const uint8_t zero[16];

	if (c == NULL || c->c_addr == NULL || c->c_addrtype == NULL)
		return TR_ERR_INVAL;
	a = c->c_addr;
	n = strcspn(a, "/ ");
	if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {   /* "[2001:db8::1]", seen in o= lines */
		a++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return TR_ERR_INVAL;
	memcpy(buf, a, n);
	buf[n] = '\0';
	memset(addr, 0, 16);
	if (str_ieq(c->c_addrtype, "IP4")) {
		if (inet_pton(AF_INET, buf, addr) != 1)
			return TR_ERR_INVAL;
		*family = 4;
	} else if (str_ieq(c->c_addrtype, "IP6")) {
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return TR_ERR_INVAL;
		*family = 6;
	} else
		return TR_ERR_INVAL;
	if (memcmp(addr, zero, 16) == 0)
		return TR_ERR_INVAL;
	return 0;
}

/* The rtpmap lines of one m= section, before they are put in m= order. */
struct rtpmaps {
	uint32_t n;
	struct ring_pt pt[RING_PT_MAX];
};

/* Scans the attributes of one level (pos_media -1 = session). */
static void attrs_scan(sdp_message_t *sdp, int pos_media, struct rtpmaps *maps,
                       struct sdp_stream *st, bool *inactive)
{
	sdp_attribute_t *a;
	struct ring_pt pt;
	const char *s;
	uint32_t port;
	int i;

	for (i = 0; i < SDP_ATTRS_MAX; i++) {
		a = sdp_message_attribute_get(sdp, pos_media, i);
		if (a == NULL)
			break;
		if (a->a_att_field == NULL)
			continue;
		if (str_ieq(a->a_att_field, "inactive"))
			*inactive = true;
		else if (st == NULL)
			continue;
		else if (str_ieq(a->a_att_field, "rtpmap")) {
			if (rtpmap_parse(a->a_att_value, &pt) == 0 && maps->n < RING_PT_MAX)
				maps->pt[maps->n++] = pt;
		} else if (str_ieq(a->a_att_field, "rtcp-mux"))
			st->rtcp_mux = 1;
		else if (str_ieq(a->a_att_field, "rtcp")) {
			s = a->a_att_value;
			if (s != NULL && parse_uint(&s, 65535, &port) == 0 && port != 0)
				st->rtcp_port = (uint16_t)port;
		}
	}
}

static void media_scan(sdp_message_t *sdp, int pos, struct sdp_info *info,
                       bool session_inactive)
{
	struct sdp_stream st;
	struct rtpmaps maps;
	struct ring_pt pt;
	const char *media = sdp_message_m_media_get(sdp, pos);
	const char *proto = sdp_message_m_proto_get(sdp, pos);
	const char *s = sdp_message_m_port_get(sdp, pos);
	sdp_connection_t *c;
	bool inactive = session_inactive;
	uint32_t port, v, j;
	int i;

	if (str_ieq(media, "image") && str_icontains(proto, "udptl")) {
		info->has_udptl = true;
		return;
	}
	if (str_ieq(media, "video"))
		info->has_video = true;
	if (!str_ieq(media, "audio") || !str_icontains(proto, "RTP/"))
		return;
	memset(&st, 0, sizeof(st));
	if (s == NULL || parse_uint(&s, 65535, &port) != 0 || port == 0) {
		info->n_ignored++;
		return;
	}
	st.port = (uint16_t)port;
	/* the media-level c= overrides the session-level one */
	c = sdp_message_connection_get(sdp, pos, 0);
	if (c == NULL)
		c = sdp_message_connection_get(sdp, -1, 0);
	if (conn_addr(c, &st.family, st.addr) != 0) {
		info->n_ignored++;
		return;
	}
	for (i = 0; i < 64; i++) {
		s = sdp_message_m_payload_get(sdp, pos, i);
		if (s == NULL)
			break;
		if (parse_uint(&s, 127, &v) != 0 || *s != '\0')
			continue;
		if (st.n_fmt < SDP_FMT_MAX)
			st.fmt[st.n_fmt++] = (uint8_t)v;
	}
	maps.n = 0;
	attrs_scan(sdp, pos, &maps, &st, &inactive);
	if (inactive) {
		info->n_ignored++;
		return;
	}
	if (st.rtcp_port == 0)      /* no port above 65535: RTCP on the RTP port */
		st.rtcp_port = st.rtcp_mux || st.port == 65535 ? st.port : (uint16_t)(st.port + 1);
	/* in m= order: the rtpmap of each format, else its RFC 3551 meaning */
	for (i = 0; i < st.n_fmt; i++) {
		for (j = 0; j < maps.n; j++)
			if (maps.pt[j].pt == st.fmt[i])
				break;
		if (j < maps.n)
			pt_put(info, &maps.pt[j]);
		else if (!pt_has(info, st.fmt[i]) && sdp_static_pt(st.fmt[i], &pt))
			pt_put(info, &pt);
	}
	if (info->n_streams < SDP_STREAMS_MAX)
		info->streams[info->n_streams++] = st;
}

int sdp_parse(const uint8_t *p, size_t len, struct sdp_info *out)
{
	sdp_message_t *sdp = NULL;
	char *buf = NULL;
	bool session_inactive = false;
	int r = TR_ERR_INVAL;
	int pos;

	memset(out, 0, sizeof(*out));
	if (p == NULL || len == 0)
		goto out;
	if (len > SDP_MAX) {
		r = TR_ERR_LIMIT;
		goto out;
	}
	/* libosip2 wants a C string; an embedded NUL just ends it early. Its
	 * parser has read a byte past the terminating NUL on some inputs (found
	 * by fuzz_sdp): SDP_PAD zero bytes make such a read harmless. */
	if ((buf = calloc(1, len + SDP_PAD)) == NULL) {
		r = TR_ERR_NOMEM;
		goto out;
	}
	memcpy(buf, p, len);
	if (sdp_message_init(&sdp) != 0) {
		r = TR_ERR_NOMEM;
		goto out;
	}
	if (sdp_message_parse(sdp, buf) != 0)
		goto out;
	attrs_scan(sdp, -1, NULL, NULL, &session_inactive);
	for (pos = 0; pos < SDP_MLINES_MAX; pos++) {
		if (sdp_message_m_media_get(sdp, pos) == NULL)
			break;
		media_scan(sdp, pos, out, session_inactive);
	}
	r = 0;
out:
	if (sdp != NULL)
		sdp_message_free(sdp);
	free(buf);
	return r;
}
