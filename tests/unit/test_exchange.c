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

#define secret_hex kxt_secret

/* An AES-128 GP ENC key of an ISD, exportable to ISSUER only. */
static kx_doc *
sample_doc(void)
{
	kx_doc *doc = kxi_doc_new();
	kx_key *k = kxi_doc_add_key(doc);
	kxi_profile *p = &k->prof;

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
	return kxt_xchg_opts(NOW);
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
	struct kxt_got g = { 0 };
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
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, NULL), KX_OK);
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
	struct kxt_got g = { 0 };

	(void)state;
	assert_int_equal(kx_import(doc, other, &o, kxt_collect, &g, d),
	    KX_EKCV);
	assert_true(kxt_has_rule(d, "KX135", KX_SEV_ERROR));
	assert_int_equal(g.calls, 0);
	kx_diag_free(d);
	kx_doc_free(doc);
	kx_secret_free(kek);
	kx_secret_free(other);
}

/* One mutation of a bound attribute each. */
static void m_id(kx_doc *x, kxi_profile *p) { p->id = "ISD-MAC"; (void)x; }
static void m_name(kx_doc *x, kxi_profile *p) { p->name = "other"; (void)x; }
static void m_desc(kx_doc *x, kxi_profile *p) { p->description = "d"; (void)x; }
static void m_owner(kx_doc *x, kxi_profile *p) { p->owner = "MALLORY"; (void)x; }
static void m_class(kx_doc *x, kxi_profile *p) { p->cls = KX_CLASS_PRIVATE; (void)x; }
static void m_len(kx_doc *x, kxi_profile *p) { p->length_bits = 192; (void)x; }
static void m_usage(kx_doc *x, kxi_profile *p) { p->usage |= KX_USAGE_BIT(KX_U_WRAP); (void)x; }
static void m_usage2(kx_doc *x, kxi_profile *p) { p->usage &= ~KX_USAGE_BIT(KX_U_DECRYPT); (void)x; }
static void m_modes(kx_doc *x, kxi_profile *p) { p->modes = 1u << KX_M_ECB; (void)x; }
static void m_role(kx_doc *x, kxi_profile *p) { p->role = KX_ROLE_GP_MAC; (void)x; }
static void m_limit(kx_doc *x, kxi_profile *p) { p->usage_limit = 5; (void)x; }
static void m_kvn(kx_doc *x, kxi_profile *p) { p->gp.kvn = 0x31; (void)x; }
static void m_kid(kx_doc *x, kxi_profile *p) { p->gp.kid = 2; (void)x; }
static void m_type(kx_doc *x, kxi_profile *p) { p->gp.key_type = 0x80; (void)x; }
static void m_kuq(kx_doc *x, kxi_profile *p) { p->gp.kuq = 0x34; (void)x; }
static void m_access(kx_doc *x, kxi_profile *p) { p->gp.access = 0; (void)x; }
static void m_scp(kx_doc *x, kxi_profile *p) { p->gp.scp_i = 0x60; (void)x; }
static void m_nb(kx_doc *x, kxi_profile *p) { p->not_before -= 86400; (void)x; }
static void m_na(kx_doc *x, kxi_profile *p) { p->not_after += 86400; (void)x; }
static void m_protect(kx_doc *x, kxi_profile *p) { p->protect_until = p->not_after; (void)x; }
static void m_period(kx_doc *x, kxi_profile *p) { p->cryptoperiod = "P10Y"; (void)x; }
static void m_state(kx_doc *x, kxi_profile *p) { p->state = KX_STATE_SUSPENDED; (void)x; }
static void m_mode(kx_doc *x, kxi_profile *p) { p->mode = KX_KEYMODE_TEST; (void)x; }
static void m_export(kx_doc *x, kxi_profile *p) { p->export_.forms |= 1u << KX_FORM_CLEAR; (void)x; }
static void m_dest(kx_doc *x, kxi_profile *p) { p->export_.destinations.n = 0; (void)x; }
static void m_wrapmin(kx_doc *x, kxi_profile *p) { p->export_.min_wrap_strength = 64; (void)x; }
static void m_sens(kx_doc *x, kxi_profile *p) { p->sensitive = false; (void)x; }
static void m_import(kx_doc *x, kxi_profile *p) { assert_int_equal(kxi_strlist_add(&x->arena, &p->import_.sources, "ANY"), KX_OK); }
static void m_perm(kx_doc *x, kxi_profile *p) { p->permanent = KXI_TRI_TRUE; (void)x; }
static void m_cust(kx_doc *x, kxi_profile *p) { assert_int_equal(kxi_strlist_add(&x->arena, &p->custodians, "eve"), KX_OK); }
static void m_split(kx_doc *x, kxi_profile *p) { p->split.n = 3; p->split.method = KX_SPLIT_XOR; (void)x; }
static void m_ext(kx_doc *x, kxi_profile *p)
{
	p->extensions = kxi_alloc(&x->arena, sizeof(*p->extensions));
	p->extensions[0].ns = "urn:x";
	p->extensions[0].name = "n";
	p->extensions[0].value = "v";
	p->nextensions = 1;
}

/* The header fields binding version 2 covers. */
static void m_sender(kx_doc *x, kxi_profile *p) { x->sender = "MALLORY"; (void)p; }
static void m_nosender(kx_doc *x, kxi_profile *p) { x->sender = NULL; (void)p; }
static void m_rcpt(kx_doc *x, kxi_profile *p) { x->recipients.v[0] = "MALLORY"; (void)p; }
static void m_rcpt2(kx_doc *x, kxi_profile *p) { assert_int_equal(kxi_strlist_add(&x->arena, &x->recipients, "MALLORY"), KX_OK); (void)p; }
static void m_docid(kx_doc *x, kxi_profile *p) { x->id = "DOC-2"; (void)p; }
static void m_created(kx_doc *x, kxi_profile *p) { x->created += 1; (void)p; }

