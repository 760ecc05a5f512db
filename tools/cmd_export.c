/*
 * cmd_export.c - `kmsxchg export`: build an exchange document from key
 * profiles (a template or a profile document) and the keys' values, each
 * value bound to its profile and wrapped under a transport key.  Every
 * export restriction of the profiles is enforced; on any refusal nothing
 * is written.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "cli_p11.h"

enum { O_PROFILE, O_TEMPLATE, O_KEY, O_KEY_PASS, O_COMPONENTS, O_KEK,
	O_KEK_COMPONENT,
	O_KEK_ALG, O_KEK_ID, O_RECIPIENT, O_SENDER, O_DOC_ID, O_NOW, O_POLICY, O_TO,
	O_WRAP, O_OUT, O_FROM, O_MODULE, O_PIN_SOURCE, O_FORCE };

const struct cli_opt export_opts[] = {
	[O_PROFILE] = { "profile", 'p', 1, "FILE",
	    "key profiles to export (native XML or DER)" },
	[O_TEMPLATE] = { "template", 't', 1, "FILE",
	    "a one-key template: a file or an installed name such as "
	    "gp-scp03-isd-enc" },
	[O_KEY] = { "key", 'k', 1, "[ID=]SRC",
	    "value of key ID (key source); repeat per key" },
	[O_KEY_PASS] = { "key-pass", 0, 1, "SRC",
	    "passphrase of the encrypted PEM private keys given with --key "
	    "(key source)" },
	[O_COMPONENTS] = { "components", 'c', 1, "FILE",
	    "a component file of the (single) key; repeat per component" },
	[O_KEK] = { "kek", 0, 1, "SRC", "the transport key (key source)" },
	[O_KEK_COMPONENT] = { "kek-component", 0, 1, "FILE",
	    "a component of the transport key; repeat per component" },
	[O_KEK_ALG] = { "kek-alg", 0, 1, "ALG",
	    "the transport key's algorithm: aes or tdea (needed for a 16- "
	    "or 24-byte --kek), or rsa (a PEM public key, --wrap "
	    "rsa-aes-kwp)" },
	[O_KEK_ID] = { "kek-id", 0, 1, "ID",
	    "id of the transport key in the document" },
	[O_RECIPIENT] = { "recipient", 'r', 1, "PARTY",
	    "the receiving party (checked against export destinations)" },
	[O_SENDER] = { "sender", 's', 1, "PARTY", "the sending party" },
	[O_DOC_ID] = { "doc-id", 0, 1, "ID", "id of the new document" },
	[O_NOW] = { "now", 0, 1, "TIME",
	    "reference time (YYYY-MM-DD[Thh:mm:ssZ]); default the clock" },
	[O_POLICY] = { "policy", 0, 1, "FILE", "policy document" },
	[O_TO] = { "to", 0, 1, "FORMAT",
	    "output format carrying bound values (default xml), or one "
	    "carrying cryptograms (a GP KeyProfile: one key, TDEA-ECB under "
	    "a TDEA key or AES-CBC under an AES key, NOT bound)" },
	[O_WRAP] = { "wrap", 0, 1, "ALG",
	    "how values leave: bound (default: aes-siv-bound under a key "
	    "from a file, aes-kwp-cmac-bound in a token), "
	    "aes-kwp-cmac-bound (bound; a PKCS#11 token can check it), "
	    "rsa-aes-kwp (under an RSA public key --kek: the cloud-KMS "
	    "import form, NOT bound) or, from a token only, aes-kwp (NOT "
	    "bound)" },
	[O_OUT] = { "output", 'o', 1, "FILE", "output file (default stdout)" },
	[O_FROM] = { "from", 0, 1, "URI",
	    "a key in a PKCS#11 token (pkcs11:...), wrapped in the token "
	    "under --kek pkcs11:..." },
	CLI_P11_OPTS(O_MODULE, O_PIN_SOURCE),
	[O_FORCE] = { "force", 'f', 0, NULL, "replace an existing output "
	    "FILE" },
	{ NULL, 0, 0, NULL, NULL }
};

/*
 * With --key-pass, a PEM value (an rsa or ec private key) is decrypted in
 * secure memory; the passphrase is loaded once, into *pass.  Values that
 * are not PEM are left alone.
 */
