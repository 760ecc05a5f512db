/*
 * cli_p11.c - the commands on PKCS#11 tokens: `show pkcs11:URI`,
 * `export --from pkcs11:URI --kek pkcs11:URI` and `import --to pkcs11:URI
 * --kek SRC IN`.  Keys stay in their tokens: export wraps and binds
 * inside the token (aes-kwp-cmac-bound), import checks the binding and
 * unwraps inside the token, KCVs are computed there.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <string.h>

#include "cli_p11.h"

int
cli_p11_opt(kx_p11_opts *po, const char *name, const char *arg)
{
	if (strcmp(name, "module") == 0)
		po->module = arg;
	else if (strcmp(name, "pin-source") == 0)
		po->pin_source = arg;
	else
		return 0;
	return 1;
}

int
cli_is_p11(const char *s)
{
	return s != NULL && strncmp(s, "pkcs11:", 7) == 0;
}

/*
 * After a failed import or store into t (before: its objects at the
 * start): one line on what the run left.  It takes out what it made and
 * nothing else, so another session's objects stay: a count that differs
 * is said, not taken for a failed rollback.
 */
static void
p11_restored(struct cli *cli, kx_p11 *t, const char *what, size_t before)
{
	size_t after = 0, left = kx_p11_left(t);
	int counted = kx_p11_count(t, &after, NULL) == KX_OK;

	if (left > 0)
		cli_error(cli, "%s%stoken %s could NOT be restored: %zu object%s "
		    "this run made may remain (%zu objects before%s)",
		    what ? what : "", what ? ": " : "", kx_p11_label(t), left,
		    left == 1 ? "" : "s", before, counted ? "" : ", now unknown");
	else if (counted && after == before)
		cli_error(cli, "%s%stoken %s unchanged (%zu objects)",
		    what ? what : "", what ? ": " : "", kx_p11_label(t), before);
	else if (counted)
		cli_error(cli, "%s%stoken %s unchanged by this run (every object "
		    "it made is destroyed); %zu objects before, %zu now: the "
		    "others were made meanwhile by another session and are left "
		    "alone", what ? what : "", what ? ": " : "", kx_p11_label(t),
		    before, after);
	else
		cli_error(cli, "%s%stoken %s unchanged by this run (every object "
		    "it made is destroyed)", what ? what : "", what ? ": " : "",
		    kx_p11_label(t));
}

/* Open the token uri names; on failure print why.  Exit code. */
static int
open_token(struct cli *cli, const char *uri, const kx_p11_opts *po,
    kx_p11 **t, kx_diag *d)
{
	int r;

	if ((r = kx_p11_open(uri, po, t, d)) != KX_OK)
		return cli_fail(cli, d, r, uri);
	return CLI_OK;
}

