/*
 * report.c - validation reports: text, JSON, SARIF 2.1.0 and JUnit XML.
 *
 * Every format is a pure function of the findings and file list: no
 * clock, no host name, no environment, so the same input gives the same
 * bytes.  Strings are escaped for their format (JSON: RFC 8259 section 7;
 * XML 1.0: character references, characters XML cannot carry become
 * U+FFFD); invalid UTF-8 in file names becomes U+FFFD.
 *
 * Text (one finding per line, like a compiler; nothing for a clean file):
 *   FILE:LINE:COL: SEVERITY: [KXnnn] key ID: MESSAGE    XML places
 *   FILE:+OFFSET: SEVERITY: [KXnnn] key ID: MESSAGE     DER byte offsets
 *   FILE: SEVERITY: [KXnnn] key ID: MESSAGE             no place known
 * "[KXnnn] " is left out for findings that are no rule (I/O errors) and
 * "key ID: " for findings about no key.
 *
 * JSON (pretty-printed, keys in this order, 2-space indent):
 *   {"version": 1,
 *    "files": [{"file": F, "valid": B, "findings": [{"rule": R|null,
 *      "severity": "error|warning|note", "line": N|null, "column": N|null,
 *      "offset": N|null, "key": K|null, "message": M}]}],
 *    "summary": {"files": N, "valid": N, "errors": N, "warnings": N,
 *      "notes": N, "not_printed": N}}
 *   A file is valid when none of its findings is an error.
 *
 * Findings past the diag's limit (KX_DIAG_MAX_FINDINGS) are not printed
 * but counted (kx_report_file.dropped): a file with such findings gets
 * one more line "N findings not printed (limit of ... reached): E errors,
 * W warnings, N notes" at the worst of their severities (text, SARIF
 * result without a rule, a JUnit failing test case "not-printed" when
 * one of them is an error, else a system-out line), and in JSON
 * "not_printed": N and "not_printed_message" after "valid"; the JSON
 * summary counts them by severity and in "not_printed".  A file with a
 * dropped error is invalid.
 *
 * SARIF 2.1.0 (OASIS Standard, errata 01): one run; tool.driver has the
 * whole rule table (id, name = slug in Pascal case, shortDescription,
 * help = example, defaultConfiguration.level); results carry ruleId and
 * ruleIndex, level, message.text ("key ID: " + message) and one
 * physicalLocation (artifactLocation.uri, percent-encoded, and region
 * startLine/startColumn or byteOffset).  tool.driver.informationUri is
 * PACKAGE_URL (AC_INIT's URL argument) when configure sets one.
 *
 * JUnit XML follows the Apache Ant schema as published by Windy Road
 * (tests/data/junit.xsd): one testsuite per file; one failing testcase
 * per error finding, or one passing testcase "valid" when the file has
 * none; every finding as text lines in the suite's system-out.  The
 * schema requires a timestamp and host name: the timestamp is the
 * caller's (kx_report_opts.when, UTC, YYYY-MM-DDThh:mm:ss as the schema's
 * pattern wants; 1970-01-01T00:00:00 from kx_report_write), the host
 * name is fixed (localhost).
 *
 * With kx_report_opts, SARIF also says whether the run completed
 * (runs[0].invocations[0].executionSuccessful): false when the caller
 * stopped early (a policy that cannot be read) and reports why.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif
#ifndef PACKAGE_URL
#define PACKAGE_URL ""
#endif

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/" \
	"errata01/os/schemas/sarif-schema-2.1.0.json"

static const char *const sev_names[] = { "note", "warning", "error" };

static const char *
sev_name(enum kx_severity s)
{
	return (unsigned)s <= KX_SEV_ERROR ? sev_names[s] : "error";
}

/* ---- escaping ------------------------------------------------------- */
static int
json_str(kx_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, len;
	long c;
	int r;

	if (s == NULL)
		return kx_buf_printf(b, "null");
	n = strlen(s);
	if ((r = kx_buf_append(b, "\"", 1)) != KX_OK)
		return r;
	while (n > 0 && r == KX_OK) {
		c = kxi_utf8_next(p, n, &len);
		if (c < 0)
			r = kx_buf_printf(b, "\\ufffd");
		else if (c == '"')
			r = kx_buf_printf(b, "\\\"");
		else if (c == '\\')
			r = kx_buf_printf(b, "\\\\");
		else if (c == '\n')
			r = kx_buf_printf(b, "\\n");
		else if (c == '\r')
			r = kx_buf_printf(b, "\\r");
		else if (c == '\t')
			r = kx_buf_printf(b, "\\t");
		else if (c < 0x20 || c == 0x7F)
			r = kx_buf_printf(b, "\\u%04lx", (unsigned long)c);
		else
			r = kx_buf_append(b, p, len);
		p += len;
		n -= len;
	}
	if (r == KX_OK)
		r = kx_buf_append(b, "\"", 1);
	return r;
}

