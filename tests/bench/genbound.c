/*
 * genbound.c - the bound documents of make bench (run.sh), fast: the
 * document tests/cli/gen-bound.sh makes, byte for byte, through the
 * public API (codec/kmsxchg.h) in one process instead of one kmsxchg
 * export run per 64 keys.
 *
 *     genbound N xml|der PROFILE OUT COMPONENT...
 *
 * N AES-128 keys K0000001... with the ENC profile of PROFILE
 * (samples/exchange/isd-keys.profile.xml: its header lines 1-9 and the
 * key of lines 10-53 without its <Gp> and <Role>, as gen-bound.sh takes
 * them), each value (the fixed test value 40..4F) bound (aes-siv-bound
 * v2) under the transport key rebuilt from the COMPONENT files (test keys
 * only: samples/keys/tk-2026-001.?, mode 0600), recorded as TK-2026-001,
 * document EXCH-GEN for Example Issuer Bank at 2026-01-05T09:30:00Z.
 * Deterministic (AES-SIV is).  Keys are exported CHUNK at a time and
 * written one at a time (kx_writer), so memory stays small; OUT is
 * written to OUT.tmp and renamed.  Not a test: a data generator.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmsxchg.h"

#define CHUNK	4096
#define NCOMP	8

static int
sink(void *arg, const void *p, size_t n)
{
	return fwrite(p, 1, n, arg) == n ? 0 : -1;
}

static void
fail(const char *what, int rc, const kx_diag *d)
{
	const kx_finding *f;
	size_t i;

	fprintf(stderr, "genbound: %s: %s\n", what, kx_strerror(rc));
	for (i = 0; d != NULL && i < kx_diag_count(d) && i < 5; i++) {
		f = kx_diag_get(d, i);
		fprintf(stderr, "genbound:   %s:%u: [%s] %s\n",
		    f->file ? f->file : "-", f->line, f->rule, f->message);
	}
	exit(1);
}

/* The profile's lines: head[] 1-9, key[] 10-53 without <Gp> and <Role>. */
static int
split_profile(char *text, kx_buf *head, kx_buf *key)
{
	char *line = text, *nl;
	int no = 0, gp = 0;

	for (; *line != '\0' && no < 53; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			return -1;
		no++;
		if (no < 10) {
			if (kx_buf_append(head, line, (size_t)(nl - line + 1)))
				return -1;
			continue;
		}
		if (strstr(line, "<Gp>") != NULL && strstr(line, "<Gp>") < nl)
			gp = 1;
		if (gp || (strstr(line, "<Role>") != NULL &&
		    strstr(line, "<Role>") < nl)) {
			if (strstr(line, "</Gp>") != NULL &&
			    strstr(line, "</Gp>") < nl)
				gp = 0;
			continue;
		}
		if (kx_buf_append(key, line, (size_t)(nl - line + 1)))
			return -1;
	}
	return no == 53 ? 0 : -1;
}

/* Keys first+1 .. first+m of the profile, as a document (XML text). */
static int
chunk_text(const kx_buf *head, const kx_buf *key, long first, long m,
    kx_buf *out)
{
	static const char id[] = "ISD-KVN30-ENC";
	const char *k = (const char *)key->data, *at;
	char kid[24];
	long i;

	out->len = 0;
	if ((at = strstr(k, id)) == NULL ||
	    kx_buf_append(out, head->data, head->len))
		return -1;
	for (i = 1; i <= m; i++) {
		snprintf(kid, sizeof(kid), "K%07ld", first + i);
		if (kx_buf_append(out, k, (size_t)(at - k)) ||
		    kx_buf_append(out, kid, strlen(kid)) ||
		    kx_buf_append(out, at + strlen(id),
		    key->len - (size_t)(at - k) - strlen(id)))
			return -1;
	}
	return kx_buf_append(out, "</KeyExchange>\n", 15);
}

