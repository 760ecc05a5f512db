/*
 * pkcs11.c - keys in PKCS#11 tokens: profiles read from attributes,
 * export wrapped inside the token (C_WrapKey), import unwrapped inside the
 * token (C_UnwrapKey) with a template built from the profile, KCVs
 * computed in the token.
 *
 * The module is loaded with dlopen() when a URI is used: nothing links
 * against an HSM library, and kmsxchg works without one.  Constants and
 * types come from the standard header (p11-kit's pkcs11.h).
 *
 * Keys leave and enter a token wrapped and bound: aes-kwp-cmac-bound
 * (crypto/kwpcmac.c, kmsxchg(5)) is computed in the token on export
 * (C_WrapKey CKM_AES_KEY_WRAP_PAD under KBEK, C_Sign CKM_AES_CMAC under
 * KBAK) and checked in the token on import (C_Verify before
 * C_UnwrapKey): no clear value in process.  KBEK and KBAK are token
 * objects derived once from the checked session copy of the transport key
 * (kwpc_setup), which then enters the token without CKA_DERIVE, not
 * modifiable (to_token); all three carry
 * CKA_ALLOWED_MECHANISMS (no C_WrapKey CKM_AES_CBC/ECB oracle under them).
 * aes-kwp (unbound) only where asked for by name.
 *
 * Clear values: never for a key that stays in a token.  The only clear
 * values in process are (a) a pkcs11: key source the token itself lets
 * out (CKA_EXTRACTABLE and not CKA_SENSITIVE), and (b) a value imported
 * with the transport key given as a key source (file:, fd:, env:; an
 * aes-siv-bound value, which a token cannot unwrap): kx_import verifies
 * and unwraps it on the secure heap, it is wrapped at once (RFC 5649)
 * under an ephemeral AES-256 session key created in the token for that
 * one C_UnwrapKey, and wiped; the session key is destroyed; (c) the key
 * split --from reads (kx_p11_read): an extractable key only, a sensitive
 * one wrapped under a one-time session key and unwrapped on the secure
 * heap; (d) a non-sensitive key exported under an RSA public key of a
 * token that lacks SHA-256 OAEP, wrapped in process (oaep_wrap); (e) a
 * ceremony's key combined in process (kx_p11_store), where the token
 * cannot XOR the components itself (kx_p11_combine: only components
 * enter the token).
 *
 * A failed import, store or combine takes out what it made, and nothing
 * else: other sessions and processes may create objects in the same
 * token meanwhile.  Every handle a create returns is recorded and
 * destroyed on failure.  A key that enters the token (an import's
 * C_UnwrapKey, a ceremony's C_CreateObject or last C_DeriveKey) is made
 * as a session object, its KCV checked, and copied into the token
 * (to_token(): C_CopyObject with CKA_TOKEN true), so a half-made one left
 * by a failed create is one of our session objects (sweep_session()),
 * never looked for by its label, which a concurrent run of the same key
 * shares.  After the copy the label is checked again (label_alone()): a
 * twin another run stored meanwhile fails this run and takes out our
 * copy, so two runs never both leave a key under one label.  The
 * attribute probes of a refused template make session objects too.
 */
#include "config.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <p11-kit/pkcs11.h>

#include "internal.h"

#define P11_MAX_OBJECTS	4096	/* objects listed per search */
#define P11_MAX_MODULES	4

struct p11mod {
	char *path;
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	unsigned refs;
	bool finalize;		/* we initialised it */
};
static struct p11mod mods[P11_MAX_MODULES];

struct kx_p11 {
	struct p11mod *m;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	bool open;
	struct kxi_p11uri *uri;
	char label[33], manufacturer[33], model[17], serial[17];
	const char *how;	/* how the last export wrapped (static text) */
	char bound[800];	/* the bound-form set-up of the last store */
	size_t left;		/* objects the last failure may have left */
	size_t nolen;		/* keys profile_of found no length for */
	bool unbound_ok;	/* kx_p11_opts.allow_unbound */
};

static kx_p11_opts defaults;

void
kx_p11_set_defaults(const kx_p11_opts *o)
{
	memset(&defaults, 0, sizeof(defaults));
	if (o != NULL)
		defaults = *o;
}

/* ---- return values -------------------------------------------------- */
static const struct {
	CK_RV rv;
	const char *name;
} rvs[] = {
#define R(x) { x, #x }
	R(CKR_OK), R(CKR_HOST_MEMORY), R(CKR_SLOT_ID_INVALID),
	R(CKR_GENERAL_ERROR), R(CKR_FUNCTION_FAILED), R(CKR_ARGUMENTS_BAD),
	R(CKR_ATTRIBUTE_READ_ONLY), R(CKR_ATTRIBUTE_SENSITIVE),
	R(CKR_ATTRIBUTE_TYPE_INVALID), R(CKR_ATTRIBUTE_VALUE_INVALID),
	R(CKR_DATA_LEN_RANGE), R(CKR_DEVICE_ERROR), R(CKR_DEVICE_MEMORY),
	R(CKR_ENCRYPTED_DATA_INVALID), R(CKR_ENCRYPTED_DATA_LEN_RANGE),
	R(CKR_FUNCTION_NOT_SUPPORTED), R(CKR_KEY_HANDLE_INVALID),
	R(CKR_KEY_SIZE_RANGE), R(CKR_KEY_TYPE_INCONSISTENT),
	R(CKR_KEY_FUNCTION_NOT_PERMITTED), R(CKR_KEY_NOT_WRAPPABLE),
	R(CKR_KEY_UNEXTRACTABLE), R(CKR_MECHANISM_INVALID),
	R(CKR_MECHANISM_PARAM_INVALID), R(CKR_OBJECT_HANDLE_INVALID),
	R(CKR_OPERATION_ACTIVE), R(CKR_PIN_INCORRECT), R(CKR_PIN_LOCKED),
	R(CKR_PIN_LEN_RANGE), R(CKR_SESSION_READ_ONLY),
	R(CKR_TEMPLATE_INCOMPLETE), R(CKR_TEMPLATE_INCONSISTENT),
	R(CKR_TOKEN_NOT_PRESENT), R(CKR_TOKEN_WRITE_PROTECTED),
	R(CKR_UNWRAPPING_KEY_HANDLE_INVALID),
	R(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT),
	R(CKR_USER_NOT_LOGGED_IN), R(CKR_USER_PIN_NOT_INITIALIZED),
	R(CKR_WRAPPED_KEY_INVALID), R(CKR_WRAPPED_KEY_LEN_RANGE),
	R(CKR_WRAPPING_KEY_HANDLE_INVALID),
	R(CKR_WRAPPING_KEY_TYPE_INCONSISTENT), R(CKR_BUFFER_TOO_SMALL),
	R(CKR_CRYPTOKI_NOT_INITIALIZED), R(CKR_CRYPTOKI_ALREADY_INITIALIZED),
	R(CKR_SIGNATURE_INVALID), R(CKR_SIGNATURE_LEN_RANGE),
	R(CKR_ACTION_PROHIBITED),
#undef R
};

static const char *
rvname(CK_RV rv, char buf[24])
{
	size_t i;

	for (i = 0; i < sizeof(rvs) / sizeof(rvs[0]); i++)
		if (rvs[i].rv == rv)
			return rvs[i].name;
	snprintf(buf, 24, "CKR 0x%lX", (unsigned long)rv);
	return buf;
}

/* DES and TDEA: key types whose type says their length (no CKA_VALUE_LEN) */
static bool
des_type(enum kx_alg alg)
{
	return alg == KX_ALG_DES || alg == KX_ALG_TDEA2 || alg == KX_ALG_TDEA3;
}

/* A failed call: one line naming the token, the call and the CKR. */
static int
p11_fail(kx_diag *d, const kx_p11 *t, int rc, CK_RV rv, const char *what)
{
	char b[24];

	return KX_FAIL(d, rc, "token %s: %s failed (%s)", t != NULL &&
	    t->label[0] ? t->label : "-", what, rvname(rv, b));
}

/*
 * A token with no room left (CKR_DEVICE_MEMORY): one line saying so, for
 * the object id (the caller rolls back what it made).
 */
static int
full_fail(kx_diag *d, const kx_p11 *t, const char *id)
{
	return KX_FAIL(d, KX_EIO, "token %s is full (CKR_DEVICE_MEMORY): no "
	    "room for %s; free space in the token and repeat", t->label, id);
}

/*
 * Writes to a token (C_CreateObject, C_CopyObject, C_UnwrapKey,
 * C_DeriveKey, C_DestroyObject and their rollbacks; C_Login, after which
 * SoftHSM rewrites its token.object; C_CloseSession and C_Finalize) run
 * with SIGINT, SIGTERM, SIGHUP and SIGQUIT held: Ctrl-C or kill cannot stop the module in the
 * middle of writing its object store (SoftHSM's file store has lost a
 * whole token so); the signal is delivered when the operation is done.
 * SIGKILL cannot be held (doc/pkcs11.md).
 */
static void
sig_hold(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGQUIT);
	(void)pthread_sigmask(SIG_BLOCK, &s, old);
}

