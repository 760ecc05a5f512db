/*
 * test_rules.c - the KXnnn rules over models built in C.
 *
 * A baseline document (one AES-128 key wrapped under an AES-256 transport
 * key, valid 2026-01-01..2027-12-31, checked at 2026-06-01) triggers no
 * rule.  Each case mutates the baseline so that exactly one rule fires,
 * once; a coverage test checks that every rule kx_doc_validate() runs has
 * at least one such case.  Then: severities from the table, policy
 * overrides and "off", waivers (valid and expired), the reference time,
 * "against" documents, and the rule-table API.
 *
 * KCV vectors (tests/data/SOURCES.md, "rules"): the AES-128 key
 * 3F419E1CB7079442AA37474C2EFBF8B8 has the X9.24-1:2017 CMAC KCV 08793E
 * (ANSI X9.143/TR-31:2018 A.7.4 as quoted in openemv/tr31
 * test/tr31_decrypt_test.c); the GP test key 404142..4F (2TDEA) has the
 * gp-des KCV 8BAF47 (GPCS B.6 as used by GlobalPlatformPro and pySim).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kxtest.h"

#define NOW_S "2026-06-01T00:00:00Z"

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

static const char *
S(kx_doc *doc, const char *s)
{
	return kxi_strdup(&doc->arena, s);
}

static void
set_loc(kx_key *k, uint32_t line)
{
	int f;

	for (f = 0; f < KXF__N; f++) {
		k->loc[f].line = line + (uint32_t)f;
		k->loc[f].col = 3;
	}
}

/* Fill k as the baseline key: AES-128, wrapped (aes-siv-bound) to tk1. */
static void
base_key(kx_doc *doc, kx_key *k, const char *id)
{
	kxi_profile *p = &k->prof;

	p->id = S(doc, id);
	p->owner = S(doc, "bank-a");
	p->cls = KX_CLASS_SECRET;
	p->alg = KX_ALG_AES;
	p->length_bits = 128;
	p->usage = KX_USAGE_BIT(KX_U_ENCRYPT) | KX_USAGE_BIT(KX_U_DECRYPT);
	p->role = KX_ROLE_DATA;
	p->not_before = T("2026-01-01");
	p->not_after = T("2027-12-31T23:59:59Z");
	p->state = KX_STATE_ACTIVE;
	p->export_.allowed = true;
	assert_int_equal(kxi_strlist_add(&doc->arena,
	    &p->export_.destinations, "bank-b"), KX_OK);
	k->value.form = KX_VALUE_WRAPPED;
	k->value.kek_id = S(doc, "tk1");
	k->value.alg = KX_WRAP_AES_SIV_BOUND;
	k->value.data = B(doc, "00112233445566778899AABBCCDDEEFF"
	    "00112233445566778899AABBCCDDEEFF");
	k->value.binding_method = KXI_BINDING_V2;
	k->kcv = B(doc, "08793E");
	k->kcv_method = KX_KCV_CMAC;
	set_loc(k, 20);
}

static kx_doc *
base_doc(void)
{
	kx_doc *doc = kxi_doc_new();
	kxi_tk *tk;
	kx_key *k;

	assert_non_null(doc);
	doc->source = S(doc, "base.xml");
	doc->id = S(doc, "doc-1");
	doc->created = T("2026-05-01T00:00:00Z");
	doc->sender = S(doc, "bank-a");
	assert_int_equal(kxi_strlist_add(&doc->arena, &doc->recipients,
	    "bank-b"), KX_OK);
	assert_non_null(tk = kxi_doc_add_tk(doc));
	tk->id = S(doc, "tk1");
	tk->alg = KX_ALG_AES;
	tk->length_bits = 256;
	tk->kcv = B(doc, "0A00E3");
	tk->kcv_method = KX_KCV_CMAC;
	tk->trusted = true;
	tk->loc.line = 5;
	tk->loc.col = 3;
	assert_non_null(k = kxi_doc_add_key(doc));
	base_key(doc, k, "k1");
	return doc;
}

static kx_key *
K(kx_doc *doc)
{
	return &doc->keys[0];
}

/* A second key, a copy of the baseline key with another id. */
static kx_key *
add_key(kx_doc *doc, const char *id)
{
	kx_key *k;

	assert_non_null(k = kxi_doc_add_key(doc));
	base_key(doc, k, id);
	set_loc(k, 40);
	return k;
}

/* A policy built in C (rules.c reads the struct directly). */
static kx_policy *
pol_new(const char *name)
{
	kx_policy *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->name = name;
	return p;
}

static void
dump(const kx_diag *d)
{
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++) {
		const kx_finding *f = kx_diag_get(d, i);

		print_message("  [%s] sev %d line %u key %s: %s\n", f->rule,
		    f->severity, f->line, f->key_id ? f->key_id : "-",
		    f->message);
	}
}

static kx_diag *
run(const kx_doc *doc, const kx_policy *pol, const char *now,
    const kx_doc *against)
{
	kx_diag *d = kx_diag_new();

	assert_non_null(d);
	assert_int_equal(kx_doc_validate(doc, pol, T(now), against, d),
	    KX_OK);
	return d;
}

/* Exactly one finding, of rule; returns it (valid until d is freed). */
static const kx_finding *
only(const kx_diag *d, const char *rule)
{
	const kx_finding *f;

	if (kx_diag_count(d) != 1 || strcmp(kx_diag_get(d, 0)->rule,
	    rule) != 0) {
		print_message("expected exactly one %s, got:\n", rule);
		dump(d);
		fail();
	}
	f = kx_diag_get(d, 0);
	assert_int_equal(f->rc, KX_OK);
	assert_non_null(f->message);
	return f;
}

static int
crypto_ready(void)
{
	return kx_strength(KX_ALG_AES, 128, KX_HASH_NONE) == 128;
}

static int
kcv_ready(void)
{
	static const uint8_t key[16] = { 0x40, 0x41, 0x42, 0x43, 0x44, 0x45,
		0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F };
	kx_secret *s = NULL;
	uint8_t out[3];
	int ok;

	if (kx_secret_from(key, sizeof(key), &s) != KX_OK)
		return 0;
	ok = kx_kcv_compute(KX_ALG_TDEA2, KX_KCV_GP_DES, s, out, 3, NULL) ==
	    KX_OK && memcmp(out, "\x8B\xAF\x47", 3) == 0;
	kx_secret_free(s);
	return ok;
}

/* ---- the cases ------------------------------------------------------ */
struct rcase {
	const char *name;
	const char *rule;
	void (*mutate)(kx_doc *doc, kx_policy **pol, kx_doc **against);
	int needs;		/* 1: kx_strength, 2: kx_kcv_compute */
};

