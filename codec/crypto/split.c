/*
 * split.c - key components: XOR n-of-n and Shamir m-of-n secret sharing
 * over GF(2^8) (AES polynomial x^8 + x^4 + x^3 + x + 1, FIPS 197 4.2),
 * and the one-component text file of the CLI's split/combine commands.
 *
 * Shamir: for every key byte, a polynomial of degree m-1 whose constant
 * term is the byte and whose other coefficients come from RAND_priv_bytes;
 * share i is its value at x = i (1..n).  Recombination is Lagrange
 * interpolation at 0.  Multiplication is a fixed 8-round shift/xor loop:
 * no table lookups or branches on secret data.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "internal.h"

#define KX_SPLIT_MAX_KEY	((size_t)64 << 10)

uint8_t
kxi_gf256_mul(uint8_t a, uint8_t b)
{
	uint8_t p = 0, hi;
	int i;

	for (i = 0; i < 8; i++) {
		p ^= (uint8_t)(-(b & 1) & a);
		hi = (uint8_t)-(a >> 7);
		a = (uint8_t)((a << 1) ^ (hi & 0x1b));
		b >>= 1;
	}
	return p;
}

/* a^254 = a^-1 (0 for 0), by a fixed square-and-multiply chain. */
static uint8_t
gf_inv(uint8_t a)
{
	uint8_t r = 1, t = a;
	int i;

	for (i = 1; i < 8; i++) {
		t = kxi_gf256_mul(t, t);	/* a^(2^i) */
		r = kxi_gf256_mul(r, t);
	}
	return r;
}

static int
is_des(enum kx_alg alg)
{
	return alg == KX_ALG_DES || alg == KX_ALG_TDEA2 || alg == KX_ALG_TDEA3;
}

/* 1 if byte b has an odd number of one bits (constant time). */
static unsigned
odd(uint8_t b)
{
	b ^= (uint8_t)(b >> 4);
	b ^= (uint8_t)(b >> 2);
	b ^= (uint8_t)(b >> 1);
	return b & 1u;
}

void
kx_des_parity_adjust(enum kx_alg alg, enum kx_split_method method,
    kx_secret *value)
{
	uint8_t *p;
	size_t i;

	if (value == NULL || !is_des(alg) || method == KX_SPLIT_SHAMIR)
		return;
	p = kx_secret_mut(value);
	for (i = 0; i < kx_secret_len(value); i++)
		p[i] ^= (uint8_t)(odd(p[i]) ^ 1u);	/* flip bit 0 if even */
}

int
kx_component_parity_check(const kx_component_info *ci,
    const kx_secret *value, const char *name, kx_diag *d)
{
	const uint8_t *p = kx_secret_data(value);
	size_t i, bad = 0;

	if (ci == NULL || value == NULL || !is_des(ci->alg) ||
	    ci->method != KX_SPLIT_XOR)
		return KX_OK;
	for (i = kx_secret_len(value); i > 0; i--)
		if (!odd(p[i - 1]))
			bad = i;	/* the first even byte, 1-based */
	if (bad != 0)
		return KX_FAIL(d, KX_ESYNTAX, "%s: byte %zu of the %s "
		    "component is not in odd DES parity (components are "
		    "checked, not adjusted, on input)", name ? name : "-", bad,
		    kx_name(KX_ENUM_ALG, ci->alg));
	return KX_OK;
}

/* 1 if the 8-byte DES keys a and b differ outside their parity bits. */
static int
des_differ(const uint8_t *a, const uint8_t *b)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		acc |= (uint8_t)((a[i] ^ b[i]) & 0xfeu);
	return acc != 0;
}

int
kxi_tdea_degenerate(const uint8_t *p, size_t n)
{
	return (n == 16 || n == 24) && (!des_differ(p, p + 8) ||
	    (n == 24 && !des_differ(p + 8, p + 16)));
}

