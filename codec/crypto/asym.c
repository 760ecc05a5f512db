/*
 * asym.c - rsa and ec keys as other systems hold them: a private key as
 * PKCS#8 (RFC 5958 OneAsymmetricKey, DER), its public key as an X.509
 * SubjectPublicKeyInfo (RFC 5280, DER) and the spki-sha256 fingerprint
 * (SHA-256 of that DER) in place of a KCV.  OpenSSL 3 EVP only.
 *
 * The families the model supports: RSA (rsaEncryption) and the curves of
 * the table below.  Anything else (RSA-PSS keys, DSA, explicit curve
 * parameters, other named curves) is refused with a message saying what
 * it is.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/asn1t.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"

#define OID_RSA		"1.2.840.113549.1.1.1"
#define OID_EC		"1.2.840.10045.2.1"

/* The curves (or, for the Edwards/Montgomery keys, key types) supported,
 * with the length the model gives them (rule KX101's table). */
static const struct {
	const char *oid, *name;
	unsigned bits;
	int named;		/* 1: id-ecPublicKey with this named curve */
} curves[] = {
	{ "1.2.840.10045.3.1.7", "P-256", 256, 1 },
	{ "1.3.132.0.34", "P-384", 384, 1 },
	{ "1.3.132.0.35", "P-521", 521, 1 },
	{ "1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", 256, 1 },
	{ "1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", 384, 1 },
	{ "1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", 512, 1 },
	{ "1.3.101.110", "X25519", 255, 0 },
	{ "1.3.101.112", "Ed25519", 255, 0 },
	{ "1.3.101.111", "X448", 448, 0 },
	{ "1.3.101.113", "Ed448", 448, 0 },
};

#define NCURVES (sizeof(curves) / sizeof(curves[0]))

int
kxi_spki_fingerprint(const uint8_t *spki, size_t n, uint8_t out[32])
{
	unsigned int len = 0;

	if (EVP_Digest(spki, n, out, &len, EVP_sha256(), NULL) != 1 ||
	    len != 32)
		return KX_ECRYPTO;
	return KX_OK;
}

/* The dotted text of obj into buf; KX_EINPUT if it does not fit. */
static int
oid_text(const ASN1_OBJECT *obj, char *buf, size_t size)
{
	int n = OBJ_obj2txt(buf, (int)size, obj, 1);

	return n <= 0 || (size_t)n >= size ? KX_EINPUT : KX_OK;
}

/*
 * A SubjectPublicKeyInfo as d2i_X509_PUBKEY() reads it, in two steps:
 * the ASN.1 structure by the same template as OpenSSL's
 * (X509_PUBKEY_INTERNAL: AlgorithmIdentifier, BIT STRING), then the key
 * by the provider decoder OpenSSL 3.0 would create for it (DER,
 * "SubjectPublicKeyInfo", key type = the algorithm's name).  Creating
 * that decoder is most of the cost of d2i_X509_PUBKEY() (OpenSSL 3.0
 * builds it afresh for every key, ~80 us): here it is built once per key
 * type and reused.  What is accepted and refused is the same.
 */
typedef struct {
	X509_ALGOR *algor;
	ASN1_BIT_STRING *public_key;
} KXI_SPKI;

