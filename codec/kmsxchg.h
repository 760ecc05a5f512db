/*
 * kmsxchg.h - libkmsxchg public API.
 *
 * One in-memory model of a key-exchange document (header, transport-key
 * references, keys with their profiles and optional values) and the
 * formats that read into it and write from it.  Every fallible function
 * returns KX_OK (0) or a negative KX_E... code and, where a kx_diag is
 * given (NULL is allowed), records where and why.  The library never
 * prints, except the misuse message below just before it aborts.
 *
 * Ownership: whoever allocates frees.
 * Secrets live only in kx_secret objects (secure heap, wiped on free).
 *
 * NULL arguments, one rule for every function (tests/unit/test_api_null.c
 * walks them):
 *  - kx_*_free(NULL), kx_audit_close(NULL), kx_diag_clear(NULL) and
 *    kx_diag_set_strict(NULL, ...) do nothing;
 *  - a query of a NULL object gives the empty answer: 0 for counts and
 *    lengths, NULL for pointers and names, -1 for indexes and enum values,
 *    KX_TIME_UNSET for times (kx_key_is_protected(NULL) and
 *    kx_key_sensitive(NULL) are 1, the safe answer);
 *  - every kx_diag *d argument may be NULL (nothing is recorded), and so
 *    may every argument whose comment says "may be NULL";
 *  - any other NULL is a programming error, not an input error: the
 *    function writes "libkmsxchg: FUNCTION: misuse: ..." to stderr and
 *    calls abort() (the only output of the library).  KX_EUSAGE is for
 *    argument values that are wrong, never for a NULL.
 */
#ifndef KMSXCHG_H
#define KMSXCHG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KX_WUR __attribute__((warn_unused_result))
#define KX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KX_WUR
#define KX_PRINTF(a, b)
#endif

#define KX_MODEL_VERSION 1
#define KX_NS "urn:kmsxchg:xml:ns:1"
#define KX_POLICY_NS "urn:kmsxchg:xml:ns:policy:1"
#define KX_GP_NS "http://namespaces.globalplatform.org/systems-profiles/1.1.0"

/* ---- error codes ------------------------------------------------------ */
/* The values are codec/model/errors.def's (not installed); err.c and test_model
 * check that the two agree. */
enum kx_error {
	KX_OK = 0,		/* success */
	KX_ENOMEM = -1,		/* out of memory */
	KX_EIO = -2,		/* input/output error */
	KX_EUSAGE = -3,		/* invalid argument */
	KX_ESYNTAX = -4,	/* malformed input */
	KX_ESCHEMA = -5,	/* input does not follow the schema */
	KX_ELIMIT = -6,		/* input exceeds a limit */
	KX_ECRYPTO = -7,	/* cryptographic operation failed */
	KX_EUNSUPPORTED = -8,	/* not supported */
	KX_EINTERNAL = -9,	/* internal error */
	KX_EPOLICY = -10,	/* refused by policy or profile restriction */
	KX_EKCV = -11,		/* key check value mismatch */
	KX_ENOTFOUND = -12,	/* not found */
	KX_EPERM = -13,		/* insecure permissions */
	KX_EINPUT = -14,	/* the input does not fit the operation */
	KX_EEXIST = -15,	/* file exists */
};

/* Text for a KX_E code; never NULL (unknown codes give a generic text). */
const char *kx_strerror(int rc);

/* ---- buffers ---------------------------------------------------------- */
/* A growable byte buffer.  max == 0 means the library default limit. */
typedef struct kx_buf {
	uint8_t *data;
	size_t len, cap, max;
} kx_buf;

/* Append; KX_ENOMEM or KX_ELIMIT when growing past max. */
int kx_buf_append(kx_buf *b, const void *p, size_t n) KX_WUR;
int kx_buf_printf(kx_buf *b, const char *fmt, ...) KX_PRINTF(2, 3) KX_WUR;
/* Frees the data (wiped first: a buffer may have held key material). */
void kx_buf_free(kx_buf *b);

/* ---- hex -------------------------------------------------------------- */
/* Upper-case hex of p[n] into out[2n+1] (NUL-terminated). */
void kx_hex_encode(const uint8_t *p, size_t n, char *out);
/*
 * Decode hex text s[slen] (either case; spaces, tabs and line ends
 * skipped) into out[max]; *len gets the byte count.  KX_ESYNTAX for a bad
 * digit or an odd digit count, KX_ELIMIT past max.  Not for secrets read
 * from files (kx_keysrc_load decodes those into secure memory).
 */
int kx_hex_decode(const char *s, size_t slen, uint8_t *out, size_t max,
    size_t *len) KX_WUR;

/* ---- diagnostics ------------------------------------------------------ */
enum kx_severity { KX_SEV_NOTE = 0, KX_SEV_WARNING = 1, KX_SEV_ERROR = 2 };

typedef struct kx_finding {
	char rule[8];		/* "KX104"; "" for non-rule errors */
	enum kx_severity severity;
	int rc;			/* KX_E... behind it, KX_OK for rule findings;
				 * KX_EUNSUPPORTED for a rule that could not
				 * be evaluated for the key (the fields it
				 * reads are absent): a note "not checked: ",
				 * an error under kx_diag_set_strict() */
	const char *file;	/* as given to the reader; may be NULL */
	uint32_t line, col;	/* XML: 1-based; 0 when unknown */
	int64_t offset;		/* DER: byte offset; -1 when unknown */
	const char *key_id;	/* key the finding is about, or NULL */
	const char *message;	/* one line, no key material */
} kx_finding;

typedef struct kx_diag kx_diag;

/*
 * A diag stores at most KX_DIAG_MAX_FINDINGS findings of any severity,
 * then errors only (up to twice that many in all); what it does not
 * store it still counts.  Verdicts use kx_diag_count_at(), which counts
 * every finding recorded, stored or not.
 */
#define KX_DIAG_MAX_FINDINGS 100000
kx_diag *kx_diag_new(void);
void kx_diag_free(kx_diag *d);
/* Findings stored (the range of kx_diag_get()). */
size_t kx_diag_count(const kx_diag *d);
/* Findings recorded at or above severity, stored or not. */
size_t kx_diag_count_at(const kx_diag *d, enum kx_severity min);
/* Findings of exactly severity sev counted but not stored (the limit). */
size_t kx_diag_dropped(const kx_diag *d, enum kx_severity sev);
/* Strict: record "not checked" rule notes (rc KX_EUNSUPPORTED) as
 * errors from now on (validate --strict). */
void kx_diag_set_strict(kx_diag *d, int strict);
/* Borrowed, valid until the diag is freed or cleared. */
const kx_finding *kx_diag_get(const kx_diag *d, size_t i);
/* Forget every finding, stored, counted and dropped (strict stays). */
void kx_diag_clear(kx_diag *d);

enum kx_report_format {
	KX_REPORT_TEXT, KX_REPORT_JSON, KX_REPORT_SARIF, KX_REPORT_JUNIT
};
/* One file's worth of validation result, for the report writers. */
typedef struct kx_report_file {
	const char *file;
	size_t first, count;	/* findings [first, first+count) of the diag */
	/* findings of this file counted but not stored, per kx_severity
	 * (the differences of kx_diag_dropped() around reading the file) */
	size_t dropped[3];
} kx_report_file;
/*
 * Render findings as text (FILE:LINE:COL: severity: [KXnnn] message),
 * JSON, SARIF 2.1.0 or JUnit XML.  Deterministic output: the same
 * findings and options give the same bytes.  A file with
 * dropped findings gets one more line (result, test case) saying how
 * many were not printed, at the worst severity among them, and is
 * invalid when one of them is an error.
 */
int kx_report_write(const kx_diag *d, const kx_report_file *files,
    size_t nfiles, enum kx_report_format fmt, kx_buf *out) KX_WUR;
/* What a report says about the run itself. */
typedef struct kx_report_opts {
	int64_t when;		/* JUnit timestamps (seconds, UTC) */
	int incomplete;		/* stopped early: SARIF executionSuccessful */
} kx_report_opts;
/* kx_report_write with o (NULL: when 0, no SARIF invocation). */
int kx_report_write_opts(const kx_diag *d, const kx_report_file *files,
    size_t nfiles, enum kx_report_format fmt, const kx_report_opts *o,
    kx_buf *out) KX_WUR;

/* ---- rules ------------------------------------------------------------ */
/*
 * The phases a rule applies in (a bit set): a document as it is
 * (validate), export, import and rewrap (the rules then see every key as
 * the operation will leave it); see kmsxchg(5).
 */
enum kx_phase { KX_PHASE_DOCUMENT = 1, KX_PHASE_EXPORT = 2,
	KX_PHASE_IMPORT = 4, KX_PHASE_REWRAP = 8 };
typedef struct kx_rule_info {
	const char *id;		/* "KX104" */
	enum kx_severity severity; /* default severity */
	const char *summary;	/* one line */
	unsigned phases;	/* mask of enum kx_phase */
} kx_rule_info;
size_t kx_rule_count(void);
const kx_rule_info *kx_rule_get(size_t i);
const kx_rule_info *kx_rule_find(const char *id);

/* ---- model enumerations (names in names.c; XML/ASN.1 use the same) ---- */
enum kx_class { KX_CLASS_SECRET = 0, KX_CLASS_PRIVATE, KX_CLASS_PUBLIC,
	KX_CLASS__N };
enum kx_alg { KX_ALG_NONE = 0, KX_ALG_DES, KX_ALG_TDEA2, KX_ALG_TDEA3,
	KX_ALG_AES, KX_ALG_HMAC, KX_ALG_RSA, KX_ALG_EC, KX_ALG__N };
/* Usage bits (kx_usage mask = 1u << value). */
enum kx_usage { KX_U_ENCRYPT = 0, KX_U_DECRYPT, KX_U_TRANSLATE, KX_U_SIGN,
	KX_U_VERIFY, KX_U_VERIFY_RECOVER, KX_U_MAC_GENERATE, KX_U_MAC_VERIFY,
	KX_U_WRAP, KX_U_UNWRAP, KX_U_REWRAP, KX_U_DERIVE, KX_U_KEY_AGREEMENT,
	KX_U_GENERATE, KX_U_CRYPTOGRAM, KX_U_PIN, KX_U_OTP, KX_U_CR,
	KX_U_UNLOCK, KX_U__N };
