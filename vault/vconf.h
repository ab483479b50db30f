/* vconf.h - the [vault] section of threatrec.conf (table in vconf.c,
 * documented in docs/ipc.md "Configuration").
 */
#ifndef TR_VCONF_H
#define TR_VCONF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define VCONF_PATH_MAX   256
#define VCONF_UIDS_MAX   8

struct vconf {
	char     ring[VCONF_PATH_MAX];        /* shm name of the sniffer's ring */
	uid_t    ring_owner;                  /* the sniffer's user: the ring must be its (or root's) */
	char     storage[VCONF_PATH_MAX];     /* storage folder (0700) */
	char     socket[VCONF_PATH_MAX];      /* unix socket path */
	uid_t    peer_uids[VCONF_UIDS_MAX];   /* uids allowed on the socket */
	uint32_t n_peer_uids;                 /* 0 = only our own uid */
	uint32_t socket_mode;                 /* mode of the socket file */
	uint64_t max_length_ns;               /* seal a recording at this length */
	char     notify_command[VCONF_PATH_MAX]; /* argv split on blanks, JSON on stdin; checked when read */
	uint64_t notify_timeout_ns;
	uint64_t grace_ns;                    /* seal a call whose ring slot stays quiet this long after end */
	uint64_t session_idle_ns;             /* idle expiry of a session */
	uint64_t session_max_ns;              /* absolute session lifetime */
	uint32_t login_fail_max;              /* failures before the delay starts */
	uint64_t login_lock_max_ns;           /* longest lockout */
	uint64_t tick_ns;                     /* copy-out / phone-mark poll period */
	uint64_t container_max;               /* largest container export/verify reads */
	int      use_syslog;                  /* log to syslog (daemon) */
	char     authority_key[VCONF_PATH_MAX]; /* authority's X25519 public key file, "" = none */
};

/* Defaults, then path (if not NULL) over them. 0 or TR_ERR_CONFIG/SYS, message in err. */
int vconf_load(struct vconf *c, const char *path, char *err, size_t errlen);
/* Overrides one setting ("vault.key=value") after vconf_load, e.g. from
 * -s on the command line; 0 or TR_ERR_CONFIG with a message in err. */
int vconf_set_arg(struct vconf *c, const char *arg, char *err, size_t errlen);
/* Every setting in effect, as a JSON object (for the audit log's "start"
 * row: a config change shows as a different object and hash). NULL on no
 * memory. */
struct json_t;
struct json_t *vconf_json(const struct vconf *c);
/* True when uid may use the socket. */
bool vconf_uid_ok(const struct vconf *c, uid_t uid);

#endif
