/*
 * exchange.c - export, import and rewrap: the only code that handles a
 * clear key value together with its profile.
 *
 * A key leaves a system bound to its profile: the wrapped value is
 * AES-SIV (RFC 5297) under a key derived from the transport key, with the
 * canonical DER of the profile (the KeyProfile type of schema/kmsxchg.asn1)
 * as associated data (kmsxchg(5), doc/bound-wrap.md).  Changing any
 * attribute of the profile makes the unwrap fail.  Clear values exist only
 * in kx_secret buffers, one key at a time, and are wiped after use.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

#define BINDING_METHOD "profile-der-v1"

const char *
kx_key_id(const kx_key *k)
{
	return k == NULL ? NULL : k->prof.id;
}

const uint8_t *
kx_key_kcv(const kx_key *k, size_t *len, enum kx_kcv_method *method)
{
	if (k == NULL || k->kcv.n == 0) {
		*len = 0;
		*method = KX_KCV_NONE;
		return NULL;
	}
	*len = k->kcv.n;
	*method = k->kcv_method;
	return k->kcv.p;
}

enum kx_format
kx_doc_format(const kx_doc *doc)
{
	return doc == NULL ? KX_FMT_AUTO : doc->source_format;
}

long
kx_doc_find_key(const kx_doc *doc, const char *id)
{
	const kx_key *k = kxi_doc_find_key(doc, id);

	return k == NULL ? -1 : (long)(k - doc->keys);
}

/* The algorithm family a clear value of this length belongs to. */
static int
kek_alg(const kx_secret *kek, enum kx_alg *alg, kx_diag *d)
{
	if (kx_alg_for_len(KX_ALG_AES, kx_secret_len(kek), alg) != KX_OK)
		return KX_FAIL(d, KX_EUSAGE, "transport key must be an AES "
		    "key of 16, 24 or 32 bytes (got %zu bytes)",
		    kx_secret_len(kek));
	return KX_OK;
}

static int
bound_aad(const kx_profile *p, kx_buf *aad, kx_diag *d)
{
	int r;

	aad->len = 0;
	if ((r = kxi_profile_der(p, aad, d)) != KX_OK)
		return KX_FAIL(d, r, "key %s: cannot encode its profile",
		    p->id ? p->id : "-");
	return KX_OK;
}

/* Families a KCV is defined for (DES, TDEA, AES); HMAC keys have none. */
static int
has_kcv(enum kx_alg alg)
{
	return alg == KX_ALG_DES || alg == KX_ALG_TDEA2 ||
	    alg == KX_ALG_TDEA3 || alg == KX_ALG_AES;
}

/* KCV of value with the key's method into out; returns its length. */
static int
key_kcv(const kx_key *k, enum kx_alg alg, const kx_secret *value,
    uint8_t out[16], size_t *len, kx_diag *d)
{
	enum kx_kcv_method m = k->kcv_method != KX_KCV_NONE ?
	    k->kcv_method : kx_kcv_default_method(alg);

	*len = k->kcv.n ? k->kcv.n : kx_kcv_default_len(m);
	if (*len > 16)
		return KX_FAIL(d, KX_ESYNTAX, "key %s: KCV too long",
		    k->prof.id);
	return kx_kcv_compute(alg, m, value, out, *len, d);
}

static int
kcv_mismatch(kx_diag *d, const char *file, const kx_key *k,
    const uint8_t *got, size_t n)
{
	char want[33], have[33];

	kxi_hex_encode(k->kcv.p, k->kcv.n > 16 ? 16 : k->kcv.n, want);
	kxi_hex_encode(got, n, have);
	return kxi_diag_add(d, "KX131", KX_SEV_ERROR, KX_EKCV, file,
	    &k->loc[KXF_KCV], k->prof.id, "KCV of the value is %s, the "
	    "profile says %s", have, want);
}

