#!/bin/sh
# Our C code uses none of the unbounded or unsafe libc calls, and no unit
# test skips: a precondition that does not hold is a failure (cmocka counts
# a skip() as success, so a regression would pass unseen).
set -eu
cd "${KX_SRCDIR:?}"
pat='\<(strcpy|strcat|sprintf|vsprintf|atoi|atol|atoll|gets|tmpnam|rand|srand)[[:space:]]*\('
# shellcheck disable=SC2046 # one word per file
if grep -nE "$pat" $(find codec tools -name '*.[ch]' ! -path 'codec/asn1/*' \
    ! -name schemas.c) tests/unit/*.c; then
	echo "FAIL: banned functions used (see above)"
	exit 1
fi
if grep -nE '\<skip[[:space:]]*\(' tests/unit/*.c tests/unit/*.h; then
	echo "FAIL: unit tests call skip(); fail the test instead (see above)"
	exit 1
fi
echo "no banned functions, no skipped unit tests"
