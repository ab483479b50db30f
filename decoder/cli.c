/* cli.c - threatrec-decode: the calls of a capture file (or of the live
 * ring) as JSON lines, and one call as a stereo WAV.
 *
 *   threatrec-decode calls FILE | --ring NAME
 *   threatrec-decode wav FILE | --ring NAME --call-id ID [--from-tag TAG] -o OUT.wav
 *   threatrec-decode wav FILE | --ring NAME --all -o DIR
 *
 * A file goes through the sniffer's own engine into a private ring, so the
 * calls found are the ones the sniffer would keep. Output is deterministic:
 * calls by first packet time, UTC times, numeric addresses. A WAV is never
 * written over what is read (the capture file, or the ring's objects in
 * /dev/shm), not even through a symlink or a hard link.
 * Exit codes: 0 done, 1 failure, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/conf.h"
#include "common/err.h"
#include "common/log.h"
#include "decoder/capfile.h"
#include "decoder/decode.h"
#include "sniffer/ring.h"

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2
#define CLI_NS_PER_S   UINT64_C(1000000000)

struct cli_opts {
	const char *cmd;
	const char *file;
	const char *ring;
	uid_t ring_owner;                   /* --ring-owner: the sniffer's user */
	const char *call_id;
	const char *from_tag;
	const char *out;
	int all;
	char call_id_buf[RING_CALLID_MAX];  /* --call-id / --from-tag with \xNN decoded */
	char from_tag_buf[RING_TAG_MAX];
	struct stat in[2];   /* what is read: the file, or the ring and its .marks */
	const char *in_name[2];
	size_t n_in;
	char shm_path[2][160];
};

struct cli_call {
	uint32_t slot, gen;
	uint64_t t_first;
};

static void cli_usage(FILE *f)
{
	fprintf(f,
	        "usage: threatrec-decode calls FILE | --ring NAME\n"
	        "       threatrec-decode wav FILE | --ring NAME --call-id ID [--from-tag TAG] -o OUT.wav\n"
	        "       threatrec-decode wav FILE | --ring NAME --all -o DIR\n"
	        "\n"
	        "  calls  print every call as one JSON object per line (RTP streams included)\n"
	        "  wav    write one call as a stereo 8 kHz WAV: left = caller, right = callee;\n"
	        "         --all writes every call into DIR as NNNNN-CALLID.wav (listed on stdout)\n"
	        "  FILE   a pcap, pcapng or NetMon capture; --ring NAME reads the sniffer's live ring\n"
	        "         (owned by root, by you or by --ring-owner USER, default threatrec-sniffer)\n");
}

static const char *cli_state_name(uint32_t st)
{
	static const char *const names[] = { "free", "setup", "active", "ended" };

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

static const char *cli_end_name(uint32_t e)
{
	static const char *const names[] = { "none", "bye", "cancel", "rejected", "timeout",
	                                     "shutdown" };

	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "unknown";
}

static int cli_call_cmp(const void *a, const void *b)
{
	const struct cli_call *x = a, *y = b;

	if (x->t_first != y->t_first)
		return x->t_first < y->t_first ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Every used slot of the ring, sorted by first packet time. */
static int cli_list_calls(const struct ring *ring, struct cli_call **callsp, size_t *np)
{
	struct cli_call *calls = NULL;
	struct ring_call c;
	uint32_t slots = ring_slots(ring);
	size_t n = 0, cap = 0;
	int r = 0;

	*callsp = NULL;
	*np = 0;
	for (uint32_t s = 0; s < slots; s++) {
		if (ring_call_read(ring, s, &c) != 0 || c.state == RING_ST_FREE)
			continue;
		if (n == cap) {
			struct cli_call *nc;

			cap = cap ? cap * 2 : 64;
			if (!(nc = realloc(calls, cap * sizeof(*calls)))) {
				r = TR_ERR_NOMEM;
				goto out;
			}
			calls = nc;
		}
		calls[n].slot = s;
		calls[n].gen = c.gen;
		calls[n].t_first = c.t_first;
		n++;
	}
	if (n)
		qsort(calls, n, sizeof(*calls), cli_call_cmp);
	*callsp = calls;
	*np = n;
	calls = NULL;
out:
	free(calls);
	return r;
}

static json_t *cli_stream_json(const struct decode_stream *s)
{
	json_t *o = json_object(), *pts = json_array();
	char buf[96];

	snprintf(buf, sizeof(buf), "0x%08x", s->ssrc);
	json_object_set_new(o, "ssrc", json_string(buf));
	for (uint32_t i = 0; i < s->n_pts; i++)
		json_array_append_new(pts, json_integer(s->pts[i]));
	json_object_set_new(o, "payload_types", pts);
	json_object_set_new(o, "codec", json_string(s->codec[0] ? s->codec : "unknown"));
	json_object_set_new(o, "direction", json_string(decode_dir_name(s->dir)));
	json_object_set_new(o, "src", json_string(decode_addr_str(s->family, s->src, s->sport,
	                                                          buf, sizeof(buf))));
	json_object_set_new(o, "dst", json_string(decode_addr_str(s->family, s->dst, s->dport,
	                                                          buf, sizeof(buf))));
	json_object_set_new(o, "packets", json_integer((json_int_t)s->packets));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)s->duplicates));
	json_object_set_new(o, "lost", json_integer((json_int_t)s->lost));
	return o;
}

