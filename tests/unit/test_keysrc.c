/* test_keysrc.c - key sources: file (permissions, raw, hex, PEM), fd, env,
 * hex:, pkcs11:, and that no message carries key bytes. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kxtest.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return kxt_tmpdir(dir, "keysrc");
}

static int
teardown(void **state)
{
	(void)state;
	return kxt_rmtree(dir);
}

static const char *
mkfile(const char *name, const void *p, size_t n, mode_t mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "file:%s/%s", dir, name);
	fd = open(path + 5, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void
t_file(void **state)
{
	static const uint8_t raw[16] = { 0x01, 0xFF, 0x80, 0x7A, 'x', 0, 9 };
	kx_secret *s = NULL;
	kx_diag *d = kx_diag_new();
	int ins = -1;

	(void)state;
	/* 0644 refused, 0640 refused, 0600 accepted */
	assert_int_equal(kx_keysrc_load(mkfile("k", raw, 16, 0644), &s, &ins,
	    d), KX_EPERM);
	assert_null(s);
	assert_int_equal(kx_keysrc_load(mkfile("k", raw, 16, 0640), &s, &ins,
	    d), KX_EPERM);
	assert_int_equal(kx_keysrc_load(mkfile("k", raw, 16, 0600), &s, &ins,
	    d), KX_OK);
	assert_int_equal(ins, 0);
	assert_int_equal(kx_secret_len(s), 16);
	assert_memory_equal(kx_secret_data(s), raw, 16);
	kx_secret_free(s);
	/* hex text with white space */
	assert_int_equal(kx_keysrc_load(mkfile("h", "0011 2233\n4455aaBB\n",
	    19, 0400), &s, &ins, d), KX_OK);
	assert_int_equal(kx_secret_len(s), 8);
	assert_memory_equal(kx_secret_data(s),
	    "\x00\x11\x22\x33\x44\x55\xaa\xbb", 8);
	kx_secret_free(s);
	/* odd hex digit count: refused, never raw bytes (issue 7 item 6) */
	assert_int_equal(kx_keysrc_load(mkfile("o", "abc\n", 4, 0600), &s,
	    &ins, d), KX_ESYNTAX);
	assert_null(s);
	/* PEM returned as bytes */
	assert_int_equal(kx_keysrc_load(mkfile("p", "-----BEGIN X-----\nAB\n"
	    "-----END X-----\n", 37, 0600), &s, &ins, d), KX_OK);
	assert_int_equal(kx_secret_len(s), 37);
	kx_secret_free(s);
	/* empty, missing */
	assert_int_equal(kx_keysrc_load(mkfile("e", "", 0, 0600), &s, &ins,
	    d), KX_ESYNTAX);
	assert_int_equal(kx_keysrc_load("file:/nonexistent/kx", &s, &ins, d),
	    KX_ENOTFOUND);
	kx_diag_free(d);
}

