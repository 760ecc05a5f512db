/*
 * test_cli.c - the kmsxchg command line in process, through cli_main():
 * option tables, exit codes, message format, repeated calls (getopt state
 * is reset per command) and the number/hex helpers; the SIGBUS handler
 * of cli_signals() (an input that shrinks while it is read).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kxtest.h"

#include "cli.h"

struct run {
	int rc;
	char *out, *err;
	size_t outlen, errlen;
};

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/* Run "kmsxchg ARGS..." (NULL-terminated) with captured stdout/stderr. */
static struct run
run(const char *arg0, ...)
{
	struct run r = { 0 };
	char *argv[32];
	FILE *out, *err;
	va_list ap;
	int argc = 0;
	const char *a;

	argv[argc++] = (char *)"kmsxchg";
	va_start(ap, arg0);
	for (a = arg0; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	out = open_memstream(&r.out, &r.outlen);
	err = open_memstream(&r.err, &r.errlen);
	assert_non_null(out);
	assert_non_null(err);
	r.rc = cli_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return r;
}

static void
test_help_version(void **state)
{
	struct run r;

	(void)state;
	r = run("--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "Usage: kmsxchg COMMAND"));
	assert_int_equal(r.errlen, 0);
	run_free(&r);

	r = run("--version", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "kmsxchg " PACKAGE_VERSION "\n");
	run_free(&r);
}

static void
test_usage_errors(void **state)
{
	struct run r;

	(void)state;
	r = run(NULL);
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "kmsxchg: missing command\n"));
	run_free(&r);

	r = run("nosuch", NULL);
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "kmsxchg: unknown command 'nosuch'\n"));
	assert_int_equal(r.outlen, 0);
	run_free(&r);

	r = run("validate", "--bogus", "x", NULL);
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err,
	    "kmsxchg: validate: unknown option '--bogus'\n"));
	run_free(&r);

	r = run("kcv", "-Z", NULL);
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "kmsxchg: kcv: unknown option '-Z'\n"));
	run_free(&r);

	r = run("validate", "x", "--format", NULL);
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err,
	    "kmsxchg: validate: option '--format' needs an argument\n"));
	run_free(&r);
}

/* getopt's global state must not leak from one cli_main() to the next. */
static void
test_repeated_calls(void **state)
{
	struct run r;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		r = run("rules", "--format", "nope", NULL);
		assert_int_equal(r.rc, 2);
		run_free(&r);
		r = run("rules", "--format", "md", NULL);
		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.out, "| Rule | Severity | Phases | Summary |"));
		run_free(&r);
		r = run("convert", "--to", "xml", NULL);
		assert_int_equal(r.rc, 2);
		assert_non_null(strstr(r.err,
		    "kmsxchg: convert: missing IN operand\n"));
		run_free(&r);
	}
}

/* TDEA gp-des KCV of 404142..4F is 8BAF47 (GP test key; GPC 2.3.1 B.5). */
static void
test_kcv_in_process(void **state)
{
	struct run r;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		r = run("kcv", "--alg", "tdea", "--key",
		    "hex:404142434445464748494A4B4C4D4E4F", NULL);
		assert_int_equal(r.rc, 0);
		assert_string_equal(r.out, "8BAF47\n");
		assert_non_null(strstr(r.err, "kmsxchg: kcv: warning: hex: "
		    "key source is visible in the process list"));
		assert_null(strstr(r.err, "4041424344"));
		run_free(&r);
	}
}

/*
 * The option tables are the one source for getopt, --help, completion
 * and the man page: every row complete, names and short letters unique
 * per command, -h kept for --help.
 */
static void
test_option_tables(void **state)
{
	const struct cli_cmd *c;
	const struct cli_opt *o, *p;
	size_t n = 0;

	(void)state;
	for (c = cli_commands; c->name != NULL; c++, n++) {
		assert_non_null(c->fn);
		assert_non_null(c->opts);
		assert_non_null(c->summary);
		assert_non_null(c->operands);
		for (o = c->opts; o->name != NULL; o++) {
			assert_non_null(o->help);
			assert_true(o->name[0] != '-');
			assert_true(o->has_arg == 0 || o->has_arg == 1);
			assert_true((o->metavar != NULL) == (o->has_arg == 1));
			assert_int_not_equal(o->short_name, 'h');
			assert_string_not_equal(o->name, "help");
			for (p = c->opts; p != o; p++) {
				assert_string_not_equal(p->name, o->name);
				if (o->short_name != 0)
					assert_int_not_equal(p->short_name,
					    o->short_name);
			}
		}
	}
	assert_int_equal(n, 14);
}

