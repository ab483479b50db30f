/* api.c - request handlers of threatrec-webui: the JSON API (docs/api.md)
 * and the compiled-in pages. Permissions: route.c's table here, and the
 * vault decides again for everything it serves. The web UI has no route
 * that reads ring packet data: live calls are metadata only (live.c).
 */
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sodium.h>

#include "assets.h"
#include "err.h"
#include "ipc.h"
#include "ipc_client.h"
#include "log.h"
#include "req.h"
#include "resp.h"
#include "route.h"

#define API_LIST_FD_MAX   (8u << 20)   /* largest JSON list the vault may pass by fd */
#define API_LIMIT_DEFAULT 50u
#define API_LIMIT_MAX     500u

struct api_session {
	char     token[IPC_TOKEN_LEN + 1];
	char     user[64];
	char     csrf[128];
	char     ext[32];
	uint32_t role;
	bool     cached;    /* vault unreachable: from e->sessions (read-only routes) */
	bool     must_change; /* password set by an admin: only ME, LOGOUT, PASSWORD */
};

void api_env_init(struct api_env *e, const struct wconf *conf, struct live *live,
                  struct fdcache *wavs, bool tls)
{
	memset(e, 0, sizeof(*e));
	e->conf = conf;
	e->live = live;
	e->wavs = wavs;
	e->tls = tls;
}

static enum MHD_Result err(struct api_env *e, const struct api_req *rq, unsigned status,
                           const char *msg)
{
	struct resp_opts o = { .tls = e->tls };

	if (status >= 500)
		atomic_fetch_add(&e->errors_5xx, 1);
	else
		atomic_fetch_add(&e->errors_4xx, 1);
	return resp_error(rq->conn, status, msg, &o);
}

static enum MHD_Result ok_json(struct api_env *e, const struct api_req *rq, unsigned status,
                               const json_t *j)
{
	struct resp_opts o = { .tls = e->tls };

	if (j == NULL)
		return err(e, rq, 500, "out of memory");
	return resp_json(rq->conn, status, j, &o);
}

/* Counts, logs and answers (503) a failed vault request. */
static enum MHD_Result vault_failed(struct api_env *e, const struct api_req *rq, uint32_t type,
                                    int r)
{
	atomic_fetch_add(&e->vault_failures, 1);
	log_warn_f("vault %s: %s", ipc_type_name(type), tr_strerror(r));
	return err(e, rq, 503, r == TR_ERR_PROTO ? "vault answered with a malformed reply" :
	           r == TR_ERR_AGAIN ? "vault did not answer in time" : "vault unavailable");
}

/* Talks to the vault. Returns 0 with an OK/FD reply in *rep; otherwise it
 * has answered the request (vault error or vault unreachable) into *retp. */
static int vault_call(struct api_env *e, const struct api_req *rq, uint32_t type,
                      const void *msg, size_t len, struct ipc_client_reply *rep,
                      enum MHD_Result *retp)
{
	int r = ipc_client_call(e->conf->vault_socket, type, msg, len, rep);

	if (r != 0) {
		*retp = vault_failed(e, rq, type, r);
		return -1;
	}
	if (rep->type == IPC_R_ERR) {
		*retp = err(e, rq, rep->err.http_status, rep->err.msg[0] ? rep->err.msg :
		            "request refused by the vault");
		return -1;
	}
	return 0;
}

/* Reads a JSON object the vault passed as a memfd (large lists). */
static json_t *fd_json(int fd)
{
	struct stat st;
	char *buf = NULL;
	json_t *j = NULL;
	json_error_t jerr;
	size_t have = 0;

	if (fstat(fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > API_LIST_FD_MAX)
		goto out;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (have < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + have, (size_t)st.st_size - have, (off_t)have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		have += (size_t)n;
	}
	j = json_loadb(buf, have, JSON_REJECT_DUPLICATES, &jerr);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
out:
	free(buf);
	return j;
}

/* The reply's JSON, from the payload or (for IPC_R_FD) from the fd. */
static json_t *reply_json(struct ipc_client_reply *rep)
{
	if (rep->type == IPC_R_FD) {
		int fd = ipc_client_take_fd(rep);
		json_t *j = fd_json(fd);

		close(fd);
		return j;
	}
	return json_incref(rep->json);
}

static bool is_hex_token(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != IPC_TOKEN_LEN)
		return false;
	for (i = 0; i < IPC_TOKEN_LEN; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

/* Reads {"user","role","csrf","extension"} of a login/session reply. */
static int session_from_json(const json_t *j, struct api_session *s)
{
	const json_t *role = json_object_get(j, "role");
	const json_t *mc = json_object_get(j, "must_change");
	int r = TR_ERR_PROTO;

	if (req_json_str(j, "user", false, s->user, sizeof(s->user)) != 0 ||
	    req_json_str(j, "csrf", false, s->csrf, sizeof(s->csrf)) != 0 || s->csrf[0] == '\0' ||
	    req_json_str(j, "extension", true, s->ext, sizeof(s->ext)) != 0)
		goto out;
	if (json_is_integer(role) && json_integer_value(role) >= 1 &&
	    json_integer_value(role) <= 4)
		s->role = (uint32_t)json_integer_value(role);
	else if (!json_is_string(role) || route_role_parse(json_string_value(role), &s->role) != 0)
		goto out;
	if (mc != NULL && !json_is_boolean(mc))
		goto out;
	s->must_change = json_is_true(mc);
	r = 0;
out:
	return r;
}

static void token_msg(const struct api_session *s, const struct api_req *rq,
                      struct ipc_token *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->token, s->token, sizeof(t->token));
	snprintf(t->remote, sizeof(t->remote), "%s", rq->remote);
}

static void sess_to_cache(const struct api_session *s, struct scache_sess *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->user, s->user, sizeof(c->user));
	memcpy(c->ext, s->ext, sizeof(c->ext));
	memcpy(c->csrf, s->csrf, sizeof(c->csrf));
	c->role = s->role;
	c->must_change = s->must_change;
}

