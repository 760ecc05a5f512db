#!/bin/sh
# pycrypto-gpparts.sh - GP named public parts <-> the profile's SPKI,
# judged by python-cryptography (tests/interop/pycrypto-gpparts.py).
# Skips (77) without /usr/bin/python3 + cryptography unless
# KX_REQUIRE_PEERS=1.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need /usr/bin/python3
kx_need_py cryptography
kx_need "$KX"
exec /usr/bin/python3 -W ignore "$SRC/tests/interop/pycrypto-gpparts.py" \
    "$KX" "$SRC"