ASN1_SEQUENCE(KXI_SPKI) = {
	ASN1_SIMPLE(KXI_SPKI, algor, X509_ALGOR),
	ASN1_SIMPLE(KXI_SPKI, public_key, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(KXI_SPKI)

/* 0: d2i_X509_PUBKEY() only (test_asym compares the two ways) */
int kxi_spki_reuse = 1;

#define SPKI_DECODERS 8
static pthread_mutex_t spki_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char type[80];
	OSSL_DECODER_CTX *dc;
	EVP_PKEY *pk;		/* where dc puts its key */
} spki_dec[SPKI_DECODERS];

/*
 * The public key of the whole DER spki of key type type, or NULL when it
 * does not decode or the decoder leaves bytes over.
 */
static EVP_PKEY *
spki_decode(const char *type, const uint8_t *spki, size_t n)
{
	const unsigned char *p = spki;
	OSSL_DECODER_CTX *tmp = NULL, *dc;
	EVP_PKEY *pk = NULL, **slot = &pk;
	size_t i, left = n;

	pthread_mutex_lock(&spki_lock);
	for (i = 0; i < SPKI_DECODERS && spki_dec[i].dc != NULL; i++)
		if (strcmp(spki_dec[i].type, type) == 0)
			break;
	if (i < SPKI_DECODERS && spki_dec[i].dc == NULL &&
	    strlen(type) < sizeof(spki_dec[i].type)) {
		spki_dec[i].dc = OSSL_DECODER_CTX_new_for_pkey(&spki_dec[i].pk,
		    "DER", "SubjectPublicKeyInfo", type, EVP_PKEY_PUBLIC_KEY,
		    NULL, NULL);
		if (spki_dec[i].dc != NULL)
			snprintf(spki_dec[i].type, sizeof(spki_dec[i].type),
			    "%s", type);
	}
	if (i < SPKI_DECODERS && spki_dec[i].dc != NULL) {
		dc = spki_dec[i].dc;
		slot = &spki_dec[i].pk;
	} else
		dc = tmp = OSSL_DECODER_CTX_new_for_pkey(&pk, "DER",
		    "SubjectPublicKeyInfo", type, EVP_PKEY_PUBLIC_KEY, NULL,
		    NULL);
	/* opportunistic, as in d2i_X509_PUBKEY(): its errors are dropped */
	ERR_set_mark();
	if (dc != NULL && OSSL_DECODER_from_data(dc, &p, &left) &&
	    left != 0) {
		EVP_PKEY_free(*slot);
		*slot = NULL;
	}
	ERR_pop_to_mark();
	pk = *slot;
	*slot = NULL;
	OSSL_DECODER_CTX_free(tmp);
	pthread_mutex_unlock(&spki_lock);
	return pk;
}

/*
 * An EC public key on one of the named curves above: OpenSSL's decoder
 * builds the curve's group afresh for every key (EC_GROUP_new_by_curve_name,
 * half of its cost) and then sets the point with EC_KEY_oct2key, which
 * checks that it is on the curve.  Here the group is built once per
 * curve, in a key of parameters only, and the point is set on that key by
 * the same EC_KEY_oct2key (EVP_PKEY_set1_encoded_public_key).  1 when the
 * point is on the curve; 0 when it is not, or for anything else (another
 * algorithm or curve, explicit parameters, a BIT STRING with unused bits):
 * the decoder then decides, with its own refusal and message.
 */
static EVP_PKEY *ec_group_key[NCURVES];

static EVP_PKEY *
ec_group_make(const ASN1_OBJECT *curve)
{
	const char *sn = OBJ_nid2sn(OBJ_obj2nid(curve));
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *pk = NULL;
	OSSL_PARAM prm[2];

	if (sn == NULL ||
	    (c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(c) != 1)
		goto out;
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)sn, 0);
	prm[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(c, &pk, EVP_PKEY_KEY_PARAMETERS, prm) != 1)
		pk = NULL;
out:
	EVP_PKEY_CTX_free(c);
	return pk;
}

static int
ec_point_decodes(const KXI_SPKI *s)
{
	const ASN1_OBJECT *aobj = NULL;
	const ASN1_BIT_STRING *bits = s->public_key;
	const void *pval = NULL;
	char oid[80];
	int ptype = 0, ok = 0;
	size_t i;

	X509_ALGOR_get0(&aobj, &ptype, &pval, s->algor);
	if (aobj == NULL || OBJ_obj2nid(aobj) != NID_X9_62_id_ecPublicKey ||
	    ptype != V_ASN1_OBJECT || pval == NULL ||
	    oid_text(pval, oid, sizeof(oid)) != KX_OK || bits == NULL ||
	    bits->length <= 0 || ((bits->flags & ASN1_STRING_FLAG_BITS_LEFT) &&
	    (bits->flags & 0x07) != 0))
		return 0;
	for (i = 0; i < NCURVES; i++)
		if (curves[i].named && strcmp(curves[i].oid, oid) == 0)
			break;
	if (i == NCURVES)
		return 0;
	pthread_mutex_lock(&spki_lock);
	if (ec_group_key[i] == NULL)
		ec_group_key[i] = ec_group_make(pval);
	ok = ec_group_key[i] != NULL &&
	    EVP_PKEY_set1_encoded_public_key(ec_group_key[i], bits->data,
	    (size_t)bits->length) == 1;
	pthread_mutex_unlock(&spki_lock);
	return ok;
}

