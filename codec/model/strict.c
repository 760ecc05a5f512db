/*
 * strict.c - the constraints schema/kmsxchg.xsd states, checked once on
 * the model: every reader's document passes here (kx_doc_read), so a DER
 * or GP input is held to the native schema exactly as a native XML input
 * is, and whatever a reader accepts converts to every format and back.
 *
 * What is checked (the XSD's simple types; enumerations and the
 * structure are the readers' own): identifiers and parties (IdType: 1 to
 * 256 characters, no white space at either end, no line break), short
 * texts (1 to 256), texts (at most 4096), every string UTF-8 of XML 1.0
 * characters only (no C0 control but TAB, LF and CR: never an ESC), UTC
 * times in the years 0001..9999, Cryptoperiod an xs:duration, integer
 * ranges (LengthBits, counts 1..255, RsaE, MinWrapStrength, GP bytes),
 * byte lengths (KCV 1..32, digests 1..64, values 1..65536, SD AID
 * 1..16), list lengths (components 255, parts 64), extension namespaces
 * (xs:anyURI, as libxml2 validates it), the elements the schema requires
 * (ids, Created, algorithms, a ceremony's method, relation refs,
 * extension and part fields) and xs:unique of the transport key ids.  Not
 * here: key id uniqueness (not a schema constraint; rule KX140).  Each
 * violation is a KX002 finding naming the element ("Profile/Id") with its
 * place; the key's id is named only once it passed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* KcvType: a KCV, or the 32-byte spki-sha256 fingerprint */
#define KXI_KCV_TYPE_MAX KX_FINGERPRINT_LEN

#define T_MIN (-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define T_MAX 253402300799LL	/* 9999-12-31T23:59:59Z */

struct sc {
	kx_diag *d;
	const char *file;
	const kxi_loc *loc;
	const char *key_id;	/* NULL until the key's id passed */
	int r;
};

static void bad(struct sc *c, const char *path, const char *fmt, ...)
    KX_PRINTF(3, 4);

static void
bad(struct sc *c, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->r = KX_ESCHEMA;
	kxi_fact(c->d, KXI_SCHEMA, KX_ESCHEMA, c->file, c->loc, c->key_id,
	    "schema: %s: %s", path, msg);
}

/* XSD \s: space, TAB, LF, CR. */
static int
xsd_space(long c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum strkind { K_TEXT, K_SHORT, K_ID };

/* A string of kind k (NULL: absent, always fine). */
static void
chk_str(struct sc *c, const char *path, const char *s, enum strkind k)
{
	const unsigned char *p = (const unsigned char *)s;
	long cp = 0, last = 0;
	size_t n, len, chars = 0;

	if (s == NULL)
		return;
	for (n = strlen(s); n > 0; p += len, n -= len) {
		if ((cp = kxi_utf8_next(p, n, &len)) < 0) {
			bad(c, path, "not UTF-8 at byte %zu",
			    (size_t)(p - (const unsigned char *)s));
			return;
		}
		if (!kxi_xml_char(cp)) {
			bad(c, path, "holds U+%04lX, a character XML cannot "
			    "carry", (unsigned long)cp);
			return;
		}
		if (k == K_ID && (cp == '\n' || cp == '\r')) {
			bad(c, path, "a line break (an identifier has none)");
			return;
		}
		if (k == K_ID && chars == 0 && xsd_space(cp)) {
			bad(c, path, "white space at its start (an "
			    "identifier has none)");
			return;
		}
		last = cp;
		chars++;
	}
	if (k == K_ID && chars > 0 && xsd_space(last)) {
		bad(c, path, "white space at its end (an identifier has "
		    "none)");
		return;
	}
	if (k != K_TEXT && chars == 0)
		bad(c, path, "empty");
	else if (chars > (k == K_TEXT ? 4096 : 256))
		bad(c, path, "%zu characters, more than %d", chars,
		    k == K_TEXT ? 4096 : 256);
}

/* An element the schema requires (minOccurs 1). */
static void
need(struct sc *c, const char *path, int present)
{
	if (!present)
		bad(c, path, "missing (the schema requires it)");
}

/* A required identifier: itself when it passed, else NULL. */
static const char *
chk_id(struct sc *c, const char *path, const char *id)
{
	int prev = c->r;

	c->r = KX_OK;
	need(c, path, id != NULL);
	chk_str(c, path, id, K_ID);
	if (c->r != KX_OK)
		return NULL;
	c->r = prev;
	return id;
}

static void
chk_list(struct sc *c, const char *path, const kxi_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n && c->r == KX_OK; i++)
		chk_str(c, path, l->v[i], K_ID);
}

