/*
 * p11attack.c - for the tests only: what a token user who holds the PIN
 * (or the Security Officer) can do with keys kmsxchg put in a token,
 * independent of libkmsxchg (dlopen, the standard header, nothing of
 * ours).  The reviewer's probes of issue 10 (rev10b: unwrapleak, probe,
 * fixcheck) as one program.
 *
 *   p11attack unwrap MODULE TOKEN PINFILE LABEL HEX
 *       C_UnwrapKey CKM_AES_KEY_WRAP_PAD of HEX (a document's wrapped
 *       value, without a bound tag) under the key labelled LABEL into a
 *       session key of the attacker's template (not sensitive,
 *       extractable), then C_GetAttributeValue CKA_VALUE:
 *         "unwrap LABEL: -> CKR_..."  and, where it was read,
 *         "value LABEL: OPEN KCV XXXXXX" (its zero-block KCV, never the
 *         value itself)
 *   p11attack attrs MODULE TOKEN PINFILE LABEL
 *       the key's flags, one line "attrs LABEL: modifiable=N copyable=N
 *       sensitive=N extractable=N wrap_with_trusted=N trusted=N
 *       allowed=N utmpl=N" (allowed: the number of
 *       CKA_ALLOWED_MECHANISMS, utmpl: of CKA_UNWRAP_TEMPLATE attributes;
 *       -1 when the token does not say), then one line per attack:
 *         "copy-wrap LABEL: C_CopyObject {CKA_WRAP true} -> CKR_..."
 *         "set-sign LABEL: C_SetAttributeValue {CKA_SIGN true} -> ..."
 *         "extract LABEL: C_WrapKey KWP under the attacker's key -> ..."
 *         "enc-ecb LABEL: C_EncryptInit CKM_AES_ECB -> ..."
 *       (a copy made is destroyed)
 *   p11attack dated MODULE TOKEN PINFILE LABEL YYYYMMDD
 *       a public token AES-128 key (CKA_PRIVATE false, so SoftHSM 2.6
 *       reads its dates back), extractable, not sensitive, encrypt, with
 *       CKA_END_DATE YYYYMMDD: "dated LABEL: -> CKR_..."
 *   p11attack oldtk MODULE TOKEN PINFILE LABEL HEX
 *       a transport key as combine --to pkcs11: made it before rev10b:
 *       a token AES key of value HEX, wrap and unwrap only, sensitive,
 *       not extractable, not modifiable, CKA_ALLOWED_MECHANISMS RFC 3394
 *       and 5649, but no CKA_UNWRAP_TEMPLATE: "oldtk LABEL: -> CKR_..."
 *   p11attack trust MODULE TOKEN SOPINFILE LABEL HEX
 *       logged in as the Security Officer: a public token AES key of
 *       value HEX with CKA_TRUSTED, CKA_WRAP and CKA_UNWRAP (a KEK a
 *       key that may be wrapped under trusted keys only can leave
 *       under):
 *       "trust LABEL: -> CKR_..."
 *
 * Exit 0 when the probes ran (whatever the token answered), 2 on bad use
 * or when the token or key cannot be found.  Use throwaway tokens only.
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
static CK_BBOOL tr = CK_TRUE, fa = CK_FALSE;
static CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
static CK_KEY_TYPE aes = CKK_AES;

static const char *
rvname(CK_RV rv)
{
	static char b[24];

	switch (rv) {
	case CKR_OK:
		return "CKR_OK";
	case CKR_ATTRIBUTE_READ_ONLY:
		return "CKR_ATTRIBUTE_READ_ONLY";
	case CKR_ACTION_PROHIBITED:
		return "CKR_ACTION_PROHIBITED";
	case CKR_ATTRIBUTE_SENSITIVE:
		return "CKR_ATTRIBUTE_SENSITIVE";
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_KEY_NOT_WRAPPABLE:
		return "CKR_KEY_NOT_WRAPPABLE";
	case CKR_KEY_UNEXTRACTABLE:
		return "CKR_KEY_UNEXTRACTABLE";
	case CKR_TEMPLATE_INCONSISTENT:
		return "CKR_TEMPLATE_INCONSISTENT";
	case CKR_MECHANISM_INVALID:
		return "CKR_MECHANISM_INVALID";
	default:
		snprintf(b, sizeof(b), "0x%lX", (unsigned long)rv);
		return b;
	}
}

static int
hexbytes(const char *h, CK_BYTE *out, size_t max, size_t *n)
{
	unsigned v;

	for (*n = 0; h[0] != '\0' && h[1] != '\0'; h += 2) {
		if (*n == max || sscanf(h, "%2x", &v) != 1)
			return -1;
		out[(*n)++] = (CK_BYTE)v;
	}
	return h[0] == '\0' ? 0 : -1;
}

/* Open the token labelled label, log in as user (CKU_USER) or SO. */
static int
open_token(const char *module, const char *label, const char *pinfile,
    CK_USER_TYPE who)
{
	CK_C_GetFunctionList gfl;
	CK_SLOT_ID sl[32], slot = 0;
	CK_ULONG n = 32, i;
	CK_TOKEN_INFO ti;
	char lab[33], pin[256];
	FILE *pf;
	void *dl;
	int found = 0;

	if ((dl = dlopen(module, RTLD_NOW)) == NULL)
		return -1;
	*(void **)&gfl = dlsym(dl, "C_GetFunctionList");
	if (gfl == NULL || gfl(&f) != CKR_OK || f->C_Initialize(NULL) !=
	    CKR_OK || f->C_GetSlotList(CK_TRUE, sl, &n) != CKR_OK)
		return -1;
	for (i = 0; i < n && !found; i++) {
		if (f->C_GetTokenInfo(sl[i], &ti) != CKR_OK)
			continue;
		memcpy(lab, ti.label, 32);
		lab[32] = '\0';
		while (lab[0] != '\0' && lab[strlen(lab) - 1] == ' ')
			lab[strlen(lab) - 1] = '\0';
		if (strcmp(lab, label) == 0) {
			slot = sl[i];
			found = 1;
		}
	}
	if (!found || (pf = fopen(pinfile, "r")) == NULL)
		return -1;
	if (fgets(pin, sizeof(pin), pf) == NULL) {
		fclose(pf);
		return -1;
	}
	fclose(pf);
	pin[strcspn(pin, "\r\n")] = '\0';
	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
	    NULL, &s) != CKR_OK || f->C_Login(s, who, (CK_UTF8CHAR_PTR)pin,
	    strlen(pin)) != CKR_OK)
		return -1;
	return 0;
}

