/*
 * cli.h - the kmsxchg command line: command table, option rows and the
 * helpers every cmd_<name>.c uses.
 *
 * One struct cli_opt row per option is the only description of it: the
 * getopt_long table, `CMD --help`, bash completion (`kmsxchg
 * --complete-words CMD`) and the man-page synopsis test are all derived
 * from it.  State lives in struct cli (no globals) so tests and fuzzers
 * can call cli_main() in process.
 */
#ifndef KMSXCHG_CLI_H
#define KMSXCHG_CLI_H

#include <stdio.h>

#include "kmsxchg.h"

/* Exit codes. */
#define CLI_OK		0	/* done; document(s) valid */
#define CLI_INVALID	1	/* invalid input, failed verification, refused */
#define CLI_USAGE	2	/* usage, I/O or internal error */

/* Values returned by cli_next() besides a row index. */
#define CLI_END		(-1)	/* no more options */
#define CLI_HELP	(-2)	/* --help was given and printed */
#define CLI_BADOPT	(-3)	/* a usage error was reported */

struct cli_opt {
	const char *name;	/* long name without dashes; NULL ends */
	int short_name;		/* 0 for none */
	int has_arg;		/* 0 flag, 1 required argument */
	const char *metavar;	/* argument name for --help; NULL if none */
	const char *help;	/* one line */
};

struct cli;
typedef int cli_cmd_fn(int argc, char **argv, struct cli *cli);

struct cli_cmd {
	const char *name;
	cli_cmd_fn *fn;
	const struct cli_opt *opts;
	const char *operands;	/* synopsis after the options, e.g. FILE... */
	const char *summary;
};

struct cli {
	FILE *out, *err;
	const struct cli_cmd *cmd;	/* the running command */
	int optind;			/* first operand after cli_next() */
	int getopt_ready;
	struct cli_audit *audit;	/* NULL: no audit trail (cli_audit.c) */
	/* built from cmd->opts by the first cli_next() of a command */
	void *longopts;
	char shortopts[128];
};

/* The command table, ending with a NULL name. */
extern const struct cli_cmd cli_commands[];

int cli_main(int argc, char **argv, FILE *out, FILE *err);

/*
 * Next option of the running command: the index of its cli_opt row, with
 * *arg set for options that take one; CLI_END when done (cli->optind is
 * then the first operand); CLI_HELP after printing the help; CLI_BADOPT
 * after printing a usage error.
 */
int cli_next(struct cli *cli, int argc, char **argv, const char **arg);

/* "kmsxchg: CMD: message" on stderr. */
void cli_error(struct cli *cli, const char *fmt, ...) KX_PRINTF(2, 3);
void cli_warn(struct cli *cli, const char *fmt, ...) KX_PRINTF(2, 3);
/* Usage error: message plus a pointer to --help; returns CLI_USAGE. */
int cli_usage(struct cli *cli, const char *fmt, ...) KX_PRINTF(2, 3);

/*
 * Report a failed library call: the error findings of d (one line each),
 * or kx_strerror(rc) with what when d holds none.  Returns the exit code
 * for rc (cli_exit_for).
 */
int cli_fail(struct cli *cli, kx_diag *d, int rc, const char *what);
/*
 * Why a read of path failed, for "cannot read FILE: why": the system's
 * reason (such as "No such file or directory") for an I/O error, the
 * reader's message without the file name for a usage error (not a
 * regular file, KMSXCHG_LIMITS), else kx_strerror(rc).  Borrowed from d
 * or static.
 */
const char *cli_reason(const kx_diag *d, int rc, const char *path);
/*
 * A document could not be read: its findings with file and place (when
 * its content is at fault), then "cannot read FILE: why".  Returns the
 * exit code for rc.
 */
int cli_read_failed(struct cli *cli, const kx_diag *d, int rc,
    const char *path);
/*
 * As cli_read_failed, with "cannot WHAT PATH: why" (what: "read", "use
 * policy", ...).  A file that could not be got at (missing, unreadable,
 * not a regular file: exit 2) gives that one line only.
 */
int cli_input_failed(struct cli *cli, const kx_diag *d, int rc,
    const char *what, const char *path);
/*
 * CLI_INVALID for invalid input, failed verification and refused
 * operations; CLI_USAGE for usage (KX_EUSAGE, KX_ENOTFOUND), I/O and
 * internal errors.
 */
int cli_exit_for(int rc);
/* Print the findings of d from index first as text diagnostics to err. */
void cli_print_findings(struct cli *cli, const kx_diag *d, size_t first,
    const char *file);

