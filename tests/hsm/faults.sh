#!/bin/sh
# faults.sh - what a real HSM may do and SoftHSM never does (issue 10,
# item 7): refuse single attributes of a template, and run full.  The
# test module tests/hsm/faultp11.c forwards to SoftHSM and injects those
# faults.  Every refused attribute is named on a line of its own (fail
# closed, nothing silently dropped); a full token gives one clear line;
# afterwards both tokens hold exactly the objects they held before
# (pkcs11-tool on the real module lists no new object).  The module's
# log also shows the OAEP parameters asked of the token.  In its
# KX_FAULT_XOR mode it offers CKM_XOR_BASE_AND_DATA (test-only emulation)
# for combine --to in the token.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
. "$SRC/tests/hsm/softhsm.sh"
kx_need "$KX" openssl
F=$KX_BUILDDIR/tests/hsm/.libs/faultp11.so
[ -f "$F" ] || { echo "FAIL: $F not built (make check builds it)"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/kx-faults.XXXXXX")
trap '[ -n "${KX_KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T"
kx_hsm_setup "$T/hsm"
kx_hsm_token mfr
kx_hsm_token iss
KX_FAULT_MODULE=$KX_P11_MODULE
export KX_FAULT_MODULE
# through the fault module; the real one for the set-up and the checks
P="--module $F --pin-source file:$T/hsm/pin"
R="--module $KX_P11_MODULE --pin-source file:$T/hsm/pin"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

TK=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
printf '%s' "$TK" | sed 's/../\\x&/g' | xargs -0 printf > tk.bin
printf '%s\n' "$TK" > t.key
chmod 600 t.key
kx_hsm_tool mfr --keygen --key-type AES:32 --label master --id 0a \
    --sensitive --extractable >/dev/null 2>&1
for tok in mfr iss; do
	kx_hsm_tool $tok --write-object tk.bin --type secrkey \
	    --key-type AES:32 --label tk --id 01 >/dev/null 2>&1
done
$KX export $R --from 'pkcs11:token=mfr;object=master' --wrap aes-kwp \
    --kek 'pkcs11:token=mfr;object=tk' --kek-id TK1 -o master.xml \
    > export.out 2>&1 || bad "export: $(cat export.out)"
# three keys, bound under the file transport key (imported in process
# and moved into the token under a session key, one by one)
kx_three_keys t.key three.xml ||
    bad "export of three keys: $(cat three.xml.out)"

nm=$(kx_hsm_count mfr)
ni=$(kx_hsm_count iss)
[ "$nm" = 2 ] && [ "$ni" = 1 ] || bad "set-up: mfr $nm, iss $ni objects"
# expect NAME RC CMD...: exit code; both tokens as they were; no key
# value on either stream
expect() {
	kx_hsm_run "$@"
	[ "$(kx_hsm_count mfr)" = "$nm" ] || bad "$_n: mfr changed"
	[ "$(kx_hsm_count iss)" = "$ni" ] ||
	    bad "$_n: iss changed: $(kx_hsm_count iss) objects, were $ni"
	grep -qi "$TK\|4041424344\|5051525354\|6061626364" "$_n.out" \
	    "$_n.err" && bad "$_n: a key value is printed"
	return 0
}
# has NAME REGEX: a line of NAME's stderr matches
has() { grep -Eq "$2" "$1.err" || bad "$1: no line '$2': $(cat "$1.err")"; }

# 1. refused attributes, in-token unwrap: each one named, nothing made
expect refuse 1 env KX_FAULT_REFUSE=CKA_DERIVE,CKA_ID \
    $KX import $P --to 'pkcs11:token=iss' --kek 'pkcs11:token=iss;object=tk' \
    master.xml
has refuse '^master.xml: error: key master: token iss will not take CKA_ID as the profile says it \(CKR_ATTRIBUTE_TYPE_INVALID\)$'
has refuse '^master.xml: error: key master: token iss will not take CKA_DERIVE as the profile says it \(CKR_ATTRIBUTE_TYPE_INVALID\)$'
[ "$(grep -c 'will not take' refuse.err)" = 2 ] ||
    bad "refuse: not exactly two refused attributes: $(cat refuse.err)"
has refuse 'import refused: token iss unchanged'
kx_hsm_show iss master | grep -q . && bad "refuse: a key master is in iss"

# the same with CKR_TEMPLATE_INCONSISTENT, for the validity dates of a
# bound key moved in under a session key
sed 's|<Cryptoperiod>|<NotBefore>2026-01-01T00:00:00Z</NotBefore><NotAfter>2026-12-31T23:59:59Z</NotAfter><Cryptoperiod>|' \
    "$SRC/profiles/templates/gp-scp03-isd-enc.xml" > dated.xml
$KX export --template dated.xml --key ISD-SCP03-ENC=file:k1 \
    --kek file:t.key --kek-alg aes --kek-id TK1 --now 2026-02-01 \
    -o dated-x.xml > dexport.out 2>&1 || bad "dated export: $(cat dexport.out)"
expect refuse-dates 1 env KX_FAULT_REFUSE=CKA_START_DATE,CKA_END_DATE \
    KX_FAULT_RV=inconsistent $KX import $P --to 'pkcs11:token=iss' \
    --kek file:t.key --now 2026-02-01 dated-x.xml
has refuse-dates 'token iss will not take CKA_START_DATE as the profile says it \(CKR_TEMPLATE_INCONSISTENT\)$'
has refuse-dates 'token iss will not take CKA_END_DATE as the profile says it \(CKR_TEMPLATE_INCONSISTENT\)$'
[ "$(grep -c 'will not take' refuse-dates.err)" = 2 ] ||
    bad "refuse-dates: $(cat refuse-dates.err)"

# a ceremony key into a token that will not take CKA_WRAP
$KX split -n 3 -k file:t.key -a aes -p tkc > split.out 2>&1 ||
    bad "split: $(cat split.out)"
expect refuse-store 1 env KX_FAULT_REFUSE=CKA_WRAP \
    $KX combine $P --to 'pkcs11:token=iss;object=tk2' tkc.1 tkc.2 tkc.3
has refuse-store 'token iss will not take CKA_WRAP as the profile says it'
[ "$(grep -c 'will not take' refuse-store.err)" = 1 ] ||
    bad "refuse-store: $(cat refuse-store.err)"

# 2. a full token: one clear line, nothing left behind
expect full 2 env KX_FAULT_FULL_AFTER=0 $KX import $P \
    --to 'pkcs11:token=iss' --kek 'pkcs11:token=iss;object=tk' master.xml
has full 'token iss is full \(CKR_DEVICE_MEMORY\): no room for master'
# full at the third of three keys (a session key and the key are 2
# objects each): the two keys already in are taken out again
expect full-third 2 env KX_FAULT_FULL_AFTER=4 $KX import $P \
    --to 'pkcs11:token=iss' --kek file:t.key --now 2026-02-01 three.xml
has full-third 'token iss is full \(CKR_DEVICE_MEMORY\): no room for '
has full-third 'import refused: token iss unchanged'
for k in 'key set 30 ENC' 'key set 30 MAC' 'key set 30 DEK'; do
	kx_hsm_tool iss --list-objects 2>/dev/null | grep -q "$k" &&
	    bad "full-third: $k left in iss"
done
expect full-store 2 env KX_FAULT_FULL_AFTER=0 \
    $KX combine $P --to 'pkcs11:token=iss;object=tk2' tkc.1 tkc.2 tkc.3
has full-store 'token iss is full \(CKR_DEVICE_MEMORY\): no room for tk2'
has full-store '^kmsxchg: combine: token iss unchanged'
[ "$(grep -c . full-store.err)" = 2 ] || bad "full-store: $(cat full-store.err)"

# 3. what is asked of the token for rsa-oaep-sha256: CKM_RSA_PKCS_OAEP
# (0x9) with CKM_SHA256 (0x250), CKG_MGF1_SHA256 (0x2), CKZ_DATA_SPECIFIED
# (0x1), on export (C_WrapKey) and import (C_UnwrapKey); SoftHSM answers
# CKR_ARGUMENTS_BAD (0x7) both times
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out rsa.pem \
    2>/dev/null || bad "openssl genpkey"
openssl pkey -in rsa.pem -pubout -out rsapub.pem
kx_hsm_tool mfr --write-object rsapub.pem --type pubkey --label rsa \
    --id 30 --usage-wrap >/dev/null 2>&1 || bad "pkcs11-tool: rsa public key"
kx_hsm_tool iss --write-object rsa.pem --type privkey --label rsa \
    --id 30 --usage-decrypt >/dev/null 2>&1 || bad "pkcs11-tool: rsa private key"
printf '404142434445464748494A4B4C4D4E4F' | sed 's/../\\x&/g' |
    xargs -0 printf > k128.bin
kx_hsm_tool mfr --write-object k128.bin --type secrkey --key-type AES:16 \
    --label open128 --id 31 --extractable >/dev/null 2>&1
nm=$(kx_hsm_count mfr)
ni=$(kx_hsm_count iss)
KX_FAULT_LOG=$T/p11.log $KX export $P \
    --from 'pkcs11:token=mfr;object=open128' \
    --kek 'pkcs11:token=mfr;object=rsa;type=public' --kek-id RK \
    -o oaep.xml > oaep.out 2>&1 || bad "oaep export: $(cat oaep.out)"
expect oaep-import 1 env KX_FAULT_LOG=$T/p11.log $KX import $P \
    --to 'pkcs11:token=iss' --kek 'pkcs11:token=iss;object=rsa;type=private' \
    oaep.xml
has oaep-import 'but not with SHA-256 and MGF1-SHA-256 \(CKR_ARGUMENTS_BAD\)'
printf '%s\n' 'C_WrapKey mech=0x9 hash=0x250 mgf=0x2 source=0x1 -> rv=0x7' \
    'C_UnwrapKey mech=0x9 hash=0x250 mgf=0x2 source=0x1 -> rv=0x7' > p11.want
cmp -s p11.want "$T/p11.log" || bad "OAEP parameters asked of the token: $(cat "$T/p11.log")"

# 4. the fault module itself: without faults the same import works
$KX import $P --to 'pkcs11:token=iss' --kek file:t.key --now 2026-02-01 \
    three.xml > ok.out 2>&1 || bad "import through the module: $(cat ok.out)"
[ "$(kx_hsm_count iss)" = $((ni + 3)) ] || bad "import through the module: $(kx_hsm_count iss) objects"

# 5. combine --to in the token (issue 10, item 5): KX_FAULT_XOR=1 makes
# the module offer CKM_XOR_BASE_AND_DATA (SoftHSM 2.6 has none).  The
# key is made with C_DeriveKey, one per further component; the only
# C_CreateObject carrying a value is the first component as a session
# object; the key in the token is t.key (pkcs11-tool wraps a known key
# under it in the token, openssl unwraps that with t.key).
$KX combine tkc.1 tkc.2 tkc.3 > inproc.out 2>&1 ||
    bad "combine in process: $(cat inproc.out)"
want=$(sed -n 's/^key KCV //p' inproc.out)
ni=$(kx_hsm_count iss)
rm -f "$T/x.log"
env KX_FAULT_XOR=1 KX_FAULT_LOG=$T/x.log $KX combine $P \
    --to 'pkcs11:token=iss;object=tkx;id=%22' tkc.1 tkc.2 tkc.3 \
    > xor.out 2> xor.err || bad "combine --to in the token: $(cat xor.err)"
grep -q "^combined key stored in token iss as a transport key .*: KCV $want (gp-aes) matches, computed in the token; combined in the token: 3 components XORed in with C_DeriveKey (CKM_XOR_BASE_AND_DATA), the combined key never in process\$" \
    xor.out || bad "combine --to in the token: $(cat xor.out), want KCV $want"
[ "$(grep -c '^C_DeriveKey mech=0x364 data=32 -> rv=0x0$' "$T/x.log")" = 2 ] ||
    bad "not two C_DeriveKey CKM_XOR_BASE_AND_DATA: $(cat "$T/x.log")"
[ "$(grep -c '^C_CreateObject token=0 value=32 ' "$T/x.log")" = 1 ] &&
    [ "$(grep -c '^C_CreateObject .*value=[1-9]' "$T/x.log")" = 1 ] ||
    bad "a value other than the first component created: $(cat "$T/x.log")"
tkfp=$(openssl dgst -sha256 -r tk.bin | cut -c1-16)
grep -q "sha256=$tkfp" "$T/x.log" && bad "C_CreateObject carried the combined key"
# three new objects: the key, its KBEK and KBAK (derived from it once,
# then CKA_DERIVE cleared: reviewer finding D2)
[ "$(kx_hsm_count iss)" = $((ni + 3)) ] || bad "combine --to in the token: not three new objects"
grep -q '^transport key in token iss: KBEK tkx.kbek (wrap, unwrap) and KBAK tkx.kbak (sign, verify) of aes-kwp-cmac-bound derived once beside it (sensitive, not extractable, not modifiable; every key the KBEK unwraps is sensitive and wrapped under trusted keys only); tkx copied into the token once, wrap and unwrap only and not modifiable (C_CopyObject; never with CKA_DERIVE in the token)$' \
    xor.out || bad "combine --to in the token: no KBEK/KBAK line: $(cat xor.out)"
kx_hsm_show iss tkx > tkx.list
grep -q 'Usage: *wrap, unwrap$' tkx.list || bad "tkx usage: $(cat tkx.list)"
grep -q 'extractable' tkx.list && bad "tkx is extractable: $(cat tkx.list)"
kx_hsm_tool iss --write-object k128.bin --type secrkey --key-type AES:16 \
    --label open128 --id 31 --extractable >/dev/null 2>&1
kx_hsm_tool iss --wrap -m AES-KEY-WRAP --id 22 --application-id 31 \
    --output-file tkx.w >/dev/null 2>&1 || bad "pkcs11-tool --wrap under tkx"
openssl enc -d -id-aes256-wrap -K "$TK" -iv A6A6A6A6A6A6A6A6 -in tkx.w \
    -out tkx.unw 2>/dev/null && cmp -s tkx.unw k128.bin ||
    bad "the key in the token is not the combined key"
# TDEA from two components: their XOR is in even parity; made odd as the
# in-process path does (same KCV), also in a token that sets no parity
# (KX_FAULT_XOR=raw: the module logs the parity of the key it made)
printf '0123456789ABCDEFFEDCBA9876543210\n' > t2.key
chmod 600 t2.key
$KX split -n 2 -k file:t2.key -a tdea2 -p t2c > split2.out 2>&1 ||
    bad "split tdea2: $(cat split2.out)"
want2=$($KX combine t2c.1 t2c.2 2>&1 | sed -n 's/^key KCV //p')
rm -f "$T/x.log"
env KX_FAULT_XOR=raw KX_FAULT_LOG=$T/x.log $KX combine $P \
    --to 'pkcs11:token=iss;object=tkx2' t2c.1 t2c.2 > xor2.out 2> xor2.err ||
    bad "tdea2 in the token: $(cat xor2.err)"
grep -q "KCV $want2 .*combined in the token: 2 components XORed in" xor2.out ||
    bad "tdea2 in the token: $(cat xor2.out), want $want2"
grep -q '^C_DeriveKey mech=0x364 data=16 parity=odd -> rv=0x0$' "$T/x.log" ||
    bad "tdea2 in the token: not in odd parity: $(cat "$T/x.log")"
# Shamir shares: not an XOR, combined in process (said so)
$KX split -n 3 -m 2 -k file:t.key -a aes -p sh > splits.out 2>&1 ||
    bad "split shamir: $(cat splits.out)"
env KX_FAULT_XOR=1 $KX combine $P --to 'pkcs11:token=iss;object=tkx3' \
    sh.1 sh.3 > xor3.out 2> xor3.err || bad "shamir into the token: $(cat xor3.err)"
grep -q "KCV $want (gp-aes) matches, computed in the token; combined in process on the secure heap (Shamir shares are not combined by XOR in a token), moved in with C_CreateObject, wiped\$" \
    xor3.out || bad "shamir into the token: $(cat xor3.out)"
# a failure in the middle (the token full at the last derive), and a
# token that derives a wrong key (the KCV check in the token fails after
# the key was made): one error, nothing left, not even session objects
nm=$(kx_hsm_count mfr)
ni=$(kx_hsm_count iss)
rm -f "$T/x.log"
expect xor-full 2 env KX_FAULT_XOR=1 KX_FAULT_FULL_AFTER=2 \
    KX_FAULT_LOG=$T/x.log $KX combine $P --to 'pkcs11:token=iss;object=tk3' \
    tkc.1 tkc.2 tkc.3
has xor-full 'token iss is full \(CKR_DEVICE_MEMORY\): no room for tk3'
has xor-full '^kmsxchg: combine: token iss unchanged'
[ "$(grep -c '^C_DestroyObject -> rv=0x0$' "$T/x.log")" = 2 ] ||
    bad "xor-full: session objects not destroyed: $(cat "$T/x.log")"
rm -f "$T/x.log"
expect xor-wrong 1 env KX_FAULT_XOR=flip KX_FAULT_LOG=$T/x.log $KX combine \
    $P --to 'pkcs11:token=iss;object=tk3' tkc.1 tkc.2 tkc.3
has xor-wrong "KCV of the key in token iss is [0-9A-F]*, the document says $want"
has xor-wrong '^kmsxchg: combine: token iss unchanged'
[ "$(grep -c '^C_DestroyObject -> rv=0x0$' "$T/x.log")" = 4 ] ||
    bad "xor-wrong: objects not destroyed: $(cat "$T/x.log")"
kx_hsm_show iss tk3 | grep -q . && bad "a key tk3 is in iss"
# (D2) the token full as the checked session key is copied into it
# (after 1 object), while KBEK and KBAK are derived (after 2: at KBEK)
# or the key is sealed (after 4: at the C_CopyObject): one error, the
# key and the pair destroyed, the token unchanged
for n in 1 2 4; do
	expect pair-full-$n 2 env KX_FAULT_FULL_AFTER=$n $KX combine $P \
	    --to 'pkcs11:token=iss;object=tk4' tkc.1 tkc.2 tkc.3
	has pair-full-$n 'token iss is full \(CKR_DEVICE_MEMORY\): no room for tk4'
	has pair-full-$n '^kmsxchg: combine: token iss unchanged'
	[ "$(kx_hsm_count iss)" = "$ni" ] || bad "pair-full-$n: iss changed"
done
# ... and seal: a key made before has no CKA_UNWRAP_TEMPLATE, which a
# copy cannot add, so seal refuses it before it writes anything (rev10b
# H1), full token or not; the old key as it was (CKA_DERIVE)
kx_hsm_tool iss --write-object tk.bin --type secrkey --key-type AES:32 \
    --label oldf --id 06 >/dev/null 2>&1
"$KX_BUILDDIR/tests/hsm/p11probe" "$KX_P11_MODULE" iss "$T/hsm/pin" oldf \
    > oldf.probe 2>&1 || bad "p11probe oldf: $(cat oldf.probe)"
ni=$(kx_hsm_count iss)
kx_hsm_show iss oldf > oldf.list
grep -q 'Usage: .*derive' oldf.list || bad "oldf cannot derive: $(cat oldf.list)"
for n in 1 2; do
	expect seal-full-$n 1 env KX_FAULT_FULL_AFTER=$n $KX seal $P \
	    'pkcs11:token=iss;object=oldf'
	has seal-full-$n 'transport key oldf in token iss has no CKA_UNWRAP_TEMPLATE .* it is not sealed; combine it into the token again'
	[ "$(kx_hsm_count iss)" = "$ni" ] || bad "seal-full-$n: iss changed"
	kx_hsm_show iss oldf > oldf2.list
	cmp -s oldf.list oldf2.list || bad "seal-full-$n: oldf changed: $(cat oldf2.list)"
done

# 6. another writer in the same token while a run fails (issue 10 review
# D1): KX_FAULT_FOREIGN=LABEL makes the module create, through a second
# session, a data object foreign-N and an AES key labelled LABEL with
# CKA_ID FF before every create and unwrap.  The rollback takes out what
# the run made, and its half-made object, and nothing else: every foreign
# object is still there, none of ours is.  Each case on a fresh token.
# foreign_ok NAME TOKEN KEYS LABEL: the checks after run NAME (KEYS: the
# keys TOKEN held before)
foreign_ok() {
	_nf=$(grep -c '^foreign [0-9]* -> rv=0x0$' "$T/$1.log" || :)
	[ "$_nf" -ge 2 ] || bad "$1: the other writer made $_nf object pairs"
	[ "$(grep -c '^foreign ' "$T/$1.log")" = "$_nf" ] ||
	    bad "$1: the other writer failed: $(cat "$T/$1.log")"
	[ "$(kx_hsm_count "$2")" = $(($3 + _nf)) ] ||
	    bad "$1: $(kx_hsm_count "$2") keys in $2, want $3 + $_nf"
	kx_hsm_tool "$2" --list-objects > "$1.list" 2>/dev/null
	[ "$(grep -c '^Data object' "$1.list")" = "$_nf" ] ||
	    bad "$1: not $_nf data objects in $2: $(cat "$1.list")"
	_i=1
	while [ "$_i" -le "$_nf" ]; do
		grep -q "label: *'*foreign-$_i'*\$" "$1.list" ||
		    bad "$1: foreign-$_i was destroyed"
		_i=$((_i + 1))
	done
	kx_hsm_show "$2" "$4" > "$1.same"
	[ "$(grep -c '^Secret Key Object' "$1.same")" = "$_nf" ] &&
	    [ "$(grep -c '^ *ID: *ff$' "$1.same")" = "$_nf" ] ||
	    bad "$1: not exactly the $_nf foreign keys labelled $4: $(cat "$1.same")"
	grep -q 'unchanged by this run (every object it made is destroyed)' \
	    "$1.err" || bad "$1: no rollback line: $(cat "$1.err")"
}
# full at the third of three keys: the two keys made are taken out, the
# foreign key labelled like the third (another id) stays
kx_hsm_token fa
n0=$(kx_hsm_count fa || :)
kx_hsm_run foreign-full 2 env KX_FAULT_FULL_AFTER=4 \
    KX_FAULT_FOREIGN='key set 30 DEK' KX_FAULT_LOG=$T/foreign-full.log \
    $KX import $P --to 'pkcs11:token=fa' --kek file:t.key --now 2026-02-01 \
    three.xml
has foreign-full 'token fa is full \(CKR_DEVICE_MEMORY\): no room for '
foreign_ok foreign-full fa "$n0" 'key set 30 DEK'
for k in 'key set 30 ENC' 'key set 30 MAC'; do
	kx_hsm_show fa "$k" | grep -q . && bad "foreign-full: $k left in fa"
done
# a refused CKA_ID: the half-made key (our label, no id) is found and
# destroyed; the foreign key with the same label and id FF is not
kx_hsm_token fb
n0=$(kx_hsm_count fb || :)
kx_hsm_run foreign-refuse 1 env KX_FAULT_REFUSE=CKA_ID \
    KX_FAULT_FOREIGN='key set 30 ENC' KX_FAULT_LOG=$T/foreign-refuse.log \
    $KX import $P --to 'pkcs11:token=fb' --kek file:t.key --now 2026-02-01 \
    three.xml
has foreign-refuse 'token fb will not take CKA_ID as the profile says it'
foreign_ok foreign-refuse fb "$n0" 'key set 30 ENC'
# the store path (combine, C_CreateObject refused, then under a session
# key, refused again): the same
kx_hsm_token fc
n0=$(kx_hsm_count fc || :)
kx_hsm_run foreign-store 1 env KX_FAULT_REFUSE=CKA_WRAP \
    KX_FAULT_FOREIGN=tk2 KX_FAULT_LOG=$T/foreign-store.log \
    $KX combine $P --to 'pkcs11:token=fc;object=tk2' tkc.1 tkc.2 tkc.3
has foreign-store 'token fc will not take CKA_WRAP as the profile says it'
foreign_ok foreign-store fc "$n0" tk2

# a failed import and an exact twin of its key (class, key type, label
# master, id 0a: another process's finished import of the same document)
# made before each of its unwraps (issue 10 review rev10 point 2): the
# key is unwrapped as a session object, so its half-made leftover is
# swept among its own session objects and every twin survives
kx_hsm_token fe
kx_hsm_tool fe --write-object tk.bin --type secrkey --key-type AES:32 \
    --label tk --id 01 >/dev/null 2>&1 || bad "tk into fe"
n0=$(kx_hsm_count fe || :)
kx_hsm_run foreign-twin 1 env KX_FAULT_REFUSE=CKA_DERIVE \
    KX_FAULT_FOREIGN=master KX_FAULT_FOREIGN_ID=0a \
    KX_FAULT_LOG=$T/foreign-twin.log $KX import $P --to 'pkcs11:token=fe' \
    --kek 'pkcs11:token=fe;object=tk' master.xml
has foreign-twin 'token fe will not take CKA_DERIVE as the profile says it'
_nf=$(grep -c '^foreign [0-9]* -> rv=0x0$' "$T/foreign-twin.log" || :)
[ "$_nf" -ge 1 ] || bad "foreign-twin: the other writer made no twin"
kx_hsm_show fe master > foreign-twin.same
[ "$(grep -c '^Secret Key Object' foreign-twin.same)" = "$_nf" ] &&
    [ "$(grep -c '^ *ID: *0a$' foreign-twin.same)" = "$_nf" ] ||
    bad "foreign-twin: not the $_nf twins (master, id 0a) in fe: $(cat foreign-twin.same)"
[ "$(kx_hsm_count fe)" = $((n0 + _nf)) ] ||
    bad "foreign-twin: $(kx_hsm_count fe) keys in fe, want $n0 + $_nf"

# twins_ok NAME TOKEN N0 LABEL ID: after run NAME, every exact twin
# (label LABEL, id ID: another run's finished key) the other writer made
# is in TOKEN, and no other key is new (kx_hsm_count counts keys)
twins_ok() {
	_nf=$(grep -c '^foreign [0-9]* -> rv=0x0$' "$T/$1.log" || :)
	[ "$_nf" -ge 1 ] || bad "$1: the other writer made no twin"
	kx_hsm_show "$2" "$4" > "$1.same"
	[ "$(grep -c '^Secret Key Object' "$1.same")" = "$_nf" ] &&
	    [ "$(grep -c "^ *ID: *$5\$" "$1.same")" = "$_nf" ] ||
	    bad "$1: not the $_nf twins ($4, id $5) in $2: $(cat "$1.same")"
	[ "$(kx_hsm_count "$2")" = $(($3 + _nf)) ] ||
	    bad "$1: $(kx_hsm_count "$2") keys in $2, want $3 + $_nf"
	kx_hsm_tool "$2" --list-objects > "$1.list" 2>/dev/null
	[ "$(grep -c '^Data object' "$1.list")" -ge "$_nf" ] ||
	    bad "$1: the other writer's data objects are gone: $(cat "$1.list")"
}
# the store path and combine --to (issue 10 item 1): a failed ceremony
# and an exact twin of its key (class, key type, label tk5 and id ab)
# made before each of its creates.  The key is created (C_CreateObject,
# or the last C_DeriveKey of an in-token combine) as a session object
# and copied into the token only once checked, so the failure's leftover
# is swept among its own session objects: every twin survives (a sweep
# by class, key type, label and id took them out)
kx_hsm_token ff
n0=$(kx_hsm_count ff || :)
kx_hsm_run store-twin 1 env KX_FAULT_REFUSE=CKA_WRAP KX_FAULT_FOREIGN=tk5 \
    KX_FAULT_FOREIGN_ID=ab KX_FAULT_LOG=$T/store-twin.log $KX combine $P \
    --to 'pkcs11:token=ff;object=tk5;id=%ab' tkc.1 tkc.2 tkc.3
has store-twin 'token ff will not take CKA_WRAP as the profile says it'
twins_ok store-twin ff "$n0" tk5 ab
n0=$(kx_hsm_count ff || :)
kx_hsm_run combine-twin 1 env KX_FAULT_XOR=1 KX_FAULT_REFUSE=CKA_WRAP \
    KX_FAULT_FOREIGN=tk6 KX_FAULT_FOREIGN_ID=cd \
    KX_FAULT_LOG=$T/combine-twin.log $KX combine $P \
    --to 'pkcs11:token=ff;object=tk6;id=%cd' tkc.1 tkc.2 tkc.3
has combine-twin 'C_DeriveKey \(CKM_XOR_BASE_AND_DATA\) of tk6, component 3 of 3, failed \(CKR_ATTRIBUTE_TYPE_INVALID\)'
grep -q '^C_DeriveKey mech=0x364 data=32 -> rv=0x12$' "$T/combine-twin.log" ||
    bad "combine-twin: the last derive was not refused: $(cat "$T/combine-twin.log")"
twins_ok combine-twin ff "$n0" tk6 cd

# a label taken while the run stores its key (issue 10 item 2): the
# other writer's key labelled like ours appears after label_free found
# the label free.  After the copy into the token the label is checked
# again: a twin fails the run (exit 1, "is taken") and ours is destroyed,
# so the token never holds two keys under one label made this way
for c in import store combine; do
	kx_hsm_token fg$c
	n0=$(kx_hsm_count fg$c || :)
	case $c in
	import)
		kx_hsm_tool fg$c --write-object tk.bin --type secrkey \
		    --key-type AES:32 --label tk --id 01 >/dev/null 2>&1
		n0=$(kx_hsm_count fg$c || :)
		set -- $KX import $P --to "pkcs11:token=fg$c" \
		    --kek "pkcs11:token=fg$c;object=tk" master.xml
		l=master ;;
	store)
		set -- $KX combine $P --to "pkcs11:token=fg$c;object=tk7" \
		    tkc.1 tkc.2 tkc.3
		l=tk7 ;;
	combine)
		set -- env KX_FAULT_XOR=1 $KX combine $P \
		    --to "pkcs11:token=fg$c;object=tk7" tkc.1 tkc.2 tkc.3
		l=tk7 ;;
	esac
	kx_hsm_run taken-$c 1 env KX_FAULT_FOREIGN=$l \
	    KX_FAULT_LOG=$T/taken-$c.log "$@"
	has taken-$c "token fg$c: label $l is taken: another secret key labelled $l was stored while this run stored its own \\(a parallel run\\?\\); ours is destroyed\$"
	has taken-$c "token fg$c unchanged by this run"
	twins_ok taken-$c fg$c "$n0" $l ff
