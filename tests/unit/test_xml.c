/*
 * test_xml.c - the native exchange XML spoke: samples read into the
 * expected model, canonical write reproduces them byte for byte, hostile
 * input refused (XXE, billion laughs, DTD, depth, size), schema violations
 * reported as KX002 at the right line, the streaming iterator hands keys
 * over one at a time, foreign elements kept or dropped with KX003.
 *
 * KCVs in the samples were computed with OpenSSL and cross-checked with
 * python-cryptography from the test-only values in samples/README.md
 * (tests/data/SOURCES.md, section "Native XML").
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kxtest.h"

#define MFR "samples/exchange/manufacturer-to-issuer.xml"
#define FULL "samples/exchange/full-profile.xml"

static const char *const samples[] = { MFR, FULL };

static kx_doc *
read_ok(const kx_buf *b, const char *name, kx_diag *d)
{
	kx_doc *doc = NULL;

	assert_int_equal(kxi_format_xml.read(b->data, b->len, name, &doc, d),
	    KX_OK);
	assert_non_null(doc);
	return doc;
}

static kx_doc *
read_file(const char *rel)
{
	kx_buf b;
	kx_doc *doc;
	kx_diag *d = kx_diag_new();

	kxt_slurp(rel, &b);
	doc = read_ok(&b, rel, d);
	assert_int_equal(kx_diag_count(d), 0);
	kx_buf_free(&b);
	kx_diag_free(d);
	return doc;
}

static int64_t
T(const char *s)
{
	int64_t t;

	assert_int_equal(kx_time_parse(s, &t), KX_OK);
	return t;
}

static void
assert_hex(const kxi_bytes *b, const char *hex)
{
	char out[2 * 256 + 1];

	assert_non_null(b->p);
	assert_true(b->n <= 256);
	kxi_hex_encode(b->p, b->n, out);
	assert_string_equal(out, hex);
}

/* Read a document from a string; returns the rc, doc in *out. */
static int
read_str(const char *s, kx_doc **out, kx_diag *d)
{
	return kxi_format_xml.read((const uint8_t *)s, strlen(s), "t.xml",
	    out, d);
}

/* The manufacturer sample with one substring replaced (test fails if
 * the substring is missing). */
static char *
mutate(const char *from, const char *to)
{
	kx_buf b, o = { 0 };
	char *p, *s;

	kxt_slurp(MFR, &b);
	assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
	p = strstr((char *)b.data, from);
	assert_non_null(p);
	assert_int_equal(kx_buf_append(&o, b.data, (size_t)(p -
	    (char *)b.data)), KX_OK);
	assert_int_equal(kx_buf_printf(&o, "%s%s", to, p + strlen(from)),
	    KX_OK);
	assert_int_equal(kx_buf_append(&o, "", 1), KX_OK);
	s = strdup((char *)o.data);
	assert_non_null(s);
	kx_buf_free(&b);
	kx_buf_free(&o);
	return s;
}

