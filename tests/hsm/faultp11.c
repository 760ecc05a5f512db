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
 *   KX_FAULT_FULL_AFTER=N  the token is full after N more objects: every
 *       later C_CreateObject, C_UnwrapKey, C_GenerateKey, C_DeriveKey and
 *       C_CopyObject fails with CKR_DEVICE_MEMORY and creates nothing.
 *   KX_FAULT_LOG=FILE  every C_WrapKey and C_UnwrapKey appends a line
 *       "C_WrapKey mech=0x... [hash=0x... mgf=0x... source=0x...]" and
 *       "-> rv=0x..." (the OAEP parameters where the mechanism has them),
 *       so a test sees what was asked of the token.
 *
 * Nothing else changes: a test checks the token with pkcs11-tool on the
 * real module.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

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

/* Is attribute type t named in KX_FAULT_REFUSE? */
static int
refused(CK_ATTRIBUTE_TYPE t)
{
	const char *list = getenv("KX_FAULT_REFUSE"), *p;
	size_t i, n;

	if (list == NULL)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].type != t)
			continue;
		n = strlen(names[i].name);
		for (p = list; (p = strstr(p, names[i].name)) != NULL; p += n)
			if ((p == list || p[-1] == ',') &&
			    (p[n] == '\0' || p[n] == ','))
				return 1;
	}
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

/* The fault a call that makes an object with template t[n] gets, or OK. */
static CK_RV
fault(CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	CK_ULONG n2;

	if (full())
		return CKR_DEVICE_MEMORY;
	return strip(t, n, NULL, &n2) ? refuse_rv() : CKR_OK;
}

static CK_RV
f_CreateObject(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n,
    CK_OBJECT_HANDLE_PTR h)
{
	CK_RV rv;

	if ((rv = fault(t, n)) != CKR_OK)
		return rv;
	return made_one(real->C_CreateObject(s, t, n, h));
}

static CK_RV
f_CopyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
    CK_ULONG n, CK_OBJECT_HANDLE_PTR h)
{
	CK_RV rv;

	if ((rv = fault(t, n)) != CKR_OK)
		return rv;
	return made_one(real->C_CopyObject(s, o, t, n, h));
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

static CK_RV
f_DeriveKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE b,
    CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR h)
{
	CK_RV rv;

	if ((rv = fault(t, n)) != CKR_OK)
		return rv;
	return made_one(real->C_DeriveKey(s, m, b, t, n, h));
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
	fprintf(f, " -> rv=0x%lx\n", (unsigned long)rv);
	fclose(f);
	return rv;
}

static CK_RV
f_WrapKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE wk,
    CK_OBJECT_HANDLE k, CK_BYTE_PTR out, CK_ULONG_PTR outl)
{
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
	}
	*out = &fl;
	return CKR_OK;
}
