/*
 * wrap.c - key wrapping mechanisms (model.md d.6, e.2; doc/bound-wrap.md).
 *
 *   aes-kw           RFC 3394 / SP 800-38F KW   (OpenSSL AES-xxx-WRAP)
 *   aes-kwp          RFC 5649 / SP 800-38F KWP  (OpenSSL AES-xxx-WRAP-PAD)
 *   tdea-ecb         legacy GP DEK encryption: TDEA-ECB, no padding,
 *                    unauthenticated (GPCS 11.8.2.3)
 *   tdea-cbc         TDEA-CBC, zero IV, no padding, unauthenticated
 *   aes-cbc          AES-CBC, zero ICV, no padding, unauthenticated: GP's
 *                    DEK encryption of key data under an AES key (SCP03,
 *                    GPCS Amendment D); key lengths a multiple of 16 only
 *   rsa-oaep-sha256  RSAES-OAEP, SHA-256, MGF1-SHA-256, empty label
 *                    (RFC 8017 7.1); kek = PEM key
 *   rsa-aes-kwp      RSA-OAEP-SHA256(ephemeral AES-256) || AES-KWP(key),
 *                    the PKCS#11 CKM_RSA_AES_KEY_WRAP / cloud-KMS layout
 *   aes-siv-bound    K_siv = SP 800-108 KDF (CMAC) of the KEK, then AES-SIV
 *                    (RFC 5297) with the profile DER as associated data;
 *                    output V || C (doc/bound-wrap.md)
 *   aes-kwp-cmac-bound  AES-KWP under a derived KBEK, then AES-CMAC under
 *                    a derived KBAK over the associated data and the
 *                    block: a bound form a PKCS#11 token computes
 *                    (kwpcmac.c)
 *
 * tr31-d is not a kx_wrap mechanism (it needs the TR-31 header; the TR-31
 * spoke owns it).  Unauthenticated mechanisms (tdea-*, aes-cbc) cannot detect a
 * wrong KEK; every other failure to unwrap is KX_ECRYPTO.  OpenSSL errors
 * go to the diag, never to stderr.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "internal.h"

#define KX_WRAP_MAX_IN	((size_t)1 << 20)	/* 1 MiB of key data */
/* The KDF label of each bound-wrap version (doc/bound-wrap.md 2, 8). */
static const char *const siv_labels[] = {
	NULL, "kmsxchg aes-siv-bound v1", "kmsxchg aes-siv-bound v2"
};

static const char *
aes_name(size_t keylen, const char *suffix, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "AES-%zu-%s", keylen * 8, suffix);
	return buf;
}

static int
aes_kek_ok(size_t n)
{
	return n == 16 || n == 24 || n == 32;
}

/* ---- AES-KW / AES-KWP ------------------------------------------------ */
static int
aes_kw(int enc, int pad, const uint8_t *kek, size_t keklen,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen,
    kx_diag *d)
{
	char name[32];

	aes_name(keklen, pad ? "WRAP-PAD" : "WRAP", name, sizeof(name));
	return kxi_cipher_once(name, enc, kek, NULL, 0, in, inlen, out,
	    outlen, enc ? "wrap: AES key wrap failed" :
	    "unwrap: AES key unwrap failed (integrity check)", d);
}

/* ---- TDEA ECB/CBC ----------------------------------------------------- */
static int
tdea(int enc, int cbc, const uint8_t *kek, size_t keklen, const uint8_t *in,
    size_t inlen, uint8_t *out, kx_diag *d)
{
	static const uint8_t iv[8];
	uint8_t k24[24];
	int r;

	if (keklen != 16 && keklen != 24)
		return KX_FAIL(d, KX_EINPUT,
		    "wrap: a tdea KEK must be 16 or 24 bytes, not %zu", keklen);
	(void)kxi_tdea_key24(kek, keklen, k24);
	r = kxi_cipher_once(cbc ? "DES-EDE3-CBC" : "DES-EDE3-ECB", enc, k24,
	    cbc ? iv : NULL, 1, in, inlen, out, NULL, "wrap: TDEA failed", d);
	OPENSSL_cleanse(k24, sizeof(k24));
	return r;
}