#define KX_USAGE_BIT(u) (1u << (u))
enum kx_mode_of_op { KX_M_ECB = 0, KX_M_CBC, KX_M_CMAC, KX_M_RETAIL_MAC,
	KX_M_GCM, KX_M_KW, KX_M_KWP, KX_M_OAEP, KX_M_PSS, KX_M_SIV, KX_M__N };
enum kx_role { KX_ROLE_NONE = 0, KX_ROLE_GP_ENC, KX_ROLE_GP_MAC,
	KX_ROLE_GP_DEK, KX_ROLE_GP_DAP, KX_ROLE_GP_TOKEN, KX_ROLE_GP_RECEIPT,
	KX_ROLE_KEK, KX_ROLE_KBPK, KX_ROLE_BDK, KX_ROLE_EMV_AC, KX_ROLE_EMV_SMI,
	KX_ROLE_EMV_SMC, KX_ROLE_EMV_DAC, KX_ROLE_EMV_DN, KX_ROLE_EMV_CP,
	KX_ROLE_DATA, KX_ROLE_PIN_ENC, KX_ROLE_PIN_VER, KX_ROLE_CVK,
	KX_ROLE_MAC, KX_ROLE__N };
enum kx_state { KX_STATE_PRE_ACTIVE = 0, KX_STATE_ACTIVE, KX_STATE_SUSPENDED,
	KX_STATE_DEACTIVATED, KX_STATE_COMPROMISED, KX_STATE_DESTROYED,
	KX_STATE__N };
enum kx_revocation { KX_REV_NONE = 0, KX_REV_UNSPECIFIED,
	KX_REV_KEY_COMPROMISE, KX_REV_SUPERSEDED, KX_REV_CESSATION, KX_REV__N };
enum kx_keymode { KX_KEYMODE_PRODUCTION = 0, KX_KEYMODE_TEST, KX_KEYMODE__N };
/* Export forms (mask bits). */
enum kx_form { KX_FORM_BOUND_BLOCK = 0, KX_FORM_WRAPPED, KX_FORM_COMPONENTS,
	KX_FORM_CLEAR, KX_FORM__N };
enum kx_hash { KX_HASH_NONE = 0, KX_HASH_SHA1, KX_HASH_SHA224,
	KX_HASH_SHA256, KX_HASH_SHA384, KX_HASH_SHA512, KX_HASH__N };
enum kx_split_method { KX_SPLIT_NONE = 0, KX_SPLIT_XOR, KX_SPLIT_SHAMIR,
	KX_SPLIT_CONCAT, KX_SPLIT__N };
enum kx_relation { KX_REL_DERIVED_FROM = 0, KX_REL_WRAPPED_BY,
	KX_REL_REPLACES, KX_REL_REPLACED_BY, KX_REL_PAIR_OF,
	KX_REL_COMPONENT_OF, KX_REL_COPY_OF, KX_REL__N };
enum kx_scp { KX_SCP_NONE = 0, KX_SCP01, KX_SCP02, KX_SCP03, KX_SCP80,
	KX_SCP81, KX_SCP__N };
enum kx_diversification { KX_DIV_NONE = 0, KX_DIV_VISA2, KX_DIV_EMV,
	KX_DIV_KDF3, KX_DIV__N };
enum kx_value_form { KX_VALUE_NONE = 0, KX_VALUE_WRAPPED,
	KX_VALUE_COMPONENTS, KX_VALUE_CLEAR, KX_VALUE__N };
enum kx_wrap_alg { KX_WRAP_NONE = 0, KX_WRAP_AES_SIV_BOUND, KX_WRAP_TR31_D,
	KX_WRAP_AES_KW, KX_WRAP_AES_KWP, KX_WRAP_TDEA_ECB, KX_WRAP_TDEA_CBC,
	KX_WRAP_RSA_OAEP_SHA256, KX_WRAP_RSA_AES_KWP, KX_WRAP_TR31_B_BOUND,
	KX_WRAP_AES_CBC, KX_WRAP_AES_KWP_CMAC_BOUND, KX_WRAP__N };
enum kx_kcv_method { KX_KCV_NONE = 0, KX_KCV_GP_DES, KX_KCV_GP_AES,
	KX_KCV_ZERO_BLOCK, KX_KCV_CMAC, KX_KCV_SPKI_SHA256, KX_KCV__N };

/*
 * Names as used in XML, ASN.1 comments and the CLI ("tdea2", "mac-verify",
 * "aes-siv-bound", ...).  kx_name() returns NULL for out-of-range values;
 * kx_value() returns -1 for unknown names.
 */
enum kx_enum_type { KX_ENUM_CLASS = 0, KX_ENUM_ALG, KX_ENUM_USAGE, KX_ENUM_MODE_OF_OP,
	KX_ENUM_ROLE, KX_ENUM_STATE, KX_ENUM_REVOCATION, KX_ENUM_KEYMODE, KX_ENUM_FORM,
	KX_ENUM_HASH, KX_ENUM_SPLIT, KX_ENUM_RELATION, KX_ENUM_SCP, KX_ENUM_DIVERSIFICATION,
	KX_ENUM_VALUE_FORM, KX_ENUM_WRAP_ALG, KX_ENUM_KCV_METHOD, KX_ENUM__N };
const char *kx_name(enum kx_enum_type t, int v);
int kx_value(enum kx_enum_type t, const char *name);
int kx_enum_count(enum kx_enum_type t);

/*
 * NIST SP 800-57 Pt 1 security strength in bits of an algorithm/length
 * (0 for single DES and unknown).  hash only matters for HMAC.
 */
unsigned kx_strength(enum kx_alg alg, unsigned length_bits, enum kx_hash h);
/* Strength of a wrapping mechanism under a KEK of the given alg/length. */
unsigned kx_wrap_strength(enum kx_wrap_alg w, enum kx_alg kek_alg,
    unsigned kek_bits);

/* ---- secrets ---------------------------------------------------------- */
/*
 * A kx_secret holds clear key material (or a PEM private key) on OpenSSL's
 * secure heap when it is available; kx_secret_free() wipes it.  Never copy
 * secret bytes into ordinary memory.
 */
typedef struct kx_secret kx_secret;
int kx_secret_new(size_t len, kx_secret **out) KX_WUR;
int kx_secret_from(const void *p, size_t len, kx_secret **out) KX_WUR;
const uint8_t *kx_secret_data(const kx_secret *s);
uint8_t *kx_secret_mut(kx_secret *s);
size_t kx_secret_len(const kx_secret *s);
/* Shrink the visible length (e.g. after unwrapping); never grows. */
void kx_secret_truncate(kx_secret *s, size_t len);
void kx_secret_free(kx_secret *s);

/*
 * Initialise process-level protections: secure heap (size bytes), no core
 * dumps, not dumpable.  Returns 1 secure heap with locking, 2 without
 * locking, 0 none (as CRYPTO_secure_malloc_init).
 */
int kx_secmem_init(size_t size);

/*
 * Load a secret from a key source: file:PATH (refused if group- or
 * world-readable), fd:N, env:VAR, hex:HEX (tests only; *insecure is set
 * to 1, the caller warns).  The content is hex text (hex digits and white
 * space, every run of digits even), a PEM key ("-----BEGIN "), or exactly
 * the raw key bytes; other text (odd digit counts, non-hex characters,
 * only white space) is refused, never used as bytes (see keysrc.c).
 * kx_keysrc_load_as() also wants a key of alg: DES/TDEA2/TDEA3 8, 16 or
 * 24 bytes, AES 16, 24 or 32 bytes, exactly len bytes when len != 0, a
 * PEM key for RSA/EC; KX_ALG_NONE and HMAC take any length (and NONE a
 * PEM key).  kx_keysrc_load() is kx_keysrc_load_as(KX_ALG_NONE, 0).
 * pkcs11: URIs return KX_EUNSUPPORTED until the PKCS#11 spoke exists.
 * WARNING: the spec string may name a file but never holds key material,
 * except for hex:.  No message carries the content.
 */
int kx_keysrc_load(const char *spec, kx_secret **out, int *insecure,
    kx_diag *d) KX_WUR;
int kx_keysrc_load_as(const char *spec, enum kx_alg alg, size_t len,
    kx_secret **out, int *insecure, kx_diag *d) KX_WUR;
/*
 * A passphrase (of an encrypted PEM key) from file:PATH (private, as
 * above), fd:N or env:VAR: the bytes as they are, without a final line
 * end, never decoded as hex; empty is refused, and hex: is not accepted.
 */
int kx_keysrc_load_pass(const char *spec, kx_secret **out, kx_diag *d)
    KX_WUR;

/* ---- key check values ------------------------------------------------- */
/* Default KCV length for a method: 3, 5 for CMAC, 32 for spki-sha256. */
size_t kx_kcv_default_len(enum kx_kcv_method m);
/*
 * The KCV lengths a method allows, so that a document cannot choose how
 * much of E(K, block) we reveal: exactly 3 bytes for gp-des, gp-aes and
 * zero-block (GPCS B.6, PKCS#11 CKA_CHECK_VALUE), 3 to 5 bytes for cmac
 * (ANSI X9.24-1:2017 Annex A).  KX_EUSAGE for no or an unknown method.
 * spki-sha256, the fingerprint of an rsa or ec key's public key (SHA-256
 * of its SubjectPublicKeyInfo DER), is public and has all 32 bytes; it is
 * never computed from a secret (kx_kcv_compute refuses it), so
 * KX_KCV_MAX_LEN bounds the KCVs of secret keys only.
 */
#define KX_KCV_MAX_LEN 5
#define KX_FINGERPRINT_LEN 32
int kx_kcv_len_range(enum kx_kcv_method m, size_t *min, size_t *max)
    KX_WUR;
/* Default method for an algorithm: gp-des for DES/TDEA, gp-aes for AES,
 * spki-sha256 for rsa and ec. */
enum kx_kcv_method kx_kcv_default_method(enum kx_alg alg);
/*
 * Compute a KCV of key (DES/TDEA 8/16/24 bytes or AES 16/24/32 bytes)
 * into out[kcvlen]; kcvlen must be in kx_kcv_len_range() of the method
 * (KX_EUSAGE otherwise, nothing computed).
 */
