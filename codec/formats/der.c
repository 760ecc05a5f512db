/*
 * der.c - the native DER spoke: schema/kmsxchg.asn1 (module KmsxchgV1),
 * encoded with the Distinguished Encoding Rules (ITU-T X.690 section 10
 * and 11), through the C that asn1c 0.9.28 generates into codec/asn1/.
 *
 * Implements: KeyExchange (reader, writer, detection), KeyProfile and
 * BoundContext (kxi_profile_der, kxi_bound_der: the spoke's side of the
 * differential test against the hub's canon.c, which the bound wraps
 * use; tests/unit/test_canon.c).
 * Carries every field of the model (codec/internal.h); nothing is lost.
 * Does not carry the source place of items (kxi_loc) or doc->source.
 *
 * Canonical form: the writer emits DER only, omits empty lists and
 * "none" enumerations, trims named BIT STRINGs (X.690 11.2.2).  The
 * reader refuses anything that is not exactly what the writer would
 * emit for the same model: each key is mapped to the model and encoded
 * once, and its bytes must equal the input's (which proves both DER and
 * the canonical-model rules); only when they do not, the key is checked
 * again in full to say why: BER (indefinite or non-minimal lengths,
 * non-minimal integers, BOOLEAN other than 00/FF, ...) by re-encoding
 * asn1c's decoded value and comparing bytes, canonical-model rules (bit
 * trimming, omitted defaults) by the model's encoding (key_read).  The
 * document head is always checked in full.  Malformed encodings are reported as malformed
 * (KX_ESYNTAX), values outside the schema or the model as schema findings
 * (KX_ESCHEMA); both carry the byte offset.  A reader of version 1
 * refuses components added after the extension markers by a later
 * version (they do not re-encode).
 * Reader and writer handle the document head and each key on their own,
 * so asn1c holds at most one key at a time (memory ~ the model).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "internal.h"

/* asn1c 0.9.28 headers are not clean under our warning flags. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include "KeyExchange.h"
#include "KeyProfile.h"
#include "Key.h"
#include "KeyValue.h"
#include "TransportKeyRef.h"
#include "TransportKeyRefs.h"
#include "Keys.h"
#include "Extensions.h"
#include "Extension.h"
#include "UTF8StringList.h"
#include "OctetStringList.h"
#include "Revisions.h"
#include "Revision.h"
#include "Relations.h"
#include "Relation.h"
#include "Components.h"
#include "ValuePart.h"
#include "ValueParts.h"
#include "Component.h"
#include "ComponentCeremony.h"
#include "KeyParams.h"
#include "GpCardFields.h"
#include "GpScp.h"
#include "Provenance.h"
#include "SplitInfo.h"
#include "Binding.h"
#include "BoundContext.h"
#pragma GCC diagnostic pop

/* Decoder stack bound (bytes of C stack asn1c may use). */
#define DER_MAX_STACK 65536
/* Room for the DER content octets of the longest OID of the model (256
 * characters of text: at most 128 arcs of at most 9 octets each). */
#define DER_MAX_OID 1280

/* 1.3.6.1.4.1.99999.1.2.1 = id-kmsxchg-exchange-v1 */
static const long exchange_arcs[] = { 1, 3, 6, 1, 4, 1, 99999, 1, 2, 1 };
#define EXCHANGE_NARCS (sizeof(exchange_arcs) / sizeof(exchange_arcs[0]))
/* Its DER: 06 0B 2B 06 01 04 01 86 8D 1F 01 02 01 */
static const uint8_t exchange_oid_der[] = { 0x06, 0x0b, 0x2b, 0x06, 0x01,
	0x04, 0x01, 0x86, 0x8d, 0x1f, 0x01, 0x02, 0x01 };

/* ==== a tiny bounded DER TLV walker (offsets for diagnostics) ========= */

struct tlv {
	int cls_cons;		/* first identifier octet & 0xe0 */
	unsigned long tag;
	size_t off;		/* of the identifier octet */
	size_t hdr;		/* identifier + length octets */
	size_t len;		/* content length */
};

/* Parse one definite-length TLV at pos in b[0..end); 0 ok, -1 bad. */
static int
tlv_at(const uint8_t *b, size_t end, size_t pos, struct tlv *t)
{
	size_t p = pos, n, i, len = 0;
	unsigned long tag;

	if (p >= end)
		return -1;
	t->off = pos;
	t->cls_cons = b[p] & 0xe0;
	tag = b[p++] & 0x1f;
	if (tag == 0x1f) {
		tag = 0;
		for (i = 0;; i++) {
			/* minimal high tag number form (X.690 8.1.2.4.2 c) */
			if (p >= end || i >= 4 || (i == 0 && b[p] == 0x80))
				return -1;
			tag = (tag << 7) | (b[p] & 0x7f);
			if ((b[p++] & 0x80) == 0)
				break;
		}
	}
	if (p >= end)
		return -1;
	/* DER (X.690 10.1): definite, minimal; at most 4 length octets */
	if (b[p] < 0x80) {
		len = b[p++];
	} else {
		n = b[p++] & 0x7f;
		if (n == 0 || n > 4 || n > end - p || b[p] == 0)
			return -1;
		for (i = 0; i < n; i++)
			len = (len << 8) | b[p++];
		if (len < 0x80)
			return -1;
	}
	if (len > end - p)
		return -1;
	t->tag = tag;
	t->hdr = p - pos;
	t->len = len;
	return 0;
}

/*
 * Check the TLV structure of b[start..end) recursively before asn1c sees
 * it: every length definite and minimal, nesting bounded, and the
 * context-tagged components of each constructed value in strictly
 * increasing tag order (the module tags every SEQUENCE's components [0],
 * [1], ... in order and DER keeps that order, so a repeated or reordered
 * tag is never DER; a retagged component would otherwise let the checks
 * below look at one TLV while asn1c decodes another).  Returns -1 if all
 * is well, else the offset of the first bad TLV and *why.  (asn1c 0.9.28
 * accepts BER and overflows a signed shift on long length fields.)
 */
static int64_t
strict_walk(const uint8_t *b, size_t start, size_t end, int depth,
    const char **why)
{
	struct tlv t;
	size_t pos = start;
	unsigned long next = 0;	/* lowest context tag allowed next */
	int64_t bad;

	while (pos < end) {
		if (depth > 16 || tlv_at(b, end, pos, &t) != 0) {
			*why = "bad, truncated or BER tag/length "
			    "(DER: definite, minimal)";
			return (int64_t)pos;
		}
		if ((t.cls_cons & 0xc0) == 0x80) {
			if (t.tag < next) {
				*why = "context tag repeated or out of order";
				return (int64_t)pos;
			}
			next = t.tag + 1;
		}
		if (t.cls_cons & 0x20) {
			bad = strict_walk(b, pos + t.hdr, pos + t.hdr + t.len,
			    depth + 1, why);
			if (bad >= 0)
				return bad;
		}
		pos += t.hdr + t.len;
	}
	return -1;
}

/* The child of constructed parent with context tag, or -1. */
static int
tlv_child(const uint8_t *b, const struct tlv *parent, unsigned long tag,
    struct tlv *out)
{
	size_t pos = parent->off + parent->hdr;
	size_t end = pos + parent->len;

	while (pos < end) {
		if (tlv_at(b, end, pos, out) != 0)
			return -1;
		if ((out->cls_cons & 0xc0) == 0x80 && out->tag == tag)
			return 0;
		pos = out->off + out->hdr + out->len;
	}
	return -1;
}

/* Source places of one key's fields by the KeyProfile/Key tag numbers. */
static void
key_places(const uint8_t *b, const struct tlv *key, kxi_loc *loc)
{
	static const struct {
		unsigned long tag;
		enum kxi_field f;
	} prof_map[] = {
		{ KXI_TAG_PROFILE_id, KXF_ID },
		{ KXI_TAG_PROFILE_algorithm, KXF_ALG },
		{ KXI_TAG_PROFILE_usage, KXF_USAGE },
		{ KXI_TAG_PROFILE_notBefore, KXF_VALIDITY },
		{ KXI_TAG_PROFILE_state, KXF_STATE },
		{ KXI_TAG_PROFILE_gp, KXF_GP },
		{ KXI_TAG_PROFILE_export, KXF_EXPORT },
		{ KXI_TAG_PROFILE_split, KXF_SPLIT },
		{ KXI_TAG_PROFILE_relations, KXF_RELATIONS },
	};
	struct tlv prof, t;
	size_t i;

	for (i = 0; i < KXF__N; i++)
		loc[i].off = (int64_t)key->off;
	if (tlv_child(b, key, KXI_TAG_KEY_value, &t) == 0)
		loc[KXF_VALUE].off = (int64_t)t.off;
	if (tlv_child(b, key, KXI_TAG_KEY_kcv, &t) == 0)
		loc[KXF_KCV].off = (int64_t)t.off;
	if (tlv_child(b, key, KXI_TAG_KEY_profile, &prof) != 0)
		return;
	for (i = 0; i < sizeof(prof_map) / sizeof(prof_map[0]); i++)
		if (tlv_child(b, &prof, prof_map[i].tag, &t) == 0)
			loc[prof_map[i].f].off = (int64_t)t.off;
	/* validity: the first of notAfter..cryptoperiod present */
	for (i = KXI_TAG_PROFILE_notAfter; i <= KXI_TAG_PROFILE_cryptoperiod &&
	    loc[KXF_VALIDITY].off == (int64_t)key->off; i++)
		if (tlv_child(b, &prof, i, &t) == 0)
			loc[KXF_VALIDITY].off = (int64_t)t.off;
}

/* A named BIT STRING TLV: primitive, unused-bits octet 0..7 (11.2.1). */
static int
bits_ok(const uint8_t *b, const struct tlv *t)
{
	const uint8_t *c = b + t->off + t->hdr;

	return (t->cls_cons & 0x20) == 0 && t->len >= 1 && c[0] <= 7 &&
	    (t->len > 1 || c[0] == 0);
}

/*
 * The module's BIT STRINGs (usage, allowedModes, export forms) are
 * checked before decoding (key_bits): asn1c 0.9.28 shifts by the
 * unused-bits octet unchecked.
 */

/* Offset of the KeyExchange component with context tag, else 0. */
static int64_t
top_place(const uint8_t *b, size_t len, unsigned long tag)
{
	struct tlv top, t;

	if (tlv_at(b, len, 0, &top) != 0 || tlv_child(b, &top, tag, &t) != 0)
		return 0;
	return (int64_t)t.off;
}

/* Offset of element i of the KeyExchange list with context tag, or 0. */
static int64_t
list_place(const uint8_t *b, size_t len, unsigned long tag, size_t i)
{
	struct tlv top, list, e;
	size_t pos, end;

	if (tlv_at(b, len, 0, &top) != 0 ||
	    tlv_child(b, &top, tag, &list) != 0)
		return 0;
	pos = list.off + list.hdr;
	end = pos + list.len;
	for (; pos < end; pos = e.off + e.hdr + e.len, i--) {
		if (tlv_at(b, end, pos, &e) != 0)
			return 0;
		if (i == 0)
			return (int64_t)e.off;
	}
	return 0;
}

