#!/bin/sh
# one-pass.sh - the native XML reader's one pass (libxml2's push parser,
# nodes of our own: codec/formats/xml.c, fx_*) says exactly what the
# compiled checks say on libxml2's xmlTextReader (KMSXCHG_XSD=reader):
# the same output, messages and exit status of validate and convert (DER)
# (issue 12 item 2).  The one pass hands a document over to the
# reader wherever it meets something unusual, reading it again up to the
# last element handed on; the mutants put that anywhere in a 24-key
# document: a comment, a processing instruction, CDATA, text, markup
# errors, an entity, a foreign or unknown element, attributes libxml2
# warns about or rewrites, the document cut short.  Also every native
# XML of samples/, tests/data and the xml fuzz corpus.
set -eu
KX=${KX_BUILDDIR:?}/tools/kmsxchg
SRC=${KX_SRCDIR:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
MIN_FILES=${MIN_FILES:-250}

sh "$SRC/tests/bench/gen.sh" 24 >"$T/base.xml"
nl=$(wc -l <"$T/base.xml")
mkdir "$T/m"
# mutant K at line L: kinds 0-11 insert after line L, 12-13 add an
# attribute to the first start tag of line L, 14 cuts the document there
i=0
L=3
while [ "$L" -lt "$nl" ]; do
	k=$((i % 15))
	i=$((i + 1))
	case $k in
	0) ins='<!-- c -->' ;;
	1) ins='<?pi x?>' ;;
	2) ins='<![CDATA[x]]>' ;;
	3) ins='text' ;;
	4) ins='<' ;;
	5) ins='&' ;;
	6) ins='&ent;' ;;
	7) ins='<x:Foo xmlns:x="urn:x">1</x:Foo>' ;;
	8) ins='<Foo>1</Foo>' ;;
	9) ins='</Key>' ;;
	10) ins='&#65;' ;;
	11) ins=']]>' ;;
	esac
	case $k in
	1[23])
		[ "$k" = 12 ] && a=' xmlns:q="rel"' || a=' a="x&amp;y" xml:lang="en"'
		awk -v L="$L" -v a="$a" 'NR == L { sub(/<[A-Za-z]+>/,
		    substr($0, match($0, /<[A-Za-z]+>/), RLENGTH - 1) a ">") }
		    { print }' "$T/base.xml" >"$T/m/$i.xml" ;;
	14) head -n "$L" "$T/base.xml" >"$T/m/$i.xml" ;;
	*) awk -v L="$L" -v s="$ins" '{ print } NR == L { print s }' \
	    "$T/base.xml" >"$T/m/$i.xml" ;;
	esac
	# a line without a plain start tag takes no attribute
	! cmp -s "$T/base.xml" "$T/m/$i.xml" || rm "$T/m/$i.xml"
	L=$((L + 11))
done
{
	ls "$T/m"/*.xml
	echo "$T/base.xml"
	find "$SRC/samples" "$SRC/tests/data" "$SRC/tests/fuzz/corpus/xml" \
	    -type f | LC_ALL=C sort | while IFS= read -r f; do
		if grep -q 'urn:kmsxchg:xml:ns:1' "$f" 2>/dev/null; then
			echo "$f"
		fi
	done
} >"$T/list"

# run MODE FILE DIR: the three commands' output, messages and status
run() {
	mkdir -p "$3"
	for c in validate convert; do
		st=0
		case $c in
		validate) KMSXCHG_XSD=$1 "$KX" validate --now 2026-06-01 "$2" ;;
		convert) KMSXCHG_XSD=$1 "$KX" convert -t der -o "$3/out.der" "$2" ;;
		esac >"$3/$c.out" 2>"$3/$c.err" || st=$?
		echo "$st" >"$3/$c.st"
	done
}

n=0 bad=0 refused=0
while IFS= read -r f; do
	n=$((n + 1))
	run reader "$f" "$T/a"
	run "" "$f" "$T/b"
	[ "$(cat "$T/a/validate.st")" = 0 ] || refused=$((refused + 1))
	if ! diff -r "$T/a" "$T/b" >"$T/diff"; then
		bad=$((bad + 1))
		echo "DIFFER: $f"
		head -10 "$T/diff"
	fi
	rm -rf "$T/a" "$T/b"
done <"$T/list"
echo "compared $n files ($(ls "$T/m" | wc -l) mutants), $refused refused by validate;" \
    "$bad differences"
[ "$bad" -eq 0 ] || { echo "FAIL: $bad differences"; exit 1; }
[ "$n" -ge "$MIN_FILES" ] || { echo "FAIL: only $n files compared"; exit 1; }
echo "PASS"
