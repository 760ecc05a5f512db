/*
 * policy.c - validation policies (schema/policy.xsd, namespace
 * KX_POLICY_NS): per-rule severities, minimum strengths, algorithm
 * transition dates, maximum crypto-periods, disallowed wrap algorithms,
 * forbidden usage/role/algorithm combinations, GP KVN/KID constraints and
 * waivers.  rules.c applies them; see kmsxchg(5) and
 * the policies under profiles/policies/.
 *
 * A policy is parsed with the hardened parser (xmlsec.c: no DTD, no
 * entities, no network, bounded size and depth), validated against the
 * embedded policy schema, and then checked again here value by value
 * (names, ranges, dates, durations) so a gap in the schema cannot let a
 * bad value through.  Any error refuses the whole policy.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "internal.h"

#define POLICY_MAX_INPUT ((size_t)1 << 20)
#define POLICY_MAX_ROWS 10000

/* The built-in policy: only a floor below every row of SP 800-57 Pt 1
 * Table 2 (80 bits), which single DES and RSA-512 fall under. */
static const struct kxi_pol_min builtin_min[] = {
	{ 80, KX_UNSET_TIME },
};
static const struct kx_policy builtin = {
	.name = "built-in",
	.description = "kmsxchg defaults: rule severities of rules.def, "
	    "minimum strength 80 bits",
	.min_strength = (struct kxi_pol_min *)builtin_min,
	.nmin_strength = 1,
};

const kx_policy *
kxi_policy_default(void)
{
	return &builtin;
}

void
kx_policy_free(kx_policy *p)
{
	if (p == NULL || p == &builtin)
		return;
	kxi_arena_free(&p->arena);
	free(p);
}

/* ---- reading -------------------------------------------------------- */
struct pctx {
	kx_policy *p;
	const char *name;
	kx_diag *d;
	int rc;
};

/* Record a policy error at node; the whole policy is refused. */
static void KX_PRINTF(3, 4)
perr(struct pctx *c, const xmlNode *n, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	kxi_loc loc = { 0, 0, -1 };

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL) {
		long line = xmlGetLineNo(n);

		loc.line = line > 0 ? (uint32_t)line : 0;
	}
	kxi_diag_add(c->d, "KX002", KX_SEV_ERROR, KX_ESCHEMA, c->name, &loc,
	    NULL, "policy: %s", msg);
	if (c->rc == KX_OK)
		c->rc = KX_ESCHEMA;
}

static int
is_el(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST KX_POLICY_NS) &&
	    xmlStrEqual(n->name, BAD_CAST name);
}

/* An attribute's value copied into the policy arena, or NULL. */
static const char *
attr(struct pctx *c, const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
	char *s;

	if (v == NULL)
		return NULL;
	s = kxi_strdup(&c->p->arena, (const char *)v);
	xmlFree(v);
	if (s == NULL && c->rc == KX_OK)
		c->rc = KX_ENOMEM;
	return s;
}

static const char *
attr_req(struct pctx *c, const xmlNode *n, const char *name)
{
	const char *s = attr(c, n, name);

	if (s == NULL && c->rc != KX_ENOMEM)
		perr(c, n, "<%s> needs attribute %s", (const char *)n->name,
		    name);
	return s;
}

/*
 * A date (start of the day) or a UTC time.  end: a date-only value
 * means the end of that day (23:59:59), as model.md b.1 maps end dates.
 */
static int64_t
attr_time(struct pctx *c, const xmlNode *n, const char *name, int end,
    int required)
{
	const char *s = required ? attr_req(c, n, name) : attr(c, n, name);
	int64_t t;

	if (s == NULL)
		return KX_UNSET_TIME;
	if (kx_time_parse(s, &t) != KX_OK) {
		perr(c, n, "%s=\"%s\" is not YYYY-MM-DD or "
		    "YYYY-MM-DDThh:mm:ssZ", name, s);
		return KX_UNSET_TIME;
	}
	if (end && strlen(s) == 10)
		t += 86399;
	return t;
}

static long
attr_uint(struct pctx *c, const xmlNode *n, const char *name, long max,
    int hex)
{
	const char *s = attr_req(c, n, name);
	unsigned long long v;
	uint8_t b[1];
	size_t len;

	if (s == NULL)
		return -1;
	if (hex) {
		if (kxi_hex_decode_buf(s, b, sizeof(b), &len) != KX_OK ||
		    len != 1) {
			perr(c, n, "%s=\"%s\" is not one hex byte", name, s);
			return -1;
		}
		v = b[0];
	} else if (kxi_parse_uint(s, (unsigned long long)max, &v) != KX_OK) {
		perr(c, n, "%s=\"%s\" is not a number 0-%ld", name, s, max);
		return -1;
	}
	if ((long long)v > max) {
		perr(c, n, "%s=\"%s\" is above %ld", name, s, max);
		return -1;
	}
	return (long)v;
}

