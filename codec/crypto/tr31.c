/*
 * tr31.c - TR-31 / ANSI X9.143 key blocks: the header and its optional
 * blocks, and the key derivation binding methods, version B (TDEA key
 * block protection key) and version D (AES).  The variant methods (A, C)
 * are not written and are refused on reading.
 *
 *   header   16 characters: version, 4-digit length of the whole block,
 *            key usage (2), algorithm, mode of use, key version (2),
 *            exportability, number of optional blocks (2 digits), "00";
 *            then the optional blocks: id (2), length (2 hex digits, or
 *            "00" + 2 hex digits giving the size of the extended length
 *            + that many hex digits), data; the whole header a multiple
 *            of the cipher block, padded with a "PB" block.
 *   keys     KBEK and KBMK = CMAC(KBPK, counter || usage || 00 || alg ||
 *            length) per cipher block (TR-31:2018 5.3.2.1 / X9.143):
 *            usage 0000 = encryption, 0001 = MAC; alg 0000 2TDEA, 0001
 *            3TDEA, 0002/0003/0004 AES-128/192/256; length in bits.
 *   payload  [key length in bits]16 || key || padding to the block size.
 *   MAC      CMAC(KBMK, header || clear payload), 8 bytes (B) or 16 (D).
 *   cipher   CBC(KBEK, IV = MAC, payload).
 *   block    header || HEX(encrypted payload) || HEX(MAC), upper case.
 *
 * Known answers: tests/unit/test_tr31.c (TR-31:2018 Annex A examples,
 * tests/data/SOURCES.md).  The exchange's TDEA binding (doc/bound-wrap.md
 * section 10) builds on this file; a TR-31 format spoke can too.
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "internal.h"

#define HDR_FIXED 16

struct method {
	size_t bs;		/* cipher block = MAC length */
	const char *cbc;	/* cipher for CMAC and CBC */
	uint8_t alg_ind;	/* derivation algorithm indicator */
	size_t klen;		/* KBEK/KBMK length */
};

static int
is_print(int c)
{
	return c >= 0x20 && c <= 0x7e;
}

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;		/* upper case only: X9.143 writes it so */
}

/* Unsigned number of n characters in base 10 or 16; -1 on junk. */
static long
num(const char *s, size_t n, int base)
{
	long v = 0;
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		c = base == 10 ? (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
		    -1) : hexval((unsigned char)s[i]);
		if (c < 0)
			return -1;
		v = v * base + c;
	}
	return v;
}

static int
method_of(char version, size_t kbpklen, struct method *m)
{
	memset(m, 0, sizeof(*m));
	switch (version) {
	case 'B':
		if (kbpklen != 16 && kbpklen != 24)
			return -1;
		m->bs = 8;
		m->cbc = "DES-EDE3-CBC";
		m->alg_ind = kbpklen == 16 ? 0 : 1;
		break;
	case 'D':
		if (kbpklen != 16 && kbpklen != 24 && kbpklen != 32)
			return -1;
		m->bs = 16;
		m->cbc = kbpklen == 16 ? "AES-128-CBC" : kbpklen == 24 ?
		    "AES-192-CBC" : "AES-256-CBC";
		m->alg_ind = (uint8_t)(2 + (kbpklen - 16) / 8);
		break;
	default:
		return -1;
	}
	m->klen = kbpklen;
	return 0;
}

const struct kxi_tr31_opt *
kxi_tr31_opt_find(const struct kxi_tr31_hdr *h, const char *id)
{
	unsigned i;

	for (i = 0; i < h->nopt; i++)
		if (memcmp(h->opt[i].id, id, 2) == 0)
			return &h->opt[i];
	return NULL;
}

