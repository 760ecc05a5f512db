/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include "internal.h"
static int det(const uint8_t *b, size_t n) { (void)b; (void)n; return 0; }
static int rd(const uint8_t *b, size_t n, const char *nm, kx_doc **o, kx_diag *d) { (void)b; (void)n; (void)nm; *o = NULL; return KX_FAIL(d, KX_EUNSUPPORTED, "der: not yet"); }
static int wr(const kx_doc *doc, kx_buf *o, kx_diag *d) { (void)doc; (void)o; return KX_FAIL(d, KX_EUNSUPPORTED, "der: not yet"); }
const struct kxi_format kxi_format_der = { "der", KX_FMT_DER, det, rd, wr };
int kxi_profile_der(const kx_profile *p, kx_buf *o, kx_diag *d) { (void)p; (void)o; return KX_FAIL(d, KX_EUNSUPPORTED, "der: not yet"); }
