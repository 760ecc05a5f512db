/*
 * rules.c - the rule engine: runs the rule table of rules.def over a
 * document in the model (shared/docs/model.md b.3, d, e), for validate
 * and for every phase of export, import and rewrap (kxi_rules_run).
 *
 * In the export, import and rewrap phases the operation hands over its
 * plan (the key every value will be wrapped under, and the scheme): the
 * checks then see each key's value as the operation will leave it, not as
 * the input holds it (plan_view() hands them a copy of the key with the
 * planned value; find_tk() finds the plan's key as a transport key).
 * Policies, severities and waivers apply the same way in every phase.
 *
 * Each rule is one check function over the model.  A check is called
 * once with k == NULL for document-level checks (duplicates, transport
 * keys) and once per key in document order; it reports through emit(),
 * which applies the policy's severity for the rule and its waivers and
 * records the finding with the rule id, the key id and the place of the
 * field group the finding is about (key->loc[KXF_...]).  Messages name
 * the offending values (ids, algorithms, dates, KCVs), never key
 * material.
 *
 * Findings come out in a fixed order: document-level findings first, then
 * per key in document order and, for one key, in rule order.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "internal.h"

struct vctx;
struct rstream;
typedef void (*check_fn)(struct vctx *, const kx_key *);
static int st_known(struct vctx *v, const kx_key *k, const kxi_relation_ref *r);
static int st_duplicates(struct vctx *v, int rule);

/* Rule indices: R_KX001, R_KX002, ... */
enum {
#define KX_RULE(id, slug, sev, phases, check, summary, example) R_##id,
#include "rules.def"
#undef KX_RULE
	R__N
};

#define KX_RULE(id, slug, sev, phases, check, summary, example) \
	static void chk_##check(struct vctx *, const kx_key *);
#include "rules.def"
#undef KX_RULE

/*
 * The engine's view of the table: each rule's id, severity and phases with
 * its check.  The public table (kx_rule_get/kx_rule_find, with slugs and
 * examples) is ruletab.c's, from the same rules.def in the same order, so
 * that policy.c can look rule ids up without calling into the engine.
 */
static const struct rule {
	kx_rule_info info;
	check_fn check;
} rules[R__N] = {
#define DOC KX_PHASE_DOCUMENT
#define EXP KX_PHASE_EXPORT
#define IMP KX_PHASE_IMPORT
#define REW KX_PHASE_REWRAP
#define KX_RULE(id, slug, sev, phases, check, summary, example) \
	{ { #id, KX_SEV_##sev, summary, phases }, chk_##check },
#include "rules.def"
#undef KX_RULE
#undef DOC
#undef EXP
#undef IMP
#undef REW
};

struct vctx {
	const kx_doc *doc;
	const kx_policy *pol;
	int64_t now;
	const kx_doc *against;
	kx_diag *d;
	unsigned phase;		/* the one kx_phase being run */
	const struct kxi_plan *plan; /* export/import/rewrap: NULL for DOC */
	int tk_kcv_given;	/* kxi_plan.tk_kcv_given, in every phase */
	kxi_tk plan_tk;		/* the key of the plan, as a transport key */
	size_t nerr;		/* findings at error level */
	int sev[R__N];		/* resolved severity or KXI_SEV_OFF */
	size_t *byid;		/* indices of keys with an id, sorted by id */
	size_t nbyid;
	size_t *agid;		/* the same for the "against" document */
	size_t nagid;
	struct rstream *st;	/* one key at a time: the summaries */
	struct kxi_bind_memo *memo; /* what chk_binding computed, or NULL */
};

#define U(x) KX_USAGE_BIT(KX_U_##x)
#define BIT(x) (1u << (x))

/* A mask bit for a value from a document (0 when out of range). */
static uint32_t
bit(int v)
{
	return v >= 0 && v < 32 ? 1u << v : 0;
}
#define SET(t) ((t) != KX_UNSET_TIME)

/* ---- rule table access ---------------------------------------------- */
/* Forward declarations of the no-op checks, for the test below. */
static void chk_reader(struct vctx *v, const kx_key *k);
static void chk_writer(struct vctx *v, const kx_key *k);
static void chk_importer(struct vctx *v, const kx_key *k);
static void chk_values(struct vctx *v, const kx_key *k);

int
kxi_rule_validated(const char *id)
{
	int i = kxi_rule_index(id);	/* ruletab.c: the same order */

	return i >= 0 && (rules[i].info.phases & KX_PHASE_DOCUMENT) != 0 &&
	    rules[i].check != chk_reader &&
	    rules[i].check != chk_writer && rules[i].check != chk_importer &&
	    rules[i].check != chk_values;
}

/* ---- helpers -------------------------------------------------------- */
static const char *
nz(const char *s)
{
	return s != NULL ? s : "-";
}

static const char *
nz2(const char *s)
{
	return s != NULL ? s : "";
}

/* An enum value's name for messages; "?" when out of range. */
static const char *
knm(enum kx_enum_type t, int v)
{
	const char *s = kx_name(t, v);

	return s != NULL ? s : "?";
}

static const char *
algname(enum kx_alg a)
{
	return knm(KX_ENUM_ALG, a);
}

/* "encrypt,wrap" for a usage mask, "-" for none. */
static const char *
usage_str(uint32_t mask, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < KX_U__N; i++) {
		if ((mask & KX_USAGE_BIT(i)) == 0)
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
		    "%s%s", len ? "," : "", knm(KX_ENUM_USAGE, i));
		if (len >= size)
			break;
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "-");
	return buf;
}

static const char *
tstr(int64_t t, char buf[21])
{
	kx_time_format(t, buf);
	return buf;
}

static const char *
hexstr(const kxi_bytes *b, char *buf, size_t size)
{
	size_t n = b->n;

	if (n * 2 + 1 > size)
		n = (size - 1) / 2;
	kxi_hex_encode(b->p, n, buf);
	return buf;
}

static int
is_des_family(enum kx_alg a)
{
	return a == KX_ALG_DES || a == KX_ALG_TDEA2 || a == KX_ALG_TDEA3;
}

static int
has_value(const kx_key *k)
{
	return k->value.form != KX_VALUE_NONE;
}

/*
 * Clear key bytes are present, whatever form the value declares.  A public
 * key's clear value (its ECC_QX/ECC_QY or MODULUS parts) is no secret.
 */
static int
has_clear(const kx_key *k)
{
	if (k->prof.cls == KX_CLASS_PUBLIC)
		return 0;
	return k->value.form == KX_VALUE_CLEAR || k->value.clear.n > 0;
}

static int
state_usable(enum kx_state s)
{
	return s == KX_STATE_PRE_ACTIVE || s == KX_STATE_ACTIVE ||
	    s == KX_STATE_SUSPENDED;
}