static int
unlock_pem(struct cli *cli, const char *pass_src, kx_secret **pass,
    kx_secret **value)
{
	kx_secret *clear = NULL;
	kx_diag *d;
	int r, ex;

	if (pass_src == NULL || kx_secret_len(*value) < 11 ||
	    memcmp(kx_secret_data(*value), "-----BEGIN ", 11) != 0)
		return CLI_OK;
	if (*pass == NULL && (ex = cli_load_pass(cli, "key-pass", pass_src,
	    pass)) != CLI_OK)
		return ex;
	if ((d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, "--key-pass");
	if ((r = kx_pem_unlock(*value, *pass, &clear, d)) != KX_OK)
		ex = cli_fail(cli, d, r, "--key");
	else {
		kx_secret_free(*value);
		*value = clear;
		ex = CLI_OK;
	}
	kx_diag_free(d);
	return ex;
}

/* The value source of key `id`: "ID=SRC", or a lone SRC for one key. */
static const char *
source_for(const struct cli_list *keys, const char *id, size_t nkeys)
{
	size_t i, n = strlen(id);

	for (i = 0; i < keys->n; i++)
		if (strncmp(keys->v[i], id, n) == 0 && keys->v[i][n] == '=')
			return keys->v[i] + n + 1;
	if (nkeys == 1 && keys->n == 1 && strchr(keys->v[0], '=') == NULL)
		return keys->v[0];
	return NULL;
}

/* A lone "ID=" whose ID names no key is a typo worth refusing. */
static int
check_key_ids(struct cli *cli, const struct cli_list *keys,
    const kx_doc *doc)
{
	const char *eq;
	char id[256];
	size_t i;

	for (i = 0; i < keys->n; i++) {
		if ((eq = strchr(keys->v[i], '=')) == NULL)
			continue;
		/* a key source such as file:a=b has its ':' first */
		if (strchr(keys->v[i], ':') != NULL &&
		    strchr(keys->v[i], ':') < eq)
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(eq - keys->v[i]),
		    keys->v[i]);
		if (kx_doc_find_key(doc, id) < 0)
			return cli_usage(cli, "--key %s=...: no key %s in the "
			    "profiles", id, id);
	}
	return CLI_OK;
}

