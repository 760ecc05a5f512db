/*
 * xml.c - the native kmsxchg exchange XML (namespace KX_NS,
 * schema/kmsxchg.xsd), reader and canonical writer.
 *
 * Implements model.md b.1/b.2 completely: every field of kx_doc, kxi_tk,
 * kx_key, kxi_profile and kxi_keyval has an element (UpperCamelCase of the
 * model field, order = the XSD sequences).  What it cannot carry: comments,
 * processing instructions and the lexical form of the input (they are not
 * model data); elements of other namespaces (the XSD's xs:any points) are
 * kept as model extensions when they are simple text, otherwise dropped
 * with an "ignored" warning; transport keys have no extension list, so foreign
 * elements there are always dropped (and reported).
 *
 * Reading streams, in one pass: libxml2's push parser builds each
 * top-level element (Header, TransportKey, Key) in nodes of our own, which
 * the schema's checks compiled in and the converter read; an element is
 * committed once it validated, so keys can be handed over one at a time
 * (kxi_xml_reader_next).  What that pass does not plainly take goes to
 * xmlTextReader (fx_handoff), and from it to libxml2's streaming XSD
 * validator where the compiled checks are not sure.  Input is hardened by xmlsec.c
 * (no DTD, no entities, no network, size and depth limits).
 *
 * Writing is canonical: the XSD's element order, 2-space indentation, LF,
 * upper-case hex, times as YYYY-MM-DDThh:mm:ssZ, enum sets in enum order,
 * optional fields omitted when unset, State/Mode/Export/Sensitive/Import
 * always written; equal models give equal bytes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>

#include "internal.h"

#define MAX_TEXT ((size_t)256 << 10)	/* one element's text */

/* ======================= reading: DOM -> model ======================= */
/*
 * Element names are dispatched by number, not by chains of string
 * compares: the local names of our namespace, in strcmp order (KN_*).
 * The reader's names come from its dictionary (xmlDict), so a name is
 * looked up by string once and by pointer after that (struct kxi_names).
 */
#define KX_NAMES \
	X(AadDigest) \
	X(Access) \
	X(Algorithm) \
	X(Allowed) \
	X(AllowedMode) \
	X(AlwaysSensitive) \
	X(Binding) \
	X(By) \
	X(Class) \
	X(Clear) \
	X(Comment) \
	X(Component) \
	X(Components) \
	X(Created) \
	X(Creator) \
	X(Cryptoperiod) \
	X(Custodian) \
	X(Data) \
	X(Date) \
	X(Description) \
	X(Destination) \
	X(Digest) \
	X(Diversification) \
	X(DualControl) \
	X(EcCurve) \
	X(Export) \
	X(Extension) \
	X(Form) \
	X(GeneratedIn) \
	X(Gp) \
	X(Header) \
	X(HmacHash) \
	X(Holder) \
	X(I) \
	X(Id) \
	X(Import) \
	X(Index) \
	X(Iv) \
	X(Kcv) \
	X(KcvMethod) \
	X(KekId) \
	X(Key) \
	X(KeyExchange) \
	X(KeyType) \
	X(Kid) \
	X(Kuq) \
	X(Kvn) \
	X(LengthBits) \
	X(M) \
	X(Method) \
	X(MinWrapStrength) \
	X(Mode) \
	X(N) \
	X(Name) \
	X(Namespace) \
	X(NeverExported) \
	X(NotAfter) \
	X(NotBefore) \
	X(Order) \
	X(Owner) \
	X(Params) \
	X(Part) \
	X(Permanent) \
	X(ProcessUntil) \
	X(Profile) \
	X(ProtectUntil) \
	X(Protocol) \
	X(Provenance) \
	X(PublicKey) \
	X(Recipient) \
	X(Ref) \
	X(Reference) \
	X(Relation) \
	X(Revision) \
	X(RevocationReason) \
	X(RevokedAt) \
	X(Role) \
	X(RsaE) \
	X(Scp) \
	X(SdAid) \
	X(Sender) \
	X(Sensitive) \
	X(Source) \
	X(Split) \
	X(SplitMethod) \
	X(State) \
	X(StateSince) \
	X(Template) \
	X(Threshold) \
	X(TransportKey) \
	X(Trusted) \
	X(TrustedKekOnly) \
	X(Type) \
	X(Usage) \
	X(UsageLimit) \
	X(Value) \
	X(Version) \
	X(Wrapped)

enum kx_name {
	KN__FOREIGN = 0,	/* not of our namespace */
	KN__UNKNOWN,		/* of our namespace, not one of ours */
#define X(n) KN_##n,
	KX_NAMES
#undef X
	KN__N
};

static const char *const kn_str[] = {
#define X(n) #n,
	KX_NAMES
#undef X
};

/* kn_search's binary search needs KX_NAMES in strcmp order. */
static void
kn_check(void)
{
	size_t i;

	for (i = 1; i < sizeof(kn_str) / sizeof(kn_str[0]); i++)
		if (strcmp(kn_str[i - 1], kn_str[i]) >= 0)
			kxi_misuse(__func__, "KX_NAMES not in strcmp order");
}

/* Dictionary name pointer -> KN_*, for the life of one reader. */
#define KN_SLOTS 512
struct kxi_names {
	const xmlChar *p[KN_SLOTS];
	unsigned char id[KN_SLOTS];
	size_t used;
};

struct conv {
	kx_doc *doc;
	kxi_arena *a;
	kx_diag *d;		/* findings, committed with the element */
	const char *name;
	const char *key_id;
	int r;			/* first error */
	struct kxi_names *nm;	/* the reader's, or NULL */
	const xmlNs *kx_ns;	/* a namespace node seen to be ours */
	const xmlNode *last;	/* the node last looked up, and its name */
	int last_id;
};

static int
is_kx(const xmlNode *n)
{
	return n->ns != NULL && n->ns->href != NULL &&
	    strcmp((const char *)n->ns->href, KX_NS) == 0;
}

static int
named(const xmlNode *n, const char *local)
{
	return is_kx(n) && strcmp((const char *)n->name, local) == 0;
}

/* The KN_* of a local name of our namespace, by binary search. */
static int
kn_search(const char *s)
{
	size_t lo = 0, hi = KN__N - KN__UNKNOWN - 1, mid;
	int cmp;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((cmp = strcmp(s, kn_str[mid])) == 0)
			return KN__UNKNOWN + 1 + (int)mid;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return KN__UNKNOWN;
}

static size_t
kn_slot(const xmlChar *p)
{
	uintptr_t h = (uintptr_t)p;

	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 7) & (KN_SLOTS - 1);
}

/* The KN_* of an element node (KN__FOREIGN outside our namespace). */
static int
kn_lookup(struct conv *c, const xmlNode *n)
{
	struct kxi_names *nm = c->nm;
	size_t i;
	int id;

	if (n->ns == NULL || (n->ns != c->kx_ns && !is_kx(n)))
		return KN__FOREIGN;
	/* a namespace node lives as long as the element converted */
	c->kx_ns = n->ns;
	if (nm != NULL)
		for (i = kn_slot(n->name); nm->p[i] != NULL;
		    i = (i + 1) & (KN_SLOTS - 1))
			if (nm->p[i] == n->name)
				return nm->id[i];
	id = kn_search((const char *)n->name);
	/* only the dictionary's strings live as long as the reader */
	if (nm != NULL && nm->used < KN_SLOTS / 2 && n->doc != NULL &&
	    n->doc->dict != NULL && xmlDictOwns(n->doc->dict, n->name) == 1) {
		for (i = kn_slot(n->name); nm->p[i] != NULL;
		    i = (i + 1) & (KN_SLOTS - 1))
			;
		nm->p[i] = n->name;
		nm->id[i] = (unsigned char)id;
		nm->used++;
	}
	return id;
}

static int
kn_of(struct conv *c, const xmlNode *n)
{
	if (n != c->last) {
		c->last_id = kn_lookup(c, n);
		c->last = n;
	}
	return c->last_id;
}

#define NAMED(n, local) (kn_of(c, (n)) == KN_##local)

