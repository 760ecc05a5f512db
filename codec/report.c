/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include "internal.h"
int kx_report_write(const kx_diag *d, const kx_report_file *f, size_t n, enum kx_report_format fmt, kx_buf *o) { (void)d; (void)f; (void)n; (void)fmt; (void)o; return KX_EUNSUPPORTED; }
