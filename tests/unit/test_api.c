/*
 * test_api.c - the builder and field getters of kmsxchg.h (issue 8 item
 * 6), through the public API only: a document built field by field equals
 * the sample written by hand byte for byte; every field set survives
 * native XML and DER and reads back through the getters; setters refuse
 * values the model does not have.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kxtest.h"

static int64_t
t(const char *s)
{
	int64_t v;

	assert_int_equal(kx_time_parse(s, &v), KX_OK);
	return v;
}

static const uint8_t sd_aid[] = { 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00,
	0x00 };

/* One ISD key of samples/exchange/isd-keys.profile.xml. */
static void
isd_key(kx_doc *doc, const char *id, const char *name, uint32_t usage,
    enum kx_mode_of_op mode, enum kx_role role, int kid, int kuq)
{
	kx_key *k;
	kx_key_gp g = {
		.key_type = 0x88, .kvn = 0x30, .kid = kid, .kuq = kuq,
		.kuq_len = 1, .access = 0x01, .scp = KX_SCP03, .scp_i = 0x70,
		.sd_aid = sd_aid, .sd_aid_len = sizeof(sd_aid),
		.diversification = KX_DIV_NONE,
	};

	assert_int_equal(kx_doc_add_key(doc, id, &k), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_NAME, name), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_OWNER,
	    "Example Issuer Bank"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_CREATOR,
	    "Example Issuer Bank"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_HOLDER,
	    "ACME Card Manufacturing"), KX_OK);
	assert_int_equal(kx_key_set_class(k, KX_CLASS_SECRET), KX_OK);
	assert_int_equal(kx_key_set_alg(k, KX_ALG_AES, 128), KX_OK);
	assert_int_equal(kx_key_set_modes(k, 1u << mode), KX_OK);
	assert_int_equal(kx_key_set_usage(k, usage), KX_OK);
	assert_int_equal(kx_key_set_role(k, role), KX_OK);
	assert_int_equal(kx_key_gp_set(k, &g), KX_OK);
	assert_int_equal(kx_key_set_validity(k, t("2026-01-01T00:00:00Z"),
	    t("2031-12-31T23:59:59Z")), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_CRYPTOPERIOD, "P2Y"), KX_OK);
	assert_int_equal(kx_key_set_state(k, KX_STATE_ACTIVE), KX_OK);
	assert_int_equal(kx_key_set_mode(k, KX_KEYMODE_PRODUCTION), KX_OK);
	kx_key_set_created(k, t("2025-12-15T10:00:00Z"));
	assert_int_equal(kx_key_set_export(k, 1, 1u << KX_FORM_BOUND_BLOCK),
	    KX_OK);
	assert_int_equal(kx_key_add_export_destination(k,
	    "Example Issuer Bank"), KX_OK);
	kx_key_set_sensitive(k, 1);
	kx_key_set_import_allowed(k, 1);
}

/* samples/exchange/isd-keys.profile.xml, field by field. */
static kx_doc *
build_isd(void)
{
	kx_doc *doc;

	assert_int_equal(kx_doc_new("ISD-KVN30-PROFILES",
	    t("2026-01-05T09:30:00Z"), "ACME Card Manufacturing", &doc), KX_OK);
	assert_int_equal(kx_doc_add_recipient(doc, "Example Issuer Bank"),
	    KX_OK);
	assert_int_equal(kx_doc_set_comment(doc, "TEST DATA ONLY: the "
	    "transport-key components and GP key values are the fixed test "
	    "values of samples/README.md."), KX_OK);
	isd_key(doc, "ISD-KVN30-ENC", "ISD SCP03 key set 30 ENC",
	    KX_USAGE_BIT(KX_U_ENCRYPT) | KX_USAGE_BIT(KX_U_DECRYPT) |
	    KX_USAGE_BIT(KX_U_DERIVE), KX_M_CBC, KX_ROLE_GP_ENC, 0x01, 0x38);
	isd_key(doc, "ISD-KVN30-MAC", "ISD SCP03 key set 30 MAC",
	    KX_USAGE_BIT(KX_U_MAC_GENERATE) | KX_USAGE_BIT(KX_U_MAC_VERIFY) |
	    KX_USAGE_BIT(KX_U_DERIVE), KX_M_CMAC, KX_ROLE_GP_MAC, 0x02, 0x34);
	isd_key(doc, "ISD-KVN30-DEK", "ISD SCP03 key set 30 DEK",
	    KX_USAGE_BIT(KX_U_WRAP) | KX_USAGE_BIT(KX_U_UNWRAP), KX_M_CBC,
	    KX_ROLE_GP_DEK, 0x03, 0x48);
	return doc;
}