static int
strlist_has(const kxi_strlist *l, const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->v[i] != NULL && strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* The first key of doc with id, by binary search in the sorted ix. */
static const kx_key *
find_in(const kx_doc *doc, const size_t *ix, size_t n, const char *id)
{
	size_t lo = 0, hi = n, mid;
	int c;

	if (id == NULL || doc == NULL)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(doc->keys[ix[mid]].prof.id, id);
		if (c == 0) {
			while (mid > 0 && strcmp(doc->keys[
			    ix[mid - 1]].prof.id, id) == 0)
				mid--;
			return &doc->keys[ix[mid]];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const kx_key *
find_key(const struct vctx *v, const char *id)
{
	return find_in(v->doc, v->byid, v->nbyid, id);
}

/*
 * The transport key with this id: the key of the plan in the export,
 * import and rewrap phases, else the document's.
 */
static const kxi_tk *
find_tk(const struct vctx *v, const char *id)
{
	if (v->plan != NULL)
		return id != NULL && strcmp(id, v->plan_tk.id) == 0 ?
		    &v->plan_tk : NULL;
	return kxi_doc_find_tk(v->doc, id);
}

/* The key of the "against" document with this id, or NULL. */
static const kx_key *
find_against(const struct vctx *v, const char *id)
{
	return find_in(v->against, v->agid, v->nagid, id);
}

/*
 * The policy's waiver of rule r for item id in force at v->now, or NULL;
 * *expired is set to one that applied but has expired.
 */
static const struct kxi_pol_waiver *
find_waiver(const struct vctx *v, int r, const char *id,
    const struct kxi_pol_waiver **expired)
{
	const struct kxi_pol_waiver *w;
	size_t i;

	for (i = 0; id != NULL && i < v->pol->nwaivers; i++) {
		w = &v->pol->waivers[i];
		if (strcmp(w->rule, rules[r].info.id) != 0 || w->key == NULL ||
		    strcmp(w->key, id) != 0)
			continue;
		if (SET(w->until) && v->now > w->until) {
			*expired = w;
			continue;
		}
		return w;
	}
	return NULL;
}

/*
 * Record a finding of rule r about item id at loc, after the policy's
 * severity and waivers.
 */
static void KX_PRINTF(5, 6)
emit_at(struct vctx *v, int r, const char *id, const kxi_loc *loc,
    const char *fmt, ...)
{
	const struct kxi_pol_waiver *w, *expired = NULL;
	char msg[400], when[21];
	va_list ap;
	int sev = v->sev[r];

	if (sev == KXI_SEV_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((w = find_waiver(v, r, id, &expired)) != NULL) {
		kxi_diag_add(v->d, rules[r].info.id, KX_SEV_NOTE, KX_OK,
		    v->doc->source, loc, id, "waived by policy %s (%s): %s",
		    nz(v->pol->name), nz(w->reason), msg);
		return;
	}
	if (sev == KX_SEV_ERROR)
		v->nerr++;
	if (expired != NULL)
		kxi_diag_add(v->d, rules[r].info.id, (enum kx_severity)sev,
		    KX_OK, v->doc->source, loc, id, "%s (waiver expired %s)",
		    msg, tstr(expired->until, when));
	else
		kxi_diag_add(v->d, rules[r].info.id, (enum kx_severity)sev,
		    KX_OK, v->doc->source, loc, id, "%s", msg);
}

#define emit(v, r, k, f, ...) \
	emit_at((v), (r), (k)->prof.id, kxi_key_loc((k), (f)), __VA_ARGS__)

/*
 * Rule r could not be evaluated for key k: the fields it reads are absent
 * from the key.  A note "not checked: ..." with rc KX_EUNSUPPORTED (rule
 * findings carry KX_OK), so that `validate --strict` can fail on it; none
 * when the policy turned the rule off, a note naming the waiver when the
 * policy waives the rule for this key.  Decided from the key's fields,
 * never from the format the document came from.
 */
static void KX_PRINTF(4, 5)
unchecked(struct vctx *v, int r, const kx_key *k, const char *fmt, ...)
{
	const struct kxi_pol_waiver *w, *expired = NULL;
	char msg[400];
	va_list ap;

	if (v->sev[r] == KXI_SEV_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a waiver of the rule for this key covers not checking it too */
	if ((w = find_waiver(v, r, k->prof.id, &expired)) != NULL) {
		kxi_diag_add(v->d, rules[r].info.id, KX_SEV_NOTE, KX_OK,
		    v->doc->source, kxi_key_loc(k, KXF_KEY), k->prof.id,
		    "waived by policy %s (%s): not checked: %s",
		    nz(v->pol->name), nz(w->reason), msg);
		return;
	}
	kxi_diag_add(v->d, rules[r].info.id, KX_SEV_NOTE, KX_EUNSUPPORTED,
	    v->doc->source, &k->loc[KXF_KEY], k->prof.id, "not checked: %s",
	    msg);
}

/* ---- checks done by the readers and writers ------------------------- */
static void
chk_reader(struct vctx *v, const kx_key *k)
{
	(void)v;
	(void)k;
}

static void
chk_writer(struct vctx *v, const kx_key *k)
{
	(void)v;
	(void)k;
}

static void
chk_importer(struct vctx *v, const kx_key *k)
{
	(void)v;
	(void)k;
}

static void
chk_values(struct vctx *v, const kx_key *k)
{
	(void)v;
	(void)k;
}

/* ---- KX101 algorithm, length, class ---------------------------------- */
static const struct {
	const char *oid, *name;
	unsigned bits;
} curves[] = {
	{ "1.2.840.10045.3.1.1", "P-192", 192 },
	{ "1.3.132.0.33", "P-224", 224 },
	{ "1.2.840.10045.3.1.7", "P-256", 256 },
	{ "1.3.132.0.34", "P-384", 384 },
	{ "1.3.132.0.35", "P-521", 521 },
	{ "1.3.132.0.10", "secp256k1", 256 },
	{ "1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", 256 },
	{ "1.3.36.3.3.2.8.1.1.9", "brainpoolP320r1", 320 },
	{ "1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", 384 },
	{ "1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", 512 },
	{ "1.3.101.110", "X25519", 255 },
	{ "1.3.101.112", "Ed25519", 255 },
	{ "1.3.101.111", "X448", 448 },
	{ "1.3.101.113", "Ed448", 448 },
};

static int
class_fits(enum kx_class c, enum kx_alg a)
{
	if (a == KX_ALG_RSA || a == KX_ALG_EC)
		return c == KX_CLASS_PRIVATE || c == KX_CLASS_PUBLIC;
	return c == KX_CLASS_SECRET;
}

/* 1 if length_bits is legal for the algorithm. */
static int
length_fits(enum kx_alg a, unsigned bits)
{
	static const unsigned ec_bits[] = { 192, 224, 255, 256, 320, 384,
		448, 512, 521 };
	size_t i;

	switch (a) {
	case KX_ALG_DES:
		return bits == 64;
	case KX_ALG_TDEA2:
		return bits == 128;
	case KX_ALG_TDEA3:
		return bits == 192;
	case KX_ALG_AES:
		return bits == 128 || bits == 192 || bits == 256;
	case KX_ALG_HMAC:
		return bits >= 8 && bits <= 8192 && bits % 8 == 0;
	case KX_ALG_RSA:
		return bits >= 1024 && bits <= 16384 && bits % 8 == 0;
	case KX_ALG_EC:
		for (i = 0; i < sizeof(ec_bits) / sizeof(ec_bits[0]); i++)
			if (bits == ec_bits[i])
				return 1;
		return 0;
	default:
		return 0;
	}
}

/*
 * The public key in the profile (an SPKI) is one the model supports and
 * is the key the profile describes: family, length, curve, exponent.
 */
static int
spki_fits(struct vctx *v, const kx_key *k)
{
	const kxi_profile *p = &k->prof;
	struct kxi_asym a;
	kx_diag *d;
	const char *why;
	int r;

	if (p->alg != KX_ALG_RSA && p->alg != KX_ALG_EC) {
		emit(v, R_KX101, k, KXF_ALG, "public key on %s %s key",
		    kxi_an(algname(p->alg)), algname(p->alg));
		return 0;
	}
	if ((d = kx_diag_new()) == NULL)
		return 1;
	r = kxi_spki_info(p->spki.p, p->spki.n, &a, d);
	why = kx_diag_count(d) > 0 ? kx_diag_get(d, 0)->message : "?";
	if (r != KX_OK)
		emit(v, R_KX101, k, KXF_ALG, "public key: %s", why);
	else if (a.alg != p->alg)
		emit(v, R_KX101, k, KXF_ALG, "the public key is %s, the "
		    "profile says %s", algname(a.alg), algname(p->alg));
	else if (a.bits != p->length_bits)
		emit(v, R_KX101, k, KXF_ALG, "the public key has %u bits, "
		    "the profile says %u", a.bits, p->length_bits);
	else if (p->alg == KX_ALG_EC && p->ec_curve != NULL &&
	    strcmp(a.curve, p->ec_curve) != 0)
		emit(v, R_KX101, k, KXF_ALG, "the public key is on curve %s, "
		    "the profile says %s", a.curve, p->ec_curve);
	else if (p->rsa_e != 0 && a.rsa_e != p->rsa_e)
		emit(v, R_KX101, k, KXF_ALG, "the public key's exponent is "
		    "%llu, the profile says %llu", (unsigned long long)a.rsa_e,
		    (unsigned long long)p->rsa_e);
	else
		r = -1;
	kx_diag_free(d);
	return r == -1;
}

static void
chk_alg_length(struct vctx *v, const kx_key *k)
{
	const kxi_profile *p;
	size_t i;

	if (k == NULL)
		return;
	p = &k->prof;
	if (p->alg == KX_ALG_NONE || p->alg >= KX_ALG__N) {
		emit(v, R_KX101, k, KXF_ALG, "no known algorithm");
		return;
	}
	if (!class_fits(p->cls, p->alg)) {
		emit(v, R_KX101, k, KXF_ALG, "class %s does not fit "
		    "algorithm %s", nz(knm(KX_ENUM_CLASS, p->cls)),
		    algname(p->alg));
		return;
	}
	if (!length_fits(p->alg, p->length_bits)) {
		emit(v, R_KX101, k, KXF_ALG, "length %u is not a legal "
		    "length for %s", p->length_bits, algname(p->alg));
		return;
	}
	if (p->rsa_e != 0 && p->alg != KX_ALG_RSA) {
		emit(v, R_KX101, k, KXF_ALG, "rsa exponent on %s %s key",
		    kxi_an(algname(p->alg)), algname(p->alg));
		return;
	}
	if (p->rsa_e != 0 && (p->rsa_e < 3 || p->rsa_e % 2 == 0)) {
		emit(v, R_KX101, k, KXF_ALG, "rsa exponent %llu is not an "
		    "odd number >= 3", (unsigned long long)p->rsa_e);
		return;
	}
	if (p->ec_curve != NULL && p->alg != KX_ALG_EC) {
		emit(v, R_KX101, k, KXF_ALG, "curve %s on %s %s key",
		    p->ec_curve, kxi_an(algname(p->alg)), algname(p->alg));
		return;
	}
	if (p->hmac_hash != KX_HASH_NONE && p->alg != KX_ALG_HMAC) {
		emit(v, R_KX101, k, KXF_ALG, "hmac hash %s on %s %s key",
		    nz(knm(KX_ENUM_HASH, p->hmac_hash)),
		    kxi_an(algname(p->alg)), algname(p->alg));
		return;
	}
	if (p->spki.n != 0 && !spki_fits(v, k))
		return;
	if (p->ec_curve == NULL)
		return;
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(curves[i].oid, p->ec_curve) == 0 &&
		    curves[i].bits != p->length_bits) {
			emit(v, R_KX101, k, KXF_ALG, "length %u does not fit "
			    "curve %s (%s, %u bits)", p->length_bits,
			    curves[i].name, p->ec_curve, curves[i].bits);
			return;
		}
}

/* ---- KX102 usage for class and algorithm ----------------------------- */
#define U_SYM_NEVER (U(SIGN) | U(VERIFY) | U(VERIFY_RECOVER) | \
	U(KEY_AGREEMENT))
#define U_ALL ((uint32_t)((1ull << KX_U__N) - 1))

static uint32_t
usage_allowed(enum kx_class c, enum kx_alg a)
{
	if (a == KX_ALG_HMAC)
		return U(MAC_GENERATE) | U(MAC_VERIFY) | U(DERIVE) |
		    U(GENERATE) | U(CRYPTOGRAM) | U(PIN) | U(OTP) | U(CR) |
		    U(UNLOCK);
	if (a == KX_ALG_RSA && c == KX_CLASS_PRIVATE)
		return U(DECRYPT) | U(SIGN) | U(UNWRAP) | U(PIN) | U(CR) |
		    U(UNLOCK);
	if (a == KX_ALG_RSA)
		return U(ENCRYPT) | U(VERIFY) | U(VERIFY_RECOVER) | U(WRAP) |
		    U(PIN) | U(CR);
	if (a == KX_ALG_EC && c == KX_CLASS_PRIVATE)
		return U(SIGN) | U(DERIVE) | U(KEY_AGREEMENT) | U(CR) |
		    U(UNLOCK);
	if (a == KX_ALG_EC)
		return U(VERIFY) | U(KEY_AGREEMENT);
	return U_ALL & ~U_SYM_NEVER;
}

static void
chk_usage_class(struct vctx *v, const kx_key *k)
{
	char buf[256];
	uint32_t bad;

	if (k == NULL)
		return;
	if (k->prof.usage == 0) {
		emit(v, R_KX102, k, KXF_USAGE, "no usage");
		return;
	}
	if (k->prof.alg == KX_ALG_NONE || k->prof.alg >= KX_ALG__N ||
	    !class_fits(k->prof.cls, k->prof.alg))
		return;		/* KX101 */
	bad = k->prof.usage & ~usage_allowed(k->prof.cls, k->prof.alg);
	if (bad != 0)
		emit(v, R_KX102, k, KXF_USAGE, "usage %s not possible for a "
		    "%s %s key", usage_str(bad, buf, sizeof(buf)),
		    nz(knm(KX_ENUM_CLASS, k->prof.cls)),
		    algname(k->prof.alg));
}

/* ---- KX103-KX108 dates, lifecycle, clear values ---------------------- */
static void
chk_validity_order(struct vctx *v, const kx_key *k)
{
	char a[21], b[21];

	if (k == NULL || !SET(k->prof.not_before) || !SET(k->prof.not_after))
		return;
	if (k->prof.not_before >= k->prof.not_after)
		emit(v, R_KX103, k, KXF_VALIDITY, "not-before %s is not "
		    "before not-after %s", tstr(k->prof.not_before, a),
		    tstr(k->prof.not_after, b));
}

static void
chk_expired(struct vctx *v, const kx_key *k)
{
	char a[21], b[21];

	if (k == NULL || !SET(k->prof.not_after) ||
	    !state_usable(k->prof.state))
		return;
	if (k->prof.not_after < v->now)
		emit(v, R_KX104, k, KXF_VALIDITY, "%s key expired at %s "
		    "(reference time %s)", knm(KX_ENUM_STATE, k->prof.state),
		    tstr(k->prof.not_after, a), tstr(v->now, b));
}

static void
chk_not_yet_valid(struct vctx *v, const kx_key *k)
{
	const kxi_profile *p;
	char a[21], b[21];

	if (k == NULL || !SET(k->prof.not_before))
		return;
	p = &k->prof;
	if ((p->state == KX_STATE_ACTIVE || p->state == KX_STATE_SUSPENDED) &&
	    p->not_before > v->now)
		emit(v, R_KX105, k, KXF_VALIDITY, "%s key is not valid "
		    "before %s (reference time %s)",
		    knm(KX_ENUM_STATE, p->state), tstr(p->not_before, a),
		    tstr(v->now, b));
	else if (p->state == KX_STATE_PRE_ACTIVE &&
	    p->not_before <= v->now &&
	    (!SET(p->not_after) || p->not_after >= v->now))
		emit(v, R_KX105, k, KXF_STATE, "key still pre-active although "
		    "valid since %s (reference time %s)",
		    tstr(p->not_before, a), tstr(v->now, b));
}

static void
chk_state_fields(struct vctx *v, const kx_key *k)
{
	const kxi_profile *p;
	const char *st;
	char a[21], b[21];

	if (k == NULL)
		return;
	p = &k->prof;
	st = nz(knm(KX_ENUM_STATE, p->state));
	if (p->state == KX_STATE_COMPROMISED && !SET(p->revoked_at))
		emit(v, R_KX106, k, KXF_STATE, "state compromised without "
		    "revoked-at");
	else if (state_usable(p->state) &&
	    (SET(p->revoked_at) || p->revocation_reason != KX_REV_NONE))
		emit(v, R_KX106, k, KXF_STATE, "state %s but revoked "
		    "(revoked-at %s, reason %s)", st,
		    SET(p->revoked_at) ? tstr(p->revoked_at, a) : "-",
		    nz(knm(KX_ENUM_REVOCATION, p->revocation_reason)));
	else if (p->revocation_reason == KX_REV_KEY_COMPROMISE &&
	    p->state != KX_STATE_COMPROMISED &&
	    p->state != KX_STATE_DESTROYED)
		emit(v, R_KX106, k, KXF_STATE, "revocation reason "
		    "key-compromise but state %s", st);
	else if (SET(p->created) && SET(p->state_since) &&
	    p->state_since < p->created)
		emit(v, R_KX106, k, KXF_STATE, "state-since %s before "
		    "created %s", tstr(p->state_since, a),
		    tstr(p->created, b));
	else if (SET(p->created) && SET(p->revoked_at) &&
	    p->revoked_at < p->created)
		emit(v, R_KX106, k, KXF_STATE, "revoked-at %s before "
		    "created %s", tstr(p->revoked_at, a),
		    tstr(p->created, b));
}

static void
chk_period_order(struct vctx *v, const kx_key *k)
{
	static const char *const names[] = { "not-before", "protect-until",
		"process-until", "not-after" };
	int64_t t[4];
	char a[21], b[21];
	int i, j;

	if (k == NULL)
		return;
	t[0] = k->prof.not_before;
	t[1] = k->prof.protect_until;
	t[2] = k->prof.process_until;
	t[3] = k->prof.not_after;
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++) {
			if (i == 0 && j == 3)
				continue;	/* KX103 */
			if (SET(t[i]) && SET(t[j]) && t[i] > t[j]) {
				emit(v, R_KX107, k, KXF_VALIDITY, "%s %s is "
				    "after %s %s", names[i], tstr(t[i], a),
				    names[j], tstr(t[j], b));
				return;
			}
		}
}

static void
chk_clear_production(struct vctx *v, const kx_key *k)
{
	if (k == NULL || !has_clear(k))
		return;
	if (k->prof.mode != KX_KEYMODE_TEST)
		emit(v, R_KX108, k, KXF_VALUE, "clear value on a %s key "
		    "(clear values are for mode test only)",
		    nz(knm(KX_ENUM_KEYMODE, k->prof.mode)));
}

/* ---- KX110-KX116 GlobalPlatform ------------------------------------- */
#define C_SEC BIT(KX_CLASS_SECRET)
#define C_PRI BIT(KX_CLASS_PRIVATE)
#define C_PUB BIT(KX_CLASS_PUBLIC)
#define A_DES (BIT(KX_ALG_DES) | BIT(KX_ALG_TDEA2) | BIT(KX_ALG_TDEA3))

/* GPCS v2.3.1 §11.1.8 key types (model.md d.1). */
static const struct {
	int lo, hi;
	const char *what;
	uint32_t algs;		/* 0: any */
	uint32_t classes;
	unsigned bits;		/* 0: any */
} gp_types[] = {
	{ 0x80, 0x84, "DES/TDEA", A_DES, C_SEC, 0 },
	{ 0x85, 0x85, "TLS pre-shared key", 0, C_SEC, 0 },
	{ 0x88, 0x88, "AES", BIT(KX_ALG_AES), C_SEC, 0 },
	{ 0x90, 0x90, "HMAC-SHA1", BIT(KX_ALG_HMAC), C_SEC, 0 },
	{ 0x91, 0x91, "HMAC-SHA1-160", BIT(KX_ALG_HMAC), C_SEC, 160 },
	{ 0xA0, 0xA1, "RSA public", BIT(KX_ALG_RSA), C_PUB, 0 },
	{ 0xA2, 0xA8, "RSA private", BIT(KX_ALG_RSA), C_PRI, 0 },
	{ 0xB0, 0xB0, "ECC public", BIT(KX_ALG_EC), C_PUB, 0 },
	{ 0xB1, 0xB1, "ECC private", BIT(KX_ALG_EC), C_PRI, 0 },
	{ 0xB2, 0xB7, "ECC field parameter", BIT(KX_ALG_EC), C_PRI | C_PUB,
	    0 },
	{ 0xF0, 0xF0, "ECC key parameters reference", BIT(KX_ALG_EC),
	    C_PRI | C_PUB, 0 },
};

static void
chk_gp_key_type(struct vctx *v, const kx_key *k)
{
	const kxi_profile *p;
	int t;
	size_t i;

	if (k == NULL || !k->prof.has_gp || k->prof.gp.key_type == KX_UNSET)
		return;
	p = &k->prof;
	t = p->gp.key_type;
	if (t < 0x80 || t == 0xFF)
		return;		/* private use; extended format */
	for (i = 0; i < sizeof(gp_types) / sizeof(gp_types[0]); i++) {
		if (t < gp_types[i].lo || t > gp_types[i].hi)
			continue;
		if ((gp_types[i].algs != 0 &&
		    (gp_types[i].algs & bit(p->alg)) == 0) ||
		    (gp_types[i].classes & bit(p->cls)) == 0 ||
		    (gp_types[i].bits != 0 &&
		    gp_types[i].bits != p->length_bits))
			emit(v, R_KX110, k, KXF_GP, "GP key type %02X (%s) "
			    "does not fit a %s %s/%u key", (unsigned)t,
			    gp_types[i].what,
			    nz(knm(KX_ENUM_CLASS, p->cls)),
			    algname(p->alg), p->length_bits);
		return;
	}
	emit(v, R_KX110, k, KXF_GP, "GP key type %02X is reserved",
	    (unsigned)t);
}

static int
role_matches(uint32_t roles, enum kx_role r)
{
	return roles == 0 || (roles & bit(r)) != 0;
}

static void
chk_gp_kvn(struct vctx *v, const kx_key *k)
{
	const struct kxi_pol_kvn *pk;
	int kvn, has;
	size_t i;

	if (k == NULL)
		return;
	has = k->prof.has_gp && k->prof.gp.kvn != KX_UNSET;
	kvn = has ? k->prof.gp.kvn : -1;
	if (has && !((kvn >= 0x01 && kvn <= 0x7F) || kvn == 0xFF)) {
		emit(v, R_KX111, k, KXF_GP, "kvn %02X outside 01-7F (FF for "
		    "the initial ISD key set)", (unsigned)kvn);
		return;
	}
	for (i = 0; i < v->pol->nkvns; i++) {
		pk = &v->pol->kvns[i];
		/* a row for some roles, a key without a role: unknown when
		 * the answer depends on it */
		if (pk->roles != 0 && k->prof.role == KX_ROLE_NONE) {
			if (!has || kvn < pk->min || kvn > pk->max) {
				unchecked(v, R_KX111, k, "the key has no role%s; "
				    "policy %s limits the KVN of some roles to "
				    "%02X-%02X", has ? "" : " and no GP KVN",
				    nz(v->pol->name), (unsigned)pk->min,
				    (unsigned)pk->max);
				return;
			}
			continue;
		}
		if (!role_matches(pk->roles, k->prof.role))
			continue;
		if (!has) {
			/* a row for every key "with a KVN" does not apply */
			if (pk->roles != 0) {
				unchecked(v, R_KX111, k, "the %s key has no "
				    "GP KVN; policy %s limits it to %02X-%02X",
				    nz(knm(KX_ENUM_ROLE, k->prof.role)),
				    nz(v->pol->name), (unsigned)pk->min,
				    (unsigned)pk->max);
				return;
			}
			continue;
		}
		if (kvn < pk->min || kvn > pk->max) {
			emit(v, R_KX111, k, KXF_GP, "kvn %02X outside the "
			    "range %02X-%02X of policy %s", (unsigned)kvn,
			    (unsigned)pk->min, (unsigned)pk->max,
			    nz(v->pol->name));
			return;
		}
	}
}

static void
chk_gp_kid(struct vctx *v, const kx_key *k)
{
	char want[64];
	size_t i, len = 0;
	int kid, rows = 0;

	if (k == NULL)
		return;
	if (!k->prof.has_gp || k->prof.gp.kid == KX_UNSET) {
		/* policy rows name the KID of a role: without a KID, or
		 * without a role, they cannot be checked */
		for (i = 0; i < v->pol->nkids; i++)
			if (k->prof.role == KX_ROLE_NONE ||
			    v->pol->kids[i].role == k->prof.role)
				break;
		if (i < v->pol->nkids)
			unchecked(v, R_KX112, k, "the key has no GP KID%s; "
			    "policy %s requires a KID per role",
			    k->prof.role == KX_ROLE_NONE ? " and no role" : "",
			    nz(v->pol->name));
		return;
	}
	kid = k->prof.gp.kid;
	if (k->prof.role == KX_ROLE_NONE && v->pol->nkids > 0 &&
	    kid >= 0x01 && kid <= 0x7F) {
		unchecked(v, R_KX112, k, "the key has no role; policy %s "
		    "requires a KID per role", nz(v->pol->name));
		return;
	}
	if (kid < 0x01 || kid > 0x7F) {
		emit(v, R_KX112, k, KXF_GP, "kid %02X outside 01-7F",
		    (unsigned)kid);
		return;
	}
	want[0] = '\0';
	for (i = 0; i < v->pol->nkids; i++) {
		if (v->pol->kids[i].role != k->prof.role)
			continue;
		if (v->pol->kids[i].kid == kid)
			return;
		rows++;
		if (len < sizeof(want))
			len += (size_t)snprintf(want + len, sizeof(want) - len,
			    "%s%02X", len ? "/" : "",
			    (unsigned)v->pol->kids[i].kid);
	}
	if (rows > 0)
		emit(v, R_KX112, k, KXF_GP, "kid %02X on %s %s key; policy %s "
		    "requires %s", (unsigned)kid,
		    kxi_an(nz(knm(KX_ENUM_ROLE, k->prof.role))),
		    nz(knm(KX_ENUM_ROLE, k->prof.role)), nz(v->pol->name),
		    want);
}

/* KUQ type bits (GPCS v2.3 §11.1.9, model.md d.2) and their usages. */
static const struct {
	unsigned bit;
	const char *what;
	uint32_t usage;		/* usages this bit stands for */
	uint32_t covers;	/* usages that need this bit */
} kuq_families[] = {
	{ 0x0800, "confidentiality", U(ENCRYPT) | U(DECRYPT) | U(WRAP) |
	    U(UNWRAP) | U(REWRAP) | U(TRANSLATE), U(ENCRYPT) | U(DECRYPT) |
	    U(WRAP) | U(UNWRAP) | U(REWRAP) | U(TRANSLATE) },
	{ 0x0400, "cryptographic checksum", U(MAC_GENERATE) | U(MAC_VERIFY),
	    U(MAC_GENERATE) | U(MAC_VERIFY) },
	{ 0x0200, "digital signature", U(SIGN) | U(VERIFY) |
	    U(VERIFY_RECOVER), U(SIGN) | U(VERIFY) | U(VERIFY_RECOVER) },
	{ 0x0080, "key agreement", U(KEY_AGREEMENT) | U(DERIVE),
	    U(KEY_AGREEMENT) },
};
#define NKUQ (sizeof(kuq_families) / sizeof(kuq_families[0]))

static void
chk_gp_kuq(struct vctx *v, const kx_key *k)
{
	char buf[256], kuq[8];
	unsigned q, types = 0;
	uint32_t usage;
	size_t i;

	if (k == NULL || !k->prof.has_gp || k->prof.gp.kuq == KX_UNSET)
		return;
	q = (unsigned)k->prof.gp.kuq;
	if (k->prof.gp.kuq_len == 1) {
		snprintf(kuq, sizeof(kuq), "%02X", q & 0xFF);
		q = (q & 0xFF) << 8;
	} else
		snprintf(kuq, sizeof(kuq), "%04X", q & 0xFFFF);
	for (i = 0; i < NKUQ; i++)
		types |= q & kuq_families[i].bit;
	if (types == 0)
		return;		/* no type bit: nothing to compare */
	usage = k->prof.usage;
	for (i = 0; i < NKUQ; i++) {
		if ((q & kuq_families[i].bit) == 0 &&
		    (usage & kuq_families[i].covers) != 0) {
			emit(v, R_KX113, k, KXF_GP, "usage %s not covered by "
			    "KUQ %s (no %s)", usage_str(usage &
			    kuq_families[i].covers, buf, sizeof(buf)), kuq,
			    kuq_families[i].what);
			return;
		}
		/*
		 * A static key that derives session keys (SCP02/03) carries
		 * the KUQ of the derived keys: only derive is required then.
		 */
		if ((q & kuq_families[i].bit) != 0 &&
		    (usage & kuq_families[i].usage) == 0 &&
		    (usage & U(DERIVE)) == 0) {
			emit(v, R_KX113, k, KXF_GP, "KUQ %s has %s but usage "
			    "%s has none of %s", kuq, kuq_families[i].what,
			    usage_str(usage, buf, sizeof(buf)),
			    kuq_families[i].what);
			return;
		}
	}
}

static void
chk_gp_access(struct vctx *v, const kx_key *k)
{
	if (k == NULL || !k->prof.has_gp || k->prof.gp.access == KX_UNSET)
		return;
	if (k->prof.gp.access < 0 || k->prof.gp.access > 2)
		emit(v, R_KX114, k, KXF_GP, "key access %02X is not 00, 01 "
		    "or 02", (unsigned)k->prof.gp.access & 0xFF);
}

/*
 * Stable merge sort of key indices with a context (qsort has none, and
 * qsort_r is not portable).  tmp has room for n indices.
 */
typedef int (*idx_cmp)(const kx_doc *, size_t, size_t);

static void
sort_idx(const kx_doc *doc, size_t *a, size_t *tmp, size_t n, idx_cmp cmp)
{
	size_t h, i, j, o;

	if (n < 2)
		return;
	h = n / 2;
	sort_idx(doc, a, tmp, h, cmp);
	sort_idx(doc, a + h, tmp, n - h, cmp);
	for (i = 0, j = h, o = 0; i < h && j < n; )
		tmp[o++] = cmp(doc, a[j], a[i]) < 0 ? a[j++] : a[i++];
	while (i < h)
		tmp[o++] = a[i++];
	while (j < n)
		tmp[o++] = a[j++];
	memcpy(a, tmp, n * sizeof(*a));
}

static int
gp_slot_cmp(const kx_doc *doc, size_t a, size_t b)
{
	const kx_key *x = &doc->keys[a];
	const kx_key *y = &doc->keys[b];
	size_t n = x->prof.gp.sd_aid.n < y->prof.gp.sd_aid.n ?
	    x->prof.gp.sd_aid.n : y->prof.gp.sd_aid.n;
	int c = n ? memcmp(x->prof.gp.sd_aid.p, y->prof.gp.sd_aid.p, n) : 0;

	if (c != 0)
		return c;
	if (x->prof.gp.sd_aid.n != y->prof.gp.sd_aid.n)
		return x->prof.gp.sd_aid.n < y->prof.gp.sd_aid.n ? -1 : 1;
	if (x->prof.gp.kvn != y->prof.gp.kvn)
		return x->prof.gp.kvn < y->prof.gp.kvn ? -1 : 1;
	if (x->prof.gp.kid != y->prof.gp.kid)
		return x->prof.gp.kid < y->prof.gp.kid ? -1 : 1;
	return 0;
}

static void
chk_gp_duplicate(struct vctx *v, const kx_key *k)
{
	const kx_doc *doc = v->doc;
	const kx_key *first, *dup;
	char aid[2 * 16 + 1];
	size_t *ix, *tmp, n = 0, i, g;

	if (k != NULL || st_duplicates(v, R_KX115))
		return;
	ix = calloc(doc->nkeys ? doc->nkeys : 1, sizeof(*ix));
	tmp = calloc(doc->nkeys ? doc->nkeys : 1, sizeof(*tmp));
	if (ix == NULL || tmp == NULL) {
		free(ix);
		free(tmp);
		KX_FAIL(v->d, KX_ENOMEM, "validate: out of memory");
		return;
	}
	for (i = 0; i < doc->nkeys; i++) {
		const kxi_profile *p = &doc->keys[i].prof;

		if (p->has_gp && p->gp.kvn != KX_UNSET &&
		    p->gp.kid != KX_UNSET)
			ix[n++] = i;
	}
	sort_idx(doc, ix, tmp, n, gp_slot_cmp);
	for (g = 0, i = 1; i < n; i++) {
		first = &doc->keys[ix[g]];
		dup = &doc->keys[ix[i]];
		if (first->prof.gp.kvn != dup->prof.gp.kvn ||
		    first->prof.gp.kid != dup->prof.gp.kid ||
		    first->prof.gp.sd_aid.n != dup->prof.gp.sd_aid.n ||
		    (dup->prof.gp.sd_aid.n != 0 &&
		    memcmp(first->prof.gp.sd_aid.p, dup->prof.gp.sd_aid.p,
		    dup->prof.gp.sd_aid.n) != 0)) {
			g = i;
			continue;
		}
		emit(v, R_KX115, dup, KXF_GP, "security domain %s kvn %02X "
		    "kid %02X already used by key %s",
		    dup->prof.gp.sd_aid.n ? hexstr(&dup->prof.gp.sd_aid, aid,
		    sizeof(aid)) : "-", (unsigned)dup->prof.gp.kvn,
		    (unsigned)dup->prof.gp.kid, nz(first->prof.id));
	}
	free(ix);
	free(tmp);
}

static void
chk_gp_scp(struct vctx *v, const kx_key *k)
{
	const kxi_profile *p;
	int ok;

	if (k == NULL || !k->prof.has_gp || k->prof.gp.scp == KX_SCP_NONE)
		return;
	p = &k->prof;
	/* The SCP names the channel of the SD: it binds its static keys. */
	if (p->role != KX_ROLE_NONE && p->role != KX_ROLE_GP_ENC &&
	    p->role != KX_ROLE_GP_MAC && p->role != KX_ROLE_GP_DEK)
		return;
	switch (p->gp.scp) {
	case KX_SCP01:
	case KX_SCP02:
		ok = is_des_family(p->alg);
		break;
	case KX_SCP03:
		ok = p->alg == KX_ALG_AES;
		break;
	case KX_SCP80:
		ok = is_des_family(p->alg) || p->alg == KX_ALG_AES;
		break;
	default:
		ok = 1;
		break;
	}
	if (!ok)
		emit(v, R_KX116, k, KXF_GP, "%s does not work with %s %s key",
		    nz(knm(KX_ENUM_SCP, p->gp.scp)), kxi_an(algname(p->alg)),
		    algname(p->alg));
}

/* ---- KX120-KX126 export restrictions -------------------------------- */
static void
chk_export_allowed(struct vctx *v, const kx_key *k)
{
	const char *r;
	size_t i;

	if (k == NULL || k->prof.export_.allowed || !has_value(k))
		return;
	if (v->phase == KX_PHASE_EXPORT) {
		/* export sends no non-exportable key, not even home */
		emit(v, R_KX120, k, KXF_EXPORT, "not exportable");
		return;
	}
	for (i = 0; i < v->doc->recipients.n; i++) {
		r = v->doc->recipients.v[i];
		if (r == NULL || (k->prof.holder != NULL &&
		    strcmp(r, k->prof.holder) == 0) ||
		    (k->prof.owner != NULL && strcmp(r, k->prof.owner) == 0))
			continue;
		emit(v, R_KX120, k, KXF_EXPORT, "non-exportable key carries a "
		    "%s value for recipient %s (holder %s, owner %s)",
		    knm(KX_ENUM_VALUE_FORM, k->value.form), r,
		    nz(k->prof.holder), nz(k->prof.owner));
		return;
	}
}

static unsigned
key_strength(const kxi_profile *p)
{
	return kx_strength(p->alg, p->length_bits, p->hmac_hash);
}

static int
wrapped_under_kek(const kx_key *k)
{
	return (k->value.form == KX_VALUE_WRAPPED ||
	    k->value.form == KX_VALUE_COMPONENTS) && k->value.kek_id != NULL;
}

/* Can wrap algorithm w run under a transport key of algorithm a? */
static int
wrap_fits(enum kx_wrap_alg w, enum kx_alg a)
{
	switch (w) {
	case KX_WRAP_AES_SIV_BOUND:
	case KX_WRAP_AES_KWP_CMAC_BOUND:
	case KX_WRAP_AES_KW:
	case KX_WRAP_AES_KWP:
	case KX_WRAP_AES_CBC:
		return a == KX_ALG_AES;
	case KX_WRAP_TR31_D:
		return a == KX_ALG_AES;		/* X9.143 version D: AES KBPK */
	case KX_WRAP_TDEA_ECB:
	case KX_WRAP_TDEA_CBC:
	case KX_WRAP_TR31_B_BOUND:	/* X9.143 version B: TDEA KBPK */
		return a == KX_ALG_TDEA2 || a == KX_ALG_TDEA3;
	case KX_WRAP_RSA_OAEP_SHA256:
	case KX_WRAP_RSA_AES_KWP:
		return a == KX_ALG_RSA;
	default:
		return 0;
	}
}

/* "to be " when a rule speaks of the plan of an operation. */
static const char *
to_be(const struct vctx *v)
{
	return v->plan != NULL ? "to be " : "";
}

static void
chk_weak_wrap(struct vctx *v, const kx_key *k)
{
	const kxi_tk *tk;
	unsigned ws, need;

	if (k == NULL || !wrapped_under_kek(k) ||
	    (tk = find_tk(v, k->value.kek_id)) == NULL ||
	    !wrap_fits(k->value.alg, tk->alg))
		return;		/* KX141 */
	ws = kx_wrap_strength(k->value.alg, tk->alg, tk->length_bits);
	if (k->prof.export_.min_wrap_strength != KX_UNSET) {
		need = (unsigned)k->prof.export_.min_wrap_strength;
		if (ws < need)
			emit(v, R_KX121, k, KXF_VALUE, "%swrapped under %s "
			    "(%s/%u, %s: %u bits) below the key's minimum "
			    "wrapping strength %u bits", to_be(v), tk->id,
			    algname(tk->alg), tk->length_bits,
			    nz(knm(KX_ENUM_WRAP_ALG, k->value.alg)), ws, need);
		return;
	}
	need = key_strength(&k->prof);
	if (ws < need)
		emit(v, R_KX121, k, KXF_VALUE, "%swrapped under %s (%s/%u, "
		    "%s: %u bits) weaker than the key (%s/%u: %u bits)",
		    to_be(v), tk->id,
		    algname(tk->alg), tk->length_bits,
		    nz(knm(KX_ENUM_WRAP_ALG, k->value.alg)), ws,
		    algname(k->prof.alg), k->prof.length_bits, need);
}

/*
 * RSA keys under 2048 bits wrap no key (SP 800-131A: 1024-bit RSA is
 * disallowed for key transport); a policy may waive it per key.
 */
#define RSA_WRAP_MIN 2048

static void
chk_rsa_wrap(struct vctx *v, const kx_key *k)
{
	const kxi_tk *tk;

	if (k == NULL || !wrapped_under_kek(k) ||
	    (tk = find_tk(v, k->value.kek_id)) == NULL ||
	    tk->alg != KX_ALG_RSA || tk->length_bits >= RSA_WRAP_MIN)
		return;
	emit(v, R_KX128, k, KXF_VALUE, "%swrapped under the %u-bit rsa key "
	    "%s; rsa keys wrap only from %u bits", to_be(v), tk->length_bits,
	    nz(tk->id), RSA_WRAP_MIN);
}

static void
chk_import_allowed(struct vctx *v, const kx_key *k)
{
	const char *from = v->doc->sender;

	if (k == NULL)
		return;
	if (!k->prof.import_.allowed)
		emit(v, R_KX127, k, KXF_EXPORT, "may not be imported");
	else if (k->prof.import_.sources.n > 0 &&
	    kxi_binding_version(k->value.binding_method) < 2)
		/* a version 1 binding leaves the sender unauthenticated */
		emit(v, R_KX127, k, KXF_EXPORT, "may be imported only from "
		    "named sources, and this document's sender is not "
		    "authenticated (binding %s does not cover the header)",
		    nz(k->value.binding_method));
	else if (k->prof.import_.sources.n > 0 &&
	    !strlist_has(&k->prof.import_.sources, from))
		emit(v, R_KX127, k, KXF_EXPORT, "may not be imported from %s",
		    from != NULL ? from : "an unnamed sender");
}

static void
chk_destination(struct vctx *v, const kx_key *k)
{
	const kxi_strlist *dst;
	size_t i;

	if (k == NULL || !has_value(k))
		return;
	dst = &k->prof.export_.destinations;
	if (dst->n == 0)
		return;
	if (v->phase == KX_PHASE_EXPORT && v->doc->recipients.n == 0) {
		emit(v, R_KX122, k, KXF_EXPORT, "may be exported only to "
		    "its export destinations, not to an unnamed recipient");
		return;
	}
	for (i = 0; i < v->doc->recipients.n; i++)
		if (!strlist_has(dst, v->doc->recipients.v[i])) {
			emit(v, R_KX122, k, KXF_EXPORT, "recipient %s is not "
			    "among the key's export destinations",
			    nz(v->doc->recipients.v[i]));
			return;
		}
}

static uint32_t
forms_of(const kxi_profile *p)
{
	return p->export_.forms != 0 ? p->export_.forms :
	    BIT(KX_FORM_BOUND_BLOCK);
}

static const char *
forms_str(uint32_t forms, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < KX_FORM__N && len < size; i++)
		if ((forms & BIT(i)) != 0)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
			    len ? "," : "", knm(KX_ENUM_FORM, i));
	return buf;
}

