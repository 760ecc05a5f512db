/* test_files.c - kx_file_write_atomic onto every kind of target (new path,
 * regular file, FIFO, character device, symbolic link, folder), no-clobber,
 * non-blocking refusal of special inputs, private reads, and encrypted PEM
 * keys that never prompt (kx_pem_unlock).  Everything happens in a fresh
 * folder under /tmp; no system path is ever written. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "kxtest.h"

static char dir[64];
static char pbuf[4][256];
static int pslot;

static int
setup(void **state)
{
	(void)state;
	return kxt_tmpdir(dir, "files");
}

static int
teardown(void **state)
{
	(void)state;
	return kxt_rmtree(dir);
}

static const char *
at(const char *name)
{
	char *p = pbuf[pslot++ % 4];

	snprintf(p, sizeof(pbuf[0]), "%s/%s", dir, name);
	return p;
}

static void
put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
assert_content(const char *path, const char *text)
{
	kx_buf b = { 0 };

	assert_int_equal(kx_file_read(path, 0, &b, NULL), KX_OK);
	assert_int_equal(b.len, strlen(text));
	assert_memory_equal(b.data, text, b.len);
	kx_buf_free(&b);
}

/* No temporary file is ever left in the folder. */
static void
assert_no_temp(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -q kmsxchg", dir);
	assert_int_not_equal(system(cmd), 0);
}

static void
regular_and_new(void **state)
{
	const char *p = at("doc");
	struct stat st;

	(void)state;
	assert_int_equal(kx_file_write_atomic(p, "one", 3, 0, NULL), KX_OK);
	assert_content(p, "one");
	assert_int_equal(kx_file_write_atomic(p, "two", 3, 0, NULL), KX_OK);
	assert_content(p, "two");
	p = at("secret");
	assert_int_equal(kx_file_write_atomic(p, "k", 1, KX_WRITE_SECRET |
	    KX_WRITE_NEW, NULL), KX_OK);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_no_temp();
}

static void
no_clobber(void **state)
{
	const char *p = at("kept");
	kx_diag *d = kx_diag_new();

	(void)state;
	put(p, "old", 0600);
	assert_int_equal(kx_file_write_atomic(p, "new", 3, KX_WRITE_SECRET |
	    KX_WRITE_NEW, d), KX_EEXIST);
	assert_non_null(strstr(kx_diag_get(d, 0)->message, "kept exists"));
	assert_content(p, "old");
	assert_int_equal(kx_file_write_atomic(p, "new", 3, KX_WRITE_SECRET,
	    NULL), KX_OK);
	assert_content(p, "new");
	assert_no_temp();
	kx_diag_free(d);
}

static void
fifo_written_straight(void **state)
{
	const char *p = at("fifo");
	char got[8] = { 0 };
	struct stat st;
	int rfd;

	(void)state;
	assert_int_equal(mkfifo(p, 0600), 0);
	/* a reader first, so the writer's open does not wait */
	assert_true((rfd = open(p, O_RDONLY | O_NONBLOCK)) >= 0);
	assert_int_equal(kx_file_write_atomic(p, "doc", 3, 0, NULL), KX_OK);
	assert_int_equal(read(rfd, got, sizeof(got)), 3);
	assert_string_equal(got, "doc");
	close(rfd);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_no_temp();
}

static void
device_written_straight(void **state)
{
	const char *p = at("nul");
	struct stat st;

	(void)state;
	/* the null device, made here: the suite runs as root */
	assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(kx_file_write_atomic(p, "doc", 3, 0, NULL), KX_OK);
	assert_int_equal(kx_file_write_atomic(p, "key", 3, KX_WRITE_SECRET |
	    KX_WRITE_NEW, NULL), KX_OK);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_no_temp();
}

