/* err.c - error texts, from the one table in errors.def. */
#include "internal.h"

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
