/*
 * diag.c - findings: rule, severity, place and a one-line message.
 * Messages never carry key material (callers pass KCVs at most).
 *
 * Storage is bounded: past KX_DIAG_MAX_FINDINGS stored findings, notes and
 * warnings are only counted; errors are still stored until twice that
 * many findings are held, and only counted after that.  Every finding is
 * counted per severity whether it is stored or not, so a verdict taken
 * from kx_diag_count_at() never misses an error, and the reports say how
 * many findings were not stored (kx_diag_dropped()).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "internal.h"

#define KX_MSG_MAX 512

struct kx_diag {
	kx_finding *v;
	const void **about;	/* per finding: what it is about, or NULL */
	size_t n, cap;
	size_t total[KX_SEV_ERROR + 1];	/* every finding, stored or not */
	size_t dropped[KX_SEV_ERROR + 1];	/* counted, not stored */
	int strict;		/* "not checked" notes are errors */
	kxi_arena arena;	/* strings of the findings */
};

kx_diag *
kx_diag_new(void)
{
	return calloc(1, sizeof(struct kx_diag));
}

void
kx_diag_clear(kx_diag *d)
{
	if (d == NULL)
		return;
	kxi_arena_free(&d->arena);
	d->n = 0;
	memset(d->total, 0, sizeof(d->total));
	memset(d->dropped, 0, sizeof(d->dropped));
}

void
kx_diag_free(kx_diag *d)
{
	if (d == NULL)
		return;
	kxi_arena_free(&d->arena);
	free(d->v);
	free(d->about);
	free(d);
}

size_t
kx_diag_count(const kx_diag *d)
{
	return d == NULL ? 0 : d->n;
}

static enum kx_severity
sev_index(enum kx_severity s)
{
	return (unsigned)s > KX_SEV_ERROR ? KX_SEV_ERROR : s;
}

size_t
kx_diag_count_at(const kx_diag *d, enum kx_severity min)
{
	size_t c = 0;
	int s;

	if (d == NULL)
		return 0;
	for (s = KX_SEV_ERROR; s >= (int)sev_index(min); s--)
		c += d->total[s];
	return c;
}

void
kx_diag_set_strict(kx_diag *d, int strict)
{
	if (d != NULL)
		d->strict = strict != 0;
}

size_t
kx_diag_dropped(const kx_diag *d, enum kx_severity sev)
{
	return d == NULL ? 0 : d->dropped[sev_index(sev)];
}

/* Mark the finding just added (if it was stored) as about `about'. */
static void
mark_last(kx_diag *d, size_t n0, const void *about)
{
	if (d != NULL && about != NULL && d->n > n0)
		d->about[d->n - 1] = about;
}

void
kxi_diag_merge(kx_diag *d, const kx_diag *from)
{
	const kx_finding *f;
	size_t i, n0;

	if (d == NULL || from == NULL)
		return;
	for (i = 0; i < from->n; i++) {
		f = &from->v[i];
		n0 = d->n;
		kxi_diag_add(d, f->rule, f->severity, f->rc, f->file,
		    &(kxi_loc){ f->line, f->col, f->offset }, f->key_id, "%s",
		    f->message);
		mark_last(d, n0, from->about[i]);
	}
	kxi_diag_merge_dropped(d, from);
}

void
kxi_diag_merge_dropped(kx_diag *d, const kx_diag *from)
{
	int s;

	if (d == NULL || from == NULL)
		return;
	for (s = KX_SEV_NOTE; s <= KX_SEV_ERROR; s++) {
		d->total[s] += from->dropped[s];
		d->dropped[s] += from->dropped[s];
	}
}

const kx_finding *
kx_diag_get(const kx_diag *d, size_t i)
{
	if (d == NULL || i >= d->n)
		return NULL;
	return &d->v[i];
}

