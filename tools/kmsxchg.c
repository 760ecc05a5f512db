/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#include <stdio.h>
#include "kmsxchg.h"
#include "cli.h"
int main(int argc, char **argv) { return cli_main(argc, argv); }