/* ==== times ========================================================== */

/*
 * Times are the model's seconds since the epoch, any instant of the years
 * 0001..9999 (the XML schema's xs:dateTime range), 1969-12-31T23:59:59Z
 * (-1) included: the conversions below are kx_time_parse/kx_time_format,
 * never time_t calls that use -1 as their error.
 */
#define GT_MIN (-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define GT_MAX 253402300799LL	/* 9999-12-31T23:59:59Z */

/* The DER GeneralizedTime text of a time is the hub's kxi_gentime. */

/* Strict parse of the DER form; -1 on anything else (year 0000 too). */
static int
parse_gt(const uint8_t *s, size_t n, int64_t *out)
{
	char iso[21];
	int64_t t;
	size_t i;

	if (n != 15 || s[14] != 'Z')
		return -1;
	for (i = 0; i < 14; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ",
	    (const char *)s, (const char *)s + 4, (const char *)s + 6,
	    (const char *)s + 8, (const char *)s + 10, (const char *)s + 12);
	if (kx_time_parse(iso, &t) != KX_OK || t < GT_MIN || t > GT_MAX)
		return -1;
	*out = t;
	return 0;
}

/*
 * asn1c's GeneralizedTime checks and re-encodes values through time_t
 * and takes -1 (1969-12-31T23:59:59Z) for an error.  Our writer produces
 * only the strict form (kxi_gentime), and the reader checks every time
 * where it maps it (rtime, with its place), so asn1c's check is replaced
 * by none and its DER encoder by the text as it is.  Set once, before the
 * first use (the same values every time).
 */
static int
gt_constraint(asn_TYPE_descriptor_t *td, const void *sptr,
    asn_app_constraint_failed_f *ctfailcb, void *app_key)
{
	(void)td;
	(void)sptr;
	(void)ctfailcb;
	(void)app_key;
	return 0;
}

static void
gt_setup_once(void)
{
	asn_DEF_GeneralizedTime.check_constraints = gt_constraint;
	asn_DEF_GeneralizedTime.der_encoder = OCTET_STRING_encode_der;
}

/* Once per process: rewrap's workers encode keys while a reader decodes. */
static void
gt_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, gt_setup_once);
}

/* ==== writer: model -> asn1c structures ================================ */

struct wctx {
	int r;			/* first error, KX_OK if none */
	kx_diag *d;
	const char *key_id;	/* for messages */
};

static void wfail(struct wctx *w, int rc, const char *fmt, ...)
    KX_PRINTF(3, 4);

static void
wfail(struct wctx *w, int rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (w->r != KX_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->r = rc;
	if (rc == KX_ENOMEM)
		KX_FAIL(w->d, rc, "der: out of memory");
	else
		kxi_diag_add(w->d, NULL, KX_SEV_ERROR, rc, NULL, NULL,
		    w->key_id, "der: %s", msg);
}

static void *
wnew(struct wctx *w, size_t n)
{
	void *p = calloc(1, n);

	if (p == NULL)
		wfail(w, KX_ENOMEM, "oom");
	return p;
}

static void
wbuf(struct wctx *w, OCTET_STRING_t *dst, const void *p, size_t n)
{
	if (n > INT_MAX) {
		wfail(w, KX_ELIMIT, "value of %zu bytes too large", n);
		return;
	}
	if (OCTET_STRING_fromBuf(dst, n ? p : "", (int)n) != 0)
		wfail(w, KX_ENOMEM, "oom");
}

/* Required string. */
static void
wstr(struct wctx *w, UTF8String_t *dst, const char *s, const char *what)
{
	if (s == NULL) {
		wfail(w, KX_ESCHEMA, "%s is required", what);
		return;
	}
	wbuf(w, dst, s, strlen(s));
}

static UTF8String_t *
wostr(struct wctx *w, const char *s)
{
	UTF8String_t *p;

	if (s == NULL || (p = wnew(w, sizeof(*p))) == NULL)
		return NULL;
	wbuf(w, p, s, strlen(s));
	return p;
}

static OCTET_STRING_t *
wobytes(struct wctx *w, const kxi_bytes *b)
{
	OCTET_STRING_t *p;

	if (b->n == 0 || (p = wnew(w, sizeof(*p))) == NULL)
		return NULL;
	wbuf(w, p, b->p, b->n);
	return p;
}

static long *
wolong(struct wctx *w, int present, long v)
{
	long *p;

	if (!present || (p = wnew(w, sizeof(*p))) == NULL)
		return NULL;
	*p = v;
	return p;
}

static BOOLEAN_t *
wotri(struct wctx *w, enum kxi_tri t)
{
	BOOLEAN_t *p;

	if (t == KXI_TRI_UNSET || (p = wnew(w, sizeof(*p))) == NULL)
		return NULL;
	*p = t == KXI_TRI_TRUE;
	return p;
}

static void
wtime(struct wctx *w, GeneralizedTime_t *dst, int64_t t, const char *what)
{
	char s[16];

	if (kxi_gentime(t, s) != 0) {
		wfail(w, KX_ESCHEMA, "%s is %s", what, t == KX_UNSET_TIME ?
		    "required" : "out of range (years 0001..9999)");
		return;
	}
	wbuf(w, dst, s, 15);
}

static GeneralizedTime_t *
wotime(struct wctx *w, int64_t t, const char *what)
{
	GeneralizedTime_t *p;

	if (t == KX_UNSET_TIME || (p = wnew(w, sizeof(*p))) == NULL)
		return NULL;
	wtime(w, p, t, what);
	return p;
}

/* Named BIT STRING of mask, trailing zero bits removed (X.690 11.2.2). */
static void
wbits(struct wctx *w, BIT_STRING_t *dst, uint32_t mask)
{
	uint8_t buf[4] = { 0 };
	int hi = -1, i;

	for (i = 0; i < 32; i++)
		if (mask & (1u << i)) {
			buf[i / 8] |= (uint8_t)(0x80 >> (i % 8));
			hi = i;
		}
	/* the empty set is 03 01 00: no content octets after the count */
	wbuf(w, (OCTET_STRING_t *)dst, buf, hi < 0 ? 0 : (size_t)(hi / 8 + 1));
	dst->bits_unused = hi < 0 ? 0 : 7 - hi % 8;
}

static BIT_STRING_t *
wobits(struct wctx *w, uint32_t mask)
{
	BIT_STRING_t *p;

	if (mask == 0 || (p = wnew(w, sizeof(*p))) == NULL)
		return NULL;
	wbits(w, p, mask);
	return p;
}

/* Add item to an asn1c SEQUENCE OF; frees it on failure. */
#define WADD(w, lst, item, td) do { \
	if ((item) != NULL && ASN_SEQUENCE_ADD(&(lst)->list, (item)) != 0) { \
		ASN_STRUCT_FREE((td), (item)); \
		wfail((w), KX_ENOMEM, "oom"); \
	} \
} while (0)

static UTF8StringList_t *
wlist(struct wctx *w, const kxi_strlist *l, const char *what)
{
	UTF8StringList_t *p;
	size_t i;

	if (l->n == 0 || (p = wnew(w, sizeof(*p))) == NULL)
		return NULL;
	for (i = 0; i < l->n; i++) {
		UTF8String_t *s;

		if (l->v[i] == NULL) {
			wfail(w, KX_ESCHEMA, "%s: empty entry", what);
			break;
		}
		s = wostr(w, l->v[i]);
		WADD(w, p, s, asn_DEF_UTF8String);
	}
	return p;
}