static const struct {
	const char *what;
	void (*mutate)(kx_doc *, kxi_profile *);
} tampers[] = {
	{ "sender", m_sender }, { "sender removed", m_nosender },
	{ "recipient", m_rcpt }, { "recipient added", m_rcpt2 },
	{ "document id", m_docid }, { "created", m_created },
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
		struct kxt_got g = { 0 };
		kx_buf a = { 0 }, b = { 0 };

		assert_string_equal(doc->keys[0].value.binding_method,
		    "header-profile-der-v2");
		assert_int_equal(kxi_bound_aad(doc, &doc->keys[0], 2, &a,
		    NULL, NULL), KX_OK);
		tampers[i].mutate(doc, &doc->keys[0].prof);
		assert_int_equal(kxi_bound_aad(doc, &doc->keys[0], 2, &b,
		    NULL, NULL), KX_OK);
		if (a.len == b.len && memcmp(a.data, b.data, a.len) == 0)
			fail_msg("tampering with %s does not change the "
			    "bound data", tampers[i].what);
		/* The binding itself refuses the changed data ... */
		{
			kx_secret *v = NULL;
			const kxi_keyval *val = &doc->keys[0].value;

			assert_int_equal(kxi_bound_unwrap(2, kek, val->data.p,
			    val->data.n, b.data, b.len, &v, NULL),
			    KX_ECRYPTO);
			assert_null(v);
			assert_int_equal(kxi_bound_unwrap(2, kek, val->data.p,
			    val->data.n, a.data, a.len, &v, NULL), KX_OK);
			kx_secret_free(v);
			/* ... and version 1 (another KDF label) cannot */
			assert_int_equal(kxi_bound_unwrap(1, kek, val->data.p,
			    val->data.n, a.data, a.len, &v, NULL),
			    KX_ECRYPTO);
		}
		kx_buf_free(&a);
		kx_buf_free(&b);
		/* ... and so does import, whichever check fires first. */
		/*
		 * Rewrap and import must refuse, whatever the rules say
		 * about the changed profile first.
		 */
		if (kx_import(doc, kek, &o, kxt_collect, &g, d) == KX_OK)
			fail_msg("tampered %s was imported", tampers[i].what);
		/* without the (optional) digest, AES-SIV still refuses */
		doc->keys[0].value.binding_digest.n = 0;
		if (kx_import(doc, kek, &o, kxt_collect, &g, d) == KX_OK)
			fail_msg("tampered %s was imported without its digest",
			    tampers[i].what);
		assert_int_equal(g.calls, 0);
		kx_diag_free(d);
		kx_doc_free(doc);
	}
	kx_secret_free(kek);
}

/* Import of doc (freed) is refused with rule, no key handed over. */
static void
import_refused(kx_doc *doc, const kx_secret *kek, const char *rule)
{
	kx_xchg_opts o = opts();
	kx_diag *d = kx_diag_new();
	struct kxt_got g = { 0 };

	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d),
	    KX_EPOLICY);
	if (!kxt_has_rule(d, rule, KX_SEV_ERROR))
		fail_msg("import not refused with %s", rule);
	assert_int_equal(g.calls, 0);
	kx_diag_free(d);
	kx_doc_free(doc);
}

static void
tampered_value_refused(void **state)
{
	kx_secret *kek = secret_hex(KEK);
	size_t i, n;

	(void)state;
	n = 32;
	for (i = 0; i < n; i++) {
		kx_doc *doc = exported(kek);

		doc->keys[0].value.data.p[i] ^= 0x01;
		import_refused(doc, kek, "KX134");
	}
	kx_secret_free(kek);
}

static void
rewrap_moves_to_new_kek(void **state)
{
	kx_secret *kek = secret_hex(KEK), *kek2 = secret_hex(KEK2);
	kx_doc *doc = exported(kek);
	kx_xchg_opts o = opts();
	struct kxt_got g = { 0 };
	size_t n;

	(void)state;
	o.kek_id = "LMK-1";
	assert_int_equal(kx_rewrap(doc, kek, kek2, &o, NULL), KX_OK);
	assert_int_equal(doc->ntks, 1);
	assert_string_equal(doc->tks[0].id, "LMK-1");
	assert_string_equal(doc->keys[0].value.kek_id, "LMK-1");
	assert_int_not_equal(kx_import(doc, kek, &o, kxt_collect, &g, NULL),
	    KX_OK);
	assert_int_equal(kx_import(doc, kek2, &o, kxt_collect, &g, NULL),
	    KX_OK);
	assert_int_equal(g.calls, 1);
	assert_memory_equal(g.value, kxt_hex(KEY, &n), 16);
	/* a wrong from-KEK leaves the document as it was */
	assert_int_not_equal(kx_rewrap(doc, kek, kek, &o, NULL), KX_OK);
	assert_string_equal(doc->keys[0].value.kek_id, "LMK-1");
	kx_doc_free(doc);
	kx_secret_free(kek);
	kx_secret_free(kek2);
}

/* One export attempt: the sample key, its value, a transport key. */
struct xfix {
	kx_doc *doc;
	kxi_profile *p;
	kx_secret *key, *kek;
	kx_xchg_opts o;
	kx_diag *d;
};

static void
xfix_init(struct xfix *x)
{
	x->doc = sample_doc();
	x->p = &x->doc->keys[0].prof;
	x->key = secret_hex(KEY);
	x->kek = secret_hex(KEK);
	x->o = opts();
	x->d = kx_diag_new();
}

/* An AES-256 key under an AES-128 transport key (KX121). */
static void
xfix_weak(struct xfix *x)
{
	kx_secret_free(x->kek);
	x->kek = secret_hex("000102030405060708090A0B0C0D0E0F");
	x->o.kek_alg = KX_ALG_AES;	/* 16 bytes: AES-128, not TDEA */
	x->p->length_bits = 256;
	kx_secret_free(x->key);
	x->key = secret_hex(KEK2);
}

static int
xfix_export(struct xfix *x)
{
	return kx_export(x->doc, &x->key, 1, x->kek, &x->o, x->d);
}

