/*
 * api.c - the public builder and field getters of a document and its
 * keys (kmsxchg.h, "building and reading documents"): what the PKCS#11
 * spoke and outside callers use instead of the model's structs.  Every
 * setter checks its value against the model and copies into the
 * document's arena; every getter borrows.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "internal.h"

/* A required pointer: abort through the one misuse path. */
#define NEED(p, func) do { \
	if ((p) == NULL) \
		kxi_misuse((func), "NULL argument"); \
} while (0)

/* The mask of every bit below n. */
static uint32_t
all_bits(int n)
{
	return n >= 32 ? UINT32_MAX : (UINT32_C(1) << n) - 1;
}

static int
in_enum(enum kx_enum_type t, int v)
{
	return v >= 0 && v < kx_enum_count(t);
}

static int
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* A setter's key and enumeration value: KX_OK, KX_EUSAGE or abort. */
static int
enum_ok(const kx_key *k, enum kx_enum_type t, int v, const char *func)
{
	NEED(k, func);
	return in_enum(t, v) ? KX_OK : KX_EUSAGE;
}

/* ---- documents ------------------------------------------------------ */

int
kx_doc_new(const char *id, int64_t created, const char *sender,
    kx_doc **out)
{
	kx_doc *doc;

	if (id == NULL || sender == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	if (!nonempty(id) || !nonempty(sender) || created == KX_TIME_UNSET)
		return KX_EUSAGE;
	if ((doc = kxi_doc_new()) == NULL)
		return KX_ENOMEM;
	doc->created = created;
	if ((doc->id = kxi_strdup(&doc->arena, id)) == NULL ||
	    (doc->sender = kxi_strdup(&doc->arena, sender)) == NULL) {
		kx_doc_free(doc);
		return KX_ENOMEM;
	}
	*out = doc;
	return KX_OK;
}

int
kx_doc_add_recipient(kx_doc *doc, const char *name)
{
	if (doc == NULL || name == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (!nonempty(name))
		return KX_EUSAGE;
	return kxi_strlist_add(&doc->arena, &doc->recipients, name);
}

int
kx_doc_set_comment(kx_doc *doc, const char *text)
{
	const char *c = NULL;

	NEED(doc, __func__);
	if (text != NULL && text[0] == '\0')
		return KX_EUSAGE;
	if (text != NULL && (c = kxi_strdup(&doc->arena, text)) == NULL)
		return KX_ENOMEM;
	doc->comment = c;
	return KX_OK;
}

int64_t
kx_doc_created(const kx_doc *doc)
{
	return doc == NULL ? KX_TIME_UNSET : doc->created;
}

const char *
kx_doc_sender(const kx_doc *doc)
{
	return doc == NULL ? NULL : doc->sender;
}

const char *
kx_doc_comment(const kx_doc *doc)
{
	return doc == NULL ? NULL : doc->comment;
}

size_t
kx_doc_recipient_count(const kx_doc *doc)
{
	return doc == NULL ? 0 : doc->recipients.n;
}

const char *
kx_doc_recipient(const kx_doc *doc, size_t i)
{
	if (doc == NULL || i >= doc->recipients.n)
		return NULL;
	return doc->recipients.v[i];
}

int
kx_doc_add_key(kx_doc *doc, const char *id, kx_key **out)
{
	kx_key *k;
	const char *copy;

	if (doc == NULL || id == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (out != NULL)
		*out = NULL;
	if (!nonempty(id) || kxi_doc_find_key(doc, id) != NULL)
		return KX_EUSAGE;
	if ((copy = kxi_strdup(&doc->arena, id)) == NULL)
		return KX_ENOMEM;
	if ((k = kxi_doc_add_key(doc)) == NULL)
		return KX_ELIMIT;
	k->prof.id = copy;
	if (out != NULL)
		*out = k;
	return KX_OK;
}

kx_key *
kx_doc_key_mut(kx_doc *doc, size_t i)
{
	if (doc == NULL || i >= doc->nkeys)
		return NULL;
	return &doc->keys[i];
}

/* ---- key: algorithm, usage, life cycle ------------------------------ */

int
kx_key_alg(const kx_key *k)
{
	return k == NULL ? -1 : (int)k->prof.alg;
}

unsigned
kx_key_length_bits(const kx_key *k)
{
	return k == NULL ? 0 : k->prof.length_bits;
}

int
kx_key_set_alg(kx_key *k, enum kx_alg alg, unsigned length_bits)
{
	int rc = enum_ok(k, KX_ENUM_ALG, (int)alg, __func__);

	if (rc == KX_OK) {
		k->prof.alg = alg;
		k->prof.length_bits = length_bits;
	}
	return rc;
}

int
kx_key_class(const kx_key *k)
{
	return k == NULL ? -1 : (int)k->prof.cls;
}

int
kx_key_set_class(kx_key *k, enum kx_class c)
{
	int rc = enum_ok(k, KX_ENUM_CLASS, (int)c, __func__);

	if (rc == KX_OK)
		k->prof.cls = c;
	return rc;
}

uint32_t
kx_key_usage(const kx_key *k)
{
	return k == NULL ? 0 : k->prof.usage;
}

int
kx_key_set_usage(kx_key *k, uint32_t mask)
{
	NEED(k, __func__);
	if ((mask & ~all_bits(KX_U__N)) != 0)
		return KX_EUSAGE;
	k->prof.usage = mask;
	return KX_OK;
}

uint32_t
kx_key_modes(const kx_key *k)
{
	return k == NULL ? 0 : k->prof.modes;
}

int
kx_key_set_modes(kx_key *k, uint32_t mask)
{
	NEED(k, __func__);
	if ((mask & ~all_bits(KX_M__N)) != 0)
		return KX_EUSAGE;
	k->prof.modes = mask;
	return KX_OK;
}

int
kx_key_role(const kx_key *k)
{
	return k == NULL ? -1 : (int)k->prof.role;
}

int
kx_key_set_role(kx_key *k, enum kx_role r)
{
	int rc = enum_ok(k, KX_ENUM_ROLE, (int)r, __func__);

	if (rc == KX_OK)
		k->prof.role = r;
	return rc;
}

int64_t
kx_key_not_before(const kx_key *k)
{
	return k == NULL ? KX_TIME_UNSET : k->prof.not_before;
}

int64_t
kx_key_not_after(const kx_key *k)
{
	return k == NULL ? KX_TIME_UNSET : k->prof.not_after;
}

int
kx_key_set_validity(kx_key *k, int64_t not_before, int64_t not_after)
{
	NEED(k, __func__);
	if (not_before != KX_TIME_UNSET && not_after != KX_TIME_UNSET &&
	    not_after < not_before)
		return KX_EUSAGE;
	k->prof.not_before = not_before;
	k->prof.not_after = not_after;
	return KX_OK;
}

int
kx_key_state(const kx_key *k)
{
	return k == NULL ? -1 : (int)k->prof.state;
}

int
kx_key_set_state(kx_key *k, enum kx_state s)
{
	int rc = enum_ok(k, KX_ENUM_STATE, (int)s, __func__);

	if (rc == KX_OK)
		k->prof.state = s;
	return rc;
}

int
kx_key_mode(const kx_key *k)
{
	return k == NULL ? -1 : (int)k->prof.mode;
}

int
kx_key_set_mode(kx_key *k, enum kx_keymode m)
{
	int rc = enum_ok(k, KX_ENUM_KEYMODE, (int)m, __func__);

	if (rc == KX_OK)
		k->prof.mode = m;
	return rc;
}

int64_t
kx_key_created(const kx_key *k)
{
	return k == NULL ? KX_TIME_UNSET : k->prof.created;
}

void
kx_key_set_created(kx_key *k, int64_t t)
{
	NEED(k, __func__);
	k->prof.created = t;
}

int
kx_key_sensitive(const kx_key *k)
{
	return k == NULL || k->prof.sensitive;
}

void
kx_key_set_sensitive(kx_key *k, int sensitive)
{
	NEED(k, __func__);
	k->prof.sensitive = sensitive != 0;
}

/* ---- key: text ------------------------------------------------------ */

/* The profile's slot of a text field, or NULL for f out of range. */
static const char **
text_slot(kxi_profile *p, enum kx_key_text f)
{
	switch (f) {
	case KX_KT_NAME:	return &p->name;
	case KX_KT_DESCRIPTION:	return &p->description;
	case KX_KT_OWNER:	return &p->owner;
	case KX_KT_CREATOR:	return &p->creator;
	case KX_KT_HOLDER:	return &p->holder;
	case KX_KT_TEMPLATE:	return &p->template_id;
	case KX_KT_REFERENCE:	return &p->reference;
	case KX_KT_VERSION:	return &p->version;
	case KX_KT_CRYPTOPERIOD: return &p->cryptoperiod;
	case KX_KT__N:		break;
	}
	return NULL;
}

const char *
kx_key_text(const kx_key *k, enum kx_key_text f)
{
	const char **slot;

	if (k == NULL)
		return NULL;
	slot = text_slot((kxi_profile *)(uintptr_t)&k->prof, f);
	return slot == NULL ? NULL : *slot;
}

/* The arena of a key's document; keys not made by a document have none. */
static kxi_arena *
arena_of(kx_key *k, const char *func)
{
	if (k->arena == NULL)
		kxi_misuse(func, "key not of a document");
	return k->arena;
}

int
kx_key_set_text(kx_key *k, enum kx_key_text f, const char *v)
{
	const char **slot;
	const char *copy = NULL;
	int64_t secs;

	NEED(k, __func__);
	if ((slot = text_slot(&k->prof, f)) == NULL ||
	    (v != NULL && v[0] == '\0'))
		return KX_EUSAGE;
	if (v != NULL && f == KX_KT_CRYPTOPERIOD &&
	    kxi_duration_parse(v, &secs) != KX_OK)
		return KX_ESYNTAX;
	if (v != NULL &&
	    (copy = kxi_strdup(arena_of(k, __func__), v)) == NULL)
		return KX_ENOMEM;
	*slot = copy;
	return KX_OK;
}

/* ---- key: export and import restrictions ---------------------------- */

static const char *
list_get(const kxi_strlist *l, size_t i)
{
	return i < l->n ? l->v[i] : NULL;
}

static int
list_add(kx_key *k, kxi_strlist *l, const char *name, const char *func)
{
	if (name == NULL)
		kxi_misuse(func, "NULL argument");
	if (!nonempty(name))
		return KX_EUSAGE;
	return kxi_strlist_add(arena_of(k, func), l, name);
}

int
kx_key_export_allowed(const kx_key *k)
{
	return k != NULL && k->prof.export_.allowed;
}

uint32_t
kx_key_export_forms(const kx_key *k)
{
	return k == NULL ? 0 : k->prof.export_.forms;
}

int
kx_key_set_export(kx_key *k, int allowed, uint32_t forms)
{
	NEED(k, __func__);
	if ((forms & ~all_bits(KX_FORM__N)) != 0)
		return KX_EUSAGE;
	k->prof.export_.allowed = allowed != 0;
	k->prof.export_.forms = forms;
	return KX_OK;
}

size_t
kx_key_export_destination_count(const kx_key *k)
{
	return k == NULL ? 0 : k->prof.export_.destinations.n;
}

const char *
kx_key_export_destination(const kx_key *k, size_t i)
{
	return k == NULL ? NULL : list_get(&k->prof.export_.destinations, i);
}

int
kx_key_add_export_destination(kx_key *k, const char *name)
{
	NEED(k, __func__);
	return list_add(k, &k->prof.export_.destinations, name, __func__);
}

int
kx_key_min_wrap_strength(const kx_key *k)
{
	return k == NULL ? -1 : k->prof.export_.min_wrap_strength;
}

int
kx_key_set_min_wrap_strength(kx_key *k, int bits)
{
	NEED(k, __func__);
	if (bits < -1 || bits > 65536)
		return KX_EUSAGE;
	k->prof.export_.min_wrap_strength = bits < 0 ? KX_UNSET : bits;
	return KX_OK;
}

int
kx_key_trusted_kek_only(const kx_key *k)
{
	return k == NULL ? -1 : (int)k->prof.export_.trusted_kek_only;
}

int
kx_key_set_trusted_kek_only(kx_key *k, int v)
{
	NEED(k, __func__);
	if (v < -1 || v > 1)
		return KX_EUSAGE;
	k->prof.export_.trusted_kek_only = v < 0 ? KXI_TRI_UNSET :
	    v ? KXI_TRI_TRUE : KXI_TRI_FALSE;
	return KX_OK;
}

int
kx_key_import_allowed(const kx_key *k)
{
	return k != NULL && k->prof.import_.allowed;
}

void
kx_key_set_import_allowed(kx_key *k, int allowed)
{
	NEED(k, __func__);
	k->prof.import_.allowed = allowed != 0;
}

size_t
kx_key_import_source_count(const kx_key *k)
{
	return k == NULL ? 0 : k->prof.import_.sources.n;
}

const char *
kx_key_import_source(const kx_key *k, size_t i)
{
	return k == NULL ? NULL : list_get(&k->prof.import_.sources, i);
}

int
kx_key_add_import_source(kx_key *k, const char *name)
{
	NEED(k, __func__);
	return list_add(k, &k->prof.import_.sources, name, __func__);
}

/* ---- key: GlobalPlatform fields -------------------------------------- */

static void
gp_absent(kx_key_gp *g)
{
	memset(g, 0, sizeof(*g));
	g->key_type = g->kvn = g->kid = g->kuq = g->access = -1;
	g->kuq_len = 0;
	g->scp_i = -1;
	g->scp = KX_SCP_NONE;
	g->diversification = KX_DIV_NONE;
}

int
kx_key_gp_get(const kx_key *k, kx_key_gp *out)
{
	const kxi_gp *gp;

	NEED(out, __func__);
	gp_absent(out);
	if (k == NULL || !k->prof.has_gp)
		return 0;
	gp = &k->prof.gp;
	out->key_type = gp->key_type;
	out->kvn = gp->kvn;
	out->kid = gp->kid;
	out->kuq = gp->kuq;
	out->kuq_len = gp->kuq == KX_UNSET ? 0 : gp->kuq_len == 2 ? 2 : 1;
	out->access = gp->access;
	out->scp = gp->scp;
	out->scp_i = gp->scp_i;
	out->sd_aid = gp->sd_aid.p;
	out->sd_aid_len = gp->sd_aid.n;
	out->diversification = gp->diversification;
	return 1;
}

/* -1 (absent) or 0..max */
static int
byte_ok(int v, int max)
{
	return v >= -1 && v <= max;
}

int
kx_key_gp_set(kx_key *k, const kx_key_gp *g)
{
	kxi_gp gp;

	NEED(k, __func__);
	if (g == NULL) {
		memset(&k->prof.gp, 0, sizeof(k->prof.gp));
		k->prof.gp.key_type = k->prof.gp.kvn = k->prof.gp.kid =
		    k->prof.gp.kuq = k->prof.gp.access = k->prof.gp.scp_i =
		    KX_UNSET;
		k->prof.has_gp = false;
		return KX_OK;
	}
	if (!byte_ok(g->key_type, 0xFF) || !byte_ok(g->kvn, 0xFF) ||
	    !byte_ok(g->kid, 0xFF) || !byte_ok(g->access, 0xFF) ||
	    !byte_ok(g->scp_i, 0xFF) ||
	    (g->kuq != -1 && g->kuq_len != 1 && g->kuq_len != 2) ||
	    !byte_ok(g->kuq, g->kuq_len == 2 ? 0xFFFF : 0xFF) ||
	    !in_enum(KX_ENUM_SCP, (int)g->scp) ||
	    (g->scp == KX_SCP_NONE && g->scp_i != -1) ||
	    !in_enum(KX_ENUM_DIVERSIFICATION, (int)g->diversification) ||
	    (g->sd_aid == NULL) != (g->sd_aid_len == 0) ||
	    g->sd_aid_len > 16)
		return KX_EUSAGE;
	memset(&gp, 0, sizeof(gp));
	gp.key_type = g->key_type;
	gp.kvn = g->kvn;
	gp.kid = g->kid;
	gp.kuq = g->kuq;
	gp.kuq_len = g->kuq == -1 ? 0 : g->kuq_len;
	gp.access = g->access;
	gp.scp = g->scp;
	gp.scp_i = g->scp_i;
	gp.diversification = g->diversification;
	if (g->sd_aid != NULL) {
		gp.sd_aid.p = kxi_memdup(arena_of(k, __func__), g->sd_aid,
		    g->sd_aid_len);
		if (gp.sd_aid.p == NULL)
			return KX_ENOMEM;
		gp.sd_aid.n = g->sd_aid_len;
	}
	k->prof.gp = gp;
	k->prof.has_gp = true;
	return KX_OK;
}

/* ---- key: KCV and value ----------------------------------------------- */

int
kx_key_set_kcv(kx_key *k, enum kx_kcv_method method, const uint8_t *kcv,
    size_t len)
{
	size_t min, max;
	uint8_t *copy;

	NEED(k, __func__);
	if (kcv == NULL) {
		k->kcv.p = NULL;
		k->kcv.n = 0;
		k->kcv_method = KX_KCV_NONE;
		return KX_OK;
	}
	if (kx_kcv_len_range(method, &min, &max) != KX_OK || len < min ||
	    len > max)
		return KX_EUSAGE;
	if ((copy = kxi_memdup(arena_of(k, __func__), kcv, len)) == NULL)
		return KX_ENOMEM;
	k->kcv.p = copy;
	k->kcv.n = len;
	k->kcv_method = method;
	return KX_OK;
}

int
kx_key_value_form(const kx_key *k)
{
	return k == NULL ? -1 : (int)k->value.form;
}

const char *
kx_key_value_kek_id(const kx_key *k)
{
	return k == NULL ? NULL : k->value.kek_id;
}
