/*
 * doc.c - the format table: detection from content, reading into and
 * writing from the model, and the human summary of a document.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * The format table: one row per format, defined in that format's own file
 * (codec/formats/).  Adding a format adds its row here and its KX_FMT_
 * value in kmsxchg.h (doc/hacking.md).
 */
extern const struct kxi_format kxi_format_xml;	/* formats/xml.c */
extern const struct kxi_format kxi_format_der;	/* formats/der.c */
extern const struct kxi_format kxi_format_gp;	/* formats/gp.c */

static const struct kxi_format *const formats[] = {
	&kxi_format_xml, &kxi_format_der, &kxi_format_gp,
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct kxi_format *
kxi_format_get(enum kx_format f)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		if (formats[i]->fmt == f)
			return formats[i];
	return NULL;
}

const char *
kx_format_name(enum kx_format f)
{
	const struct kxi_format *r;

	if (f == KX_FMT_AUTO)
		return "auto";
	return (r = kxi_format_get(f)) != NULL ? r->name : "unknown";
}

enum kx_format
kx_format_from_name(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < NFORMATS; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i]->fmt;
	return KX_FMT_AUTO;
}

unsigned
kx_format_caps(enum kx_format f)
{
	const struct kxi_format *r;

	return (r = kxi_format_get(f)) != NULL ? r->caps : 0;
}

unsigned
kxi_doc_caps(const kx_doc *doc)
{
	/* built in memory: whatever the model holds is there */
	if (doc->source_format == KX_FMT_AUTO)
		return ~KX_CAP_BINARY;
	return kx_format_caps(doc->source_format);
}

/* "not a kmsxchg XML, DER or GP KeyProfile document", from the table. */
int
kxi_not_a_document(kx_diag *d, const char *name)
{
	kxi_loc start = { 1, 1, 0 };
	char what[256] = "";
	size_t i, n = 0;

	for (i = 0; i < NFORMATS; i++)
		n += (size_t)snprintf(what + n, n < sizeof(what) ?
		    sizeof(what) - n : 0, "%s%s", i == 0 ? "" :
		    i + 1 == NFORMATS ? " or " : ", ", formats[i]->title);
	return kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX, name, &start, NULL,
	    "not a %s document", what);
}

enum kx_format
kx_format_detect(const uint8_t *buf, size_t len)
{
	size_t i;

	if (buf == NULL)
		return KX_FMT_AUTO;
	for (i = 0; i < NFORMATS; i++)
		if (formats[i]->detect(buf, len))
			return formats[i]->fmt;
	return KX_FMT_AUTO;
}

int
kx_doc_read(const uint8_t *buf, size_t len, enum kx_format fmt,
    const char *name, kx_doc **out, kx_diag *d)
{
	const struct kxi_format *f;
	int r;

	if (out == NULL)
		kxi_misuse(__func__, "out is NULL");
	*out = NULL;
	if (buf == NULL && len != 0)
		kxi_misuse(__func__, "buf is NULL");
	if (fmt == KX_FMT_AUTO)
		fmt = kx_format_detect(buf, len);
	if ((f = kxi_format_get(fmt)) == NULL)
		return kxi_not_a_document(d, name);
	if ((r = f->read(buf, len, name, out, d)) != KX_OK)
		return r;
	/* Every reader is held to the native schema (strict.c). */
	if ((r = kxi_strict_doc(*out, d)) != KX_OK) {
		kx_doc_free(*out);
		*out = NULL;
		return r;
	}
	/* Every reader's document knows where it came from. */
	(*out)->source_format = fmt;
	if ((*out)->source == NULL && name != NULL &&
	    ((*out)->source = kxi_strdup(&(*out)->arena, name)) == NULL) {
		kx_doc_free(*out);
		*out = NULL;
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	}
	return KX_OK;
}

