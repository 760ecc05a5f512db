/*
 * test_exchange.c - export, import and rewrap: restrictions enforced on
 * export, bindings and KCVs verified on import, and a tamper test for
 * every bound attribute of a profile.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kxtest.h"

#define NOW 1795459565		/* 2026-11-23T18:46:05Z */

static kx_secret *
secret_hex(const char *hex)
{
	kx_secret *s = NULL;
	const uint8_t *p;
	size_t n;

	p = kxt_hex(hex, &n);
	assert_int_equal(kx_secret_from(p, n, &s), KX_OK);
	return s;
}

/* An AES-128 GP ENC key of an ISD, exportable to ISSUER only. */
static kx_doc *
sample_doc(void)
{
	kx_doc *doc = kxi_doc_new();
	kx_key *k = kxi_doc_add_key(doc);
	kx_profile *p = &k->prof;

	doc->id = "DOC-1";
	doc->sender = "MANUFACTURER";
	assert_int_equal(kxi_strlist_add(&doc->arena, &doc->recipients,
	    "ISSUER"), KX_OK);
	p->id = "ISD-ENC";
	p->name = "ISD SCP03 ENC";
	p->owner = "ISSUER";
	p->cls = KX_CLASS_SECRET;
	p->alg = KX_ALG_AES;
	p->length_bits = 128;
	p->usage = KX_USAGE_BIT(KX_U_ENCRYPT) | KX_USAGE_BIT(KX_U_DECRYPT);
	p->role = KX_ROLE_GP_ENC;
	p->has_gp = true;
	p->gp.key_type = 0x88;
	p->gp.kvn = 0x30;
	p->gp.kid = 1;
	p->gp.kuq = 0x38;
	p->gp.kuq_len = 1;
	p->gp.access = 1;
	p->gp.scp = KX_SCP03;
	p->gp.scp_i = 0x70;
	p->not_before = 1767225600;	/* 2026-01-01 */
	p->not_after = 1956527999;	/* 2031-12-31T23:59:59Z */
	p->state = KX_STATE_ACTIVE;
	p->export_.allowed = true;
	p->export_.forms = 1u << KX_FORM_BOUND_BLOCK;
	assert_int_equal(kxi_strlist_add(&doc->arena,
	    &p->export_.destinations, "ISSUER"), KX_OK);
	return doc;
}

static const char *KEY = "2B7E151628AED2A6ABF7158809CF4F3C";
static const char *KEK =
    "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4";
static const char *KEK2 =
    "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";

static kx_xchg_opts
opts(void)
{
	kx_xchg_opts o;

	memset(&o, 0, sizeof(o));
	o.now = NOW;
	o.kek_id = "TK-1";
	return o;
}

struct got {
	int calls;
	uint8_t value[32];
	size_t len;
};

static int
collect(void *arg, const kx_doc *doc, size_t i, const kx_secret *v,
    kx_diag *d)
{
	struct got *g = arg;

	(void)doc;
	(void)i;
	(void)d;
	g->calls++;
	g->len = kx_secret_len(v);
	memcpy(g->value, kx_secret_data(v), g->len);
	return KX_OK;
}

static kx_doc *
exported(kx_secret *kek)
{
	kx_doc *doc = sample_doc();
	kx_secret *key = secret_hex(KEY);
	kx_xchg_opts o = opts();
	kx_diag *d = kx_diag_new();

	assert_int_equal(kx_export(doc, &key, 1, kek, &o, d), KX_OK);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 0);
	kx_secret_free(key);
	kx_diag_free(d);
	return doc;
}