/* The one JSON string escaper of the library (the audit trail uses it). */
int
kxi_json_str(kx_buf *b, const char *s)
{
	return json_str(b, s);
}

/* XML text or attribute value: what XML cannot carry becomes U+FFFD. */
static int
xml_str(kx_buf *b, const char *s, int attr)
{
	return kxi_xml_escape(b, s != NULL ? s : "",
	    KXI_XML_REPLACE | (attr ? KXI_XML_ATTR : 0));
}

/* A file name as a URI reference (RFC 3986): unreserved and "/" kept. */
static int
uri_str(kx_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int r = KX_OK;

	for (; *p != '\0' && r == KX_OK; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~' || *p == '/')
			r = kx_buf_append(b, p, 1);
		else
			r = kx_buf_printf(b, "%%%02X", *p);
	}
	return r;
}

/* ---- shared --------------------------------------------------------- */
static const char *
file_of(const kx_finding *f, const kx_report_file *rf)
{
	if (f != NULL && f->file != NULL)
		return f->file;
	return rf->file != NULL && rf->file[0] != '\0' ? rf->file : "-";
}

static const char *
group_name(const kx_report_file *rf)
{
	return rf->file != NULL && rf->file[0] != '\0' ? rf->file : "-";
}

/* Findings of the file counted but not stored, and their worst severity. */
static size_t
dropped_in(const kx_report_file *rf, enum kx_severity *worst)
{
	size_t n = 0;
	int s;

	*worst = KX_SEV_NOTE;
	for (s = KX_SEV_NOTE; s <= KX_SEV_ERROR; s++) {
		n += rf->dropped[s];
		if (rf->dropped[s] > 0)
			*worst = (enum kx_severity)s;
	}
	return n;
}

/* "N findings not printed (...)": the stand-in for dropped findings. */
static int
dropped_msg(kx_buf *b, const kx_report_file *rf)
{
	enum kx_severity worst;

	return kx_buf_printf(b, "%zu findings not printed (limit of %d "
	    "findings reached): %zu errors, %zu warnings, %zu notes",
	    dropped_in(rf, &worst), KX_DIAG_MAX_FINDINGS,
	    rf->dropped[KX_SEV_ERROR], rf->dropped[KX_SEV_WARNING],
	    rf->dropped[KX_SEV_NOTE]);
}

/* The dropped-findings line of a file as a finding with no place. */
static int
dropped_finding(const kx_report_file *rf, kx_finding *f, kx_buf *msg)
{
	int r;

	memset(f, 0, sizeof(*f));
	f->offset = -1;
	(void)dropped_in(rf, &f->severity);
	f->rc = KX_ELIMIT;
	if ((r = dropped_msg(msg, rf)) == KX_OK &&
	    (r = kx_buf_append(msg, "", 1)) == KX_OK)
		f->message = (const char *)msg->data;
	return r;
}

static size_t
errors_in(const kx_diag *d, const kx_report_file *rf)
{
	size_t i, n = rf->dropped[KX_SEV_ERROR];

	for (i = 0; i < rf->count; i++)
		if (kx_diag_get(d, rf->first + i)->severity >= KX_SEV_ERROR)
			n++;
	return n;
}

