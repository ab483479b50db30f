/* log.c - logging to stderr or syslog. */
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

static void
log_v(enum log_level lvl, const char *func, const char *fmt, va_list ap)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char buf[1024];

	if (lvl > log_st.lvl)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	if (log_st.use_syslog)
		syslog(prio[lvl], "%s: %s", func, buf);
	else
		fprintf(stderr, "%s: %s: %s: %s\n", log_st.prog, names[lvl], func, buf);
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
