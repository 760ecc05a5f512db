/*
 * model.c - the hub: document, key and transport-key records, model
 * defaults, and the arena all of a document's strings and lists live in.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

#define KX_ARENA_CHUNK ((size_t)64 << 10)
#define KX_MAX_KEYS ((size_t)1 << 26)

struct kxi_chunk {
	kxi_chunk *next;
	size_t size, used;
	/* data follows, 16-aligned */
	_Alignas(16) unsigned char data[];
};

void *
kxi_alloc(kxi_arena *a, size_t n)
{
	kxi_chunk *c;
	size_t need, size;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (a->max != 0 && (n > a->max || a->total > a->max - n))
		return NULL;
	c = a->head;
	if (c == NULL || c->size - c->used < n) {
		need = n > KX_ARENA_CHUNK ? n : KX_ARENA_CHUNK;
		size = sizeof(*c) + need;
		if ((c = malloc(size)) == NULL)
			return NULL;
		c->size = need;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	a->total += n;
	memset(p, 0, n);
	return p;
}

void *
kxi_memdup(kxi_arena *a, const void *p, size_t n)
{
	void *q;

	if (p == NULL)
		return NULL;
	if ((q = kxi_alloc(a, n)) != NULL && n > 0)
		memcpy(q, p, n);
	return q;
}

char *
kxi_strndup(kxi_arena *a, const char *s, size_t n)
{
	char *q;

	if (s == NULL || n == SIZE_MAX)
		return NULL;
	if ((q = kxi_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(q, s, n);
	q[n] = '\0';
	return q;
}

char *
kxi_strdup(kxi_arena *a, const char *s)
{
	return s == NULL ? NULL : kxi_strndup(a, s, strlen(s));
}

void
kxi_arena_free(kxi_arena *a)
{
	kxi_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (a->wipe)
			OPENSSL_cleanse(c->data, c->used);
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}

void
kxi_arena_reset(kxi_arena *a)
{
	kxi_chunk *keep = NULL, *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (a->wipe)
			OPENSSL_cleanse(c->data, c->used);
		if (keep == NULL && c->size == KX_ARENA_CHUNK) {
			keep = c;
			continue;
		}
		free(c);
	}
	if (keep != NULL) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
	a->total = 0;
	a->wipe = false;
}

void *
kxi_array_push(kxi_arena *a, void **arr, size_t *n, size_t elsize)
{
	unsigned char *q;

	/* Arena arrays grow by doubling at powers of two. */
	if (*n == SIZE_MAX / 2 / elsize)
		return NULL;
	if (*n == 0 || (*n & (*n - 1)) == 0) {
		size_t cap = *n == 0 ? 1 : *n * 2;

		if ((q = kxi_alloc(a, cap * elsize)) == NULL)
			return NULL;
		if (*n > 0)
			memcpy(q, *arr, *n * elsize);
		*arr = q;
	}
	q = (unsigned char *)*arr + *n * elsize;
	memset(q, 0, elsize);
	(*n)++;
	return q;
}

int
kxi_strlist_add(kxi_arena *a, kxi_strlist *l, const char *s)
{
	const char **slot;
	const char *copy;

	if ((copy = kxi_strdup(a, s)) == NULL)
		return KX_ENOMEM;
	slot = kxi_array_push(a, (void **)&l->v, &l->n, sizeof(*l->v));
	if (slot == NULL)
		return KX_ENOMEM;
	*slot = copy;
	return KX_OK;
}

void
kxi_profile_init(kxi_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->cls = KX_CLASS_SECRET;
	p->alg = KX_ALG_NONE;
	p->hmac_hash = KX_HASH_NONE;
	p->role = KX_ROLE_NONE;
	p->usage_limit = -1;
	p->gp.key_type = KX_UNSET;
	p->gp.kvn = KX_UNSET;
	p->gp.kid = KX_UNSET;
	p->gp.kuq = KX_UNSET;
	p->gp.access = KX_UNSET;
	p->gp.scp_i = KX_UNSET;
	p->not_before = p->not_after = KX_UNSET_TIME;
	p->protect_until = p->process_until = KX_UNSET_TIME;
	p->state = KX_STATE_ACTIVE;
	p->state_since = p->revoked_at = p->created = KX_UNSET_TIME;
	p->revocation_reason = KX_REV_NONE;
	p->mode = KX_KEYMODE_PRODUCTION;
	p->export_.allowed = false;
	p->export_.min_wrap_strength = KX_UNSET;
	p->export_.trusted_kek_only = KXI_TRI_UNSET;
	p->sensitive = true;
	p->import_.allowed = true;
	p->provenance.always_sensitive = KXI_TRI_UNSET;
	p->provenance.never_exported = KXI_TRI_UNSET;
	p->permanent = KXI_TRI_UNSET;
	p->split.dual_control = KXI_TRI_UNSET;
}

void
kxi_key_init(kx_key *k)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	kxi_profile_init(&k->prof);
	k->value.form = KX_VALUE_NONE;
	k->kcv_method = KX_KCV_NONE;
	for (i = 0; i < KXF__N; i++)
		k->loc[i].off = -1;
}

kx_doc *
kxi_doc_new(void)
{
	kx_doc *doc;

	if ((doc = calloc(1, sizeof(*doc))) == NULL)
		return NULL;
	doc->model_version = KX_MODEL_VERSION;
	doc->created = KX_UNSET_TIME;
	doc->loc.off = -1;
	return doc;
}

kx_key *
kxi_doc_add_key(kx_doc *doc)
{
	kx_key *k;

	if (doc->nkeys == doc->keys_cap) {
		size_t cap = doc->keys_cap ? doc->keys_cap * 2 : 8;

		if (cap > KX_MAX_KEYS)
			return NULL;
		k = realloc(doc->keys, cap * sizeof(*k));
		if (k == NULL)
			return NULL;
		doc->keys = k;
		doc->keys_cap = cap;
	}
	k = &doc->keys[doc->nkeys++];
	kxi_key_init(k);
	k->arena = &doc->arena;
	return k;
}

kxi_tk *
kxi_doc_add_tk(kx_doc *doc)
{
	kxi_tk *t;

	if (doc->ntks == doc->tks_cap) {
		size_t cap = doc->tks_cap ? doc->tks_cap * 2 : 4;

		if (cap > 4096)
			return NULL;
		t = realloc(doc->tks, cap * sizeof(*t));
		if (t == NULL)
			return NULL;
		doc->tks = t;
		doc->tks_cap = cap;
	}
	t = &doc->tks[doc->ntks++];
	memset(t, 0, sizeof(*t));
	t->kcv_method = KX_KCV_NONE;
	t->loc.off = -1;
	return t;
}

const kxi_loc *
kxi_key_loc(const kx_key *k, enum kxi_field f)
{
	const kxi_loc *l = &k->loc[f];

	if (l->line == 0 && l->off < 0)
		l = &k->loc[KXF_KEY];
	return l;
}

const kxi_tk *
kxi_doc_find_tk(const kx_doc *doc, const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < doc->ntks; i++)
		if (doc->tks[i].id != NULL && strcmp(doc->tks[i].id, id) == 0)
			return &doc->tks[i];
	return NULL;
}

