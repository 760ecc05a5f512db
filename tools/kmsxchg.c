/*
 * kmsxchg.c - main(): process protections, then cli_main().
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include "cli.h"

/* Secure heap for kx_secret: keys, components, PEM private keys. */
#define SECMEM_SIZE (1u << 20)

int
main(int argc, char **argv)
{
	int r = kx_secmem_init(SECMEM_SIZE);

	/*
	 * 1: secure heap with locked pages.  2: no locking (RLIMIT_MEMLOCK),
	 * 0: none.  Secrets are still wiped on free, so warn and go on.
	 */
	if (r == 2)
		fputs("kmsxchg: warning: secure heap pages could not be locked "
		    "in memory\n", stderr);
	else if (r != 1)
		fputs("kmsxchg: warning: no secure heap; key material uses "
		    "ordinary memory (wiped after use)\n", stderr);
	cli_signals();
	return cli_main(argc, argv, stdout, stderr);
}
