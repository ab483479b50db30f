/* route.c - the web UI's routing and permission table. */
#include "route.h"

#include <string.h>

#include "err.h"

#define S   ROUTE_F_SESSION
#define C   ROUTE_F_CSRF
#define B   ROUTE_F_BODY
#define A   ROUTE_F_API
#define H   ROUTE_F_NOHEAD

/* Investigators do not mark live calls: marking is the call handlers' act
 * (agents, supervisors); investigators work on what was marked. Admins
 * manage users and read the audit log but reach no recording (separation
 * of duties, as the vault's own table in vault/server.c). */
static const struct route route_tab[] = {
	{ "POST", "/api/login",                     ROUTE_LOGIN,     0, A | B },
	{ "POST", "/api/logout",                    ROUTE_LOGOUT,    ROUTE_R_ANY, A | S | C },
	{ "GET",  "/api/me",                        ROUTE_ME,        ROUTE_R_ANY, A | S },
	{ "POST", "/api/me/password",               ROUTE_PASSWORD,  ROUTE_R_ANY, A | S | C | B },
	{ "GET",  "/api/calls",                     ROUTE_CALLS,
	  ROUTE_R_AGENT | ROUTE_R_SUPERVISOR | ROUTE_R_ADMIN, A | S },
	{ "POST", "/api/calls/{}/mark",             ROUTE_MARK,
	  ROUTE_R_AGENT | ROUTE_R_SUPERVISOR, A | S | C | B },
	{ "GET",  "/api/recordings",                ROUTE_RECS,
	  ROUTE_R_INVESTIGATOR, A | S },
	{ "GET",  "/api/recordings/{}",             ROUTE_REC,
	  ROUTE_R_INVESTIGATOR, A | S },
	{ "GET",  "/api/recordings/{}/audio.wav",   ROUTE_REC_WAV,
	  ROUTE_R_INVESTIGATOR, A | S | H },
	{ "GET",  "/api/recordings/{}/call.pcap",   ROUTE_REC_PCAP,
	  ROUTE_R_INVESTIGATOR, A | S | H },
	{ "GET",  "/api/recordings/{}/evidence",    ROUTE_REC_EVIDENCE,
	  ROUTE_R_INVESTIGATOR, A | S | H },
	{ "POST", "/api/recordings/{}/stop",        ROUTE_REC_STOP,
	  ROUTE_R_AGENT | ROUTE_R_SUPERVISOR, A | S | C },
	{ "GET",  "/api/audit",                     ROUTE_AUDIT,
	  ROUTE_R_INVESTIGATOR | ROUTE_R_ADMIN, A | S },
	{ "GET",  "/api/status",                    ROUTE_STATUS,
	  ROUTE_R_SUPERVISOR | ROUTE_R_ADMIN, A | S },
	{ "GET",  "/api/users",                     ROUTE_USERS,     ROUTE_R_ADMIN, A | S },
	{ "POST", "/api/users",                     ROUTE_USER_ADD,  ROUTE_R_ADMIN, A | S | C | B },
	{ "POST", "/api/users/{}/approve",          ROUTE_USER_APPROVE, ROUTE_R_ADMIN, A | S | C },
	{ "POST", "/api/users/{}/disable",          ROUTE_USER_DISABLE, ROUTE_R_ADMIN, A | S | C },
	{ "POST", "/api/users/{}/enable",           ROUTE_USER_ENABLE,  ROUTE_R_ADMIN, A | S | C },
	{ "GET",  "/metrics",                       ROUTE_METRICS,   0, 0 },
};

#undef S
#undef C
#undef B
#undef A
#undef H

/* Compares path against pattern; "{}" takes one non-empty segment. */
static bool pattern_match(const char *pat, const char *path, char *param, size_t paramsz)
{
	const char *p = pat, *s = path;

	param[0] = '\0';
	while (*p != '\0') {
		if (p[0] == '{' && p[1] == '}') {
			size_t n = strcspn(s, "/");

			if (n == 0 || n >= paramsz)
				return false;
			memcpy(param, s, n);
			param[n] = '\0';
			s += n;
			p += 2;
			continue;
		}
		if (*s != *p)
			return false;
		s++;
		p++;
	}
	return *s == '\0';
}

int route_find(const char *method, const char *path, struct route_match *m)
{
	const char *meth = method;
	size_t i;
	char param[ROUTE_PARAM_MAX];

	memset(m, 0, sizeof(*m));
	m->status = 404;
	if (method == NULL || path == NULL || strnlen(path, ROUTE_PATH_MAX) >= ROUTE_PATH_MAX)
		goto out;
	if (strcmp(meth, "HEAD") == 0)
		meth = "GET";
	for (i = 0; i < sizeof(route_tab) / sizeof(route_tab[0]); i++) {
		const struct route *rt = &route_tab[i];

		if (!pattern_match(rt->pattern, path, param, sizeof(param)))
			continue;
		if (strcmp(rt->method, meth) != 0) {
			m->status = 405;
			m->allow = rt->method;
			continue;   /* another entry may have the same path */
		}
		if ((rt->flags & ROUTE_F_NOHEAD) && strcmp(method, "HEAD") == 0) {
			m->status = 405;
			m->allow = "GET";
			goto out;
		}
		m->route = rt;
		m->status = 0;
		m->allow = NULL;
		memcpy(m->param, param, sizeof(param));
		goto out;
	}
	/* everything outside /api/ and /metrics is a compiled-in page or file */
	if (m->status == 404 && strncmp(path, "/api/", 5) != 0 && strcmp(path, "/api") != 0) {
		static const struct route asset = { "GET", "/*", ROUTE_ASSET, 0, 0 };

		if (strcmp(meth, "GET") == 0) {
			m->route = &asset;
			m->status = 0;
		} else {
			m->status = 405;
			m->allow = "GET";
		}
	}
out:
	return m->status;
}

bool route_is_allowed(const struct route *rt, uint32_t role)
{
	if (!(rt->flags & ROUTE_F_SESSION))
		return true;
	if (role < 1 || role > 4)
		return false;
	return (rt->roles & (1u << role)) != 0;
}

static const char *const role_names[] = { NULL, "agent", "supervisor", "investigator", "admin" };

const char *route_role_name(uint32_t role)
{
	return role < 5 ? role_names[role] : NULL;
}

int route_role_parse(const char *name, uint32_t *rolep)
{
	uint32_t i;

	for (i = 1; i < 5; i++)
		if (name != NULL && strcmp(name, role_names[i]) == 0) {
			*rolep = i;
			return 0;
		}
	return TR_ERR_INVAL;
}

const struct route *route_table(size_t *np)
{
	*np = sizeof(route_tab) / sizeof(route_tab[0]);
	return route_tab;
}
