#!/bin/sh
# openssl-asn1parse.sh - OpenSSL, a DER parser we did not write, must parse
# every DER the suite writes: samples/exchange/*.der (committed twins of
# the XML samples) and the files test_der leaves in tests/unit/ of the
# build tree.  Each must parse whole (no -strparse), its outer SEQUENCE
# must span the file, and its first component must be the kmsxchg
# content-type OID.  Exit 77 (skip) when openssl or all inputs are
# missing, unless KX_REQUIRE_PEERS=1 (then exit 1).
set -u
. "${KX_SRCDIR:?}/tests/interop/peers.sh"

build=${KX_BUILDDIR:?}
oid=1.3.6.1.4.1.99999.1.2.1
openssl=${OPENSSL:-openssl}
kx_need "$openssl"

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
fail=0
for f in "$SRC"/samples/exchange/*.der "$build"/tests/unit/test_der-*.der
do
	[ -f "$f" ] || continue
	n=$((n + 1))
	if ! "$openssl" asn1parse -inform DER -in "$f" >"$tmp/out" \
	    2>"$tmp/err"; then
		echo "FAIL: $f: openssl asn1parse refused it:"
		cat "$tmp/err"
		fail=1
		continue
	fi
	size=$(wc -c <"$f" | tr -d ' ')
	# line 1: "    0:d=0  hl=H l=L cons: SEQUENCE"; hl + l must be the size
	set -- $(sed -n '1s/.*hl= *\([0-9]*\) l= *\([0-9]*\) cons: SEQUENCE.*/\1 \2/p' \
	    "$tmp/out")
	if [ $# -ne 2 ] || [ $(($1 + $2)) -ne "$size" ]; then
		echo "FAIL: $f: not one SEQUENCE spanning $size bytes"
		head -1 "$tmp/out"
		fail=1
		continue
	fi
	if ! sed -n 2p "$tmp/out" | grep -q "OBJECT *:$oid\$"; then
		echo "FAIL: $f: first component is not $oid"
		sed -n 2p "$tmp/out"
		fail=1
		continue
	fi
	echo "ok: $f ($size bytes)"
done

if [ "$n" -eq 0 ]; then
	echo "no DER files to check (test_der has not run, no samples)"
	[ "${KX_REQUIRE_PEERS:-0}" = 1 ] && exit 1
	exit 77
fi
exit $fail