static void
sig_release(const sigset_t *old)
{
	(void)pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ---- modules ---------------------------------------------------------- */
static int
mod_get(const char *path, struct p11mod **out, kx_diag *d)
{
	CK_C_INITIALIZE_ARGS args;
	CK_C_GetFunctionList gfl;
	struct p11mod *m = NULL;
	CK_RV rv;
	char b[24];
	size_t i;

	for (i = 0; i < P11_MAX_MODULES; i++)
		if (mods[i].path != NULL && strcmp(mods[i].path, path) == 0) {
			mods[i].refs++;
			*out = &mods[i];
			return KX_OK;
		}
	for (i = 0; i < P11_MAX_MODULES && m == NULL; i++)
		if (mods[i].path == NULL)
			m = &mods[i];
	if (m == NULL)
		return KX_FAIL(d, KX_ELIMIT, "PKCS#11: more than %d modules",
		    P11_MAX_MODULES);
	if ((m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return KX_FAIL(d, KX_ENOTFOUND, "PKCS#11 module %s: cannot be "
		    "loaded (%s)", path, dlerror());
	*(void **)(&gfl) = dlsym(m->dl, "C_GetFunctionList");
	if (gfl == NULL || gfl(&m->f) != CKR_OK || m->f == NULL) {
		dlclose(m->dl);
		memset(m, 0, sizeof(*m));
		return KX_FAIL(d, KX_EINPUT, "PKCS#11 module %s: no "
		    "C_GetFunctionList (not a PKCS#11 module)", path);
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = m->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		dlclose(m->dl);
		memset(m, 0, sizeof(*m));
		return KX_FAIL(d, KX_EIO, "PKCS#11 module %s: C_Initialize "
		    "failed (%s)", path, rvname(rv, b));
	}
	m->finalize = rv == CKR_OK;
	if ((m->path = strdup(path)) == NULL) {
		if (m->finalize)
			m->f->C_Finalize(NULL);
		dlclose(m->dl);
		memset(m, 0, sizeof(*m));
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	}
	m->refs = 1;
	*out = m;
	return KX_OK;
}

static void
mod_put(struct p11mod *m)
{
	if (m == NULL || --m->refs > 0)
		return;
	if (m->finalize)
		m->f->C_Finalize(NULL);
	dlclose(m->dl);
	free(m->path);
	memset(m, 0, sizeof(*m));
}

/* ---- tokens ----------------------------------------------------------- */
/* A blank-padded PKCS#11 text field as a C string. */
static void
field_text(const CK_UTF8CHAR *p, size_t n, char *out)
{
	while (n > 0 && p[n - 1] == ' ')
		n--;
	memcpy(out, p, n);
	out[n] = '\0';
}

static bool
field_is(const CK_UTF8CHAR *p, size_t n, const char *want)
{
	char buf[65];

	if (want == NULL)
		return true;
	field_text(p, n < 64 ? n : 64, buf);
	return strcmp(buf, want) == 0;
}

static bool
lib_matches(CK_FUNCTION_LIST_PTR f, const struct kxi_p11uri *u)
{
	CK_INFO i;
	char v[16], w[300] = "";

	if (u->lib_manufacturer == NULL && u->lib_description == NULL &&
	    u->lib_version == NULL)
		return true;
	if (f->C_GetInfo(&i) != CKR_OK)
		return false;
	/* RFC 7512: "M.m", or "M" for "M.0" */
	snprintf(v, sizeof(v), "%u.%u", i.libraryVersion.major,
	    i.libraryVersion.minor);
	if (u->lib_version != NULL)
		snprintf(w, sizeof(w), "%.280s%s", u->lib_version,
		    strchr(u->lib_version, '.') == NULL ? ".0" : "");
	return field_is(i.manufacturerID, sizeof(i.manufacturerID),
	    u->lib_manufacturer) && field_is(i.libraryDescription,
	    sizeof(i.libraryDescription), u->lib_description) &&
	    (u->lib_version == NULL || strcmp(w, v) == 0);
}

static bool
slot_matches(CK_FUNCTION_LIST_PTR f, CK_SLOT_ID id, const CK_TOKEN_INFO *ti,
    const struct kxi_p11uri *u)
{
	CK_SLOT_INFO si;

	if (u->slot_id >= 0 && (CK_SLOT_ID)u->slot_id != id)
		return false;
	if ((u->slot_description != NULL || u->slot_manufacturer != NULL) &&
	    (f->C_GetSlotInfo(id, &si) != CKR_OK ||
	    !field_is(si.slotDescription, sizeof(si.slotDescription),
	    u->slot_description) || !field_is(si.manufacturerID,
	    sizeof(si.manufacturerID), u->slot_manufacturer)))
		return false;
	return field_is(ti->label, sizeof(ti->label), u->token) &&
	    field_is(ti->manufacturerID, sizeof(ti->manufacturerID),
	    u->manufacturer) && field_is(ti->model, sizeof(ti->model),
	    u->model) && field_is(ti->serialNumber, sizeof(ti->serialNumber),
	    u->serial);
}

static int
login(kx_p11 *t, const char *src, const CK_TOKEN_INFO *ti, kx_diag *d)
{
	kx_secret *pin = NULL;
	sigset_t old;
	CK_RV rv;
	int r;

	if (src == NULL) {
		if (ti->flags & CKF_LOGIN_REQUIRED)
			return KX_FAIL(d, KX_EUSAGE, "token %s: a PIN is "
			    "needed: give --pin-source file:|fd:|env: or the "
			    "URI's pin-source", t->label);
		return KX_OK;
	}
	if ((r = kxi_keysrc_load_text(src, "PIN", &pin, d)) != KX_OK)
		return r;
	/* SoftHSM rewrites token.object (its flags) at every login */
	sig_hold(&old);
	rv = t->f->C_Login(t->s, CKU_USER, kx_secret_mut(pin),
	    kx_secret_len(pin));
	sig_release(&old);
	kx_secret_free(pin);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return KX_OK;
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE)
		return KX_FAIL(d, KX_EPERM, "token %s: wrong PIN (from %s)",
		    t->label, src);
	if (rv == CKR_PIN_LOCKED)
		return KX_FAIL(d, KX_EPERM, "token %s: the user PIN is locked",
		    t->label);
	return p11_fail(d, t, KX_EIO, rv, "C_Login");
}

void
kx_p11_close(kx_p11 *t)
{
	sigset_t old;

	if (t == NULL)
		return;
	sig_hold(&old);		/* the module may write as it closes */
	if (t->open)
		t->f->C_CloseSession(t->s);
	mod_put(t->m);
	sig_release(&old);
	kxi_p11uri_free(t->uri);
	free(t);
}

const char *
kx_p11_label(const kx_p11 *t)
{
	return t == NULL ? NULL : t->label;
}

/* The URI's query attributes we refuse, whatever else it says. */
static int
uri_refused(const struct kxi_p11uri *u, kx_diag *d)
{
	if (u->pin_value != NULL)
		return KX_FAIL(d, KX_EUSAGE, "PKCS#11 URI: pin-value is "
		    "refused (a PIN never comes from a command line): use "
		    "pin-source=file:PATH or --pin-source");
	if (u->module_name != NULL)
		return KX_FAIL(d, KX_EUSAGE, "PKCS#11 URI: module-name "
		    "is not supported (use module-path= or --module PATH)");
	return KX_OK;
}

int
kx_p11_open(const char *uri, const kx_p11_opts *o, kx_p11 **out, kx_diag *d)
{
	CK_SLOT_ID *slots = NULL, found = 0;
	CK_TOKEN_INFO ti, fti;
	CK_ULONG n = 0, i, matches = 0, ninit = 0;
	const char *mod, *pin;
	kx_p11 *t;
	CK_RV rv;
	int r;

	if (uri == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	t->unbound_ok = o != NULL && o->allow_unbound;
	if ((r = kxi_p11uri_parse(uri, &t->uri, d)) != KX_OK ||
	    (r = uri_refused(t->uri, d)) != KX_OK)
		goto out;
	/* --module, else the URI's module-path (kmsxchg(1)); the same for
	 * the PIN */
	mod = o != NULL && o->module != NULL ? o->module :
	    t->uri->module_path != NULL ? t->uri->module_path :
	    defaults.module;
	pin = o != NULL && o->pin_source != NULL ? o->pin_source :
	    t->uri->pin_source != NULL ? t->uri->pin_source :
	    defaults.pin_source;
	if (mod == NULL) {
		r = KX_FAIL(d, KX_EUSAGE, "%s: no PKCS#11 module: give "
		    "--module PATH or module-path= in the URI", uri);
		goto out;
	}
	if ((r = mod_get(mod, &t->m, d)) != KX_OK)
		goto out;
	t->f = t->m->f;
	if (!lib_matches(t->f, t->uri)) {
		r = KX_FAIL(d, KX_ENOTFOUND, "%s: module %s is not the library "
		    "the URI names", uri, mod);
		goto out;
	}
	if ((rv = t->f->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK) {
		r = p11_fail(d, NULL, KX_EIO, rv, "C_GetSlotList");
		goto out;
	}
	if (n > 0 && (slots = calloc(n, sizeof(*slots))) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	if (n > 0 && (rv = t->f->C_GetSlotList(CK_TRUE, slots, &n)) !=
	    CKR_OK) {
		r = p11_fail(d, NULL, KX_EIO, rv, "C_GetSlotList");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (t->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    !(ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		ninit++;
		if (!slot_matches(t->f, slots[i], &ti, t->uri))
			continue;
		if (matches++ == 0) {
			found = slots[i];
			fti = ti;
		}
	}
	if (matches == 0) {
		r = KX_FAIL(d, KX_ENOTFOUND, "%s: no token matches (module %s "
		    "has %lu initialised token%s)", uri, mod,
		    (unsigned long)ninit, ninit == 1 ? "" : "s");
		goto out;
	}
	if (matches > 1) {
		r = KX_FAIL(d, KX_EINPUT, "%s: %lu tokens match; name one with "
		    "token= or serial=", uri, (unsigned long)matches);
		goto out;
	}
	t->slot = found;
	field_text(fti.label, sizeof(fti.label), t->label);
	field_text(fti.manufacturerID, sizeof(fti.manufacturerID),
	    t->manufacturer);
	field_text(fti.model, sizeof(fti.model), t->model);
	field_text(fti.serialNumber, sizeof(fti.serialNumber), t->serial);
	if ((rv = t->f->C_OpenSession(t->slot, CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &t->s)) != CKR_OK) {
		r = p11_fail(d, t, KX_EIO, rv, "C_OpenSession");
		goto out;
	}
	t->open = true;
	if ((r = login(t, pin, &fti, d)) != KX_OK)
		goto out;
	*out = t;
	t = NULL;
out:
	free(slots);
	kx_p11_close(t);
	return r;
}

/* ---- objects ---------------------------------------------------------- */
struct handles {
	CK_OBJECT_HANDLE *v;
	size_t n;
};

static int
find(kx_p11 *t, CK_ATTRIBUTE *tmpl, CK_ULONG nt, struct handles *h,
    kx_diag *d)
{
	CK_OBJECT_HANDLE chunk[64], *nv;
	CK_ULONG got;
	CK_RV rv;
	int r = KX_OK;

	h->v = NULL;
	h->n = 0;
	if ((rv = t->f->C_FindObjectsInit(t->s, tmpl, nt)) != CKR_OK)
		return p11_fail(d, t, KX_EIO, rv, "C_FindObjectsInit");
	for (;;) {
		if ((rv = t->f->C_FindObjects(t->s, chunk, 64, &got)) !=
		    CKR_OK) {
			r = p11_fail(d, t, KX_EIO, rv, "C_FindObjects");
			break;
		}
		if (got == 0)
			break;
		if (h->n + got > P11_MAX_OBJECTS) {
			r = KX_FAIL(d, KX_ELIMIT, "token %s: more than %d "
			    "objects match", t->label, P11_MAX_OBJECTS);
			break;
		}
		if ((nv = realloc(h->v, (h->n + got) * sizeof(*nv))) == NULL) {
			r = KX_FAIL(d, KX_ENOMEM, "out of memory");
			break;
		}
		h->v = nv;
		memcpy(h->v + h->n, chunk, got * sizeof(*chunk));
		h->n += got;
	}
	t->f->C_FindObjectsFinal(t->s);
	if (r != KX_OK) {
		free(h->v);
		h->v = NULL;
		h->n = 0;
	}
	return r;
}

int
kx_p11_count(kx_p11 *t, size_t *n, kx_diag *d)
{
	struct handles h;
	int r;

	if (t == NULL || n == NULL)
		kxi_misuse(__func__, "NULL argument");
	*n = 0;
	if ((r = find(t, NULL, 0, &h, d)) != KX_OK)
		return r;
	*n = h.n;
	free(h.v);
	return KX_OK;
}

static const CK_OBJECT_CLASS classes[] = {
	[KXI_P11_CERT] = CKO_CERTIFICATE, [KXI_P11_DATA] = CKO_DATA,
	[KXI_P11_PRIVATE] = CKO_PRIVATE_KEY, [KXI_P11_PUBLIC] = CKO_PUBLIC_KEY,
	[KXI_P11_SECRET] = CKO_SECRET_KEY
};

/* The keys u names (of class cls when u names no type; 0: any key). */
static int
find_keys(kx_p11 *t, const struct kxi_p11uri *u, CK_OBJECT_CLASS cls,
    struct handles *h, kx_diag *d)
{
	CK_OBJECT_CLASS c;
	CK_ATTRIBUTE tm[3];
	CK_ULONG nt = 0;
	struct handles all;
	size_t i, k = 0;
	int r;

	if (u->type != KXI_P11_TYPE_ANY) {
		c = classes[u->type];
		tm[nt++] = (CK_ATTRIBUTE){ CKA_CLASS, &c, sizeof(c) };
	} else if (cls != 0) {
		c = cls;
		tm[nt++] = (CK_ATTRIBUTE){ CKA_CLASS, &c, sizeof(c) };
	}
	if (u->object != NULL)
		tm[nt++] = (CK_ATTRIBUTE){ CKA_LABEL, u->object,
		    strlen(u->object) };
	if (u->id != NULL)
		tm[nt++] = (CK_ATTRIBUTE){ CKA_ID, u->id, u->id_len };
	if ((r = find(t, tm, nt, &all, d)) != KX_OK)
		return r;
	/* keys only: certificates and data objects are not keys */
	for (i = 0; i < all.n; i++) {
		CK_ATTRIBUTE a = { CKA_CLASS, &c, sizeof(c) };

		if (t->f->C_GetAttributeValue(t->s, all.v[i], &a, 1) ==
		    CKR_OK && (c == CKO_SECRET_KEY || c == CKO_PRIVATE_KEY ||
		    c == CKO_PUBLIC_KEY))
			all.v[k++] = all.v[i];
	}
	all.n = k;
	*h = all;
	return KX_OK;
}

/* The URI with the token and object of a search, for messages. */
static const char *
what_uri(const struct kxi_p11uri *u, const kx_p11 *t, char *buf, size_t n)
{
	snprintf(buf, n, "token %s%s%s%s%s%s", t->label,
	    u->object ? " object " : "", u->object ? u->object : "",
	    u->id ? " (id given)" : "", u->type_text ? " type " : "",
	    u->type_text ? u->type_text : "");
	return buf;
}

/* The one key u names (a secret key unless u says otherwise). */
static int
find_one(kx_p11 *t, const struct kxi_p11uri *u, const char *role,
    CK_OBJECT_HANDLE *out, kx_diag *d)
{
	struct handles h;
	char w[160];
	int r;

	if (u->object == NULL && u->id == NULL)
		return KX_FAIL(d, KX_EUSAGE, "%s: the URI names no key (give "
		    "object= or id=)", role);
	if ((r = find_keys(t, u, CKO_SECRET_KEY, &h, d)) != KX_OK)
		return r;
	if (h.n != 1) {
		r = h.n == 0 ? KX_FAIL(d, KX_ENOTFOUND, "%s: no secret key "
		    "in %s", role, what_uri(u, t, w, sizeof(w))) :
		    KX_FAIL(d, KX_EINPUT, "%s: %zu keys match in %s (the URI "
		    "is ambiguous: add id= or a more exact object=)", role,
		    h.n, what_uri(u, t, w, sizeof(w)));
		free(h.v);
		return r;
	}
	*out = h.v[0];
	free(h.v);
	return KX_OK;
}

/* ---- attributes ------------------------------------------------------- */
/* An attribute's value into buf[cap]; *len its length; -1 when absent. */
static int
get_attr(kx_p11 *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, void *buf,
    size_t cap, size_t *len)
{
	CK_ATTRIBUTE a = { type, buf, cap };

	*len = 0;
	if (t->f->C_GetAttributeValue(t->s, h, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > cap)
		return -1;
	*len = a.ulValueLen;
	return 0;
}

/* A CK_BBOOL attribute: 1, 0, or -1 when absent. */
static int
get_bool(kx_p11 *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL b = CK_FALSE;
	size_t n;

	if (get_attr(t, h, type, &b, sizeof(b), &n) != 0 || n != sizeof(b))
		return -1;
	return b ? 1 : 0;
}

static int
get_ulong(kx_p11 *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
    CK_ULONG *v)
{
	size_t n;

	if (get_attr(t, h, type, v, sizeof(*v), &n) != 0 || n != sizeof(*v))
		return -1;
	return 0;
}

static enum kx_alg
alg_of(CK_KEY_TYPE kt)
{
	switch (kt) {
	case CKK_AES:
		return KX_ALG_AES;
	case CKK_DES:
		return KX_ALG_DES;
	case CKK_DES2:
		return KX_ALG_TDEA2;
	case CKK_DES3:
		return KX_ALG_TDEA3;
	case CKK_GENERIC_SECRET:
	case CKK_SHA_1_HMAC:
	case CKK_SHA256_HMAC:
	case CKK_SHA384_HMAC:
	case CKK_SHA512_HMAC:
	case CKK_SHA224_HMAC:
		return KX_ALG_HMAC;
	case CKK_RSA:
		return KX_ALG_RSA;
	case CKK_EC:
		return KX_ALG_EC;
	default:
		return KX_ALG_NONE;
	}
}

static CK_KEY_TYPE
key_type_of(enum kx_alg a)
{
	switch (a) {
	case KX_ALG_AES:
		return CKK_AES;
	case KX_ALG_DES:
		return CKK_DES;
	case KX_ALG_TDEA2:
		return CKK_DES2;
	case KX_ALG_TDEA3:
		return CKK_DES3;
	default:
		return CKK_GENERIC_SECRET;
	}
}

/* Usage flags and the model's usages (secret keys: sign = MAC). */
static const struct {
	CK_ATTRIBUTE_TYPE type;
	const char *name;
	enum kx_usage u, alt;	/* alt: a second usage that maps here */
} usages[] = {
	{ CKA_ENCRYPT, "CKA_ENCRYPT", KX_U_ENCRYPT, KX_U_ENCRYPT },
	{ CKA_DECRYPT, "CKA_DECRYPT", KX_U_DECRYPT, KX_U_DECRYPT },
	{ CKA_SIGN, "CKA_SIGN", KX_U_MAC_GENERATE, KX_U_SIGN },
	{ CKA_VERIFY, "CKA_VERIFY", KX_U_MAC_VERIFY, KX_U_VERIFY },
	{ CKA_WRAP, "CKA_WRAP", KX_U_WRAP, KX_U_WRAP },
	{ CKA_UNWRAP, "CKA_UNWRAP", KX_U_UNWRAP, KX_U_UNWRAP },
	{ CKA_DERIVE, "CKA_DERIVE", KX_U_DERIVE, KX_U_DERIVE },
};
#define NUSAGES (sizeof(usages) / sizeof(usages[0]))

/* A CK_DATE as a time: start of the day, or its end (end != 0). */
static int
date_of(const CK_DATE *dt, int end, int64_t *out)
{
	char s[21];

	snprintf(s, sizeof(s), "%.4s-%.2s-%.2sT%s", (const char *)dt->year,
	    (const char *)dt->month, (const char *)dt->day,
	    end ? "23:59:59Z" : "00:00:00Z");
	return kx_time_parse(s, out);
}

static void
date_to(int64_t t, CK_DATE *dt)
{
	char s[21];

	kx_time_format(t, s);
	memcpy(dt->year, s, 4);
	memcpy(dt->month, s + 5, 2);
	memcpy(dt->day, s + 8, 2);
}

/* RFC 3986 percent-encoding of the bytes a URI attribute holds. */
static int
pct(kx_buf *b, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;
	int r = KX_OK;

	for (i = 0; i < n && r == KX_OK; i++) {
		unsigned char c = p[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			r = kx_buf_append(b, &c, 1);
		else
			r = kx_buf_printf(b, "%%%c%c", hx[c >> 4], hx[c & 15]);
	}
	return r;
}

static int
object_uri(const kx_p11 *t, const char *label, const uint8_t *id,
    size_t idlen, CK_OBJECT_CLASS c, kx_buf *b)
{
	int r;

	b->len = 0;
	r = kx_buf_printf(b, "pkcs11:token=");
	r = r != KX_OK ? r : pct(b, (const uint8_t *)t->label,
	    strlen(t->label));
	if (r == KX_OK && t->serial[0]) {
		r = kx_buf_printf(b, ";serial=");
		r = r != KX_OK ? r : pct(b, (const uint8_t *)t->serial,
		    strlen(t->serial));
	}
	if (r == KX_OK && label != NULL && *label) {
		r = kx_buf_printf(b, ";object=");
		r = r != KX_OK ? r : pct(b, (const uint8_t *)label,
		    strlen(label));
	}
	if (r == KX_OK && idlen > 0) {
		r = kx_buf_printf(b, ";id=");
		r = r != KX_OK ? r : pct(b, id, idlen);
	}
	if (r == KX_OK)
		r = kx_buf_printf(b, ";type=%s", c == CKO_SECRET_KEY ?
		    "secret-key" : c == CKO_PRIVATE_KEY ? "private" :
		    "public");
	if (r == KX_OK)
		r = kx_buf_append(b, "", 1);
	return r;
}

/*
 * A date attribute into *out (unchanged when empty or absent); -1 when
 * the token has one but will not return it (*rv its CKR) or it is not a
 * date (*rv CKR_OK): the key's validity is then unknown.
 */
static int
read_date(kx_p11 *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
    int64_t *out, CK_RV *rv)
{
	CK_DATE dt;
	CK_ATTRIBUTE a = { type, &dt, sizeof(dt) };

	*rv = t->f->C_GetAttributeValue(t->s, h, &a, 1);
	if (*rv == CKR_ATTRIBUTE_TYPE_INVALID || (*rv == CKR_OK &&
	    a.ulValueLen == 0))
		return 0;
	if (*rv == CKR_OK && a.ulValueLen == sizeof(dt) &&
	    date_of(&dt, type == CKA_END_DATE, out) == KX_OK)
		return 0;
	return -1;
}

/*
 * The dates of key h (profile p) into p; where the token will not return
 * one, unread[n] names the attributes and why ("CKA_START_DATE and
 * CKA_END_DATE of KEY (CKR_...: ...)"), else it is empty.  SoftHSM 2.6 writes
 * CKA_START_DATE and CKA_END_DATE of a CKA_PRIVATE object in clear (their
 * updateAttr does not encrypt, as P11Attribute::updateAttr does) but
 * decrypts every non-empty byte-string attribute of such an object when
 * it is read (P11Attribute::retrieve), which fails: CKR_GENERAL_ERROR
 * (doc/pkcs11.md).
 */
static void
read_dates(kx_p11 *t, CK_OBJECT_HANDLE h, kxi_profile *p, char *unread,
    size_t n)
{
	CK_RV rs, re, rv;
	int s, e;
	char b[24];

	s = read_date(t, h, CKA_START_DATE, &p->not_before, &rs);
	e = read_date(t, h, CKA_END_DATE, &p->not_after, &re);
	unread[0] = '\0';
	if (s == 0 && e == 0)
		return;
	rv = s != 0 ? rs : re;
	snprintf(unread, n, "%s%s%s of %s (%s%s)", s != 0 ? "CKA_START_DATE" :
	    "", s != 0 && e != 0 ? " and " : "", e != 0 ? "CKA_END_DATE" : "",
	    p->id, rv == CKR_OK ? "not a date" : rvname(rv, b),
	    rv == CKR_GENERAL_ERROR && strncmp(t->manufacturer, "SoftHSM",
	    7) == 0 ? ": SoftHSM 2.6 stores the dates of a private object "
	    "unencrypted, then fails to decrypt them when they are read, "
	    "doc/pkcs11.md" : "");
}

/*
 * The profile of object h, appended to doc: a copy of the key as the
 * token holds it.  Attributes a profile cannot hold are notes; unread[n]
 * names the dates the token would not return (read_dates), else is "".
 */
/*
 * The length in bits of AES key h whose token does not record it
 * (SoftHSM 2.6 keeps CKA_VALUE_LEN 0 after an unwrap and refuses to set
 * it): the size C_WrapKey reports for it under a one-time AES-256 key
 * generated in the token (a session object, destroyed at once), asked
 * without an output buffer, so no wrapped value is made; RFC 5649 adds 8
 * bytes to a key of 16, 24 or 32.  0 when the token will not say (the key
 * is not extractable, the mechanisms are missing).
 */
static unsigned
probe_len(kx_p11 *t, CK_OBJECT_HANDLE h)
{
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_MECHANISM kwp = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ULONG len = 32, wl = 0;
	CK_BBOOL tr = CK_TRUE, fa = CK_FALSE;
	CK_ATTRIBUTE tm[] = {
		{ CKA_CLASS, &c, sizeof(c) }, { CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &fa, sizeof(fa) }, { CKA_WRAP, &tr, sizeof(tr) },
		{ CKA_SENSITIVE, &tr, sizeof(tr) },
		{ CKA_EXTRACTABLE, &fa, sizeof(fa) },
		{ CKA_ENCRYPT, &fa, sizeof(fa) }, { CKA_DECRYPT, &fa, sizeof(fa) },
		{ CKA_UNWRAP, &fa, sizeof(fa) },
	};
	CK_OBJECT_HANDLE e = CK_INVALID_HANDLE;
	CK_RV rv;

	if (get_bool(t, h, CKA_EXTRACTABLE) != 1 ||
	    t->f->C_GenerateKey(t->s, &gen, tm, sizeof(tm) / sizeof(tm[0]),
	    &e) != CKR_OK)
		return 0;
	rv = t->f->C_WrapKey(t->s, &kwp, e, h, NULL, &wl);
	t->f->C_DestroyObject(t->s, e);
	if (rv != CKR_OK || wl < 8)
		return 0;
	wl -= 8;
	return wl == 16 || wl == 24 || wl == 32 ? (unsigned)wl * 8 : 0;
}

/*
 * Whether CKA_ID bytes id[n] read as a profile Id as the import writes it
 * (build_tmpl: the Id's UTF-8 bytes): 2 to 256 bytes of UTF-8 text with
 * no control character, no space at either end (the schema's IdType) and
 * not only digits.  A binary id another tool wrote is not; one byte never
 * is, as pkcs11-tool users write --id 30 for the byte 0x30 ("0").
 */
static bool
id_is_text(const uint8_t *id, size_t n)
{
	size_t i, len;
	bool digits = true;
	long c;

	if (n < 2 || n > 256 || id[0] == ' ' || id[n - 1] == ' ')
		return false;
	for (i = 0; i < n; i += len) {
		c = kxi_utf8_next(id + i, n - i, &len);
		if (c < 0x20 || (c >= 0x7F && c < 0xA0) || !kxi_xml_char(c))
			return false;
		if (c < '0' || c > '9')
			digits = false;
	}
	return !digits;
}

static int
profile_of(kx_p11 *t, CK_OBJECT_HANDLE h, kx_doc *doc, kx_key **out,
    char *unread, size_t nunread, kx_diag *d)
{
	CK_OBJECT_CLASS c = 0;
	CK_KEY_TYPE kt = 0;
	CK_ULONG vlen = 0;
	uint8_t id[256], kcv[64];
	char label[256], idhex[2 * 32 + 1], name[300], idtext[257];
	size_t n, idlen = 0, i;
	kx_buf uri = { 0 };
	kx_key *k;
	kxi_profile *p;
	int b, r;

	if (get_ulong(t, h, CKA_CLASS, &c) != 0 ||
	    get_ulong(t, h, CKA_KEY_TYPE, &kt) != 0)
		return KX_FAIL(d, KX_EIO, "token %s: a key without CKA_CLASS "
		    "or CKA_KEY_TYPE", t->label);
	label[0] = '\0';
	if (get_attr(t, h, CKA_LABEL, label, sizeof(label) - 1, &n) == 0)
		label[n] = '\0';
	if (get_attr(t, h, CKA_ID, id, sizeof(id), &idlen) != 0)
		idlen = 0;
	if ((k = kxi_doc_add_key(doc)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	p = &k->prof;
	/*
	 * The key's Id in the document: its CKA_ID where that is text, as
	 * import writes a profile's Id; else (a binary id) its label, else
	 * its CKA_ID in hex.  Its Name: the label.
	 */
	kx_hex_encode(id, idlen > 32 ? 32 : idlen, idhex);
	if (id_is_text(id, idlen)) {
		memcpy(idtext, id, idlen);
		idtext[idlen] = '\0';
		snprintf(name, sizeof(name), "%s", idtext);
	} else if (label[0] != '\0')
		snprintf(name, sizeof(name), "%s", label);
	else if (idlen > 0)
		snprintf(name, sizeof(name), "id-%s", idhex);
	else
		snprintf(name, sizeof(name), "object-%lu", (unsigned long)h);
	if (kxi_doc_find_key(doc, name) != NULL && idlen > 0)
		snprintf(name + strlen(name) < name + sizeof(name) - 70 ?
		    name + strlen(name) : name, 70, ".%s", idhex);
	p->id = kxi_strdup(&doc->arena, name);
	p->name = label[0] ? kxi_strdup(&doc->arena, label) : NULL;
	if ((r = object_uri(t, label, id, idlen, c, &uri)) != KX_OK)
		goto out;
	p->reference = kxi_strdup(&doc->arena, (const char *)uri.data);
	p->cls = c == CKO_SECRET_KEY ? KX_CLASS_SECRET : c ==
	    CKO_PRIVATE_KEY ? KX_CLASS_PRIVATE : KX_CLASS_PUBLIC;
	p->alg = alg_of(kt);
	if (p->alg == KX_ALG_NONE)
		kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL, p->id,
		    "CKA_KEY_TYPE 0x%lX has no algorithm in the model",
		    (unsigned long)kt);
	if (get_ulong(t, h, CKA_VALUE_LEN, &vlen) == 0 && vlen > 0)
		p->length_bits = (unsigned)vlen * 8;
	else if (des_type(p->alg))
		p->length_bits = p->alg == KX_ALG_DES ? 64 : p->alg ==
		    KX_ALG_TDEA2 ? 128 : 192;
	else if (get_ulong(t, h, CKA_MODULUS_BITS, &vlen) == 0)
		p->length_bits = (unsigned)vlen;
	/* a token that does not record it: measured, else said unknown */
	if (p->length_bits == 0 && c == CKO_SECRET_KEY &&
	    p->alg == KX_ALG_AES)
		p->length_bits = probe_len(t, h);
	/* said once per run by the caller (kx_p11_profiles: rev10d L4) */
	if (p->length_bits == 0 && c == CKO_SECRET_KEY)
		t->nolen++;
	p->usage = 0;
	for (i = 0; i < NUSAGES; i++)
		if (get_bool(t, h, usages[i].type) == 1)
			p->usage |= KX_USAGE_BIT(p->cls == KX_CLASS_SECRET ?
			    usages[i].u : usages[i].alt);
	if (c == CKO_SECRET_KEY || c == CKO_PRIVATE_KEY) {
		b = get_bool(t, h, CKA_EXTRACTABLE);
		p->export_.allowed = b == 1;
		p->sensitive = get_bool(t, h, CKA_SENSITIVE) != 0;
		/*
		 * what a token does with an extractable key: wrap it; under
		 * any key (not CKA_WRAP_WITH_TRUSTED) the value may then
		 * leave as components too (split --from), and in clear where
		 * it is not sensitive
		 */
		if (b == 1)
			p->export_.forms = 1u << KX_FORM_BOUND_BLOCK |
			    1u << KX_FORM_WRAPPED;
		if (b == 1 && get_bool(t, h, CKA_WRAP_WITH_TRUSTED) == 0)
			p->export_.forms |= 1u << KX_FORM_COMPONENTS |
			    (p->sensitive ? 0 : 1u << KX_FORM_CLEAR);
		if ((b = get_bool(t, h, CKA_WRAP_WITH_TRUSTED)) >= 0)
			p->export_.trusted_kek_only = b ? KXI_TRI_TRUE :
			    KXI_TRI_FALSE;
		if ((b = get_bool(t, h, CKA_ALWAYS_SENSITIVE)) >= 0)
			p->provenance.always_sensitive = b ? KXI_TRI_TRUE :
			    KXI_TRI_FALSE;
		/* never extractable implies never exported, not the reverse */
		if (get_bool(t, h, CKA_NEVER_EXTRACTABLE) == 1)
			p->provenance.never_exported = KXI_TRI_TRUE;
	} else {
		p->export_.allowed = true;
		p->sensitive = false;
	}
	read_dates(t, h, p, unread, nunread);
	/* CKA_CHECK_VALUE: the first 3 bytes of a zero block encrypted */
	if (c == CKO_SECRET_KEY && get_attr(t, h, CKA_CHECK_VALUE, kcv,
	    sizeof(kcv), &n) == 0 && n == 3 && (p->alg == KX_ALG_AES ||
	    des_type(p->alg))) {
		k->kcv.p = kxi_memdup(&doc->arena, kcv, n);
		k->kcv.n = n;
		k->kcv_method = p->alg == KX_ALG_AES ? KX_KCV_ZERO_BLOCK :
		    KX_KCV_GP_DES;
	}
	if (p->id == NULL || p->reference == NULL)
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
	*out = k;
out:
	kx_buf_free(&uri);
	return r;
}

static int token_kcv(kx_p11 *t, CK_OBJECT_HANDLE h, const char *id,
    enum kx_alg alg, enum kx_kcv_method m, uint8_t *out, size_t n,
    kx_diag *d);

int
kx_p11_profiles(kx_p11 *t, kx_doc **out, kx_diag *d)
{
	struct handles h = { 0 };
	kx_doc *doc = NULL;
	kx_key *k;
	uint8_t kcv[3];
	char unread[200];
	size_t i;
	int r;

	if (t == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	if ((r = find_keys(t, t->uri, 0, &h, d)) != KX_OK)
		return r;
	/* a URI that names a key (object=, id=) and finds none: as export */
	if (h.n == 0 && (t->uri->object != NULL || t->uri->id != NULL)) {
		char w[160];

		r = KX_FAIL(d, KX_ENOTFOUND, "no key in %s",
		    what_uri(t->uri, t, w, sizeof(w)));
		goto out;
	}
	if ((doc = kxi_doc_new()) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	doc->source = kxi_strdup(&doc->arena, t->label);
	doc->id = kxi_strdup(&doc->arena, t->label);
	t->nolen = 0;
	for (i = 0; i < h.n; i++) {
		if ((r = profile_of(t, h.v[i], doc, &k, unread,
		    sizeof(unread), d)) != KX_OK)
			goto out;
		if (unread[0] != '\0')
			kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL,
			    k->prof.id, "token %s will not return the %s: its "
			    "validity is unknown", t->label, unread);
		/* no CKA_CHECK_VALUE (an unwrapped key): ask the token */
		if (k->kcv.n == 0 && (k->prof.alg == KX_ALG_AES ||
		    k->prof.alg == KX_ALG_TDEA2 || k->prof.alg == KX_ALG_TDEA3) &&
		    token_kcv(t, h.v[i], k->prof.id, k->prof.alg,
		    KX_KCV_ZERO_BLOCK, kcv, 3, NULL) == KX_OK) {
			k->kcv.p = kxi_memdup(&doc->arena, kcv, 3);
			k->kcv.n = 3;
			k->kcv_method = KX_KCV_ZERO_BLOCK;
		}
	}
	if (t->nolen > 0)
		kxi_diag_add(d, NULL, KX_SEV_NOTE, KX_OK, NULL, NULL, NULL,
		    "token %s does not report the length of %zu secret key%s "
		    "(CKA_VALUE_LEN 0, as SoftHSM 2.6 leaves a key it "
		    "unwrapped), and %s could not be measured in the token "
		    "without letting the value out: shown as unknown-length; "
		    "the KCV identifies the key", t->label, t->nolen,
		    t->nolen == 1 ? "" : "s", t->nolen == 1 ? "it" : "they");
	*out = doc;
	doc = NULL;
	r = KX_OK;
out:
	free(h.v);
	kx_doc_free(doc);
	return r;
}

/* ---- KCVs in the token ------------------------------------------------ */
/*
 * KCV (method m, n bytes) of key h of algorithm alg, computed by the token:
 * an ECB encryption (gp-des, gp-aes, zero-block) or a CMAC (cmac).  The
 * key must allow it (CKA_ENCRYPT, or CKA_SIGN for cmac).
 */
static int
token_kcv(kx_p11 *t, CK_OBJECT_HANDLE h, const char *id, enum kx_alg alg,
    enum kx_kcv_method m, uint8_t *out, size_t n, kx_diag *d)
{
	bool aes = alg == KX_ALG_AES;
	CK_MECHANISM mech = { 0, NULL, 0 };
	uint8_t in[16], res[16], iv[16];
	CK_ULONG bs = aes ? 16 : 8, rl = sizeof(res);
	CK_RV rv;

	memcpy(in, kxi_kcv_input(m), sizeof(in));
	if (m == KX_KCV_CMAC) {
		mech.mechanism = aes ? CKM_AES_CMAC : CKM_DES3_CMAC;
		if ((rv = t->f->C_SignInit(t->s, &mech, h)) == CKR_OK)
			rv = t->f->C_Sign(t->s, in, bs, res, &rl);
	} else {
		mech.mechanism = aes ? CKM_AES_ECB : alg == KX_ALG_DES ?
		    CKM_DES_ECB : CKM_DES3_ECB;
		rv = t->f->C_EncryptInit(t->s, &mech, h);
		/*
		 * a key whose CKA_ALLOWED_MECHANISMS leaves out ECB (its
		 * profile's AllowedMode): one CBC block under a zero IV is
		 * the same block
		 */
		if (rv == CKR_KEY_FUNCTION_NOT_PERMITTED ||
		    rv == CKR_MECHANISM_INVALID) {
			memset(iv, 0, sizeof(iv));
			mech.mechanism = aes ? CKM_AES_CBC : alg ==
			    KX_ALG_DES ? CKM_DES_CBC : CKM_DES3_CBC;
			mech.pParameter = iv;
			mech.ulParameterLen = bs;
			rv = t->f->C_EncryptInit(t->s, &mech, h);
		}
		if (rv == CKR_OK)
			rv = t->f->C_Encrypt(t->s, in, bs, res, &rl);
	}
	if (rv != CKR_OK || rl < n) {
		char b[24];

		return KX_FAIL(d, rv == CKR_MECHANISM_INVALID ?
		    KX_EUNSUPPORTED : KX_ECRYPTO, "token %s: the KCV of %s "
		    "cannot be computed in the token (%s)", t->label, id,
		    rvname(rv, b));
	}
	memcpy(out, res, n);
	return KX_OK;
}

/*
 * CKA_ALLOWED_MECHANISMS of the transport key and KBEK (RFC 3394 and 5649
 * only) and of the KBAK (CMAC only): without them CKA_WRAP answers
 * C_WrapKey with CKM_AES_CBC and a chosen IV, or CKM_AES_ECB, an AES-ECB
 * oracle under the key (SoftHSM 2.6.1 enforces the list).
 */
static const CK_MECHANISM_TYPE kwpc_kw[2] = { CKM_AES_KEY_WRAP,
    CKM_AES_KEY_WRAP_PAD };
static const CK_MECHANISM_TYPE kwpc_cmac[1] = { CKM_AES_CMAC };
/* the transport key's: CKM_AES_ECB_ENCRYPT_DATA once, before CKA_DERIVE goes */
static const CK_MECHANISM_TYPE kwpc_tk[3] = { CKM_AES_KEY_WRAP,
    CKM_AES_KEY_WRAP_PAD, CKM_AES_ECB_ENCRYPT_DATA };
/*
 * A DES or TDEA transport key's: the mechanisms of tdea-ecb and tdea-cbc
 * (kmsxchg(5)), which wrap without padding; ECB also gives its KCV.
 */
static const CK_MECHANISM_TYPE des_tk[2] = { CKM_DES_ECB, CKM_DES_CBC };
static const CK_MECHANISM_TYPE tdea_tk[2] = { CKM_DES3_ECB, CKM_DES3_CBC };

/*
 * The CKA_ALLOWED_MECHANISMS of a transport key of alg that a ceremony
 * stores (tk_prep), *n of them: wrap and unwrap only, with or without the
 * pair of the bound form (rev10d M2b, L2).
 */
static const CK_MECHANISM_TYPE *
tk_mechs(enum kx_alg alg, size_t *n)
{
	*n = alg == KX_ALG_AES ? 3 : 2;
	return alg == KX_ALG_AES ? kwpc_tk : alg == KX_ALG_DES ? des_tk :
	    tdea_tk;
}

/*
 * CKA_UNWRAP_TEMPLATE of the transport key and KBEK: every key either
 * unwraps is sensitive and may be wrapped under trusted keys only.
 * Without it any token user unwraps a document's value under them with a
 * template of his own (not sensitive, extractable) and reads the key in
 * clear; SoftHSM 2.6.1 enforces it (CKR_TEMPLATE_INCONSISTENT) and keeps
 * it through C_CopyObject.  An unwrap under such a key must send exactly
 * these attributes (build_tmpl, strict).
 */
static CK_BBOOL utmpl_true = CK_TRUE;
static CK_ATTRIBUTE kwpc_utmpl[2] = {
	{ CKA_SENSITIVE, &utmpl_true, sizeof(CK_BBOOL) },
	{ CKA_WRAP_WITH_TRUSTED, &utmpl_true, sizeof(CK_BBOOL) },
};

/* 1 if key h has kwpc_utmpl as its CKA_UNWRAP_TEMPLATE (or more), else 0. */
static int
utmpl_ok(kx_p11 *t, CK_OBJECT_HANDLE h)
{
	CK_ATTRIBUTE a = { CKA_UNWRAP_TEMPLATE, NULL, 0 }, *v;
	CK_BBOOL vals[16];
	CK_ULONG n, i, j, found = 0;

	if (t->f->C_GetAttributeValue(t->s, h, &a, 1) != CKR_OK ||
	    a.ulValueLen == (CK_ULONG)-1 || a.ulValueLen == 0 ||
	    a.ulValueLen % sizeof(CK_ATTRIBUTE) != 0 ||
	    (n = a.ulValueLen / sizeof(CK_ATTRIBUTE)) > 16)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return 0;
	a.pValue = v;
	/* first the types and lengths, then the values into vals[] */
	if (t->f->C_GetAttributeValue(t->s, h, &a, 1) == CKR_OK) {
		for (i = 0; i < n; i++) {
			v[i].pValue = v[i].ulValueLen == sizeof(CK_BBOOL) ?
			    &vals[i] : NULL;
			if (v[i].pValue == NULL)
				v[i].ulValueLen = 0;
		}
		if (t->f->C_GetAttributeValue(t->s, h, &a, 1) == CKR_OK)
			for (i = 0; i < n; i++)
				for (j = 0; j < 2; j++)
					if (v[i].type == kwpc_utmpl[j].type &&
					    v[i].pValue != NULL &&
					    vals[i] == CK_TRUE)
						found |= 1u << j;
	}
	free(v);
	return found == 3;
}

/* 0 if key h allows exactly a subset of the n mechanisms in m (and says so). */
static int
kwpc_allowed_ok(kx_p11 *t, CK_OBJECT_HANDLE h, const CK_MECHANISM_TYPE *m,
    size_t n)
{
	CK_MECHANISM_TYPE got[16];
	size_t gl = 0, i, j;

	if (get_attr(t, h, CKA_ALLOWED_MECHANISMS, got, sizeof(got), &gl) !=
	    0 || gl == 0 || gl % sizeof(got[0]) != 0)
		return -1;
	for (i = 0; i < gl / sizeof(got[0]); i++) {
		for (j = 0; j < n && m[j] != got[i]; j++)
			;
		if (j == n)
			return -1;
	}
	return 0;
}

/*
 * KCV (ECB of a zero or 0x01 block, n bytes) of AES key h with CKA_DERIVE
 * (a transport key before kwpc_seal, whose CKA_ALLOWED_MECHANISMS leaves
 * out CKM_AES_ECB): C_DeriveKey CKM_AES_ECB_ENCRYPT_DATA of the block into
 * a session key that may be read, read and destroyed.
 */
static int
derive_kcv(kx_p11 *t, CK_OBJECT_HANDLE h, const char *id,
    enum kx_kcv_method m, uint8_t *out, size_t n, kx_diag *d)
{
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_BBOOL fa = CK_FALSE, tr = CK_TRUE;
	CK_ULONG len = 16;
	uint8_t in[16], res[16];
	CK_KEY_DERIVATION_STRING_DATA sd = { in, sizeof(in) };
	CK_MECHANISM mech = { CKM_AES_ECB_ENCRYPT_DATA, &sd, sizeof(sd) };
	CK_ATTRIBUTE tm[] = { { CKA_CLASS, &c, sizeof(c) },
	    { CKA_KEY_TYPE, &kt, sizeof(kt) }, { CKA_VALUE_LEN, &len,
	    sizeof(len) }, { CKA_TOKEN, &fa, sizeof(fa) }, { CKA_SENSITIVE,
	    &fa, sizeof(fa) }, { CKA_EXTRACTABLE, &tr, sizeof(tr) } };
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	size_t rl = 0;
	char b[24];
	CK_RV rv;
	int g;

	memcpy(in, kxi_kcv_input(m), sizeof(in));
	rv = t->f->C_DeriveKey(t->s, &mech, h, tm, sizeof(tm) / sizeof(tm[0]),
	    &k);
	if (rv == CKR_DEVICE_MEMORY)
		return full_fail(d, t, id);
	if (rv != CKR_OK)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: the KCV of %s "
		    "cannot be computed in the token (C_DeriveKey "
		    "CKM_AES_ECB_ENCRYPT_DATA: %s)", t->label, id,
		    rvname(rv, b));
	g = get_attr(t, k, CKA_VALUE, res, sizeof(res), &rl);
	(void)t->f->C_DestroyObject(t->s, k);
	if (g != 0 || rl < n)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: the KCV of %s "
		    "cannot be read from the token", t->label, id);
	memcpy(out, res, n);
	return KX_OK;
}

/*
 * The KCV of key h as the document wants it (method m, n bytes).  Where
 * the key does not allow the operation, the attribute is set for the
 * computation and cleared after it (read back to make sure); the caller
 * says whether that is allowed (toggle: the key was just made by us).
 */
static int
kcv_of(kx_p11 *t, CK_OBJECT_HANDLE h, const char *id, enum kx_alg alg,
    enum kx_kcv_method m, uint8_t *out, size_t n, int toggle, kx_diag *d)
{
	CK_ATTRIBUTE_TYPE need = m == KX_KCV_CMAC ? CKA_SIGN : CKA_ENCRYPT;
	CK_BBOOL on = CK_TRUE, off = CK_FALSE;
	CK_ATTRIBUTE a = { need, &on, sizeof(on) };
	uint8_t cv[16];
	size_t cvn;
	int r, had;

	/* the token's own CKA_CHECK_VALUE is a zero-block KCV */
	if (m == KX_KCV_ZERO_BLOCK && n <= 3 && get_attr(t, h,
	    CKA_CHECK_VALUE, cv, sizeof(cv), &cvn) == 0 && cvn == 3) {
		memcpy(out, cv, n);
		return KX_OK;
	}
	if ((had = get_bool(t, h, need)) == 1)
		return token_kcv(t, h, id, alg, m, out, n, d);
	if (alg == KX_ALG_AES && m != KX_KCV_CMAC &&
	    get_bool(t, h, CKA_DERIVE) == 1 &&
	    kwpc_allowed_ok(t, h, kwpc_tk, 3) == 0)
		return derive_kcv(t, h, id, m, out, n, d);
	if (!toggle)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: key %s does not "
		    "allow %s, so its KCV cannot be computed in the token",
		    t->label, id, need == CKA_SIGN ? "CKA_SIGN" :
		    "CKA_ENCRYPT");
	if (t->f->C_SetAttributeValue(t->s, h, &a, 1) != CKR_OK)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: key %s: the "
		    "token will not allow the KCV computation", t->label, id);
	r = token_kcv(t, h, id, alg, m, out, n, d);
	a.pValue = &off;
	if (t->f->C_SetAttributeValue(t->s, h, &a, 1) != CKR_OK ||
	    get_bool(t, h, need) != 0)
		return KX_FAIL(d, KX_EINTERNAL, "token %s: key %s: %s could "
		    "not be cleared after the KCV", t->label, id,
		    need == CKA_SIGN ? "CKA_SIGN" : "CKA_ENCRYPT");
	return r;
}

/* ---- export ----------------------------------------------------------- */
static bool
has_mech(kx_p11 *t, CK_MECHANISM_TYPE mt, CK_FLAGS need)
{
	CK_MECHANISM_INFO mi;

	return t->f->C_GetMechanismInfo(t->slot, mt, &mi) == CKR_OK &&
	    (mi.flags & need) == need;
}

/* The key kek_uri names, which must be in t's token. */
static int
find_kek(kx_p11 *t, const char *kek_uri, CK_OBJECT_HANDLE *h,
    struct kxi_p11uri **ku, kx_diag *d)
{
	struct kxi_p11uri *u;
	int r;

	*ku = NULL;
	if ((r = kxi_p11uri_parse(kek_uri, &u, d)) != KX_OK)
		return r;
	if ((r = uri_refused(u, d)) != KX_OK)
		goto out;
	if ((u->token != NULL && strcmp(u->token, t->label) != 0) ||
	    (u->serial != NULL && strcmp(u->serial, t->serial) != 0) ||
	    (u->model != NULL && strcmp(u->model, t->model) != 0) ||
	    (u->manufacturer != NULL && strcmp(u->manufacturer,
	    t->manufacturer) != 0)) {
		r = KX_FAIL(d, KX_EUSAGE, "transport key %s: not in token %s "
		    "(the token wraps and unwraps with a key it holds)",
		    kek_uri, t->label);
		goto out;
	}
	if ((r = find_one(t, u, "transport key", h, d)) != KX_OK)
		goto out;
	*ku = u;
	u = NULL;
out:
	kxi_p11uri_free(u);
	return r;
}

/*
 * A transport key: AES, its length, its label; use its usage flag (0 for
 * the bound form, which wraps under the KBEK stored beside it: kwpc_find
 * checks the key).
 */
static int
kek_info(kx_p11 *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE use,
    unsigned expect, unsigned *bits, char *label, size_t lsize, kx_diag *d)
{
	CK_KEY_TYPE kt = 0;
	CK_ULONG vlen = 0;
	size_t n;

	label[0] = '\0';
	if (get_attr(t, h, CKA_LABEL, label, lsize - 1, &n) == 0)
		label[n] = '\0';
	if (get_ulong(t, h, CKA_KEY_TYPE, &kt) != 0 || kt != CKK_AES)
		return KX_FAIL(d, KX_EUNSUPPORTED, "transport key %s in token "
		    "%s: not an AES key (only AES transport keys wrap in a "
		    "token)", label, t->label);
	if (use != 0 && get_bool(t, h, use) != 1)
		return KX_FAIL(d, KX_EPOLICY, "transport key %s in token %s: "
		    "%s is not set", label, t->label, use == CKA_WRAP ?
		    "CKA_WRAP" : "CKA_UNWRAP");
	/*
	 * SoftHSM 2.6 reports 0 for a key it unwrapped: then the length the
	 * document records, which the KCV check in the token confirms.
	 */
	if ((get_ulong(t, h, CKA_VALUE_LEN, &vlen) != 0 || vlen == 0) &&
	    (expect == 128 || expect == 192 || expect == 256))
		vlen = expect / 8;
	if (vlen != 16 && vlen != 24 && vlen != 32)
		return KX_FAIL(d, KX_EUNSUPPORTED, "transport key %s in token "
		    "%s: its length is not known (CKA_VALUE_LEN %lu)", label,
		    t->label, (unsigned long)vlen);
	*bits = (unsigned)vlen * 8;
	return KX_OK;
}

/* The value of secret key h, the token willing (extractable, not sensitive). */
static int
read_value(kx_p11 *t, CK_OBJECT_HANDLE h, kx_secret **out, kx_diag *d)
{
	CK_ATTRIBUTE a = { CKA_VALUE, NULL, 0 };
	kx_secret *v = NULL;
	CK_RV rv;
	int r;

	*out = NULL;
	if ((rv = t->f->C_GetAttributeValue(t->s, h, &a, 1)) != CKR_OK ||
	    a.ulValueLen == 0 || a.ulValueLen > 1024)
		return p11_fail(d, t, KX_EIO, rv, "reading the key value");
	if ((r = kx_secret_new(a.ulValueLen, &v)) != KX_OK)
		return KX_FAIL(d, r, "out of memory");
	a.pValue = kx_secret_mut(v);
	if ((rv = t->f->C_GetAttributeValue(t->s, h, &a, 1)) != CKR_OK) {
		kx_secret_free(v);
		return p11_fail(d, t, KX_EIO, rv, "reading the key value");
	}
	*out = v;
	return KX_OK;
}

/* ---- aes-kwp-cmac-bound in the token ---------------------------------- */
/*
 * The keys of the bound form (crypto/kwpcmac.c) are derived ONCE, when a
 * transport key enters the token (kwpc_setup, from kx_p11_store and
 * kx_p11_combine): C_DeriveKey with CKM_AES_ECB_ENCRYPT_DATA over the
 * same derivation data as in process, into token objects beside it,
 * sensitive, not extractable, not modifiable: KBEK may only wrap and
 * unwrap, KBAK only sign and verify (CKM_AES_CMAC).  Each is labelled
 * and identified as the transport key with a suffix (kwpc_suffix: its
 * CKA_LABEL and CKA_ID followed by ".kbek" or ".kbak").  The transport
 * key, derived from while a session object only we see, then enters the
 * token without CKA_DERIVE (and any usage but wrap and unwrap), not
 * modifiable, in one C_CopyObject (to_token), so no token user ever gets
 * an AES-ECB oracle under it (an older key: kwpc_seal).  Export and import find the pair (kwpc_find) and never derive; a
 * transport key that can still derive, encrypt or sign is refused for
 * the bound form; kx_p11_seal mends one an older version set up.
 */
struct kwpc {
	CK_OBJECT_HANDLE kbek, kbak;
};

struct import;
static int track(struct import *im, CK_OBJECT_HANDLE h, kx_diag *d);
static void untrack(struct import *im, CK_OBJECT_HANDLE h);
static int label_alone(kx_p11 *t, CK_OBJECT_HANDLE h, size_t max,
    kx_diag *d);

/*
 * The usages a transport key of the bound form must not have: each is an
 * AES-ECB encryption oracle under it (CKM_AES_ECB_ENCRYPT_DATA, CKM_AES_ECB,
 * a one-block CBC-MAC such as CKM_AES_MAC); a sealed key has none of
 * them, nor CKA_DECRYPT or CKA_VERIFY (kwpc_seal: wrap and unwrap only).
 */
static const struct {
	CK_ATTRIBUTE_TYPE type;
	const char *name, *mech;
} oracle[] = {
	{ CKA_DERIVE, "CKA_DERIVE", "CKM_AES_ECB_ENCRYPT_DATA" },
	{ CKA_ENCRYPT, "CKA_ENCRYPT", "CKM_AES_ECB" },
	{ CKA_SIGN, "CKA_SIGN", "a one-block CBC-MAC" },
	{ CKA_DECRYPT, "CKA_DECRYPT", "-" },
	{ CKA_VERIFY, "CKA_VERIFY", "-" },
};
#define NSEAL (sizeof(oracle) / sizeof(oracle[0]))

static const char *const kwpc_suffix[2] = { ".kbek", ".kbak" };

/* The label and id of the KBEK (0) and KBAK (1) of transport key wh. */
struct kwpc_names {
	char kek[256];		/* the transport key's label */
	char label[2][256 + 8];
	uint8_t id[2][256 + 8];
	size_t idlen[2];
};

static int
kwpc_names(kx_p11 *t, CK_OBJECT_HANDLE wh, struct kwpc_names *nm,
    kx_diag *d)
{
	uint8_t id[256];
	size_t n, idlen = 0, i, sl;

	memset(nm, 0, sizeof(*nm));
	if (get_attr(t, wh, CKA_LABEL, nm->kek, sizeof(nm->kek) - 1, &n) !=
	    0 || n == 0)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: the transport "
		    "key has no CKA_LABEL (or one over 255 bytes), by which the "
		    "KBEK and KBAK of the aes-kwp-cmac-bound form are found",
		    t->label);
	nm->kek[n] = '\0';
	if (get_attr(t, wh, CKA_ID, id, sizeof(id), &idlen) != 0)
		idlen = 0;
	for (i = 0; i < 2; i++) {
		sl = strlen(kwpc_suffix[i]);
		snprintf(nm->label[i], sizeof(nm->label[i]), "%s%s", nm->kek,
		    kwpc_suffix[i]);
		memcpy(nm->id[i], id, idlen);
		memcpy(nm->id[i] + idlen, kwpc_suffix[i], sl);
		nm->idlen[i] = idlen + sl;
	}
	return KX_OK;
}

/* No secret key in the token holds a label of the pair nm names yet. */
static int
kwpc_free(kx_p11 *t, const struct kwpc_names *nm, kx_diag *d)
{
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_ATTRIBUTE ft[2];
	struct handles f;
	unsigned p;
	int r;

	for (p = 0; p < 2; p++) {
		ft[0] = (CK_ATTRIBUTE){ CKA_CLASS, &c, sizeof(c) };
		ft[1] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)nm->label[p],
		    strlen(nm->label[p]) };
		if ((r = find(t, ft, 2, &f, d)) != KX_OK)
			return r;
		free(f.v);
		if (f.n > 0)
			return KX_FAIL(d, KX_EINPUT, "token %s already holds a "
			    "secret key labelled %s: the %s of transport key "
			    "%s is not made twice", t->label, nm->label[p],
			    p == 0 ? "KBEK" : "KBAK", nm->kek);
	}
	return KX_OK;
}

/*
 * The mechanisms the bound form needs of the token: derive (setup), or
 * CMAC and RFC 5649 to sign and wrap (export) or verify and unwrap
 * (import).  0 if it has them, else the name of one it lacks and *what.
 */
static const char *
kwpc_lacks(kx_p11 *t, int op, const char **what)
{
	if (op == 2) {
		*what = "derive";
		return has_mech(t, CKM_AES_ECB_ENCRYPT_DATA, CKF_DERIVE) ?
		    NULL : "CKM_AES_ECB_ENCRYPT_DATA";
	}
	*what = op ? "verify" : "sign";
	if (!has_mech(t, CKM_AES_CMAC, op ? CKF_VERIFY : CKF_SIGN))
		return "CKM_AES_CMAC";
	*what = op ? "unwrap" : "wrap";
	if (!has_mech(t, CKM_AES_KEY_WRAP_PAD, op ? CKF_UNWRAP : CKF_WRAP))
		return "CKM_AES_KEY_WRAP_PAD";
	return NULL;
}

/* The token has every mechanism the bound form needs (kwpc_lacks). */
static int
kwpc_pair_ok(kx_p11 *t)
{
	const char *w;

	return kwpc_lacks(t, 2, &w) == NULL && kwpc_lacks(t, 0, &w) == NULL &&
	    kwpc_lacks(t, 1, &w) == NULL;
}

/*
 * The first mechanism of the bound form the token lacks (derive, then
 * sign and wrap, then verify and unwrap), and *what it is for; NULL if
 * it has them all.
 */
static const char *
kwpc_missing(kx_p11 *t, const char **what)
{
	const char *lack;

	if ((lack = kwpc_lacks(t, 2, what)) == NULL &&
	    (lack = kwpc_lacks(t, 0, what)) == NULL)
		lack = kwpc_lacks(t, 1, what);
	return lack;
}

/*
 * An AES transport key kek for a token without the mechanisms of the
 * bound form would get no KBEK and KBAK: the default form of export
 * would not be available under it.  An older key mended (seal) has no
 * CKA_ALLOWED_MECHANISMS either, which a copy cannot set (without it
 * C_WrapKey with CKM_AES_CBC and a chosen IV is an AES-ECB oracle under
 * the key); a new one gets RFC 3394 and 5649 (tk_prep).  Refused
 * (KX_EUNSUPPORTED) unless the caller allowed it
 * (kx_p11_opts.allow_unbound), before anything is made.
 */
static int
kwpc_unbound_refused(kx_p11 *t, const char *kek, int mend, kx_diag *d)
{
	const char *lack, *what;

	if ((lack = kwpc_missing(t, &what)) == NULL || t->unbound_ok)
		return KX_OK;
	if (mend)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s has no %s (to "
		    "%s): transport key %s would get no KBEK and KBAK and has "
		    "no CKA_ALLOWED_MECHANISMS (C_WrapKey with CKM_AES_CBC "
		    "under it would be an AES-ECB oracle for every token "
		    "user), so it is not sealed; --allow-unbound seals it all "
		    "the same, for aes-kw and aes-kwp only", t->label, lack,
		    what, kek);
	return KX_FAIL(d, KX_EUNSUPPORTED, "token %s has no %s (to %s): "
	    "transport key %s would get no KBEK and KBAK (no "
	    "aes-kwp-cmac-bound, export's default form, under it), so it is "
	    "not stored; --allow-unbound stores it all the same, for aes-kw "
	    "and aes-kwp only", t->label, lack, what, kek);
}

/*
 * The KBEK and KBAK of transport key wh (AES, bits) for export (imp 0:
 * wrap, sign) or import (1: unwrap, verify): the one object of each
 * name, sensitive, not extractable, of the right length and usage.
 * Refused while wh has CKA_DERIVE, CKA_ENCRYPT or CKA_SIGN (an AES-ECB
 * oracle that yields both), and where they are missing: one line each
 * saying how to mend it.  They stay in the token (the caller destroys
 * nothing).
 */
static int
kwpc_find(kx_p11 *t, CK_OBJECT_HANDLE wh, unsigned bits, int imp,
    struct kwpc *out, kx_diag *d)
{
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_ATTRIBUTE tm[3];
	CK_ATTRIBUTE_TYPE use[2][2] = { { CKA_WRAP, CKA_SIGN },
	    { CKA_UNWRAP, CKA_VERIFY } };
	CK_OBJECT_HANDLE *h;
	CK_KEY_TYPE kt;
	CK_ULONG vl;
	struct kwpc_names nm;
	struct handles f;
	const char *lack, *what;
	unsigned p;
	int r;

	out->kbek = out->kbak = CK_INVALID_HANDLE;
	if ((lack = kwpc_lacks(t, imp, &what)) != NULL)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s has no %s (to %s): "
		    "the aes-kwp-cmac-bound form cannot be computed in it",
		    t->label, lack, what);
	if ((r = kwpc_names(t, wh, &nm, d)) != KX_OK)
		return r;
	if (get_bool(t, wh, CKA_EXTRACTABLE) != 0)
		return KX_FAIL(d, KX_EPOLICY, "transport key %s in token %s is "
		    "extractable (or does not say): its value can leave the "
		    "token, so it is not used for aes-kwp-cmac-bound",
		    nm.kek, t->label);
	/* an AES-ECB oracle under the KEK gives KBEK and KBAK in clear */
	if (kwpc_allowed_ok(t, wh, kwpc_tk, 3) != 0)
		return KX_FAIL(d, KX_EPOLICY, "transport key %s in token %s "
		    "has no CKA_ALLOWED_MECHANISMS, or one that allows more "
		    "than RFC 3394 and 5649 (C_WrapKey with CKM_AES_CBC and a "
		    "chosen IV is an AES-ECB oracle under it, which gives KBEK "
		    "and KBAK): not used for aes-kwp-cmac-bound; a copy cannot "
		    "set it, so combine the key into the token again (combine "
		    "--to pkcs11:, a new label; kmsxchg seal mends only keys "
		    "made so)%s", nm.kek, t->label, imp ? "" : " (or export "
		    "with --wrap aes-kwp, NOT bound)");
	/* a template of his own gives every value unwrapped under it */
	if (!utmpl_ok(t, wh))
		return KX_FAIL(d, KX_EPOLICY, "transport key %s in token %s "
		    "has no CKA_UNWRAP_TEMPLATE {CKA_SENSITIVE, "
		    "CKA_WRAP_WITH_TRUSTED} (any token user unwraps a "
		    "document's value under it into a key he may read): not "
		    "used for aes-kwp-cmac-bound; a copy cannot set it, so "
		    "combine the key into the token again (combine --to "
		    "pkcs11:, a new label)%s", nm.kek, t->label, imp ? "" :
		    " (or export with --wrap aes-kwp, NOT bound)");
	if (get_bool(t, wh, CKA_MODIFIABLE) != 0)
		return KX_FAIL(d, KX_EPOLICY, "transport key %s in token %s is "
		    "modifiable (or does not say): a token user could give it "
		    "back CKA_DERIVE; not used for aes-kwp-cmac-bound: combine "
		    "the key into the token again (combine --to pkcs11:, a new "
		    "label)%s", nm.kek, t->label, imp ? "" : " (or export "
		    "with --wrap aes-kwp, NOT bound)");
	for (p = 0; p < 3; p++)
		if (get_bool(t, wh, oracle[p].type) == 1)
			return KX_FAIL(d, KX_EPOLICY, "transport key %s in "
			    "token %s has %s set (with %s an AES-ECB oracle "
			    "under it for every token user, which gives KBEK "
			    "and KBAK): not used for aes-kwp-cmac-bound; %s%s",
			    nm.kek, t->label, oracle[p].name, oracle[p].mech,
			    p == 0 ? "mend it with kmsxchg seal, which stores "
			    "KBEK and KBAK once and leaves the key wrap and "
			    "unwrap only" : "a transport key of this form wraps "
			    "and unwraps only: combine it into the token again "
			    "(combine --to pkcs11:, a new label)", imp ? "" :
			    " (or export with --wrap aes-kwp, NOT bound)");
	for (p = 0; p < 2; p++) {
		tm[0] = (CK_ATTRIBUTE){ CKA_CLASS, &c, sizeof(c) };
		tm[1] = (CK_ATTRIBUTE){ CKA_LABEL, nm.label[p],
		    strlen(nm.label[p]) };
		tm[2] = (CK_ATTRIBUTE){ CKA_ID, nm.id[p], nm.idlen[p] };
		if ((r = find(t, tm, 3, &f, d)) != KX_OK)
			return r;
		h = p == 0 ? &out->kbek : &out->kbak;
		if (f.n == 1)
			*h = f.v[0];
		free(f.v);
		if (f.n == 0)
			return KX_FAIL(d, KX_EPOLICY, "transport key %s in "
			    "token %s has no %s (%s) beside it, which the "
			    "aes-kwp-cmac-bound form uses: combine the "
			    "transport key into the token again (combine --to "
			    "pkcs11:, a new label), which derives KBEK and KBAK "
			    "once%s", nm.kek,
			    t->label, p == 0 ? "KBEK" : "KBAK", nm.label[p],
			    imp ? "" : " (or export with --wrap aes-kwp, NOT "
			    "bound)");
		if (f.n > 1)
			return KX_FAIL(d, KX_EINPUT, "token %s: %zu keys are "
			    "labelled %s with its id: the %s of transport key "
			    "%s is ambiguous", t->label, f.n, nm.label[p],
			    p == 0 ? "KBEK" : "KBAK", nm.kek);
		if (get_ulong(t, *h, CKA_KEY_TYPE, &kt) != 0 ||
		    kt != CKK_AES || get_ulong(t, *h, CKA_VALUE_LEN, &vl) !=
		    0 || vl != bits / 8 || get_bool(t, *h, CKA_SENSITIVE) !=
		    1 || get_bool(t, *h, CKA_EXTRACTABLE) != 0 ||
		    get_bool(t, *h, use[imp][p]) != 1 ||
		    get_bool(t, *h, CKA_MODIFIABLE) != 0 ||
		    (p == 0 && !utmpl_ok(t, *h)) ||
		    kwpc_allowed_ok(t, *h, p == 0 ? kwpc_kw : kwpc_cmac,
		    p == 0 ? 2 : 1) != 0)
			return KX_FAIL(d, KX_EPOLICY, "token %s: %s is not "
			    "the %s of transport key %s as combine --to "
			    "pkcs11: makes it (AES-%u, sensitive, not "
			    "extractable, not modifiable, %s, "
			    "CKA_ALLOWED_MECHANISMS %s only%s): combine the key "
			    "into the token again (combine --to pkcs11:, a new "
			    "label)", t->label, nm.label[p],
			    p == 0 ? "KBEK" : "KBAK", nm.kek, bits,
			    p == 0 ? "wrap and unwrap" : "sign and verify",
			    p == 0 ? "RFC 3394 and 5649" : "CKM_AES_CMAC",
			    p == 0 ? ", CKA_UNWRAP_TEMPLATE {CKA_SENSITIVE, "
			    "CKA_WRAP_WITH_TRUSTED}" : "");
	}
	return KX_OK;
}

/*
 * Seal transport key *wh: wrap and unwrap only (CKA_DERIVE, CKA_ENCRYPT,
 * CKA_DECRYPT, CKA_SIGN, CKA_VERIFY false), sensitive and not
 * modifiable, by a copy (C_CopyObject; the original destroyed, *wh the
 * copy; CKA_SENSITIVE, only where it is false, since a token may refuse
 * to set it again, before CKA_MODIFIABLE in the template); a token that
 * will not copy gets the usages cleared in place and t->bound says the
 * key stays modifiable.  Read back either way.
 */
static int
kwpc_seal(kx_p11 *t, struct import *im, CK_OBJECT_HANDLE *wh,
    const char *kek, kx_diag *d)
{
	CK_BBOOL fa = CK_FALSE, tr = CK_TRUE;
	CK_ATTRIBUTE ct[NSEAL + 2];
	CK_OBJECT_HANDLE nh = CK_INVALID_HANDLE, h;
	char b[24];
	CK_RV rv;
	size_t i, n = NSEAL;
	int copied, r;

	for (i = 0; i < NSEAL; i++)
		ct[i] = (CK_ATTRIBUTE){ oracle[i].type, &fa, sizeof(fa) };
	if (get_bool(t, *wh, CKA_SENSITIVE) != 1)
		ct[n++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &tr, sizeof(tr) };
	ct[n++] = (CK_ATTRIBUTE){ CKA_MODIFIABLE, &fa, sizeof(fa) };
	/* the copy is checked before the original goes */
	if ((rv = t->f->C_CopyObject(t->s, *wh, ct, (CK_ULONG)n, &nh)) ==
	    CKR_DEVICE_MEMORY)
		return full_fail(d, t, kek);
	copied = rv == CKR_OK;
	if (copied && (r = track(im, nh, d)) != KX_OK)
		return r;
	h = copied ? nh : *wh;
	if (!copied && (rv = t->f->C_SetAttributeValue(t->s, h, ct, NSEAL)) !=
	    CKR_OK)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: CKA_DERIVE of "
		    "transport key %s cannot be cleared (%s)", t->label, kek,
		    rvname(rv, b));
	for (i = 0; i < NSEAL; i++)
		if (get_bool(t, h, oracle[i].type) != 0)
			return KX_FAIL(d, KX_EINTERNAL, "token %s: transport "
			    "key %s still has %s after it was cleared",
			    t->label, kek, oracle[i].name);
	if (copied && (get_bool(t, h, CKA_MODIFIABLE) != 0 ||
	    get_bool(t, h, CKA_SENSITIVE) != 1))
		return KX_FAIL(d, KX_EINTERNAL, "token %s: transport key %s "
		    "is still modifiable or not sensitive after its sealed "
		    "copy", t->label, kek);
	/* a copy cannot set it (SoftHSM: CKR_ATTRIBUTE_READ_ONLY) */
	if (kwpc_pair_ok(t) && kwpc_allowed_ok(t, h, kwpc_tk, 3) != 0)
		return KX_FAIL(d, KX_EINPUT, "token %s: transport key %s has "
		    "no CKA_ALLOWED_MECHANISMS, or one that allows more than "
		    "RFC 3394, 5649 and CKM_AES_ECB_ENCRYPT_DATA (C_WrapKey "
		    "CKM_AES_CBC with a chosen IV is an AES-ECB oracle under "
		    "it), which a copy cannot set: combine it into the token "
		    "again (combine --to pkcs11:, a new label)", t->label, kek);
	if (copied) {
		if ((rv = t->f->C_DestroyObject(t->s, *wh)) != CKR_OK)
			return p11_fail(d, t, KX_EIO, rv, "C_DestroyObject of "
			    "the transport key after its sealed copy");
		untrack(im, *wh);
		*wh = nh;
	}
	snprintf(t->bound + strlen(t->bound), sizeof(t->bound) -
	    strlen(t->bound), "; CKA_DERIVE cleared on %s, which wraps and "
	    "unwraps only%s", kek, copied ? ", and the key made not "
	    "modifiable (C_CopyObject)" : " (the token would not copy the "
	    "key, so it stays modifiable: a token user could set CKA_DERIVE "
	    "again)");
	return KX_OK;
}

/*
 * Transport key wh (AES, bits, with CKA_DERIVE for this only: the checked
 * session object of a new one, which only our session sees, or an older
 * token key kx_p11_seal mends): its KBEK and KBAK derived into token
 * objects; mend: then the key sealed (kwpc_seal).  A new key is copied
 * into the token after this, sealed by the copy itself (to_token), so the
 * token never holds it with CKA_DERIVE (rev10c H1).  A token without the
 * mechanisms is refused (kwpc_unbound_refused); where the caller allowed
 * it, it gets no pair (a warning: the bound form is not available under
 * that key, and the key has no mechanism list) and the key is sealed all
 * the same.  On failure the caller rolls back every object made.
 */
static int
kwpc_setup(kx_p11 *t, struct import *im, CK_OBJECT_HANDLE wh,
    unsigned bits, int mend, kx_diag *d)
{
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ULONG len = bits / 8;
	CK_BBOOL tr = CK_TRUE, fa = CK_FALSE;
	CK_KEY_DERIVATION_STRING_DATA sd;
	CK_MECHANISM mech = { CKM_AES_ECB_ENCRYPT_DATA, &sd, sizeof(sd) };
	CK_ATTRIBUTE tm[20];
	CK_ATTRIBUTE_TYPE use[2][2] = { { CKA_WRAP, CKA_UNWRAP },
	    { CKA_SIGN, CKA_VERIFY } };
	CK_OBJECT_HANDLE h;
	uint8_t dd[KXI_KWPC_DD_MAX];
	struct kwpc_names nm;
	const char *lack, *what, *lbl;
	unsigned p;
	size_t i, ui;
	CK_RV rv;
	char b[24];
	int r;

	t->bound[0] = '\0';
	if ((r = kwpc_names(t, wh, &nm, d)) != KX_OK ||
	    (r = kwpc_unbound_refused(t, nm.kek, mend, d)) != KX_OK ||
	    (r = kwpc_free(t, &nm, d)) != KX_OK)
		return r;
	lbl = nm.kek;
	if ((lack = kwpc_missing(t, &what)) != NULL) {
		/* allowed (--allow-unbound): said, with what it exposes */
		kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL, lbl,
		    "token %s has no %s (to %s): no KBEK and KBAK stored, the "
		    "aes-kwp-cmac-bound form is not available under transport "
		    "key %s (export --wrap aes-kwp is; --allow-unbound)%s",
		    t->label, lack, what, lbl, mend ? ", and the key keeps "
		    "the CKA_ALLOWED_MECHANISMS it was made with, if any "
		    "(without one C_WrapKey with CKM_AES_CBC under it is an "
		    "AES-ECB oracle for every token user)" : "; the key wraps "
		    "and unwraps with RFC 3394 and 5649 only "
		    "(CKA_ALLOWED_MECHANISMS)");
		snprintf(t->bound, sizeof(t->bound), "no KBEK and KBAK "
		    "(the token has no %s to %s)", lack, what);
		return mend ? kwpc_seal(t, im, &wh, lbl, d) : KX_OK;
	}
	for (p = 0; p < 2; p++) {
		sd.pData = dd;
		sd.ulLen = kxi_kwpcmac_derivation(len, p, dd);
		if (sd.ulLen == 0)
			return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: the "
			    "transport key is not AES-128/192/256", t->label);
		i = 0;
		tm[i++] = (CK_ATTRIBUTE){ CKA_CLASS, &c, sizeof(c) };
		tm[i++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
		tm[i++] = (CK_ATTRIBUTE){ CKA_VALUE_LEN, &len, sizeof(len) };
		tm[i++] = (CK_ATTRIBUTE){ CKA_TOKEN, &tr, sizeof(tr) };
		tm[i++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &tr, sizeof(tr) };
		tm[i++] = (CK_ATTRIBUTE){ CKA_LABEL, nm.label[p],
		    strlen(nm.label[p]) };
		tm[i++] = (CK_ATTRIBUTE){ CKA_ID, nm.id[p], nm.idlen[p] };
		tm[i++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &tr, sizeof(tr) };
		tm[i++] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &fa, sizeof(fa) };
		for (ui = 0; ui < NUSAGES; ui++)
			tm[i++] = (CK_ATTRIBUTE){ usages[ui].type,
			    usages[ui].type == use[p][0] ||
			    usages[ui].type == use[p][1] ? &tr : &fa,
			    sizeof(tr) };
		tm[i++] = (CK_ATTRIBUTE){ CKA_ALLOWED_MECHANISMS, p == 0 ?
		    (void *)kwpc_kw : (void *)kwpc_cmac, p == 0 ?
		    sizeof(kwpc_kw) : sizeof(kwpc_cmac) };
		/* before CKA_MODIFIABLE: SoftHSM sets them in order */
		if (p == 0)
			tm[i++] = (CK_ATTRIBUTE){ CKA_UNWRAP_TEMPLATE,
			    kwpc_utmpl, sizeof(kwpc_utmpl) };
		tm[i++] = (CK_ATTRIBUTE){ CKA_MODIFIABLE, &fa, sizeof(fa) };
		h = CK_INVALID_HANDLE;
		rv = t->f->C_DeriveKey(t->s, &mech, wh, tm, (CK_ULONG)i, &h);
		OPENSSL_cleanse(dd, sizeof(dd));
		if (rv == CKR_DEVICE_MEMORY)
			return full_fail(d, t, nm.label[p]);
		if (rv != CKR_OK)
			return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: "
			    "C_DeriveKey of the aes-kwp-cmac-bound %s (%s) "
			    "with CKM_AES_ECB_ENCRYPT_DATA failed (%s)",
			    t->label, p == 0 ? "KBEK" : "KBAK", nm.label[p],
			    rvname(rv, b));
		/* kwpc_free found the label free: still ours alone? */
		if ((r = track(im, h, d)) != KX_OK ||
		    (r = label_alone(t, h, 1, d)) != KX_OK)
			return r;
	}
	snprintf(t->bound, sizeof(t->bound), "KBEK %s (wrap, unwrap) and "
	    "KBAK %s (sign, verify) of aes-kwp-cmac-bound derived once "
	    "beside it (sensitive, not extractable, not modifiable; every key "
	    "the KBEK unwraps is sensitive and wrapped under trusted keys "
	    "only)", nm.label[0], nm.label[1]);
	return mend ? kwpc_seal(t, im, &wh, lbl, d) : KX_OK;
}

