/*
 * cli_xchg.c - helpers shared by export, import and rewrap.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_xchg.h"

int
cli_list_add(struct cli *cli, struct cli_list *l, const char *opt,
    const char *arg)
{
	if (l->n == CLI_MAX_REPEAT)
		return cli_usage(cli, "--%s: at most %d", opt, CLI_MAX_REPEAT);
	l->v[l->n++] = arg;
	return CLI_OK;
}

static int kek_combine(struct cli *cli, const char *what,
    const struct cli_list *comps, struct cli_kek *kek);

int
cli_kek_family(struct cli *cli, const char *opt, const char *arg,
    enum kx_alg *fam)
{
	int exact;

	/* a family: the key's length decides */
	return cli_alg(cli, opt, arg, CLI_ALG(KX_ALG_AES), 1, fam, &exact);
}

static int
is_tdea(enum kx_alg a)
{
	return a == KX_ALG_DES || a == KX_ALG_TDEA2 || a == KX_ALG_TDEA3;
}

int
cli_kek_load(struct cli *cli, const char *what, const char *src,
    const struct cli_list *comps, enum kx_alg fam, const char *alg_opt,
    int need_alg, struct cli_kek *kek)
{
	size_t n = strlen(alg_opt);
	char opt[64];
	int ex;

	memset(kek, 0, sizeof(*kek));
	if ((src != NULL) == (comps->n > 0))
		return cli_usage(cli, "give the %s as a key source or as "
		    "components, not both or neither", what);
	if (src != NULL) {
		/* --kek-alg names the algorithm of --kek */
		snprintf(opt, sizeof(opt), "%.*s", (int)(n > 4 ? n - 4 : n),
		    alg_opt);
		if ((ex = cli_load_key(cli, opt, src, fam != KX_ALG_NONE ?
		    fam : KX_ALG_AES, 0, &kek->key)) != CLI_OK)
			return ex;
		n = kx_secret_len(kek->key);
		if (need_alg && fam == KX_ALG_NONE && (n == 16 || n == 24)) {
			cli_kek_free(kek);
			return cli_usage(cli, "the %s is %zu bytes: AES-%zu or "
			    "TDEA? say --%s aes or --%s tdea", what, n, n * 8,
			    alg_opt, alg_opt);
		}
		kek->alg = fam;
		return CLI_OK;
	}
	if ((ex = kek_combine(cli, what, comps, kek)) != CLI_OK)
		return ex;
	if (fam != KX_ALG_NONE && is_tdea(fam) != is_tdea(kek->alg)) {
		cli_kek_free(kek);
		return cli_usage(cli, "--%s %s, but the %s components are %s",
		    alg_opt, is_tdea(fam) ? "tdea" : "aes", what,
		    kx_name(KX_ENUM_ALG, kek->alg));
	}
	return CLI_OK;
}

/* Combine the component files into kek (kek->alg from them). */
static int
kek_combine(struct cli *cli, const char *what, const struct cli_list *comps,
    struct cli_kek *kek)
{
	kx_component_info ci[CLI_MAX_REPEAT], *c0 = &ci[0];
	char hex[2 * sizeof(ci[0].key_kcv) + 1];
	kx_diag *d;
	size_t i;
	int r;

