/*
 * cipher.c - the block-cipher primitives the crypto files share: one
 * EVP cipher run (kxi_cipher_once) and the DES/TDEA key expansion
 * (kxi_tdea_key24).  kcv.c, wrap.c, tr31.c and the operations call down
 * into this file; it calls nothing of ours but the diag, so kcv.c and
 * wrap.c no longer call each other (tests/build/layers.sh).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

int
kxi_tdea_key24(const uint8_t *k, size_t n, uint8_t out[24])
{
	switch (n) {
	case 8:		/* K1 = K2 = K3: single DES */
		memcpy(out, k, 8);
		memcpy(out + 8, k, 8);
		memcpy(out + 16, k, 8);
		return KX_OK;
	case 16:	/* 2TDEA: K3 = K1 */
		memcpy(out, k, 16);
		memcpy(out + 16, k, 8);
		return KX_OK;
	case 24:
		memcpy(out, k, 24);
		return KX_OK;
	default:
		return KX_EUSAGE;
	}
}

int
kxi_cipher_once(const char *name, int enc, const uint8_t *key,
    const uint8_t *iv, int nopad, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t *outlen, const char *what, kx_diag *d)
{
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	int r = KX_ECRYPTO, n = 0, n2 = 0;

	if (inlen > INT_MAX ||
	    (c = EVP_CIPHER_fetch(NULL, name, NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_CipherInit_ex2(ctx, c, key, iv, enc, NULL) ||
	    (nopad && !EVP_CIPHER_CTX_set_padding(ctx, 0)) ||
	    !EVP_CipherUpdate(ctx, out, &n, in, (int)inlen) ||
	    !EVP_CipherFinal_ex(ctx, out + n, &n2) ||
	    (outlen == NULL && (size_t)n + (size_t)n2 != inlen)) {
		r = kxi_diag_openssl(d, KX_ECRYPTO, what);
		goto out;
	}
	if (outlen != NULL)
		*outlen = (size_t)n + (size_t)n2;
	r = KX_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return r;
}
