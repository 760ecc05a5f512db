/*
 * test_report.c - golden outputs of the four report formats for a small
 * fixed set of findings, escaping of hostile file names, keys and
 * messages (quotes, <, &, control characters, invalid UTF-8), argument
 * checks and determinism.  The golden texts were reviewed by hand; the
 * SARIF and JUnit outputs are also validated against their published
 * schemas by tests/interop/report-schemas.sh.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kxtest.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define HOSTILE "dir/q\"<&>'\001 x.xml"

/* Five findings over four files (one of them clean). */
static kx_diag *
fixed_diag(kx_report_file f[4])
{
	kx_diag *d = kx_diag_new();
	kxi_loc l1 = { 21, 3, -1 }, l2 = { 0, 0, 17 }, l3 = { 7, 0, -1 };

	assert_non_null(d);
	kxi_diag_add(d, "KX104", KX_SEV_ERROR, KX_OK, "a.xml", &l1, "k1",
	    "active key expired at %s", "2026-05-01T00:00:00Z");
	kxi_diag_add(d, "KX132", KX_SEV_WARNING, KX_OK, "a.xml", NULL, "k1",
	    "wrapped value of a aes key has no KCV");
	kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ESYNTAX, "b.der", &l2,
	    NULL, "DER length too long");
	kxi_diag_add(d, "KX122", KX_SEV_NOTE, KX_OK, HOSTILE, &l3, "k\"<1>",
	    "waived by policy p (ok & \"fine\" <x>): tab\there \\ end");
	kxi_diag_add(d, NULL, KX_SEV_ERROR, KX_EIO, HOSTILE, NULL, NULL,
	    "cannot read: caf\303\251 \377 bad");
	f[0] = (kx_report_file){ .file = "a.xml",
	    .first = 0, .count = 2 };
	f[1] = (kx_report_file){ .file = "b.der",
	    .first = 2, .count = 1 };
	f[2] = (kx_report_file){ .file = "c.xml",
	    .first = 3, .count = 0 };
	f[3] = (kx_report_file){ .file = HOSTILE,
	    .first = 3, .count = 2 };
	return d;
}

static void
render(enum kx_report_format fmt, kx_buf *out)
{
	kx_report_file f[4];
	kx_diag *d = fixed_diag(f);

	memset(out, 0, sizeof(*out));
	assert_int_equal(kx_report_write(d, f, 4, fmt, out), KX_OK);
	assert_int_equal(kx_buf_append(out, "", 1), KX_OK);
	out->len--;
	kx_diag_free(d);
}

static void
expect(const kx_buf *b, const char *want)
{
	if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0) {
		print_message("got:\n%.*s\n", (int)b->len,
		    (const char *)b->data);
		fail();
	}
}

static void
golden_text(void **state)
{
	static const char want[] =
	    "a.xml:21:3: error: [KX104] key k1: active key expired at 2026-05-0"
	    "1T00:00:00Z\n"
	    "a.xml: warning: [KX132] key k1: wrapped value of a aes key has no "
	    "KCV\n"
	    "b.der:+17: error: [KX001] DER length too long\n"
	    "dir/q\"<&>'? x.xml:7: note: [KX122] key k\"<1>: waived by policy p"
	    " (ok & \"fine\" <x>): tab here \\ end\n"
	    "dir/q\"<&>'? x.xml: error: cannot read: caf\303\251 ? bad\n";
	kx_buf b;

	(void)state;
	render(KX_REPORT_TEXT, &b);
	expect(&b, want);
	kx_buf_free(&b);
}

