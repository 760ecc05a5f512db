# CMocka unit tests, one per codec file; they link libkx_core.la so the
# kxi_ internals are callable.
AM_CPPFLAGS = $(KX_CODEC_CPPFLAGS) $(CMOCKA_CFLAGS) \
	$(LIBXML2_CFLAGS) $(LIBCRYPTO_CFLAGS)
LDADD = codec/libkx_core.la $(CMOCKA_LIBS) $(LIBXML2_LIBS) \
	$(LIBCRYPTO_LIBS)

KX_UNIT_TESTS = \
	tests/unit/test_model \
	tests/unit/test_fields \
	tests/unit/test_exchange \
	tests/unit/test_asym \
	tests/unit/test_mutate \
	tests/unit/test_view \
	tests/unit/test_xmlsec \
	tests/unit/test_xml \
	tests/unit/test_der \
	tests/unit/test_gp \
	tests/unit/test_rules \
	tests/unit/test_policy \
	tests/unit/test_report \
	tests/unit/test_secmem \
	tests/unit/test_keysrc \
	tests/unit/test_files \
	tests/unit/test_kcv \
	tests/unit/test_wrap \
	tests/unit/test_split \
	tests/unit/test_tr31 \
	tests/unit/test_audit \
	tests/unit/test_hygiene \
	tests/unit/test_text \
	tests/unit/test_canon \
	tests/unit/test_api_null \
	tests/unit/test_api \
	tests/unit/test_p11uri \
	tests/unit/test_roundtrip \
	tests/unit/test_stream
check_PROGRAMS += $(KX_UNIT_TESTS)
TESTS += $(KX_UNIT_TESTS)
EXTRA_DIST += tests/unit/kxtest.h

# The round-trip oracle (tests/oracle) is shared with the fuzz targets.
tests_unit_test_roundtrip_SOURCES = tests/unit/test_roundtrip.c \
	tests/oracle/oracle.c tests/oracle/oracle.h
tests_unit_test_roundtrip_CPPFLAGS = $(AM_CPPFLAGS) $(KX_ORACLE_CPPFLAGS)