static void
test_complete_words(void **state)
{
	struct run r;

	(void)state;
	r = run("--complete-words", "kcv", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
	    "--alg=\n--method=\n--len=\n--key=\n--help\n");
	run_free(&r);
	r = run("--complete-words", "nosuch", NULL);
	assert_int_equal(r.rc, 2);
	run_free(&r);
}

static void
test_parse_uint(void **state)
{
	static const struct {
		const char *s;
		int ok;
		unsigned long v;
	} t[] = {
		{ "2", 1, 2 }, { "255", 1, 255 }, { "017", 1, 17 },
		{ "1", 0, 0 }, { "256", 0, 0 }, { "", 0, 0 }, { "-3", 0, 0 },
		{ "+3", 0, 0 }, { " 3", 0, 0 }, { "3x", 0, 0 },
		{ "99999999999999999999999", 0, 0 }, { "0x10", 0, 0 },
	};
	struct cli cli;
	char *buf = NULL;
	size_t len = 0, i;
	unsigned long v;

	(void)state;
	memset(&cli, 0, sizeof(cli));
	cli.err = open_memstream(&buf, &len);
	cli.cmd = &cli_commands[0];
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 12345;
		if (t[i].ok) {
			assert_int_equal(cli_parse_uint(&cli, "n", t[i].s, 2,
			    255, &v), CLI_OK);
			assert_int_equal(v, t[i].v);
		} else {
			assert_int_equal(cli_parse_uint(&cli, "n", t[i].s, 2,
			    255, &v), CLI_USAGE);
			assert_int_equal(v, 12345);
		}
	}
	fclose(cli.err);
	assert_non_null(strstr(buf, "kmsxchg: validate: --n: expected a "
	    "number from 2 to 255, got '3x'\n"));
	free(buf);
}

static void
test_hex(void **state)
{
	uint8_t b[4];
	char s[9];
	size_t n;

	(void)state;
	/* the CLI's hex is the library's public kx_hex_encode/decode */
	assert_int_equal(kx_hex_decode("0a Bc\n1F", 8, b, sizeof(b), &n),
	    KX_OK);
	assert_int_equal(n, 3);
	kx_hex_encode(b, n, s);
	assert_string_equal(s, "0ABC1F");
	assert_int_equal(kx_hex_decode("abc", 3, b, sizeof(b), &n),
	    KX_ESYNTAX);
	assert_int_equal(kx_hex_decode("zz", 2, b, sizeof(b), &n),
	    KX_ESYNTAX);
	assert_int_equal(kx_hex_decode("0011223344", 10, b, sizeof(b), &n),
	    KX_ELIMIT);
	assert_int_equal(cli_ct_differ("abc", "abc", 3), 0);
	assert_int_not_equal(cli_ct_differ("abc", "abd", 3), 0);
}

/* ---- SIGBUS: an input that shrinks while it is being read ------------ */
static char bus_dir[64];
static char bus_doc[128];	/* a document of 500 keys (870 kB) */

static int
bus_setup(void **state)
{
	char cmd[8192];

	(void)state;
	if (kxt_tmpdir(bus_dir, "sigbus") != 0)
		return -1;
	snprintf(bus_doc, sizeof(bus_doc), "%s/in.xml", bus_dir);
	snprintf(cmd, sizeof(cmd), "sh '%s' 500 >'%s'",
	    kxt_src("tests/bench/gen.sh"), bus_doc);
	return system(cmd) == 0 ? 0 : -1;
}

static int
bus_teardown(void **state)
{
	(void)state;
	return kxt_rmtree(bus_dir);
}

/*
 * Run fn in a child with the handlers of kmsxchg's main (cli_signals), no
 * core file, stderr to err (read back, NUL-terminated); its wait status.
 * fn returning is a failure the status shows (exit 99).
 */
static int
bus_child(void (*fn)(void), char *err, size_t size)
{
	char path[160];
	struct rlimit no_core = { 0, 0 };
	ssize_t n;
	pid_t pid;
	int fd, st;

	snprintf(path, sizeof(path), "%s/err", bus_dir);
	fflush(NULL);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		(void)setrlimit(RLIMIT_CORE, &no_core);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
		    dup2(fd, STDERR_FILENO) < 0)
			_exit(98);
		signal(SIGBUS, SIG_DFL);	/* not cmocka's */
		cli_signals();
		fn();
		_exit(99);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_true((n = read(fd, err, size - 1)) >= 0);
	err[n] = '\0';
	close(fd);
	return st;
}

