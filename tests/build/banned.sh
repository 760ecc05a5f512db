#!/bin/sh
# Our C code uses none of the unbounded or unsafe libc calls.
set -eu
cd "${KX_SRCDIR:?}"
pat='\<(strcpy|strcat|sprintf|vsprintf|atoi|atol|atoll|gets|tmpnam|rand|srand)[[:space:]]*\('
if grep -nE "$pat" codec/*.c codec/*.h tools/*.c tools/*.h tests/unit/*.c; then
	echo "FAIL: banned functions used (see above)"
	exit 1
fi
echo "no banned functions"
