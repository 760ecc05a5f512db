#!/bin/sh
# Formats declare what they carry; nobody else asks which format it is
# (issue 8 item 2).  Outside the format spokes (each file of codec/formats/
# that defines a `const struct kxi_format kxi_format_NAME` row) and the
# format table (codec/model/doc.c), no C file compares a format id (the
# KX_FMT_ values of kmsxchg.h) or a document's source format: they ask
# kx_format_caps()/kxi_doc_caps().
# Every KX_CAP_ of kmsxchg.h is consulted outside the spokes and the
# header (a capability nobody asks is dead).
# Inside the spokes, no rule id (KXnnn: the hub maps kxi_fact kinds to
# rules) and no CLI option.  The bound wrap's associated data is the hub's
# canonical DER (codec/model/canon.c): no file outside the DER spoke calls
# its kxi_profile_der/kxi_bound_der (tests/unit/test_canon.c compares them).
set -eu
cd "${KX_SRCDIR:?}"
# the spokes and the format ids, from the sources (never listed here)
spokes=$(grep -l '^const struct kxi_format kxi_format_[a-z0-9_]* = {' \
    codec/formats/*.c | sort)
table='codec/model/doc.c'
fail=0
[ "$(printf '%s\n' $spokes | wc -l)" -ge 3 ] ||
    { echo "FAIL: fewer than 3 format spokes found: $spokes"; exit 1; }
[ -f "$table" ] || { echo "FAIL: $table missing"; exit 1; }
others=$(find codec tools -name '*.[ch]' ! -path 'codec/asn1/*' | sort |
    grep -vxF $(printf -- '-e %s ' $spokes) -e "$table")
[ -n "$others" ] || { echo "FAIL: no sources found"; exit 1; }
ids=$(sed -n '/^enum kx_format {/,/^};/p' codec/kmsxchg.h |
    grep -o 'KX_FMT_[A-Z0-9_]*' | grep -vx -e KX_FMT_AUTO -e KX_FMT_NONE \
    -e KX_FMT__N | paste -sd '|' -)
[ -n "$ids" ] || { echo "FAIL: no KX_FMT_ values in codec/kmsxchg.h"; exit 1; }
id="($ids)"
# a document's format, by its field or its getters, compared, switched
# on or computed with (a number stands for an id as well as a name), and
# the last format reached by arithmetic on KX_FMT__N
get='(source_format|kx_(doc|reader)_format[[:space:]]*\([^)]*\))'
if grep -nE "[!=]=[[:space:]]*$id|$id[[:space:]]*[!=]=|case[[:space:]]+$id|source_format[[:space:]]*[!=]=|[!=]=[[:space:]]*[[:alnum:]_>.-]*source_format" $others ||
    grep -nE "$get[[:space:]]*(==|!=|<|>|[-+^*/%]|&[^&]|\|[^|])|(==|!=|<|[^-]>|[+^*/%]|[^-]-|[^&]&|[^|]\|)[[:space:]]*$get|switch[[:space:]]*\([^)]*$get|KX_FMT__N[[:space:]]*[-+]" $others; then
	echo "FAIL: a format id tested outside the spokes and the table"
	fail=1
fi
if grep -nE 'KX[0-9]{3}' $spokes; then
	echo "FAIL: a rule id inside a format spoke (report a kxi_fact)"
	fail=1
fi
if grep -nE '"[^"]*--[a-z]' $spokes; then
	echo "FAIL: a CLI option inside a format spoke"
	fail=1
fi
if grep -nE 'kxi_(profile|bound)_der[[:space:]]*\(' $others | grep -v '^codec/model/internal.h:'; then
	echo "FAIL: the DER spoke's encoder called outside it (use kxi_canon_*)"
	fail=1
fi
# every capability a format may declare is asked by someone else (review
# L3: a declared and set capability nobody consults is a dead promise)
caps=$(grep -oE '^#define KX_CAP_[A-Z0-9_]+' codec/kmsxchg.h |
    sed 's/^#define //')
[ -n "$caps" ] || { echo "FAIL: no KX_CAP_ in codec/kmsxchg.h"; exit 1; }
for c in $caps; do
	printf '%s\n' $others | grep -vx codec/kmsxchg.h |
	    xargs grep -qwF "$c" || {
		echo "FAIL: $c is declared but consulted by no file outside the spokes"
		fail=1; }
done
[ $fail = 0 ] || exit 1
echo "no format id ($ids) tested outside" $spokes "$table; no rule id or option inside; no call into the DER spoke's encoder"
