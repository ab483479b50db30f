/* api.h - the web UI's request handlers: routing (route.h), sessions and
 * CSRF through the vault, the JSON API of docs/api.md, the pages.
 * Called by http.c once a request (and its bounded body) is complete;
 * handlers may block on the vault socket (thread pool).
 */
#ifndef TR_WEBUI_API_H
#define TR_WEBUI_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

#include "fdcache.h"
#include "live.h"
#include "scache.h"
#include "wconf.h"

struct api_env {
	const struct wconf *conf;       /* borrowed */
	struct live        *live;       /* borrowed */
	struct fdcache     *wavs;       /* borrowed: exported WAVs for Range playback */
	struct scache      *sessions;   /* borrowed, may be NULL: live view while the vault is down */
	bool                tls;
	atomic_uint_fast64_t requests;  /* counters for /metrics */
	atomic_uint_fast64_t errors_4xx;
	atomic_uint_fast64_t errors_5xx;
	atomic_uint_fast64_t vault_failures;
	atomic_uint_fast64_t marks;
};

struct api_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *path;               /* without the query string */
	const char *body;               /* NULL when none */
	size_t      body_len;
	bool        body_too_big;       /* over REQ_BODY_MAX: 413 */
	bool        bad_uri;            /* control byte (also %00) in the URI: 400 */
	bool        bad_utf8;           /* path or query not UTF-8 once %-decoded: 400 */
	char        remote[48];         /* client address text for the vault's audit */
};

void api_env_init(struct api_env *, const struct wconf *, struct live *, struct fdcache *,
                  bool tls);
/* Answers one complete request; returns libmicrohttpd's result. */
enum MHD_Result api_dispatch(struct api_env *, const struct api_req *);

#endif
