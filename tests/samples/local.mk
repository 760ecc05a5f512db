# Sample-level tests: round trips and invalid samples named after rules.
KX_SAMPLE_TESTS = tests/samples/roundtrip.sh tests/samples/invalid.sh
TESTS += $(KX_SAMPLE_TESTS)
EXTRA_DIST += $(KX_SAMPLE_TESTS)
