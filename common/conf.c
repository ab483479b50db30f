/* conf.c - table-driven reader for threatrec.conf. */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "err.h"

static int
conf_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char *
conf_trim(char *s)
{
	size_t n;

	while (conf_is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && conf_is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int
conf_parse_u64(const char *s, uint64_t *v, const char **endp)
{
	char *end = NULL;
	unsigned long long x;

	if (*s < '0' || *s > '9')
		return TR_ERR_CONFIG;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0)
		return TR_ERR_CONFIG;
	*v = x;
	*endp = end;
	return 0;
}

int
conf_parse_size(const char *s, uint64_t *v)
{
	const char *end = NULL;
	uint64_t x, mul = 1;

	if (conf_parse_u64(s, &x, &end) != 0)
		return TR_ERR_CONFIG;
	if (*end == 'K' || *end == 'k') mul = 1024ULL, end++;
	else if (*end == 'M' || *end == 'm') mul = 1024ULL * 1024, end++;
	else if (*end == 'G' || *end == 'g') mul = 1024ULL * 1024 * 1024, end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || (x != 0 && mul > UINT64_MAX / x))
		return TR_ERR_CONFIG;
	*v = x * mul;
	return 0;
}

int
conf_parse_duration(const char *s, uint64_t *ns)
{
	const char *end = NULL;
	uint64_t x, mul = 1000000000ULL;

	if (conf_parse_u64(s, &x, &end) != 0)
		return TR_ERR_CONFIG;
	if (strcmp(end, "ms") == 0) mul = 1000000ULL;
	else if (strcmp(end, "s") == 0 || *end == '\0') mul = 1000000000ULL;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0) mul = 60000000000ULL;
	else if (strcmp(end, "h") == 0) mul = 3600000000000ULL;
	else
		return TR_ERR_CONFIG;
	if (x != 0 && mul > UINT64_MAX / x)
		return TR_ERR_CONFIG;
	*ns = x * mul;
	return 0;
}

int
conf_uid_parse(const char *val, uid_t *out)
{
	struct passwd pw, *res = NULL;
	char buf[1024], *end = NULL;
	unsigned long u = strtoul(val, &end, 10);

	if (*val != '\0' && *end == '\0' && u <= 0x7fffffffUL) {
		*out = (uid_t)u;
		return 0;
	}
	if (getpwnam_r(val, &pw, buf, sizeof buf, &res) == 0 && res != NULL) {
		*out = pw.pw_uid;
		return 0;
	}
	return TR_ERR_NOTFOUND;
}

