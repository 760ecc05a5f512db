#!/bin/sh
# bound.sh - keys leave and enter a token wrapped AND bound (issue 10 F1):
# aes-kwp-cmac-bound, computed in the token (C_DeriveKey with
# CKM_AES_ECB_ENCRYPT_DATA, C_WrapKey with CKM_AES_KEY_WRAP_PAD, C_Sign
# with CKM_AES_CMAC) and checked in the token (C_Verify before
# C_UnwrapKey), never clear in our process.  python3-cryptography
# recomputes an exported value byte for byte from the known KEK and key;
# a tampered profile (Sensitive flipped, usage widened), tag or block is
# refused with the token unchanged; file KEK <-> token KEK both ways; a
# transport key without CKA_DERIVE gives one clear line.
#
# python3-cryptography is a hard requirement here (./bootstrap installs
# it): missing, the test FAILS, it does not skip.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
. "$SRC/tests/hsm/softhsm.sh"
kx_need "$KX" openssl
if ! /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
	echo "FAIL: python3-cryptography missing under /usr/bin/python3 (apt-get install python3-cryptography; ./bootstrap installs it)"
	exit 1
fi

kx_hsm_pair bound
# expect NAME RC REGEX CMD...: exit code, a line on stderr matching REGEX
expect() {
	_e1=$1 _e2=$2 _re=$3
	shift 3
	kx_hsm_run "$_e1" "$_e2" "$@"
	grep -Eq "$_re" "$_n.err" || bad "$_n: stderr: $(cat "$_n.err")"
}

MASTER=603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4
TK=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
kx_hexbin "$MASTER" > master.bin
kx_hexbin "$TK" > tk.bin
printf '%s\n' "$TK" > t.key
chmod 600 t.key
KCV=$(head -c 16 /dev/zero | openssl enc -aes-256-ecb -nopad -K "$MASTER" |
    od -An -tx1 | tr -d ' \n' | cut -c1-6 | tr a-f A-F)
head -c 16 /dev/zero > zero.bin
token_kcv() {	# token_kcv TOKEN ID: the KCV pkcs11-tool computes there
	kx_hsm_tool "$1" --encrypt -m AES-ECB --id "$2" --input-file zero.bin \
	    --output-file kcv.bin >/dev/null 2>&1 || { echo none; return; }
	od -An -tx1 kcv.bin | tr -d ' \n' | cut -c1-6 | tr a-f A-F
}

# the master key in mfr; the transport key combined into both tokens
# from three components (an AES ceremony key: wrap, unwrap, derive); the
# same value written by pkcs11-tool without CKA_DERIVE as "plain"
kx_hsm_tool mfr --write-object master.bin --type secrkey --key-type AES:32 \
    --label master --id 0a --sensitive --extractable >/dev/null 2>&1
$KX split -n 3 -k file:t.key -a aes -p tkc > split.out 2>&1 ||
    bad "split: $(cat split.out)"
for tok in mfr iss; do
	$KX combine $P --to "pkcs11:token=$tok;object=tk" tkc.1 tkc.2 tkc.3 \
	    > combine-$tok.out 2>&1 || bad "combine $tok: $(cat combine-$tok.out)"
	kx_hsm_tool $tok --write-object tk.bin --type secrkey \
	    --key-type AES:32 --label plain --id 01 >/dev/null 2>&1
done
grep -q 'as a transport key (wrap, unwrap, derive; sensitive, not extractable)' \
    combine-iss.out || bad "combine: $(cat combine-iss.out)"

# 1. export: bound by default, computed in the token; no KX138
$KX export $P --from 'pkcs11:token=mfr;object=master' \
    --kek 'pkcs11:token=mfr;object=tk' --kek-id TK1 --sender mfr \
    --recipient iss --now 2026-02-01 -o m.xml > export.out 2> export.err ||
    bad "export exit $?: $(cat export.err)"
