#!/bin/sh
# demo.sh KMSXCHG - the main job, end to end: a card manufacturer sends the
# GlobalPlatform master keys (ENC, MAC, DEK) of an issuer security domain
# to a card issuer under a transport key that exists only as three
# components held by different officers.  Nobody sees a clear master or
# transport key: values live in the (simulated) HSM folders, mode 0600,
# and only KCVs are printed.
set -eu
KX=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$(dirname "$0")/.." && pwd)
NOW=${KX_DEMO_NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
work=$(mktemp -d "${TMPDIR:-/tmp}/kmsxchg-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 077
cd "$work"
mkdir -p manufacturer/hsm issuer/hsm officer1 officer2 officer3 wire

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ kmsxchg %s\n' "$*" | sed "s|$work/||g; s|$SRC/||g"; "$KX" "$@"; }
rand() { openssl rand -hex "$1" > "$2"; }

# Each side keeps its own audit trail of the ceremony steps (kmsxchg(1)).
export KMSXCHG_AUDIT="$work/manufacturer/audit.log" KMSXCHG_OPERATOR=manufacturer-officer

step "Manufacturer: transport key TK-2026-001 (AES-256) as three components"
# Generated inside the manufacturer's HSM; only components leave it.
rand 32 manufacturer/hsm/tk.key
run split --parts 3 --alg aes --key file:manufacturer/hsm/tk.key \
    --out-prefix manufacturer/hsm/tk | tee wire/split.txt
rm -f manufacturer/hsm/tk.key
for n in 1 2 3; do mv manufacturer/hsm/tk.$n officer$n/tk.$n; done
TKKCV=$(sed -n 's/^key KCV \([0-9A-F]*\)$/\1/p' wire/split.txt)
echo "component 1 -> officer 1, 2 -> officer 2, 3 -> officer 3 (sealed envelopes)"
echo "transport key KCV, sent to the issuer separately: $TKKCV"

step "Manufacturer: the ISD master keys ENC, MAC, DEK (AES-128, SCP03)"
for k in enc mac dek; do rand 16 manufacturer/hsm/$k.key; done
run show "$SRC/samples/exchange/isd-keys.profile.xml"

step "Manufacturer: export, bound to their profiles, wrapped under TK-2026-001"
run export --profile "$SRC/samples/exchange/isd-keys.profile.xml" \
    --key ISD-KVN30-ENC=file:manufacturer/hsm/enc.key \
    --key ISD-KVN30-MAC=file:manufacturer/hsm/mac.key \
    --key ISD-KVN30-DEK=file:manufacturer/hsm/dek.key \
    --kek-component officer1/tk.1 --kek-component officer2/tk.2 \
    --kek-component officer3/tk.3 --kek-id TK-2026-001 \
    --recipient "Example Issuer Bank" --now "$NOW" -o wire/exchange.xml
run validate --now "$NOW" wire/exchange.xml && echo "wire/exchange.xml: valid"
run show wire/exchange.xml
run convert --to der -o wire/exchange.der wire/exchange.xml
echo "exchange.xml: $(wc -c < wire/exchange.xml) bytes; exchange.der: $(wc -c < wire/exchange.der) bytes"

export KMSXCHG_AUDIT="$work/issuer/audit.log" KMSXCHG_OPERATOR=issuer-officers

step "Issuer: key ceremony - the three officers rebuild the transport key"
run combine --kcv "$TKKCV" -o issuer/hsm/tk.key \
    officer1/tk.1 officer2/tk.2 officer3/tk.3
echo "transport key rebuilt inside the issuer's HSM folder; its KCV matches the one sent separately"

step "Issuer: import the master keys, check every KCV, store under ISSUER-LMK-1"
rand 32 issuer/hsm/lmk.key
run import --kek file:issuer/hsm/tk.key --storage-kek file:issuer/hsm/lmk.key \
    --storage-kek-id ISSUER-LMK-1 --now "$NOW" -o issuer/stored.xml \
    wire/exchange.der
run validate --now "$NOW" issuer/stored.xml && echo "issuer/stored.xml: valid"
run show issuer/stored.xml
"$KX" show --format html wire/exchange.der > issuer/key-report.html
echo "issuer/key-report.html: printable key report (KCVs, no values) for the officers to sign"

step "Issuer: what a tampered document looks like (usage widened in transit)"
sed 's|<Usage>decrypt</Usage>|<Usage>decrypt</Usage><Usage>wrap</Usage>|' \
    wire/exchange.xml > wire/tampered.xml
# (production keys: clear output needs --insecure-clear-production too,
# so the refusal below is the tampered binding's, not that one)
if "$KX" import --kek file:issuer/hsm/tk.key --insecure-clear-output issuer/clear \
    --insecure-clear-production --now "$NOW" wire/tampered.xml; then
	echo "VERDICT: FAILED - a tampered profile was accepted"
	exit 1
fi
[ ! -e issuer/clear ] || [ -z "$(ls -A issuer/clear)" ] || {
	echo "VERDICT: FAILED - output written for a refused import"; exit 1; }

step "Both sides: verify the audit trails (record each head in the minutes)"
run audit verify manufacturer/audit.log
run audit verify issuer/audit.log
grep -q '"op":"export".*"result":"ok"' manufacturer/audit.log &&
grep -q '"op":"import".*"result":"refused"' issuer/audit.log || {
	echo "VERDICT: FAILED - the audit trails miss a ceremony step"; exit 1; }

for k in ISD-KVN30-ENC ISD-KVN30-MAC ISD-KVN30-DEK; do
	grep -q "$k" issuer/stored.xml || { echo "VERDICT: FAILED - $k missing"; exit 1; }
done
printf '\nVERDICT: OK - 3 master keys moved manufacturer -> issuer; every KCV matched;\n'
printf '         no clear master or transport key was shown or written outside an HSM folder.\n'