static xmlNodePtr
first_el(xmlNodePtr n)
{
	for (; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

#define FOR_EL(ch, parent) \
	for ((ch) = first_el((parent)->children); (ch) != NULL; \
	    (ch) = first_el((ch)->next))

static kxi_loc
loc_of(const xmlNode *n)
{
	kxi_loc l;
	long line = xmlGetLineNo(n);
	const xmlChar *p;

	/*
	 * Past line 65535 libxml2 (XML_PARSE_BIG_LINES) takes an element's
	 * line from its first child text node, which is stamped where that
	 * text ends: step back over the text's line breaks.
	 */
	if (n->type == XML_ELEMENT_NODE && n->line == 65535 &&
	    n->children != NULL && n->children->type == XML_TEXT_NODE &&
	    n->children->content != NULL)
		for (p = n->children->content; *p != '\0' && line > 1; p++)
			if (*p == '\n')
				line--;

	l.line = line > 0 && line <= UINT32_MAX ? (uint32_t)line : 0;
	l.col = 0;
	l.off = -1;
	return l;
}

static void
fail(struct conv *c, const xmlNode *n, int rc, const char *msg)
{
	kxi_loc l = loc_of(n);

	kxi_diag_add(c->d, NULL, KX_SEV_ERROR, rc, c->name, &l, c->key_id,
	    "%s: %s", (const char *)n->name, msg);
	if (c->r == KX_OK)
		c->r = rc;
}

static int
xml_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Text content of a simple element, in the arena; NULL on error. */
static const char *
text(struct conv *c, xmlNodePtr n, int trim)
{
	xmlChar *raw = NULL;
	const char *s, *e;
	char *out;
	size_t len;

	/*
	 * The usual element holds one text node (or none): read it in
	 * place; anything else is gathered by libxml2 into a copy.
	 */
	if (n->children == NULL)
		s = "";
	else if (n->children->type == XML_TEXT_NODE &&
	    n->children->next == NULL && n->children->content != NULL)
		s = (const char *)n->children->content;
	else if ((raw = xmlNodeGetContent(n)) == NULL) {
		fail(c, n, KX_ENOMEM, "cannot read text");
		return NULL;
	} else
		s = (const char *)raw;
	len = strlen(s);
	if (len > MAX_TEXT) {
		xmlFree(raw);
		fail(c, n, KX_ELIMIT, "text longer than the limit");
		return NULL;
	}
	e = s + len;
	if (trim) {
		while (s < e && xml_ws(*s))
			s++;
		while (e > s && xml_ws(e[-1]))
			e--;
	}
	out = kxi_strndup(c->a, s, (size_t)(e - s));
	xmlFree(raw);
	if (out == NULL)
		fail(c, n, KX_ENOMEM, "out of memory");
	return out;
}

static int
get_enum(struct conv *c, xmlNodePtr n, enum kx_enum_type t)
{
	const char *s = text(c, n, 1);
	int v;

	if (s == NULL)
		return -1;
	if ((v = kx_value(t, s)) < 0)
		fail(c, n, KX_ESCHEMA, "unknown value");
	return v;
}

static int
get_bool(struct conv *c, xmlNodePtr n)
{
	const char *s = text(c, n, 1);

	if (s == NULL)
		return 0;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		return 1;
	if (strcmp(s, "false") != 0 && strcmp(s, "0") != 0)
		fail(c, n, KX_ESCHEMA, "not a boolean");
	return 0;
}

static unsigned long long
get_uint(struct conv *c, xmlNodePtr n, unsigned long long max)
{
	const char *s = text(c, n, 1);
	unsigned long long v = 0;

	if (s == NULL)
		return 0;
	if (*s == '+')
		s++;
	if (kxi_parse_uint(s, max, &v) != KX_OK)
		fail(c, n, KX_ESCHEMA, "not a number in range");
	return v;
}

static int64_t
get_time(struct conv *c, xmlNodePtr n)
{
	const char *s = text(c, n, 1);
	int64_t t = KX_UNSET_TIME;

	if (s != NULL && (strlen(s) != 20 || kx_time_parse(s, &t) != KX_OK)) {
		fail(c, n, KX_ESCHEMA,
		    "not a time of the form YYYY-MM-DDThh:mm:ssZ");
		t = KX_UNSET_TIME;
	}
	return t;
}

static void
get_hex(struct conv *c, xmlNodePtr n, kxi_bytes *out)
{
	const char *s = text(c, n, 1);

	if (s != NULL && kxi_hex_decode(c->a, s, out) != KX_OK)
		fail(c, n, KX_ESCHEMA, "not hex");
}

/* One or two hex bytes as an int; *len receives the byte count. */
static int
get_hexint(struct conv *c, xmlNodePtr n, size_t maxlen, int *len)
{
	kxi_bytes b = { NULL, 0 };
	int v = 0;
	size_t i;

	get_hex(c, n, &b);
	if (b.p == NULL)
		return KX_UNSET;
	if (b.n == 0 || b.n > maxlen) {
		fail(c, n, KX_ESCHEMA, "wrong number of bytes");
		return KX_UNSET;
	}
	for (i = 0; i < b.n; i++)
		v = v << 8 | b.p[i];
	if (len != NULL)
		*len = (int)b.n;
	return v;
}

static const char *
get_str(struct conv *c, xmlNodePtr n)
{
	return text(c, n, 0);
}

static void
add_str(struct conv *c, xmlNodePtr n, kxi_strlist *l)
{
	const char *s = get_str(c, n);

	if (s != NULL && kxi_strlist_add(c->a, l, s) != KX_OK)
		fail(c, n, KX_ENOMEM, "out of memory");
}

static void
warn_drop(struct conv *c, xmlNodePtr n, const char *why)
{
	kxi_loc l = loc_of(n);
	const char *ns = n->ns != NULL && n->ns->href != NULL ?
	    (const char *)n->ns->href : "";

	kxi_fact(c->d, KXI_IGNORED, KX_OK, c->name, &l,
	    c->key_id, "foreign element {%s}%s dropped: %s", ns,
	    (const char *)n->name, why);
}

/*
 * Attributes of other namespaces on our elements (xs:anyAttribute) are
 * accepted by the schema and ignored: the model has no place for them.
 */
static void
foreign_attrs(struct conv *c, const xmlNode *n)
{
	const xmlAttr *a;
	kxi_loc l;

	for (a = n->properties; a != NULL; a = a->next) {
		if (a->ns == NULL || a->ns->href == NULL)
			continue;
		l = loc_of(n);
		kxi_fact(c->d, KXI_IGNORED, KX_OK, c->name, &l,
		    c->key_id, "foreign attribute {%s}%s on %s ignored",
		    (const char *)a->ns->href, (const char *)a->name,
		    (const char *)n->name);
	}
}

/*
 * An element of another namespace (xs:any): kept as an extension when it
 * is simple text (no attributes, no child elements), else dropped.
 */
static void
foreign(struct conv *c, xmlNodePtr n, kxi_extension **v, size_t *nv)
{
	kxi_extension *e;

	if (v == NULL || nv == NULL) {
		warn_drop(c, n, "no extension list at this place");
		return;
	}
	if (n->properties != NULL || first_el(n->children) != NULL) {
		warn_drop(c, n, "not simple text");
		return;
	}
	if (is_kx(n)) {
		fail(c, n, KX_ESCHEMA, "unexpected element");
		return;
	}
	if ((e = kxi_array_push(c->a, (void **)v, nv, sizeof(*e))) == NULL) {
		fail(c, n, KX_ENOMEM, "out of memory");
		return;
	}
	e->ns = n->ns != NULL ? kxi_strdup(c->a,
	    (const char *)n->ns->href) : NULL;
	e->name = kxi_strdup(c->a, (const char *)n->name);
	e->value = get_str(c, n);
}

static void
conv_ext(struct conv *c, xmlNodePtr n, kxi_extension **v, size_t *nv)
{
	kxi_extension *e;
	xmlNodePtr ch;

	if ((e = kxi_array_push(c->a, (void **)v, nv, sizeof(*e))) == NULL) {
		fail(c, n, KX_ENOMEM, "out of memory");
		return;
	}
	FOR_EL(ch, n) {
		if (NAMED(ch, Namespace))
			e->ns = text(c, ch, 1);
		else if (NAMED(ch, Name))
			e->name = get_str(c, ch);
		else if (NAMED(ch, Value))
			e->value = get_str(c, ch);
		else
			fail(c, ch, KX_ESCHEMA, "unexpected element");
	}
	if (e->value == NULL)
		e->value = "";
}

/* Unknown element of our own namespace (the schema reports it too). */
static void
unexpected(struct conv *c, xmlNodePtr n)
{
	fail(c, n, KX_ESCHEMA, "unexpected element");
}

static void
conv_header(struct conv *c, xmlNodePtr h)
{
	kx_doc *doc = c->doc;
	xmlNodePtr ch;

	foreign_attrs(c, h);
	FOR_EL(ch, h) {
		if (kn_of(c, ch) == KN__FOREIGN)
			foreign(c, ch, &doc->extensions, &doc->nextensions);
		else if (NAMED(ch, Id))
			doc->id = get_str(c, ch);
		else if (NAMED(ch, Created))
			doc->created = get_time(c, ch);
		else if (NAMED(ch, Sender))
			doc->sender = get_str(c, ch);
		else if (NAMED(ch, Recipient))
			add_str(c, ch, &doc->recipients);
		else if (NAMED(ch, Comment))
			doc->comment = get_str(c, ch);
		else if (NAMED(ch, Extension))
			conv_ext(c, ch, &doc->extensions, &doc->nextensions);
		else
			unexpected(c, ch);
	}
}

static void
conv_tk(struct conv *c, xmlNodePtr t, kxi_tk *tk)
{
	xmlNodePtr ch, cc;
	size_t nk = 0;
	kxi_loc l;
	int v;

	tk->loc = loc_of(t);
	foreign_attrs(c, t);
	FOR_EL(ch, t) {
		if (kn_of(c, ch) == KN__FOREIGN)
			foreign(c, ch, NULL, NULL);
		else if (NAMED(ch, Id))
			tk->id = get_str(c, ch);
		else if (NAMED(ch, Algorithm)) {
			if ((v = get_enum(c, ch, KX_ENUM_ALG)) >= 0)
				tk->alg = v;
		} else if (NAMED(ch, LengthBits))
			tk->length_bits = (unsigned)get_uint(c, ch, 65536);
		else if (NAMED(ch, Kcv))
			get_hex(c, ch, &tk->kcv);
		else if (NAMED(ch, KcvMethod)) {
			if ((v = get_enum(c, ch, KX_ENUM_KCV_METHOD)) >= 0)
				tk->kcv_method = v;
		} else if (NAMED(ch, Owner))
			tk->owner = get_str(c, ch);
		else if (NAMED(ch, Version))
			tk->version = get_str(c, ch);
		else if (NAMED(ch, Trusted))
			tk->trusted = get_bool(c, ch);
		else if (NAMED(ch, Components)) {
			FOR_EL(cc, ch) {
				if (NAMED(cc, N))
					tk->comp_n = (unsigned)get_uint(c, cc,
					    255);
				else if (NAMED(cc, M))
					tk->comp_m = (unsigned)get_uint(c, cc,
					    255);
				else if (NAMED(cc, Method)) {
					v = get_enum(c, cc, KX_ENUM_SPLIT);
					if (v >= 0)
						tk->comp_method = v;
				} else if (NAMED(cc, Kcv))
					nk++;
				else
					unexpected(c, cc);
			}
			if (nk == 0)
				continue;
			if (nk != tk->comp_n) {
				l = loc_of(ch);
				kxi_fact(c->d, KXI_TK_RECORD,
				    KX_ESCHEMA, c->name, &l, tk->id,
				    "transport key Components: %zu Kcv "
				    "for N = %u", nk, tk->comp_n);
				if (c->r == KX_OK)
					c->r = KX_ESCHEMA;
				continue;
			}
			tk->comp_kcvs = kxi_alloc(c->a,
			    nk * sizeof(*tk->comp_kcvs));
			if (tk->comp_kcvs == NULL) {
				fail(c, ch, KX_ENOMEM, "out of memory");
				continue;
			}
			nk = 0;
			FOR_EL(cc, ch)
				if (NAMED(cc, Kcv))
					get_hex(c, cc, &tk->comp_kcvs[nk++]);
		} else
			unexpected(c, ch);
	}
}

static void
conv_gp(struct conv *c, xmlNodePtr g, kxi_gp *gp)
{
	xmlNodePtr ch, s;
	int v;

	FOR_EL(ch, g) {
		if (NAMED(ch, KeyType))
			gp->key_type = get_hexint(c, ch, 1, NULL);
		else if (NAMED(ch, Kvn))
			gp->kvn = get_hexint(c, ch, 1, NULL);
		else if (NAMED(ch, Kid))
			gp->kid = get_hexint(c, ch, 1, NULL);
		else if (NAMED(ch, Kuq))
			gp->kuq = get_hexint(c, ch, 2, &gp->kuq_len);
		else if (NAMED(ch, Access))
			gp->access = get_hexint(c, ch, 1, NULL);
		else if (NAMED(ch, Scp)) {
			FOR_EL(s, ch) {
				if (NAMED(s, Protocol)) {
					if ((v = get_enum(c, s, KX_ENUM_SCP)) >= 0)
						gp->scp = v;
				} else if (NAMED(s, I))
					gp->scp_i = get_hexint(c, s, 1, NULL);
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, SdAid))
			get_hex(c, ch, &gp->sd_aid);
		else if (NAMED(ch, Diversification)) {
			if ((v = get_enum(c, ch, KX_ENUM_DIVERSIFICATION)) >= 0)
				gp->diversification = v;
		} else
			unexpected(c, ch);
	}
}

static void
conv_profile(struct conv *c, xmlNodePtr pn, kx_key *k)
{
	kxi_profile *p = &k->prof;
	xmlNodePtr ch, s;
	void *slot;
	int v;

	foreign_attrs(c, pn);
	FOR_EL(ch, pn) {
		if (kn_of(c, ch) == KN__FOREIGN) {
			foreign(c, ch, &p->extensions, &p->nextensions);
			continue;
		}
		if (NAMED(ch, Id)) {
			p->id = get_str(c, ch);
			c->key_id = p->id;
			k->loc[KXF_ID] = loc_of(ch);
		} else if (NAMED(ch, Name))
			p->name = get_str(c, ch);
		else if (NAMED(ch, Description))
			p->description = get_str(c, ch);
		else if (NAMED(ch, Template))
			p->template_id = get_str(c, ch);
		else if (NAMED(ch, Reference))
			p->reference = get_str(c, ch);
		else if (NAMED(ch, Version))
			p->version = get_str(c, ch);
		else if (NAMED(ch, Revision)) {
			kxi_revision *rv = kxi_array_push(c->a,
			    (void **)&p->revisions, &p->nrevisions,
			    sizeof(*rv));

			if (rv == NULL) {
				fail(c, ch, KX_ENOMEM, "out of memory");
				continue;
			}
			rv->date = KX_UNSET_TIME;
			FOR_EL(s, ch) {
				if (NAMED(s, Version))
					rv->version = get_str(c, s);
				else if (NAMED(s, Date))
					rv->date = get_time(c, s);
				else if (NAMED(s, By))
					rv->by = get_str(c, s);
				else if (NAMED(s, Digest))
					get_hex(c, s, &rv->digest);
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, Owner))
			p->owner = get_str(c, ch);
		else if (NAMED(ch, Creator))
			p->creator = get_str(c, ch);
		else if (NAMED(ch, Holder))
			p->holder = get_str(c, ch);
		else if (NAMED(ch, Custodian))
			add_str(c, ch, &p->custodians);
		else if (NAMED(ch, Class)) {
			if ((v = get_enum(c, ch, KX_ENUM_CLASS)) >= 0)
				p->cls = v;
		} else if (NAMED(ch, Algorithm)) {
			k->loc[KXF_ALG] = loc_of(ch);
			if ((v = get_enum(c, ch, KX_ENUM_ALG)) >= 0)
				p->alg = v;
		} else if (NAMED(ch, LengthBits))
			p->length_bits = (unsigned)get_uint(c, ch, 65536);
		else if (NAMED(ch, Params)) {
			FOR_EL(s, ch) {
				/* the ranges of every codec: 1..2^63-1
				 * and oid.c (the schema says the same) */
				if (NAMED(s, RsaE))
					p->rsa_e = get_uint(c, s, INT64_MAX);
				else if (NAMED(s, EcCurve)) {
					const char *why = NULL;

					p->ec_curve = text(c, s, 1);
					if (p->ec_curve != NULL &&
					    kxi_oid_check(p->ec_curve, &why) !=
					    KX_OK) {
						char m[96];

						snprintf(m, sizeof(m), "not an "
						    "OID of the model: %s", why);
						fail(c, s, KX_ESCHEMA, m);
					}
				}
				else if (NAMED(s, HmacHash)) {
					v = get_enum(c, s, KX_ENUM_HASH);
					if (v >= 0)
						p->hmac_hash = v;
				} else if (NAMED(s, PublicKey))
					get_hex(c, s, &p->spki);
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, AllowedMode)) {
			if ((v = get_enum(c, ch, KX_ENUM_MODE_OF_OP)) >= 0)
				p->modes |= 1u << v;
		} else if (NAMED(ch, Usage)) {
			if (p->usage == 0)
				k->loc[KXF_USAGE] = loc_of(ch);
			if ((v = get_enum(c, ch, KX_ENUM_USAGE)) >= 0)
				p->usage |= KX_USAGE_BIT(v);
		} else if (NAMED(ch, Role)) {
			if ((v = get_enum(c, ch, KX_ENUM_ROLE)) >= 0)
				p->role = v;
		} else if (NAMED(ch, UsageLimit))
			p->usage_limit = (int64_t)get_uint(c, ch, INT64_MAX);
		else if (NAMED(ch, Gp)) {
			p->has_gp = true;
			k->loc[KXF_GP] = loc_of(ch);
			conv_gp(c, ch, &p->gp);
		} else if (NAMED(ch, NotBefore) || NAMED(ch, NotAfter) ||
		    NAMED(ch, ProtectUntil) || NAMED(ch, ProcessUntil)) {
			int64_t t = get_time(c, ch);

			if (k->loc[KXF_VALIDITY].line == 0)
				k->loc[KXF_VALIDITY] = loc_of(ch);
			if (NAMED(ch, NotBefore))
				p->not_before = t;
			else if (NAMED(ch, NotAfter))
				p->not_after = t;
			else if (NAMED(ch, ProtectUntil))
				p->protect_until = t;
			else
				p->process_until = t;
		} else if (NAMED(ch, Cryptoperiod))
			p->cryptoperiod = text(c, ch, 1);
		else if (NAMED(ch, State)) {
			k->loc[KXF_STATE] = loc_of(ch);
			if ((v = get_enum(c, ch, KX_ENUM_STATE)) >= 0)
				p->state = v;
		} else if (NAMED(ch, StateSince))
			p->state_since = get_time(c, ch);
		else if (NAMED(ch, RevokedAt))
			p->revoked_at = get_time(c, ch);
		else if (NAMED(ch, RevocationReason)) {
			if ((v = get_enum(c, ch, KX_ENUM_REVOCATION)) >= 0)
				p->revocation_reason = v;
		} else if (NAMED(ch, Mode)) {
			if ((v = get_enum(c, ch, KX_ENUM_KEYMODE)) >= 0)
				p->mode = v;
		} else if (NAMED(ch, Created))
			p->created = get_time(c, ch);
		else if (NAMED(ch, Export)) {
			k->loc[KXF_EXPORT] = loc_of(ch);
			FOR_EL(s, ch) {
				if (NAMED(s, Allowed))
					p->export_.allowed = get_bool(c, s);
				else if (NAMED(s, Form)) {
					v = get_enum(c, s, KX_ENUM_FORM);
					if (v >= 0)
						p->export_.forms |= 1u << v;
				} else if (NAMED(s, Destination))
					add_str(c, s,
					    &p->export_.destinations);
				else if (NAMED(s, MinWrapStrength))
					p->export_.min_wrap_strength =
					    (int)get_uint(c, s, 65536);
				else if (NAMED(s, TrustedKekOnly))
					p->export_.trusted_kek_only =
					    get_bool(c, s) ? KXI_TRI_TRUE :
					    KXI_TRI_FALSE;
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, Sensitive))
			p->sensitive = get_bool(c, ch);
		else if (NAMED(ch, Import)) {
			FOR_EL(s, ch) {
				if (NAMED(s, Allowed))
					p->import_.allowed = get_bool(c, s);
				else if (NAMED(s, Source))
					add_str(c, s, &p->import_.sources);
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, Provenance)) {
			FOR_EL(s, ch) {
				if (NAMED(s, AlwaysSensitive))
					p->provenance.always_sensitive =
					    get_bool(c, s) ? KXI_TRI_TRUE :
					    KXI_TRI_FALSE;
				else if (NAMED(s, NeverExported))
					p->provenance.never_exported =
					    get_bool(c, s) ? KXI_TRI_TRUE :
					    KXI_TRI_FALSE;
				else if (NAMED(s, GeneratedIn))
					p->provenance.generated_in =
					    get_str(c, s);
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, Permanent))
			p->permanent = get_bool(c, ch) ? KXI_TRI_TRUE :
			    KXI_TRI_FALSE;
		else if (NAMED(ch, Split)) {
			k->loc[KXF_SPLIT] = loc_of(ch);
			FOR_EL(s, ch) {
				if (NAMED(s, N))
					p->split.n = (unsigned)get_uint(c, s,
					    255);
				else if (NAMED(s, M))
					p->split.m = (unsigned)get_uint(c, s,
					    255);
				else if (NAMED(s, Method)) {
					v = get_enum(c, s, KX_ENUM_SPLIT);
					if (v >= 0)
						p->split.method = v;
				} else if (NAMED(s, DualControl))
					p->split.dual_control =
					    get_bool(c, s) ? KXI_TRI_TRUE :
					    KXI_TRI_FALSE;
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, Relation)) {
			kxi_relation_ref *rel;

			if (p->nrelations == 0)
				k->loc[KXF_RELATIONS] = loc_of(ch);
			slot = kxi_array_push(c->a, (void **)&p->relations,
			    &p->nrelations, sizeof(*rel));
			if ((rel = slot) == NULL) {
				fail(c, ch, KX_ENOMEM, "out of memory");
				continue;
			}
			FOR_EL(s, ch) {
				if (NAMED(s, Type)) {
					v = get_enum(c, s, KX_ENUM_RELATION);
					if (v >= 0)
						rel->type = v;
				} else if (NAMED(s, Ref))
					rel->ref = get_str(c, s);
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, Extension))
			conv_ext(c, ch, &p->extensions, &p->nextensions);
		else
			unexpected(c, ch);
	}
}

static void
conv_value(struct conv *c, xmlNodePtr vn, kx_key *k)
{
	kxi_keyval *val = &k->value;
	kxi_component *cp;
	xmlNodePtr ch, s;
	int v;

	k->loc[KXF_VALUE] = loc_of(vn);
	foreign_attrs(c, vn);
	FOR_EL(ch, vn) {
		if (kn_of(c, ch) == KN__FOREIGN)
			foreign(c, ch, &k->prof.extensions,
			    &k->prof.nextensions);
		else if (NAMED(ch, Form)) {
			if ((v = get_enum(c, ch, KX_ENUM_VALUE_FORM)) >= 0)
				val->form = v;
		} else if (NAMED(ch, KekId))
			val->kek_id = get_str(c, ch);
		else if (NAMED(ch, Algorithm)) {
			if ((v = get_enum(c, ch, KX_ENUM_WRAP_ALG)) >= 0)
				val->alg = v;
		} else if (NAMED(ch, Iv))
			get_hex(c, ch, &val->iv);
		else if (NAMED(ch, Data))
			get_hex(c, ch, &val->data);
		else if (NAMED(ch, Binding)) {
			FOR_EL(s, ch) {
				if (NAMED(s, Method))
					val->binding_method = get_str(c, s);
				else if (NAMED(s, AadDigest))
					get_hex(c, s, &val->binding_digest);
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, Component)) {
			cp = kxi_array_push(c->a, (void **)&val->components,
			    &val->ncomponents, sizeof(*cp));
			if (cp == NULL) {
				fail(c, ch, KX_ENOMEM, "out of memory");
				continue;
			}
			FOR_EL(s, ch) {
				if (NAMED(s, Index))
					cp->index = (int)get_uint(c, s, 255);
				else if (NAMED(s, Custodian))
					cp->custodian = get_str(c, s);
				else if (NAMED(s, Kcv))
					get_hex(c, s, &cp->kcv);
				else if (NAMED(s, Wrapped))
					get_hex(c, s, &cp->wrapped);
				else
					unexpected(c, s);
			}
		} else if (NAMED(ch, Threshold))
			val->threshold = (unsigned)get_uint(c, ch, 255);
		else if (NAMED(ch, SplitMethod)) {
			if ((v = get_enum(c, ch, KX_ENUM_SPLIT)) >= 0)
				val->split_method = v;
		} else if (NAMED(ch, Clear)) {
			get_hex(c, ch, &val->clear);
			if (val->clear.p != NULL)
				c->a->wipe = true;
		} else if (NAMED(ch, Part)) {
			kxi_part *pt = kxi_array_push(c->a,
			    (void **)&val->parts, &val->nparts, sizeof(*pt));

			if (pt == NULL) {
				fail(c, ch, KX_ENOMEM, "out of memory");
				continue;
			}
			pt->order = KX_UNSET;
			/* clear parts are key material: wipe them too */
			c->a->wipe = true;
			FOR_EL(s, ch) {
				if (NAMED(s, Name))
					pt->name = get_str(c, s);
				else if (NAMED(s, Order))
					pt->order = (int)get_uint(c, s,
					    INT32_MAX);
				else if (NAMED(s, Data))
					get_hex(c, s, &pt->data);
				else if (NAMED(s, Kcv))
					get_hex(c, s, &pt->kcv);
				else
					unexpected(c, s);
			}
		} else
			unexpected(c, ch);
	}
}

static void
conv_key(struct conv *c, xmlNodePtr kn, kx_key *k)
{
	xmlNodePtr ch;
	int v;

	k->loc[KXF_KEY] = loc_of(kn);
	foreign_attrs(c, kn);
	FOR_EL(ch, kn) {
		if (kn_of(c, ch) == KN__FOREIGN)
			foreign(c, ch, &k->prof.extensions,
			    &k->prof.nextensions);
		else if (NAMED(ch, Profile))
			conv_profile(c, ch, k);
		else if (NAMED(ch, Value))
			conv_value(c, ch, k);
		else if (NAMED(ch, Kcv)) {
			k->loc[KXF_KCV] = loc_of(ch);
			get_hex(c, ch, &k->kcv);
		} else if (NAMED(ch, KcvMethod)) {
			if ((v = get_enum(c, ch, KX_ENUM_KCV_METHOD)) >= 0)
				k->kcv_method = v;
		} else
			unexpected(c, ch);
	}
}

/* ================= the schema's checks, compiled ===================== */
/*
 * schema/kmsxchg.xsd compiled into tables (element order and counts per
 * complex type, simple types with their facets) and checked on each
 * expanded top-level element, in place of libxml2's generic streaming XSD
 * validator (2.3x the bare parse's instructions).  The check is sound, not
 * complete: what it accepts, `xmllint --schema schema/kmsxchg.xsd`
 * accepts; where it is not sure (a value outside the plain lexical forms
 * it knows, an xsi: attribute, a CDATA section, an error) it says so and
 * the reader falls back to libxml2's validator from the start of the
 * document (reader_fallback), which then gives the verdict and the
 * message, as before.  tests/interop/xmllint-xsd-differ.sh holds the
 * verdicts to xmllint's.  The tables are transcribed from the schema in
 * its declaration order; the anonymous simple types are named after their
 * element (ParamsType_RsaE).  A change to the schema needs them changed.
 */
enum xs_kind { XS_STRING, XS_UTC, XS_HEX, XS_UINT, XS_BOOL, XS_DURATION,
	XS_URI };
enum xs_pat { XP_NONE, XP_ID, XP_OID };

struct xs_st {			/* a simple type */
	unsigned char kind, pat;
	unsigned long long min, max;	/* length (chars, octets), value */
	const char *const *en;		/* enumeration, NULL-terminated */
};

struct xs_part {		/* an element particle of a sequence */
	unsigned char kn, min;
	unsigned short max;	/* XS_UNBOUNDED: no maximum */
	signed char st, ct;	/* its simple or complex type */
};

struct xs_ct {			/* a complex type: a sequence */
	const struct xs_part *p;
	unsigned char np;
	unsigned char any;	/* ends with xs:any ##other lax */
	unsigned char anyattr;	/* xs:anyAttribute ##other lax */
};

#define XS_UNBOUNDED 65535
#define XS_SEQ(p) (p), sizeof(p) / sizeof((p)[0])
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define XS_NS "http://www.w3.org/2001/XMLSchema"

/* Our namespace, xsi: or xs: (declared, or meaning something to XSD). */
static int
xs_special_ns(const xmlNs *ns)
{
	const char *h = ns != NULL ? (const char *)ns->href : NULL;

	return h != NULL && (strcmp(h, KX_NS) == 0 ||
	    strcmp(h, XSI_NS) == 0 || strcmp(h, XS_NS) == 0);
}
enum xs_simple {
	XST_IdType,
	XST_PartyType,
	XST_ShortTextType,
	XST_TextType,
	XST_UtcTime,
	XST_HexType,
	XST_ByteType,
	XST_KcvType,
	XST_DigestType,
	XST_OidType,
	XST_LengthBitsType,
	XST_CountType,
	XST_OrderType,
	XST_UsageLimitType,
	XST_ClassType,
	XST_AlgorithmType,
	XST_UsageType,
	XST_ModeOfOpType,
	XST_RoleType,
	XST_StateType,
	XST_RevocationType,
	XST_KeyModeType,
	XST_FormType,
	XST_HashType,
	XST_SplitMethodType,
	XST_RelationKindType,
	XST_ScpProtocolType,
	XST_DiversificationType,
	XST_ValueFormType,
	XST_WrapAlgType,
	XST_KcvMethodType,
	XST_ParamsType_RsaE,
	XST_GpType_Kuq,
	XST_GpType_SdAid,
	XST_ExportType_MinWrapStrength,
	XST_Boolean,
	XST_Duration,
	XST_AnyUri,
};
enum xs_complex {
	XCT_KeyExchange,
	XCT_HeaderType,
	XCT_TransportKeyType,
	XCT_CeremonyType,
	XCT_KeyType,
	XCT_ProfileType,
	XCT_RevisionType,
	XCT_ParamsType,
	XCT_GpType,
	XCT_ScpType,
	XCT_ExportType,
	XCT_ImportType,
	XCT_ProvenanceType,
	XCT_SplitType,
	XCT_RelationType,
	XCT_ExtensionType,
	XCT_ValueType,
	XCT_PartType,
	XCT_BindingType,
	XCT_ComponentType,
};
static const char *const xse_ClassType[] = {
	"secret", "private", "public", NULL
};
static const char *const xse_AlgorithmType[] = {
	"des", "tdea2", "tdea3", "aes", "hmac", "rsa", "ec", NULL
};
static const char *const xse_UsageType[] = {
	"encrypt", "decrypt", "translate", "sign", "verify", "verify-recover",
	"mac-generate", "mac-verify", "wrap", "unwrap", "rewrap", "derive",
	"key-agreement", "generate", "cryptogram", "pin", "otp", "cr",
	"unlock", NULL
};
static const char *const xse_ModeOfOpType[] = {
	"ecb", "cbc", "cmac", "retail-mac", "gcm", "kw", "kwp", "oaep", "pss",
	"siv", NULL
};
static const char *const xse_RoleType[] = {
	"gp-enc", "gp-mac", "gp-dek", "gp-dap", "gp-token", "gp-receipt",
	"kek", "kbpk", "bdk", "emv-ac", "emv-smi", "emv-smc", "emv-dac",
	"emv-dn", "emv-cp", "data", "pin-enc", "pin-ver", "cvk", "mac", NULL
};
static const char *const xse_StateType[] = {
	"pre-active", "active", "suspended", "deactivated", "compromised",
	"destroyed", NULL
};
static const char *const xse_RevocationType[] = {
	"unspecified", "key-compromise", "superseded", "cessation", NULL
};
static const char *const xse_KeyModeType[] = {
	"production", "test", NULL
};
static const char *const xse_FormType[] = {
	"bound-block", "wrapped", "components", "clear", NULL
};
static const char *const xse_HashType[] = {
	"sha1", "sha224", "sha256", "sha384", "sha512", NULL
};
static const char *const xse_SplitMethodType[] = {
	"xor", "shamir-gf256", "concat", NULL
};
static const char *const xse_RelationKindType[] = {
	"derived-from", "wrapped-by", "replaces", "replaced-by", "pair-of",
	"component-of", "copy-of", NULL
};
static const char *const xse_ScpProtocolType[] = {
	"scp01", "scp02", "scp03", "scp80", "scp81", NULL
};
static const char *const xse_DiversificationType[] = {
	"visa2", "emv", "kdf3", NULL
};
static const char *const xse_ValueFormType[] = {
	"wrapped", "components", "clear", NULL
};
static const char *const xse_WrapAlgType[] = {
	"aes-siv-bound", "tr31-d", "aes-kw", "aes-kwp", "tdea-ecb", "tdea-cbc",
	"rsa-oaep-sha256", "rsa-aes-kwp", "tr31-b-bound", "aes-cbc",
	"aes-kwp-cmac-bound", NULL
};
static const char *const xse_KcvMethodType[] = {
	"gp-des", "gp-aes", "zero-block", "cmac", "spki-sha256", NULL
};
static const struct xs_st xs_st[] = {
	[XST_IdType] = { XS_STRING, XP_ID, 1ULL, 256ULL, NULL },
	[XST_PartyType] = { XS_STRING, XP_ID, 1ULL, 256ULL, NULL },
	[XST_ShortTextType] = { XS_STRING, XP_NONE, 1ULL, 256ULL, NULL },
	[XST_TextType] = { XS_STRING, XP_NONE, 0ULL, 4096ULL, NULL },
	[XST_UtcTime] = { XS_UTC, XP_NONE, 0ULL, 0ULL, NULL },
	[XST_HexType] = { XS_HEX, XP_NONE, 1ULL, 65536ULL, NULL },
	[XST_ByteType] = { XS_HEX, XP_NONE, 1ULL, 1ULL, NULL },
	[XST_KcvType] = { XS_HEX, XP_NONE, 1ULL, 32ULL, NULL },
	[XST_DigestType] = { XS_HEX, XP_NONE, 1ULL, 64ULL, NULL },
	[XST_OidType] = { XS_STRING, XP_OID, 0ULL, 256ULL, NULL },
	[XST_LengthBitsType] = { XS_UINT, XP_NONE, 0ULL, 65536ULL, NULL },
	[XST_CountType] = { XS_UINT, XP_NONE, 1ULL, 255ULL, NULL },
	[XST_OrderType] = { XS_UINT, XP_NONE, 0ULL, 2147483647ULL, NULL },
	[XST_UsageLimitType] = { XS_UINT, XP_NONE,
	    0ULL, 9223372036854775807ULL, NULL },
	[XST_ClassType] = { XS_STRING, XP_NONE, 0ULL, 0ULL, xse_ClassType },
	[XST_AlgorithmType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_AlgorithmType },
	[XST_UsageType] = { XS_STRING, XP_NONE, 0ULL, 0ULL, xse_UsageType },
	[XST_ModeOfOpType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_ModeOfOpType },
	[XST_RoleType] = { XS_STRING, XP_NONE, 0ULL, 0ULL, xse_RoleType },
	[XST_StateType] = { XS_STRING, XP_NONE, 0ULL, 0ULL, xse_StateType },
	[XST_RevocationType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_RevocationType },
	[XST_KeyModeType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_KeyModeType },
	[XST_FormType] = { XS_STRING, XP_NONE, 0ULL, 0ULL, xse_FormType },
	[XST_HashType] = { XS_STRING, XP_NONE, 0ULL, 0ULL, xse_HashType },
	[XST_SplitMethodType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_SplitMethodType },
	[XST_RelationKindType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_RelationKindType },
	[XST_ScpProtocolType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_ScpProtocolType },
	[XST_DiversificationType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_DiversificationType },
	[XST_ValueFormType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_ValueFormType },
	[XST_WrapAlgType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_WrapAlgType },
	[XST_KcvMethodType] = { XS_STRING, XP_NONE,
	    0ULL, 0ULL, xse_KcvMethodType },
	[XST_ParamsType_RsaE] = { XS_UINT, XP_NONE,
	    1ULL, 9223372036854775807ULL, NULL },
	[XST_GpType_Kuq] = { XS_HEX, XP_NONE, 1ULL, 2ULL, NULL },
	[XST_GpType_SdAid] = { XS_HEX, XP_NONE, 1ULL, 16ULL, NULL },
	[XST_ExportType_MinWrapStrength] = { XS_UINT, XP_NONE,
	    0ULL, 65536ULL, NULL },
	[XST_Boolean] = { XS_BOOL, XP_NONE, 0ULL, 0ULL, NULL },
	[XST_Duration] = { XS_DURATION, XP_NONE, 0ULL, 0ULL, NULL },
	[XST_AnyUri] = { XS_URI, XP_NONE, 0ULL, 0ULL, NULL },
};
static const struct xs_part xsp_KeyExchange[] = {
	{ KN_Header, 1, 1, -1, XCT_HeaderType },
	{ KN_TransportKey, 0, XS_UNBOUNDED, -1, XCT_TransportKeyType },
	{ KN_Key, 0, XS_UNBOUNDED, -1, XCT_KeyType },
};
static const struct xs_part xsp_HeaderType[] = {
	{ KN_Id, 1, 1, XST_IdType, -1 },
	{ KN_Created, 1, 1, XST_UtcTime, -1 },
	{ KN_Sender, 0, 1, XST_PartyType, -1 },
	{ KN_Recipient, 0, XS_UNBOUNDED, XST_PartyType, -1 },
	{ KN_Comment, 0, 1, XST_TextType, -1 },
	{ KN_Extension, 0, XS_UNBOUNDED, -1, XCT_ExtensionType },
};
static const struct xs_part xsp_TransportKeyType[] = {
	{ KN_Id, 1, 1, XST_IdType, -1 },
	{ KN_Algorithm, 1, 1, XST_AlgorithmType, -1 },
	{ KN_LengthBits, 1, 1, XST_LengthBitsType, -1 },
	{ KN_Kcv, 0, 1, XST_KcvType, -1 },
	{ KN_KcvMethod, 0, 1, XST_KcvMethodType, -1 },
	{ KN_Owner, 0, 1, XST_PartyType, -1 },
	{ KN_Version, 0, 1, XST_ShortTextType, -1 },
	{ KN_Trusted, 0, 1, XST_Boolean, -1 },
	{ KN_Components, 0, 1, -1, XCT_CeremonyType },
};
static const struct xs_part xsp_CeremonyType[] = {
	{ KN_N, 1, 1, XST_CountType, -1 },
	{ KN_M, 0, 1, XST_CountType, -1 },
	{ KN_Method, 1, 1, XST_SplitMethodType, -1 },
	{ KN_Kcv, 0, 255, XST_KcvType, -1 },
};
static const struct xs_part xsp_KeyType[] = {
	{ KN_Profile, 1, 1, -1, XCT_ProfileType },
	{ KN_Value, 0, 1, -1, XCT_ValueType },
	{ KN_Kcv, 0, 1, XST_KcvType, -1 },
	{ KN_KcvMethod, 0, 1, XST_KcvMethodType, -1 },
};
static const struct xs_part xsp_ProfileType[] = {
	{ KN_Id, 1, 1, XST_IdType, -1 },
	{ KN_Name, 0, 1, XST_TextType, -1 },
	{ KN_Description, 0, 1, XST_TextType, -1 },
	{ KN_Template, 0, 1, XST_IdType, -1 },
	{ KN_Reference, 0, 1, XST_TextType, -1 },
	{ KN_Version, 0, 1, XST_ShortTextType, -1 },
	{ KN_Revision, 0, XS_UNBOUNDED, -1, XCT_RevisionType },
	{ KN_Owner, 0, 1, XST_PartyType, -1 },
	{ KN_Creator, 0, 1, XST_PartyType, -1 },
	{ KN_Holder, 0, 1, XST_PartyType, -1 },
	{ KN_Custodian, 0, XS_UNBOUNDED, XST_PartyType, -1 },
	{ KN_Class, 1, 1, XST_ClassType, -1 },
	{ KN_Algorithm, 1, 1, XST_AlgorithmType, -1 },
	{ KN_LengthBits, 1, 1, XST_LengthBitsType, -1 },
	{ KN_Params, 0, 1, -1, XCT_ParamsType },
	{ KN_AllowedMode, 0, XS_UNBOUNDED, XST_ModeOfOpType, -1 },
	{ KN_Usage, 0, XS_UNBOUNDED, XST_UsageType, -1 },
	{ KN_Role, 0, 1, XST_RoleType, -1 },
	{ KN_UsageLimit, 0, 1, XST_UsageLimitType, -1 },
	{ KN_Gp, 0, 1, -1, XCT_GpType },
	{ KN_NotBefore, 0, 1, XST_UtcTime, -1 },
	{ KN_NotAfter, 0, 1, XST_UtcTime, -1 },
	{ KN_ProtectUntil, 0, 1, XST_UtcTime, -1 },
	{ KN_ProcessUntil, 0, 1, XST_UtcTime, -1 },
	{ KN_Cryptoperiod, 0, 1, XST_Duration, -1 },
	{ KN_State, 1, 1, XST_StateType, -1 },
	{ KN_StateSince, 0, 1, XST_UtcTime, -1 },
	{ KN_RevokedAt, 0, 1, XST_UtcTime, -1 },
	{ KN_RevocationReason, 0, 1, XST_RevocationType, -1 },
	{ KN_Mode, 1, 1, XST_KeyModeType, -1 },
	{ KN_Created, 0, 1, XST_UtcTime, -1 },
	{ KN_Export, 1, 1, -1, XCT_ExportType },
	{ KN_Sensitive, 1, 1, XST_Boolean, -1 },
	{ KN_Import, 1, 1, -1, XCT_ImportType },
	{ KN_Provenance, 0, 1, -1, XCT_ProvenanceType },
	{ KN_Permanent, 0, 1, XST_Boolean, -1 },
	{ KN_Split, 0, 1, -1, XCT_SplitType },
	{ KN_Relation, 0, XS_UNBOUNDED, -1, XCT_RelationType },
	{ KN_Extension, 0, XS_UNBOUNDED, -1, XCT_ExtensionType },
};
static const struct xs_part xsp_RevisionType[] = {
	{ KN_Version, 0, 1, XST_ShortTextType, -1 },
	{ KN_Date, 0, 1, XST_UtcTime, -1 },
	{ KN_By, 0, 1, XST_PartyType, -1 },
	{ KN_Digest, 0, 1, XST_DigestType, -1 },
};
static const struct xs_part xsp_ParamsType[] = {
	{ KN_RsaE, 0, 1, XST_ParamsType_RsaE, -1 },
	{ KN_EcCurve, 0, 1, XST_OidType, -1 },
	{ KN_HmacHash, 0, 1, XST_HashType, -1 },
	{ KN_PublicKey, 0, 1, XST_HexType, -1 },
};
static const struct xs_part xsp_GpType[] = {
	{ KN_KeyType, 0, 1, XST_ByteType, -1 },
	{ KN_Kvn, 0, 1, XST_ByteType, -1 },
	{ KN_Kid, 0, 1, XST_ByteType, -1 },
	{ KN_Kuq, 0, 1, XST_GpType_Kuq, -1 },
	{ KN_Access, 0, 1, XST_ByteType, -1 },
	{ KN_Scp, 0, 1, -1, XCT_ScpType },
	{ KN_SdAid, 0, 1, XST_GpType_SdAid, -1 },
	{ KN_Diversification, 0, 1, XST_DiversificationType, -1 },
};
static const struct xs_part xsp_ScpType[] = {
	{ KN_Protocol, 1, 1, XST_ScpProtocolType, -1 },
	{ KN_I, 0, 1, XST_ByteType, -1 },
};
static const struct xs_part xsp_ExportType[] = {
	{ KN_Allowed, 1, 1, XST_Boolean, -1 },
	{ KN_Form, 0, XS_UNBOUNDED, XST_FormType, -1 },
	{ KN_Destination, 0, XS_UNBOUNDED, XST_PartyType, -1 },
	{ KN_MinWrapStrength, 0, 1, XST_ExportType_MinWrapStrength, -1 },
	{ KN_TrustedKekOnly, 0, 1, XST_Boolean, -1 },
};
static const struct xs_part xsp_ImportType[] = {
	{ KN_Allowed, 1, 1, XST_Boolean, -1 },
	{ KN_Source, 0, XS_UNBOUNDED, XST_PartyType, -1 },
};
static const struct xs_part xsp_ProvenanceType[] = {
	{ KN_AlwaysSensitive, 0, 1, XST_Boolean, -1 },
	{ KN_NeverExported, 0, 1, XST_Boolean, -1 },
	{ KN_GeneratedIn, 0, 1, XST_TextType, -1 },
};
static const struct xs_part xsp_SplitType[] = {
	{ KN_N, 0, 1, XST_CountType, -1 },
	{ KN_M, 0, 1, XST_CountType, -1 },
	{ KN_Method, 0, 1, XST_SplitMethodType, -1 },
	{ KN_DualControl, 0, 1, XST_Boolean, -1 },
};
static const struct xs_part xsp_RelationType[] = {
	{ KN_Type, 1, 1, XST_RelationKindType, -1 },
	{ KN_Ref, 1, 1, XST_IdType, -1 },
};
static const struct xs_part xsp_ExtensionType[] = {
	{ KN_Namespace, 1, 1, XST_AnyUri, -1 },
	{ KN_Name, 1, 1, XST_ShortTextType, -1 },
	{ KN_Value, 1, 1, XST_TextType, -1 },
};
static const struct xs_part xsp_ValueType[] = {
	{ KN_Form, 1, 1, XST_ValueFormType, -1 },
	{ KN_KekId, 0, 1, XST_IdType, -1 },
	{ KN_Algorithm, 0, 1, XST_WrapAlgType, -1 },
	{ KN_Iv, 0, 1, XST_HexType, -1 },
	{ KN_Data, 0, 1, XST_HexType, -1 },
	{ KN_Binding, 0, 1, -1, XCT_BindingType },
	{ KN_Component, 0, 255, -1, XCT_ComponentType },
	{ KN_Threshold, 0, 1, XST_CountType, -1 },
	{ KN_SplitMethod, 0, 1, XST_SplitMethodType, -1 },
	{ KN_Clear, 0, 1, XST_HexType, -1 },
	{ KN_Part, 0, 64, -1, XCT_PartType },
};
static const struct xs_part xsp_PartType[] = {
	{ KN_Name, 1, 1, XST_ShortTextType, -1 },
	{ KN_Order, 0, 1, XST_OrderType, -1 },
	{ KN_Data, 1, 1, XST_HexType, -1 },
	{ KN_Kcv, 0, 1, XST_KcvType, -1 },
};
static const struct xs_part xsp_BindingType[] = {
	{ KN_Method, 1, 1, XST_ShortTextType, -1 },
	{ KN_AadDigest, 0, 1, XST_DigestType, -1 },
};
static const struct xs_part xsp_ComponentType[] = {
	{ KN_Index, 1, 1, XST_CountType, -1 },
	{ KN_Custodian, 0, 1, XST_PartyType, -1 },
	{ KN_Kcv, 0, 1, XST_KcvType, -1 },
	{ KN_Wrapped, 0, 1, XST_HexType, -1 },
};
static const struct xs_ct xs_ct[] = {
	[XCT_KeyExchange] = { XS_SEQ(xsp_KeyExchange), 1, 1 },
	[XCT_HeaderType] = { XS_SEQ(xsp_HeaderType), 1, 1 },
	[XCT_TransportKeyType] = { XS_SEQ(xsp_TransportKeyType), 1, 1 },
	[XCT_CeremonyType] = { XS_SEQ(xsp_CeremonyType), 0, 0 },
	[XCT_KeyType] = { XS_SEQ(xsp_KeyType), 1, 1 },
	[XCT_ProfileType] = { XS_SEQ(xsp_ProfileType), 1, 1 },
	[XCT_RevisionType] = { XS_SEQ(xsp_RevisionType), 0, 0 },
	[XCT_ParamsType] = { XS_SEQ(xsp_ParamsType), 0, 0 },
	[XCT_GpType] = { XS_SEQ(xsp_GpType), 0, 0 },
	[XCT_ScpType] = { XS_SEQ(xsp_ScpType), 0, 0 },
	[XCT_ExportType] = { XS_SEQ(xsp_ExportType), 0, 0 },
	[XCT_ImportType] = { XS_SEQ(xsp_ImportType), 0, 0 },
	[XCT_ProvenanceType] = { XS_SEQ(xsp_ProvenanceType), 0, 0 },
	[XCT_SplitType] = { XS_SEQ(xsp_SplitType), 0, 0 },
	[XCT_RelationType] = { XS_SEQ(xsp_RelationType), 0, 0 },
	[XCT_ExtensionType] = { XS_SEQ(xsp_ExtensionType), 0, 0 },
	[XCT_ValueType] = { XS_SEQ(xsp_ValueType), 1, 1 },
	[XCT_PartType] = { XS_SEQ(xsp_PartType), 0, 0 },
	[XCT_BindingType] = { XS_SEQ(xsp_BindingType), 0, 0 },
	[XCT_ComponentType] = { XS_SEQ(xsp_ComponentType), 0, 0 },
};

/* The checker's state: where it stopped being sure, and why. */
struct xs {
	struct conv *c;
	const xmlNode *bad;
	const char *why;
};

static int
xs_doubt(struct xs *x, const xmlNode *n, const char *why)
{
	if (x->bad == NULL) {
		x->bad = n;
		x->why = why;
	}
	return -1;
}

static int
xs_allws(const xmlChar *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (!xml_ws((char)*s))
			return 0;
	return 1;
}

/* Characters (code points) of UTF-8 text the parser has checked. */
static size_t
xs_chars(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

/* \S(.*\S)? : no space first or last, no line break anywhere. */
static int
xs_pat_id(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || xml_ws(s[0]) || xml_ws(s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '\n' || s[i] == '\r')
			return 0;
	return 1;
}

/* An arc: 0|[1-9][0-9]{0,18}; returns its length, 0 if none. */
static size_t
xs_arc(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] < '0' || s[0] > '9')
		return 0;
	if (s[0] == '0')
		return 1;
	for (i = 1; i < n && i < 19 && s[i] >= '0' && s[i] <= '9'; i++)
		;
	return i;
}

/*
 * ([01]\.([0-9]|[1-3][0-9])|2\.(0|[1-9][0-9]{0,18}))(\.(0|[1-9][0-9]{0,18}))*
 * (an arc that runs on past 19 digits leaves a digit where a dot must be).
 */
static int
xs_pat_oid(const char *s, size_t n)
{
	size_t i, k;

	if (n < 3 || s[1] != '.')
		return 0;
	if (s[0] == '0' || s[0] == '1') {
		if (s[2] < '0' || s[2] > '9')
			return 0;
		i = 3;
		if (s[2] >= '1' && s[2] <= '3' && i < n && s[i] >= '0' &&
		    s[i] <= '9')
			i++;
	} else if (s[0] == '2') {
		if ((k = xs_arc(s + 2, n - 2)) == 0)
			return 0;
		i = 2 + k;
	} else
		return 0;
	while (i < n) {
		if (s[i] != '.' || (k = xs_arc(s + i + 1, n - i - 1)) == 0)
			return 0;
		i += 1 + k;
	}
	return 1;
}

static int
xs_digits(const char *s, size_t n, unsigned long long *v)
{
	size_t i;

	*v = 0;
	/* plain digits: no sign, no leading zero, at most 19 */
	if (n == 0 || n > 19 || (s[0] == '0' && n > 1))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (unsigned long long)(s[i] - '0');
	}
	return 1;
}