/* Bytes that may not be UTF-8 (a Call-ID off the wire) as printable
 * ASCII: non-ASCII bytes, control bytes and the backslash become "\xNN",
 * so the text maps back to exactly those bytes (cli_unescape): what
 * `calls` prints can be given to --call-id. */
static void cli_escape(const char *s, char *buf, size_t n)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < n; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			buf[o++] = (char)*p;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", *p);
	}
	buf[o] = '\0';
}

static json_t *cli_jstr(const char *s)
{
	char buf[4 * RING_CALLID_MAX + 1];

	cli_escape(s, buf, sizeof(buf));
	return json_string(buf);
}

static int cli_hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The inverse of cli_escape: "\xNN" becomes byte NN, anything else is
 * copied. -1 when it does not fit in n bytes or decodes a NUL. */
static int cli_unescape(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s; o++) {
		if (o + 1 >= n)
			return -1;
		if (s[0] == '\\' && s[1] == 'x' && cli_hexval(s[2]) >= 0 && cli_hexval(s[3]) >= 0) {
			out[o] = (char)(cli_hexval(s[2]) << 4 | cli_hexval(s[3]));
			if (out[o] == '\0')
				return -1;
			s += 4;
		} else
			out[o] = *s++;
	}
	out[o] = '\0';
	return 0;
}

static int cli_print_call(const struct ring *ring, const struct cli_call *cc)
{
	struct decode_streams *ds = NULL;
	json_t *o = NULL, *arr;
	char start[96], *txt = NULL;
	uint64_t end;
	double dur;
	int r;

	if ((r = decode_call_streams(ring, cc->slot, cc->gen, &ds)) != 0)
		goto out;
	end = ds->call.t_end ? ds->call.t_end : ds->call.t_last;
	dur = end > ds->call.t_first ? (double)(end - ds->call.t_first) / 1e9 : 0.0;
	tr_iso8601(ds->call.t_first, start);
	o = json_object();
	json_object_set_new(o, "call_id", cli_jstr(ds->call.call_id));
	json_object_set_new(o, "from_tag", cli_jstr(ds->call.from_tag));
	json_object_set_new(o, "caller", cli_jstr(ds->call.caller));
	json_object_set_new(o, "callee", cli_jstr(ds->call.callee));
	json_object_set_new(o, "agent", cli_jstr(ds->call.agent));
	if (ds->call.caller_asserted[0] != '\0')
		json_object_set_new(o, "caller_asserted", cli_jstr(ds->call.caller_asserted));
	json_object_set_new(o, "start", json_string(start));
	json_object_set_new(o, "duration", json_real(round(dur * 1e6) / 1e6));
	json_object_set_new(o, "state", json_string(cli_state_name(ds->call.state)));
	json_object_set_new(o, "end_reason", json_string(cli_end_name(ds->call.end_reason)));
	arr = json_array();
	for (size_t i = 0; i < ds->n; i++)
		json_array_append_new(arr, cli_stream_json(&ds->s[i]));
	json_object_set_new(o, "streams", arr);
	r = TR_ERR_NOMEM;
	if (!(txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))))
		goto out;
	printf("%s\n", txt);
	r = 0;