static Extensions_t *
wexts(struct wctx *w, const kxi_extension *e, size_t n)
{
	Extensions_t *p;
	size_t i;

	if (n == 0 || (p = wnew(w, sizeof(*p))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		Extension_t *x = wnew(w, sizeof(*x));

		if (x == NULL)
			break;
		wstr(w, &x->Namespace, e[i].ns, "extension namespace");
		wstr(w, &x->name, e[i].name, "extension name");
		wstr(w, &x->value, e[i].value, "extension value");
		WADD(w, p, x, asn_DEF_Extension);
	}
	return p;
}

/* An OID of the model's range (oid.c), encoded here: asn1c's arc
 * setter refuses 0.39 and 1.39. */
static void
woid(struct wctx *w, OBJECT_IDENTIFIER_t *dst, const char *s,
    const char *what)
{
	uint8_t tmp[DER_MAX_OID];
	const char *why = NULL;
	size_t n;

	if (kxi_oid_to_der(s, tmp, sizeof(tmp), &n, &why) != KX_OK) {
		wfail(w, KX_ESCHEMA, "%s '%.64s' is not an OID: %s", what, s,
		    why != NULL ? why : "?");
		return;
	}
	if ((dst->buf = malloc(n)) == NULL) {
		wfail(w, KX_ENOMEM, "oom");
		return;
	}
	memcpy(dst->buf, tmp, n);
	dst->size = (int)n;
}

static void
wprofile(struct wctx *w, KeyProfile_t *kp, const kxi_profile *p)
{
	size_t i;

	w->key_id = p->id;
	wstr(w, &kp->id, p->id, "key id");
	kp->name = wostr(w, p->name);
	kp->description = wostr(w, p->description);
	kp->Template = wostr(w, p->template_id);
	kp->reference = wostr(w, p->reference);
	kp->version = wostr(w, p->version);
	if (p->nrevisions > 0 &&
	    (kp->revisions = wnew(w, sizeof(*kp->revisions))) != NULL) {
		for (i = 0; i < p->nrevisions; i++) {
			const kxi_revision *rv = &p->revisions[i];
			Revision_t *x = wnew(w, sizeof(*x));

			if (x == NULL)
				break;
			x->version = wostr(w, rv->version);
			x->date = wotime(w, rv->date, "revision date");
			x->by = wostr(w, rv->by);
			x->digest = wobytes(w, &rv->digest);
			WADD(w, kp->revisions, x, asn_DEF_Revision);
		}
	}
	kp->owner = wostr(w, p->owner);
	kp->creator = wostr(w, p->creator);
	kp->holder = wostr(w, p->holder);
	kp->custodians = wlist(w, &p->custodians, "custodians");
	kp->Class = p->cls;
	kp->algorithm = p->alg;
	kp->lengthBits = (long)p->length_bits;
	if ((p->rsa_e != 0 || p->ec_curve != NULL ||
	    p->hmac_hash != KX_HASH_NONE || p->spki.n != 0) &&
	    (kp->params = wnew(w, sizeof(*kp->params))) != NULL) {
		/* the model's range, 1..2^63-1, is what INTEGER carries */
		if (p->rsa_e > INT64_MAX || p->rsa_e > LONG_MAX)
			wfail(w, KX_ESCHEMA, "RSA exponent above 2^63-1");
		kp->params->rsaE = wolong(w, p->rsa_e != 0, (long)p->rsa_e);
		if (p->ec_curve != NULL &&
		    (kp->params->ecCurve = wnew(w,
		    sizeof(*kp->params->ecCurve))) != NULL)
			woid(w, kp->params->ecCurve, p->ec_curve, "EC curve");
		kp->params->hmacHash = wolong(w,
		    p->hmac_hash != KX_HASH_NONE, p->hmac_hash);
		kp->params->publicKey = wobytes(w, &p->spki);
	}
	kp->allowedModes = wobits(w, p->modes);
	wbits(w, &kp->usage, p->usage);
	kp->role = wolong(w, p->role != KX_ROLE_NONE, p->role);
	kp->usageLimit = wolong(w, p->usage_limit >= 0,
	    (long)p->usage_limit);
	if (p->has_gp && (kp->gp = wnew(w, sizeof(*kp->gp))) != NULL) {
		const kxi_gp *g = &p->gp;
		GpCardFields_t *o = kp->gp;

		o->keyType = wolong(w, g->key_type != KX_UNSET, g->key_type);
		o->kvn = wolong(w, g->kvn != KX_UNSET, g->kvn);
		o->kid = wolong(w, g->kid != KX_UNSET, g->kid);
		if (g->kuq != KX_UNSET) {
			uint8_t q[2] = { (uint8_t)(g->kuq >> 8),
				(uint8_t)g->kuq };
			kxi_bytes b = { q, 2 };

			if (g->kuq_len == 1) {
				b.p = q + 1;
				b.n = 1;
			} else if (g->kuq_len != 2 || g->kuq > 0xffff) {
				wfail(w, KX_ESCHEMA, "gp kuq: bad length");
			}
			if (g->kuq_len == 1 && g->kuq > 0xff)
				wfail(w, KX_ESCHEMA, "gp kuq: bad length");
			o->kuq = wobytes(w, &b);
		}
		o->access = wolong(w, g->access != KX_UNSET, g->access);
		if (g->scp != KX_SCP_NONE &&
		    (o->scp = wnew(w, sizeof(*o->scp))) != NULL) {
			o->scp->protocol = g->scp;
			o->scp->i = wolong(w, g->scp_i != KX_UNSET, g->scp_i);
		} else if (g->scp == KX_SCP_NONE && g->scp_i != KX_UNSET) {
			wfail(w, KX_ESCHEMA, "gp scp i-parameter without scp");
		}
		o->sdAid = wobytes(w, &g->sd_aid);
		o->diversification = wolong(w,
		    g->diversification != KX_DIV_NONE, g->diversification);
	}
	kp->notBefore = wotime(w, p->not_before, "notBefore");
	kp->notAfter = wotime(w, p->not_after, "notAfter");
	kp->protectUntil = wotime(w, p->protect_until, "protectUntil");
	kp->processUntil = wotime(w, p->process_until, "processUntil");
	kp->cryptoperiod = wostr(w, p->cryptoperiod);
	kp->state = p->state;
	kp->stateSince = wotime(w, p->state_since, "stateSince");
	kp->revokedAt = wotime(w, p->revoked_at, "revokedAt");
	kp->revocationReason = wolong(w,
	    p->revocation_reason != KX_REV_NONE, p->revocation_reason);
	kp->mode = p->mode;
	kp->created = wotime(w, p->created, "created");
	kp->export.allowed = p->export_.allowed;
	kp->export.forms = wobits(w, p->export_.forms);
	kp->export.destinations = wlist(w, &p->export_.destinations,
	    "export destinations");
	kp->export.minWrapStrength = wolong(w,
	    p->export_.min_wrap_strength != KX_UNSET,
	    p->export_.min_wrap_strength);
	kp->export.trustedKekOnly = wotri(w, p->export_.trusted_kek_only);
	kp->sensitive = p->sensitive;
	kp->import.allowed = p->import_.allowed;
	kp->import.sources = wlist(w, &p->import_.sources, "import sources");
	if ((p->provenance.always_sensitive != KXI_TRI_UNSET ||
	    p->provenance.never_exported != KXI_TRI_UNSET ||
	    p->provenance.generated_in != NULL) &&
	    (kp->provenance = wnew(w, sizeof(*kp->provenance))) != NULL) {
		kp->provenance->alwaysSensitive =
		    wotri(w, p->provenance.always_sensitive);
		kp->provenance->neverExported =
		    wotri(w, p->provenance.never_exported);
		kp->provenance->generatedIn =
		    wostr(w, p->provenance.generated_in);
	}
	kp->permanent = wotri(w, p->permanent);
	if ((p->split.n != 0 || p->split.m != 0 ||
	    p->split.method != KX_SPLIT_NONE ||
	    p->split.dual_control != KXI_TRI_UNSET) &&
	    (kp->split = wnew(w, sizeof(*kp->split))) != NULL) {
		kp->split->n = wolong(w, p->split.n != 0, (long)p->split.n);
		kp->split->m = wolong(w, p->split.m != 0, (long)p->split.m);
		kp->split->method = wolong(w, p->split.method != KX_SPLIT_NONE,
		    p->split.method);
		kp->split->dualControl = wotri(w, p->split.dual_control);
	}
	if (p->nrelations > 0 &&
	    (kp->relations = wnew(w, sizeof(*kp->relations))) != NULL) {
		for (i = 0; i < p->nrelations; i++) {
			Relation_t *x = wnew(w, sizeof(*x));

			if (x == NULL)
				break;
			x->type = p->relations[i].type;
			wstr(w, &x->ref, p->relations[i].ref, "relation ref");
			WADD(w, kp->relations, x, asn_DEF_Relation);
		}
	}
	kp->extensions = wexts(w, p->extensions, p->nextensions);
}

static KeyValue_t *
wvalue(struct wctx *w, const kxi_keyval *v)
{
	KeyValue_t *o;
	size_t i;

	if (v->form == KX_VALUE_NONE || (o = wnew(w, sizeof(*o))) == NULL)
		return NULL;
	o->form = v->form;
	o->kekId = wostr(w, v->kek_id);
	o->algorithm = wolong(w, v->alg != KX_WRAP_NONE, v->alg);
	o->iv = wobytes(w, &v->iv);
	o->data = wobytes(w, &v->data);
	if (v->binding_method != NULL &&
	    (o->binding = wnew(w, sizeof(*o->binding))) != NULL) {
		wstr(w, &o->binding->method, v->binding_method,
		    "binding method");
		o->binding->aadDigest = wobytes(w, &v->binding_digest);
	} else if (v->binding_method == NULL && v->binding_digest.n > 0) {
		wfail(w, KX_ESCHEMA, "binding digest without method");
	}
	if (v->ncomponents > 0 &&
	    (o->components = wnew(w, sizeof(*o->components))) != NULL) {
		for (i = 0; i < v->ncomponents; i++) {
			const kxi_component *c = &v->components[i];
			Component_t *x = wnew(w, sizeof(*x));

			if (x == NULL)
				break;
			x->index = c->index;
			x->custodian = wostr(w, c->custodian);
			x->kcv = wobytes(w, &c->kcv);
			x->wrapped = wobytes(w, &c->wrapped);
			WADD(w, o->components, x, asn_DEF_Component);
		}
	}
	o->threshold = wolong(w, v->threshold != 0, (long)v->threshold);
	o->splitMethod = wolong(w, v->split_method != KX_SPLIT_NONE,
	    v->split_method);
	o->clear = wobytes(w, &v->clear);
	if (v->nparts > 0 &&
	    (o->parts = wnew(w, sizeof(*o->parts))) != NULL) {
		for (i = 0; i < v->nparts; i++) {
			const kxi_part *pt = &v->parts[i];
			ValuePart_t *x = wnew(w, sizeof(*x));

			if (x == NULL)
				break;
			wstr(w, &x->name, pt->name, "part name");
			x->order = wolong(w, pt->order != KX_UNSET, pt->order);
			wbuf(w, &x->data, pt->data.p, pt->data.n);
			x->kcv = wobytes(w, &pt->kcv);
			WADD(w, o->parts, x, asn_DEF_ValuePart);
		}
	}
	return o;
}

static TransportKeyRef_t *
wtk(struct wctx *w, const kxi_tk *t)
{
	TransportKeyRef_t *o;
	unsigned i;

	if ((o = wnew(w, sizeof(*o))) == NULL)
		return NULL;
	w->key_id = t->id;
	wstr(w, &o->id, t->id, "transport key id");
	o->algorithm = t->alg;
	o->lengthBits = (long)t->length_bits;
	o->kcv = wobytes(w, &t->kcv);
	o->kcvMethod = wolong(w, t->kcv_method != KX_KCV_NONE,
	    t->kcv_method);
	o->owner = wostr(w, t->owner);
	o->version = wostr(w, t->version);
	o->trusted = t->trusted;
	if (t->comp_n != 0 &&
	    (o->components = wnew(w, sizeof(*o->components))) != NULL) {
		ComponentCeremony_t *c = o->components;

		c->n = (long)t->comp_n;
		c->m = wolong(w, t->comp_m != 0, (long)t->comp_m);
		c->method = t->comp_method;
		if (t->comp_kcvs != NULL &&
		    (c->kcvs = wnew(w, sizeof(*c->kcvs))) != NULL) {
			for (i = 0; i < t->comp_n; i++) {
				OCTET_STRING_t *x = wnew(w, sizeof(*x));

				if (x == NULL)
					break;
				wbuf(w, x, t->comp_kcvs[i].p,
				    t->comp_kcvs[i].n);
				WADD(w, c->kcvs, x, asn_DEF_OCTET_STRING);
			}
		}
	} else if (t->comp_n == 0 && (t->comp_m != 0 || t->comp_kcvs)) {
		wfail(w, KX_ESCHEMA, "component record without n");
	}
	return o;
}

/* Wipe the test-only clear bytes of an asn1c KeyValue (value and parts). */
static void
value_cleanse(KeyValue_t *v)
{
	int i;

	if (v == NULL)
		return;
	if (v->clear && v->clear->buf)
		OPENSSL_cleanse(v->clear->buf, (size_t)v->clear->size);
	for (i = 0; v->parts != NULL && i < v->parts->list.count; i++) {
		ValuePart_t *x = v->parts->list.array[i];

		if (x != NULL && x->data.buf != NULL)
			OPENSSL_cleanse(x->data.buf, (size_t)x->data.size);
	}
}

/* Free an asn1c Key, wiping a test-only clear value first. */
static void
key_free(Key_t *o)
{
	if (o == NULL)
		return;
	value_cleanse(o->value);
	ASN_STRUCT_FREE(asn_DEF_Key, o);
}

static void
exchange_free(KeyExchange_t *x)
{
	int i;

	if (x == NULL)
		return;
	for (i = 0; x->keys != NULL && i < x->keys->list.count; i++) {
		Key_t *o = x->keys->list.array[i];

		if (o != NULL)
			value_cleanse(o->value);
	}
	ASN_STRUCT_FREE(asn_DEF_KeyExchange, x);
}

/* The KeyExchange of doc without its keys (they are encoded one by one). */
static KeyExchange_t *
wdoc(struct wctx *w, const kx_doc *doc)
{
	KeyExchange_t *x;
	size_t i;

	if ((x = wnew(w, sizeof(*x))) == NULL)
		return NULL;
	if (OBJECT_IDENTIFIER_set_arcs(&x->contentType, exchange_arcs,
	    sizeof(exchange_arcs[0]), EXCHANGE_NARCS) != 0)
		wfail(w, KX_ENOMEM, "oom");
	x->modelVersion = doc->model_version;
	if (doc->model_version != KX_MODEL_VERSION)
		wfail(w, KX_EUNSUPPORTED, "model version %d",
		    doc->model_version);
	wstr(w, &x->id, doc->id, "document id");
	wtime(w, &x->created, doc->created, "document created");
	x->sender = wostr(w, doc->sender);
	x->recipients = wlist(w, &doc->recipients, "recipients");
	x->comment = wostr(w, doc->comment);
	if (doc->ntks > 0 &&
	    (x->transportKeys = wnew(w, sizeof(*x->transportKeys))) != NULL)
		for (i = 0; i < doc->ntks && w->r == KX_OK; i++) {
			TransportKeyRef_t *t = wtk(w, &doc->tks[i]);

			WADD(w, x->transportKeys, t, asn_DEF_TransportKeyRef);
		}
	w->key_id = NULL;
	x->extensions = wexts(w, doc->extensions, doc->nextensions);
	return x;
}

static Key_t *
wkey(struct wctx *w, const kx_key *k)
{
	Key_t *o;

	if ((o = wnew(w, sizeof(*o))) == NULL)
		return NULL;
	wprofile(w, &o->profile, &k->prof);
	o->value = wvalue(w, &k->value);
	o->kcv = wobytes(w, &k->kcv);
	o->kcvMethod = wolong(w, k->kcv_method != KX_KCV_NONE,
	    k->kcv_method);
	return o;
}

static int
append_cb(const void *p, size_t n, void *app)
{
	return kx_buf_append(app, p, n) == KX_OK ? 0 : -1;
}

/*
 * asn1c's der_encode, with each constructed value measured once.  Its
 * SEQUENCE and SEQUENCE OF encoders measure their components before
 * writing their own length and then encode each component, which
 * measures its own components again: a value at depth n is measured n
 * times (44,000 instructions for a 356-byte key, two thirds of them
 * measuring).  Here one pass measures every SEQUENCE and SEQUENCE OF
 * bottom-up and keeps their content lengths in visiting order, and a
 * second pass writes: the same tags (der_write_tags), components in the
 * same order with the same tagging, so the same bytes as der_encode;
 * every other type (the primitives, SET OF, which sorts) is asn1c's own
 * encoder.  test_der compares the two over its documents.
 */
struct menc {
	size_t *len;		/* content lengths, in visiting order */
	size_t n, cap, at;	/* kept; room; next to write */
	size_t stack[64];
	asn_app_consume_bytes_f *cb;	/* NULL while measuring */
	void *key;
};

static ssize_t
menc_value(struct menc *m, asn_TYPE_descriptor_t *td, void *sptr,
    int tag_mode, ber_tlv_tag_t tag)
{
	asn_anonymous_sequence_ *list;
	asn_TYPE_member_t *elm;
	asn_enc_rval_t er;
	size_t slot, sum = 0, *p;
	ssize_t k, hdr = 0;
	void *mp;
	int seq, i, n;

	seq = td->der_encoder == SEQUENCE_encode_der;
	if (!seq && td->der_encoder != SEQUENCE_OF_encode_der) {
		er = td->der_encoder(td, sptr, tag_mode, tag, m->cb, m->key);
		return er.encoded;
	}
	if (m->cb == NULL) {
		if (m->n == m->cap) {
			m->cap *= 2;
			if ((p = malloc(m->cap * sizeof(*p))) == NULL)
				return -1;
			memcpy(p, m->len, m->n * sizeof(*p));
			if (m->len != m->stack)
				free(m->len);
			m->len = p;
		}
		slot = m->n++;
	} else if ((slot = m->at++) >= m->n)
		return -1;
	if (m->cb != NULL && (hdr = der_write_tags(td, m->len[slot],
	    tag_mode, 1, tag, m->cb, m->key)) < 0)
		return -1;
	list = seq ? NULL : _A_SEQUENCE_FROM_VOID(sptr);
	n = seq ? td->elements_count : list->count;
	for (i = 0; i < n; i++) {
		elm = seq ? &td->elements[i] : td->elements;
		if (!seq)
			mp = list->array[i];
		else if (elm->flags & ATF_POINTER) {
			mp = *(void **)((char *)sptr + elm->memb_offset);
			if (mp == NULL && !elm->optional)
				return -1;
		} else
			mp = (char *)sptr + elm->memb_offset;
		if (mp == NULL)
			continue;
		if ((k = menc_value(m, elm->type, mp, seq ? elm->tag_mode : 0,
		    elm->tag)) < 0)
			return -1;
		sum += (size_t)k;
	}
	if (m->cb == NULL) {
		m->len[slot] = sum;
		hdr = der_write_tags(td, sum, tag_mode, 1, tag, NULL, NULL);
		if (hdr < 0)
			return -1;
	} else if (sum != m->len[slot])
		return -1;
	return hdr + (ssize_t)sum;
}

/* der_encode(td, sptr, cb, key)'s bytes through menc_value; -1 or the
 * length. */
static ssize_t
menc_encode(asn_TYPE_descriptor_t *td, void *sptr,
    asn_app_consume_bytes_f *cb, void *key)
{
	struct menc m;
	ssize_t k, w = -1;

	memset(&m, 0, sizeof(m));
	m.len = m.stack;
	m.cap = sizeof(m.stack) / sizeof(m.stack[0]);
	if ((k = menc_value(&m, td, sptr, 0, 0)) >= 0) {
		m.cb = cb;
		m.key = key;
		if ((w = menc_value(&m, td, sptr, 0, 0)) != k || m.at != m.n)
			w = -1;
	}
	if (m.len != m.stack)
		free(m.len);
	return w;
}

/*
 * DER of sptr into out (appended); checks constraints first, unless
 * !check (the reader's: the bytes are compared with an input whose
 * decoded value passed them).
 */
static int
encode(asn_TYPE_descriptor_t *td, void *sptr, int check, kx_buf *out,
    const char *key_id, kx_diag *d)
{
	char err[256];
	size_t errlen = sizeof(err), len = out->len;
	asn_enc_rval_t er;

	gt_setup();
	if (check && asn_check_constraints(td, sptr, err, &errlen) != 0)
		return kxi_fact(d, KXI_SCHEMA, KX_ESCHEMA, NULL,
		    NULL, key_id, "der: model violates the ASN.1 module: %s",
		    errlen ? err : "constraint");
	if (menc_encode(td, sptr, append_cb, out) >= 0)
		return KX_OK;
	/* asn1c's own encoder, which names the type that failed */
	out->len = len;
	er = der_encode(td, sptr, append_cb, out);
	if (er.encoded < 0)
		return KX_FAIL(d, KX_ENOMEM, "der: cannot encode %s",
		    er.failed_type ? er.failed_type->name : "value");
	return KX_OK;
}

/* Canonical DER of one Key, appended to out (see encode for check). */
static int
enc_key(const kx_key *k, int check, kx_buf *out, kx_diag *d)
{
	struct wctx w = { KX_OK, d, NULL };
	Key_t *o = wkey(&w, k);
	int r = w.r;

	if (r == KX_OK)
		r = encode(&asn_DEF_Key, o, check, out, k->prof.id, d);
	key_free(o);
	return r;
}

/* Canonical DER of the KeyExchange without keys, appended to out. */
static int
enc_head(const kx_doc *doc, kx_buf *out, kx_diag *d)
{
	struct wctx w = { KX_OK, d, NULL };
	KeyExchange_t *x = wdoc(&w, doc);
	int r = w.r;

	if (r == KX_OK)
		r = encode(&asn_DEF_KeyExchange, x, 1, out, NULL, d);
	exchange_free(x);
	return r;
}

/* DER length octets of n (at most 4 octets of length: < 4 GiB). */
static int
put_len(kx_buf *b, size_t n)
{
	uint8_t l[5];
	size_t k = 0, i;

	if (n < 0x80) {
		l[0] = (uint8_t)n;
		return kx_buf_append(b, l, 1);
	}
	for (i = n; i != 0; i >>= 8)
		k++;
	if (k > 4)
		return KX_ELIMIT;
	l[0] = (uint8_t)(0x80 | k);
	for (i = 0; i < k; i++)
		l[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
	return kx_buf_append(b, l, 1 + k);
}

/*
 * Assemble head (a KeyExchange without keys) and keys (the concatenated
 * Key encodings) into one KeyExchange: keys [6] goes before extensions
 * [7].  Used by the writer and, with the roles reversed, mirrors what
 * the reader takes apart.
 */
static int
assemble(const kx_buf *head, const kx_buf *keys, kx_buf *out)
{
	struct tlv top, ext;
	kx_buf hl = { NULL, 0, 0, 0 };
	size_t split, content;
	int r;

	if (tlv_at(head->data, head->len, 0, &top) != 0)
		return KX_EINTERNAL;
	split = tlv_child(head->data, &top, 7, &ext) == 0 ? ext.off :
	    head->len;
	/* length of the keys [6] TLV */
	if ((r = put_len(&hl, keys->len)) != KX_OK)
		goto out;
	content = top.len + 1 + hl.len + keys->len;
	if ((r = kx_buf_append(out, "\x30", 1)) != KX_OK ||
	    (r = put_len(out, content)) != KX_OK ||
	    (r = kx_buf_append(out, head->data + top.hdr, split - top.hdr))
	    != KX_OK ||
	    (r = kx_buf_append(out, "\xa6", 1)) != KX_OK ||
	    (r = kx_buf_append(out, hl.data, hl.len)) != KX_OK ||
	    (r = kx_buf_append(out, keys->data, keys->len)) != KX_OK ||
	    (r = kx_buf_append(out, head->data + split, head->len - split))
	    != KX_OK)
		goto out;
	r = KX_OK;
out:
	kx_buf_free(&hl);
	return r;
}

/*
 * The writer encodes the document head and each key separately, so that
 * asn1c never holds more than one key; DER being unique, the assembled
 * bytes are what der_encode of the whole KeyExchange would give.
 */
static int
der_write(const kx_doc *doc, kx_buf *out, kx_diag *d)
{
	kx_buf head = { NULL, 0, 0, 0 }, keys = { NULL, 0, 0, 0 };
	size_t i;
	int r = KX_EINTERNAL;

	if (doc == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	head.max = keys.max = out->max;
	if ((r = enc_head(doc, &head, d)) != KX_OK)
		goto out;
	for (i = 0; i < doc->nkeys; i++)
		if ((r = enc_key(&doc->keys[i], 1, &keys, d)) != KX_OK)
			goto out;
	r = doc->nkeys == 0 ? kx_buf_append(out, head.data, head.len) :
	    assemble(&head, &keys, out);
	if (r != KX_OK)
		r = KX_FAIL(d, r, "der: output too large");
out:
	kx_buf_free(&head);
	kx_buf_free(&keys);
	return r;
}

int
kxi_profile_der(const kxi_profile *p, kx_buf *out, kx_diag *d)
{
	struct wctx w = { KX_OK, d, NULL };
	KeyProfile_t *kp = NULL;
	int r = KX_EINTERNAL;

	if (p == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	if ((kp = wnew(&w, sizeof(*kp))) == NULL) {
		r = w.r;
		goto out;
	}
	wprofile(&w, kp, p);
	if (w.r != KX_OK) {
		r = w.r;
		goto out;
	}
	r = encode(&asn_DEF_KeyProfile, kp, 1, out, p->id, d);
out:
	if (kp != NULL)
		ASN_STRUCT_FREE(asn_DEF_KeyProfile, kp);
	return r;
}

int
kxi_bound_der(const kx_doc *doc, const kxi_profile *p, kx_buf *out,
    kx_diag *d)
{
	struct wctx w = { KX_OK, d, NULL };
	BoundContext_t *bc = NULL;
	int r = KX_EINTERNAL;

	if (doc == NULL || p == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	w.key_id = p->id;
	if ((bc = wnew(&w, sizeof(*bc))) == NULL) {
		r = w.r;
		goto out;
	}
	wstr(&w, &bc->documentId, doc->id, "document id");
	wtime(&w, &bc->created, doc->created, "document created");
	bc->sender = wostr(&w, doc->sender);
	bc->recipients = wlist(&w, &doc->recipients, "recipients");
	wprofile(&w, &bc->profile, p);
	if (w.r != KX_OK) {
		r = w.r;
		goto out;
	}
	r = encode(&asn_DEF_BoundContext, bc, 1, out, p->id, d);
out:
	if (bc != NULL)
		ASN_STRUCT_FREE(asn_DEF_BoundContext, bc);
	return r;
}

/* ==== reader: asn1c structures -> model ================================ */

struct rctx {
	kx_doc *doc;
	kxi_arena *a;		/* where strings and lists go */
	kx_diag *d;
	const char *name;
	int r;			/* first error */
	kxi_loc loc;		/* current place */
	const char *key_id;
};

static void rfail(struct rctx *c, const char *fmt, ...) KX_PRINTF(2, 3);

/* A value outside the model: a schema finding at the current place. */
static void
rfail(struct rctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->r == KX_OK)
		c->r = KX_ESCHEMA;
	kxi_fact(c->d, KXI_SCHEMA, KX_ESCHEMA, c->name,
	    &c->loc, c->key_id, "der: %s", msg);
}

static void
room(struct rctx *c)
{
	if (c->r != KX_ENOMEM)
		KX_FAIL(c->d, KX_ENOMEM, "der: out of memory");
	c->r = KX_ENOMEM;
}

static const char *
rstr(struct rctx *c, const UTF8String_t *s, const char *what)
{
	const char *p;

	if (s == NULL)
		return NULL;
	if (s->size > 0 && memchr(s->buf, 0, (size_t)s->size) != NULL) {
		rfail(c, "%s contains a NUL character", what);
		return NULL;
	}
	p = kxi_strndup(c->a, (const char *)s->buf,
	    (size_t)s->size);
	if (p == NULL)
		room(c);
	return p;
}

static void
rbytes(struct rctx *c, const OCTET_STRING_t *s, kxi_bytes *out)
{
	out->p = NULL;
	out->n = 0;
	if (s == NULL || s->size == 0)
		return;
	out->p = kxi_memdup(c->a, s->buf, (size_t)s->size);
	if (out->p == NULL) {
		room(c);
		return;
	}
	out->n = (size_t)s->size;
}

static int64_t
rtime(struct rctx *c, const GeneralizedTime_t *g, const char *what)
{
	int64_t t;

	if (g == NULL)
		return KX_UNSET_TIME;
	if (parse_gt(g->buf, (size_t)g->size, &t) != 0) {
		rfail(c, "%s: not a DER GeneralizedTime YYYYMMDDHHMMSSZ of "
		    "the years 0001..9999", what);
		return KX_UNSET_TIME;
	}
	return t;
}

/* An enumeration value of type t; "none" (0) only where allowed. */
static int
renum(struct rctx *c, long v, enum kx_enum_type t, int none_ok,
    const char *what)
{
	if (v < 0 || v >= kx_enum_count(t)) {
		rfail(c, "%s: unknown value %ld", what, v);
		return 0;
	}
	if (!none_ok && v == 0 && strcmp(kx_name(t, 0), "none") == 0) {
		rfail(c, "%s: 'none' is written by omission", what);
		return 0;
	}
	return (int)v;
}

static int
roenum(struct rctx *c, const long *v, enum kx_enum_type t, const char *what)
{
	return v == NULL ? 0 : renum(c, *v, t, 0, what);
}

/* Named bits to a mask of nbits known bits; refuses unknown bits. */
static uint32_t
rbits(struct rctx *c, const BIT_STRING_t *b, int nbits, const char *what)
{
	uint32_t mask = 0;
	int i, total;

	if (b == NULL)
		return 0;
	if (b->bits_unused < 0 || b->bits_unused > 7 ||
	    (b->size == 0 && b->bits_unused != 0)) {
		rfail(c, "%s: bad BIT STRING", what);
		return 0;
	}
	total = b->size * 8 - b->bits_unused;
	for (i = 0; i < total; i++) {
		if (!(b->buf[i / 8] & (0x80 >> (i % 8))))
			continue;
		if (i >= nbits) {
			rfail(c, "%s: unknown bit %d", what, i);
			return 0;
		}
		mask |= 1u << i;
	}
	return mask;
}

static void
rlist(struct rctx *c, const UTF8StringList_t *l, kxi_strlist *out,
    const char *what)
{
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < l->list.count && c->r == KX_OK; i++) {
		const char *s = rstr(c, l->list.array[i], what);

		if (s != NULL && kxi_strlist_add(c->a, out, s) !=
		    KX_OK)
			room(c);
	}
}

static enum kxi_tri
rtri(const BOOLEAN_t *b)
{
	if (b == NULL)
		return KXI_TRI_UNSET;
	return *b ? KXI_TRI_TRUE : KXI_TRI_FALSE;
}

/* Optional small integer (range already checked by the constraints). */
static int
rsmall(const long *v)
{
	return v == NULL ? KX_UNSET : (int)*v;
}

static void *
ralloc(struct rctx *c, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		return NULL;
	if (n > SIZE_MAX / size ||
	    (p = kxi_alloc(c->a, n * size)) == NULL) {
		room(c);
		return NULL;
	}
	return p;
}

static void
rexts(struct rctx *c, const Extensions_t *x, kxi_extension **out, size_t *n)
{
	int i;

	if (x == NULL ||
	    (*out = ralloc(c, (size_t)x->list.count, sizeof(**out))) == NULL)
		return;
	for (i = 0; i < x->list.count; i++) {
		const Extension_t *e = x->list.array[i];

		(*out)[i].ns = rstr(c, &e->Namespace, "extension namespace");
		(*out)[i].name = rstr(c, &e->name, "extension name");
		(*out)[i].value = rstr(c, &e->value, "extension value");
	}
	*n = (size_t)x->list.count;
}

static void
rprofile(struct rctx *c, const KeyProfile_t *kp, kxi_profile *p)
{
	int i;

	p->id = rstr(c, &kp->id, "key id");
	c->key_id = p->id;
	p->name = rstr(c, kp->name, "name");
	p->description = rstr(c, kp->description, "description");
	p->template_id = rstr(c, kp->Template, "template");
	p->reference = rstr(c, kp->reference, "reference");
	p->version = rstr(c, kp->version, "version");
	if (kp->revisions != NULL && (p->revisions = ralloc(c,
	    (size_t)kp->revisions->list.count, sizeof(*p->revisions)))) {
		for (i = 0; i < kp->revisions->list.count; i++) {
			const Revision_t *x = kp->revisions->list.array[i];
			kxi_revision *rv = &p->revisions[i];

			rv->version = rstr(c, x->version, "revision version");
			rv->date = rtime(c, x->date, "revision date");
			rv->by = rstr(c, x->by, "revision by");
			rbytes(c, x->digest, &rv->digest);
		}
		p->nrevisions = (size_t)kp->revisions->list.count;
	}
	p->owner = rstr(c, kp->owner, "owner");
	p->creator = rstr(c, kp->creator, "creator");
	p->holder = rstr(c, kp->holder, "holder");
	rlist(c, kp->custodians, &p->custodians, "custodians");
	p->cls = renum(c, kp->Class, KX_ENUM_CLASS, 1, "class");
	p->alg = renum(c, kp->algorithm, KX_ENUM_ALG, 1, "algorithm");
	if (kp->lengthBits > (long)UINT_MAX)
		rfail(c, "lengthBits too large");
	else
		p->length_bits = (unsigned)kp->lengthBits;
	if (kp->params != NULL) {
		const KeyParams_t *x = kp->params;

		if (x->rsaE == NULL && x->ecCurve == NULL &&
		    x->hmacHash == NULL && x->publicKey == NULL)
			rfail(c, "params: empty (omit it)");
		if (x->rsaE != NULL)
			p->rsa_e = (uint64_t)*x->rsaE;
		if (x->ecCurve != NULL) {
			char txt[KXI_OID_MAX_TEXT + 2];
			const char *why = NULL;

			if (kxi_oid_from_der(x->ecCurve->buf,
			    (size_t)x->ecCurve->size, txt, sizeof(txt),
			    &why) != KX_OK)
				rfail(c, "params: ecCurve is not an OID of the "
				    "model: %s", why != NULL ? why : "?");
			else if ((p->ec_curve = kxi_strdup(c->a,
			    txt)) == NULL)
				room(c);
		}
		p->hmac_hash = roenum(c, x->hmacHash, KX_ENUM_HASH, "hmacHash");
		rbytes(c, x->publicKey, &p->spki);
	}
	p->modes = rbits(c, kp->allowedModes, KX_M__N, "allowedModes");
	p->usage = rbits(c, &kp->usage, KX_U__N, "usage");
	p->role = roenum(c, kp->role, KX_ENUM_ROLE, "role");
	p->usage_limit = kp->usageLimit ? *kp->usageLimit : -1;
	if (kp->gp != NULL) {
		const GpCardFields_t *g = kp->gp;

		p->has_gp = true;
		p->gp.key_type = rsmall(g->keyType);
		p->gp.kvn = rsmall(g->kvn);
		p->gp.kid = rsmall(g->kid);
		if (g->kuq != NULL) {
			p->gp.kuq_len = g->kuq->size;
			p->gp.kuq = g->kuq->size == 2 ?
			    (g->kuq->buf[0] << 8 | g->kuq->buf[1]) :
			    g->kuq->buf[0];
		}
		p->gp.access = rsmall(g->access);
		if (g->scp != NULL) {
			p->gp.scp = renum(c, g->scp->protocol, KX_ENUM_SCP, 0,
			    "gp scp");
			p->gp.scp_i = rsmall(g->scp->i);
		}
		rbytes(c, g->sdAid, &p->gp.sd_aid);
		p->gp.diversification = roenum(c, g->diversification,
		    KX_ENUM_DIVERSIFICATION, "gp diversification");
	}
	p->not_before = rtime(c, kp->notBefore, "notBefore");
	p->not_after = rtime(c, kp->notAfter, "notAfter");
	p->protect_until = rtime(c, kp->protectUntil, "protectUntil");
	p->process_until = rtime(c, kp->processUntil, "processUntil");
	p->cryptoperiod = rstr(c, kp->cryptoperiod, "cryptoperiod");
	p->state = renum(c, kp->state, KX_ENUM_STATE, 1, "state");
	p->state_since = rtime(c, kp->stateSince, "stateSince");
	p->revoked_at = rtime(c, kp->revokedAt, "revokedAt");
	p->revocation_reason = roenum(c, kp->revocationReason,
	    KX_ENUM_REVOCATION, "revocationReason");
	p->mode = renum(c, kp->mode, KX_ENUM_KEYMODE, 1, "mode");
	p->created = rtime(c, kp->created, "created");
	p->export_.allowed = kp->export.allowed != 0;
	p->export_.forms = rbits(c, kp->export.forms, KX_FORM__N,
	    "export forms");
	rlist(c, kp->export.destinations, &p->export_.destinations,
	    "export destinations");
	p->export_.min_wrap_strength = kp->export.minWrapStrength ?
	    (*kp->export.minWrapStrength > INT_MAX ? INT_MAX :
	    (int)*kp->export.minWrapStrength) : KX_UNSET;
	p->export_.trusted_kek_only = rtri(kp->export.trustedKekOnly);
	p->sensitive = kp->sensitive != 0;
	p->import_.allowed = kp->import.allowed != 0;
	rlist(c, kp->import.sources, &p->import_.sources, "import sources");
	if (kp->provenance != NULL) {
		p->provenance.always_sensitive =
		    rtri(kp->provenance->alwaysSensitive);
		p->provenance.never_exported =
		    rtri(kp->provenance->neverExported);
		p->provenance.generated_in = rstr(c,
		    kp->provenance->generatedIn, "generatedIn");
	}
	p->permanent = rtri(kp->permanent);
	if (kp->split != NULL) {
		p->split.n = kp->split->n ? (unsigned)*kp->split->n : 0;
		p->split.m = kp->split->m ? (unsigned)*kp->split->m : 0;
		p->split.method = roenum(c, kp->split->method, KX_ENUM_SPLIT,
		    "split method");
		p->split.dual_control = rtri(kp->split->dualControl);
	}
	if (kp->relations != NULL && (p->relations = ralloc(c,
	    (size_t)kp->relations->list.count, sizeof(*p->relations)))) {
		for (i = 0; i < kp->relations->list.count; i++) {
			const Relation_t *x = kp->relations->list.array[i];

			p->relations[i].type = renum(c, x->type,
			    KX_ENUM_RELATION, 1, "relation type");
			p->relations[i].ref = rstr(c, &x->ref, "relation ref");
		}
		p->nrelations = (size_t)kp->relations->list.count;
	}
	rexts(c, kp->extensions, &p->extensions, &p->nextensions);
}

static void
rvalue(struct rctx *c, const KeyValue_t *o, kxi_keyval *v)
{
	int i;

	if (o == NULL)
		return;
	v->form = renum(c, o->form, KX_ENUM_VALUE_FORM, 0, "value form");
	v->kek_id = rstr(c, o->kekId, "kekId");
	v->alg = roenum(c, o->algorithm, KX_ENUM_WRAP_ALG, "value algorithm");
	rbytes(c, o->iv, &v->iv);
	rbytes(c, o->data, &v->data);
	if (o->binding != NULL) {
		v->binding_method = rstr(c, &o->binding->method,
		    "binding method");
		rbytes(c, o->binding->aadDigest, &v->binding_digest);
	}
	if (o->components != NULL && (v->components = ralloc(c,
	    (size_t)o->components->list.count, sizeof(*v->components)))) {
		for (i = 0; i < o->components->list.count; i++) {
			const Component_t *x = o->components->list.array[i];
			kxi_component *k = &v->components[i];

			k->index = (int)x->index;
			k->custodian = rstr(c, x->custodian, "custodian");
			rbytes(c, x->kcv, &k->kcv);
			rbytes(c, x->wrapped, &k->wrapped);
		}
		v->ncomponents = (size_t)o->components->list.count;
	}
	v->threshold = o->threshold ? (unsigned)*o->threshold : 0;
	v->split_method = roenum(c, o->splitMethod, KX_ENUM_SPLIT,
	    "value splitMethod");
	if (o->clear != NULL && o->clear->size > 0) {
		c->a->wipe = true;
		rbytes(c, o->clear, &v->clear);
	}
	if (o->parts != NULL && (v->parts = ralloc(c,
	    (size_t)o->parts->list.count, sizeof(*v->parts)))) {
		if (v->form == KX_VALUE_CLEAR)
			c->a->wipe = true;
		for (i = 0; i < o->parts->list.count; i++) {
			const ValuePart_t *x = o->parts->list.array[i];
			kxi_part *pt = &v->parts[i];

			pt->name = rstr(c, &x->name, "part name");
			pt->order = x->order != NULL ? (int)*x->order :
			    KX_UNSET;
			rbytes(c, &x->data, &pt->data);
			rbytes(c, x->kcv, &pt->kcv);
		}
		v->nparts = (size_t)o->parts->list.count;
	}
}

static void
rtk(struct rctx *c, const TransportKeyRef_t *o, kxi_tk *t)
{
	int i;

	t->id = rstr(c, &o->id, "transport key id");
	c->key_id = t->id;
	t->alg = renum(c, o->algorithm, KX_ENUM_ALG, 1, "algorithm");
	if (o->lengthBits > (long)UINT_MAX)
		rfail(c, "lengthBits too large");
	else
		t->length_bits = (unsigned)o->lengthBits;
	rbytes(c, o->kcv, &t->kcv);
	t->kcv_method = roenum(c, o->kcvMethod, KX_ENUM_KCV_METHOD,
	    "kcvMethod");
	t->owner = rstr(c, o->owner, "owner");
	t->version = rstr(c, o->version, "version");
	t->trusted = o->trusted != 0;
	if (o->components != NULL) {
		const ComponentCeremony_t *x = o->components;

		t->comp_n = (unsigned)x->n;
		t->comp_m = x->m ? (unsigned)*x->m : 0;
		t->comp_method = renum(c, x->method, KX_ENUM_SPLIT, 1,
		    "components method");
		if (x->kcvs != NULL) {
			if (x->kcvs->list.count != x->n) {
				rfail(c, "components: %d kcvs for n = %ld",
				    x->kcvs->list.count, x->n);
				return;
			}
			t->comp_kcvs = ralloc(c, (size_t)x->n,
			    sizeof(*t->comp_kcvs));
			for (i = 0; t->comp_kcvs && i < x->kcvs->list.count;
			    i++)
				rbytes(c, x->kcvs->list.array[i],
				    &t->comp_kcvs[i]);
		}
	}
	c->key_id = NULL;
}

static int
der_detect(const uint8_t *buf, size_t len)
{
	struct tlv t;

	if (buf == NULL || tlv_at(buf, len, 0, &t) != 0 ||
	    t.cls_cons != 0x20 || t.tag != 16 ||
	    t.len < sizeof(exchange_oid_der))
		return 0;
	return memcmp(buf + t.hdr, exchange_oid_der,
	    sizeof(exchange_oid_der)) == 0;
}

/*
 * Offset in a of the innermost TLV that differs from b (the canonical
 * re-encoding): walk both in step, descend into the first differing
 * constructed pair with the same identifier.
 */
static size_t
diff_place(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t pa = 0, pb = 0, ea = an, eb = bn, cand = 0;
	struct tlv ta, tb;
	int depth;

	for (depth = 0; depth < 64;) {
		if (pa >= ea || pb >= eb)
			return pa < ea ? pa : cand;
		if (tlv_at(a, ea, pa, &ta) != 0 || tlv_at(b, eb, pb, &tb) != 0)
			return pa;
		if (ta.hdr + ta.len == tb.hdr + tb.len &&
		    memcmp(a + pa, b + pb, ta.hdr + ta.len) == 0) {
			pa += ta.hdr + ta.len;
			pb += tb.hdr + tb.len;
			continue;
		}
		if (a[pa] != b[pb] || !(a[pa] & 0x20))
			return pa;
		cand = pa;
		ea = pa + ta.hdr + ta.len;
		eb = pb + tb.hdr + tb.len;
		pa += ta.hdr;
		pb += tb.hdr;
		depth++;
	}
	return cand;
}

/*
 * The head of an input (the KeyExchange without its keys [6]) is decoded
 * from a copy; hmap turns an offset in that copy back into one of the
 * input.
 */
struct hmap {
	size_t newhdr, oldhdr;	/* outer header sizes: copy, input */
	size_t split;		/* offset in the copy where keys were */
	size_t shift;		/* size of the keys [6] TLV */
};

static int64_t
map_off(const struct hmap *m, size_t o)
{
	if (m == NULL)
		return (int64_t)o;
	if (o < m->newhdr)
		return 0;
	if (o < m->split)
		return (int64_t)(o - m->newhdr + m->oldhdr);
	return (int64_t)(o - m->newhdr + m->oldhdr + m->shift);
}

/*
 * Decode one value of td from p[0..n) strictly: no bytes left over, the
 * decoded value re-encodes to exactly p (else it was BER, or carries
 * components of a later version; skipped unless reenc, see key_read),
 * and the module's constraints hold.
 * base + map_off(m, .) places findings in the input.  *sp is the
 * caller's to free, also on failure.
 */
static int
decode_strict(asn_TYPE_descriptor_t *td, void **sp, const uint8_t *p,
    size_t n, int64_t base, const struct hmap *m, int reenc,
    const char *name, kx_diag *d)
{
	asn_codec_ctx_t ctx;
	asn_dec_rval_t rv;
	asn_enc_rval_t er;
	kx_buf re = { NULL, 0, 0, 0 };
	kxi_loc loc = { 0, 0, base };
	char err[256];
	size_t errlen = sizeof(err);
	int r;

	gt_setup();
	memset(&ctx, 0, sizeof(ctx));
	ctx.max_stack_size = DER_MAX_STACK;
	rv = ber_decode(&ctx, td, sp, p, n);
	if (rv.code != RC_OK || rv.consumed != n) {
		loc.off = base + map_off(m, rv.consumed);
		r = kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX, name,
		    &loc, NULL, "der: malformed %s", td->name);
		goto out;
	}
	if (!reenc)
		goto constraints;
	if (menc_encode(td, *sp, append_cb, &re) < 0) {
		re.len = 0;
		er = der_encode(td, *sp, append_cb, &re);
	} else {
		er.encoded = (ssize_t)re.len;
		er.failed_type = NULL;
	}
	if (er.encoded < 0) {
		r = kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX, name,
		    &loc, NULL, "der: invalid %s value",
		    er.failed_type ? er.failed_type->name : td->name);
		goto out;
	}
	if (re.len != n || memcmp(re.data, p, n) != 0) {
		loc.off = base + map_off(m, diff_place(p, n, re.data, re.len));
		r = kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX, name,
		    &loc, NULL, "der: not DER at byte %lld (BER form, or a "
		    "component of a later version)", (long long)loc.off);
		goto out;
	}
constraints:
	if (asn_check_constraints(td, *sp, err, &errlen) != 0) {
		r = kxi_fact(d, KXI_SCHEMA, KX_ESCHEMA, name,
		    &loc, NULL, "der: %s", errlen ? err : "constraint failed");
		goto out;
	}
	r = KX_OK;
out:
	kx_buf_free(&re);
	return r;
}

