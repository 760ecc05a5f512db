#!/bin/sh
# harden.sh - the reviewer's attacks of rev10b on keys kmsxchg puts in a
# token, made by a token user with the PIN (tests/hsm/p11attack.c, which
# knows nothing of our code), on throwaway SoftHSMv2 tokens:
#
#  H1  the transport key and its KBEK carry CKA_UNWRAP_TEMPLATE
#      {CKA_SENSITIVE, CKA_WRAP_WITH_TRUSTED}: a document's value unwrapped
#      under them into the attacker's template (not sensitive,
#      extractable) is refused, so the master key is not read in clear;
#      every import under them lands sensitive (a profile saying
#      Sensitive false is said in one warning) and wrapped under trusted
#      keys only; a transport key without the template is refused for the
#      bound form, and seal refuses it too.  Re-export from the receiver
#      needs a KEK the Security Officer marked CKA_TRUSTED.
#  H3  a profile's export restrictions (bound-block only, a destination)
#      land as CKA_WRAP_WITH_TRUSTED: no wrap under the attacker's key,
#      split --from refuses; split runs the export rules (an expired key
#      is refused, --now decides).
#  M1  imported keys are not modifiable: no usage added by C_CopyObject
#      or C_SetAttributeValue; AllowedMode is CKA_ALLOWED_MECHANISMS (no
#      ECB on a cbc key), the KCV still checked in the token.
#  L1  a SIGINT in the middle of an import (faultp11 raises it at the
#      C_CopyObject) waits until the key is in the token.
#  L3  "no token matches" counts the initialised tokens.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
. "$SRC/tests/hsm/softhsm.sh"
kx_need "$KX" openssl

kx_hsm_pair harden
ATT=$KX_BUILDDIR/tests/hsm/p11attack
F=$KX_BUILDDIR/tests/hsm/.libs/faultp11.so
PIN=$T/hsm/pin
# expect NAME RC REGEX CMD...: exit code, a line on stderr matching REGEX
expect() {
	_e1=$1 _e2=$2 _re=$3
	shift 3
	kx_hsm_run "$_e1" "$_e2" "$@"
	grep -Eq "$_re" "$_n.err" || bad "$_n: stderr: $(cat "$_n.err")"
}
# line FILE LINE: FILE holds LINE
line() { grep -qxF "$2" "$1" || bad "$1: no line '$2': $(cat "$1")"; }
# aeskcv HEXKEY [BYTE]: its zero-block KCV (gp-aes with BYTE 01)
aeskcv() {
	kx_hexbin "$(printf "${2:-00}%.0s" 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)" |
	    openssl enc -aes-128-ecb -nopad -K "$1" |
	    od -An -tx1 | tr -d ' \n' | cut -c1-6 | tr a-f A-F
}

TK=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
printf '%s\n' "$TK" > t.key
chmod 600 t.key
printf '87654321\n' > sopin
$KX split -n 3 -k file:t.key -a aes -p tkc > split.out 2>&1 ||
    bad "split: $(cat split.out)"
for tok in mfr iss; do
	$KX combine $P --to "pkcs11:token=$tok;object=tk" tkc.1 tkc.2 tkc.3 \
	    > combine-$tok.out 2>&1 || bad "combine $tok: $(cat combine-$tok.out)"
done

# H1: the template on the transport key and its KBEK
for k in tk tk.kbek; do
	"$ATT" attrs "$M" iss "$PIN" $k > a-$k.out 2>&1 || bad "attrs $k: $(cat a-$k.out)"
	grep -q "^attrs $k: modifiable=0 .* utmpl=2\$" a-$k.out ||
	    bad "$k: no CKA_UNWRAP_TEMPLATE, or modifiable: $(cat a-$k.out)"
done

# three ISD keys exported bound under the file TK (k1-k3; ENC: export
# allowed as bound-block only, to "Example Issuer Bank"; AllowedMode
# cbc), imported under the token's tk
kx_three_keys t.key three.xml --wrap aes-kwp-cmac-bound ||
    bad "three keys: $(cat three.xml.out)"
