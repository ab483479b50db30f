/* server.c - the vault's IPC server and timer loop (docs/ipc.md).
 * Every request is untrusted: exact size per type, NUL in every string,
 * session and role checked here; anything malformed is a protocol error
 * that closes the connection and writes an audit row.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <jansson.h>
#include "clock.h"
#include "err.h"
#include "log.h"
#include "ipc.h"
#include "export.h"
#include "server.h"
#include "utf8.h"

#define NS 1000000000LL
#define ROLE(x) (1u << (x))
#define ROLES_ANY (ROLE(IPC_ROLE_AGENT) | ROLE(IPC_ROLE_SUPERVISOR) | ROLE(IPC_ROLE_INVESTIGATOR) | \
                   ROLE(IPC_ROLE_ADMIN))

struct client {
	int fd;
	uid_t uid;
	pid_t pid;
	struct ipc_buf *buf;
	int64_t last_ns;              /* monotonic: accept or last readable */
};

/* Protocol-error audit rows per peer uid: at most one per PROTO_AUDIT_GAP,
 * the rest counted into the next row. */
#define PROTO_PEERS 16
#define PROTO_AUDIT_GAP (10 * NS)
struct proto_peer {
	uid_t uid;
	int used;
	int64_t last_ns;              /* monotonic, last audit row */
	uint64_t suppressed;
};

#define SERVER_VIEW_MEMO     64                          /* (user, recording) pairs remembered */
#define SERVER_VIEW_FOLD_NS  (300LL * 1000000000LL)      /* one "view" row per pair per 5 min */

struct server {
	const struct vconf *c;
	struct index *ix;
	struct audit *au;
	struct auth *auth;
	const struct keys *k;
	struct recorder *rc;
	struct notify *nt;
	struct ring *ring;
	ino_t ring_ino;
	int attach_err, attach_errno;     /* last attach failure, logged once */
	int lfd;
	struct proto_peer pp[PROTO_PEERS];
	int64_t full_logged_ns;           /* "too many clients" logged (monotonic) */
	struct client cl[SERVER_CLIENTS_MAX];
	uint64_t proto_errors, refused, requests;
	int64_t started_ns;
	struct view_memo {                /* recent "view" rows, to fold repeats */
		char    user[64];
		char    id[INDEX_ID_MAX];
		int64_t at_ns;                /* monotonic */
	} views[SERVER_VIEW_MEMO];
	uint32_t views_next;
};

/* The request being handled, after the checks. */
struct req {
	struct server *s;
	struct client *cl;
	uint32_t id;
	struct auth_user u;           /* the session's user (role NONE for login) */
	char csrf[AUTH_HEX_LEN + 1];
	union req_msg {
		struct ipc_login login;
		struct ipc_token tok;
		struct ipc_mark mark;
		struct ipc_rec rec;
		struct ipc_export exp;
		struct ipc_query query;
		struct ipc_page page;
		struct ipc_user user;
		struct ipc_passwd pw;
	} m;
};

typedef void (*handler_fn)(struct req *);
static void h_login(struct req *), h_session(struct req *), h_logout(struct req *),
	h_mark(struct req *), h_stop(struct req *), h_rec_list(struct req *), h_rec_get(struct req *),
	h_export(struct req *), h_audit(struct req *), h_user_add(struct req *),
	h_user_list(struct req *), h_status(struct req *), h_user_approve(struct req *),
	h_passwd(struct req *), h_user_disable(struct req *), h_user_enable(struct req *);

struct server_rule {
	uint32_t type;
	size_t size;                  /* exact payload size */
	uint32_t roles;               /* allowed roles; 0 = no session (login) */
	handler_fn fn;
};

/* Who may do what (docs/ipc.md "Permissions"). Admins manage users and read
 * the audit log but cannot reach recordings (separation of duties). */
static const struct server_rule server_rules[] = {
	{ IPC_LOGIN,      sizeof(struct ipc_login),  0, h_login },
	{ IPC_SESSION,    sizeof(struct ipc_token),  ROLES_ANY, h_session },
	{ IPC_LOGOUT,     sizeof(struct ipc_token),  ROLES_ANY, h_logout },
	{ IPC_MARK,       sizeof(struct ipc_mark),   ROLE(IPC_ROLE_AGENT) | ROLE(IPC_ROLE_SUPERVISOR), h_mark },
	{ IPC_STOP,       sizeof(struct ipc_rec),    ROLE(IPC_ROLE_AGENT) | ROLE(IPC_ROLE_SUPERVISOR), h_stop },
	{ IPC_REC_LIST,   sizeof(struct ipc_query),  ROLE(IPC_ROLE_INVESTIGATOR), h_rec_list },
	{ IPC_REC_GET,    sizeof(struct ipc_rec),    ROLE(IPC_ROLE_INVESTIGATOR), h_rec_get },
	{ IPC_REC_EXPORT, sizeof(struct ipc_export), ROLE(IPC_ROLE_INVESTIGATOR), h_export },
	{ IPC_AUDIT_LIST, sizeof(struct ipc_page),   ROLE(IPC_ROLE_INVESTIGATOR) | ROLE(IPC_ROLE_ADMIN), h_audit },
	{ IPC_USER_ADD,   sizeof(struct ipc_user),   ROLE(IPC_ROLE_ADMIN), h_user_add },
	{ IPC_USER_LIST,  sizeof(struct ipc_token),  ROLE(IPC_ROLE_ADMIN), h_user_list },
	{ IPC_STATUS,     sizeof(struct ipc_token),  ROLES_ANY, h_status },
	{ IPC_USER_APPROVE, sizeof(struct ipc_user), ROLE(IPC_ROLE_ADMIN), h_user_approve },
	{ IPC_PASSWD,     sizeof(struct ipc_passwd), ROLES_ANY, h_passwd },
	{ IPC_USER_DISABLE, sizeof(struct ipc_user), ROLE(IPC_ROLE_ADMIN), h_user_disable },
	{ IPC_USER_ENABLE,  sizeof(struct ipc_user), ROLE(IPC_ROLE_ADMIN), h_user_enable },
};

/* ------------------------------------------------------------ replies */