int
kx_tdea_key_check(const kx_secret *key, const char *what, kx_diag *d)
{
	size_t n;

	if (key == NULL)
		kxi_misuse(__func__, "NULL argument");
	n = kx_secret_len(key);
	if (!kxi_tdea_degenerate(kx_secret_data(key), n))
		return KX_OK;
	return kxi_diag_add(d, "KX121", KX_SEV_ERROR, KX_EPOLICY, NULL, NULL,
	    NULL, "%s: a degenerate %zu-byte TDEA key (K1 equals K2%s, parity "
	    "bits aside) is single DES, 56 bits, and is refused", what != NULL ?
	    what : "key", n, n == 24 ? " or K2 equals K3" : "");
}

static void
free_parts(kx_secret **parts, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		kx_secret_free(parts[i]);
		parts[i] = NULL;
	}
}

int
kx_split(const kx_secret *key, unsigned n, unsigned m, kx_secret **parts,
    uint8_t *xs, kx_diag *d)
{
	const uint8_t *k = kx_secret_data(key);
	size_t len = kx_secret_len(key), b;
	kx_secret *coef = NULL;
	uint8_t *c, y;
	unsigned i, j;
	int r = KX_EINTERNAL;

	if (key == NULL || parts == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (len == 0 || len > KX_SPLIT_MAX_KEY)
		return KX_FAIL(d, KX_EUSAGE, "split: key length %zu out of "
		    "range", len);
	if (n < 2 || n > 255)
		return KX_FAIL(d, KX_EUSAGE, "split: %u parts (need 2..255)",
		    n);
	if (m != 0 && (m < 2 || m > n))
		return KX_FAIL(d, KX_EUSAGE, "split: threshold %u with %u "
		    "parts (need 2 <= m <= n, or 0 for XOR)", m, n);
	for (i = 0; i < n; i++)
		parts[i] = NULL;
	for (i = 0; i < n; i++)
		if ((r = kx_secret_new(len, &parts[i])) != KX_OK)
			goto out;
	if (m == 0) {
		/* XOR: n-1 random parts, the last = key ^ all of them. */
		uint8_t *last = kx_secret_mut(parts[n - 1]);

		memcpy(last, k, len);
		for (i = 0; i + 1 < n; i++) {
			uint8_t *p = kx_secret_mut(parts[i]);

			if (RAND_priv_bytes(p, (int)len) != 1) {
				r = kxi_diag_openssl(d, KX_ECRYPTO,
				    "split: RNG");
				goto out;
			}
			for (b = 0; b < len; b++)
				last[b] ^= p[b];
		}
	} else {
		/* coefficients 1..m-1 of every byte's polynomial */
		if ((r = kx_secret_new(len * (m - 1), &coef)) != KX_OK)
			goto out;
		c = kx_secret_mut(coef);
		if (RAND_priv_bytes(c, (int)(len * (m - 1))) != 1) {
			r = kxi_diag_openssl(d, KX_ECRYPTO, "split: RNG");
			goto out;
		}
		for (i = 0; i < n; i++) {
			uint8_t x = (uint8_t)(i + 1), *p =
			    kx_secret_mut(parts[i]);

			for (b = 0; b < len; b++) {
				/* Horner: c[m-1] x^(m-1) + ... + key[b] */
				y = 0;
				for (j = m - 1; j >= 1; j--)
					y = kxi_gf256_mul(y, x) ^
					    c[b * (m - 1) + (j - 1)];
				y = kxi_gf256_mul(y, x) ^ k[b];
				p[b] = y;
			}
		}
	}
	if (xs != NULL)
		for (i = 0; i < n; i++)
			xs[i] = (uint8_t)(i + 1);
	r = KX_OK;
out:
	if (r != KX_OK)
		free_parts(parts, n);
	kx_secret_free(coef);
	return r;
}

int
kx_combine(kx_secret *const *parts, const uint8_t *xs, unsigned k,
    unsigned m, kx_secret **out, kx_diag *d)
{
	kx_secret *s = NULL;
	size_t len, b;
	uint8_t *o, l;
	unsigned i, j;
	int r = KX_EINTERNAL;

	if (parts == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	if (parts == NULL || k < 2 || k > 255)
		return KX_FAIL(d, KX_EUSAGE, "combine: %u parts (need 2..255)",
		    k);
	for (i = 0; i < k; i++)
		if (parts[i] == NULL)
			return KX_FAIL(d, KX_EUSAGE, "combine: part %u "
			    "missing", i + 1);
	len = kx_secret_len(parts[0]);
	if (len == 0 || len > KX_SPLIT_MAX_KEY)
		return KX_FAIL(d, KX_EINPUT, "combine: part length %zu out of "
		    "range", len);
	for (i = 1; i < k; i++)
		if (kx_secret_len(parts[i]) != len)
			return KX_FAIL(d, KX_EINPUT, "combine: part %u is %zu "
			    "bytes, part 1 is %zu", i + 1,
			    kx_secret_len(parts[i]), len);
	if (m != 0) {
		if (m < 2)
			return KX_FAIL(d, KX_EINPUT, "combine: threshold %u "
			    "(need at least 2)", m);
		if (k < m)
			return KX_FAIL(d, KX_EINPUT, "combine: %u parts, the "
			    "threshold is %u", k, m);
		if (xs == NULL)
			return KX_FAIL(d, KX_EUSAGE, "combine: Shamir needs "
			    "the x-coordinates");
		for (i = 0; i < k; i++) {
			if (xs[i] == 0)
				return KX_FAIL(d, KX_EINPUT, "combine: "
				    "x-coordinate 0 is not a share");
			for (j = 0; j < i; j++)
				if (xs[i] == xs[j])
					return KX_FAIL(d, KX_EINPUT,
					    "combine: x-coordinate %u "
					    "repeated", xs[i]);
		}
	}
	if ((r = kx_secret_new(len, &s)) != KX_OK)
		return r;
	o = kx_secret_mut(s);
	for (i = 0; i < k; i++) {
		const uint8_t *p = kx_secret_data(parts[i]);

		if (m == 0) {
			for (b = 0; b < len; b++)
				o[b] ^= p[b];
			continue;
		}
		/* Lagrange basis at 0: prod_{j != i} x_j / (x_j - x_i) */
		l = 1;
		for (j = 0; j < k; j++)
			if (j != i)
				l = kxi_gf256_mul(l, kxi_gf256_mul(xs[j],
				    gf_inv(xs[j] ^ xs[i])));
		for (b = 0; b < len; b++)
			o[b] ^= kxi_gf256_mul(p[b], l);
	}
	*out = s;
	return KX_OK;
}

/* ---- component files -------------------------------------------------- */
#define COMP_MAGIC "kmsxchg-component v1"

enum { F_INDEX, F_PARTS, F_THRESHOLD, F_METHOD, F_ALG, F_KCVM, F_CKCV,
	F_KKCV, F_VALUE, F__N };
static const char *const fields[F__N] = { "index", "parts", "threshold",
	"method", "algorithm", "kcv-method", "component-kcv", "key-kcv",
	"value" };

static int
check_info(const kx_component_info *ci, const char *name, kx_diag *d)
{
	size_t lo, hi;

	if (ci->parts < 2 || ci->parts > 255)
		return KX_FAIL(d, KX_ESYNTAX, "%s: parts %u outside 2..255",
		    name, ci->parts);
	if (ci->index < 1 || ci->index > ci->parts)
		return KX_FAIL(d, KX_ESYNTAX, "%s: index %u outside 1..%u",
		    name, ci->index, ci->parts);
	if (ci->method == KX_SPLIT_XOR) {
		if (ci->threshold != ci->parts)
			return KX_FAIL(d, KX_ESYNTAX, "%s: an xor split needs "
			    "all parts (threshold %u, parts %u)", name,
			    ci->threshold, ci->parts);
	} else if (ci->method == KX_SPLIT_SHAMIR) {
		if (ci->threshold < 2 || ci->threshold > ci->parts)
			return KX_FAIL(d, KX_ESYNTAX, "%s: threshold %u "
			    "outside 2..%u", name, ci->threshold, ci->parts);
	} else
		return KX_FAIL(d, KX_ESYNTAX, "%s: method must be xor or "
		    "shamir", name);
	if (ci->alg != KX_ALG_DES && ci->alg != KX_ALG_TDEA2 &&
	    ci->alg != KX_ALG_TDEA3 && ci->alg != KX_ALG_AES)
		return KX_FAIL(d, KX_ESYNTAX, "%s: algorithm must be des, "
		    "tdea2, tdea3 or aes", name);
	if (ci->kcv_method <= KX_KCV_NONE || ci->kcv_method >= KX_KCV__N ||
	    ci->kcv_method == KX_KCV_SPKI_SHA256)
		return KX_FAIL(d, KX_ESYNTAX, "%s: no kcv-method of a secret "
		    "key", name);
	/* A component file cannot ask for more of a block than a KCV. */
	if (kx_kcv_len_range(ci->kcv_method, &lo, &hi) != KX_OK ||
	    ci->key_kcv_len < lo || ci->key_kcv_len > hi)
		return KX_FAIL(d, KX_ESYNTAX, "%s: key-kcv length %zu outside "
		    "%zu..%zu", name, ci->key_kcv_len, lo, hi);
	if (ci->component_kcv_len != 0 && (ci->component_kcv_len < lo ||
	    ci->component_kcv_len > hi))
		return KX_FAIL(d, KX_ESYNTAX, "%s: component-kcv length %zu "
		    "outside %zu..%zu", name, ci->component_kcv_len, lo, hi);
	return KX_OK;
}

int
kx_component_write(const kx_component_info *ci, const kx_secret *value,
    kx_buf *out, kx_diag *d)
{
	uint8_t kcv[16];
	char hex[33];
	size_t kl;
	enum kx_alg a;
	int r;

	if (ci == NULL || value == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	if ((r = check_info(ci, "component", d)) != KX_OK)
		return KX_FAIL(d, KX_EUSAGE, "component: not written");
	if (kx_alg_for_len(ci->alg, kx_secret_len(value), &a) != KX_OK ||
	    a != ci->alg)
		return KX_FAIL(d, KX_EUSAGE, "component: a %zu-byte value is "
		    "not %s", kx_secret_len(value), kx_name(KX_ENUM_ALG,
		    ci->alg));
	kl = ci->component_kcv_len ? ci->component_kcv_len :
	    kx_kcv_default_len(ci->kcv_method);
	if ((r = kx_kcv_compute(ci->alg, ci->kcv_method, value, kcv, kl, d))
	    != KX_OK)
		return r;
	kxi_hex_encode(kcv, kl, hex);
	if ((r = kx_buf_printf(out, "%s\nindex: %u\nparts: %u\n"
	    "threshold: %u\nmethod: %s\nalgorithm: %s\nkcv-method: %s\n"
	    "component-kcv: %s\n", COMP_MAGIC, ci->index, ci->parts,
	    ci->threshold, ci->method == KX_SPLIT_XOR ? "xor" : "shamir",
	    kx_name(KX_ENUM_ALG, ci->alg), kx_name(KX_ENUM_KCV_METHOD,
	    ci->kcv_method), hex)) != KX_OK)
		return r;
	kxi_hex_encode(ci->key_kcv, ci->key_kcv_len, hex);
	if ((r = kx_buf_printf(out, "key-kcv: %s\nvalue: ", hex)) != KX_OK ||
	    (r = kxi_buf_hex(out, kx_secret_data(value),
	    kx_secret_len(value))) != KX_OK ||
	    (r = kx_buf_append(out, "\n", 1)) != KX_OK)
		return r;
	return KX_OK;
}

static int
parse_u(const char *v, size_t n, unsigned max, unsigned *out)
{
	char tmp[16];
	unsigned long long x;

	if (n == 0 || n >= sizeof(tmp))
		return KX_ESYNTAX;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (kxi_parse_uint(tmp, max, &x) != KX_OK)
		return KX_ESYNTAX;
	*out = (unsigned)x;
	return KX_OK;
}

static int
parse_kcv(const char *v, size_t n, uint8_t *out, size_t *len)
{
	char tmp[40];

	if (n == 0 || n > 32 || n % 2 != 0)
		return KX_ESYNTAX;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	return kxi_hex_decode_buf(tmp, out, 16, len) == KX_OK && *len > 0 ?
	    KX_OK : KX_ESYNTAX;
}

static int
parse_enum(enum kx_enum_type t, const char *v, size_t n, int *out)
{
	char tmp[32];

	if (n == 0 || n >= sizeof(tmp))
		return KX_ESYNTAX;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if ((*out = kx_value(t, tmp)) < 0)
		return KX_ESYNTAX;
	return KX_OK;
}

int
kx_component_read(uint8_t *buf, size_t len, const char *name,
    kx_component_info *ci, kx_secret **value, kx_diag *d)
{
	char *s = (char *)buf, *end, *line, *nl, *v;
	uint8_t kcv[16];
	unsigned seen = 0, lineno = 1, f;
	size_t vn, ml = strlen(COMP_MAGIC);
	kx_secret *val = NULL;
	enum kx_alg a;
	int r = KX_ESYNTAX, e;

	if (ci == NULL || value == NULL)
		kxi_misuse(__func__, "NULL argument");
	*value = NULL;
	memset(ci, 0, sizeof(*ci));
	name = name ? name : "component";
	if (buf == NULL || len > 4096 + 2 * KX_SPLIT_MAX_KEY) {
		r = KX_FAIL(d, KX_ELIMIT, "%s: not a component file (size)",
		    name);
		goto out;
	}
	end = s + len;
	if (len < ml + 1 || memcmp(s, COMP_MAGIC "\n", ml + 1) != 0) {
		r = KX_FAIL(d, KX_ESYNTAX, "%s:1: the first line must be "
		    "\"%s\"", name, COMP_MAGIC);
		goto out;
	}
	for (line = s + ml + 1; line < end; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL) {
			r = KX_FAIL(d, KX_ESYNTAX, "%s:%u: line not ended by "
			    "LF", name, lineno);
			goto out;
		}
		if ((v = memchr(line, ':', (size_t)(nl - line))) == NULL ||
		    v + 1 >= nl || v[1] != ' ') {
			r = KX_FAIL(d, KX_ESYNTAX, "%s:%u: expected "
			    "\"field: value\"", name, lineno);
			goto out;
		}
		for (f = 0; f < F__N; f++)
			if (strlen(fields[f]) == (size_t)(v - line) &&
			    memcmp(fields[f], line, (size_t)(v - line)) == 0)
				break;
		if (f == F__N) {
			r = KX_FAIL(d, KX_ESYNTAX, "%s:%u: unknown field",
			    name, lineno);
			goto out;
		}
		if (seen & (1u << f)) {
			r = KX_FAIL(d, KX_ESYNTAX, "%s:%u: field %s repeated",
			    name, lineno, fields[f]);
			goto out;
		}
		if (seen != (1u << f) - 1) {
			r = KX_FAIL(d, KX_ESYNTAX, "%s:%u: field %s out of "
			    "order", name, lineno, fields[f]);
			goto out;
		}
		seen |= 1u << f;
		v += 2;
		vn = (size_t)(nl - v);
		if (vn > 0 && v[vn - 1] == '\r') {
			r = KX_FAIL(d, KX_ESYNTAX, "%s:%u: CR in line end",
			    name, lineno);
			goto out;
		}
		e = KX_OK;
		switch (f) {
		case F_INDEX:
			e = parse_u(v, vn, 255, &ci->index);
			break;
		case F_PARTS:
			e = parse_u(v, vn, 255, &ci->parts);
			break;
		case F_THRESHOLD:
			e = parse_u(v, vn, 255, &ci->threshold);
			break;
		case F_METHOD:
			if (vn == 3 && memcmp(v, "xor", 3) == 0)
				ci->method = KX_SPLIT_XOR;
			else if (vn == 6 && memcmp(v, "shamir", 6) == 0)
				ci->method = KX_SPLIT_SHAMIR;
			else
				e = KX_ESYNTAX;
			break;
		case F_ALG: {
			int x = 0;

			e = parse_enum(KX_ENUM_ALG, v, vn, &x);
			ci->alg = (enum kx_alg)x;
			break;
		}
		case F_KCVM: {
			int x = 0;

			e = parse_enum(KX_ENUM_KCV_METHOD, v, vn, &x);
			ci->kcv_method = (enum kx_kcv_method)x;
			break;
		}
		case F_CKCV:
			e = parse_kcv(v, vn, ci->component_kcv,
			    &ci->component_kcv_len);
			break;
		case F_KKCV:
			e = parse_kcv(v, vn, ci->key_kcv, &ci->key_kcv_len);
			break;
		case F_VALUE:
			e = kxi_secret_from_hex(v, vn, 0, &val);
			OPENSSL_cleanse(v, vn);
			break;
		}
		if (e != KX_OK) {
			r = KX_FAIL(d, KX_ESYNTAX, "%s:%u: bad value for %s",
			    name, lineno, fields[f]);
			goto out;
		}
	}
	if (seen != (1u << F__N) - 1) {
		for (f = 0; f + 1 < F__N && (seen & (1u << f)) != 0; f++)
			continue;	/* the first missing one (F__N - 1 at most) */
		r = KX_FAIL(d, KX_ESYNTAX, "%s: field %s missing", name,
		    fields[f]);
		goto out;
	}
	if ((r = check_info(ci, name, d)) != KX_OK)
		goto out;
	if (kx_alg_for_len(ci->alg, kx_secret_len(val), &a) != KX_OK ||
	    a != ci->alg) {
		r = KX_FAIL(d, KX_ESYNTAX, "%s: a %zu-byte value is not %s",
		    name, kx_secret_len(val), kx_name(KX_ENUM_ALG, ci->alg));
		goto out;
	}
	if ((r = kx_kcv_compute(ci->alg, ci->kcv_method, val, kcv,
	    ci->component_kcv_len, d)) != KX_OK)
		goto out;
	if (CRYPTO_memcmp(kcv, ci->component_kcv, ci->component_kcv_len)
	    != 0) {
		r = KX_FAIL(d, KX_EKCV, "%s: the value does not match "
		    "component-kcv", name);
		goto out;
	}
	*value = val;
	val = NULL;
	r = KX_OK;
out:
	kx_secret_free(val);
	return r;
}

/* ---- a set of component files ----------------------------------------- */
/* Whether two components come from the same split. */
static int
same_split(const kx_component_info *a, const kx_secret *av,
    const kx_component_info *b, const kx_secret *bv)
{
	return a->parts == b->parts && a->threshold == b->threshold &&
	    a->method == b->method && a->alg == b->alg &&
	    a->kcv_method == b->kcv_method &&
	    a->key_kcv_len == b->key_kcv_len &&
	    CRYPTO_memcmp(a->key_kcv, b->key_kcv, a->key_kcv_len) == 0 &&
	    kx_secret_len(av) == kx_secret_len(bv);
}

/* Read one component file into ci and *v; one finding naming it. */
static int
read_one(const char *path, kx_component_info *ci, kx_secret **v,
    kx_diag *d)
{
	kx_diag *tmp = NULL;
	kx_buf b = { 0 };
	int r;

	/* a component is key material: private, as file: key sources */
	if ((r = kx_file_read_private(path, KX_COMPONENT_MAX_FILE, &b, d)) !=
	    KX_OK)
		goto out;
	if ((tmp = kx_diag_new()) == NULL) {
		r = KX_ENOMEM;
		goto out;
	}
	r = kx_component_read(b.data, b.len, path, ci, v, tmp);
	if (r == KX_EKCV)
		r = KX_FAIL(d, KX_EKCV, "component %s: KCV check failed (the "
		    "component is damaged or altered)", path);
	else if (r != KX_OK) {
		kxi_diag_merge(d, tmp);
		if (r != KX_EIO && r != KX_ENOMEM)
			r = KX_FAIL(d, r, "component %s: not a valid "
			    "component file", path);
	}
out:
	kx_buf_free(&b);	/* wipes: the text held the component */
	kx_diag_free(tmp);
	return r;
}

int
kx_components_load(const char *const *paths, size_t n,
    kx_component_info *info, kx_secret **v, kx_diag *d)
{
	kx_component_info *ci = NULL;
	size_t i, j;
	int r;

	if (v == NULL || paths == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (info != NULL)
		memset(info, 0, n * sizeof(*info));
	if (n < 2 || n > 255)
		return KX_FAIL(d, KX_EUSAGE, "combine: %zu components (need "
		    "2..255)", n);
	memset(v, 0, n * sizeof(*v));
	if ((ci = calloc(n, sizeof(*ci))) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "combine: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (paths[i] == NULL)
			kxi_misuse(__func__, "NULL path");
		if ((r = read_one(paths[i], &ci[i], &v[i], d)) != KX_OK ||
		    (r = kx_component_parity_check(&ci[i], v[i], paths[i],
		    d)) != KX_OK)
			goto out;
		if (info != NULL)
			info[i] = ci[i];
		for (j = 0; j < i; j++)
			if (ci[j].index == ci[i].index) {
				r = KX_FAIL(d, KX_EINPUT, "component %s "
				    "repeats component %s (part %u)",
				    paths[i], paths[j], ci[i].index);
				goto out;
			}
		if (!same_split(&ci[i], v[i], &ci[0], v[0])) {
			r = KX_FAIL(d, KX_EINPUT, "component %s does not "
			    "belong with %s (header mismatch)", paths[i],
			    paths[0]);
			goto out;
		}
	}
	if (ci[0].method == KX_SPLIT_XOR && n != ci[0].parts) {
		r = KX_FAIL(d, KX_EINPUT, "all %u components are needed, %zu "
		    "given", ci[0].parts, n);
		goto out;
	}
	if (n < ci[0].threshold) {
		r = KX_FAIL(d, KX_EINPUT, "%u components are needed, %zu "
		    "given", ci[0].threshold, n);
		goto out;
	}
	r = KX_OK;
out:
	if (r != KX_OK)
		for (i = 0; i < n; i++) {
			kx_secret_free(v[i]);
			v[i] = NULL;
		}
	free(ci);
	return r;
}

int
kx_components_rebuild(const kx_component_info *ci, kx_secret *const *v,
    size_t n, const char *name, kx_secret **key, kx_diag *d)
{
	uint8_t *xs = NULL, kcv[16];
	size_t i;
	int r;

	if (ci == NULL || v == NULL || key == NULL)
		kxi_misuse(__func__, "NULL argument");
	*key = NULL;
	if (n < 2 || n > 255)
		return KX_FAIL(d, KX_EUSAGE, "combine: %zu components (need "
		    "2..255)", n);
	if ((xs = calloc(n, 1)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "combine: out of memory");
	for (i = 0; i < n; i++)
		xs[i] = (uint8_t)ci[i].index;
	if ((r = kx_combine(v, xs, (unsigned)n, ci[0].method ==
	    KX_SPLIT_XOR ? 0 : ci[0].threshold, key, d)) != KX_OK ||
	    (r = kx_kcv_compute(ci[0].alg, ci[0].kcv_method, *key, kcv,
	    ci[0].key_kcv_len, d)) != KX_OK)
		goto out;
	if (CRYPTO_memcmp(kcv, ci[0].key_kcv, ci[0].key_kcv_len) != 0)
		r = KX_FAIL(d, KX_EKCV, "the rebuilt key does not match the "
		    "key KCV in %s", name != NULL ? name : "-");
	else if (!is_des(ci[0].alg) || (r = kx_tdea_key_check(*key,
	    "the rebuilt key", d)) == KX_OK)
		/* a DES/TDEA key is handed on in odd parity (same KCV) */
		kx_des_parity_adjust(ci[0].alg, KX_SPLIT_NONE, *key);
out:
	if (r != KX_OK) {
		kx_secret_free(*key);
		*key = NULL;
	}
	free(xs);
	return r;
}

int
kx_components_combine(const char *const *paths, size_t n,
    kx_component_info *info, kx_secret **key, kx_diag *d)
{
	kx_component_info *ci = NULL;
	kx_secret **v = NULL;
	size_t i;
	int r;

	if (key == NULL || paths == NULL)
		kxi_misuse(__func__, "NULL argument");
	*key = NULL;
	/* load checks n; info gets what it read */
	if ((ci = calloc(n > 0 ? n : 1, sizeof(*ci))) == NULL ||
	    (v = calloc(n > 0 ? n : 1, sizeof(*v))) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "combine: out of memory");
		goto out;
	}
	if ((r = kx_components_load(paths, n, ci, v, d)) == KX_OK)
		r = kx_components_rebuild(ci, v, n, paths[0], key, d);
	if (info != NULL)
		memcpy(info, ci, n * sizeof(*info));
out:
	if (v != NULL)
		for (i = 0; i < n; i++)
			kx_secret_free(v[i]);
	free(ci);
	free(v);
	return r;
}