/* Mapped model must encode back to exactly the input bytes p[0..n). */
static int
canonical(const kx_buf *mine, const uint8_t *p, size_t n, int64_t base,
    const struct hmap *m, const char *name, const char *key_id, kx_diag *d)
{
	kxi_loc loc = { 0, 0, base };

	if (mine->len == n && memcmp(mine->data, p, n) == 0)
		return KX_OK;
	loc.off = base + map_off(m, diff_place(p, n, mine->data, mine->len));
	return kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX, name, &loc,
	    key_id, "der: not the canonical encoding of its content at byte "
	    "%lld (untrimmed BIT STRING, or a default written out)",
	    (long long)loc.off);
}

/*
 * Reading, one key at a time: strict TLV walk of everything but the keys,
 * then the head (document fields and transport keys, and the extensions
 * that follow the keys) decoded on its own; then each key walked, decoded
 * and mapped when asked for, so that asn1c holds at most one key and the
 * input is looked at once, front to back.  Every part must re-encode to
 * its input bytes, the head first as asn1c decoded it (DER) and then from
 * the model (canonical form), each key from the model (see key_read).
 */
struct der_reader {
	struct kxi_src *src;
	const char *name;
	size_t pos, end;	/* the keys still to read */
	size_t max_unit;	/* bytes of one key (KMSXCHG_LIMITS key=) */
	struct rctx c;
	kx_buf re;
};

