/* main.c - threatrec-sniffer: capture -> engine -> shared-memory ring.
 *
 * Start-up order (README.privsep): open the capture handle and create the
 * ring (the privileged steps), then drop privileges, forbid core dumps
 * (a core would hold unmarked audio), and only then read packets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "clock.h"
#include "capture.h"
#include "conf.h"
#include "engine.h"
#include "err.h"
#include "log.h"
#include "rfc4733.h"
#include "ring.h"

static volatile sig_atomic_t snf_quit;
static volatile int snf_stop;

struct snf_conf {
	char     ring_name[128];
	uint64_t ring_size;
	uint32_t ring_slots;
	uint64_t ring_chunk;
	uint64_t grace_ns;
	uint32_t ring_mode;
	char     ring_group[64];
	uint32_t marks_mode;
	char     marks_group[64];
	int      ring_mlock;
	char     iface[64];
	char     file[1024];
	char     filter[512];
	uint32_t snaplen;
	uint64_t buffer_size;
	int      promisc;
	char     user[64];
	struct engine_conf eng;
};

struct snf_ctx {
	struct snf_conf conf;
	struct ring *ring;
	struct engine *eng;
	struct capture *cap;
	uint64_t last_ts;
	uint64_t last_heartbeat;
};

/* sip_ports = 5060, 5080 */
static int
snf_parse_ports(void *dst, const char *v, char *err, size_t errlen)
{
	struct snf_conf *c = dst;
	char buf[256], *tok, *save = NULL;
	unsigned n = 0;

	snprintf(buf, sizeof buf, "%s", v);
	memset(c->eng.sip_ports, 0, sizeof c->eng.sip_ports);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char *end;
		unsigned long p = strtoul(tok, &end, 10);
		if (*end || p == 0 || p > 65535 || n + 1 >= sizeof c->eng.sip_ports / sizeof c->eng.sip_ports[0]) {
			snprintf(err, errlen, "sip_ports: bad port \"%s\" (1-65535, at most 7)", tok);
			return -1;
		}
		c->eng.sip_ports[n++] = (uint16_t)p;
	}
	return 0;
}

/* agent_nets = 10.1.0.0/16, 2001:db8::/32 (repeatable) */
static int
snf_parse_nets(void *dst, const char *v, char *err, size_t errlen)
{
	struct snf_conf *c = dst;
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof buf, "%s", v);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		struct engine_net *n;
		char *slash = strchr(tok, '/'), *end;
		unsigned long pfx;
		if (c->eng.n_agent_nets >= ENGINE_NETS_MAX) {
			snprintf(err, errlen, "agent_nets: at most %d networks", ENGINE_NETS_MAX);
			return -1;
		}
		n = &c->eng.agent_nets[c->eng.n_agent_nets];
		if (slash)
			*slash = '\0';
		if (inet_pton(AF_INET, tok, n->addr) == 1)
			n->family = 4;
		else if (inet_pton(AF_INET6, tok, n->addr) == 1)
			n->family = 6;
		else {
			snprintf(err, errlen, "agent_nets: \"%s\" is not an IPv4 or IPv6 address", tok);
			return -1;
		}
		pfx = n->family == 4 ? 32 : 128;
		if (slash) {
			unsigned long max = pfx;
			pfx = strtoul(slash + 1, &end, 10);
			if (*end || slash[1] == '\0' || pfx > max) {
				snprintf(err, errlen, "agent_nets: bad prefix length \"/%s\"", slash + 1);
				return -1;
			}
		}
		n->prefix = (uint8_t)pfx;
		c->eng.n_agent_nets++;
	}
	return 0;
}

/* mark_code = *99: 1 to 15 keys of 0-9 * # A-D, empty = off (checked as the
 * engine will: rfc4733_code_init) */
