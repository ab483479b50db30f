/* test_ipc.c - common/ipc.c framing: round trip, fd passing, short reads,
 * non-blocking reads, oversize/flags headers, EOF inside a frame, two fds. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "ipc.h"
#include "err.h"
#include "vault/server.h"
#include "test.h"

static struct ipc_buf b;

static void
pair(int sv[2], int nonblock)
{
	socketpair(AF_UNIX, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0, sv);
}

static void
test_roundtrip(void)
{
	int sv[2], fd = -1;
	struct ipc_hdr h;
	const uint8_t *p = NULL;
	struct ipc_mark m;

	TEST_START("round trip of a request and an empty reply");
	pair(sv, 0);
	ipc_buf_init(&b);
	memset(&m, 0, sizeof m);
	strcpy(m.call_id, "abc@host");
	m.slot = 5; m.gen = 9;
	ASSERT_INT_EQ(ipc_send(sv[0], IPC_MARK, 42, &m, sizeof m, -1), 0);
	ASSERT_INT_EQ(ipc_send(sv[0], IPC_R_OK, 43, NULL, 0, -1), 0);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), 1);
	ASSERT_INT_EQ(h.type, IPC_MARK);
	ASSERT_INT_EQ(h.id, 42);
	ASSERT_INT_EQ(h.len, sizeof m);
	ASSERT_INT_EQ(fd, -1);
	ASSERT_MEM_EQ(p, &m, sizeof m);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), 1);
	ASSERT_INT_EQ(h.type, IPC_R_OK);
	ASSERT_INT_EQ(h.len, 0);
	close(sv[0]);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), 0);    /* clean EOF */
	close(sv[1]);
	TEST_DONE();
}

static void
test_fd(void)
{
	int sv[2], fd = -1, p2[2];
	struct ipc_hdr h;
	const uint8_t *p = NULL;
	char c = 0;

	TEST_START("a file descriptor rides with the frame");
	pair(sv, 0);
	ipc_buf_init(&b);
	ASSERT_INT_EQ(pipe(p2), 0);
	ASSERT_INT_EQ(write(p2[1], "Z", 1), 1);
	ASSERT_INT_EQ(ipc_send(sv[0], IPC_R_FD, 1, "{}", 2, p2[0]), 0);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), 1);
	ASSERT_INT_EQ(h.type, IPC_R_FD);
	ASSERT_TRUE(fd >= 0 && fd != p2[0]);
	ASSERT_INT_EQ(read(fd, &c, 1), 1);
	ASSERT_INT_EQ(c, 'Z');
	close(fd);
	close(p2[0]); close(p2[1]); close(sv[0]); close(sv[1]);
	TEST_DONE();
}

static void
test_short_reads(void)
{
	int sv[2], fd = -1, r;
	struct ipc_hdr h = { IPC_STATUS, 5, 3, 0 };
	const uint8_t *p = NULL;
	uint8_t frame[IPC_HDR_LEN + 5];
	size_t i;

	TEST_START("a frame arriving byte by byte on a non-blocking socket");
	pair(sv, 1);
	ipc_buf_init(&b);
	memcpy(frame, &h, IPC_HDR_LEN);
	memcpy(frame + IPC_HDR_LEN, "hello", 5);
	for (i = 0; i < sizeof frame; i++) {
		ASSERT_INT_EQ(write(sv[0], frame + i, 1), 1);
		r = ipc_recv(sv[1], &b, &h, &p, &fd);
		ASSERT_INT_EQ(r, i + 1 < sizeof frame ? TR_ERR_AGAIN : 1);
	}
	ASSERT_INT_EQ(h.len, 5);
	ASSERT_MEM_EQ(p, "hello", 5);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), TR_ERR_AGAIN);
	close(sv[0]); close(sv[1]);
	TEST_DONE();
}

