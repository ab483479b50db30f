/* ipc.c - framing of vault<->webui messages over a unix stream socket:
 * 16-byte header, bounded payload, at most one fd by SCM_RIGHTS.
 * Wire format: docs/ipc.md. Everything received is untrusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "ipc.h"
#include "err.h"

void
ipc_buf_init(struct ipc_buf *b)
{
	b->have = 0;
	b->fd = -1;
}

void
ipc_buf_clear(struct ipc_buf *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	b->have = 0;
}

int
ipc_hdr_check(const struct ipc_hdr *h)
{
	if (h->len > IPC_PAYLOAD_MAX)
		return TR_ERR_PROTO;
	if (h->flags != 0)
		return TR_ERR_PROTO;
	return 0;
}

bool
ipc_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n < max &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+*#-") == n;
}

bool
ipc_str_ok(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

const char *
ipc_type_name(uint32_t type)
{
	static const char *const req[] = {
		NULL, "IPC_LOGIN", "IPC_SESSION", "IPC_LOGOUT", "IPC_MARK", "IPC_STOP",
		"IPC_REC_LIST", "IPC_REC_GET", "IPC_REC_EXPORT", "IPC_AUDIT_LIST",
		"IPC_USER_ADD", "IPC_USER_LIST", "IPC_STATUS", "IPC_USER_APPROVE", "IPC_PASSWD",
		"IPC_USER_DISABLE", "IPC_USER_ENABLE",
	};
	if (type > 0 && type < IPC_REQ_MAX_ && type < sizeof req / sizeof req[0])
		return req[type];
	if (type == IPC_R_OK) return "IPC_R_OK";
	if (type == IPC_R_FD) return "IPC_R_FD";
	if (type == IPC_R_ERR) return "IPC_R_ERR";
	return "unknown";
}

/* Waits until fd is writable; 0, TR_ERR_AGAIN on timeout, TR_ERR_SYS. */
static int
wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int n;

	do {
		n = poll(&pfd, 1, IPC_SEND_TIMEOUT_MS);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return TR_ERR_SYS;
	if (n == 0)
		return TR_ERR_AGAIN;
	return 0;
}

int
ipc_send(int fd, uint32_t type, uint32_t id, const void *payload, size_t len, int passfd)
{
	struct ipc_hdr h;
	struct iovec iov[2];
	struct msghdr msg;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	size_t total, sent = 0;
	int first = 1, r = 0;

	if (len > IPC_PAYLOAD_MAX || (len > 0 && payload == NULL))
		return TR_ERR_INVAL;
	h.type = type;
	h.len = (uint32_t)len;
	h.id = id;
	h.flags = 0;
	total = IPC_HDR_LEN + len;
	while (sent < total) {
		ssize_t n;
		int niov = 0;

		memset(&msg, 0, sizeof msg);
		if (sent < IPC_HDR_LEN) {
			iov[niov].iov_base = (uint8_t *)&h + sent;
			iov[niov].iov_len = IPC_HDR_LEN - sent;
			niov++;
			if (len > 0) {
				iov[niov].iov_base = (void *)(uintptr_t)payload;
				iov[niov].iov_len = len;
				niov++;
			}
		} else {
			iov[niov].iov_base = (uint8_t *)(uintptr_t)payload + (sent - IPC_HDR_LEN);
			iov[niov].iov_len = total - sent;
			niov++;
		}
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)niov;
		/* The fd rides on the first byte sent: the receiver sees it with the header. */
		if (first && passfd >= 0) {
			struct cmsghdr *c;
			memset(&cm, 0, sizeof cm);
			msg.msg_control = cm.buf;
			msg.msg_controllen = sizeof cm.buf;
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &passfd, sizeof(int));
		}
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if ((r = wait_writable(fd)) != 0)
					goto out;
				continue;
			}
			r = TR_ERR_SYS;
			goto out;
		}
		first = 0;
		sent += (size_t)n;
	}
out:
	return r;
}

/* Takes the fds of a control message: keeps one in b->fd; more than one
 * fd in a frame, or a truncated control message, is a protocol error. */
static int
take_fds(struct msghdr *msg, struct ipc_buf *b)
{
	struct cmsghdr *c;
	int r = 0;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		size_t nfd, i;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int one;
			memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (b->fd < 0) {
				b->fd = one;
			} else {
				close(one);
				r = TR_ERR_PROTO;
			}
		}
	}
	if (msg->msg_flags & MSG_CTRUNC)
		r = TR_ERR_PROTO;
	return r;
}

int
ipc_recv(int fd, struct ipc_buf *b, struct ipc_hdr *h, const uint8_t **payloadp, int *fdp)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} cm;
	struct ipc_hdr hh;
	int r = TR_ERR_SYS;

	for (;;) {
		size_t want;
		struct iovec iov;
		struct msghdr msg;
		ssize_t n;

		if (b->have >= IPC_HDR_LEN) {
			memcpy(&hh, b->data, IPC_HDR_LEN);
			if ((r = ipc_hdr_check(&hh)) != 0)
				goto out;
			want = IPC_HDR_LEN + hh.len;
			if (b->have == want)
				break;
		} else {
			want = IPC_HDR_LEN;
		}
		iov.iov_base = b->data + b->have;
		iov.iov_len = want - b->have;
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof cm.buf;
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = (errno == EAGAIN || errno == EWOULDBLOCK) ? TR_ERR_AGAIN : TR_ERR_SYS;
			goto out;
		}
		if ((r = take_fds(&msg, b)) != 0)
			goto out;
		if (n == 0) {
			r = (b->have == 0 && b->fd < 0) ? 0 : TR_ERR_PROTO;
			goto out;
		}
		b->have += (size_t)n;
	}
	*h = hh;
	*payloadp = b->data + IPC_HDR_LEN;
	if (fdp != NULL)
		*fdp = b->fd;
	else if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	b->have = 0;
	r = 1;
out:
	return r;
}
