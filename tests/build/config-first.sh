#!/bin/sh
# Every C file of ours includes "config.h" before anything else, so the
# feature macros configure chose (_GNU_SOURCE, _DEFAULT_SOURCE, ...) apply
# to every system header (issue 8 item 7).  The first preprocessor line
# must be '#include "config.h"', or '#ifdef HAVE_CONFIG_H' directly
# followed by it.  Generated C (codec/asn1/, codec/schemas.c) is not ours.
set -eu
cd "${KX_SRCDIR:?}"
bad=0
n=0
for f in $(find codec tools tests -name '*.c' ! -path 'codec/asn1/*' \
    ! -name schemas.c | LC_ALL=C sort); do
	n=$((n + 1))
	first=$(grep -m2 '^[[:space:]]*#' "$f" | tr -d ' \t' | tr '\n' ' ')
	case "$first" in
	'#include"config.h" '* | '#ifdefHAVE_CONFIG_H #include"config.h" ') ;;
	*)
		echo "$f: first preprocessor lines are '$first'," \
		    "not #include \"config.h\""
		bad=$((bad + 1))
		;;
	esac
done
if [ "$n" -lt 40 ]; then
	echo "FAIL: only $n C files found under $(pwd) (wrong KX_SRCDIR?)"
	exit 1
fi
if [ "$bad" -ne 0 ]; then
	echo "FAIL: $bad of $n C files do not include config.h first"
	exit 1
fi
echo "all $n C files include config.h first"
