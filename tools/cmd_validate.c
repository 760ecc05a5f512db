/*
 * cmd_validate.c - `kmsxchg validate`: read each document (format from
 * its content), run the KXnnn rules and print one report for all files.
 * Exit 0 when every file is valid (warnings allowed), 1 when one is
 * invalid (reader findings included), 2 on usage or I/O errors.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { O_POLICY, O_NOW, O_FORMAT, O_AGAINST, O_STRICT };

const struct cli_opt validate_opts[] = {
	[O_POLICY] = { "policy", 'p', 1, "FILE",
	    "policy document (default: built-in rules)" },
	[O_NOW] = { "now", 0, 1, "TIME",
	    "reference time, YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ" },
	[O_FORMAT] = { "format", 'f', 1, "FMT",
	    "report format: text, json, sarif or junit" },
	[O_AGAINST] = { "against", 'a', 1, "FILE",
	    "sender's document the keys may only narrow" },
	[O_STRICT] = { "strict", 0, 0, NULL,
	    "a rule that could not be checked is an error" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
report_format(const char *s, enum kx_report_format *out)
{
	static const struct {
		const char *name;
		enum kx_report_format f;
	} names[] = {
		{ "text", KX_REPORT_TEXT }, { "json", KX_REPORT_JSON },
		{ "sarif", KX_REPORT_SARIF }, { "junit", KX_REPORT_JUNIT },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].f;
			return 0;
		}
	}
	return -1;
}

/*
 * The run stops early (a policy or --against document that cannot be
 * used): a json, sarif or junit report on stdout still says so, its one
 * file being the one that failed, so that a CI step reading the report
 * sees a failure instead of a broken file.  Text goes to stderr only.
 */
static void
early_report(struct cli *cli, const kx_diag *d, const char *path,
    enum kx_report_format fmt, const kx_report_opts *o)
{
	kx_report_file rf = { 0 };
	kx_buf b = { 0 };

	if (fmt == KX_REPORT_TEXT)
		return;
	rf.file = path;
	rf.first = 0;
	rf.count = kx_diag_count(d);
	if (kx_report_write_opts(d, &rf, 1, fmt, o, &b) == KX_OK)
		(void)cli_write(cli, NULL, b.data, b.len, 0);
	kx_buf_free(&b);
}

/* Content errors make a file invalid; anything else is I/O (exit 2). */
static int
read_failure_is_io(int rc)
{
	return cli_exit_for(rc) != CLI_INVALID;
}

int
cmd_validate(int argc, char **argv, struct cli *cli)
{
	const char *arg, *policy_path = NULL, *against_path = NULL;
	enum kx_report_format fmt = KX_REPORT_TEXT;
	kx_report_file *files = NULL;
	kx_report_opts ro = { (int64_t)time(NULL), 0 };
	kx_policy *policy = NULL;
	kx_doc *against = NULL;
	kx_diag *d = NULL, *pd = NULL;
	kx_buf report = { 0 };
	int64_t now = (int64_t)time(NULL);
	int o, r, ex = CLI_USAGE, worst = CLI_OK, i, nfiles, strict = 0;
	size_t first;
	char polbuf[4096];

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_POLICY:
			policy_path = arg;
			break;
		case O_NOW:
			if (kx_time_parse(arg, &now) != KX_OK)
				return cli_usage(cli, "--now: expected "
				    "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got "
				    "'%s'", arg);
			break;
		case O_FORMAT:
			if (report_format(arg, &fmt) != 0)
				return cli_usage(cli, "--format: expected "
				    "text, json, sarif or junit, got '%s'",
				    arg);
			break;
		case O_AGAINST:
			against_path = arg;
			break;
		case O_STRICT:
			strict = 1;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	nfiles = argc - cli->optind;
	if (nfiles < 1)
		return cli_usage(cli, "missing FILE operand");

	if ((d = kx_diag_new()) == NULL || (pd = kx_diag_new()) == NULL ||
	    (files = calloc((size_t)nfiles, sizeof(*files))) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	kx_diag_set_strict(d, strict);
	/* an unknown name says where it looked, then fails as a missing file
	 * does, with its early report */
	if (policy_path != NULL && (arg = cli_data_path(cli, "policies",
	    policy_path, polbuf, sizeof(polbuf))) != NULL)
		policy_path = arg;
	if (policy_path != NULL &&
	    (r = kx_policy_read_file(policy_path, &policy, pd)) != KX_OK) {
		/* malformed 1, missing 2 */
		ex = cli_input_failed(cli, pd, r, "use policy", policy_path);
		ro.incomplete = 1;
		early_report(cli, pd, policy_path, fmt, &ro);
		goto out;
	}
	kx_diag_clear(pd);
	if (against_path != NULL && (r = kx_doc_read_file(against_path,
	    KX_FMT_AUTO, &against, pd)) != KX_OK) {
		ex = cli_input_failed(cli, pd, r, "use --against",
		    against_path);	/* malformed 1, missing 2 */
		ro.incomplete = 1;
		early_report(cli, pd, against_path, fmt, &ro);
		goto out;
	}

	for (i = 0; i < nfiles; i++) {
		const char *path = argv[cli->optind + i];
		int file_rc = CLI_OK;

		size_t errs = kx_diag_count_at(d, KX_SEV_ERROR), drop[3];
		int s;

		for (s = KX_SEV_NOTE; s <= KX_SEV_ERROR; s++)
			drop[s] = kx_diag_dropped(d, (enum kx_severity)s);
		first = kx_diag_count(d);
		/* one pass, one key at a time: memory stays flat */
		r = kx_file_validate(path, policy, now, against, d);
		if (r != KX_OK) {
			if (read_failure_is_io(r)) {
				/* Also on stderr: the report may be JSON. */
				cli_error(cli, "cannot read %s: %s", path,
				    cli_reason(d, r, path));
				file_rc = CLI_USAGE;
			} else {
				file_rc = CLI_INVALID;
			}
		}
		files[i].file = path;
		files[i].first = first;
		files[i].count = kx_diag_count(d) - first;
		/* a text report would repeat the "cannot read" line */
		if (file_rc == CLI_USAGE && r != KX_OK && fmt == KX_REPORT_TEXT)
			files[i].count = 0;
		for (s = KX_SEV_NOTE; s <= KX_SEV_ERROR; s++)
			files[i].dropped[s] = kx_diag_dropped(d,
			    (enum kx_severity)s) - drop[s];
		/* counts, not the stored findings: none is ever missed */
		if (kx_diag_count_at(d, KX_SEV_ERROR) > errs &&
		    file_rc == CLI_OK)
			file_rc = CLI_INVALID;
		if (file_rc > worst)
			worst = file_rc;
	}
	if ((r = kx_report_write_opts(d, files, (size_t)nfiles, fmt, &ro,
	    &report)) != KX_OK) {
		cli_error(cli, "cannot write the report: %s", kx_strerror(r));
		goto out;
	}
	if (cli_write(cli, NULL, report.data, report.len, 0) != CLI_OK)
		goto out;
	ex = worst;
out:
	kx_buf_free(&report);
	kx_doc_free(against);
	kx_policy_free(policy);
	kx_diag_free(pd);
	kx_diag_free(d);
	free(files);
	return ex;
}
