/* notify.c - mark notifications: syslog + an external command. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "clock.h"
#include "log.h"
#include "notify.h"

#define NOTIFY_JSON_MAX 60000   /* far below a pipe's capacity: the stdin write never blocks */
#define NOTIFY_PIPE_SZ  (1 << 20)

struct notify_child {
	pid_t pid;              /* also the process group id; 0 = free slot */
	int64_t deadline_ns;
	int killed;
	int errfd;              /* close-on-exec pipe: the child's errno if exec failed */
	int outfd;              /* its stderr */
	char line[NOTIFY_STDERR_LINE];
	size_t linelen;
	uint32_t lines;         /* stderr lines logged */
	uint64_t dropped;       /* stderr bytes not logged */
};

struct notify {
	char cmd[256];
	char *argv[NOTIFY_ARGS_MAX + 1];
	uint64_t timeout_ns;
	struct notify_child kids[NOTIFY_CHILDREN_MAX];
	char *queue[NOTIFY_QUEUE_MAX];  /* ring of waiting JSON texts, oldest at qhead */
	uint32_t qhead, qlen;
	uint64_t started, failed, skipped;
};

struct notify *
notify_new(const char *command, uint64_t timeout_ns)
{
	struct notify *n = calloc(1, sizeof *n);
	char *save = NULL, *tok;
	int i = 0;

	if (n == NULL)
		return NULL;
	snprintf(n->cmd, sizeof n->cmd, "%s", command);
	n->timeout_ns = timeout_ns;
	/* vconf.c refused more words at start; never write past argv here */
	for (tok = strtok_r(n->cmd, " \t", &save); tok != NULL && i < NOTIFY_ARGS_MAX;
	     tok = strtok_r(NULL, " \t", &save))
		n->argv[i++] = tok;
	n->argv[i] = NULL;
	for (i = 0; i < NOTIFY_CHILDREN_MAX; i++)
		n->kids[i].errfd = n->kids[i].outfd = -1;
	return n;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* One finished stderr line (cut at NOTIFY_STDERR_LINE - 1 bytes) into the
 * log, while the run's budget lasts; log_msg escapes control bytes. */
static void
out_line(struct notify *n, struct notify_child *k)
{
	k->line[k->linelen] = '\0';
	if (k->lines < NOTIFY_STDERR_LINES) {
		log_warn_f("notify_command %s [%d] stderr: %s", n->argv[0], (int)k->pid, k->line);
		k->lines++;
	} else {
		k->dropped += k->linelen + 1;
	}
	k->linelen = 0;
}

/* Reads what the child wrote to stderr so far (never blocks; at most
 * 64 x 16 KiB a call, so that a child writing without end cannot hold the
 * main loop: it waits on the full pipe until the next tick). */
static void
out_read(struct notify *n, struct notify_child *k)
{
	char buf[16384];
	ssize_t got;
	size_t i;
	int reads = 0;

	while (k->outfd >= 0 && reads++ < 64) {
		if ((got = read(k->outfd, buf, sizeof buf)) == 0) {
			close_fd(&k->outfd);    /* EOF: everyone in the group closed it */
			break;
		}
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				close_fd(&k->outfd);
			break;
		}
		for (i = 0; i < (size_t)got; i++) {
			if (k->lines >= NOTIFY_STDERR_LINES) {
				k->dropped += (size_t)got - i;
				break;
			}
			if (buf[i] == '\n')
				out_line(n, k);
			else if (k->linelen < sizeof k->line - 1)
				k->line[k->linelen++] = buf[i];
			else
				k->dropped++;
		}
	}
}

static void
child_done(struct notify *n, struct notify_child *k, int st)
{
	int e = 0;

	out_read(n, k);
	if (k->linelen > 0)
		out_line(n, k);
	if (k->dropped > 0)
		log_warn_f("notify_command %s [%d]: %llu more bytes of stderr not logged", n->argv[0],
		           (int)k->pid, (unsigned long long)k->dropped);
	if (k->errfd >= 0 && read(k->errfd, &e, sizeof e) == (ssize_t)sizeof e && e != 0) {
		n->failed++;
		log_warn_f("notify_command: cannot run %s: %s", n->argv[0], strerror(e));
	} else if (k->killed || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		n->failed++;
		log_warn_f("notify_command %s failed (%s %d)", n->argv[0],
		           k->killed ? "timeout, killed" : WIFEXITED(st) ? "exit" : "signal",
		           WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	}
	close_fd(&k->errfd);
	close_fd(&k->outfd);
	k->pid = 0;
}

/* The child: its own process group, JSON on stdin, stdout to /dev/null,
 * stderr to the vault; if exec fails, errno goes up the close-on-exec pipe. */
static void __attribute__((noreturn))
child_exec(struct notify *n, int in, int out, int errw)
{
	struct sigaction sa;
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC), e;

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);  /* the vault ignores it; exec would keep that */
	if (dup2(in, 0) < 0 || devnull < 0 || dup2(devnull, 1) < 0 || dup2(out, 2) < 0) {
		e = errno;
	} else {
		execv(n->argv[0], n->argv);
		e = errno;
	}
	if (write(errw, &e, sizeof e) < 0)
		e = 0;
	_exit(127);
}

