# Build-level checks: exported ABI, banned functions, format-neutral hub,
# config.h first.
KX_BUILD_TESTS = tests/build/abi.sh tests/build/banned.sh \
	tests/build/formats.sh tests/build/config-first.sh
TESTS += $(KX_BUILD_TESTS)
EXTRA_DIST += $(KX_BUILD_TESTS) codec/kmsxchg.sym