static void
export_then_import(void **state)
{
	kx_secret *kek = secret_hex(KEK);
	kx_doc *doc = exported(kek);
	kx_xchg_opts o = opts();
	struct got g = { 0 };
	const kx_key *k = &doc->keys[0];
	size_t n;

	(void)state;
	assert_int_equal(k->value.form, KX_VALUE_WRAPPED);
	assert_int_equal(k->value.alg, KX_WRAP_AES_SIV_BOUND);
	assert_string_equal(k->value.kek_id, "TK-1");
	assert_int_equal(k->value.data.n, 16 + 16);
	/* KCV recorded with the GP AES method (sixteen 01 bytes). */
	assert_int_equal(k->kcv_method, KX_KCV_GP_AES);
	assert_int_equal(k->kcv.n, 3);
	assert_int_equal(doc->ntks, 1);
	assert_string_equal(doc->tks[0].id, "TK-1");
	assert_int_equal(doc->tks[0].length_bits, 256);
	assert_int_equal(kx_import(doc, kek, &o, collect, &g, NULL), KX_OK);
	assert_int_equal(g.calls, 1);
	assert_memory_equal(g.value, kxt_hex(KEY, &n), 16);
	kx_doc_free(doc);
	kx_secret_free(kek);
}

static void
wrong_kek_refused(void **state)
{
	kx_secret *kek = secret_hex(KEK), *other = secret_hex(KEK2);
	kx_doc *doc = exported(kek);
	kx_xchg_opts o = opts();
	kx_diag *d = kx_diag_new();
	struct got g = { 0 };

	(void)state;
	assert_int_equal(kx_import(doc, other, &o, collect, &g, d), KX_EKCV);
	assert_true(kxt_has_rule(d, "KX133", KX_SEV_ERROR));
	assert_int_equal(g.calls, 0);
	kx_diag_free(d);
	kx_doc_free(doc);
	kx_secret_free(kek);
	kx_secret_free(other);
}

/* One mutation of a bound attribute each. */
static void m_id(kx_doc *x, kx_profile *p) { p->id = "ISD-MAC"; (void)x; }
static void m_name(kx_doc *x, kx_profile *p) { p->name = "other"; (void)x; }
static void m_desc(kx_doc *x, kx_profile *p) { p->description = "d"; (void)x; }
static void m_owner(kx_doc *x, kx_profile *p) { p->owner = "MALLORY"; (void)x; }
static void m_class(kx_doc *x, kx_profile *p) { p->cls = KX_CLASS_PRIVATE; (void)x; }
static void m_len(kx_doc *x, kx_profile *p) { p->length_bits = 192; (void)x; }
static void m_usage(kx_doc *x, kx_profile *p) { p->usage |= KX_USAGE_BIT(KX_U_WRAP); (void)x; }
static void m_usage2(kx_doc *x, kx_profile *p) { p->usage &= ~KX_USAGE_BIT(KX_U_DECRYPT); (void)x; }
static void m_modes(kx_doc *x, kx_profile *p) { p->modes = 1u << KX_M_ECB; (void)x; }
static void m_role(kx_doc *x, kx_profile *p) { p->role = KX_ROLE_GP_MAC; (void)x; }
static void m_limit(kx_doc *x, kx_profile *p) { p->usage_limit = 5; (void)x; }
static void m_kvn(kx_doc *x, kx_profile *p) { p->gp.kvn = 0x31; (void)x; }
static void m_kid(kx_doc *x, kx_profile *p) { p->gp.kid = 2; (void)x; }
static void m_type(kx_doc *x, kx_profile *p) { p->gp.key_type = 0x80; (void)x; }
static void m_kuq(kx_doc *x, kx_profile *p) { p->gp.kuq = 0x34; (void)x; }
static void m_access(kx_doc *x, kx_profile *p) { p->gp.access = 0; (void)x; }
static void m_scp(kx_doc *x, kx_profile *p) { p->gp.scp_i = 0x60; (void)x; }
static void m_nb(kx_doc *x, kx_profile *p) { p->not_before -= 86400; (void)x; }
static void m_na(kx_doc *x, kx_profile *p) { p->not_after += 86400; (void)x; }
static void m_protect(kx_doc *x, kx_profile *p) { p->protect_until = p->not_after; (void)x; }
static void m_period(kx_doc *x, kx_profile *p) { p->cryptoperiod = "P10Y"; (void)x; }
static void m_state(kx_doc *x, kx_profile *p) { p->state = KX_STATE_SUSPENDED; (void)x; }
static void m_mode(kx_doc *x, kx_profile *p) { p->mode = KX_KEYMODE_TEST; (void)x; }
static void m_export(kx_doc *x, kx_profile *p) { p->export_.forms |= 1u << KX_FORM_CLEAR; (void)x; }
static void m_dest(kx_doc *x, kx_profile *p) { p->export_.destinations.n = 0; (void)x; }
static void m_wrapmin(kx_doc *x, kx_profile *p) { p->export_.min_wrap_strength = 64; (void)x; }
static void m_sens(kx_doc *x, kx_profile *p) { p->sensitive = false; (void)x; }
static void m_import(kx_doc *x, kx_profile *p) { assert_int_equal(kxi_strlist_add(&x->arena, &p->import_.sources, "ANY"), KX_OK); }
static void m_perm(kx_doc *x, kx_profile *p) { p->permanent = KX_TRI_TRUE; (void)x; }
static void m_cust(kx_doc *x, kx_profile *p) { assert_int_equal(kxi_strlist_add(&x->arena, &p->custodians, "eve"), KX_OK); }
static void m_split(kx_doc *x, kx_profile *p) { p->split.n = 3; p->split.method = KX_SPLIT_XOR; (void)x; }
static void m_ext(kx_doc *x, kx_profile *p)
{
	p->extensions = kxi_alloc(&x->arena, sizeof(*p->extensions));
	p->extensions[0].ns = "urn:x";
	p->extensions[0].name = "n";
	p->extensions[0].value = "v";
	p->nextensions = 1;
}