static void
xfix_free(struct xfix *x)
{
	kx_diag_free(x->d);
	kx_doc_free(x->doc);
	kx_secret_free(x->key);
	kx_secret_free(x->kek);
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
		{ "KX145", 6 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xfix x;
		kxi_profile *p;

		xfix_init(&x);
		p = x.p;
		switch (cases[i].which) {
		case 0: p->export_.allowed = false; break;
		case 1: p->state = KX_STATE_COMPROMISED; break;
		case 2: p->not_after = NOW - 1; break;
		case 3: x.o.recipient = "SOMEONE-ELSE"; break;
		case 4: p->export_.forms = 1u << KX_FORM_COMPONENTS; break;
		case 5: xfix_weak(&x); break;
		case 6:
			x.doc->keys[0].kcv.p = kxi_memdup(&x.doc->arena,
			    "\x01\x02\x03", 3);
			x.doc->keys[0].kcv.n = 3;
			x.doc->keys[0].kcv_method = KX_KCV_GP_AES;
			break;
		}
		assert_int_not_equal(xfix_export(&x), KX_OK);
		if (!kxt_has_rule(x.d, cases[i].rule, KX_SEV_ERROR))
			fail_msg("export not refused with %s", cases[i].rule);
		xfix_free(&x);
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
		kxi_profile *p = &doc->keys[0].prof;
		kx_secret *key = secret_hex(KEY), *kek = secret_hex(KEK);
		kx_xchg_opts o = opts();
		kx_diag *d = kx_diag_new();
		struct kxt_got g = { 0 };
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
		r = kx_import(doc, kek, &o, kxt_collect, &g, d);
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
	kxi_profile *p = &doc->keys[0].prof;
	kx_secret *key = secret_hex(KEK2), *kek = secret_hex(KEK);
	kx_xchg_opts o = opts();
	kx_diag *d = kx_diag_new();
	struct kxt_got g = { 0 };
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
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, NULL), KX_OK);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.len, 32);
	assert_memory_equal(g.value, kxt_hex(KEK2, &n), 32);
	/* the binding still guards it */
	doc->keys[0].value.data.p[20] ^= 0x80;
	assert_int_not_equal(kx_import(doc, kek, &o, kxt_collect, &g, NULL),
	    KX_OK);
	assert_int_equal(g.calls, 1);
	kx_doc_free(doc);
	kx_diag_clear(d);

	doc = sample_doc();
	p = &doc->keys[0].prof;
	p->cls = KX_CLASS_PRIVATE;
	p->alg = KX_ALG_RSA;
	p->length_bits = 2048;
	/* 32 bytes are not a PKCS#8 private key (test_asym has the rest) */
	assert_int_equal(kx_export(doc, &key, 1, kek, &o, d), KX_EINPUT);
	assert_true(kxt_has_rule(d, "KX139", KX_SEV_ERROR));
	kx_doc_free(doc);
	kx_diag_free(d);
	kx_secret_free(key);
	kx_secret_free(kek);
}

/* Re-bind exported key 0 (value KEY) as a binding version 1 export. */
static void
as_v1(kx_doc *doc, const kx_secret *kek)
{
	kxi_keyval *val = &doc->keys[0].value;
	kx_secret *v = secret_hex(KEY);
	kx_buf aad = { 0 }, out = { 0 };

	assert_int_equal(kxi_profile_der(&doc->keys[0].prof, &aad, NULL),
	    KX_OK);
	assert_int_equal(kx_wrap(KX_WRAP_AES_SIV_BOUND, kek, v, aad.data,
	    aad.len, &out, NULL), KX_OK);
	val->data.p = kxi_memdup(&doc->arena, out.data, out.len);
	val->data.n = out.len;
	val->binding_method = "profile-der-v1";
	val->binding_digest.n = 0;
	kx_secret_free(v);
	kx_buf_free(&aad);
	kx_buf_free(&out);
}

/*
 * Binding version 1 documents still import, but their header is not
 * authenticated: a warning (KX137), and KX127 does not trust the sender;
 * rewrap keeps them version 1.  A version 2 header change is refused.
 */
static void
v1_header_not_trusted(void **state)
{
	kx_secret *kek = secret_hex(KEK), *kek2 = secret_hex(KEK2);
	kx_xchg_opts o = opts();
	kx_doc *doc;
	kx_diag *d = kx_diag_new();
	struct kxt_got g = { 0 };

	(void)state;
	doc = exported(kek);
	as_v1(doc, kek);
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d), KX_OK);
	assert_int_equal(g.calls, 1);
	assert_true(kxt_has_rule(d, "KX137", KX_SEV_WARNING));
	/* its sender can be changed unnoticed, so import sources refuse */
	doc->sender = "MALLORY";
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d), KX_OK);
	assert_int_equal(kxi_strlist_add(&doc->arena,
	    &doc->keys[0].prof.import_.sources, "MANUFACTURER"), KX_OK);
	doc->sender = "MANUFACTURER";
	as_v1(doc, kek);	/* the profile changed: bind it again */
	kx_diag_clear(d);
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d),
	    KX_EPOLICY);
	assert_true(kxt_has_rule(d, "KX127", KX_SEV_ERROR));
	assert_int_equal(g.calls, 2);
	/* rewrap keeps version 1: it never vouches for that header */
	o.kek_id = "LMK-1";
	assert_int_equal(kx_rewrap(doc, kek, kek2, &o, NULL), KX_OK);
	assert_string_equal(doc->keys[0].value.binding_method,
	    "profile-der-v1");
	kx_doc_free(doc);

	/* version 2: the same import sources accept the bound sender */
	doc = sample_doc();
	assert_int_equal(kxi_strlist_add(&doc->arena,
	    &doc->keys[0].prof.import_.sources, "MANUFACTURER"), KX_OK);
	{
		kx_secret *key = secret_hex(KEY);

		o = opts();
		assert_int_equal(kx_export(doc, &key, 1, kek, &o, NULL),
		    KX_OK);
		kx_secret_free(key);
	}
	kx_diag_clear(d);
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d), KX_OK);
	assert_false(kxt_has_rule(d, "KX137", KX_SEV_WARNING));
	assert_int_equal(g.calls, 3);
	kx_doc_free(doc);
	kx_diag_free(d);
	kx_secret_free(kek);
	kx_secret_free(kek2);
}

