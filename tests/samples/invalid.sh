#!/bin/sh
# Every invalid sample fails with exactly the rule it is named after, and
# every rule of the rule table has at least one such sample.
#   samples/invalid/KXnnn-what.xml  ->  `validate --now 2026-11-23T12:00:00Z`
#   reports KXnnn and no other rule at error level; error rules exit 1,
#   warning rules exit 0.  Extra options (a policy, --against) come from a
#   `<!-- kmsxchg-test: -p FILE -->` line in the sample.
set -eu
KX=${KX_BUILDDIR:?}/tools/kmsxchg
SRC=${KX_SRCDIR:?}
NOW=2026-11-23T12:00:00Z
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
n=0
for f in "$SRC"/samples/invalid/KX*; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	rule=${b%%-*}
	sev=$("$KX" rules | awk -v r="$rule" '$1 == r { print $2 }')
	[ -n "$sev" ] || { echo "FAIL: $b names unknown rule $rule"; fail=1; continue; }
	# A sample may ask for options in a comment on its own line:
	#   <!-- kmsxchg-test: -p profiles/policies/gp-card-issuer.xml -->
	# (short options: XML comments cannot hold "--").
	# (paths relative to the source tree).
	opts=$(sed -n 's/^<!-- kmsxchg-test: \(.*\) -->$/\1/p' "$f" | head -1 |
	    sed "s#\(^\| \)\(profiles\|samples\)/#\1$SRC/\2/#g")
	rc=0
	# shellcheck disable=SC2086
	"$KX" validate --now "$NOW" $opts --format json "$f" > "$t/out.json" || rc=$?
	# rules reported, by severity
	got=$(/usr/bin/python3 - "$t/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rules = set()
for f in d["files"]:
    for x in f["findings"]:
        rules.add((x.get("rule") or "-", x["severity"]))
print(" ".join(sorted(r + ":" + s for r, s in rules)))
PY
)
	case "$sev" in
	error)
		want_rc=1
		errs=$(printf '%s\n' $got | grep ':error$' | sort -u | tr '\n' ' ')
		[ "$errs" = "$rule:error " ] || {
			echo "FAIL: $b: error rules are '$errs', want only $rule"
			fail=1; }
		;;
	*)
		want_rc=0
		printf '%s\n' $got | grep -q "^$rule:" || {
			echo "FAIL: $b: $rule not reported (got '$got')"; fail=1; }
		;;
	esac
	[ "$rc" = "$want_rc" ] || { echo "FAIL: $b: exit $rc, want $want_rc"; fail=1; }
	n=$((n + 1))
done
# every rule of the document phase has a sample (rules reported only by
# writers/importers, or only in the export/import/rewrap phases, are covered
# by the CLI and unit tests, and are listed as such by `rules`)
rows=$(sed -n 's/^KX_RULE(\(KX[0-9]*\), [^,]*, [A-Z]*, \([A-Z|]*\), \([a-z_]*\),.*/\1 \2 \3/p' \
    "$SRC/codec/check/rules.def")
[ "$(printf '%s\n' "$rows" | wc -l)" = "$(grep -c '^KX_RULE(' "$SRC/codec/check/rules.def")" ] || {
	echo "FAIL: cannot parse every KX_RULE row of rules.def"; exit 1; }
for r in $(printf '%s\n' "$rows" | awk '$2 ~ /DOC/ && $3 != "writer" && $3 != "importer" { print $1 }'); do
	ls "$SRC"/samples/invalid/"$r"-* >/dev/null 2>&1 || {
		echo "FAIL: rule $r has no samples/invalid/$r-*.xml"; fail=1; }
done
[ "$n" -gt 0 ] || { echo "FAIL: no invalid samples"; exit 1; }
[ $fail = 0 ] && echo "$n invalid samples fail with exactly their rule"
exit $fail
