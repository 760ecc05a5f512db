/*
 * test_fields.c - the model's fields are listed once (issue 8 item 3):
 * codec/fields.def against the XSD and the ASN.1 module (every element
 * and component, in order, with its tag), the C enum name tables against
 * both schemas' enumerations, and every field through every format of
 * the table (a new spoke included, never listed here): unchanged through
 * a format that reports no loss (DER), unchanged or reported as lost
 * (KX009) in the words fields.def gives through one that does (GP); and
 * every field a copy may only narrow is compared (KX124).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "kxtest.h"

#define XS_NS "http://www.w3.org/2001/XMLSchema"

enum group {
#define KX_GROUP(g, xsd, asn1, xpath) G_##g,
#include "fields.def"
	G__N
};

static const struct {
	const char *name, *xsd, *asn1, *xpath;
} groups[G__N] = {
#define KX_GROUP(g, xsd, asn1, xpath) [G_##g] = { #g, xsd, asn1, xpath },
#include "fields.def"
};

static const struct field {
	enum group g;
	const char *xml, *asn1;
	int tag;
	const char *gp;
} fields[] = {
#define KX_FIELD(g, xml, asn1, tag, gp) { G_##g, xml, #asn1, tag, gp },
#include "fields.def"
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const struct narrow {
	enum group g;
	const char *xml, *narrow, *wide;
} narrows[] = {
#define KX_NARROW(g, xml, narrow, wide) { G_##g, xml, narrow, wide },
#include "fields.def"
};
#define NNARROWS (sizeof(narrows) / sizeof(narrows[0]))

static const struct {
	enum kx_enum_type t;
	const char *name, *xsd, *asn1;
} enums[] = {
#define KX_ENUM(t, xsd, asn1) { KX_ENUM_##t, #t, xsd, asn1 },
#include "fields.def"
};
#define NENUMS (sizeof(enums) / sizeof(enums[0]))

/* ---- schema readers ------------------------------------------------- */
static xmlDocPtr
xsd_doc(void)
{
	xmlDocPtr x = xmlReadFile(kxt_src("schema/kmsxchg.xsd"), NULL,
	    XML_PARSE_NONET);

	assert_non_null(x);
	return x;
}

static xmlXPathObjectPtr
xpath(xmlDocPtr x, const char *expr)
{
	xmlXPathContextPtr c = xmlXPathNewContext(x);
	xmlXPathObjectPtr o;

	assert_non_null(c);
	xmlXPathRegisterNs(c, BAD_CAST "xs", BAD_CAST XS_NS);
	xmlXPathRegisterNs(c, BAD_CAST "kx", BAD_CAST KX_NS);
	o = xmlXPathEvalExpression(BAD_CAST expr, c);
	xmlXPathFreeContext(c);
	assert_non_null(o);
	return o;
}

static size_t
nodes(xmlXPathObjectPtr o)
{
	return o->nodesetval == NULL ? 0 : (size_t)o->nodesetval->nodeNr;
}

static const char *
attr_of(xmlXPathObjectPtr o, size_t i, const char *name, char *buf,
    size_t n)
{
	xmlChar *v = xmlGetProp(o->nodesetval->nodeTab[i], BAD_CAST name);

	snprintf(buf, n, "%s", v != NULL ? (const char *)v : "");
	xmlFree(v);
	return buf;
}

/* The text of the ASN.1 type definition "name ::= ...", up to its '}'. */
static char *
asn1_def(const kx_buf *m, const char *name)
{
	char head[128], *p, *s, *e;

	snprintf(head, sizeof(head), "\n%s ::= ", name);
	s = strstr((const char *)m->data, head);
	if (s == NULL)
		fail_msg("%s: no type %s in kmsxchg.asn1", __func__, name);
	if ((p = strchr(s, '{')) == NULL || (e = strchr(p, '}')) == NULL)
		fail_msg("%s: %s has no { }", __func__, name);
	return strndup(p + 1, (size_t)(e - p - 1));
}

