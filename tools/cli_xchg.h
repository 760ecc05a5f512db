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
	unsigned parts, threshold;
	uint8_t part_kcv[CLI_MAX_REPEAT][3];
	const uint8_t *part_kcvs[CLI_MAX_REPEAT];
};

/*
 * Load a KEK from exactly one of: the key source src, or the component
 * files comps (combined in memory; every component KCV and the key KCV
 * are checked).  Prints what it checks (KCVs only).  Returns an exit code.
 */
int cli_kek_load(struct cli *cli, const char *what, const char *src,
    const struct cli_list *comps, struct cli_kek *kek);
void cli_kek_free(struct cli_kek *kek);

/* Parse --now (NULL = the clock). Returns an exit code. */
int cli_now(struct cli *cli, const char *arg, int64_t *now);
/* Load --policy (NULL = none). Returns an exit code. */
int cli_policy(struct cli *cli, const char *path, kx_policy **out);
/* Serialise doc as fmt and write it (atomically unless "-"). */
int cli_write_doc(struct cli *cli, const kx_doc *doc, enum kx_format fmt,
    const char *path);

#endif
