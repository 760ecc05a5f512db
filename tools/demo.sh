#!/bin/sh
# demo.sh KMSXCHG [OUTDIR] - the main job, end to end: a card manufacturer
# sends the GlobalPlatform master keys (ENC, MAC, DEK) of an issuer
# security domain to a card issuer under a transport key that exists only
# as three components held by different officers.  Nobody sees a clear
# master or transport key: values live in the (simulated) HSM folders,
# mode 0600, and only KCVs are printed.
#
# Every command is echoed before it runs ("+ kmsxchg ...").  The issuer
# checks the received document and its stored keys against its policy
# (KX_DEMO_POLICY, default gp-card-issuer): any finding, even a warning,
# fails the demo.  Each side keeps an audit trail, verified at the end.
# The printable key report the officers sign, the exchange document and
# the audit trails are kept in OUTDIR (default ./kmsxchg-demo); the
# working folder with the HSM folders is removed at the end.
#
# KX_DEMO_KEK_ALG=tdea runs the SCP02 era instead: a 3-key TDEA transport
# key, 2-key TDEA master keys (samples/exchange/isd-keys-scp02.profile.xml)
# bound in TR-31 version B key blocks (tr31-b-bound); the default, aes, is
# an AES-256 transport key and AES-128 SCP03 keys (aes-siv-bound).  The
# issuer's default policy is then gp-scp02-migration (SCP02 keys in bound
# form only) instead of gp-card-issuer (which takes AES ISD keys only).
#
# Environment: KX_DEMO_NOW (reference time, default the clock),
# KX_DEMO_POLICY (policy name or file), KMSXCHG_DATADIR (where names are
# looked up; default the source tree's profiles/).
set -eu
KX=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$(dirname "$0")/.." && pwd)
NOW=${KX_DEMO_NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
case ${KX_DEMO_KEK_ALG:-aes} in
aes)	TKALG=aes TKLEN=32 TKNAME=AES-256 KNAME="AES-128, SCP03" KVN=30
	PROFILE=isd-keys.profile.xml DEFPOLICY=gp-card-issuer ;;
tdea)	TKALG=tdea TKLEN=24 TKNAME="3-key TDEA" KNAME="2-key TDEA, SCP02"
	KVN=20 PROFILE=isd-keys-scp02.profile.xml
	DEFPOLICY=gp-scp02-migration ;;
