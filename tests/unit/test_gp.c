/*
 * test_gp.c - the GP Systems Profiles KeyProfile spoke (codec/gp.c).
 *
 * Vectors: the ISD samples carry the GlobalPlatform default test key
 * 404142434445464748494A4B4C4D4E4F, whose EIGHTZEROS KCV (GPCS B.6) is
 * 8BAF47 (python-cryptography, and an independent SCP02 implementation's
 * known-answer test); the wrapped value and the KEK's KCV were computed
 * with python-cryptography (TDEA-ECB).  See tests/data/SOURCES.md, section
 * "GP KeyProfile".
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kxtest.h"

#include <dirent.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

static const char *const valid[] = {
	"samples/gp/isd-enc.xml", "samples/gp/isd-mac.xml",
	"samples/gp/isd-dek.xml", "samples/gp/transport-kek.xml",
	"samples/gp/zmk-part1.xml",
};
#define NVALID (sizeof(valid) / sizeof(valid[0]))

static int64_t
t(const char *s)
{
	int64_t v = 0;

	assert_int_equal(kx_time_parse(s, &v), KX_OK);
	return v;
}

static size_t
count_rule(const kx_diag *d, const char *rule)
{
	size_t i, n = 0;

	for (i = 0; i < kx_diag_count(d); i++)
		if (strcmp(kx_diag_get(d, i)->rule, rule) == 0)
			n++;
	return n;
}

static const kx_finding *
find_msg(const kx_diag *d, const char *rule, const char *sub)
{
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++) {
		const kx_finding *f = kx_diag_get(d, i);

		if (strcmp(f->rule, rule) == 0 && strstr(f->message, sub))
			return f;
	}
	return NULL;
}

static kx_doc *
read_ok(const char *rel, kx_diag *d, kx_buf *src)
{
	kx_doc *doc = NULL;

	kxt_slurp(rel, src);
	assert_int_equal(kx_format_detect(src->data, src->len), KX_FMT_GP);
	assert_int_equal(kx_doc_read(src->data, src->len, KX_FMT_AUTO, rel,
	    &doc, d), KX_OK);
	assert_non_null(doc);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 0);
	assert_int_equal(doc->nkeys, 1);
	return doc;
}

static void
assert_bytes(const kxi_bytes *b, const char *hex)
{
	size_t n;
	const uint8_t *p = kxt_hex(hex, &n);

	assert_int_equal(b->n, n);
	assert_memory_equal(b->p, p, n);
}

static void
test_isd_enc(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src;
	kx_doc *doc;
	const kx_key *k;

	(void)state;
	doc = read_ok("samples/gp/isd-enc.xml", d, &src);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_WARNING), 0);
	assert_int_equal(kx_diag_count(d), 1);	/* the tdea2 note */
	k = &doc->keys[0];
	assert_string_equal(doc->id, "FF01");
	assert_string_equal(doc->sender, "4953535545523031");
	assert_int_equal(doc->created, t("2024-01-15T09:30:00Z"));
	assert_string_equal(k->prof.id, "FF01");
	assert_string_equal(k->prof.template_id, "FF01");
	assert_string_equal(k->prof.name, "ISD-ENC");
	assert_string_equal(k->prof.version, "FF");
	assert_int_equal(k->prof.cls, KX_CLASS_SECRET);
	assert_int_equal(k->prof.alg, KX_ALG_TDEA2);
	assert_int_equal(k->prof.length_bits, 128);
	assert_int_equal(k->prof.usage, KX_USAGE_BIT(KX_U_ENCRYPT) |
	    KX_USAGE_BIT(KX_U_DECRYPT) | KX_USAGE_BIT(KX_U_DERIVE));
	assert_int_equal(k->prof.mode, KX_KEYMODE_TEST);
	assert_int_equal(k->prof.state, KX_STATE_ACTIVE);
	assert_true(k->prof.export_.allowed);
	assert_true(k->prof.import_.allowed);
	assert_true(k->prof.sensitive);
	/* date-only: start 00:00:00Z, end 23:59:59Z (model.md b.1) */
	assert_int_equal(k->prof.not_before, t("2024-01-15T00:00:00Z"));
	assert_int_equal(k->prof.not_after, t("2026-12-31T23:59:59Z"));
	assert_int_equal(k->kcv_method, KX_KCV_GP_DES);
	assert_bytes(&k->kcv, "8BAF47");
	assert_int_equal(k->value.form, KX_VALUE_WRAPPED);
	assert_int_equal(k->value.alg, KX_WRAP_TDEA_ECB);
	assert_string_equal(k->value.kek_id, "4B454B3031");
	assert_bytes(&k->value.data, "13893F6EAD67582CCD80D02A960E2FFF");
	assert_int_equal(doc->ntks, 1);
	assert_string_equal(doc->tks[0].id, "4B454B3031");
	assert_string_equal(doc->tks[0].owner, "4953535545523031");
	assert_int_equal(doc->tks[0].alg, KX_ALG_TDEA2);
	assert_int_equal(doc->tks[0].length_bits, 128);
	assert_int_equal(k->prof.nrevisions, 1);
	assert_string_equal(k->prof.revisions[0].by, "ISSUER01 key ceremony");
	assert_int_equal(k->loc[KXF_KEY].line, 7);
	kx_doc_free(doc);
	kx_buf_free(&src);
	kx_diag_free(d);
}

static void
test_isd_mac_dek_kek(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src;
	kx_doc *doc;
	const kx_key *k;

	(void)state;
	/* Sign/Verify on a SECRET key are MAC usages (model.md c.2) */
	doc = read_ok("samples/gp/isd-mac.xml", d, &src);
	k = &doc->keys[0];
	assert_int_equal(k->prof.usage, KX_USAGE_BIT(KX_U_MAC_GENERATE) |
	    KX_USAGE_BIT(KX_U_MAC_VERIFY) | KX_USAGE_BIT(KX_U_DERIVE));
	kx_doc_free(doc);
	kx_buf_free(&src);

	doc = read_ok("samples/gp/isd-dek.xml", d, &src);
	k = &doc->keys[0];
	assert_int_equal(k->prof.usage, KX_USAGE_BIT(KX_U_WRAP) |
	    KX_USAGE_BIT(KX_U_UNWRAP) | KX_USAGE_BIT(KX_U_DERIVE));
	assert_string_equal(k->prof.id, "FF03");
	kx_doc_free(doc);
	kx_buf_free(&src);

	doc = read_ok("samples/gp/transport-kek.xml", d, &src);
	k = &doc->keys[0];
	assert_int_equal(k->prof.usage, KX_USAGE_BIT(KX_U_WRAP) |
	    KX_USAGE_BIT(KX_U_UNWRAP) | KX_USAGE_BIT(KX_U_REWRAP));
	assert_false(k->prof.export_.allowed);
	assert_int_equal(k->value.form, KX_VALUE_NONE);
	assert_bytes(&k->kcv, "08D7B4");
	assert_int_equal(k->prof.nrevisions, 2);
	/* created: earliest revision; the document: the latest */
	assert_int_equal(k->prof.created, t("2024-01-10T14:00:00Z"));
	assert_int_equal(doc->created, t("2024-01-12T08:15:00Z"));
	assert_bytes(&k->prof.revisions[1].digest, "00000000");
	kx_doc_free(doc);
	kx_buf_free(&src);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_WARNING), 0);
	kx_diag_free(d);
}

/*
 * The ISD samples' bytes are what they claim: the wrapped value unwraps
 * under the KEK (tdea-ecb) to the GP default key, whose gp-des KCV is the
 * sample's KCV, and the KEK's KCV is the one in transport-kek.xml.
 */
