/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include "internal.h"
int kx_secret_new(size_t n, kx_secret **o) { (void)n; *o = NULL; return KX_EUNSUPPORTED; }
int kx_secret_from(const void *p, size_t n, kx_secret **o) { (void)p; (void)n; *o = NULL; return KX_EUNSUPPORTED; }
const uint8_t *kx_secret_data(const kx_secret *s) { (void)s; return NULL; }
uint8_t *kx_secret_mut(kx_secret *s) { (void)s; return NULL; }
size_t kx_secret_len(const kx_secret *s) { (void)s; return 0; }
void kx_secret_truncate(kx_secret *s, size_t n) { (void)s; (void)n; }
void kx_secret_free(kx_secret *s) { (void)s; }
int kx_secmem_init(size_t n) { (void)n; return 0; }
unsigned kx_strength(enum kx_alg a, unsigned b, enum kx_hash h) { (void)a; (void)b; (void)h; return 0; }
unsigned kx_wrap_strength(enum kx_wrap_alg w, enum kx_alg a, unsigned b) { (void)w; (void)a; (void)b; return 0; }
