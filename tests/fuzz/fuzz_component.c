/*
 * fuzz_component.c - libFuzzer target: the key component file reader
 * (kx_component_read, the "kmsxchg-component v1" text of split/combine).
 * An accepted component is written back and read again: the writer's
 * output must be accepted (a reader/writer disagreement aborts).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#define KXF_NO_INIT
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kx_diag *d = kx_diag_new();
	kx_component_info ci, ci2;
	kx_secret *v = NULL, *v2 = NULL;
	kx_buf b = { NULL, 0, 0, 0 };
	uint8_t *copy;

	/* the reader wipes the value's digits in place: give it a copy */
	if ((copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	if (kx_component_read(copy, size, "fuzz", &ci, &v, d) != KX_OK)
		goto out;
	if (kx_component_write(&ci, v, &b, d) != KX_OK ||
	    kx_component_read(b.data, b.len, "fuzz", &ci2, &v2, d) != KX_OK ||
	    kx_secret_len(v) != kx_secret_len(v2) ||
	    memcmp(kx_secret_data(v), kx_secret_data(v2),
	    kx_secret_len(v)) != 0)
		abort();
out:
	free(copy);
	kx_buf_free(&b);
	kx_secret_free(v);
	kx_secret_free(v2);
	kx_diag_free(d);
	return 0;
}