/* Answers a logout: 200 {"vault_informed": bool} with the Set-Cookie that
 * clears the cookie, whether or not the vault could be told (the browser
 * forgets the token either way; this web UI refuses it from now on). */
static enum MHD_Result logout_reply(struct api_env *e, const struct api_req *rq, bool informed)
{
	struct resp_opts o = { .tls = e->tls };
	char cookie[160];
	enum MHD_Result ret;
	json_t *j = json_pack("{s:b}", "vault_informed", informed);

	snprintf(cookie, sizeof(cookie), REQ_COOKIE_NAME "=; Path=/; Max-Age=0; HttpOnly; "
	         "SameSite=Strict%s", e->tls ? "; Secure" : "");
	o.set_cookie = cookie;
	ret = j ? resp_json(rq->conn, 200, j, &o) : MHD_NO;
	json_decref(j);
	return ret;
}

/* Remembers a logout the vault could not be told of (scache.h). */
static void logout_later(struct api_env *e, const struct api_req *rq, const char *token,
                         bool confirmed)
{
	if (scache_logout_add(e->sessions, token, rq->remote, confirmed) != 0)
		log_warn_f("logout while the vault is unreachable: not remembered (list full of "
		           "confirmed sessions' logouts), the session ends in the vault by its expiry");
	else
		log_info_f("logout while the vault is unreachable: refused here from now on, the "
		           "vault is told when it answers again");
}

/* Tells the vault of logouts made while it was unreachable (at most once a
 * second, a few per request); forgets each it confirms, or whose session it
 * no longer knows (401). Stops at the first one it cannot be reached for. */
static void logout_retry(struct api_env *e)
{
	struct scache_logout lo[8];
	struct ipc_client_reply rep;
	struct ipc_token t;
	size_t n = scache_logout_pending(e->sessions, lo, sizeof(lo) / sizeof(lo[0])), i;

	for (i = 0; i < n; i++) {
		ipc_client_reply_init(&rep);
		memset(&t, 0, sizeof(t));
		memcpy(t.token, lo[i].token, strnlen(lo[i].token, sizeof(t.token)));
		snprintf(t.remote, sizeof(t.remote), "%s", lo[i].remote);
		if (ipc_client_call(e->conf->vault_socket, IPC_LOGOUT, &t, sizeof(t), &rep) != 0) {
			ipc_client_reply_clear(&rep);
			break;
		}
		if (rep.type != IPC_R_ERR || rep.err.http_status == 401) {
			scache_logout_done(e->sessions, lo[i].token);
			log_info_f("the vault was told of a logout made while it was unreachable");
		}
		ipc_client_reply_clear(&rep);
	}
	sodium_memzero(&t, sizeof(t));
	sodium_memzero(lo, sizeof(lo));
}

/* Checks the session cookie with the vault. Returns 0, or -1 after answering.
 * A token logged out here while the vault was unreachable is 401 at once.
 * When the vault cannot be reached at all and the route only reads the
 * ring (ROUTE_ME, ROUTE_CALLS) or logs out, a session the vault confirmed
 * within SCACHE_TTL_NS is used instead (s->cached); a logout of a session
 * not in that cache is answered here. */
static int session_get(struct api_env *e, const struct api_req *rq, enum route_id route,
                       struct api_session *s, enum MHD_Result *retp)
{
	const char *cookie = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Cookie");
	struct ipc_client_reply rep;
	struct scache_sess cs;
	struct ipc_token t;
	int r = -1, vr;

	ipc_client_reply_init(&rep);
	memset(s, 0, sizeof(*s));
	memset(&cs, 0, sizeof(cs));
	if ((vr = req_cookie_token(cookie, s->token, sizeof(s->token))) != 0) {
		/* an oversized Cookie header (cookies of other sites on this host)
		 * is not searched: say so, rather than "not logged in" after a
		 * login that worked */
		*retp = vr == TR_ERR_LIMIT ?
			err(e, rq, 431, "Cookie header too large (over 4096 bytes): delete "
			    "the other cookies of this host") :
			err(e, rq, 401, "not logged in");
		goto out;
	}
	/* logged out here while the vault was unreachable: over for this web
	 * UI at once (a second logout is answered as the first) */
	if (scache_logged_out(e->sessions, s->token)) {
		*retp = route == ROUTE_LOGOUT ? logout_reply(e, rq, false) :
			err(e, rq, 401, "not logged in (logged out)");
		goto out;
	}
	token_msg(s, rq, &t);
	if ((vr = ipc_client_call(e->conf->vault_socket, IPC_SESSION, &t, sizeof(t), &rep)) != 0) {
		if ((route == ROUTE_ME || route == ROUTE_CALLS || route == ROUTE_LOGOUT) &&
		    scache_get(e->sessions, s->token, &cs) == 0) {
			atomic_fetch_add(&e->vault_failures, 1);
			memcpy(s->user, cs.user, sizeof(s->user));
			memcpy(s->ext, cs.ext, sizeof(s->ext));
			memcpy(s->csrf, cs.csrf, sizeof(s->csrf));
			s->role = cs.role;
			s->must_change = cs.must_change != 0;
			s->cached = true;
			r = 0;
			goto out;
		}
		if (route == ROUTE_LOGOUT) {
			/* a session this web UI has not seen confirmed: its CSRF
			 * token cannot be checked, but whoever holds the cookie may
			 * end that session; the cookie is cleared and the token
			 * refused here (Origin was checked, the cookie is
			 * SameSite=Strict) */
			atomic_fetch_add(&e->vault_failures, 1);
			logout_later(e, rq, s->token, false);
			*retp = logout_reply(e, rq, false);
			goto out;
		}
		*retp = vault_failed(e, rq, IPC_SESSION, vr);
		goto out;
	}
	if (rep.type == IPC_R_ERR) {
		if (rep.err.http_status == 401)
			scache_drop(e->sessions, s->token);
		*retp = err(e, rq, rep.err.http_status, rep.err.msg[0] ? rep.err.msg :
		            "request refused by the vault");
		goto out;
	}
	if (session_from_json(rep.json, s) != 0) {
		*retp = err(e, rq, 503, "vault answered with a malformed session");
		goto out;
	}
	sess_to_cache(s, &cs);
	scache_put(e->sessions, s->token, &cs);
	r = 0;
out:
	sodium_memzero(&cs, sizeof(cs));
	ipc_client_reply_clear(&rep);
	return r;
}

