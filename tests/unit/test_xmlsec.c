/*
 * test_xmlsec.c - the hardened libxml2 layer: DTDs/entities refused
 * (XXE, billion laughs), encodings, size and depth limits, well-formedness
 * errors with line:col, embedded schema compiled once and validation
 * errors as KX002 with the right line.
 *
 * The attack documents are the classic shapes from the OWASP XXE
 * Prevention Cheat Sheet and the "billion laughs" example (see
 * tests/data/SOURCES.md, section "Native XML").
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "kxtest.h"

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

static const char xxe_file[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE r [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
    "<r>&x;</r>\n";

static const char xxe_net[] =
    "<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n<r/>\n";

static const char laughs[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE lolz [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
    "]>\n"
    "<lolz>&lol4;</lolz>\n";

/* A DOCTYPE hidden behind a comment and a PI is still found. */
static const char dtd_late[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n<?pi x?>\n"
    "<!DOCTYPE r>\n<r/>\n";

/* UTF-7 would let "+ADw-!DOCTYPE" past a byte scan: refused. */
static const char utf7[] =
    "<?xml version=\"1.0\" encoding=\"UTF-7\"?>\n<r/>\n";

static const char utf16[] = "\xFF\xFE<\0r\0/\0>\0";

static int
finding_at(const kx_diag *d, const char *rule, uint32_t line)
{
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++) {
		const kx_finding *f = kx_diag_get(d, i);

		if (strcmp(f->rule, rule) == 0 && f->line == line &&
		    f->severity == KX_SEV_ERROR)
			return 1;
	}
	return 0;
}

static void
expect_refused(const uint8_t *buf, size_t len, int rc, uint32_t line)
{
	kx_diag *d = kx_diag_new();
	struct _xmlDoc *x = NULL;

	assert_int_equal(kxi_xml_parse(buf, len, "t.xml", &x, d), rc);
	assert_null(x);
	assert_true(kxt_has_rule(d, "KX001", KX_SEV_ERROR));
	if (line != 0)
		assert_true(finding_at(d, "KX001", line));
	kx_diag_free(d);
}

static void
t_dtd_refused(void **state)
{
	(void)state;
	expect_refused(S(xxe_file), KX_ESYNTAX, 2);
	expect_refused(S(xxe_net), KX_ESYNTAX, 1);
	expect_refused(S(laughs), KX_ESYNTAX, 2);
	expect_refused(S(dtd_late), KX_ESYNTAX, 4);
}

static void
t_dtd_message(void **state)
{
	kx_diag *d = kx_diag_new();
	struct _xmlDoc *x = NULL;

	(void)state;
	assert_int_equal(kxi_xml_parse(S(xxe_file), "t.xml", &x, d),
	    KX_ESYNTAX);
	assert_int_equal(kx_diag_count(d), 1);
	assert_non_null(strstr(kx_diag_get(d, 0)->message,
	    "DTDs are not allowed"));
	assert_string_equal(kx_diag_get(d, 0)->file, "t.xml");
	kx_diag_free(d);
}

static void
t_encodings(void **state)
{
	(void)state;
	expect_refused(S(utf7), KX_ESYNTAX, 1);
	expect_refused(S(utf16), KX_ESYNTAX, 1);
}

static void
t_ok_and_bom(void **state)
{
	static const char ok[] = "\xEF\xBB\xBF<?xml version=\"1.0\" "
	    "encoding=\"utf-8\"?>\n<!-- c -->\n<r a=\"1\"><s>t</s></r>\n";
	struct _xmlDoc *x = NULL;
	kx_diag *d = kx_diag_new();

	(void)state;
	assert_int_equal(kxi_xml_parse(S(ok), "ok.xml", &x, d), KX_OK);
	assert_non_null(x);
	assert_int_equal(kx_diag_count(d), 0);
	xmlFreeDoc(x);
	kx_diag_free(d);
}