$KX import $P --to 'pkcs11:token=iss' --kek 'pkcs11:token=iss;object=tk' \
    --now 2026-02-01 three.xml > i3.out 2> i3.err || bad "import three: $(cat i3.err)"
ENC='ISD SCP03 key set 30 ENC'
MAC='ISD SCP03 key set 30 MAC'
grep -q 'Sensitive' i3.err && bad "import three: a Sensitive warning: $(cat i3.err)"
# rev10d L5: MAC (AllowedMode cmac, usage derive) cannot derive under its
# list, said once; ENC (cbc, derive) gets CKM_AES_CBC_ENCRYPT_DATA
line i3.err "three.xml: warning: key ISD-KVN30-MAC: ISD-KVN30-MAC has usage derive, but none of its AllowedMode has a PKCS#11 derivation (ecb and cbc: C_DeriveKey with CKM_*_ECB_ENCRYPT_DATA, CKM_*_CBC_ENCRYPT_DATA): CKA_ALLOWED_MECHANISMS lets it derive nothing in the token"
[ "$(grep -c 'usage derive' i3.err)" = 1 ] || bad "import three: not one derive warning: $(cat i3.err)"

# H1: the ENC value of the document (its tag cut off) unwrapped under
# tk.kbek with the attacker's template
D=$(sed -n 's:.*<Data>\(.*\)</Data>.*:\1:p' three.xml | head -1)
"$ATT" unwrap "$M" iss "$PIN" tk.kbek "${D%????????????????????????????????}" \
    > h1-bound.out 2>&1 || bad "unwrap tk.kbek: $(cat h1-bound.out)"
line h1-bound.out 'unwrap tk.kbek: -> CKR_TEMPLATE_INCONSISTENT'
grep -q OPEN h1-bound.out && bad "H1: a master key read in clear: $(cat h1-bound.out)"

# H1: an aes-kwp value under tk (exported from mfr, where pkcs11-tool
# wrote the key extractable and not sensitive: its profile says
# Sensitive false): the attacker's unwrap refused; kmsxchg's lands
# sensitive and says so in one warning
kx_hexbin 404142434445464748494A4B4C4D4E4F > k16.bin
kx_hsm_tool mfr --write-object k16.bin --type secrkey --key-type AES:16 \
    --label opensrc --id 0e --extractable >/dev/null 2>&1 ||
    bad "pkcs11-tool --write-object opensrc"
$KX export $P --from 'pkcs11:token=mfr;object=opensrc' --wrap aes-kwp \
    --kek 'pkcs11:token=mfr;object=tk' --kek-id TK1 --now 2026-02-01 \
    -o kwp.xml > kwp.out 2>&1 || bad "aes-kwp export: $(cat kwp.out)"
grep -q '<Sensitive>false</Sensitive>' kwp.xml || bad "kwp.xml: not Sensitive false"
D=$(sed -n 's:.*<Data>\(.*\)</Data>.*:\1:p' kwp.xml | head -1)
"$ATT" unwrap "$M" iss "$PIN" tk "$D" > h1-kwp.out 2>&1 ||
    bad "unwrap tk: $(cat h1-kwp.out)"
line h1-kwp.out 'unwrap tk: -> CKR_TEMPLATE_INCONSISTENT'
grep -q OPEN h1-kwp.out && bad "H1: a key read in clear under tk: $(cat h1-kwp.out)"
$KX import $P --to 'pkcs11:token=iss;object=open' \
    --kek 'pkcs11:token=iss;object=tk' --now 2026-02-01 kwp.xml \
    > ikwp.out 2> ikwp.err || bad "import aes-kwp: $(cat ikwp.err)"
line ikwp.err 'kwp.xml: warning: key opensrc: the profile of opensrc says Sensitive false; the transport key'"'"'s CKA_UNWRAP_TEMPLATE makes every key it unwraps sensitive: it lands CKA_SENSITIVE true in token iss'
[ "$(grep -c Sensitive ikwp.err)" = 1 ] || bad "Sensitive false: not one line: $(cat ikwp.err)"
"$ATT" attrs "$M" iss "$PIN" open > a-open.out 2>&1
grep -q '^attrs open: modifiable=0 copyable=[01] sensitive=1 extractable=1 wrap_with_trusted=1 ' \
    a-open.out || bad "open: $(cat a-open.out)"