static json_t *me_json(const struct api_session *s)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:b}", "user", s->user, "role", route_role_name(s->role),
	                 "extension", s->ext, "csrf", s->csrf, "must_change", s->must_change);
}

/* Zeroed guarded memory for an IPC message that carries a password
 * (sodium_free wipes it). */
static void *secret_new(size_t n)
{
	void *p = sodium_malloc(n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}

/* Frees a parsed JSON body after wiping its password strings in place
 * ("password", "current_password", "new_password"). */
static void body_free_wiped(json_t *body)
{
	static const char *const keys[] = { "password", "current_password", "new_password" };
	const json_t *pw;
	size_t i;

	if (body == NULL)
		return;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		pw = json_object_get(body, keys[i]);
		if (json_is_string(pw))
			sodium_memzero((void *)(uintptr_t)json_string_value(pw), json_string_length(pw));
	}
	json_decref(body);
}

static enum MHD_Result h_login(struct api_env *e, const struct api_req *rq)
{
	struct ipc_login *msg = NULL;
	struct ipc_client_reply rep;
	struct api_session s;
	struct resp_opts o = { .tls = e->tls };
	json_t *body = NULL, *me = NULL;
	char cookie[256];
	enum MHD_Result ret = MHD_NO;

	ipc_client_reply_init(&rep);
	memset(&s, 0, sizeof(s));
	if (req_json_parse(rq->body, rq->body_len, &body) != 0) {
		ret = err(e, rq, 400, "body must be a JSON object {\"username\",\"password\"}");
		goto out;
	}
	if ((msg = secret_new(sizeof(*msg))) == NULL) {
		ret = err(e, rq, 500, "out of memory");
		goto out;
	}
	if (req_json_str(body, "username", false, msg->user, sizeof(msg->user)) != 0 ||
	    msg->user[0] == '\0' ||
	    req_json_str(body, "password", false, msg->pass, sizeof(msg->pass)) != 0) {
		ret = err(e, rq, 400, "username and password are required (text without control "
		          "characters, at most 63 and 255 bytes)");
		goto out;
	}
	if (strpbrk(msg->user, "\t\n") != NULL) {
		/* no account has one (names are [A-Za-z0-9._@+-]); it would only
		 * carry a line break into the audit row */
		ret = err(e, rq, 400, "a user name holds no tab or line break");
		goto out;
	}
	snprintf(msg->remote, sizeof(msg->remote), "%s", rq->remote);
	if (vault_call(e, rq, IPC_LOGIN, msg, sizeof(*msg), &rep, &ret) != 0)
		goto out;
	if (req_json_str(rep.json, "token", false, s.token, sizeof(s.token)) != 0 ||
	    !is_hex_token(s.token) || session_from_json(rep.json, &s) != 0) {
		ret = err(e, rq, 503, "vault answered with a malformed session");
		goto out;
	}
	{
		struct scache_sess cs;

		sess_to_cache(&s, &cs);
		scache_put(e->sessions, s.token, &cs);
		sodium_memzero(&cs, sizeof(cs));
	}
	snprintf(cookie, sizeof(cookie), REQ_COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict%s",
	         s.token, e->tls ? "; Secure" : "");
	o.set_cookie = cookie;
	me = me_json(&s);
	ret = me ? resp_json(rq->conn, 200, me, &o) : err(e, rq, 500, "out of memory");
out:
	sodium_free(msg);   /* wipes the password */
	body_free_wiped(body);     /* the password sits in the parsed body too */
	json_decref(me);
	sodium_memzero(&s, sizeof(s));
	ipc_client_reply_clear(&rep);
	return ret;
}

/* Ends the session in the vault. The cookie is cleared in every case; when
 * the vault cannot be told (unreachable, or an error other than "no such
 * session"), the token is refused here from now on and the vault is told
 * later (logout_retry): 200 {"vault_informed": false}. */
static enum MHD_Result h_logout(struct api_env *e, const struct api_req *rq,
                                const struct api_session *s)
{
	struct ipc_client_reply rep;
	struct ipc_token t;
	enum MHD_Result ret;
	bool informed = false;
	int r;

	ipc_client_reply_init(&rep);
	token_msg(s, rq, &t);
	scache_drop(e->sessions, s->token);
	r = ipc_client_call(e->conf->vault_socket, IPC_LOGOUT, &t, sizeof(t), &rep);
	if (r != 0) {
		atomic_fetch_add(&e->vault_failures, 1);
		log_warn_f("vault %s: %s", ipc_type_name(IPC_LOGOUT), tr_strerror(r));
	} else if (rep.type == IPC_R_ERR && rep.err.http_status != 401) {
		log_warn_f("vault %s: %u %s", ipc_type_name(IPC_LOGOUT), rep.err.http_status,
		           rep.err.msg);
	} else {
		informed = true;   /* ended, or the vault had already ended it (401) */
	}
	if (!informed)
		logout_later(e, rq, s->token, true);
	ret = logout_reply(e, rq, informed);
	sodium_memzero(&t, sizeof(t));
	ipc_client_reply_clear(&rep);
	return ret;
}