/* ---- the field table against the XSD and the ASN.1 module ------------ */
static void
fields_match_xsd(void **state)
{
	char expr[256], buf[128];
	xmlDocPtr x = xsd_doc();
	xmlXPathObjectPtr o;
	size_t i, j, g;

	(void)state;
	for (g = 0; g < G__N; g++) {
		snprintf(expr, sizeof(expr), "//xs:complexType[@name='%s']"
		    "//xs:element", groups[g].xsd);
		o = xpath(x, expr);
		if (nodes(o) == 0)
			fail_msg("no elements in XSD type %s", groups[g].xsd);
		for (i = j = 0; i < NFIELDS; i++) {
			if (fields[i].g != g || fields[i].xml == NULL)
				continue;
			if (j >= nodes(o))
				fail_msg("%s/%s: not in XSD type %s",
				    groups[g].name, fields[i].xml,
				    groups[g].xsd);
			attr_of(o, j++, "name", buf, sizeof(buf));
			if (strcmp(buf, fields[i].xml) != 0)
				fail_msg("%s: fields.def has %s where the XSD "
				    "has %s", groups[g].xsd, fields[i].xml,
				    buf);
		}
		if (j != nodes(o))
			fail_msg("%s: element %s is not in fields.def",
			    groups[g].xsd, attr_of(o, j, "name", buf,
			    sizeof(buf)));
		xmlXPathFreeObject(o);
	}
	xmlFreeDoc(x);
}

static void
fields_match_asn1(void **state)
{
	char name[64], *def, *line, *save;
	kx_buf m;
	size_t i, g;
	int tag;

	(void)state;
	kxt_slurp("schema/kmsxchg.asn1", &m);
	assert_int_equal(kx_buf_append(&m, "", 1), KX_OK);
	for (g = 0; g < G__N; g++) {
		def = asn1_def(&m, groups[g].asn1);
		i = 0;
		for (line = strtok_r(def, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			/* tagged components only: "name [n] Type" */
			if (sscanf(line, " %63[A-Za-z0-9] [%d]", name,
			    &tag) != 2)
				continue;
			while (i < NFIELDS && fields[i].g != g)
				i++;
			if (i == NFIELDS)
				fail_msg("%s: component %s [%d] is not in "
				    "fields.def", groups[g].asn1, name, tag);
			if (strcmp(name, fields[i].asn1) != 0 ||
			    tag != fields[i].tag)
				fail_msg("%s: fields.def has %s [%d] where the "
				    "module has %s [%d]", groups[g].asn1,
				    fields[i].asn1, fields[i].tag, name, tag);
			i++;
		}
		while (i < NFIELDS && fields[i].g != g)
			i++;
		if (i != NFIELDS)
			fail_msg("%s: %s is not in the module", groups[g].asn1,
			    fields[i].asn1);
		free(def);
	}
	kx_buf_free(&m);
}

/* The DER spoke's tag numbers come from the table. */
static void
der_tags_from_table(void **state)
{
	(void)state;
	assert_int_equal(KXI_TAG_PROFILE_usage, 16);
	assert_int_equal(KXI_TAG_PROFILE_export, 31);
	assert_int_equal(KXI_TAG_EXPORT_forms, 1);
	assert_int_equal(KXI_TAG_HEADER_keys, 6);
	assert_int_equal(KXI_TAG_KEY_kcv, 2);
}

/* ---- enumerations: C names, XSD, ASN.1 --------------------------------- */
static void
enums_agree(void **state)
{
	char expr[256], buf[128], name[64], *def, *p;
	xmlDocPtr x = xsd_doc();
	xmlXPathObjectPtr o;
	kx_buf m;
	size_t e, j;
	int v, n, num, len, seen[KX_ENUM__N] = { 0 };

	(void)state;
	kxt_slurp("schema/kmsxchg.asn1", &m);
	assert_int_equal(kx_buf_append(&m, "", 1), KX_OK);
	for (e = 0; e < NENUMS; e++) {
		n = kx_enum_count(enums[e].t);
		assert_true(n > 0);
		seen[enums[e].t] = 1;
		/* XSD: the names in order, "none" left out */
		snprintf(expr, sizeof(expr), "//xs:simpleType[@name='%s']"
		    "//xs:enumeration", enums[e].xsd);
		o = xpath(x, expr);
		for (v = 0, j = 0; v < n; v++) {
			if (strcmp(kx_name(enums[e].t, v), "none") == 0)
				continue;
			if (j >= nodes(o))
				fail_msg("%s: %s missing from XSD %s",
				    enums[e].name, kx_name(enums[e].t, v),
				    enums[e].xsd);
			attr_of(o, j++, "value", buf, sizeof(buf));
			if (strcmp(buf, kx_name(enums[e].t, v)) != 0)
				fail_msg("%s value %d: C %s, XSD %s",
				    enums[e].name, v, kx_name(enums[e].t, v),
				    buf);
		}
		if (j != nodes(o))
			fail_msg("%s: XSD %s has more values than C",
			    enums[e].name, enums[e].xsd);
		xmlXPathFreeObject(o);
		/* ASN.1: every identifier(number), numbers = C values */
		def = asn1_def(&m, enums[e].asn1);
		for (p = def, v = 0; sscanf(p, " %63[A-Za-z0-9-] (%d)%n", name,
		    &num, &len) == 2; v++) {
			if (v >= n || num != v ||
			    strcmp(name, kx_name(enums[e].t, v)) != 0)
				fail_msg("%s: ASN.1 %s has %s(%d), C has "
				    "%s(%d)", enums[e].name, enums[e].asn1,
				    name, num, v < n ? kx_name(enums[e].t, v) :
				    "-", v);
			p += len;
			while (*p == ',' || *p == ' ' || *p == '\t' ||
			    *p == '\n')
				p++;
		}
		if (v != n)
			fail_msg("%s: ASN.1 %s has %d values, C %d",
			    enums[e].name, enums[e].asn1, v, n);
		free(def);
	}
	for (e = 0; e < KX_ENUM__N; e++)
		if (!seen[e])
			fail_msg("enum type %zu is not in fields.def", e);
	kx_buf_free(&m);
	xmlFreeDoc(x);
}

/* ---- every field through every format --------------------------------- */
/* The values of field f in native XML text, joined; NULL when absent. */
static char *
values(const kx_buf *xml, const struct field *f)
{
	char expr[512];
	xmlDocPtr x = xmlReadMemory((const char *)xml->data, (int)xml->len,
	    "x", NULL, XML_PARSE_NONET);
	xmlXPathObjectPtr o;
	kx_buf b = { 0 };
	xmlChar *t;
	size_t i;
	char *r;

	assert_non_null(x);
	snprintf(expr, sizeof(expr), "%s/kx:%s", groups[f->g].xpath, f->xml);
	o = xpath(x, expr);
	for (i = 0; i < nodes(o); i++) {
		t = xmlNodeGetContent(o->nodesetval->nodeTab[i]);
		assert_int_equal(kx_buf_printf(&b, "%s|", t != NULL ?
		    (const char *)t : ""), KX_OK);
		xmlFree(t);
	}
	r = nodes(o) > 0 ? strndup((const char *)b.data, b.len) : NULL;
	xmlXPathFreeObject(o);
	xmlFreeDoc(x);
	kx_buf_free(&b);
	return r;
}

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* A "not carried" finding (KX009) whose message names words. */
static int
lost(const kx_diag *d, const char *words)
{
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++)
		if (strcmp(kx_diag_get(d, i)->rule, "KX009") == 0 &&
		    strstr(kx_diag_get(d, i)->message, words) != NULL)
			return 1;
	return 0;
}

