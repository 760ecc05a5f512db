/* kxtest.h - small helpers shared by the CMocka unit tests. */
#ifndef KX_TEST_H
#define KX_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

/* The format rows (defined in codec/formats/, listed in doc.c's table). */
extern const struct kxi_format kxi_format_xml;
extern const struct kxi_format kxi_format_der;
extern const struct kxi_format kxi_format_gp;

/* Path of a file below the source tree ($KX_SRCDIR, else "."). */
static inline const char *
kxt_src(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("KX_SRCDIR");

	snprintf(buf, sizeof(buf), "%s/%s", top ? top : ".", rel);
	return buf;
}

/* Read a whole source-tree file into b (test fails if unreadable). */
static inline void
kxt_slurp(const char *rel, kx_buf *b)
{
	memset(b, 0, sizeof(*b));
	assert_int_equal(kx_file_read(kxt_src(rel), 0, b, NULL), KX_OK);
}

/* Does d hold a finding of rule (at severity >= min)? */
static inline int
kxt_has_rule(const kx_diag *d, const char *rule, enum kx_severity min)
{
	size_t i;

	for (i = 0; i < kx_diag_count(d); i++) {
		const kx_finding *f = kx_diag_get(d, i);

		if (strcmp(f->rule, rule) == 0 && f->severity >= min)
			return 1;
	}
	return 0;
}

/* Hex string to bytes in a static buffer (test vectors). */
static inline const uint8_t *
kxt_hex(const char *hex, size_t *len)
{
	static uint8_t buf[8][4096];
	static int slot;
	uint8_t *p = buf[slot++ % 8];

	assert_int_equal(kxi_hex_decode_buf(hex, p, 4096, len), KX_OK);
	return p;
}

/* A fresh folder /tmp/kx-NAME-XXXXXX into dir[64] (group setup). */
static inline int
kxt_tmpdir(char dir[64], const char *name)
{
	snprintf(dir, 64, "/tmp/kx-%.40s-XXXXXX", name);
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Remove that folder and everything in it (group teardown). */
static inline int
kxt_rmtree(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A new secret holding the bytes of hex (test vectors). */
static inline kx_secret *
kxt_secret(const char *hex)
{
	kx_secret *s = NULL;
	const uint8_t *p;
	size_t n;

	p = kxt_hex(hex, &n);
	assert_int_equal(kx_secret_from(p, n, &s), KX_OK);
	return s;
}

/* Exchange options at time now, transport key id TK-1. */
static inline kx_xchg_opts
kxt_xchg_opts(int64_t now)
{
	kx_xchg_opts o;

	memset(&o, 0, sizeof(o));
	o.now = now;
	o.kek_id = "TK-1";
	return o;
}

/* What an import handed on (kxt_collect, a kx_import sink): the last
 * value, and how many. */
struct kxt_got {
	int calls;
	uint8_t value[4096];	/* an RSA-4096 PKCS#8 key fits */
	size_t len;
};

static inline int
kxt_collect(void *arg, const kx_doc *doc, size_t i, const kx_secret *v,
    kx_diag *d)
{
	struct kxt_got *g = arg;

	(void)doc;
	(void)i;
	(void)d;
	g->calls++;
	g->len = kx_secret_len(v);
	assert_true(g->len <= sizeof(g->value));
	memcpy(g->value, kx_secret_data(v), g->len);
	return KX_OK;
}

#endif