static int
find_key(const char *label, CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE ft[2] = { { CKA_CLASS, &sc, sizeof(sc) },
	    { CKA_LABEL, (void *)label, strlen(label) } };
	CK_OBJECT_HANDLE v[2];
	CK_ULONG got = 0;

	if (f->C_FindObjectsInit(s, ft, 2) != CKR_OK)
		return -1;
	(void)f->C_FindObjects(s, v, 2, &got);
	(void)f->C_FindObjectsFinal(s);
	if (got != 1)
		return -1;
	*h = v[0];
	return 0;
}

static int
flag(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t)
{
	CK_BBOOL b = 0;
	CK_ATTRIBUTE a = { t, &b, sizeof(b) };

	return f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK ? -1 : b;
}

static long
count(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t, size_t each)
{
	CK_ATTRIBUTE a = { t, NULL, 0 };

	if (f->C_GetAttributeValue(s, h, &a, 1) != CKR_OK ||
	    a.ulValueLen == (CK_ULONG)-1)
		return -1;
	return (long)(a.ulValueLen / each);
}

/* A session key of the attacker: AES-256, wrap, not sensitive. */
static CK_OBJECT_HANDLE
own_key(void)
{
	CK_BYTE v[32];
	CK_ATTRIBUTE tm[] = { { CKA_CLASS, &sc, sizeof(sc) },
	    { CKA_KEY_TYPE, &aes, sizeof(aes) }, { CKA_TOKEN, &fa, 1 },
	    { CKA_WRAP, &tr, 1 }, { CKA_UNWRAP, &tr, 1 },
	    { CKA_VALUE, v, sizeof(v) } };
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;

	memset(v, 0xA5, sizeof(v));
	(void)f->C_CreateObject(s, tm, 6, &k);
	return k;
}