int
cmd_export(int argc, char **argv, struct cli *cli)
{
	struct cli_list keys = { 0 }, comps = { 0 }, kcomps = { 0 };
	const char *arg, *profile = NULL, *kek_src = NULL, *from = NULL;
	const char *pass_src = NULL, *how, *cname = NULL;
	enum kx_format cfmt = KX_FMT_AUTO;
	kx_secret *pass = NULL;
	kx_p11_opts po = { 0 };
	kx_secret *values[CLI_MAX_REPEAT] = { 0 };
	struct cli_xchg x = { 0 };
	struct cli_kek kek = { 0 };
	enum kx_alg kek_fam = KX_ALG_NONE;
	kx_doc *doc;
	const uint8_t *kcv;
	enum kx_kcv_method m;
	char hex[2 * KX_FINGERPRINT_LEN + 1], tplbuf[4096];
	size_t i, n;
	int o, r, rsa = 0, kwpc = 0, kwp = 0, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_PROFILE:
		case O_TEMPLATE:
			if (profile != NULL)
				return cli_usage(cli, "one --profile only");
			profile = arg;
			break;
		case O_KEY:
			if (cli_list_add(cli, &keys, "key", arg) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_KEY_PASS:
			pass_src = arg;
			break;
		case O_COMPONENTS:
			if (cli_list_add(cli, &comps, "components", arg) !=
			    CLI_OK)
				return CLI_USAGE;
			break;
		case O_KEK:
			kek_src = arg;
			break;
		case O_KEK_COMPONENT:
			if (cli_list_add(cli, &kcomps, "kek-component", arg) !=
			    CLI_OK)
				return CLI_USAGE;
			break;
		case O_KEK_ALG:
			if (strcmp(arg, "rsa") == 0)
				kek_fam = KX_ALG_RSA;
			else if (cli_kek_family(cli, "kek-alg", arg,
			    &kek_fam) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_WRAP:
			rsa = strcmp(arg, "rsa-aes-kwp") == 0;
			kwpc = strcmp(arg, "aes-kwp-cmac-bound") == 0;
			kwp = strcmp(arg, "aes-kwp") == 0;
			if (!rsa && !kwpc && !kwp && strcmp(arg, "bound") != 0)
				return cli_usage(cli, "--wrap: expected bound, "
				    "aes-kwp-cmac-bound, rsa-aes-kwp or aes-kwp, "
				    "got '%s'", arg);
			break;
		case O_KEK_ID:
			x.xo.kek_id = arg;
			break;
		case O_RECIPIENT:
			x.xo.recipient = arg;
			break;
		case O_SENDER:
			x.xo.sender = arg;
			break;
		case O_DOC_ID:
			x.xo.doc_id = arg;
			break;
		case O_FROM:
			from = arg;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			if (o >= 0 && cli_p11_opt(&po, export_opts[o].name, arg))
				break;
			if (o < 0 || !cli_xchg_opt(&x, export_opts[o].name, arg))
				return CLI_USAGE;
		}
	}
	if (cli->optind != argc)
		return cli_usage(cli, "unexpected operand '%s'",
		    argv[cli->optind]);
	kx_p11_set_defaults(&po);
	if (from != NULL) {
		if (!cli_is_p11(from))
			return cli_usage(cli, "--from: expected a pkcs11: URI");
		if (profile != NULL || keys.n > 0 || comps.n > 0 ||
		    kcomps.n > 0)
			return cli_usage(cli, "--from pkcs11: takes the profile "
			    "and the value from the token (no --profile, "
			    "--key, --components or --kek-component)");
		if (rsa)
			return cli_usage(cli, "--wrap rsa-aes-kwp: not from a "
			    "token (an RSA public key there wraps as "
			    "rsa-oaep-sha256)");
		x.xo.wrap = kwp ? KX_WRAP_AES_KWP : kwpc ?
		    KX_WRAP_AES_KWP_CMAC_BOUND : KX_WRAP_NONE;
		return cli_p11_export(cli, &x, from, kek_src, &po);
	}
	if (kwp)
		return cli_usage(cli, "--wrap aes-kwp: only from a token "
		    "(--from pkcs11:); from files, values leave bound");
	if (profile == NULL)
		return cli_usage(cli, "missing --profile or --template");
	if ((profile = cli_data_path(cli, "templates", profile, tplbuf,
	    sizeof(tplbuf))) == NULL)
		return CLI_USAGE;
	if (x.xo.kek_id == NULL)
		return cli_usage(cli, "missing --kek-id");
	if ((keys.n > 0) == (comps.n > 0))
		return cli_usage(cli, "give the key values with --key or "
		    "--components (one of them)");
	/*
	 * --to a format that carries no bound value but cryptograms
	 * (KX_CAP_CRYPTOGRAM; a GP KeyProfile): its native form, a Value
	 * TDEA-ECB (or AES-CBC, zero ICV, under an AES key: SCP03) under its
	 * transport key, for receivers that read nothing else.  It is not
	 * bound: the library writes it only when asked by name.
	 */
	if (x.to != NULL && (kx_format_caps(cfmt = kx_format_from_name(x.to)) &
	    (KX_CAP_BOUND | KX_CAP_CRYPTOGRAM)) == KX_CAP_CRYPTOGRAM) {
		cname = x.to;
		x.to = NULL;
		x.xo.wrap = KX_WRAP_TDEA_ECB;
	}
	/*
	 * --wrap rsa-aes-kwp: the form cloud KMSs import (RSA-OAEP-SHA256 of
	 * a fresh AES-256 key, then AES-KWP of the key or its PKCS#8), under
	 * an RSA public key; not bound either.
	 */
	if (kwpc && cname != NULL)
		return cli_usage(cli, "--wrap aes-kwp-cmac-bound: under an AES "
		    "transport key, not with --to %s", cname);
	if (kwpc && kek_fam != KX_ALG_NONE && kek_fam != KX_ALG_AES)
		return cli_usage(cli, "--wrap aes-kwp-cmac-bound: under an AES "
		    "transport key, not with --kek-alg tdea|rsa");
	if (kwpc)
		x.xo.wrap = KX_WRAP_AES_KWP_CMAC_BOUND;
	if (rsa && cname != NULL)
		return cli_usage(cli, "--wrap rsa-aes-kwp: under an RSA "
		    "public key (--kek-alg rsa), not with --to %s", cname);
	if (rsa && kek_fam != KX_ALG_NONE && kek_fam != KX_ALG_RSA)
		return cli_usage(cli, "--wrap rsa-aes-kwp: under an RSA "
		    "public key (--kek-alg rsa), not with --kek-alg aes|tdea");
	if (rsa) {
		x.xo.wrap = KX_WRAP_RSA_AES_KWP;
		kek_fam = KX_ALG_RSA;
	} else if (kek_fam == KX_ALG_RSA)
		return cli_usage(cli, "--kek-alg rsa goes with --wrap "
		    "rsa-aes-kwp");
	/* An exchange document is native XML unless --to says DER. */
	if ((ex = cli_xchg_open(cli, &x, profile, KX_FMT_XML)) != CLI_OK)
		goto out;
	doc = x.doc;
	n = kx_doc_key_count(doc);
	if (cname != NULL) {
		x.fmt = cfmt;
		if (n != 1 && (kx_format_caps(cfmt) & KX_CAP_KEYS) == 0) {
			ex = cli_usage(cli, "--to %s writes one key per "
			    "document, but %s holds %zu", cname, profile, n);
			goto out;
		}
	}
	if (n == 0 || n > CLI_MAX_REPEAT) {
		cli_error(cli, "%s: %zu keys; export takes 1 to %d", profile,
		    n, CLI_MAX_REPEAT);
		ex = CLI_INVALID;
		goto out;
	}
	if (comps.n > 0 && n != 1) {
		ex = cli_usage(cli, "--components gives one key, but %s holds "
		    "%zu", profile, n);
		goto out;
	}
	if ((ex = check_key_ids(cli, &keys, doc)) != CLI_OK)
		goto out;
	/* The values, one per key, from key sources or components. */
	for (i = 0; i < n; i++) {
		const char *id = kx_key_id(kx_doc_key(doc, i));

		if (comps.n > 0) {
			struct cli_kek k;

			if ((ex = cli_kek_load(cli, "key", NULL, &comps,
			    KX_ALG_NONE, "alg", 0, &k)) != CLI_OK)
				goto out;
			values[i] = k.key;
			continue;
		}
		if ((arg = source_for(&keys, id, n)) == NULL) {
			ex = cli_usage(cli, "no value for key %s: give --key "
			    "%s=SRC", id, id);
			goto out;
		}
		/* any length here: kx_export fits it to the profile */
		if ((ex = cli_load_key(cli, "key", arg, KX_ALG_NONE, 0,
		    &values[i])) != CLI_OK ||
		    (ex = unlock_pem(cli, pass_src, &pass, &values[i])) !=
		    CLI_OK)
			goto out;
	}
	if ((ex = cli_kek_load(cli, "transport key", kek_src, &kcomps,
	    kek_fam, "kek-alg", 1, &kek)) != CLI_OK)
		goto out;
	x.xo.kek_alg = kek.alg;
	if (cname != NULL) {
		/* an AES transport key (named, or 32 bytes): AES-CBC */
		if (kek.alg == KX_ALG_AES || (kek.alg == KX_ALG_NONE &&
		    kx_secret_len(kek.key) == 32))
			x.xo.wrap = KX_WRAP_AES_CBC;
		cli_warn(cli, "--to %s: the value is %s under the transport "
		    "key, not bound to its profile (the receiver can check "
		    "its KCV only)", cname, x.xo.wrap == KX_WRAP_AES_CBC ?
		    "AES-CBC" : "TDEA-ECB");
	}
	if (rsa)
		cli_warn(cli, "--wrap rsa-aes-kwp: the values are not bound to "
		    "their profiles (the receiver can check their KCVs only)");
	cli_audit_set(cli, KX_AF_KEK, x.xo.kek_id);
	x.xo.kek_parts = kek.parts;
	x.xo.kek_threshold = kek.threshold;
	x.xo.kek_part_kcvs = kek.parts ? kek.part_kcvs : NULL;
	r = kx_export(doc, values, n, kek.key, &x.xo, x.d);
	/* Values are no longer needed, whatever happened. */
	for (i = 0; i < n; i++) {
		kx_secret_free(values[i]);
		values[i] = NULL;
	}
	cli_kek_free(&kek);
	if (r != KX_OK) {
		ex = cli_xchg_refused(cli, &x, profile, r);
		goto out;
	}
	cli_audit_doc(cli, doc);	/* now with KCVs and the new id */
	cli_print_findings(cli, x.d, 0, profile);
	if ((ex = cli_write_doc(cli, doc, x.fmt, x.out, x.force)) != CLI_OK)
		goto out;
	how = rsa ? "rsa-aes-kwp (not bound)" : cname != NULL ?
	    (x.xo.wrap == KX_WRAP_AES_CBC ? "aes-cbc (GP form, not bound)" :
	    "tdea-ecb (GP form, not bound)") : kwpc ?
	    "bound and wrapped (aes-kwp-cmac-bound)" : "bound and wrapped";
	for (i = 0; i < n && x.out != NULL && strcmp(x.out, "-") != 0; i++) {
		const kx_key *k = kx_doc_key(doc, i);
		size_t len;

		if ((kcv = kx_key_kcv(k, &len, &m)) == NULL || len >
		    (m == KX_KCV_SPKI_SHA256 ? KX_FINGERPRINT_LEN :
		    KX_KCV_MAX_LEN)) {
			/* HMAC keys: no KCV method exists */
			fprintf(cli->out, "exported %s: no KCV, %s under %s\n",
			    kx_key_id(k), how, x.xo.kek_id);
			continue;
		}
		kx_hex_encode(kcv, len, hex);
		fprintf(cli->out, "exported %s: %s %s (%s), %s under %s\n",
		    kx_key_id(k), m == KX_KCV_SPKI_SHA256 ? "fingerprint" :
		    "KCV", hex, kx_name(KX_ENUM_KCV_METHOD, m), how,
		    x.xo.kek_id);
	}
	ex = CLI_OK;
out:
	kx_secret_free(pass);
	for (i = 0; i < CLI_MAX_REPEAT; i++)
		kx_secret_free(values[i]);
	cli_kek_free(&kek);
	cli_xchg_close(&x);
	return ex;
}
