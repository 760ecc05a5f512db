#!/usr/bin/awk -f
# formats2man.awk - the format table as man page text, so that no page
# lists the formats by hand: a spoke's row (codec/formats/NAME.c, its
# `const struct kxi_format kxi_format_NAME` with name and title first) and
# its place in the table (codec/model/doc.c, formats[]) are all it takes.
#
#   awk -v what=synopsis -f formats2man.awk codec/model/doc.c codec/formats/*.c
#     ".BR a | b | c ]" (a synopsis's --to choices, in the table's order)
#   awk -v what=list ...
#     one ".B name" line and one "(title...)" line per format, the first
#     "(title, default),", the last before "or", the last ending in ".".
# Fails (exit 1) on a table entry without a row or a row without a name.
function fail(msg) {
	printf("formats2man.awk: %s:%d: %s\n", FILENAME, FNR, msg) > "/dev/stderr"
	bad = 1
	exit 1
}
# the table's order: &kxi_format_NAME entries of formats[] in doc.c
FILENAME ~ /doc\.c$/ {
	if ($0 ~ /formats\[\][ \t]*=/)
		intab = 1
	if (intab) {
		s = $0
		while (match(s, /&kxi_format_[a-z0-9_]+/)) {
			order[++n] = substr(s, RSTART + 12, RLENGTH - 12)
			s = substr(s, RSTART + RLENGTH)
		}
		if ($0 ~ /};/)
			intab = 0
	}
	next
}
/^const struct kxi_format kxi_format_[a-z0-9_]+ = \{/ {
	row = $4
	sub(/^kxi_format_/, "", row)
	getline
	if (match($0, /"[^"]*"/) == 0)
		fail("row " row ": no name")
	nm = substr($0, RSTART + 1, RLENGTH - 2)
	s = substr($0, RSTART + RLENGTH)
	if (match(s, /"[^"]*"/) == 0)
		fail("row " row ": no title")
	name[row] = nm
	title[row] = substr(s, RSTART + 1, RLENGTH - 2)
}
END {
	if (bad)
		exit 1
	if (n == 0)
		fail("no formats[] entries")
	for (i = 1; i <= n; i++)
		if (!(order[i] in name)) {
			printf("formats2man.awk: kxi_format_%s has no row\n",
			    order[i]) > "/dev/stderr"
			exit 1
		}
	if (what == "synopsis") {
		s = ".BR"
		for (i = 1; i <= n; i++)
			s = s " " name[order[i]] (i < n ? " |" : " ]")
		print s
	} else if (what == "list") {
		for (i = 1; i <= n; i++) {
			print ".B " name[order[i]]
			t = "(" title[order[i]] (i == 1 ? ", default" : "") ")"
			if (i < n - 1)
				t = t ","
			else if (i == n - 1)
				t = t " or"
			else
				t = t "."
			print t
		}
	} else
		fail("what=synopsis or what=list")
}