done

# 7. a token without the mechanisms of the bound form (issue 10 item 3):
# KX_FAULT_HIDE takes CKM_AES_CMAC, or CKM_AES_ECB_ENCRYPT_DATA, out of
# the token.  Export refuses the default form with one line naming the
# missing mechanism and the form (nothing written); --wrap aes-kwp says
# it is not bound; without CKM_AES_KEY_WRAP_PAD it says aes-kw
kx_hsm_token fd
$KX combine $R --to 'pkcs11:token=fd;object=tkd' tkc.1 tkc.2 tkc.3 \
    > tkd.out 2>&1 || bad "combine into fd: $(cat tkd.out)"
kx_hsm_tool fd --keygen --key-type AES:32 --label mk --id 0d --sensitive \
    --extractable >/dev/null 2>&1 || bad "pkcs11-tool --keygen mk"
$KX export $P --from 'pkcs11:token=fd;object=mk' \
    --kek 'pkcs11:token=fd;object=tkd' --kek-id TK1 -o hide-none.xml \
    > hide-none.out 2>&1 || bad "bound export from fd: $(cat hide-none.out)"
grep -q '<Algorithm>aes-kwp-cmac-bound</Algorithm>' hide-none.xml ||
    bad "export from fd: not bound"
m=CKM_AES_CMAC
kx_hsm_run hide-$m 1 env KX_FAULT_HIDE=$m $KX export $P \
    --from 'pkcs11:token=fd;object=mk' \
    --kek 'pkcs11:token=fd;object=tkd' --kek-id TK1 -o hide.xml
