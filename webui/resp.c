/* resp.c - HTTP responses with the web UI's security headers.
 * RFC 9110 (206/416, Content-Range), RFC 6797 (HSTS), CSP Level 3.
 */
#include "resp.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "req.h"

#define RESP_CSP "default-src 'self'; img-src 'self'; media-src 'self'; " \
                 "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

static void add_common(struct MHD_Response *resp, bool api, const struct resp_opts *o)
{
	MHD_add_response_header(resp, "Content-Security-Policy", RESP_CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", api ? "no-store" : "no-cache");
	if (o != NULL && o->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (o != NULL && o->set_cookie != NULL)
		MHD_add_response_header(resp, "Set-Cookie", o->set_cookie);
	if (o != NULL && o->allow != NULL)
		MHD_add_response_header(resp, "Allow", o->allow);
	if (o != NULL && o->close)
		MHD_add_response_header(resp, "Connection", "close");
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result resp_text(struct MHD_Connection *c, unsigned status, const char *ctype,
                          char *data, size_t len, const struct resp_opts *o)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	add_common(resp, true, o);
	return queue(c, status, resp);
}

enum MHD_Result resp_json(struct MHD_Connection *c, unsigned status, const json_t *j,
                          const struct resp_opts *o)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));   /* 7.64, not 7.6399999999999997 */

	if (s == NULL)
		return MHD_NO;
	return resp_text(c, status, "application/json; charset=utf-8", s, strlen(s), o);
}

enum MHD_Result resp_error(struct MHD_Connection *c, unsigned status, const char *msg,
                           const struct resp_opts *o)
{
	json_t *j = json_pack("{s:s}", "error", msg);
	enum MHD_Result ret;

	if (j == NULL)
		return MHD_NO;
	ret = resp_json(c, status, j, o);
	json_decref(j);
	return ret;
}

enum MHD_Result resp_static(struct MHD_Connection *c, unsigned status, const char *ctype,
                            const void *data, size_t len, bool api, const struct resp_opts *o)
{
	struct MHD_Response *resp;

	/* MHD_RESPMEM_PERSISTENT: MHD never writes or frees the buffer */
	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data,
	                                       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", ctype);
	add_common(resp, api, o);
	return queue(c, status, resp);
}

/* A download name we put in a quoted header: 1..100 of [A-Za-z0-9_.-],
 * not starting with '.'. */
static bool safe_file_name(const char *s)
{
	size_t i, n = strnlen(s, 101);

	if (n == 0 || n > 100 || s[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

enum MHD_Result resp_fd(struct MHD_Connection *c, int fd, uint64_t size, const char *ctype,
                        const char *filename, bool attachment, const struct resp_opts *o)
{
	struct MHD_Response *resp = NULL;
	const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
	uint64_t start = 0, len = size;
	unsigned status = 200;
	char cr[96], cd[128];
	enum req_range_kind k;

	k = req_range_parse(range, size, &start, &len);
	if (k == REQ_RANGE_UNSAT) {
		close(fd);
		snprintf(cr, sizeof(cr), "bytes */%" PRIu64, size);
		resp = MHD_create_response_from_buffer(
			sizeof("{\"error\":\"requested range not satisfiable\"}") - 1,
			(void *)(uintptr_t)"{\"error\":\"requested range not satisfiable\"}",
			MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
		MHD_add_response_header(resp, "Content-Range", cr);
		add_common(resp, true, o);
		return queue(c, 416, resp);
	}
	if (k == REQ_RANGE_OK)
		status = 206;
	/* takes over fd: MHD closes it when the response is destroyed */
	resp = MHD_create_response_from_fd_at_offset64(len, fd, start);
	if (resp == NULL) {
		close(fd);
		return MHD_NO;
	}
	if (status == 206) {
		snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, start,
		         start + len - 1, size);
		MHD_add_response_header(resp, "Content-Range", cr);
	}
	MHD_add_response_header(resp, "Accept-Ranges", "bytes");
	MHD_add_response_header(resp, "Content-Type", ctype);
	if (filename != NULL && safe_file_name(filename)) {
		snprintf(cd, sizeof(cd), "%s; filename=\"%s\"", attachment ? "attachment" : "inline",
		         filename);
		MHD_add_response_header(resp, "Content-Disposition", cd);
	}
	add_common(resp, true, o);
	return queue(c, status, resp);
}
