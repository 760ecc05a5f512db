/*
 * cli.c - command table, global options, option parsing, exit codes and
 * the output helpers shared by the commands.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

const struct cli_cmd cli_commands[] = {
	{ "validate", cmd_validate, validate_opts, "FILE...",
	    "check documents against the KXnnn rules" },
	{ "convert", cmd_convert, convert_opts, "IN",
	    "convert a document to another format (kmsxchg(5))" },
	{ "show", cmd_show, show_opts, "IN",
	    "summarise a document, one line per key" },
	{ "rules", cmd_rules, rules_opts, "",
	    "list every validation rule" },
	{ "kcv", cmd_kcv, kcv_opts, "",
	    "compute a key check value" },
	{ "wrap", cmd_wrap, wrap_opts, "",
	    "wrap a key under a key-encryption key" },
	{ "unwrap", cmd_unwrap, unwrap_opts, "",
	    "unwrap a wrapped key" },
	{ "split", cmd_split, split_opts, "",
	    "split a key into component files" },
	{ "combine", cmd_combine, combine_opts, "COMPONENT...",
	    "combine component files into a key" },
	{ "seal", cmd_seal, seal_opts, "URI",
	    "store the bound-form keys of a token's transport key that can "
	    "still derive, then clear CKA_DERIVE" },
	{ "export", cmd_export, export_opts, "",
	    "export keys with their values protected for a receiver" },
	{ "import", cmd_import, import_opts, "IN",
	    "import keys from a received document" },
	{ "rewrap", cmd_rewrap, rewrap_opts, "IN",
	    "rewrap key values under a new transport key" },
	{ "audit", cmd_audit, audit_opts, "verify FILE",
	    "verify an audit trail's hash chain" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const struct cli_opt help_opt = {
	"help", 'h', 0, NULL, "show this help and exit"
};

/* ---- messages ---------------------------------------------------------- */
static void
vmsg(struct cli *cli, const char *kind, const char *fmt, va_list ap)
{
	fputs("kmsxchg: ", cli->err);
	if (cli->cmd != NULL)
		fprintf(cli->err, "%s: ", cli->cmd->name);
	if (kind != NULL)
		fprintf(cli->err, "%s: ", kind);
	vfprintf(cli->err, fmt, ap);
	fputc('\n', cli->err);
}

void
cli_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cli, NULL, fmt, ap);
	va_end(ap);
}

void
cli_warn(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cli, "warning", fmt, ap);
	va_end(ap);
}

int
cli_usage(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cli, NULL, fmt, ap);
	va_end(ap);
	fprintf(cli->err, "Try 'kmsxchg %s%s--help' for more information.\n",
	    cli->cmd != NULL ? cli->cmd->name : "",
	    cli->cmd != NULL ? " " : "");
	return CLI_USAGE;
}

int
cli_exit_for(int rc)
{
	switch (rc) {
	case KX_OK:
		return CLI_OK;
	/* invalid input, failed verification, a refused operation */
	case KX_ESYNTAX:
	case KX_ESCHEMA:
	case KX_ELIMIT:
	case KX_ECRYPTO:
	case KX_EUNSUPPORTED:
	case KX_EPOLICY:
	case KX_EKCV:
	case KX_EPERM:
	case KX_EINPUT:
		return CLI_INVALID;
	/* usage (KX_EUSAGE, KX_ENOTFOUND: a name that names nothing), I/O
	 * and internal errors */
	default:
		return CLI_USAGE;
	}
}

/* The message without a leading "CMD: " that our own prefix repeats. */
static const char *
unprefixed(const struct cli *cli, const char *m)
{
	size_t k;

	if (cli->cmd == NULL || m == NULL)
		return m;
	k = strlen(cli->cmd->name);
	return strncmp(m, cli->cmd->name, k) == 0 && m[k] == ':' &&
	    m[k + 1] == ' ' ? m + k + 2 : m;
}

