/*
 * keysrc.c - where secrets come from: file:PATH, fd:N, env:VAR and hex:HEX
 * (tests only).  A pkcs11: URI (a value the token lets out in clear) is
 * read a layer up, in hsm/keysrc.c, whose kx_keysrc_load_as hands every
 * other source down to kxi_keysrc_load_as here: crypto/ never calls into
 * hsm/ (tests/build/layers.sh).
 *
 * Bytes are read straight into kx_secret buffers (secure heap); every
 * intermediate buffer is cleansed; messages name the source, never its
 * content.
 *
 * What a source holds is decided by one strict rule (kmsxchg(1), KEY
 * SOURCES), so that a mistyped hex file is never taken for a raw key:
 *   PEM       it starts "-----BEGIN ": a PEM key, only where one is
 *             expected (rsa-* wrapping keys);
 *   hex text  only hex digits (either case) and white space (space, tab,
 *             CR, LF), every run of digits even, at least one digit: the
 *             bytes it spells (so "00112233\n" and "0011 2233" are hex);
 *   text      anything else made only of printable ASCII and white space
 *             (an odd digit count, a stray non-hex letter, 0x prefixes,
 *             colons, only white space): refused, never used as bytes;
 *   raw       anything else: exactly the key bytes.
 * Then the key must have a length the expected algorithm allows.  A raw
 * key whose bytes all happen to be printable cannot be told from text and
 * is refused too (about 1 AES-128 key in 4 million): give it as hex.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

#define KX_KEYSRC_MAX	((size_t)64 << 10)	/* RSA-15360 PEM fits */

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
kxi_secret_from_hex(const char *s, size_t n, int ws, kx_secret **out)
{
	size_t i, digits = 0, len;
	int r;

	*out = NULL;
	for (i = 0; i < n; i++)
		if (!ws || !is_ws((unsigned char)s[i]))
			digits++;
	if (digits == 0 || digits % 2 != 0)
		return KX_ESYNTAX;
	if ((r = kx_secret_new(digits / 2, out)) != KX_OK)
		return r;
	if ((r = kxi_hex_decode_mem(s, n, ws, kx_secret_mut(*out),
	    digits / 2, &len)) != KX_OK) {
		kx_secret_free(*out);
		*out = NULL;
	}
	return r;
}

enum form { F_EMPTY, F_BLANK, F_PEM, F_HEX, F_ODD, F_TEXT, F_RAW };

/* Which of the forms above p[n] has. */
static enum form
form_of(const uint8_t *p, size_t n)
{
	size_t i, digits = 0, run = 0, odd = 0, other = 0, binary = 0;
	int hex, ws;

	if (n == 0)
		return F_EMPTY;
	if (n >= 11 && memcmp(p, "-----BEGIN ", 11) == 0)
		return F_PEM;
	for (i = 0; i < n; i++) {
		hex = kxi_hex_digit(p[i]) >= 0;
		ws = is_ws(p[i]);
		digits += (size_t)hex;
		/* a run of digits ends odd: a byte split by white space */
		odd |= (size_t)(!hex && (run & 1));
		run = hex ? run + 1 : 0;
		other += (size_t)(!ws && !hex);
		binary += (size_t)(!ws && (p[i] < 0x20 || p[i] > 0x7E));
	}
	odd |= run & 1;
	if (binary > 0)
		return F_RAW;
	if (other > 0)
		return F_TEXT;
	if (digits == 0)
		return F_BLANK;
	return odd ? F_ODD : F_HEX;
}

/* Lengths alg allows (len 0: any of them); 1 if klen is one. */
static int
len_fits(enum kx_alg alg, size_t len, size_t klen)
{
	enum kx_alg a;

	if (klen == 0 || (len != 0 && klen != len))
		return 0;
	switch (alg) {
	case KX_ALG_DES:
	case KX_ALG_TDEA2:
	case KX_ALG_TDEA3:
	case KX_ALG_AES:
		return kx_alg_for_len(alg, klen, &a) == KX_OK;
	default:
		return 1;
	}
}