static int
snf_parse_mark_code(void *dst, const char *v, char *err, size_t errlen)
{
	struct snf_conf *c = dst;
	struct rfc4733_code m;

	if (strlen(v) >= sizeof c->eng.mark_code || rfc4733_code_init(&m, v, 0) != 0) {
		snprintf(err, errlen, "mark_code: \"%s\" is not a key code (1 to %u of the keys "
		    "0-9 * # A-D, e.g. *99; empty = off)", v, RFC4733_CODE_MAX);
		return -1;
	}
	snprintf(c->eng.mark_code, sizeof c->eng.mark_code, "%s", v);
	return 0;
}

/* agent_pattern = 2???: digits and + match themselves, ? one character,
 * * any run; empty = none */
static int
snf_parse_pattern(void *dst, const char *v, char *err, size_t errlen)
{
	struct snf_conf *c = dst;

	if (strlen(v) >= sizeof c->eng.agent_pattern || !engine_pattern_ok(v)) {
		snprintf(err, errlen, "agent_pattern: \"%s\" is not an extension pattern (at most %zu "
		    "of: digits and + (themselves), ? (one character), * (any run); e.g. 2??? or 2*)", v,
		    sizeof c->eng.agent_pattern - 1);
		return -1;
	}
	snprintf(c->eng.agent_pattern, sizeof c->eng.agent_pattern, "%s", v);
	return 0;
}

/* chunk_size = 64K: a power of two from 4K to 16M (that it is at most half
 * of ring.size is checked once both are known) */
static int
snf_parse_chunk(void *dst, const char *v, char *err, size_t errlen)
{
	struct snf_conf *c = dst;
	uint64_t x = 0;

	if (conf_parse_size(v, &x) != 0 || x < RING_CHUNK_MIN || x > RING_CHUNK_MAX ||
	    (x & (x - 1)) != 0) {
		snprintf(err, errlen, "chunk_size must be a power of two from 4K to 16M, not \"%s\"", v);
		return -1;
	}
	c->ring_chunk = x;
	return 0;
}

#define O(f) offsetof(struct snf_conf, f)
static const struct conf_key snf_keys[] = {
	{ "ring", "name", CONF_SHM, O(ring_name), sizeof(((struct snf_conf *)0)->ring_name), 0, 0, NULL },
	{ "ring", "size", CONF_SIZE, O(ring_size), 0, 1ULL << 20, 1ULL << 40, NULL },
	{ "ring", "slots", CONF_U32, O(ring_slots), 0, 16, RING_SLOTS_MAX, NULL },
	{ "ring", "chunk_size", CONF_FUNC, 0, 0, 0, 0, snf_parse_chunk },
	{ "ring", "grace", CONF_DURATION, O(grace_ns), 0, 0, 0, NULL },
	{ "ring", "mode", CONF_MODE, O(ring_mode), 0, 0, 0, NULL },
	{ "ring", "group", CONF_STR, O(ring_group), sizeof(((struct snf_conf *)0)->ring_group), 0, 0, NULL },
	{ "ring", "marks_mode", CONF_MODE, O(marks_mode), 0, 0, 0, NULL },
	{ "ring", "marks_group", CONF_STR, O(marks_group), sizeof(((struct snf_conf *)0)->marks_group), 0, 0, NULL },
	{ "ring", "mlock", CONF_BOOL, O(ring_mlock), 0, 0, 0, NULL },
	{ "sniffer", "interface", CONF_STR, O(iface), sizeof(((struct snf_conf *)0)->iface), 0, 0, NULL },
	{ "sniffer", "file", CONF_STR, O(file), sizeof(((struct snf_conf *)0)->file), 0, 0, NULL },
	{ "sniffer", "filter", CONF_STR, O(filter), sizeof(((struct snf_conf *)0)->filter), 0, 0, NULL },
	{ "sniffer", "snaplen", CONF_U32, O(snaplen), 0, 128, 262144, NULL },
	{ "sniffer", "buffer_size", CONF_SIZE, O(buffer_size), 0, 1ULL << 20, 1ULL << 31, NULL },
	{ "sniffer", "promisc", CONF_BOOL, O(promisc), 0, 0, 0, NULL },
	{ "sniffer", "user", CONF_STR, O(user), sizeof(((struct snf_conf *)0)->user), 0, 0, NULL },
	{ "sniffer", "sip_ports", CONF_FUNC, 0, 0, 0, 0, snf_parse_ports },
	{ "sniffer", "agent_nets", CONF_LIST, 0, 0, 0, 0, snf_parse_nets },
	{ "sniffer", "agent_pattern", CONF_FUNC, 0, 0, 0, 0, snf_parse_pattern },
	{ "sniffer", "mark_code", CONF_FUNC, 0, 0, 0, 0, snf_parse_mark_code },
	{ "sniffer", "media_timeout", CONF_DURATION, O(eng.media_timeout_ns), 0, 1000000000ULL, 0, NULL },
	{ "sniffer", "setup_timeout", CONF_DURATION, O(eng.setup_timeout_ns), 0, 1000000000ULL, 0, NULL },
	{ "sniffer", "frag_timeout", CONF_DURATION, O(eng.frag_timeout_ns), 0, 100000000ULL, 0, NULL },
	{ "sniffer", "frags_max", CONF_U32, O(eng.frags_max), 0, 1, 1u << 20, NULL },
	{ "sniffer", "calls_max", CONF_U32, O(eng.calls_max), 0, 1, RING_SLOTS_MAX, NULL },
	{ "sniffer", "sip_max", CONF_U32, O(eng.sip_max), 0, 512, 65535, NULL },
};
#undef O
#define SNF_NKEYS (sizeof snf_keys / sizeof snf_keys[0])

