/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include "internal.h"
int kx_policy_read_file(const char *p, kx_policy **o, kx_diag *d) { (void)p; *o = NULL; return KX_FAIL(d, KX_EUNSUPPORTED, "policy: not yet"); }
int kx_policy_read(const uint8_t *b, size_t n, const char *nm, kx_policy **o, kx_diag *d) { (void)b; (void)n; (void)nm; *o = NULL; return KX_FAIL(d, KX_EUNSUPPORTED, "policy: not yet"); }
void kx_policy_free(kx_policy *p) { (void)p; }
