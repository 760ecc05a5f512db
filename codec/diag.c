/*
 * diag.c - findings: rule, severity, place and a one-line message.
 * Messages never carry key material (callers pass KCVs at most).
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

#define KX_MAX_FINDINGS 100000
#define KX_MSG_MAX 512

struct kx_diag {
	kx_finding *v;
	size_t n, cap;
	size_t dropped;
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
	d->dropped = 0;
}

void
kx_diag_free(kx_diag *d)
{
	if (d == NULL)
		return;
	kxi_arena_free(&d->arena);
	free(d->v);
	free(d);
}

size_t
kx_diag_count(const kx_diag *d)
{
	return d == NULL ? 0 : d->n;
}

size_t
kx_diag_count_at(const kx_diag *d, enum kx_severity min)
{
	size_t i, c = 0;

	if (d == NULL)
		return 0;
	for (i = 0; i < d->n; i++)
		if (d->v[i].severity >= min)
			c++;
	return c;
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

int
kxi_diag_add(kx_diag *d, const char *rule, enum kx_severity sev, int rc,
    const char *file, const kx_loc *loc, const char *key_id,
    const char *fmt, ...)
{
	char msg[KX_MSG_MAX];
	kx_finding *f;
	va_list ap;

	if (d == NULL)
		return rc;
	if (d->n >= KX_MAX_FINDINGS) {
		d->dropped++;
		return rc;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		if ((f = realloc(d->v, cap * sizeof(*f))) == NULL)
			return rc;
		d->v = f;
		d->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	one_line(msg);
	f = &d->v[d->n];
	memset(f, 0, sizeof(*f));
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
		return rc;
	d->n++;
	return rc;
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
