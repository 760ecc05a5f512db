/*
 * internal.h - the hub: struct definitions of the key-profile model and
 * kxi_ helpers shared by the codec files.  Never installed.
 *
 * Memory: every string, byte array and list of a document lives in the
 * document's arena (kxi_arena) and is freed with it in one go; a kx_key is
 * a fixed-size record in a growable array.  This keeps a million-key
 * document in flat memory and makes a key cheap to hand over one at a
 * time.  Clear key bytes never live in the arena except the explicit
 * test-only "clear" value form (kx_value.clear), which is wiped when the
 * document is freed.
 */
#ifndef KX_INTERNAL_H
#define KX_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "kmsxchg.h"

#define KX_UNSET_TIME INT64_MIN	/* optional datetime not present */
#define KX_UNSET (-1)		/* optional small integer not present */
#define KX_DEFAULT_MAX_INPUT ((size_t)256 << 20)

/* Tri-state boolean for optional flags. */
enum kxi_tri { KXI_TRI_UNSET = -1, KXI_TRI_FALSE = 0, KXI_TRI_TRUE = 1 };

/* ---- arena --------------------------------------------------------- */
typedef struct kxi_chunk kxi_chunk;
typedef struct kxi_arena {
	kxi_chunk *head;
	size_t total;		/* bytes handed out, for limits */
	size_t max;		/* 0 = no limit */
	bool wipe;		/* cleanse on free (set once clear values seen) */
} kxi_arena;

void *kxi_alloc(kxi_arena *a, size_t n);		/* zeroed, 16-aligned */
char *kxi_strdup(kxi_arena *a, const char *s);		/* NULL -> NULL */
char *kxi_strndup(kxi_arena *a, const char *s, size_t n);
void *kxi_memdup(kxi_arena *a, const void *p, size_t n);
void kxi_arena_free(kxi_arena *a);

/* ---- small value types --------------------------------------------- */
typedef struct kxi_bytes {
	uint8_t *p;		/* arena-owned, NULL when absent */
	size_t n;
} kxi_bytes;

typedef struct kxi_strlist {
	const char **v;		/* arena-owned array of arena strings */
	size_t n;
} kxi_strlist;

/* Where an item came from: XML line/column or DER byte offset. */
typedef struct kxi_loc {
	uint32_t line, col;	/* 0 = unknown */
	int64_t off;		/* -1 = unknown */
} kxi_loc;

/* Field groups whose source place the readers record for diagnostics. */
enum kxi_field {
	KXF_KEY = 0,		/* the key element itself */
	KXF_ID, KXF_ALG, KXF_USAGE, KXF_VALIDITY, KXF_STATE, KXF_GP,
	KXF_EXPORT, KXF_VALUE, KXF_KCV, KXF_SPLIT, KXF_RELATIONS,
	KXF__N
};

typedef struct kxi_revision {
	const char *version, *by;
	int64_t date;		/* KX_UNSET_TIME if absent */
	kxi_bytes digest;
} kxi_revision;

typedef struct kxi_relation_ref {
	enum kx_relation type;
	const char *ref;	/* key id (or external reference) */
} kxi_relation_ref;

typedef struct kxi_extension {
	const char *ns, *name, *value;	/* value is text */
} kxi_extension;

typedef struct kxi_component {
	int index;		/* 1-based; Shamir x-coordinate */
	const char *custodian;	/* may be NULL */
	kxi_bytes kcv;		/* component KCV (method = key's) */
	kxi_bytes wrapped;	/* component wrapped under value.kek_id, or
				 * absent when only the ceremony record */
} kxi_component;

/*
 * A named part of a multi-component value, e.g. a GP Value/Component with a
 * Name (ECC_CURVE_OID, ECC_QX, ECC_QY, ECC_D; MODULUS, EXPONENT, CRT_P ...):
 * its bytes are in the value's form (clear, or wrapped under kek_id with
 * alg, each part on its own, as GP writes them).
 */
#define KXI_MAX_PARTS 64		/* parts of one value (XSD, ASN.1) */
typedef struct kxi_part {
	const char *name;	/* kept as written: never renamed */
	int order;		/* GP Component/@Order; KX_UNSET = absent */
	kxi_bytes data;
	kxi_bytes kcv;
} kxi_part;

typedef struct kxi_keyval {
	enum kx_value_form form;
	const char *kek_id;	/* transport-key id (wrapped/components) */
	enum kx_wrap_alg alg;
	kxi_bytes iv;
	kxi_bytes data;		/* wrapped bytes */
	/* binding: what the wrap authenticates */
	const char *binding_method;	/* e.g. "profile-der-v1" */
	kxi_bytes binding_digest;	/* SHA-256 of the bound DER, optional */
	kxi_component *components;
	size_t ncomponents;
	unsigned threshold;	/* components: 0 = all (XOR) */
	enum kx_split_method split_method;
	kxi_bytes clear;		/* test material only (mode = test) */
	kxi_part *parts;		/* named parts, in document order */
	size_t nparts;
} kxi_keyval;

typedef struct kxi_gp {
	int key_type;		/* 0x00..0xFF, KX_UNSET */
	int kvn;		/* KX_UNSET */
	int kid;		/* KX_UNSET */
	int kuq;		/* KX_UNSET; kuq_len 1 or 2 */
	int kuq_len;
	int access;		/* KX_UNSET */
	enum kx_scp scp;
	int scp_i;		/* i-parameter, KX_UNSET */
	kxi_bytes sd_aid;
	enum kx_diversification diversification;
} kxi_gp;

typedef struct kxi_export_rules {
	bool allowed;		/* GP Exportable (default false) */
	uint32_t forms;		/* mask of 1u << kx_form; 0 = default
				 * (bound-block only) */
	kxi_strlist destinations;	/* empty = any */
	int min_wrap_strength;	/* bits; KX_UNSET = strength(key) */
	enum kxi_tri trusted_kek_only;
} kxi_export_rules;

typedef struct kxi_import_rules {
	bool allowed;		/* GP Importable (default true) */
	kxi_strlist sources;
} kxi_import_rules;

typedef struct kxi_provenance {
	enum kxi_tri always_sensitive, never_exported;
	const char *generated_in;
} kxi_provenance;

typedef struct kxi_split_info {
	unsigned n, m;		/* 0 = absent */
	enum kx_split_method method;
	enum kxi_tri dual_control;
} kxi_split_info;

/* The profile: everything about one copy of a key except its value. */
typedef struct kxi_profile {
	const char *id, *name, *description, *template_id, *reference;
	const char *version;
	kxi_revision *revisions;
	size_t nrevisions;
	const char *owner, *creator, *holder;
	kxi_strlist custodians;

	enum kx_class cls;
	enum kx_alg alg;
	unsigned length_bits;
	/* params */
	uint64_t rsa_e;		/* 0 = absent */
	const char *ec_curve;	/* dotted OID, NULL = absent */
	enum kx_hash hmac_hash;
	kxi_bytes spki;		/* rsa/ec: SubjectPublicKeyInfo DER, or empty */
	uint32_t modes;		/* mask of 1u << kx_mode_of_op */

	uint32_t usage;		/* mask of KX_USAGE_BIT(kx_usage) */
	enum kx_role role;	/* KX_ROLE_NONE = absent */
	int64_t usage_limit;	/* -1 = absent */

	kxi_gp gp;
	bool has_gp;

	int64_t not_before, not_after, protect_until, process_until;
	const char *cryptoperiod;	/* ISO 8601 duration, as written */
	enum kx_state state;
	int64_t state_since, revoked_at, created;
	enum kx_revocation revocation_reason;
	enum kx_keymode mode;

	kxi_export_rules export_;
	bool sensitive;		/* default true */
	kxi_import_rules import_;
	kxi_provenance provenance;
	enum kxi_tri permanent;
	kxi_split_info split;
	kxi_relation_ref *relations;
	size_t nrelations;

	kxi_extension *extensions;
	size_t nextensions;
} kxi_profile;

