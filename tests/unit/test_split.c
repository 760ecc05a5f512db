/* test_split.c - GF(2^8), XOR and Shamir splitting, component files. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <unistd.h>

#include "kxtest.h"

/* FIPS 197 section 4.2 / 4.2.1: {57}*{83} = {c1}, {57}*{13} = {fe} */
static void
t_gf(void **state)
{
	unsigned a, b;

	(void)state;
	assert_int_equal(kxi_gf256_mul(0x57, 0x83), 0xc1);
	assert_int_equal(kxi_gf256_mul(0x57, 0x13), 0xfe);
	/* FIPS 197 4.2.1 xtime chain: {57}*{02} = {ae}, *{04} = {47},
	 * *{08} = {8e}, *{10} = {07} */
	assert_int_equal(kxi_gf256_mul(0x57, 0x02), 0xae);
	assert_int_equal(kxi_gf256_mul(0x57, 0x04), 0x47);
	assert_int_equal(kxi_gf256_mul(0x57, 0x08), 0x8e);
	assert_int_equal(kxi_gf256_mul(0x57, 0x10), 0x07);
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b += 37)
			assert_int_equal(kxi_gf256_mul((uint8_t)a, (uint8_t)b),
			    kxi_gf256_mul((uint8_t)b, (uint8_t)a));
}

static kx_secret *
key32(void)
{
	kx_secret *k = NULL;
	uint8_t b[32];
	size_t i;

	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)(i * 11 + 5);
	assert_int_equal(kx_secret_from(b, 32, &k), KX_OK);
	return k;
}

static void
t_xor(void **state)
{
	kx_secret *k = key32(), *p[5], *o = NULL, *sub[4];
	unsigned i;

	(void)state;
	assert_int_equal(kx_split(k, 5, 0, p, NULL, NULL), KX_OK);
	assert_int_equal(kx_combine(p, NULL, 5, 0, &o, NULL), KX_OK);
	assert_memory_equal(kx_secret_data(o), kx_secret_data(k), 32);
	kx_secret_free(o);
	/* four of five do not give the key */
	for (i = 0; i < 4; i++)
		sub[i] = p[i];
	assert_int_equal(kx_combine(sub, NULL, 4, 0, &o, NULL), KX_OK);
	assert_memory_not_equal(kx_secret_data(o), kx_secret_data(k), 32);
	kx_secret_free(o);
	for (i = 0; i < 5; i++)
		kx_secret_free(p[i]);
	kx_secret_free(k);
}

static void
t_shamir(void **state)
{
	kx_secret *k = key32(), *p[5], *o = NULL, *sub[5];
	uint8_t xs[5], sx[5];
	unsigned i, j, l, c;

	(void)state;
	assert_int_equal(kx_split(k, 5, 3, p, xs, NULL), KX_OK);
	for (i = 0; i < 5; i++)
		assert_int_equal(xs[i], i + 1);
	/* every 3-of-5 subset, in both orders */
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			for (l = j + 1; l < 5; l++) {
				unsigned idx[3] = { l, i, j };

				for (c = 0; c < 3; c++) {
					sub[c] = p[idx[c]];
					sx[c] = xs[idx[c]];
				}
				assert_int_equal(kx_combine(sub, sx, 3, 3, &o,
				    NULL), KX_OK);
				assert_memory_equal(kx_secret_data(o),
				    kx_secret_data(k), 32);
				kx_secret_free(o);
			}
	/* all five (k > m) */
	assert_int_equal(kx_combine(p, xs, 5, 3, &o, NULL), KX_OK);
	assert_memory_equal(kx_secret_data(o), kx_secret_data(k), 32);
	kx_secret_free(o);
	/* two of them (m - 1), interpolated as if m = 2: wrong key */
	assert_int_equal(kx_combine(p, xs, 2, 2, &o, NULL), KX_OK);
	assert_memory_not_equal(kx_secret_data(o), kx_secret_data(k), 32);
	kx_secret_free(o);
	/* refused: k < m, repeated x, x = 0, m < 2 */
	assert_int_equal(kx_combine(p, xs, 2, 3, &o, NULL), KX_EINPUT);
	sx[0] = 1; sx[1] = 1; sx[2] = 3;
	assert_int_equal(kx_combine(p, sx, 3, 3, &o, NULL), KX_EINPUT);
	sx[0] = 0;
	assert_int_equal(kx_combine(p, sx, 3, 3, &o, NULL), KX_EINPUT);
	assert_int_equal(kx_combine(p, xs, 3, 1, &o, NULL), KX_EINPUT);
	assert_null(o);
	for (i = 0; i < 5; i++)
		kx_secret_free(p[i]);
	/* split refusals */
	assert_int_equal(kx_split(k, 256, 2, p, xs, NULL), KX_EUSAGE);
	assert_int_equal(kx_split(k, 3, 1, p, xs, NULL), KX_EUSAGE);
	assert_int_equal(kx_split(k, 3, 4, p, xs, NULL), KX_EUSAGE);
	assert_int_equal(kx_split(k, 1, 0, p, xs, NULL), KX_EUSAGE);
	kx_secret_free(k);
}

