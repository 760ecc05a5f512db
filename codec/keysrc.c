/*
 * keysrc.c - where secrets come from: file:PATH, fd:N, env:VAR, hex:HEX
 * (tests only) and, later, pkcs11: URIs.
 *
 * Bytes are read straight into kx_secret buffers (secure heap); every
 * intermediate buffer is cleansed; messages name the source, never its
 * content.  A file or stream that is entirely hex digits and white space
 * is hex text and is decoded; anything else (raw key bytes, a PEM key) is
 * returned as it is.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

#define KX_KEYSRC_MAX	((size_t)64 << 10)	/* RSA-15360 PEM fits */

/* Branch-free nibble value of c, or -1. */
static int
nibble(unsigned char c)
{
	int d = c - '0', l = (c | 0x20) - 'a';
	int isd = ((d >= 0) & (d <= 9)), isl = ((l >= 0) & (l <= 5));

	return (isd * d) + (isl * (l + 10)) + ((!isd & !isl) * -1);
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
kxi_secret_from_hex(const char *s, size_t n, int ws, kx_secret **out)
{
	size_t i, digits = 0, o = 0;
	uint8_t *p;
	int hi = -1, v, r;

	*out = NULL;
	for (i = 0; i < n; i++) {
		if (ws && is_ws((unsigned char)s[i]))
			continue;
		if (nibble((unsigned char)s[i]) < 0)
			return KX_ESYNTAX;
		digits++;
	}
	if (digits == 0 || digits % 2 != 0)
		return KX_ESYNTAX;
	if ((r = kx_secret_new(digits / 2, out)) != KX_OK)
		return r;
	p = kx_secret_mut(*out);
	for (i = 0; i < n; i++) {
		if (ws && is_ws((unsigned char)s[i]))
			continue;
		v = nibble((unsigned char)s[i]);
		if (hi < 0)
			hi = v;
		else {
			p[o++] = (uint8_t)((hi << 4) | v);
			hi = -1;
		}
	}
	return KX_OK;
}

/* Is p[n] hex text (hex digits and white space, at least one digit)? */
static int
looks_hex(const uint8_t *p, size_t n)
{
	size_t i, digits = 0;

	for (i = 0; i < n; i++) {
		if (is_ws(p[i]))
			continue;
		if (nibble(p[i]) < 0)
			return 0;
		digits++;
	}
	return digits > 0 && digits % 2 == 0;
}

/* Decode hex text in place of raw, or keep raw (PEM, binary). */
static int
finish(kx_secret **raw, kx_secret **out, const char *what, kx_diag *d)
{
	const uint8_t *p = kx_secret_data(*raw);
	size_t n = kx_secret_len(*raw);
	int r;

	if (n == 0)
		return KX_FAIL(d, KX_ESYNTAX, "key source %s: empty", what);
	if (looks_hex(p, n)) {
		if ((r = kxi_secret_from_hex((const char *)p, n, 1, out)) !=
		    KX_OK)
			return KX_FAIL(d, r, "key source %s: bad hex", what);
		kx_secret_free(*raw);
		*raw = NULL;
		return KX_OK;
	}
	*out = *raw;
	*raw = NULL;
	return KX_OK;
}

/* Read fd to EOF into a secret, growing by copying secret to secret. */
static int
read_fd(int fd, size_t hint, kx_secret **out, const char *what, kx_diag *d)
{
	kx_secret *s = NULL, *t = NULL;
	size_t cap = hint ? hint + 1 : 4096, len = 0;
	ssize_t k;
	int r;

	*out = NULL;
	if (cap > KX_KEYSRC_MAX + 1)
		cap = KX_KEYSRC_MAX + 1;
	if ((r = kx_secret_new(cap, &s)) != KX_OK)
		return r;
	for (;;) {
		if (len == cap) {
			if (cap > KX_KEYSRC_MAX) {
				r = KX_FAIL(d, KX_ELIMIT, "key source %s: "
				    "larger than %zu bytes", what,
				    KX_KEYSRC_MAX);
				goto out;
			}
			cap = cap * 2 > KX_KEYSRC_MAX + 1 ?
			    KX_KEYSRC_MAX + 1 : cap * 2;
			if ((r = kx_secret_new(cap, &t)) != KX_OK)
				goto out;
			memcpy(kx_secret_mut(t), kx_secret_data(s), len);
			kx_secret_free(s);
			s = t;
			t = NULL;
		}
		k = read(fd, kx_secret_mut(s) + len, cap - len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = KX_FAIL(d, KX_EIO, "key source %s: %s", what,
			    strerror(errno));
			goto out;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	kx_secret_truncate(s, len);
	*out = s;
	s = NULL;
	r = KX_OK;
out:
	kx_secret_free(s);
	return r;
}

static int
load_file(const char *path, kx_secret **raw, kx_diag *d)
{
	struct stat st;
	int fd, r;

	if (*path == '\0')
		return KX_FAIL(d, KX_EUSAGE, "key source file: no path");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return KX_FAIL(d, errno == ENOENT ? KX_ENOTFOUND : KX_EIO,
		    "key source file:%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		r = KX_FAIL(d, KX_EIO, "key source file:%s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = KX_FAIL(d, KX_EUSAGE, "key source file:%s: not a regular "
		    "file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		r = KX_FAIL(d, KX_EPERM, "key source file:%s: mode %04o lets "
		    "group or others read it (chmod 600)", path,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((size_t)st.st_size > KX_KEYSRC_MAX) {
		r = KX_FAIL(d, KX_ELIMIT, "key source file:%s: larger than "
		    "%zu bytes", path, KX_KEYSRC_MAX);
		goto out;
	}
	r = read_fd(fd, (size_t)st.st_size, raw, path, d);
out:
	close(fd);
	return r;
}

int
kx_keysrc_load(const char *spec, kx_secret **out, int *insecure,
    kx_diag *d)
{
	kx_secret *raw = NULL;
	unsigned long long fd;
	const char *v;
	int r;

	if (out == NULL)
		return KX_FAIL(d, KX_EUSAGE, "key source: no output");
	*out = NULL;
	if (insecure != NULL)
		*insecure = 0;
	if (spec == NULL)
		return KX_FAIL(d, KX_EUSAGE, "key source: none given");
	if (strncmp(spec, "file:", 5) == 0) {
		if ((r = load_file(spec + 5, &raw, d)) != KX_OK)
			goto out;
		r = finish(&raw, out, "file", d);
	} else if (strncmp(spec, "fd:", 3) == 0) {
		if (kxi_parse_uint(spec + 3, INT_MAX, &fd) != KX_OK) {
			r = KX_FAIL(d, KX_EUSAGE, "key source fd: \"%s\" is "
			    "not a descriptor number", spec + 3);
			goto out;
		}
		if ((r = read_fd((int)fd, 0, &raw, "fd", d)) != KX_OK)
			goto out;
		r = finish(&raw, out, "fd", d);
	} else if (strncmp(spec, "env:", 4) == 0) {
		if (spec[4] == '\0' || (v = getenv(spec + 4)) == NULL) {
			r = KX_FAIL(d, KX_ENOTFOUND, "key source env:%s: not "
			    "set", spec + 4);
			goto out;
		}
		if (strlen(v) > KX_KEYSRC_MAX) {
			r = KX_FAIL(d, KX_ELIMIT, "key source env:%s: too "
			    "long", spec + 4);
			goto out;
		}
		if ((r = kx_secret_from(v, strlen(v), &raw)) != KX_OK)
			goto out;
		r = finish(&raw, out, "env", d);
	} else if (strncmp(spec, "hex:", 4) == 0) {
		if ((r = kxi_secret_from_hex(spec + 4, strlen(spec + 4), 0,
		    out)) != KX_OK) {
			/* never echo the spec: it is key material */
			r = KX_FAIL(d, KX_ESYNTAX, "key source hex: not an "
			    "even number of hex digits");
			goto out;
		}
		if (insecure != NULL)
			*insecure = 1;
		r = KX_OK;
	} else if (strncmp(spec, "pkcs11:", 7) == 0) {
		r = KX_FAIL(d, KX_EUNSUPPORTED, "key source pkcs11: PKCS#11 "
		    "URIs are not supported yet (use file:, fd: or env:)");
	} else {
		r = KX_FAIL(d, KX_EUSAGE, "key source: unknown kind (use "
		    "file:PATH, fd:N, env:VAR or hex:HEX)");
	}
out:
	kx_secret_free(raw);
	if (r != KX_OK) {
		kx_secret_free(*out);
		*out = NULL;
	}
	return r;
}
