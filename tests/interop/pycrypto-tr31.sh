#!/bin/sh
# pycrypto-tr31.sh - the TDEA binding (tr31-b-bound) opened and written
# independently by python-cryptography (pycrypto-tr31.py).  Skips (77)
# without /usr/bin/python3 + cryptography unless KX_REQUIRE_PEERS=1.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need /usr/bin/python3
kx_need_py cryptography
kx_need "$KX"
exec /usr/bin/python3 "$SRC/tests/interop/pycrypto-tr31.py" "$KX" "$SRC"
