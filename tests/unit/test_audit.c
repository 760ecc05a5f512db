/*
 * test_audit.c - the audit trail: genesis value, canonical line format,
 * appending through the file (lock, chain, refusals) and verification of
 * every kind of tampering.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "kxtest.h"

/* `printf 'kmsxchg-audit-v1\n' | sha256sum` (coreutils). */
#define GENESIS_HEX \
	"3bba1bbc6902432144f33322e8c0ef4aad0bf44d3cbd3bbfcaafa47d8c43c9b1"

static void
sha(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 32;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
}

static kx_audit_rec *
rec(const char *op, const char *doc)
{
	kx_audit_rec *r = NULL;

	assert_int_equal(kx_audit_rec_new(op, 1767225600, &r), KX_OK);
	assert_int_equal(kx_audit_rec_set(r, KX_AF_OPERATOR, "alice"), KX_OK);
	assert_int_equal(kx_audit_rec_set(r, KX_AF_DOC, doc), KX_OK);
	return r;
}

/* The genesis value is SHA-256("kmsxchg-audit-v1\n"). */
static void
t_genesis(void **state)
{
	uint8_t g[32], h[32];
	size_t n;

	(void)state;
	sha(KX_AUDIT_GENESIS_LINE, 17, g);
	assert_int_equal(kx_hex_decode(GENESIS_HEX, 64, h, 32, &n), KX_OK);
	assert_memory_equal(g, h, 32);
}

/* Canonical field order, null for absent values, one escaper, one LF. */
static void
t_format(void **state)
{
	static const char want[] = "{\"seq\":7,\"prev\":\"" GENESIS_HEX "\","
	    "\"time\":\"2026-01-01T00:00:00Z\",\"op\":\"export\","
	    "\"operator\":\"alice\",\"input\":null,\"output\":\"o\\\"ut\\n\","
	    "\"doc\":\"D-1\",\"kek\":\"TK-1\",\"new_kek\":null,\"nkeys\":2,"
	    "\"keys\":[{\"id\":\"K1\",\"component\":null,\"kcv\":\"0A0B0C\","
	    "\"kcv_method\":\"gp-aes\",\"kek\":null},{\"id\":null,"
	    "\"component\":3,\"kcv\":null,\"kcv_method\":null,\"kek\":null}],"
	    "\"policy\":null,\"result\":\"refused\",\"rules\":[]}\n";
	static const uint8_t kcv[3] = { 0x0a, 0x0b, 0x0c };
	kx_audit_rec *r = rec("export", "D-1");
	kx_buf b = { 0 };
	uint8_t g[32];

	(void)state;
	sha(KX_AUDIT_GENESIS_LINE, 17, g);
	assert_int_equal(kx_audit_rec_set(r, KX_AF_OUTPUT, "o\"ut\n"), KX_OK);
	assert_int_equal(kx_audit_rec_set(r, KX_AF_KEK, "TK-1"), KX_OK);
	assert_int_equal(kx_audit_rec_key(r, "K1", 0, kcv, 3, KX_KCV_GP_AES),
	    KX_OK);
	assert_int_equal(kx_audit_rec_key(r, NULL, 3, NULL, 0, KX_KCV_NONE),
	    KX_OK);
	kx_audit_rec_result(r, KX_AUDIT_REFUSED);
	assert_int_equal(kx_audit_rec_format(r, 7, g, &b), KX_OK);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	kx_buf_free(&b);
	kx_audit_rec_free(r);
}

