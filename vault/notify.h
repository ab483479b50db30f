/* notify.h - tells the security desk about a mark: a syslog line (LOG_AUTH
 * notice) and, when configured, notify_command run asynchronously with the
 * mark's call-index data as JSON on stdin. The command line is split on
 * blanks and run with execv (no shell: nothing from the call can reach a
 * shell); use a wrapper script for pipes. It gets notify_timeout, then
 * SIGKILL; its failure is logged and never blocks the seal.
 */
#ifndef TR_NOTIFY_H
#define TR_NOTIFY_H

#include <stdint.h>
#include <sys/types.h>

#define NOTIFY_CHILDREN_MAX 16
#define NOTIFY_ARGS_MAX     16

struct notify;

/* command may be "" (syslog only). Borrowed strings are copied. */
struct notify *notify_new(const char *command, uint64_t timeout_ns);
void notify_free(struct notify *);      /* NULL-safe; kills children still running */
/* Logs and starts the command with json on stdin. Never blocks on the child. */
void notify_mark(struct notify *, const char *json);
/* Reaps finished children, kills overdue ones. Call from the main loop. */
void notify_tick(struct notify *);
/* Counters for status: commands started, failed (non-zero exit, timeout, exec error), skipped (limit). */
void notify_counts(const struct notify *, uint64_t *started, uint64_t *failed, uint64_t *skipped);

#endif