# H3 and M1: the restricted ENC key as a token user finds it
"$ATT" attrs "$M" iss "$PIN" "$ENC" > a-enc.out 2>&1 || bad "attrs ENC: $(cat a-enc.out)"
grep -q "^attrs $ENC: modifiable=0 copyable=[01] sensitive=1 extractable=1 wrap_with_trusted=1 trusted=0 allowed=3 " \
    a-enc.out || bad "ENC: $(cat a-enc.out)"
line a-enc.out "copy-wrap $ENC: C_CopyObject {CKA_WRAP true} -> CKR_ATTRIBUTE_READ_ONLY"
line a-enc.out "set-sign $ENC: C_SetAttributeValue {CKA_SIGN true} -> CKR_ACTION_PROHIBITED"
line a-enc.out "extract $ENC: C_WrapKey KWP under the attacker's key -> CKR_KEY_NOT_WRAPPABLE"
# (SoftHSM answers a mechanism the list leaves out so)
line a-enc.out "enc-ecb $ENC: C_EncryptInit CKM_AES_ECB -> CKR_MECHANISM_INVALID"
"$ATT" attrs "$M" iss "$PIN" "$MAC" > a-mac.out 2>&1 || bad "attrs MAC: $(cat a-mac.out)"
grep -q "^attrs $MAC: modifiable=0 .* allowed=2 " a-mac.out || bad "MAC: $(cat a-mac.out)"

# H3: split gives the restricted key out in no form
ni=$(kx_hsm_count iss)
expect split-enc 1 "^kmsxchg: split: key $ENC in token iss is wrapped under trusted keys only \(CKA_WRAP_WITH_TRUSTED\): its value does not leave the token\$" \
    $KX split $P --from "pkcs11:token=iss;object=ISD%20SCP03%20key%20set%2030%20ENC" \
    --parts 2 --out-prefix enc
[ -e enc.1 ] || [ -e enc.2 ] && bad "split-enc: a component was written"
[ "$(kx_hsm_count iss)" = "$ni" ] || bad "split-enc: iss changed"

# H3: split runs the export rules: an extractable key (public, so that
# SoftHSM reads its end date back) that expired on 2020-01-01 is refused
# (KX104), at --now 2019-06-01 it is split
"$ATT" dated "$M" iss "$PIN" old 20200101 > dated.out 2>&1
line dated.out 'dated old: -> CKR_OK'
expect split-expired 1 '\[KX104\] .*key expired at 2020-01-01' \
    $KX split $P --from 'pkcs11:token=iss;object=old' --parts 2 --out-prefix ex
[ -e ex.1 ] && bad "split-expired: a component was written"
$KX split $P --from 'pkcs11:token=iss;object=old' --now 2019-06-01 \
    --parts 2 --out-prefix ok > split-ok.out 2>&1 ||
    bad "split at --now 2019-06-01: $(cat split-ok.out)"
grep -q "^key KCV $(aeskcv 5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A 01)\$" split-ok.out ||
    bad "split at --now 2019-06-01: $(cat split-ok.out)"

# H1: re-export of an imported key (open, which has no dates SoftHSM
# fails to read back) needs a KEK the Security Officer marked
# CKA_TRUSTED: under tk (not trusted), bound or aes-kwp, refused in one
# line; under the SO's trusted KEK it leaves, its KCV the key's
expect reexp-kwp 1 "error: key open in token iss may be wrapped under trusted keys only \(CKA_WRAP_WITH_TRUSTED\) and transport key tk is not CKA_TRUSTED: not exported" \
    $KX export $P --from 'pkcs11:token=iss;object=open' --wrap aes-kwp \
    --kek 'pkcs11:token=iss;object=tk' --now 2026-02-01 -o r1.xml
expect reexp-bound 1 "error: key open in token iss may be wrapped under trusted keys only \(CKA_WRAP_WITH_TRUSTED\) and the KBEK of transport key tk is not CKA_TRUSTED: not exported" \
    $KX export $P --from 'pkcs11:token=iss;object=open' \
    --kek 'pkcs11:token=iss;object=tk' --now 2026-02-01 -o r2.xml
