/* log.c - logging to stderr or syslog. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <syslog.h>
#include "log.h"
#include "utf8.h"

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

/* Length (2..4) of the well-formed UTF-8 sequence at p, 0 when it is not
 * one, or when it encodes a C1 control (U+0080..U+009F, which some
 * terminals act on). Stops at the first bad byte: never reads past a NUL. */
static size_t
log_utf8_len(const unsigned char *p)
{
	size_t k = utf8_char_len(p, 4);

	if (k < 2 || (k == 2 && p[0] == 0xc2 && p[1] <= 0x9f))
		return 0;
	return k;
}

size_t
log_escape(char *dst, size_t n, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0, k;

	if (n == 0)
		return 0;
	while (*p != '\0') {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			if (o + 1 >= n)
				break;
			dst[o++] = (char)*p++;
		} else if (*p == '\\') {
			if (o + 2 >= n)
				break;
			dst[o++] = '\\';
			dst[o++] = '\\';
			p++;
		} else if (*p >= 0x80 && (k = log_utf8_len(p)) != 0) {
			if (o + k >= n)
				break;
			memcpy(dst + o, p, k);
			o += k;
			p += k;
		} else {
			if (o + 4 >= n)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*p >> 4];
			dst[o++] = hex[*p & 15];
			p++;
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
