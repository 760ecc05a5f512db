/*
 * oid.c - object identifiers: dotted text and DER content octets, one
 * value range for every reader and writer.
 *
 * An OID of the model has at least two arcs; the first is 0, 1 or 2; the
 * second is 0..39 under 0 and 1 (X.660 section A.2, X.690 8.19.4); no arc
 * exceeds 2^63 - 1 (what the model and both codecs carry); dotted text has
 * no leading zeros and at most KXI_OID_MAX_TEXT characters (the schema's
 * limit).  The XML and GP readers check text with kxi_oid_check(); the DER
 * writer encodes with kxi_oid_to_der(), the DER and GP readers decode
 * with kxi_oid_from_der(), which refuses non-minimal subidentifiers and
 * arcs out of range.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "internal.h"

#define ARC_MAX 9223372036854775807ULL	/* 2^63 - 1 */

/* Parse the arcs of dotted text; KX_OK or KX_ESCHEMA with *why. */
static int
parse(const char *s, uint64_t *arcs, size_t max, size_t *n, const char **why)
{
	uint64_t v;
	size_t k = 0;

	*n = 0;
	if (s == NULL || *s == '\0') {
		*why = "empty";
		return KX_ESCHEMA;
	}
	if (strlen(s) > KXI_OID_MAX_TEXT) {
		*why = "longer than 256 characters";
		return KX_ESCHEMA;
	}
	for (;;) {
		if (*s < '0' || *s > '9') {
			*why = "not dotted decimal arcs";
			return KX_ESCHEMA;
		}
		if (*s == '0' && s[1] >= '0' && s[1] <= '9') {
			*why = "an arc has a leading zero";
			return KX_ESCHEMA;
		}
		for (v = 0; *s >= '0' && *s <= '9'; s++) {
			if (v > (ARC_MAX - (uint64_t)(*s - '0')) / 10) {
				*why = "an arc exceeds 2^63-1";
				return KX_ESCHEMA;
			}
			v = v * 10 + (uint64_t)(*s - '0');
		}
		if (k == max) {
			*why = "too many arcs";
			return KX_ESCHEMA;
		}
		arcs[k++] = v;
		if (*s == '\0')
			break;
		if (*s++ != '.') {
			*why = "not dotted decimal arcs";
			return KX_ESCHEMA;
		}
	}
	if (k < 2) {
		*why = "fewer than two arcs";
		return KX_ESCHEMA;
	}
	if (arcs[0] > 2) {
		*why = "the first arc is not 0, 1 or 2";
		return KX_ESCHEMA;
	}
	if (arcs[0] < 2 && arcs[1] > 39) {
		*why = "the second arc exceeds 39 under 0 or 1";
		return KX_ESCHEMA;
	}
	*n = k;
	return KX_OK;
}

int
kxi_oid_check(const char *s, const char **why)
{
	uint64_t arcs[KXI_OID_MAX_TEXT / 2 + 1];
	const char *w = NULL;
	size_t n;
	int r;

	r = parse(s, arcs, sizeof(arcs) / sizeof(arcs[0]), &n, &w);
	if (why != NULL)
		*why = w;
	return r;
}

/* Base-128 subidentifier v into out at *len (max bytes). */
static int
put_sub(uint64_t v, uint8_t *out, size_t max, size_t *len)
{
	uint8_t tmp[10];
	size_t k = 0;

	do {
		tmp[k++] = (uint8_t)(v & 0x7f);
		v >>= 7;
	} while (v != 0);
	if (*len + k > max)
		return KX_ELIMIT;
	while (k > 0) {
		k--;
		out[(*len)++] = (uint8_t)(tmp[k] | (k > 0 ? 0x80 : 0));
	}
	return KX_OK;
}

int
kxi_oid_to_der(const char *s, uint8_t *out, size_t max, size_t *len,
    const char **why)
{
	uint64_t arcs[KXI_OID_MAX_TEXT / 2 + 1];
	const char *w = NULL;
	size_t n, i;
	int r;

	*len = 0;
	if ((r = parse(s, arcs, sizeof(arcs) / sizeof(arcs[0]), &n, &w)) !=
	    KX_OK) {
		if (why != NULL)
			*why = w;
		return r;
	}
	/* X.690 8.19.4: the first two arcs make one subidentifier */
	r = put_sub(arcs[0] * 40 + arcs[1], out, max, len);
	for (i = 2; r == KX_OK && i < n; i++)
		r = put_sub(arcs[i], out, max, len);
	if (r != KX_OK && why != NULL)
		*why = "too long";
	return r;
}

int
kxi_oid_from_der(const uint8_t *p, size_t n, char *out, size_t max,
    const char **why)
{
	uint64_t v = 0, a0;
	size_t i, len = 0;
	int first = 1, start = 1, k;

	*why = NULL;
	if (n == 0) {
		*why = "no content octets";
		return KX_ESCHEMA;
	}
	if ((p[n - 1] & 0x80) != 0) {
		*why = "the last subidentifier is cut off";
		return KX_ESCHEMA;
	}
	for (i = 0; i < n; i++) {
		if (start && p[i] == 0x80) {
			*why = "a subidentifier is not minimal (X.690 8.19.2)";
			return KX_ESCHEMA;
		}
		start = 0;
		if (v > (UINT64_MAX >> 7)) {
			*why = "an arc exceeds 2^63-1";
			return KX_ESCHEMA;
		}
		v = v << 7 | (p[i] & 0x7f);
		if (p[i] & 0x80)
			continue;
		if (first) {
			a0 = v < 40 ? 0 : v < 80 ? 1 : 2;
			v -= 40 * a0;
			if (v > ARC_MAX) {
				*why = "an arc exceeds 2^63-1";
				return KX_ESCHEMA;
			}
			k = snprintf(out + len, max - len, "%u.%llu",
			    (unsigned)a0, (unsigned long long)v);
			first = 0;
		} else {
			if (v > ARC_MAX) {
				*why = "an arc exceeds 2^63-1";
				return KX_ESCHEMA;
			}
			k = snprintf(out + len, max - len, ".%llu",
			    (unsigned long long)v);
		}
		if (k < 0 || (size_t)k >= max - len ||
		    len + (size_t)k > KXI_OID_MAX_TEXT) {
			*why = "longer than 256 characters";
			return KX_ESCHEMA;
		}
		len += (size_t)k;
		v = 0;
		start = 1;
	}
	return KX_OK;
}