/* m = n = 255, the largest split */
static void
t_shamir_max(void **state)
{
	kx_secret *k = key32(), **p = calloc(255, sizeof(*p)), *o = NULL;
	uint8_t xs[255];
	unsigned i;

	(void)state;
	assert_int_equal(kx_split(k, 255, 255, p, xs, NULL), KX_OK);
	assert_int_equal(kx_combine(p, xs, 255, 255, &o, NULL), KX_OK);
	assert_memory_equal(kx_secret_data(o), kx_secret_data(k), 32);
	kx_secret_free(o);
	assert_int_equal(kx_combine(p, xs, 254, 255, &o, NULL), KX_EINPUT);
	for (i = 0; i < 255; i++)
		kx_secret_free(p[i]);
	free(p);
	kx_secret_free(k);
}

static void
t_component_file(void **state)
{
	kx_secret *k = key32(), *p[3], *v = NULL;
	kx_component_info ci, rd;
	kx_buf out = { 0 };
	kx_diag *d = kx_diag_new();
	uint8_t buf[512];
	char *s;
	size_t n;

	(void)state;
	assert_int_equal(kx_split(k, 3, 2, p, NULL, NULL), KX_OK);
	memset(&ci, 0, sizeof(ci));
	ci.index = 2;
	ci.parts = 3;
	ci.threshold = 2;
	ci.method = KX_SPLIT_SHAMIR;
	ci.alg = KX_ALG_AES;
	ci.kcv_method = KX_KCV_GP_AES;
	assert_int_equal(kx_kcv_compute(KX_ALG_AES, KX_KCV_GP_AES, k,
	    ci.key_kcv, 3, NULL), KX_OK);
	ci.key_kcv_len = 3;
	assert_int_equal(kx_component_write(&ci, p[1], &out, d), KX_OK);
	assert_true(out.len < sizeof(buf));
	memcpy(buf, out.data, out.len);
	n = out.len;
	assert_memory_equal(buf, "kmsxchg-component v1\nindex: 2\nparts: 3\n"
	    "threshold: 2\nmethod: shamir\nalgorithm: aes\nkcv-method: gp-aes\n"
	    "component-kcv: ", 116);
	assert_int_equal(kx_component_read(buf, n, "c2", &rd, &v, d), KX_OK);
	assert_int_equal(rd.index, 2);
	assert_int_equal(rd.threshold, 2);
	assert_int_equal(rd.method, KX_SPLIT_SHAMIR);
	assert_int_equal(rd.key_kcv_len, 3);
	assert_memory_equal(rd.key_kcv, ci.key_kcv, 3);
	assert_memory_equal(kx_secret_data(v), kx_secret_data(p[1]), 32);
	kx_secret_free(v);
	/* the value's hex digits were wiped */
	s = strstr((char *)buf, "value: ");
	assert_non_null(s);
	assert_int_equal(s[7], '\0');
	/* strictness: repeated, unknown, missing, bad KCV */
	memcpy(buf, out.data, out.len);
	memcpy(strstr((char *)buf, "parts"), "index", 5);
	assert_int_equal(kx_component_read(buf, n, "c", &rd, &v, d),
	    KX_ESYNTAX);
	memcpy(buf, out.data, out.len);
	memcpy(strstr((char *)buf, "parts"), "party", 5);
	assert_int_equal(kx_component_read(buf, n, "c", &rd, &v, d),
	    KX_ESYNTAX);
	memcpy(buf, out.data, out.len);
	assert_int_equal(kx_component_read(buf, n - 2, "c", &rd, &v, d),
	    KX_ESYNTAX);
	memcpy(buf, out.data, out.len);
	s = strstr((char *)buf, "value: ") + 7;
	s[0] = s[0] == '0' ? '1' : '0';
	assert_int_equal(kx_component_read(buf, n, "c", &rd, &v, d),
	    KX_EKCV);
	/* out of order: "parts: 3" before "index: 2" (same length) */
	memcpy(buf, out.data, out.len);
	s = strstr((char *)buf, "index: 2\nparts: 3\n");
	assert_non_null(s);
	memcpy(s, "parts: 3\nindex: 2\n", 18);
	kx_diag_clear(d);
	assert_int_equal(kx_component_read(buf, n, "c", &rd, &v, d),
	    KX_ESYNTAX);
	assert_non_null(strstr(kx_diag_get(d, 0)->message, "out of order"));
	assert_null(v);
	memcpy(buf, out.data, out.len);
	memcpy(buf, "kmsxchg-component v2", 20);
	assert_int_equal(kx_component_read(buf, n, "c", &rd, &v, d),
	    KX_ESYNTAX);
	assert_null(v);
	/*
	 * Issue 7 item 21: a component file cannot ask for a 16-byte KCV of
	 * the rebuilt key (the whole block); 3 bytes for gp-aes.
	 */
	{
		char big[600];
		const char *kk;
		int m;

		assert_int_equal(kx_buf_append(&out, "", 1), KX_OK);
		out.len--;
		kk = strstr((const char *)out.data, "key-kcv: ");
		assert_non_null(kk);
		m = snprintf(big, sizeof(big), "%.*skey-kcv: %s%.*s",
		    (int)(kk - (const char *)out.data),
		    (const char *)out.data, "00000000000000000000000000000000",
		    (int)(out.len - (size_t)(kk + 15 - (const char *)out.data)),
		    kk + 15);
		assert_true(m > 0 && (size_t)m < sizeof(big));
		assert_int_equal(kx_component_read((uint8_t *)big, (size_t)m,
		    "c", &rd, &v, d), KX_ESYNTAX);
		assert_null(v);
		assert_non_null(strstr(kx_diag_get(d, kx_diag_count(d) - 1)->
		    message, "key-kcv length 16 outside 3..3"));
		ci.key_kcv_len = 16;
		assert_int_equal(kx_component_write(&ci, p[1], &out, d),
		    KX_EUSAGE);
		ci.key_kcv_len = 3;
	}
	/* xor must name all parts as threshold */
	ci.method = KX_SPLIT_XOR;
	assert_int_equal(kx_component_write(&ci, p[1], &out, d), KX_EUSAGE);
	kx_buf_free(&out);
	kx_diag_free(d);
	kx_secret_free(p[0]);
	kx_secret_free(p[1]);
	kx_secret_free(p[2]);
	kx_secret_free(k);
}

