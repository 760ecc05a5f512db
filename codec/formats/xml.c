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
 * Reading streams: xmlTextReader with streaming XSD validation; each
 * top-level element (Header, TransportKey, Key) is expanded, converted,
 * and committed once its end tag has validated, so keys can be handed over
 * one at a time (kxi_xml_reader_next).  Input is hardened by xmlsec.c
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

#include <string.h>

#include <libxml/tree.h>
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
};

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

static int
reader_open(struct kxi_src *src, const uint8_t *buf, size_t len,
    const char *name, kxi_xml_reader **out, kx_diag *d)
{
	kxi_xml_reader *r = NULL;
	xmlSchemaPtr schema;
	int rc = KX_EINTERNAL, foreign = 0;

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
	/*
	 * Two passes over the input, each reading it in chunks (memory
	 * stays flat): well-formedness first (cheap SAX, no tree), so the
	 * validating reader below never meets a fatal parse error.
	 */
	if ((rc = kxi_xml_wellformed_src(src, name, &foreign, d)) != KX_OK)
		goto out;
	/* without foreign elements at the top both schemas say the same */
	if ((rc = kxi_xml_schema_get(foreign ? "kmsxchg.xsd" :
	    KXI_XSD_NATIVE_KEYS, &schema, d)) != KX_OK)
		goto out;
	r->cur.s = src;
	r->ec.d = d;
	r->ec.name = r->name;
	reader_errors(r, 1);
	/*
	 * CDATA sections stay sections here: with XML_PARSE_NOCDATA the
	 * schema-validating reader of libxml2 2.9 validates their text but
	 * leaves it out of the tree (the model lost it).  text() joins them.
	 */
	r->xr = xmlReaderForIO(kxi_src_xmlread, reader_noclose, &r->cur, name,
	    NULL, KXI_XML_PARSE_OPTS & ~XML_PARSE_NOCDATA);
	reader_errors(r, 0);
	if (r->xr == NULL || (r->vc = xmlSchemaNewValidCtxt(schema)) == NULL) {
		rc = KX_FAIL(d, KX_ENOMEM, "cannot create an XML reader");
		goto out;
	}
	/*
	 * Parser errors reach us through the thread's structured handler
	 * (set around each read, see reader_errors): the reader's own
	 * handler gets the schema SAX plug instead of the parser context
	 * once streaming validation is on (libxml2 2.9), so it is not used.
	 */
	xmlSchemaSetValidStructuredErrors(r->vc, reader_relay, &r->ec);
	if (xmlTextReaderSchemaValidateCtxt(r->xr, r->vc, 0) != 0) {
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
	if (r->vc != NULL)
		xmlSchemaFreeValidCtxt(r->vc);
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

/* Start a top-level element: expand it and convert it into doc. */
static int
start_top(kxi_xml_reader *r, kx_doc *doc, kx_diag *d)
{
	struct conv c;
	xmlNodePtr n;
	kx_key *k;
	kxi_tk *tk;

	r->pend_empty = xmlTextReaderIsEmptyElement(r->xr) == 1;
	if ((n = reader_expand(r)) == NULL || errors_rc(r) < 0) {
		if (errors_rc(r) == KX_OK)
			KX_FAIL(d, KX_ESYNTAX, "%s: cannot expand element",
			    r->name != NULL ? r->name : "input");
		return errors_rc(r) < 0 ? errors_rc(r) : KX_ESYNTAX;
	}
	if ((r->pend_d = kx_diag_new()) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	memset(&c, 0, sizeof(c));
	c.doc = doc;
	c.a = &doc->arena;
	c.d = r->pend_d;
	c.name = r->name;
	c.nm = &r->names;
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
	return KX_OK;
}

static int
start_root(kxi_xml_reader *r, kx_doc *doc, kx_diag *d)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r->xr);
	kxi_loc l = loc_of(n);
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
reader_next(kxi_xml_reader *r, kx_doc *doc, kx_diag *d)
{
	enum pend_kind was;
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
	r->ec.d = d;
	reader_errors(r, 1);
	rc = reader_next(r, doc, d);
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
	KX_CAP_KEYS | KX_CAP_TK | KX_CAP_TK_KCV | KX_CAP_KCV | KX_CAP_USAGE |
	    KX_CAP_BOUND | KX_CAP_TK_ALG,
	xml_detect, xml_read, xml_write,
	xml_sopen, xml_snext, xml_sclose, xml_wframe, xml_wkey, 0
};
