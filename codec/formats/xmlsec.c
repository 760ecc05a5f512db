/*
 * xmlsec.c - hardened libxml2 shared by every XML spoke (native exchange
 * XML, GP KeyProfile, policies).
 *
 * What it guarantees (style.md "Build", "Errors"; OWASP XXE prevention):
 * - no network and no file access from a document: an external entity
 *   loader that refuses everything is installed once (kxi_xml_init, in
 *   model/xmlenv.c), and every parse uses
 *   XML_PARSE_NONET without DTDLOAD/DTDATTR/NOENT;
 * - no DTD at all: a DOCTYPE is refused before the parser sees it (prolog
 *   scan) and again by a SAX hook, so no entity is ever declared (no XXE,
 *   no "billion laughs"); only UTF-8 (or its ASCII subset) is accepted, so
 *   the scan cannot be bypassed by another encoding;
 * - bounded input size (KX_DEFAULT_MAX_INPUT) and, by a linear scan
 *   before libxml2 sees the input (or, for the streaming reader, each
 *   chunk of it: kxi_xml_scanner_new), bounded text nodes, references per
 *   text node, attributes per element, depth and key size (kmsxchg(5)
 *   LIMITS), so libxml2's quadratic paths are never reached;
 * - every libxml2 message becomes a finding with line and column
 *   (KX001 well-formedness/hardening, KX002 schema) and nothing is printed;
 * - each embedded XSD is compiled once and cached for the process.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
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
#include <libxml/xmlschemastypes.h>

#include "internal.h"

/* Generated into the build tree by codec/embed.sh (codec/local.mk). */

/* Findings recorded per parse/validation before the rest are counted. */
#define KXI_XML_MAX_FINDINGS 50

static pthread_mutex_t schema_lock = PTHREAD_MUTEX_INITIALIZER;
/* Compiled schemas, by index into kxi_embedded[]. */
#define KXI_EMBED_MAX 16
static xmlSchemaPtr schema_cache[KXI_EMBED_MAX + 1];	/* + keys_xsd */

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
	kxi_loc loc;
	int rc;

	if (ec == NULL || err == NULL)
		return;
	if (err->domain != XML_FROM_SCHEMASV &&
	    err->domain != XML_FROM_SCHEMASP) {
		if (ec->skip > 0) {
			ec->skip--;
			return;
		}
		ec->parser_calls++;
	}
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

static int
prolog_check(const uint8_t *buf, size_t len, const char *name, kx_diag *d)
{
	kxi_loc loc = { 1, 1, 0 };
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

/* ---- limits before libxml2 (kmsxchg(5) LIMITS) ----------------------- */
/*
 * libxml2 2.9.14 is quadratic on some small inputs (interop.md): each
 * reference or CDATA section appended to a text node copies the node so
 * far, its duplicate-attribute check compares every pair, and a large
 * subtree becomes a DOM many times its size.  A linear scan refuses such
 * input before libxml2 sees it.  It tokenises only what a well-formed
 * document without a DTD can hold (text, tags, comments, PIs, CDATA); at
 * anything else it stops and leaves the error to the parser, which stops
 * there too.
 */
static const struct {
	const char *name;
	size_t def;
} lim_tab[KXI_LIM__N] = {
	[KXI_LIM_TEXT] = { "text", KXI_XML_MAX_TEXT },
	[KXI_LIM_REFS] = { "refs", KXI_XML_MAX_REFS },
	[KXI_LIM_ATTRS] = { "attrs", KXI_XML_MAX_ATTRS },
	[KXI_LIM_DEPTH] = { "depth", KXI_XML_MAX_DEPTH },
	[KXI_LIM_KEY] = { "key", KXI_XML_MAX_KEY },
};

int
kxi_xml_limits(size_t lim[KXI_LIM__N], kx_diag *d)
{
	const char *env = getenv("KMSXCHG_LIMITS"), *p, *eq;
	unsigned long long v;
	char *end;
	size_t i, n;

	for (i = 0; i < KXI_LIM__N; i++)
		lim[i] = lim_tab[i].def;
	for (p = env; p != NULL && *p != '\0'; p = *end == ',' ? end + 1 :
	    end) {
		if ((eq = strchr(p, '=')) == NULL)
			goto bad;
		n = (size_t)(eq - p);
		for (i = 0; i < KXI_LIM__N; i++)
			if (strlen(lim_tab[i].name) == n &&
			    strncmp(p, lim_tab[i].name, n) == 0)
				break;
		if (i == KXI_LIM__N || eq[1] < '0' || eq[1] > '9')
			goto bad;
		errno = 0;
		v = strtoull(eq + 1, &end, 10);
		if (errno != 0 || v == 0 || v > INT_MAX ||
		    (*end != ',' && *end != '\0'))
			goto bad;
		lim[i] = (size_t)v;
	}
	return KX_OK;
bad:
	return KX_FAIL(d, KX_EUSAGE, "KMSXCHG_LIMITS: expected NAME=N,... "
	    "with NAME text, refs, attrs, depth or key and N from 1 to %d",
	    INT_MAX);
}

static int
over(const uint8_t *buf, size_t at, const char *name, kx_diag *d,
    enum kxi_lim which, size_t lim, const char *what)
{
	kxi_loc loc = { line_of(buf, at), 0, -1 };

	return kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ELIMIT, name, &loc,
	    NULL, "%s over the limit of %zu (KMSXCHG_LIMITS=%s=N raises it)",
	    what, lim, lim_tab[which].name);
}