/* Binding metadata: unknown method, none, wrong digest (KX136). */
static void
binding_metadata_checked(void **state)
{
	kx_secret *kek = secret_hex(KEK);
	int which;

	(void)state;
	for (which = 0; which < 3; which++) {
		kx_doc *doc = exported(kek);
		kxi_keyval *val = &doc->keys[0].value;

		if (which == 0)
			val->binding_method = "header-profile-der-v3";
		else if (which == 1)
			val->binding_method = NULL;
		else
			val->binding_digest.p[0] ^= 1;
		import_refused(doc, kek, "KX136");
	}
	kx_secret_free(kek);
}

/*
 * Export and rewrap write the value they make and nothing else: a clear
 * value (or any other field) of the input never survives beside it.
 */
static void
no_clear_value_survives(void **state)
{
	kx_secret *kek = secret_hex(KEK), *kek2 = secret_hex(KEK2);
	kx_secret *key = secret_hex(KEY);
	kx_doc *doc = sample_doc();
	kxi_keyval *val = &doc->keys[0].value;
	kx_xchg_opts o = opts();
	kx_diag *d = kx_diag_new();
	size_t n;

	(void)state;
	val->form = KX_VALUE_CLEAR;
	val->clear.p = kxi_memdup(&doc->arena, kxt_hex(KEY, &n), 16);
	val->clear.n = 16;
	val->iv.p = kxi_memdup(&doc->arena, "12345678", 8);
	val->iv.n = 8;
	assert_int_equal(kx_export(doc, &key, 1, kek, &o, NULL), KX_OK);
	assert_int_equal(val->form, KX_VALUE_WRAPPED);
	assert_int_equal(val->clear.n, 0);
	assert_null(val->clear.p);
	assert_int_equal(val->iv.n, 0);
	/* clear bytes beside the wrapped value of a production key */
	val->clear.p = kxi_memdup(&doc->arena, kxt_hex(KEY, &n), 16);
	val->clear.n = 16;
	o.kek_id = "LMK-1";
	assert_int_equal(kx_rewrap(doc, kek, kek2, &o, d), KX_EPOLICY);
	assert_true(kxt_has_rule(d, "KX108", KX_SEV_ERROR));
	assert_true(kxt_has_rule(d, "KX126", KX_SEV_WARNING));
	kx_doc_free(doc);

	/* a test key may carry one, but rewrap does not copy it */
	doc = sample_doc();
	doc->keys[0].prof.mode = KX_KEYMODE_TEST;
	val = &doc->keys[0].value;
	o = opts();
	assert_int_equal(kx_export(doc, &key, 1, kek, &o, NULL), KX_OK);
	val->clear.p = kxi_memdup(&doc->arena, kxt_hex(KEY, &n), 16);
	val->clear.n = 16;
	o.kek_id = "LMK-1";
	assert_int_equal(kx_rewrap(doc, kek, kek2, &o, NULL), KX_OK);
	assert_string_equal(val->kek_id, "LMK-1");
	assert_int_equal(val->clear.n, 0);
	kx_doc_free(doc);
	kx_diag_free(d);
	kx_secret_free(key);
	kx_secret_free(kek);
	kx_secret_free(kek2);
}

/*
 * The transport key's algorithm is named or unambiguous, never guessed:
 * a 16-byte key without one is refused, a TDEA one is taken as TDEA (an
 * AES-128 key under 2-key TDEA is then weaker than the key, KX121), a KEK
 * of the wrong family refused on import.
 */
static void
tdea_transport_key_named(void **state)
{
	kx_secret *k16 = secret_hex("000102030405060708090A0B0C0D0E0F");
	kx_secret *kek = secret_hex(KEK), *key = secret_hex(KEY);
	kx_xchg_opts o = opts();
	kx_doc *doc = sample_doc();
	kx_diag *d = kx_diag_new();
	struct kxt_got g = { 0 };

	(void)state;
	assert_int_equal(kx_export(doc, &key, 1, k16, &o, d), KX_EUSAGE);
	o.kek_alg = KX_ALG_TDEA2;
	assert_int_equal(kx_export(doc, &key, 1, k16, &o, d), KX_EPOLICY);
	assert_true(kxt_has_rule(d, "KX121", KX_SEV_ERROR));
	kx_doc_free(doc);
	doc = sample_doc();
	o.kek_alg = KX_ALG_AES;
	assert_int_equal(kx_export(doc, &key, 1, k16, &o, d), KX_OK);
	assert_int_equal(doc->tks[0].alg, KX_ALG_AES);
	assert_int_equal(doc->tks[0].length_bits, 128);
	kx_doc_free(doc);
	/* import: the family given must be the document's */
	doc = exported(kek);
	o = opts();
	o.from_kek_alg = KX_ALG_TDEA3;
	kx_diag_clear(d);
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d), KX_EKCV);
	assert_true(kxt_has_rule(d, "KX135", KX_SEV_ERROR));
	/* rewrap: a 2-key TDEA new key is weaker than the AES key */
	o = opts();
	o.kek_alg = KX_ALG_TDEA2;
	kx_diag_clear(d);
	assert_int_equal(kx_rewrap(doc, kek, k16, &o, d), KX_EPOLICY);
	assert_true(kxt_has_rule(d, "KX121", KX_SEV_ERROR));
	assert_int_equal(g.calls, 0);
	kx_doc_free(doc);
	kx_diag_free(d);
	kx_secret_free(k16);
	kx_secret_free(kek);
	kx_secret_free(key);
}

/*
 * A TDEA key under a 3-key TDEA transport key: a TR-31 version B block
 * with the binding block 0K; import gives the key back, and a changed
 * attribute (no AadDigest to tell) fails the key block's MAC check.
 */