int
cli_fail(struct cli *cli, kx_diag *d, int rc, const char *what)
{
	const kx_finding *f;
	size_t i, n = d != NULL ? kx_diag_count(d) : 0, shown = 0;

	for (i = 0; i < n; i++) {
		f = kx_diag_get(d, i);
		if (f == NULL || f->severity < KX_SEV_ERROR)
			continue;
		if (f->rule[0] != '\0')
			cli_error(cli, "[%s] %s", f->rule, f->message);
		else
			cli_error(cli, "%s", unprefixed(cli, f->message));
		shown++;
	}
	if (d != NULL && kx_diag_dropped(d, KX_SEV_ERROR) > 0) {
		cli_error(cli, "%zu more errors not printed (limit of %d "
		    "findings reached)", kx_diag_dropped(d, KX_SEV_ERROR),
		    KX_DIAG_MAX_FINDINGS);
		shown++;
	}
	if (shown == 0)
		cli_error(cli, "%s: %s", what, kx_strerror(rc));
	return cli_exit_for(rc);
}

/* m without a leading "PREFIXpath: ", or NULL when it has none. */
static const char *
after_name(const char *m, const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	if (strncmp(m, prefix, n) != 0)
		return NULL;
	m += n;
	n = strlen(path);
	if (strncmp(m, path, n) != 0 || m[n] != ':' || m[n + 1] != ' ')
		return NULL;
	return m + n + 2;
}

const char *
cli_reason(const kx_diag *d, int rc, const char *path)
{
	static const char *const verbs[] = { "", "cannot open ",
	    "cannot stat ", "cannot read " };
	const kx_finding *f;
	const char *p;
	size_t i, k;

	if (rc == KX_ENOTFOUND)
		return "No such file or directory";
	if (rc != KX_EIO && rc != KX_EUSAGE)
		return kx_strerror(rc);
	/*
	 * The file's own finding without its name: "cannot open F:
	 * Permission denied", "F: not a regular file (a FIFO); ...".  Any
	 * other message (KMSXCHG_LIMITS: ...) as it is.
	 */
	for (i = d != NULL ? kx_diag_count(d) : 0; i-- > 0;) {
		f = kx_diag_get(d, i);
		if (f->severity < KX_SEV_ERROR || f->rule[0] != '\0' ||
		    f->message == NULL)
			continue;
		for (k = 0; path != NULL && k < sizeof(verbs) /
		    sizeof(verbs[0]); k++)
			if ((p = after_name(f->message, verbs[k], path)) !=
			    NULL && *p != '\0')
				return p;
		if (rc == KX_EUSAGE)
			return f->message;
		/* an I/O message: the part after its last ": " */
		if ((p = strrchr(f->message, ':')) != NULL && p[1] == ' ' &&
		    p[2] != '\0')
			return p + 2;
	}
	return kx_strerror(rc);
}

int
cli_input_failed(struct cli *cli, const kx_diag *d, int rc, const char *what,
    const char *path)
{
	/* the file could not be got at: one line says why, nothing more */
	if (cli_exit_for(rc) != CLI_USAGE)
		cli_print_findings(cli, d, 0, path);
	cli_error(cli, "cannot %s %s: %s", what, path,
	    cli_reason(d, rc, path));
	return cli_exit_for(rc);
}

int
cli_read_failed(struct cli *cli, const kx_diag *d, int rc, const char *path)
{
	return cli_input_failed(cli, d, rc, "read", path);
}

void
cli_print_findings(struct cli *cli, const kx_diag *d, size_t first,
    const char *file)
{
	kx_report_file rf;
	kx_buf b = { 0 };
	size_t n = kx_diag_count(d);
	int s;

	memset(&rf, 0, sizeof(rf));
	for (s = KX_SEV_NOTE; s <= KX_SEV_ERROR; s++)
		rf.dropped[s] = kx_diag_dropped(d, (enum kx_severity)s);
	if (first > n)
		first = n;
	if (first == n && kx_diag_count_at(d, KX_SEV_NOTE) <= n)
		return;
	rf.file = file;
	rf.first = first;
	rf.count = n - first;
	if (kx_report_write(d, &rf, 1, KX_REPORT_TEXT, &b) == KX_OK) {
		if (b.len > 0)
			fwrite(b.data, 1, b.len, cli->err);
	} else {
		/* The report writer is unavailable: print plainly. */
		for (; first < n; first++) {
			const kx_finding *f = kx_diag_get(d, first);
			const char *sev = f->severity == KX_SEV_ERROR ?
			    "error" : f->severity == KX_SEV_WARNING ?
			    "warning" : "note";

			fprintf(cli->err, "%s:%u:%u: %s: ",
			    f->file != NULL ? f->file : file,
			    (unsigned)f->line, (unsigned)f->col, sev);
			if (f->rule[0] != '\0')
				fprintf(cli->err, "[%s] ", f->rule);
			fprintf(cli->err, "%s\n", f->message);
		}
	}
	kx_buf_free(&b);
}

