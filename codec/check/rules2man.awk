# rules2man.awk - the rule table of kmsxchg(5) from codec/rules.def.
#
#   awk -f codec/rules2man.awk codec/rules.def > rules.man
#
# Reads the KX_RULE(id, slug, severity, phases, check, summary, example)
# rows (a row may span lines; adjacent C string literals are joined; C
# comments and blank lines are skipped) and writes a tbl(1) table for
# inclusion in kmsxchg.5: rule, default severity, phases, meaning,
# example (columns separated by tabs, tbl's default).  Rules reported by
# the readers or writers (check "reader"/"writer") say so in the meaning.
# Exits non-zero on a row it cannot parse, so a malformed rules.def fails
# the build.

function fail(msg) {
	printf("rules2man.awk: %s:%d: %s\n", FILENAME, FNR, msg) > "/dev/stderr"
	bad = 1
	exit 1
}

# Escape text for troff: backslashes, and a leading dot or quote.
function troff(s) {
	gsub(/\\/, "\\e", s)
	sub(/^[.']/, "\\\\\\&&", s)
	return s
}

# The phases of a row ("DOC|EXP") as words ("document, export").
function phases(s,    n, p, i, out, w) {
	n = split(s, p, "|")
	out = ""
	for (i = 1; i <= n; i++) {
		if (p[i] == "DOC")
			w = "document"
		else if (p[i] == "EXP")
			w = "export"
		else if (p[i] == "IMP")
			w = "import"
		else if (p[i] == "REW")
			w = "rewrap"
		else
			fail("bad phase " p[i])
		out = out (out == "" ? "" : ", ") w
	}
	return out
}

# Split the argument list of one row into a[1..7]; strings unquoted and
# joined.  Returns the number of arguments.
function parse(args, a,    n, i, c, cur, instr, esc, quoted) {
	n = 0
	cur = ""
	instr = 0
	quoted = 0
	for (i = 1; i <= length(args); i++) {
		c = substr(args, i, 1)
		if (instr) {
			if (esc) {
				cur = cur c
				esc = 0
			} else if (c == "\\") {
				esc = 1
			} else if (c == "\"") {
				instr = 0
			} else {
				cur = cur c
			}
			continue
		}
		if (c == "\"") {
			instr = 1
			quoted = 1
		} else if (c == ",") {
			a[++n] = cur
			cur = ""
			quoted = 0
		} else if (c !~ /[ \t]/) {
			if (quoted)
				fail("text outside a string literal")
			cur = cur c
		}
	}
	if (instr)
		fail("unterminated string literal")
	a[++n] = cur
	return n
}

BEGIN {
	incomment = 0
	row = ""
	nrows = 0
	print ".TS"
	print "box;"
	print "lb lb lb lb lb"
	print "l l lx lx lx."
	print "Rule\tSeverity\tPhases\tMeaning\tExample"
	print "_"
}

{
	line = $0
	# drop C comments (may span lines)
	out = ""
	while (line != "") {
		if (incomment) {
			p = index(line, "*/")
			if (p == 0) {
				line = ""
				break
			}
			line = substr(line, p + 2)
			incomment = 0
		} else {
			p = index(line, "/*")
			if (p == 0) {
				out = out line
				line = ""
			} else {
				out = out substr(line, 1, p - 1)
				line = substr(line, p + 2)
				incomment = 1
			}
		}
	}
	if (out ~ /^[ \t]*$/ && row == "")
		next
	row = row " " out
	if (row !~ /\)[ \t]*$/)
		next
	if (row !~ /^[ \t]*KX_RULE\(/)
		fail("not a KX_RULE row")
	args = row
	sub(/^[ \t]*KX_RULE\(/, "", args)
	sub(/\)[ \t]*$/, "", args)
	row = ""
	if (parse(args, a) != 7)
		fail("a KX_RULE row needs 7 arguments")
	if (a[1] !~ /^KX[0-9][0-9][0-9]$/)
		fail("bad rule id " a[1])
	if (a[3] !~ /^(ERROR|WARNING|NOTE)$/)
		fail("bad severity " a[3])
	ph = phases(a[4])
	meaning = a[6]
	if (a[5] == "reader")
		meaning = meaning " (reported while reading)"
	else if (a[5] == "writer")
		meaning = meaning " (reported while writing)"
	else if (a[5] == "importer")
		meaning = meaning " (reported by import and rewrap after the " \
		    "rules passed; no policy changes it)"
	else if (a[5] == "values")
		meaning = meaning " (reported by export, import and rewrap " \
		    "on the key values themselves; no policy changes it)"
	printf("%s\t%s\tT{\n%s\nT}\tT{\n%s\nT}\tT{\n%s\nT}\n", a[1],
	    tolower(a[3]), ph, troff(meaning), troff(a[7]))
	nrows++
}

END {
	if (bad)
		exit 1
	if (row != "")
		fail("unterminated KX_RULE row")
	if (nrows == 0)
		fail("no KX_RULE rows")
	print ".TE"
}
