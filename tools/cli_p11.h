/*
 * cli_p11.h - show, export and import on PKCS#11 tokens (cli_p11.c).
 */
#ifndef KMSXCHG_CLI_P11_H
#define KMSXCHG_CLI_P11_H

#include "cli_xchg.h"

/* The option rows every token command has (--module, --pin-source). */
#define CLI_P11_OPTS(mod, pin) \
	[mod] = { "module", 0, 1, "PATH", \
	    "PKCS#11 module to load (else the URI's module-path)" }, \
	[pin] = { "pin-source", 0, 1, "SRC", \
	    "the token's PIN: file:PATH, fd:N or env:VAR (never on the " \
	    "command line)" }

/* Take --module or --pin-source (by long name) into po; 1 if it was one. */
int cli_p11_opt(kx_p11_opts *po, const char *name, const char *arg);
/* 1 if s is a PKCS#11 URI ("pkcs11:..."). */
int cli_is_p11(const char *s);
/* `show pkcs11:URI`: the token's keys as profiles.  Exit code. */
int cli_p11_show(struct cli *cli, const char *uri, const kx_p11_opts *po);
/* `export --from pkcs11:URI --kek pkcs11:URI`.  Exit code. */
int cli_p11_export(struct cli *cli, struct cli_xchg *x, const char *from,
    const char *kek, const kx_p11_opts *po);
/* `import --to pkcs11:URI --kek SRC IN`.  Exit code. */
int cli_p11_import(struct cli *cli, struct cli_xchg *x, const char *to,
    const char *kek, const char *in, const kx_p11_opts *po);
/* `combine --to pkcs11:URI`: the key of the loaded components v[n]
 * (kx_components_load; info ci, name the first file) into the token:
 * XORed in the token where it has CKM_XOR_BASE_AND_DATA (kx_p11_combine),
 * else combined in process and stored (kx_p11_store).  Exit code. */
int cli_p11_store(struct cli *cli, const char *uri, const kx_p11_opts *po,
    const char *name, const kx_component_info *ci, kx_secret *const *v,
    size_t n);

/* `seal pkcs11:URI`: the KBEK and KBAK of an older AES transport key
 * stored beside it, then CKA_DERIVE cleared (kx_p11_seal).  Exit code. */
int cli_p11_seal(struct cli *cli, const char *uri, const kx_p11_opts *po);

/* `split --from pkcs11:URI`: the value of the key the URI names, on the
 * secure heap (kx_p11_read, the export rules under xo's policy and
 * time), *alg its algorithm; note[nsize] says how it was read, for the
 * caller to print.  Exit code. */
int cli_p11_read(struct cli *cli, const char *uri, const kx_p11_opts *po,
    const kx_xchg_opts *xo, kx_secret **key, enum kx_alg *alg, char *note,
    size_t nsize);

#endif