[ -e r1.xml ] || [ -e r2.xml ] && bad "a refused re-export wrote a document"
TRK=202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F
"$ATT" trust "$M" iss sopin trk "$TRK" > trust.out 2>&1
line trust.out 'trust trk: -> CKR_OK'
$KX export $P --from 'pkcs11:token=iss;object=open' --wrap aes-kwp \
    --kek 'pkcs11:token=iss;object=trk' --kek-id TRK --now 2026-02-01 \
    -o r3.xml > r3.out 2>&1 || bad "re-export under the trusted KEK: $(cat r3.out)"
grep -q "^exported open from token iss: KCV $(aeskcv 404142434445464748494A4B4C4D4E4F) " r3.out ||
    bad "re-export: not k1: $(cat r3.out)"

# H1: a transport key as combine made it before (the mechanism list, not
# modifiable, no CKA_UNWRAP_TEMPLATE) is refused for the bound form
"$ATT" oldtk "$M" iss "$PIN" notmpl "$TK" > oldtk.out 2>&1
line oldtk.out 'oldtk notmpl: -> CKR_OK'
$KX export --template "$SRC/profiles/templates/gp-scp03-isd-enc.xml" \
    --key ISD-SCP03-ENC=file:k1 --kek file:t.key --kek-alg aes \
    --kek-id TK1 --wrap aes-kwp-cmac-bound --now 2026-02-01 -o one.xml \
    > one.out 2>&1 || bad "one key, bound: $(cat one.out)"
ni=$(kx_hsm_count iss)
expect notmpl 1 '^one.xml: error: transport key notmpl in token iss has no CKA_UNWRAP_TEMPLATE \{CKA_SENSITIVE, CKA_WRAP_WITH_TRUSTED\} \(any token user unwraps a document.s value under it into a key he may read\): not used for aes-kwp-cmac-bound; a copy cannot set it, so combine the key into the token again \(combine --to pkcs11:, a new label\)$' \
    $KX import $P --to 'pkcs11:token=iss;object=again' \
    --kek 'pkcs11:token=iss;object=notmpl' --now 2026-02-01 one.xml
[ "$(kx_hsm_count iss)" = "$ni" ] || bad "notmpl: iss changed"

# rev10d M2: a plain aes-kwp value unwrapped under a KEK without our
# CKA_UNWRAP_TEMPLATE (notmpl) says so in one warning naming the KEK; a
# profile whose export is restricted (here a destination) but that says
# Sensitive false lands sensitive and under trusted keys only, under that
# KEK and under the one-time session key of a file transport key alike;
# an unrestricted one lands as its profile says
sed 's:<TrustedKekOnly>:<Destination>Example Issuer Bank</Destination>&:' \
    kwp.xml > kwpd.xml
grep -q '<Destination>' kwpd.xml || bad "kwpd.xml: no destination"
$KX import $P --to 'pkcs11:token=iss;object=nt1' \
    --kek 'pkcs11:token=iss;object=notmpl' --now 2026-02-01 kwp.xml \
    > nt1.out 2> nt1.err || bad "import under notmpl: $(cat nt1.err)"
line nt1.err "kwp.xml: warning: transport key notmpl in token iss has no CKA_UNWRAP_TEMPLATE {CKA_SENSITIVE, CKA_WRAP_WITH_TRUSTED}: any token user with the PIN can unwrap this document's values under it into keys he may read; imported keys land as their profiles say (sensitive where export is restricted); combine the key into the token again (combine --to pkcs11:, a new label), which sets it"
[ "$(grep -c 'warning: transport key' nt1.err)" = 1 ] ||
    bad "notmpl: not one KEK warning: $(cat nt1.err)"
# rev6 F5: the warning comes with an import that succeeds, not with one
# that is then refused (here: label nt1 is taken)
ni=$(kx_hsm_count iss)
$KX import $P --to 'pkcs11:token=iss;object=nt1' \
    --kek 'pkcs11:token=iss;object=notmpl' --now 2026-02-01 kwp.xml \
    > nt1b.out 2> nt1b.err && bad "import onto a taken label succeeded"
