/*
 * kwpcmac.c - the aes-kwp-cmac-bound wrap (kmsxchg(5), doc/bound-wrap.md
 * 12): a bound value a PKCS#11 token computes and checks with standard
 * mechanisms, so that a key leaves and enters a token wrapped and bound
 * and is never clear in our process.
 *
 *   KBEK, KBAK  keys of the KEK's length derived from the AES KEK, X9.24-3
 *               style: AES-ECB encryption under the KEK of 16-byte
 *               derivation data blocks, one block per 128 bits (the output
 *               cut to the KEK's length); in a token C_DeriveKey with
 *               CKM_AES_ECB_ENCRYPT_DATA (kxi_kwpcmac_derivation gives
 *               the blocks to both)
 *   wrapped     AES-KWP (RFC 5649) of the key under KBEK (CKM_AES_KEY_WRAP_PAD)
 *   tag         AES-CMAC (SP 800-38B, CKM_AES_CMAC) under KBAK of
 *               uint32be(len AD) || AD || wrapped, AD the bound data of
 *               the binding version (binding.c, canon.c)
 *   value       wrapped || tag (16 bytes)
 *
 * The tag is checked (CRYPTO_memcmp) before anything is unwrapped.  The
 * derived keys live on the secure heap and are wiped after use.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "internal.h"

#define KWPC_MAX_IN	((size_t)1 << 20)	/* as kx_wrap */

size_t
kxi_kwpcmac_derivation(size_t keklen, unsigned purpose,
    uint8_t out[KXI_KWPC_DD_MAX])
{
	size_t nb = (keklen + 15) / 16, i;
	unsigned bits = (unsigned)keklen * 8;

	if ((keklen != 16 && keklen != 24 && keklen != 32) || purpose > 1)
		return 0;
	for (i = 0; i < nb; i++) {
		uint8_t *b = out + 16 * i;

		b[0] = 0x01;			/* derivation data version */
		b[1] = (uint8_t)(i + 1);	/* block counter */
		b[2] = 0x00;			/* purpose: 0 KBEK, 1 KBAK */
		b[3] = (uint8_t)purpose;
		b[4] = 0x00;			/* separator */
		b[5] = 0x00;			/* algorithm: 2/3/4 AES-128/192/256 */
		b[6] = (uint8_t)(keklen == 16 ? 2 : keklen == 24 ? 3 : 4);
		b[7] = (uint8_t)(bits >> 8);	/* derived length in bits */
		b[8] = (uint8_t)bits;
		memcpy(b + 9, "kmsxchg", 7);	/* this construction */
	}
	return nb * 16;
}

/* KBEK (purpose 0) or KBAK (1) from kek into *out (secure heap). */
static int
derive(const kx_secret *kek, unsigned purpose, kx_secret **out, kx_diag *d)
{
	uint8_t dd[KXI_KWPC_DD_MAX], enc[KXI_KWPC_DD_MAX];
	size_t n = kx_secret_len(kek), dn;
	char name[32];
	int r;

	*out = NULL;
	if ((dn = kxi_kwpcmac_derivation(n, purpose, dd)) == 0)
		return KX_FAIL(d, KX_EINPUT, "aes-kwp-cmac-bound: the KEK must "
		    "be AES-128/192/256, not %zu bytes", n);
	snprintf(name, sizeof(name), "AES-%zu-ECB", n * 8);
	if ((r = kxi_cipher_once(name, 1, kx_secret_data(kek), NULL, 1, dd,
	    dn, enc, NULL, "aes-kwp-cmac-bound: key derivation", d)) != KX_OK)
		goto out;
	if ((r = kx_secret_new(n, out)) != KX_OK) {
		r = KX_FAIL(d, r, "out of memory");
		goto out;
	}
	memcpy(kx_secret_mut(*out), enc, n);
out:
	OPENSSL_cleanse(enc, sizeof(enc));
	return r;
}

int
kxi_kwpcmac_keys(const kx_secret *kek, kx_secret **kbek, kx_secret **kbak,
    kx_diag *d)
{
	int r;

	*kbek = *kbak = NULL;
	if ((r = derive(kek, 0, kbek, d)) != KX_OK ||
	    (r = derive(kek, 1, kbak, d)) != KX_OK) {
		kx_secret_free(*kbek);
		*kbek = NULL;
	}
	return r;
}

void
kxi_kwpcmac_len(size_t aadlen, uint8_t out[4])
{
	out[0] = (uint8_t)(aadlen >> 24);
	out[1] = (uint8_t)(aadlen >> 16);
	out[2] = (uint8_t)(aadlen >> 8);
	out[3] = (uint8_t)aadlen;
}

int
kxi_aes_cmac(const uint8_t *key, size_t keylen, const uint8_t *const *part,
    const size_t *len, size_t nparts, uint8_t tag[16], kx_diag *d)
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM p[2];
	char cipher[32];
	size_t n = 0, i;
	int r = KX_OK;

	if (keylen != 16 && keylen != 24 && keylen != 32)
		return KX_FAIL(d, KX_EUSAGE, "cmac: key must be 16, 24 or 32 "
		    "bytes");
	snprintf(cipher, sizeof(cipher), "AES-%zu-CBC", keylen * 8);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher,
	    0);
	p[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "CMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    !EVP_MAC_init(ctx, key, keylen, p)) {
		r = kxi_diag_openssl(d, KX_ECRYPTO, "AES-CMAC");
		goto out;
	}
	for (i = 0; i < nparts; i++)
		if (len[i] > 0 && !EVP_MAC_update(ctx, part[i], len[i])) {
			r = kxi_diag_openssl(d, KX_ECRYPTO, "AES-CMAC");
			goto out;
		}
	if (!EVP_MAC_final(ctx, tag, &n, 16) || n != 16)
		r = kxi_diag_openssl(d, KX_ECRYPTO, "AES-CMAC");
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