/* ---- the samples ------------------------------------------------------ */
static void
t_read_manufacturer(void **state)
{
	static const char *const kcv[] = { "504A77", "F2A8DF", "D7D0E4" };
	static const enum kx_role role[] = { KX_ROLE_GP_ENC, KX_ROLE_GP_MAC,
		KX_ROLE_GP_DEK };
	static const int kuq[] = { 0x38, 0x34, 0x48 };
	kx_doc *doc = read_file(MFR);
	const kxi_tk *tk;
	size_t i;

	(void)state;
	assert_string_equal(doc->id, "EXCH-2026-0001");
	assert_int_equal(doc->model_version, 1);
	assert_int_equal(doc->created, T("2026-01-05T09:30:00Z"));
	assert_string_equal(doc->sender, "ACME Card Manufacturing");
	assert_int_equal(doc->recipients.n, 1);
	assert_string_equal(doc->recipients.v[0], "Example Issuer Bank");
	assert_int_equal(doc->source_format, KX_FMT_XML);
	assert_int_equal(doc->loc.line, 2);

	assert_int_equal(doc->ntks, 1);
	tk = kxi_doc_find_tk(doc, "TK-2026-001");
	assert_non_null(tk);
	assert_int_equal(tk->alg, KX_ALG_AES);
	assert_int_equal(tk->length_bits, 256);
	assert_hex(&tk->kcv, "319476");
	assert_int_equal(tk->kcv_method, KX_KCV_GP_AES);
	assert_int_equal(tk->comp_n, 3);
	assert_int_equal(tk->comp_m, 0);
	assert_int_equal(tk->comp_method, KX_SPLIT_XOR);
	assert_hex(&tk->comp_kcvs[0], "05D2B6");
	assert_hex(&tk->comp_kcvs[1], "06AD98");
	assert_hex(&tk->comp_kcvs[2], "A740FD");
	assert_false(tk->trusted);
	assert_int_equal(tk->loc.line, 10);

	assert_int_equal(kx_doc_key_count(doc), 3);
	for (i = 0; i < 3; i++) {
		const kx_key *k = kx_doc_key(doc, i);
		const kxi_profile *p = &k->prof;

		assert_int_equal(p->cls, KX_CLASS_SECRET);
		assert_int_equal(p->alg, KX_ALG_AES);
		assert_int_equal(p->length_bits, 128);
		assert_int_equal(p->role, role[i]);
		assert_true(p->has_gp);
		assert_int_equal(p->gp.key_type, 0x88);
		assert_int_equal(p->gp.kvn, 0x30);
		assert_int_equal(p->gp.kid, (int)i + 1);
		assert_int_equal(p->gp.kuq, kuq[i]);
		assert_int_equal(p->gp.kuq_len, 1);
		assert_int_equal(p->gp.access, 0x01);
		assert_int_equal(p->gp.scp, KX_SCP03);
		assert_int_equal(p->gp.scp_i, 0x70);
		assert_hex(&p->gp.sd_aid, "A000000151000000");
		assert_int_equal(p->not_before, T("2026-01-01T00:00:00Z"));
		assert_int_equal(p->not_after, T("2031-12-31T23:59:59Z"));
		assert_int_equal(p->protect_until, KX_UNSET_TIME);
		assert_int_equal(p->state, KX_STATE_ACTIVE);
		assert_int_equal(p->mode, KX_KEYMODE_PRODUCTION);
		assert_true(p->export_.allowed);
		assert_int_equal(p->export_.forms,
		    1u << KX_FORM_BOUND_BLOCK);
		assert_int_equal(p->export_.destinations.n, 1);
		assert_string_equal(p->export_.destinations.v[0],
		    "Example Issuer Bank");
		assert_true(p->sensitive);
		assert_true(p->import_.allowed);
		assert_int_equal(k->value.form, KX_VALUE_WRAPPED);
		assert_string_equal(k->value.kek_id, "TK-2026-001");
		assert_int_equal(k->value.alg, KX_WRAP_AES_SIV_BOUND);
		assert_int_equal(k->value.data.n, 32);
		assert_string_equal(k->value.binding_method,
		    "header-profile-der-v2");
		assert_hex(&k->kcv, kcv[i]);
		assert_int_equal(k->kcv_method, KX_KCV_GP_AES);
	}
	/* Usage sets and places of the first key. */
	{
		const kx_key *k = kx_doc_key(doc, 0);

		assert_string_equal(k->prof.id, "ISD-KVN30-ENC");
		assert_int_equal(k->prof.usage, KX_USAGE_BIT(KX_U_ENCRYPT) |
		    KX_USAGE_BIT(KX_U_DECRYPT) | KX_USAGE_BIT(KX_U_DERIVE));
		assert_int_equal(k->prof.modes, 1u << KX_M_CBC);
		assert_int_equal(k->loc[KXF_KEY].line, 24);
		assert_int_equal(k->loc[KXF_ID].line, 26);
		assert_int_equal(k->loc[KXF_GP].line, 39);
		assert_int_equal(k->loc[KXF_VALIDITY].line, 51);
		assert_int_equal(k->loc[KXF_STATE].line, 54);
		assert_int_equal(k->loc[KXF_VALUE].line, 67);
		assert_int_equal(k->loc[KXF_KCV].line, 77);
		assert_int_equal(k->loc[KXF_SPLIT].line, 0);
		assert_int_equal(kx_doc_key(doc, 1)->prof.usage,
		    KX_USAGE_BIT(KX_U_MAC_GENERATE) |
		    KX_USAGE_BIT(KX_U_MAC_VERIFY) |
		    KX_USAGE_BIT(KX_U_DERIVE));
		assert_int_equal(kx_doc_key(doc, 1)->loc[KXF_KEY].line, 80);
	}
	kx_doc_free(doc);
}

