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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_p11.h"

enum { O_KEK, O_KEK_COMPONENT, O_KEK_ALG, O_KEK_KCV, O_STORAGE_KEK, O_STORAGE_KEK_ALG,
	O_STORAGE_KEK_ID, O_CLEAR, O_CLEAR_PROD, O_NOW, O_POLICY, O_AGAINST,
	O_TO, O_OUT, O_MODULE, O_PIN_SOURCE, O_FORCE, O_QUIET };

const struct cli_opt import_opts[] = {
	[O_KEK] = { "kek", 0, 1, "SRC", "the transport key (key source)" },
	[O_KEK_COMPONENT] = { "kek-component", 0, 1, "FILE",
	    "a component of the transport key; repeat per component" },
	[O_KEK_ALG] = { "kek-alg", 0, 1, "ALG",
	    "the transport key's algorithm, aes, tdea or rsa (a PEM private "
	    "key; default: as the document says)" },
	[O_KEK_KCV] = { "kek-kcv", 0, 1, "HEX[:METHOD]",
	    "the transport key's KCV, for documents that carry none (GP); "
	    "METHOD gp (default), gp-des, gp-aes, zero-block or cmac" },
	[O_STORAGE_KEK] = { "storage-kek", 0, 1, "SRC",
	    "local storage key to re-wrap the keys under" },
	[O_STORAGE_KEK_ALG] = { "storage-kek-alg", 0, 1, "ALG",
	    "the storage key's algorithm: aes or tdea (needed for a 16- or "
	    "24-byte key)" },
	[O_STORAGE_KEK_ID] = { "storage-kek-id", 0, 1, "ID",
	    "id of the storage key in the output document" },
	[O_CLEAR] = { "insecure-clear-output", 0, 1, "DIR",
	    "write clear keys to a new folder DIR/ID.key (test material "
	    "only)" },
	[O_CLEAR_PROD] = { "insecure-clear-production", 0, 0, NULL,
	    "also write production or sensitive keys in clear" },
	[O_NOW] = { "now", 0, 1, "TIME",
	    "reference time (YYYY-MM-DD[Thh:mm:ssZ]); default the clock" },
	[O_POLICY] = { "policy", 0, 1, "FILE", "policy document" },
	[O_AGAINST] = { "against", 0, 1, "FILE",
	    "the sender's document the received keys may only narrow" },
	[O_TO] = { "to", 0, 1, "FORMAT|URI",
	    "output format carrying bound values (default: the input's), "
	    "or a PKCS#11 token (pkcs11:...) to import into" },
	[O_OUT] = { "output", 'o', 1, "FILE",
	    "output document (with --storage-kek)" },
	CLI_P11_OPTS(O_MODULE, O_PIN_SOURCE),
	[O_FORCE] = { "force", 'f', 0, NULL, "replace an existing output "
	    "FILE" },
	[O_QUIET] = { "quiet", 'q', 0, NULL,
	    "no progress line on a terminal" },
	{ NULL, 0, 0, NULL, NULL }
};

struct sink {
	struct cli *cli;
	FILE *status;		/* where "verified" lines go */
	const char *dir;	/* temporary clear output folder, or NULL */
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
	char hex[2 * KX_FINGERPRINT_LEN + 1], path[4096];
	const char *what;
	kx_buf text = { 0 };
	size_t len;
	int r;

	/*
	 * The document's own KCV, which verification bounded to 5 bytes,
	 * or the 32-byte fingerprint of an rsa or ec key's public key.
	 */
	kcv = kx_key_kcv(k, &len, &m);
	what = m == KX_KCV_SPKI_SHA256 ? "fingerprint" : "KCV";
	if (kcv == NULL || len == 0 || len > (m == KX_KCV_SPKI_SHA256 ?
	    KX_FINGERPRINT_LEN : KX_KCV_MAX_LEN))
		fprintf(s->status, "verified %s: profile binding intact "
		    "(no KCV: the binding authenticates the value)\n",
		    kx_key_id(k));
	else if (!kx_key_value_bound(k)) {
		kx_hex_encode(kcv, len, hex);
		fprintf(s->status, "verified %s: %s %s (%s) matches; the "
		    "value was not bound to its profile\n", kx_key_id(k), what,
		    hex, kx_name(KX_ENUM_KCV_METHOD, m));
	} else {
		kx_hex_encode(kcv, len, hex);
		fprintf(s->status, "verified %s: profile binding intact, "
		    "%s %s (%s) matches\n", kx_key_id(k), what, hex,
		    kx_name(KX_ENUM_KCV_METHOD, m));
	}
	s->n++;
	if (s->dir == NULL)
		return KX_OK;
	if (!safe_name(kx_key_id(k))) {
		cli_error(s->cli, "key id '%s' cannot be a file name",
		    kx_key_id(k));
		return KX_EINPUT;	/* the document's, not a usage error */
	}
	snprintf(path, sizeof(path), "%s/%s.key", s->dir, kx_key_id(k));
	if ((r = cli_cleanup_add(path)) == CLI_CLEANUP_FULL) {
		cli_error(s->cli, "--insecure-clear-output writes at most %d "
		    "keys in one run (key %s is one more): import the "
		    "document in parts", CLI_MAX_CLEANUP - 1, kx_key_id(k));
		return KX_ELIMIT;
	}
	if (r != 0)
		return KX_ENOMEM;
	/* hex text, as a file: key source reads it back */
	r = hex_secret(&text, v);
	if (r == KX_OK)
		r = kx_file_write_atomic(path, text.data, text.len,
		    KX_WRITE_SECRET | KX_WRITE_NEW, d);
	if (r == KX_OK)
		s->written++;
	kx_buf_free(&text);
	return r;
}