int kx_kcv_compute(enum kx_alg alg, enum kx_kcv_method m, const kx_secret *key,
    uint8_t *out, size_t kcvlen, kx_diag *d) KX_WUR;
/* Algorithm implied by a symmetric key length for a family ("aes"/"tdea"). */
int kx_alg_for_len(enum kx_alg family, size_t keylen, enum kx_alg *out)
    KX_WUR;

/* ---- wrapping --------------------------------------------------------- */
/*
 * Wrap key under kek with alg.  For rsa-oaep-sha256 and rsa-aes-kwp the kek
 * holds a PEM public key (wrap) or private key (unwrap).  aad is used by
 * aes-siv-bound (binding version 1: the canonical DER of the bound
 * profile; export and import use version 2, doc/bound-wrap.md) and by
 * aes-kwp-cmac-bound (the bound data, as given) only, and must be NULL/0
 * otherwise.  Output: for aes-siv-bound, the 16-byte SIV followed by the
 * ciphertext (RFC 5297 layout); for aes-kwp-cmac-bound, the RFC 5649
 * block under the derived KBEK followed by the 16-byte CMAC tag
 * (kmsxchg(5)).
 */
int kx_wrap(enum kx_wrap_alg alg, const kx_secret *kek, const kx_secret *key,
    const uint8_t *aad, size_t aadlen, kx_buf *out, kx_diag *d) KX_WUR;
/* The inverse; fails with KX_ECRYPTO on any integrity/padding failure. */
int kx_unwrap(enum kx_wrap_alg alg, const kx_secret *kek, const uint8_t *in,
    size_t inlen, const uint8_t *aad, size_t aadlen, kx_secret **out,
    kx_diag *d) KX_WUR;

/*
 * Decrypt an encrypted PEM private key with pass (the passphrase, without
 * a final line end) into *out, the same key as unencrypted PKCS#8 PEM in
 * secure memory.  Nothing ever prompts on a terminal: kx_wrap/kx_unwrap
 * refuse an encrypted PEM key, saying so.
 */
int kx_pem_unlock(const kx_secret *pem, const kx_secret *pass,
    kx_secret **out, kx_diag *d) KX_WUR;

/* ---- components ------------------------------------------------------- */
/*
 * Split key into n components: XOR (threshold 0 or n) or Shamir over
 * GF(2^8) with threshold m (2 <= m <= n <= 255).  parts[i] receive new
 * secrets; for Shamir, x-coordinates are i+1 and are returned in xs[i].
 * Randomness from OpenSSL's DRBG.
 */
int kx_split(const kx_secret *key, unsigned n, unsigned m,
    kx_secret **parts, uint8_t *xs, kx_diag *d) KX_WUR;
/* Combine k parts (XOR when m == 0, else Shamir with xs). */
int kx_combine(kx_secret *const *parts, const uint8_t *xs, unsigned k,
    unsigned m, kx_secret **out, kx_diag *d) KX_WUR;

/*
 * One component in a small text file (the CLI's split/combine):
 *   kmsxchg-component v1
 *   index: 2
 *   parts: 3
 *   threshold: 2             (xor: equal to parts)
 *   method: xor|shamir
 *   algorithm: aes           (kx_name(KX_ENUM_ALG))
 *   kcv-method: gp-aes       (kx_name(KX_ENUM_KCV_METHOD))
 *   component-kcv: 1A2B3C    (KCV of this component's value)
 *   key-kcv: 4D5E6F          (KCV of the whole key)
 *   value: 00112233...       (hex)
 * in exactly this order, LF line ends.  Reading is strict: unknown,
 * missing, repeated or out-of-order fields are refused (KX_ESYNTAX), a
 * component KCV that does not match the value is KX_EKCV.  The value's
 * hex digits are wiped from buf after reading.
 */
typedef struct kx_component_info {
	unsigned index;		/* 1..parts; the Shamir x-coordinate */
	unsigned parts;		/* n, 2..255 */
	unsigned threshold;	/* m; == parts for xor */
	enum kx_split_method method;	/* KX_SPLIT_XOR or KX_SPLIT_SHAMIR */
	enum kx_alg alg;
	enum kx_kcv_method kcv_method;
	uint8_t component_kcv[16];
	size_t component_kcv_len;	/* as key_kcv_len */
	uint8_t key_kcv[16];
	size_t key_kcv_len;	/* kx_kcv_len_range(): 3, cmac 3..5 */
} kx_component_info;
/*
 * DES parity of XOR components (ANSI X9.24: DES key components are in odd
 * parity; the low bit of every byte is its parity bit, not a key bit).
 * kx_des_parity_adjust sets odd parity on every byte of a DES/TDEA key or
 * XOR component (what kmsxchg writes: split's components, combine's key);
 * a no-op for other algorithms and for Shamir shares, which are not DES
 * keys.  kx_component_parity_check refuses (KX_ESYNTAX, naming the file
 * and the byte) an XOR DES/TDEA component read with a byte in even parity.
 */
void kx_des_parity_adjust(enum kx_alg alg, enum kx_split_method method,
    kx_secret *value);
int kx_component_parity_check(const kx_component_info *ci,
    const kx_secret *value, const char *name, kx_diag *d) KX_WUR;
/*
 * A 16- or 24-byte TDEA key with K1 == K2 (or, 3-key, K2 == K3), parity bits
 * aside, is single DES: refused (KX121, KX_EPOLICY, naming what), as a
 * transport key and in split/combine.  KX_OK for other lengths.
 */
int kx_tdea_key_check(const kx_secret *key, const char *what,
    kx_diag *d) KX_WUR;
/* Appends the file text to out (which then holds key material: wipe it
 * with kx_buf_free). */
int kx_component_write(const kx_component_info *ci, const kx_secret *value,
    kx_buf *out, kx_diag *d) KX_WUR;
int kx_component_read(uint8_t *buf, size_t len, const char *name,
    kx_component_info *ci, kx_secret **value, kx_diag *d) KX_WUR;
/* Largest component file kx_components_combine reads. */
#define KX_COMPONENT_MAX_FILE	((size_t)64 << 10)
/*
 * Rebuild a key from the component files paths[0..n-1] (2..255): each
 * file is read private (kx_file_read_private, then kx_component_read: its
 * component KCV is checked), must
 * belong to the split of paths[0] (parts, threshold, method, algorithm,
 * KCV method, key KCV, value length) and repeat no index; xor needs every
 * part, Shamir the threshold; the rebuilt key must match the key KCV.
 * info[n] (may be NULL) receives the header of each file read, in the
 * order of paths (zeroed past a failure); the key's algorithm, KCV method
 * and KCV are info[0]'s.  Errors name the file: KX_EIO, KX_ENOTFOUND,
 * KX_EPERM (reading), KX_ESYNTAX, KX_ELIMIT (not a component file), KX_EKCV (a
 * damaged component, or a key that does not match its KCV), KX_EINPUT
 * (components that do not fit together or are too few), KX_EUSAGE (n).
 * The CLI's combine and every --kek-component, --from-kek-component and
 * --components.
 */
int kx_components_combine(const char *const *paths, size_t n,
    kx_component_info *info, kx_secret **key, kx_diag *d) KX_WUR;
/*
 * kx_components_combine in two steps, for a key combined elsewhere (in a
 * token, kx_p11_combine): kx_components_load reads and checks the files
 * as above (values[n] receives each component on the secure heap; the
 * caller frees them; all NULL after a failure) without combining them;
 * kx_components_rebuild combines loaded components in process and checks
 * the key KCV (name: the file named in that error).
 */
int kx_components_load(const char *const *paths, size_t n,
    kx_component_info *info, kx_secret **values, kx_diag *d) KX_WUR;
int kx_components_rebuild(const kx_component_info *info,
    kx_secret *const *values, size_t n, const char *name, kx_secret **key,
    kx_diag *d) KX_WUR;


/* ---- documents -------------------------------------------------------- */
typedef struct kx_doc kx_doc;
typedef struct kx_key kx_key;
typedef struct kx_policy kx_policy;

enum kx_format {
	KX_FMT_NONE = -1,	/* a NULL document's or reader's (-1) */
	KX_FMT_AUTO = 0,
	KX_FMT_XML,		/* native exchange XML (KX_NS) */
	KX_FMT_DER,		/* native ASN.1 DER */
	KX_FMT_GP,		/* GlobalPlatform Systems Profiles KeyProfile */
	KX_FMT__N
};
/* A format by its name (kx_format_name); KX_FMT_AUTO for unknown names. */
enum kx_format kx_format_from_name(const char *name);
const char *kx_format_name(enum kx_format f);
/*
 * What a format carries and how it is written: ask these, never which
 * format it is.  A model attribute a format cannot carry is reported as
 * lost (KX009) when written to it.
 */
#define KX_CAP_BINARY	(1u << 0)	/* bytes, not text: no terminal */
#define KX_CAP_KEYS	(1u << 1)	/* several keys in one document */
/* (1u << 2), (1u << 4), (1u << 5): not used (they were declared and set
 * but nothing asked them; what a format loses is its writer's KX009) */
#define KX_CAP_TK_KCV	(1u << 3)	/* the KCV of a transport key */
#define KX_CAP_BOUND	(1u << 6)	/* bound wrapped values (aes-siv-bound):
					 * an output of export, import and
					 * rewrap */
#define KX_CAP_TK_ALG	(1u << 7)	/* a transport key's algorithm (GP
					 * records the wrapping mode only) */
#define KX_CAP_CRYPTOGRAM (1u << 8)	/* values as unbound cryptograms
					 * under the transport key: TDEA-ECB
					 * under TDEA, AES-CBC (zero ICV)
					 * under AES (export --to such a
					 * format without KX_CAP_BOUND) */
/* The KX_CAP_ bits of a format; 0 for KX_FMT_AUTO and unknown values. */
unsigned kx_format_caps(enum kx_format f);
/* Detect a format from content (never from a file name). */
enum kx_format kx_format_detect(const uint8_t *buf, size_t len);

/*
 * Parse a document.  name is used in diagnostics only.  The input is
 * refused whole on any error (no partial documents).  Unknown-but-legal
 * content (generator artefacts, foreign extensions) is reported as
 * warnings in d.  Schema validation of XML input is part of reading.
 */