static void
golden_json(void **state)
{
	static const char want[] =
	    "{\n"
	    "  \"version\": 1,\n"
	    "  \"files\": [\n"
	    "    {\n"
	    "      \"file\": \"a.xml\",\n"
	    "      \"valid\": false,\n"
	    "      \"findings\": [\n"
	    "        {\"rule\": \"KX104\", \"severity\": \"error\", \"line\": 2"
	    "1, \"column\": 3, \"offset\": null, \"key\": \"k1\", \"message\": "
	    "\"active key expired at 2026-05-01T00:00:00Z\"},\n"
	    "        {\"rule\": \"KX132\", \"severity\": \"warning\", \"line\":"
	    " null, \"column\": null, \"offset\": null, \"key\": \"k1\", \"mess"
	    "age\": \"wrapped value of a aes key has no KCV\"}\n"
	    "      ]\n"
	    "    },\n"
	    "    {\n"
	    "      \"file\": \"b.der\",\n"
	    "      \"valid\": false,\n"
	    "      \"findings\": [\n"
	    "        {\"rule\": \"KX001\", \"severity\": \"error\", \"line\": n"
	    "ull, \"column\": null, \"offset\": 17, \"key\": null, \"message\":"
	    " \"DER length too long\"}\n"
	    "      ]\n"
	    "    },\n"
	    "    {\n"
	    "      \"file\": \"c.xml\",\n"
	    "      \"valid\": true,\n"
	    "      \"findings\": []\n"
	    "    },\n"
	    "    {\n"
	    "      \"file\": \"dir/q\\\"<&>'\\u0001 x.xml\",\n"
	    "      \"valid\": false,\n"
	    "      \"findings\": [\n"
	    "        {\"rule\": \"KX122\", \"severity\": \"note\", \"line\": 7,"
	    " \"column\": null, \"offset\": null, \"key\": \"k\\\"<1>\", \"mess"
	    "age\": \"waived by policy p (ok & \\\"fine\\\" <x>): tab here \\\\"
	    " end\"},\n"
	    "        {\"rule\": null, \"severity\": \"error\", \"line\": null, "
	    "\"column\": null, \"offset\": null, \"key\": null, \"message\": \""
	    "cannot read: caf\303\251 \\ufffd bad\"}\n"
	    "      ]\n"
	    "    }\n"
	    "  ],\n"
	    "  \"summary\": {\"files\": 4, \"valid\": 1, \"errors\": 3, \"warni"
	    "ngs\": 1, \"notes\": 1, \"not_printed\": 0}\n"
	    "}\n";
	kx_buf b;

	(void)state;
	render(KX_REPORT_JSON, &b);
	expect(&b, want);
	kx_buf_free(&b);
}

/*
 * SARIF: golden without the rule lines of tool.driver.rules, which come
 * from rules.def and are checked line by line against the table.
 */
