/* ipc_client.h - the web UI's side of the vault socket: one request, one
 * reply, on a fresh connection (common/ipc.h framing, docs/ipc.md).
 * Blocks the calling thread for up to IPC_CLIENT_TIMEOUT_MS.
 */
#ifndef TR_WEBUI_IPC_CLIENT_H
#define TR_WEBUI_IPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ipc.h"

#define IPC_CLIENT_TIMEOUT_MS 60000   /* an export decodes a whole call */

struct ipc_client_reply {
	uint32_t       type;    /* IPC_R_OK, IPC_R_FD or IPC_R_ERR */
	json_t        *json;    /* OK/FD: the payload, a JSON object (owned); NULL for ERR */
	int            fd;      /* FD: the passed fd (owned until ipc_client_take_fd), else -1 */
	struct ipc_err err;     /* ERR: code, HTTP status and message (msg NUL-terminated) */
};

void ipc_client_reply_init(struct ipc_client_reply *);
/* Frees the JSON and closes an fd not taken. NULL-safe. */
void ipc_client_reply_clear(struct ipc_client_reply *);
/* Hands the fd to the caller (who closes it); -1 if none. */
int  ipc_client_take_fd(struct ipc_client_reply *);

/* Connects to the vault at path, sends (type, req, len) and reads one reply
 * into *rep (which the caller has initialised). Returns 0 with a valid
 * reply (including IPC_R_ERR), TR_ERR_SYS when the vault cannot be reached
 * (HTTP 503), TR_ERR_AGAIN on timeout, TR_ERR_PROTO for a malformed reply
 * (wrong id, type, size, missing fd, JSON that is not an object). */
int  ipc_client_call(const char *path, uint32_t type, const void *req, size_t len,
                     struct ipc_client_reply *rep);

/* Validates a received reply frame (used by ipc_client_call and the fuzz
 * target); takes ownership of fd (closed on error). Same returns. */
int  ipc_client_parse(uint32_t type, const uint8_t *p, size_t len, int fd,
                      struct ipc_client_reply *rep);

#endif