	if (comps->n < 2)
		return cli_usage(cli, "a single component is not a key");
	if ((d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, what);
	r = kx_components_combine(comps->v, comps->n, ci, &kek->key, d);
	if (r != KX_OK) {
		r = cli_fail(cli, d, r, what);
		kx_diag_free(d);
		return r;
	}
	kx_diag_free(d);
	for (i = 0; i < comps->n; i++) {
		kx_hex_encode(ci[i].component_kcv, ci[i].component_kcv_len, hex);
		fprintf(cli->err, "kmsxchg: %s: %s component %u of %u: KCV "
		    "%s checked\n", cli->cmd->name, what, ci[i].index,
		    ci[i].parts, hex);
	}
	kx_hex_encode(c0->key_kcv, c0->key_kcv_len, hex);
	fprintf(cli->err, "kmsxchg: %s: %s rebuilt from %zu components: KCV "
	    "%s checked\n", cli->cmd->name, what, comps->n, hex);
	kek->alg = c0->alg;
	/* The ceremony record needs every component's KCV. */
	if (comps->n == c0->parts && c0->parts <= CLI_MAX_REPEAT &&
	    c0->component_kcv_len >= 3) {
		kek->parts = c0->parts;
		kek->threshold = c0->method == KX_SPLIT_SHAMIR ?
		    c0->threshold : 0;
		for (i = 0; i < comps->n; i++)
			memcpy(kek->part_kcv[ci[i].index - 1],
			    ci[i].component_kcv, 3);
		for (i = 0; i < kek->parts; i++)
			kek->part_kcvs[i] = kek->part_kcv[i];
	}
	return CLI_OK;
}

int
cli_aes_transport(struct cli *cli, struct cli_xchg *x, const char *in,
    const struct cli_kek *kek)
{
	int r;

	if ((kx_format_caps(kx_doc_format(x->doc)) & KX_CAP_TK_ALG) != 0 ||
	    (kek->alg != KX_ALG_AES && (kek->alg != KX_ALG_NONE ||
	    kx_secret_len(kek->key) != 32)))
		return CLI_OK;
	if ((r = kx_doc_aes_transport(x->doc, (unsigned)
	    kx_secret_len(kek->key) * 8, x->d)) != KX_OK)
		return cli_xchg_refused(cli, x, in, r);
	x->xo.from_kek_alg = KX_ALG_AES;
	return CLI_OK;
}

void
cli_kek_free(struct cli_kek *kek)
{
	kx_secret_free(kek->key);
	kek->key = NULL;
}

int
cli_now(struct cli *cli, const char *arg, int64_t *now)
{
	if (arg == NULL) {
		*now = (int64_t)time(NULL);
		return CLI_OK;
	}
	if (kx_time_parse(arg, now) != KX_OK)
		return cli_usage(cli, "--now: expected YYYY-MM-DD or "
		    "YYYY-MM-DDThh:mm:ssZ, got '%s'", arg);
	return CLI_OK;
}

int
cli_policy(struct cli *cli, const char *path, kx_policy **out)
{
	kx_diag *d;
	char buf[4096];
	int r, ex = CLI_OK;

	*out = NULL;
	if (path == NULL)
		return CLI_OK;
	if ((path = cli_data_path(cli, "policies", path, buf, sizeof(buf))) ==
	    NULL)
		return CLI_USAGE;
	if ((d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, path);
	/* a missing policy is I/O (2), a malformed one invalid input (1) */
	if ((r = kx_policy_read_file(path, out, d)) != KX_OK)
		ex = cli_input_failed(cli, d, r, "use policy", path);
	kx_diag_free(d);
	return ex;
}

void
cli_format_list(unsigned caps, char *buf, size_t n)
{
	const char *sep = "";
	size_t len = 0;
	int f, last = 0;

	for (f = KX_FMT_AUTO + 1; f < KX_FMT__N; f++)
		if ((kx_format_caps(f) & caps) == caps)
			last = f;
	buf[0] = '\0';
	for (f = KX_FMT_AUTO + 1; f < KX_FMT__N && len < n; f++) {
		if ((kx_format_caps(f) & caps) != caps)
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s%s",
		    f == last && *sep != '\0' ? " or " : sep,
		    kx_format_name(f));
		sep = ", ";
	}
}

int
cli_binary_tty(struct cli *cli, enum kx_format fmt, const char *path)
{
	char up[16];
	size_t i;

	if ((kx_format_caps(fmt) & KX_CAP_BINARY) == 0 || (path != NULL &&
	    strcmp(path, "-") != 0) || !cli_out_is_tty(cli))
		return CLI_OK;
	snprintf(up, sizeof(up), "%s", kx_format_name(fmt));
	for (i = 0; up[i] != '\0'; i++)
		up[i] = (char)toupper((unsigned char)up[i]);
	cli_error(cli, "refusing to write %s to a terminal; use -o FILE or a "
	    "pipe", up);
	return CLI_USAGE;
}

int
cli_doc_out(const kx_doc *doc, int force)
{
	/* clear values: 0600; any value, clear or wrapped: no clobber */
	return (kx_doc_has_clear(doc) ? KX_WRITE_SECRET : 0) |
	    (kx_doc_has_values(doc) && !force ? KX_WRITE_NEW : 0);
}

int
cli_write_doc(struct cli *cli, const kx_doc *doc, enum kx_format fmt,
    const char *path, int force)
{
	kx_diag *d;
	kx_buf b = { 0 };
	int r, ex;

	if (path == NULL)
		path = "-";
	if ((ex = cli_binary_tty(cli, fmt, path)) != CLI_OK)
		return ex;
	if ((d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, "write");
	if ((r = kx_doc_write(doc, fmt, &b, d)) != KX_OK) {
		ex = cli_fail(cli, d, r, "cannot serialise the document");
		goto out;
	}
	cli_print_findings(cli, d, 0, path);
	ex = cli_write(cli, path, b.data, b.len, cli_doc_out(doc, force) |
	    (kx_format_caps(fmt) & KX_CAP_BINARY ? KX_WRITE_BINARY : 0));
out:
	kx_buf_free(&b);
	kx_diag_free(d);
	return ex;
}

int
cli_kek_kcv(struct cli *cli, const char *opt, const char *arg,
    struct cli_xchg *x)
{
	const char *colon = strchr(arg, ':');
	size_t hl = colon != NULL ? (size_t)(colon - arg) : strlen(arg), n;
	int m = KX_KCV_NONE;

	if (colon != NULL && strcmp(colon + 1, "gp") != 0 &&
	    (m = kx_value(KX_ENUM_KCV_METHOD, colon + 1)) <= KX_KCV_NONE)
		return cli_usage(cli, "--%s: method '%s' is not gp, gp-des, "
		    "gp-aes, zero-block or cmac", opt, colon + 1);
	if (kx_hex_decode(arg, hl, x->kek_kcv, sizeof(x->kek_kcv), &n) !=
	    KX_OK || n < 3)
		return cli_usage(cli, "--%s: expected 3 to 16 bytes of hex, "
		    "got '%.*s'", opt, (int)hl, arg);
	x->xo.kek_kcv = x->kek_kcv;
	x->xo.kek_kcv_len = n;
	x->xo.kek_kcv_method = (enum kx_kcv_method)m;
	return CLI_OK;
}

int
cli_xchg_opt(struct cli_xchg *x, const char *name, const char *arg)
{
	if (strcmp(name, "now") == 0)
		x->now = arg;
	else if (strcmp(name, "policy") == 0)
		x->policy_path = arg;
	else if (strcmp(name, "to") == 0)
		x->to = arg;
	else if (strcmp(name, "output") == 0)
		x->out = arg;
	else if (strcmp(name, "against") == 0)
		x->against_path = arg;
	else if (strcmp(name, "force") == 0)
		x->force = 1;
	else if (strcmp(name, "quiet") == 0)
		x->quiet = 1;
	else
		return 0;
	return 1;
}

struct cli_progress {
	FILE *err;
	const char *cmd, *verb;
	double start, last, delay, t0;	/* t0: the first key's report */
	size_t d0;
	int shown;
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
progress_cb(void *arg, size_t done, size_t total)
{
	struct cli_progress *p = arg;
	double now = mono_now(), rate;

	if (p->t0 == 0) {
		/* the rate counts keys, not the checks before the first */
		p->t0 = now;
		p->d0 = done;
	}
	if (now - p->start < p->delay ||
	    (p->shown && (total == 0 || done < total) &&
	    now - p->last < 0.2))
		return;
	p->last = now;
	/* total 0: not known (a document read one key at a time) */
	if (total > 0)
		fprintf(p->err, "\rkmsxchg: %s: %s: %zu/%zu keys", p->cmd,
		    p->verb, done, total);
	else
		fprintf(p->err, "\rkmsxchg: %s: %s: %zu keys", p->cmd,
		    p->verb, done);
	if (done > p->d0 && now > p->t0) {
		rate = (double)(done - p->d0) / (now - p->t0);
		fprintf(p->err, ", %.0f keys/s", rate);
		if (total > 0)
			fprintf(p->err, ", ETA %.0fs",
			    (double)(total - done) / rate);
	}
	fputs("\033[K", p->err);
	fflush(p->err);
	p->shown = 1;
}

void
cli_progress_begin(struct cli_xchg *x, const char *verb)
{
	struct cli_progress *p = x->progress;
	const char *e = getenv("KMSXCHG_PROGRESS_DELAY");
	char *end;

	if (x->quiet || !isatty(fileno(x->cli->err)))
		return;
	if (p == NULL && (p = x->progress = calloc(1, sizeof(*p))) == NULL)
		return;		/* no progress line, nothing else lost */
	p->err = x->cli->err;
	p->cmd = x->cli->cmd->name;
	p->verb = verb;
	p->start = mono_now();
	p->t0 = 0;
	p->d0 = 0;
	p->shown = 0;
	p->delay = 1;
	if (e != NULL && *e != '\0') {
		p->delay = strtod(e, &end);
		if (*end != '\0' || p->delay < 0)
			p->delay = 1;
	}
	x->xo.progress = progress_cb;
	x->xo.progress_arg = p;
}

void
cli_progress_end(struct cli_xchg *x)
{
	struct cli_progress *p = x->progress;

	if (p != NULL && p->shown) {
		/* the line goes: what follows starts on a clean line */
		fputs("\r\033[K", p->err);
		fflush(p->err);
		p->shown = 0;
	}
	x->xo.progress = NULL;
	x->xo.progress_arg = NULL;
}

/* cli_xchg_open, or with r: the document is opened for reading one key
 * at a time (cli_xchg_stream), not read. */
static int
xchg_open(struct cli *cli, struct cli_xchg *x, const char *in,
    enum kx_format def, kx_reader **rd)
{
	enum kx_format f;
	char names[64];
	int r, ex;

	x->cli = cli;
	cli_audit_set(cli, KX_AF_INPUT, in);
	cli_audit_set(cli, KX_AF_OUTPUT, x->out);
	cli_input(in);
	cli_input(x->against_path);
	/* the outputs are bound wrapped values: formats that carry them */
	x->fmt = KX_FMT_AUTO;
	if (x->to != NULL && (kx_format_caps(x->fmt =
	    kx_format_from_name(x->to)) & KX_CAP_BOUND) == 0) {
		cli_format_list(KX_CAP_BOUND, names, sizeof(names));
		return cli_usage(cli, "--to: expected %s, got '%s'", names,
		    x->to);
	}
	if ((ex = cli_now(cli, x->now, &x->xo.now)) != CLI_OK)
		return ex;
	if (x->now != NULL)
		cli_audit_now(cli, x->xo.now);
	if ((x->d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, cli->cmd->name);
	if (rd != NULL) {
		if ((r = kx_reader_open(in, KX_FMT_AUTO, rd, x->d)) != KX_OK)
			return cli_read_failed(cli, x->d, r, in);
		f = kx_reader_format(*rd);
		x->xo.key_seen = cli_audit_doc_key;
		x->xo.key_seen_arg = cli;
	} else {
		if ((r = kx_doc_read_file(in, KX_FMT_AUTO, &x->doc, x->d)) !=
		    KX_OK)
			return cli_read_failed(cli, x->d, r, in);
		cli_audit_doc(cli, x->doc);
		f = kx_doc_format(x->doc);
	}
	if (x->fmt == KX_FMT_AUTO)
		x->fmt = def != KX_FMT_AUTO ? def :
		    kx_format_caps(f) & KX_CAP_BOUND ? f : KX_FMT_XML;
	/* the file a policy name stands for is what the audit hashes */
	if (x->policy_path != NULL && (x->policy_path = cli_data_path(cli,
	    "policies", x->policy_path, x->policy_buf,
	    sizeof(x->policy_buf))) == NULL)
		return CLI_USAGE;
	cli_input(x->policy_path);
	if ((ex = cli_policy(cli, x->policy_path, &x->policy)) != CLI_OK)
		return ex;
	x->xo.policy = x->policy;
	cli_audit_policy(cli, x->policy, x->policy_path);
	if (x->against_path != NULL) {
		if ((r = kx_doc_read_file(x->against_path, KX_FMT_AUTO,
		    &x->against, x->d)) != KX_OK)
			return cli_input_failed(cli, x->d, r, "use --against",
			    x->against_path);
		x->xo.against = x->against;
	}
	return CLI_OK;
}

int
cli_xchg_open(struct cli *cli, struct cli_xchg *x, const char *in,
    enum kx_format def)
{
	return xchg_open(cli, x, in, def, NULL);
}

int
cli_xchg_stream(struct cli *cli, struct cli_xchg *x, const char *in,
    enum kx_format def, kx_reader **r)
{
	*r = NULL;
	return xchg_open(cli, x, in, def, r);
}

void
cli_xchg_close(struct cli_xchg *x)
{
	if (x->cli != NULL && x->d != NULL)
		cli_audit_rules(x->cli, x->d);	/* refusals name their rules */
	kx_policy_free(x->policy);
	kx_doc_free(x->doc);
	kx_doc_free(x->against);
	x->against = NULL;
	kx_diag_free(x->d);
	free(x->progress);
	x->progress = NULL;
	x->policy = NULL;
	x->doc = NULL;
	x->d = NULL;
}

int
cli_xchg_refused(struct cli *cli, struct cli_xchg *x, const char *in, int r)
{
	cli_print_findings(cli, x->d, 0, in);
	cli_error(cli, "%s refused: nothing written", cli->cmd->name);
	return cli_exit_for(r);
}
