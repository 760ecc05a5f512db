/*
 * test_p11uri.c - PKCS#11 URIs (RFC 7512): the examples of its section
 * 3.4, percent-decoding, and strict refusal of malformed URIs.
 */
#include "config.h"

#include "kxtest.h"

static struct kxi_p11uri *
ok(const char *s)
{
	struct kxi_p11uri *u = NULL;
	kx_diag *d = kx_diag_new();

	if (kxi_p11uri_parse(s, &u, d) != KX_OK)
		fail_msg("%s: %s", s, kx_diag_count(d) ?
		    kx_diag_get(d, 0)->message : "?");
	kx_diag_free(d);
	assert_non_null(u);
	return u;
}

/* Refused, with a message that contains why. */
static void
bad(const char *s, int rc, const char *why)
{
	struct kxi_p11uri *u = (void *)1;
	kx_diag *d = kx_diag_new();

	assert_int_equal(kxi_p11uri_parse(s, &u, d), rc);
	assert_null(u);
	assert_int_equal(kx_diag_count(d), 1);
	if (strstr(kx_diag_get(d, 0)->message, why) == NULL)
		fail_msg("%s: '%s' lacks '%s'", s, kx_diag_get(d, 0)->message,
		    why);
	kx_diag_free(d);
}

static void
t_rfc7512_examples(void **state)
{
	struct kxi_p11uri *u;

	(void)state;
	u = ok("pkcs11:");
	assert_null(u->token);
	assert_int_equal(u->type, KXI_P11_TYPE_ANY);
	kxi_p11uri_free(u);

	u = ok("pkcs11:object=my-pubkey;type=public");
	assert_string_equal(u->object, "my-pubkey");
	assert_int_equal(u->type, KXI_P11_PUBLIC);
	kxi_p11uri_free(u);

	u = ok("pkcs11:object=my-key;type=private?pin-source=file:/etc/token");
	assert_int_equal(u->type, KXI_P11_PRIVATE);
	assert_string_equal(u->pin_source, "file:/etc/token");
	kxi_p11uri_free(u);

	u = ok("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;"
	    "manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;"
	    "type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial="
	    "?pin-source=file:/etc/token_pin");
	assert_string_equal(u->token, "The Software PKCS#11 Softtoken");
	assert_string_equal(u->manufacturer, "Snake Oil, Inc.");
	assert_string_equal(u->model, "1.0");
	assert_string_equal(u->serial, "");
	assert_int_equal(u->type, KXI_P11_CERT);
	assert_int_equal(u->id_len, 8);
	assert_memory_equal(u->id, "\x69\x95\x3E\x5C\xF4\xBD\xEC\x91", 8);
	assert_string_equal(u->pin_source, "file:/etc/token_pin");
	kxi_p11uri_free(u);

	u = ok("pkcs11:object=my-sign-key;type=private?module-name=mypkcs11");
	assert_string_equal(u->module_name, "mypkcs11");
	kxi_p11uri_free(u);

	u = ok("pkcs11:object=my-sign-key;type=private"
	    "?module-path=/mnt/libmypkcs11.so.1");
	assert_string_equal(u->module_path, "/mnt/libmypkcs11.so.1");
	kxi_p11uri_free(u);

	/* parsed; kx_p11_open refuses it (a PIN never on a command line) */
	u = ok("pkcs11:token=Software%20PKCS%2311%20softtoken;"
	    "manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin");
	assert_string_equal(u->pin_value, "the-pin");
	kxi_p11uri_free(u);

	u = ok("pkcs11:slot-description=Sun%20Metaslot");
	assert_string_equal(u->slot_description, "Sun Metaslot");
	kxi_p11uri_free(u);

	u = ok("pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;"
	    "library-description=Soft%20Token%20Library;library-version=1.23");
	assert_string_equal(u->lib_manufacturer, "Snake Oil, Inc.");
	assert_string_equal(u->lib_description, "Soft Token Library");
	assert_string_equal(u->lib_version, "1.23");
	kxi_p11uri_free(u);

	/* escapes in either case; a UTF-8 object name */
	u = ok("pkcs11:token=My%20token%25%20created%20by%20Joe;"
	    "library-version=3;id=%01%02%03%Ba%dd%Ef%08;object=%E2%82%AC");
	assert_string_equal(u->token, "My token% created by Joe");
	assert_int_equal(u->id_len, 7);
	assert_memory_equal(u->id, "\x01\x02\x03\xBA\xDD\xEF\x08", 7);
	assert_string_equal(u->object, "\xE2\x82\xAC");
	kxi_p11uri_free(u);

	u = ok("pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;"
	    "object=my-certificate;type=cert");
	assert_string_equal(u->token, "A name with a substring %;");
	kxi_p11uri_free(u);

	u = ok("pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20"
	    "%C3%A1;object=my-certificate;type=cert");
	assert_string_equal(u->token, "Name with a small A with acute: \xC3\xA1");
	kxi_p11uri_free(u);

	/* vendor-specific attributes: refused, never ignored */
	bad("pkcs11:token=my-token;object=my-certificate;type=cert;"
	    "vendor-aaa=value-a?pin-source=file:/etc/token_pin&"
	    "vendor-bbb=value-b", KX_EUSAGE, "'vendor-aaa' is not supported");
}