/*
 * The document open as the commands read it, one key in, then the file
 * shrinks to one page and reading goes on: past that page the mapping
 * faults, the handler puts zeros in its place and returns, and the
 * reader fails with KX_EIO and one finding (none of what it found in the
 * zeros), then again with no new finding.  Exit 42 when all of that
 * held (not 2, the handler's own exit), another status naming what did
 * not.
 */
static void
bus_shrink_reading(void)
{
	kx_reader *r = NULL;
	const kx_key *k;
	const kx_finding *f;
	kx_diag *d = kx_diag_new();
	char want[512];
	int rc;

	if (d == NULL || kx_reader_open(bus_doc, KX_FMT_AUTO, &r, d) !=
	    KX_OK || kx_reader_next(r, &k, d) != 1 || kx_diag_count(d) != 0)
		_exit(97);
	if (truncate(bus_doc, 4096) != 0)
		_exit(95);
	while ((rc = kx_reader_next(r, &k, d)) == 1)
		continue;
	if (rc != KX_EIO || kx_reader_error(r) != KX_EIO)
		_exit(94);
	snprintf(want, sizeof(want), "cannot read %s: the file shrank while "
	    "it was being read", bus_doc);
	if (kx_diag_count(d) != 1 || (f = kx_diag_get(d, 0)) == NULL ||
	    f->severity != KX_SEV_ERROR || f->rc != KX_EIO ||
	    strcmp(f->message, want) != 0)
		_exit(93);
	if (kx_reader_next(r, &k, d) != KX_EIO || kx_diag_count(d) != 1)
		_exit(92);
	kx_reader_close(r);
	kx_diag_free(d);
	_exit(42);
}

static void
test_sigbus_input_shrank(void **state)
{
	char err[8192];
	int ws;

	(void)state;
	ws = bus_child(bus_shrink_reading, err, sizeof(err));
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 42);
	/* the handler itself says nothing: the reader's finding does */
	assert_string_equal(err, "");
}

/* A mapping of the program's own (not an input being read) that faults,
 * while an input is open: a bug, not an input error. */
static void
bus_own_mapping(void)
{
	char path[160];
	kx_reader *r = NULL;
	volatile const char *m;
	long pg = sysconf(_SC_PAGESIZE);
	int fd;

	if (kx_reader_open(bus_doc, KX_FMT_AUTO, &r, NULL) != KX_OK)
		_exit(97);
	snprintf(path, sizeof(path), "%s/own", bus_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    ftruncate(fd, 2 * pg) != 0)
		_exit(96);
	m = mmap(NULL, 2 * (size_t)pg, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || ftruncate(fd, 0) != 0)
		_exit(95);
	(void)m[pg];
	_exit(94);
}

/* SIGBUS sent by kill(2) while an input is mapped: no fault address. */
static void
bus_sent(void)
{
	kx_reader *r = NULL;

	if (kx_reader_open(bus_doc, KX_FMT_AUTO, &r, NULL) != KX_OK)
		_exit(97);
	(void)kill(getpid(), SIGBUS);
	_exit(94);
}

static void
test_sigbus_not_input(void **state)
{
	char err[8192];
	int ws;

	(void)state;
	ws = bus_child(bus_own_mapping, err, sizeof(err));
	assert_true(WIFSIGNALED(ws));
	assert_int_equal(WTERMSIG(ws), SIGBUS);
	assert_string_equal(err, "");
	ws = bus_child(bus_sent, err, sizeof(err));
	assert_true(WIFSIGNALED(ws));
	assert_int_equal(WTERMSIG(ws), SIGBUS);
	assert_string_equal(err, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_repeated_calls),
		cmocka_unit_test(test_kcv_in_process),
		cmocka_unit_test(test_option_tables),
		cmocka_unit_test(test_complete_words),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_hex),
	};
	const struct CMUnitTest bus_tests[] = {
		cmocka_unit_test(test_sigbus_input_shrank),
		cmocka_unit_test(test_sigbus_not_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL) |
	    cmocka_run_group_tests_name("sigbus", bus_tests, bus_setup,
	    bus_teardown);
}
