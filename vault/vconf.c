/* vconf.c - the [vault] section of threatrec.conf, table-driven (common/conf.h). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pwd.h>
#include <stdint.h>
#include <sys/stat.h>
#include "conf.h"
#include "err.h"
#include "notify.h"
#include "vconf.h"
#include "ring.h"
#include <jansson.h>
#include <sodium.h>

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

/* notify_command = /path/to/program [arguments]: checked here, so that a
 * mistake stops the vault at start with FILE:LINE instead of failing at the
 * first mark. Split on blanks as notify.c does; at most NOTIFY_ARGS_MAX
 * words; the program an absolute path to an executable regular file (for
 * the user reading the config: run the check as the vault's user). */
static int
parse_notify(void *dst, const char *value, char *err, size_t errlen)
{
	struct vconf *c = dst;
	char prog[VCONF_PATH_MAX];
	const char *p = value;
	struct stat st;
	size_t n, words = 0;
	int r = TR_ERR_CONFIG;

	if (strlen(value) >= sizeof c->notify_command) {
		snprintf(err, errlen, "notify_command is too long (at most %d bytes)", VCONF_PATH_MAX - 1);
		goto out;
	}
	while (*(p += strspn(p, " \t")) != '\0') {
		words++;
		p += strcspn(p, " \t");
	}
	if (words > NOTIFY_ARGS_MAX) {
		snprintf(err, errlen, "notify_command has %zu words, at most %d (the program and %d arguments; "
		         "use a wrapper script for more)", words, NOTIFY_ARGS_MAX, NOTIFY_ARGS_MAX - 1);
		goto out;
	}
	p = value + strspn(value, " \t");
	n = strcspn(p, " \t");
	snprintf(prog, sizeof prog, "%.*s", (int)n, p);
	if (n > 0 && prog[0] != '/') {
		snprintf(err, errlen, "notify_command: the program must be an absolute path, not \"%s\"", prog);
		goto out;
	}
	if (n > 0 && stat(prog, &st) != 0) {
		snprintf(err, errlen, "notify_command: cannot run %s: %s", prog, strerror(errno));
		goto out;
	}
	if (n > 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "notify_command: %s is not a regular file", prog);
		goto out;
	}
	if (n > 0 && access(prog, X_OK) != 0) {
		snprintf(err, errlen, "notify_command: %s is not executable: %s", prog, strerror(errno));
		goto out;
	}
	memcpy(c->notify_command, value, strlen(value) + 1);
	r = 0;
out:
	return r;
}

/* Durations and sizes with limits: the message names the limit in units
 * ("must be at least 1s"), not in nanoseconds. */
static int
limited(uint64_t *field, int is_size, const char *key, const char *value, uint64_t lo, uint64_t hi,
        const char *lotxt, const char *hitxt, char *err, size_t errlen)
{
	uint64_t v = 0;
	int r = TR_ERR_CONFIG;

	if ((is_size ? conf_parse_size(value, &v) : conf_parse_duration(value, &v)) != 0) {
		snprintf(err, errlen, "%s must be a %s, not \"%s\"", key,
		         is_size ? "size such as 512M" : "duration such as 30s or 10m", value);
		goto out;
	}
	if (v < lo || (hi != 0 && v > hi)) {
		if (hi != 0)
			snprintf(err, errlen, "%s must be between %s and %s, not \"%s\"", key, lotxt, hitxt, value);
		else
			snprintf(err, errlen, "%s must be at least %s, not \"%s\"", key, lotxt, value);
		goto out;
	}
	*field = v;
	r = 0;
out:
	return r;
}

#define LIMITED(name, key, is_size, lo, hi, lotxt, hitxt) \
	static int parse_##name(void *dst, const char *value, char *err, size_t errlen) \
	{ return limited(&((struct vconf *)dst)->name, is_size, key, value, lo, hi, lotxt, hitxt, err, errlen); }
#define S_ 1000000000ULL
LIMITED(max_length_ns, "max_length", 0, S_, 0, "1s", "")
LIMITED(notify_timeout_ns, "notify_timeout", 0, 1000000ULL, 0, "1ms", "")
LIMITED(session_idle_ns, "session_idle", 0, S_, 0, "1s", "")
LIMITED(session_max_ns, "session_max", 0, S_, 0, "1s", "")
LIMITED(login_lock_max_ns, "login_lock_max", 0, S_, 0, "1s", "")
LIMITED(tick_ns, "tick", 0, 1000000ULL, 10 * S_, "1ms", "10s")
LIMITED(container_max, "container_max", 1, 1ULL << 20, 0, "1M", "")
#undef S_
#undef LIMITED

#define K(key, type, field, lo, hi) \
	{ "vault", key, type, offsetof(struct vconf, field), sizeof(((struct vconf *)0)->field), lo, hi, NULL }