struct kx_key {
	kxi_profile prof;
	kxi_keyval value;
	kxi_bytes kcv;
	enum kx_kcv_method kcv_method;
	kxi_loc loc[KXF__N];
	kxi_arena *arena;	/* the owning document's (kxi_doc_add_key),
				 * for the API's setters (api.c) */
	/*
	 * export: the value given is a degenerate TDEA key (single DES,
	 * kxi_tdea_degenerate), which the strength rule KX150 judges as
	 * such; a clear value the rules check themselves.
	 */
	bool single_des;
};

typedef struct kxi_tk {
	const char *id;
	enum kx_alg alg;
	unsigned length_bits;
	kxi_bytes kcv;
	enum kx_kcv_method kcv_method;
	const char *owner, *version;
	bool trusted;
	/* ceremony record, no values */
	unsigned comp_n, comp_m;	/* 0 = absent */
	enum kx_split_method comp_method;
	kxi_bytes *comp_kcvs;		/* comp_n entries or NULL */
	kxi_loc loc;
} kxi_tk;

struct kx_doc {
	kxi_arena arena;
	const char *source;	/* file name for diagnostics */
	enum kx_format source_format;
	const char *id;
	int model_version;
	int64_t created;
	const char *sender;
	kxi_strlist recipients;
	const char *comment;
	kxi_tk *tks;
	size_t ntks, tks_cap;
	kx_key *keys;
	size_t nkeys, keys_cap;
	kxi_extension *extensions;
	size_t nextensions;
	kxi_loc loc;
};

/* ---- model helpers (model.c) ---------------------------------------- */
kx_doc *kxi_doc_new(void);
/* Append a key initialised with model defaults; NULL on ENOMEM/limit. */
kx_key *kxi_doc_add_key(kx_doc *doc);
kxi_tk *kxi_doc_add_tk(kx_doc *doc);
void kxi_profile_init(kxi_profile *p);
void kxi_key_init(kx_key *k);
const kxi_tk *kxi_doc_find_tk(const kx_doc *doc, const char *id);
/*
 * Place of key k's field group f for a message, the key element's when
 * the format gave that group none (a GP KeyProfile's Value and KCV).
 */
const kxi_loc *kxi_key_loc(const kx_key *k, enum kxi_field f);
/* The named part of a value, or NULL.  model.c. */
const kxi_part *kxi_value_part(const kxi_keyval *v, const char *name);
const kx_key *kxi_doc_find_key(const kx_doc *doc, const char *id);
/* Append to arena lists; return KX_OK or KX_ENOMEM. */
int kxi_strlist_add(kxi_arena *a, kxi_strlist *l, const char *s);
/* Grow an arena array of elements by one, zeroed; NULL on ENOMEM. */
void *kxi_array_push(kxi_arena *a, void **arr, size_t *n, size_t elsize);

/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of n bytes under a 16-byte
 * key: a keyed 64-bit hash for tables whose keys come from the input, so
 * that an input cannot be made to collide without the key.  util.c.
 */
uint64_t kxi_siphash24(const uint8_t key[16], const void *p, size_t n);

/* hex helpers (util.c): upper-case hex; parse accepts either case. */
int kxi_hex_decode(kxi_arena *a, const char *s, kxi_bytes *out);
int kxi_hex_decode_buf(const char *s, uint8_t *out, size_t max, size_t *len);
/* Branch-free value of the hex digit c, or -1 (for secrets too). */
int kxi_hex_digit(int c);
/* The decoder under all of them (constant time per digit, for secrets):
 * slen chars, ws != 0 skips white space; KX_ESYNTAX, KX_ELIMIT past max. */
int kxi_hex_decode_mem(const char *s, size_t slen, int ws, uint8_t *out,
    size_t max, size_t *len);
/* Is s a non-empty even run of hex digits (either case)? */
int kxi_is_hex(const char *s);
#define kxi_hex_encode kx_hex_encode	/* out 2n+1, see kmsxchg.h */
int kxi_buf_hex(kx_buf *b, const uint8_t *p, size_t n);
/* checked parse of an unsigned decimal; KX_ESYNTAX on junk/overflow */
int kxi_parse_uint(const char *s, unsigned long long max,
    unsigned long long *out);
/* ISO 8601 duration (PnYnMnDTnHnMnS) to seconds (years 365.25 days):
 * an approximation, for ordering and sanity checks only. */
int kxi_duration_parse(const char *s, int64_t *out);
/* The same duration in calendar terms: compare periods with these. */
struct kxi_duration {
	int64_t years, months;	/* calendar units */
	int64_t days, secs;	/* elapsed time (weeks as 7 days) */
};
int kxi_duration_parse_cal(const char *s, struct kxi_duration *out);
/* t + d: years and months on the calendar, a day past the end of the
 * month clamped to its last day (Jan 31 + P1M = Feb 28 or 29). */
int64_t kxi_duration_add(int64_t t, const struct kxi_duration *d);

/* ---- object identifiers (oid.c) ----------------------------------- */
/*
 * One range for every codec: two or more arcs, the first 0..2, the second
 * 0..39 under 0 and 1, every arc at most 2^63 - 1, dotted text of at most
 * KXI_OID_MAX_TEXT characters without leading zeros.  *why (may be NULL
 * for the check) names what is wrong; KX_ESCHEMA for a value out of range.
 */
#define KXI_OID_MAX_TEXT 256
int kxi_oid_check(const char *s, const char **why);
/* DER content octets (no tag, no length) of dotted text into out[max]. */
int kxi_oid_to_der(const char *s, uint8_t *out, size_t max, size_t *len,
    const char **why);
/* Dotted text (out[max], max > KXI_OID_MAX_TEXT) of DER content octets;
 * non-minimal subidentifiers and arcs out of range are refused. */
int kxi_oid_from_der(const uint8_t *p, size_t n, char *out, size_t max,
    const char **why);
/*
 * Open an input file without blocking, refuse anything but a regular file
 * (and, when private, a file group or others can read), then make the
 * descriptor blocking.  name is used in messages; *size gets st_size.
 */
int kxi_open_input(const char *path, const char *name, int private,
    int *fdp, size_t *size, kx_diag *d);

/* pem.c: the PEM passphrase callback; never reads a terminal. */
struct kxi_pem_pass {
	const kx_secret *pass;	/* NULL: refuse an encrypted key */
	int asked;		/* set when the key was encrypted */
};
int kxi_pem_pass_cb(char *buf, int size, int rwflag, void *u);

/* JSON string (RFC 8259 section 7) or null for NULL (report.c). */
int kxi_json_str(kx_buf *b, const char *s) KX_WUR;

/* ---- text (text.c) -------------------------------------------------- */
/* One UTF-8 sequence at s (n bytes left): the code point, or -1 for an
 * invalid byte (overlong forms, surrogates, above U+10FFFF); *len is the
 * bytes consumed (1 when invalid). */
long kxi_utf8_next(const unsigned char *s, size_t n, size_t *len);
/* 1 if code point c (-1: invalid) is an XML 1.0 Char (section 2.2). */
int kxi_xml_char(long c);
/*
 * Document text for a terminal (show, text findings): every control
 * character (C0 with TAB and LF, DEL, C1) and every invalid UTF-8 byte
 * becomes '?', so no escape sequence of a document reaches a terminal.
 */
int kxi_text_escape(kx_buf *b, const char *s) KX_WUR;
/*
 * The one XML 1.0 escaper, for text and (KXI_XML_ATTR) "-quoted attribute
 * values.  & < > always, CR always (&#13;), DEL and C1 controls as
 * character references; with KXI_XML_ATTR also " ' TAB LF.  What XML 1.0
 * cannot carry (other C0 controls, U+FFFE, U+FFFF, invalid UTF-8) is
 * refused with KX_EUNSUPPORTED, or written as U+FFFD with KXI_XML_REPLACE
 * (reports, which must not fail on a hostile file name).  Never dropped.
 */
#define KXI_XML_ATTR	1u
#define KXI_XML_REPLACE	2u
int kxi_xml_escape(kx_buf *b, const char *s, unsigned flags) KX_WUR;
/*
 * The one root-element sniffer of the XML formats' detect(): the index in
 * ns[nns] of the namespace of a root element named local (any prefix),
 * looking at most KXI_SNIFF_MAX bytes past a prolog of declaration,
 * comments, PIs and a DOCTYPE; -1 when it is not such a root.
 */
