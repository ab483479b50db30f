/* main.c - threatrec-vault: init, useradd, verify, run (the daemon).
 * The vault owns the keys, the storage folder and the index; it never
 * opens a network socket and never writes plaintext packets or audio.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sodium.h>
#include <jansson.h>
#include "err.h"
#include "log.h"
#include "vconf.h"
#include "keys.h"
#include "index.h"
#include "audit.h"
#include "auth.h"
#include "notify.h"
#include "recorder.h"
#include "server.h"
#include "verify.h"
#include "container.h"

static volatile sig_atomic_t vault_quit;

static void
on_signal(int sig)
{
	(void)sig;
	vault_quit = 1;
}

static void
usage_to(FILE *f, int code)
{
	fprintf(f,
	    "usage: threatrec-vault [-c CONF] [-s section.key=value ...] COMMAND ...\n"
	    "       threatrec-vault init    -c CONF\n"
	    "       threatrec-vault useradd -c CONF USER ROLE [--extension EXT] [--password-file FILE]\n"
	    "                               [--temporary]\n"
	    "                               (ROLE: agent supervisor investigator admin; password on stdin\n"
	    "                                unless --password-file)\n"
	    "       threatrec-vault userdisable -c CONF USER [--enable]\n"
	    "       threatrec-vault passwd  -c CONF USER [--password-file FILE] [--temporary]\n"
	    "                               (password on stdin; --temporary: the user must choose a\n"
	    "                                new one at the next login)\n"
	    "       threatrec-vault userapprove -c CONF USER   (activates an account added in the web UI\n"
	    "                               that awaits a second admin)\n"
	    "       threatrec-vault verify  -c CONF\n"
	    "       threatrec-vault run     -c CONF [-f] [-v]\n"
	    "       threatrec-vault authority-keygen DIR\n"
	    "       threatrec-vault decrypt KEYDIR vault|authority CONTAINER OUT.pcap\n"
	    "                               (offline: writes the call's packets in plain form to a new\n"
	    "                                file OUT; KEYDIR: the storage folder for vault, the\n"
	    "                                authority-keygen folder for authority)\n"
	    "options (anywhere on the line):\n"
	    "  -c, --config CONF    the configuration file (packaging/threatrec.conf documents it)\n"
	    "  -s, --set section.key=value  override one setting, e.g. -s vault.storage=/srv/vault\n"
	    "                       (repeatable)\n"
	    "  -f, --foreground     run: stay in the foreground, log to stderr\n"
	    "  -v, --verbose        debug logging\n"
	    "  -h, --help           this text\n");
	exit(code);
}

static void
usage(void)
{
	usage_to(stderr, 2);
}

/* The command line: options may come before or after the command and
 * between its arguments (threatrec-vault -c CONF useradd bob agent
 * --extension 1000 and threatrec-vault useradd bob agent -c CONF
 * --extension 1000 are the same). */
struct vault_opts {
	const char *conf;
	const char *sets[32];
	int nsets;
	int foreground, verbose;
	const char *extension;     /* useradd */
	const char *pwfile;        /* useradd, passwd */
	int temporary;             /* useradd, passwd: must_change */
	int enable;                /* userdisable */
	const char *args[4];       /* the command's own arguments */
	int nargs;
};

static void
mkdir_0700(const char *path)
{
	struct stat st;
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		fatal_f("mkdir %s: %s", path, strerror(errno));
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		fatal_f("%s is not a folder", path);
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		fatal_f("%s must be owned by uid %u with mode 0700 (is %03o, uid %u)", path,
		        (unsigned)geteuid(), (unsigned)(st.st_mode & 0777), (unsigned)st.st_uid);
}

/* The commands other than init need a storage folder that init made:
 * say so, naming the command to run, instead of failing on the first key
 * file ("keys in ...: system call failed"). conf: the -c path, for the hint. */