static void
test_sample_crypto(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src, src2;
	kx_doc *doc = read_ok("samples/gp/isd-dek.xml", d, &src);
	kx_doc *kek_doc = read_ok("samples/gp/transport-kek.xml", d, &src2);
	const kx_key *k = &doc->keys[0];
	kx_secret *kek = NULL, *key = NULL;
	uint8_t kcv[3];
	size_t n;
	const uint8_t *p;

	(void)state;
	p = kxt_hex("0123456789ABCDEFFEDCBA9876543210", &n);
	assert_int_equal(kx_secret_from(p, n, &kek), KX_OK);
	assert_int_equal(kx_kcv_compute(KX_ALG_TDEA2, KX_KCV_GP_DES, kek, kcv,
	    3, d), KX_OK);
	assert_memory_equal(kcv, kek_doc->keys[0].kcv.p, 3);
	assert_int_equal(kx_unwrap(k->value.alg, kek, k->value.data.p,
	    k->value.data.n, NULL, 0, &key, d), KX_OK);
	p = kxt_hex("404142434445464748494A4B4C4D4E4F", &n);
	assert_int_equal(kx_secret_len(key), n);
	assert_memory_equal(kx_secret_data(key), p, n);
	assert_int_equal(kx_kcv_compute(k->prof.alg, k->kcv_method, key, kcv,
	    3, d), KX_OK);
	assert_memory_equal(kcv, k->kcv.p, 3);
	kx_secret_free(key);
	kx_secret_free(kek);
	kx_doc_free(doc);
	kx_doc_free(kek_doc);
	kx_buf_free(&src);
	kx_buf_free(&src2);
	kx_diag_free(d);
}

/* KeyPart: one XOR component, wrapped with TDEA-CBC and an ICV. */
static void
test_key_part(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src;
	kx_doc *doc = read_ok("samples/gp/zmk-part1.xml", d, &src);
	const kx_key *k = &doc->keys[0];
	kx_secret *kek = NULL, *part = NULL;
	uint8_t kcv[3];
	size_t n;
	const uint8_t *p;

	(void)state;
	assert_int_equal(k->prof.split.n, 2);
	assert_int_equal(k->prof.split.method, KX_SPLIT_XOR);
	assert_int_equal(k->value.form, KX_VALUE_COMPONENTS);
	assert_int_equal(k->value.ncomponents, 1);
	assert_int_equal(k->value.components[0].index, 1);
	assert_int_equal(k->value.alg, KX_WRAP_TDEA_CBC);
	assert_bytes(&k->value.iv, "0000000000000000");
	assert_bytes(&k->value.components[0].kcv, "4E6CDD");
	/* the part unwraps (TDEA-CBC, zero ICV) to a value with that KCV */
	p = kxt_hex("0123456789ABCDEFFEDCBA9876543210", &n);
	assert_int_equal(kx_secret_from(p, n, &kek), KX_OK);
	assert_int_equal(kx_unwrap(KX_WRAP_TDEA_CBC, kek,
	    k->value.components[0].wrapped.p, k->value.components[0].wrapped.n,
	    NULL, 0, &part, d), KX_OK);
	assert_int_equal(kx_kcv_compute(KX_ALG_TDEA2, KX_KCV_GP_DES, part, kcv,
	    3, d), KX_OK);
	assert_memory_equal(kcv, k->value.components[0].kcv.p, 3);
	kx_secret_free(part);
	kx_secret_free(kek);
	kx_doc_free(doc);
	kx_buf_free(&src);
	kx_diag_free(d);
}

/* read -> write gives the sample back byte for byte, with no loss. */
static void
test_roundtrip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NVALID; i++) {
		kx_diag *d = kx_diag_new();
		kx_buf src, out = { 0 }, again = { 0 };
		kx_doc *doc = read_ok(valid[i], d, &src), *doc2 = NULL;

		assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &out, d), KX_OK);
		if (out.len != src.len || memcmp(out.data, src.data,
		    src.len) != 0)
			fail_msg("%s: written form differs:\n%.*s", valid[i],
			    (int)out.len, (const char *)out.data);
		assert_int_equal(kx_doc_read(out.data, out.len, KX_FMT_GP,
		    "again", &doc2, d), KX_OK);
		assert_int_equal(kx_doc_write(doc2, KX_FMT_GP, &again, d),
		    KX_OK);
		assert_int_equal(again.len, out.len);
		assert_memory_equal(again.data, out.data, out.len);
		assert_int_equal(kx_diag_count_at(d, KX_SEV_WARNING), 0);
		kx_doc_free(doc);
		kx_doc_free(doc2);
		kx_buf_free(&src);
		kx_buf_free(&out);
		kx_buf_free(&again);
		kx_diag_free(d);
	}
}

/* write -> read -> write is stable for documents with quirks too. */
static void
stable(const kx_doc *doc)
{
	kx_diag *d = kx_diag_new();
	kx_buf a = { 0 }, b = { 0 };
	kx_doc *back = NULL;

	assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &a, d), KX_OK);
	assert_int_equal(kx_doc_read(a.data, a.len, KX_FMT_GP, "w1", &back,
	    d), KX_OK);
	assert_int_equal(kx_doc_write(back, KX_FMT_GP, &b, d), KX_OK);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_int_equal(a.data[a.len - 1], '\n');
	assert_null(memchr(a.data, '\r', a.len));
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 0);
	kx_doc_free(back);
	kx_buf_free(&a);
	kx_buf_free(&b);
	kx_diag_free(d);
}

/* OpenSCDP's saveAsXML shape: GP data throughout, nothing to report. */
static void
test_openscdp(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src;
	kx_doc *doc;
	const kx_key *k;

	(void)state;
	doc = read_ok("samples/gp/openscdp-ec-private.xml", d, &src);
	/* arrayElement/arrayIndex on Revisions and Value are GP's own */
	assert_int_equal(kx_diag_count(d), 0);
	k = &doc->keys[0];
	assert_int_equal(k->prof.cls, KX_CLASS_PRIVATE);
	assert_int_equal(k->prof.alg, KX_ALG_EC);
	assert_int_equal(k->prof.length_bits, 256);
	/* brainpoolP256r1, RFC 5639 */
	assert_string_equal(k->prof.ec_curve, "1.3.36.3.3.2.8.1.1.7");
	assert_true(k->prof.usage & KX_USAGE_BIT(KX_U_SIGN));
	assert_false(k->prof.usage & KX_USAGE_BIT(KX_U_MAC_GENERATE));
	/* both components kept by name, in order, as value parts */
	assert_int_equal(k->value.form, KX_VALUE_CLEAR);
	assert_int_equal(k->value.clear.n, 0);
	assert_int_equal(k->value.nparts, 2);
	assert_string_equal(k->value.parts[0].name, "ECC_CURVE_OID");
	assert_bytes(&k->value.parts[0].data, "2B2403030208010107");
	assert_string_equal(k->value.parts[1].name, "ECC_D");
	assert_int_equal(k->value.parts[1].data.n, 32);
	assert_int_equal(k->value.parts[1].order, KX_UNSET);
	assert_true(doc->arena.wipe);
	assert_false(k->prof.sensitive);
	stable(doc);
	kx_doc_free(doc);
	kx_buf_free(&src);
	kx_diag_free(d);
}

