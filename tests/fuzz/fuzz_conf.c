/* fuzz_conf.c - the configuration reader (common/conf.c) on arbitrary file
 * contents, with a key table that has every value type. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "conf.h"

struct fz_conf {
	char     s[32];
	char     shm[32];
	uint32_t u32;
	uint64_t u64, size, dur;
	int      b;
	uint32_t mode;
	unsigned calls;
};

static int
fz_fn(void *dst, const char *v, char *err, size_t errlen)
{
	struct fz_conf *c = dst;
	c->calls++;
	if (strlen(v) > 20) {
		snprintf(err, errlen, "too long");
		return -1;
	}
	return 0;
}

#define O(f) offsetof(struct fz_conf, f)
static const struct conf_key fz_keys[] = {
	{ "ring", "s", CONF_STR, O(s), sizeof(((struct fz_conf *)0)->s), 0, 0, NULL },
	{ "ring", "u32", CONF_U32, O(u32), 0, 1, 1000, NULL },
	{ "ring", "u64", CONF_U64, O(u64), 0, 0, 0, NULL },
	{ "sniffer", "size", CONF_SIZE, O(size), 0, 4096, 1ULL << 40, NULL },
	{ "sniffer", "dur", CONF_DURATION, O(dur), 0, 0, 0, NULL },
	{ "vault", "b", CONF_BOOL, O(b), 0, 0, 0, NULL },
	{ "vault", "mode", CONF_MODE, O(mode), 0, 0, 0, NULL },
	{ "webui", "fn", CONF_FUNC, 0, 0, 0, 0, fz_fn },
	{ "webui", "list", CONF_LIST, 0, 0, 0, 0, fz_fn },
	{ "ring", "shm", CONF_SHM, O(shm), sizeof(((struct fz_conf *)0)->shm), 0, 0, NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_conf c;
	char path[64], err[512], val[32];
	int fd = memfd_create("fuzz_conf", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		memset(&c, 0, sizeof c);
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		(void)conf_load(path, fz_keys, sizeof fz_keys / sizeof fz_keys[0], &c, err, sizeof err);
		/* a value that went through the parser, set again by name */
		memcpy(val, c.s, sizeof val);
		val[sizeof val - 1] = '\0';
		(void)conf_set(fz_keys, sizeof fz_keys / sizeof fz_keys[0], &c, "ring.s", val,
		    err, sizeof err);
	}
	close(fd);
	return 0;
}