static int
do_unwrap(const char *label, const char *hex)
{
	CK_BYTE w[1024], v[64], kcv[16], zero[16] = { 0 };
	CK_ULONG kl = sizeof(kcv);
	size_t wl;
	CK_OBJECT_HANDLE uh, x = CK_INVALID_HANDLE;
	CK_MECHANISM m = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 };
	CK_ATTRIBUTE tm[] = { { CKA_CLASS, &sc, sizeof(sc) },
	    { CKA_KEY_TYPE, &aes, sizeof(aes) }, { CKA_TOKEN, &fa, 1 },
	    { CKA_SENSITIVE, &fa, 1 }, { CKA_EXTRACTABLE, &tr, 1 },
	    { CKA_ENCRYPT, &tr, 1 } };
	CK_ATTRIBUTE va = { CKA_VALUE, v, sizeof(v) };
	CK_RV rv;

	if (hexbytes(hex, w, sizeof(w), &wl) != 0 || find_key(label, &uh) != 0)
		return 2;
	rv = f->C_UnwrapKey(s, &m, uh, w, wl, tm, 6, &x);
	printf("unwrap %s: -> %s\n", label, rvname(rv));
	if (rv != CKR_OK)
		return 0;
	if (f->C_GetAttributeValue(s, x, &va, 1) == CKR_OK &&
	    f->C_EncryptInit(s, &ecb, x) == CKR_OK &&
	    f->C_Encrypt(s, zero, 16, kcv, &kl) == CKR_OK)
		printf("value %s: OPEN KCV %02X%02X%02X\n", label, kcv[0],
		    kcv[1], kcv[2]);
	(void)f->C_DestroyObject(s, x);
	return 0;
}

static int
do_attrs(const char *label)
{
	CK_OBJECT_HANDLE h, cp = CK_INVALID_HANDLE, ak;
	CK_ATTRIBUTE wa = { CKA_WRAP, &tr, 1 }, sa = { CKA_SIGN, &tr, 1 };
	CK_MECHANISM kwp = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 };
	CK_BYTE out[128], in[16] = { 0 };
	CK_ULONG ol = sizeof(out);
	CK_RV rv;

	if (find_key(label, &h) != 0)
		return 2;
	printf("attrs %s: modifiable=%d copyable=%d sensitive=%d "
	    "extractable=%d wrap_with_trusted=%d trusted=%d allowed=%ld "
	    "utmpl=%ld\n", label, flag(h, CKA_MODIFIABLE),
	    flag(h, CKA_COPYABLE), flag(h, CKA_SENSITIVE),
	    flag(h, CKA_EXTRACTABLE), flag(h, CKA_WRAP_WITH_TRUSTED),
	    flag(h, CKA_TRUSTED), count(h, CKA_ALLOWED_MECHANISMS,
	    sizeof(CK_MECHANISM_TYPE)), count(h, CKA_UNWRAP_TEMPLATE,
	    sizeof(CK_ATTRIBUTE)));
	rv = f->C_CopyObject(s, h, &wa, 1, &cp);
	printf("copy-wrap %s: C_CopyObject {CKA_WRAP true} -> %s\n", label,
	    rvname(rv));
	if (rv == CKR_OK)
		(void)f->C_DestroyObject(s, cp);
	printf("set-sign %s: C_SetAttributeValue {CKA_SIGN true} -> %s\n",
	    label, rvname(f->C_SetAttributeValue(s, h, &sa, 1)));
	ak = own_key();
	printf("extract %s: C_WrapKey KWP under the attacker's key -> %s\n",
	    label, rvname(f->C_WrapKey(s, &kwp, ak, h, out, &ol)));
	(void)f->C_DestroyObject(s, ak);
	rv = f->C_EncryptInit(s, &ecb, h);
	if (rv == CKR_OK) {
		ol = sizeof(out);
		(void)f->C_Encrypt(s, in, 16, out, &ol);
	}
	printf("enc-ecb %s: C_EncryptInit CKM_AES_ECB -> %s\n", label,
	    rvname(rv));
	return 0;
}

