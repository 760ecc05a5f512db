/*
 * gp.c - the GlobalPlatform Systems Profiles v1.1 KeyProfile spoke.
 *
 * Implements the XML KeyProfile of the GP Systems Profiles Specification
 * v1.1 (Sept 2003) as reconstructed in schema/gp-keyprofile-1.1.0.xsd
 * (sources in schema/SOURCES.md), mapped per docs/model.md a.2, c.1 and
 * c.2.  One KeyProfile is one key.
 *
 * Reading is tolerant, as partners' tools write it: the 1.1.0, 1.1.1 and
 * 1.1.2 namespaces (prefixed or default; GP's own, the same structure: a
 * note); attributes and elements outside GP's schema are reported
 * (ignored), kept as key extensions and removed before validation; older
 * values (SubType AES outside 1.1.2, YYYYMMDD dates, VerifyRecover,
 * Permanent, a list without GP's arrayElement/arrayIndex, a Value without
 * a Component) are reported (legacy values) and kept; then the cleaned
 * document is validated against the embedded XSD (schema findings with
 * line numbers).  Not well-formed, missing required attributes or
 * impossible values refuse the document.
 *
 * GP data the model has no field for travels as GP-namespace extensions
 * the writer puts back (gp_exts: Format, the list pair when unusual,
 * KCVSize without a KCV, a TransportKey with no value, RSACRT, ...).  A
 * named Component (ECC_QX, CRT_P, ...) is a named part of the value
 * (kxi_part), kept under its name, order and KCV; an unnamed one is the
 * value itself.  An rsa or ec key's clear public parts (ECC_QX and ECC_QY
 * on ECC_CURVE_OID; MODULUS with EXPONENT, or with KeyInfo/@Exponent on a
 * private key, whose EXPONENT is the private one) also give the profile's
 * public key (SubjectPublicKeyInfo, built by crypto/asym.c) and the
 * spki-sha256 fingerprint as the key's check value; parts that are no key
 * refuse the document; the public parts of a value under a TransportKey
 * are read as clear beside its encrypted secret parts (ECC_D, CRT_*, or
 * a private key's EXPONENT without them), which import rebuilds into
 * PKCS#8 (exchange.c parts_open).  The writer
 * puts a value's parts back as they were
 * and writes a public key without them as its numbers (MODULUS, EXPONENT;
 * ECC_CURVE_OID, ECC_QX, ECC_QY).
 *
 * The document header is synthesised: doc.id = UniqueID, sender =
 * KeyInfo/@Owner, created = the latest Revision Date+Time (Revisions is
 * required, so there always is one; the time is taken as UTC when it has
 * no zone).  key.id = KeyInfo/@ID, else UniqueID; key.template = UniqueID;
 * key.created = the earliest Revision.
 *
 * What GP cannot carry (each reported by the writer as not carried, one finding
 * per attribute): lifecycle states other than active/compromised, times of
 * day, role, usage limit, the GP card fields (key type, KVN, KID, KUQ,
 * access, SCP, SD AID, diversification), protect/process periods,
 * cryptoperiod, revocation reason, the revocation date of a key not
 * compromised, export forms/destinations/minimum wrap
 * strength/trusted KEK, import sources, provenance, permanence, split
 * threshold and dual control, relations, custodians, creator, holder,
 * reference, allowed modes, KCV methods other than gp-des, wrapped values
 * other than tdea-ecb/tdea-cbc/aes-cbc (e.g. aes-siv-bound), binding,
 * more than one key part, a split method without N, the public key of a
 * private key whose value holds no public parts, of an Edwards or
 * Montgomery key (no coordinates) and an SPKI encoding other than the
 * uncompressed named-curve one, the document's recipients,
 * comment, extensions and a creation time other than the latest
 * revision's, the transport key's algorithm (other than tdea2), KCV, trust
 * and ceremony, other transport keys, a ProfileVersion other than 1.1.0
 * and an ErrataVersion other than 0.  HMAC keys cannot be
 * written at all (no SubType).  AES keys are written with the 1.1.2-era
 * SubType AES, which a strict 1.1.0 reader refuses (reported as not carried).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"

#define GP_NS_111 "http://namespaces.globalplatform.org/systems-profiles/1.1.1"
#define GP_NS_112 "http://namespaces.globalplatform.org/systems-profiles/1.1.2"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

static const char *const gp_ns[] = { KX_GP_NS, GP_NS_111, GP_NS_112 };
#define NGPNS (sizeof(gp_ns) / sizeof(gp_ns[0]))

static int
ns_index(const xmlChar *href)
{
	size_t i;

	if (href == NULL)
		return -1;
	for (i = 0; i < NGPNS; i++)
		if (strcmp((const char *)href, gp_ns[i]) == 0)
			return (int)i;
	return -1;
}

/* ---- detect -------------------------------------------------------- */
static int
detect(const uint8_t *buf, size_t len)
{
	return kxi_xml_root(buf, len, "KeyProfile", gp_ns, NGPNS) >= 0;
}

/* ---- reading: findings ---------------------------------------------- */
struct rd {
	const char *name;
	kx_diag *d;
	kx_doc *doc;
	kx_key *k;
	int rc;			/* first hard error */
	char subtype[8];	/* era value masked for validation */
	int nsi;		/* index of the namespace in gp_ns */
	enum kxi_tri verify_recover, permanent;
};

static int
finding(struct rd *r, enum kxi_fact f, int rc, const xmlNode *n,
    const char *fmt, ...) KX_PRINTF(5, 6);

static int
finding(struct rd *r, enum kxi_fact f, int rc, const xmlNode *n,
    const char *fmt, ...)
{
	char msg[512];
	kxi_loc loc = { 0, 0, -1 };
	va_list ap;
	long line;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL && (line = xmlGetLineNo(n)) > 0)
		loc.line = (uint32_t)line;
	if (rc != KX_OK && r->rc == KX_OK)
		r->rc = rc;
	return kxi_fact(r->d, f, rc, r->name, &loc,
	    r->k != NULL ? r->k->prof.id : NULL, "%s", msg);
}

/*
 * The note that transport key id (read from element n) is assumed tdea2,
 * marked as about its id: a caller that knows better retells it
 * (kx_doc_aes_transport) whatever its words here.
 */
static void
assumed_tk(struct rd *r, const xmlNode *n, const char *id)
{
	kxi_loc loc = { 0, 0, -1 };
	long line;

	if (n != NULL && (line = xmlGetLineNo(n)) > 0)
		loc.line = (uint32_t)line;
	kxi_fact_about(r->d, KXI_ASSUMED, KX_OK, r->name, &loc,
	    r->k != NULL ? r->k->prof.id : NULL, id, "gp: transport key %s "
	    "assumed tdea2 (GP records the mode only)", id);
}

#define BAD(r, n, ...) \
	finding((r), KXI_SCHEMA, KX_ESCHEMA, (n), __VA_ARGS__)

/* ---- reading: the cleaning walk -------------------------------------- */
struct elspec {
	const char *name;
	const char *attrs[16];
	const char *kids[8];
};

static const struct elspec elspecs[] = {
	{ "KeyProfile", { "UniqueID", "ProfileVersion", "ErrataVersion" },
	    { "Description", "Revisions", "KeyInfo", "Attribute", "Usage",
	    "Value" } },
	{ "Description", { NULL }, { NULL } },
	{ "Revisions", { "arrayElement", "arrayIndex" }, { "Revision" } },
	{ "Revision", { "ProfileID", "Version", "Date", "Time", "By",
	    "Digest" }, { "Description", "Signature" } },
	{ "KeyInfo", { "Name", "ID", "Type", "SubType", "Size", "Exponent",
	    "Owner", "Version", "StartDate", "EndDate", "RecovationDate",
	    "KCVAlgorithm", "KCVSize", "Mode" }, { "KeyPart",
	    "TransportKey" } },
	{ "KeyPart", { "NumberOfParts", "PartNumber", "Algorithm" },
	    { NULL } },
	{ "TransportKey", { "ID", "Name", "Owner", "Version", "Algorithm",
	    "AlgorithmParameters" }, { NULL } },
	{ "Attribute", { "Importable", "Exportable", "Sensitive" },
	    { NULL } },
	{ "Usage", { "Encrypt", "Decrypt", "DecryptEncrypt", "Sign",
	    "Verify", "Wrap", "Unwrap", "UnwrapWrap", "Derive" }, { NULL } },
	{ "Value", { "Format", "arrayElement", "arrayIndex" },
	    { "Component" } },
	{ "Component", { "Name", "Order", "Value", "Encoding", "KCV" },
	    { NULL } },
};

static const struct elspec *
elspec_find(const xmlChar *name)
{
	size_t i;

	for (i = 0; i < sizeof(elspecs) / sizeof(elspecs[0]); i++)
		if (strcmp((const char *)name, elspecs[i].name) == 0)
			return &elspecs[i];
	return NULL;
}

static int
in_list(const char *const *l, size_t max, const xmlChar *name)
{
	size_t i;

	for (i = 0; i < max && l[i] != NULL; i++)
		if (strcmp(l[i], (const char *)name) == 0)
			return 1;
	return 0;
}

static int
add_ext(struct rd *r, const xmlChar *ns, const char *name,
    const xmlChar *value)
{
	kxi_profile *p = &r->k->prof;
	kxi_extension *e;

	e = kxi_array_push(&r->doc->arena, (void **)&p->extensions,
	    &p->nextensions, sizeof(*e));
	if (e == NULL)
		return KX_ENOMEM;
	e->ns = kxi_strdup(&r->doc->arena, ns != NULL ? (const char *)ns :
	    "");
	e->name = kxi_strdup(&r->doc->arena, name);
	e->value = kxi_strdup(&r->doc->arena, value != NULL ?
	    (const char *)value : "");
	if (e->ns == NULL || e->name == NULL || e->value == NULL)
		return KX_ENOMEM;
	return KX_OK;
}

static int
parse_bool(const char *s, int *out)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
is_yyyymmdd(const char *s)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[8] == '\0';
}

/* A legacy or era value on one attribute: 1 if it was handled (removed). */
static int
legacy_attr(struct rd *r, xmlNode *el, xmlAttr *a, const char *val)
{
	const char *en = (const char *)el->name, *an = (const char *)a->name;
	int b;

	if (strcmp(en, "Usage") == 0 && strcmp(an, "VerifyRecover") == 0) {
		if (parse_bool(val, &b) != 0) {
			BAD(r, el, "gp: Usage/@VerifyRecover '%s' is not a "
			    "boolean", val);
			return 1;
		}
		finding(r, KXI_LEGACY, KX_OK, el, "gp: v1.0 "
		    "attribute Usage/@VerifyRecover read as usage "
		    "verify-recover");
		r->verify_recover = b ? KXI_TRI_TRUE : KXI_TRI_FALSE;
		xmlRemoveProp(a);
		return 1;
	}
	if (strcmp(en, "Attribute") == 0 && strcmp(an, "Permanent") == 0) {
		if (parse_bool(val, &b) != 0) {
			BAD(r, el, "gp: Attribute/@Permanent '%s' is not a "
			    "boolean", val);
			return 1;
		}
		finding(r, KXI_LEGACY, KX_OK, el, "gp: v1.0 "
		    "attribute Attribute/@Permanent read as permanent");
		r->permanent = b ? KXI_TRI_TRUE : KXI_TRI_FALSE;
		xmlRemoveProp(a);
		return 1;
	}
	return 0;
}

static void
legacy_value(struct rd *r, xmlNode *el, xmlAttr *a, const char *val)
{
	const char *en = (const char *)el->name, *an = (const char *)a->name;
	char iso[11];

	if (strcmp(en, "KeyInfo") == 0 && strcmp(an, "SubType") == 0 &&
	    (strcmp(val, "AES") == 0 || strcmp(val, "SEED") == 0)) {
		if (r->nsi != 2)	/* a 1.1.2 value: legal there only */
			finding(r, KXI_LEGACY, KX_OK, el, "gp: SubType "
			    "%s is a 1.1.x-era value (GP 1.1.2), not in the "
			    "1.1.0 schema", val);
		snprintf(r->subtype, sizeof(r->subtype), "%s", val);
		/* mask it so the rest of KeyInfo still gets validated */
		xmlSetProp(el, a->name, (const xmlChar *)"DES");
		return;
	}
	if (((strcmp(en, "KeyInfo") == 0 && (strcmp(an, "StartDate") == 0 ||
	    strcmp(an, "EndDate") == 0 || strcmp(an, "RecovationDate") == 0)) ||
	    (strcmp(en, "Revision") == 0 && strcmp(an, "Date") == 0)) &&
	    is_yyyymmdd(val)) {
		finding(r, KXI_LEGACY, KX_OK, el, "gp: %s/@%s "
		    "'%s' is a v1.0 YYYYMMDD date, read as %.4s-%.2s-%.2s",
		    en, an, val, val, val + 4, val + 6);
		snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", val, val + 4,
		    val + 6);
		xmlSetProp(el, a->name, (const xmlChar *)iso);
	}
}