/*
 * DES parity: XOR components are written in odd parity and checked on
 * reading; the rebuilt key is adjusted; Shamir shares and AES keys are
 * left alone.  The GP test key 40..4F is in odd parity already.
 */
static void
t_des_parity(void **state)
{
	kx_secret *k = NULL, *parts[3] = { 0 }, *back = NULL;
	kx_component_info ci;
	uint8_t xs[3], kcv1[3], kcv2[3];
	const uint8_t *p;
	size_t n, i, j;

	(void)state;
	p = kxt_hex("0000000000000005FEFEFEFEFEFEFEFE", &n);
	assert_int_equal(kx_secret_from(p, n, &k), KX_OK);
	memset(&ci, 0, sizeof(ci));
	ci.alg = KX_ALG_TDEA2;
	ci.method = KX_SPLIT_XOR;
	/* even parity bytes: refused, the first one named */
	assert_int_equal(kx_component_parity_check(&ci, k, "c.1", NULL),
	    KX_ESYNTAX);
	assert_int_equal(kx_kcv_compute(KX_ALG_TDEA2, KX_KCV_GP_DES, k, kcv1,
	    3, NULL), KX_OK);
	assert_int_equal(kx_split(k, 3, 0, parts, xs, NULL), KX_OK);
	for (i = 0; i < 3; i++) {
		kx_des_parity_adjust(KX_ALG_TDEA2, KX_SPLIT_XOR, parts[i]);
		assert_int_equal(kx_component_parity_check(&ci, parts[i],
		    "c", NULL), KX_OK);
	}
	assert_int_equal(kx_combine(parts, xs, 3, 0, &back, NULL), KX_OK);
	kx_des_parity_adjust(KX_ALG_TDEA2, KX_SPLIT_NONE, back);
	assert_int_equal(kx_component_parity_check(&ci, back, "k", NULL),
	    KX_OK);
	/* the same DES key: only parity bits changed, the KCV is the same */
	for (i = 0; i < n; i++)
		assert_int_equal(kx_secret_data(back)[i] & 0xFE, p[i] & 0xFE);
	assert_int_equal(kx_kcv_compute(KX_ALG_TDEA2, KX_KCV_GP_DES, back,
	    kcv2, 3, NULL), KX_OK);
	assert_memory_equal(kcv1, kcv2, 3);
	p = kx_secret_data(back);
	assert_memory_equal(p, kxt_hex("0101010101010104FEFEFEFEFEFEFEFE",
	    &j), 16);
	/* AES keys and Shamir shares are not touched nor checked */
	kx_des_parity_adjust(KX_ALG_AES, KX_SPLIT_XOR, k);
	kx_des_parity_adjust(KX_ALG_TDEA2, KX_SPLIT_SHAMIR, k);
	assert_int_equal(kx_secret_data(k)[0], 0);
	ci.method = KX_SPLIT_SHAMIR;
	assert_int_equal(kx_component_parity_check(&ci, k, "s", NULL), KX_OK);
	for (i = 0; i < 3; i++)
		kx_secret_free(parts[i]);
	kx_secret_free(back);
	kx_secret_free(k);
}