/* The API builds exactly the document the sample spells out by hand. */
static void
test_build_equals_sample(void **state)
{
	kx_doc *doc;
	kx_buf want = { 0 }, got = { 0 };
	kx_diag *d = kx_diag_new();

	(void)state;
	doc = build_isd();
	assert_int_equal(kx_doc_write(doc, KX_FMT_XML, &got, d), KX_OK);
	kxt_slurp("samples/exchange/isd-keys.profile.xml", &want);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	/* and it is a valid document */
	assert_int_equal(kx_doc_validate(doc, NULL, t("2027-01-01"), NULL, d),
	    KX_OK);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 0);
	kx_buf_free(&want);
	kx_buf_free(&got);
	kx_doc_free(doc);
	kx_diag_free(d);
}

static const uint8_t kcv[] = { 0x12, 0x34, 0x56 };

/* A key with every field the API sets, none at its default. */
static kx_doc *
build_full(void)
{
	kx_doc *doc;
	kx_key *k;
	kx_key_gp g = {
		.key_type = 0x88, .kvn = 0x21, .kid = 0x03, .kuq = 0x1234,
		.kuq_len = 2, .access = 0x02, .scp = KX_SCP02, .scp_i = 0x55,
		.sd_aid = sd_aid, .sd_aid_len = sizeof(sd_aid),
		.diversification = KX_DIV_EMV,
	};

	assert_int_equal(kx_doc_new("DOC-1", t("2026-02-03T04:05:06Z"),
	    "Sender Ltd", &doc), KX_OK);
	assert_int_equal(kx_doc_add_recipient(doc, "Bank A"), KX_OK);
	assert_int_equal(kx_doc_add_recipient(doc, "Bank B"), KX_OK);
	assert_int_equal(kx_doc_set_comment(doc, "built <by> the API & co"),
	    KX_OK);
	assert_int_equal(kx_doc_add_key(doc, "K-PLAIN", &k), KX_OK);
	assert_int_equal(kx_key_set_alg(k, KX_ALG_AES, 256), KX_OK);
	assert_int_equal(kx_doc_add_key(doc, "K-FULL", &k), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_NAME, "Full key"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_DESCRIPTION, "every field"),
	    KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_TEMPLATE, "TPL-7"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_REFERENCE, "REF-9"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_VERSION, "3"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_OWNER, "Owner"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_CREATOR, "Creator"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_HOLDER, "Holder"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_CRYPTOPERIOD, "P1Y6M"),
	    KX_OK);
	assert_int_equal(kx_key_set_class(k, KX_CLASS_SECRET), KX_OK);
	assert_int_equal(kx_key_set_alg(k, KX_ALG_TDEA3, 192), KX_OK);
	assert_int_equal(kx_key_set_modes(k, (1u << KX_M_CBC) |
	    (1u << KX_M_RETAIL_MAC)), KX_OK);
	assert_int_equal(kx_key_set_usage(k, KX_USAGE_BIT(KX_U_WRAP) |
	    KX_USAGE_BIT(KX_U_UNWRAP)), KX_OK);
	assert_int_equal(kx_key_set_role(k, KX_ROLE_KEK), KX_OK);
	assert_int_equal(kx_key_gp_set(k, &g), KX_OK);
	assert_int_equal(kx_key_set_validity(k, t("2026-03-01T00:00:00Z"),
	    t("2028-02-29T12:00:00Z")), KX_OK);
	assert_int_equal(kx_key_set_state(k, KX_STATE_PRE_ACTIVE), KX_OK);
	assert_int_equal(kx_key_set_mode(k, KX_KEYMODE_TEST), KX_OK);
	kx_key_set_created(k, t("2026-01-31T23:59:59Z"));
	assert_int_equal(kx_key_set_export(k, 1, (1u << KX_FORM_WRAPPED) |
	    (1u << KX_FORM_COMPONENTS)), KX_OK);
	assert_int_equal(kx_key_add_export_destination(k, "Bank A"), KX_OK);
	assert_int_equal(kx_key_add_export_destination(k, "Bank B"), KX_OK);
	assert_int_equal(kx_key_set_min_wrap_strength(k, 128), KX_OK);
	assert_int_equal(kx_key_set_trusted_kek_only(k, 1), KX_OK);
	kx_key_set_sensitive(k, 0);
	kx_key_set_import_allowed(k, 0);
	assert_int_equal(kx_key_add_import_source(k, "Sender Ltd"), KX_OK);
	assert_int_equal(kx_key_set_kcv(k, KX_KCV_GP_DES, kcv, sizeof(kcv)),
	    KX_OK);
	return doc;
}