static void
t_fd_env_hex(void **state)
{
	kx_secret *s = NULL;
	int p[2], ins = -1;
	char spec[32];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "A0A1A2A3\n", 9), 9);
	close(p[1]);
	snprintf(spec, sizeof(spec), "fd:%d", p[0]);
	assert_int_equal(kx_keysrc_load(spec, &s, &ins, NULL), KX_OK);
	close(p[0]);
	assert_int_equal(kx_secret_len(s), 4);
	assert_memory_equal(kx_secret_data(s), "\xA0\xA1\xA2\xA3", 4);
	assert_int_equal(ins, 0);
	kx_secret_free(s);
	assert_int_equal(kx_keysrc_load("fd:x1", &s, &ins, NULL), KX_EUSAGE);

	setenv("KX_TEST_KEY", "000102030405060708090a0b0c0d0e0f", 1);
	assert_int_equal(kx_keysrc_load("env:KX_TEST_KEY", &s, &ins, NULL),
	    KX_OK);
	assert_int_equal(kx_secret_len(s), 16);
	assert_int_equal(kx_secret_data(s)[15], 0x0f);
	assert_int_equal(ins, 0);
	kx_secret_free(s);
	setenv("KX_TEST_KEY", "not hex!", 1);
	assert_int_equal(kx_keysrc_load("env:KX_TEST_KEY", &s, &ins, NULL),
	    KX_ESYNTAX);
	assert_null(s);
	unsetenv("KX_TEST_KEY");
	assert_int_equal(kx_keysrc_load("env:KX_TEST_KEY", &s, &ins, NULL),
	    KX_ENOTFOUND);

	assert_int_equal(kx_keysrc_load("hex:00FF", &s, &ins, NULL), KX_OK);
	assert_int_equal(ins, 1);
	assert_memory_equal(kx_secret_data(s), "\x00\xFF", 2);
	kx_secret_free(s);
	assert_int_equal(kx_keysrc_load("hex:0", &s, &ins, NULL), KX_ESYNTAX);
	/* no module named: a usage error before anything is loaded */
	assert_int_equal(kx_keysrc_load("pkcs11:token=x;object=y", &s, &ins,
	    NULL), KX_EUSAGE);
	assert_int_equal(kx_keysrc_load("pkcs11:token=x;object=y;bogus=1",
	    &s, &ins, NULL), KX_EUSAGE);
	assert_int_equal(kx_keysrc_load("pkcs11:object=y?pin-value=1234",
	    &s, &ins, NULL), KX_EUSAGE);
	assert_int_equal(kx_keysrc_load("pkcs11:object=y?module-path="
	    "/nonexistent/libp11.so", &s, &ins, NULL), KX_ENOTFOUND);
	assert_int_equal(kx_keysrc_load("0011", &s, &ins, NULL), KX_EUSAGE);
	assert_null(s);
}

/*
 * Issue 7 item 6: a key source is hex text or exactly the raw key bytes;
 * anything ambiguous is refused with a message naming the source only.
 */