/* The list attributes of el other than the usual pair, as extensions;
 * *missing (if not NULL) gets bit 0/1 for an absent arrayElement/Index. */
static int
keep_list_attrs(struct rd *r, xmlNode *el, const char *item, int *missing)
{
	static const char *const names[] = { "arrayElement", "arrayIndex" };
	const char *dflt[2];
	char ename[64];
	xmlChar *v;
	size_t i;

	dflt[0] = item;
	dflt[1] = "#";
	for (i = 0; i < 2; i++) {
		if ((v = xmlGetNoNsProp(el, (const xmlChar *)names[i])) ==
		    NULL) {
			if (missing != NULL)
				*missing |= 1 << i;
			continue;
		}
		snprintf(ename, sizeof(ename), "%s/@%s",
		    (const char *)el->name, names[i]);
		if (strcmp((const char *)v, dflt[i]) != 0 && add_ext(r,
		    (const xmlChar *)KX_GP_NS, ename, v) != KX_OK) {
			xmlFree(v);
			return KX_ENOMEM;
		}
		xmlFree(v);
	}
	return KX_OK;
}

/*
 * GP's list convention: a list element (Revisions, Value) carries
 * arrayElement (the name of its items) and arrayIndex ("#": by position),
 * both required by GP's own 1.1.1/1.1.2 schemas (schema/SOURCES.md).  The
 * usual pair is implied by the model; any other value is kept as a GP
 * extension the writer puts back; a missing one is supplied, with a legacy
 * finding, so that the document still validates.
 */
static int
list_attrs(struct rd *r, xmlNode *el, const char *item)
{
	int missing = 0;

	if (keep_list_attrs(r, el, item, &missing) != KX_OK)
		return KX_ENOMEM;
	if (((missing & 1) && xmlSetProp(el, (const xmlChar *)"arrayElement",
	    (const xmlChar *)item) == NULL) || ((missing & 2) &&
	    xmlSetProp(el, (const xmlChar *)"arrayIndex",
	    (const xmlChar *)"#") == NULL))
		return KX_ENOMEM;
	if (missing != 0)
		finding(r, KXI_LEGACY, KX_OK, el, "gp: %s without %s%s%s, "
		    "which GP's schemas require on every list; read as "
		    "arrayElement=\"%s\" arrayIndex=\"#\"",
		    (const char *)el->name,
		    (missing & 1) ? "@arrayElement" : "",
		    missing == 3 ? " and " : "",
		    (missing & 2) ? "@arrayIndex" : "", item);
	return KX_OK;
}

