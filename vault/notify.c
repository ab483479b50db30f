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

struct notify_child {
	pid_t pid;
	int64_t deadline_ns;
	int killed;
};

struct notify {
	char cmd[256];
	char *argv[NOTIFY_ARGS_MAX + 1];
	uint64_t timeout_ns;
	struct notify_child kids[NOTIFY_CHILDREN_MAX];
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
	for (tok = strtok_r(n->cmd, " \t", &save); tok != NULL && i < NOTIFY_ARGS_MAX;
	     tok = strtok_r(NULL, " \t", &save))
		n->argv[i++] = tok;
	n->argv[i] = NULL;
	return n;
}

void
notify_free(struct notify *n)
{
	int i;

	if (n == NULL)
		return;
	for (i = 0; i < NOTIFY_CHILDREN_MAX; i++) {
		if (n->kids[i].pid > 0) {
			kill(n->kids[i].pid, SIGKILL);
			waitpid(n->kids[i].pid, NULL, 0);
		}
	}
	free(n);
}

void
notify_mark(struct notify *n, const char *json)
{
	struct notify_child *slot = NULL;
	int p[2] = { -1, -1 }, i;
	size_t len = strlen(json);
	pid_t pid;

	syslog(LOG_AUTH | LOG_NOTICE, "threatrec: call marked as threat: %s", json);
	log_info_f("mark notification: %s", json);
	if (n == NULL || n->argv[0] == NULL)
		return;
	for (i = 0; i < NOTIFY_CHILDREN_MAX; i++)
		if (n->kids[i].pid <= 0) {
			slot = &n->kids[i];
			break;
		}
	if (slot == NULL || len > 60000) {
		n->skipped++;
		log_warn_f("notify_command skipped (%s)", slot == NULL ? "too many running" : "too large");
		return;
	}
	if (pipe2(p, O_CLOEXEC) != 0) {
		n->failed++;
		log_warn_f("notify_command: pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		dup2(p[0], 0);
		if (devnull >= 0) {
			dup2(devnull, 1);
		}
		execv(n->argv[0], n->argv);
		_exit(127);
	}
	close(p[0]);
	if (pid < 0) {
		n->failed++;
		log_warn_f("notify_command: fork: %s", strerror(errno));
		close(p[1]);
		return;
	}
	/* The JSON is far below the pipe's capacity: this write does not block. */
	if (write(p[1], json, len) != (ssize_t)len || write(p[1], "\n", 1) != 1)
		log_warn_f("notify_command: short write to stdin");
	close(p[1]);
	slot->pid = pid;
	slot->deadline_ns = (int64_t)tr_mono_ns() + (int64_t)n->timeout_ns;
	slot->killed = 0;
	n->started++;
}

void
notify_tick(struct notify *n)
{
	int64_t now = (int64_t)tr_mono_ns();
	int i, st;

	if (n == NULL)
		return;
	for (i = 0; i < NOTIFY_CHILDREN_MAX; i++) {
		struct notify_child *k = &n->kids[i];
		pid_t w;
		if (k->pid <= 0)
			continue;
		w = waitpid(k->pid, &st, WNOHANG);
		if (w == k->pid) {
			if (k->killed || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				n->failed++;
				log_warn_f("notify_command %s failed (%s %d)", n->argv[0],
				           k->killed ? "timeout, killed" : WIFEXITED(st) ? "exit" : "signal",
				           WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			}
			k->pid = 0;
		} else if (now > k->deadline_ns && !k->killed) {
			kill(k->pid, SIGKILL);
			k->killed = 1;
		}
	}
}

void
notify_counts(const struct notify *n, uint64_t *started, uint64_t *failed, uint64_t *skipped)
{
	*started = n ? n->started : 0;
	*failed = n ? n->failed : 0;
	*skipped = n ? n->skipped : 0;
}