/* Write parts of a split of k as files dir/prefix.N; method by m. */
static void
write_parts(const char *dir, const char *prefix, const kx_secret *k,
    unsigned n, unsigned m)
{
	kx_secret *p[8];
	kx_component_info ci;
	kx_buf out;
	char path[256];
	FILE *f;
	unsigned i;

	assert_true(n <= 8);
	assert_int_equal(kx_split(k, n, m, p, NULL, NULL), KX_OK);
	memset(&ci, 0, sizeof(ci));
	ci.parts = n;
	ci.threshold = m != 0 ? m : n;
	ci.method = m != 0 ? KX_SPLIT_SHAMIR : KX_SPLIT_XOR;
	ci.alg = KX_ALG_AES;
	ci.kcv_method = KX_KCV_GP_AES;
	ci.key_kcv_len = 3;
	assert_int_equal(kx_kcv_compute(KX_ALG_AES, KX_KCV_GP_AES, k,
	    ci.key_kcv, 3, NULL), KX_OK);
	for (i = 0; i < n; i++) {
		ci.index = i + 1;
		memset(&out, 0, sizeof(out));
		assert_int_equal(kx_component_write(&ci, p[i], &out, NULL),
		    KX_OK);
		snprintf(path, sizeof(path), "%s/%s.%u", dir, prefix, i + 1);
		assert_non_null(f = fopen(path, "w"));
		assert_int_equal(fwrite(out.data, 1, out.len, f), out.len);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(chmod(path, 0600), 0);	/* key material */
		kx_buf_free(&out);
		kx_secret_free(p[i]);
	}
}

/* The last finding's message holds s. */
static void
last_says(const kx_diag *d, const char *s)
{
	size_t n = kx_diag_count(d);

	assert_true(n > 0);
	assert_non_null(strstr(kx_diag_get(d, n - 1)->message, s));
}

/* kx_components_combine refuses paths[n] with rc; the last finding says
 * what (when says is not NULL) and no key comes back. */
static void
refused(const char **paths, size_t n, kx_component_info *info, kx_diag *d,
    int rc, const char *says)
{
	kx_secret *o = NULL;

	kx_diag_clear(d);
	assert_int_equal(kx_components_combine(paths, n, info, &o, d), rc);
	assert_null(o);
	if (says != NULL)
		last_says(d, says);
}

/* kx_components_combine: the one reader, matcher and combiner of
 * component files (combine, export and import --kek-component). */