/* A Value with no Component (GP requires one): read as no value. */
static int
empty_value(struct rd *r, xmlNode *el)
{
	xmlNode *c;
	xmlChar *fmt;
	int rc = KX_OK;

	for (c = el->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return 0;
	finding(r, KXI_LEGACY, KX_OK, el, "gp: Value without a Component "
	    "(GP's schemas require one), read as no value");
	if ((fmt = xmlGetNoNsProp(el, (const xmlChar *)"Format")) != NULL) {
		rc = add_ext(r, (const xmlChar *)KX_GP_NS, "Value/@Format",
		    fmt);
		xmlFree(fmt);
	}
	/* and its list attributes, as list_attrs keeps them (written back
	 * or reported lost with the Value) */
	if (rc == KX_OK)
		rc = keep_list_attrs(r, el, "Component", NULL);
	xmlUnlinkNode(el);
	xmlFreeNode(el);
	return rc == KX_OK ? 1 : rc;
}

static int
clean(struct rd *r, xmlNode *el)
{
	const struct elspec *spec = elspec_find(el->name);
	xmlNode *c, *next;
	xmlAttr *a, *anext;
	xmlNs *ns;
	char ename[160];

	/* 1.1.1/1.1.2 namespaces are read as 1.1.0 (the same vocabulary) */
	for (ns = el->nsDef; ns != NULL; ns = ns->next) {
		if (ns_index(ns->href) > 0) {
			xmlFree((xmlChar *)ns->href);
			ns->href = xmlStrdup((const xmlChar *)KX_GP_NS);
			if (ns->href == NULL)
				return KX_ENOMEM;
		}
	}
	if (spec == NULL)		/* Signature: content left open */
		return KX_OK;
	for (a = el->properties; a != NULL; a = anext) {
		xmlChar *v;
		int known;

		anext = a->next;
		if (a->ns != NULL && a->ns->href != NULL &&
		    strcmp((const char *)a->ns->href, XSI_NS) == 0) {
			/* schema hints: never followed, not GP content */
			xmlRemoveProp(a);
			continue;
		}
		v = xmlNodeListGetString(el->doc, a->children, 1);
		if (v == NULL && (v = xmlStrdup((const xmlChar *)"")) == NULL)
			return KX_ENOMEM;
		known = a->ns == NULL && in_list(spec->attrs, 16, a->name);
		if (!known && a->ns == NULL &&
		    legacy_attr(r, el, a, (const char *)v)) {
			xmlFree(v);
			continue;
		}
		if (known) {
			legacy_value(r, el, a, (const char *)v);
			xmlFree(v);
			continue;
		}
		finding(r, KXI_IGNORED, KX_OK, el, "gp: attribute "
		    "%s%s%s on %s is not in the GP KeyProfile schema; kept as "
		    "an extension",
		    a->ns != NULL && a->ns->prefix != NULL ?
		    (const char *)a->ns->prefix : "",
		    a->ns != NULL && a->ns->prefix != NULL ? ":" : "",
		    (const char *)a->name, (const char *)el->name);
		/* one in GP's own namespace (never a schema attribute's:
		 * those have none) is named apart from the attributes the
		 * writer puts back (ext_is_ours) */
		snprintf(ename, sizeof(ename), "%s/@%s%s",
		    (const char *)el->name, a->ns != NULL &&
		    a->ns->href != NULL && strcmp((const char *)a->ns->href,
		    KX_GP_NS) == 0 ? "gp:" : "", (const char *)a->name);
		if (add_ext(r, a->ns != NULL ? a->ns->href : NULL, ename,
		    v) != KX_OK) {
			xmlFree(v);
			return KX_ENOMEM;
		}
		xmlFree(v);
		xmlRemoveProp(a);
	}
	for (c = el->children; c != NULL; c = next) {
		int r2;

		next = c->next;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (c->ns != NULL && ns_index(c->ns->href) >= 0 &&
		    in_list(spec->kids, 8, c->name)) {
			if ((r2 = clean(r, c)) != KX_OK)
				return r2;
			continue;
		}
		{
			xmlChar *txt = xmlNodeGetContent(c);

			finding(r, KXI_IGNORED, KX_OK, c, "gp: "
			    "element %s%s%s in %s is not in the GP KeyProfile "
			    "schema; kept as an extension",
			    c->ns != NULL && c->ns->prefix != NULL ?
			    (const char *)c->ns->prefix : "",
			    c->ns != NULL && c->ns->prefix != NULL ? ":" : "",
			    (const char *)c->name, (const char *)el->name);
			snprintf(ename, sizeof(ename), "%s/%s",
			    (const char *)el->name, (const char *)c->name);
			r2 = add_ext(r, c->ns != NULL ? c->ns->href : NULL,
			    ename, txt);
			xmlFree(txt);
			if (r2 != KX_OK)
				return r2;
		}
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
	if (strcmp((const char *)el->name, "Value") == 0) {
		int e = empty_value(r, el);

		if (e != 0)
			return e == 1 ? KX_OK : e;
		return list_attrs(r, el, "Component");
	}
	if (strcmp((const char *)el->name, "Revisions") == 0)
		return list_attrs(r, el, "Revision");
	return KX_OK;
}

/* ---- reading: mapping ------------------------------------------------ */
static xmlNode *
child(xmlNode *el, const char *name)
{
	xmlNode *c;

	for (c = el != NULL ? el->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* Attribute value copied into the arena; NULL if absent (or ENOMEM). */
static const char *
attr(struct rd *r, xmlNode *el, const char *name)
{
	xmlChar *v;
	char *s;

	if (el == NULL || (v = xmlGetNoNsProp(el, (const xmlChar *)name)) ==
	    NULL)
		return NULL;
	s = kxi_strdup(&r->doc->arena, (const char *)v);
	xmlFree(v);
	if (s == NULL && r->rc == KX_OK)
		r->rc = KX_ENOMEM;
	return s;
}

/* hexBinary as an upper-case string (ids, owner, versions). */
static const char *
hexattr(struct rd *r, xmlNode *el, const char *name)
{
	char *s = (char *)attr(r, el, name), *p;

	for (p = s; p != NULL && *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	return s;
}

static int
uint_attr(struct rd *r, xmlNode *el, const char *name, unsigned long long max,
    unsigned long long *out)
{
	const char *s = attr(r, el, name);

	if (s == NULL)
		return 0;
	if (kxi_parse_uint(s, max, out) != KX_OK) {
		BAD(r, el, "gp: %s/@%s '%s' is not a number in 0..%llu",
		    (const char *)el->name, name, s, max);
		return -1;
	}
	return 1;
}

/* xs:date: the first 10 characters, any zone designator ignored. */
static int
date_attr(struct rd *r, xmlNode *el, const char *name, int64_t *out)
{
	const char *s = attr(r, el, name);
	char d[11];

	if (s == NULL)
		return 0;
	snprintf(d, sizeof(d), "%s", s);
	if (strlen(s) < 10 || kx_time_parse(d, out) != KX_OK) {
		BAD(r, el, "gp: %s/@%s '%s' is not a date",
		    (const char *)el->name, name, s);
		return -1;
	}
	return 1;
}

/* xs:time hh:mm:ss[.fff][Z|(+|-)hh:mm] to seconds east-corrected UTC. */
static int
time_of_day(const char *s, int64_t *out)
{
	int h, m, sec, oh = 0, om = 0, sign = 0;
	const char *p = s;

	if (strlen(s) < 8 || s[2] != ':' || s[5] != ':')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	sec = (s[6] - '0') * 10 + (s[7] - '0');
	if (h < 0 || h > 24 || m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	p = s + 8;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (strlen(p) != 6 || p[3] != ':')
			return -1;
		oh = (p[1] - '0') * 10 + (p[2] - '0');
		om = (p[4] - '0') * 10 + (p[5] - '0');
	} else if (*p == 'Z')
		p++;
	else if (*p != '\0')
		return -1;
	*out = (int64_t)h * 3600 + m * 60 + sec - sign * (oh * 3600 + om * 60);
	return 0;
}

/*
 * What a Revision has beyond the model's version, date, by and digest: its
 * ProfileID and Description, kept as GP extensions named by the revision's
 * position; its Signature (content left open by GP) is reported.
 */
static void
keep_revision_extras(struct rd *r, xmlNode *c, size_t n)
{
	xmlNode *e;
	xmlChar *t;
	char ename[64];
	const char *v;

	snprintf(ename, sizeof(ename), "Revision[%zu]/@ProfileID", n);
	if ((v = hexattr(r, c, "ProfileID")) != NULL && add_ext(r,
	    (const xmlChar *)KX_GP_NS, ename, (const xmlChar *)v) != KX_OK)
		r->rc = KX_ENOMEM;
	for (e = c->children; e != NULL; e = e->next) {
		if (e->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)e->name, "Signature") == 0) {
			finding(r, KXI_IGNORED, KX_OK, e, "gp: Revision/"
			    "Signature is not kept (GP leaves its content "
			    "open)");
			continue;
		}
		snprintf(ename, sizeof(ename), "Revision[%zu]/Description", n);
		t = xmlNodeGetContent(e);
		if (add_ext(r, (const xmlChar *)KX_GP_NS, ename, t != NULL ?
		    t : (const xmlChar *)"") != KX_OK)
			r->rc = KX_ENOMEM;
		xmlFree(t);
	}
}

static int
map_revisions(struct rd *r, xmlNode *revs)
{
	kxi_profile *p = &r->k->prof;
	xmlNode *c;
	int64_t latest = KX_UNSET_TIME, earliest = KX_UNSET_TIME;

	for (c = revs != NULL ? revs->children : NULL; c != NULL;
	    c = c->next) {
		kxi_revision *rv;
		const char *t, *dg;
		int64_t day, tod = 0;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		rv = kxi_array_push(&r->doc->arena, (void **)&p->revisions,
		    &p->nrevisions, sizeof(*rv));
		if (rv == NULL)
			return KX_ENOMEM;
		/* GP's required attributes, empty when unknown: absent */
		if ((rv->version = attr(r, c, "Version")) != NULL &&
		    *rv->version == '\0')
			rv->version = NULL;
		if ((rv->by = attr(r, c, "By")) != NULL && *rv->by == '\0')
			rv->by = NULL;
		rv->date = KX_UNSET_TIME;
		keep_revision_extras(r, c, p->nrevisions);
		if (date_attr(r, c, "Date", &day) != 1)
			continue;
		if ((t = attr(r, c, "Time")) != NULL &&
		    time_of_day(t, &tod) != 0) {
			BAD(r, c, "gp: Revision/@Time '%s' is not a time", t);
			continue;
		}
		rv->date = day + tod;
		if ((dg = attr(r, c, "Digest")) != NULL && kxi_hex_decode(
		    &r->doc->arena, dg, &rv->digest) != KX_OK)
			BAD(r, c, "gp: Revision/@Digest is not hex");
		if (latest == KX_UNSET_TIME || rv->date > latest)
			latest = rv->date;
		if (earliest == KX_UNSET_TIME || rv->date < earliest)
			earliest = rv->date;
	}
	/* no revision: the fixed epoch, never the clock */
	r->doc->created = latest != KX_UNSET_TIME ? latest : 0;
	p->created = earliest;
	return KX_OK;
}

static void
map_alg(struct rd *r, xmlNode *ki)
{
	kxi_profile *p = &r->k->prof;
	const char *type = attr(r, ki, "Type"), *st = attr(r, ki, "SubType");
	unsigned long long size = 0, e = 0;
	int hs;

	if (r->subtype[0] != '\0')
		st = r->subtype;
	if (type == NULL || st == NULL)
		return;		/* the schema said so already */
	if (strcmp(type, "SECRET") == 0)
		p->cls = KX_CLASS_SECRET;
	else if (strcmp(type, "PRIVATE") == 0)
		p->cls = KX_CLASS_PRIVATE;
	else
		p->cls = KX_CLASS_PUBLIC;
	if ((hs = uint_attr(r, ki, "Size", 65536, &size)) < 0)
		return;
	if (hs == 0) {
		BAD(r, ki, "gp: KeyInfo/@Size is missing (needed to tell the "
		    "%s key length)", st);
		return;
	}
	p->length_bits = (unsigned)size;
	if (strcmp(st, "DES") == 0) {
		if (size == 64)
			p->alg = KX_ALG_DES;
		else if (size == 128)
			p->alg = KX_ALG_TDEA2;
		else if (size == 192)
			p->alg = KX_ALG_TDEA3;
		else
			BAD(r, ki, "gp: KeyInfo/@Size %llu is impossible for "
			    "DES (64, 128 or 192 bits with parity)", size);
	} else if (strcmp(st, "AES") == 0) {
		if (size == 128 || size == 192 || size == 256)
			p->alg = KX_ALG_AES;
		else
			BAD(r, ki, "gp: KeyInfo/@Size %llu is impossible for "
			    "AES", size);
	} else if (strcmp(st, "RSA") == 0 || strcmp(st, "RSACRT") == 0) {
		p->alg = KX_ALG_RSA;
		if (size < 512 || size % 8 != 0)
			BAD(r, ki, "gp: KeyInfo/@Size %llu is impossible for "
			    "RSA", size);
		if (strcmp(st, "RSACRT") == 0 && add_ext(r,
		    (const xmlChar *)KX_GP_NS, "KeyInfo/@SubType",
		    (const xmlChar *)"RSACRT") != KX_OK && r->rc == KX_OK)
			r->rc = KX_ENOMEM;
	} else if (strcmp(st, "EC") == 0) {
		p->alg = KX_ALG_EC;
		if (size < 160 || size > 571)
			BAD(r, ki, "gp: KeyInfo/@Size %llu is impossible for "
			    "EC", size);
	} else {
		finding(r, KXI_SCHEMA, KX_EUNSUPPORTED, ki,
		    "gp: SubType %s has no kmsxchg algorithm", st);
	}
	if (p->cls == KX_CLASS_SECRET && (p->alg == KX_ALG_RSA ||
	    p->alg == KX_ALG_EC))
		BAD(r, ki, "gp: a SECRET key cannot be %s", st);
	if (p->cls != KX_CLASS_SECRET && p->alg != KX_ALG_RSA &&
	    p->alg != KX_ALG_EC && p->alg != KX_ALG_NONE)
		BAD(r, ki, "gp: a %s key cannot be %s", type, st);
	if (uint_attr(r, ki, "Exponent", INT64_MAX, &e) > 0) {
		if (p->alg != KX_ALG_RSA || e < 3 || e % 2 == 0)
			BAD(r, ki, "gp: KeyInfo/@Exponent %llu is impossible "
			    "here", e);
		p->rsa_e = e;
	}
}

struct usage_map {
	const char *attr;
	enum kx_usage u, u_secret;
};
static const struct usage_map usages[] = {
	{ "Encrypt", KX_U_ENCRYPT, KX_U_ENCRYPT },
	{ "Decrypt", KX_U_DECRYPT, KX_U_DECRYPT },
	{ "DecryptEncrypt", KX_U_TRANSLATE, KX_U_TRANSLATE },
	{ "Sign", KX_U_SIGN, KX_U_MAC_GENERATE },
	{ "Verify", KX_U_VERIFY, KX_U_MAC_VERIFY },
	{ "Wrap", KX_U_WRAP, KX_U_WRAP },
	{ "Unwrap", KX_U_UNWRAP, KX_U_UNWRAP },
	{ "UnwrapWrap", KX_U_REWRAP, KX_U_REWRAP },
	{ "Derive", KX_U_DERIVE, KX_U_DERIVE },
};
#define NUSAGES (sizeof(usages) / sizeof(usages[0]))

static int
bool_attr(struct rd *r, xmlNode *el, const char *name)
{
	const char *s = attr(r, el, name);
	int b;

	if (s == NULL)
		return -1;
	if (parse_bool(s, &b) != 0) {
		BAD(r, el, "gp: %s/@%s '%s' is not a boolean",
		    (const char *)el->name, name, s);
		return -1;
	}
	return b;
}

static void
map_usage_attr(struct rd *r, xmlNode *us, xmlNode *at)
{
	kxi_profile *p = &r->k->prof;
	size_t i;
	int b;

	p->usage = 0;
	for (i = 0; i < NUSAGES; i++)
		if (bool_attr(r, us, usages[i].attr) == 1)
			p->usage |= KX_USAGE_BIT(p->cls == KX_CLASS_SECRET ?
			    usages[i].u_secret : usages[i].u);
	if (r->verify_recover == KXI_TRI_TRUE)
		p->usage |= KX_USAGE_BIT(KX_U_VERIFY_RECOVER);
	if ((b = bool_attr(r, at, "Importable")) >= 0)
		p->import_.allowed = b;
	if ((b = bool_attr(r, at, "Exportable")) >= 0)
		p->export_.allowed = b;
	if ((b = bool_attr(r, at, "Sensitive")) >= 0)
		p->sensitive = b;
	p->permanent = r->permanent;
}

static void
map_dates(struct rd *r, xmlNode *ki)
{
	kxi_profile *p = &r->k->prof;
	const char *m;
	int64_t t;

	if (date_attr(r, ki, "StartDate", &t) == 1)
		p->not_before = t;			/* 00:00:00Z */
	if (date_attr(r, ki, "EndDate", &t) == 1)
		p->not_after = t + 86399;		/* 23:59:59Z */
	if (date_attr(r, ki, "RecovationDate", &t) == 1) {
		p->revoked_at = p->state_since = t;
		p->state = KX_STATE_COMPROMISED;
		p->revocation_reason = KX_REV_UNSPECIFIED;
	}
	if (p->not_before != KX_UNSET_TIME && p->not_after != KX_UNSET_TIME &&
	    p->not_after < p->not_before)
		BAD(r, ki, "gp: KeyInfo/@EndDate is before @StartDate");
	if ((m = attr(r, ki, "Mode")) != NULL)
		p->mode = strcmp(m, "TEST") == 0 ? KX_KEYMODE_TEST :
		    KX_KEYMODE_PRODUCTION;
}

static void
map_transport(struct rd *r, xmlNode *ki)
{
	kx_key *k = r->k;
	xmlNode *tk = child(ki, "TransportKey");
	const char *id, *alg, *par, *nm;
	kxi_tk *t;

	if (tk == NULL)
		return;
	if ((id = hexattr(r, tk, "ID")) == NULL) {
		BAD(r, tk, "gp: TransportKey without ID cannot be referenced");
		return;
	}
	if (kxi_doc_find_tk(r->doc, id) == NULL) {
		if ((t = kxi_doc_add_tk(r->doc)) == NULL) {
			r->rc = KX_ENOMEM;
			return;
		}
		t->id = id;
		/*
		 * GP names the wrapping mode only (ECB/CBC, the DES-family
		 * DEK encryption of the card spec); its length is not
		 * recorded.  Double length is GP's default: assumed, and
		 * said so.  GP carries no KCV of the transport key either.
		 */
		t->alg = KX_ALG_TDEA2;
		t->length_bits = 128;
		assumed_tk(r, tk, id);
		t->owner = hexattr(r, tk, "Owner");
		t->version = hexattr(r, tk, "Version");
		t->loc.line = (uint32_t)xmlGetLineNo(tk);
	}
	k->value.kek_id = id;
	/* A value under a GP TransportKey is exported in wrapped form. */
	k->prof.export_.forms = 1u << KX_FORM_WRAPPED;
	alg = attr(r, tk, "Algorithm");
	k->value.alg = alg != NULL && strcmp(alg, "CBC") == 0 ?
	    KX_WRAP_TDEA_CBC : KX_WRAP_TDEA_ECB;
	if (alg == NULL)
		finding(r, KXI_LEGACY, KX_OK, tk, "gp: "
		    "TransportKey without Algorithm, read as ECB");
	if ((par = attr(r, tk, "AlgorithmParameters")) != NULL &&
	    kxi_hex_decode(&r->doc->arena, par, &k->value.iv) != KX_OK)
		BAD(r, tk, "gp: TransportKey/@AlgorithmParameters is not hex");
	if ((nm = attr(r, tk, "Name")) != NULL && add_ext(r,
	    (const xmlChar *)KX_GP_NS, "TransportKey/@Name",
	    (const xmlChar *)nm) != KX_OK)
		r->rc = KX_ENOMEM;
}

/* Dotted OID from its DER content octets. */
static const char *
oid_from_der(struct rd *r, const kxi_bytes *b, const char **why)
{
	char buf[KXI_OID_MAX_TEXT + 2];

	/* the model's range, as the DER reader (oid.c) */
	if (kxi_oid_from_der(b->p, b->n, buf, sizeof(buf), why) != KX_OK)
		return NULL;
	return kxi_strdup(&r->doc->arena, buf);
}

static int
decode_component(struct rd *r, xmlNode *c, const char *val, const char *enc,
    kxi_bytes *out)
{
	if (enc == NULL || strcmp(enc, "HEX") == 0) {
		if (kxi_hex_decode(&r->doc->arena, val, out) != KX_OK)
			return BAD(r, c, "gp: Component/@Value is not hex");
		return KX_OK;
	}
	if (strcmp(enc, "BASE64") == 0) {
		size_t n = strlen(val), pad = 0;
		uint8_t *p;
		int got;

		if (n == 0 || n % 4 != 0 || n > (size_t)1 << 24)
			return BAD(r, c, "gp: Component/@Value is not base64");
		if ((p = kxi_alloc(&r->doc->arena, n / 4 * 3 + 1)) == NULL)
			return KX_ENOMEM;
		got = EVP_DecodeBlock(p, (const unsigned char *)val, (int)n);
		if (got < 0)
			return BAD(r, c, "gp: Component/@Value is not base64");
		pad = val[n - 1] == '=' ? (val[n - 2] == '=' ? 2 : 1) : 0;
		out->p = p;
		out->n = (size_t)got - pad;
		return KX_OK;
	}
	if (strcmp(enc, "ASCII") == 0 || strcmp(enc, "UTF8") == 0) {
		out->p = kxi_memdup(&r->doc->arena, val, strlen(val) + 1);
		out->n = strlen(val);
		return out->p != NULL ? KX_OK : KX_ENOMEM;
	}
	return finding(r, KXI_SCHEMA, KX_EUNSUPPORTED, c,
	    "gp: Component/@Encoding %s is not supported", enc);
}

static const char *ext_get(const kxi_profile *p, const char *name);

/*
 * A named Component (ECC_CURVE_OID, ECC_QX, ECC_QY, ECC_D; MODULUS,
 * EXPONENT, CRT_P ...): a part of the value, kept under its own name and
 * order with its KCV.  ECC_CURVE_OID also gives the model's EC curve.
 */
static void
map_part(struct rd *r, xmlNode *c, const char *nm, const char *v,
    const char *enc)
{
	kxi_keyval *val = &r->k->value;
	kxi_part *pt;
	const char *kc;
	unsigned long long ord = 0;
	kxi_bytes b = { NULL, 0 };
	const char *kept;
	char ename[300];
	int dup;

	if (v == NULL || *v == '\0') {
		finding(r, KXI_IGNORED, KX_OK, c, "gp: Component %s has %s "
		    "Value: not kept", nm, v == NULL ? "no" : "an empty");
		return;
	}
	/* the model's bounds (kmsxchg.xsd PartType, kmsxchg.asn1 ValuePart) */
	if (val->nparts >= KXI_MAX_PARTS || strlen(nm) > 256) {
		BAD(r, c, "gp: Component %.64s: more than %d named components "
		    "or a name of more than 256 characters", nm,
		    KXI_MAX_PARTS);
		return;
	}
	/* a name given twice is for the rules to refuse; the Encoding is
	 * kept by name, once: the first part's */
	dup = kxi_value_part(val, nm) != NULL;
	if (decode_component(r, c, v, enc, &b) != KX_OK)
		return;
	if (b.n == 0 || b.n > 65536) {
		BAD(r, c, "gp: Component %s has %s Value", nm, b.n == 0 ?
		    "an empty" : "a longer than 65536-byte");
		return;
	}
	if ((pt = kxi_array_push(&r->doc->arena, (void **)&val->parts,
	    &val->nparts, sizeof(*pt))) == NULL) {
		r->rc = KX_ENOMEM;
		return;
	}
	pt->name = nm;
	pt->data = b;
	pt->order = KX_UNSET;
	snprintf(ename, sizeof(ename), "Component[%s]/@Encoding", nm);
	if (enc == NULL)
		enc = "HEX";
	if (dup) {
		if ((kept = ext_get(&r->k->prof, ename)) == NULL)
			kept = "HEX";
		if (strcmp(enc, kept) != 0)
			finding(r, KXI_IGNORED, KX_OK, c, "gp: the Encoding "
			    "%s of a second Component %s not kept (written "
			    "%s, as the first)", enc, nm, kept);
	} else if (strcmp(enc, "HEX") != 0) {
		if (add_ext(r, (const xmlChar *)KX_GP_NS, ename,
		    (const xmlChar *)enc) != KX_OK)
			r->rc = KX_ENOMEM;
	}
	if (uint_attr(r, c, "Order", INT32_MAX, &ord) == 1)
		pt->order = (int)ord;
	if ((kc = attr(r, c, "KCV")) != NULL &&
	    kxi_hex_decode(&r->doc->arena, kc, &pt->kcv) != KX_OK)
		BAD(r, c, "gp: Component/@KCV is not hex");
	if (strcmp(nm, "ECC_CURVE_OID") == 0 && r->k->prof.ec_curve == NULL) {
		const char *why = NULL;

		if ((r->k->prof.ec_curve = oid_from_der(r, &b, &why)) == NULL)
			BAD(r, c, "gp: ECC_CURVE_OID is not an OID of the "
			    "model: %s", why != NULL ? why : "out of memory");
	}
}

/* The unnamed value component's Order and Encoding when not the usual. */
static void
keep_unnamed(struct rd *r, xmlNode *c, const char *enc, int *order_kept)
{
	const char *o = attr(r, c, "Order");

	/* the writer writes one unnamed Component: one Order */
	if (!*order_kept && o != NULL && strcmp(o, "1") != 0 && add_ext(r,
	    (const xmlChar *)KX_GP_NS, "Component/@Order",
	    (const xmlChar *)o) != KX_OK)
		r->rc = KX_ENOMEM;
	*order_kept = 1;
	if (enc != NULL && strcmp(enc, "HEX") != 0 && add_ext(r,
	    (const xmlChar *)KX_GP_NS, "Component/@Encoding",
	    (const xmlChar *)enc) != KX_OK)
		r->rc = KX_ENOMEM;
}

/*
 * A KCV longer than its method's (KCVSize 5 of a gp-des KCV, which GP
 * defines as 3 bytes) but no longer than a cipher block: read as its
 * first bytes up to the method's length (kxi_kcv_cmp_len), which are all
 * that is compared and written again; a legacy-value fact says the rest
 * is dropped.
 */
static void
clip_kcv(struct rd *r, xmlNode *ki, kx_key *k)
{
	size_t n = kxi_kcv_cmp_len(k->prof.alg, k->kcv_method, k->kcv.n);

	if (n == 0 || n == k->kcv.n)
		return;		/* within the method, or the rules' to refuse */
	finding(r, KXI_LEGACY, KX_OK, ki, "gp: a %zu-byte %s KCV read as its "
	    "first %zu bytes, a %s KCV's length (the rest is not checked "
	    "and not carried)", k->kcv.n, kx_name(KX_ENUM_KCV_METHOD,
	    k->kcv_method), n, kx_name(KX_ENUM_KCV_METHOD, k->kcv_method));
	k->kcv.n = n;
}

static void
map_value(struct rd *r, xmlNode *ki, xmlNode *val)
{
	kx_key *k = r->k;
	xmlNode *c, *kp = child(ki, "KeyPart");
	const char *kcvalg = attr(r, ki, "KCVAlgorithm"), *fmt;
	unsigned long long kcvsize = 0, np = 0, pn = 0;
	int hks, nvalues = 0, order_kept = 0;
	kxi_bytes data = { NULL, 0 }, kcv = { NULL, 0 };

	hks = uint_attr(r, ki, "KCVSize", 16, &kcvsize);
	if ((fmt = attr(r, val, "Format")) != NULL && add_ext(r,
	    (const xmlChar *)KX_GP_NS, "Value/@Format",
	    (const xmlChar *)fmt) != KX_OK)
		r->rc = KX_ENOMEM;
	for (c = val != NULL ? val->children : NULL; c != NULL; c = c->next) {
		const char *nm, *v, *enc, *kc;
		kxi_bytes b = { NULL, 0 };

		if (c->type != XML_ELEMENT_NODE)
			continue;
		nm = attr(r, c, "Name");
		v = attr(r, c, "Value");
		enc = attr(r, c, "Encoding");
		if (nm != NULL) {
			map_part(r, c, nm, v, enc);
			continue;
		}
		if ((kc = attr(r, c, "KCV")) != NULL) {
			if (kcv.p != NULL)
				BAD(r, c, "gp: more than one Component/@KCV");
			else if (kxi_hex_decode(&r->doc->arena, kc, &kcv) !=
			    KX_OK)
				BAD(r, c, "gp: Component/@KCV is not hex");
		}
		if (v != NULL && *v != '\0' &&
		    decode_component(r, c, v, enc, &b) != KX_OK)
			continue;
		if (b.n == 0) {
			/* no value: a KCV alone is written again, in a
			 * Component of this Order */
			if (v != NULL)
				finding(r, KXI_IGNORED, KX_OK, c, "gp: a "
				    "Component's empty Value not kept%s",
				    kc != NULL ? " (its KCV is)" : "");
			if (kc != NULL)
				keep_unnamed(r, c, NULL, &order_kept);
			continue;
		}
		if (nvalues == 0)
			keep_unnamed(r, c, enc, &order_kept);
		if (nvalues++ == 0) {
			data = b;
			continue;
		}
		/* a second unnamed value: kept, not mapped */
		finding(r, KXI_IGNORED, KX_OK, c, "gp: a second unnamed "
		    "Component kept as an extension (one unnamed value per "
		    "key)");
		if (add_ext(r, (const xmlChar *)KX_GP_NS, "Component",
		    (const xmlChar *)v) != KX_OK)
			r->rc = KX_ENOMEM;
	}
	if (kcv.p != NULL) {
		k->kcv = kcv;
		if (kcvalg != NULL)
			k->kcv_method = KX_KCV_GP_DES;	/* EIGHTZEROS */
		else if (k->prof.alg == KX_ALG_AES) {
			/*
			 * GP's only KCV algorithm, EIGHTZEROS, is the DES
			 * family's: an AES key's KCV (SCP03's, gp-aes) has
			 * no name, so leaving it out is the form, not a
			 * legacy one (gp_kcv() writes it so).
			 */
			k->kcv_method = KX_KCV_GP_AES;
			finding(r, KXI_ASSUMED, KX_OK, ki, "gp: an AES key's "
			    "KCV (GP names no AES KCV algorithm), read as "
			    "gp-aes");
		} else {
			k->kcv_method = kx_kcv_default_method(k->prof.alg);
			finding(r, KXI_LEGACY, KX_OK, ki,
			    "gp: KCV without KCVAlgorithm, read as %s",
			    kx_name(KX_ENUM_KCV_METHOD, k->kcv_method) ?
			    kx_name(KX_ENUM_KCV_METHOD, k->kcv_method) : "none");
		}
		if (hks == 1 && kcvsize != kcv.n)
			BAD(r, ki, "gp: KeyInfo/@KCVSize %llu does not match "
			    "the %zu-byte KCV", kcvsize, kcv.n);
		clip_kcv(r, ki, k);
	} else if (kcvalg != NULL) {
		k->kcv_method = KX_KCV_GP_DES;
	}
	/* a KCVSize without a KCV to measure it by: kept as it is */
	if (kcv.p == NULL && hks == 1 && add_ext(r, (const xmlChar *)KX_GP_NS,
	    "KeyInfo/@KCVSize", (const xmlChar *)attr(r, ki, "KCVSize")) !=
	    KX_OK)
		r->rc = KX_ENOMEM;
	if (kp != NULL) {
		const char *a = attr(r, kp, "Algorithm");

		if (uint_attr(r, kp, "NumberOfParts", 255, &np) != 1 ||
		    uint_attr(r, kp, "PartNumber", 255, &pn) != 1 || np < 2 ||
		    pn < 1 || pn > np) {
			BAD(r, kp, "gp: KeyPart needs 2 <= NumberOfParts <= "
			    "255 and 1 <= PartNumber <= NumberOfParts");
			return;
		}
		k->prof.split.n = (unsigned)np;
		k->prof.split.method = a != NULL && strcmp(a, "CONCATE") == 0 ?
		    KX_SPLIT_CONCAT : KX_SPLIT_XOR;
	}
	if (data.p == NULL && kp == NULL && k->value.nparts == 0)
		return;
	if (kp != NULL) {
		kxi_component *co = kxi_alloc(&r->doc->arena, sizeof(*co));

		if (co == NULL) {
			r->rc = KX_ENOMEM;
			return;
		}
		co->index = (int)pn;
		co->kcv = k->kcv;
		co->wrapped = data;
		k->value.form = KX_VALUE_COMPONENTS;
		/* a part under a TransportKey travels as a component */
		k->prof.export_.forms = 1u << KX_FORM_COMPONENTS;
		k->value.components = co;
		k->value.ncomponents = 1;
		k->value.split_method = k->prof.split.method;
		if (data.p != NULL && k->value.kek_id == NULL)
			BAD(r, kp, "gp: a clear key part is not accepted");
		return;
	}
	if (k->value.kek_id != NULL) {
		k->value.form = KX_VALUE_WRAPPED;
		k->value.data = data;
	} else {
		/* clear material (OpenSCDP test keys): wiped with the doc */
		r->doc->arena.wipe = true;
		k->value.form = KX_VALUE_CLEAR;
		k->value.clear = data;
		/* a value GP writes in clear is exported in clear */
		k->prof.export_.forms = 1u << KX_FORM_CLEAR;
	}
}

/*
 * The public key an rsa or ec value's clear parts give (GP's scripting Key
 * names, schema/SOURCES.md): ECC_CURVE_OID + ECC_QX + ECC_QY; MODULUS
 * with the public exponent, which is the EXPONENT part of a PUBLIC key
 * (a PRIVATE key's EXPONENT is its private exponent) or KeyInfo/@Exponent.
 * e8 holds KeyInfo/@Exponent's bytes while *pub is in use.  0 when the
 * parts name no public key; *why says what is missing then, or is NULL
 * when the parts have nothing to say.
 */
static int
public_of_parts(const kx_key *k, struct kxi_pub *pub, uint8_t e8[8],
    const char **why)
{
	const kxi_keyval *v = &k->value;
	const kxi_part *a = NULL, *b = NULL;
	uint64_t e = k->prof.rsa_e;
	size_t i;

	*why = NULL;
	memset(pub, 0, sizeof(*pub));
	pub->alg = k->prof.alg;
	/* public parts are clear beside a wrapped value's secret ones */
	if ((v->form != KX_VALUE_CLEAR && v->form != KX_VALUE_WRAPPED) ||
	    v->nparts == 0)
		return 0;
	if (k->prof.alg == KX_ALG_EC) {
		a = kxi_value_part(v, "ECC_QX");
		b = kxi_value_part(v, "ECC_QY");
		if (a == NULL && b == NULL)
			return 0;
		if (a == NULL || b == NULL || k->prof.ec_curve == NULL) {
			*why = "ECC_QX and ECC_QY need each other and "
			    "ECC_CURVE_OID";
			return 0;
		}
		pub->curve = k->prof.ec_curve;
	} else if (k->prof.alg == KX_ALG_RSA) {
		if ((a = kxi_value_part(v, "MODULUS")) == NULL)
			return 0;
		if (k->prof.cls == KX_CLASS_PUBLIC &&
		    (b = kxi_value_part(v, "EXPONENT")) == NULL && e == 0) {
			*why = "MODULUS without EXPONENT or KeyInfo/@Exponent";
			return 0;
		}
		if (b == NULL && e == 0)
			return 0;	/* a private key's modulus alone */
	} else
		return 0;
	pub->a = a->data.p;
	pub->alen = a->data.n;
	if (b != NULL) {
		pub->b = b->data.p;
		pub->blen = b->data.n;
	} else {
		for (i = 0; i < 8; i++)
			e8[i] = (uint8_t)(e >> (56 - 8 * i));
		pub->b = e8;
		pub->blen = 8;
	}
	return 1;
}

/*
 * Clear public parts become the profile's public key (SPKI) with its
 * spki-sha256 fingerprint as the key's check value; the parts stay as
 * they are written (the writer puts them back byte for byte).
 */
static void
map_public(struct rd *r, xmlNode *val)
{
	kx_key *k = r->k;
	kxi_profile *p = &k->prof;
	struct kxi_pub pub;
	kx_buf spki = { 0 };
	kx_diag *why;
	uint8_t fp[32], e8[8];
	const char *miss = NULL;

	if (p->spki.n != 0 || !public_of_parts(k, &pub, e8, &miss)) {
		if (miss != NULL)
			BAD(r, val, "gp: no public key: %s", miss);
		return;
	}
	if ((why = kx_diag_new()) == NULL) {
		r->rc = KX_ENOMEM;
		return;
	}
	if (kxi_spki_build(&pub, &spki, why) != KX_OK)
		BAD(r, val, "gp: the %s public key parts are no key: %s",
		    p->alg == KX_ALG_RSA ? "RSA" : "EC", kx_diag_count(why) >
		    0 ? kx_diag_get(why, 0)->message : "?");
	else if ((p->spki.p = kxi_memdup(&r->doc->arena, spki.data,
	    spki.len)) == NULL || kxi_spki_fingerprint(spki.data, spki.len,
	    fp) != KX_OK)
		r->rc = KX_ENOMEM;
	else {
		p->spki.n = spki.len;
		if (k->kcv.n == 0 && k->kcv_method == KX_KCV_NONE &&
		    (k->kcv.p = kxi_memdup(&r->doc->arena, fp, sizeof(fp))) !=
		    NULL) {
			k->kcv.n = sizeof(fp);
			k->kcv_method = KX_KCV_SPKI_SHA256;
		}
	}
	kx_buf_free(&spki);
	kx_diag_free(why);
}

/*
 * A TransportKey with no value under it: the native model has no value to
 * hang it on, so its reference is kept as GP extensions the writer puts
 * back (the transport key record keeps its Owner and Version).
 */
static void
keep_tk_ref(struct rd *r, xmlNode *ki)
{
	static const char *const names[] = { "ID", "Algorithm",
	    "AlgorithmParameters" };
	kx_key *k = r->k;
	xmlNode *tk = child(ki, "TransportKey");
	char ename[64];
	const char *v;
	size_t i;

	if (tk == NULL || k->value.form != KX_VALUE_NONE)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = names[i][0] == 'I' ? k->value.kek_id : attr(r, tk,
		    names[i]);
		snprintf(ename, sizeof(ename), "TransportKey/@%s", names[i]);
		if (v != NULL && add_ext(r, (const xmlChar *)KX_GP_NS, ename,
		    (const xmlChar *)v) != KX_OK)
			r->rc = KX_ENOMEM;
	}
	k->value.kek_id = NULL;
	k->value.alg = KX_WRAP_NONE;
	k->value.iv.p = NULL;
	k->value.iv.n = 0;
	k->prof.export_.forms = 0;
}

/* ProfileVersion and ErrataVersion other than what the writer writes. */
static void
keep_version(struct rd *r, xmlNode *root, const char *name, const char *usual)
{
	const char *v = attr(r, root, name);
	char ename[64];

	snprintf(ename, sizeof(ename), "KeyProfile/@%s", name);
	if (v != NULL && strcmp(v, usual) != 0 && add_ext(r,
	    (const xmlChar *)KX_GP_NS, ename, (const xmlChar *)v) != KX_OK)
		r->rc = KX_ENOMEM;
}

static int
map_doc(struct rd *r, xmlNode *root)
{
	kx_doc *doc = r->doc;
	kxi_profile *p = &r->k->prof;
	xmlNode *ki = child(root, "KeyInfo");
	xmlNode *desc = child(root, "Description");
	const char *uid = hexattr(r, root, "UniqueID"), *id;

	doc->id = uid;
	p->template_id = uid;
	id = hexattr(r, ki, "ID");
	p->id = id != NULL ? id : uid;
	p->name = attr(r, ki, "Name");
	p->owner = hexattr(r, ki, "Owner");
	doc->sender = p->owner;
	p->version = hexattr(r, ki, "Version");
	if (desc != NULL) {
		xmlChar *t = xmlNodeGetContent(desc);

		p->description = kxi_strdup(&doc->arena, (const char *)t);
		xmlFree(t);
	}
	r->k->loc[KXF_KEY].line = (uint32_t)xmlGetLineNo(ki);
	if (map_revisions(r, child(root, "Revisions")) != KX_OK)
		return KX_ENOMEM;
	map_alg(r, ki);
	map_usage_attr(r, child(root, "Usage"), child(root, "Attribute"));
	map_dates(r, ki);
	map_transport(r, ki);
	map_value(r, ki, child(root, "Value"));
	map_public(r, child(root, "Value"));
	keep_tk_ref(r, ki);
	keep_version(r, root, "ProfileVersion", "1.1.0");
	keep_version(r, root, "ErrataVersion", "0");
	return r->rc;
}

static int
rd(const uint8_t *buf, size_t len, const char *name, kx_doc **out,
    kx_diag *d)
{
	struct rd r;
	xmlDoc *x = NULL;
	xmlNode *root;
	kx_doc *doc = NULL;
	int rc = KX_EINTERNAL, nsi;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.d = d;
	r.verify_recover = r.permanent = KXI_TRI_UNSET;
	kxi_xml_init();
	/* One KeyProfile is one key: the key limit bounds its DOM. */
	if ((rc = kxi_xml_parse_unit(buf, len, name, 1, &x, d)) != KX_OK)
		goto out;
	root = xmlDocGetRootElement(x);
	if (root == NULL || root->ns == NULL ||
	    (nsi = ns_index(root->ns->href)) < 0 ||
	    strcmp((const char *)root->name, "KeyProfile") != 0) {
		rc = finding(&r, KXI_SCHEMA, KX_ESCHEMA, root,
		    "gp: the root is not a GP systems-profiles KeyProfile");
		goto out;
	}
	/* GP's 1.1.1 and 1.1.2 KeyProfile: the 1.1.0 structure (SOURCES.md) */
	r.nsi = nsi;
	if (nsi > 0)
		finding(&r, KXI_ASSUMED, KX_OK, root, "gp: namespace %s read "
		    "as 1.1.0 (the same KeyProfile structure)", gp_ns[nsi]);
	if ((doc = kxi_doc_new()) == NULL) {
		rc = KX_FAIL(d, KX_ENOMEM, "gp: out of memory");
		goto out;
	}
	doc->source = kxi_strdup(&doc->arena, name);
	doc->source_format = KX_FMT_GP;
	doc->loc.line = (uint32_t)xmlGetLineNo(root);
	r.doc = doc;
	if ((r.k = kxi_doc_add_key(doc)) == NULL) {
		rc = KX_FAIL(d, KX_ENOMEM, "gp: out of memory");
		goto out;
	}
	if ((rc = clean(&r, root)) != KX_OK) {
		rc = KX_FAIL(d, rc, "gp: out of memory");
		goto out;
	}
	if (r.rc != KX_OK) {
		rc = r.rc;
		goto out;
	}
	if ((rc = kxi_xml_schema_validate(x, "gp-keyprofile-1.1.0.xsd", name, d)) !=
	    KX_OK)
		goto out;
	if ((rc = map_doc(&r, root)) != KX_OK)
		goto out;
	*out = doc;
	doc = NULL;
	rc = KX_OK;
out:
	kx_doc_free(doc);
	xmlFreeDoc(x);
	return rc;
}

/* ---- writing --------------------------------------------------------- */
struct wr {
	const kx_doc *doc;
	const kx_key *k;
	kx_buf *b;
	kx_diag *d;
	int rc;
	const char *bad;	/* the field XML 1.0 cannot carry */
	int spki_carried;	/* the SPKI is (in) the written parts */
	int pub_write;		/* write pub's numbers as parts */
	struct kxi_pub_out pub;
};

static void lost(struct wr *w, const char *fmt, ...) KX_PRINTF(2, 3);

/*
 * The cryptograms a GP Value holds under its TransportKey: TDEA ECB or
 * CBC (GPCS 11.8.2.3), AES CBC with a zero ICV (Amendment D, SCP03).
 */
static int
gp_cryptogram(enum kx_wrap_alg a)
{
	return a == KX_WRAP_TDEA_ECB || a == KX_WRAP_TDEA_CBC ||
	    a == KX_WRAP_AES_CBC;
}

/*
 * A KCV GP carries: EIGHTZEROS (gp-des), or an AES key's gp-aes (SCP03's
 * KCV) with no KCVAlgorithm, which GP's enumeration has no name for; the
 * reader takes a KCV without KCVAlgorithm as the family's default.  The
 * check of an unbound cryptogram needs it.
 */
static int
gp_kcv(const kx_key *k)
{
	return k->kcv_method == KX_KCV_GP_DES ||
	    (k->kcv_method == KX_KCV_GP_AES && k->prof.alg == KX_ALG_AES);
}

static void
lost(struct wr *w, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* the finding names the key: "key K: gp: cannot carry ..." */
	kxi_fact(w->d, KXI_NOT_CARRIED, KX_OK, NULL, NULL,
	    w->k->prof.id, "gp: cannot carry %s", what);
}

static void
put(struct wr *w, const char *fmt, ...) KX_PRINTF(2, 3);

static void
put(struct wr *w, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	if (w->rc != KX_OK)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		w->rc = KX_EINTERNAL;
		return;
	}
	w->rc = kx_buf_append(w->b, tmp, (size_t)n);
}

/* Escaped text for attribute values and element content; what names
 * the field when XML 1.0 cannot carry the text (never dropped). */
static void
put_esc(struct wr *w, const char *s, const char *what)
{
	if (w->rc != KX_OK)
		return;
	if ((w->rc = kxi_xml_escape(w->b, s, KXI_XML_ATTR)) ==
	    KX_EUNSUPPORTED)
		w->bad = what;
}

static void
put_attr(struct wr *w, const char *name, const char *v)
{
	if (v == NULL)
		return;
	put(w, " %s=\"", name);
	put_esc(w, v, name);
	put(w, "\"");
}

static void
put_hex_attr(struct wr *w, const char *name, const uint8_t *p, size_t n)
{
	put(w, " %s=\"", name);
	if (w->rc == KX_OK)
		w->rc = kxi_buf_hex(w->b, p, n);
	put(w, "\"");
}

/* A hexBinary attribute from a model string: as is, or hex of its bytes. */
static void
put_hexstr(struct wr *w, const char *attrname, const char *field,
    const char *v)
{
	if (v == NULL)
		return;
	if (kxi_is_hex(v)) {
		put_attr(w, attrname, v);
		return;
	}
	lost(w, "%s '%s' as hexBinary (written as the hex of its bytes)",
	    field, v);
	put_hex_attr(w, attrname, (const uint8_t *)v, strlen(v));
}

static void
put_date(struct wr *w, const char *name, int64_t t)
{
	char buf[21];

	kx_time_format(t, buf);
	buf[10] = '\0';
	put_attr(w, name, buf);
}

static int
seconds_of_day(int64_t t)
{
	int64_t s = t % 86400;

	return (int)(s < 0 ? s + 86400 : s);
}

static const char *
subtype_of(struct wr *w)
{
	const kxi_profile *p = &w->k->prof;
	size_t i;

	switch (p->alg) {
	case KX_ALG_DES: case KX_ALG_TDEA2: case KX_ALG_TDEA3:
		return "DES";
	case KX_ALG_AES:
		lost(w, "algorithm aes in the 1.1.0 schema (written as the "
		    "1.1.2-era SubType AES)");
		return "AES";
	case KX_ALG_RSA:
		for (i = 0; i < p->nextensions; i++) {
			if (strcmp(p->extensions[i].name,
			    "KeyInfo/@SubType") != 0 ||
			    strcmp(p->extensions[i].value, "RSACRT") != 0)
				continue;
			if (p->cls == KX_CLASS_PRIVATE)
				return "RSACRT";
			/* CRT is a private key's form: written RSA */
			lost(w, "KeyInfo/@SubType RSACRT (not a private key)");
		}
		return "RSA";
	case KX_ALG_EC:
		return "EC";
	default:
		return NULL;
	}
}

/* The GP attributes the reader keeps as extensions and the writer puts back. */
static const char *const gp_exts[] = {
	"KeyInfo/@SubType", "KeyInfo/@KCVSize", "TransportKey/@Name",
	"TransportKey/@ID", "TransportKey/@Algorithm",
	"TransportKey/@AlgorithmParameters", "Value/@Format",
	"Revisions/@arrayElement", "Revisions/@arrayIndex",
	"Value/@arrayElement", "Value/@arrayIndex",
	"KeyProfile/@ProfileVersion", "KeyProfile/@ErrataVersion",
};

static int
ext_is_ours(const kxi_extension *e)
{
	size_t i;

	if (e->ns == NULL || strcmp(e->ns, KX_GP_NS) != 0)
		return 0;
	/* per revision and per named component (a name may hold "/@gp:") */
	if (strncmp(e->name, "Revision[", 9) == 0 ||
	    strncmp(e->name, "Component[", 10) == 0)
		return 1;
	/* an attribute in GP's namespace the schema does not have (clean) */
	if (strstr(e->name, "/@gp:") != NULL)
		return 0;
	if (strncmp(e->name, "Component/@", 11) == 0)
		return 1;
	for (i = 0; i < sizeof(gp_exts) / sizeof(gp_exts[0]); i++)
		if (strcmp(e->name, gp_exts[i]) == 0)
			return 1;
	return 0;
}

static const char *
ext_get(const kxi_profile *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nextensions; i++)
		if (p->extensions[i].ns != NULL &&
		    strcmp(p->extensions[i].ns, KX_GP_NS) == 0 &&
		    strcmp(p->extensions[i].name, name) == 0)
			return p->extensions[i].value;
	return NULL;
}

