/* wconf.h - the [webui] section of threatrec.conf (common/conf.h reader).
 * Documented in docs/api.md "Configuration".
 */
#ifndef TR_WCONF_H
#define TR_WCONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WCONF_PATH_MAX 256

struct wconf {
	char     listen[64];                  /* IPv4 or IPv6 literal address */
	uint32_t port;
	char     tls_cert[WCONF_PATH_MAX];    /* PEM; HTTPS when both are set */
	char     tls_key[WCONF_PATH_MAX];
	char     vault_socket[WCONF_PATH_MAX];
	char     ring[WCONF_PATH_MAX];        /* shm name of the sniffer's ring */
	uid_t    ring_owner;                  /* the sniffer's user: the ring must be its (or root's) */
	uint32_t max_connections;             /* MHD_OPTION_CONNECTION_LIMIT */
	uint32_t per_ip_connections;          /* MHD_OPTION_PER_IP_CONNECTION_LIMIT */
	uint32_t threads;                     /* MHD thread pool size */
	uint64_t timeout_ns;                  /* idle connection timeout */
	uint32_t marks_max;                   /* remembered marks (who marked a live call) */
	int      metrics;                     /* serve /metrics without a session */
	int      use_syslog;
};

/* Defaults, then path (if not NULL) over them. 0 or TR_ERR_CONFIG/SYS with a
 * "path:line: ..." message in err. */
int wconf_load(struct wconf *c, const char *path, char *err, size_t errlen);
/* Applies one "webui.key=value" (or bare "key=value") override of the
 * [webui] section (command line); "section.key=value" of another section
 * is refused as not a web UI setting. */
int wconf_set(struct wconf *c, const char *kv, char *err, size_t errlen);
/* Checks the settings that go together (tls_cert with tls_key), once the
 * file and every override are in (wconf_load checks the file alone too).
 * 0 or TR_ERR_CONFIG with the message in err. */
int wconf_check(const struct wconf *c, char *err, size_t errlen);

#endif