static void
test_artefact_vendor_112(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src;
	kx_doc *doc;
	const kx_key *k;

	(void)state;
	doc = read_ok("samples/gp/artefacts/vendor-112-aes.xml", d, &src);
	/* the 1.1.2 namespace and its SubType AES are GP's: a note only */
	assert_non_null(find_msg(d, "", "1.1.2 read as 1.1.0"));
	assert_null(find_msg(d, "KX004", "SubType AES"));
	assert_non_null(find_msg(d, "KX004", "Revisions without "
	    "@arrayElement and @arrayIndex"));
	assert_non_null(find_msg(d, "KX003", "kms:Slot on KeyInfo"));
	assert_non_null(find_msg(d, "KX003", "kms:Label on KeyInfo"));
	assert_non_null(find_msg(d, "KX003", "kms:HsmInfo in KeyProfile"));
	assert_int_equal(count_rule(d, "KX003"), 3);
	assert_int_equal(count_rule(d, "KX004"), 1);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 0);
	k = &doc->keys[0];
	assert_int_equal(k->prof.alg, KX_ALG_AES);
	assert_int_equal(k->prof.length_bits, 128);
	assert_int_equal(k->prof.mode, KX_KEYMODE_PRODUCTION);
	/* 10:00:00+09:00 */
	assert_int_equal(doc->created, t("2025-03-01T01:00:00Z"));
	/* vendor attributes kept as extensions; ProfileVersion 1.1.2 too */
	assert_int_equal(k->prof.nextensions, 4);
	assert_string_equal(k->prof.extensions[3].name,
	    "KeyProfile/@ProfileVersion");
	assert_string_equal(k->prof.extensions[3].value, "1.1.2");
	assert_string_equal(k->prof.extensions[0].ns,
	    "urn:example:vendor-kms:1");
	assert_string_equal(k->prof.extensions[0].name, "KeyInfo/@Slot");
	assert_string_equal(k->prof.extensions[0].value, "3");
	stable(doc);
	kx_doc_free(doc);
	kx_buf_free(&src);
	kx_diag_free(d);
}

static void
test_artefact_v10(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src;
	kx_doc *doc;
	const kx_key *k;

	(void)state;
	doc = read_ok("samples/gp/artefacts/v10-dates-111.xml", d, &src);
	assert_non_null(find_msg(d, "", "1.1.1 read as 1.1.0"));
	assert_non_null(find_msg(d, "KX004", "Revisions without"));
	assert_non_null(find_msg(d, "KX004", "StartDate '20080601'"));
	assert_non_null(find_msg(d, "KX004", "RecovationDate"));
	assert_non_null(find_msg(d, "KX004", "Revision/@Date"));
	assert_non_null(find_msg(d, "KX004", "Permanent"));
	assert_non_null(find_msg(d, "KX004", "VerifyRecover"));
	assert_int_equal(count_rule(d, "KX004"), 7);
	assert_int_equal(kx_diag_count(d), 8);
	k = &doc->keys[0];
	assert_int_equal(k->prof.cls, KX_CLASS_PUBLIC);
	assert_int_equal(k->prof.alg, KX_ALG_RSA);
	assert_int_equal(k->prof.rsa_e, 65537);
	assert_int_equal(k->prof.state, KX_STATE_COMPROMISED);
	assert_int_equal(k->prof.revoked_at, t("2012-03-01T00:00:00Z"));
	assert_int_equal(k->prof.not_after, t("2018-12-31T23:59:59Z"));
	assert_int_equal(k->prof.permanent, KXI_TRI_TRUE);
	assert_int_equal(k->prof.usage, KX_USAGE_BIT(KX_U_VERIFY) |
	    KX_USAGE_BIT(KX_U_VERIFY_RECOVER));
	stable(doc);
	kx_doc_free(doc);
	kx_buf_free(&src);
	kx_diag_free(d);
}

static void
invalid(const char *rel, int rc, const char *rule, uint32_t line)
{
	kx_diag *d = kx_diag_new();
	kx_buf src;
	kx_doc *doc = NULL;
	size_t i;
	int seen = 0;

	kxt_slurp(rel, &src);
	assert_int_equal(kx_doc_read(src.data, src.len, KX_FMT_GP, rel, &doc,
	    d), rc);
	assert_null(doc);
	for (i = 0; i < kx_diag_count(d); i++) {
		const kx_finding *f = kx_diag_get(d, i);

		if (strcmp(f->rule, rule) == 0 && f->severity ==
		    KX_SEV_ERROR && f->line == line)
			seen = 1;
	}
	if (!seen)
		fail_msg("%s: no %s error at line %u (first: %s:%u %s)", rel,
		    rule, line, kx_diag_count(d) ? kx_diag_get(d, 0)->rule :
		    "-", kx_diag_count(d) ? kx_diag_get(d, 0)->line : 0,
		    kx_diag_count(d) ? kx_diag_get(d, 0)->message : "-");
	kx_buf_free(&src);
	kx_diag_free(d);
}

static void
test_invalid(void **state)
{
	(void)state;
	invalid("samples/gp/invalid/missing-type.xml", KX_ESCHEMA, "KX002",
	    6);
	invalid("samples/gp/invalid/bad-size.xml", KX_ESCHEMA, "KX002", 6);
	invalid("samples/gp/invalid/not-well-formed.xml", KX_ESYNTAX,
	    "KX001", 10);
}

static int
read_mem(const char *xml, kx_diag *d, kx_doc **doc)
{
	return kx_doc_read((const uint8_t *)xml, strlen(xml), KX_FMT_GP,
	    "mem", doc, d);
}

/* samples/keys/test-ec-p256.pem and test-rsa-2048.pem, as openssl gives
 * them (pkey -pubout -outform DER; dgst -sha256) */
#define EC_QX "4983601E794D32927910A59DC7474CB16CF1C408D5474828668F172E205A5387"
#define EC_QY "223129E20C87FB01A75E92E18885879B187E36E9E308A0FBAF93335E360E7DDF"
#define EC_SPKI "3059301306072A8648CE3D020106082A8648CE3D03010703420004" \
	EC_QX EC_QY
#define EC_FP "85BECF06AAA18E8A6AB9EF8744E4178FA1A450E4A760D880A405DD366A5989DC"
#define RSA_FP "68C38A7ED34786CB5BCDE6E8E2D39A1FCDE4DDC75AAFD99E821B0D2342622243"

#define GP_HEAD "<KeyProfile xmlns=\"http://namespaces.globalplatform.org/" \
	"systems-profiles/1.1.0\" UniqueID=\"01\" ProfileVersion=\"1.1.0\">" \
	"<Revisions><Revision Version=\"1\" Date=\"2024-01-01\" " \
	"Time=\"00:00:00\" By=\"x\" Digest=\"\"/></Revisions>\n"

