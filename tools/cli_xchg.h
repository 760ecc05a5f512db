/*
 * cli_xchg.h - what export, import and rewrap share: loading a transport
 * key from a key source or from its components (a key ceremony in
 * memory), repeated options, and key-id <-> key-source pairs.
 */
#ifndef KMSXCHG_CLI_XCHG_H
#define KMSXCHG_CLI_XCHG_H

#include "cli.h"

#define CLI_MAX_REPEAT 64

struct cli_list {
	const char *v[CLI_MAX_REPEAT];
	size_t n;
};

/* Append a repeated option's argument; returns an exit code. */
int cli_list_add(struct cli *cli, struct cli_list *l, const char *opt,
    const char *arg);

/* The transport key and, when built from components, its ceremony. */
struct cli_kek {
	kx_secret *key;
	enum kx_alg alg;	/* its family as named or from the components;
				 * KX_ALG_NONE when neither says */
	unsigned parts, threshold;
	uint8_t part_kcv[CLI_MAX_REPEAT][3];
	const uint8_t *part_kcvs[CLI_MAX_REPEAT];
};

/*
 * Load a KEK from exactly one of: the key source src, or the component
 * files comps (combined in memory; every component KCV and the key KCV
 * are checked).  Prints what it checks (KCVs only).  fam is the family
 * named by option --alg_opt, the source option's name followed by "-alg"
 * (KX_ALG_NONE: not named); the components' algorithm must agree.  need_alg: a 16- or 24-byte key from a
 * key source (AES or TDEA?) needs --alg_opt.  Returns an exit code.
 */
int cli_kek_load(struct cli *cli, const char *what, const char *src,
    const struct cli_list *comps, enum kx_alg fam, const char *alg_opt,
    int need_alg, struct cli_kek *kek);
/* Parse the family of a --*-kek-alg option: aes or tdea. */
int cli_kek_family(struct cli *cli, const char *opt, const char *arg,
    enum kx_alg *fam);
void cli_kek_free(struct cli_kek *kek);

/* What export, import and rewrap share: --now, --policy, --to, -o,
 * --force, the document read and the diagnostics. */
struct cli_xchg {
	struct cli *cli;	/* set by cli_xchg_open (audit record) */
	const char *now, *policy_path, *to, *out, *against_path;
	int force;		/* --force: replace an existing -o FILE */
	char policy_buf[4096];	/* policy_path of a policy given by name */
	enum kx_format fmt;	/* output format, resolved by cli_xchg_open */
	kx_policy *policy;
	kx_doc *doc, *against;
	kx_diag *d;
	kx_xchg_opts xo;
	uint8_t kek_kcv[16];	/* xo.kek_kcv points here (one AES block) */
	int quiet;		/* --quiet: no progress line */
	struct cli_progress *progress;	/* set by cli_progress_begin */
};

/*
 * A progress line on stderr ("VERB: DONE/TOTAL keys, RATE keys/s, ETA")
 * for an operation that runs longer than a second (KMSXCHG_PROGRESS_DELAY
 * seconds), redrawn at most five times a second: only when stderr is a
 * terminal and --quiet was not given.  cli_progress_begin hooks it into
 * x->xo (kx_import, kx_rewrap); cli_progress_end erases the line.
 */
void cli_progress_begin(struct cli_xchg *x, const char *verb);
void cli_progress_end(struct cli_xchg *x);

/*
 * --kek-kcv HEX[:METHOD] (import) / --from-kek-kcv (rewrap): the KCV of
 * the transport key read from, for documents that carry none (GP).
 * METHOD: gp (default: gp-des or gp-aes by family), gp-des, gp-aes,
 * zero-block or cmac.  Returns an exit code.
 */
int cli_kek_kcv(struct cli *cli, const char *opt, const char *arg,
    struct cli_xchg *x);
/* Take a shared option by its long name; 1 if it was one. */
int cli_xchg_opt(struct cli_xchg *x, const char *name, const char *arg);
/*
 * Resolve --to (default: the input's format, or def when given) and
 * --now, read `in` (format from content) and load the policy.  Returns an
 * exit code; cli_xchg_close() frees everything either way.
 */
int cli_xchg_open(struct cli *cli, struct cli_xchg *x, const char *in,
    enum kx_format def);
/* The same with `in` opened for reading one key at a time (*r), not read;
 * x->xo.key_seen records the keys in the audit record as they come. */
int cli_xchg_stream(struct cli *cli, struct cli_xchg *x, const char *in,
    enum kx_format def, kx_reader **r);
void cli_xchg_close(struct cli_xchg *x);
/*
 * A document whose format records the transport key's wrapping mode only
 * (a GP KeyProfile) read with an AES KEK (named, or 32 bytes): its CBC
 * values are GP's AES-CBC (kx_doc_aes_transport), and x->xo.from_kek_alg
 * says AES.  CLI_OK when there is nothing to do.
 */
int cli_aes_transport(struct cli *cli, struct cli_xchg *x, const char *in,
    const struct cli_kek *kek);
/* Print the findings and "refused: nothing written"; exit code for r. */
int cli_xchg_refused(struct cli *cli, struct cli_xchg *x, const char *in,
    int r);

/* Parse --now (NULL = the clock). Returns an exit code. */
int cli_now(struct cli *cli, const char *arg, int64_t *now);
/* Load --policy (NULL = none). Returns an exit code. */
int cli_policy(struct cli *cli, const char *path, kx_policy **out);
/*
 * The names of the formats that have every bit of caps (KX_CAP_*), in
 * the table's order, as "a, b or c", for messages.
 */
void cli_format_list(unsigned caps, char *buf, size_t n);
/*
 * Refuse (print, return CLI_USAGE) to write a binary format to standard
 * output when that is a terminal (path NULL or "-"); CLI_OK otherwise.
 */
int cli_binary_tty(struct cli *cli, enum kx_format fmt, const char *path);
/*
 * The cli_write() flags for a document: KX_WRITE_SECRET when it carries a
 * clear value, KX_WRITE_NEW when it carries any value (clear or wrapped:
 * key material) unless force.
 */
int cli_doc_out(const kx_doc *doc, int force);
/* Serialise doc as fmt and write it (atomically unless "-") with the
 * flags of cli_doc_out(doc, force). */
int cli_write_doc(struct cli *cli, const kx_doc *doc, enum kx_format fmt,
    const char *path, int force);

#endif
