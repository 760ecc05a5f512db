#!/bin/sh
# demo-tokens.sh - ./bootstrap demo's second part (tools/demo-tokens.sh)
# runs: master keys move between two SoftHSMv2 tokens, every KCV computed
# in the tokens matches, the tampered copy is refused with the issuer's
# token unchanged, and the verdict is OK.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
. "$SRC/tests/hsm/softhsm.sh"
kx_need "$KX" openssl
out=$(mktemp "${TMPDIR:-/tmp}/kx-demo-tokens.XXXXXX")
trap 'rm -f "$out"' EXIT
rc=0
KX_SOFTHSM_MODULE=$KX_P11_MODULE KX_DEMO_NOW=2026-11-30T00:00:00Z \
    sh "$SRC/tools/demo-tokens.sh" "$KX" > "$out" 2>&1 || rc=$?
fail=0
check() { grep -Eq "$1" "$out" || { echo "FAIL: no line /$1/"; fail=1; }; }
check '^VERDICT: OK - 3 master keys moved'
for f in tampered tampered-profile; do
	check "^refused \\($f\\); the issuer's token is unchanged \\([0-9]+ objects\\)$"
done
check 'tampered-profile.xml:.*KX134.*its AES-CMAC tag, checked in token issuer'
for k in ENC MAC DEK; do
	check "^ISD-KVN30-$k: manufacturer ([0-9A-F]{6}), issuer \\1, document \\1$"
	check "^exported ISD-KVN30-$k from token manufacturer: .* as aes-kwp-cmac-bound: bound to its profile and the document header$"
	check "^imported ISD-KVN30-$k into token issuer: aes-kwp-cmac-bound value, bound to its profile and verified; tag verified and unwrapped in the token \(C_Verify, C_UnwrapKey\); KCV [0-9A-F]{6} matches"
done
# the master keys leave bound: no rule says they are not
if grep -q 'KX138' "$out"; then
	echo "FAIL: KX138 in the demo: $(grep KX138 "$out")"
	fail=1
fi
check '^combined key stored in token issuer as a transport key'
# (D2) the pair stored beside the transport key, which cannot derive
check '^transport key in token issuer: KBEK TK-2026-001\.kbek \(wrap, unwrap\) and KBAK TK-2026-001\.kbak \(sign, verify\) .*; TK-2026-001 copied into the token once, wrap and unwrap only and not modifiable \(C_CopyObject; never with CKA_DERIVE in the token\)'
for tok in manufacturer issuer; do
	check "^TK-2026-001 in $tok \\(pkcs11-tool\\): usage wrap, unwrap\$"
done
if [ $rc != 0 ] || [ $fail != 0 ]; then
	tail -40 "$out"
	exit 1
fi
echo "demo on two tokens: VERDICT OK"