has hide-$m "^pkcs11:token=fd;object=mk: error: token fd has no $m \\(to sign\\): the aes-kwp-cmac-bound form cannot be computed in it\$"
[ "$(grep -c 'error:' hide-$m.err)" = 1 ] ||
    bad "hide-$m: not one error: $(cat hide-$m.err)"
[ -e hide.xml ] && bad "hide-$m: a document was written"
# (D2) export derives nothing (the pair is stored): without
# CKM_AES_ECB_ENCRYPT_DATA it still binds
m=CKM_AES_ECB_ENCRYPT_DATA
env KX_FAULT_HIDE=$m $KX export $P --from 'pkcs11:token=fd;object=mk' \
    --kek 'pkcs11:token=fd;object=tkd' --kek-id TK1 -o hide-ecb.xml \
    > hide-ecb.out 2>&1 || bad "bound export without $m: $(cat hide-ecb.out)"
grep -q '<Algorithm>aes-kwp-cmac-bound</Algorithm>' hide-ecb.xml ||
    bad "export without $m: not bound"
# (issue 10 item 4) an AES transport key into a token without one of the
# mechanisms of the pair (to derive, sign and verify, wrap and unwrap)
# would get no KBEK and KBAK (no bound form under it); an older key seal
# mends has no CKA_ALLOWED_MECHANISMS either, so C_WrapKey with
# CKM_AES_CBC under it would be an AES-ECB oracle: combine and seal
# refuse it with one line naming the mechanism (exit 1, nothing made)
n0=$(kx_hsm_count fd)
for hm in CKM_AES_ECB_ENCRYPT_DATA:derive CKM_AES_CMAC:sign \
    CKM_AES_KEY_WRAP_PAD:wrap; do
	m=${hm%:*}
	kx_hsm_run unbound-$m 1 env KX_FAULT_HIDE=$m $KX combine $P \
	    --to 'pkcs11:token=fd;object=tke' tkc.1 tkc.2 tkc.3
	has unbound-$m "^kmsxchg: combine: token fd has no $m \\(to ${hm#*:}\\): transport key tke would get no KBEK and KBAK \\(no aes-kwp-cmac-bound, export's default form, under it\\), so it is not stored; --allow-unbound stores it all the same, for aes-kw and aes-kwp only\$"
	[ "$(grep -vc 'token fd unchanged' unbound-$m.err)" = 1 ] ||
	    bad "unbound-$m: not one line: $(cat unbound-$m.err)"
	[ "$(kx_hsm_count fd)" = "$n0" ] || bad "unbound-$m: fd changed"
