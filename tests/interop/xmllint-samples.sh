#!/bin/sh
# xmllint-samples.sh - our native XML judged by a validator we did not
# write (interop.md): every samples/exchange/*.xml, and what kmsxchg
# writes from it, must validate against schema/kmsxchg.xsd with xmllint;
# a broken sample must not.  Skips (77) without xmllint (libxml2-utils)
# unless KX_REQUIRE_PEERS=1, where a missing peer fails.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need xmllint

schema="$SRC/schema/kmsxchg.xsd"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

xmllint --noout --nonet "$schema"
n=0
fail=0
for f in "$SRC"/samples/exchange/*.xml; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if ! xmllint --noout --nonet --schema "$schema" "$f"; then
		echo "FAIL: $f does not validate" >&2
		fail=1
	fi
	if [ -x "$KX" ]; then
		b=$(basename "$f")
		if ! "$KX" convert --to xml -o "$tmp/$b" "$f" ||
		    ! xmllint --noout --nonet --schema "$schema" "$tmp/$b"; then
			echo "FAIL: kmsxchg output for $f does not validate" >&2
			fail=1
		fi
	fi
done
if [ "$n" -eq 0 ]; then
	echo "FAIL: no samples under $SRC/samples/exchange" >&2
	exit 1
fi

# The check must be able to fail: an unknown state is refused.
sed -e '0,/<State>active<\/State>/s//<State>enabled<\/State>/' \
    "$SRC/samples/exchange/manufacturer-to-issuer.xml" >"$tmp/bad.xml"
if xmllint --noout --nonet --schema "$schema" "$tmp/bad.xml" 2>/dev/null
then
	echo "FAIL: a broken sample validated" >&2
	fail=1
fi

echo "$n sample(s) validated with xmllint"
exit $fail
