/*
 * xmlsec.c - hardened libxml2 shared by every XML spoke (native exchange
 * XML, GP KeyProfile, policies).
 *
 * What it guarantees (style.md "Build", "Errors"; OWASP XXE prevention):
 * - no network and no file access from a document: an external entity
 *   loader that refuses everything is installed once, and every parse uses
 *   XML_PARSE_NONET without DTDLOAD/DTDATTR/NOENT;
 * - no DTD at all: a DOCTYPE is refused before the parser sees it (prolog
 *   scan) and again by a SAX hook, so no entity is ever declared (no XXE,
 *   no "billion laughs"); only UTF-8 (or its ASCII subset) is accepted, so
 *   the scan cannot be bypassed by another encoding;
 * - bounded input size (KX_DEFAULT_MAX_INPUT) and element depth
 *   (KXI_XML_MAX_DEPTH);
 * - every libxml2 message becomes a finding with line and column
 *   (KX001 well-formedness/hardening, KX002 schema) and nothing is printed;
 * - each embedded XSD is compiled once and cached for the process.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "internal.h"

/* Generated into the build tree by codec/embed.sh (codec/local.mk). */
extern const unsigned char kxi_xsd_native[];
extern const size_t kxi_xsd_native_len;
extern const unsigned char kxi_xsd_gp[];
extern const size_t kxi_xsd_gp_len;
extern const unsigned char kxi_xsd_policy[];
extern const size_t kxi_xsd_policy_len;

/* Findings recorded per parse/validation before the rest are counted. */
#define KXI_XML_MAX_FINDINGS 50

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t schema_lock = PTHREAD_MUTEX_INITIALIZER;
static xmlSchemaPtr schema_cache[KXI_SCHEMA__N];

/* ---- process setup ------------------------------------------------- */
static xmlParserInputPtr
refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	/* Never fetch anything a document names: not a file, not a URL. */
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void
silent_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
silent_structured(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

static void
init_once_fn(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_loader);
	/* The library never prints: anything without a handler is dropped. */
	xmlSetGenericErrorFunc(NULL, silent_generic);
	xmlSetStructuredErrorFunc(NULL, silent_structured);
}

void
kxi_xml_init(void)
{
	pthread_once(&init_once, init_once_fn);
	/* libxml2 keeps error handlers per thread: set them on this one. */
	xmlSetGenericErrorFunc(NULL, silent_generic);
	xmlSetStructuredErrorFunc(NULL, silent_structured);
}

/* ---- libxml2 errors to findings ------------------------------------ */
/*
 * Make a libxml2 message one readable line that never carries document
 * content (issue 7 item 22).  A schema message quotes the value it
 * rejects, which for <Clear>, a wrapped value or a KCV is key material;
 * an encoding error dumps the offending bytes.  So quoted text is kept in
 * full only where libxml2 quotes a name or a schema constant: element and
 * attribute names (our two namespaces dropped, nothing cut), facet and
 * type names, lengths and limits, enumeration sets and patterns.  Every
 * other quoted text is a value from the document and is withheld, and a
 * "Bytes:" dump ends the message.
 */
static const char *const ns_drop[] = { "{" KX_NS "}", "{" KX_GP_NS "}" };
/* Quoted text is a name or schema constant after one of these. */
static const char *const quote_keep[] = { "Element ", "attribute ",
	"[facet ", "type ", "length of ", "allowed (", "pattern ",
	"content type is " };

/* Length of a namespace to drop at s, or 0. */
static size_t
ns_at(const char *s)
{
	size_t i, k;

	for (i = 0; i < sizeof(ns_drop) / sizeof(ns_drop[0]); i++) {
		k = strlen(ns_drop[i]);
		if (strncmp(s, ns_drop[i], k) == 0)
			return k;
	}
	return 0;
}

