#!/bin/sh
# pycrypto-wrap.sh - our wrap/unwrap/kcv against python-cryptography, an
# independent implementation of AES-KW/KWP (RFC 3394/5649), TDEA, CMAC and
# RSA-OAEP: ours wraps -> theirs unwraps, theirs wraps -> ours unwraps,
# equal KCVs.  Skips (77) without /usr/bin/python3 + cryptography unless
# KX_REQUIRE_PEERS=1.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need /usr/bin/python3
kx_need_py cryptography
kx_need "$KX"
exec /usr/bin/python3 "$SRC/tests/interop/pycrypto-wrap.py" "$KX"
