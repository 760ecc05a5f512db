#!/bin/sh
# secrets-grep.sh - every failing CLI case, run with known keys, and
# validate on the invalid samples in every report format: no key or
# component in hex or base64, and no private key as PKCS#8 or raw private
# value, in stdout, stderr, written files, reports or the audit file
# (issue 11 item 5, issue 9).  See secrets-grep.py.  Debian's python3 has
# python3-cryptography (./bootstrap installs it).
set -u
py=/usr/bin/python3
[ -x "$py" ] || py=python3
exec "$py" "${KX_SRCDIR:?}/tests/cli/secrets-grep.py" "$KX_SRCDIR" \
    "${KX_BUILDDIR:?}"