static void
symlink_followed_or_refused(void **state)
{
	const char *t = at("target"), *l = at("link");
	struct stat st;

	(void)state;
	put(t, "old", 0644);
	assert_int_equal(symlink("target", l), 0);
	assert_int_equal(kx_file_write_atomic(l, "key", 3, KX_WRITE_SECRET,
	    NULL), KX_EUSAGE);
	assert_content(t, "old");
	assert_int_equal(kx_file_write_atomic(l, "doc", 3, 0, NULL), KX_OK);
	assert_int_equal(lstat(l, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_content(t, "doc");
	/* a link to nothing is refused, and nothing appears */
	assert_int_equal(symlink("nothing", at("dangling")), 0);
	assert_int_not_equal(kx_file_write_atomic(at("dangling"), "doc", 3, 0,
	    NULL), KX_OK);
	assert_int_not_equal(access(at("nothing"), F_OK), 0);
	assert_no_temp();
}

static void
folder_refused(void **state)
{
	const char *p = at("sub");

	(void)state;
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(kx_file_write_atomic(p, "doc", 3, 0, NULL),
	    KX_EUSAGE);
	assert_no_temp();
}

static void
special_inputs_refused(void **state)
{
	const char *f = at("in-fifo"), *p = at("public");
	kx_buf b = { 0 };

	(void)state;
	assert_int_equal(mkfifo(f, 0600), 0);
	/* no writer: a blocking open would never return */
	assert_int_equal(kx_file_read(f, 0, &b, NULL), KX_EUSAGE);
	assert_int_equal(kx_file_read(dir, 0, &b, NULL), KX_EUSAGE);
	put(p, "text", 0644);
	assert_int_equal(kx_file_read(p, 0, &b, NULL), KX_OK);
	kx_buf_free(&b);
	assert_int_equal(kx_file_read_private(p, 0, &b, NULL), KX_EPERM);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(kx_file_read_private(p, 0, &b, NULL), KX_OK);
	kx_buf_free(&b);
	kx_file_cleanup();	/* nothing in progress: a no-op */
}

/* An RSA key as PEM, encrypted under pass when pass != NULL. */
static kx_secret *
rsa_pem(EVP_PKEY *pk, const char *pass)
{
	BIO *m = BIO_new(BIO_s_mem());
	kx_secret *s = NULL;
	char *p;
	long n;

	assert_non_null(m);
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(m, pk, pass ?
	    EVP_aes_256_cbc() : NULL, NULL, 0, NULL, (void *)pass), 1);
	n = BIO_get_mem_data(m, &p);
	assert_int_equal(kx_secret_from(p, (size_t)n, &s), KX_OK);
	BIO_free(m);
	return s;
}

static void
encrypted_pem_never_prompts(void **state)
{
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	kx_secret *enc, *plain, *pass, *bad, *key, *back = NULL;
	kx_buf w = { 0 };
	kx_diag *d = kx_diag_new();
	static const uint8_t k16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		12, 13, 14, 15, 16 };

	(void)state;
	assert_non_null(pk);
	enc = rsa_pem(pk, "hunter22");
	assert_int_equal(kx_secret_from("hunter22\n", 9, &pass), KX_OK);
	assert_int_equal(kx_secret_from("wrong", 5, &bad), KX_OK);
	assert_int_equal(kx_secret_from(k16, sizeof(k16), &key), KX_OK);
	/* wrap reads the public half: the encrypted key is refused too */
	assert_int_equal(kx_wrap(KX_WRAP_RSA_OAEP_SHA256, enc, key, NULL, 0,
	    &w, NULL), KX_EUSAGE);
	assert_int_equal(kx_pem_unlock(enc, bad, &plain, NULL), KX_ECRYPTO);
	assert_null(plain);
	/* the final line end of the passphrase is dropped */
	assert_int_equal(kx_pem_unlock(enc, pass, &plain, NULL), KX_OK);
	assert_int_equal(kx_wrap(KX_WRAP_RSA_OAEP_SHA256, plain, key, NULL, 0,
	    &w, NULL), KX_OK);
	/* without a passphrase: refused, saying so, never a prompt */
	assert_int_equal(kx_unwrap(KX_WRAP_RSA_OAEP_SHA256, enc, w.data, w.len,
	    NULL, 0, &back, d), KX_EUSAGE);
	assert_null(back);
	assert_non_null(strstr(kx_diag_get(d, 0)->message, "encrypted PEM"));
	assert_int_equal(kx_unwrap(KX_WRAP_RSA_OAEP_SHA256, plain, w.data,
	    w.len, NULL, 0, &back, NULL), KX_OK);
	assert_int_equal(kx_secret_len(back), sizeof(k16));
	assert_memory_equal(kx_secret_data(back), k16, sizeof(k16));
	kx_secret_free(back);
	kx_secret_free(plain);
	kx_secret_free(key);
	kx_secret_free(bad);
	kx_secret_free(pass);
	kx_secret_free(enc);
	kx_buf_free(&w);
	kx_diag_free(d);
	EVP_PKEY_free(pk);
}

/* A passphrase is its bytes: never hex-decoded, line end dropped. */
static void
passphrase_source(void **state)
{
	kx_secret *s = NULL;
	char spec[128];

	(void)state;
	put(at("pass"), "deadbeef\n", 0600);
	snprintf(spec, sizeof(spec), "file:%s", at("pass"));
	assert_int_equal(kx_keysrc_load_pass(spec, &s, NULL), KX_OK);
	assert_int_equal(kx_secret_len(s), 8);
	assert_memory_equal(kx_secret_data(s), "deadbeef", 8);
	kx_secret_free(s);
	assert_int_equal(setenv("KXT_PASS", "p w\r\n", 1), 0);
	assert_int_equal(kx_keysrc_load_pass("env:KXT_PASS", &s, NULL), KX_OK);
	assert_int_equal(kx_secret_len(s), 3);
	kx_secret_free(s);
	put(at("nl"), "\n", 0600);
	snprintf(spec, sizeof(spec), "file:%s", at("nl"));
	assert_int_equal(kx_keysrc_load_pass(spec, &s, NULL), KX_ESYNTAX);
	assert_int_equal(kx_keysrc_load_pass("hex:00", &s, NULL), KX_EUSAGE);
	assert_null(s);
	/* private, as every file: source */
	assert_int_equal(chmod(at("pass"), 0644), 0);
	snprintf(spec, sizeof(spec), "file:%s", at("pass"));
	assert_int_equal(kx_keysrc_load_pass(spec, &s, NULL), KX_EPERM);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(regular_and_new),
		cmocka_unit_test(no_clobber),
		cmocka_unit_test(fifo_written_straight),
		cmocka_unit_test(device_written_straight),
		cmocka_unit_test(symlink_followed_or_refused),
		cmocka_unit_test(folder_refused),
		cmocka_unit_test(special_inputs_refused),
		cmocka_unit_test(encrypted_pem_never_prompts),
		cmocka_unit_test(passphrase_source),
	};

	return cmocka_run_group_tests(t, setup, teardown);
}