static void
chk_export_form(struct vctx *v, const kx_key *k)
{
	const kxi_tk *tk;
	char buf[64];
	uint32_t forms;
	int form;

	if (k == NULL || !has_value(k))
		return;
	forms = forms_of(&k->prof);
	switch (k->value.form) {
	case KX_VALUE_WRAPPED:
		form = (kxi_wrap_is_bound(k->value.alg) ||
		    k->value.alg == KX_WRAP_TR31_D) ? KX_FORM_BOUND_BLOCK :
		    KX_FORM_WRAPPED;
		/* a bound block is a wrapped form and more */
		if (form == KX_FORM_BOUND_BLOCK &&
		    (forms & BIT(KX_FORM_WRAPPED)) != 0)
			forms |= BIT(KX_FORM_BOUND_BLOCK);
		break;
	case KX_VALUE_COMPONENTS:
		form = KX_FORM_COMPONENTS;
		break;
	default:
		form = KX_FORM_CLEAR;
		break;
	}
	if ((forms & BIT(form)) == 0) {
		emit(v, R_KX123, k, KXF_EXPORT, "value in form %s; the key "
		    "allows export only as %s", knm(KX_ENUM_FORM, form),
		    forms_str(forms, buf, sizeof(buf)));
		return;
	}
	if (k->prof.export_.trusted_kek_only == KXI_TRI_TRUE &&
	    wrapped_under_kek(k) &&
	    (tk = find_tk(v, k->value.kek_id)) != NULL &&
	    !tk->trusted)
		emit(v, R_KX123, k, KXF_EXPORT, "key may be wrapped only "
		    "under trusted keys; transport key %s is not trusted",
		    tk->id);
}

