/*
 * cmd_split.c - `kmsxchg split` and `kmsxchg combine`: split a key into
 * component files for custodians (XOR of all parts, or Shamir m-of-n over
 * GF(2^8)) and rebuild it, checking every component's KCV and the key's;
 * and `kmsxchg seal`, which mends a transport key an older combine left
 * in a token with CKA_DERIVE (cli_p11_seal).
 *
 * The component files are the library's (kx_component_write/read, format
 * in kmsxchg(5)): every file carries the split's header, its own KCV and
 * the whole key's KCV, so combine can name the component that is wrong.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_p11.h"

#define KCV_LEN 3
#define MAX_PARTS 255

enum { O_PARTS, O_THRESHOLD, O_KEY, O_ALG, O_PREFIX, O_FORCE, O_FROM,
	O_NOW, O_POLICY, O_MODULE, O_PIN_SOURCE };

const struct cli_opt split_opts[] = {
	[O_PARTS] = { "parts", 'n', 1, "N", "number of components (2-255)" },
	[O_THRESHOLD] = { "threshold", 'm', 1, "M", "components needed to "
	    "rebuild (Shamir); default all N (XOR)" },
	[O_KEY] = { "key", 'k', 1, "SRC", "the key to split (key source)" },
	[O_ALG] = { "alg", 'a', 1, "ALG", "key algorithm: aes, tdea2, tdea3 "
	    "or tdea (the key length decides)" },
	[O_PREFIX] = { "out-prefix", 'p', 1, "P",
	    "write components to P.1 ... P.N" },
	[O_FORCE] = { "force", 'f', 0, NULL,
	    "replace existing component files" },
	[O_FROM] = { "from", 0, 1, "URI", "the key to split, in a PKCS#11 "
	    "token (pkcs11:...): an extractable key, read out of the token" },
	[O_NOW] = { "now", 0, 1, "TIME", "--from: reference time of the "
	    "export rules (validity; default: the clock)" },
	[O_POLICY] = { "policy", 0, 1, "FILE", "--from: policy document of "
	    "the export rules" },
	CLI_P11_OPTS(O_MODULE, O_PIN_SOURCE),
	{ NULL, 0, 0, NULL, NULL }
};

enum { C_KCV, C_OUTPUT, C_FORCE, C_TO, C_MODULE, C_PIN_SOURCE,
	C_UNBOUND };
enum { S_MODULE, S_PIN_SOURCE, S_UNBOUND };

#define UNBOUND_OPT(o) \
	[o] = { "allow-unbound", 0, 0, NULL, "store an AES transport key " \
	    "in a token without the mechanisms of aes-kwp-cmac-bound (no " \
	    "KBEK/KBAK: aes-kw and aes-kwp only; an older key seal mends " \
	    "keeps no CKA_ALLOWED_MECHANISMS: an AES-ECB oracle)" }

const struct cli_opt seal_opts[] = {
	CLI_P11_OPTS(S_MODULE, S_PIN_SOURCE),
	UNBOUND_OPT(S_UNBOUND),
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_opt combine_opts[] = {
	[C_KCV] = { "kcv", 'c', 1, "HEX", "expected KCV of the rebuilt key" },
	[C_OUTPUT] = { "output", 'o', 1, "OUT",
	    "write the key to OUT (mode 0600)" },
	[C_FORCE] = { "force", 'f', 0, NULL, "replace an existing OUT" },
	[C_TO] = { "to", 0, 1, "URI",
	    "store the key in a PKCS#11 token (pkcs11:...;object=LABEL) as "
	    "a transport key, its KCV checked there" },
	CLI_P11_OPTS(C_MODULE, C_PIN_SOURCE),
	UNBOUND_OPT(C_UNBOUND),
	{ NULL, 0, 0, NULL, NULL }
};

static enum kx_kcv_method
gp_method(enum kx_alg alg)
{
	return alg == KX_ALG_AES ? KX_KCV_GP_AES : KX_KCV_GP_DES;
}

static int
split_write(struct cli *cli, const char *prefix, const kx_component_info *ci,
    const kx_secret *value, int force, kx_diag *d)
{
	kx_buf text = { 0 };
	char *path;
	size_t plen = strlen(prefix) + 8;
	int r, ex;

	if ((path = malloc(plen)) == NULL) {
		cli_error(cli, "out of memory");
		return CLI_USAGE;
	}
	snprintf(path, plen, "%s.%u", prefix, ci->index);
	if ((r = kx_component_write(ci, value, &text, d)) != KX_OK)
		ex = cli_fail(cli, d, r, path);
	else if (cli_cleanup_add(path) != 0) {
		cli_error(cli, "out of memory");
		ex = CLI_USAGE;
	} else
		ex = cli_write(cli, path, text.data, text.len,
		    CLI_KEY_OUT(force));
	kx_buf_free(&text);	/* wipes: the text holds the component */
	free(path);
	return ex == CLI_OK ? CLI_OK : CLI_USAGE;
}