done
kx_hsm_tool fd --write-object tk.bin --type secrkey --key-type AES:32 \
    --label oldd --id 07 >/dev/null 2>&1 || bad "oldd into fd"
# (p11probe leaves it with CKA_DERIVE set, as an older version made it)
"$KX_BUILDDIR/tests/hsm/p11probe" "$KX_P11_MODULE" fd "$T/hsm/pin" oldd \
    > oldd.probe 2>&1 || bad "p11probe oldd: $(cat oldd.probe)"
kx_hsm_show fd oldd | grep -q 'Usage: .*derive' || bad "oldd cannot derive"
n0=$(kx_hsm_count fd)
kx_hsm_run unbound-seal 1 env KX_FAULT_HIDE=CKM_AES_CMAC $KX seal $P \
    'pkcs11:token=fd;object=oldd'
has unbound-seal '^kmsxchg: seal: token fd has no CKM_AES_CMAC \(to sign\): transport key oldd would get no KBEK and KBAK and has no CKA_ALLOWED_MECHANISMS \(C_WrapKey with CKM_AES_CBC under it would be an AES-ECB oracle for every token user\), so it is not sealed; --allow-unbound seals it all the same, for aes-kw and aes-kwp only$'
[ "$(kx_hsm_count fd)" = "$n0" ] || bad "unbound-seal: fd changed"
kx_hsm_run unbound-usage 2 $KX combine --allow-unbound -o x.key tkc.1 tkc.2
# --allow-unbound stores it all the same: no pair (a warning saying so;
# the key sealed all the same, with CKA_ALLOWED_MECHANISMS RFC 3394 and
# 5649 and the derivation its KCV used: rev10d L2, no CBC-wrap oracle),
# and export under that key then names the missing KBEK
m=CKM_AES_ECB_ENCRYPT_DATA
env KX_FAULT_HIDE=$m $KX combine $P --allow-unbound \
    --to 'pkcs11:token=fd;object=tke' tkc.1 tkc.2 tkc.3 > tke.out 2>&1 ||
    bad "combine --allow-unbound without $m: $(cat tke.out)"