static void
test_hostile_and_edges(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_doc *doc = NULL;

	(void)state;
	/* the hardened parser: no DTD, so no external entity */
	assert_int_not_equal(read_mem("<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE KeyProfile [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "\n" GP_HEAD "<KeyInfo Name=\"&x;\" Type=\"SECRET\" "
	    "SubType=\"DES\" Size=\"64\"/><Attribute/><Usage/>"
	    "</KeyProfile>", d, &doc), KX_OK);
	assert_null(doc);
	assert_true(kxt_has_rule(d, "KX001", KX_SEV_ERROR));
	kx_diag_clear(d);
	/* EC public key (samples/keys/test-ec-p256.pem): every named
	 * component kept as a part, the public key and its fingerprint the
	 * ones openssl gives (pkey -pubout; dgst -sha256) */
	assert_int_equal(read_mem(GP_HEAD "<KeyInfo Type=\"PUBLIC\" "
	    "SubType=\"EC\" Size=\"256\"/><Attribute/><Usage Verify=\"true\"/>"
	    "<Value Format=\"ECPUBLIC\"><Component Name=\"ECC_CURVE_OID\" "
	    "Value=\"2A8648CE3D030107\" Encoding=\"HEX\"/>\n<Component "
	    "Name=\"ECC_QX\" Value=\"SYNgHnlNMpJ5EKWdx0dMsWzxxAjVR0goZo8XLiBa"
	    "U4c=\" Encoding=\"BASE64\"/>\n<Component Name=\"ECC_QY\" "
	    "Value=\"" EC_QY "\"/></Value></KeyProfile>", d, &doc), KX_OK);
	assert_string_equal(doc->keys[0].prof.ec_curve, "1.2.840.10045.3.1.7");
	assert_int_equal(doc->keys[0].prof.usage, KX_USAGE_BIT(KX_U_VERIFY));
	assert_int_equal(doc->keys[0].value.nparts, 3);
	assert_string_equal(doc->keys[0].value.parts[1].name, "ECC_QX");
	assert_bytes(&doc->keys[0].value.parts[1].data, EC_QX);
	assert_string_equal(doc->keys[0].value.parts[2].name, "ECC_QY");
	assert_bytes(&doc->keys[0].value.parts[2].data, EC_QY);
	assert_bytes(&doc->keys[0].prof.spki, EC_SPKI);
	assert_int_equal(doc->keys[0].kcv_method, KX_KCV_SPKI_SHA256);
	assert_bytes(&doc->keys[0].kcv, EC_FP);
	/* the missing list attributes: one legacy finding, its line */
	assert_non_null(find_msg(d, "KX004", "Value without"));
	assert_int_equal(find_msg(d, "KX004", "Value without")->line, 2);
	assert_null(find_msg(d, "KX003", "ECC_QY"));
	stable(doc);
	kx_doc_free(doc);
	doc = NULL;
	kx_diag_clear(d);
	/* the model holds 64 named parts of up to 64 KiB: more is refused */
	{
		kx_buf big = { 0 };
		int i;
		const char *ki = "<KeyInfo Type=\"PUBLIC\" SubType=\"EC\" "
		    "Size=\"256\"/><Attribute/><Usage/><Value>";

		assert_int_equal(kx_buf_append(&big, GP_HEAD, strlen(GP_HEAD)),
		    KX_OK);
		assert_int_equal(kx_buf_append(&big, ki, strlen(ki)), KX_OK);
		for (i = 0; i < 65; i++) {
			char c[64];

			snprintf(c, sizeof(c), "<Component Name=\"P%d\" "
			    "Value=\"01\"/>", i);
			assert_int_equal(kx_buf_append(&big, c, strlen(c)),
			    KX_OK);
		}
		assert_int_equal(kx_buf_append(&big, "</Value></KeyProfile>",
		    sizeof("</Value></KeyProfile>")), KX_OK);	/* and NUL */
		assert_int_equal(read_mem((const char *)big.data, d, &doc),
		    KX_ESCHEMA);
		assert_non_null(find_msg(d, "KX002", "more than 64 named"));
		assert_null(doc);
		kx_buf_free(&big);
		kx_diag_clear(d);
	}
	/* a KCVSize without KCVAlgorithm or KCV is kept as it is */
	assert_int_equal(read_mem(GP_HEAD "<KeyInfo Type=\"SECRET\" "
	    "SubType=\"DES\" Size=\"128\" KCVSize=\"4\"/><Attribute/>"
	    "<Usage Wrap=\"true\"/></KeyProfile>", d, &doc), KX_OK);
	{
		kx_buf o = { 0 };

		assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &o, d), KX_OK);
		assert_int_equal(kx_buf_append(&o, "", 1), KX_OK);
		assert_non_null(strstr((const char *)o.data, " KCVSize=\"4\""));
		assert_null(strstr((const char *)o.data, "KCVAlgorithm"));
		kx_buf_free(&o);
	}
	kx_doc_free(doc);
	doc = NULL;
	kx_diag_clear(d);
	/* the unnamed value's Order and BASE64 encoding are kept */
	assert_int_equal(read_mem(GP_HEAD "<KeyInfo Type=\"SECRET\" "
	    "SubType=\"DES\" Size=\"128\" Mode=\"TEST\"/><Attribute/>"
	    "<Usage Wrap=\"true\"/><Value><Component Order=\"2\" "
	    "Value=\"E4k/bq1nWCzNgNAqlg4v/w==\" Encoding=\"BASE64\"/>"
	    "</Value></KeyProfile>", d, &doc), KX_OK);
	assert_bytes(&doc->keys[0].value.clear,
	    "13893F6EAD67582CCD80D02A960E2FFF");
	{
		kx_buf o = { 0 };

		assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &o, d), KX_OK);
		assert_int_equal(kx_buf_append(&o, "", 1), KX_OK);
		assert_non_null(strstr((const char *)o.data, "<Component "
		    "Order=\"2\" Value=\"E4k/bq1nWCzNgNAqlg4v/w==\" "
		    "Encoding=\"BASE64\"/>"));
		kx_buf_free(&o);
	}
	kx_doc_free(doc);
	doc = NULL;
	kx_diag_clear(d);
	/* a Revision's Signature (content left open by GP) is reported */
	assert_int_equal(read_mem("<KeyProfile xmlns=\"http://namespaces."
	    "globalplatform.org/systems-profiles/1.1.0\" UniqueID=\"01\" "
	    "ProfileVersion=\"1.1.0\"><Revisions arrayElement=\"Revision\" "
	    "arrayIndex=\"#\"><Revision Version=\"1\" Date=\"2024-01-01\" "
	    "Time=\"00:00:00\" By=\"x\" Digest=\"\"><Signature>AB"
	    "</Signature></Revision></Revisions><KeyInfo Type=\"SECRET\" "
	    "SubType=\"DES\" Size=\"64\"/><Attribute/><Usage/>"
	    "</KeyProfile>", d, &doc), KX_OK);
	assert_non_null(find_msg(d, "KX003", "Revision/Signature is not "
	    "kept"));
	kx_doc_free(doc);
	doc = NULL;
	kx_diag_clear(d);
	/* impossible values refuse the document, naming the place */
	assert_int_equal(read_mem(GP_HEAD "<KeyInfo Type=\"SECRET\" "
	    "SubType=\"RSA\" Size=\"2048\"/><Attribute/><Usage/>"
	    "</KeyProfile>", d, &doc), KX_ESCHEMA);
	assert_non_null(find_msg(d, "KX002", "SECRET key cannot be RSA"));
	assert_int_equal(read_mem(GP_HEAD "<KeyInfo Type=\"SECRET\" "
	    "SubType=\"DES\" Size=\"128\" StartDate=\"2025-01-01\" "
	    "EndDate=\"2024-01-01\"/><Attribute/><Usage/></KeyProfile>", d,
	    &doc), KX_ESCHEMA);
	assert_non_null(find_msg(d, "KX002", "EndDate is before"));
	assert_int_equal(read_mem(GP_HEAD "<KeyInfo Type=\"SECRET\" "
	    "SubType=\"DES\" Size=\"128\"><KeyPart NumberOfParts=\"1\" "
	    "PartNumber=\"2\"/></KeyInfo><Attribute/><Usage/></KeyProfile>",
	    d, &doc), KX_ESCHEMA);
	assert_non_null(find_msg(d, "KX002", "KeyPart needs"));
	assert_null(doc);
	kx_diag_free(d);
}