/* C_SignInit or C_VerifyInit with CKM_AES_CMAC, then the tag's message. */
static CK_RV
kwpc_mac(kx_p11 *t, CK_OBJECT_HANDLE kbak, int verify, const kx_buf *aad,
    const uint8_t *w, size_t wl, uint8_t tag[KXI_KWPC_TAG])
{
	CK_MECHANISM mech = { CKM_AES_CMAC, NULL, 0 };
	CK_ULONG n = KXI_KWPC_TAG;
	uint8_t len[4];
	CK_RV rv;

	kxi_kwpcmac_len(aad->len, len);
	if ((rv = verify ? t->f->C_VerifyInit(t->s, &mech, kbak) :
	    t->f->C_SignInit(t->s, &mech, kbak)) != CKR_OK)
		return rv;
	if (verify) {
		if ((rv = t->f->C_VerifyUpdate(t->s, len, sizeof(len))) ==
		    CKR_OK && (rv = t->f->C_VerifyUpdate(t->s, aad->data,
		    aad->len)) == CKR_OK && (rv = t->f->C_VerifyUpdate(t->s,
		    (CK_BYTE_PTR)w, wl)) == CKR_OK)
			rv = t->f->C_VerifyFinal(t->s, tag, KXI_KWPC_TAG);
		return rv;
	}
	if ((rv = t->f->C_SignUpdate(t->s, len, sizeof(len))) == CKR_OK &&
	    (rv = t->f->C_SignUpdate(t->s, aad->data, aad->len)) == CKR_OK &&
	    (rv = t->f->C_SignUpdate(t->s, (CK_BYTE_PTR)w, wl)) == CKR_OK &&
	    (rv = t->f->C_SignFinal(t->s, tag, &n)) == CKR_OK &&
	    n != KXI_KWPC_TAG)
		rv = CKR_SIGNATURE_LEN_RANGE;
	return rv;
}