static void
snf_conf_defaults(struct snf_conf *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->ring_name, sizeof c->ring_name, "/threatrec");
	c->ring_size = 512ULL << 20;
	c->ring_slots = 4096;
	c->ring_chunk = 65536;
	c->grace_ns = 600ULL * 1000000000ULL;
	c->ring_mode = 0640;
	c->marks_mode = 0660;
	c->ring_mlock = 1;
	c->snaplen = 65535;
	c->buffer_size = 64ULL << 20;
	c->promisc = 1;
	engine_conf_init(&c->eng);
}

static void
snf_signal(int sig)
{
	(void)sig;
	snf_quit = 1;
	snf_stop = 1;
}

static void
snf_on_packet(void *arg, uint64_t ts, const uint8_t *frame, uint32_t caplen, uint32_t origlen, int dlt)
{
	struct snf_ctx *x = arg;

	x->last_ts = ts;
	engine_packet(x->eng, ts, frame, caplen, origlen, dlt);
}

static void
snf_on_tick(void *arg, uint64_t now)
{
	struct snf_ctx *x = arg;
	struct ring_stats *st = ring_stats_w(x->ring);
	uint64_t wall = tr_wall_ns();

	engine_tick(x->eng, now);
	if (wall - x->last_heartbeat >= 500000000ULL) {
		st->kernel_drops = capture_kernel_drops(x->cap);
		__atomic_store_n(&st->heartbeat, wall, __ATOMIC_RELAXED);
		x->last_heartbeat = wall;
	}
}

/* Drops root for the configured user, keeps nothing, forbids core dumps. */
/* No capability from here on, whoever started us (root, or the unit's
 * ambient CAP_NET_RAW and CAP_IPC_LOCK): the capture socket is open and the
 * ring locked, and the packets parsed next are a stranger's. capset(2) has
 * no libc wrapper. */
static int
snf_drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof d);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		return TR_ERR_SYS;
	if (syscall(SYS_capset, &h, d) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return TR_ERR_SYS;
	return 0;
}