static void
check_full(const kx_doc *doc)
{
	const kx_key *k, *p;
	kx_key_gp g;
	size_t n;
	enum kx_kcv_method m;
	enum kx_wrap_alg wa;
	const uint8_t *c;

	assert_string_equal(kx_doc_id(doc), "DOC-1");
	assert_true(kx_doc_created(doc) == t("2026-02-03T04:05:06Z"));
	assert_string_equal(kx_doc_sender(doc), "Sender Ltd");
	assert_int_equal(kx_doc_recipient_count(doc), 2);
	assert_string_equal(kx_doc_recipient(doc, 0), "Bank A");
	assert_string_equal(kx_doc_recipient(doc, 1), "Bank B");
	assert_null(kx_doc_recipient(doc, 2));
	assert_string_equal(kx_doc_comment(doc), "built <by> the API & co");
	assert_int_equal(kx_doc_key_count(doc), 2);

	/* the defaults of a key nobody set anything on */
	p = kx_doc_key(doc, 0);
	assert_string_equal(kx_key_id(p), "K-PLAIN");
	assert_int_equal(kx_key_class(p), KX_CLASS_SECRET);
	assert_int_equal(kx_key_alg(p), KX_ALG_AES);
	assert_int_equal(kx_key_length_bits(p), 256);
	assert_int_equal(kx_key_usage(p), 0);
	assert_int_equal(kx_key_state(p), KX_STATE_ACTIVE);
	assert_int_equal(kx_key_mode(p), KX_KEYMODE_PRODUCTION);
	assert_int_equal(kx_key_sensitive(p), 1);
	assert_int_equal(kx_key_export_allowed(p), 0);
	assert_int_equal(kx_key_import_allowed(p), 1);
	assert_int_equal(kx_key_min_wrap_strength(p), -1);
	assert_int_equal(kx_key_trusted_kek_only(p), -1);
	assert_true(kx_key_not_before(p) == KX_TIME_UNSET);
	assert_true(kx_key_not_after(p) == KX_TIME_UNSET);
	assert_true(kx_key_created(p) == KX_TIME_UNSET);
	assert_null(kx_key_text(p, KX_KT_NAME));
	assert_int_equal(kx_key_gp_get(p, &g), 0);
	assert_int_equal(g.kvn, -1);
	assert_null(kx_key_kcv(p, &n, &m));
	assert_int_equal(kx_key_value_form(p), KX_VALUE_NONE);
	assert_null(kx_key_value_kek_id(p));

	k = kx_doc_key(doc, 1);
	assert_string_equal(kx_key_id(k), "K-FULL");
	assert_string_equal(kx_key_text(k, KX_KT_NAME), "Full key");
	assert_string_equal(kx_key_text(k, KX_KT_DESCRIPTION), "every field");
	assert_string_equal(kx_key_text(k, KX_KT_TEMPLATE), "TPL-7");
	assert_string_equal(kx_key_text(k, KX_KT_REFERENCE), "REF-9");
	assert_string_equal(kx_key_text(k, KX_KT_VERSION), "3");
	assert_string_equal(kx_key_text(k, KX_KT_OWNER), "Owner");
	assert_string_equal(kx_key_text(k, KX_KT_CREATOR), "Creator");
	assert_string_equal(kx_key_text(k, KX_KT_HOLDER), "Holder");
	assert_string_equal(kx_key_text(k, KX_KT_CRYPTOPERIOD), "P1Y6M");
	assert_int_equal(kx_key_class(k), KX_CLASS_SECRET);
	assert_int_equal(kx_key_alg(k), KX_ALG_TDEA3);
	assert_int_equal(kx_key_length_bits(k), 192);
	assert_int_equal(kx_key_modes(k), (1u << KX_M_CBC) |
	    (1u << KX_M_RETAIL_MAC));
	assert_int_equal(kx_key_usage(k), KX_USAGE_BIT(KX_U_WRAP) |
	    KX_USAGE_BIT(KX_U_UNWRAP));
	assert_int_equal(kx_key_role(k), KX_ROLE_KEK);
	assert_true(kx_key_not_before(k) == t("2026-03-01T00:00:00Z"));
	assert_true(kx_key_not_after(k) == t("2028-02-29T12:00:00Z"));
	assert_int_equal(kx_key_state(k), KX_STATE_PRE_ACTIVE);
	assert_int_equal(kx_key_mode(k), KX_KEYMODE_TEST);
	assert_true(kx_key_created(k) == t("2026-01-31T23:59:59Z"));
	assert_int_equal(kx_key_export_allowed(k), 1);
	assert_int_equal(kx_key_export_forms(k), (1u << KX_FORM_WRAPPED) |
	    (1u << KX_FORM_COMPONENTS));
	assert_int_equal(kx_key_export_destination_count(k), 2);
	assert_string_equal(kx_key_export_destination(k, 0), "Bank A");
	assert_string_equal(kx_key_export_destination(k, 1), "Bank B");
	assert_null(kx_key_export_destination(k, 2));
	assert_int_equal(kx_key_min_wrap_strength(k), 128);
	assert_int_equal(kx_key_trusted_kek_only(k), 1);
	assert_int_equal(kx_key_sensitive(k), 0);
	assert_int_equal(kx_key_import_allowed(k), 0);
	assert_int_equal(kx_key_import_source_count(k), 1);
	assert_string_equal(kx_key_import_source(k, 0), "Sender Ltd");
	assert_int_equal(kx_key_gp_get(k, &g), 1);
	assert_int_equal(g.key_type, 0x88);
	assert_int_equal(g.kvn, 0x21);
	assert_int_equal(g.kid, 0x03);
	assert_int_equal(g.kuq, 0x1234);
	assert_int_equal(g.kuq_len, 2);
	assert_int_equal(g.access, 0x02);
	assert_int_equal(g.scp, KX_SCP02);
	assert_int_equal(g.scp_i, 0x55);
	assert_int_equal(g.sd_aid_len, sizeof(sd_aid));
	assert_memory_equal(g.sd_aid, sd_aid, sizeof(sd_aid));
	assert_int_equal(g.diversification, KX_DIV_EMV);
	assert_non_null(c = kx_key_kcv(k, &n, &m));
	assert_int_equal(n, sizeof(kcv));
	assert_memory_equal(c, kcv, sizeof(kcv));
	assert_int_equal(m, KX_KCV_GP_DES);
	assert_int_equal(kx_key_value_form(k), KX_VALUE_NONE);
	assert_null(kx_key_value_kek_id(k));
	assert_null(kx_key_wrapped(k, &wa));
	assert_int_equal(wa, KX_WRAP_NONE);
}