/* Refuse clear output of production or sensitive keys unless told twice. */
static int
clear_allowed(struct cli *cli, const kx_doc *doc, int production)
{
	size_t i, n = kx_doc_key_count(doc);

	for (i = 0; i < n && !production; i++) {
		const kx_key *k = kx_doc_key(doc, i);

		if (kx_key_is_protected(k)) {
			cli_error(cli, "key %s is a production or sensitive "
			    "key: refusing to write it in clear (add "
			    "--insecure-clear-production if you must)",
			    kx_key_id(k));
			return CLI_INVALID;	/* a refused operation */
		}
	}
	return CLI_OK;
}

/*
 * A new folder beside dir, 0700, registered for removal on a signal
 * (kx_file_mkdtemp: also removed by a later run when this one is killed);
 * it is renamed to dir once every key is in it: all keys or none.
 */
static int
clear_begin(struct cli *cli, const char *dir, char **tmp)
{
	struct stat st;
	size_t n = strlen(dir);
	char *trimmed;
	kx_diag *d;
	int r, ex;

	*tmp = NULL;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (lstat(dir, &st) == 0) {
		cli_error(cli, "--insecure-clear-output %s: %s exists; give a "
		    "new folder", dir, S_ISLNK(st.st_mode) ? "a symbolic link" :
		    S_ISDIR(st.st_mode) ? "a folder" : "a file");
		return CLI_USAGE;
	}
	if (errno != ENOENT) {
		cli_error(cli, "--insecure-clear-output %s: %s", dir,
		    strerror(errno));
		return CLI_USAGE;
	}
	/*
	 * .kmsxchg.PID.XXXXXX beside dir: the name of the temporary files,
	 * so a later write there removes it if this run is killed.
	 */
	if ((trimmed = strndup(dir, n)) == NULL ||
	    (d = kx_diag_new()) == NULL) {
		free(trimmed);
		cli_error(cli, "out of memory");
		return CLI_USAGE;
	}
	r = kx_file_mkdtemp(trimmed, tmp, d);
	free(trimmed);
	if (r != KX_OK) {
		ex = cli_fail(cli, d, r, dir);
		kx_diag_free(d);
		return ex == CLI_OK ? CLI_USAGE : ex;
	}
	kx_diag_free(d);
	if (cli_cleanup_add(*tmp) != 0) {
		(void)rmdir(*tmp);
		free(*tmp);
		*tmp = NULL;
		cli_error(cli, "out of memory");
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* Move the finished folder into place (never over an existing path). */
static int
clear_commit(struct cli *cli, const char *tmp, const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) == 0) {
		cli_error(cli, "cannot create %s: it appeared meanwhile", dir);
		return CLI_USAGE;
	}
	if (rename(tmp, dir) != 0) {
		cli_error(cli, "cannot create %s: %s", dir, strerror(errno));
		return CLI_USAGE;
	}
	return CLI_OK;
}

