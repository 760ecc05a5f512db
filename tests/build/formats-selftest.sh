#!/bin/sh
# formats.sh must fail when a file outside the spokes asks which format a
# document came from, in the forms it knows: each planted question below
# (appended to a copy of codec/check/rules.c) must fail it, and the copy
# without a plant must pass.  The numeric, switch and KX_FMT__N forms
# went through before (issue 8 review L1).  Asking through a variable
# (f = kx_doc_format(doc); ... f == 3) is beyond a line-based check.
set -eu
: "${KX_SRCDIR:?}"
t=$(mktemp -d "${TMPDIR:-/tmp}/kxfmt.XXXXXX")
trap 'rm -rf "$t"' EXIT HUP INT TERM
(cd "$KX_SRCDIR" && find codec tools -name '*.[ch]' ! -path 'codec/asn1/*' |
    while read -r f; do
	mkdir -p "$t/src/$(dirname "$f")" && cp "$f" "$t/src/$f"
done)
[ -f "$t/src/codec/check/rules.c" ] || { echo "FAIL: no sources copied"; exit 1; }
cp "$t/src/codec/check/rules.c" "$t/rules.c"
run() { KX_SRCDIR="$t/src" sh "$KX_SRCDIR/tests/build/formats.sh" >"$t/out" 2>&1; }
run || { cat "$t/out"; echo "FAIL: formats.sh fails on the tree as it is"; exit 1; }
fail=0
n=0
while IFS= read -r plant; do
	[ -n "$plant" ] || continue
	n=$((n + 1))
	cp "$t/rules.c" "$t/src/codec/check/rules.c"
	printf 'static int\nplanted(const kx_doc *doc)\n{\n\t%s\n}\n' "$plant" \
	    >>"$t/src/codec/check/rules.c"
	if run; then
		echo "FAIL: formats.sh passes with: $plant"
		fail=1
	fi
done <<'PLANTS'
return kx_doc_format(doc) == KX_FMT_GP;
return doc->source_format != KX_FMT_DER;
return kx_doc_format(doc) == 3;
return 3 == kx_reader_format(NULL);
switch (doc->source_format) { case 3: return 1; default: return 0; }
return doc->source_format - 3 == 0;
return kx_doc_format(doc) == KX_FMT__N - 1;
return doc->source_format > KX_FMT_DER;
return (kx_doc_format(doc) ^ KX_FMT_GP) == 0;
PLANTS
[ "$n" -ge 9 ] || { echo "FAIL: only $n plants"; exit 1; }
[ $fail = 0 ] || exit 1
echo "formats.sh refuses all $n planted format questions"