/* Every field set through the API survives native XML and DER. */
static void
test_fields_round_trip(void **state)
{
	static const enum kx_format fmts[] = { KX_FMT_XML, KX_FMT_DER };
	kx_doc *doc, *back;
	kx_buf out = { 0 }, again = { 0 };
	kx_diag *d = kx_diag_new();
	size_t i;

	(void)state;
	doc = build_full();
	check_full(doc);
	for (i = 0; i < 2; i++) {
		out.len = again.len = 0;
		assert_int_equal(kx_doc_write(doc, fmts[i], &out, d), KX_OK);
		assert_int_equal(kx_doc_read(out.data, out.len, fmts[i], "api",
		    &back, d), KX_OK);
		assert_int_equal(kx_diag_count_at(d, KX_SEV_WARNING), 0);
		check_full(back);
		/* and reading changed nothing: the same bytes again */
		assert_int_equal(kx_doc_write(back, fmts[i], &again, d), KX_OK);
		assert_int_equal(again.len, out.len);
		assert_memory_equal(again.data, out.data, out.len);
		kx_doc_free(back);
	}
	kx_buf_free(&out);
	kx_buf_free(&again);
	kx_doc_free(doc);
	kx_diag_free(d);
}

/* What kx_export writes into a built document reads back: the value's
 * form, transport key and algorithm, and the KCV it computed. */