static int value_carried(const kx_key *);

/* The names GP gives the numbers of a public key (public_of_parts). */
static const char *const pub_names[][2] = {
	{ "MODULUS", "EXPONENT" },	/* KX_ALG_RSA */
	{ "ECC_QX", "ECC_QY" },		/* KX_ALG_EC */
};

/*
 * How the profile's public key (SPKI) travels: in the value's own clear
 * public parts when they give that very SPKI; else, for a public key,
 * as its numbers written as named parts (MODULUS, EXPONENT; ECC_QX,
 * ECC_QY) when rebuilding them gives the SPKI back byte for byte (a
 * compressed point or an explicit encoding is reported); else lost.
 */
static void
plan_public(struct wr *w)
{
	const kx_key *k = w->k;
	const kxi_profile *p = &k->prof;
	const char *const *names = pub_names[p->alg == KX_ALG_EC];
	struct kxi_pub pub;
	kx_buf spki = { 0 };
	kx_diag *why = NULL;
	const char *miss = NULL;
	uint8_t e8[8];
	int have;

	if (p->spki.n == 0)
		return;
	have = value_carried(k) && public_of_parts(k, &pub, e8, &miss);
	if ((why = kx_diag_new()) == NULL) {
		w->rc = KX_ENOMEM;
		return;
	}
	if (have) {
		if (kxi_spki_build(&pub, &spki, why) == KX_OK &&
		    spki.len == p->spki.n &&
		    memcmp(spki.data, p->spki.p, spki.len) == 0)
			w->spki_carried = 1;
		else
			lost(w, "public key (SubjectPublicKeyInfo): the "
			    "value's public parts are not that key");
		goto out;
	}
	/* the numbers go beside the value's own clear parts only */
	if (p->cls != KX_CLASS_PUBLIC || miss != NULL ||
	    (value_carried(k) && (k->value.form != KX_VALUE_CLEAR ||
	    kxi_value_part(&k->value, names[0]) != NULL ||
	    kxi_value_part(&k->value, names[1]) != NULL ||
	    k->value.clear.n > 0))) {
		lost(w, "public key (SubjectPublicKeyInfo)%s", p->cls !=
		    KX_CLASS_PUBLIC ? " of a private key (its value holds no "
		    "public parts)" : "");
		goto out;
	}
	if (kxi_spki_split(p->spki.p, p->spki.n, &w->pub, why) != KX_OK) {
		lost(w, "public key (SubjectPublicKeyInfo): %s",
		    kx_diag_count(why) > 0 ? kx_diag_get(why, 0)->message :
		    "?");
		goto out;
	}
	pub.alg = w->pub.alg;
	pub.curve = w->pub.curve;
	pub.a = w->pub.a.data;
	pub.alen = w->pub.a.len;
	pub.b = w->pub.b.data;
	pub.blen = w->pub.b.len;
	w->pub_write = 1;
	w->spki_carried = 1;
	if (kxi_spki_build(&pub, &spki, why) != KX_OK ||
	    spki.len != p->spki.n || memcmp(spki.data, p->spki.p, spki.len))
		lost(w, "the encoding of the public key (SubjectPublicKeyInfo"
		    "; written as its numbers, read back uncompressed under "
		    "the named curve)");
out:
	kx_buf_free(&spki);
	kx_diag_free(why);
}

