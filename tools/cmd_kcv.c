/*
 * cmd_kcv.c - `kmsxchg kcv`: the key check value of a key, upper-case hex
 * on one line.  gp means gp-aes for AES and gp-des for TDEA/DES (GP Card
 * Specification 2.3.1 B.6 / Amd D), cmac the CMAC of a zero block, zero
 * the first bytes of E(K, 0^n).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "cli.h"

enum { O_ALG, O_METHOD, O_LEN, O_KEY };

const struct cli_opt kcv_opts[] = {
	[O_ALG] = { "alg", 'a', 1, "ALG", "key algorithm: aes, des, tdea2, "
	    "tdea3 or tdea (the key length decides)" },
	[O_METHOD] = { "method", 'm', 1, "METHOD",
	    "gp (default), zero, gp-des, gp-aes, zero-block or cmac" },
	[O_LEN] = { "len", 'l', 1, "N",
	    "KCV length in bytes: 3, or 3 to 5 for cmac (default 5)" },
	[O_KEY] = { "key", 'k', 1, "SRC", "the key (key source)" },
	{ NULL, 0, 0, NULL, NULL }
};

int
cmd_kcv(int argc, char **argv, struct cli *cli)
{
	const char *arg, *alg_name = NULL, *method = "gp", *src = NULL;
	enum kx_kcv_method m;
	enum kx_alg alg;
	kx_secret *key = NULL;
	kx_diag *d = NULL;
	unsigned long len = 0;
	uint8_t kcv[KX_KCV_MAX_LEN];
	char hex[2 * sizeof(kcv) + 2];
	size_t klen, lo, hi;
	int o, r, exact, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_ALG:
			alg_name = arg;
			break;
		case O_METHOD:
			method = arg;
			break;
		case O_LEN:
			if (cli_parse_uint(cli, "len", arg, 1, 16, &len) !=
			    CLI_OK)
				return CLI_USAGE;
			break;
		case O_KEY:
			src = arg;
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (cli->optind != argc)
		return cli_usage(cli, "unexpected operand '%s'",
		    argv[cli->optind]);
	if (alg_name == NULL)
		return cli_usage(cli, "missing --alg");
	if (src == NULL)
		return cli_usage(cli, "missing --key");
	if (cli_alg(cli, "alg", alg_name, CLI_ALG(KX_ALG_AES) |
	    CLI_ALG(KX_ALG_DES) | CLI_ALG(KX_ALG_TDEA2) | CLI_ALG(KX_ALG_TDEA3),
	    1, &alg, &exact) != CLI_OK ||
	    cli_kcv_method(cli, "method", method, alg, &m) != CLI_OK)
		return CLI_USAGE;
	if (len == 0)
		len = kx_kcv_default_len(m);
	if (kx_kcv_len_range(m, &lo, &hi) != KX_OK || len < lo || len > hi)
		return lo == hi ?
		    cli_usage(cli, "--len: a %s KCV has %zu bytes",
		    kx_name(KX_ENUM_KCV_METHOD, m), lo) :
		    cli_usage(cli, "--len: a %s KCV has %zu to %zu bytes",
		    kx_name(KX_ENUM_KCV_METHOD, m), lo, hi);

	if ((ex = cli_load_key(cli, "key", src, alg, 0, &key)) != CLI_OK)
		goto out;
	ex = CLI_USAGE;
	klen = kx_secret_len(key);
	if ((ex = cli_alg_fit(cli, "key", alg, exact, klen, &alg)) != CLI_OK)
		goto out;
	ex = CLI_USAGE;

	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	if ((r = kx_kcv_compute(alg, m, key, kcv, len, d)) != KX_OK) {
		ex = cli_fail(cli, d, r, "kcv");
		goto out;
	}
	kx_hex_encode(kcv, len, hex);
	fprintf(cli->out, "%s\n", hex);
	ex = CLI_OK;
out:
	explicit_bzero(kcv, sizeof(kcv));
	kx_secret_free(key);
	kx_diag_free(d);
	return ex;
}