static void
reply_err(struct req *q, int code, uint32_t http, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void
reply_err(struct req *q, int code, uint32_t http, const char *fmt, ...)
{
	struct ipc_err e;
	va_list ap;

	memset(&e, 0, sizeof e);
	e.code = code;
	e.http_status = http;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof e.msg, fmt, ap);
	va_end(ap);
	ipc_send(q->cl->fd, IPC_R_ERR, q->id, &e, sizeof e, -1);
}

static uint32_t
http_of(int r)
{
	switch (r) {
	case TR_ERR_PERM: return 403;
	case TR_ERR_NOTFOUND: return 404;
	case TR_ERR_GONE: return 410;
	case TR_ERR_EXISTS: return 409;
	case TR_ERR_INVAL: return 400;
	case TR_ERR_LIMIT: return 429;
	case TR_ERR_AGAIN: return 503;
	case TR_ERR_UNSUPP: return 501;
	default: return 500;
	}
}

static void
reply_errc(struct req *q, int r, const char *what)
{
	reply_err(q, r, http_of(r), "%s: %s", what, tr_strerror(r));
}

/* Sends a memfd with a JSON descriptor (takes ownership of fd). */
static void
reply_fd(struct req *q, int fd, uint64_t size, const char *ctype, const char *fname)
{
	json_t *d = json_pack("{s:I, s:s, s:s}", "size", (json_int_t)size, "content_type", ctype,
	                      "filename", fname);
	char *txt = d ? json_dumps(d, JSON_COMPACT) : NULL;

	if (txt == NULL)
		reply_err(q, TR_ERR_NOMEM, 500, "out of memory");
	else
		ipc_send(q->cl->fd, IPC_R_FD, q->id, txt, strlen(txt), fd);
	free(txt);
	json_decref(d);
	close(fd);
}

/* Replies OK with JSON (steals j); too large for one frame -> a memfd. */
static void
reply_json(struct req *q, json_t *j)
{
	char *txt = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	size_t len = txt ? strlen(txt) : 0;
	int fd = -1;

	if (txt == NULL) {
		reply_err(q, TR_ERR_NOMEM, 500, "out of memory");
	} else if (len <= IPC_PAYLOAD_MAX) {
		ipc_send(q->cl->fd, IPC_R_OK, q->id, txt, len, -1);
	} else if ((fd = memfd_create("threatrec-json", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0 ||
	           write(fd, txt, len) != (ssize_t)len ||
	           fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0 ||
	           lseek(fd, 0, SEEK_SET) != 0) {
		if (fd >= 0)
			close(fd);
		reply_err(q, TR_ERR_SYS, 500, "cannot build the reply");
	} else {
		reply_fd(q, fd, len, "application/json", "reply.json");
	}
	free(txt);
	json_decref(j);
}

static json_t *
user_json(const struct auth_user *u, const char *token, const char *csrf)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:b}", "token", token, "csrf", csrf,
	                 "user", u->name, "role", auth_role_name(u->role), "role_id", (int)u->role,
	                 "extension", u->extension, "must_change", u->must_change);
}

/* An audit detail from a JSON object (stolen): compact text, caller frees;
 * NULL on failure (audit_append writes ""). */
static char *
detail_dump(json_t *j)
{
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return t;
}

/* ------------------------------------------------------------ handlers */

static void
h_login(struct req *q)
{
	struct ipc_login *m = &q->m.login;
	struct auth_user u;
	char token[AUTH_HEX_LEN + 1], csrf[AUTH_HEX_LEN + 1];
	char *detail = NULL;
	int64_t retry = 0;
	int r;

	uint32_t refused = 0;
	int start = 0;

	r = auth_login(q->s->auth, m->user, m->pass, m->remote, &u, token, csrf, &retry);
	sodium_memzero(m->pass, sizeof m->pass);
	/* remote comes from the peer: jansson escapes it (no forged fields) */
	if (r == TR_ERR_LIMIT) {
		/* one row when the lockout starts, then one summary per lockout
		 * length: an unauthenticated client cannot flood the log */
		if (auth_refusal_audit(q->s->auth, &refused, &start)) {
			detail = detail_dump(json_pack("{s:s, s:I, s:I}", "remote", m->remote,
			                               start ? "lockout_starts_refused_before" : "refused",
			                               (json_int_t)refused, "retry_s", (json_int_t)retry));
			audit_append(q->s->au, m->user, "login_throttled", m->user, detail);
		}
		reply_err(q, r, 429, "too many failed logins; retry in %lld s", (long long)retry);
		goto out;
	}
	detail = detail_dump(json_pack("{s:s}", "remote", m->remote));
	if (r == TR_ERR_PENDING) {
		free(detail);
		detail = detail_dump(json_pack("{s:s, s:s}", "remote", m->remote, "reason", "awaiting approval"));
		audit_append(q->s->au, m->user, "login_failed", m->user, detail);
		reply_err(q, r, 403, "this account awaits approval by a second admin");
		goto out;
	}
	if (r != 0) {
		audit_append(q->s->au, m->user, "login_failed", m->user, detail);
		reply_err(q, r == TR_ERR_PERM ? TR_ERR_PERM : r, r == TR_ERR_PERM ? 401 : 500,
		          "%s", r == TR_ERR_PERM ? "wrong user name or password" : tr_strerror(r));
		goto out;
	}
	if (audit_append(q->s->au, u.name, "login", u.name, detail) != 0) {
		auth_logout(q->s->auth, token);      /* never an unaudited session */
		reply_err(q, TR_ERR_SYS, 500, "the audit log cannot be written: login refused");
		goto out;
	}
	reply_json(q, user_json(&u, token, csrf));
out:
	sodium_memzero(token, sizeof token);
	free(detail);
}

static void
h_session(struct req *q)
{
	reply_json(q, user_json(&q->u, q->m.tok.token, q->csrf));
}

static void
h_logout(struct req *q)
{
	auth_logout(q->s->auth, q->m.tok.token);
	audit_append(q->s->au, q->u.name, "logout", q->u.name, "");
	reply_json(q, json_object());
}

static void ring_watch(struct server *s);

