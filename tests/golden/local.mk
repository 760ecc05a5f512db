# Golden outputs of the samples and a generated 10k-key document
# (byte-identical across the streaming reshape, issue 8 item 5).
KX_GOLDEN_TESTS = tests/golden/golden.sh
TESTS += $(KX_GOLDEN_TESTS)
EXTRA_DIST += $(KX_GOLDEN_TESTS) tests/golden/expected tests/bench/gen.sh
