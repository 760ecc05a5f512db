#!/bin/sh
# Issue 12 item 3: asn1c's ASN_DEBUG is compiled out of the generated DER
# library.  asn1c 0.9.28 (asn_internal.h) makes it an empty static function
# unless EMIT_ASN_DEBUG is 1, so its arguments were still evaluated: every
# TLV called ber_tlv_tag_string() to format a tag nobody printed.  With
# ASN_DEBUG an empty macro (codec/asn1.mk), the only object that mentions
# ber_tlv_tag_string is the one defining it.
set -eu
lib=codec/.libs/libkx_asn1.a
if ! test -f "$lib"; then
	echo "FAIL: $lib not built"
	exit 1
fi
nm -A "$lib" >tests/build/asn1-debug.nm
if ! grep -q ' T ber_tlv_tag_string$' tests/build/asn1-debug.nm; then
	echo "FAIL: $lib does not define ber_tlv_tag_string (nm output changed?)"
	exit 1
fi
if grep -E ' U (ber_tlv_tag_string|ASN_DEBUG_f)$' tests/build/asn1-debug.nm
then
	echo "FAIL: ASN_DEBUG arguments are evaluated in release builds (above)"
	exit 1
fi
rm -f tests/build/asn1-debug.nm
echo "ASN_DEBUG compiled out of libkx_asn1"
