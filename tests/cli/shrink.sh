#!/bin/sh
# shrink.sh - an input file truncated by another process while kmsxchg
# reads it (reviewer finding M1): the run ends with one line naming the
# file, exit status 2, nothing written, never a death by SIGBUS.  Inputs
# are mapped; the truncation comes at a fixed point of the read, not a
# racing one: the LD_PRELOAD shim tests/cli/shrinkpre.c truncates the
# file to one page when the reader first gives back the pages it has
# passed (after 4 MiB of a 6.9 MB document of 4,000 keys).  The same
# runs through the shim without KX_SHRINK_FILE succeed, so the shim
# itself changes nothing.
set -u
KX=${KX_BUILDDIR:?}/tools/kmsxchg
SHIM=$KX_BUILDDIR/tests/cli/.libs/shrinkpre.so
[ -f "$SHIM" ] || { echo "FAIL: $SHIM not built"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/kxshrink.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT HUP INT TERM
cd "$T" || exit 99
# no core file from a run that does die; ASan (the sanitizer leg) allows
# the shim in front of its runtime
# shellcheck disable=SC3045 # dash and bash have it; else a core file
ulimit -c 0 2>/dev/null
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS
sh "${KX_SRCDIR:?}/tests/bench/gen.sh" 4000 >doc.xml || exit 99
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# shrink CMD ARGS...: CMD reading in.xml (a fresh copy of doc.xml) that
# shrinks to one page meanwhile, outputs into out/ (empty afterwards)
shrink() {
	cmd=$1 f0=$fails
	rm -rf out in.xml err
	mkdir out
	cp doc.xml in.xml
	KX_SHRINK_FILE=in.xml LD_PRELOAD=$SHIM "$KX" "$@" >/dev/null 2>err
	rc=$?
	want="kmsxchg: $cmd: cannot read in.xml: the file shrank while it was being read"
	[ "$rc" = 2 ] || fail "$*: exit status $rc, not 2"
	[ "$(wc -c <in.xml)" = 4096 ] ||
	    fail "$*: in.xml not truncated (the shim did not run)"
	[ "$(cat err)" = "$want" ] || { fail "$*: stderr is not one line"
		sed 's/^/  | /' err; }
	[ -z "$(ls -A out)" ] || fail "$*: out/ holds $(ls -A out)"
	[ $fails -gt "$f0" ] || echo "ok: $*"
}

shrink convert in.xml -o out/doc.xml
shrink convert in.xml --to der -o out/doc.der
shrink validate in.xml
shrink show in.xml

# the shim alone, no file to shrink: the same run succeeds
mkdir -p ok
LD_PRELOAD=$SHIM "$KX" convert doc.xml --to der -o ok/doc.der 2>err
rc=$?
if [ "$rc" = 0 ] && [ -s ok/doc.der ]; then
	echo "ok: convert through the shim alone"
else
	fail "convert through the shim alone: exit status $rc"
	cat err
fi
[ $fails = 0 ]