/* A white-space separated list of model names into a bit mask. */
static uint32_t
attr_names(struct pctx *c, const xmlNode *n, const char *name,
    enum kx_enum_type t)
{
	const char *s = attr(c, n, name), *e;
	char word[64];
	uint32_t mask = 0;
	size_t len;
	int v;

	if (s == NULL)
		return 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e != '\0' && *e != ' ' && *e != '\t' &&
		    *e != '\n' && *e != '\r'; e++)
			;
		len = (size_t)(e - s);
		if (len >= sizeof(word)) {
			perr(c, n, "%s: name too long", name);
			return 0;
		}
		memcpy(word, s, len);
		word[len] = '\0';
		v = kx_value(t, word);
		if (v < 0 || v >= 32) {
			perr(c, n, "%s: unknown name \"%s\"", name, word);
			return 0;
		}
		mask |= 1u << v;
		s = e;
	}
	if (mask == 0)
		perr(c, n, "%s is empty", name);
	return mask;
}

static void
read_match(struct pctx *c, const xmlNode *n, struct kxi_pol_match *m)
{
	m->roles = attr_names(c, n, "roles", KX_ENUM_ROLE);
	m->algs = attr_names(c, n, "algorithms", KX_ENUM_ALG);
	m->classes = attr_names(c, n, "classes", KX_ENUM_CLASS);
	m->usage = attr_names(c, n, "usages", KX_ENUM_USAGE);
	m->usage_any = attr_names(c, n, "any-usage", KX_ENUM_USAGE);
	m->scps = attr_names(c, n, "scps", KX_ENUM_SCP);
}

/* Grow an arena array by one (bounded), or NULL with c->rc set. */
static void *
push(struct pctx *c, const xmlNode *n, void **arr, size_t *cnt,
    size_t elsize)
{
	void *e;

	if (*cnt >= POLICY_MAX_ROWS) {
		kxi_loc loc = { 0, 0, -1 };
		long line = xmlGetLineNo(n);

		loc.line = line > 0 ? (uint32_t)line : 0;
		kxi_diag_add(c->d, "KX002", KX_SEV_ERROR, KX_ELIMIT, c->name,
		    &loc, NULL, "policy: more than %d <%s> elements",
		    POLICY_MAX_ROWS, (const char *)n->name);
		c->rc = KX_ELIMIT;
		return NULL;
	}
	if ((e = kxi_array_push(&c->p->arena, arr, cnt, elsize)) == NULL)
		c->rc = KX_ENOMEM;
	return e;
}

#define PUSH(c, n, arr, cnt) \
	push((c), (n), (void **)&(arr), &(cnt), sizeof(*(arr)))

static void
read_severity(struct pctx *c, const xmlNode *n)
{
	static const struct {
		const char *name;
		int sev;
	} levels[] = {
		{ "error", KX_SEV_ERROR }, { "warning", KX_SEV_WARNING },
		{ "note", KX_SEV_NOTE }, { "off", KXI_SEV_OFF },
	};
	const char *rule = attr_req(c, n, "rule");
	const char *level = attr_req(c, n, "level");
	struct kxi_pol_sev *e;
	size_t i;

	if (rule == NULL || level == NULL)
		return;
	if (kx_rule_find(rule) == NULL) {
		perr(c, n, "unknown rule %s", rule);
		return;
	}
	if (kxi_rule_fixed(rule)) {
		perr(c, n, "rule %s checks the key values themselves: no "
		    "policy changes it", rule);
		return;
	}
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(levels[i].name, level) == 0)
			break;
	if (i == sizeof(levels) / sizeof(levels[0])) {
		perr(c, n, "level \"%s\" is not error, warning, note or off",
		    level);
		return;
	}
	if ((e = PUSH(c, n, c->p->sevs, c->p->nsevs)) == NULL)
		return;
	snprintf(e->rule, sizeof(e->rule), "%s", rule);
	e->sev = levels[i].sev;
}

static void
read_min(struct pctx *c, const xmlNode *n, int wrap)
{
	struct kxi_pol_min *e;
	long bits = attr_uint(c, n, "bits", 1024, 0);
	int64_t from = attr_time(c, n, "from", 0, 0);

	if (bits < 0)
		return;
	e = wrap ? PUSH(c, n, c->p->min_wrap, c->p->nmin_wrap) :
	    PUSH(c, n, c->p->min_strength, c->p->nmin_strength);
	if (e == NULL)
		return;
	e->bits = (unsigned)bits;
	e->from = from;
}

