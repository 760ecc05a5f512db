#!/bin/sh
# demo-tokens.sh KMSXCHG - the main job on two PKCS#11 tokens: a card
# manufacturer sends the GlobalPlatform master keys (ENC, MAC, DEK) of an
# issuer security domain to a card issuer.  Both sides are SoftHSMv2
# tokens under a private SOFTHSM2_CONF in a temporary folder (the
# system's tokens are never touched).  The master keys are generated in
# the manufacturer's token and never exist in clear outside a token; the
# transport key is combined into both tokens from three components; the
# tokens wrap the keys and bind them to their profiles and the document
# header (aes-kwp-cmac-bound: KBEK and KBAK derived once when the
# transport key is combined into each token and stored beside it, which
# then loses CKA_DERIVE; RFC 5649 and AES-CMAC there) and check the
# binding before they unwrap; every KCV
# is computed in the tokens; tampered copies (a value byte, the profile)
# are refused with the issuer's token unchanged.
#
# Every command is echoed before it runs ("+ ...").  The demo PINs are
# throwaway values of throwaway tokens: kmsxchg reads them from files
# (--pin-source), softhsm2-util and pkcs11-tool take them on their
# command lines.  Environment: KX_DEMO_NOW (default the clock),
# KX_SOFTHSM_MODULE (default: the Debian path of libsofthsm2.so).
set -eu
KX=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
NOW=${KX_DEMO_NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
M=${KX_SOFTHSM_MODULE:-}
for m in /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -n "$M" ] || [ ! -f "$m" ] || M=$m
done
for p in softhsm2-util pkcs11-tool openssl; do
	command -v $p >/dev/null 2>&1 ||
	    { echo "demo-tokens.sh: $p missing (apt-get install softhsm2 opensc)" >&2; exit 2; }
done
[ -n "$M" ] && [ -f "$M" ] ||
    { echo "demo-tokens.sh: libsofthsm2.so not found (set KX_SOFTHSM_MODULE)" >&2; exit 2; }
DEMO_NAME=tokens
. "$(cd "$(dirname "$0")" && pwd)/demo-lib.sh"
count() {
	pkcs11-tool --module "$M" --token-label "$1" --login --pin 12345678 \
	    --list-objects 2>/dev/null | grep -c '^[A-Z][A-Za-z ]* Object'
}
# the first three bytes of AES-ECB(zero block) under the key with CKA_ID
# ID, computed by pkcs11-tool in token TOKEN: one AES-CBC block under a
# zero IV, which the imported keys allow (their AllowedMode cbc is their
# CKA_ALLOWED_MECHANISMS)
token_kcv() {
	pkcs11-tool --module "$M" --token-label "$1" --login --pin 12345678 \
	    --encrypt -m AES-CBC --iv 00000000000000000000000000000000 \
	    --id "$2" --input-file zero.bin --output-file kcv.bin >/dev/null 2>&1 || fail "pkcs11-tool --encrypt $1 $2"
	od -An -tx1 kcv.bin | tr -d ' \n' | cut -c1-6 | tr a-f A-F
}

step "Two SoftHSMv2 tokens under a private configuration (in $work)"
mkdir -p tokens wire officer1 officer2 officer3
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$work" > softhsm2.conf
x export SOFTHSM2_CONF="$work/softhsm2.conf"
x softhsm2-util --init-token --free --label manufacturer --so-pin 87654321 --pin 12345678
x softhsm2-util --init-token --free --label issuer --so-pin 87654321 --pin 12345678
printf '12345678\n' > pin
MP="--module $M --pin-source file:$work/pin"
head -c 16 /dev/zero > zero.bin

step "Manufacturer: the ISD master keys ENC, MAC, DEK generated in its token"
id=30
for k in ENC MAC DEK; do
	x pkcs11-tool --module "$M" --token-label manufacturer --login --pin 12345678 \
	    --keygen --key-type AES:16 --label "ISD-KVN30-$k" --id $id \
	    --sensitive --extractable >/dev/null
	id=$((id + 1))
done
# shellcheck disable=SC2086
x kmsxchg show $MP 'pkcs11:token=manufacturer'

step "Manufacturer: transport key TK-2026-001 (AES-256) as three components"
# random bytes straight into split (fd:0): the key is in no file
show sh -c 'openssl rand -hex 32 | kmsxchg split --parts 3 --alg aes --key fd:0 --out-prefix tk > split.txt'
openssl rand -hex 32 | kmsxchg split --parts 3 --alg aes --key fd:0 \
    --out-prefix tk > split.txt
cat split.txt
for n in 1 2 3; do x mv tk.$n officer$n/tk.$n; done
TKKCV=$(sed -n 's/^key KCV \([0-9A-F]*\)$/\1/p' split.txt)
[ -n "$TKKCV" ] || fail "split printed no key KCV"
echo "transport key KCV, sent to the issuer separately: $TKKCV"

step "Key ceremonies: the officers combine the transport key into both tokens"
for tok in manufacturer issuer; do
	# shellcheck disable=SC2086
	x kmsxchg combine $MP --kcv "$TKKCV" \
	    --to "pkcs11:token=$tok;object=TK-2026-001" \
	    officer1/tk.1 officer2/tk.2 officer3/tk.3
