/*
 * canon.c - the hub's canonical DER of a key profile: the KeyProfile and
 * BoundContext types of schema/kmsxchg.asn1 (module IMPLICIT TAGS), the
 * associated data of the bound wraps (doc/bound-wrap.md sections 1, 8
 * and 10).  A small DER (X.690 sections 10 and 11) TLV writer, no asn1c:
 * the operations bind values without calling into a format spoke.
 *
 * What DER asks of these two types, and where it is done:
 *   - definite lengths in the fewest octets (cw_close);
 *   - INTEGER and ENUMERATED in minimal two's complement (cw_int);
 *   - BOOLEAN TRUE as FF (cw_bool);
 *   - named BIT STRINGs without trailing zero bits, the empty set as
 *     03 01 00 (X.690 11.2.2; cw_bits);
 *   - GeneralizedTime "YYYYMMDDHHMMSSZ", UTC, no fractions (11.7; cw_time);
 *   - OBJECT IDENTIFIER through oid.c (the model's one OID codec);
 *   - OPTIONAL components omitted when the model says absent (the module
 *     has no DEFAULT components, and no SET OF to sort: its lists are
 *     SEQUENCE OF, kept in the model's order);
 *   - every component IMPLICIT context-tagged with the number of
 *     fields.def (KXI_TAG_*), in the high-tag-number form from [31] on.
 *
 * The model-to-value mapping is that of the DER spoke's writer (der.c,
 * wprofile), and tests/unit/test_canon.c compares the two byte for byte
 * over the samples, the templates, the fuzz corpus and random models.
 * One deliberate difference: a UTF8String here must be UTF-8 as RFC 3629
 * has it (kxi_utf8_next: no surrogates, nothing above U+10FFFF), where
 * asn1c 0.9.28 also takes those; such a string is refused (KX_ESCHEMA).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Universal tags (X.690 8.1.2) and the class bits of a context tag. */
#define U_BOOLEAN	0x01
#define U_INTEGER	0x02
#define U_BIT_STRING	0x03
#define U_OCTET_STRING	0x04
#define U_OID		0x06
#define U_ENUMERATED	0x0a
#define U_UTF8STRING	0x0c
#define U_SEQUENCE	0x30	/* constructed */
#define U_GENTIME	0x18
#define CTX		0x80
#define CONS		0x20

/* BoundContext's one component outside fields.def (its header
 * components have the tags of KeyExchange's): profile [4]. */
#define BOUND_TAG_PROFILE 4

#define GT_MIN (-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define GT_MAX 253402300799LL	/* 9999-12-31T23:59:59Z */

/* Room for the content octets of the longest OID of the model. */
#define CANON_MAX_OID 1280

struct cw {
	kx_buf *b;
	int r;			/* first error, KX_OK if none */
	kx_diag *d;
	const char *key_id;	/* for messages */
};

static void cfail(struct cw *w, int rc, const char *fmt, ...)
    KX_PRINTF(3, 4);