static void
h_mark(struct req *q)
{
	struct ipc_mark *m = &q->m.mark;
	struct recorder_mark_req mr;
	struct rec out;
	bool existing = false;
	int r;

	memset(&mr, 0, sizeof mr);
	mr.slot = m->slot;
	mr.gen = m->gen;
	mr.call_id = m->call_id;
	mr.marked_by = q->u.name;
	mr.how = "web";
	mr.note = m->note;
	mr.only_ext = q->u.role == IPC_ROLE_AGENT ? q->u.extension : NULL;
	/* the sniffer may have created the ring since the last periodic look:
	 * a mark must not fail just because the watch timer has not fired */
	if (q->s->ring == NULL)
		ring_watch(q->s);
	r = recorder_mark(q->s->rc, &mr, &out, &existing);
	if (r != 0) {
		audit_append(q->s->au, q->u.name, "mark_refused", m->call_id, tr_strerror(r));
		if (r == TR_ERR_GONE)
			reply_err(q, r, 410, "call no longer in memory: it cannot be recorded");
		else if (r == TR_ERR_PERM)
			reply_err(q, r, 403, "not a call of your extension");
		else if (r == TR_ERR_AGAIN)
			reply_err(q, r, 503, "the call ring is not available yet");
		else
			reply_errc(q, r, "mark");
		return;
	}
	if (existing) {
		/* the same recording: the second marker and their note are kept
		 * on the audit chain (the first mark's row stays the mark) */
		char *cid = utf8_clean_dup(m->call_id), *note = utf8_clean_dup(m->note);
		json_t *d = cid && note ? json_pack("{s:s, s:s}", "call_id", cid, "note", note) : NULL;
		char *t = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;

		free(cid);
		free(note);
		if (audit_append(q->s->au, q->u.name, "mark_again", out.id, t != NULL ? t : "") != 0) {
			free(t);
			json_decref(d);
			reply_err(q, TR_ERR_SYS, 500, "the audit log cannot be written");
			return;
		}
		free(t);
		json_decref(d);
	}
	reply_json(q, json_pack("{s:s, s:s, s:b, s:s, s:s}", "recording", out.id, "state", out.state,
	                        "existing", existing, "marked_by", out.marked_by, "how", out.how));
}

static void
h_stop(struct req *q)
{
	struct rec r;
	int rv;

	bool own_ext;

	if ((rv = index_rec_get(q->s->ix, q->m.rec.id, &r)) != 0) {
		if (rv == TR_ERR_NOTFOUND)
			reply_err(q, rv, 404, "no such recording");
		else
			reply_errc(q, rv, "stop");
		return;
	}
	/* A supervisor, or the user who marked it. An agent learns nothing
	 * about a recording of another extension: the same 404 as no id. */
	if (q->u.role == IPC_ROLE_AGENT && strcmp(r.marked_by, q->u.name) != 0) {
		own_ext = !strcmp(r.agent, q->u.extension) || !strcmp(r.caller, q->u.extension) ||
		          !strcmp(r.callee, q->u.extension);
		audit_append(q->s->au, q->u.name, "denied", r.id, "{\"request\":\"IPC_STOP\"}");
		if (own_ext)
			reply_err(q, TR_ERR_PERM, 403, "only a supervisor or whoever marked it can stop this recording");
		else
			reply_err(q, TR_ERR_NOTFOUND, 404, "no such recording");
		return;
	}
	if (strcmp(r.state, "recording") != 0) {
		reply_err(q, TR_ERR_EXISTS, 409, "recording %s is not live (state %s)", r.id, r.state);
		return;
	}
	if (recorder_stop_requested(q->s->rc, r.id)) {
		/* idempotent, as a mark is: one row for the stop that counted */
		reply_json(q, json_pack("{s:b}", "existing", 1));
		return;
	}
	if (audit_append(q->s->au, q->u.name, "stop_recording", r.id, "") != 0) {
		reply_err(q, TR_ERR_SYS, 500, "the audit log cannot be written: not stopped");
		return;
	}
	if ((rv = recorder_stop(q->s->rc, r.id, q->u.name)) != 0) {
		reply_err(q, rv, 409, "recording %s is not live (state %s)", r.id, r.state);
		return;
	}
	reply_json(q, json_pack("{s:b}", "existing", 0));
}

static void
h_rec_list(struct req *q)
{
	struct ipc_query *m = &q->m.query;
	json_t *res = NULL, *d;
	char *txt;
	int r;

	if (m->from < 0 || m->from > SERVER_TIME_MAX || m->to < 0 || m->to > SERVER_TIME_MAX) {
		reply_err(q, TR_ERR_INVAL, 400, "from/to must be Unix seconds between 0 and %lld (year 9999)",
		          (long long)SERVER_TIME_MAX);
		return;
	}
	/* the query goes into the audit row as JSON text: it must be text */
	if (!utf8_valid(m->caller, sizeof m->caller) || !utf8_valid(m->callee, sizeof m->callee) ||
	    !utf8_valid(m->agent, sizeof m->agent) || !utf8_valid(m->marked_by, sizeof m->marked_by) ||
	    !utf8_valid(m->q, sizeof m->q)) {
		reply_err(q, TR_ERR_INVAL, 400, "search values must be UTF-8 text");
		return;
	}
	if ((r = index_rec_query(q->s->ix, m, &res)) != 0) {
		reply_errc(q, r, "search");
		return;
	}
	d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "caller", m->caller, "callee", m->callee,
	              "agent", m->agent, "marked_by", m->marked_by, "q", m->q, "from", (json_int_t)m->from,
	              "to", (json_int_t)m->to);
	txt = d ? json_dumps(d, JSON_COMPACT) : NULL;
	r = audit_append(q->s->au, q->u.name, "search", "recordings", txt ? txt : "");
	free(txt);
	json_decref(d);
	if (r != 0) {
		json_decref(res);
		reply_err(q, TR_ERR_SYS, 500, "the audit log cannot be written: search refused");
		return;
	}
	reply_json(q, res);
}

/* A page that shows a recording asks for it again and again (the web UI
 * polls until it is sealed): one "view" row per user and recording per
 * SERVER_VIEW_FOLD_NS is kept, the repeats within it are not written. */
static bool
view_seen(const struct server *s, const char *user, const char *id)
{
	int64_t now = (int64_t)tr_mono_ns();
	uint32_t i;

	for (i = 0; i < SERVER_VIEW_MEMO; i++)
		if (s->views[i].at_ns != 0 && now - s->views[i].at_ns < SERVER_VIEW_FOLD_NS &&
		    strcmp(s->views[i].user, user) == 0 && strcmp(s->views[i].id, id) == 0)
			return true;
	return false;
}