int
kxi_kwpcmac_tag(const kx_secret *kbak, const uint8_t *aad, size_t aadlen,
    const uint8_t *w, size_t wlen, uint8_t tag[KXI_KWPC_TAG], kx_diag *d)
{
	uint8_t len[4];
	const uint8_t *part[3];
	size_t plen[3];

	if (aadlen > 0xFFFFFFFFu)
		return KX_FAIL(d, KX_ELIMIT, "aes-kwp-cmac-bound: associated "
		    "data too long");
	kxi_kwpcmac_len(aadlen, len);
	part[0] = len;
	plen[0] = sizeof(len);
	part[1] = aad;
	plen[1] = aadlen;
	part[2] = w;
	plen[2] = wlen;
	return kxi_aes_cmac(kx_secret_data(kbak), kx_secret_len(kbak), part,
	    plen, 3, tag, d);
}

int
kxi_kwpcmac_wrap(const kx_secret *kek, const kx_secret *key,
    const uint8_t *aad, size_t aadlen, kx_buf *out, kx_diag *d)
{
	kx_secret *kbek = NULL, *kbak = NULL;
	size_t klen = kx_secret_len(key), n = 0, start = out->len;
	uint8_t *o = NULL, tag[KXI_KWPC_TAG];
	char name[32];
	int r;

	if (klen == 0 || klen > KWPC_MAX_IN)
		return KX_FAIL(d, KX_EINPUT, "wrap aes-kwp-cmac-bound: key "
		    "length %zu out of range", klen);
	if (aad == NULL || aadlen == 0)
		return KX_FAIL(d, KX_EUSAGE, "wrap aes-kwp-cmac-bound: the "
		    "associated data is missing");
	if ((r = kxi_kwpcmac_keys(kek, &kbek, &kbak, d)) != KX_OK)
		return r;
	if ((o = OPENSSL_malloc(klen + 16)) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(name, sizeof(name), "AES-%zu-WRAP-PAD",
	    kx_secret_len(kbek) * 8);
	if ((r = kxi_cipher_once(name, 1, kx_secret_data(kbek), NULL, 0,
	    kx_secret_data(key), klen, o, &n, "wrap aes-kwp-cmac-bound: "
	    "AES-KWP", d)) != KX_OK ||
	    (r = kxi_kwpcmac_tag(kbak, aad, aadlen, o, n, tag, d)) != KX_OK ||
	    (r = kx_buf_append(out, o, n)) != KX_OK ||
	    (r = kx_buf_append(out, tag, sizeof(tag))) != KX_OK)
		goto out;
out:
	if (r != KX_OK && out->len > start)
		out->len = start;
	OPENSSL_free(o);	/* ciphertext only */
	kx_secret_free(kbek);
	kx_secret_free(kbak);
	return r;
}

int
kxi_kwpcmac_unwrap(const kx_secret *kek, const uint8_t *in, size_t inlen,
    const uint8_t *aad, size_t aadlen, kx_secret **out, kx_diag *d)
{
	kx_secret *kbek = NULL, *kbak = NULL, *v = NULL;
	uint8_t tag[KXI_KWPC_TAG];
	size_t wlen, n = 0;
	char name[32];
	int r;

	*out = NULL;
	if (in == NULL || aad == NULL || aadlen == 0)
		return KX_FAIL(d, KX_EUSAGE, "unwrap aes-kwp-cmac-bound: the "
		    "value or its associated data is missing");
	if (inlen > KWPC_MAX_IN + 1024)
		return KX_FAIL(d, KX_ELIMIT, "unwrap aes-kwp-cmac-bound: input "
		    "of %zu bytes exceeds the limit", inlen);
	if (inlen < 16 + KXI_KWPC_TAG || (inlen - KXI_KWPC_TAG) % 8 != 0)
		return KX_FAIL(d, KX_ECRYPTO, "unwrap aes-kwp-cmac-bound: "
		    "length %zu is not an RFC 5649 block and a 16-byte tag",
		    inlen);
	wlen = inlen - KXI_KWPC_TAG;
	if ((r = kxi_kwpcmac_keys(kek, &kbek, &kbak, d)) != KX_OK)
		return r;
	/* the tag first: nothing is unwrapped that does not verify */
	if ((r = kxi_kwpcmac_tag(kbak, aad, aadlen, in, wlen, tag, d)) !=
	    KX_OK)
		goto out;
	if (CRYPTO_memcmp(tag, in + wlen, KXI_KWPC_TAG) != 0) {
		r = KX_FAIL(d, KX_ECRYPTO, "unwrap aes-kwp-cmac-bound: the tag "
		    "does not verify (wrong KEK, profile, header or value)");
		goto out;
	}
	if ((r = kx_secret_new(wlen, &v)) != KX_OK) {
		r = KX_FAIL(d, r, "out of memory");
		goto out;
	}
	snprintf(name, sizeof(name), "AES-%zu-WRAP-PAD",
	    kx_secret_len(kbek) * 8);
	if ((r = kxi_cipher_once(name, 0, kx_secret_data(kbek), NULL, 0, in,
	    wlen, kx_secret_mut(v), &n, "unwrap aes-kwp-cmac-bound: AES-KWP "
	    "integrity check", d)) != KX_OK)
		goto out;
	kx_secret_truncate(v, n);
	*out = v;
	v = NULL;
out:
	kx_secret_free(v);
	kx_secret_free(kbek);
	kx_secret_free(kbak);
	return r;
}
