/*
 * cmd_rewrap.c - `kmsxchg rewrap`: move every key of a document from one
 * transport key to another.  Each binding and KCV is verified on the way;
 * clear values exist only briefly in wiped memory, never on disk.  The
 * document is read and written one key at a time (kx_reader_rewrap):
 * memory does not grow with the number of keys; the output goes to a
 * temporary file that becomes -o FILE only when every key passed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_xchg.h"

enum { O_FROM, O_FROM_COMPONENT, O_FROM_ALG, O_FROM_KCV, O_TO_KEK, O_TO_KEK_ALG,
	O_TO_KEK_ID, O_WRAP, O_NOW, O_POLICY, O_AGAINST, O_TO, O_OUT, O_FORCE,
	O_QUIET, O_JOBS };

const struct cli_opt rewrap_opts[] = {
	[O_FROM] = { "from-kek", 0, 1, "SRC",
	    "the transport key the keys are wrapped under now" },
	[O_FROM_COMPONENT] = { "from-kek-component", 0, 1, "FILE",
	    "a component of that key; repeat per component" },
	[O_FROM_ALG] = { "from-kek-alg", 0, 1, "ALG",
	    "that key's algorithm, aes or tdea (default: as the document "
	    "says)" },
	[O_FROM_KCV] = { "from-kek-kcv", 0, 1, "HEX[:METHOD]",
	    "that key's KCV, for documents that carry none (GP); METHOD "
	    "gp (default), gp-des, gp-aes, zero-block or cmac" },
	[O_TO_KEK] = { "to-kek", 0, 1, "SRC", "the new transport key" },
	[O_TO_KEK_ALG] = { "to-kek-alg", 0, 1, "ALG",
	    "the new key's algorithm: aes or tdea (needed for a 16- or "
	    "24-byte key)" },
	[O_TO_KEK_ID] = { "to-kek-id", 0, 1, "ID", "id of the new key" },
	[O_WRAP] = { "wrap", 0, 1, "ALG",
	    "how values are bound under the new key: bound (default: "
	    "aes-siv-bound under AES, tr31-b-bound under TDEA) or "
	    "aes-kwp-cmac-bound (an AES key; a PKCS#11 token can check "
	    "it)" },
	[O_NOW] = { "now", 0, 1, "TIME",
	    "reference time (YYYY-MM-DD[Thh:mm:ssZ]); default the clock" },
	[O_POLICY] = { "policy", 0, 1, "FILE", "policy document" },
	[O_AGAINST] = { "against", 0, 1, "FILE",
	    "the sender's document the keys may only narrow" },
	[O_TO] = { "to", 0, 1, "FORMAT",
	    "output format carrying bound values (default: the input's)" },
	[O_OUT] = { "output", 'o', 1, "FILE", "output document" },
	[O_FORCE] = { "force", 'f', 0, NULL, "replace an existing output "
	    "FILE" },
	[O_QUIET] = { "quiet", 'q', 0, NULL,
	    "no progress line on a terminal" },
	[O_JOBS] = { "jobs", 'j', 1, "N",
	    "worker threads that unwrap and wrap the keys (default 1; 0 or "
	    "auto: one per online CPU)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* -j N: 1 to 256 threads; 0 or auto: one per online CPU. */
static int
rewrap_jobs(struct cli *cli, const char *arg, unsigned *jobs)
{
	char *end;
	unsigned long n;
	long c;

	if (strcmp(arg, "auto") == 0)
		n = 0;
	else {
		errno = 0;
		n = strtoul(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' ||
		    !isdigit((unsigned char)arg[0]) || n > 256)
			return cli_usage(cli, "--jobs: expected 1 to 256, 0 "
			    "or auto");
	}
	if (n == 0) {
		c = sysconf(_SC_NPROCESSORS_ONLN);
		n = c < 1 ? 1 : c > 256 ? 256 : (unsigned long)c;
	}
	*jobs = (unsigned)n;
	return CLI_OK;
}

/* The document read whole (x->doc): kx_rewrap, then write it. */
static int
rewrap_whole(struct cli *cli, struct cli_xchg *x, const char *in,
    const struct cli_kek *from, const struct cli_kek *tokek)
{
	int r, ex;

	/* a GP TransportKey records the mode only: AES-CBC under AES */
	if ((ex = cli_aes_transport(cli, x, in, from)) != CLI_OK)
		return ex;
	cli_progress_begin(x, "rewrapping");
	r = kx_rewrap(x->doc, from->key, tokek->key, &x->xo, x->d);
	cli_progress_end(x);
	if (r != KX_OK)
		return cli_xchg_refused(cli, x, in, r);
	cli_print_findings(cli, x->d, 0, in);
	if ((ex = cli_write_doc(cli, x->doc, x->fmt, x->out, x->force)) !=
	    CLI_OK)
		return ex;
	fprintf(cli_status(cli, x->out), "rewrapped %zu key%s under %s\n",
	    kx_doc_key_count(x->doc), kx_doc_key_count(x->doc) == 1 ? "" :
	    "s", x->xo.kek_id);
	return CLI_OK;
}

