/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
#ifndef KX_CLI_H
#define KX_CLI_H
int cli_main(int argc, char **argv);
#endif