/*
 * Scan state: the open text node and the open unit (key) element, and
 * where the scan is, so that it can go on from there (kxi_xml_scan_upto:
 * the streaming reader scans each chunk before libxml2 reads it).
 */
struct kxi_xml_scanner {
	const uint8_t *buf;
	const char *name;
	size_t len, lim[KXI_LIM__N], text, refs, depth, unit_at, i;
	int in_unit, unit_depth;
	int refuse_dtd;		/* a DOCTYPE outside the root: refused */
	int stopped;		/* at something the parser refuses */
	int rc;			/* KX_OK, or the refusal (once) */
};

/* Offset just past the first end after from, or 0 if there is none. */
static size_t
skip_to(const struct kxi_xml_scanner *s, size_t from, const char *end)
{
	const uint8_t *e = find(s->buf + from, s->len - from, end);

	return e == NULL ? 0 : (size_t)(e - s->buf) + strlen(end);
}

/* Add n bytes and nref references or CDATA sections to the text node. */
static int
text_add(struct kxi_xml_scanner *s, size_t at, size_t n, size_t nref,
    kx_diag *d)
{
	s->text += n;
	s->refs += nref;
	if (s->refs > s->lim[KXI_LIM_REFS])
		return over(s->buf, at, s->name, d, KXI_LIM_REFS,
		    s->lim[KXI_LIM_REFS],
		    "references and CDATA sections in one text node");
	if (s->text > s->lim[KXI_LIM_TEXT])
		return over(s->buf, at, s->name, d, KXI_LIM_TEXT,
		    s->lim[KXI_LIM_TEXT], "bytes in one text node");
	return KX_OK;
}

/*
 * One token at s->i (text, CDATA, comment, PI, tag): KX_OK and s->i past
 * it, KX_OK with s->stopped at something the parser refuses (a scan of
 * what only a well-formed document without a DTD holds stops there, and
 * so does the parser), or the limit's refusal.
 */
