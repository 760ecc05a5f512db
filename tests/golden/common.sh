# Sourced by the golden tests: a scratch folder $t (removed on exit) with
# out/, and run NAME CMD...: kmsxchg CMD's stdout to out/NAME, its exit
# status appended to out/status (stderr to $t/err).  Needs $KX.
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir "$t/out"
run() {
	name=$1
	shift
	rc=0
	"$KX" "$@" >"$t/out/$name" 2>"$t/err" || rc=$?
	echo "$name $rc" >>"$t/out/status"
}