static void
test_bad_headers(void)
{
	int sv[2], fd = -1;
	struct ipc_hdr h;
	const uint8_t *p = NULL;

	TEST_START("length over IPC_PAYLOAD_MAX, flags set, EOF inside a frame");
	pair(sv, 0);
	ipc_buf_init(&b);
	h = (struct ipc_hdr){ IPC_STATUS, IPC_PAYLOAD_MAX + 1, 1, 0 };
	ASSERT_INT_EQ(write(sv[0], &h, sizeof h), sizeof h);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), TR_ERR_PROTO);
	close(sv[0]); close(sv[1]);

	pair(sv, 0);
	ipc_buf_init(&b);
	h = (struct ipc_hdr){ IPC_STATUS, 0, 1, 1 };
	ASSERT_INT_EQ(write(sv[0], &h, sizeof h), sizeof h);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), TR_ERR_PROTO);
	close(sv[0]); close(sv[1]);

	pair(sv, 0);
	ipc_buf_init(&b);
	h = (struct ipc_hdr){ IPC_STATUS, 100, 1, 0 };
	ASSERT_INT_EQ(write(sv[0], &h, sizeof h), sizeof h);
	ASSERT_INT_EQ(write(sv[0], "abc", 3), 3);
	close(sv[0]);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), TR_ERR_PROTO);   /* truncated */
	close(sv[1]);

	pair(sv, 0);
	ipc_buf_init(&b);
	ASSERT_INT_EQ(write(sv[0], "0123456", 7), 7);                   /* half a header */
	close(sv[0]);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), TR_ERR_PROTO);
	close(sv[1]);
	TEST_DONE();
}

static void
test_send_limits(void)
{
	static uint8_t big[IPC_PAYLOAD_MAX + 1];
	int sv[2];

	TEST_START("ipc_send refuses an oversize payload");
	pair(sv, 0);
	ASSERT_INT_EQ(ipc_send(sv[0], IPC_R_OK, 1, big, sizeof big, -1), TR_ERR_INVAL);
	ASSERT_INT_EQ(ipc_send(sv[0], IPC_R_OK, 1, big, IPC_PAYLOAD_MAX, -1), 0);
	close(sv[0]); close(sv[1]);
	TEST_DONE();
}

static void
test_two_fds(void)
{
	int sv[2], fd = -1, p2[2];
	struct ipc_hdr h = { IPC_STATUS, 0, 1, 0 };
	const uint8_t *p = NULL;
	struct msghdr msg;
	struct iovec iov = { &h, sizeof h };
	union { char buf[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr a; } cm;
	struct cmsghdr *c;

	TEST_START("two fds with one frame are a protocol error (both closed)");
	pair(sv, 0);
	ipc_buf_init(&b);
	ASSERT_INT_EQ(pipe(p2), 0);
	memset(&msg, 0, sizeof msg);
	memset(&cm, 0, sizeof cm);
	msg.msg_iov = &iov; msg.msg_iovlen = 1;
	msg.msg_control = cm.buf; msg.msg_controllen = sizeof cm.buf;
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(c), p2, 2 * sizeof(int));
	ASSERT_INT_EQ(sendmsg(sv[0], &msg, 0), sizeof h);
	ASSERT_INT_EQ(ipc_recv(sv[1], &b, &h, &p, &fd), TR_ERR_PROTO);
	ipc_buf_clear(&b);
	close(p2[0]); close(p2[1]); close(sv[0]); close(sv[1]);
	TEST_DONE();
}

