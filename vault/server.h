/* server.h - the vault daemon's loop: a non-blocking unix-socket server
 * (several clients, SO_PEERCRED uid check) dispatching IPC requests from a
 * rule table (exact size per type, role per type), plus the timer that
 * attaches the ring and drives the recorder. No network sockets.
 */
#ifndef TR_SERVER_H
#define TR_SERVER_H

#include <signal.h>
#include <stdint.h>
#include "ipc.h"
#include "vconf.h"
#include "index.h"
#include "audit.h"
#include "auth.h"
#include "keys.h"
#include "recorder.h"
#include "notify.h"

#define SERVER_CLIENTS_MAX 64
#define SERVER_BACKLOG     128
#define SERVER_IDLE_NS     (10ULL * 1000000000ULL)  /* a silent client (or half a frame) is closed */
#define SERVER_TIME_MAX    INDEX_TIME_MAX_S        /* ipc_query from/to: 9999-12-31T23:59:59Z */

struct server;

/* Borrows everything. Creates, binds and listens on c->socket (an existing
 * socket file there is replaced). NULL on failure (logged). */
struct server *server_new(const struct vconf *, struct index *, struct audit *, struct auth *,
                          const struct keys *, struct recorder *, struct notify *);
void server_free(struct server *);          /* NULL-safe; closes clients, unlinks the socket */
/* The rule-table check of one received frame, without a session: type
 * known, exact size, a NUL in every string. 0 or TR_ERR_PROTO with the
 * reason in *whyp (static text). Never blocks; used by the fuzz target. */
int  server_frame_check(const struct ipc_hdr *h, const uint8_t *payload, const char **whyp);
/* Runs until *quit becomes non-zero. Returns 0 or TR_ERR_SYS. */
int  server_run(struct server *, volatile sig_atomic_t *quit);

#endif