int kx_doc_read(const uint8_t *buf, size_t len, enum kx_format fmt,
    const char *name, kx_doc **out, kx_diag *d) KX_WUR;
/*
 * kx_doc_read() of a file ("-" = stdin): through the streaming reader
 * (kx_reader_open), so a regular file is mapped, not copied, and its size
 * is not limited (standard input is read whole, at most 256 MiB); the
 * document itself of course holds every key.
 */
int kx_doc_read_file(const char *path, enum kx_format fmt, kx_doc **out,
    kx_diag *d) KX_WUR;
/*
 * Serialise.  XML and DER are canonical: equal models give equal bytes.
 * Writing a format that cannot hold some attribute reports each lost
 * attribute as a warning (KX009) in d and still succeeds.
 */
int kx_doc_write(const kx_doc *doc, enum kx_format fmt, kx_buf *out,
    kx_diag *d) KX_WUR;
/*
 * Serialise key `index` alone, with the header and transport-key
 * references of doc: for one-key formats (GP KeyProfile) and for handing
 * a document over one key at a time.
 */
#define KX_HAVE_DOC_WRITE_KEY 1
int kx_doc_write_key(const kx_doc *doc, size_t index, enum kx_format fmt,
    kx_buf *out, kx_diag *d) KX_WUR;
void kx_doc_free(kx_doc *doc);

size_t kx_doc_key_count(const kx_doc *doc);
/* Borrowed, valid until the document is freed. */
const kx_key *kx_doc_key(const kx_doc *doc, size_t i);
/* Whether a key is a production key or marked sensitive (or NULL). */
int kx_key_is_protected(const kx_key *k);
/* Whether any key of doc carries a clear value (output is key material). */
int kx_doc_has_clear(const kx_doc *doc);
/*
 * Whether any key of doc carries a value, clear or wrapped: the output is
 * key material and must not silently replace a file (KX_WRITE_NEW).
 */
int kx_doc_has_values(const kx_doc *doc);
/* Whether key k (or NULL) carries a clear value. */
int kx_key_has_clear(const kx_key *k);
const char *kx_doc_id(const kx_doc *doc);
/* Extensions of the document header (foreign elements kept), or 0. */
size_t kx_doc_extension_count(const kx_doc *doc);

/*
 * Semantic validation (the KXnnn rules).  now: the reference time for
 * validity rules (seconds since the epoch).  policy may be NULL (built-in
 * defaults).  against may be NULL: otherwise the sender's document, whose
 * keys this document's keys (same id) may only narrow.  Returns KX_OK when
 * validation ran; findings say whether the document is valid.
 */
int kx_doc_validate(const kx_doc *doc, const kx_policy *policy, int64_t now,
    const kx_doc *against, kx_diag *d) KX_WUR;

/* ---- streaming: documents one key at a time -------------------------- */
/*
 * A reader hands over the keys of a document one at a time, in document
 * order; memory does not grow with the number of keys (a regular file is
 * mapped, not copied, and the pages already read are given back; standard
 * input is read whole).  There is no limit on the size of the document;
 * limits apply per key and per XML node.
 *
 * kx_reader_open: path "-" is standard input; fmt KX_FMT_AUTO detects the
 * format from the content.  Reads what precedes the keys.  On error *out
 * is NULL and d says why (the codes of kx_doc_read_file).
 * kx_reader_next: 1 and *key (borrowed: valid until the next call or
 * kx_reader_close) for a key; 0 at the end of a document that read
 * completely; a negative KX_E code when the input is bad from some point
 * on: then every key handed over so far must be treated as unread (a
 * document is valid whole or not at all), and later calls return the same
 * code.  Reader findings (KX001-KX004) go to d as they are met.
 * kx_reader_doc: the document's header and transport keys, with no keys
 * (kx_doc_key_count 0); complete once kx_reader_next returned a key or 0.
 * kx_reader_keys: keys handed over so far.  kx_reader_close is NULL-safe.
 * GP KeyProfiles (one key) are read whole behind the same calls.
 */
typedef struct kx_reader kx_reader;
int kx_reader_open(const char *path, enum kx_format fmt, kx_reader **out,
    kx_diag *d) KX_WUR;
int kx_reader_next(kx_reader *r, const kx_key **key, kx_diag *d) KX_WUR;
const kx_doc *kx_reader_doc(const kx_reader *r);
enum kx_format kx_reader_format(const kx_reader *r);
size_t kx_reader_keys(const kx_reader *r);
/* KX_OK, or the error that made the input unreadable (an operation that
 * reads through r, such as kx_reader_rewrap, failed on the input). */
int kx_reader_error(const kx_reader *r);
/* The document of r read whole from its start, for an operation that needs
 * it whole (standard input too: r keeps what it read); held to the native
 * schema as kx_doc_read_file holds it. */
int kx_reader_read_whole(kx_reader *r, kx_doc **out, kx_diag *d) KX_WUR;
/*
 * A second pass over the document of r, once kx_reader_next returned 0:
 * *head gets the header and transport keys as that pass completed them
 * (with the foreign elements met between or after the keys, which a
 * writer puts in the header, before the keys: open a kx_writer on *head),
 * the caller's to kx_doc_free after the writer; r hands over the same keys
 * again from the first, and its reader findings again (the caller keeps
 * one pass's).  Standard input too (r keeps what it read).  KX_EUSAGE for
 * a reader not at its end or a format read whole (GP); the error of the
 * first pass if it failed.  Memory stays flat.
 */
int kx_reader_rewind(kx_reader *r, kx_doc **head, kx_diag *d) KX_WUR;
void kx_reader_close(kx_reader *r);

/*
 * A writer takes a document one key at a time: kx_writer_open with the
 * header and transport keys (head: a document whose keys, if any, are
 * ignored; it must stay valid until kx_writer_finish), kx_writer_key per
 * key, kx_writer_finish for the end of the document; the bytes go to
 * sink(arg, p, n) (0 = written, else the writer fails with KX_EIO), in
 * order, and are exactly what kx_doc_write gives for the same document.
 * Memory does not grow with the number of keys (DER must know the length
 * of all the keys before the first: its keys are spooled to an unlinked
 * temporary file in $TMPDIR or /tmp and sent at kx_writer_finish).
 * Formats of one key per document (GP) take exactly one key.  On an error
 * the output sent so far is incomplete: write it where it can be thrown
 * away (kmsxchg writes to a temporary file renamed at the end).
 * kx_writer_free is NULL-safe and frees an unfinished writer too.
 */
typedef struct kx_writer kx_writer;
typedef int (*kx_sink)(void *arg, const void *p, size_t n);
int kx_writer_open(const kx_doc *head, enum kx_format fmt, kx_sink sink,
    void *arg, kx_writer **out, kx_diag *d) KX_WUR;
int kx_writer_key(kx_writer *w, const kx_key *key, kx_diag *d) KX_WUR;
int kx_writer_finish(kx_writer *w, kx_diag *d) KX_WUR;
void kx_writer_free(kx_writer *w);

/*
 * kx_doc_validate over a file read one key at a time: reads path (as
 * kx_reader_open) and runs the rules on each key as it comes, keeping of
 * the keys only what the rules between keys need (ids and KCVs, GP slots:
 * compact summaries).  Findings are those kx_doc_read_file and
 * kx_doc_validate give, in the same order.  Returns the reader's error
 * code when the document could not be read (as kx_doc_read_file), else
 * the code of kx_doc_validate.  A document whose keys refer to one another
 * as copies (copy-of), or validated with against, is read whole.
 */
int kx_file_validate(const char *path, const kx_policy *policy, int64_t now,
    const kx_doc *against, kx_diag *d) KX_WUR;

/*
 * A printable HTML key report (schema/xslt/report-html.xsl): header,
 * transport keys with their ceremony KCVs, one row per key with its
 * profile and KCV, and lines for the custodians' signatures.  Never any
 * key value: clear test values are removed before the stylesheet runs.
 */
int kx_doc_report_html(const kx_doc *doc, kx_buf *out, kx_diag *d) KX_WUR;

/* One line per key: id, algorithm, usage, validity, state, KCV. */
int kx_doc_summary(const kx_doc *doc, kx_buf *out) KX_WUR;
/* The same in parts, for a document read one key at a time: the first
 * line (with nkeys) and the transport keys, then one line per key. */
int kx_doc_summary_head(const kx_doc *doc, size_t nkeys, kx_buf *out)
    KX_WUR;
int kx_key_summary(const kx_key *k, kx_buf *out) KX_WUR;

