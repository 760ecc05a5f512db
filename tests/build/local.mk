# Build-level checks: exported ABI and banned functions.
KX_BUILD_TESTS = tests/build/abi.sh tests/build/banned.sh \
	tests/build/formats.sh
TESTS += $(KX_BUILD_TESTS)
EXTRA_DIST += $(KX_BUILD_TESTS) codec/kmsxchg.sym