/* ---- the model's names ------------------------------------------------ */
/* "a, b or c" of the names of enum t whose bit is in allowed (+ extra). */
static void
choices(enum kx_enum_type t, unsigned allowed, const char *extra,
    char *out, size_t max)
{
	const char *v[34];
	size_t n = 0, i, len = 0;
	int a;

	for (a = 0; a < kx_enum_count(t) && a < 32; a++)
		if (allowed & (1u << a))
			v[n++] = kx_name(t, a);
	if (extra != NULL)
		v[n++] = extra;
	out[0] = '\0';
	for (i = 0; i < n && len < max; i++) {
		snprintf(out + len, max - len, "%s%s", i == 0 ? "" :
		    i + 1 == n ? " or " : ", ", v[i]);
		len = strlen(out);
	}
}

int
cli_alg(struct cli *cli, const char *opt, const char *arg, unsigned allowed,
    int tdea, enum kx_alg *alg, int *exact)
{
	char ch[160];
	int v;

	*exact = 1;
	if (tdea && strcmp(arg, "tdea") == 0) {
		*alg = KX_ALG_TDEA3;
		*exact = 0;
		return CLI_OK;
	}
	if ((v = kx_value(KX_ENUM_ALG, arg)) >= 0 && v < 32 &&
	    (allowed & (1u << v))) {
		*alg = (enum kx_alg)v;
		return CLI_OK;
	}
	choices(KX_ENUM_ALG, allowed, tdea ? "tdea" : NULL, ch, sizeof(ch));
	return cli_usage(cli, "--%s: expected %s, got '%s'", opt, ch, arg);
}

int
cli_alg_fit(struct cli *cli, const char *opt, enum kx_alg alg, int exact,
    size_t klen, enum kx_alg *out)
{
	enum kx_alg a;

	*out = alg;	/* an exact name: the library checks the length */
	if (exact)
		return CLI_OK;
	if (kx_alg_for_len(alg, klen, &a) != KX_OK || a == KX_ALG_DES) {
		cli_error(cli, "--%s: a TDEA key has 16 or 24 bytes, not %zu",
		    opt, klen);
		return CLI_INVALID;	/* the key given is invalid */
	}
	*out = a;
	return CLI_OK;
}

int
cli_kcv_method(struct cli *cli, const char *opt, const char *arg,
    enum kx_alg alg, enum kx_kcv_method *m)
{
	char ch[160];
	int v;

	if (strcmp(arg, "gp") == 0)
		v = alg == KX_ALG_AES ? KX_KCV_GP_AES : KX_KCV_GP_DES;
	else if (strcmp(arg, "zero") == 0)
		v = KX_KCV_ZERO_BLOCK;
	else
		v = kx_value(KX_ENUM_KCV_METHOD, arg);
	if (v == KX_KCV_SPKI_SHA256 && alg != KX_ALG_RSA && alg != KX_ALG_EC)
		return cli_usage(cli, "--%s: spki-sha256 is the fingerprint of "
		    "an rsa or ec public key, not a KCV of %s %s key", opt,
		    strchr("aeiou", kx_name(KX_ENUM_ALG, alg)[0]) != NULL ?
		    "an" : "a", kx_name(KX_ENUM_ALG, alg));
	if (v > KX_KCV_NONE) {
		*m = (enum kx_kcv_method)v;
		return CLI_OK;
	}
	choices(KX_ENUM_KCV_METHOD, ~(1u | 1u << KX_KCV_SPKI_SHA256), NULL, ch,
	    sizeof(ch));
	return cli_usage(cli, "--%s: expected gp, zero, %s, got '%s'", opt,
	    ch, arg);
}

/* ---- numbers, hex, keys, output ---------------------------------------- */
int
cli_parse_uint(struct cli *cli, const char *opt, const char *s,
    unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		goto bad;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return CLI_OK;
bad:
	return cli_usage(cli, "--%s: expected a number from %lu to %lu, "
	    "got '%s'", opt, min, max, s != NULL ? s : "");
}

int
cli_ct_differ(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= x[i] ^ y[i];
	return acc != 0;
}

int
cli_load_key(struct cli *cli, const char *opt, const char *spec,
    enum kx_alg alg, size_t len, kx_secret **out)
{
	kx_diag *d = kx_diag_new();
	int insecure = 0, r;