static void
chk_time(struct sc *c, const char *path, int64_t t)
{
	if (t != KX_UNSET_TIME && (t < T_MIN || t > T_MAX))
		bad(c, path, "not a time of the years 0001..9999");
}

static void
chk_range(struct sc *c, const char *path, long long v, long long min,
    long long max)
{
	if (v < min || v > max)
		bad(c, path, "%lld is out of range %lld..%lld", v, min, max);
}

/* An optional GP byte (KX_UNSET: absent). */
static void
chk_byte(struct sc *c, const char *path, int v)
{
	if (v != KX_UNSET)
		chk_range(c, path, v, 0, 255);
}

/* Bytes of min..max (absent when empty). */
static void
chk_bytes(struct sc *c, const char *path, const kxi_bytes *b, size_t min,
    size_t max)
{
	if (b->n != 0 && (b->n < min || b->n > max))
		bad(c, path, "%zu bytes, not %zu to %zu", b->n, min, max);
}

/*
 * xs:duration (XML Schema 1.0 Part 2, 3.2.6):
 * -?P(nY)?(nM)?(nD)?(T(nH)?(nM)?(n(.n)?S)?)?, at least one number, and
 * a T only with a time number after it.  Numbers are kept to 18 digits
 * (what the model's arithmetic and libxml2's validator take).
 */
static int
xsd_duration(const char *s)
{
	const char *u = "YMD", *at;
	int any = 0, in_time = 0, frac;
	size_t nd;

	if (*s == '-')
		s++;
	if (*s++ != 'P')
		return 0;
	while (*s != '\0') {
		if (*s == 'T') {
			if (in_time)
				return 0;
			in_time = 1;
			any = 0;	/* a T needs a time number */
			u = "HMS";
			s++;
			continue;
		}
		for (nd = 0; s[nd] >= '0' && s[nd] <= '9'; nd++)
			;
		if (nd == 0 || nd > 18)
			return 0;
		s += nd;
		if ((frac = *s == '.')) {
			for (nd = 1; s[nd] >= '0' && s[nd] <= '9'; nd++)
				;
			if (nd == 1 || nd > 19)
				return 0;
			s += nd;
		}
		if (*s == '\0' || (at = strchr(u, *s)) == NULL ||
		    (frac && (!in_time || *s != 'S')))
			return 0;
		u = at + 1;	/* units in order, each once */
		s++;
		any = 1;
	}
	return any;
}

static void
chk_exts(struct sc *c, const char *path, const kxi_extension *e,
    size_t next)
{
	char p[64];
	size_t i, n;

	for (i = 0; i < next && c->r == KX_OK; i++) {
		snprintf(p, sizeof(p), "%s/Namespace", path);
		need(c, p, e[i].ns != NULL);
		chk_str(c, p, e[i].ns, K_TEXT);
		/* xs:anyURI ("" too), as native XML validation takes it;
		 * its white space is collapsed, so none at either end */
		if (c->r == KX_OK && e[i].ns != NULL && (n = strlen(
		    e[i].ns), !kxi_xsd_anyuri(e[i].ns) || (n > 0 &&
		    (xsd_space(e[i].ns[0]) || xsd_space(e[i].ns[n - 1])))))
			bad(c, p, "not an xs:anyURI");
		snprintf(p, sizeof(p), "%s/Name", path);
		need(c, p, e[i].name != NULL);
		chk_str(c, p, e[i].name, K_SHORT);
		snprintf(p, sizeof(p), "%s/Value", path);
		need(c, p, e[i].value != NULL);
		chk_str(c, p, e[i].value, K_TEXT);
	}
}

