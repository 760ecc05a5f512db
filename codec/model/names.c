/*
 * names.c - enum <-> name tables of the model.  The names are the ones
 * used in the native XML, the ASN.1 module (as ENUMERATED identifiers),
 * the CLI and diagnostics.  Order = C enum value; tables, not switches.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const class_names[] = { "secret", "private", "public" };
static const char *const alg_names[] = { "none", "des", "tdea2", "tdea3",
	"aes", "hmac", "rsa", "ec" };
static const char *const usage_names[] = { "encrypt", "decrypt",
	"translate", "sign", "verify", "verify-recover", "mac-generate",
	"mac-verify", "wrap", "unwrap", "rewrap", "derive", "key-agreement",
	"generate", "cryptogram", "pin", "otp", "cr", "unlock" };
static const char *const mode_names[] = { "ecb", "cbc", "cmac",
	"retail-mac", "gcm", "kw", "kwp", "oaep", "pss", "siv" };
static const char *const role_names[] = { "none", "gp-enc", "gp-mac",
	"gp-dek", "gp-dap", "gp-token", "gp-receipt", "kek", "kbpk", "bdk",
	"emv-ac", "emv-smi", "emv-smc", "emv-dac", "emv-dn", "emv-cp", "data",
	"pin-enc", "pin-ver", "cvk", "mac" };
static const char *const state_names[] = { "pre-active", "active",
	"suspended", "deactivated", "compromised", "destroyed" };
static const char *const revocation_names[] = { "none", "unspecified",
	"key-compromise", "superseded", "cessation" };
static const char *const keymode_names[] = { "production", "test" };
static const char *const form_names[] = { "bound-block", "wrapped",
	"components", "clear" };
static const char *const hash_names[] = { "none", "sha1", "sha224",
	"sha256", "sha384", "sha512" };
static const char *const split_names[] = { "none", "xor", "shamir-gf256",
	"concat" };
static const char *const relation_names[] = { "derived-from", "wrapped-by",
	"replaces", "replaced-by", "pair-of", "component-of", "copy-of" };
static const char *const scp_names[] = { "none", "scp01", "scp02", "scp03",
	"scp80", "scp81" };
static const char *const div_names[] = { "none", "visa2", "emv", "kdf3" };
static const char *const value_form_names[] = { "none", "wrapped",
	"components", "clear" };
static const char *const wrap_names[] = { "none", "aes-siv-bound", "tr31-d",
	"aes-kw", "aes-kwp", "tdea-ecb", "tdea-cbc", "rsa-oaep-sha256",
	"rsa-aes-kwp", "tr31-b-bound", "aes-cbc", "aes-kwp-cmac-bound" };
static const char *const kcv_names[] = { "none", "gp-des", "gp-aes",
	"zero-block", "cmac", "spki-sha256" };

#define T(arr, n) { arr, n }
static const struct {
	const char *const *names;
	size_t n;
} tables[KX_ENUM__N] = {
	[KX_ENUM_CLASS] = T(class_names, KX_CLASS__N),
	[KX_ENUM_ALG] = T(alg_names, KX_ALG__N),
	[KX_ENUM_USAGE] = T(usage_names, KX_U__N),
	[KX_ENUM_MODE_OF_OP] = T(mode_names, KX_M__N),
	[KX_ENUM_ROLE] = T(role_names, KX_ROLE__N),
	[KX_ENUM_STATE] = T(state_names, KX_STATE__N),
	[KX_ENUM_REVOCATION] = T(revocation_names, KX_REV__N),
	[KX_ENUM_KEYMODE] = T(keymode_names, KX_KEYMODE__N),
	[KX_ENUM_FORM] = T(form_names, KX_FORM__N),
	[KX_ENUM_HASH] = T(hash_names, KX_HASH__N),
	[KX_ENUM_SPLIT] = T(split_names, KX_SPLIT__N),
	[KX_ENUM_RELATION] = T(relation_names, KX_REL__N),
	[KX_ENUM_SCP] = T(scp_names, KX_SCP__N),
	[KX_ENUM_DIVERSIFICATION] = T(div_names, KX_DIV__N),
	[KX_ENUM_VALUE_FORM] = T(value_form_names, KX_VALUE__N),
	[KX_ENUM_WRAP_ALG] = T(wrap_names, KX_WRAP__N),
	[KX_ENUM_KCV_METHOD] = T(kcv_names, KX_KCV__N),
};
#undef T

/* Every table must name every enum value: checked at compile time. */
#define CHECK(arr, n) _Static_assert(sizeof(arr) / sizeof(arr[0]) == (n), \
	#arr " does not match its enum")
CHECK(class_names, KX_CLASS__N);
CHECK(alg_names, KX_ALG__N);
CHECK(usage_names, KX_U__N);
CHECK(mode_names, KX_M__N);
CHECK(role_names, KX_ROLE__N);
CHECK(state_names, KX_STATE__N);
CHECK(revocation_names, KX_REV__N);
CHECK(keymode_names, KX_KEYMODE__N);
CHECK(form_names, KX_FORM__N);
CHECK(hash_names, KX_HASH__N);
CHECK(split_names, KX_SPLIT__N);
CHECK(relation_names, KX_REL__N);
CHECK(scp_names, KX_SCP__N);
CHECK(div_names, KX_DIV__N);
CHECK(value_form_names, KX_VALUE__N);
CHECK(wrap_names, KX_WRAP__N);
CHECK(kcv_names, KX_KCV__N);
#undef CHECK
_Static_assert(KX_U__N <= 32, "usage mask must fit 32 bits");