static void
t_strict(void **state)
{
	/* 31 hex digits + LF: used to be a 32-byte ASCII AES-256 key */
	static const char odd31[] = "000102030405060708090A0B0C0D0E0\n";
	static const char nonhex[] = "000102030405060708090A0B0C0D0E0G";
	static const char hex32[] = "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\r\n";
	static const uint8_t bin[33] = { 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
		26, 27, 28, 29, 30, 31, 10 };
	static const struct {
		const char *name;
		const void *p;
		size_t n;
		enum kx_alg alg;
		size_t len;
		int rc;
		size_t got;	/* key bytes on success */
		const char *msg;	/* part of the message on failure */
	} c[] = {
		{ "odd", odd31, 32, KX_ALG_AES, 0, KX_ESYNTAX, 0,
		    "odd number of digits" },
		{ "odd", odd31, 32, KX_ALG_NONE, 0, KX_ESYNTAX, 0,
		    "odd number of digits" },
		{ "ws", " \n\t\r\n", 5, KX_ALG_AES, 0, KX_ESYNTAX, 0,
		    "only white space" },
		{ "text", nonhex, 32, KX_ALG_AES, 0, KX_ESYNTAX, 0,
		    "text that is not hex" },
		{ "0x", "0x00010203040506070809", 22, KX_ALG_NONE, 0,
		    KX_ESYNTAX, 0, "text that is not hex" },
		{ "split", "0 00102030405060708090A0B0C0D0E0F0", 34,
		    KX_ALG_AES, 0, KX_ESYNTAX, 0, "odd number of digits" },
		{ "hex", hex32, 66, KX_ALG_AES, 0, KX_OK, 32, NULL },
		{ "hex", hex32, 66, KX_ALG_AES, 16, KX_ESYNTAX, 0,
		    "hex text of 32 bytes is not a valid aes key (16 bytes)" },
		{ "hex", hex32, 66, KX_ALG_TDEA2, 0, KX_ESYNTAX, 0,
		    "8, 16 or 24 bytes" },
		{ "raw", bin, 32, KX_ALG_AES, 0, KX_OK, 32, NULL },
		{ "raw", bin, 16, KX_ALG_TDEA2, 16, KX_OK, 16, NULL },
		/* a raw key with a line end is not a raw key */
		{ "rawlf", bin, 33, KX_ALG_AES, 0, KX_ESYNTAX, 0,
		    "raw content of 33 bytes is not a valid aes key" },
		{ "raw", bin, 32, KX_ALG_RSA, 0, KX_ESYNTAX, 0,
		    "not a PEM key" },
		{ "pem", "-----BEGIN X-----\n", 18, KX_ALG_AES, 0,
		    KX_ESYNTAX, 0, "a PEM key, not a raw or hex aes key" },
		{ "pem", "-----BEGIN X-----\n", 18, KX_ALG_RSA, 0, KX_OK, 18,
		    NULL },
		{ "hmac", "00\n", 3, KX_ALG_HMAC, 0, KX_OK, 1, NULL },
	};
	kx_secret *s = NULL;
	kx_diag *d;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		d = kx_diag_new();
		r = kx_keysrc_load_as(mkfile(c[i].name, c[i].p, c[i].n, 0600),
		    c[i].alg, c[i].len, &s, NULL, d);
		if (r != c[i].rc)
			fail_msg("case %zu (%s): rc %d", i, c[i].name, r);
		if (r == KX_OK) {
			assert_int_equal(kx_secret_len(s), c[i].got);
			kx_secret_free(s);
			s = NULL;
		} else {
			assert_null(s);
			assert_int_equal(kx_diag_count(d), 1);
			if (strstr(kx_diag_get(d, 0)->message, c[i].msg) ==
			    NULL)
				fail_msg("case %zu: \"%s\"", i,
				    kx_diag_get(d, 0)->message);
			/* the source is named, its content never */
			assert_non_null(strstr(kx_diag_get(d, 0)->message,
			    "key source file:"));
			assert_null(strstr(kx_diag_get(d, 0)->message,
			    "0102"));
		}
		kx_diag_free(d);
	}
	/* hex: says it is not hex; the same rule holds for env: */
	d = kx_diag_new();
	assert_int_equal(kx_keysrc_load_as("hex:zz", KX_ALG_NONE, 0, &s,
	    NULL, d), KX_ESYNTAX);
	assert_string_equal(kx_diag_get(d, 0)->message,
	    "key source hex: not hex (hex digits 0-9, A-F only)");
	assert_int_equal(kx_keysrc_load_as("hex:0011 2233", KX_ALG_NONE, 0,
	    &s, NULL, d), KX_ESYNTAX);
	assert_int_equal(kx_keysrc_load_as("hex:001", KX_ALG_NONE, 0, &s,
	    NULL, d), KX_ESYNTAX);
	assert_non_null(strstr(kx_diag_get(d, 2)->message, "odd number"));
	assert_int_equal(kx_keysrc_load_as("hex:00112233", KX_ALG_AES, 0, &s,
	    NULL, d), KX_ESYNTAX);
	setenv("KX_TEST_KEY", "000102030405060708090A0B0C0D0E0", 1);
	assert_int_equal(kx_keysrc_load_as("env:KX_TEST_KEY", KX_ALG_AES, 0,
	    &s, NULL, d), KX_ESYNTAX);
	unsetenv("KX_TEST_KEY");
	assert_null(s);
	kx_diag_free(d);
}

/* Failed loads never echo key material. */
static void
t_no_key_in_diag(void **state)
{
	kx_secret *s = NULL;
	kx_diag *d = kx_diag_new();
	size_t i;

	(void)state;
	assert_int_equal(kx_keysrc_load("hex:C0FFEE1", &s, NULL, d),
	    KX_ESYNTAX);
	assert_int_equal(kx_keysrc_load("hex:C0FFEEZZ", &s, NULL, d),
	    KX_ESYNTAX);
	assert_int_equal(kx_keysrc_load("C0FFEE", &s, NULL, d), KX_EUSAGE);
	assert_int_equal(kx_keysrc_load(mkfile("w", "C0FFEE", 6, 0644), &s,
	    NULL, d), KX_EPERM);
	assert_int_equal(kx_diag_count(d), 4);
	for (i = 0; i < kx_diag_count(d); i++) {
		assert_null(strstr(kx_diag_get(d, i)->message, "C0FFEE"));
		assert_null(strstr(kx_diag_get(d, i)->message, "c0ffee"));
	}
	kx_diag_free(d);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(t_file),
		cmocka_unit_test(t_fd_env_hex),
		cmocka_unit_test(t_strict),
		cmocka_unit_test(t_no_key_in_diag),
	};

	return cmocka_run_group_tests(t, setup, teardown);
}