static void
test_helpers(void)
{
	char a[4] = { 'a', 'b', 'c', 'd' };
	struct ipc_hdr h = { IPC_MARK, 10, 0, 0 };

	TEST_START("ipc_str_ok, ipc_hdr_check, ipc_type_name, struct sizes");
	ASSERT_TRUE(!ipc_str_ok(a, sizeof a));
	a[3] = 0;
	ASSERT_TRUE(ipc_str_ok(a, sizeof a));
	ASSERT_INT_EQ(ipc_hdr_check(&h), 0);
	h.len = IPC_PAYLOAD_MAX + 1;
	ASSERT_INT_EQ(ipc_hdr_check(&h), TR_ERR_PROTO);
	ASSERT_STR_EQ(ipc_type_name(IPC_MARK), "IPC_MARK");
	ASSERT_STR_EQ(ipc_type_name(9999), "unknown");
	ASSERT_INT_EQ(sizeof(struct ipc_hdr), IPC_HDR_LEN);
	ASSERT_INT_EQ(sizeof(struct ipc_token), 128);
	ASSERT_INT_EQ(sizeof(struct ipc_err), 256);
	ASSERT_TRUE(sizeof(struct ipc_query) <= IPC_PAYLOAD_MAX);
	TEST_DONE();
}

static void
test_rules(void)
{
	static uint8_t buf[IPC_PAYLOAD_MAX];
	struct ipc_hdr h;
	struct ipc_token t;
	struct ipc_mark m;
	const char *why = NULL;

	TEST_START("the vault's rule table: exact size, known type, NUL in every string");
	memset(&t, 0, sizeof t);
	memset(&m, 0, sizeof m);
	h = (struct ipc_hdr){ IPC_STATUS, sizeof t, 1, 0 };
	ASSERT_INT_EQ(server_frame_check(&h, (const uint8_t *)&t, &why), 0);
	h.len = sizeof t - 1;
	ASSERT_INT_EQ(server_frame_check(&h, buf, &why), TR_ERR_PROTO);
	ASSERT_STR_EQ(why, "wrong size for the type");
	h.len = sizeof t + 1;
	ASSERT_INT_EQ(server_frame_check(&h, buf, &why), TR_ERR_PROTO);
	h = (struct ipc_hdr){ 77, 0, 1, 0 };
	ASSERT_INT_EQ(server_frame_check(&h, buf, &why), TR_ERR_PROTO);
	ASSERT_STR_EQ(why, "unknown message type");
	h = (struct ipc_hdr){ IPC_R_OK, 0, 1, 0 };                /* a reply is no request */
	ASSERT_INT_EQ(server_frame_check(&h, buf, &why), TR_ERR_PROTO);
	h = (struct ipc_hdr){ IPC_MARK, sizeof m, 1, 0 };
	ASSERT_INT_EQ(server_frame_check(&h, (const uint8_t *)&m, &why), 0);
	memset(m.note, 'x', sizeof m.note);                      /* note without NUL */
	ASSERT_INT_EQ(server_frame_check(&h, (const uint8_t *)&m, &why), TR_ERR_PROTO);
	ASSERT_STR_EQ(why, "string without NUL");
	memset(&m, 0, sizeof m);
	memset(m.t.remote, 'r', sizeof m.t.remote);
	ASSERT_INT_EQ(server_frame_check(&h, (const uint8_t *)&m, &why), TR_ERR_PROTO);
	TEST_DONE();
}

static void
test_name_ok(void)
{
	TEST_START("ipc_name_ok: the vault's user-name alphabet and length");
	ASSERT_TRUE(ipc_name_ok("alice", 64));
	ASSERT_TRUE(ipc_name_ok("a.b_c-d@e+f*g#h0", 64));
	ASSERT_TRUE(!ipc_name_ok("", 64));
	ASSERT_TRUE(!ipc_name_ok("bo b", 64));
	ASSERT_TRUE(!ipc_name_ok("a/b", 64));
	ASSERT_TRUE(!ipc_name_ok("tab\tname", 64));
	ASSERT_TRUE(!ipc_name_ok("\xc3\xa9", 64));
	ASSERT_TRUE(ipc_name_ok("1234", 5));
	ASSERT_TRUE(!ipc_name_ok("12345", 5));
	TEST_DONE();
}

int
main(void)
{
	test_roundtrip();
	test_fd();
	test_short_reads();
	test_bad_headers();
	test_send_limits();
	test_two_fds();
	test_helpers();
	test_rules();
	test_name_ok();
	return TEST_EXIT();
}