/* ---- RSA-OAEP (rsa-oaep-sha256) --------------------------------------- */
/* The parameters of our rsa-oaep-sha256 form: SHA-256, MGF1-SHA-256. */
static CK_RSA_PKCS_OAEP_PARAMS oaep_sha256 = { CKM_SHA256, CKG_MGF1_SHA256,
	CKZ_DATA_SPECIFIED, NULL, 0 };

/* A return value saying the token's OAEP does not take these parameters. */
static bool
oaep_params_rv(CK_RV rv)
{
	return rv == CKR_ARGUMENTS_BAD || rv == CKR_MECHANISM_PARAM_INVALID ||
	    rv == CKR_MECHANISM_INVALID;
}

/*
 * The RSA public key of object h (a public or private key: both carry
 * CKA_MODULUS and CKA_PUBLIC_EXPONENT) as PEM in *pem (not secret; kx_wrap
 * and kx_kcv_compute take a kx_secret), *bits its size.
 */
static int
rsa_pem(kx_p11 *t, CK_OBJECT_HANDLE h, const char *label, kx_secret **pem,
    unsigned *bits, uint8_t fp[KX_FINGERPRINT_LEN], kx_diag *d)
{
	unsigned char *spki = NULL;
	int spkin;
	uint8_t n[1024], e[16];
	size_t nl, el;
	long len;
	char *p;
	CK_KEY_TYPE kt = 0;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *par = NULL;
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *pk = NULL;
	BIO *b = NULL;
	int r = KX_ECRYPTO;

	*pem = NULL;
	if (get_ulong(t, h, CKA_KEY_TYPE, &kt) != 0 || kt != CKK_RSA)
		return KX_FAIL(d, KX_EUNSUPPORTED, "transport key %s in token "
		    "%s: not an RSA key", label, t->label);
	if (get_attr(t, h, CKA_MODULUS, n, sizeof(n), &nl) != 0 || nl == 0 ||
	    get_attr(t, h, CKA_PUBLIC_EXPONENT, e, sizeof(e), &el) != 0 ||
	    el == 0)
		return KX_FAIL(d, KX_EUNSUPPORTED, "transport key %s in token "
		    "%s: its modulus and public exponent cannot be read",
		    label, t->label);
	if ((bn = BN_bin2bn(n, (int)nl, NULL)) == NULL ||
	    (be = BN_bin2bn(e, (int)el, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (par = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, par) <= 0 ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PUBKEY(b, pk) ||
	    (len = BIO_get_mem_data(b, &p)) <= 0) {
		r = kxi_diag_openssl(d, KX_ECRYPTO, "the token's RSA key");
		goto out;
	}
	if ((r = kx_secret_new((size_t)len, pem)) != KX_OK) {
		r = KX_FAIL(d, r, "out of memory");
		goto out;
	}
	memcpy(kx_secret_mut(*pem), p, (size_t)len);
	*bits = (unsigned)EVP_PKEY_get_bits(pk);
	if ((spkin = i2d_PUBKEY(pk, &spki)) <= 0 ||
	    kxi_spki_fingerprint(spki, (size_t)spkin, fp) != KX_OK) {
		r = kxi_diag_openssl(d, KX_ECRYPTO, "the token's RSA key");
		goto out;
	}
	r = KX_OK;
out:
	OPENSSL_free(spki);
	if (r != KX_OK) {
		kx_secret_free(*pem);
		*pem = NULL;
	}
	BIO_free(b);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(par);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return r;
}

/*
 * Wrap key kh (profile k) as rsa-oaep-sha256 under the token's RSA public
 * key wh: with C_WrapKey where the token has CKM_RSA_PKCS_OAEP with
 * SHA-256/MGF1-SHA-256.  Where it lacks that (SoftHSM 2.6: SHA-1 only),
 * the wrap is done in process with the public key, which is not secret:
 * only for a key that is not sensitive (the token lets its value out in
 * clear anyway, so nothing is exposed that was not); a sensitive key is
 * refused.  *out (malloc) and *outl; t->how says which.
 */
static int
oaep_wrap(kx_p11 *t, const kx_key *k, CK_OBJECT_HANDLE kh,
    CK_OBJECT_HANDLE wh, const kx_secret *pem, uint8_t **out,
    CK_ULONG *outl, kx_diag *d)
{
	CK_MECHANISM mech = { CKM_RSA_PKCS_OAEP, &oaep_sha256,
	    sizeof(oaep_sha256) };
	CK_ULONG wl = 0;
	kx_secret *v = NULL;
	kx_buf w = { 0 };
	char lacks[160], b[24];
	CK_RV rv;
	int r;

	*out = NULL;
	if (has_mech(t, CKM_RSA_PKCS_OAEP, CKF_WRAP)) {
		if ((rv = t->f->C_WrapKey(t->s, &mech, wh, kh, NULL, &wl)) ==
		    CKR_OK && wl > 0 && wl <= 4096) {
			if ((*out = malloc(wl)) == NULL)
				return KX_FAIL(d, KX_ENOMEM, "out of memory");
			rv = t->f->C_WrapKey(t->s, &mech, wh, kh, *out, &wl);
		}
		if (rv == CKR_OK && *out != NULL) {
			*outl = wl;
			t->how = "wrapped in the token with C_WrapKey "
			    "(CKM_RSA_PKCS_OAEP, SHA-256, MGF1-SHA-256)";
			return KX_OK;
		}
		free(*out);
		*out = NULL;
		if (!oaep_params_rv(rv))
			return KX_FAIL(d, rv == CKR_KEY_UNEXTRACTABLE ||
			    rv == CKR_KEY_NOT_WRAPPABLE ? KX_EPOLICY :
			    KX_ECRYPTO, "token %s: C_WrapKey of %s with "
			    "CKM_RSA_PKCS_OAEP failed (%s)", t->label,
			    k->prof.id, rvname(rv, b));
		snprintf(lacks, sizeof(lacks), "token %s has CKM_RSA_PKCS_OAEP "
		    "but not with SHA-256 and MGF1-SHA-256 (%s)", t->label,
		    rvname(rv, b));
	} else
		snprintf(lacks, sizeof(lacks), "token %s has no "
		    "CKM_RSA_PKCS_OAEP to wrap with", t->label);
	if (get_bool(t, kh, CKA_SENSITIVE) != 0)
		return KX_FAIL(d, KX_EUNSUPPORTED, "%s, which rsa-oaep-sha256 "
		    "needs; key %s is sensitive, so it is not taken out of the "
		    "token to be wrapped in process: wrap it under an AES "
		    "transport key in the token (aes-kwp) or use a token with "
		    "SHA-256 OAEP", lacks, k->prof.id);
	if ((r = read_value(t, kh, &v, d)) != KX_OK ||
	    (r = kx_wrap(KX_WRAP_RSA_OAEP_SHA256, pem, v, NULL, 0, &w, d)) !=
	    KX_OK)
		goto out;
	if ((*out = malloc(w.len)) == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(*out, w.data, w.len);
	*outl = w.len;
	kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL, k->prof.id,
	    "%s: key %s is not sensitive (the token lets its value out in "
	    "clear), so it was read and wrapped in process with the token's "
	    "RSA public key", lacks, k->prof.id);
	t->how = "wrapped in process with the token's RSA public key (the "
	    "token lacks SHA-256 OAEP; the key is not sensitive)";
out:
	kx_secret_free(v);
	kx_buf_free(&w);
	return r;
}

/* A new transport key id in doc: alg, bits, its KCV (method m, kcv[n]). */
static int
add_tk(kx_doc *doc, const char *id, enum kx_alg alg, unsigned bits,
    enum kx_kcv_method m, const uint8_t *kcv, size_t n, kx_diag *d)
{
	kxi_tk *tk;

	if ((tk = kxi_doc_add_tk(doc)) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	memset(tk, 0, sizeof(*tk));
	tk->loc.off = -1;
	tk->id = kxi_strdup(&doc->arena, id);
	tk->alg = alg;
	tk->length_bits = bits;
	tk->kcv_method = m;
	tk->kcv.p = kxi_memdup(&doc->arena, kcv, n);
	tk->kcv.n = n;
	return tk->id == NULL || tk->kcv.p == NULL ?
	    KX_FAIL(d, KX_ENOMEM, "out of memory") : KX_OK;
}

/* Record transport key id (AES, bits) with its KCV computed in t. */
static int
token_tk(kx_p11 *t, kx_doc *doc, CK_OBJECT_HANDLE h, const char *id,
    unsigned bits, kx_diag *d)
{
	enum kx_kcv_method m = KX_KCV_ZERO_BLOCK;
	uint8_t kcv[3];
	int r;

	/* the token's CKA_CHECK_VALUE, else a gp-aes KCV computed there */
	if (kcv_of(t, h, id, KX_ALG_AES, m, kcv, sizeof(kcv), 0, NULL) !=
	    KX_OK) {
		m = kx_kcv_default_method(KX_ALG_AES);
		if ((r = kcv_of(t, h, id, KX_ALG_AES, m, kcv, sizeof(kcv), 0,
		    d)) != KX_OK)
			return r;
	}
	return add_tk(doc, id, KX_ALG_AES, bits, m, kcv, sizeof(kcv), d);
}

/*
 * A new document *docp holding the profile of key h read from the token
 * (*kp); refused when the token will not return its dates: its validity
 * unknown, it is not <what> (an expired key must not leave).
 */
static int
token_profile(kx_p11 *t, CK_OBJECT_HANDLE h, const char *what,
    kx_doc **docp, kx_key **kp, kx_diag *d)
{
	char unread[200];
	int r;

	if ((*docp = kxi_doc_new()) == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	(*docp)->source = kxi_strdup(&(*docp)->arena, t->label);
	if ((r = profile_of(t, h, *docp, kp, unread, sizeof(unread), d)) !=
	    KX_OK)
		return r;
	if (unread[0] != '\0')
		return KX_FAIL(d, KX_EPOLICY, "token %s will not return the %s: "
		    "the key's validity is unknown, so it is not %s (an "
		    "expired key must not leave)", t->label, unread, what);
	return KX_OK;
}

int
kx_p11_export(kx_p11 *t, const char *kek_uri, const kx_xchg_opts *o,
    kx_doc **out, kx_diag *d)
{
	struct kxi_p11uri *ku = NULL;
	CK_OBJECT_HANDLE kh, wh;
	CK_OBJECT_CLASS wc = 0;
	CK_MECHANISM mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_ULONG wl = 0;
	kx_secret *pem = NULL;
	uint8_t fp[KX_FINGERPRINT_LEN];
	struct kxi_plan plan;
	uint8_t *wrapped = NULL, *both, kcv[KX_KCV_MAX_LEN], md[32];
	char klabel[256];
	kx_doc *doc = NULL;
	kx_key *k;
	kx_buf aad = { 0 };
	struct kwpc kw = { CK_INVALID_HANDLE, CK_INVALID_HANDLE };
	size_t nerr = 0, n;
	bool bound, trusted;
	CK_RV rv;
	int r;

	if (t == NULL || kek_uri == NULL || o == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	memset(&plan, 0, sizeof(plan));
	if (o->wrap != KX_WRAP_NONE && o->wrap != KX_WRAP_AES_KWP &&
	    o->wrap != KX_WRAP_AES_KWP_CMAC_BOUND)
		return KX_FAIL(d, KX_EUSAGE, "export from a token: values leave "
		    "as aes-kwp-cmac-bound (default) or, asked by name, aes-kwp "
		    "(NOT bound), not %s", kx_name(KX_ENUM_WRAP_ALG, o->wrap));
	if (t->uri->type != KXI_P11_TYPE_ANY && t->uri->type !=
	    KXI_P11_SECRET)
		return KX_FAIL(d, KX_EUNSUPPORTED, "export from a token: "
		    "secret keys only (the URI says type=%s)",
		    t->uri->type_text);
	if ((r = find_one(t, t->uri, "key", &kh, d)) != KX_OK ||
	    (r = find_kek(t, kek_uri, &wh, &ku, d)) != KX_OK)
		goto out;
	if (kh == wh) {
		r = KX_FAIL(d, KX_EUSAGE, "the key and the transport key are "
		    "the same object");
		goto out;
	}
	if (get_ulong(t, wh, CKA_CLASS, &wc) != 0)
		wc = CKO_SECRET_KEY;
	if (wc == CKO_PRIVATE_KEY) {
		r = KX_FAIL(d, KX_EUSAGE, "transport key %s: a private key; "
		    "export wraps under the public key (type=public)",
		    kek_uri);
		goto out;
	}
	if (wc == CKO_PUBLIC_KEY) {
		klabel[0] = '\0';
		if (get_attr(t, wh, CKA_LABEL, klabel, sizeof(klabel) - 1,
		    &n) == 0)
			klabel[n] = '\0';
		if (o->wrap != KX_WRAP_NONE) {
			r = KX_FAIL(d, KX_EUSAGE, "transport key %s: an RSA "
			    "public key wraps as rsa-oaep-sha256, not %s",
			    kek_uri, kx_name(KX_ENUM_WRAP_ALG, o->wrap));
			goto out;
		}
		if ((r = rsa_pem(t, wh, klabel, &pem, &plan.bits, fp,
		    d)) != KX_OK)
			goto out;
		if (get_bool(t, wh, CKA_WRAP) != 1) {
			r = KX_FAIL(d, KX_EPOLICY, "transport key %s in token "
			    "%s: CKA_WRAP is not set", klabel, t->label);
			goto out;
		}
	} else if ((r = kek_info(t, wh, o->wrap == KX_WRAP_AES_KWP ?
	    CKA_WRAP : 0, 0, &plan.bits, klabel, sizeof(klabel),
	    d)) != KX_OK)
		goto out;
	bound = pem == NULL && o->wrap != KX_WRAP_AES_KWP;
	if ((r = token_profile(t, kh, "exported", &doc, &k, d)) != KX_OK)
		goto out;
	if (k->prof.alg != KX_ALG_AES && k->prof.alg != KX_ALG_TDEA2 &&
	    k->prof.alg != KX_ALG_TDEA3 && k->prof.alg != KX_ALG_DES &&
	    k->prof.alg != KX_ALG_HMAC) {
		r = KX_FAIL(d, KX_EUNSUPPORTED, "key %s: export of %s keys "
		    "from a token is not supported", k->prof.id,
		    kx_name(KX_ENUM_ALG, k->prof.alg));
		goto out;
	}
	plan.kek_id = o->kek_id != NULL ? o->kek_id : klabel;
	plan.alg = pem != NULL ? KX_ALG_RSA : KX_ALG_AES;
	/* the bound form: the KBEK and KBAK stored beside the KEK */
	if (bound && (r = kwpc_find(t, wh, plan.bits, 0, &kw, d)) != KX_OK)
		goto out;
	/* C_WrapKey would refuse it (CKR_KEY_NOT_WRAPPABLE): say why */
	trusted = get_bool(t, bound ? kw.kbek : wh, CKA_TRUSTED) == 1;
	plan.trusted = trusted;
	if (get_bool(t, kh, CKA_WRAP_WITH_TRUSTED) == 1 && !trusted) {
		r = KX_FAIL(d, KX_EPOLICY, "key %s in token %s may be wrapped "
		    "under trusted keys only (CKA_WRAP_WITH_TRUSTED) and %s "
		    "%s is not CKA_TRUSTED: not exported; only the token's "
		    "Security Officer marks a key trusted (doc/pkcs11.md: "
		    "re-export of an imported key)", k->prof.id, t->label,
		    bound ? "the KBEK of transport key" : "transport key",
		    klabel);
		goto out;
	}
	if (!bound && !has_mech(t, CKM_AES_KEY_WRAP_PAD, CKF_WRAP))
		mech.mechanism = CKM_AES_KEY_WRAP;
	plan.wrap = pem != NULL ? KX_WRAP_RSA_OAEP_SHA256 : bound ?
	    KX_WRAP_AES_KWP_CMAC_BOUND : mech.mechanism ==
	    CKM_AES_KEY_WRAP_PAD ? KX_WRAP_AES_KWP : KX_WRAP_AES_KW;
	t->how = bound ? "wrapped and bound in the token under its stored "
	    "KBEK and KBAK (C_WrapKey, C_Sign)" : mech.mechanism ==
	    CKM_AES_KEY_WRAP ? "wrapped in the token with C_WrapKey, RFC 3394 "
	    "(the token has no CKM_AES_KEY_WRAP_PAD)" : "wrapped in the token "
	    "with C_WrapKey";
	if ((r = kxi_export_header(doc, o, d)) != KX_OK)
		goto out;
	/*
	 * A key the token will not let out (CKA_EXTRACTABLE false, the
	 * profile's export not allowed): the rules of the export phase
	 * decide first, KX120 at the policy's level as for a key from a
	 * file; what they let pass the token still refuses.
	 */
	if (!k->prof.export_.allowed) {
		kxi_diag_add(d, NULL, KX_SEV_NOTE, KX_OK, NULL, NULL,
		    k->prof.id, "key %s is not extractable in token %s "
		    "(CKA_EXTRACTABLE false)", k->prof.id, t->label);
		if ((r = kxi_rules_run(doc, KX_PHASE_EXPORT, o->policy,
		    o->now, NULL, &plan, &nerr, d)) == KX_OK)
			r = nerr > 0 ? KX_EPOLICY : KX_FAIL(d, KX_EPOLICY,
			    "key %s: token %s does not let it out, whatever "
			    "a policy says: not exported", k->prof.id,
			    t->label);
		goto out;
	}
	/*
	 * AES: wrapped first, its length tells a key length the token hides.
	 * RSA-OAEP (which may read a key into the process): after the rules.
	 */
	if (pem != NULL) {
		if (k->prof.length_bits == 0) {
			r = KX_FAIL(d, KX_EUNSUPPORTED, "key %s: token %s does "
			    "not say its length (CKA_VALUE_LEN)", k->prof.id,
			    t->label);
			goto out;
		}
		rv = CKR_OK;
	} else if ((rv = t->f->C_WrapKey(t->s, &mech, bound ? kw.kbek : wh,
	    kh, NULL, &wl)) == CKR_OK && wl > 0 && wl <= 4096) {
		if ((wrapped = malloc(wl + KXI_KWPC_TAG)) == NULL) {
			r = KX_FAIL(d, KX_ENOMEM, "out of memory");
			goto out;
		}
		rv = t->f->C_WrapKey(t->s, &mech, bound ? kw.kbek : wh, kh,
		    wrapped, &wl);
	}
	if (rv != CKR_OK || (wrapped == NULL && pem == NULL)) {
		char b[24];

		r = KX_FAIL(d, rv == CKR_KEY_UNEXTRACTABLE ||
		    rv == CKR_KEY_NOT_WRAPPABLE ? KX_EPOLICY : rv ==
		    CKR_MECHANISM_INVALID ? KX_EUNSUPPORTED : KX_ECRYPTO,
		    "token %s: C_WrapKey of %s under %s with %s failed (%s)",
		    t->label, k->prof.id, plan.kek_id,
		    kx_name(KX_ENUM_WRAP_ALG, plan.wrap), rvname(rv, b));
		goto out;
	}
	if (k->prof.length_bits == 0 && wl > 8)
		k->prof.length_bits = (unsigned)(wl - 8) * 8;
	if (k->kcv.n == 0 && k->prof.alg != KX_ALG_HMAC) {
		k->kcv_method = k->prof.alg == KX_ALG_AES ?
		    KX_KCV_ZERO_BLOCK : KX_KCV_GP_DES;
		n = kx_kcv_default_len(k->kcv_method);
		if (kcv_of(t, kh, k->prof.id, k->prof.alg, k->kcv_method, kcv,
		    n, 0, NULL) == KX_OK) {
			k->kcv.p = kxi_memdup(&doc->arena, kcv, n);
			k->kcv.n = n;
		} else {
			/* the rules below report KX132 at the policy's level */
			k->kcv_method = KX_KCV_NONE;
			kxi_diag_add(d, NULL, KX_SEV_NOTE, KX_OK, NULL, NULL,
			    k->prof.id, "token %s has no CKA_CHECK_VALUE for "
			    "%s and the key may not encrypt: it leaves without "
			    "a KCV", t->label, k->prof.id);
		}
	}
	/* the rules of the export phase, as for a key from a file */
	if ((r = kxi_rules_run(doc, KX_PHASE_EXPORT, o->policy, o->now, NULL,
	    &plan, &nerr, d)) != KX_OK)
		goto out;
	if (nerr > 0) {
		r = KX_EPOLICY;
		goto out;
	}
	if (pem != NULL && (r = oaep_wrap(t, k, kh, wh, pem, &wrapped, &wl,
	    d)) != KX_OK)
		goto out;
	/*
	 * Bound: the tag, computed in the token, over the data the value is
	 * bound to (header and profile as they leave, binding version 2)
	 * and the RFC 5649 block.
	 */
	if (bound) {
		if ((r = kxi_bound_aad(doc, k, 2, &aad, md, d)) != KX_OK)
			goto out;
		both = wrapped;
		if ((rv = kwpc_mac(t, kw.kbak, 0, &aad, both, wl, both + wl)) !=
		    CKR_OK) {
			r = p11_fail(d, t, KX_ECRYPTO, rv, "C_Sign with "
			    "CKM_AES_CMAC (the aes-kwp-cmac-bound tag)");
			goto out;
		}
		wl += KXI_KWPC_TAG;
		k->value.binding_method = KXI_BINDING_V2;
		k->value.binding_digest.p = kxi_memdup(&doc->arena, md, 32);
		k->value.binding_digest.n = 32;
		if (k->value.binding_digest.p == NULL) {
			r = KX_FAIL(d, KX_ENOMEM, "out of memory");
			goto out;
		}
	}
	k->value.form = KX_VALUE_WRAPPED;
	k->value.alg = plan.wrap;
	k->value.kek_id = kxi_strdup(&doc->arena, plan.kek_id);
	k->value.data.p = kxi_memdup(&doc->arena, wrapped, wl);
	k->value.data.n = wl;
	if (k->value.kek_id == NULL || k->value.data.p == NULL) {
		r = KX_FAIL(d, KX_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = pem != NULL ? add_tk(doc, plan.kek_id, KX_ALG_RSA, plan.bits,
	    KX_KCV_SPKI_SHA256, fp, sizeof(fp), d) :
	    token_tk(t, doc, wh, plan.kek_id, plan.bits, d)) != KX_OK)
		goto out;
	doc->tks[doc->ntks - 1].trusted = trusted;
	*out = doc;
	doc = NULL;
out:
	kx_buf_free(&aad);
	kx_secret_free(pem);
	free(wrapped);
	kxi_p11uri_free(ku);
	kx_doc_free(doc);
	return r;
}

/* ---- import ----------------------------------------------------------- */
struct tmpl {
	CK_ATTRIBUTE a[28];
	const char *names[28];
	CK_ULONG n, base;	/* base: the attributes every key needs */
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE kt;
	CK_BBOOL t, f;
	CK_DATE start, end;
	uint8_t id[256];
	CK_MECHANISM_TYPE mechs[16];
};

static void
tm_add(struct tmpl *m, CK_ATTRIBUTE_TYPE type, void *p, CK_ULONG n,
    const char *name)
{
	m->names[m->n] = name;
	m->a[m->n++] = (CK_ATTRIBUTE){ type, p, n };
}

/*
 * A profile that restricts export beyond what CKA_EXTRACTABLE says: a
 * token only knows "under trusted keys only" (CKA_WRAP_WITH_TRUSTED), so
 * limited forms (no plain wrapped form: bound-block only, the default),
 * destinations, trusted-KEK-only and a minimum wrap strength all map to
 * it (model.md c.1): narrower, never broader.  A key that is not
 * exportable gets it too.
 */
static bool
export_restricted(const kxi_profile *p)
{
	uint32_t forms = p->export_.forms != 0 ? p->export_.forms :
	    1u << KX_FORM_BOUND_BLOCK;

	return !p->export_.allowed || (forms & (1u << KX_FORM_WRAPPED |
	    1u << KX_FORM_CLEAR)) == 0 || p->export_.destinations.n > 0 ||
	    p->export_.trusted_kek_only == KXI_TRI_TRUE ||
	    p->export_.min_wrap_strength > 0;	/* KX_UNSET is -1 */
}

/*
 * CKA_ALLOWED_MECHANISMS of a key whose profile names its modes
 * (AllowedMode): the mechanisms of each mode for its key type, and for
 * usage derive the derivations of those modes.  0 with
 * n 0 where the profile names none; a mode with no PKCS#11 mechanism
 * (retail MAC, SIV, ...) leaves the list out, said in a warning (a list
 * without it would forbid the profile's own mode).
 */
static void
mode_mechs(const kx_key *k, struct tmpl *m, CK_ULONG *n, kx_diag *d)
{
	const kxi_profile *p = &k->prof;
	bool aes = p->alg == KX_ALG_AES, des = p->alg == KX_ALG_DES;
	size_t i;

	*n = 0;
	if (p->modes == 0 || (!aes && !des && p->alg != KX_ALG_TDEA2 &&
	    p->alg != KX_ALG_TDEA3))
		return;
	for (i = 0; i < KX_M__N; i++) {
		if (!(p->modes & (1u << i)))
			continue;
		switch (i) {
		case KX_M_ECB:
			m->mechs[(*n)++] = aes ? CKM_AES_ECB : des ?
			    CKM_DES_ECB : CKM_DES3_ECB;
			continue;
		case KX_M_CBC:
			m->mechs[(*n)++] = aes ? CKM_AES_CBC : des ?
			    CKM_DES_CBC : CKM_DES3_CBC;
			m->mechs[(*n)++] = aes ? CKM_AES_CBC_PAD : des ?
			    CKM_DES_CBC_PAD : CKM_DES3_CBC_PAD;
			continue;
		case KX_M_CMAC:
			if (des)
				break;
			m->mechs[(*n)++] = aes ? CKM_AES_CMAC : CKM_DES3_CMAC;
			m->mechs[(*n)++] = aes ? CKM_AES_CMAC_GENERAL :
			    CKM_DES3_CMAC_GENERAL;
			continue;
		case KX_M_GCM:
			if (!aes)
				break;
			m->mechs[(*n)++] = CKM_AES_GCM;
			continue;
		case KX_M_KW:
		case KX_M_KWP:
			if (!aes)
				break;
			m->mechs[(*n)++] = i == KX_M_KW ? CKM_AES_KEY_WRAP :
			    CKM_AES_KEY_WRAP_PAD;
			continue;
		default:
			break;
		}
		kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL, p->id,
		    "AllowedMode %s of %s has no PKCS#11 mechanism: "
		    "CKA_ALLOWED_MECHANISMS is not set, the token does not "
		    "limit the key's modes", kx_name(KX_ENUM_MODE_OF_OP, (int)i),
		    p->id);
		*n = 0;
		return;
	}
	/*
	 * Usage derive: the list limits C_DeriveKey too (SoftHSM checks it),
	 * so it gets the derivations of the key's modes, encryption of the
	 * data in ECB or CBC; a key whose modes have none cannot derive in
	 * the token, said in a warning (narrower, never broader: rev10d L5).
	 */
	if (!(p->usage & KX_USAGE_BIT(KX_U_DERIVE)))
		return;
	if (p->modes & (1u << KX_M_ECB))
		m->mechs[(*n)++] = aes ? CKM_AES_ECB_ENCRYPT_DATA : des ?
		    CKM_DES_ECB_ENCRYPT_DATA : CKM_DES3_ECB_ENCRYPT_DATA;
	if (p->modes & (1u << KX_M_CBC))
		m->mechs[(*n)++] = aes ? CKM_AES_CBC_ENCRYPT_DATA : des ?
		    CKM_DES_CBC_ENCRYPT_DATA : CKM_DES3_CBC_ENCRYPT_DATA;
	if (!(p->modes & (1u << KX_M_ECB | 1u << KX_M_CBC)))
		kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL, p->id,
		    "%s has usage derive, but none of its AllowedMode has a "
		    "PKCS#11 derivation (ecb and cbc: C_DeriveKey with "
		    "CKM_*_ECB_ENCRYPT_DATA, CKM_*_CBC_ENCRYPT_DATA): "
		    "CKA_ALLOWED_MECHANISMS lets it derive nothing in the "
		    "token", p->id);
}

/*
 * The unwrap template of key k: attributes from the profile.  strict:
 * the unwrapping key has kwpc_utmpl as its CKA_UNWRAP_TEMPLATE, whose
 * attributes the template must carry exactly (sensitive, under trusted
 * keys only); a profile that says not sensitive lands sensitive, said in
 * a warning.
 */
static int
build_tmpl(kx_p11 *t, const kx_key *k, int strict, struct tmpl *m,
    kx_diag *d)
{
	const kxi_profile *p = &k->prof;
	const char *label = t->uri->object != NULL ? t->uri->object :
	    p->name != NULL ? p->name : p->id;
	struct kxi_p11uri *ref = NULL;
	size_t idlen = 0, i;
	uint32_t mapped = 0;
	CK_ULONG nmech;
	bool restricted;
	int u;

	memset(m, 0, sizeof(*m));
	m->t = CK_TRUE;
	m->f = CK_FALSE;
	m->cls = CKO_SECRET_KEY;
	m->kt = key_type_of(p->alg);
	if (p->cls != KX_CLASS_SECRET || (p->alg != KX_ALG_AES &&
	    p->alg != KX_ALG_DES && p->alg != KX_ALG_TDEA2 &&
	    p->alg != KX_ALG_TDEA3 && p->alg != KX_ALG_HMAC))
		return KX_FAIL(d, KX_EUNSUPPORTED, "key %s: only secret keys "
		    "are imported into a token", p->id);
	tm_add(m, CKA_CLASS, &m->cls, sizeof(m->cls), "CKA_CLASS");
	tm_add(m, CKA_KEY_TYPE, &m->kt, sizeof(m->kt), "CKA_KEY_TYPE");
	tm_add(m, CKA_TOKEN, &m->t, sizeof(m->t), "CKA_TOKEN");
	m->base = m->n;
	tm_add(m, CKA_LABEL, (void *)label, strlen(label), "CKA_LABEL");
	/*
	 * CKA_ID: the target URI's id=, else the one the source token had,
	 * else the profile's Id as UTF-8 bytes (pkcs11-tool --id finds it by
	 * their hex)
	 */
	if (t->uri->id != NULL) {
		idlen = t->uri->id_len > sizeof(m->id) ? sizeof(m->id) :
		    t->uri->id_len;
		memcpy(m->id, t->uri->id, idlen);
	} else if (p->reference != NULL &&
	    strncmp(p->reference, "pkcs11:", 7) == 0 &&
	    kxi_p11uri_parse(p->reference, &ref, NULL) == KX_OK &&
	    ref->id != NULL) {
		idlen = ref->id_len > sizeof(m->id) ? sizeof(m->id) :
		    ref->id_len;
		memcpy(m->id, ref->id, idlen);
	} else if (p->id != NULL && strlen(p->id) <= sizeof(m->id)) {
		idlen = strlen(p->id);
		memcpy(m->id, p->id, idlen);
	}
	kxi_p11uri_free(ref);
	if (idlen > 0)
		tm_add(m, CKA_ID, m->id, idlen, "CKA_ID");
	tm_add(m, CKA_PRIVATE, &m->t, sizeof(m->t), "CKA_PRIVATE");
	for (i = 0; i < NUSAGES; i++) {
		u = (p->usage & (KX_USAGE_BIT(usages[i].u) |
		    KX_USAGE_BIT(usages[i].alt))) != 0;
		mapped |= KX_USAGE_BIT(usages[i].u) |
		    KX_USAGE_BIT(usages[i].alt);
		tm_add(m, usages[i].type, u ? &m->t : &m->f, sizeof(m->t),
		    usages[i].name);
	}
	tm_add(m, CKA_EXTRACTABLE, p->export_.allowed ? &m->t : &m->f,
	    sizeof(m->t), "CKA_EXTRACTABLE");
	/*
	 * A restricted key that is not sensitive would let its value out
	 * by C_GetAttributeValue, past CKA_WRAP_WITH_TRUSTED: it lands
	 * sensitive whatever the unwrapping key (rev10d M2).
	 */
	restricted = export_restricted(p);
	tm_add(m, CKA_SENSITIVE, p->sensitive || strict || restricted ?
	    &m->t : &m->f, sizeof(m->t), "CKA_SENSITIVE");
	if (strict && !p->sensitive)
		kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL, p->id,
		    "the profile of %s says Sensitive false; the transport "
		    "key's CKA_UNWRAP_TEMPLATE makes every key it unwraps "
		    "sensitive: it lands CKA_SENSITIVE true in token %s",
		    p->id, t->label);
	else if (restricted && !p->sensitive)
		kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL, p->id,
		    "the profile of %s says Sensitive false but restricts its "
		    "export (a token knows that only as CKA_WRAP_WITH_TRUSTED, "
		    "which a key it lets read would escape): it lands "
		    "CKA_SENSITIVE true in token %s", p->id, t->label);
	/* restricted export, or the unwrapping key's template */
	tm_add(m, CKA_WRAP_WITH_TRUSTED, strict || restricted ?
	    &m->t : &m->f, sizeof(m->t), "CKA_WRAP_WITH_TRUSTED");
	if (p->not_before != KX_UNSET_TIME) {
		date_to(p->not_before, &m->start);
		tm_add(m, CKA_START_DATE, &m->start, sizeof(m->start),
		    "CKA_START_DATE");
	}
	if (p->not_after != KX_UNSET_TIME) {
		date_to(p->not_after, &m->end);
		tm_add(m, CKA_END_DATE, &m->end, sizeof(m->end),
		    "CKA_END_DATE");
	}
	/* last: unwrap_into leaves it out of the KCV's twin */
	mode_mechs(k, m, &nmech, d);
	if (nmech > 0)
		tm_add(m, CKA_ALLOWED_MECHANISMS, m->mechs, nmech *
		    sizeof(m->mechs[0]), "CKA_ALLOWED_MECHANISMS");
	/* usages a token has no attribute for: said, not dropped quietly */
	for (i = 0; i < KX_U__N; i++)
		if ((p->usage & KX_USAGE_BIT(i)) && !(mapped & KX_USAGE_BIT(i)))
			kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL,
			    NULL, p->id, "usage %s has no PKCS#11 attribute: "
			    "the token does not record it",
			    kx_name(KX_ENUM_USAGE, (int)i));
	return KX_OK;
}