static int
walk_fail(kx_diag *d, const char *name, int64_t off, const char *what)
{
	kxi_loc loc = { 0, 0, off };

	return kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX, name, &loc,
	    NULL, "der: %s at byte %lld", what, (long long)off);
}

#define WALK_BAD "bad, truncated or BER tag/length (DER: definite, minimal)"
#define NOT_CONS "value of a SEQUENCE type not constructed"

/*
 * The strict walk of everything but the contents of the keys: -1 if all
 * is well, else the offset of the first bad TLV.
 */
static int64_t
head_walk(const uint8_t *b, size_t len, const char **why)
{
	struct tlv top, ch;
	size_t pos, end;
	unsigned long next = 0;	/* lowest context tag allowed next */
	int64_t bad;

	*why = WALK_BAD;
	if (tlv_at(b, len, 0, &top) != 0)
		return 0;
	if (top.cls_cons & 0x20) {
		pos = top.hdr;
		end = top.hdr + top.len;
		for (; pos < end; pos = ch.off + ch.hdr + ch.len) {
			if (tlv_at(b, end, pos, &ch) != 0) {
				*why = WALK_BAD;
				return (int64_t)pos;
			}
			if ((ch.cls_cons & 0xc0) == 0x80) {
				if (ch.tag < next) {
					*why = "context tag repeated or out "
					    "of order";
					return (int64_t)pos;
				}
				next = ch.tag + 1;
			}
			if ((ch.cls_cons & 0xc0) == 0x80 &&
			    ch.tag == KXI_TAG_HEADER_keys) {
				/* walked key by key as they are read */
				if ((ch.cls_cons & 0x20) == 0) {
					*why = NOT_CONS;
					return (int64_t)pos;
				}
				continue;
			}
			if ((ch.cls_cons & 0x20) && (bad = strict_walk(b,
			    pos + ch.hdr, pos + ch.hdr + ch.len, 2, why)) >= 0)
				return bad;
		}
	}
	return strict_walk(b, top.hdr + top.len, len, 0, why);
}

