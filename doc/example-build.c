/*
 * example-build.c - build a key-exchange document with libkmsxchg's public
 * API only, check it, write it as native XML and read every field back.
 *
 *     cc example-build.c $(pkg-config --cflags --libs kmsxchg)
 *     ./a.out > keys.xml
 *
 * It is built and run by `make check` against codec/kmsxchg.h alone (no
 * internal header on the include path), which proves the installed
 * header suffices.  Exit 0 when all went well, 1 otherwise; messages on
 * stderr, the document on stdout.
 */
#include <stdio.h>
#include <stdlib.h>

#include <kmsxchg.h>

static int
fail(const char *what, int rc, const kx_diag *d)
{
	size_t i;

	fprintf(stderr, "example-build: %s: %s\n", what, kx_strerror(rc));
	for (i = 0; i < kx_diag_count(d); i++)
		fprintf(stderr, "  %s %s\n", kx_diag_get(d, i)->rule,
		    kx_diag_get(d, i)->message);
	return 1;
}

/* One line per key, every field through the getters. */
static void
describe(const kx_key *k)
{
	char nb[21], na[21];
	size_t kcvlen, i;
	enum kx_kcv_method m;
	const uint8_t *kcv = kx_key_kcv(k, &kcvlen, &m);
	char hex[2 * KX_KCV_MAX_LEN + 1] = "";
	kx_key_gp gp;
	int u;

	kx_time_format(kx_key_not_before(k), nb);
	kx_time_format(kx_key_not_after(k), na);
	if (kcv != NULL)
		kx_hex_encode(kcv, kcvlen, hex);
	fprintf(stderr, "%s: %s-%u %s, %s, %s..%s, usage", kx_key_id(k),
	    kx_name(KX_ENUM_ALG, kx_key_alg(k)), kx_key_length_bits(k),
	    kx_name(KX_ENUM_CLASS, kx_key_class(k)),
	    kx_name(KX_ENUM_STATE, kx_key_state(k)), nb, na);
	for (u = 0; u < KX_U__N; u++)
		if (kx_key_usage(k) & KX_USAGE_BIT(u))
			fprintf(stderr, " %s", kx_name(KX_ENUM_USAGE, u));
	fprintf(stderr, ", export %s to",
	    kx_key_export_allowed(k) ? "allowed" : "refused");
	for (i = 0; i < kx_key_export_destination_count(k); i++)
		fprintf(stderr, " '%s'", kx_key_export_destination(k, i));
	if (kx_key_gp_get(k, &gp))
		fprintf(stderr, ", GP KVN %02X KID %02X", gp.kvn, gp.kid);
	fprintf(stderr, ", KCV %s (%s)\n", kcv != NULL ? hex : "none",
	    kcv != NULL ? kx_name(KX_ENUM_KCV_METHOD, m) : "-");
}

int
main(void)
{
	static const uint8_t kcv[] = { 0x8C, 0x72, 0x1E };
	kx_doc *doc = NULL, *back = NULL;
	kx_diag *d = kx_diag_new();
	kx_buf xml = { 0 };
	kx_key *k;
	kx_key_gp gp = { .key_type = 0x88, .kvn = 0x30, .kid = 0x01,
		.kuq = 0x38, .kuq_len = 1, .access = -1, .scp = KX_SCP03,
		.scp_i = 0x70, .sd_aid = NULL, .sd_aid_len = 0,
		.diversification = KX_DIV_NONE };
	int64_t created, nb, na;
	int rc, ret = 1;
	size_t i;

	if (d == NULL)
		return 1;
	if ((rc = kx_time_parse("2026-01-05T09:30:00Z", &created)) != KX_OK ||
	    (rc = kx_time_parse("2026-01-01", &nb)) != KX_OK ||
	    (rc = kx_time_parse("2031-12-31T23:59:59Z", &na)) != KX_OK) {
		ret = fail("time", rc, d);
		goto out;
	}
	/* the header, then a key, field by field; each setter checks */
	if ((rc = kx_doc_new("EXAMPLE-1", created, "ACME Card Manufacturing",
	    &doc)) != KX_OK ||
	    (rc = kx_doc_add_recipient(doc, "Example Issuer Bank")) != KX_OK ||
	    (rc = kx_doc_add_key(doc, "ISD-ENC", &k)) != KX_OK ||
	    (rc = kx_key_set_text(k, KX_KT_NAME, "ISD ENC")) != KX_OK ||
	    (rc = kx_key_set_alg(k, KX_ALG_AES, 128)) != KX_OK ||
	    (rc = kx_key_set_usage(k, KX_USAGE_BIT(KX_U_ENCRYPT) |
	    KX_USAGE_BIT(KX_U_DECRYPT))) != KX_OK ||
	    (rc = kx_key_set_modes(k, 1u << KX_M_CBC)) != KX_OK ||
	    (rc = kx_key_set_role(k, KX_ROLE_GP_ENC)) != KX_OK ||
	    (rc = kx_key_gp_set(k, &gp)) != KX_OK ||
	    (rc = kx_key_set_validity(k, nb, na)) != KX_OK ||
	    (rc = kx_key_set_export(k, 1, 1u << KX_FORM_BOUND_BLOCK)) !=
	    KX_OK ||
	    (rc = kx_key_add_export_destination(k, "Example Issuer Bank")) !=
	    KX_OK ||
	    (rc = kx_key_set_kcv(k, KX_KCV_GP_AES, kcv, sizeof(kcv))) !=
	    KX_OK) {
		ret = fail("build", rc, d);
		goto out;
	}
	/* the KXnnn rules, as `kmsxchg validate` runs them */
	if ((rc = kx_doc_validate(doc, NULL, created, NULL, d)) != KX_OK ||
	    kx_diag_count_at(d, KX_SEV_ERROR) > 0) {
		ret = fail("validate", rc != KX_OK ? rc : KX_EINPUT, d);
		goto out;
	}
	if ((rc = kx_doc_write(doc, KX_FMT_XML, &xml, d)) != KX_OK ||
	    (rc = kx_doc_read(xml.data, xml.len, KX_FMT_AUTO, "example",
	    &back, d)) != KX_OK) {
		ret = fail("write and read", rc, d);
		goto out;
	}
	for (i = 0; i < kx_doc_key_count(back); i++)
		describe(kx_doc_key(back, i));
	if (kx_key_alg(kx_doc_key(back, 0)) != KX_ALG_AES ||
	    kx_key_not_after(kx_doc_key(back, 0)) != na) {
		fprintf(stderr, "example-build: fields lost\n");
		goto out;
	}
	if (fwrite(xml.data, 1, xml.len, stdout) != xml.len ||
	    fflush(stdout) != 0) {
		ret = fail("stdout", KX_EIO, d);
		goto out;
	}
	ret = 0;
out:
	kx_buf_free(&xml);
	kx_doc_free(back);
	kx_doc_free(doc);
	kx_diag_free(d);
	return ret;
}