/* True when a call of a live_calls_json object has a mark (from the
 * ring's mark word or this process's memory). */
static bool calls_any_mark(const json_t *j)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(j, "calls"), i, c)
		if (json_is_object(json_object_get(c, "mark")))
			return true;
	return false;
}

static enum MHD_Result h_calls(struct api_env *e, const struct api_req *rq,
                               const struct api_session *s)
{
	json_t *j = NULL;
	enum MHD_Result ret;
	struct ipc_client_reply rep;
	struct ipc_token t;
	bool vault_up = !s->cached;   /* the vault just confirmed the session */

	if (live_calls_json(e->live, s->role, s->ext, &j) != 0)
		return err(e, rq, 500, "out of memory");
	/* who marked which live call: the vault's list (marks made anywhere,
	 * surviving a restart of the web UI) over this process's own memory.
	 * Every mark the vault knows of a live call is in the ring's mark word
	 * (pin, sealed, phone request): with none listed, there is nothing to
	 * ask, and the 2 s poll costs the vault one request, not two. */
	ipc_client_reply_init(&rep);
	token_msg(s, rq, &t);
	if (vault_up && calls_any_mark(j)) {
		vault_up = ipc_client_call(e->conf->vault_socket, IPC_STATUS, &t, sizeof(t),
		                           &rep) == 0 && rep.type == IPC_R_OK;
		if (vault_up)
			live_merge_marks(j, json_object_get(rep.json, "marks"));
	}
	/* vault down: the list still comes from the ring; who marked is unknown
	 * and marking fails (503) until the vault is back */
	json_object_set_new(j, "vault", json_boolean(vault_up));
	ipc_client_reply_clear(&rep);
	json_object_set_new(j, "can_mark", json_boolean(s->role == IPC_ROLE_AGENT ||
	                                                s->role == IPC_ROLE_SUPERVISOR));
	ret = ok_json(e, rq, 200, j);
	json_decref(j);
	return ret;
}

static enum MHD_Result h_mark(struct api_env *e, const struct api_req *rq,
                              const struct api_session *s, const char *handle)
{
	struct ipc_mark *msg = NULL;
	struct ring_call *c = NULL;
	struct ipc_client_reply rep;
	json_t *body = NULL, *out = NULL;
	char rec[48];
	uint32_t slot, gen;
	enum MHD_Result ret = MHD_NO;
	int r;

	ipc_client_reply_init(&rep);
	if (req_call_handle(handle, &slot, &gen) != 0) {
		ret = err(e, rq, 400, "bad call id: want <slot>-<gen> as listed by /api/calls");
		goto out;
	}
	if ((msg = calloc(1, sizeof(*msg))) == NULL || (c = malloc(sizeof(*c))) == NULL) {
		ret = err(e, rq, 500, "out of memory");
		goto out;
	}
	if (rq->body != NULL && rq->body_len > 0) {
		if (req_json_parse(rq->body, rq->body_len, &body) != 0) {
			ret = err(e, rq, 400, "body must be a JSON object {\"note\": text}");
			goto out;
		}
		r = req_json_str(body, "note", true, msg->note, sizeof(msg->note));
		if (r != 0) {
			ret = err(e, rq, 400, r == TR_ERR_LIMIT ? "note too long (at most 511 bytes)" :
			          "note must be text without control characters (tab and line "
			          "break allowed)");
			goto out;
		}
	}
	r = live_call_get(e->live, slot, gen, s->role, s->ext, c);
	if (r == TR_ERR_STALE && s->role != IPC_ROLE_AGENT) {
		ret = err(e, rq, 410, "call no longer in memory");
		goto out;
	}
	if (r != 0) {
		/* An agent sees only their own extension's calls: a gone call
		 * and another extension's call get the same answer, so that
		 * probing handles tells nothing about calls one may not see. */
		ret = err(e, rq, 404, s->role == IPC_ROLE_AGENT ?
		          "no such call (not yours, or no longer in memory)" : "no such call");
		goto out;
	}
	token_msg(s, rq, &msg->t);
	msg->slot = slot;
	msg->gen = gen;
	/* the ring's text is not trusted to be terminated */
	memcpy(msg->call_id, c->call_id, strnlen(c->call_id, sizeof(msg->call_id) - 1));
	if (vault_call(e, rq, IPC_MARK, msg, sizeof(*msg), &rep, &ret) != 0)
		goto out;
	if (req_json_str(rep.json, "recording", false, rec, sizeof(rec)) != 0 || rec[0] == '\0') {
		ret = err(e, rq, 503, "vault answered without a recording id");
		goto out;
	}
	if (!json_is_true(json_object_get(rep.json, "existing")))
		atomic_fetch_add(&e->marks, 1);      /* calls marked, not clicks */
	live_mark_note(e->live, slot, c, rec, s->user, msg->note);
	out = json_deep_copy(rep.json);
	if (out != NULL) {
		json_object_set_new(out, "call", json_string(handle));
		json_object_set_new(out, "call_id", json_string(msg->call_id));
	}
	ret = ok_json(e, rq, 200, out);
out:
	json_decref(out);
	json_decref(body);
	ipc_client_reply_clear(&rep);
	free(msg);
	free(c);
	return ret;
}

/* Copies an optional text query parameter; answers 400 on a bad one. */
static int q_text(struct api_env *e, const struct api_req *rq, const char *key, char *out,
                  size_t outsz, enum MHD_Result *retp)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
	char msg[96];

	if (req_text_copy(v, out, outsz) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "query parameter %s: too long or not text", key);
	*retp = err(e, rq, 400, msg);
	return -1;
}

