/* fuzz_xml.c - libFuzzer target: the native exchange XML reader. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define KXF_FORMAT KX_FMT_XML
#include "fuzz_doc.h"
