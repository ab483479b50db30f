/* log.h - logging to stderr (or syslog), with the calling function's name. */
#ifndef TR_LOG_H
#define TR_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Sets the program name, the level and whether lines go to syslog. */
void log_init(const char *prog, enum log_level lvl, int use_syslog);
void log_msg(enum log_level, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Logs and exits(1): only for startup, config and IPC protocol errors. */
void log_fatal(const char *func, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Copies src to dst (n bytes, always terminated) so that it prints as one
 * harmless line: a backslash is doubled; every control byte (below 0x20,
 * and 0x7f), C1 control (U+0080..U+009F) and byte that is not part of
 * well-formed UTF-8 becomes a backslash, 'x' and two hex digits; other
 * UTF-8 is kept. Stops early
 * rather than cut an escape or a character. Returns the length written.
 * Every log line and every audit syslog line goes through it. */
size_t log_escape(char *dst, size_t n, const char *src);

#define log_err_f(...)   log_msg(LOG_LVL_ERR, __func__, __VA_ARGS__)
#define log_warn_f(...)  log_msg(LOG_LVL_WARN, __func__, __VA_ARGS__)
#define log_info_f(...)  log_msg(LOG_LVL_INFO, __func__, __VA_ARGS__)
#define log_debug_f(...) log_msg(LOG_LVL_DEBUG, __func__, __VA_ARGS__)
#define fatal_f(...)     log_fatal(__func__, __VA_ARGS__)
/* fatal with a TR_ERR_* code appended */
#define fatal_fr(r, fmt, ...) log_fatal(__func__, fmt ": %s", ##__VA_ARGS__, tr_strerror(r))

#endif