static int
xs_num2(const char *s, int lo, int hi)
{
	int v;

	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	v = (s[0] - '0') * 10 + (s[1] - '0');
	return v < lo || v > hi ? -1 : v;
}

/* YYYY-MM-DDThh:mm:ssZ, a real date of the years 0001..9999. */
static int
xs_utc(const char *s, size_t n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int y, m, dd, hi;

	if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return 0;
	m = xs_num2(s + 5, 1, 12);
	dd = xs_num2(s + 8, 1, 31);
	if (m < 1 || dd < 1 || xs_num2(s, 0, 99) < 0 ||
	    xs_num2(s + 2, 0, 99) < 0 || xs_num2(s + 11, 0, 23) < 0 ||
	    xs_num2(s + 14, 0, 59) < 0 || xs_num2(s + 17, 0, 59) < 0)
		return 0;
	y = xs_num2(s, 0, 99) * 100 + xs_num2(s + 2, 0, 99);
	hi = mdays[(m - 1) % 12];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		hi = 29;
	return y >= 1 && dd <= hi;
}

/* P(nY)?(nM)?(nD)?(T(nH)?(nM)?(nS)?)?, one part at least, n 1..9 digits. */
static int
xs_duration(const char *s, size_t n)
{
	static const char des[] = "YMDHMS";
	size_t i = 1, k;
	int seq = 0, parts = 0, tparts = -1;

	if (n < 3 || s[0] != 'P')
		return 0;
	while (i < n) {
		if (s[i] == 'T') {
			if (tparts >= 0 || seq > 3)
				return 0;
			tparts = 0;
			seq = 3;
			i++;
			continue;
		}
		for (k = 0; i + k < n && k < 10 && s[i + k] >= '0' &&
		    s[i + k] <= '9'; k++)
			;
		if (k == 0 || k > 9 || i + k >= n)
			return 0;
		while (seq < 6 && des[seq] != s[i + k])
			seq++;
		/* M after T is minutes; before it, months */
		if (seq >= 6 || (tparts < 0 && seq >= 3) || (tparts >= 0 &&
		    seq < 3))
			return 0;
		seq++;
		parts++;
		if (tparts >= 0)
			tparts++;
		i += k + 1;
	}
	return parts > 0 && tparts != 0;
}