grep -q "warning: key tke: token fd has no $m (to derive): no KBEK and KBAK stored, the aes-kwp-cmac-bound form is not available under transport key tke (export --wrap aes-kwp is; --allow-unbound); the key wraps and unwraps with RFC 3394 and 5649 only (CKA_ALLOWED_MECHANISMS)\$" \
    tke.out || bad "combine without $m: no warning: $(cat tke.out)"
grep -q "^transport key in token fd: no KBEK and KBAK (the token has no $m to derive); tke copied into the token once, wrap and unwrap only and not modifiable (C_CopyObject; never with CKA_DERIVE in the token)\$" \
    tke.out || bad "combine without $m: $(cat tke.out)"
"$KX_BUILDDIR/tests/hsm/p11attack" attrs "$KX_P11_MODULE" fd "$T/hsm/pin" tke \
    > a-tke.out 2>&1 || bad "attrs tke: $(cat a-tke.out)"
grep -q '^attrs tke: modifiable=0 .* allowed=3 ' a-tke.out ||
    bad "tke: not limited to its 3 mechanisms: $(cat a-tke.out)"
# the same combined in the token (KX_FAULT_XOR): the KCV checked on a
# twin of the last derive made without the list
env KX_FAULT_XOR=1 KX_FAULT_HIDE=$m $KX combine $P --allow-unbound \
    --to 'pkcs11:token=fd;object=tkex' tkc.1 tkc.2 tkc.3 > tkex.out 2>&1 ||
    bad "combine --allow-unbound in the token without $m: $(cat tkex.out)"