/* ---- exchange: export, import, rewrap --------------------------------- */
typedef struct kx_xchg_opts {
	int64_t now;		/* reference time (validity, created) */
	const kx_policy *policy; /* NULL = built-in defaults */
	const char *doc_id;	/* export: new document id; NULL = derived */
	const char *sender;	/* export: NULL = keep the profile's */
	const char *recipient;	/* export: NULL = keep the profile's */
	const char *kek_id;	/* export/rewrap: transport-key id to record;
				 * import: the storage key's id */
	/* export: ceremony record of the KEK (component KCVs), optional */
	unsigned kek_parts, kek_threshold;
	const uint8_t *const *kek_part_kcvs;
	/*
	 * import: the storage key the caller will re-wrap the keys under
	 * (kx_rewrap with the same opts), or NULL for clear output; the
	 * rules of the import phase (a storage key weaker than a key, KX121)
	 * decide before any key is handed over.
	 */
	const kx_secret *storage_kek;
	/* import, rewrap: the sender's document the received keys may only
	 * narrow (KX124), or NULL */
	const kx_doc *against;
	/*
	 * Algorithm family of the transport key values are wrapped under
	 * (export: kek; import: storage_kek; rewrap: to): KX_ALG_AES
	 * (aes-siv-bound), or a TDEA one (2-key or 3-key by the length;
	 * tr31-b-bound, a TR-31 version B key block).  KX_ALG_NONE: implied
	 * by the length only when unambiguous (32 bytes); a 16- or 24-byte
	 * key is then refused (KX_EUSAGE).
	 */
	enum kx_alg kek_alg;
	/*
	 * import and rewrap: the family of the key read from (kek / from)
	 * when the caller knows it (e.g. from its components); it must match
	 * the document's transport key (KX135); KX_ALG_RSA for a PEM private
	 * key (rsa-* values).  KX_ALG_NONE: as the document says.
	 */
	enum kx_alg from_kek_alg;
	/*
	 * import and rewrap: the KCV of the key read from (kek / from),
	 * kek_kcv_len bytes by kek_kcv_method (KX_KCV_NONE: the family's
	 * default, gp-des or gp-aes), for documents whose transport key
	 * carries none (a GP KeyProfile's TransportKey has no KCV).  When
	 * the document has one too, the key must match both (KX135).  A
	 * KCV longer than the method's maximum (kx_kcv_len_range) but at
	 * most one cipher block is compared on that maximum only (a note
	 * says so); no more is computed.
	 */
	const uint8_t *kek_kcv;
	size_t kek_kcv_len;
	enum kx_kcv_method kek_kcv_method;
	/*
	 * export: KX_WRAP_NONE (the default) binds every value
	 * (aes-siv-bound or tr31-b-bound); KX_WRAP_TDEA_ECB or
	 * KX_WRAP_TDEA_CBC (zero IV) writes the GP-native cryptogram under
	 * a TDEA kek instead, KX_WRAP_AES_CBC (zero ICV, GP's SCP03 form;
	 * values of a multiple of 16 bytes) under an AES kek, for a
	 * receiver that reads GP KeyProfiles only; KX_WRAP_RSA_AES_KWP
	 * under an RSA public key (PEM; kek_alg KX_ALG_RSA or NONE), the
	 * form cloud KMSs import (rsa and ec keys as PKCS#8):
	 * NOT bound (its attributes travel unprotected, the receiver can
	 * check the KCV only); the export rules decide on it as for any
	 * wrapped form (KX123: the profile must allow "wrapped").
	 * KX_WRAP_AES_KWP_CMAC_BOUND (export, rewrap, import with a
	 * storage key): bound as well, in the form a PKCS#11 token computes
	 * and checks (AES keks only; kx_p11_export's default).
	 * kx_p11_export takes KX_WRAP_NONE (that form), it or
	 * KX_WRAP_AES_KWP (NOT bound, asked for by name).
	 */
	enum kx_wrap_alg wrap;
	/*
	 * import and rewrap: when not NULL, called with progress_arg after
	 * each key verified, done of total (the document's keys); for a
	 * progress display.  It must not touch the document.
	 */
	void (*progress)(void *arg, size_t done, size_t total);
	void *progress_arg;
	/*
	 * kx_reader_rewrap: when not NULL, called with key_seen_arg for each
	 * key as it is read (i from 0; from 0 again when the document turns
	 * out to need reading whole), with the document's header; for an
	 * audit record.  It must not keep the pointers.
	 */
	void (*key_seen)(void *arg, const kx_doc *head, size_t i,
	    const kx_key *k);
	void *key_seen_arg;
	/*
	 * kx_reader_rewrap: worker threads that unwrap, verify and wrap the
	 * keys while the calling thread reads, checks the rules and writes
	 * (0 or 1: none, all on the calling thread).  The output, the
	 * findings and the result are the same for every value; the
	 * callbacks are called on the calling thread.
	 */
	unsigned jobs;
} kx_xchg_opts;

/* Borrowed id of a key; valid until the document is freed. */
const char *kx_key_id(const kx_key *k);
/*
 * 1 if the key's value is bound to its profile (aes-siv-bound,
 * tr31-b-bound, aes-kwp-cmac-bound); 0 for a value another system wrote without a binding
 * (import checked its KCV only, KX138) or no value.
 */
int kx_key_value_bound(const kx_key *k);
/* KCV bytes of a key (borrowed; NULL when none), its length and method
 * (len and method may be NULL). */
const uint8_t *kx_key_kcv(const kx_key *k, size_t *len,
    enum kx_kcv_method *method);
/*
 * A wrapped value's transport-key id (borrowed) and wrap algorithm; NULL
 * and KX_WRAP_NONE when the key's value is not wrapped.
 */
const char *kx_key_wrapped(const kx_key *k, enum kx_wrap_alg *alg);
/*
 * The format a document was read from (KX_FMT_AUTO if built in memory;
 * KX_FMT_NONE, -1, for a NULL document).
 */
enum kx_format kx_doc_format(const kx_doc *doc);
/*
 * A document read from a format without KX_CAP_TK_ALG (a GP KeyProfile:
 * its TransportKey records the mode only, ECB or CBC, and the reader
 * assumes a 2-key TDEA key, and says so in a note of d).  A receiver who
 * knows the transport key is an AES key of `bits` (its own KeyProfile
 * says SubType AES, GP 1.1.2) says so before kx_import: the transport
 * keys become aes/bits (the reader's note in d now says so) and each
 * value in CBC mode aes-cbc (GP's key data encryption under an AES key:
 * AES-CBC, zero ICV, GPCS Amendment D).  An ECB value is refused (KX139:
 * not a GP form under AES) and nothing changes; KX_EUSAGE for a document
 * whose format names its transport keys' algorithms.
 */
int kx_doc_aes_transport(kx_doc *doc, unsigned bits, kx_diag *d) KX_WUR;
/* Index of the key with this id, or -1. */
long kx_doc_find_key(const kx_doc *doc, const char *id);

/*
 * Export in place: set the header, then for every key i of doc bind its
 * profile and the header (id, created, sender, recipients) to values[i]
 * and wrap it under kek (aes-siv-bound under an AES kek, tr31-b-bound
 * under a TDEA one; binding version 2, see kmsxchg(5)); the new value replaces whatever value the key had (a clear
 * one included).  Record the KCV and the transport-key reference
 * (o->kek_id, algorithm from o->kek_alg).  Before anything
 * is wrapped, each value must fit its profile and KCV (KX139, KX145:
 * KX_EINPUT / KX_EUNSUPPORTED / KX_EKCV; no policy changes those)
 * and the rules of the export phase run over every key as it will leave,
 * with o->policy's severities and waivers: a non-exportable, expired,
 * deactivated, suspended, compromised or destroyed key (pre-active keys
 * travel), a recipient not allowed, a form not allowed, a wrapping key
 * weaker than the key or an hmac key left unbound (KX129) is refused
 * (KX_EPOLICY, findings name the rule).  On failure doc is unusable and
 * must be freed; nothing is half-done for the caller to write.  WARNING:
 * values are clear keys; they are read, never kept.
 */
int kx_export(kx_doc *doc, kx_secret *const *values, size_t nvalues,
    const kx_secret *kek, const kx_xchg_opts *o, kx_diag *d) KX_WUR;

/* One verified key of an import and its clear value (borrowed). */
typedef int (*kx_key_cb)(void *arg, const kx_doc *doc, size_t index,
    const kx_secret *value, kx_diag *d);
/*
 * Import: run the document's rules over doc (with o->against when set)
 * and those of the import phase (import restrictions; o->storage_kek's
 * strength), errors refuse it; check kek against the transport key's KCV
 * and algorithm, unwrap every key verifying its binding (a known method,
 * a matching digest, AES-SIV or the TR-31 MAC: KX136, KX134) and the key's
 * KCV.  Unbound values other systems wrote (aes-kw, aes-kwp, tdea-ecb,
 * tdea-cbc, aes-cbc, rsa-oaep-sha256, rsa-aes-kwp; a GP cryptogram) are unwrapped
 * and must match the key's KCV, with a KX138 warning.  A binding
 * version 1 value (the profile only) verifies with a KX137 warning, and
 * KX127 then refuses keys with import sources (the sender is not
 * authenticated).  Only when every key passed, unwrap them again one at
 * a time and hand each to cb (clear value wiped after cb returns).  A cb
 * error stops the import and is returned.
 */
int kx_import(const kx_doc *doc, const kx_secret *kek, const kx_xchg_opts *o,
    kx_key_cb cb, void *arg, kx_diag *d) KX_WUR;
/*
 * kx_import under a storage key and kx_rewrap of doc to it (recorded as
 * o->kek_id, algorithm o->kek_alg) in one pass: the document's rules and
 * those of the import phase (which include the rewrap phase's) run once,
 * each key is unwrapped once and wrapped under storage as it is verified.
 * Only when every key passed is cb called for each key as received, with
 * value NULL (nothing clear is handed over), and then doc takes the
 * stored values; on failure doc is unchanged.  o->storage_kek is ignored.
 */
int kx_import_store(kx_doc *doc, const kx_secret *kek,
    const kx_secret *storage, const kx_xchg_opts *o, kx_key_cb cb,
    void *arg, kx_diag *d) KX_WUR;
/*
 * Rewrap in place: every wrapped key of doc from the transport key `from`
 * to `to` (recorded as o->kek_id, algorithm o->kek_alg), after the
 * document's rules and those of the rewrap phase (`to` weaker than a key,
 * KX121) passed, verifying bindings and KCVs on the way; each value keeps
 * its binding version and holds the new wrapped bytes and binding only.
 * All or nothing: on failure doc is unchanged.
 */
int kx_rewrap(kx_doc *doc, const kx_secret *from, const kx_secret *to,
    const kx_xchg_opts *o, kx_diag *d) KX_WUR;
/*
 * kx_rewrap over a document read one key at a time (r fresh from
 * kx_reader_open), written one key at a time in format fmt (one that
 * carries bound values) to sink: memory does not grow with the number of
 * keys.  Same checks, findings, result and bytes as kx_rewrap and
 * kx_doc_write of the whole document; *nkeys (may be NULL) gets the number
 * of keys rewrapped.  progress gets total 0 (not known) until the last
 * key is read, then done and total both the number of keys.
 * Not all or nothing for the sink: the bytes go out as the keys are
 * made, so the caller writes them to a temporary file and keeps it only
 * when KX_OK is returned.  A document that cannot be rewrapped one key
 * at a time (o->against, a copy-of relation) is read whole; one with
 * foreign elements after the first key (header extensions, written before
 * the keys) is rewrapped again in a second pass (kx_reader_rewind), in the
 * same memory.  In both cases the sink is first called with p NULL and n
 * 0, meaning "drop what you got".  When the input itself is bad,
 * kx_reader_error(r) is not KX_OK (d has the reader's findings).
 */
int kx_reader_rewrap(kx_reader *r, const kx_secret *from, const kx_secret *to,
    const kx_xchg_opts *o, enum kx_format fmt, kx_sink sink, void *arg,
    size_t *nkeys, kx_diag *d) KX_WUR;