/* ---- AES-CBC, zero ICV (GP SCP03 key data) -------------------------- */
static int
aes_cbc(int enc, const uint8_t *kek, size_t keklen, const uint8_t *in,
    size_t inlen, uint8_t *out, kx_diag *d)
{
	static const uint8_t icv[16];
	char name[32];

	if (!aes_kek_ok(keklen))
		return KX_FAIL(d, KX_EINPUT, "%s aes-cbc: the KEK must be "
		    "AES-128/192/256, not %zu bytes", enc ? "wrap" : "unwrap",
		    keklen);
	if (inlen == 0 || inlen % 16 != 0)
		return KX_FAIL(d, enc ? KX_EINPUT : KX_ECRYPTO, "%s aes-cbc: "
		    "length %zu is not a multiple of 16 (GP pads no key)",
		    enc ? "wrap" : "unwrap", inlen);
	aes_name(keklen, "CBC", name, sizeof(name));
	return kxi_cipher_once(name, enc, kek, icv, 1, in, inlen, out, NULL,
	    "wrap: AES-CBC failed", d);
}

/* ---- RSA-OAEP --------------------------------------------------------- */
static int pem_key(const kx_secret *kek, int priv, EVP_PKEY **out,
    kx_diag *d);

int
kxi_rsa_bits(const kx_secret *kek, unsigned *bits, kx_diag *d)
{
	EVP_PKEY *pk = NULL;
	int r;

	*bits = 0;
	if ((r = pem_key(kek, 0, &pk, d)) != KX_OK)
		return r;
	*bits = (unsigned)EVP_PKEY_get_bits(pk);
	EVP_PKEY_free(pk);
	return KX_OK;
}

static int
pem_key(const kx_secret *kek, int priv, EVP_PKEY **out, kx_diag *d)
{
	struct kxi_pem_pass pp = { NULL, 0 };	/* never prompts */
	BIO *b;
	EVP_PKEY *pk = NULL;

	*out = NULL;
	if (kx_secret_len(kek) == 0 || kx_secret_len(kek) > INT_MAX)
		return KX_FAIL(d, KX_EINPUT, "wrap: empty RSA key");
	b = BIO_new_mem_buf(kx_secret_data(kek), (int)kx_secret_len(kek));
	if (b == NULL)
		return KX_ENOMEM;
	if (priv)
		pk = PEM_read_bio_PrivateKey(b, NULL, kxi_pem_pass_cb, &pp);
	else {
		pk = PEM_read_bio_PUBKEY(b, NULL, kxi_pem_pass_cb, &pp);
		if (pk == NULL) {
			/* a private key also carries the public half */
			(void)BIO_reset(b);
			ERR_clear_error();
			pk = PEM_read_bio_PrivateKey(b, NULL, kxi_pem_pass_cb,
			    &pp);
		}
	}
	BIO_free(b);
	if (pk == NULL && pp.asked)
		return kxi_diag_openssl(d, KX_EUSAGE, "the KEK is an encrypted "
		    "PEM private key: its passphrase comes from a key source "
		    "(never the terminal)");
	if (pk == NULL)
		return kxi_diag_openssl(d, KX_EINPUT, priv ?
		    "unwrap: the KEK is not a PEM private key" :
		    "wrap: the KEK is not a PEM public key");
	if (!EVP_PKEY_is_a(pk, "RSA")) {
		EVP_PKEY_free(pk);
		return KX_FAIL(d, KX_EINPUT, "wrap: the KEK is not an RSA key");
	}
	*out = pk;
	return KX_OK;
}

static int
oaep_ctx(EVP_PKEY *pk, int enc, EVP_PKEY_CTX **out, kx_diag *d)
{
	EVP_PKEY_CTX *ctx;
	EVP_MD *md = NULL;

	*out = NULL;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL)
		return kxi_diag_openssl(d, KX_ENOMEM, "wrap: RSA context");
	if ((enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx))
	    <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0) {
		EVP_MD_free(md);
		EVP_PKEY_CTX_free(ctx);
		return kxi_diag_openssl(d, KX_ECRYPTO, "wrap: RSA-OAEP setup");
	}
	EVP_MD_free(md);
	*out = ctx;
	return KX_OK;
}

