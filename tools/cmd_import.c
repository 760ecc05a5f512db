/*
 * cmd_import.c - `kmsxchg import`: receive an exchange document.  The
 * transport key is checked against its KCV, every key's profile binding and
 * KCV are verified, and the import restrictions applied, before any key is
 * handed on: re-wrapped under a local storage key into a new document, or,
 * for test material only, written in clear to a folder.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_xchg.h"

enum { O_KEK, O_KEK_COMPONENT, O_KEK_ALG, O_STORAGE_KEK, O_STORAGE_KEK_ALG,
	O_STORAGE_KEK_ID, O_CLEAR, O_NOW, O_POLICY, O_AGAINST, O_TO, O_OUT };

const struct cli_opt import_opts[] = {
	[O_KEK] = { "kek", 0, 1, "SRC", "the transport key (key source)" },
	[O_KEK_COMPONENT] = { "kek-component", 0, 1, "FILE",
	    "a component of the transport key; repeat per component" },
	[O_KEK_ALG] = { "kek-alg", 0, 1, "ALG",
	    "the transport key's algorithm, aes or tdea (default: as the "
	    "document says)" },
	[O_STORAGE_KEK] = { "storage-kek", 0, 1, "SRC",
	    "local storage key to re-wrap the keys under" },
	[O_STORAGE_KEK_ALG] = { "storage-kek-alg", 0, 1, "ALG",
	    "the storage key's algorithm: aes or tdea (needed for a 16- or "
	    "24-byte key)" },
	[O_STORAGE_KEK_ID] = { "storage-kek-id", 0, 1, "ID",
	    "id of the storage key in the output document" },
	[O_CLEAR] = { "insecure-clear-output", 0, 1, "DIR",
	    "write clear keys to DIR/ID.key (test material only)" },
	[O_NOW] = { "now", 0, 1, "TIME",
	    "reference time (YYYY-MM-DD[Thh:mm:ssZ]); default the clock" },
	[O_POLICY] = { "policy", 0, 1, "FILE", "policy document" },
	[O_AGAINST] = { "against", 0, 1, "FILE",
	    "the sender's document the received keys may only narrow" },
	[O_TO] = { "to", 0, 1, "FORMAT",
	    "output format: xml or der (default: as the input)" },
	[O_OUT] = { "output", 'o', 1, "FILE",
	    "output document (with --storage-kek)" },
	{ NULL, 0, 0, NULL, NULL }
};

struct sink {
	struct cli *cli;
	const char *dir;	/* clear output, or NULL */
	size_t n;		/* keys handed over */
	size_t written;		/* clear files written */
};

