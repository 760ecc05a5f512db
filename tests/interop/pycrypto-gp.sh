#!/bin/sh
# pycrypto-gp.sh - the GP samples' key material, after GP -> DER -> GP,
# judged by python-cryptography (tests/interop/pycrypto-gp.py).  Skips (77)
# without /usr/bin/python3 + cryptography unless KX_REQUIRE_PEERS=1.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need /usr/bin/python3
kx_need_py cryptography
kx_need "$KX"
exec /usr/bin/python3 -W ignore "$SRC/tests/interop/pycrypto-gp.py" "$KX" "$SRC"
