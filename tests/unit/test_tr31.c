/*
 * test_tr31.c - TR-31 / X9.143 key blocks against the published examples
 * of TR-31:2018 Annex A (as quoted by openemv/tr31, tests/data/SOURCES.md)
 * and payShield 10k examples: unwrap gives the key, and wrapping it again
 * with the header fields, optional blocks and padding the block carried
 * gives the very same block, character for character.
 */
#include "config.h"

#include "kxtest.h"

#define sec kxt_secret

static void
known(const char *kbpk_hex, const char *blk, const char *key_hex)
{
	kx_secret *kbpk = sec(kbpk_hex), *key = NULL, *want = sec(key_hex);
	kx_secret *pl = NULL;
	struct kxi_tr31_hdr h, w;
	kx_buf out = { 0 };
	unsigned i, j;
	size_t klen;

	assert_int_equal(kxi_tr31_unwrap_payload(kbpk, blk, strlen(blk), &h,
	    &key, &pl, NULL), KX_OK);
	klen = kx_secret_len(key);
	assert_int_equal(klen, kx_secret_len(want));
	assert_memory_equal(kx_secret_data(key), kx_secret_data(want), klen);
	/* rebuild: the caller's blocks without PB, the writer adds it */
	w = h;
	for (i = 0, j = 0; i < h.nopt; i++)
		if (memcmp(h.opt[i].id, "PB", 2) != 0)
			w.opt[j++] = h.opt[i];
	w.nopt = j;
	assert_int_equal(kxi_tr31_wrap(kbpk, &w, key, kx_secret_data(pl) + 2 +
	    klen, &out, NULL), KX_OK);
	assert_int_equal(out.len, strlen(blk));
	assert_memory_equal(out.data, blk, out.len);
	kx_buf_free(&out);
	kx_secret_free(pl);
	kx_secret_free(key);
	kx_secret_free(kbpk);
	kx_secret_free(want);
}

/* TR-31:2018 A.7.2.2: version B, 2TDEA KBPK, P0 T E 00 E. */
static void
t_a722(void **state)
{
	(void)state;
	known("DD7515F2BFC17F85CE48F3CA25CB21F6",
	    "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176"
	    "EED7B727B8A248E", "3F419E1CB7079442AA37474C2EFBF8B8");
}

/* TR-31:2018 A.7.3.2: version B with a KS optional block (BDK, S). */
static void
t_a732(void **state)
{
	(void)state;
	known("1D22BF32387C600AD97F9B97A51311AC",
	    "B0104B0TX12S0100KS1800604B120F9292800000BB68BE8680A400D9191AD4EC"
	    "E45B6E6C0D21C4738A52190E248719E24B433627",
	    "E8BC63E5479455E26577F715D587FE68");
}

/* TR-31:2018 A.7.4: version D, AES-256 KBPK. */
static void
t_a74(void **state)
{
	(void)state;
	known("88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6",
	    "D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D2"
	    "07E2E417C07156A27E8E31DA05F7425509593D03A457DC34",
	    "3F419E1CB7079442AA37474C2EFBF8B8");
}

/* payShield 10k: version B, K0 T N 00 N. */
static void
t_payshield_b(void **state)
{
	(void)state;
	known("EFE0853B256B583D868F251CE99EA1D9",
	    "B0080K0TN00N00001C414014375212C24995E405B5EE052CB92B67F455EA2680"
	    "F6751088F9F1C228", "5DB50B454F8389ADCE573BE50861F2BF");
}

/* Every changed character, a wrong KBPK, a cut block: refused. */
static void
t_negative(void **state)
{
	static const char blk[] = "B0080P0TE00E000094B420079CC80BA3461F86FE26"
	    "EFC4A3B8E4FA4C5F5341176EED7B727B8A248E";
	kx_secret *kbpk = sec("DD7515F2BFC17F85CE48F3CA25CB21F6");
	kx_secret *other = sec("DD7515F2BFC17F85CE48F3CA25CB21F7");
	kx_secret *aes = sec("DD7515F2BFC17F85CE48F3CA25CB21F6DD7515F2BFC17F85"
	    "CE48F3CA25CB21F6");
	kx_secret *key = NULL;
	struct kxi_tr31_hdr h;
	char t[sizeof(blk)];
	size_t i, n = strlen(blk);
	kx_diag *d = kx_diag_new();

	(void)state;
	for (i = 0; i < n; i++) {
		memcpy(t, blk, sizeof(blk));
		t[i] = t[i] == '1' ? '2' : '1';
		assert_int_not_equal(kxi_tr31_unwrap(kbpk, t, n, &h, &key, d),
		    KX_OK);
		assert_null(key);
	}
	/* the last KBPK bit is a parity bit, ignored by DES: not a test */
	assert_int_equal(kxi_tr31_unwrap(other, blk, n, &h, &key, d), KX_OK);
	kx_secret_free(key);
	key = NULL;
	assert_int_equal(kxi_tr31_unwrap(aes, blk, n, &h, &key, d),
	    KX_EINPUT);
	for (i = 0; i < n; i++)
		assert_int_not_equal(kxi_tr31_unwrap(kbpk, blk, i, &h, &key,
		    d), KX_OK);
	assert_int_equal(kxi_tr31_unwrap(kbpk, "A0072P0TE00E0000F5161ED9028"
	    "07AF26F1D62263644BD24192FDB3193C730301CEE8701", 72, &h, &key, d),
	    KX_EUNSUPPORTED);
	kx_diag_free(d);
	kx_secret_free(kbpk);
	kx_secret_free(other);
	kx_secret_free(aes);
}

/* Optional blocks: extended lengths read; the header padded with PB. */
static void
t_header(void **state)
{
	struct kxi_tr31_hdr h;
	const struct kxi_tr31_opt *o;

	(void)state;
	/* only the header is parsed: give the length the field says */
	assert_int_equal(kxi_tr31_parse("B0024P0TE00E0100XX08ABCD", 24, &h,
	    NULL), KX_OK);
	assert_int_equal(h.nopt, 1);
	assert_int_equal(h.hdrlen, 24);
	o = kxi_tr31_opt_find(&h, "XX");
	assert_non_null(o);
	assert_int_equal(o->len, 4);
	assert_memory_equal(o->data, "ABCD", 4);
	/* extended length: "00", "02" digits of length, "12" = 18 */
	assert_int_equal(kxi_tr31_parse("B0032P0TE00E0100KS000214ABCDEFGH",
	    32, &h, NULL), KX_ESYNTAX);	/* 20 characters, 16 left */
	assert_int_equal(kxi_tr31_parse("B0034P0TE00E0100KS000212ABCDEFGHIJ",
	    34, &h, NULL), KX_OK);
	o = kxi_tr31_opt_find(&h, "KS");
	assert_non_null(o);
	assert_int_equal(o->len, 10);
	/* a block longer than the rest, a count beyond the blocks */
	assert_int_equal(kxi_tr31_parse("B0024P0TE00E0100XX09ABCD", 24, &h,
	    NULL), KX_ESYNTAX);
	assert_int_equal(kxi_tr31_parse("B0024P0TE00E0200XX08ABCD", 24, &h,
	    NULL), KX_ESYNTAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_a722),
		cmocka_unit_test(t_a732),
		cmocka_unit_test(t_a74),
		cmocka_unit_test(t_payshield_b),
		cmocka_unit_test(t_negative),
		cmocka_unit_test(t_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