#define MUT(n) static void n(kx_doc *doc, kx_policy **pol, kx_doc **ag)
#define UNUSED (void)pol; (void)ag; (void)doc

MUT(m_aes_168) { UNUSED; K(doc)->prof.length_bits = 168; }
MUT(m_private_aes) { UNUSED; K(doc)->prof.cls = KX_CLASS_PRIVATE; }
MUT(m_tdea2_192)
{
	UNUSED;
	K(doc)->prof.alg = KX_ALG_TDEA2;
	K(doc)->prof.length_bits = 192;
	K(doc)->kcv_method = KX_KCV_GP_DES;
}
MUT(m_ec_curve)
{
	kx_key *k = K(doc);

	UNUSED;
	k->prof.cls = KX_CLASS_PRIVATE;
	k->prof.alg = KX_ALG_EC;
	k->prof.length_bits = 384;
	k->prof.ec_curve = S(doc, "1.2.840.10045.3.1.7");	/* P-256 */
	k->prof.usage = KX_USAGE_BIT(KX_U_SIGN);
	k->kcv.n = 0;
	k->kcv_method = KX_KCV_NONE;
}
MUT(m_sign_aes)
{
	UNUSED;
	K(doc)->prof.usage |= KX_USAGE_BIT(KX_U_SIGN);
}
MUT(m_rsa_pub_decrypt)
{
	kx_key *k = K(doc);

	UNUSED;
	k->prof.cls = KX_CLASS_PUBLIC;
	k->prof.alg = KX_ALG_RSA;
	k->prof.length_bits = 2048;
	k->prof.rsa_e = 65537;
	k->prof.usage = KX_USAGE_BIT(KX_U_DECRYPT);
	k->kcv.n = 0;
	k->kcv_method = KX_KCV_NONE;
}
MUT(m_no_usage) { UNUSED; K(doc)->prof.usage = 0; }
MUT(m_validity_order)
{
	UNUSED;
	K(doc)->prof.state = KX_STATE_PRE_ACTIVE;
	K(doc)->prof.not_before = T("2026-09-01");
	K(doc)->prof.not_after = T("2026-08-01");
}
MUT(m_expired) { UNUSED; K(doc)->prof.not_after = T("2026-05-01"); }
MUT(m_not_yet) { UNUSED; K(doc)->prof.not_before = T("2026-07-01"); }
MUT(m_preactive_late)
{
	UNUSED;
	K(doc)->prof.state = KX_STATE_PRE_ACTIVE;
}
MUT(m_compromised_no_date)
{
	UNUSED;
	K(doc)->prof.state = KX_STATE_COMPROMISED;
	K(doc)->value.form = KX_VALUE_NONE;
}
MUT(m_revoked_active)
{
	UNUSED;
	K(doc)->prof.revoked_at = T("2026-03-01");
	K(doc)->prof.revocation_reason = KX_REV_SUPERSEDED;
}
MUT(m_period_order)
{
	UNUSED;
	K(doc)->prof.protect_until = T("2027-06-01");
	K(doc)->prof.process_until = T("2027-01-01");
}
/* A clear test value with its correct KCV (only the mode is wrong). */
static void
clear_value(kx_doc *doc, kx_key *k)
{
	k->value.form = KX_VALUE_CLEAR;
	k->value.kek_id = NULL;
	k->value.alg = KX_WRAP_NONE;
	k->value.data.n = 0;
	k->value.binding_method = NULL;
	k->value.clear = B(doc, "3F419E1CB7079442AA37474C2EFBF8B8");
	k->prof.sensitive = false;
	k->prof.export_.forms = 1u << KX_FORM_CLEAR;
}
MUT(m_clear_production) { UNUSED; clear_value(doc, K(doc)); }
/* Clear bytes beside a wrapped value count as a clear value. */
MUT(m_clear_beside_wrapped)
{
	UNUSED;
	K(doc)->value.clear = B(doc, "3F419E1CB7079442AA37474C2EFBF8B8");
	K(doc)->prof.sensitive = false;
}
MUT(m_sensitive_clear_beside)
{
	UNUSED;
	K(doc)->value.clear = B(doc, "3F419E1CB7079442AA37474C2EFBF8B8");
	K(doc)->prof.mode = KX_KEYMODE_TEST;
}
MUT(m_binding_unknown)
{
	UNUSED;
	K(doc)->value.binding_method = S(doc, "profile-der-v9");
}
MUT(m_binding_missing) { UNUSED; K(doc)->value.binding_method = NULL; }
MUT(m_binding_digest)
{
	UNUSED;
	K(doc)->value.binding_digest = B(doc,
	    "0000000000000000000000000000000000000000000000000000000000000000");
}
MUT(m_gp_type)
{
	UNUSED;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.key_type = 0x80;
}
MUT(m_gp_type_reserved)
{
	UNUSED;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.key_type = 0x8A;
}
MUT(m_gp_kvn)
{
	UNUSED;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.kvn = 0x80;
}
MUT(m_gp_kid)
{
	UNUSED;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.kid = 0x00;
}
MUT(m_gp_kuq)
{
	UNUSED;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.kuq = 0x14;	/* C-MAC */
	K(doc)->prof.gp.kuq_len = 1;
}
MUT(m_gp_kuq_unused)
{
	UNUSED;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.kuq = 0x0C00;	/* confidentiality + checksum */
	K(doc)->prof.gp.kuq_len = 2;
}
MUT(m_gp_access)
{
	UNUSED;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.access = 3;
}
static void
gp_slot(kx_doc *doc, kx_key *k, int kvn, int kid)
{
	k->prof.has_gp = true;
	k->prof.gp.kvn = kvn;
	k->prof.gp.kid = kid;
	k->prof.gp.sd_aid = B(doc, "A000000151000000");
}
MUT(m_gp_duplicate)
{
	UNUSED;
	add_key(doc, "k2");
	gp_slot(doc, &doc->keys[0], 0x30, 1);
	gp_slot(doc, &doc->keys[1], 0x30, 1);
}
MUT(m_gp_scp)
{
	UNUSED;
	K(doc)->prof.role = KX_ROLE_GP_ENC;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.scp = KX_SCP02;
}
MUT(m_not_exportable) { UNUSED; K(doc)->prof.export_.allowed = false; }
MUT(m_weak_wrap)
{
	UNUSED;
	doc->tks[0].length_bits = 128;
	K(doc)->prof.length_bits = 256;
	K(doc)->value.alg = KX_WRAP_AES_KWP;
	K(doc)->prof.export_.forms = 1u << KX_FORM_WRAPPED;
}
MUT(m_min_wrap_strength)
{
	UNUSED;
	doc->tks[0].length_bits = 128;
	K(doc)->prof.export_.min_wrap_strength = 192;
}
MUT(m_destination)
{
	UNUSED;
	K(doc)->prof.export_.destinations.v[0] = S(doc, "bank-c");
}
MUT(m_form) { UNUSED; K(doc)->value.alg = KX_WRAP_AES_KW; }
MUT(m_untrusted_kek)
{
	UNUSED;
	doc->tks[0].trusted = false;
	K(doc)->prof.export_.trusted_kek_only = KXI_TRI_TRUE;
}
static void
copy_of(kx_doc *doc, kx_key *k, const char *ref)
{
	kxi_relation_ref *r;

	r = kxi_array_push(&doc->arena, (void **)&k->prof.relations,
	    &k->prof.nrelations, sizeof(*r));
	assert_non_null(r);
	r->type = KX_REL_COPY_OF;
	r->ref = S(doc, ref);
}
MUT(m_widen_copy)
{
	kx_key *k2;

	UNUSED;
	k2 = add_key(doc, "k2");
	k2->prof.usage |= KX_USAGE_BIT(KX_U_MAC_GENERATE);
	copy_of(doc, k2, "k1");
}
MUT(m_widen_against)
{
	UNUSED;
	*ag = base_doc();
	(*ag)->source = S(*ag, "sent.xml");
	K(*ag)->prof.not_after = T("2026-12-31T23:59:59Z");
	K(*ag)->prof.export_.allowed = false;
}
MUT(m_lifecycle_against)
{
	UNUSED;
	*ag = base_doc();
	(*ag)->source = S(*ag, "sent.xml");
	K(*ag)->prof.state = KX_STATE_COMPROMISED;
}
MUT(m_inactive) { UNUSED; K(doc)->prof.state = KX_STATE_SUSPENDED; }
MUT(m_rsa_short)
{
	UNUSED;
	doc->tks[0].alg = KX_ALG_RSA;
	doc->tks[0].length_bits = 1024;
	doc->tks[0].kcv.n = 0;
	doc->tks[0].kcv_method = KX_KCV_NONE;
	K(doc)->value.alg = KX_WRAP_RSA_OAEP_SHA256;
	K(doc)->prof.export_.forms = 1u << KX_FORM_WRAPPED;
	K(doc)->prof.export_.min_wrap_strength = 80;	/* not KX121 */
}
MUT(m_sensitive_clear)
{
	UNUSED;
	K(doc)->prof.export_.forms = (1u << KX_FORM_BOUND_BLOCK) |
	    (1u << KX_FORM_CLEAR);
}
MUT(m_always_sensitive)
{
	UNUSED;
	K(doc)->prof.sensitive = false;
	K(doc)->prof.provenance.always_sensitive = KXI_TRI_TRUE;
}
MUT(m_kcv_method)
{
	UNUSED;
	K(doc)->kcv_method = KX_KCV_GP_DES;
}
MUT(m_kcv_long)
{
	UNUSED;
	K(doc)->kcv = B(doc, "08793E25AB11");
}
MUT(m_kcv_mismatch)
{
	UNUSED;
	clear_value(doc, K(doc));
	K(doc)->prof.mode = KX_KEYMODE_TEST;
	K(doc)->kcv = B(doc, "08793F");
}
MUT(m_kcv_copy)
{
	kx_key *k2;

	UNUSED;
	k2 = add_key(doc, "k2");
	k2->kcv = B(doc, "112233");
	copy_of(doc, k2, "k1");
}
MUT(m_kcv_missing) { UNUSED; K(doc)->kcv.n = 0; }
MUT(m_tk_kcv) { UNUSED; doc->tks[0].kcv.n = 0; }
MUT(m_tk_components)
{
	UNUSED;
	doc->tks[0].comp_n = 2;
	doc->tks[0].comp_m = 3;
}
MUT(m_duplicate_id) { UNUSED; add_key(doc, "k1"); }
MUT(m_unknown_kek) { UNUSED; K(doc)->value.kek_id = S(doc, "tk9"); }
MUT(m_kek_mismatch)
{
	UNUSED;
	doc->tks[0].alg = KX_ALG_TDEA2;
	doc->tks[0].length_bits = 128;
	doc->tks[0].kcv_method = KX_KCV_GP_DES;
	doc->tks[0].kcv = B(doc, "8BAF47");
}
MUT(m_split_n1)
{
	UNUSED;
	K(doc)->prof.split.n = 1;
}
static void
components(kx_doc *doc, kx_key *k, size_t n, unsigned threshold)
{
	size_t i;

	k->value.form = KX_VALUE_COMPONENTS;
	k->value.alg = KX_WRAP_AES_KWP;
	k->value.data.n = 0;
	k->value.components = kxi_alloc(&doc->arena,
	    n * sizeof(*k->value.components));
	k->value.ncomponents = n;
	k->value.threshold = threshold;
	k->value.split_method = KX_SPLIT_SHAMIR;
	for (i = 0; i < n; i++) {
		k->value.components[i].index = (int)i + 1;
		k->value.components[i].wrapped = B(doc,
		    "00112233445566778899AABBCCDDEEFF0011223344556677");
	}
	k->prof.export_.forms = 1u << KX_FORM_COMPONENTS;
}
MUT(m_split_threshold)
{
	UNUSED;
	components(doc, K(doc), 2, 3);
}
MUT(m_unknown_relation)
{
	kxi_relation_ref *r;
	kx_key *k = K(doc);

	UNUSED;
	r = kxi_array_push(&doc->arena, (void **)&k->prof.relations,
	    &k->prof.nrelations, sizeof(*r));
	r->type = KX_REL_DERIVED_FROM;
	r->ref = S(doc, "k9");
}
MUT(m_duplicate_part)
{
	kxi_part *pt;
	kx_key *k = K(doc);
	int i;

	UNUSED;
	for (i = 0; i < 2; i++) {
		pt = kxi_array_push(&doc->arena, (void **)&k->value.parts,
		    &k->value.nparts, sizeof(*pt));
		assert_non_null(pt);
		pt->name = S(doc, "ECC_D");
		pt->order = KX_UNSET;
		pt->data = B(doc, "00112233445566778899AABBCCDDEEFF");
	}
}
MUT(m_single_des)
{
	UNUSED;
	K(doc)->prof.alg = KX_ALG_DES;
	K(doc)->prof.length_bits = 64;
	K(doc)->kcv = B(doc, "8CA64D");
	K(doc)->kcv_method = KX_KCV_GP_DES;
}
static void
tdea2_key(kx_doc *doc, kx_key *k)
{
	k->prof.alg = KX_ALG_TDEA2;
	k->prof.length_bits = 128;
	k->kcv = B(doc, "8BAF47");
	k->kcv_method = KX_KCV_GP_DES;
}
MUT(m_policy_min)
{
	UNUSED;
	static struct kxi_pol_min min[] = { { 112, KX_UNSET_TIME } };

	tdea2_key(doc, K(doc));
	*pol = pol_new("min112");
	(*pol)->min_strength = min;
	(*pol)->nmin_strength = 1;
}
MUT(m_policy_min_wrap)
{
	UNUSED;
	static struct kxi_pol_min min[] = { { 192, KX_UNSET_TIME } };

	doc->tks[0].length_bits = 128;
	*pol = pol_new("wrap192");
	(*pol)->min_wrap = min;
	(*pol)->nmin_wrap = 1;
}
MUT(m_transition)
{
	UNUSED;
	static struct kxi_pol_transition tr[1];

	tr[0].alg = KX_ALG_TDEA2;
	tr[0].after = T("2015-12-31T23:59:59Z");
	tdea2_key(doc, K(doc));
	*pol = pol_new("tdea");
	(*pol)->transitions = tr;
	(*pol)->ntransitions = 1;
}
MUT(m_transition_wrap)
{
	UNUSED;
	static struct kxi_pol_transition tr[1];

	tr[0].alg = KX_ALG_TDEA3;
	tr[0].after = T("2023-12-31T23:59:59Z");
	/* a tdea2 key for decrypt only, wrapped under a tdea3 key */
	tdea2_key(doc, K(doc));
	K(doc)->prof.usage = KX_USAGE_BIT(KX_U_DECRYPT);
	K(doc)->value.alg = KX_WRAP_TDEA_CBC;
	K(doc)->prof.export_.forms = 1u << KX_FORM_WRAPPED;
	doc->tks[0].alg = KX_ALG_TDEA3;
	doc->tks[0].length_bits = 192;
	doc->tks[0].kcv = B(doc, "123456");
	doc->tks[0].kcv_method = KX_KCV_GP_DES;
	*pol = pol_new("tdea3");
	(*pol)->transitions = tr;
	(*pol)->ntransitions = 1;
}
MUT(m_cryptoperiod)
{
	UNUSED;
	static struct kxi_pol_period per[1];

	per[0].m.classes = 1u << KX_CLASS_SECRET;
	per[0].m.usage_any = KX_USAGE_BIT(KX_U_ENCRYPT);
	per[0].originator = 365 * 86400;
	per[0].total = -1;
	per[0].originator_text = "P1Y";
	per[0].source = "test";
	*pol = pol_new("period");
	(*pol)->periods = per;
	(*pol)->nperiods = 1;
}
MUT(m_cryptoperiod_total)
{
	UNUSED;
	static struct kxi_pol_period per[1];

	per[0].m.roles = 1u << KX_ROLE_DATA;
	per[0].originator = 3 * 365 * 86400;
	per[0].total = 400 * 86400;
	per[0].originator_text = "P3Y";
	per[0].total_text = "P400D";
	/* originator period to protect-until: 1 year, within P3Y */
	K(doc)->prof.protect_until = T("2026-12-31");
	*pol = pol_new("period");
	(*pol)->periods = per;
	(*pol)->nperiods = 1;
}
MUT(m_legacy_wrap)
{
	UNUSED;
	*pol = pol_new("no-siv");
	(*pol)->disallowed_wraps = 1u << KX_WRAP_AES_SIV_BOUND;
}
MUT(m_forbidden)
{
	UNUSED;
	static struct kxi_pol_forbid fb[1];

	fb[0].m.usage = KX_USAGE_BIT(KX_U_WRAP) | KX_USAGE_BIT(KX_U_ENCRYPT);
	fb[0].reason = "one key, one purpose";
	K(doc)->prof.usage |= KX_USAGE_BIT(KX_U_WRAP);
	*pol = pol_new("gp");
	(*pol)->forbids = fb;
	(*pol)->nforbids = 1;
}
MUT(m_policy_kvn)
{
	UNUSED;
	static struct kxi_pol_kvn kv[1];

	kv[0].roles = 1u << KX_ROLE_DATA;
	kv[0].min = 0x01;
	kv[0].max = 0x6F;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.kvn = 0x70;
	*pol = pol_new("issuer");
	(*pol)->kvns = kv;
	(*pol)->nkvns = 1;
}
MUT(m_policy_kid)
{
	UNUSED;
	static struct kxi_pol_kid kd[1];

	kd[0].role = KX_ROLE_GP_ENC;
	kd[0].kid = 1;
	K(doc)->prof.role = KX_ROLE_GP_ENC;
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.kid = 2;
	*pol = pol_new("issuer");
	(*pol)->kids = kd;
	(*pol)->nkids = 1;
}

