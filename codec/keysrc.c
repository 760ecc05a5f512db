/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include "internal.h"
int kx_keysrc_load(const char *s, kx_secret **o, int *i, kx_diag *d) { (void)s; (void)i; *o = NULL; return KX_FAIL(d, KX_EUNSUPPORTED, "keysrc: not yet"); }