grep -q "nt1" nt1b.err || bad "nt1b: refused without naming nt1: $(cat nt1b.err)"
grep -q "has no CKA_UNWRAP_TEMPLATE" nt1b.err &&
    bad "nt1b: a KEK warning for a refused import: $(cat nt1b.err)"
[ "$(kx_hsm_count iss)" = "$ni" ] || bad "nt1b: iss changed"
"$ATT" attrs "$M" iss "$PIN" nt1 > a-nt1.out 2>&1
grep -q '^attrs nt1: modifiable=0 copyable=[01] sensitive=0 extractable=1 wrap_with_trusted=0 ' \
    a-nt1.out || bad "nt1: $(cat a-nt1.out)"
$KX import $P --to 'pkcs11:token=iss;object=nt2' \
    --kek 'pkcs11:token=iss;object=notmpl' --now 2026-02-01 kwpd.xml \
    > nt2.out 2> nt2.err || bad "import restricted under notmpl: $(cat nt2.err)"
grep -q "warning: transport key notmpl in token iss has no CKA_UNWRAP_TEMPLATE" nt2.err ||
    bad "nt2: no KEK warning: $(cat nt2.err)"
line nt2.err "kwpd.xml: warning: key opensrc: the profile of opensrc says Sensitive false but restricts its export (a token knows that only as CKA_WRAP_WITH_TRUSTED, which a key it lets read would escape): it lands CKA_SENSITIVE true in token iss"
"$ATT" attrs "$M" iss "$PIN" nt2 > a-nt2.out 2>&1
grep -q '^attrs nt2: modifiable=0 copyable=[01] sensitive=1 extractable=1 wrap_with_trusted=1 ' \
    a-nt2.out || bad "nt2: $(cat a-nt2.out)"
# the same profile through a file transport key (a one-time session key)
sed -e 's:<Form>bound-block</Form>:<Form>wrapped</Form>:' \
    -e 's:<Sensitive>true</Sensitive>:<Sensitive>false</Sensitive>:' \
    "$SRC/samples/exchange/isd-keys.profile.xml" > ns.profile.xml
$KX export --profile ns.profile.xml --key ISD-KVN30-ENC=file:k1 \
    --key ISD-KVN30-MAC=file:k2 --key ISD-KVN30-DEK=file:k3 \
    --kek file:t.key --kek-alg aes --kek-id TK1 --now 2026-02-01 \
    -o ns.xml > ns.out 2>&1 || bad "ns.xml: $(cat ns.out)"
$KX import $P --to 'pkcs11:token=mfr' --kek file:t.key --now 2026-02-01 \
    ns.xml > nsf.out 2> nsf.err || bad "import ns.xml (file KEK): $(cat nsf.err)"
grep -q "warning: key ISD-KVN30-ENC: the profile of ISD-KVN30-ENC says Sensitive false but restricts its export" nsf.err ||
    bad "ns.xml: no Sensitive warning: $(cat nsf.err)"
grep -q "transport key .* has no CKA_UNWRAP_TEMPLATE" nsf.err &&
    bad "ns.xml: a KEK warning for a one-time session key: $(cat nsf.err)"
"$ATT" attrs "$M" mfr "$PIN" "$ENC" > a-nsenc.out 2>&1
grep -q "^attrs $ENC: modifiable=0 copyable=[01] sensitive=1 extractable=1 wrap_with_trusted=1 " \
    a-nsenc.out || bad "ns ENC: $(cat a-nsenc.out)"

# L1: SIGINT at the C_CopyObject of an import (faultp11): held until the
# key is in the token, then the run ends by the signal
ni=$(kx_hsm_count iss)
set +e
KX_FAULT_MODULE=$M KX_FAULT_SIGNAL=1 $KX import --module "$F" \
    --pin-source "file:$PIN" --to 'pkcs11:token=iss;object=late' \
    --kek 'pkcs11:token=iss;object=tk' --now 2026-02-01 kwp.xml \
    > sig.out 2> sig.err