static kx_doc *
rich_doc(void)
{
	kx_doc *doc = kxi_doc_new();
	kx_key *k;
	kxi_relation_ref *rel;
	kxi_arena *a;

	assert_non_null(doc);
	a = &doc->arena;
	doc->id = kxi_strdup(a, "xchg-2025-001");
	doc->sender = kxi_strdup(a, "issuer-bank");
	doc->created = t("2025-01-01T00:00:00Z");
	k = kxi_doc_add_key(doc);
	assert_non_null(k);
	k->prof.id = kxi_strdup(a, "isd-enc-30");
	k->prof.owner = kxi_strdup(a, "issuer-bank");
	k->prof.cls = KX_CLASS_SECRET;
	k->prof.alg = KX_ALG_AES;
	k->prof.length_bits = 128;
	k->prof.usage = KX_USAGE_BIT(KX_U_ENCRYPT) |
	    KX_USAGE_BIT(KX_U_CRYPTOGRAM);
	k->prof.role = KX_ROLE_GP_ENC;
	k->prof.has_gp = true;
	k->prof.gp.kvn = 0x30;
	k->prof.gp.kid = 1;
	k->prof.gp.scp = KX_SCP03;
	k->prof.state = KX_STATE_SUSPENDED;
	k->prof.not_before = t("2025-01-01T10:00:00Z");
	k->prof.cryptoperiod = kxi_strdup(a, "P2Y");
	assert_int_equal(kxi_strlist_add(a, &k->prof.custodians, "alice"),
	    KX_OK);
	assert_int_equal(kxi_strlist_add(a,
	    &k->prof.export_.destinations, "card-maker"), KX_OK);
	k->prof.export_.allowed = true;
	k->prof.export_.min_wrap_strength = 128;
	rel = kxi_array_push(a, (void **)&k->prof.relations,
	    &k->prof.nrelations, sizeof(*rel));
	assert_non_null(rel);
	rel->type = KX_REL_DERIVED_FROM;
	rel->ref = kxi_strdup(a, "master");
	k->kcv_method = KX_KCV_GP_AES;
	assert_int_equal(kxi_hex_decode(a, "AABBCC", &k->kcv), KX_OK);
	k->value.form = KX_VALUE_WRAPPED;
	k->value.alg = KX_WRAP_AES_SIV_BOUND;
	k->value.kek_id = kxi_strdup(a, "kek-1");
	assert_int_equal(kxi_hex_decode(a, "00112233445566778899AABBCCDDEEFF"
	    "00112233445566778899AABBCCDDEEFF", &k->value.data), KX_OK);
	return doc;
}

/* rich_doc with what GP's header and TransportKey cannot hold either. */
static kx_doc *
richer_doc(void)
{
	kx_doc *doc = rich_doc();
	kx_key *k = &doc->keys[0];
	kxi_extension *e;
	kxi_revision *rv;
	kxi_tk *tk;
	kxi_arena *a = &doc->arena;

	e = kxi_array_push(a, (void **)&doc->extensions, &doc->nextensions,
	    sizeof(*e));
	assert_non_null(e);
	e->ns = "urn:x";
	e->name = "batch";
	e->value = "7";
	/* GP dates the document by this revision, not by doc->created */
	rv = kxi_array_push(a, (void **)&k->prof.revisions,
	    &k->prof.nrevisions, sizeof(*rv));
	assert_non_null(rv);
	rv->version = "1.0.0";
	rv->date = t("2024-06-01T00:00:00Z");
	k->prof.split.method = KX_SPLIT_XOR;	/* and no N */
	assert_non_null(tk = kxi_doc_add_tk(doc));
	tk->id = "kek-1";
	tk->alg = KX_ALG_AES;
	tk->length_bits = 256;
	tk->trusted = true;
	tk->kcv_method = KX_KCV_GP_AES;
	assert_int_equal(kxi_hex_decode(a, "319476", &tk->kcv), KX_OK);
	assert_non_null(tk = kxi_doc_add_tk(doc));
	tk->id = "kek-other";
	tk->alg = KX_ALG_TDEA2;
	tk->length_bits = 128;
	return doc;
}

static void
test_lost_header_tk(void **state)
{
	static const char *const expect[] = {
		"document extension batch", "the document created time",
		"split method xor (no number of parts)",
		"transport key kek-1 algorithm aes/256", "transport key kek-1 KCV",
		"transport key kek-1 trusted",
		"transport key kek-other (not this key's)",
	};
	kx_diag *d = kx_diag_new();
	kx_doc *doc = richer_doc();
	kx_buf out = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &out, d), KX_OK);
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		if (find_msg(d, "KX009", expect[i]) == NULL)
			fail_msg("no KX009 for '%s'", expect[i]);
	kx_doc_free(doc);
	kx_buf_free(&out);
	kx_diag_free(d);
}

/* The profile's public key as the parts' text (a writer's output). */
static int
has_text(const kx_buf *o, const char *text)
{
	return memmem(o->data, o->len, text, strlen(text)) != NULL;
}

/*
 * Named public parts <-> the profile's SubjectPublicKeyInfo: read into the
 * SPKI and its spki-sha256 fingerprint (known answers from openssl), the
 * parts written back as they were, a public key with no parts written as
 * its numbers, and what cannot go reported (KX009) or refused (KX002).
 */
static void
test_public_parts(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src = { 0 }, o = { 0 }, in = { 0 };
	kx_doc *doc, *back = NULL;
	kx_key *k;
	size_t n;
	const uint8_t *p;

	(void)state;
	/* RSA: MODULUS + EXPONENT, the SPKI of the test key */
	doc = read_ok("samples/gp/rsa2048-public.xml", d, &src);
	k = &doc->keys[0];
	assert_int_equal(k->prof.spki.n, 294);
	assert_memory_equal(k->prof.spki.p, "\x30\x82\x01\x22\x30\x0D", 6);
	assert_int_equal(k->kcv_method, KX_KCV_SPKI_SHA256);
	assert_bytes(&k->kcv, RSA_FP);
	/* written back byte for byte, nothing reported lost */
	assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &o, d), KX_OK);
	assert_int_equal(count_rule(d, "KX009"), 0);
	assert_int_equal(o.len, src.len);
	assert_memory_equal(o.data, src.data, src.len);
	/* without its parts, the public key is written as its numbers */
	k->value.form = KX_VALUE_NONE;
	k->value.nparts = 0;
	k->prof.export_.forms = 0;
	o.len = 0;
	assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &o, d), KX_OK);
	assert_int_equal(count_rule(d, "KX009"), 0);
	assert_true(has_text(&o, "<Component Name=\"MODULUS\" Value=\"A8918"));
	assert_true(has_text(&o, "<Component Name=\"EXPONENT\" "
	    "Value=\"010001\""));
	assert_int_equal(kx_doc_read(o.data, o.len, KX_FMT_GP, "out", &back,
	    d), KX_OK);
	assert_int_equal(back->keys[0].prof.spki.n, k->prof.spki.n);
	assert_memory_equal(back->keys[0].prof.spki.p, k->prof.spki.p,
	    k->prof.spki.n);
	kx_doc_free(back);
	back = NULL;
	/* a private key's public key has no GP place without its parts */
	k->prof.cls = KX_CLASS_PRIVATE;
	kx_diag_clear(d);
	o.len = 0;
	assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &o, d), KX_OK);
	assert_non_null(find_msg(d, "KX009", "public key (SubjectPublicKeyInfo"
	    ") of a private key"));
	assert_false(has_text(&o, "MODULUS"));
	kx_doc_free(doc);
	kx_diag_clear(d);
	kx_buf_free(&src);

	/* EC: a compressed point is written uncompressed, and says so */
	doc = read_ok("samples/gp/ec-p256-public.xml", d, &src);
	k = &doc->keys[0];
	assert_bytes(&k->prof.spki, EC_SPKI);
	assert_bytes(&k->kcv, EC_FP);
	k->value.form = KX_VALUE_NONE;
	k->value.nparts = 0;
	k->prof.export_.forms = 0;
	k->kcv.n = 0;
	k->kcv_method = KX_KCV_NONE;
	p = kxt_hex("3039301306072A8648CE3D020106082A8648CE3D03010703220003"
	    EC_QX, &n);
	k->prof.spki.p = kxi_memdup(&doc->arena, p, n);
	k->prof.spki.n = n;
	o.len = 0;
	assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &o, d), KX_OK);
	assert_non_null(find_msg(d, "KX009", "the encoding of the public key"));
	assert_true(has_text(&o, "<Component Name=\"ECC_QY\" Value=\"" EC_QY
	    "\""));
	kx_doc_free(doc);
	kx_diag_clear(d);

	/* parts that are no key are refused, with their line */
	assert_int_equal(kx_buf_append(&in, src.data, src.len), KX_OK);
	assert_int_equal(kx_buf_append(&in, "", 1), KX_OK);
	memcpy(strstr((char *)in.data, EC_QX), "4983601F", 8);
	assert_int_equal(read_mem((const char *)in.data, d, &doc), KX_ESCHEMA);
	assert_null(doc);
	assert_non_null(find_msg(d, "KX002", "point of the curve"));
	kx_diag_clear(d);
	memcpy(strstr((char *)in.data, "ECC_QY"), "ECC_QZ", 6);
	assert_int_equal(read_mem((const char *)in.data, d, &doc), KX_ESCHEMA);
	assert_non_null(find_msg(d, "KX002", "ECC_QX and ECC_QY need"));
	assert_int_equal(find_msg(d, "KX002", "ECC_QX and ECC_QY")->line, 10);
	kx_buf_free(&in);
	kx_buf_free(&src);
	kx_buf_free(&o);
	kx_diag_free(d);
}

