/*
 * faultp11.c - a PKCS#11 module for tests only: it loads a real module
 * (KX_FAULT_MODULE, e.g. SoftHSM's) and forwards every call to it, but
 * makes the calls that create objects fail the way a real HSM may and
 * SoftHSM never does:
 *
 *   KX_FAULT_REFUSE=CKA_X[,CKA_Y...]  a template holding one of these
 *       attribute types is refused with CKR_ATTRIBUTE_TYPE_INVALID (or
 *       CKR_TEMPLATE_INCONSISTENT with KX_FAULT_RV=inconsistent).  A
 *       refused C_UnwrapKey still leaves a half-made object behind (the
 *       key without the refused attributes), as SoftHSM 2.6 does after a
 *       failed unwrap.
 *   KX_FAULT_NO_CLEAR_WRAP=1  a token whose policy is that a wrapping
 *       key never enters in clear: C_CreateObject of a template with
 *       CKA_WRAP true and CKA_VALUE answers CKR_TEMPLATE_INCONSISTENT
 *       (a key with CKA_UNWRAP only, or one unwrapped, still enters).
 *   KX_FAULT_FULL_AFTER=N  the token is full after N more objects: every
 *       later C_CreateObject, C_UnwrapKey, C_GenerateKey, C_DeriveKey and
 *       C_CopyObject fails with CKR_DEVICE_MEMORY and creates nothing.
 *   KX_FAULT_FOREIGN=LABEL  another writer in the same token: before
 *       every C_CreateObject, C_UnwrapKey, C_DeriveKey and C_CopyObject
 *       is forwarded, a second
 *       session (C_OpenSession on the same slot, which shares the login)
 *       creates two private token objects, a data object labelled
 *       "foreign-N" (N counts from 1) and an AES-128 secret key labelled
 *       LABEL with CKA_ID 0xFF, and is closed; with KX_FAULT_LOG a line
 *       "foreign N -> rv=0x..." says so.  A test gives LABEL the label of
 *       a key it imports, so that a rollback which takes out more than it
 *       made, or goes by the label alone, is seen.
 *   KX_FAULT_FOREIGN_ID=XX  the foreign key's CKA_ID is the byte 0xXX
 *       (two hex digits) instead of 0xFF: with the label and id of the
 *       key a run imports it is an exact twin of it (class, key type,
 *       label and id), as another process's finished import of the same
 *       key would be.
 *   KX_FAULT_HIDE=CKM_X[,CKM_Y...]  a token without these mechanisms
 *       (CKM_AES_ECB_ENCRYPT_DATA, CKM_AES_CMAC, CKM_AES_KEY_WRAP_PAD,
 *       CKM_AES_KEY_WRAP): C_GetMechanismList leaves them out,
 *       C_GetMechanismInfo, C_DeriveKey, C_SignInit, C_VerifyInit,
 *       C_WrapKey and C_UnwrapKey answer CKR_MECHANISM_INVALID for them.
 *   KX_FAULT_DELAY=MS  a slow token: every C_UnwrapKey waits MS
 *       milliseconds before it is forwarded, which widens the window
 *       between an import's check that a label is free and its create,
 *       so that two imports started together both pass the check.
 *   KX_FAULT_LOG=FILE  every C_WrapKey and C_UnwrapKey appends a line
 *       "C_WrapKey mech=0x... [hash=0x... mgf=0x... source=0x...]" and
 *       "-> rv=0x..." (the OAEP parameters where the mechanism has them),
 *       so a test sees what was asked of the token.
 *   KX_FAULT_SIGNAL=1  Ctrl-C in the middle of a write: the first
 *       C_CopyObject raises SIGINT in the calling process before it is
 *       forwarded (a caller that holds the signal around its writes
 *       finishes them first).
 *
 *   KX_FAULT_WATCH=FILE  a second token user looking on: before and
 *       after every C_CopyObject and C_DeriveKey, each token secret key
 *       with CKA_DERIVE or CKA_MODIFIABLE true (or not saying) appends
 *       "LABEL derive=D modifiable=M" to FILE (rev10c H1, M1).
 *
 *   KX_FAULT_XOR=1  TEST-ONLY EMULATION of CKM_XOR_BASE_AND_DATA, which
 *       SoftHSM 2.6 lacks: the mechanism is listed (C_GetMechanismList,
 *       C_GetMechanismInfo with CKF_DERIVE) and C_DeriveKey computes it
 *       on top of SoftHSM.  A key may be a base only if it was made
 *       through this module with CKA_DERIVE set (C_CreateObject with
 *       CKA_VALUE, or an emulated C_DeriveKey): its value is then kept in
 *       this module's memory (the extractable shadow; SoftHSM will not
 *       give out a sensitive key) until C_DestroyObject.  The derived
 *       value (base XOR data, PKCS#11 v2.40 "XOR base and data": length
 *       from CKA_VALUE_LEN or the key type's standard length, else the
 *       shorter of base and data; DES parity set for DES key types) goes
 *       in with C_CreateObject and the caller's template (less
 *       CKA_VALUE_LEN).  KX_FAULT_XOR=flip does the same but flips a bit
 *       of every derived key that is not a generic secret (the combined
 *       key, not the intermediate objects: a token that derives wrongly);
 *       KX_FAULT_XOR=raw leaves DES parity as the XOR gives it (a token
 *       that does not set it).  In this mode KX_FAULT_LOG also gets "C_CreateObject token=T value=N
 *       sha256=H" (H: 8 bytes of SHA-256 of CKA_VALUE, "-" without one),
 *       "C_DeriveKey mech=0x... data=N [parity=odd|even] -> rv=0x..."
 *       (parity: of a DES-type key made) and "C_DestroyObject
 *       -> rv=0x..." lines.  Never use it outside the tests: it keeps key
 *       values in process memory.
 *
 * Nothing else changes: a test checks the token with pkcs11-tool on the
 * real module.
 */