/* ---- building and reading documents (api.c) --------------------------- */
/*
 * Every field of a document and its keys, for callers that build a
 * document in memory (then kx_doc_write / kx_export it) or read one
 * field by field.  Enumerations are the model's (above): their names are
 * kx_name() / kx_value(); usages, modes and export forms are masks of
 * 1u << value (KX_USAGE_BIT).  Strings and bytes given to a setter are
 * copied into the document; those a getter returns are borrowed, valid
 * until the document is freed.  A kx_key pointer (from kx_doc_add_key,
 * kx_doc_key or kx_doc_key_mut) is valid until the document is freed or
 * another key is added to it.  Setters check values against the model
 * (KX_EUSAGE for an enumeration value, mask bit or range the model does
 * not have); validation of the whole document stays kx_doc_validate's.
 * The schema's text constraints (ids of at most 256 characters without
 * white space at either end, XML 1.0 characters, ...) are not checked
 * by the setters: kx_doc_read refuses them (KX002) when the written
 * document is read back.
 * Getters of a NULL key give the empty answer (header rule): 0, NULL,
 * -1 for enumeration values, KX_TIME_UNSET for times.
 */
#define KX_TIME_UNSET INT64_MIN	/* an optional time that is absent */

/*
 * A new empty document with header id, created (seconds, UTC) and sender
 * (copied); *out is the caller's to kx_doc_free.  KX_EUSAGE for an empty
 * id or sender, or created KX_TIME_UNSET.
 */
int kx_doc_new(const char *id, int64_t created, const char *sender,
    kx_doc **out) KX_WUR;
/* Add a recipient (copied) to the header; KX_EUSAGE when empty. */
int kx_doc_add_recipient(kx_doc *doc, const char *name) KX_WUR;
/* Set the header comment (copied); NULL removes it, empty is KX_EUSAGE. */
int kx_doc_set_comment(kx_doc *doc, const char *text) KX_WUR;
/* Header: creation time (KX_TIME_UNSET for NULL), sender, comment
 * (NULL when none), the recipients (index out of range: NULL). */
int64_t kx_doc_created(const kx_doc *doc);
const char *kx_doc_sender(const kx_doc *doc);
const char *kx_doc_comment(const kx_doc *doc);
size_t kx_doc_recipient_count(const kx_doc *doc);
const char *kx_doc_recipient(const kx_doc *doc, size_t i);
/*
 * Append a key with id (copied) and the model's defaults: a secret key
 * of no algorithm, no usage, active, production, sensitive, not
 * exportable, importable, no value (a writer wants an algorithm: set
 * one).  *out (may be NULL) gets the key to set fields on.  KX_EUSAGE for an empty id or an id the document
 * already has, KX_ELIMIT past the key limit.
 */
int kx_doc_add_key(kx_doc *doc, const char *id, kx_key **out) KX_WUR;
/* Key i of doc for changing (NULL when out of range). */
kx_key *kx_doc_key_mut(kx_doc *doc, size_t i);

/* Algorithm and length in bits (0 when unset); the setter does not match
 * the length to the algorithm (kx_doc_validate's rules do). */
int kx_key_alg(const kx_key *k);
unsigned kx_key_length_bits(const kx_key *k);
int kx_key_set_alg(kx_key *k, enum kx_alg alg, unsigned length_bits) KX_WUR;
int kx_key_class(const kx_key *k);
int kx_key_set_class(kx_key *k, enum kx_class c) KX_WUR;
/* Usage and allowed modes of operation (masks; KX_USAGE_BIT). */
uint32_t kx_key_usage(const kx_key *k);
int kx_key_set_usage(kx_key *k, uint32_t mask) KX_WUR;
uint32_t kx_key_modes(const kx_key *k);
int kx_key_set_modes(kx_key *k, uint32_t mask) KX_WUR;
/* Role (KX_ROLE_NONE: none). */
int kx_key_role(const kx_key *k);
int kx_key_set_role(kx_key *k, enum kx_role r) KX_WUR;
/* Validity: either may be KX_TIME_UNSET (absent); not_after must not be
 * before not_before (KX_EUSAGE). */
int64_t kx_key_not_before(const kx_key *k);
int64_t kx_key_not_after(const kx_key *k);
int kx_key_set_validity(kx_key *k, int64_t not_before, int64_t not_after)
    KX_WUR;
/* Life-cycle state, key mode (production/test) and creation time. */
int kx_key_state(const kx_key *k);
int kx_key_set_state(kx_key *k, enum kx_state s) KX_WUR;
int kx_key_mode(const kx_key *k);
int kx_key_set_mode(kx_key *k, enum kx_keymode m) KX_WUR;
int64_t kx_key_created(const kx_key *k);
void kx_key_set_created(kx_key *k, int64_t t);
/* Sensitive (1 or 0; a NULL key is sensitive, the safe answer). */
int kx_key_sensitive(const kx_key *k);
void kx_key_set_sensitive(kx_key *k, int sensitive);

/* The key's text fields; kx_key_id() is its id. */
enum kx_key_text { KX_KT_NAME = 0, KX_KT_DESCRIPTION, KX_KT_OWNER,
	KX_KT_CREATOR, KX_KT_HOLDER, KX_KT_TEMPLATE, KX_KT_REFERENCE,
	KX_KT_VERSION, KX_KT_CRYPTOPERIOD, KX_KT__N };
/* Borrowed text, NULL when absent or f out of range. */
const char *kx_key_text(const kx_key *k, enum kx_key_text f);
/* Set (copy) a text field; NULL removes it.  A cryptoperiod must be an
 * ISO 8601 duration (KX_ESYNTAX); KX_EUSAGE for f out of range or
 * empty text. */
int kx_key_set_text(kx_key *k, enum kx_key_text f, const char *v) KX_WUR;

/*
 * Export restrictions: allowed (1/0); the forms (mask of 1u << kx_form;
 * 0 is the model's default, bound-block only); destinations (empty: any
 * recipient); the minimum wrapping strength in bits (-1: the key's own
 * strength); trusted-KEK-only (-1 unset, 0, 1).
 */
int kx_key_export_allowed(const kx_key *k);
uint32_t kx_key_export_forms(const kx_key *k);
int kx_key_set_export(kx_key *k, int allowed, uint32_t forms) KX_WUR;
size_t kx_key_export_destination_count(const kx_key *k);
const char *kx_key_export_destination(const kx_key *k, size_t i);
int kx_key_add_export_destination(kx_key *k, const char *name) KX_WUR;
int kx_key_min_wrap_strength(const kx_key *k);
/* bits 0..65536, or -1 to remove it. */
int kx_key_set_min_wrap_strength(kx_key *k, int bits) KX_WUR;
int kx_key_trusted_kek_only(const kx_key *k);
int kx_key_set_trusted_kek_only(kx_key *k, int v) KX_WUR;
/* Import restrictions: allowed (1/0) and the allowed sources (empty:
 * any sender). */
int kx_key_import_allowed(const kx_key *k);
void kx_key_set_import_allowed(kx_key *k, int allowed);
size_t kx_key_import_source_count(const kx_key *k);
const char *kx_key_import_source(const kx_key *k, size_t i);
int kx_key_add_import_source(kx_key *k, const char *name) KX_WUR;

/* GlobalPlatform card fields; -1 marks an absent number. */
typedef struct kx_key_gp {
	int key_type;		/* 0x00..0xFF */
	int kvn;		/* 0x00..0xFF */
	int kid;		/* 0x00..0xFF */
	int kuq;		/* 0x00..0xFF, or 0xFFFF with kuq_len 2 */
	int kuq_len;		/* 1 or 2 bytes when kuq is set */
	int access;		/* 0x00..0xFF */
	enum kx_scp scp;	/* KX_SCP_NONE: none */
	int scp_i;		/* 0x00..0xFF; only with an scp */
	const uint8_t *sd_aid;	/* may be NULL; setter copies, getter
				 * borrows */
	size_t sd_aid_len;	/* 1..16 bytes when present */
	enum kx_diversification diversification;
} kx_key_gp;
/* 1 and *out filled when the key has GP fields, 0 (out all absent)
 * when not or for a NULL key. */
int kx_key_gp_get(const kx_key *k, kx_key_gp *out);
/* Set the GP fields (copied); g NULL removes them.  KX_EUSAGE for a
 * value out of its range. */
int kx_key_gp_set(kx_key *k, const kx_key_gp *g) KX_WUR;

/* KCV (kx_key_kcv() reads it): len bytes in kx_kcv_len_range() of
 * method (KX_EUSAGE otherwise); kcv NULL removes it. */
int kx_key_set_kcv(kx_key *k, enum kx_kcv_method method,
    const uint8_t *kcv, size_t len) KX_WUR;

/*
 * The value the key carries: its form (KX_VALUE_NONE for none) and the
 * transport key's id it, or each of its components, is wrapped under
 * (NULL when none); kx_key_wrapped() gives a wrapped value's algorithm.
 * Values are set by kx_export (and kx_rewrap), never by hand: no clear
 * key bytes pass through this API.
 */
int kx_key_value_form(const kx_key *k);
const char *kx_key_value_kek_id(const kx_key *k);
/* ---- PKCS#11 tokens (codec/hsm/pkcs11.c) ------------------------------ */
/*
 * A logged-in read-write session on the one token a PKCS#11 URI (RFC
 * 7512) names.  The module is dlopen()ed at run time: o->module, else the
 * URI's module-path (one of them is needed).  The PIN is read from
 * o->pin_source, else the URI's pin-source (file:PATH, fd:N, env:VAR,
 * never a pin-value); without one there is no login.  A URI naming no
 * token or several is refused (KX_ENOTFOUND / KX_EINPUT); a wrong PIN is
 * KX_EPERM.
 */