grep -q "^exported master from token mfr: KCV $KCV (zero-block, computed in the token), wrapped and bound in the token (C_DeriveKey, C_WrapKey, C_Sign) under TK1 as aes-kwp-cmac-bound: bound to its profile and the document header\$" \
    export.out || bad "export status: $(cat export.out)"
grep -q 'KX138' export.err && bad "export warns KX138: $(cat export.err)"
grep -q '<Algorithm>aes-kwp-cmac-bound</Algorithm>' m.xml || bad "export: form"
grep -q '<Method>header-profile-der-v2</Method>' m.xml || bad "export: binding"
$KX validate --now 2026-02-01 m.xml > val.out 2>&1 || bad "validate: $(cat val.out)"
grep -q KX138 val.out && bad "validate warns KX138: $(cat val.out)"

# 2. python-cryptography recomputes the value from TK, MASTER and the
# bound data rebuilt from the DER (kmsxchg(5) aes-kwp-cmac-bound)
$KX convert --to der -o m.der m.xml || bad "convert to DER"
PYTHONPATH=$SRC/tests/interop /usr/bin/python3 - "$TK" "$MASTER" m.der \
    > py.out 2>&1 <<'EOF' || bad "python-cryptography: $(cat py.out)"
import hashlib
import sys
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding
from kxder import bound_values

kek, key = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])


