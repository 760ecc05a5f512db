/*
 * test_policy.c - policy documents: the two shipped policies parse and
 * change validation outcomes as they say; malformed or hostile policies
 * are refused whole; waivers, severities and "off" read from XML.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kxtest.h"

#define NOW "2026-06-01T00:00:00Z"
#define BASELINE "profiles/policies/nist-sp800-57-baseline.xml"
#define ISSUER "profiles/policies/gp-card-issuer.xml"

static int64_t
T(const char *s)
{
	int64_t t;

	assert_int_equal(kx_time_parse(s, &t), KX_OK);
	return t;
}

static kxi_bytes
B(kx_doc *doc, const char *hex)
{
	kxi_bytes b = { NULL, 0 };

	assert_int_equal(kxi_hex_decode(&doc->arena, hex, &b), KX_OK);
	return b;
}

/* One AES-128 data key, wrapped (aes-siv-bound) under an AES-256 KEK. */
static kx_doc *
doc_new(void)
{
	kx_doc *doc = kxi_doc_new();
	kxi_tk *tk;
	kx_key *k;

	assert_non_null(doc);
	doc->source = kxi_strdup(&doc->arena, "p.xml");
	doc->created = T("2026-05-01");
	assert_non_null(tk = kxi_doc_add_tk(doc));
	tk->id = "tk1";
	tk->alg = KX_ALG_AES;
	tk->length_bits = 256;
	tk->kcv = B(doc, "0A00E3");
	tk->kcv_method = KX_KCV_CMAC;
	assert_non_null(k = kxi_doc_add_key(doc));
	k->prof.id = "k1";
	k->prof.alg = KX_ALG_AES;
	k->prof.length_bits = 128;
	k->prof.usage = KX_USAGE_BIT(KX_U_ENCRYPT) |
	    KX_USAGE_BIT(KX_U_DECRYPT);
	k->prof.role = KX_ROLE_DATA;
	k->prof.not_before = T("2026-01-01");
	k->prof.not_after = T("2027-12-31T23:59:59Z");
	k->prof.export_.allowed = true;
	k->value.form = KX_VALUE_WRAPPED;
	k->value.kek_id = "tk1";
	k->value.alg = KX_WRAP_AES_SIV_BOUND;
	k->value.binding_method = KXI_BINDING_V2;
	k->value.data = B(doc, "00112233445566778899AABBCCDDEEFF0011");
	k->kcv = B(doc, "08793E");
	k->kcv_method = KX_KCV_CMAC;
	return doc;
}

static kx_policy *
load(const char *rel)
{
	kx_policy *p = NULL;
	kx_diag *d = kx_diag_new();
	int r = kx_policy_read_file(kxt_src(rel), &p, d);
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++)
		print_message("%s: %s\n", rel, kx_diag_get(d, i)->message);
	assert_int_equal(r, KX_OK);
	assert_non_null(p);
	kx_diag_free(d);
	return p;
}

static kx_diag *
run(const kx_doc *doc, const kx_policy *p)
{
	kx_diag *d = kx_diag_new();
	size_t i;

	assert_int_equal(kx_doc_validate(doc, p, T(NOW), NULL, d), KX_OK);
	for (i = 0; i < kx_diag_count(d); i++)
		print_message("  [%s] %s\n", kx_diag_get(d, i)->rule,
		    kx_diag_get(d, i)->message);
	return d;
}

/* Exactly these rules (a space-separated list), in any order. */
static void
expect_rules(const kx_diag *d, const char *rules)
{
	size_t i, n = 0;
	const char *p;

	for (p = rules; *p != '\0'; p += *p == ' ' ? 1 : 0) {
		char id[6];

		memcpy(id, p, 5);
		id[5] = '\0';
		assert_true(kxt_has_rule(d, id, KX_SEV_NOTE));
		n++;
		p += 5;
	}
	for (i = 0; i < kx_diag_count(d); i++)
		assert_non_null(strstr(rules, kx_diag_get(d, i)->rule));
	assert_true(kx_diag_count(d) >= n);
}

