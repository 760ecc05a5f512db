#!/bin/sh
# golden.sh [--update] - the outputs of the code as it was before the
# streaming reshape (issue 8 item 5), kept so that the reshape provably
# changes no byte.  For every sample and template (samples/exchange/*.xml
# and *.der, samples/gp/*.xml, profiles/templates/*.xml): convert --to
# xml, --to der and --to gp, validate --format json and show (standard
# output and exit status; the reference time is fixed); for a generated
# 10,000-key document (tests/bench/gen.sh) the SHA-256 of the same
# outputs.  Compares against tests/golden/expected/; --update rewrites it
# (only when an output is meant to change: say why in the commit).
set -eu
KX=${KX_BUILDDIR:?}/tools/kmsxchg
SRC=${KX_SRCDIR:?}
EXP=$SRC/tests/golden/expected
NOW=2026-06-01
update=0
[ "${1:-}" = --update ] && update=1
. "$SRC/tests/golden/common.sh"

n=0
cd "$SRC"
for f in samples/exchange/*.xml samples/exchange/*.der samples/gp/*.xml \
    profiles/templates/*.xml; do
	[ -f "$f" ] || continue
	b=$(echo "$f" | tr / _)
	run "$b.to-xml" convert --to xml "$f"
	run "$b.to-der" convert --to der -o "$t/der" "$f"
	mv "$t/der" "$t/out/$b.to-der" 2>/dev/null || :
	run "$b.to-gp" convert --to gp "$f"
	run "$b.validate.json" validate --now "$NOW" --format json "$f"
	run "$b.show" show "$f"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no samples found"; exit 1; }

# the generated document: digests only
"$SRC/tests/bench/gen.sh" 10000 >"$t/g10k.xml"
cd "$t"
run g10k.to-xml convert --to xml g10k.xml
run g10k.to-der convert --to der -o "$t/der" g10k.xml
mv "$t/der" "$t/out/g10k.to-der"
run g10k.back-xml convert --to xml out/g10k.to-der
run g10k.validate.json validate --now "$NOW" --format json g10k.xml
run g10k.validate-der.json validate --now "$NOW" --format json \
    out/g10k.to-der
run g10k.show show g10k.xml
(cd out && sha256sum g10k.* >g10k.sha256 && rm -f g10k.to-* g10k.back-* \
    g10k.validate* g10k.show)

if [ "$update" = 1 ]; then
	rm -rf "$EXP"
	cp -R "$t/out" "$EXP"
	echo "golden outputs of $n samples and g10k written to $EXP"
	exit 0
fi
diff -r "$EXP" "$t/out" >"$t/diff" 2>&1 || {
	echo "FAIL: outputs differ from the golden outputs:"
	head -40 "$t/diff"
	exit 1
}
echo "$n samples and a 10,000-key document: outputs byte-identical"
