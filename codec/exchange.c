/*
 * exchange.c - export, import and rewrap: the only code that handles a
 * clear key value together with its profile.
 *
 * A key leaves a system bound to its profile and to the header of the
 * document that carries it: the wrapped value is AES-SIV (RFC 5297) under
 * a key derived from the transport key, with the canonical DER of a
 * BoundContext (document id, created, sender, recipients and the key's
 * KeyProfile, schema/kmsxchg.asn1) as associated data: binding version 2
 * (kmsxchg(5), doc/bound-wrap.md).  Changing any attribute of the profile
 * or any of those header fields makes the unwrap fail.  Version 1
 * documents (the profile alone) still import, but their header is not
 * trusted.  Clear values exist only in kx_secret buffers, one key at a
 * time, and are wiped after use; a document value only ever holds what
 * the operation made (the wrapped value and its binding).
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"

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

static int
is_tdea(enum kx_alg a)
{
	return a == KX_ALG_DES || a == KX_ALG_TDEA2 || a == KX_ALG_TDEA3;
}

/*
 * The algorithm of transport key kek of family fam (KX_ALG_AES or a
 * DES/TDEA one; KX_ALG_NONE: implied by the length only where that is
 * unambiguous, 32 bytes).  A 16- or 24-byte key may be AES or TDEA and
 * is never guessed.  The bound wrap takes AES transport keys only: a
 * TDEA one is refused, never relabelled.
 */
static int
kek_alg(const kx_secret *kek, enum kx_alg fam, const char *what,
    enum kx_alg *alg, kx_diag *d)
{
	size_t n = kx_secret_len(kek);

	if (fam == KX_ALG_NONE && (n == 16 || n == 24))
		return KX_FAIL(d, KX_EUSAGE, "the %s is %zu bytes, which may "
		    "be AES-%zu or TDEA: its algorithm must be named", what,
		    n, n * 8);
	if (is_tdea(fam))
		return KX_FAIL(d, KX_EUNSUPPORTED, "the %s is a TDEA key: the "
		    "aes-siv-bound wrap takes AES transport keys only (TDEA "
		    "transport keys are not supported yet)", what);
	if (kx_alg_for_len(KX_ALG_AES, n, alg) != KX_OK)
		return KX_FAIL(d, KX_EUSAGE, "the %s must be an AES key of 16, "
		    "24 or 32 bytes (got %zu bytes)", what, n);
	return KX_OK;
}

unsigned
kxi_binding_version(const char *method)
{
	if (method == NULL)
		return 0;
	if (strcmp(method, KXI_BINDING_V2) == 0)
		return 2;
	if (strcmp(method, KXI_BINDING_V1) == 0)
		return 1;
	return 0;
}

int
kxi_bound_aad(const kx_doc *doc, const kx_key *k, unsigned v, kx_buf *aad,
    uint8_t md[32], kx_diag *d)
{
	unsigned int n = 0;
	int r;

	aad->len = 0;
	r = v == 2 ? kxi_bound_der(doc, &k->prof, aad, d) :
	    v == 1 ? kxi_profile_der(&k->prof, aad, d) : KX_EUNSUPPORTED;
	if (r != KX_OK)
		return KX_FAIL(d, r, "key %s: cannot encode the data its value "
		    "is bound to", k->prof.id ? k->prof.id : "-");
	if (md != NULL && (EVP_Digest(aad->data, aad->len, md, &n,
	    EVP_sha256(), NULL) != 1 || n != 32))
		return kxi_diag_openssl(d, KX_ECRYPTO, "SHA-256");
	return KX_OK;
}