int
cmd_import(int argc, char **argv, struct cli *cli)
{
	struct cli_list kcomps = { 0 };
	const char *arg, *kek_src = NULL, *storage_src = NULL;
	const char *clear_dir = NULL, *in;
	char *tmpdir = NULL;
	struct cli_xchg x = { 0 };
	struct cli_kek kek = { 0 }, storage = { 0 };
	enum kx_alg kek_fam = KX_ALG_NONE, st_fam = KX_ALG_NONE;
	struct sink sink = { 0 };
	kx_p11_opts po = { 0 };
	int o, r, production = 0, ex = CLI_USAGE;

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
			/* rsa: a PEM private key for rsa-* values */
			if (strcmp(arg, "rsa") == 0)
				kek_fam = KX_ALG_RSA;
			else if (cli_kek_family(cli, "kek-alg", arg,
			    &kek_fam) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_KEK_KCV:
			if (cli_kek_kcv(cli, "kek-kcv", arg, &x) != CLI_OK)
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
		case O_CLEAR_PROD:
			production = 1;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			if (o >= 0 && cli_p11_opt(&po, import_opts[o].name, arg))
				break;
			if (o < 0 || !cli_xchg_opt(&x, import_opts[o].name, arg))
				return CLI_USAGE;
		}
	}
	if (argc - cli->optind != 1)
		return cli_usage(cli, "expected one input document");
	in = argv[cli->optind];
	kx_p11_set_defaults(&po);
	if (cli_is_p11(x.to)) {
		if (storage_src != NULL || clear_dir != NULL || kcomps.n > 0)
			return cli_usage(cli, "--to pkcs11: is the target: no "
			    "--storage-kek, --insecure-clear-output or "
			    "--kek-component");
		return cli_p11_import(cli, &x, x.to, kek_src, in, &po);
	}
	if ((storage_src != NULL) == (clear_dir != NULL))
		return cli_usage(cli, "choose one target: --storage-kek (with "
		    "--storage-kek-id and -o) or --insecure-clear-output");
	if (storage_src != NULL && (x.xo.kek_id == NULL || x.out == NULL))
		return cli_usage(cli, "--storage-kek needs --storage-kek-id "
		    "and -o");
	if (clear_dir != NULL && x.out != NULL)
		return cli_usage(cli, "-o goes with --storage-kek");
	if (production && clear_dir == NULL)
		return cli_usage(cli, "--insecure-clear-production goes with "
		    "--insecure-clear-output");
	if (clear_dir != NULL && *clear_dir == '\0')
		return cli_usage(cli, "--insecure-clear-output: empty path");
	if (clear_dir != NULL)
		cli_warn(cli, "writing clear keys to %s: test material only",
		    clear_dir);
	if ((ex = cli_xchg_open(cli, &x, in, KX_FMT_AUTO)) != CLI_OK)
		goto out;
	cli_audit_set(cli, KX_AF_NEW_KEK, x.xo.kek_id);
	if (clear_dir != NULL)
		cli_audit_set(cli, KX_AF_OUTPUT, clear_dir);
	if (clear_dir != NULL &&
	    (ex = clear_allowed(cli, x.doc, production)) != CLI_OK)
		goto out;
	if ((ex = cli_kek_load(cli, "transport key", kek_src, &kcomps,
	    kek_fam, "kek-alg", 0, &kek)) != CLI_OK)
		goto out;
	x.xo.from_kek_alg = kek.alg;
	/* a GP TransportKey records the mode only: AES-CBC under AES */
	if ((ex = cli_aes_transport(cli, &x, in, &kek)) != CLI_OK)
		goto out;
	if (storage_src != NULL) {
		struct cli_list none = { 0 };

		if ((ex = cli_kek_load(cli, "storage key", storage_src, &none,
		    st_fam, "storage-kek-alg", 1, &storage)) != CLI_OK)
			goto out;
		x.xo.kek_alg = storage.alg;
	}
	if (clear_dir != NULL &&
	    (ex = clear_begin(cli, clear_dir, &tmpdir)) != CLI_OK)
		goto out;
	sink.cli = cli;
	/* the document owns stdout when it goes there */
	sink.status = storage.key != NULL ? cli_status(cli, x.out) :
	    cli->out;
	sink.dir = tmpdir;
	/* the storage key's strength is part of the import decision */
	x.xo.storage_kek = storage.key;
	/* stored: verified and re-wrapped in one pass (kx_import_store) */
	cli_progress_begin(&x, "verifying");
	r = storage.key != NULL ? kx_import_store(x.doc, kek.key, storage.key,
	    &x.xo, deliver, &sink, x.d) : kx_import(x.doc, kek.key, &x.xo,
	    deliver, &sink, x.d);
	cli_progress_end(&x);
	if (r != KX_OK && sink.written > 0) {
		/* only an I/O failure after verification can get here */
		cli_print_findings(cli, x.d, 0, in);
		cli_error(cli, "import failed after %zu clear key%s: none "
		    "kept in %s", sink.written, sink.written == 1 ? "" : "s",
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
		if ((ex = cli_write_doc(cli, x.doc, x.fmt, x.out,
		    x.force)) != CLI_OK)
			goto out;
		fprintf(sink.status, "imported %zu key%s, stored under %s in "
		    "%s\n", sink.n, sink.n == 1 ? "" : "s", x.xo.kek_id,
		    x.out);
	} else {
		if ((ex = clear_commit(cli, tmpdir, clear_dir)) != CLI_OK)
			goto out;
		cli_cleanup_forget();
		fprintf(cli->out, "imported %zu key%s into %s (clear)\n",
		    sink.n, sink.n == 1 ? "" : "s", clear_dir);
	}
	ex = CLI_OK;
out:
	/* on failure, the clear keys written so far and their folder go */
	if (ex != CLI_OK)
		cli_cleanup_undo();
	cli_cleanup_forget();
	free(tmpdir);
	cli_kek_free(&kek);
	cli_kek_free(&storage);
	cli_xchg_close(&x);
	return ex;
}
