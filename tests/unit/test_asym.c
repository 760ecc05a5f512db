/*
 * test_asym.c - rsa and ec keys (issue 9 item 3): PKCS#8 values under the
 * bound wrap, the public key (SPKI) in the profile, the spki-sha256
 * fingerprint.  Keys are made here with EVP_PKEY_Q_keygen; what kmsxchg
 * computes is checked against OpenSSL's own encodings (i2d_PUBKEY,
 * i2d_PrivateKey as PKCS#8, SHA-256), and openssl(1) checks the samples
 * in tests/interop/openssl-asym.sh.
 */
#include "config.h"

#include "kxtest.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define NOW 1795459565		/* 2026-11-23T18:46:05Z */

static const char *KEK =
    "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4";
static const char *TDEA3 =
    "0123456789ABCDEFFEDCBA987654321089ABCDEF01234567";

/* A private key of alg/bits (curve: the OID, or NULL), exportable. */
static kx_doc *
asym_doc(enum kx_alg alg, unsigned bits, const char *curve)
{
	kx_doc *doc = kxi_doc_new();
	kx_key *k = kxi_doc_add_key(doc);
	kxi_profile *p = &k->prof;

	doc->id = "DOC-A";
	doc->sender = "MANUFACTURER";
	p->id = "PRIV-1";
	p->owner = "ISSUER";
	p->cls = KX_CLASS_PRIVATE;
	p->alg = alg;
	p->length_bits = bits;
	p->ec_curve = curve;
	p->usage = KX_USAGE_BIT(KX_U_SIGN);
	p->state = KX_STATE_ACTIVE;
	p->export_.allowed = true;
	return doc;
}

/* The PKCS#8 DER and SPKI DER of pk. */
static kx_secret *
pkcs8_of(EVP_PKEY *pk)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
	unsigned char *der = NULL;
	int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	kx_secret *s = NULL;

	assert_true(n > 0);
	assert_int_equal(kx_secret_from(der, (size_t)n, &s), KX_OK);
	OPENSSL_clear_free(der, (size_t)n);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return s;
}

static void
spki_of(EVP_PKEY *pk, kxi_bytes *out, kxi_arena *a)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pk, &der);

	assert_true(n > 0);
	out->p = kxi_memdup(a, der, (size_t)n);
	out->n = (size_t)n;
	OPENSSL_free(der);
}

/*
 * Export fills in the public key and fingerprint, the value is the PKCS#8
 * OpenSSL writes, and import gives it back; for each family and curve.
 */
static void
roundtrip(EVP_PKEY *pk, enum kx_alg alg, unsigned bits, const char *curve,
    const char *kekhex)
{
	kx_doc *doc = asym_doc(alg, bits, curve);
	kx_secret *v = pkcs8_of(pk), *kek = kxt_secret(kekhex);
	kx_xchg_opts o = kxt_xchg_opts(NOW);
	kx_diag *d = kx_diag_new();
	kxi_bytes spki;
	uint8_t fp[32];
	unsigned int n = 0;
	struct kxt_got *g = calloc(1, sizeof(*g));
	const kx_key *k = &doc->keys[0];

	assert_non_null(g);
	if (kx_secret_len(kek) == 24)
		o.kek_alg = KX_ALG_TDEA3;
	spki_of(pk, &spki, &doc->arena);
	assert_int_equal(kx_export(doc, &v, 1, kek, &o, d), KX_OK);
	assert_int_equal(k->prof.spki.n, spki.n);
	assert_memory_equal(k->prof.spki.p, spki.p, spki.n);
	assert_int_equal(EVP_Digest(spki.p, spki.n, fp, &n, EVP_sha256(),
	    NULL), 1);
	assert_int_equal(k->kcv_method, KX_KCV_SPKI_SHA256);
	assert_int_equal(k->kcv.n, 32);
	assert_memory_equal(k->kcv.p, fp, 32);
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, g, d), KX_OK);
	assert_int_equal(g->calls, 1);
	assert_int_equal(g->len, kx_secret_len(v));
	assert_memory_equal(g->value, kx_secret_data(v), g->len);
	/* the document's rules accept it */
	kx_diag_clear(d);
	assert_int_equal(kx_doc_validate(doc, NULL, NOW, NULL, d), KX_OK);
	assert_false(kxt_has_rule(d, "KX101", KX_SEV_ERROR));
	assert_false(kxt_has_rule(d, "KX130", KX_SEV_ERROR));
	assert_false(kxt_has_rule(d, "KX131", KX_SEV_ERROR));
	free(g);
	kx_diag_free(d);
	kx_secret_free(v);
	kx_secret_free(kek);
	kx_doc_free(doc);
}