static void
t_ours(void **state)
{
	struct kxi_p11uri *u;

	(void)state;
	u = ok("pkcs11:token=kx%20A;object=master;type=secret-key;id=%00%01;"
	    "slot-id=7?module-path=/usr/lib/softhsm/libsofthsm2.so&"
	    "pin-source=env:PIN");
	assert_string_equal(u->token, "kx A");
	assert_int_equal(u->type, KXI_P11_SECRET);
	assert_int_equal(u->id_len, 2);	/* id may hold a NUL byte */
	assert_memory_equal(u->id, "\x00\x01", 2);
	assert_int_equal(u->slot_id, 7);
	assert_string_equal(u->pin_source, "env:PIN");
	kxi_p11uri_free(u);
	/* '=' is allowed in a path value, '/' and '?' in a query value */
	u = ok("pkcs11:object=a=b?pin-source=file:/x/y?z");
	assert_string_equal(u->object, "a=b");
	assert_string_equal(u->pin_source, "file:/x/y?z");
	kxi_p11uri_free(u);
}

static void
t_malformed(void **state)
{
	(void)state;
	bad("pkcs1:token=a", KX_EUSAGE, "does not start");
	bad("PKCS11:token=a", KX_EUSAGE, "does not start");
	bad("pkcs11:token", KX_EUSAGE, "not name=value");
	bad("pkcs11:=a", KX_EUSAGE, "not name=value");
	bad("pkcs11:token=a;;object=b", KX_EUSAGE, "empty path attribute");
	bad("pkcs11:token=a;", KX_EUSAGE, "trailing ';'");
	bad("pkcs11:token=a?", KX_EUSAGE, "empty query");
	bad("pkcs11:token=a?pin-source=file:x&", KX_EUSAGE, "trailing '&'");
	bad("pkcs11:token=a;token=b", KX_EUSAGE, "'token' given twice");
	bad("pkcs11:object=%zz", KX_EUSAGE, "two hex digits");
	bad("pkcs11:object=ab%2", KX_EUSAGE, "two hex digits");
	bad("pkcs11:object=ab%", KX_EUSAGE, "two hex digits");
	bad("pkcs11:object=a%00b", KX_EUSAGE, "NUL");
	bad("pkcs11:object=a b", KX_EUSAGE, "percent-encoded");
	bad("pkcs11:object=a/b", KX_EUSAGE, "percent-encoded");
	bad("pkcs11:object=a?pin-source=a;b", KX_EUSAGE, "percent-encoded");
	bad("pkcs11:type=secret", KX_EUSAGE, "type 'secret'");
	bad("pkcs11:slot-id=x1", KX_EUSAGE, "slot-id");
	bad("pkcs11:pin-source=file:x", KX_EUSAGE, "query attribute");
	bad("pkcs11:?object=x", KX_EUSAGE, "path attribute");
	bad("pkcs11:x-vendor=1", KX_EUSAGE, "not supported");
}

static void
t_limit(void **state)
{
	char *s = malloc(5000);

	(void)state;
	assert_non_null(s);
	memcpy(s, "pkcs11:object=", 14);
	memset(s + 14, 'a', 5000 - 15);
	s[4999] = '\0';
	bad(s, KX_EUSAGE, "longer than");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_rfc7512_examples),
		cmocka_unit_test(t_ours),
		cmocka_unit_test(t_malformed),
		cmocka_unit_test(t_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
