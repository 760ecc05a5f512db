/*
 * test_api_null.c - the NULL rule at the top of kmsxchg.h, walked over
 * the public API (issue 8 item 6): a NULL object to kx_*_free,
 * kx_audit_close, kx_diag_clear/set_strict does nothing; a query of NULL
 * gives the empty answer; every kx_diag argument may be NULL; any other
 * NULL argument the header does not allow aborts through the one
 * kxi_misuse, which names the function on stderr.  Each misuse runs in a
 * child process.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kxtest.h"

static volatile long sink;

#define USE(call) (sink = (long)(intptr_t)(call))

/* Run fn in a child: 1 when it aborted naming func on stderr. */
static int
aborts(void (*fn)(void), const char *func)
{
	char buf[512], want[128];
	int fd[2], st;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], STDERR_FILENO);
		/* cmocka's handlers would turn a crash into a report */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		fn();
		_exit(0);
	}
	close(fd[1]);
	while (got < sizeof(buf) - 1 &&
	    (n = read(fd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	snprintf(want, sizeof(want), "libkmsxchg: %s: misuse: ", func);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT ||
	    strstr(buf, want) == NULL) {
		print_error("NOT-MISUSE %s: %s %d, stderr '%.80s'\n", func,
		    WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ?
		    WTERMSIG(st) : WEXITSTATUS(st), buf);
		return 0;
	}
	return 1;
}

static kx_buf b;
static kx_secret *s;
static uint8_t u8[64];
static size_t z;
static char c64[64];
static kx_doc *doc;
static kx_component_info ci;
static int64_t t64;

/* ---- required arguments: one entry per pointer the API needs ---------- */
#define M(name, call) static void name(void) { call; }
M(m_buf_append, USE(kx_buf_append(NULL, "x", 1)))
M(m_buf_append_p, USE(kx_buf_append(&b, NULL, 1)))
M(m_buf_printf, USE(kx_buf_printf(NULL, "x")))
M(m_buf_printf_fmt, USE(kx_buf_printf(&b, NULL)))
M(m_hex_encode, kx_hex_encode(NULL, 1, c64))
M(m_hex_encode_out, kx_hex_encode(u8, 1, NULL))
M(m_hex_decode, USE(kx_hex_decode(NULL, 1, u8, 1, &z)))
M(m_hex_decode_len, USE(kx_hex_decode("00", 2, u8, 1, NULL)))
M(m_report_write, USE(kx_report_write(NULL, NULL, 0, KX_REPORT_TEXT,
    NULL)))
M(m_report_write_opts, USE(kx_report_write_opts(NULL, NULL, 0,
    KX_REPORT_TEXT, NULL, NULL)))
M(m_secret_new, USE(kx_secret_new(16, NULL)))
M(m_secret_from, USE(kx_secret_from(u8, 16, NULL)))
M(m_secret_from_p, USE(kx_secret_from(NULL, 16, &s)))
M(m_keysrc_load, USE(kx_keysrc_load(NULL, &s, NULL, NULL)))
M(m_keysrc_load_out, USE(kx_keysrc_load("env:X", NULL, NULL, NULL)))
M(m_keysrc_load_as, USE(kx_keysrc_load_as(NULL, KX_ALG_AES, 0, &s, NULL,
    NULL)))
M(m_keysrc_load_pass, USE(kx_keysrc_load_pass(NULL, &s, NULL)))
M(m_kcv_len_range, USE(kx_kcv_len_range(KX_KCV_CMAC, NULL, &z)))
M(m_kcv_compute, USE(kx_kcv_compute(KX_ALG_AES, KX_KCV_GP_AES, NULL, u8, 3,
    NULL)))
M(m_kcv_compute_out, USE(kx_kcv_compute(KX_ALG_AES, KX_KCV_GP_AES, s, NULL,
    3, NULL)))
M(m_alg_for_len, USE(kx_alg_for_len(KX_ALG_AES, 16, NULL)))
M(m_wrap, USE(kx_wrap(KX_WRAP_AES_KW, NULL, s, NULL, 0, &b, NULL)))
M(m_wrap_out, USE(kx_wrap(KX_WRAP_AES_KW, s, s, NULL, 0, NULL, NULL)))
M(m_unwrap, USE(kx_unwrap(KX_WRAP_AES_KW, NULL, u8, 24, NULL, 0, &s, NULL)))
M(m_unwrap_out, USE(kx_unwrap(KX_WRAP_AES_KW, s, u8, 24, NULL, 0, NULL,
    NULL)))
M(m_pem_unlock, USE(kx_pem_unlock(NULL, s, &s, NULL)))
M(m_split, USE(kx_split(NULL, 2, 0, &s, NULL, NULL)))
M(m_split_parts, USE(kx_split(s, 2, 0, NULL, NULL, NULL)))
M(m_combine, USE(kx_combine(NULL, NULL, 2, 0, &s, NULL)))
M(m_combine_out, USE(kx_combine(&s, NULL, 2, 0, NULL, NULL)))
M(m_component_write, USE(kx_component_write(NULL, s, &b, NULL)))
M(m_component_write_v, USE(kx_component_write(&ci, NULL, &b, NULL)))
M(m_component_write_out, USE(kx_component_write(&ci, s, NULL, NULL)))
M(m_component_read, USE(kx_component_read(u8, 1, "c", NULL, &s, NULL)))
M(m_component_read_v, USE(kx_component_read(u8, 1, "c", &ci, NULL, NULL)))
M(m_components_combine, USE(kx_components_combine(NULL, 2, NULL, &s,
    NULL)))
M(m_components_combine_k, USE(kx_components_combine((const char *[]){ "a",
    "b" }, 2, NULL, NULL, NULL)))
M(m_doc_read, USE(kx_doc_read(u8, 1, KX_FMT_AUTO, "x", NULL, NULL)))
M(m_doc_read_file, USE(kx_doc_read_file(NULL, KX_FMT_AUTO, &doc, NULL)))
M(m_doc_read_file_out, USE(kx_doc_read_file("x", KX_FMT_AUTO, NULL, NULL)))
M(m_doc_write, USE(kx_doc_write(NULL, KX_FMT_XML, &b, NULL)))
M(m_doc_write_out, USE(kx_doc_write(doc, KX_FMT_XML, NULL, NULL)))
M(m_doc_write_key, USE(kx_doc_write_key(NULL, 0, KX_FMT_XML, &b, NULL)))
M(m_doc_validate, USE(kx_doc_validate(NULL, NULL, 0, NULL, NULL)))
M(m_doc_report_html, USE(kx_doc_report_html(NULL, &b, NULL)))
M(m_doc_report_html_out, USE(kx_doc_report_html(doc, NULL, NULL)))
M(m_doc_summary, USE(kx_doc_summary(NULL, &b)))
M(m_doc_summary_out, USE(kx_doc_summary(doc, NULL)))
M(m_doc_summary_head, USE(kx_doc_summary_head(NULL, 0, &b)))
M(m_key_summary, USE(kx_key_summary(NULL, &b)))
M(m_reader_open, USE(kx_reader_open(NULL, KX_FMT_AUTO, NULL, NULL)))
M(m_reader_next, USE(kx_reader_next(NULL, NULL, NULL)))
M(m_reader_rewind, USE(kx_reader_rewind(NULL, NULL, NULL)))
M(m_writer_open, USE(kx_writer_open(NULL, KX_FMT_XML, NULL, NULL, NULL,
    NULL)))
M(m_writer_key, USE(kx_writer_key(NULL, NULL, NULL)))
M(m_writer_finish, USE(kx_writer_finish(NULL, NULL)))
M(m_file_validate, USE(kx_file_validate(NULL, NULL, 0, NULL, NULL)))
M(m_file_write_atomic_fd, USE(kx_file_write_atomic_fd(NULL, 0, 0, 0, NULL)))
M(m_export, USE(kx_export(NULL, NULL, 0, s, NULL, NULL)))
M(m_import, USE(kx_import(NULL, s, NULL, NULL, NULL, NULL)))
M(m_rewrap, USE(kx_rewrap(NULL, s, s, NULL, NULL)))
M(m_policy_read_file, USE(kx_policy_read_file(NULL, NULL, NULL)))
M(m_policy_read, USE(kx_policy_read(u8, 1, "p", NULL, NULL)))
M(m_audit_rec_new, USE(kx_audit_rec_new(NULL, 0, NULL)))
M(m_audit_rec_time, kx_audit_rec_time(NULL, 0))
M(m_audit_rec_set, USE(kx_audit_rec_set(NULL, KX_AF_INPUT, "x")))
M(m_audit_rec_doc, USE(kx_audit_rec_doc(NULL, doc)))
M(m_audit_rec_key, USE(kx_audit_rec_key(NULL, "k", 0, u8, 3,
    KX_KCV_GP_AES)))
M(m_audit_rec_policy, USE(kx_audit_rec_policy(NULL, NULL, NULL, NULL)))
M(m_audit_rec_rules, USE(kx_audit_rec_rules(NULL, NULL)))
M(m_audit_rec_result, kx_audit_rec_result(NULL, KX_AUDIT_OK))
M(m_audit_rec_format, USE(kx_audit_rec_format(NULL, 1, u8, &b)))
M(m_audit_open, USE(kx_audit_open(NULL, NULL, NULL)))
M(m_audit_append, USE(kx_audit_append(NULL, NULL, NULL, NULL, NULL)))
M(m_audit_verify, USE(kx_audit_verify(NULL, 1, "a", NULL, NULL, NULL)))
M(m_time_parse, USE(kx_time_parse(NULL, &t64)))
M(m_time_parse_out, USE(kx_time_parse("2026-01-01", NULL)))
M(m_time_format, kx_time_format(0, NULL))
M(m_file_write_atomic, USE(kx_file_write_atomic(NULL, u8, 1, 0, NULL)))
M(m_file_read, USE(kx_file_read(NULL, 0, &b, NULL)))
M(m_file_read_out, USE(kx_file_read("x", 0, NULL, NULL)))
M(m_file_read_private, USE(kx_file_read_private(NULL, 0, &b, NULL)))
M(m_doc_new, USE(kx_doc_new(NULL, 0, "s", &doc)))
M(m_doc_new_sender, USE(kx_doc_new("d", 0, NULL, &doc)))
M(m_doc_new_out, USE(kx_doc_new("d", 0, "s", NULL)))
M(m_doc_add_recipient, USE(kx_doc_add_recipient(NULL, "r")))
M(m_doc_add_recipient_v, USE(kx_doc_add_recipient(doc, NULL)))
M(m_doc_set_comment, USE(kx_doc_set_comment(NULL, "c")))
M(m_doc_add_key, USE(kx_doc_add_key(NULL, "k", NULL)))
M(m_doc_add_key_id, USE(kx_doc_add_key(doc, NULL, NULL)))
M(m_key_set_alg, USE(kx_key_set_alg(NULL, KX_ALG_AES, 128)))
M(m_key_set_class, USE(kx_key_set_class(NULL, KX_CLASS_SECRET)))
M(m_key_set_usage, USE(kx_key_set_usage(NULL, 0)))
M(m_key_set_modes, USE(kx_key_set_modes(NULL, 0)))
M(m_key_set_role, USE(kx_key_set_role(NULL, KX_ROLE_NONE)))
M(m_key_set_validity, USE(kx_key_set_validity(NULL, 0, 1)))
M(m_key_set_state, USE(kx_key_set_state(NULL, KX_STATE_ACTIVE)))
M(m_key_set_mode, USE(kx_key_set_mode(NULL, KX_KEYMODE_TEST)))
M(m_key_set_created, kx_key_set_created(NULL, 0))
M(m_key_set_sensitive, kx_key_set_sensitive(NULL, 0))
M(m_key_set_text, USE(kx_key_set_text(NULL, KX_KT_NAME, "n")))
M(m_key_set_export, USE(kx_key_set_export(NULL, 1, 0)))
M(m_key_add_export_destination, USE(kx_key_add_export_destination(NULL, "d")))
M(m_key_add_export_destination_v, USE(kx_key_add_export_destination(kx_doc_key_mut(doc, 0), NULL)))
M(m_key_set_min_wrap_strength, USE(kx_key_set_min_wrap_strength(NULL, 128)))
M(m_key_set_trusted_kek_only, USE(kx_key_set_trusted_kek_only(NULL, 1)))
M(m_key_set_import_allowed, kx_key_set_import_allowed(NULL, 1))
M(m_key_add_import_source, USE(kx_key_add_import_source(NULL, "s")))
M(m_key_add_import_source_v, USE(kx_key_add_import_source(kx_doc_key_mut(doc, 0), NULL)))
M(m_key_gp_get, USE(kx_key_gp_get(kx_doc_key(doc, 0), NULL)))
M(m_key_gp_set, USE(kx_key_gp_set(NULL, NULL)))
M(m_key_set_kcv, USE(kx_key_set_kcv(NULL, KX_KCV_GP_AES, u8, 3)))
M(m_p11_open, USE(kx_p11_open(NULL, NULL, NULL, NULL)))
M(m_p11_open_out, USE(kx_p11_open("pkcs11:", NULL, NULL, NULL)))
M(m_p11_count, USE(kx_p11_count(NULL, &z, NULL)))
M(m_p11_profiles, USE(kx_p11_profiles(NULL, &doc, NULL)))
M(m_p11_export, USE(kx_p11_export(NULL, "pkcs11:", NULL, &doc, NULL)))
M(m_p11_import, USE(kx_p11_import(NULL, doc, "pkcs11:", NULL, NULL, NULL)))
M(m_p11_store, USE(kx_p11_store(NULL, s, KX_ALG_AES, KX_KCV_GP_AES, u8, 3,
    NULL, NULL)))
M(m_p11_read, USE(kx_p11_read(NULL, NULL, NULL, NULL, NULL, NULL, NULL)))
M(m_p11_seal, USE(kx_p11_seal(NULL, NULL)))
M(m_key_wrapped, USE(kx_key_wrapped(NULL, NULL)))
#undef M

#define E(fn, func) { fn, func }
static const struct {
	void (*fn)(void);
	const char *func;
} misuse[] = {
	E(m_buf_append, "kx_buf_append"),
	E(m_buf_append_p, "kx_buf_append"),
	E(m_buf_printf, "kx_buf_printf"),
	E(m_buf_printf_fmt, "kx_buf_printf"),
	E(m_hex_encode, "kx_hex_encode"),
	E(m_hex_encode_out, "kx_hex_encode"),
	E(m_hex_decode, "kx_hex_decode"),
	E(m_hex_decode_len, "kx_hex_decode"),
	E(m_report_write, "kx_report_write_opts"),
	E(m_report_write_opts, "kx_report_write_opts"),
	E(m_secret_new, "kx_secret_new"),
	E(m_secret_from, "kx_secret_from"),
	E(m_secret_from_p, "kx_secret_from"),
	E(m_keysrc_load, "kx_keysrc_load_as"),
	E(m_keysrc_load_out, "kx_keysrc_load_as"),
	E(m_keysrc_load_as, "kx_keysrc_load_as"),
	E(m_keysrc_load_pass, "kx_keysrc_load_pass"),
	E(m_kcv_len_range, "kx_kcv_len_range"),
	E(m_kcv_compute, "kx_kcv_compute"),
	E(m_kcv_compute_out, "kx_kcv_compute"),
	E(m_alg_for_len, "kx_alg_for_len"),
	E(m_wrap, "kx_wrap"),
	E(m_wrap_out, "kx_wrap"),
	E(m_unwrap, "kx_unwrap"),
	E(m_unwrap_out, "kx_unwrap"),
	E(m_pem_unlock, "kx_pem_unlock"),
	E(m_split, "kx_split"),
	E(m_split_parts, "kx_split"),
	E(m_combine, "kx_combine"),
	E(m_combine_out, "kx_combine"),
	E(m_component_write, "kx_component_write"),
	E(m_component_write_v, "kx_component_write"),
	E(m_component_write_out, "kx_component_write"),
	E(m_component_read, "kx_component_read"),
	E(m_component_read_v, "kx_component_read"),
	E(m_components_combine, "kx_components_combine"),
	E(m_components_combine_k, "kx_components_combine"),
	E(m_doc_read, "kx_doc_read"),
	E(m_doc_read_file, "kx_doc_read_file"),
	E(m_doc_read_file_out, "kx_doc_read_file"),
	E(m_doc_write, "kx_doc_write"),
	E(m_doc_write_out, "kx_doc_write"),
	E(m_doc_write_key, "kx_doc_write_key"),
	E(m_doc_validate, "kx_doc_validate"),
	E(m_doc_report_html, "kx_doc_report_html"),
	E(m_doc_report_html_out, "kx_doc_report_html"),
	E(m_doc_summary, "kx_doc_summary"),
	E(m_doc_summary_out, "kx_doc_summary"),
	E(m_doc_summary_head, "kx_doc_summary_head"),
	E(m_key_summary, "kx_key_summary"),
	E(m_reader_open, "kx_reader_open"),
	E(m_reader_next, "kx_reader_next"),
	E(m_reader_rewind, "kx_reader_rewind"),
	E(m_writer_open, "kx_writer_open"),
	E(m_writer_key, "kx_writer_key"),
	E(m_writer_finish, "kx_writer_finish"),
	E(m_file_validate, "kx_file_validate"),
	E(m_file_write_atomic_fd, "kx_file_write_atomic_fd"),
	E(m_export, "kx_export"),
	E(m_import, "kx_import"),
	E(m_rewrap, "kx_rewrap"),
	E(m_policy_read_file, "kx_policy_read_file"),
	E(m_policy_read, "kx_policy_read"),
	E(m_audit_rec_new, "kx_audit_rec_new"),
	E(m_audit_rec_time, "kx_audit_rec_time"),
	E(m_audit_rec_set, "kx_audit_rec_set"),
	E(m_audit_rec_doc, "kx_audit_rec_doc"),
	E(m_audit_rec_key, "kx_audit_rec_key"),
	E(m_audit_rec_policy, "kx_audit_rec_policy"),
	E(m_audit_rec_rules, "kx_audit_rec_rules"),
	E(m_audit_rec_result, "kx_audit_rec_result"),
	E(m_audit_rec_format, "kx_audit_rec_format"),
	E(m_audit_open, "kx_audit_open"),
	E(m_audit_append, "kx_audit_append"),
	E(m_audit_verify, "kx_audit_verify"),
	E(m_time_parse, "kx_time_parse"),
	E(m_time_parse_out, "kx_time_parse"),
	E(m_time_format, "kx_time_format"),
	E(m_file_write_atomic, "kx_file_write_atomic"),
	E(m_file_read, "kx_file_read"),
	E(m_file_read_out, "kx_file_read"),
	E(m_file_read_private, "kx_file_read_private"),
	E(m_doc_new, "kx_doc_new"),
	E(m_doc_new_sender, "kx_doc_new"),
	E(m_doc_new_out, "kx_doc_new"),
	E(m_doc_add_recipient, "kx_doc_add_recipient"),
	E(m_doc_add_recipient_v, "kx_doc_add_recipient"),
	E(m_doc_set_comment, "kx_doc_set_comment"),
	E(m_doc_add_key, "kx_doc_add_key"),
	E(m_doc_add_key_id, "kx_doc_add_key"),
	E(m_key_set_alg, "kx_key_set_alg"),
	E(m_key_set_class, "kx_key_set_class"),
	E(m_key_set_usage, "kx_key_set_usage"),
	E(m_key_set_modes, "kx_key_set_modes"),
	E(m_key_set_role, "kx_key_set_role"),
	E(m_key_set_validity, "kx_key_set_validity"),
	E(m_key_set_state, "kx_key_set_state"),
	E(m_key_set_mode, "kx_key_set_mode"),
	E(m_key_set_created, "kx_key_set_created"),
	E(m_key_set_sensitive, "kx_key_set_sensitive"),
	E(m_key_set_text, "kx_key_set_text"),
	E(m_key_set_export, "kx_key_set_export"),
	E(m_key_add_export_destination, "kx_key_add_export_destination"),
	E(m_key_add_export_destination_v, "kx_key_add_export_destination"),
	E(m_key_set_min_wrap_strength, "kx_key_set_min_wrap_strength"),
	E(m_key_set_trusted_kek_only, "kx_key_set_trusted_kek_only"),
	E(m_key_set_import_allowed, "kx_key_set_import_allowed"),
	E(m_key_add_import_source, "kx_key_add_import_source"),
	E(m_key_add_import_source_v, "kx_key_add_import_source"),
	E(m_key_gp_get, "kx_key_gp_get"),
	E(m_key_gp_set, "kx_key_gp_set"),
	E(m_key_set_kcv, "kx_key_set_kcv"),
	E(m_p11_open, "kx_p11_open"),
	E(m_p11_open_out, "kx_p11_open"),
	E(m_p11_count, "kx_p11_count"),
	E(m_p11_profiles, "kx_p11_profiles"),
	E(m_p11_export, "kx_p11_export"),
	E(m_p11_import, "kx_p11_import"),
	E(m_p11_store, "kx_p11_store"),
	E(m_p11_read, "kx_p11_read"),
	E(m_p11_seal, "kx_p11_seal"),
	E(m_key_wrapped, "kx_key_wrapped"),
};
#undef E

static int
setup(void **state)
{
	kx_diag *d = kx_diag_new();

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_int_equal(kx_secret_new(16, &s), KX_OK);
	kxt_slurp("samples/exchange/full-profile.xml", &b);
	assert_int_equal(kx_doc_read(b.data, b.len, KX_FMT_XML, "full", &doc,
	    d), KX_OK);
	kx_buf_free(&b);
	memset(&b, 0, sizeof(b));
	kx_diag_free(d);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	kx_doc_free(doc);
	kx_secret_free(s);
	return 0;
}

static void
test_required_null_aborts(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(misuse) / sizeof(misuse[0]); i++)
		bad += !aborts(misuse[i].fn, misuse[i].func);
	assert_int_equal(bad, 0);
}

