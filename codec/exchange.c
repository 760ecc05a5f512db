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
	const kx_key *k = doc != NULL ? kxi_doc_find_key(doc, id) : NULL;

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
		return KX_FAIL(d, KX_EINPUT, "the %s must be an AES key of 16, "
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

/*
 * KCV of value with the key's method into out; returns its length.  The
 * length is the document's own, within what the method allows (KX130
 * otherwise, nothing computed): a document cannot ask for a whole block.
 */
static int
key_kcv(const kx_doc *doc, const kx_key *k, enum kx_alg alg,
    const kx_secret *value, uint8_t out[KX_KCV_MAX_LEN], size_t *len,
    kx_diag *d)
{
	enum kx_kcv_method m = k->kcv_method != KX_KCV_NONE ?
	    k->kcv_method : kx_kcv_default_method(alg);
	const char *mn = kx_name(KX_E_KCV_METHOD, m) != NULL ?
	    kx_name(KX_E_KCV_METHOD, m) : "-";
	size_t lo, hi;
	char lens[24];

	*len = k->kcv.n ? k->kcv.n : kx_kcv_default_len(m);
	if (kx_kcv_len_range(m, &lo, &hi) != KX_OK || *len < lo ||
	    *len > hi)
		return kxi_diag_add(d, "KX130", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &k->loc[KXF_KCV], k->prof.id, "a %zu-byte "
		    "%s KCV is not checked (a %s KCV has %s)", *len, mn, mn,
		    kxi_kcv_len_text(m, lens, sizeof(lens)));
	return kx_kcv_compute(alg, m, value, out, *len, d);
}

/* Both KCVs have the document's own length n (key_kcv made sure). */
static int
kcv_mismatch(kx_diag *d, const char *file, const kx_key *k,
    const uint8_t *got, size_t n)
{
	char want[2 * KX_KCV_MAX_LEN + 1], have[2 * KX_KCV_MAX_LEN + 1];

	if (n > KX_KCV_MAX_LEN || n != k->kcv.n)
		kxi_misuse(__func__, "KCV length");
	kxi_hex_encode(k->kcv.p, n, want);
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

/*
 * The decision of an operation: the rules of its phase over the document,
 * every key's value seen as the plan (wrap under kek as kek_id) leaves it.
 * Policies, severities and waivers apply as in validate.  KX_EPOLICY when
 * a rule fails at error level.
 */
static int
decide(const kx_doc *doc, enum kx_phase phase, const kx_secret *kek,
    const char *kek_id, const kx_xchg_opts *o, kx_diag *d)
{
	struct kxi_plan plan, *pp = NULL;
	size_t nerr = 0;
	int r;

	if (kek != NULL) {
		if ((r = kek_alg(kek, o != NULL ? o->kek_alg : KX_ALG_NONE,
		    phase == KX_PHASE_IMPORT ? "storage key" : phase ==
		    KX_PHASE_REWRAP ? "new transport key" : "transport key",
		    &plan.alg, d)) != KX_OK)
			return r;
		plan.kek_id = kek_id;
		plan.bits = (unsigned)kx_secret_len(kek) * 8;
		plan.wrap = KX_WRAP_AES_SIV_BOUND;
		pp = &plan;
	}
	if ((r = kxi_rules_run(doc, phase, o != NULL ? o->policy : NULL,
	    o != NULL ? o->now : 0, phase == KX_PHASE_DOCUMENT && o != NULL ?
	    o->against : NULL, pp, &nerr, d)) != KX_OK)
		return r;
	return nerr > 0 ? KX_EPOLICY : KX_OK;
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
	uint8_t kcv[KX_KCV_MAX_LEN];
	size_t i, n;
	enum kx_alg alg, kek_a;
	int r = KX_EINTERNAL;

	if (doc == NULL || kek == NULL || o == NULL || o->kek_id == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (nvalues != doc->nkeys)
		return KX_FAIL(d, KX_EUSAGE, "%zu key values for %zu keys",
		    nvalues, doc->nkeys);
	if (doc->nkeys == 0)
		return KX_FAIL(d, KX_EINPUT, "no key to export");
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
	/* Every value fits its profile and KCV first ... */
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
			    KX_EINPUT, doc->source, &k->loc[KXF_ALG],
			    k->prof.id, "the value (%zu bytes) does not "
			    "fit the profile (%s/%u)", vlen,
			    kx_name(KX_E_ALG, k->prof.alg),
			    k->prof.length_bits);
		/* HMAC keys have no KCV method: the binding alone. */
		if (has_kcv(alg = k->prof.alg)) {
			if ((r = key_kcv(doc, k, alg, values[i], kcv, &n,
			    d)) != KX_OK)
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
	}
	/*
	 * ... then the rules of the export phase over every key as it will
	 * leave (a policy may change or waive any of them): refuse before
	 * any wrap.
	 */
	if ((r = decide(doc, KX_PHASE_EXPORT, kek, o->kek_id, o, d)) != KX_OK)
		return r;
	for (i = 0; i < doc->nkeys; i++)
		if ((r = bind_value(doc, &doc->keys[i], 2, values[i], kek,
		    o->kek_id, &doc->keys[i].value, d)) != KX_OK)
			return r;
	return set_tk(doc, o->kek_id, kek, kek_a, o, d);
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
	uint8_t kcv[KX_KCV_MAX_LEN];
	char want[2 * KX_KCV_MAX_LEN + 1], have[2 * KX_KCV_MAX_LEN + 1];
	enum kx_alg alg;
	size_t n = t->kcv.n, lo, hi;
	int r;

	if (n == 0 || kx_kcv_len_range(t->kcv_method, &lo, &hi) != KX_OK ||
	    n < lo || n > hi)
		return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &t->loc, NULL, "transport key %s has no "
		    "usable KCV to check the KEK against (%zu bytes)", t->id,
		    n);
	if (fam != KX_ALG_NONE && is_tdea(fam) != is_tdea(t->alg))
		return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
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
		return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &t->loc, NULL, "the KEK given (KCV %s) is "
		    "not transport key %s (KCV %s)", have, t->id, want);
	}
	return KX_OK;
}