int
kxi_spki_info(const uint8_t *spki, size_t n, struct kxi_asym *info,
    kx_diag *d)
{
	const unsigned char *p = spki;
	X509_PUBKEY *xpk = NULL;
	KXI_SPKI *s = NULL;
	const ASN1_OBJECT *aobj = NULL;
	const void *pval = NULL;
	X509_ALGOR *alg = NULL;
	EVP_PKEY *pk = NULL, *own = NULL;
	BIGNUM *e = NULL;
	/* OpenSSL 3.0's buffer for the key type (OSSL_MAX_NAME_SIZE) */
	char oid[80], what[80] = "", type[50] = "";
	int ptype = 0, ecpub = 0, ecok = 0, r = KX_EINPUT;
	size_t i;

	memset(info, 0, sizeof(*info));
	/*
	 * The fast way when the key decodes; else d2i_X509_PUBKEY() itself,
	 * for its refusals and the errors it leaves in the queue.
	 */
	ERR_set_mark();
	if (kxi_spki_reuse && n != 0 && n <= LONG_MAX &&
	    (s = (KXI_SPKI *)ASN1_item_d2i(NULL, &p, (long)n,
	    ASN1_ITEM_rptr(KXI_SPKI))) != NULL && p == spki + n) {
		/* as OpenSSL does, whatever OBJ_obj2txt() says */
		(void)OBJ_obj2txt(type, (int)sizeof(type),
		    s->algor->algorithm, 0);
		if ((ecok = ec_point_decodes(s)) == 0)
			pk = own = spki_decode(type, spki, n);
	}
	ERR_pop_to_mark();
	p = spki;
	if (pk != NULL || ecok)
		alg = s->algor;
	else if (n == 0 || n > LONG_MAX ||
	    (xpk = d2i_X509_PUBKEY(NULL, &p, (long)n)) == NULL ||
	    p != spki + n) {
		r = KX_FAIL(d, KX_EINPUT, "not a DER SubjectPublicKeyInfo");
		goto out;
	}
	if ((xpk != NULL && X509_PUBKEY_get0_param(NULL, NULL, NULL, &alg,
	    xpk) != 1) || alg == NULL) {
		r = KX_FAIL(d, KX_EINPUT, "SubjectPublicKeyInfo without an "
		    "algorithm");
		goto out;
	}
	X509_ALGOR_get0(&aobj, &ptype, &pval, alg);
	if (aobj == NULL || oid_text(aobj, oid, sizeof(oid)) != KX_OK) {
		r = KX_FAIL(d, KX_EINPUT, "SubjectPublicKeyInfo: bad "
		    "algorithm identifier");
		goto out;
	}
	if (strcmp(oid, OID_RSA) == 0)
		info->alg = KX_ALG_RSA;
	else if (strcmp(oid, OID_EC) == 0) {
		info->alg = KX_ALG_EC;
		ecpub = 1;
		if (ptype != V_ASN1_OBJECT || pval == NULL ||
		    oid_text(pval, oid, sizeof(oid)) != KX_OK) {
			r = KX_FAIL(d, KX_EUNSUPPORTED, "an EC public key "
			    "without a named curve is not supported");
			goto out;
		}
	} else
		info->alg = KX_ALG_EC;	/* Ed25519 and friends, or refused */
	if (info->alg == KX_ALG_EC) {
		for (i = 0; i < NCURVES; i++)
			if (strcmp(curves[i].oid, oid) == 0 &&
			    curves[i].named == ecpub)
				break;
		if (i == NCURVES) {
			r = KX_FAIL(d, KX_EUNSUPPORTED, "public key algorithm "
			    "or curve %s is not supported (rsa, P-256, P-384, "
			    "P-521, brainpoolP256r1/P384r1/P512r1, X25519, "
			    "Ed25519, X448, Ed448)", oid);
			goto out;
		}
		info->bits = curves[i].bits;
		snprintf(info->curve, sizeof(info->curve), "%s", oid);
		snprintf(what, sizeof(what), "%s", curves[i].name);
	}
	/* the key itself decodes (a point on the curve, a modulus) */
	if (!ecok && pk == NULL && (pk = X509_PUBKEY_get0(xpk)) == NULL) {
		r = kxi_diag_openssl(d, KX_EINPUT, "SubjectPublicKeyInfo: "
		    "the public key does not decode");
		goto out;
	}
	if (info->alg == KX_ALG_RSA) {
		if (!EVP_PKEY_is_a(pk, "RSA") ||
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
		    BN_num_bits(e) > 63) {
			r = KX_FAIL(d, KX_EUNSUPPORTED, "RSA public key: no "
			    "usable exponent");
			goto out;
		}
		info->bits = (unsigned)EVP_PKEY_get_bits(pk);
		info->rsa_e = (uint64_t)BN_get_word(e);
	}
	r = KX_OK;
out:
	BN_free(e);
	EVP_PKEY_free(own);
	X509_PUBKEY_free(xpk);
	ASN1_item_free((ASN1_VALUE *)s, ASN1_ITEM_rptr(KXI_SPKI));
	return r;
}