/* xs:anyURI as libxml2 checks it: parsed as a URI (no space in it here). */
static int
xs_uri(const char *s, size_t n)
{
	xmlURIPtr u;
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 127 ||
		    strchr("<>\"{}|\\^`'", s[i]) != NULL)
			return 0;
	if (n == 0)
		return 1;
	if ((u = xmlParseURI(s)) == NULL)
		return 0;
	xmlFreeURI(u);
	return 1;
}

static int
xs_hex(const char *s, size_t n, const struct xs_st *t)
{
	size_t i;

	if (n % 2 != 0 || n / 2 < t->min || n / 2 > t->max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned)(s[i] - '0') > 9 &&
		    (unsigned)((s[i] | 0x20) - 'a') > 5)
			return 0;
	return 1;
}

/* Is the text s (n bytes) a value of the simple type t? */
static int
xs_value(const struct xs_st *t, const char *s, size_t n)
{
	unsigned long long v;
	size_t k;

	switch (t->kind) {
	case XS_STRING:
		if (t->en != NULL) {
			for (k = 0; t->en[k] != NULL; k++)
				if (strlen(t->en[k]) == n &&
				    memcmp(t->en[k], s, n) == 0)
					return 1;
			return 0;
		}
		k = xs_chars(s, n);
		if (k < t->min || (t->max > 0 && k > t->max))
			return 0;
		if (t->pat == XP_ID)
			return xs_pat_id(s, n);
		if (t->pat == XP_OID)
			return xs_pat_oid(s, n);
		return 1;
	case XS_UTC:
		return xs_utc(s, n);
	case XS_HEX:
		return xs_hex(s, n, t);
	case XS_UINT:
		return xs_digits(s, n, &v) && v >= t->min && v <= t->max;
	case XS_BOOL:
		return (n == 4 && memcmp(s, "true", 4) == 0) ||
		    (n == 5 && memcmp(s, "false", 5) == 0) ||
		    (n == 1 && (s[0] == '0' || s[0] == '1'));
	case XS_DURATION:
		return xs_duration(s, n);
	case XS_URI:
		return xs_uri(s, n);
	}
	return 0;
}

/* An element of a simple type: no attributes, one text node or none. */
static int
xs_simple(struct xs *x, const xmlNode *n, const struct xs_st *t)
{
	const char *s = "";

	if (n->properties != NULL)
		return xs_doubt(x, n, "attribute on a simple element");
	if (n->children != NULL) {
		if (n->children->type != XML_TEXT_NODE ||
		    n->children->next != NULL || n->children->content == NULL)
			return xs_doubt(x, n, "not one text");
		s = (const char *)n->children->content;
	}
	if (!xs_value(t, s, strlen(s)))
		return xs_doubt(x, n, "value not of its type");
	return 0;
}

/* Attributes of a foreign element's subtree and of an anyAttribute. */
static int
xs_attr_other(struct xs *x, const xmlNode *n)
{
	const xmlAttr *a;

	for (a = n->properties; a != NULL; a = a->next)
		if (a->ns == NULL || a->ns->href == NULL ||
		    xs_special_ns(a->ns))
			return xs_doubt(x, n, "attribute not allowed");
	return 0;
}

/*
 * A foreign element under a lax wildcard (top: the wildcard's own): none
 * of it is declared, so nothing is checked, unless it holds an element of
 * our namespace (lax looks for its declaration), or an element or
 * attribute of xsi: or xs:.
 */
static int
xs_foreign(struct xs *x, const xmlNode *n, int top)
{
	const xmlNode *ch;
	const xmlAttr *a;

	if (top && (n->ns == NULL || n->ns->href == NULL))
		return xs_doubt(x, n, "element of no namespace");
	if (xs_special_ns(n->ns))
		return xs_doubt(x, n, "element of a schema namespace");
	for (a = n->properties; a != NULL; a = a->next)
		if (xs_special_ns(a->ns))
			return xs_doubt(x, n, "schema namespace attribute");
	for (ch = n->children; ch != NULL; ch = ch->next)
		if (ch->type == XML_ELEMENT_NODE && xs_foreign(x, ch, 0) < 0)
			return -1;
	return 0;
}

/* Past particle i of t (count k so far): is its minimum met? */
static int
xs_done(const struct xs_ct *t, size_t *i, unsigned *k, size_t upto)
{
	for (; *i < upto; (*i)++, *k = 0)
		if (*k < t->p[*i].min)
			return 0;
	return 1;
}

/* The element n of the complex type t, and all below it. */
static int
xs_complex(struct xs *x, const xmlNode *n, const struct xs_ct *t)
{
	const xmlNode *ch;
	size_t i = 0;
	unsigned k = 0;
	int id, any = 0;

	if (n->properties != NULL && (!t->anyattr ||
	    xs_attr_other(x, n) < 0))
		return xs_doubt(x, n, "attribute not allowed");
	for (ch = n->children; ch != NULL; ch = ch->next) {
		if (ch->type == XML_TEXT_NODE) {
			if (!xs_allws(ch->content))
				return xs_doubt(x, ch, "text between elements");
			continue;
		}
		if (ch->type == XML_COMMENT_NODE || ch->type == XML_PI_NODE)
			continue;
		if (ch->type != XML_ELEMENT_NODE)
			return xs_doubt(x, ch, "node of another kind");
		if ((id = kn_of(x->c, ch)) == KN__FOREIGN) {
			if (!t->any || !xs_done(t, &i, &k, t->np))
				return xs_doubt(x, ch, "element not expected");
			any = 1;
			if (xs_foreign(x, ch, 1) < 0)
				return -1;
			continue;
		}
		while (i < t->np && t->p[i].kn != id) {
			if (k < t->p[i].min)
				return xs_doubt(x, ch, "element missing");
			i++;
			k = 0;
		}
		if (any || i == t->np || (++k > t->p[i].max &&
		    t->p[i].max != XS_UNBOUNDED))
			return xs_doubt(x, ch, "element not expected");
		if (t->p[i].ct >= 0) {
			if (xs_complex(x, ch, &xs_ct[t->p[i].ct]) < 0)
				return -1;
		} else if (xs_simple(x, ch, &xs_st[t->p[i].st]) < 0)
			return -1;
	}
	if (!xs_done(t, &i, &k, t->np))
		return xs_doubt(x, n, "element missing");
	return 0;
}

/* ========================= the streaming reader ======================= */
enum pend_kind { PEND_NONE = 0, PEND_HEADER, PEND_TK, PEND_KEY,
	PEND_FOREIGN };

struct kxi_xml_reader {
	xmlTextReaderPtr xr;
	xmlSchemaValidCtxtPtr vc;
	struct kxi_xml_errctx ec;
	char *name;
	enum pend_kind pend;
	int pend_empty;
	kx_key *slot;		/* the caller's record of the key being read */
	kxi_arena *ka;		/* and the arena of its strings */
	kx_diag *pend_d;
	struct kxi_src own;	/* the input, for kxi_xml_reader_open */
	struct kxi_src_cur cur;	/* read position in the input */
	int have_node, eof, seen_root, seen_header, done, failed;
	struct kxi_names names;	/* element names by dictionary pointer */
	xmlSchemaPtr schema;	/* libxml2's validator: attached or not */
	struct kxi_xml_scanner *scan;	/* the limits, as libxml2 reads */
	int scan_rc;		/* the scan's refusal */
	kx_diag *out_d;		/* the caller's findings */
	kx_diag *perr;		/* libxml2's while r->scan: see reader_step */
	enum { XSD_FAST, XSD_LIBXML2, XSD_COMPILED } mode;
	unsigned long long nreads;	/* reads so far, for a replay */
	size_t top_i;		/* KeyExchange's sequence: the particle, */
	unsigned top_k;		/* its count */
	int top_any;		/* and past its wildcard */
	char **tkids;		/* transport key ids (xs:unique) */
	size_t ntkids;
	int seen_key;		/* a key was met: what follows is a trailer */
	size_t trail, trail_max;	/* header extensions' cost; key limit */
	struct fx *fx;		/* the one pass, until it hands over */
};

static int fx_open(kxi_xml_reader *r);
static void fx_free(struct fx *f);

static void
reader_relay(void *arg, xmlErrorPtr err)
{
	kxi_xml_error_record(arg, err);
}

/* Route this thread's libxml2 errors to r's findings, or back to none. */
static void
reader_errors(kxi_xml_reader *r, int on)
{
	if (on)
		xmlSetStructuredErrorFunc(&r->ec, reader_relay);
	else
		kxi_xml_init();
}

/* Callers route errors with reader_errors() around these. */
static int
reader_read(kxi_xml_reader *r)
{
	r->nreads++;
	return xmlTextReaderRead(r->xr);
}

static xmlNodePtr
reader_expand(kxi_xml_reader *r)
{
	return xmlTextReaderExpand(r->xr);
}

static int
reader_noclose(void *cur)
{
	(void)cur;
	return 0;
}

/*
 * libxml2's input: each chunk scanned for the limits (and a DOCTYPE)
 * before libxml2 reads it, when r has a scanner.  On a refusal the
 * finding is made once, libxml2 gets an error and its own message about
 * it is not recorded (reader_next gives the scan's refusal).
 */
static int
reader_input(void *arg, char *buf, int len)
{
	kxi_xml_reader *r = arg;

	if (r->scan != NULL && len > 0 && r->scan_rc == KX_OK &&
	    (r->scan_rc = kxi_xml_scan_upto(r->scan, r->cur.pos +
	    (size_t)len, r->out_d)) != KX_OK)
		r->ec.d = NULL;
	if (r->scan_rc != KX_OK)
		return -1;
	return kxi_src_xmlread(&r->cur, buf, len);
}

/* A reader of r's input from its start. */
static xmlTextReaderPtr
reader_new(kxi_xml_reader *r)
{
	r->cur.pos = 0;
	r->nreads = 0;
	return xmlReaderForIO(reader_input, reader_noclose, r, r->name, NULL,
	    KXI_XML_PARSE_OPTS & ~XML_PARSE_NOCDATA);
}