out:
	free(txt);
	json_decref(o);
	decode_streams_free(ds);
	return r;
}

/* Says why a file gave no call: frames of a link type we do not handle,
 * or nothing that was SIP (so a silent empty output is never ambiguous). */
static void cli_warn_rejects(const char *file, const struct ring *ring, const struct capfile_stats *cs)
{
	static const char *const names[RING_REJ_MAX_] = { "link", "ip", "frag", "udp", "sip",
	    "sdp", "rtp", "nocall", "calls_full", "tcp", "other" };
	struct ring_stats st;
	char buf[512];
	size_t len = 0;
	int i;

	ring_stats_read(ring, &st);
	if (st.calls_total != 0 || cs->packets == 0)
		return;
	for (i = 0; i < RING_REJ_MAX_ && len < sizeof(buf) - 64; i++)
		if (st.rejects[i] != 0)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s=%" PRIu64, names[i],
			                        st.rejects[i]);
	buf[len] = '\0';
	if (st.rejects[RING_REJ_LINK] == cs->packets)
		fprintf(stderr, "threatrec-decode: warning: %s: link type %d is not supported; "
		        "none of its %" PRIu64 " frames could be read\n", file, cs->dlt, cs->packets);
	else
		fprintf(stderr, "threatrec-decode: warning: %s: no SIP call in %" PRIu64 " frames "
		        "(skipped:%s)\n", file, cs->packets, len ? buf : " none");
}

/* The ring to read: a file loaded into a private ring, or the live one.
 * libosip2 may print parse errors on stdout, which would break the JSON
 * lines: stdout points at stderr while the file is parsed. */
static int cli_open(const struct cli_opts *o, struct ring **ringp)
{
	struct capfile_stats st;
	int r, saved = -1;

	if (o->ring) {
		char why[256];
		*ringp = NULL;
		if ((r = ring_attach_owner(o->ring, RING_ATTACH_RDONLY, o->ring_owner, ringp, why,
		    sizeof why)) == 0 &&
		    !*ringp) {
			r = TR_ERR_SYS;
			snprintf(why, sizeof why, "%s", tr_strerror(r));
		}
		if (r != 0)
			fprintf(stderr, "threatrec-decode: ring %s: %s\n", o->ring, why);
		return r;
	}
	fflush(stdout);
	if ((saved = dup(STDOUT_FILENO)) >= 0)
		dup2(STDERR_FILENO, STDOUT_FILENO);
	/* one call out of a file: only that call's packets are kept */
	if (o->call_id != NULL && !o->all)
		r = capfile_load_call(o->file, o->call_id, ringp, &st);
	else
		r = capfile_load(o->file, ringp, &st);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	if (r != 0) {
		fprintf(stderr, "threatrec-decode: %s: %s\n", o->file,
		        st.error[0] ? st.error : tr_strerror(r));
		return r;
	}
	if (st.truncated)
		fprintf(stderr, "threatrec-decode: warning: %s: %s; read %" PRIu64
		        " packets up to the break\n", o->file, st.error, st.packets);
	cli_warn_rejects(o->file, *ringp, &st);
	return 0;
}

static int cli_cmd_calls(const struct cli_opts *o)
{
	struct ring *ring = NULL;
	struct cli_call *calls = NULL;
	size_t n = 0;
	int r, ret = CLI_EXIT_FAIL;

	if (cli_open(o, &ring) != 0)
		goto out;
	if ((r = cli_list_calls(ring, &calls, &n)) != 0) {
		fprintf(stderr, "threatrec-decode: %s\n", tr_strerror(r));
		goto out;
	}
	ret = CLI_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		/* a live ring may reuse a slot under us: skip that call */
		if ((r = cli_print_call(ring, &calls[i])) == TR_ERR_STALE || r == TR_ERR_NOTFOUND)
			continue;
		if (r != 0) {
			fprintf(stderr, "threatrec-decode: call in slot %u: %s\n", calls[i].slot,
			        tr_strerror(r));
			ret = CLI_EXIT_FAIL;
		}
	}
	if (fflush(stdout) != 0)
		ret = CLI_EXIT_FAIL;
