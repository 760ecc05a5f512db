/*
 * replay.c - main() for a fuzz target without libFuzzer: feed every file
 * of $KX_SRCDIR/tests/fuzz/corpus/<target>/ and repro/<target>/ (or the
 * files and folders given as arguments) to LLVMFuzzerTestOneInput, one
 * by one, in name order.  make check runs one replay per target; under
 * --enable-sanitizers any memory error, leak or undefined behaviour in
 * one of them fails the test.  A missing or empty corpus folder is a
 * failure (repro/<target>/ may be absent: nothing ever failed there).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef KX_FUZZ_TARGET
#error "compile with -DKX_FUZZ_TARGET='\"name\"'"
#endif

/* Largest input replayed; the corpora hold small files only. */
#define REPLAY_MAX (4u << 20)

static int
run_file(const char *path)
{
	kx_buf b = { NULL, 0, 0, REPLAY_MAX };
	uint8_t *copy;
	int r;

	if ((r = kx_file_read(path, REPLAY_MAX, &b, NULL)) != KX_OK) {
		fprintf(stderr, "replay: %s: %s\n", path, kx_strerror(r));
		return -1;
	}
	/* an exact-size heap copy, so ASan sees reads past the end */
	if ((copy = malloc(b.len ? b.len : 1)) == NULL) {
		kx_buf_free(&b);
		return -1;
	}
	if (b.len)
		memcpy(copy, b.data, b.len);
	(void)LLVMFuzzerTestOneInput(copy, b.len);
	free(copy);
	kx_buf_free(&b);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file of dir in name order; count them in *n. */
static int
run_dir(const char *dir, size_t *n)
{
	DIR *dp;
	struct dirent *e;
	char **names = NULL, **t, path[4096];
	size_t count = 0, cap = 0, i;
	int r = 0;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			if ((t = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				r = -1;
				goto out;
			}
			names = t;
		}
		if ((names[count] = strdup(e->d_name)) == NULL) {
			r = -1;
			goto out;
		}
		count++;
	}
	if (count)
		qsort(names, count, sizeof(*names), cmp_names);
	for (i = 0; i < count && r == 0; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path)) {
			r = -1;
			break;
		}
		r = run_file(path);
		(*n)++;
	}
out:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	closedir(dp);
	return r;
}

static int
run_path(const char *path, size_t *n)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: not found\n", path);
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return run_dir(path, n);
	(*n)++;
	return run_file(path);
}

int
main(int argc, char **argv)
{
	const char *src = getenv("KX_SRCDIR");
	char corpus[4096], repro[4096];
	size_t ncorpus = 0, nrepro = 0;
	struct stat st;
	int i;

	if (LLVMFuzzerInitialize(&argc, &argv) != 0)
		return 1;
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (run_path(argv[i], &ncorpus) != 0)
				return 1;
		printf("replayed %zu inputs of fuzz_%s\n", ncorpus,
		    KX_FUZZ_TARGET);
		return 0;
	}
	if (src == NULL)
		src = ".";
	(void)snprintf(corpus, sizeof(corpus), "%s/tests/fuzz/corpus/%s", src,
	    KX_FUZZ_TARGET);
	(void)snprintf(repro, sizeof(repro), "%s/tests/fuzz/repro/%s", src,
	    KX_FUZZ_TARGET);
	if (run_dir(corpus, &ncorpus) != 0 || ncorpus == 0) {
		fprintf(stderr, "replay: %s: missing, empty or unreadable\n",
		    corpus);
		return 1;
	}
	if (stat(repro, &st) == 0 && run_dir(repro, &nrepro) != 0) {
		fprintf(stderr, "replay: %s: unreadable\n", repro);
		return 1;
	}
	printf("fuzz_%s: replayed %zu corpus and %zu regression inputs\n",
	    KX_FUZZ_TARGET, ncorpus, nrepro);
	return 0;
}