static int
snf_drop_privileges(const char *user)
{
	struct rlimit rl = { 0, 0 };
	struct passwd *pw;

	if (setrlimit(RLIMIT_CORE, &rl) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return TR_ERR_SYS;
	if (user[0] != '\0' && geteuid() == 0) {
		if ((pw = getpwnam(user)) == NULL) {
			log_err_f("no such user \"%s\"", user);
			return TR_ERR_CONFIG;
		}
		if (setgroups(1, &pw->pw_gid) != 0 ||
		    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
			return TR_ERR_SYS;
		/* prctl again: a uid change resets dumpable on some kernels */
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	return snf_drop_caps();
}

/* Gives /dev/shm<name><suffix> to a group (a name or a number); "" = keep. */
static int
snf_chgrp(const char *name, const char *suffix, const char *group)
{
	char path[256], *end;
	struct group *g;
	unsigned long gid;

	if (group[0] == '\0')
		return 0;
	snprintf(path, sizeof path, "/dev/shm%s%s", name, suffix);
	gid = strtoul(group, &end, 10);
	if (*end != '\0') {
		if ((g = getgrnam(group)) == NULL) {
			log_err_f("no such group \"%s\" for %s", group, path);
			return -1;
		}
		gid = g->gr_gid;
	}
	if (chown(path, (uid_t)-1, (gid_t)gid) != 0) {
		log_err_f("cannot give %s to group %s: %m", path, group);
		return -1;
	}
	return 0;
}

/* Gives the ring and its .marks object to the user the sniffer runs as
 * (when it starts as root and drops to [sniffer] user): /dev/shm is
 * sticky, so only the owner can remove them at exit. */
static int
snf_chown(const char *name, const char *user)
{
	static const char *const suffix[] = { "", ".marks" };
	struct passwd *pw;
	char path[256];
	size_t i;

	if (user[0] == '\0' || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_err_f("no such user \"%s\"", user);
		return -1;
	}
	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(path, sizeof path, "/dev/shm%s%s", name, suffix[i]);
		if (chown(path, pw->pw_uid, (gid_t)-1) != 0) {
			log_err_f("cannot give %s to user %s: %m", path, user);
			return -1;
		}
	}
	return 0;
}

static const char *
snf_state_name(uint32_t s)
{
	static const char *n[] = { "free", "setup", "active", "ended" };
	return s < 4 ? n[s] : "unknown";
}

/* --list: prints the calls now in the ring, one JSON object per line. */
static int
snf_list(const char *ring_name, uid_t owner)
{
	struct ring *r = NULL;
	struct ring_call c;
	char why[256], start[TR_ISO8601_LEN], end[TR_ISO8601_LEN];
	uint32_t s;

	if (ring_attach_owner(ring_name, RING_ATTACH_RDONLY, owner, &r, why, sizeof why) != 0) {
		fprintf(stderr, "threatrec-sniffer: cannot open ring %s: %s\n", ring_name, why);
		return 1;
	}
	for (s = 0; s < ring_slots(r); s++) {
		json_t *o;
		char *txt;
		uint64_t mk;
		if (ring_call_read(r, s, &c) != 0)
			continue;
		mk = ring_mark_get(r, s);
		tr_iso8601(c.t_first, start);
		tr_iso8601(c.t_end, end);
		/* times as `threatrec-decode calls` and the vault give them */
		o = json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:b, s:b,"
		    " s:b, s:b}",
		    "slot", (json_int_t)s, "gen", (json_int_t)c.gen, "call_id", c.call_id,
		    "from_tag", c.from_tag, "caller", c.caller, "callee", c.callee, "agent", c.agent,
		    "state", snf_state_name(c.state), "start", start, "end", end[0] ? end : NULL,
		    "start_ns", (json_int_t)c.t_first, "end_ns", (json_int_t)c.t_end,
		    "packets", (json_int_t)c.n_packets,
		    "bytes", (json_int_t)c.n_bytes, "head_lost", (c.flags & RING_CF_HEAD_LOST) != 0,
		    "pinned", (mk & RING_MK_PIN) != 0 && (uint32_t)(mk >> 32) == c.gen,
		    "sealed", (mk & RING_MK_SEALED) != 0 && (uint32_t)(mk >> 32) == c.gen,
		    "mark_requested", (mk & RING_MK_REQ_PHONE) != 0 && (uint32_t)(mk >> 32) == c.gen);
		if (o == NULL)
			continue;
		if ((txt = json_dumps(o, JSON_COMPACT)) != NULL) {
			puts(txt);
			free(txt);
		}
		json_decref(o);
	}
	ring_close(r);
	return 0;
}

static void
snf_print_stats(struct snf_ctx *x, double secs)
{
	struct ring_stats st;
	static const char *rej[RING_REJ_MAX_] = { "link", "ip", "frag", "udp", "sip", "sdp",
	    "rtp", "nocall", "calls_full", "tcp", "other" };
	int i;

	ring_stats_read(x->ring, &st);
	fprintf(stderr, "threatrec-sniffer: %" PRIu64 " packets (%" PRIu64 " bytes) in %.3f s = %.0f packets/s; "
	    "stored %" PRIu64 "; calls %" PRIu64 "; evictions %" PRIu64 " calls %" PRIu64 " chunks; "
	    "dropped records %" PRIu64 "; kernel drops %" PRIu64 "\n",
	    st.packets, st.bytes, secs, secs > 0 ? (double)st.packets / secs : 0.0,
	    st.stored_packets, st.calls_total, st.evictions_calls, st.evictions_chunks,
	    st.records_dropped, st.kernel_drops);
	fprintf(stderr, "threatrec-sniffer: rejects:");
	for (i = 0; i < RING_REJ_MAX_; i++)
		fprintf(stderr, " %s=%" PRIu64, rej[i], st.rejects[i]);
	fprintf(stderr, "\n");
}

static void
snf_usage(FILE *f)
{
	fprintf(f,
	    "usage: threatrec-sniffer [-c CONF] (-i IFACE | -r FILE) [options]\n"
	    "       threatrec-sniffer [-c CONF] --list [--ring NAME] [--ring-owner USER]\n"
	    "  -c, --config FILE     configuration (see packaging/threatrec.conf)\n"
	    "  -i, --interface IF    capture live on IF (promiscuous, TPACKET_V3)\n"
	    "  -r, --read FILE       read a pcap/pcapng file (full speed unless --pace)\n"
	    "      --pace X          replay at X times capture speed (1.0 = real time)\n"
	    "      --loop            replay the file forever (demo)\n"
	    "      --hold            after the file ends keep the ring until SIGTERM\n"
	    "      --ring NAME       shared-memory ring name (default /threatrec)\n"
	    "  -s, --set SEC.KEY=V   override one configuration value\n"
	    "      --list            print the calls in the ring as JSON lines\n"
	    "      --ring-owner USER the sniffer's user, if not threatrec-sniffer: --list reads only\n"
	    "                        a ring of root, of yourself or of that user\n"
	    "  -v, --verbose         debug logging\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' }, { "pace", required_argument, NULL, 'p' },
		{ "loop", no_argument, NULL, 'L' }, { "hold", no_argument, NULL, 'H' },
		{ "ring", required_argument, NULL, 'R' }, { "set", required_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' }, { "verbose", no_argument, NULL, 'v' },
		{ "ring-owner", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct snf_ctx x;
	struct capture_conf cc;
	struct ring_conf rc;
	struct sigaction sa;
	char err[1024], *sets[32];
	const char *conf_path = NULL, *ring_override = NULL, *iface = NULL, *file = NULL;
	double pace = 0, t0, t1;
	int ch, list = 0, loop = 0, hold = 0, verbose = 0, rv, nsets = 0, i;
	uid_t list_owner = ring_owner_default();

	memset(&x, 0, sizeof x);
	snf_conf_defaults(&x.conf);
	while ((ch = getopt_long(argc, argv, "c:i:r:s:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'i': iface = optarg; break;
		case 'r': file = optarg; break;
		case 'p': {
			char *end = NULL;
			pace = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(pace >= 0.001 && pace <= 1000)) {
				fprintf(stderr, "threatrec-sniffer: --pace must be a number from 0.001 to 1000, "
				    "not \"%s\"\n", optarg);
				return 2;
			}
			break;
		}
		case 'L': loop = 1; break;
		case 'H': hold = 1; break;
		case 'R': ring_override = optarg; break;
		case 's': if (nsets < 32) sets[nsets++] = optarg; break;
		case 'l': list = 1; break;
		case 'O':
			if (conf_uid_parse(optarg, &list_owner) != 0) {
				fprintf(stderr, "threatrec-sniffer: --ring-owner: no such user \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'v': verbose = 1; break;
		case 'h': snf_usage(stdout); return 0;
		default: snf_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		snf_usage(stderr);
		return 2;
	}
	log_init("threatrec-sniffer", verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO, 0);
	if (conf_path && conf_load(conf_path, snf_keys, SNF_NKEYS, &x.conf, err, sizeof err) != 0) {
		fprintf(stderr, "threatrec-sniffer: %s\n", err);
		return 1;
	}
	for (i = 0; i < nsets; i++) {
		if (conf_set_arg(snf_keys, SNF_NKEYS, &x.conf, sets[i], err, sizeof err) != 0) {
			fprintf(stderr, "threatrec-sniffer: --set: %s\n", err);
			return 2;
		}
	}
	if (ring_override) {
		if (conf_shm_name_ok("--ring", ring_override, err, sizeof err) != 0) {
			fprintf(stderr, "threatrec-sniffer: %s\n", err);
			return 2;
		}
		snprintf(x.conf.ring_name, sizeof x.conf.ring_name, "%s", ring_override);
	}
	if (list) {
		if (iface != NULL || file != NULL || pace > 0 || loop || hold) {
			fprintf(stderr, "threatrec-sniffer: --list reads a running ring; it takes no -i, -r, "
			    "--pace, --loop or --hold\n");
			return 2;
		}
		return snf_list(x.conf.ring_name, list_owner);
	}
	if ((loop || pace > 0 || hold) && file == NULL && x.conf.file[0] == '\0') {
		fprintf(stderr, "threatrec-sniffer: --pace, --loop and --hold apply to -r FILE only\n");
		return 2;
	}
	if (loop && pace == 0) {
		fprintf(stderr, "threatrec-sniffer: --loop needs --pace (a full-speed loop never ends)\n");
		return 2;
	}
	if (iface == NULL && file == NULL) {
		if (x.conf.iface[0]) iface = x.conf.iface;
		else if (x.conf.file[0]) file = x.conf.file;
	}
	if ((iface == NULL) == (file == NULL)) {
		fprintf(stderr, "threatrec-sniffer: give exactly one of -i IFACE or -r FILE\n");
		return 2;
	}
	if (x.conf.eng.calls_max == 0 || x.conf.eng.calls_max > x.conf.ring_slots)
		x.conf.eng.calls_max = x.conf.ring_slots;

	memset(&cc, 0, sizeof cc);
	cc.iface = iface;
	cc.file = file;
	cc.filter = x.conf.filter;
	cc.snaplen = x.conf.snaplen;
	cc.buffer_size = x.conf.buffer_size;
	cc.promisc = x.conf.promisc;
	cc.pace = pace;
	cc.loop = loop;
	if ((rv = capture_open(&cc, &x.cap, err, sizeof err)) != 0) {
		fprintf(stderr, "threatrec-sniffer: %s\n", err);
		return 1;
	}
	memset(&rc, 0, sizeof rc);
	rc.name = x.conf.ring_name;
	rc.size = x.conf.ring_size;
	rc.slots = x.conf.ring_slots;
	rc.chunk_size = (uint32_t)x.conf.ring_chunk;
	rc.grace_ns = x.conf.grace_ns;
	rc.mode = x.conf.ring_mode;
	rc.marks_mode = x.conf.marks_mode;
	rc.mlock = x.conf.ring_mlock;
	/* readers refuse a ring others may write (ring.h): say so here */
	if ((rc.mode & 022) != 0 || (rc.marks_mode & 002) != 0) {
		fprintf(stderr, "threatrec-sniffer: ring.mode %04o / ring.marks_mode %04o: the ring may "
		    "not be writable by its group or others, the mark words not by others (the vault "
		    "and the web UI refuse such a ring)\n", rc.mode, rc.marks_mode);
		capture_close(x.cap);
		return 1;
	}
	/* the name and the chunk size alone were checked when they were read */
	if (rc.size / rc.chunk_size < 2) {
		fprintf(stderr, "threatrec-sniffer: ring.chunk_size (%u) must be at most half of "
		    "ring.size (%llu)\n", rc.chunk_size, (unsigned long long)rc.size);
		capture_close(x.cap);
		return 1;
	}
	/* A signal from here on stops the capture loop, which removes the ring. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = snf_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rv = ring_create(&rc, &x.ring)) != 0) {
		/* a ring in use by a running sniffer: ring_create said so (logged) */
		if (rv != TR_ERR_EXISTS)
			fprintf(stderr, "threatrec-sniffer: cannot create ring %s (%llu bytes, %u slots, "
			    "chunk %u): %s%s%s\n", rc.name, (unsigned long long)rc.size, rc.slots,
			    rc.chunk_size, tr_strerror(rv), rv == TR_ERR_SYS ? ": " : "",
			    rv == TR_ERR_SYS ? strerror(errno) : "");
		capture_close(x.cap);
		return 1;
	}
	/* Every failure from here on removes the ring (and its .marks) again:
	 * the engine is made before the privileges go, while the sniffer can
	 * still unlink what it created. */
	if (snf_chgrp(x.conf.ring_name, "", x.conf.ring_group) != 0 ||
	    snf_chgrp(x.conf.ring_name, ".marks", x.conf.marks_group) != 0 ||
	    snf_chown(x.conf.ring_name, x.conf.user) != 0)
		goto fail;
	__atomic_store_n(&ring_stats_w(x.ring)->heartbeat, tr_wall_ns(), __ATOMIC_RELAXED);
	if ((x.eng = engine_new(&x.conf.eng, x.ring)) == NULL) {
		fprintf(stderr, "threatrec-sniffer: cannot create the engine (the reason is above)\n");
		goto fail;
	}
	if ((rv = snf_drop_privileges(x.conf.user)) != 0) {
		fprintf(stderr, "threatrec-sniffer: cannot drop privileges to user \"%s\": %s%s%s\n",
		    x.conf.user, tr_strerror(rv), rv == TR_ERR_SYS ? ": " : "",
		    rv == TR_ERR_SYS ? strerror(errno) : "");
		goto fail;
	}
	log_info_f("ring %s: %llu MiB, %u slots; reading %s%s", x.conf.ring_name,
	    (unsigned long long)(x.conf.ring_size >> 20), x.conf.ring_slots, iface ? iface : file,
	    pace > 0 ? " (paced)" : "");

	t0 = (double)tr_mono_ns() / 1e9;
	rv = capture_run(x.cap, snf_on_packet, snf_on_tick, &x, &snf_stop);
	t1 = (double)tr_mono_ns() / 1e9;
	if (file != NULL && !snf_quit) {
		engine_finish(x.eng, x.last_ts);
		if (hold) {
			/* Keep serving the ring: the capture clock runs on with the wall
			 * clock, so grace expiry still happens. */
			uint64_t w0 = tr_wall_ns();
			log_info_f("input ended; holding the ring until SIGTERM");
			while (!snf_quit) {
				struct timespec d = { 0, 200000000L };
				nanosleep(&d, NULL);
				snf_on_tick(&x, x.last_ts + (tr_wall_ns() - w0));
			}
		}
	}
	snf_print_stats(&x, t1 - t0);
	engine_free(x.eng);
	capture_close(x.cap);
	ring_close(x.ring);
	return rv == 0 ? 0 : 1;
fail:
	engine_free(x.eng);
	capture_close(x.cap);
	ring_close(x.ring);
	return 1;
}