static void
view_note(struct server *s, const char *user, const char *id)
{
	struct view_memo *v = &s->views[s->views_next];

	s->views_next = (s->views_next + 1) % SERVER_VIEW_MEMO;
	snprintf(v->user, sizeof v->user, "%s", user);
	snprintf(v->id, sizeof v->id, "%s", id);
	v->at_ns = (int64_t)tr_mono_ns();
	if (v->at_ns == 0)
		v->at_ns = 1;
}

static void
h_rec_get(struct req *q)
{
	struct rec r;
	int rv;

	if ((rv = index_rec_get(q->s->ix, q->m.rec.id, &r)) != 0) {
		reply_errc(q, rv, "recording");
		return;
	}
	if (!view_seen(q->s, q->u.name, r.id)) {
		if (audit_append(q->s->au, q->u.name, "view", r.id, "") != 0) {
			reply_err(q, TR_ERR_SYS, 500, "the audit log cannot be written: view refused");
			return;
		}
		view_note(q->s, q->u.name, r.id);
	}
	reply_json(q, index_rec_json(&r));
}

static void
h_export(struct req *q)
{
	struct ipc_export *m = &q->m.exp;
	struct export_out out;
	struct rec r;
	char detail[160];
	const char *kind = m->kind == IPC_EXPORT_WAV ? "wav" : m->kind == IPC_EXPORT_PCAP ? "pcap" :
	                   m->kind == IPC_EXPORT_EVIDENCE ? "evidence" : "?";
	int rv;

	if ((rv = index_rec_get(q->s->ix, m->id, &r)) != 0) {
		reply_errc(q, rv, "recording");
		return;
	}
	if (strcmp(r.state, "failed") == 0) {
		/* nothing sealed to export: say why it failed, not "yet" */
		reply_err(q, TR_ERR_GONE, 409, "recording %s failed (%s): there is nothing to export",
		          r.id, r.fail_reason[0] ? r.fail_reason : "no reason recorded");
		return;
	}
	if (strcmp(r.state, "sealed") != 0) {
		reply_err(q, TR_ERR_AGAIN, 409, "recording %s is %s, not sealed yet", r.id, r.state);
		return;
	}
	rv = export_recording(q->s->c, q->s->k, index_db(q->s->ix), &r, m->kind, q->u.name, &out);
	if (rv != 0) {
		snprintf(detail, sizeof detail, "{\"kind\":\"%s\",\"error\":\"%s\"}", kind, tr_strerror(rv));
		audit_append(q->s->au, q->u.name, "export_failed", r.id, detail);
		if (rv == TR_ERR_CRYPTO)
			reply_err(q, rv, 500, "recording %s fails its integrity check", r.id);
		else
			reply_errc(q, rv, "export");
		return;
	}
	/* pad = 1: the web UI asks in order to play it in the browser */
	snprintf(detail, sizeof detail, "{\"kind\":\"%s\",\"size\":%llu}", kind, (unsigned long long)out.size);
	if (audit_append(q->s->au, q->u.name, m->playback == 1 ? "playback" : "download", r.id, detail) != 0) {
		close(out.fd);           /* never an unaudited download */
		reply_err(q, TR_ERR_SYS, 500, "the audit log cannot be written: export refused");
		return;
	}
	reply_fd(q, out.fd, out.size, out.content_type, out.filename);
}

static void
h_audit(struct req *q)
{
	json_t *res = NULL;
	int r;

	if ((r = audit_list(index_db(q->s->ix), q->m.page.limit, q->m.page.offset, q->m.page.action,
	                    &res)) != 0) {
		reply_errc(q, r, "audit");
		return;
	}
	reply_json(q, res);
}

/* Ends a transaction opened with audit_begin whose change is made: writes
 * the audit row (detail is taken) and commits, so the change and its row
 * land together or not at all. On failure replies 500 "...: <undone>" and
 * returns -1. */
static int
audited_commit(struct req *q, const char *action, const char *object, json_t *detail,
    const char *undone)
{
	char *txt = detail_dump(detail);
	int rv = -1;

	if (txt == NULL || audit_append(q->s->au, q->u.name, action, object, txt) != 0) {
		audit_abort(q->s->au);
		reply_err(q, TR_ERR_SYS, 500, "the audit log cannot be written: %s", undone);
		goto out;
	}
	if (audit_commit(q->s->au) != 0) {
		reply_err(q, TR_ERR_SYS, 500, "the index cannot be written: %s", undone);
		goto out;
	}
	rv = 0;
out:
	free(txt);
	return rv;
}

static void
h_user_add(struct req *q)
{
	struct ipc_user *m = &q->m.user;
	struct auth_pw pw;
	/* two-person rule: an investigator (reaches recordings) or admin (adds
	 * and approves accounts) added here waits for a second admin */
	int pending = auth_role_needs_approval((enum ipc_role)m->role);
	int r;

	/* the password is hashed first (0.1 s, outside the write lock), then
	 * the account and its audit row commit together: never an unaudited
	 * account, not even after a crash in between */
	r = auth_pw_make(m->pass, &pw);
	sodium_memzero(m->pass, sizeof m->pass);
	if (r == 0 && audit_begin(q->s->au) != 0) {
		auth_pw_clear(&pw);
		reply_err(q, TR_ERR_SYS, 500, "the index is busy: user not added");
		return;
	}
	if (r == 0) {
		/* the adding admin knows the password: the new user replaces it
		 * at first login, before anything else */
		if ((r = auth_user_add_pw(q->s->auth, m->user, &pw, (enum ipc_role)m->role, m->extension,
		                          pending ? q->u.name : "")) == 0)
			r = auth_user_must_change(q->s->auth, m->user, 1);
		if (r != 0)
			audit_abort(q->s->au);
	}
	auth_pw_clear(&pw);
	if (r != 0) {
		if (r == TR_ERR_INVAL)
			reply_err(q, r, 400, "bad user: name [A-Za-z0-9._@+*#-], role 1-4, password 8-255 bytes,"
			          " agents need an extension");
		else
			reply_errc(q, r, "user");
		return;
	}
	if (audited_commit(q, "user_add", m->user,
	                   json_pack("{s:s, s:s, s:b}", "role", auth_role_name((enum ipc_role)m->role),
	                             "extension", m->extension, "awaiting_approval", pending),
	                   "user not added") == 0)
		reply_json(q, json_pack("{s:b, s:b}", "awaiting_approval", pending, "must_change", 1));
}