out:
	free(calls);
	ring_close(ring);
	return ret;
}

/* Notes what the command reads (st_dev/st_ino), so that no output is
 * written over it: the capture file, or the ring and its .marks object.
 * What cannot be stat()ed is left for cli_open to report. */
static void cli_note_inputs(struct cli_opts *o)
{
	o->n_in = 0;
	if (o->file) {
		if (stat(o->file, &o->in[0]) == 0)
			o->in_name[o->n_in++] = o->file;
		return;
	}
	snprintf(o->shm_path[0], sizeof(o->shm_path[0]), "/dev/shm%s", o->ring);
	snprintf(o->shm_path[1], sizeof(o->shm_path[1]), "/dev/shm%s.marks", o->ring);
	for (size_t i = 0; i < 2; i++)
		if (stat(o->shm_path[i], &o->in[o->n_in]) == 0)
			o->in_name[o->n_in++] = o->shm_path[i];
}

/* The input that st is (the same file, through any name), or NULL. */
static const char *cli_input_of(const struct cli_opts *o, const struct stat *st)
{
	for (size_t i = 0; i < o->n_in; i++)
		if (st->st_dev == o->in[i].st_dev && st->st_ino == o->in[i].st_ino)
			return o->in_name[i];
	return NULL;
}

static void cli_refuse(const char *path, const char *in)
{
	fprintf(stderr, "threatrec-decode: %s: refusing to write over the input %s (the same file); "
	        "choose another -o\n", path, in);
}

/* Refuses an output path that is one of the inputs, before anything is
 * opened for writing; 0 or -1 (said why). */
static int cli_out_check(const struct cli_opts *o, const char *path)
{
	struct stat st;
	const char *in;

	if (stat(path, &st) != 0 || !(in = cli_input_of(o, &st)))
		return 0;
	cli_refuse(path, in);
	return -1;
}

/* Opens path for a WAV: the same check, and again on the opened file (no
 * O_TRUNC: nothing is lost if it turns out to be the input after all),
 * then empties a regular file. The fd, or -1 (said why). */