static void
tdea_bound_roundtrip(void **state)
{
	kx_secret *tk = secret_hex("0123456789ABCDEFFEDCBA987654321089ABCDEF"
	    "01234567");
	kx_secret *key = secret_hex("404142434445464748494A4B4C4D4E4F");
	kx_xchg_opts o = opts();
	kx_doc *doc = sample_doc();
	kx_diag *d = kx_diag_new();
	struct kxt_got g = { 0 };
	const char *blk;

	(void)state;
	doc->keys[0].prof.alg = KX_ALG_TDEA2;
	doc->keys[0].prof.gp.key_type = 0x80;	/* SCP02 */
	doc->keys[0].prof.gp.scp = KX_SCP02;
	doc->keys[0].prof.gp.scp_i = 0x55;
	o.kek_alg = KX_ALG_TDEA3;
	assert_int_equal(kx_export(doc, &key, 1, tk, &o, d), KX_OK);
	assert_int_equal(doc->keys[0].value.alg, KX_WRAP_TR31_B_BOUND);
	assert_int_equal(doc->tks[0].alg, KX_ALG_TDEA3);
	blk = (const char *)doc->keys[0].value.data.p;
	assert_int_equal(blk[0], 'B');
	assert_true(strstr(blk, "0K47KX2") != NULL);
	assert_int_equal(kx_key_value_bound(&doc->keys[0]), 1);
	o = opts();
	assert_int_equal(kx_import(doc, tk, &o, kxt_collect, &g, d), KX_OK);
	assert_int_equal(g.calls, 1);
	assert_memory_equal(g.value, kx_secret_data(key), 16);
	doc->keys[0].prof.usage |= KX_USAGE_BIT(KX_U_WRAP);
	doc->keys[0].value.binding_digest.n = 0;
	kx_diag_clear(d);
	assert_int_not_equal(kx_import(doc, tk, &o, kxt_collect, &g, d), KX_OK);
	assert_true(kxt_has_rule(d, "KX134", KX_SEV_ERROR));
	assert_int_equal(g.calls, 1);
	kx_doc_free(doc);
	kx_diag_free(d);
	kx_secret_free(tk);
	kx_secret_free(key);
}

/*
 * A GP KeyProfile's TDEA-ECB cryptogram (samples/gp/isd-enc.xml, the GP
 * test key under 0123456789ABCDEFFEDCBA9876543210): no transport-key KCV
 * in the document, so the caller's decides; the value is checked against
 * the key's KCV 8BAF47 and KX138 warns that it was not bound.
 */
static void
gp_cryptogram_import(void **state)
{
	static const uint8_t kcv[] = { 0x08, 0xD7, 0xB4 }, bad[] = { 0x08,
		0xD7, 0xB5 };
	kx_secret *tk = secret_hex("0123456789ABCDEFFEDCBA9876543210");
	kx_xchg_opts o = opts();
	kx_doc *doc = NULL;
	kx_diag *d = kx_diag_new();
	struct kxt_got g = { 0 };

	(void)state;
	assert_int_equal(kx_doc_read_file(kxt_src("samples/gp/isd-enc.xml"),
	    KX_FMT_AUTO, &doc, d), KX_OK);
	o.now = 1735689600;	/* 2025-01-01 */
	/* no KCV anywhere: nothing to check the KEK against */
	assert_int_equal(kx_import(doc, tk, &o, kxt_collect, &g, d), KX_EKCV);
	assert_true(kxt_has_rule(d, "KX135", KX_SEV_ERROR));
	o.kek_kcv = bad;
	o.kek_kcv_len = 3;
	kx_diag_clear(d);
	assert_int_equal(kx_import(doc, tk, &o, kxt_collect, &g, d), KX_EKCV);
	assert_int_equal(g.calls, 0);
	o.kek_kcv = kcv;
	kx_diag_clear(d);
	assert_int_equal(kx_import(doc, tk, &o, kxt_collect, &g, d), KX_OK);
	assert_true(kxt_has_rule(d, "KX138", KX_SEV_WARNING));
	assert_int_equal(g.calls, 1);
	assert_memory_equal(g.value, kxt_hex("404142434445464748494A4B4C4D4E4F",
	    &g.len), 16);
	assert_int_equal(kx_key_value_bound(&doc->keys[0]), 0);
	/* a changed cryptogram: only the key's KCV can tell, and does */
	doc->keys[0].value.data.p[0] ^= 1;
	kx_diag_clear(d);
	assert_int_equal(kx_import(doc, tk, &o, kxt_collect, &g, d),
	    KX_EPOLICY);
	assert_true(kxt_has_rule(d, "KX145", KX_SEV_ERROR));
	assert_int_equal(g.calls, 1);
	kx_doc_free(doc);
	kx_diag_free(d);
	kx_secret_free(tk);
}

/*
 * Native values in every unbound form import: unwrapped under the
 * transport key (AES, TDEA or an RSA private key), checked against the
 * key's KCV, KX138 warned; the same value with another KCV is refused.
 */