/* A second admin activates an account another admin added (two-person
 * rule); the change and its audit row commit together. */
static void
h_user_approve(struct req *q)
{
	struct ipc_user *m = &q->m.user;
	char added_by[64];
	int r;

	sodium_memzero(m->pass, sizeof m->pass);
	if (audit_begin(q->s->au) != 0) {
		reply_err(q, TR_ERR_SYS, 500, "the index is busy: account not approved");
		return;
	}
	if ((r = auth_user_approve(q->s->auth, m->user, q->u.name, added_by)) != 0) {
		audit_abort(q->s->au);
		if (r == TR_ERR_PERM)
			reply_err(q, r, 403, "an account needs a second admin: the admin who added it (or"
			          " enabled it again) cannot approve it");
		else if (r == TR_ERR_INVAL)
			reply_err(q, r, 409, "the account is disabled: enable it first");
		else if (r == TR_ERR_NOTFOUND)
			reply_err(q, r, 404, "no account of that name awaits approval");
		else
			reply_errc(q, r, "user");
		return;
	}
	if (audited_commit(q, "user_approve", m->user, json_pack("{s:s}", "pending_by", added_by),
	                   "account not approved") == 0)
		reply_json(q, json_object());
}

/* An admin disables another account: its sessions end at once (someone
 * left, a password leaked). Not one's own: the acting admin stays. */
static void
h_user_disable(struct req *q)
{
	struct ipc_user *m = &q->m.user;
	int r;

	sodium_memzero(m->pass, sizeof m->pass);
	if (strcasecmp(m->user, q->u.name) == 0) {
		reply_err(q, TR_ERR_INVAL, 400, "an admin cannot disable their own account");
		return;
	}
	if (audit_begin(q->s->au) != 0) {
		reply_err(q, TR_ERR_SYS, 500, "the index is busy: account not disabled");
		return;
	}
	if ((r = auth_user_disable(q->s->auth, m->user, 1)) != 0) {
		audit_abort(q->s->au);
		if (r == TR_ERR_NOTFOUND)
			reply_err(q, r, 404, "no such account");
		else if (r == TR_ERR_EXISTS)
			reply_err(q, r, 409, "the account is already disabled");
		else
			reply_errc(q, r, "user");
		return;
	}
	if (audited_commit(q, "user_disable", m->user, json_object(), "account not disabled") == 0)
		reply_json(q, json_object());
}

/* An admin enables a disabled account again; an investigator or admin
 * account then waits for a second admin, as a new one does (two-person
 * rule: otherwise one admin could revive an investigator account whose
 * password they know). */
static void
h_user_enable(struct req *q)
{
	struct ipc_user *m = &q->m.user;
	int pending = 0, r;

	sodium_memzero(m->pass, sizeof m->pass);
	if (audit_begin(q->s->au) != 0) {
		reply_err(q, TR_ERR_SYS, 500, "the index is busy: account not enabled");
		return;
	}
	if ((r = auth_user_enable(q->s->auth, m->user, q->u.name, &pending)) != 0) {
		audit_abort(q->s->au);
		if (r == TR_ERR_NOTFOUND)
			reply_err(q, r, 404, "no disabled account of that name");
		else
			reply_errc(q, r, "user");
		return;
	}
	if (audited_commit(q, "user_enable", m->user, json_pack("{s:b}", "awaiting_approval", pending),
	                   "account not enabled") == 0)
		reply_json(q, json_pack("{s:b}", "awaiting_approval", pending));
}

/* The session's user replaces their own password (the old one checked and
 * throttled like a login); the change and its audit row commit together,
 * and the user's other sessions end. */
static void
h_passwd(struct req *q)
{
	struct ipc_passwd *m = &q->m.pw;
	struct auth_pw pw = { "" };
	char *detail = NULL;
	int64_t retry = 0;
	uint32_t refused = 0;
	int r, start = 0;

	/* both Argon2id steps (0.1 s each) run before the write lock */
	r = auth_user_check_pw(q->s->auth, q->u.name, m->old, m->pass, &retry);
	if (r == 0 && (r = auth_pw_make(m->pass, &pw)) == TR_ERR_INVAL) {
		reply_err(q, r, 400, "the new password must be 8 to 255 bytes");
		goto out;
	}
	if (r == TR_ERR_PERM) {
		detail = detail_dump(json_pack("{s:s, s:s}", "remote", m->t.remote,
		                               "reason", "wrong current password"));
		audit_append(q->s->au, q->u.name, "password_change_failed", q->u.name, detail);
		reply_err(q, r, 403, "the current password is wrong");
		goto out;
	}
	if (r == TR_ERR_LIMIT) {
		/* as for logins: one row when the lockout starts, then one summary
		 * per lockout length */
		if (auth_refusal_audit(q->s->auth, &refused, &start)) {
			detail = detail_dump(json_pack("{s:s, s:I, s:I}", "remote", m->t.remote,
			                               start ? "lockout_starts_refused_before" : "refused",
			                               (json_int_t)refused, "retry_s", (json_int_t)retry));
			audit_append(q->s->au, q->u.name, "password_change_throttled", q->u.name, detail);
		}
		reply_err(q, r, 429, "too many failed attempts; retry in %lld s", (long long)retry);
		goto out;
	}
	if (r == TR_ERR_INVAL) {
		reply_err(q, r, 400, "the new password must differ from the current one");
		goto out;
	}
	if (r != 0) {
		reply_errc(q, r, "password");
		goto out;
	}
	if (audit_begin(q->s->au) != 0) {
		reply_err(q, TR_ERR_SYS, 500, "the index is busy: password not changed");
		goto out;
	}
	if ((r = auth_user_replace_pw(q->s->auth, q->u.name, &pw, m->t.token)) != 0) {
		audit_abort(q->s->au);
		reply_errc(q, r, "password");
		goto out;
	}
	if (audited_commit(q, "password_change", q->u.name,
	                   json_pack("{s:s, s:b}", "remote", m->t.remote, "was_required", q->u.must_change),
	                   "password not changed") == 0)
		reply_json(q, json_object());
out:
	free(detail);
	auth_pw_clear(&pw);
	sodium_memzero(m->old, sizeof m->old);
	sodium_memzero(m->pass, sizeof m->pass);
}

