/*
 * fuzz_doc.h - the body of the three document-reader targets
 * (fuzz_xml.c, fuzz_der.c, fuzz_gp.c): read the input as KXF_FORMAT,
 * and when it is accepted, validate it and write it in every format.
 */
#ifndef KX_FUZZ_DOC_H
#define KX_FUZZ_DOC_H

#define KXF_NO_INIT
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kx_diag *d = kx_diag_new();
	kx_doc *doc = NULL;
	int r;

	if (kx_doc_read(data, size, KXF_FORMAT, "fuzz", &doc, d) == KX_OK) {
		r = kx_doc_validate(doc, NULL, KXF_NOW, NULL, d);
		(void)r;
		kxf_write_all(doc);
	}
	kx_doc_free(doc);
	kx_diag_free(d);
	return 0;
}

#endif /* KX_FUZZ_DOC_H */