static const struct {
	const char *what;
	void (*mutate)(kx_doc *, kx_profile *);
} tampers[] = {
	{ "id", m_id }, { "name", m_name }, { "description", m_desc },
	{ "owner", m_owner }, { "class", m_class }, { "length", m_len },
	{ "usage added", m_usage }, { "usage removed", m_usage2 },
	{ "modes", m_modes }, { "role", m_role }, { "usage limit", m_limit },
	{ "gp kvn", m_kvn }, { "gp kid", m_kid }, { "gp key type", m_type },
	{ "gp kuq", m_kuq }, { "gp access", m_access }, { "gp scp", m_scp },
	{ "not before", m_nb }, { "not after", m_na },
	{ "protect until", m_protect }, { "cryptoperiod", m_period },
	{ "state", m_state }, { "mode", m_mode }, { "export forms", m_export },
	{ "destinations", m_dest }, { "min wrap strength", m_wrapmin },
	{ "sensitive", m_sens }, { "import sources", m_import },
	{ "permanent", m_perm }, { "custodians", m_cust },
	{ "split", m_split }, { "extensions", m_ext },
};

static void
every_bound_attribute_is_bound(void **state)
{
	kx_secret *kek = secret_hex(KEK);
	kx_xchg_opts o = opts();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
		kx_doc *doc = exported(kek);
		kx_diag *d = kx_diag_new();
		struct got g = { 0 };
		kx_buf a = { 0 }, b = { 0 };

		assert_int_equal(kxi_profile_der(&doc->keys[0].prof, &a,
		    NULL), KX_OK);
		tampers[i].mutate(doc, &doc->keys[0].prof);
		assert_int_equal(kxi_profile_der(&doc->keys[0].prof, &b,
		    NULL), KX_OK);
		if (a.len == b.len && memcmp(a.data, b.data, a.len) == 0)
			fail_msg("tampering with %s does not change the "
			    "bound profile", tampers[i].what);
		/* The binding itself refuses the changed profile ... */
		{
			kx_secret *v = NULL;
			const kx_keyval *val = &doc->keys[0].value;

			assert_int_equal(kx_unwrap(KX_WRAP_AES_SIV_BOUND, kek,
			    val->data.p, val->data.n, b.data, b.len, &v,
			    NULL), KX_ECRYPTO);
			assert_null(v);
			assert_int_equal(kx_unwrap(KX_WRAP_AES_SIV_BOUND, kek,
			    val->data.p, val->data.n, a.data, a.len, &v,
			    NULL), KX_OK);
			kx_secret_free(v);
		}
		kx_buf_free(&a);
		kx_buf_free(&b);
		/* ... and so does import, whichever check fires first. */
		/*
		 * Rewrap and import must refuse, whatever the rules say
		 * about the changed profile first.
		 */
		if (kx_import(doc, kek, &o, collect, &g, d) == KX_OK)
			fail_msg("tampered %s was imported", tampers[i].what);
		assert_int_equal(g.calls, 0);
		kx_diag_free(d);
		kx_doc_free(doc);
	}
	kx_secret_free(kek);
}

