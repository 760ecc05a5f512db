/*
 * test_hygiene.c - key material is wiped on every exit path, error paths
 * included, shown by accounting rather than by reading (issue 11 item 5).
 *
 * Two witnesses, both installed before OpenSSL allocates anything:
 * - the secure heap: every kx_secret lives there, and CRYPTO_secure_free
 *   cleanses what it frees, so CRYPTO_secure_used() back at its level
 *   before (what OpenSSL's DRBGs keep for the process) after each
 *   scenario proves every secret buffer of every path was freed, hence
 *   wiped;
 * - OpenSSL's allocator (CRYPTO_set_mem_functions): every block OpenSSL
 *   or the library frees through it (EVP contexts, secrets that did not
 *   fit the secure heap, DER/SIV scratch) is searched for the test's
 *   keys before it is released; a key found there was not wiped.
 * Each scenario runs error paths of keysrc, kcv, wrap/unwrap,
 * split/combine/component files and export/import.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "kxtest.h"

#define NOW 1795459565		/* 2026-11-23T18:46:05Z */

/* ---- the allocator witness ----------------------------------------- */
#define MAX_PATTERNS 16
static struct {
	uint8_t p[32];
	size_t n;
} patterns[MAX_PATTERNS];
static size_t npatterns, unwiped;
/* Secure heap held by OpenSSL's private DRBG, which lives for the process */
static size_t baseline;

struct hdr {
	size_t n;
	size_t pad;		/* keep 16-byte alignment */
};

static void
inspect(const struct hdr *h)
{
	const uint8_t *b = (const uint8_t *)(h + 1);
	size_t i, j;

	for (i = 0; i < npatterns; i++)
		for (j = 0; j + patterns[i].n <= h->n; j++)
			if (memcmp(b + j, patterns[i].p, patterns[i].n) == 0) {
				unwiped++;
				return;
			}
}

static void *
w_malloc(size_t n, const char *file, int line)
{
	struct hdr *h = malloc(sizeof(*h) + n);

	(void)file;
	(void)line;
	if (h == NULL)
		return NULL;
	h->n = n;
	return h + 1;
}

static void
w_free(void *p, const char *file, int line)
{
	struct hdr *h;

	(void)file;
	(void)line;
	if (p == NULL)
		return;
	h = (struct hdr *)p - 1;
	inspect(h);
	free(h);
}

static void *
w_realloc(void *p, size_t n, const char *file, int line)
{
	struct hdr *h;
	void *q;

	if (p == NULL)
		return w_malloc(n, file, line);
	if (n == 0) {
		w_free(p, file, line);
		return NULL;
	}
	h = (struct hdr *)p - 1;
	if ((q = w_malloc(n, file, line)) == NULL)
		return NULL;
	memcpy(q, p, h->n < n ? h->n : n);
	w_free(p, file, line);	/* the old block is released: inspect it */
	return q;
}

static void
watch(const uint8_t *p, size_t n)
{
	assert_true(npatterns < MAX_PATTERNS && n <= 32);
	memcpy(patterns[npatterns].p, p, n);
	patterns[npatterns++].n = n;
}

static kx_secret *
secret_hex(const char *hex)
{
	kx_secret *s = NULL;
	const uint8_t *p;
	size_t n;

	p = kxt_hex(hex, &n);
	watch(p, n);
	assert_int_equal(kx_secret_from(p, n, &s), KX_OK);
	return s;
}

/* Every scenario ends with nothing on the secure heap, nothing unwiped. */
static int
teardown(void **state)
{
	(void)state;
	if (CRYPTO_secure_used() != baseline || unwiped != 0)
		print_error("secure heap: %zu bytes in use; %zu freed blocks "
		    "held a key\n", CRYPTO_secure_used() - baseline, unwiped);
	assert_int_equal(CRYPTO_secure_used(), baseline);
	assert_int_equal(unwiped, 0);
	npatterns = 0;
	return 0;
}

static const char *KEY = "2B7E151628AED2A6ABF7158809CF4F3C";
static const char *KEK =
    "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4";