#define KXI_SNIFF_MAX	65536
int kxi_xml_root(const uint8_t *b, size_t n, const char *local,
    const char *const *ns, size_t nns);

/* ---- PKCS#11 (hsm/p11uri.c, hsm/pkcs11.c) --------------------------- */
/*
 * The header of an exchange document from o (id or a derived one,
 * created, sender, recipient), as kx_export sets it.  exchange.c.
 */
int kxi_export_header(kx_doc *doc, const kx_xchg_opts *o, kx_diag *d)
    KX_WUR;
/* RFC 7512 object types, as the URI's type= names them. */
enum { KXI_P11_TYPE_ANY = -1, KXI_P11_CERT = 0, KXI_P11_DATA,
	KXI_P11_PRIVATE, KXI_P11_PUBLIC, KXI_P11_SECRET };
/* A parsed PKCS#11 URI: decoded values (NULL = absent), heap strings. */
struct kxi_p11uri {
	char *token, *manufacturer, *serial, *model;
	char *lib_manufacturer, *lib_description, *lib_version;
	char *object, *type_text, *id;
	size_t id_len;		/* id holds bytes, any of them */
	char *slot_description, *slot_manufacturer, *slot_id_text;
	char *pin_source, *module_path, *module_name, *pin_value;
	int type;		/* KXI_P11_TYPE_ANY or KXI_P11_* */
	long long slot_id;	/* -1 = absent */
};
/*
 * Parse s strictly (RFC 7512): unknown, vendor-specific or repeated
 * attributes, bad escapes, an encoded NUL outside id, empty attributes
 * and a bad type or slot-id are refused (KX_EUSAGE: a URI is an
 * argument; the reason in d).
 * pin-value and module-name are parsed; the caller refuses them.
 */
int kxi_p11uri_parse(const char *s, struct kxi_p11uri **out, kx_diag *d)
    KX_WUR;
void kxi_p11uri_free(struct kxi_p11uri *u);
/*
 * Key source pkcs11:URI (hsm/keysrc.c): the value of the one secret key
 * the URI names, read only when the token lets it out in clear
 * (CKA_EXTRACTABLE true and CKA_SENSITIVE false); the module and PIN as
 * the URI or kx_p11_set_defaults() say.  pkcs11.c.
 */
int kxi_p11_load_value(const char *uri, kx_secret **out, kx_diag *d) KX_WUR;
/*
 * The key sources crypto/keysrc.c reads (file:, fd:, env:, hex:), as
 * kx_keysrc_load_as; KX_EUSAGE for any other kind.  kx_keysrc_load_as
 * (hsm/keysrc.c) reads pkcs11: itself and hands every other source here.
 */
/*
 * kx_keysrc_load_pass() for a secret named noun in its messages
 * ("passphrase", "PIN": "PIN source: use file:PATH, ...").
 */
int kxi_keysrc_load_text(const char *spec, const char *noun,
    kx_secret **out, kx_diag *d);
int kxi_keysrc_load_as(const char *spec, enum kx_alg alg, size_t len,
    kx_secret **out, int *insecure, kx_diag *d) KX_WUR;
/*
 * Take *raw (always consumed) as a secret key of alg/len from source spec
 * into *out: KX_EINPUT, naming spec, when the length does not fit.
 * keysrc.c.
 */
int kxi_keysrc_take(kx_secret **raw, enum kx_alg alg, size_t len,
    const char *spec, kx_secret **out, kx_diag *d) KX_WUR;

/* ---- diagnostics (diag.c) ------------------------------------------- */
/*
 * Replace the message of every finding of d made about `about' (see
 * kxi_fact_about: a reader's assumption that a later call settles
 * otherwise) by the one fmt makes.  d may be NULL.
 */
void kxi_diag_retell(kx_diag *d, const void *about, const char *fmt, ...)
    KX_PRINTF(3, 4);
/*
 * Record a finding.  rule may be NULL (plain error).  Returns rc so it can
 * be used as KX_FAIL's value.  d may be NULL.
 */
int kxi_diag_add(kx_diag *d, const char *rule, enum kx_severity sev, int rc,
    const char *file, const kxi_loc *loc, const char *key_id,
    const char *fmt, ...) KX_PRINTF(8, 9);
/* Shorthand for an error with no place: returns rc. */
#define KX_FAIL(d, rc, ...) \
	kxi_diag_add((d), NULL, KX_SEV_ERROR, (rc), NULL, NULL, NULL, \
	    __VA_ARGS__)
/*
 * A place in d's findings (kxi_diag_mark) to go back to (kxi_diag_back):
 * the findings made since are forgotten, their counts too.  d may be
 * NULL.
 */
struct kxi_diag_mark {
	size_t n, total[KX_SEV_ERROR + 1], dropped[KX_SEV_ERROR + 1];
};
void kxi_diag_mark(const kx_diag *d, struct kxi_diag_mark *m);
void kxi_diag_back(kx_diag *d, const struct kxi_diag_mark *m);
/* Append the findings of from (stored ones, and the counts of dropped
 * ones) to d. */
void kxi_diag_merge(kx_diag *d, const kx_diag *from);
/* Only the counts of the findings from did not store. */
void kxi_diag_merge_dropped(kx_diag *d, const kx_diag *from);
/* Drain the OpenSSL error queue into one finding message; returns rc. */
int kxi_diag_openssl(kx_diag *d, int rc, const char *what);
/* Programmer error: print and abort.  Input can never reach it. */
void kxi_misuse(const char *func, const char *what)
    __attribute__((noreturn));

/* Empty an arena for reuse (one chunk kept), wiping it if a.wipe. */
void kxi_arena_reset(kxi_arena *a);

/* ---- inputs (stream.c) ---------------------------------------------- */
/*
 * An input read without a copy: a regular file is mapped (pages the
 * reader has passed are given back with kxi_src_release, so resident
 * memory stays flat), anything else (standard input, a pipe) is read
 * into memory whole.  p[0..len) is the input.
 */
struct kxi_src {
	const uint8_t *p;
	size_t len;
	void *map;		/* the mapping, or NULL */
	int slot;		/* its entry for kx_file_fault (stream.c) */
	size_t released;	/* bytes below this were given back */
	kx_buf buf;		/* the input when not mapped */
	size_t nread;		/* bytes kxi_src_xmlread gave, all passes */
	void *md;		/* EVP_MD_CTX of the bytes passed, or NULL */
	size_t hashed;		/* bytes below this are in md */
	int md_failed;
};
int kxi_src_open(const char *path, struct kxi_src *s, kx_diag *d) KX_WUR;
/* A source over caller memory (which must outlive it). */
void kxi_src_mem(struct kxi_src *s, const uint8_t *p, size_t len);
/* The reader will not look below upto again (a hint; may do nothing). */
void kxi_src_release(struct kxi_src *s, size_t upto);
void kxi_src_close(struct kxi_src *s);
/* A read position in a source, and a libxml2 xmlInputReadCallback over it
 * that gives back the pages it has passed. */
struct kxi_src_cur {
	struct kxi_src *s;
	size_t pos;
};
int kxi_src_xmlread(void *cur, char *buf, int len);
/*
 * The constraints of schema/kmsxchg.xsd on the model (strict.c): string
 * patterns and lengths, time and duration forms and ranges, integer,
 * byte and list ranges, unique transport-key ids.  Every reader's
 * document passes kxi_strict_doc (kx_doc_read); a reader that hands over
 * keys one at a time runs kxi_strict_head once the header and transport
 * keys are read and kxi_strict_key on each key.  KX_OK, or KX_ESCHEMA
 * with a KX002 finding per violation ("schema: Profile/Id: ...").
 */
int kxi_strict_head(const kx_doc *doc, kx_diag *d) KX_WUR;
int kxi_strict_key(const kx_doc *doc, const kx_key *k, kx_diag *d) KX_WUR;
int kxi_strict_doc(const kx_doc *doc, kx_diag *d) KX_WUR;
/* 1 if s is an xs:anyURI as libxml2's schema validation takes it
 * (xmlenv.c). */
int kxi_xsd_anyuri(const char *s);