static void
t_not_well_formed(void **state)
{
	static const char bad[] = "<r>\n  <s>\n</r>\n";
	struct _xmlDoc *x = NULL;
	kx_diag *d = kx_diag_new();
	const kx_finding *f;

	(void)state;
	assert_int_equal(kxi_xml_parse(S(bad), "bad.xml", &x, d),
	    KX_ESYNTAX);
	assert_null(x);
	assert_true(kx_diag_count(d) >= 1);
	f = kx_diag_get(d, 0);
	assert_string_equal(f->rule, "KX001");
	assert_int_equal(f->line, 3);
	assert_true(f->col > 0);
	kx_diag_free(d);
	expect_refused((const uint8_t *)"", 0, KX_ESYNTAX, 0);
	/* An entity reference without a declaration is an error too. */
	expect_refused(S("<r>&x;</r>"), KX_ESYNTAX, 1);
}

static void
t_depth_limit(void **state)
{
	kx_buf b = { 0 };
	int i;

	(void)state;
	for (i = 0; i < KXI_XML_MAX_DEPTH + 10; i++)
		assert_int_equal(kx_buf_printf(&b, "<a>"), KX_OK);
	for (i = 0; i < KXI_XML_MAX_DEPTH + 10; i++)
		assert_int_equal(kx_buf_printf(&b, "</a>"), KX_OK);
	expect_refused(b.data, b.len, KX_ELIMIT, 1);
	kx_buf_free(&b);

	/* At the limit it still parses. */
	for (i = 0; i < KXI_XML_MAX_DEPTH; i++)
		assert_int_equal(kx_buf_printf(&b, "<a>"), KX_OK);
	for (i = 0; i < KXI_XML_MAX_DEPTH; i++)
		assert_int_equal(kx_buf_printf(&b, "</a>"), KX_OK);
	{
		struct _xmlDoc *x = NULL;

		assert_int_equal(kxi_xml_parse(b.data, b.len, "d", &x, NULL),
		    KX_OK);
		xmlFreeDoc(x);
	}
	kx_buf_free(&b);
}

/* The tree-less well-formedness pass applies the same hardening. */
static void
t_wellformed(void **state)
{
	kx_diag *d = kx_diag_new();

	(void)state;
	assert_int_equal(kxi_xml_wellformed(S("<r>\n<s></r>"), "w", d),
	    KX_ESYNTAX);
	assert_true(finding_at(d, "KX001", 2));
	kx_diag_clear(d);
	assert_int_equal(kxi_xml_wellformed(S(laughs), "w", d), KX_ESYNTAX);
	assert_true(finding_at(d, "KX001", 2));
	assert_int_equal(kxi_xml_wellformed(S("<r>&x;</r>"), "w", NULL),
	    KX_ESYNTAX);
	assert_int_equal(kxi_xml_wellformed(S("<r a='1'><s>t</s></r>"), "w",
	    NULL), KX_OK);
	kx_diag_free(d);
}

/*
 * The scan before libxml2 (kmsxchg(5) LIMITS): each limit admits exactly
 * its value and refuses one more, with KX_ELIMIT and a KX001 finding;
 * KMSXCHG_LIMITS sets them (the defaults are exercised by
 * tests/cli/limits.sh with the hostile inputs).
 */
static int
scan(const char *doc, int unit_depth)
{
	kx_diag *d = kx_diag_new();
	int r = kxi_xml_scan((const uint8_t *)doc, strlen(doc), "s",
	    unit_depth, d);

	if (r == KX_ELIMIT)
		assert_true(kxt_has_rule(d, "KX001", KX_SEV_ERROR));
	kx_diag_free(d);
	return r;
}

