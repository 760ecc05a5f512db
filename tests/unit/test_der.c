/*
 * test_der.c - the DER spoke (codec/der.c): every model field survives
 * write -> read, output is canonical (write again = same bytes), BER and
 * broken encodings are refused with an offset, and kxi_profile_der is a
 * deterministic, injective function of the profile.
 *
 * The rejection vectors are hand-made from X.690 (2021) section 8.1.3
 * (length octets), 8.3.2 (minimal INTEGER), 10.1 (definite length form
 * only), 11.1 (BOOLEAN true is FF): see tests/data/SOURCES.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kxtest.h"

#include <openssl/crypto.h>

/* ---- a model with every field set ----------------------------------- */

static const uint8_t kcv3[] = { 0x01, 0x02, 0x03 };
static const uint8_t kcv5[] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t iv8[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
static const uint8_t data24[24] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27 };
static const uint8_t digest32[32] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 };
static const uint8_t aid[] = { 0xa0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00 };
static const uint8_t clear16[16] = { 0x40, 0x41, 0x42, 0x43, 0x44, 0x45,
	0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f };

#define B(arr) ((kxi_bytes){ (uint8_t *)(arr), sizeof(arr) })

static kx_doc *
full_doc(void)
{
	kx_doc *doc = kxi_doc_new();
	kxi_arena *a;
	kxi_tk *t;
	kx_key *k;
	kxi_profile *p;
	kxi_keyval *v;

	assert_non_null(doc);
	a = &doc->arena;
	doc->id = "urn:x-test:exchange:1";
	doc->created = 1700000000;	/* 2023-11-14T22:13:20Z */
	doc->sender = "issuer-kms";
	assert_int_equal(kxi_strlist_add(a, &doc->recipients, "perso-a"), 0);
	assert_int_equal(kxi_strlist_add(a, &doc->recipients, "perso-b"), 0);
	doc->comment = "all fields \xc3\xa9t\xc3\xa9";	/* UTF-8 */
	doc->extensions = kxi_alloc(a, sizeof(*doc->extensions));
	doc->extensions[0] = (kxi_extension){ "urn:x-test", "doc-ext", "1" };
	doc->nextensions = 1;

	t = kxi_doc_add_tk(doc);
	assert_non_null(t);
	t->id = "tk-1";
	t->alg = KX_ALG_AES;
	t->length_bits = 256;
	t->kcv = B(kcv3);
	t->kcv_method = KX_KCV_GP_AES;
	t->owner = "issuer";
	t->version = "7";
	t->trusted = true;
	t->comp_n = 3;
	t->comp_m = 2;
	t->comp_method = KX_SPLIT_SHAMIR;
	t->comp_kcvs = kxi_alloc(a, 3 * sizeof(kxi_bytes));
	t->comp_kcvs[0] = B(kcv3);
	t->comp_kcvs[1] = B(kcv5);
	t->comp_kcvs[2] = B(iv8);
	t = kxi_doc_add_tk(doc);
	t->id = "tk-2";		/* no KCV: optional in the module */
	t->alg = KX_ALG_TDEA2;
	t->length_bits = 128;

	k = kxi_doc_add_key(doc);
	assert_non_null(k);
	p = &k->prof;
	p->id = "key-1";
	p->name = "ISD ENC";
	p->description = "card manager key";
	p->template_id = "tpl-gp-scp03";
	p->reference = "hsm:slot1:42";
	p->version = "01";
	p->revisions = kxi_alloc(a, 2 * sizeof(*p->revisions));
	p->revisions[0] = (kxi_revision){ "1.0", "alice", 1600000000,
		B(digest32) };
	p->revisions[1] = (kxi_revision){ "1.1", NULL, KX_UNSET_TIME,
		{ NULL, 0 } };
	p->nrevisions = 2;
	p->owner = "issuer";
	p->creator = "issuer-ca";
	p->holder = "perso-a";
	kxi_strlist_add(a, &p->custodians, "c1");
	kxi_strlist_add(a, &p->custodians, "c2");
	p->cls = KX_CLASS_SECRET;
	p->alg = KX_ALG_AES;
	p->length_bits = 128;
	p->rsa_e = 65537;
	p->ec_curve = "1.2.840.10045.3.1.7";
	p->hmac_hash = KX_HASH_SHA256;
	p->modes = 1u << KX_M_CBC | 1u << KX_M_CMAC | 1u << KX_M_SIV;
	p->usage = KX_USAGE_BIT(KX_U_ENCRYPT) | KX_USAGE_BIT(KX_U_DECRYPT) |
	    KX_USAGE_BIT(KX_U_UNLOCK);
	p->role = KX_ROLE_GP_ENC;
	p->usage_limit = 1000000;
	p->has_gp = true;
	p->gp.key_type = 0x88;
	p->gp.kvn = 0x30;
	p->gp.kid = 1;
	p->gp.kuq = 0x1438;
	p->gp.kuq_len = 2;
	p->gp.access = 1;
	p->gp.scp = KX_SCP03;
	p->gp.scp_i = 0x70;
	p->gp.sd_aid = B(aid);
	p->gp.diversification = KX_DIV_KDF3;
	p->not_before = 1704067200;	/* 2024-01-01 */
	p->not_after = 1798761599;	/* 2026-12-31T23:59:59Z */
	p->protect_until = 1767225599;
	p->process_until = 1798761599;
	p->cryptoperiod = "P2Y";
	p->state = KX_STATE_SUSPENDED;
	p->state_since = 1710000000;
	p->revoked_at = 1720000000;
	p->revocation_reason = KX_REV_SUPERSEDED;
	p->mode = KX_KEYMODE_TEST;
	p->created = 1690000000;
	p->export_.allowed = true;
	p->export_.forms = 1u << KX_FORM_BOUND_BLOCK | 1u << KX_FORM_CLEAR;
	kxi_strlist_add(a, &p->export_.destinations, "perso-a");
	p->export_.min_wrap_strength = 128;
	p->export_.trusted_kek_only = KXI_TRI_FALSE;
	p->sensitive = false;
	p->import_.allowed = false;
	kxi_strlist_add(a, &p->import_.sources, "hsm-1");
	p->provenance.always_sensitive = KXI_TRI_TRUE;
	p->provenance.never_exported = KXI_TRI_FALSE;
	p->provenance.generated_in = "hsm-1";
	p->permanent = KXI_TRI_TRUE;
	p->split = (kxi_split_info){ 3, 2, KX_SPLIT_XOR, KXI_TRI_TRUE };
	p->relations = kxi_alloc(a, 2 * sizeof(*p->relations));
	p->relations[0] = (kxi_relation_ref){ KX_REL_WRAPPED_BY, "tk-1" };
	p->relations[1] = (kxi_relation_ref){ KX_REL_COPY_OF, "key-0" };
	p->nrelations = 2;
	p->extensions = kxi_alloc(a, sizeof(*p->extensions));
	p->extensions[0] = (kxi_extension){ "urn:x-test", "e", "" };
	p->nextensions = 1;

	v = &k->value;
	v->form = KX_VALUE_WRAPPED;
	v->kek_id = "tk-1";
	v->alg = KX_WRAP_AES_SIV_BOUND;
	v->iv = B(iv8);
	v->data = B(data24);
	v->binding_method = "profile-der-v1";
	v->binding_digest = B(digest32);
	v->components = kxi_alloc(a, 2 * sizeof(*v->components));
	v->components[0] = (kxi_component){ 1, "c1", B(kcv3), B(data24) };
	v->components[1] = (kxi_component){ 2, NULL, { NULL, 0 },
		{ NULL, 0 } };
	v->ncomponents = 2;
	v->threshold = 2;
	v->split_method = KX_SPLIT_SHAMIR;
	v->clear = B(clear16);
	k->kcv = B(kcv5);
	k->kcv_method = KX_KCV_CMAC;

	/* a second key with only the required fields */
	k = kxi_doc_add_key(doc);
	k->prof.id = "key-2";
	k->prof.owner = "issuer";
	k->prof.alg = KX_ALG_TDEA2;
	k->prof.length_bits = 128;
	k->prof.usage = KX_USAGE_BIT(KX_U_WRAP);
	return doc;
}