static int
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static void
redact(const char *in, char *out, size_t outsz)
{
	static const char withheld[] = "[value withheld]";
	const char *q, *e;
	size_t o = 0, i, k;
	int braces = 0, keep;

	while (*in != '\0' && o + 1 < outsz) {
		if ((k = ns_at(in)) > 0) {
			in += k;
			continue;
		}
		if (strncmp(in, "Bytes:", 6) == 0)
			break;
		if (*in == '{' || *in == '}') {
			braces += *in == '{' ? 1 : -1;
			out[o++] = *in++;
			continue;
		}
		if (*in != '\'') {
			out[o++] = *in == '\n' || *in == '\r' ? ' ' : *in;
			in++;
			continue;
		}
		q = in + 1;
		e = strchr(q, '\'');
		keep = braces > 0 && e != NULL;
		for (i = 0; !keep && e != NULL &&
		    i < sizeof(quote_keep) / sizeof(quote_keep[0]); i++)
			keep = ends_with(out, o, quote_keep[i]);
		if (keep) {
			/* a name or a constant: in full, namespaces dropped */
			out[o++] = '\'';
			while (q < e && o + 2 < outsz) {
				if ((k = ns_at(q)) > 0) {
					q += k;
					continue;
				}
				out[o++] = *q++;
			}
			if (o + 1 < outsz)
				out[o++] = '\'';
		} else if (ends_with(out, o, "value ")) {
			/* "The value 'x' is ..." becomes "The value is ..." */
			if (e != NULL && e[1] == ' ')
				e++;
		} else {
			const char *w = ends_with(out, o, ": ") ?
			    "the value" : withheld;

			for (; *w != '\0' && o + 1 < outsz; w++)
				out[o++] = *w;
		}
		if (e == NULL)
			break;
		in = e + 1;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

void
kxi_xml_error_record(struct kxi_xml_errctx *ec, const struct _xmlError *err)
{
	enum kx_severity sev;
	const char *rule;
	char msg[512];
	kx_loc loc;
	int rc;

	if (ec == NULL || err == NULL)
		return;
	sev = err->level == XML_ERR_WARNING ? KX_SEV_WARNING : KX_SEV_ERROR;
	if (err->domain == XML_FROM_SCHEMASV ||
	    err->domain == XML_FROM_SCHEMASP) {
		rule = "KX002";
		rc = KX_ESCHEMA;
		if (sev == KX_SEV_ERROR)
			ec->schema_errors++;
	} else {
		rule = "KX001";
		rc = err->code == XML_ERR_INTERNAL_ERROR &&
		    err->message != NULL &&
		    strstr(err->message, "depth") != NULL ?
		    KX_ELIMIT : KX_ESYNTAX;
		if (sev == KX_SEV_ERROR)
			ec->parse_errors++;
	}
	if (sev == KX_SEV_WARNING && ec->d == NULL)
		return;
	if (++ec->recorded > KXI_XML_MAX_FINDINGS) {
		if (ec->recorded == KXI_XML_MAX_FINDINGS + 1)
			kxi_diag_add(ec->d, rule, KX_SEV_NOTE, rc, ec->name,
			    NULL, NULL, "further XML errors not shown");
		return;
	}
	redact(err->message != NULL ? err->message : "XML error", msg,
	    sizeof(msg));
	loc.line = err->line > 0 ? (uint32_t)err->line : 0;
	loc.col = err->int2 > 0 ? (uint32_t)err->int2 : 0;
	loc.off = -1;
	kxi_diag_add(ec->d, rule, sev, rc, ec->name, &loc, NULL, "%s%s", msg,
	    sev == KX_SEV_ERROR && rule[4] == '1' ? " (not well-formed)" : "");
}

static void
structured_relay(void *arg, xmlErrorPtr err)
{
	kxi_xml_error_record(arg, err);
}

struct parse_state;
static void parse_relay(void *arg, xmlErrorPtr err);

/* ---- the prolog scan ------------------------------------------------ */
static int
starts(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && memcmp(p, s, k) == 0;
}

/* First occurrence of the string s in [p, p+n), or NULL. */
static const uint8_t *
find(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return p + i;
	return NULL;
}

static int
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Line (1-based) of position i in buf. */
static uint32_t
line_of(const uint8_t *buf, size_t i)
{
	uint32_t line = 1;
	size_t k;

	for (k = 0; k < i; k++)
		if (buf[k] == '\n')
			line++;
	return line;
}

/* Check the encoding pseudo-attribute of an XML declaration [p, p+n). */
static int
decl_encoding_ok(const uint8_t *p, size_t n)
{
	static const char *const ok[] = { "utf-8", "utf8", "us-ascii",
		"ascii" };
	size_t i, k, vlen;
	uint8_t q;

	for (i = 0; i + 8 < n; i++)
		if (memcmp(p + i, "encoding", 8) == 0)
			break;
	if (i + 8 >= n)
		return 1;	/* no declaration: UTF-8 by default */
	for (i += 8; i < n && (is_ws(p[i]) || p[i] == '='); i++)
		;
	if (i >= n || (p[i] != '"' && p[i] != '\''))
		return 0;
	q = p[i++];
	for (vlen = 0; i + vlen < n && p[i + vlen] != q; vlen++)
		;
	for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++)
		if (vlen == strlen(ok[k]) &&
		    strncasecmp((const char *)p + i, ok[k], vlen) == 0)
			return 1;
	return 0;
}

int
kxi_xml_prolog_check(const uint8_t *buf, size_t len, const char *name,
    kx_diag *d)
{
	kx_loc loc = { 1, 1, 0 };
	size_t i = 0;
	const uint8_t *e;

	if (len > KX_DEFAULT_MAX_INPUT || len > INT_MAX)
		return kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ELIMIT, name,
		    NULL, NULL, "input of %zu bytes exceeds the limit of %zu",
		    len, KX_DEFAULT_MAX_INPUT);
	if (len == 0)
		return kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ESYNTAX, name,
		    &loc, NULL, "empty input");
	if (len >= 2 && ((buf[0] == 0xFE && buf[1] == 0xFF) ||
	    (buf[0] == 0xFF && buf[1] == 0xFE) || buf[0] == 0 || buf[1] == 0))
		return kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ESYNTAX, name,
		    &loc, NULL, "only UTF-8 XML is accepted");
	if (starts(buf, len, "\xEF\xBB\xBF"))
		i = 3;
	for (;;) {
		while (i < len && is_ws(buf[i]))
			i++;
		if (starts(buf + i, len - i, "<?")) {
			e = find(buf + i, len - i, "?>");
			if (e == NULL)
				return KX_OK;	/* the parser reports it */
			if (starts(buf + i, len - i, "<?xml") &&
			    !decl_encoding_ok(buf + i, (size_t)(e - buf) - i)) {
				loc.line = line_of(buf, i);
				return kxi_diag_add(d, "KX001", KX_SEV_ERROR,
				    KX_ESYNTAX, name, &loc, NULL,
				    "only UTF-8 XML is accepted");
			}
			i = (size_t)(e - buf) + 2;
		} else if (starts(buf + i, len - i, "<!--")) {
			e = find(buf + i + 4, len - i - 4, "-->");
			if (e == NULL)
				return KX_OK;
			i = (size_t)(e - buf) + 3;
		} else if (starts(buf + i, len - i, "<!")) {
			/* <!DOCTYPE or anything else declarative. */
			loc.line = line_of(buf, i);
			return kxi_diag_add(d, "KX001", KX_SEV_ERROR,
			    KX_ESYNTAX, name, &loc, NULL,
			    "DTDs are not allowed (DOCTYPE refused)");
		} else
			return KX_OK;
	}
}

