/*
 * test_text.c - the one XML escaper and the one root-element sniffer
 * (text.c): every control character handled explicitly (a character
 * reference where XML 1.0 allows one, refused or U+FFFD where it does
 * not, never dropped), and each writer that uses the escaper refuses what
 * XML cannot carry instead of writing something else (issue 8 item 8);
 * and the keyed hash of the one-pass rules' summaries (SipHash-2-4).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kxtest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* Escape s with flags; the output (NUL-terminated) or NULL on refusal. */
static const char *
esc(const char *s, unsigned flags)
{
	static char out[256];
	kx_buf b;
	int r;

	memset(&b, 0, sizeof(b));
	r = kxi_xml_escape(&b, s, flags);
	if (r == KX_EUNSUPPORTED) {
		assert_int_equal(b.len == 0 || b.data != NULL, 1);
		kx_buf_free(&b);
		return NULL;
	}
	assert_int_equal(r, KX_OK);
	assert_true(b.len < sizeof(out));
	if (b.len > 0)		/* an empty escape leaves b.data NULL */
		memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	kx_buf_free(&b);
	return out;
}

/* Does out hold needle? */
static int
holds(const kx_buf *out, const char *needle)
{
	size_t i, n = strlen(needle);

	for (i = 0; i + n <= out->len; i++)
		if (memcmp(out->data + i, needle, n) == 0)
			return 1;
	return 0;
}

static void
test_escape_text(void **state)
{
	(void)state;
	assert_string_equal(esc("", 0), "");
	assert_string_equal(esc("plain text", 0), "plain text");
	assert_string_equal(esc("a&b<c>d\"e'f", 0),
	    "a&amp;b&lt;c&gt;d\"e'f");
	/* TAB and LF are ordinary text; CR would become LF on reading. */
	assert_string_equal(esc("a\tb\nc\rd", 0), "a\tb\nc&#13;d");
	/* DEL and C1 controls are legal but discouraged: references. */
	assert_string_equal(esc("x\x7Fy\xC2\x85z", 0), "x&#127;y&#133;z");
	/* non-ASCII text passes untouched */
	assert_string_equal(esc("Schl\xC3\xBCssel \xE2\x82\xAC", 0),
	    "Schl\xC3\xBCssel \xE2\x82\xAC");
}

static void
test_escape_attr(void **state)
{
	(void)state;
	assert_string_equal(esc("a&b<c>d\"e'f", KXI_XML_ATTR),
	    "a&amp;b&lt;c&gt;d&quot;e&apos;f");
	assert_string_equal(esc("a\tb\nc\rd", KXI_XML_ATTR),
	    "a&#9;b&#10;c&#13;d");
}

/* Every C0 control but TAB, LF and CR: refused, or U+FFFD on request. */
static void
test_escape_refuses_c0(void **state)
{
	char s[4];
	int c;

	(void)state;
	for (c = 1; c < 0x20; c++) {
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		s[0] = 'a';
		s[1] = (char)c;
		s[2] = 'b';
		s[3] = '\0';
		assert_null(esc(s, 0));
		assert_null(esc(s, KXI_XML_ATTR));
		assert_string_equal(esc(s, KXI_XML_REPLACE),
		    "a\xEF\xBF\xBD" "b");
		assert_string_equal(esc(s, KXI_XML_REPLACE | KXI_XML_ATTR),
		    "a\xEF\xBF\xBD" "b");
	}
}

static void
test_escape_refuses_non_chars(void **state)
{
	static const char *const bad[] = {
		"\xEF\xBF\xBE",		/* U+FFFE */
		"\xEF\xBF\xBF",		/* U+FFFF */
		"\xED\xA0\x80",		/* a surrogate */
		"\xC0\xAF",		/* overlong '/' */
		"\xF4\x90\x80\x80",	/* above U+10FFFF */
		"\xC3",			/* truncated */
		"\xFF",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(esc(bad[i], 0));
		assert_non_null(esc(bad[i], KXI_XML_REPLACE));
		assert_non_null(strstr(esc(bad[i], KXI_XML_REPLACE),
		    "\xEF\xBF\xBD"));
	}
	/* the highest characters XML carries */
	assert_string_equal(esc("\xEF\xBF\xBD\xF4\x8F\xBF\xBF", 0),
	    "\xEF\xBF\xBD\xF4\x8F\xBF\xBF");
}

static int
root(const char *s, const char *local)
{
	static const char *const ns[] = { "urn:a", "urn:b" };

	return kxi_xml_root((const uint8_t *)s, strlen(s), local, ns, 2);
}