/* Does field f hold a group of its own (whose leaves are compared)? */
static int
container(const struct field *f)
{
	char xp[512];
	size_t g;

	snprintf(xp, sizeof(xp), "%s/kx:%s", groups[f->g].xpath, f->xml);
	for (g = 0; g < G__N; g++)
		if (strcmp(groups[g].xpath, xp) == 0)
			return 1;
	return 0;
}

static int
under_key(enum group g)
{
	return g != G_HEADER && g != G_TK && g != G_CEREMONY;
}

/*
 * Convert key `key` of doc to fmt and back: the native XML of both ends.
 * Returns the writer's result (a key fmt cannot hold at all is refused).
 */
static int
through(const kx_doc *doc, size_t key, enum kx_format fmt, kx_buf *before,
    kx_buf *after, kx_diag *d)
{
	kx_buf mid = { 0 };
	kx_doc *back = NULL;
	int r;

	memset(before, 0, sizeof(*before));
	memset(after, 0, sizeof(*after));
	assert_int_equal(kx_doc_write_key(doc, key, KX_FMT_XML, before,
	    NULL), KX_OK);
	if ((r = kx_doc_write_key(doc, key, fmt, &mid, d)) != KX_OK) {
		kx_buf_free(&mid);
		return r;
	}
	assert_int_equal(kx_doc_read(mid.data, mid.len, fmt, "mid", &back,
	    NULL), KX_OK);
	assert_int_equal(kx_doc_write(back, KX_FMT_XML, after, NULL), KX_OK);
	kx_doc_free(back);
	kx_buf_free(&mid);
	return KX_OK;
}

