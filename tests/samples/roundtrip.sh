#!/bin/sh
# Every valid sample round-trips byte for byte both ways:
#   canonical XML -> DER -> XML gives the same XML, and
#   DER -> XML -> DER gives the same DER.
# Samples are read from samples/exchange and profiles/templates.
set -eu
KX=${KX_BUILDDIR:?}/tools/kmsxchg
SRC=${KX_SRCDIR:?}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
n=0
for f in "$SRC"/samples/exchange/*.xml "$SRC"/profiles/templates/*.xml; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .xml)
	"$KX" convert --to xml -o "$t/$b.canon.xml" "$f"
	cmp "$f" "$t/$b.canon.xml" || {
		echo "FAIL: $f is not in canonical form"
		diff "$f" "$t/$b.canon.xml" | head -20
		exit 1
	}
	"$KX" convert --to der -o "$t/$b.der" "$f"
	"$KX" convert --to xml -o "$t/$b.back.xml" "$t/$b.der"
	cmp "$f" "$t/$b.back.xml" || {
		echo "FAIL: XML -> DER -> XML changed $f"
		diff "$f" "$t/$b.back.xml" | head -20
		exit 1
	}
	"$KX" convert --to der -o "$t/$b.again.der" "$t/$b.back.xml"
	cmp "$t/$b.der" "$t/$b.again.der" || {
		echo "FAIL: DER -> XML -> DER changed $f"; exit 1; }
	# a DER twin shipped beside the sample must be exactly ours
	if [ -f "${f%.xml}.der" ]; then
		cmp "${f%.xml}.der" "$t/$b.der" || {
			echo "FAIL: ${f%.xml}.der is stale"; exit 1; }
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no samples found"; exit 1; }
echo "$n samples round-trip both ways"