int
kx_doc_write(const kx_doc *doc, enum kx_format fmt, kx_buf *out, kx_diag *d)
{
	const struct kxi_format *f;

	if (doc == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	if ((f = kxi_format_get(fmt)) == NULL)
		return KX_FAIL(d, KX_EUSAGE, "no writer for format %s",
		    kx_format_name(fmt));
	if ((f->caps & KX_CAP_KEYS) == 0 && doc->nkeys != 1)
		return KX_FAIL(d, KX_EUNSUPPORTED, "%s holds one key, not "
		    "%zu", f->title, doc->nkeys);
	return f->write(doc, out, d);
}

int
kx_doc_write_key(const kx_doc *doc, size_t index, enum kx_format fmt,
    kx_buf *out, kx_diag *d)
{
	kx_doc view;

	if (doc == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (index >= doc->nkeys)
		return KX_FAIL(d, KX_EUSAGE, "no key %zu (the document has "
		    "%zu)", index, doc->nkeys);
	/* A read-only view of the document holding just that key. */
	view = *doc;
	view.keys = &doc->keys[index];
	view.nkeys = view.keys_cap = 1;
	return kx_doc_write(&view, fmt, out, d);
}

/* ---- summary ------------------------------------------------------- */
static int
usage_list(kx_buf *b, uint32_t usage)
{
	int i, first = 1, r = KX_OK;

	for (i = 0; i < KX_U__N && r == KX_OK; i++) {
		if ((usage & KX_USAGE_BIT(i)) == 0)
			continue;
		r = kx_buf_printf(b, "%s%s", first ? "" : ",",
		    kx_name(KX_ENUM_USAGE, i));
		first = 0;
	}
	if (first && r == KX_OK)
		r = kx_buf_printf(b, "-");
	return r;
}

static void
date_or_dash(int64_t t, char out[21])
{
	if (t == KX_UNSET_TIME) {
		snprintf(out, 21, "-");
		return;
	}
	kx_time_format(t, out);
	out[10] = '\0';		/* dates are enough for a summary */
}

static int
id_or_dash(kx_buf *b, const char *s)
{
	return s != NULL ? kxi_text_escape(b, s) : kx_buf_append(b, "-", 1);
}

int
kx_doc_summary_head(const kx_doc *doc, size_t nkeys, kx_buf *out)
{
	char kcv[2 * KX_FINGERPRINT_LEN + 1];
	size_t i;
	int r;

	if (doc == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	/* document strings through kxi_text_escape: no control character */
	if ((r = kx_buf_printf(out, "document ")) == KX_OK)
		r = id_or_dash(out, doc->id);
	if (r == KX_OK)
		r = kx_buf_printf(out, ": %zu key%s, %zu transport key%s\n",
		    nkeys, nkeys == 1 ? "" : "s", doc->ntks,
		    doc->ntks == 1 ? "" : "s");
	for (i = 0; i < doc->ntks && r == KX_OK; i++) {
		const kxi_tk *t = &doc->tks[i];

		kxi_hex_encode(t->kcv.p, t->kcv.n > KX_FINGERPRINT_LEN ?
		    KX_FINGERPRINT_LEN : t->kcv.n, kcv);
		if ((r = kx_buf_printf(out, "  transport ")) == KX_OK)
			r = id_or_dash(out, t->id);
		if (r == KX_OK)
			r = kx_buf_printf(out, " %s/%u kcv=%s (%s)\n",
			    kx_name(KX_ENUM_ALG, t->alg), t->length_bits,
			    t->kcv.n ? kcv : "-",
			    kx_name(KX_ENUM_KCV_METHOD, t->kcv_method));
	}
	return r;
}

int
kx_key_summary(const kx_key *k, kx_buf *out)
{
	char nb[21], na[21], kcv[2 * KX_FINGERPRINT_LEN + 1];
	int r;

	if (k == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	date_or_dash(k->prof.not_before, nb);
	date_or_dash(k->prof.not_after, na);
	kxi_hex_encode(k->kcv.p, k->kcv.n > KX_FINGERPRINT_LEN ?
	    KX_FINGERPRINT_LEN : k->kcv.n, kcv);
	if ((r = kx_buf_printf(out, "  key ")) == KX_OK)
		r = id_or_dash(out, k->prof.id);
	/* a length nobody could tell (a token's key): said, never 0 */
	if (r == KX_OK && k->prof.length_bits == 0)
		r = kx_buf_printf(out, " %s/unknown-length usage=",
		    kx_name(KX_ENUM_ALG, k->prof.alg));
	else if (r == KX_OK)
		r = kx_buf_printf(out, " %s/%u usage=",
		    kx_name(KX_ENUM_ALG, k->prof.alg), k->prof.length_bits);
	if (r == KX_OK)
		r = usage_list(out, k->prof.usage);
	if (r == KX_OK)
		r = kx_buf_printf(out, " valid=%s..%s state=%s "
		    "kcv=%s (%s) value=%s%s", nb, na,
		    kx_name(KX_ENUM_STATE, k->prof.state),
		    k->kcv.n ? kcv : "-",
		    kx_name(KX_ENUM_KCV_METHOD, k->kcv_method),
		    kx_name(KX_ENUM_VALUE_FORM, k->value.form),
		    k->value.kek_id ? "@" : "");
	if (r == KX_OK && k->value.kek_id != NULL)
		r = kxi_text_escape(out, k->value.kek_id);
	if (r == KX_OK)
		r = kx_buf_append(out, "\n", 1);
	return r;
}

int
kx_doc_summary(const kx_doc *doc, kx_buf *out)
{
	size_t i;
	int r;

	if (doc == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	r = kx_doc_summary_head(doc, doc->nkeys, out);
	for (i = 0; i < doc->nkeys && r == KX_OK; i++)
		r = kx_key_summary(&doc->keys[i], out);
	return r;
}
