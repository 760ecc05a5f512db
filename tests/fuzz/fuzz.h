/*
 * fuzz.h - what every libFuzzer target in tests/fuzz/ defines, and the
 * few helpers they share.  Each fuzz_<target>.c is linked either with
 * libFuzzer (configure --enable-fuzzing CC=clang; make fuzz) or with
 * replay.c (make check), which feeds it every file of corpus/<target>/
 * and repro/<target>/.
 */
#ifndef KX_FUZZ_H
#define KX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kmsxchg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A target without set-up defines KXF_NO_INIT before including this. */
#ifdef KXF_NO_INIT
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}
#endif

/* Reference time of every target: 2026-01-05T10:00:00Z. */
#define KXF_NOW ((int64_t)1767607200)

/*
 * Write the document in every format; the result is not judged here
 * (the document targets hold it to the round-trip oracle, fuzz_doc.h),
 * the writers only must not crash, leak or invoke undefined behaviour.
 */
static inline void
kxf_write_all(const kx_doc *doc)
{
	static const enum kx_format f[] = { KX_FMT_XML, KX_FMT_DER,
		KX_FMT_GP };
	kx_buf b = { NULL, 0, 0, 0 };
	kx_diag *d = kx_diag_new();
	size_t i;
	int r;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		b.len = 0;
		if (f[i] == KX_FMT_GP && kx_doc_key_count(doc) > 0)
			r = kx_doc_write_key(doc, 0, f[i], &b, d);
		else
			r = kx_doc_write(doc, f[i], &b, d);
		(void)r;
	}
	kx_buf_free(&b);
	kx_diag_free(d);
}

/*
 * Read the document at rel below $KX_SRCDIR (make check and make fuzz
 * set it) as a fixed partner for the target; a missing file is fatal.
 */
static inline kx_doc *
kxf_src_doc(const char *rel)
{
	const char *src = getenv("KX_SRCDIR");
	char path[4096];
	kx_doc *doc = NULL;

	if (src == NULL)
		src = ".";
	if (snprintf(path, sizeof(path), "%s/%s", src, rel) >=
	    (int)sizeof(path) ||
	    kx_doc_read_file(path, KX_FMT_AUTO, &doc, NULL) != KX_OK) {
		fprintf(stderr, "fuzz: cannot read %s (set KX_SRCDIR)\n",
		    path);
		abort();
	}
	return doc;
}

#endif /* KX_FUZZ_H */
