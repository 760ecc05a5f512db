/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include "internal.h"
int kx_split(const kx_secret *k, unsigned n, unsigned m, kx_secret **p, uint8_t *x, kx_diag *d) { (void)k; (void)n; (void)m; (void)p; (void)x; return KX_FAIL(d, KX_EUNSUPPORTED, "split: not yet"); }
int kx_combine(kx_secret *const *p, const uint8_t *x, unsigned k, unsigned m, kx_secret **o, kx_diag *d) { (void)p; (void)x; (void)k; (void)m; *o = NULL; return KX_FAIL(d, KX_EUNSUPPORTED, "combine: not yet"); }
int kx_component_write(const kx_component_info *ci, const kx_secret *v, kx_buf *o, kx_diag *d) { (void)ci; (void)v; (void)o; return KX_FAIL(d, KX_EUNSUPPORTED, "component: not yet"); }
int kx_component_read(uint8_t *b, size_t n, const char *nm, kx_component_info *ci, kx_secret **v, kx_diag *d) { (void)b; (void)n; (void)nm; (void)ci; *v = NULL; return KX_FAIL(d, KX_EUNSUPPORTED, "component: not yet"); }