/* Append "; what" to a widening list. */
static void
addw(char *buf, size_t size, size_t *len, const char *fmt, ...)
	KX_PRINTF(4, 5);

static void
addw(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	if (*len > 0) {
		n = snprintf(buf + *len, size - *len, "; ");
		*len += n > 0 ? (size_t)n : 0;
		if (*len >= size)
			return;
	}
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	*len += n > 0 ? (size_t)n : 0;
}

static int
later(int64_t copy, int64_t base)
{
	/* an unset end is open: later than any set one */
	return SET(base) && (!SET(copy) || copy > base);
}

/*
 * How usable a lifecycle state is: a copy may not be more usable than its
 * original.  Pre-active and active rank alike (a received key is activated
 * when its time comes); a suspended key may come back, a deactivated one
 * only be used to process, a compromised or destroyed one never.
 */
static int
state_rank(enum kx_state s)
{
	switch (s) {
	case KX_STATE_PRE_ACTIVE:
	case KX_STATE_ACTIVE:
		return 4;
	case KX_STATE_SUSPENDED:
		return 3;
	case KX_STATE_DEACTIVATED:
		return 2;
	case KX_STATE_COMPROMISED:
		return 1;
	default:
		return 0;
	}
}

static void
compare_profiles(struct vctx *v, const kx_key *k, const kx_key *b,
    const char *what)
{
	const kxi_profile *p = &k->prof, *q = &b->prof;
	char w[300], u[200];
	size_t len = 0, i;
	unsigned ep, eq;

	w[0] = '\0';
	if ((p->usage & ~q->usage) != 0)
		addw(w, sizeof(w), &len, "usage +%s",
		    usage_str(p->usage & ~q->usage, u, sizeof(u)));
	if (SET(q->not_before) && (!SET(p->not_before) ||
	    p->not_before < q->not_before))
		addw(w, sizeof(w), &len, "earlier not-before");
	if (later(p->not_after, q->not_after))
		addw(w, sizeof(w), &len, "later not-after");
	if (later(p->protect_until, q->protect_until))
		addw(w, sizeof(w), &len, "later protect-until");
	if (later(p->process_until, q->process_until))
		addw(w, sizeof(w), &len, "later process-until");
	if (q->usage_limit >= 0 && (p->usage_limit < 0 ||
	    p->usage_limit > q->usage_limit))
		addw(w, sizeof(w), &len, "higher usage limit");
	if (q->modes != 0 && (p->modes == 0 || (p->modes & ~q->modes) != 0))
		addw(w, sizeof(w), &len, "more modes of operation");
	if (p->export_.allowed && !q->export_.allowed)
		addw(w, sizeof(w), &len, "export re-enabled");
	if (p->export_.allowed && q->export_.allowed &&
	    (forms_of(p) & ~forms_of(q)) != 0)
		addw(w, sizeof(w), &len, "more export forms");
	if (p->export_.allowed && q->export_.destinations.n > 0) {
		int more = p->export_.destinations.n == 0;

		for (i = 0; i < p->export_.destinations.n && !more; i++)
			more = !strlist_has(&q->export_.destinations,
			    p->export_.destinations.v[i]);
		if (more)
			addw(w, sizeof(w), &len, "more export destinations");
	}
	if (q->export_.trusted_kek_only == KXI_TRI_TRUE &&
	    p->export_.trusted_kek_only != KXI_TRI_TRUE)
		addw(w, sizeof(w), &len, "trusted-kek-only dropped");
	ep = p->export_.min_wrap_strength != KX_UNSET ?
	    (unsigned)p->export_.min_wrap_strength : key_strength(p);
	eq = q->export_.min_wrap_strength != KX_UNSET ?
	    (unsigned)q->export_.min_wrap_strength : key_strength(q);
	if (ep < eq)
		addw(w, sizeof(w), &len, "minimum wrapping strength %u < %u",
		    ep, eq);
	if (q->sensitive && !p->sensitive)
		addw(w, sizeof(w), &len, "sensitive cleared");
	if (state_rank(p->state) > state_rank(q->state))
		addw(w, sizeof(w), &len, "state %s where the original is %s",
		    knm(KX_ENUM_STATE, p->state), knm(KX_ENUM_STATE, q->state));
	if (len > 0)
		emit(v, R_KX124, k, KXF_KEY, "widens %s: %s", what, w);
}

static void
chk_widening(struct vctx *v, const kx_key *k)
{
	const kx_key *b;
	char what[200];
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->prof.nrelations; i++) {
		if (k->prof.relations[i].type != KX_REL_COPY_OF)
			continue;
		b = find_key(v, k->prof.relations[i].ref);
		if (b == NULL || b == k)
			continue;
		snprintf(what, sizeof(what), "key %s it is a copy of",
		    nz(b->prof.id));
		compare_profiles(v, k, b, what);
	}
	if (v->against != NULL && k->prof.id != NULL &&
	    (b = find_against(v, k->prof.id)) != NULL) {
		snprintf(what, sizeof(what), "the profile of %s in %s",
		    k->prof.id, nz(v->against->source != NULL ?
		    v->against->source : v->against->id));
		compare_profiles(v, k, b, what);
	}
}

static void
chk_export_inactive(struct vctx *v, const kx_key *k)
{
	if (k == NULL || !has_value(k))
		return;
	if (k->prof.state != KX_STATE_ACTIVE &&
	    k->prof.state != KX_STATE_PRE_ACTIVE)
		emit(v, R_KX125, k, KXF_STATE, "%s key carries a %s value",
		    nz(knm(KX_ENUM_STATE, k->prof.state)),
		    knm(KX_ENUM_VALUE_FORM, k->value.form));
}

static void
chk_sensitive_clear(struct vctx *v, const kx_key *k)
{
	if (k == NULL || !k->prof.sensitive)
		return;
	if (has_clear(k))
		emit(v, R_KX126, k, KXF_VALUE, "sensitive key carries a "
		    "clear value");
	else if (k->prof.export_.allowed &&
	    (k->prof.export_.forms & BIT(KX_FORM_CLEAR)) != 0)
		emit(v, R_KX126, k, KXF_EXPORT, "sensitive key allows export "
		    "in clear");
}

/* CKA_ALWAYS_SENSITIVE true says CKA_SENSITIVE was never false. */
static void
chk_provenance(struct vctx *v, const kx_key *k)
{
	if (k == NULL || k->prof.sensitive ||
	    k->prof.provenance.always_sensitive != KXI_TRI_TRUE)
		return;
	emit(v, R_KX109, k, KXF_KEY, "always-sensitive true but sensitive "
	    "false: a key that has always been sensitive is sensitive now");
}

/* ---- KX130-KX133 key check values ------------------------------------ */
/*
 * Why a KCV of method m and length n does not fit algorithm a, or NULL.
 * Lengths as kx_kcv_len_range() bounds them: exactly 3 bytes for the
 * encrypt-a-block methods (GPCS B.6, PKCS#11 CKA_CHECK_VALUE), 3 to 5
 * bytes for CMAC (ANSI X9.24-1:2017 Annex A), so that a document cannot
 * ask for more of E(K, block) than a check value needs.
 */
static const char *
kcv_problem(enum kx_alg a, enum kx_kcv_method m, size_t n, char *buf,
    size_t size)
{
	size_t lo, hi;
	char lens[24];

	switch (m) {
	case KX_KCV_GP_DES:
		if (!is_des_family(a))
			goto alg;
		break;
	case KX_KCV_GP_AES:
	case KX_KCV_ZERO_BLOCK:
		if (a != KX_ALG_AES)
			goto alg;
		break;
	case KX_KCV_CMAC:
		if (!is_des_family(a) && a != KX_ALG_AES)
			goto alg;
		break;
	case KX_KCV_SPKI_SHA256:
		if (a != KX_ALG_RSA && a != KX_ALG_EC)
			goto alg;
		break;
	default:
		snprintf(buf, size, "KCV without a method");
		return buf;
	}
	if (kx_kcv_len_range(m, &lo, &hi) != KX_OK || n < lo || n > hi) {
		snprintf(buf, size, "%zu-byte %s KCV (a %s KCV has %s)", n,
		    knm(KX_ENUM_KCV_METHOD, m), knm(KX_ENUM_KCV_METHOD, m),
		    kxi_kcv_len_text(m, lens, sizeof(lens)));
		return buf;
	}
	return NULL;
alg:
	snprintf(buf, size, "KCV method %s does not fit %s %s key",
	    knm(KX_ENUM_KCV_METHOD, m), kxi_an(algname(a)), algname(a));
	return buf;
}

