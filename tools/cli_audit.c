/*
 * cli_audit.c - the audit trail on the command line: the global
 * `--audit FILE` option (or KMSXCHG_AUDIT), the record a ceremony command
 * fills in while it runs, and `kmsxchg audit verify`.
 *
 * Order of events: before an audited command runs, the audit file is
 * opened and checked (a symbolic link, a non-regular file or a file whose
 * last line is not a whole record is refused: exit 2, nothing done).  The
 * command fills the record through the cli_audit_*() hooks (no-ops when
 * auditing is off); the first hook marks the operation as started, so a
 * command that stops at a usage error or --help leaves no record.  After
 * the command, its record (result from the exit status) is appended under
 * a lock.  If that append fails, the operation has already happened: the
 * message says so and the exit status is 2.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

struct cli_audit {
	const char *path;
	kx_audit *file;
	kx_audit_rec *rec;
	int started, failed, have_now;
	int64_t now;
};

/* Commands that write a record. */
static const char *const audited[] = { "split", "combine", "seal",
	"export", "import", "rewrap", NULL };

static int
is_audited(const char *name)
{
	size_t i;

	for (i = 0; audited[i] != NULL; i++)
		if (strcmp(audited[i], name) == 0)
			return 1;
	return 0;
}

static const char *
operator_name(void)
{
	static const char *const vars[] = { "KMSXCHG_OPERATOR", "LOGNAME",
	    "USER" };
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if ((v = getenv(vars[i])) != NULL && *v != '\0')
			return v;
	return NULL;
}

static void
audit_free(struct cli *cli)
{
	struct cli_audit *a = cli->audit;

	if (a == NULL)
		return;
	kx_audit_close(a->file);
	kx_audit_rec_free(a->rec);
	free(a);
	cli->audit = NULL;
}

int
cli_audit_setup(struct cli *cli, const char *path, int explicit)
{
	struct cli_audit *a;
	kx_diag *d;
	int r;

	if (path == NULL && (path = getenv("KMSXCHG_AUDIT")) != NULL &&
	    *path == '\0')
		path = NULL;
	if (path == NULL)
		return CLI_OK;
	if (!is_audited(cli->cmd->name)) {
		if (!explicit)
			return CLI_OK;	/* KMSXCHG_AUDIT set for a session */
		return cli_usage(cli, "--audit: %s writes no audit record "
		    "(split, combine, seal, export, import and rewrap do)",
		    cli->cmd->name);
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (d = kx_diag_new()) == NULL) {
		free(a);
		cli_error(cli, "out of memory");
		return CLI_USAGE;
	}
	a->path = path;
	cli->audit = a;
	r = kx_audit_open(path, &a->file, d);
	if (r == KX_OK && (r = kx_audit_rec_new(cli->cmd->name, 0, &a->rec))
	    == KX_OK)
		r = kx_audit_rec_set(a->rec, KX_AF_OPERATOR, operator_name());
	if (r != KX_OK) {
		(void)cli_fail(cli, d, r, path);
		cli_error(cli, "audit file unusable: nothing done");
		audit_free(cli);
	}
	kx_diag_free(d);
	return r == KX_OK ? CLI_OK : CLI_USAGE;
}

int
cli_audit_finish(struct cli *cli, int ex)
{
	struct cli_audit *a = cli->audit;
	kx_diag *d = NULL;
	uint64_t seq;
	int r = KX_ENOMEM;

	if (a == NULL || !a->started) {
		audit_free(cli);
		return ex;
	}
	kx_audit_rec_time(a->rec, a->have_now ? a->now : (int64_t)time(NULL));
	kx_audit_rec_result(a->rec, ex == CLI_OK ? KX_AUDIT_OK :
	    ex == CLI_INVALID ? KX_AUDIT_REFUSED : KX_AUDIT_ERROR);
	if (a->failed)
		cli_error(cli, "the audit record is incomplete (out of memory "
		    "or the policy file became unreadable)");
	else if ((d = kx_diag_new()) != NULL)
		r = kx_audit_append(a->file, a->rec, NULL, &seq, d);
	if (r != KX_OK) {
		if (!a->failed)
			(void)cli_fail(cli, d, r, a->path);
		cli_error(cli, "%s %s, but its audit record could not be "
		    "written to %s", cli->cmd->name, ex == CLI_OK ?
		    "completed and its outputs were written" : "failed",
		    a->path);
		ex = CLI_USAGE;
	}
	kx_diag_free(d);
	audit_free(cli);
	return ex;
}

/* Each hook marks the operation started; an error spoils the record. */
static kx_audit_rec *
hook(struct cli *cli)
{
	if (cli->audit == NULL)
		return NULL;
	cli->audit->started = 1;
	return cli->audit->rec;
}

static void
check(struct cli *cli, int r)
{
	if (r != KX_OK)
		cli->audit->failed = 1;
}