typedef struct kx_p11 kx_p11;
/* kx_p11_open: o may be NULL (the URI says everything). */
typedef struct kx_p11_opts {
	const char *module;	/* path of the PKCS#11 module, or NULL */
	const char *pin_source;	/* file:, fd: or env:, or NULL */
	/*
	 * kx_p11_store, kx_p11_combine and kx_p11_seal of an AES transport
	 * key into a token without the mechanisms of aes-kwp-cmac-bound
	 * (CKM_AES_ECB_ENCRYPT_DATA, CKM_AES_CMAC, CKM_AES_KEY_WRAP_PAD):
	 * 0 refuses it (KX_EUNSUPPORTED, nothing made), as the key would
	 * have no KBEK and KBAK and no CKA_ALLOWED_MECHANISMS (C_WrapKey
	 * with CKM_AES_CBC under it is then an AES-ECB oracle); 1 stores
	 * it all the same with a warning (kmsxchg --allow-unbound).
	 */
	int allow_unbound;
} kx_p11_opts;
int kx_p11_open(const char *uri, const kx_p11_opts *o, kx_p11 **out,
    kx_diag *d) KX_WUR;
void kx_p11_close(kx_p11 *t);
/* The token's label (trailing blanks removed). */
const char *kx_p11_label(const kx_p11 *t);
/* Module and PIN source for pkcs11: key sources (kx_keysrc_load*); o may
 * be NULL (none).  o's strings are borrowed until the next call. */
void kx_p11_set_defaults(const kx_p11_opts *o);
/* Number of objects the session sees (to show a token is unchanged). */
int kx_p11_count(kx_p11 *t, size_t *n, kx_diag *d) KX_WUR;
/*
 * The profiles (no values) of the keys the URI t was opened with names
 * (all keys of the token when it names no object), read from their
 * attributes, as a new document.  Attributes a profile cannot hold are
 * findings (notes) in d.  A URI with object= or id= that matches no key
 * is KX_ENOTFOUND, as for export.
 */
int kx_p11_profiles(kx_p11 *t, kx_doc **out, kx_diag *d) KX_WUR;
/*
 * Export the one secret key t's URI names, wrapped inside the token under
 * the AES key kek_uri names (same token): by default (o->wrap
 * KX_WRAP_NONE or KX_WRAP_AES_KWP_CMAC_BOUND) aes-kwp-cmac-bound, bound
 * to its profile and the header, with C_WrapKey and C_Sign under the
 * KBEK and KBAK stored beside the transport key (kx_p11_bound_setup; a
 * transport key with CKA_DERIVE, or without the pair, is refused,
 * KX_EPOLICY or KX_ENOTFOUND); with KX_WRAP_AES_KWP, C_WrapKey under the
 * key itself: RFC 5649 (aes-kwp) where the token has
 * CKM_AES_KEY_WRAP_PAD, else RFC 3394 (aes-kw), NOT bound; or, under an RSA public key (kek_uri type=public), as
 * rsa-oaep-sha256 with C_WrapKey CKM_RSA_PKCS_OAEP (SHA-256, MGF1-SHA-256)
 * where the token has it, else in process with the public key for a key
 * that is not sensitive only (a sensitive one is refused, KX_EUNSUPPORTED),
 * NOT bound either; kx_p11_how() says which.  The rules of
 * the export phase run first (as kx_export), a non-extractable key is
 * refused (KX_EPOLICY).  A new document in *out.
 */
int kx_p11_export(kx_p11 *t, const char *kek_uri, const kx_xchg_opts *o,
    kx_doc **out, kx_diag *d) KX_WUR;
/*
 * Import every key of doc into t's token.  Values wrapped aes-kw/aes-kwp
 * are unwrapped in the token with C_UnwrapKey under the key kek_uri names;
 * aes-siv-bound values need kek (the transport key in process): they are
 * verified and unwrapped by kx_import, then moved into the token under an
 * ephemeral session key (C_UnwrapKey) and wiped.  The template comes from
 * each profile; attributes the token refuses are findings, one each, and
 * fail the import.  Each KCV is checked in the token.  On any failure
 * every object made is destroyed, and nothing else (objects other
 * sessions made meanwhile stay; kx_p11_left).  Each key is made as a
 * session object, checked, then copied into the token; a label another
 * run takes meanwhile fails the import (KX_EINPUT, "label L is taken").
 * Exactly one of kek_uri and kek; o may be NULL.
 */
int kx_p11_import(kx_p11 *t, const kx_doc *doc, const char *kek_uri,
    const kx_secret *kek, const kx_xchg_opts *o, kx_diag *d) KX_WUR;
/*
 * Store key, a transport key of algorithm alg made in process (a key
 * ceremony), into t's token under the label its URI's object= gives:
 * CKA_WRAP and CKA_UNWRAP only, sensitive, not extractable.  An AES key
 * also gets the KBEK and KBAK of aes-kwp-cmac-bound beside it and ends
 * without CKA_DERIVE (kx_p11_bound_setup); a token without the
 * mechanisms for them refuses an AES key, unless allowed
 * (kx_p11_opts.allow_unbound).  It goes in
 * with C_CreateObject, or where the token refuses clear secret keys under
 * a one-time session key (C_UnwrapKey of an RFC 5649 block); *how names
 * the path (static text).  Either way as a session object: its KCV
 * (method m, kcv[n], n <= 16) is checked there, then it is copied into
 * the token (a label another run takes meanwhile: KX_EINPUT).  On any
 * failure nothing of this run stays in the token.
 */
int kx_p11_store(kx_p11 *t, const kx_secret *key, enum kx_alg alg,
    enum kx_kcv_method m, const uint8_t *kcv, size_t n, const char **how,
    kx_diag *d) KX_WUR;
/*
 * The transport key of kx_p11_store made in t's token from XOR components
 * v[nv] (loaded with kx_components_load; info ci[0]) without the combined
 * key ever in process: the first component enters as a derive-only
 * session object, each further one is XORed in with C_DeriveKey
 * (CKM_XOR_BASE_AND_DATA), intermediate objects are destroyed, the last
 * derive makes the key; a DES/TDEA key gets odd parity as
 * kx_components_rebuild gives it.  Its KCV (ci[0]'s) is checked in the
 * token; on any failure nothing stays in the token.  KX_EUNSUPPORTED for
 * Shamir shares or a token without the mechanism (kx_p11_has_xor).
 */
int kx_p11_combine(kx_p11 *t, const kx_component_info *ci,
    kx_secret *const *v, size_t nv, const char **how, kx_diag *d) KX_WUR;
/*
 * The value of the one AES or TDEA secret key t's URI names, into *out on
 * the secure heap, for a key ceremony (split); *alg its algorithm.  A key
 * that is not extractable (or extractable under trusted keys only) is
 * refused (KX_EPOLICY), and so is one the export rules refuse as
 * components for no recipient (o->policy, o->now: its validity, export
 * forms, destinations; KX_EPOLICY with the findings in d) or whose dates
 * the token will not return.  An extractable key that is not sensitive is read
 * with C_GetAttributeValue; a sensitive one leaves the token only wrapped,
 * so it is wrapped with C_WrapKey (RFC 5649, else RFC 3394) under a
 * one-time AES-256 session object whose value is drawn on the secure heap,
 * and unwrapped there; the session object is destroyed.  *how names the
 * path (static text).  The value is checked against the KCV the token
 * computes (CKA_CHECK_VALUE, else an encryption) where it can: *checked
 * 1; otherwise a warning in d and *checked 0.
 */
int kx_p11_read(kx_p11 *t, const kx_xchg_opts *o, kx_secret **out,
    enum kx_alg *alg, int *checked, const char **how, kx_diag *d) KX_WUR;
/* How the last kx_p11_export wrapped (static text; "-" before one). */
const char *kx_p11_how(const kx_p11 *t);
/*
 * What the last kx_p11_store or kx_p11_combine of an AES transport key
 * did for the aes-kwp-cmac-bound form (static text; "-" for none): its
 * KBEK and KBAK derived once into token objects labelled and identified
 * as the key with ".kbek" and ".kbak" appended, then CKA_DERIVE cleared
 * on the key (made not modifiable where the token copies it).
 */
const char *kx_p11_bound_setup(const kx_p11 *t);
/*
 * Mend an AES transport key set up before its KBEK and KBAK were stored
 * (it still has CKA_DERIVE, an AES-ECB oracle for every token user): the
 * one secret key t's URI names gets the pair derived once beside it and
 * then CKA_DERIVE cleared, as kx_p11_store does (kx_p11_bound_setup says
 * what was done).  Refused (KX_EPOLICY) for a key without CKA_DERIVE,
 * (KX_EINPUT) where a key of the pair's labels exists.  On failure the
 * token is as it was.
 */
int kx_p11_seal(kx_p11 *t, kx_diag *d) KX_WUR;
/*
 * After a failed kx_p11_import, kx_p11_store, kx_p11_combine or
 * kx_p11_seal: how many objects it made could not be destroyed, or may
 * have been left half-made by the token where nothing identifies them as
 * its own (0: it took out everything it made, and nothing else; other
 * sessions may still have changed the token meanwhile).
 */
size_t kx_p11_left(const kx_p11 *t);
/* 1 if the token derives with CKM_XOR_BASE_AND_DATA (0 for NULL). */
int kx_p11_has_xor(kx_p11 *t);

/* ---- policies --------------------------------------------------------- */
int kx_policy_read_file(const char *path, kx_policy **out, kx_diag *d) KX_WUR;
int kx_policy_read(const uint8_t *buf, size_t len, const char *name,
    kx_policy **out, kx_diag *d) KX_WUR;
void kx_policy_free(kx_policy *p);
/*
 * The rules for wrapping a key_len-byte key of key_alg with alg under kek
 * outside a document (kmsxchg wrap): an RSA key under 2048 bits is
 * refused (KX128), and so is a KEK and scheme weaker than the key (KX121,
 * SP 800-57 strength; key_alg KX_ALG_NONE: the key counts as an AES or
 * HMAC key of its length would, min(8 * key_len, 256) bits), each a
 * finding in d, unless the policy lowers that rule's severity or waives
 * it for key `id` (may be NULL).  KX_EPOLICY when refused, KX_OK
 * otherwise.
 */
int kx_wrap_check(enum kx_wrap_alg alg, const kx_secret *kek,
    enum kx_alg key_alg, size_t key_len, const char *id,
    const kx_policy *policy, int64_t now, kx_diag *d) KX_WUR;

