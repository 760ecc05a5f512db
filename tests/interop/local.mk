# Interop tests: real peers judge our output (shared/docs/interop.md).
# A missing peer exits 77 (skip) unless KX_REQUIRE_PEERS=1.
TEST_EXTENSIONS += .sh
SH_LOG_COMPILER = $(SHELL)
KX_INTEROP_TESTS = tests/interop/pycrypto-wrap.sh \
	tests/interop/pycrypto-bound.sh \
	tests/interop/pycrypto-gp.sh \
	tests/interop/pycrypto-gpparts.sh \
	tests/interop/pycrypto-tr31.sh \
	tests/interop/xmllint-samples.sh \
	tests/interop/xmllint-xsd-differ.sh \
	tests/interop/report-schemas.sh \
	tests/interop/xmllint-gp.sh \
	tests/interop/openssl-asn1parse.sh \
	tests/interop/openssl-asym.sh \
	tests/interop/openssl-rsa-aes-kwp.sh
TESTS += $(KX_INTEROP_TESTS)
EXTRA_DIST += $(KX_INTEROP_TESTS) tests/interop/peers.sh \
	tests/interop/pycrypto-wrap.py tests/interop/pycrypto-bound.py \
	tests/interop/pycrypto-gp.py tests/interop/pycrypto-gpparts.py \
	tests/interop/pycrypto-tr31.py \
	tests/interop/kxder.py tests/interop/gpxml.py \
	tests/interop/report-schemas.py \
	tests/interop/xsd-mutants.txt
tests/interop/openssl-asn1parse.log: tests/unit/test_der.log