static void
test_sniff_root(void **state)
{
	(void)state;
	assert_int_equal(root("<R xmlns=\"urn:a\"/>", "R"), 0);
	assert_int_equal(root("<R xmlns='urn:b'>", "R"), 1);
	assert_int_equal(root("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n"
	    "<!-- c > d -->\n<?pi x?>\n<p:R a=\"1\" xmlns:p = \"urn:b\">",
	    "R"), 1);
	assert_int_equal(root("<!DOCTYPE R [<!ENTITY e \"x>\">]>"
	    "<R xmlns=\"urn:a\">", "R"), 0);
	/* wrong name, namespace, prefix, or a prolog that never ends */
	assert_int_equal(root("<RR xmlns=\"urn:a\"/>", "R"), -1);
	assert_int_equal(root("<R xmlns=\"urn:c\"/>", "R"), -1);
	assert_int_equal(root("<R xmlns=\"urn:a2\"/>", "R"), -1);
	assert_int_equal(root("<p:R xmlns=\"urn:a\"/>", "R"), -1);
	assert_int_equal(root("<q:R xmlns:p=\"urn:a\"/>", "R"), -1);
	assert_int_equal(root("<!-- no end", "R"), -1);
	assert_int_equal(root("text<R xmlns=\"urn:a\"/>", "R"), -1);
	assert_int_equal(root("", "R"), -1);
}

/* The formats' detect() are the sniffer. */
static void
test_detect_formats(void **state)
{
	static const char gp[] = "<!DOCTYPE x [<!ENTITY e \"a>b\">]>"
	    "<KeyProfile xmlns=\"" KX_GP_NS "\"/>";
	static const char nat[] = "<k:KeyExchange xmlns:k=\"" KX_NS "\"/>";

	(void)state;
	assert_int_equal(kx_format_detect((const uint8_t *)gp, strlen(gp)),
	    KX_FMT_GP);
	assert_int_equal(kx_format_detect((const uint8_t *)nat, strlen(nat)),
	    KX_FMT_XML);
}

/* A GP description with a control character is refused, not written
 * without it (the GP writer used to drop it silently). */
static void
test_gp_refuses_control(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src, out;
	kx_doc *doc = NULL;
	const char *msg;

	(void)state;
	kxt_slurp("samples/gp/isd-enc.xml", &src);
	assert_int_equal(kx_doc_read(src.data, src.len, KX_FMT_GP, "isd-enc",
	    &doc, d), KX_OK);
	memset(&out, 0, sizeof(out));
	doc->keys[0].prof.description = "line\x01" "feed";
	kx_diag_clear(d);
	assert_int_equal(kxi_format_gp.write(doc, &out, d), KX_EUNSUPPORTED);
	assert_int_equal(kx_diag_count(d), 1);
	msg = kx_diag_get(d, 0)->message;
	assert_non_null(strstr(msg, "Description"));
	assert_non_null(strstr(msg, "XML cannot carry"));
	/* TAB and LF are carried, as references */
	doc->keys[0].prof.description = "a\tb\nc";
	kx_diag_clear(d);
	kx_buf_free(&out);
	memset(&out, 0, sizeof(out));
	assert_int_equal(kxi_format_gp.write(doc, &out, d), KX_OK);
	assert_true(holds(&out, "<Description>a&#9;b&#10;c</Description>"));
	kx_buf_free(&out);
	kx_buf_free(&src);
	kx_doc_free(doc);
	kx_diag_free(d);
}

/* The native writer refuses the same characters and keeps DEL. */
static void
test_xml_refuses_control(void **state)
{
	kx_diag *d = kx_diag_new();
	kx_buf src, out;
	kx_doc *doc = NULL, *back = NULL;

	(void)state;
	kxt_slurp("samples/exchange/full-profile.xml", &src);
	assert_int_equal(kx_doc_read(src.data, src.len, KX_FMT_XML, "full",
	    &doc, d), KX_OK);
	memset(&out, 0, sizeof(out));
	doc->keys[0].prof.description = "bell\x07";
	kx_diag_clear(d);
	assert_int_equal(kxi_format_xml.write(doc, &out, d), KX_EUNSUPPORTED);
	assert_int_equal(kx_diag_count(d), 1);
	kx_buf_free(&out);
	memset(&out, 0, sizeof(out));
	doc->keys[0].prof.description = "del\x7F" "cr\r";
	kx_diag_clear(d);
	assert_int_equal(kxi_format_xml.write(doc, &out, d), KX_OK);
	assert_true(holds(&out, "del&#127;cr&#13;<"));
	assert_int_equal(kx_doc_read(out.data, out.len, KX_FMT_XML, "back",
	    &back, d), KX_OK);
	assert_string_equal(back->keys[0].prof.description, "del\x7F" "cr\r");
	kx_doc_free(back);
	kx_buf_free(&out);
	kx_buf_free(&src);
	kx_doc_free(doc);
	kx_diag_free(d);
}

