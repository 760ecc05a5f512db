/*
 * exchange.c - export, import and rewrap: the only code that handles a
 * clear key value together with its profile.
 *
 * A key leaves a system bound to its profile and to the header of the
 * document that carries it: the wrapped value is AES-SIV (RFC 5297) under
 * a key derived from the transport key, with the canonical DER of a
 * BoundContext (document id, created, sender, recipients and the key's
 * KeyProfile, schema/kmsxchg.asn1) as associated data: binding version 2
 * (kmsxchg(5), doc/bound-wrap.md).  Under a TDEA transport key it is a
 * TR-31 version B key block whose MAC authenticates the SHA-256 of the
 * same data (tr31-b-bound, doc/bound-wrap.md 10).  Where asked (and
 * from a PKCS#11 token, hsm/pkcs11.c) an AES transport key binds it in
 * aes-kwp-cmac-bound: RFC 5649 under a derived KBEK and an AES-CMAC tag
 * under a derived KBAK (doc/bound-wrap.md 13).  Import also opens
 * values other systems wrote without a binding, checked by their KCV
 * alone (doc/bound-wrap.md 11).  Changing any attribute of the profile
 * or any of those header fields makes the unwrap fail.  Version 1
 * documents (the profile alone) still import, but their header is not
 * trusted.  Clear values exist only in kx_secret buffers, one key at a
 * time, and are wiped after use; a document value only ever holds what
 * the operation made (the wrapped value and its binding).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"

/* Place of key k's field group f for a message, else the key's. */
#define KLOC(k, f) kxi_key_loc((k), (f))

const char *
kx_key_id(const kx_key *k)
{
	return k == NULL ? NULL : k->prof.id;
}

int
kx_key_value_bound(const kx_key *k)
{
	return k != NULL && k->value.form == KX_VALUE_WRAPPED &&
	    kxi_wrap_is_bound(k->value.alg);
}

const uint8_t *
kx_key_kcv(const kx_key *k, size_t *len, enum kx_kcv_method *method)
{
	size_t n = k == NULL ? 0 : k->kcv.n;

	if (len != NULL)
		*len = n;
	if (method != NULL)
		*method = n == 0 ? KX_KCV_NONE : k->kcv_method;
	return n == 0 ? NULL : k->kcv.p;
}