static void
chk_kcv_form(struct vctx *v, const kx_key *k)
{
	char buf[128];
	const char *why;
	size_t i;

	if (k == NULL)
		return;
	if (k->kcv.n > 0 && (why = kcv_problem(k->prof.alg, k->kcv_method,
	    k->kcv.n, buf, sizeof(buf))) != NULL) {
		emit(v, R_KX130, k, KXF_KCV, "%s", why);
		return;
	}
	for (i = 0; i < k->value.ncomponents; i++) {
		const kxi_component *c = &k->value.components[i];

		if (c->kcv.n > 0 && (why = kcv_problem(k->prof.alg,
		    k->kcv_method, c->kcv.n, buf, sizeof(buf))) != NULL) {
			emit(v, R_KX130, k, KXF_KCV, "component %d: %s",
			    c->index, why);
			return;
		}
	}
}

static void
kcv_vs_copy(struct vctx *v, const kx_key *k, const kx_key *b,
    const char *what)
{
	char x[2 * KX_FINGERPRINT_LEN + 1], y[2 * KX_FINGERPRINT_LEN + 1];
	size_t n;

	if (b == NULL || b == k || k->kcv.n == 0 || b->kcv.n == 0 ||
	    k->kcv_method != b->kcv_method ||
	    k->kcv_method == KX_KCV_NONE)
		return;
	n = k->kcv.n < b->kcv.n ? k->kcv.n : b->kcv.n;
	if (memcmp(k->kcv.p, b->kcv.p, n) != 0)
		emit(v, R_KX131, k, KXF_KCV, "KCV %s differs from KCV %s of "
		    "%s %s", hexstr(&k->kcv, x, sizeof(x)),
		    hexstr(&b->kcv, y, sizeof(y)), what, nz(b->prof.id));
}

static void
chk_kcv_match(struct vctx *v, const kx_key *k)
{
	uint8_t out[16], fp[KX_FINGERPRINT_LEN];
	char fx[2 * KX_FINGERPRINT_LEN + 1], fy[2 * KX_FINGERPRINT_LEN + 1];
	char x[33], y[33], buf[128];
	kx_secret *s = NULL;
	kxi_bytes got;
	size_t i;

	if (k == NULL)
		return;
	if (k->prof.spki.n > 0 && k->kcv.n > 0 &&
	    k->kcv_method == KX_KCV_SPKI_SHA256 &&
	    kxi_spki_fingerprint(k->prof.spki.p, k->prof.spki.n, fp) ==
	    KX_OK && (k->kcv.n != sizeof(fp) ||
	    memcmp(fp, k->kcv.p, sizeof(fp)) != 0)) {
		got.p = fp;
		got.n = sizeof(fp);
		emit(v, R_KX131, k, KXF_KCV, "fingerprint %s is not the "
		    "spki-sha256 of the public key in the profile (%s)",
		    hexstr(&k->kcv, fx, sizeof(fx)),
		    hexstr(&got, fy, sizeof(fy)));
		return;
	}
	if (k->value.form == KX_VALUE_CLEAR && k->value.clear.n > 0 &&
	    k->kcv.n > 0 && k->kcv.n <= sizeof(out) &&
	    kcv_problem(k->prof.alg, k->kcv_method, k->kcv.n, buf,
	    sizeof(buf)) == NULL &&
	    kx_secret_from(k->value.clear.p, k->value.clear.n, &s) == KX_OK) {
		if (kx_kcv_compute(k->prof.alg, k->kcv_method, s, out,
		    k->kcv.n, NULL) == KX_OK &&
		    memcmp(out, k->kcv.p, k->kcv.n) != 0) {
			got.p = out;
			got.n = k->kcv.n;
			emit(v, R_KX131, k, KXF_KCV, "KCV %s does not match "
			    "the clear value (%s KCV is %s)",
			    hexstr(&k->kcv, x, sizeof(x)),
			    knm(KX_ENUM_KCV_METHOD, k->kcv_method),
			    hexstr(&got, y, sizeof(y)));
		}
		kx_secret_free(s);
		OPENSSL_cleanse(out, sizeof(out));
		return;
	}
	for (i = 0; i < k->prof.nrelations; i++)
		if (k->prof.relations[i].type == KX_REL_COPY_OF)
			kcv_vs_copy(v, k, find_key(v,
			    k->prof.relations[i].ref), "copy-of");
	if (v->against != NULL && k->prof.id != NULL)
		kcv_vs_copy(v, k, find_against(v, k->prof.id),
		    "the sender's key");
}

static void
chk_kcv_missing(struct vctx *v, const kx_key *k)
{
	if (k == NULL || !has_value(k) || k->kcv.n > 0)
		return;
	if (is_des_family(k->prof.alg) || k->prof.alg == KX_ALG_AES)
		emit(v, R_KX132, k, KXF_KCV, "%s value of %s %s key has no "
		    "KCV", knm(KX_ENUM_VALUE_FORM, k->value.form),
		    kxi_an(algname(k->prof.alg)), algname(k->prof.alg));
}

static void
chk_tk_kcv(struct vctx *v, const kx_key *k)
{
	const kxi_tk *t;
	char buf[128];
	const char *why;
	size_t i, j;

	if (k != NULL)
		return;
	for (i = 0; i < v->doc->ntks; i++) {
		t = &v->doc->tks[i];
		if (t->alg == KX_ALG_RSA || t->alg == KX_ALG_EC) {
			/* public-key transport keys have no KCV */
		} else if (t->kcv.n == 0 &&
		    (kxi_doc_caps(v->doc) & KX_CAP_TK_KCV) == 0) {
			/* the source format cannot carry one: not the
			 * document's fault (the reader notes it) */
		} else if (t->kcv.n == 0 && v->tk_kcv_given) {
			/* import/rewrap --kek-kcv stands in for it: the
			 * KEK is checked against that (KX135) */
		} else if (t->kcv.n == 0) {
			emit_at(v, R_KX133, t->id, &t->loc, "transport key %s "
			    "has no KCV", nz(t->id));
			continue;
		} else if ((why = kcv_problem(t->alg, t->kcv_method, t->kcv.n,
		    buf, sizeof(buf))) != NULL) {
			emit_at(v, R_KX133, t->id, &t->loc, "transport key %s: "
			    "%s", nz(t->id), why);
			continue;
		}
		if (t->comp_n == 0 && t->comp_m == 0)
			continue;
		if (t->comp_n < 2 || t->comp_m > t->comp_n) {
			emit_at(v, R_KX133, t->id, &t->loc, "transport key %s: "
			    "%u of %u components", nz(t->id), t->comp_m,
			    t->comp_n);
			continue;
		}
		for (j = 0; t->comp_kcvs != NULL && j < t->comp_n; j++) {
			why = t->comp_kcvs[j].n == 0 ? "missing" :
			    kcv_problem(t->alg, t->kcv_method,
			    t->comp_kcvs[j].n, buf, sizeof(buf));
			if (why != NULL) {
				emit_at(v, R_KX133, t->id, &t->loc, "transport "
				    "key %s component %zu KCV: %s", nz(t->id),
				    j + 1, why);
				break;
			}
		}
	}
}

/*
 * KX136: the binding metadata, of the document phase; import, token
 * import and rewrap check it themselves before they unwrap (a fixed rule:
 * no policy changes it).
 */
static void
chk_binding(struct vctx *v, const kx_key *k)
{
	char msg[160];
	unsigned ver;

	if (k != NULL && v->phase == KX_PHASE_DOCUMENT && kxi_binding_check(v->doc, k, &ver, v->memo, msg,
	    sizeof(msg)) != KX_OK)
		emit(v, R_KX136, k, KXF_VALUE, "%s", msg);
}

/*
 * KX138: a value the sender wrapped without a binding (another system's
 * cryptogram).  Import and rewrap see the values as they will leave, so
 * this looks at the document as received.
 */
static void
unbound_one(struct vctx *v, const kx_key *o)
{
	if (o->value.form != KX_VALUE_WRAPPED ||
	    o->value.alg == KX_WRAP_NONE ||
	    kxi_wrap_is_bound(o->value.alg) ||
	    o->value.alg == KX_WRAP_TR31_D)
		return;
	emit(v, R_KX138, o, KXF_VALUE, "the %s value is not bound: "
	    "its profile and the document header were not protected "
	    "in transit (only its KCV is checked)",
	    nz(knm(KX_ENUM_WRAP_ALG, o->value.alg)));
}

/* One key at a time (kxi_rules_stream_key), each key is seen as it comes. */
static void
chk_unbound(struct vctx *v, const kx_key *k)
{
	size_t i;

	if (k != NULL)
		return;
	for (i = 0; i < v->doc->nkeys; i++)
		unbound_one(v, &v->doc->keys[i]);
}

/*
 * KX129: export leaves an hmac key as an unbound value (the plan's wrap):
 * with no KCV method for hmac, nothing checks that value where it
 * arrives.  The plan's view of the key holds the wrap export will use.
 */
static void
chk_unbound_export(struct vctx *v, const kx_key *k)
{
	if (k == NULL || v->phase != KX_PHASE_EXPORT || v->plan == NULL ||
	    k->prof.alg != KX_ALG_HMAC || k->value.form != KX_VALUE_WRAPPED ||
	    kxi_wrap_is_bound(k->value.alg))
		return;
	emit(v, R_KX129, k, KXF_VALUE, "an hmac key would leave as an "
	    "unbound %s value: hmac has no KCV method, so nothing checks the "
	    "value where it arrives (a bound wrap does)",
	    knm(KX_ENUM_WRAP_ALG, k->value.alg));
}

/* KX137: once per document, when a value's binding leaves the header out. */
static void
chk_header_auth(struct vctx *v, const kx_key *k)
{
	size_t i, n = 0;

	if (k != NULL)
		return;
	for (i = 0; i < v->doc->nkeys; i++)
		if (kxi_binding_version(v->doc->keys[i].value.binding_method)
		    == 1)
			n++;
	if (n > 0)
		emit_at(v, R_KX137, NULL, &v->doc->loc, "the header (id, "
		    "created, sender, recipients) is not authenticated: %zu "
		    "key%s bound with %s (the profile only)", n, n == 1 ?
		    " is" : "s are", KXI_BINDING_V1);
}

/* ---- KX140-KX143 references and structure --------------------------- */
static void
chk_duplicate_id(struct vctx *v, const kx_key *k)
{
	const kx_key *a, *b;
	size_t i;

	if (k != NULL || st_duplicates(v, R_KX140))
		return;
	for (i = 1; i < v->nbyid; i++) {
		a = &v->doc->keys[v->byid[i - 1]];
		b = &v->doc->keys[v->byid[i]];
		if (strcmp(a->prof.id, b->prof.id) == 0)
			emit(v, R_KX140, b, KXF_ID, "key id %s already used "
			    "by key number %zu", b->prof.id,
			    v->byid[i - 1] + 1);
	}
}

static void
chk_unknown_kek(struct vctx *v, const kx_key *k)
{
	const kxi_tk *tk;
	size_t i;
	int need = 0;

	if (k == NULL)
		return;
	if (k->value.form == KX_VALUE_WRAPPED)
		need = 1;
	for (i = 0; k->value.form == KX_VALUE_COMPONENTS &&
	    i < k->value.ncomponents; i++)
		if (k->value.components[i].wrapped.n > 0)
			need = 1;
	if (!need)
		return;
	if (k->value.kek_id == NULL)
		emit(v, R_KX141, k, KXF_VALUE, "%s value names no transport "
		    "key", knm(KX_ENUM_VALUE_FORM, k->value.form));
	else if ((tk = find_tk(v, k->value.kek_id)) == NULL)
		emit(v, R_KX141, k, KXF_VALUE, "transport key %s is not "
		    "defined in the document", k->value.kek_id);
	else if (!wrap_fits(k->value.alg, tk->alg))
		emit(v, R_KX141, k, KXF_VALUE, "wrap algorithm %s cannot use "
		    "transport key %s (%s)",
		    nz(knm(KX_ENUM_WRAP_ALG, k->value.alg)), nz(tk->id),
		    algname(tk->alg));
}

/*
 * KX144: two named parts of one name (GP components are found by name:
 * a second ECC_D or CRT_P would be silently left out, or be the one a
 * receiver uses).
 */
static void
chk_duplicate_part(struct vctx *v, const kx_key *k)
{
	const kxi_part *a, *b;
	size_t i, j;

	if (k == NULL)
		return;
	for (i = 0; i < k->value.nparts; i++) {
		a = &k->value.parts[i];
		for (j = 0; a->name != NULL && j < i; j++) {
			b = &k->value.parts[j];
			if (b->name != NULL && strcmp(a->name, b->name) == 0) {
				emit(v, R_KX144, k, KXF_VALUE, "value part %s "
				    "given twice", a->name);
				return;
			}
		}
	}
}

static void
chk_split(struct vctx *v, const kx_key *k)
{
	const kxi_split_info *s;
	const kxi_keyval *val;
	size_t i, j, nc;

	if (k == NULL)
		return;
	s = &k->prof.split;
	val = &k->value;
	if (s->n != 0 || s->m != 0) {
		if (s->n < 2) {
			emit(v, R_KX142, k, KXF_SPLIT, "split into %u "
			    "components (at least 2)", s->n);
			return;
		}
		if (s->m > s->n) {
			emit(v, R_KX142, k, KXF_SPLIT, "threshold %u of %u "
			    "components", s->m, s->n);
			return;
		}
		if (s->method == KX_SPLIT_XOR && s->m != 0 && s->m != s->n) {
			emit(v, R_KX142, k, KXF_SPLIT, "xor split needs all %u "
			    "components, not %u", s->n, s->m);
			return;
		}
	}
	if (val->form != KX_VALUE_COMPONENTS)
		return;
	nc = val->ncomponents;
	/*
	 * A document may carry some of the components only (one
	 * custodian's part, as a GP KeyPart does), but then the split
	 * record must say how many there are.
	 */
	if (nc == 0 || (nc < 2 && s->n == 0)) {
		emit(v, R_KX142, k, KXF_VALUE, "%zu component(s) in a "
		    "components value and no split record (at least 2)", nc);
		return;
	}
	if (s->n != 0 && nc > s->n) {
		emit(v, R_KX142, k, KXF_VALUE, "split n %u but %zu components",
		    s->n, nc);
		return;
	}
	if (val->threshold > nc) {
		emit(v, R_KX142, k, KXF_VALUE, "threshold %u of %zu "
		    "components", val->threshold, nc);
		return;
	}
	if (s->m != 0 && val->threshold != 0 && val->threshold != s->m) {
		emit(v, R_KX142, k, KXF_VALUE, "value threshold %u but split "
		    "m %u", val->threshold, s->m);
		return;
	}
	if (s->method != KX_SPLIT_NONE && val->split_method != KX_SPLIT_NONE &&
	    s->method != val->split_method) {
		emit(v, R_KX142, k, KXF_VALUE, "value split %s but profile "
		    "split %s", knm(KX_ENUM_SPLIT, val->split_method),
		    knm(KX_ENUM_SPLIT, s->method));
		return;
	}
	if (val->split_method == KX_SPLIT_XOR && val->threshold != 0 &&
	    val->threshold != nc) {
		emit(v, R_KX142, k, KXF_VALUE, "xor components need all %zu, "
		    "not %u", nc, val->threshold);
		return;
	}
	for (i = 0; i < nc; i++) {
		int x = val->components[i].index;

		if (x < 1 || x > 255) {
			emit(v, R_KX142, k, KXF_VALUE, "component index %d "
			    "outside 1-255", x);
			return;
		}
		for (j = 0; j < i; j++)
			if (val->components[j].index == x) {
				emit(v, R_KX142, k, KXF_VALUE, "component "
				    "index %d used twice", x);
				return;
			}
	}
}

