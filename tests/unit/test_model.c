/* test_model.c - model, names, time, durations, hex, buffers, diag. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <unistd.h>

#include "kxtest.h"

static void
names_round_trip(void **state)
{
	int t, v, n;

	(void)state;
	for (t = 0; t < KX_ENUM__N; t++) {
		n = kx_enum_count(t);
		assert_true(n > 0);
		for (v = 0; v < n; v++) {
			const char *s = kx_name(t, v);

			assert_non_null(s);
			assert_int_equal(kx_value(t, s), v);
		}
		assert_null(kx_name(t, n));
		assert_null(kx_name(t, -1));
		assert_int_equal(kx_value(t, "no-such-name"), -1);
	}
	assert_string_equal(kx_name(KX_ENUM_USAGE, KX_U_MAC_VERIFY),
	    "mac-verify");
	assert_string_equal(kx_name(KX_ENUM_ALG, KX_ALG_TDEA2), "tdea2");
	assert_string_equal(kx_name(KX_ENUM_WRAP_ALG, KX_WRAP_AES_SIV_BOUND),
	    "aes-siv-bound");
	assert_int_equal(kx_format_from_name("der"), KX_FMT_DER);
	assert_int_equal(kx_format_from_name("pdf"), KX_FMT_AUTO);
}

/* Formats declare what they carry; names come from the format table. */
static void
format_caps(void **state)
{
	kx_diag *d = kx_diag_new();
	int f;

	(void)state;
	assert_int_equal(kx_format_caps(KX_FMT_AUTO), 0);
	assert_int_equal(kx_format_caps(KX_FMT__N), 0);
	assert_string_equal(kx_format_name(KX_FMT_AUTO), "auto");
	assert_string_equal(kx_format_name(KX_FMT__N), "unknown");
	for (f = KX_FMT_AUTO + 1; f < KX_FMT__N; f++) {
		assert_int_not_equal(kx_format_caps(f), 0);
		assert_int_equal(kx_format_from_name(kx_format_name(f)), f);
	}
	assert_true(kx_format_caps(KX_FMT_DER) & KX_CAP_BINARY);
	assert_false(kx_format_caps(KX_FMT_XML) & KX_CAP_BINARY);
	assert_true(kx_format_caps(KX_FMT_XML) & KX_CAP_TK_KCV);
	assert_true(kx_format_caps(KX_FMT_DER) & KX_CAP_BOUND);
	/* a GP KeyProfile: one key, a transport key without its KCV */
	assert_false(kx_format_caps(KX_FMT_GP) & KX_CAP_KEYS);
	assert_false(kx_format_caps(KX_FMT_GP) & KX_CAP_TK_KCV);
	assert_false(kx_format_caps(KX_FMT_GP) & KX_CAP_BOUND);
	/* export --to a format without bound values writes cryptograms */
	assert_true(kx_format_caps(KX_FMT_GP) & KX_CAP_CRYPTOGRAM);
	assert_false(kx_format_caps(KX_FMT_XML) & KX_CAP_CRYPTOGRAM);
	assert_false(kx_format_caps(KX_FMT_DER) & KX_CAP_CRYPTOGRAM);
	/* the unknown-format message lists the table's formats */
	assert_int_equal(kx_doc_read((const uint8_t *)"junk", 4, KX_FMT_AUTO,
	    "j", &(kx_doc *){ NULL }, d), KX_ESYNTAX);
	assert_string_equal(kx_diag_get(d, 0)->rule, "KX001");
	assert_string_equal(kx_diag_get(d, 0)->message, "not a kmsxchg XML, "
	    "DER or GP KeyProfile document");
	kx_diag_free(d);
}

