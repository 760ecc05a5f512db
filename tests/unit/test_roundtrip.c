/*
 * test_roundtrip.c - issue 11 item 2: every reader as strict as the
 * native schema (codec/model/strict.c), and the round trip as the oracle
 * (tests/oracle/oracle.c) over every file below samples/ and tests/ that
 * a reader accepts.
 */
#include "config.h"

#include "kxtest.h"

#include <ftw.h>
#include <sys/stat.h>

#include "oracle.h"

/* ---- every sample and test file a reader accepts round-trips --------- */
static size_t accepted, refused, mismatched, root_len;

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	kx_buf b = { 0 };
	char why[512];
	int r;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size == 0 ||
	    st->st_size > (8 << 20) ||
	    strstr(path + root_len, "/.") != NULL)	/* hidden below root */
		return 0;
	if (kx_file_read(path, 0, &b, NULL) != KX_OK)
		return 0;
	r = kxo_roundtrip(b.data, b.len, KX_FMT_AUTO, 0, why, sizeof(why));
	if (r == 1)
		accepted++;
	else if (r == 0)
		refused++;
	else {
		mismatched++;
		print_message("NO ROUND TRIP: %s: %s\n", path, why);
	}
	kx_buf_free(&b);
	return 0;
}

static void
test_every_accepted_file_round_trips(void **state)
{
	const char *root;

	(void)state;
	/* The source folder may be reached through "..": skip hidden
	 * entries below the root only. */
	root = kxt_src("samples");
	root_len = strlen(root);
	assert_int_equal(nftw(root, visit, 16, FTW_PHYS), 0);
	root = kxt_src("tests");
	root_len = strlen(root);
	assert_int_equal(nftw(root, visit, 16, FTW_PHYS), 0);
	print_message("%zu accepted files round-trip, %zu refused\n",
	    accepted, refused);
	assert_int_equal(mismatched, 0);
	/* the samples at least: 7 exchange documents, 5 GP profiles */
	assert_true(accepted >= 12);
}

/* ---- DER and GP are held to the native schema ------------------------ */
typedef void (*mutate_fn)(kx_doc *doc);

static void m_esc_id(kx_doc *doc) { doc->keys[0].prof.id = "key\x1b[2J"; }
static void m_nl_id(kx_doc *doc) { doc->keys[0].prof.id = "key\nid"; }
static void m_sp_id(kx_doc *doc) { doc->keys[0].prof.id = "key "; }
static void m_esc_comment(kx_doc *doc) { doc->comment = "a\x1b]0;t\x07"; }
static void m_dup_tk(kx_doc *doc) { doc->tks[1].id = doc->tks[0].id; }
static void m_tk_nl(kx_doc *doc) { doc->tks[0].id = "tk\r\n"; }
static void m_period(kx_doc *doc) { doc->keys[0].prof.cryptoperiod = "P1Y2"; }
static void m_period_w(kx_doc *doc) { doc->keys[0].prof.cryptoperiod = "P2W"; }
static void m_period_t(kx_doc *doc) { doc->keys[0].prof.cryptoperiod = "P1YT"; }
/* 0001-01-01, patched to year 0000 in the DER bytes (patch_year0) */
static void m_year0(kx_doc *doc) { doc->keys[0].prof.not_after =
    -62135596800LL; }
static void m_long_ver(kx_doc *doc)
{
	static char v[258];

	memset(v, 'v', 257);
	doc->keys[0].prof.version = v;
}
static void m_empty_ver(kx_doc *doc) { doc->keys[0].prof.version = ""; }
/* patched to C3 28 (not UTF-8) in the DER bytes */
static void m_bad_utf8(kx_doc *doc) { doc->keys[0].prof.name = "@~@~"; }
static void m_kcv33(kx_doc *doc)
{
	static uint8_t k[33];	/* KcvType: a KCV or a 32-byte fingerprint */

	doc->keys[0].kcv.p = k;
	doc->keys[0].kcv.n = sizeof(k);
}
static void m_len(kx_doc *doc) { doc->keys[0].prof.length_bits = 65537; }
static void m_bad_uri(kx_doc *doc)
{
	kxi_extension *e = kxi_array_push(&doc->arena,
	    (void **)&doc->extensions, &doc->nextensions, sizeof(*e));

	assert_non_null(e);
	e->ns = "%zz";
	e->name = "n";
	e->value = "v";
}
static void m_alg_none(kx_doc *doc) { doc->keys[0].prof.alg = KX_ALG_NONE; }
static void m_tk_alg_none(kx_doc *doc) { doc->tks[0].alg = KX_ALG_NONE; }

