/* test_secmem.c - kx_secret, process protections, strength (model.md e.2). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/prctl.h>
#include <sys/resource.h>

#include <openssl/crypto.h>

#include "kxtest.h"

static void
t_secret(void **state)
{
	kx_secret *s = NULL;
	uint8_t *p;

	(void)state;
	assert_int_equal(kx_secret_new(32, &s), KX_OK);
	assert_int_equal(kx_secret_len(s), 32);
	p = kx_secret_mut(s);
	assert_int_equal(p[31], 0);	/* zeroed */
	memset(p, 0xAB, 32);
	kx_secret_truncate(s, 10);
	assert_int_equal(kx_secret_len(s), 10);
	assert_int_equal(p[10], 0);	/* the cut-off tail is wiped */
	kx_secret_truncate(s, 20);	/* never grows */
	assert_int_equal(kx_secret_len(s), 10);
	kx_secret_free(s);
	kx_secret_free(NULL);
	assert_int_equal(kx_secret_from("abc", 3, &s), KX_OK);
	assert_memory_equal(kx_secret_data(s), "abc", 3);
	kx_secret_free(s);
	assert_int_equal(kx_secret_new(0, &s), KX_OK);
	assert_int_equal(kx_secret_len(s), 0);
	kx_secret_free(s);
	assert_null(kx_secret_data(NULL));
	assert_int_equal(kx_secret_len(NULL), 0);
}

static void
t_init(void **state)
{
	struct rlimit rl;
	kx_secret *s = NULL;
	int r;

	(void)state;
	r = kx_secmem_init(65536);
	assert_true(r == 1 || r == 2);
	assert_true(CRYPTO_secure_malloc_initialized());
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 0);
	assert_int_equal(kx_secret_new(64, &s), KX_OK);
	assert_true(CRYPTO_secure_allocated(kx_secret_data(s)));
	kx_secret_free(s);
	/* a second call keeps the heap */
	assert_int_equal(kx_secmem_init(65536), 1);
}

static void
t_strength(void **state)
{
	(void)state;
	assert_int_equal(kx_strength(KX_ALG_DES, 64, KX_HASH_NONE), 0);
	assert_int_equal(kx_strength(KX_ALG_TDEA2, 128, KX_HASH_NONE), 80);
	assert_int_equal(kx_strength(KX_ALG_TDEA3, 192, KX_HASH_NONE), 112);
	assert_int_equal(kx_strength(KX_ALG_AES, 128, KX_HASH_NONE), 128);
	assert_int_equal(kx_strength(KX_ALG_AES, 256, KX_HASH_NONE), 256);
	assert_int_equal(kx_strength(KX_ALG_AES, 100, KX_HASH_NONE), 0);
	assert_int_equal(kx_strength(KX_ALG_RSA, 1024, KX_HASH_NONE), 80);
	assert_int_equal(kx_strength(KX_ALG_RSA, 2048, KX_HASH_NONE), 112);
	assert_int_equal(kx_strength(KX_ALG_RSA, 3072, KX_HASH_NONE), 128);
	assert_int_equal(kx_strength(KX_ALG_RSA, 4096, KX_HASH_NONE), 128);
	assert_int_equal(kx_strength(KX_ALG_RSA, 7680, KX_HASH_NONE), 192);
	assert_int_equal(kx_strength(KX_ALG_RSA, 15360, KX_HASH_NONE), 256);
	assert_int_equal(kx_strength(KX_ALG_EC, 256, KX_HASH_NONE), 128);
	assert_int_equal(kx_strength(KX_ALG_EC, 384, KX_HASH_NONE), 192);
	assert_int_equal(kx_strength(KX_ALG_EC, 521, KX_HASH_NONE), 256);
	assert_int_equal(kx_strength(KX_ALG_HMAC, 256, KX_HASH_SHA1), 128);
	assert_int_equal(kx_strength(KX_ALG_HMAC, 256, KX_HASH_SHA224), 192);
	assert_int_equal(kx_strength(KX_ALG_HMAC, 512, KX_HASH_SHA512), 256);
	assert_int_equal(kx_strength(KX_ALG_HMAC, 96, KX_HASH_SHA256), 96);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(t_secret),
		cmocka_unit_test(t_init),
		cmocka_unit_test(t_strength),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