/* ---- formats: one reader and one writer each ------------------------ */
/*
 * The format table's row of one spoke.  What the format carries is in
 * caps (KX_CAP_*): the hub, the rules and the CLI consult caps, never a
 * format id.
 *
 * Streaming readers: open reads what precedes the keys (and, for DER, the
 * document fields that follow them) into doc; next reads one key into the
 * caller's record k, strings in arena a, and returns 1 (a key), 0 (the
 * end of a well-formed document) or a negative KX_E code (the document
 * must be discarded); for formats without a streaming reader (NULL ops),
 * stream.c reads the document whole and hands its keys over.  Streaming
 * writers: wframe appends to pre what precedes the keys and to post what
 * follows them (when frame_len, it needs keys_len, the byte count of all
 * the keys, so the keys are spooled first); wkey appends one key to out.
 * Formats without wkey are written whole (one key per document).
 */
struct kxi_sreader;
struct kxi_format {
	const char *name;	/* the CLI's and kx_format_name()'s */
	const char *title;	/* "DER": in messages */
	enum kx_format fmt;
	unsigned caps;		/* KX_CAP_* */
	/* 1 if buf looks like this format */
	int (*detect)(const uint8_t *buf, size_t len);
	int (*read)(const uint8_t *buf, size_t len, const char *name,
	    kx_doc **out, kx_diag *d);
	int (*write)(const kx_doc *doc, kx_buf *out, kx_diag *d);
	int (*sopen)(struct kxi_src *src, const char *name, kx_doc *doc,
	    struct kxi_sreader **out, kx_diag *d);
	int (*snext)(struct kxi_sreader *r, kx_doc *doc, kx_key *k,
	    kxi_arena *a, kx_diag *d);
	void (*sclose)(struct kxi_sreader *r);
	int (*wframe)(const kx_doc *doc, size_t keys_len, kx_buf *pre,
	    kx_buf *post, kx_diag *d);
	int (*wkey)(const kx_key *k, kx_buf *out, kx_diag *d);
	int frame_len;
};
/*
 * One key's bytes as kx_writer_key writes them in a document of fmt, into
 * out (emptied first), without a writer: any thread may make them
 * (rewrap's workers).  KX_EUNSUPPORTED when fmt writes a document per key
 * (kx_writer_key then).  kxi_writer_key_bytes writes them as
 * kx_writer_key would have.
 */
int kxi_key_encode(enum kx_format fmt, const kx_key *key, kx_buf *out,
    kx_diag *d) KX_WUR;
int kxi_writer_key_bytes(kx_writer *w, const kx_buf *b, kx_diag *d) KX_WUR;
/*
 * A whole document through f's streaming reader, every key into the
 * document's arena (stream.c): the read of the formats that stream.
 */
int kxi_read_all(const struct kxi_format *f, struct kxi_src *src,
    const char *name, kx_doc **out, kx_diag *d) KX_WUR;
/* KX001 "not a kmsxchg ... document" at the start of name (doc.c). */
int kxi_not_a_document(kx_diag *d, const char *name);
/* Each format file defines one row, listed in the table in doc.c. */

/*
 * Context tag numbers of the ASN.1 module, from the field table:
 * KXI_TAG_PROFILE_usage is the tag of KeyProfile's usage.
 */
enum kxi_tag {
#define KX_FIELD(group, xml, asn1, tag, gp) KXI_TAG_##group##_##asn1 = tag,
#include "fields.def"
};

/* The row of a format (doc.c); NULL for KX_FMT_AUTO and unknown values. */
const struct kxi_format *kxi_format_get(enum kx_format f);
/*
 * The caps of the format doc was read from; a document built in memory
 * carries everything the model has.
 */
unsigned kxi_doc_caps(const kx_doc *doc);

/*
 * What a reader or writer found, in the format's own terms.  A format file
 * names no rule: it reports one of these kinds with kxi_fact() and the hub
 * (diag.c) gives the rule id and severity (KXI_SCHEMA is KX002, an error).
 */
enum kxi_fact {
	KXI_MALFORMED,		/* not well-formed XML, not valid DER */
	KXI_SCHEMA,		/* does not follow the format's schema */
	KXI_IGNORED,		/* an unknown but legal item was ignored */
	KXI_LEGACY,		/* a legacy value was read and mapped */
	KXI_NOT_CARRIED,	/* the output format has no place for it */
	KXI_TK_RECORD,		/* a transport key record contradicts itself */
	KXI_ASSUMED,		/* a value the format does not record was
				 * assumed (a note, no rule) */
	KXI_FACT__N
};
/* Record a finding of kind f (like kxi_diag_add); returns rc. */
int kxi_fact(kx_diag *d, enum kxi_fact f, int rc, const char *file,
    const kxi_loc *loc, const char *key_id, const char *fmt, ...)
    KX_PRINTF(7, 8);
/*
 * The same, about a part of the model (about: a pointer that stays valid
 * as long as the document, such as a transport key's id string), which a
 * later call may tell otherwise (kxi_diag_retell) without knowing the
 * format's wording.  The mark survives kxi_diag_merge.
 */
int kxi_fact_about(kx_diag *d, enum kxi_fact f, int rc, const char *file,
    const kxi_loc *loc, const char *key_id, const void *about,
    const char *fmt, ...) KX_PRINTF(8, 9);

/*
 * Canonical DER of one key's profile (the KeyProfile type of the ASN.1
 * module, a standalone value), appended to out: the associated data of
 * the version 1 bound wrap.  The hub's own DER writer (canon.c); the DER
 * spoke's kxi_profile_der gives the same bytes (tests/unit/test_canon.c).
 * On failure out keeps its length and d says why (KX_ESCHEMA: the model
 * is outside the module, e.g. a required string missing).
 */
int kxi_canon_profile(const kxi_profile *p, kx_buf *out, kx_diag *d) KX_WUR;
/*
 * Canonical DER of the BoundContext of key profile p in doc (its header's
 * id, created, sender and recipients, and p), the associated data of the
 * version 2 bound wrap.  canon.c, like kxi_canon_profile.
 */
int kxi_canon_bound(const kx_doc *doc, const kxi_profile *p, kx_buf *out,
    kx_diag *d) KX_WUR;
/*
 * The DER GeneralizedTime text "YYYYMMDDHHMMSSZ" of t into out[16]
 * (NUL-terminated); -1 when t is unset or outside the years 0001..9999.
 * canon.c; the DER spoke writes its times with it too.
 */
int kxi_gentime(int64_t t, char out[16]);
/*
 * The same two encodings by the DER spoke, through asn1c (der.c): the
 * other side of the differential test, not used by the operations.
 */
int kxi_profile_der(const kxi_profile *p, kx_buf *out, kx_diag *d) KX_WUR;
int kxi_bound_der(const kx_doc *doc, const kxi_profile *p, kx_buf *out,
    kx_diag *d) KX_WUR;
/*
 * The binding methods a reader knows: version 2 ("header-profile-der-v2",
 * header and profile bound) and 1 ("profile-der-v1", profile only); 0 for
 * NULL or an unknown method.  crypto/binding.c, as the rest of this
 * block.
 */
#define KXI_BINDING_V1 "profile-der-v1"
#define KXI_BINDING_V2 "header-profile-der-v2"
unsigned kxi_binding_version(const char *method);
/*
 * The associated data of key k of doc under binding version v (1:
 * kxi_canon_profile, 2: kxi_canon_bound) into aad (emptied first), and its
 * SHA-256 into md[32] when md != NULL.
 */
int kxi_bound_aad(const kx_doc *doc, const kx_key *k, unsigned v,
    kx_buf *aad, uint8_t md[32], kx_diag *d) KX_WUR;
/*
 * The data a key's value is bound to and its SHA-256, as the binding
 * check made them (key: the key they are of, NULL when none), so that an
 * operation that checks and then unwraps encodes each profile once.
 */