static void
test_export_value(void **state)
{
	kx_doc *doc = build_isd();
	kx_diag *d = kx_diag_new();
	kx_secret *kek = kxt_secret("000102030405060708090A0B0C0D0E0F"
	    "101112131415161718191A1B1C1D1E1F");
	kx_secret *v[3];
	kx_xchg_opts o = { 0 };
	enum kx_wrap_alg wa;
	enum kx_kcv_method m;
	const uint8_t *c;
	size_t i, n;

	(void)state;
	for (i = 0; i < 3; i++)
		v[i] = kxt_secret("404142434445464748494A4B4C4D4E4F");
	o.now = t("2027-01-01");
	o.kek_id = "TK-1";
	o.kek_alg = KX_ALG_AES;
	assert_int_equal(kx_export(doc, v, 3, kek, &o, d), KX_OK);
	for (i = 0; i < 3; i++) {
		const kx_key *k = kx_doc_key(doc, i);

		assert_int_equal(kx_key_value_form(k), KX_VALUE_WRAPPED);
		assert_string_equal(kx_key_value_kek_id(k), "TK-1");
		assert_string_equal(kx_key_wrapped(k, &wa), "TK-1");
		assert_int_equal(wa, KX_WRAP_AES_SIV_BOUND);
		assert_int_equal(kx_key_value_bound(k), 1);
		/* GP AES KCV of 40..4F: 504A77 (samples/README.md, and
		 * openssl enc -aes-128-ecb of sixteen 01 bytes) */
		assert_non_null(c = kx_key_kcv(k, &n, &m));
		assert_int_equal(m, KX_KCV_GP_AES);
		assert_int_equal(n, 3);
		assert_memory_equal(c, "\x50\x4A\x77", 3);
		kx_secret_free(v[i]);
	}
	kx_secret_free(kek);
	kx_doc_free(doc);
	kx_diag_free(d);
}

