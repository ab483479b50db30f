/* replay.c - runs a libFuzzer target over files without libFuzzer (gcc).
 * Usage: fuzz_X FILE|DIR...  Directories are walked recursively. Each file
 * is read whole and given to LLVMFuzzerTestOneInput once; a file passes
 * when that returns (a crash ends the run, and the sanitizers or the shell
 * report it). The last line is "N passed, N failed": a file that cannot be
 * read counts as failed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_FILE_MAX (64u * 1024u * 1024u)
#define REPLAY_DEPTH_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

struct replay { unsigned passed, failed; };

static int
read_file(const char *path, uint8_t **bufp, size_t *lenp)
{
	FILE *f = NULL;
	uint8_t *buf = NULL;
	struct stat st;
	size_t n = 0;
	int ret = -1;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) != 0)
		goto out;
	if (st.st_size < 0 || (uint64_t)st.st_size > REPLAY_FILE_MAX)
		goto out;
	/* an exact-size heap buffer, so ASan sees any read past the input */
	if ((buf = malloc(st.st_size ? (size_t)st.st_size : 1)) == NULL)
		goto out;
	if (st.st_size && (n = fread(buf, 1, (size_t)st.st_size, f)) != (size_t)st.st_size)
		goto out;
	*bufp = buf;
	*lenp = n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (f)
		fclose(f);
	return ret;
}

static void
run_one(struct replay *rp, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (read_file(path, &buf, &len) != 0) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
		rp->failed++;
		return;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	rp->passed++;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_path(struct replay *rp, const char *path, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d = NULL;
	char **names = NULL, **nn, *full = NULL;
	size_t n = 0, cap = 0, i;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		rp->failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_one(rp, path);
		return;
	}
	if (depth >= REPLAY_DEPTH_MAX || (d = opendir(path)) == NULL) {
		fprintf(stderr, "replay: cannot walk %s\n", path);
		rp->failed++;
		return;
	}
	/* sorted, so runs are repeatable */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nn = realloc(names, cap * sizeof(*names))) == NULL)
				break;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if (asprintf(&full, "%s/%s", path, names[i]) < 0) {
			rp->failed++;
			continue;
		}
		run_path(rp, full, depth + 1);
		free(full);
		full = NULL;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
main(int argc, char **argv)
{
	struct replay rp = { 0, 0 };
	int i;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		run_path(&rp, argv[i], 0);
	printf("%u passed, %u failed\n", rp.passed, rp.failed);
	return rp.failed ? 1 : 0;
}