static void
t_read_full(void **state)
{
	kx_doc *doc = read_file(FULL);
	const kx_key *k;
	const kxi_profile *p;
	const kxi_tk *tk;

	(void)state;
	assert_int_equal(doc->recipients.n, 2);
	assert_string_equal(doc->comment, "TEST DATA ONLY: exercises every "
	    "optional field of the model; all values are placeholders & "
	    "test material.");
	assert_int_equal(doc->nextensions, 1);
	assert_string_equal(doc->extensions[0].ns,
	    "urn:example:exchange-tracking");
	assert_string_equal(doc->extensions[0].name, "TicketNumber");
	assert_string_equal(doc->extensions[0].value, "CHG-4711");

	tk = &doc->tks[0];
	assert_true(tk->trusted);
	assert_int_equal(tk->comp_m, 2);
	assert_int_equal(tk->comp_method, KX_SPLIT_SHAMIR);
	assert_hex(&tk->comp_kcvs[2], "071829");
	assert_string_equal(tk->version, "2");

	assert_int_equal(doc->nkeys, 4);
	k = &doc->keys[0];
	p = &k->prof;
	assert_string_equal(p->template_id, "TPL-KEK-AES256");
	assert_string_equal(p->version, "07");
	assert_int_equal(p->nrevisions, 2);
	assert_string_equal(p->revisions[0].by, "alice");
	assert_int_equal(p->revisions[1].date, T("2026-02-15T16:30:00Z"));
	assert_null(p->revisions[1].digest.p);
	assert_int_equal(p->revisions[0].digest.n, 32);
	assert_int_equal(p->custodians.n, 2);
	assert_int_equal(p->usage_limit, 1000000);
	assert_int_equal(p->gp.kuq, 0x4800);
	assert_int_equal(p->gp.kuq_len, 2);
	assert_int_equal(p->gp.diversification, KX_DIV_KDF3);
	assert_int_equal(p->protect_until, T("2027-08-31T23:59:59Z"));
	assert_string_equal(p->cryptoperiod, "P2Y");
	assert_int_equal(p->state_since, T("2026-03-01T00:00:00Z"));
	assert_int_equal(p->export_.forms, (1u << KX_FORM_WRAPPED) |
	    (1u << KX_FORM_COMPONENTS));
	assert_int_equal(p->export_.min_wrap_strength, 256);
	assert_int_equal(p->export_.trusted_kek_only, KXI_TRI_TRUE);
	assert_int_equal(p->import_.sources.n, 1);
	assert_int_equal(p->provenance.always_sensitive, KXI_TRI_TRUE);
	assert_int_equal(p->provenance.never_exported, KXI_TRI_FALSE);
	assert_int_equal(p->permanent, KXI_TRI_FALSE);
	assert_int_equal(p->split.n, 3);
	assert_int_equal(p->split.m, 2);
	assert_int_equal(p->split.dual_control, KXI_TRI_TRUE);
	assert_int_equal(p->nrelations, 2);
	assert_int_equal(p->relations[1].type, KX_REL_REPLACES);
	assert_int_equal(p->nextensions, 1);
	assert_int_equal(k->value.form, KX_VALUE_COMPONENTS);
	assert_int_equal(k->value.ncomponents, 3);
	assert_int_equal(k->value.components[2].index, 3);
	assert_string_equal(k->value.components[2].custodian, "carol");
	assert_int_equal(k->value.components[0].wrapped.n, 40);
	assert_int_equal(k->value.threshold, 2);
	assert_int_equal(k->value.split_method, KX_SPLIT_SHAMIR);
	assert_int_equal(k->kcv_method, KX_KCV_CMAC);
	assert_int_equal(k->kcv.n, 5);

	p = &doc->keys[1].prof;
	assert_int_equal(p->cls, KX_CLASS_PUBLIC);
	assert_int_equal(p->rsa_e, 65537);
	assert_int_equal(p->revocation_reason, KX_REV_SUPERSEDED);
	assert_false(p->sensitive);
	assert_false(p->has_gp);
	assert_int_equal(doc->keys[1].value.form, KX_VALUE_NONE);
	assert_string_equal(doc->keys[2].prof.ec_curve, "1.2.840.10045.3.1.7");
	assert_false(doc->keys[2].prof.import_.allowed);

	k = &doc->keys[3];
	assert_int_equal(k->prof.hmac_hash, KX_HASH_SHA256);
	assert_int_equal(k->prof.mode, KX_KEYMODE_TEST);
	assert_int_equal(k->value.form, KX_VALUE_CLEAR);
	assert_int_equal(k->value.clear.n, 32);
	assert_true(doc->arena.wipe);
	kx_doc_free(doc);
}

