/* main.c - threatrec-webui: the only network-facing process of threatrec.
 * Serves the pages and the JSON API (docs/api.md); reads live call metadata
 * from the sniffer's ring read-only; asks the vault for everything else.
 * Holds no keys and never touches the storage folder.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sodium.h>

#include "err.h"
#include "log.h"
#include "webui/api.h"
#include "webui/fdcache.h"
#include "webui/http.h"
#include "webui/live.h"
#include "webui/scache.h"
#include "webui/wconf.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: threatrec-webui [-c threatrec.conf] [-s webui.key=value]... [-v] [-h]\n"
	        "  -c FILE             config file ([webui] section; see docs/api.md)\n"
	        "  -s webui.key=value  override one [webui] setting, e.g. -s webui.port=8081\n"
	        "                      (section.key as the other programs; a bare key=value\n"
	        "                      also works)\n"
	        "  -v                  debug logging\n"
	        "  -h, --help          this text\n");
}

int main(int argc, char **argv)
{
	struct wconf conf;
	struct api_env env;
	struct live *live = NULL;
	struct fdcache *wavs = NULL;
	struct http *h = NULL;
	const char *path = NULL;
	char errbuf[512];
	sigset_t set;
	int opt, sig, rc = 1, r, verbose = 0, i;
	char **sets = calloc((size_t)argc + 1, sizeof(char *));
	int nsets = 0;
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };

	log_init("threatrec-webui", LOG_LVL_INFO, 0);
	if (sets == NULL)
		fatal_f("out of memory");
	while ((opt = getopt_long(argc, argv, "c:s:vh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 's': sets[nsets++] = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); free(sets); return 0;
		default:  usage(stderr); free(sets); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		free(sets);
		return 2;
	}
	if ((r = wconf_load(&conf, path, errbuf, sizeof(errbuf))) != 0)
		fatal_f("%s", errbuf);
	for (i = 0; i < nsets; i++)
		if (wconf_set(&conf, sets[i], errbuf, sizeof(errbuf)) != 0)
			fatal_f("-s: %s", errbuf);
	if (nsets > 0 && wconf_check(&conf, errbuf, sizeof(errbuf)) != 0)
		fatal_f("-s: %s", errbuf);
	free(sets);
	log_init("threatrec-webui", verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO, conf.use_syslog);
	if (sodium_init() < 0)
		fatal_f("libsodium init failed");
	/* no core dumps: a core could hold passwords and session tokens */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* the signals go to sigwait below; MHD's threads inherit this mask */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* one descriptor per connection: make room for max_connections */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < conf.max_connections + 256u) {
			rl.rlim_cur = rl.rlim_max < conf.max_connections + 256u ? rl.rlim_max :
			              conf.max_connections + 256u;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				log_warn_f("cannot raise the open file limit to %u",
				           conf.max_connections + 256u);
		}
	}
	if ((live = live_new(conf.ring, conf.marks_max)) != NULL)
		live_set_owner(live, conf.ring_owner);
	if (live == NULL || (wavs = fdcache_new()) == NULL)
		fatal_f("out of memory");
	api_env_init(&env, &conf, live, wavs, conf.tls_cert[0] != '\0');
	if ((env.sessions = scache_new()) == NULL)
		fatal_f("out of memory");
	if ((r = http_start(&conf, &env, &h)) != 0)
		fatal_fr(r, "cannot start the web server");
	/* an IPv6 literal needs brackets in a URL (RFC 3986 3.2.2) */
	log_info_f("listening on %s://%s%s%s:%u/ (vault %s, ring %s)", env.tls ? "https" : "http",
	           strchr(conf.listen, ':') ? "[" : "", conf.listen,
	           strchr(conf.listen, ':') ? "]" : "", conf.port, conf.vault_socket, conf.ring);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			continue;   /* nothing to reload: restart to apply a new config */
		break;
	}
	log_info_f("stopping (signal %d)", sig);
	rc = 0;
	http_stop(h);
	live_free(live);
	fdcache_free(wavs);
	scache_free(env.sessions);
	return rc;
}
