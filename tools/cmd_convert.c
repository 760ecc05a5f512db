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

#include <string.h>
#include <unistd.h>

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

#define CONVERT_WHOLE (-1)

/* Whether key k, the n-th (from 1), is converted; *found once --key's is. */
static int
convert_take(const kx_key *k, size_t n, const char *key_id, int one,
    int *found)
{
	int take;

	if (key_id != NULL)	/* the first key of that id */
		take = !*found && kx_key_id(k) != NULL &&
		    strcmp(kx_key_id(k), key_id) == 0;
	else
		take = !one || n == 1;
	*found |= take;
	return take;
}

/*
 * Foreign elements met after the first key written belong in the header,
 * which the writer put before the keys: what was written is dropped and a
 * second pass over the input (kx_reader_rewind) writes the keys again
 * under the header the first pass completed (*head, the caller's to free).
 * The second pass's reader findings replace the first's in rd (the same
 * when the input is the same; an input changed in between is refused by
 * the reader): *rrc is its error, if any.  Memory stays flat, as in the
 * first pass.
 */
static int
convert_again(kx_reader *r, enum kx_format to, const char *key_id, int one,
    struct cli_spool *s, kx_writer **w, kx_doc **head, kx_diag *rd,
    kx_diag *wd, int *rrc)
{
	const kx_key *k;
	size_t n = 0;
	int rc, wr, found = 0;

	kx_writer_free(*w);
	*w = NULL;
	kx_diag_clear(wd);
	kx_diag_clear(rd);
	if (cli_spool_sink(s, NULL, 0) != 0)
		return KX_EIO;
	if ((rc = kx_reader_rewind(r, head, rd)) != KX_OK) {
		*rrc = rc;
		return KX_OK;
	}
	wr = kx_writer_open(*head, to, cli_spool_sink, s, w, wd);
	while (wr == KX_OK && (rc = kx_reader_next(r, &k, rd)) == 1)
		if (convert_take(k, ++n, key_id, one, &found))
			wr = kx_writer_key(*w, k, wd);
	if (wr == KX_OK && rc < 0) {
		*rrc = rc;
		return KX_OK;
	}
	if (wr == KX_OK)
		wr = kx_writer_finish(*w, wd);
	return wr;
}

/*
 * A document converted one key at a time: every key into a format of many
 * keys, or the one key --key names (key_id), or the one key of the input
 * into a format of one key per document (GP).  Memory does not grow with
 * the number of keys.  The findings and the output are those of reading
 * the document whole and writing it (kx_doc_write, or kx_doc_write_key
 * for --key): reader findings first, writer findings after them; nothing
 * written when the input turns out bad at any point.  CONVERT_WHOLE when
 * the document must be converted whole after all.
 */
static int
convert_stream(struct cli *cli, const char *in, enum kx_format to,
    const char *key_id, const char *outpath, int force)
{
	kx_reader *r = NULL;
	kx_writer *w = NULL;
	kx_doc *head = NULL;	/* the header of a second pass */
	kx_diag *d = NULL, *wd = NULL;
	const kx_key *k;
	struct cli_spool s = { -1, 0, { NULL, 0, 0, 0 } };
	size_t next = 0, nkeys = 0;
	int rc, wr = KX_OK, clear = 0, values = 0, ex = CLI_USAGE, take;
	int one = (kx_format_caps(to) & KX_CAP_KEYS) == 0, found = 0;

	if ((d = kx_diag_new()) == NULL || (wd = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if ((ex = cli_stream_open(cli, in, &s, &r, d)) != CLI_OK)
		goto out;
	ex = CLI_USAGE;
	while ((rc = kx_reader_next(r, &k, d)) == 1) {
		take = convert_take(k, ++nkeys, key_id, one, &found);
		/* the header is complete once the first key is in */
		if (take && w == NULL && wr == KX_OK) {
			wr = kx_writer_open(kx_reader_doc(r), to, cli_spool_sink,
			    &s, &w, wd);
			next = kx_doc_extension_count(kx_reader_doc(r));
		}
		if (take && wr == KX_OK)	/* after a failure: read on, for
						 * the reader's verdict comes
						 * first */
			wr = kx_writer_key(w, k, wd);
		/* as the whole document's: every key counts, taken or not */
		clear |= kx_key_has_clear(k);
		values |= kx_key_value_form(k) != KX_VALUE_NONE;
	}
	if (rc < 0) {
		ex = cli_read_failed(cli, d, rc, in);
		goto out;
	}
	if (key_id != NULL && !found) {
		cli_error(cli, "--key: no key '%s' in %s", key_id, in);
		ex = CLI_INVALID;	/* the input lacks it: bad input */
		goto out;
	}
	if (key_id == NULL && one && nkeys != 1) {
		if (nkeys == 0) {	/* the writer's verdict, as whole */
			ex = CONVERT_WHOLE;
			goto out;
		}
		cli_error(cli, "%s holds %zu keys and a %s document one; use "
		    "--key", in, nkeys, kx_format_name(to));
		ex = CLI_INVALID;
		goto out;
	}
	if (w != NULL && kx_doc_extension_count(kx_reader_doc(r)) != next)
		/* foreign elements after the keys: in the header written */
		wr = convert_again(r, to, key_id, one, &s, &w, &head, d, wd,
		    &rc);
	else {
		if (w == NULL && wr == KX_OK)
			wr = kx_writer_open(kx_reader_doc(r), to,
			    cli_spool_sink, &s, &w, wd);
		if (wr == KX_OK)
			wr = kx_writer_finish(w, wd);
	}
	if (rc < 0) {	/* the second pass's reader */
		ex = cli_read_failed(cli, d, rc, in);
		goto out;
	}
	cli_print_findings(cli, d, 0, in);
	cli_print_findings(cli, wd, 0, in);
	if (wr != KX_OK) {
		cli_error(cli, "cannot write %s: %s", kx_format_name(to),
		    kx_strerror(wr));
		ex = cli_exit_for(wr);
		goto out;
	}
	/* values make the output key material: no clobber; clear ones 0600 */
	ex = cli_spool_write(cli, &s, outpath, (clear ? KX_WRITE_SECRET : 0) |
	    ((clear || values) && !force ? KX_WRITE_NEW : 0) |
	    (kx_format_caps(to) & KX_CAP_BINARY ? KX_WRITE_BINARY : 0));
out:
	cli_spool_close(&s);
	kx_writer_free(w);
	kx_doc_free(head);
	kx_reader_close(r);
	kx_diag_free(wd);
	kx_diag_free(d);
	return ex;
}

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
	/* one key at a time, unless the document must be whole */
	if ((ex = convert_stream(cli, in, to, key_id, outpath, force)) !=
	    CONVERT_WHOLE)
		return ex;
	ex = CLI_USAGE;
	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	cli_input(in);
	if ((r = kx_doc_read_file(in, KX_FMT_AUTO, &doc, d)) != KX_OK) {
		ex = cli_read_failed(cli, d, r, in);
		goto out;
	}
	if (key_id != NULL && (idx = kx_doc_find_key(doc, key_id)) < 0) {
		cli_error(cli, "--key: no key '%s' in %s", key_id, in);
		ex = CLI_INVALID;	/* the input lacks it: bad input */
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
