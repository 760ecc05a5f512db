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
#include <unistd.h>

#include "cli_p11.h"

enum { O_FORMAT, O_MODULE, O_PIN_SOURCE };

const struct cli_opt show_opts[] = {
	[O_FORMAT] = { "format", 'f', 1, "FORMAT",
	    "text (default, one line per key) or html (printable report)" },
	CLI_P11_OPTS(O_MODULE, O_PIN_SOURCE),
	{ NULL, 0, 0, NULL, NULL }
};

/*
 * The text summary one key at a time: key lines spooled (memory does not
 * grow with the number of keys), then the first line, which counts them,
 * and the spool; nothing printed when the input turns out bad.
 */
static int
show_stream(struct cli *cli, const char *in)
{
	kx_reader *r = NULL;
	kx_diag *d = NULL;
	const kx_key *k;
	kx_buf b = { 0 };
	struct cli_spool s = { -1, 0, { NULL, 0, 0, 0 } };
	int rc, ex = CLI_USAGE;

	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if ((ex = cli_stream_open(cli, in, &s, &r, d)) != CLI_OK)
		goto out;
	ex = CLI_USAGE;
	while ((rc = kx_reader_next(r, &k, d)) == 1) {
		b.len = 0;
		if ((rc = kx_key_summary(k, &b)) != KX_OK ||
		    cli_spool_sink(&s, b.data, b.len) != 0) {
			cli_error(cli, "%s: %s", in, kx_strerror(rc != KX_OK ?
			    rc : KX_EIO));
			goto out;
		}
	}
	if (rc < 0) {
		ex = cli_read_failed(cli, d, rc, in);
		goto out;
	}
	b.len = 0;
	if ((rc = kx_doc_summary_head(kx_reader_doc(r), kx_reader_keys(r),
	    &b)) != KX_OK) {
		cli_error(cli, "%s: %s", in, kx_strerror(rc));
		goto out;
	}
	if ((ex = cli_write(cli, NULL, b.data, b.len, 0)) == CLI_OK)
		ex = cli_spool_write(cli, &s, NULL, 0);
out:
	cli_spool_close(&s);
	kx_reader_close(r);
	kx_buf_free(&b);
	kx_diag_free(d);
	return ex;
}

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
	if (strcmp(format, "text") == 0)
		return show_stream(cli, in);
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