const char *
kx_key_wrapped(const kx_key *k, enum kx_wrap_alg *alg)
{
	if (alg == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (k == NULL || k->value.form != KX_VALUE_WRAPPED) {
		*alg = KX_WRAP_NONE;
		return NULL;
	}
	*alg = k->value.alg;
	return k->value.kek_id;
}

enum kx_format
kx_doc_format(const kx_doc *doc)
{
	return doc == NULL ? KX_FMT_NONE : doc->source_format;
}

int
kx_doc_aes_transport(kx_doc *doc, unsigned bits, kx_diag *d)
{
	enum kx_alg a;
	size_t i, j;

	if (doc == NULL)
		kxi_misuse(__func__, "NULL argument");
	if ((kxi_doc_caps(doc) & KX_CAP_TK_ALG) != 0)
		return KX_FAIL(d, KX_EUSAGE, "%s names its transport keys' "
		    "algorithms (only a GP KeyProfile records the mode alone)",
		    doc->source ? doc->source : "the document");
	if (bits % 8 != 0 || kx_alg_for_len(KX_ALG_AES, bits / 8, &a) !=
	    KX_OK)
		return KX_FAIL(d, KX_EUSAGE, "an AES transport key has 128, "
		    "192 or 256 bits, not %u", bits);
	/* every value first: nothing changes when one is refused */
	for (j = 0; j < doc->nkeys; j++) {
		const kx_key *k = &doc->keys[j];

		if (k->value.form == KX_VALUE_WRAPPED &&
		    k->value.alg == KX_WRAP_TDEA_ECB)
			return kxi_diag_add(d, "KX139", KX_SEV_ERROR,
			    KX_EUNSUPPORTED, doc->source, KLOC(k, KXF_VALUE),
			    k->prof.id, "the value is ECB-encrypted (GP "
			    "TransportKey/@Algorithm ECB): GP encrypts key "
			    "data under an AES key in CBC mode (SCP03), so "
			    "the transport key cannot be AES");
	}
	for (i = 0; i < doc->ntks; i++) {
		doc->tks[i].alg = KX_ALG_AES;
		doc->tks[i].length_bits = bits;
		/* the reader's note about this key's algorithm no longer
		 * holds (kxi_fact_about: the note is marked with the id) */
		kxi_diag_retell(d, doc->tks[i].id, "gp: transport key %s taken "
		    "as aes/%u, as the caller says (GP records the mode only)",
		    doc->tks[i].id, bits);
	}
	for (j = 0; j < doc->nkeys; j++)
		if (doc->keys[j].value.form == KX_VALUE_WRAPPED &&
		    doc->keys[j].value.alg == KX_WRAP_TDEA_CBC)
			doc->keys[j].value.alg = KX_WRAP_AES_CBC;
	return KX_OK;
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
 * is never guessed.  A TDEA transport key is 2-key or 3-key (single DES
 * is refused); its values are bound in a TR-31 version B key block.
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
	if (is_tdea(fam)) {
		if (n != 16 && n != 24)
			return KX_FAIL(d, KX_EINPUT, "the %s must be a 2-key "
			    "(16 bytes) or 3-key (24 bytes) TDEA key, not %zu "
			    "bytes", what, n);
		*alg = n == 16 ? KX_ALG_TDEA2 : KX_ALG_TDEA3;
		return kx_tdea_key_check(kek, what, d);
	}
	if (kx_alg_for_len(KX_ALG_AES, n, alg) != KX_OK)
		return KX_FAIL(d, KX_EINPUT, "the %s must be an AES key of 16, "
		    "24 or 32 bytes (got %zu bytes)", what, n);
	return KX_OK;
}

/*
 * The algorithm and strength-relevant length of export's transport key:
 * an RSA public key (PEM) for rsa-aes-kwp (o->kek_alg rsa or none), else
 * as kek_alg says.
 */
static int
export_kek(const kx_secret *kek, const kx_xchg_opts *o, enum kx_alg *alg,
    unsigned *bits, kx_diag *d)
{
	int r;

	if (o == NULL || o->wrap != KX_WRAP_RSA_AES_KWP) {
		*bits = (unsigned)kx_secret_len(kek) * 8;
		return kek_alg(kek, o != NULL ? o->kek_alg : KX_ALG_NONE,
		    "transport key", alg, d);
	}
	if (o->kek_alg != KX_ALG_NONE && o->kek_alg != KX_ALG_RSA)
		return KX_FAIL(d, KX_EUSAGE, "export: rsa-aes-kwp wraps under "
		    "an RSA public key, not %s", kx_name(KX_ENUM_ALG,
		    o->kek_alg));
	*alg = KX_ALG_RSA;
	if ((r = kxi_rsa_bits(kek, bits, d)) != KX_OK)
		return r;
	return KX_OK;
}

/* The bound wrap a transport key of algorithm a takes by default. */
static enum kx_wrap_alg
bound_alg(enum kx_alg a)
{
	return is_tdea(a) ? KX_WRAP_TR31_B_BOUND : KX_WRAP_AES_SIV_BOUND;
}

/* aes-kwp-cmac-bound, where it is asked for, under an AES key only. */
static int
cmac_fits(enum kx_alg a, const kx_xchg_opts *o, kx_diag *d)
{
	if (o == NULL || o->wrap != KX_WRAP_AES_KWP_CMAC_BOUND ||
	    a == KX_ALG_AES)
		return KX_OK;
	return KX_FAIL(d, KX_EUSAGE, "aes-kwp-cmac-bound wraps under an AES "
	    "transport key, not %s", kx_name(KX_ENUM_ALG, a));
}

/*
 * The bound wrap values are sealed in under a transport key of algorithm
 * a: aes-kwp-cmac-bound where the caller asks for it (the form a PKCS#11
 * token can check), else the default.
 */
static enum kx_wrap_alg
seal_alg(enum kx_alg a, const kx_xchg_opts *o)
{
	return o != NULL && o->wrap == KX_WRAP_AES_KWP_CMAC_BOUND &&
	    a == KX_ALG_AES ? KX_WRAP_AES_KWP_CMAC_BOUND : bound_alg(a);
}

/*
 * The TDEA binding (doc/bound-wrap.md section 10): a TR-31 version B key
 * block whose proprietary optional block "0K" holds "KX", the binding
 * version digit and the SHA-256 of the bound data (the same AD as
 * aes-siv-bound) in upper-case hex; the key block MAC authenticates it
 * with the header and the key.
 */
#define TR31_BIND_ID "0K"
#define TR31_BIND_LEN 67

static void
tr31_bind_text(unsigned v, const uint8_t md[32], char out[TR31_BIND_LEN + 1])
{
	out[0] = 'K';
	out[1] = 'X';
	out[2] = (char)('0' + v);
	kxi_hex_encode(md, 32, out + 3);
}

static char
tr31_alg(enum kx_alg a)
{
	switch (a) {
	case KX_ALG_DES:
		return 'D';
	case KX_ALG_TDEA2:
	case KX_ALG_TDEA3:
		return 'T';
	case KX_ALG_AES:
		return 'A';
	case KX_ALG_HMAC:
		return 'H';
	case KX_ALG_RSA:
		return 'R';
	case KX_ALG_EC:
		return 'E';
	default:
		return 'N';
	}
}

static int
tr31_bound_wrap(const kx_key *k, unsigned v, const uint8_t md[32],
    const kx_secret *kek, const kx_secret *value, kx_buf *out, kx_diag *d)
{
	struct kxi_tr31_hdr h;
	char text[TR31_BIND_LEN + 1];

	memset(&h, 0, sizeof(h));
	h.version = 'B';
	/* a numeric (proprietary) usage: the bound profile says the rest */
	memcpy(h.usage, "10", 2);
	h.alg = tr31_alg(k->prof.alg);
	h.mode = 'N';
	memcpy(h.key_version, "00", 2);
	/* TR-31 'S' is not "sensitive" (model.md 0.5): only E or N */
	h.exportability = k->prof.export_.allowed ? 'E' : 'N';
	h.nopt = 1;
	memcpy(h.opt[0].id, TR31_BIND_ID, 2);
	tr31_bind_text(v, md, text);
	h.opt[0].data = text;
	h.opt[0].len = TR31_BIND_LEN;
	return kxi_tr31_wrap(kek, &h, value, NULL, out, d);
}

/* KX_ECRYPTO for every failure: KX134 says all there is to say. */
static int
tr31_bound_unwrap(const kx_secret *kek, const kxi_keyval *val, unsigned v,
    const uint8_t md[32], kx_secret **out)
{
	struct kxi_tr31_hdr h;
	const struct kxi_tr31_opt *o;
	char text[TR31_BIND_LEN + 1];

	*out = NULL;
	if (val->data.p == NULL || kxi_tr31_unwrap(kek,
	    (const char *)val->data.p, val->data.n, &h, out, NULL) != KX_OK)
		return KX_ECRYPTO;
	tr31_bind_text(v, md, text);
	if (h.version != 'B' || (o = kxi_tr31_opt_find(&h, TR31_BIND_ID)) ==
	    NULL || o->len != TR31_BIND_LEN ||
	    CRYPTO_memcmp(o->data, text, TR31_BIND_LEN) != 0) {
		kx_secret_free(*out);
		*out = NULL;
		return KX_ECRYPTO;
	}
	return KX_OK;
}

/*
 * What an import, rewrap or export needs of its keys of encryption, made
 * once for all the keys: the bound-wrap state of each version under the
 * KEK that opens values (open) and the one that seals them (seal), and
 * the transport key the KEK was last checked against.
 */
struct xcache {
	const kx_secret *from, *to;
	enum kx_wrap_alg seal_w;	/* the bound form values leave in */
	struct kxi_siv *open[3], *seal[3];
	const kxi_tk *checked;
};

static void
xcache_free(struct xcache *c)
{
	unsigned i;

	for (i = 0; i < 3; i++) {
		kxi_siv_free(c->open[i]);
		kxi_siv_free(c->seal[i]);
	}
	memset(c, 0, sizeof(*c));
}

/* The bound-wrap state of version v under kek, made on first use. */
static int
xcache_siv(struct kxi_siv **slot, unsigned v, const kx_secret *kek,
    struct kxi_siv **out, kx_diag *d)
{
	int r;

	if (v == 0 || v > 2)
		return KX_FAIL(d, KX_EUNSUPPORTED, "aes-siv-bound: no "
		    "version %u", v);
	if (slot[v] == NULL && (r = kxi_siv_new(v, kek, &slot[v], d)) !=
	    KX_OK)
		return r;
	*out = slot[v];
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
 * length is the document's own, within what the method allows (KX145
 * otherwise, nothing computed): a document cannot ask for a whole block.
 */
static int
key_kcv(const kx_doc *doc, const kx_key *k, enum kx_alg alg,
    const kx_secret *value, uint8_t out[KX_KCV_MAX_LEN], size_t *len,
    kx_diag *d)
{
	enum kx_kcv_method m = k->kcv_method != KX_KCV_NONE ?
	    k->kcv_method : kx_kcv_default_method(alg);
	const char *mn = kx_name(KX_ENUM_KCV_METHOD, m) != NULL ?
	    kx_name(KX_ENUM_KCV_METHOD, m) : "-";
	size_t lo, hi;
	char lens[24];

	*len = k->kcv.n ? k->kcv.n : kx_kcv_default_len(m);
	if (kx_kcv_len_range(m, &lo, &hi) != KX_OK || *len < lo ||
	    *len > hi)
		return kxi_diag_add(d, "KX145", KX_SEV_ERROR, KX_EKCV,
		    doc->source, KLOC(k, KXF_KCV), k->prof.id, "a %zu-byte "
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
	return kxi_diag_add(d, "KX145", KX_SEV_ERROR, KX_EKCV, file,
	    KLOC(k, KXF_KCV), k->prof.id, "KCV of the value is %s, the "
	    "profile says %s", have, want);
}

/* ---- rsa and ec keys: PKCS#8 values, SPKI public keys ---------------- */
static int
is_asym(enum kx_alg alg)
{
	return alg == KX_ALG_RSA || alg == KX_ALG_EC;
}

/*
 * The private key value (PKCS#8 DER; on export, with pem, an unencrypted
 * PEM key too) is the key k describes: a key pair of the profile's
 * family, length and curve whose public key is the profile's SPKI and
 * whose fingerprint is the key's spki-sha256 KCV, where the document has
 * them (KX139, KX145 otherwise).  The canonical PKCS#8 DER into *pkcs8,
 * its SPKI DER into spki and the fingerprint into fp.
 */
static int
asym_check(const kx_doc *doc, const kx_key *k, const kx_secret *value,
    int fill, kx_secret **pkcs8, kx_buf *spki, uint8_t fp[32], kx_diag *d)
{
	char want[2 * KX_FINGERPRINT_LEN + 1], have[2 * KX_FINGERPRINT_LEN + 1];
	kx_diag *why = kx_diag_new();
	struct kxi_asym a;
	const kxi_profile *p = &k->prof;
	const char *what = fill ? "the value" : "the unwrapped value";
	/* where the fingerprint is, or the algorithm when there is none */
	const kxi_loc *at = KLOC(k, k->loc[KXF_KCV].line != 0 ? KXF_KCV :
	    KXF_ALG);
	int r;

	*pkcs8 = NULL;
	if (why == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	if (p->cls != KX_CLASS_PRIVATE) {
		r = kxi_diag_add(d, "KX139", KX_SEV_ERROR, KX_EUNSUPPORTED,
		    doc->source, KLOC(k, KXF_ALG), p->id, "a %s %s key has no "
		    "secret value (its public key travels in the profile)",
		    kx_name(KX_ENUM_CLASS, p->cls), kx_name(KX_ENUM_ALG, p->alg));
		goto out;
	}
	if ((r = kxi_asym_private(value, fill, pkcs8, spki, why)) !=
	    KX_OK || (r = kxi_spki_info(spki->data, spki->len, &a, why)) !=
	    KX_OK) {
		r = kxi_diag_add(d, "KX139", KX_SEV_ERROR, r ==
		    KX_EUNSUPPORTED ? KX_EUNSUPPORTED : KX_EINPUT, doc->source,
		    KLOC(k, KXF_ALG), p->id, "%s is not a supported %s private "
		    "key: %s", what, kx_name(KX_ENUM_ALG, p->alg),
		    kx_diag_count(why) > 0 ? kx_diag_get(why, 0)->message :
		    kx_strerror(r));
		goto out;
	}
	if (a.alg != p->alg || a.bits != p->length_bits ||
	    (p->ec_curve != NULL && strcmp(a.curve, p->ec_curve) != 0) ||
	    (p->rsa_e != 0 && a.rsa_e != p->rsa_e)) {
		r = kxi_diag_add(d, "KX139", KX_SEV_ERROR, KX_EINPUT,
		    doc->source, KLOC(k, KXF_ALG), p->id, "%s is %s-%u%s%s, "
		    "it does not fit the profile (%s/%u%s%s)", what,
		    kx_name(KX_ENUM_ALG, a.alg), a.bits, a.curve[0] ? " " : "",
		    a.curve, kx_name(KX_ENUM_ALG, p->alg), p->length_bits,
		    p->ec_curve != NULL ? " " : "",
		    p->ec_curve != NULL ? p->ec_curve : "");
		goto out;
	}
	if ((r = kxi_spki_fingerprint(spki->data, spki->len, fp)) != KX_OK) {
		r = kxi_diag_openssl(d, r, "SHA-256");
		goto out;
	}
	kxi_hex_encode(fp, KX_FINGERPRINT_LEN, have);
	if (p->spki.n != 0 && (p->spki.n != spki->len ||
	    memcmp(p->spki.p, spki->data, spki->len) != 0)) {
		r = kxi_diag_add(d, "KX145", KX_SEV_ERROR, KX_EKCV,
		    doc->source, at, p->id, "%s is not the "
		    "private key of the public key in the profile (fingerprint "
		    "%s)", what, have);
		goto out;
	}
	if (k->kcv.n != 0 && ((k->kcv_method != KX_KCV_SPKI_SHA256 &&
	    k->kcv_method != KX_KCV_NONE) ||
	    k->kcv.n != KX_FINGERPRINT_LEN ||
	    memcmp(k->kcv.p, fp, KX_FINGERPRINT_LEN) != 0)) {
		if (k->kcv.n == KX_FINGERPRINT_LEN)
			kxi_hex_encode(k->kcv.p, KX_FINGERPRINT_LEN, want);
		r = kxi_diag_add(d, "KX145", KX_SEV_ERROR, KX_EKCV,
		    doc->source, at, p->id, "the fingerprint of "
		    "%s is %s, the key says %s%s", what, have,
		    k->kcv.n == KX_FINGERPRINT_LEN ? want : "a ",
		    k->kcv.n == KX_FINGERPRINT_LEN ? "" :
		    "KCV that is not an spki-sha256 fingerprint");
		goto out;
	}
	r = KX_OK;
out:
	if (r != KX_OK) {
		kx_secret_free(*pkcs8);
		*pkcs8 = NULL;
	}
	kx_diag_free(why);
	return r;
}

/* Export: the checked PKCS#8 into *pkcs8; the SPKI and fingerprint filled
 * in where the document lacks them. */
static int
asym_export(kx_doc *doc, kx_key *k, const kx_secret *value,
    kx_secret **pkcs8, kx_diag *d)
{
	uint8_t fp[KX_FINGERPRINT_LEN];
	kx_buf spki = { 0 };
	int r;

	if ((r = asym_check(doc, k, value, 1, pkcs8, &spki, fp, d)) != KX_OK)
		goto out;
	if (k->prof.spki.n == 0 && (k->prof.spki.p = kxi_memdup(&doc->arena,
	    spki.data, spki.len)) != NULL)
		k->prof.spki.n = spki.len;
	if (k->kcv.n == 0 && (k->kcv.p = kxi_memdup(&doc->arena, fp,
	    sizeof(fp))) != NULL)
		k->kcv.n = sizeof(fp);
	k->kcv_method = KX_KCV_SPKI_SHA256;
	if (k->prof.spki.n == 0 || k->kcv.n == 0)
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
out:
	kx_buf_free(&spki);
	return r;
}


/* Record (or update) the transport-key reference for kek in doc. */
static int
set_tk(kx_doc *doc, const char *id, const kx_secret *kek, enum kx_alg alg,
    const kx_xchg_opts *o, kx_diag *d)
{
	kxi_tk *t = (kxi_tk *)kxi_doc_find_tk(doc, id);
	uint8_t kcv[3];
	unsigned i;
	int r;

	if (t == NULL && (t = kxi_doc_add_tk(doc)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	memset(t, 0, sizeof(*t));
	t->loc.off = -1;
	t->id = kxi_strdup(&doc->arena, id);
	t->alg = alg;
	if (alg == KX_ALG_RSA) {
		/* a public key: its length, no KCV (OAEP and the keys' own
		 * KCVs decide on import) */
		if ((r = kxi_rsa_bits(kek, &t->length_bits, d)) != KX_OK)
			return r;
		return t->id == NULL ? KX_FAIL(d, KX_ENOMEM,
		    "out of memory") : KX_OK;
	}
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

/* What an operation of phase will do with the values: wrap under kek. */
static int
make_plan(enum kx_phase phase, const kx_secret *kek, const char *kek_id,
    const kx_xchg_opts *o, struct kxi_plan *plan, kx_diag *d)
{
	int r;

	memset(plan, 0, sizeof(*plan));	/* a file KEK is never trusted */
	if (phase == KX_PHASE_EXPORT)
		r = export_kek(kek, o, &plan->alg, &plan->bits, d);
	else {
		plan->bits = (unsigned)kx_secret_len(kek) * 8;
		r = kek_alg(kek, o != NULL ? o->kek_alg : KX_ALG_NONE,
		    phase == KX_PHASE_IMPORT ? "storage key" :
		    "new transport key", &plan->alg, d);
	}
	if (r != KX_OK)
		return r;
	if ((r = cmac_fits(plan->alg, o, d)) != KX_OK)
		return r;
	plan->kek_id = kek_id;
	plan->tk_kcv_given = o != NULL && o->kek_kcv_len != 0;
	plan->wrap = phase == KX_PHASE_EXPORT && o != NULL &&
	    o->wrap != KX_WRAP_NONE ? o->wrap : seal_alg(plan->alg, o);
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
		if ((r = make_plan(phase, kek, kek_id, o, &plan, d)) != KX_OK)
			return r;
		pp = &plan;
	} else if (phase == KX_PHASE_DOCUMENT && o != NULL &&
	    o->kek_kcv_len != 0) {
		/* the document as received: only the KEK's KCV given counts */
		memset(&plan, 0, sizeof(plan));
		plan.tk_kcv_given = 1;
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
 * anything the old value had).  The form: c->seal_w, else the default
 * for kek_a.  Arena strings and bytes.
 */
static int
bind_value(const kx_doc *doc, const kx_key *k, unsigned v,
    const kx_secret *value, struct xcache *c, enum kx_alg kek_a,
    const char *kek_id, const kx_buf *given, const uint8_t *given_md,
    kxi_arena *arena, kxi_keyval *val, kx_diag *d)
{
	kx_buf aad = { 0 }, out = { 0 };
	const kx_buf *a = given;
	const uint8_t *mdp = given_md;
	struct kxi_siv *siv;
	enum kx_wrap_alg w = c->seal_w != KX_WRAP_NONE ? c->seal_w :
	    bound_alg(kek_a);
	uint8_t md[32];
	int r;

	memset(val, 0, sizeof(*val));
	/* the data of this key and version, when the caller has it already */
	if (a == NULL || a->len == 0 || mdp == NULL) {
		if ((r = kxi_bound_aad(doc, k, v, &aad, md, d)) != KX_OK)
			goto out;
		a = &aad;
		mdp = md;
	}
	if (w == KX_WRAP_TR31_B_BOUND)
		r = tr31_bound_wrap(k, v, mdp, c->to, value, &out, d);
	else if (w == KX_WRAP_AES_KWP_CMAC_BOUND)
		r = kxi_kwpcmac_wrap(c->to, value, a->data, a->len, &out, d);
	else if ((r = xcache_siv(c->seal, v, c->to, &siv, d)) == KX_OK)
		r = kxi_siv_wrap(siv, value, a->data, a->len, &out, d);
	if (r != KX_OK)
		goto out;
	val->form = KX_VALUE_WRAPPED;
	val->alg = w;
	val->kek_id = kxi_strdup(arena, kek_id);
	val->data.p = kxi_memdup(arena, out.data, out.len);
	val->data.n = out.len;
	val->binding_method = v == 2 ? KXI_BINDING_V2 : KXI_BINDING_V1;
	val->binding_digest.p = kxi_memdup(arena, mdp, 32);
	val->binding_digest.n = 32;
	if (val->kek_id == NULL || val->data.p == NULL ||
	    val->binding_digest.p == NULL)
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
out:
	kx_buf_free(&aad);
	kx_buf_free(&out);
	return r;
}

/*
 * An unbound value under kek (kx_xchg_opts.wrap) into *val: the GP-native
 * cryptogram (tdea-ecb or tdea-cbc with a zero IV under a TDEA kek;
 * aes-cbc with a zero ICV under an AES one), or rsa-aes-kwp under an RSA
 * public key (the cloud-KMS import form).
 */
static int
unbound_value(kx_doc *doc, enum kx_wrap_alg w, const kx_secret *value,
    const kx_secret *kek, const char *kek_id, kxi_keyval *val, kx_diag *d)
{
	kx_buf out = { 0 };
	int r;

	memset(val, 0, sizeof(*val));
	if ((r = kx_wrap(w, kek, value, NULL, 0, &out, d)) != KX_OK)
		goto out;
	val->form = KX_VALUE_WRAPPED;
	val->alg = w;
	val->kek_id = kxi_strdup(&doc->arena, kek_id);
	val->data.p = kxi_memdup(&doc->arena, out.data, out.len);
	val->data.n = out.len;
	if (val->kek_id == NULL || val->data.p == NULL)
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
out:
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
kxi_export_header(kx_doc *doc, const kx_xchg_opts *o, kx_diag *d)
{
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
	return doc->id == NULL ? KX_FAIL(d, KX_ENOMEM, "out of memory") :
	    KX_OK;
}

/*
 * Whether key k cannot leave in the unbound form w: a private key leaves
 * as PKCS#8, bound or in rsa-aes-kwp, never in a GP cryptogram.
 * (An hmac key, which has no KCV to check an unbound value by, is the
 * rules' matter: KX129, which a policy may change.)
 */
static int
unbound_unfit(const kx_key *k, enum kx_wrap_alg w)
{
	return w != KX_WRAP_NONE && !kxi_wrap_is_bound(w) &&
	    is_asym(k->prof.alg) && w != KX_WRAP_RSA_AES_KWP;
}

/*
 * The block of GP cryptogram w (tdea-ecb, tdea-cbc: 8; aes-cbc: 16) when
 * a vlen-byte value is no whole number of them (GP pads no key: an
 * aes-192 key under aes-cbc); 0 when it fits or w is no GP cryptogram.
 */
static size_t
gp_block_unfit(enum kx_wrap_alg w, size_t vlen)
{
	size_t bs = w == KX_WRAP_AES_CBC ? 16 : w == KX_WRAP_TDEA_ECB ||
	    w == KX_WRAP_TDEA_CBC ? 8 : 0;

	return bs != 0 && vlen % bs != 0 ? bs : 0;
}

int
kx_export(kx_doc *doc, kx_secret *const *values, size_t nvalues,
    const kx_secret *kek, const kx_xchg_opts *o, kx_diag *d)
{
	uint8_t kcv[KX_KCV_MAX_LEN];
	kx_secret **p8 = NULL;	/* the PKCS#8 DER of rsa and ec keys */
	struct xcache c;
	size_t i, n;
	enum kx_alg alg, kek_a;
	unsigned kek_bits;
	int r = KX_EINTERNAL;

	if (doc == NULL || kek == NULL || o == NULL || o->kek_id == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (nvalues != doc->nkeys)
		return KX_FAIL(d, KX_EUSAGE, "%zu key values for %zu keys",
		    nvalues, doc->nkeys);
	if (doc->nkeys == 0)
		return KX_FAIL(d, KX_EINPUT, "no key to export");
	if ((r = export_kek(kek, o, &kek_a, &kek_bits, d)) != KX_OK)
		return r;
	if ((r = cmac_fits(kek_a, o, d)) != KX_OK)
		return r;
	if (o->wrap != KX_WRAP_NONE && o->wrap != KX_WRAP_RSA_AES_KWP &&
	    o->wrap != KX_WRAP_AES_KWP_CMAC_BOUND &&
	    (o->wrap == KX_WRAP_AES_CBC ? kek_a != KX_ALG_AES :
	    (o->wrap != KX_WRAP_TDEA_ECB && o->wrap != KX_WRAP_TDEA_CBC) ||
	    !is_tdea(kek_a)))
		return KX_FAIL(d, KX_EUSAGE, "export: an unbound value is "
		    "tdea-ecb or tdea-cbc under a TDEA transport key, "
		    "aes-cbc under an AES one (the GP forms) or rsa-aes-kwp "
		    "under an RSA public key, not %s under %s",
		    kx_name(KX_ENUM_WRAP_ALG, o->wrap),
		    kx_name(KX_ENUM_ALG, kek_a));
	if ((r = kxi_export_header(doc, o, d)) != KX_OK)
		return r;
	/* Every value fits its profile and KCV first ... */
	memset(&c, 0, sizeof(c));
	c.to = kek;
	c.seal_w = seal_alg(kek_a, o);
	if ((p8 = calloc(doc->nkeys, sizeof(*p8))) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	for (i = 0; i < doc->nkeys; i++) {
		kx_key *k = &doc->keys[i];

		size_t vlen = kx_secret_len(values[i]);

		if (unbound_unfit(k, o->wrap)) {
			r = kxi_diag_add(d, "KX139", KX_SEV_ERROR,
			    KX_EUNSUPPORTED, doc->source, KLOC(k, KXF_ALG),
			    k->prof.id, "%s %s key leaves as PKCS#8 under a "
			    "bound wrap or in rsa-aes-kwp, not as %s %s value",
			    kxi_an(kx_name(KX_ENUM_ALG, k->prof.alg)),
			    kx_name(KX_ENUM_ALG, k->prof.alg),
			    kxi_an(kx_name(KX_ENUM_WRAP_ALG, o->wrap)),
			    kx_name(KX_ENUM_WRAP_ALG, o->wrap));
			goto out;
		}
		if (is_asym(k->prof.alg)) {
			if ((r = asym_export(doc, k, values[i], &p8[i], d)) !=
			    KX_OK)
				goto out;
			continue;
		}
		if (!has_kcv(k->prof.alg) && k->prof.alg != KX_ALG_HMAC) {
			r = kxi_diag_add(d, "KX139", KX_SEV_ERROR,
			    KX_EUNSUPPORTED, doc->source, KLOC(k, KXF_ALG),
			    k->prof.id, "export of %s keys is not supported "
			    "(des, tdea, aes, hmac, rsa and ec keys are)",
			    kx_name(KX_ENUM_ALG, k->prof.alg));
			goto out;
		}
		if (vlen * 8 != k->prof.length_bits || (has_kcv(k->prof.alg) &&
		    (kx_alg_for_len(k->prof.alg == KX_ALG_AES ? KX_ALG_AES :
		    KX_ALG_TDEA2, vlen, &alg) != KX_OK ||
		    alg != k->prof.alg))) {
			r = kxi_diag_add(d, "KX139", KX_SEV_ERROR,
			    KX_EINPUT, doc->source, KLOC(k, KXF_ALG),
			    k->prof.id, "the value (%zu bytes) does not "
			    "fit the profile (%s/%u)", vlen,
			    kx_name(KX_ENUM_ALG, k->prof.alg),
			    k->prof.length_bits);
			goto out;
		}
		if ((n = gp_block_unfit(o->wrap, vlen)) != 0) {
			r = kxi_diag_add(d, "KX139", KX_SEV_ERROR,
			    KX_EUNSUPPORTED, doc->source, kxi_key_loc(k,
			    KXF_ALG), k->prof.id, "a %zu-byte %s/%u value is "
			    "no whole number of %zu-byte blocks: GP's %s "
			    "cryptogram pads no key (a bound wrap carries it)",
			    vlen, kx_name(KX_ENUM_ALG, k->prof.alg),
			    k->prof.length_bits, n, kx_name(KX_ENUM_WRAP_ALG,
			    o->wrap));
			goto out;
		}
		/* a degenerate TDEA key is single DES: the rules judge it */
		k->single_des = is_tdea(k->prof.alg) &&
		    kxi_tdea_degenerate(kx_secret_data(values[i]), vlen);
		/* HMAC keys have no KCV method: the binding alone. */
		if (has_kcv(alg = k->prof.alg)) {
			if ((r = key_kcv(doc, k, alg, values[i], kcv, &n,
			    d)) != KX_OK)
				goto out;
			if (k->kcv.n != 0 && memcmp(k->kcv.p, kcv, n) != 0) {
				r = kcv_mismatch(d, doc->source, k, kcv, n);
				goto out;
			}
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
		goto out;
	for (i = 0; i < doc->nkeys; i++)
		if ((r = o->wrap != KX_WRAP_NONE &&
		    o->wrap != KX_WRAP_AES_KWP_CMAC_BOUND ? unbound_value(doc,
		    o->wrap, p8[i] != NULL ? p8[i] : values[i], kek,
		    o->kek_id, &doc->keys[i].value, d) :
		    bind_value(doc, &doc->keys[i], 2, p8[i] != NULL ? p8[i] :
		    values[i], &c, kek_a, o->kek_id, NULL, NULL, &doc->arena,
		    &doc->keys[i].value, d)) != KX_OK)
			goto out;
	r = set_tk(doc, o->kek_id, kek, kek_a, o, d);
out:
	xcache_free(&c);
	for (i = 0; p8 != NULL && i < doc->nkeys; i++)
		kx_secret_free(p8[i]);
	free(p8);
	return r;
}

/* ---- import -------------------------------------------------------- */
/*
 * The KCV the caller gave for the KEK (o->kek_kcv) matches it: KX135
 * otherwise.  KX_OK when none was given.  A KCV longer than the method's
 * (a 5-byte gp-des one) is compared on the method's length only
 * (kxi_kcv_cmp_len), and a note says so; no more is computed or printed.
 */
static int
check_given_kcv(const kx_doc *doc, const kxi_tk *t, const kx_secret *kek,
    enum kx_alg alg, const kx_xchg_opts *o, kx_diag *d)
{
	uint8_t kcv[KX_KCV_MAX_LEN];
	char want[2 * KX_KCV_MAX_LEN + 1], have[2 * KX_KCV_MAX_LEN + 1];
	enum kx_kcv_method m;
	size_t n;
	int r;

	if (o == NULL || o->kek_kcv_len == 0)
		return KX_OK;
	m = o->kek_kcv_method != KX_KCV_NONE ? o->kek_kcv_method :
	    kx_kcv_default_method(alg);
	if ((n = kxi_kcv_cmp_len(alg, m, o->kek_kcv_len)) == 0)
		return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &t->loc, NULL, "the transport key KCV given "
		    "has %zu bytes, a %s KCV %s (a longer one, up to a cipher "
		    "block, is compared on that length)", o->kek_kcv_len,
		    kx_name(KX_ENUM_KCV_METHOD, m), kxi_kcv_len_text(m, want,
		    sizeof(want)));
	if (n < o->kek_kcv_len)
		(void)kxi_diag_add(d, NULL, KX_SEV_NOTE, KX_OK, doc->source,
		    &t->loc, NULL, "the transport key KCV given has %zu bytes: "
		    "its first %zu, a %s KCV's length, are compared, the rest "
		    "is not checked", o->kek_kcv_len, n,
		    kx_name(KX_ENUM_KCV_METHOD, m));
	if ((r = kx_kcv_compute(alg, m, kek, kcv, n, d)) != KX_OK)
		return r;
	if (CRYPTO_memcmp(kcv, o->kek_kcv, n) != 0) {
		kxi_hex_encode(o->kek_kcv, n, want);
		kxi_hex_encode(kcv, n, have);
		return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &t->loc, NULL, "the KEK given (%s KCV %s) is "
		    "not the transport key whose KCV was given (%s) for %s",
		    kx_name(KX_ENUM_KCV_METHOD, m), have, want, t->id);
	}
	return KX_OK;
}

/*
 * The KEK given (of family fam; KX_ALG_NONE: as the document says) is
 * transport key t: same algorithm family and length, same KCV (the
 * document's, and the one the caller gave in o->kek_kcv; at least one).
 */
static int
check_kek(const kx_doc *doc, const kxi_tk *t, const kx_secret *kek,
    const kx_xchg_opts *o, kx_diag *d)
{
	uint8_t kcv[KX_KCV_MAX_LEN];
	char want[2 * KX_KCV_MAX_LEN + 1], have[2 * KX_KCV_MAX_LEN + 1];
	enum kx_alg alg, fam = o != NULL ? o->from_kek_alg : KX_ALG_NONE;
	size_t n = t->kcv.n, lo, hi;
	unsigned bits;
	int r;

	if (t->alg == KX_ALG_RSA || fam == KX_ALG_RSA) {
		/* no KCV: RSA-OAEP and the key's KCV decide */
		if (t->alg != KX_ALG_RSA || (fam != KX_ALG_NONE &&
		    fam != KX_ALG_RSA))
			return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
			    doc->source, &t->loc, NULL, "the KEK given is %s "
			    "key, transport key %s is %s", fam == KX_ALG_RSA ?
			    "an RSA" : "not an RSA", t->id,
			    kx_name(KX_ENUM_ALG, t->alg));
		if ((r = kxi_rsa_bits(kek, &bits, d)) != KX_OK)
			return r;
		if (t->length_bits != 0 && bits != t->length_bits)
			return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
			    doc->source, &t->loc, NULL, "the KEK given is "
			    "RSA-%u, transport key %s RSA-%u", bits, t->id,
			    t->length_bits);
		return KX_OK;
	}
	if (n == 0 && o != NULL && o->kek_kcv_len != 0) {
		/* the document has none (GP): the caller's decides */
		if (fam != KX_ALG_NONE && is_tdea(fam) != is_tdea(t->alg))
			goto family;
		if ((r = kek_alg(kek, t->alg, "transport key", &alg, d)) !=
		    KX_OK)
			return r;
		/*
		 * A format that records the mode only (GP: its reader
		 * assumes tdea2): the TDEA KEK given decides 2- or 3-key.
		 */
		if ((unsigned)kx_secret_len(kek) * 8 != t->length_bits &&
		    t->length_bits != 0 && ((kxi_doc_caps(doc) &
		    KX_CAP_TK_ALG) != 0 || !is_tdea(t->alg)))
			return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
			    doc->source, &t->loc, NULL, "the KEK given has %zu "
			    "bits, transport key %s %u", kx_secret_len(kek) *
			    8, t->id, t->length_bits);
		return check_given_kcv(doc, t, kek, alg, o, d);
	}
	if (n == 0 || kx_kcv_len_range(t->kcv_method, &lo, &hi) != KX_OK ||
	    n < lo || n > hi)
		return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &t->loc, NULL, "transport key %s has no "
		    "usable KCV to check the KEK against (%zu bytes)%s", t->id,
		    n, n == 0 ? ": give the KEK's KCV (kmsxchg import "
		    "--kek-kcv)" : "");
	if (fam != KX_ALG_NONE && is_tdea(fam) != is_tdea(t->alg))
		goto family;
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
	return check_given_kcv(doc, t, kek, alg, o, d);
family:
	return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV, doc->source,
	    &t->loc, NULL, "the KEK given is %s key, transport key %s is %s",
	    is_tdea(fam) ? "a TDEA" : "an AES", t->id,
	    kx_name(KX_ENUM_ALG, t->alg));
}

/*
 * Unwrap key i, verifying the binding (a known method, a matching digest,
 * AES-SIV over the bound data) and the KCV.  These checks hold whatever a
 * policy says about rule KX136.
 */
static int
bound_open(const kx_doc *doc, const kx_key *k, struct xcache *c, int have,
    kx_buf *aad, uint8_t md[32], kx_secret **out, kx_diag *d)
{
	struct kxi_siv *siv = NULL;
	char msg[160];
	unsigned v;
	int r;

	if ((r = kxi_binding_check_aad(doc, k, &v, 1, have, aad, md, msg,
	    sizeof(msg))) != KX_OK) {
		r = kxi_diag_add(d, "KX136", KX_SEV_ERROR, r, doc->source,
		    KLOC(k, KXF_VALUE), k->prof.id, "%s", msg);
		goto out;
	}
	if (aad->len == 0 &&
	    (r = kxi_bound_aad(doc, k, v, aad, md, d)) != KX_OK)
		goto out;
	if (k->value.alg == KX_WRAP_AES_SIV_BOUND &&
	    (r = xcache_siv(c->open, v, c->from, &siv, d)) != KX_OK)
		goto out;
	/* KX134 says all a failed check can say: no second message. */
	if ((k->value.alg == KX_WRAP_TR31_B_BOUND ?
	    tr31_bound_unwrap(c->from, &k->value, v, md, out) :
	    k->value.alg == KX_WRAP_AES_KWP_CMAC_BOUND ?
	    kxi_kwpcmac_unwrap(c->from, k->value.data.p, k->value.data.n,
	    aad->data, aad->len, out, NULL) :
	    kxi_siv_unwrap(siv, k->value.data.p, k->value.data.n,
	    aad->data, aad->len, out, NULL)) != KX_OK) {
		r = kxi_diag_add(d, "KX134", KX_SEV_ERROR, KX_ECRYPTO,
		    doc->source, KLOC(k, KXF_VALUE), k->prof.id, "the "
		    "wrapped value does not verify under transport key %s: "
		    "its %s or value was changed after export",
		    k->value.kek_id, v == 2 ? "profile, the document header" :
		    "profile");
		goto out;
	}
	r = KX_OK;
out:
	if (r != KX_OK)
		aad->len = 0;
	return r;
}

/* Values other systems wrote, without a binding (KX138 warned). */
static int
is_unbound(enum kx_wrap_alg w)
{
	switch (w) {
	case KX_WRAP_AES_KW:
	case KX_WRAP_AES_KWP:
	case KX_WRAP_TDEA_ECB:
	case KX_WRAP_TDEA_CBC:
	case KX_WRAP_AES_CBC:
	case KX_WRAP_RSA_OAEP_SHA256:
	case KX_WRAP_RSA_AES_KWP:
		return 1;
	default:
		return 0;
	}
}

/*
 * TDEA-CBC or AES-CBC with the IV the document gives (GP
 * AlgorithmParameters).
 */
static int
cbc_iv(const kx_secret *kek, const kxi_keyval *val, kx_secret **out,
    kx_diag *d)
{
	const char *what = kx_name(KX_ENUM_WRAP_ALG, val->alg);
	size_t bs = val->alg == KX_WRAP_AES_CBC ? 16 : 8;
	size_t kl = kx_secret_len(kek);
	uint8_t kb[32];	/* the AES key, or TDEA's K1 K2 K3 */
	char name[32];
	int r;

	if (bs == 16) {
		if (kl != 16 && kl != 24 && kl != 32)
			return KX_FAIL(d, KX_EINPUT, "aes-cbc: the KEK must "
			    "be 16, 24 or 32 bytes");
		snprintf(name, sizeof(name), "AES-%zu-CBC", kl * 8);
		memcpy(kb, kx_secret_data(kek), kl);
	} else {
		if (kxi_tdea_key24(kx_secret_data(kek), kl, kb) != KX_OK ||
		    kl == 8)
			return KX_FAIL(d, KX_EINPUT, "tdea-cbc: the KEK must "
			    "be 16 or 24 bytes");
		snprintf(name, sizeof(name), "DES-EDE3-CBC");
	}
	if (val->data.n == 0 || val->data.n % bs != 0)
		r = KX_FAIL(d, KX_ECRYPTO, "%s: wrapped length %zu is not a "
		    "multiple of %zu", what, val->data.n, bs);
	else if ((r = kx_secret_new(val->data.n, out)) == KX_OK &&
	    (r = kxi_cipher_once(name, 0, kb, val->iv.p, 1, val->data.p,
	    val->data.n, kx_secret_mut(*out), NULL, what, d)) != KX_OK) {
		kx_secret_free(*out);
		*out = NULL;
	}
	OPENSSL_cleanse(kb, sizeof(kb));
	return r;
}

/*
 * Unwrap an unbound value: nothing but the key's KCV can tell a wrong
 * KEK or a changed value for tdea-*, and nothing at all tells a changed
 * profile (KX138).
 */
static int
unbound_open(const kx_doc *doc, const kx_key *k, const kxi_keyval *val,
    const kx_secret *kek, kx_secret **out, kx_diag *d)
{
	kx_diag *why = kx_diag_new();
	const kx_finding *f;
	int r;

	if (why == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	if (val->alg == KX_WRAP_TDEA_CBC && val->iv.n != 0 && val->iv.n != 8)
		r = KX_FAIL(why, KX_ESYNTAX, "a TDEA-CBC IV has 8 bytes, not "
		    "%zu", val->iv.n);
	else if (val->alg == KX_WRAP_AES_CBC && val->iv.n != 0 &&
	    val->iv.n != 16)
		r = KX_FAIL(why, KX_ESYNTAX, "an AES-CBC IV has 16 bytes, not "
		    "%zu", val->iv.n);
	else if ((val->alg == KX_WRAP_TDEA_CBC ||
	    val->alg == KX_WRAP_AES_CBC) && val->iv.n > 0)
		r = cbc_iv(kek, val, out, why);
	else if (val->iv.n != 0)
		r = KX_FAIL(why, KX_ESYNTAX, "%s takes no IV",
		    kx_name(KX_ENUM_WRAP_ALG, val->alg));
	else
		r = kx_unwrap(val->alg, kek, val->data.p, val->data.n, NULL, 0,
		    out, why);
	if (r != KX_OK) {
		f = kx_diag_count(why) > 0 ? kx_diag_get(why, 0) : NULL;
		r = kxi_diag_add(d, "KX134", KX_SEV_ERROR, KX_ECRYPTO,
		    doc->source, KLOC(k, KXF_VALUE), k->prof.id, "the %s "
		    "value does not unwrap under transport key %s (%s)",
		    kx_name(KX_ENUM_WRAP_ALG, val->alg), val->kek_id,
		    f != NULL ? f->message : kx_strerror(r));
	}
	kx_diag_free(why);
	return r;
}

/*
 * A GP private key held as named parts (the clear public ones gave the
 * profile's SPKI), its secret parts each a cryptogram under the transport
 * key in the value's cipher: ECC_D; CRT_P, CRT_Q, CRT_DP1, CRT_DQ1,
 * CRT_PQ; or, for an rsa key without them, the private EXPONENT (d:
 * the primes are recovered from n, e and d).  A part is GP's key component block (GPCS 11.8.2.3, Tables
 * 11-70 and 11-71): a whole number of cipher blocks is the cryptogram of
 * the number itself; otherwise it is the number's length (BER) and then
 * the cryptogram of the number right-padded to a whole block (P-521's
 * 66-byte ECC_D).  The numbers (unsigned big-endian) rebuild the key
 * (crypto/asym.c), which must be the private key of the profile's public
 * key (KX145), into *out as PKCS#8 DER.
 */
static const char *const ec_secret[] = { "ECC_D" };
static const char *const crt_secret[] = { "CRT_P", "CRT_Q", "CRT_DP1",
    "CRT_DQ1", "CRT_PQ" };
static const char *const exp_secret[] = { "EXPONENT" };

static int
gp_parts(const kx_key *k)
{
	const kxi_keyval *v = &k->value;

	return is_asym(k->prof.alg) && v->form == KX_VALUE_WRAPPED &&
	    v->data.n == 0 && v->nparts > 0;
}

/*
 * The cryptogram of a key component block b into *c and the length of
 * the number it holds; 0 when b is no such block.
 */
static size_t
block_len(const kxi_bytes *b, size_t bs, kxi_bytes *c)
{
	size_t len, hl;

	if (b->n > 0 && b->n % bs == 0) {
		*c = *b;
		return b->n;
	}
	if (b->n < 2)
		return 0;
	if (b->p[0] < 0x80) {
		len = b->p[0];
		hl = 1;
	} else if (b->p[0] == 0x81 && b->n > 2 && b->p[1] >= 0x80) {
		len = b->p[1];
		hl = 2;
	} else if (b->p[0] == 0x82 && b->n > 3 && b->p[1] != 0) {
		len = (size_t)b->p[1] << 8 | b->p[2];
		hl = 3;
	} else
		return 0;
	/* the number right-padded to whole blocks, the padding < a block */
	if (len == 0 || b->n - hl != (len + bs - 1) / bs * bs)
		return 0;
	c->p = b->p + hl;
	c->n = b->n - hl;
	return len;
}

static int
parts_open(const kx_doc *doc, const kx_key *k, const kx_secret *kek,
    kx_secret **out, kx_diag *d)
{
	const kxi_profile *p = &k->prof;
	/* without CRT_P, a PRIVATE rsa key's EXPONENT is d (SOURCES.md) */
	int byexp = p->alg == KX_ALG_RSA &&
	    kxi_value_part(&k->value, "CRT_P") == NULL &&
	    kxi_value_part(&k->value, "EXPONENT") != NULL;
	const char *const *names = p->alg == KX_ALG_EC ? ec_secret : byexp ?
	    exp_secret : crt_secret;
	size_t n = p->alg == KX_ALG_EC || byexp ? 1 : 5, i, bs, len;
	kx_secret *sec[5] = { NULL }, *cut = NULL;
	kx_diag *why = NULL;
	kxi_keyval one;
	const kxi_part *pt;
	const kxi_loc *at = KLOC(k, KXF_VALUE);
	int r;

	*out = NULL;
	bs = k->value.alg == KX_WRAP_AES_CBC ? 16 : 8;
	if (k->value.alg != KX_WRAP_TDEA_ECB && k->value.alg !=
	    KX_WRAP_TDEA_CBC && k->value.alg != KX_WRAP_AES_CBC) {
		r = kxi_diag_add(d, "KX139", KX_SEV_ERROR, KX_EUNSUPPORTED,
		    doc->source, at, p->id, "private key "
		    "parts under %s cannot be imported (GP cryptograms only)",
		    kx_name(KX_ENUM_WRAP_ALG, k->value.alg));
		goto out;
	}
	if (p->spki.n == 0) {
		r = kxi_diag_add(d, "KX145", KX_SEV_ERROR, KX_EKCV,
		    doc->source, at, p->id, "the private key "
		    "parts have no clear public key in the profile to be "
		    "checked against (%s): refused", p->alg == KX_ALG_EC ?
		    "ECC_CURVE_OID, ECC_QX, ECC_QY" : "MODULUS and "
		    "KeyInfo/@Exponent");
		goto out;
	}
	one = k->value;
	for (i = 0; i < n; i++) {
		if ((pt = kxi_value_part(&k->value, names[i])) == NULL ||
		    (len = block_len(&pt->data, bs, &one.data)) == 0) {
			r = kxi_diag_add(d, "KX134", KX_SEV_ERROR, KX_ECRYPTO,
			    doc->source, at, p->id, "private key part %s %s",
			    names[i], pt == NULL ? "is missing" : "is neither "
			    "whole cipher blocks nor a GP key component block "
			    "(its length, then its padded cryptogram)");
			goto out;
		}
		if ((r = unbound_open(doc, k, &one, kek, &sec[i], d)) !=
		    KX_OK)
			goto out;
		if (len < kx_secret_len(sec[i]) &&
		    (r = kx_secret_new(len, &cut)) == KX_OK) {
			memcpy(kx_secret_mut(cut), kx_secret_data(sec[i]), len);
			kx_secret_free(sec[i]);
			sec[i] = cut;
			cut = NULL;
		}
		if (r != KX_OK) {
			r = KX_FAIL(d, r, "out of memory");
			goto out;
		}
	}
	if ((why = kx_diag_new()) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = kxi_asym_from_parts(p->alg, p->spki.p, p->spki.n,
	    (const kx_secret *const *)sec, n, out, why)) != KX_OK)
		r = kxi_diag_add(d, r == KX_EKCV ? "KX145" : "KX139",
		    KX_SEV_ERROR, r == KX_EKCV ? KX_EKCV : r, doc->source,
		    at, p->id, "the unwrapped private key "
		    "parts: %s", kx_diag_count(why) > 0 ?
		    kx_diag_get(why, 0)->message : kx_strerror(r));
out:
	for (i = 0; i < n; i++)
		kx_secret_free(sec[i]);
	kx_diag_free(why);
	return r;
}

/*
 * Unwrap key k with c->from into *out.  A bound value leaves the data it
 * is bound to in aad (aad->len > 0) and its SHA-256 in md.  have: they
 * hold that data already (the binding rule made them for this key).
 */
static int
unwrap_key(const kx_doc *doc, const kx_key *k, struct xcache *c, int have,
    kx_buf *aad, uint8_t md[32], kx_secret **out, kx_diag *d)
{
	uint8_t kcv[KX_KCV_MAX_LEN];
	size_t n;
	int r, bound;

	*out = NULL;
	if (!have)
		aad->len = 0;
	bound = kxi_wrap_is_bound(k->value.alg);
	if (!bound && gp_parts(k)) {
		if ((r = parts_open(doc, k, c->from, out, d)) != KX_OK)
			goto out;
		goto asym;
	}
	if (k->value.form != KX_VALUE_WRAPPED ||
	    (!bound && !is_unbound(k->value.alg))) {
		r = kxi_diag_add(d, "KX139", KX_SEV_ERROR, KX_EUNSUPPORTED,
		    doc->source, KLOC(k, KXF_VALUE), k->prof.id, "a %s %s "
		    "value cannot be imported",
		    kx_name(KX_ENUM_VALUE_FORM, k->value.form),
		    kx_name(KX_ENUM_WRAP_ALG, k->value.alg));
		goto out;
	}
	/* an unbound value has its KCV as its only check: required */
	if (!bound && (is_asym(k->prof.alg) ? k->kcv.n == 0 &&
	    k->prof.spki.n == 0 : !has_kcv(k->prof.alg) || k->kcv.n == 0)) {
		r = kxi_diag_add(d, "KX145", KX_SEV_ERROR, KX_EKCV,
		    doc->source, KLOC(k, KXF_KCV), k->prof.id, "the %s value "
		    "is not bound and the key has no KCV to check it against: "
		    "refused", kx_name(KX_ENUM_WRAP_ALG, k->value.alg));
		goto out;
	}
	if ((r = bound ? bound_open(doc, k, c, have, aad, md, out, d) :
	    unbound_open(doc, k, &k->value, c->from, out, d)) != KX_OK)
		goto out;
asym:
	if (is_asym(k->prof.alg)) {
		/* a PKCS#8 private key whose public half is the profile's */
		kx_secret *p8 = NULL;
		kx_buf spki = { 0 };
		uint8_t fp[KX_FINGERPRINT_LEN];

		r = asym_check(doc, k, *out, 0, &p8, &spki, fp, d);
		kx_secret_free(p8);
		kx_buf_free(&spki);
		goto out;
	}
	if ((unsigned)kx_secret_len(*out) * 8 != k->prof.length_bits) {
		r = kxi_diag_add(d, "KX139", KX_SEV_ERROR, KX_ESYNTAX,
		    doc->source, KLOC(k, KXF_ALG), k->prof.id, "unwrapped "
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
	if (r != KX_OK) {
		kx_secret_free(*out);
		*out = NULL;
	}
	return r;
}

/*
 * What rewrap does with each key verify_all opened: value, and the bound
 * data (aad->len > 0) with its digest md when the value was bound.
 */
typedef int (*opened_fn)(void *arg, size_t i, const kx_secret *value,
    const kx_buf *aad, const uint8_t md[32], kx_diag *d);

/*
 * The decisions of import or rewrap: the document as received (validate's
 * rules), then the rules of the phase over every key as it will be stored
 * (wrapped under `to` as o->kek_id; import without a storage key stores
 * nothing).  Then verify every key: the transport key's KCV (once per
 * transport key), each binding and KCV.  Nothing is unwrapped for use
 * before all of it passed: opened (when not NULL) makes each key's new
 * value as it goes, and the caller uses them only when all passed.
 */
static int
verify_all(const kx_doc *doc, struct xcache *c, enum kx_phase phase,
    const kx_xchg_opts *o, opened_fn opened, void *arg, kx_diag *d)
{
	kx_secret *v = NULL;
	kx_buf aad = { 0 };
	uint8_t md[32];
	const kxi_tk *t;
	size_t i;
	int r, r2, bad = 0;

	r = decide(doc, KX_PHASE_DOCUMENT, NULL, NULL, o, d);
	r2 = decide(doc, phase, c->to, o != NULL ? o->kek_id : NULL, o, d);
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
			kxi_diag_add(d, "KX139", KX_SEV_ERROR,
			    KX_ENOTFOUND, doc->source, KLOC(k, KXF_VALUE),
			    k->prof.id, "transport key %s is not "
			    "defined", k->value.kek_id ?
			    k->value.kek_id : "-");
			continue;
		}
		if (t != c->checked) {
			if ((r = check_kek(doc, t, c->from, o, d)) != KX_OK)
				goto out;	/* one wrong KEK explains all */
			c->checked = t;
		}
		if (unwrap_key(doc, k, c, 0, &aad, md, &v, d) != KX_OK)
			bad = 1;
		else if (!bad && opened != NULL &&
		    (r = opened(arg, i, v, &aad, md, d)) != KX_OK)
			goto out;
		kx_secret_free(v);
		v = NULL;
		if (o != NULL && o->progress != NULL)
			o->progress(o->progress_arg, i + 1, doc->nkeys);
	}
	r = bad ? KX_EPOLICY : KX_OK;
out:
	kx_secret_free(v);
	kx_buf_free(&aad);
	return r;
}

int
kx_import(const kx_doc *doc, const kx_secret *kek, const kx_xchg_opts *o,
    kx_key_cb cb, void *arg, kx_diag *d)
{
	struct xcache c = { 0 };
	kx_secret *v = NULL;
	kx_buf aad = { 0 };
	uint8_t md[32];
	size_t i;
	int r;

	if (doc == NULL || kek == NULL || cb == NULL)
		kxi_misuse(__func__, "NULL argument");
	c.from = kek;
	c.to = o != NULL ? o->storage_kek : NULL;
	if ((r = verify_all(doc, &c, KX_PHASE_IMPORT, o, NULL, NULL, d)) !=
	    KX_OK)
		goto out;
	for (i = 0; i < doc->nkeys; i++) {
		if ((r = unwrap_key(doc, &doc->keys[i], &c, 0, &aad, md, &v,
		    d)) != KX_OK)
			goto out;
		r = cb(arg, doc, i, v, d);
		kx_secret_free(v);
		v = NULL;
		if (r != KX_OK)
			goto out;
	}
	r = KX_OK;
out:
	kx_buf_free(&aad);
	xcache_free(&c);
	return r;
}

/*
 * The new value of key k of doc (opened to value; aad and md as
 * unwrap_key left them) under c->to, recorded as to_id, in arena.  The
 * binding version stays: re-binding a version 1 value as version 2 would
 * vouch for a header nobody verified.  An unbound value (KX138 warned) is
 * bound as version 2: from here on the binding vouches for what was
 * received.  A bound value's data (same document, key and version)
 * serves again: each profile is encoded once.
 */
static int
rebind(const kx_doc *doc, const kx_key *k, const kx_secret *value,
    struct xcache *c, enum kx_alg alg, const char *to_id, const kx_buf *aad,
    const uint8_t md[32], kxi_arena *arena, kxi_keyval *val, kx_diag *d)
{
	unsigned ver = kxi_wrap_is_bound(k->value.alg) ?
	    kxi_binding_version(k->value.binding_method) : 2;

	return bind_value(doc, k, ver, value, c, alg, to_id,
	    kxi_wrap_is_bound(k->value.alg) ? aad : NULL, md, arena, val, d);
}

struct rewrap {
	kx_doc *doc;
	struct xcache *c;
	kxi_keyval *vals;
	enum kx_alg alg;
	const char *to_id;
};

/* The new value of key i, bound under the new transport key. */
static int
rewrap_one(void *arg, size_t i, const kx_secret *value, const kx_buf *aad,
    const uint8_t md[32], kx_diag *d)
{
	struct rewrap *w = arg;

	return rebind(w->doc, &w->doc->keys[i], value, w->c, w->alg, w->to_id,
	    aad, md, &w->doc->arena, &w->vals[i], d);
}

/*
 * Every key of doc from `from` to `to` (as o->kek_id), after the rules of
 * phase passed, verifying each key as it is opened; then cb (when not
 * NULL) sees each key as received, and the document takes the new values
 * and the new transport key as its only one.  All or nothing.
 */
static int
move_all(kx_doc *doc, const kx_secret *from, const kx_secret *to,
    enum kx_phase phase, const char *what, const kx_xchg_opts *o,
    kx_key_cb cb, void *arg, kx_diag *d)
{
	struct xcache c = { 0 };
	struct rewrap w;
	size_t i;
	int r;

	memset(&w, 0, sizeof(w));
	if ((r = kek_alg(to, o->kek_alg, what, &w.alg, d)) != KX_OK ||
	    (r = cmac_fits(w.alg, o, d)) != KX_OK)
		return r;
	c.from = from;
	c.to = to;
	c.seal_w = seal_alg(w.alg, o);
	w.doc = doc;
	w.c = &c;
	/* New values first; the document changes only when all are made. */
	w.vals = kxi_alloc(&doc->arena, doc->nkeys * sizeof(*w.vals));
	w.to_id = kxi_strdup(&doc->arena, o->kek_id);
	if ((w.vals == NULL && doc->nkeys > 0) || w.to_id == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = verify_all(doc, &c, phase, o, rewrap_one, &w, d)) != KX_OK)
		goto out;
	for (i = 0; cb != NULL && i < doc->nkeys; i++)
		if ((r = cb(arg, doc, i, NULL, d)) != KX_OK)
			goto out;
	/* Drop the old transport keys no key refers to any more. */
	doc->ntks = 0;
	if ((r = set_tk(doc, w.to_id, to, w.alg, o, d)) != KX_OK)
		goto out;
	for (i = 0; i < doc->nkeys; i++)
		doc->keys[i].value = w.vals[i];
	r = KX_OK;
out:
	xcache_free(&c);
	return r;
}

/*
 * Import and store in one pass: the rules of the import phase (which hold
 * every rule of the rewrap phase, with the same plan), one unwrap and one
 * wrap under the storage key per key.
 */
int
kx_import_store(kx_doc *doc, const kx_secret *kek, const kx_secret *storage,
    const kx_xchg_opts *o, kx_key_cb cb, void *arg, kx_diag *d)
{
	if (doc == NULL || kek == NULL || storage == NULL || o == NULL ||
	    o->kek_id == NULL || cb == NULL)
		kxi_misuse(__func__, "NULL argument");
	return move_all(doc, kek, storage, KX_PHASE_IMPORT, "storage key", o,
	    cb, arg, d);
}

int
kx_rewrap(kx_doc *doc, const kx_secret *from, const kx_secret *to,
    const kx_xchg_opts *o, kx_diag *d)
{
	if (doc == NULL || from == NULL || to == NULL || o == NULL ||
	    o->kek_id == NULL)
		kxi_misuse(__func__, "NULL argument");
	return move_all(doc, from, to, KX_PHASE_REWRAP, "new transport key",
	    o, NULL, NULL, d);
}

/* ---- rewrap one key at a time ------------------------------------- */
/*
 * The header of the rewrapped document: the reader's, with the new
 * transport key as its only one.  Shares the reader's strings.
 */
static int
rewrap_head(const kx_doc *head, const kx_secret *to, enum kx_alg alg,
    const kx_xchg_opts *o, kx_doc **out, kx_diag *d)
{
	kx_doc *nd;
	kxi_arena a;
	int r;

	if ((nd = kxi_doc_new()) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	a = nd->arena;
	*nd = *head;
	nd->arena = a;
	nd->tks = NULL;
	nd->ntks = nd->tks_cap = 0;
	nd->keys = NULL;
	nd->nkeys = nd->keys_cap = 0;
	if ((r = set_tk(nd, o->kek_id, to, alg, o, d)) != KX_OK) {
		kx_doc_free(nd);
		return r;
	}
	*out = nd;
	return KX_OK;
}

/*
 * The document read whole after all (kx_rewrap, kx_doc_write): what the
 * sink got so far is void (a call with p NULL and n 0 says so).
 */
static int
rewrap_whole(kx_reader *rd, const kx_secret *from, const kx_secret *to,
    const kx_xchg_opts *o, enum kx_format fmt, kx_sink sink, void *arg,
    int sent, size_t *nkeys, kx_diag *d)
{
	kx_doc *doc = NULL;
	kx_buf b = { 0 };
	size_t i;
	int r;

	if (sent && sink(arg, NULL, 0) != 0)
		return KX_FAIL(d, KX_EIO, "cannot write the output");
	if ((r = kxi_reader_whole(rd, &doc, d)) != KX_OK)
		return r;
	for (i = 0; o->key_seen != NULL && i < doc->nkeys; i++)
		o->key_seen(o->key_seen_arg, doc, i, &doc->keys[i]);
	if ((r = kx_rewrap(doc, from, to, o, d)) != KX_OK ||
	    (r = kx_doc_write(doc, fmt, &b, d)) != KX_OK)
		goto out;
	if (b.len > 0 && sink(arg, b.data, b.len) != 0)
		r = KX_FAIL(d, KX_EIO, "cannot write the output");
	else if (nkeys != NULL)
		*nkeys = doc->nkeys;
out:
	kx_buf_free(&b);
	kx_doc_free(doc);
	return r;
}

/*
 * A key on its way through kx_reader_rewrap with o->jobs workers: read
 * into rec (its strings in ka) by the calling thread, which runs the
 * rules and the checks of its transport key; unwrapped, verified and
 * wrapped anew (nk, its strings in na) by a worker; written, and its
 * findings taken, in input order by the calling thread again.  Keys go
 * to the workers RW_BATCH at a time: one hand-off (a lock, a wake-up)
 * per key cost more than the worker saved.
 */
#define RW_BATCH 16
enum { SL_FREE, SL_QUEUED, SL_BUSY, SL_DONE };
enum { SK_NONE, SK_NOTK, SK_KEK };	/* not unwrapped: why */

struct rw_slot {
	kx_key rec, nk;
	kxi_arena ka, na;
	const kx_key *k;
	int have, skip, ur, rr;
	kx_buf aad;
	uint8_t md[32];
	kx_diag *dc, *dd;	/* unwrap findings; rebind failure */
	size_t next;		/* the header's extensions when read */
	kx_buf out;		/* nk's bytes as the writer writes them, */
	int enc;		/* when made (by the worker, as kx_writer_key) */
};

struct rw_batch {
	struct rw_slot *key;	/* per keys, n of them read */
	size_t n;
	int state;
};

struct rw_pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct rw_batch *ring;
	size_t nslots, per;	/* batches; keys a batch */
	size_t posted, taken, out, nout;	/* batches; keys out */
	pthread_t *th;
	unsigned nth;
	int stop;
	struct xcache own;	/* the calling thread's, without workers */
	/* read-only while the workers run */
	const kx_doc *head;
	const kx_secret *from, *to;
	enum kx_wrap_alg seal_w;	/* the xcache's: the bound form out */
	enum kx_alg alg;
	const char *to_id;
	enum kx_format fmt;	/* of the output: keys encoded by workers */
};

/* Unwrap, verify and wrap anew the keys of b (under its own xcache c). */
static void
rw_work(const struct rw_pool *p, struct xcache *c, struct rw_batch *b)
{
	struct rw_slot *s;
	kx_secret *v;
	size_t i;

	for (i = 0; i < b->n; i++) {
		s = &b->key[i];
		v = NULL;
		s->ur = s->rr = KX_OK;
		if (s->skip != SK_NONE)
			continue;
		if ((s->ur = unwrap_key(p->head, s->k, c, s->have, &s->aad,
		    s->md, &v, s->dc)) != KX_OK)
			continue;
		s->nk = *s->k;
		s->rr = rebind(p->head, s->k, v, c, p->alg, p->to_id, &s->aad,
		    s->md, &s->na, &s->nk.value, s->dd);
		kx_secret_free(v);
		/*
		 * The key's output too, off the calling thread; a key that
		 * does not encode is written (and refused) there again, with
		 * its findings where kx_writer_key puts them.
		 */
		s->enc = s->rr == KX_OK &&
		    kxi_key_encode(p->fmt, &s->nk, &s->out, NULL) == KX_OK;
	}
}

static void *
rw_worker(void *arg)
{
	struct rw_pool *p = arg;
	struct xcache c = { 0 };
	struct rw_batch *b;

	c.from = p->from;
	c.to = p->to;
	c.seal_w = p->seal_w;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->taken == p->posted)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		b = &p->ring[p->taken++ % p->nslots];
		b->state = SL_BUSY;
		pthread_mutex_unlock(&p->mu);
		rw_work(p, &c, b);
		pthread_mutex_lock(&p->mu);
		b->state = SL_DONE;
		/* only the calling thread waits for a batch */
		pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	xcache_free(&c);
	return NULL;
}

/* The workers stop (after the batch each works on) and are gone. */
static void
rw_pool_stop(struct rw_pool *p)
{
	unsigned i;

	if (p->nth == 0)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	p->nth = 0;
}

static void
rw_pool_free(struct rw_pool *p)
{
	size_t i, j;

	rw_pool_stop(p);
	for (i = 0; p->ring != NULL && i < p->nslots; i++) {
		for (j = 0; p->ring[i].key != NULL && j < p->per; j++) {
			struct rw_slot *s = &p->ring[i].key[j];

			s->ka.wipe = s->na.wipe = true;
			kxi_arena_free(&s->ka);
			kxi_arena_free(&s->na);
			kx_buf_free(&s->aad);
			kx_buf_free(&s->out);
			kx_diag_free(s->dc);
			kx_diag_free(s->dd);
		}
		free(p->ring[i].key);
	}
	free(p->ring);
	free(p->th);
	xcache_free(&p->own);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
}

/* 2 batches in flight per worker; 1 key at a time without workers. */
static int
rw_pool_init(struct rw_pool *p, unsigned jobs, kx_diag *d)
{
	size_t i, j;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (jobs > 256)
		jobs = 256;
	p->nslots = jobs > 1 ? 2 * (size_t)jobs : 1;
	p->per = jobs > 1 ? RW_BATCH : 1;
	if ((p->ring = calloc(p->nslots, sizeof(*p->ring))) == NULL ||
	    (jobs > 1 && (p->th = calloc(jobs, sizeof(*p->th))) == NULL))
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	for (i = 0; i < p->nslots; i++) {
		if ((p->ring[i].key = calloc(p->per, sizeof(struct rw_slot))) ==
		    NULL)
			return KX_FAIL(d, KX_ENOMEM, "out of memory");
		for (j = 0; j < p->per; j++) {
			struct rw_slot *s = &p->ring[i].key[j];

			kxi_key_init(&s->rec);
			if ((s->dc = kx_diag_new()) == NULL ||
			    (s->dd = kx_diag_new()) == NULL)
				return KX_FAIL(d, KX_ENOMEM, "out of memory");
		}
	}
	return KX_OK;
}

static int
rw_pool_start(struct rw_pool *p, unsigned jobs, kx_diag *d)
{
	for (; jobs > 1 && p->nth < jobs && p->nth < 256; p->nth++)
		if (pthread_create(&p->th[p->nth], NULL, rw_worker, p) != 0)
			return KX_FAIL(d, KX_EINTERNAL, "cannot start a "
			    "worker thread");
	return KX_OK;
}

/* Batch b (read and checked) to a worker, or worked on here without. */
static void
rw_post(struct rw_pool *p, struct rw_batch *b)
{
	if (p->nth == 0) {
		/* made once per transport key, as each worker's */
		p->own.from = p->from;
		p->own.to = p->to;
		p->own.seal_w = p->seal_w;
		rw_work(p, &p->own, b);
		b->state = SL_DONE;
		p->posted++;
		p->taken++;
		return;
	}
	pthread_mutex_lock(&p->mu);
	b->state = SL_QUEUED;
	p->posted++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/* Wait until batch b is done. */
static void
rw_wait(struct rw_pool *p, struct rw_batch *b)
{
	if (p->nth == 0)
		return;
	pthread_mutex_lock(&p->mu);
	while (b->state != SL_DONE)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* What the calling thread keeps of the keys out, in input order. */
struct rw_out {
	kx_doc *nd;		/* the header written */
	kx_writer *w;
	kx_diag *dc, *dw;	/* the keys' findings; the writer's */
	size_t next;		/* the header's extensions then */
	int wr, bad;
	enum kx_format fmt;
	kx_sink sink;
	void *arg;
};

/*
 * One key of the oldest batch out: its findings, and its new value
 * written when every key before it verified, as a run without workers
 * does.
 */
static int
rw_retire_key(struct rw_pool *p, struct rw_out *x, struct rw_slot *s,
    const kx_xchg_opts *o, kx_diag *d)
{
	int r;

	kxi_diag_merge(x->dc, s->dc);
	if (s->skip == SK_NOTK || s->ur != KX_OK)
		x->bad = 1;
	else if (s->skip == SK_NONE && !x->bad) {
		/* the header is complete once the first key is in */
		if (x->nd == NULL) {
			if ((r = rewrap_head(p->head, p->to, p->alg, o, &x->nd,
			    d)) != KX_OK)
				return r;
			x->next = s->next;
			x->wr = kx_writer_open(x->nd, x->fmt, x->sink, x->arg,
			    &x->w, x->dw);
		}
		if (x->wr == KX_OK && s->rr != KX_OK) {
			kxi_diag_merge(d, s->dd);
			return s->rr;
		}
		if (x->wr == KX_OK)
			x->wr = s->enc ? kxi_writer_key_bytes(x->w, &s->out,
			    x->dw) : kx_writer_key(x->w, &s->nk, x->dw);
	}
	p->nout++;
	if (s->skip == SK_NONE && o->progress != NULL)
		o->progress(o->progress_arg, p->nout, 0);
	return KX_OK;
}

/* The oldest batch in flight out, key by key in input order. */
static int
rw_retire(struct rw_pool *p, struct rw_out *x, const kx_xchg_opts *o,
    kx_diag *d)
{
	struct rw_batch *b = &p->ring[p->out++ % p->nslots];
	size_t i;
	int r = KX_OK;

	rw_wait(p, b);
	for (i = 0; i < b->n; i++)
		if (r == KX_OK)
			r = rw_retire_key(p, x, &b->key[i], o, d);
	for (i = 0; i < b->n; i++) {
		kx_diag_clear(b->key[i].dc);
		kx_diag_clear(b->key[i].dd);
		b->key[i].na.wipe = true;
		kxi_arena_reset(&b->key[i].na);
		b->key[i].enc = 0;
	}
	b->n = 0;
	b->state = SL_FREE;
	return r;
}

/*
 * One pass of kx_reader_rewrap over rd under the header full (a second
 * pass's: complete from the start) or, on the first pass, the reader's own
 * (full NULL).  *again (first pass only) is set when foreign elements
 * came after the first key written: they belong in the header written
 * before the keys, and a second pass must write it again.
 */
static int
rewrap_pass(kx_reader *rd, const kx_doc *full, const kx_secret *from,
    const kx_secret *to, const kx_xchg_opts *o, enum kx_format fmt,
    kx_sink sink, void *arg, size_t *nkeys, int *again, kx_diag *d)
{
	struct xcache c = { 0 };
	struct kxi_rules_stream *rs[2] = { NULL, NULL };
	struct kxi_plan plan, given = { 0 };
	struct rw_pool pool;
	struct rw_out x;
	struct rw_batch *b;
	struct rw_slot *s;
	kx_diag *dr = NULL;
	const kx_doc *head;
	const kx_key *k;
	struct kxi_bind_memo memo;
	kx_buf tb;
	const kxi_tk *t;
	size_t i = 0, nerr[2] = { 0, 0 };
	int r, sk, cr = KX_OK, whole = 0;

	if ((r = make_plan(KX_PHASE_REWRAP, to, o->kek_id, o, &plan, d)) !=
	    KX_OK)
		return r;
	if (o->against != NULL)		/* profiles compared: whole */
		return rewrap_whole(rd, from, to, o, fmt, sink, arg, 0, nkeys,
		    d);
	c.from = from;
	c.to = to;
	c.seal_w = seal_alg(plan.alg, o);
	memset(&memo, 0, sizeof(memo));
	memset(&x, 0, sizeof(x));
	x.fmt = fmt;
	x.sink = sink;
	x.arg = arg;
	head = full != NULL ? full : kx_reader_doc(rd);
	r = rw_pool_init(&pool, o->jobs, d);
	pool.head = head;
	pool.from = from;
	pool.to = to;
	pool.seal_w = c.seal_w;
	pool.alg = plan.alg;
	pool.to_id = o->kek_id;
	pool.fmt = fmt;
	if (r != KX_OK)
		goto out;
	if ((dr = kx_diag_new()) == NULL || (x.dc = kx_diag_new()) == NULL ||
	    (x.dw = kx_diag_new()) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	/* the document as received, then every key as it will be stored */
	given.tk_kcv_given = o->kek_kcv_len != 0;
	if ((r = kxi_rules_stream_new(head, KX_PHASE_DOCUMENT, o->policy,
	    o->now, &given, &rs[0], d)) != KX_OK ||
	    (r = kxi_rules_stream_new(head, KX_PHASE_REWRAP, o->policy,
	    o->now, &plan, &rs[1], d)) != KX_OK ||
	    (r = rw_pool_start(&pool, o->jobs, d)) != KX_OK)
		goto out;
	/* the binding rule's encoding of each profile serves the unwrap */
	kxi_rules_stream_memo(rs[0], &memo);
	for (;;) {
		if (pool.posted - pool.out == pool.nslots &&
		    (r = rw_retire(&pool, &x, o, d)) != KX_OK)
			goto out;
		b = &pool.ring[pool.posted % pool.nslots];
		s = &b->key[b->n];
		if ((r = kxi_reader_next_into(rd, &s->rec, &s->ka, &k, dr)) !=
		    1)
			break;
		if (o->key_seen != NULL)
			o->key_seen(o->key_seen_arg, head, i, k);
		memo.key = NULL;	/* the reader's records are reused */
		if ((sk = kxi_rules_stream_key(rs[0], k, i, d)) == 1) {
			whole = 1;
			break;
		}
		if (sk < 0 || (sk = kxi_rules_stream_key(rs[1], k, i, d)) <
		    0) {
			r = sk;
			goto out;
		}
		i++;
		/*
		 * Verify (and make the new value) as the key comes; what the
		 * rules decide at the end decides whether any of it counts,
		 * and the findings come out in the order of kx_rewrap.
		 */
		s->k = k;
		s->skip = SK_NONE;
		s->next = kx_doc_extension_count(head);
		/* the binding rule's encoding goes with the key */
		s->have = memo.key == k;
		tb = s->aad;
		s->aad = memo.aad;
		memo.aad = tb;
		memcpy(s->md, memo.md, sizeof(s->md));
		if (cr != KX_OK)
			s->skip = SK_KEK;	/* one wrong KEK explains all */
		else if ((t = kxi_doc_find_tk(head, k->value.kek_id)) ==
		    NULL) {
			s->skip = SK_NOTK;
			kxi_diag_add(s->dc, "KX139", KX_SEV_ERROR,
			    KX_ENOTFOUND, head->source, KLOC(k, KXF_VALUE),
			    k->prof.id, "transport key %s is not defined",
			    k->value.kek_id ? k->value.kek_id : "-");
		} else if (t != c.checked) {
			if ((cr = check_kek(head, t, from, o, s->dc)) !=
			    KX_OK)
				s->skip = SK_KEK;
			else
				c.checked = t;
		}
		if (++b->n == pool.per)
			rw_post(&pool, b);
	}
	/* the keys still in flight out, the last batch's too */
	b = &pool.ring[pool.posted % pool.nslots];
	if (!whole && r == 0 && b->state == SL_FREE && b->n > 0)
		rw_post(&pool, b);
	while (!whole && r == 0 && pool.out < pool.posted)
		if ((r = rw_retire(&pool, &x, o, d)) != KX_OK)
			goto out;
	rw_pool_stop(&pool);
	/* foreign elements after the keys belong in the header written */
	if (!whole && r == 0 && x.nd != NULL && again != NULL &&
	    kx_doc_extension_count(head) != x.next) {
		*again = 1;
		goto out;
	}
	if (whole) {
		r = rewrap_whole(rd, from, to, o, fmt, sink, arg, x.nd != NULL,
		    nkeys, d);
		goto out;
	}
	kxi_diag_merge(d, dr);	/* the reader's findings */
	if (r < 0)
		goto out;	/* kx_reader_error says the input is bad */
	if ((r = kxi_rules_stream_end(rs[0], &nerr[0], d)) != KX_OK ||
	    (r = kxi_rules_stream_end(rs[1], &nerr[1], d)) != KX_OK)
		goto out;
	if (nerr[0] > 0 || nerr[1] > 0) {
		r = KX_EPOLICY;
		goto out;
	}
	if (o->progress != NULL && i > 0)
		o->progress(o->progress_arg, i, i);	/* the total at last */
	if (i == 0) {
		r = KX_FAIL(d, KX_EINPUT, "%s holds no key", head->source ?
		    head->source : "the document");
		goto out;
	}
	kxi_diag_merge(d, x.dc);
	if (cr != KX_OK || x.bad) {
		r = cr != KX_OK ? cr : KX_EPOLICY;
		goto out;
	}
	if (x.wr == KX_OK)
		x.wr = kx_writer_finish(x.w, x.dw);
	kxi_diag_merge(d, x.dw);
	if ((r = x.wr) == KX_OK && nkeys != NULL)
		*nkeys = i;
out:
	kx_buf_free(&memo.aad);
	rw_pool_free(&pool);
	kx_writer_free(x.w);
	kx_doc_free(x.nd);
	kxi_rules_stream_free(rs[0]);
	kxi_rules_stream_free(rs[1]);
	kx_diag_free(dr);
	kx_diag_free(x.dc);
	kx_diag_free(x.dw);
	xcache_free(&c);
	return r;
}

int
kx_reader_rewrap(kx_reader *rd, const kx_secret *from, const kx_secret *to,
    const kx_xchg_opts *o, enum kx_format fmt, kx_sink sink, void *arg,
    size_t *nkeys, kx_diag *d)
{
	kx_doc *head = NULL;
	int r, again = 0;

	if (rd == NULL || from == NULL || to == NULL || o == NULL ||
	    o->kek_id == NULL || sink == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (nkeys != NULL)
		*nkeys = 0;
	/*
	 * d takes no finding of a first pass that asks for a second: the
	 * rules, the reader and the keys keep theirs until the end.
	 */
	r = rewrap_pass(rd, NULL, from, to, o, fmt, sink, arg, nkeys, &again,
	    d);
	if (!again)
		return r;
	/* what the sink got is void; the keys again, under the header */
	if (sink(arg, NULL, 0) != 0) {
		r = KX_FAIL(d, KX_EIO, "cannot write the output");
		goto out;
	}
	if ((r = kx_reader_rewind(rd, &head, d)) == KX_OK)
		r = rewrap_pass(rd, head, from, to, o, fmt, sink, arg, nkeys,
		    NULL, d);
out:
	kx_doc_free(head);
	return r;
}