/* The private key of v: PKCS#8 DER, or (pem) an unencrypted PEM key. */
static int
parse_private(const kx_secret *v, int pem, EVP_PKEY **out, kx_diag *d)
{
	struct kxi_pem_pass pp = { NULL, 0 };	/* never prompts */
	const unsigned char *p = kx_secret_data(v);
	size_t n = kx_secret_len(v);
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	BIO *b = NULL;

	*out = NULL;
	if (n == 0 || n > INT_MAX)
		return KX_FAIL(d, KX_EINPUT, "empty private key");
	if (pem && n > 11 && memcmp(p, "-----BEGIN ", 11) == 0) {
		if ((b = BIO_new_mem_buf(p, (int)n)) == NULL)
			return KX_FAIL(d, KX_ENOMEM, "out of memory");
		*out = PEM_read_bio_PrivateKey(b, NULL, kxi_pem_pass_cb, &pp);
		BIO_free(b);
		if (*out == NULL)
			return kxi_diag_openssl(d, KX_EINPUT, pp.asked ?
			    "an encrypted PEM private key: give its "
			    "passphrase" : "not a PEM private key");
		return KX_OK;
	}
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)n)) == NULL ||
	    p != kx_secret_data(v) + n || (*out = EVP_PKCS82PKEY(p8)) ==
	    NULL) {
		PKCS8_PRIV_KEY_INFO_free(p8);
		return kxi_diag_openssl(d, KX_EINPUT, pem ? "not a PKCS#8 "
		    "(DER) or PEM private key" : "not a PKCS#8 (DER) private "
		    "key");
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	return KX_OK;
}

int
kxi_asym_private(const kx_secret *v, int pem, kx_secret **pkcs8,
    kx_buf *spki, kx_diag *d)
{
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char *q, *pub = NULL;
	int len, r;

	*pkcs8 = NULL;
	spki->len = 0;
	if ((r = parse_private(v, pem, &pk, d)) != KX_OK)
		goto out;
	/* the private part and the public part are one key pair */
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	if (EVP_PKEY_pairwise_check(ctx) == 0) {
		r = kxi_diag_openssl(d, KX_EINPUT, "the private key is not "
		    "consistent (its public half does not match)");
		goto out;
	}
	if ((len = i2d_PUBKEY(pk, &pub)) <= 0 ||
	    kx_buf_append(spki, pub, (size_t)len) != KX_OK) {
		r = kxi_diag_openssl(d, KX_EUNSUPPORTED, "the private key has "
		    "no public key encoding");
		goto out;
	}
	if ((p8 = EVP_PKEY2PKCS8(pk)) == NULL ||
	    (len = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL)) <= 0) {
		r = kxi_diag_openssl(d, KX_EUNSUPPORTED, "the private key has "
		    "no PKCS#8 encoding");
		goto out;
	}
	if ((r = kx_secret_new((size_t)len, pkcs8)) != KX_OK) {
		r = KX_FAIL(d, r, "out of memory");
		goto out;
	}
	q = kx_secret_mut(*pkcs8);
	if (i2d_PKCS8_PRIV_KEY_INFO(p8, &q) != len) {
		r = kxi_diag_openssl(d, KX_EINTERNAL, "PKCS#8 encoding");
		goto out;
	}
	r = KX_OK;
out:
	if (r != KX_OK) {
		kx_secret_free(*pkcs8);
		*pkcs8 = NULL;
	}
	OPENSSL_free(pub);
	PKCS8_PRIV_KEY_INFO_free(p8);	/* cleanses the key octets */
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return r;
}

/* The curve of the table with this dotted OID, named (id-ecPublicKey). */
static int
named_curve(const char *oid)
{
	size_t i;

	for (i = 0; i < NCURVES; i++)
		if (curves[i].named && strcmp(curves[i].oid, oid) == 0)
			return (int)i;
	return -1;
}

/* *p, *n without its leading zero bytes (an unsigned big-endian number). */
static void
strip_zeros(const uint8_t **p, size_t *n)
{
	while (*n > 0 && **p == 0) {
		(*p)++;
		(*n)--;
	}
}

