# Golden outputs of the samples and a generated 10k-key document
# (byte-identical across the streaming reshape, issue 8 item 5).
# golden-100k.sh: digests of every command's output at 100,000 keys
# (issue 12), ~20 s CPU.
KX_GOLDEN_TESTS = tests/golden/golden.sh tests/golden/golden-100k.sh
TESTS += $(KX_GOLDEN_TESTS)
EXTRA_DIST += $(KX_GOLDEN_TESTS) tests/golden/common.sh tests/golden/expected \
	tests/golden/expected-100k.sha256 tests/bench/gen.sh