static void
need_init(const struct vconf *c, const char *conf)
{
	char path[VCONF_PATH_MAX + 32];
	struct stat st;

	if (stat(c->storage, &st) != 0) {
		if (errno == ENOENT)
			fatal_f("the vault is not initialised: the storage folder %s does not exist "
			    "(run threatrec-vault init -c %s)", c->storage, conf);
		fatal_f("storage folder %s: %s", c->storage, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		fatal_f("storage %s is not a folder", c->storage);
	snprintf(path, sizeof path, "%s/vault.key", c->storage);
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			fatal_f("the vault is not initialised: %s has no vault.key (run threatrec-vault "
			    "init -c %s)", c->storage, conf);
		fatal_f("%s: %s", path, strerror(errno));
	}
}

static void
open_db(const struct vconf *c, struct index **ixp)
{
	char path[VCONF_PATH_MAX + 32];
	int r;
	snprintf(path, sizeof path, "%s/index.db", c->storage);
	if ((r = index_open(path, ixp)) != 0)
		fatal_fr(r, "index %s", path);
}

/* The audit handle, with the signed head file in the storage folder. */
static void
open_audit(const struct vconf *c, struct index *ix, const struct keys *k, struct audit **aup)
{
	char path[VCONF_PATH_MAX + 32];
	int r;
	snprintf(path, sizeof path, "%s/" AUDIT_HEAD_FILE, c->storage);
	if ((r = audit_open(index_db(ix), k, aup)) != 0 || (r = audit_set_head_file(*aup, path)) != 0)
		fatal_fr(r, "audit");
}

static int
cmd_init(const struct vconf *c)
{
	char sub[VCONF_PATH_MAX + 16], actor[32];
	struct index *ix = NULL;
	struct audit *au = NULL;
	struct keys *k = NULL;
	int r;

	umask(077);
	mkdir_0700(c->storage);
	snprintf(sub, sizeof sub, "%s/rec", c->storage);
	mkdir_0700(sub);
	snprintf(sub, sizeof sub, "%s/tmp", c->storage);
	mkdir_0700(sub);
	if ((r = keys_create(c->storage)) != 0)
		fatal_fr(r, "creating keys in %s (existing keys are never overwritten)", c->storage);
	if ((r = keys_load(c->storage, &k)) != 0)
		fatal_fr(r, "loading the new keys");
	open_db(c, &ix);
	open_audit(c, ix, k, &au);
	snprintf(actor, sizeof actor, "cli uid %u", (unsigned)getuid());
	if ((r = audit_append(au, actor, "init", c->storage, "")) != 0)
		fatal_fr(r, "writing audit row 1");
	printf("vault initialised in %s\n", c->storage);
	audit_close(au);
	index_close(ix);
	keys_free(k);
	return 0;
}

/* One line from file (or stdin); exits with a clear message on failure. */
static void
read_password(const char *file, char *out, size_t n)
{
	FILE *f = stdin;
	size_t len;

	if (file != NULL && (f = fopen(file, "r")) == NULL)
		fatal_f("cannot read the password file %s: %s", file, strerror(errno));
	if (fgets(out, (int)n, f) == NULL)
		fatal_f(file ? "the password file %s is empty" : "no password on standard input%s",
		    file ? file : " (or give --password-file FILE)");
	if (file != NULL)
		fclose(f);
	len = strcspn(out, "\r\n");
	out[len] = '\0';
	if (len < 8 || len > 255)
		fatal_f("the password must be 8-255 bytes (it has %zu)", len);
}

static int
cmd_useradd(const struct vconf *c, const struct vault_opts *vo)
{
	const char *ext = vo->extension ? vo->extension : "", *user = vo->args[0];
	char pass[256], actor[32], detail[128];
	struct auth_pw pw;
	struct index *ix = NULL;
	struct audit *au = NULL;
	struct auth *a = NULL;
	struct keys *k = NULL;
	enum ipc_role role;
	int r;

	if (vo->nargs != 2)
		fatal_f("useradd takes USER ROLE (got %d arguments)", vo->nargs);
	if ((role = auth_role_parse(vo->args[1])) == IPC_ROLE_NONE)
		fatal_f("unknown role %s (agent, supervisor, investigator, admin)", vo->args[1]);
	if (role == IPC_ROLE_AGENT && ext[0] == '\0')
		fatal_f("an agent needs --extension EXT (the phone extension whose calls it sees)");
	need_init(c, vo->conf);
	read_password(vo->pwfile, pass, sizeof pass);
	if ((r = keys_load(c->storage, &k)) != 0)
		fatal_fr(r, "keys in %s", c->storage);
	open_db(c, &ix);
	open_audit(c, ix, k, &au);
	if ((r = auth_open(index_db(ix), c, &a)) != 0)
		fatal_fr(r, "opening the index");
	/* the password is hashed first (0.1 s), then the user and the row
	 * commit together: never an unaudited account */
	r = auth_pw_make(pass, &pw);
	sodium_memzero(pass, sizeof pass);
	if (r == 0 && (r = audit_begin(au)) != 0)
		fatal_fr(r, "opening a transaction on the index");
	if (r == 0) {
		if ((r = auth_user_add_pw(a, user, &pw, role, ext, "")) == 0 && vo->temporary)
			r = auth_user_must_change(a, user, 1);
		if (r != 0)
			audit_abort(au);
	}
	auth_pw_clear(&pw);
	if (r == TR_ERR_INVAL)
		fatal_f("bad user name or extension: letters, digits and . _ @ + - only, at most 63 / 31");
	if (r != 0)
		fatal_fr(r, "adding %s", user);
	snprintf(actor, sizeof actor, "cli uid %u", (unsigned)getuid());
	snprintf(detail, sizeof detail, "{\"role\":\"%s\",\"extension\":\"%.31s\",\"temporary\":%s}",
	         auth_role_name(role), ext, vo->temporary ? "true" : "false");
	if ((r = audit_append(au, actor, "user_add", user, detail)) != 0) {
		audit_abort(au);
		fatal_fr(r, "writing the audit row; user %s not added", user);
	}
	if ((r = audit_commit(au)) != 0)
		fatal_fr(r, "committing; user %s not added", user);
	printf("user %s (%s) added%s\n", user, auth_role_name(role),
	       vo->temporary ? "; the password must be changed at the first login" : "");
	auth_close(a);
	audit_close(au);
	index_close(ix);
	keys_free(k);
	return 0;
}

/* userdisable USER [--enable] / passwd USER [--password-file F] / userapprove USER: the change
 * and its audit row in one transaction; if the row cannot be written the
 * change is rolled back and the command fails. */
static int
cmd_usermod(const struct vconf *c, const char *cmd, const struct vault_opts *vo)
{
	int is_passwd = strcmp(cmd, "passwd") == 0, is_approve = strcmp(cmd, "userapprove") == 0;
	char added_by[64] = "", detail[128] = "";
	const char *user, *action;
	char pass[256], actor[32];
	struct auth_pw pw;
	struct index *ix = NULL;
	struct audit *au = NULL;
	struct auth *a = NULL;
	struct keys *k = NULL;
	int r, enable = vo->enable;

	if (vo->nargs != 1)
		fatal_f("%s takes USER (got %d arguments)", cmd, vo->nargs);
	user = vo->args[0];
	action = is_passwd ? "passwd" : is_approve ? "user_approve" : enable ? "user_enable" : "user_disable";
	memset(&pw, 0, sizeof pw);
	need_init(c, vo->conf);
	if (is_passwd)
		read_password(vo->pwfile, pass, sizeof pass);
	if ((r = keys_load(c->storage, &k)) != 0)
		fatal_fr(r, "keys in %s", c->storage);
	open_db(c, &ix);
	open_audit(c, ix, k, &au);
	if ((r = auth_open(index_db(ix), c, &a)) != 0)
		fatal_fr(r, "opening the index");
	/* the password is hashed first (0.1 s), then the change and its audit
	 * row commit together or not at all */
	r = is_passwd ? auth_pw_make(pass, &pw) : 0;
	sodium_memzero(pass, sizeof pass);
	if (r == 0 && (r = audit_begin(au)) != 0)
		fatal_fr(r, "opening a transaction on the index");
	if (r == 0) {
		r = is_passwd ? auth_user_passwd_pw(a, user, &pw) :
		    is_approve ? auth_user_approve(a, user, "", added_by) : auth_user_disable(a, user, !enable);
		/* a password the operator sets is the user's own unless --temporary */
		if (r == 0 && is_passwd)
			r = auth_user_must_change(a, user, vo->temporary);
		if (r != 0)
			audit_abort(au);
	}
	auth_pw_clear(&pw);
	if (r == TR_ERR_NOTFOUND)
		fatal_f(is_approve ? "no user %s awaits approval" : "no user %s", user);
	if (r == TR_ERR_INVAL && is_approve)
		fatal_f("user %s is disabled: enable it first (userdisable --enable)", user);
	if (r == TR_ERR_INVAL)
		fatal_f("the password must be 8-255 bytes");
	if (r == TR_ERR_EXISTS)
		fatal_f("user %s is already %s", user, enable ? "enabled" : "disabled");
	if (r != 0)
		fatal_fr(r, "%s %s", action, user);
	snprintf(actor, sizeof actor, "cli uid %u", (unsigned)getuid());
	if (is_passwd)
		snprintf(detail, sizeof detail, "{\"sessions\":\"ended\",\"temporary\":%s}",
		         vo->temporary ? "true" : "false");
	else if (is_approve)             /* added_by: a user name, [A-Za-z0-9._@+-] */
		snprintf(detail, sizeof detail, "{\"pending_by\":\"%.63s\"}", added_by);
	if ((r = audit_append(au, actor, action, user, detail)) != 0) {
		audit_abort(au);
		fatal_fr(r, "writing the audit row; %s of %s not done", action, user);
	}
	if ((r = audit_commit(au)) != 0)
		fatal_fr(r, "committing; %s of %s not done", action, user);
	printf(is_passwd ? (vo->temporary ? "password of %s changed; their sessions ended; it must be"
	                    " changed at the next login\n" : "password of %s changed; their sessions ended\n") :
	       is_approve ? "user %s approved: the account can log in\n" :
	       enable ? "user %s enabled\n" : "user %s disabled; their sessions ended\n", user);
	auth_close(a);
	audit_close(au);
	index_close(ix);
	keys_free(k);
	return 0;
}

static int
cmd_verify(const struct vconf *c, const char *conf)
{
	struct index *ix = NULL;
	struct keys *k = NULL;
	int r;

	need_init(c, conf);
	if ((r = keys_load(c->storage, &k)) != 0)
		fatal_fr(r, "keys in %s", c->storage);
	open_db(c, &ix);
	r = verify_all(c, ix, k, stdout);
	printf("%s\n", r == 0 ? "verify: OK" : "verify: FAILED");
	index_close(ix);
	keys_free(k);
	return r == 0 ? 0 : 1;
}

/* Temporary containers of a previous run: resumed recordings restart from
 * their first packet, so every *.part goes. They are encrypted anyway. */
static void
clean_tmp(const struct vconf *c)
{
	char dir[VCONF_PATH_MAX + 16], path[VCONF_PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/tmp", c->storage);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n > 5 && strcmp(de->d_name + n - 5, ".part") == 0) {
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			unlink(path);
		}
	}
	closedir(d);
}