/*
 * The units of a document held to max bytes each before asn1c decodes
 * them, as the XML reader holds each child of its root (kmsxchg(5)
 * LIMITS, key=): each transport key, and the header (everything but the
 * keys and the transport keys) taken together; the keys one by one as
 * they are read (der_snext).  -1 if all fit, else the offset of the first
 * unit over the limit, its size in *n.
 */
static int64_t
unit_over(const uint8_t *b, const struct tlv *top, size_t max, size_t *n)
{
	struct tlv ch, tk;
	size_t pos = top->off + top->hdr, end = pos + top->len, head = 0, p;

	for (; pos < end; pos = ch.off + ch.hdr + ch.len) {
		if (tlv_at(b, end, pos, &ch) != 0)
			return -1;	/* head_walk said so already */
		if ((ch.cls_cons & 0xc0) == 0x80 &&
		    ch.tag == KXI_TAG_HEADER_keys)
			continue;
		if ((ch.cls_cons & 0xc0) != 0x80 ||
		    ch.tag != KXI_TAG_HEADER_transportKeys) {
			head += ch.hdr + ch.len;
			continue;
		}
		for (p = ch.off + ch.hdr; p < ch.off + ch.hdr + ch.len;
		    p = tk.off + tk.hdr + tk.len) {
			if (tlv_at(b, ch.off + ch.hdr + ch.len, p, &tk) != 0)
				return -1;
			if (tk.hdr + tk.len > max) {
				*n = tk.hdr + tk.len;
				return (int64_t)tk.off;
			}
		}
	}
	*n = head;
	return head > max ? (int64_t)top->off : -1;
}