struct import {
	kx_p11 *t;
	struct handles before;	/* the objects there at the start */
	struct handles made;	/* the objects this run made and keeps */
	CK_OBJECT_HANDLE keep;	/* a session key of ours a sweep spares */
	bool tk;		/* a transport key: to_token seals it */
	unsigned tkbits;	/* AES transport key: its KBEK, KBAK first */
};

static bool
listed(const struct handles *h, CK_OBJECT_HANDLE o)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i] == o)
			return true;
	return false;
}

/*
 * Record object h, which this run made; one that cannot be recorded is
 * destroyed at once (KX_ENOMEM).
 */
static int
track(struct import *im, CK_OBJECT_HANDLE h, kx_diag *d)
{
	CK_OBJECT_HANDLE *nv;

	if ((nv = realloc(im->made.v, (im->made.n + 1) * sizeof(*nv))) ==
	    NULL) {
		if (im->t->f->C_DestroyObject(im->t->s, h) != CKR_OK)
			im->t->left++;
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	}
	im->made.v = nv;
	im->made.v[im->made.n++] = h;
	return KX_OK;
}

/* Forget object h, which this run made and destroyed on purpose. */
static void
untrack(struct import *im, CK_OBJECT_HANDLE h)
{
	size_t i;

	for (i = 0; i < im->made.n; i++)
		if (im->made.v[i] == h) {
			im->made.v[i] = im->made.v[--im->made.n];
			return;
		}
}

