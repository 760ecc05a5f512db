#!/bin/sh
# shrink.sh - an input file truncated by another process while kmsxchg
# reads it (reviewer finding M1): the run ends with one line naming the
# file, exit status 2, nothing written, never a death by SIGBUS; it ends
# as on any I/O error (rev6 F1/F2): validate still reports its other
# inputs, an audited command still appends its record.  Inputs are
# mapped; the truncation comes at a fixed point of the read, not a
# racing one: the LD_PRELOAD shim tests/cli/shrinkpre.c truncates the
# file to one page when the reader first gives back the pages it has
# passed (after 4 MiB of a 6.9 MB document of 4,000 keys), or as soon as
# it is mapped (KX_SHRINK_AT=map).  The same runs through the shim
# without KX_SHRINK_FILE succeed, so the shim itself changes nothing.
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
	KX_SHRINK_FILE=in.xml LD_PRELOAD=$SHIM "$KX" "$@" >stdout 2>err
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
# no memory for zeros in place of the lost pages: the handler's own line,
# the temporary output removed, exit 2, and no report (what tells this
# way from the reader's I/O error, whose line is the same)
KX_SHRINK_NOZERO=1; export KX_SHRINK_NOZERO
shrink convert in.xml --to der -o out/doc.der
shrink validate --format json in.xml
[ ! -s stdout ] || fail "validate --format json: a report, so zeros were mapped"
unset KX_SHRINK_NOZERO

# validate: the report of the other input is there, the shrunk one is
# an I/O error in it (json), exit 2
f0=$fails
cp "$KX_SRCDIR/samples/exchange/full-profile.xml" ok.xml
cp doc.xml in.xml
KX_SHRINK_FILE=in.xml KX_SHRINK_AT=map LD_PRELOAD=$SHIM "$KX" validate \
    --format json ok.xml in.xml >report.json 2>err
rc=$?
[ "$rc" = 2 ] || fail "validate --format json: exit status $rc, not 2"
[ "$(wc -c <in.xml)" = 4096 ] || fail "validate --format json: not shrunk"
[ "$(cat err)" = "kmsxchg: validate: cannot read in.xml: the file shrank while it was being read" ] ||
    { fail "validate --format json: stderr"; sed 's/^/  | /' err; }
/usr/bin/python3 - report.json <<'EOF' || fail "validate --format json: report"
import json, sys
r = json.load(open(sys.argv[1]))
f = {x["file"]: x for x in r["files"]}
assert f["ok.xml"]["valid"] is True, f["ok.xml"]
m = [x["message"] for x in f["in.xml"]["findings"]]
assert f["in.xml"]["valid"] is False
assert m == ["cannot read in.xml: the file shrank while it was being read"], m
assert r["summary"]["files"] == 2 and r["summary"]["valid"] == 1, r["summary"]
EOF
[ $fails -gt "$f0" ] || echo "ok: validate --format json ok.xml in.xml"

# an audited ceremony step (rewrap of 130 bound keys) whose input shrinks
# as soon as it is mapped: exit 2, nothing written, one record with
# result "error" appended, and the trail verifies
f0=$fails
PATH="$KX_BUILDDIR/tools:$PATH" sh "$KX_SRCDIR/tests/cli/gen-bound.sh" 130 \
    bound.xml || exit 99
cp "$KX_SRCDIR"/samples/keys/tk-2026-001.? .
printf '%064d\n' 8 >lmk2
chmod 600 tk-2026-001.? lmk2
rm -rf out; mkdir out
cp bound.xml in.xml
KX_SHRINK_FILE=in.xml KX_SHRINK_AT=map LD_PRELOAD=$SHIM "$KX" \
    --audit audit.log rewrap --from-kek-component tk-2026-001.1 \
    --from-kek-component tk-2026-001.2 --from-kek-component tk-2026-001.3 \
    --to-kek file:lmk2 --to-kek-id LMK-2 -q -o out/rw.xml in.xml \
    >stdout 2>err
rc=$?
[ "$rc" = 2 ] || fail "audited rewrap: exit status $rc, not 2"
[ "$(wc -c <in.xml)" = 4096 ] || fail "audited rewrap: not shrunk"
# the transport key's KCV lines, then the one error line
{ [ "$(grep -v ': KCV [0-9A-F]* checked$' err)" = "kmsxchg: rewrap: cannot read in.xml: the file shrank while it was being read" ] &&
    [ "$(wc -l <err)" = 5 ]; } ||
    { fail "audited rewrap: stderr"; sed 's/^/  | /' err; }
[ -z "$(ls -A out)" ] || fail "audited rewrap: out/ holds $(ls -A out)"
{ [ "$(wc -l <audit.log)" = 1 ] &&
    grep -q '"op":"rewrap",.*"input":"in.xml",.*"result":"error"' audit.log
} || { fail "audited rewrap: no error record"; sed 's/^/  | /' audit.log; }
"$KX" audit verify audit.log >stdout 2>err ||
    fail "audited rewrap: audit verify: $(cat stdout err)"
[ $fails -gt "$f0" ] || echo "ok: audited rewrap, its record says error"

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