#include "config.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

static CK_FUNCTION_LIST fl;
static CK_FUNCTION_LIST_PTR real;
static void *dl;
static long made;		/* objects created through us */

static const struct {
	CK_ATTRIBUTE_TYPE type;
	const char *name;
} names[] = {
#define A(x) { x, #x }
	A(CKA_CLASS), A(CKA_KEY_TYPE), A(CKA_TOKEN), A(CKA_PRIVATE),
	A(CKA_LABEL), A(CKA_ID), A(CKA_VALUE), A(CKA_VALUE_LEN),
	A(CKA_ENCRYPT), A(CKA_DECRYPT), A(CKA_SIGN), A(CKA_VERIFY),
	A(CKA_WRAP), A(CKA_UNWRAP), A(CKA_DERIVE), A(CKA_EXTRACTABLE),
	A(CKA_SENSITIVE), A(CKA_START_DATE), A(CKA_END_DATE),
	A(CKA_CHECK_VALUE), A(CKA_MODIFIABLE),
#undef A
};

/* Is name an element of the comma-separated list in environment var? */
static int
in_list(const char *var, const char *name)
{
	const char *list = getenv(var), *p;
	size_t n = strlen(name);

	for (p = list; p != NULL && (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == '\0' ||
		    p[n] == ','))
			return 1;
	return 0;
}

/* Is attribute type t named in KX_FAULT_REFUSE? */
static int
refused(CK_ATTRIBUTE_TYPE t)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == t && in_list("KX_FAULT_REFUSE",
		    names[i].name))
			return 1;
	return 0;
}

static CK_RV
refuse_rv(void)
{
	const char *s = getenv("KX_FAULT_RV");

	return s != NULL && strcmp(s, "inconsistent") == 0 ?
	    CKR_TEMPLATE_INCONSISTENT : CKR_ATTRIBUTE_TYPE_INVALID;
}

/* The template without refused attributes (n2); 1 if any was refused. */
static int
strip(CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_ATTRIBUTE_PTR out, CK_ULONG *n2)
{
	CK_ULONG i;
	int any = 0;

	*n2 = 0;
	for (i = 0; i < n; i++) {
		if (refused(t[i].type))
			any = 1;
		else if (out != NULL && *n2 < 64)
			out[(*n2)++] = t[i];
	}
	return any;
}

static int
full(void)
{
	const char *s = getenv("KX_FAULT_FULL_AFTER");

	return s != NULL && made >= strtol(s, NULL, 10);
}

static CK_RV
made_one(CK_RV rv)
{
	if (rv == CKR_OK)
		made++;
	return rv;
}

