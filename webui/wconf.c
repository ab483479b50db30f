/* wconf.c - the [webui] section of threatrec.conf. */
#include "wconf.h"
#include "ring.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "err.h"

#define K(key, type, field, lo, hi) \
	{ "webui", key, type, offsetof(struct wconf, field), \
	  sizeof(((struct wconf *)0)->field), lo, hi, NULL }

/* listen: a literal address, checked here so that a bad one is reported
 * with its file:line (or as the -s override) rather than at startup. */
static int parse_listen(void *dst, const char *value, char *err, size_t errlen)
{
	struct wconf *c = dst;
	struct in6_addr a6;
	struct in_addr a4;
	int r = TR_ERR_CONFIG;

	if (strlen(value) >= sizeof(c->listen)) {
		snprintf(err, errlen, "value of listen is too long (max %zu bytes)",
		         sizeof(c->listen) - 1);
		goto out;
	}
	if (inet_pton(AF_INET, value, &a4) != 1 && inet_pton(AF_INET6, value, &a6) != 1) {
		snprintf(err, errlen, "listen = %s is not an IPv4 or IPv6 address "
		         "(e.g. 127.0.0.1, 0.0.0.0, ::1, ::)", value);
		goto out;
	}
	memcpy(c->listen, value, strlen(value) + 1);
	r = 0;
out:
	return r;
}

static const struct conf_key wconf_keys[] = {
	{ "webui", "listen", CONF_FUNC, 0, 0, 0, 0, parse_listen },
	K("port",               CONF_U32,      port, 1, 65535),
	K("tls_cert",           CONF_STR,      tls_cert, 0, 0),
	K("tls_key",            CONF_STR,      tls_key, 0, 0),
	K("vault_socket",       CONF_STR,      vault_socket, 0, 0),
	K("ring",               CONF_SHM,      ring, 0, 0),
	K("ring_owner",         CONF_UID,      ring_owner, 0, 0),
	K("max_connections",    CONF_U32,      max_connections, 1, 4096),
	K("per_ip_connections", CONF_U32,      per_ip_connections, 1, 4096),
	K("threads",            CONF_U32,      threads, 1, 64),
	K("timeout",            CONF_DURATION, timeout_ns, 1000000000ULL, 3600000000000ULL),
	K("marks_max",          CONF_U32,      marks_max, 16, 1u << 20),
	K("metrics",            CONF_BOOL,     metrics, 0, 0),
	K("syslog",             CONF_BOOL,     use_syslog, 0, 0),
};

static void wconf_defaults(struct wconf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1");
	c->port = 8080;
	snprintf(c->vault_socket, sizeof(c->vault_socket), "/run/threatrec/vault.sock");
	snprintf(c->ring, sizeof(c->ring), "/threatrec");
	c->ring_owner = ring_owner_default();
	c->max_connections = 1024;
	c->per_ip_connections = 32;
	c->threads = 4;
	c->timeout_ns = 10000000000ULL;   /* also the slow-header bound */
	c->marks_max = 1024;
	c->metrics = 1;
}

int wconf_load(struct wconf *c, const char *path, char *err, size_t errlen)
{
	int r = 0;

	wconf_defaults(c);
	if (path != NULL)
		r = conf_load(path, wconf_keys, sizeof(wconf_keys) / sizeof(wconf_keys[0]), c,
		              err, errlen);
	if (r == 0 && path != NULL && wconf_check(c, err, errlen) != 0) {
		/* the message names the file */
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: %s", path, msg);
		r = TR_ERR_CONFIG;
	}
	return r;
}

int wconf_check(const struct wconf *c, char *err, size_t errlen)
{
	if ((c->tls_cert[0] != '\0') != (c->tls_key[0] != '\0')) {
		snprintf(err, errlen, "[webui] tls_%s is set but tls_%s is not: HTTPS needs both, the "
		         "certificate (tls_cert) and its private key (tls_key)",
		         c->tls_cert[0] ? "cert" : "key", c->tls_cert[0] ? "key" : "cert");
		return TR_ERR_CONFIG;
	}
	return 0;
}

int wconf_set(struct wconf *c, const char *kv, char *err, size_t errlen)
{
	char name[96], value[WCONF_PATH_MAX];
	const char *eq = strchr(kv, '=');
	int r = TR_ERR_CONFIG;

	/* "webui.key=value" as the other programs take "section.key"; a bare
	 * "key=value" means the same */
	if (eq != NULL && strncmp(kv, "webui.", 6) == 0 && kv + 6 < eq)
		kv += 6;
	else if (eq != NULL && memchr(kv, '.', (size_t)(eq - kv)) != NULL) {
		/* another section's setting (ring.size, vault.grace): not ours */
		snprintf(err, errlen, "\"%.*s\" is not a web UI setting: threatrec-webui takes only "
		         "[webui] keys (-s webui.key=value)", (int)(eq - kv), kv);
		goto out;
	}
	if (eq == NULL || (size_t)(eq - kv) + sizeof("webui.") > sizeof(name) ||
	    strlen(eq + 1) >= sizeof(value)) {
		snprintf(err, errlen, "bad override \"%s\" (want key=value)", kv);
		goto out;
	}
	snprintf(name, sizeof(name), "webui.%.*s", (int)(eq - kv), kv);
	snprintf(value, sizeof(value), "%s", eq + 1);
	r = conf_set(wconf_keys, sizeof(wconf_keys) / sizeof(wconf_keys[0]), c, name, value,
	             err, errlen);
out:
	return r;
}