/* Rule ids of error findings, each once; the key list is bounded. */
static void
t_rules_and_bound(void **state)
{
	kx_audit_rec *r = rec("import", NULL);
	kx_diag *d = kx_diag_new();
	kx_buf b = { 0 };
	uint8_t g[32] = { 0 };
	size_t i;

	(void)state;
	kxi_diag_add(d, "KX122", KX_SEV_ERROR, KX_OK, NULL, NULL, NULL, "a");
	kxi_diag_add(d, "KX009", KX_SEV_WARNING, KX_OK, NULL, NULL, NULL, "b");
	kxi_diag_add(d, "KX150", KX_SEV_ERROR, KX_OK, NULL, NULL, NULL, "c");
	kxi_diag_add(d, "KX122", KX_SEV_ERROR, KX_OK, NULL, NULL, NULL, "d");
	assert_int_equal(kx_audit_rec_rules(r, d), KX_OK);
	for (i = 0; i < KX_AUDIT_MAX_KEYS + 10; i++)
		assert_int_equal(kx_audit_rec_key(r, "K", 0, NULL, 0,
		    KX_KCV_NONE), KX_OK);
	assert_int_equal(kx_audit_rec_format(r, 1, g, &b), KX_OK);
	assert_non_null(strstr((char *)b.data,
	    "\"rules\":[\"KX122\",\"KX150\"]}\n"));
	assert_non_null(strstr((char *)b.data, "\"nkeys\":266,"));
	kx_buf_free(&b);
	kx_diag_free(d);
	kx_audit_rec_free(r);
}

/* ---- a real file in a scratch folder ---------------------------------- */
static char dir[256];

static const char *
at(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static int
setup_dir(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/kxaudit.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	const char *names[] = { "a.log", "link.log", "part.log", "sub" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unlink(at(names[i]));
		rmdir(at(names[i]));
	}
	return rmdir(dir);
}

/* Append n records to path; returns the head of the last. */
static void
append_n(const char *path, int n, uint8_t head[32])
{
	kx_audit *a = NULL;
	kx_audit_rec *r;
	uint64_t seq = 0, first = 0;
	char id[16];
	int i;

	assert_int_equal(kx_audit_open(path, &a, NULL), KX_OK);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "DOC-%d", i);
		r = rec("combine", id);
		assert_int_equal(kx_audit_append(a, r, head, &seq, NULL),
		    KX_OK);
		if (i == 0)
			first = seq;
		kx_audit_rec_free(r);
	}
	assert_int_equal(seq, first + (uint64_t)n - 1);
	kx_audit_close(a);
}

static void
slurp(const char *path, kx_buf *b)
{
	memset(b, 0, sizeof(*b));
	assert_int_equal(kx_file_read(path, 0, b, NULL), KX_OK);
}