/*
 * Algorithm and KCV-method names are the model's (kx_name, codec/names.c),
 * no second list here.  cli_alg takes a name of KX_ENUM_ALG whose bit is in
 * allowed (CLI_ALG(x) | ...), or the family name "tdea" when tdea is set:
 * *exact is then 0 (TDEA3, refined by the key length with cli_alg_fit).
 * cli_kcv_method takes a name of KX_ENUM_KCV_METHOD, or the shorthands "gp"
 * (gp-aes for an AES key, gp-des otherwise) and "zero" (zero-block).
 * Both return an exit code and name the choices on a usage error.
 */
#define CLI_ALG(a)	(1u << (a))
int cli_alg(struct cli *cli, const char *opt, const char *arg,
    unsigned allowed, int tdea, enum kx_alg *alg, int *exact);
/* The algorithm of a klen-byte key (option opt) given as alg: alg when
 * exact (the library checks the length), else TDEA2 or TDEA3 as klen
 * says (exit code 1 for another length). */
int cli_alg_fit(struct cli *cli, const char *opt, enum kx_alg alg, int exact,
    size_t klen, enum kx_alg *out);
int cli_kcv_method(struct cli *cli, const char *opt, const char *arg,
    enum kx_alg alg, enum kx_kcv_method *m);
/* Checked unsigned parse into [min, max]; prints a usage error. */
int cli_parse_uint(struct cli *cli, const char *opt, const char *s,
    unsigned long min, unsigned long max, unsigned long *out);

/*
 * Load a key source for option opt (never echoes a hex: spec); warns for
 * hex:.  The key must fit alg and len as kx_keysrc_load_as() says
 * (KX_ALG_NONE, 0: any bytes).  Returns an exit code.
 */
int cli_load_key(struct cli *cli, const char *opt, const char *spec,
    enum kx_alg alg, size_t len, kx_secret **out);

/*
 * Where status lines go when a document is written to docpath: stderr when
 * the document goes to standard output (NULL or "-"), else stdout.
 */
FILE *cli_status(struct cli *cli, const char *docpath);

/* Load a passphrase source (kx_keysrc_load_pass).  Returns an exit code. */
int cli_load_pass(struct cli *cli, const char *opt, const char *spec,
    kx_secret **out);

/* Whether cli->out is a terminal. */
int cli_out_is_tty(const struct cli *cli);

/*
 * Write a result: to cli->out when path is NULL or "-", else with
 * kx_file_write_atomic() and its flags (KX_WRITE_SECRET: 0600, no symbolic
 * link; KX_WRITE_NEW: refuse an existing file, naming --force).  Returns
 * an exit code.
 */
int cli_write(struct cli *cli, const char *path, const void *p, size_t n,
    int flags);
/*
 * Inputs are never outputs: cli_input() records a file this run reads
 * (cli_input_spec: a file: key, PIN or passphrase source), and
 * cli_output_check() refuses an output that is one of them under any
 * name, symbolic or hard link (one line, CLI_USAGE).  cli_write() and
 * cli_spool_write() check every output path.
 */
void cli_input(const char *path);
void cli_input_spec(const char *spec);
int cli_output_check(struct cli *cli, const char *path);
/*
 * An output built one key at a time, spooled to an unlinked temporary
 * file in $TMPDIR (or /tmp) so that nothing is written until it is
 * complete and memory does not grow with it: cli_spool_open, then
 * cli_spool_sink (a kx_sink) as often as needed, then cli_spool_write
 * (cli_write's behaviour and flags); close(s.fd) after.  Exit codes.
 */
struct cli_spool {
	int fd;
	size_t n;	/* bytes sent, buf's included */
	kx_buf buf;	/* sent, not yet written to fd */
};
int cli_spool_open(struct cli *cli, struct cli_spool *s);
/* Close the spool's file and wipe its buffer (s->fd < 0: nothing). */
void cli_spool_close(struct cli_spool *s);
int cli_spool_sink(void *arg, const void *p, size_t n);
int cli_spool_write(struct cli *cli, struct cli_spool *s, const char *path,
    int flags);
/* A spool and a streaming reader of in (findings to d, reported on
 * failure); the caller closes both, also on failure.  An exit code. */
int cli_stream_open(struct cli *cli, const char *in, struct cli_spool *s,
    kx_reader **r, kx_diag *d);
/* KX_WRITE_SECRET, plus KX_WRITE_NEW unless --force was given. */
#define CLI_KEY_OUT(force)	(KX_WRITE_SECRET | ((force) ? 0 : KX_WRITE_NEW))