	*out = NULL;
	if (d == NULL) {
		cli_error(cli, "out of memory");
		return CLI_USAGE;
	}
	cli_input_spec(spec);
	r = kx_keysrc_load_as(spec, alg, len, out, &insecure, d);
	if (insecure || strncmp(spec, "hex:", 4) == 0)
		cli_warn(cli, "hex: key source is visible in the process "
		    "list; use it for tests only");
	if (r != KX_OK) {
		/*
		 * Name the option, never the spec: a hex: spec is the key.
		 * Findings come from the key-source loader, which never
		 * echoes hex: material.
		 */
		char what[64];

		snprintf(what, sizeof(what), "--%s", opt);
		r = cli_fail(cli, d, r, what);
		kx_diag_free(d);
		kx_secret_free(*out);
		*out = NULL;
		return r;
	}
	kx_diag_free(d);
	return CLI_OK;
}

int
cli_load_pass(struct cli *cli, const char *opt, const char *spec,
    kx_secret **out)
{
	kx_diag *d = kx_diag_new();
	char what[64];
	int r;

	*out = NULL;
	if (d == NULL) {
		cli_error(cli, "out of memory");
		return CLI_USAGE;
	}
	cli_input_spec(spec);
	if ((r = kx_keysrc_load_pass(spec, out, d)) != KX_OK) {
		snprintf(what, sizeof(what), "--%s", opt);
		r = cli_fail(cli, d, r, what);
	}
	kx_diag_free(d);
	return r == KX_OK ? CLI_OK : r;
}

FILE *
cli_status(struct cli *cli, const char *docpath)
{
	return docpath == NULL || strcmp(docpath, "-") == 0 ? cli->err :
	    cli->out;
}

int
cli_out_is_tty(const struct cli *cli)
{
	int fd = fileno(cli->out);

	return fd >= 0 && isatty(fd);
}

/* ---- inputs are never outputs ----------------------------------------- */
/*
 * The files this run reads (cli_input), by device and inode after
 * following symbolic links, so that an output naming one of them, under
 * any name or link, is refused before anything is written.
 */
#define CLI_MAX_INPUTS 64
static struct {
	dev_t dev;
	ino_t ino;
} inputs[CLI_MAX_INPUTS];
static size_t ninputs;

void
cli_input(const char *path)
{
	struct stat st;

	if (path == NULL || strcmp(path, "-") == 0 ||
	    ninputs == CLI_MAX_INPUTS || stat(path, &st) != 0)
		return;
	inputs[ninputs].dev = st.st_dev;
	inputs[ninputs].ino = st.st_ino;
	ninputs++;
}

void
cli_input_spec(const char *spec)
{
	if (spec != NULL && strncmp(spec, "file:", 5) == 0)
		cli_input(spec + 5);
}

int
cli_output_check(struct cli *cli, const char *path)
{
	struct stat st;
	size_t i;

	if (path == NULL || strcmp(path, "-") == 0 || stat(path, &st) != 0)
		return CLI_OK;
	for (i = 0; i < ninputs; i++)
		if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino) {
			cli_error(cli, "%s is an input of this command: inputs "
			    "are never replaced (nothing written)", path);
			return CLI_USAGE;
		}
	return CLI_OK;
}

/* Key material bypasses stdio so that no copy stays in its buffer. */
static int
write_fd(struct cli *cli, int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			cli_error(cli, "cannot write to standard output: %s",
			    w < 0 ? strerror(errno) : "short write");
			return CLI_USAGE;
		}
		q += w;
		n -= (size_t)w;
	}
	return CLI_OK;
}

int
cli_write(struct cli *cli, const char *path, const void *p, size_t n,
    int flags)
{
	kx_diag *d;
	int r, secret = flags & KX_WRITE_SECRET;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (secret && fflush(cli->out) == 0 && fileno(cli->out) >= 0)
			return write_fd(cli, fileno(cli->out), p, n);
		if (n > 0 && fwrite(p, 1, n, cli->out) != n) {
			cli_error(cli, "cannot write to standard output");
			return CLI_USAGE;
		}
		if (fflush(cli->out) != 0) {
			cli_error(cli, "cannot write to standard output: %s",
			    strerror(errno));
			return CLI_USAGE;
		}
		return CLI_OK;
	}
	if (cli_output_check(cli, path) != CLI_OK)
		return CLI_USAGE;
	if ((d = kx_diag_new()) == NULL) {
		cli_error(cli, "out of memory");
		return CLI_USAGE;
	}
	r = kx_file_write_atomic(path, p, n, flags, d);
	/* one line for an existing output, naming the way out */
	if (r == KX_EEXIST)
		cli_error(cli, "%s exists and the output holds key material: "
		    "use --force to replace it", path);
	else if (r != KX_OK)
		(void)cli_fail(cli, d, r, path);
	kx_diag_free(d);
	/* Writing is I/O: a failure is exit 2 whatever the code. */
	return r == KX_OK ? CLI_OK : CLI_USAGE;
}