static void
t_roundtrip_bytes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		kx_buf in, out = { 0 }, again = { 0 };
		kx_doc *doc, *doc2;

		kxt_slurp(samples[i], &in);
		doc = read_ok(&in, samples[i], NULL);
		assert_int_equal(kxi_format_xml.write(doc, &out, NULL), KX_OK);
		assert_int_equal(out.len, in.len);
		assert_memory_equal(out.data, in.data, in.len);
		/* And through the public entry points, twice. */
		assert_int_equal(kx_doc_read(out.data, out.len, KX_FMT_AUTO,
		    "out", &doc2, NULL), KX_OK);
		assert_int_equal(kx_doc_write(doc2, KX_FMT_XML, &again, NULL),
		    KX_OK);
		assert_int_equal(again.len, in.len);
		assert_memory_equal(again.data, in.data, in.len);
		kx_doc_free(doc);
		kx_doc_free(doc2);
		kx_buf_free(&in);
		kx_buf_free(&out);
		kx_buf_free(&again);
	}
}

/* Lexical variants read into the same model, then write canonically. */
static void
t_canonicalises(void **state)
{
	char *s = mutate("<Kcv>504A77</Kcv>", "<Kcv>\n  504a77 </Kcv>");
	char *s2;
	kx_doc *doc = NULL;
	kx_buf out = { 0 }, ref;

	(void)state;
	s2 = strstr(s, "<Allowed>true</Allowed>");
	assert_non_null(s2);
	memcpy(s2 + 9, "1</Allowed>   ", 14);
	assert_int_equal(read_str(s, &doc, NULL), KX_OK);
	assert_hex(&doc->keys[0].kcv, "504A77");
	assert_true(doc->keys[0].prof.export_.allowed);
	assert_int_equal(kxi_format_xml.write(doc, &out, NULL), KX_OK);
	kxt_slurp(MFR, &ref);
	assert_int_equal(out.len, ref.len);
	assert_memory_equal(out.data, ref.data, ref.len);
	kx_doc_free(doc);
	kx_buf_free(&out);
	kx_buf_free(&ref);
	free(s);
}

/* A model built in code writes deterministically and escapes text. */
static void
t_write_built(void **state)
{
	kx_doc *doc = kxi_doc_new();
	kx_key *k;
	kx_buf a = { 0 }, b = { 0 };
	kx_doc *back = NULL;
	kx_diag *d = kx_diag_new();

	(void)state;
	doc->id = "D<1>&\"x\"";
	doc->created = T("2026-05-06T07:08:09Z");
	doc->sender = "S";
	doc->comment = "c\r\nline2";
	k = kxi_doc_add_key(doc);
	k->prof.id = "K1";
	k->prof.owner = "O";
	k->prof.alg = KX_ALG_TDEA2;
	k->prof.length_bits = 128;
	k->prof.usage = KX_USAGE_BIT(KX_U_UNLOCK) | KX_USAGE_BIT(KX_U_ENCRYPT);
	assert_int_equal(kxi_format_xml.write(doc, &a, d), KX_OK);
	assert_int_equal(kxi_format_xml.write(doc, &b, d), KX_OK);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_int_equal(kx_buf_append(&a, "", 1), KX_OK);
	assert_non_null(strstr((char *)a.data,
	    "    <Id>D&lt;1&gt;&amp;\"x\"</Id>\n"));
	assert_non_null(strstr((char *)a.data,
	    "      <Usage>encrypt</Usage>\n      <Usage>unlock</Usage>\n"));
	assert_non_null(strstr((char *)a.data,
	    "      <State>active</State>\n"));
	assert_non_null(strstr((char *)a.data,
	    "      <Sensitive>true</Sensitive>\n"));
	assert_int_equal(a.data[a.len - 2], '\n');
	/* Schema-valid and the same model when read back (CR kept). */
	assert_int_equal(kxi_format_xml.read(a.data, a.len - 1, "w.xml",
	    &back, d), KX_OK);
	assert_string_equal(back->id, doc->id);
	assert_string_equal(back->comment, "c\r\nline2");
	assert_int_equal(back->keys[0].prof.alg, KX_ALG_TDEA2);
	assert_int_equal(back->keys[0].prof.usage, doc->keys[0].prof.usage);
	assert_int_equal(kx_diag_count(d), 0);
	kx_doc_free(back);

	/* A required field missing: refused, naming it. */
	kx_buf_free(&a);
	kx_diag_clear(d);
	k->prof.alg = KX_ALG_NONE;
	assert_int_equal(kxi_format_xml.write(doc, &a, d), KX_EUSAGE);
	assert_int_equal(a.len, 0);
	assert_non_null(strstr(kx_diag_get(d, 0)->message,
	    "Profile/Algorithm"));
	assert_string_equal(kx_diag_get(d, 0)->key_id, "K1");
	k->prof.alg = KX_ALG_TDEA2;
	/* An empty usage set is carried (rule KX102 judges it, not XML). */
	kx_buf_free(&a);
	kx_diag_clear(d);
	k->prof.usage = 0;
	assert_int_equal(kxi_format_xml.write(doc, &a, d), KX_OK);
	assert_null(memmem(a.data, a.len, "<Usage>", 7));	/* a.data has no NUL */
	assert_int_equal(kxi_format_xml.read(a.data, a.len, "u.xml", &back,
	    d), KX_OK);
	assert_int_equal(back->keys[0].prof.usage, 0);
	kx_doc_free(back);
	kx_diag_clear(d);
	k->prof.usage = KX_USAGE_BIT(KX_U_UNLOCK) | KX_USAGE_BIT(KX_U_ENCRYPT);

	/* A control character XML cannot carry: refused, nothing written. */
	kx_buf_free(&a);
	k->prof.name = "bad\001name";
	assert_int_equal(kxi_format_xml.write(doc, &a, d), KX_EUNSUPPORTED);
	assert_int_equal(a.len, 0);
	kx_buf_free(&a);
	kx_buf_free(&b);
	kx_doc_free(doc);
	kx_diag_free(d);
}

