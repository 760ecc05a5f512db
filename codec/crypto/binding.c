/*
 * binding.c - what a bound wrap's value is bound to: the binding methods,
 * the associated data of a key (the hub's canonical encoding of header
 * and profile, codec/model/canon.c) and the check of a value's binding
 * metadata (rule KX135/KX136), shared by the rule engine (check/) and the
 * operations (exchange.c) above it.  No key material here: only the
 * public data a value is bound to and its SHA-256.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"

int
kxi_wrap_is_bound(enum kx_wrap_alg w)
{
	return w == KX_WRAP_AES_SIV_BOUND || w == KX_WRAP_TR31_B_BOUND ||
	    w == KX_WRAP_AES_KWP_CMAC_BOUND;
}

unsigned
kxi_binding_version(const char *method)
{
	if (method == NULL)
		return 0;
	if (strcmp(method, KXI_BINDING_V2) == 0)
		return 2;
	if (strcmp(method, KXI_BINDING_V1) == 0)
		return 1;
	return 0;
}

/*
 * SHA-256 fetched from the provider once: EVP_Digest with EVP_sha256()
 * fetches it again at every call (OpenSSL 3), a third of the cost of a
 * key's digest here, on the thread that reads the keys.
 */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md != NULL ? sha256_md : EVP_sha256();
}

int
kxi_bound_aad(const kx_doc *doc, const kx_key *k, unsigned v, kx_buf *aad,
    uint8_t md[32], kx_diag *d)
{
	unsigned int n = 0;
	int r;

	aad->len = 0;
	r = v == 2 ? kxi_canon_bound(doc, &k->prof, aad, d) :
	    v == 1 ? kxi_canon_profile(&k->prof, aad, d) : KX_EUNSUPPORTED;
	if (r != KX_OK)
		return KX_FAIL(d, r, "key %s: cannot encode the data its value "
		    "is bound to", k->prof.id ? k->prof.id : "-");
	if (md != NULL && (EVP_Digest(aad->data, aad->len, md, &n,
	    sha256(), NULL) != 1 || n != 32))
		return kxi_diag_openssl(d, KX_ECRYPTO, "SHA-256");
	return KX_OK;
}

/* See internal.h. */
int
kxi_binding_check_aad(const kx_doc *doc, const kx_key *k, unsigned *v,
    int want_aad, int have, kx_buf *aad, uint8_t md[32], char *msg, size_t size)
{
	const kxi_keyval *val = &k->value;
	int r;

	if (!have)
		aad->len = 0;
	*v = kxi_binding_version(val->binding_method);
	/* Other values are not bound: import refuses them anyway. */
	if (val->form != KX_VALUE_WRAPPED || !kxi_wrap_is_bound(val->alg))
		return KX_OK;
	if (val->binding_method == NULL) {
		snprintf(msg, size, "%s value without a binding method: what "
		    "it is bound to is unknown", kx_name(KX_ENUM_WRAP_ALG,
		    val->alg));
		return KX_EUNSUPPORTED;
	}
	if (*v == 0) {
		snprintf(msg, size, "binding method '%.64s' is unknown (this "
		    "reader knows %s and %s)", val->binding_method,
		    KXI_BINDING_V2, KXI_BINDING_V1);
		return KX_EUNSUPPORTED;
	}
	if (val->binding_digest.n == 0 && !want_aad)
		return KX_OK;	/* optional; AES-SIV decides */
	r = have && aad->len > 0 ? KX_OK :
	    kxi_bound_aad(doc, k, *v, aad, md, NULL);
	if (r != KX_OK) {
		aad->len = 0;
		if (val->binding_digest.n == 0)
			return KX_OK;	/* the caller reports it */
		snprintf(msg, size, "cannot compute the data the value is "
		    "bound to (%s)", kx_strerror(r));
		return r;
	}
	if (val->binding_digest.n != 0 && (val->binding_digest.n != 32 ||
	    CRYPTO_memcmp(val->binding_digest.p, md, 32) != 0)) {
		snprintf(msg, size, "binding digest does not match the %s of "
		    "this document: changed after export",
		    *v == 2 ? "header and profile" : "profile");
		return KX_ECRYPTO;
	}
	return KX_OK;
}

int
kxi_binding_check(const kx_doc *doc, const kx_key *k, unsigned *v,
    struct kxi_bind_memo *memo, char *msg, size_t size)
{
	kx_buf aad = { 0 };
	uint8_t md[32];
	int r;

	if (memo == NULL) {
		r = kxi_binding_check_aad(doc, k, v, 0, 0, &aad, md, msg, size);
		kx_buf_free(&aad);
		return r;
	}
	memo->key = NULL;
	r = kxi_binding_check_aad(doc, k, v, 0, 0, &memo->aad, memo->md, msg, size);
	if (r == KX_OK && memo->aad.len > 0)
		memo->key = k;
	return r;
}