static int q_paging(struct api_env *e, const struct api_req *rq, uint32_t *limitp,
                    uint32_t *offsetp, enum MHD_Result *retp)
{
	const char *l = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "limit");
	const char *o = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "offset");

	*limitp = API_LIMIT_DEFAULT;
	*offsetp = 0;
	if ((l != NULL && (req_uint_parse(l, API_LIMIT_MAX, limitp) != 0 || *limitp == 0)) ||
	    (o != NULL && req_uint_parse(o, 100000000u, offsetp) != 0)) {
		*retp = err(e, rq, 400, "limit must be 1..500 and offset a number");
		return -1;
	}
	return 0;
}

/* Forwards a request whose reply is a JSON object (payload or memfd). */
static enum MHD_Result forward_json(struct api_env *e, const struct api_req *rq, uint32_t type,
                                    const void *msg, size_t len)
{
	struct ipc_client_reply rep;
	enum MHD_Result ret = MHD_NO;
	json_t *j = NULL;

	ipc_client_reply_init(&rep);
	if (vault_call(e, rq, type, msg, len, &rep, &ret) != 0)
		goto out;
	if ((j = reply_json(&rep)) == NULL) {
		ret = err(e, rq, 503, "vault answered with a malformed list");
		goto out;
	}
	ret = ok_json(e, rq, 200, j);
out:
	json_decref(j);
	ipc_client_reply_clear(&rep);
	return ret;
}

static enum MHD_Result h_recs(struct api_env *e, const struct api_req *rq,
                              const struct api_session *s)
{
	struct ipc_query q;
	enum MHD_Result ret = MHD_NO;
	const char *from, *to;

	memset(&q, 0, sizeof(q));
	token_msg(s, rq, &q.t);
	if (q_text(e, rq, "caller", q.caller, sizeof(q.caller), &ret) ||
	    q_text(e, rq, "callee", q.callee, sizeof(q.callee), &ret) ||
	    q_text(e, rq, "agent", q.agent, sizeof(q.agent), &ret) ||
	    q_text(e, rq, "marked_by", q.marked_by, sizeof(q.marked_by), &ret) ||
	    q_text(e, rq, "q", q.q, sizeof(q.q), &ret) ||
	    q_paging(e, rq, &q.limit, &q.offset, &ret))
		return ret;
	from = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "from");
	to = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "to");
	if ((from != NULL && from[0] != '\0' && req_time_parse(from, false, &q.from) != 0) ||
	    (to != NULL && to[0] != '\0' && req_time_parse(to, true, &q.to) != 0))
		return err(e, rq, 400, "from/to must be YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] (UTC) "
		           "or Unix seconds");
	if (q.from != 0 && q.to != 0 && q.to < q.from)
		return err(e, rq, 400, "to is before from");
	return forward_json(e, rq, IPC_REC_LIST, &q, sizeof(q));
}

static enum MHD_Result h_rec(struct api_env *e, const struct api_req *rq,
                             const struct api_session *s, const char *id, uint32_t type)
{
	struct ipc_rec m;

	if (!req_is_rec_id(id))
		return err(e, rq, 400, "bad recording id");
	memset(&m, 0, sizeof(m));
	token_msg(s, rq, &m.t);
	memcpy(m.id, id, strnlen(id, sizeof(m.id) - 1));   /* req_is_rec_id: <= 47 chars */
	if (type == IPC_STOP) {
		struct ipc_client_reply rep;
		enum MHD_Result ret = MHD_NO;

		ipc_client_reply_init(&rep);
		if (vault_call(e, rq, IPC_STOP, &m, sizeof(m), &rep, &ret) == 0)
			ret = ok_json(e, rq, 200, rep.json);
		ipc_client_reply_clear(&rep);
		return ret;
	}
	return forward_json(e, rq, type, &m, sizeof(m));
}

static enum MHD_Result h_export(struct api_env *e, const struct api_req *rq,
                                const struct api_session *s, const char *id, uint32_t kind)
{
	/* the evidence bundle is a tar (docs/ipc.md), named so */
	static const char *const ext[] = { "", ".wav", ".pcap", "-evidence.tar" };
	static const char *const ctype[] = { "", "audio/wav", "application/vnd.tcpdump.pcap",
	                                     "application/x-tar" };
	struct ipc_export m;
	struct ipc_client_reply rep;
	struct resp_opts o = { .tls = e->tls };
	struct stat st;
	char fname[80], vtype[64];
	const char *dl;
	uint64_t size = 0;
	bool attach;
	enum MHD_Result ret = MHD_NO;
	int fd = -1;

	ipc_client_reply_init(&rep);
	if (!req_is_rec_id(id)) {
		ret = err(e, rq, 400, "bad recording id");
		goto out;
	}
	dl = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "download");
	attach = kind != IPC_EXPORT_WAV || (dl != NULL && strcmp(dl, "1") == 0);
	snprintf(fname, sizeof(fname), "%s%s", id, ext[kind]);
	/* playback (not a download) of a WAV this session just exported: the
	 * browser seeks with Range requests, one export and audit row suffices */
	if (!attach && e->wavs != NULL && (fd = fdcache_get(e->wavs, s->token, id, &size)) >= 0) {
		ret = resp_fd(rq->conn, fd, size, ctype[kind], fname, false, &o);
		fd = -1;
		goto out;
	}
	memset(&m, 0, sizeof(m));
	token_msg(s, rq, &m.t);
	memcpy(m.id, id, strnlen(id, sizeof(m.id) - 1));   /* req_is_rec_id: <= 47 chars */
	m.kind = kind;
	m.playback = attach ? 0 : 1;
	if (vault_call(e, rq, IPC_REC_EXPORT, &m, sizeof(m), &rep, &ret) != 0)
		goto out;
	if (rep.type != IPC_R_FD || (fd = ipc_client_take_fd(&rep)) < 0 || fstat(fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_size < 0) {
		ret = err(e, rq, 503, "vault answered without a file");
		goto out;
	}
	/* the content type comes from us, not the vault, unless it is a plain token */
	if (req_json_str(rep.json, "content_type", true, vtype, sizeof(vtype)) != 0 ||
	    strpbrk(vtype, "\r\n\"") != NULL)
		vtype[0] = '\0';
	if (!attach && e->wavs != NULL)
		fdcache_put(e->wavs, s->token, id, fd, (uint64_t)st.st_size);
	ret = resp_fd(rq->conn, fd, (uint64_t)st.st_size, vtype[0] ? vtype : ctype[kind], fname,
	              attach, &o);
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	ipc_client_reply_clear(&rep);
	return ret;
}