/*
 * Every family with coordinates, keys made by OpenSSL: its SPKI split into
 * numbers and built again is the same DER (crypto/asym.c), and a PUBLIC
 * key with only its SPKI goes to GP as parts and back with that SPKI and
 * nothing reported lost.  Ed25519 has no numbers GP names: KX009.
 */
static void
test_public_numbers(void **state)
{
	static const struct {
		const char *type, *param, *oid;
		enum kx_alg alg;
		unsigned bits;
	} keys[] = {
		{ "EC", "P-256", "1.2.840.10045.3.1.7", KX_ALG_EC, 256 },
		{ "EC", "P-384", "1.3.132.0.34", KX_ALG_EC, 384 },
		{ "EC", "P-521", "1.3.132.0.35", KX_ALG_EC, 521 },
		{ "EC", "brainpoolP384r1", "1.3.36.3.3.2.8.1.1.11", KX_ALG_EC,
		    384 },
		{ "EC", "brainpoolP512r1", "1.3.36.3.3.2.8.1.1.13", KX_ALG_EC,
		    512 },
		{ "RSA", NULL, NULL, KX_ALG_RSA, 1024 },
		{ "ED25519", NULL, "1.3.101.112", KX_ALG_EC, 255 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		EVP_PKEY *pk = keys[i].alg == KX_ALG_RSA ?
		    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024) :
		    keys[i].param != NULL ? EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    keys[i].param) : EVP_PKEY_Q_keygen(NULL, NULL,
		    keys[i].type);
		unsigned char *der = NULL;
		int n = i2d_PUBKEY(pk, &der);
		struct kxi_pub_out num = { 0 };
		struct kxi_pub pub;
		kx_buf spki = { 0 }, o = { 0 };
		kx_diag *d = kx_diag_new();
		kx_doc *doc = kxi_doc_new(), *back = NULL;
		kx_key *k = kxi_doc_add_key(doc);
		int ed = strcmp(keys[i].type, "ED25519") == 0;

		assert_true(n > 0);
		assert_int_equal(kxi_spki_split(der, (size_t)n, &num, d), ed ?
		    KX_EUNSUPPORTED : KX_OK);
		if (!ed) {
			assert_int_equal(num.alg, keys[i].alg);
			if (keys[i].alg == KX_ALG_EC) {
				assert_string_equal(num.curve, keys[i].oid);
				assert_int_equal(num.a.len, (keys[i].bits + 7) /
				    8);
				assert_int_equal(num.b.len, num.a.len);
			}
			pub.alg = num.alg;
			pub.curve = num.curve;
			pub.a = num.a.data;
			pub.alen = num.a.len;
			pub.b = num.b.data;
			pub.blen = num.b.len;
			assert_int_equal(kxi_spki_build(&pub, &spki, d), KX_OK);
			assert_int_equal(spki.len, (size_t)n);
			assert_memory_equal(spki.data, der, (size_t)n);
		}
		/* a PUBLIC key from a native document: to GP and back */
		k->prof.id = "01";
		k->prof.cls = KX_CLASS_PUBLIC;
		k->prof.alg = keys[i].alg;
		k->prof.length_bits = keys[i].bits;
		k->prof.ec_curve = keys[i].alg == KX_ALG_EC ? keys[i].oid : NULL;
		k->prof.usage = KX_USAGE_BIT(KX_U_VERIFY);
		k->prof.spki.p = kxi_memdup(&doc->arena, der, (size_t)n);
		k->prof.spki.n = (size_t)n;
		kx_diag_clear(d);
		assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &o, d), KX_OK);
		if (ed)
			assert_non_null(find_msg(d, "KX009", "public key (Subject"
			    "PublicKeyInfo): a 1.3.101.112 public key has no "
			    "coordinates"));
		else {
			assert_null(find_msg(d, "KX009", "public key"));
			assert_int_equal(kx_doc_read(o.data, o.len, KX_FMT_GP,
			    "out", &back, d), KX_OK);
			assert_int_equal(back->keys[0].prof.spki.n, (size_t)n);
			assert_memory_equal(back->keys[0].prof.spki.p, der,
			    (size_t)n);
			kx_doc_free(back);
		}
		kx_doc_free(doc);
		kx_diag_free(d);
		kx_buf_free(&o);
		kx_buf_free(&spki);
		kx_buf_free(&num.a);
		kx_buf_free(&num.b);
		OPENSSL_free(der);
		EVP_PKEY_free(pk);
	}
}

