/*
 * fuzz_unwrap.c - libFuzzer target: kx_unwrap of hostile wrapped keys
 * under known KEKs.  Input: one byte choosing the mechanism and KEK,
 * then (aes-siv-bound only) one byte of associated-data length, then
 * the associated data and the wrapped key.
 *   byte0 % 7: aes-siv-bound, aes-kw, aes-kwp, tdea-ecb, tdea-cbc,
 *              rsa-oaep-sha256, rsa-aes-kwp
 *   byte0 / 7 % 3: AES KEK of 16, 24 or 32 bytes of 0x77 (TDEA: 24)
 * RSA uses the Wycheproof private key of tests/data.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const enum kx_wrap_alg algs[] = { KX_WRAP_AES_SIV_BOUND,
	KX_WRAP_AES_KW, KX_WRAP_AES_KWP, KX_WRAP_TDEA_ECB, KX_WRAP_TDEA_CBC,
	KX_WRAP_RSA_OAEP_SHA256, KX_WRAP_RSA_AES_KWP };
#define NALGS (sizeof(algs) / sizeof(algs[0]))

static kx_secret *aes[3], *tdea, *rsa;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const size_t aeslen[3] = { 16, 24, 32 };
	const char *src = getenv("KX_SRCDIR");
	uint8_t k[64];
	char path[4096];
	kx_buf pem = { NULL, 0, 0, 0 };
	size_t i;

	(void)argc;
	(void)argv;
	memset(k, 0x77, sizeof(k));
	for (i = 0; i < 3; i++)
		if (kx_secret_from(k, aeslen[i], &aes[i]) != KX_OK)
			abort();
	/* a TDEA key with three different halves, odd parity ignored */
	for (i = 0; i < 24; i++)
		k[i] = (uint8_t)(0x10 * (i / 8 + 1) + i);
	if (kx_secret_from(k, 24, &tdea) != KX_OK)
		abort();
	(void)snprintf(path, sizeof(path), "%s/%s", src ? src : ".",
	    "tests/data/wycheproof-rsa2048-oaep-sha256.pem");
	if (kx_file_read(path, 0, &pem, NULL) != KX_OK ||
	    kx_secret_from(pem.data, pem.len, &rsa) != KX_OK) {
		fprintf(stderr, "fuzz: cannot read %s (set KX_SRCDIR)\n",
		    path);
		abort();
	}
	kx_buf_free(&pem);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kx_diag *d = kx_diag_new();
	kx_secret *out = NULL;
	const kx_secret *kek;
	const uint8_t *aad = NULL;
	size_t aadlen = 0;
	enum kx_wrap_alg alg;
	int r;

	if (size < 1)
		goto out;
	alg = algs[data[0] % NALGS];
	kek = aes[data[0] / NALGS % 3];
	if (alg == KX_WRAP_TDEA_ECB || alg == KX_WRAP_TDEA_CBC)
		kek = tdea;
	else if (alg == KX_WRAP_RSA_OAEP_SHA256 || alg == KX_WRAP_RSA_AES_KWP)
		kek = rsa;
	data++;
	size--;
	if (alg == KX_WRAP_AES_SIV_BOUND && size > 0) {
		aadlen = data[0] < size - 1 ? data[0] : size - 1;
		aad = data + 1;
		data += 1 + aadlen;
		size -= 1 + aadlen;
	}
	r = kx_unwrap(alg, kek, data, size, aad, aadlen, &out, d);
	(void)r;
out:
	kx_secret_free(out);
	kx_diag_free(d);
	return 0;
}