static void
chk_relation_ref(struct vctx *v, const kx_key *k)
{
	const kxi_relation_ref *r;
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->prof.nrelations; i++) {
		r = &k->prof.relations[i];
		if (r->ref == NULL || find_key(v, r->ref) != NULL)
			continue;
		if (v->st != NULL && st_known(v, k, r))
			continue;	/* seen, or decided at the end */
		if (r->type == KX_REL_WRAPPED_BY &&
		    (find_tk(v, r->ref) != NULL ||
		    kxi_doc_find_tk(v->doc, r->ref) != NULL))
			continue;
		if (v->against != NULL &&
		    find_against(v, r->ref) != NULL)
			continue;
		emit(v, R_KX143, k, KXF_RELATIONS, "%s %s: no such key in "
		    "the document", knm(KX_ENUM_RELATION, r->type), r->ref);
	}
}

/* ---- KX150-KX154 policy --------------------------------------------- */
/* The minimum of a stepped list in force at time t (0: none). */
/*
 * Whether k's value is a degenerate TDEA key: the value export was given
 * (kx_key.single_des), or a clear value the document carries.
 */
static int
single_des(const kx_key *k)
{
	if (k->prof.alg != KX_ALG_TDEA2 && k->prof.alg != KX_ALG_TDEA3)
		return 0;
	return k->single_des || (k->value.clear.n > 0 &&
	    kxi_tdea_degenerate(k->value.clear.p, k->value.clear.n));
}

static unsigned
min_at(const struct kxi_pol_min *m, size_t n, int64_t t)
{
	unsigned bits = 0;
	int64_t from = INT64_MIN;
	size_t i;

	/* the latest step that has started wins */
	for (i = 0; i < n; i++)
		if ((!SET(m[i].from) || m[i].from <= t) &&
		    (SET(m[i].from) ? m[i].from : INT64_MIN + 1) >= from) {
			from = SET(m[i].from) ? m[i].from : INT64_MIN + 1;
			bits = m[i].bits;
		}
	return bits;
}

static void
chk_strength_min(struct vctx *v, const kx_key *k)
{
	const kxi_tk *tk;
	unsigned min, s;

	if (k == NULL)
		return;
	min = min_at(v->pol->min_strength, v->pol->nmin_strength, v->now);
	if (min > 0 && single_des(k)) {
		/* what import and split refuse as a KEK (KX121) */
		emit(v, R_KX150, k, KXF_VALUE, "%s/%u key is a degenerate "
		    "TDEA key (K1 equals K2%s, parity bits aside): single DES, "
		    "56 bits; policy %s requires %u", algname(k->prof.alg),
		    k->prof.length_bits, k->prof.alg == KX_ALG_TDEA3 ?
		    " or K2 equals K3" : "", nz(v->pol->name), min);
		return;
	}
	s = key_strength(&k->prof);
	/* kx_strength() is 0 for single DES and for unknown algorithms */
	if (min > 0 && s < min && (s > 0 || k->prof.alg == KX_ALG_DES)) {
		emit(v, R_KX150, k, KXF_ALG, "%s/%u key has %u bits of "
		    "security, policy %s requires %u",
		    algname(k->prof.alg), k->prof.length_bits, s,
		    nz(v->pol->name), min);
		return;
	}
	min = min_at(v->pol->min_wrap, v->pol->nmin_wrap, v->now);
	if (min == 0 || !wrapped_under_kek(k) ||
	    (tk = find_tk(v, k->value.kek_id)) == NULL ||
	    !wrap_fits(k->value.alg, tk->alg))
		return;
	s = kx_wrap_strength(k->value.alg, tk->alg, tk->length_bits);
	if (s < min && (s > 0 || tk->alg == KX_ALG_DES))
		emit(v, R_KX150, k, KXF_VALUE, "wrapping under %s (%s/%u, %s) "
		    "has %u bits of security, policy %s requires %u", tk->id,
		    algname(tk->alg), tk->length_bits,
		    nz(knm(KX_ENUM_WRAP_ALG, k->value.alg)), s,
		    nz(v->pol->name), min);
}

#define U_PROTECT (U(ENCRYPT) | U(WRAP) | U(MAC_GENERATE) | U(SIGN) | \
	U(TRANSLATE) | U(REWRAP))

static void
chk_transition(struct vctx *v, const kx_key *k)
{
	const struct kxi_pol_transition *t;
	const kxi_tk *tk;
	char buf[200], a[21];
	int64_t when;
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < v->pol->ntransitions; i++) {
		t = &v->pol->transitions[i];
		if (t->alg == k->prof.alg && v->now > t->after &&
		    (k->prof.usage & U_PROTECT) != 0) {
			emit(v, R_KX151, k, KXF_USAGE, "%s may not apply "
			    "protection after %s (usage %s)", algname(t->alg),
			    tstr(t->after, a), usage_str(k->prof.usage &
			    U_PROTECT, buf, sizeof(buf)));
			return;
		}
	}
	if (!wrapped_under_kek(k) ||
	    (tk = find_tk(v, k->value.kek_id)) == NULL)
		return;
	/* the wrap was applied when the document was made (or is now) */
	when = v->plan == NULL && SET(v->doc->created) ? v->doc->created :
	    v->now;
	for (i = 0; i < v->pol->ntransitions; i++) {
		t = &v->pol->transitions[i];
		if (t->alg == tk->alg && when > t->after) {
			emit(v, R_KX151, k, KXF_VALUE, "value wrapped under %s "
			    "transport key %s after %s", algname(tk->alg),
			    nz(tk->id), tstr(t->after, a));
			return;
		}
	}
}

/*
 * Whether a policy row (selector) applies to a profile: 1 yes, 0 no, -1
 * cannot tell because a field the row selects on is absent from the key
 * (no role, no algorithm, no usage, no GP SCP) while every field present
 * matches.  absent (may be NULL) gets the names of the absent fields.
 */
static int
pol_applies(const struct kxi_pol_match *m, const kxi_profile *p,
    char *absent, size_t size)
{
	const char *miss[4];
	size_t n = 0, i, len = 0;

	if (m->roles != 0) {
		if (p->role == KX_ROLE_NONE)
			miss[n++] = "role";
		else if ((m->roles & bit(p->role)) == 0)
			return 0;
	}
	if (m->algs != 0) {
		if (p->alg == KX_ALG_NONE)
			miss[n++] = "algorithm";
		else if ((m->algs & bit(p->alg)) == 0)
			return 0;
	}
	if (m->classes != 0 && (m->classes & bit(p->cls)) == 0)
		return 0;
	if (m->scps != 0) {
		if (!p->has_gp || p->gp.scp == KX_SCP_NONE)
			miss[n++] = "GP SCP";
		else if ((m->scps & bit(p->gp.scp)) == 0)
			return 0;
	}
	if (m->usage != 0 || m->usage_any != 0) {
		if (p->usage == 0)
			miss[n++] = "usage";
		else if ((p->usage & m->usage) != m->usage ||
		    (m->usage_any != 0 && (p->usage & m->usage_any) == 0))
			return 0;
	}
	if (n == 0)
		return 1;
	for (i = 0; absent != NULL && i < n && len < size; i++)
		len += (size_t)snprintf(absent + len, size - len, "%s%s",
		    i == 0 ? "" : i + 1 == n ? " and " : ", ", miss[i]);
	return -1;
}

/*
 * The end of a period of duration text from start, in calendar terms
 * (kxi_duration_add); INT64_MAX when the text is no duration.
 */
static int64_t
period_end(int64_t start, const char *text)
{
	struct kxi_duration d;

	if (text == NULL || kxi_duration_parse_cal(text, &d) != KX_OK)
		return INT64_MAX;
	return kxi_duration_add(start, &d);
}

/*
 * KX152.  Periods are compared on the calendar: a period is within a
 * maximum when it ends no later than its start plus the maximum (P5Y from
 * 2027-06-01T00:00:00Z ends 2032-06-01T00:00:00Z, whatever the leap
 * days).  The start is not-before; a key's Cryptoperiod without one is
 * measured from the reference time.
 */
static void
chk_cryptoperiod(struct vctx *v, const kx_key *k)
{
	const struct kxi_pol_period *e, *worst = NULL, *unknown = NULL;
	const struct kxi_pol_period *none = NULL;
	const kxi_profile *p;
	char absent[64] = "", a[64];
	int64_t start, orig = INT64_MIN, lim = INT64_MAX, end;
	const char *how = NULL;
	int which = 0;
	size_t i;

	if (k == NULL || v->pol->nperiods == 0)
		return;
	p = &k->prof;
	start = SET(p->not_before) ? p->not_before : v->now;
	/* originator-usage period: explicit, else until protect-until */
	if (p->cryptoperiod != NULL &&
	    (end = period_end(start, p->cryptoperiod)) != INT64_MAX) {
		orig = end;
		how = "cryptoperiod";
	} else if (SET(p->not_before) && SET(p->protect_until)) {
		orig = p->protect_until;
		how = "not-before..protect-until";
	} else if (SET(p->not_before) && SET(p->not_after)) {
		orig = p->not_after;
		how = "not-before..not-after";
	}
	for (i = 0; i < v->pol->nperiods; i++) {
		e = &v->pol->periods[i];
		switch (pol_applies(&e->m, p, a, sizeof(a))) {
		case 0:
			continue;
		case -1:
			/* unknown when the key exceeds the row's maximum */
			if ((e->originator >= 0 && how != NULL &&
			    orig > period_end(start, e->originator_text)) ||
			    (e->total >= 0 && SET(p->not_before) &&
			    SET(p->not_after) && p->not_after >
			    period_end(p->not_before, e->total_text))) {
				if (unknown == NULL) {
					unknown = e;
					memcpy(absent, a, sizeof(absent));
				}
			}
			continue;
		default:
			break;
		}
		if (how == NULL && !(SET(p->not_before) && SET(p->not_after))) {
			if (none == NULL)
				none = e;
			continue;
		}
		if (e->originator >= 0 && how != NULL &&
		    orig > (end = period_end(start, e->originator_text)) &&
		    end < lim) {
			worst = e;
			lim = end;
			which = 1;
		}
		if (e->total >= 0 && SET(p->not_before) && SET(p->not_after) &&
		    p->not_after > (end = period_end(p->not_before,
		    e->total_text)) && end < lim) {
			worst = e;
			lim = end;
			which = 2;
		}
	}
	if (worst == NULL) {
		if (unknown != NULL)
			unchecked(v, R_KX152, k, "the key has no %s, which "
			    "a maximum crypto-period of policy %s selects on "
			    "(%s)", absent, nz(v->pol->name),
			    nz(unknown->originator >= 0 ?
			    unknown->originator_text : unknown->total_text));
		else if (none != NULL)
			unchecked(v, R_KX152, k, "the key has no validity "
			    "period or crypto-period; policy %s limits it to "
			    "%s", nz(v->pol->name), nz(none->originator >= 0 ?
			    none->originator_text : none->total_text));
		return;
	}
	if (which == 1)
		emit(v, R_KX152, k, KXF_VALIDITY, "crypto-period (%s) of "
		    "%lld days exceeds the maximum %s of policy %s%s%s%s",
		    how, (long long)((orig - start) / 86400),
		    nz(worst->originator_text), nz(v->pol->name),
		    worst->source ? " (" : "", nz2(worst->source),
		    worst->source ? ")" : "");
	else
		emit(v, R_KX152, k, KXF_VALIDITY, "validity of %lld days "
		    "exceeds the total maximum %s of policy %s%s%s%s",
		    (long long)((p->not_after - p->not_before) / 86400),
		    nz(worst->total_text), nz(v->pol->name),
		    worst->source ? " (" : "", nz2(worst->source),
		    worst->source ? ")" : "");
}

static void
chk_legacy_wrap(struct vctx *v, const kx_key *k)
{
	if (k == NULL || (k->value.form != KX_VALUE_WRAPPED &&
	    k->value.form != KX_VALUE_COMPONENTS) ||
	    (unsigned)k->value.alg >= 32)
		return;
	if ((v->pol->disallowed_wraps & BIT(k->value.alg)) != 0)
		emit(v, R_KX153, k, KXF_VALUE, "wrap algorithm %s is "
		    "disallowed by policy %s",
		    nz(knm(KX_ENUM_WRAP_ALG, k->value.alg)),
		    nz(v->pol->name));
}

static void
chk_forbidden(struct vctx *v, const kx_key *k)
{
	const struct kxi_pol_forbid *f, *unknown = NULL;
	char buf[200], absent[64] = "", a[64];
	size_t i, nunknown = 0;

	if (k == NULL)
		return;
	for (i = 0; i < v->pol->nforbids; i++) {
		f = &v->pol->forbids[i];
		switch (pol_applies(&f->m, &k->prof, a, sizeof(a))) {
		case 1:
			emit(v, R_KX154, k, KXF_USAGE, "%s %s key with usage "
			    "%s is forbidden by policy %s: %s",
			    nz(knm(KX_ENUM_ROLE, k->prof.role)),
			    algname(k->prof.alg),
			    usage_str(k->prof.usage, buf, sizeof(buf)),
			    nz(v->pol->name), nz(f->reason));
			return;
		case -1:
			if (nunknown++ == 0) {
				unknown = f;
				memcpy(absent, a, sizeof(absent));
			}
			break;
		default:
			break;
		}
	}
	if (unknown != NULL)
		unchecked(v, R_KX154, k, "the key has no %s, which %zu "
		    "forbidden combination%s of policy %s select%s on (%s%s)",
		    absent, nunknown, nunknown == 1 ? "" : "s",
		    nz(v->pol->name), nunknown == 1 ? "s" : "",
		    nz(unknown->reason), nunknown == 1 ? "" : ", ...");
}