/* Every attribute GP cannot hold is its own KX009 warning. */
static void
test_lost(void **state)
{
	static const char *const expect[] = {
		"role gp-enc", "gp.kvn", "gp.kid", "gp.scp",
		"state suspended", "time of day of not_before",
		"cryptoperiod", "custodians", "export destinations",
		"min wrap strength", "relation derived-from master",
		"value wrapped with aes-siv-bound",
		"usage cryptogram", "algorithm aes",
		"id 'isd-enc-30' as hexBinary", "owner 'issuer-bank'",
		"document id xchg-2025-001",
	};
	kx_diag *d = kx_diag_new();
	kx_doc *doc = rich_doc(), *back = NULL;
	kx_buf out = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &out, d), KX_OK);
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		const kx_finding *f = find_msg(d, "KX009", expect[i]);

		if (f == NULL)
			fail_msg("no KX009 for '%s'", expect[i]);
		assert_int_equal(f->severity, KX_SEV_WARNING);
		assert_string_equal(f->key_id, "isd-enc-30");
	}
	assert_int_equal(count_rule(d, "KX009"), kx_diag_count(d));
	assert_true(kx_diag_count(d) >= sizeof(expect) / sizeof(expect[0]));
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 0);
	assert_null(find_msg(d, "KX009", "KCV method"));
	/* what it wrote is a readable KeyProfile, without the value */
	kx_diag_clear(d);
	assert_int_equal(kx_doc_read(out.data, out.len, KX_FMT_AUTO, "w",
	    &back, d), KX_OK);
	assert_int_equal(back->keys[0].value.form, KX_VALUE_NONE);
	/* an AES key's gp-aes KCV travels, without KCVAlgorithm */
	assert_bytes(&back->keys[0].kcv, "AABBCC");
	assert_int_equal(back->keys[0].kcv_method, KX_KCV_GP_AES);
	assert_int_equal(back->keys[0].prof.not_before,
	    t("2025-01-01T00:00:00Z"));
	kx_doc_free(back);
	kx_doc_free(doc);
	kx_buf_free(&out);
	kx_diag_free(d);
}

static void
test_multikey_and_hmac(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_doc *doc = rich_doc();
	kx_key *k2;
	kx_buf out = { 0 };

	(void)state;
	k2 = kxi_doc_add_key(doc);
	assert_non_null(k2);
	k2->prof.id = kxi_strdup(&doc->arena, "0102");
	k2->prof.cls = KX_CLASS_SECRET;
	k2->prof.alg = KX_ALG_TDEA3;
	k2->prof.length_bits = 192;
	k2->prof.usage = KX_USAGE_BIT(KX_U_WRAP);
	assert_int_equal(kx_doc_write(doc, KX_FMT_GP, &out, d),
	    KX_EUNSUPPORTED);
	assert_int_equal(out.len, 0);
	assert_int_equal(kxi_gp_write_key(doc, 1, &out, d), KX_OK);
	assert_non_null(strstr((const char *)out.data, "Size=\"192\""));
	kx_buf_free(&out);
	memset(&out, 0, sizeof(out));
	assert_int_equal(kxi_gp_write_key(doc, 2, &out, d), KX_EUSAGE);
	k2->prof.alg = KX_ALG_HMAC;
	assert_int_equal(kxi_gp_write_key(doc, 1, &out, d), KX_EUNSUPPORTED);
	kx_buf_free(&out);
	kx_doc_free(doc);
	kx_diag_free(d);
}

static void
test_detect(void **state)
{
	static const char *const yes[] = {
		"<gp:KeyProfile xmlns:gp=\"http://namespaces.globalplatform."
		    "org/systems-profiles/1.1.2\" UniqueID=\"01\"/>",
		"<?xml version=\"1.0\"?>\n<!-- c -->\n<KeyProfile UniqueID="
		    "\"01\" xmlns=\"http://namespaces.globalplatform.org/"
		    "systems-profiles/1.1.0\">",
	};
	static const char *const no[] = {
		"<KeyProfile xmlns=\"urn:other\"/>",
		"<gp:KeyProfile xmlns:x=\"http://namespaces.globalplatform."
		    "org/systems-profiles/1.1.0\"/>",
		"<ApplicationProfile xmlns=\"http://namespaces."
		    "globalplatform.org/systems-profiles/1.1.0\"/>",
		"", "<",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_int_equal(kxi_format_gp.detect((const uint8_t *)yes[i],
		    strlen(yes[i])), 1);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(kxi_format_gp.detect((const uint8_t *)no[i],
		    strlen(no[i])), 0);
}

/* Hostile input: truncations and byte changes never crash, and whatever
 * is accepted can be written and read back. */
static void
test_mutations(void **state)
{
	static const char *const files[] = {
		"samples/gp/isd-enc.xml", "samples/gp/transport-kek.xml",
		"samples/gp/openscdp-ec-private.xml",
		"samples/gp/jaxb-112-rsacrt.xml",
		"samples/gp/artefacts/vendor-112-aes.xml",
		"samples/gp/artefacts/v10-dates-111.xml",
	};
	static const uint8_t subst[] = { '<', '"', 'Z', '0', 0x80 };
	size_t f, i, j, accepted = 0, refused = 0;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		kx_buf src;
		uint8_t *m;

		kxt_slurp(files[f], &src);
		m = malloc(src.len);
		assert_non_null(m);
		for (i = 0; i < src.len; i++) {
			for (j = 0; j <= sizeof(subst); j++) {
				kx_diag *d = kx_diag_new();
				kx_doc *doc = NULL;
				size_t len = src.len;
				int r;

				memcpy(m, src.data, src.len);
				if (j == sizeof(subst))
					len = i;	/* truncation */
				else
					m[i] = subst[j];
				r = kx_doc_read(m, len, KX_FMT_GP, "m", &doc,
				    d);
				if (r == KX_OK) {
					kx_buf o = { 0 };
					kx_doc *back = NULL;

					accepted++;
					assert_int_equal(kx_doc_write(doc,
					    KX_FMT_GP, &o, d), KX_OK);
					assert_int_equal(kx_doc_read(o.data,
					    o.len, KX_FMT_GP, "o", &back, d),
					    KX_OK);
					kx_doc_free(back);
					kx_buf_free(&o);
				} else {
					refused++;
					assert_null(doc);
					assert_true(kx_diag_count_at(d,
					    KX_SEV_ERROR) > 0);
				}
				kx_doc_free(doc);
				kx_diag_free(d);
			}
		}
		free(m);
		kx_buf_free(&src);
	}
	assert_true(accepted > 0);
	assert_true(refused > 0);
}

/*
 * GP -> native (XML and DER) -> GP keeps every attribute of every element
 * of every sample in samples/gp/, compared attribute by attribute (the
 * element found by its path of local names and positions, the namespace
 * and prefix aside), or the write reports the loss as KX009.  What GP
 * cannot keep, per sample: the attribute and the words of its finding.
 */
static const struct {
	const char *sample, *attr, *finding;
} gp_losses[] = {
	{ "jaxb-112-rsacrt.xml", "KeyProfile/@ProfileVersion",
	    "profile version 1.1.2" },
	{ "jaxb-112-ec-public.xml", "KeyProfile/@ProfileVersion",
	    "profile version 1.1.2" },
	{ "jaxb-111-kek-profile.xml", "KeyProfile/@ProfileVersion",
	    "profile version 1.1.1" },
	{ "jaxb-111-kek-profile.xml", "KeyProfile/@ErrataVersion",
	    "errata version 2" },
};

struct gp_cmp {
	const char *sample;
	const kx_diag *d;	/* the findings of the GP write */
	size_t attrs, losses;
};

static int
is_gp_ns(const xmlNode *n)
{
	return n->ns != NULL && strncmp((const char *)n->ns->href,
	    "http://namespaces.globalplatform.org/systems-profiles/1.1.",
	    57) == 0;
}

/* The n-th element child named like el (n from 0), or NULL. */
static xmlNode *
nth_like(xmlNode *parent, const xmlNode *el, int n)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && is_gp_ns(c) &&
		    strcmp((const char *)c->name, (const char *)el->name) ==
		    0 && n-- == 0)
			return c;
	return NULL;
}