static void
h_user_list(struct req *q)
{
	json_t *res = NULL;
	int r;

	if ((r = auth_user_list(q->s->auth, &res)) != 0) {
		reply_errc(q, r, "users");
		return;
	}
	reply_json(q, res);
}

static void
h_status(struct req *q)
{
	struct server *s = q->s;
	int64_t n = 0, nrec = 0, last = 0, bytes = 0;
	uint64_t ns, nf, nk;
	char ts[32];
	json_t *v, *marks;

	index_stats(s->ix, &n, &nrec, &last, &bytes);
	notify_counts(s->nt, &ns, &nf, &nk);
	index_iso8601(last, ts);
	v = json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:s*, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}}",
		"state", s->ring ? "running" : "waiting for ring",
		"ring", s->ring ? "attached" : "detached", "ring_name", s->c->ring,
		"recordings", (json_int_t)n, "recording_now", (json_int_t)nrec,
		"pinned", (int)recorder_active(s->rc), "last_seal", last ? ts : NULL,
		"storage_bytes", (json_int_t)bytes, "failures", (json_int_t)recorder_failures(s->rc),
		"protocol_errors", (json_int_t)s->proto_errors, "refused_peers", (json_int_t)s->refused,
		"uptime_s", (json_int_t)(((int64_t)tr_mono_ns() - s->started_ns) / NS),
		"notify", "started", (json_int_t)ns, "failed", (json_int_t)nf, "skipped", (json_int_t)nk,
		"queued", (json_int_t)notify_queued(s->nt));
	/* live marks: supervisors see all, agents those of their extension */
	if (q->u.role == IPC_ROLE_AGENT)
		marks = recorder_active_json(s->rc, q->u.extension);
	else if (q->u.role == IPC_ROLE_SUPERVISOR || q->u.role == IPC_ROLE_INVESTIGATOR)
		marks = recorder_active_json(s->rc, NULL);
	else
		marks = json_array();
	reply_json(q, json_pack("{s:o, s:o}", "vault", v, "marks", marks));
}

/* ------------------------------------------------------------ dispatch */

/* Every char array must hold a NUL. */
static bool
strings_ok(uint32_t type, const union req_msg *m)
{
#define S(f) ipc_str_ok((f), sizeof(f))
	const struct ipc_token *t = &m->tok;
	switch (type) {
	case IPC_LOGIN:
		return S(m->login.user) && S(m->login.pass) && S(m->login.remote);
	case IPC_MARK:
		return S(t->token) && S(t->remote) && S(m->mark.call_id) && S(m->mark.note);
	case IPC_STOP:
	case IPC_REC_GET:
		return S(t->token) && S(t->remote) && S(m->rec.id);
	case IPC_REC_EXPORT:
		return S(t->token) && S(t->remote) && S(m->exp.id);
	case IPC_REC_LIST:
		return S(t->token) && S(t->remote) && S(m->query.caller) && S(m->query.callee) &&
		       S(m->query.agent) && S(m->query.marked_by) && S(m->query.q);
	case IPC_USER_ADD:
		return S(t->token) && S(t->remote) && S(m->user.user) && S(m->user.pass) &&
		       S(m->user.extension);
	case IPC_AUDIT_LIST:
		return S(t->token) && S(t->remote) && S(m->page.action);
	case IPC_USER_APPROVE:
	case IPC_USER_DISABLE:
	case IPC_USER_ENABLE:
		return S(t->token) && S(t->remote) && S(m->user.user) && S(m->user.pass) &&
		       S(m->user.extension);
	case IPC_PASSWD:
		return S(t->token) && S(t->remote) && S(m->pw.old) && S(m->pw.pass);
	default:
		return S(t->token) && S(t->remote);
	}
#undef S
}

static const struct server_rule *
rule_of(uint32_t type)
{
	size_t i;
	for (i = 0; i < sizeof server_rules / sizeof server_rules[0]; i++)
		if (server_rules[i].type == type)
			return &server_rules[i];
	return NULL;
}

int
server_frame_check(const struct ipc_hdr *h, const uint8_t *payload, const char **whyp)
{
	const struct server_rule *rule = rule_of(h->type);
	union req_msg m;

	*whyp = "ok";
	if (ipc_hdr_check(h) != 0) {
		*whyp = "bad header";
		return TR_ERR_PROTO;
	}
	if (rule == NULL) {
		*whyp = "unknown message type";
		return TR_ERR_PROTO;
	}
	if (h->len != rule->size) {
		*whyp = "wrong size for the type";
		return TR_ERR_PROTO;
	}
	memcpy(&m, payload, rule->size);
	if (!strings_ok(h->type, &m)) {
		*whyp = "string without NUL";
		return TR_ERR_PROTO;
	}
	return 0;
}

static void
client_close(struct server *s, struct client *cl)
{
	(void)s;
	if (cl->fd >= 0)
		close(cl->fd);
	if (cl->buf != NULL) {
		ipc_buf_clear(cl->buf);
		sodium_memzero(cl->buf, sizeof *cl->buf);
		free(cl->buf);
	}
	memset(cl, 0, sizeof *cl);
	cl->fd = -1;
}

/* The rate-limit entry of a peer uid (the least recently audited one is
 * reused when the table is full). */
static struct proto_peer *
proto_peer(struct server *s, uid_t uid)
{
	struct proto_peer *old = &s->pp[0];
	int i;

	for (i = 0; i < PROTO_PEERS; i++) {
		if (s->pp[i].used && s->pp[i].uid == uid)
			return &s->pp[i];
		if (!s->pp[i].used || (old->used && s->pp[i].last_ns < old->last_ns))
			old = &s->pp[i];
	}
	memset(old, 0, sizeof *old);
	old->used = 1;
	old->uid = uid;
	old->last_ns = INT64_MIN / 2;
	return old;
}

/* One protocol error closes the connection (so at most one row per
 * connection); rows per peer uid are rate limited, the rest counted. */