static void
read_transition(struct pctx *c, const xmlNode *n)
{
	const char *alg = attr_req(c, n, "algorithm");
	int64_t after = attr_time(c, n, "protect-disallowed-after", 1, 1);
	struct kxi_pol_transition *e;
	int a;

	if (alg == NULL || after == KX_UNSET_TIME)
		return;
	if ((a = kx_value(KX_ENUM_ALG, alg)) <= KX_ALG_NONE) {
		perr(c, n, "unknown algorithm \"%s\"", alg);
		return;
	}
	if ((e = PUSH(c, n, c->p->transitions, c->p->ntransitions)) == NULL)
		return;
	e->alg = (enum kx_alg)a;
	e->after = after;
}

static int64_t
attr_duration(struct pctx *c, const xmlNode *n, const char *name,
    const char **text)
{
	const char *s = attr(c, n, name);
	int64_t secs;

	*text = s;
	if (s == NULL)
		return -1;
	if (kxi_duration_parse(s, &secs) != KX_OK || secs <= 0) {
		perr(c, n, "%s=\"%s\" is not a positive ISO 8601 duration",
		    name, s);
		return -1;
	}
	return secs;
}

static void
read_period(struct pctx *c, const xmlNode *n)
{
	struct kxi_pol_period *e;

	if ((e = PUSH(c, n, c->p->periods, c->p->nperiods)) == NULL)
		return;
	read_match(c, n, &e->m);
	e->originator = attr_duration(c, n, "originator",
	    &e->originator_text);
	e->total = attr_duration(c, n, "total", &e->total_text);
	e->source = attr(c, n, "source");
	if (e->originator_text == NULL && e->total_text == NULL)
		perr(c, n, "<max-cryptoperiod> needs originator or total");
}

static void
read_disallow_wrap(struct pctx *c, const xmlNode *n)
{
	const char *alg = attr_req(c, n, "algorithm");
	int a;

	if (alg == NULL)
		return;
	if ((a = kx_value(KX_ENUM_WRAP_ALG, alg)) <= KX_WRAP_NONE || a >= 32) {
		perr(c, n, "unknown wrap algorithm \"%s\"", alg);
		return;
	}
	c->p->disallowed_wraps |= 1u << a;
}

static void
read_forbid(struct pctx *c, const xmlNode *n)
{
	struct kxi_pol_forbid *e;

	if ((e = PUSH(c, n, c->p->forbids, c->p->nforbids)) == NULL)
		return;
	read_match(c, n, &e->m);
	e->reason = attr_req(c, n, "reason");
	if (e->m.roles == 0 && e->m.algs == 0 && e->m.classes == 0 &&
	    e->m.usage == 0 && e->m.usage_any == 0 && e->m.scps == 0)
		perr(c, n, "<forbid> without a selector would forbid every "
		    "key");
}

static void
read_kvn(struct pctx *c, const xmlNode *n)
{
	struct kxi_pol_kvn *e;
	long lo = attr_uint(c, n, "min", 0xFF, 1);
	long hi = attr_uint(c, n, "max", 0xFF, 1);
	uint32_t roles = attr_names(c, n, "roles", KX_ENUM_ROLE);

	if (lo < 0 || hi < 0)
		return;
	if (lo > hi) {
		perr(c, n, "kvn range %02lX-%02lX is empty", lo, hi);
		return;
	}
	if ((e = PUSH(c, n, c->p->kvns, c->p->nkvns)) == NULL)
		return;
	e->roles = roles;
	e->min = (int)lo;
	e->max = (int)hi;
}

static void
read_kid(struct pctx *c, const xmlNode *n)
{
	struct kxi_pol_kid *e;
	const char *role = attr_req(c, n, "role");
	long kid = attr_uint(c, n, "kid", 0x7F, 1);
	int r;

	if (role == NULL || kid < 0)
		return;
	if ((r = kx_value(KX_ENUM_ROLE, role)) <= KX_ROLE_NONE) {
		perr(c, n, "unknown role \"%s\"", role);
		return;
	}
	if (kid < 1) {
		perr(c, n, "kid 00 is not a key identifier");
		return;
	}
	if ((e = PUSH(c, n, c->p->kids, c->p->nkids)) == NULL)
		return;
	e->role = (enum kx_role)r;
	e->kid = (int)kid;
}

