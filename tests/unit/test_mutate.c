/*
 * test_mutate.c - hostile-input sweep over every sample of every reader
 * (native XML, DER, GP KeyProfile): truncations at every length and byte
 * changes at every offset.  Each mutant is either refused with an error
 * code or accepted and then written and read back to the same bytes; it
 * never crashes, hangs or leaks (run under --enable-sanitizers or
 * valgrind to see the latter).  The replay half of the fuzzing story:
 * libFuzzer targets can share the same corpus later.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>

#include "kxtest.h"

static const char *const dirs[] = {
	"samples/exchange", "samples/gp", "samples/gp/artefacts",
	"samples/invalid", "profiles/templates",
};

static size_t accepted, refused;

/* Read a mutant; when accepted, its own output must be a fixed point. */
static void
one(const uint8_t *p, size_t n, const char *what, size_t at)
{
	kx_doc *doc = NULL, *again = NULL;
	kx_buf a = { 0 }, b = { 0 };
	enum kx_format f;
	int r;

	r = kx_doc_read(p, n, KX_FMT_AUTO, "mutant", &doc, NULL);
	if (r != KX_OK) {
		assert_true(r < 0);
		assert_null(doc);
		refused++;
		return;
	}
	accepted++;
	/* GP writes one key only; every document has a native form */
	f = kx_doc_format(doc) == KX_FMT_DER ? KX_FMT_DER : KX_FMT_XML;
	if (kx_doc_write(doc, f, &a, NULL) == KX_OK) {
		if (kx_doc_read(a.data, a.len, f, "again", &again, NULL) !=
		    KX_OK || kx_doc_write(again, f, &b, NULL) != KX_OK ||
		    a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
			fail_msg("%s: mutant at %zu is not stable on rewrite",
			    what, at);
	}
	kx_doc_free(again);
	kx_doc_free(doc);
	kx_buf_free(&a);
	kx_buf_free(&b);
}

static void
sweep(const char *rel)
{
	kx_buf s;
	uint8_t *m;
	size_t i, step;

	kxt_slurp(rel, &s);
	assert_non_null(m = malloc(s.len ? s.len : 1));
	/* every truncation */
	for (i = 0; i < s.len; i += 1 + s.len / 256)
		one(s.data, i, rel, i);
	/* byte changes: flip the low bit, and set to 0x00 and 0xFF */
	step = 1 + s.len / 512;
	for (i = 0; i < s.len; i += step) {
		memcpy(m, s.data, s.len);
		m[i] ^= 0x01;
		one(m, s.len, rel, i);
		m[i] = 0x00;
		one(m, s.len, rel, i);
		m[i] = 0xFF;
		one(m, s.len, rel, i);
	}
	free(m);
	kx_buf_free(&s);
}

static void
mutate_all_samples(void **state)
{
	char rel[512];
	struct dirent *e;
	size_t i, files = 0;
	DIR *dir;

	(void)state;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		assert_non_null(dir = opendir(kxt_src(dirs[i])));
		while ((e = readdir(dir)) != NULL) {
			size_t n = strlen(e->d_name);

			if (n < 5 || (strcmp(e->d_name + n - 4, ".xml") != 0 &&
			    strcmp(e->d_name + n - 4, ".der") != 0))
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", dirs[i],
			    e->d_name);
			sweep(rel);
			files++;
		}
		closedir(dir);
	}
	print_message("%zu files: %zu mutants accepted, %zu refused\n",
	    files, accepted, refused);
	assert_true(files >= 40);
	/* most mutants of a strict format must be refused */
	assert_true(refused > accepted);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mutate_all_samples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
