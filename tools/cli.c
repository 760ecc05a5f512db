/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include <stdio.h>
#include "cli.h"
int cli_main(int argc, char **argv) { (void)argc; (void)argv; fputs("kmsxchg: not yet\n", stderr); return 2; }