/*
 * Before libxml2's validator reads the input: the whole pre-pass (the
 * scan, and a well-formedness parse, so that the validating reader never
 * meets a fatal parse error: libxml2 2.9.14 leaks there), which also
 * picks the schema (without foreign elements at the top both schemas
 * say the same, and the one without the root's wildcard keeps no node
 * per key), and the validation context.
 */
static int
reader_validator(kxi_xml_reader *r, kx_diag *d)
{
	int rc, foreign = 0;

	kxi_xml_scanner_free(r->scan);
	r->scan = NULL;
	r->ec.d = d;
	if ((rc = kxi_xml_wellformed_src(r->cur.s, r->name, &foreign, d)) !=
	    KX_OK || (rc = kxi_xml_schema_get(foreign ? "kmsxchg.xsd" :
	    KXI_XSD_NATIVE_KEYS, &r->schema, d)) != KX_OK)
		return rc;
	if ((r->vc = xmlSchemaNewValidCtxt(r->schema)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "cannot create a validator");
	/*
	 * Parser errors reach us through the thread's structured handler
	 * (set around each read, see reader_errors): the reader's own
	 * handler gets the schema SAX plug instead of the parser context
	 * once streaming validation is on (libxml2 2.9), so it is not used.
	 */
	xmlSchemaSetValidStructuredErrors(r->vc, reader_relay, &r->ec);
	return KX_OK;
}

static int
reader_open(struct kxi_src *src, const uint8_t *buf, size_t len,
    const char *name, kxi_xml_reader **out, kx_diag *d)
{
	kxi_xml_reader *r = NULL;
	const char *xsd = getenv("KMSXCHG_XSD");
	size_t lim[KXI_LIM__N];
	int rc = KX_EINTERNAL;

	*out = NULL;
	kn_check();
	kxi_xml_init();
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (name != NULL && (r->name = strdup(name)) == NULL)) {
		rc = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	if (src == NULL) {
		kxi_src_mem(&r->own, buf, len);
		src = &r->own;
	}
	/* KMSXCHG_XSD=libxml2: libxml2's validator throughout; =compiled:
	 * the compiled checks alone (a doubt is a refusal; for tests);
	 * =reader: the compiled checks on xmlTextReader, without the one
	 * pass (for tests: both must say the same) */
	r->mode = xsd == NULL ? XSD_FAST : strcmp(xsd, "libxml2") == 0 ?
	    XSD_LIBXML2 : strcmp(xsd, "compiled") == 0 ? XSD_COMPILED :
	    XSD_FAST;
	r->cur.s = src;
	r->ec.d = r->out_d = d;
	r->ec.name = r->name;
	if ((rc = kxi_xml_limits(lim, d)) != KX_OK)
		goto out;
	r->trail_max = lim[KXI_LIM_KEY];
	/*
	 * One read of the input, in chunks (memory stays flat): the scan
	 * of the limits runs on each chunk before libxml2 reads it, and
	 * libxml2's parse is the only one; with libxml2's validator the
	 * pre-pass comes first (reader_validator).
	 */
	if ((rc = r->mode == XSD_LIBXML2 ? reader_validator(r, d) :
	    kxi_xml_scanner_new(src->p, src->len, r->name, 2, &r->scan,
	    d)) != KX_OK)
		goto out;
	if (r->scan != NULL) {
		if ((r->perr = kx_diag_new()) == NULL) {
			rc = KX_FAIL(d, KX_ENOMEM, "out of memory");
			goto out;
		}
		r->ec.d = r->perr;
	}
	reader_errors(r, 1);
	/*
	 * CDATA sections stay sections here: with XML_PARSE_NOCDATA the
	 * schema-validating reader of libxml2 2.9 validates their text but
	 * leaves it out of the tree (the model lost it).  text() joins them.
	 * With the compiled checks the one pass reads (fx_open), and the
	 * reader only when that pass hands the document over.
	 */
	if (r->mode != XSD_FAST || (xsd != NULL &&
	    strcmp(xsd, "reader") == 0) || fx_open(r) != 0)
		r->xr = reader_new(r);
	reader_errors(r, 0);
	if (r->scan_rc != KX_OK) {
		rc = r->scan_rc;
		goto out;
	}
	if (r->xr == NULL && r->fx == NULL) {
		rc = KX_FAIL(d, KX_ENOMEM, "cannot create an XML reader");
		goto out;
	}
	if (r->mode == XSD_LIBXML2 &&
	    xmlTextReaderSchemaValidateCtxt(r->xr, r->vc, 0) != 0) {
		rc = KX_FAIL(d, KX_EINTERNAL, "cannot attach the schema");
		goto out;
	}
	*out = r;
	r = NULL;
	rc = KX_OK;
out:
	kxi_xml_reader_close(r);
	return rc;
}

int
kxi_xml_reader_open(const uint8_t *buf, size_t len, const char *name,
    kxi_xml_reader **out, kx_diag *d)
{
	if (out == NULL || (buf == NULL && len != 0))
		kxi_misuse(__func__, "NULL argument");
	return reader_open(NULL, buf, len, name, out, d);
}

static int
xml_sopen(struct kxi_src *src, const char *name, kx_doc *doc,
    struct kxi_sreader **out, kx_diag *d)
{
	(void)doc;	/* the header comes with the first reads */
	return reader_open(src, NULL, 0, name, (kxi_xml_reader **)out, d);
}

void
kxi_xml_reader_close(kxi_xml_reader *r)
{
	if (r == NULL)
		return;
	if (r->xr != NULL) {
		/*
		 * libxml2 2.9.14 leaks a node when a schema-validating reader
		 * is freed mid-document: read to the end first, recording
		 * nothing (the input is in memory and bounded).
		 */
		r->ec.d = NULL;
		reader_errors(r, 1);
		if (!r->eof)
			while (reader_read(r) == 1)
				;
		xmlFreeTextReader(r->xr);
		reader_errors(r, 0);
	}
	fx_free(r->fx);
	if (r->vc != NULL)
		xmlSchemaFreeValidCtxt(r->vc);
	kxi_xml_scanner_free(r->scan);
	kx_diag_free(r->perr);
	while (r->ntkids > 0)
		free(r->tkids[--r->ntkids]);
	free(r->tkids);
	kx_diag_free(r->pend_d);
	free(r->name);
	free(r);
}

/* Move the pending element's findings into d; its error code or KX_OK. */
static int
commit(kxi_xml_reader *r, kx_diag *d)
{
	const kx_finding *f;
	int rc = KX_OK;
	size_t i;

	/* with the counts of findings past the limit: none is lost */
	kxi_diag_merge(d, r->pend_d);
	for (i = 0; i < kx_diag_count(r->pend_d); i++) {
		f = kx_diag_get(r->pend_d, i);
		if (f->severity == KX_SEV_ERROR && rc == KX_OK)
			rc = f->rc != KX_OK ? f->rc : KX_ESCHEMA;
	}
	if (rc == KX_OK && kx_diag_count_at(r->pend_d, KX_SEV_ERROR) > 0)
		rc = KX_ESCHEMA;
	kx_diag_free(r->pend_d);
	r->pend_d = NULL;
	return rc;
}

/*
 * While the limits are scanned as libxml2 reads (r->scan), libxml2's own
 * findings wait in r->perr after each read: its warnings go on to the
 * caller's; a parse error is reported by the well-formedness pass over
 * the input from its start, the one the reader used to make before
 * reading (DTD and depth hooks, the whole scan), so a document is refused
 * with the same findings as when it was checked whole first.  KX_OK, or
 * the refusal.
 */
static int
reader_step(kxi_xml_reader *r)
{
	int rc;

	if (r->scan == NULL)
		return KX_OK;
	if (r->scan_rc != KX_OK)
		return r->scan_rc;
	if (r->ec.parse_errors == 0) {
		if (kx_diag_count(r->perr) > 0) {
			kxi_diag_merge(r->out_d, r->perr);
			kx_diag_clear(r->perr);
		}
		return KX_OK;
	}
	r->ec.d = NULL;
	if ((rc = kxi_xml_wellformed_src(r->cur.s, r->name, NULL,
	    r->out_d)) == KX_OK) {
		/* not expected: the reader's findings, then */
		kxi_diag_merge(r->out_d, r->perr);
		rc = KX_ESYNTAX;
	}
	kx_diag_clear(r->perr);
	return rc;
}

static int
reader_fail(kxi_xml_reader *r, int rc)
{
	r->failed = rc < 0 ? rc : KX_EINTERNAL;
	return r->failed;
}

static int
errors_rc(const kxi_xml_reader *r)
{
	if (r->ec.parse_errors > 0)
		return KX_ESYNTAX;
	if (r->ec.schema_errors > 0)
		return KX_ESCHEMA;
	return KX_OK;
}

/*
 * The compiled checks are not sure of the node the reader is on (x says
 * where and why): read the input again from its start with libxml2's
 * validator attached, as many reads as were made, and go on from there
 * as libxml2's validating reader; its findings are the verdict.  The
 * parser's own warnings of the part read again were recorded once.
 * Under KMSXCHG_XSD=compiled the doubt is the refusal.
 */
static int
reader_fallback(kxi_xml_reader *r, const struct xs *x, kx_diag *d)
{
	unsigned long long i, n = r->nreads;
	kxi_loc l;
	int rr = 1, el, rc;

	if (r->mode == XSD_COMPILED) {
		el = x->bad != NULL && x->bad->type == XML_ELEMENT_NODE;
		l = x->bad != NULL ? loc_of(x->bad) : (kxi_loc){ 0, 0, -1 };
		return kxi_fact(d, KXI_SCHEMA, KX_ESCHEMA, r->name,
		    x->bad != NULL ? &l : NULL, NULL, "%s%s%s (compiled "
		    "schema check)", el ? (const char *)x->bad->name : "",
		    el ? ": " : "", x->why != NULL ? x->why : "not valid");
	}
	xmlFreeTextReader(r->xr);
	r->xr = NULL;
	/* the names cache holds pointers of the old reader's dictionary */
	memset(&r->names, 0, sizeof(r->names));
	if ((rc = reader_validator(r, d)) != KX_OK)
		return rc;
	r->ec.skip = r->ec.parser_calls;
	if ((r->xr = reader_new(r)) == NULL ||
	    xmlTextReaderSchemaValidateCtxt(r->xr, r->vc, 0) != 0)
		return KX_FAIL(d, KX_ENOMEM, "cannot create an XML reader");
	r->mode = XSD_LIBXML2;
	for (i = 0; i < n && rr == 1 && errors_rc(r) == KX_OK; i++)
		rr = reader_read(r);
	if (errors_rc(r) < 0)
		return errors_rc(r);
	if (rr < 0 || i < n)
		return KX_FAIL(d, KX_EINTERNAL, "%s: cannot read the input "
		    "again", r->name != NULL ? r->name : "input");
	return KX_OK;
}

static int
xs_root(const xmlNode *n, struct xs *x)
{
	const xmlAttr *a;
	int version = 0;

	if (kn_of(x->c, n) != KN_KeyExchange)
		return xs_doubt(x, n, "not the root element");
	for (a = n->properties; a != NULL; a = a->next) {
		if (a->ns != NULL) {
			if (a->ns->href == NULL || xs_special_ns(a->ns))
				return xs_doubt(x, n, "attribute not allowed");
			continue;
		}
		if (strcmp((const char *)a->name, "version") != 0 ||
		    a->children == NULL || a->children->next != NULL ||
		    a->children->type != XML_TEXT_NODE ||
		    a->children->content == NULL ||
		    strcmp((const char *)a->children->content, "1") != 0)
			return xs_doubt(x, n, "attribute not allowed");
		version = 1;
	}
	return version ? 0 : xs_doubt(x, n, "attribute version missing");
}

/* The transport key ids are unique (xs:unique UniqueTransportKeyId). */
static int
xs_tk_unique(kxi_xml_reader *r, const xmlNode *n, struct xs *x)
{
	const xmlNode *id = first_el(n->children);
	const char *s;
	char **t;
	size_t i;

	/* xs_complex passed it: the Id comes first, one text node */
	if (id == NULL || id->children == NULL ||
	    id->children->content == NULL)
		return xs_doubt(x, n, "no Id");
	s = (const char *)id->children->content;
	for (i = 0; i < r->ntkids; i++)
		if (strcmp(r->tkids[i], s) == 0)
			return xs_doubt(x, n, "transport key id not unique");
	if ((t = realloc(r->tkids, (r->ntkids + 1) * sizeof(*t))) == NULL)
		return xs_doubt(x, n, "out of memory");
	r->tkids = t;
	if ((t[r->ntkids] = strdup(s)) == NULL)
		return xs_doubt(x, n, "out of memory");
	r->ntkids++;
	return 0;
}

/* A top-level element, in KeyExchange's sequence, and all below it. */
static int
xs_top(kxi_xml_reader *r, const xmlNode *n, struct xs *x)
{
	const struct xs_ct *t = &xs_ct[XCT_KeyExchange];
	int id = kn_of(x->c, n);

	if (id == KN__FOREIGN) {
		if (!xs_done(t, &r->top_i, &r->top_k, t->np))
			return xs_doubt(x, n, "element not expected");
		r->top_any = 1;
		return xs_foreign(x, n, 1);
	}
	while (r->top_i < t->np && t->p[r->top_i].kn != id) {
		if (r->top_k < t->p[r->top_i].min)
			return xs_doubt(x, n, "element missing");
		r->top_i++;
		r->top_k = 0;
	}
	if (r->top_any || r->top_i == t->np ||
	    (++r->top_k > t->p[r->top_i].max &&
	    t->p[r->top_i].max != XS_UNBOUNDED))
		return xs_doubt(x, n, "element not expected");
	if (xs_complex(x, n, &xs_ct[t->p[r->top_i].ct]) < 0)
		return -1;
	return id == KN_TransportKey ? xs_tk_unique(r, n, x) : 0;
}

/* Text between top-level elements: only white space. */
static int
xs_top_text(kxi_xml_reader *r, int type, struct xs *x)
{
	if (type == XML_READER_TYPE_TEXT &&
	    xs_allws(xmlTextReaderConstValue(r->xr)))
		return 0;
	if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
	    type == XML_READER_TYPE_ENTITY_REFERENCE)
		return xs_doubt(x, xmlTextReaderCurrentNode(r->xr),
		    "text between elements");
	return 0;
}

/* Expand the top-level element the reader is on; NULL on error (*rc). */
static xmlNodePtr
top_expand(kxi_xml_reader *r, kx_diag *d, int *rc)
{
	xmlNodePtr n;

	r->pend_empty = xmlTextReaderIsEmptyElement(r->xr) == 1;
	n = reader_expand(r);
	if ((*rc = reader_step(r)) != KX_OK)
		return NULL;
	if (n == NULL || errors_rc(r) < 0) {
		if (errors_rc(r) == KX_OK)
			KX_FAIL(d, KX_ESYNTAX, "%s: cannot expand element",
			    r->name != NULL ? r->name : "input");
		*rc = errors_rc(r) < 0 ? errors_rc(r) : KX_ESYNTAX;
		return NULL;
	}
	return n;
}

/*
 * What one extension kept in a document's header costs besides its
 * strings (its record, the arena's and the array's share, measured at
 * about 400 bytes an element with its strings short).
 */
#define EXT_COST ((size_t)256)

/*
 * The extensions of the document's header from was on, which top-level
 * element n (the Header, or a foreign element before or after the keys)
 * added: a reader that streams keys holds the header, extensions and all,
 * until the end (and convert and rewrap write the foreign elements that
 * follow the keys in a second pass), so together they are held to the
 * limit of one key, each counting EXT_COST bytes and its strings (as a
 * key over it: malformed).
 */
static int
header_ext_add(kxi_xml_reader *r, const kx_doc *doc, size_t was,
    xmlNodePtr n, kx_diag *d)
{
	const kxi_extension *e;
	kxi_loc l;

	for (; was < doc->nextensions; was++) {
		e = &doc->extensions[was];
		r->trail += EXT_COST + (e->ns != NULL ? strlen(e->ns) : 0) +
		    (e->name != NULL ? strlen(e->name) : 0) +
		    (e->value != NULL ? strlen(e->value) : 0);
	}
	if (r->trail <= r->trail_max)
		return KX_OK;
	l = loc_of(n);
	return kxi_fact(d, KXI_MALFORMED, KX_ELIMIT, r->name, &l,
	    NULL, "bytes of the header's extensions (foreign elements "
	    "count %zu each besides their text) over the limit of %zu "
	    "(KMSXCHG_LIMITS=key=N raises it)", EXT_COST, r->trail_max);
}

