/* conf.h - table-driven reader for threatrec.conf ("key = value" lines in
 * [sections], '#' comments). Every process reads the same file and takes
 * its own sections; unknown sections are skipped, an unknown key inside a
 * known section, a key given twice in a section (except CONF_LIST), a bad
 * value, or a value out of range is an error that names the file and line.
 */
#ifndef TR_CONF_H
#define TR_CONF_H

#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#define CONF_LINE_MAX 1024
#define CONF_SHM_NAME_MAX 100   /* longest shared-memory (ring) name, its / included */

enum conf_type {
	CONF_STR,       /* char[size], value must fit */
	CONF_U32,       /* uint32_t in [min,max] */
	CONF_U64,       /* uint64_t in [min,max] */
	CONF_BOOL,      /* int: yes/no/true/false/on/off/1/0 */
	CONF_SIZE,      /* uint64_t bytes, suffixes K M G (powers of 1024) */
	CONF_DURATION,  /* uint64_t nanoseconds, suffixes ms s m h (no suffix = s) */
	CONF_MODE,      /* uint32_t octal file mode */
	CONF_FUNC,      /* fn(dst, value, err, errlen) parses it (each key once) */
	CONF_LIST,      /* the same, and the key may repeat: each line adds (agent_nets) */
	CONF_SHM,       /* char[size]: a shared-memory object name (conf_shm_name_ok) */
	CONF_UID,       /* uid_t: a user name (looked up when read) or a numeric uid */
};

typedef int (*conf_fn)(void *dst, const char *value, char *err, size_t errlen);

struct conf_key {
	const char *section;
	const char *key;
	enum conf_type type;
	size_t off;              /* offset of the field in the destination struct */
	size_t size;             /* CONF_STR buffer size */
	uint64_t min, max;       /* numeric range (inclusive); max 0 = no limit */
	conf_fn fn;              /* CONF_FUNC */
};

/* Reads path into dst using keys[0..n). Returns 0 or TR_ERR_CONFIG / TR_ERR_SYS /
 * TR_ERR_NOMEM with a message "path:line: ..." (or "path: ...") in err. */
int conf_load(const char *path, const struct conf_key *keys, size_t n, void *dst,
              char *err, size_t errlen);
/* Sets one value ("section.key" = value), e.g. from a command-line override. */
int conf_set(const struct conf_key *keys, size_t n, void *dst, const char *name,
             const char *value, char *err, size_t errlen);
/* The same from one "section.key=value" argument (-s on the command line). */
int conf_set_arg(const struct conf_key *keys, size_t n, void *dst, const char *arg,
                 char *err, size_t errlen);
/* A user name or a numeric uid (CONF_UID): 0, or TR_ERR_NOTFOUND. */
int conf_uid_parse(const char *val, uid_t *out);
/* A shared-memory (ring) name: "/" then 1 to CONF_SHM_NAME_MAX - 1
 * characters, none of them "/" or a control byte, and not "/." or "/..".
 * 0, or TR_ERR_CONFIG with "WHAT \"NAME\" must be ..." in err. */
int conf_shm_name_ok(const char *what, const char *name, char *err, size_t errlen);
/* Parses a size ("64M") / duration ("10m") text; 0 or TR_ERR_CONFIG. */
int conf_parse_size(const char *s, uint64_t *v);
int conf_parse_duration(const char *s, uint64_t *ns);

#endif