/* Values the model does not have are refused and change nothing. */
static void
test_setters_refuse(void **state)
{
	kx_doc *doc = NULL;
	kx_key *k;
	kx_key_gp g;

	(void)state;
	assert_int_equal(kx_doc_new("", 0, "s", &doc), KX_EUSAGE);
	assert_null(doc);
	assert_int_equal(kx_doc_new("d", KX_TIME_UNSET, "s", &doc), KX_EUSAGE);
	assert_int_equal(kx_doc_new("d", 0, "", &doc), KX_EUSAGE);
	assert_int_equal(kx_doc_new("d", 0, "s", &doc), KX_OK);
	assert_int_equal(kx_doc_add_recipient(doc, ""), KX_EUSAGE);
	assert_int_equal(kx_doc_set_comment(doc, ""), KX_EUSAGE);
	assert_int_equal(kx_doc_set_comment(doc, "c"), KX_OK);
	assert_string_equal(kx_doc_comment(doc), "c");
	assert_int_equal(kx_doc_set_comment(doc, NULL), KX_OK);
	assert_null(kx_doc_comment(doc));
	assert_int_equal(kx_doc_add_key(doc, "", &k), KX_EUSAGE);
	assert_int_equal(kx_doc_add_key(doc, "k", &k), KX_OK);
	assert_int_equal(kx_doc_add_key(doc, "k", NULL), KX_EUSAGE);
	assert_int_equal(kx_doc_key_count(doc), 1);
	assert_ptr_equal(kx_doc_key_mut(doc, 0), k);
	assert_null(kx_doc_key_mut(doc, 1));

	assert_int_equal(kx_key_set_alg(k, KX_ALG__N, 128), KX_EUSAGE);
	assert_int_equal(kx_key_set_alg(k, (enum kx_alg)-1, 128), KX_EUSAGE);
	assert_int_equal(kx_key_alg(k), KX_ALG_NONE);
	assert_int_equal(kx_key_set_class(k, KX_CLASS__N), KX_EUSAGE);
	assert_int_equal(kx_key_set_usage(k, KX_USAGE_BIT(KX_U__N)),
	    KX_EUSAGE);
	assert_int_equal(kx_key_usage(k), 0);
	assert_int_equal(kx_key_set_modes(k, 1u << KX_M__N), KX_EUSAGE);
	assert_int_equal(kx_key_set_role(k, KX_ROLE__N), KX_EUSAGE);
	assert_int_equal(kx_key_set_state(k, KX_STATE__N), KX_EUSAGE);
	assert_int_equal(kx_key_set_mode(k, KX_KEYMODE__N), KX_EUSAGE);
	assert_int_equal(kx_key_set_validity(k, 100, 99), KX_EUSAGE);
	assert_true(kx_key_not_before(k) == KX_TIME_UNSET);
	assert_int_equal(kx_key_set_validity(k, KX_TIME_UNSET, 99), KX_OK);
	assert_true(kx_key_not_after(k) == 99);
	assert_int_equal(kx_key_set_export(k, 1, 1u << KX_FORM__N),
	    KX_EUSAGE);
	assert_int_equal(kx_key_export_allowed(k), 0);
	assert_int_equal(kx_key_set_min_wrap_strength(k, 65537), KX_EUSAGE);
	assert_int_equal(kx_key_set_min_wrap_strength(k, -2), KX_EUSAGE);
	assert_int_equal(kx_key_set_trusted_kek_only(k, 2), KX_EUSAGE);
	assert_int_equal(kx_key_add_export_destination(k, ""), KX_EUSAGE);
	assert_int_equal(kx_key_add_import_source(k, ""), KX_EUSAGE);
	assert_int_equal(kx_key_set_text(k, KX_KT__N, "x"), KX_EUSAGE);
	assert_int_equal(kx_key_set_text(k, KX_KT_NAME, ""), KX_EUSAGE);
	assert_int_equal(kx_key_set_text(k, KX_KT_CRYPTOPERIOD, "2 years"),
	    KX_ESYNTAX);
	assert_null(kx_key_text(k, KX_KT_CRYPTOPERIOD));
	assert_null(kx_key_text(k, KX_KT__N));
	assert_int_equal(kx_key_set_text(k, KX_KT_NAME, "n"), KX_OK);
	assert_int_equal(kx_key_set_text(k, KX_KT_NAME, NULL), KX_OK);
	assert_null(kx_key_text(k, KX_KT_NAME));
	/* KCV lengths are the method's: 3 for gp-aes, 3..5 for cmac */
	assert_int_equal(kx_key_set_kcv(k, KX_KCV_GP_AES, kcv, 2), KX_EUSAGE);
	assert_int_equal(kx_key_set_kcv(k, KX_KCV_NONE, kcv, 3), KX_EUSAGE);
	assert_int_equal(kx_key_set_kcv(k, KX_KCV_GP_AES, kcv, 3), KX_OK);
	assert_int_equal(kx_key_set_kcv(k, KX_KCV_NONE, NULL, 0), KX_OK);
	assert_null(kx_key_kcv(k, NULL, NULL));

	kx_key_gp_get(k, &g);		/* all absent */
	g.kvn = 0x100;
	assert_int_equal(kx_key_gp_set(k, &g), KX_EUSAGE);
	g.kvn = 1;
	g.kuq = 0x1FF;
	g.kuq_len = 1;
	assert_int_equal(kx_key_gp_set(k, &g), KX_EUSAGE);
	g.kuq = -1;
	g.scp_i = 0x70;			/* an i-parameter without a protocol */
	assert_int_equal(kx_key_gp_set(k, &g), KX_EUSAGE);
	g.scp_i = -1;
	g.sd_aid_len = 3;		/* length without bytes */
	assert_int_equal(kx_key_gp_set(k, &g), KX_EUSAGE);
	assert_int_equal(kx_key_gp_get(k, &g), 0);	/* g all absent again */
	g.kvn = 1;
	assert_int_equal(kx_key_gp_set(k, &g), KX_OK);
	assert_int_equal(kx_key_gp_get(k, &g), 1);
	assert_int_equal(g.kvn, 1);
	assert_int_equal(kx_key_gp_set(k, NULL), KX_OK);
	assert_int_equal(kx_key_gp_get(k, &g), 0);
	kx_doc_free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_equals_sample),
		cmocka_unit_test(test_fields_round_trip),
		cmocka_unit_test(test_export_value),
		cmocka_unit_test(test_setters_refuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