/* Freeing NULL, clearing NULL and asking NULL are allowed. */
static void
test_null_allowed(void **state)
{
	size_t n;
	enum kx_kcv_method m;

	(void)state;
	kx_buf_free(NULL);
	kx_diag_free(NULL);
	kx_secret_free(NULL);
	kx_doc_free(NULL);
	kx_policy_free(NULL);
	kx_audit_rec_free(NULL);
	kx_audit_close(NULL);
	kx_p11_close(NULL);
	kx_p11_set_defaults(NULL);
	assert_null(kx_p11_label(NULL));
	assert_int_equal(kx_p11_has_xor(NULL), 0);
	assert_string_equal(kx_p11_bound_setup(NULL), "-");
	kx_diag_clear(NULL);
	kx_diag_set_strict(NULL, 1);
	kx_secret_truncate(NULL, 0);
	assert_int_equal(kx_diag_count(NULL), 0);
	assert_int_equal(kx_diag_count_at(NULL, KX_SEV_ERROR), 0);
	assert_int_equal(kx_diag_dropped(NULL, KX_SEV_ERROR), 0);
	assert_null(kx_diag_get(NULL, 0));
	assert_null(kx_secret_data(NULL));
	assert_null(kx_secret_mut(NULL));
	assert_int_equal(kx_secret_len(NULL), 0);
	assert_int_equal(kx_doc_key_count(NULL), 0);
	assert_null(kx_doc_key(NULL, 0));
	assert_null(kx_doc_id(NULL));
	assert_int_equal(kx_doc_extension_count(NULL), 0);
	assert_int_equal(kx_key_has_clear(NULL), 0);
	assert_null(kx_reader_doc(NULL));
	assert_int_equal(kx_reader_keys(NULL), 0);
	assert_true(kx_reader_format(NULL) == KX_FMT_NONE);
	assert_true(kx_doc_format(NULL) == KX_FMT_NONE);
	assert_true((int)KX_FMT_NONE == -1);
	kx_reader_close(NULL);
	kx_writer_free(NULL);
	assert_null(kx_key_id(NULL));
	assert_null(kx_key_kcv(NULL, &n, &m));
	assert_int_equal(kx_doc_has_clear(NULL), 0);
	assert_int_equal(kx_doc_has_values(NULL), 0);
	assert_int_equal(kx_key_is_protected(NULL), 1);	/* the safe answer */
	assert_int_equal(kx_doc_find_key(NULL, "x"), -1);
	assert_int_equal(kx_doc_find_key(doc, NULL), -1);
	/* the builder's getters (api.c) */
	assert_true(kx_doc_created(NULL) == KX_TIME_UNSET);
	assert_null(kx_doc_sender(NULL));
	assert_null(kx_doc_comment(NULL));
	assert_int_equal(kx_doc_recipient_count(NULL), 0);
	assert_null(kx_doc_recipient(NULL, 0));
	assert_null(kx_doc_key_mut(NULL, 0));
	assert_int_equal(kx_key_alg(NULL), -1);
	assert_int_equal(kx_key_length_bits(NULL), 0);
	assert_int_equal(kx_key_class(NULL), -1);
	assert_int_equal(kx_key_usage(NULL), 0);
	assert_int_equal(kx_key_modes(NULL), 0);
	assert_int_equal(kx_key_role(NULL), -1);
	assert_true(kx_key_not_before(NULL) == KX_TIME_UNSET);
	assert_true(kx_key_not_after(NULL) == KX_TIME_UNSET);
	assert_int_equal(kx_key_state(NULL), -1);
	assert_int_equal(kx_key_mode(NULL), -1);
	assert_true(kx_key_created(NULL) == KX_TIME_UNSET);
	assert_int_equal(kx_key_sensitive(NULL), 1);	/* the safe answer */
	assert_null(kx_key_text(NULL, KX_KT_NAME));
	assert_int_equal(kx_key_export_allowed(NULL), 0);
	assert_int_equal(kx_key_export_forms(NULL), 0);
	assert_int_equal(kx_key_export_destination_count(NULL), 0);
	assert_null(kx_key_export_destination(NULL, 0));
	assert_int_equal(kx_key_min_wrap_strength(NULL), -1);
	assert_int_equal(kx_key_trusted_kek_only(NULL), -1);
	assert_int_equal(kx_key_import_allowed(NULL), 0);
	assert_int_equal(kx_key_import_source_count(NULL), 0);
	assert_null(kx_key_import_source(NULL, 0));
	{
		kx_key_gp g;

		assert_int_equal(kx_key_gp_get(NULL, &g), 0);
		assert_int_equal(g.kvn, -1);
	}
	assert_int_equal(kx_key_value_form(NULL), -1);
	assert_null(kx_key_value_kek_id(NULL));
	assert_null(kx_key_kcv(NULL, NULL, NULL));
	/* a comment may be removed with NULL */
	assert_int_equal(kx_doc_set_comment(doc, NULL), KX_OK);
	assert_int_equal(kx_value(KX_ENUM_ALG, NULL), -1);
	assert_null(kx_rule_find(NULL));
	assert_int_equal(kx_format_from_name(NULL), KX_FMT_AUTO);
	assert_int_equal(kx_format_detect(NULL, 0), KX_FMT_AUTO);
	/* a kx_diag argument may always be NULL */
	assert_int_equal(kx_kcv_compute(KX_ALG_AES, KX_KCV_GP_AES, s, u8, 3,
	    NULL), KX_OK);
	assert_int_equal(kx_doc_validate(doc, NULL, 0, NULL, NULL) <= 0, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_null_aborts),
		cmocka_unit_test(test_null_allowed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
