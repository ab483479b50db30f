/* route.h - the web UI's routing and permission table: which method and path
 * map to which handler, which roles may call it, and whether it needs a
 * session and a CSRF token. Pure functions over a static table; the vault
 * still decides every request again on its side.
 */
#ifndef TR_WEBUI_ROUTE_H
#define TR_WEBUI_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTE_PARAM_MAX 64      /* bytes of the {id} path segment incl. NUL */
#define ROUTE_PATH_MAX  256     /* longer paths are 404 */

enum route_id {
	ROUTE_NONE = 0,
	ROUTE_ASSET,          /* GET / and the compiled-in files */
	ROUTE_LOGIN,
	ROUTE_LOGOUT,
	ROUTE_ME,
	ROUTE_CALLS,
	ROUTE_MARK,
	ROUTE_RECS,
	ROUTE_REC,
	ROUTE_REC_WAV,
	ROUTE_REC_PCAP,
	ROUTE_REC_EVIDENCE,
	ROUTE_REC_STOP,
	ROUTE_AUDIT,
	ROUTE_STATUS,
	ROUTE_USERS,
	ROUTE_USER_ADD,
	ROUTE_USER_APPROVE,
	ROUTE_PASSWORD,       /* POST /api/me/password: any role, own password */
	ROUTE_USER_DISABLE,
	ROUTE_USER_ENABLE,
	ROUTE_METRICS,
};

/* role bits: 1 << enum ipc_role */
#define ROUTE_R_AGENT         (1u << 1)
#define ROUTE_R_SUPERVISOR    (1u << 2)
#define ROUTE_R_INVESTIGATOR  (1u << 3)
#define ROUTE_R_ADMIN         (1u << 4)
#define ROUTE_R_ANY           (ROUTE_R_AGENT | ROUTE_R_SUPERVISOR | ROUTE_R_INVESTIGATOR | ROUTE_R_ADMIN)

#define ROUTE_F_SESSION  0x01u   /* needs a valid session (401 otherwise) */
#define ROUTE_F_CSRF     0x02u   /* needs X-CSRF-Token equal to the session's */
#define ROUTE_F_BODY     0x04u   /* takes a JSON body */
#define ROUTE_F_API      0x08u   /* JSON errors, Cache-Control: no-store */
#define ROUTE_F_NOHEAD   0x10u   /* GET only, HEAD is 405: the answer is an export the
                                  * vault audits, which a HEAD would cost without a byte sent */

struct route {
	const char   *method;    /* "GET" or "POST" */
	const char   *pattern;   /* "/api/recordings/{}/audio.wav": {} is one segment */
	enum route_id id;
	uint32_t      roles;     /* ROUTE_R_* allowed (ignored without ROUTE_F_SESSION) */
	uint32_t      flags;     /* ROUTE_F_* */
};

struct route_match {
	const struct route *route;          /* NULL when status != 0 */
	int    status;                      /* 0, 404 or 405 */
	char   param[ROUTE_PARAM_MAX];      /* the {} segment, "" if none */
	const char *allow;                  /* for 405: the method that would work */
};

/* Matches method and path (no query string). HEAD matches GET routes
 * but those with ROUTE_F_NOHEAD (405, allow "GET").
 * Fills *m; returns 0 on a match, else the HTTP status (404/405). */
int  route_find(const char *method, const char *path, struct route_match *m);
/* True if role (enum ipc_role) may use the route. */
bool route_is_allowed(const struct route *, uint32_t role);
/* The role's name ("agent", ...) or NULL for an unknown role; and back. */
const char *route_role_name(uint32_t role);
int  route_role_parse(const char *name, uint32_t *rolep);
/* The table, for docs and tests. */
const struct route *route_table(size_t *np);

#endif