static void
shipped_parse(void **state)
{
	kx_policy *b, *g;

	(void)state;
	b = load(BASELINE);
	assert_string_equal(b->name, "nist-sp800-57-baseline");
	assert_non_null(b->description);
	assert_int_equal(b->nmin_strength, 2);
	assert_int_equal(b->min_strength[0].bits, 112);
	assert_int_equal(b->min_strength[1].bits, 128);
	assert_int_equal(b->min_strength[1].from, T("2031-01-01"));
	assert_int_equal(b->ntransitions, 2);
	assert_int_equal(b->transitions[1].alg, KX_ALG_TDEA3);
	/* a date-only "after" runs to the end of that day */
	assert_int_equal(b->transitions[1].after,
	    T("2023-12-31T23:59:59Z"));
	assert_int_equal(b->nperiods, 8);
	assert_int_equal(b->periods[0].originator, 2 * 31557600);
	assert_int_equal(b->periods[0].total, 5 * 31557600);
	assert_true(b->disallowed_wraps & (1u << KX_WRAP_TDEA_ECB));
	assert_true(b->disallowed_wraps & (1u << KX_WRAP_TDEA_CBC));
	assert_false(b->disallowed_wraps & (1u << KX_WRAP_AES_KWP));
	g = load(ISSUER);
	assert_string_equal(g->name, "gp-card-issuer");
	assert_int_equal(g->nforbids, 3);
	assert_int_equal(g->nkvns, 1);
	assert_int_equal(g->kvns[0].min, 0x01);
	assert_int_equal(g->kvns[0].max, 0x6F);
	assert_int_equal(g->nkids, 3);
	assert_int_equal(g->kids[2].role, KX_ROLE_GP_DEK);
	assert_int_equal(g->kids[2].kid, 3);
	kx_policy_free(b);
	kx_policy_free(g);
	kx_policy_free(NULL);
}

