/* fuzz_ipc.c - IPC bytes from a peer: the framing reader (common/ipc.c,
 * fed through a socketpair with short writes) and the vault's rule-table
 * check of each frame (vault/server.c server_frame_check). */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "ipc.h"
#include "err.h"
#include "vault/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ipc_buf fz_buf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2], fd = -1, r;
	size_t off = 0;
	int sndbuf = 1 << 20;

	if (size > 256 * 1024)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
		return 0;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	ipc_buf_init(&fz_buf);
	/* the first byte picks the write size: frames arrive in pieces */
	while (off < size) {
		size_t piece = 1 + (size_t)data[off] % 97, n;
		ssize_t w;
		n = size - off < piece ? size - off : piece;
		w = write(sv[0], data + off, n);
		if (w <= 0)
			break;
		off += (size_t)w;
		for (;;) {
			struct ipc_hdr h;
			const uint8_t *p = NULL;
			const char *why = NULL;
			r = ipc_recv(sv[1], &fz_buf, &h, &p, &fd);
			if (r != 1)
				break;
			if (fd >= 0)
				close(fd);
			(void)server_frame_check(&h, p, &why);
		}
		if (r == TR_ERR_PROTO || r == TR_ERR_SYS)
			break;
	}
	close(sv[0]);
	for (;;) {            /* the EOF path */
		struct ipc_hdr h;
		const uint8_t *p = NULL;
		r = ipc_recv(sv[1], &fz_buf, &h, &p, NULL);
		if (r != 1)
			break;
	}
	ipc_buf_clear(&fz_buf);
	close(sv[1]);
	return 0;
}
