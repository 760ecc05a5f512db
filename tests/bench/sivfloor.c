/*
 * sivfloor.c - the AES-SIV floor of rewrap for make bench (run.sh): N
 * times, unwrap a 16-byte key value bound to AADLEN bytes of associated
 * data under one AES-SIV key and wrap it under another, as rewrap does
 * per key.  sivfloor [N [AADLEN [init|copy]]]: "init" (the default, the
 * floor of issue 12) sets every operation up with its key
 * (EVP_CipherInit_ex2, as codec/crypto/wrap.c did until 2026-12-01);
 * "copy" copies a context set up once per key and direction
 * (EVP_CIPHER_CTX_copy, as wrap.c does now: OpenSSL's SIV fetches CMAC
 * and AES-CTR and schedules both keys at every set-up).  Prints
 * "keys/cpu-s N" (process CPU time, user + system).  Not a test: a
 * measurement.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

/* tpl: a context set up with key for this direction, or NULL */
static int
siv(EVP_CIPHER_CTX *ctx, const EVP_CIPHER_CTX *tpl, const EVP_CIPHER *c,
    int enc, const uint8_t *key, const uint8_t *aad, int aadlen,
    const uint8_t *in, int inlen, uint8_t *out)
{
	int n = 0;

	if (tpl != NULL ? !EVP_CIPHER_CTX_copy(ctx, tpl) :
	    !EVP_CipherInit_ex2(ctx, c, key, NULL, enc, NULL))
		return -1;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
	    (void *)in) <= 0)
		return -1;
	if (!EVP_CipherUpdate(ctx, NULL, &n, aad, aadlen))
		return -1;
	if (!EVP_CipherUpdate(ctx, enc ? out + 16 : out, &n, enc ? in :
	    in + 16, enc ? inlen : inlen - 16) ||
	    !EVP_CipherFinal_ex(ctx, NULL, &n))
		return -1;
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out)
	    <= 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000, i;
	int aadlen = argc > 2 ? atoi(argv[2]) : 512;
	int copy = argc > 3 && strcmp(argv[3], "copy") == 0;
	uint8_t k1[64], k2[64], val[16], w[32], w2[32], w3[32], clear[16];
	uint8_t *aad;
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-SIV", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	EVP_CIPHER_CTX *d1 = EVP_CIPHER_CTX_new(), *e2 = EVP_CIPHER_CTX_new();
	struct timespec t0, t1;
	double s;

	if (c == NULL || ctx == NULL || d1 == NULL || e2 == NULL || n <= 0 ||
	    aadlen <= 0 || (argc > 3 && !copy && strcmp(argv[3], "init")) ||
	    (aad = malloc((size_t)aadlen)) == NULL)
		return 2;
	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	memset(val, 0x40, sizeof(val));
	memset(aad, 0x30, (size_t)aadlen);
	if (!EVP_CipherInit_ex2(d1, c, k1, NULL, 0, NULL) ||
	    !EVP_CipherInit_ex2(e2, c, k2, NULL, 1, NULL) ||
	    siv(ctx, NULL, c, 1, k1, aad, aadlen, val, 16, w) != 0 ||
	    siv(ctx, NULL, c, 1, k2, aad, aadlen, val, 16, w3) != 0)
		return 2;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < n; i++)
		if (siv(ctx, copy ? d1 : NULL, c, 0, k1, aad, aadlen, w, 32,
		    clear) != 0 || siv(ctx, copy ? e2 : NULL, c, 1, k2, aad,
		    aadlen, clear, 16, w2) != 0)
			return 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	/* both ways give the same bytes */
	if (memcmp(w2, w3, sizeof(w2)) != 0)
		return 1;
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("keys/cpu-s %.0f\n", (double)n / (s > 0 ? s : 1e-9));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_CTX_free(d1);
	EVP_CIPHER_CTX_free(e2);
	EVP_CIPHER_free(c);
	free(aad);
	return 0;
}