static kx_doc *
minimal_doc(void)
{
	kx_doc *doc = kxi_doc_new();

	assert_non_null(doc);
	doc->id = "m";
	doc->created = 0;
	doc->sender = "s";
	return doc;
}

/* ---- comparison of every field ---------------------------------------- */

static void
eq_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
eq_bytes(const kxi_bytes *a, const kxi_bytes *b)
{
	assert_int_equal(a->n, b->n);
	if (a->n)
		assert_memory_equal(a->p, b->p, a->n);
}

static void
eq_list(const kxi_strlist *a, const kxi_strlist *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++)
		eq_str(a->v[i], b->v[i]);
}

static void
eq_exts(const kxi_extension *a, size_t an, const kxi_extension *b, size_t bn)
{
	size_t i;

	assert_int_equal(an, bn);
	for (i = 0; i < an; i++) {
		eq_str(a[i].ns, b[i].ns);
		eq_str(a[i].name, b[i].name);
		eq_str(a[i].value, b[i].value);
	}
}

static void
eq_profile(const kxi_profile *a, const kxi_profile *b)
{
	size_t i;

	eq_str(a->id, b->id);
	eq_str(a->name, b->name);
	eq_str(a->description, b->description);
	eq_str(a->template_id, b->template_id);
	eq_str(a->reference, b->reference);
	eq_str(a->version, b->version);
	assert_int_equal(a->nrevisions, b->nrevisions);
	for (i = 0; i < a->nrevisions; i++) {
		eq_str(a->revisions[i].version, b->revisions[i].version);
		eq_str(a->revisions[i].by, b->revisions[i].by);
		assert_int_equal(a->revisions[i].date, b->revisions[i].date);
		eq_bytes(&a->revisions[i].digest, &b->revisions[i].digest);
	}
	eq_str(a->owner, b->owner);
	eq_str(a->creator, b->creator);
	eq_str(a->holder, b->holder);
	eq_list(&a->custodians, &b->custodians);
	assert_int_equal(a->cls, b->cls);
	assert_int_equal(a->alg, b->alg);
	assert_int_equal(a->length_bits, b->length_bits);
	assert_int_equal(a->rsa_e, b->rsa_e);
	eq_str(a->ec_curve, b->ec_curve);
	assert_int_equal(a->hmac_hash, b->hmac_hash);
	assert_int_equal(a->modes, b->modes);
	assert_int_equal(a->usage, b->usage);
	assert_int_equal(a->role, b->role);
	assert_int_equal(a->usage_limit, b->usage_limit);
	assert_int_equal(a->has_gp, b->has_gp);
	if (a->has_gp) {
		assert_int_equal(a->gp.key_type, b->gp.key_type);
		assert_int_equal(a->gp.kvn, b->gp.kvn);
		assert_int_equal(a->gp.kid, b->gp.kid);
		assert_int_equal(a->gp.kuq, b->gp.kuq);
		if (a->gp.kuq != KX_UNSET)
			assert_int_equal(a->gp.kuq_len, b->gp.kuq_len);
		assert_int_equal(a->gp.access, b->gp.access);
		assert_int_equal(a->gp.scp, b->gp.scp);
		assert_int_equal(a->gp.scp_i, b->gp.scp_i);
		eq_bytes(&a->gp.sd_aid, &b->gp.sd_aid);
		assert_int_equal(a->gp.diversification,
		    b->gp.diversification);
	}
	assert_int_equal(a->not_before, b->not_before);
	assert_int_equal(a->not_after, b->not_after);
	assert_int_equal(a->protect_until, b->protect_until);
	assert_int_equal(a->process_until, b->process_until);
	eq_str(a->cryptoperiod, b->cryptoperiod);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->state_since, b->state_since);
	assert_int_equal(a->revoked_at, b->revoked_at);
	assert_int_equal(a->revocation_reason, b->revocation_reason);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->export_.allowed, b->export_.allowed);
	assert_int_equal(a->export_.forms, b->export_.forms);
	eq_list(&a->export_.destinations, &b->export_.destinations);
	assert_int_equal(a->export_.min_wrap_strength,
	    b->export_.min_wrap_strength);
	assert_int_equal(a->export_.trusted_kek_only,
	    b->export_.trusted_kek_only);
	assert_int_equal(a->sensitive, b->sensitive);
	assert_int_equal(a->import_.allowed, b->import_.allowed);
	eq_list(&a->import_.sources, &b->import_.sources);
	assert_int_equal(a->provenance.always_sensitive,
	    b->provenance.always_sensitive);
	assert_int_equal(a->provenance.never_exported,
	    b->provenance.never_exported);
	eq_str(a->provenance.generated_in, b->provenance.generated_in);
	assert_int_equal(a->permanent, b->permanent);
	assert_int_equal(a->split.n, b->split.n);
	assert_int_equal(a->split.m, b->split.m);
	assert_int_equal(a->split.method, b->split.method);
	assert_int_equal(a->split.dual_control, b->split.dual_control);
	assert_int_equal(a->nrelations, b->nrelations);
	for (i = 0; i < a->nrelations; i++) {
		assert_int_equal(a->relations[i].type, b->relations[i].type);
		eq_str(a->relations[i].ref, b->relations[i].ref);
	}
	eq_exts(a->extensions, a->nextensions, b->extensions, b->nextensions);
}

