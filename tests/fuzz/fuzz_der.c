/* fuzz_der.c - libFuzzer target: the native DER reader (kmsxchg.asn1). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define KXF_FORMAT KX_FMT_DER
#include "fuzz_doc.h"