static const struct conf_key vconf_keys[] = {
	K("ring",              CONF_SHM,      ring, 0, 0),
	K("ring_owner",        CONF_UID,      ring_owner, 0, 0),
	K("storage",           CONF_STR,      storage, 0, 0),
	K("socket",            CONF_STR,      socket, 0, 0),
	{ "vault", "peer_uids", CONF_FUNC, 0, 0, 0, 0, parse_uids },
	K("socket_mode",       CONF_MODE,     socket_mode, 0, 0),
	{ "vault", "max_length", CONF_FUNC, 0, 0, 0, 0, parse_max_length_ns },
	{ "vault", "notify_command", CONF_FUNC, 0, 0, 0, 0, parse_notify },
	{ "vault", "notify_timeout", CONF_FUNC, 0, 0, 0, 0, parse_notify_timeout_ns },
	K("grace",             CONF_DURATION, grace_ns, 0, 0),
	{ "vault", "session_idle", CONF_FUNC, 0, 0, 0, 0, parse_session_idle_ns },
	{ "vault", "session_max", CONF_FUNC, 0, 0, 0, 0, parse_session_max_ns },
	K("login_fail_max",    CONF_U32,      login_fail_max, 1, 1000),
	{ "vault", "login_lock_max", CONF_FUNC, 0, 0, 0, 0, parse_login_lock_max_ns },
	{ "vault", "tick", CONF_FUNC, 0, 0, 0, 0, parse_tick_ns },
	{ "vault", "container_max", CONF_FUNC, 0, 0, 0, 0, parse_container_max },
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
	c->ring_owner = ring_owner_default();
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

int
vconf_set_arg(struct vconf *c, const char *arg, char *err, size_t errlen)
{
	return conf_set_arg(vconf_keys, sizeof vconf_keys / sizeof vconf_keys[0], c, arg, err, errlen);
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

/* A setting as JSON text; bytes that are not UTF-8 (which JSON cannot
 * hold) as "hex:..." so that every value, and every change of it, shows. */
static json_t *
vconf_jstr(const char *v)
{
	static const char hex[] = "0123456789abcdef";
	char buf[2 * VCONF_PATH_MAX + 8];
	size_t i, o = 0;
	json_t *j = json_string(v);

	if (j != NULL)
		return j;
	o = (size_t)snprintf(buf, sizeof buf, "hex:");
	for (i = 0; v[i] != '\0' && o + 2 < sizeof buf; i++) {
		buf[o++] = hex[(unsigned char)v[i] >> 4];
		buf[o++] = hex[(unsigned char)v[i] & 15];
	}
	buf[o] = '\0';
	return json_string(buf);
}

json_t *
vconf_json(const struct vconf *c)
{
	json_t *j = json_object(), *uids = json_array();
	char mode[8], prog[VCONF_PATH_MAX], hex[2 * crypto_hash_sha256_BYTES + 1];
	uint8_t h[crypto_hash_sha256_BYTES];
	size_t n;
	uint32_t i;

	if (j == NULL || uids == NULL) {
		json_decref(j);
		json_decref(uids);
		return NULL;
	}
	for (i = 0; i < c->n_peer_uids && i < VCONF_UIDS_MAX; i++)
		json_array_append_new(uids, json_integer((json_int_t)c->peer_uids[i]));
	json_object_set_new(j, "ring", vconf_jstr(c->ring));
	json_object_set_new(j, "ring_owner", c->ring_owner == RING_OWNER_NONE ? json_null() :
	                    json_integer((json_int_t)c->ring_owner));
	json_object_set_new(j, "storage", vconf_jstr(c->storage));
	json_object_set_new(j, "socket", vconf_jstr(c->socket));
	json_object_set_new(j, "peer_uids", uids);
	snprintf(mode, sizeof mode, "0%03o", (unsigned)c->socket_mode & 07777u);
	json_object_set_new(j, "socket_mode", json_string(mode));
	json_object_set_new(j, "max_length_ns", json_integer((json_int_t)c->max_length_ns));
	/* the program only, and a hash of the whole line: its arguments may
	 * hold a token, and investigators and admins read the audit log */
	n = strcspn(c->notify_command, " \t");
	snprintf(prog, sizeof prog, "%.*s", (int)n, c->notify_command);
	json_object_set_new(j, "notify_program", vconf_jstr(prog));
	crypto_hash_sha256(h, (const uint8_t *)c->notify_command, strlen(c->notify_command));
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	json_object_set_new(j, "notify_command_sha256", json_string(hex));
	json_object_set_new(j, "notify_timeout_ns", json_integer((json_int_t)c->notify_timeout_ns));
	json_object_set_new(j, "grace_ns", json_integer((json_int_t)c->grace_ns));
	json_object_set_new(j, "session_idle_ns", json_integer((json_int_t)c->session_idle_ns));
	json_object_set_new(j, "session_max_ns", json_integer((json_int_t)c->session_max_ns));
	json_object_set_new(j, "login_fail_max", json_integer((json_int_t)c->login_fail_max));
	json_object_set_new(j, "login_lock_max_ns", json_integer((json_int_t)c->login_lock_max_ns));
	json_object_set_new(j, "tick_ns", json_integer((json_int_t)c->tick_ns));
	json_object_set_new(j, "container_max", json_integer((json_int_t)c->container_max));
	json_object_set_new(j, "syslog", json_boolean(c->use_syslog));
	json_object_set_new(j, "authority_key", vconf_jstr(c->authority_key));
	return j;
}