def derive(purpose):
    n = len(kek)
    dd = b"".join(bytes([1, i + 1, 0, purpose, 0, 0, {16: 2, 24: 3, 32: 4}[n]])
                  + (8 * n).to_bytes(2, "big") + b"kmsxchg"
                  for i in range((n + 15) // 16))
    e = Cipher(algorithms.AES(kek), modes.ECB()).encryptor()
    return (e.update(dd) + e.finalize())[:n]


n = 0
for kid, val, bind, ad, _ in bound_values(open(sys.argv[3], "rb").read()):
    w = aes_key_wrap_with_padding(derive(0), key)
    c = CMAC(algorithms.AES(derive(1)))
    c.update(len(ad).to_bytes(4, "big") + ad + w)
    if val[0x84] != w + c.finalize():
        sys.exit("%s: the value differs" % kid)
    if bind[0x81] != hashlib.sha256(ad).digest():
        sys.exit("%s: the AadDigest differs" % kid)
    n += 1
if n != 1:
    sys.exit("%d keys" % n)
print("recomputed")
EOF
grep -q '^recomputed$' py.out || bad "python-cryptography: $(cat py.out)"

# 3. tampered copies: refused, iss unchanged (before the real import)
ni=$(kx_hsm_count iss)
unchanged() {
	[ "$(kx_hsm_count iss)" = "$ni" ] || bad "$1: iss changed"
	grep -q "import refused: token iss unchanged ($ni objects)" "$1.err" ||
	    bad "$1: no unchanged line: $(cat "$1.err")"
}
imp() {
	_w=$1 _f=$2
	expect "$_w" 1 "$3" $KX import $P --to 'pkcs11:token=iss' \
	    --kek 'pkcs11:token=iss;object=tk' --now 2026-02-01 "$_f"
	unchanged "$_w"
}
sed 's:<Sensitive>true</Sensitive>:<Sensitive>false</Sensitive>:' m.xml > t-sens.xml
cmp -s m.xml t-sens.xml && bad "t-sens.xml: nothing changed"
imp t-sens t-sens.xml 'KX136.*key master: binding digest does not match'
# the digest dropped as well: the tag, checked in the token, decides
sed -e 's:<Sensitive>true</Sensitive>:<Sensitive>false</Sensitive>:' \
    -e '/<AadDigest>/d' m.xml > t-sens2.xml
imp t-sens2 t-sens2.xml 'KX134.*key master: the wrapped value does not verify under transport key TK1 \(its AES-CMAC tag, checked in token iss\)'
sed -e 's:<Usage>decrypt</Usage>:<Usage>decrypt</Usage><Usage>derive</Usage>:' \
    -e '/<AadDigest>/d' m.xml > t-use.xml
cmp -s m.xml t-use.xml && bad "t-use.xml: nothing changed"
imp t-use t-use.xml 'KX134.*its AES-CMAC tag, checked in token iss'
data=$(sed -n 's:.*<Data>\(.*\)</Data>.*:\1:p' m.xml)
flip() {	# the value with its hex digit $1 changed
	printf '%s%s%s' "$(printf '%s' "$data" | cut -c1-$(($1 - 1)))" \
	    "$(printf '%s' "$data" | cut -c"$1" | tr '0-9A-F' '1-9A-F0')" \
	    "$(printf '%s' "$data" | cut -c$(($1 + 1))-)"
}
sed "s:$data:$(flip 11):" m.xml > t-block.xml
imp t-block t-block.xml 'KX134.*its AES-CMAC tag, checked in token iss'
sed "s:$data:$(flip ${#data}):" m.xml > t-tag.xml
imp t-tag t-tag.xml 'KX134.*its AES-CMAC tag, checked in token iss'

# 4. import into iss: tag verified and unwrapped in the token
$KX import $P --to 'pkcs11:token=iss' --kek 'pkcs11:token=iss;object=tk' \
    --now 2026-02-01 m.xml > import.out 2> import.err ||
    bad "import exit $?: $(cat import.err)"
grep -q "^imported master into token iss: aes-kwp-cmac-bound value, bound to its profile and verified; tag verified and unwrapped in the token (C_Verify, C_UnwrapKey); KCV $KCV matches, computed in the token\$" \
    import.out || bad "import status: $(cat import.out)"
grep -q KX138 import.err && bad "import warns KX138: $(cat import.err)"
[ "$(kx_hsm_count iss)" = $((ni + 1)) ] || bad "import: not one new object (session keys left?)"
kx_hsm_show mfr master > src.list
kx_hsm_show iss master > dst.list
[ -n "$(grep Usage: src.list)" ] &&
    [ "$(grep Usage: dst.list)" = "$(grep Usage: src.list)" ] ||
    bad "usage: $(grep Usage: dst.list), source $(grep Usage: src.list)"
grep -q 'Access: *sensitive, extractable' dst.list ||
    bad "access: $(grep Access dst.list)"
grep -q 'ID: *0a' dst.list || bad "id: $(cat dst.list)"
[ "$(token_kcv iss 0a)" = "$KCV" ] || bad "pkcs11-tool: KCV in iss is not $KCV"

# 5. token -> file KEK: the same value opens in process
$KX import --kek file:t.key --kek-alg aes --now 2026-02-01 \
    --insecure-clear-output=clear --insecure-clear-production m.xml \
    > fimport.out 2>&1 || bad "file import: $(cat fimport.out)"
[ "$(tr -d '\n' < clear/master.key)" = "$MASTER" ] ||
    bad "file import: the value is not the master key"
rm -rf clear

# 6. file KEK -> token: export from files in the bound form, import into
# iss under the token's transport key (in the token)
K16=2B7E151628AED2A6ABF7158809CF4F3C
KCV16=$(head -c 16 /dev/zero | openssl enc -aes-128-ecb -nopad -K "$K16" |
    od -An -tx1 | tr -d ' \n' | cut -c1-6 | tr a-f A-F)
printf '%s\n' "$K16" > k16.key && chmod 600 k16.key
$KX export --template "$SRC/profiles/templates/gp-scp03-isd-enc.xml" \
    --key ISD-SCP03-ENC=file:k16.key --kek file:t.key --kek-alg aes \
    --kek-id TK1 --wrap aes-kwp-cmac-bound --now 2026-02-01 -o f.xml \
    > fexport.out 2>&1 || bad "file export: $(cat fexport.out)"
grep -q '<Algorithm>aes-kwp-cmac-bound</Algorithm>' f.xml || bad "file export: form"
ni=$(kx_hsm_count iss)
$KX import $P --to 'pkcs11:token=iss;object=fromfile;id=%1F' \
    --kek 'pkcs11:token=iss;object=tk' --now 2026-02-01 f.xml \
    > fimp.out 2> fimp.err || bad "file -> token import: $(cat fimp.err)"
grep -q 'aes-kwp-cmac-bound value, bound to its profile and verified; tag verified and unwrapped in the token' \
    fimp.out || bad "file -> token status: $(cat fimp.out)"
[ "$(kx_hsm_count iss)" = $((ni + 1)) ] || bad "file -> token: not one new object"
[ "$(token_kcv iss 1f)" = "$KCV16" ] || bad "file -> token: KCV is not $KCV16"

# 6b. (issue 10 F4) without id= in the URI and no CKA_ID of a source
# token, the new object's CKA_ID is the profile's Id as UTF-8 bytes:
# pkcs11-tool --id finds it by their hex (a binary CKA_ID another tool
# wrote, as master's 0a above, still travels as it was)
IDHEX=$(printf 'ISD-SCP03-ENC' | od -An -tx1 | tr -d ' \n')
$KX import $P --to 'pkcs11:token=iss' --kek 'pkcs11:token=iss;object=tk' \
    --now 2026-02-01 f.xml > fid.out 2>&1 || bad "import without id=: $(cat fid.out)"
kx_hsm_show iss 'ISD SCP03 ENC key' > fid.list
grep -q "ID: *$IDHEX\$" fid.list || bad "CKA_ID is not the profile's Id: $(cat fid.list)"
[ "$(token_kcv iss "$IDHEX")" = "$KCV16" ] ||
    bad "pkcs11-tool --id $IDHEX: KCV is not $KCV16"
$KX show $P 'pkcs11:token=iss;object=ISD%20SCP03%20ENC%20key' > fid.show 2>&1 ||
    bad "show by label: $(cat fid.show)"
grep -q "^  key ISD SCP03 ENC key aes/128 " fid.show || bad "show: $(cat fid.show)"

# 7. a transport key without CKA_DERIVE: one clear line, nothing made
nm=$(kx_hsm_count mfr); ni=$(kx_hsm_count iss)
derive_re='^pkcs11:token=mfr;object=master: error: transport key plain in token mfr: CKA_DERIVE is not set, and the aes-kwp-cmac-bound form derives its KBEK and KBAK from it in the token \(CKM_AES_ECB_ENCRYPT_DATA\): set CKA_DERIVE on the transport key \(or export with --wrap aes-kwp, NOT bound\)$'
expect no-derive 1 "$derive_re" $KX export $P \
    --from 'pkcs11:token=mfr;object=master' \
    --kek 'pkcs11:token=mfr;object=plain' --kek-id TK1 -o nd.xml
[ -e nd.xml ] && bad "no-derive: a document was written"
[ "$(kx_hsm_count mfr)" = "$nm" ] || bad "no-derive: mfr changed"
expect no-derive-import 1 'error: transport key plain in token iss: CKA_DERIVE is not set, and the aes-kwp-cmac-bound form derives its KBEK and KBAK from it in the token \(CKM_AES_ECB_ENCRYPT_DATA\): set CKA_DERIVE on the transport key$' \
    $KX import $P --to 'pkcs11:token=iss;object=again' \
    --kek 'pkcs11:token=iss;object=plain' --now 2026-02-01 f.xml
[ "$(kx_hsm_count iss)" = "$ni" ] || bad "no-derive-import: iss changed"
# ... and the unbound form, asked for by name, still leaves (KX138)
$KX export $P --from 'pkcs11:token=mfr;object=master' --wrap aes-kwp \
    --kek 'pkcs11:token=mfr;object=plain' --kek-id TK1 -o kwp.xml \
    > kwp.out 2>&1 || bad "--wrap aes-kwp: $(cat kwp.out)"
grep -q 'as aes-kwp: NOT bound to its profile (--wrap aes-kwp)' kwp.out ||
    bad "--wrap aes-kwp: $(cat kwp.out)"

grep -qi "$MASTER" ./*.out ./*.err && bad "a key value was printed"
[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "bound: all checks passed"