/* ---- the runner ------------------------------------------------------ */
static int
id_cmp(const kx_doc *doc, size_t a, size_t b)
{
	return strcmp(doc->keys[a].prof.id, doc->keys[b].prof.id);
}

/* Each rule's severity under the policy. */
static void
policy_sevs(struct vctx *v)
{
	size_t i, j;

	for (i = 0; i < R__N; i++) {
		v->sev[i] = (int)rules[i].info.severity;
		for (j = 0; j < v->pol->nsevs; j++)
			if (strcmp(v->pol->sevs[j].rule, rules[i].info.id) == 0)
				v->sev[i] = v->pol->sevs[j].sev;
	}
}

int
kx_wrap_check(enum kx_wrap_alg alg, const kx_secret *kek,
    enum kx_alg key_alg, size_t key_len, const char *id,
    const kx_policy *policy, int64_t now, kx_diag *d)
{
	static const kxi_loc none = { 0, 0, -1 };
	size_t klen;
	kx_doc doc;
	struct vctx v;
	enum kx_alg kek_alg;
	unsigned bits, ws, need, key_bits;
	int r;

	if (kek == NULL)
		kxi_misuse(__func__, "kek is NULL");
	klen = kx_secret_len(kek);
	switch (alg) {
	case KX_WRAP_AES_KW:
	case KX_WRAP_AES_KWP:
		kek_alg = KX_ALG_AES;
		bits = (unsigned)(klen * 8);
		break;
	case KX_WRAP_TDEA_ECB:
		kek_alg = klen == 16 ? KX_ALG_TDEA2 : KX_ALG_TDEA3;
		bits = (unsigned)(klen * 8);
		break;
	case KX_WRAP_RSA_OAEP_SHA256:
	case KX_WRAP_RSA_AES_KWP:
		kek_alg = KX_ALG_RSA;
		if ((r = kxi_rsa_bits(kek, &bits, d)) != KX_OK)
			return r;
		break;
	default:
		return KX_OK;	/* kx_wrap refuses it */
	}
	memset(&doc, 0, sizeof(doc));
	memset(&v, 0, sizeof(v));
	v.doc = &doc;
	v.pol = policy != NULL ? policy : kxi_policy_default();
	v.now = now;
	v.d = d;
	policy_sevs(&v);
	if (kek_alg == KX_ALG_RSA && bits < RSA_WRAP_MIN)
		emit_at(&v, R_KX128, id, &none, "%s under a %u-bit rsa key; "
		    "rsa keys wrap only from %u bits", knm(KX_ENUM_WRAP_ALG, alg),
		    bits, RSA_WRAP_MIN);
	/*
	 * The key's strength from its algorithm, or, when not known, as
	 * an AES or HMAC key of its length would have: min(8 * length,
	 * 256) bits (a 16-byte key may be AES-128, not only TDEA-2).
	 */
	key_bits = (unsigned)(key_len * 8);
	need = kx_strength(key_alg != KX_ALG_NONE ? key_alg : KX_ALG_HMAC,
	    key_bits, KX_HASH_NONE);
	ws = kx_wrap_strength(alg, kek_alg, bits);
	if (ws < need && key_alg != KX_ALG_NONE)
		emit_at(&v, R_KX121, id, &none, "%s under the %s/%u KEK (%u "
		    "bits) is weaker than the key (%s/%u: %u bits)",
		    knm(KX_ENUM_WRAP_ALG, alg), algname(kek_alg), bits, ws,
		    algname(key_alg), key_bits, need);
	else if (ws < need)
		emit_at(&v, R_KX121, id, &none, "%s under the %s/%u KEK (%u "
		    "bits) is weaker than a %zu-byte key of unnamed algorithm "
		    "(%u bits, as AES or HMAC)", knm(KX_ENUM_WRAP_ALG, alg),
		    algname(kek_alg), bits, ws, key_len, need);
	return v.nerr > 0 ? KX_EPOLICY : KX_OK;
}

/* A key as the plan leaves it: its value wrapped under the plan's key. */
static void
plan_view(const struct vctx *v, const kx_key *k, kx_key *view)
{
	*view = *k;
	memset(&view->value, 0, sizeof(view->value));
	/*
	 * What the value is bound to stays what it was (import and rewrap
	 * keep a value's binding version; export binds version 2): KX127
	 * trusts the sender only when the binding covers the header.
	 */
	view->value.binding_method = v->phase == KX_PHASE_EXPORT ?
	    KXI_BINDING_V2 : k->value.binding_method;
	if (v->plan == NULL)
		return;		/* import to clear output: nothing stored */
	view->value.form = KX_VALUE_WRAPPED;
	view->value.alg = v->plan->wrap;
	view->value.kek_id = v->plan->kek_id;
}

int
kxi_rules_run(const kx_doc *doc, enum kx_phase phase,
    const kx_policy *policy, int64_t now, const kx_doc *against,
    const struct kxi_plan *plan, size_t *nerr, kx_diag *d)
{
	struct vctx v;
	kx_key view;
	const kx_key *k;
	size_t i, j, *tmp = NULL;
	int r = KX_EINTERNAL;

	if (doc == NULL)
		kxi_misuse(__func__, "doc is NULL");
	memset(&v, 0, sizeof(v));
	v.doc = doc;
	v.pol = policy != NULL ? policy : kxi_policy_default();
	v.now = now;
	v.against = against;
	v.d = d;
	v.phase = (unsigned)phase;
	v.tk_kcv_given = plan != NULL && plan->tk_kcv_given;
	if (phase != KX_PHASE_DOCUMENT && plan != NULL) {
		v.plan = plan;
		v.plan_tk.id = plan->kek_id != NULL ? plan->kek_id : "-";
		v.plan_tk.alg = plan->alg;
		v.plan_tk.length_bits = plan->bits;
		v.plan_tk.trusted = plan->trusted != 0;
		v.plan_tk.loc.off = -1;
	}
	policy_sevs(&v);
	for (i = 0; i < R__N; i++)
		if ((rules[i].info.phases & v.phase) == 0)
			v.sev[i] = KXI_SEV_OFF;	/* not in this phase */
	v.byid = calloc(doc->nkeys ? doc->nkeys : 1, sizeof(*v.byid));
	tmp = calloc(doc->nkeys ? doc->nkeys : 1, sizeof(*tmp));
	if (v.byid == NULL || tmp == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "validate: out of memory");
		goto out;
	}
	for (i = 0; i < doc->nkeys; i++)
		if (doc->keys[i].prof.id != NULL)
			v.byid[v.nbyid++] = i;
	sort_idx(doc, v.byid, tmp, v.nbyid, id_cmp);
	if (against != NULL) {
		free(tmp);
		v.agid = calloc(against->nkeys ? against->nkeys : 1,
		    sizeof(*v.agid));
		tmp = calloc(against->nkeys ? against->nkeys : 1,
		    sizeof(*tmp));
		if (v.agid == NULL || tmp == NULL) {
			r = KX_FAIL(d, KX_ENOMEM, "validate: out of memory");
			goto out;
		}
		for (i = 0; i < against->nkeys; i++)
			if (against->keys[i].prof.id != NULL)
				v.agid[v.nagid++] = i;
		sort_idx(against, v.agid, tmp, v.nagid, id_cmp);
	}

	for (i = 0; i < R__N; i++)
		if (v.sev[i] != KXI_SEV_OFF)
			rules[i].check(&v, NULL);
	for (j = 0; j < doc->nkeys; j++) {
		k = &doc->keys[j];
		if (phase != KX_PHASE_DOCUMENT) {
			plan_view(&v, k, &view);
			k = &view;
		}
		for (i = 0; i < R__N; i++)
			if (v.sev[i] != KXI_SEV_OFF)
				rules[i].check(&v, k);
	}
	r = KX_OK;
out:
	if (nerr != NULL)
		*nerr = v.nerr;
	free(v.byid);
	free(v.agid);
	free(tmp);
	return r;
}

int
kx_doc_validate(const kx_doc *doc, const kx_policy *policy, int64_t now,
    const kx_doc *against, kx_diag *d)
{
	if (doc == NULL)
		kxi_misuse(__func__, "NULL argument");
	return kxi_rules_run(doc, KX_PHASE_DOCUMENT, policy, now, against,
	    NULL, NULL, d);
}

/* ==== one key at a time ================================================ */
/*
 * kx_file_validate runs the same rules over a document read one key at a
 * time.  What the rules between keys need is kept as compact summaries:
 * a set of the 64-bit hashes of the key ids seen (KX143 references, KX140
 * duplicates), a map of the GP slots seen to the id of their first key
 * (KX115), the duplicates themselves, and the references to keys not yet
 * seen (resolved, and forgotten, when the key comes).  Findings come out
 * in the order the whole-document run gives: reader findings, then the
 * document-level rules (KX115, KX133, KX140 in the table's order, each
 * sorted as there), then the per-key rules key by key, with the late
 * verdicts on forward references put back where they belong.  Two ids
 * that differ but hash alike would be taken for one: the hash is keyed
 * afresh for every run (hash_id), so the odds are 2^-64 per pair and no
 * document can be written to beat them.
 */
struct hset {
	uint64_t *h;		/* 0 = empty slot */
	uint32_t *v;
	size_t cap, n;
};

struct dup140 {
	char *id;
	size_t ord, prev;
	kxi_loc loc;
};

struct dup115 {
	uint8_t *aid;
	size_t aidn, ord;
	int kvn, kid;
	char *id, *first;
	kxi_loc loc;
};

struct pend {
	struct pend *next;
	uint64_t h;
	size_t pos, seq;	/* where its finding goes in rd; order */
	char *key_id, *ref;
	enum kx_relation type;
	kxi_loc loc;
};

struct rstream {
	struct hset ids, slots;
	kx_buf pool;		/* first ids of the GP slots, NUL-terminated */
	struct dup140 *d140;
	size_t n140, c140;
	struct dup115 *d115;
	size_t n115, c115;
	struct pend **pb;	/* pending references, by hash */
	size_t pcap, pn, seq;
	size_t ord;		/* of the key at hand */
	kx_diag *rd;		/* the per-key rules' findings */
	int oom;
	uint8_t hkey[16];	/* this run's key of hash_id, slot_hash */
};

/*
 * The summaries' hash: SipHash-2-4 under a key drawn afresh for every run
 * (kxi_rules_stream_new), so that no document can be written whose ids or
 * GP slots collide (an unkeyed hash let a crafted pair of ids pass for a
 * duplicate, KX140, or answer a reference to a missing key, KX143).
 */
static uint64_t
hash_id(const struct rstream *st, const char *id)
{
	uint64_t h = kxi_siphash24(st->hkey, id, strlen(id));

	return h != 0 ? h : 1;
}

static int
hset_grow(struct hset *s)
{
	struct hset t;
	size_t i, j;

	t.cap = s->cap ? s->cap * 2 : 1024;
	t.n = s->n;
	t.h = calloc(t.cap, sizeof(*t.h));
	t.v = calloc(t.cap, sizeof(*t.v));
	if (t.h == NULL || t.v == NULL) {
		free(t.h);
		free(t.v);
		return -1;
	}
	for (i = 0; i < s->cap; i++) {
		if (s->h[i] == 0)
			continue;
		for (j = s->h[i] & (t.cap - 1); t.h[j] != 0;
		    j = (j + 1) & (t.cap - 1))
			;
		t.h[j] = s->h[i];
		t.v[j] = s->v[i];
	}
	free(s->h);
	free(s->v);
	*s = t;
	return 0;
}

/* The slot of h (found, or where it goes); NULL on ENOMEM. */
static size_t *
hset_find(struct hset *s, uint64_t h, size_t *at)
{
	size_t j;

	if ((s->n + 1) * 4 > s->cap * 3 && hset_grow(s) != 0)
		return NULL;
	for (j = h & (s->cap - 1); s->h[j] != 0 && s->h[j] != h;
	    j = (j + 1) & (s->cap - 1))
		;
	*at = j;
	return at;
}

static void
hset_free(struct hset *s)
{
	free(s->h);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void *
vec_push(void **v, size_t *n, size_t *cap, size_t size)
{
	void *p;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;

		if ((p = realloc(*v, c * size)) == NULL)
			return NULL;
		*v = p;
		*cap = c;
	}
	p = (char *)*v + *n * size;
	memset(p, 0, size);
	(*n)++;
	return p;
}

static char *
dupstr(struct rstream *st, const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		st->oom = 1;
	return p;
}

static int
pend_grow(struct rstream *st)
{
	struct pend **nb, *p, *next;
	size_t cap = st->pcap ? st->pcap * 2 : 256, i;

	if ((nb = calloc(cap, sizeof(*nb))) == NULL)
		return -1;
	for (i = 0; i < st->pcap; i++)
		for (p = st->pb[i]; p != NULL; p = next) {
			next = p->next;
			p->next = nb[p->h & (cap - 1)];
			nb[p->h & (cap - 1)] = p;
		}
	free(st->pb);
	st->pb = nb;
	st->pcap = cap;
	return 0;
}

static void
pend_free(struct pend *p)
{
	free(p->key_id);
	free(p->ref);
	free(p);
}

/* KX143 in one pass: a reference to an id not seen yet waits for it. */
static int
st_known(struct vctx *v, const kx_key *k, const kxi_relation_ref *r)
{
	struct rstream *st = v->st;
	struct pend *p;
	size_t at;
	uint64_t h = hash_id(st, r->ref);

	if (hset_find(&st->ids, h, &at) == NULL) {
		st->oom = 1;
		return 1;
	}
	if (st->ids.h[at] == h)
		return 1;
	if (r->type == KX_REL_WRAPPED_BY && (find_tk(v, r->ref) != NULL ||
	    kxi_doc_find_tk(v->doc, r->ref) != NULL))
		return 1;
	if (v->sev[R_KX143] == KXI_SEV_OFF)
		return 1;
	if ((st->pn + 1) * 2 > st->pcap && pend_grow(st) != 0) {
		st->oom = 1;
		return 1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		st->oom = 1;
		return 1;
	}
	p->h = h;
	p->pos = kx_diag_count(st->rd);
	p->seq = st->seq++;
	p->key_id = dupstr(st, k->prof.id);
	p->ref = dupstr(st, r->ref);
	p->type = r->type;
	p->loc = *kxi_key_loc(k, KXF_RELATIONS);
	p->next = st->pb[h & (st->pcap - 1)];
	st->pb[h & (st->pcap - 1)] = p;
	st->pn++;
	return 1;
}

