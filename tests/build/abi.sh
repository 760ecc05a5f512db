#!/bin/sh
# The installed library exports exactly the symbols in codec/kmsxchg.sym:
# every kx_ function, and no kxi_ internals or asn1c symbols.
set -eu
lib=${KX_BUILDDIR:?}/codec/.libs/libkmsxchg.so
[ -f "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }
t=$(mktemp)
trap 'rm -f "$t"' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRB]$/ { print $3 }' | sort > "$t"
if ! diff -u "${KX_SRCDIR:?}/codec/kmsxchg.sym" "$t"; then
	echo "FAIL: exported symbols differ from codec/kmsxchg.sym"
	exit 1
fi
if grep -v '^kx_' "$t"; then
	echo "FAIL: non-kx_ symbols exported"
	exit 1
fi
echo "$(wc -l < "$t") symbols, all kx_, as listed"