static const struct rcase cases[] = {
	{ "aes length 168", "KX101", m_aes_168, 0 },
	{ "private aes", "KX101", m_private_aes, 0 },
	{ "tdea2 of 192 bits", "KX101", m_tdea2_192, 0 },
	{ "P-256 curve, 384 bits", "KX101", m_ec_curve, 0 },
	{ "sign on aes", "KX102", m_sign_aes, 0 },
	{ "decrypt on rsa public", "KX102", m_rsa_pub_decrypt, 0 },
	{ "no usage", "KX102", m_no_usage, 0 },
	{ "not-before after not-after", "KX103", m_validity_order, 0 },
	{ "expired", "KX104", m_expired, 0 },
	{ "active before not-before", "KX105", m_not_yet, 0 },
	{ "pre-active after not-before", "KX105", m_preactive_late, 0 },
	{ "compromised without revoked-at", "KX106", m_compromised_no_date,
	    0 },
	{ "revoked but active", "KX106", m_revoked_active, 0 },
	{ "protect-until after process-until", "KX107", m_period_order, 0 },
	{ "clear value in production", "KX108", m_clear_production, 2 },
	{ "clear beside a wrapped value", "KX108", m_clear_beside_wrapped, 0 },
	{ "key type 80 on aes", "KX110", m_gp_type, 0 },
	{ "reserved key type", "KX110", m_gp_type_reserved, 0 },
	{ "kvn 80", "KX111", m_gp_kvn, 0 },
	{ "kvn outside policy range", "KX111", m_policy_kvn, 0 },
	{ "kid 00", "KX112", m_gp_kid, 0 },
	{ "kid not the policy's", "KX112", m_policy_kid, 0 },
	{ "kuq C-MAC on encrypt", "KX113", m_gp_kuq, 0 },
	{ "kuq checksum without mac usage", "KX113", m_gp_kuq_unused, 0 },
	{ "access 03", "KX114", m_gp_access, 0 },
	{ "duplicate sd/kvn/kid", "KX115", m_gp_duplicate, 0 },
	{ "scp02 on aes", "KX116", m_gp_scp, 0 },
	{ "non-exportable with value", "KX120", m_not_exportable, 0 },
	{ "aes-256 under aes-128", "KX121", m_weak_wrap, 1 },
	{ "below min-wrap-strength", "KX121", m_min_wrap_strength, 1 },
	{ "recipient not a destination", "KX122", m_destination, 0 },
	{ "wrapped form not allowed", "KX123", m_form, 0 },
	{ "untrusted kek", "KX123", m_untrusted_kek, 0 },
	{ "copy widens usage", "KX124", m_widen_copy, 0 },
	{ "widens the sender's profile", "KX124", m_widen_against, 0 },
	{ "active copy of a compromised key", "KX124", m_lifecycle_against,
	    0 },
	{ "suspended key exported", "KX125", m_inactive, 0 },
	{ "wrapped under rsa-1024", "KX128", m_rsa_short, 1 },
	{ "always-sensitive, not sensitive", "KX109", m_always_sensitive, 0 },
	{ "sensitive with clear form", "KX126", m_sensitive_clear, 0 },
	{ "sensitive, clear beside wrapped", "KX126",
	    m_sensitive_clear_beside, 0 },
	{ "gp-des kcv on aes", "KX130", m_kcv_method, 0 },
	{ "6-byte cmac kcv", "KX130", m_kcv_long, 0 },
	{ "wrong kcv of a clear value", "KX131", m_kcv_mismatch, 2 },
	{ "kcv differs from the copied key", "KX131", m_kcv_copy, 0 },
	{ "value without kcv", "KX132", m_kcv_missing, 0 },
	{ "transport key without kcv", "KX133", m_tk_kcv, 0 },
	{ "transport key 3 of 2", "KX133", m_tk_components, 0 },
	{ "unknown binding method", "KX136", m_binding_unknown, 0 },
	{ "bound value without binding", "KX136", m_binding_missing, 0 },
	{ "binding digest mismatch", "KX136", m_binding_digest, 1 },
	{ "duplicate id", "KX140", m_duplicate_id, 0 },
	{ "unknown kek", "KX141", m_unknown_kek, 0 },
	{ "siv under tdea2", "KX141", m_kek_mismatch, 0 },
	{ "split n 1", "KX142", m_split_n1, 0 },
	{ "threshold 3 of 2", "KX142", m_split_threshold, 0 },
	{ "derived-from unknown", "KX143", m_unknown_relation, 0 },
	{ "two value parts named ECC_D", "KX144", m_duplicate_part, 0 },
	{ "single des (built-in floor)", "KX150", m_single_des, 1 },
	{ "tdea2 under a 112-bit policy", "KX150", m_policy_min, 1 },
	{ "wrap under a 192-bit policy", "KX150", m_policy_min_wrap, 1 },
	{ "tdea2 encrypt after 2015", "KX151", m_transition, 0 },
	{ "wrapped under tdea3 after 2023", "KX151", m_transition_wrap, 0 },
	{ "2-year key, 1-year policy", "KX152", m_cryptoperiod, 0 },
	{ "validity over the total maximum", "KX152", m_cryptoperiod_total,
	    0 },
	{ "disallowed wrap", "KX153", m_legacy_wrap, 0 },
	{ "wrap and encrypt", "KX154", m_forbidden, 0 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int
case_runnable(const struct rcase *c)
{
	if (c->needs == 1)
		return crypto_ready();
	if (c->needs == 2)
		return kcv_ready();
	return 1;
}

static void
baseline_clean(void **state)
{
	kx_doc *doc = base_doc();
	kx_diag *d;

	(void)state;
	d = run(doc, NULL, NOW_S, NULL);
	if (kx_diag_count(d) != 0)
		dump(d);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	/* A baseline with two distinct keys and GP fields is clean too. */
	add_key(doc, "k2");
	gp_slot(doc, &doc->keys[0], 0x30, 1);
	gp_slot(doc, &doc->keys[1], 0x30, 2);
	doc->keys[0].prof.gp.key_type = 0x88;
	doc->keys[0].prof.gp.scp = KX_SCP03;
	doc->keys[0].prof.gp.kuq = 0x18;	/* C-ENC */
	doc->keys[0].prof.gp.kuq_len = 1;
	doc->keys[0].prof.gp.access = 1;
	doc->keys[1].prof.usage = KX_USAGE_BIT(KX_U_MAC_GENERATE) |
	    KX_USAGE_BIT(KX_U_MAC_VERIFY);
	doc->keys[1].prof.gp.kuq = 0x34;	/* C-MAC + R-MAC */
	doc->keys[1].prof.gp.kuq_len = 1;
	d = run(doc, NULL, NOW_S, NULL);
	if (kx_diag_count(d) != 0)
		dump(d);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	kx_doc_free(doc);
}

static void
each_rule_case(void **state)
{
	size_t i, ran = 0;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct rcase *c = &cases[i];
		kx_doc *doc = base_doc(), *ag = NULL;
		kx_policy *pol = NULL;
		const kx_finding *f;
		kx_diag *d;

		/* a precondition that does not hold is a regression */
		if (!case_runnable(c))
			fail_msg("%s: %s: its crypto (strength or KCV "
			    "vector) does not work", c->rule, c->name);
		c->mutate(doc, &pol, &ag);
		d = run(doc, pol, NOW_S, ag);
		print_message("%s: %s\n", c->rule, c->name);
		f = only(d, c->rule);
		/* default severity of the table, key id and a place */
		assert_int_equal(f->severity, kx_rule_find(c->rule)->severity);
		assert_non_null(f->key_id);
		assert_string_equal(f->file, "base.xml");
		assert_true(f->line > 0);
		ran++;
		kx_diag_free(d);
		kx_policy_free(pol);
		kx_doc_free(ag);
		kx_doc_free(doc);
	}
	assert_int_equal(ran, NCASES);
}

/* Every rule kx_doc_validate runs has at least one case above. */
static void
every_rule_has_a_case(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < kx_rule_count(); i++) {
		const kx_rule_info *r = kx_rule_get(i);

		if (!kxi_rule_validated(r->id))
			continue;	/* reader/writer/importer findings */
		for (j = 0; j < NCASES; j++)
			if (strcmp(cases[j].rule, r->id) == 0)
				break;
		if (j == NCASES)
			print_message("no case for %s\n", r->id);
		assert_true(j < NCASES);
	}
}