/* Destroy every object this run made (the handles it recorded). */
static void
rollback(struct import *im)
{
	while (im->made.n > 0)
		if (im->t->f->C_DestroyObject(im->t->s,
		    im->made.v[--im->made.n]) != CKR_OK)
			im->t->left++;
}

/* The session objects (CKA_TOKEN false) the session sees, into *h. */
static int
find_session(kx_p11 *t, struct handles *h)
{
	CK_BBOOL fa = CK_FALSE;
	CK_ATTRIBUTE tm = { CKA_TOKEN, &fa, sizeof(fa) };

	return find(t, &tm, 1, h, NULL);
}

/*
 * Destroy the session objects (CKA_TOKEN false) that are not in pre (the
 * session objects listed just before the calls that failed): only this
 * process sees its session objects and it is not threaded, so they are
 * the half-made objects of those calls.
 */
static void
sweep_session(struct import *im, const struct handles *pre)
{
	struct handles h;
	size_t j;

	if (find_session(im->t, &h) != KX_OK)
		return;
	for (j = 0; j < h.n; j++)
		if (!listed(pre, h.v[j]) && h.v[j] != im->keep)
			im->t->f->C_DestroyObject(im->t->s, h.v[j]);
	free(h.v);
}

static bool
template_rv(CK_RV rv)
{
	return rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	    rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_ATTRIBUTE_READ_ONLY ||
	    rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_TEMPLATE_INCOMPLETE;
}

/*
 * The token refused the template: find which attributes, one by one (the
 * base template plus each attribute alone, as session objects: CKA_TOKEN
 * false; every probe's object is destroyed), report each and mark it in
 * refused[].
 */
#define KX_NELEM_PROBE	16

static int
probe(struct import *im, const kx_key *k, CK_MECHANISM *mech,
    CK_OBJECT_HANDLE uh, const kxi_keyval *v, struct tmpl *m, bool *refused,
    kx_diag *d)
{
	kx_p11 *t = im->t;
	CK_ATTRIBUTE one[KX_NELEM_PROBE];
	CK_BBOOL tr = CK_TRUE;
	CK_OBJECT_HANDLE h;
	struct handles pre;
	CK_ULONG i, j, nb;
	CK_RV rv;
	char b[24];
	int bad = 0, strict;

	if (find_session(t, &pre) != KX_OK)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: the unwrap "
		    "template of %s is refused (the attributes cannot be "
		    "probed)", t->label, k->prof.id);
	if (m->base + 3 > KX_NELEM_PROBE)
		kxi_misuse(__func__, "base template too long");
	memcpy(one, m->a, m->base * sizeof(*one));
	for (j = 0; j < m->base; j++)
		if (one[j].type == CKA_TOKEN)
			one[j].pValue = &m->f;
	/*
	 * An unwrapping key with our CKA_UNWRAP_TEMPLATE refuses a base
	 * without its attributes: they join the base, so a refused
	 * attribute is still named (rev10c L1).
	 */
	nb = m->base;
	strict = utmpl_ok(t, uh);
	if (strict) {
		one[nb++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &tr, sizeof(tr) };
		one[nb++] = (CK_ATTRIBUTE){ CKA_WRAP_WITH_TRUSTED, &tr,
		    sizeof(tr) };
	}
	/* the key itself first: a key type the token does not take */
	h = CK_INVALID_HANDLE;
	rv = t->f->C_UnwrapKey(t->s, mech, uh, v->data.p, v->data.n, one,
	    nb, &h);
	if (h != CK_INVALID_HANDLE)
		t->f->C_DestroyObject(t->s, h);
	sweep_session(im, &pre);
	if (rv != CKR_OK) {
		free(pre.v);
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s will not unwrap "
		    "%s as %s %s key (%s)", t->label, k->prof.id,
		    kxi_an(kx_name(KX_ENUM_ALG, k->prof.alg)),
		    kx_name(KX_ENUM_ALG, k->prof.alg), rvname(rv, b));
	}
	for (i = m->base; i < m->n; i++) {
		if (strict && (m->a[i].type == CKA_SENSITIVE ||
		    m->a[i].type == CKA_WRAP_WITH_TRUSTED))
			continue;
		one[nb] = m->a[i];
		h = CK_INVALID_HANDLE;
		rv = t->f->C_UnwrapKey(t->s, mech, uh, v->data.p, v->data.n,
		    one, nb + 1, &h);
		if (h != CK_INVALID_HANDLE)
			t->f->C_DestroyObject(t->s, h);
		sweep_session(im, &pre);
		if (rv != CKR_OK && template_rv(rv)) {
			refused[i] = true;
			bad++;
			kxi_diag_add(d, NULL, KX_SEV_ERROR, KX_EUNSUPPORTED,
			    NULL, NULL, k->prof.id, "token %s will not take "
			    "%s as the profile says it (%s)", t->label,
			    m->names[i], rvname(rv, b));
		}
	}
	free(pre.v);
	return bad ? KX_EUNSUPPORTED : KX_FAIL(d, KX_EUNSUPPORTED, "token %s: "
	    "the unwrap template of %s is refused as a whole", t->label,
	    k->prof.id);
}

static int check_new(kx_p11 *t, const kx_doc *doc, const kx_key *k,
    CK_OBJECT_HANDLE h, kx_diag *d);

/*
 * SoftHSM 2.6 reports CKA_VALUE_LEN 0 for an unwrapped key and refuses
 * it in the unwrap template: set it after the unwrap where the token
 * lets us.  A token that refuses keeps its own value, and the run says
 * so (a warning, as a refused attribute is named): never silently; d
 * NULL: quietly (a twin's, the kept key says it).  DES key types have no
 * CKA_VALUE_LEN: their type says their length.  Returns the length in
 * bytes the token records (a DES type's, the profile's), 0 for none.
 */
static CK_ULONG
fix_len(kx_p11 *t, const kx_key *k, CK_OBJECT_HANDLE h, kx_diag *d)
{
	CK_ULONG v = 0, want = k->prof.length_bits / 8;
	CK_ATTRIBUTE a = { CKA_VALUE_LEN, &want, sizeof(want) };
	char b[24];
	CK_RV rv;

	if (des_type(k->prof.alg))
		return want;
	if (get_ulong(t, h, CKA_VALUE_LEN, &v) != 0)
		v = 0;
	if (want == 0 || v > 0)
		return v;
	if ((rv = t->f->C_SetAttributeValue(t->s, h, &a, 1)) != CKR_OK ||
	    get_ulong(t, h, CKA_VALUE_LEN, &v) != 0)
		v = 0;
	if (v == want)
		return v;
	if (d != NULL)
		kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL,
		    k->prof.id, "token %s: CKA_VALUE_LEN of %s is %lu and the "
		    "token refuses %lu (%s): it does not record the key's "
		    "length (%u bits, the profile's; the KCV in the token "
		    "checks the value)", t->label, k->prof.id,
		    (unsigned long)v, (unsigned long)want, rv != CKR_OK ?
		    rvname(rv, b) : "not kept", k->prof.length_bits);
	return v;
}

/*
 * C_UnwrapKey of v under uh with mech into session object *sh with
 * template m (CKA_TOKEN false); a refused template is probed attribute
 * by attribute, and what a failed unwrap leaves among our session objects
 * is destroyed.
 */
static int
unwrap_session(struct import *im, const kx_key *k, CK_MECHANISM *mech,
    CK_OBJECT_HANDLE uh, const kxi_keyval *v, struct tmpl *m,
    CK_OBJECT_HANDLE *sh, kx_diag *d)
{
	kx_p11 *t = im->t;
	struct handles pre = { NULL, 0 };
	char b[24];
	CK_RV rv;
	int r;

	*sh = CK_INVALID_HANDLE;
	if (find_session(t, &pre) != KX_OK)
		return KX_FAIL(d, KX_EIO, "token %s: the session objects "
		    "cannot be listed", t->label);
	rv = t->f->C_UnwrapKey(t->s, mech, uh, v->data.p, v->data.n, m->a,
	    m->n, sh);
	if (rv == CKR_OK) {
		free(pre.v);
		return KX_OK;
	}
	*sh = CK_INVALID_HANDLE;
	{
		bool refused[sizeof(m->a) / sizeof(m->a[0])] = { false };

		/* which attributes, then the half-made object they leave */
		r = template_rv(rv) ? probe(im, k, mech, uh, v, m, refused,
		    d) : KX_OK;
	}
	sweep_session(im, &pre);
	free(pre.v);
	if (template_rv(rv))
		return r;
	if (rv == CKR_DEVICE_MEMORY)
		return full_fail(d, t, k->prof.id);
	if (mech->mechanism == CKM_RSA_PKCS_OAEP && oaep_params_rv(rv))
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s has "
		    "CKM_RSA_PKCS_OAEP but not with SHA-256 and "
		    "MGF1-SHA-256 (%s), which rsa-oaep-sha256 needs: "
		    "%s is not imported (the private key stays in the "
		    "token, so there is no in-process fallback; have "
		    "the sender wrap under an AES transport key of "
		    "this token, aes-kwp)", t->label, rvname(rv, b),
		    k->prof.id);
	return KX_FAIL(d, rv == CKR_MECHANISM_INVALID ?
	    KX_EUNSUPPORTED : KX_ECRYPTO, "token %s: C_UnwrapKey of "
	    "%s failed (%s)%s", t->label, k->prof.id, rvname(rv, b),
	    rv == CKR_GENERAL_ERROR || rv == CKR_WRAPPED_KEY_INVALID ||
	    rv == CKR_ENCRYPTED_DATA_INVALID ? ": the wrapped value "
	    "does not verify under the transport key" : "");
}

/*
 * At most max token objects (secret keys) hold the label of key h: 0 just
 * before a key of this run enters the token with h's label (h the session
 * object), 1 just after (h the copy, or a key derived into the token).
 * The label was found free before the run made anything (label_free), but
 * another run may have stored a key under it meanwhile (PKCS#11 has no
 * create-if-free): then this run fails and its caller's rollback takes
 * out what it made, so of two runs that store one label at once at most
 * one keeps its key.  The check before the copy is needed for SoftHSM
 * 2.6: a process rescans the token's objects only when the token's
 * generation count changed since its own last change, and its own create
 * takes in another process's earlier change without a rescan, so the
 * check after the copy alone would miss a key stored just before it.
 */
static int
label_alone(kx_p11 *t, CK_OBJECT_HANDLE h, size_t max, kx_diag *d)
{
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_BBOOL tr = CK_TRUE;
	char label[1024];
	/* token objects: our session original has the label too */
	CK_ATTRIBUTE tm[3] = { { CKA_CLASS, &c, sizeof(c) },
	    { CKA_TOKEN, &tr, sizeof(tr) }, { CKA_LABEL, label, 0 } };
	struct handles f;
	size_t n = 0;
	int r;

	if (get_attr(t, h, CKA_LABEL, label, sizeof(label) - 1, &n) != 0)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: the label of "
		    "the new key cannot be read back (or is over %zu bytes)",
		    t->label, sizeof(label) - 1);
	if (n == 0)
		return KX_OK;	/* no label: nothing to share */
	label[n] = '\0';
	tm[2].ulValueLen = n;
	if ((r = find(t, tm, 3, &f, d)) != KX_OK)
		return r;
	free(f.v);
	if (f.n > max)
		return KX_FAIL(d, KX_EINPUT, "token %s: label %s is taken: "
		    "another secret key labelled %s was stored while this run "
		    "stored its own (a parallel run?); ours is destroyed",
		    t->label, label, label);
	return KX_OK;
}

/*
 * Session object sh (checked) copied into the token (C_CopyObject,
 * CKA_TOKEN true, read back) as *h, tracked for the rollback; its label
 * checked again just before and after (label_alone).  The caller
 * destroys sh.  seal (an imported key): the copy not modifiable (no
 * usage added later, no copy with other attributes: rev10b M1) and not
 * copyable; a token that will not set CKA_COPYABLE on a copy (SoftHSM
 * 2.6: CKR_ATTRIBUTE_READ_ONLY, and a session key made not copyable
 * cannot be copied at all) leaves it copyable, said in a note.  !seal
 * (a transport key): an AES one gets its KBEK and KBAK derived from the
 * session object first (kwpc_setup, im->tkbits), then every one is copied
 * ONCE wrap and unwrap only (CKA_DERIVE, CKA_ENCRYPT, CKA_DECRYPT,
 * CKA_SIGN, CKA_VERIFY false) and not modifiable, keeping its mechanism
 * list and unwrap template: the token never holds it with a usage that is
 * an oracle under it, not even for a moment (rev10c H1, M1).  A token
 * that will not copy it so gets none of it.
 */
static int
to_token(struct import *im, CK_OBJECT_HANDLE sh, const char *id, int seal,
    CK_OBJECT_HANDLE *h, kx_diag *d)
{
	kx_p11 *t = im->t;
	CK_BBOOL tr = CK_TRUE, fa = CK_FALSE;
	CK_ATTRIBUTE ct[3] = { { CKA_TOKEN, &tr, sizeof(tr) },
	    { CKA_MODIFIABLE, &fa, sizeof(fa) },
	    { CKA_COPYABLE, &fa, sizeof(fa) } };
	CK_ATTRIBUTE tt[NSEAL + 2];
	const CK_MECHANISM_TYPE *tm;
	CK_KEY_TYPE kt = 0;
	CK_RV rv;
	size_t i, ntm;
	int r;

	*h = CK_INVALID_HANDLE;
	if ((r = label_alone(t, sh, 0, d)) != KX_OK)
		return r;
	if (!seal && im->tkbits != 0 &&
	    (r = kwpc_setup(t, im, sh, im->tkbits, 0, d)) != KX_OK)
		return r;
	tt[0] = ct[0];
	for (i = 0; i < NSEAL; i++)
		tt[i + 1] = (CK_ATTRIBUTE){ oracle[i].type, &fa, sizeof(fa) };
	tt[NSEAL + 1] = ct[1];
	rv = seal ? t->f->C_CopyObject(t->s, sh, ct, 3, h) :
	    t->f->C_CopyObject(t->s, sh, tt, NSEAL + 2, h);
	if (seal && template_rv(rv)) {
		*h = CK_INVALID_HANDLE;
		if ((rv = t->f->C_CopyObject(t->s, sh, ct, 2, h)) == CKR_OK)
			kxi_diag_add(d, NULL, KX_SEV_NOTE, KX_OK, NULL, NULL,
			    id, "token %s will not set CKA_COPYABLE false: %s "
			    "stays copyable (not modifiable, so a copy keeps "
			    "every attribute)", t->label, id);
	}
	if (rv == CKR_DEVICE_MEMORY)
		return full_fail(d, t, id);
	if (rv != CKR_OK)
		return p11_fail(d, t, KX_EIO, rv, "C_CopyObject of the checked "
		    "session key into the token");
	if ((r = track(im, *h, d)) != KX_OK)
		return r;
	if (get_bool(t, *h, CKA_TOKEN) != 1 ||
	    get_bool(t, *h, CKA_MODIFIABLE) != 0)
		return KX_FAIL(d, KX_EINTERNAL, "token %s: the copy of %s is "
		    "not a token object, or still modifiable", t->label, id);
	for (i = 0; !seal && i < NSEAL; i++)
		if (get_bool(t, *h, oracle[i].type) != 0)
			return KX_FAIL(d, KX_EINTERNAL, "token %s: transport "
			    "key %s has %s after its copy into the token",
			    t->label, id, oracle[i].name);
	/* a copy cannot set it (SoftHSM: CKR_ATTRIBUTE_READ_ONLY) */
	if (!seal && (get_ulong(t, *h, CKA_KEY_TYPE, &kt) != 0 ||
	    (tm = tk_mechs(alg_of(kt), &ntm)) == NULL ||
	    kwpc_allowed_ok(t, *h, tm, ntm) != 0))
		return KX_FAIL(d, KX_EINTERNAL, "token %s: transport key %s "
		    "lost its CKA_ALLOWED_MECHANISMS in the copy into the "
		    "token", t->label, id);
	if (!seal && im->tkbits != 0)
		snprintf(t->bound + strlen(t->bound), sizeof(t->bound) -
		    strlen(t->bound), "; %s copied into the token once, wrap "
		    "and unwrap only and not modifiable (C_CopyObject; never "
		    "with CKA_DERIVE in the token)", id);
	return label_alone(t, *h, 1, d);
}

static void tk_tmpl(struct tmpl *, enum kx_alg);

/*
 * Unwrap v under uh with mech into a new key of k's profile; check KCV.
 * The key is unwrapped as a session object (CKA_TOKEN false), which only
 * this session sees, so a half-made one left by a failed unwrap is found
 * among our own session objects (sweep_session) and never by its label,
 * which a concurrent import of the same key shares.  Its KCV checked, it
 * is copied into the token (to_token: not modifiable, not copyable where
 * the token takes it) and the session object destroyed.  A key limited
 * to its modes (CKA_ALLOWED_MECHANISMS, which SoftHSM sets at creation
 * only) may not allow the KCV's mechanism: the KCV is then checked on a
 * twin unwrapped without the list from the same wrapped bytes (the same
 * value), which is destroyed.
 */
static int
unwrap_into(struct import *im, const kx_doc *doc, const kx_key *k,
    CK_MECHANISM *mech, CK_OBJECT_HANDLE uh, const kxi_keyval *v, kx_diag *d)
{
	kx_p11 *t = im->t;
	struct tmpl m;
	CK_OBJECT_HANDLE sh = CK_INVALID_HANDLE, h;
	CK_ULONG vl;
	size_t i;
	int r, limited;

	if ((r = build_tmpl(t, k, utmpl_ok(t, uh), &m, d)) != KX_OK)
		return r;
	/* a transport key kx_p11_store could not create (put_clear) */
	if (im->tk)
		tk_tmpl(&m, k->prof.alg);
	for (i = 0; i < m.n; i++)
		if (m.a[i].type == CKA_TOKEN)
			m.a[i].pValue = &m.f;
	/* build_tmpl puts the list last */
	limited = m.n > 0 && m.a[m.n - 1].type == CKA_ALLOWED_MECHANISMS;
	if (limited) {
		m.n--;
		r = unwrap_session(im, k, mech, uh, v, &m, &sh, d);
		m.n++;
		if (r != KX_OK)
			return r;
		fix_len(t, k, sh, NULL);
		r = check_new(t, doc, k, sh, d);
		if (t->f->C_DestroyObject(t->s, sh) != CKR_OK)
			t->left++;
		sh = CK_INVALID_HANDLE;
		if (r != KX_OK)
			return r;
	}
	if ((r = unwrap_session(im, k, mech, uh, v, &m, &sh, d)) != KX_OK)
		return r;
	vl = fix_len(t, k, sh, d);
	if (!limited)
		r = check_new(t, doc, k, sh, d);
	/*
	 * export and seal need an AES transport key's length (kek_info):
	 * refused before its pair is derived or anything enters the token
	 */
	if (r == KX_OK && im->tk && k->prof.alg == KX_ALG_AES && vl == 0)
		r = KX_FAIL(d, KX_EUNSUPPORTED, "token %s records no length "
		    "for transport key %s (CKA_VALUE_LEN 0, as SoftHSM 2.6 "
		    "keeps it for a key it unwrapped): export under it would "
		    "be refused, so it is not stored", t->label, k->prof.id);
	if (r == KX_OK)
		r = to_token(im, sh, k->prof.id, !im->tk, &h, d);
	if (t->f->C_DestroyObject(t->s, sh) != CKR_OK)
		t->left++;
	return r;
}

