#!/bin/sh
# golden-100k.sh [--update] - the outputs at migration scale, byte for
# byte (issue 12: "a generated 100k-key document").  For gen.sh's
# 100,000-key document: convert --to xml, XML -> DER, DER -> XML,
# validate --format json (of the XML and of the DER) and show; for
# genbound's 100,000 bound keys (tests/cli/gen-bound.sh's document):
# rewrap XML -> XML and DER -> DER (-j 2 against -j 1 is
# tests/cli/cases/rewrap-jobs*'s).  The SHA-256 of each
# output and every exit status are compared with
# tests/golden/expected-100k.sha256, written by main cd118a4's binary;
# --update rewrites it (only when an output is meant to change: say why
# in the commit).
set -eu
KX=${KX_BUILDDIR:?}/tools/kmsxchg
GB=$KX_BUILDDIR/tests/bench/genbound
SRC=${KX_SRCDIR:?}
EXP=$SRC/tests/golden/expected-100k.sha256
NOW=2026-06-01
N=100000
[ -x "$GB" ] || { echo "FAIL: needs $GB (built by make check)"; exit 1; }
. "$SRC/tests/golden/common.sh"
"$SRC/tests/bench/gen.sh" "$N" >"$t/g.xml"
cd "$t"
run g.to-xml convert --to xml g.xml
run g.to-der.out convert --to der -o "$t/out/g.to-der" g.xml
run g.back-xml convert --to xml out/g.to-der
run g.validate.json validate --now "$NOW" --format json g.xml
run g.validate-der.json validate --now "$NOW" --format json out/g.to-der
run g.show show g.xml
rm -f g.xml
cp "$SRC"/samples/keys/tk-2026-001.? "$t"/
printf '%064d\n' 8 >"$t/lmk2"
chmod 600 "$t"/tk-2026-001.? "$t/lmk2"
C="$t/tk-2026-001.1 $t/tk-2026-001.2 $t/tk-2026-001.3"
K="--from-kek-component $t/tk-2026-001.1 --from-kek-component $t/tk-2026-001.2 --from-kek-component $t/tk-2026-001.3"
PROF=$SRC/samples/exchange/isd-keys.profile.xml
# shellcheck disable=SC2086 # the component files
"$GB" "$N" xml "$PROF" "$t/b.xml" $C
# shellcheck disable=SC2086
"$GB" "$N" der "$PROF" "$t/b.der" $C
for f in xml der; do
	# shellcheck disable=SC2086 # the option words
	run "b.rewrap-$f.out" rewrap $K \
	    --to-kek "file:$t/lmk2" --to-kek-id LMK-2 \
	    --now 2026-02-01 -q -o "$t/out/b.rewrap-$f" "b.$f"
done
(cd out && sha256sum g.* b.* >"$t/sums" && cat status >>"$t/sums")
if [ "${1:-}" = --update ]; then
	cp "$t/sums" "$EXP"
	echo "digests of the 100,000-key outputs written to $EXP"
	exit 0
fi
diff "$EXP" "$t/sums" >"$t/diff" 2>&1 || {
	echo "FAIL: outputs at 100,000 keys differ from the golden outputs:"
	head -40 "$t/diff"
	exit 1
}
echo "100,000-key documents: $(wc -l <"$EXP") outputs and statuses byte-identical"
