#!/bin/sh
# openssl-rsa-aes-kwp.sh - export --wrap rsa-aes-kwp writes the form cloud
# KMSs import (PKCS#11 CKM_RSA_AES_KEY_WRAP; GCP RSA_OAEP_3072_SHA256_AES_256,
# AWS RSA_AES_KEY_WRAP_SHA_256): RSA-OAEP (SHA-256, MGF1-SHA-256, empty
# label) of a fresh AES-256 key, then RFC 5649 AES-KWP of the key under
# it, concatenated.  An AES-128 key, the EC P-256 and the RSA-2048 test
# keys are exported under a fresh RSA-3072 public key; then, not kmsxchg:
#   - `openssl pkeyutl -decrypt` (OAEP, SHA-256 both) recovers a 32-byte
#     AES key from the first 384 bytes of each value,
#   - python3-cryptography's aes_key_unwrap_with_padding under it gives
#     the AES key's bytes, and for the private keys the PKCS#8 DER that
#     `openssl pkcs8 -topk8 -nocrypt` writes for the test key;
# and kmsxchg imports its own output back (--kek-alg rsa), each KCV or
# fingerprint checked.  Exit 77 (skip) when a peer is missing, unless
# KX_REQUIRE_PEERS=1 (then exit 1).
set -u
. "${KX_SRCDIR:?}/tests/interop/peers.sh"

openssl=${OPENSSL:-openssl}
kx_need "$openssl" xxd
kx_need_py cryptography

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 99
umask 077
cp "$SRC"/samples/keys/test-*.pem . && chmod 600 test-*.pem || exit 99
"$openssl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 \
    -out kms.pem 2>/dev/null &&
    "$openssl" pkey -in kms.pem -pubout -out kms.pub || exit 99
printf '404142434445464748494A4B4C4D4E4F\n' >aes
sed 's|<Form>bound-block</Form>|<Form>wrapped</Form>|' \
    "$SRC/profiles/templates/gp-scp03-isd-enc.xml" >aes.xml
sed 's|<Form>bound-block</Form>|<Form>wrapped</Form>|' \
    "$SRC/samples/exchange/asym-keys.profile.xml" >asym.xml

fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}

# the Data of key $2 in document $1
data() {
	awk -v id="$2" '
	    /<Key>/ { inkey = 0 }
	    index($0, "<Id>" id "</Id>") { inkey = 1 }
	    inkey && index($0, "<Data>") {
		sub(".*<Data>", ""); sub("</Data>.*", ""); print; exit
	    }' "$1"
}

# open DOC ID OUT: the value of key ID, unwrapped by the peers into OUT
open_value() {
	v=$(data "$1" "$2")
	[ -n "$v" ] || { bad "$1: no value for $2"; return 1; }
	printf '%s' "$v" | cut -c1-768 | xxd -r -p >eph.enc
	printf '%s' "$v" | cut -c769- | xxd -r -p >kwp.bin
	"$openssl" pkeyutl -decrypt -inkey kms.pem -in eph.enc -out eph.bin \
	    -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \
	    -pkeyopt rsa_mgf1_md:sha256 ||
	    { bad "$2: openssl cannot OAEP-decrypt the first 384 bytes"; \
	    return 1; }
	[ "$(wc -c <eph.bin)" -eq 32 ] ||
	    { bad "$2: the OAEP block holds no AES-256 key"; return 1; }
	/usr/bin/python3 -c '
import sys
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding
eph = open("eph.bin", "rb").read()
open(sys.argv[1], "wb").write(
    aes_key_unwrap_with_padding(eph, open("kwp.bin", "rb").read()))
' "$3" || { bad "$2: python3-cryptography cannot KWP-unwrap the rest"; \
	    return 1; }
}

kek=file:kms.pub
"$KX" export --profile aes.xml --key file:aes --kek "$kek" \
    --wrap rsa-aes-kwp --kek-id KMS --now 2026-06-01 -o a.out 2>err ||
    { cat err; bad "export of the AES key refused"; }
if open_value a.out ISD-SCP03-ENC a.bin; then
	[ "$(xxd -p a.bin | tr a-f A-F)" = 404142434445464748494A4B4C4D4E4F ] ||
	    bad "ISD-SCP03-ENC: the peers' unwrap is not the AES key"
fi
"$KX" export --profile asym.xml --key SSD-SCP11-ECKA=file:test-ec-p256.pem \
    --key ISSUER-CA-2026-PRIV=file:test-rsa-2048.pem --kek "$kek" \
    --wrap rsa-aes-kwp --kek-id KMS --now 2026-06-01 -o b.out 2>err ||
    { cat err; bad "export of the private keys refused"; }
for pair in SSD-SCP11-ECKA:test-ec-p256.pem \
    ISSUER-CA-2026-PRIV:test-rsa-2048.pem; do
	id=${pair%%:*} pem=${pair#*:}
	open_value b.out "$id" p8.der || continue
	"$openssl" pkcs8 -topk8 -nocrypt -in "$pem" -outform DER -out want.der
	cmp -s p8.der want.der ||
	    bad "$id: the peers' unwrap is not the test key's PKCS#8"
done
# kmsxchg reads its own output back
for d in a.out b.out; do
	"$KX" import --kek file:kms.pem --kek-alg rsa \
	    --insecure-clear-output "c.$d" --insecure-clear-production \
	    --now 2026-06-01 "$d" >out 2>err ||
	    { cat err; bad "$d: kmsxchg import refused its own export"; }
done
[ "$(cat c.a.out/ISD-SCP03-ENC.key 2>/dev/null)" = \
    404142434445464748494A4B4C4D4E4F ] || bad "import: not the AES key"
for pair in SSD-SCP11-ECKA:test-ec-p256.pem \
    ISSUER-CA-2026-PRIV:test-rsa-2048.pem; do
	id=${pair%%:*} pem=${pair#*:}
	"$openssl" pkcs8 -topk8 -nocrypt -in "$pem" -outform DER -out want.der
	[ "$(cat "c.b.out/$id.key" 2>/dev/null)" = \
	    "$(xxd -p want.der | tr -d '\n' | tr a-f A-F)" ] ||
	    bad "import: $id is not the test key's PKCS#8"
done
[ $fail = 0 ] || exit 1
echo "rsa-aes-kwp export: openssl (OAEP-SHA256) and python3-cryptography" \
    "(KWP) open the AES, EC and RSA values; kmsxchg imports them back"
