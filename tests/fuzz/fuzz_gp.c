/* fuzz_gp.c - libFuzzer target: the GlobalPlatform KeyProfile XML reader. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define KXF_FORMAT KX_FMT_GP
#include "fuzz_doc.h"
