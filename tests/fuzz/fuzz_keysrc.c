/*
 * fuzz_keysrc.c - libFuzzer target: key sources (kx_keysrc_load).  The
 * first byte picks the kind, the rest is what the source holds:
 *   0  fd:N, a memory file with the rest as its content (raw, hex, PEM)
 *   1  env:KX_FUZZ_KEY set to the rest (up to a NUL; putenv of one
 *      static buffer, as setenv would leak a copy per run)
 *   2  hex:REST (up to a NUL)
 *   3  the rest is the whole spec (up to a NUL), unless it would read a
 *      file or a descriptor (file:, fd:), which the fuzzer must not name
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define KXF_NO_INIT
#include "fuzz.h"

#define ENV_NAME "KX_FUZZ_KEY="
#define ENV_MAX 8192

static char env[sizeof(ENV_NAME) + ENV_MAX];

static void
load(const char *spec)
{
	kx_diag *d = kx_diag_new();
	kx_secret *s = NULL;
	int insecure, r;

	r = kx_keysrc_load(spec, &s, &insecure, d);
	(void)r;
	kx_secret_free(s);
	kx_diag_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = NULL, spec[32];
	int fd = -1;

	if (size < 1)
		return 0;
	/* NUL-terminated copy of the rest, with room for a "hex:" prefix */
	if ((text = calloc(1, size + 4)) == NULL)
		abort();
	memcpy(text + 4, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		if ((fd = memfd_create("kxfuzz", MFD_CLOEXEC)) < 0 ||
		    (size > 1 && write(fd, data + 1, size - 1) !=
		    (ssize_t)(size - 1)) || lseek(fd, 0, SEEK_SET) != 0)
			abort();
		(void)snprintf(spec, sizeof(spec), "fd:%d", fd);
		load(spec);
		break;
	case 1:
		memcpy(env, ENV_NAME, sizeof(ENV_NAME) - 1);
		(void)snprintf(env + sizeof(ENV_NAME) - 1, ENV_MAX + 1, "%s",
		    text + 4);
		if (putenv(env) != 0)
			abort();
		load("env:KX_FUZZ_KEY");
		break;
	case 2:
		memcpy(text, "hex:", 4);
		load(text);
		break;
	default:
		if (strncmp(text + 4, "file:", 5) != 0 &&
		    strncmp(text + 4, "fd:", 3) != 0)
			load(text + 4);
		break;
	}
	if (fd >= 0)
		close(fd);
	free(text);
	return 0;
}
