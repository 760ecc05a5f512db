/* err.c - error texts, from the one table in errors.def. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "internal.h"

/* errors.def is internal; kmsxchg.h writes the values out.  Every code of
 * the table has its value in the header (test_model checks the other way:
 * no code in the header that the table lacks). */
#define KX_ERR(name, value, text) \
	_Static_assert(name == (value), #name " differs in kmsxchg.h");
#include "errors.def"
#undef KX_ERR

const char *
kx_strerror(int rc)
{
	switch (rc) {
#define KX_ERR(name, value, text) case value: return text;
#include "errors.def"
#undef KX_ERR
	}
	return "unknown error";
}