/* Each case's finding sits on the field group it is about. */
static void
finding_place(void **state)
{
	kx_doc *doc = base_doc();
	kx_diag *d;
	const kx_finding *f;

	(void)state;
	m_expired(doc, NULL, NULL);
	d = run(doc, NULL, NOW_S, NULL);
	f = only(d, "KX104");
	assert_int_equal(f->line, 20 + KXF_VALIDITY);
	assert_int_equal(f->col, 3);
	assert_string_equal(f->key_id, "k1");
	assert_non_null(strstr(f->message, "2026-05-01"));
	kx_diag_free(d);
	/* no place for the field group: the key element's place */
	memset(&doc->keys[0].loc[KXF_VALIDITY], 0, sizeof(kxi_loc));
	doc->keys[0].loc[KXF_VALIDITY].off = -1;
	d = run(doc, NULL, NOW_S, NULL);
	f = only(d, "KX104");
	assert_int_equal(f->line, 20 + KXF_KEY);
	kx_diag_free(d);
	/* transport-key findings carry the transport key's id and place */
	kx_doc_free(doc);
	doc = base_doc();
	doc->tks[0].kcv.n = 0;
	d = run(doc, NULL, NOW_S, NULL);
	f = only(d, "KX133");
	assert_string_equal(f->key_id, "tk1");
	assert_int_equal(f->line, 5);
	kx_diag_free(d);
	kx_doc_free(doc);
}

