/*
 * cmd_wrap.c - `kmsxchg wrap` and `kmsxchg unwrap`: one key under one KEK
 * with aes-kw / aes-kwp (RFC 3394 / RFC 5649), tdea-ecb, rsa-oaep-sha256
 * or rsa-aes-kwp (the KEK is then a PEM public key to wrap, a PEM private
 * key to unwrap).  aes-siv-bound binds the key to its profile and is only
 * reachable through export/import.  An RSA KEK under 2048 bits (KX128)
 * and a KEK weaker than the key (KX121: its strength from --key-alg, else
 * as an AES key of its length) are refused unless --policy lowers that
 * rule's severity.
 *
 * Unwrapped output is key material: it goes to -o FILE (0600, atomic) or
 * to a standard output that is not a terminal, never to a terminal.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_xchg.h"

enum { O_ALG, O_KEK, O_KEK_PASS, O_KEY, O_KEY_ALG, O_HEX, O_POLICY, O_OUTPUT,
	O_FORCE };

const struct cli_opt wrap_opts[] = {
	[O_ALG] = { "alg", 'a', 1, "ALG", "aes-kw, aes-kwp, tdea-ecb, "
	    "rsa-oaep-sha256 or rsa-aes-kwp" },
	[O_KEK] = { "kek", 'K', 1, "SRC", "key-encryption key (key source; "
	    "PEM public key for rsa-*)" },
	[O_KEK_PASS] = { "kek-pass", 0, 1, "SRC", "passphrase of an "
	    "encrypted PEM private key given as --kek (key source)" },
	[O_KEY] = { "key", 'k', 1, "SRC", "the key to wrap (key source)" },
	[O_KEY_ALG] = { "key-alg", 0, 1, "ALG", "the key's algorithm for the "
	    "strength rule: aes, des, tdea2, tdea3, tdea or hmac (default: "
	    "as strong as an AES key of its length)" },
	[O_HEX] = { "hex", 'x', 0, NULL, "write the wrapped key as hex text" },
	[O_POLICY] = { "policy", 0, 1, "FILE",
	    "policy document (its severities for KX121, a KEK weaker than the "
	    "key, and KX128, RSA KEKs under 2048 bits)" },
	[O_OUTPUT] = { "output", 'o', 1, "OUT",
	    "write to OUT instead of standard output" },
	[O_FORCE] = { "force", 'f', 0, NULL, "replace an existing OUT" },
	{ NULL, 0, 0, NULL, NULL }
};

enum { U_ALG, U_KEK, U_KEK_PASS, U_IN, U_HEX, U_OUTPUT, U_FORCE };

const struct cli_opt unwrap_opts[] = {
	[U_ALG] = { "alg", 'a', 1, "ALG", "aes-kw, aes-kwp, tdea-ecb, "
	    "rsa-oaep-sha256 or rsa-aes-kwp" },
	[U_KEK] = { "kek", 'K', 1, "SRC", "key-encryption key (key source; "
	    "PEM private key for rsa-*)" },
	[U_KEK_PASS] = { "kek-pass", 0, 1, "SRC", "passphrase of an "
	    "encrypted PEM private key (key source); never prompted" },
	[U_IN] = { "in", 'i', 1, "FILE", "the wrapped key (- for standard "
	    "input)" },
	[U_HEX] = { "hex", 'x', 0, NULL, "read and write hex text" },
	[U_OUTPUT] = { "output", 'o', 1, "OUT",
	    "write the key to OUT (mode 0600)" },
	[U_FORCE] = { "force", 'f', 0, NULL, "replace an existing OUT" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
wrap_alg(struct cli *cli, const char *name, enum kx_wrap_alg *out)
{
	int v;

	if (name == NULL)
		return cli_usage(cli, "missing --alg");
	v = kx_value(KX_ENUM_WRAP_ALG, name);
	switch (v) {
	case KX_WRAP_AES_KW:
	case KX_WRAP_AES_KWP:
	case KX_WRAP_TDEA_ECB:
	case KX_WRAP_RSA_OAEP_SHA256:
	case KX_WRAP_RSA_AES_KWP:
		*out = (enum kx_wrap_alg)v;
		return CLI_OK;
	case KX_WRAP_AES_SIV_BOUND:
	case KX_WRAP_TR31_B_BOUND:
		return cli_usage(cli, "--alg %s binds the key to "
		    "its profile; use 'kmsxchg export'", name);
	default:
		return cli_usage(cli, "--alg: expected aes-kw, aes-kwp, "
		    "tdea-ecb, rsa-oaep-sha256 or rsa-aes-kwp, got '%s'",
		    name);
	}
}

/* The key a KEK source must hold for alg. */
static enum kx_alg
kek_alg(enum kx_wrap_alg alg)
{
	switch (alg) {
	case KX_WRAP_AES_KW:
	case KX_WRAP_AES_KWP:
		return KX_ALG_AES;
	case KX_WRAP_TDEA_ECB:
		return KX_ALG_TDEA3;	/* the family: 16 or 24 bytes */
	default:
		return KX_ALG_RSA;	/* a PEM key */
	}
}