static void
read_waiver(struct pctx *c, const xmlNode *n)
{
	struct kxi_pol_waiver *e;
	const char *rule = attr_req(c, n, "rule");
	const char *key = attr_req(c, n, "key");
	const char *reason = attr_req(c, n, "reason");
	int64_t until = attr_time(c, n, "until", 1, 0);

	if (rule == NULL || key == NULL || reason == NULL)
		return;
	if (kx_rule_find(rule) == NULL) {
		perr(c, n, "unknown rule %s", rule);
		return;
	}
	if (kxi_rule_fixed(rule)) {
		perr(c, n, "rule %s checks the key values themselves: no "
		    "policy changes it", rule);
		return;
	}
	if (reason[0] == '\0') {
		perr(c, n, "a waiver needs a reason");
		return;
	}
	if ((e = PUSH(c, n, c->p->waivers, c->p->nwaivers)) == NULL)
		return;
	snprintf(e->rule, sizeof(e->rule), "%s", rule);
	e->key = key;
	e->reason = reason;
	e->until = until;
}

static char *
text_of(struct pctx *c, const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s;

	if (t == NULL)
		return NULL;
	s = kxi_strdup(&c->p->arena, (const char *)t);
	xmlFree(t);
	if (s == NULL)
		c->rc = KX_ENOMEM;
	return s;
}

static void
read_root(struct pctx *c, const xmlNode *root)
{
	static const struct {
		const char *name;
		void (*fn)(struct pctx *, const xmlNode *);
	} els[] = {
		{ "severity", read_severity },
		{ "transition", read_transition },
		{ "max-cryptoperiod", read_period },
		{ "disallow-wrap", read_disallow_wrap },
		{ "forbid", read_forbid },
		{ "gp-kvn-range", read_kvn },
		{ "gp-kid", read_kid },
		{ "waiver", read_waiver },
	};
	const xmlNode *n;
	size_t i;

	if (!is_el(root, "policy")) {
		perr(c, root, "root element is not {%s}policy", KX_POLICY_NS);
		return;
	}
	c->p->name = attr_req(c, root, "name");
	for (n = root->children; n != NULL && c->rc != KX_ENOMEM; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(n, "description")) {
			c->p->description = text_of(c, n);
			continue;
		}
		if (is_el(n, "min-strength")) {
			read_min(c, n, 0);
			continue;
		}
		if (is_el(n, "min-wrap-strength")) {
			read_min(c, n, 1);
			continue;
		}
		for (i = 0; i < sizeof(els) / sizeof(els[0]); i++)
			if (is_el(n, els[i].name)) {
				els[i].fn(c, n);
				break;
			}
		if (i == sizeof(els) / sizeof(els[0]))
			perr(c, n, "unknown element <%s>",
			    (const char *)n->name);
	}
}

int
kx_policy_read(const uint8_t *buf, size_t len, const char *name,
    kx_policy **out, kx_diag *d)
{
	struct pctx c;
	xmlDoc *x = NULL;
	int r = KX_EINTERNAL;

	if (out == NULL || (buf == NULL && len != 0))
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.d = d;
	if (len > POLICY_MAX_INPUT) {
		r = kxi_diag_add(d, "KX001", KX_SEV_ERROR, KX_ELIMIT, name,
		    NULL, NULL, "policy: larger than %zu bytes",
		    POLICY_MAX_INPUT);
		goto out;
	}
	if ((r = kxi_xml_parse(buf, len, name, &x, d)) != KX_OK)
		goto out;
	if ((r = kxi_xml_schema_validate(x, "policy.xsd", name, d)) !=
	    KX_OK)
		goto out;
	if ((c.p = calloc(1, sizeof(*c.p))) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "policy: out of memory");
		goto out;
	}
	c.p->arena.max = POLICY_MAX_INPUT * 4;
	read_root(&c, xmlDocGetRootElement(x));
	if ((r = c.rc) != KX_OK) {
		if (r == KX_ENOMEM)
			KX_FAIL(d, r, "policy: out of memory");
		goto out;
	}
	*out = c.p;
	c.p = NULL;
	r = KX_OK;
out:
	kx_policy_free(c.p);
	xmlFreeDoc(x);
	return r;
}

int
kx_policy_read_file(const char *path, kx_policy **out, kx_diag *d)
{
	kx_buf b = { 0 };
	int r;

	if (out == NULL || path == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	if ((r = kx_file_read(path, POLICY_MAX_INPUT, &b, d)) == KX_OK)
		r = kx_policy_read(b.data, b.len,
		    strcmp(path, "-") == 0 ? "<stdin>" : path, out, d);
	kx_buf_free(&b);
	return r;
}