/* Key ids become file names only when they are plainly safe. */
static int
safe_name(const char *id)
{
	const char *p;

	if (id == NULL || *id == '\0' || *id == '.' || strlen(id) > 128)
		return 0;
	for (p = id; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			return 0;
	return 1;
}

/* Hex text of a secret into b (which must be wiped: kx_buf_free). */
static int
hex_secret(kx_buf *b, const kx_secret *v)
{
	const uint8_t *p = kx_secret_data(v);
	size_t n = kx_secret_len(v), c;
	char tmp[2 * 16 + 1];
	int r = KX_OK;

	while (n > 0 && r == KX_OK) {
		c = n > 16 ? 16 : n;
		kx_hex_encode(p, c, tmp);
		r = kx_buf_append(b, tmp, 2 * c);
		p += c;
		n -= c;
	}
	if (r == KX_OK)
		r = kx_buf_append(b, "\n", 1);
	explicit_bzero(tmp, sizeof(tmp));
	return r;
}

static int
deliver(void *arg, const kx_doc *doc, size_t i, const kx_secret *v,
    kx_diag *d)
{
	struct sink *s = arg;
	const kx_key *k = kx_doc_key(doc, i);
	const uint8_t *kcv;
	enum kx_kcv_method m;
	char hex[33], path[4096];
	kx_buf text = { 0 };
	size_t len;
	int r;

	/* The document's own KCV, which verification bounded to 5 bytes. */
	if ((kcv = kx_key_kcv(k, &len, &m)) == NULL || len == 0 ||
	    len > KX_KCV_MAX_LEN)
		fprintf(s->cli->out, "verified %s: profile binding intact "
		    "(no KCV: the binding authenticates the value)\n",
		    kx_key_id(k));
	else {
		kx_hex_encode(kcv, len, hex);
		fprintf(s->cli->out, "verified %s: profile binding intact, "
		    "KCV %s (%s) matches\n", kx_key_id(k), hex,
		    kx_name(KX_E_KCV_METHOD, m));
	}
	s->n++;
	if (s->dir == NULL)
		return KX_OK;
	if (!safe_name(kx_key_id(k))) {
		cli_error(s->cli, "key id '%s' cannot be a file name",
		    kx_key_id(k));
		return KX_EUSAGE;
	}
	if (mkdir(s->dir, 0700) != 0 && errno != EEXIST) {
		cli_error(s->cli, "cannot create %s: %s", s->dir,
		    strerror(errno));
		return KX_EIO;
	}
	snprintf(path, sizeof(path), "%s/%s.key", s->dir, kx_key_id(k));
	/* hex text, as a file: key source reads it back */
	r = hex_secret(&text, v);
	if (r == KX_OK)
		r = kx_file_write_atomic(path, text.data, text.len, 1, d);
	if (r == KX_OK)
		s->written++;
	kx_buf_free(&text);
	return r;
}

int
cmd_import(int argc, char **argv, struct cli *cli)
{
	struct cli_list kcomps = { 0 };
	const char *arg, *kek_src = NULL, *storage_src = NULL;
	const char *clear_dir = NULL, *in;
	struct cli_xchg x = { 0 };
	struct cli_kek kek = { 0 }, storage = { 0 };
	enum kx_alg kek_fam = KX_ALG_NONE, st_fam = KX_ALG_NONE;
	struct sink sink = { 0 };
	kx_diag *rd = NULL;
	int o, r, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_KEK:
			kek_src = arg;
			break;
		case O_KEK_COMPONENT:
			if (cli_list_add(cli, &kcomps, "kek-component", arg) !=
			    CLI_OK)
				return CLI_USAGE;
			break;
		case O_KEK_ALG:
			if (cli_kek_family(cli, "kek-alg", arg, &kek_fam) !=
			    CLI_OK)
				return CLI_USAGE;
			break;
		case O_STORAGE_KEK:
			storage_src = arg;
			break;
		case O_STORAGE_KEK_ALG:
			if (cli_kek_family(cli, "storage-kek-alg", arg,
			    &st_fam) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_STORAGE_KEK_ID:
			x.xo.kek_id = arg;
			break;
		case O_CLEAR:
			clear_dir = arg;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			if (o < 0 || !cli_xchg_opt(&x, import_opts[o].name, arg))
				return CLI_USAGE;
		}
	}
	if (argc - cli->optind != 1)
		return cli_usage(cli, "expected one input document");
	in = argv[cli->optind];
	if ((storage_src != NULL) == (clear_dir != NULL))
		return cli_usage(cli, "choose one target: --storage-kek (with "
		    "--storage-kek-id and -o) or --insecure-clear-output");
	if (storage_src != NULL && (x.xo.kek_id == NULL || x.out == NULL))
		return cli_usage(cli, "--storage-kek needs --storage-kek-id "
		    "and -o");
	if (clear_dir != NULL && x.out != NULL)
		return cli_usage(cli, "-o goes with --storage-kek");
	if (clear_dir != NULL)
		cli_warn(cli, "writing clear keys to %s: test material only",
		    clear_dir);
	if ((ex = cli_xchg_open(cli, &x, in, KX_FMT_AUTO)) != CLI_OK)
		goto out;
	cli_audit_set(cli, KX_AF_NEW_KEK, x.xo.kek_id);
	if (clear_dir != NULL)
		cli_audit_set(cli, KX_AF_OUTPUT, clear_dir);
	if ((ex = cli_kek_load(cli, "transport key", kek_src, &kcomps,
	    kek_fam, "kek-alg", 0, &kek)) != CLI_OK)
		goto out;
	x.xo.from_kek_alg = kek.alg;
	if (storage_src != NULL) {
		struct cli_list none = { 0 };

		if ((ex = cli_kek_load(cli, "storage key", storage_src, &none,
		    st_fam, "storage-kek-alg", 1, &storage)) != CLI_OK)
			goto out;
		x.xo.kek_alg = storage.alg;
	}
	sink.cli = cli;
	sink.dir = clear_dir;
	/* the storage key's strength is part of the import decision */
	x.xo.storage_kek = storage.key;
	r = kx_import(x.doc, kek.key, &x.xo, deliver, &sink, x.d);
	if (r == KX_OK && storage.key != NULL) {
		/*
		 * The rewrap runs the rules kx_import already ran (and
		 * reported) for the same storage key: keep its findings only
		 * when it fails.
		 */
		if ((rd = kx_diag_new()) == NULL) {
			ex = cli_fail(cli, NULL, KX_ENOMEM, in);
			goto out;
		}
		if ((r = kx_rewrap(x.doc, kek.key, storage.key, &x.xo, rd)) !=
		    KX_OK)
			cli_print_findings(cli, rd, 0, in);
	}
	if (r != KX_OK && sink.written > 0) {
		/* only an I/O failure after verification can get here */
		cli_print_findings(cli, x.d, 0, in);
		cli_error(cli, "import failed after writing %zu clear key%s "
		    "to %s", sink.written, sink.written == 1 ? "" : "s",
		    clear_dir);
		ex = cli_exit_for(r);
		goto out;
	}
	if (r != KX_OK) {
		ex = cli_xchg_refused(cli, &x, in, r);
		goto out;
	}
	cli_print_findings(cli, x.d, 0, in);
	if (storage.key != NULL) {
		if ((ex = cli_write_doc(cli, x.doc, x.fmt, x.out)) != CLI_OK)
			goto out;
		fprintf(cli->out, "imported %zu key%s, stored under %s in "
		    "%s\n", sink.n, sink.n == 1 ? "" : "s", x.xo.kek_id,
		    x.out);
	} else
		fprintf(cli->out, "imported %zu key%s into %s (clear)\n",
		    sink.n, sink.n == 1 ? "" : "s", clear_dir);
	ex = CLI_OK;
out:
	cli_kek_free(&kek);
	cli_kek_free(&storage);
	kx_diag_free(rd);
	cli_xchg_close(&x);
	return ex;
}