struct kxi_bind_memo {
	const kx_key *key;
	kx_buf aad;
	uint8_t md[32];
};
/*
 * Rule KX135: the binding metadata of key k of doc.  KX_OK when it is
 * sound or the value is not aes-siv-bound (*v = its version, 0 when
 * none); otherwise a KX_E code and the reason in msg (no key material):
 * an aes-siv-bound value without a binding or with an unknown method, or
 * an AadDigest that is not the SHA-256 of the bound data.  rules.c and
 * the operations share it.  With memo (may be NULL), the bound data
 * it computed for a sound binding are kept there.
 */
int kxi_binding_check(const kx_doc *doc, const kx_key *k, unsigned *v,
    struct kxi_bind_memo *memo, char *msg, size_t size) KX_WUR;
/*
 * kxi_binding_check, keeping the bound data in aad and its digest in md
 * when it was computed (aad->len > 0): always when want_aad, else only
 * for a digest to compare.  have: aad and md hold them already (made by
 * an earlier check of the same key).
 */
int kxi_binding_check_aad(const kx_doc *doc, const kx_key *k, unsigned *v,
    int want_aad, int have, kx_buf *aad, uint8_t md[32], char *msg,
    size_t size) KX_WUR;
/* 1 for the bound wrap forms (aes-siv-bound, tr31-b-bound,
 * aes-kwp-cmac-bound). */
int kxi_wrap_is_bound(enum kx_wrap_alg w);

/*
 * Fill tmp[len] (len >= strlen(path) + 32) with the mkstemp template of a
 * temporary file beside path (dirlen: the length of its folder part,
 * slash included), DIR/.kmsxchg.PID.XXXXXX, after removing the ones
 * processes that no longer run left in that folder (tmpfile.c).
 */
void kxi_tmp_template(char *tmp, size_t len, const char *path,
    size_t dirlen);

/* Hardened libxml2 setup shared by xml.c, gp.c and policy.c (xmlenv.c). */
void kxi_xml_init(void);
/* Parser options for every parse: no network, no DTD, no entities. */
#define KXI_XML_PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | \
	XML_PARSE_NOCDATA)
/*
 * Limits checked by a linear scan before libxml2 sees an XML input
 * (kmsxchg(5) LIMITS): bytes and references (or CDATA sections) in one
 * text node (bytes also per attribute value), attributes per element,
 * element depth, bytes of one key (each child of a native document's
 * root; a whole GP KeyProfile).  KMSXCHG_LIMITS=text=N,refs=N,... in the
 * environment overrides them.
 */
#define KXI_XML_MAX_TEXT ((size_t)1 << 20)
#define KXI_XML_MAX_REFS 10000
#define KXI_XML_MAX_ATTRS 64
#define KXI_XML_MAX_DEPTH 64
#define KXI_XML_MAX_KEY ((size_t)1 << 20)
enum kxi_lim { KXI_LIM_TEXT = 0, KXI_LIM_REFS, KXI_LIM_ATTRS, KXI_LIM_DEPTH,
	KXI_LIM_KEY, KXI_LIM__N };
/* The limits in force (defaults, then KMSXCHG_LIMITS); KX_EUSAGE if bad. */
int kxi_xml_limits(size_t lim[KXI_LIM__N], kx_diag *d) KX_WUR;
/*
 * The scan: KX_OK, or KX_ELIMIT with a KX001 finding naming the limit.
 * unit_depth 2 applies the key limit to each child of the root, 1 to the
 * root, 0 not at all.
 */
int kxi_xml_scan(const uint8_t *buf, size_t len, const char *name,
    int unit_depth, kx_diag *d) KX_WUR;

/*
 * The files of schema/ compiled into the library (codec/embed.sh writes
 * codec/schemas.c from KX_SCHEMAS in codec/local.mk), by base name such
 * as "kmsxchg.xsd"; the table ends with a NULL name.  kxi_embedded_get
 * returns NULL for a name not embedded.
 */
struct kxi_embedded {
	const char *name;
	const unsigned char *data;	/* NUL-terminated */
	size_t len;			/* without the NUL */
};
extern const struct kxi_embedded kxi_embedded[];
const struct kxi_embedded *kxi_embedded_get(const char *name);

/*
 * Validate an XML document (already parsed, hardened) against one of the
 * embedded schemas (by base name, e.g. "kmsxchg.xsd"), recording each
 * violation as a KX002 finding with line/column.  Returns KX_OK if valid,
 * KX_ESCHEMA if not.  An unknown schema name is a programming error.
 */
/*
 * KXI_XSD_NATIVE_KEYS names the native schema without the wildcard at the
 * end of KeyExchange, for documents with no foreign element at the top
 * level (where both accept the same documents): libxml2 2.9 keeps every
 * child of an element whose content model it cannot make deterministic
 * (a negated wildcard) for rollback, so with the wildcard its memory grows
 * with the number of keys (~80 bytes a key).
 */
#define KXI_XSD_NATIVE_KEYS "kmsxchg.xsd#keys"
struct _xmlDoc;
int kxi_xml_schema_validate(struct _xmlDoc *xdoc, const char *schema,
    const char *name, kx_diag *d);

/*
 * Write key i of doc as one GP KeyProfile (gp.c); the gp format's write
 * refuses documents with more than one key.  Lost attributes are KX009
 * warnings in d.
 */
int kxi_gp_write_key(const kx_doc *doc, size_t i, kx_buf *out, kx_diag *d)
    KX_WUR;

/*
 * Hardened XML helpers (xmlsec.c), for every XML spoke.
 *
 * kxi_xml_parse: parse buf[len] into a libxml2 DOM the caller frees with
 * xmlFreeDoc().  Refuses, with a KX001 finding carrying line/column: any
 * DOCTYPE or entity declaration ("DTDs are not allowed"; so no XXE and no
 * entity expansion), non-UTF-8 input, input above KX_DEFAULT_MAX_INPUT or
 * nesting deeper than KXI_XML_MAX_DEPTH (KX_ELIMIT), and every
 * well-formedness error (KX_ESYNTAX).  No network, no file access.  name
 * is used in findings only.  Schema validation is a separate step
 * (kxi_xml_schema_validate).
 */
struct _xmlSchema;
struct _xmlError;
int kxi_xml_parse(const uint8_t *buf, size_t len, const char *name,
    struct _xmlDoc **out, kx_diag *d) KX_WUR;
/* The same, with the key limit of the scan at unit_depth (kxi_xml_scan). */
int kxi_xml_parse_unit(const uint8_t *buf, size_t len, const char *name,
    int unit_depth, struct _xmlDoc **out, kx_diag *d) KX_WUR;
/*
 * The cheap pre-parse check kxi_xml_parse does first (size limit, UTF-8
 * only, no DOCTYPE in the prolog, the scan without a key limit); for readers that use another libxml2
 * entry point (xmlTextReader).  KX_OK or KX_ESYNTAX/KX_ELIMIT + KX001.
 */
int kxi_xml_prolog_check(const uint8_t *buf, size_t len, const char *name,
    kx_diag *d) KX_WUR;
/*
 * Well-formedness check of buf with the same hardening as kxi_xml_parse
 * (prolog check, DTD refusal, depth limit, KX001 findings) but building
 * nothing: constant memory.  The native streaming reader runs it over the
 * whole input before libxml2's validator reads it, and to report a parse
 * error it met (its scan applies the key limit to each child of the
 * root); otherwise it scans as it reads (kxi_xml_scanner_new).
 */
int kxi_xml_wellformed(const uint8_t *buf, size_t len, const char *name,
    kx_diag *d) KX_WUR;
/* The same over a source read in chunks (memory stays flat); *foreign
 * (may be NULL) is set when the root has a child of another namespace. */
int kxi_xml_wellformed_src(struct kxi_src *s, const char *name,
    int *foreign, kx_diag *d) KX_WUR;
/*
 * The same checks in one read: the prolog check (size limit, UTF-8 only,
 * no DOCTYPE in the first 64 KiB of prolog) when made, then the limits
 * scan of buf resumed token by token up to each offset asked for, before
 * libxml2 reads those bytes (KX001, KX_ELIMIT/KX_ESYNTAX; the first
 * refusal is kept and given again).  A DOCTYPE outside the root is
 * refused; at anything else it cannot tokenise the scan stops and leaves
 * the error to the parser, which stops there too.
 */