static void
tampered_value_refused(void **state)
{
	kx_secret *kek = secret_hex(KEK);
	kx_xchg_opts o = opts();
	size_t i, n;

	(void)state;
	n = 32;
	for (i = 0; i < n; i++) {
		kx_doc *doc = exported(kek);
		kx_diag *d = kx_diag_new();
		struct got g = { 0 };

		doc->keys[0].value.data.p[i] ^= 0x01;
		assert_int_equal(kx_import(doc, kek, &o, collect, &g, d),
		    KX_EPOLICY);
		assert_true(kxt_has_rule(d, "KX134", KX_SEV_ERROR));
		assert_int_equal(g.calls, 0);
		kx_diag_free(d);
		kx_doc_free(doc);
	}
	kx_secret_free(kek);
}

static void
rewrap_moves_to_new_kek(void **state)
{
	kx_secret *kek = secret_hex(KEK), *kek2 = secret_hex(KEK2);
	kx_doc *doc = exported(kek);
	kx_xchg_opts o = opts();
	struct got g = { 0 };
	size_t n;

	(void)state;
	o.kek_id = "LMK-1";
	assert_int_equal(kx_rewrap(doc, kek, kek2, &o, NULL), KX_OK);
	assert_int_equal(doc->ntks, 1);
	assert_string_equal(doc->tks[0].id, "LMK-1");
	assert_string_equal(doc->keys[0].value.kek_id, "LMK-1");
	assert_int_not_equal(kx_import(doc, kek, &o, collect, &g, NULL),
	    KX_OK);
	assert_int_equal(kx_import(doc, kek2, &o, collect, &g, NULL), KX_OK);
	assert_int_equal(g.calls, 1);
	assert_memory_equal(g.value, kxt_hex(KEY, &n), 16);
	/* a wrong from-KEK leaves the document as it was */
	assert_int_not_equal(kx_rewrap(doc, kek, kek, &o, NULL), KX_OK);
	assert_string_equal(doc->keys[0].value.kek_id, "LMK-1");
	kx_doc_free(doc);
	kx_secret_free(kek);
	kx_secret_free(kek2);
}

