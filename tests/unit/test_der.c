/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
static void stub(void **state) { (void)state; skip(); }
int main(void) { const struct CMUnitTest t[] = { cmocka_unit_test(stub) }; return cmocka_run_group_tests(t, NULL, NULL); }
