#!/bin/sh
# der-differ.sh OLD NEW [FILE]... - differential check of two builds of
# kmsxchg on DER input (issue 12 item 3: the reader must refuse exactly
# the same inputs, with the same findings, after a change to how it
# checks canonical DER).  OLD and NEW are commands (e.g. the kmsxchg of
# a build of main and of the change).  Every FILE (default: the DER
# fuzz corpus, its repro cases and every sample) and, with MUTATE=1,
# every one-byte variant of the valid DER files among them (each byte
# XOR 0x01 and 0x80) goes through
# `validate` and `convert --to xml`; exit status, standard output,
# standard error and the converted document must be identical.  Prints
# the number of inputs compared and each difference; exit 1 on any.
set -u
old=${1:?usage: der-differ.sh OLD NEW [FILE]...}
new=${2:?usage: der-differ.sh OLD NEW [FILE]...}
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
if [ $# -eq 0 ]; then
	set -- "$top"/tests/fuzz/corpus/der/* "$top"/tests/fuzz/repro/der/* \
	    $(find "$top/samples" -type f | sort)
fi

# one (command, input) -> a summary file
run() {
	cmd=$1 in=$2 out=$3
	rm -f "$tmp/x.xml"
	$cmd validate "$in" >"$out.1" 2>"$out.2"
	echo "validate rc=$?" >>"$out.1"
	$cmd convert --to xml -o "$tmp/x.xml" "$in" >>"$out.1" 2>>"$out.2"
	echo "convert rc=$?" >>"$out.1"
	[ -f "$tmp/x.xml" ] && cat "$tmp/x.xml" >>"$out.1"
	cat "$out.2" >>"$out.1"
	# findings name the time of the run
	sed -i "s/(reference time [^)]*)/(reference time T)/" "$out.1"
}

n=0 bad=0
check() {
	n=$((n + 1))
	run "$old" "$1" "$tmp/a"
	run "$new" "$1" "$tmp/b"
	if ! cmp -s "$tmp/a.1" "$tmp/b.1"; then
		bad=$((bad + 1))
		echo "DIFFERS: $2"
		diff "$tmp/a.1" "$tmp/b.1" | head -5
	fi
}

for f in "$@"; do
	check "$f" "$f"
	[ "${MUTATE:-0}" = 1 ] || continue
	# mutants of the inputs OLD accepts as DER
	$old validate "$f" >/dev/null 2>&1 || continue
	head -c 1 "$f" | od -An -tx1 | grep -q 30 || continue
	size=$(wc -c <"$f")
	[ "$size" -le 4096 ] || continue
	i=0
	while [ $i -lt "$size" ]; do
		for x in 1 128; do
			python3 - "$f" "$tmp/m.der" $i $x <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
i, x = int(sys.argv[3]), int(sys.argv[4])
b[i] ^= x
open(sys.argv[2], 'wb').write(b)
PY
			check "$tmp/m.der" "$f byte $i ^ $x"
		done
		i=$((i + 1))
	done
done
echo "der-differ: $n inputs compared, $bad differ"
[ $bad -eq 0 ]