grep -q 'combined in the token: 3 components' tkex.out ||
    bad "tkex: not combined in the token: $(cat tkex.out)"
"$KX_BUILDDIR/tests/hsm/p11attack" attrs "$KX_P11_MODULE" fd "$T/hsm/pin" tkex \
    > a-tkex.out 2>&1 || bad "attrs tkex: $(cat a-tkex.out)"
grep -q '^attrs tkex: modifiable=0 .* allowed=3 ' a-tkex.out ||
    bad "tkex: not limited to its 3 mechanisms: $(cat a-tkex.out)"
kx_hsm_run hide-tke 1 $KX export $P --from 'pkcs11:token=fd;object=mk' \
    --kek 'pkcs11:token=fd;object=tke' --kek-id TK1 -o hide.xml
has hide-tke '^pkcs11:token=fd;object=mk: error: transport key tke in token fd has no KBEK \(tke.kbek\) beside it'
[ -e hide.xml ] && bad "hide-tke: a document was written"
env KX_FAULT_HIDE=CKM_AES_CMAC,CKM_AES_ECB_ENCRYPT_DATA $KX export $P \
    --from 'pkcs11:token=fd;object=mk' --wrap aes-kwp \
    --kek 'pkcs11:token=fd;object=tkd' --kek-id TK1 -o hide-kwp.xml \
    > hide-kwp.out 2>&1 || bad "aes-kwp export from fd: $(cat hide-kwp.out)"