/* A key arrives: its id answers the references waiting for it. */
static void
st_resolve(struct rstream *st, uint64_t h)
{
	struct pend **pp, *p;

	if (st->pcap == 0)
		return;
	for (pp = &st->pb[h & (st->pcap - 1)]; (p = *pp) != NULL; ) {
		if (p->h == h) {
			*pp = p->next;
			pend_free(p);
			st->pn--;
		} else
			pp = &p->next;
	}
}

static uint64_t
slot_hash(const struct rstream *st, const kxi_gp *g)
{
	uint8_t b[12 + 8];
	uint64_t h;
	uint32_t w[3] = { (uint32_t)g->sd_aid.n, (uint32_t)g->kvn,
	    (uint32_t)g->kid };

	/* AID length, KVN and KID, then the AID's own keyed hash */
	memcpy(b, w, sizeof(w));
	h = kxi_siphash24(st->hkey, g->sd_aid.p, g->sd_aid.n);
	memcpy(b + 12, &h, sizeof(h));
	h = kxi_siphash24(st->hkey, b, sizeof(b));
	return h != 0 ? h : 1;
}

/* Record key k (number st->ord) in the summaries. */
static void
st_add(struct vctx *v, const kx_key *k)
{
	struct rstream *st = v->st;
	const kxi_profile *p = &k->prof;
	struct dup140 *e;
	struct dup115 *g;
	size_t at;
	uint64_t h;

	if (p->id != NULL) {
		h = hash_id(st, p->id);
		if (hset_find(&st->ids, h, &at) == NULL) {
			st->oom = 1;
			return;
		}
		if (st->ids.h[at] == h) {
			e = vec_push((void **)&st->d140, &st->n140, &st->c140,
			    sizeof(*e));
			if (e == NULL) {
				st->oom = 1;
				return;
			}
			e->id = dupstr(st, p->id);
			e->ord = st->ord;
			e->prev = st->ids.v[at];
			e->loc = *kxi_key_loc(k, KXF_ID);
		} else {
			st->ids.h[at] = h;
			st->ids.n++;
		}
		st->ids.v[at] = (uint32_t)st->ord;
		st_resolve(st, h);
	}
	if (!p->has_gp || p->gp.kvn == KX_UNSET || p->gp.kid == KX_UNSET)
		return;
	h = slot_hash(st, &p->gp);
	if (hset_find(&st->slots, h, &at) == NULL) {
		st->oom = 1;
		return;
	}
	if (st->slots.h[at] != h) {
		st->slots.h[at] = h;
		st->slots.n++;
		st->slots.v[at] = 0;
		if (p->id != NULL) {
			st->slots.v[at] = (uint32_t)st->pool.len + 1;
			if (kx_buf_append(&st->pool, p->id, strlen(p->id) + 1)
			    != KX_OK)
				st->oom = 1;
		}
		return;
	}
	g = vec_push((void **)&st->d115, &st->n115, &st->c115, sizeof(*g));
	if (g == NULL) {
		st->oom = 1;
		return;
	}
	g->aidn = p->gp.sd_aid.n;
	if (g->aidn > 0 && (g->aid = malloc(g->aidn)) != NULL)
		memcpy(g->aid, p->gp.sd_aid.p, g->aidn);
	else if (g->aidn > 0)
		st->oom = 1;
	g->kvn = p->gp.kvn;
	g->kid = p->gp.kid;
	g->ord = st->ord;
	g->id = dupstr(st, p->id);
	g->first = st->slots.v[at] ? dupstr(st, (const char *)st->pool.data +
	    st->slots.v[at] - 1) : NULL;
	g->loc = *kxi_key_loc(k, KXF_GP);
}

static int
d140_cmp(const void *a, const void *b)
{
	const struct dup140 *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static int
d115_cmp(const void *a, const void *b)
{
	const struct dup115 *x = a, *y = b;
	size_t n = x->aidn < y->aidn ? x->aidn : y->aidn;
	int c = n ? memcmp(x->aid, y->aid, n) : 0;

	if (c != 0)
		return c;
	if (x->aidn != y->aidn)
		return x->aidn < y->aidn ? -1 : 1;
	if (x->kvn != y->kvn)
		return x->kvn < y->kvn ? -1 : 1;
	if (x->kid != y->kid)
		return x->kid < y->kid ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* The document-level duplicate rules from the summaries (stream only). */
static int
st_duplicates(struct vctx *v, int rule)
{
	struct rstream *st = v->st;
	kxi_bytes b;
	char aid[2 * 16 + 1];
	size_t i;

	if (st == NULL)
		return 0;
	if (rule == R_KX140) {
		if (st->n140 > 1)	/* qsort's base may not be NULL */
			qsort(st->d140, st->n140, sizeof(*st->d140),
			    d140_cmp);
		for (i = 0; i < st->n140; i++)
			emit_at(v, R_KX140, st->d140[i].id, &st->d140[i].loc,
			    "key id %s already used by key number %zu",
			    st->d140[i].id, st->d140[i].prev + 1);
		return 1;
	}
	if (st->n115 > 1)
		qsort(st->d115, st->n115, sizeof(*st->d115), d115_cmp);
	for (i = 0; i < st->n115; i++) {
		const struct dup115 *g = &st->d115[i];

		b.p = g->aid;
		b.n = g->aidn;
		emit_at(v, R_KX115, g->id, &g->loc, "security domain %s kvn "
		    "%02X kid %02X already used by key %s",
		    g->aidn ? hexstr(&b, aid, sizeof(aid)) : "-",
		    (unsigned)g->kvn, (unsigned)g->kid, nz(g->first));
	}
	return 1;
}

static void
st_free(struct rstream *st)
{
	struct pend *p, *next;
	size_t i;

	for (i = 0; i < st->pcap; i++)
		for (p = st->pb[i]; p != NULL; p = next) {
			next = p->next;
			pend_free(p);
		}
	free(st->pb);
	for (i = 0; i < st->n140; i++)
		free(st->d140[i].id);
	free(st->d140);
	for (i = 0; i < st->n115; i++) {
		free(st->d115[i].aid);
		free(st->d115[i].id);
		free(st->d115[i].first);
	}
	free(st->d115);
	hset_free(&st->ids);
	hset_free(&st->slots);
	kx_buf_free(&st->pool);
	kx_diag_free(st->rd);
	memset(st, 0, sizeof(*st));
}

static int
pend_cmp(const void *a, const void *b)
{
	const struct pend *x = *(const struct pend *const *)a;
	const struct pend *y = *(const struct pend *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
add_finding(kx_diag *d, const kx_finding *f)
{
	kxi_loc l = { f->line, f->col, f->offset };

	kxi_diag_add(d, f->rule, f->severity, f->rc, f->file, &l, f->key_id,
	    "%s", f->message);
}

/*
 * The per-key findings into d, with the KX143 verdicts of the references
 * never answered put back at their places.
 */
static int
st_flush(struct vctx *v, kx_diag *d)
{
	struct rstream *st = v->st;
	struct pend **left = NULL, *p;
	kx_diag *one = NULL;
	size_t n = 0, i, j, k, nrd = kx_diag_count(st->rd);

	if (st->pn > 0 && ((left = calloc(st->pn, sizeof(*left))) == NULL ||
	    (one = kx_diag_new()) == NULL)) {
		free(left);
		return KX_FAIL(d, KX_ENOMEM, "validate: out of memory");
	}
	for (i = 0; i < st->pcap; i++)
		for (p = st->pb[i]; p != NULL; p = p->next)
			left[n++] = p;
	if (n > 1)
		qsort(left, n, sizeof(*left), pend_cmp);
	for (i = 0, j = 0; i <= nrd; i++) {
		for (; j < n && left[j]->pos == i; j++) {
			p = left[j];
			kx_diag_clear(one);
			v->d = one;
			emit_at(v, R_KX143, p->key_id, &p->loc, "%s %s: no such "
			    "key in the document", knm(KX_ENUM_RELATION, p->type),
			    p->ref);
			for (k = 0; k < kx_diag_count(one); k++)
				add_finding(d, kx_diag_get(one, k));
		}
		if (i < nrd)
			add_finding(d, kx_diag_get(st->rd, i));
	}
	/* counted, never stored: keep the counts */
	kxi_diag_merge_dropped(d, st->rd);
	v->d = d;
	kx_diag_free(one);
	free(left);
	return KX_OK;
}

static int
has_copy_of(const kx_key *k)
{
	size_t i;

	for (i = 0; i < k->prof.nrelations; i++)
		if (k->prof.relations[i].type == KX_REL_COPY_OF)
			return 1;
	return 0;
}

/*
 * The rules of one phase over a document read one key at a time
 * (internal.h): the summaries of the DOCUMENT phase above; in the REWRAP
 * phase each key as the plan leaves it, and KX138 (a document-level rule
 * that looks at each key as received) collected as the keys come.
 */
struct kxi_rules_stream {
	struct vctx v;
	struct rstream st;
	kx_diag *pre;		/* document-level findings made per key */
};

int
kxi_rules_stream_new(const kx_doc *head, enum kx_phase phase,
    const kx_policy *policy, int64_t now, const struct kxi_plan *plan,
    struct kxi_rules_stream **out, kx_diag *d)
{
	struct kxi_rules_stream *s;
	struct vctx *v;
	size_t i;

	*out = NULL;
	if (phase != KX_PHASE_DOCUMENT && phase != KX_PHASE_REWRAP)
		kxi_misuse(__func__, "phase");
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->st.rd = kx_diag_new()) == NULL ||
	    (s->pre = kx_diag_new()) == NULL) {
		kxi_rules_stream_free(s);
		return KX_FAIL(d, KX_ENOMEM, "validate: out of memory");
	}
	if (RAND_bytes(s->st.hkey, sizeof(s->st.hkey)) != 1) {
		kxi_rules_stream_free(s);
		return kxi_diag_openssl(d, KX_ECRYPTO, "RAND_bytes");
	}
	v = &s->v;
	v->doc = head;
	v->pol = policy != NULL ? policy : kxi_policy_default();
	v->now = now;
	v->d = s->st.rd;
	v->phase = (unsigned)phase;
	v->st = &s->st;
	v->tk_kcv_given = plan != NULL && plan->tk_kcv_given;
	if (phase != KX_PHASE_DOCUMENT && plan != NULL) {
		v->plan = plan;
		v->plan_tk.id = plan->kek_id != NULL ? plan->kek_id : "-";
		v->plan_tk.alg = plan->alg;
		v->plan_tk.length_bits = plan->bits;
		v->plan_tk.trusted = plan->trusted != 0;
		v->plan_tk.loc.off = -1;
	}
	policy_sevs(v);
	for (i = 0; i < R__N; i++)
		if ((rules[i].info.phases & v->phase) == 0)
			v->sev[i] = KXI_SEV_OFF;
	*out = s;
	return KX_OK;
}

int
kxi_rules_stream_key(struct kxi_rules_stream *s, const kx_key *k,
    size_t ord, kx_diag *d)
{
	struct vctx *v = &s->v;
	kx_key view;
	size_t i;

	if (v->phase == KX_PHASE_DOCUMENT) {
		if (has_copy_of(k))
			return 1;	/* profiles compared: read it whole */
		s->st.ord = ord;
		st_add(v, k);
	} else {
		if (v->sev[R_KX138] != KXI_SEV_OFF) {
			v->d = s->pre;
			unbound_one(v, k);
			v->d = s->st.rd;
		}
		plan_view(v, k, &view);
		k = &view;
	}
	for (i = 0; i < R__N; i++)
		if (v->sev[i] != KXI_SEV_OFF)
			rules[i].check(v, k);
	if (s->st.oom)
		return KX_FAIL(d, KX_ENOMEM, "validate: out of memory");
	return 0;
}

int
kxi_rules_stream_end(struct kxi_rules_stream *s, size_t *nerr, kx_diag *d)
{
	struct vctx *v = &s->v;
	size_t i;
	int rc;

	/* the document's rules (in the table's order), the keys' rules */
	v->d = d;
	kxi_diag_merge(d, s->pre);
	for (i = 0; i < R__N; i++)
		if (v->sev[i] != KXI_SEV_OFF)
			rules[i].check(v, NULL);
	rc = s->st.pn == 0 ? (kxi_diag_merge(d, s->st.rd), KX_OK) :
	    st_flush(v, d);
	if (nerr != NULL)
		*nerr = v->nerr;
	return rc;
}

void
kxi_rules_stream_memo(struct kxi_rules_stream *s, struct kxi_bind_memo *memo)
{
	s->v.memo = memo;
}

void
kxi_rules_stream_free(struct kxi_rules_stream *s)
{
	if (s == NULL)
		return;
	kx_diag_free(s->pre);
	st_free(&s->st);
	free(s);
}

/* The whole-document run, for what the summaries cannot answer. */
static int
validate_whole(const char *path, const kx_policy *policy, int64_t now,
    const kx_doc *against, kx_diag *d)
{
	kx_doc *doc = NULL;
	int r;

	if ((r = kx_doc_read_file(path, KX_FMT_AUTO, &doc, d)) != KX_OK)
		return r;
	r = kx_doc_validate(doc, policy, now, against, d);
	kx_doc_free(doc);
	return r;
}

int
kx_file_validate(const char *path, const kx_policy *policy, int64_t now,
    const kx_doc *against, kx_diag *d)
{
	struct kxi_rules_stream *s = NULL;
	kx_reader *r = NULL;
	kx_diag *dr = NULL;
	const kx_key *k;
	int rc, sk = 0;

	if (path == NULL)
		kxi_misuse(__func__, "path is NULL");
	if (against != NULL)
		return validate_whole(path, policy, now, against, d);
	if ((dr = kx_diag_new()) == NULL) {
		rc = KX_FAIL(d, KX_ENOMEM, "validate: out of memory");
		goto out;
	}
	if ((rc = kx_reader_open(path, KX_FMT_AUTO, &r, dr)) != KX_OK)
		goto read_failed;
	if ((rc = kxi_rules_stream_new(kx_reader_doc(r), KX_PHASE_DOCUMENT,
	    policy, now, NULL, &s, d)) != KX_OK)
		goto out;
	while ((rc = kx_reader_next(r, &k, dr)) == 1)
		if ((sk = kxi_rules_stream_key(s, k, kx_reader_keys(r) - 1,
		    d)) != 0)
			break;
	if (sk < 0) {
		rc = sk;
		goto out;
	}
	if (sk == 1) {
		kx_reader_close(r);
		r = NULL;
		rc = validate_whole(path, policy, now, NULL, d);
		goto out;
	}
	if (rc < 0)
		goto read_failed;
	/* the reader's findings, the document's rules, the keys' rules */
	kxi_diag_merge(d, dr);
	rc = kxi_rules_stream_end(s, NULL, d);
	goto out;
read_failed:
	kxi_diag_merge(d, dr);
out:
	kx_reader_close(r);
	kx_diag_free(dr);
	kxi_rules_stream_free(s);
	return rc;
}