done
# its KBEK and KBAK stay beside it; the transport key itself may no
# longer derive (no AES-ECB oracle under it for a token user)
for tok in manufacturer issuer; do
	u=$(pkcs11-tool --module "$M" --token-label $tok --login --pin 12345678 \
	    --list-objects 2>/dev/null | awk '$1 == "label:" { hit = $2 == "TK-2026-001" }
	    hit && $1 == "Usage:" { sub(/^ *Usage: */, ""); print; exit }')
	echo "TK-2026-001 in $tok (pkcs11-tool): usage $u"
	case $u in
	*derive*|'') fail "TK-2026-001 in $tok: usage '$u' (CKA_DERIVE left set?)" ;;
	esac
done

step "Manufacturer: export the master keys, wrapped and bound inside its token"
for k in ENC MAC DEK; do
	# shellcheck disable=SC2086
	x kmsxchg export $MP --from "pkcs11:token=manufacturer;object=ISD-KVN30-$k" \
	    --kek 'pkcs11:token=manufacturer;object=TK-2026-001' \
	    --sender 'Example Card Manufacturer' --recipient 'Example Issuer Bank' \
	    --now "$NOW" -o "wire/ISD-KVN30-$k.xml" > "export-$k.txt"
	cat "export-$k.txt"
	grep -q '<Algorithm>aes-kwp-cmac-bound</Algorithm>' \
	    "wire/ISD-KVN30-$k.xml" || fail "ISD-KVN30-$k left unbound"
	x kmsxchg validate --now "$NOW" "wire/ISD-KVN30-$k.xml"
done

step "Issuer: what tampered copies look like (a value byte; the profile made not sensitive)"
data=$(sed -n 's:.*<Data>\(.*\)</Data>.*:\1:p' wire/ISD-KVN30-ENC.xml)
c=$(printf '%s' "$data" | cut -c9)
case $c in 0) d=1 ;; *) d=0 ;; esac
bad=$(printf '%s' "$data" | cut -c1-8)$d$(printf '%s' "$data" | cut -c10-)
sed "s:$data:$bad:" wire/ISD-KVN30-ENC.xml > wire/tampered.xml
# the profile weakened (its provenance too, so that no rule of the
# document objects), its digest dropped: the tag in the token decides
sed -e 's:<Sensitive>true</Sensitive>:<Sensitive>false</Sensitive>:' \
    -e '/<AlwaysSensitive>/d' -e '/<AadDigest>/d' \
    wire/ISD-KVN30-ENC.xml > wire/tampered-profile.xml
before=$(count issuer)
for f in tampered tampered-profile; do
	# shellcheck disable=SC2086
	if x kmsxchg import $MP --to 'pkcs11:token=issuer' \
	    --kek 'pkcs11:token=issuer;object=TK-2026-001' --now "$NOW" \
	    "wire/$f.xml"; then
		fail "a tampered copy ($f) was accepted"
	fi
	[ "$(count issuer)" = "$before" ] ||
	    fail "the refused import changed the issuer's token"
	echo "refused ($f); the issuer's token is unchanged ($before objects)"
done

step "Issuer: import the master keys into its token (unwrapped there, KCVs checked there)"
for k in ENC MAC DEK; do
	# shellcheck disable=SC2086
	x kmsxchg import $MP --to 'pkcs11:token=issuer' \
	    --kek 'pkcs11:token=issuer;object=TK-2026-001' --now "$NOW" \
	    "wire/ISD-KVN30-$k.xml"
done
# shellcheck disable=SC2086
x kmsxchg show $MP 'pkcs11:token=issuer'

step "Both tokens: pkcs11-tool computes every KCV in the tokens"
id=30
for k in ENC MAC DEK; do
	want=$(sed -n 's/.*: KCV \([0-9A-F]*\) (zero-block.*/\1/p' "export-$k.txt")
	m=$(token_kcv manufacturer $id)
	i=$(token_kcv issuer $id)
	id=$((id + 1))
	echo "ISD-KVN30-$k: manufacturer $m, issuer $i, document $want"
	[ -n "$want" ] && [ "$m" = "$want" ] && [ "$i" = "$want" ] ||
	    fail "ISD-KVN30-$k: KCVs differ"
done
m=$(pkcs11-tool --module "$M" --token-label issuer --login --pin 12345678 \
    --list-objects 2>/dev/null | grep -c 'Access: *sensitive' || true)
[ "$m" -ge 4 ] || fail "keys in the issuer's token are not sensitive"

step "No clear key in any file"
x ls -R wire officer1 officer2 officer3
grep -l 'Form>clear' wire/*.xml && fail "a clear value in the exchange"
finished=1
printf '\nVERDICT: OK - 3 master keys moved from the manufacturer'"'"'s token to the issuer'"'"'s;\n'
printf '         every KCV computed in the tokens matched; tampered copies were refused\n'
printf '         with the issuer'"'"'s token unchanged; no clear master key left a token.\n'
printf '         The values travelled wrapped and bound to their profiles and the\n'
printf '         document header (aes-kwp-cmac-bound), computed and checked in the tokens.\n'