static void
expect_loss(struct gp_cmp *g, const char *what)
{
	size_t i;

	for (i = 0; i < sizeof(gp_losses) / sizeof(gp_losses[0]); i++)
		if (strcmp(gp_losses[i].sample, g->sample) == 0 &&
		    strcmp(gp_losses[i].attr, what) == 0) {
			if (find_msg(g->d, "KX009", gp_losses[i].finding) ==
			    NULL)
				fail_msg("%s: %s lost without its KX009 '%s'",
				    g->sample, what, gp_losses[i].finding);
			g->losses++;
			return;
		}
	fail_msg("%s: %s is lost or changed on GP -> native -> GP", g->sample,
	    what);
}

static void
compare_el(struct gp_cmp *g, const xmlNode *in, xmlNode *out)
{
	const xmlAttr *a;
	xmlNode *c;
	char what[256];

	for (a = in->properties; a != NULL; a = a->next) {
		xmlChar *v = xmlNodeListGetString(in->doc, a->children, 1);
		xmlChar *w = xmlGetNoNsProp(out, a->name);

		snprintf(what, sizeof(what), "%s/@%s", (const char *)in->name,
		    (const char *)a->name);
		g->attrs++;
		if (a->ns != NULL || w == NULL || v == NULL ||
		    strcmp((const char *)v, (const char *)w) != 0)
			expect_loss(g, what);
		xmlFree(v);
		xmlFree(w);
	}
	for (c = in->children; c != NULL; c = c->next) {
		const xmlNode *p;
		xmlNode *o;
		int n = 0;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (p = c->prev; p != NULL; p = p->prev)
			if (p->type == XML_ELEMENT_NODE && strcmp((const char *)
			    p->name, (const char *)c->name) == 0)
				n++;
		if ((o = nth_like(out, c, n)) == NULL) {
			snprintf(what, sizeof(what), "%s/%s[%d]",
			    (const char *)in->name, (const char *)c->name,
			    n + 1);
			expect_loss(g, what);
			continue;
		}
		if (c->children != NULL && c->children->type == XML_TEXT_NODE &&
		    c->children->next == NULL) {
			xmlChar *v = xmlNodeGetContent(c);
			xmlChar *w = xmlNodeGetContent(o);

			snprintf(what, sizeof(what), "%s text",
			    (const char *)c->name);
			if (strcmp((const char *)v, (const char *)w) != 0)
				expect_loss(g, what);
			xmlFree(v);
			xmlFree(w);
		}
		compare_el(g, c, o);
	}
}

static void
test_samples_keep_gp(void **state)
{
	static const enum kx_format via[] = { KX_FMT_XML, KX_FMT_DER };
	DIR *dir;
	struct dirent *e;
	size_t nsamples = 0, attrs = 0, losses = 0, f;

	(void)state;
	assert_non_null(dir = opendir(kxt_src("samples/gp")));
	while ((e = readdir(dir)) != NULL) {
		size_t l = strlen(e->d_name);
		char rel[300];
		kx_buf src;

		if (l < 5 || strcmp(e->d_name + l - 4, ".xml") != 0)
			continue;
		snprintf(rel, sizeof(rel), "samples/gp/%s", e->d_name);
		nsamples++;
		for (f = 0; f < sizeof(via) / sizeof(via[0]); f++) {
			kx_diag *d = kx_diag_new();
			kx_doc *doc = read_ok(rel, d, &src), *mid = NULL;
			kx_buf m = { 0 }, out = { 0 };
			xmlDoc *x, *y;
			struct gp_cmp g = { e->d_name, NULL, 0, 0 };

			/* GP -> native loses nothing, so says nothing */
			assert_int_equal(kx_diag_count_at(d,
			    KX_SEV_WARNING), count_rule(d, "KX004"));
			assert_int_equal(kx_doc_write(doc, via[f], &m, d),
			    KX_OK);
			assert_int_equal(kx_doc_read(m.data, m.len, via[f],
			    "mid", &mid, d), KX_OK);
			kx_diag_clear(d);
			assert_int_equal(kx_doc_write(mid, KX_FMT_GP, &out, d),
			    KX_OK);
			g.d = d;
			x = xmlReadMemory((const char *)src.data,
			    (int)src.len, "in", NULL, XML_PARSE_NONET);
			y = xmlReadMemory((const char *)out.data,
			    (int)out.len, "out", NULL, XML_PARSE_NONET);
			assert_non_null(x);
			assert_non_null(y);
			compare_el(&g, xmlDocGetRootElement(x),
			    xmlDocGetRootElement(y));
			/* every KX009 stands for a loss the table expects */
			assert_int_equal(count_rule(d, "KX009"), g.losses);
			attrs += g.attrs;
			losses += g.losses;
			xmlFreeDoc(x);
			xmlFreeDoc(y);
			kx_doc_free(doc);
			kx_doc_free(mid);
			kx_buf_free(&m);
			kx_buf_free(&out);
			kx_buf_free(&src);
			kx_diag_free(d);
		}
	}
	closedir(dir);
	/* not vacuous: the samples, their attributes, the expected losses */
	assert_true(nsamples >= 10);
	assert_true(attrs > 300);
	assert_int_equal(losses, 2 * (sizeof(gp_losses) /
	    sizeof(gp_losses[0])));
}

/*
 * The same RSA parts get the same verdict on every run: a modulus the gp
 * fuzz target found (odd, 1240 bits, composite with a factor a random
 * Miller-Rabin base sometimes reveals) was refused by OpenSSL's RSA public
 * check on some runs and accepted on others.
 */
static void
test_rsa_parts_deterministic(void **state)
{
	static const char mod[] =
	    "A891854D61B162AC19C2EC3E78A442A7656A29E9798D0B7D3C11B4DC"
	    "31920DFE90A294E980C642516A5C824750D81F29D74AA5E8C82BF893"
	    "A0C35AC965BE7AE30A1E06926CA0A29B5846E5E3BF27CAB5F77A2E14"
	    "492162604D17650BAE178CC0D9349C54A38821CC7B7D35852B9E542D"
	    "0B63CFB1D864F203150997F57BADF165118B803D9DAF78BD04C29610"
	    "9099FB6E3839F4DEB3A3281D198F63";
	uint8_t m[sizeof(mod) / 2], e[3] = { 0x01, 0x00, 0x01 };
	struct kxi_pub pub = { 0 };
	kx_diag *d = kx_diag_new();
	kx_buf spki = { 0 };
	size_t i;
	int first = 0, r;

	(void)state;
	assert_non_null(d);
	for (i = 0; i < sizeof(m); i++)
		assert_int_equal(sscanf(mod + 2 * i, "%2hhx", &m[i]), 1);
	pub.alg = KX_ALG_RSA;
	pub.a = m;
	pub.alen = sizeof(m);
	pub.b = e;
	pub.blen = sizeof(e);
	for (i = 0; i < 64; i++) {
		r = kxi_spki_build(&pub, &spki, d);
		if (i == 0)
			first = r;
		assert_int_equal(r, first);
		kx_buf_free(&spki);
	}
	/* the checks it gets are the deterministic ones: odd n, odd e */
	assert_int_equal(first, KX_OK);
	kx_diag_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isd_enc),
		cmocka_unit_test(test_isd_mac_dek_kek),
		cmocka_unit_test(test_sample_crypto),
		cmocka_unit_test(test_key_part),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_openscdp),
		cmocka_unit_test(test_artefact_vendor_112),
		cmocka_unit_test(test_artefact_v10),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_hostile_and_edges),
		cmocka_unit_test(test_public_parts),
		cmocka_unit_test(test_public_numbers),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_lost_header_tk),
		cmocka_unit_test(test_multikey_and_hmac),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_samples_keep_gp),
		cmocka_unit_test(test_rsa_parts_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