static void
chk_tk(struct sc *c, const kxi_tk *t)
{
	size_t i;

	c->loc = &t->loc;
	c->key_id = NULL;
	c->key_id = chk_id(c, "TransportKey/Id", t->id);
	need(c, "TransportKey/Algorithm", t->alg != KX_ALG_NONE);
	chk_range(c, "TransportKey/LengthBits", t->length_bits, 0, 65536);
	chk_bytes(c, "TransportKey/Kcv", &t->kcv, 1, KXI_KCV_TYPE_MAX);
	chk_str(c, "TransportKey/Owner", t->owner, K_ID);
	chk_str(c, "TransportKey/Version", t->version, K_SHORT);
	if (t->comp_n != 0 || t->comp_m != 0) {
		chk_range(c, "TransportKey/Components/N", t->comp_n, 1, 255);
		need(c, "TransportKey/Components/Method",
		    t->comp_method != KX_SPLIT_NONE);
		if (t->comp_m != 0)
			chk_range(c, "TransportKey/Components/M", t->comp_m,
			    1, 255);
	}
	for (i = 0; t->comp_kcvs != NULL && i < t->comp_n && i < 255; i++)
		chk_bytes(c, "TransportKey/Components/Kcv", &t->comp_kcvs[i],
		    1, KXI_KCV_TYPE_MAX);
}

static int
cmp_tk_id(const void *a, const void *b)
{
	const kxi_tk *x = *(const kxi_tk *const *)a;
	const kxi_tk *y = *(const kxi_tk *const *)b;

	return strcmp(x->id != NULL ? x->id : "", y->id != NULL ? y->id : "");
}

/* xs:unique UniqueTransportKeyId, in n log n. */
static int
chk_tk_unique(struct sc *c, const kx_doc *doc)
{
	const kxi_tk **v;
	size_t i;

	if (doc->ntks < 2)
		return KX_OK;
	if ((v = malloc(doc->ntks * sizeof(*v))) == NULL)
		return KX_FAIL(c->d, KX_ENOMEM, "out of memory");
	for (i = 0; i < doc->ntks; i++)
		v[i] = &doc->tks[i];
	qsort(v, doc->ntks, sizeof(*v), cmp_tk_id);
	for (i = 1; i < doc->ntks; i++) {
		if (v[i]->id == NULL || v[i - 1]->id == NULL ||
		    strcmp(v[i]->id, v[i - 1]->id) != 0)
			continue;
		c->loc = &v[i]->loc;
		c->key_id = NULL;
		bad(c, "TransportKey/Id", "a second transport key of the same "
		    "id (the ids are unique)");
		break;
	}
	free(v);
	return KX_OK;
}

int
kxi_strict_head(const kx_doc *doc, kx_diag *d)
{
	struct sc c = { d, doc->source, &doc->loc, NULL, KX_OK };
	size_t i;
	int r;

	(void)chk_id(&c, "Header/Id", doc->id);
	need(&c, "Header/Created", doc->created != KX_UNSET_TIME);
	chk_time(&c, "Header/Created", doc->created);
	chk_str(&c, "Header/Sender", doc->sender, K_ID);
	chk_list(&c, "Header/Recipient", &doc->recipients);
	chk_str(&c, "Header/Comment", doc->comment, K_TEXT);
	chk_exts(&c, "Header/Extension", doc->extensions, doc->nextensions);
	for (i = 0; i < doc->ntks; i++)
		chk_tk(&c, &doc->tks[i]);
	if ((r = chk_tk_unique(&c, doc)) != KX_OK)
		return r;
	return c.r;
}