/* The key's spki-sha256 fingerprint is the one of the SPKI written. */
static int
fingerprint_carried(const struct wr *w)
{
	const kx_key *k = w->k;
	uint8_t fp[32];

	if (k->kcv_method != KX_KCV_SPKI_SHA256 || !w->spki_carried)
		return 0;
	if (k->kcv.n == 0)
		return 1;
	return k->kcv.n == sizeof(fp) && kxi_spki_fingerprint(k->prof.spki.p,
	    k->prof.spki.n, fp) == KX_OK && memcmp(fp, k->kcv.p,
	    sizeof(fp)) == 0;
}

/* The model attributes GP has no place for, one finding each. */
static void
report_lost(struct wr *w)
{
	const kx_key *k = w->k;
	const kxi_profile *p = &k->prof;
	const kxi_gp *g = &p->gp;
	size_t i;

	if (p->reference != NULL)
		lost(w, "reference");
	if (p->creator != NULL)
		lost(w, "creator");
	if (p->holder != NULL)
		lost(w, "holder");
	if (p->custodians.n > 0)
		lost(w, "custodians");
	if (p->hmac_hash != KX_HASH_NONE)
		lost(w, "hmac hash");
	if (p->modes != 0)
		lost(w, "allowed modes");
	if (p->role != KX_ROLE_NONE)
		lost(w, "role %s", kx_name(KX_ENUM_ROLE, p->role));
	if (p->usage_limit >= 0)
		lost(w, "usage limit");
	if (p->has_gp) {
		if (g->key_type != KX_UNSET)
			lost(w, "gp.key_type");
		if (g->kvn != KX_UNSET)
			lost(w, "gp.kvn");
		if (g->kid != KX_UNSET)
			lost(w, "gp.kid");
		if (g->kuq != KX_UNSET)
			lost(w, "gp.kuq");
		if (g->access != KX_UNSET)
			lost(w, "gp.access");
		if (g->scp != KX_SCP_NONE)
			lost(w, "gp.scp");
		if (g->sd_aid.n > 0)
			lost(w, "gp.sd_aid");
		if (g->diversification != KX_DIV_NONE)
			lost(w, "gp.diversification");
	}
	if (p->not_before != KX_UNSET_TIME && seconds_of_day(p->not_before))
		lost(w, "the time of day of not_before");
	if (p->not_after != KX_UNSET_TIME &&
	    seconds_of_day(p->not_after) != 86399)
		lost(w, "the time of day of not_after");
	if (p->protect_until != KX_UNSET_TIME)
		lost(w, "protect_until");
	if (p->process_until != KX_UNSET_TIME)
		lost(w, "process_until");
	if (p->cryptoperiod != NULL)
		lost(w, "cryptoperiod");
	if (p->state != KX_STATE_ACTIVE && p->state != KX_STATE_COMPROMISED)
		lost(w, "state %s", kx_name(KX_ENUM_STATE, p->state));
	if (p->state == KX_STATE_COMPROMISED && p->revoked_at ==
	    KX_UNSET_TIME && p->state_since == KX_UNSET_TIME)
		lost(w, "state compromised (no revocation date)");
	if (p->state_since != KX_UNSET_TIME && (p->state !=
	    KX_STATE_COMPROMISED || (p->revoked_at != KX_UNSET_TIME &&
	    p->revoked_at != p->state_since)))
		lost(w, "state_since");
	if (p->revocation_reason != KX_REV_NONE &&
	    p->revocation_reason != KX_REV_UNSPECIFIED)
		lost(w, "revocation reason %s", kx_name(KX_ENUM_REVOCATION,
		    p->revocation_reason));
	if (p->revoked_at != KX_UNSET_TIME && p->state != KX_STATE_COMPROMISED)
		lost(w, "revoked_at (GP records compromised keys' only)");
	else if (p->revoked_at != KX_UNSET_TIME &&
	    seconds_of_day(p->revoked_at))
		lost(w, "the time of day of revoked_at");
	if (p->created != KX_UNSET_TIME && p->nrevisions > 0) {
		int64_t first = p->revisions[0].date;

		for (i = 1; i < p->nrevisions; i++)
			if (p->revisions[i].date != KX_UNSET_TIME &&
			    (first == KX_UNSET_TIME || p->revisions[i].date <
			    first))
				first = p->revisions[i].date;
		if (first != p->created)
			lost(w, "created");
	}
	/* wrapped is what a GP TransportKey implies; anything else is lost */
	/* the form GP implies by how it writes the value is not lost */
	if (p->export_.forms != 0 && p->export_.forms != 1u << (
	    k->value.form == KX_VALUE_COMPONENTS ? KX_FORM_COMPONENTS :
	    k->value.form == KX_VALUE_CLEAR ? KX_FORM_CLEAR :
	    k->value.form == KX_VALUE_WRAPPED ? KX_FORM_WRAPPED : KX_FORM__N))
		lost(w, "export forms");
	if (p->export_.destinations.n > 0)
		lost(w, "export destinations");
	if (p->export_.min_wrap_strength != KX_UNSET)
		lost(w, "min wrap strength");
	if (p->export_.trusted_kek_only != KXI_TRI_UNSET)
		lost(w, "trusted_kek_only");
	if (p->import_.sources.n > 0)
		lost(w, "import sources");
	if (p->provenance.always_sensitive != KXI_TRI_UNSET)
		lost(w, "provenance always_sensitive");
	if (p->provenance.never_exported != KXI_TRI_UNSET)
		lost(w, "provenance never_exported");
	if (p->provenance.generated_in != NULL)
		lost(w, "provenance generated_in");
	if (p->permanent != KXI_TRI_UNSET)
		lost(w, "permanent (v1.0 only)");
	if (p->split.m != 0)
		lost(w, "split threshold");
	if (p->split.dual_control != KXI_TRI_UNSET)
		lost(w, "split dual_control");
	if (p->split.method == KX_SPLIT_SHAMIR)
		lost(w, "split method shamir-gf256");
	for (i = 0; i < p->nrelations; i++)
		lost(w, "relation %s %s", kx_name(KX_ENUM_RELATION,
		    p->relations[i].type), p->relations[i].ref);
	for (i = 0; i < p->nextensions; i++)
		if (!ext_is_ours(&p->extensions[i]))
			lost(w, "extension %s", p->extensions[i].name);
	for (i = 0; i < KX_U__N; i++) {
		if ((p->usage & KX_USAGE_BIT(i)) == 0)
			continue;
		switch (i) {
		case KX_U_ENCRYPT: case KX_U_DECRYPT: case KX_U_TRANSLATE:
		case KX_U_WRAP: case KX_U_UNWRAP: case KX_U_REWRAP:
		case KX_U_DERIVE:
			break;
		case KX_U_SIGN: case KX_U_VERIFY:
			if (p->cls == KX_CLASS_SECRET)
				lost(w, "usage %s on a secret key (GP Sign/"
				    "Verify on SECRET means MAC)",
				    kx_name(KX_ENUM_USAGE, (int)i));
			break;
		case KX_U_MAC_GENERATE: case KX_U_MAC_VERIFY:
			if (p->cls != KX_CLASS_SECRET)
				lost(w, "usage %s", kx_name(KX_ENUM_USAGE,
				    (int)i));
			break;
		default:
			lost(w, "usage %s", kx_name(KX_ENUM_USAGE, (int)i));
		}
	}
	if ((k->kcv.n > 0 || k->kcv_method != KX_KCV_NONE) && !gp_kcv(k) &&
	    !fingerprint_carried(w))
		lost(w, "KCV method %s", kx_name(KX_ENUM_KCV_METHOD,
		    k->kcv_method) ? kx_name(KX_ENUM_KCV_METHOD, k->kcv_method) :
		    "none");
	if (k->value.binding_method != NULL || k->value.binding_digest.n > 0)
		lost(w, "value binding");
	if ((k->value.form == KX_VALUE_WRAPPED ||
	    k->value.form == KX_VALUE_COMPONENTS) &&
	    !gp_cryptogram(k->value.alg))
		lost(w, "value wrapped with %s", kx_name(KX_ENUM_WRAP_ALG,
		    k->value.alg) ? kx_name(KX_ENUM_WRAP_ALG, k->value.alg) :
		    "none");
	if (k->value.form == KX_VALUE_COMPONENTS && k->value.ncomponents > 1)
		lost(w, "components 2..%zu (a KeyProfile holds one part)",
		    k->value.ncomponents);
	if (k->value.form == KX_VALUE_COMPONENTS && k->value.ncomponents > 0 &&
	    k->value.components[0].custodian != NULL)
		lost(w, "component custodian");
}