/* ---- cleanup on a signal ---------------------------------------------- */
/*
 * Paths to remove when a signal ends the run: files first, in reverse, and
 * the folders they sit in (rmdir).  Filled before the files exist; the
 * count is published only after the slot is set.
 */
static char *cleanup_path[CLI_MAX_CLEANUP];
static volatile sig_atomic_t cleanup_n;

int
cli_cleanup_add(const char *path)
{
	size_t n = (size_t)cleanup_n;

	if (n == CLI_MAX_CLEANUP)
		return CLI_CLEANUP_FULL;
	if ((cleanup_path[n] = strdup(path)) == NULL)
		return -1;
	cleanup_n = (sig_atomic_t)(n + 1);
	return 0;
}

void
cli_cleanup_forget(void)
{
	size_t i, n = (size_t)cleanup_n;

	cleanup_n = 0;
	for (i = 0; i < n; i++) {
		free(cleanup_path[i]);
		cleanup_path[i] = NULL;
	}
}

void
cli_cleanup_run(void)
{
	sig_atomic_t i;

	/* async-signal-safe: unlink(2) and rmdir(2) only */
	kx_file_cleanup();
	for (i = cleanup_n; i > 0; i--)
		if (unlink(cleanup_path[i - 1]) != 0)
			(void)rmdir(cleanup_path[i - 1]);
}

void
cli_cleanup_undo(void)
{
	cli_cleanup_run();
	cli_cleanup_forget();
}

static void
on_signal(int sig)
{
	cli_cleanup_run();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The command running, for on_sigbus's message (a string literal). */
static const char *volatile sigbus_cmd;

/* Append the string s to b[*n..size), cut to fit. */
static void
sig_put(char *b, size_t size, size_t *n, const char *s)
{
	while (*s != '\0' && *n < size)
		b[(*n)++] = *s++;
}

/*
 * SIGBUS: an input file mapped by the library (kx_file_fault) that shrank
 * while it was being read, or could not be read, is an I/O error like any
 * other.  kx_file_fault_resume puts zero pages in place of the rest of
 * that input and the handler returns: the reader the command is in fails
 * with KX_EIO and one finding naming the file, and the command ends as it
 * ends on any I/O error (its report, its audit record, its temporary
 * files removed, exit 2).  Should the zero pages not be mapped (or the
 * fault lie in them already, or not be a missing or unreadable page),
 * the line is written here, the temporary files removed, exit 2: no
 * report, no audit record.
 * Any other SIGBUS (a bug, or one sent by kill) is not ours to explain:
 * it kills the process as it would have without the handler.
 * Async-signal-safe: kx_file_fault(_resume), write(2), unlink(2),
 * _exit(2).
 */
static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
	static const char tail[] = ": Input/output error while it was being "
	    "read\n";
	char line[4096 + 256];
	const char *cmd = sigbus_cmd;
	enum kx_file_fault f = KX_FILE_FAULT_NONE;
	size_t n = 0, end = sizeof(line) - sizeof(tail);
	int saved;

	(void)uc;
	saved = errno;
	sig_put(line, end, &n, "kmsxchg: ");
	if (cmd != NULL) {
		sig_put(line, end, &n, cmd);
		sig_put(line, end, &n, ": ");
	}
	sig_put(line, end, &n, "cannot read ");
	/* a fault of the process's own (si_code > 0), not a kill(2); the
	 * file's path straight into the line */
	if (si != NULL && si->si_code > 0)
		f = kx_file_fault(si->si_addr, line + n, end - n);
	if (f == KX_FILE_FAULT_NONE) {
		signal(sig, SIG_DFL);
		raise(sig);	/* delivered on return, at the fault */
		return;
	}
	/* a page missing or unreadable, not (say) a misaligned access */
	if ((si->si_code == BUS_ADRERR || si->si_code == BUS_OBJERR) &&
	    kx_file_fault_resume(si->si_addr) == 0) {
		errno = saved;
		return;		/* the read goes on over zeros, to KX_EIO */
	}
	while (n < end && line[n] != '\0')
		n++;
	sig_put(line, sizeof(line), &n, f == KX_FILE_FAULT_SHRANK ?
	    ": the file shrank while it was being read\n" : tail);
	(void)!write(STDERR_FILENO, line, n);
	cli_cleanup_run();
	_exit(CLI_USAGE);
}

