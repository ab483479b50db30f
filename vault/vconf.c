/* vconf.c - the [vault] section of threatrec.conf, table-driven (common/conf.h). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pwd.h>
#include <stdint.h>
#include "conf.h"
#include "err.h"
#include "vconf.h"

/* peer_uids = threatrec-webui 1001 ... (user names or numeric uids, blank
 * or comma separated; names are looked up when the config is read) */
static int
parse_uids(void *dst, const char *value, char *err, size_t errlen)
{
	struct vconf *c = dst;
	const char *p = value;
	int r = TR_ERR_CONFIG;

	c->n_peer_uids = 0;
	while (*p != '\0') {
		char *end = NULL;
		unsigned long v;
		if (*p == ' ' || *p == ',' || *p == '\t') {
			p++;
			continue;
		}
		v = strtoul(p, &end, 10);
		if (end == p || (*end != '\0' && *end != ' ' && *end != ',' && *end != '\t')) {
			/* a user name */
			char name[64];
			size_t n = strcspn(p, " ,\t");
			struct passwd *pw;
			if (n >= sizeof name) {
				snprintf(err, errlen, "peer_uids: user name too long in \"%s\"", value);
				goto out;
			}
			memcpy(name, p, n);
			name[n] = '\0';
			if ((pw = getpwnam(name)) == NULL) {
				snprintf(err, errlen, "peer_uids: no such user \"%s\"", name);
				goto out;
			}
			v = pw->pw_uid;
			end = (char *)(uintptr_t)(p + n);
		} else if (v > 0x7fffffffUL) {
			snprintf(err, errlen, "peer_uids: uid %lu out of range", v);
			goto out;
		}
		if (c->n_peer_uids >= VCONF_UIDS_MAX) {
			snprintf(err, errlen, "peer_uids: at most %d uids", VCONF_UIDS_MAX);
			goto out;
		}
		c->peer_uids[c->n_peer_uids++] = (uid_t)v;
		p = end;
	}
	r = 0;
out:
	return r;
}

#define K(key, type, field, lo, hi) \
	{ "vault", key, type, offsetof(struct vconf, field), sizeof(((struct vconf *)0)->field), lo, hi, NULL }
static const struct conf_key vconf_keys[] = {
	K("ring",              CONF_STR,      ring, 0, 0),
	K("storage",           CONF_STR,      storage, 0, 0),
	K("socket",            CONF_STR,      socket, 0, 0),
	{ "vault", "peer_uids", CONF_FUNC, 0, 0, 0, 0, parse_uids },
	K("socket_mode",       CONF_MODE,     socket_mode, 0, 0),
	K("max_length",        CONF_DURATION, max_length_ns, 1000000000ULL, 0),
	K("notify_command",    CONF_STR,      notify_command, 0, 0),
	K("notify_timeout",    CONF_DURATION, notify_timeout_ns, 1000000ULL, 0),
	K("grace",             CONF_DURATION, grace_ns, 0, 0),
	K("session_idle",      CONF_DURATION, session_idle_ns, 1000000000ULL, 0),
	K("session_max",       CONF_DURATION, session_max_ns, 1000000000ULL, 0),
	K("login_fail_max",    CONF_U32,      login_fail_max, 1, 1000),
	K("login_lock_max",    CONF_DURATION, login_lock_max_ns, 1000000000ULL, 0),
	K("tick",              CONF_DURATION, tick_ns, 1000000ULL, 10000000000ULL),
	K("container_max",     CONF_SIZE,     container_max, 1ULL << 20, 0),
	K("syslog",            CONF_BOOL,     use_syslog, 0, 0),
	K("authority_key",     CONF_STR,      authority_key, 0, 0),
};
#undef K

int
vconf_load(struct vconf *c, const char *path, char *err, size_t errlen)
{
	int r = 0;

	memset(c, 0, sizeof *c);
	snprintf(c->ring, sizeof c->ring, "/threatrec");
	snprintf(c->storage, sizeof c->storage, "/var/lib/threatrec/vault");
	snprintf(c->socket, sizeof c->socket, "/run/threatrec/vault.sock");
	c->socket_mode = 0660;
	c->max_length_ns = 4ULL * 3600 * 1000000000ULL;
	c->notify_timeout_ns = 10ULL * 1000000000ULL;
	c->grace_ns = 2ULL * 1000000000ULL;
	c->session_idle_ns = 30ULL * 60 * 1000000000ULL;
	c->session_max_ns = 12ULL * 3600 * 1000000000ULL;
	c->login_fail_max = 5;
	c->login_lock_max_ns = 15ULL * 60 * 1000000000ULL;
	c->tick_ns = 100ULL * 1000000ULL;
	c->container_max = 2ULL << 30;
	if (path != NULL)
		r = conf_load(path, vconf_keys, sizeof vconf_keys / sizeof vconf_keys[0], c, err, errlen);
	return r;
}

bool
vconf_uid_ok(const struct vconf *c, uid_t uid)
{
	uint32_t i;

	if (c->n_peer_uids == 0)
		return uid == getuid();
	for (i = 0; i < c->n_peer_uids; i++)
		if (c->peer_uids[i] == uid)
			return true;
	return false;
}