int
main(int argc, char **argv)
{
	static const uint8_t val[16] = { 0x40, 0x41, 0x42, 0x43, 0x44, 0x45,
	    0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F };
	kx_component_info ci[NCOMP];
	const uint8_t *kcvs[NCOMP];
	kx_secret *kek = NULL, *values[CHUNK];
	kx_buf prof = { 0 }, head = { 0 }, key = { 0 }, text = { 0 };
	kx_xchg_opts o = { 0 };
	kx_doc *first = NULL, *doc;
	kx_writer *w = NULL;
	kx_diag *d = kx_diag_new();
	enum kx_format fmt;
	char tmp[4096];
	long n, i, m;
	size_t j, nc;
	FILE *f;
	int r;

	if (argc < 7 || (n = atol(argv[1])) <= 0 || n > 9999999 ||
	    argc - 5 > NCOMP ||
	    (strcmp(argv[2], "xml") != 0 && strcmp(argv[2], "der") != 0)) {
		fprintf(stderr, "usage: genbound N xml|der PROFILE OUT "
		    "COMPONENT...\n");
		return 2;
	}
	fmt = strcmp(argv[2], "xml") == 0 ? KX_FMT_XML : KX_FMT_DER;
	nc = (size_t)(argc - 5);
	kx_secmem_init(1 << 20);
	if (d == NULL)
		fail("diag", KX_ENOMEM, NULL);
	if ((r = kx_components_combine((const char *const *)argv + 5, nc, ci,
	    &kek, d)) != KX_OK)
		fail("transport key", r, d);
	for (j = 0; j < nc; j++)
		kcvs[ci[j].index - 1] = ci[j].component_kcv;
	if ((r = kx_file_read(argv[3], 0, &prof, d)) != KX_OK ||
	    (r = kx_buf_append(&prof, "", 1)) != KX_OK)
		fail(argv[3], r, d);
	if (split_profile((char *)prof.data, &head, &key) != 0 ||
	    kx_buf_append(&key, "", 1) != KX_OK)
		fail(argv[3], KX_ESYNTAX, NULL);
	key.len--;
	for (i = 0; i < CHUNK; i++)
		if ((r = kx_secret_from(val, sizeof(val), &values[i])) != KX_OK)
			fail("value", r, NULL);
	if (kx_time_parse("2026-01-05T09:30:00Z", &o.now) != KX_OK)
		fail("time", KX_EINTERNAL, NULL);
	o.doc_id = "EXCH-GEN";
	o.recipient = "Example Issuer Bank";
	o.kek_id = "TK-2026-001";
	o.kek_alg = ci[0].alg;
	o.kek_parts = ci[0].parts;
	o.kek_part_kcvs = kcvs;
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[4]);
	if ((f = fopen(tmp, "wb")) == NULL) {
		perror(tmp);
		return 2;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	for (i = 0; i < n; i += m) {
		m = n - i < CHUNK ? n - i : CHUNK;
		if (chunk_text(&head, &key, i, m, &text) != 0)
			fail("chunk", KX_ENOMEM, NULL);
		if ((r = kx_doc_read(text.data, text.len, KX_FMT_XML, argv[3],
		    &doc, d)) != KX_OK)
			fail("profiles", r, d);
		if ((r = kx_export(doc, values, (size_t)m, kek, &o, d)) !=
		    KX_OK)
			fail("export", r, d);
		if (first == NULL) {
			first = doc;
			if ((r = kx_writer_open(first, fmt, sink, f, &w, d)) !=
			    KX_OK)
				fail("writer", r, d);
		}
		for (j = 0; j < (size_t)m; j++)
			if ((r = kx_writer_key(w, kx_doc_key(doc, j), d)) !=
			    KX_OK)
				fail("write", r, d);
		if (doc != first)
			kx_doc_free(doc);
		kx_diag_clear(d);
	}
	if ((r = kx_writer_finish(w, d)) != KX_OK)
		fail("write", r, d);
	if (fclose(f) != 0 || rename(tmp, argv[4]) != 0) {
		perror(argv[4]);
		return 2;
	}
	kx_writer_free(w);
	kx_doc_free(first);
	for (i = 0; i < CHUNK; i++)
		kx_secret_free(values[i]);
	kx_secret_free(kek);
	kx_buf_free(&prof);
	kx_buf_free(&head);
	kx_buf_free(&key);
	kx_buf_free(&text);
	kx_diag_free(d);
	return 0;
}