/* Is mechanism m named in KX_FAULT_HIDE? */
static int
hidden(CK_MECHANISM_TYPE m)
{
	static const struct {
		CK_MECHANISM_TYPE m;
		const char *name;
	} mechs[] = {
		{ CKM_AES_ECB_ENCRYPT_DATA, "CKM_AES_ECB_ENCRYPT_DATA" },
		{ CKM_AES_CMAC, "CKM_AES_CMAC" },
		{ CKM_AES_KEY_WRAP_PAD, "CKM_AES_KEY_WRAP_PAD" },
		{ CKM_AES_KEY_WRAP, "CKM_AES_KEY_WRAP" },
	};
	size_t i;

	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (mechs[i].m == m && in_list("KX_FAULT_HIDE", mechs[i].name))
			return 1;
	return 0;
}

static CK_RV
f_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	if (m != NULL && hidden(m->mechanism))
		return CKR_MECHANISM_INVALID;
	return real->C_SignInit(s, m, k);
}

static CK_RV
f_VerifyInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	if (m != NULL && hidden(m->mechanism))
		return CKR_MECHANISM_INVALID;
	return real->C_VerifyInit(s, m, k);
}

/* The fault a call that makes an object with template t[n] gets, or OK. */
static CK_RV
fault(CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	CK_ULONG n2;

	if (full())
		return CKR_DEVICE_MEMORY;
	return strip(t, n, NULL, &n2) ? refuse_rv() : CKR_OK;
}

/* ---- KX_FAULT_XOR: CKM_XOR_BASE_AND_DATA emulation (TEST ONLY) ---------- */
#define SHADOWS	64

static struct shadow {
	CK_OBJECT_HANDLE h;
	CK_ULONG len;
	CK_BYTE v[64];
} shadows[SHADOWS];
static const char *made_parity;	/* of the last DES-type key derived */

static int
xor_mode(void)
{
	const char *s = getenv("KX_FAULT_XOR");

	return s == NULL ? 0 : strcmp(s, "1") == 0 ? 1 :
	    strcmp(s, "flip") == 0 ? 2 : strcmp(s, "raw") == 0 ? 3 : 0;
}

