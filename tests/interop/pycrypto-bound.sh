#!/bin/sh
# pycrypto-bound.sh - the sample exchange's aes-siv-bound values (binding
# versions 2 and 1) opened by python-cryptography from the DER alone, by
# doc/bound-wrap.md.  Skips (77) without /usr/bin/python3 + cryptography
# unless KX_REQUIRE_PEERS=1.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need /usr/bin/python3
kx_need_py cryptography
kx_need "$KX"
exec /usr/bin/python3 "$SRC/tests/interop/pycrypto-bound.py" "$KX" "$SRC"