/* One text line for a finding (also the JUnit failure text). */
static int
text_line(kx_buf *b, const kx_finding *f, const kx_report_file *rf)
{
	int r;

	if ((r = kxi_text_escape(b, file_of(f, rf))) != KX_OK)
		return r;
	if (f->line > 0 && f->col > 0)
		r = kx_buf_printf(b, ":%" PRIu32 ":%" PRIu32, f->line, f->col);
	else if (f->line > 0)
		r = kx_buf_printf(b, ":%" PRIu32, f->line);
	else if (f->offset >= 0)
		r = kx_buf_printf(b, ":+%" PRId64, f->offset);
	if (r == KX_OK)
		r = kx_buf_printf(b, ": %s: ", sev_name(f->severity));
	if (r == KX_OK && f->rule[0] != '\0')
		r = kx_buf_printf(b, "[%s] ", f->rule);
	if (r == KX_OK && f->key_id != NULL) {
		r = kx_buf_printf(b, "key ");
		if (r == KX_OK)
			r = kxi_text_escape(b, f->key_id);
		if (r == KX_OK)
			r = kx_buf_printf(b, ": ");
	}
	if (r == KX_OK)
		r = kxi_text_escape(b, f->message != NULL ? f->message : "");
	return r;
}

/* ---- text ----------------------------------------------------------- */
/* The dropped-findings line of a file, if it has dropped findings. */
static int
text_dropped(kx_buf *b, const kx_report_file *rf)
{
	enum kx_severity worst;
	kx_finding f;
	kx_buf msg = { 0 };
	int r;

	if (dropped_in(rf, &worst) == 0)
		return KX_OK;
	if ((r = dropped_finding(rf, &f, &msg)) == KX_OK)
		r = text_line(b, &f, rf);
	if (r == KX_OK)
		r = kx_buf_append(b, "\n", 1);
	kx_buf_free(&msg);
	return r;
}

static int
write_text(const kx_diag *d, const kx_report_file *files, size_t nfiles,
    kx_buf *out)
{
	size_t i, j;
	int r = KX_OK;

	for (i = 0; i < nfiles && r == KX_OK; i++) {
		for (j = 0; j < files[i].count && r == KX_OK; j++) {
			r = text_line(out, kx_diag_get(d, files[i].first + j),
			    &files[i]);
			if (r == KX_OK)
				r = kx_buf_append(out, "\n", 1);
		}
		if (r == KX_OK)
			r = text_dropped(out, &files[i]);
	}
	return r;
}

/* ---- JSON ----------------------------------------------------------- */
static int
json_uint_or_null(kx_buf *b, const char *key, int64_t v, int present)
{
	if (!present)
		return kx_buf_printf(b, "\"%s\": null", key);
	return kx_buf_printf(b, "\"%s\": %" PRId64, key, v);
}

static int
json_finding(kx_buf *b, const kx_finding *f)
{
	int r;

	r = kx_buf_printf(b, "        {\"rule\": ");
	if (r == KX_OK)
		r = json_str(b, f->rule[0] != '\0' ? f->rule : NULL);
	if (r == KX_OK)
		r = kx_buf_printf(b, ", \"severity\": \"%s\", ",
		    sev_name(f->severity));
	if (r == KX_OK)
		r = json_uint_or_null(b, "line", f->line, f->line > 0);
	if (r == KX_OK)
		r = kx_buf_printf(b, ", ");
	if (r == KX_OK)
		r = json_uint_or_null(b, "column", f->col, f->col > 0);
	if (r == KX_OK)
		r = kx_buf_printf(b, ", ");
	if (r == KX_OK)
		r = json_uint_or_null(b, "offset", f->offset, f->offset >= 0);
	if (r == KX_OK)
		r = kx_buf_printf(b, ", \"key\": ");
	if (r == KX_OK)
		r = json_str(b, f->key_id);
	if (r == KX_OK)
		r = kx_buf_printf(b, ", \"message\": ");
	if (r == KX_OK)
		r = json_str(b, f->message != NULL ? f->message : "");
	if (r == KX_OK)
		r = kx_buf_printf(b, "}");
	return r;
}

