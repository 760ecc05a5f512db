# Build-level checks: exported ABI, banned functions, static analysis.
KX_BUILD_TESTS = tests/build/abi.sh tests/build/banned.sh \
	tests/build/analyze.sh
TESTS += $(KX_BUILD_TESTS)
EXTRA_DIST += $(KX_BUILD_TESTS) codec/kmsxchg.sym
CLEANFILES += tests/build/analyze.out