int
kxi_tr31_parse(const char *blk, size_t len, struct kxi_tr31_hdr *h,
    kx_diag *d)
{
	size_t i, pos, bl, ll;
	long n, nopt;
	unsigned k;

	memset(h, 0, sizeof(*h));
	if (blk == NULL || len < HDR_FIXED)
		return KX_FAIL(d, KX_ESYNTAX, "TR-31: a key block has at least "
		    "%d characters, this one %zu", HDR_FIXED, len);
	for (i = 0; i < len; i++)
		if (!is_print((unsigned char)blk[i]))
			return KX_FAIL(d, KX_ESYNTAX, "TR-31: character %zu "
			    "is not printable ASCII", i + 1);
	n = num(blk + 1, 4, 10);
	if (n < 0 || (size_t)n != len)
		return KX_FAIL(d, KX_ESYNTAX, "TR-31: the length field says "
		    "%.4s, the block has %zu characters", blk + 1, len);
	for (i = 5; i < 12; i++)
		if (!is_alnum((unsigned char)blk[i]))
			return KX_FAIL(d, KX_ESYNTAX, "TR-31: header character "
			    "%zu is not alphanumeric", i + 1);
	if ((nopt = num(blk + 12, 2, 10)) < 0 || num(blk + 14, 2, 10) != 0)
		return KX_FAIL(d, KX_ESYNTAX, "TR-31: the optional block count "
		    "'%.2s' or the reserved field '%.2s' is malformed",
		    blk + 12, blk + 14);
	if (nopt > KXI_TR31_MAX_OPT)
		return KX_FAIL(d, KX_ELIMIT, "TR-31: %ld optional blocks (at "
		    "most %d are read)", nopt, KXI_TR31_MAX_OPT);
	h->version = blk[0];
	memcpy(h->usage, blk + 5, 2);
	h->alg = blk[7];
	h->mode = blk[8];
	memcpy(h->key_version, blk + 9, 2);
	h->exportability = blk[11];
	pos = HDR_FIXED;
	for (k = 0; k < (unsigned)nopt; k++) {
		struct kxi_tr31_opt *o = &h->opt[k];
		size_t hl = 4;

		if (len - pos < 4)
			return KX_FAIL(d, KX_ESYNTAX, "TR-31: optional block "
			    "%u is cut short", k + 1);
		if (!is_alnum((unsigned char)blk[pos]) ||
		    !is_alnum((unsigned char)blk[pos + 1]))
			return KX_FAIL(d, KX_ESYNTAX, "TR-31: optional block "
			    "%u has a malformed id", k + 1);
		if ((n = num(blk + pos + 2, 2, 16)) < 0)
			return KX_FAIL(d, KX_ESYNTAX, "TR-31: optional block "
			    "%.2s has a malformed length", blk + pos);
		if (n == 0) {
			/* extended: "00", LL hex = size of the length */
			if (len - pos < 6 ||
			    (n = num(blk + pos + 4, 2, 16)) < 1 || n > 4 ||
			    len - pos < 6 + (size_t)n)
				return KX_FAIL(d, KX_ESYNTAX, "TR-31: optional "
				    "block %.2s has a malformed extended "
				    "length", blk + pos);
			ll = (size_t)n;
			if ((n = num(blk + pos + 6, ll, 16)) < 0)
				return KX_FAIL(d, KX_ESYNTAX, "TR-31: optional "
				    "block %.2s has a malformed extended "
				    "length", blk + pos);
			hl = 6 + ll;
		}
		bl = (size_t)n;
		if (bl < hl || bl > len - pos)
			return KX_FAIL(d, KX_ESYNTAX, "TR-31: optional block "
			    "%.2s of %zu characters does not fit", blk + pos,
			    bl);
		memcpy(o->id, blk + pos, 2);
		o->data = blk + pos + hl;
		o->len = bl - hl;
		pos += bl;
	}
	h->nopt = (unsigned)nopt;
	h->hdrlen = pos;
	return KX_OK;
}

/* KBEK and KBMK of kbpk under method m into kbek[m->klen], kbmk[...]. */
static int
derive(const struct method *m, const uint8_t *kbpk, uint8_t *kbek,
    uint8_t *kbmk, kx_diag *d)
{
	uint8_t in[8], out[16];
	size_t i, nb = (m->klen + m->bs - 1) / m->bs, take;
	unsigned bits = (unsigned)m->klen * 8;
	int u, r = KX_OK;

	for (u = 0; u < 2 && r == KX_OK; u++) {
		for (i = 0; i < nb; i++) {
			in[0] = (uint8_t)(i + 1);	/* counter */
			in[1] = 0;
			in[2] = (uint8_t)u;	/* 0 encryption, 1 MAC */
			in[3] = 0;		/* separator */
			in[4] = 0;
			in[5] = m->alg_ind;
			in[6] = (uint8_t)(bits >> 8);
			in[7] = (uint8_t)bits;
			/* the same 8 bytes pad to a 16-byte AES block by
			 * CMAC itself (TR-31:2018 5.3.2.3) */
			if ((r = kxi_cmac(m->cbc, kbpk, m->bs == 8 ? 24 :
			    m->klen, in, sizeof(in), out, sizeof(out), d)) !=
			    KX_OK)
				break;
			take = m->klen - i * m->bs < m->bs ?
			    m->klen - i * m->bs : m->bs;
			memcpy((u == 0 ? kbek : kbmk) + i * m->bs, out, take);
		}
	}
	OPENSSL_cleanse(out, sizeof(out));
	return r;
}