void
cli_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
	/* bound now, not in the handler */
	(void)kx_file_fault(NULL, NULL, 0);
	(void)kx_file_fault_resume(NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	(void)sigaction(SIGBUS, &sa, NULL);
}

/* ---- option parsing ---------------------------------------------------- */
static size_t
opt_count(const struct cli_opt *o)
{
	size_t n = 0;

	while (o != NULL && o[n].name != NULL)
		n++;
	return n;
}

static void
print_opt(FILE *f, const struct cli_opt *o)
{
	char left[64];
	int k;

	if (o->short_name != 0)
		k = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name,
		    o->name);
	else
		k = snprintf(left, sizeof(left), "      --%s", o->name);
	if (o->has_arg && k > 0 && (size_t)k < sizeof(left))
		snprintf(left + k, sizeof(left) - (size_t)k, "=%s",
		    o->metavar != NULL ? o->metavar : "ARG");
	if (strlen(left) < 30)
		fprintf(f, "%-30s %s\n", left, o->help);
	else	/* too long for the column: help on its own line */
		fprintf(f, "%s\n%31s%s\n", left, "", o->help);
}

static void
cmd_help(struct cli *cli, const struct cli_cmd *c)
{
	size_t i, n = opt_count(c->opts);

	fprintf(cli->out, "Usage: kmsxchg %s [OPTION]...%s%s\n", c->name,
	    c->operands[0] != '\0' ? " " : "", c->operands);
	fprintf(cli->out, "%c%s.\n\nOptions:\n",
	    c->summary[0] >= 'a' && c->summary[0] <= 'z' ?
	    c->summary[0] - 'a' + 'A' : c->summary[0], c->summary + 1);
	for (i = 0; i < n; i++)
		print_opt(cli->out, &c->opts[i]);
	print_opt(cli->out, &help_opt);
	fputs("\nExit status: 0 success or valid, 1 invalid input, failed "
	    "verification\nor refused operation, 2 usage, I/O or internal "
	    "error.\nKey sources (SRC): file:PATH fd:N env:VAR pkcs11:URI, "
	    "or hex:HEX\n(tests only).\n", cli->out);
}

static int
build_getopt(struct cli *cli)
{
	const struct cli_opt *o = cli->cmd->opts;
	size_t i, n = opt_count(o), k = 0;
	struct option *lo;

	if ((lo = calloc(n + 2, sizeof(*lo))) == NULL)
		return -1;
	cli->shortopts[k++] = ':';	/* report missing arguments as ':' */
	for (i = 0; i < n; i++) {
		lo[i].name = o[i].name;
		lo[i].has_arg = o[i].has_arg ? required_argument : no_argument;
		lo[i].flag = NULL;
		lo[i].val = 256 + (int)i;
		if (o[i].short_name != 0 && k + 3 < sizeof(cli->shortopts)) {
			cli->shortopts[k++] = (char)o[i].short_name;
			if (o[i].has_arg)
				cli->shortopts[k++] = ':';
		}
	}
	lo[n].name = help_opt.name;
	lo[n].has_arg = no_argument;
	lo[n].val = 'h';
	cli->shortopts[k++] = 'h';
	cli->shortopts[k] = '\0';
	cli->longopts = lo;
	return 0;
}

