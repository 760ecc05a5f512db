/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include "internal.h"
int kx_wrap(enum kx_wrap_alg a, const kx_secret *k, const kx_secret *key, const uint8_t *aad, size_t n, kx_buf *o, kx_diag *d) { (void)a; (void)k; (void)key; (void)aad; (void)n; (void)o; return KX_FAIL(d, KX_EUNSUPPORTED, "wrap: not yet"); }
int kx_unwrap(enum kx_wrap_alg a, const kx_secret *k, const uint8_t *in, size_t inlen, const uint8_t *aad, size_t n, kx_secret **o, kx_diag *d) { (void)a; (void)k; (void)in; (void)inlen; (void)aad; (void)n; *o = NULL; return KX_FAIL(d, KX_EUNSUPPORTED, "unwrap: not yet"); }