/*
 * Unwrap key i, verifying the binding (a known method, a matching digest,
 * AES-SIV over the bound data) and the KCV.  These checks hold whatever a
 * policy says about rule KX136.
 */
static int
unwrap_key(const kx_doc *doc, size_t i, const kx_secret *kek,
    kx_secret **out, kx_diag *d)
{
	const kx_key *k = &doc->keys[i];
	kx_buf aad = { 0 };
	uint8_t kcv[KX_KCV_MAX_LEN];
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
		r = kxi_diag_add(d, "KX136", KX_SEV_ERROR, r, doc->source,
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
	/*
	 * HMAC keys have no KCV, and a missing KCV is the rules' matter
	 * (KX132, at the policy's severity): the binding authenticates the
	 * value either way.
	 */
	if (!has_kcv(k->prof.alg) || k->kcv.n == 0) {
		r = KX_OK;
		goto out;
	}
	if ((r = key_kcv(doc, k, k->prof.alg, *out, kcv, &n, d)) != KX_OK)
		goto out;
	if (memcmp(k->kcv.p, kcv, n) != 0) {
		r = kcv_mismatch(d, doc->source, k, kcv, n);
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

/*
 * The decisions of import or rewrap: the document as received (validate's
 * rules), then the rules of the phase over every key as it will be stored
 * (wrapped under `to` as o->kek_id; import without a storage key stores
 * nothing).  Then verify every key: the transport key's KCV, each binding
 * and KCV.  Nothing is unwrapped for use before all of it passed.
 */
static int
verify_all(const kx_doc *doc, const kx_secret *kek, enum kx_phase phase,
    const kx_secret *to, const kx_xchg_opts *o, kx_diag *d)
{
	kx_secret *v = NULL;
	const kx_tk *t;
	size_t i;
	int r, r2, bad = 0;

	r = decide(doc, KX_PHASE_DOCUMENT, NULL, NULL, o, d);
	r2 = decide(doc, phase, to, o != NULL ? o->kek_id : NULL, o, d);
	if (r != KX_OK)
		return r;
	if (r2 != KX_OK)
		return r2;
	if (doc->nkeys == 0)
		return KX_FAIL(d, KX_EINPUT, "%s holds no key", doc->source ?
		    doc->source : "the document");
	for (i = 0; i < doc->nkeys; i++) {
		const kx_key *k = &doc->keys[i];

		if ((t = kxi_doc_find_tk(doc, k->value.kek_id)) == NULL) {
			bad = 1;
			kxi_diag_add(d, "KX141", KX_SEV_ERROR,
			    KX_ENOTFOUND, doc->source, &k->loc[KXF_VALUE],
			    k->prof.id, "transport key %s is not "
			    "defined", k->value.kek_id ?
			    k->value.kek_id : "-");
			continue;
		}
		if ((r = check_kek(doc, t, kek, o != NULL ? o->from_kek_alg :
		    KX_ALG_NONE, d)) != KX_OK)
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
	if ((r = verify_all(doc, kek, KX_PHASE_IMPORT, o != NULL ?
	    o->storage_kek : NULL, o, d)) != KX_OK)
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
	if ((r = verify_all(doc, from, KX_PHASE_REWRAP, to, o, d)) != KX_OK)
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