static const struct {
	const char *name, *path;
	mutate_fn m;
	int tks;	/* needs two transport keys */
	const char *from, *to;	/* then patch the DER bytes */
} bad[] = {
	{ "esc-in-key-id", "Profile/Id", m_esc_id, 0, NULL, NULL },
	{ "newline-in-key-id", "Profile/Id", m_nl_id, 0, NULL, NULL },
	{ "space-ends-key-id", "Profile/Id", m_sp_id, 0, NULL, NULL },
	{ "osc-in-comment", "Header/Comment", m_esc_comment, 0, NULL, NULL },
	{ "duplicate-tk-id", "TransportKey/Id", m_dup_tk, 1, NULL, NULL },
	{ "newline-in-tk-id", "TransportKey/Id", m_tk_nl, 0, NULL, NULL },
	{ "duration-no-unit", "Profile/Cryptoperiod", m_period, 0, NULL, NULL },
	{ "duration-weeks", "Profile/Cryptoperiod", m_period_w, 0, NULL, NULL },
	{ "duration-bare-t", "Profile/Cryptoperiod", m_period_t, 0, NULL, NULL },
	{ "year-0000", "notAfter", m_year0, 0, "00010101000000Z",
	    "00000101000000Z" },
	{ "version-257-chars", "Profile/Version", m_long_ver, 0, NULL, NULL },
	{ "version-empty", "Profile/Version", m_empty_ver, 0, NULL, NULL },
	{ "name-not-utf8", "UTF8String", m_bad_utf8, 0, "@~@~",
	    "\xc3\x28@~" },
	{ "kcv-33-bytes", "Key/Kcv", m_kcv33, 0, NULL, NULL },
	{ "length-65537", "Profile/LengthBits", m_len, 0, NULL, NULL },
	{ "namespace-not-a-uri", "Header/Extension/Namespace: not an "
	    "xs:anyURI", m_bad_uri, 0, NULL, NULL },
	{ "algorithm-none", "Profile/Algorithm: missing", m_alg_none, 0, NULL,
	    NULL },
	{ "tk-algorithm-none", "TransportKey/Algorithm: missing",
	    m_tk_alg_none, 0, NULL, NULL },
};

/* The first finding of rule KX002 whose text holds want. */
static int
has_schema(const kx_diag *d, const char *want)
{
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++) {
		const kx_finding *f = kx_diag_get(d, i);

		if (strcmp(f->rule, "KX002") == 0 &&
		    strstr(f->message, want) != NULL)
			return 1;
	}
	return 0;
}

/*
 * A sample with one field mutated, written by the DER writer (which
 * checks nothing of the sort; a few patched in its bytes), is refused by
 * the DER reader with a KX002 naming the element.  KX_REPRO_DIR=dir
 * keeps the DER inputs there (tests/fuzz/repro/der).
 */
static void
test_der_refuses_what_the_schema_refuses(void **state)
{
	const char *keep = getenv("KX_REPRO_DIR");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kx_doc *doc = NULL, *back = NULL;
		kx_diag *d = kx_diag_new();
		kx_buf b = { 0 };

		assert_int_equal(kx_doc_read_file(kxt_src(
		    "samples/exchange/manufacturer-to-issuer.xml"), KX_FMT_AUTO,
		    &doc, NULL), KX_OK);
		if (bad[i].tks && doc->ntks < 2) {
			kxi_tk *t = kxi_doc_add_tk(doc);

			assert_non_null(t);
			*t = doc->tks[0];
			t->id = "second";
		}
		bad[i].m(doc);
		if (kx_doc_write(doc, KX_FMT_DER, &b, NULL) != KX_OK)
			fail_msg("%s: the DER writer refuses it", bad[i].name);
		if (bad[i].from != NULL) {
			uint8_t *at = memmem(b.data, b.len, bad[i].from,
			    strlen(bad[i].from));

			assert_non_null(at);
			memcpy(at, bad[i].to, strlen(bad[i].to));
		}
		if (keep != NULL) {
			char p[512];

			snprintf(p, sizeof(p), "%s/%s.der", keep, bad[i].name);
			assert_int_equal(kx_file_write_atomic(p, b.data, b.len,
			    0, NULL), KX_OK);
		}
		if (kx_doc_read(b.data, b.len, KX_FMT_DER, "t.der", &back,
		    d) != KX_ESCHEMA || !has_schema(d, bad[i].path))
			fail_msg("%s: DER accepted or no KX002 on %s: %s",
			    bad[i].name, bad[i].path, kx_diag_count(d) ?
			    kx_diag_get(d, 0)->message : "-");
		assert_null(back);
		kx_diag_free(d);
		kx_buf_free(&b);
		kx_doc_free(doc);
	}
}

