/* fuzz_der.c - libFuzzer target: the native ASN.1 DER (schema/kmsxchg.asn1) reader. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define KXF_FORMAT KX_FMT_DER
#include "fuzz_doc.h"