/* ---- DOM parsing ----------------------------------------------------- */
struct parse_state {
	struct kxi_xml_errctx ec;	/* first member: see parse_relay */
	startElementNsSAX2Func start;
	int refused;		/* 1 DTD, 2 depth */
	int foreign_top;	/* a child of the root in another namespace */
};

/* SAX hands serror ctxt->userData, which is the parser context. */
static void
parse_relay(void *arg, xmlErrorPtr err)
{
	xmlParserCtxtPtr ctxt = arg;

	if (ctxt != NULL && ctxt->_private != NULL)
		kxi_xml_error_record(ctxt->_private, err);
}

static void
refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *eid,
    const xmlChar *sid)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *ps = ctxt->_private;
	kx_loc loc = { (uint32_t)xmlSAX2GetLineNumber(ctxt),
		(uint32_t)xmlSAX2GetColumnNumber(ctxt), -1 };

	(void)name;
	(void)eid;
	(void)sid;
	if (!ps->refused)
		kxi_diag_add(ps->ec.d, "KX001", KX_SEV_ERROR, KX_ESYNTAX,
		    ps->ec.name, &loc, NULL,
		    "DTDs are not allowed (DOCTYPE refused)");
	ps->refused = 1;
	xmlStopParser(ctxt);
}

static void
refuse_entity(void *ctx, const xmlChar *name, int type,
    const xmlChar *pid, const xmlChar *sid, xmlChar *content)
{
	(void)type;
	(void)pid;
	(void)content;
	refuse_dtd(ctx, name, NULL, sid);
}