static int
unit_fail(kx_diag *d, const char *name, int64_t off, const char *what,
    size_t n, size_t max)
{
	kxi_loc loc = { 0, 0, off };

	return kxi_fact(d, KXI_MALFORMED, KX_ELIMIT, name, &loc, NULL,
	    "der: %s of %zu bytes over the limit of %zu (KMSXCHG_LIMITS=key=N "
	    "raises it)", what, n, max);
}

/* The BIT STRINGs of one key TLV k (see bits_walk): -1 or the offset. */
static int64_t
key_bits(const uint8_t *b, const struct tlv *k, const char **why)
{
	struct tlv prof, t, exp;

	/*
	 * strict_walk looks inside constructed values only: every value
	 * this descends into must be constructed, else asn1c would decode
	 * content nobody walked.
	 */
	*why = NOT_CONS;
	if ((k->cls_cons & 0x20) == 0)
		return (int64_t)k->off;
	if (tlv_child(b, k, KXI_TAG_KEY_profile, &prof) != 0)
		return -1;
	if ((prof.cls_cons & 0x20) == 0)
		return (int64_t)prof.off;
	if (tlv_child(b, &prof, KXI_TAG_PROFILE_export, &exp) == 0 &&
	    (exp.cls_cons & 0x20) == 0)
		return (int64_t)exp.off;
	*why = "bad BIT STRING (unused bits octet)";
	if (tlv_child(b, &prof, KXI_TAG_PROFILE_allowedModes, &t) == 0 &&
	    !bits_ok(b, &t))
		return (int64_t)t.off;
	if (tlv_child(b, &prof, KXI_TAG_PROFILE_usage, &t) == 0 &&
	    !bits_ok(b, &t))
		return (int64_t)t.off;
	if (tlv_child(b, &prof, KXI_TAG_PROFILE_export, &exp) == 0 &&
	    tlv_child(b, &exp, KXI_TAG_EXPORT_forms, &t) == 0 &&
	    !bits_ok(b, &t))
		return (int64_t)t.off;
	return -1;
}

static void
der_sclose(struct kxi_sreader *sr)
{
	struct der_reader *r = (struct der_reader *)sr;

	if (r == NULL)
		return;
	kx_buf_free(&r->re);
	free(r);
}

static int
der_sopen(struct kxi_src *src, const char *name, kx_doc *doc,
    struct kxi_sreader **out, kx_diag *d)
{
	KeyExchange_t *x = NULL;
	kx_buf hb = { NULL, 0, 0, 0 }, re = { NULL, 0, 0, 0 };
	const uint8_t *buf = src->p, *head;
	size_t len = src->len, hlen;
	struct hmap hm, *m = NULL;
	struct tlv top, list;
	struct der_reader *r = NULL;
	struct rctx c;
	kxi_loc loc = { 0, 0, 0 };
	long arcs[EXCHANGE_NARCS + 1];
	const char *what = NULL;
	size_t lim[KXI_LIM__N], n;
	int rc = KX_EINTERNAL, i, has_keys;