static void
time_parse_format(void **state)
{
	int64_t t;
	char buf[21];

	(void)state;
	assert_int_equal(kx_time_parse("1970-01-01T00:00:00Z", &t), KX_OK);
	assert_int_equal(t, 0);
	/* 2000-03-01 is day 11017 since the epoch (leap-year handling). */
	assert_int_equal(kx_time_parse("2000-03-01", &t), KX_OK);
	assert_int_equal(t, (int64_t)11017 * 86400);
	assert_int_equal(kx_time_parse("2026-11-23T18:46:05Z", &t), KX_OK);
	assert_int_equal(t, 1795459565);
	kx_time_format(t, buf);
	assert_string_equal(buf, "2026-11-23T18:46:05Z");
	kx_time_format(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	assert_int_equal(kx_time_parse("2023-02-29", &t), KX_ESYNTAX);
	assert_int_equal(kx_time_parse("2024-02-29", &t), KX_OK);
	assert_int_equal(kx_time_parse("2026-13-01", &t), KX_ESYNTAX);
	assert_int_equal(kx_time_parse("2026-01-01T24:00:00Z", &t),
	    KX_ESYNTAX);
	assert_int_equal(kx_time_parse("2026-01-01T00:00:00", &t),
	    KX_ESYNTAX);
	assert_int_equal(kx_time_parse("26-01-01", &t), KX_ESYNTAX);
}

static void
durations(void **state)
{
	int64_t s;

	(void)state;
	assert_int_equal(kxi_duration_parse("P1Y", &s), KX_OK);
	assert_int_equal(s, 31557600);
	assert_int_equal(kxi_duration_parse("P2Y6M", &s), KX_OK);
	assert_int_equal(s, 2 * 31557600 + 6 * 2629800);
	assert_int_equal(kxi_duration_parse("PT36H", &s), KX_OK);
	assert_int_equal(s, 36 * 3600);
	assert_int_equal(kxi_duration_parse("P1DT1M", &s), KX_OK);
	assert_int_equal(s, 86400 + 60);
	assert_int_equal(kxi_duration_parse("P", &s), KX_ESYNTAX);
	assert_int_equal(kxi_duration_parse("PT", &s), KX_ESYNTAX);
	assert_int_equal(kxi_duration_parse("P1M1Y", &s), KX_ESYNTAX);
	assert_int_equal(kxi_duration_parse("1Y", &s), KX_ESYNTAX);
	assert_int_equal(kxi_duration_parse("P1H", &s), KX_ESYNTAX);
}

/*
 * Issue 7 item 12: durations added on the calendar (XML Schema 1.1
 * Part 2, E.3.3), with month ends clamped.
 */
static int64_t
cal_add(const char *from, const char *dur)
{
	struct kxi_duration d;
	int64_t t;

	assert_int_equal(kx_time_parse(from, &t), KX_OK);
	assert_int_equal(kxi_duration_parse_cal(dur, &d), KX_OK);
	return kxi_duration_add(t, &d);
}

static void
expect_add(const char *from, const char *dur, const char *want)
{
	char buf[21];

	kx_time_format(cal_add(from, dur), buf);
	assert_string_equal(buf, want);
}

static void
calendar_durations(void **state)
{
	struct kxi_duration d;

	(void)state;
	/* five calendar years hold two leap days here: 1827 days */
	expect_add("2027-06-01T00:00:00Z", "P5Y", "2032-06-01T00:00:00Z");
	assert_int_equal(cal_add("2027-06-01T00:00:00Z", "P5Y") -
	    cal_add("2027-06-01T00:00:00Z", "P0D"), 1827 * 86400);
	/* month ends clamp: Jan 31 + P1M, leap and common years */
	expect_add("2027-01-31T12:00:00Z", "P1M", "2027-02-28T12:00:00Z");
	expect_add("2028-01-31T12:00:00Z", "P1M", "2028-02-29T12:00:00Z");
	expect_add("2027-03-31T00:00:00Z", "P1M", "2027-04-30T00:00:00Z");
	expect_add("2027-01-31T00:00:00Z", "P2M", "2027-03-31T00:00:00Z");
	/* Feb 29 + P1Y is Feb 28; + P4Y is Feb 29 again */
	expect_add("2028-02-29T00:00:00Z", "P1Y", "2029-02-28T00:00:00Z");
	expect_add("2028-02-29T00:00:00Z", "P4Y", "2032-02-29T00:00:00Z");
	/* 2100 is not a leap year, 2000 is */
	expect_add("2096-02-29T00:00:00Z", "P4Y", "2100-02-28T00:00:00Z");
	expect_add("1996-02-29T00:00:00Z", "P4Y", "2000-02-29T00:00:00Z");
	/* months carry into years; days and times are elapsed time */
	expect_add("2027-11-15T00:00:00Z", "P1Y14M", "2030-01-15T00:00:00Z");
	expect_add("2027-02-28T23:00:00Z", "P1DT2H", "2027-03-02T01:00:00Z");
	expect_add("2027-12-31T23:59:59Z", "PT1S", "2028-01-01T00:00:00Z");
	expect_add("2027-01-01T00:00:00Z", "P1W", "2027-01-08T00:00:00Z");
	/* before the epoch */
	expect_add("1969-12-31T23:59:59Z", "P1M", "1970-01-31T23:59:59Z");
	/* parsed fields */
	assert_int_equal(kxi_duration_parse_cal("P1Y2M3W4DT5H6M7S", &d),
	    KX_OK);
	assert_int_equal(d.years, 1);
	assert_int_equal(d.months, 2);
	assert_int_equal(d.days, 25);
	assert_int_equal(d.secs, 5 * 3600 + 6 * 60 + 7);
	assert_int_equal(kxi_duration_parse_cal("P1M1Y", &d), KX_ESYNTAX);
	assert_int_equal(kxi_duration_parse_cal("P", &d), KX_ESYNTAX);
}

static void
hex_and_numbers(void **state)
{
	uint8_t b[4];
	char s[9];
	size_t n;
	unsigned long long v;

	(void)state;
	assert_int_equal(kxi_hex_decode_buf("0aFf10", b, 4, &n), KX_OK);
	assert_int_equal(n, 3);
	assert_int_equal(b[0], 0x0a);
	assert_int_equal(b[1], 0xff);
	kxi_hex_encode(b, 3, s);
	assert_string_equal(s, "0AFF10");
	assert_int_equal(kxi_hex_decode_buf("0g", b, 4, &n), KX_ESYNTAX);
	assert_int_equal(kxi_hex_decode_buf("abc", b, 4, &n), KX_ESYNTAX);
	assert_int_equal(kxi_hex_decode_buf("0102030405", b, 4, &n),
	    KX_ELIMIT);
	assert_int_equal(kxi_parse_uint("255", 255, &v), KX_OK);
	assert_int_equal(v, 255);
	assert_int_equal(kxi_parse_uint("256", 255, &v), KX_ELIMIT);
	assert_int_equal(kxi_parse_uint("-1", 255, &v), KX_ESYNTAX);
	assert_int_equal(kxi_parse_uint("", 255, &v), KX_ESYNTAX);
	assert_int_equal(kxi_parse_uint("18446744073709551616", ~0ULL, &v),
	    KX_ELIMIT);
}

static void
buffers_are_bounded(void **state)
{
	kx_buf b = { 0 };
	int i;

	(void)state;
	b.max = 10;
	assert_int_equal(kx_buf_append(&b, "12345", 5), KX_OK);
	assert_int_equal(kx_buf_printf(&b, "%d", 1234), KX_OK);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "123451234", 9);
	assert_int_equal(kx_buf_append(&b, "ab", 2), KX_ELIMIT);
	assert_int_equal(b.len, 9);
	kx_buf_free(&b);
	kx_buf_free(&b);
	b.max = 0;	/* the limit outlives kx_buf_free */
	for (i = 0; i < 1000; i++)
		assert_int_equal(kx_buf_append(&b, "x", 1), KX_OK);
	assert_int_equal(b.len, 1000);
	kx_buf_free(&b);
}