static void
depth_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **nss, int nattr,
    int ndef, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *ps = ctxt->_private;
	kx_loc loc;

	if (ctxt->nameNr > KXI_XML_MAX_DEPTH) {
		if (!ps->refused) {
			loc.line = (uint32_t)xmlSAX2GetLineNumber(ctxt);
			loc.col = (uint32_t)xmlSAX2GetColumnNumber(ctxt);
			loc.off = -1;
			kxi_diag_add(ps->ec.d, "KX001", KX_SEV_ERROR,
			    KX_ELIMIT, ps->ec.name, &loc, NULL,
			    "elements nested deeper than %d",
			    KXI_XML_MAX_DEPTH);
		}
		ps->refused = 2;
		xmlStopParser(ctxt);
		return;
	}
	/* the root's children: the root is not on the name stack yet */
	if (ctxt->nameNr == 1 && (uri == NULL ||
	    strcmp((const char *)uri, KX_NS) != 0))
		ps->foreign_top = 1;
	ps->start(ctx, localname, prefix, uri, nns, nss, nattr, ndef, attrs);
}

int
kxi_xml_parse(const uint8_t *buf, size_t len, const char *name,
    struct _xmlDoc **out, kx_diag *d)
{
	struct parse_state ps;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr xdoc = NULL;
	int r = KX_EINTERNAL;

	if (out == NULL || (buf == NULL && len != 0))
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	kxi_xml_init();
	if ((r = kxi_xml_prolog_check(buf, len, name, d)) != KX_OK)
		goto out;
	memset(&ps, 0, sizeof(ps));
	ps.ec.d = d;
	ps.ec.name = name;
	if ((ctxt = xmlCreateMemoryParserCtxt((const char *)buf, (int)len)) ==
	    NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "%s: cannot create an XML parser",
		    name != NULL ? name : "input");
		goto out;
	}
	xmlCtxtUseOptions(ctxt, KXI_XML_PARSE_OPTS);
	ctxt->_private = &ps;
	ctxt->sax->internalSubset = refuse_dtd;
	ctxt->sax->externalSubset = refuse_dtd;
	ctxt->sax->entityDecl = refuse_entity;
	ps.start = ctxt->sax->startElementNs != NULL ?
	    ctxt->sax->startElementNs : xmlSAX2StartElementNs;
	ctxt->sax->startElementNs = depth_start;
	ctxt->sax->serror = parse_relay;
	ctxt->sax->initialized = XML_SAX2_MAGIC;
	xmlParseDocument(ctxt);
	xdoc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (ps.refused) {
		r = ps.refused == 2 ? KX_ELIMIT : KX_ESYNTAX;
		goto out;
	}
	if (xdoc == NULL || !ctxt->wellFormed || ps.ec.parse_errors > 0) {
		if (ps.ec.parse_errors == 0)
			kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ESYNTAX,
			    name, NULL, NULL, "not well-formed XML");
		r = KX_ESYNTAX;
		goto out;
	}
	if (xdoc->intSubset != NULL || xdoc->extSubset != NULL) {
		r = kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ESYNTAX, name,
		    NULL, NULL, "DTDs are not allowed");
		goto out;
	}
	*out = xdoc;
	xdoc = NULL;
	r = KX_OK;
out:
	xmlFreeDoc(xdoc);
	if (ctxt != NULL) {
		ctxt->_private = NULL;
		xmlFreeParserCtxt(ctxt);
	}
	return r;
}

/*
 * Well-formedness only, without building anything: a SAX pass with no
 * content handlers (constant memory), the same DTD refusal and depth
 * limit.  The streaming reader runs it first, so its schema-validating
 * pass never meets a fatal parse error (libxml2 2.9.14 leaks there).
 */
