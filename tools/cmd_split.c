/* STUB: placeholder so main builds; the owning branch replaces this file.  On a merge conflict keep the branch version. */
extern int kx_cli_stub_split;
int kx_cli_stub_split;
