#!/bin/sh
# kcv-policy.sh - review M4 (issue 8): a token key whose KCV the token
# cannot give (a tdea3 key without CKA_ENCRYPT) leaves without one, and
# rule KX132 says so at the policy's severity, through the rule engine as
# for a key from a file: one warning with no policy, a refused export
# (nothing written) with a policy that raises KX132 to error, no KX132 at
# all with a policy that turns it off.  Old main warned KX132 directly as
# well: two warnings, and one whatever the policy said.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
. "$SRC/tests/hsm/softhsm.sh"
kx_need "$KX" /usr/bin/python3

kx_hsm_pair kcvpol

# the GP sample key, imported with usage decrypt and derive only (no
# CKA_ENCRYPT: the token cannot compute its gp-des KCV), and an AES KEK
TK=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
kx_hexbin "$TK" > tk.bin
kx_hsm_tool mfr --write-object tk.bin --type secrkey --key-type AES:32 \
    --label tk --id 01 >/dev/null 2>&1
printf '0123456789ABCDEFFEDCBA9876543210\n' > gpkek.key && chmod 600 gpkek.key
sed -e 's/Usage Encrypt="true"/Usage Encrypt="false"/' -e 's/ StartDate="[0-9-]*" EndDate="[0-9-]*"//' \
    "$SRC/samples/gp/isd-enc.xml" > noenc.xml
grep -q 'Usage Encrypt="false"' noenc.xml || bad "set-up: usage not changed"
$KX import $P --to 'pkcs11:token=mfr' --kek file:gpkek.key --kek-kcv 08D7B4 \
    --now 2025-01-01 noenc.xml > import.out 2> import.err ||
    bad "set-up import: $(cat import.err)"
[ "$(kx_hsm_count mfr)" = 2 ] || bad "mfr set-up: $(kx_hsm_count mfr) objects"
# export NAME [--policy FILE]: the key out of mfr into NAME.xml, exit in rc
export_key() {
	_n=$1
	shift
	set +e
	$KX export $P "$@" --from 'pkcs11:token=mfr;object=ISD-ENC' \
	    --wrap aes-kwp --kek 'pkcs11:token=mfr;object=tk' --kek-id TK1 \
	    -o "$_n.xml" > "$_n.out" 2> "$_n.err"
	rc=$?
	set -e
}
for l in error off; do
	printf '<?xml version="1.0"?>\n<policy xmlns="urn:kmsxchg:xml:ns:policy:1" name="%s">\n  <severity rule="KX132" level="%s"/>\n</policy>\n' $l $l > $l.xml
done

export_key plain
[ "$rc" = 0 ] || bad "export exit $rc: $(cat plain.err)"
[ "$(grep -c 'KX132' plain.err)" = 1 ] ||
    bad "export: not one KX132 warning: $(cat plain.err)"
grep -q 'warning: \[KX132\] key FF01' plain.err ||
    bad "export: no KX132 warning: $(cat plain.err)"
[ -s plain.xml ] || bad "export wrote nothing"
export_key strict --policy error.xml
[ "$rc" = 1 ] || bad "export under KX132 error: exit $rc: $(cat strict.err)"
grep -q 'error: \[KX132\] key FF01' strict.err ||
    bad "export under KX132 error: no KX132 error: $(cat strict.err)"
[ -e strict.xml ] && bad "a refused export wrote strict.xml"
export_key lax --policy off.xml
[ "$rc" = 0 ] || bad "export with KX132 off: exit $rc: $(cat lax.err)"
grep -q 'KX132' lax.err && bad "export with KX132 off warns: $(cat lax.err)"
grep -q 'note: key FF01: token mfr has no CKA_CHECK_VALUE for FF01 and the key may not encrypt: it leaves without a KCV' lax.err ||
    bad "export with KX132 off: no note why: $(cat lax.err)"
[ -s lax.xml ] || bad "export with KX132 off wrote nothing"

# Review M4, the rest: the other token paths leave KX132 and KX120 to the
# rule engine.  Old main: import into a token warned KX132 itself (twice
# with the document's rule, once with a policy that turns it off) and
# went on when the document's rules found errors (a policy raising KX132
# to error imported the key), export refused a key the token keeps with
# KX120 whatever the policy said, and split --from warned KX132 though
# split runs no rules and takes no policy.
kx_hsm_tool iss --write-object tk.bin --type secrkey --key-type AES:32 \
    --label tk --id 01 >/dev/null 2>&1