static int
oaep_encrypt(EVP_PKEY *pk, const uint8_t *in, size_t inlen, kx_buf *out,
    kx_diag *d)
{
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t *tmp = NULL;
	size_t n = 0;
	int r;

	if ((r = oaep_ctx(pk, 1, &ctx, d)) != KX_OK)
		return r;
	if (EVP_PKEY_encrypt(ctx, NULL, &n, in, inlen) <= 0 ||
	    (tmp = OPENSSL_malloc(n)) == NULL ||
	    EVP_PKEY_encrypt(ctx, tmp, &n, in, inlen) <= 0) {
		r = kxi_diag_openssl(d, KX_ECRYPTO,
		    "wrap: RSA-OAEP encryption failed (key too long for the "
		    "modulus?)");
		goto out;
	}
	r = kx_buf_append(out, tmp, n);
out:
	OPENSSL_free(tmp);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int
oaep_decrypt(EVP_PKEY *pk, const uint8_t *in, size_t inlen, kx_secret **out,
    kx_diag *d)
{
	EVP_PKEY_CTX *ctx = NULL;
	kx_secret *s = NULL;
	size_t n;
	int r;

	*out = NULL;
	if ((size_t)EVP_PKEY_get_size(pk) != inlen)
		return KX_FAIL(d, KX_ECRYPTO,
		    "unwrap: RSA-OAEP ciphertext is %zu bytes, the modulus %d",
		    inlen, EVP_PKEY_get_size(pk));
	if ((r = oaep_ctx(pk, 0, &ctx, d)) != KX_OK)
		return r;
	if ((r = kx_secret_new(inlen, &s)) != KX_OK)
		goto out;
	n = inlen;
	if (EVP_PKEY_decrypt(ctx, kx_secret_mut(s), &n, in, inlen) <= 0) {
		r = kxi_diag_openssl(d, KX_ECRYPTO,
		    "unwrap: RSA-OAEP decryption failed");
		goto out;
	}
	kx_secret_truncate(s, n);
	*out = s;
	s = NULL;
	r = KX_OK;
out:
	kx_secret_free(s);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* ---- SP 800-108 KDF and AES-SIV --------------------------------------- */
int
kxi_kbkdf_cmac(const uint8_t *key, size_t keylen, const uint8_t *label,
    size_t labellen, const uint8_t *context, size_t contextlen, int raw,
    uint8_t *out, size_t outlen, kx_diag *d)
{
	char cipher[32];
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM p[9], *q = p;
	int zero = 0, r = KX_ECRYPTO;

	if (!aes_kek_ok(keylen))
		return KX_FAIL(d, KX_EUSAGE,
		    "kdf: key must be 16, 24 or 32 bytes");
	aes_name(keylen, "CBC", cipher, sizeof(cipher));
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE,
	    (char *)"COUNTER", 0);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC,
	    (char *)"CMAC", 0);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_CIPHER,
	    cipher, 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)key, keylen);
	if (labellen > 0)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)label, labellen);
	if (contextlen > 0)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    (void *)context, contextlen);
	if (raw) {
		*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_L,
		    &zero);
		*q++ = OSSL_PARAM_construct_int(
		    OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &zero);
	}
	*q = OSSL_PARAM_construct_end();
	if ((kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL ||
	    EVP_KDF_derive(ctx, out, outlen, p) <= 0) {
		r = kxi_diag_openssl(d, KX_ECRYPTO, "kdf: SP 800-108 KBKDF");
		goto out;
	}
	r = KX_OK;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return r;
}

/*
 * One AES-SIV operation on ctx (cipher c, key of keylen bytes): see
 * kxi_aes_siv.  The context is initialised afresh, so one context serves
 * any number of operations in turn: with tpl, a copy of it (a context
 * initialised once with the key for this direction: OpenSSL's SIV
 * fetches CMAC and AES-CTR and schedules both keys at every key set-up,
 * half the cost of an unwrap and a wrap), else set up with the key.
 */