/* The "start" row carries every setting in effect and its SHA-256; when
 * the settings differ from the last start's, a "config_change" row comes
 * first, naming both hashes (DESIGN.md: config changes are audited). The
 * authority key counts by its content, not only its file name. */
static void
audit_start(struct audit *au, const struct vconf *c, const struct keys *k)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1], *txt = NULL, *prev_txt = NULL, *d = NULL;
	json_t *cfg = vconf_json(c), *det = NULL, *prev = NULL;
	const char *prev_hash = NULL;

	if (cfg == NULL)
		goto out;
	if (k->has_auth) {
		crypto_hash_sha256(h, k->auth_pk, sizeof k->auth_pk);
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		json_object_set_new(cfg, "authority_key_sha256", json_string(hex));
	}
	if ((txt = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	crypto_hash_sha256(h, (const uint8_t *)txt, strlen(txt));
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	if ((prev_txt = audit_last_detail(au, "start")) != NULL &&
	    (prev = json_loads(prev_txt, 0, NULL)) != NULL)
		prev_hash = json_string_value(json_object_get(prev, "config_sha256"));
	if (prev_hash != NULL && strcmp(prev_hash, hex) != 0) {
		det = json_pack("{s:s, s:s, s:O}", "from", prev_hash, "to", hex, "config", cfg);
		if (det != NULL && (d = json_dumps(det, JSON_COMPACT | JSON_SORT_KEYS)) != NULL)
			audit_append(au, "vault", "config_change", c->storage, d);
		log_info_f("settings changed since the last start (config %.12s -> %.12s)", prev_hash, hex);
		free(d);
		d = NULL;
		json_decref(det);
	}
	det = json_pack("{s:s, s:O}", "config_sha256", hex, "config", cfg);
	if (det != NULL)
		d = json_dumps(det, JSON_COMPACT | JSON_SORT_KEYS);
out:
	audit_append(au, "vault", "start", c->storage, d != NULL ? d : "");
	free(d);
	free(txt);
	free(prev_txt);
	json_decref(det);
	json_decref(prev);
	json_decref(cfg);
}

static int
cmd_run(const struct vconf *c, const char *conf, int foreground)
{
	struct sigaction sa;
	struct rlimit rl = { 0, 0 };
	struct index *ix = NULL;
	struct audit *au = NULL;
	struct auth *a = NULL;
	struct keys *k = NULL;
	struct notify *nt = NULL;
	struct recorder *rc = NULL;
	struct server *s = NULL;
	char sub[VCONF_PATH_MAX + 16];
	int r;

	umask(077);
	/* Keys and decrypted exports live in this process: no core dumps. */
	prctl(PR_SET_DUMPABLE, 0);
	setrlimit(RLIMIT_CORE, &rl);
	need_init(c, conf);
	mkdir_0700(c->storage);
	snprintf(sub, sizeof sub, "%s/rec", c->storage);
	mkdir_0700(sub);
	snprintf(sub, sizeof sub, "%s/tmp", c->storage);
	mkdir_0700(sub);
	if ((r = keys_load(c->storage, &k)) != 0)
		fatal_fr(r, "keys in %s", c->storage);
	if (c->authority_key[0] != '\0' && (r = keys_load_authority(k, c->authority_key)) != 0)
		fatal_fr(r, "authority_key %s", c->authority_key);
	if (!foreground && daemon(0, 0) != 0)
		fatal_f("daemon: %s", strerror(errno));
	open_db(c, &ix);
	open_audit(c, ix, k, &au);
	if ((r = auth_open(index_db(ix), c, &a)) != 0)
		fatal_fr(r, "opening the index");
	if ((nt = notify_new(c->notify_command, c->notify_timeout_ns)) == NULL ||
	    (rc = recorder_new(c, ix, au, k, nt)) == NULL)
		fatal_f("out of memory");
	clean_tmp(c);
	if ((r = recorder_resume(rc)) != 0)
		fatal_fr(r, "resuming recordings");
	if ((s = server_new(c, ix, au, a, k, rc, nt)) == NULL)
		fatal_f("cannot listen on %s", c->socket);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	audit_start(au, c, k);
	log_info_f("listening on %s, storage %s, ring %s", c->socket, c->storage, c->ring);
	r = server_run(s, &vault_quit);
	audit_append(au, "vault", "stop", c->storage, "");
	log_info_f("stopping (live recordings resume at the next start)");
	server_free(s);
	recorder_free(rc);
	notify_free(nt);
	auth_close(a);
	audit_close(au);
	index_close(ix);
	keys_free(k);
	return r == 0 ? 0 : 1;
}

struct dec_out {
	FILE *f;
	int meta;
};

static int
dec_cb(void *arg, uint8_t kind, const uint8_t *p, size_t n)
{
	struct dec_out *d = arg;
	if (kind == CONTAINER_K_PCAP && fwrite(p, 1, n, d->f) != n)
		return TR_ERR_SYS;
	if (kind == CONTAINER_K_META)
		printf("%s%.*s\n", d->meta++ ? "" : "", (int)n, (const char *)p);
	return 0;
}

/* Offline decryption of one container with the vault's or an authority's
 * key pair: an explicit operator action, outside the daemon. KIND is
 * "vault" (KEYDIR = the storage folder) or "authority" (the folder of
 * authority-keygen); every argument is checked before anything is read, so
 * a mistake gets its own message. OUT is never overwritten (O_EXCL), so it
 * cannot be the container or a key either. */
static int
cmd_decrypt(const char *dir, const char *name, const char *in, const char *out)
{
	uint8_t pk[crypto_box_PUBLICKEYBYTES], *sk = NULL, *buf = NULL;
	char id[CONTAINER_ID_MAX], why[200], key[4096];
	struct dec_out d = { NULL, 0 };
	struct stat st;
	size_t len = 0;
	int r, fd;

	if (strcmp(name, "vault") != 0 && strcmp(name, "authority") != 0)
		fatal_f("the key kind must be vault or authority, not \"%s\" (threatrec-vault "
		    "decrypt KEYDIR vault|authority CONTAINER OUT.pcap)", name);
	snprintf(key, sizeof key, "%s/%s.key", dir, name);
	if (lstat(key, &st) != 0)
		fatal_f("%s: %s (KEYDIR is %s)", key, strerror(errno), name[0] == 'v' ?
		    "the vault's storage folder" : "the folder given to authority-keygen");
	if (lstat(in, &st) != 0)
		fatal_f("%s: %s", in, strerror(errno));
	if (S_ISDIR(st.st_mode))
		fatal_f("%s is a directory: give one container file (rec/NAME.trc in the storage folder)",
		    in);
	if (S_ISLNK(st.st_mode))
		fatal_f("%s is a symbolic link: give the container file itself", in);
	if (!S_ISREG(st.st_mode))
		fatal_f("%s is not a regular file: give one container file", in);
	if (lstat(out, &st) == 0)
		fatal_f("%s already exists: decrypt only writes a new file", out);
	if ((r = keys_load_box(dir, name, pk, &sk)) != 0)
		fatal_fr(r, "%s", key);
	if ((r = container_load(in, UINT64_MAX, &buf, &len)) != 0)
		fatal_f("%s: %s", in, r == TR_ERR_SYS ? strerror(errno) : tr_strerror(r));
	if ((fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    (d.f = fdopen(fd, "wb")) == NULL)
		fatal_f("%s: %s", out, strerror(errno));
	r = container_read(buf, len, pk, sk, id, dec_cb, &d, why, sizeof why);
	fclose(d.f);
	sodium_free(sk);
	free(buf);
	if (r != 0) {
		unlink(out);
		fprintf(stderr, "%s: %s\n", in, why);
		return 1;
	}
	fprintf(stderr, "recording %s: packets written to %s\n", id, out);
	return 0;
}

/* Parses argv[1..]: options anywhere, the command and its arguments in
 * order. Exits with a message on a bad option. */
static void
parse_args(int argc, char **argv, const char **cmdp, struct vault_opts *vo)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "extension", required_argument, NULL, 'e' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "enable", no_argument, NULL, 'E' },
		{ "temporary", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*cmdp = NULL;
	optind = 1;
	opterr = 1;
	/* "-": operands come back as option 1, in order */
	while ((o = getopt_long(argc, argv, "-c:s:fvhe:p:", lopts, NULL)) != -1) {
		switch (o) {
		case 1:
			if (*cmdp == NULL) {
				*cmdp = optarg;
				/* offline commands take paths only: one may start with '-' */
				if (strcmp(optarg, "decrypt") == 0 || strcmp(optarg, "authority-keygen") == 0)
					goto operands;
			} else if (vo->nargs < (int)(sizeof vo->args / sizeof vo->args[0]))
				vo->args[vo->nargs++] = optarg;
			else
				fatal_f("too many arguments (from \"%s\" on)", optarg);
			break;
		case 'c': vo->conf = optarg; break;
		case 's':
			if (vo->nsets == (int)(sizeof vo->sets / sizeof vo->sets[0]))
				fatal_f("too many -s settings (at most %d)", vo->nsets);
			vo->sets[vo->nsets++] = optarg;
			break;
		case 'f': vo->foreground = 1; break;
		case 'v': vo->verbose = 1; break;
		case 'h': usage_to(stdout, 0); break;
		case 'e': vo->extension = optarg; break;
		case 'p': vo->pwfile = optarg; break;
		case 'E': vo->enable = 1; break;
		case 'T': vo->temporary = 1; break;
		default: usage();    /* getopt printed what was wrong */
		}
	}
operands:
	for (; optind < argc; optind++) {   /* after "--", or an offline command's paths */
		if (*cmdp == NULL)
			*cmdp = argv[optind];
		else if (vo->nargs < (int)(sizeof vo->args / sizeof vo->args[0]))
			vo->args[vo->nargs++] = argv[optind];
		else
			fatal_f("too many arguments (from \"%s\" on)", argv[optind]);
	}
	if (*cmdp == NULL)
		usage();
}

/* An option given to a command that does not take it is an error, not
 * silently ignored. */
static void
check_opts(const char *cmd, const struct vault_opts *vo)
{
	int useradd = !strcmp(cmd, "useradd"), passwd = !strcmp(cmd, "passwd");

	if (vo->extension && !useradd)
		fatal_f("%s: --extension is only for useradd", cmd);
	if (vo->pwfile && !useradd && !passwd)
		fatal_f("%s: --password-file is only for useradd and passwd", cmd);
	if (vo->temporary && !useradd && !passwd)
		fatal_f("%s: --temporary is only for useradd and passwd", cmd);
	if (vo->enable && strcmp(cmd, "userdisable") != 0)
		fatal_f("%s: --enable is only for userdisable", cmd);
	if (vo->foreground && strcmp(cmd, "run") != 0)
		fatal_f("%s: -f is only for run", cmd);
}

int
main(int argc, char **argv)
{
	struct vault_opts vo;
	const char *cmd;
	struct vconf c;
	int i;
	char err[512];

	memset(&vo, 0, sizeof vo);
	if (argc < 2)
		usage();
	parse_args(argc, argv, &cmd, &vo);
	umask(077);                  /* every file the vault makes is its own: keys, index, WAL */
	if (sodium_init() < 0)
		fatal_f("libsodium init failed");
	log_init("threatrec-vault", LOG_LVL_INFO, 0);
	if (strcmp(cmd, "authority-keygen") == 0 || strcmp(cmd, "decrypt") == 0) {
		int want = cmd[0] == 'a' ? 1 : 4, r;
		struct stat st;

		if (vo.nargs != want || vo.conf || vo.nsets || vo.extension || vo.pwfile || vo.enable ||
		    vo.temporary || vo.foreground)
			usage();
		if (want == 4)
			return cmd_decrypt(vo.args[0], vo.args[1], vo.args[2], vo.args[3]);
		if (stat(vo.args[0], &st) != 0 || !S_ISDIR(st.st_mode))
			fatal_f("%s is not a folder: create it first (mkdir -m 700 %s)", vo.args[0], vo.args[0]);
		if ((r = keys_create_authority(vo.args[0])) != 0)
			fatal_fr(r, "creating %s/authority.key", vo.args[0]);
		printf("authority key pair written to %s (authority.pub goes into [vault] authority_key)\n",
		    vo.args[0]);
		return 0;
	}
	if (strcmp(cmd, "init") != 0 && strcmp(cmd, "verify") != 0 && strcmp(cmd, "run") != 0 &&
	    strcmp(cmd, "useradd") != 0 && strcmp(cmd, "userdisable") != 0 &&
	    strcmp(cmd, "passwd") != 0 && strcmp(cmd, "userapprove") != 0) {
		fprintf(stderr, "threatrec-vault: unknown command %s\n", cmd);
		usage();
	}
	check_opts(cmd, &vo);
	if ((!strcmp(cmd, "init") || !strcmp(cmd, "verify") || !strcmp(cmd, "run")) && vo.nargs != 0)
		fatal_f("%s takes no arguments (got \"%s\")", cmd, vo.args[0]);
	if (vo.conf == NULL)
		fatal_f("%s: no configuration file given (-c CONF)", cmd);
	if (vconf_load(&c, vo.conf, err, sizeof err) != 0)
		fatal_f("%s", err);
	for (i = 0; i < vo.nsets; i++)
		if (vconf_set_arg(&c, vo.sets[i], err, sizeof err) != 0)
			fatal_f("-s: %s", err);
	log_init("threatrec-vault", vo.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO,
	         strcmp(cmd, "run") == 0 && (!vo.foreground || c.use_syslog));
	if (strcmp(cmd, "init") == 0)
		return cmd_init(&c);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(&c, vo.conf);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(&c, vo.conf, vo.foreground);
	if (strcmp(cmd, "useradd") == 0)
		return cmd_useradd(&c, &vo);
	return cmd_usermod(&c, cmd, &vo);
}
