/*
 * test_cli.c - the kmsxchg command line in process, through cli_main():
 * option tables, exit codes, message format, repeated calls (getopt state
 * is reset per command) and the number/hex helpers.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

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

	return cmocka_run_group_tests(tests, NULL, NULL);
}