/* The KCV of new key h in the token against the document's. */
static int
check_new(kx_p11 *t, const kx_doc *doc, const kx_key *k, CK_OBJECT_HANDLE h,
    kx_diag *d)
{
	uint8_t kcv[16];
	char want[2 * 16 + 1], have[2 * 16 + 1];
	int r;

	if (k->prof.alg == KX_ALG_HMAC || k->kcv.n == 0) {
		/* the document's rules said KX132 at the policy's level */
		if (k->prof.alg != KX_ALG_HMAC)
			kxi_diag_add(d, NULL, KX_SEV_NOTE, KX_OK, doc->source,
			    NULL, k->prof.id, "no KCV in the document: the "
			    "key in the token is not checked");
		return KX_OK;
	}
	if (k->kcv.n > sizeof(kcv))
		return kxi_diag_add(d, "KX145", KX_SEV_ERROR, KX_EKCV,
		    doc->source, NULL, k->prof.id, "a %zu-byte KCV is not "
		    "checked", k->kcv.n);
	if ((r = kcv_of(t, h, k->prof.id, k->prof.alg, k->kcv_method, kcv,
	    k->kcv.n, 1, d)) != KX_OK)
		return r;
	if (CRYPTO_memcmp(kcv, k->kcv.p, k->kcv.n) != 0) {
		kx_hex_encode(k->kcv.p, k->kcv.n, want);
		kx_hex_encode(kcv, k->kcv.n, have);
		return kxi_diag_add(d, "KX145", KX_SEV_ERROR, KX_EKCV,
		    doc->source, NULL, k->prof.id, "KCV of the key in token "
		    "%s is %s, the document says %s", t->label, have, want);
	}
	return KX_OK;
}

/* A key already in the token under the label the import would use. */
static int
label_free(kx_p11 *t, const kx_key *k, kx_diag *d)
{
	const char *label = t->uri->object != NULL ? t->uri->object :
	    k->prof.name != NULL ? k->prof.name : k->prof.id;
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_ATTRIBUTE tm[2] = { { CKA_CLASS, &c, sizeof(c) },
	    { CKA_LABEL, (void *)label, strlen(label) } };
	struct handles h;
	int r;

	if ((r = find(t, tm, 2, &h, d)) != KX_OK)
		return r;
	free(h.v);
	if (h.n > 0)
		return KX_FAIL(d, KX_EINPUT, "token %s already holds a secret "
		    "key labelled %s: not imported twice", t->label, label);
	return KX_OK;
}

/*
 * A one-time AES-256 session object (CKA_TOKEN false, sensitive, not
 * extractable) allowed only use (CKA_WRAP or CKA_UNWRAP), whose value is
 * drawn on our secure heap into *eph: the token and this process share it
 * for one C_WrapKey or C_UnwrapKey.  The caller destroys both.
 */
static int
session_key(kx_p11 *t, CK_ATTRIBUTE_TYPE use, const char *id,
    CK_OBJECT_HANDLE *eh, kx_secret **eph, kx_diag *d)
{
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL tr = CK_TRUE, fa = CK_FALSE;
	CK_ATTRIBUTE tm[8];
	CK_RV rv;
	char b[24];
	int r;

	*eh = CK_INVALID_HANDLE;
	if ((r = kx_secret_new(32, eph)) != KX_OK)
		return KX_FAIL(d, r, "out of memory");
	if (RAND_priv_bytes(kx_secret_mut(*eph), 32) != 1)
		return kxi_diag_openssl(d, KX_ECRYPTO, "random session key");
	tm[0] = (CK_ATTRIBUTE){ CKA_CLASS, &c, sizeof(c) };
	tm[1] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	tm[2] = (CK_ATTRIBUTE){ CKA_TOKEN, &fa, sizeof(fa) };
	tm[3] = (CK_ATTRIBUTE){ use, &tr, sizeof(tr) };
	tm[4] = (CK_ATTRIBUTE){ CKA_ENCRYPT, &fa, sizeof(fa) };
	tm[5] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &tr, sizeof(tr) };
	tm[6] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &fa, sizeof(fa) };
	tm[7] = (CK_ATTRIBUTE){ CKA_VALUE, kx_secret_mut(*eph), 32 };
	if ((rv = t->f->C_CreateObject(t->s, tm, 8, eh)) != CKR_OK) {
		*eh = CK_INVALID_HANDLE;
		return rv == CKR_DEVICE_MEMORY ? full_fail(d, t, id) :
		    KX_FAIL(d, KX_EUNSUPPORTED, "token %s: the session key "
		    "for %s cannot be created (%s)", t->label, id,
		    rvname(rv, b));
	}
	return KX_OK;
}

/* kx_import's callback: one verified clear value into the token. */
static int
put_clear(void *arg, const kx_doc *doc, size_t i, const kx_secret *value,
    kx_diag *d)
{
	struct import *im = arg;
	kx_p11 *t = im->t;
	kx_secret *eph = NULL;
	kxi_keyval v;
	kx_buf w = { 0 };
	CK_OBJECT_HANDLE eh = CK_INVALID_HANDLE;
	CK_MECHANISM mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	int r;

	if ((r = session_key(t, CKA_UNWRAP, doc->keys[i].prof.id, &eh, &eph,
	    d)) != KX_OK)
		goto out;
	im->keep = eh;
	if ((r = kx_wrap(KX_WRAP_AES_KWP, eph, value, NULL, 0, &w, d)) !=
	    KX_OK)
		goto out;
	kx_secret_free(eph);
	eph = NULL;
	memset(&v, 0, sizeof(v));
	v.data.p = w.data;
	v.data.n = w.len;
	r = unwrap_into(im, doc, &doc->keys[i], &mech, eh, &v, d);
out:
	if (eh != CK_INVALID_HANDLE)
		t->f->C_DestroyObject(t->s, eh);
	im->keep = CK_INVALID_HANDLE;
	kx_secret_free(eph);
	kx_buf_free(&w);
	return r;
}

/* The key of a KCV check: the document's transport key and its KCV. */
static int
check_token_kek(kx_p11 *t, const kx_doc *doc, const kxi_tk *tk,
    CK_OBJECT_HANDLE wh, unsigned bits, kx_diag *d)
{
	uint8_t kcv[KX_KCV_MAX_LEN];
	char want[2 * KX_KCV_MAX_LEN + 1], have[2 * KX_KCV_MAX_LEN + 1];

	if (tk->alg != KX_ALG_AES || tk->length_bits != bits ||
	    tk->kcv.n == 0 || tk->kcv.n > KX_KCV_MAX_LEN)
		return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &tk->loc, NULL, "the token's transport key "
		    "(AES-%u) is not transport key %s (%s/%u)", bits, tk->id,
		    kx_name(KX_ENUM_ALG, tk->alg), tk->length_bits);
	if (kcv_of(t, wh, tk->id, KX_ALG_AES, tk->kcv_method, kcv, tk->kcv.n,
	    0, NULL) != KX_OK) {
		/* a pure wrapping key: the unwrap's integrity check decides */
		kxi_diag_add(d, "KX135", KX_SEV_WARNING, KX_OK, doc->source,
		    &tk->loc, NULL, "the %s KCV of transport key %s cannot be "
		    "computed in token %s (the key may not encrypt and has "
		    "no CKA_CHECK_VALUE of that kind): the unwrap's integrity "
		    "check and each key's KCV decide", kx_name(KX_ENUM_KCV_METHOD,
		    tk->kcv_method), tk->id, t->label);
		return KX_OK;
	}
	if (CRYPTO_memcmp(kcv, tk->kcv.p, tk->kcv.n) != 0) {
		kx_hex_encode(tk->kcv.p, tk->kcv.n, want);
		kx_hex_encode(kcv, tk->kcv.n, have);
		return kxi_diag_add(d, "KX135", KX_SEV_ERROR, KX_EKCV,
		    doc->source, &tk->loc, NULL, "the KEK in token %s (KCV %s) "
		    "is not transport key %s (KCV %s)", t->label, have,
		    tk->id, want);
	}
	return KX_OK;
}

/*
 * An aes-kwp-cmac-bound value of key k into the token under transport
 * key wh (AES, bits): its binding checked (KX136), the KBEK and KBAK
 * stored beside wh found (kwpc_find), the tag verified before anything is
 * unwrapped (KX134), then C_UnwrapKey under KBEK with k's template and
 * the KCV checked in the token.  No clear value in process.
 */
static int
bound_into(struct import *im, const kx_doc *doc, const kx_key *k,
    CK_MECHANISM *mech, CK_OBJECT_HANDLE wh, unsigned bits, kx_diag *d)
{
	kx_p11 *t = im->t;
	const kxi_keyval *v = &k->value;
	struct kwpc kw = { CK_INVALID_HANDLE, CK_INVALID_HANDLE };
	kx_buf aad = { 0 };
	kxi_keyval w;
	uint8_t md[32], tag[KXI_KWPC_TAG];
	char msg[160];
	unsigned ver;
	size_t wl;
	CK_RV rv;
	int r;

	if ((r = kxi_binding_check_aad(doc, k, &ver, 1, 0, &aad, md, msg,
	    sizeof(msg))) != KX_OK) {
		r = kxi_diag_add(d, "KX136", KX_SEV_ERROR, r, doc->source,
		    &k->loc[KXF_VALUE], k->prof.id, "%s", msg);
		goto out;
	}
	if (aad.len == 0 &&
	    (r = kxi_bound_aad(doc, k, ver, &aad, md, d)) != KX_OK)
		goto out;
	if (v->data.n < 16 + KXI_KWPC_TAG ||
	    (v->data.n - KXI_KWPC_TAG) % 8 != 0) {
		r = kxi_diag_add(d, "KX134", KX_SEV_ERROR, KX_ECRYPTO,
		    doc->source, &k->loc[KXF_VALUE], k->prof.id, "the "
		    "aes-kwp-cmac-bound value (%zu bytes) is not an RFC 5649 "
		    "block and a 16-byte tag", v->data.n);
		goto out;
	}
	wl = v->data.n - KXI_KWPC_TAG;
	memcpy(tag, v->data.p + wl, sizeof(tag));
	if ((r = kwpc_find(t, wh, bits, 1, &kw, d)) != KX_OK)
		goto out;
	/* the tag first: nothing enters the token that does not verify */
	if ((rv = kwpc_mac(t, kw.kbak, 1, &aad, v->data.p, wl, tag)) ==
	    CKR_SIGNATURE_INVALID || rv == CKR_SIGNATURE_LEN_RANGE) {
		r = kxi_diag_add(d, "KX134", KX_SEV_ERROR, KX_ECRYPTO,
		    doc->source, &k->loc[KXF_VALUE], k->prof.id, "the wrapped "
		    "value does not verify under transport key %s (its "
		    "AES-CMAC tag, checked in token %s): its %s or value was "
		    "changed after export", v->kek_id, t->label, ver == 2 ?
		    "profile, the document header" : "profile");
		goto out;
	}
	if (rv != CKR_OK) {
		r = p11_fail(d, t, KX_ECRYPTO, rv, "C_Verify with CKM_AES_CMAC "
		    "(the aes-kwp-cmac-bound tag)");
		goto out;
	}
	w = *v;
	w.data.n = wl;
	r = unwrap_into(im, doc, k, mech, kw.kbek, &w, d);
out:
	kx_buf_free(&aad);
	return r;
}

/*
 * In-token unwrap of every aes-kwp-cmac-bound, aes-kw and aes-kwp value
 * under kek_uri's key (rsa-oaep-sha256 under an RSA private key).
 */
static int
import_wrapped(struct import *im, const kx_doc *doc, const char *kek_uri,
    const kx_xchg_opts *o, kx_diag *d)
{
	kx_p11 *t = im->t;
	struct kxi_p11uri *ku = NULL;
	CK_OBJECT_HANDLE wh;
	CK_OBJECT_CLASS wc = 0;
	CK_MECHANISM mech = { 0, NULL, 0 };
	const kxi_tk *tk;
	kx_secret *pem = NULL;
	uint8_t fp[KX_FINGERPRINT_LEN];
	char klabel[256];
	unsigned bits;
	size_t i, nerr = 0, nerr2 = 0;
	bool rsa, warned = false;
	int r, r2;

	/* errors of either phase refuse (the document's count too) */
	r = kxi_rules_run(doc, KX_PHASE_DOCUMENT, o->policy, o->now,
	    o->against, NULL, &nerr, d);
	r2 = r != KX_OK ? r : kxi_rules_run(doc, KX_PHASE_IMPORT, o->policy,
	    o->now, NULL, NULL, &nerr2, d);
	if (r2 != KX_OK)
		return r2;
	if (nerr > 0 || nerr2 > 0)
		return KX_EPOLICY;
	if ((r = find_kek(t, kek_uri, &wh, &ku, d)) != KX_OK)
		return r;
	kxi_p11uri_free(ku);
	if (get_ulong(t, wh, CKA_CLASS, &wc) != 0)
		wc = CKO_SECRET_KEY;
	if (wc == CKO_PUBLIC_KEY)
		return KX_FAIL(d, KX_EUSAGE, "transport key %s: a public key; "
		    "import unwraps with the private key (type=private)",
		    kek_uri);
	/* an RSA private key unwraps rsa-oaep-sha256 values */
	if ((rsa = wc == CKO_PRIVATE_KEY)) {
		klabel[0] = '\0';
		if (get_attr(t, wh, CKA_LABEL, klabel, sizeof(klabel) - 1,
		    &i) == 0)
			klabel[i] = '\0';
		if ((r = rsa_pem(t, wh, klabel, &pem, &bits, fp, d)) != KX_OK)
			return r;
		kx_secret_free(pem);	/* the fingerprint is what counts */
		if (get_bool(t, wh, CKA_UNWRAP) != 1)
			return KX_FAIL(d, KX_EPOLICY, "transport key %s in "
			    "token %s: CKA_UNWRAP is not set", klabel,
			    t->label);
	}
	for (i = 0; i < doc->nkeys; i++) {
		const kx_key *k = &doc->keys[i];
		const kxi_keyval *v = &k->value;

		if (v->form != KX_VALUE_WRAPPED || (rsa ?
		    v->alg != KX_WRAP_RSA_OAEP_SHA256 :
		    (v->alg != KX_WRAP_AES_KW && v->alg != KX_WRAP_AES_KWP &&
		    v->alg != KX_WRAP_AES_KWP_CMAC_BOUND)))
			return kxi_diag_add(d, "KX139", KX_SEV_ERROR,
			    KX_EUNSUPPORTED, doc->source, &k->loc[KXF_VALUE],
			    k->prof.id, "a token unwraps %s values only under "
			    "%s (got %s %s%s)", rsa ? "rsa-oaep-sha256" :
			    "aes-kwp-cmac-bound, aes-kw and aes-kwp", rsa ?
			    "an RSA private key" :
			    "an AES key", kx_name(KX_ENUM_VALUE_FORM, v->form),
			    kx_name(KX_ENUM_WRAP_ALG, v->alg),
			    v->alg == KX_WRAP_AES_SIV_BOUND ? ": give the "
			    "transport key as file:, fd: or env: to import "
			    "a bound value" : "");
		if ((tk = kxi_doc_find_tk(doc, v->kek_id)) == NULL)
			return kxi_diag_add(d, "KX139", KX_SEV_ERROR,
			    KX_ENOTFOUND, doc->source, &k->loc[KXF_VALUE],
			    k->prof.id, "transport key %s is not defined",
			    v->kek_id ? v->kek_id : "-");
		if (rsa) {
			if (tk->alg != KX_ALG_RSA || tk->kcv_method !=
			    KX_KCV_SPKI_SHA256 || tk->kcv.n != sizeof(fp) ||
			    CRYPTO_memcmp(tk->kcv.p, fp, sizeof(fp)) != 0)
				return kxi_diag_add(d, "KX135", KX_SEV_ERROR,
				    KX_EKCV, doc->source, &tk->loc, NULL, "the "
				    "RSA key %s in token %s is not transport "
				    "key %s (its spki-sha256 fingerprint "
				    "differs)", klabel, t->label, tk->id);
			if (!has_mech(t, CKM_RSA_PKCS_OAEP, CKF_UNWRAP))
				return KX_FAIL(d, KX_EUNSUPPORTED, "token %s "
				    "has no CKM_RSA_PKCS_OAEP to unwrap with: "
				    "%s is not imported", t->label,
				    k->prof.id);
			mech.mechanism = CKM_RSA_PKCS_OAEP;
			mech.pParameter = &oaep_sha256;
			mech.ulParameterLen = sizeof(oaep_sha256);
		} else {
			if ((r = kek_info(t, wh, v->alg ==
			    KX_WRAP_AES_KWP_CMAC_BOUND ? 0 : CKA_UNWRAP,
			    tk->length_bits, &bits, klabel, sizeof(klabel),
			    d)) != KX_OK ||
			    (r = check_token_kek(t, doc, tk, wh, bits, d)) !=
			    KX_OK)
				return r;
			mech.mechanism = v->alg == KX_WRAP_AES_KW ?
			    CKM_AES_KEY_WRAP : CKM_AES_KEY_WRAP_PAD;
		}
		/*
		 * A KEK without our unwrap template (the bound form unwraps
		 * under the KBEK, which kwpc_find checks): said once, after
		 * the import, and only if it succeeds
		 */
		if (!warned && v->alg != KX_WRAP_AES_KWP_CMAC_BOUND &&
		    !utmpl_ok(t, wh))
			warned = true;
		if ((r = label_free(t, k, d)) != KX_OK ||
		    (r = v->alg == KX_WRAP_AES_KWP_CMAC_BOUND ?
		    bound_into(im, doc, k, &mech, wh, bits, d) :
		    unwrap_into(im, doc, k, &mech, wh, v, d)) != KX_OK)
			return r;
	}
	if (warned)
		kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL,
		    NULL, "transport key %s in token %s has no "
		    "CKA_UNWRAP_TEMPLATE {CKA_SENSITIVE, "
		    "CKA_WRAP_WITH_TRUSTED}: any token user with the "
		    "PIN can unwrap this document's values under it "
		    "into keys he may read; imported keys land as "
		    "their profiles say (sensitive where export is "
		    "restricted)%s", klabel, t->label, rsa ? "; an "
		    "RSA key gets the template only where it is made" :
		    "; combine the key into the token again (combine "
		    "--to pkcs11:, a new label), which sets it");
	return KX_OK;
}

int
kx_p11_import(kx_p11 *t, const kx_doc *doc, const char *kek_uri,
    const kx_secret *kek, const kx_xchg_opts *o, kx_diag *d)
{
	struct import im = { 0 };
	kx_xchg_opts none = { 0 };
	sigset_t old;
	size_t i;
	int r;

	if (t == NULL || doc == NULL || (kek_uri == NULL) == (kek == NULL))
		kxi_misuse(__func__, "NULL argument (or both keys)");
	if (o == NULL)
		o = &none;
	im.t = t;
	t->left = 0;
	if ((t->uri->object != NULL || t->uri->id != NULL) &&
	    doc->nkeys != 1)
		return KX_FAIL(d, KX_EUSAGE, "token %s: the target URI names "
		    "one key (object= or id=), the document holds %zu",
		    t->label, doc->nkeys);
	if (t->uri->type != KXI_P11_TYPE_ANY && t->uri->type !=
	    KXI_P11_SECRET)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: keys are "
		    "imported as secret keys (the URI says type=%s)",
		    t->label, t->uri->type_text);
	if ((r = find(t, NULL, 0, &im.before, d)) != KX_OK)
		return r;
	sig_hold(&old);
	if (kek_uri != NULL) {
		r = import_wrapped(&im, doc, kek_uri, o, d);
	} else {
		for (i = 0, r = KX_OK; i < doc->nkeys && r == KX_OK; i++)
			r = label_free(t, &doc->keys[i], d);
		if (r == KX_OK)
			r = kx_import(doc, kek, o, put_clear, &im, d);
	}
	if (r != KX_OK)
		rollback(&im);
	sig_release(&old);
	free(im.before.v);
	free(im.made.v);
	return r;
}

/* ---- a key from a ceremony --------------------------------------------- */
/*
 * What every transport key of alg gets beyond its profile, in both ways
 * it enters (C_CreateObject, or C_UnwrapKey under a one-time session key
 * where the token refuses that): the unwrap template (every key unwrapped
 * under it sensitive, trusted keys only) and, last, as build_tmpl puts
 * it, its mechanism list.  kwpc_seal refuses a key without the list and
 * a copy cannot set it.  Every transport key: an AES one without the
 * pair too (--allow-unbound), a DES or TDEA one its wrap mechanisms
 * (rev10d L2, M2b).
 */
static void
tk_tmpl(struct tmpl *m, enum kx_alg alg)
{
	const CK_MECHANISM_TYPE *mechs;
	size_t nmech;

	mechs = tk_mechs(alg, &nmech);
	tm_add(m, CKA_UNWRAP_TEMPLATE, kwpc_utmpl, sizeof(kwpc_utmpl),
	    "CKA_UNWRAP_TEMPLATE");
	tm_add(m, CKA_ALLOWED_MECHANISMS, (void *)mechs,
	    (CK_ULONG)(nmech * sizeof(mechs[0])), "CKA_ALLOWED_MECHANISMS");
}

/*
 * The profile (in *docp, *kp) and template (m, without CKA_VALUE) of a
 * ceremony's transport key of alg, len bytes, KCV kcv[n] (method km):
 * wraps and unwraps, never leaves the token; an AES one is made with
 * CKA_DERIVE only for kwpc_setup, which derives the KBEK and KBAK of the
 * aes-kwp-cmac-bound form from it once, before it enters the token
 * without CKA_DERIVE (to_token; in the token it would be an AES-ECB
 * oracle).  im->before lists the
 * objects the session sees (for a rollback); the caller frees it and
 * *docp.
 */
static int
tk_prep(kx_p11 *t, enum kx_alg alg, size_t len, enum kx_kcv_method km,
    const uint8_t *kcv, size_t n, struct import *im, kx_doc **docp,
    kx_key **kp, struct tmpl *m, kx_diag *d)
{
	kx_key *k;
	size_t i;
	int r;

	*docp = NULL;
	if (t->uri->object == NULL)
		return KX_FAIL(d, KX_EUSAGE, "token %s: the URI must name the "
		    "new key (object=LABEL)", t->label);
	if (n == 0 || n > 16 || (alg != KX_ALG_AES && alg != KX_ALG_DES &&
	    alg != KX_ALG_TDEA2 && alg != KX_ALG_TDEA3))
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: only AES, DES "
		    "and TDEA keys with a KCV are stored", t->label);
	im->t = t;
	if ((*docp = kxi_doc_new()) == NULL || (k = kxi_doc_add_key(*docp)) ==
	    NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	k->prof.id = kxi_strdup(&(*docp)->arena, t->uri->object);
	k->prof.cls = KX_CLASS_SECRET;
	k->prof.alg = alg;
	k->prof.length_bits = (unsigned)len * 8;
	k->prof.usage = KX_USAGE_BIT(KX_U_WRAP) | KX_USAGE_BIT(KX_U_UNWRAP);
	if (alg == KX_ALG_AES)
		k->prof.usage |= KX_USAGE_BIT(KX_U_DERIVE);
	k->prof.export_.allowed = false;
	k->prof.sensitive = true;
	k->kcv.p = kxi_memdup(&(*docp)->arena, kcv, n);
	k->kcv.n = n;
	k->kcv_method = km;
	if (k->prof.id == NULL || k->kcv.p == NULL)
		return KX_FAIL(d, KX_ENOMEM, "out of memory");
	*kp = k;
	if ((alg == KX_ALG_AES &&
	    (r = kwpc_unbound_refused(t, k->prof.id, 0, d)) != KX_OK) ||
	    (r = find(t, NULL, 0, &im->before, d)) != KX_OK ||
	    (r = label_free(t, k, d)) != KX_OK ||
	    (r = build_tmpl(t, k, 0, m, d)) != KX_OK)
		return r;
	/* made as a session object, copied into the token once checked */
	for (i = 0; i < m->n; i++)
		if (m->a[i].type == CKA_TOKEN)
			m->a[i].pValue = &m->f;
	tk_tmpl(m, alg);
	return KX_OK;
}