int
cli_p11_show(struct cli *cli, const char *uri, const kx_p11_opts *po)
{
	kx_p11 *t = NULL;
	kx_doc *doc = NULL;
	kx_diag *d;
	kx_buf b = { 0 };
	int r, ex;

	if ((d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, uri);
	if ((ex = open_token(cli, uri, po, &t, d)) != CLI_OK)
		goto out;
	if ((r = kx_p11_profiles(t, &doc, d)) != KX_OK ||
	    (r = kx_doc_summary(doc, &b)) != KX_OK) {
		ex = cli_fail(cli, d, r, uri);
		goto out;
	}
	cli_print_findings(cli, d, 0, uri);
	fprintf(cli->out, "token %s: %zu key%s (profiles from attributes; "
	    "no values)\n", kx_p11_label(t), kx_doc_key_count(doc),
	    kx_doc_key_count(doc) == 1 ? "" : "s");
	ex = cli_write(cli, NULL, b.data, b.len, 0);
out:
	kx_buf_free(&b);
	kx_doc_free(doc);
	kx_p11_close(t);
	kx_diag_free(d);
	return ex;
}

/* Shared set-up of a token command: --now, --policy, diagnostics. */
static int
setup(struct cli *cli, struct cli_xchg *x)
{
	int ex;

	x->cli = cli;
	if ((ex = cli_now(cli, x->now, &x->xo.now)) != CLI_OK)
		return ex;
	if ((x->d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, cli->cmd->name);
	if ((ex = cli_policy(cli, x->policy_path, &x->policy)) != CLI_OK)
		return ex;
	x->xo.policy = x->policy;
	return CLI_OK;
}

int
cli_p11_export(struct cli *cli, struct cli_xchg *x, const char *from,
    const char *kek, const kx_p11_opts *po)
{
	kx_p11 *t = NULL;
	const kx_key *k;
	const uint8_t *kcv;
	enum kx_kcv_method m;
	enum kx_format fmt = KX_FMT_XML;
	enum kx_wrap_alg w;
	const char *kekid;
	char names[64];
	char hex[2 * KX_KCV_MAX_LEN + 1];
	size_t len;
	int r, ex;

	if (!cli_is_p11(kek))
		return cli_usage(cli, "--from pkcs11: needs --kek pkcs11:URI "
		    "(a key in the same token: the token wraps)");
	/* the formats that carry wrapped values and transport keys */
	if (x->to != NULL && (kx_format_caps(fmt =
	    kx_format_from_name(x->to)) & KX_CAP_BOUND) == 0) {
		cli_format_list(KX_CAP_BOUND, names, sizeof(names));
		return cli_usage(cli, "--to: expected %s, got '%s'", names,
		    x->to);
	}
	if ((ex = setup(cli, x)) != CLI_OK)
		goto out;
	cli_audit_set(cli, KX_AF_INPUT, from);
	cli_audit_set(cli, KX_AF_OUTPUT, x->out);
	if ((ex = open_token(cli, from, po, &t, x->d)) != CLI_OK)
		goto out;
	if ((r = kx_p11_export(t, kek, &x->xo, &x->doc, x->d)) != KX_OK) {
		ex = cli_xchg_refused(cli, x, from, r);
		goto out;
	}
	cli_audit_doc(cli, x->doc);
	cli_print_findings(cli, x->d, 0, from);
	if ((ex = cli_write_doc(cli, x->doc, fmt, x->out, x->force)) !=
	    CLI_OK)
		goto out;
	k = kx_doc_key(x->doc, 0);
	kcv = kx_key_kcv(k, &len, &m);
	kekid = kx_key_wrapped(k, &w);
	if (kcv != NULL && len <= KX_KCV_MAX_LEN)
		kx_hex_encode(kcv, len, hex);
	fprintf(cli_status(cli, x->out), "exported %s from token %s: KCV %s "
	    "(%s, computed in the token), %s under %s as %s: %s\n",
	    kx_key_id(k), kx_p11_label(t), kcv != NULL ? hex : "none",
	    kcv != NULL ? kx_name(KX_ENUM_KCV_METHOD, m) : "-",
	    kx_p11_how(t), kekid, kx_name(KX_ENUM_WRAP_ALG, w),
	    kx_key_value_bound(k) ? "bound to its profile and the document "
	    "header" : w == KX_WRAP_RSA_OAEP_SHA256 ? "NOT bound to its "
	    "profile (an RSA transport key)" : "NOT bound to its profile "
	    "(--wrap aes-kwp)");
	ex = CLI_OK;
out:
	kx_p11_close(t);
	cli_xchg_close(x);
	return ex;
}

int
cli_p11_import(struct cli *cli, struct cli_xchg *x, const char *to,
    const char *kek, const char *in, const kx_p11_opts *po)
{
	struct cli_kek ck = { 0 };
	struct cli_list none = { 0 };
	size_t before = 0, i;
	kx_p11 *t = NULL;
	int r, ex;

	if (kek == NULL)
		return cli_usage(cli, "--to pkcs11: needs --kek (pkcs11:URI "
		    "for aes-kwp-cmac-bound, aes-kw and aes-kwp values, file:, "
		    "fd: or env: for any value)");
	if (x->out != NULL)
		return cli_usage(cli, "-o does not go with --to pkcs11: (the "
		    "keys go into the token)");
	x->to = NULL;
	if ((ex = cli_xchg_open(cli, x, in, KX_FMT_AUTO)) != CLI_OK)
		goto out;
	cli_audit_set(cli, KX_AF_OUTPUT, to);
	if ((ex = open_token(cli, to, po, &t, x->d)) != CLI_OK)
		goto out;
	if ((r = kx_p11_count(t, &before, x->d)) != KX_OK) {
		ex = cli_fail(cli, x->d, r, to);
		goto out;
	}
	if (cli_is_p11(kek)) {
		r = kx_p11_import(t, x->doc, kek, NULL, &x->xo, x->d);
	} else {
		if ((ex = cli_kek_load(cli, "transport key", kek, &none,
		    KX_ALG_NONE, "kek-alg", 0, &ck)) != CLI_OK)
			goto out;
		x->xo.from_kek_alg = ck.alg;
		r = kx_p11_import(t, x->doc, NULL, ck.key, &x->xo, x->d);
	}
	if (r != KX_OK) {
		cli_print_findings(cli, x->d, 0, in);
		p11_restored(cli, t, "import refused", before);
		ex = cli_exit_for(r);
		goto out;
	}
	cli_print_findings(cli, x->d, 0, in);
	for (i = 0; i < kx_doc_key_count(x->doc); i++) {
		const kx_key *k = kx_doc_key(x->doc, i);
		enum kx_kcv_method m;
		size_t len;
		const uint8_t *kcv = kx_key_kcv(k, &len, &m);
		char hex[2 * KX_KCV_MAX_LEN + 1];
		enum kx_wrap_alg w = KX_WRAP_NONE;
		const char *form;

		if (kcv != NULL && len <= KX_KCV_MAX_LEN)
			kx_hex_encode(kcv, len, hex);
		/* say the value's own form: not every value is bound */
		(void)kx_key_wrapped(k, &w);
		form = w != KX_WRAP_NONE ? kx_name(KX_ENUM_WRAP_ALG, w) :
		    "clear";
		fprintf(cli->out, "imported %s into token %s: %s value, %s; "
		    "%s; KCV %s%s%s\n", kx_key_id(k), kx_p11_label(t), form,
		    kx_key_value_bound(k) ? "bound to its profile and "
		    "verified" : "not bound to its profile (KX138: only its "
		    "KCV checks it)", cli_is_p11(kek) ? (kx_key_value_bound(k) ?
		    "tag verified and unwrapped in the token (C_Verify, "
		    "C_UnwrapKey)" : "unwrapped in the token with C_UnwrapKey") :
		    "unwrapped in process (secure heap), moved into the "
		    "token under a one-time session key with C_UnwrapKey and "
		    "wiped", kcv != NULL ? hex : "none",
		    kcv != NULL ? " matches, computed in the token" : "",
		    kcv != NULL ? "" : " (not checked)");
	}
	ex = CLI_OK;
out:
	cli_kek_free(&ck);
	kx_p11_close(t);
	cli_xchg_close(x);
	return ex;
}

int
cli_p11_store(struct cli *cli, const char *uri, const kx_p11_opts *po,
    const char *name, const kx_component_info *ci, kx_secret *const *v,
    size_t nv)
{
	char hex[2 * 16 + 1];
	const char *how = "-", *why;
	size_t before = 0, n = ci[0].key_kcv_len;
	kx_secret *key = NULL;
	kx_p11 *t = NULL;
	kx_diag *d;
	sigset_t hold, old, pend;
	int r, ex, in_token, held = 0;

	if ((d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, uri);
	cli_audit_set(cli, KX_AF_OUTPUT, uri);
	if ((ex = open_token(cli, uri, po, &t, d)) != CLI_OK)
		goto out;
	/*
	 * Ctrl-C (held by the library around its writes) is held here until
	 * the result is printed: an interrupted run that changed the token
	 * says what it stored (rev10c L3), then ends by the signal.
	 */
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGQUIT);
	held = sigprocmask(SIG_BLOCK, &hold, &old) == 0;
	in_token = ci[0].method == KX_SPLIT_XOR && kx_p11_has_xor(t);
	why = ci[0].method != KX_SPLIT_XOR ? "Shamir shares are not combined "
	    "by XOR in a token" : "the token has no CKM_XOR_BASE_AND_DATA";
	if ((r = kx_p11_count(t, &before, d)) == KX_OK) {
		if (in_token)
			r = kx_p11_combine(t, ci, v, nv, &how, d);
		else if ((r = kx_components_rebuild(ci, v, nv, name, &key,
		    d)) == KX_OK)
			r = kx_p11_store(t, key, ci[0].alg, ci[0].kcv_method,
			    ci[0].key_kcv, n, &how, d);
	}
	kx_secret_free(key);
	if (r != KX_OK) {
		ex = cli_fail(cli, d, r, uri);
		p11_restored(cli, t, NULL, before);
		goto out;
	}
	cli_print_findings(cli, d, 0, uri);
	kx_hex_encode(ci[0].key_kcv, n > 16 ? 16 : n, hex);
	fprintf(cli->out, "combined key stored in token %s as a transport "
	    "key (wrap, unwrap; sensitive, not extractable): KCV %s (%s) "
	    "matches, computed in the token; ", kx_p11_label(t), hex,
	    kx_name(KX_ENUM_KCV_METHOD, ci[0].kcv_method));
	if (in_token)
		fprintf(cli->out, "combined in the token: %zu components "
		    "XORed in with %s, the combined key never in process\n",
		    nv, how);
	else
		fprintf(cli->out, "combined in process on the secure heap "
		    "(%s), moved in with %s, wiped\n", why, how);
	if (strcmp(kx_p11_bound_setup(t), "-") != 0)
		fprintf(cli->out, "transport key in token %s: %s\n",
		    kx_p11_label(t), kx_p11_bound_setup(t));
	ex = CLI_OK;
out:
	kx_p11_close(t);
	kx_diag_free(d);
	if (held && ex == CLI_OK && sigpending(&pend) == 0 &&
	    (sigismember(&pend, SIGINT) ==
	    1 || sigismember(&pend, SIGTERM) == 1 || sigismember(&pend,
	    SIGHUP) == 1 || sigismember(&pend, SIGQUIT) == 1)) {
		fflush(cli->out);
		fprintf(cli->err, "kmsxchg: %s: interrupted after the token "
		    "changed (the key above is stored)\n", uri);
		fflush(cli->err);
	}
	if (held)
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return ex;
}

int
cli_p11_seal(struct cli *cli, const char *uri, const kx_p11_opts *po)
{
	size_t before = 0;
	kx_p11 *t = NULL;
	kx_diag *d;
	int r, ex;

	if ((d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, uri);
	cli_audit_set(cli, KX_AF_OUTPUT, uri);
	if ((ex = open_token(cli, uri, po, &t, d)) != CLI_OK)
		goto out;
	if ((r = kx_p11_count(t, &before, d)) == KX_OK)
		r = kx_p11_seal(t, d);
	if (r != KX_OK) {
		ex = cli_fail(cli, d, r, uri);
		p11_restored(cli, t, NULL, before);
		goto out;
	}
	cli_print_findings(cli, d, 0, uri);
	fprintf(cli->out, "transport key in token %s: %s\n", kx_p11_label(t),
	    kx_p11_bound_setup(t));
	ex = CLI_OK;
out:
	kx_p11_close(t);
	kx_diag_free(d);
	return ex;
}

int
cli_p11_read(struct cli *cli, const char *uri, const kx_p11_opts *po,
    const kx_xchg_opts *xo, kx_secret **key, enum kx_alg *alg, char *note,
    size_t nsize)
{
	const char *how = "-";
	kx_p11 *t = NULL;
	kx_diag *d;
	int r, ex, checked = 0;

	*key = NULL;
	if ((d = kx_diag_new()) == NULL)
		return cli_fail(cli, NULL, KX_ENOMEM, uri);
	if ((ex = open_token(cli, uri, po, &t, d)) != CLI_OK)
		goto out;
	if ((r = kx_p11_read(t, xo, key, alg, &checked, &how, d)) != KX_OK) {
		ex = cli_fail(cli, d, r, uri);
		goto out;
	}
	cli_print_findings(cli, d, 0, uri);
	snprintf(note, nsize, "key read from token %s: %s; %s", kx_p11_label(t),
	    how, checked ? "its KCV matches the one computed in the token" :
	    "NOT checked against the token (it computes no KCV of it)");
	ex = CLI_OK;
out:
	kx_p11_close(t);
	kx_diag_free(d);
	return ex;
}