/*
 * Load the KEK for alg; with a passphrase source, it is an encrypted PEM
 * private key, decrypted in secure memory.  No passphrase is ever read
 * from the terminal.
 */
static int
load_kek(struct cli *cli, enum kx_wrap_alg alg, const char *src,
    const char *pass_src, kx_secret **kek)
{
	kx_secret *pem = NULL, *pass = NULL;
	kx_diag *d = NULL;
	int r, ex;

	if (pass_src == NULL)
		return cli_load_key(cli, "kek", src, kek_alg(alg), 0, kek);
	*kek = NULL;
	if ((ex = cli_load_key(cli, "kek", src, KX_ALG_RSA, 0, &pem)) !=
	    CLI_OK || (ex = cli_load_pass(cli, "kek-pass", pass_src, &pass)) !=
	    CLI_OK)
		goto out;
	if ((d = kx_diag_new()) == NULL) {
		ex = cli_fail(cli, NULL, KX_ENOMEM, "--kek-pass");
		goto out;
	}
	if ((r = kx_pem_unlock(pem, pass, kek, d)) != KX_OK)
		ex = cli_fail(cli, d, r, "--kek");
out:
	kx_diag_free(d);
	kx_secret_free(pem);
	kx_secret_free(pass);
	return ex;
}

static int
is_stdout(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

int
cmd_wrap(int argc, char **argv, struct cli *cli)
{
	const char *arg, *alg_name = NULL, *kek_src = NULL, *key_src = NULL;
	const char *outpath = NULL, *policy_path = NULL, *pass_src = NULL;
	enum kx_wrap_alg alg = KX_WRAP_NONE;
	enum kx_alg key_alg = KX_ALG_NONE;
	kx_secret *kek = NULL, *key = NULL;
	kx_policy *policy = NULL;
	kx_diag *d = NULL;
	kx_buf w = { 0 };
	char *text = NULL;
	int o, r, hex = 0, force = 0, exact = 1, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_ALG:
			alg_name = arg;
			break;
		case O_KEK:
			kek_src = arg;
			break;
		case O_KEK_PASS:
			pass_src = arg;
			break;
		case O_KEY:
			key_src = arg;
			break;
		case O_KEY_ALG:
			if (cli_alg(cli, "key-alg", arg, CLI_ALG(KX_ALG_AES) |
			    CLI_ALG(KX_ALG_DES) | CLI_ALG(KX_ALG_TDEA2) |
			    CLI_ALG(KX_ALG_TDEA3) | CLI_ALG(KX_ALG_HMAC), 1,
			    &key_alg, &exact) != CLI_OK)
				return CLI_USAGE;
			break;
		case O_HEX:
			hex = 1;
			break;
		case O_POLICY:
			policy_path = arg;
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
	if (cli->optind != argc)
		return cli_usage(cli, "unexpected operand '%s'",
		    argv[cli->optind]);
	if (wrap_alg(cli, alg_name, &alg) != CLI_OK)
		return CLI_USAGE;
	if (kek_src == NULL)
		return cli_usage(cli, "missing --kek");
	if (key_src == NULL)
		return cli_usage(cli, "missing --key");
	if (!hex && is_stdout(outpath) && cli_out_is_tty(cli)) {
		cli_error(cli, "refusing to write binary to a terminal; use "
		    "--hex or -o FILE");
		return CLI_USAGE;
	}
	if ((ex = cli_policy(cli, policy_path, &policy)) != CLI_OK ||
	    (ex = load_kek(cli, alg, kek_src, pass_src, &kek)) != CLI_OK ||
	    (ex = cli_load_key(cli, "key", key_src, key_alg, 0, &key)) !=
	    CLI_OK || (ex = cli_alg_fit(cli, "key-alg", key_alg, exact,
	    kx_secret_len(key), &key_alg)) != CLI_OK)
		goto out;
	ex = CLI_USAGE;
	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	/* the rules first: nothing is wrapped under a key they refuse */
	r = kx_wrap_check(alg, kek, key_alg, kx_secret_len(key), NULL, policy,
	    (int64_t)time(NULL), d);
	cli_print_findings(cli, d, 0, kek_src);
	if (r == KX_EPOLICY) {
		cli_error(cli, "wrap refused: nothing written");
		ex = cli_exit_for(r);
		goto out;
	}
	kx_diag_clear(d);
	if (r != KX_OK || (r = kx_wrap(alg, kek, key, NULL, 0, &w, d)) !=
	    KX_OK) {
		ex = cli_fail(cli, d, r, "wrap");
		goto out;
	}
	if (hex) {
		/* The wrapped key is not secret; hex is for readability. */
		if ((text = malloc(2 * w.len + 2)) == NULL) {
			cli_error(cli, "%s", kx_strerror(KX_ENOMEM));
			goto out;
		}
		kx_hex_encode(w.data, w.len, text);
		text[2 * w.len] = '\n';
		ex = cli_write(cli, outpath, text, 2 * w.len + 1,
		    force ? 0 : KX_WRITE_NEW);
	} else {
		/* a wrapped key is key material: no silent overwrite */
		ex = cli_write(cli, outpath, w.data, w.len, KX_WRITE_BINARY |
		    (force ? 0 : KX_WRITE_NEW));
	}
out:
	free(text);
	kx_buf_free(&w);
	kx_secret_free(kek);
	kx_secret_free(key);
	kx_policy_free(policy);
	kx_diag_free(d);
	return ex;
}

int
cmd_unwrap(int argc, char **argv, struct cli *cli)
{
	const char *arg, *alg_name = NULL, *kek_src = NULL, *in = NULL;
	const char *outpath = NULL, *pass_src = NULL;
	enum kx_wrap_alg alg = KX_WRAP_NONE;
	kx_secret *kek = NULL, *key = NULL, *text = NULL;
	kx_diag *d = NULL;
	kx_buf b = { 0 };
	uint8_t *wrapped = NULL;
	size_t wlen = 0, klen;
	int o, r, hex = 0, force = 0, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case U_ALG:
			alg_name = arg;
			break;
		case U_KEK:
			kek_src = arg;
			break;
		case U_KEK_PASS:
			pass_src = arg;
			break;
		case U_IN:
			in = arg;
			break;
		case U_HEX:
			hex = 1;
			break;
		case U_OUTPUT:
			outpath = arg;
			break;
		case U_FORCE:
			force = 1;
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
	if (wrap_alg(cli, alg_name, &alg) != CLI_OK)
		return CLI_USAGE;
	if (kek_src == NULL)
		return cli_usage(cli, "missing --kek");
	if (in == NULL)
		return cli_usage(cli, "missing --in");
	if (is_stdout(outpath) && cli_out_is_tty(cli)) {
		cli_error(cli, "refusing to write key material to a "
		    "terminal; use -o FILE or a pipe");
		return CLI_USAGE;
	}
	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		goto out;
	}
	cli_input(in);
	if ((r = kx_file_read(in, 0, &b, d)) != KX_OK) {
		ex = cli_fail(cli, d, r, in);
		ex = CLI_USAGE;
		goto out;
	}
	if (hex) {
		if (kx_hex_decode((const char *)b.data, b.len, b.data, b.len,
		    &wlen) != KX_OK) {
			cli_error(cli, "%s: expected hex text", in);
			ex = CLI_INVALID;
			goto out;
		}
	} else {
		wlen = b.len;
	}
	wrapped = b.data;
	if ((ex = load_kek(cli, alg, kek_src, pass_src, &kek)) != CLI_OK)
		goto out;
	ex = CLI_USAGE;
	if ((r = kx_unwrap(alg, kek, wrapped, wlen, NULL, 0, &key, d)) !=
	    KX_OK) {
		ex = cli_fail(cli, d, r, "unwrap");
		goto out;
	}
	klen = kx_secret_len(key);
	if (hex) {
		/* Hex of a key is key material: keep it in a kx_secret. */
		if ((r = kx_secret_new(2 * klen + 2, &text)) != KX_OK) {
			cli_error(cli, "%s", kx_strerror(r));
			goto out;
		}
		kx_hex_encode(kx_secret_data(key), klen,
		    (char *)kx_secret_mut(text));
		kx_secret_mut(text)[2 * klen] = '\n';
		ex = cli_write(cli, outpath, kx_secret_data(text),
		    2 * klen + 1, CLI_KEY_OUT(force));
	} else {
		ex = cli_write(cli, outpath, kx_secret_data(key), klen,
		    CLI_KEY_OUT(force));
	}
out:
	kx_buf_free(&b);
	kx_secret_free(text);
	kx_secret_free(kek);
	kx_secret_free(key);
	kx_diag_free(d);
	return ex;
}