/* When GP dates the document: its latest revision (or the synthesised one). */
static int64_t
gp_created(const kx_doc *doc, const kxi_profile *p)
{
	int64_t t = KX_UNSET_TIME;
	size_t i;

	for (i = 0; i < p->nrevisions; i++)
		if (p->revisions[i].date != KX_UNSET_TIME &&
		    (t == KX_UNSET_TIME || p->revisions[i].date > t))
			t = p->revisions[i].date;
	if (p->nrevisions > 0)
		return t != KX_UNSET_TIME ? t : 0;
	return p->created != KX_UNSET_TIME ? p->created :
	    doc->created != KX_UNSET_TIME ? doc->created : 0;
}

/* The document's and its transport keys' fields GP has no place for. */
static void
report_doc_lost(struct wr *w)
{
	const kx_doc *doc = w->doc;
	const kx_key *k = w->k;
	const kxi_profile *p = &k->prof;
	const char *v, *ref = k->value.kek_id != NULL ? k->value.kek_id :
	    ext_get(p, "TransportKey/@ID");
	size_t i;

	if (doc->recipients.n > 0)
		lost(w, "the document recipients");
	if (doc->comment != NULL)
		lost(w, "the document comment");
	for (i = 0; i < doc->nextensions; i++)
		lost(w, "document extension %s", doc->extensions[i].name);
	if (doc->created != KX_UNSET_TIME && doc->created !=
	    gp_created(doc, p))
		lost(w, "the document created time (GP dates a document by "
		    "its latest revision)");
	/* GP writes the 1.1.0 structure: its version, whatever was read */
	if ((v = ext_get(p, "KeyProfile/@ProfileVersion")) != NULL)
		lost(w, "profile version %s (extension "
		    "KeyProfile/@ProfileVersion; written as 1.1.0)", v);
	if ((v = ext_get(p, "KeyProfile/@ErrataVersion")) != NULL)
		lost(w, "errata version %s (extension "
		    "KeyProfile/@ErrataVersion; written as 0)", v);
	for (i = 0; i < doc->ntks; i++) {
		const kxi_tk *t = &doc->tks[i];

		if (ref == NULL || t->id == NULL || strcmp(ref, t->id) != 0) {
			lost(w, "transport key %s (not this key's)",
			    t->id != NULL ? t->id : "(no id)");
			continue;
		}
		if (t->alg != KX_ALG_TDEA2 || t->length_bits != 128)
			lost(w, "transport key %s algorithm %s/%u (GP records "
			    "the mode only)", t->id, kx_name(KX_ENUM_ALG,
			    t->alg) ? kx_name(KX_ENUM_ALG, t->alg) : "none",
			    t->length_bits);
		if (t->kcv.n > 0 || t->kcv_method != KX_KCV_NONE)
			lost(w, "transport key %s KCV", t->id);
		if (t->trusted)
			lost(w, "transport key %s trusted", t->id);
		if (t->comp_n > 0)
			lost(w, "transport key %s component ceremony", t->id);
	}
}