rc=$?
set -e
[ $rc = 130 ] || bad "SIGINT: exit $rc, want 130 (killed by SIGINT): $(cat sig.err)"
[ "$(kx_hsm_count iss)" = $((ni + 1)) ] ||
    bad "SIGINT: the import did not finish: $(kx_hsm_count iss) objects, were $ni"
kx_hsm_show iss late | grep -q 'Secret Key Object' || bad "SIGINT: no key late"

# rev10c H1, M1: a second token user looking on at every C_CopyObject and
# C_DeriveKey (faultp11 KX_FAULT_WATCH) never sees a transport key in the
# token that can derive or be modified: an AES one (its KBEK and KBAK
# derived from the session key first) and a TDEA one; old (made modifiable
# by p11attack dated) shows that the watch looks
printf '0123456789ABCDEFFEDCBA9876543210\n' > t2.key
chmod 600 t2.key
$KX split -n 2 -k file:t2.key -a tdea2 -p t2c > split2.out 2>&1 ||
    bad "split tdea: $(cat split2.out)"
# tdn: the same through a token that takes no wrapping key in clear
# (faultp11 KX_FAULT_NO_CLEAR_WRAP): C_CreateObject refused, the key
# enters under a one-time session key with the same mechanism list and
# unwrap template (an AES one, tkn, below)
for w in tkw:tkc.1:tkc.2:tkc.3 tdw:t2c.1:t2c.2 tdn:t2c.1:t2c.2; do
	IFS=: read -r lab c1 c2 c3 <<EOF2
$w
EOF2
	ncw=; how='C_CreateObject, wiped'
	case $lab in tdn) ncw=1 how='C_UnwrapKey under a one-time session key, wiped' ;; esac
	env ${ncw:+KX_FAULT_NO_CLEAR_WRAP=1} \
	    KX_FAULT_MODULE=$M KX_FAULT_WATCH=$T/watch.log $KX combine \
	    --module "$F" --pin-source "file:$PIN" \
	    --to "pkcs11:token=iss;object=$lab" $c1 $c2 $c3 > w-$lab.out 2>&1 ||
	    bad "combine $lab: $(cat w-$lab.out)"
	grep -q "^$lab " "$T/watch.log" &&
	    bad "$lab in the token with CKA_DERIVE or modifiable: $(grep "^$lab" "$T/watch.log" | sort -u)"
	"$ATT" attrs "$M" iss "$PIN" $lab > a-$lab.out 2>&1 || bad "attrs $lab: $(cat a-$lab.out)"
	grep -q "^attrs $lab: modifiable=0 copyable=[01] sensitive=1 extractable=0 wrap_with_trusted=1 " a-$lab.out ||
	    bad "$lab modifiable, not sensitive, extractable or not wrap-with-trusted: $(cat a-$lab.out)"
	grep -q warning w-$lab.out && bad "combine $lab warned: $(cat w-$lab.out)"
	# rev10d M2b: TDEA too is limited to its wrap mechanisms (tdea-ecb
	# and tdea-cbc), as AES to RFC 3394, 5649 and the pair's derivation
	n=3
	case $lab in td?) n=2 ;; esac
	grep -q "^attrs $lab: .* allowed=$n utmpl=2\$" a-$lab.out ||
	    bad "$lab: not limited to its $n wrap mechanisms, or no unwrap template: $(cat a-$lab.out)"
	grep -q "moved in with $how\$" w-$lab.out ||
	    bad "$lab: not moved in with $how: $(cat w-$lab.out)"
done
# an AES one: SoftHSM 2.6 records no length (CKA_VALUE_LEN 0) for a key it
# unwrapped and refuses to set it, and export and seal need it: refused,
# iss unchanged, rather than stored where nothing can use it (rev7 M1)
ni=$(kx_hsm_count iss)
expect tkn 1 'token iss records no length for transport key tkn \(CKA_VALUE_LEN 0, as SoftHSM 2.6 keeps it for a key it unwrapped\): export under it would be refused, so it is not stored$' \
    env KX_FAULT_NO_CLEAR_WRAP=1 KX_FAULT_MODULE=$M $KX combine \
    --module "$F" --pin-source "file:$PIN" \
    --to 'pkcs11:token=iss;object=tkn' tkc.1 tkc.2 tkc.3