static void
families(void **state)
{
	static const struct {
		const char *type, *param, *oid;
		unsigned bits;
	} ec[] = {
		{ "EC", "P-256", "1.2.840.10045.3.1.7", 256 },
		{ "EC", "P-384", "1.3.132.0.34", 384 },
		{ "EC", "P-521", "1.3.132.0.35", 521 },
		{ "EC", "brainpoolP256r1", "1.3.36.3.3.2.8.1.1.7", 256 },
		{ "EC", "brainpoolP384r1", "1.3.36.3.3.2.8.1.1.11", 384 },
		{ "EC", "brainpoolP512r1", "1.3.36.3.3.2.8.1.1.13", 512 },
		{ "ED25519", NULL, "1.3.101.112", 255 },
		{ "X25519", NULL, "1.3.101.110", 255 },
	};
	EVP_PKEY *pk;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ec) / sizeof(ec[0]); i++) {
		pk = ec[i].param != NULL ?
		    EVP_PKEY_Q_keygen(NULL, NULL, ec[i].type, ec[i].param) :
		    EVP_PKEY_Q_keygen(NULL, NULL, ec[i].type);
		assert_non_null(pk);
		roundtrip(pk, KX_ALG_EC, ec[i].bits, ec[i].oid, KEK);
		/* the curve may be left out of the profile */
		roundtrip(pk, KX_ALG_EC, ec[i].bits, NULL, KEK);
		EVP_PKEY_free(pk);
	}
	assert_non_null(pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)2048));
	roundtrip(pk, KX_ALG_RSA, 2048, NULL, KEK);
	/* the TDEA binding: a TR-31 B block of 1.2 KB */
	roundtrip(pk, KX_ALG_RSA, 2048, NULL, TDEA3);
	EVP_PKEY_free(pk);
}

/*
 * RSA-3072 and RSA-4096 under the AES binding; a TDEA transport key is
 * weaker than them (KX121), so TR-31 is shown to carry the PKCS#8 of an
 * RSA-4096 key (about 2.4 KB) directly.
 */
static void
large_rsa(void **state)
{
	struct kxi_tr31_hdr h, back;
	kx_secret *kbpk = kxt_secret(TDEA3), *v, *out = NULL;
	kx_buf blk = { 0 };
	EVP_PKEY *pk;
	size_t bits;

	(void)state;
	for (bits = 3072; bits <= 4096; bits += 1024) {
		assert_non_null(pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    bits));
		roundtrip(pk, KX_ALG_RSA, (unsigned)bits, NULL, KEK);
		if (bits == 4096) {
			v = pkcs8_of(pk);
			memset(&h, 0, sizeof(h));
			h.version = 'B';
			memcpy(h.usage, "10", 2);
			h.alg = 'R';
			h.mode = 'N';
			memcpy(h.key_version, "00", 2);
			h.exportability = 'E';
			assert_int_equal(kxi_tr31_wrap(kbpk, &h, v, NULL, &blk,
			    NULL), KX_OK);
			assert_int_equal(kxi_tr31_unwrap(kbpk,
			    (const char *)blk.data, blk.len, &back, &out,
			    NULL), KX_OK);
			assert_int_equal(kx_secret_len(out), kx_secret_len(v));
			assert_memory_equal(kx_secret_data(out),
			    kx_secret_data(v), kx_secret_len(v));
			kx_secret_free(out);
			kx_secret_free(v);
			kx_buf_free(&blk);
		}
		EVP_PKEY_free(pk);
	}
	kx_secret_free(kbpk);
}