static void
eq_value(const kxi_keyval *a, const kxi_keyval *b)
{
	size_t i;

	assert_int_equal(a->form, b->form);
	eq_str(a->kek_id, b->kek_id);
	assert_int_equal(a->alg, b->alg);
	eq_bytes(&a->iv, &b->iv);
	eq_bytes(&a->data, &b->data);
	eq_str(a->binding_method, b->binding_method);
	eq_bytes(&a->binding_digest, &b->binding_digest);
	assert_int_equal(a->ncomponents, b->ncomponents);
	for (i = 0; i < a->ncomponents; i++) {
		assert_int_equal(a->components[i].index,
		    b->components[i].index);
		eq_str(a->components[i].custodian, b->components[i].custodian);
		eq_bytes(&a->components[i].kcv, &b->components[i].kcv);
		eq_bytes(&a->components[i].wrapped, &b->components[i].wrapped);
	}
	assert_int_equal(a->threshold, b->threshold);
	assert_int_equal(a->split_method, b->split_method);
	eq_bytes(&a->clear, &b->clear);
}

static void
eq_doc(const kx_doc *a, const kx_doc *b)
{
	size_t i, j;

	eq_str(a->id, b->id);
	assert_int_equal(a->model_version, b->model_version);
	assert_int_equal(a->created, b->created);
	eq_str(a->sender, b->sender);
	eq_list(&a->recipients, &b->recipients);
	eq_str(a->comment, b->comment);
	eq_exts(a->extensions, a->nextensions, b->extensions, b->nextensions);
	assert_int_equal(a->ntks, b->ntks);
	for (i = 0; i < a->ntks; i++) {
		const kxi_tk *x = &a->tks[i], *y = &b->tks[i];

		eq_str(x->id, y->id);
		assert_int_equal(x->alg, y->alg);
		assert_int_equal(x->length_bits, y->length_bits);
		eq_bytes(&x->kcv, &y->kcv);
		assert_int_equal(x->kcv_method, y->kcv_method);
		eq_str(x->owner, y->owner);
		eq_str(x->version, y->version);
		assert_int_equal(x->trusted, y->trusted);
		assert_int_equal(x->comp_n, y->comp_n);
		assert_int_equal(x->comp_m, y->comp_m);
		assert_int_equal(x->comp_method, y->comp_method);
		assert_int_equal(x->comp_kcvs == NULL, y->comp_kcvs == NULL);
		for (j = 0; x->comp_kcvs && j < x->comp_n; j++)
			eq_bytes(&x->comp_kcvs[j], &y->comp_kcvs[j]);
	}
	assert_int_equal(a->nkeys, b->nkeys);
	for (i = 0; i < a->nkeys; i++) {
		eq_profile(&a->keys[i].prof, &b->keys[i].prof);
		eq_value(&a->keys[i].value, &b->keys[i].value);
		eq_bytes(&a->keys[i].kcv, &b->keys[i].kcv);
		assert_int_equal(a->keys[i].kcv_method, b->keys[i].kcv_method);
	}
}

/* ---- helpers ---------------------------------------------------------- */

static void
write_doc(const kx_doc *doc, kx_buf *out)
{
	memset(out, 0, sizeof(*out));
	assert_int_equal(kxi_format_der.write(doc, out, NULL), KX_OK);
	assert_true(out->len > 0);
}

/* Read must fail with rc, recording a finding that has a byte offset. */
static void
expect_refused_at(const uint8_t *p, size_t n, int rc, int64_t off)
{
	kx_diag *d = kx_diag_new();
	kx_doc *doc = (kx_doc *)1;
	const kx_finding *f;

	assert_non_null(d);
	assert_int_equal(kxi_format_der.read(p, n, "t.der", &doc, d), rc);
	assert_null(doc);
	assert_true(kx_diag_count(d) >= 1);
	f = kx_diag_get(d, 0);
	assert_int_equal(f->rc, rc);
	assert_true(f->offset >= 0);
	assert_true(f->offset <= (int64_t)n);
	if (off >= 0)
		assert_int_equal(f->offset, off);
	assert_string_equal(f->rule, rc == KX_ESYNTAX ? "KX001" : "KX002");
	kx_diag_free(d);
}

