/*
 * kcv.c - key check values (model.md d.5).
 *
 *   gp-des      TDEA/DES-ECB of 8 bytes 00 (GPCS B.6; GP XML EIGHTZEROS)
 *   gp-aes      AES-ECB of 16 bytes 01 (GPCS Amendment D, SCP03 PUT KEY)
 *   zero-block  ECB of one zero block (PKCS#11 CKA_CHECK_VALUE)
 *   cmac        AES-CMAC / TDEA-CMAC of one zero block (ANSI X9.24-1:2017
 *               A.3; TR-31/X9.143 KCV algorithm 01), default 5 bytes
 *
 * Single DES is computed as TDEA with K1 = K2 = K3 (the same permutation),
 * so OpenSSL's legacy provider is never needed.  A KCV is the leftmost
 * kcvlen bytes of the result, and kcvlen is bounded per method
 * (kx_kcv_len_range, in model/names.c with the other facts about methods
 * and algorithms that need no cryptography): a document must not choose
 * to learn a whole block.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "internal.h"

/* One-block ECB encryption of in[bs] under key with cipher name. */
static int
ecb_block(const char *cipher, const uint8_t *key, const uint8_t *in,
    size_t bs, uint8_t *out, kx_diag *d)
{
	return kxi_cipher_once(cipher, 1, key, NULL, 1, in, bs, out, NULL,
	    "kcv: block encryption", d);
}

/* CMAC over in[inlen] with cipher (a CBC cipher name) and key[keylen]. */
int
kxi_cmac(const char *cipher, const uint8_t *key, size_t keylen,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t outmax,
    kx_diag *d)
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t n = 0;
	int r = KX_ECRYPTO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
	    (char *)cipher, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "CMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    !EVP_MAC_init(ctx, key, keylen, params) ||
	    !EVP_MAC_update(ctx, in, inlen) ||
	    !EVP_MAC_final(ctx, out, &n, outmax)) {
		r = kxi_diag_openssl(d, KX_ECRYPTO, "kcv: CMAC");
		goto out;
	}
	r = KX_OK;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

static const uint8_t zeros[16];
static const uint8_t ones[16] = { 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1 };

const uint8_t *
kxi_kcv_input(enum kx_kcv_method m)
{
	return m == KX_KCV_GP_AES ? ones : zeros;
}

int
kx_kcv_compute(enum kx_alg alg, enum kx_kcv_method m, const kx_secret *key,
    uint8_t *out, size_t kcvlen, kx_diag *d)
{
	uint8_t k24[24], res[16];
	char lens[24];
	const uint8_t *k = kx_secret_data(key);
	size_t klen = kx_secret_len(key), bs, lo, hi;
	const char *ecb, *cbc;
	int r = KX_EINTERNAL, des;
	enum kx_alg implied;

	if (key == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	des = alg == KX_ALG_DES || alg == KX_ALG_TDEA2 ||
	    alg == KX_ALG_TDEA3;
	if (m == KX_KCV_SPKI_SHA256)
		return KX_FAIL(d, KX_EUNSUPPORTED, "kcv: spki-sha256 is the "
		    "fingerprint of a public key, not a KCV of a secret key");
	if (!des && alg != KX_ALG_AES)
		return KX_FAIL(d, KX_EUNSUPPORTED,
		    "kcv: no KCV for algorithm %s", kx_name(KX_ENUM_ALG, alg) ?
		    kx_name(KX_ENUM_ALG, alg) : "?");
	if (kx_alg_for_len(alg, klen, &implied) != KX_OK || implied != alg)
		return KX_FAIL(d, KX_EINPUT,
		    "kcv: a %zu-byte key is not %s", klen,
		    kx_name(KX_ENUM_ALG, alg));
	bs = des ? 8 : 16;
	if (kx_kcv_len_range(m, &lo, &hi) != KX_OK)
		return KX_FAIL(d, KX_EUSAGE, "kcv: unknown method %d", (int)m);
	if (kcvlen < lo || kcvlen > hi)
		return KX_FAIL(d, KX_EUSAGE, "kcv: a %s KCV has %s, not %zu",
		    kx_name(KX_ENUM_KCV_METHOD, m), kxi_kcv_len_text(m, lens,
		    sizeof(lens)), kcvlen);
	if (des) {
		ecb = "DES-EDE3-ECB";
		cbc = "DES-EDE3-CBC";
		(void)kxi_tdea_key24(k, klen, k24);
		k = k24;
		klen = 24;
	} else {
		ecb = klen == 16 ? "AES-128-ECB" : klen == 24 ?
		    "AES-192-ECB" : "AES-256-ECB";
		cbc = klen == 16 ? "AES-128-CBC" : klen == 24 ?
		    "AES-192-CBC" : "AES-256-CBC";
	}
	switch (m) {
	case KX_KCV_GP_DES:
		if (!des) {
			r = KX_FAIL(d, KX_EUSAGE,
			    "kcv: gp-des needs a DES/TDEA key");
			goto out;
		}
		r = ecb_block(ecb, k, zeros, bs, res, d);
		break;
	case KX_KCV_GP_AES:
		if (des) {
			r = KX_FAIL(d, KX_EUSAGE,
			    "kcv: gp-aes needs an AES key");
			goto out;
		}
		r = ecb_block(ecb, k, ones, bs, res, d);
		break;
	case KX_KCV_ZERO_BLOCK:
		r = ecb_block(ecb, k, zeros, bs, res, d);
		break;
	case KX_KCV_CMAC:
		r = kxi_cmac(cbc, k, klen, zeros, bs, res, sizeof(res), d);
		break;
	default:
		r = KX_FAIL(d, KX_EUSAGE, "kcv: unknown method %d", (int)m);
		goto out;
	}
	if (r != KX_OK)
		goto out;
	memcpy(out, res, kcvlen);
	r = KX_OK;
out:
	OPENSSL_cleanse(k24, sizeof(k24));
	OPENSSL_cleanse(res, sizeof(res));
	return r;
}
