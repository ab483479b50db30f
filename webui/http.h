/* http.h - the libmicrohttpd daemon of the web UI: listening socket, TLS,
 * limits (connections, per-IP connections, header memory, body size,
 * timeouts), the bounded request-body collector, then api_dispatch.
 */
#ifndef TR_WEBUI_HTTP_H
#define TR_WEBUI_HTTP_H

#include "api.h"
#include "wconf.h"

struct http;

/* Starts serving with conf (borrowed, must outlive the server) and env
 * (borrowed). Reads the TLS files when configured and checks them with
 * GnuTLS (a key that does not match the certificate, an encrypted key, no
 * PEM, swapped files: logged naming the files). Returns 0 or TR_ERR_CONFIG
 * (bad address, unreadable or unusable TLS files), TR_ERR_SYS (bind). */
int  http_start(const struct wconf *conf, struct api_env *env, struct http **hp);
void http_stop(struct http *);    /* NULL-safe; waits for running handlers */

#endif