static void
t_append_chain(void **state)
{
	uint8_t head[32], h[32], prev[32];
	kx_audit_status st;
	kx_diag *d = kx_diag_new();
	kx_buf b;
	struct stat sb;
	size_t i, start = 0, line = 0, n;
	char hex[65];

	(void)state;
	unlink(at("a.log"));
	append_n(at("a.log"), 3, head);
	append_n(at("a.log"), 2, head);	/* a second run continues */
	assert_int_equal(stat(at("a.log"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	slurp(at("a.log"), &b);
	/* every line's prev is the hash of the line before */
	sha(KX_AUDIT_GENESIS_LINE, 17, prev);
	for (i = 0; i < b.len; i++) {
		if (b.data[i] != '\n')
			continue;
		line++;
		snprintf(hex, sizeof(hex), "%.64s",
		    (char *)b.data + start + strlen("{\"seq\":N,\"prev\":\""));
		assert_int_equal(kx_hex_decode(hex, 64, h, 32, &n), KX_OK);
		assert_memory_equal(h, prev, 32);
		assert_int_equal(b.data[start + 7], '0' + (int)line);
		sha(b.data + start, i + 1 - start, prev);
		start = i + 1;
	}
	assert_int_equal(line, 5);
	assert_memory_equal(prev, head, 32);
	assert_int_equal(kx_audit_verify(b.data, b.len, "a.log", head, &st, d),
	    KX_OK);
	assert_int_equal(kx_diag_count(d), 0);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.anchor_line, 5);
	assert_memory_equal(st.head, head, 32);
	kx_buf_free(&b);
	kx_diag_free(d);
}

/* Verify b after f changed it: the first finding's line and text. */
static void
expect_tamper(const kx_buf *b, const uint8_t *anchor, uint32_t line,
    const char *text)
{
	kx_audit_status st;
	kx_diag *d = kx_diag_new();
	const kx_finding *f;

	assert_int_equal(kx_audit_verify(b->data, b->len, "a.log", anchor, &st,
	    d), KX_OK);
	assert_true(kx_diag_count_at(d, KX_SEV_ERROR) > 0);
	f = kx_diag_get(d, 0);
	if (f->line != line || strstr(f->message, text) == NULL)
		fail_msg("line %u '%s', expected line %u '%s'", f->line,
		    f->message, line, text);
	kx_diag_free(d);
}

/* Offsets of the lines of b (up to 16). */
static size_t
lines(const kx_buf *b, size_t off[17])
{
	size_t i, n = 0;

	off[0] = 0;
	for (i = 0; i < b->len && n < 16; i++)
		if (b->data[i] == '\n')
			off[++n] = i + 1;
	return n;
}

/* Rebuild b from the lines of o in the given order (1-based, 0 ends). */
static void
reorder(const kx_buf *o, const int *order, kx_buf *out)
{
	size_t off[17];

	lines(o, off);
	memset(out, 0, sizeof(*out));
	for (; *order != 0; order++)
		assert_int_equal(kx_buf_append(out, o->data + off[*order - 1],
		    off[*order] - off[*order - 1]), KX_OK);
}

static void
t_tamper(void **state)
{
	static const int del2[] = { 1, 3, 4, 5, 0 }, del1[] = { 2, 3, 4, 5, 0 };
	static const int dup[] = { 1, 2, 3, 2, 4, 5, 0 };
	static const int swap[] = { 1, 3, 2, 4, 5, 0 };
	static const int move[] = { 1, 2, 4, 5, 3, 0 };
	static const int cut[] = { 1, 2, 3, 4, 0 };
	uint8_t head[32];
	kx_buf b, t;
	size_t off[17];
	kx_audit_status st;

	(void)state;
	unlink(at("a.log"));
	append_n(at("a.log"), 5, head);
	slurp(at("a.log"), &b);
	assert_int_equal(lines(&b, off), 5);

	/* edited: one byte of line 2 (its doc id) */
	reorder(&b, (const int[]){ 1, 2, 3, 4, 5, 0 }, &t);
	*(char *)memmem(t.data + off[1], off[2] - off[1], "DOC-1", 5) = 'X';
	expect_tamper(&t, NULL, 3, "not the SHA-256 of line 2");
	kx_buf_free(&t);
	/* edited: made unparseable */
	reorder(&b, (const int[]){ 1, 2, 3, 4, 5, 0 }, &t);
	t.data[off[3]] = '[';
	expect_tamper(&t, NULL, 4, "not an audit record");
	kx_buf_free(&t);
	/* deleted: a middle line, the first line */
	reorder(&b, del2, &t);
	expect_tamper(&t, NULL, 2, "record 2 is missing");
	kx_buf_free(&t);
	reorder(&b, del1, &t);
	expect_tamper(&t, NULL, 1, "record 1 is missing");
	kx_buf_free(&t);
	/* inserted: a copy of line 2 after line 3 */
	reorder(&b, dup, &t);
	expect_tamper(&t, NULL, 4, "record 2 appears again");
	kx_buf_free(&t);
	/* reordered: a swap, a line moved to the end */
	reorder(&b, swap, &t);
	expect_tamper(&t, NULL, 2, "out of order");
	kx_buf_free(&t);
	reorder(&b, move, &t);
	expect_tamper(&t, NULL, 3, "out of order");
	kx_buf_free(&t);
	/* truncated inside the last line */
	reorder(&b, (const int[]){ 1, 2, 3, 4, 5, 0 }, &t);
	t.len -= 10;
	expect_tamper(&t, NULL, 5, "truncated");
	kx_buf_free(&t);
	/* the last line removed: a valid shorter chain, caught by the anchor */
	reorder(&b, cut, &t);
	assert_int_equal(kx_audit_verify(t.data, t.len, "a.log", NULL, &st,
	    NULL), KX_OK);
	assert_int_equal(st.records, 4);
	expect_tamper(&t, head, 0, "expected head");
	kx_buf_free(&t);
	kx_buf_free(&b);
}

/* Four processes appending at once: the lock keeps one intact chain. */
static void
t_concurrent(void **state)
{
	kx_audit_status st;
	kx_diag *d = kx_diag_new();
	kx_buf b;
	pid_t pid[4];
	int i, status;

	(void)state;
	unlink(at("a.log"));
	for (i = 0; i < 4; i++) {
		if ((pid[i] = fork()) == 0) {
			kx_audit *a = NULL;
			kx_audit_rec *r = NULL;
			int k, bad = kx_audit_open(at("a.log"), &a, NULL) !=
			    KX_OK || kx_audit_rec_new("split", 0, &r) != KX_OK;

			/* no cmocka asserts in a child: only the exit status */
			for (k = 0; k < 150 && !bad; k++)
				bad = kx_audit_append(a, r, NULL, NULL, NULL) !=
				    KX_OK;
			kx_audit_rec_free(r);
			kx_audit_close(a);
			_exit(bad);
		}
		assert_true(pid[i] > 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	slurp(at("a.log"), &b);
	assert_int_equal(kx_audit_verify(b.data, b.len, "a.log", NULL, &st, d),
	    KX_OK);
	assert_int_equal(kx_diag_count(d), 0);
	assert_int_equal(st.records, 600);
	kx_buf_free(&b);
	kx_diag_free(d);
}

/* An empty file is intact and its head is the genesis value. */
static void
t_empty(void **state)
{
	kx_audit_status st;
	kx_diag *d = kx_diag_new();
	uint8_t g[32];

	(void)state;
	sha(KX_AUDIT_GENESIS_LINE, 17, g);
	assert_int_equal(kx_audit_verify(NULL, 0, "e", NULL, &st, d), KX_OK);
	assert_int_equal(kx_diag_count(d), 0);
	assert_int_equal(st.records, 0);
	assert_memory_equal(st.head, g, 32);
	kx_diag_free(d);
}

/* Opening refuses a symbolic link, a folder and a partial last line. */
static void
t_open_refusals(void **state)
{
	kx_audit *a = NULL;
	int fd;

	(void)state;
	unlink(at("a.log"));
	append_n(at("a.log"), 1, (uint8_t[32]){ 0 });
	assert_int_equal(symlink("a.log", at("link.log")), 0);
	assert_int_equal(kx_audit_open(at("link.log"), &a, NULL), KX_EIO);
	assert_null(a);
	assert_int_equal(mkdir(at("sub"), 0700), 0);
	assert_int_not_equal(kx_audit_open(at("sub"), &a, NULL), KX_OK);
	assert_null(a);
	fd = open(at("part.log"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"seq\":1,", 9), 9);
	close(fd);
	assert_int_equal(kx_audit_open(at("part.log"), &a, NULL), KX_ESYNTAX);
	assert_null(a);
}

/* A file spoiled after opening: the append refuses and adds nothing. */
static void
t_append_refused(void **state)
{
	kx_audit *a = NULL;
	kx_audit_rec *r = rec("export", "D");
	struct stat sb;
	kx_buf b;
	int fd;

	(void)state;
	unlink(at("a.log"));
	append_n(at("a.log"), 2, (uint8_t[32]){ 0 });
	assert_int_equal(kx_audit_open(at("a.log"), &a, NULL), KX_OK);
	fd = open(at("a.log"), O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"seq\":3", 8), 8);
	close(fd);
	assert_int_equal(kx_audit_append(a, r, NULL, NULL, NULL), KX_ESYNTAX);
	assert_int_equal(stat(at("a.log"), &sb), 0);
	kx_audit_close(a);
	kx_audit_rec_free(r);
	slurp(at("a.log"), &b);
	assert_int_equal(b.len, (size_t)sb.st_size);
	assert_memory_equal(b.data + b.len - 8, "{\"seq\":3", 8);
	kx_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_genesis),
		cmocka_unit_test(t_format),
		cmocka_unit_test(t_rules_and_bound),
		cmocka_unit_test(t_append_chain),
		cmocka_unit_test(t_tamper),
		cmocka_unit_test(t_concurrent),
		cmocka_unit_test(t_empty),
		cmocka_unit_test(t_open_refusals),
		cmocka_unit_test(t_append_refused),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
