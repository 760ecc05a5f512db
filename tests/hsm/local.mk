# PKCS#11 token tests on throwaway SoftHSMv2 tokens (tests/hsm/softhsm.sh).
# A missing softhsm2/opensc skips (77) unless KX_REQUIRE_PEERS=1.
KX_HSM_TESTS = tests/hsm/tokens.sh tests/hsm/demo-tokens.sh
TESTS += $(KX_HSM_TESTS)
EXTRA_DIST += $(KX_HSM_TESTS) tests/hsm/softhsm.sh