/* Convert the top-level element n (its checks passed) into doc. */
static int
top_conv(kxi_xml_reader *r, xmlNodePtr n, kx_doc *doc, kx_diag *d)
{
	struct conv c;
	kx_key *k;
	kxi_tk *tk;
	size_t ne;

	if ((r->pend_d = kx_diag_new()) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	memset(&c, 0, sizeof(c));
	c.doc = doc;
	c.a = &doc->arena;
	c.d = r->pend_d;
	c.name = r->name;
	c.nm = &r->names;
	ne = doc->nextensions;
	if (kn_of(&c, n) == KN_Header) {
		r->pend = PEND_HEADER;
		r->seen_header = 1;
		conv_header(&c, n);
	} else if (c.last_id == KN_TransportKey) {
		r->pend = PEND_TK;
		if ((tk = kxi_doc_add_tk(doc)) == NULL)
			return KX_FAIL(d, KX_ELIMIT, "too many transport keys");
		tk->kcv_method = KX_KCV_NONE;
		conv_tk(&c, n, tk);
	} else if (c.last_id == KN_Key) {
		r->pend = PEND_KEY;
		r->seen_key = 1;
		k = r->slot;
		kxi_key_init(k);
		c.a = r->ka;
		conv_key(&c, n, k);
	} else {
		r->pend = PEND_FOREIGN;
		foreign(&c, n, &doc->extensions, &doc->nextensions);
	}
	if (c.r == KX_ENOMEM)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	return header_ext_add(r, doc, ne, n, d);
}

/* Start a top-level element: expand it and convert it into doc. */
static int
start_top(kxi_xml_reader *r, kx_doc *doc, kx_diag *d)
{
	struct conv c;
	struct xs x;
	xmlNodePtr n;
	int rc = KX_OK;

	if ((n = top_expand(r, d, &rc)) == NULL)
		return rc;
	memset(&c, 0, sizeof(c));
	c.nm = &r->names;
	memset(&x, 0, sizeof(x));
	x.c = &c;
	if (r->mode != XSD_LIBXML2 && xs_top(r, n, &x) < 0 &&
	    ((rc = reader_fallback(r, &x, d)) != KX_OK ||
	    (n = top_expand(r, d, &rc)) == NULL))
		return rc;
	return top_conv(r, n, doc, d);
}

/* The root element n (its checks passed, at l) into doc. */
static int
root_conv(kxi_xml_reader *r, const xmlNode *n, kxi_loc l, kx_doc *doc,
    kx_diag *d)
{
	const xmlAttr *a;

	r->seen_root = 1;
	doc->loc = l;
	doc->model_version = KX_MODEL_VERSION;
	doc->source_format = KX_FMT_XML;
	doc->source = kxi_strdup(&doc->arena, r->name);
	if (!named(n, "KeyExchange"))
		return kxi_fact(d, KXI_SCHEMA, KX_ESCHEMA,
		    r->name, &l, NULL, "root element is not {%s}KeyExchange",
		    KX_NS);
	for (a = n->properties; a != NULL; a = a->next)
		if (a->ns != NULL && a->ns->href != NULL)
			kxi_fact(d, KXI_IGNORED, KX_OK,
			    r->name, &l, NULL, "foreign attribute {%s}%s on "
			    "KeyExchange ignored", (const char *)a->ns->href,
			    (const char *)a->name);
	return KX_OK;
}

static int
start_root(kxi_xml_reader *r, kx_doc *doc, kx_diag *d)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r->xr);
	kxi_loc l = loc_of(n);
	struct conv c;
	struct xs x;
	int rc;

	memset(&c, 0, sizeof(c));
	c.nm = &r->names;
	memset(&x, 0, sizeof(x));
	x.c = &c;
	if (r->mode != XSD_LIBXML2 && xs_root(n, &x) < 0) {
		if ((rc = reader_fallback(r, &x, d)) != KX_OK)
			return rc;
		n = xmlTextReaderCurrentNode(r->xr);
	}
	return root_conv(r, n, l, doc, d);
}

static int
reader_next(kxi_xml_reader *r, kx_doc *doc, kx_diag *d)
{
	enum pend_kind was;
	struct xs x;
	int rr, type, depth, rc;

	for (;;) {
		type = depth = -1;
		if (r->have_node) {
			r->have_node = 0;
			rr = 1;
		} else if (r->eof)
			rr = 0;
		else if ((rr = reader_read(r)) == 0)
			r->eof = 1;
		if ((rc = reader_step(r)) != KX_OK)
			return reader_fail(r, rc);
		if (errors_rc(r) < 0)
			return reader_fail(r, errors_rc(r));
		if (rr < 0) {
			KX_FAIL(d, KX_ESYNTAX, "%s: XML reader failed",
			    r->name != NULL ? r->name : "input");
			return reader_fail(r, KX_ESYNTAX);
		}
		if (rr == 1) {
			type = xmlTextReaderNodeType(r->xr);
			depth = xmlTextReaderDepth(r->xr);
		}
		if (r->pend != PEND_NONE && (rr == 0 || r->pend_empty ||
		    (type == XML_READER_TYPE_END_ELEMENT && depth == 1))) {
			was = r->pend;
			r->pend = PEND_NONE;
			if ((rc = commit(r, d)) < 0)
				return reader_fail(r, rc);
			/* An empty element has no end tag: keep this node. */
			if (r->pend_empty && rr == 1)
				r->have_node = 1;
			r->pend_empty = 0;
			if (was == PEND_KEY)
				return 1;
			continue;
		}
		if (rr == 0 && r->mode != XSD_LIBXML2 && r->seen_root &&
		    !xs_done(&xs_ct[XCT_KeyExchange], &r->top_i, &r->top_k,
		    xs_ct[XCT_KeyExchange].np)) {
			memset(&x, 0, sizeof(x));
			x.why = "element missing";
			if ((rc = reader_fallback(r, &x, d)) != KX_OK)
				return reader_fail(r, rc);
		}
		if (rr == 0) {
			if (!r->seen_root || !r->seen_header) {
				kxi_fact(d, KXI_SCHEMA,
				    KX_ESCHEMA, r->name, NULL, NULL,
				    "no KeyExchange document with a Header");
				return reader_fail(r, KX_ESCHEMA);
			}
			r->done = 1;
			return 0;
		}
		if (depth > KXI_XML_MAX_DEPTH) {
			kxi_loc l = loc_of(xmlTextReaderCurrentNode(r->xr));

			kxi_fact(d, KXI_MALFORMED, KX_ELIMIT,
			    r->name, &l, NULL, "elements nested deeper than %d",
			    KXI_XML_MAX_DEPTH);
			return reader_fail(r, KX_ELIMIT);
		}
		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX,
			    r->name, NULL, NULL, "DTDs are not allowed");
			return reader_fail(r, KX_ESYNTAX);
		}
		if (depth == 1 && r->mode != XSD_LIBXML2) {
			memset(&x, 0, sizeof(x));
			if (xs_top_text(r, type, &x) < 0 &&
			    (rc = reader_fallback(r, &x, d)) != KX_OK)
				return reader_fail(r, rc);
		}
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (depth == 0) {
			if ((rc = start_root(r, doc, d)) < 0)
				return reader_fail(r, rc);
		} else if (depth == 1) {
			if ((rc = start_top(r, doc, d)) < 0)
				return reader_fail(r, rc);
		}
	}
}

/*
 * ---- One pass: libxml2's push parser, nodes of our own ----
 *
 * xmlTextReader builds each key's subtree with libxml2's tree (a malloc
 * per node, names and text copied, freed behind it): most of what reading
 * cost.  Here libxml2's push parser calls handlers that build the same
 * nodes as libxml2's SAX2 tree would (the same fields: names from the
 * parser's dictionary, namespaces, attributes, coalesced text, lines) in an
 * arena given back as keys are done, and each top-level element goes
 * through the same compiled checks and conversion (xs_top, top_conv).
 *
 * The findings must be the ones of the reader (KMSXCHG_XSD=libxml2 and
 * the fallback stay on it): the parser is fed exactly as xmlTextReader
 * feeds it (reads of 4 and then 4096 bytes through the limits scan, pushed
 * 512 bytes at a time), and anything unusual stops this path -- a message
 * of the parser or a refusal of the scan, a DTD, an entity reference, CDATA,
 * a comment or processing instruction inside a top-level element, an
 * attribute value libxml2 rewrote, xml: attributes, text between top-level
 * elements, a doubt of the compiled checks, the end of a document that
 * is not complete.  The reader then reads the input again from its start,
 * without a word, up to the place after the last element handed on, and
 * goes on from there as before.  For that to say what the reader would
 * have said, an element is handed on only once the parser has gone as far
 * as the reader had when it handed the element on: past the block in which
 * the parser met the next start tag after the element's end (the reader
 * pushes until a start tag, and expands an element until a node follows
 * it), or the end of the input.  fx_handoff checks that the part read again
 * said nothing.
 */
#define FX_BLOCK 512		/* xmlTextReader's CHUNK_SIZE */
#define FX_READ 4096		/* and its reads */
#define FX_SEG ((size_t)64 << 10)
#define FX_NONE ((unsigned long)-1)

struct fx_seg {
	struct fx_seg *next;
	size_t used, cap;
	unsigned char *p;
};

struct fx_ns {			/* a namespace in scope */
	const xmlChar *prefix;
	xmlNsPtr ns;
	int depth;
};

struct fx_ev {			/* a top-level element */
	xmlNodePtr n;
	int empty;		/* written <x/> */
	int closed;		/* its end tag came */
	unsigned long rel;	/* handed on once this block is done */
	struct fx_seg *seg;	/* its nodes from here on */
};

struct fx {
	xmlParserCtxtPtr ctxt;
	xmlSAXHandler sax;
	unsigned char buf[FX_READ + 2 * FX_BLOCK];
	size_t have, off;	/* read, and pushed, of buf */
	int eof, finished, stop;
	unsigned long blk;	/* the block being pushed */
	unsigned long done;	/* blocks pushed */
	unsigned long calls0;	/* the parser's messages before */
	xmlNodePtr root, cur;
	int depth;		/* of cur: the root is 0 */
	unsigned long root_rel;
	int root_done;		/* the root handed on */
	size_t ntop;		/* top-level elements handed on */
	xmlNodePtr tnode;	/* the text node last grown, */
	size_t tlen, tcap;	/* its length and room */
	struct fx_ns *ns;
	size_t nns, cns;
	struct fx_ev *ev;
	size_t nev, cev, ev0, mark;
	struct fx_seg *segs, *tail, *spare, *rootseg;
	kx_diag *sd;		/* the scan's findings, not kept */
	struct kxi_xml_errctx ec0;
};

static void *
fx_alloc(struct fx *f, size_t n, int forroot)
{
	struct fx_seg *s, **list = forroot ? &f->rootseg : &f->tail;
	void *p;

	n = (n + 15) & ~(size_t)15;
	s = *list;
	if (s == NULL || s->used + n > s->cap) {
		if (!forroot && f->spare != NULL && f->spare->cap >= n) {
			s = f->spare;
			f->spare = s->next;
		} else {
			if ((s = malloc(sizeof(*s))) == NULL)
				return NULL;
			s->cap = n > FX_SEG ? n : FX_SEG;
			if ((s->p = malloc(s->cap)) == NULL) {
				free(s);
				return NULL;
			}
		}
		s->used = 0;
		s->next = NULL;
		if (forroot) {
			s->next = f->rootseg;
			f->rootseg = s;
		} else {
			if (f->tail != NULL)
				f->tail->next = s;
			else
				f->segs = s;
			f->tail = s;
		}
	}
	p = s->p + s->used;
	s->used += n;
	memset(p, 0, n);
	return p;
}

/* Give back what no element still waiting uses. */
static void
fx_recycle(struct fx *f)
{
	struct fx_seg *keep, *s;

	/* the elements handed on leave the table (it holds a few) */
	if (f->ev0 > 0 && f->ev0 >= f->nev / 2) {
		memmove(f->ev, f->ev + f->ev0, (f->nev - f->ev0) *
		    sizeof(*f->ev));
		f->nev -= f->ev0;
		f->mark = f->mark > f->ev0 ? f->mark - f->ev0 : 0;
		f->ev0 = 0;
	}
	keep = f->ev0 < f->nev ? f->ev[f->ev0].seg : NULL;
	if (keep == NULL && f->depth >= 1)
		return;		/* an element is open: its nodes are live */
	while (f->segs != NULL && f->segs != keep) {
		s = f->segs;
		if (s == f->tail && keep == NULL) {
			s->used = 0;
			f->tnode = NULL;
			return;
		}
		f->segs = s->next;
		s->next = f->spare;
		f->spare = s;
	}
}

static void
fx_free_list(struct fx_seg *s)
{
	struct fx_seg *n;

	for (; s != NULL; s = n) {
		n = s->next;
		free(s->p);
		free(s);
	}
}

static void
fx_free(struct fx *f)
{
	if (f == NULL)
		return;
	if (f->ctxt != NULL) {
		if (f->ctxt->myDoc != NULL)
			xmlFreeDoc(f->ctxt->myDoc);
		f->ctxt->myDoc = NULL;
		xmlFreeParserCtxt(f->ctxt);
	}
	fx_free_list(f->segs);
	fx_free_list(f->spare);
	fx_free_list(f->rootseg);
	kx_diag_free(f->sd);
	free(f->ns);
	free(f->ev);
	free(f);
}

static void
fx_line(xmlParserCtxtPtr ctxt, xmlNodePtr n)
{
	int l = ctxt->input != NULL ? ctxt->input->line : 0;

	/* as xmlSAX2StartElementNs and xmlSAX2TextNode stamp them */
	if (l < 65535)
		n->line = (unsigned short)l;
	else {
		n->line = 65535;
		if (n->type == XML_TEXT_NODE)
			n->psvi = (void *)(ptrdiff_t)l;
	}
}

static xmlNsPtr
fx_ns_find(const struct fx *f, const xmlChar *prefix)
{
	size_t i;

	for (i = f->nns; i > 0; i--)
		if (f->ns[i - 1].prefix == prefix)
			return f->ns[i - 1].ns;
	return NULL;
}

/* Room in the table *p (n used of *cap) for one more; -1 without. */
static int
fx_room(void **p, size_t n, size_t *cap, size_t size)
{
	size_t c = *cap != 0 ? 2 * *cap : 16;
	void *q;

	if (n < *cap)
		return 0;
	if ((q = realloc(*p, c * size)) == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

static int
fx_is_xml(const xmlChar *prefix)
{
	return prefix != NULL && strcmp((const char *)prefix, "xml") == 0;
}

static void
fx_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **nsv, int nattr, int ndef,
    const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct fx *f = ctxt->_private;
	xmlNodePtr n, t;
	xmlAttrPtr a, alast = NULL;
	xmlNsPtr ns, nlast = NULL;
	struct fx_ns *sc;
	struct fx_ev *ev;
	const xmlChar *v, *ve;
	int depth = f->depth + 1, i, root = depth == 0;

	/* a start tag: the elements closed before it can go on after this
	 * block (the reader pushes until a start tag) */
	while (f->mark < f->nev && f->ev[f->mark].closed)
		f->ev[f->mark++].rel = f->blk;
	f->depth = depth;
	f->tnode = NULL;
	if (f->stop)
		return;
	if (depth > KXI_XML_MAX_DEPTH || ndef > 0 || (root && f->root != NULL))
		goto stop;
	if ((n = fx_alloc(f, sizeof(*n), root)) == NULL)
		goto stop;
	n->type = XML_ELEMENT_NODE;
	n->name = local;
	n->doc = ctxt->myDoc;
	fx_line(ctxt, n);
	if (root && n->line == 65535)
		goto stop;
	for (i = 0; i < nns; i++) {
		if (fx_is_xml(nsv[2 * i]))
			goto stop;
		if (fx_room((void **)&f->ns, f->nns, &f->cns, sizeof(*sc)) < 0)
			goto stop;
		if ((ns = fx_alloc(f, sizeof(*ns), root)) == NULL)
			goto stop;
		ns->type = XML_NAMESPACE_DECL;
		ns->prefix = nsv[2 * i];
		ns->href = nsv[2 * i + 1];
		ns->context = ctxt->myDoc;
		if (nlast != NULL)
			nlast->next = ns;
		else
			n->nsDef = ns;
		nlast = ns;
		sc = &f->ns[f->nns++];
		sc->prefix = nsv[2 * i];
		sc->ns = ns;
		sc->depth = depth;
	}
	if (uri != NULL && (n->ns = fx_ns_find(f, prefix)) == NULL)
		goto stop;
	for (i = 0; i < nattr; i++) {
		v = attrs[5 * i + 3];
		ve = attrs[5 * i + 4];
		/* a value libxml2 rewrote, xml:, a prefix not declared */
		if (fx_is_xml(attrs[5 * i + 1]) || (*ve != '"' && *ve != '\'') ||
		    (attrs[5 * i + 1] != NULL && attrs[5 * i + 2] == NULL))
			goto stop;
		if ((a = fx_alloc(f, sizeof(*a), root)) == NULL ||
		    (t = fx_alloc(f, sizeof(*t), root)) == NULL ||
		    (t->content = fx_alloc(f, (size_t)(ve - v) + 1, root)) ==
		    NULL)
			goto stop;
		a->type = XML_ATTRIBUTE_NODE;
		a->name = attrs[5 * i];
		a->parent = n;
		a->doc = ctxt->myDoc;
		if (attrs[5 * i + 1] != NULL &&
		    (a->ns = fx_ns_find(f, attrs[5 * i + 1])) == NULL)
			goto stop;
		t->type = XML_TEXT_NODE;
		t->name = xmlStringText;
		t->doc = ctxt->myDoc;
		t->parent = (xmlNodePtr)a;
		fx_line(ctxt, t);
		memcpy(t->content, v, (size_t)(ve - v));
		a->children = a->last = t;
		if (alast != NULL) {
			alast->next = a;
			a->prev = alast;
		} else
			n->properties = a;
		alast = a;
	}
	if (root) {
		n->parent = (xmlNodePtr)ctxt->myDoc;
		f->root = n;
		f->root_rel = f->blk;
	} else
		n->parent = f->cur;
	if (depth >= 2) {
		if (f->cur->last != NULL) {
			f->cur->last->next = n;
			n->prev = f->cur->last;
		} else
			f->cur->children = n;
		f->cur->last = n;
	} else if (depth == 1) {
		if (fx_room((void **)&f->ev, f->nev, &f->cev, sizeof(*ev)) < 0)
			goto stop;
		ev = &f->ev[f->nev++];
		ev->n = n;
		ev->empty = ctxt->input != NULL && ctxt->input->cur != NULL &&
		    ctxt->input->cur[0] == '/' && ctxt->input->cur[1] == '>';
		ev->closed = 0;
		ev->rel = FX_NONE;
		ev->seg = f->tail;
	}
	f->cur = n;
	return;
stop:
	f->stop = 1;
}

static void
fx_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct fx *f = ctxt->_private;

	(void)local;
	(void)prefix;
	(void)uri;
	f->tnode = NULL;
	if (!f->stop) {
		while (f->nns > 0 && f->ns[f->nns - 1].depth == f->depth)
			f->nns--;
		if (f->depth == 1 && f->nev > 0)
			f->ev[f->nev - 1].closed = 1;
		f->cur = f->depth > 0 ? f->cur->parent : NULL;
	}
	f->depth--;
}

static int
fx_allws(const xmlChar *s, int len)
{
	int i;

	for (i = 0; i < len; i++)
		if (!xml_ws((char)s[i]))
			return 0;
	return 1;
}