static int
do_dated(const char *label, const char *ymd)
{
	CK_BYTE v[16];
	CK_DATE end;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE tm[] = { { CKA_CLASS, &sc, sizeof(sc) },
	    { CKA_KEY_TYPE, &aes, sizeof(aes) }, { CKA_TOKEN, &tr, 1 },
	    { CKA_PRIVATE, &fa, 1 }, { CKA_SENSITIVE, &fa, 1 },
	    { CKA_EXTRACTABLE, &tr, 1 }, { CKA_ENCRYPT, &tr, 1 },
	    { CKA_LABEL, (void *)label, strlen(label) },
	    { CKA_END_DATE, &end, sizeof(end) }, { CKA_VALUE, v, sizeof(v) } };

	if (strlen(ymd) != 8)
		return 2;
	memcpy(end.year, ymd, 4);
	memcpy(end.month, ymd + 4, 2);
	memcpy(end.day, ymd + 6, 2);
	memset(v, 0x5A, sizeof(v));
	printf("dated %s: -> %s\n", label, rvname(f->C_CreateObject(s, tm,
	    sizeof(tm) / sizeof(tm[0]), &h)));
	return 0;
}

/*
 * A token AES wrapping key of value hex: "oldtk" (private, no usage but
 * wrap and unwrap, the RFC 3394/5649 list, not modifiable) or "trust"
 * (public, CKA_TRUSTED: the Security Officer's session).
 */
static int
do_wrapkey(const char *cmd, const char *label, const char *hex)
{
	CK_BYTE v[32];
	size_t vl;
	CK_ULONG n = 0;
	CK_OBJECT_HANDLE h;
	CK_MECHANISM_TYPE al[2] = { CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_PAD };
	CK_ATTRIBUTE_TYPE off[] = { CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN,
	    CKA_VERIFY, CKA_DERIVE, CKA_MODIFIABLE };
	int old = strcmp(cmd, "oldtk") == 0;
	CK_ATTRIBUTE tm[20];
	size_t i;

	if (hexbytes(hex, v, sizeof(v), &vl) != 0)
		return 2;
	tm[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &sc, sizeof(sc) };
	tm[n++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &aes, sizeof(aes) };
	tm[n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &tr, 1 };
	tm[n++] = (CK_ATTRIBUTE){ CKA_PRIVATE, old ? &tr : &fa, 1 };
	tm[n++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &tr, 1 };
	tm[n++] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &fa, 1 };
	tm[n++] = (CK_ATTRIBUTE){ CKA_WRAP, &tr, 1 };
	tm[n++] = (CK_ATTRIBUTE){ CKA_UNWRAP, &tr, 1 };
	tm[n++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	tm[n++] = (CK_ATTRIBUTE){ CKA_VALUE, v, vl };
	if (old) {
		tm[n++] = (CK_ATTRIBUTE){ CKA_ALLOWED_MECHANISMS, al,
		    sizeof(al) };
		for (i = 0; i < sizeof(off) / sizeof(off[0]); i++)
			tm[n++] = (CK_ATTRIBUTE){ off[i], &fa, 1 };
	} else
		tm[n++] = (CK_ATTRIBUTE){ CKA_TRUSTED, &tr, 1 };
	printf("%s %s: -> %s\n", cmd, label, rvname(f->C_CreateObject(s, tm,
	    n, &h)));
	return 0;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (argc < 6 || open_token(argv[2], argv[3], argv[4],
	    strcmp(cmd, "trust") == 0 ? CKU_SO : CKU_USER) != 0) {
		fprintf(stderr, "p11attack: bad use, or the token cannot be "
		    "opened\n");
		return 2;
	}
	if (strcmp(cmd, "unwrap") == 0 && argc == 7)
		return do_unwrap(argv[5], argv[6]);
	if (strcmp(cmd, "attrs") == 0 && argc == 6)
		return do_attrs(argv[5]);
	if (strcmp(cmd, "dated") == 0 && argc == 7)
		return do_dated(argv[5], argv[6]);
	if ((strcmp(cmd, "oldtk") == 0 || strcmp(cmd, "trust") == 0) &&
	    argc == 7)
		return do_wrapkey(cmd, argv[5], argv[6]);
	fprintf(stderr, "p11attack: bad use\n");
	return 2;
}
