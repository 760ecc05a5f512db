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
	snprintf(dir, sizeof(dir), "/tmp/kx-keysrc-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
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
	/* odd hex digit count: not hex, so raw bytes */
	assert_int_equal(kx_keysrc_load(mkfile("o", "abc\n", 4, 0600), &s,
	    &ins, d), KX_OK);
	assert_int_equal(kx_secret_len(s), 4);
	kx_secret_free(s);
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
	    KX_OK);
	assert_int_equal(kx_secret_len(s), 8);
	kx_secret_free(s);
	unsetenv("KX_TEST_KEY");
	assert_int_equal(kx_keysrc_load("env:KX_TEST_KEY", &s, &ins, NULL),
	    KX_ENOTFOUND);

	assert_int_equal(kx_keysrc_load("hex:00FF", &s, &ins, NULL), KX_OK);
	assert_int_equal(ins, 1);
	assert_memory_equal(kx_secret_data(s), "\x00\xFF", 2);
	kx_secret_free(s);
	assert_int_equal(kx_keysrc_load("hex:0", &s, &ins, NULL), KX_ESYNTAX);
	assert_int_equal(kx_keysrc_load("pkcs11:token=x;object=y", &s, &ins,
	    NULL), KX_EUNSUPPORTED);
	assert_int_equal(kx_keysrc_load("0011", &s, &ins, NULL), KX_EUSAGE);
	assert_null(s);
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
		cmocka_unit_test(t_no_key_in_diag),
	};

	return cmocka_run_group_tests(t, setup, teardown);
}
