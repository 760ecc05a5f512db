#!/bin/sh
# xmllint-xsd-differ.sh [FILE|DIR]... - the native XML reader accepts and
# refuses, at the schema level, exactly what `xmllint --noout --schema
# schema/kmsxchg.xsd` does (issue 12 item 2).  The reader checks the
# schema with compiled tables and falls back to libxml2's validator only
# where those are not sure (codec/formats/xml.c), so a compiled check that
# accepts too much shows here as a file xmllint refuses and we accept.
#
# Inputs: by default every .xml of samples/, profiles/, tests/data and the
# xml fuzz corpus and repro folders; or the files and folders given (the
# long fuzz run's work corpus, read in place); with the default inputs
# also the mutants of full-profile.xml and asym-keys.xml that
# xsd-mutants.txt lists.  Compared: the files whose
# root xmllint takes for {urn:kmsxchg:xml:ns:1}KeyExchange and that both
# parse.  Verdicts: xmllint exit 0 (valid) or 3 (invalid); kmsxchg show
# (default mode) reading the whole document, or refusing it with a KX002
# error.  Also counts how
# often the compiled checks alone (KMSXCHG_XSD=compiled) were not sure,
# each of those a fallback to libxml2's validator.  Fails on any
# disagreement, on a valid sample the compiled checks are not sure of
# (their tables behind the schema), and when fewer than MIN_FILES files
# were compared.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need xmllint
XSD=$SRC/schema/kmsxchg.xsd
MIN_FILES=${MIN_FILES:-300}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
MUTANTS=0
[ $# -gt 0 ] || MUTANTS=1
[ $# -gt 0 ] || set -- "$SRC/samples" "$SRC/profiles" "$SRC/tests/data" \
    "$SRC/tests/fuzz/corpus/xml" "$SRC/tests/fuzz/repro/xml"
for a in "$@"; do
	if [ -d "$a" ]; then
		find "$a" -type f \( -name '*.xml' -o -path '*/xml/*' \)
	elif [ -f "$a" ]; then
		echo "$a"
	fi
done | LC_ALL=C sort -u >"$T/list"
# the mutants of xsd-mutants.txt (with the default inputs only)
if [ "$MUTANTS" = 1 ]; then
	mkdir "$T/m"
	i=0
	grep -v '^#' "$SRC/tests/interop/xsd-mutants.txt" |
	while read -r base script; do
		i=$((i + 1))
		case $base in
		full) b=$SRC/samples/exchange/full-profile.xml ;;
		asym) b=$SRC/samples/exchange/asym-keys.xml ;;
		*) echo "bad mutant line: $base" >&2; exit 1 ;;
		esac
		sed -e "$script" "$b" >"$T/m/$i.xml"
		cmp -s "$b" "$T/m/$i.xml" && { echo "mutant $i changes nothing: $script" >&2; exit 1; }
		echo "$T/m/$i.xml"
	done >>"$T/list"
fi

# verdict FILE: the reader's, through show (which reads every key and
# runs no rules): valid, invalid (a KX002 error) or other (refused before
# the schema's verdict: not well-formed, over a limit, or a model check
# of the header such as KX133 that stops the reading first)
kx_verdict() {
	st=0
	"$KX" show "$1" >"$T/kx.out" 2>&1 || st=$?
	if [ "$st" -eq 0 ]; then
		echo valid
	elif grep -q 'error: \[KX002\]' "$T/kx.out"; then
		echo invalid
	else
		echo other
	fi
}

# every enumeration value of the schema is in the compiled tables (a value
# the tables lack would only show as a fallback, not as a disagreement)
sed -n '/^enum xs_simple {/,/^static const struct xs_st xs_st/p' \
    "$SRC/codec/formats/xml.c" >"$T/tables"
sed -n 's/.*<xs:enumeration value="\([^"]*\)".*/\1/p' "$XSD" |
while IFS= read -r v; do
	[ "$v" = 1 ] || grep -q "\"$v\"" "$T/tables" ||
	    { echo "FAIL: enumeration value $v missing from the tables"; exit 1; }
done

n=0 valid=0 invalid=0 other=0 bad=0 notsure=0 skipped=0 samplefb=0
while IFS= read -r f; do
	st=0
	xmllint --noout --nonet --schema "$XSD" "$f" >/dev/null \
	    2>"$T/xl.err" || st=$?
	case $st in
	0) xl=valid ;;
	3) xl=invalid ;;
	*) skipped=$((skipped + 1)); continue ;;
	esac
	if grep -q 'No matching global declaration' "$T/xl.err"; then
		skipped=$((skipped + 1))
		continue
	fi
	n=$((n + 1))
	kx=$(kx_verdict "$f")
	case $kx in
	other) other=$((other + 1)); continue ;;
	valid) valid=$((valid + 1)) ;;
	invalid) invalid=$((invalid + 1)) ;;
	esac
	if [ "$kx" != "$xl" ]; then
		bad=$((bad + 1))
		echo "DIFFER: $f: xmllint $xl, kmsxchg $kx"
		head -3 "$T/xl.err" "$T/kx.out"
	fi
	if [ "$(KMSXCHG_XSD=compiled kx_verdict "$f")" != "$kx" ]; then
		notsure=$((notsure + 1))
		[ "$kx" = invalid ] || echo "fallback on a valid file: $f"
		# the samples are in the writer's plain forms: a fallback
		# there means tables behind the schema (a value or element
		# added to kmsxchg.xsd only)
		case $f in
		"$SRC"/samples/*) [ "$kx" = invalid ] ||
		    samplefb=$((samplefb + 1)) ;;
		esac
	fi
done <"$T/list"
echo "compared $n files: $valid valid, $invalid invalid (both agree" \
    "unless listed), $other refused by kmsxchg before the schema;" \
    "$skipped not native or not well-formed; $bad disagreements;" \
    "the compiled checks alone were not sure of $notsure"
[ "$bad" -eq 0 ] || { echo "FAIL: $bad disagreements"; exit 1; }
[ "$samplefb" -eq 0 ] || { echo "FAIL: $samplefb valid samples need" \
    "libxml2's validator: the compiled tables lag the schema"; exit 1; }
[ "$n" -ge "$MIN_FILES" ] || { echo "FAIL: only $n files compared"; exit 1; }
echo "PASS"
