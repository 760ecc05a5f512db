#!/bin/sh
# run.sh [N...] - the kmsxchg benchmark (make bench; not part of make
# check).  For each size N (default 10000 100000 1000000 keys) it
# generates a native document deterministically (gen.sh, in the build
# tree: tests/bench/data), its DER twin, and runs in one go, on the same
# files: the peers xmllint --stream --noout (libxml2's bare parse) and
# xmllint --noout --schema schema/kmsxchg.xsd (with --stream above 100k
# keys: its tree would not fit), and kmsxchg validate,
# convert XML -> DER, convert DER -> XML and validate of the DER.  Prints
# elapsed and CPU seconds, throughput (MB of XML input per CPU second and
# keys per CPU second), the ratio to the bare parse, and peak resident
# memory (/usr/bin/time).  Outputs go to the build tree only.
set -eu
SRC=${KX_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BLD=${KX_BUILDDIR:-$SRC}
KX=$BLD/tools/kmsxchg
TIME=/usr/bin/time
DIR=$BLD/tests/bench/data
NOW=2026-06-01
[ $# -gt 0 ] || set -- 10000 100000 1000000
[ -x "$TIME" ] || { echo "run.sh: needs $TIME (GNU time)" >&2; exit 2; }
command -v xmllint >/dev/null || { echo "run.sh: needs xmllint" >&2; exit 2; }
mkdir -p "$DIR"

# measure LABEL CMD...: one line "LABEL elapsed cpu maxrss_kb status"
measure() {
	label=$1
	shift
	st=0
	"$TIME" -f "%e %U %S %M" -o "$DIR/time" "$@" >"$DIR/stdout" \
	    2>"$DIR/stderr" || st=$?
	set -- $(tail -1 "$DIR/time")
	echo "$label $1 $(awk -v u="$2" -v s="$3" 'BEGIN { print u + s }') $4 $st"
}

echo "kmsxchg benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m)," \
    "$(nproc) CPUs, $(xmllint --version 2>&1 | head -1 | sed 's/.*using //')"
printf '%-9s %-26s %8s %8s %9s %9s %7s %8s %s\n' keys step elapsed cpu \
    "MB/cpu-s" "keys/cpu-s" "xparse" "peakMiB" status
for n in "$@"; do
	x=$DIR/g$n.xml
	[ -s "$x" ] || "$SRC/tests/bench/gen.sh" "$n" >"$x"
	[ -s "$DIR/g$n.der" ] || "$KX" convert --to der -o "$DIR/g$n.der" "$x"
	mb=$(awk -v b="$(wc -c <"$x")" 'BEGIN { printf "%.3f", b / 1048576 }')
	{
		measure "xmllint--stream" xmllint --stream --noout "$x"
		# the DOM of a million keys would take ~10 GiB: stream it
		if [ "$n" -le 100000 ]; then
			measure "xmllint--schema" xmllint --noout --schema \
			    "$SRC/schema/kmsxchg.xsd" "$x"
		else
			measure "xmllint--stream--schema" xmllint --stream \
			    --noout --schema "$SRC/schema/kmsxchg.xsd" "$x"
		fi
		measure "validate-xml" "$KX" validate --now "$NOW" "$x"
		measure "convert-xml-der" "$KX" convert --to der \
		    -o "$DIR/out.der" "$x"
		measure "convert-der-xml" "$KX" convert --to xml \
		    -o "$DIR/out.xml" "$DIR/g$n.der"
		measure "validate-der" "$KX" validate --now "$NOW" \
		    "$DIR/g$n.der"
	} >"$DIR/results"
	floor=$(awk '$1 == "xmllint--stream" { print $3 }' "$DIR/results")
	awk -v n="$n" -v mb="$mb" -v floor="$floor" '{
		cpu = $3 > 0 ? $3 : 0.001
		printf "%-9s %-26s %8.2f %8.2f %9.1f %9.0f %6.2fx %8.1f %s\n",
		    n, $1, $2, $3, mb / cpu, n / cpu, floor / cpu,
		    $4 / 1024, $5 == 0 ? "ok" : "exit " $5
	}' "$DIR/results"
	rm -f "$DIR/out.der" "$DIR/out.xml"
done
echo "xparse: throughput relative to xmllint --stream --noout on the same" \
    "file (higher is faster)"

# rewrap and import: bound documents (AES-128 keys under TK-2026-001,
# tests/cli/gen-bound.sh's document made in one process by genbound, XML
# and DER; checked against gen-bound.sh on 130 keys first), against the
# AES-SIV floors (sivfloor: one unwrap and one wrap per key, set up with
# the key each time, or contexts copied; the best of three runs).  rewrap runs with -j 1 and -j 2;
# import reads the document whole, so it runs up to 100,000 keys only.
SIVFLOOR=$BLD/tests/bench/sivfloor
GENBOUND=$BLD/tests/bench/genbound
for p in "$SIVFLOOR" "$GENBOUND"; do
	[ -x "$p" ] || { echo "run.sh: needs $p (make bench)" >&2; exit 2; }
done
# floor: the best of three runs of sivfloor in mode $1 (init or copy)
floor() {
	best=0
	for i in 1 2 3; do
		f=$("$SIVFLOOR" 200000 512 "$1" | awk '{ print $2 }')
		[ "$f" -gt "$best" ] && best=$f
	done
	echo "$best"
}
siv=$(floor init)
sivc=$(floor copy)
echo
echo "AES-SIV floor (unwrap + wrap, one core): $siv keys/cpu-s, every" \
    "operation set up with its key (xsiv); $sivc with contexts copied" \
    "(xsivc)"
echo "load: $(uptime | sed 's/.*load/load/')"
printf '%-9s %-26s %8s %8s %10s %7s %7s %8s %s\n' keys step elapsed cpu \
    "keys/cpu-s" "xsiv" "xsivc" "peakMiB" status
cp "$SRC"/samples/keys/tk-2026-001.? "$DIR"/
printf '%064d\n' 7 >"$DIR/lmk"
printf '%064d\n' 8 >"$DIR/lmk2"
chmod 600 "$DIR"/tk-2026-001.? "$DIR/lmk" "$DIR/lmk2"
PROF=$SRC/samples/exchange/isd-keys.profile.xml
C="$DIR/tk-2026-001.1 $DIR/tk-2026-001.2 $DIR/tk-2026-001.3"
K="--from-kek-component $DIR/tk-2026-001.1 --from-kek-component $DIR/tk-2026-001.2 --from-kek-component $DIR/tk-2026-001.3"
# shellcheck disable=SC2086 # the component files
"$GENBOUND" 130 xml "$PROF" "$DIR/gb130.xml" $C
PATH="$BLD/tools:$PATH" KX_SRCDIR=$SRC sh "$SRC/tests/cli/gen-bound.sh" \
    130 "$DIR/sh130.xml"
cmp -s "$DIR/gb130.xml" "$DIR/sh130.xml" || {
	echo "run.sh: genbound and gen-bound.sh differ" >&2; exit 1; }
rm -f "$DIR/gb130.xml" "$DIR/sh130.xml"
for n in "$@"; do
	b=$DIR/b$n.xml
	# shellcheck disable=SC2086
	[ -s "$b" ] || "$GENBOUND" "$n" xml "$PROF" "$b" $C
	# shellcheck disable=SC2086
	[ -s "$DIR/b$n.der" ] || "$GENBOUND" "$n" der "$PROF" "$DIR/b$n.der" $C
	{
		for j in 1 2; do
			# shellcheck disable=SC2086 # the option words
			measure "rewrap-xml-xml-j$j" "$KX" rewrap $K -j $j \
			    --to-kek "file:$DIR/lmk2" --to-kek-id LMK-2 \
			    --now 2026-02-01 -q -f -o "$DIR/rw.xml" "$b"
			# shellcheck disable=SC2086
			measure "rewrap-der-der-j$j" "$KX" rewrap $K -j $j \
			    --to-kek "file:$DIR/lmk2" --to-kek-id LMK-2 \
			    --now 2026-02-01 -q -f -o "$DIR/rw.der" \
			    "$DIR/b$n.der"
		done
		[ "$n" -gt 100000 ] || measure "import-storage-kek" "$KX" \
		    import \
		    $(echo "$K" | sed 's/--from-kek-component/--kek-component/g') \
		    --storage-kek "file:$DIR/lmk" --storage-kek-id LMK-1 \
		    --now 2026-02-01 -q -f -o "$DIR/st.xml" "$b"
	} >"$DIR/results"
	awk -v n="$n" -v siv="$siv" -v sivc="$sivc" '{
		cpu = $3 > 0 ? $3 : 0.001
		printf "%-9s %-26s %8.2f %8.2f %10.0f %6.2fx %6.2fx %8.1f %s\n",
		    n, $1, $2, $3, n / cpu, n / cpu / siv, n / cpu / sivc,
		    $4 / 1024, $5 == 0 ? "ok" : "exit " $5
	}' "$DIR/results"
	rm -f "$DIR/rw.xml" "$DIR/rw.der" "$DIR/st.xml"
done
echo "xsiv, xsivc: keys per CPU second relative to the AES-SIV floors (the" \
    "goal is 0.5x per core); -j 2's elapsed time against -j 1's is its" \
    "speedup"