int
cli_next(struct cli *cli, int argc, char **argv, const char **arg)
{
	const struct cli_opt *o = cli->cmd->opts;
	size_t i, n = opt_count(o);
	int c;

	*arg = NULL;
	if (!cli->getopt_ready) {
		if (build_getopt(cli) != 0) {
			cli_error(cli, "out of memory");
			return CLI_BADOPT;
		}
		optind = 0;	/* GNU: full reinitialisation */
		opterr = 0;
		cli->getopt_ready = 1;
	}
	c = getopt_long(argc, argv, cli->shortopts, cli->longopts, NULL);
	cli->optind = optind;
	if (c == -1)
		return CLI_END;
	if (c == 'h') {
		cmd_help(cli, cli->cmd);
		return CLI_HELP;
	}
	if (c >= 256 && (size_t)(c - 256) < n) {
		*arg = optarg;
		return c - 256;
	}
	if (c == ':') {
		cli_usage(cli, "option '%s' needs an argument",
		    argv[optind - 1]);
		return CLI_BADOPT;
	}
	if (c == '?') {
		if (optopt != 0)
			cli_usage(cli, "unknown option '-%c'", optopt);
		else
			cli_usage(cli, "unknown option '%s'",
			    argv[optind - 1]);
		return CLI_BADOPT;
	}
	for (i = 0; i < n; i++) {
		if (o[i].short_name == c) {
			*arg = optarg;
			return (int)i;
		}
	}
	cli_usage(cli, "unknown option");
	return CLI_BADOPT;
}

/* ---- top level --------------------------------------------------------- */
static void
main_help(struct cli *cli)
{
	const struct cli_cmd *c;

	fputs("Usage: kmsxchg COMMAND [OPTION]... [ARG]...\n"
	    "       kmsxchg --audit FILE COMMAND [OPTION]... [ARG]...\n"
	    "       kmsxchg --help | --version\n"
	    "Move cryptographic keys between key-management systems.\n\n"
	    "Commands:\n", cli->out);
	for (c = cli_commands; c->name != NULL; c++)
		fprintf(cli->out, "  %-10s %s\n", c->name, c->summary);
	fputs("\nRun 'kmsxchg COMMAND --help' for the options of a command.\n"
	    "--audit FILE (or KMSXCHG_AUDIT) appends a hash-chained record of "
	    "split,\ncombine, seal, export, import and rewrap to FILE.\n"
	    "Exit status: 0 success or valid, 1 invalid input, failed "
	    "verification\nor refused operation, 2 usage, I/O or internal "
	    "error.\n", cli->out);
}