static int
write_json(const kx_diag *d, const kx_report_file *files, size_t nfiles,
    kx_buf *out)
{
	size_t i, j, valid = 0, n[3] = { 0, 0, 0 }, not_printed = 0;
	const kx_finding *f;
	int r;

	r = kx_buf_printf(out, "{\n  \"version\": 1,\n  \"files\": [");
	for (i = 0; i < nfiles && r == KX_OK; i++) {
		size_t e = errors_in(d, &files[i]);
		enum kx_severity worst;
		size_t nd = dropped_in(&files[i], &worst);

		valid += e == 0;
		not_printed += nd;
		for (j = 0; j < 3; j++)
			n[j] += files[i].dropped[j];
		r = kx_buf_printf(out, "%s\n    {\n      \"file\": ",
		    i ? "," : "");
		if (r == KX_OK)
			r = json_str(out, group_name(&files[i]));
		if (r == KX_OK)
			r = kx_buf_printf(out, ",\n      \"valid\": %s,\n",
			    e == 0 ? "true" : "false");
		if (r == KX_OK && nd > 0) {
			r = kx_buf_printf(out, "      \"not_printed\": %zu,\n"
			    "      \"not_printed_message\": ", nd);
			if (r == KX_OK) {
				kx_buf m = { 0 };

				if ((r = dropped_msg(&m, &files[i])) ==
				    KX_OK && (r = kx_buf_append(&m, "", 1)) ==
				    KX_OK)
					r = json_str(out,
					    (const char *)m.data);
				kx_buf_free(&m);
			}
			if (r == KX_OK)
				r = kx_buf_printf(out, ",\n");
		}
		if (r == KX_OK)
			r = kx_buf_printf(out, "      \"findings\": [");
		for (j = 0; j < files[i].count && r == KX_OK; j++) {
			f = kx_diag_get(d, files[i].first + j);
			n[f->severity <= KX_SEV_ERROR ? f->severity :
			    KX_SEV_ERROR]++;
			r = kx_buf_printf(out, "%s\n", j ? "," : "");
			if (r == KX_OK)
				r = json_finding(out, f);
		}
		if (r == KX_OK)
			r = kx_buf_printf(out, "%s]\n    }",
			    files[i].count ? "\n      " : "");
	}
	if (r == KX_OK)
		r = kx_buf_printf(out, "%s],\n  \"summary\": {\"files\": %zu, "
		    "\"valid\": %zu, \"errors\": %zu, \"warnings\": %zu, "
		    "\"notes\": %zu, \"not_printed\": %zu}\n}\n",
		    nfiles ? "\n  " : "", nfiles, valid, n[KX_SEV_ERROR],
		    n[KX_SEV_WARNING], n[KX_SEV_NOTE], not_printed);
	return r;
}

/* ---- SARIF 2.1.0 ---------------------------------------------------- */
/* "weak-wrap" as "WeakWrap" (SARIF 2.1.0 3.49.7: names in Pascal case). */
static int
pascal(kx_buf *b, const char *slug)
{
	int up = 1, r = KX_OK;
	char c;

	for (; *slug != '\0' && r == KX_OK; slug++) {
		if (*slug == '-') {
			up = 1;
			continue;
		}
		c = up && *slug >= 'a' && *slug <= 'z' ?
		    (char)(*slug - 'a' + 'A') : *slug;
		up = 0;
		r = kx_buf_append(b, &c, 1);
	}
	return r;
}

static int
sarif_rules(kx_buf *b)
{
	const kx_rule_info *ri;
	size_t i;
	int r = KX_OK;

	for (i = 0; i < kx_rule_count() && r == KX_OK; i++) {
		ri = kx_rule_get(i);
		r = kx_buf_printf(b, "%s\n            {\"id\": \"%s\", "
		    "\"name\": \"", i ? "," : "", ri->id);
		if (r == KX_OK)
			r = pascal(b, kxi_rule_slug(ri->id));
		if (r == KX_OK)
			r = kx_buf_printf(b, "\", \"shortDescription\": "
			    "{\"text\": ");
		if (r == KX_OK)
			r = json_str(b, ri->summary);
		if (r == KX_OK)
			r = kx_buf_printf(b, "}, \"help\": {\"text\": ");
		if (r == KX_OK) {
			char ex[300];

			snprintf(ex, sizeof(ex), "Example: %s.",
			    kxi_rule_example(ri->id));
			r = json_str(b, ex);
		}
		if (r == KX_OK)
			r = kx_buf_printf(b, "}, \"defaultConfiguration\": "
			    "{\"level\": \"%s\"}}", sev_name(ri->severity));
	}
	return r;
}