static void
noop_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **nss, int nattr,
    int ndef, const xmlChar **attrs)
{
	(void)ctx;
	(void)localname;
	(void)prefix;
	(void)uri;
	(void)nns;
	(void)nss;
	(void)nattr;
	(void)ndef;
	(void)attrs;
}

static int wellformed(xmlParserCtxtPtr ctxt, const char *name,
    int *foreign, kx_diag *d);

int
kxi_xml_wellformed(const uint8_t *buf, size_t len, const char *name,
    kx_diag *d)
{
	struct kxi_src s;

	if (buf == NULL && len != 0)
		kxi_misuse(__func__, "NULL argument");
	kxi_src_mem(&s, buf, len);
	return kxi_xml_wellformed_src(&s, name, NULL, d);
}

static int
src_noclose(void *cur)
{
	(void)cur;
	return 0;
}

int
kxi_xml_wellformed_src(struct kxi_src *s, const char *name, int *foreign,
    kx_diag *d)
{
	struct kxi_src_cur cur = { s, 0 };
	int r;

	kxi_xml_init();
	/* The prolog is in the first bytes; the size is no longer capped. */
	if ((r = kxi_xml_prolog_check(s->p, s->len < 65536 ? s->len : 65536,
	    name, d)) != KX_OK)
		return r;
	return wellformed(xmlCreateIOParserCtxt(NULL, NULL, kxi_src_xmlread,
	    src_noclose, &cur, XML_CHAR_ENCODING_NONE), name, foreign, d);
}

/* Parse with ctxt (NULL: could not be created), building nothing. */
static int
wellformed(xmlParserCtxtPtr ctxt, const char *name, int *foreign, kx_diag *d)
{
	struct parse_state ps;
	int r;

	memset(&ps, 0, sizeof(ps));
	ps.ec.d = d;
	ps.ec.name = name;
	if (ctxt == NULL || ctxt->sax == NULL) {
		xmlFreeParserCtxt(ctxt);
		return KX_FAIL(d, KX_ENOMEM, "%s: cannot create an XML parser",
		    name != NULL ? name : "input");
	}
	xmlCtxtUseOptions(ctxt, KXI_XML_PARSE_OPTS);
	memset(ctxt->sax, 0, sizeof(*ctxt->sax));
	ctxt->sax->initialized = XML_SAX2_MAGIC;
	ctxt->sax->internalSubset = refuse_dtd;
	ctxt->sax->externalSubset = refuse_dtd;
	ctxt->sax->entityDecl = refuse_entity;
	ctxt->sax->startElementNs = depth_start;
	ctxt->sax->serror = parse_relay;
	ctxt->_private = &ps;
	ps.start = noop_start;
	xmlParseDocument(ctxt);
	if (ps.refused)
		r = ps.refused == 2 ? KX_ELIMIT : KX_ESYNTAX;
	else if (!ctxt->wellFormed || ps.ec.parse_errors > 0) {
		if (ps.ec.parse_errors == 0)
			kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ESYNTAX,
			    name, NULL, NULL, "not well-formed XML");
		r = KX_ESYNTAX;
	} else
		r = KX_OK;
	if (foreign != NULL)
		*foreign = ps.foreign_top;
	if (ctxt->myDoc != NULL)
		xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	ctxt->_private = NULL;
	xmlFreeParserCtxt(ctxt);
	return r;
}

/* ---- schemas ---------------------------------------------------------- */
/* The native schema without the wildcard at the end of KeyExchange. */
static unsigned char *keys_xsd;
static size_t keys_xsd_len;

static void
keys_xsd_make(void)
{
	const char *s = (const char *)kxi_xsd_native, *root, *any, *end;
	size_t n = kxi_xsd_native_len;

	if ((root = strstr(s, "<xs:element name=\"KeyExchange\">")) == NULL ||
	    (any = strstr(root, "<xs:any ")) == NULL ||
	    (end = strstr(any, "/>")) == NULL ||
	    (keys_xsd = malloc(n)) == NULL)
		return;
	end += 2;
	memcpy(keys_xsd, s, (size_t)(any - s));
	memcpy(keys_xsd + (any - s), end, n - (size_t)(end - s));
	keys_xsd_len = n - (size_t)(end - any);
}