/* Record (or update) the transport-key reference for kek in doc. */
static int
set_tk(kx_doc *doc, const char *id, const kx_secret *kek,
    const kx_xchg_opts *o, kx_diag *d)
{
	kx_tk *t = (kx_tk *)kxi_doc_find_tk(doc, id);
	enum kx_alg alg;
	uint8_t kcv[3];
	unsigned i;
	int r;

	if ((r = kek_alg(kek, &alg, d)) != KX_OK)
		return r;
	if (t == NULL && (t = kxi_doc_add_tk(doc)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	memset(t, 0, sizeof(*t));
	t->loc.off = -1;
	t->id = kxi_strdup(&doc->arena, id);
	t->alg = alg;
	t->length_bits = (unsigned)kx_secret_len(kek) * 8;
	t->kcv_method = KX_KCV_GP_AES;
	if ((r = kx_kcv_compute(alg, t->kcv_method, kek, kcv, sizeof(kcv),
	    d)) != KX_OK)
		return r;
	t->kcv.p = kxi_memdup(&doc->arena, kcv, sizeof(kcv));
	t->kcv.n = sizeof(kcv);
	if (o != NULL && o->kek_parts >= 2 && o->kek_part_kcvs != NULL) {
		t->comp_n = o->kek_parts;
		t->comp_m = o->kek_threshold;
		t->comp_method = o->kek_threshold ? KX_SPLIT_SHAMIR :
		    KX_SPLIT_XOR;
		t->comp_kcvs = kxi_alloc(&doc->arena,
		    o->kek_parts * sizeof(*t->comp_kcvs));
		if (t->comp_kcvs == NULL)
			return KX_FAIL(d, KX_ENOMEM, "out of memory");
		for (i = 0; i < o->kek_parts; i++) {
			t->comp_kcvs[i].p = kxi_memdup(&doc->arena,
			    o->kek_part_kcvs[i], 3);
			t->comp_kcvs[i].n = 3;
		}
	}
	if (t->id == NULL || t->kcv.p == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	return KX_OK;
}

/* The checks a sender's profile imposes before a key may leave. */
static int
export_allowed(const kx_doc *doc, const kx_key *k, const kx_secret *kek,
    const kx_xchg_opts *o, kx_diag *d)
{
	const kx_profile *p = &k->prof;
	const kx_loc *el = &k->loc[KXF_EXPORT];
	const char *f = doc->source;
	unsigned ks, ws, need;
	size_t i;
	int ok = 1;

	if (!p->export_.allowed) {
		ok = 0;
		kxi_diag_add(d, "KX120", KX_SEV_ERROR, KX_EPOLICY, f, el,
		    p->id, "not exportable");
	}
	if (p->state != KX_STATE_ACTIVE) {
		ok = 0;
		kxi_diag_add(d, "KX125", KX_SEV_ERROR, KX_EPOLICY, f,
		    &k->loc[KXF_STATE], p->id, "%s; only active keys may be "
		    "exported", kx_name(KX_E_STATE, p->state));
	}
	if (p->not_after != KX_UNSET_TIME && p->not_after < o->now) {
		ok = 0;
		kxi_diag_add(d, "KX104", KX_SEV_ERROR, KX_EPOLICY, f,
		    &k->loc[KXF_VALIDITY], p->id, "expired; expired keys may "
		    "not be exported");
	}
	if (p->export_.forms != 0 &&
	    (p->export_.forms & (1u << KX_FORM_BOUND_BLOCK)) == 0) {
		ok = 0;
		kxi_diag_add(d, "KX123", KX_SEV_ERROR, KX_EPOLICY, f, el,
		    p->id, "may not be exported as a bound "
		    "block");
	}
	if (p->export_.destinations.n > 0) {
		const char *to = doc->recipients.n ? doc->recipients.v[0] :
		    NULL;

		for (i = 0; to != NULL && i < p->export_.destinations.n; i++)
			if (strcmp(p->export_.destinations.v[i], to) == 0)
				break;
		if (to == NULL || i == p->export_.destinations.n) {
			ok = 0;
			kxi_diag_add(d, "KX122", KX_SEV_ERROR,
			    KX_EPOLICY, f, el, p->id, "may not be exported to %s",
			    to ? to :
			    "an unnamed recipient");
		}
	}
	ks = kx_strength(p->alg, p->length_bits, p->hmac_hash);
	need = p->export_.min_wrap_strength != KX_UNSET ?
	    (unsigned)p->export_.min_wrap_strength : ks;
	ws = kx_wrap_strength(KX_WRAP_AES_SIV_BOUND, KX_ALG_AES,
	    (unsigned)kx_secret_len(kek) * 8);
	if (ws < need) {
		ok = 0;
		kxi_diag_add(d, "KX121", KX_SEV_ERROR, KX_EPOLICY, f, el,
		    p->id, "%u bits of security may not be "
		    "wrapped under a %u-bit transport key", need, ws);
	}
	return ok ? KX_OK : KX_EPOLICY;
}

static int
digest(kxi_arena *a, const kx_buf *in, kx_bytes *out, kx_diag *d)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(in->data, in->len, md, &n, EVP_sha256(), NULL) != 1)
		return kxi_diag_openssl(d, KX_ECRYPTO, "SHA-256");
	out->p = kxi_memdup(a, md, n);
	out->n = n;
	return out->p == NULL ? KX_FAIL(d, KX_ENOMEM, "out of memory") : KX_OK;
}

/* Wrap value under kek bound to k's profile into k->value. */
static int
bind_value(kx_doc *doc, kx_key *k, const kx_secret *value,
    const kx_secret *kek, const char *kek_id, kx_diag *d)
{
	kx_buf aad = { 0 }, out = { 0 };
	int r;

	if ((r = bound_aad(&k->prof, &aad, d)) != KX_OK)
		goto out;
	if ((r = kx_wrap(KX_WRAP_AES_SIV_BOUND, kek, value, aad.data, aad.len,
	    &out, d)) != KX_OK)
		goto out;
	k->value.form = KX_VALUE_WRAPPED;
	k->value.alg = KX_WRAP_AES_SIV_BOUND;
	k->value.kek_id = kxi_strdup(&doc->arena, kek_id);
	k->value.iv.p = NULL;
	k->value.iv.n = 0;
	k->value.data.p = kxi_memdup(&doc->arena, out.data, out.len);
	k->value.data.n = out.len;
	k->value.binding_method = BINDING_METHOD;
	if ((r = digest(&doc->arena, &aad, &k->value.binding_digest, d))
	    != KX_OK)
		goto out;
	if (k->value.kek_id == NULL || k->value.data.p == NULL)
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
out:
	kx_buf_free(&aad);
	kx_buf_free(&out);
	return r;
}

static void
derive_doc_id(kx_doc *doc, int64_t now)
{
	char t[21], id[40];

	kx_time_format(now, t);
	/* KX-YYYYMMDDThhmmssZ: unique per second per sender */
	snprintf(id, sizeof(id), "KX-%.4s%.2s%.2sT%.2s%.2s%.2sZ", t, t + 5,
	    t + 8, t + 11, t + 14, t + 17);
	doc->id = kxi_strdup(&doc->arena, id);
}

int
kx_export(kx_doc *doc, kx_secret *const *values, size_t nvalues,
    const kx_secret *kek, const kx_xchg_opts *o, kx_diag *d)
{
	kx_diag *rd = NULL;
	uint8_t kcv[16];
	size_t i, n;
	enum kx_alg alg;
	int r = KX_EINTERNAL, bad = 0;

	if (doc == NULL || kek == NULL || o == NULL || o->kek_id == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (nvalues != doc->nkeys)
		return KX_FAIL(d, KX_EUSAGE, "%zu key values for %zu keys",
		    nvalues, doc->nkeys);
	if (doc->nkeys == 0)
		return KX_FAIL(d, KX_EUSAGE, "no key to export");
	if ((r = kek_alg(kek, &alg, d)) != KX_OK)
		return r;
	/* Header of the exchange document. */
	if (o->doc_id != NULL)
		doc->id = kxi_strdup(&doc->arena, o->doc_id);
	else
		derive_doc_id(doc, o->now);
	doc->created = o->now;
	if (o->sender != NULL)
		doc->sender = kxi_strdup(&doc->arena, o->sender);
	if (o->recipient != NULL) {
		doc->recipients.n = 0;
		if (kxi_strlist_add(&doc->arena, &doc->recipients,
		    o->recipient) != KX_OK)
			return KX_FAIL(d, KX_ENOMEM, "out of memory");
	}
	/* Every restriction of every key first: refuse before any wrap. */
	for (i = 0; i < doc->nkeys; i++)
		if (export_allowed(doc, &doc->keys[i], kek, o, d) != KX_OK)
			bad = 1;
	if (bad)
		return KX_EPOLICY;
	for (i = 0; i < doc->nkeys; i++) {
		kx_key *k = &doc->keys[i];

		size_t vlen = kx_secret_len(values[i]);

		if (!has_kcv(k->prof.alg) && k->prof.alg != KX_ALG_HMAC)
			return kxi_diag_add(d, "KX101", KX_SEV_ERROR,
			    KX_EUNSUPPORTED, doc->source, &k->loc[KXF_ALG],
			    k->prof.id, "export of %s keys is not supported "
			    "(symmetric keys only)",
			    kx_name(KX_E_ALG, k->prof.alg));
		if (vlen * 8 != k->prof.length_bits || (has_kcv(k->prof.alg) &&
		    (kx_alg_for_len(k->prof.alg == KX_ALG_AES ? KX_ALG_AES :
		    KX_ALG_TDEA2, vlen, &alg) != KX_OK || alg != k->prof.alg)))
			return kxi_diag_add(d, "KX101", KX_SEV_ERROR,
			    KX_EUSAGE, doc->source, &k->loc[KXF_ALG],
			    k->prof.id, "the value (%zu bytes) does not "
			    "fit the profile (%s/%u)", vlen,
			    kx_name(KX_E_ALG, k->prof.alg),
			    k->prof.length_bits);
		/* HMAC keys have no KCV method: the binding alone. */
		if (has_kcv(alg = k->prof.alg)) {
			if ((r = key_kcv(k, alg, values[i], kcv, &n, d)) !=
			    KX_OK)
				return r;
			if (k->kcv.n != 0 && memcmp(k->kcv.p, kcv, n) != 0)
				return kcv_mismatch(d, doc->source, k, kcv, n);
			if (k->kcv.n == 0) {
				k->kcv.p = kxi_memdup(&doc->arena, kcv, n);
				k->kcv.n = n;
			}
			if (k->kcv_method == KX_KCV_NONE)
				k->kcv_method = kx_kcv_default_method(alg);
		}
		if ((r = bind_value(doc, k, values[i], kek, o->kek_id, d))
		    != KX_OK)
			return r;
	}
	if ((r = set_tk(doc, o->kek_id, kek, o, d)) != KX_OK)
		return r;
	/* The document must pass every rule the policy makes an error. */
	if ((rd = kx_diag_new()) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	if ((r = kx_doc_validate(doc, o->policy, o->now, NULL, rd)) != KX_OK)
		goto out;
	r = KX_OK;
	for (i = 0; i < kx_diag_count(rd); i++) {
		const kx_finding *f = kx_diag_get(rd, i);

		kxi_diag_add(d, f->rule, f->severity, f->rc, f->file,
		    &(kx_loc){ f->line, f->col, f->offset }, f->key_id, "%s",
		    f->message);
		if (f->severity == KX_SEV_ERROR)
			r = KX_EPOLICY;
	}
out:
	kx_diag_free(rd);
	return r;
}

/* ---- import -------------------------------------------------------- */
static int
check_kek(const kx_doc *doc, const kx_tk *t, const kx_secret *kek,
    kx_diag *d)
{
	uint8_t kcv[16];
	char want[33], have[33];
	enum kx_alg alg;
	size_t n = t->kcv.n;
	int r;

	if (n == 0 || n > sizeof(kcv))
		return kxi_diag_add(d, "KX133", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &t->loc, NULL, "transport key %s has no "
		    "usable KCV to check the KEK against", t->id);
	if ((r = kek_alg(kek, &alg, d)) != KX_OK)
		return r;
	if ((r = kx_kcv_compute(alg, t->kcv_method, kek, kcv, n, d)) != KX_OK)
		return r;
	if ((unsigned)kx_secret_len(kek) * 8 != t->length_bits ||
	    memcmp(kcv, t->kcv.p, n) != 0) {
		kxi_hex_encode(t->kcv.p, n, want);
		kxi_hex_encode(kcv, n, have);
		return kxi_diag_add(d, "KX133", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &t->loc, NULL, "the KEK given (KCV %s) is "
		    "not transport key %s (KCV %s)", have, t->id, want);
	}
	return KX_OK;
}

/* Unwrap key i, verifying binding and KCV. */
static int
unwrap_key(const kx_doc *doc, size_t i, const kx_secret *kek,
    kx_secret **out, kx_diag *d)
{
	const kx_key *k = &doc->keys[i];
	kx_buf aad = { 0 };
	uint8_t kcv[16];
	size_t n;
	int r;

	*out = NULL;
	if (k->value.form != KX_VALUE_WRAPPED ||
	    k->value.alg != KX_WRAP_AES_SIV_BOUND) {
		r = kxi_diag_add(d, "KX123", KX_SEV_ERROR, KX_EUNSUPPORTED,
		    doc->source, &k->loc[KXF_VALUE], k->prof.id, "only "
		    "aes-siv-bound values can be imported (got %s %s)",
		    kx_name(KX_E_VALUE_FORM, k->value.form),
		    kx_name(KX_E_WRAP_ALG, k->value.alg));
		goto out;
	}
	if ((r = bound_aad(&k->prof, &aad, d)) != KX_OK)
		goto out;
	/* KX134 says all a failed SIV check can say: no second message. */
	if (kx_unwrap(KX_WRAP_AES_SIV_BOUND, kek, k->value.data.p,
	    k->value.data.n, aad.data, aad.len, out, NULL) != KX_OK) {
		r = kxi_diag_add(d, "KX134", KX_SEV_ERROR, KX_ECRYPTO,
		    doc->source, &k->loc[KXF_VALUE], k->prof.id, "the "
		    "wrapped value does not verify under transport key %s: "
		    "its profile or value was changed after export",
		    k->value.kek_id);
		goto out;
	}
	if ((unsigned)kx_secret_len(*out) * 8 != k->prof.length_bits) {
		r = kxi_diag_add(d, "KX101", KX_SEV_ERROR, KX_ESYNTAX,
		    doc->source, &k->loc[KXF_ALG], k->prof.id, "unwrapped "
		    "%zu bytes for a %u-bit key", kx_secret_len(*out),
		    k->prof.length_bits);
		goto out;
	}
	if (!has_kcv(k->prof.alg)) {
		r = KX_OK;	/* HMAC: the binding authenticates the value */
		goto out;
	}
	if ((r = key_kcv(k, k->prof.alg, *out, kcv, &n, d)) != KX_OK)
		goto out;
	if (k->kcv.n == 0 || memcmp(k->kcv.p, kcv, n) != 0) {
		r = k->kcv.n == 0 ? kxi_diag_add(d, "KX132", KX_SEV_ERROR,
		    KX_EKCV, doc->source, &k->loc[KXF_KCV], k->prof.id,
		    "no KCV to check the value against") :
		    kcv_mismatch(d, doc->source, k, kcv, n);
		goto out;
	}
	r = KX_OK;
out:
	kx_buf_free(&aad);
	if (r != KX_OK) {
		kx_secret_free(*out);
		*out = NULL;
	}
	return r;
}

static int
import_allowed(const kx_doc *doc, const kx_key *k, kx_diag *d)
{
	const kx_profile *p = &k->prof;
	size_t i;

	if (!p->import_.allowed)
		return kxi_diag_add(d, "KX127", KX_SEV_ERROR, KX_EPOLICY,
		    doc->source, &k->loc[KXF_EXPORT], p->id, "may not be "
		    "imported");
	if (p->import_.sources.n == 0)
		return KX_OK;
	for (i = 0; doc->sender != NULL && i < p->import_.sources.n; i++)
		if (strcmp(p->import_.sources.v[i], doc->sender) == 0)
			return KX_OK;
	return kxi_diag_add(d, "KX127", KX_SEV_ERROR, KX_EPOLICY, doc->source,
	    &k->loc[KXF_EXPORT], p->id, "may not be imported from %s",
	    doc->sender ? doc->sender : "an unnamed sender");
}

/* Validate, then verify every key; used by import and rewrap. */
static int
verify_all(const kx_doc *doc, const kx_secret *kek, const kx_xchg_opts *o,
    int check_import, kx_diag *d)
{
	kx_diag *rd;
	kx_secret *v = NULL;
	const kx_tk *t;
	size_t i;
	int r, bad = 0;

	if ((rd = kx_diag_new()) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	r = kx_doc_validate(doc, o ? o->policy : NULL, o ? o->now : 0, NULL,
	    rd);
	for (i = 0; r == KX_OK && i < kx_diag_count(rd); i++) {
		const kx_finding *f = kx_diag_get(rd, i);

		kxi_diag_add(d, f->rule, f->severity, f->rc, f->file,
		    &(kx_loc){ f->line, f->col, f->offset }, f->key_id, "%s",
		    f->message);
		if (f->severity == KX_SEV_ERROR)
			bad = 1;
	}
	kx_diag_free(rd);
	if (r != KX_OK)
		return r;
	if (bad)
		return KX_EPOLICY;
	if (doc->nkeys == 0)
		return KX_FAIL(d, KX_EUSAGE, "%s holds no key", doc->source ?
		    doc->source : "the document");
	for (i = 0; i < doc->nkeys; i++) {
		const kx_key *k = &doc->keys[i];

		if (check_import && import_allowed(doc, k, d) != KX_OK) {
			bad = 1;
			continue;
		}
		if ((t = kxi_doc_find_tk(doc, k->value.kek_id)) == NULL) {
			bad = 1;
			kxi_diag_add(d, "KX141", KX_SEV_ERROR,
			    KX_ENOTFOUND, doc->source, &k->loc[KXF_VALUE],
			    k->prof.id, "transport key %s is not "
			    "defined", k->value.kek_id ?
			    k->value.kek_id : "-");
			continue;
		}
		if ((r = check_kek(doc, t, kek, d)) != KX_OK)
			return r;	/* one wrong KEK explains them all */
		if (unwrap_key(doc, i, kek, &v, d) != KX_OK)
			bad = 1;
		kx_secret_free(v);
		v = NULL;
	}
	return bad ? KX_EPOLICY : KX_OK;
}

int
kx_import(const kx_doc *doc, const kx_secret *kek, const kx_xchg_opts *o,
    kx_key_cb cb, void *arg, kx_diag *d)
{
	kx_secret *v = NULL;
	size_t i;
	int r;

	if (doc == NULL || kek == NULL || cb == NULL)
		kxi_misuse(__func__, "NULL argument");
	if ((r = verify_all(doc, kek, o, 1, d)) != KX_OK)
		return r;
	for (i = 0; i < doc->nkeys; i++) {
		if ((r = unwrap_key(doc, i, kek, &v, d)) != KX_OK)
			return r;
		r = cb(arg, doc, i, v, d);
		kx_secret_free(v);
		v = NULL;
		if (r != KX_OK)
			return r;
	}
	return KX_OK;
}

int
kx_rewrap(kx_doc *doc, const kx_secret *from, const kx_secret *to,
    const kx_xchg_opts *o, kx_diag *d)
{
	kx_buf aad = { 0 }, out = { 0 };
	kx_bytes *data = NULL;
	kx_secret *v = NULL;
	const char *to_id;
	enum kx_alg alg;
	size_t i;
	int r;

	if (doc == NULL || from == NULL || to == NULL || o == NULL ||
	    o->kek_id == NULL)
		kxi_misuse(__func__, "NULL argument");
	if ((r = kek_alg(to, &alg, d)) != KX_OK)
		return r;
	if ((r = verify_all(doc, from, o, 0, d)) != KX_OK)
		return r;
	/* New values first; the document changes only when all are made. */
	data = kxi_alloc(&doc->arena, doc->nkeys * sizeof(*data));
	to_id = kxi_strdup(&doc->arena, o->kek_id);
	if (data == NULL || to_id == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	for (i = 0; i < doc->nkeys; i++) {
		kx_key *k = &doc->keys[i];

		if ((r = unwrap_key(doc, i, from, &v, d)) != KX_OK)
			goto out;
		if ((r = bound_aad(&k->prof, &aad, d)) != KX_OK)
			goto out;
		out.len = 0;
		if ((r = kx_wrap(KX_WRAP_AES_SIV_BOUND, to, v, aad.data,
		    aad.len, &out, d)) != KX_OK)
			goto out;
		kx_secret_free(v);
		v = NULL;
		data[i].p = kxi_memdup(&doc->arena, out.data, out.len);
		data[i].n = out.len;
		if (data[i].p == NULL) {
			r = KX_FAIL(d, KX_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* Drop the old transport keys no key refers to any more. */
	doc->ntks = 0;
	if ((r = set_tk(doc, to_id, to, o, d)) != KX_OK)
		goto out;
	for (i = 0; i < doc->nkeys; i++) {
		doc->keys[i].value.data = data[i];
		doc->keys[i].value.kek_id = to_id;
	}
	r = KX_OK;
out:
	kx_secret_free(v);
	kx_buf_free(&aad);
	kx_buf_free(&out);
	return r;
}