[ "$(kx_hsm_count iss)" = "$ni" ] || bad "tkn: iss changed"
# rev10d M2b: a TDEA key already in the token, modifiable (pkcs11-tool's
# default), is never a transport key there: export and import refuse it
# before anything is wrapped or unwrapped, as every non-AES secret key
kx_hexbin 0123456789ABCDEFFEDCBA98765432100123456789ABCDEF > t3.bin
kx_hsm_tool iss --write-object t3.bin --type secrkey --key-type DES3:24 \
    --label td3 --id 0f >/dev/null 2>&1 || bad "pkcs11-tool --write-object td3"
"$ATT" attrs "$M" iss "$PIN" td3 > a-td3.out 2>&1
grep -q '^attrs td3: modifiable=1 ' a-td3.out || bad "td3 not modifiable: $(cat a-td3.out)"
ni=$(kx_hsm_count iss)
expect td3-export 1 'transport key td3 in token iss: not an AES key \(only AES transport keys wrap in a token\)$' \
    $KX export $P --from 'pkcs11:token=iss;object=open' --wrap aes-kwp \
    --kek 'pkcs11:token=iss;object=td3' --now 2026-02-01 -o td3.xml
expect td3-import 1 'transport key td3 in token iss: not an AES key \(only AES transport keys wrap in a token\)$' \
    $KX import $P --to 'pkcs11:token=iss;object=td3in' \
    --kek 'pkcs11:token=iss;object=td3' --now 2026-02-01 kwp.xml
[ -e td3.xml ] && bad "td3-export: a document was written"
[ "$(kx_hsm_count iss)" = "$ni" ] || bad "td3: iss changed"
grep -q '^old derive=[01] modifiable=1$' "$T/watch.log" ||
    bad "the watch saw nothing: $(cat "$T/watch.log")"

# rev10c L1: a refused attribute is named under a transport key with
# CKA_UNWRAP_TEMPLATE (the probe's base carries its attributes)
ni=$(kx_hsm_count iss)
set +e
KX_FAULT_MODULE=$M KX_FAULT_REFUSE=CKA_DERIVE $KX import --module "$F" \
    --pin-source "file:$PIN" --to 'pkcs11:token=iss;object=pr1' \
    --kek 'pkcs11:token=iss;object=tk' --now 2026-02-01 kwp.xml \
    > pr.out 2> pr.err
rc=$?
set -e
[ $rc != 0 ] || bad "CKA_DERIVE refused: exit 0"
grep -q "token iss will not take CKA_DERIVE as the profile says it" pr.err ||
    bad "CKA_DERIVE refused, not named: $(cat pr.err)"
[ "$(kx_hsm_count iss)" = "$ni" ] || bad "CKA_DERIVE refused: iss changed"

# rev10c L3: Ctrl-C in the middle of combine --to pkcs11: (faultp11 raises
# SIGINT at the first C_CopyObject): the key is stored, the result printed
# with a line that says so, then the run ends by the signal
set +e
KX_FAULT_MODULE=$M KX_FAULT_SIGNAL=1 $KX combine --module "$F" \
    --pin-source "file:$PIN" --to 'pkcs11:token=iss;object=tksig' \
    tkc.1 tkc.2 tkc.3 > csig.out 2> csig.err
rc=$?
set -e
[ $rc = 130 ] || bad "combine SIGINT: exit $rc, want 130: $(cat csig.err)"
grep -q '^combined key stored in token iss as a transport key' csig.out ||
    bad "combine SIGINT: no result line: $(cat csig.out)"
line csig.err "kmsxchg: pkcs11:token=iss;object=tksig: interrupted after the token changed (the key above is stored)"
kx_hsm_show iss tksig | grep -q 'Secret Key Object' || bad "combine SIGINT: no key tksig"

# L3: the initialised tokens are counted (mfr and iss; SoftHSM's free
# slot is not one)
expect notoken 2 "no token matches \(module .* has 2 initialised tokens\)\$" \
    $KX show $P 'pkcs11:token=nosuch'

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "harden: all checks passed"