static void
t_scan_limits(void **state)
{
	size_t lim[KXI_LIM__N];

	(void)state;
	assert_int_equal(setenv("KMSXCHG_LIMITS",
	    "text=4,refs=2,attrs=2,depth=2,key=20", 1), 0);
	assert_int_equal(kxi_xml_limits(lim, NULL), KX_OK);
	assert_int_equal(lim[KXI_LIM_TEXT], 4);
	assert_int_equal(lim[KXI_LIM_KEY], 20);
	/* text: bytes of a text node (CDATA merged in), attribute values */
	assert_int_equal(scan("<r>abcd</r>", 0), KX_OK);
	assert_int_equal(scan("<r>abcde</r>", 0), KX_ELIMIT);
	assert_int_equal(scan("<r>ab<![CDATA[c]]></r>", 0), KX_ELIMIT);
	assert_int_equal(scan("<r>abcd<!-- c -->abcd</r>", 0), KX_OK);
	assert_int_equal(scan("<r a='abcd'/>", 0), KX_OK);
	assert_int_equal(scan("<r a='abcde'/>", 0), KX_ELIMIT);
	assert_int_equal(setenv("KMSXCHG_LIMITS",
	    "text=100,refs=2,attrs=2,depth=2,key=20", 1), 0);
	/* refs: references or CDATA sections in one text node */
	assert_int_equal(scan("<r>&a;&b;</r>", 0), KX_OK);
	assert_int_equal(scan("<r>&a;&b;&c;</r>", 0), KX_ELIMIT);
	assert_int_equal(scan("<r><![CDATA[]]>&a;<![CDATA[]]></r>", 0),
	    KX_ELIMIT);
	assert_int_equal(scan("<r>&a;&b;<s/>&c;</r>", 0), KX_OK);
	/* attrs: quoted values on one tag; '>' inside a value is text */
	assert_int_equal(scan("<r a='>' b=\"'\"/>", 0), KX_OK);
	assert_int_equal(scan("<r a='' b='' c=''/>", 0), KX_ELIMIT);
	/* depth */
	assert_int_equal(scan("<r><s/><s></s></r>", 0), KX_OK);
	assert_int_equal(scan("<r><s><t/></s></r>", 0), KX_ELIMIT);
	assert_int_equal(setenv("KMSXCHG_LIMITS", "depth=8,key=20", 1), 0);
	/* key: each child of the root (unit 2), the whole root (unit 1) */
	assert_int_equal(scan("<r><k>0123456789ab</k><k/></r>", 2), KX_OK);
	assert_int_equal(scan("<r><k>0123<s/>45678<s/>9abc</k></r>", 2),
	    KX_ELIMIT);
	assert_int_equal(scan("<r><k>0123<s/>45678<s/>9abc</k></r>", 0),
	    KX_OK);
	assert_int_equal(scan("<r>0123<s/>4567<s/></r>", 1), KX_ELIMIT);
	/* malformed input stops the scan: the parser reports it */
	assert_int_equal(scan("<r a='' b='' <c='' d=''>", 0), KX_OK);
	/* a bad override is a usage error */
	assert_int_equal(setenv("KMSXCHG_LIMITS", "text=4,nope=1", 1), 0);
	assert_int_equal(kxi_xml_limits(lim, NULL), KX_EUSAGE);
	assert_int_equal(unsetenv("KMSXCHG_LIMITS"), 0);
	assert_int_equal(kxi_xml_limits(lim, NULL), KX_OK);
	assert_int_equal(lim[KXI_LIM_ATTRS], KXI_XML_MAX_ATTRS);
	assert_int_equal(scan("<r a='' b='' c=''/>", 0), KX_OK);
}

static void
t_size_limit(void **state)
{
	static const uint8_t small[] = "<r/>";
	kx_diag *d = kx_diag_new();

	(void)state;
	/* The size is checked before a byte is read. */
	assert_int_equal(kxi_xml_prolog_check(small,
	    KX_DEFAULT_MAX_INPUT + 1, "big", d), KX_ELIMIT);
	assert_true(kxt_has_rule(d, "KX001", KX_SEV_ERROR));
	assert_int_equal(kxi_xml_prolog_check(small, sizeof(small) - 1,
	    "small", NULL), KX_OK);
	kx_diag_free(d);
}

static void
t_schema_cached(void **state)
{
	struct _xmlSchema *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(kxi_xml_schema_get("kmsxchg.xsd", &a, NULL),
	    KX_OK);
	assert_int_equal(kxi_xml_schema_get("kmsxchg.xsd", &b, NULL),
	    KX_OK);
	assert_non_null(a);
	assert_ptr_equal(a, b);
}