/* The KBPK as the cipher wants it: TDEA keys K1|K2|K3. */
static int
kbpk_bytes(const struct method *m, const kx_secret *kbpk, uint8_t *out)
{
	if (m->bs == 8)
		return kxi_tdea_key24(kx_secret_data(kbpk),
		    kx_secret_len(kbpk), out);
	memcpy(out, kx_secret_data(kbpk), m->klen);
	return KX_OK;
}

/* TDEA KBEK/KBMK are used as K1|K2|K3 too. */
static void
expand(const struct method *m, uint8_t *k)
{
	if (m->bs == 8 && m->klen == 16)
		memcpy(k + 16, k, 8);
}

static int
cbc(const struct method *m, int enc, const uint8_t *key, const uint8_t *iv,
    const uint8_t *in, size_t n, uint8_t *out, kx_diag *d)
{
	return kxi_cipher_once(m->cbc, enc, key, iv, 1, in, n, out, NULL,
	    "TR-31: CBC", d);
}

/* Append c to b, KX_ENOMEM on failure. */
static int
put(kx_buf *b, const void *p, size_t n)
{
	return kx_buf_append(b, p, n);
}

int
kxi_tr31_wrap(const kx_secret *kbpk, const struct kxi_tr31_hdr *h,
    const kx_secret *key, const uint8_t *pad, kx_buf *out, kx_diag *d)
{
	struct method m;
	uint8_t kp[32], kbek[32], kbmk[32], mac[16];
	kx_secret *pl = NULL;
	kx_buf hdr = { 0 }, mi = { 0 };
	uint8_t *ct = NULL, *p;
	size_t klen = kx_secret_len(key), plen, hlen, total, i, padn, bl;
	size_t start = out->len;
	char tmp[32], *hex = NULL;
	unsigned k, nopt;
	int r;

	if (h == NULL || kbpk == NULL || key == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (method_of(h->version, kx_secret_len(kbpk), &m) != 0)
		return KX_FAIL(d, KX_EINPUT, "TR-31: version %c does not take "
		    "a %zu-byte key block protection key", h->version,
		    kx_secret_len(kbpk));
	/* the key length field counts bits in 16 bits; an RSA-4096 PKCS#8
	 * key (about 2.4 KB) fits, the 9999-character block decides beyond */
	if (klen == 0 || klen > 8191)
		return KX_FAIL(d, KX_EINPUT, "TR-31: a key of %zu bytes", klen);
	if (h->nopt + 1 > KXI_TR31_MAX_OPT)
		return KX_FAIL(d, KX_ELIMIT, "TR-31: too many optional blocks");
	memset(kp, 0, sizeof(kp));
	plen = (2 + klen + m.bs - 1) / m.bs * m.bs;
	/* header: the fixed part, the caller's blocks, a PB to the block */
	hlen = HDR_FIXED;
	for (k = 0; k < h->nopt; k++)
		hlen += 4 + h->opt[k].len;
	padn = (m.bs - hlen % m.bs) % m.bs;
	nopt = h->nopt;
	if (nopt > 0 && padn != 0) {
		if (padn < 4)
			padn += m.bs;
		nopt++;
	}
	if (nopt == 0)
		padn = 0;
	total = hlen + padn + 2 * (plen + m.bs);
	if (total > 9999)
		return KX_FAIL(d, KX_ELIMIT, "TR-31: a key block of %zu "
		    "characters does not fit the length field", total);
	snprintf(tmp, sizeof(tmp), "%c%04zu%.2s%c%c%.2s%c%02u00", h->version,
	    total, h->usage, h->alg, h->mode, h->key_version,
	    h->exportability, nopt);
	if (strlen(tmp) != HDR_FIXED)
		return KX_FAIL(d, KX_EINPUT, "TR-31: a header field is "
		    "missing");
	for (i = 1; i < HDR_FIXED; i++)
		if (i >= 5 && i < 12 && !is_alnum((unsigned char)tmp[i]))
			return KX_FAIL(d, KX_EINPUT, "TR-31: header field "
			    "character %zu is not alphanumeric", i + 1);
	if ((r = put(&hdr, tmp, HDR_FIXED)) != KX_OK)
		goto out;
	for (k = 0; k < h->nopt; k++) {
		const struct kxi_tr31_opt *o = &h->opt[k];

		bl = 4 + o->len;
		if (bl > 255 || !is_alnum((unsigned char)o->id[0]) ||
		    !is_alnum((unsigned char)o->id[1])) {
			r = KX_FAIL(d, KX_EINPUT, "TR-31: optional block %.2s "
			    "cannot be written", o->id);
			goto out;
		}
		for (i = 0; i < o->len; i++)
			if (!is_print((unsigned char)o->data[i])) {
				r = KX_FAIL(d, KX_EINPUT, "TR-31: optional "
				    "block %.2s is not printable", o->id);
				goto out;
			}
		snprintf(tmp, sizeof(tmp), "%.2s%02zX", o->id, bl);
		if ((r = put(&hdr, tmp, 4)) != KX_OK ||
		    (r = put(&hdr, o->data, o->len)) != KX_OK)
			goto out;
	}
	if (padn > 0) {
		snprintf(tmp, sizeof(tmp), "PB%02zX", padn);
		if ((r = put(&hdr, tmp, 4)) != KX_OK)
			goto out;
		for (i = 4; i < padn; i++)
			if ((r = put(&hdr, "0", 1)) != KX_OK)
				goto out;
	}
	/* payload: [bits]16 || key || padding */
	if ((r = kx_secret_new(plen, &pl)) != KX_OK)
		goto out;
	p = kx_secret_mut(pl);
	p[0] = (uint8_t)((klen * 8) >> 8);
	p[1] = (uint8_t)(klen * 8);
	memcpy(p + 2, kx_secret_data(key), klen);
	if (pad != NULL)
		memcpy(p + 2 + klen, pad, plen - 2 - klen);
	else if (RAND_bytes(p + 2 + klen, (int)(plen - 2 - klen)) != 1) {
		r = kxi_diag_openssl(d, KX_ECRYPTO, "TR-31: RNG");
		goto out;
	}
	if ((r = kbpk_bytes(&m, kbpk, kp)) != KX_OK ||
	    (r = derive(&m, kp, kbek, kbmk, d)) != KX_OK)
		goto out;
	expand(&m, kbek);
	expand(&m, kbmk);
	if ((r = put(&mi, hdr.data, hdr.len)) != KX_OK ||
	    (r = put(&mi, p, plen)) != KX_OK)
		goto out;
	if ((r = kxi_cmac(m.cbc, kbmk, m.bs == 8 ? 24 : m.klen, mi.data,
	    mi.len, mac, sizeof(mac), d)) != KX_OK)
		goto out;
	if ((ct = OPENSSL_malloc(plen)) == NULL ||
	    (hex = OPENSSL_malloc(2 * plen + 1)) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = cbc(&m, 1, kbek, mac, p, plen, ct, d)) != KX_OK)
		goto out;
	if ((r = put(out, hdr.data, hdr.len)) != KX_OK)
		goto out;
	kx_hex_encode(ct, plen, hex);
	if ((r = put(out, hex, 2 * plen)) != KX_OK)
		goto out;
	kx_hex_encode(mac, m.bs, hex);
	r = put(out, hex, 2 * m.bs);
out:
	if (r != KX_OK)
		out->len = start;
	OPENSSL_cleanse(kp, sizeof(kp));
	OPENSSL_cleanse(kbek, sizeof(kbek));
	OPENSSL_cleanse(kbmk, sizeof(kbmk));
	kx_secret_free(pl);
	kx_buf_free(&mi);	/* wipes: it held the clear payload */
	kx_buf_free(&hdr);
	OPENSSL_free(ct);
	OPENSSL_free(hex);
	return r;
}