static int
value_carried(const kx_key *k)
{
	if (k->value.form == KX_VALUE_CLEAR)
		return k->value.clear.n > 0 || k->value.nparts > 0;
	if (k->value.form == KX_VALUE_WRAPPED ||
	    k->value.form == KX_VALUE_COMPONENTS)
		return gp_cryptogram(k->value.alg);
	return 0;
}

/* OID dotted string as the hex of its DER content octets. */
static int
put_oid_hex(struct wr *w, const char *oid)
{
	uint8_t der[KXI_OID_MAX_TEXT];
	size_t n;

	if (kxi_oid_to_der(oid, der, sizeof(der), &n, NULL) != KX_OK)
		return -1;
	if (w->rc == KX_OK)
		w->rc = kxi_buf_hex(w->b, der, n);
	return 0;
}

/* GP's list attributes: the reader's kept values, else the usual pair. */
static void
put_list_attrs(struct wr *w, const char *el, const char *item)
{
	const kxi_profile *p = &w->k->prof;
	const char *v;
	char name[64];

	snprintf(name, sizeof(name), "%s/@arrayElement", el);
	v = ext_get(p, name);
	put_attr(w, "arrayElement", v != NULL ? v : item);
	snprintf(name, sizeof(name), "%s/@arrayIndex", el);
	v = ext_get(p, name);
	put_attr(w, "arrayIndex", v != NULL ? v : "#");
}

/* The reader's kept list attributes of el, reported lost: no el. */
static void
lost_list_attrs(struct wr *w, const char *el)
{
	static const char *const names[] = { "arrayElement", "arrayIndex" };
	const char *v;
	char name[64];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%s/@%s", el, names[i]);
		if ((v = ext_get(&w->k->prof, name)) != NULL)
			lost(w, "%s %s (no %s to carry it)", name, v, el);
	}
}

/* Is the ECC_CURVE_OID part the DER of the model's curve? */
static int
curve_part_agrees(const kxi_part *pt, const char *curve)
{
	uint8_t der[KXI_OID_MAX_TEXT];
	size_t n;

	return kxi_oid_to_der(curve, der, sizeof(der), &n, NULL) == KX_OK &&
	    n == pt->data.n && memcmp(der, pt->data.p, n) == 0;
}

/*
 * A component's Value in the Encoding it was read in (HEX by default):
 * name is the component's (NULL: the unnamed value component).
 */
static void
put_component_value(struct wr *w, const char *cname, const kxi_bytes *v)
{
	char name[300];
	const char *enc;
	size_t i;

	if (cname != NULL)
		snprintf(name, sizeof(name), "Component[%s]/@Encoding", cname);
	else
		snprintf(name, sizeof(name), "Component/@Encoding");
	enc = ext_get(&w->k->prof, name);
	if (enc != NULL && strcmp(enc, "BASE64") == 0 &&
	    v->n <= (size_t)1 << 20) {
		unsigned char *b64 = OPENSSL_malloc(v->n / 3 * 4 + 5);

		if (b64 == NULL) {
			w->rc = KX_ENOMEM;
			return;
		}
		EVP_EncodeBlock(b64, v->p, (int)v->n);
		put_attr(w, "Value", (const char *)b64);
		put(w, " Encoding=\"BASE64\"");
		OPENSSL_clear_free(b64, v->n / 3 * 4 + 5);
		return;
	}
	if (enc != NULL && (strcmp(enc, "ASCII") == 0 ||
	    strcmp(enc, "UTF8") == 0)) {
		for (i = 0; i < v->n; i++)
			if (v->p[i] < 0x20 || v->p[i] > 0x7e)
				break;
		if (i == v->n) {
			char *txt = OPENSSL_zalloc(v->n + 1);

			if (txt == NULL) {
				w->rc = KX_ENOMEM;
				return;
			}
			memcpy(txt, v->p, v->n);
			put_attr(w, "Value", txt);
			put(w, " Encoding=\"%s\"", enc);
			OPENSSL_clear_free(txt, v->n + 1);
			return;
		}
	}
	if (enc != NULL)
		lost(w, "the %s encoding of component %s (written as HEX)",
		    enc, cname != NULL ? cname : "(unnamed)");
	put_hex_attr(w, "Value", v->p, v->n);
	put(w, " Encoding=\"HEX\"");
}

static void
write_value(struct wr *w)
{
	const kx_key *k = w->k;
	const kxi_profile *p = &k->prof;
	const char *fmt = ext_get(p, "Value/@Format");
	int has_val = value_carried(k), has_kcv = k->kcv.n > 0 && gp_kcv(k),
	    curve;
	const kxi_bytes *v = NULL, *kcv = has_kcv ? &k->kcv : NULL;
	const kxi_part *cp = kxi_value_part(&k->value, "ECC_CURVE_OID");
	const char *order, *ecurve;
	const char *const *names;
	size_t i, nparts = has_val ? k->value.nparts : 0;

	if (k->value.form == KX_VALUE_CLEAR)
		v = &k->value.clear;
	else if (k->value.form == KX_VALUE_WRAPPED)
		v = &k->value.data;
	else if (k->value.form == KX_VALUE_COMPONENTS &&
	    k->value.ncomponents > 0) {
		v = &k->value.components[0].wrapped;
		if (k->value.components[0].kcv.n > 0 && has_kcv)
			kcv = &k->value.components[0].kcv;
	}
	if (!has_val)
		v = NULL;
	if (v != NULL && v->n == 0)
		v = NULL;
	if (cp != NULL && nparts == 0)
		cp = NULL;
	/* the model's curve, unless a part of the value already names it */
	if ((ecurve = p->ec_curve) == NULL && w->pub_write &&
	    w->pub.alg == KX_ALG_EC)
		ecurve = w->pub.curve;
	curve = ecurve != NULL && cp == NULL;
	if (p->ec_curve != NULL && cp != NULL &&
	    !curve_part_agrees(cp, p->ec_curve))
		lost(w, "EC curve %s (the value's ECC_CURVE_OID part names "
		    "another)", p->ec_curve);
	if (v == NULL && kcv == NULL && !curve && nparts == 0 &&
	    !w->pub_write) {
		/* GP's Value holds at least one Component: no Value, and
		 * none of the attributes the reader kept of one */
		if (fmt != NULL)
			lost(w, "Value/@Format %s (no component to carry)",
			    fmt);
		lost_list_attrs(w, "Value");
		return;
	}
	put(w, "  <Value");
	put_attr(w, "Format", fmt);
	put_list_attrs(w, "Value", "Component");
	put(w, ">\n");
	if (curve) {
		put(w, "    <Component Name=\"ECC_CURVE_OID\" Value=\"");
		if (put_oid_hex(w, ecurve) != 0)
			lost(w, "EC curve %s (not an OID)", ecurve);
		put(w, "\" Encoding=\"HEX\"/>\n");
	}
	if (v != NULL || kcv != NULL) {
		order = ext_get(p, "Component/@Order");
		put(w, "    <Component Order=\"%s\"", order != NULL ? order :
		    "1");
		if (v != NULL)
			put_component_value(w, NULL, v);
		if (kcv != NULL)
			put_hex_attr(w, "KCV", kcv->p, kcv->n);
		put(w, "/>\n");
	}
	for (i = 0; i < nparts; i++) {
		const kxi_part *pt = &k->value.parts[i];

		put(w, "    <Component");
		put_attr(w, "Name", pt->name);
		if (pt->order != KX_UNSET)
			put(w, " Order=\"%d\"", pt->order);
		put_component_value(w, pt->name, &pt->data);
		if (pt->kcv.n > 0)
			put_hex_attr(w, "KCV", pt->kcv.p, pt->kcv.n);
		put(w, "/>\n");
	}
	if (w->pub_write) {	/* the profile's public key, by its numbers */
		names = pub_names[w->pub.alg == KX_ALG_EC];
		put(w, "    <Component");
		put_attr(w, "Name", names[0]);
		put_hex_attr(w, "Value", w->pub.a.data, w->pub.a.len);
		put(w, " Encoding=\"HEX\"/>\n    <Component");
		put_attr(w, "Name", names[1]);
		put_hex_attr(w, "Value", w->pub.b.data, w->pub.b.len);
		put(w, " Encoding=\"HEX\"/>\n");
	}
	put(w, "  </Value>\n");
}