/* The baseline passes a sound AES key and stops 2TDEA and TDEA-ECB. */
static void
baseline_outcomes(void **state)
{
	kx_policy *p = load(BASELINE);
	kx_doc *doc = doc_new();
	kx_key *k = &doc->keys[0];
	kx_diag *d;

	(void)state;
	d = run(doc, p);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	/* 2TDEA for encryption: fine without a policy, not under it */
	k->prof.alg = KX_ALG_TDEA2;
	k->kcv = B(doc, "8BAF47");
	k->kcv_method = KX_KCV_GP_DES;
	d = run(doc, NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	d = run(doc, p);
	expect_rules(d, "KX150 KX151");
	kx_diag_free(d);
	/* decrypt only: legacy use of 2TDEA is no transition finding */
	k->prof.usage = KX_USAGE_BIT(KX_U_DECRYPT);
	d = run(doc, p);
	expect_rules(d, "KX150");
	kx_diag_free(d);
	/* an AES key wrapped with tdea-ecb under a TDEA3 key */
	k->prof.alg = KX_ALG_AES;
	k->kcv = B(doc, "08793E");
	k->kcv_method = KX_KCV_CMAC;
	k->prof.usage = KX_USAGE_BIT(KX_U_ENCRYPT);
	k->value.alg = KX_WRAP_TDEA_ECB;
	k->prof.export_.forms = 1u << KX_FORM_WRAPPED;
	doc->tks[0].alg = KX_ALG_TDEA3;
	doc->tks[0].length_bits = 192;
	doc->tks[0].kcv_method = KX_KCV_GP_DES;
	d = run(doc, p);
	/* weaker than the key (KX121), TDEA wrap after 2023 (KX151),
	 * legacy wrap (KX153, a warning) */
	expect_rules(d, "KX121 KX151 KX153");
	assert_true(kxt_has_rule(d, "KX153", KX_SEV_WARNING));
	assert_false(kxt_has_rule(d, "KX153", KX_SEV_ERROR));
	kx_diag_free(d);
	/* a 3-year data key breaks the 2-year originator period */
	doc->tks[0].alg = KX_ALG_AES;
	doc->tks[0].length_bits = 256;
	doc->tks[0].kcv_method = KX_KCV_CMAC;
	k->value.alg = KX_WRAP_AES_KWP;
	k->prof.not_after = T("2028-12-31");
	d = run(doc, p);
	expect_rules(d, "KX152");
	assert_non_null(strstr(kx_diag_get(d, 0)->message, "P2Y"));
	assert_non_null(strstr(kx_diag_get(d, 0)->message,
	    "data-encryption"));
	kx_diag_free(d);
	/* with protect-until inside 2 years only the total counts: 5 y */
	k->prof.protect_until = T("2027-06-30");
	d = run(doc, p);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	kx_doc_free(doc);
	kx_policy_free(p);
}

static void
issuer_outcomes(void **state)
{
	kx_policy *p = load(ISSUER);
	kx_doc *doc = doc_new();
	kx_key *k = &doc->keys[0];
	kx_diag *d;

	(void)state;
	/* an SCP03 ENC key: KID 01, KVN 30 */
	k->prof.role = KX_ROLE_GP_ENC;
	k->prof.usage = KX_USAGE_BIT(KX_U_DERIVE);
	k->prof.has_gp = true;
	k->prof.gp.key_type = 0x88;
	k->prof.gp.kvn = 0x30;
	k->prof.gp.kid = 0x01;
	k->prof.gp.scp = KX_SCP03;
	d = run(doc, p);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	/* KID 02 on the ENC key; KVN 70 is outside the issuer range */
	k->prof.gp.kid = 0x02;
	k->prof.gp.kvn = 0x70;
	d = run(doc, p);
	expect_rules(d, "KX111 KX112");
	kx_diag_free(d);
	/* an SCP02 2TDEA ENC key is forbidden (and too weak) */
	k->prof.gp.kid = 0x01;
	k->prof.gp.kvn = 0x20;
	k->prof.gp.key_type = 0x80;
	k->prof.gp.scp = KX_SCP02;
	k->prof.alg = KX_ALG_TDEA2;
	k->kcv = B(doc, "8BAF47");
	k->kcv_method = KX_KCV_GP_DES;
	d = run(doc, p);
	expect_rules(d, "KX150 KX154");
	assert_non_null(strstr(kx_diag_get(d, 1)->message, "AES (SCP03)"));
	kx_diag_free(d);
	/* wrap + encrypt on a data key */
	kx_doc_free(doc);
	doc = doc_new();
	doc->keys[0].prof.usage |= KX_USAGE_BIT(KX_U_WRAP);
	d = run(doc, p);
	expect_rules(d, "KX154");
	assert_non_null(strstr(kx_diag_get(d, 0)->message, "wraps keys"));
	kx_diag_free(d);
	/* KX113 is an error under the issuer policy, a warning without */
	doc->keys[0].prof.usage &= ~KX_USAGE_BIT(KX_U_WRAP);
	doc->keys[0].prof.has_gp = true;
	doc->keys[0].prof.gp.kuq = 0x14;
	doc->keys[0].prof.gp.kuq_len = 1;
	d = run(doc, NULL);
	assert_int_equal(kx_diag_get(d, 0)->severity, KX_SEV_WARNING);
	kx_diag_free(d);
	d = run(doc, p);
	expect_rules(d, "KX113");
	assert_int_equal(kx_diag_get(d, 0)->severity, KX_SEV_ERROR);
	kx_diag_free(d);
	kx_doc_free(doc);
	kx_policy_free(p);
}

static int
read_str(const char *xml, kx_policy **p, kx_diag *d)
{
	return kx_policy_read((const uint8_t *)xml, strlen(xml), "t.xml", p,
	    d);
}

#define HEAD "<?xml version=\"1.0\"?>\n<policy " \
	"xmlns=\"urn:kmsxchg:xml:ns:policy:1\" name=\"t\">\n"

static void
waivers_from_xml(void **state)
{
	static const char xml[] = HEAD
	    "  <severity rule=\"KX132\" level=\"off\"/>\n"
	    "  <severity rule=\"KX104\" level=\"warning\"/>\n"
	    "  <waiver rule=\"KX122\" key=\"k1\" reason=\"ticket &amp; 7\" "
	    "until=\"2026-12-31\"/>\n"
	    "</policy>\n";
	kx_policy *p = NULL;
	kx_diag *d = kx_diag_new();
	kx_doc *doc = doc_new();
	kx_key *k = &doc->keys[0];

	(void)state;
	assert_int_equal(read_str(xml, &p, d), KX_OK);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	assert_int_equal(p->nwaivers, 1);
	assert_string_equal(p->waivers[0].reason, "ticket & 7");
	assert_int_equal(p->waivers[0].until, T("2026-12-31T23:59:59Z"));
	assert_int_equal(kxi_strlist_add(&doc->arena, &doc->recipients,
	    "bank-b"), KX_OK);
	assert_int_equal(kxi_strlist_add(&doc->arena,
	    &k->prof.export_.destinations, "bank-c"), KX_OK);
	k->kcv.n = 0;
	k->prof.not_after = T("2026-05-31");
	d = run(doc, p);
	assert_int_equal(kx_diag_count(d), 2);
	assert_true(kxt_has_rule(d, "KX104", KX_SEV_WARNING));
	assert_false(kxt_has_rule(d, "KX104", KX_SEV_ERROR));
	assert_true(kxt_has_rule(d, "KX122", KX_SEV_NOTE));
	assert_false(kxt_has_rule(d, "KX122", KX_SEV_WARNING));
	assert_false(kxt_has_rule(d, "KX132", KX_SEV_NOTE));
	kx_diag_free(d);
	kx_doc_free(doc);
	kx_policy_free(p);
}

/* Each of these is refused whole: no policy, a finding with a place. */
static void
malformed_refused(void **state)
{
	static const char *const bad[] = {
		"<policy",					/* not XML */
		"<policy xmlns=\"urn:other\" name=\"t\"/>",	/* namespace */
		HEAD "<severity rule=\"KX999\" level=\"error\"/></policy>",
		HEAD "<severity rule=\"KX101\" level=\"fatal\"/></policy>",
		HEAD "<min-strength bits=\"-1\"/></policy>",
		HEAD "<min-strength bits=\"99999\"/></policy>",
		HEAD "<transition algorithm=\"rot13\" "
		    "protect-disallowed-after=\"2020-01-01\"/></policy>",
		HEAD "<transition algorithm=\"tdea2\" "
		    "protect-disallowed-after=\"2020-02-30\"/></policy>",
		HEAD "<max-cryptoperiod roles=\"kek\" originator=\"P2X\"/>"
		    "</policy>",
		HEAD "<max-cryptoperiod roles=\"kek\"/></policy>",
		HEAD "<max-cryptoperiod roles=\"kek wizard\" "
		    "originator=\"P1Y\"/></policy>",
		HEAD "<disallow-wrap algorithm=\"rot13\"/></policy>",
		HEAD "<forbid reason=\"everything\"/></policy>",
		HEAD "<forbid usages=\"wrap\"/></policy>",
		HEAD "<gp-kvn-range min=\"70\" max=\"6F\"/></policy>",
		HEAD "<gp-kvn-range min=\"1\" max=\"6F\"/></policy>",
		HEAD "<gp-kid role=\"gp-enc\" kid=\"00\"/></policy>",
		HEAD "<gp-kid role=\"wizard\" kid=\"01\"/></policy>",
		HEAD "<waiver rule=\"KX121\" key=\"k1\"/></policy>",
		HEAD "<waiver rule=\"KX121\" key=\"k1\" reason=\"\"/></policy>",
		HEAD "<surprise/></policy>",
		HEAD "<min-strength bits=\"112\"/><description>late"
		    "</description></policy>",
		"<!DOCTYPE policy [<!ENTITY x \"y\">]>" HEAD "</policy>",
		"<policy xmlns=\"urn:kmsxchg:xml:ns:policy:1\"/>",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kx_policy *p = (kx_policy *)1;
		kx_diag *d = kx_diag_new();
		int r = read_str(bad[i], &p, d);

		if (r == KX_OK)
			print_message("accepted: %s\n", bad[i]);
		assert_int_not_equal(r, KX_OK);
		assert_null(p);
		assert_true(kx_diag_count_at(d, KX_SEV_ERROR) > 0);
		assert_true(kxt_has_rule(d, "KX001", KX_SEV_ERROR) ||
		    kxt_has_rule(d, "KX002", KX_SEV_ERROR));
		kx_diag_free(d);
	}
}

static void
file_errors(void **state)
{
	kx_policy *p = (kx_policy *)1;
	kx_diag *d = kx_diag_new();

	(void)state;
	assert_int_equal(kx_policy_read_file(kxt_src("no/such/policy.xml"),
	    &p, d), KX_ENOTFOUND);
	assert_null(p);
	assert_true(kx_diag_count(d) > 0);
	kx_diag_free(d);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(shipped_parse),
		cmocka_unit_test(baseline_outcomes),
		cmocka_unit_test(issuer_outcomes),
		cmocka_unit_test(waivers_from_xml),
		cmocka_unit_test(malformed_refused),
		cmocka_unit_test(file_errors),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