/* ---- key sources ------------------------------------------------------ */
static void
t_keysrc(void **state)
{
	static const char *bad[] = { "hex:2B7E151628AED2A6ABF7158809CF4F3",
		"hex:2B7E151628AED2A6ABF7158809CF4FZZ", "file:/nonexistent/k",
		"env:KX_HYGIENE_UNSET", "fd:987", "nope:1", NULL };
	char path[] = "/tmp/kxhygiene.XXXXXX";
	kx_secret *s = NULL;
	size_t i;
	int fd, insecure;

	(void)state;
	kx_secret_free(secret_hex(KEY));	/* watched from here */
	for (i = 0; bad[i] != NULL; i++) {
		assert_int_not_equal(kx_keysrc_load(bad[i], &s, &insecure,
		    NULL), KX_OK);
		assert_null(s);
	}
	/* a file of hex text that is readable by others: refused */
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, KEY, strlen(KEY)), (ssize_t)strlen(KEY));
	close(fd);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_not_equal(kx_keysrc_load(path, &s, &insecure, NULL),
	    KX_OK);
	assert_int_equal(chmod(path, 0600), 0);
	{
		char spec[64];

		snprintf(spec, sizeof(spec), "file:%s", path);
		assert_int_equal(kx_keysrc_load(spec, &s, &insecure, NULL),
		    KX_OK);
		assert_int_equal(kx_secret_len(s), 16);
		kx_secret_free(s);
	}
	unlink(path);
	assert_int_equal(setenv("KX_HYGIENE_K", KEY, 1), 0);
	assert_int_equal(kx_keysrc_load("env:KX_HYGIENE_K", &s, &insecure,
	    NULL), KX_OK);
	kx_secret_free(s);
	unsetenv("KX_HYGIENE_K");
}

/* ---- KCVs, wraps --------------------------------------------------------- */
static void
t_kcv_wrap(void **state)
{
	kx_secret *key = secret_hex(KEY), *kek = secret_hex(KEK), *out = NULL;
	kx_secret *k15 = secret_hex("000102030405060708090A0B0C0D0E");
	kx_buf w = { 0 };
	uint8_t kcv[16];
	static const enum kx_wrap_alg algs[] = { KX_WRAP_AES_KW,
		KX_WRAP_AES_KWP, KX_WRAP_AES_SIV_BOUND };
	size_t i;

	(void)state;
	assert_int_equal(kx_kcv_compute(KX_ALG_AES, KX_KCV_GP_AES, key, kcv,
	    3, NULL), KX_OK);
	assert_int_not_equal(kx_kcv_compute(KX_ALG_AES, KX_KCV_CMAC, k15, kcv,
	    5, NULL), KX_OK);
	assert_int_not_equal(kx_kcv_compute(KX_ALG_TDEA2, KX_KCV_GP_DES, k15,
	    kcv, 3, NULL), KX_OK);
	/* associated data for the bound wrap only */
#define AD(i) (algs[i] == KX_WRAP_AES_SIV_BOUND ? \
	(const uint8_t *)"ad" : NULL), (algs[i] == KX_WRAP_AES_SIV_BOUND ? 2 : 0)
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		/* a bad KEK length: refused */
		assert_int_not_equal(kx_wrap(algs[i], k15, key,
		    AD(i), &w, NULL), KX_OK);
		kx_buf_free(&w);
		assert_int_equal(kx_wrap(algs[i], kek, key,
		    AD(i), &w, NULL), KX_OK);
		/* tampered, truncated, under the wrong KEK: refused */
		w.data[w.len - 1] ^= 1;
		assert_int_not_equal(kx_unwrap(algs[i], kek, w.data, w.len,
		    AD(i), &out, NULL), KX_OK);
		assert_null(out);
		w.data[w.len - 1] ^= 1;
		assert_int_not_equal(kx_unwrap(algs[i], kek, w.data,
		    w.len - 8, AD(i), &out, NULL), KX_OK);
		assert_int_not_equal(kx_unwrap(algs[i], key, w.data, w.len,
		    AD(i), &out, NULL), KX_OK);
		assert_null(out);
		assert_int_equal(kx_unwrap(algs[i], kek, w.data, w.len,
		    AD(i), &out, NULL), KX_OK);
		kx_secret_free(out);
		out = NULL;
		kx_buf_free(&w);
	}
	kx_secret_free(key);
	kx_secret_free(kek);
	kx_secret_free(k15);
}