static int
scan_token(struct kxi_xml_scanner *s, kx_diag *d)
{
	const uint8_t *buf = s->buf, *lt, *q;
	size_t i = s->i, len = s->len, j, nattr, at, nref;
	int r, empty, c1;

	if (buf[i] != '<') {
		lt = memchr(buf + i, '<', len - i);
		j = lt == NULL ? len : (size_t)(lt - buf);
		for (nref = 0, q = buf + i; (q = memchr(q, '&',
		    (size_t)(buf + j - q))) != NULL; q++)
			nref++;
		if ((r = text_add(s, i, j - i, nref, d)) != KX_OK)
			return r;
		s->i = j;
		return KX_OK;
	}
	at = i;
	/* the common tokens first: a start tag, an end tag */
	c1 = i + 1 < len ? buf[i + 1] : -1;
	if (c1 != '!' && c1 != '?' && c1 != '/')
		goto start_tag;
	if (c1 == '!' && starts(buf + i, len - i, "<![CDATA[")) {
		/* Merged into the text node (XML_PARSE_NOCDATA). */
		if ((j = skip_to(s, i + 9, "]]>")) == 0)
			goto stop;
		if ((r = text_add(s, at, j - i, 1, d)) != KX_OK)
			return r;
		s->i = j;
		return KX_OK;
	}
	s->text = s->refs = 0;
	if (starts(buf + i, len - i, "<!--"))
		j = skip_to(s, i + 4, "-->");
	else if (starts(buf + i, len - i, "<?"))
		j = skip_to(s, i + 2, "?>");
	else if (s->refuse_dtd && s->depth == 0 &&
	    starts(buf + i, len - i, "<!DOCTYPE")) {
		kxi_loc loc = { line_of(buf, at), 0, -1 };

		return kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ESYNTAX,
		    s->name, &loc, NULL, "DTDs are not allowed (DOCTYPE "
		    "refused)");
	} else if (starts(buf + i, len - i, "<!"))
		goto stop;	/* the parser refuses it */
	else if (starts(buf + i, len - i, "</")) {
		lt = memchr(buf + i, '>', len - i);
		j = lt == NULL ? 0 : (size_t)(lt - buf) + 1;
		if (s->depth > 0)
			s->depth--;
	} else {
start_tag:
		s->text = s->refs = 0;
		/* A start tag: count quoted values up to '>'. */
		nattr = 0;
		for (j = i + 1; j < len && buf[j] != '>'; j++) {
			if (buf[j] == '<')
				goto stop;
			if (buf[j] != '"' && buf[j] != '\'')
				continue;
			if (++nattr > s->lim[KXI_LIM_ATTRS])
				return over(buf, at, s->name, d,
				    KXI_LIM_ATTRS, s->lim[KXI_LIM_ATTRS],
				    "attributes on one element");
			q = memchr(buf + j + 1, buf[j], len - j - 1);
			if (q == NULL)
				goto stop;
			if ((size_t)(q - buf) - j - 1 > s->lim[KXI_LIM_TEXT])
				return over(buf, j, s->name, d, KXI_LIM_TEXT,
				    s->lim[KXI_LIM_TEXT],
				    "bytes in one attribute value");
			j = (size_t)(q - buf);
		}
		if (j >= len)
			goto stop;
		empty = buf[j - 1] == '/';
		j++;
		if (++s->depth > s->lim[KXI_LIM_DEPTH])
			return over(buf, at, s->name, d, KXI_LIM_DEPTH,
			    s->lim[KXI_LIM_DEPTH], "elements nested");
		if ((int)s->depth == s->unit_depth) {
			s->unit_at = at;
			s->in_unit = 1;
		}
		if (empty)
			s->depth--;
	}
	if (j == 0)
		goto stop;
	if (s->in_unit && j - s->unit_at > s->lim[KXI_LIM_KEY])
		return over(buf, s->unit_at, s->name, d, KXI_LIM_KEY,
		    s->lim[KXI_LIM_KEY], s->unit_depth == 1 ?
		    "bytes in a one-key document" :
		    "bytes in one key (or other child of the root)");
	if ((int)s->depth < s->unit_depth)
		s->in_unit = 0;
	s->i = j;
	return KX_OK;
stop:
	s->stopped = 1;
	return KX_OK;
}

int
kxi_xml_scan_upto(struct kxi_xml_scanner *s, size_t upto, kx_diag *d)
{
	int r;

	while (s->rc == KX_OK && !s->stopped && s->i < upto && s->i < s->len)
		if ((r = scan_token(s, d)) != KX_OK)
			s->rc = r;
	return s->rc;
}