static const char *const docs[] = {
	"samples/exchange/full-profile.xml",
	"samples/exchange/manufacturer-to-issuer.xml",
	"samples/exchange/isd-keys.profile.xml",
	"samples/exchange/gp-rsacrt-parts.xml",
};
#define NDOCS (sizeof(docs) / sizeof(docs[0]))

/* The KX009 ("not carried") findings of d. */
static size_t
nlost(const kx_diag *d)
{
	size_t i, n = 0;

	for (i = 0; i < kx_diag_count(d); i++)
		n += strcmp(kx_diag_get(d, i)->rule, "KX009") == 0;
	return n;
}

/*
 * Every field of every key of the samples through every format of the
 * table but the native XML (the formats are never listed here: a new
 * spoke is held to this as soon as it has its row).  A format that
 * reports no loss (KX009) for a key gives it back exactly, byte for byte;
 * one that does (a lossy format, as GP) gives back every field it did not
 * report in the words of fields.def, may make up what it requires (the
 * header, transport keys, ids) and may refuse a key, saying why.
 */
static void
every_field_round_trips(void **state)
{
	int present[NFIELDS] = { 0 }, bad = 0;
	int lossy[KX_FMT__N] = { 0 }, refused[KX_FMT__N] = { 0 }, nfmt = 0;
	kx_buf before, after;
	kx_doc *doc;
	kx_diag *d;
	size_t i, k, n;
	int f, loses;
	char *a, *b;

	(void)state;
	for (n = 0; n < NDOCS; n++) {
		assert_int_equal(kx_doc_read_file(kxt_src(docs[n]),
		    KX_FMT_AUTO, &doc, NULL), KX_OK);
		/* no sample has an IV: give the first wrapped value one */
		for (k = 0; k < doc->nkeys; k++)
			if (doc->keys[k].value.form == KX_VALUE_WRAPPED &&
			    doc->keys[k].value.iv.n == 0) {
				doc->keys[k].value.iv.p = kxi_memdup(
				    &doc->arena, "\1\2\3\4\5\6\7\10", 8);
				doc->keys[k].value.iv.n = 8;
				break;
			}
		for (k = 0; k < kx_doc_key_count(doc); k++)
		for (f = KX_FMT_AUTO + 1; f < KX_FMT__N; f++) {
			if (f == KX_FMT_XML)
				continue;	/* the native format: the base */
			nfmt += n == 0 && k == 0;
			d = kx_diag_new();
			if (through(doc, k, (enum kx_format)f, &before, &after,
			    d) != KX_OK) {
				/* a refusal says why */
				assert_true(kx_diag_count_at(d,
				    KX_SEV_ERROR) > 0);
				refused[f] = 1;
				print_message("%s key %zu: not a %s key: %s\n",
				    docs[n], k, kx_format_name(f),
				    kx_diag_get(d, 0)->message);
				kx_buf_free(&before);
				kx_diag_free(d);
				continue;
			}
			loses = nlost(d) > 0;
			lossy[f] |= loses;
			for (i = 0; i < NFIELDS; i++) {
				if (fields[i].xml == NULL ||
				    container(&fields[i]))
					continue;
				if (loses && !under_key(fields[i].g))
					continue;
				a = values(&before, &fields[i]);
				b = values(&after, &fields[i]);
				present[i] |= a != NULL;
				/* a lossy format may synthesise what it
				 * requires (ids, revisions): only a value
				 * set can be lost */
				if (same(a, b) || (a == NULL && loses)) {
					free(a);
					free(b);
					continue;
				}
				if (!loses || fields[i].gp == NULL ||
				    !lost(d, fields[i].gp)) {
					bad++;
					print_error("%s key %zu: %s/%s changed "
					    "through %s without a KX009 "
					    "naming it (%s -> %s)\n", docs[n],
					    k, groups[fields[i].g].name,
					    fields[i].xml, kx_format_name(f),
					    a ? a : "absent",
					    b ? b : "absent");
				}
				free(a);
				free(b);
			}
			if (!loses) {
				assert_int_equal(before.len, after.len);
				assert_memory_equal(before.data, after.data,
				    before.len);
			}
			kx_buf_free(&before);
			kx_buf_free(&after);
			kx_diag_free(d);
		}
		kx_doc_free(doc);
	}
	/* the table has formats besides the native one */
	assert_true(nfmt >= 2);
	/* only a lossy format refuses a key */
	for (f = KX_FMT_AUTO + 1; f < KX_FMT__N; f++)
		if (refused[f] && !lossy[f]) {
			bad++;
			print_error("%s refuses a key but loses nothing of the "
			    "others\n", kx_format_name(f));
		}
	/* the samples together set every field */
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].xml != NULL && !container(&fields[i]) &&
		    !present[i]) {
			bad++;
			print_error("not set in any sample: %s/%s\n",
			    groups[fields[i].g].name, fields[i].xml);
		}
	assert_int_equal(bad, 0);
}