grep -q '^exported mk from token fd: .*wrapped in the token with C_WrapKey under TK1 as aes-kwp: NOT bound to its profile (--wrap aes-kwp)' \
    hide-kwp.out || bad "aes-kwp export from fd: $(cat hide-kwp.out)"
env KX_FAULT_HIDE=CKM_AES_KEY_WRAP_PAD $KX export $P \
    --from 'pkcs11:token=fd;object=mk' --wrap aes-kwp \
    --kek 'pkcs11:token=fd;object=tkd' --kek-id TK1 -o hide-kw.xml \
    > hide-kw.out 2>&1 || bad "aes-kw export from fd: $(cat hide-kw.out)"
grep -q '^exported mk from token fd: .*wrapped in the token with C_WrapKey, RFC 3394 (the token has no CKM_AES_KEY_WRAP_PAD) under TK1 as aes-kw: NOT bound' \
    hide-kw.out || bad "aes-kw export from fd: $(cat hide-kw.out)"
grep -q '<Algorithm>aes-kw</Algorithm>' hide-kw.xml || bad "hide-kw: not aes-kw"

# 8. two imports of one document into one token at the same time (issue
# 10 item 2; the reviewer saw two keys under one label in 7 of 8 runs):
# label_free is a check before the create, so both may pass it; the
# checks right before and after the copy into the token fail at least
# one of them.  Never two keys under one label afterwards, and a key for
# each run that exits 0.  A slow token (KX_FAULT_DELAY: 500 ms before
# each unwrap), the second run started 150 ms after the first, makes both
# pass label_free before either unwraps, so the checks at the copy must
# have refused at least once.  SoftHSM 2.6 itself sometimes fails a
# process whose C_Login reads the token while another's rewrites it
# (C_Login CKR_GENERAL_ERROR, or the token not found, exit 2): such a run
# makes nothing, the invariant is still checked, and the round is run
# again (6 rounds with both runs in the token, within 12 tries)
kx_hsm_token rc
kx_hsm_tool rc --write-object tk.bin --type secrkey --key-type AES:32 \
    --label tk --id 01 >/dev/null 2>&1 || bad "tk into rc"
