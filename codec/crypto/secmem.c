/*
 * secmem.c - kx_secret (clear key material on OpenSSL's secure heap),
 * process protections, and the NIST SP 800-57 Pt 1 strength function
 * (model.md e.1/e.2).
 *
 * A kx_secret's bytes come from CRYPTO_secure_zalloc() when the secure heap
 * is initialised (kx_secmem_init), else from OPENSSL_zalloc(); either way
 * they are cleansed before they are freed.  The struct itself holds no key
 * material.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/prctl.h>
#include <sys/resource.h>

#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

struct kx_secret {
	uint8_t *p;
	size_t len;		/* visible length */
	size_t cap;		/* allocated length (for the wipe) */
	int secure;		/* 1: secure heap */
};

int
kx_secret_new(size_t len, kx_secret **out)
{
	kx_secret *s;
	size_t cap = len ? len : 1;

	if (out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	if ((s = OPENSSL_zalloc(sizeof(*s))) == NULL)
		return KX_ENOMEM;
	if (CRYPTO_secure_malloc_initialized()) {
		s->p = CRYPTO_secure_zalloc(cap, __FILE__, __LINE__);
		s->secure = s->p != NULL;
	}
	if (s->p == NULL)	/* no secure heap, or it is full */
		s->p = OPENSSL_zalloc(cap);
	if (s->p == NULL) {
		OPENSSL_free(s);
		return KX_ENOMEM;
	}
	s->len = len;
	s->cap = cap;
	*out = s;
	return KX_OK;
}

int
kx_secret_from(const void *p, size_t len, kx_secret **out)
{
	int r;

	if (out == NULL || (p == NULL && len > 0))
		kxi_misuse(__func__, "NULL argument");
	if ((r = kx_secret_new(len, out)) != KX_OK)
		return r;
	if (len > 0)
		memcpy((*out)->p, p, len);
	return KX_OK;
}

const uint8_t *
kx_secret_data(const kx_secret *s)
{
	return s ? s->p : NULL;
}

uint8_t *
kx_secret_mut(kx_secret *s)
{
	return s ? s->p : NULL;
}

size_t
kx_secret_len(const kx_secret *s)
{
	return s ? s->len : 0;
}

void
kx_secret_truncate(kx_secret *s, size_t len)
{
	if (s == NULL || len >= s->len)
		return;
	OPENSSL_cleanse(s->p + len, s->len - len);
	s->len = len;
}

void
kx_secret_free(kx_secret *s)
{
	if (s == NULL)
		return;
	if (s->secure)
		OPENSSL_secure_clear_free(s->p, s->cap);
	else
		OPENSSL_clear_free(s->p, s->cap);
	OPENSSL_free(s);
}

int
kx_secmem_init(size_t size)
{
	struct rlimit rl = { 0, 0 };
	int r = 0;

	/* Best effort: a failure here leaves the defaults, never worse. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &rl);
	if (CRYPTO_secure_malloc_initialized())
		return 1;
	if (size > 0) {
		/* size must be a power of two; round up. */
		size_t sz = 4096;

		while (sz < size && sz < ((size_t)1 << 30))
			sz <<= 1;
		r = CRYPTO_secure_malloc_init(sz, 32);
	}
	return r;
}

/* SP 800-57 Pt 1 Table 2 rows for IFC (RSA modulus) and ECC (field). */
static unsigned
ifc_strength(unsigned k)
{
	if (k >= 15360)
		return 256;
	if (k >= 7680)
		return 192;
	if (k >= 3072)
		return 128;
	if (k >= 2048)
		return 112;
	if (k >= 1024)
		return 80;
	return 0;
}

static unsigned
ecc_strength(unsigned f)
{
	if (f >= 512)
		return 256;
	if (f >= 384)
		return 192;
	if (f >= 256)
		return 128;
	if (f >= 224)
		return 112;
	if (f >= 160)
		return 80;
	return 0;
}

unsigned
kx_strength(enum kx_alg alg, unsigned length_bits, enum kx_hash h)
{
	unsigned cap;

	switch (alg) {
	case KX_ALG_DES:
		return 0;	/* 56 bits: below every row */
	case KX_ALG_TDEA2:
		return length_bits == 128 ? 80 : 0;
	case KX_ALG_TDEA3:
		return length_bits == 192 ? 112 : 0;
	case KX_ALG_AES:
		if (length_bits == 128 || length_bits == 192 ||
		    length_bits == 256)
			return length_bits;
		return 0;
	case KX_ALG_RSA:
		return ifc_strength(length_bits);
	case KX_ALG_EC:
		return ecc_strength(length_bits);
	case KX_ALG_HMAC:
		/* min(8 * keylen, cap by hash); no hash given: SHA-256. */
		switch (h) {
		case KX_HASH_SHA1:
			cap = 128;
			break;
		case KX_HASH_SHA224:
			cap = 192;
			break;
		default:
			cap = 256;
			break;
		}
		return length_bits < cap ? length_bits : cap;
	default:
		return 0;
	}
}

unsigned
kx_wrap_strength(enum kx_wrap_alg w, enum kx_alg kek_alg, unsigned kek_bits)
{
	unsigned s;

	switch (w) {
	case KX_WRAP_AES_SIV_BOUND:
	case KX_WRAP_AES_KWP_CMAC_BOUND:
	case KX_WRAP_TR31_D:
	case KX_WRAP_AES_KW:
	case KX_WRAP_AES_KWP:
	case KX_WRAP_AES_CBC:
		if (kek_alg != KX_ALG_AES)
			return 0;
		return kx_strength(kek_alg, kek_bits, KX_HASH_NONE);
	case KX_WRAP_TDEA_ECB:
	case KX_WRAP_TDEA_CBC:
	case KX_WRAP_TR31_B_BOUND:
		if (kek_alg != KX_ALG_TDEA2 && kek_alg != KX_ALG_TDEA3)
			return 0;
		return kx_strength(kek_alg, kek_bits, KX_HASH_NONE);
	case KX_WRAP_RSA_OAEP_SHA256:
	case KX_WRAP_RSA_AES_KWP:
		/* OAEP-SHA-256 is not the weak link below 15360-bit RSA; for
		 * rsa-aes-kwp the ephemeral AES-256 layer caps at 256. */
		if (kek_alg != KX_ALG_RSA)
			return 0;
		s = kx_strength(kek_alg, kek_bits, KX_HASH_NONE);
		return s > 256 ? 256 : s;
	default:
		return 0;
	}
}