static int cli_out_open(const struct cli_opts *o, const char *path)
{
	struct stat st;
	const char *in;
	int fd = -1, ok = 0;

	if (cli_out_check(o, path) != 0)
		goto out;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "threatrec-decode: %s: cannot write: %s\n", path, strerror(errno));
		goto out;
	}
	if ((in = cli_input_of(o, &st))) {
		cli_refuse(path, in);
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {     /* the RIFF header is written last */
		fprintf(stderr, "threatrec-decode: %s: a WAV cannot go to a pipe or socket (the "
		        "header is written last): give a file\n", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) {
		fprintf(stderr, "threatrec-decode: %s: cannot write: %s\n", path, strerror(errno));
		goto out;
	}
	ok = 1;
out:
	if (!ok && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Writes call cc as a WAV at path. Returns 0, TR_ERR_STALE / TR_ERR_NOTFOUND
 * (the call left a live ring meanwhile: nothing said, no file left) or
 * another error, said once with the file and the reason; a failed regular
 * file is removed, never left half-written. */
static int cli_write_wav(const struct cli_opts *o, const struct ring *ring,
                         const struct cli_call *cc, const char *path, struct decode_wav_info *info)
{
	struct stat st;
	int fd, r, e;

	if ((fd = cli_out_open(o, path)) < 0)
		return TR_ERR_SYS;
	errno = 0;
	r = decode_call_wav(ring, cc->slot, cc->gen, NULL, fd, info);
	e = errno;
	if (r != 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		unlink(path);
	if (close(fd) != 0 && r == 0) {
		e = errno;
		r = TR_ERR_SYS;
		unlink(path);
	}
	if (r != 0 && r != TR_ERR_STALE && r != TR_ERR_NOTFOUND)
		fprintf(stderr, "threatrec-decode: %s: cannot write the WAV: %s\n", path,
		        r == TR_ERR_SYS ? strerror(e ? e : EIO) : tr_strerror(r));
	return r;
}

/* DIR/NNNNN-CALLID.wav with the Call-ID reduced to [A-Za-z0-9._@-]. */
static void cli_wav_name(const char *dir, size_t idx, const char *call_id, char *buf,
                         size_t len)
{
	char safe[81];
	size_t n = 0;

	for (const char *p = call_id; *p && n + 1 < sizeof(safe); p++) {
		char ch = *p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		          (ch >= '0' && ch <= '9') || ch == '.' || ch == '@' || ch == '-';

		safe[n++] = ok ? ch : '_';
	}
	safe[n] = '\0';
	snprintf(buf, len, "%s/%05zu-%s.wav", dir, idx + 1, safe);
}

/* Every call of the ring into o->out (a folder). */
static int cli_cmd_wav_all(const struct cli_opts *o, const struct ring *ring,
                           const struct cli_call *calls, size_t n)
{
	struct ring_call c;
	struct stat st;
	char path[4096];
	int r, ret = CLI_EXIT_OK;

	if ((mkdir(o->out, 0700) != 0 && errno != EEXIST) || stat(o->out, &st) != 0) {
		fprintf(stderr, "threatrec-decode: %s: cannot make the folder: %s\n", o->out,
		        strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "threatrec-decode: %s: not a folder (--all writes one WAV per call "
		        "into -o DIR)\n", o->out);
		return CLI_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		if (ring_call_read(ring, calls[i].slot, &c) != 0 || c.gen != calls[i].gen)
			continue;
		cli_wav_name(o->out, i, c.call_id, path, sizeof(path));
		r = cli_write_wav(o, ring, &calls[i], path, NULL);
		if (r == TR_ERR_STALE || r == TR_ERR_NOTFOUND)
			continue;
		if (r != 0) {
			ret = CLI_EXIT_FAIL;
			continue;
		}
		printf("%s\n", path);
	}
	if (fflush(stdout) != 0)
		ret = CLI_EXIT_FAIL;
	return ret;
}

static int cli_cmd_wav(const struct cli_opts *o)
{
	struct ring *ring = NULL;
	struct cli_call *calls = NULL;
	struct ring_call c;
	struct decode_wav_info info;
	size_t n = 0, matches = 0, pick = 0;
	int r, ret = CLI_EXIT_FAIL;

	if (cli_open(o, &ring) != 0)
		goto out;
	if ((r = cli_list_calls(ring, &calls, &n)) != 0) {
		fprintf(stderr, "threatrec-decode: %s\n", tr_strerror(r));
		goto out;
	}
	if (o->all) {
		ret = cli_cmd_wav_all(o, ring, calls, n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (ring_call_read(ring, calls[i].slot, &c) != 0 || c.gen != calls[i].gen)
			continue;
		if (strcmp(c.call_id, o->call_id) != 0 ||
		    (o->from_tag && strcmp(c.from_tag, o->from_tag) != 0))
			continue;
		if (matches++ == 0)
			pick = i;
	}
	if (matches == 0) {
		char id[4 * RING_CALLID_MAX + 1], tag[4 * RING_TAG_MAX + 1];

		cli_escape(o->call_id, id, sizeof(id));
		cli_escape(o->from_tag ? o->from_tag : "", tag, sizeof(tag));
		fprintf(stderr, "threatrec-decode: no call with Call-ID %s%s%s\n", id,
		        o->from_tag ? " and From-tag " : "", tag);
		goto out;
	}
	if (matches > 1) {
		char id[4 * RING_CALLID_MAX + 1];

		cli_escape(o->call_id, id, sizeof(id));
		fprintf(stderr, "threatrec-decode: warning: %zu calls with Call-ID %s; writing the "
		        "first (use --from-tag to choose)\n", matches, id);
	}
	if ((r = cli_write_wav(o, ring, &calls[pick], o->out, &info)) != 0) {
		if (r == TR_ERR_STALE || r == TR_ERR_NOTFOUND)
			fprintf(stderr, "threatrec-decode: %s: the call left the ring while it was read\n",
			        o->out);
		goto out;
	}
	if (info.streams_silent)
		fprintf(stderr, "threatrec-decode: warning: %u of %u streams have a codec this "
		        "decoder does not handle: left silent\n", info.streams_silent, info.streams);
	ret = CLI_EXIT_OK;
out:
	free(calls);
	ring_close(ring);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "ring", required_argument, NULL, 'r' },
		{ "call-id", required_argument, NULL, 'c' },
		{ "from-tag", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ "ring-owner", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts o;
	int ch;

	memset(&o, 0, sizeof(o));
	o.ring_owner = ring_owner_default();
	setenv("TZ", "UTC", 1);
	tzset();
	log_init("threatrec-decode", LOG_LVL_WARN, 0);
	if (argc < 2) {
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		cli_usage(stdout);
		return CLI_EXIT_OK;
	}
	o.cmd = argv[1];
	if (strcmp(o.cmd, "calls") != 0 && strcmp(o.cmd, "wav") != 0) {
		fprintf(stderr, "threatrec-decode: unknown command '%s'\n", o.cmd);
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	optind = 1;
	while ((ch = getopt_long(argc - 1, argv + 1, "r:c:f:o:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'r': o.ring = optarg; break;
		case 'c': o.call_id = optarg; break;
		case 'f': o.from_tag = optarg; break;
		case 'o': o.out = optarg; break;
		case 'a': o.all = 1; break;
		case 'O':
			if (conf_uid_parse(optarg, &o.ring_owner) != 0) {
				fprintf(stderr, "threatrec-decode: --ring-owner: no such user \"%s\"\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h': cli_usage(stdout); return CLI_EXIT_OK;
		default: cli_usage(stderr); return CLI_EXIT_USAGE;
		}
	}
	/* getopt permuted the operands behind the options: at most one, the FILE */
	if (optind < argc - 1)
		o.file = argv[1 + optind++];
	if (optind < argc - 1 || (!o.file == !o.ring)) {
		fprintf(stderr, "threatrec-decode: give exactly one of FILE or --ring NAME\n");
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (o.ring) {
		char err[256];

		if (conf_shm_name_ok("--ring", o.ring, err, sizeof(err)) != 0) {
			fprintf(stderr, "threatrec-decode: %s\n", err);
			return CLI_EXIT_USAGE;
		}
	}
	if (!strcmp(o.cmd, "calls")) {
		if (o.call_id || o.from_tag || o.out || o.all) {
			fprintf(stderr, "threatrec-decode: calls takes no --call-id/--from-tag/--all/-o\n");
			return CLI_EXIT_USAGE;
		}
		return cli_cmd_calls(&o);
	}
	if (!o.out || !o.call_id == !o.all || (o.all && o.from_tag)) {
		fprintf(stderr, "threatrec-decode: wav needs -o and either --call-id ID or --all\n");
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	/* the Call-ID and tag as `calls` prints them (\xNN) or as raw bytes */
	if ((o.call_id && cli_unescape(o.call_id, o.call_id_buf, sizeof(o.call_id_buf)) != 0) ||
	    (o.from_tag && cli_unescape(o.from_tag, o.from_tag_buf, sizeof(o.from_tag_buf)) != 0)) {
		fprintf(stderr, "threatrec-decode: --call-id or --from-tag is too long or decodes a \\x00\n");
		return CLI_EXIT_USAGE;
	}
	if (o.call_id)
		o.call_id = o.call_id_buf;
	if (o.from_tag)
		o.from_tag = o.from_tag_buf;
	/* -o the input itself: said before the capture is read */
	cli_note_inputs(&o);
	if (!o.all && cli_out_check(&o, o.out) != 0)
		return CLI_EXIT_FAIL;
	return cli_cmd_wav(&o);
}