/* "16, 24 or 32 bytes" for the messages. */
static const char *
len_text(enum kx_alg alg, size_t len, char *buf, size_t size)
{
	if (len != 0)
		snprintf(buf, size, "%zu bytes", len);
	else if (alg == KX_ALG_AES)
		snprintf(buf, size, "16, 24 or 32 bytes");
	else if (alg == KX_ALG_DES || alg == KX_ALG_TDEA2 ||
	    alg == KX_ALG_TDEA3)
		snprintf(buf, size, "8, 16 or 24 bytes");
	else
		snprintf(buf, size, "at least 1 byte");
	return buf;
}

static const char *
alg_text(enum kx_alg alg)
{
	const char *n = kx_name(KX_ENUM_ALG, alg);

	return alg == KX_ALG_NONE || n == NULL ? "key" : n;
}

/*
 * Apply the rule to what the source held (*raw): decode hex text, keep
 * raw bytes or a PEM key where they fit, refuse the rest.  what names
 * the source ("file:PATH", "fd:3", "env:VAR"), never its content.
 */
static int
finish(kx_secret **raw, enum kx_alg alg, size_t len, kx_secret **out,
    const char *what, kx_diag *d)
{
	const uint8_t *p = kx_secret_data(*raw);
	size_t n = kx_secret_len(*raw);
	int pem = alg == KX_ALG_RSA || alg == KX_ALG_EC, r;
	char lens[32];
	enum form f = form_of(p, n);

	switch (f) {
	case F_EMPTY:
		return KX_FAIL(d, KX_ESYNTAX, "key source %s: empty", what);
	case F_BLANK:
		return KX_FAIL(d, KX_ESYNTAX, "key source %s: only white "
		    "space", what);
	case F_ODD:
		return KX_FAIL(d, KX_ESYNTAX, "key source %s: hex text with "
		    "an odd number of digits (a byte is two hex digits)",
		    what);
	case F_TEXT:
		return KX_FAIL(d, KX_ESYNTAX, "key source %s: text that is "
		    "not hex (give the key as hex digits; raw key bytes that "
		    "are all printable cannot be told from text)", what);
	case F_PEM:
		if (!pem && alg != KX_ALG_NONE)
			return KX_FAIL(d, KX_ESYNTAX, "key source %s: a PEM "
			    "key, not a raw or hex %s key", what,
			    alg_text(alg));
		*out = *raw;
		*raw = NULL;
		return KX_OK;
	case F_HEX:
		if ((r = kxi_secret_from_hex((const char *)p, n, 1, out)) !=
		    KX_OK)
			return KX_FAIL(d, r, "key source %s: bad hex", what);
		break;
	case F_RAW:
		*out = *raw;
		*raw = NULL;
		break;
	}
	if (pem)
		r = KX_FAIL(d, KX_ESYNTAX, "key source %s: not a PEM key",
		    what);
	else if (!len_fits(alg, len, kx_secret_len(*out)))
		r = KX_FAIL(d, KX_ESYNTAX, "key source %s: %s of %zu bytes "
		    "is not a valid %s key (%s)", what,
		    f == F_HEX ? "hex text" : "raw content",
		    kx_secret_len(*out), alg_text(alg),
		    len_text(alg, len, lens, sizeof(lens)));
	else
		return KX_OK;
	kx_secret_free(*out);
	*out = NULL;
	return r;
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

/*
 * Whether b is one PEM public key and nothing secret: "-----BEGIN PUBLIC
 * KEY-----" (or RSA PUBLIC KEY) after white space, and no PRIVATE or
 * ENCRYPTED block anywhere.  A public key is not secret, so group and
 * others may read its file.
 */
static int
is_public_pem(const uint8_t *b, size_t n)
{
	static const char *const begin[] = { "-----BEGIN PUBLIC KEY-----",
	    "-----BEGIN RSA PUBLIC KEY-----" };
	size_t i, k, skip = 0;

	while (skip < n && (b[skip] == ' ' || b[skip] == '\t' ||
	    b[skip] == '\r' || b[skip] == '\n'))
		skip++;
	for (i = 0; i + 7 <= n; i++)
		if (memcmp(b + i, "PRIVATE", 7) == 0 ||
		    (i + 9 <= n && memcmp(b + i, "ENCRYPTED", 9) == 0))
			return 0;
	for (k = 0; k < sizeof(begin) / sizeof(begin[0]); k++)
		if (n - skip >= strlen(begin[k]) &&
		    memcmp(b + skip, begin[k], strlen(begin[k])) == 0)
			return 1;
	return 0;
}

static int
load_file(const char *path, kx_secret **raw, kx_diag *d)
{
	char name[PATH_MAX + 32];
	struct stat st;
	size_t size;
	int fd, r;

	if (*path == '\0')
		return KX_FAIL(d, KX_EUSAGE, "key source file: no path");
	/*
	 * Never blocks on a FIFO; regular files only.  Secret material must
	 * be private (0600): checked once the bytes say what they are, as a
	 * PEM public key may be world-readable.
	 */
	snprintf(name, sizeof(name), "key source file:%s", path);
	if ((r = kxi_open_input(path, name, 0, &fd, &size, d)) != KX_OK)
		return r;
	if (size > KX_KEYSRC_MAX) {
		r = KX_FAIL(d, KX_ELIMIT, "key source file:%s: larger than "
		    "%zu bytes", path, KX_KEYSRC_MAX);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = KX_FAIL(d, KX_EIO, "cannot stat %s: %s", name,
		    strerror(errno));
		goto out;
	}
	if ((r = read_fd(fd, size, raw, path, d)) != KX_OK)
		goto out;
	if ((st.st_mode & 077) != 0 && !is_public_pem(kx_secret_data(*raw),
	    kx_secret_len(*raw))) {
		kx_secret_free(*raw);
		*raw = NULL;
		r = KX_FAIL(d, KX_EPERM, "%s: mode %04o lets group or others "
		    "read it (chmod 600)", name,
		    (unsigned)(st.st_mode & 07777));
	}
out:
	close(fd);
	return r;
}

/* read_source: not a file:, fd: or env: source (no finding recorded). */
#define NOT_READ	1

/*
 * The bytes a file:, fd: or env: source holds, unclassified, into *raw;
 * *what names the source for messages (what[] holds an fd: name).
 */
static int
read_source(const char *spec, kx_secret **raw, char what[32],
    const char **whatp, kx_diag *d)
{
	unsigned long long fd;
	const char *v;

	*whatp = spec;
	if (strncmp(spec, "file:", 5) == 0)
		return load_file(spec + 5, raw, d);
	if (strncmp(spec, "fd:", 3) == 0) {
		if (kxi_parse_uint(spec + 3, INT_MAX, &fd) != KX_OK)
			return KX_FAIL(d, KX_EUSAGE, "key source fd: \"%s\" is "
			    "not a descriptor number", spec + 3);
		snprintf(what, 32, "fd:%llu", fd);
		*whatp = what;
		return read_fd((int)fd, 0, raw, "fd", d);
	}
	if (strncmp(spec, "env:", 4) == 0) {
		if (spec[4] == '\0' || (v = getenv(spec + 4)) == NULL)
			return KX_FAIL(d, KX_ENOTFOUND, "key source env:%s: not "
			    "set", spec + 4);
		if (strlen(v) > KX_KEYSRC_MAX)
			return KX_FAIL(d, KX_ELIMIT, "key source env:%s: too "
			    "long", spec + 4);
		return kx_secret_from(v, strlen(v), raw);
	}
	return NOT_READ;
}

int
kxi_keysrc_load_as(const char *spec, enum kx_alg alg, size_t len,
    kx_secret **out, int *insecure, kx_diag *d)
{
	kx_secret *raw = NULL;
	const char *what;
	char fdname[32];
	int r;

	if (spec == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	if (insecure != NULL)
		*insecure = 0;
	if (spec == NULL)
		return KX_FAIL(d, KX_EUSAGE, "key source: none given");
	if ((r = read_source(spec, &raw, fdname, &what, d)) == KX_OK) {
		r = finish(&raw, alg, len, out, what, d);
	} else if (r != NOT_READ) {
		goto out;
	} else if (strncmp(spec, "hex:", 4) == 0) {
		/* never echo the spec: it is key material */
		if (insecure != NULL)
			*insecure = 1;
		if ((r = kx_secret_from(spec + 4, strlen(spec + 4), &raw)) !=
		    KX_OK)
			goto out;
		switch (form_of(kx_secret_data(raw), kx_secret_len(raw))) {
		case F_HEX:
			if (strpbrk(spec + 4, " \t\r\n") == NULL)
				break;
			/* FALLTHROUGH */
		case F_EMPTY:
		case F_BLANK:
		case F_TEXT:
		case F_PEM:
		case F_RAW:
			r = KX_FAIL(d, KX_ESYNTAX, "key source hex: not hex "
			    "(hex digits 0-9, A-F only)");
			goto out;
		case F_ODD:
			r = KX_FAIL(d, KX_ESYNTAX, "key source hex: an odd "
			    "number of hex digits");
			goto out;
		}
		r = finish(&raw, alg, len, out, "hex", d);
	} else {
		r = KX_FAIL(d, KX_EUSAGE, "key source: unknown kind (use "
		    "file:PATH, fd:N, env:VAR, pkcs11:URI or hex:HEX)");
	}
out:
	kx_secret_free(raw);
	if (r != KX_OK) {
		kx_secret_free(*out);
		*out = NULL;
	}
	return r;
}

/* A secret key read from a token (hsm/keysrc.c) must fit alg and len. */
int
kxi_keysrc_take(kx_secret **raw, enum kx_alg alg, size_t len,
    const char *spec, kx_secret **out, kx_diag *d)
{
	int r = KX_OK;

	*out = NULL;
	if (!len_fits(alg, len, kx_secret_len(*raw)) ||
	    alg == KX_ALG_RSA || alg == KX_ALG_EC)
		r = KX_FAIL(d, KX_EINPUT, "key source %s: a %zu-byte "
		    "secret key is not a valid %s key", spec,
		    kx_secret_len(*raw), alg_text(alg));
	else {
		*out = *raw;
		*raw = NULL;
	}
	kx_secret_free(*raw);
	*raw = NULL;
	return r;
}

int
kx_keysrc_load_pass(const char *spec, kx_secret **out, kx_diag *d)
{
	if (spec == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	return kxi_keysrc_load_text(spec, "passphrase", out, d);
}

int
kxi_keysrc_load_text(const char *spec, const char *noun, kx_secret **out,
    kx_diag *d)
{
	kx_secret *raw = NULL;
	const char *what;
	char fdname[32];
	size_t n;
	int r;

	*out = NULL;
	if ((r = read_source(spec, &raw, fdname, &what, d)) == NOT_READ)
		return KX_FAIL(d, KX_EUSAGE, "%s source: use file:PATH, "
		    "fd:N or env:VAR", noun);
	if (r != KX_OK)
		goto out;
	/* the bytes as they are, but for a final line end */
	n = kx_secret_len(raw);
	while (n > 0 && (kx_secret_data(raw)[n - 1] == '\n' ||
	    kx_secret_data(raw)[n - 1] == '\r'))
		n--;
	if (n == 0) {
		r = KX_FAIL(d, KX_ESYNTAX, "%s source %s: empty", noun, what);
		goto out;
	}
	kx_secret_truncate(raw, n);
	*out = raw;
	raw = NULL;
out:
	kx_secret_free(raw);
	return r;
}