static int
tr31_open(const kx_secret *kbpk, const char *blk, size_t len,
    struct kxi_tr31_hdr *h, kx_secret **key, kx_secret **payload,
    kx_diag *d)
{
	struct method m;
	uint8_t kp[32], kbek[32], kbmk[32], mac[16], want[16];
	kx_secret *pl = NULL, *k = NULL;
	kx_buf mi = { 0 };
	uint8_t *ct = NULL;
	const char *hx;
	size_t plen, i, bits;
	int r, a, b;

	*key = NULL;
	if ((r = kxi_tr31_parse(blk, len, h, d)) != KX_OK)
		return r;
	if (h->version != 'B' && h->version != 'D')
		return KX_FAIL(d, KX_EUNSUPPORTED, "TR-31: key block version "
		    "%c is not read (B and D are)", h->version);
	if (method_of(h->version, kx_secret_len(kbpk), &m) != 0)
		return KX_FAIL(d, KX_EINPUT, "TR-31: a version %c key block "
		    "does not open under a %zu-byte key", h->version,
		    kx_secret_len(kbpk));
	if (h->hdrlen % m.bs != 0)
		return KX_FAIL(d, KX_ESYNTAX, "TR-31: the header (%zu "
		    "characters) is not a whole number of %zu-byte blocks",
		    h->hdrlen, m.bs);
	if (len - h->hdrlen < 2 * (2 * m.bs) ||
	    (len - h->hdrlen) % (2 * m.bs) != 0)
		return KX_FAIL(d, KX_ESYNTAX, "TR-31: %zu characters after the "
		    "header do not hold an encrypted key and a MAC",
		    len - h->hdrlen);
	memset(kp, 0, sizeof(kp));
	plen = (len - h->hdrlen) / 2 - m.bs;
	if ((ct = OPENSSL_malloc(plen)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	hx = blk + h->hdrlen;
	for (i = 0; i < plen + m.bs; i++) {
		a = hexval((unsigned char)hx[2 * i]);
		b = hexval((unsigned char)hx[2 * i + 1]);
		if (a < 0 || b < 0) {
			r = KX_FAIL(d, KX_ESYNTAX, "TR-31: character %zu is "
			    "not an upper-case hex digit", h->hdrlen + 2 * i +
			    (a < 0 ? 1 : 2));
			goto out;
		}
		if (i < plen)
			ct[i] = (uint8_t)(a << 4 | b);
		else
			mac[i - plen] = (uint8_t)(a << 4 | b);
	}
	if ((r = kbpk_bytes(&m, kbpk, kp)) != KX_OK ||
	    (r = derive(&m, kp, kbek, kbmk, d)) != KX_OK)
		goto out;
	expand(&m, kbek);
	expand(&m, kbmk);
	if ((r = kx_secret_new(plen, &pl)) != KX_OK)
		goto out;
	if ((r = cbc(&m, 0, kbek, mac, ct, plen, kx_secret_mut(pl), d)) !=
	    KX_OK)
		goto out;
	if ((r = put(&mi, blk, h->hdrlen)) != KX_OK ||
	    (r = put(&mi, kx_secret_data(pl), plen)) != KX_OK ||
	    (r = kxi_cmac(m.cbc, kbmk, m.bs == 8 ? 24 : m.klen, mi.data,
	    mi.len, want, sizeof(want), d)) != KX_OK)
		goto out;
	if (CRYPTO_memcmp(want, mac, m.bs) != 0) {
		r = KX_FAIL(d, KX_ECRYPTO, "TR-31: the key block MAC does not "
		    "verify (wrong key block protection key, or the block was "
		    "changed)");
		goto out;
	}
	bits = (size_t)kx_secret_data(pl)[0] << 8 | kx_secret_data(pl)[1];
	if (bits == 0 || bits % 8 != 0 || bits / 8 > plen - 2) {
		r = KX_FAIL(d, KX_ECRYPTO, "TR-31: the key length field (%zu "
		    "bits) does not fit the %zu-byte payload", bits, plen);
		goto out;
	}
	if ((r = kx_secret_new(bits / 8, &k)) != KX_OK)
		goto out;
	memcpy(kx_secret_mut(k), kx_secret_data(pl) + 2, bits / 8);
	*key = k;
	k = NULL;
	if (payload != NULL) {
		*payload = pl;
		pl = NULL;
	}
out:
	OPENSSL_cleanse(kp, sizeof(kp));
	OPENSSL_cleanse(kbek, sizeof(kbek));
	OPENSSL_cleanse(kbmk, sizeof(kbmk));
	kx_secret_free(pl);
	kx_secret_free(k);
	kx_buf_free(&mi);
	OPENSSL_free(ct);
	return r;
}

int
kxi_tr31_unwrap(const kx_secret *kbpk, const char *blk, size_t len,
    struct kxi_tr31_hdr *h, kx_secret **key, kx_diag *d)
{
	return tr31_open(kbpk, blk, len, h, key, NULL, d);
}

int
kxi_tr31_unwrap_payload(const kx_secret *kbpk, const char *blk, size_t len,
    struct kxi_tr31_hdr *h, kx_secret **key, kx_secret **payload, kx_diag *d)
{
	*payload = NULL;
	return tr31_open(kbpk, blk, len, h, key, payload, d);
}