static const struct cli_cmd *
find_cmd(const char *name)
{
	const struct cli_cmd *c;

	for (c = cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Words for bash completion: commands, or the options of one command. */
static int
complete_words(struct cli *cli, const char *name)
{
	const struct cli_cmd *c;
	size_t i, n;

	if (name == NULL) {
		for (c = cli_commands; c->name != NULL; c++)
			fprintf(cli->out, "%s\n", c->name);
		fputs("--audit\n--help\n--version\n", cli->out);
		return CLI_OK;
	}
	if ((c = find_cmd(name)) == NULL)
		return CLI_USAGE;
	n = opt_count(c->opts);
	for (i = 0; i < n; i++)
		fprintf(cli->out, "--%s%s\n", c->opts[i].name,
		    c->opts[i].has_arg ? "=" : "");
	fputs("--help\n", cli->out);
	return CLI_OK;
}

int
cli_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct cli cli;
	const struct cli_cmd *c;
	const char *audit = NULL;
	int r;

	memset(&cli, 0, sizeof(cli));
	cli.out = out;
	cli.err = err;
	/* The one global option: --audit FILE before the command. */
	if (argc > 1 && strncmp(argv[1], "--audit", 7) == 0 &&
	    (argv[1][7] == '\0' || argv[1][7] == '=')) {
		audit = argv[1][7] == '=' ? argv[1] + 8 : argc > 2 ? argv[2] :
		    NULL;
		if (audit == NULL || *audit == '\0') {
			fputs("kmsxchg: --audit needs a FILE\n", err);
			return CLI_USAGE;
		}
		argc -= argv[1][7] == '=' ? 1 : 2;
		argv += argv[1][7] == '=' ? 1 : 2;
	}
	if (argc < 2) {
		fputs("kmsxchg: missing command\n"
		    "Try 'kmsxchg --help' for more information.\n", err);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0 &&
		    (c = find_cmd(argv[2])) != NULL) {
			cli.cmd = c;
			cmd_help(&cli, c);
			return CLI_OK;
		}
		main_help(&cli);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		fprintf(out, "kmsxchg %s\n", PACKAGE_VERSION);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--complete-words") == 0)
		return complete_words(&cli, argc > 2 ? argv[2] : NULL);
	if ((c = find_cmd(argv[1])) == NULL) {
		if (argv[1][0] == '-')
			fprintf(err, "kmsxchg: unknown option '%s'\n",
			    argv[1]);
		else
			fprintf(err, "kmsxchg: unknown command '%s'\n",
			    argv[1]);
		fputs("Try 'kmsxchg --help' for more information.\n", err);
		return CLI_USAGE;
	}
	cli.cmd = c;
	sigbus_cmd = c->name;
	if ((r = cli_audit_setup(&cli, audit, audit != NULL)) != CLI_OK)
		return r;
	r = cli_audit_finish(&cli, c->fn(argc - 1, argv + 1, &cli));
	fflush(out);
	free(cli.longopts);
	return r;
}

/* ---- spooled outputs ------------------------------------------------- */
/* Bytes sent are gathered up to this many, then written (one system call
 * per key was a system call per key). */
#define SPOOL_CHUNK ((size_t)256 << 10)

static int
spool_put(int fd, const char *c, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* What the buffer holds, into the file. */
static int
spool_flush(struct cli_spool *s)
{
	if (s->buf.len > 0 && spool_put(s->fd, (const char *)s->buf.data,
	    s->buf.len) != 0)
		return -1;
	s->buf.len = 0;
	return 0;
}

int
cli_spool_sink(void *arg, const void *p, size_t n)
{
	struct cli_spool *s = arg;

	if (p == NULL && n == 0) {
		/* what was sent is void (kx_reader_rewrap): start again */
		s->buf.len = 0;
		if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0)
			return -1;
		s->n = 0;
		return 0;
	}
	s->n += n;
	if (s->buf.len + n > SPOOL_CHUNK && spool_flush(s) != 0)
		return -1;
	if (n > SPOOL_CHUNK)
		return spool_put(s->fd, p, n);
	return kx_buf_append(&s->buf, p, n) == KX_OK ? 0 : -1;
}

void
cli_spool_close(struct cli_spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	kx_buf_free(&s->buf);	/* wiped: it may have held key material */
}

int
cli_spool_open(struct cli *cli, struct cli_spool *s)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];

	s->n = 0;
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/kmsxchg-XXXXXX", dir) >=
	    sizeof(path) || (s->fd = mkstemp(path)) < 0) {
		cli_error(cli, "cannot create a temporary file in %s: %s",
		    dir, strerror(errno));
		return CLI_USAGE;
	}
	(void)unlink(path);
	return CLI_OK;
}

int
cli_spool_write(struct cli *cli, struct cli_spool *s, const char *path,
    int flags)
{
	char buf[65536];
	kx_diag *d;
	off_t off = 0;
	ssize_t k;
	int r;

	if (spool_flush(s) != 0) {
		cli_error(cli, "cannot write a temporary file: %s",
		    strerror(errno));
		return CLI_USAGE;
	}
	if (path != NULL && strcmp(path, "-") != 0) {
		if (cli_output_check(cli, path) != CLI_OK)
			return CLI_USAGE;
		if ((d = kx_diag_new()) == NULL) {
			cli_error(cli, "out of memory");
			return CLI_USAGE;
		}
		r = kx_file_write_atomic_fd(path, s->fd, s->n, flags, d);
		/* the same one line as cli_write() */
		if (r == KX_EEXIST)
			cli_error(cli, "%s exists and the output holds key "
			    "material: use --force to replace it", path);
		else if (r != KX_OK)
			(void)cli_fail(cli, d, r, path);
		kx_diag_free(d);
		return r == KX_OK ? CLI_OK : CLI_USAGE;
	}
	for (;;) {
		k = pread(s->fd, buf, sizeof(buf), off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			cli_error(cli, "cannot read a temporary file: %s",
			    strerror(errno));
			return CLI_USAGE;
		}
		if (k == 0)
			return CLI_OK;
		if ((r = cli_write(cli, NULL, buf, (size_t)k, flags)) !=
		    CLI_OK)
			return r;
		off += k;
	}
}

int
cli_stream_open(struct cli *cli, const char *in, struct cli_spool *s,
    kx_reader **r, kx_diag *d)
{
	int rc, ex;

	*r = NULL;
	if ((ex = cli_spool_open(cli, s)) != CLI_OK)
		return ex;
	cli_input(in);
	if ((rc = kx_reader_open(in, KX_FMT_AUTO, r, d)) != KX_OK)
		return cli_read_failed(cli, d, rc, in);
	return CLI_OK;
}
