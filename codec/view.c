/*
 * view.c - a printable HTML key report of a document, by the embedded
 * stylesheet schema/xslt/report-html.xsl (libxslt).
 *
 * The report is a view, not a format: nothing reads it back.  It is made
 * from the canonical native XML of the document with every clear test
 * value (and clear value part) removed first, and the stylesheet runs with libxslt's file and
 * network access forbidden.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "internal.h"


/* A sandbox: the stylesheet may read and write nothing but its input. */
static xsltSecurityPrefsPtr
sandbox(void)
{
	static const xsltSecurityOption opts[] = {
		XSLT_SECPREF_READ_FILE, XSLT_SECPREF_WRITE_FILE,
		XSLT_SECPREF_CREATE_DIRECTORY, XSLT_SECPREF_READ_NETWORK,
		XSLT_SECPREF_WRITE_NETWORK,
	};
	xsltSecurityPrefsPtr sec;
	size_t i;

	if ((sec = xsltNewSecurityPrefs()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (xsltSetSecurityPrefs(sec, opts[i], xsltSecurityForbid)
		    != 0) {
			xsltFreeSecurityPrefs(sec);
			return NULL;
		}
	return sec;
}

/* The canonical XML of doc without any clear value. */
static int
xml_without_values(const kx_doc *doc, kx_buf *out, kx_diag *d)
{
	kx_doc view = *doc;
	kx_key *keys = NULL;
	size_t i;
	int r;

	if (doc->nkeys > 0) {
		if ((keys = malloc(doc->nkeys * sizeof(*keys))) == NULL)
			return KX_FAIL(d, KX_ENOMEM, "out of memory");
		memcpy(keys, doc->keys, doc->nkeys * sizeof(*keys));
		for (i = 0; i < doc->nkeys; i++) {
			keys[i].value.clear.p = NULL;
			keys[i].value.clear.n = 0;
			/* clear parts (ECC_D, CRT_P ...) are clear values too */
			if (keys[i].value.form == KX_VALUE_CLEAR) {
				keys[i].value.parts = NULL;
				keys[i].value.nparts = 0;
			}
		}
	}
	view.keys = keys;
	r = kx_doc_write(&view, KX_FMT_XML, out, d);
	free(keys);
	return r;
}

/*
 * The HTML serializer writes a document's C1 controls (U+0080..U+009F,
 * which XML allows in text) as they are, and a terminal may act on them:
 * each becomes U+FFFD, as in every report.  Nothing else is changed.
 */
static int
html_append(kx_buf *out, const unsigned char *p, size_t n)
{
	size_t i, run = 0;
	int r = KX_OK;

	for (i = 0; i + 1 < n && r == KX_OK; i++) {
		if (p[i] != 0xC2 || p[i + 1] < 0x80 || p[i + 1] > 0x9F)
			continue;
		if ((r = kx_buf_append(out, p + run, i - run)) == KX_OK)
			r = kx_buf_append(out, "\xEF\xBF\xBD", 3);
		run = ++i + 1;
	}
	return r == KX_OK ? kx_buf_append(out, p + run, n - run) : r;
}

int
kx_doc_report_html(const kx_doc *doc, kx_buf *out, kx_diag *d)
{
	xmlDocPtr in = NULL, sdoc = NULL, res = NULL;
	xsltStylesheetPtr ss = NULL;
	xsltSecurityPrefsPtr sec = NULL;
	xsltTransformContextPtr ctx = NULL;
	const struct kxi_embedded *xsl;
	xmlChar *html = NULL;
	kx_buf xml = { 0 };
	int len = 0, r;

	if (doc == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	kxi_xml_init();
	if ((r = xml_without_values(doc, &xml, d)) != KX_OK)
		goto out;
	if ((r = kxi_xml_parse(xml.data, xml.len, "report", &in, d)) !=
	    KX_OK)
		goto out;
	if ((xsl = kxi_embedded_get("report-html.xsl")) == NULL)
		kxi_misuse(__func__, "report-html.xsl is not embedded");
	if ((r = kxi_xml_parse(xsl->data, xsl->len, xsl->name, &sdoc, d)) !=
	    KX_OK)
		goto out;
	r = KX_EINTERNAL;
	if ((ss = xsltParseStylesheetDoc(sdoc)) == NULL) {
		r = KX_FAIL(d, KX_EINTERNAL, "report: stylesheet does not "
		    "compile");
		goto out;
	}
	sdoc = NULL;		/* owned by ss now */
	if ((sec = sandbox()) == NULL ||
	    (ctx = xsltNewTransformContext(ss, in)) == NULL ||
	    xsltSetCtxtSecurityPrefs(sec, ctx) != 0) {
		r = KX_FAIL(d, KX_ENOMEM, "report: cannot set up libxslt");
		goto out;
	}
	if ((res = xsltApplyStylesheetUser(ss, in, NULL, NULL, NULL, ctx)) ==
	    NULL || ctx->state != XSLT_STATE_OK ||
	    xsltSaveResultToString(&html, &len, res, ss) != 0 ||
	    html == NULL || len < 0) {
		r = KX_FAIL(d, KX_EINTERNAL, "report: transformation failed");
		goto out;
	}
	r = html_append(out, html, (size_t)len);
out:
	xmlFree(html);
	xmlFreeDoc(res);
	if (ctx != NULL)
		xsltFreeTransformContext(ctx);
	xsltFreeSecurityPrefs(sec);
	xsltFreeStylesheet(ss);
	xmlFreeDoc(sdoc);
	xmlFreeDoc(in);
	kx_buf_free(&xml);
	return r;
}