struct kxi_xml_scanner;
int kxi_xml_scanner_new(const uint8_t *buf, size_t len, const char *name,
    int unit_depth, struct kxi_xml_scanner **out, kx_diag *d) KX_WUR;
int kxi_xml_scan_upto(struct kxi_xml_scanner *s, size_t upto, kx_diag *d);
void kxi_xml_scanner_free(struct kxi_xml_scanner *s);
/*
 * The compiled embedded schema (compiled on first use, cached for the
 * process, never freed by the caller).  For streaming validation.
 */
int kxi_xml_schema_get(const char *schema, struct _xmlSchema **out,
    kx_diag *d) KX_WUR;
/*
 * Error context for libxml2 structured-error callbacks: each error becomes
 * a finding in d (KX002 for schema errors, KX001 otherwise) with the
 * line/column libxml2 reports; counts are kept for the caller.
 */
struct kxi_xml_errctx {
	kx_diag *d;
	const char *name;
	unsigned parse_errors, schema_errors, recorded;
	/* the parser's (not the validator's) reports: how many came, and
	 * how many to pass over (a part of the input read again) */
	unsigned long parser_calls, skip;
};
void kxi_xml_error_record(struct kxi_xml_errctx *ec,
    const struct _xmlError *err);

/*
 * Streaming reader of the native exchange XML (xml.c), built on
 * xmlTextReader, the schema checked by compiled tables (libxml2's
 * streaming XSD validator where they are not sure, KMSXCHG_XSD).  kxi_xml_reader_next()
 * fills doc's header and transport keys as they come, then appends one key
 * per call to doc and points *key at it: returns 1 (a key), 0 (end of a
 * valid document) or a negative KX_E code (the document must then be
 * discarded: a key is handed over only once its element validated, but a
 * later part of the document may still be invalid).  buf must outlive the
 * reader.  kxi_xml_reader_close() is NULL-safe.
 */
typedef struct kxi_xml_reader kxi_xml_reader;
int kxi_xml_reader_open(const uint8_t *buf, size_t len, const char *name,
    kxi_xml_reader **out, kx_diag *d) KX_WUR;
int kxi_xml_reader_next(kxi_xml_reader *r, kx_doc *doc, kx_key **key,
    kx_diag *d) KX_WUR;
void kxi_xml_reader_close(kxi_xml_reader *r);

/* ---- policies (policy.c reads them, rules.c applies them) ------------ */
#define KXI_SEV_OFF (-1)	/* a policy turned the rule off */

struct kxi_pol_sev {
	char rule[8];
	int sev;		/* enum kx_severity or KXI_SEV_OFF */
};
/* A minimum in force from a date on (KX_UNSET_TIME: always). */
struct kxi_pol_min {
	unsigned bits;
	int64_t from;
};
/* alg may not apply protection (encrypt, wrap, MAC, sign) after "after". */
struct kxi_pol_transition {
	enum kx_alg alg;
	int64_t after;
};
/*
 * A key selector: a key matches when every non-zero mask holds its value
 * (roles 1u << kx_role, algs 1u << kx_alg, classes 1u << kx_class, scps
 * 1u << kx_scp), it has every usage bit of usage and, when usage_any is
 * non-zero, at least one bit of usage_any.
 */
struct kxi_pol_match {
	uint32_t roles, algs, classes, usage, usage_any, scps;
};
struct kxi_pol_period {
	struct kxi_pol_match m;
	int64_t originator;	/* max originator-usage period, s; -1 none */
	int64_t total;		/* max not-before..not-after, s; -1 none */
	const char *originator_text, *total_text; /* as written */
	const char *source;	/* citation, may be NULL */
};
struct kxi_pol_forbid {
	struct kxi_pol_match m;
	const char *reason;
};
struct kxi_pol_kvn {
	uint32_t roles;		/* 0 = every key with a KVN */
	int min, max;
};
struct kxi_pol_kid {
	enum kx_role role;
	int kid;		/* one allowed KID; rows for a role add up */
};
struct kxi_pol_waiver {
	char rule[8];
	const char *key, *reason;
	int64_t until;		/* KX_UNSET_TIME: no end */
};

struct kx_policy {
	kxi_arena arena;
	const char *name, *description;
	struct kxi_pol_sev *sevs;
	size_t nsevs;
	struct kxi_pol_min *min_strength, *min_wrap;
	size_t nmin_strength, nmin_wrap;
	struct kxi_pol_transition *transitions;
	size_t ntransitions;
	struct kxi_pol_period *periods;
	size_t nperiods;
	uint32_t disallowed_wraps;	/* mask of 1u << kx_wrap_alg */
	struct kxi_pol_forbid *forbids;
	size_t nforbids;
	struct kxi_pol_kvn *kvns;
	size_t nkvns;
	struct kxi_pol_kid *kids;
	size_t nkids;
	struct kxi_pol_waiver *waivers;
	size_t nwaivers;
};
/* The built-in policy kx_doc_validate() applies when given NULL. */
const kx_policy *kxi_policy_default(void);

/*
 * The document of reader r read whole from the start (for what cannot be
 * done one key at a time), held to the native schema as
 * kx_doc_read_file holds it; a failure makes kx_reader_error say so.
 */
int kxi_reader_whole(kx_reader *r, kx_doc **out, kx_diag *d) KX_WUR;
int kxi_reader_next_into(kx_reader *r, kx_key *rec, kxi_arena *ka,
    const kx_key **key, kx_diag *d);

/* ---- rules (rules.c) ------------------------------------------------- */
/*
 * What an export, import or rewrap will do with every key's value: wrap
 * it with `wrap` under the key kek_id (alg, bits).
 */
struct kxi_plan {
	const char *kek_id;
	enum kx_alg alg;
	unsigned bits;
	enum kx_wrap_alg wrap;
	/*
	 * import and rewrap: the caller gave the KCV of the key read from
	 * (kx_xchg_opts.kek_kcv), which the importer checks that key
	 * against (KX135): a transport key without a KCV is then no KX133.
	 * The DOCUMENT phase reads this field only.
	 */
	int tk_kcv_given;
	/* export: the transport key is marked trusted (a token's
	 * CKA_TRUSTED), for trusted-KEK-only keys (KX123) */
	int trusted;
};
/*
 * The rule engine: run the rules of one phase over doc (kx_doc_validate
 * is the DOCUMENT phase).  In the other phases the rules see every key's
 * value as plan will leave it (no value when plan is NULL).  *nerr (may be
 * NULL) gets the number of findings at error level after the policy's
 * severities and waivers.  Returns KX_OK when the rules ran.
 */
int kxi_rules_run(const kx_doc *doc, enum kx_phase phase,
    const kx_policy *policy, int64_t now, const kx_doc *against,
    const struct kxi_plan *plan, size_t *nerr, kx_diag *d) KX_WUR;
/*
 * The same rules over a document read one key at a time, with memory that
 * does not grow with the keys (compact summaries for the rules between
 * keys): kxi_rules_stream_new with the reader's header (kx_reader_doc;
 * phase DOCUMENT or REWRAP), kxi_rules_stream_key per key in order (ord
 * from 0; returns 1 when the key needs the whole document: run
 * kxi_rules_run over it instead), kxi_rules_stream_end for the findings
 * in the order kxi_rules_run gives them and *nerr (may be NULL).
 */
struct kxi_rules_stream;
int kxi_rules_stream_new(const kx_doc *head, enum kx_phase phase,
    const kx_policy *policy, int64_t now, const struct kxi_plan *plan,
    struct kxi_rules_stream **out, kx_diag *d) KX_WUR;
int kxi_rules_stream_key(struct kxi_rules_stream *s, const kx_key *k,
    size_t ord, kx_diag *d) KX_WUR;
int kxi_rules_stream_end(struct kxi_rules_stream *s, size_t *nerr,
    kx_diag *d) KX_WUR;
void kxi_rules_stream_free(struct kxi_rules_stream *s);
/* Keep what the binding rule (KX136) computes of each key in memo. */
void kxi_rules_stream_memo(struct kxi_rules_stream *s,
    struct kxi_bind_memo *memo);
/*
 * 1 if kx_doc_validate checks rule id (a rule of the DOCUMENT phase, not a
 * reader/writer/importer rule).  rules.c.
 */