static void
chk_profile(struct sc *c, const kxi_profile *p)
{
	const kxi_gp *g = &p->gp;
	size_t i;

	chk_str(c, "Profile/Name", p->name, K_TEXT);
	chk_str(c, "Profile/Description", p->description, K_TEXT);
	chk_str(c, "Profile/Template", p->template_id, K_ID);
	chk_str(c, "Profile/Reference", p->reference, K_TEXT);
	chk_str(c, "Profile/Version", p->version, K_SHORT);
	for (i = 0; i < p->nrevisions; i++) {
		chk_str(c, "Profile/Revision/Version", p->revisions[i].version,
		    K_SHORT);
		chk_time(c, "Profile/Revision/Date", p->revisions[i].date);
		chk_str(c, "Profile/Revision/By", p->revisions[i].by, K_ID);
		chk_bytes(c, "Profile/Revision/Digest",
		    &p->revisions[i].digest, 1, 64);
	}
	chk_str(c, "Profile/Owner", p->owner, K_ID);
	chk_str(c, "Profile/Creator", p->creator, K_ID);
	chk_str(c, "Profile/Holder", p->holder, K_ID);
	chk_list(c, "Profile/Custodian", &p->custodians);
	chk_range(c, "Profile/LengthBits", p->length_bits, 0, 65536);
	if (p->rsa_e > (uint64_t)INT64_MAX)
		bad(c, "Profile/Params/RsaE", "more than 2^63-1");
	if (p->ec_curve != NULL && kxi_oid_check(p->ec_curve, NULL) != KX_OK)
		bad(c, "Profile/Params/EcCurve", "not an OID of the model");
	chk_bytes(c, "Profile/Params/PublicKey", &p->spki, 1, 65536);
	if (p->usage_limit < -1)
		bad(c, "Profile/UsageLimit", "negative");
	if (p->has_gp) {
		chk_byte(c, "Profile/Gp/KeyType", g->key_type);
		chk_byte(c, "Profile/Gp/Kvn", g->kvn);
		chk_byte(c, "Profile/Gp/Kid", g->kid);
		if (g->kuq != KX_UNSET)
			chk_range(c, "Profile/Gp/Kuq", g->kuq, 0,
			    g->kuq_len == 2 ? 0xFFFF : 0xFF);
		chk_byte(c, "Profile/Gp/Access", g->access);
		chk_byte(c, "Profile/Gp/Scp/I", g->scp_i);
		if (g->scp_i != KX_UNSET)
			need(c, "Profile/Gp/Scp/Protocol",
			    g->scp != KX_SCP_NONE);
		chk_bytes(c, "Profile/Gp/SdAid", &g->sd_aid, 1, 16);
	}
	chk_time(c, "Profile/NotBefore", p->not_before);
	chk_time(c, "Profile/NotAfter", p->not_after);
	chk_time(c, "Profile/ProtectUntil", p->protect_until);
	chk_time(c, "Profile/ProcessUntil", p->process_until);
	if (p->cryptoperiod != NULL && !xsd_duration(p->cryptoperiod))
		bad(c, "Profile/Cryptoperiod", "not an xs:duration such as "
		    "P1Y2M or PT36H");
	chk_time(c, "Profile/StateSince", p->state_since);
	chk_time(c, "Profile/RevokedAt", p->revoked_at);
	chk_time(c, "Profile/Created", p->created);
	chk_list(c, "Profile/Export/Destination", &p->export_.destinations);
	if (p->export_.min_wrap_strength != KX_UNSET)
		chk_range(c, "Profile/Export/MinWrapStrength",
		    p->export_.min_wrap_strength, 0, 65536);
	chk_list(c, "Profile/Import/Source", &p->import_.sources);
	chk_str(c, "Profile/Provenance/GeneratedIn",
	    p->provenance.generated_in, K_TEXT);
	if (p->split.n != 0)
		chk_range(c, "Profile/Split/N", p->split.n, 1, 255);
	if (p->split.m != 0)
		chk_range(c, "Profile/Split/M", p->split.m, 1, 255);
	for (i = 0; i < p->nrelations; i++) {
		need(c, "Profile/Relation/Ref", p->relations[i].ref != NULL);
		chk_str(c, "Profile/Relation/Ref", p->relations[i].ref, K_ID);
	}
	chk_exts(c, "Profile/Extension", p->extensions, p->nextensions);
}