/*
 * A public key's clear components (a GP EC public key's ECC_QX/ECC_QY
 * parts) are no secret: no KX108 in production; the private key's clear
 * ECC_D is.
 */
static void
clear_public_parts(void **state)
{
	static const char *const rel[] = { "samples/gp/openscdp-ec-public.xml",
	    "samples/gp/openscdp-ec-private.xml" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		kx_doc *doc = NULL;
		kx_diag *d;

		assert_int_equal(kx_doc_read_file(kxt_src(rel[i]),
		    KX_FMT_AUTO, &doc, NULL), KX_OK);
		assert_int_equal(doc->keys[0].value.form, KX_VALUE_CLEAR);
		doc->keys[0].prof.mode = KX_KEYMODE_PRODUCTION;
		d = run(doc, NULL, NOW_S, NULL);
		assert_int_equal(kxt_has_rule(d, "KX108", KX_SEV_ERROR), i);
		kx_diag_free(d);
		kx_doc_free(doc);
	}
}

/* Messages name values, never key material. */
static void
no_key_material(void **state)
{
	kx_doc *doc = base_doc();
	kx_diag *d;
	size_t i;

	(void)state;
	assert_true(kcv_ready());
	m_kcv_mismatch(doc, NULL, NULL);
	doc->keys[0].prof.mode = KX_KEYMODE_PRODUCTION;
	doc->keys[0].prof.sensitive = true;
	d = run(doc, NULL, NOW_S, NULL);
	assert_true(kxt_has_rule(d, "KX108", KX_SEV_ERROR));
	assert_true(kxt_has_rule(d, "KX126", KX_SEV_WARNING));
	assert_true(kxt_has_rule(d, "KX131", KX_SEV_ERROR));
	for (i = 0; i < kx_diag_count(d); i++) {
		const char *m = kx_diag_get(d, i)->message;

		assert_null(strstr(m, "3F419E1C"));
		assert_null(strstr(m, "3f419e1c"));
	}
	kx_diag_free(d);
	kx_doc_free(doc);
}