static void
proto_error(struct server *s, struct client *cl, const struct ipc_hdr *h, const char *why)
{
	struct proto_peer *pp = proto_peer(s, cl->uid);
	int64_t now = (int64_t)tr_mono_ns();
	char actor[48], detail[240];

	s->proto_errors++;
	snprintf(actor, sizeof actor, "peer uid %u pid %d", (unsigned)cl->uid, (int)cl->pid);
	if (now - pp->last_ns < PROTO_AUDIT_GAP) {
		pp->suppressed++;
		log_debug_f("protocol error from %s: %s (counted, not audited)", actor, why);
		client_close(s, cl);
		return;
	}
	if (h != NULL)
		snprintf(detail, sizeof detail, "{\"reason\":\"%s\",\"type\":%u,\"len\":%u,\"suppressed\":%llu}",
		         why, h->type, h->len, (unsigned long long)pp->suppressed);
	else
		snprintf(detail, sizeof detail, "{\"reason\":\"%s\",\"suppressed\":%llu}", why,
		         (unsigned long long)pp->suppressed);
	log_warn_f("protocol error from %s: %s; connection closed", actor, detail);
	if (audit_append(s->au, actor, "protocol_error", "ipc", detail) == 0) {
		pp->suppressed = 0;
		pp->last_ns = now;
	} else {
		pp->suppressed++;
	}
	client_close(s, cl);
}

/* Handles one complete frame; closes the client on a protocol error. */
static void
dispatch(struct server *s, struct client *cl, const struct ipc_hdr *h, const uint8_t *payload, int fd)
{
	const struct server_rule *rule;
	const char *why = NULL;
	struct req *q = NULL;
	int r;

	if (fd >= 0) {
		close(fd);
		proto_error(s, cl, h, "unexpected file descriptor");
		return;
	}
	if (server_frame_check(h, payload, &why) != 0) {
		proto_error(s, cl, h, why);
		return;
	}
	rule = rule_of(h->type);
	if ((q = calloc(1, sizeof *q)) == NULL)
		return;
	q->s = s;
	q->cl = cl;
	q->id = h->id;
	memcpy(&q->m, payload, rule->size);
	s->requests++;
	if (rule->roles != 0) {
		if ((r = auth_session(s->auth, q->m.tok.token, &q->u, q->csrf)) != 0) {
			reply_err(q, TR_ERR_PERM, 401, "not logged in or session expired");
			goto out;
		}
		if (q->u.must_change && h->type != IPC_SESSION && h->type != IPC_LOGOUT &&
		    h->type != IPC_PASSWD) {
			reply_err(q, TR_ERR_PERM, 403, "set a password of your own first: this one is temporary"
			          " (set by an admin or the operator)");
			goto out;
		}
		if (!(rule->roles & ROLE(q->u.role))) {
			audit_append(s->au, q->u.name, "denied", ipc_type_name(h->type), auth_role_name(q->u.role));
			reply_err(q, TR_ERR_PERM, 403, "the %s role may not do this", auth_role_name(q->u.role));
			goto out;
		}
	}
	rule->fn(q);
out:
	sodium_memzero(q, sizeof *q);
	free(q);
}

static void
client_read(struct server *s, struct client *cl)
{
	struct ipc_hdr h;
	const uint8_t *payload = NULL;
	int fd = -1, r, n;

	/* a few frames per wakeup, so one client cannot starve the others */
	for (n = 0; n < 16 && cl->fd >= 0; n++) {
		r = ipc_recv(cl->fd, cl->buf, &h, &payload, &fd);
		if (r == TR_ERR_AGAIN)
			return;
		if (r == 0) {
			client_close(s, cl);
			return;
		}
		if (r == TR_ERR_PROTO) {
			memcpy(&h, cl->buf->data, sizeof h);
			proto_error(s, cl, cl->buf->have >= IPC_HDR_LEN ? &h : NULL, "bad frame");
			return;
		}
		if (r < 0) {
			client_close(s, cl);
			return;
		}
		dispatch(s, cl, &h, payload, fd);
	}
}

static void
accept_one(struct server *s)
{
	struct ucred cr;
	socklen_t len = sizeof cr;
	struct client *cl = NULL;
	char actor[48];
	int fd, i;

	fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || !vconf_uid_ok(s->c, cr.uid)) {
		/* rate limited per uid like protocol errors */
		struct proto_peer *pp = proto_peer(s, len == sizeof cr ? cr.uid : (uid_t)-1);
		int64_t now = (int64_t)tr_mono_ns();
		char detail[64];
		s->refused++;
		snprintf(actor, sizeof actor, "peer uid %d", len == sizeof cr ? (int)cr.uid : -1);
		if (now - pp->last_ns < PROTO_AUDIT_GAP) {
			pp->suppressed++;
		} else {
			log_warn_f("refused connection from %s (not in peer_uids)", actor);
			snprintf(detail, sizeof detail, "{\"suppressed\":%llu}", (unsigned long long)pp->suppressed);
			if (audit_append(s->au, actor, "peer_refused", "ipc", detail) == 0) {
				pp->suppressed = 0;
				pp->last_ns = now;
			}
		}
		close(fd);
		return;
	}
	for (i = 0; i < SERVER_CLIENTS_MAX; i++)
		if (s->cl[i].fd < 0) {
			cl = &s->cl[i];
			break;
		}
	if (cl == NULL || (cl->buf = malloc(sizeof *cl->buf)) == NULL) {
		if ((int64_t)tr_mono_ns() - s->full_logged_ns >= PROTO_AUDIT_GAP) {
			log_warn_f("too many clients (%d): connection refused (idle ones are closed after %llu s)",
			           SERVER_CLIENTS_MAX, (unsigned long long)(SERVER_IDLE_NS / NS));
			s->full_logged_ns = (int64_t)tr_mono_ns();
		}
		close(fd);
		return;
	}
	ipc_buf_init(cl->buf);
	cl->fd = fd;
	cl->uid = cr.uid;
	cl->pid = cr.pid;
	cl->last_ns = (int64_t)tr_mono_ns();
}

/* ------------------------------------------------------------ ring */

static ino_t
shm_ino(const char *name)
{
	struct stat st;
	int fd = shm_open(name, O_RDONLY, 0);
	ino_t ino = 0;

	if (fd >= 0 && fstat(fd, &st) == 0)
		ino = st.st_ino;
	if (fd >= 0)
		close(fd);
	return ino;
}