static void
fx_chars(void *ctx, const xmlChar *s, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct fx *f = ctxt->_private;
	xmlNodePtr n, last;
	size_t cap;
	xmlChar *p;

	if (f->stop || f->cur == NULL || len <= 0)
		return;
	if (f->depth == 0) {
		/* between top-level elements: white space only */
		if (!fx_allws(s, len))
			f->stop = 1;
		return;
	}
	last = f->cur->last;
	if (last != NULL && last->type == XML_TEXT_NODE) {
		/* xmlSAX2Characters joins it to the text before */
		if (last != f->tnode) {
			f->tnode = last;
			f->tlen = strlen((const char *)last->content);
			f->tcap = f->tlen;
		}
		if (f->tlen + (size_t)len > f->tcap) {
			cap = 2 * (f->tlen + (size_t)len);
			if ((p = fx_alloc(f, cap + 1, 0)) == NULL) {
				f->stop = 1;
				return;
			}
			memcpy(p, last->content, f->tlen);
			last->content = p;
			f->tcap = cap;
		}
		memcpy(last->content + f->tlen, s, (size_t)len);
		f->tlen += (size_t)len;
		last->content[f->tlen] = '\0';
		return;
	}
	if ((n = fx_alloc(f, sizeof(*n), 0)) == NULL ||
	    (n->content = fx_alloc(f, (size_t)len + 1, 0)) == NULL) {
		f->stop = 1;
		return;
	}
	n->type = XML_TEXT_NODE;
	n->name = xmlStringText;
	n->doc = ctxt->myDoc;
	n->parent = f->cur;
	fx_line(ctxt, n);
	memcpy(n->content, s, (size_t)len);
	if (last != NULL) {
		last->next = n;
		n->prev = last;
	} else
		f->cur->children = n;
	f->cur->last = n;
	f->tnode = n;
	f->tlen = f->tcap = (size_t)len;
}

/* Comments and processing instructions: outside top-level elements. */
static void
fx_comment(void *ctx, const xmlChar *value)
{
	struct fx *f = ((xmlParserCtxtPtr)ctx)->_private;

	(void)value;
	f->tnode = NULL;
	if (f->depth >= 1)
		f->stop = 1;
}

static void
fx_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	(void)target;
	fx_comment(ctx, data);
}

static void
fx_unusual(void *ctx, const xmlChar *s, int len)
{
	(void)s;
	(void)len;
	((struct fx *)((xmlParserCtxtPtr)ctx)->_private)->stop = 1;
}

static void
fx_ref(void *ctx, const xmlChar *name)
{
	fx_unusual(ctx, name, 0);
}

static void
fx_subset(void *ctx, const xmlChar *name, const xmlChar *eid,
    const xmlChar *sid)
{
	(void)eid;
	(void)sid;
	fx_unusual(ctx, name, 0);
}

/* Something the parser said, or a refusal: this path stops. */
static int
fx_said(kxi_xml_reader *r, struct fx *f, int rc)
{
	if (rc != 0 || f->ctxt->wellFormed == 0 ||
	    r->ec.parser_calls != f->calls0 || r->ec.parse_errors != 0)
		f->stop = 1;
	return f->stop;
}

/* One read through the scan, as reader_input; < 0 on a refusal. */
static int
fx_read(kxi_xml_reader *r, struct fx *f, unsigned char *buf, int len)
{
	if (r->scan != NULL && kxi_xml_scan_upto(r->scan, r->cur.pos +
	    (size_t)len, f->sd) != KX_OK)
		return -1;
	return kxi_src_xmlread(&r->cur, (char *)buf, len);
}

/* One turn of xmlTextReaderPushData's loop: read if short, push a block. */
static void
fx_push(kxi_xml_reader *r, struct fx *f)
{
	int n, rc;

	if (f->have - f->off < FX_BLOCK) {
		if (!f->eof) {
			if (f->off > 0) {
				memmove(f->buf, f->buf + f->off,
				    f->have - f->off);
				f->have -= f->off;
				f->off = 0;
			}
			if ((n = fx_read(r, f, f->buf + f->have, FX_READ)) <
			    0) {
				f->stop = 1;
				return;
			}
			if (n == 0)
				f->eof = 1;
			f->have += (size_t)n;
		}
		if (f->eof) {
			/* the reader's last push, at the end of the input */
			f->blk = f->done;
			rc = xmlParseChunk(f->ctxt, (const char *)f->buf +
			    f->off, (int)(f->have - f->off), 1);
			f->off = f->have;
			f->done++;
			if (!fx_said(r, f, rc))
				f->finished = 1;
			return;
		}
	}
	n = f->have - f->off >= FX_BLOCK ? FX_BLOCK : (int)(f->have - f->off);
	f->blk = f->done;
	rc = xmlParseChunk(f->ctxt, (const char *)f->buf + f->off, n, 0);
	f->off += (size_t)n;
	f->done++;
	fx_said(r, f, rc);
}

/* Start the one pass as xmlNewTextReader starts; -1: use the reader. */
static int
fx_open(kxi_xml_reader *r)
{
	struct fx *f;
	int n;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->sd = kx_diag_new()) == NULL)
		goto no;
	f->depth = -1;
	f->ec0 = r->ec;
	f->calls0 = r->ec.parser_calls;
	xmlSAXVersion(&f->sax, 2);
	f->sax.startElementNs = fx_start;
	f->sax.endElementNs = fx_end;
	f->sax.characters = fx_chars;
	f->sax.ignorableWhitespace = fx_chars;
	f->sax.cdataBlock = fx_unusual;
	f->sax.comment = fx_comment;
	f->sax.processingInstruction = fx_pi;
	f->sax.reference = fx_ref;
	f->sax.internalSubset = fx_subset;
	f->sax.externalSubset = fx_subset;
	r->cur.pos = 0;
	if ((n = fx_read(r, f, f->buf, 4)) < 0)
		goto no;
	f->have = (size_t)n;
	f->off = n >= 4 ? 4 : 0;
	if ((f->ctxt = xmlCreatePushParserCtxt(&f->sax, NULL,
	    n >= 4 ? (const char *)f->buf : NULL, n >= 4 ? 4 : 0,
	    r->name)) == NULL)
		goto no;
	/* as xmlTextReaderSetup leaves its parser */
	f->ctxt->_private = f;
	f->ctxt->linenumbers = 1;
	f->ctxt->dictNames = 1;
	f->ctxt->docdict = 1;
	f->ctxt->parseMode = XML_PARSE_READER;
	xmlCtxtUseOptions(f->ctxt, (KXI_XML_PARSE_OPTS & ~XML_PARSE_NOCDATA) |
	    XML_PARSE_COMPACT);
	if (fx_said(r, f, 0))
		goto no;
	r->fx = f;
	return 0;
no:
	fx_free(f);
	return -1;
}

/*
 * Hand the document over to xmlTextReader: read it again from its start,
 * recording nothing, as reader_next would have read it up to where this
 * path left it (after the root's start, after the end of the last
 * top-level element handed on), expanding each top-level element as
 * start_top does, so that libxml2 is fed as it would have been.
 */