int
cmd_rewrap(int argc, char **argv, struct cli *cli)
{
	struct cli_list comps = { 0 };
	const char *arg, *from_src = NULL, *to_src = NULL, *in;
	struct cli_xchg x = { 0 };
	struct cli_kek from = { 0 }, tokek = { 0 };
	struct cli_list none = { 0 };
	struct cli_spool s = { -1, 0, { NULL, 0, 0, 0 } };
	kx_reader *rd = NULL;
	size_t n = 0;
	enum kx_alg from_fam = KX_ALG_NONE, to_fam = KX_ALG_NONE;
	int o, r, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_FROM:
			from_src = arg;
			break;
		case O_FROM_COMPONENT:
			if (cli_list_add(cli, &comps, "from-kek-component",
			    arg) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_FROM_ALG:
			if (cli_kek_family(cli, "from-kek-alg", arg,
			    &from_fam) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_FROM_KCV:
			if (cli_kek_kcv(cli, "from-kek-kcv", arg, &x) !=
			    CLI_OK)
				return CLI_USAGE;
			break;
		case O_TO_KEK:
			to_src = arg;
			break;
		case O_TO_KEK_ALG:
			if (cli_kek_family(cli, "to-kek-alg", arg, &to_fam) !=
			    CLI_OK)
				return CLI_USAGE;
			break;
		case O_TO_KEK_ID:
			x.xo.kek_id = arg;
			break;
		case O_JOBS:
			if (rewrap_jobs(cli, arg, &x.xo.jobs) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_WRAP:
			if (strcmp(arg, "aes-kwp-cmac-bound") == 0)
				x.xo.wrap = KX_WRAP_AES_KWP_CMAC_BOUND;
			else if (strcmp(arg, "bound") != 0)
				return cli_usage(cli, "--wrap: expected bound or "
				    "aes-kwp-cmac-bound, got '%s'", arg);
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			if (o < 0 || !cli_xchg_opt(&x, rewrap_opts[o].name, arg))
				return CLI_USAGE;
		}
	}
	if (argc - cli->optind != 1)
		return cli_usage(cli, "expected one input document");
	in = argv[cli->optind];
	if (to_src == NULL || x.xo.kek_id == NULL || x.out == NULL)
		return cli_usage(cli, "--to-kek, --to-kek-id and -o are "
		    "required");
	if ((ex = cli_xchg_stream(cli, &x, in, KX_FMT_AUTO, &rd)) != CLI_OK)
		goto out;
	if ((kx_format_caps(kx_reader_format(rd)) & KX_CAP_TK_ALG) == 0) {
		/*
		 * A GP document (one key; its TransportKey records the mode
		 * only, cli_aes_transport): read whole, as before.
		 */
		if ((r = kx_reader_read_whole(rd, &x.doc, x.d)) != KX_OK) {
			ex = cli_read_failed(cli, x.d, r, in);
			goto out;
		}
		cli_audit_doc(cli, x.doc);
	}
	cli_audit_set(cli, KX_AF_NEW_KEK, x.xo.kek_id);
	if ((ex = cli_kek_load(cli, "transport key", from_src, &comps,
	    from_fam, "from-kek-alg", 0, &from)) != CLI_OK)
		goto out;
	if ((ex = cli_kek_load(cli, "new transport key", to_src, &none,
	    to_fam, "to-kek-alg", 1, &tokek)) != CLI_OK)
		goto out;
	x.xo.from_kek_alg = from.alg;
	x.xo.kek_alg = tokek.alg;
	if (x.doc != NULL) {
		ex = rewrap_whole(cli, &x, in, &from, &tokek);
		goto out;
	}
	if ((ex = cli_binary_tty(cli, x.fmt, x.out)) != CLI_OK ||
	    (ex = cli_spool_open(cli, &s)) != CLI_OK)
		goto out;
	cli_progress_begin(&x, "rewrapping");
	r = kx_reader_rewrap(rd, from.key, tokek.key, &x.xo, x.fmt,
	    cli_spool_sink, &s, &n, x.d);
	cli_progress_end(&x);
	if (kx_reader_keys(rd) == 0)	/* the document's id all the same */
		cli_audit_doc(cli, kx_reader_doc(rd));
	if (kx_reader_error(rd) != KX_OK) {
		ex = cli_read_failed(cli, x.d, kx_reader_error(rd), in);
		goto out;
	}
	if (r != KX_OK) {
		ex = cli_xchg_refused(cli, &x, in, r);
		goto out;
	}
	cli_print_findings(cli, x.d, 0, in);
	/* bound values: key material, no clobber without --force */
	if ((ex = cli_spool_write(cli, &s, x.out, (x.force ? 0 :
	    KX_WRITE_NEW) | (kx_format_caps(x.fmt) & KX_CAP_BINARY ?
	    KX_WRITE_BINARY : 0))) != CLI_OK)
		goto out;
	fprintf(cli_status(cli, x.out), "rewrapped %zu key%s under %s\n",
	    n, n == 1 ? "" : "s",
	    x.xo.kek_id);
	ex = CLI_OK;
out:
	cli_spool_close(&s);
	kx_reader_close(rd);
	cli_kek_free(&from);
	cli_kek_free(&tokek);
	cli_xchg_close(&x);
	return ex;
}