static void
golden_sarif(void **state)
{
	static const char want[] =
	    "{\n"
	    "  \"$schema\": \"https://docs.oasis-open.org/sarif/sarif/v2.1.0/er"
	    "rata01/os/schemas/sarif-schema-2.1.0.json\",\n"
	    "  \"version\": \"2.1.0\",\n"
	    "  \"runs\": [\n"
	    "    {\n"
	    "      \"tool\": {\n"
	    "        \"driver\": {\n"
	    "          \"name\": \"kmsxchg\",\n"
	    "          \"version\": \"" PACKAGE_VERSION "\",\n"
	    "          \"rules\": [\n"
	    "          ]\n"
	    "        }\n"
	    "      },\n"
	    "      \"artifacts\": [\n"
	    "        {\"location\": {\"uri\": \"a.xml\"}},\n"
	    "        {\"location\": {\"uri\": \"b.der\"}},\n"
	    "        {\"location\": {\"uri\": \"c.xml\"}},\n"
	    "        {\"location\": {\"uri\": \"dir/q%22%3C%26%3E%27%01%20x.xml"
	    "\"}}\n"
	    "      ],\n"
	    "      \"results\": [\n"
	    "        {\"ruleId\": \"KX104\", \"ruleIndex\": 8, \"level\": \"err"
	    "or\", \"message\": {\"text\": \"key k1: active key expired at 2026"
	    "-05-01T00:00:00Z\"},\n"
	    "         \"locations\": [{\"physicalLocation\": {\"artifactLocatio"
	    "n\": {\"uri\": \"a.xml\", \"index\": 0}, \"region\": {\"startLine"
	    "\": 21, \"startColumn\": 3}}}]},\n"
	    "        {\"ruleId\": \"KX132\", \"ruleIndex\": 33, \"level\": \"wa"
	    "rning\", \"message\": {\"text\": \"key k1: wrapped value of a aes "
	    "key has no KCV\"},\n"
	    "         \"locations\": [{\"physicalLocation\": {\"artifactLocatio"
	    "n\": {\"uri\": \"a.xml\", \"index\": 0}}}]},\n"
	    "        {\"ruleId\": \"KX001\", \"ruleIndex\": 0, \"level\": \"err"
	    "or\", \"message\": {\"text\": \"DER length too long\"},\n"
	    "         \"locations\": [{\"physicalLocation\": {\"artifactLocatio"
	    "n\": {\"uri\": \"b.der\", \"index\": 1}, \"region\": {\"byteOffset"
	    "\": 17}}}]},\n"
	    "        {\"ruleId\": \"KX122\", \"ruleIndex\": 23, \"level\": \"no"
	    "te\", \"message\": {\"text\": \"key k\\\"<1>: waived by policy p ("
	    "ok & \\\"fine\\\" <x>): tab here \\\\ end\"},\n"
	    "         \"locations\": [{\"physicalLocation\": {\"artifactLocatio"
	    "n\": {\"uri\": \"dir/q%22%3C%26%3E%27%01%20x.xml\", \"index\": 3},"
	    " \"region\": {\"startLine\": 7}}}]},\n"
	    "        {\"level\": \"error\", \"message\": {\"text\": \"cannot re"
	    "ad: caf\303\251 \\ufffd bad\"},\n"
	    "         \"locations\": [{\"physicalLocation\": {\"artifactLocatio"
	    "n\": {\"uri\": \"dir/q%22%3C%26%3E%27%01%20x.xml\", \"index\": 3}}"
	    "}]}\n"
	    "      ]\n"
	    "    }\n"
	    "  ]\n"
	    "}\n";
	kx_buf b, rest = { 0 };
	char *p, *nl, line[64];
	size_t nrules = 0;

	(void)state;
	render(KX_REPORT_SARIF, &b);
	for (p = (char *)b.data; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		if (strncmp(p, "            {\"id\": \"KX", 22) == 0) {
			const kx_rule_info *r = kx_rule_get(nrules++);

			assert_non_null(r);
			snprintf(line, sizeof(line), "            {\"id\": "
			    "\"%s\", \"name\": \"", r->id);
			assert_memory_equal(p, line, strlen(line));
			assert_non_null(strstr(p, r->summary));
			assert_true(strstr(p, "\"defaultConfiguration\": "
			    "{\"level\": \"") != NULL);
			continue;
		}
		assert_int_equal(kx_buf_append(&rest, p,
		    (size_t)(nl - p + 1)), KX_OK);
	}
	assert_int_equal(nrules, kx_rule_count());
	assert_non_null(strstr((char *)b.data, "{\"id\": \"KX121\", "
	    "\"name\": \"WeakWrap\", \"shortDescription\": {\"text\": \""));
	assert_non_null(strstr((char *)b.data, "\"id\": \"KX003\", \"name\": "
	    "\"UnknownIgnored\""));
	expect(&rest, want);
	kx_buf_free(&rest);
	kx_buf_free(&b);
}