/* b (NUL-terminated text) with its first from replaced by to. */
static void
replace(kx_buf *b, const char *from, const char *to)
{
	kx_buf o = { 0 };
	const char *at;

	assert_non_null(at = strstr((const char *)b->data, from));
	assert_int_equal(kx_buf_append(&o, b->data,
	    (size_t)(at - (const char *)b->data)), KX_OK);
	assert_int_equal(kx_buf_append(&o, to, strlen(to)), KX_OK);
	assert_int_equal(kx_buf_append(&o, at + strlen(from),
	    strlen(at + strlen(from)) + 1), KX_OK);
	kx_buf_free(b);
	*b = o;
	b->len--;	/* the NUL stays after the text */
}

/*
 * The same through the GP reader: GP's schema takes a Revision/@By with
 * white space at its ends and a Description of any length, the native
 * schema does not (PartyType, TextType).
 */
static void
test_gp_refuses_what_the_schema_refuses(void **state)
{
	static char longtext[5000 + 1];
	const struct {
		const char *from, *to, *path;
	} sub[] = {
		{ "By=\"ISSUER01", "By=\" ISSUER01", "Profile/Revision/By" },
		{ "ISD static ENC key", longtext, "Profile/Description" },
		{ "StartDate=\"2024", "StartDate=\"0000", "StartDate" },
	};
	size_t i;

	(void)state;
	memset(longtext, 'x', sizeof(longtext) - 1);
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		kx_buf b = { 0 };
		kx_doc *doc = NULL;
		kx_diag *d = kx_diag_new();

		kxt_slurp("samples/gp/isd-enc.xml", &b);
		assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
		b.len--;
		replace(&b, sub[i].from, sub[i].to);
		if (kx_doc_read(b.data, b.len, KX_FMT_GP, "gp.xml", &doc, d) !=
		    KX_ESCHEMA || !has_schema(d, sub[i].path))
			fail_msg("GP accepted or no KX002 on %s", sub[i].path);
		kx_doc_free(doc);
		kx_buf_free(&b);
		kx_diag_free(d);
	}
}

/* The xs:duration forms the schema takes stay accepted. */
static void
test_durations_the_schema_takes(void **state)
{
	static const char *const good[] = { "P1Y", "P1Y2M", "PT36H", "P3D",
		"P1Y2M3DT4H5M6S", "PT0.5S", "-P1D", "P0Y", "PT1M" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		kx_doc *doc = NULL, *back = NULL;
		kx_buf b = { 0 };
		kx_diag *d = kx_diag_new();

		assert_int_equal(kx_doc_read_file(kxt_src(
		    "samples/exchange/full-profile.xml"), KX_FMT_AUTO, &doc,
		    NULL), KX_OK);
		doc->keys[0].prof.cryptoperiod = good[i];
		assert_int_equal(kx_doc_write(doc, KX_FMT_DER, &b, NULL),
		    KX_OK);
		if (kx_doc_read(b.data, b.len, KX_FMT_DER, "t.der", &back,
		    d) != KX_OK)
			fail_msg("%s refused", good[i]);
		kx_doc_free(back);
		kx_doc_free(doc);
		kx_buf_free(&b);
		kx_diag_free(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der_refuses_what_the_schema_refuses),
		cmocka_unit_test(test_gp_refuses_what_the_schema_refuses),
		cmocka_unit_test(test_durations_the_schema_takes),
		cmocka_unit_test(test_every_accepted_file_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