/*
 * errors.def is not installed: kmsxchg.h writes the codes out.  Every
 * "KX_E... = N," line of the enum kx_error in the header is a code of the
 * table with that value, and the header has as many as the table (err.c
 * checks each table value against the header at compile time).
 */
static void
header_errors_agree(void)
{
	static const struct { const char *name; int value; } tab[] = {
#define KX_ERR(name, value, text) { #name, value },
#include "errors.def"
#undef KX_ERR
	};
	kx_buf h;
	const char *p, *end;
	char name[64];
	int v, found = 0;
	size_t i;

	kxt_slurp("codec/kmsxchg.h", &h);
	assert_non_null(p = strstr((const char *)h.data, "enum kx_error {"));
	assert_non_null(end = strstr(p, "};"));
	while ((p = strstr(p, "\n\tKX_")) != NULL && p < end) {
		assert_int_equal(sscanf(p + 2, "%63[A-Z_] = %d,", name, &v), 2);
		for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
			if (strcmp(tab[i].name, name) == 0)
				break;
		assert_true(i < sizeof(tab) / sizeof(tab[0]));
		assert_int_equal(tab[i].value, v);
		found++;
		p++;
	}
	assert_int_equal(found, (int)(sizeof(tab) / sizeof(tab[0])));
	kx_buf_free(&h);
}