static void
ring_watch(struct server *s)
{
	char why[256];
	ino_t ino;
	int r;

	if (s->ring != NULL) {
		ino = shm_ino(s->c->ring);
		if (ino == s->ring_ino)
			return;
		/* The sniffer went away or made a new ring: our mapping still
		 * holds everything it wrote, so seal what we have. */
		log_warn_f("ring %s was removed or replaced; sealing the live recordings", s->c->ring);
		recorder_seal_all(s->rc, "sniffer stopped (ring removed or replaced)");
		recorder_set_ring(s->rc, NULL);
		ring_close(s->ring);
		s->ring = NULL;
	}
	if ((r = ring_attach_owner(s->c->ring, RING_ATTACH_MARKS, s->c->ring_owner, &s->ring, why,
	                           sizeof why)) != 0) {
		int e = r == TR_ERR_SYS ? errno : 0;
		/* once per distinct reason, not every second */
		bool same = r == s->attach_err && e == s->attach_errno;
		if (!same && ((r == TR_ERR_SYS && e == ENOENT) || r == TR_ERR_INVAL))
			/* not created yet, or being created (size or header not written
			 * yet), or not a ring we can read: why says which */
			log_info_f("ring %s not usable yet: %s", s->c->ring, why);
		else if (!same)
			log_warn_f("cannot attach ring %s (with its mark words): %s", s->c->ring, why);
		s->attach_err = r;
		s->attach_errno = e;
		s->ring = NULL;
		return;
	}
	s->attach_err = 0;
	s->attach_errno = 0;
	s->ring_ino = shm_ino(s->c->ring);
	log_info_f("attached ring %s (%u slots)", s->c->ring, ring_slots(s->ring));
	recorder_set_ring(s->rc, s->ring);
}

/* ------------------------------------------------------------ lifecycle */

struct server *
server_new(const struct vconf *c, struct index *ix, struct audit *au, struct auth *auth,
           const struct keys *k, struct recorder *rc, struct notify *nt)
{
	struct server *s = calloc(1, sizeof *s);
	struct sockaddr_un sa;
	struct stat st;
	int i;

	if (s == NULL)
		return NULL;
	s->c = c; s->ix = ix; s->au = au; s->auth = auth; s->k = k; s->rc = rc; s->nt = nt;
	s->lfd = -1;
	s->started_ns = (int64_t)tr_mono_ns();
	s->full_logged_ns = INT64_MIN / 2;
	for (i = 0; i < SERVER_CLIENTS_MAX; i++)
		s->cl[i].fd = -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(c->socket) >= sizeof sa.sun_path) {
		log_err_f("socket path too long: %s", c->socket);
		goto bad;
	}
	memcpy(sa.sun_path, c->socket, strlen(c->socket) + 1);
	if (lstat(c->socket, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err_f("%s exists and is not a socket", c->socket);
			goto bad;
		}
		unlink(c->socket);
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    chmod(c->socket, c->socket_mode) != 0 || listen(s->lfd, SERVER_BACKLOG) != 0) {
		log_err_f("%s: %s", c->socket, strerror(errno));
		goto bad;
	}
	return s;
bad:
	server_free(s);
	return NULL;
}

void
server_free(struct server *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < SERVER_CLIENTS_MAX; i++)
		if (s->cl[i].fd >= 0)
			client_close(s, &s->cl[i]);
	if (s->lfd >= 0) {
		close(s->lfd);
		unlink(s->c->socket);
	}
	if (s->rc != NULL)
		recorder_set_ring(s->rc, NULL);
	ring_close(s->ring);
	free(s);
}

/* A client silent for SERVER_IDLE_NS gives its slot back; one that stopped
 * inside a frame is a protocol error. */
static void
clients_idle(struct server *s, int64_t now)
{
	int i;

	for (i = 0; i < SERVER_CLIENTS_MAX; i++) {
		struct client *cl = &s->cl[i];
		if (cl->fd < 0 || now - cl->last_ns < (int64_t)SERVER_IDLE_NS)
			continue;
		if (cl->buf != NULL && cl->buf->have > 0) {
			struct ipc_hdr h;
			memcpy(&h, cl->buf->data, sizeof h);
			proto_error(s, cl, cl->buf->have >= IPC_HDR_LEN ? &h : NULL, "idle inside a frame");
		} else {
			log_debug_f("peer uid %u pid %d idle: connection closed", (unsigned)cl->uid, (int)cl->pid);
			client_close(s, cl);
		}
	}
}

int
server_run(struct server *s, volatile sig_atomic_t *quit)
{
	struct pollfd pfd[1 + SERVER_CLIENTS_MAX];
	int map[1 + SERVER_CLIENTS_MAX];
	int64_t next_tick = 0, next_watch = 0, next_expire = 0;
	int tick_ms = (int)(s->c->tick_ns / 1000000ULL);

	if (tick_ms < 1)
		tick_ms = 1;
	while (!*quit) {
		int n = 0, i, rc;
		int64_t now;

		pfd[n].fd = s->lfd;
		pfd[n].events = POLLIN;
		map[n++] = -1;
		for (i = 0; i < SERVER_CLIENTS_MAX; i++) {
			if (s->cl[i].fd < 0)
				continue;
			pfd[n].fd = s->cl[i].fd;
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		rc = poll(pfd, (nfds_t)n, tick_ms);
		if (rc < 0 && errno != EINTR) {
			log_err_f("poll: %s", strerror(errno));
			return TR_ERR_SYS;
		}
		for (i = 0; rc > 0 && i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (map[i] < 0) {
				accept_one(s);
			} else if (s->cl[map[i]].fd == pfd[i].fd) {
				s->cl[map[i]].last_ns = (int64_t)tr_mono_ns();
				client_read(s, &s->cl[map[i]]);
			}
		}
		now = (int64_t)tr_mono_ns();
		clients_idle(s, now);
		if (now >= next_watch) {
			ring_watch(s);
			next_watch = now + NS;
		}
		if (now >= next_tick) {
			recorder_tick(s->rc);
			notify_tick(s->nt);
			next_tick = now + (int64_t)s->c->tick_ns;
		}
		if (now >= next_expire) {
			auth_expire(s->auth);
			next_expire = now + 60 * NS;
		}
	}
	return 0;
}