*)	echo "KX_DEMO_KEK_ALG: expected aes or tdea" >&2; exit 2 ;;
esac
POLICY=${KX_DEMO_POLICY:-$DEFPOLICY}
# A policy file (rather than a name, kmsxchg(1)) is made absolute: the
# commands run in the working folder.
case $POLICY in
*/*|*.xml) POLICY=$(cd "$(dirname "$POLICY")" && pwd)/$(basename "$POLICY") ;;
*) [ ! -e "$POLICY" ] || POLICY=$(pwd)/$POLICY ;;
esac
OUT=${2:-kmsxchg-demo}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
: "${KMSXCHG_DATADIR:=$SRC/profiles}"
export KMSXCHG_DATADIR
. "$SRC/tools/demo-lib.sh"

# policy_check FILE: validate FILE under the issuer's policy; any
# finding (error, warning or note) fails the demo.
policy_check() {
	show kmsxchg validate --policy "$POLICY" --now "$NOW" "$1"
	prc=0
	kmsxchg validate --policy "$POLICY" --now "$NOW" "$1" \
	    >"$work/policy.out" 2>&1 || prc=$?
	cat "$work/policy.out"
	if [ $prc != 0 ] || grep -q '\[KX[0-9]*\]' "$work/policy.out"; then
		fail "$1 does not pass policy $POLICY (findings above)"
	fi
	echo "$1: no finding under policy $POLICY"
}

step "Manufacturer, issuer and three officers, each with a folder (in $work)"
x mkdir -p manufacturer/hsm issuer/hsm officer1 officer2 officer3 wire

# Each side keeps its own audit trail of the ceremony steps (kmsxchg(1)).
x export KMSXCHG_AUDIT="$work/manufacturer/audit.log" KMSXCHG_OPERATOR=manufacturer-officer

step "Manufacturer: transport key TK-2026-001 ($TKNAME) as three components"
# Generated inside the manufacturer's HSM; only components leave it.
xo manufacturer/hsm/tk.key openssl rand -hex $TKLEN
xo wire/split.txt kmsxchg split --parts 3 --alg $TKALG \
    --key file:manufacturer/hsm/tk.key --out-prefix manufacturer/hsm/tk
cat wire/split.txt
x rm manufacturer/hsm/tk.key
for n in 1 2 3; do x mv manufacturer/hsm/tk.$n officer$n/tk.$n; done
TKKCV=$(sed -n 's/^key KCV \([0-9A-F]*\)$/\1/p' wire/split.txt)
[ -n "$TKKCV" ] || fail "split printed no key KCV"
echo "component 1 -> officer 1, 2 -> officer 2, 3 -> officer 3 (sealed envelopes)"
echo "transport key KCV, sent to the issuer separately: $TKKCV"

step "Manufacturer: the ISD master keys ENC, MAC, DEK ($KNAME)"
for k in enc mac dek; do xo manufacturer/hsm/$k.key openssl rand -hex 16; done
x cp "$SRC/samples/exchange/$PROFILE" manufacturer/isd-keys.profile.xml
x kmsxchg show manufacturer/isd-keys.profile.xml

step "Manufacturer: export, bound to their profiles, wrapped under TK-2026-001"
x kmsxchg export --profile manufacturer/isd-keys.profile.xml \
    --key ISD-KVN$KVN-ENC=file:manufacturer/hsm/enc.key \
    --key ISD-KVN$KVN-MAC=file:manufacturer/hsm/mac.key \
    --key ISD-KVN$KVN-DEK=file:manufacturer/hsm/dek.key \
    --kek-component officer1/tk.1 --kek-component officer2/tk.2 \
    --kek-component officer3/tk.3 --kek-id TK-2026-001 \
    --recipient "Example Issuer Bank" --now "$NOW" -o wire/exchange.xml
x kmsxchg validate --now "$NOW" wire/exchange.xml
echo "wire/exchange.xml: valid"
x kmsxchg convert --to der -o wire/exchange.der wire/exchange.xml
echo "exchange.xml: $(wc -c < wire/exchange.xml) bytes; exchange.der: $(wc -c < wire/exchange.der) bytes"

x export KMSXCHG_AUDIT="$work/issuer/audit.log" KMSXCHG_OPERATOR=issuer-officers

step "Issuer: check the received document against the issuer policy ($POLICY)"
policy_check wire/exchange.der
x kmsxchg show wire/exchange.der
xo issuer/key-report.html kmsxchg show --format html wire/exchange.der

step "Issuer: key ceremony - the three officers rebuild the transport key"
x kmsxchg combine --kcv "$TKKCV" -o issuer/hsm/tk.key \
    officer1/tk.1 officer2/tk.2 officer3/tk.3
echo "transport key rebuilt inside the issuer's HSM folder; its KCV matches the one sent separately"

step "Issuer: import the master keys, check every KCV, store under ISSUER-LMK-1"
xo issuer/hsm/lmk.key openssl rand -hex 32
x kmsxchg import --kek file:issuer/hsm/tk.key \
    --storage-kek file:issuer/hsm/lmk.key --storage-kek-id ISSUER-LMK-1 \
    --policy "$POLICY" --now "$NOW" --to xml -o issuer/stored.xml \
    wire/exchange.der
policy_check issuer/stored.xml
x kmsxchg show issuer/stored.xml
for k in ISD-KVN$KVN-ENC ISD-KVN$KVN-MAC ISD-KVN$KVN-DEK; do
	grep -q "<Id>$k</Id>" issuer/stored.xml || fail "$k missing from issuer/stored.xml"
done

step "Issuer: what a tampered document looks like (usage widened in transit)"
xo wire/tampered.xml sed 's|<Usage>decrypt</Usage>|<Usage>decrypt</Usage><Usage>wrap</Usage>|' \
    wire/exchange.xml
cmp -s wire/exchange.xml wire/tampered.xml && fail "the tampering changed nothing"
# (production keys: clear output needs --insecure-clear-production too,
# so the refusal below is the tampered binding's, not that one)
if x kmsxchg import --kek file:issuer/hsm/tk.key \
    --insecure-clear-output issuer/clear --insecure-clear-production \
    --now "$NOW" wire/tampered.xml; then
	fail "a tampered profile was accepted"
fi
[ ! -e issuer/clear ] || [ -z "$(ls -A issuer/clear)" ] ||
	fail "output written for a refused import"
echo "refused, nothing written: the document is not imported"

step "Both sides: verify the audit trails (record each head in the minutes)"
x kmsxchg audit verify manufacturer/audit.log
x kmsxchg audit verify issuer/audit.log
grep -q '"op":"export".*"result":"ok"' manufacturer/audit.log &&
    grep -q '"op":"import".*"result":"ok"' issuer/audit.log &&
    grep -q '"op":"import".*"result":"refused"' issuer/audit.log ||
	fail "the audit trails miss a ceremony step"

step "Kept for you in $OUT"
for f in issuer/key-report.html wire/exchange.xml wire/exchange.der \
    manufacturer/audit.log issuer/audit.log; do
	case $f in */audit.log) t=${f%%/*}-audit.log ;; *) t=${f##*/} ;; esac
	cp "$f" "$OUT/.$t.tmp"
	mv -f "$OUT/.$t.tmp" "$OUT/$t"
done
echo "key report the officers sign (KCVs, no values): $OUT/key-report.html"
echo "the exchange document as received:              $OUT/exchange.xml, $OUT/exchange.der"
echo "the audit trails:                               $OUT/manufacturer-audit.log, $OUT/issuer-audit.log"
finished=1
printf '\nVERDICT: OK - 3 master keys moved manufacturer -> issuer; every KCV matched;\n'
printf '         no finding under policy %s;\n' "$POLICY"
printf '         no clear master or transport key was shown or written outside an HSM folder.\n'
