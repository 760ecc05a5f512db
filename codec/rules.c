/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include "internal.h"
size_t kx_rule_count(void) { return 0; }
const kx_rule_info *kx_rule_get(size_t i) { (void)i; return NULL; }
const kx_rule_info *kx_rule_find(const char *id) { (void)id; return NULL; }
int kx_doc_validate(const kx_doc *doc, const kx_policy *p, int64_t now, const kx_doc *a, kx_diag *d) { (void)doc; (void)p; (void)now; (void)a; (void)d; return KX_OK; }
