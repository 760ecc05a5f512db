/*
 * sivfloor.c - the AES-SIV floor of rewrap for make bench (run.sh): N
 * times, unwrap a 16-byte key value bound to AADLEN bytes of associated
 * data under one AES-SIV key and wrap it under another, as rewrap does
 * per key (contexts and keys made once, every operation initialised
 * afresh as codec/crypto/wrap.c does).  Prints "keys/cpu-s N" (process
 * CPU time, user + system).  Not a test: a measurement.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

static int
siv(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *c, int enc, const uint8_t *key,
    const uint8_t *aad, int aadlen, const uint8_t *in, int inlen,
    uint8_t *out)
{
	int n = 0;

	if (!EVP_CipherInit_ex2(ctx, c, key, NULL, enc, NULL))
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
	uint8_t k1[64], k2[64], val[16], w[32], w2[32], clear[16], *aad;
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-SIV", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	struct timespec t0, t1;
	double s;

	if (c == NULL || ctx == NULL || n <= 0 || aadlen <= 0 ||
	    (aad = malloc((size_t)aadlen)) == NULL)
		return 2;
	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	memset(val, 0x40, sizeof(val));
	memset(aad, 0x30, (size_t)aadlen);
	if (siv(ctx, c, 1, k1, aad, aadlen, val, 16, w) != 0)
		return 2;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < n; i++)
		if (siv(ctx, c, 0, k1, aad, aadlen, w, 32, clear) != 0 ||
		    siv(ctx, c, 1, k2, aad, aadlen, clear, 16, w2) != 0)
			return 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("keys/cpu-s %.0f\n", (double)n / (s > 0 ? s : 1e-9));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	free(aad);
	return 0;
}
