#!/bin/sh
# xmllint (libxml2-utils) judges the GP KeyProfile side:
#  - every valid sample in samples/gp/ follows schema/gp-keyprofile-1.1.0.xsd;
#  - a document missing the required KeyInfo/@Type does not (the XSD is not
#    a rubber stamp);
#  - when the tool is built, what `kmsxchg convert --to gp` writes from the
#    1.1.0-expressible artefacts validates too.
# Exit 77 when xmllint is missing, unless KX_REQUIRE_PEERS=1.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need xmllint
XSD=$SRC/schema/gp-keyprofile-1.1.0.xsd
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# The 1.1.1 and 1.1.2 samples (GP's JAXB shape) have the 1.1.0 structure:
# checked against the same XSD under the 1.1.0 namespace.
n=0
for f in "$SRC"/samples/gp/*.xml; do
	sed 's|systems-profiles/1\.1\.[12]"|systems-profiles/1.1.0"|' "$f" \
	    >"$t/sample.xml"
	xmllint --noout --nonet --schema "$XSD" "$t/sample.xml" 2>"$t/err" || {
		echo "FAIL: $f does not follow the GP XSD"; cat "$t/err"; exit 1; }
	n=$((n + 1))
done
[ "$n" -ge 10 ] || { echo "FAIL: expected >= 10 GP samples, found $n"; exit 1; }

# GP's list convention is required: a Revisions without it is refused.
sed 's|<Revisions arrayElement="Revision" arrayIndex="#">|<Revisions>|' \
    "$SRC/samples/gp/isd-enc.xml" >"$t/nolist.xml"
if xmllint --noout --nonet --schema "$XSD" "$t/nolist.xml" 2>/dev/null; then
	echo "FAIL: the XSD accepts a Revisions without arrayElement"; exit 1
fi

if xmllint --noout --nonet --schema "$XSD" \
    "$SRC/samples/gp/invalid/missing-type.xml" 2>/dev/null; then
	echo "FAIL: the XSD accepts a KeyInfo without Type"; exit 1
fi

if [ -x "$KX" ] && "$KX" convert --help >/dev/null 2>&1; then
	for f in "$SRC"/samples/gp/artefacts/v10-dates-111.xml \
	    "$SRC"/samples/gp/*.xml; do
		b=$(basename "$f" .xml)
		"$KX" convert --to gp -o "$t/$b.xml" "$f" 2>"$t/err" || {
			echo "FAIL: convert --to gp $f"; cat "$t/err"; exit 1; }
		xmllint --noout --nonet --schema "$XSD" "$t/$b.xml" \
		    2>"$t/err" || {
			echo "FAIL: our GP output for $f"; cat "$t/err"; exit 1; }
	done
fi
echo "$n GP samples valid under xmllint"
