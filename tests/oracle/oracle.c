/*
 * oracle.c - the round-trip oracle (oracle.h).
 *
 * The model is compared through its canonical DER: the DER spoke writes
 * every field of the field table (codec/model/fields.def, checked both
 * ways by test_fields) under its own tag, and DER -> model -> DER is
 * byte-exact, so two documents with the same canonical DER hold the same
 * model.  A mismatch is described by the first differing line of the two
 * native XML forms, which names the element.
 *
 * Targets: native XML and DER carry everything, so x -> F -> model must
 * give x's model back.  A GP KeyProfile holds one key and not every
 * attribute, so every key is written to GP on its own (a key GP cannot
 * hold at all, KX_EUNSUPPORTED, is skipped), its GP form must be a fixed
 * point (GP -> model -> GP -> model gives the same model), and an input
 * that is itself GP must come back whole unless the writer reported what
 * it could not carry (KX009).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#include "internal.h"
#include "oracle.h"

struct ox {
	char *why;
	size_t size;
};

static int fail(struct ox *o, const char *fmt, ...) KX_PRINTF(2, 3);

static int
fail(struct ox *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->why, o->size, fmt, ap);
	va_end(ap);
	return -1;
}

/* The first finding of d as "KX002 text" (for messages). */
static const char *
first(const kx_diag *d)
{
	static char buf[200];
	const kx_finding *f;
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++) {
		f = kx_diag_get(d, i);
		if (f->severity == KX_SEV_ERROR) {
			snprintf(buf, sizeof(buf), "%s %s", f->rule,
			    f->message);
			return buf;
		}
	}
	return "(no finding)";
}

/* The first line where the native XML forms of a and b differ. */
static void
xml_diff(const kx_doc *a, const kx_doc *b, char *out, size_t size)
{
	kx_buf x = { 0 }, y = { 0 };
	size_t i = 0, ls = 0, line = 1, e1, e2;

	snprintf(out, size, "(no XML form)");
	if (kx_doc_write(a, KX_FMT_XML, &x, NULL) != KX_OK ||
	    kx_doc_write(b, KX_FMT_XML, &y, NULL) != KX_OK)
		goto out;
	while (i < x.len && i < y.len && x.data[i] == y.data[i]) {
		if (x.data[i++] == '\n') {
			ls = i;
			line++;
		}
	}
	for (e1 = ls; e1 < x.len && x.data[e1] != '\n'; e1++)
		;
	for (e2 = ls; e2 < y.len && y.data[e2] != '\n'; e2++)
		;
	snprintf(out, size, "line %zu: '%.*s' became '%.*s'", line,
	    (int)(e1 - ls > 80 ? 80 : e1 - ls), (const char *)x.data + ls,
	    (int)(e2 - ls > 80 ? 80 : e2 - ls), (const char *)y.data + ls);
out:
	kx_buf_free(&x);
	kx_buf_free(&y);
}

/* Did the writer report an attribute it cannot carry (KX009)? */
static int
kxt_has_kx009(const kx_diag *d)
{
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++)
		if (strcmp(kx_diag_get(d, i)->rule, "KX009") == 0)
			return 1;
	return 0;
}

/* Same model: the same canonical DER. */
static int
same(struct ox *o, const kx_doc *a, const kx_doc *b, const char *path)
{
	kx_buf x = { 0 }, y = { 0 };
	char diff[256];
	int r = 1;

	if (kx_doc_write(a, KX_FMT_DER, &x, NULL) != KX_OK ||
	    kx_doc_write(b, KX_FMT_DER, &y, NULL) != KX_OK)
		r = fail(o, "%s: no canonical DER to compare", path);
	else if (x.len != y.len || memcmp(x.data, y.data, x.len) != 0) {
		xml_diff(a, b, diff, sizeof(diff));
		r = fail(o, "%s: the model changed (%s)", path, diff);
	}
	kx_buf_free(&x);
	kx_buf_free(&y);
	return r;
}

/*
 * Write doc (key i only when i != SIZE_MAX) as fmt and read it back into
 * *out: 1, or 0 when a format of one key cannot hold that key at all
 * (*out NULL), or -1.
 */
static int
through(struct ox *o, const kx_doc *doc, size_t i, enum kx_format fmt,
    const char *path, kx_doc **out, int *lost)
{
	kx_diag *d = kx_diag_new();
	kx_buf b = { 0 };
	int r = 1, rc;

	*out = NULL;
	if (d == NULL)
		return fail(o, "out of memory");
	if ((rc = i == SIZE_MAX ? kx_doc_write(doc, fmt, &b, d) :
	    kx_doc_write_key(doc, i, fmt, &b, d)) == KX_EUNSUPPORTED &&
	    (kx_format_caps(fmt) & KX_CAP_KEYS) == 0)
		r = 0;	/* a key GP cannot hold at all (an HMAC key) */
	else if (rc != KX_OK)
		r = fail(o, "%s: the %s writer refuses it: %s", path,
		    kx_format_name(fmt), first(d));
	else if (lost != NULL && (*lost = kxt_has_kx009(d), 0))
		;
	else if (kx_doc_read(b.data, b.len, fmt, "roundtrip", out, d) !=
	    KX_OK)
		r = fail(o, "%s: the %s reader refuses the %s writer's "
		    "output: %s", path, kx_format_name(fmt),
		    kx_format_name(fmt), first(d));
	kx_buf_free(&b);
	kx_diag_free(d);
	return r;
}

