#!/bin/sh
# crash-safe.sh - SIGKILL at many points of a large write leaves the old
# file or the complete new one, and the next run removes the temporary
# file left behind (issue 11 item 6).  See crash-safe.py.
set -u
exec python3 "${KX_SRCDIR:?}/tests/cli/crash-safe.py" \
    "${KX_BUILDDIR:?}/tools/kmsxchg" "$KX_SRCDIR/samples"