int kxi_rule_validated(const char *id);
/*
 * The rule table (ruletab.c, below the engine and the policy reader): a
 * rule's index in rules.def order, -1 for an unknown id or NULL; its short
 * name ("weak-wrap") and a one-line example of an input that breaks it,
 * NULL for unknown ids.
 */
int kxi_rule_index(const char *id);
const char *kxi_rule_slug(const char *id);
const char *kxi_rule_example(const char *id);
/*
 * 1 if rule id is a check of the key values themselves that the operations
 * make ("importer" and "values" rows): no policy changes it, and a policy
 * that names it is refused.
 */
int kxi_rule_fixed(const char *id);

/* ---- crypto internals (kcv.c, wrap.c, split.c) ----------------------- */
/*
 * CMAC (SP 800-38B) over in[inlen] with cipher (a CBC cipher name:
 * "DES-EDE3-CBC" with a 24-byte key, "AES-nnn-CBC") into out[outmax].
 * kcv.c.
 */
int kxi_cmac(const char *cipher, const uint8_t *key, size_t keylen,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t outmax,
    kx_diag *d) KX_WUR;

/* ---- TR-31 / ANSI X9.143 key blocks (tr31.c) --------------------------- */
#define KXI_TR31_MAX_OPT 16	/* optional blocks a header may carry */
#define KXI_TR31_MAX_LEN 9992	/* the 4-digit length field */
struct kxi_tr31_opt {
	char id[3];		/* two printable characters */
	const char *data;	/* borrowed: into the block or the caller's */
	size_t len;
};
/*
 * A key block header.  Reading: the fields of a block, optional blocks
 * pointing into it (the padding block "PB" included).  Writing: the
 * caller's fields and optional blocks; the writer adds the length, the
 * count and a "PB" block that pads the header to the cipher block.
 */
struct kxi_tr31_hdr {
	char version;		/* 'B' (TDEA) or 'D' (AES) */
	char usage[3];		/* key usage, two characters */
	char alg;		/* 'T', 'D', 'A', 'H', ... */
	char mode;		/* mode of use */
	char key_version[3];	/* two characters, "00" = unused */
	char exportability;	/* 'E', 'N' or 'S' (TR-31 S is NOT PKCS#11
				 * sensitive: model.md 0.5) */
	unsigned nopt;
	struct kxi_tr31_opt opt[KXI_TR31_MAX_OPT];
	size_t hdrlen;		/* reading: header characters */
};
/*
 * Parse and check the header of key block blk[len] (printable ASCII; the
 * length field equal to len; optional blocks well formed, short and
 * extended lengths; the header a whole number of cipher blocks).  Does
 * not touch the key.  KX_ESYNTAX with the reason in d.
 */
int kxi_tr31_parse(const char *blk, size_t len, struct kxi_tr31_hdr *h,
    kx_diag *d) KX_WUR;
/*
 * Version B (TDEA KBPK, 16 or 24 bytes) or D (AES KBPK) key block of key
 * under kbpk with header h, appended to out as ASCII: KBEK and KBMK
 * derived with CMAC (X9.143 / TR-31:2018 5.3.2), MAC = CMAC(KBMK, header
 * || clear payload) (8 bytes for B, 16 for D), payload = [key bits]16 ||
 * key || padding encrypted CBC under KBEK with the MAC as IV.  pad NULL:
 * random padding; otherwise the padding bytes (known-answer tests).
 */
int kxi_tr31_wrap(const kx_secret *kbpk, const struct kxi_tr31_hdr *h,
    const kx_secret *key, const uint8_t *pad, kx_buf *out, kx_diag *d)
    KX_WUR;
/*
 * Open key block blk[len] under kbpk: header into *h (optional blocks
 * point into blk), the key into a new secret.  KX_ECRYPTO when the MAC
 * does not verify (wrong KBPK, any changed character) or the payload is
 * malformed; nothing is released then.  Versions A and C (the variant
 * methods) are refused.
 */
int kxi_tr31_unwrap(const kx_secret *kbpk, const char *blk, size_t len,
    struct kxi_tr31_hdr *h, kx_secret **key, kx_diag *d) KX_WUR;
/* As kxi_tr31_unwrap, and the whole clear payload (length field, key,
 * padding) into *payload: for known-answer tests of the writer. */
int kxi_tr31_unwrap_payload(const kx_secret *kbpk, const char *blk,
    size_t len, struct kxi_tr31_hdr *h, kx_secret **key, kx_secret **payload,
    kx_diag *d) KX_WUR;
/* The optional block with this id, or NULL. */
const struct kxi_tr31_opt *kxi_tr31_opt_find(const struct kxi_tr31_hdr *h,
    const char *id);

/*
 * Expand an 8/16/24-byte DES/TDEA key to K1|K2|K3; KX_EUSAGE otherwise.
 * cipher.c.
 */
int kxi_tdea_key24(const uint8_t *k, size_t n, uint8_t out[24]);
/*
 * NIST SP 800-108 counter-mode KDF, PRF = AES-CMAC (OpenSSL "KBKDF"):
 * 32-bit big-endian counter before the fixed data.  raw == 0: fixed data
 * = label || 0x00 || context || [L]32 (OpenSSL's defaults); raw != 0:
 * fixed data = label only (CAVP "fixed input data").  wrap.c.
 */
int kxi_kbkdf_cmac(const uint8_t *key, size_t keylen, const uint8_t *label,
    size_t labellen, const uint8_t *context, size_t contextlen, int raw,
    uint8_t *out, size_t outlen, kx_diag *d) KX_WUR;
/*
 * Deterministic AES-SIV (RFC 5297), one associated-data component (none
 * when aad == NULL), no nonce.  key 32/48/64 bytes.  enc: in = plaintext,
 * out[16 + inlen] = V || C.  !enc: in = V || C (inlen >= 16), out[inlen -
 * 16] = plaintext, KX_ECRYPTO when V does not verify.  wrap.c.
 */
int kxi_aes_siv(int enc, const uint8_t *key, size_t keylen,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
    uint8_t *out, kx_diag *d) KX_WUR;
/*
 * The aes-siv-bound wrap of version v (1 or 2; the version selects the
 * KDF label, doc/bound-wrap.md): V || C appended to out, or the value
 * into a new secret (KX_ECRYPTO when V does not verify).  aad non-empty.
 * kx_wrap/kx_unwrap(KX_WRAP_AES_SIV_BOUND) are version 1.  wrap.c.
 */
int kxi_bound_wrap(unsigned v, const kx_secret *kek, const kx_secret *key,
    const uint8_t *aad, size_t aadlen, kx_buf *out, kx_diag *d) KX_WUR;
int kxi_bound_unwrap(unsigned v, const kx_secret *kek, const uint8_t *in,
    size_t inlen, const uint8_t *aad, size_t aadlen, kx_secret **out,
    kx_diag *d) KX_WUR;
/*
 * The aes-kwp-cmac-bound wrap (kwpcmac.c, kmsxchg(5)), which a PKCS#11
 * token computes with C_DeriveKey (CKM_AES_ECB_ENCRYPT_DATA), C_WrapKey
 * (CKM_AES_KEY_WRAP_PAD) and C_Sign (CKM_AES_CMAC).  The derivation data
 * of KBEK (purpose 0) or KBAK (purpose 1) under an AES KEK of keklen
 * bytes: its length (16 or 32; 0 for a bad keklen or purpose).  The
 * derived keys (keklen bytes each, secure heap).  The tag over
 * uint32be(aadlen) || aad || w, whose 4-byte length prefix
 * kxi_kwpcmac_len writes.  wrap appends wrapped || tag to out; unwrap
 * checks the tag before it unwraps (KX_ECRYPTO when either fails).
 */
#define KXI_KWPC_DD_MAX	32
/* AES-CMAC (SP 800-38B) of the nparts parts in turn. kwpcmac.c. */
int kxi_aes_cmac(const uint8_t *key, size_t keylen, const uint8_t *const *part,
    const size_t *len, size_t nparts, uint8_t tag[16], kx_diag *d) KX_WUR;