static CK_ATTRIBUTE_PTR
attr(CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG i;

	for (i = 0; t != NULL && i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

static int
is_true(CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE_PTR a = attr(t, n, type);

	return a != NULL && a->pValue != NULL && a->ulValueLen ==
	    sizeof(CK_BBOOL) && *(CK_BBOOL *)a->pValue == CK_TRUE;
}

static void
shadow_put(CK_OBJECT_HANDLE h, const CK_BYTE *v, CK_ULONG len)
{
	size_t i;

	if (len > sizeof(shadows[0].v))
		return;
	for (i = 0; i < SHADOWS; i++)
		if (shadows[i].h == CK_INVALID_HANDLE) {
			shadows[i].h = h;
			shadows[i].len = len;
			memcpy(shadows[i].v, v, len);
			return;
		}
}

static struct shadow *
shadow_get(CK_OBJECT_HANDLE h)
{
	size_t i;

	for (i = 0; h != CK_INVALID_HANDLE && i < SHADOWS; i++)
		if (shadows[i].h == h)
			return &shadows[i];
	return NULL;
}

/* The log line of a C_CreateObject in XOR mode: no value, a digest. */
static void
log_create(CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_RV rv)
{
	const char *path = getenv("KX_FAULT_LOG");
	CK_ATTRIBUTE_PTR v = attr(t, n, CKA_VALUE);
	unsigned char md[32];
	unsigned int ml = 0, i;
	FILE *f;

	if (path == NULL || !xor_mode() || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "C_CreateObject token=%d value=%lu sha256=",
	    is_true(t, n, CKA_TOKEN), v != NULL ?
	    (unsigned long)v->ulValueLen : 0ul);
	if (v != NULL && v->pValue != NULL && EVP_Digest(v->pValue,
	    v->ulValueLen, md, &ml, EVP_sha256(), NULL) == 1)
		for (i = 0; i < 8; i++)
			fprintf(f, "%02x", md[i]);
	else
		fputc('-', f);
	fprintf(f, " -> rv=0x%lx\n", (unsigned long)rv);
	fclose(f);
}

/* KX_FAULT_DELAY: a slow token (see above). */
static void
delay(void)
{
	const char *s = getenv("KX_FAULT_DELAY");
	long ms = s != NULL ? strtol(s, NULL, 10) : 0;
	struct timespec ts;

	if (ms <= 0 || ms > 10000)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* KX_FAULT_WATCH: token keys a token user could misuse (see above). */
static void
watch(CK_SESSION_HANDLE s)
{
	const char *path = getenv("KX_FAULT_WATCH");
	CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
	CK_BBOOL tr = CK_TRUE, dv, md;
	CK_ATTRIBUTE ft[] = { { CKA_CLASS, &sc, sizeof(sc) },
	    { CKA_TOKEN, &tr, sizeof(tr) } };
	CK_OBJECT_HANDLE o[64];
	CK_ULONG n = 0, i;
	char lab[256];
	FILE *f;

	if (path == NULL || real->C_FindObjectsInit(s, ft, 2) != CKR_OK)
		return;
	if (real->C_FindObjects(s, o, 64, &n) != CKR_OK)
		n = 0;
	(void)real->C_FindObjectsFinal(s);
	for (i = 0; i < n; i++) {
		CK_ATTRIBUTE a[] = { { CKA_DERIVE, &dv, sizeof(dv) },
		    { CKA_MODIFIABLE, &md, sizeof(md) },
		    { CKA_LABEL, lab, sizeof(lab) - 1 } };

		dv = md = CK_TRUE;
		if (real->C_GetAttributeValue(s, o[i], a, 3) != CKR_OK &&
		    a[2].ulValueLen == (CK_ULONG)-1)
			a[2].ulValueLen = 0;
		if (a[2].ulValueLen >= sizeof(lab))
			a[2].ulValueLen = 0;
		lab[a[2].ulValueLen] = '\0';
		if ((dv || md) && (f = fopen(path, "a")) != NULL) {
			fprintf(f, "%s derive=%d modifiable=%d\n", lab, dv, md);
			fclose(f);
		}
	}
}

/* KX_FAULT_FOREIGN: two objects made by another session (see above). */
static void
foreign(CK_SESSION_HANDLE s)
{
	static long nf;
	const char *label = getenv("KX_FAULT_FOREIGN");
	const char *path = getenv("KX_FAULT_LOG");
	CK_OBJECT_CLASS dc = CKO_DATA, sc = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL tr = CK_TRUE, fa = CK_FALSE;
	CK_BYTE id = 0xFF, v[16];
	char dlab[32];
	CK_ATTRIBUTE da[] = {
		{ CKA_CLASS, &dc, sizeof(dc) }, { CKA_TOKEN, &tr, sizeof(tr) },
		{ CKA_PRIVATE, &tr, sizeof(tr) }, { CKA_LABEL, dlab, 0 },
		{ CKA_VALUE, "foreign", 7 },
	};
	CK_ATTRIBUTE ka[] = {
		{ CKA_CLASS, &sc, sizeof(sc) }, { CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &tr, sizeof(tr) }, { CKA_PRIVATE, &tr, sizeof(tr) },
		{ CKA_LABEL, (void *)label, 0 }, { CKA_ID, &id, 1 },
		{ CKA_ENCRYPT, &tr, sizeof(tr) }, { CKA_EXTRACTABLE, &fa,
		    sizeof(fa) }, { CKA_VALUE, v, sizeof(v) },
	};
	CK_SESSION_INFO si;
	CK_SESSION_HANDLE s2;
	CK_OBJECT_HANDLE h;
	CK_RV rv;
	FILE *f;

	if (label == NULL)
		return;
	if (getenv("KX_FAULT_FOREIGN_ID") != NULL)
		id = (CK_BYTE)strtoul(getenv("KX_FAULT_FOREIGN_ID"), NULL, 16);
	memset(v, 0xF0, sizeof(v));
	snprintf(dlab, sizeof(dlab), "foreign-%ld", ++nf);
	da[3].ulValueLen = strlen(dlab);
	ka[4].ulValueLen = strlen(label);
	if ((rv = real->C_GetSessionInfo(s, &si)) == CKR_OK &&
	    (rv = real->C_OpenSession(si.slotID, CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &s2)) == CKR_OK) {
		if ((rv = real->C_CreateObject(s2, da, sizeof(da) /
		    sizeof(da[0]), &h)) == CKR_OK)
			rv = real->C_CreateObject(s2, ka, sizeof(ka) /
			    sizeof(ka[0]), &h);
		real->C_CloseSession(s2);
	}
	if (path != NULL && (f = fopen(path, "a")) != NULL) {
		fprintf(f, "foreign %ld -> rv=0x%lx\n", nf, (unsigned long)rv);
		fclose(f);
	}
}

static CK_RV
f_CreateObject(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n,
    CK_OBJECT_HANDLE_PTR h)
{
	CK_ATTRIBUTE_PTR v;
	CK_RV rv;

	foreign(s);
	if (getenv("KX_FAULT_NO_CLEAR_WRAP") != NULL && is_true(t, n,
	    CKA_WRAP) && attr(t, n, CKA_VALUE) != NULL)
		rv = CKR_TEMPLATE_INCONSISTENT;
	else if ((rv = fault(t, n)) == CKR_OK)
		rv = made_one(real->C_CreateObject(s, t, n, h));
	log_create(t, n, rv);
	if (rv == CKR_OK && xor_mode() && is_true(t, n, CKA_DERIVE) &&
	    (v = attr(t, n, CKA_VALUE)) != NULL && v->pValue != NULL)
		shadow_put(*h, v->pValue, v->ulValueLen);
	return rv;
}

static CK_RV
f_DestroyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	struct shadow *sh = shadow_get(h);
	const char *path = getenv("KX_FAULT_LOG");
	CK_RV rv = real->C_DestroyObject(s, h);
	FILE *f;

	if (sh != NULL && rv == CKR_OK) {
		OPENSSL_cleanse(sh, sizeof(*sh));
		sh->h = CK_INVALID_HANDLE;
	}
	if (path != NULL && xor_mode() && (f = fopen(path, "a")) != NULL) {
		fprintf(f, "C_DestroyObject -> rv=0x%lx\n", (unsigned long)rv);
		fclose(f);
	}
	return rv;
}

/* CKM_XOR_BASE_AND_DATA on top of the real module. */
static CK_RV
xor_derive(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE b,
    CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR h)
{
	CK_KEY_DERIVATION_STRING_DATA *sd = m->pParameter;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE_PTR a;
	CK_ATTRIBUTE tm[66];
	CK_BYTE v[64];
	CK_ULONG i, j, len, avail, want = 0, tn = 0;
	struct shadow *base = shadow_get(b);
	unsigned par;
	CK_RV rv;

	if (sd == NULL || m->ulParameterLen != sizeof(*sd) ||
	    (sd->pData == NULL && sd->ulLen > 0))
		return CKR_MECHANISM_PARAM_INVALID;
	if (base == NULL)
		return CKR_KEY_HANDLE_INVALID;
	if (n > 64)
		return CKR_TEMPLATE_INCONSISTENT;
	if ((a = attr(t, n, CKA_KEY_TYPE)) != NULL && a->pValue != NULL)
		kt = *(CK_KEY_TYPE *)a->pValue;
	if ((a = attr(t, n, CKA_VALUE_LEN)) != NULL && a->pValue != NULL)
		want = *(CK_ULONG *)a->pValue;
	avail = base->len < sd->ulLen ? base->len : sd->ulLen;
	switch (kt) {
	case CKK_DES:
		len = 8;
		break;
	case CKK_DES2:
		len = 16;
		break;
	case CKK_DES3:
		len = 24;
		break;
	case CKK_GENERIC_SECRET:
		len = want != 0 ? want : avail;
		break;
	default:	/* no standard length: the template must give it */
		if (want == 0)
			return CKR_TEMPLATE_INCOMPLETE;
		len = want;
	}
	if ((want != 0 && want != len) || len > avail || len > sizeof(v))
		return CKR_TEMPLATE_INCONSISTENT;
	for (i = 0; i < len; i++)
		v[i] = base->v[i] ^ sd->pData[i];
	made_parity = NULL;
	if (kt == CKK_DES || kt == CKK_DES2 || kt == CKK_DES3) {
		made_parity = "odd";
		for (i = 0; i < len; i++) {	/* odd parity */
			for (par = 0, j = 0; j < 8; j++)
				par ^= (v[i] >> j) & 1u;
			if (xor_mode() != 3)
				v[i] ^= (CK_BYTE)(par ^ 1u);
			else if (par == 0)
				made_parity = "even";
		}
	}
	if (xor_mode() == 2 && kt != CKK_GENERIC_SECRET)
		v[0] ^= 0x80;
	for (i = 0; i < n; i++)
		if (t[i].type != CKA_VALUE_LEN)
			tm[tn++] = t[i];
	if (attr(t, n, CKA_CLASS) == NULL)
		tm[tn++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	if (attr(t, n, CKA_KEY_TYPE) == NULL)
		tm[tn++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	tm[tn++] = (CK_ATTRIBUTE){ CKA_VALUE, v, len };
	rv = made_one(real->C_CreateObject(s, tm, tn, h));
	if (rv == CKR_OK && is_true(t, n, CKA_DERIVE))
		shadow_put(*h, v, len);
	OPENSSL_cleanse(v, sizeof(v));
	return rv;
}

static CK_RV
f_CopyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
    CK_ULONG n, CK_OBJECT_HANDLE_PTR h)
{
	static int raised;
	CK_RV rv;

	foreign(s);
	watch(s);
	if ((rv = fault(t, n)) != CKR_OK)
		return rv;
	if (getenv("KX_FAULT_SIGNAL") != NULL && !raised++)
		(void)raise(SIGINT);
	rv = made_one(real->C_CopyObject(s, o, t, n, h));
	watch(s);
	return rv;
}

static CK_RV
f_GenerateKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t,
    CK_ULONG n, CK_OBJECT_HANDLE_PTR h)
{
	CK_RV rv;

	if ((rv = fault(t, n)) != CKR_OK)
		return rv;
	return made_one(real->C_GenerateKey(s, m, t, n, h));
}

static CK_RV logged(const char *fn, CK_MECHANISM_PTR m, CK_RV rv);

static CK_RV
f_DeriveKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE b,
    CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR h)
{
	CK_RV rv;

	foreign(s);
	watch(s);
	if (m != NULL && hidden(m->mechanism))
		return CKR_MECHANISM_INVALID;
	if (xor_mode() && m != NULL && m->mechanism ==
	    CKM_XOR_BASE_AND_DATA) {
		made_parity = NULL;
		if ((rv = fault(t, n)) == CKR_OK)
			rv = xor_derive(s, m, b, t, n, h);
		return logged("C_DeriveKey", m, rv);
	}
	if ((rv = fault(t, n)) != CKR_OK)
		return rv;
	return made_one(real->C_DeriveKey(s, m, b, t, n, h));
}

/* The real list less the hidden mechanisms, plus the emulated XOR. */
static CK_RV
f_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR l,
    CK_ULONG_PTR n)
{
	CK_MECHANISM_TYPE_PTR all;
	CK_ULONG have, got = 0, i, k = 0;
	CK_RV rv;

	if (!xor_mode() && getenv("KX_FAULT_HIDE") == NULL)
		return real->C_GetMechanismList(slot, l, n);
	if (n == NULL)
		return CKR_ARGUMENTS_BAD;
	have = *n;
	if ((rv = real->C_GetMechanismList(slot, NULL, &got)) != CKR_OK)
		return rv;
	if ((all = calloc(got + 1, sizeof(*all))) == NULL)
		return CKR_HOST_MEMORY;
	if ((rv = real->C_GetMechanismList(slot, all, &got)) != CKR_OK) {
		free(all);
		return rv;
	}
	for (i = 0; i < got; i++)
		if (!hidden(all[i]))
			all[k++] = all[i];
	if (xor_mode())
		all[k++] = CKM_XOR_BASE_AND_DATA;
	*n = k;
	rv = l == NULL ? CKR_OK : have < k ? CKR_BUFFER_TOO_SMALL : CKR_OK;
	if (l != NULL && rv == CKR_OK)
		memcpy(l, all, k * sizeof(*all));
	free(all);
	return rv;
}