static int
sarif_result(kx_buf *b, const kx_finding *f, const kx_report_file *rf,
    size_t artifact, int first)
{
	const kx_rule_info *ri;
	size_t idx;
	int r;

	r = kx_buf_printf(b, "%s\n        {", first ? "" : ",");
	if (r == KX_OK && f->rule[0] != '\0' &&
	    (ri = kx_rule_find(f->rule)) != NULL) {
		for (idx = 0; kx_rule_get(idx) != ri; idx++)
			;
		r = kx_buf_printf(b, "\"ruleId\": \"%s\", \"ruleIndex\": %zu, ",
		    ri->id, idx);
	}
	if (r == KX_OK)
		r = kx_buf_printf(b, "\"level\": \"%s\", \"message\": "
		    "{\"text\": ", sev_name(f->severity));
	if (r == KX_OK) {
		kx_buf m = { 0 };

		/* "key ID: message", as in the text report */
		if (f->key_id != NULL)
			r = kx_buf_printf(&m, "key %s: ", f->key_id);
		if (r == KX_OK)
			r = kx_buf_printf(&m, "%s", f->message ? f->message :
			    "");
		if (r == KX_OK)
			r = kx_buf_append(&m, "", 1);
		if (r == KX_OK)
			r = json_str(b, (const char *)m.data);
		kx_buf_free(&m);
	}
	if (r == KX_OK)
		r = kx_buf_printf(b, "},\n         \"locations\": "
		    "[{\"physicalLocation\": {\"artifactLocation\": "
		    "{\"uri\": \"");
	if (r == KX_OK)
		r = uri_str(b, file_of(f, rf));
	/* the artifact index only where the uri is the artifact's */
	if (r == KX_OK && strcmp(file_of(f, rf), group_name(rf)) == 0)
		r = kx_buf_printf(b, "\", \"index\": %zu}", artifact);
	else if (r == KX_OK)
		r = kx_buf_printf(b, "\"}");
	if (r == KX_OK && f->line > 0) {
		r = kx_buf_printf(b, ", \"region\": {\"startLine\": %" PRIu32,
		    f->line);
		if (r == KX_OK && f->col > 0)
			r = kx_buf_printf(b, ", \"startColumn\": %" PRIu32,
			    f->col);
		if (r == KX_OK)
			r = kx_buf_printf(b, "}");
	} else if (r == KX_OK && f->offset >= 0)
		r = kx_buf_printf(b, ", \"region\": {\"byteOffset\": %" PRId64
		    "}", f->offset);
	if (r == KX_OK)
		r = kx_buf_printf(b, "}}]}");
	return r;
}

/* Index of the first file of the same name (SARIF artifacts are unique). */
static size_t
artifact_of(const kx_report_file *files, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(group_name(&files[j]), group_name(&files[i])) == 0)
			return j;
	return i;
}

