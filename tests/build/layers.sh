#!/bin/sh
# Dependencies point down only (issue 8 item 4, doc/hacking.md "The shape
# of codec/").  The graph is derived from the built library, not from the
# sources: every object of libkx_core.a (asn1c's excepted) is a node, and a
# symbol one object uses (nm -u) that another defines is an edge from the
# first file to the second.  The layers, lowest first:
#
#   0 model       codec/model/*, codec/schemas.c (the embedded XSDs)
#   1 crypto      codec/crypto/*
#   2 formats     codec/formats/*
#   3 check       codec/check/*
#   4 operations  codec/exchange.c, codec/view.c, codec/audit.c, codec/hsm/*
#
# The test fails on an edge from a lower layer to a higher one, on any
# cycle between files (in a layer or across; tsort finds it), on a file in
# no layer, and on an entry of the exceptions below that no longer exists.
set -eu
src=${KX_SRCDIR:?}
lib=${KX_BUILDDIR:?}/codec/.libs/libkx_core.a
[ -f "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }

# The documented exceptions, "from -> to : symbol", one a line:
#  - the format table (model/doc.c) names each format's row (data, no call):
#    one edge per spoke, the files of codec/formats/ that define a row
#    `const struct kxi_format kxi_format_NAME` (found, never listed here).
allowed=$(cd "$src" && grep -l '^const struct kxi_format kxi_format_[a-z0-9_]* = {' \
    codec/formats/*.c | while read -r f; do
	sed -n 's/^const struct kxi_format \(kxi_format_[a-z0-9_]*\) = {.*/\1/p' "$f" |
	    sed "s|^|codec/model/doc.c -> $f : |"
done)
[ -n "$allowed" ] || { echo "FAIL: no format rows in codec/formats/"; exit 1; }

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# member -> source file (found once under codec/ in the source tree)
for m in $(ar t "$lib" | grep -v '^libkx_asn1_la-'); do
	base=$(printf '%s\n' "$m" | sed -e 's/^lib[a-z0-9_]*_la-//' -e 's/\.o$/.c/')
	if [ "$base" = schemas.c ]; then
		f=codec/schemas.c
	else
		f=$(cd "$src" && find codec -name "$base" ! -path 'codec/asn1/*')
	fi
	case $f in
	''|*' '*|*"
"*)	echo "FAIL: object $m: no single source file ($f)"; exit 1 ;;
	esac
	printf '%s %s\n' "$m" "$f"
done > "$t/files"
n=$(wc -l < "$t/files")
[ "$n" -ge 30 ] || { echo "FAIL: only $n objects in $lib"; exit 1; }

layer() {
	case $1 in
	codec/model/*|codec/schemas.c)	echo 0 ;;
	codec/crypto/*)			echo 1 ;;
	codec/formats/*)		echo 2 ;;
	codec/check/*)			echo 3 ;;
	codec/exchange.c|codec/view.c|codec/audit.c|codec/hsm/*) echo 4 ;;
	*)				echo - ;;
	esac
}
fail=0
while read -r m f; do
	l=$(layer "$f")
	if [ "$l" = - ]; then
		echo "FAIL: $f is in no layer (add it to tests/build/layers.sh and doc/hacking.md)"
		fail=1
	fi
	printf '%s %s %s\n' "$m" "$f" "$l"
done < "$t/files" > "$t/layers"

# "D file symbol" for every global definition, "U file symbol" for every use
nm -A -P "$lib" 2>/dev/null | awk -v map="$t/layers" '
BEGIN { while ((getline line < map) > 0) { split(line, a, " "); f[a[1]] = a[2] } }
{
	m = $1; sub(/^.*\[/, "", m); sub(/\]:$/, "", m)
	if (!(m in f)) next
	if ($3 == "U") print "U", f[m], $2
	else if ($3 ~ /^[TDBRVWGS]$/) print "D", f[m], $2
}' > "$t/syms"
awk '$1 == "D" { def[$3] = $2 } $1 == "U" { use[NR] = $2 " " $3 }
END { for (i in use) { split(use[i], a, " ")
	if ((a[2] in def) && def[a[2]] != a[1]) print a[1], "->", def[a[2]], ":", a[2] } }' \
    "$t/syms" | sort -u > "$t/edges"
e=$(wc -l < "$t/edges")
[ "$e" -ge 100 ] || { echo "FAIL: only $e cross-file references found"; exit 1; }
printf '%s\n' "$allowed" | sort -u > "$t/allowed"

# stale exceptions
if comm -13 "$t/edges" "$t/allowed" | grep .; then
	echo "FAIL: the exceptions above no longer exist: drop them from tests/build/layers.sh and doc/hacking.md"
	fail=1
fi
comm -23 "$t/edges" "$t/allowed" > "$t/checked"

# upward edges
while read -r from arrow to colon sym; do
	lf=$(awk -v f="$from" '$2 == f { print $3 }' "$t/layers")
	lt=$(awk -v f="$to" '$2 == f { print $3 }' "$t/layers")
	case $lf$lt in *-*) continue ;; esac
	if [ "$lf" -lt "$lt" ]; then
		echo "FAIL: $from (layer $lf) calls up into $to (layer $lt): $sym"
		fail=1
	fi
done < "$t/checked"

# cycles between files: tsort reports each loop it breaks
awk '{ print $1, $3 }' "$t/checked" | sort -u > "$t/pairs"
if ! tsort "$t/pairs" > "$t/order" 2> "$t/loops" || [ -s "$t/loops" ]; then
	# tsort names the files of each loop it finds, in order
	sed 's/^tsort: [^ ]*: /tsort: /' "$t/loops"
	echo "FAIL: a cycle between files (one loop after each 'contains a loop')"
	fail=1
fi
[ $fail = 0 ] || exit 1
echo "$n files, $(wc -l < "$t/pairs") file-to-file dependencies: all point down, no cycle"