static void
native_unbound_forms(void **state)
{
	static const struct {
		enum kx_wrap_alg alg;
		const char *kek;	/* hex, or NULL: the RSA PEM */
		enum kx_alg kek_alg;
	} t[] = {
		{ KX_WRAP_AES_KW, "000102030405060708090A0B0C0D0E0F",
		    KX_ALG_AES },
		{ KX_WRAP_AES_KWP, "000102030405060708090A0B0C0D0E0F1011121314"
		    "151617", KX_ALG_AES },
		{ KX_WRAP_TDEA_ECB, "0123456789ABCDEFFEDCBA9876543210",
		    KX_ALG_TDEA2 },
		{ KX_WRAP_TDEA_CBC, "0123456789ABCDEFFEDCBA987654321089ABCDEF"
		    "01234567", KX_ALG_TDEA3 },
		{ KX_WRAP_RSA_OAEP_SHA256, NULL, KX_ALG_RSA },
		{ KX_WRAP_RSA_AES_KWP, NULL, KX_ALG_RSA },
	};
	static const uint8_t gp_kcv[] = { 0x8B, 0xAF, 0x47 };
	kx_secret *key = secret_hex("404142434445464748494A4B4C4D4E4F");
	kx_secret *kek;
	kx_buf pem = { 0 }, w = { 0 };
	kx_diag *d = kx_diag_new();
	kx_xchg_opts o;
	kx_doc *doc;
	kx_key *k;
	kxi_tk *tk;
	uint8_t kcv[3];
	size_t i;

	(void)state;
	kxt_slurp("tests/data/wycheproof-rsa2048-oaep-sha256.pem", &pem);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct kxt_got g = { 0 };

		if (t[i].kek != NULL)
			kek = secret_hex(t[i].kek);
		else
			assert_int_equal(kx_secret_from(pem.data, pem.len,
			    &kek), KX_OK);
		doc = sample_doc();
		k = &doc->keys[0];
		k->prof.alg = KX_ALG_TDEA2;
		k->prof.gp.key_type = 0x80;
		k->prof.gp.scp = KX_SCP02;
		k->prof.gp.scp_i = 0x55;
		k->prof.export_.forms |= 1u << KX_FORM_WRAPPED;
		k->kcv.p = kxi_memdup(&doc->arena, gp_kcv, 3);
		k->kcv.n = 3;
		k->kcv_method = KX_KCV_GP_DES;
		w.len = 0;
		assert_int_equal(kx_wrap(t[i].alg, kek, key, NULL, 0, &w, d),
		    KX_OK);
		k->value.form = KX_VALUE_WRAPPED;
		k->value.alg = t[i].alg;
		k->value.kek_id = "TK-N";
		k->value.data.p = kxi_memdup(&doc->arena, w.data, w.len);
		k->value.data.n = w.len;
		tk = kxi_doc_add_tk(doc);
		tk->id = "TK-N";
		tk->alg = t[i].kek_alg;
		tk->loc.off = -1;
		if (t[i].kek_alg == KX_ALG_RSA)
			tk->length_bits = 2048;
		else {
			tk->length_bits = (unsigned)kx_secret_len(kek) * 8;
			tk->kcv_method = kx_kcv_default_method(t[i].kek_alg);
			assert_int_equal(kx_kcv_compute(t[i].kek_alg,
			    tk->kcv_method, kek, kcv, 3, NULL), KX_OK);
			tk->kcv.p = kxi_memdup(&doc->arena, kcv, 3);
			tk->kcv.n = 3;
		}
		o = opts();
		kx_diag_clear(d);
		assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d),
		    KX_OK);
		assert_true(kxt_has_rule(d, "KX138", KX_SEV_WARNING));
		assert_int_equal(g.calls, 1);
		assert_int_equal(g.len, 16);
		assert_memory_equal(g.value, kx_secret_data(key), 16);
		/* another key's KCV: refused, nothing handed on */
		k->kcv.p[0] ^= 1;
		kx_diag_clear(d);
		assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d),
		    KX_EPOLICY);
		assert_true(kxt_has_rule(d, "KX145", KX_SEV_ERROR));
		assert_int_equal(g.calls, 1);
		/* no KCV at all: an unbound value cannot be checked */
		k->kcv.n = 0;
		kx_diag_clear(d);
		assert_int_not_equal(kx_import(doc, kek, &o,
		    kxt_collect, &g, d),
		    KX_OK);
		assert_int_equal(g.calls, 1);
		kx_doc_free(doc);
		kx_secret_free(kek);
	}
	kx_buf_free(&w);
	kx_buf_free(&pem);
	kx_diag_free(d);
	kx_secret_free(key);
}

static kx_policy *
policy_xml(const char *body)
{
	char xml[1024];
	kx_policy *pol = NULL;

	snprintf(xml, sizeof(xml), "<?xml version=\"1.0\"?>\n<policy "
	    "xmlns=\"urn:kmsxchg:xml:ns:policy:1\" name=\"t\">\n%s</policy>\n",
	    body);
	assert_int_equal(kx_policy_read((const uint8_t *)xml, strlen(xml),
	    "t.xml", &pol, NULL), KX_OK);
	return pol;
}

/*
 * Export runs the rule table: a policy that waives, downgrades or turns
 * off an export rule changes what export does (issue 8 item 1).
 */