#define expect_refused(p, n, rc) expect_refused_at((p), (n), (rc), -1)

/* Save a DER the suite wrote, for tests/interop/openssl-asn1parse.sh. */
static void
save(const char *path, const kx_buf *b)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return;		/* the interop check then skips this one */
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_roundtrip_full(void **state)
{
	kx_doc *doc = full_doc(), *back = NULL;
	kx_buf a, b;
	kx_diag *d = kx_diag_new();

	(void)state;
	write_doc(doc, &a);
	assert_int_equal(kxi_format_der.detect(a.data, a.len), 1);
	assert_int_equal(kxi_format_der.read(a.data, a.len, "full.der", &back,
	    d), KX_OK);
	assert_int_equal(kx_diag_count(d), 0);
	assert_non_null(back);
	assert_int_equal(back->source_format, KX_FMT_DER);
	eq_doc(doc, back);
	write_doc(back, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	/* key places are byte offsets of the Key SEQUENCEs */
	assert_true(back->keys[0].loc[KXF_KEY].off > 0);
	assert_true(back->keys[1].loc[KXF_KEY].off >
	    back->keys[0].loc[KXF_VALUE].off);
	assert_true(back->keys[0].loc[KXF_VALUE].off >
	    back->keys[0].loc[KXF_KEY].off);
	assert_int_equal(a.data[back->keys[0].loc[KXF_KEY].off], 0x30);
	assert_int_equal(a.data[back->keys[1].loc[KXF_KEY].off], 0x30);
	assert_int_equal(a.data[back->keys[0].loc[KXF_VALUE].off], 0xa1);
	assert_true(back->tks[1].loc.off > back->tks[0].loc.off);
	assert_true(back->tks[0].loc.off > 0);
	assert_int_equal(a.data[back->tks[0].loc.off], 0x30);
	assert_int_equal(a.data[back->tks[1].loc.off], 0x30);
	save("tests/unit/test_der-full.der", &a);
	kx_buf_free(&a);
	kx_buf_free(&b);
	kx_doc_free(doc);
	kx_doc_free(back);
	kx_diag_free(d);
}

static void
test_roundtrip_minimal(void **state)
{
	kx_doc *doc = minimal_doc(), *back = NULL;
	kx_buf a, b;

	(void)state;
	write_doc(doc, &a);
	/* 30 L | 06 0B oid | 02 01 01 | 80 01 'm' | 81 0F time | 82 01 's' */
	assert_int_equal(a.len, 2 + 13 + 3 + 3 + 17 + 3);
	assert_int_equal(a.data[0], 0x30);
	assert_int_equal(a.data[1], a.len - 2);
	assert_memory_equal(a.data + 21, "\x81\x0f" "19700101000000Z", 17);
	assert_int_equal(kxi_format_der.read(a.data, a.len, NULL, &back,
	    NULL), KX_OK);
	eq_doc(doc, back);
	assert_int_equal(back->nkeys, 0);
	write_doc(back, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	save("tests/unit/test_der-minimal.der", &a);
	kx_buf_free(&a);
	kx_buf_free(&b);
	kx_doc_free(doc);
	kx_doc_free(back);
}

static void
test_write_refuses_incomplete(void **state)
{
	kx_doc *doc = minimal_doc();
	kx_buf a = { 0 };
	kx_key *k;

	(void)state;
	/* sender and owner are optional (GP and PSKC often lack them) */
	doc->sender = NULL;
	assert_int_equal(kxi_format_der.write(doc, &a, NULL), KX_OK);
	{
		kx_doc *back = NULL;

		assert_int_equal(kxi_format_der.read(a.data, a.len, "m",
		    &back, NULL), KX_OK);
		assert_null(back->sender);
		kx_doc_free(back);
	}
	kx_buf_free(&a);
	doc->sender = "s";
	doc->created = KX_UNSET_TIME;
	assert_int_equal(kxi_format_der.write(doc, &a, NULL), KX_ESCHEMA);
	doc->created = 0;
	k = kxi_doc_add_key(doc);
	k->prof.id = "k";
	k->prof.owner = "o";
	/* GP KVN out of the module's INTEGER (0..255) */
	k->prof.has_gp = true;
	k->prof.gp.kvn = 300;
	assert_int_equal(kxi_format_der.write(doc, &a, NULL), KX_ESCHEMA);
	k->prof.gp.kvn = 1;
	k->prof.ec_curve = "not.an.oid";
	assert_int_equal(kxi_format_der.write(doc, &a, NULL), KX_ESCHEMA);
	k->prof.ec_curve = NULL;
	assert_int_equal(kxi_format_der.write(doc, &a, NULL), KX_OK);
	kx_buf_free(&a);
	kx_doc_free(doc);
}

/* Splice: copy p with bytes [at, at+cut) replaced by ins. */
static size_t
splice(uint8_t *out, const uint8_t *p, size_t n, size_t at, size_t cut,
    const uint8_t *ins, size_t insn)
{
	memcpy(out, p, at);
	memcpy(out + at, ins, insn);
	memcpy(out + at + insn, p + at + cut, n - at - cut);
	return n - cut + insn;
}

static void
test_reject_ber(void **state)
{
	kx_doc *doc = minimal_doc();
	kx_buf a;
	uint8_t x[256], y[256];
	size_t n, m, i;

	(void)state;
	write_doc(doc, &a);
	n = a.len;
	assert_true(n < 120);

	/* X.690 8.1.3.6 indefinite length: 30 80 ... 00 00 */
	x[0] = 0x30;
	x[1] = 0x80;
	memcpy(x + 2, a.data + 2, n - 2);
	x[n] = x[n + 1] = 0;
	expect_refused_at(x, n + 2, KX_ESYNTAX, 0);

	/* X.690 10.1: long form where the short form fits: 30 81 L */
	m = splice(x, a.data, n, 1, 1, (const uint8_t[]){ 0x81,
	    (uint8_t)(n - 2) }, 2);
	expect_refused_at(x, m, KX_ESYNTAX, 0);

	/* X.690 8.3.2: INTEGER 1 as 02 02 00 01 */
	assert_memory_equal(a.data + 15, "\x02\x01\x01", 3);
	m = splice(x, a.data, n, 15, 3, (const uint8_t *)"\x02\x02\x00\x01",
	    4);
	x[1]++;
	expect_refused_at(x, m, KX_ESYNTAX, 15);

	/* one trailing byte after the KeyExchange */
	memcpy(x, a.data, n);
	x[n] = 0;
	expect_refused_at(x, n + 1, KX_ESYNTAX, (int64_t)n);

	/* every truncation, including the empty input */
	for (i = 0; i < n; i++) {
		memcpy(y, a.data, i);
		expect_refused(y, i, KX_ESYNTAX);
	}

	/* garbage and a wrong outer tag */
	memcpy(x, a.data, n);
	x[0] = 0x31;
	expect_refused(x, n, KX_ESYNTAX);
	kx_buf_free(&a);
	kx_doc_free(doc);
}

/* Find needle in the buffer; offset or fail. */
static size_t
find(const kx_buf *b, const uint8_t *needle, size_t nn)
{
	size_t i;

	for (i = 0; i + nn <= b->len; i++)
		if (memcmp(b->data + i, needle, nn) == 0)
			return i;
	fail_msg("pattern not found");
	return 0;
}

/*
 * Insert ins at offset at inside the first key's profile of a one-key
 * document whose enclosing lengths are all short-form, fixing the four
 * enclosing lengths (KeyExchange, keys [6], Key, profile [0]).
 */
static size_t
grow_profile(uint8_t *x, const kx_buf *a, size_t at, size_t cut,
    const uint8_t *ins, size_t insn)
{
	size_t p = 2, m = splice(x, a->data, a->len, at, cut, ins, insn);
	uint8_t delta = (uint8_t)(insn - cut);

	assert_true(x[1] + delta < 0x80);
	x[1] += delta;
	while (x[p] != 0xa6)
		p += 2 + x[p + 1];
	x[p + 1] += delta;
	x[p + 3] += delta;
	x[p + 5] += delta;
	return m;
}

static void
test_reject_model_values(void **state)
{
	kx_doc *doc = minimal_doc();
	kx_key *k;
	kx_buf a;
	uint8_t x[512];
	size_t n, at;

	(void)state;
	k = kxi_doc_add_key(doc);
	k->prof.id = "k";
	k->prof.owner = "o";
	k->prof.usage = KX_USAGE_BIT(KX_U_ENCRYPT);
	write_doc(doc, &a);
	/* role [17] follows usage [16] = 90 02 07 80 */
	at = find(&a, (const uint8_t *)"\x90\x02\x07\x80", 4) + 4;
	/* role none(0) written out: 'none' is written by omission */
	n = grow_profile(x, &a, at, 0, (const uint8_t *)"\x91\x01\x00", 3);
	expect_refused_at(x, n, KX_ESCHEMA, -1);
	/* role 21: not a value of version 1 (extensible ENUMERATED) */
	n = grow_profile(x, &a, at, 0, (const uint8_t *)"\x91\x01\x15", 3);
	expect_refused_at(x, n, KX_ESCHEMA, -1);
	/* role gp-mac(2) is fine and reads back */
	n = grow_profile(x, &a, at, 0, (const uint8_t *)"\x91\x01\x02", 3);
	{
		kx_doc *back = NULL;

		assert_int_equal(kxi_format_der.read(x, n, NULL, &back, NULL),
		    KX_OK);
		assert_int_equal(back->keys[0].prof.role, KX_ROLE_GP_MAC);
		kx_doc_free(back);
	}
	/*
	 * A fraction is valid DER (X.690 11.7.3) but not in our module's
	 * profile of GeneralizedTime (whole seconds): KX002.
	 */
	at = find(&a, (const uint8_t *)"\x81\x0f", 2);
	n = splice(x, a.data, a.len, at, 17,
	    (const uint8_t *)"\x81\x11" "19700101000000.5Z", 19);
	x[1] += 2;
	expect_refused_at(x, n, KX_ESCHEMA, (int64_t)at);
	kx_buf_free(&a);
	kx_doc_free(doc);
}

/*
 * Issue 7 item 13: the value ranges of the model, the schema and both
 * codecs agree.  Legal edges go model -> DER -> model unchanged; values
 * outside are refused by the writer, and their encodings by the reader.
 */
static kx_doc *
range_doc(kx_key **kp)
{
	kx_doc *doc = minimal_doc();
	kx_key *k = kxi_doc_add_key(doc);

	assert_non_null(k);
	k->prof.id = "k";
	k->prof.owner = "o";
	k->prof.usage = KX_USAGE_BIT(KX_U_ENCRYPT);
	*kp = k;
	return doc;
}

static void
range_roundtrip(kx_doc *doc)
{
	kx_doc *back = NULL;
	kx_buf a;

	write_doc(doc, &a);
	assert_int_equal(kxi_format_der.read(a.data, a.len, "t.der", &back,
	    NULL), KX_OK);
	assert_int_equal(back->keys[0].prof.rsa_e, doc->keys[0].prof.rsa_e);
	eq_str(back->keys[0].prof.ec_curve, doc->keys[0].prof.ec_curve);
	assert_int_equal(back->keys[0].prof.not_before,
	    doc->keys[0].prof.not_before);
	assert_int_equal(back->keys[0].prof.not_after,
	    doc->keys[0].prof.not_after);
	kx_doc_free(back);
	kx_buf_free(&a);
}

static void
test_value_ranges(void **state)
{
	static const char *const legal[] = { "0.39", "1.39", "0.0", "2.40",
		"2.9223372036854775807", "1.2.9223372036854775807" };
	static const char *const illegal[] = { "0.40", "1.40", "3.1", "1",
		"1.2.9223372036854775808", "2.18446744073709551616", "1.02" };
	kx_buf a = { 0 };
	kx_key *k;
	kx_doc *doc = range_doc(&k);
	uint8_t x[512];
	size_t i, n, at;
	int64_t t;

	(void)state;
	/* legal edges */
	k->prof.rsa_e = INT64_MAX;
	assert_int_equal(kx_time_parse("1969-12-31T23:59:59Z", &t), KX_OK);
	assert_int_equal(t, -1);
	k->prof.not_before = t;
	assert_int_equal(kx_time_parse("9999-12-31T23:59:59Z",
	    &k->prof.not_after), KX_OK);
	for (i = 0; i < sizeof(legal) / sizeof(legal[0]); i++) {
		k->prof.ec_curve = legal[i];
		range_roundtrip(doc);
	}
	assert_int_equal(kx_time_parse("0001-01-01T00:00:00Z",
	    &k->prof.not_before), KX_OK);
	range_roundtrip(doc);
	/* the writer refuses what no reader accepts */
	for (i = 0; i < sizeof(illegal) / sizeof(illegal[0]); i++) {
		k->prof.ec_curve = illegal[i];
		assert_int_equal(kxi_format_der.write(doc, &a, NULL),
		    KX_ESCHEMA);
		assert_int_equal(kxi_oid_check(illegal[i], NULL), KX_ESCHEMA);
	}
	k->prof.ec_curve = NULL;
	k->prof.rsa_e = (uint64_t)INT64_MAX + 1;
	assert_int_equal(kxi_format_der.write(doc, &a, NULL), KX_ESCHEMA);
	k->prof.rsa_e = 0;
	k->prof.not_before -= 1;	/* 0000-12-31T23:59:59Z */
	assert_int_equal(kxi_format_der.write(doc, &a, NULL), KX_ESCHEMA);
	k->prof.not_before = KX_UNSET_TIME;
	k->prof.not_after = KX_UNSET_TIME;

	/* the reader refuses their encodings */
	k->prof.ec_curve = "1.2.9223372036854775807";
	write_doc(doc, &a);
	at = find(&a, (const uint8_t *)"\x2a\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\x7f", 10);
	/* a non-minimal subidentifier (X.690 8.19.2), same length */
	memcpy(x, a.data, a.len);
	x[at + 1] = 0x80;
	expect_refused(x, a.len, KX_ESCHEMA);
	/* an arc of 2^63 + ...: one septet more, lengths fixed */
	n = grow_profile(x, &a, at + 1, 0, (const uint8_t *)"\x81", 1);
	x[at - 1]++;		/* the OID's length */
	x[at - 3]++;		/* the params' length */
	expect_refused(x, n, KX_ESCHEMA);
	kx_buf_free(&a);
	/* year 0000 in a GeneralizedTime */
	k->prof.ec_curve = NULL;
	write_doc(doc, &a);
	at = find(&a, (const uint8_t *)"\x81\x0f", 2);
	memcpy(x, a.data, a.len);
	memcpy(x + at + 2, "0000", 4);
	expect_refused_at(x, a.len, KX_ESCHEMA, (int64_t)at);
	kx_buf_free(&a);
	kx_doc_free(doc);
}

static void
test_reject_boolean_and_noncanonical(void **state)
{
	kx_doc *doc = minimal_doc();
	kx_key *k;
	kx_buf a;
	uint8_t x[512];
	size_t n, at;

	(void)state;
	k = kxi_doc_add_key(doc);
	k->prof.id = "k";
	k->prof.owner = "o";
	k->prof.usage = KX_USAGE_BIT(KX_U_ENCRYPT);
	write_doc(doc, &a);
	n = a.len;
	assert_true(n < sizeof(x));

	/* sensitive [32] BOOLEAN TRUE = 9F 20 01 FF; X.690 11.1: 01 is BER */
	at = find(&a, (const uint8_t *)"\x9f\x20\x01\xff", 4);
	memcpy(x, a.data, n);
	x[at + 3] = 0x01;
	expect_refused_at(x, n, KX_ESYNTAX, (int64_t)at);

	/*
	 * usage [16] BIT STRING {encrypt} = 90 02 07 80; the same set with
	 * an untrimmed zero bit (unused 6 instead of 7) decodes to the same
	 * model but is not its canonical encoding (X.690 11.2.2).
	 */
	at = find(&a, (const uint8_t *)"\x90\x02\x07\x80", 4);
	memcpy(x, a.data, n);
	x[at + 2] = 0x06;
	expect_refused_at(x, n, KX_ESYNTAX, (int64_t)at);

	/* the empty usage set is 90 01 00 (X.690 11.2.2) and reads back */
	{
		kx_doc *back = NULL;
		kx_buf e;

		k->prof.usage = 0;
		write_doc(doc, &e);
		(void)find(&e, (const uint8_t *)"\x90\x01\x00", 3);
		assert_int_equal(kxi_format_der.read(e.data, e.len, NULL,
		    &back, NULL), KX_OK);
		assert_int_equal(back->keys[0].prof.usage, 0);
		kx_doc_free(back);
		kx_buf_free(&e);
		k->prof.usage = KX_USAGE_BIT(KX_U_ENCRYPT);
	}

	/* a usage bit this version does not know (bit 19): KX002 */
	{
		kx_doc *back = NULL;
		kx_diag *d = kx_diag_new();
		uint8_t nb[] = { 0x90, 0x04, 0x04, 0x00, 0x00, 0x10 };

		/* splice +2 bytes; fix every enclosing length (all short) */
		memcpy(x, a.data, at);
		memcpy(x + at, nb, sizeof(nb));
		memcpy(x + at + sizeof(nb), a.data + at + 4, n - at - 4);
		/* outer 30 L; keys [6] A6 L; Key 30 L; profile [0] A0 L */
		{
			size_t p = 2;

			x[1] += 2;
			while (x[p] != 0xa6)
				p += 2 + x[p + 1];
			x[p + 1] += 2;
			x[p + 3] += 2;
			x[p + 5] += 2;
		}
		assert_int_equal(kxi_format_der.read(x, n + 2, "t", &back, d),
		    KX_ESCHEMA);
		assert_null(back);
		assert_true(kxt_has_rule(d, "KX002", KX_SEV_ERROR));
		assert_true(kx_diag_get(d, 0)->offset > 0);
		kx_diag_free(d);
	}
	kx_buf_free(&a);
	kx_doc_free(doc);
}

static void
test_detect(void **state)
{
	kx_doc *doc = minimal_doc();
	kx_buf a;

	(void)state;
	write_doc(doc, &a);
	assert_int_equal(kxi_format_der.detect(a.data, a.len), 1);
	assert_int_equal(kxi_format_der.detect(a.data, 10), 0);
	assert_int_equal(kxi_format_der.detect((const uint8_t *)"<?xml", 5),
	    0);
	assert_int_equal(kxi_format_der.detect(NULL, 0), 0);
	a.data[10] ^= 1;	/* another OID */
	assert_int_equal(kxi_format_der.detect(a.data, a.len), 0);
	kx_buf_free(&a);
	kx_doc_free(doc);
}

/* Change attribute i of p (a copy of the full profile); 0 = no more. */
static int
mutate(kxi_profile *p, int i, kxi_arena *a)
{
	static kxi_revision rv[2];
	static kxi_relation_ref rel[2];
	static kxi_extension ext[1];

	switch (i) {
	case 0: p->id = "key-x"; break;
	case 1: p->name = NULL; break;
	case 2: p->description = "d"; break;
	case 3: p->template_id = NULL; break;
	case 4: p->reference = "r"; break;
	case 5: p->version = "02"; break;
	case 6: memcpy(rv, p->revisions, sizeof(rv));
		rv[0].by = "bob"; p->revisions = rv; break;
	case 7: p->nrevisions = 1; break;
	case 8: p->owner = "other"; break;
	case 9: p->creator = NULL; break;
	case 10: p->holder = "h"; break;
	case 11: p->custodians.n = 1; break;
	case 12: p->cls = KX_CLASS_PRIVATE; break;
	case 13: p->alg = KX_ALG_HMAC; break;
	case 14: p->length_bits = 256; break;
	case 15: p->rsa_e = 3; break;
	case 16: p->ec_curve = "1.3.132.0.34"; break;
	case 17: p->hmac_hash = KX_HASH_SHA1; break;
	case 18: p->modes |= 1u << KX_M_ECB; break;
	case 19: p->usage &= ~KX_USAGE_BIT(KX_U_UNLOCK); break;
	case 20: p->role = KX_ROLE_NONE; break;
	case 21: p->usage_limit = 0; break;
	case 22: p->gp.key_type = 0x80; break;
	case 23: p->gp.kvn = 0x31; break;
	case 24: p->gp.kid = 2; break;
	case 25: p->gp.kuq = 0x38; p->gp.kuq_len = 1; break;
	case 26: p->gp.kuq_len = 1; p->gp.kuq = 0x14; break;
	case 27: p->gp.access = 0; break;
	case 28: p->gp.scp = KX_SCP02; break;
	case 29: p->gp.scp_i = 0x55; break;
	case 30: p->gp.sd_aid.n--; break;
	case 31: p->gp.diversification = KX_DIV_EMV; break;
	case 32: p->has_gp = false; break;
	case 33: p->not_before++; break;
	case 34: p->not_after--; break;
	case 35: p->protect_until = KX_UNSET_TIME; break;
	case 36: p->process_until += 86400; break;
	case 37: p->cryptoperiod = "P1Y"; break;
	case 38: p->state = KX_STATE_ACTIVE; break;
	case 39: p->state_since = KX_UNSET_TIME; break;
	case 40: p->revoked_at++; break;
	case 41: p->revocation_reason = KX_REV_CESSATION; break;
	case 42: p->mode = KX_KEYMODE_PRODUCTION; break;
	case 43: p->created = KX_UNSET_TIME; break;
	case 44: p->export_.allowed = false; break;
	case 45: p->export_.forms = 0; break;
	case 46: p->export_.destinations.n = 0; break;
	case 47: p->export_.min_wrap_strength = 256; break;
	case 48: p->export_.trusted_kek_only = KXI_TRI_TRUE; break;
	case 49: p->sensitive = true; break;
	case 50: p->import_.allowed = true; break;
	case 51: p->import_.sources.n = 0; break;
	case 52: p->provenance.always_sensitive = KXI_TRI_UNSET; break;
	case 53: p->provenance.never_exported = KXI_TRI_TRUE; break;
	case 54: p->provenance.generated_in = "x"; break;
	case 55: p->permanent = KXI_TRI_FALSE; break;
	case 56: p->split.n = 4; break;
	case 57: p->split.m = 3; break;
	case 58: p->split.method = KX_SPLIT_CONCAT; break;
	case 59: p->split.dual_control = KXI_TRI_UNSET; break;
	case 60: memcpy(rel, p->relations, sizeof(rel));
		rel[1].type = KX_REL_PAIR_OF; p->relations = rel; break;
	case 61: memcpy(rel, p->relations, sizeof(rel));
		rel[0].ref = "tk-2"; p->relations = rel; break;
	case 62: memcpy(rel, p->relations, sizeof(rel));
		/* order is meaningful: a swapped list is another profile */
		rel[0] = p->relations[1]; rel[1] = p->relations[0];
		p->relations = rel; break;
	case 63: ext[0] = p->extensions[0]; ext[0].value = "v";
		p->extensions = ext; break;
	case 64: p->nextensions = 0; break;
	case 65: assert_int_equal(kxi_strlist_add(a, &p->custodians, "c3"),
		    0); break;
	default: return 0;
	}
	return 1;
}

static void
test_profile_der(void **state)
{
	kx_doc *doc = full_doc();
	const kxi_profile *base = &doc->keys[0].prof;
	kxi_profile p;
	kx_buf b0 = { 0 }, b1 = { 0 }, bi = { 0 };
	int i;

	(void)state;
	assert_int_equal(kxi_profile_der(base, &b0, NULL), KX_OK);
	assert_int_equal(kxi_profile_der(base, &b1, NULL), KX_OK);
	assert_int_equal(b0.len, b1.len);
	assert_memory_equal(b0.data, b1.data, b0.len);
	assert_int_equal(b0.data[0], 0x30);	/* standalone KeyProfile */
	/* each single attribute change gives other bytes */
	for (i = 0;; i++) {
		p = *base;
		if (!mutate(&p, i, &doc->arena))
			break;
		bi.len = 0;
		assert_int_equal(kxi_profile_der(&p, &bi, NULL), KX_OK);
		if (bi.len == b0.len && memcmp(bi.data, b0.data, b0.len) == 0)
			fail_msg("attribute change %d gives the same DER", i);
	}
	assert_true(i >= 60);
	/* independent of the key's place and of other keys */
	bi.len = 0;
	assert_int_equal(kxi_profile_der(&doc->keys[1].prof, &bi, NULL),
	    KX_OK);
	assert_true(bi.len != b0.len || memcmp(bi.data, b0.data, b0.len));
	kx_buf_free(&b0);
	kx_buf_free(&b1);
	kx_buf_free(&bi);
	kx_doc_free(doc);
}

static void
test_mutations_never_crash(void **state)
{
	kx_doc *doc = full_doc(), *back;
	kx_buf a, b;
	size_t i;
	int bit, r;

	(void)state;
	write_doc(doc, &a);
	for (i = 0; i < a.len; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			a.data[i] ^= (uint8_t)(1 << bit);
			back = NULL;
			r = kxi_format_der.read(a.data, a.len, NULL, &back,
			    NULL);
			if (r == KX_OK) {
				/* accepted: must re-encode to the same bytes */
				write_doc(back, &b);
				assert_int_equal(b.len, a.len);
				assert_memory_equal(b.data, a.data, a.len);
				kx_buf_free(&b);
			} else {
				assert_null(back);
				assert_true(r == KX_ESYNTAX ||
				    r == KX_ESCHEMA || r == KX_EUNSUPPORTED);
			}
			kx_doc_free(back);
			a.data[i] ^= (uint8_t)(1 << bit);
		}
	}
	kx_buf_free(&a);
	kx_doc_free(doc);
}

/*
 * Retagged documents (issue 11 item 3): the BIT STRING pre-check must
 * look at what asn1c will decode.  The first two inputs made UBSan report
 * "shift exponent 126" in asn1c's OCTET_STRING.c before they were
 * refused: transportKeys [5] retagged [6], so that the check looked at
 * that list while asn1c decoded the real keys [6] (with a usage BIT
 * STRING whose unused-bits octet is 126) as part of the head; and a
 * primitive keys [6], whose content the strict walk never entered.  The
 * other two are the same holes one level down (a primitive profile, a
 * repeated usage [16]).  Each is refused at the retagged TLV, saying why.
 */
static void
test_reject_retagged(void **state)
{
	static const struct {
		const char *file;
		int64_t off;
		const char *why;
	} t[] = {
		{ "tests/fuzz/repro/der/transport-keys-retagged-as-keys.der",
		    273, "context tag repeated or out of order" },
		{ "tests/fuzz/repro/der/keys-list-primitive.der",
		    273, "value of a SEQUENCE type not constructed" },
		{ "tests/fuzz/repro/der/profile-primitive.der",
		    281, "value of a SEQUENCE type not constructed" },
		{ "tests/fuzz/repro/der/usage-repeated.der",
		    412, "context tag repeated or out of order" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		kx_buf b = { NULL, 0, 0, 0 };
		kx_diag *d = kx_diag_new();
		kx_doc *doc = NULL;
		const kx_finding *f;

		assert_int_equal(kx_file_read(kxt_src(t[i].file), 0, &b, NULL),
		    KX_OK);
		expect_refused_at(b.data, b.len, KX_ESYNTAX, t[i].off);
		assert_int_equal(kxi_format_der.read(b.data, b.len, "t.der",
		    &doc, d), KX_ESYNTAX);
		f = kx_diag_get(d, 0);
		assert_non_null(strstr(f->message, t[i].why));
		kx_diag_free(d);
		kx_buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_full),
		cmocka_unit_test(test_roundtrip_minimal),
		cmocka_unit_test(test_write_refuses_incomplete),
		cmocka_unit_test(test_reject_ber),
		cmocka_unit_test(test_reject_boolean_and_noncanonical),
		cmocka_unit_test(test_reject_model_values),
		cmocka_unit_test(test_value_ranges),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_profile_der),
		cmocka_unit_test(test_mutations_never_crash),
		cmocka_unit_test(test_reject_retagged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
