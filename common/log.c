/* log.c - logging to stderr or syslog. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include "log.h"

struct log_state {
	const char *prog;
	enum log_level lvl;
	int use_syslog;
};
static struct log_state log_st = { "threatrec", LOG_LVL_INFO, 0 };

void
log_init(const char *prog, enum log_level lvl, int use_syslog)
{
	log_st.prog = prog;
	log_st.lvl = lvl;
	log_st.use_syslog = use_syslog;
	if (use_syslog)
		openlog(prog, LOG_PID, LOG_DAEMON);
}

size_t
log_escape(char *dst, size_t n, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	const unsigned char *p;

	if (n == 0)
		return 0;
	for (p = (const unsigned char *)src; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\') {
			if (o + 4 >= n)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*p >> 4];
			dst[o++] = hex[*p & 15];
		} else {
			if (o + 1 >= n)
				break;
			dst[o++] = (char)*p;
		}
	}
	dst[o] = '\0';
	return o;
}

static void
log_v(enum log_level lvl, const char *func, const char *fmt, va_list ap)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char buf[1024], safe[4 * sizeof buf];

	if (lvl > log_st.lvl)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	/* Messages carry text from the wire (Call-IDs, numbers, user names):
	 * one message, one line, no terminal control sequences. */
	log_escape(safe, sizeof safe, buf);
	if (log_st.use_syslog)
		syslog(prio[lvl], "%s: %s", func, safe);
	else
		fprintf(stderr, "%s: %s: %s: %s\n", log_st.prog, names[lvl], func, safe);
}

void
log_msg(enum log_level lvl, const char *func, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(lvl, func, fmt, ap);
	va_end(ap);
}

void
log_fatal(const char *func, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(LOG_LVL_ERR, func, fmt, ap);
	va_end(ap);
	exit(1);
}