int
kxi_spki_build(const struct kxi_pub *pub, kx_buf *spki, kx_diag *d)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *n = NULL, *e = NULL;
	ASN1_OBJECT *obj = NULL;
	unsigned char *der = NULL, *pt = NULL;
	const uint8_t *a = pub->a, *b = pub->b;
	size_t alen = pub->alen, blen = pub->blen, flen = 0;
	int c = -1, len, r = KX_EINPUT;

	spki->len = 0;
	strip_zeros(&a, &alen);
	strip_zeros(&b, &blen);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	if (pub->alg == KX_ALG_RSA) {
		if (alen == 0 || (a[alen - 1] & 1) == 0 || alen > 2048 ||
		    blen == 0 || blen > alen || (b[blen - 1] & 1) == 0 ||
		    (blen == 1 && b[0] < 3)) {
			r = KX_FAIL(d, KX_EINPUT, "an RSA public key needs an "
			    "odd modulus and an odd exponent >= 3 below it");
			goto out;
		}
		if ((n = BN_bin2bn(a, (int)alen, NULL)) == NULL ||
		    (e = BN_bin2bn(b, (int)blen, NULL)) == NULL ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1) {
			r = KX_FAIL(d, KX_ENOMEM, "out of memory");
			goto out;
		}
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else if (pub->alg == KX_ALG_EC) {
		if ((c = named_curve(pub->curve)) < 0 ||
		    (obj = OBJ_txt2obj(pub->curve, 1)) == NULL ||
		    OBJ_obj2nid(obj) == NID_undef) {
			r = KX_FAIL(d, KX_EUNSUPPORTED, "curve %s is not "
			    "supported as coordinates (P-256, P-384, P-521, "
			    "brainpoolP256r1/P384r1/P512r1)", pub->curve);
			goto out;
		}
		flen = (curves[c].bits + 7) / 8;
		if (alen > flen || blen > flen) {
			r = KX_FAIL(d, KX_EINPUT, "a coordinate longer than "
			    "the %zu bytes of %s", flen, curves[c].name);
			goto out;
		}
		/* the uncompressed point 04 || X || Y, each field-long */
		if ((pt = OPENSSL_zalloc(1 + 2 * flen)) == NULL) {
			r = KX_FAIL(d, KX_ENOMEM, "out of memory");
			goto out;
		}
		pt[0] = 0x04;
		if (alen > 0)
			memcpy(pt + 1 + flen - alen, a, alen);
		if (blen > 0)
			memcpy(pt + 1 + 2 * flen - blen, b, blen);
		if (OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME,
		    OBJ_nid2sn(OBJ_obj2nid(obj)), 0) != 1 ||
		    OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * flen) != 1) {
			r = KX_FAIL(d, KX_ENOMEM, "out of memory");
			goto out;
		}
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	} else {
		r = KX_FAIL(d, KX_EUNSUPPORTED, "not an rsa or ec key");
		goto out;
	}
	if (ctx == NULL || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL) {
		r = kxi_diag_openssl(d, KX_ENOMEM, "public key parameters");
		goto out;
	}
	/*
	 * The point of an EC key is checked on its curve.  An RSA key gets
	 * only the checks above: OpenSSL's RSA public check runs
	 * Miller-Rabin with random bases on the modulus, so one document
	 * would be accepted on one run and refused on the next (found by
	 * the gp fuzz target); a native SubjectPublicKeyInfo gets no more.
	 */
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1 ||
	    (pub->alg == KX_ALG_EC &&
	    ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) != 1))) {
		r = kxi_diag_openssl(d, KX_EINPUT, pub->alg == KX_ALG_EC ?
		    "the coordinates are not a point of the curve" :
		    "not a usable RSA public key");
		goto out;
	}
	if ((len = i2d_PUBKEY(pk, &der)) <= 0) {
		r = kxi_diag_openssl(d, KX_EINTERNAL, "SubjectPublicKeyInfo "
		    "encoding");
		goto out;
	}
	if ((r = kx_buf_append(spki, der, (size_t)len)) != KX_OK) {
		r = KX_FAIL(d, r, "out of memory");
		goto out;
	}
	r = KX_OK;
out:
	OPENSSL_free(der);
	OPENSSL_free(pt);
	ASN1_OBJECT_free(obj);
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

/* bn into out as an unsigned big-endian number of len bytes (0: minimal). */
static int
bn_out(const BIGNUM *bn, size_t len, kx_buf *out)
{
	uint8_t buf[2048];
	int n;

	if (len == 0)
		len = (size_t)BN_num_bytes(bn);
	if (len == 0 || len > sizeof(buf) ||
	    (n = BN_bn2binpad(bn, buf, (int)len)) < 0)
		return KX_EINPUT;
	return kx_buf_append(out, buf, (size_t)n);
}