/* The one hex digit table, checker and decoder (util.c). */
static void
test_hex(void **state)
{
	uint8_t out[8];
	size_t len;
	int c, want;

	(void)state;
	for (c = 0; c < 256; c++) {
		want = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		assert_int_equal(kxi_hex_digit(c), want);
	}
	assert_true(kxi_is_hex("00aFfF"));
	assert_false(kxi_is_hex(""));
	assert_false(kxi_is_hex("ABC"));
	assert_false(kxi_is_hex("AG"));
	assert_false(kxi_is_hex("A B0"));
	assert_int_equal(kxi_hex_decode_mem("01 2a\n\tFf\r", 10, 1, out, 8,
	    &len), KX_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "\x01\x2A\xFF", 3);
	assert_int_equal(kxi_hex_decode_mem("01 2a", 5, 0, out, 8, &len),
	    KX_ESYNTAX);
	assert_int_equal(kxi_hex_decode_mem("0 1", 3, 1, out, 8, &len), KX_OK);
	assert_int_equal(kxi_hex_decode_mem("012", 3, 1, out, 8, &len),
	    KX_ESYNTAX);
	assert_int_equal(kxi_hex_decode_mem("0102", 4, 0, out, 1, &len),
	    KX_ELIMIT);
}

/*
 * SipHash-2-4: the reference implementation's vectors (key 00..0F, message
 * 00..n-1; vectors.h of github.com/veorq/SipHash, n = 15 is the paper's
 * appendix example), then OpenSSL's SIPHASH MAC as a second oracle for
 * every length 0..64 under a random key.
 */
static void
test_siphash(void **state)
{
	static const struct {
		size_t n;
		uint64_t h;
	} kat[] = {
		{ 0, 0x726fdb47dd0e0e31ULL }, { 1, 0x74f839c593dc67fdULL },
		{ 2, 0x0d6c8009d9a94f5aULL }, { 3, 0x85676696d7fb7e2dULL },
		{ 4, 0xcf2794e0277187b7ULL }, { 15, 0xa129ca6149be45e5ULL },
		{ 63, 0x958a324ceb064572ULL },
	};
	uint8_t key[16], msg[64], mac[8];
	OSSL_PARAM params[2];
	EVP_MAC *m;
	EVP_MAC_CTX *c;
	size_t i, n, len;
	uint64_t h;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++)
		assert_true(kxi_siphash24(key, msg, kat[i].n) == kat[i].h);
	/* a different key, a different hash */
	key[0] ^= 1;
	assert_true(kxi_siphash24(key, msg, 0) != kat[0].h);

	assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
	assert_non_null(m = EVP_MAC_fetch(NULL, "SIPHASH", NULL));
	params[1] = OSSL_PARAM_construct_end();
	for (n = 0; n <= sizeof(msg); n++) {
		size_t want = 8;

		params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE,
		    &want);
		assert_non_null(c = EVP_MAC_CTX_new(m));
		assert_int_equal(EVP_MAC_init(c, key, sizeof(key), params), 1);
		assert_int_equal(EVP_MAC_update(c, msg, n), 1);
		assert_int_equal(EVP_MAC_final(c, mac, &len, sizeof(mac)), 1);
		assert_int_equal(len, 8);
		EVP_MAC_CTX_free(c);
		h = 0;
		for (i = 8; i-- > 0; )
			h = h << 8 | mac[i];
		assert_true(kxi_siphash24(key, msg, n) == h);
	}
	EVP_MAC_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_text),
		cmocka_unit_test(test_escape_attr),
		cmocka_unit_test(test_escape_refuses_c0),
		cmocka_unit_test(test_escape_refuses_non_chars),
		cmocka_unit_test(test_sniff_root),
		cmocka_unit_test(test_detect_formats),
		cmocka_unit_test(test_gp_refuses_control),
		cmocka_unit_test(test_xml_refuses_control),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_siphash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
