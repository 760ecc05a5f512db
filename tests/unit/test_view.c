/*
 * test_view.c - the HTML key report: every id and KCV of the document is
 * there, no key value ever is (wrapped data, clear test values), and the
 * result is HTML libxml2's HTML parser reads without error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <libxml/HTMLparser.h>

#include "kxtest.h"

static kx_doc *
load(const char *rel)
{
	kx_doc *doc = NULL;

	assert_int_equal(kx_doc_read_file(kxt_src(rel), KX_FMT_AUTO, &doc,
	    NULL), KX_OK);
	return doc;
}

static void
report(const kx_doc *doc, kx_buf *b)
{
	htmlDocPtr h;

	memset(b, 0, sizeof(*b));
	assert_int_equal(kx_doc_report_html(doc, b, NULL), KX_OK);
	assert_int_equal(kx_buf_append(b, "", 1), KX_OK);
	h = htmlReadMemory((const char *)b->data, (int)b->len - 1, "r.html",
	    "UTF-8", HTML_PARSE_NONET | HTML_PARSE_NOERROR |
	    HTML_PARSE_NOWARNING);
	assert_non_null(h);
	xmlFreeDoc(h);
}

static void
has(const kx_buf *b, const char *s)
{
	if (strstr((const char *)b->data, s) == NULL)
		fail_msg("report lacks \"%s\"", s);
}

static void
lacks(const kx_buf *b, const char *s)
{
	if (strstr((const char *)b->data, s) != NULL)
		fail_msg("report shows \"%s\"", s);
}

static void
exchange_report(void **state)
{
	kx_doc *doc = load("samples/exchange/manufacturer-to-issuer.xml");
	kx_buf b;
	char hex[2 * 64 + 1];
	size_t i;

	(void)state;
	report(doc, &b);
	has(&b, "<title>Key report EXCH-2026-0001</title>");
	has(&b, "ISD-KVN30-ENC");
	has(&b, "ISD-KVN30-DEK");
	has(&b, "<span class=\"kcv\">504A77</span> (gp-aes)");
	has(&b, "<span class=\"kcv\">319476</span>");	/* TK-2026-001 */
	has(&b, "<span class=\"kcv\">A740FD</span>");	/* component 3 */
	has(&b, "type 88 KVN 30 KID 01 KUQ 38 scp03 i=70");
	has(&b, "wrapped aes-siv-bound under TK-2026-001");
	has(&b, "<h2>Checked</h2>");
	/* no wrapped value, and so no binding digest either */
	for (i = 0; i < doc->nkeys; i++) {
		const kxi_bytes *v = &doc->keys[i].value.data;

		kxi_hex_encode(v->p, v->n > 64 ? 64 : v->n, hex);
		lacks(&b, hex);
	}
	kx_buf_free(&b);
	kx_doc_free(doc);
}

static void
clear_values_never_shown(void **state)
{
	kx_doc *doc = load("samples/exchange/full-profile.xml");
	kx_buf b;
	size_t i, shown = 0;
	char hex[2 * 64 + 1];

	(void)state;
	report(doc, &b);
	for (i = 0; i < doc->nkeys; i++) {
		const kxi_bytes *c = &doc->keys[i].value.clear;

		if (c->n == 0)
			continue;
		shown++;
		kxi_hex_encode(c->p, c->n > 64 ? 64 : c->n, hex);
		lacks(&b, hex);
		lacks(&b, hex + 2 * (c->n > 8 ? c->n - 8 : 0));
		has(&b, doc->keys[i].prof.id);
	}
	assert_true(shown > 0);		/* the sample has a clear value */
	/* and the document itself is untouched by the report */
	for (i = 0; i < doc->nkeys; i++)
		if (doc->keys[i].value.form == KX_VALUE_CLEAR)
			assert_non_null(doc->keys[i].value.clear.p);
	kx_buf_free(&b);
	kx_doc_free(doc);
}

/* Clear value parts (a GP EC private key's ECC_D) are clear values too. */
static void
clear_parts_never_shown(void **state)
{
	kx_doc *doc = load("samples/gp/openscdp-ec-private.xml");
	const kxi_keyval *v = &doc->keys[0].value;
	kx_buf b;
	char hex[2 * 32 + 1];

	(void)state;
	assert_int_equal(v->form, KX_VALUE_CLEAR);
	assert_int_equal(v->nparts, 2);
	assert_int_equal(v->parts[1].data.n, 32);
	report(doc, &b);
	has(&b, doc->keys[0].prof.id);
	kxi_hex_encode(v->parts[1].data.p, 32, hex);
	lacks(&b, hex);
	lacks(&b, hex + 48);
	lacks(&b, "ECC_D");
	assert_int_equal(v->nparts, 2);	/* the document is untouched */
	kx_buf_free(&b);
	kx_doc_free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exchange_report),
		cmocka_unit_test(clear_values_never_shown),
		cmocka_unit_test(clear_parts_never_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