int
kxi_spki_split(const uint8_t *spki, size_t n, struct kxi_pub_out *out,
    kx_diag *d)
{
	struct kxi_asym info;
	const unsigned char *p = spki;
	EVP_PKEY *pk = NULL;
	BIGNUM *a = NULL, *b = NULL;
	int c = -1, r;

	out->a.len = out->b.len = 0;
	out->curve[0] = '\0';
	if ((r = kxi_spki_info(spki, n, &info, d)) != KX_OK)
		return r;
	out->alg = info.alg;
	if (info.alg == KX_ALG_EC && (c = named_curve(info.curve)) < 0)
		return KX_FAIL(d, KX_EUNSUPPORTED, "%s %s public key has no "
		    "coordinates to name", kxi_an(info.curve), info.curve);
	if ((pk = d2i_PUBKEY(NULL, &p, (long)n)) == NULL) {
		r = kxi_diag_openssl(d, KX_EINPUT, "SubjectPublicKeyInfo");
		goto out;
	}
	if (info.alg == KX_ALG_RSA) {
		r = EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &a) == 1 &&
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &b) == 1 ?
		    KX_OK : KX_EINPUT;
		if (r == KX_OK && (r = bn_out(a, 0, &out->a)) == KX_OK)
			r = bn_out(b, 0, &out->b);
	} else {
		size_t flen = (curves[c].bits + 7) / 8;

		snprintf(out->curve, sizeof(out->curve), "%s", info.curve);
		r = EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &a) ==
		    1 && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y,
		    &b) == 1 ? KX_OK : KX_EINPUT;
		if (r == KX_OK && (r = bn_out(a, flen, &out->a)) == KX_OK)
			r = bn_out(b, flen, &out->b);
	}
	if (r != KX_OK)
		r = kxi_diag_openssl(d, r, "the public key's numbers");
out:
	BN_free(a);
	BN_free(b);
	EVP_PKEY_free(pk);
	return r;
}

/* A secret number into a secure BIGNUM; NULL when out of memory. */
static BIGNUM *
secret_bn(const kx_secret *s)
{
	BIGNUM *bn = BN_secure_new();

	if (bn != NULL && BN_bin2bn(kx_secret_data(s), (int)kx_secret_len(s),
	    bn) == NULL) {
		BN_clear_free(bn);
		bn = NULL;
	}
	return bn;
}

/* d = e^-1 mod lcm(p - 1, q - 1), the private exponent of CRT parts. */
static BIGNUM *
rsa_d(const BIGNUM *e, const BIGNUM *p, const BIGNUM *q, BN_CTX *bc)
{
	BIGNUM *p1 = BN_secure_new(), *q1 = BN_secure_new();
	BIGNUM *g = BN_secure_new(), *l = BN_secure_new(), *d = NULL;

	if (p1 == NULL || q1 == NULL || g == NULL || l == NULL ||
	    BN_sub(p1, p, BN_value_one()) != 1 ||
	    BN_sub(q1, q, BN_value_one()) != 1 ||
	    BN_gcd(g, p1, q1, bc) != 1 || BN_mul(l, p1, q1, bc) != 1 ||
	    BN_div(l, NULL, l, g, bc) != 1 || (d = BN_secure_new()) == NULL ||
	    BN_mod_inverse(d, e, l, bc) == NULL) {
		BN_clear_free(d);
		d = NULL;
	}
	BN_clear_free(p1);
	BN_clear_free(q1);
	BN_clear_free(g);
	BN_clear_free(l);
	return d;
}

/*
 * The primes of n from its exponents e and d, and the CRT parts of d:
 * f[0..4] = p, q, dP, dQ, qInv with p > q (PKCS #1's order).  The
 * probabilistic prime-factor recovery of NIST SP 800-56B Rev. 2,
 * Appendix C.2: de - 1 is a multiple of lcm(p - 1, q - 1), so for most g
 * a square root of 1 mod n other than +-1 turns up among g^(a/2^t),
 * g^(2a/2^t), ..., and gcd(y - 1, n) is a prime.  -1 when e and d are no
 * key pair of n (nothing found in 100 tries), 0 when out of memory, 1
 * found; f[] is NULL on entry and again unless 1.
 */
