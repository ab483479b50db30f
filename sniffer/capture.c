/* capture.c - libpcap input: live (TPACKET_V3 via libpcap) or file, paced. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pcap/pcap.h>

#include "clock.h"
#include "capture.h"
#include "err.h"
#include "log.h"

struct capture {
	struct capture_conf conf;
	pcap_t  *p;
	int      dlt;
	int      live;
	int      truncated;
	int      nsec;             /* the handle delivers nanosecond stamps */
	uint64_t drops;
	char     errbuf[PCAP_ERRBUF_SIZE];
};

pcap_t *
capture_open_offline(const char *path, char *errbuf)
{
	pcap_t *p;
	FILE *f;

	if (strcmp(path, "-") == 0)
		f = stdin;                   /* as pcap_open_offline: "-" is stdin */
	else if ((f = fopen(path, "rbe")) == NULL) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return NULL;
	}
	/* Only this thread reads the file: no stdio lock per fread. The lock's
	 * "lock cmpxchg" (two per packet in libpcap's reader) waits for every
	 * pending store, and the engine's stores go to the ring. */
	(void)__fsetlocking(f, FSETLOCKING_BYCALLER);
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL && f != stdin)
		fclose(f);                   /* on failure libpcap leaves it to us */
	return p;
}

static int
capture_open_file(struct capture *c, char *err, size_t errlen)
{
	if ((c->p = capture_open_offline(c->conf.file, c->errbuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", c->conf.file, c->errbuf);
		return TR_ERR_SYS;
	}
	c->nsec = 1;
	return 0;
}

static int
capture_open_live(struct capture *c, char *err, size_t errlen)
{
	int rv;

	if ((c->p = pcap_create(c->conf.iface, c->errbuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", c->conf.iface, c->errbuf);
		return TR_ERR_SYS;
	}
	pcap_set_snaplen(c->p, (int)c->conf.snaplen);
	pcap_set_promisc(c->p, c->conf.promisc);
	pcap_set_timeout(c->p, 100);
	pcap_set_buffer_size(c->p, (int)(c->conf.buffer_size > 0x7fffffff ? 0x7fffffff :
	    c->conf.buffer_size));
	if (pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO) == 0)
		c->nsec = 1;
	if ((rv = pcap_activate(c->p)) < 0) {
		snprintf(err, errlen, "%s: %s", c->conf.iface, pcap_geterr(c->p));
		return TR_ERR_SYS;
	}
	if (rv > 0)
		log_warn_f("%s: %s", c->conf.iface, pcap_statustostr(rv));
	if (pcap_setnonblock(c->p, 1, c->errbuf) != 0)
		log_warn_f("%s: nonblock: %s", c->conf.iface, c->errbuf);
	c->live = 1;
	return 0;
}

int
capture_open(const struct capture_conf *conf, struct capture **capp, char *err, size_t errlen)
{
	struct capture *c = NULL;
	struct bpf_program prog;
	int rv = TR_ERR_NOMEM;

	*capp = NULL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		goto out;
	c->conf = *conf;
	if (c->conf.snaplen == 0)
		c->conf.snaplen = 65535;
	if (c->conf.buffer_size == 0)
		c->conf.buffer_size = 64ULL << 20;
	rv = TR_ERR_CONFIG;
	if ((conf->iface == NULL) == (conf->file == NULL)) {
		snprintf(err, errlen, "give exactly one of an interface or a capture file");
		goto out;
	}
	rv = conf->file ? capture_open_file(c, err, errlen) : capture_open_live(c, err, errlen);
	if (rv != 0)
		goto out;
	if (conf->filter != NULL && conf->filter[0] != '\0') {
		rv = TR_ERR_CONFIG;
		if (pcap_compile(c->p, &prog, conf->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "filter \"%s\": %s", conf->filter, pcap_geterr(c->p));
			goto out;
		}
		if (pcap_setfilter(c->p, &prog) != 0) {
			snprintf(err, errlen, "filter: %s", pcap_geterr(c->p));
			pcap_freecode(&prog);
			goto out;
		}
		pcap_freecode(&prog);
	}
	c->dlt = pcap_datalink(c->p);
	*capp = c;
	c = NULL;
	rv = 0;
out:
	capture_close(c);
	return rv;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->p != NULL)
		pcap_close(c->p);
	free(c);
}

int
capture_dlt(const struct capture *c)
{
	return c->dlt;
}

int
capture_truncated(const struct capture *c)
{
	return c->truncated;
}

uint64_t
capture_kernel_drops(struct capture *c)
{
	struct pcap_stat ps;

	if (c->live && pcap_stats(c->p, &ps) == 0)
		c->drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	return c->drops;
}

static uint64_t
capture_ts(const struct capture *c, const struct pcap_pkthdr *h)
{
	uint64_t frac = (uint64_t)h->ts.tv_usec * (c->nsec ? 1 : 1000);
	return (uint64_t)h->ts.tv_sec * 1000000000ULL + frac;
}

/* Sleeps until the paced replay reaches capture offset `off` (ns). A long
 * silence in the file still ticks (timeouts, the ring's heartbeat) on the
 * replay clock, wall0 + the offset reached so far. */
static void
capture_pace_wait(const struct capture *c, uint64_t mono_start, uint64_t wall0, uint64_t off,
    capture_tick_cb tick, void *arg, uint64_t *last_tick, volatile int *stop)
{
	uint64_t due = mono_start + (uint64_t)((double)off / c->conf.pace);

	while (!*stop) {
		uint64_t now = tr_mono_ns(), wait, at;
		struct timespec ts;
		if (now >= due)
			return;
		at = wall0 + (uint64_t)((double)(now - mono_start) * c->conf.pace);
		if (tick != NULL && at >= *last_tick + 200000000ULL) {
			tick(arg, at);
			*last_tick = at;
		}
		wait = due - now;
		if (wait > 100000000ULL)
			wait = 100000000ULL;     /* wake at least every 100 ms to see *stop */
		ts.tv_sec = (time_t)(wait / 1000000000ULL);
		ts.tv_nsec = (long)(wait % 1000000000ULL);
		nanosleep(&ts, NULL);
	}
}

static int
capture_run_file(struct capture *c, capture_cb cb, capture_tick_cb tick, void *arg,
    volatile int *stop)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t first = 0, last = 0, mono0 = tr_mono_ns(), wall0 = tr_wall_ns();
	uint64_t shift = 0, last_tick = 0, mono_tick = mono0, n = 0;
	int rv, have_first = 0;

	for (;;) {
		uint64_t ts;

		if (*stop)
			return 0;
		rv = pcap_next_ex(c->p, &h, &data);
		if (rv == PCAP_ERROR_BREAK || rv == -2) {
			if (!c->conf.loop || !have_first || *stop)
				return 0;
			/* replay again: reopen and continue the clock */
			pcap_close(c->p);
			c->p = NULL;
			{
				char err[PCAP_ERRBUF_SIZE + 512];
				if (capture_open_file(c, err, sizeof err) != 0) {
					log_err_f("%s", err);
					return TR_ERR_SYS;
				}
			}
			shift += last - first + 1000000000ULL;
			continue;
		}
		if (rv == PCAP_ERROR) {
			/* a truncated file: keep what was read, say so */
			log_warn_f("%s: %s (truncated capture? stopped here)", c->conf.file,
			    pcap_geterr(c->p));
			c->truncated = 1;
			return 0;
		}
		if (rv != 1)
			continue;
		ts = capture_ts(c, h);
		if (!have_first) {
			first = ts;
			have_first = 1;
		}
		if (ts < first)
			ts = first;         /* out-of-order stamps in a file: clamp */
		if (ts > last)
			last = ts;
		if (c->conf.pace > 0) {
			uint64_t off = ts - first + shift;
			capture_pace_wait(c, mono0, wall0, off, tick, arg, &last_tick, stop);
			ts = wall0 + off;  /* a paced replay runs on the wall clock */
		} else
			ts += shift;
		cb(arg, ts, data, h->caplen, h->len, c->dlt);
		if (tick == NULL)
			continue;
		/* on the capture clock; and at least every 0.5 s of real time (a
		 * large file with a short time span keeps the heartbeat fresh) */
		if (ts - last_tick >= 200000000ULL ||
		    ((++n & 4095) == 0 && tr_mono_ns() - mono_tick >= 500000000ULL)) {
			tick(arg, ts);
			last_tick = ts;
			mono_tick = tr_mono_ns();
		}
	}
}

static int
capture_run_live(struct capture *c, capture_cb cb, capture_tick_cb tick, void *arg,
    volatile int *stop)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct pollfd pfd;
	uint64_t last_tick = 0;
	int rv;

	pfd.fd = pcap_get_selectable_fd(c->p);
	pfd.events = POLLIN;
	while (!*stop) {
		int n = 0;
		while (n < 4096 && (rv = pcap_next_ex(c->p, &h, &data)) == 1) {
			cb(arg, capture_ts(c, h), data, h->caplen, h->len, c->dlt);
			n++;
		}
		if (rv == PCAP_ERROR) {
			log_err_f("%s: %s", c->conf.iface, pcap_geterr(c->p));
			return TR_ERR_SYS;
		}
		{
			uint64_t now = tr_wall_ns();
			if (tick != NULL && now - last_tick >= 200000000ULL) {
				tick(arg, now);
				last_tick = now;
			}
		}
		if (n == 0 && pfd.fd >= 0)
			(void)poll(&pfd, 1, 100);
	}
	return 0;
}

int
capture_run(struct capture *c, capture_cb cb, capture_tick_cb tick, void *arg, volatile int *stop)
{
	return c->live ? capture_run_live(c, cb, tick, arg, stop) :
	    capture_run_file(c, cb, tick, arg, stop);
}
