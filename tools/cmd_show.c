/*
 * cmd_show.c - `kmsxchg show`: one line per key (id, algorithm, usage,
 * validity, state, KCV), or with --format html a printable key report
 * for custodians.  IN may be a pkcs11: URI: the token's keys, as profiles
 * read from their attributes (cli_p11.c).  Never prints key material: kx_doc_summary() and
 * kx_doc_report_html() carry KCVs only.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "cli_p11.h"

enum { O_FORMAT, O_MODULE, O_PIN_SOURCE };

const struct cli_opt show_opts[] = {
	[O_FORMAT] = { "format", 'f', 1, "FORMAT",
	    "text (default, one line per key) or html (printable report)" },
	CLI_P11_OPTS(O_MODULE, O_PIN_SOURCE),
	{ NULL, 0, 0, NULL, NULL }
};

int
cmd_show(int argc, char **argv, struct cli *cli)
{
	const char *arg, *in, *format = "text";
	kx_p11_opts po = { 0 };
	kx_doc *doc = NULL;
	kx_diag *d = NULL;
	kx_buf b = { 0 };
	int o, r, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		if (o == O_FORMAT) {
			format = arg;
			continue;
		}
		if (o >= 0 && cli_p11_opt(&po, show_opts[o].name, arg))
			continue;
		if (o == CLI_HELP)
			return CLI_OK;
		return CLI_USAGE;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "html") != 0)
		return cli_usage(cli, "--format: expected text or html, got "
		    "'%s'", format);
	if (argc - cli->optind != 1)
		return cli_usage(cli, argc - cli->optind < 1 ?
		    "missing IN operand" : "expected one IN operand");
	in = argv[cli->optind];
	if (cli_is_p11(in)) {
		if (strcmp(format, "text") != 0)
			return cli_usage(cli, "--format html: not for a token");
		return cli_p11_show(cli, in, &po);
	}
	if (po.module != NULL || po.pin_source != NULL)
		return cli_usage(cli, "--module and --pin-source go with a "
		    "pkcs11: URI");
	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if ((r = kx_doc_read_file(in, KX_FMT_AUTO, &doc, d)) != KX_OK) {
		ex = cli_read_failed(cli, d, r, in);
		goto out;
	}
	r = strcmp(format, "html") == 0 ? kx_doc_report_html(doc, &b, d) :
	    kx_doc_summary(doc, &b);
	if (r != KX_OK) {
		cli_print_findings(cli, d, 0, in);
		cli_error(cli, "%s: %s", in, kx_strerror(r));
		goto out;
	}
	ex = cli_write(cli, NULL, b.data, b.len, 0);
out:
	kx_buf_free(&b);
	kx_doc_free(doc);
	kx_diag_free(d);
	return ex;
}