static void
golden_junit(void **state)
{
	static const char want[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites>\n"
	    "  <testsuite package=\"kmsxchg\" id=\"0\" name=\"a.xml\" timestamp"
	    "=\"1970-01-01T00:00:00\" hostname=\"localhost\" tests=\"1\" failur"
	    "es=\"1\" errors=\"0\" skipped=\"0\" time=\"0\">\n"
	    "    <properties/>\n"
	    "    <testcase classname=\"a.xml\" name=\"KX104 k1\" time=\"0\">\n"
	    "      <failure type=\"KX104\" message=\"active key expired at 2026"
	    "-05-01T00:00:00Z\">a.xml:21:3: error: [KX104] key k1: active key e"
	    "xpired at 2026-05-01T00:00:00Z</failure>\n"
	    "    </testcase>\n"
	    "    <system-out>a.xml:21:3: error: [KX104] key k1: active key expi"
	    "red at 2026-05-01T00:00:00Z\n"
	    "a.xml: warning: [KX132] key k1: wrapped value of a aes key has no "
	    "KCV\n"
	    "</system-out>\n"
	    "    <system-err/>\n"
	    "  </testsuite>\n"
	    "  <testsuite package=\"kmsxchg\" id=\"1\" name=\"b.der\" timestamp"
	    "=\"1970-01-01T00:00:00\" hostname=\"localhost\" tests=\"1\" failur"
	    "es=\"1\" errors=\"0\" skipped=\"0\" time=\"0\">\n"
	    "    <properties/>\n"
	    "    <testcase classname=\"b.der\" name=\"KX001\" time=\"0\">\n"
	    "      <failure type=\"KX001\" message=\"DER length too long\">b.de"
	    "r:+17: error: [KX001] DER length too long</failure>\n"
	    "    </testcase>\n"
	    "    <system-out>b.der:+17: error: [KX001] DER length too long\n"
	    "</system-out>\n"
	    "    <system-err/>\n"
	    "  </testsuite>\n"
	    "  <testsuite package=\"kmsxchg\" id=\"2\" name=\"c.xml\" timestamp"
	    "=\"1970-01-01T00:00:00\" hostname=\"localhost\" tests=\"1\" failur"
	    "es=\"0\" errors=\"0\" skipped=\"0\" time=\"0\">\n"
	    "    <properties/>\n"
	    "    <testcase classname=\"c.xml\" name=\"valid\" time=\"0\"/>\n"
	    "    <system-out></system-out>\n"
	    "    <system-err/>\n"
	    "  </testsuite>\n"
	    "  <testsuite package=\"kmsxchg\" id=\"3\" name=\"dir/q&quot;&lt;&a"
	    "mp;&gt;&apos;\357\277\275 x.xml\" timestamp=\"1970-01-01T00:00:00"
	    "\" hostname=\"localhost\" tests=\"1\" failures=\"1\" errors=\"0\" "
	    "skipped=\"0\" time=\"0\">\n"
	    "    <properties/>\n"
	    "    <testcase classname=\"dir/q&quot;&lt;&amp;&gt;&apos;\357\277"
	    "\275 x.xml\" name=\"error\" time=\"0\">\n"
	    "      <failure type=\"error\" message=\"cannot read: caf\303\251 "
	    "\357\277\275 bad\">dir/q\"&lt;&amp;&gt;'? x.xml: error: cannot rea"
	    "d: caf\303\251 ? bad</failure>\n"
	    "    </testcase>\n"
	    "    <system-out>dir/q\"&lt;&amp;&gt;'? x.xml:7: note: [KX122] key "
	    "k\"&lt;1&gt;: waived by policy p (ok &amp; \"fine\" &lt;x&gt;): ta"
	    "b here \\ end\n"
	    "dir/q\"&lt;&amp;&gt;'? x.xml: error: cannot read: caf\303\251 ? ba"
	    "d\n"
	    "</system-out>\n"
	    "    <system-err/>\n"
	    "  </testsuite>\n"
	    "</testsuites>\n";
	kx_buf b;

	(void)state;
	render(KX_REPORT_JUNIT, &b);
	expect(&b, want);
	kx_buf_free(&b);
}

static void
no_files(void **state)
{
	kx_buf b = { 0 };
	kx_diag *d = kx_diag_new();

	(void)state;
	assert_int_equal(kx_report_write(d, NULL, 0, KX_REPORT_TEXT, &b),
	    KX_OK);
	assert_int_equal(b.len, 0);
	assert_int_equal(kx_report_write(d, NULL, 0, KX_REPORT_JSON, &b),
	    KX_OK);
	assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
	assert_string_equal((char *)b.data, "{\n  \"version\": 1,\n"
	    "  \"files\": [],\n  \"summary\": {\"files\": 0, \"valid\": 0, "
	    "\"errors\": 0, \"warnings\": 0, \"notes\": 0, \"not_printed\": 0}\n}\n");
	kx_buf_free(&b);
	assert_int_equal(kx_report_write(d, NULL, 0, KX_REPORT_JUNIT, &b),
	    KX_OK);
	assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
	assert_string_equal((char *)b.data, "<?xml version=\"1.0\" "
	    "encoding=\"UTF-8\"?>\n<testsuites>\n</testsuites>\n");
	kx_buf_free(&b);
	assert_int_equal(kx_report_write(d, NULL, 0, KX_REPORT_SARIF, &b),
	    KX_OK);
	assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
	assert_non_null(strstr((char *)b.data, "\"artifacts\": [],\n"
	    "      \"results\": []\n"));
	kx_buf_free(&b);
	kx_diag_free(d);
}

static void
bad_arguments(void **state)
{
	kx_report_file f[4];
	kx_diag *d = fixed_diag(f);
	kx_buf b = { 0 };

	(void)state;
	assert_int_equal(kx_buf_append(&b, "keep", 4), KX_OK);
	f[3].count = 3;		/* past the end of the diag */
	assert_int_equal(kx_report_write(d, f, 4, KX_REPORT_JSON, &b),
	    KX_EUSAGE);
	f[3].count = 2;
	f[3].first = (size_t)-1;
	assert_int_equal(kx_report_write(d, f, 4, KX_REPORT_TEXT, &b),
	    KX_EUSAGE);
	f[3].first = 3;
	assert_int_equal(kx_report_write(d, f, 4, (enum kx_report_format)9,
	    &b), KX_EUSAGE);
	assert_int_equal(b.len, 4);
	/* output is appended after what the buffer holds */
	assert_int_equal(kx_report_write(d, f, 1, KX_REPORT_TEXT, &b), KX_OK);
	assert_memory_equal(b.data, "keepa.xml:21:3: error:", 22);
	kx_buf_free(&b);
	/* an output limit fails cleanly, leaving the buffer as it was */
	b.max = 64;
	assert_int_equal(kx_buf_append(&b, "x", 1), KX_OK);
	assert_int_equal(kx_report_write(d, f, 4, KX_REPORT_SARIF, &b),
	    KX_ELIMIT);
	assert_int_equal(b.len, 1);
	kx_buf_free(&b);
	kx_diag_free(d);
}

/* A file named twice is one SARIF artifact (artifacts are unique). */
static void
sarif_same_file_twice(void **state)
{
	kx_report_file f[4];
	kx_diag *d = fixed_diag(f);
	kx_buf b = { 0 };
	const char *p;

	(void)state;
	f[1].file = "a.xml";	/* b.der's finding, reported as a.xml */
	assert_int_equal(kx_report_write(d, f, 2, KX_REPORT_SARIF, &b),
	    KX_OK);
	assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
	p = strstr((char *)b.data, "\"artifacts\": [\n        {\"location\": "
	    "{\"uri\": \"a.xml\"}}\n      ],");
	assert_non_null(p);
	/* b.der's own file name stays on its result, without the index */
	assert_non_null(strstr((char *)b.data, "{\"uri\": \"b.der\"}, "
	    "\"region\": {\"byteOffset\": 17}"));
	kx_buf_free(&b);
	kx_diag_free(d);
}

/*
 * Issue 7 item 9: past the limit findings are counted, never lost.
 * Notes and warnings stop being stored at KX_DIAG_MAX_FINDINGS, errors at
 * twice that; an error past both is still counted, merged and reported.
 */
static void
limit_counts_everything(void **state)
{
	kx_report_file f;
	kx_diag *d = kx_diag_new(), *m = kx_diag_new();
	kx_buf b = { 0 };
	const char *p;
	enum kx_report_format fmt;
	size_t i;

	(void)state;
	assert_non_null(d);
	assert_non_null(m);
	for (i = 0; i < KX_DIAG_MAX_FINDINGS + 1; i++)
		kxi_diag_add(d, "KX003", KX_SEV_WARNING, KX_OK, "a.xml", NULL,
		    NULL, "w");
	assert_int_equal(kx_diag_count(d), KX_DIAG_MAX_FINDINGS);
	assert_int_equal(kx_diag_dropped(d, KX_SEV_WARNING), 1);
	/* errors are stored past the limit for warnings ... */
	for (i = 0; i < KX_DIAG_MAX_FINDINGS; i++)
		kxi_diag_add(d, "KX104", KX_SEV_ERROR, KX_OK, "a.xml", NULL,
		    NULL, "e");
	assert_int_equal(kx_diag_count(d), 2 * KX_DIAG_MAX_FINDINGS);
	assert_int_equal(kx_diag_dropped(d, KX_SEV_ERROR), 0);
	/* ... then counted: the verdict never misses one */
	kxi_diag_add(d, "KX104", KX_SEV_ERROR, KX_OK, "a.xml", NULL, NULL,
	    "last");
	kxi_diag_add(d, "KX122", KX_SEV_NOTE, KX_OK, "a.xml", NULL, NULL,
	    "n");
	assert_int_equal(kx_diag_count(d), 2 * KX_DIAG_MAX_FINDINGS);
	assert_int_equal(kx_diag_dropped(d, KX_SEV_ERROR), 1);
	assert_int_equal(kx_diag_dropped(d, KX_SEV_NOTE), 1);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_ERROR),
	    KX_DIAG_MAX_FINDINGS + 1);
	assert_int_equal(kx_diag_count_at(d, KX_SEV_NOTE),
	    2 * KX_DIAG_MAX_FINDINGS + 3);

	/* merging carries the counts (export/import copy findings so) */
	kxi_diag_merge(m, d);
	assert_int_equal(kx_diag_count_at(m, KX_SEV_ERROR),
	    KX_DIAG_MAX_FINDINGS + 1);
	assert_int_equal(kx_diag_dropped(m, KX_SEV_ERROR), 1);
	assert_int_equal(kx_diag_dropped(m, KX_SEV_WARNING), 1);

	/* a file whose only errors were dropped is invalid in every format */
	memset(&f, 0, sizeof(f));
	f.file = "a.xml";
	f.first = 0;
	f.count = 0;
	f.dropped[KX_SEV_ERROR] = 2;
	f.dropped[KX_SEV_WARNING] = 1;
	for (fmt = KX_REPORT_TEXT; fmt <= KX_REPORT_JUNIT; fmt++) {
		assert_int_equal(kx_report_write(d, &f, 1, fmt, &b), KX_OK);
		assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
		p = (const char *)b.data;
		assert_non_null(strstr(p, "3 findings not printed (limit of "
		    "100000 findings reached): 2 errors, 1 warnings, 0 notes"));
		if (fmt == KX_REPORT_TEXT)
			assert_non_null(strstr(p, "a.xml: error: 3 findings"));
		if (fmt == KX_REPORT_JSON) {
			assert_non_null(strstr(p, "\"valid\": false,"));
			assert_non_null(strstr(p, "\"errors\": 2, \"warnings"
			    "\": 1, \"notes\": 0, \"not_printed\": 3}"));
		}
		if (fmt == KX_REPORT_SARIF)
			assert_non_null(strstr(p, "{\"level\": \"error\", "
			    "\"message\": {\"text\": \"3 findings"));
		if (fmt == KX_REPORT_JUNIT) {
			assert_non_null(strstr(p, "tests=\"1\" failures="
			    "\"1\""));
			assert_non_null(strstr(p, "name=\"not-printed\""));
		}
		kx_buf_free(&b);
	}
	kx_diag_free(m);
	kx_diag_free(d);
}