/* Keep messages on one line: control characters become spaces. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

void
kxi_diag_retell(kx_diag *d, const void *about, const char *fmt, ...)
{
	char msg[KX_MSG_MAX];
	const char *m = NULL;
	va_list ap;
	size_t i;

	if (d == NULL || about == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		if (d->about[i] != about)
			continue;
		if (m == NULL) {
			va_start(ap, fmt);
			vsnprintf(msg, sizeof(msg), fmt, ap);
			va_end(ap);
			one_line(msg);
			if ((m = kxi_strdup(&d->arena, msg)) == NULL)
				return;
		}
		d->v[i].message = m;
	}
}

int
kxi_diag_add(kx_diag *d, const char *rule, enum kx_severity sev, int rc,
    const char *file, const kxi_loc *loc, const char *key_id,
    const char *fmt, ...)
{
	char msg[KX_MSG_MAX];
	kx_finding *f;
	va_list ap;

	if (d == NULL)
		return rc;
	sev = sev_index(sev);
	/* a rule that could not be evaluated fails a strict run */
	if (d->strict && sev == KX_SEV_NOTE && rc == KX_EUNSUPPORTED &&
	    rule != NULL && rule[0] != '\0')
		sev = KX_SEV_ERROR;
	d->total[sev]++;
	if (d->n >= KX_DIAG_MAX_FINDINGS * (sev == KX_SEV_ERROR ? 2 : 1))
		goto drop;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		const void **ab;

		if ((f = realloc(d->v, cap * sizeof(*f))) == NULL)
			goto drop;
		d->v = f;
		if ((ab = realloc(d->about, cap * sizeof(*ab))) == NULL)
			goto drop;
		d->about = ab;
		d->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	one_line(msg);
	f = &d->v[d->n];
	memset(f, 0, sizeof(*f));
	d->about[d->n] = NULL;
	if (rule != NULL)
		snprintf(f->rule, sizeof(f->rule), "%s", rule);
	f->severity = sev;
	f->rc = rc;
	f->file = kxi_strdup(&d->arena, file);
	f->offset = -1;
	if (loc != NULL) {
		f->line = loc->line;
		f->col = loc->col;
		f->offset = loc->off;
	}
	f->key_id = kxi_strdup(&d->arena, key_id);
	if ((f->message = kxi_strdup(&d->arena, msg)) == NULL)
		goto drop;
	d->n++;
	return rc;
drop:
	d->dropped[sev]++;	/* counted all the same */
	return rc;
}

void
kxi_diag_mark(const kx_diag *d, struct kxi_diag_mark *m)
{
	memset(m, 0, sizeof(*m));
	if (d == NULL)
		return;
	m->n = d->n;
	memcpy(m->total, d->total, sizeof(m->total));
	memcpy(m->dropped, d->dropped, sizeof(m->dropped));
}

void
kxi_diag_back(kx_diag *d, const struct kxi_diag_mark *m)
{
	if (d == NULL || m->n > d->n)
		return;
	d->n = m->n;	/* their strings stay in the arena until cleared */
	memcpy(d->total, m->total, sizeof(d->total));
	memcpy(d->dropped, m->dropped, sizeof(d->dropped));
}

int
kxi_diag_openssl(kx_diag *d, int rc, const char *what)
{
	char buf[256] = "";
	unsigned long e;

	/* Keep the first reason; drain and drop the rest of the queue. */
	if ((e = ERR_get_error()) != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	if (buf[0] != '\0')
		return KX_FAIL(d, rc, "%s: %s", what, buf);
	return KX_FAIL(d, rc, "%s", what);
}

void
kxi_misuse(const char *func, const char *what)
{
	fprintf(stderr, "libkmsxchg: %s: misuse: %s\n", func, what);
	abort();
}

/*
 * The findings of readers and writers (and of strict.c) by kind: the hub,
 * not the spoke, maps each kind to its rule.
 */
static const struct {
	const char *rule;	/* rules.def id, NULL for none */
	enum kx_severity sev;
} facts[KXI_FACT__N] = {
	[KXI_MALFORMED] = { "KX001", KX_SEV_ERROR },
	[KXI_SCHEMA] = { "KX002", KX_SEV_ERROR },
	[KXI_IGNORED] = { "KX003", KX_SEV_WARNING },
	[KXI_LEGACY] = { "KX004", KX_SEV_WARNING },
	[KXI_NOT_CARRIED] = { "KX009", KX_SEV_WARNING },
	[KXI_TK_RECORD] = { "KX133", KX_SEV_ERROR },
	[KXI_ASSUMED] = { NULL, KX_SEV_NOTE },
};

/* kxi_fact, marked as about `about' (may be NULL). */
static int
vfact(kx_diag *d, enum kxi_fact f, int rc, const char *file,
    const kxi_loc *loc, const char *key_id, const void *about,
    const char *fmt, va_list ap)
{
	char msg[512];
	size_t n0 = d != NULL ? d->n : 0;

	if ((unsigned)f >= KXI_FACT__N)
		kxi_misuse("kxi_fact", "unknown kind of finding");
	vsnprintf(msg, sizeof(msg), fmt, ap);
	rc = kxi_diag_add(d, facts[f].rule, facts[f].sev, rc, file, loc,
	    key_id, "%s", msg);
	mark_last(d, n0, about);
	return rc;
}

int
kxi_fact(kx_diag *d, enum kxi_fact f, int rc, const char *file,
    const kxi_loc *loc, const char *key_id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = vfact(d, f, rc, file, loc, key_id, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int
kxi_fact_about(kx_diag *d, enum kxi_fact f, int rc, const char *file,
    const kxi_loc *loc, const char *key_id, const void *about,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = vfact(d, f, rc, file, loc, key_id, about, fmt, ap);
	va_end(ap);
	return rc;
}
