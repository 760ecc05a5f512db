# PKCS#11 token tests on throwaway SoftHSMv2 tokens (tests/hsm/softhsm.sh);
# faults.sh goes through the fault-injecting test module faultp11.so,
# which also emulates CKM_XOR_BASE_AND_DATA (KX_FAULT_XOR) for the
# in-token combine.
# A missing softhsm2/opensc skips (77) unless KX_REQUIRE_PEERS=1.
KX_HSM_TESTS = tests/hsm/tokens.sh tests/hsm/faults.sh tests/hsm/bound.sh \
	tests/hsm/demo-tokens.sh tests/hsm/kcv-policy.sh tests/hsm/harden.sh
TESTS += $(KX_HSM_TESTS)
EXTRA_DIST += $(KX_HSM_TESTS) tests/hsm/softhsm.sh tests/hsm/pre-d2.xml

# faultp11.so: a fault-injecting PKCS#11 module for the tests only (it
# forwards to SoftHSM; tests/hsm/faultp11.c).  -rpath makes libtool build
# a loadable shared object although it is never installed.
check_LTLIBRARIES += tests/hsm/faultp11.la
tests_hsm_faultp11_la_SOURCES = tests/hsm/faultp11.c
tests_hsm_faultp11_la_CPPFLAGS = $(P11KIT_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_hsm_faultp11_la_LIBADD = $(LIBCRYPTO_LIBS)
tests_hsm_faultp11_la_LDFLAGS = -module -avoid-version -shared \
	-rpath '$(abs_builddir)/tests/hsm'

# p11probe: what a token user with the PIN can do with a key (the ECB
# oracle of CKM_AES_ECB_ENCRYPT_DATA, setting CKA_DERIVE or CKA_DECRYPT,
# reading CKA_VALUE), independent of libkmsxchg (tests/hsm/p11probe.c).
check_PROGRAMS += tests/hsm/p11probe
tests_hsm_p11probe_SOURCES = tests/hsm/p11probe.c
tests_hsm_p11probe_CPPFLAGS = $(P11KIT_CFLAGS)

# p11attack: the reviewer's attacks of rev10b (unwrap into a template of
# one's own, copy or set usages, wrap under one's own key) and the
# Security Officer's trusted KEK (tests/hsm/p11attack.c).
check_PROGRAMS += tests/hsm/p11attack
tests_hsm_p11attack_SOURCES = tests/hsm/p11attack.c
tests_hsm_p11attack_CPPFLAGS = $(P11KIT_CFLAGS)