/* Starts one run; 0, or -1 when it could not (counted, logged). */
static int
start_one(struct notify *n, struct notify_child *slot, const char *json)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, ep[2] = { -1, -1 }, r = -1;
	size_t len = strlen(json);
	const char *what = "pipe";
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0)
		goto out;
	(void)fcntl(out[0], F_SETPIPE_SZ, NOTIFY_PIPE_SZ);   /* fewer stalls of a chatty child */
	what = "fork";
	if ((pid = fork()) < 0)
		goto out;
	if (pid == 0)
		child_exec(n, in[0], out[1], ep[1]);
	setpgid(pid, pid);              /* as the child does: whichever runs first */
	if (write(in[1], json, len) != (ssize_t)len || write(in[1], "\n", 1) != 1)
		log_warn_f("notify_command: short write to stdin");
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	memset(slot, 0, sizeof *slot);
	slot->pid = pid;
	slot->deadline_ns = (int64_t)tr_mono_ns() + (int64_t)n->timeout_ns;
	slot->outfd = out[0];
	slot->errfd = ep[0];
	out[0] = ep[0] = -1;
	n->started++;
	r = 0;
out:
	if (r != 0) {
		n->failed++;
		log_warn_f("notify_command: %s: %s", what, strerror(errno));
	}
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	return r;
}

static struct notify_child *
free_slot(struct notify *n)
{
	int i;

	for (i = 0; i < NOTIFY_CHILDREN_MAX; i++)
		if (n->kids[i].pid <= 0)
			return &n->kids[i];
	return NULL;
}

/* Starts queued runs while there are free slots. */
static void
queue_run(struct notify *n)
{
	struct notify_child *slot;
	char *json;

	while (n->qlen > 0 && (slot = free_slot(n)) != NULL) {
		json = n->queue[n->qhead];
		n->queue[n->qhead] = NULL;
		n->qhead = (n->qhead + 1) % NOTIFY_QUEUE_MAX;
		n->qlen--;
		(void)start_one(n, slot, json);
		free(json);
	}
}

void
notify_free(struct notify *n)
{
	int i;

	if (n == NULL)
		return;
	for (i = 0; i < NOTIFY_CHILDREN_MAX; i++) {
		struct notify_child *k = &n->kids[i];
		if (k->pid > 0) {
			/* the group first: the leader, unreaped, keeps its id ours */
			kill(-k->pid, SIGKILL);
			kill(k->pid, SIGKILL);
			waitpid(k->pid, NULL, 0);
			log_warn_f("notify_command %s [%d] killed: the vault stops", n->argv[0], (int)k->pid);
		}
		close_fd(&k->errfd);
		close_fd(&k->outfd);
	}
	if (n->qlen > 0)
		log_warn_f("notify_command: %u queued notifications not run: the vault stops (the marks are in syslog)",
		           n->qlen);
	for (i = 0; i < NOTIFY_QUEUE_MAX; i++)
		free(n->queue[i]);
	free(n);
}

void
notify_mark(struct notify *n, const char *json)
{
	struct notify_child *slot;
	char *copy;

	syslog(LOG_AUTH | LOG_NOTICE, "threatrec: call marked as threat: %s", json);
	log_info_f("mark notification: %s", json);
	if (n == NULL || n->argv[0] == NULL)
		return;
	if (strlen(json) > NOTIFY_JSON_MAX) {
		n->skipped++;
		log_warn_f("notify_command skipped (too large)");
		return;
	}
	if (n->qlen == 0 && (slot = free_slot(n)) != NULL) {
		(void)start_one(n, slot, json);
		return;
	}
	if (n->qlen >= NOTIFY_QUEUE_MAX || (copy = strdup(json)) == NULL) {
		n->skipped++;
		log_warn_f("notify_command skipped (%s: %d running, %u waiting)",
		           n->qlen >= NOTIFY_QUEUE_MAX ? "queue full" : "out of memory",
		           NOTIFY_CHILDREN_MAX, n->qlen);
		return;
	}
	n->queue[(n->qhead + n->qlen) % NOTIFY_QUEUE_MAX] = copy;
	n->qlen++;
	log_info_f("notify_command queued (%d running, %u waiting)", NOTIFY_CHILDREN_MAX, n->qlen);
}

void
notify_tick(struct notify *n)
{
	int64_t now = (int64_t)tr_mono_ns();
	siginfo_t si;
	int i, st;

	if (n == NULL)
		return;
	for (i = 0; i < NOTIFY_CHILDREN_MAX; i++) {
		struct notify_child *k = &n->kids[i];
		if (k->pid <= 0)
			continue;
		out_read(n, k);
		/* exited? look without reaping: while the leader is a zombie its
		 * id cannot be reused, so killing the group cannot hit strangers */
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)k->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD) {
			log_warn_f("notify_command %s [%d]: no longer our child", n->argv[0], (int)k->pid);
			close_fd(&k->errfd);
			close_fd(&k->outfd);
			k->pid = 0;             /* never signal an id that may be reused */
		} else if (si.si_pid == k->pid) {
			kill(-k->pid, SIGKILL);         /* what it left behind in its group */
			if (waitpid(k->pid, &st, 0) == k->pid)   /* else again at the next tick */
				child_done(n, k, st);
		} else if (now > k->deadline_ns && !k->killed) {
			kill(-k->pid, SIGKILL);
			kill(k->pid, SIGKILL);          /* should it have left the group */
			k->killed = 1;
		}
	}
	queue_run(n);
}

void
notify_counts(const struct notify *n, uint64_t *started, uint64_t *failed, uint64_t *skipped)
{
	*started = n ? n->started : 0;
	*failed = n ? n->failed : 0;
	*skipped = n ? n->skipped : 0;
}

uint32_t
notify_queued(const struct notify *n)
{
	return n ? n->qlen : 0;
}