static void
cfail(struct cw *w, int rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (w->r != KX_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->r = rc;
	if (rc == KX_ENOMEM)
		KX_FAIL(w->d, rc, "canonical DER: out of memory");
	else
		kxi_fact(w->d, KXI_SCHEMA, rc, NULL, NULL, w->key_id,
		    "canonical DER: %s", msg);
}

static void
put(struct cw *w, const void *p, size_t n)
{
	if (w->r == KX_OK && kx_buf_append(w->b, p, n) != KX_OK)
		cfail(w, KX_ENOMEM, "oom");
}

/* Identifier octets: a universal tag as it is (ctx < 0), else context
 * tag number ctx, constructed or not (X.690 8.1.2.4 from 31 on). */
static void
put_tag(struct cw *w, int ctx, unsigned utag)
{
	uint8_t t[3];
	size_t n = 0;

	if (ctx < 0) {
		t[n++] = (uint8_t)utag;
	} else {
		uint8_t cls = (uint8_t)(CTX | (utag & CONS));

		if (ctx < 31) {
			t[n++] = (uint8_t)(cls | ctx);
		} else {
			t[n++] = (uint8_t)(cls | 0x1f);
			if (ctx >= 128)
				t[n++] = (uint8_t)(0x80 | (ctx >> 7));
			t[n++] = (uint8_t)(ctx & 0x7f);
		}
	}
	put(w, t, n);
}

/* Start a TLV: tag and a one-octet length placeholder; returns where
 * the contents start (for cw_close). */
static size_t
cw_open(struct cw *w, int ctx, unsigned utag)
{
	put_tag(w, ctx, utag);
	put(w, "", 1);
	return w->b->len;
}

/* Finish the TLV opened at mark: the length in the fewest octets
 * (X.690 10.1), the contents moved up when it needs more than one. */
static void
cw_close(struct cw *w, size_t mark)
{
	uint8_t l[sizeof(size_t) + 1];
	size_t n, len, k = 0, i;

	if (w->r != KX_OK)
		return;
	len = w->b->len - mark;
	if (len < 0x80) {
		w->b->data[mark - 1] = (uint8_t)len;
		return;
	}
	for (n = len; n > 0; n >>= 8)
		k++;
	l[0] = (uint8_t)(0x80 | k);
	for (i = 0; i < k; i++)
		l[k - i] = (uint8_t)(len >> (8 * i));
	/* grow by k octets, then shift the contents */
	put(w, l, k);
	if (w->r != KX_OK)
		return;
	memmove(w->b->data + mark + k, w->b->data + mark, len);
	memcpy(w->b->data + mark - 1, l, k + 1);
}

static void
cw_prim(struct cw *w, int ctx, unsigned utag, const void *p, size_t n)
{
	size_t m = cw_open(w, ctx, utag);

	put(w, p, n);
	cw_close(w, m);
}

/* INTEGER or ENUMERATED v, minimal two's complement (X.690 8.3.2). */
static void
cw_int(struct cw *w, int ctx, unsigned utag, int64_t v)
{
	uint8_t o[8];
	int n = 8, i;

	for (i = 0; i < 8; i++)
		o[7 - i] = (uint8_t)((uint64_t)v >> (8 * i));
	i = 0;
	while (n - i > 1 && ((o[i] == 0x00 && !(o[i + 1] & 0x80)) ||
	    (o[i] == 0xff && (o[i + 1] & 0x80))))
		i++;
	cw_prim(w, ctx, utag, o + i, (size_t)(n - i));
}

static void
cw_bool(struct cw *w, int ctx, int v)
{
	uint8_t o = v ? 0xff : 0x00;

	cw_prim(w, ctx, U_BOOLEAN, &o, 1);
}

/* UTF8String s (required: what names it in the message). */
static void
cw_str(struct cw *w, int ctx, const char *s, const char *what)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, len;

	if (s == NULL) {
		cfail(w, KX_ESCHEMA, "%s is required", what);
		return;
	}
	for (n = strlen(s); n > 0; p += len, n -= len)
		if (kxi_utf8_next(p, n, &len) < 0) {
			cfail(w, KX_ESCHEMA, "%s is not UTF-8", what);
			return;
		}
	cw_prim(w, ctx, U_UTF8STRING, s, strlen(s));
}

static void
cw_ostr(struct cw *w, int ctx, const char *s, const char *what)
{
	if (s != NULL)
		cw_str(w, ctx, s, what);
}

static void
cw_obytes(struct cw *w, int ctx, const kxi_bytes *b)
{
	if (b->n > 0)
		cw_prim(w, ctx, U_OCTET_STRING, b->p, b->n);
}

static void
cw_otri(struct cw *w, int ctx, enum kxi_tri t)
{
	if (t != KXI_TRI_UNSET)
		cw_bool(w, ctx, t == KXI_TRI_TRUE);
}

/* An INTEGER (0..max) present unless v is KX_UNSET; max < 0: no bound. */
static void
cw_osmall(struct cw *w, int ctx, long v, long max, const char *what)
{
	if (v == KX_UNSET)
		return;
	if (v < 0 || (max >= 0 && v > max))
		cfail(w, KX_ESCHEMA, "%s %ld is out of range", what, v);
	cw_int(w, ctx, U_INTEGER, v);
}

