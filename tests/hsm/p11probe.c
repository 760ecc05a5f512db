/*
 * p11probe.c - for the tests only: what a token user who holds the PIN
 * can do with a secret key, independent of libkmsxchg (dlopen, the
 * standard header, nothing of ours).
 *
 *   p11probe MODULE TOKEN PINFILE LABEL
 *
 * finds the one secret key labelled LABEL in the token labelled TOKEN,
 * logs in with the PIN in PINFILE (its first line) and prints one line
 * per probe, "NAME LABEL: ... -> CKR_..." (or the return value in hex):
 *
 *   attrs        its flags: derive, modifiable, sensitive, extractable,
 *                encrypt, decrypt, wrap, unwrap, sign, verify (1, 0, or
 *                -1 when the token does not say)
 *   oracle       C_DeriveKey CKM_AES_ECB_ENCRYPT_DATA of chosen data
 *                under the key into a session object that is extractable
 *                and not sensitive, then C_GetAttributeValue CKA_VALUE:
 *                "OPEN" when the value (AES-ECB under the key) is read
 *                out (it is not printed)
 *   set-decrypt  C_SetAttributeValue CKA_DECRYPT true (a decryption
 *                oracle under the key)
 *   set-derive   C_SetAttributeValue CKA_DERIVE true
 *   copy-derive  C_CopyObject with CKA_DERIVE true (the copy destroyed)
 *   read-value   C_GetAttributeValue CKA_VALUE
 *   oracle-after the oracle again, after the probes above
 *   wrap-cbc, wrap-ecb, wrap-cbc-pad
 *                C_WrapKey of a chosen 16-byte session key under the key
 *                with CKM_AES_CBC (IV 0), CKM_AES_ECB, CKM_AES_CBC_PAD
 *                (IV 0): "OPEN" when the token answers (AES-ECB under the
 *                key of a chosen block; the result is not printed)
 *   sign-mac     C_SignInit CKM_AES_MAC (a one-block CBC-MAC is AES-ECB)
 *   allowed      the number of CKA_ALLOWED_MECHANISMS, -1 when absent
 *
 * Exit 0 when every probe ran (whatever the token answered), 2 when the
 * key cannot be found or the token not opened.  A probe that succeeds
 * changes the key (that is the finding): use throwaway tokens only.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;

static const char *
rvname(CK_RV rv, char *buf, size_t n)
{
	switch (rv) {
	case CKR_OK:
		return "CKR_OK";
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_ATTRIBUTE_READ_ONLY:
		return "CKR_ATTRIBUTE_READ_ONLY";
	case CKR_ACTION_PROHIBITED:
		return "CKR_ACTION_PROHIBITED";
	case CKR_ATTRIBUTE_SENSITIVE:
		return "CKR_ATTRIBUTE_SENSITIVE";
	default:
		snprintf(buf, n, "0x%lX", (unsigned long)rv);
		return buf;
	}
}

static void
wrap(const char *name, const char *label, CK_OBJECT_HANDLE h,
    CK_MECHANISM_TYPE mt, const char *mn)
{
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_BBOOL fa = CK_FALSE, tr = CK_TRUE;
	CK_BYTE val[16], iv[16], out[64];
	CK_ATTRIBUTE tm[] = { { CKA_CLASS, &c, sizeof(c) },
	    { CKA_KEY_TYPE, &kt, sizeof(kt) }, { CKA_TOKEN, &fa, sizeof(fa) },
	    { CKA_EXTRACTABLE, &tr, sizeof(tr) }, { CKA_VALUE, val,
	    sizeof(val) } };
	CK_MECHANISM m = { mt, mt == CKM_AES_ECB ? NULL : iv,
	    mt == CKM_AES_ECB ? 0 : sizeof(iv) };
	CK_OBJECT_HANDLE k;
	CK_ULONG ol = sizeof(out);
	CK_RV rv;
	char b[32];

	memset(val, 0xA5, sizeof(val));
	memset(iv, 0, sizeof(iv));
	if ((rv = f->C_CreateObject(s, tm, 5, &k)) != CKR_OK) {
		printf("%s %s: C_CreateObject -> %s\n", name, label,
		    rvname(rv, b, sizeof(b)));
		return;
	}
	rv = f->C_WrapKey(s, &m, h, k, out, &ol);
	printf("%s %s: C_WrapKey %s -> %s%s\n", name, label, mn,
	    rvname(rv, b, sizeof(b)), rv == CKR_OK ? " OPEN" : "");
	memset(out, 0, sizeof(out));
	f->C_DestroyObject(s, k);
}

static int
flag(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL b = CK_FALSE;
	CK_ATTRIBUTE a = { type, &b, sizeof(b) };

	if (f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK ||
	    a.ulValueLen != sizeof(b))
		return -1;
	return b ? 1 : 0;
}

static void
oracle(const char *name, const char *label, CK_OBJECT_HANDLE h)
{
	CK_BYTE data[16] = "chosen plaintxt";
	CK_KEY_DERIVATION_STRING_DATA sd = { data, sizeof(data) };
	CK_MECHANISM m = { CKM_AES_ECB_ENCRYPT_DATA, &sd, sizeof(sd) };
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ULONG len = 16;
	CK_BBOOL tr = CK_TRUE, fa = CK_FALSE;
	CK_ATTRIBUTE tm[] = {
		{ CKA_CLASS, &c, sizeof(c) }, { CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &fa, sizeof(fa) },
		{ CKA_SENSITIVE, &fa, sizeof(fa) },
		{ CKA_EXTRACTABLE, &tr, sizeof(tr) },
	};
	CK_BYTE v[64];
	CK_ATTRIBUTE va = { CKA_VALUE, v, sizeof(v) };
	CK_OBJECT_HANDLE x = CK_INVALID_HANDLE;
	CK_RV rv;
	char b[24];

	rv = f->C_DeriveKey(s, &m, h, tm, sizeof(tm) / sizeof(tm[0]), &x);
	printf("%s %s: C_DeriveKey CKM_AES_ECB_ENCRYPT_DATA -> %s", name,
	    label, rvname(rv, b, sizeof(b)));
	if (rv == CKR_OK && f->C_GetAttributeValue(s, x, &va, 1) == CKR_OK &&
	    va.ulValueLen == 16)
		printf(": OPEN, AES-ECB under the key read out");
	printf("\n");
	memset(v, 0, sizeof(v));
	if (x != CK_INVALID_HANDLE)
		f->C_DestroyObject(s, x);
}

static void
set_true(const char *name, const char *label, CK_OBJECT_HANDLE h,
    CK_ATTRIBUTE_TYPE type, const char *tname)
{
	CK_BBOOL tr = CK_TRUE;
	CK_ATTRIBUTE a = { type, &tr, sizeof(tr) };
	char b[24];

	printf("%s %s: C_SetAttributeValue %s true -> %s\n", name, label,
	    tname, rvname(f->C_SetAttributeValue(s, h, &a, 1), b, sizeof(b)));
}

int
main(int argc, char **argv)
{
	CK_C_GetFunctionList gfl;
	CK_SLOT_ID slots[16], slot = 0;
	CK_ULONG n = 16, i, got = 0;
	CK_TOKEN_INFO ti;
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_ATTRIBUTE ft[2];
	CK_OBJECT_HANDLE h[2], cp = CK_INVALID_HANDLE;
	CK_BBOOL tr = CK_TRUE;
	CK_ATTRIBUTE da = { CKA_DERIVE, &tr, sizeof(tr) };
	CK_BYTE v[64];
	CK_ATTRIBUTE va = { CKA_VALUE, v, sizeof(v) };
	char pin[64], lab[33], b[24];
	const char *label;
	FILE *pf;
	void *dl;
	int found = 0;
	CK_RV rv;

	if (argc != 5) {
		fprintf(stderr, "usage: p11probe MODULE TOKEN PINFILE LABEL\n");
		return 2;
	}
	label = argv[4];
	if ((dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "p11probe: %s: %s\n", argv[1], dlerror());
		return 2;
	}
	*(void **)(&gfl) = dlsym(dl, "C_GetFunctionList");
	if (gfl == NULL || gfl(&f) != CKR_OK || f->C_Initialize(NULL) !=
	    CKR_OK || f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK) {
		fprintf(stderr, "p11probe: %s: no usable module\n", argv[1]);
		return 2;
	}
	for (i = 0; i < n && !found; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(lab, ti.label, 32);
		lab[32] = '\0';
		while (strlen(lab) > 0 && lab[strlen(lab) - 1] == ' ')
			lab[strlen(lab) - 1] = '\0';
		if (strcmp(lab, argv[2]) == 0) {
			slot = slots[i];
			found = 1;
		}
	}
	if ((pf = fopen(argv[3], "r")) == NULL || fgets(pin, sizeof(pin),
	    pf) == NULL) {
		fprintf(stderr, "p11probe: %s: no PIN\n", argv[3]);
		return 2;
	}
	fclose(pf);
	pin[strcspn(pin, "\r\n")] = '\0';
	if (!found || f->C_OpenSession(slot, CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK ||
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)) !=
	    CKR_OK) {
		fprintf(stderr, "p11probe: token %s cannot be opened\n",
		    argv[2]);
		return 2;
	}
	memset(pin, 0, sizeof(pin));
	ft[0] = (CK_ATTRIBUTE){ CKA_CLASS, &c, sizeof(c) };
	ft[1] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	if (f->C_FindObjectsInit(s, ft, 2) != CKR_OK ||
	    f->C_FindObjects(s, h, 2, &got) != CKR_OK || got != 1) {
		fprintf(stderr, "p11probe: token %s: %lu secret keys labelled "
		    "%s\n", argv[2], (unsigned long)got, label);
		return 2;
	}
	f->C_FindObjectsFinal(s);
	printf("attrs %s: derive=%d modifiable=%d sensitive=%d "
	    "extractable=%d encrypt=%d decrypt=%d wrap=%d unwrap=%d sign=%d "
	    "verify=%d\n", label, flag(h[0], CKA_DERIVE),
	    flag(h[0], CKA_MODIFIABLE), flag(h[0], CKA_SENSITIVE),
	    flag(h[0], CKA_EXTRACTABLE), flag(h[0], CKA_ENCRYPT),
	    flag(h[0], CKA_DECRYPT), flag(h[0], CKA_WRAP),
	    flag(h[0], CKA_UNWRAP), flag(h[0], CKA_SIGN),
	    flag(h[0], CKA_VERIFY));
	oracle("oracle", label, h[0]);
	set_true("set-decrypt", label, h[0], CKA_DECRYPT, "CKA_DECRYPT");
	set_true("set-derive", label, h[0], CKA_DERIVE, "CKA_DERIVE");
	rv = f->C_CopyObject(s, h[0], &da, 1, &cp);
	printf("copy-derive %s: C_CopyObject CKA_DERIVE true -> %s\n", label,
	    rvname(rv, b, sizeof(b)));
	if (rv == CKR_OK)
		f->C_DestroyObject(s, cp);
	rv = f->C_GetAttributeValue(s, h[0], &va, 1);
	printf("read-value %s: C_GetAttributeValue CKA_VALUE -> %s\n", label,
	    rvname(rv, b, sizeof(b)));
	memset(v, 0, sizeof(v));
	oracle("oracle-after", label, h[0]);
	wrap("wrap-cbc", label, h[0], CKM_AES_CBC, "CKM_AES_CBC");
	wrap("wrap-ecb", label, h[0], CKM_AES_ECB, "CKM_AES_ECB");
	wrap("wrap-cbc-pad", label, h[0], CKM_AES_CBC_PAD, "CKM_AES_CBC_PAD");
	{
		CK_MECHANISM mm = { CKM_AES_MAC, NULL, 0 };
		CK_MECHANISM_TYPE al[32];
		CK_ATTRIBUTE aa = { CKA_ALLOWED_MECHANISMS, al, sizeof(al) };

		rv = f->C_SignInit(s, &mm, h[0]);
		printf("sign-mac %s: C_SignInit CKM_AES_MAC -> %s%s\n", label,
		    rvname(rv, b, sizeof(b)), rv == CKR_OK ? " OPEN" : "");
		if (rv == CKR_OK)
			f->C_SignFinal(s, NULL, &(CK_ULONG){ 0 });
		rv = f->C_GetAttributeValue(s, h[0], &aa, 1);
		printf("allowed %s: %ld\n", label, rv == CKR_OK &&
		    aa.ulValueLen != (CK_ULONG)-1 ? (long)(aa.ulValueLen /
		    sizeof(al[0])) : -1L);
	}
	f->C_Logout(s);
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	return 0;
}
