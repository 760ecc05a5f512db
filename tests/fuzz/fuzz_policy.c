/*
 * fuzz_policy.c - libFuzzer target: the policy document reader
 * (schema/policy.xsd); an accepted policy is applied to a sample-shaped
 * document so its rules, waivers and severities are exercised too.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fuzz.h"

static kx_doc *sample;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sample = kxf_src_doc("samples/exchange/full-profile.xml");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kx_diag *d = kx_diag_new();
	kx_policy *p = NULL;
	int r;

	if (kx_policy_read(data, size, "fuzz", &p, d) != KX_OK)
		goto out;
	r = kx_doc_validate(sample, p, KXF_NOW, NULL, d);
	(void)r;
out:
	kx_policy_free(p);
	kx_diag_free(d);
	return 0;
}