static void
refusals(void **state)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	kx_secret *v = pkcs8_of(pk), *vk1 = pkcs8_of(k1);
	kx_secret *kek = kxt_secret(KEK), *junk = kxt_secret(KEK);
	kx_xchg_opts o = kxt_xchg_opts(NOW);
	kx_diag *d = kx_diag_new();
	struct kxt_got *g = calloc(1, sizeof(*g));
	kx_doc *doc;

	(void)state;
	assert_non_null(g);
	/* another key than the profile's public key: KX145 */
	doc = asym_doc(KX_ALG_EC, 256, NULL);
	spki_of(other, &doc->keys[0].prof.spki, &doc->arena);
	assert_int_equal(kx_export(doc, &v, 1, kek, &o, d), KX_EKCV);
	assert_true(kxt_has_rule(d, "KX145", KX_SEV_ERROR));
	assert_int_equal(doc->keys[0].value.form, KX_VALUE_NONE);
	kx_doc_free(doc);
	kx_diag_clear(d);
	/* a value that is not a private key (the old refusal's input) */
	doc = asym_doc(KX_ALG_RSA, 2048, NULL);
	assert_int_equal(kx_export(doc, &junk, 1, kek, &o, d), KX_EINPUT);
	assert_true(kxt_has_rule(d, "KX139", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_clear(d);
	/* the wrong family, the wrong curve */
	doc = asym_doc(KX_ALG_RSA, 2048, NULL);
	assert_int_equal(kx_export(doc, &v, 1, kek, &o, d), KX_EINPUT);
	assert_true(kxt_has_rule(d, "KX139", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_clear(d);
	doc = asym_doc(KX_ALG_EC, 384, "1.3.132.0.34");
	assert_int_equal(kx_export(doc, &v, 1, kek, &o, d), KX_EINPUT);
	assert_true(kxt_has_rule(d, "KX139", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_clear(d);
	/* a curve the model does not support: said, not guessed */
	doc = asym_doc(KX_ALG_EC, 256, "1.3.132.0.10");
	assert_int_equal(kx_export(doc, &vk1, 1, kek, &o, d),
	    KX_EUNSUPPORTED);
	assert_true(kxt_has_rule(d, "KX139", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_clear(d);
	/* a public key has no value */
	doc = asym_doc(KX_ALG_EC, 256, NULL);
	doc->keys[0].prof.cls = KX_CLASS_PUBLIC;
	doc->keys[0].prof.usage = KX_USAGE_BIT(KX_U_VERIFY);
	assert_int_equal(kx_export(doc, &v, 1, kek, &o, d), KX_EUNSUPPORTED);
	assert_true(kxt_has_rule(d, "KX139", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_clear(d);
	/* not as a GP cryptogram */
	doc = asym_doc(KX_ALG_EC, 256, NULL);
	o.wrap = KX_WRAP_TDEA_ECB;
	kx_secret_free(kek);
	kek = kxt_secret(TDEA3);
	o.kek_alg = KX_ALG_TDEA3;
	assert_int_equal(kx_export(doc, &v, 1, kek, &o, d), KX_EUNSUPPORTED);
	assert_true(kxt_has_rule(d, "KX139", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_clear(d);
	o = kxt_xchg_opts(NOW);
	kx_secret_free(kek);
	kek = kxt_secret(KEK);
	/* import: a changed fingerprint is refused (KX131), nothing given */
	doc = asym_doc(KX_ALG_EC, 256, NULL);
	assert_int_equal(kx_export(doc, &v, 1, kek, &o, d), KX_OK);
	doc->keys[0].kcv.p[31] ^= 1;
	assert_int_not_equal(kx_import(doc, kek, &o, kxt_collect, g, d), KX_OK);
	assert_true(kxt_has_rule(d, "KX131", KX_SEV_ERROR));
	assert_int_equal(g->calls, 0);
	kx_diag_clear(d);
	/* a validate sees it too, without the KEK */
	assert_int_equal(kx_doc_validate(doc, NULL, NOW, NULL, d), KX_OK);
	assert_true(kxt_has_rule(d, "KX131", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_clear(d);
	/* a public key in the profile that is not the profile's key */
	doc = asym_doc(KX_ALG_RSA, 2048, NULL);
	spki_of(pk, &doc->keys[0].prof.spki, &doc->arena);
	assert_int_equal(kx_doc_validate(doc, NULL, NOW, NULL, d), KX_OK);
	assert_true(kxt_has_rule(d, "KX101", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_clear(d);
	/* spki-sha256 on an AES key is KX130, and computes nothing */
	{
		uint8_t out[KX_KCV_MAX_LEN];

		assert_int_equal(kx_kcv_compute(KX_ALG_AES,
		    KX_KCV_SPKI_SHA256, kek, out, 32, d), KX_EUNSUPPORTED);
	}
	free(g);
	kx_diag_free(d);
	kx_secret_free(v);
	kx_secret_free(vk1);
	kx_secret_free(junk);
	kx_secret_free(kek);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(other);
	EVP_PKEY_free(k1);
}

/*
 * rsa-aes-kwp (RSA-OAEP of an AES-256 key, then AES-KWP of the PKCS#8:
 * what cloud KMSs import) opens on import with the fingerprint, or the
 * profile's public key, as its only check.  An RSA-2048 key, as strong
 * as the RSA-2048 transport key (KX121).
 */
static void
rsa_aes_kwp_import(void **state)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	kx_secret *v = pkcs8_of(pk), *kek = NULL;
	kx_buf pem = { 0 }, w = { 0 };
	kx_diag *d = kx_diag_new();
	kx_xchg_opts o = kxt_xchg_opts(NOW);
	struct kxt_got *g = calloc(1, sizeof(*g));
	kx_doc *doc = asym_doc(KX_ALG_RSA, 2048, NULL);
	kx_key *k = &doc->keys[0];
	kxi_tk *tk;
	unsigned int n = 0;
	uint8_t fp[32];

	(void)state;
	assert_non_null(g);
	kxt_slurp("tests/data/wycheproof-rsa2048-oaep-sha256.pem", &pem);
	assert_int_equal(kx_secret_from(pem.data, pem.len, &kek), KX_OK);
	spki_of(pk, &k->prof.spki, &doc->arena);
	assert_int_equal(EVP_Digest(k->prof.spki.p, k->prof.spki.n, fp, &n,
	    EVP_sha256(), NULL), 1);
	k->kcv.p = kxi_memdup(&doc->arena, fp, 32);
	k->kcv.n = 32;
	k->kcv_method = KX_KCV_SPKI_SHA256;
	k->prof.export_.forms |= 1u << KX_FORM_WRAPPED;
	assert_int_equal(kx_wrap(KX_WRAP_RSA_AES_KWP, kek, v, NULL, 0, &w, d),
	    KX_OK);
	k->value.form = KX_VALUE_WRAPPED;
	k->value.alg = KX_WRAP_RSA_AES_KWP;
	k->value.kek_id = "TK-RSA";
	k->value.data.p = kxi_memdup(&doc->arena, w.data, w.len);
	k->value.data.n = w.len;
	tk = kxi_doc_add_tk(doc);
	tk->id = "TK-RSA";
	tk->alg = KX_ALG_RSA;
	tk->length_bits = 2048;
	tk->loc.off = -1;
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, g, d), KX_OK);
	assert_true(kxt_has_rule(d, "KX138", KX_SEV_WARNING));
	assert_int_equal(g->calls, 1);
	assert_int_equal(g->len, kx_secret_len(v));
	assert_memory_equal(g->value, kx_secret_data(v), g->len);
	/* without the fingerprint the profile's public key checks it */
	k->kcv.n = 0;
	kx_diag_clear(d);
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, g, d), KX_OK);
	assert_int_equal(g->calls, 2);
	/* another public key: refused, nothing handed on */
	k->prof.spki.p[k->prof.spki.n - 1] ^= 1;
	kx_diag_clear(d);
	assert_int_not_equal(kx_import(doc, kek, &o, kxt_collect, g, d), KX_OK);
	assert_int_equal(g->calls, 2);
	/* neither: an unbound value cannot be checked */
	k->prof.spki.n = 0;
	kx_diag_clear(d);
	assert_int_not_equal(kx_import(doc, kek, &o, kxt_collect, g, d), KX_OK);
	assert_true(kxt_has_rule(d, "KX145", KX_SEV_ERROR));
	assert_int_equal(g->calls, 2);
	free(g);
	kx_doc_free(doc);
	kx_buf_free(&w);
	kx_buf_free(&pem);
	kx_diag_free(d);
	kx_secret_free(v);
	kx_secret_free(kek);
	EVP_PKEY_free(pk);
}

/* One outcome of kxi_spki_info: its code, its message and what it read. */
struct spki_out {
	int rc;
	char msg[512];
	struct kxi_asym a;
};

static void
spki_run(const uint8_t *p, size_t n, int reuse, int queued,
    struct spki_out *o)
{
	kx_diag *d = kx_diag_new();

	assert_non_null(d);
	/* the message quotes the first error queued: start from the same */
	ERR_clear_error();
	if (queued)
		ERR_raise(ERR_LIB_ASN1, ASN1_R_HEADER_TOO_LONG);
	kxi_spki_reuse = reuse;
	memset(o, 0, sizeof(*o));
	o->rc = kxi_spki_info(p, n, &o->a, d);
	kxi_spki_reuse = 1;
	if (kx_diag_count(d) > 0)
		snprintf(o->msg, sizeof(o->msg), "%s",
		    kx_diag_get(d, 0)->message);
	kx_diag_free(d);
}

/*
 * The reused decoders (issue 12) read every public key as
 * d2i_X509_PUBKEY() does: the same code, message and fields over the
 * families, the refused ones, and every one-bit change, truncation and
 * extension of them, in turns, so the cached decoders see keys of each
 * type after failures of the others, with and without an error queued
 * before (the message quotes the first one).
 */
static void
spki_reuse_same(void **state)
{
	static const struct {
		const char *type, *param;
		int compressed;	/* the EC point in compressed form */
	} keys[] = {
		{ "EC", "P-256", 0 }, { "EC", "P-384", 0 }, { "EC", "P-521", 0 },
		{ "EC", "brainpoolP256r1", 0 }, { "EC", "secp256k1", 0 },
		{ "ED25519", NULL, 0 }, { "X25519", NULL, 0 },
		{ "ED448", NULL, 0 }, { "X448", NULL, 0 }, { "RSA", NULL, 0 },
		{ "RSA-PSS", NULL, 0 }, { "EC", "P-256", 1 },
		{ "EC", "brainpoolP384r1", 1 }, { "EC", "brainpoolP512r1", 0 },
	};
	uint8_t *der[sizeof(keys) / sizeof(keys[0])], v[1024];
	size_t len[sizeof(keys) / sizeof(keys[0])], k, pos, vn, nok = 0;
	struct spki_out a, b;
	EVP_PKEY *pk;
	int n, m, q;

	(void)state;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		pk = NULL;
		if (strcmp(keys[k].type, "RSA-PSS") == 0) {
			/* refused by the model: EVP_PKEY_Q_keygen() has none */
			EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL,
			    "RSA-PSS", NULL);

			assert_non_null(c);
			assert_int_equal(EVP_PKEY_keygen_init(c), 1);
			assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(c,
			    1024), 1);
			assert_int_equal(EVP_PKEY_generate(c, &pk), 1);
			EVP_PKEY_CTX_free(c);
		} else if (strcmp(keys[k].type, "RSA") == 0)
			pk = EVP_PKEY_Q_keygen(NULL, NULL, keys[k].type,
			    (size_t)1024);
		else if (keys[k].param != NULL)
			pk = EVP_PKEY_Q_keygen(NULL, NULL, keys[k].type,
			    keys[k].param);
		else
			pk = EVP_PKEY_Q_keygen(NULL, NULL, keys[k].type);
		assert_non_null(pk);
		if (keys[k].compressed)
			assert_int_equal(EVP_PKEY_set_utf8_string_param(pk,
			    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
			    "compressed"), 1);
		der[k] = NULL;
		assert_true((n = i2d_PUBKEY(pk, &der[k])) > 0);
		assert_true((size_t)n < sizeof(v));
		len[k] = (size_t)n;
		EVP_PKEY_free(pk);
	}
	for (pos = 0; pos < 600; pos++)
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			for (m = 0; m < 4; m++) {
				if (pos >= len[k] && m < 2)
					continue;
				if (pos > len[k] && m >= 2)
					continue;
				memcpy(v, der[k], len[k]);
				vn = len[k];
				if (pos == 0 && m == 0)
					;	/* unchanged */
				else if (m == 0)
					v[pos] ^= 0x01;
				else if (m == 1)
					v[pos] ^= 0x80;
				else if (m == 2)
					vn = pos;	/* truncated */
				else
					v[vn++] = (uint8_t)pos;	/* one more */
				for (q = 0; q < 2; q++) {
					spki_run(v, vn, 1, q, &a);
					spki_run(v, vn, 0, q, &b);
					assert_int_equal(a.rc, b.rc);
					assert_string_equal(a.msg, b.msg);
					assert_memory_equal(&a.a, &b.a,
					    sizeof(a.a));
				}
				nok += a.rc == KX_OK;
			}
		}
	/* the unchanged keys of the supported families at least */
	assert_true(nok >= 12);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		OPENSSL_free(der[k]);
}

/* A number as an unsigned big-endian secret of len bytes. */
static kx_secret *
bn_secret(const BIGNUM *bn, int len)
{
	unsigned char buf[512];
	kx_secret *s = NULL;

	assert_true(len > 0 && len <= (int)sizeof(buf));
	assert_int_equal(BN_bn2binpad(bn, buf, len), len);
	assert_int_equal(kx_secret_from(buf, (size_t)len, &s), KX_OK);
	OPENSSL_cleanse(buf, sizeof(buf));
	return s;
}

/* The named number of the RSA key in PKCS#8 DER v. */
static BIGNUM *
p8_bn(const kx_secret *v, const char *name)
{
	const unsigned char *q = kx_secret_data(v);
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q,
	    (long)kx_secret_len(v));
	EVP_PKEY *pk;
	BIGNUM *bn = NULL;

	assert_non_null(p8);
	assert_non_null(pk = EVP_PKCS82PKEY(p8));
	assert_int_equal(EVP_PKEY_get_bn_param(pk, name, &bn), 1);
	EVP_PKEY_free(pk);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return bn;
}

/*
 * An rsa key from the modulus (the profile's SPKI) and its private
 * exponent alone (GP's MODULUS + private EXPONENT): the primes come back
 * (SP 800-56B Rev. 2 Appendix C.2), p > q, the CRT parts are PKCS #1's
 * and d is the one given, for OpenSSL's d = e^-1 mod lcm(p-1, q-1) and
 * for d + lcm(p-1, q-1) (as e^-1 mod (p-1)(q-1) may be) alike; a d that is not the key's
 * (d + 2, 1, n - 1, 0) is KX_EKCV with nothing made.
 */
static void
rsa_private_exponent(void **state)
{
	static const unsigned bits[] = { 2048, 3072 };
	static const char *const crt[] = { OSSL_PKEY_PARAM_RSA_EXPONENT1,
	    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1 };
	kxi_arena a = { 0 };
	size_t i, j, m;

	(void)state;
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)bits[i]);
		BIGNUM *n = NULL, *e = NULL, *d = NULL, *p = NULL, *q = NULL;
		BIGNUM *phi = BN_new(), *t = BN_new(), *cand[6], *got, *want;
		BN_CTX *bc = BN_CTX_new();
		kxi_bytes spki;
		kx_secret *sec, *out;
		kx_diag *dg = kx_diag_new();
		int len = (int)bits[i] / 8, pfirst;

		assert_non_null(pk);
		assert_non_null(bc);
		assert_int_equal(EVP_PKEY_get_bn_param(pk,
		    OSSL_PKEY_PARAM_RSA_N, &n), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(pk,
		    OSSL_PKEY_PARAM_RSA_E, &e), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(pk,
		    OSSL_PKEY_PARAM_RSA_D, &d), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(pk,
		    OSSL_PKEY_PARAM_RSA_FACTOR1, &p), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(pk,
		    OSSL_PKEY_PARAM_RSA_FACTOR2, &q), 1);
		/* OpenSSL's own order (its PKCS#8 is ours when p > q) */
		if (!(pfirst = BN_cmp(p, q) > 0))
			BN_swap(p, q);
		spki_of(pk, &spki, &a);
		/* the two private exponents in use, then four that are not */
		for (m = 0; m < 6; m++)
			assert_non_null(cand[m] = BN_new());
		assert_non_null(BN_copy(cand[0], d));
		assert_int_equal(BN_sub(phi, p, BN_value_one()), 1);
		assert_int_equal(BN_sub(t, q, BN_value_one()), 1);
		assert_int_equal(BN_mul(phi, phi, t, bc), 1);
		/* lambda = phi / gcd(p - 1, q - 1); d + lambda < n is one too */
		assert_int_equal(BN_sub(cand[2], p, BN_value_one()), 1);
		assert_int_equal(BN_gcd(cand[3], cand[2], t, bc), 1);
		assert_int_equal(BN_div(cand[1], NULL, phi, cand[3], bc), 1);
		assert_int_equal(BN_add(cand[1], cand[1], d), 1);
		assert_true(BN_cmp(cand[1], n) < 0);
		assert_non_null(BN_copy(cand[2], d));
		assert_int_equal(BN_add_word(cand[2], 2), 1);
		assert_int_equal(BN_one(cand[3]), 1);
		assert_int_equal(BN_sub(cand[4], n, BN_value_one()), 1);
		BN_zero(cand[5]);
		for (m = 0; m < 6; m++) {
			sec = bn_secret(cand[m], len);
			out = NULL;
			kx_diag_clear(dg);
			if (m >= 2) {
				assert_int_equal(kxi_asym_from_parts(KX_ALG_RSA,
				    spki.p, spki.n,
				    (const kx_secret *const *)&sec, 1, &out,
				    dg), KX_EKCV);
				assert_null(out);
				assert_true(kx_diag_count(dg) > 0);
				kx_secret_free(sec);
				continue;
			}
			assert_int_equal(kxi_asym_from_parts(KX_ALG_RSA,
			    spki.p, spki.n, (const kx_secret *const *)&sec, 1,
			    &out, dg), KX_OK);
			got = p8_bn(out, OSSL_PKEY_PARAM_RSA_FACTOR1);
			assert_int_equal(BN_cmp(got, p), 0);
			BN_free(got);
			got = p8_bn(out, OSSL_PKEY_PARAM_RSA_FACTOR2);
			assert_int_equal(BN_cmp(got, q), 0);
			BN_free(got);
			got = p8_bn(out, OSSL_PKEY_PARAM_RSA_D);
			assert_int_equal(BN_cmp(got, cand[m]), 0);
			BN_free(got);
			/* dP, dQ, qInv as PKCS #1 defines them */
			for (j = 0; j < 3; j++) {
				assert_non_null(want = BN_new());
				if (j < 2) {
					assert_int_equal(BN_sub(t, j == 0 ? p :
					    q, BN_value_one()), 1);
					assert_int_equal(BN_mod(want, cand[m],
					    t, bc), 1);
				} else
					assert_non_null(BN_mod_inverse(want, q,
					    p, bc));
				got = p8_bn(out, crt[j]);
				assert_int_equal(BN_cmp(got, want), 0);
				BN_free(got);
				BN_free(want);
			}
			/* OpenSSL's own PKCS#8 of the key, when its d is given */
			if (m == 0) {
				kx_secret *ref = pkcs8_of(pk);

				if (pfirst) {
					assert_int_equal(kx_secret_len(ref),
					    kx_secret_len(out));
					assert_memory_equal(kx_secret_data(ref),
					    kx_secret_data(out),
					    kx_secret_len(ref));
				}
				kx_secret_free(ref);
			}
			kx_secret_free(out);
			kx_secret_free(sec);
		}
		for (m = 0; m < 6; m++)
			BN_free(cand[m]);
		BN_free(n);
		BN_free(e);
		BN_clear_free(d);
		BN_clear_free(p);
		BN_clear_free(q);
		BN_clear_free(phi);
		BN_clear_free(t);
		BN_CTX_free(bc);
		kx_diag_free(dg);
		EVP_PKEY_free(pk);
	}
	kxi_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(families),
		cmocka_unit_test(large_rsa),
		cmocka_unit_test(refusals),
		cmocka_unit_test(rsa_aes_kwp_import),
		cmocka_unit_test(rsa_private_exponent),
		cmocka_unit_test(spki_reuse_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