static void
policy_changes_export(void **state)
{
	static const struct {
		const char *policy;
		int weak, noexport;	/* which restriction to break */
		int ok;
		const char *rule;
		enum kx_severity sev;
	} cases[] = {
		{ "", 1, 0, 0, "KX121", KX_SEV_ERROR },
		{ "<waiver rule=\"KX121\" key=\"ISD-ENC\" reason=\"r\"/>\n",
		    1, 0, 1, "KX121", KX_SEV_NOTE },
		{ "<waiver rule=\"KX121\" key=\"OTHER\" reason=\"r\"/>\n",
		    1, 0, 0, "KX121", KX_SEV_ERROR },
		{ "<waiver rule=\"KX121\" key=\"ISD-ENC\" reason=\"r\" "
		    "until=\"2026-01-01\"/>\n", 1, 0, 0, "KX121",
		    KX_SEV_ERROR },
		{ "<severity rule=\"KX121\" level=\"warning\"/>\n",
		    1, 0, 1, "KX121", KX_SEV_WARNING },
		{ "<severity rule=\"KX121\" level=\"off\"/>\n", 1, 0, 1, NULL,
		    KX_SEV_ERROR },
		{ "", 0, 1, 0, "KX120", KX_SEV_ERROR },
		{ "<waiver rule=\"KX120\" key=\"ISD-ENC\" reason=\"r\"/>\n",
		    0, 1, 1, "KX120", KX_SEV_NOTE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kx_policy *pol = policy_xml(cases[i].policy);
		struct xfix x;
		int r;

		xfix_init(&x);
		x.o.policy = pol;
		if (cases[i].weak)
			xfix_weak(&x);
		if (cases[i].noexport)
			x.p->export_.allowed = false;
		r = xfix_export(&x);
		if (cases[i].ok && r != KX_OK)
			fail_msg("case %zu: export refused", i);
		if (!cases[i].ok && r != KX_EPOLICY)
			fail_msg("case %zu: export not refused (%d)", i, r);
		if (cases[i].rule != NULL &&
		    !kxt_has_rule(x.d, cases[i].rule, cases[i].sev))
			fail_msg("case %zu: no %s at severity %d", i,
			    cases[i].rule, (int)cases[i].sev);
		if (cases[i].ok) {
			/* what the policy allowed was really exported */
			assert_int_equal(x.doc->keys[0].value.form,
			    KX_VALUE_WRAPPED);
			assert_int_equal(kx_diag_count_at(x.d, KX_SEV_ERROR),
			    0);
		} else
			assert_int_equal(x.doc->keys[0].value.data.n, 0);
		xfix_free(&x);
		kx_policy_free(pol);
	}
}

/*
 * Keys ahead of activation travel; deactivated, suspended, compromised
 * and destroyed ones do not (KX125), nor expired ones (KX104), whatever
 * their state (issue 7 item 15).
 */
static void
export_lifecycle(void **state)
{
	static const struct {
		enum kx_state st;
		int expired;
		const char *rule;
	} cases[] = {
		{ KX_STATE_PRE_ACTIVE, 0, NULL },
		{ KX_STATE_ACTIVE, 0, NULL },
		{ KX_STATE_SUSPENDED, 0, "KX125" },
		{ KX_STATE_DEACTIVATED, 0, "KX125" },
		{ KX_STATE_COMPROMISED, 0, "KX125" },
		{ KX_STATE_DESTROYED, 0, "KX125" },
		{ KX_STATE_PRE_ACTIVE, 1, "KX104" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xfix x;
		kxi_profile *p;
		int r;

		xfix_init(&x);
		p = x.p;
		p->state = cases[i].st;
		if (p->state == KX_STATE_PRE_ACTIVE)
			p->not_before = NOW + 86400;
		if (p->state >= KX_STATE_DEACTIVATED) {
			p->revoked_at = NOW - 86400;
			p->revocation_reason = KX_REV_UNSPECIFIED;
		}
		if (cases[i].expired) {
			p->not_before = NOW - 2 * 86400;
			p->not_after = NOW - 86400;
		}
		r = xfix_export(&x);
		if (cases[i].rule == NULL) {
			if (r != KX_OK)
				fail_msg("case %zu: %s key not exported", i,
				    kx_name(KX_ENUM_STATE, cases[i].st));
			assert_int_equal(kx_diag_count_at(x.d, KX_SEV_ERROR),
			    0);
		} else if (r == KX_OK ||
		    !kxt_has_rule(x.d, cases[i].rule, KX_SEV_ERROR))
			fail_msg("case %zu: %s key not refused with %s", i,
			    kx_name(KX_ENUM_STATE, cases[i].st), cases[i].rule);
		xfix_free(&x);
	}
}

/*
 * No downgrade on the way in: import to a storage key and rewrap refuse a
 * key weaker than the keys they wrap (KX121), before any key is handed
 * over or any value changed; a policy that waives it lets it through
 * (issue 7 item 5).
 */
static void
no_downgrade_on_the_way_in(void **state)
{
	kx_secret *kek = secret_hex(KEK), *key = secret_hex(KEK2);
	kx_secret *weak = secret_hex("000102030405060708090A0B0C0D0E0F");
	kx_policy *pol = policy_xml("<waiver rule=\"KX121\" key=\"ISD-ENC\" "
	    "reason=\"r\"/>\n");
	kx_doc *doc = sample_doc();
	kx_xchg_opts o = opts();
	kx_diag *d = kx_diag_new();
	struct kxt_got g = { 0 };
	kxi_bytes before;

	(void)state;
	doc->keys[0].prof.length_bits = 256;	/* AES-256 under AES-256 */
	assert_int_equal(kx_export(doc, &key, 1, kek, &o, d), KX_OK);
	before = doc->keys[0].value.data;
	o.kek_id = "LMK-1";
	o.kek_alg = KX_ALG_AES;		/* the 16-byte key is AES-128 */
	/* import --storage-kek: refused before any key is handed over */
	o.storage_kek = weak;
	kx_diag_clear(d);
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d),
	    KX_EPOLICY);
	assert_true(kxt_has_rule(d, "KX121", KX_SEV_ERROR));
	assert_int_equal(g.calls, 0);
	/* import to clear output wraps nothing: no strength to check */
	o.storage_kek = NULL;
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, NULL), KX_OK);
	assert_int_equal(g.calls, 1);
	/* rewrap --to-kek: refused, the document unchanged */
	kx_diag_clear(d);
	assert_int_equal(kx_rewrap(doc, kek, weak, &o, d), KX_EPOLICY);
	assert_true(kxt_has_rule(d, "KX121", KX_SEV_ERROR));
	assert_string_equal(doc->keys[0].value.kek_id, "TK-1");
	assert_ptr_equal(doc->keys[0].value.data.p, before.p);
	/* a policy that waives it lets both through */
	o.policy = pol;
	o.storage_kek = weak;
	kx_diag_clear(d);
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d), KX_OK);
	assert_true(kxt_has_rule(d, "KX121", KX_SEV_NOTE));
	assert_int_equal(g.calls, 2);
	assert_int_equal(kx_rewrap(doc, kek, weak, &o, d), KX_OK);
	assert_string_equal(doc->keys[0].value.kek_id, "LMK-1");
	kx_diag_free(d);
	kx_policy_free(pol);
	kx_doc_free(doc);
	kx_secret_free(kek);
	kx_secret_free(key);
	kx_secret_free(weak);
}

/*
 * Lifecycle narrows too: a received copy in a more usable state than the
 * sender's original is refused by import as by validate --against (KX124,
 * issue 7 item 11).
 */
