/*
 * fuzz_import.c - libFuzzer target: import and rewrap of a hostile
 * document (any format, detected from content) under the known
 * transport key of the samples (TK-2026-001: 32 bytes of 0x77, see
 * samples/README.md), so that mutations of the sample exports reach the
 * binding, unwrap and KCV checks.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static kx_secret *kek, *kek2;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t k[32];

	(void)argc;
	(void)argv;
	memset(k, 0x77, sizeof(k));
	if (kx_secret_from(k, sizeof(k), &kek) != KX_OK)
		abort();
	memset(k, 0x5a, sizeof(k));
	if (kx_secret_from(k, sizeof(k), &kek2) != KX_OK)
		abort();
	return 0;
}

/* Touch every byte of each value handed over (ASan checks the reads). */
static int
take(void *arg, const kx_doc *doc, size_t index, const kx_secret *value,
    kx_diag *d)
{
	const uint8_t *p = kx_secret_data(value);
	size_t i, n = kx_secret_len(value);
	unsigned *sum = arg;

	(void)doc;
	(void)index;
	(void)d;
	for (i = 0; i < n; i++)
		*sum += p[i];
	return KX_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kx_xchg_opts o;
	kx_diag *d = kx_diag_new();
	kx_doc *doc = NULL;
	unsigned sum = 0;
	int r;

	memset(&o, 0, sizeof(o));
	o.now = KXF_NOW;
	o.kek_id = "TK-FUZZ-2";
	if (kx_doc_read(data, size, KX_FMT_AUTO, "fuzz", &doc, d) != KX_OK)
		goto out;
	r = kx_import(doc, kek, &o, take, &sum, d);
	(void)r;
	if (kx_rewrap(doc, kek, kek2, &o, d) == KX_OK)
		kxf_write_all(doc);
out:
	kx_doc_free(doc);
	kx_diag_free(d);
	return 0;
}