# import NAME [--policy FILE]: plain.xml (no KCV) into iss as object NAME
import_key() {
	_n=$1
	shift
	set +e
	$KX import $P "$@" --to "pkcs11:token=iss;object=$_n" \
	    --kek 'pkcs11:token=iss;object=tk' plain.xml > "$_n.out" \
	    2> "$_n.err"
	rc=$?
	set -e
}
import_key iplain
[ "$rc" = 0 ] || bad "import exit $rc: $(cat iplain.err)"
[ "$(grep -c 'KX132' iplain.err)" = 1 ] ||
    bad "import: not one KX132 warning: $(cat iplain.err)"
grep -q 'warning: \[KX132\] key FF01' iplain.err ||
    bad "import: no KX132 warning: $(cat iplain.err)"
grep -q 'note: key FF01: no KCV in the document: the key in the token is not checked' iplain.err ||
    bad "import: no note that the key is not checked: $(cat iplain.err)"
import_key istrict --policy error.xml
[ "$rc" = 1 ] || bad "import under KX132 error: exit $rc: $(cat istrict.err)"
grep -q 'error: \[KX132\] key FF01' istrict.err ||
    bad "import under KX132 error: no KX132 error: $(cat istrict.err)"
import_key ilax --policy off.xml
[ "$rc" = 0 ] || bad "import with KX132 off: exit $rc: $(cat ilax.err)"
grep -q 'KX132' ilax.err && bad "import with KX132 off warns: $(cat ilax.err)"
grep -q 'note: key FF01: no KCV in the document: the key in the token is not checked' ilax.err ||
    bad "import with KX132 off: no note: $(cat ilax.err)"

# a key that may never leave: KX120 at the policy's level, then the token
kx_hsm_tool mfr --keygen --key-type AES:16 --label locked --id 0b \
    --sensitive >/dev/null 2>&1
printf '<?xml version="1.0"?>\n<policy xmlns="urn:kmsxchg:xml:ns:policy:1" name="warning">\n  <severity rule="KX120" level="warning"/>\n</policy>\n' > kx120warning.xml
# off: KX123 too (the token gives such a key no export form)
printf '<?xml version="1.0"?>\n<policy xmlns="urn:kmsxchg:xml:ns:policy:1" name="off">\n  <severity rule="KX120" level="off"/>\n  <severity rule="KX123" level="off"/>\n</policy>\n' > kx120off.xml
# locked NAME [--policy FILE]: export the key locked
locked() {
	_n=$1
	shift
	set +e
	$KX export $P "$@" --from 'pkcs11:token=mfr;object=locked' \
	    --wrap aes-kwp --kek 'pkcs11:token=mfr;object=tk' --kek-id TK1 \
	    -o "$_n.xml" > "$_n.out" 2> "$_n.err"
	rc=$?
	set -e
	[ -e "$_n.xml" ] && bad "$_n: an export of locked wrote $_n.xml"
	return 0
}
locked lplain
[ "$rc" = 1 ] || bad "export locked: exit $rc: $(cat lplain.err)"
grep -q 'error: \[KX120\] key locked' lplain.err ||
    bad "export locked: no KX120 error: $(cat lplain.err)"
grep -q 'note: key locked: key locked is not extractable in token mfr (CKA_EXTRACTABLE false)' lplain.err ||
    bad "export locked: no note why: $(cat lplain.err)"
locked loff --policy kx120off.xml
[ "$rc" = 1 ] || bad "export locked, KX120 off: exit $rc: $(cat loff.err)"
grep -q 'KX120' loff.err && bad "export locked, KX120 off: KX120: $(cat loff.err)"
grep -q 'key locked: token mfr does not let it out, whatever a policy says: not exported' loff.err ||
    bad "export locked, KX120 off: not the token's refusal: $(cat loff.err)"
locked lwarn --policy kx120warning.xml
[ "$rc" = 1 ] || bad "export locked, KX120 warning: exit $rc: $(cat lwarn.err)"
grep -q 'warning: \[KX120\] key locked' lwarn.err ||
    bad "export locked, KX120 warning: no KX120 warning: $(cat lwarn.err)"

# split --from a key the token computes no KCV of: a warning, no rule id
set +e
$KX split $P -n 2 --from 'pkcs11:token=mfr;object=ISD-ENC' -p sc \
    > split.out 2> split.err
rc=$?
set -e
[ "$rc" = 0 ] || bad "split --from ISD-ENC: exit $rc: $(cat split.err)"
grep -q 'KX132' split.err && bad "split --from: a rule id no policy reaches: $(cat split.err)"
grep -q 'warning: .*token mfr computes no KCV of ISD-ENC' split.err ||
    bad "split --from: no warning: $(cat split.err)"
grep -q 'NOT checked against the token' split.out ||
    bad "split --from: no note: $(cat split.out)"
[ "$fails" = 0 ] || exit 1
echo "kcv-policy: all checks passed"