int
conf_shm_name_ok(const char *what, const char *name, char *err, size_t errlen)
{
	char shown[CONF_SHM_NAME_MAX + 4];
	size_t i, len = strlen(name);
	int r = 0;

	if (name[0] != '/' || len < 2 || len > CONF_SHM_NAME_MAX || strchr(name + 1, '/') != NULL ||
	    strcmp(name, "/.") == 0 || strcmp(name, "/..") == 0)
		r = TR_ERR_CONFIG;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			r = TR_ERR_CONFIG;
	if (r == 0)
		goto out;
	/* shown without its control bytes: the message goes to a terminal or a log */
	for (i = 0; i < len && i < sizeof shown - 4; i++)
		shown[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
	snprintf(shown + i, sizeof shown - i, "%s", i < len ? "..." : "");
	snprintf(err, errlen, "%s \"%s\" must be / and then 1 to %d characters without another / "
	    "(e.g. /threatrec)", what, shown, CONF_SHM_NAME_MAX - 1);
out:
	return r;
}

/* A limit of k as a config file spells it: 1s, 100ms, 1h for a duration,
 * 1M for a size, the plain number otherwise. */
static void
conf_fmt_limit(const struct conf_key *k, uint64_t v, char *buf, size_t n)
{
	static const struct { uint64_t mul; const char *unit; } dur[] = {
		{ 3600000000000ULL, "h" }, { 60000000000ULL, "m" }, { 1000000000ULL, "s" },
		{ 1000000ULL, "ms" }, { 1, "ns" } };
	static const struct { uint64_t mul; const char *unit; } sz[] = {
		{ 1ULL << 30, "G" }, { 1ULL << 20, "M" }, { 1ULL << 10, "K" }, { 1, "" } };
	size_t i;

	if (k->type == CONF_DURATION) {
		for (i = 0; i < sizeof dur / sizeof dur[0]; i++)
			if (v % dur[i].mul == 0 && (v != 0 || dur[i].mul == 1000000000ULL)) {
				snprintf(buf, n, "%" PRIu64 "%s", v / dur[i].mul, dur[i].unit);
				return;
			}
	}
	if (k->type == CONF_SIZE) {
		for (i = 0; i < sizeof sz / sizeof sz[0]; i++)
			if (v != 0 && v % sz[i].mul == 0) {
				snprintf(buf, n, "%" PRIu64 "%s", v / sz[i].mul, sz[i].unit);
				return;
			}
	}
	snprintf(buf, n, "%" PRIu64, v);
}

static int
conf_apply(const struct conf_key *k, void *dst, const char *val, char *err, size_t errlen)
{
	char *field = (char *)dst + k->off;
	const char *end = NULL;
	uint64_t v = 0;
	int r = TR_ERR_CONFIG;

	switch (k->type) {
	case CONF_SHM:
		{
			char what[96];

			snprintf(what, sizeof what, "%s.%s", k->section, k->key);
			if (conf_shm_name_ok(what, val, err, errlen) != 0)
				goto out;
		}
		__attribute__((fallthrough));   /* stored as a string */
	case CONF_STR:
		if (strlen(val) >= k->size) {
			snprintf(err, errlen, "value of %s is too long (max %zu bytes)", k->key, k->size - 1);
			goto out;
		}
		memcpy(field, val, strlen(val) + 1);
		r = 0;
		goto out;
	case CONF_BOOL:
		if (!strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "on") || !strcmp(val, "1"))
			*(int *)field = 1;
		else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "off") || !strcmp(val, "0"))
			*(int *)field = 0;
		else {
			snprintf(err, errlen, "%s must be yes or no, not \"%s\"", k->key, val);
			goto out;
		}
		r = 0;
		goto out;
	case CONF_FUNC:
	case CONF_LIST:
		r = k->fn(dst, val, err, errlen) == 0 ? 0 : TR_ERR_CONFIG;
		goto out;
	case CONF_UID:
		if (conf_uid_parse(val, (uid_t *)field) != 0) {
			snprintf(err, errlen, "%s: no such user \"%s\" (a user name or a uid)", k->key, val);
			goto out;
		}
		r = 0;
		goto out;
	case CONF_MODE:
		{
			char *mend = NULL;
			v = strtoull(val, &mend, 8);
			end = mend;
		}
		if (*val == '\0' || *end != '\0' || v > 07777) {
			snprintf(err, errlen, "%s must be an octal file mode, not \"%s\"", k->key, val);
			goto out;
		}
		*(uint32_t *)field = (uint32_t)v;
		r = 0;
		goto out;
	case CONF_U32:
	case CONF_U64:
		if (conf_parse_u64(val, &v, &end) != 0 || *end != '\0') {
			snprintf(err, errlen, "%s must be a number, not \"%s\"", k->key, val);
			goto out;
		}
		break;
	case CONF_SIZE:
		if (conf_parse_size(val, &v) != 0) {
			snprintf(err, errlen, "%s must be a size such as 512M, not \"%s\"", k->key, val);
			goto out;
		}
		break;
	case CONF_DURATION:
		if (conf_parse_duration(val, &v) != 0) {
			snprintf(err, errlen, "%s must be a duration such as 30s or 10m, not \"%s\"", k->key, val);
			goto out;
		}
		break;
	}
	if (v < k->min || (k->max != 0 && v > k->max)) {
		char lo[32], hi[32];

		/* in the units the file uses (durations are nanoseconds inside) */
		conf_fmt_limit(k, k->min, lo, sizeof lo);
		conf_fmt_limit(k, k->max, hi, sizeof hi);
		if (k->max == 0)
			snprintf(err, errlen, "%s = %s is too small: at least %s", k->key, val, lo);
		else
			snprintf(err, errlen, "%s = %s is out of range %s..%s", k->key, val, lo, hi);
		goto out;
	}
	if (k->type == CONF_U32) {
		if (v > UINT32_MAX) {
			snprintf(err, errlen, "%s = %s is too large", k->key, val);
			goto out;
		}
		*(uint32_t *)field = (uint32_t)v;
	} else
		*(uint64_t *)field = v;
	r = 0;
out:
	return r;
}

/* Every section any threatrec process reads: a section outside this list
 * is a typo (e.g. [snifer]) and an error, not another process's section. */