	*out = NULL;
	if ((rc = kxi_xml_limits(lim, d)) != KX_OK)
		goto out;
	if (len == 0) {
		rc = kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX, name,
		    &loc, NULL, "der: empty input");
		goto out;
	}
	if ((loc.off = head_walk(buf, len, &what)) >= 0) {
		rc = walk_fail(d, name, loc.off, tlv_at(buf, len, 0, &top) ==
		    0 && (size_t)loc.off == top.hdr + top.len ?
		    "trailing bytes after the KeyExchange" : what);
		goto out;
	}
	/* head_walk passed: the first TLV parses */
	(void)tlv_at(buf, len, 0, &top);
	loc.off = 0;
	if (buf[0] != 0x30) {
		rc = kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX, name,
		    &loc, NULL, "der: not a KeyExchange (no SEQUENCE)");
		goto out;
	}
	if (top.hdr + top.len != len) {
		loc.off = (int64_t)(top.hdr + top.len);
		rc = kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX, name,
		    &loc, NULL, "der: trailing bytes after the KeyExchange at "
		    "byte %lld", (long long)loc.off);
		goto out;
	}
	if ((loc.off = unit_over(buf, &top, lim[KXI_LIM_KEY], &n)) >= 0) {
		rc = unit_fail(d, name, loc.off, loc.off == 0 ? "the header "
		    "(all but the keys and transport keys)" : "a transport key",
		    n, lim[KXI_LIM_KEY]);
		goto out;
	}
	loc.off = 0;
	head = buf;
	hlen = len;
	has_keys = tlv_child(buf, &top, KXI_TAG_HEADER_keys, &list) == 0;
	if (has_keys) {
		/* the head: the input without its keys [6] TLV */
		hb.max = top.len - list.hdr - list.len + 16;
		if ((rc = kx_buf_append(&hb, "\x30", 1)) != KX_OK ||
		    (rc = put_len(&hb, top.len - list.hdr - list.len)) !=
		    KX_OK)
			goto oom;
		hm.newhdr = hb.len;
		hm.oldhdr = top.hdr;
		hm.split = hb.len + (list.off - top.hdr);
		hm.shift = list.hdr + list.len;
		if ((rc = kx_buf_append(&hb, buf + top.hdr, list.off - top.hdr))
		    != KX_OK ||
		    (rc = kx_buf_append(&hb, buf + list.off + hm.shift,
		    len - list.off - hm.shift)) != KX_OK)
			goto oom;
		head = hb.data;
		hlen = hb.len;
		m = &hm;
	}
	if ((rc = decode_strict(&asn_DEF_KeyExchange, (void **)&x, head, hlen,
	    0, m, 1, name, d)) != KX_OK)
		goto out;
	if (OBJECT_IDENTIFIER_get_arcs(&x->contentType, arcs, sizeof(arcs[0]),
	    EXCHANGE_NARCS + 1) != (int)EXCHANGE_NARCS ||
	    memcmp(arcs, exchange_arcs, sizeof(exchange_arcs)) != 0) {
		rc = kxi_fact(d, KXI_SCHEMA, KX_ESCHEMA, name,
		    &loc, NULL, "der: contentType is not "
		    "id-kmsxchg-exchange-v1");
		goto out;
	}
	if (x->modelVersion != KX_MODEL_VERSION) {
		rc = kxi_fact(d, KXI_SCHEMA, KX_EUNSUPPORTED,
		    name, &loc, NULL, "der: model version %ld not supported",
		    x->modelVersion);
		goto out;
	}

	doc->source_format = KX_FMT_DER;
	doc->loc.off = 0;
	if (name != NULL && doc->source == NULL &&
	    (doc->source = kxi_strdup(&doc->arena, name)) == NULL)
		goto oom;
	memset(&c, 0, sizeof(c));
	c.doc = doc;
	c.a = &doc->arena;
	c.d = d;
	c.name = name;
	c.loc = loc;
	doc->model_version = (int)x->modelVersion;
	c.loc.off = top_place(buf, len, KXI_TAG_HEADER_id);
	doc->id = rstr(&c, &x->id, "document id");
	c.loc.off = top_place(buf, len, KXI_TAG_HEADER_created);
	doc->created = rtime(&c, &x->created, "document created");
	c.loc.off = top_place(buf, len, KXI_TAG_HEADER_sender);
	doc->sender = rstr(&c, x->sender, "sender");
	c.loc.off = top_place(buf, len, KXI_TAG_HEADER_recipients);
	rlist(&c, x->recipients, &doc->recipients, "recipients");
	c.loc.off = top_place(buf, len, KXI_TAG_HEADER_comment);
	doc->comment = rstr(&c, x->comment, "comment");
	for (i = 0; x->transportKeys && i < x->transportKeys->list.count &&
	    c.r == KX_OK; i++) {
		kxi_tk *t = kxi_doc_add_tk(doc);

		if (t == NULL) {
			rc = kxi_diag_add(d, NULL, KX_SEV_ERROR, KX_ELIMIT,
			    name, &loc, NULL, "der: too many transport keys");
			goto out;
		}
		t->loc.off = list_place(buf, len,
		    KXI_TAG_HEADER_transportKeys, (size_t)i);
		c.loc = t->loc;
		rtk(&c, x->transportKeys->list.array[i], t);
	}
	c.loc.off = top_place(buf, len, KXI_TAG_HEADER_extensions);
	rexts(&c, x->extensions, &doc->extensions, &doc->nextensions);
	if (c.r != KX_OK) {
		rc = c.r;
		goto out;
	}
	if ((rc = enc_head(doc, &re, NULL)) != KX_OK ||
	    (rc = canonical(&re, head, hlen, 0, m, name, NULL, d)) != KX_OK) {
		if (rc != KX_ESYNTAX)
			rc = kxi_fact(d, KXI_MALFORMED, KX_ESYNTAX,
			    name, &loc, NULL, "der: head does not re-encode");
		goto out;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto oom;
	r->src = src;
	r->name = name;
	r->c = c;
	r->pos = has_keys ? list.off + list.hdr : 0;
	r->end = has_keys ? r->pos + list.len : 0;
	r->max_unit = lim[KXI_LIM_KEY];
	*out = (struct kxi_sreader *)r;
	rc = KX_OK;
	goto out;
oom:
	rc = KX_FAIL(d, KX_ENOMEM, "der: out of memory");
out:
	kx_buf_free(&hb);
	kx_buf_free(&re);
	exchange_free(x);
	return rc;
}

/*
 * The key TLV e decoded and mapped into k, and checked to be exactly what
 * the writer emits for k.  With full, as the head is checked: asn1c's
 * decoded value re-encoded and compared (DER), then the model encoded and
 * compared (canonical form), findings into d.  Without full, into no
 * diag: only the model is encoded.  Its bytes equal to the input prove
 * the input DER as well (the writer emits only DER, DER is unique, and
 * asn1c's decoder gives back the value its encoder was given), so the
 * full check would accept too; any failure is checked again in full, so
 * that what is refused and how it is reported stay the same.
 */
static int
key_read(struct der_reader *r, const struct tlv *e, kx_key *k, int full,
    kx_diag *d)
{
	const uint8_t *buf = r->src->p;
	struct rctx *c = &r->c;
	Key_t *ko = NULL;
	kxi_loc loc = { 0, 0, 0 };
	int rc;

	c->d = d;
	c->r = KX_OK;
	c->key_id = NULL;
	kxi_key_init(k);
	key_places(buf, e, k->loc);
	if ((rc = decode_strict(&asn_DEF_Key, (void **)&ko, buf + e->off,
	    e->hdr + e->len, (int64_t)e->off, NULL, full, r->name, d)) !=
	    KX_OK)
		goto out;
	c->loc = k->loc[KXF_KEY];
	rprofile(c, &ko->profile, &k->prof);
	c->loc = k->loc[KXF_VALUE];
	rvalue(c, ko->value, &k->value);
	c->loc = k->loc[KXF_KCV];
	rbytes(c, ko->kcv, &k->kcv);
	k->kcv_method = roenum(c, ko->kcvMethod, KX_ENUM_KCV_METHOD,
	    "kcvMethod");
	c->key_id = NULL;
	if (c->r != KX_OK) {
		rc = c->r;
		goto out;
	}
	r->re.len = 0;
	if ((rc = enc_key(k, full, &r->re, NULL)) != KX_OK ||
	    (rc = canonical(&r->re, buf + e->off, e->hdr + e->len,
	    (int64_t)e->off, NULL, r->name, k->prof.id, d)) != KX_OK) {
		if (rc != KX_ESYNTAX) {
			loc.off = (int64_t)e->off;
			rc = kxi_fact(d, KXI_MALFORMED,
			    KX_ESYNTAX, r->name, &loc, k->prof.id,
			    "der: key does not re-encode");
		}
		goto out;
	}
	rc = KX_OK;
out:
	key_free(ko);
	return rc;
}

static int
der_snext(struct kxi_sreader *sr, kx_doc *doc, kx_key *k, kxi_arena *a,
    kx_diag *d)
{
	struct der_reader *r = (struct der_reader *)sr;
	const uint8_t *buf = r->src->p;
	struct tlv e;
	const char *what = WALK_BAD;
	int64_t bad;
	int rc;

	if (r->pos >= r->end)
		return 0;
	r->c.doc = doc;
	r->c.a = a;
	if (tlv_at(buf, r->end, r->pos, &e) != 0)
		return walk_fail(d, r->name, (int64_t)r->pos, WALK_BAD);
	if (e.hdr + e.len > r->max_unit)
		return unit_fail(d, r->name, (int64_t)e.off, "a key",
		    e.hdr + e.len, r->max_unit);
	if ((e.cls_cons & 0x20) && (bad = strict_walk(buf, e.off + e.hdr,
	    e.off + e.hdr + e.len, 3, &what)) >= 0)
		return walk_fail(d, r->name, bad, what);
	if ((bad = key_bits(buf, &e, &what)) >= 0)
		return walk_fail(d, r->name, bad, what);
	if (key_read(r, &e, k, 0, NULL) != KX_OK &&
	    (rc = key_read(r, &e, k, 1, d)) != KX_OK)
		return rc;
	r->c.d = d;
	r->pos = e.off + e.hdr + e.len;
	kxi_src_release(r->src, r->pos);
	return 1;
}

extern const struct kxi_format kxi_format_der;

static int
der_read(const uint8_t *buf, size_t len, const char *name, kx_doc **out,
    kx_diag *d)
{
	struct kxi_src src;

	if (out == NULL || (buf == NULL && len != 0))
		kxi_misuse(__func__, "NULL argument");
	kxi_src_mem(&src, buf, len);
	return kxi_read_all(&kxi_format_der, &src, name, out, d);
}

/* Streaming writer: everything around the keys [6], which needs their
 * length (so the keys come first, spooled by the caller). */
static int
der_wframe(const kx_doc *doc, size_t keys_len, kx_buf *pre, kx_buf *post,
    kx_diag *d)
{
	kx_buf head = { NULL, 0, 0, 0 };
	struct tlv top, ext;
	size_t split, content;
	uint8_t hl[8];
	kx_buf hlb = { hl, 0, sizeof(hl), sizeof(hl) };
	int r;

	if ((r = enc_head(doc, &head, d)) != KX_OK) {
		kx_buf_free(&head);
		return r;	/* reported */
	}
	if (keys_len == 0) {
		r = kx_buf_append(pre, head.data, head.len);
		goto out;
	}
	r = KX_EINTERNAL;
	if (tlv_at(head.data, head.len, 0, &top) != 0)
		goto out;
	split = tlv_child(head.data, &top, KXI_TAG_HEADER_extensions, &ext) ==
	    0 ? ext.off : head.len;
	if ((r = put_len(&hlb, keys_len)) != KX_OK)
		goto out;
	content = top.len + 1 + hlb.len + keys_len;
	if ((r = kx_buf_append(pre, "\x30", 1)) != KX_OK ||
	    (r = put_len(pre, content)) != KX_OK ||
	    (r = kx_buf_append(pre, head.data + top.hdr, split - top.hdr)) !=
	    KX_OK ||
	    (r = kx_buf_append(pre, "\xa6", 1)) != KX_OK ||
	    (r = kx_buf_append(pre, hlb.data, hlb.len)) != KX_OK ||
	    (r = kx_buf_append(post, head.data + split, head.len - split)) !=
	    KX_OK)
		goto out;
out:
	if (r != KX_OK)
		r = KX_FAIL(d, r, "der: output too large");
	kx_buf_free(&head);
	return r;
}

static int
der_wkey(const kx_key *k, kx_buf *out, kx_diag *d)
{
	return enc_key(k, 1, out, d);
}

const struct kxi_format kxi_format_der = {
	"der", "DER", KX_FMT_DER,
	KX_CAP_BINARY | KX_CAP_KEYS | KX_CAP_TK_KCV | KX_CAP_BOUND |
	    KX_CAP_TK_ALG,
	der_detect, der_read, der_write,
	der_sopen, der_snext, der_sclose, der_wframe, der_wkey, 1
};
