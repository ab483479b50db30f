/* notify.h - tells the security desk about a mark: a syslog line (LOG_AUTH
 * notice) and, when configured, notify_command run asynchronously with the
 * mark's call-index data as JSON on stdin. The command line is split on
 * blanks and run with execv (no shell: nothing from the call can reach a
 * shell); use a wrapper script for pipes. vconf.c checks at start that the
 * program is an absolute path to an executable regular file and that there
 * are at most NOTIFY_ARGS_MAX words.
 *
 * Each run is its own process group: it gets notify_timeout, then the whole
 * group gets SIGKILL; when the command exits, whatever it left in its group
 * is killed too, and so is every group still running when the vault stops.
 * At most NOTIFY_CHILDREN_MAX run at once; further marks wait in a queue of
 * NOTIFY_QUEUE_MAX (oldest first) and start as runs finish; a mark that finds
 * the queue full is logged and counted as skipped. stdout goes to /dev/null;
 * stderr comes back through a pipe, and at most NOTIFY_STDERR_LINES lines
 * of at most NOTIFY_STDERR_LINE bytes per run are logged (the rest counted,
 * not logged). An exec failure is logged with its reason ("cannot run X:
 * No such file or directory"). A failure never blocks the seal.
 */
#ifndef TR_NOTIFY_H
#define TR_NOTIFY_H

#include <stdint.h>
#include <sys/types.h>

#define NOTIFY_CHILDREN_MAX 16
#define NOTIFY_ARGS_MAX     16     /* words: the program and 15 arguments */
#define NOTIFY_QUEUE_MAX    256
#define NOTIFY_STDERR_LINES 10
#define NOTIFY_STDERR_LINE  256

struct notify;

/* command may be "" (syslog only). Borrowed strings are copied. */
struct notify *notify_new(const char *command, uint64_t timeout_ns);
void notify_free(struct notify *);      /* NULL-safe; kills the groups still running */
/* Logs and starts the command with json on stdin, or queues it when
 * NOTIFY_CHILDREN_MAX run. Never blocks on the child. */
void notify_mark(struct notify *, const char *json);
/* Reaps finished children, kills overdue groups, logs their stderr, starts
 * queued runs. Call from the main loop. */
void notify_tick(struct notify *);
/* Counters for status: commands started, failed (non-zero exit, timeout,
 * exec error), skipped (not run: the queue was full, or the JSON too large). */
void notify_counts(const struct notify *, uint64_t *started, uint64_t *failed, uint64_t *skipped);
/* Marks waiting in the queue now. */
uint32_t notify_queued(const struct notify *);

#endif
