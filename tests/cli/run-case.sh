#!/bin/sh
# run-case.sh - run one declarative kmsxchg CLI test case (*.case).
#
# A case is a list of "key: value" lines; '#' starts a comment line.
#   setup: SHELL-LINE     run before cmd (several allowed; must succeed)
#   cmd: SHELL-LINE       the command under test (exactly one)
#   rc: N                 expected exit status (default 0)
#   stdout:               golden standard output: the following lines up to
#                         a line holding a single '.'
#   stdout-re: ERE        some stdout line matches (several allowed)
#   stdout-not-re: ERE    no stdout line matches
#   stderr-re: ERE        some stderr line matches
#   stderr-not-re: ERE    no stderr line matches
#   stderr-empty:         nothing on stderr except secure-heap warnings
#   files: exists PATH [MODE] | absent PATH | same PATH1 PATH2 | sha256 PATH HEX
#                         checked after cmd, relative to the work folder
# Every line runs with sh in a fresh `mktemp -d`, with kmsxchg from
# $KX_BUILDDIR/tools first on PATH, $SAMPLES = $KX_SRCDIR/samples,
# $KX_SRCDIR and $KX_BUILDDIR exported.  Exit 0 pass, 1 fail, 99 a
# malformed case.  There is no skip: a missing precondition is a setup
# failure (99), and a skip-if: line makes the case malformed.
set -u

case_file=${1:?usage: run-case.sh FILE.case}
here=$(cd "$(dirname "$0")" && pwd)
: "${KX_SRCDIR:=$(cd "$here/../.." && pwd)}"
: "${KX_BUILDDIR:=$KX_SRCDIR}"
case $case_file in /*) ;; *) case_file=$(pwd)/$case_file ;; esac
[ -r "$case_file" ] || { echo "run-case: cannot read $case_file" >&2; exit 99; }

SAMPLES=$KX_SRCDIR/samples
PATH=$KX_BUILDDIR/tools:$PATH
LC_ALL=C
export SAMPLES PATH KX_SRCDIR KX_BUILDDIR LC_ALL
# A session's audit trail must not collect the suite's runs.
unset KMSXCHG_AUDIT KMSXCHG_OPERATOR

work=$(mktemp -d "${TMPDIR:-/tmp}/kxcase.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT HUP INT TERM
meta=$work/.case
mkdir "$meta" "$work/w"
: >"$meta/setup"; : >"$meta/files"; : >"$meta/checks"
cmd=''; rc=0; golden=0; in_golden=0

while IFS= read -r line || [ -n "$line" ]; do
	if [ $in_golden = 1 ]; then
		if [ "$line" = . ]; then in_golden=0; else
			printf '%s\n' "$line" >>"$meta/golden"; fi
		continue
	fi
	case $line in
	''|'#'*) ;;
	setup:*) printf '%s\n' "${line#setup:}" >>"$meta/setup" ;;
	skip-if:*) echo "run-case: skip-if: is not allowed (a missing precondition is a failure)" >&2
		exit 99 ;;
	cmd:*) [ -z "$cmd" ] || { echo "run-case: two cmd: lines" >&2;
		exit 99; }; cmd=${line#cmd:} ;;
	rc:*) rc=$(echo ${line#rc:}) ;;
	stdout:*) golden=1; in_golden=1; : >"$meta/golden" ;;
	stdout-re:*|stdout-not-re:*|stderr-re:*|stderr-not-re:*|stderr-empty:*)
		printf '%s\n' "$line" >>"$meta/checks" ;;
	files:*) printf '%s\n' "${line#files:}" >>"$meta/files" ;;
	*) echo "run-case: unknown line: $line" >&2; exit 99 ;;
	esac
done <"$case_file"
[ $in_golden = 0 ] || { echo "run-case: stdout: block without '.'" >&2;
	exit 99; }
[ -n "$cmd" ] || { echo "run-case: no cmd: line" >&2; exit 99; }

cd "$work/w" || exit 99
while IFS= read -r s; do
	sh -c "$s" || { echo "run-case: setup failed: $s" >&2; exit 99; }
done <"$meta/setup"

printf 'cmd:%s\n' "$cmd"
sh -c "$cmd" >"$meta/out" 2>"$meta/err" </dev/null
got=$?
fail=0
bad() { echo "FAIL: $*"; fail=1; }

[ "$got" = "$rc" ] || bad "exit status $got, expected $rc"
if [ $golden = 1 ] && ! cmp -s "$meta/golden" "$meta/out"; then
	bad "stdout differs from the golden block:"
	diff -u "$meta/golden" "$meta/out" | sed 's/^/    /'
fi
# Secure-heap warnings depend on the machine (RLIMIT_MEMLOCK), not the case.
grep -v '^kmsxchg: warning: .*secure heap' "$meta/err" >"$meta/err2"
while IFS= read -r c; do
	re=${c#*:}; re=${re# }
	case $c in
	stdout-re:*) grep -Eq -- "$re" "$meta/out" ||
		bad "no stdout line matches /$re/" ;;
	stdout-not-re:*) ! grep -Eq -- "$re" "$meta/out" ||
		bad "a stdout line matches /$re/" ;;
	stderr-re:*) grep -Eq -- "$re" "$meta/err2" ||
		bad "no stderr line matches /$re/" ;;
	stderr-not-re:*) ! grep -Eq -- "$re" "$meta/err2" ||
		bad "a stderr line matches /$re/" ;;
	stderr-empty:*) [ ! -s "$meta/err2" ] || bad "stderr is not empty" ;;
	esac
done <"$meta/checks"
while read -r what p1 p2; do
	case $what in
	exists)
		if [ ! -e "$p1" ]; then bad "$p1 does not exist"
		elif [ -n "$p2" ]; then
			m=$(stat -c %a "$p1")
			[ "$m" = "$p2" ] || bad "$p1 has mode $m, expected $p2"
		fi ;;
	absent) [ ! -e "$p1" ] || bad "$p1 exists" ;;
	same) cmp -s "$p1" "$p2" || bad "$p1 and $p2 differ" ;;
	sha256)
		h=$(sha256sum <"$p1" | cut -d' ' -f1)
		[ "$h" = "$p2" ] || bad "$p1 has sha256 $h, expected $p2" ;;
	'') ;;
	*) echo "run-case: unknown files: check $what" >&2; exit 99 ;;
	esac
done <"$meta/files"
# Leftover temp files from atomic writes are a failure everywhere.
if ls -a | grep -q '\.kmsxchg\.'; then bad "temporary file left behind"; fi

if [ $fail = 1 ]; then
	echo "--- stdout"; sed 's/^/    /' "$meta/out"
	echo "--- stderr"; sed 's/^/    /' "$meta/err"
	exit 1
fi
echo PASS
exit 0