static CK_RV
f_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE mt,
    CK_MECHANISM_INFO_PTR mi)
{
	if (hidden(mt))
		return CKR_MECHANISM_INVALID;
	if (xor_mode() && mt == CKM_XOR_BASE_AND_DATA) {
		if (mi == NULL)
			return CKR_ARGUMENTS_BAD;
		mi->ulMinKeySize = 0;
		mi->ulMaxKeySize = 64;
		mi->flags = CKF_DERIVE;
		return CKR_OK;
	}
	return real->C_GetMechanismInfo(slot, mt, mi);
}

/* A line to KX_FAULT_LOG: the call, its mechanism and what it returned. */
static CK_RV
logged(const char *fn, CK_MECHANISM_PTR m, CK_RV rv)
{
	const char *path = getenv("KX_FAULT_LOG");
	CK_RSA_PKCS_OAEP_PARAMS *op;
	FILE *f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return rv;
	fprintf(f, "%s mech=0x%lx", fn, m != NULL ?
	    (unsigned long)m->mechanism : 0ul);
	if (m != NULL && m->mechanism == CKM_RSA_PKCS_OAEP &&
	    m->pParameter != NULL && m->ulParameterLen == sizeof(*op)) {
		op = m->pParameter;
		fprintf(f, " hash=0x%lx mgf=0x%lx source=0x%lx",
		    (unsigned long)op->hashAlg, (unsigned long)op->mgf,
		    (unsigned long)op->source);
	}
	if (m != NULL && m->mechanism == CKM_XOR_BASE_AND_DATA &&
	    m->pParameter != NULL && m->ulParameterLen ==
	    sizeof(CK_KEY_DERIVATION_STRING_DATA))
		fprintf(f, " data=%lu%s%s", (unsigned long)
		    ((CK_KEY_DERIVATION_STRING_DATA *)m->pParameter)->ulLen,
		    made_parity != NULL ? " parity=" : "",
		    made_parity != NULL ? made_parity : "");
	fprintf(f, " -> rv=0x%lx\n", (unsigned long)rv);
	fclose(f);
	return rv;
}

