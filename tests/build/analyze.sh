#!/bin/sh
# Static analysis of our C code: cppcheck's warning class (null pointer
# use before its check, out-of-bounds index, uninitialised reads, leaks)
# must stay empty.  Generated code (codec/asn1, codec/schemas.c) is not
# ours and is not checked.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need cppcheck
cd "$SRC"
files=$(find codec tools -name '*.c' ! -path 'codec/asn1/*' \
    ! -name schemas.c | LC_ALL=C sort)
out=${KX_BUILDDIR:?}/tests/build/analyze.out
mkdir -p "$(dirname "$out")"
# KX_PRINTF is a GCC attribute macro cppcheck cannot expand by itself;
# KX_PKGDATADIR comes from the Makefile.
# shellcheck disable=SC2086 # $files: one word per file
if ! cppcheck -q --enable=warning --library=posix --inline-suppr \
    --error-exitcode=1 -D'KX_PRINTF(a,b)=' \
    -D'KX_PKGDATADIR="/usr/local/share/kmsxchg"' -I codec -I codec/model -I codec/check -I tools \
    $files >"$out" 2>&1 || [ -s "$out" ]; then
	cat "$out"
	echo "FAIL: cppcheck reports the findings above"
	exit 1
fi
rm -f "$out"
echo "cppcheck: no warnings in codec/ and tools/"