/*
 * Whether a transport key of alg needs its KCV checked on a twin: an AES
 * transport key's list (tk_mechs) allows no KCV computation where the
 * token has no CKM_AES_ECB_ENCRYPT_DATA (derive_kcv).
 */
static bool
tk_twin(kx_p11 *t, enum kx_alg alg)
{
	return alg == KX_ALG_AES && !has_mech(t, CKM_AES_ECB_ENCRYPT_DATA,
	    CKF_DERIVE);
}

/*
 * SoftHSM sets CKA_ALLOWED_MECHANISMS at creation only, so the KCV of a
 * key that needs a twin (tk_twin) is checked on one made from the same
 * inputs with template m less the list (C_CreateObject, or C_DeriveKey
 * of mech from base), a session object destroyed at once, as unwrap_into
 * does for a key limited to its modes.  *rvp: the create's.
 */
static int
twin_kcv(kx_p11 *t, const kx_doc *doc, const kx_key *k,
    const struct tmpl *m, CK_MECHANISM *mech, CK_OBJECT_HANDLE base,
    CK_RV *rvp, kx_diag *d)
{
	CK_ATTRIBUTE tw[sizeof(m->a) / sizeof(m->a[0])];
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG i, n = 0;
	int r;

	for (i = 0; i < m->n; i++)
		if (m->a[i].type != CKA_ALLOWED_MECHANISMS)
			tw[n++] = m->a[i];
	*rvp = mech == NULL ? t->f->C_CreateObject(t->s, tw, n, &h) :
	    t->f->C_DeriveKey(t->s, mech, base, tw, n, &h);
	if (*rvp != CKR_OK)
		return KX_EUNSUPPORTED;
	r = check_new(t, doc, k, h, d);
	if (t->f->C_DestroyObject(t->s, h) != CKR_OK)
		t->left++;
	return r;
}

int
kx_p11_store(kx_p11 *t, const kx_secret *key, enum kx_alg alg,
    enum kx_kcv_method km, const uint8_t *kcv, size_t n, const char **how,
    kx_diag *d)
{
	struct import im = { 0 };
	struct tmpl m;
	struct handles pre = { NULL, 0 };
	CK_OBJECT_HANDLE sh = CK_INVALID_HANDLE, h = CK_INVALID_HANDLE;
	kx_doc *doc = NULL;
	kx_key *k = NULL;
	sigset_t old;
	CK_RV rv;
	bool twin;
	int r;

	if (t == NULL || key == NULL || kcv == NULL || how == NULL)
		kxi_misuse(__func__, "NULL argument");
	*how = "-";
	t->left = 0;
	memset(&m, 0, sizeof(m));
	sig_hold(&old);
	if ((r = tk_prep(t, alg, kx_secret_len(key), km, kcv, n, &im, &doc,
	    &k, &m, d)) != KX_OK)
		goto out;
	/*
	 * The value is in process (the ceremony made it): hand it over
	 * with C_CreateObject, so the token records its length and check
	 * value; a token that refuses clear secret keys gets it under a
	 * session key instead.  Either way it is made as a session object
	 * (a half-made one is among our session objects, never looked for
	 * by its label), checked, then copied into the token (to_token).
	 */
	m.a[m.n++] = (CK_ATTRIBUTE){ CKA_VALUE, kx_secret_mut((kx_secret *)key),
	    kx_secret_len(key) };
	t->bound[0] = '\0';
	im.tk = true;
	im.tkbits = alg == KX_ALG_AES ? k->prof.length_bits : 0;
	if ((r = find_session(t, &pre)) != KX_OK) {
		r = KX_FAIL(d, KX_EIO, "token %s: the session objects cannot "
		    "be listed", t->label);
		goto out;
	}
	twin = tk_twin(t, alg);
	rv = CKR_OK;
	if (twin && (r = twin_kcv(t, doc, k, &m, NULL, 0, &rv, d)) != KX_OK &&
	    rv == CKR_OK)
		goto fail;
	if (rv == CKR_OK &&
	    (rv = t->f->C_CreateObject(t->s, m.a, m.n, &sh)) == CKR_OK) {
		*how = "C_CreateObject";
		if ((r = twin ? KX_OK : check_new(t, doc, k, sh, d)) == KX_OK)
			r = to_token(&im, sh, k->prof.id, 0, &h, d);
		if (t->f->C_DestroyObject(t->s, sh) != CKR_OK)
			t->left++;
	} else {
		sweep_session(&im, &pre);
		if (rv == CKR_DEVICE_MEMORY)
			r = full_fail(d, t, k->prof.id);
		else if (!template_rv(rv) && rv != CKR_ACTION_PROHIBITED)
			r = p11_fail(d, t, KX_EIO, rv, "C_CreateObject of the "
			    "transport key");
		else {
			/* the token refuses it in clear: unwrapped instead */
			*how = "C_UnwrapKey under a one-time session key";
			r = put_clear(&im, doc, 0, key, d);
		}
	}
fail:
	if (r != KX_OK)
		rollback(&im);
out:
	sig_release(&old);
	OPENSSL_cleanse(&m, sizeof(m));
	free(pre.v);
	free(im.before.v);
	free(im.made.v);
	kx_doc_free(doc);
	return r;
}

/*
 * XOR components combined in the token (PKCS#11 CKM_XOR_BASE_AND_DATA,
 * C_DeriveKey with CK_KEY_DERIVATION_STRING_DATA): the first component
 * enters as a session object (CKA_TOKEN false, sensitive, not
 * extractable) that may only derive; each further component is the data
 * XORed into the previous object, which is then destroyed; the last
 * derive makes the transport key with kx_p11_store's template.  The
 * derived key's length: CKA_VALUE_LEN where the key type has no standard
 * length (generic secret, AES); DES types have theirs.  Every data is a
 * component, never the combined key.
 *
 * DES parity: the components are in odd parity (checked on input), so
 * the XOR of an even number of them is in even parity in every byte; the
 * last data then has bit 0 of every byte flipped (a copy on the secure
 * heap), which gives the odd-parity key the in-process path hands on
 * (same KCV).  A token that sets DES parity itself, as PKCS#11 says it
 * does for DES key types, finds nothing to change.
 */
int
kx_p11_combine(kx_p11 *t, const kx_component_info *ci, kx_secret *const *v,
    size_t nv, const char **how, kx_diag *d)
{
	struct import im = { 0 };
	struct tmpl m;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE gk = CKK_GENERIC_SECRET;
	CK_BBOOL tr = CK_TRUE, fa = CK_FALSE;
	CK_ULONG vl;
	CK_ATTRIBUTE st[7];
	CK_KEY_DERIVATION_STRING_DATA sd;
	CK_MECHANISM mech = { CKM_XOR_BASE_AND_DATA, &sd, sizeof(sd) };
	CK_OBJECT_HANDLE base = CK_INVALID_HANDLE, h;
	const kx_secret *data;
	kx_secret *last = NULL;
	kx_doc *doc = NULL;
	kx_key *k = NULL;
	size_t i, j, len;
	uint8_t *p;
	CK_RV rv;
	char b[24];
	sigset_t old;
	int r, started = 0, des, held = 0, twin;

	if (t == NULL || ci == NULL || v == NULL || how == NULL)
		kxi_misuse(__func__, "NULL argument");
	*how = "-";
	t->bound[0] = '\0';
	memset(&m, 0, sizeof(m));
	t->left = 0;
	if (nv < 2 || nv > 255 || ci[0].method != KX_SPLIT_XOR)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: only 2..255 XOR "
		    "components are combined in a token", t->label);
	if (!kx_p11_has_xor(t))
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s has no "
		    "CKM_XOR_BASE_AND_DATA that derives", t->label);
	len = kx_secret_len(v[0]);
	for (i = 0; i < nv; i++)
		if (v[i] == NULL || kx_secret_len(v[i]) != len)
			kxi_misuse(__func__, "components of unequal length");
	des = ci[0].alg == KX_ALG_DES || ci[0].alg == KX_ALG_TDEA2 ||
	    ci[0].alg == KX_ALG_TDEA3;
	sig_hold(&old);
	held = 1;
	if ((r = tk_prep(t, ci[0].alg, len, ci[0].kcv_method, ci[0].key_kcv,
	    ci[0].key_kcv_len, &im, &doc, &k, &m, d)) != KX_OK)
		goto out;
	started = 1;
	twin = tk_twin(t, ci[0].alg);
	vl = len;
	if (!des)	/* no standard length: the template gives it */
		m.a[m.n++] = (CK_ATTRIBUTE){ CKA_VALUE_LEN, &vl, sizeof(vl) };
	st[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	st[1] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &gk, sizeof(gk) };
	st[2] = (CK_ATTRIBUTE){ CKA_TOKEN, &fa, sizeof(fa) };
	st[3] = (CK_ATTRIBUTE){ CKA_DERIVE, &tr, sizeof(tr) };
	st[4] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &tr, sizeof(tr) };
	st[5] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &fa, sizeof(fa) };
	st[6] = (CK_ATTRIBUTE){ CKA_VALUE, kx_secret_mut(v[0]), len };
	if ((rv = t->f->C_CreateObject(t->s, st, 7, &base)) != CKR_OK) {
		base = CK_INVALID_HANDLE;
		r = rv == CKR_DEVICE_MEMORY ? full_fail(d, t, k->prof.id) :
		    KX_FAIL(d, KX_EUNSUPPORTED, "token %s: the first component "
		    "of %s cannot enter as a session object (%s)", t->label,
		    k->prof.id, rvname(rv, b));
		goto out;
	}
	/* intermediate objects: generic secrets of len bytes, derive only */
	st[6] = (CK_ATTRIBUTE){ CKA_VALUE_LEN, &vl, sizeof(vl) };
	for (i = 1; i < nv; i++) {
		data = v[i];
		if (i == nv - 1 && des && nv % 2 == 0) {
			if ((r = kx_secret_new(len, &last)) != KX_OK) {
				r = KX_FAIL(d, r, "out of memory");
				goto out;
			}
			p = kx_secret_mut(last);
			memcpy(p, kx_secret_data(v[i]), len);
			for (j = 0; j < len; j++)
				p[j] ^= 0x01;
			data = last;
		}
		sd.pData = kx_secret_mut((kx_secret *)data);
		sd.ulLen = len;
		h = CK_INVALID_HANDLE;
		rv = CKR_OK;
		/* the twin of the last derive, for the KCV (tk_twin) */
		if (i == nv - 1 && twin && (r = twin_kcv(t, doc, k, &m, &mech,
		    base, &rv, d)) != KX_OK && rv == CKR_OK)
			goto out;
		if (rv == CKR_OK)
			rv = t->f->C_DeriveKey(t->s, &mech, base, i == nv - 1 ?
			    m.a : st, i == nv - 1 ? m.n : 7, &h);
		sd.pData = NULL;
		kx_secret_free(last);	/* wipes */
		last = NULL;
		t->f->C_DestroyObject(t->s, base);
		base = rv == CKR_OK ? h : CK_INVALID_HANDLE;
		/* a half-made session object: swept at out */
		if (rv != CKR_OK) {
			r = rv == CKR_DEVICE_MEMORY ? full_fail(d, t,
			    k->prof.id) : KX_FAIL(d, rv ==
			    CKR_MECHANISM_INVALID || template_rv(rv) ?
			    KX_EUNSUPPORTED : KX_ECRYPTO, "token %s: "
			    "C_DeriveKey (CKM_XOR_BASE_AND_DATA) of %s, "
			    "component %zu of %zu, failed (%s)", t->label,
			    k->prof.id, i + 1, nv, rvname(rv, b));
			goto out;
		}
	}
	*how = "C_DeriveKey (CKM_XOR_BASE_AND_DATA)";
	/* the session object checked, then copied into the token */
	im.tk = true;
	im.tkbits = ci[0].alg == KX_ALG_AES ? k->prof.length_bits : 0;
	if ((r = twin ? KX_OK : check_new(t, doc, k, base, d)) == KX_OK)
		r = to_token(&im, base, k->prof.id, 0, &h, d);
	if (base != CK_INVALID_HANDLE &&
	    t->f->C_DestroyObject(t->s, base) != CKR_OK)
		t->left++;
	base = CK_INVALID_HANDLE;
out:
	if (r != KX_OK && base != CK_INVALID_HANDLE &&
	    t->f->C_DestroyObject(t->s, base) != CKR_OK)
		t->left++;
	if (r != KX_OK)
		rollback(&im);
	if (r != KX_OK && started)
		sweep_session(&im, &im.before);
	if (held)
		sig_release(&old);
	kx_secret_free(last);
	free(im.before.v);
	free(im.made.v);
	kx_doc_free(doc);
	return r;
}

const char *
kx_p11_how(const kx_p11 *t)
{
	return t != NULL && t->how != NULL ? t->how : "-";
}

const char *
kx_p11_bound_setup(const kx_p11 *t)
{
	return t != NULL && t->bound[0] != '\0' ? t->bound : "-";
}

int
kx_p11_seal(kx_p11 *t, kx_diag *d)
{
	struct import im = { 0 };
	struct kwpc_names nm;
	CK_OBJECT_HANDLE wh;
	CK_KEY_TYPE kt = 0;
	CK_ULONG vl = 0;
	sigset_t old;
	int r;

	if (t == NULL)
		kxi_misuse(__func__, "NULL argument");
	t->bound[0] = '\0';
	t->left = 0;
	if (t->uri->type != KXI_P11_TYPE_ANY && t->uri->type !=
	    KXI_P11_SECRET)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: transport keys "
		    "are secret keys (the URI says type=%s)", t->label,
		    t->uri->type_text);
	if ((r = find_one(t, t->uri, "transport key", &wh, d)) != KX_OK ||
	    (r = kwpc_names(t, wh, &nm, d)) != KX_OK)
		return r;
	if (get_ulong(t, wh, CKA_KEY_TYPE, &kt) != 0 || kt != CKK_AES ||
	    get_ulong(t, wh, CKA_VALUE_LEN, &vl) != 0 || (vl != 16 &&
	    vl != 24 && vl != 32))
		return KX_FAIL(d, KX_EUNSUPPORTED, "transport key %s in token "
		    "%s: not an AES key of a length the token records (the "
		    "aes-kwp-cmac-bound form is AES only)", nm.kek, t->label);
	if ((r = kwpc_free(t, &nm, d)) != KX_OK)
		return r;
	if (get_bool(t, wh, CKA_EXTRACTABLE) != 0)
		return KX_FAIL(d, KX_EPOLICY, "transport key %s in token %s is "
		    "extractable (or does not say): a key that can leave the "
		    "token is not sealed", nm.kek, t->label);
	if (get_bool(t, wh, CKA_DERIVE) != 1)
		return KX_FAIL(d, KX_EPOLICY, "transport key %s in token %s has "
		    "no CKA_DERIVE, so its KBEK and KBAK cannot be derived in "
		    "the token: combine it into the token again (combine --to "
		    "pkcs11:, a new label)", nm.kek, t->label);
	/* every key made before it lacks it, and a copy cannot add it */
	if ((r = kwpc_unbound_refused(t, nm.kek, 1, d)) != KX_OK)
		return r;
	if (!utmpl_ok(t, wh))
		return KX_FAIL(d, KX_EPOLICY, "transport key %s in token %s has "
		    "no CKA_UNWRAP_TEMPLATE {CKA_SENSITIVE, "
		    "CKA_WRAP_WITH_TRUSTED} (any token user unwraps a "
		    "document's value under it into a key he may read), which "
		    "a copy cannot set: it is not sealed; combine it into the "
		    "token again (combine --to pkcs11:, a new label)", nm.kek,
		    t->label);
	im.t = t;
	sig_hold(&old);
	if ((r = kwpc_setup(t, &im, wh, (unsigned)vl * 8, 1, d)) != KX_OK)
		rollback(&im);
	sig_release(&old);
	free(im.made.v);
	return r;
}

size_t
kx_p11_left(const kx_p11 *t)
{
	return t == NULL ? 0 : t->left;
}

int
kx_p11_has_xor(kx_p11 *t)
{
	return t != NULL && has_mech(t, CKM_XOR_BASE_AND_DATA, CKF_DERIVE);
}

/* ---- a key read out of a token (split) --------------------------------- */
/*
 * A sensitive, extractable key h: the token lets it out wrapped only.
 * Wrapped in the token with C_WrapKey under a one-time session key (RFC
 * 5649, else RFC 3394), unwrapped here on the secure heap.
 */
static int
read_wrapped(kx_p11 *t, CK_OBJECT_HANDLE h, const char *label,
    kx_secret **out, kx_diag *d)
{
	CK_OBJECT_HANDLE eh = CK_INVALID_HANDLE;
	CK_MECHANISM mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	kx_secret *eph = NULL;
	uint8_t *w = NULL;
	CK_ULONG wl = 0;
	CK_RV rv;
	char b[24];
	int r;

	if (!has_mech(t, CKM_AES_KEY_WRAP_PAD, CKF_WRAP))
		mech.mechanism = CKM_AES_KEY_WRAP;
	if ((r = session_key(t, CKA_WRAP, label, &eh, &eph, d)) != KX_OK)
		goto out;
	if ((rv = t->f->C_WrapKey(t->s, &mech, eh, h, NULL, &wl)) == CKR_OK &&
	    wl > 0 && wl <= 4096) {
		if ((w = malloc(wl)) == NULL) {
			r = KX_FAIL(d, KX_ENOMEM, "out of memory");
			goto out;
		}
		rv = t->f->C_WrapKey(t->s, &mech, eh, h, w, &wl);
	}
	if (rv != CKR_OK || w == NULL) {
		r = KX_FAIL(d, rv == CKR_KEY_UNEXTRACTABLE ||
		    rv == CKR_KEY_NOT_WRAPPABLE ? KX_EPOLICY : KX_ECRYPTO,
		    "token %s: C_WrapKey of %s under a session key failed (%s)",
		    t->label, label, rvname(rv, b));
		goto out;
	}
	r = kx_unwrap(mech.mechanism == CKM_AES_KEY_WRAP_PAD ?
	    KX_WRAP_AES_KWP : KX_WRAP_AES_KW, eph, w, wl, NULL, 0, out, d);
out:
	if (eh != CK_INVALID_HANDLE)
		t->f->C_DestroyObject(t->s, eh);
	kx_secret_free(eph);
	free(w);
	return r;
}

/*
 * The rules of the export phase over key h as split --from gives it out
 * (value form components, no recipient): its export restrictions as the
 * token records them (profile_of: CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED)
 * and its validity, as export checks them.
 */
static int
read_rules(kx_p11 *t, CK_OBJECT_HANDLE h, const kx_xchg_opts *o,
    kx_diag *d)
{
	kx_doc *doc = NULL;
	kx_key *k;
	size_t nerr = 0;
	int r;

	if ((r = token_profile(t, h, "split", &doc, &k, d)) != KX_OK)
		goto out;
	k->value.form = KX_VALUE_COMPONENTS;
	if ((r = kxi_rules_run(doc, KX_PHASE_EXPORT, o->policy, o->now, NULL,
	    NULL, &nerr, d)) == KX_OK && nerr > 0)
		r = KX_EPOLICY;
out:
	kx_doc_free(doc);
	return r;
}

int
kx_p11_read(kx_p11 *t, const kx_xchg_opts *o, kx_secret **out,
    enum kx_alg *alg, int *checked, const char **how, kx_diag *d)
{
	CK_OBJECT_HANDLE h;
	CK_KEY_TYPE kt = 0;
	enum kx_kcv_method m;
	uint8_t tkcv[3], kcv[3];
	char label[256];
	kx_secret *v = NULL;
	size_t n;
	int r, sens;

	if (t == NULL || o == NULL || out == NULL || alg == NULL ||
	    checked == NULL || how == NULL)
		kxi_misuse(__func__, "NULL argument");
	*out = NULL;
	*alg = KX_ALG_NONE;
	*checked = 0;
	*how = "-";
	if (t->uri->type != KXI_P11_TYPE_ANY && t->uri->type !=
	    KXI_P11_SECRET)
		return KX_FAIL(d, KX_EUNSUPPORTED, "token %s: secret keys "
		    "only (the URI says type=%s)", t->label, t->uri->type_text);
	if ((r = find_one(t, t->uri, "key", &h, d)) != KX_OK)
		return r;
	if (get_attr(t, h, CKA_LABEL, label, sizeof(label) - 1, &n) != 0 ||
	    n == 0)
		snprintf(label, sizeof(label), "%s", t->uri->object != NULL ?
		    t->uri->object : "(no label)");
	else
		label[n] = '\0';
	(void)get_ulong(t, h, CKA_KEY_TYPE, &kt);
	*alg = alg_of(kt);
	if (*alg != KX_ALG_AES && *alg != KX_ALG_TDEA2 && *alg !=
	    KX_ALG_TDEA3)
		return KX_FAIL(d, KX_EUNSUPPORTED, "key %s in token %s: not an "
		    "AES or TDEA key", label, t->label);
	if (get_bool(t, h, CKA_EXTRACTABLE) != 1)
		return KX_FAIL(d, KX_EPOLICY, "key %s is not extractable in "
		    "token %s (CKA_EXTRACTABLE false): its value stays in the "
		    "token", label, t->label);
	if (get_bool(t, h, CKA_WRAP_WITH_TRUSTED) == 1)
		return KX_FAIL(d, KX_EPOLICY, "key %s in token %s is wrapped "
		    "under trusted keys only (CKA_WRAP_WITH_TRUSTED): its value "
		    "does not leave the token", label, t->label);
	if ((r = read_rules(t, h, o, d)) != KX_OK)
		return r;
	if ((sens = get_bool(t, h, CKA_SENSITIVE)) == 0) {
		*how = "read with C_GetAttributeValue (extractable, not "
		    "sensitive)";
		r = read_value(t, h, &v, d);
	} else {
		*how = "wrapped in the token with C_WrapKey under a one-time "
		    "session key (sensitive, extractable) and unwrapped on the "
		    "secure heap";
		r = read_wrapped(t, h, label, &v, d);
	}
	if (r != KX_OK)
		goto out;
	/* the value read against the KCV the token computes */
	m = *alg == KX_ALG_AES ? KX_KCV_ZERO_BLOCK : KX_KCV_GP_DES;
	if (kcv_of(t, h, label, *alg, m, tkcv, sizeof(tkcv), 0, NULL) ==
	    KX_OK) {
		if ((r = kx_kcv_compute(*alg, m, v, kcv, sizeof(kcv), d)) !=
		    KX_OK)
			goto out;
		if (CRYPTO_memcmp(kcv, tkcv, sizeof(kcv)) != 0) {
			r = KX_FAIL(d, KX_ECRYPTO, "token %s: the value read "
			    "of %s does not match the KCV the token computes",
			    t->label, label);
			goto out;
		}
		*checked = 1;
	} else
		/* no rule: the export rules ran before the value was read
		 * (read_rules); this is about the value read (*checked 0
		 * says it again to the caller) */
		kxi_diag_add(d, NULL, KX_SEV_WARNING, KX_OK, NULL, NULL,
		    label, "token %s computes no KCV of %s (no CKA_CHECK_VALUE, "
		    "CKA_ENCRYPT not set): the value read is not checked "
		    "against the token", t->label, label);
	*out = v;
	v = NULL;
out:
	kx_secret_free(v);
	return r;
}

/* ---- key sources -------------------------------------------------------- */
int
kxi_p11_load_value(const char *uri, kx_secret **out, kx_diag *d)
{
	kx_p11 *t = NULL;
	CK_OBJECT_HANDLE h;
	int r;

	*out = NULL;
	/* --module and --pin-source win over the URI, as for the tokens */
	if ((r = kx_p11_open(uri, &defaults, &t, d)) != KX_OK)
		return r;
	if ((r = find_one(t, t->uri, "key source", &h, d)) != KX_OK)
		goto out;
	if (get_bool(t, h, CKA_EXTRACTABLE) != 1 ||
	    get_bool(t, h, CKA_SENSITIVE) != 0) {
		r = KX_FAIL(d, KX_EPOLICY, "key source %s: the token keeps "
		    "this key's value inside (sensitive or not extractable); "
		    "this operation needs it in process", uri);
		goto out;
	}
	r = read_value(t, h, out, d);
out:
	kx_p11_close(t);
	return r;
}