int
kxi_binding_check(const kx_doc *doc, const kx_key *k, unsigned *v,
    char *msg, size_t size)
{
	const kx_keyval *val = &k->value;
	kx_buf aad = { 0 };
	uint8_t md[32];
	int r;

	*v = kxi_binding_version(val->binding_method);
	/* Other values are not bound: import refuses them anyway. */
	if (val->form != KX_VALUE_WRAPPED ||
	    val->alg != KX_WRAP_AES_SIV_BOUND)
		return KX_OK;
	if (val->binding_method == NULL) {
		snprintf(msg, size, "aes-siv-bound value without a binding "
		    "method: what it is bound to is unknown");
		return KX_EUNSUPPORTED;
	}
	if (*v == 0) {
		snprintf(msg, size, "binding method '%.64s' is unknown (this "
		    "reader knows %s and %s)", val->binding_method,
		    KXI_BINDING_V2, KXI_BINDING_V1);
		return KX_EUNSUPPORTED;
	}
	if (val->binding_digest.n == 0)
		return KX_OK;	/* optional; AES-SIV decides */
	r = kxi_bound_aad(doc, k, *v, &aad, md, NULL);
	kx_buf_free(&aad);
	if (r != KX_OK) {
		snprintf(msg, size, "cannot compute the data the value is "
		    "bound to (%s)", kx_strerror(r));
		return r;
	}
	if (val->binding_digest.n != sizeof(md) ||
	    CRYPTO_memcmp(val->binding_digest.p, md, sizeof(md)) != 0) {
		snprintf(msg, size, "binding digest does not match the %s of "
		    "this document: changed after export",
		    *v == 2 ? "header and profile" : "profile");
		return KX_ECRYPTO;
	}
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
set_tk(kx_doc *doc, const char *id, const kx_secret *kek, enum kx_alg alg,
    const kx_xchg_opts *o, kx_diag *d)
{
	kx_tk *t = (kx_tk *)kxi_doc_find_tk(doc, id);
	uint8_t kcv[3];
	unsigned i;
	int r;

	if (t == NULL && (t = kxi_doc_add_tk(doc)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	memset(t, 0, sizeof(*t));
	t->loc.off = -1;
	t->id = kxi_strdup(&doc->arena, id);
	t->alg = alg;
	t->length_bits = (unsigned)kx_secret_len(kek) * 8;
	t->kcv_method = kx_kcv_default_method(alg);
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

/*
 * Wrap value under kek, bound (binding version v) to k's profile and
 * doc's header, into *val: a whole new value that holds the wrapped bytes
 * and the binding and nothing else (no clear value, component, IV or
 * anything the old value had).  Arena strings and bytes.
 */
static int
bind_value(kx_doc *doc, const kx_key *k, unsigned v, const kx_secret *value,
    const kx_secret *kek, const char *kek_id, kx_keyval *val, kx_diag *d)
{
	kx_buf aad = { 0 }, out = { 0 };
	uint8_t md[32];
	int r;

	memset(val, 0, sizeof(*val));
	if ((r = kxi_bound_aad(doc, k, v, &aad, md, d)) != KX_OK)
		goto out;
	if ((r = kxi_bound_wrap(v, kek, value, aad.data, aad.len, &out, d)) !=
	    KX_OK)
		goto out;
	val->form = KX_VALUE_WRAPPED;
	val->alg = KX_WRAP_AES_SIV_BOUND;
	val->kek_id = kxi_strdup(&doc->arena, kek_id);
	val->data.p = kxi_memdup(&doc->arena, out.data, out.len);
	val->data.n = out.len;
	val->binding_method = v == 2 ? KXI_BINDING_V2 : KXI_BINDING_V1;
	val->binding_digest.p = kxi_memdup(&doc->arena, md, sizeof(md));
	val->binding_digest.n = sizeof(md);
	if (val->kek_id == NULL || val->data.p == NULL ||
	    val->binding_digest.p == NULL)
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
	enum kx_alg alg, kek_a;
	int r = KX_EINTERNAL, bad = 0;

	if (doc == NULL || kek == NULL || o == NULL || o->kek_id == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (nvalues != doc->nkeys)
		return KX_FAIL(d, KX_EUSAGE, "%zu key values for %zu keys",
		    nvalues, doc->nkeys);
	if (doc->nkeys == 0)
		return KX_FAIL(d, KX_EUSAGE, "no key to export");
	if ((r = kek_alg(kek, o->kek_alg, "transport key", &kek_a, d)) !=
	    KX_OK)
		return r;
	/* Header of the exchange document (bound into every value). */
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
		if ((r = bind_value(doc, k, 2, values[i], kek, o->kek_id,
		    &k->value, d)) != KX_OK)
			return r;
	}
	if ((r = set_tk(doc, o->kek_id, kek, kek_a, o, d)) != KX_OK)
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
/*
 * The KEK given (of family fam; KX_ALG_NONE: as the document says) is
 * transport key t: same algorithm family and length, same KCV.
 */
static int
check_kek(const kx_doc *doc, const kx_tk *t, const kx_secret *kek,
    enum kx_alg fam, kx_diag *d)
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
	if (fam != KX_ALG_NONE && is_tdea(fam) != is_tdea(t->alg))
		return kxi_diag_add(d, "KX133", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &t->loc, NULL, "the KEK given is %s key, "
		    "transport key %s is %s", is_tdea(fam) ? "a TDEA" :
		    "an AES", t->id, kx_name(KX_E_ALG, t->alg));
	if ((r = kek_alg(kek, t->alg, "transport key", &alg, d)) != KX_OK)
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

/*
 * Unwrap key i, verifying the binding (a known method, a matching digest,
 * AES-SIV over the bound data) and the KCV.  These checks hold whatever a
 * policy says about rule KX135.
 */
static int
unwrap_key(const kx_doc *doc, size_t i, const kx_secret *kek,
    kx_secret **out, kx_diag *d)
{
	const kx_key *k = &doc->keys[i];
	kx_buf aad = { 0 };
	uint8_t kcv[16];
	char msg[160];
	unsigned v;
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
	if ((r = kxi_binding_check(doc, k, &v, msg, sizeof(msg))) != KX_OK) {
		r = kxi_diag_add(d, "KX135", KX_SEV_ERROR, r, doc->source,
		    &k->loc[KXF_VALUE], k->prof.id, "%s", msg);
		goto out;
	}
	if ((r = kxi_bound_aad(doc, k, v, &aad, NULL, d)) != KX_OK)
		goto out;
	/* KX134 says all a failed SIV check can say: no second message. */
	if (kxi_bound_unwrap(v, kek, k->value.data.p, k->value.data.n,
	    aad.data, aad.len, out, NULL) != KX_OK) {
		r = kxi_diag_add(d, "KX134", KX_SEV_ERROR, KX_ECRYPTO,
		    doc->source, &k->loc[KXF_VALUE], k->prof.id, "the "
		    "wrapped value does not verify under transport key %s: "
		    "its %s or value was changed after export",
		    k->value.kek_id, v == 2 ? "profile, the document header" :
		    "profile");
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
	/* A version 1 binding leaves the sender unauthenticated. */
	if (kxi_binding_version(k->value.binding_method) < 2)
		return kxi_diag_add(d, "KX127", KX_SEV_ERROR, KX_EPOLICY,
		    doc->source, &k->loc[KXF_EXPORT], p->id, "may be imported "
		    "only from named sources, and this document's sender is "
		    "not authenticated (binding %s does not cover the "
		    "header)", k->value.binding_method ?
		    k->value.binding_method : "none");
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
	size_t i, v1 = 0;
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
		if ((r = check_kek(doc, t, kek, o ? o->from_kek_alg :
		    KX_ALG_NONE, d)) != KX_OK)
			return r;	/* one wrong KEK explains them all */
		if (unwrap_key(doc, i, kek, &v, d) != KX_OK)
			bad = 1;
		kx_secret_free(v);
		v = NULL;
		if (kxi_binding_version(k->value.binding_method) == 1)
			v1++;
	}
	/* Import trusts the header; rewrap decides nothing on it. */
	if (check_import && v1 > 0)
		kxi_diag_add(d, "KX136", KX_SEV_WARNING, KX_OK, doc->source,
		    &doc->loc, NULL, "the header (id, created, sender, "
		    "recipients) is not authenticated: %zu key%s bound with "
		    "%s (the profile only)", v1, v1 == 1 ? " is" : "s are",
		    KXI_BINDING_V1);
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
	kx_keyval *vals = NULL;
	kx_secret *v = NULL;
	const char *to_id;
	enum kx_alg alg;
	unsigned ver;
	size_t i;
	int r;

	if (doc == NULL || from == NULL || to == NULL || o == NULL ||
	    o->kek_id == NULL)
		kxi_misuse(__func__, "NULL argument");
	if ((r = kek_alg(to, o->kek_alg, "new transport key", &alg, d)) !=
	    KX_OK)
		return r;
	if ((r = verify_all(doc, from, o, 0, d)) != KX_OK)
		return r;
	/* New values first; the document changes only when all are made. */
	vals = kxi_alloc(&doc->arena, doc->nkeys * sizeof(*vals));
	to_id = kxi_strdup(&doc->arena, o->kek_id);
	if (vals == NULL || to_id == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	for (i = 0; i < doc->nkeys; i++) {
		const kx_key *k = &doc->keys[i];

		if ((r = unwrap_key(doc, i, from, &v, d)) != KX_OK)
			goto out;
		/*
		 * The binding version stays: re-binding a version 1 value
		 * as version 2 would vouch for a header nobody verified.
		 */
		ver = kxi_binding_version(k->value.binding_method);
		if ((r = bind_value(doc, k, ver, v, to, to_id, &vals[i], d)) !=
		    KX_OK)
			goto out;
		kx_secret_free(v);
		v = NULL;
	}
	/* Drop the old transport keys no key refers to any more. */
	doc->ntks = 0;
	if ((r = set_tk(doc, to_id, to, alg, o, d)) != KX_OK)
		goto out;
	for (i = 0; i < doc->nkeys; i++)
		doc->keys[i].value = vals[i];
	r = KX_OK;
out:
	kx_secret_free(v);
	return r;
}