const kxi_part *
kxi_value_part(const kxi_keyval *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->nparts; i++)
		if (strcmp(v->parts[i].name, name) == 0)
			return &v->parts[i];
	return NULL;
}

const kx_key *
kxi_doc_find_key(const kx_doc *doc, const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < doc->nkeys; i++)
		if (doc->keys[i].prof.id != NULL &&
		    strcmp(doc->keys[i].prof.id, id) == 0)
			return &doc->keys[i];
	return NULL;
}

void
kx_doc_free(kx_doc *doc)
{
	size_t i;

	if (doc == NULL)
		return;
	/* Clear test values (and parts) live in the arena: wipe it then. */
	for (i = 0; i < doc->nkeys; i++)
		if (doc->keys[i].value.clear.p != NULL ||
		    (doc->keys[i].value.form == KX_VALUE_CLEAR &&
		    doc->keys[i].value.nparts > 0))
			doc->arena.wipe = true;
	kxi_arena_free(&doc->arena);
	free(doc->keys);
	free(doc->tks);
	free(doc);
}

size_t
kx_doc_key_count(const kx_doc *doc)
{
	return doc == NULL ? 0 : doc->nkeys;
}

const kx_key *
kx_doc_key(const kx_doc *doc, size_t i)
{
	if (doc == NULL || i >= doc->nkeys)
		return NULL;
	return &doc->keys[i];
}

int
kx_key_is_protected(const kx_key *k)
{
	return k == NULL || k->prof.mode == KX_KEYMODE_PRODUCTION ||
	    k->prof.sensitive;
}

int
kx_key_has_clear(const kx_key *k)
{
	return k != NULL && (k->value.clear.n > 0 ||
	    k->value.form == KX_VALUE_CLEAR);
}

int
kx_doc_has_clear(const kx_doc *doc)
{
	size_t i;

	for (i = 0; doc != NULL && i < doc->nkeys; i++)
		if (kx_key_has_clear(&doc->keys[i]))
			return 1;
	return 0;
}

int
kx_doc_has_values(const kx_doc *doc)
{
	size_t i;

	for (i = 0; doc != NULL && i < doc->nkeys; i++)
		if (doc->keys[i].value.clear.n > 0 ||
		    doc->keys[i].value.form != KX_VALUE_NONE)
			return 1;
	return 0;
}

size_t
kx_doc_extension_count(const kx_doc *doc)
{
	return doc == NULL ? 0 : doc->nextensions;
}

const char *
kx_doc_id(const kx_doc *doc)
{
	return doc == NULL ? NULL : doc->id;
}