static void
export_restrictions(void **state)
{
	static const struct {
		const char *rule;
		int which;
	} cases[] = {
		{ "KX120", 0 }, { "KX125", 1 }, { "KX104", 2 },
		{ "KX122", 3 }, { "KX123", 4 }, { "KX121", 5 },
		{ "KX131", 6 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kx_doc *doc = sample_doc();
		kx_profile *p = &doc->keys[0].prof;
		kx_secret *key = secret_hex(KEY), *kek = secret_hex(KEK);
		kx_xchg_opts o = opts();
		kx_diag *d = kx_diag_new();

		switch (cases[i].which) {
		case 0: p->export_.allowed = false; break;
		case 1: p->state = KX_STATE_COMPROMISED; break;
		case 2: p->not_after = NOW - 1; break;
		case 3: o.recipient = "SOMEONE-ELSE"; break;
		case 4: p->export_.forms = 1u << KX_FORM_WRAPPED; break;
		case 5:
			kx_secret_free(kek);
			kek = secret_hex("000102030405060708090A0B0C0D0E0F");
			p->length_bits = 256;
			kx_secret_free(key);
			key = secret_hex(KEK2);
			break;
		case 6:
			doc->keys[0].kcv.p = kxi_memdup(&doc->arena,
			    "\x01\x02\x03", 3);
			doc->keys[0].kcv.n = 3;
			doc->keys[0].kcv_method = KX_KCV_GP_AES;
			break;
		}
		assert_int_not_equal(kx_export(doc, &key, 1, kek, &o, d),
		    KX_OK);
		if (!kxt_has_rule(d, cases[i].rule, KX_SEV_ERROR))
			fail_msg("export not refused with %s", cases[i].rule);
		kx_diag_free(d);
		kx_doc_free(doc);
		kx_secret_free(key);
		kx_secret_free(kek);
	}
}

/* The import restrictions a profile carries are enforced (KX127). */
static void
import_restrictions(void **state)
{
	int which;

	(void)state;
	for (which = 0; which < 3; which++) {
		kx_doc *doc = sample_doc();
		kx_profile *p = &doc->keys[0].prof;
		kx_secret *key = secret_hex(KEY), *kek = secret_hex(KEK);
		kx_xchg_opts o = opts();
		kx_diag *d = kx_diag_new();
		struct got g = { 0 };
		int r;

		if (which == 0)
			p->import_.allowed = false;
		else
			assert_int_equal(kxi_strlist_add(&doc->arena,
			    &p->import_.sources, "MANUFACTURER"), KX_OK);
		if (which == 2)
			doc->sender = "SOMEONE-ELSE";
		assert_int_equal(kx_export(doc, &key, 1, kek, &o, NULL),
		    KX_OK);
		r = kx_import(doc, kek, &o, collect, &g, d);
		if (which == 1) {
			/* the sender is an allowed source */
			assert_int_equal(r, KX_OK);
			assert_int_equal(g.calls, 1);
		} else {
			assert_int_equal(r, KX_EPOLICY);
			assert_true(kxt_has_rule(d, "KX127", KX_SEV_ERROR));
			assert_false(kxt_has_rule(d, "KX134", KX_SEV_ERROR));
			assert_int_equal(g.calls, 0);
		}
		kx_diag_free(d);
		kx_doc_free(doc);
		kx_secret_free(key);
		kx_secret_free(kek);
	}
}

/* HMAC keys travel bound like any other (no KCV method exists for them);
 * private keys are refused for now. */
static void
hmac_and_unsupported(void **state)
{
	kx_doc *doc = sample_doc();
	kx_profile *p = &doc->keys[0].prof;
	kx_secret *key = secret_hex(KEK2), *kek = secret_hex(KEK);
	kx_xchg_opts o = opts();
	kx_diag *d = kx_diag_new();
	struct got g = { 0 };
	size_t n;

	(void)state;
	p->alg = KX_ALG_HMAC;
	p->hmac_hash = KX_HASH_SHA256;
	p->length_bits = 256;
	p->usage = KX_USAGE_BIT(KX_U_MAC_GENERATE) |
	    KX_USAGE_BIT(KX_U_MAC_VERIFY);
	p->role = KX_ROLE_MAC;
	p->has_gp = false;
	assert_int_equal(kx_export(doc, &key, 1, kek, &o, d), KX_OK);
	assert_int_equal(doc->keys[0].kcv.n, 0);
	assert_int_equal(kx_import(doc, kek, &o, collect, &g, NULL), KX_OK);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.len, 32);
	assert_memory_equal(g.value, kxt_hex(KEK2, &n), 32);
	/* the binding still guards it */
	doc->keys[0].value.data.p[20] ^= 0x80;
	assert_int_not_equal(kx_import(doc, kek, &o, collect, &g, NULL),
	    KX_OK);
	assert_int_equal(g.calls, 1);
	kx_doc_free(doc);
	kx_diag_clear(d);

	doc = sample_doc();
	p = &doc->keys[0].prof;
	p->cls = KX_CLASS_PRIVATE;
	p->alg = KX_ALG_RSA;
	p->length_bits = 256;
	assert_int_equal(kx_export(doc, &key, 1, kek, &o, d),
	    KX_EUNSUPPORTED);
	assert_true(kxt_has_rule(d, "KX101", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_free(d);
	kx_secret_free(key);
	kx_secret_free(kek);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(export_then_import),
		cmocka_unit_test(wrong_kek_refused),
		cmocka_unit_test(every_bound_attribute_is_bound),
		cmocka_unit_test(tampered_value_refused),
		cmocka_unit_test(rewrap_moves_to_new_kek),
		cmocka_unit_test(export_restrictions),
		cmocka_unit_test(import_restrictions),
		cmocka_unit_test(hmac_and_unsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