static int
write_sarif(const kx_diag *d, const kx_report_file *files, size_t nfiles,
    const kx_report_opts *o, kx_buf *out)
{
	size_t i, j, nres = 0, nart, *art;
	int r;

	if ((art = calloc(nfiles ? nfiles : 1, sizeof(*art))) == NULL)
		return KX_ENOMEM;
	r = kx_buf_printf(out, "{\n  \"$schema\": \"%s\",\n  \"version\": "
	    "\"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": {\n"
	    "        \"driver\": {\n          \"name\": \"kmsxchg\",\n"
	    "          \"version\": \"%s\",\n", SARIF_SCHEMA,
	    PACKAGE_VERSION);
	if (r == KX_OK && PACKAGE_URL[0] != '\0')
		r = kx_buf_printf(out, "          \"informationUri\": "
		    "\"%s\",\n", PACKAGE_URL);
	if (r == KX_OK)
		r = kx_buf_printf(out, "          \"rules\": [");
	if (r == KX_OK)
		r = sarif_rules(out);
	if (r == KX_OK)
		r = kx_buf_printf(out, "\n          ]\n        }\n      },\n");
	if (r == KX_OK && o != NULL)
		r = kx_buf_printf(out, "      \"invocations\": [{"
		    "\"executionSuccessful\": %s}],\n", o->incomplete ?
		    "false" : "true");
	if (r == KX_OK)
		r = kx_buf_printf(out, "      \"artifacts\": [");
	for (i = 0, nart = 0; i < nfiles && r == KX_OK; i++) {
		if (artifact_of(files, i) != i)
			continue;
		art[i] = nart;
		r = kx_buf_printf(out, "%s\n        {\"location\": {\"uri\": "
		    "\"", nart++ ? "," : "");
		if (r == KX_OK)
			r = uri_str(out, group_name(&files[i]));
		if (r == KX_OK)
			r = kx_buf_printf(out, "\"}}");
	}
	if (r == KX_OK)
		r = kx_buf_printf(out, "%s],\n      \"results\": [",
		    nart ? "\n      " : "");
	for (i = 0; i < nfiles && r == KX_OK; i++) {
		enum kx_severity worst;

		for (j = 0; j < files[i].count && r == KX_OK; j++)
			r = sarif_result(out, kx_diag_get(d, files[i].first +
			    j), &files[i], art[artifact_of(files, i)],
			    nres++ == 0);
		if (r == KX_OK && dropped_in(&files[i], &worst) > 0) {
			kx_finding f;
			kx_buf m = { 0 };

			if ((r = dropped_finding(&files[i], &f, &m)) == KX_OK)
				r = sarif_result(out, &f, &files[i],
				    art[artifact_of(files, i)], nres++ == 0);
			kx_buf_free(&m);
		}
	}
	if (r == KX_OK)
		r = kx_buf_printf(out, "%s]\n    }\n  ]\n}\n",
		    nres ? "\n      " : "");
	free(art);
	return r;
}

/* ---- JUnit XML ------------------------------------------------------ */
static int
junit_suite(kx_buf *b, const kx_diag *d, const kx_report_file *rf,
    size_t id, const char *stamp)
{
	size_t j, e = errors_in(d, rf);
	enum kx_severity worst;
	const kx_finding *f;
	kx_finding df;
	kx_buf dm = { 0 };
	int r;

	/* the dropped errors fail one test case, not one each */
	if (rf->dropped[KX_SEV_ERROR] > 0)
		e -= rf->dropped[KX_SEV_ERROR] - 1;

	r = kx_buf_printf(b, "  <testsuite package=\"kmsxchg\" id=\"%zu\" "
	    "name=\"", id);
	if (r == KX_OK)
		r = xml_str(b, group_name(rf), 1);
	if (r == KX_OK)
		r = kx_buf_printf(b, "\" timestamp=\"%s\" "
		    "hostname=\"localhost\" tests=\"%zu\" failures=\"%zu\" "
		    "errors=\"0\" skipped=\"0\" time=\"0\">\n"
		    "    <properties/>\n", stamp, e ? e : 1, e);
	for (j = 0; j < rf->count && r == KX_OK; j++) {
		f = kx_diag_get(d, rf->first + j);
		if (f->severity < KX_SEV_ERROR)
			continue;
		r = kx_buf_printf(b, "    <testcase classname=\"");
		if (r == KX_OK)
			r = xml_str(b, group_name(rf), 1);
		if (r == KX_OK)
			r = kx_buf_printf(b, "\" name=\"%s",
			    f->rule[0] ? f->rule : "error");
		if (r == KX_OK && f->key_id != NULL) {
			r = kx_buf_printf(b, " ");
			if (r == KX_OK)
				r = xml_str(b, f->key_id, 1);
		}
		if (r == KX_OK)
			r = kx_buf_printf(b, "\" time=\"0\">\n      <failure "
			    "type=\"%s\" message=\"",
			    f->rule[0] ? f->rule : "error");
		if (r == KX_OK)
			r = xml_str(b, f->message, 1);
		if (r == KX_OK)
			r = kx_buf_printf(b, "\">");
		if (r == KX_OK) {
			kx_buf line = { 0 };

			r = text_line(&line, f, rf);
			if (r == KX_OK)
				r = kx_buf_append(&line, "", 1);
			if (r == KX_OK)
				r = xml_str(b, (const char *)line.data, 0);
			kx_buf_free(&line);
		}
		if (r == KX_OK)
			r = kx_buf_printf(b, "</failure>\n    </testcase>\n");
	}
	if (r == KX_OK && dropped_in(rf, &worst) > 0)
		r = dropped_finding(rf, &df, &dm);
	if (r == KX_OK && rf->dropped[KX_SEV_ERROR] > 0) {
		r = kx_buf_printf(b, "    <testcase classname=\"");
		if (r == KX_OK)
			r = xml_str(b, group_name(rf), 1);
		if (r == KX_OK)
			r = kx_buf_printf(b, "\" name=\"not-printed\" "
			    "time=\"0\">\n      <failure type=\"limit\" "
			    "message=\"");
		if (r == KX_OK)
			r = xml_str(b, df.message, 1);
		if (r == KX_OK)
			r = kx_buf_printf(b, "\"/>\n    </testcase>\n");
	}
	if (r == KX_OK && e == 0) {
		r = kx_buf_printf(b, "    <testcase classname=\"");
		if (r == KX_OK)
			r = xml_str(b, group_name(rf), 1);
		if (r == KX_OK)
			r = kx_buf_printf(b, "\" name=\"valid\" "
			    "time=\"0\"/>\n");
	}
	if (r == KX_OK)
		r = kx_buf_printf(b, "    <system-out>");
	for (j = 0; j < rf->count && r == KX_OK; j++) {
		kx_buf line = { 0 };

		r = text_line(&line, kx_diag_get(d, rf->first + j), rf);
		if (r == KX_OK)
			r = kx_buf_append(&line, "\n", 2);
		if (r == KX_OK)
			r = xml_str(b, (const char *)line.data, 0);
		kx_buf_free(&line);
	}
	if (r == KX_OK && dm.len > 0) {
		kx_buf line = { 0 };

		r = text_line(&line, &df, rf);
		if (r == KX_OK)
			r = kx_buf_append(&line, "\n", 2);
		if (r == KX_OK)
			r = xml_str(b, (const char *)line.data, 0);
		kx_buf_free(&line);
	}
	kx_buf_free(&dm);
	if (r == KX_OK)
		r = kx_buf_printf(b, "</system-out>\n    <system-err/>\n"
		    "  </testsuite>\n");
	return r;
}

static int
write_junit(const kx_diag *d, const kx_report_file *files, size_t nfiles,
    const kx_report_opts *o, kx_buf *out)
{
	char stamp[21];
	size_t i;
	int r;

	/* "2026-06-01T00:00:00Z" without the Z: the schema has no zone */
	kx_time_format(o != NULL ? o->when : 0, stamp);
	stamp[19] = '\0';

	r = kx_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites>\n");
	for (i = 0; i < nfiles && r == KX_OK; i++)
		r = junit_suite(out, d, &files[i], i, stamp);
	if (r == KX_OK)
		r = kx_buf_printf(out, "</testsuites>\n");
	return r;
}

int
kx_report_write(const kx_diag *d, const kx_report_file *files,
    size_t nfiles, enum kx_report_format fmt, kx_buf *out)
{
	return kx_report_write_opts(d, files, nfiles, fmt, NULL, out);
}

int
kx_report_write_opts(const kx_diag *d, const kx_report_file *files,
    size_t nfiles, enum kx_report_format fmt, const kx_report_opts *o,
    kx_buf *out)
{
	size_t i, start;
	int r;

	if (out == NULL || (files == NULL && nfiles > 0))
		kxi_misuse(__func__, "NULL argument");
	for (i = 0; i < nfiles; i++)
		if (files[i].count > kx_diag_count(d) ||
		    files[i].first > kx_diag_count(d) - files[i].count)
			return KX_EUSAGE;
	start = out->len;
	switch (fmt) {
	case KX_REPORT_TEXT:
		r = write_text(d, files, nfiles, out);
		break;
	case KX_REPORT_JSON:
		r = write_json(d, files, nfiles, out);
		break;
	case KX_REPORT_SARIF:
		r = write_sarif(d, files, nfiles, o, out);
		break;
	case KX_REPORT_JUNIT:
		r = write_junit(d, files, nfiles, o, out);
		break;
	default:
		return KX_EUSAGE;
	}
	if (r != KX_OK)
		out->len = start;	/* nothing half-written */
	return r;
}