int
kxi_gentime(int64_t t, char out[16])
{
	char iso[21];

	if (t == KX_UNSET_TIME || t < GT_MIN || t > GT_MAX)
		return -1;
	kx_time_format(t, iso);	/* YYYY-MM-DDThh:mm:ssZ */
	memcpy(out, iso, 4);
	memcpy(out + 4, iso + 5, 2);
	memcpy(out + 6, iso + 8, 2);
	memcpy(out + 8, iso + 11, 2);
	memcpy(out + 10, iso + 14, 2);
	memcpy(out + 12, iso + 17, 2);
	out[14] = 'Z';
	out[15] = '\0';
	return 0;
}

static void
cw_time(struct cw *w, int ctx, int64_t t, const char *what)
{
	char g[16];

	if (kxi_gentime(t, g) != 0) {
		cfail(w, KX_ESCHEMA, "%s is %s", what, t == KX_UNSET_TIME ?
		    "required" : "out of range (years 0001..9999)");
		return;
	}
	cw_prim(w, ctx, U_GENTIME, g, 15);
}

static void
cw_otime(struct cw *w, int ctx, int64_t t, const char *what)
{
	if (t != KX_UNSET_TIME)
		cw_time(w, ctx, t, what);
}

/* Named BIT STRING of mask: bit i of the set is bit i of the string,
 * trailing zero bits removed (X.690 11.2.2). */