void
cli_audit_set(struct cli *cli, enum kx_audit_field f, const char *v)
{
	kx_audit_rec *r = hook(cli);

	if (r != NULL)
		check(cli, kx_audit_rec_set(r, f, v));
}

void
cli_audit_doc(struct cli *cli, const kx_doc *doc)
{
	kx_audit_rec *r = hook(cli);

	if (r != NULL && doc != NULL)
		check(cli, kx_audit_rec_doc(r, doc));
}

void
cli_audit_doc_key(void *arg, const kx_doc *head, size_t i, const kx_key *k)
{
	struct cli *cli = arg;
	kx_audit_rec *r = hook(cli);

	if (r != NULL)
		check(cli, kx_audit_rec_doc_key(r, head, i, k));
}

void
cli_audit_key(struct cli *cli, unsigned component, const uint8_t *kcv,
    size_t kcvlen, enum kx_kcv_method m)
{
	kx_audit_rec *r = hook(cli);

	if (r != NULL)
		check(cli, kx_audit_rec_key(r, NULL, component, kcv, kcvlen,
		    m));
}

void
cli_audit_policy(struct cli *cli, const kx_policy *p, const char *path)
{
	kx_audit_rec *r = hook(cli);

	if (r != NULL && path != NULL)
		check(cli, kx_audit_rec_policy(r, p, path, NULL));
}

void
cli_audit_now(struct cli *cli, int64_t now)
{
	if (hook(cli) != NULL) {
		cli->audit->now = now;
		cli->audit->have_now = 1;
	}
}

void
cli_audit_rules(struct cli *cli, const kx_diag *d)
{
	kx_audit_rec *r = hook(cli);

	if (r != NULL)
		check(cli, kx_audit_rec_rules(r, d));
}

/* ---- kmsxchg audit verify --------------------------------------------- */
enum { O_EXPECT_HEAD };

const struct cli_opt audit_opts[] = {
	[O_EXPECT_HEAD] = { "expect-head", 0, 1, "HASH",
	    "SHA-256 of a line recorded earlier (e.g. in the minutes)" },
	{ NULL, 0, 0, NULL, NULL }
};

int
cmd_audit(int argc, char **argv, struct cli *cli)
{
	const char *arg, *path, *want_hex = NULL;
	uint8_t want[32];
	char hex[65], *p;
	kx_audit_status st;
	kx_buf b = { 0 };
	kx_diag *d = NULL;
	size_t n;
	int o, r, ex = CLI_USAGE;

	while ((o = cli_next(cli, argc, argv, &arg)) != CLI_END) {
		switch (o) {
		case O_EXPECT_HEAD:
			want_hex = arg;
			if (kx_hex_decode(arg, strlen(arg), want, sizeof(want),
			    &n) != KX_OK || n != sizeof(want))
				return cli_usage(cli, "--expect-head: expected "
				    "64 hex digits (a SHA-256), got '%s'",
				    arg);
			break;
		case CLI_HELP:
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (argc - cli->optind != 2 ||
	    strcmp(argv[cli->optind], "verify") != 0)
		return cli_usage(cli, "expected: verify FILE");
	path = argv[cli->optind + 1];
	if ((d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, "audit");
	if ((r = kx_file_read(path, 0, &b, d)) != KX_OK) {
		(void)cli_fail(cli, d, r, path);
		goto out;
	}
	if ((r = kx_audit_verify(b.data, b.len, path, want_hex != NULL ?
	    want : NULL, &st, d)) != KX_OK) {
		(void)cli_fail(cli, d, r, path);
		goto out;
	}
	kx_hex_encode(st.head, sizeof(st.head), hex);
	for (p = hex; *p != '\0'; p++)	/* as sha256sum prints it */
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	if (kx_diag_count_at(d, KX_SEV_ERROR) > 0) {
		cli_print_findings(cli, d, 0, path);
		fprintf(cli->out, "%s: TAMPERED: %zu problem%s in %llu "
		    "line%s\n", path, kx_diag_count_at(d, KX_SEV_ERROR),
		    kx_diag_count_at(d, KX_SEV_ERROR) == 1 ? "" : "s",
		    (unsigned long long)st.records,
		    st.records == 1 ? "" : "s");
		ex = CLI_INVALID;
		goto out;
	}
	fprintf(cli->out, "%s: intact: %llu record%s, head %s\n", path,
	    (unsigned long long)st.records, st.records == 1 ? "" : "s", hex);
	if (want_hex != NULL)
		fprintf(cli->out, "%s: expected head is line %zu%s\n", path,
		    st.anchor_line, st.anchor_line == 0 ? " (genesis)" : "");
	ex = CLI_OK;
out:
	kx_buf_free(&b);
	kx_diag_free(d);
	return ex;
}