static void
t_components_combine(void **state)
{
	char dir[] = "test_split.XXXXXX", a[8][300];
	const char *paths[4];
	kx_component_info info[4];
	kx_secret *k = key32(), *o = NULL, *k2;
	kx_diag *d = kx_diag_new();
	uint8_t *b;
	FILE *f;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_parts(dir, "s", k, 3, 2);
	write_parts(dir, "x", k, 3, 0);
	assert_int_equal(kx_secret_from((const uint8_t *)"0123456789abcdef"
	    "0123456789abcdef", 32, &k2), KX_OK);
	write_parts(dir, "o", k2, 3, 2);
	kx_secret_free(k2);
	memset(paths, 0, sizeof(paths));
	snprintf(a[0], sizeof(a[0]), "%s/s.3", dir);
	snprintf(a[1], sizeof(a[1]), "%s/s.1", dir);
	snprintf(a[2], sizeof(a[2]), "%s/x.1", dir);
	snprintf(a[3], sizeof(a[3]), "%s/x.2", dir);
	snprintf(a[4], sizeof(a[4]), "%s/o.2", dir);
	snprintf(a[5], sizeof(a[5]), "%s/x.3", dir);
	snprintf(a[6], sizeof(a[6]), "%s/missing", dir);

	/* two of three Shamir shares rebuild the key; info in path order */
	paths[0] = a[0];
	paths[1] = a[1];
	assert_int_equal(kx_components_combine(paths, 2, info, &o, d), KX_OK);
	assert_memory_equal(kx_secret_data(o), kx_secret_data(k), 32);
	assert_int_equal(info[0].index, 3);
	assert_int_equal(info[1].index, 1);
	assert_int_equal(info[0].alg, KX_ALG_AES);
	assert_int_equal(info[0].key_kcv_len, 3);
	kx_secret_free(o);
	/* info may be NULL */
	assert_int_equal(kx_components_combine(paths, 2, NULL, &o, d), KX_OK);
	kx_secret_free(o);
	/* xor needs every part */
	paths[0] = a[2];
	paths[1] = a[3];
	refused(paths, 2, info, d, KX_EINPUT,
	    "all 3 components are needed, 2 given");
	paths[2] = a[5];
	assert_int_equal(kx_components_combine(paths, 3, info, &o, d), KX_OK);
	assert_memory_equal(kx_secret_data(o), kx_secret_data(k), 32);
	kx_secret_free(o);
	/* the same part twice */
	paths[0] = a[1];
	paths[1] = a[1];
	refused(paths, 2, info, d, KX_EINPUT, "repeats component");
	/* parts of two splits, named */
	paths[1] = a[4];
	refused(paths, 2, info, d, KX_EINPUT, "does not belong with");
	assert_int_equal(info[0].index, 1);	/* read before the failure */
	/* a missing file is the reader's error, named */
	paths[1] = a[6];
	refused(paths, 2, info, d, KX_ENOTFOUND, NULL);
	assert_int_equal(info[1].index, 0);
	/* one changed digit of a value: that component's KCV */
	assert_non_null(f = fopen(a[0], "r+"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	i = (size_t)ftell(f);
	assert_non_null(b = malloc(i));
	rewind(f);
	assert_int_equal(fread(b, 1, i, f), i);
	b[i - 2] = b[i - 2] == '0' ? '1' : '0';
	rewind(f);
	assert_int_equal(fwrite(b, 1, i, f), i);
	assert_int_equal(fclose(f), 0);
	free(b);
	paths[0] = a[0];
	paths[1] = a[1];
	refused(paths, 2, info, d, KX_EKCV, "KCV check failed");
	assert_int_equal(kx_diag_count(d), 1);
	/* fewer than two is a usage error */
	refused(paths, 1, info, d, KX_EUSAGE, NULL);
	for (i = 1; i <= 3; i++) {
		snprintf(a[7], sizeof(a[7]), "%s/s.%zu", dir, i);
		unlink(a[7]);
		snprintf(a[7], sizeof(a[7]), "%s/x.%zu", dir, i);
		unlink(a[7]);
		snprintf(a[7], sizeof(a[7]), "%s/o.%zu", dir, i);
		unlink(a[7]);
	}
	assert_int_equal(rmdir(dir), 0);
	kx_diag_free(d);
	kx_secret_free(k);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(t_gf),
		cmocka_unit_test(t_xor),
		cmocka_unit_test(t_shamir),
		cmocka_unit_test(t_shamir_max),
		cmocka_unit_test(t_component_file),
		cmocka_unit_test(t_des_parity),
		cmocka_unit_test(t_components_combine),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