i=1 nok=0 npre=0 npost=0 nflaky=0 nboth=0
while [ $nboth -lt 6 ] && [ $i -le 12 ]; do
	for j in a b; do
		[ $j = a ] || sleep 0.15
		env KX_FAULT_DELAY=500 $KX import $P \
		    --to "pkcs11:token=rc;object=m$i" \
		    --kek 'pkcs11:token=rc;object=tk' master.xml \
		    > race$i$j.out 2> race$i$j.err &
		eval "p$j=\$!"
	done
	set +e
	wait $pa; ra=$?
	wait $pb; rb=$?
	set -e
	ok=0 fl=0
	for rj in "$ra:a" "$rb:b"; do
		e=race$i${rj#*:}.err
		case $rj in
		0:*) ok=$((ok + 1)) ;;
		1:*) if grep -q "label m$i is taken" "$e"; then
			npost=$((npost + 1))
		     elif grep -q "already holds a secret key labelled m$i" "$e"
		     then
			npre=$((npre + 1))
		     else
			bad "race $i: exit 1 without a taken label: $(cat "$e")"
		     fi ;;
		2:*) grep -Eq '^kmsxchg: import: (token rc: C_Login failed \(CKR_GENERAL_ERROR\)|pkcs11:token=rc;object=m[0-9]*: no token matches)' \
		    "$e" || bad "race $i: exit 2: $(cat "$e")"
		    fl=1 nflaky=$((nflaky + 1)) ;;
		*) bad "race $i: exit ${rj%:*}: $(cat "$e")" ;;
		esac
	done
	[ $fl = 1 ] || nboth=$((nboth + 1))
	nk=$(kx_hsm_show rc m$i | grep -c '^Secret Key Object' || :)
	[ "$nk" -le 1 ] || bad "race $i: $nk keys labelled m$i"
	[ "$nk" = "$ok" ] || bad "race $i: $nk keys labelled m$i, $ok runs exited 0"
	nok=$((nok + ok))
	i=$((i + 1))
done
echo "race: $((i - 1)) rounds of two imports ($nboth with both in the token): $nok succeeded; refused: $npre by label_free, $npost by the checks at the copy; $nflaky SoftHSM open/login failures"
[ $nboth -ge 6 ] || bad "race: only $nboth rounds with both runs in the token"
[ $npost -ge 1 ] || bad "race: the checks at the copy never refused (no overlap)"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "faults: all checks passed"