static enum MHD_Result h_page(struct api_env *e, const struct api_req *rq, uint32_t type,
                              const struct api_session *s)
{
	struct ipc_page p;
	enum MHD_Result ret = MHD_NO;

	memset(&p, 0, sizeof(p));
	token_msg(s, rq, &p.t);
	if (q_paging(e, rq, &p.limit, &p.offset, &ret))
		return ret;
	/* the audit log may be filtered by action (common/ipc.h struct ipc_page) */
	if (type == IPC_AUDIT_LIST) {
		if (q_text(e, rq, "action", p.action, sizeof(p.action), &ret))
			return ret;
		/* an unknown action would silently list nothing */
		if (p.action[0] != '\0' && !req_is_audit_action(p.action)) {
			char msg[160];

			snprintf(msg, sizeof(msg), "unknown audit action \"%s\" (see docs/api.md "
			         "GET /api/audit for the list)", p.action);
			return err(e, rq, 400, msg);
		}
	}
	return forward_json(e, rq, type, &p, sizeof(p));
}

static enum MHD_Result h_users(struct api_env *e, const struct api_req *rq,
                               const struct api_session *s)
{
	struct ipc_token t;

	token_msg(s, rq, &t);
	return forward_json(e, rq, IPC_USER_LIST, &t, sizeof(t));
}

static enum MHD_Result h_user_add(struct api_env *e, const struct api_req *rq,
                                  const struct api_session *s)
{
	struct ipc_user *m = NULL;
	struct ipc_client_reply rep;
	json_t *body = NULL;
	char role[16];
	enum MHD_Result ret = MHD_NO;

	ipc_client_reply_init(&rep);
	if ((m = secret_new(sizeof(*m))) == NULL) {
		ret = err(e, rq, 500, "out of memory");
		goto out;
	}
	if (req_json_parse(rq->body, rq->body_len, &body) != 0 ||
	    req_json_str(body, "username", false, m->user, sizeof(m->user)) != 0 ||
	    req_json_str(body, "password", false, m->pass, sizeof(m->pass)) != 0 ||
	    req_json_str(body, "role", false, role, sizeof(role)) != 0 ||
	    req_json_str(body, "extension", true, m->extension, sizeof(m->extension)) != 0) {
		ret = err(e, rq, 400, "body must be {\"username\",\"password\",\"role\","
		          "\"extension\"} (strings)");
		goto out;
	}
	if (m->user[0] == '\0' || route_role_parse(role, &m->role) != 0) {
		ret = err(e, rq, 400, "username is empty or role is not one of agent, supervisor, "
		          "investigator, admin");
		goto out;
	}
	if (m->role == IPC_ROLE_AGENT && m->extension[0] == '\0') {
		ret = err(e, rq, 400, "an agent needs an extension");
		goto out;
	}
	token_msg(s, rq, &m->t);
	if (vault_call(e, rq, IPC_USER_ADD, m, sizeof(*m), &rep, &ret) != 0)
		goto out;
	ret = ok_json(e, rq, 201, rep.json);
out:
	body_free_wiped(body);
	sodium_free(m);
	ipc_client_reply_clear(&rep);
	return ret;
}

/* A second admin approves an account another admin added, an admin
 * disables or enables an account (IPC_USER_APPROVE, _DISABLE, _ENABLE; the
 * vault enforces the two-person rule and audits each). */
static enum MHD_Result h_user_act(struct api_env *e, const struct api_req *rq,
                                  const struct api_session *s, const char *user, uint32_t type)
{
	struct ipc_client_reply rep;
	struct ipc_user m;
	enum MHD_Result ret = MHD_NO;

	if (!ipc_name_ok(user, sizeof(m.user)))
		return err(e, rq, 400, "bad user name");
	memset(&m, 0, sizeof(m));
	token_msg(s, rq, &m.t);
	memcpy(m.user, user, strlen(user));
	ipc_client_reply_init(&rep);
	if (vault_call(e, rq, type, &m, sizeof(m), &rep, &ret) == 0) {
		/* the vault ended the account's sessions: so does the cache that
		 * would otherwise keep them alive while the vault is unreachable */
		if (type == IPC_USER_DISABLE)
			scache_drop_user(e->sessions, m.user, NULL);
		ret = ok_json(e, rq, 200, rep.json);
	}
	ipc_client_reply_clear(&rep);
	return ret;
}

/* The logged-in user replaces their own password; the vault checks the
 * current one (throttled like logins), audits the change and ends the
 * user's other sessions. */