/* ---- KX124: a copy may only narrow ----------------------------------- */
/*
 * The sample with the first <xml> element inside the first <anchor> of its
 * first key set to value.
 */
static kx_doc *
sample_with(const kx_buf *s, const char *anchor, const char *xml,
    const char *value)
{
	char open[64], close[64];
	const char *t = (const char *)s->data, *a, *v, *e;
	kx_buf b = { 0 };
	kx_doc *doc = NULL;

	snprintf(open, sizeof(open), "<%s>", xml);
	snprintf(close, sizeof(close), "</%s>", xml);
	a = strstr(t, "<Key>");
	assert_non_null(a);
	a = strstr(a, anchor);
	assert_non_null(a);
	v = strstr(a, open);
	assert_non_null(v);
	v += strlen(open);
	e = strstr(v, close);
	assert_non_null(e);
	assert_int_equal(kx_buf_append(&b, t, (size_t)(v - t)), KX_OK);
	assert_int_equal(kx_buf_printf(&b, "%s", value), KX_OK);
	assert_int_equal(kx_buf_printf(&b, "%s", e), KX_OK);
	assert_int_equal(kx_doc_read(b.data, b.len, KX_FMT_XML, "copy", &doc,
	    NULL), KX_OK);
	kx_buf_free(&b);
	return doc;
}

static int
widens(const kx_doc *copy, const kx_doc *orig)
{
	kx_diag *d = kx_diag_new();
	int r;

	assert_int_equal(kx_doc_validate(copy, NULL, 1775000000, orig, d),
	    KX_OK);
	r = kxt_has_rule(d, "KX124", KX_SEV_NOTE);
	kx_diag_free(d);
	return r;
}

static void
narrowing_fields_are_compared(void **state)
{
	kx_doc *orig, *copy;
	kx_buf s;
	size_t i, j;

	(void)state;
	kxt_slurp("samples/exchange/full-profile.xml", &s);
	assert_int_equal(kx_buf_append(&s, "", 1), KX_OK);
	for (i = 0; i < NNARROWS; i++) {
		for (j = 0; j < NFIELDS; j++)
			if (fields[j].g == narrows[i].g && fields[j].xml &&
			    strcmp(fields[j].xml, narrows[i].xml) == 0)
				break;
		if (j == NFIELDS)
			fail_msg("KX_NARROW %s/%s is not a field",
			    groups[narrows[i].g].name, narrows[i].xml);
		orig = sample_with(&s, narrows[i].g == G_EXPORT ? "<Export>" :
		    "<Profile>", narrows[i].xml, narrows[i].narrow);
		copy = sample_with(&s, narrows[i].g == G_EXPORT ? "<Export>" :
		    "<Profile>", narrows[i].xml, narrows[i].wide);
		if (widens(orig, orig))
			fail_msg("%s %s: KX124 against itself", narrows[i].xml,
			    narrows[i].narrow);
		if (!widens(copy, orig))
			fail_msg("%s: %s where the original has %s is not "
			    "reported (KX124)", narrows[i].xml,
			    narrows[i].wide, narrows[i].narrow);
		kx_doc_free(orig);
		kx_doc_free(copy);
	}
	kx_buf_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_match_xsd),
		cmocka_unit_test(fields_match_asn1),
		cmocka_unit_test(der_tags_from_table),
		cmocka_unit_test(enums_agree),
		cmocka_unit_test(every_field_round_trips),
		cmocka_unit_test(narrowing_fields_are_compared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