const char *
kxi_an(const char *name)
{
	return name != NULL && name[0] != '\0' &&
	    strchr("aeiouAEIOU", name[0]) != NULL ? "an" : "a";
}

const char *
kx_name(enum kx_enum_type t, int v)
{
	if ((unsigned)t >= KX_ENUM__N || v < 0 || (size_t)v >= tables[t].n)
		return NULL;
	return tables[t].names[v];
}

int
kx_value(enum kx_enum_type t, const char *name)
{
	size_t i;

	if ((unsigned)t >= KX_ENUM__N || name == NULL)
		return -1;
	for (i = 0; i < tables[t].n; i++)
		if (strcmp(tables[t].names[i], name) == 0)
			return (int)i;
	return -1;
}

int
kx_enum_count(enum kx_enum_type t)
{
	if ((unsigned)t >= KX_ENUM__N)
		return 0;
	return (int)tables[t].n;
}

/*
 * What each KCV method and algorithm allows: facts of the model that need
 * no cryptography, so the hub (api.c, strict.c) asks them without calling
 * up into crypto/ (tests/build/layers.sh).
 */
size_t
kx_kcv_default_len(enum kx_kcv_method m)
{
	return m == KX_KCV_CMAC ? 5 : m == KX_KCV_SPKI_SHA256 ?
	    KX_FINGERPRINT_LEN : 3;
}

int
kx_kcv_len_range(enum kx_kcv_method m, size_t *min, size_t *max)
{
	if (min == NULL || max == NULL)
		kxi_misuse(__func__, "NULL argument");
	switch (m) {
	case KX_KCV_GP_DES:
	case KX_KCV_GP_AES:
	case KX_KCV_ZERO_BLOCK:
		*min = *max = 3;
		return KX_OK;
	case KX_KCV_CMAC:
		*min = 3;
		*max = KX_KCV_MAX_LEN;
		return KX_OK;
	case KX_KCV_SPKI_SHA256:	/* public: all of it */
		*min = *max = KX_FINGERPRINT_LEN;
		return KX_OK;
	default:
		*min = *max = 0;
		return KX_EUSAGE;
	}
}

const char *
kxi_kcv_len_text(enum kx_kcv_method m, char *buf, size_t size)
{
	size_t lo, hi;

	if (kx_kcv_len_range(m, &lo, &hi) != KX_OK)
		snprintf(buf, size, "no length");
	else if (lo == hi)
		snprintf(buf, size, "%zu bytes", lo);
	else
		snprintf(buf, size, "%zu to %zu bytes", lo, hi);
	return buf;
}

/*
 * How many bytes of a supplied n-byte KCV of method m for an alg key are
 * compared: n within the method's lengths; the method's maximum for a
 * longer one that is still no more than one cipher block (8 bytes for
 * DES and TDEA, 16 for AES: a GP KeyProfile's KCVSize 5 of a gp-des KCV);
 * 0 when n is shorter than the method allows or longer than a block.  The
 * bytes past the maximum are neither compared nor carried: a document or
 * a caller cannot make us compute or print more than the method's bound.
 */
size_t
kxi_kcv_cmp_len(enum kx_alg alg, enum kx_kcv_method m, size_t n)
{
	size_t lo, hi, block;

	if (kx_kcv_len_range(m, &lo, &hi) != KX_OK || n < lo)
		return 0;
	if (n <= hi)
		return n;
	if (m == KX_KCV_SPKI_SHA256)
		return 0;
	block = alg == KX_ALG_AES ? 16 : alg == KX_ALG_DES ||
	    alg == KX_ALG_TDEA2 || alg == KX_ALG_TDEA3 ? 8 : 0;
	return n <= block ? hi : 0;
}

enum kx_kcv_method
kx_kcv_default_method(enum kx_alg alg)
{
	switch (alg) {
	case KX_ALG_DES:
	case KX_ALG_TDEA2:
	case KX_ALG_TDEA3:
		return KX_KCV_GP_DES;
	case KX_ALG_AES:
		return KX_KCV_GP_AES;
	case KX_ALG_RSA:
	case KX_ALG_EC:
		return KX_KCV_SPKI_SHA256;
	default:
		return KX_KCV_NONE;
	}
}

int
kx_alg_for_len(enum kx_alg family, size_t keylen, enum kx_alg *out)
{
	if (out == NULL)
		kxi_misuse(__func__, "NULL argument");
	switch (family) {
	case KX_ALG_AES:
		if (keylen == 16 || keylen == 24 || keylen == 32) {
			*out = KX_ALG_AES;
			return KX_OK;
		}
		break;
	case KX_ALG_DES:
	case KX_ALG_TDEA2:
	case KX_ALG_TDEA3:
		if (keylen == 8)
			*out = KX_ALG_DES;
		else if (keylen == 16)
			*out = KX_ALG_TDEA2;
		else if (keylen == 24)
			*out = KX_ALG_TDEA3;
		else
			break;
		return KX_OK;
	default:
		break;
	}
	return KX_EUSAGE;
}