static const char *const conf_sections[] = { "ring", "sniffer", "vault", "webui" };

static int
conf_section_known(const char *section)
{
	size_t i;

	for (i = 0; i < sizeof conf_sections / sizeof conf_sections[0]; i++)
		if (strcmp(conf_sections[i], section) == 0)
			return 1;
	return 0;
}

static const struct conf_key *
conf_find(const struct conf_key *keys, size_t n, const char *section, const char *key, int *section_known)
{
	size_t i;

	*section_known = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		*section_known = 1;
		if (strcmp(keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

int
conf_set(const struct conf_key *keys, size_t n, void *dst, const char *name,
    const char *value, char *err, size_t errlen)
{
	char section[64];
	const char *dot = strchr(name, '.');
	const struct conf_key *k;
	int known = 0;

	if (dot == NULL || (size_t)(dot - name) >= sizeof section) {
		snprintf(err, errlen, "setting \"%s\" must be section.key", name);
		return TR_ERR_CONFIG;
	}
	memcpy(section, name, (size_t)(dot - name));
	section[dot - name] = '\0';
	if ((k = conf_find(keys, n, section, dot + 1, &known)) == NULL) {
		snprintf(err, errlen, "unknown setting \"%s\"", name);
		return TR_ERR_CONFIG;
	}
	return conf_apply(k, dst, value, err, errlen);
}

int
conf_set_arg(const struct conf_key *keys, size_t n, void *dst, const char *arg,
    char *err, size_t errlen)
{
	char name[128];
	const char *eq = strchr(arg, '=');

	if (eq == NULL || (size_t)(eq - arg) >= sizeof name) {
		snprintf(err, errlen, "\"%s\": expected section.key=value", arg);
		return TR_ERR_CONFIG;
	}
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	return conf_set(keys, n, dst, name, eq + 1, err, errlen);
}

int
conf_load(const char *path, const struct conf_key *keys, size_t n, void *dst,
    char *err, size_t errlen)
{
	char line[CONF_LINE_MAX + 2], section[64] = "", msg[256];
	FILE *f = NULL;
	unsigned lineno = 0, *seen = NULL;   /* seen[i]: the line that set keys[i], 0 = none */
	int r = TR_ERR_CONFIG, known;

	if ((seen = calloc(n ? n : 1, sizeof *seen)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = TR_ERR_NOMEM;
		goto out;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		r = TR_ERR_SYS;
		goto out;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *s, *eq, *key, *val, *hash;
		const struct conf_key *k;

		lineno++;
		if (strlen(line) > CONF_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			goto out;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		s = conf_trim(line);
		if (*s == '\0')
			continue;
		if (*s == '[') {
			size_t l = strlen(s);
			if (s[l - 1] != ']' || l - 2 >= sizeof section || l < 3) {
				snprintf(err, errlen, "%s:%u: bad section header", path, lineno);
				goto out;
			}
			memcpy(section, s + 1, l - 2);
			section[l - 2] = '\0';
			if (!conf_section_known(section)) {
				snprintf(err, errlen, "%s:%u: unknown section [%s] (known: [ring] [sniffer] "
				    "[vault] [webui])", path, lineno, section);
				goto out;
			}
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errlen, "%s:%u: expected \"key = value\"", path, lineno);
			goto out;
		}
		*eq = '\0';
		key = conf_trim(s);
		val = conf_trim(eq + 1);
		if (*section == '\0') {
			snprintf(err, errlen, "%s:%u: \"%s\" outside any [section]", path, lineno, key);
			goto out;
		}
		k = conf_find(keys, n, section, key, &known);
		if (k == NULL) {
			if (!known)
				continue;       /* another process's section */
			snprintf(err, errlen, "%s:%u: unknown key \"%s\" in [%s]", path, lineno, key, section);
			goto out;
		}
		/* a second line for the same key would silently win over the first */
		if (seen[k - keys] != 0 && k->type != CONF_LIST) {
			snprintf(err, errlen, "%s:%u: \"%s\" is set twice in [%s] (first on line %u)", path,
			    lineno, key, section, seen[k - keys]);
			goto out;
		}
		seen[k - keys] = lineno;
		if (conf_apply(k, dst, val, msg, sizeof msg) != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		r = TR_ERR_SYS;
		goto out;
	}
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	free(seen);
	return r;
}