#define KXI_KWPC_TAG	16
size_t kxi_kwpcmac_derivation(size_t keklen, unsigned purpose,
    uint8_t out[KXI_KWPC_DD_MAX]);
int kxi_kwpcmac_keys(const kx_secret *kek, kx_secret **kbek,
    kx_secret **kbak, kx_diag *d) KX_WUR;
void kxi_kwpcmac_len(size_t aadlen, uint8_t out[4]);
int kxi_kwpcmac_tag(const kx_secret *kbak, const uint8_t *aad, size_t aadlen,
    const uint8_t *w, size_t wlen, uint8_t tag[KXI_KWPC_TAG], kx_diag *d)
    KX_WUR;
int kxi_kwpcmac_wrap(const kx_secret *kek, const kx_secret *key,
    const uint8_t *aad, size_t aadlen, kx_buf *out, kx_diag *d) KX_WUR;
int kxi_kwpcmac_unwrap(const kx_secret *kek, const uint8_t *in, size_t inlen,
    const uint8_t *aad, size_t aadlen, kx_secret **out, kx_diag *d) KX_WUR;
/*
 * The same for many keys under one KEK: kxi_siv_new derives K_siv of
 * version v, fetches the cipher and sets up a context with K_siv for
 * each direction once; kxi_siv_wrap/unwrap then cost one copy of that
 * context and one AES-SIV each.  Not shared between threads.  wrap.c.
 */
struct kxi_siv;
int kxi_siv_new(unsigned v, const kx_secret *kek, struct kxi_siv **out,
    kx_diag *d) KX_WUR;
void kxi_siv_free(struct kxi_siv *s);
int kxi_siv_wrap(struct kxi_siv *s, const kx_secret *key, const uint8_t *aad,
    size_t aadlen, kx_buf *out, kx_diag *d) KX_WUR;
int kxi_siv_unwrap(struct kxi_siv *s, const uint8_t *in, size_t inlen,
    const uint8_t *aad, size_t aadlen, kx_secret **out, kx_diag *d) KX_WUR;
/*
 * Decode n chars of hex (either case; white space skipped when ws != 0)
 * straight into a new secret, without a table indexed by secret data.
 * KX_ESYNTAX on an odd digit count, a non-hex character or no digits.
 * keysrc.c.
 */
int kxi_secret_from_hex(const char *s, size_t n, int ws, kx_secret **out)
    KX_WUR;
/*
 * One-shot EVP cipher run: cipher `name` (fetched), key, iv (NULL for
 * none), enc 1/0, padding off when nopad; out must hold inlen + one block.
 * *outlen gets the byte count (NULL: must equal inlen).  On any failure
 * the OpenSSL reason goes to d as "what: reason", KX_ECRYPTO.  cipher.c.
 */
int kxi_cipher_once(const char *name, int enc, const uint8_t *key,
    const uint8_t *iv, int nopad, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t *outlen, const char *what, kx_diag *d) KX_WUR;
/*
 * The 16-byte block method m encrypts or MACs for a KCV: ones for gp-aes,
 * zeros for the others (the first 8 bytes for DES/TDEA).  kcv.c.
 */
const uint8_t *kxi_kcv_input(enum kx_kcv_method m);
/*
 * The KCV lengths method m allows as text, "3 bytes" or "3 to 5 bytes",
 * into buf (at least 24 bytes); "no length" for an unknown method.  names.c.
 */
const char *kxi_kcv_len_text(enum kx_kcv_method m, char *buf, size_t size);
/*
 * The article before name in a message: "an" where it starts with a
 * vowel letter ("an aes key", "an emv-ac key"), else "a".  names.c.
 */
const char *kxi_an(const char *name);
/*
 * Bytes compared of a supplied n-byte KCV of method m (alg's key): n, or
 * the method's maximum for a longer one of at most one cipher block; 0
 * when unusable.  names.c.
 */
size_t kxi_kcv_cmp_len(enum kx_alg alg, enum kx_kcv_method m, size_t n);
/* Modulus bits of an RSA PEM key (public or private).  wrap.c. */
int kxi_rsa_bits(const kx_secret *kek, unsigned *bits, kx_diag *d) KX_WUR;
/*
 * rsa and ec keys (asym.c).  What a SubjectPublicKeyInfo (DER) holds:
 * the family, its length as the model gives it (RSA modulus bits, the
 * curve's size), the curve's dotted OID (the key type's for Ed25519 and
 * the like) and the RSA exponent.  KX_EUNSUPPORTED for a family or curve
 * the model does not support, KX_EINPUT for what does not decode.
 */
struct kxi_asym {
	enum kx_alg alg;
	unsigned bits;
	char curve[80];
	uint64_t rsa_e;
};
extern int kxi_spki_reuse;	/* 1: decoders reused (asym.c) */
int kxi_spki_info(const uint8_t *spki, size_t n, struct kxi_asym *info,
    kx_diag *d) KX_WUR;
/* The spki-sha256 fingerprint: SHA-256 of the SPKI DER. */
int kxi_spki_fingerprint(const uint8_t *spki, size_t n, uint8_t out[32])
    KX_WUR;
/*
 * A public key as its numbers, the way GP KeyProfiles name them: RSA's
 * modulus (a) and public exponent (b), an EC key's curve (dotted OID) and
 * affine coordinates X (a) and Y (b), unsigned big-endian (leading zeros
 * allowed).  kxi_spki_build makes its SubjectPublicKeyInfo DER (the
 * uncompressed point under the named curve; KX_EINPUT for a number that
 * is no key, a point off the curve); kxi_spki_split gives an SPKI's
 * numbers back (the modulus and exponent without leading zeros, the
 * coordinates field-long), KX_EUNSUPPORTED for a key with no such
 * numbers (Ed25519 and the like).  asym.c.
 */
struct kxi_pub {
	enum kx_alg alg;
	const char *curve;
	const uint8_t *a, *b;
	size_t alen, blen;
};
struct kxi_pub_out {
	enum kx_alg alg;
	char curve[80];
	kx_buf a, b;
};
int kxi_spki_build(const struct kxi_pub *pub, kx_buf *spki, kx_diag *d)
    KX_WUR;
int kxi_spki_split(const uint8_t *spki, size_t n, struct kxi_pub_out *out,
    kx_diag *d) KX_WUR;
/*
 * A private key v (PKCS#8 DER; with pem, an unencrypted PEM private key
 * too) checked to be one key pair: its PKCS#8 DER (secure heap) into
 * *pkcs8 and its SPKI DER into spki.
 */
int kxi_asym_private(const kx_secret *v, int pem, kx_secret **pkcs8,
    kx_buf *spki, kx_diag *d) KX_WUR;
/*
 * A private key from its secret numbers (GP KeyProfile named parts) and
 * the public key spki it belongs to: ec with sec[0] = the private scalar
 * (ECC_D) on spki's named curve; rsa with sec[0..4] = p, q, dP, dQ, qInv
 * (CRT_P, CRT_Q, CRT_DP1, CRT_DQ1, CRT_PQ) and spki's modulus and
 * exponent (d derived), or with sec[0] = d alone (a PRIVATE key's
 * EXPONENT: p and q recovered from n, e and d, NIST SP 800-56B Rev. 2
 * Appendix C.2, the CRT parts derived, p > q).  Its PKCS#8 DER (secure heap) into *pkcs8 when
 * the numbers are one key pair with spki (EVP_PKEY_pairwise_check):
 * KX_EKCV when they are not.  asym.c.
 */
int kxi_asym_from_parts(enum kx_alg alg, const uint8_t *spki, size_t spkilen,
    const kx_secret *const *sec, size_t nsec, kx_secret **pkcs8,
    kx_diag *d) KX_WUR;
/*
 * 1 if p[n] is a degenerate TDEA key: 16 or 24 bytes with K1 == K2 (or,
 * 24 bytes, K2 == K3), parity bits aside: single DES.  split.c.
 */
int kxi_tdea_degenerate(const uint8_t *p, size_t n);
/* GF(2^8) multiply, AES polynomial, constant time.  split.c. */
uint8_t kxi_gf256_mul(uint8_t a, uint8_t b);

#endif /* KX_INTERNAL_H */