static void
lifecycle_narrows(void **state)
{
	static const struct {
		enum kx_state sent, got;
		int ok;
	} cases[] = {
		{ KX_STATE_COMPROMISED, KX_STATE_ACTIVE, 0 },
		{ KX_STATE_DESTROYED, KX_STATE_ACTIVE, 0 },
		{ KX_STATE_DEACTIVATED, KX_STATE_ACTIVE, 0 },
		{ KX_STATE_SUSPENDED, KX_STATE_ACTIVE, 0 },
		{ KX_STATE_SUSPENDED, KX_STATE_PRE_ACTIVE, 0 },
		{ KX_STATE_COMPROMISED, KX_STATE_SUSPENDED, 0 },
		{ KX_STATE_ACTIVE, KX_STATE_ACTIVE, 1 },
		{ KX_STATE_PRE_ACTIVE, KX_STATE_ACTIVE, 1 },
		{ KX_STATE_ACTIVE, KX_STATE_PRE_ACTIVE, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kx_secret *kek = secret_hex(KEK);
		kx_doc *doc = exported(kek), *orig = sample_doc();
		kx_xchg_opts o = opts();
		kx_diag *d = kx_diag_new();
		struct kxt_got g = { 0 };
		int r;

		orig->keys[0].prof.state = cases[i].sent;
		doc->keys[0].prof.state = cases[i].got;
		assert_int_equal(kx_doc_validate(doc, NULL, NOW, orig, d),
		    KX_OK);
		if (kxt_has_rule(d, "KX124", KX_SEV_ERROR) == cases[i].ok)
			fail_msg("case %zu: validate --against says %s", i,
			    cases[i].ok ? "widened" : "fine");
		kx_diag_clear(d);
		o.against = orig;
		r = kx_import(doc, kek, &o, kxt_collect, &g, d);
		if (!cases[i].ok) {
			assert_int_equal(r, KX_EPOLICY);
			assert_true(kxt_has_rule(d, "KX124", KX_SEV_ERROR));
			assert_int_equal(g.calls, 0);
		} else
			assert_false(kxt_has_rule(d, "KX124", KX_SEV_ERROR));
		kx_diag_free(d);
		kx_doc_free(doc);
		kx_doc_free(orig);
		kx_secret_free(kek);
	}
}

/*
 * A missing KCV is the rules' matter at import as in validate (KX132, a
 * warning unless the policy says otherwise): the binding still
 * authenticates the value.
 */
static void
import_kcv_missing_follows_policy(void **state)
{
	kx_secret *kek = secret_hex(KEK);
	kx_doc *doc = exported(kek);
	kx_policy *pol = policy_xml("<severity rule=\"KX132\" "
	    "level=\"error\"/>\n");
	kx_xchg_opts o = opts();
	kx_diag *d = kx_diag_new();
	struct kxt_got g = { 0 };

	(void)state;
	doc->keys[0].kcv.n = 0;
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d), KX_OK);
	assert_true(kxt_has_rule(d, "KX132", KX_SEV_WARNING));
	assert_int_equal(g.calls, 1);
	kx_diag_clear(d);
	o.policy = pol;
	assert_int_equal(kx_import(doc, kek, &o, kxt_collect, &g, d),
	    KX_EPOLICY);
	assert_true(kxt_has_rule(d, "KX132", KX_SEV_ERROR));
	assert_int_equal(g.calls, 1);
	kx_diag_free(d);
	kx_policy_free(pol);
	kx_doc_free(doc);
	kx_secret_free(kek);
}

/*
 * Review L2 (issue 8): kx_doc_aes_transport retells the reader's note on a
 * transport key's assumed algorithm by the mark the note carries (the
 * key's id, kxi_fact_about), not by rebuilding the reader's words: a note
 * in other words is retold all the same, one in the same words but not
 * marked stays as it is.
 */
static void
aes_transport_retells_by_mark(void **state)
{
	kx_doc *doc = NULL;
	kx_diag *d = kx_diag_new(), *d2 = kx_diag_new();
	const kx_finding *f;
	size_t i, n, m;
	char same[256], want[256];

	(void)state;
	assert_int_equal(kx_doc_read_file(kxt_src(
	    "samples/gp/isd-enc-aes-kek.xml"), KX_FMT_AUTO, &doc, d2), KX_OK);
	assert_true(doc->ntks == 1);
	snprintf(same, sizeof(same), "gp: transport key %s assumed tdea2 "
	    "(GP records the mode only)", doc->tks[0].id);
	snprintf(want, sizeof(want), "gp: transport key %s taken as aes/128, "
	    "as the caller says (GP records the mode only)", doc->tks[0].id);
	kxi_fact_about(d, KXI_ASSUMED, KX_OK, "x", NULL, NULL,
	    doc->tks[0].id, "in other words");
	kxi_fact(d, KXI_ASSUMED, KX_OK, "x", NULL, NULL, "%s", same);
	/* the reader's own note, marked, survives a merge */
	kxi_diag_merge(d, d2);
	n = kx_diag_count(d);
	assert_int_equal(kx_doc_aes_transport(doc, 128, d), KX_OK);
	assert_int_equal(kx_diag_count(d), n);
	assert_string_equal(kx_diag_get(d, 0)->message, want);
	assert_string_equal(kx_diag_get(d, 1)->message, same);
	for (i = 2, m = 0; i < n; i++) {
		f = kx_diag_get(d, i);
		assert_null(strstr(f->message, "assumed tdea2"));
		m += strcmp(f->message, want) == 0;
	}
	assert_int_equal(m, 1);
	kx_doc_free(doc);
	kx_diag_free(d);
	kx_diag_free(d2);
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
		cmocka_unit_test(v1_header_not_trusted),
		cmocka_unit_test(binding_metadata_checked),
		cmocka_unit_test(no_clear_value_survives),
		cmocka_unit_test(tdea_transport_key_named),
		cmocka_unit_test(tdea_bound_roundtrip),
		cmocka_unit_test(gp_cryptogram_import),
		cmocka_unit_test(native_unbound_forms),
		cmocka_unit_test(policy_changes_export),
		cmocka_unit_test(export_lifecycle),
		cmocka_unit_test(no_downgrade_on_the_way_in),
		cmocka_unit_test(lifecycle_narrows),
		cmocka_unit_test(import_kcv_missing_follows_policy),
		cmocka_unit_test(aes_transport_retells_by_mark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