/* ---- audit trail (audit.c) -------------------------------------------- */
/*
 * A tamper-evident audit file: one JSON object per line (LF), fields in a
 * fixed order (kmsxchg(5), AUDIT TRAIL), never key material.  Line N
 * carries "seq":N and "prev": the SHA-256 (lower-case hex) of line N-1's
 * bytes including its LF; line 1 chains to the genesis value, the SHA-256
 * of the 17 bytes "kmsxchg-audit-v1\n" (KX_AUDIT_GENESIS_LINE).  The chain
 * is not a MAC: whoever can write the file can rewrite its tail
 * consistently, and removing whole lines from the end leaves a valid
 * shorter chain.  Record the head hash (kx_audit_verify) outside the file
 * and give it back as expect_head to detect that.
 */
#define KX_AUDIT_GENESIS_LINE "kmsxchg-audit-v1\n"
#define KX_AUDIT_MAX_LINE ((size_t)1 << 20)	/* bytes per record */
#define KX_AUDIT_MAX_KEYS 256			/* keys listed per record */

enum kx_audit_result { KX_AUDIT_OK = 0, KX_AUDIT_REFUSED, KX_AUDIT_ERROR };
/* Plain string fields of a record (paths and ids, never values). */
enum kx_audit_field { KX_AF_OPERATOR = 0, KX_AF_INPUT, KX_AF_OUTPUT,
	KX_AF_DOC, KX_AF_KEK, KX_AF_NEW_KEK, KX_AF__N };

typedef struct kx_audit_rec kx_audit_rec;
/* A record of operation op (e.g. "export") at time t (seconds, UTC). */
int kx_audit_rec_new(const char *op, int64_t t, kx_audit_rec **out) KX_WUR;
void kx_audit_rec_free(kx_audit_rec *r);
void kx_audit_rec_time(kx_audit_rec *r, int64_t t);
/* Set (copy) a string field; NULL clears it. */
int kx_audit_rec_set(kx_audit_rec *r, enum kx_audit_field f, const char *v)
    KX_WUR;
/*
 * Take doc's id and its keys (id, KCV and method, transport-key id), the
 * first KX_AUDIT_MAX_KEYS of them; replaces keys taken before.  Sets
 * KX_AF_KEK to the first key's transport key when it is still unset.
 */
int kx_audit_rec_doc(kx_audit_rec *r, const kx_doc *doc) KX_WUR;
/* The same one key at a time: key i of the document with header head (i 0
 * starts the record's document and its key list anew). */
int kx_audit_rec_doc_key(kx_audit_rec *r, const kx_doc *head, size_t i,
    const kx_key *k) KX_WUR;
/* Add one key entry: id may be NULL, component 0 = the key itself. */
int kx_audit_rec_key(kx_audit_rec *r, const char *id, unsigned component,
    const uint8_t *kcv, size_t kcvlen, enum kx_kcv_method m) KX_WUR;
/* The policy in use: its name, its path and the SHA-256 of the file. */
int kx_audit_rec_policy(kx_audit_rec *r, const kx_policy *p,
    const char *path, kx_diag *d) KX_WUR;
/* Add the rule ids of d's error findings (each once, in order). */
int kx_audit_rec_rules(kx_audit_rec *r, const kx_diag *d) KX_WUR;
void kx_audit_rec_result(kx_audit_rec *r, enum kx_audit_result res);
/* The record as line seq chained to prev[32]: canonical JSON and LF. */
int kx_audit_rec_format(const kx_audit_rec *r, uint64_t seq,
    const uint8_t prev[32], kx_buf *out) KX_WUR;

/*
 * An audit file opened for appending: O_APPEND|O_CREAT|O_NOFOLLOW, mode
 * 0600 when created; refused when it is a symbolic link or not a regular
 * file, or when its last line is not a whole well-formed record (so a
 * caller learns it before doing anything irreversible).
 */
typedef struct kx_audit kx_audit;
int kx_audit_open(const char *path, kx_audit **out, kx_diag *d) KX_WUR;
/*
 * Append r under an exclusive flock: read the last line, chain to it,
 * write the line with one write(), fsync.  On failure the file is cut back
 * to its old length.  head (may be NULL) gets the new line's SHA-256 and
 * *seq (may be NULL) its sequence number.
 */
int kx_audit_append(kx_audit *a, const kx_audit_rec *r, uint8_t head[32],
    uint64_t *seq, kx_diag *d) KX_WUR;
void kx_audit_close(kx_audit *a);

typedef struct kx_audit_status {
	uint64_t records;	/* complete lines */
	uint8_t head[32];	/* SHA-256 of the last line (genesis if none) */
	size_t anchor_line;	/* line whose hash is expect_head; 0 = none */
} kx_audit_status;
/*
 * Check an audit file's bytes: every line well formed, seq 1, 2, 3, ...
 * and each prev the hash of the line before.  Each problem is an error
 * finding in d naming the line (edited, missing, inserted or duplicated,
 * reordered, truncated).  expect_head (may be NULL): a head recorded
 * earlier, which must be the hash of one of the lines.  Returns KX_OK when
 * the check ran; the file is intact when d got no error finding.
 */
int kx_audit_verify(const uint8_t *buf, size_t len, const char *name,
    const uint8_t *expect_head, kx_audit_status *st, kx_diag *d) KX_WUR;

/* ---- time ------------------------------------------------------------- */
/* Parse "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ" (UTC). */
int kx_time_parse(const char *s, int64_t *out) KX_WUR;
/* Format as "YYYY-MM-DDThh:mm:ssZ" into buf[21]. */
void kx_time_format(int64_t t, char buf[21]);

/* ---- files ------------------------------------------------------------ */
/* kx_file_write_atomic flags. */
#define KX_WRITE_SECRET	1	/* key material: mode 0600, never through a
				 * symbolic link, never to a terminal */
#define KX_WRITE_NEW	2	/* refuse an existing file (KX_EEXIST) */
#define KX_WRITE_BINARY	4	/* binary (DER, raw wrapped bytes): never to a
				 * terminal */
/*
 * Write an output.  "-" writes to stdout.  A new path or a regular file is
 * written atomically: temp file in the same folder (mode 0600 with
 * KX_WRITE_SECRET, else 0666 less umask), fsync, rename (link(2) with
 * KX_WRITE_NEW, so a file that appears meanwhile is not replaced).  A
 * character device or a FIFO is written straight, never replaced (a
 * terminal is refused with KX_WRITE_SECRET or KX_WRITE_BINARY).  A
 * symbolic link is followed and its target, when a regular file, replaced
 * atomically (the link stays); with KX_WRITE_SECRET a symbolic link is
 * refused.  A directory or other special file is refused.  On any failure
 * a regular target is untouched and the temp file removed.
 */
int kx_file_write_atomic(const char *path, const void *p, size_t n,
    int flags, kx_diag *d) KX_WUR;
/*
 * A new folder (mode 0700) beside path, in path's folder, named like the
 * temporary files of kx_file_write_atomic() (.kmsxchg.PID.XXXXXX), after
 * removing the temporary files and folders dead processes left there: an
 * output folder is built in it and renamed onto path.  *out is its path
 * (free()).  KX_EIO when it cannot be made.
 */
int kx_file_mkdtemp(const char *path, char **out, kx_diag *d) KX_WUR;
/*
 * kx_file_write_atomic() of the first n bytes of the file open on src
 * (read with pread from offset 0, src's position unchanged): an output
 * spooled to a temporary file is written without being held in memory.
 */
int kx_file_write_atomic_fd(const char *path, int src, size_t n, int flags,
    kx_diag *d) KX_WUR;
/*
 * Remove the temporary file a kx_file_write_atomic() in progress has
 * created, if any.  Async-signal-safe: for a SIGINT/SIGTERM handler.
 */
void kx_file_cleanup(void);
/*
 * Inputs are mapped (kx_reader_open, kx_doc_read_file): a file that
 * another process truncates while it is being read makes the next read of
 * a page past its new end raise SIGBUS.  kx_file_fault tells a SIGBUS
 * handler (SA_SIGINFO; addr = si_addr) whether the fault lies in the
 * mapping of an input file the library is reading: KX_FILE_FAULT_NONE
 * when it does not (a bug: let it crash); KX_FILE_FAULT_SHRANK when the
 * file now ends before addr; KX_FILE_FAULT_IO when it does not (the page
 * could not be read: a device or network error).  Unless NONE, the file's
 * path as it was opened is copied to path (at most size bytes with the
 * NUL; path may be NULL).  Async-signal-safe.  Without such a handler the
 * program dies of the signal.
 */
enum kx_file_fault { KX_FILE_FAULT_NONE = 0, KX_FILE_FAULT_SHRANK,
    KX_FILE_FAULT_IO };
enum kx_file_fault kx_file_fault(const void *addr, char *path, size_t size);
/*
 * After a fault kx_file_fault placed in an input (not NONE; si_code
 * BUS_ADRERR or BUS_OBJERR): replace that input's mapping, from the page
 * of addr to its end, by zero pages and mark the input, so that the
 * handler may return.  The read goes on over zeros, and the reader's call
 * under way (kx_reader_open, _next, _rewind, _read_whole,
 * kx_doc_read_file) fails with KX_EIO and one finding, "cannot read
 * FILE: the file shrank while it was being read" (or "...: Input/output
 * error while it was being read"), in place of every finding that call
 * made (a whole read: about the keys before the fault too); its later
 * calls fail with KX_EIO and no new finding.  0 when done; -1 when addr
 * is in no input, lies in zeros already, or the zero pages could not be
 * mapped: then the handler must not return.  Async-signal-safe on Linux
 * (mmap(2) is a system call) once bound: call it with NULL when the
 * handler is installed, as kx_file_fault.
 */
int kx_file_fault_resume(const void *addr);
/*
 * Read a whole file, "-" = stdin, bounded by max (0 = default 256 MiB).
 * KX_ENOTFOUND when the file does not exist, KX_EIO for other I/O errors.
 * Anything but a regular file (a FIFO, a device, a directory) is refused
 * without blocking (KX_EUSAGE).  kx_file_read_private also refuses a file
 * group or others can read (KX_EPERM), as for key sources.
 */
int kx_file_read(const char *path, size_t max, kx_buf *out, kx_diag *d)
    KX_WUR;
int kx_file_read_private(const char *path, size_t max, kx_buf *out,
    kx_diag *d) KX_WUR;

#ifdef __cplusplus
}
#endif
#endif /* KMSXCHG_H */
