# demo-lib.sh - sourced by demo.sh and demo-tokens.sh (KX is the kmsxchg
# to run, DEMO_NAME names the working folder): the kmsxchg given first on
# PATH, a private working folder (the current one) removed at exit, and
# the helpers that echo each command before it runs.  A failed step ends
# the demo with "VERDICT: FAILED" and exit status 1; set finished=1 after
# the verdict.
# The kmsxchg given, first on PATH, so the echoed command is the one run.
PATH=$(dirname "$KX"):$PATH
export PATH
[ "$(basename "$KX")" = kmsxchg ] || { echo "$0: $KX is not kmsxchg" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kmsxchg-${DEMO_NAME:-demo}.XXXXXX")
finished=0
trap 'rc=$?; rm -rf "$work"
	if [ $finished = 0 ]; then
		printf "\nVERDICT: FAILED - the step above did not succeed (exit %s)\n" $rc
		exit 1
	fi' EXIT
umask 077
cd "$work"

step() { printf '\n== %s\n' "$*"; }
# show CMD ARG...: the command as one shell line, arguments quoted when
# needed, paths in the working folder relative to it (the commands run
# there); SHOW_TO names the file its output goes to.
show() {
	printf '+'
	for a in "$@"; do
		case $a in
		"$work"/*) a=${a#"$work"/} ;;
		esac
		case $a in
		*[!A-Za-z0-9_./:=+,@%-]*|'') printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	[ -z "${SHOW_TO:-}" ] || printf ' > %s' "$SHOW_TO"
	printf '\n'
}
# x CMD ARG...: echo, then run.  xo FILE CMD ARG...: the same, output to
# FILE.
x() { show "$@"; "$@"; }
xo() { f=$1; shift; SHOW_TO=$f show "$@"; "$@" >"$f"; }
fail() { printf '\nVERDICT: FAILED - %s\n' "$*"; finished=1; exit 1; }