/* A correct KCV of a clear test value raises nothing (both methods). */
static void
kcv_vectors_match(void **state)
{
	kx_doc *doc;
	kx_diag *d;

	(void)state;
	assert_true(kcv_ready());
	doc = base_doc();
	clear_value(doc, K(doc));
	K(doc)->prof.mode = KX_KEYMODE_TEST;
	d = run(doc, NULL, NOW_S, NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	/* GP test key 40..4F, 2TDEA, gp-des KCV 8BAF47 */
	tdea2_key(doc, K(doc));
	K(doc)->value.clear = B(doc, "404142434445464748494A4B4C4D4E4F");
	d = run(doc, NULL, NOW_S, NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	K(doc)->kcv = B(doc, "8BAF48");
	d = run(doc, NULL, NOW_S, NULL);
	assert_non_null(strstr(only(d, "KX131")->message, "8BAF47"));
	kx_diag_free(d);
	kx_doc_free(doc);
}

static void
reference_time(void **state)
{
	kx_doc *doc = base_doc();
	kx_diag *d;

	(void)state;
	/* the last second of not-after is still valid */
	d = run(doc, NULL, "2027-12-31T23:59:59Z", NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	d = run(doc, NULL, "2028-01-01T00:00:00Z", NULL);
	only(d, "KX104");
	kx_diag_free(d);
	/* the first second of not-before is valid; one before is not */
	d = run(doc, NULL, "2026-01-01T00:00:00Z", NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	d = run(doc, NULL, "2025-12-31T23:59:59Z", NULL);
	only(d, "KX105");
	kx_diag_free(d);
	/* a deactivated key may be expired (but carries no value then) */
	K(doc)->prof.state = KX_STATE_DEACTIVATED;
	K(doc)->value.form = KX_VALUE_NONE;
	d = run(doc, NULL, "2030-01-01T00:00:00Z", NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	kx_doc_free(doc);
}

static void
policy_severity(void **state)
{
	static struct kxi_pol_sev sev[2];
	kx_doc *doc = base_doc();
	kx_policy *pol = pol_new("sev");
	kx_diag *d;

	(void)state;
	snprintf(sev[0].rule, sizeof(sev[0].rule), "KX104");
	sev[0].sev = KX_SEV_WARNING;
	snprintf(sev[1].rule, sizeof(sev[1].rule), "KX132");
	sev[1].sev = KXI_SEV_OFF;
	pol->sevs = sev;
	pol->nsevs = 2;
	m_expired(doc, NULL, NULL);
	m_kcv_missing(doc, NULL, NULL);
	/* defaults: KX104 error, KX132 warning */
	d = run(doc, NULL, NOW_S, NULL);
	assert_int_equal(kx_diag_count(d), 2);
	assert_true(kxt_has_rule(d, "KX104", KX_SEV_ERROR));
	assert_true(kxt_has_rule(d, "KX132", KX_SEV_WARNING));
	kx_diag_free(d);
	/* policy: KX104 a warning, KX132 off */
	d = run(doc, pol, NOW_S, NULL);
	assert_int_equal(kx_diag_count(d), 1);
	assert_int_equal(only(d, "KX104")->severity, KX_SEV_WARNING);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 0);
	kx_diag_free(d);
	/* a note severity */
	sev[0].sev = KX_SEV_NOTE;
	d = run(doc, pol, NOW_S, NULL);
	assert_int_equal(only(d, "KX104")->severity, KX_SEV_NOTE);
	kx_diag_free(d);
	kx_policy_free(pol);
	kx_doc_free(doc);
}

static void
policy_waiver(void **state)
{
	static struct kxi_pol_waiver w[2];
	kx_doc *doc = base_doc();
	kx_policy *pol = pol_new("waivers");
	const kx_finding *f;
	kx_diag *d;

	(void)state;
	snprintf(w[0].rule, sizeof(w[0].rule), "KX122");
	w[0].key = "k1";
	w[0].reason = "bank-b approved by ticket 42";
	w[0].until = T("2026-12-31T23:59:59Z");
	/* a waiver for another key does nothing */
	snprintf(w[1].rule, sizeof(w[1].rule), "KX122");
	w[1].key = "k2";
	w[1].reason = "other key";
	w[1].until = KX_UNSET_TIME;
	pol->waivers = w;
	pol->nwaivers = 2;
	m_destination(doc, NULL, NULL);
	d = run(doc, pol, NOW_S, NULL);
	f = only(d, "KX122");
	assert_int_equal(f->severity, KX_SEV_NOTE);
	assert_non_null(strstr(f->message, "waived by policy waivers"));
	assert_non_null(strstr(f->message, "ticket 42"));
	assert_non_null(strstr(f->message, "bank-b"));
	kx_diag_free(d);
	/* after its end the waiver no longer applies, and says so */
	d = run(doc, pol, "2027-01-01T00:00:00Z", NULL);
	f = only(d, "KX122");
	assert_int_equal(f->severity, KX_SEV_ERROR);
	assert_non_null(strstr(f->message, "waiver expired 2026-12-31"));
	kx_diag_free(d);
	/* a waiver for rule KX122 does not waive another rule */
	m_expired(doc, NULL, NULL);
	d = run(doc, pol, NOW_S, NULL);
	assert_int_equal(kx_diag_count(d), 2);
	assert_true(kxt_has_rule(d, "KX104", KX_SEV_ERROR));
	kx_diag_free(d);
	kx_policy_free(pol);
	kx_doc_free(doc);
}

/* Policy steps: the minimum in force at the reference time applies. */
static void
policy_steps(void **state)
{
	static struct kxi_pol_min min[2];
	kx_doc *doc = base_doc();
	kx_policy *pol = pol_new("steps");
	kx_diag *d;

	(void)state;
	assert_true(crypto_ready());
	min[0].bits = 112;
	min[0].from = KX_UNSET_TIME;
	min[1].bits = 128;
	min[1].from = T("2031-01-01");
	pol->min_strength = min;
	pol->nmin_strength = 2;
	K(doc)->prof.alg = KX_ALG_TDEA3;
	K(doc)->prof.length_bits = 192;
	K(doc)->kcv_method = KX_KCV_GP_DES;
	K(doc)->prof.not_after = T("2035-01-01");
	d = run(doc, pol, NOW_S, NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	d = run(doc, pol, "2031-01-01T00:00:00Z", NULL);
	assert_non_null(strstr(only(d, "KX150")->message, "requires 128"));
	kx_diag_free(d);
	kx_policy_free(pol);
	kx_doc_free(doc);
}

/* The one finding of rule, a "not checked" note; NULL if none. */
static const kx_finding *
not_checked(const kx_diag *d, const char *rule)
{
	const kx_finding *f;
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++) {
		f = kx_diag_get(d, i);
		if (strcmp(f->rule, rule) == 0 && f->rc == KX_EUNSUPPORTED &&
		    strncmp(f->message, "not checked: ", 13) == 0)
			return f;
	}
	return NULL;
}

/*
 * Issue 7 item 10: a rule whose fields are absent from the key says it
 * was not checked (a note, rc KX_EUNSUPPORTED; an error when strict),
 * decided from the key's fields alone; a key the rule can decide gets
 * the rule's own finding or none.
 */
static void
rules_not_checked(void **state)
{
	static struct kxi_pol_kvn kv[1];
	static struct kxi_pol_forbid fb[1];
	static struct kxi_pol_period per[1];
	static struct kxi_pol_kid kd[1];
	kx_doc *doc = base_doc();
	kx_policy *pol = pol_new("issuer");
	const kx_finding *f;
	kx_diag *d;

	(void)state;
	kv[0].roles = 1u << KX_ROLE_GP_ENC;
	kv[0].min = 0x01;
	kv[0].max = 0x6F;
	fb[0].m.roles = 1u << KX_ROLE_GP_ENC;
	fb[0].m.scps = 1u << KX_SCP02;
	fb[0].reason = "no SCP02";
	per[0].m.roles = 1u << KX_ROLE_GP_ENC;
	per[0].originator = 365 * 86400;
	per[0].total = -1;
	per[0].originator_text = "P1Y";
	kd[0].role = KX_ROLE_GP_ENC;
	kd[0].kid = 1;
	pol->kvns = kv;
	pol->nkvns = 1;
	pol->forbids = fb;
	pol->nforbids = 1;
	pol->periods = per;
	pol->nperiods = 1;
	pol->kids = kd;
	pol->nkids = 1;

	/* a data key: no row applies, nothing to say */
	d = run(doc, pol, NOW_S, NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);

	/* no role, no GP data (as a GP KeyProfile reads): four notes */
	K(doc)->prof.role = KX_ROLE_NONE;
	d = run(doc, pol, NOW_S, NULL);
	assert_non_null(f = not_checked(d, "KX111"));
	assert_int_equal(f->severity, KX_SEV_NOTE);
	assert_non_null(strstr(f->message, "no role and no GP KVN"));
	assert_non_null(f = not_checked(d, "KX154"));
	assert_non_null(strstr(f->message, "no role and GP SCP"));
	assert_non_null(strstr(f->message, "(no SCP02)"));
	assert_non_null(f = not_checked(d, "KX152"));	/* 2 years > P1Y */
	assert_non_null(not_checked(d, "KX112"));
	assert_int_equal(kx_diag_count(d), 4);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_WARNING), 0);
	kx_diag_free(d);

	/* strict: the same notes are errors */
	assert_non_null(d = kx_diag_new());
	kx_diag_set_strict(d, 1);
	assert_int_equal(kx_doc_validate(doc, pol, T(NOW_S), NULL, d),
	    KX_OK);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 4);
	assert_int_equal(not_checked(d, "KX111")->severity, KX_SEV_ERROR);
	kx_diag_free(d);

	/* a KVN within every range needs no role: no KX111 note */
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.kvn = 0x30;
	d = run(doc, pol, NOW_S, NULL);
	assert_null(not_checked(d, "KX111"));
	kx_diag_free(d);
	/* outside the range, without a role: cannot tell */
	K(doc)->prof.gp.kvn = 0x70;
	d = run(doc, pol, NOW_S, NULL);
	assert_non_null(f = not_checked(d, "KX111"));
	assert_non_null(strstr(f->message, "the key has no role;"));
	kx_diag_free(d);

	/* an ISD key with a role but no GP SCP or KVN */
	K(doc)->prof.role = KX_ROLE_GP_ENC;
	K(doc)->prof.has_gp = false;
	K(doc)->prof.not_after = T("2026-12-31T23:59:59Z");	/* in P1Y */
	d = run(doc, pol, NOW_S, NULL);
	assert_non_null(f = not_checked(d, "KX111"));
	assert_non_null(strstr(f->message, "gp-enc key has no GP KVN"));
	assert_non_null(f = not_checked(d, "KX154"));
	assert_non_null(strstr(f->message, "no GP SCP"));
	assert_null(not_checked(d, "KX152"));
	kx_diag_free(d);

	/* all there: the rules decide (SCP02 forbidden, KVN fine) */
	K(doc)->prof.has_gp = true;
	K(doc)->prof.gp.kvn = 0x30;
	K(doc)->prof.gp.kid = 1;
	K(doc)->prof.gp.scp = KX_SCP02;
	d = run(doc, pol, NOW_S, NULL);
	assert_true(kxt_has_rule(d, "KX154", KX_SEV_ERROR));
	assert_null(not_checked(d, "KX111"));
	assert_null(not_checked(d, "KX112"));
	assert_null(not_checked(d, "KX152"));
	assert_null(not_checked(d, "KX154"));
	kx_diag_free(d);

	/* a rule the policy turned off says nothing */
	K(doc)->prof.role = KX_ROLE_NONE;
	K(doc)->prof.has_gp = false;
	{
		static struct kxi_pol_sev sev[4];
		const char *ids[4] = { "KX111", "KX112", "KX152", "KX154" };
		int j;

		for (j = 0; j < 4; j++) {
			snprintf(sev[j].rule, sizeof(sev[j].rule), "%s",
			    ids[j]);
			sev[j].sev = KXI_SEV_OFF;
		}
		pol->sevs = sev;
		pol->nsevs = 4;
	}
	d = run(doc, pol, NOW_S, NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	kx_policy_free(pol);
	kx_doc_free(doc);
}

static void
findings_deterministic(void **state)
{
	kx_doc *doc = base_doc();
	kx_diag *a, *b;
	size_t i;

	(void)state;
	add_key(doc, "k1");
	add_key(doc, "k0");
	doc->keys[2].prof.usage = 0;
	doc->keys[0].prof.not_after = T("2026-02-01");
	a = run(doc, NULL, NOW_S, NULL);
	b = run(doc, NULL, NOW_S, NULL);
	assert_int_equal(kx_diag_count(a), 3);
	assert_int_equal(kx_diag_count(b), 3);
	for (i = 0; i < kx_diag_count(a); i++) {
		assert_string_equal(kx_diag_get(a, i)->rule,
		    kx_diag_get(b, i)->rule);
		assert_string_equal(kx_diag_get(a, i)->message,
		    kx_diag_get(b, i)->message);
	}
	/* document-level first (KX140 on the second k1), then per key */
	assert_string_equal(kx_diag_get(a, 0)->rule, "KX140");
	assert_int_equal(kx_diag_get(a, 0)->line, 40 + KXF_ID);
	assert_string_equal(kx_diag_get(a, 1)->rule, "KX104");
	assert_string_equal(kx_diag_get(a, 2)->rule, "KX102");
	assert_string_equal(kx_diag_get(a, 2)->key_id, "k0");
	kx_diag_free(a);
	kx_diag_free(b);
	kx_doc_free(doc);
}

static void
rule_table(void **state)
{
	size_t i, n = kx_rule_count();
	const kx_rule_info *r, *prev = NULL;

	(void)state;
	assert_true(n >= 40);
	for (i = 0; i < n; i++) {
		r = kx_rule_get(i);
		assert_non_null(r);
		assert_int_equal(strlen(r->id), 5);
		assert_memory_equal(r->id, "KX", 2);
		if (prev != NULL)
			assert_true(strcmp(prev->id, r->id) < 0);
		assert_true(r->severity >= KX_SEV_NOTE &&
		    r->severity <= KX_SEV_ERROR);
		assert_true(strlen(r->summary) > 10);
		assert_null(strchr(r->summary, '\n'));
		assert_ptr_equal(kx_rule_find(r->id), r);
		assert_non_null(kxi_rule_slug(r->id));
		assert_non_null(kxi_rule_example(r->id));
		prev = r;
	}
	assert_null(kx_rule_get(n));
	assert_null(kx_rule_find("KX999"));
	assert_null(kx_rule_find(NULL));
	assert_null(kxi_rule_slug("KX999"));
	/* ids and defaults that other parts rely on */
	assert_int_equal(kx_rule_find("KX121")->severity, KX_SEV_ERROR);
	assert_int_equal(kx_rule_find("KX003")->severity, KX_SEV_WARNING);
	assert_int_equal(kx_rule_find("KX009")->severity, KX_SEV_WARNING);
	assert_string_equal(kxi_rule_slug("KX121"), "weak-wrap");
	assert_string_equal(kxi_rule_slug("KX001"), "malformed");
}

/* The reader reports KX001 for input it cannot recognise. */
static void
reader_rule(void **state)
{
	static const uint8_t junk[] = "this is not a key exchange";
	kx_doc *doc = NULL;
	kx_diag *d = kx_diag_new();

	(void)state;
	assert_int_not_equal(kx_doc_read(junk, sizeof(junk) - 1, KX_FMT_AUTO,
	    "junk.txt", &doc, d), KX_OK);
	assert_null(doc);
	assert_true(kxt_has_rule(d, "KX001", KX_SEV_ERROR));
	kx_diag_free(d);
}

static void
empty_doc(void **state)
{
	kx_doc *doc = kxi_doc_new();
	kx_diag *d;

	(void)state;
	d = run(doc, NULL, NOW_S, NULL);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	/* NULL diag is allowed */
	assert_int_equal(kx_doc_validate(doc, NULL, 0, NULL, NULL), KX_OK);
	kx_doc_free(doc);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(baseline_clean),
		cmocka_unit_test(each_rule_case),
		cmocka_unit_test(every_rule_has_a_case),
		cmocka_unit_test(finding_place),
		cmocka_unit_test(no_key_material),
		cmocka_unit_test(kcv_vectors_match),
		cmocka_unit_test(reference_time),
		cmocka_unit_test(policy_severity),
		cmocka_unit_test(policy_waiver),
		cmocka_unit_test(policy_steps),
		cmocka_unit_test(rules_not_checked),
		cmocka_unit_test(findings_deterministic),
		cmocka_unit_test(rule_table),
		cmocka_unit_test(reader_rule),
		cmocka_unit_test(empty_doc),
		cmocka_unit_test(clear_public_parts),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
