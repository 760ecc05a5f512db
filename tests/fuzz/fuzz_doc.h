/*
 * fuzz_doc.h - the body of the three document-reader targets
 * (fuzz_xml.c, fuzz_der.c, fuzz_gp.c): read the input as KXF_FORMAT,
 * and when it is accepted, validate it, write it in every format and
 * hold it to the round-trip oracle (tests/oracle/oracle.h: every format
 * that carries it and back to the same model, its native XML valid
 * against the XSD, a summary without control characters), aborting on
 * a mismatch (issue 11 item 2).
 */
#ifndef KX_FUZZ_DOC_H
#define KX_FUZZ_DOC_H

#define KXF_NO_INIT
#include "fuzz.h"
#include "oracle.h"

/* GP is written one key at a time: at most this many keys per input. */
#define KXF_ORACLE_KEYS 4

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kx_diag *d = kx_diag_new();
	kx_doc *doc = NULL;
	char why[512];
	int r;

	if (kx_doc_read(data, size, KXF_FORMAT, "fuzz", &doc, d) == KX_OK) {
		r = kx_doc_validate(doc, NULL, KXF_NOW, NULL, d);
		(void)r;
		kxf_write_all(doc);
		if (kxo_roundtrip(data, size, KXF_FORMAT, KXF_ORACLE_KEYS, why,
		    sizeof(why)) < 0) {
			fprintf(stderr, "round trip: %s\n", why);
			abort();
		}
	}
	kx_doc_free(doc);
	kx_diag_free(d);
	return 0;
}

#endif /* KX_FUZZ_DOC_H */
