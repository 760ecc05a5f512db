#!/bin/sh
# report-schemas.sh - our SARIF and JUnit reports judged by their
# published schemas: SARIF 2.1.0 JSON schema (OASIS, errata 01) with
# python3-jsonschema, JUnit XML against the Apache Ant JUnit schema as
# published by Windy Road with xmllint.  Sources: tests/data/SOURCES.md.
# A negative control per schema proves the validator can say no.
set -u
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need xmllint
kx_need_py jsonschema
kx_need "$KX"

SARIF_SCHEMA=$SRC/tests/data/sarif-schema-2.1.0.json
JUNIT_XSD=$SRC/tests/data/junit.xsd
NOW=2026-06-01T00:00:00Z
fail=0

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Inputs: every sample (valid and invalid), plus files that are not
# documents at all, one with a name that needs escaping and encoding.
printf 'not a key exchange' > "$tmp/junk.txt"
printf '<?xml version="1.0"?><a>' > "$tmp/q\"<&> x.xml"
set -- "$tmp/junk.txt" "$tmp/q\"<&> x.xml"
for f in "$SRC"/samples/exchange/*.xml "$SRC"/samples/exchange/*.der \
    "$SRC"/samples/invalid/*.xml "$SRC"/samples/gp/*.xml; do
	[ -f "$f" ] && set -- "$@" "$f"
done
echo "validating $# files"


for fmt in sarif junit json; do
	"$KX" validate --now "$NOW" --format "$fmt" "$@" >"$tmp/out.$fmt" \
	    2>"$tmp/err.$fmt"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
		echo "FAIL: kmsxchg validate --format $fmt exited $rc"
		cat "$tmp/err.$fmt"
		fail=1
	fi
done

# JUnit: valid against the schema; a copy without a required attribute
# is not.
if xmllint --noout --nonet --schema "$JUNIT_XSD" "$tmp/out.junit"; then
	echo "ok: JUnit report validates against junit.xsd"
else
	echo "FAIL: JUnit report does not validate"
	fail=1
fi
sed 's/ hostname="localhost"//' "$tmp/out.junit" >"$tmp/bad.junit"
if xmllint --noout --nonet --schema "$JUNIT_XSD" "$tmp/bad.junit" \
    2>/dev/null; then
	echo "FAIL: negative control: JUnit without hostname validated"
	fail=1
fi

# SARIF and JSON: python3-jsonschema (Debian) under /usr/bin/python3.
if [ -f "$SARIF_SCHEMA" ]; then
	/usr/bin/python3 "$SRC/tests/interop/report-schemas.py" \
	    "$SARIF_SCHEMA" "$tmp/out.sarif" "$tmp/out.json" || fail=1
else
	echo "FAIL: $SARIF_SCHEMA missing"
	fail=1
fi

# Issue 7 item 18: a run that stops early (a --policy that cannot be
# read) still writes a valid report saying so (exit 2), and JUnit carries
# the real time, not 1970.
for fmt in sarif junit json; do
	"$KX" validate --now "$NOW" --policy "$tmp/no-such-policy.xml" \
	    --format "$fmt" "$SRC/samples/exchange/full-profile.xml" \
	    >"$tmp/early.$fmt" 2>"$tmp/early-err.$fmt"
	rc=$?
	if [ $rc -ne 2 ] || ! grep -q 'No such file or directory' \
	    "$tmp/early.$fmt"; then
		echo "FAIL: early failure, --format $fmt: exit $rc, report:"
		cat "$tmp/early.$fmt"
		fail=1
	fi
done
if xmllint --noout --nonet --schema "$JUNIT_XSD" "$tmp/early.junit" &&
    grep -q 'timestamp="2[0-9][0-9][0-9]-' "$tmp/early.junit" &&
    ! grep -q 'timestamp="1970-' "$tmp/early.junit"; then
	echo "ok: early-failure JUnit report validates, timestamp is now"
else
	echo "FAIL: early-failure JUnit report"
	fail=1
fi
if grep -q '"executionSuccessful": false' "$tmp/early.sarif" &&
    /usr/bin/python3 "$SRC/tests/interop/report-schemas.py" \
    "$SARIF_SCHEMA" "$tmp/early.sarif" "$tmp/early.json"; then
	echo "ok: early-failure SARIF and JSON reports validate"
else
	echo "FAIL: early-failure SARIF/JSON report"
	fail=1
fi

if [ $fail -eq 0 ]; then
	echo "1 passed, 0 failed"
	exit 0
fi
exit 1