static void
errors_and_diag(void **state)
{
	kx_diag *d = kx_diag_new();
	kxi_loc loc = { 3, 7, -1 };
	const kx_finding *f;

	(void)state;
#define KX_ERR(name, value, text) \
	assert_string_equal(kx_strerror(value), text);
#include "errors.def"
#undef KX_ERR
	assert_string_equal(kx_strerror(12345), "unknown error");
	header_errors_agree();
	assert_int_equal(kxi_diag_add(d, "KX104", KX_SEV_ERROR, KX_OK, "f.xml",
	    &loc, "K1", "expired\non %s", "2020"), KX_OK);
	assert_int_equal(KX_FAIL(d, KX_EIO, "cannot %s", "read"), KX_EIO);
	assert_int_equal(kx_diag_count(d), 2);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR), 2);
	f = kx_diag_get(d, 0);
	assert_string_equal(f->rule, "KX104");
	assert_string_equal(f->file, "f.xml");
	assert_string_equal(f->key_id, "K1");
	assert_int_equal(f->line, 3);
	assert_int_equal(f->col, 7);
	/* messages stay on one line */
	assert_string_equal(f->message, "expired on 2020");
	assert_null(kx_diag_get(d, 2));
	kx_diag_clear(d);
	assert_int_equal(kx_diag_count(d), 0);
	kx_diag_free(d);
	kx_diag_free(NULL);
	/* a NULL diag is allowed everywhere */
	assert_int_equal(KX_FAIL(NULL, KX_ENOMEM, "x"), KX_ENOMEM);
}

static void
model_defaults_and_lookup(void **state)
{
	kx_doc *doc = kxi_doc_new();
	kx_key *k;
	kxi_tk *t;
	size_t i;
	char id[16];

	(void)state;
	assert_non_null(doc);
	for (i = 0; i < 100; i++) {
		assert_non_null(k = kxi_doc_add_key(doc));
		snprintf(id, sizeof(id), "K%zu", i);
		k->prof.id = kxi_strdup(&doc->arena, id);
		assert_int_equal(kxi_strlist_add(&doc->arena,
		    &k->prof.custodians, "alice"), KX_OK);
	}
	k = &doc->keys[42];
	assert_true(k->prof.sensitive);
	assert_false(k->prof.export_.allowed);
	assert_true(k->prof.import_.allowed);
	assert_int_equal(k->prof.state, KX_STATE_ACTIVE);
	assert_int_equal(k->prof.mode, KX_KEYMODE_PRODUCTION);
	assert_int_equal(k->prof.gp.kvn, KX_UNSET);
	assert_true(k->prof.not_after == KX_UNSET_TIME);
	assert_int_equal(k->loc[KXF_KCV].off, -1);
	assert_ptr_equal(kxi_doc_find_key(doc, "K42"), k);
	assert_null(kxi_doc_find_key(doc, "K100"));
	assert_non_null(t = kxi_doc_add_tk(doc));
	t->id = "TK";
	assert_ptr_equal(kxi_doc_find_tk(doc, "TK"), t);
	assert_null(kxi_doc_find_tk(doc, NULL));
	assert_int_equal(kx_doc_key_count(doc), 100);
	assert_string_equal(kx_doc_key(doc, 99)->prof.custodians.v[0],
	    "alice");
	assert_null(kx_doc_key(doc, 100));
	kx_doc_free(doc);
	kx_doc_free(NULL);
}

static void
arena_limit(void **state)
{
	kxi_arena a = { 0 };

	(void)state;
	a.max = 1000;
	assert_non_null(kxi_alloc(&a, 500));
	assert_null(kxi_alloc(&a, 600));
	assert_non_null(kxi_strdup(&a, "abc"));
	kxi_arena_free(&a);
}

static void
atomic_write(void **state)
{
	char dir[] = "/tmp/kxtest.XXXXXX", path[64], bad[80];
	struct stat st;
	kx_buf b = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out", dir);
	assert_int_equal(kx_file_write_atomic(path, "hello", 5, 1, NULL),
	    KX_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(kx_file_read(path, 0, &b, NULL), KX_OK);
	assert_int_equal(b.len, 5);
	kx_buf_free(&b);
	/* a failing write leaves the old file untouched and no temp file */
	snprintf(bad, sizeof(bad), "%s/missing/out", dir);
	assert_int_equal(kx_file_write_atomic(bad, "x", 1, 0, NULL), KX_EIO);
	assert_int_equal(kx_file_read(path, 3, &b, NULL), KX_ELIMIT);
	kx_buf_free(&b);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(format_caps),
		cmocka_unit_test(time_parse_format),
		cmocka_unit_test(durations),
		cmocka_unit_test(calendar_durations),
		cmocka_unit_test(hex_and_numbers),
		cmocka_unit_test(buffers_are_bounded),
		cmocka_unit_test(errors_and_diag),
		cmocka_unit_test(model_defaults_and_lookup),
		cmocka_unit_test(arena_limit),
		cmocka_unit_test(atomic_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