static enum MHD_Result h_password(struct api_env *e, const struct api_req *rq,
                                  const struct api_session *s)
{
	struct ipc_passwd *m = NULL;
	struct ipc_client_reply rep;
	json_t *body = NULL;
	enum MHD_Result ret = MHD_NO;

	ipc_client_reply_init(&rep);
	if ((m = secret_new(sizeof(*m))) == NULL) {
		ret = err(e, rq, 500, "out of memory");
		goto out;
	}
	if (req_json_parse(rq->body, rq->body_len, &body) != 0 ||
	    req_json_str(body, "current_password", false, m->old, sizeof(m->old)) != 0 ||
	    req_json_str(body, "new_password", false, m->pass, sizeof(m->pass)) != 0) {
		ret = err(e, rq, 400, "body must be {\"current_password\",\"new_password\"} (text without"
		          " control characters, at most 255 bytes)");
		goto out;
	}
	token_msg(s, rq, &m->t);
	if (vault_call(e, rq, IPC_PASSWD, m, sizeof(*m), &rep, &ret) != 0)
		goto out;
	scache_drop_user(e->sessions, s->user, s->token);   /* the vault ended the others */
	ret = ok_json(e, rq, 200, rep.json);
out:
	body_free_wiped(body);
	sodium_free(m);
	ipc_client_reply_clear(&rep);
	return ret;
}

static enum MHD_Result h_status(struct api_env *e, const struct api_req *rq,
                                const struct api_session *s)
{
	struct ipc_client_reply rep;
	struct ipc_token t;
	json_t *o = NULL, *ring = NULL, *vault = NULL, *web = NULL;
	enum MHD_Result ret;

	ipc_client_reply_init(&rep);
	token_msg(s, rq, &t);
	if (ipc_client_call(e->conf->vault_socket, IPC_STATUS, &t, sizeof(t), &rep) != 0) {
		vault = json_pack("{s:s}", "state", "unreachable");
	} else if (rep.type == IPC_R_ERR) {
		vault = json_pack("{s:s,s:s}", "state", "error", "error", rep.err.msg);
	} else {
		vault = json_object_get(rep.json, "vault");
		vault = json_is_object(vault) ? json_incref(vault) : json_deep_copy(rep.json);
	}
	live_stats_json(e->live, &ring);
	web = json_pack("{s:b,s:s,s:i,s:I,s:I,s:I,s:I,s:I}", "tls", e->tls,
	                "listen", e->conf->listen, "port", (int)e->conf->port,
	                "requests", (json_int_t)atomic_load(&e->requests),
	                "errors_4xx", (json_int_t)atomic_load(&e->errors_4xx),
	                "errors_5xx", (json_int_t)atomic_load(&e->errors_5xx),
	                "vault_failures", (json_int_t)atomic_load(&e->vault_failures),
	                "marks", (json_int_t)atomic_load(&e->marks));
	o = json_pack("{s:o*,s:o*,s:o*}", "ring", ring, "vault", vault, "webui", web);
	ret = ok_json(e, rq, 200, o);
	json_decref(o);
	ipc_client_reply_clear(&rep);
	return ret;
}

static enum MHD_Result h_metrics(struct api_env *e, const struct api_req *rq)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!e->conf->metrics)
		return err(e, rq, 404, "metrics are disabled ([webui] metrics = off)");
	if ((f = open_memstream(&buf, &len)) == NULL)
		return err(e, rq, 500, "out of memory");
	live_metrics(e->live, f);
	fprintf(f, "# HELP threatrec_webui_requests_total HTTP requests answered.\n"
	           "# TYPE threatrec_webui_requests_total counter\n"
	           "threatrec_webui_requests_total %llu\n"
	           "# HELP threatrec_webui_errors_total Error answers, by class.\n"
	           "# TYPE threatrec_webui_errors_total counter\n"
	           "threatrec_webui_errors_total{class=\"4xx\"} %llu\n"
	           "threatrec_webui_errors_total{class=\"5xx\"} %llu\n"
	           "# HELP threatrec_webui_vault_failures_total Vault requests that failed.\n"
	           "# TYPE threatrec_webui_vault_failures_total counter\n"
	           "threatrec_webui_vault_failures_total %llu\n"
	           "# HELP threatrec_webui_marks_total Marks accepted through the web UI.\n"
	           "# TYPE threatrec_webui_marks_total counter\n"
	           "threatrec_webui_marks_total %llu\n",
	        (unsigned long long)atomic_load(&e->requests),
	        (unsigned long long)atomic_load(&e->errors_4xx),
	        (unsigned long long)atomic_load(&e->errors_5xx),
	        (unsigned long long)atomic_load(&e->vault_failures),
	        (unsigned long long)atomic_load(&e->marks));
	if (fclose(f) != 0) {
		free(buf);
		return err(e, rq, 500, "out of memory");
	}
	return resp_text(rq->conn, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len,
	                 &(struct resp_opts){ .tls = e->tls });
}

static enum MHD_Result h_asset(struct api_env *e, const struct api_req *rq)
{
	struct asset a;
	struct resp_opts o = { .tls = e->tls };

	if (assets_find(rq->path, &a) != 0)
		return resp_static(rq->conn, 404, "text/plain; charset=utf-8", "not found\n", 10,
		                   false, &o);
	return resp_static(rq->conn, 200, a.type, a.data, a.len, false, &o);
}

/* Constant-time compare of the X-CSRF-Token header with the session's. */
static bool csrf_ok(const struct api_req *rq, const struct api_session *s)
{
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-CSRF-Token");
	size_t n = strlen(s->csrf);

	if (h == NULL || n == 0 || strnlen(h, sizeof(s->csrf)) != n)
		return false;
	return sodium_memcmp(h, s->csrf, n) == 0;
}

/* True for "application/json", any case, optionally followed by
 * parameters ("; charset=utf-8"). Browsers cannot send it cross-site
 * without a CORS preflight, which we never grant. */
static bool is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* A POST's Origin header, when present, must be this server itself:
 * "<scheme>://<Host header>" (RFC 6454; a browser always sends it on a
 * cross-site POST). "null" and any other origin are refused. */
static bool origin_ok(const struct api_env *e, const struct api_req *rq)
{
	const char *origin = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Host");
	const char *scheme = e->tls ? "https://" : "http://";
	size_t sl = strlen(scheme);

	if (origin == NULL)
		return true;
	if (host == NULL || host[0] == '\0' || strncasecmp(origin, scheme, sl) != 0)
		return false;
	return strcasecmp(origin + sl, host) == 0;
}