int
kxi_xml_scanner_new(const uint8_t *buf, size_t len, const char *name,
    int unit_depth, struct kxi_xml_scanner **out, kx_diag *d)
{
	struct kxi_xml_scanner *s;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	s->buf = buf;
	s->len = len;
	s->name = name;
	s->unit_depth = unit_depth;
	s->refuse_dtd = 1;
	if ((r = prolog_check(buf, len < 65536 ? len : 65536, name, d)) !=
	    KX_OK || (r = kxi_xml_limits(s->lim, d)) != KX_OK) {
		free(s);
		return r;
	}
	*out = s;
	return KX_OK;
}

void
kxi_xml_scanner_free(struct kxi_xml_scanner *s)
{
	free(s);
}

static int
scan_input(struct kxi_src *src, const uint8_t *buf, size_t len,
    const char *name, int unit_depth, kx_diag *d)
{
	struct kxi_xml_scanner s;
	int r;

	memset(&s, 0, sizeof(s));
	s.buf = buf;
	s.len = len;
	s.name = name;
	s.unit_depth = unit_depth;
	if ((r = kxi_xml_limits(s.lim, d)) != KX_OK)
		return r;
	while (s.i < len && !s.stopped) {
		if (src != NULL)
			kxi_src_release(src, s.i);
		if ((r = scan_token(&s, d)) != KX_OK)
			return r;
	}
	return KX_OK;
}

int
kxi_xml_scan(const uint8_t *buf, size_t len, const char *name,
    int unit_depth, kx_diag *d)
{
	return scan_input(NULL, buf, len, name, unit_depth, d);
}

int
kxi_xml_prolog_check(const uint8_t *buf, size_t len, const char *name,
    kx_diag *d)
{
	int r;

	if ((r = prolog_check(buf, len, name, d)) != KX_OK)
		return r;
	return kxi_xml_scan(buf, len, name, 0, d);
}

/* ---- DOM parsing ----------------------------------------------------- */
struct parse_state {
	struct kxi_xml_errctx ec;	/* first member: see parse_relay */
	startElementNsSAX2Func start;
	int refused;		/* 1 DTD, 2 depth */
	int max_depth;
	int foreign_top;	/* a child of the root in another namespace */
};

/* The checks before libxml2 sees buf, and the state its hooks use. */
/*
 * pre_parse over a source of any size: the prolog is looked for in its
 * first prolog_len bytes (the whole input when it is to be capped), the
 * scan gives back the pages it passed.
 */
static int
pre_parse_src(struct kxi_src *src, size_t prolog_len, const char *name,
    int unit_depth, struct parse_state *ps, kx_diag *d)
{
	size_t lim[KXI_LIM__N];
	int r;

	memset(ps, 0, sizeof(*ps));
	ps->ec.d = d;
	ps->ec.name = name;
	if ((r = prolog_check(src->p, prolog_len, name, d)) != KX_OK ||
	    (r = kxi_xml_limits(lim, d)) != KX_OK ||
	    (r = scan_input(src, src->p, src->len, name, unit_depth, d)) !=
	    KX_OK)
		return r;
	ps->max_depth = (int)lim[KXI_LIM_DEPTH];
	return KX_OK;
}

static int
pre_parse(const uint8_t *buf, size_t len, const char *name, int unit_depth,
    struct parse_state *ps, kx_diag *d)
{
	struct kxi_src src;