static int
rsa_factors(const BIGNUM *n, const BIGNUM *e, const BIGNUM *d, BIGNUM *f[5],
    BN_CTX *bc)
{
	BIGNUM *a = BN_secure_new(), *m = BN_secure_new(), *g = BN_new();
	BIGNUM *y = BN_secure_new(), *x = BN_secure_new(), *n1 = BN_new();
	BIGNUM *n3 = BN_new(), *rem = BN_secure_new(), *t1 = BN_secure_new();
	int r = 0, i, j, t, found = 0;

	if (a == NULL || m == NULL || g == NULL || y == NULL || x == NULL ||
	    n1 == NULL || n3 == NULL || rem == NULL || t1 == NULL)
		goto out;
	for (i = 0; i < 5; i++)
		if ((f[i] = BN_secure_new()) == NULL)
			goto out;
	r = -1;
	/* 1 < d < n, n odd: anything else is no private exponent of n */
	if (!BN_is_odd(n) || BN_cmp(d, BN_value_one()) <= 0 ||
	    BN_cmp(d, n) >= 0)
		goto out;
	r = 0;
	/* a = (de - 1) gcd(n - 1, de - 1); m = a / 2^t, odd */
	if (BN_mul(m, d, e, bc) != 1 || BN_sub_word(m, 1) != 1 ||
	    BN_sub(n1, n, BN_value_one()) != 1 ||
	    BN_gcd(a, n1, m, bc) != 1 || BN_mul(a, a, m, bc) != 1 ||
	    BN_copy(m, a) == NULL || BN_sub(n3, n, BN_value_one()) != 1 ||
	    BN_sub_word(n3, 2) != 1)
		goto out;
	for (t = 0; !BN_is_zero(m) && !BN_is_odd(m); t++)
		if (BN_rshift1(m, m) != 1)
			goto out;
	BN_set_flags(m, BN_FLG_CONSTTIME);
	for (i = 0; i < 100 && t > 0 && !found; i++) {
		/* g random in [2, n - 2] */
		if (BN_priv_rand_range_ex(g, n3, 0, bc) != 1 ||
		    BN_add_word(g, 2) != 1 ||
		    BN_mod_exp_mont_consttime(y, g, m, n, bc, NULL) != 1)
			goto out;
		if (BN_is_one(y) || BN_cmp(y, n1) == 0)
			continue;
		for (j = 1; j <= t; j++) {
			if (BN_mod_sqr(x, y, n, bc) != 1)
				goto out;
			if (BN_is_one(x)) {
				found = 1;
				break;
			}
			if (BN_cmp(x, n1) == 0)
				break;
			if (BN_copy(y, x) == NULL)
				goto out;
		}
	}
	r = -1;
	if (!found)
		goto out;
	r = 0;
	/* p = gcd(y - 1, n), q = n / p */
	if (BN_sub_word(y, 1) != 1 || BN_gcd(f[0], y, n, bc) != 1 ||
	    BN_div(f[1], rem, n, f[0], bc) != 1)
		goto out;
	r = -1;
	if (!BN_is_zero(rem) || BN_is_one(f[0]) || BN_is_one(f[1]))
		goto out;
	r = 0;
	if (BN_cmp(f[0], f[1]) < 0)
		BN_swap(f[0], f[1]);
	/* dP = d mod (p - 1), dQ = d mod (q - 1), qInv = q^-1 mod p */
	if (BN_sub(t1, f[0], BN_value_one()) != 1 ||
	    BN_mod(f[2], d, t1, bc) != 1 ||
	    BN_sub(t1, f[1], BN_value_one()) != 1 ||
	    BN_mod(f[3], d, t1, bc) != 1 ||
	    BN_mod_inverse(f[4], f[1], f[0], bc) == NULL)
		goto out;
	r = 1;
out:
	if (r != 1)
		for (i = 0; i < 5; i++) {
			BN_clear_free(f[i]);
			f[i] = NULL;
		}
	BN_clear_free(a);
	BN_clear_free(m);
	BN_free(g);
	BN_clear_free(y);
	BN_clear_free(x);
	BN_free(n1);
	BN_free(n3);
	BN_clear_free(rem);
	BN_clear_free(t1);
	ERR_clear_error();
	return r;
}