static int
siv_run(EVP_CIPHER_CTX *ctx, const EVP_CIPHER_CTX *tpl,
    const EVP_CIPHER *c, int enc, const uint8_t *key, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t inlen, uint8_t *out,
    kx_diag *d)
{
	uint8_t v[16];
	const uint8_t *ct = in;
	size_t ctlen = inlen;
	int n = 0;

	if (!enc) {
		if (inlen < 16)
			return KX_FAIL(d, KX_ECRYPTO,
			    "unwrap: AES-SIV input shorter than its 16-byte V");
		memcpy(v, in, 16);
		ct = in + 16;
		ctlen = inlen - 16;
	}
	if (inlen > INT_MAX || aadlen > INT_MAX)
		return KX_FAIL(d, KX_ELIMIT, "siv: input too long");
	if (tpl != NULL ? !EVP_CIPHER_CTX_copy(ctx, tpl) :
	    !EVP_CipherInit_ex2(ctx, c, key, NULL, enc, NULL))
		return kxi_diag_openssl(d, KX_ECRYPTO, "siv: setup");
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, v)
	    <= 0)
		return kxi_diag_openssl(d, KX_ECRYPTO, "siv: set V");
	/* One update with out == NULL = one associated-data component. */
	if (aad != NULL &&
	    !EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen))
		return kxi_diag_openssl(d, KX_ECRYPTO, "siv: associated data");
	if (!EVP_CipherUpdate(ctx, enc ? out + 16 : out, &n, ct, (int)ctlen) ||
	    !EVP_CipherFinal_ex(ctx, NULL, &n)) {
		if (!enc)
			OPENSSL_cleanse(out, ctlen);
		return kxi_diag_openssl(d, KX_ECRYPTO, enc ?
		    "siv: encryption" : "unwrap: AES-SIV verification failed "
		    "(wrong KEK, profile or data)");
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out)
	    <= 0)
		return kxi_diag_openssl(d, KX_ECRYPTO, "siv: get V");
	return KX_OK;
}

static int
siv_keylen_ok(size_t keylen, kx_diag *d)
{
	if (keylen != 32 && keylen != 48 && keylen != 64)
		return KX_FAIL(d, KX_EUSAGE, "siv: key must be 32, 48 or 64 "
		    "bytes");
	return KX_OK;
}

/* The fetched AES-SIV cipher and a context for a key of keylen bytes. */
static int
siv_setup(size_t keylen, EVP_CIPHER **c, EVP_CIPHER_CTX **ctx, kx_diag *d)
{
	char name[32];

	snprintf(name, sizeof(name), "AES-%zu-SIV", keylen * 4);
	if ((*c = EVP_CIPHER_fetch(NULL, name, NULL)) == NULL ||
	    (*ctx = EVP_CIPHER_CTX_new()) == NULL)
		return kxi_diag_openssl(d, KX_ECRYPTO, "siv: setup");
	return KX_OK;
}

int
kxi_aes_siv(int enc, const uint8_t *key, size_t keylen, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t inlen, uint8_t *out,
    kx_diag *d)
{
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	int r;

	if ((r = siv_keylen_ok(keylen, d)) == KX_OK &&
	    (r = siv_setup(keylen, &c, &ctx, d)) == KX_OK)
		r = siv_run(ctx, NULL, c, enc, key, aad, aadlen, in, inlen,
		    out, d);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return r;
}

/* K_siv of bound-wrap version v from the KEK (doc/bound-wrap.md 2). */
static int
siv_key(const kx_secret *kek, unsigned v, kx_secret **out, kx_diag *d)
{
	size_t n = kx_secret_len(kek);
	int r;

	*out = NULL;
	if (v == 0 || v >= sizeof(siv_labels) / sizeof(siv_labels[0]))
		return KX_FAIL(d, KX_EUNSUPPORTED, "aes-siv-bound: no "
		    "version %u", v);
	if (!aes_kek_ok(n))
		return KX_FAIL(d, KX_EINPUT,
		    "aes-siv-bound: the KEK must be AES-128/192/256, not %zu "
		    "bytes", n);
	if ((r = kx_secret_new(2 * n, out)) != KX_OK)
		return r;
	r = kxi_kbkdf_cmac(kx_secret_data(kek), n,
	    (const uint8_t *)siv_labels[v], strlen(siv_labels[v]), NULL, 0, 0,
	    kx_secret_mut(*out), 2 * n, d);
	if (r != KX_OK) {
		kx_secret_free(*out);
		*out = NULL;
	}
	return r;
}

/*
 * What a bound wrap of one version needs from its KEK, made once for any
 * number of keys: K_siv (the KDF output), the fetched cipher, a context
 * set up with K_siv for each direction (tpl[0] unwraps, tpl[1] wraps;
 * never run, only copied) and the context each operation runs on.
 */