enum MHD_Result api_dispatch(struct api_env *e, const struct api_req *rq)
{
	struct route_match m;
	struct api_session s;
	enum MHD_Result ret = MHD_NO;
	const struct route *rt;

	atomic_fetch_add(&e->requests, 1);
	memset(&s, 0, sizeof(s));
	if (rq->bad_uri) {
		ret = err(e, rq, 400, "control character (or %00) in the URL");
		goto out;
	}
	/* text that is not UTF-8 would reach the vault as a search term or a
	 * name its JSON (and so its audit row) cannot hold */
	if (rq->bad_utf8) {
		ret = err(e, rq, 400, "the URL is not valid UTF-8 once %-decoded (a query value, "
		          "parameter name or path segment): send text as UTF-8");
		goto out;
	}
	if (route_find(rq->method, rq->path, &m) != 0) {
		if (m.status == 405) {
			struct resp_opts o = { .tls = e->tls, .allow = m.allow };

			atomic_fetch_add(&e->errors_4xx, 1);
			ret = resp_error(rq->conn, 405, "method not allowed", &o);
		} else {
			ret = err(e, rq, 404, "no such resource");
		}
		goto out;
	}
	rt = m.route;
	/* logouts the vault has yet to hear of: now, if it answers again */
	if ((rt->flags & ROUTE_F_SESSION) || rt->id == ROUTE_LOGIN)
		logout_retry(e);
	if (rq->body_too_big) {
		struct resp_opts o = { .tls = e->tls, .close = true };

		atomic_fetch_add(&e->errors_4xx, 1);
		ret = resp_error(rq->conn, 413, "request body too large", &o);
		goto out;
	}
	if (strcmp(rq->method, "POST") == 0 && !origin_ok(e, rq)) {
		ret = err(e, rq, 403, "cross-origin request refused (Origin does not match Host)");
		goto out;
	}
	if (rq->body_len > 0 && !is_json_type(MHD_lookup_connection_value(
			rq->conn, MHD_HEADER_KIND, "Content-Type"))) {
		ret = err(e, rq, 415, "a request body must be Content-Type: application/json");
		goto out;
	}
	if (rt->flags & ROUTE_F_SESSION) {
		if (session_get(e, rq, rt->id, &s, &ret) != 0)
			goto out;
		if (s.must_change && rt->id != ROUTE_ME && rt->id != ROUTE_LOGOUT &&
		    rt->id != ROUTE_PASSWORD) {
			ret = err(e, rq, 403, "set a password of your own first: this one was set by an admin"
			          " (POST /api/me/password)");
			goto out;
		}
		if (!route_is_allowed(rt, s.role)) {
			ret = err(e, rq, 403, "your role may not do this");
			goto out;
		}
		if ((rt->flags & ROUTE_F_CSRF) && !csrf_ok(rq, &s)) {
			ret = err(e, rq, 403, "missing or wrong X-CSRF-Token header");
			goto out;
		}
	}
	/* after who-may-do-this: a stranger learns 401/403, not our rules */
	if (rq->body_len > 0 && !(rt->flags & ROUTE_F_BODY)) {
		ret = err(e, rq, 400, "this request takes no body");
		goto out;
	}
	switch (rt->id) {
	case ROUTE_ASSET:        ret = h_asset(e, rq); break;
	case ROUTE_LOGIN:        ret = h_login(e, rq); break;
	case ROUTE_LOGOUT:       ret = h_logout(e, rq, &s); break;
	case ROUTE_ME: {
		json_t *j = me_json(&s);

		ret = ok_json(e, rq, 200, j);
		json_decref(j);
		break;
	}
	case ROUTE_CALLS:        ret = h_calls(e, rq, &s); break;
	case ROUTE_MARK:         ret = h_mark(e, rq, &s, m.param); break;
	case ROUTE_RECS:         ret = h_recs(e, rq, &s); break;
	case ROUTE_REC:          ret = h_rec(e, rq, &s, m.param, IPC_REC_GET); break;
	case ROUTE_REC_STOP:     ret = h_rec(e, rq, &s, m.param, IPC_STOP); break;
	case ROUTE_REC_WAV:      ret = h_export(e, rq, &s, m.param, IPC_EXPORT_WAV); break;
	case ROUTE_REC_PCAP:     ret = h_export(e, rq, &s, m.param, IPC_EXPORT_PCAP); break;
	case ROUTE_REC_EVIDENCE: ret = h_export(e, rq, &s, m.param, IPC_EXPORT_EVIDENCE); break;
	case ROUTE_AUDIT:        ret = h_page(e, rq, IPC_AUDIT_LIST, &s); break;
	case ROUTE_STATUS:       ret = h_status(e, rq, &s); break;
	case ROUTE_USERS:        ret = h_users(e, rq, &s); break;
	case ROUTE_USER_ADD:     ret = h_user_add(e, rq, &s); break;
	case ROUTE_USER_APPROVE: ret = h_user_act(e, rq, &s, m.param, IPC_USER_APPROVE); break;
	case ROUTE_USER_DISABLE: ret = h_user_act(e, rq, &s, m.param, IPC_USER_DISABLE); break;
	case ROUTE_USER_ENABLE:  ret = h_user_act(e, rq, &s, m.param, IPC_USER_ENABLE); break;
	case ROUTE_PASSWORD:     ret = h_password(e, rq, &s); break;
	case ROUTE_METRICS:      ret = h_metrics(e, rq); break;
	case ROUTE_NONE:
	default:                 ret = err(e, rq, 404, "no such resource"); break;
	}
out:
	sodium_memzero(&s, sizeof(s));
	return ret;
}