int
kxi_asym_from_parts(enum kx_alg alg, const uint8_t *spki, size_t spkilen,
    const kx_secret *const *sec, size_t nsec, kx_secret **pkcs8,
    kx_diag *d)
{
	static const char *const crt[] = { OSSL_PKEY_PARAM_RSA_FACTOR1,
	    OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
	    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1 };
	const unsigned char *sp = spki;
	EVP_PKEY *pub = NULL, *pk = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BN_CTX *bc = NULL;
	BIGNUM *bn[5] = { NULL }, *n = NULL, *e = NULL, *dd = NULL;
	unsigned char pt[1 + 2 * 66 + 64];
	char group[80];
	size_t i, ptlen = 0;
	int r = KX_ENOMEM, found;

	*pkcs8 = NULL;
	if (spkilen == 0 || spkilen > LONG_MAX ||
	    (pub = d2i_PUBKEY(NULL, &sp, (long)spkilen)) == NULL ||
	    sp != spki + spkilen)
		return kxi_diag_openssl(d, KX_EINPUT, "the profile's public "
		    "key is no SubjectPublicKeyInfo");
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto nomem;
	if (alg == KX_ALG_EC && nsec == 1 && EVP_PKEY_is_a(pub, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(pub,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) !=
		    1 || EVP_PKEY_get_octet_string_param(pub,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptlen) != 1) {
			r = kxi_diag_openssl(d, KX_EUNSUPPORTED, "the "
			    "profile's EC public key has no named curve");
			goto out;
		}
		if ((bn[0] = secret_bn(sec[0])) == NULL ||
		    OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
		    OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, ptlen) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY,
		    bn[0]) != 1)
			goto nomem;
	} else if (alg == KX_ALG_RSA && (nsec == 5 || nsec == 1) &&
	    EVP_PKEY_is_a(pub, "RSA")) {
		if (EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n) !=
		    1 || EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E,
		    &e) != 1 ||
		    (bc = BN_CTX_secure_new()) == NULL)
			goto nomem;
		if (nsec == 1) {
			/* the private exponent: its primes recovered */
			if ((dd = secret_bn(sec[0])) == NULL ||
			    (found = rsa_factors(n, e, dd, bn, bc)) == 0)
				goto nomem;
			if (found < 0) {
				r = KX_FAIL(d, KX_EKCV, "the private exponent "
				    "is not that of the profile's public key "
				    "(no factors of the modulus recovered "
				    "from it)");
				goto out;
			}
		} else {
			for (i = 0; i < 5; i++)
				if ((bn[i] = secret_bn(sec[i])) == NULL)
					goto nomem;
			if (BN_is_zero(bn[0]) || BN_is_zero(bn[1]) ||
			    (dd = rsa_d(e, bn[0], bn[1], bc)) == NULL) {
				r = KX_FAIL(d, KX_EKCV, "the CRT parts give no "
				    "private exponent for the profile's public "
				    "exponent");
				goto out;
			}
		}
		if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) !=
		    1 || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E,
		    e) != 1 || OSSL_PARAM_BLD_push_BN(bld,
		    OSSL_PKEY_PARAM_RSA_D, dd) != 1)
			goto nomem;
		for (i = 0; i < 5; i++)
			if (OSSL_PARAM_BLD_push_BN(bld, crt[i], bn[i]) != 1)
				goto nomem;
	} else {
		r = KX_FAIL(d, KX_EUNSUPPORTED, "the parts are not those of "
		    "the profile's public key's family");
		goto out;
	}
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL)) == NULL)
		goto nomem;
	if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pk,
	    EVP_PKEY_KEYPAIR, params) != 1) {
		r = kxi_diag_openssl(d, KX_EKCV, "the parts are no private "
		    "key");
		goto out;
	}
	EVP_PKEY_CTX_free(ctx);
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL)
		goto nomem;
	if (EVP_PKEY_pairwise_check(ctx) != 1 || EVP_PKEY_eq(pk, pub) != 1) {
		ERR_clear_error();
		r = KX_FAIL(d, KX_EKCV, "the private parts are not the "
		    "private key of the profile's public key");
		goto out;
	}
	{
		PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
		unsigned char *q;
		int len;

		if (p8 == NULL || (len = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL)) <=
		    0 || (r = kx_secret_new((size_t)len, pkcs8)) != KX_OK) {
			PKCS8_PRIV_KEY_INFO_free(p8);
			r = kxi_diag_openssl(d, KX_EINTERNAL, "PKCS#8 "
			    "encoding");
			goto out;
		}
		q = kx_secret_mut(*pkcs8);
		if (i2d_PKCS8_PRIV_KEY_INFO(p8, &q) != len) {
			PKCS8_PRIV_KEY_INFO_free(p8);
			kx_secret_free(*pkcs8);
			*pkcs8 = NULL;
			r = kxi_diag_openssl(d, KX_EINTERNAL, "PKCS#8 "
			    "encoding");
			goto out;
		}
		PKCS8_PRIV_KEY_INFO_free(p8);
	}
	r = KX_OK;
	goto out;
nomem:
	r = KX_FAIL(d, KX_ENOMEM, "out of memory");
out:
	for (i = 0; i < 5; i++)
		BN_clear_free(bn[i]);
	BN_clear_free(dd);
	BN_free(n);
	BN_free(e);
	BN_CTX_free(bc);
	OSSL_PARAM_free(params);	/* its secure block is cleansed */
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(pub);
	return r;
}