static void
deterministic(void **state)
{
	enum kx_report_format fmt;
	kx_buf a, b;

	(void)state;
	for (fmt = KX_REPORT_TEXT; fmt <= KX_REPORT_JUNIT; fmt++) {
		render(fmt, &a);
		render(fmt, &b);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		/* never a raw control character or invalid byte 0xFF */
		assert_null(memchr(a.data, 0x01, a.len));
		assert_null(memchr(a.data, 0xFF, a.len));
		kx_buf_free(&a);
		kx_buf_free(&b);
	}
}

/*
 * Issue 7 item 18: with options, JUnit carries the caller's time (UTC,
 * the schema's zone-less form) and SARIF says whether the run completed.
 */
/* The fixed findings rendered with o contain want (and not absent). */
static void
expect_opts(enum kx_report_format fmt, const kx_report_opts *o,
    const char *want, const char *absent)
{
	kx_report_file f[4];
	kx_diag *d = fixed_diag(f);
	kx_buf b = { 0 };

	assert_int_equal(kx_report_write_opts(d, f, 4, fmt, o, &b), KX_OK);
	assert_int_equal(kx_buf_append(&b, "", 1), KX_OK);
	assert_non_null(strstr((char *)b.data, want));
	if (absent != NULL)
		assert_null(strstr((char *)b.data, absent));
	kx_buf_free(&b);
	kx_diag_free(d);
}

static void
with_opts(void **state)
{
	kx_report_opts o = { 1780272000, 1 };	/* 2026-06-01T00:00:00Z */

	(void)state;
	expect_opts(KX_REPORT_JUNIT, &o, "name=\"a.xml\" timestamp="
	    "\"2026-06-01T00:00:00\" hostname", "1970");
	expect_opts(KX_REPORT_SARIF, &o, "\"invocations\": [{"
	    "\"executionSuccessful\": false}],", NULL);
	o.incomplete = 0;
	expect_opts(KX_REPORT_SARIF, &o, "\"executionSuccessful\": true",
	    NULL);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(with_opts),
		cmocka_unit_test(golden_text),
		cmocka_unit_test(golden_json),
		cmocka_unit_test(golden_sarif),
		cmocka_unit_test(golden_junit),
		cmocka_unit_test(no_files),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(sarif_same_file_twice),
		cmocka_unit_test(deterministic),
		cmocka_unit_test(limit_counts_everything),
	};

	return cmocka_run_group_tests(t, NULL, NULL);
}
