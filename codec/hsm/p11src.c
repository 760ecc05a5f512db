/*
 * p11src.c - kx_keysrc_load_as and kx_keysrc_load, the one entry point
 * for every key source: a pkcs11: URI (a value the token lets out in
 * clear, pkcs11.c) is read here, on top; every other source (file:, fd:,
 * env:, hex:) is read by crypto/keysrc.c.  So the dependency points down
 * (hsm/ -> crypto/), never from crypto/ up into hsm/
 * (tests/build/layers.sh).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "internal.h"

int
kx_keysrc_load_as(const char *spec, enum kx_alg alg, size_t len,
    kx_secret **out, int *insecure, kx_diag *d)
{
	kx_secret *raw = NULL;
	int r;

	if (spec == NULL || out == NULL)
		kxi_misuse(__func__, "NULL argument");
	if (strncmp(spec, "pkcs11:", 7) != 0)
		return kxi_keysrc_load_as(spec, alg, len, out, insecure, d);
	*out = NULL;
	if (insecure != NULL)
		*insecure = 0;
	if ((r = kxi_p11_load_value(spec, &raw, d)) != KX_OK) {
		kx_secret_free(raw);
		return r;
	}
	return kxi_keysrc_take(&raw, alg, len, spec, out, d);
}

int
kx_keysrc_load(const char *spec, kx_secret **out, int *insecure,
    kx_diag *d)
{
	return kx_keysrc_load_as(spec, KX_ALG_NONE, 0, out, insecure, d);
}