static int
schema_source(enum kxi_schema which, const unsigned char **p, size_t *n,
    const char **what)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	switch (which) {
	case KXI_SCHEMA_NATIVE_KEYS:
		pthread_once(&once, keys_xsd_make);
		if (keys_xsd == NULL)
			return KX_ENOMEM;
		*p = keys_xsd;
		*n = keys_xsd_len;
		*what = "kmsxchg.xsd";
		return KX_OK;
	case KXI_SCHEMA_NATIVE:
		*p = kxi_xsd_native;
		*n = kxi_xsd_native_len;
		*what = "kmsxchg.xsd";
		return KX_OK;
	case KXI_SCHEMA_GP:
		*p = kxi_xsd_gp;
		*n = kxi_xsd_gp_len;
		*what = "gp-keyprofile-1.1.0.xsd";
		return KX_OK;
	case KXI_SCHEMA_POLICY:
		*p = kxi_xsd_policy;
		*n = kxi_xsd_policy_len;
		*what = "policy.xsd";
		return KX_OK;
	default:
		return KX_EUSAGE;
	}
}

int
kxi_xml_schema_get(enum kxi_schema which, struct _xmlSchema **out,
    kx_diag *d)
{
	struct kxi_xml_errctx ec;
	xmlSchemaParserCtxtPtr pc = NULL;
	const unsigned char *src;
	const char *what;
	size_t n;
	int r = KX_EINTERNAL;

	*out = NULL;
	if (schema_source(which, &src, &n, &what) != KX_OK)
		kxi_misuse(__func__, "unknown schema");
	kxi_xml_init();
	pthread_mutex_lock(&schema_lock);
	if (schema_cache[which] != NULL) {
		*out = schema_cache[which];
		r = KX_OK;
		goto out;
	}
	memset(&ec, 0, sizeof(ec));
	ec.d = d;
	ec.name = what;
	if (n > INT_MAX ||
	    (pc = xmlSchemaNewMemParserCtxt((const char *)src, (int)n)) ==
	    NULL) {
		r = KX_FAIL(d, KX_EINTERNAL, "cannot load schema %s", what);
		goto out;
	}
	xmlSchemaSetParserStructuredErrors(pc, structured_relay, &ec);
	if ((schema_cache[which] = xmlSchemaParse(pc)) == NULL) {
		r = KX_FAIL(d, KX_EINTERNAL, "embedded schema %s does not "
		    "compile", what);
		goto out;
	}
	*out = schema_cache[which];
	r = KX_OK;
out:
	pthread_mutex_unlock(&schema_lock);
	xmlSchemaFreeParserCtxt(pc);
	return r;
}

int
kxi_xml_schema_validate(struct _xmlDoc *xdoc, enum kxi_schema which,
    const char *name, kx_diag *d)
{
	struct kxi_xml_errctx ec;
	xmlSchemaValidCtxtPtr vc = NULL;
	xmlSchemaPtr schema;
	int r, v;

	if (xdoc == NULL)
		kxi_misuse(__func__, "xdoc is NULL");
	if ((r = kxi_xml_schema_get(which, &schema, d)) != KX_OK)
		return r;
	memset(&ec, 0, sizeof(ec));
	ec.d = d;
	ec.name = name;
	if ((vc = xmlSchemaNewValidCtxt(schema)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "cannot create a validator");
	xmlSchemaSetValidStructuredErrors(vc, structured_relay, &ec);
	v = xmlSchemaValidateDoc(vc, xdoc);
	xmlSchemaFreeValidCtxt(vc);
	if (v == 0 && ec.schema_errors == 0)
		return KX_OK;
	if (v < 0)
		return KX_FAIL(d, KX_EINTERNAL, "%s: schema validation could "
		    "not run", name != NULL ? name : "input");
	if (ec.schema_errors == 0)
		kxi_diag_add(d, "KX002", KX_SEV_ERROR, KX_ESCHEMA, name, NULL,
		    NULL, "document does not follow the schema");
	return KX_ESCHEMA;
}