struct kxi_siv {
	kx_secret *key;
	EVP_CIPHER *c;
	EVP_CIPHER_CTX *ctx, *tpl[2];
};

int
kxi_siv_new(unsigned v, const kx_secret *kek, struct kxi_siv **out,
    kx_diag *d)
{
	struct kxi_siv *s;
	int r, i;

	*out = NULL;
	if (kek == NULL)
		return KX_FAIL(d, KX_EUSAGE, "wrap: missing KEK");
	if ((s = OPENSSL_zalloc(sizeof(*s))) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	if ((r = siv_key(kek, v, &s->key, d)) != KX_OK ||
	    (r = siv_setup(kx_secret_len(s->key), &s->c, &s->ctx, d)) !=
	    KX_OK) {
		kxi_siv_free(s);
		return r;
	}
	for (i = 0; i < 2; i++)
		if ((s->tpl[i] = EVP_CIPHER_CTX_new()) == NULL ||
		    !EVP_CipherInit_ex2(s->tpl[i], s->c,
		    kx_secret_data(s->key), NULL, i, NULL)) {
			kxi_siv_free(s);
			return kxi_diag_openssl(d, KX_ECRYPTO, "siv: setup");
		}
	*out = s;
	return KX_OK;
}

void
kxi_siv_free(struct kxi_siv *s)
{
	if (s == NULL)
		return;
	EVP_CIPHER_CTX_free(s->ctx);	/* clears the key schedule */
	EVP_CIPHER_CTX_free(s->tpl[0]);
	EVP_CIPHER_CTX_free(s->tpl[1]);
	EVP_CIPHER_free(s->c);
	kx_secret_free(s->key);
	OPENSSL_free(s);
}

int
kxi_siv_wrap(struct kxi_siv *s, const kx_secret *key, const uint8_t *aad,
    size_t aadlen, kx_buf *out, kx_diag *d)
{
	size_t klen = kx_secret_len(key);
	uint8_t *o = NULL;
	int r;

	if (key == NULL || out == NULL)
		return KX_FAIL(d, KX_EUSAGE, "wrap: missing key or KEK");
	if (klen == 0 || klen > KX_WRAP_MAX_IN)
		return KX_FAIL(d, KX_EUSAGE, "wrap aes-siv-bound: key length "
		    "%zu out of range", klen);
	if (aad == NULL || aadlen == 0)
		return KX_FAIL(d, KX_EUSAGE, "wrap aes-siv-bound: the "
		    "associated data is missing");
	if ((o = OPENSSL_malloc(klen + 16)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	r = siv_run(s->ctx, s->tpl[1], s->c, 1, kx_secret_data(s->key), aad,
	    aadlen, kx_secret_data(key), klen, o, d);
	if (r == KX_OK)
		r = kx_buf_append(out, o, klen + 16);
	OPENSSL_free(o);	/* ciphertext only */
	return r;
}

int
kxi_siv_unwrap(struct kxi_siv *s, const uint8_t *in, size_t inlen,
    const uint8_t *aad, size_t aadlen, kx_secret **out, kx_diag *d)
{
	kx_secret *v = NULL;
	int r;

	if (out == NULL)
		return KX_FAIL(d, KX_EUSAGE, "unwrap: no output");
	*out = NULL;
	if (in == NULL)
		return KX_FAIL(d, KX_EUSAGE, "unwrap: missing input or KEK");
	if (inlen > KX_WRAP_MAX_IN + 1024)
		return KX_FAIL(d, KX_ELIMIT, "unwrap aes-siv-bound: input of "
		    "%zu bytes exceeds the limit", inlen);
	if (aad == NULL || aadlen == 0)
		return KX_FAIL(d, KX_EUSAGE, "unwrap aes-siv-bound: the "
		    "associated data is missing");
	if (inlen <= 16)
		return KX_FAIL(d, KX_ECRYPTO, "unwrap aes-siv-bound: input of "
		    "%zu bytes is too short", inlen);
	if ((r = kx_secret_new(inlen - 16, &v)) != KX_OK)
		return r;
	if ((r = siv_run(s->ctx, s->tpl[0], s->c, 0, kx_secret_data(s->key),
	    aad, aadlen, in, inlen, kx_secret_mut(v), d)) != KX_OK) {
		kx_secret_free(v);
		return r;
	}
	*out = v;
	return KX_OK;
}

int
kxi_bound_wrap(unsigned v, const kx_secret *kek, const kx_secret *key,
    const uint8_t *aad, size_t aadlen, kx_buf *out, kx_diag *d)
{
	struct kxi_siv *s = NULL;
	int r;

	if (kek == NULL || key == NULL || out == NULL)
		return KX_FAIL(d, KX_EUSAGE, "wrap: missing key or KEK");
	if ((r = kxi_siv_new(v, kek, &s, d)) == KX_OK)
		r = kxi_siv_wrap(s, key, aad, aadlen, out, d);
	kxi_siv_free(s);
	return r;
}

int
kxi_bound_unwrap(unsigned v, const kx_secret *kek, const uint8_t *in,
    size_t inlen, const uint8_t *aad, size_t aadlen, kx_secret **out,
    kx_diag *d)
{
	struct kxi_siv *s = NULL;
	int r;

	if (out == NULL)
		return KX_FAIL(d, KX_EUSAGE, "unwrap: no output");
	*out = NULL;
	if (kek == NULL || in == NULL)
		return KX_FAIL(d, KX_EUSAGE, "unwrap: missing input or KEK");
	if ((r = kxi_siv_new(v, kek, &s, d)) == KX_OK)
		r = kxi_siv_unwrap(s, in, inlen, aad, aadlen, out, d);
	kxi_siv_free(s);
	return r;
}

/* ---- public ----------------------------------------------------------- */
static const char *
wname(enum kx_wrap_alg alg)
{
	const char *s = kx_name(KX_ENUM_WRAP_ALG, alg);

	return s ? s : "?";
}

int
kx_wrap(enum kx_wrap_alg alg, const kx_secret *kek, const kx_secret *key,
    const uint8_t *aad, size_t aadlen, kx_buf *out, kx_diag *d)
{
	const uint8_t *k = kx_secret_data(key), *kk = kx_secret_data(kek);
	size_t klen = kx_secret_len(key), kklen = kx_secret_len(kek), n = 0;
	kx_secret *tmp = NULL, *eph = NULL;
	uint8_t *o = NULL;
	EVP_PKEY *pk = NULL;
	size_t start = out != NULL ? out->len : 0;
	int r = KX_EINTERNAL;

	if (kek == NULL || key == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (klen == 0 || klen > KX_WRAP_MAX_IN)
		return KX_FAIL(d, KX_EINPUT, "wrap %s: key length %zu out of "
		    "range", wname(alg), klen);
	if (alg != KX_WRAP_AES_SIV_BOUND && alg != KX_WRAP_AES_KWP_CMAC_BOUND &&
	    (aad != NULL || aadlen != 0))
		return KX_FAIL(d, KX_EUSAGE, "wrap %s: associated data is for "
		    "aes-siv-bound and aes-kwp-cmac-bound only", wname(alg));
	switch (alg) {
	case KX_WRAP_AES_KW:
	case KX_WRAP_AES_KWP:
		if (!aes_kek_ok(kklen))
			return KX_FAIL(d, KX_EINPUT, "wrap %s: the KEK must be "
			    "AES-128/192/256, not %zu bytes", wname(alg),
			    kklen);
		if (alg == KX_WRAP_AES_KW && (klen < 16 || klen % 8 != 0))
			return KX_FAIL(d, KX_EINPUT, "wrap aes-kw: key length "
			    "%zu is not a multiple of 8 of at least 16 (use "
			    "aes-kwp)", klen);
		if ((o = OPENSSL_malloc(klen + 16)) == NULL)
			return KX_ENOMEM;
		r = aes_kw(1, alg == KX_WRAP_AES_KWP, kk, kklen, k, klen, o,
		    &n, d);
		break;
	case KX_WRAP_TDEA_ECB:
	case KX_WRAP_TDEA_CBC:
		if (klen % 8 != 0)
			return KX_FAIL(d, KX_EINPUT, "wrap %s: key length %zu "
			    "is not a multiple of 8", wname(alg), klen);
		if ((o = OPENSSL_malloc(klen)) == NULL)
			return KX_ENOMEM;
		n = klen;
		r = tdea(1, alg == KX_WRAP_TDEA_CBC, kk, kklen, k, klen, o, d);
		break;
	case KX_WRAP_AES_CBC:
		if ((o = OPENSSL_malloc(klen)) == NULL)
			return KX_ENOMEM;
		n = klen;
		r = aes_cbc(1, kk, kklen, k, klen, o, d);
		break;
	case KX_WRAP_RSA_OAEP_SHA256:
		if ((r = pem_key(kek, 0, &pk, d)) != KX_OK)
			goto out;
		r = oaep_encrypt(pk, k, klen, out, d);
		goto out;
	case KX_WRAP_RSA_AES_KWP:
		if ((r = pem_key(kek, 0, &pk, d)) != KX_OK)
			goto out;
		if ((r = kx_secret_new(32, &eph)) != KX_OK)
			goto out;
		if (RAND_priv_bytes(kx_secret_mut(eph), 32) != 1) {
			r = kxi_diag_openssl(d, KX_ECRYPTO, "wrap: RNG");
			goto out;
		}
		if ((o = OPENSSL_malloc(klen + 16)) == NULL) {
			r = KX_ENOMEM;
			goto out;
		}
		if ((r = aes_kw(1, 1, kx_secret_data(eph), 32, k, klen, o,
		    &n, d)) != KX_OK)
			goto out;
		if ((r = oaep_encrypt(pk, kx_secret_data(eph), 32, out, d))
		    != KX_OK)
			goto out;
		break;
	case KX_WRAP_AES_SIV_BOUND:
		return kxi_bound_wrap(1, kek, key, aad, aadlen, out, d);
	case KX_WRAP_AES_KWP_CMAC_BOUND:
		return kxi_kwpcmac_wrap(kek, key, aad, aadlen, out, d);
	case KX_WRAP_TR31_D:
		return KX_FAIL(d, KX_EUNSUPPORTED, "wrap tr31-d: a TR-31 key "
		    "block is written by the TR-31 format, not kx_wrap");
	case KX_WRAP_TR31_B_BOUND:
		return KX_FAIL(d, KX_EUNSUPPORTED, "wrap tr31-b-bound: the "
		    "bound key block is written by export, not kx_wrap");
	default:
		return KX_FAIL(d, KX_EUSAGE, "wrap: unknown mechanism %d",
		    (int)alg);
	}
	if (r == KX_OK)
		r = kx_buf_append(out, o, n);
out:
	if (r != KX_OK && out != NULL && out->len > start)
		out->len = start;	/* no partial output */
	OPENSSL_free(o);	/* ciphertext only */
	kx_secret_free(tmp);
	kx_secret_free(eph);
	EVP_PKEY_free(pk);
	return r;
}

int
kx_unwrap(enum kx_wrap_alg alg, const kx_secret *kek, const uint8_t *in,
    size_t inlen, const uint8_t *aad, size_t aadlen, kx_secret **out,
    kx_diag *d)
{
	const uint8_t *kk = kx_secret_data(kek);
	size_t kklen = kx_secret_len(kek), n = 0, mlen;
	kx_secret *s = NULL, *tmp = NULL;
	EVP_PKEY *pk = NULL;
	int r = KX_EINTERNAL;

	if (kek == NULL || (in == NULL && inlen > 0) || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	if (kek == NULL || in == NULL)
		return KX_FAIL(d, KX_EUSAGE, "unwrap: missing input or KEK");
	if (inlen > KX_WRAP_MAX_IN + 1024)
		return KX_FAIL(d, KX_ELIMIT, "unwrap %s: input of %zu bytes "
		    "exceeds the limit", wname(alg), inlen);
	if (alg != KX_WRAP_AES_SIV_BOUND && alg != KX_WRAP_AES_KWP_CMAC_BOUND &&
	    (aad != NULL || aadlen != 0))
		return KX_FAIL(d, KX_EUSAGE, "unwrap %s: associated data is "
		    "for aes-siv-bound and aes-kwp-cmac-bound only",
		    wname(alg));
	switch (alg) {
	case KX_WRAP_AES_KW:
	case KX_WRAP_AES_KWP:
		if (!aes_kek_ok(kklen))
			return KX_FAIL(d, KX_EINPUT, "unwrap %s: the KEK must "
			    "be AES-128/192/256, not %zu bytes", wname(alg),
			    kklen);
		if (inlen < (alg == KX_WRAP_AES_KW ? 24u : 16u) ||
		    inlen % 8 != 0)
			return KX_FAIL(d, KX_ECRYPTO, "unwrap %s: wrapped "
			    "length %zu is invalid", wname(alg), inlen);
		if ((r = kx_secret_new(inlen, &s)) != KX_OK)
			goto out;
		if ((r = aes_kw(0, alg == KX_WRAP_AES_KWP, kk, kklen, in,
		    inlen, kx_secret_mut(s), &n, d)) != KX_OK)
			goto out;
		kx_secret_truncate(s, n);
		break;
	case KX_WRAP_TDEA_ECB:
	case KX_WRAP_TDEA_CBC:
		if (inlen == 0 || inlen % 8 != 0)
			return KX_FAIL(d, KX_ECRYPTO, "unwrap %s: wrapped "
			    "length %zu is not a multiple of 8", wname(alg),
			    inlen);
		if ((r = kx_secret_new(inlen, &s)) != KX_OK)
			goto out;
		if ((r = tdea(0, alg == KX_WRAP_TDEA_CBC, kk, kklen, in, inlen,
		    kx_secret_mut(s), d)) != KX_OK)
			goto out;
		break;
	case KX_WRAP_AES_CBC:
		if ((r = kx_secret_new(inlen == 0 ? 1 : inlen, &s)) != KX_OK)
			goto out;
		if ((r = aes_cbc(0, kk, kklen, in, inlen, kx_secret_mut(s),
		    d)) != KX_OK)
			goto out;
		break;
	case KX_WRAP_RSA_OAEP_SHA256:
		if ((r = pem_key(kek, 1, &pk, d)) != KX_OK)
			goto out;
		r = oaep_decrypt(pk, in, inlen, &s, d);
		if (r != KX_OK)
			goto out;
		if (kx_secret_len(s) == 0) {
			r = KX_FAIL(d, KX_ECRYPTO, "unwrap: empty key");
			goto out;
		}
		break;
	case KX_WRAP_RSA_AES_KWP:
		if ((r = pem_key(kek, 1, &pk, d)) != KX_OK)
			goto out;
		mlen = (size_t)EVP_PKEY_get_size(pk);
		if (inlen < mlen + 16 || (inlen - mlen) % 8 != 0) {
			r = KX_FAIL(d, KX_ECRYPTO, "unwrap rsa-aes-kwp: length "
			    "%zu does not fit a %zu-byte modulus and a KWP "
			    "block", inlen, mlen);
			goto out;
		}
		if ((r = oaep_decrypt(pk, in, mlen, &tmp, d)) != KX_OK)
			goto out;
		if (!aes_kek_ok(kx_secret_len(tmp))) {
			r = KX_FAIL(d, KX_ECRYPTO, "unwrap rsa-aes-kwp: the "
			    "ephemeral key is not an AES key");
			goto out;
		}
		if ((r = kx_secret_new(inlen - mlen, &s)) != KX_OK)
			goto out;
		if ((r = aes_kw(0, 1, kx_secret_data(tmp), kx_secret_len(tmp),
		    in + mlen, inlen - mlen, kx_secret_mut(s), &n, d))
		    != KX_OK)
			goto out;
		kx_secret_truncate(s, n);
		break;
	case KX_WRAP_AES_SIV_BOUND:
		return kxi_bound_unwrap(1, kek, in, inlen, aad, aadlen, out,
		    d);
	case KX_WRAP_AES_KWP_CMAC_BOUND:
		return kxi_kwpcmac_unwrap(kek, in, inlen, aad, aadlen, out, d);
	case KX_WRAP_TR31_D:
		return KX_FAIL(d, KX_EUNSUPPORTED, "unwrap tr31-d: a TR-31 key "
		    "block is read by the TR-31 format, not kx_unwrap");
	case KX_WRAP_TR31_B_BOUND:
		return KX_FAIL(d, KX_EUNSUPPORTED, "unwrap tr31-b-bound: the "
		    "bound key block is opened by import, not kx_unwrap");
	default:
		return KX_FAIL(d, KX_EUSAGE, "unwrap: unknown mechanism %d",
		    (int)alg);
	}
	*out = s;
	s = NULL;
	r = KX_OK;
out:
	kx_secret_free(s);
	kx_secret_free(tmp);
	EVP_PKEY_free(pk);
	return r;
}