/*
 * Removal on SIGINT, SIGTERM, SIGHUP, SIGQUIT: cli_signals() installs the
 * handlers (main only); the handler removes kx_file_write_atomic()'s temp
 * file and every path added (files, then their folders), then dies of the
 * signal.  cli_cleanup_forget() drops the list once the outputs are final.
 * cli_signals() also installs a SIGBUS handler: a fault in an input file
 * the library has mapped (kx_file_fault: the file shrank while it was
 * being read) becomes the reader's I/O error, "cannot read FILE: ..."
 * (kx_file_fault_resume), and the command ends as on any I/O error
 * (should zeros not be mapped in its place: the line, the same temporary
 * files removed, exit 2); any other SIGBUS still kills the process.
 */
void cli_signals(void);
/* A run removes at most this many paths on failure (cli_cleanup_add
 * answers CLI_CLEANUP_FULL beyond it, -1 when out of memory). */
#define CLI_MAX_CLEANUP 1024
#define CLI_CLEANUP_FULL (-2)
int cli_cleanup_add(const char *path);
void cli_cleanup_forget(void);
void cli_cleanup_run(void);
/* Remove every path added (a failed run), then forget them. */
void cli_cleanup_undo(void);

/* Nonzero when a and b differ; time independent of the contents. */
int cli_ct_differ(const void *a, const void *b, size_t n);

/*
 * A template or policy named without a path: when arg holds no '/', does
 * not end in ".xml" and is not an existing file, the path of
 * DATADIR/kind/arg.xml in buf (DATADIR: $KMSXCHG_DATADIR if set and not
 * empty, else the installed $(pkgdatadir)); else arg itself.  kind is
 * "templates" or "policies".  NULL after an error message when the data
 * directory has no such file.
 */
const char *cli_data_path(struct cli *cli, const char *kind, const char *arg,
    char *buf, size_t n);

/*
 * The audit trail (cli_audit.c).  cli_main() calls setup before an
 * audited command (path: --audit, else $KMSXCHG_AUDIT; explicit: given as
 * an option) and finish after it, with its exit code; finish returns the
 * final exit code.  The hooks fill the running command's record and do
 * nothing when auditing is off; the first hook marks the operation as
 * started (no record for usage errors and --help).  Never key material.
 */
int cli_audit_setup(struct cli *cli, const char *path, int explicit);
int cli_audit_finish(struct cli *cli, int ex);
void cli_audit_set(struct cli *cli, enum kx_audit_field f, const char *v);
void cli_audit_doc(struct cli *cli, const kx_doc *doc);
/* The same one key at a time (a kx_xchg_opts.key_seen; arg is the cli). */
void cli_audit_doc_key(void *arg, const kx_doc *head, size_t i,
    const kx_key *k);
/* An unnamed key (split/combine): component 0 is the key itself. */
void cli_audit_key(struct cli *cli, unsigned component, const uint8_t *kcv,
    size_t kcvlen, enum kx_kcv_method m);
void cli_audit_policy(struct cli *cli, const kx_policy *p, const char *path);
void cli_audit_now(struct cli *cli, int64_t now);
void cli_audit_rules(struct cli *cli, const kx_diag *d);

/* Commands. */
int cmd_validate(int argc, char **argv, struct cli *cli);
int cmd_convert(int argc, char **argv, struct cli *cli);
int cmd_show(int argc, char **argv, struct cli *cli);
int cmd_rules(int argc, char **argv, struct cli *cli);
int cmd_kcv(int argc, char **argv, struct cli *cli);
int cmd_wrap(int argc, char **argv, struct cli *cli);
int cmd_unwrap(int argc, char **argv, struct cli *cli);
int cmd_split(int argc, char **argv, struct cli *cli);
int cmd_combine(int argc, char **argv, struct cli *cli);
int cmd_seal(int argc, char **argv, struct cli *cli);
int cmd_export(int argc, char **argv, struct cli *cli);
int cmd_import(int argc, char **argv, struct cli *cli);
int cmd_rewrap(int argc, char **argv, struct cli *cli);
int cmd_audit(int argc, char **argv, struct cli *cli);

extern const struct cli_opt validate_opts[];
extern const struct cli_opt convert_opts[];
extern const struct cli_opt show_opts[];
extern const struct cli_opt rules_opts[];
extern const struct cli_opt kcv_opts[];
extern const struct cli_opt wrap_opts[];
extern const struct cli_opt unwrap_opts[];
extern const struct cli_opt split_opts[];
extern const struct cli_opt combine_opts[];
extern const struct cli_opt seal_opts[];
extern const struct cli_opt export_opts[];
extern const struct cli_opt import_opts[];
extern const struct cli_opt rewrap_opts[];
extern const struct cli_opt audit_opts[];

#endif /* KMSXCHG_CLI_H */
