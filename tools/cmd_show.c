/*
 * cmd_show.c - `kmsxchg show`: one line per key (id, algorithm, usage,
 * validity, state, KCV).  Never prints key material: kx_doc_summary()
 * carries KCVs only.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cli.h"

const struct cli_opt show_opts[] = {
	{ NULL, 0, 0, NULL, NULL }
};

int
cmd_show(int argc, char **argv, struct cli *cli)
{
	const char *arg, *in;
	kx_doc *doc = NULL;
	kx_diag *d = NULL;
	kx_buf b = { 0 };
	int o, r, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		if (o == CLI_HELP)
			return CLI_OK;
		return CLI_USAGE;
	}
	if (argc - cli->optind != 1)
		return cli_usage(cli, argc - cli->optind < 1 ?
		    "missing IN operand" : "expected one IN operand");
	in = argv[cli->optind];
	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if ((r = kx_doc_read_file(in, KX_FMT_AUTO, &doc, d)) != KX_OK) {
		cli_print_findings(cli, d, 0, in);
		cli_error(cli, "cannot read %s: %s", in, kx_strerror(r));
		ex = cli_exit_for(r);
		goto out;
	}
	if ((r = kx_doc_summary(doc, &b)) != KX_OK) {
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