/* ---- hostile input ------------------------------------------------------ */
static void
expect_refused(const char *s, int rc, const char *rule, uint32_t line)
{
	kx_doc *doc = NULL;
	kx_diag *d = kx_diag_new();
	size_t i;
	int seen = 0;

	assert_int_equal(read_str(s, &doc, d), rc);
	assert_null(doc);
	for (i = 0; i < kx_diag_count(d); i++) {
		const kx_finding *f = kx_diag_get(d, i);

		if (strcmp(f->rule, rule) == 0 && f->severity ==
		    KX_SEV_ERROR && (line == 0 || f->line == line))
			seen = 1;
	}
	assert_true(seen);
	kx_diag_free(d);
}

static void
t_xxe(void **state)
{
	static const char xxe[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE KeyExchange [\n"
	    "  <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
	    "<KeyExchange xmlns=\"urn:kmsxchg:xml:ns:1\" version=\"1\">"
	    "<Header><Id>&x;</Id><Created>2026-01-01T00:00:00Z</Created>"
	    "<Sender>s</Sender></Header></KeyExchange>\n";
	kx_doc *doc = NULL;

	(void)state;
	expect_refused(xxe, KX_ESYNTAX, "KX001", 2);
	/* Auto-detection hands it to this reader, which refuses it. */
	assert_int_equal(kx_doc_read((const uint8_t *)xxe, strlen(xxe),
	    KX_FMT_AUTO, "x", &doc, NULL), KX_ESYNTAX);
	assert_null(doc);
}

static void
t_billion_laughs(void **state)
{
	static const char lol[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE KeyExchange [\n"
	    " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
	    " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	    " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	    " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
	    " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
	    " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
	    "]>\n"
	    "<KeyExchange xmlns=\"urn:kmsxchg:xml:ns:1\" version=\"1\">"
	    "<Header><Id>&f;</Id></Header></KeyExchange>\n";

	(void)state;
	expect_refused(lol, KX_ESYNTAX, "KX001", 2);
}

static void
t_dtd_only(void **state)
{
	(void)state;
	expect_refused("<!DOCTYPE KeyExchange>\n"
	    "<KeyExchange xmlns=\"urn:kmsxchg:xml:ns:1\" version=\"1\"/>",
	    KX_ESYNTAX, "KX001", 1);
	expect_refused("<KeyExchange xmlns=\"urn:kmsxchg:xml:ns:1\" "
	    "version=\"1\"><Header>\n<Id>x</Header></KeyExchange>",
	    KX_ESYNTAX, "KX001", 2);
}

static void
t_schema_line(void **state)
{
	/* Line 37 of the sample is the first key's <Usage>derive</Usage>. */
	char *s = mutate("<Usage>derive</Usage>", "<Usage>dérive</Usage>");

	(void)state;
	expect_refused(s, KX_ESCHEMA, "KX002", 37);
	free(s);
	/* A missing required element: reported at the next one (31). */
	s = mutate("      <Class>secret</Class>\n", "");
	expect_refused(s, KX_ESCHEMA, "KX002", 31);
	free(s);
	/* Wrong root version. */
	s = mutate("version=\"1\"", "version=\"2\"");
	expect_refused(s, KX_ESCHEMA, "KX002", 2);
	free(s);
	/* Not our root at all. */
	expect_refused("<r xmlns=\"urn:other\"/>", KX_ESCHEMA, "KX002", 1);
}

static void
t_depth_and_size(void **state)
{
	kx_buf b = { 0 };
	char *s;
	int i;

	(void)state;
	/* Deep foreign content inside the header (lax xs:any). */
	for (i = 0; i < KXI_XML_MAX_DEPTH + 5; i++)
		assert_int_equal(kx_buf_printf(&b, "<x:a xmlns:x=\"urn:x\">"),
		    KX_OK);
	for (i = 0; i < KXI_XML_MAX_DEPTH + 5; i++)
		assert_int_equal(kx_buf_printf(&b, "</x:a>"), KX_OK);
	assert_int_equal(kx_buf_append(&b, "\n", 1), KX_OK);
	assert_int_equal(kx_buf_printf(&b, "  </Header>\n"), KX_OK);
	s = mutate("  </Header>\n", (char *)b.data);
	expect_refused(s, KX_ELIMIT, "KX001", 0);
	free(s);
	kx_buf_free(&b);
	/*
	 * No cap on the whole input any more (issue 8 item 5): documents of
	 * many keys stream; the limits are per node (depth above, text
	 * below) and per key (stream.c).
	 */
}

/* ---- streaming --------------------------------------------------------- */
static void
t_iterator(void **state)
{
	static const char *const ids[] = { "ISD-KVN30-ENC", "ISD-KVN30-MAC",
		"ISD-KVN30-DEK" };
	kxi_xml_reader *r = NULL;
	kx_doc *doc = kxi_doc_new();
	kx_key *k;
	kx_buf b;
	size_t i;

	(void)state;
	kxt_slurp(MFR, &b);
	assert_int_equal(kxi_xml_reader_open(b.data, b.len, "m", &r, NULL),
	    KX_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(kxi_xml_reader_next(r, doc, &k, NULL), 1);
		assert_non_null(k);
		/* One key at a time; the header is there from the first. */
		assert_int_equal(doc->nkeys, i + 1);
		assert_ptr_equal(k, &doc->keys[i]);
		assert_string_equal(k->prof.id, ids[i]);
		assert_string_equal(doc->id, "EXCH-2026-0001");
		assert_int_equal(doc->ntks, 1);
	}
	assert_int_equal(kxi_xml_reader_next(r, doc, &k, NULL), 0);
	assert_null(k);
	assert_int_equal(kxi_xml_reader_next(r, doc, &k, NULL), 0);
	kxi_xml_reader_close(r);
	kx_doc_free(doc);
	kx_buf_free(&b);
	kxi_xml_reader_close(NULL);
}

/*
 * A key is handed over only after it validated; a later bad key fails the
 * document.  (The parser validates ahead of the reader by up to a chunk,
 * so the error may come one key early: at least the first key is handed
 * over, never the bad one.)
 */
static void
t_iterator_stops(void **state)
{
	char *s = mutate("<Id>ISD-KVN30-DEK</Id>",
	    "<Id>ISD-KVN30-DEK</Id><Bogus/>");
	kxi_xml_reader *r = NULL;
	kx_doc *doc = kxi_doc_new();
	kx_diag *d = kx_diag_new();
	kx_key *k;
	int rc, n = 1;

	(void)state;
	assert_int_equal(kxi_xml_reader_open((const uint8_t *)s, strlen(s),
	    "m", &r, d), KX_OK);
	assert_int_equal(kxi_xml_reader_next(r, doc, &k, d), 1);
	assert_string_equal(k->prof.id, "ISD-KVN30-ENC");
	while ((rc = kxi_xml_reader_next(r, doc, &k, d)) == 1) {
		assert_string_not_equal(k->prof.id, "ISD-KVN30-DEK");
		n++;
	}
	assert_int_equal(rc, KX_ESCHEMA);
	assert_true(n < 3);
	assert_null(k);
	assert_true(kxt_has_rule(d, "KX002", KX_SEV_ERROR));
	/* It stays failed. */
	assert_int_equal(kxi_xml_reader_next(r, doc, &k, d), KX_ESCHEMA);
	kxi_xml_reader_close(r);
	kx_doc_free(doc);
	kx_diag_free(d);
	free(s);
}

/* Many keys past line 65535: places stay exact (XML_PARSE_BIG_LINES). */
static void
t_big_lines(void **state)
{
	kx_buf in, big = { 0 };
	kx_doc *doc = NULL;
	char *k0, *k1;
	uint32_t line = 1, keylines = 0;
	size_t i, n = 1400, headlen;
	const char *p;

	(void)state;
	kxt_slurp(MFR, &in);
	assert_int_equal(kx_buf_append(&in, "", 1), KX_OK);
	k0 = strstr((char *)in.data, "  <Key>\n");
	k1 = strstr(k0 + 1, "  <Key>\n");
	assert_non_null(k0);
	assert_non_null(k1);
	headlen = (size_t)(k0 - (char *)in.data);
	assert_int_equal(kx_buf_append(&big, in.data, headlen), KX_OK);
	for (p = (char *)in.data; p < k0; p++)
		line += *p == '\n';
	for (p = k0; p < k1; p++)
		keylines += *p == '\n';
	for (i = 0; i < n; i++) {
		assert_int_equal(kx_buf_printf(&big, "  <Key>\n    <Profile>\n"
		    "      <Id>K%05zu</Id>\n", i), KX_OK);
		p = strstr(k0, "      <Name>");
		assert_int_equal(kx_buf_append(&big, p, (size_t)(k1 - p)),
		    KX_OK);
	}
	assert_int_equal(kx_buf_printf(&big, "</KeyExchange>\n"), KX_OK);
	assert_true(line + n * keylines > 70000);
	assert_int_equal(kxi_format_xml.read(big.data, big.len, "big", &doc,
	    NULL), KX_OK);
	assert_int_equal(doc->nkeys, n);
	assert_string_equal(doc->keys[n - 1].prof.id, "K01399");
	assert_int_equal(doc->keys[n - 1].loc[KXF_KEY].line,
	    line + (n - 1) * keylines);
	assert_int_equal(doc->keys[n - 1].loc[KXF_ID].line,
	    line + (n - 1) * keylines + 2);
	kx_doc_free(doc);
	kx_buf_free(&in);
	kx_buf_free(&big);
}

/* ---- extension points ---------------------------------------------------- */
static void
t_foreign(void **state)
{
	char *s = mutate("  </Header>\n",
	    "    <t:Ticket xmlns:t=\"urn:t\">T-1</t:Ticket>\n"
	    "    <t:Deep xmlns:t=\"urn:t\"><t:x>1</t:x></t:Deep>\n"
	    "  </Header>\n");
	char *s2;
	kx_doc *doc = NULL;
	kx_diag *d = kx_diag_new();
	const kx_finding *f;

	(void)state;
	assert_int_equal(read_str(s, &doc, d), KX_OK);
	assert_int_equal(doc->nextensions, 1);
	assert_string_equal(doc->extensions[0].ns, "urn:t");
	assert_string_equal(doc->extensions[0].name, "Ticket");
	assert_string_equal(doc->extensions[0].value, "T-1");
	assert_int_equal(kx_diag_count(d), 1);
	f = kx_diag_get(d, 0);
	assert_string_equal(f->rule, "KX003");
	assert_int_equal(f->severity, KX_SEV_WARNING);
	assert_int_equal(f->line, 10);
	assert_non_null(strstr(f->message, "{urn:t}Deep"));
	kx_doc_free(doc);
	free(s);

	/* In a key (after KcvMethod) and in a transport key. */
	kx_diag_clear(d);
	s = mutate("    <KcvMethod>gp-aes</KcvMethod>\n  </Key>",
	    "    <KcvMethod>gp-aes</KcvMethod>\n"
	    "    <v2:Note xmlns:v2=\"urn:kmsxchg:xml:ns:2\">n</v2:Note>\n"
	    "  </Key>");
	s2 = strstr(s, "    </Components>\n");
	assert_non_null(s2);
	{
		kx_buf b = { 0 };

		assert_int_equal(kx_buf_append(&b, s, (size_t)(s2 - s)),
		    KX_OK);
		assert_int_equal(kx_buf_printf(&b, "    </Components>\n"
		    "    <t:X xmlns:t=\"urn:t\">1</t:X>\n%s",
		    s2 + strlen("    </Components>\n")), KX_OK);
		assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
		assert_int_equal(read_str((char *)b.data, &doc, d), KX_OK);
		kx_buf_free(&b);
	}
	assert_int_equal(doc->keys[0].prof.nextensions, 1);
	assert_string_equal(doc->keys[0].prof.extensions[0].name, "Note");
	assert_string_equal(doc->keys[0].prof.extensions[0].ns,
	    "urn:kmsxchg:xml:ns:2");
	assert_true(kxt_has_rule(d, "KX003", KX_SEV_WARNING));
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 0);
	kx_doc_free(doc);
	kx_diag_free(d);
	free(s);
}

/* Foreign attributes are ignored with KX003; ours are not allowed. */
static void
t_foreign_attrs(void **state)
{
	char *s = mutate("  <Key>\n    <Profile>",
	    "  <Key xmlns:v2=\"urn:v2\" v2:priority=\"high\">\n    <Profile>");
	kx_doc *doc = NULL;
	kx_diag *d = kx_diag_new();
	const kx_finding *f;

	(void)state;
	assert_int_equal(read_str(s, &doc, d), KX_OK);
	assert_int_equal(kx_diag_count(d), 1);
	f = kx_diag_get(d, 0);
	assert_string_equal(f->rule, "KX003");
	assert_int_equal(f->line, 24);
	assert_non_null(strstr(f->message, "{urn:v2}priority"));
	kx_doc_free(doc);
	free(s);
	s = mutate("  <Key>\n    <Profile>", "  <Key priority=\"high\">\n"
	    "    <Profile>");
	expect_refused(s, KX_ESCHEMA, "KX002", 24);
	kx_diag_free(d);
	free(s);
}

/*
 * What semantic rules judge stays readable: a transport key without a
 * KCV (KX133), a zero length (KX101), GP bytes out of range (KX111..).
 */
static void
t_permissive(void **state)
{
	char *s = mutate("    <Kcv>319476</Kcv>\n    <KcvMethod>gp-aes"
	    "</KcvMethod>\n    <Components>", "    <Components>");
	char *s2;
	kx_doc *doc = NULL;
	kx_buf out = { 0 };

	(void)state;
	s2 = strstr(s, "<Kvn>30</Kvn>");
	assert_non_null(s2);
	memcpy(s2, "<Kvn>FF</Kvn>", 13);
	s2 = strstr(s, "<LengthBits>128</LengthBits>");
	assert_non_null(s2);
	memcpy(s2, "<LengthBits>000</LengthBits>", 28);
	assert_int_equal(read_str(s, &doc, NULL), KX_OK);
	assert_null(doc->tks[0].kcv.p);
	assert_int_equal(doc->tks[0].kcv_method, KX_KCV_NONE);
	assert_int_equal(doc->keys[0].prof.gp.kvn, 0xFF);
	assert_int_equal(doc->keys[0].prof.length_bits, 0);
	/* and writes back (the rules, not the writer, judge it) */
	assert_int_equal(kxi_format_xml.write(doc, &out, NULL), KX_OK);
	kx_doc_free(doc);
	kx_buf_free(&out);
	free(s);

	/* A component record that the model cannot hold: KX133. */
	s = mutate("      <Kcv>A740FD</Kcv>\n", "");
	expect_refused(s, KX_ESCHEMA, "KX133", 16);
	free(s);
}

/* ---- detection ----------------------------------------------------------- */
static void
t_detect(void **state)
{
	static const struct {
		const char *s;
		int want;
	} v[] = {
		{ "<KeyExchange xmlns=\"urn:kmsxchg:xml:ns:1\" version=\"1\">",
		  1 },
		{ "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c -->\n"
		  "<kx:KeyExchange version='1' "
		  "xmlns:kx='urn:kmsxchg:xml:ns:1'>",
		  1 },
		{ "<KeyExchange xmlns=\"urn:kmsxchg:xml:ns:2\">", 0 },
		{ "<kx:KeyExchange xmlns=\"urn:kmsxchg:xml:ns:1\" "
		  "xmlns:kx=\"urn:other\">", 0 },
		{ "<KeyProfile xmlns=\"http://namespaces.globalplatform.org/"
		  "systems-profiles/1.1.0\">", 0 },
		{ "<KeyExchangeX xmlns=\"urn:kmsxchg:xml:ns:1\">", 0 },
		{ "0\x82\x01\x00", 0 },
		{ "", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(kxi_format_xml.detect((const uint8_t *)v[i].s,
		    strlen(v[i].s)), v[i].want);
	assert_string_equal(kxi_format_xml.name, "xml");
	assert_int_equal(kxi_format_xml.fmt, KX_FMT_XML);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_read_manufacturer),
		cmocka_unit_test(t_read_full),
		cmocka_unit_test(t_roundtrip_bytes),
		cmocka_unit_test(t_canonicalises),
		cmocka_unit_test(t_write_built),
		cmocka_unit_test(t_xxe),
		cmocka_unit_test(t_billion_laughs),
		cmocka_unit_test(t_dtd_only),
		cmocka_unit_test(t_schema_line),
		cmocka_unit_test(t_depth_and_size),
		cmocka_unit_test(t_iterator),
		cmocka_unit_test(t_iterator_stops),
		cmocka_unit_test(t_big_lines),
		cmocka_unit_test(t_foreign),
		cmocka_unit_test(t_foreign_attrs),
		cmocka_unit_test(t_permissive),
		cmocka_unit_test(t_detect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