/* ---- components ------------------------------------------------------- */
static void
t_components(void **state)
{
	kx_secret *key = secret_hex(KEY), *parts[3] = { 0 }, *out = NULL;
	kx_secret *got = NULL, *spare[3] = { 0 };
	kx_component_info ci;
	kx_buf b = { 0 };
	uint8_t xs[3], xs2[3];
	size_t i;

	(void)state;
	/* Shamir 2 of 3; too few parts and a bad threshold are refused */
	assert_int_equal(kx_split(key, 3, 2, parts, xs, NULL), KX_OK);
	for (i = 0; i < 3; i++)
		watch(kx_secret_data(parts[i]), 16);
	assert_int_not_equal(kx_combine(parts, xs, 1, 2, &out, NULL), KX_OK);
	assert_null(out);
	assert_int_not_equal(kx_split(key, 3, 4, spare, xs2, NULL), KX_OK);
	assert_int_equal(kx_combine(parts, xs, 2, 2, &out, NULL), KX_OK);
	assert_memory_equal(kx_secret_data(out), kx_secret_data(key), 16);
	kx_secret_free(out);
	/* a component file with a damaged value: refused */
	memset(&ci, 0, sizeof(ci));
	ci.index = xs[0];
	ci.parts = 3;
	ci.threshold = 2;
	ci.method = KX_SPLIT_SHAMIR;
	ci.alg = KX_ALG_AES;
	ci.kcv_method = KX_KCV_GP_AES;
	assert_int_equal(kx_kcv_compute(KX_ALG_AES, KX_KCV_GP_AES, parts[0],
	    ci.component_kcv, 3, NULL), KX_OK);
	ci.component_kcv_len = 3;
	assert_int_equal(kx_kcv_compute(KX_ALG_AES, KX_KCV_GP_AES, key,
	    ci.key_kcv, 3, NULL), KX_OK);
	ci.key_kcv_len = 3;
	assert_int_equal(kx_component_write(&ci, parts[0], &b, NULL), KX_OK);
	assert_int_equal(kx_component_read(b.data, b.len, "c", &ci, &got,
	    NULL), KX_OK);
	kx_secret_free(got);
	got = NULL;
	kx_buf_free(&b);
	assert_int_equal(kx_component_write(&ci, parts[0], &b, NULL), KX_OK);
	b.data[b.len - 2] = b.data[b.len - 2] == '0' ? '1' : '0';
	assert_int_not_equal(kx_component_read(b.data, b.len, "c", &ci, &got,
	    NULL), KX_OK);
	assert_null(got);
	kx_buf_free(&b);
	for (i = 0; i < 3; i++)
		kx_secret_free(parts[i]);
	kx_secret_free(key);
}

/* ---- export and import ------------------------------------------------- */
static int
never(void *arg, const kx_doc *doc, size_t i, const kx_secret *v,
    kx_diag *d)
{
	(void)doc;
	(void)i;
	(void)v;
	(void)d;
	++*(int *)arg;
	return KX_EPOLICY;	/* the consumer refuses: an error path too */
}

static void
t_exchange(void **state)
{
	kx_secret *kek = secret_hex(KEK), *key = secret_hex(KEY);
	kx_secret *other = secret_hex("000102030405060708090A0B0C0D0E0F"
	    "101112131415161718191A1B1C1D1E1F");
	kx_xchg_opts o;
	kx_doc *doc = NULL;
	kx_key *k;
	int calls = 0;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.now = NOW;
	o.kek_id = "TK-1";
	assert_int_equal(kx_doc_read_file(kxt_src(
	    "samples/exchange/isd-keys.profile.xml"), KX_FMT_AUTO, &doc, NULL),
	    KX_OK);
	/* the wrong number of values: refused before anything is wrapped */
	assert_int_not_equal(kx_export(doc, &key, 1, kek, &o, NULL), KX_OK);
	kx_doc_free(doc);
	assert_int_equal(kx_doc_read_file(kxt_src(
	    "samples/exchange/isd-keys.profile.xml"), KX_FMT_AUTO, &doc, NULL),
	    KX_OK);
	{
		kx_secret *v[3] = { key, key, key };

		assert_int_equal(kx_export(doc, v, 3, kek, &o, NULL), KX_OK);
	}
	/* the wrong KEK; a consumer that refuses; a tampered value */
	assert_int_not_equal(kx_import(doc, other, &o, never, &calls, NULL),
	    KX_OK);
	assert_int_equal(calls, 0);
	assert_int_not_equal(kx_import(doc, kek, &o, never, &calls, NULL),
	    KX_OK);
	assert_int_equal(calls, 1);
	k = &doc->keys[1];
	k->value.data.p[0] ^= 1;
	assert_int_not_equal(kx_import(doc, kek, &o, never, &calls, NULL),
	    KX_OK);
	assert_int_equal(calls, 1);
	kx_doc_free(doc);
	kx_secret_free(kek);
	kx_secret_free(key);
	kx_secret_free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(t_keysrc, teardown),
		cmocka_unit_test_teardown(t_kcv_wrap, teardown),
		cmocka_unit_test_teardown(t_components, teardown),
		cmocka_unit_test_teardown(t_exchange, teardown),
	};
	uint8_t seed[16];

	/* Before OpenSSL allocates anything. */
	if (!CRYPTO_set_mem_functions(w_malloc, w_realloc, w_free))
		return 1;
	if (kx_secmem_init(1 << 16) < 1 || !CRYPTO_secure_malloc_initialized())
		return 1;
	/* The DRBGs take their secure memory once, on first use. */
	if (RAND_priv_bytes(seed, sizeof(seed)) != 1 ||
	    RAND_bytes(seed, sizeof(seed)) != 1)
		return 1;
	OPENSSL_cleanse(seed, sizeof(seed));
	baseline = CRYPTO_secure_used();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