	kxi_src_mem(&src, buf, len);
	return pre_parse_src(&src, len, name, unit_depth, ps, d);
}


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
	kxi_loc loc = { (uint32_t)xmlSAX2GetLineNumber(ctxt),
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
	kxi_loc loc;

	if (ctxt->nameNr > ps->max_depth) {
		if (!ps->refused) {
			loc.line = (uint32_t)xmlSAX2GetLineNumber(ctxt);
			loc.col = (uint32_t)xmlSAX2GetColumnNumber(ctxt);
			loc.off = -1;
			kxi_diag_add(ps->ec.d, "KX001", KX_SEV_ERROR,
			    KX_ELIMIT, ps->ec.name, &loc, NULL,
			    "elements nested deeper than %d",
			    ps->max_depth);
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
	return kxi_xml_parse_unit(buf, len, name, 0, out, d);
}

int
kxi_xml_parse_unit(const uint8_t *buf, size_t len, const char *name,
    int unit_depth, struct _xmlDoc **out, kx_diag *d)
{
	struct parse_state ps;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr xdoc = NULL;
	int r = KX_EINTERNAL;

	if (out == NULL || (buf == NULL && len != 0))
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	kxi_xml_init();
	if ((r = pre_parse(buf, len, name, unit_depth, &ps, d)) != KX_OK)
		goto out;
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
	struct parse_state ps;
	xmlParserCtxtPtr ctxt = NULL;
	int r;

	kxi_xml_init();
	if ((r = pre_parse_src(s, s->len < 65536 ? s->len : 65536, name, 2,
	    &ps, d)) != KX_OK)
		return r;
	/* read in chunks: memory stays flat */
	if ((ctxt = xmlCreateIOParserCtxt(NULL, NULL, kxi_src_xmlread,
	    src_noclose, &cur, XML_CHAR_ENCODING_NONE)) == NULL ||
	    ctxt->sax == NULL) {
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
/* KXI_XSD_NATIVE_KEYS: the native schema without the root's wildcard. */
static unsigned char *keys_xsd;
static size_t keys_xsd_len;

static void
keys_xsd_make(void)
{
	const struct kxi_embedded *e = kxi_embedded_get("kmsxchg.xsd");
	const char *s, *root, *any, *end;
	char *t;

	if (e == NULL || (t = malloc(e->len + 1)) == NULL)
		return;
	memcpy(t, e->data, e->len);
	t[e->len] = '\0';
	s = t;
	if ((root = strstr(s, "<xs:element name=\"KeyExchange\">")) == NULL ||
	    (any = strstr(root, "<xs:any ")) == NULL ||
	    (end = strstr(any, "/>")) == NULL) {
		free(t);
		return;
	}
	end += 2;
	memmove(t + (any - s), end, e->len + 1 - (size_t)(end - s));
	keys_xsd_len = e->len - (size_t)(end - any);
	keys_xsd = (unsigned char *)t;
}

const struct kxi_embedded *
kxi_embedded_get(const char *name)
{
	const struct kxi_embedded *e;

	for (e = kxi_embedded; name != NULL && e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

int
kxi_xml_schema_get(const char *schema, struct _xmlSchema **out,
    kx_diag *d)
{
	struct kxi_xml_errctx ec;
	xmlSchemaParserCtxtPtr pc = NULL;
	const struct kxi_embedded *e;
	const unsigned char *src;
	const char *what;
	size_t n, which;
	int r = KX_EINTERNAL;

	*out = NULL;
	if (schema != NULL && strcmp(schema, KXI_XSD_NATIVE_KEYS) == 0) {
		static pthread_once_t once = PTHREAD_ONCE_INIT;

		pthread_once(&once, keys_xsd_make);
		if (keys_xsd == NULL)
			return KX_FAIL(d, KX_ENOMEM, "out of memory");
		src = keys_xsd;
		n = keys_xsd_len;
		what = "kmsxchg.xsd";
		which = KXI_EMBED_MAX;
	} else {
		if ((e = kxi_embedded_get(schema)) == NULL ||
		    (which = (size_t)(e - kxi_embedded)) >= KXI_EMBED_MAX)
			kxi_misuse(__func__, "unknown schema");
		src = e->data;
		n = e->len;
		what = e->name;
	}
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
kxi_xml_schema_validate(struct _xmlDoc *xdoc, const char *schema,
    const char *name, kx_diag *d)
{
	struct kxi_xml_errctx ec;
	xmlSchemaValidCtxtPtr vc = NULL;
	xmlSchemaPtr xs;
	int r, v;

	if (xdoc == NULL)
		kxi_misuse(__func__, "xdoc is NULL");
	if ((r = kxi_xml_schema_get(schema, &xs, d)) != KX_OK)
		return r;
	memset(&ec, 0, sizeof(ec));
	ec.d = d;
	ec.name = name;
	if ((vc = xmlSchemaNewValidCtxt(xs)) == NULL)
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
