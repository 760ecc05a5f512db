/*
 * cmd_convert.c - `kmsxchg convert`: read a document (format from its
 * content) into the model and write it in another format.  Attributes the
 * target cannot carry are reported as KX009 warnings on stderr and do not
 * fail the command.  The input is never modified; the output is written
 * atomically, and nothing is written on error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cli.h"
#include "cli_xchg.h"

enum { O_TO, O_KEY, O_OUTPUT, O_FORCE };

const struct cli_opt convert_opts[] = {
	[O_TO] = { "to", 't', 1, "FMT",
	    "output format, see kmsxchg(5) (default xml)" },
	[O_KEY] = { "key", 'k', 1, "ID",
	    "convert only the key with this id" },
	[O_OUTPUT] = { "output", 'o', 1, "OUT",
	    "write to OUT instead of standard output" },
	[O_FORCE] = { "force", 'f', 0, NULL,
	    "replace an existing OUT that would hold key values" },
	{ NULL, 0, 0, NULL, NULL }
};

int
cmd_convert(int argc, char **argv, struct cli *cli)
{
	const char *arg, *in, *outpath = NULL, *key_id = NULL;
	enum kx_format to = KX_FMT_XML;
	kx_doc *doc = NULL;
	kx_diag *d = NULL;
	kx_buf b = { 0 };
	char names[64];
	long idx = -1;
	int o, r, force = 0, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_TO:
			if ((to = kx_format_from_name(arg)) != KX_FMT_AUTO)
				break;
			cli_format_list(0, names, sizeof(names));
			return cli_usage(cli, "--to: expected %s, got '%s'",
			    names, arg);
		case O_KEY:
			key_id = arg;
			break;
		case O_OUTPUT:
			outpath = arg;
			break;
		case O_FORCE:
			force = 1;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (argc - cli->optind != 1)
		return cli_usage(cli, argc - cli->optind < 1 ?
		    "missing IN operand" : "expected one IN operand");
	in = argv[cli->optind];
	if ((ex = cli_binary_tty(cli, to, outpath)) != CLI_OK)
		return ex;
	ex = CLI_USAGE;
	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if ((r = kx_doc_read_file(in, KX_FMT_AUTO, &doc, d)) != KX_OK) {
		ex = cli_read_failed(cli, d, r, in);
		goto out;
	}
	if (key_id != NULL && (idx = kx_doc_find_key(doc, key_id)) < 0) {
		cli_error(cli, "--key: no key '%s' in %s", key_id, in);
		goto out;
	}
	if (key_id == NULL && kx_doc_key_count(doc) > 1 &&
	    (kx_format_caps(to) & KX_CAP_KEYS) == 0) {
		cli_error(cli, "%s holds %zu keys and a %s document one; use "
		    "--key", in, kx_doc_key_count(doc), kx_format_name(to));
		ex = CLI_INVALID;
		goto out;
	}
	if (key_id != NULL && kx_doc_key_count(doc) > 1) {
#ifdef KX_HAVE_DOC_WRITE_KEY
		r = kx_doc_write_key(doc, (size_t)idx, to, &b, d);
#else
		/*
		 * Writing one key of several needs kx_doc_write_key(), which
		 * this library does not have; refuse rather than silently
		 * convert every key.
		 */
		cli_error(cli, "--key: selecting one key of several is not "
		    "supported by this library version");
		goto out;
#endif
	} else {
		r = kx_doc_write(doc, to, &b, d);
	}
	if (r != KX_OK) {
		cli_print_findings(cli, d, 0, in);
		cli_error(cli, "cannot write %s: %s", kx_format_name(to),
		    kx_strerror(r));
		ex = cli_exit_for(r);
		goto out;
	}
	/* Warnings (generator artefacts, lost attributes) do not fail. */
	cli_print_findings(cli, d, 0, in);
	/* values, wrapped or clear, are key material: no clobber */
	ex = cli_write(cli, outpath, b.data, b.len, cli_doc_out(doc, force) |
	    (kx_format_caps(to) & KX_CAP_BINARY ? KX_WRITE_BINARY : 0));
out:
	kx_buf_free(&b);
	kx_doc_free(doc);
	kx_diag_free(d);
	return ex;
}
