/* ipc_client.c - one request/reply exchange with the vault over its unix
 * socket. The reply is untrusted input: type, exact sizes, fd presence and
 * JSON shape are all checked.
 */
#include "ipc_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "err.h"
#include "rd.h"

void ipc_client_reply_init(struct ipc_client_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->fd = -1;
}

void ipc_client_reply_clear(struct ipc_client_reply *rep)
{
	if (rep == NULL)
		return;
	json_decref(rep->json);
	if (rep->fd >= 0)
		close(rep->fd);
	ipc_client_reply_init(rep);
}

int ipc_client_take_fd(struct ipc_client_reply *rep)
{
	int fd = rep->fd;

	rep->fd = -1;
	return fd;
}

int ipc_client_parse(uint32_t type, const uint8_t *p, size_t len, int fd,
                     struct ipc_client_reply *rep)
{
	struct rd rd = rd_make(p, len);
	json_error_t jerr;
	int r = TR_ERR_PROTO;

	ipc_client_reply_clear(rep);
	rep->type = type;
	switch (type) {
	case IPC_R_ERR:
		if (fd >= 0 || len != sizeof(rep->err))
			goto out;
		if ((r = rd_bytes(&rd, &rep->err, sizeof(rep->err))) != 0)
			goto out;
		r = TR_ERR_PROTO;
		if (!ipc_str_ok(rep->err.msg, sizeof(rep->err.msg)))
			goto out;
		if (rep->err.http_status < 400 || rep->err.http_status > 599)
			rep->err.http_status = 500;
		break;
	case IPC_R_OK:
	case IPC_R_FD:
		if ((type == IPC_R_FD) != (fd >= 0))
			goto out;
		if (len == 0) {
			rep->json = json_object();
		} else {
			rep->json = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
			if (rep->json == NULL || !json_is_object(rep->json))
				goto out;
		}
		if (rep->json == NULL) {
			r = TR_ERR_NOMEM;
			goto out;
		}
		rep->fd = fd;
		fd = -1;
		break;
	default:
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r != 0) {
		json_decref(rep->json);
		rep->json = NULL;
	}
	return r;
}

int ipc_client_call(const char *path, uint32_t type, const void *req, size_t len,
                    struct ipc_client_reply *rep)
{
	struct sockaddr_un sa;
	struct timeval tv = { IPC_CLIENT_TIMEOUT_MS / 1000, 0 };
	struct ipc_buf *b = NULL;
	struct ipc_hdr h;
	const uint8_t *payload = NULL;
	const uint32_t id = 1;      /* one request per connection */
	int s = -1, fd = -1, r = TR_ERR_SYS;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		r = TR_ERR_INVAL;
		goto out;
	}
	memcpy(sa.sun_path, path, strlen(path));
	if ((b = malloc(sizeof(*b))) == NULL) {
		r = TR_ERR_NOMEM;
		goto out;
	}
	ipc_buf_init(b);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		goto out;
	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		goto out;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out;
	if ((r = ipc_send(s, type, id, req, len, -1)) != 0)
		goto out;
	r = ipc_recv(s, b, &h, &payload, &fd);
	if (r == 0) {
		r = TR_ERR_PROTO;   /* EOF before a reply: the vault closed on us */
		goto out;
	}
	if (r < 0)
		goto out;
	if (h.id != id) {
		r = TR_ERR_PROTO;
		goto out;
	}
	r = ipc_client_parse(h.type, payload, h.len, fd, rep);
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (b != NULL) {
		ipc_buf_clear(b);
		free(b);
	}
	if (s >= 0)
		close(s);
	return r;
}