int
cmd_split(int argc, char **argv, struct cli *cli)
{
	const char *arg, *src = NULL, *prefix = NULL, *alg_name = NULL;
	const char *from = NULL, *now = NULL, *policy = NULL;
	char policy_buf[4096];
	kx_xchg_opts xo = { 0 };
	kx_policy *pol = NULL;
	kx_p11_opts po = { 0 };
	char note[512] = "";
	unsigned long n = 0, m = 0;
	kx_secret *key = NULL, *parts[MAX_PARTS] = { 0 };
	uint8_t xs[MAX_PARTS], kcv[KCV_LEN];
	char hex[2 * KCV_LEN + 1];
	kx_component_info ci, pci;
	enum kx_alg fam = KX_ALG_AES, alg, talg = KX_ALG_NONE;
	kx_diag *d = NULL;
	int o, r, exact, force = 0, adjusted, ex = CLI_USAGE;
	unsigned i;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_PARTS:
			if (cli_parse_uint(cli, "parts", arg, 2, MAX_PARTS,
			    &n) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_THRESHOLD:
			if (cli_parse_uint(cli, "threshold", arg, 2,
			    MAX_PARTS, &m) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_KEY:
			src = arg;
			break;
		case O_ALG:
			alg_name = arg;
			break;
		case O_PREFIX:
			prefix = arg;
			break;
		case O_FORCE:
			force = 1;
			break;
		case O_FROM:
			from = arg;
			break;
		case O_NOW:
			now = arg;
			break;
		case O_POLICY:
			policy = arg;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			if (o < 0 || !cli_p11_opt(&po, split_opts[o].name, arg))
				return CLI_USAGE;
		}
	}
	if (cli->optind != argc)
		return cli_usage(cli, "unexpected operand '%s'",
		    argv[cli->optind]);
	if (n == 0)
		return cli_usage(cli, "missing --parts");
	if (m > n)
		return cli_usage(cli, "--threshold %lu is larger than --parts "
		    "%lu", m, n);
	if (m == n)
		m = 0;		/* all parts needed: plain XOR */
	if (alg_name == NULL && from == NULL)
		return cli_usage(cli, "missing --alg");
	if (alg_name != NULL && cli_alg(cli, "alg", alg_name,
	    CLI_ALG(KX_ALG_AES) | CLI_ALG(KX_ALG_TDEA2) |
	    CLI_ALG(KX_ALG_TDEA3), 1, &fam, &exact) != CLI_OK)
		return CLI_USAGE;
	if ((src == NULL) == (from == NULL))
		return cli_usage(cli, "give one of --key and --from");
	if (from != NULL && !cli_is_p11(from))
		return cli_usage(cli, "--from: a pkcs11: URI");
	if (prefix == NULL || prefix[0] == '\0')
		return cli_usage(cli, "missing --out-prefix");
	if ((now != NULL || policy != NULL) && from == NULL)
		return cli_usage(cli, "--now and --policy go with --from");
	/* --from: the export rules decide, as for export */
	if (policy != NULL && (policy = cli_data_path(cli, "policies", policy,
	    policy_buf, sizeof(policy_buf))) == NULL)
		return CLI_USAGE;
	if (from != NULL && ((ex = cli_now(cli, now, &xo.now)) != CLI_OK ||
	    (ex = cli_policy(cli, policy, &pol)) != CLI_OK))
		return ex;
	xo.policy = pol;

	cli_audit_set(cli, KX_AF_OUTPUT, prefix);
	/* the key's source, never a secret: a hex: spec is the key itself,
	 * a URI's pin-value (refused when the token opens) a PIN */
	cli_audit_set(cli, KX_AF_INPUT, from != NULL ? (strstr(from,
	    "pin-value") != NULL ? "pkcs11:" : from) :
	    strncmp(src, "hex:", 4) == 0 ? "hex:" : src);
	if (from != NULL) {
		/* the token says the algorithm; --alg, if given, must agree */
		if ((ex = cli_p11_read(cli, from, &po, &xo, &key, &talg, note,
		    sizeof(note))) != CLI_OK)
			goto out;
		if (alg_name != NULL && (exact ? fam != talg :
		    talg == KX_ALG_AES)) {
			cli_error(cli, "--alg %s: the key in the token is %s",
			    alg_name, kx_name(KX_ENUM_ALG, talg));
			ex = CLI_INVALID;
			goto out;
		}
		fam = talg;
		exact = 1;
	} else if ((ex = cli_load_key(cli, "key", src, fam, 0, &key)) !=
	    CLI_OK)
		goto out;
	if ((ex = cli_alg_fit(cli, "key", fam, exact, kx_secret_len(key),
	    &alg)) != CLI_OK)
		goto out;
	ex = CLI_USAGE;
	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	memset(&ci, 0, sizeof(ci));
	ci.parts = (unsigned)n;
	ci.threshold = m != 0 ? (unsigned)m : (unsigned)n;
	ci.method = m != 0 ? KX_SPLIT_SHAMIR : KX_SPLIT_XOR;
	ci.alg = alg;
	ci.kcv_method = gp_method(alg);
	ci.component_kcv_len = KCV_LEN;
	ci.key_kcv_len = KCV_LEN;
	if (((alg == KX_ALG_TDEA2 || alg == KX_ALG_TDEA3) &&
	    (r = kx_tdea_key_check(key, "--key", d)) != KX_OK) ||
	    (r = kx_kcv_compute(alg, ci.kcv_method, key, ci.key_kcv, KCV_LEN,
	    d)) != KX_OK ||
	    (r = kx_split(key, (unsigned)n, (unsigned)m, parts, xs, d)) !=
	    KX_OK) {
		ex = cli_fail(cli, d, r, "split");
		goto out;
	}
	/* a DES/TDEA key not in odd parity is rebuilt adjusted: say so */
	pci = ci;
	pci.method = KX_SPLIT_XOR;
	adjusted = kx_component_parity_check(&pci, key, "--key", NULL) !=
	    KX_OK;
	/* XOR components of a DES/TDEA key are written in odd parity */
	for (i = 0; i < n; i++)
		kx_des_parity_adjust(alg, ci.method, parts[i]);
	cli_audit_key(cli, 0, ci.key_kcv, KCV_LEN, ci.kcv_method);
	/* Write every file, or none, before printing anything. */
	for (i = 0; i < n; i++) {
		struct stat st;
		char path[4096];

		snprintf(path, sizeof(path), "%s.%u", prefix,
		    m != 0 ? xs[i] : i + 1);
		if (cli_output_check(cli, path) != CLI_OK)
			goto out;
		if (!force && lstat(path, &st) == 0) {
			cli_error(cli, "%s exists; use --force to replace "
			    "it (nothing written)", path);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		ci.index = m != 0 ? xs[i] : i + 1;
		if ((ex = split_write(cli, prefix, &ci, parts[i], force, d)) !=
		    CLI_OK) {
			cli_cleanup_undo();	/* the files written so far */
			cli_error(cli, "nothing written");
			goto out;
		}
	}
	cli_cleanup_forget();
	if (adjusted)
		fprintf(cli->err, "kmsxchg: %s: note: --key is not in odd DES "
		    "parity: its parity bits were adjusted (the components "
		    "rebuild it in odd parity; same KCV)\n", cli->cmd->name);
	if (note[0] != '\0')
		fprintf(cli->out, "%s\n", note);
	for (i = 0; i < n; i++) {
		if ((r = kx_kcv_compute(alg, ci.kcv_method, parts[i], kcv,
		    KCV_LEN, d)) != KX_OK) {
			ex = cli_fail(cli, d, r, "split");
			goto out;
		}
		cli_audit_key(cli, m != 0 ? xs[i] : i + 1, kcv, KCV_LEN,
		    ci.kcv_method);
		kx_hex_encode(kcv, KCV_LEN, hex);
		fprintf(cli->out, "%s.%u KCV %s\n", prefix,
		    m != 0 ? xs[i] : i + 1, hex);
	}
	kx_hex_encode(ci.key_kcv, KCV_LEN, hex);
	fprintf(cli->out, "key KCV %s\n", hex);
	ex = CLI_OK;
out:
	for (i = 0; i < MAX_PARTS; i++)
		kx_secret_free(parts[i]);
	kx_secret_free(key);
	kx_diag_free(d);
	kx_policy_free(pol);
	return ex;
}

/* ---- combine ----------------------------------------------------------- */
static int
get_kcv(const char *s, uint8_t *out)
{
	size_t n;

	return kx_hex_decode(s, strlen(s), out, KCV_LEN, &n) != KX_OK ||
	    n != KCV_LEN ? -1 : 0;
}

int
cmd_combine(int argc, char **argv, struct cli *cli)
{
	const char *arg, *outpath = NULL, *want_hex = NULL, *to = NULL;
	kx_p11_opts po = { 0 };
	kx_component_info *cs = NULL;
	kx_secret *key = NULL, **v = NULL;
	uint8_t want[KCV_LEN];
	char hex[2 * sizeof(cs->key_kcv) + 1];
	kx_diag *d = NULL;
	int o, r, k = 0, i, force = 0, ex = CLI_USAGE;
	size_t kl;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case C_KCV:
			want_hex = arg;
			if (get_kcv(arg, want) != 0)
				return cli_usage(cli, "--kcv: expected %d "
				    "bytes of hex, got '%s'", KCV_LEN, arg);
			break;
		case C_OUTPUT:
			outpath = arg;
			break;
		case C_FORCE:
			force = 1;
			break;
		case C_TO:
			to = arg;
			break;
		case C_UNBOUND:
			po.allow_unbound = 1;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			if (o < 0 || !cli_p11_opt(&po, combine_opts[o].name, arg))
				return CLI_USAGE;
		}
	}
	k = argc - cli->optind;
	if (k < 1)
		return cli_usage(cli, "missing COMPONENT operands");
	if (k == 1)
		return cli_usage(cli, "a single component (%s) cannot rebuild "
		    "a key", argv[cli->optind]);
	if (k > MAX_PARTS)
		return cli_usage(cli, "too many components");
	if (to != NULL && (!cli_is_p11(to) || outpath != NULL))
		return cli_usage(cli, "--to: a pkcs11: URI, without -o");
	if (po.allow_unbound && to == NULL)
		return cli_usage(cli, "--allow-unbound goes with --to pkcs11:");
	if (outpath != NULL && strcmp(outpath, "-") == 0 &&
	    cli_out_is_tty(cli)) {
		cli_error(cli, "refusing to write key material to a "
		    "terminal");
		return CLI_USAGE;
	}
	cli_audit_set(cli, KX_AF_OUTPUT, outpath);
	if ((cs = calloc((size_t)k, sizeof(*cs))) == NULL ||
	    (d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if (to != NULL && (v = calloc((size_t)k, sizeof(*v))) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	for (i = 0; i < k; i++)
		cli_input(argv[cli->optind + i]);
	/* --to: the token may combine them itself (cli_p11_store) */
	r = to != NULL ? kx_components_load((const char *const *)argv +
	    cli->optind, (size_t)k, cs, v, d) :
	    kx_components_combine((const char *const *)argv + cli->optind,
	    (size_t)k, cs, &key, d);
	for (i = 0; i < k && cs[i].index != 0; i++)
		cli_audit_key(cli, cs[i].index, cs[i].component_kcv,
		    cs[i].component_kcv_len, cs[i].kcv_method);
	kl = cs[0].key_kcv_len;
	if (r == KX_OK && to == NULL)
		cli_audit_key(cli, 0, cs[0].key_kcv, kl, cs[0].kcv_method);
	if (r != KX_OK) {
		ex = cli_fail(cli, d, r, "combine");
		goto out;
	}
	ex = CLI_INVALID;
	if (want_hex != NULL && (kl < KCV_LEN ||
	    cli_ct_differ(cs[0].key_kcv, want, KCV_LEN))) {
		cli_error(cli, "the rebuilt key does not match --kcv %s",
		    want_hex);
		goto out;
	}
	if (to != NULL) {
		ex = cli_p11_store(cli, to, &po, argv[cli->optind], cs, v,
		    (size_t)k);
		if (ex == CLI_OK)
			cli_audit_key(cli, 0, cs[0].key_kcv, kl,
			    cs[0].kcv_method);
		goto out;
	}
	if (outpath != NULL) {
		if ((ex = cli_write(cli, outpath, kx_secret_data(key),
		    kx_secret_len(key), CLI_KEY_OUT(force))) != CLI_OK)
			goto out;
		if (strcmp(outpath, "-") == 0)
			goto done;
	}
	kx_hex_encode(cs[0].key_kcv, kl, hex);
	fprintf(cli->out, "key KCV %s\n", hex);
done:
	ex = CLI_OK;
out:
	if (v != NULL)
		for (i = 0; i < k; i++)
			kx_secret_free(v[i]);
	free(v);
	free(cs);
	kx_secret_free(key);
	kx_diag_free(d);
	return ex;
}

int
cmd_seal(int argc, char **argv, struct cli *cli)
{
	const char *arg;
	kx_p11_opts po = { 0 };
	int o;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		if (o == CLI_HELP)
			return CLI_OK;
		if (o == S_UNBOUND)
			po.allow_unbound = 1;
		else if (o < 0 || !cli_p11_opt(&po, seal_opts[o].name, arg))
			return CLI_USAGE;
	}
	if (argc - cli->optind != 1 || !cli_is_p11(argv[cli->optind]))
		return cli_usage(cli, "expected one operand, the transport key "
		    "as a pkcs11: URI (pkcs11:token=...;object=...)");
	return cli_p11_seal(cli, argv[cli->optind], &po);
}