static void
chk_value(struct sc *c, const kxi_keyval *v)
{
	size_t i;

	chk_str(c, "Value/KekId", v->kek_id, K_ID);
	chk_bytes(c, "Value/Iv", &v->iv, 1, 65536);
	chk_bytes(c, "Value/Data", &v->data, 1, 65536);
	if (v->binding_digest.n > 0)
		need(c, "Value/Binding/Method", v->binding_method != NULL);
	chk_str(c, "Value/Binding/Method", v->binding_method, K_SHORT);
	chk_bytes(c, "Value/Binding/AadDigest", &v->binding_digest, 1, 64);
	if (v->ncomponents > 255)
		bad(c, "Value/Component", "%zu components, more than 255",
		    v->ncomponents);
	for (i = 0; i < v->ncomponents && i < 255; i++) {
		const kxi_component *k = &v->components[i];

		chk_range(c, "Value/Component/Index", k->index, 1, 255);
		chk_str(c, "Value/Component/Custodian", k->custodian, K_ID);
		chk_bytes(c, "Value/Component/Kcv", &k->kcv, 1,
		    KXI_KCV_TYPE_MAX);
		chk_bytes(c, "Value/Component/Wrapped", &k->wrapped, 1, 65536);
	}
	if (v->threshold != 0)
		chk_range(c, "Value/Threshold", v->threshold, 1, 255);
	chk_bytes(c, "Value/Clear", &v->clear, 1, 65536);
	if (v->nparts > 64)
		bad(c, "Value/Part", "%zu parts, more than 64", v->nparts);
	for (i = 0; i < v->nparts && i < 64; i++) {
		const kxi_part *pt = &v->parts[i];

		need(c, "Value/Part/Name", pt->name != NULL);
		chk_str(c, "Value/Part/Name", pt->name, K_SHORT);
		if (pt->order != KX_UNSET)
			chk_range(c, "Value/Part/Order", pt->order, 0,
			    INT32_MAX);
		need(c, "Value/Part/Data", pt->data.n > 0);
		chk_bytes(c, "Value/Part/Data", &pt->data, 1, 65536);
		chk_bytes(c, "Value/Part/Kcv", &pt->kcv, 1, KXI_KCV_TYPE_MAX);
	}
}

int
kxi_strict_key(const kx_doc *doc, const kx_key *k, kx_diag *d)
{
	struct sc c = { d, doc->source, &k->loc[KXF_KEY], NULL, KX_OK };

	c.key_id = chk_id(&c, "Profile/Id", k->prof.id);
	need(&c, "Profile/Algorithm", k->prof.alg != KX_ALG_NONE);
	chk_profile(&c, &k->prof);
	c.loc = &k->loc[KXF_VALUE];
	chk_value(&c, &k->value);
	c.loc = &k->loc[KXF_KCV];
	chk_bytes(&c, "Key/Kcv", &k->kcv, 1, KXI_KCV_TYPE_MAX);
	return c.r;
}

int
kxi_strict_doc(const kx_doc *doc, kx_diag *d)
{
	size_t i;
	int r, first;

	first = kxi_strict_head(doc, d);
	for (i = 0; i < doc->nkeys; i++)
		if ((r = kxi_strict_key(doc, &doc->keys[i], d)) != KX_OK &&
		    first == KX_OK)
			first = r;
	return first;
}