/* The native XML of doc against the embedded XSD. */
static int
xsd_valid(struct ox *o, const kx_doc *doc)
{
	kx_diag *d = kx_diag_new();
	kx_buf b = { 0 };
	struct _xmlDoc *x = NULL;
	int r = 1;

	if (d == NULL)
		return fail(o, "out of memory");
	if (kx_doc_write(doc, KX_FMT_XML, &b, d) != KX_OK)
		r = fail(o, "native XML: the writer refuses it: %s", first(d));
	else if (kxi_xml_parse(b.data, b.len, "roundtrip", &x, d) != KX_OK)
		r = fail(o, "native XML: not well-formed: %s", first(d));
	else if (kxi_xml_schema_validate(x, "kmsxchg.xsd", "roundtrip",
	    d) != KX_OK)
		r = fail(o, "native XML: not valid against kmsxchg.xsd: %s",
		    first(d));
	if (x != NULL)
		xmlFreeDoc(x);
	kx_buf_free(&b);
	kx_diag_free(d);
	return r;
}

/* The text summary (show) holds no control character but LF. */
static int
summary_clean(struct ox *o, const kx_doc *doc)
{
	kx_buf b = { 0 };
	size_t i;
	int r = 1;

	if (kx_doc_summary(doc, &b) != KX_OK)
		r = fail(o, "show: no summary");
	for (i = 0; r == 1 && i < b.len; i++) {
		uint8_t c = b.data[i];

		if ((c < 0x20 && c != '\n') || c == 0x7F ||
		    (c == 0xC2 && i + 1 < b.len && b.data[i + 1] >= 0x80 &&
		    b.data[i + 1] <= 0x9F))
			r = fail(o, "show: a raw control character at byte "
			    "%zu of the summary", i);
	}
	kx_buf_free(&b);
	return r;
}

int
kxo_roundtrip(const uint8_t *buf, size_t len, int fmt, size_t max_keys,
    char *why, size_t size)
{
	struct ox o = { why, size };
	kx_doc *doc = NULL, *d1 = NULL, *d2 = NULL;
	enum kx_format src;
	char path[64];
	size_t i, n;
	int r, f, lost = 0;

	if (size > 0)
		why[0] = '\0';
	if (kx_doc_read(buf, len, (enum kx_format)fmt, "input", &doc, NULL) !=
	    KX_OK)
		return 0;
	src = doc->source_format;
	if ((r = summary_clean(&o, doc)) != 1 || (r = xsd_valid(&o, doc)) != 1)
		goto out;
	/*
	 * Every format of the table (never listed here): one of many keys
	 * takes the document whole and gives it back as it was, but for
	 * what it reported lost (KX009) ...
	 */
	for (f = KX_FMT_AUTO + 1; f < KX_FMT__N; f++) {
		if ((kx_format_caps((enum kx_format)f) & KX_CAP_KEYS) == 0)
			continue;
		snprintf(path, sizeof(path), "%s -> %s", kx_format_name(src),
		    kx_format_name((enum kx_format)f));
		if ((r = through(&o, doc, SIZE_MAX, (enum kx_format)f, path,
		    &d1, &lost)) != 1 ||
		    (!lost && (r = same(&o, doc, d1, path)) != 1))
			goto out;
		kx_doc_free(d1);
		d1 = NULL;
	}
	/* ... one of one key per document takes each key on its own */
	n = max_keys != 0 && doc->nkeys > max_keys ? max_keys : doc->nkeys;
	for (f = KX_FMT_AUTO + 1; f < KX_FMT__N; f++)
	for (i = 0; i < n; i++) {
		enum kx_format to = (enum kx_format)f;

		if ((kx_format_caps(to) & KX_CAP_KEYS) != 0)
			break;
		snprintf(path, sizeof(path), "%s -> %s (key %zu)",
		    kx_format_name(src), kx_format_name(to), i);
		if ((r = through(&o, doc, i, to, path, &d1, &lost)) == 0)
			continue;	/* a key the format cannot hold at all */
		if (r != 1)
			goto out;
		/* an input of that format comes back whole but for what
		 * was reported */
		if (src == to && !lost &&
		    (r = same(&o, doc, d1, path)) != 1)
			goto out;
		/* and the format's form of any key is a fixed point */
		snprintf(path, sizeof(path), "%s -> %s -> %s (key %zu)",
		    kx_format_name(src), kx_format_name(to),
		    kx_format_name(to), i);
		if ((r = through(&o, d1, SIZE_MAX, to, path, &d2,
		    NULL)) == 0)
			r = fail(&o, "%s: %s refuses a key it read", path,
			    kx_format_name(to));
		if (r != 1 || (r = same(&o, d1, d2, path)) != 1)
			goto out;
		kx_doc_free(d1);
		kx_doc_free(d2);
		d1 = d2 = NULL;
	}
	r = 1;
out:
	kx_doc_free(d2);
	kx_doc_free(d1);
	kx_doc_free(doc);
	return r;
}