static CK_RV
f_WrapKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE wk,
    CK_OBJECT_HANDLE k, CK_BYTE_PTR out, CK_ULONG_PTR outl)
{
	if (m != NULL && hidden(m->mechanism))
		return logged("C_WrapKey", m, CKR_MECHANISM_INVALID);
	return logged("C_WrapKey", m, real->C_WrapKey(s, m, wk, k, out,
	    outl));
}

static CK_RV
f_UnwrapKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE uk,
    CK_BYTE_PTR w, CK_ULONG wl, CK_ATTRIBUTE_PTR t, CK_ULONG n,
    CK_OBJECT_HANDLE_PTR h)
{
	CK_ATTRIBUTE rest[64];
	CK_OBJECT_HANDLE half = CK_INVALID_HANDLE;
	CK_ULONG n2;

	foreign(s);
	delay();
	if (m != NULL && hidden(m->mechanism))
		return logged("C_UnwrapKey", m, CKR_MECHANISM_INVALID);
	if (full())
		return logged("C_UnwrapKey", m, CKR_DEVICE_MEMORY);
	if (n <= 64 && strip(t, n, rest, &n2)) {
		/* the half-made object a failed unwrap leaves in SoftHSM */
		(void)made_one(real->C_UnwrapKey(s, m, uk, w, wl, rest, n2,
		    &half));
		return logged("C_UnwrapKey", m, refuse_rv());
	}
	return logged("C_UnwrapKey", m, made_one(real->C_UnwrapKey(s, m, uk,
	    w, wl, t, n, h)));
}

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	CK_C_GetFunctionList gfl;
	const char *path = getenv("KX_FAULT_MODULE");
	CK_RV rv;

	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	if (real == NULL) {
		if (path == NULL || (dl = dlopen(path, RTLD_NOW)) == NULL ||
		    (gfl = (CK_C_GetFunctionList)dlsym(dl,
		    "C_GetFunctionList")) == NULL)
			return CKR_GENERAL_ERROR;
		if ((rv = gfl(&real)) != CKR_OK)
			return rv;
		fl = *real;
		fl.C_CreateObject = f_CreateObject;
		fl.C_CopyObject = f_CopyObject;
		fl.C_GenerateKey = f_GenerateKey;
		fl.C_DeriveKey = f_DeriveKey;
		fl.C_UnwrapKey = f_UnwrapKey;
		fl.C_WrapKey = f_WrapKey;
		fl.C_DestroyObject = f_DestroyObject;
		fl.C_GetMechanismList = f_GetMechanismList;
		fl.C_GetMechanismInfo = f_GetMechanismInfo;
		fl.C_SignInit = f_SignInit;
		fl.C_VerifyInit = f_VerifyInit;
	}
	*out = &fl;
	return CKR_OK;
}
