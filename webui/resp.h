/* resp.h - HTTP responses of the web UI: JSON, JSON errors, compiled-in
 * assets, plain text and fd-backed downloads with Range support. Every
 * response carries the security headers (CSP default-src 'self', nosniff,
 * frame DENY, no-referrer; HSTS under TLS; Cache-Control no-store on the API).
 * Each function queues the response and returns libmicrohttpd's result.
 */
#ifndef TR_WEBUI_RESP_H
#define TR_WEBUI_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <microhttpd.h>

struct resp_opts {
	bool tls;                    /* add Strict-Transport-Security */
	const char *set_cookie;      /* a Set-Cookie header value, or NULL */
	const char *allow;           /* an Allow header (405), or NULL */
	bool close;                  /* "Connection: close": do not read further */
};

/* Sends j (not consumed) with status; o may be NULL. */
enum MHD_Result resp_json(struct MHD_Connection *, unsigned status, const json_t *j,
                          const struct resp_opts *o);
/* Sends {"error": msg} with status. */
enum MHD_Result resp_error(struct MHD_Connection *, unsigned status, const char *msg,
                           const struct resp_opts *o);
/* Sends static bytes (not copied: they must live as long as the process). */
enum MHD_Result resp_static(struct MHD_Connection *, unsigned status, const char *ctype,
                            const void *data, size_t len, bool api, const struct resp_opts *o);
/* Sends malloc'd bytes (taken over and freed by libmicrohttpd). */
enum MHD_Result resp_text(struct MHD_Connection *, unsigned status, const char *ctype,
                          char *data, size_t len, const struct resp_opts *o);
/* Serves fd (taken over: closed in every case) of size bytes, honouring a
 * Range header: 200, 206 with Content-Range, or 416. filename (safe chars
 * only) and attachment choose Content-Disposition. */
enum MHD_Result resp_fd(struct MHD_Connection *, int fd, uint64_t size, const char *ctype,
                        const char *filename, bool attachment, const struct resp_opts *o);

#endif