static void
t_schema_validate(void **state)
{
	kx_buf b;
	struct _xmlDoc *x = NULL;
	kx_diag *d = kx_diag_new();
	char *p;

	(void)state;
	kxt_slurp("samples/exchange/manufacturer-to-issuer.xml", &b);
	assert_int_equal(kxi_xml_parse(b.data, b.len, "m.xml", &x, d), KX_OK);
	assert_int_equal(kxi_xml_schema_validate(x, "kmsxchg.xsd",
	    "m.xml", d), KX_OK);
	assert_int_equal(kx_diag_count(d), 0);
	xmlFreeDoc(x);

	/* Line 37 holds <Usage>derive</Usage>: make it an unknown usage. */
	assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
	p = strstr((char *)b.data, "<Usage>derive</Usage>");
	assert_non_null(p);
	memcpy(p + 7, "DERIVE", 6);
	assert_int_equal(kxi_xml_parse(b.data, b.len - 1, "m.xml", &x, d),
	    KX_OK);
	assert_int_equal(kxi_xml_schema_validate(x, "kmsxchg.xsd",
	    "m.xml", d), KX_ESCHEMA);
	assert_true(finding_at(d, "KX002", 37));
	assert_int_equal(kx_diag_get(d, 0)->rc, KX_ESCHEMA);
	xmlFreeDoc(x);
	kx_buf_free(&b);
	kx_diag_free(d);
}

/*
 * No schema message echoes a value, not even its start (issue 7 item 22:
 * 24 characters were kept, 12 bytes of an AES key); element names are
 * kept in full, whatever their namespace.
 */
static void
t_message_redacted(void **state)
{
	static const char doc[] =
	    "<KeyExchange xmlns=\"urn:kmsxchg:xml:ns:1\" version=\"1\">"
	    "<Header><Id>x</Id><Created>"
	    "C0FFEE56789ABCDEF0123456789ABCDEF0123456789</Created>"
	    "</Header></KeyExchange>";
	static const char gp[] =
	    "<KeyProfile xmlns=\"http://namespaces.globalplatform.org/"
	    "systems-profiles/1.1.0\" Bogus=\"C0FFEE\"/>";
	struct _xmlDoc *x = NULL;
	kx_diag *d = kx_diag_new();
	const char *m;
	size_t i;

	(void)state;
	assert_int_equal(kxi_xml_parse(S(doc), "r.xml", &x, NULL), KX_OK);
	assert_int_equal(kxi_xml_schema_validate(x, "kmsxchg.xsd",
	    "r.xml", d), KX_ESCHEMA);
	xmlFreeDoc(x);
	assert_int_equal(kxi_xml_parse(S(gp), "g.xml", &x, NULL), KX_OK);
	assert_int_equal(kxi_xml_schema_validate(x, "gp-keyprofile-1.1.0.xsd",
	    "g.xml", d), KX_ESCHEMA);
	xmlFreeDoc(x);
	assert_true(kx_diag_count(d) >= 2);
	for (i = 0; i < kx_diag_count(d); i++) {
		m = kx_diag_get(d, i)->message;
		assert_null(strstr(m, "C0FF"));
		assert_null(strstr(m, "..."));
		assert_null(strstr(m, "{"));
	}
	m = kx_diag_get(d, 0)->message;
	assert_string_equal(m, "Element 'Created': the value is not a valid "
	    "value of the atomic type 'UtcTime'.");
	assert_non_null(strstr(kx_diag_get(d, kx_diag_count(d) - 1)->message,
	    "Element 'KeyProfile'"));
	kx_diag_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_dtd_refused),
		cmocka_unit_test(t_dtd_message),
		cmocka_unit_test(t_encodings),
		cmocka_unit_test(t_ok_and_bom),
		cmocka_unit_test(t_not_well_formed),
		cmocka_unit_test(t_depth_limit),
		cmocka_unit_test(t_wellformed),
		cmocka_unit_test(t_size_limit),
		cmocka_unit_test(t_schema_cached),
		cmocka_unit_test(t_schema_validate),
		cmocka_unit_test(t_message_redacted),
		cmocka_unit_test(t_scan_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