static void
write_keyinfo(struct wr *w, const char *subtype)
{
	const kx_key *k = w->k;
	const kxi_profile *p = &k->prof;
	const kxi_tk *tk;
	const char *tkid = NULL, *tkalg = NULL;
	int64_t rev = p->revoked_at != KX_UNSET_TIME ? p->revoked_at :
	    p->state_since;
	int kids = 0;

	put(w, "  <KeyInfo");
	put_attr(w, "Name", p->name);
	put_hexstr(w, "ID", "id", p->id);
	put_attr(w, "Type", p->cls == KX_CLASS_SECRET ? "SECRET" :
	    p->cls == KX_CLASS_PRIVATE ? "PRIVATE" : "PUBLIC");
	put_attr(w, "SubType", subtype);
	put(w, " Size=\"%u\"", p->length_bits);
	if (p->alg == KX_ALG_RSA && p->rsa_e != 0)
		put(w, " Exponent=\"%llu\"", (unsigned long long)p->rsa_e);
	put_hexstr(w, "Owner", "owner", p->owner);
	put_hexstr(w, "Version", "version", p->version);
	if (p->not_before != KX_UNSET_TIME)
		put_date(w, "StartDate", p->not_before);
	if (p->not_after != KX_UNSET_TIME)
		put_date(w, "EndDate", p->not_after);
	if (p->state == KX_STATE_COMPROMISED && rev != KX_UNSET_TIME)
		put_date(w, "RecovationDate", rev);
	if (k->kcv_method == KX_KCV_GP_DES)
		put(w, " KCVAlgorithm=\"EIGHTZEROS\"");
	if (k->kcv.n > 0 && gp_kcv(k))
		put(w, " KCVSize=\"%zu\"", k->kcv.n);
	else	/* a KCVSize read without a KCV */
		put_attr(w, "KCVSize", ext_get(p, "KeyInfo/@KCVSize"));
	put_attr(w, "Mode", p->mode == KX_KEYMODE_TEST ? "TEST" :
	    "PRODUCTION");
	if (p->split.n >= 2 && k->value.form == KX_VALUE_COMPONENTS &&
	    k->value.ncomponents > 0 && p->split.method != KX_SPLIT_SHAMIR) {
		put(w, ">\n    <KeyPart NumberOfParts=\"%u\" PartNumber=\"%d\""
		    " Algorithm=\"%s\"/>\n", p->split.n,
		    k->value.components[0].index,
		    p->split.method == KX_SPLIT_CONCAT ? "CONCATE" : "XOR");
		kids = 1;
	} else if (p->split.n >= 2)
		lost(w, "split into %u parts (no single part in this value)",
		    p->split.n);
	else if (p->split.method != KX_SPLIT_NONE)
		lost(w, "split method %s (no number of parts)",
		    kx_name(KX_ENUM_SPLIT, p->split.method));
	/* the value's transport key, or a reference the reader kept */
	if (k->value.kek_id != NULL && value_carried(k) &&
	    k->value.form != KX_VALUE_CLEAR) {
		tkid = k->value.kek_id;
		tkalg = k->value.alg == KX_WRAP_TDEA_ECB ? "ECB" : "CBC";
	} else if ((tkid = ext_get(p, "TransportKey/@ID")) != NULL)
		tkalg = ext_get(p, "TransportKey/@Algorithm");
	if (tkid != NULL) {
		put(w, "%s    <TransportKey", kids ? "" : ">\n");
		kids = 1;
		put_hexstr(w, "ID", "transport key id", tkid);
		put_attr(w, "Name", ext_get(p, "TransportKey/@Name"));
		if ((tk = kxi_doc_find_tk(w->doc, tkid)) != NULL) {
			put_hexstr(w, "Owner", "transport key owner",
			    tk->owner);
			put_hexstr(w, "Version", "transport key version",
			    tk->version);
		}
		put_attr(w, "Algorithm", tkalg);
		if (tkid != k->value.kek_id)
			put_attr(w, "AlgorithmParameters", ext_get(p,
			    "TransportKey/@AlgorithmParameters"));
		else if (k->value.iv.n > 0)
			put_hex_attr(w, "AlgorithmParameters", k->value.iv.p,
			    k->value.iv.n);
		put(w, "/>\n");
	}
	put(w, kids ? "  </KeyInfo>\n" : "/>\n");
}

static void
write_revisions(struct wr *w)
{
	const kxi_profile *p = &w->k->prof;
	char ts[21];
	size_t i;

	put(w, "  <Revisions");
	put_list_attrs(w, "Revisions", "Revision");
	put(w, ">\n");
	if (p->nrevisions == 0) {
		/* one synthesised revision: when and by whom, never "now" */
		int64_t t = p->created != KX_UNSET_TIME ? p->created :
		    w->doc->created != KX_UNSET_TIME ? w->doc->created : 0;

		kx_time_format(t, ts);
		put(w, "    <Revision Version=\"1.0.0\" Date=\"%.10s\" "
		    "Time=\"%.8s\"", ts, ts + 11);
		put_attr(w, "By", w->doc->sender != NULL ? w->doc->sender :
		    "kmsxchg");
		put(w, " Digest=\"\"/>\n");
	}
	for (i = 0; i < p->nrevisions; i++) {
		const kxi_revision *rv = &p->revisions[i];
		const char *desc;
		char name[64];

		kx_time_format(rv->date != KX_UNSET_TIME ? rv->date : 0, ts);
		put(w, "    <Revision");
		snprintf(name, sizeof(name), "Revision[%zu]/@ProfileID", i + 1);
		put_attr(w, "ProfileID", ext_get(p, name));
		put_attr(w, "Version", rv->version != NULL ? rv->version :
		    "1.0.0");
		put(w, " Date=\"%.10s\" Time=\"%.8s\"", ts, ts + 11);
		put_attr(w, "By", rv->by != NULL ? rv->by : "");
		put_hex_attr(w, "Digest", rv->digest.p, rv->digest.n);
		snprintf(name, sizeof(name), "Revision[%zu]/Description", i + 1);
		if ((desc = ext_get(p, name)) != NULL) {
			put(w, ">\n      <Description>");
			put_esc(w, desc, "Revision/Description");
			put(w, "</Description>\n    </Revision>\n");
		} else
			put(w, "/>\n");
	}
	put(w, "  </Revisions>\n");
}

static const char *
usage_true(const kxi_profile *p, size_t i)
{
	uint32_t u = p->usage;
	enum kx_usage alt = usages[i].u;

	if (p->cls == KX_CLASS_SECRET)
		alt = usages[i].u_secret;
	return (u & (KX_USAGE_BIT(usages[i].u) | KX_USAGE_BIT(alt))) != 0 ?
	    "true" : "false";
}

/*
 * The writer never writes what the reader refuses (the round trip,
 * issue 11 item 2): out[start..] read back as a GP document, through the
 * hub and its schema check; if refused, the output is taken back and the
 * key is one GP cannot carry (KX_EUNSUPPORTED, with the reader's reason).
 */
static int
readable(kx_buf *out, size_t start, const char *id, kx_diag *d)
{
	kx_diag *rd_d = kx_diag_new();
	kx_doc *back = NULL;
	const char *why = "out of memory";
	size_t i;
	int r;

	if (rd_d == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	r = kx_doc_read(out->data + start, out->len - start, KX_FMT_GP,
	    "gp", &back, rd_d);
	kx_doc_free(back);
	if (r != KX_OK) {
		for (i = 0; i < kx_diag_count(rd_d); i++)
			if (kx_diag_get(rd_d, i)->severity == KX_SEV_ERROR) {
				why = kx_diag_get(rd_d, i)->message;
				break;
			}
		r = kxi_diag_add(d, NULL, KX_SEV_ERROR, KX_EUNSUPPORTED, NULL,
		    NULL, id, "gp: cannot carry key %s: a GP reader would "
		    "refuse its KeyProfile (%s)", id != NULL ? id : "(no id)",
		    why);
		OPENSSL_cleanse(out->data + start, out->len - start);
		out->len = start;
	}
	kx_diag_free(rd_d);
	return r;
}

int
kxi_gp_write_key(const kx_doc *doc, size_t idx, kx_buf *out, kx_diag *d)
{
	struct wr w;
	const kxi_profile *p;
	const char *subtype, *uid;
	size_t i, start = out != NULL ? out->len : 0;

	if (doc == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (idx >= doc->nkeys)
		return KX_FAIL(d, KX_EUSAGE, "gp: no key %zu in the document",
		    idx);
	memset(&w, 0, sizeof(w));
	w.doc = doc;
	w.k = &doc->keys[idx];
	w.b = out;
	w.d = d;
	p = &w.k->prof;
	if ((subtype = subtype_of(&w)) == NULL)
		return kxi_diag_add(d, NULL, KX_SEV_ERROR, KX_EUNSUPPORTED,
		    NULL, NULL, p->id, "gp: algorithm %s of key %s has no GP "
		    "SubType", kx_name(KX_ENUM_ALG, p->alg) ? kx_name(KX_ENUM_ALG,
		    p->alg) : "none", p->id != NULL ? p->id : "(no id)");
	plan_public(&w);
	report_lost(&w);
	report_doc_lost(&w);
	uid = p->template_id != NULL && kxi_is_hex(p->template_id) ?
	    p->template_id : p->id;
	if (p->template_id != NULL && !kxi_is_hex(p->template_id))
		lost(&w, "template %s", p->template_id);
	if (doc->id != NULL && (uid == NULL || strcmp(doc->id, uid) != 0))
		lost(&w, "the document id %s", doc->id);
	if (doc->sender != NULL && (p->owner == NULL ||
	    strcmp(doc->sender, p->owner) != 0))
		lost(&w, "the document sender %s", doc->sender);
	put(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	put(&w, "<KeyProfile xmlns=\"%s\"", KX_GP_NS);
	if (uid == NULL)
		put_attr(&w, "UniqueID", "00");
	else if (uid == p->id && !kxi_is_hex(uid))	/* reported once, at ID */
		put_hex_attr(&w, "UniqueID", (const uint8_t *)uid,
		    strlen(uid));
	else
		put_hexstr(&w, "UniqueID", "profile id", uid);
	put(&w, " ProfileVersion=\"1.1.0\" ErrataVersion=\"0\">\n");
	if (p->description != NULL) {
		put(&w, "  <Description>");
		put_esc(&w, p->description, "Description");
		put(&w, "</Description>\n");
	}
	write_revisions(&w);
	write_keyinfo(&w, subtype);
	put(&w, "  <Attribute Importable=\"%s\" Exportable=\"%s\" "
	    "Sensitive=\"%s\"/>\n", p->import_.allowed ? "true" : "false",
	    p->export_.allowed ? "true" : "false",
	    p->sensitive ? "true" : "false");
	put(&w, "  <Usage");
	for (i = 0; i < NUSAGES; i++)
		put(&w, " %s=\"%s\"", usages[i].attr, usage_true(p, i));
	put(&w, "/>\n");
	write_value(&w);
	put(&w, "</KeyProfile>\n");
	kx_buf_free(&w.pub.a);
	kx_buf_free(&w.pub.b);
	if (w.rc != KX_OK && w.bad != NULL)
		return KX_FAIL(d, w.rc, "gp: key %s: %s: text is not UTF-8 or "
		    "holds a character XML cannot carry",
		    p->id != NULL ? p->id : "(no id)", w.bad);
	if (w.rc != KX_OK)
		return KX_FAIL(d, w.rc, "gp: cannot write key %s",
		    p->id != NULL ? p->id : "(no id)");
	return readable(out, start, p->id, d);
}

/* The hub writes one-key formats only for documents of one key. */
static int
wr(const kx_doc *doc, kx_buf *out, kx_diag *d)
{
	return kxi_gp_write_key(doc, 0, out, d);
}

/*
 * One key per document, a TransportKey reference without its KCV, GP's
 * usage attributes (Sign/Verify on a secret key is MAC), DES-family
 * transport wraps only.
 */
const struct kxi_format kxi_format_gp = {
	"gp", "GP KeyProfile", KX_FMT_GP,
	KX_CAP_CRYPTOGRAM,
	detect, rd, wr, NULL, NULL, NULL, NULL, NULL, 0
};