static int
fx_handoff(kxi_xml_reader *r, kx_diag *d)
{
	struct fx *f = r->fx;
	size_t i, ntop = f->ntop;
	int root = f->root_done, rr = 1, held = 0, empty = 0, type, depth;
	int rc;

	r->ec = f->ec0;		/* what the reader had seen: nothing */
	r->fx = NULL;
	fx_free(f);
	kx_diag_clear(r->perr);
	memset(&r->names, 0, sizeof(r->names));
	kxi_xml_scanner_free(r->scan);
	r->scan = NULL;
	r->scan_rc = KX_OK;
	if ((rc = kxi_xml_scanner_new(r->cur.s->p, r->cur.s->len, r->name, 2,
	    &r->scan, d)) != KX_OK)
		return rc;
	r->ec.d = NULL;
	if ((r->xr = reader_new(r)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "cannot create an XML reader");
	if (root)
		do {
			rr = reader_read(r);
		} while (rr == 1 && !(xmlTextReaderNodeType(r->xr) ==
		    XML_READER_TYPE_ELEMENT && xmlTextReaderDepth(r->xr) == 0));
	for (i = 0; i < ntop && rr == 1; i++) {
		for (;;) {
			if (!held)
				rr = reader_read(r);
			held = 0;
			if (rr != 1 || (xmlTextReaderNodeType(r->xr) ==
			    XML_READER_TYPE_ELEMENT &&
			    xmlTextReaderDepth(r->xr) == 1))
				break;
		}
		if (rr != 1)
			break;
		empty = xmlTextReaderIsEmptyElement(r->xr) == 1;
		if (reader_expand(r) == NULL) {
			rr = -1;
			break;
		}
		if (empty) {
			/* the reader's next node comes with the commit */
			rr = reader_read(r);
			held = rr == 1;
			continue;
		}
		do {
			rr = reader_read(r);
			type = rr == 1 ? xmlTextReaderNodeType(r->xr) : -1;
			depth = rr == 1 ? xmlTextReaderDepth(r->xr) : -1;
		} while (rr == 1 && !(type == XML_READER_TYPE_END_ELEMENT &&
		    depth == 1));
	}
	if (empty && ntop > 0 && rr >= 0) {
		r->have_node = rr == 1;
		r->eof = rr == 0;
		rr = 1;
	}
	if (rr != 1 || r->scan_rc != KX_OK || r->ec.parser_calls != 0 ||
	    errors_rc(r) != KX_OK)
		return KX_FAIL(d, KX_EINTERNAL, "%s: cannot read the input "
		    "again", r->name != NULL ? r->name : "input");
	r->ec.d = r->perr;
	return KX_OK;
}

/* The root, when the parser is as far as the reader was. */
static int
fx_root(kxi_xml_reader *r, struct fx *f, kx_doc *doc, kx_diag *d)
{
	struct conv c;
	struct xs x;

	memset(&c, 0, sizeof(c));
	c.nm = &r->names;
	memset(&x, 0, sizeof(x));
	x.c = &c;
	if (xs_root(f->root, &x) < 0)
		return 1;
	f->root_done = 1;
	return root_conv(r, f->root, loc_of(f->root), doc, d);
}

/* A top-level element: 1 for the reader, else KX_OK or the error. */
static int
fx_top(kxi_xml_reader *r, struct fx *f, kx_doc *doc, kx_diag *d)
{
	struct fx_ev *ev = &f->ev[f->ev0];
	xmlNodePtr n = ev->n;
	size_t top_i = r->top_i, ntkids = r->ntkids;
	unsigned top_k = r->top_k;
	int top_any = r->top_any, rc;
	struct conv c;
	struct xs x;

	/* libxml2 takes such an element's line from the nodes around it */
	if (n->line == 65535 && n->children == NULL)
		return 1;
	memset(&c, 0, sizeof(c));
	c.nm = &r->names;
	memset(&x, 0, sizeof(x));
	x.c = &c;
	if (xs_top(r, n, &x) < 0) {
		r->top_i = top_i;
		r->top_k = top_k;
		r->top_any = top_any;
		while (r->ntkids > ntkids)
			free(r->tkids[--r->ntkids]);
		return 1;
	}
	f->ev0++;
	f->ntop++;
	r->pend_empty = 0;
	if ((rc = top_conv(r, n, doc, d)) < 0)
		return rc;
	return KX_OK;
}

/* reader_next on the one pass. */
static int
fx_next(kxi_xml_reader *r, kx_doc *doc, kx_diag *d)
{
	struct fx *f = r->fx;
	struct fx_ev *ev;
	enum pend_kind was;
	struct xs x;
	int rc;

	while (!f->stop) {
		if (f->root != NULL && !f->root_done &&
		    (f->finished || f->done > f->root_rel)) {
			if ((rc = fx_root(r, f, doc, d)) < 0)
				return reader_fail(r, rc);
			if (rc > 0)
				break;
			continue;
		}
		ev = f->ev0 < f->nev ? &f->ev[f->ev0] : NULL;
		if (f->root_done && ev != NULL && ev->closed &&
		    (f->finished || (ev->rel != FX_NONE && f->done > ev->rel))) {
			if ((rc = fx_top(r, f, doc, d)) < 0)
				return reader_fail(r, rc);
			if (rc > 0)
				break;
			fx_recycle(f);
			was = r->pend;
			r->pend = PEND_NONE;
			if ((rc = commit(r, d)) < 0)
				return reader_fail(r, rc);
			if (was == PEND_KEY)
				return 1;
			continue;
		}
		if (f->finished) {
			if (ev != NULL || (f->root != NULL && !f->root_done))
				break;	/* not expected */
			memset(&x, 0, sizeof(x));
			if (r->seen_root && !xs_done(&xs_ct[XCT_KeyExchange],
			    &r->top_i, &r->top_k, xs_ct[XCT_KeyExchange].np))
				break;
			if (!r->seen_root || !r->seen_header)
				break;	/* the reader says it */
			r->done = 1;
			return 0;
		}
		fx_push(r, f);
	}
	if ((rc = fx_handoff(r, d)) != KX_OK)
		return reader_fail(r, rc);
	return reader_next(r, doc, d);
}

static int
xml_snext(struct kxi_sreader *sr, kx_doc *doc, kx_key *k, kxi_arena *a,
    kx_diag *d)
{
	kxi_xml_reader *r = (kxi_xml_reader *)sr;
	int rc;

	if (r == NULL || doc == NULL || k == NULL || a == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (r->failed)
		return r->failed;
	if (r->done)
		return 0;
	r->slot = k;
	r->ka = a;
	r->out_d = d;
	r->ec.d = r->scan != NULL ? r->perr : d;
	if (r->fx != NULL)
		r->ec.d = NULL;	/* its parser must say nothing */
	reader_errors(r, 1);
	rc = r->fx != NULL ? fx_next(r, doc, d) : reader_next(r, doc, d);
	reader_errors(r, 0);
	r->slot = NULL;
	r->ka = NULL;
	return rc;
}

int
kxi_xml_reader_next(kxi_xml_reader *r, kx_doc *doc, kx_key **key,
    kx_diag *d)
{
	kx_key *k;
	int rc;

	if (r == NULL || doc == NULL || key == NULL)
		kxi_misuse(__func__, "NULL argument");
	*key = NULL;
	if ((k = kxi_doc_add_key(doc)) == NULL)
		return KX_FAIL(d, KX_ELIMIT, "too many keys");
	if ((rc = xml_snext((struct kxi_sreader *)r, doc, k, &doc->arena,
	    d)) == 1)
		*key = k;
	else
		doc->nkeys--;	/* the record was not used */
	return rc;
}

static void
xml_sclose(struct kxi_sreader *r)
{
	kxi_xml_reader_close((kxi_xml_reader *)r);
}

extern const struct kxi_format kxi_format_xml;

static int
xml_read(const uint8_t *buf, size_t len, const char *name, kx_doc **out,
    kx_diag *d)
{
	struct kxi_src src;

	if (out == NULL || (buf == NULL && len != 0))
		kxi_misuse(__func__, "NULL argument");
	kxi_src_mem(&src, buf, len);
	return kxi_read_all(&kxi_format_xml, &src, name, out, d);
}

/* ============================== detect ============================== */
static int
xml_detect(const uint8_t *b, size_t n)
{
	static const char *const ns[] = { KX_NS };

	return kxi_xml_root(b, n, "KeyExchange", ns, 1) == 0;
}

/* ============================== writing ============================== */
struct wr {
	kx_buf *b;
	kx_diag *d;
	int r;
};

static void
put(struct wr *w, const char *s, size_t n)
{
	if (w->r == KX_OK)
		w->r = kx_buf_append(w->b, s, n);
}

static void
puts_(struct wr *w, const char *s)
{
	put(w, s, strlen(s));
}

static void
indent(struct wr *w, int lvl)
{
	static const char sp[] = "                                ";

	put(w, sp, (size_t)(2 * lvl) < sizeof(sp) - 1 ? (size_t)(2 * lvl) :
	    sizeof(sp) - 1);
}

static void
esc(struct wr *w, const char *s, const char *what)
{
	int r;

	if (w->r != KX_OK)
		return;
	if ((r = kxi_xml_escape(w->b, s, 0)) == KX_EUNSUPPORTED)
		w->r = KX_FAIL(w->d, KX_EUNSUPPORTED, "%s: text is not UTF-8 "
		    "or holds a character XML cannot carry", what);
	else
		w->r = r;
}

static void
el_open(struct wr *w, int lvl, const char *name)
{
	indent(w, lvl);
	puts_(w, "<");
	puts_(w, name);
	puts_(w, ">\n");
}

static void
el_close(struct wr *w, int lvl, const char *name)
{
	indent(w, lvl);
	puts_(w, "</");
	puts_(w, name);
	puts_(w, ">\n");
}

/* <name>text</name>; s is escaped. */
static void
el_str(struct wr *w, int lvl, const char *name, const char *s)
{
	if (s == NULL)
		return;
	indent(w, lvl);
	puts_(w, "<");
	puts_(w, name);
	puts_(w, ">");
	esc(w, s, name);
	puts_(w, "</");
	puts_(w, name);
	puts_(w, ">\n");
}

static void
el_enum(struct wr *w, int lvl, const char *name, enum kx_enum_type t, int v)
{
	const char *s = kx_name(t, v);

	if (s == NULL) {
		if (w->r == KX_OK)
			w->r = KX_FAIL(w->d, KX_EINTERNAL, "%s: value %d out "
			    "of range", name, v);
		return;
	}
	el_str(w, lvl, name, s);
}

static void
el_uint(struct wr *w, int lvl, const char *name, unsigned long long v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%llu", v);
	el_str(w, lvl, name, tmp);
}

static void
el_bool(struct wr *w, int lvl, const char *name, int v)
{
	el_str(w, lvl, name, v ? "true" : "false");
}

static void
el_tri(struct wr *w, int lvl, const char *name, enum kxi_tri v)
{
	if (v != KXI_TRI_UNSET)
		el_bool(w, lvl, name, v == KXI_TRI_TRUE);
}

static void
el_time(struct wr *w, int lvl, const char *name, int64_t t)
{
	char tmp[21];

	if (t == KX_UNSET_TIME)
		return;
	kx_time_format(t, tmp);
	el_str(w, lvl, name, tmp);
}

static void
el_hex(struct wr *w, int lvl, const char *name, const kxi_bytes *b)
{
	if (b->p == NULL || b->n == 0)
		return;
	indent(w, lvl);
	puts_(w, "<");
	puts_(w, name);
	puts_(w, ">");
	if (w->r == KX_OK)
		w->r = kxi_buf_hex(w->b, b->p, b->n);
	puts_(w, "</");
	puts_(w, name);
	puts_(w, ">\n");
}

/* A 1- or 2-byte hex integer (GP bytes). */
static void
el_hexint(struct wr *w, int lvl, const char *name, int v, int nbytes)
{
	char tmp[8];

	if (v == KX_UNSET || v < 0)
		return;
	if (nbytes == 2)
		snprintf(tmp, sizeof(tmp), "%04X", (unsigned)v & 0xFFFF);
	else
		snprintf(tmp, sizeof(tmp), "%02X", (unsigned)v & 0xFF);
	el_str(w, lvl, name, tmp);
}

static void
el_list(struct wr *w, int lvl, const char *name, const kxi_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		el_str(w, lvl, name, l->v[i]);
}

static void
el_mask(struct wr *w, int lvl, const char *name, enum kx_enum_type t,
    uint32_t mask)
{
	int i, n = kx_enum_count(t);

	for (i = 0; i < n && i < 32; i++)
		if (mask & (1u << i))
			el_enum(w, lvl, name, t, i);
	if (n < 32 && (mask >> n) != 0 && w->r == KX_OK)
		w->r = KX_FAIL(w->d, KX_EINTERNAL, "%s: unknown bits set",
		    name);
}

static void
w_exts(struct wr *w, int lvl, const kxi_extension *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		el_open(w, lvl, "Extension");
		el_str(w, lvl + 1, "Namespace", e[i].ns);
		el_str(w, lvl + 1, "Name", e[i].name != NULL ? e[i].name :
		    "");
		el_str(w, lvl + 1, "Value", e[i].value != NULL ? e[i].value :
		    "");
		el_close(w, lvl, "Extension");
	}
}

static void
w_tk(struct wr *w, const kxi_tk *t)
{
	unsigned i;

	el_open(w, 1, "TransportKey");
	el_str(w, 2, "Id", t->id);
	el_enum(w, 2, "Algorithm", KX_ENUM_ALG, t->alg);
	el_uint(w, 2, "LengthBits", t->length_bits);
	el_hex(w, 2, "Kcv", &t->kcv);
	if (t->kcv_method != KX_KCV_NONE)
		el_enum(w, 2, "KcvMethod", KX_ENUM_KCV_METHOD, t->kcv_method);
	el_str(w, 2, "Owner", t->owner);
	el_str(w, 2, "Version", t->version);
	if (t->trusted)
		el_bool(w, 2, "Trusted", 1);
	if (t->comp_n > 0) {
		el_open(w, 2, "Components");
		el_uint(w, 3, "N", t->comp_n);
		if (t->comp_m > 0)
			el_uint(w, 3, "M", t->comp_m);
		el_enum(w, 3, "Method", KX_ENUM_SPLIT, t->comp_method);
		for (i = 0; t->comp_kcvs != NULL && i < t->comp_n; i++)
			el_hex(w, 3, "Kcv", &t->comp_kcvs[i]);
		el_close(w, 2, "Components");
	}
	el_close(w, 1, "TransportKey");
}

static void
w_gp(struct wr *w, int lvl, const kxi_gp *g)
{
	el_open(w, lvl, "Gp");
	el_hexint(w, lvl + 1, "KeyType", g->key_type, 1);
	el_hexint(w, lvl + 1, "Kvn", g->kvn, 1);
	el_hexint(w, lvl + 1, "Kid", g->kid, 1);
	el_hexint(w, lvl + 1, "Kuq", g->kuq, g->kuq_len == 2 ? 2 : 1);
	el_hexint(w, lvl + 1, "Access", g->access, 1);
	if (g->scp != KX_SCP_NONE) {
		el_open(w, lvl + 1, "Scp");
		el_enum(w, lvl + 2, "Protocol", KX_ENUM_SCP, g->scp);
		el_hexint(w, lvl + 2, "I", g->scp_i, 1);
		el_close(w, lvl + 1, "Scp");
	}
	el_hex(w, lvl + 1, "SdAid", &g->sd_aid);
	if (g->diversification != KX_DIV_NONE)
		el_enum(w, lvl + 1, "Diversification", KX_ENUM_DIVERSIFICATION,
		    g->diversification);
	el_close(w, lvl, "Gp");
}

static void
w_profile(struct wr *w, const kxi_profile *p)
{
	const int l = 3;
	size_t i;

	el_open(w, 2, "Profile");
	el_str(w, l, "Id", p->id);
	el_str(w, l, "Name", p->name);
	el_str(w, l, "Description", p->description);
	el_str(w, l, "Template", p->template_id);
	el_str(w, l, "Reference", p->reference);
	el_str(w, l, "Version", p->version);
	for (i = 0; i < p->nrevisions; i++) {
		const kxi_revision *rv = &p->revisions[i];

		el_open(w, l, "Revision");
		el_str(w, l + 1, "Version", rv->version);
		el_time(w, l + 1, "Date", rv->date);
		el_str(w, l + 1, "By", rv->by);
		el_hex(w, l + 1, "Digest", &rv->digest);
		el_close(w, l, "Revision");
	}
	el_str(w, l, "Owner", p->owner);
	el_str(w, l, "Creator", p->creator);
	el_str(w, l, "Holder", p->holder);
	el_list(w, l, "Custodian", &p->custodians);
	el_enum(w, l, "Class", KX_ENUM_CLASS, p->cls);
	el_enum(w, l, "Algorithm", KX_ENUM_ALG, p->alg);
	el_uint(w, l, "LengthBits", p->length_bits);
	if (p->rsa_e != 0 || p->ec_curve != NULL ||
	    p->hmac_hash != KX_HASH_NONE || p->spki.n != 0) {
		el_open(w, l, "Params");
		if (p->rsa_e != 0)
			el_uint(w, l + 1, "RsaE", p->rsa_e);
		el_str(w, l + 1, "EcCurve", p->ec_curve);
		if (p->hmac_hash != KX_HASH_NONE)
			el_enum(w, l + 1, "HmacHash", KX_ENUM_HASH, p->hmac_hash);
		el_hex(w, l + 1, "PublicKey", &p->spki);
		el_close(w, l, "Params");
	}
	el_mask(w, l, "AllowedMode", KX_ENUM_MODE_OF_OP, p->modes);
	el_mask(w, l, "Usage", KX_ENUM_USAGE, p->usage);
	if (p->role != KX_ROLE_NONE)
		el_enum(w, l, "Role", KX_ENUM_ROLE, p->role);
	if (p->usage_limit >= 0)
		el_uint(w, l, "UsageLimit", (unsigned long long)p->usage_limit);
	if (p->has_gp)
		w_gp(w, l, &p->gp);
	el_time(w, l, "NotBefore", p->not_before);
	el_time(w, l, "NotAfter", p->not_after);
	el_time(w, l, "ProtectUntil", p->protect_until);
	el_time(w, l, "ProcessUntil", p->process_until);
	el_str(w, l, "Cryptoperiod", p->cryptoperiod);
	el_enum(w, l, "State", KX_ENUM_STATE, p->state);
	el_time(w, l, "StateSince", p->state_since);
	el_time(w, l, "RevokedAt", p->revoked_at);
	if (p->revocation_reason != KX_REV_NONE)
		el_enum(w, l, "RevocationReason", KX_ENUM_REVOCATION,
		    p->revocation_reason);
	el_enum(w, l, "Mode", KX_ENUM_KEYMODE, p->mode);
	el_time(w, l, "Created", p->created);
	el_open(w, l, "Export");
	el_bool(w, l + 1, "Allowed", p->export_.allowed);
	el_mask(w, l + 1, "Form", KX_ENUM_FORM, p->export_.forms);
	el_list(w, l + 1, "Destination", &p->export_.destinations);
	if (p->export_.min_wrap_strength >= 0)
		el_uint(w, l + 1, "MinWrapStrength",
		    (unsigned)p->export_.min_wrap_strength);
	el_tri(w, l + 1, "TrustedKekOnly", p->export_.trusted_kek_only);
	el_close(w, l, "Export");
	el_bool(w, l, "Sensitive", p->sensitive);
	el_open(w, l, "Import");
	el_bool(w, l + 1, "Allowed", p->import_.allowed);
	el_list(w, l + 1, "Source", &p->import_.sources);
	el_close(w, l, "Import");
	if (p->provenance.always_sensitive != KXI_TRI_UNSET ||
	    p->provenance.never_exported != KXI_TRI_UNSET ||
	    p->provenance.generated_in != NULL) {
		el_open(w, l, "Provenance");
		el_tri(w, l + 1, "AlwaysSensitive",
		    p->provenance.always_sensitive);
		el_tri(w, l + 1, "NeverExported",
		    p->provenance.never_exported);
		el_str(w, l + 1, "GeneratedIn", p->provenance.generated_in);
		el_close(w, l, "Provenance");
	}
	el_tri(w, l, "Permanent", p->permanent);
	if (p->split.n > 0 || p->split.m > 0 ||
	    p->split.method != KX_SPLIT_NONE ||
	    p->split.dual_control != KXI_TRI_UNSET) {
		el_open(w, l, "Split");
		if (p->split.n > 0)
			el_uint(w, l + 1, "N", p->split.n);
		if (p->split.m > 0)
			el_uint(w, l + 1, "M", p->split.m);
		if (p->split.method != KX_SPLIT_NONE)
			el_enum(w, l + 1, "Method", KX_ENUM_SPLIT,
			    p->split.method);
		el_tri(w, l + 1, "DualControl", p->split.dual_control);
		el_close(w, l, "Split");
	}
	for (i = 0; i < p->nrelations; i++) {
		el_open(w, l, "Relation");
		el_enum(w, l + 1, "Type", KX_ENUM_RELATION, p->relations[i].type);
		el_str(w, l + 1, "Ref", p->relations[i].ref);
		el_close(w, l, "Relation");
	}
	w_exts(w, l, p->extensions, p->nextensions);
	el_close(w, 2, "Profile");
}

static void
w_value(struct wr *w, const kxi_keyval *v)
{
	const int l = 3;
	size_t i;

	if (v->form == KX_VALUE_NONE)
		return;
	el_open(w, 2, "Value");
	el_enum(w, l, "Form", KX_ENUM_VALUE_FORM, v->form);
	el_str(w, l, "KekId", v->kek_id);
	if (v->alg != KX_WRAP_NONE)
		el_enum(w, l, "Algorithm", KX_ENUM_WRAP_ALG, v->alg);
	el_hex(w, l, "Iv", &v->iv);
	el_hex(w, l, "Data", &v->data);
	if (v->binding_method != NULL) {
		el_open(w, l, "Binding");
		el_str(w, l + 1, "Method", v->binding_method);
		el_hex(w, l + 1, "AadDigest", &v->binding_digest);
		el_close(w, l, "Binding");
	}
	for (i = 0; i < v->ncomponents; i++) {
		const kxi_component *c = &v->components[i];

		el_open(w, l, "Component");
		el_uint(w, l + 1, "Index", (unsigned)c->index);
		el_str(w, l + 1, "Custodian", c->custodian);
		el_hex(w, l + 1, "Kcv", &c->kcv);
		el_hex(w, l + 1, "Wrapped", &c->wrapped);
		el_close(w, l, "Component");
	}
	if (v->threshold > 0)
		el_uint(w, l, "Threshold", v->threshold);
	if (v->split_method != KX_SPLIT_NONE)
		el_enum(w, l, "SplitMethod", KX_ENUM_SPLIT, v->split_method);
	el_hex(w, l, "Clear", &v->clear);
	for (i = 0; i < v->nparts; i++) {
		const kxi_part *pt = &v->parts[i];

		el_open(w, l, "Part");
		el_str(w, l + 1, "Name", pt->name);
		if (pt->order != KX_UNSET)
			el_uint(w, l + 1, "Order", (unsigned)pt->order);
		el_hex(w, l + 1, "Data", &pt->data);
		el_hex(w, l + 1, "Kcv", &pt->kcv);
		el_close(w, l, "Part");
	}
	el_close(w, 2, "Value");
}

/*
 * The schema's required elements must have a value in the model: refuse
 * to write a document the schema would reject (one finding per gap).
 */
static int
need(kx_diag *d, int ok, const char *key_id, const char *what)
{
	if (ok)
		return 0;
	kxi_diag_add(d, NULL, KX_SEV_ERROR, KX_EUSAGE, NULL, NULL, key_id,
	    "cannot write native XML: %s is missing", what);
	return 1;
}

static int
key_required(const kx_key *k, kx_diag *d)
{
	const kxi_profile *p = &k->prof;
	int bad = 0;
	size_t j;

	bad += need(d, p->id != NULL, NULL, "Profile/Id");
	bad += need(d, p->alg != KX_ALG_NONE, p->id, "Profile/Algorithm");
	for (j = 0; j < p->nrelations; j++)
		bad += need(d, p->relations[j].ref != NULL, p->id,
		    "Profile/Relation/Ref");
	for (j = 0; j < p->nextensions; j++) {
		bad += need(d, p->extensions[j].ns != NULL, p->id,
		    "Profile/Extension/Namespace");
		bad += need(d, p->extensions[j].name != NULL, p->id,
		    "Profile/Extension/Name");
	}
	for (j = 0; j < k->value.ncomponents; j++)
		bad += need(d, k->value.components[j].index > 0, p->id,
		    "Value/Component/Index");
	for (j = 0; j < k->value.nparts; j++) {
		bad += need(d, k->value.parts[j].name != NULL, p->id,
		    "Value/Part/Name");
		bad += need(d, k->value.parts[j].data.n > 0, p->id,
		    "Value/Part/Data");
	}
	return bad;
}

static int
check_required(const kx_doc *doc, int keys, kx_diag *d)
{
	int bad = 0;
	size_t i;

	bad += need(d, doc->id != NULL, NULL, "Header/Id");
	bad += need(d, doc->created != KX_UNSET_TIME, NULL, "Header/Created");
	for (i = 0; i < doc->nextensions; i++) {
		bad += need(d, doc->extensions[i].ns != NULL, NULL,
		    "Header/Extension/Namespace");
		bad += need(d, doc->extensions[i].name != NULL, NULL,
		    "Header/Extension/Name");
	}
	for (i = 0; i < doc->ntks; i++) {
		const kxi_tk *t = &doc->tks[i];

		bad += need(d, t->id != NULL, NULL, "TransportKey/Id");
		bad += need(d, t->alg != KX_ALG_NONE, t->id,
		    "TransportKey/Algorithm");
		if (t->comp_n > 0)
			bad += need(d, t->comp_method != KX_SPLIT_NONE, t->id,
			    "TransportKey/Components/Method");
	}
	for (i = 0; keys && i < doc->nkeys; i++)
		bad += key_required(&doc->keys[i], d);
	return bad > 0 ? KX_EUSAGE : KX_OK;
}

static void
w_key(struct wr *w, const kx_key *k)
{
	el_open(w, 1, "Key");
	w_profile(w, &k->prof);
	w_value(w, &k->value);
	el_hex(w, 2, "Kcv", &k->kcv);
	if (k->kcv_method != KX_KCV_NONE)
		el_enum(w, 2, "KcvMethod", KX_ENUM_KCV_METHOD, k->kcv_method);
	el_close(w, 1, "Key");
}

/* Refuse whole: leave nothing half-written behind. */
static int
w_done(struct wr *w, size_t start)
{
	kx_buf *out = w->b;

	if (w->r != KX_OK) {
		if (out->data != NULL && out->len > start)
			memset(out->data + start, 0, out->len - start);
		out->len = start;
		if (w->r == KX_ENOMEM || w->r == KX_ELIMIT)
			KX_FAIL(w->d, w->r, "cannot write XML: %s",
			    kx_strerror(w->r));
	}
	return w->r;
}

static void
w_head(struct wr *w, const kx_doc *doc)
{
	size_t i;

	puts_(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	puts_(w, "<KeyExchange xmlns=\"" KX_NS "\" version=\"1\">\n");
	el_open(w, 1, "Header");
	el_str(w, 2, "Id", doc->id);
	el_time(w, 2, "Created", doc->created);
	el_str(w, 2, "Sender", doc->sender);
	el_list(w, 2, "Recipient", &doc->recipients);
	el_str(w, 2, "Comment", doc->comment);
	w_exts(w, 2, doc->extensions, doc->nextensions);
	el_close(w, 1, "Header");
	for (i = 0; i < doc->ntks; i++)
		w_tk(w, &doc->tks[i]);
}

/* Streaming: the header and transport keys before the keys, the end tag
 * after them. */
static int
xml_wframe(const kx_doc *doc, size_t keys_len, kx_buf *pre, kx_buf *post,
    kx_diag *d)
{
	struct wr w = { pre, d, KX_OK };
	size_t start = pre->len;

	(void)keys_len;
	if ((w.r = check_required(doc, 0, d)) != KX_OK)
		return w.r;
	w_head(&w, doc);
	if (w_done(&w, start) != KX_OK)
		return w.r;
	w.b = post;
	start = post->len;
	puts_(&w, "</KeyExchange>\n");
	return w_done(&w, start);
}

static int
xml_wkey(const kx_key *k, kx_buf *out, kx_diag *d)
{
	struct wr w = { out, d, KX_OK };
	size_t start = out->len;

	if (key_required(k, d) > 0)
		return KX_EUSAGE;
	w_key(&w, k);
	return w_done(&w, start);
}

static int
xml_write(const kx_doc *doc, kx_buf *out, kx_diag *d)
{
	struct wr w = { out, d, KX_OK };
	size_t start, i;

	if (doc == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	start = out->len;
	if ((w.r = check_required(doc, 1, d)) != KX_OK)
		return w.r;
	w_head(&w, doc);
	for (i = 0; i < doc->nkeys; i++)
		w_key(&w, &doc->keys[i]);
	puts_(&w, "</KeyExchange>\n");
	return w_done(&w, start);
}

const struct kxi_format kxi_format_xml = {
	"xml", "kmsxchg XML", KX_FMT_XML,
	KX_CAP_KEYS | KX_CAP_TK_KCV | KX_CAP_BOUND | KX_CAP_TK_ALG,
	xml_detect, xml_read, xml_write,
	xml_sopen, xml_snext, xml_sclose, xml_wframe, xml_wkey, 0
};
