/* vclient.c - test client of the vault's IPC (tests/vault/run.sh):
 *   vclient SOCK login USER PASS [REMOTE]
 *   vclient SOCK session|logout|status|users TOKEN
 *   vclient SOCK audit TOKEN [ACTION]
 *   vclient SOCK loginflood USER PASS REMOTE SECONDS   (prints "ok N throttled N failed N")
 *   vclient SOCK mark TOKEN SLOT GEN CALLID [NOTE]
 *   vclient SOCK stop|get TOKEN ID
 *   vclient SOCK list TOKEN [caller=X] [callee=X] [agent=X] [marked_by=X] [q=X] [from=S] [to=S]
 *   vclient SOCK export TOKEN ID wav|pcap OUTFILE [play]
 *   vclient SOCK useradd TOKEN USER PASS ROLE_ID [EXT]
 *   vclient SOCK approve TOKEN USER
 *   vclient SOCK raw TYPE LEN          (LEN zero bytes: protocol-error tests)
 *   vclient SOCK badlen                (header claims a payload > IPC_PAYLOAD_MAX)
 *   vclient SOCK nonul TOKEN           (IPC_STATUS whose token has no NUL)
 * Prints the reply JSON (OK), "FD <descriptor>" (FD), "ERR <http> <msg>"
 * (ERR) or "CLOSED" (the vault closed the connection). Exit 0 for OK/FD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "common/ipc.h"
#include "common/err.h"

static int
connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		perror(path);
		exit(3);
	}
	return fd;
}

static void
tok(struct ipc_token *t, const char *token)
{
	snprintf(t->token, sizeof t->token, "%s", token);
	snprintf(t->remote, sizeof t->remote, "127.0.0.1");
}

static int
roundtrip(int fd, uint32_t type, const void *p, size_t n, const char *outfile)
{
	static struct ipc_buf b;
	struct ipc_hdr h;
	const uint8_t *pl = NULL;
	int rfd = -1, r;

	ipc_buf_init(&b);
	if (ipc_send(fd, type, 7, p, n, -1) != 0) {
		printf("CLOSED\n");
		return 1;
	}
	r = ipc_recv(fd, &b, &h, &pl, &rfd);
	if (r != 1) {
		printf("CLOSED\n");
		return 1;
	}
	if (h.id != 7) {
		printf("BADID\n");
		return 1;
	}
	if (h.type == IPC_R_OK) {
		printf("%.*s\n", (int)h.len, (const char *)pl);
		return 0;
	}
	if (h.type == IPC_R_FD) {
		printf("FD %.*s\n", (int)h.len, (const char *)pl);
		if (rfd >= 0 && outfile != NULL) {
			FILE *f = fopen(outfile, "wb");
			char buf[65536];
			ssize_t k;
			while (f && (k = read(rfd, buf, sizeof buf)) > 0)
				fwrite(buf, 1, (size_t)k, f);
			if (f)
				fclose(f);
		}
		if (rfd >= 0 && outfile == NULL) {       /* a large JSON reply: print it */
			char buf[65536];
			ssize_t k;
			while ((k = read(rfd, buf, sizeof buf)) > 0)
				fwrite(buf, 1, (size_t)k, stdout);
			printf("\n");
		}
		if (rfd >= 0)
			close(rfd);
		return 0;
	}
	if (h.type == IPC_R_ERR && h.len == sizeof(struct ipc_err)) {
		struct ipc_err e;
		memcpy(&e, pl, sizeof e);
		e.msg[sizeof e.msg - 1] = '\0';
		printf("ERR %u %s\n", e.http_status, e.msg);
		return 1;
	}
	printf("BADREPLY %u\n", h.type);
	return 1;
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int fd;

	if (argc < 3)
		return 2;
	fd = connect_to(argv[1]);
	cmd = argv[2];
	if (!strcmp(cmd, "login") && argc >= 5) {
		struct ipc_login m;
		memset(&m, 0, sizeof m);
		snprintf(m.user, sizeof m.user, "%s", argv[3]);
		snprintf(m.pass, sizeof m.pass, "%s", argv[4]);
		snprintf(m.remote, sizeof m.remote, "%s", argc > 5 ? argv[5] : "127.0.0.1");
		return roundtrip(fd, IPC_LOGIN, &m, sizeof m, NULL);
	}
	if ((!strcmp(cmd, "session") || !strcmp(cmd, "logout") || !strcmp(cmd, "status") ||
	     !strcmp(cmd, "users")) && argc >= 4) {
		struct ipc_token t;
		memset(&t, 0, sizeof t);
		tok(&t, argv[3]);
		return roundtrip(fd, !strcmp(cmd, "session") ? IPC_SESSION : !strcmp(cmd, "logout") ? IPC_LOGOUT :
		                 !strcmp(cmd, "status") ? IPC_STATUS : IPC_USER_LIST, &t, sizeof t, NULL);
	}
	if (!strcmp(cmd, "audit") && argc >= 4) {
		struct ipc_page m;
		memset(&m, 0, sizeof m);
		tok(&m.t, argv[3]);
		m.limit = 500;
		if (argc > 4)
			snprintf(m.action, sizeof m.action, "%s", argv[4]);
		return roundtrip(fd, IPC_AUDIT_LIST, &m, sizeof m, NULL);
	}
	if (!strcmp(cmd, "mark") && argc >= 7) {
		struct ipc_mark m;
		memset(&m, 0, sizeof m);
		tok(&m.t, argv[3]);
		m.slot = (uint32_t)strtoul(argv[4], NULL, 0);
		m.gen = (uint32_t)strtoul(argv[5], NULL, 0);
		snprintf(m.call_id, sizeof m.call_id, "%s", argv[6]);
		snprintf(m.note, sizeof m.note, "%s", argc > 7 ? argv[7] : "");
		return roundtrip(fd, IPC_MARK, &m, sizeof m, NULL);
	}
	if ((!strcmp(cmd, "stop") || !strcmp(cmd, "get")) && argc >= 5) {
		struct ipc_rec m;
		memset(&m, 0, sizeof m);
		tok(&m.t, argv[3]);
		snprintf(m.id, sizeof m.id, "%s", argv[4]);
		return roundtrip(fd, !strcmp(cmd, "stop") ? IPC_STOP : IPC_REC_GET, &m, sizeof m, NULL);
	}
	if (!strcmp(cmd, "list") && argc >= 4) {
		struct ipc_query m;
		int i;
		memset(&m, 0, sizeof m);
		tok(&m.t, argv[3]);
		for (i = 4; i < argc; i++) {
			const char *v = strchr(argv[i], '=');
			if (!v) continue;
			v++;
			if (!strncmp(argv[i], "caller=", 7)) snprintf(m.caller, sizeof m.caller, "%s", v);
			if (!strncmp(argv[i], "callee=", 7)) snprintf(m.callee, sizeof m.callee, "%s", v);
			if (!strncmp(argv[i], "agent=", 6)) snprintf(m.agent, sizeof m.agent, "%s", v);
			if (!strncmp(argv[i], "marked_by=", 10)) snprintf(m.marked_by, sizeof m.marked_by, "%s", v);
			if (!strncmp(argv[i], "q=", 2)) snprintf(m.q, sizeof m.q, "%s", v);
			if (!strncmp(argv[i], "from=", 5)) m.from = strtoll(v, NULL, 10);
			if (!strncmp(argv[i], "to=", 3)) m.to = strtoll(v, NULL, 10);
		}
		return roundtrip(fd, IPC_REC_LIST, &m, sizeof m, NULL);
	}
	if (!strcmp(cmd, "export") && argc >= 7) {
		struct ipc_export m;
		memset(&m, 0, sizeof m);
		tok(&m.t, argv[3]);
		snprintf(m.id, sizeof m.id, "%s", argv[4]);
		m.kind = !strcmp(argv[5], "wav") ? IPC_EXPORT_WAV : !strcmp(argv[5], "pcap") ? IPC_EXPORT_PCAP :
		         IPC_EXPORT_EVIDENCE;
		m.playback = argc > 7 && !strcmp(argv[7], "play") ? 1 : 0;
		return roundtrip(fd, IPC_REC_EXPORT, &m, sizeof m, argv[6]);
	}
	if (!strcmp(cmd, "useradd") && argc >= 7) {
		struct ipc_user m;
		memset(&m, 0, sizeof m);
		tok(&m.t, argv[3]);
		snprintf(m.user, sizeof m.user, "%s", argv[4]);
		snprintf(m.pass, sizeof m.pass, "%s", argv[5]);
		m.role = (uint32_t)strtoul(argv[6], NULL, 0);
		snprintf(m.extension, sizeof m.extension, "%s", argc > 7 ? argv[7] : "");
		return roundtrip(fd, IPC_USER_ADD, &m, sizeof m, NULL);
	}
	if ((!strcmp(cmd, "approve") || !strcmp(cmd, "disable") || !strcmp(cmd, "enable")) && argc >= 5) {
		struct ipc_user m;
		memset(&m, 0, sizeof m);
		tok(&m.t, argv[3]);
		snprintf(m.user, sizeof m.user, "%s", argv[4]);
		return roundtrip(fd, !strcmp(cmd, "approve") ? IPC_USER_APPROVE : !strcmp(cmd, "disable") ?
		                 IPC_USER_DISABLE : IPC_USER_ENABLE, &m, sizeof m, NULL);
	}
	if (!strcmp(cmd, "passwd") && argc >= 6) {
		struct ipc_passwd m;
		memset(&m, 0, sizeof m);
		tok(&m.t, argv[3]);
		snprintf(m.old, sizeof m.old, "%s", argv[4]);
		snprintf(m.pass, sizeof m.pass, "%s", argv[5]);
		return roundtrip(fd, IPC_PASSWD, &m, sizeof m, NULL);
	}
	if (!strcmp(cmd, "raw") && argc >= 5) {
		static uint8_t zero[IPC_PAYLOAD_MAX];
		return roundtrip(fd, (uint32_t)strtoul(argv[3], NULL, 0), zero,
		                 (size_t)strtoul(argv[4], NULL, 0), NULL);
	}
	if (!strcmp(cmd, "loginflood") && argc >= 7) {
		/* one connection per attempt, like the web UI, for SECONDS */
		struct ipc_login m;
		struct timespec t0, t1;
		long n_ok = 0, n_thr = 0, n_fail = 0;
		close(fd);
		memset(&m, 0, sizeof m);
		snprintf(m.user, sizeof m.user, "%s", argv[3]);
		snprintf(m.pass, sizeof m.pass, "%s", argv[4]);
		snprintf(m.remote, sizeof m.remote, "%s", argv[5]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			static struct ipc_buf b;
			struct ipc_hdr h;
			const uint8_t *pl = NULL;
			int c = connect_to(argv[1]), rfd = -1;
			ipc_buf_init(&b);
			if (ipc_send(c, IPC_LOGIN, 7, &m, sizeof m, -1) == 0 &&
			    ipc_recv(c, &b, &h, &pl, &rfd) == 1) {
				struct ipc_err e;
				if (h.type == IPC_R_OK)
					n_ok++;
				else if (h.type == IPC_R_ERR && h.len == sizeof e) {
					memcpy(&e, pl, sizeof e);
					if (e.http_status == 429) n_thr++; else n_fail++;
				}
			}
			close(c);
			clock_gettime(CLOCK_MONOTONIC, &t1);
		} while ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 < atof(argv[6]));
		printf("ok %ld throttled %ld failed %ld\n", n_ok, n_thr, n_fail);
		return 0;
	}
	if (!strcmp(cmd, "badlen")) {
		struct ipc_hdr h = { IPC_STATUS, IPC_PAYLOAD_MAX + 1, 7, 0 };
		char c;
		if (write(fd, &h, sizeof h) != sizeof h)
			return 1;
		printf("%s\n", read(fd, &c, 1) == 0 ? "CLOSED" : "OPEN");
		return 0;
	}
	if (!strcmp(cmd, "nonul") && argc >= 4) {
		struct ipc_token t;
		memset(&t, 'a', sizeof t);
		return roundtrip(fd, IPC_STATUS, &t, sizeof t, NULL);
	}
	fprintf(stderr, "bad command\n");
	return 2;
}
