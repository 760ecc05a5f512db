#!/bin/sh
# xmllint-samples.sh - every valid native exchange sample must validate
# against schema/kmsxchg.xsd with xmllint, a validator we did not write
# (interop.md).  Exit 77 (skip) when xmllint is missing, unless
# KX_REQUIRE_PEERS=1, where a missing peer is a failure.
set -u

top=${KX_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
schema="$top/schema/kmsxchg.xsd"

if ! command -v xmllint >/dev/null 2>&1; then
	if [ "${KX_REQUIRE_PEERS:-0}" = 1 ]; then
		echo "xmllint-samples: xmllint not found (libxml2-utils)" >&2
		exit 1
	fi
	echo "xmllint-samples: SKIP: xmllint not found (libxml2-utils)"
	exit 77
fi

# The schema itself must be a well-formed schema document.
if ! xmllint --noout --nonet "$schema"; then
	echo "xmllint-samples: $schema is not well-formed" >&2
	exit 1
fi

n=0
fail=0
for f in "$top"/samples/exchange/*.xml; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if ! xmllint --noout --nonet --schema "$schema" "$f"; then
		echo "xmllint-samples: FAIL: $f" >&2
		fail=1
	fi
done
if [ "$n" -eq 0 ]; then
	echo "xmllint-samples: no samples under $top/samples/exchange" >&2
	exit 1
fi

# The checker must be able to fail: a sample with a bad enum is refused.
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
sed -e '0,/<State>active<\/State>/s//<State>enabled<\/State>/' \
    "$top/samples/exchange/manufacturer-to-issuer.xml" >"$tmp/bad.xml"
if xmllint --noout --nonet --schema "$schema" "$tmp/bad.xml" \
    2>/dev/null; then
	echo "xmllint-samples: a broken sample validated" >&2
	fail=1
fi

echo "xmllint-samples: $n sample(s) checked"
exit $fail