static void
cw_bits(struct cw *w, int ctx, uint32_t mask)
{
	uint8_t o[5] = { 0 };
	int hi = -1, i;

	for (i = 0; i < 32; i++)
		if (mask & (1u << i)) {
			o[1 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
			hi = i;
		}
	o[0] = (uint8_t)(hi < 0 ? 0 : 7 - hi % 8);
	cw_prim(w, ctx, U_BIT_STRING, o, hi < 0 ? 1 : (size_t)(hi / 8 + 2));
}

/* SEQUENCE OF UTF8String, omitted when empty. */
static void
cw_olist(struct cw *w, int ctx, const kxi_strlist *l, const char *what)
{
	size_t m, i;

	if (l->n == 0)
		return;
	m = cw_open(w, ctx, CONS);
	for (i = 0; i < l->n; i++) {
		if (l->v[i] == NULL) {
			cfail(w, KX_ESCHEMA, "%s: empty entry", what);
			return;
		}
		cw_str(w, -1, l->v[i], what);
	}
	cw_close(w, m);
}

static void
cw_oid(struct cw *w, int ctx, const char *s, const char *what)
{
	uint8_t o[CANON_MAX_OID];
	const char *why = NULL;
	size_t n;

	if (kxi_oid_to_der(s, o, sizeof(o), &n, &why) != KX_OK) {
		cfail(w, KX_ESCHEMA, "%s '%.64s' is not an OID: %s", what, s,
		    why != NULL ? why : "?");
		return;
	}
	cw_prim(w, ctx, U_OID, o, n);
}

static void
cw_revisions(struct cw *w, const kxi_profile *p)
{
	size_t m, i;

	if (p->nrevisions == 0)
		return;
	m = cw_open(w, KXI_TAG_PROFILE_revisions, CONS);
	for (i = 0; i < p->nrevisions; i++) {
		const kxi_revision *rv = &p->revisions[i];
		size_t s = cw_open(w, -1, U_SEQUENCE);

		cw_ostr(w, KXI_TAG_REVISION_version, rv->version,
		    "revision version");
		cw_otime(w, KXI_TAG_REVISION_date, rv->date, "revision date");
		cw_ostr(w, KXI_TAG_REVISION_by, rv->by, "revision by");
		cw_obytes(w, KXI_TAG_REVISION_digest, &rv->digest);
		cw_close(w, s);
	}
	cw_close(w, m);
}

static void
cw_params(struct cw *w, const kxi_profile *p)
{
	size_t m;

	if (p->rsa_e == 0 && p->ec_curve == NULL &&
	    p->hmac_hash == KX_HASH_NONE && p->spki.n == 0)
		return;
	m = cw_open(w, KXI_TAG_PROFILE_params, CONS);
	/* the model's range, 1..2^63-1, is what INTEGER carries */
	if (p->rsa_e > INT64_MAX)
		cfail(w, KX_ESCHEMA, "RSA exponent above 2^63-1");
	if (p->rsa_e != 0)
		cw_int(w, KXI_TAG_PARAMS_rsaE, U_INTEGER, (int64_t)p->rsa_e);
	if (p->ec_curve != NULL)
		cw_oid(w, KXI_TAG_PARAMS_ecCurve, p->ec_curve, "EC curve");
	if (p->hmac_hash != KX_HASH_NONE)
		cw_int(w, KXI_TAG_PARAMS_hmacHash, U_ENUMERATED, p->hmac_hash);
	cw_obytes(w, KXI_TAG_PARAMS_publicKey, &p->spki);
	cw_close(w, m);
}

static void
cw_gp(struct cw *w, const kxi_gp *g)
{
	size_t m = cw_open(w, KXI_TAG_PROFILE_gp, CONS);

	cw_osmall(w, KXI_TAG_GPCARD_keyType, g->key_type, 255, "gp key type");
	cw_osmall(w, KXI_TAG_GPCARD_kvn, g->kvn, 255, "gp kvn");
	cw_osmall(w, KXI_TAG_GPCARD_kid, g->kid, 255, "gp kid");
	if (g->kuq != KX_UNSET) {
		uint8_t q[2] = { (uint8_t)(g->kuq >> 8), (uint8_t)g->kuq };

		if ((g->kuq_len != 1 && g->kuq_len != 2) || g->kuq < 0 ||
		    g->kuq > (g->kuq_len == 1 ? 0xff : 0xffff))
			cfail(w, KX_ESCHEMA, "gp kuq: bad length");
		cw_prim(w, KXI_TAG_GPCARD_kuq, U_OCTET_STRING,
		    g->kuq_len == 1 ? q + 1 : q, g->kuq_len == 1 ? 1 : 2);
	}
	cw_osmall(w, KXI_TAG_GPCARD_access, g->access, 255, "gp access");
	if (g->scp != KX_SCP_NONE) {
		size_t s = cw_open(w, KXI_TAG_GPCARD_scp, CONS);

		cw_int(w, KXI_TAG_SCP_protocol, U_ENUMERATED, g->scp);
		cw_osmall(w, KXI_TAG_SCP_i, g->scp_i, 255, "gp scp i");
		cw_close(w, s);
	} else if (g->scp_i != KX_UNSET) {
		cfail(w, KX_ESCHEMA, "gp scp i-parameter without scp");
	}
	cw_obytes(w, KXI_TAG_GPCARD_sdAid, &g->sd_aid);
	if (g->diversification != KX_DIV_NONE)
		cw_int(w, KXI_TAG_GPCARD_diversification, U_ENUMERATED,
		    g->diversification);
	cw_close(w, m);
}

static void
cw_policies(struct cw *w, const kxi_profile *p)
{
	const kxi_export_rules *e = &p->export_;
	size_t m;

	m = cw_open(w, KXI_TAG_PROFILE_export, CONS);
	cw_bool(w, KXI_TAG_EXPORT_allowed, e->allowed);
	if (e->forms != 0)
		cw_bits(w, KXI_TAG_EXPORT_forms, e->forms);
	cw_olist(w, KXI_TAG_EXPORT_destinations, &e->destinations,
	    "export destinations");
	cw_osmall(w, KXI_TAG_EXPORT_minWrapStrength, e->min_wrap_strength,
	    -1, "export minimum wrap strength");
	cw_otri(w, KXI_TAG_EXPORT_trustedKekOnly, e->trusted_kek_only);
	cw_close(w, m);
	cw_bool(w, KXI_TAG_PROFILE_sensitive, p->sensitive);
	m = cw_open(w, KXI_TAG_PROFILE_import, CONS);
	cw_bool(w, KXI_TAG_IMPORT_allowed, p->import_.allowed);
	cw_olist(w, KXI_TAG_IMPORT_sources, &p->import_.sources,
	    "import sources");
	cw_close(w, m);
}

static void
cw_tail(struct cw *w, const kxi_profile *p)
{
	const kxi_provenance *pv = &p->provenance;
	const kxi_split_info *sp = &p->split;
	size_t m, s, i;

	if (pv->always_sensitive != KXI_TRI_UNSET ||
	    pv->never_exported != KXI_TRI_UNSET || pv->generated_in != NULL) {
		m = cw_open(w, KXI_TAG_PROFILE_provenance, CONS);
		cw_otri(w, KXI_TAG_PROVENANCE_alwaysSensitive,
		    pv->always_sensitive);
		cw_otri(w, KXI_TAG_PROVENANCE_neverExported,
		    pv->never_exported);
		cw_ostr(w, KXI_TAG_PROVENANCE_generatedIn, pv->generated_in,
		    "provenance generated in");
		cw_close(w, m);
	}
	cw_otri(w, KXI_TAG_PROFILE_permanent, p->permanent);
	if (sp->n != 0 || sp->m != 0 || sp->method != KX_SPLIT_NONE ||
	    sp->dual_control != KXI_TRI_UNSET) {
		if (sp->n > 255 || sp->m > 255)
			cfail(w, KX_ESCHEMA, "split n or m above 255");
		m = cw_open(w, KXI_TAG_PROFILE_split, CONS);
		if (sp->n != 0)
			cw_int(w, KXI_TAG_SPLIT_n, U_INTEGER, sp->n);
		if (sp->m != 0)
			cw_int(w, KXI_TAG_SPLIT_m, U_INTEGER, sp->m);
		if (sp->method != KX_SPLIT_NONE)
			cw_int(w, KXI_TAG_SPLIT_method, U_ENUMERATED,
			    sp->method);
		cw_otri(w, KXI_TAG_SPLIT_dualControl, sp->dual_control);
		cw_close(w, m);
	}
	if (p->nrelations > 0) {
		m = cw_open(w, KXI_TAG_PROFILE_relations, CONS);
		for (i = 0; i < p->nrelations; i++) {
			s = cw_open(w, -1, U_SEQUENCE);
			cw_int(w, KXI_TAG_RELATION_type, U_ENUMERATED,
			    p->relations[i].type);
			cw_str(w, KXI_TAG_RELATION_ref, p->relations[i].ref,
			    "relation ref");
			cw_close(w, s);
		}
		cw_close(w, m);
	}
	if (p->nextensions > 0) {
		m = cw_open(w, KXI_TAG_PROFILE_extensions, CONS);
		for (i = 0; i < p->nextensions; i++) {
			const kxi_extension *e = &p->extensions[i];

			s = cw_open(w, -1, U_SEQUENCE);
			cw_str(w, KXI_TAG_EXTENSION_namespace, e->ns,
			    "extension namespace");
			cw_str(w, KXI_TAG_EXTENSION_name, e->name,
			    "extension name");
			cw_str(w, KXI_TAG_EXTENSION_value, e->value,
			    "extension value");
			cw_close(w, s);
		}
		cw_close(w, m);
	}
}

/* KeyProfile p as a TLV: universal SEQUENCE (ctx < 0) or [ctx]. */
static void
cw_profile(struct cw *w, int ctx, const kxi_profile *p)
{
	size_t m = cw_open(w, ctx, ctx < 0 ? U_SEQUENCE : CONS);

	w->key_id = p->id;
	cw_str(w, KXI_TAG_PROFILE_id, p->id, "key id");
	cw_ostr(w, KXI_TAG_PROFILE_name, p->name, "name");
	cw_ostr(w, KXI_TAG_PROFILE_description, p->description,
	    "description");
	cw_ostr(w, KXI_TAG_PROFILE_template, p->template_id, "template");
	cw_ostr(w, KXI_TAG_PROFILE_reference, p->reference, "reference");
	cw_ostr(w, KXI_TAG_PROFILE_version, p->version, "version");
	cw_revisions(w, p);
	cw_ostr(w, KXI_TAG_PROFILE_owner, p->owner, "owner");
	cw_ostr(w, KXI_TAG_PROFILE_creator, p->creator, "creator");
	cw_ostr(w, KXI_TAG_PROFILE_holder, p->holder, "holder");
	cw_olist(w, KXI_TAG_PROFILE_custodians, &p->custodians, "custodians");
	cw_int(w, KXI_TAG_PROFILE_class, U_ENUMERATED, p->cls);
	cw_int(w, KXI_TAG_PROFILE_algorithm, U_ENUMERATED, p->alg);
	cw_int(w, KXI_TAG_PROFILE_lengthBits, U_INTEGER, p->length_bits);
	cw_params(w, p);
	if (p->modes != 0)
		cw_bits(w, KXI_TAG_PROFILE_allowedModes, p->modes);
	cw_bits(w, KXI_TAG_PROFILE_usage, p->usage);
	if (p->role != KX_ROLE_NONE)
		cw_int(w, KXI_TAG_PROFILE_role, U_ENUMERATED, p->role);
	if (p->usage_limit >= 0)
		cw_int(w, KXI_TAG_PROFILE_usageLimit, U_INTEGER,
		    p->usage_limit);
	if (p->has_gp)
		cw_gp(w, &p->gp);
	cw_otime(w, KXI_TAG_PROFILE_notBefore, p->not_before, "notBefore");
	cw_otime(w, KXI_TAG_PROFILE_notAfter, p->not_after, "notAfter");
	cw_otime(w, KXI_TAG_PROFILE_protectUntil, p->protect_until,
	    "protectUntil");
	cw_otime(w, KXI_TAG_PROFILE_processUntil, p->process_until,
	    "processUntil");
	cw_ostr(w, KXI_TAG_PROFILE_cryptoperiod, p->cryptoperiod,
	    "cryptoperiod");
	cw_int(w, KXI_TAG_PROFILE_state, U_ENUMERATED, p->state);
	cw_otime(w, KXI_TAG_PROFILE_stateSince, p->state_since, "stateSince");
	cw_otime(w, KXI_TAG_PROFILE_revokedAt, p->revoked_at, "revokedAt");
	if (p->revocation_reason != KX_REV_NONE)
		cw_int(w, KXI_TAG_PROFILE_revocationReason, U_ENUMERATED,
		    p->revocation_reason);
	cw_int(w, KXI_TAG_PROFILE_mode, U_ENUMERATED, p->mode);
	cw_otime(w, KXI_TAG_PROFILE_created, p->created, "created");
	cw_policies(w, p);
	cw_tail(w, p);
	cw_close(w, m);
}

/* Run the writer into out (appended); out keeps its length on failure. */
static int
cw_done(struct cw *w, size_t start)
{
	if (w->r != KX_OK)
		w->b->len = start;
	return w->r;
}

int
kxi_canon_profile(const kxi_profile *p, kx_buf *out, kx_diag *d)
{
	struct cw w = { out, KX_OK, d, NULL };
	size_t start;

	if (p == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	start = out->len;
	cw_profile(&w, -1, p);
	return cw_done(&w, start);
}

int
kxi_canon_bound(const kx_doc *doc, const kxi_profile *p, kx_buf *out,
    kx_diag *d)
{
	struct cw w = { out, KX_OK, d, NULL };
	size_t start, m;

	if (doc == NULL || p == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	start = out->len;
	w.key_id = p->id;
	m = cw_open(&w, -1, U_SEQUENCE);
	cw_str(&w, KXI_TAG_HEADER_id, doc->id, "document id");
	cw_time(&w, KXI_TAG_HEADER_created, doc->created, "document created");
	cw_ostr(&w, KXI_TAG_HEADER_sender, doc->sender, "sender");
	cw_olist(&w, KXI_TAG_HEADER_recipients, &doc->recipients,
	    "recipients");
	cw_profile(&w, BOUND_TAG_PROFILE, p);
	cw_close(&w, m);
	return cw_done(&w, start);
}
