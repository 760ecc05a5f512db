#!/bin/sh
# secrets-grep.sh - every failing CLI case, run with known keys, and
# validate on the invalid samples in every report format: no key or
# component in hex or base64 in stdout, stderr, written files, reports or
# the audit file (issue 11 item 5).  See secrets-grep.py.
set -u
exec python3 "${KX_SRCDIR:?}/tests/cli/secrets-grep.py" "$KX_SRCDIR" \
    "${KX_BUILDDIR:?}"
