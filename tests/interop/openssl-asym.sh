#!/bin/sh
# openssl-asym.sh - issue 9, done when: an EC and an RSA private key go
# through export -> import with their public keys unchanged, checked by
# openssl.  The test keys samples/keys/test-ec-p256.pem and
# test-rsa-2048.pem are exported under the bound wrap (aes-siv-bound
# under the sample transport key, and the RSA key again as tr31-b-bound
# under a TDEA key) and imported; then openssl, not kmsxchg, checks that
#   - the profile's PublicKey is the SPKI `openssl pkey -pubout` gives for
#     the test key,
#   - the imported value is a PKCS#8 private key (`openssl pkey -check`)
#     whose public half is that same SPKI,
#   - the spki-sha256 fingerprint is `openssl dgst -sha256` of the SPKI,
# and that the export reproduces samples/exchange/asym-keys.xml byte for
# byte.  The same checks hold for the GP KeyProfiles holding those keys
# (and test-ec-p521.pem) as named parts, the secret ones GP cryptograms
# under the GP test KEK (samples/gp/*-private-enc.xml: ECC_D; CRT parts;
# the RSA private exponent alone), imported with that KEK; the RSA keys'
# imported PKCS#8 is also openssl's own (`openssl pkcs8 -topk8`) of the
# PEM key, byte for byte, from the CRT parts and from the private
# exponent (its primes recovered) alike.  Exit 77 (skip) when openssl or xxd is missing, unless
# KX_REQUIRE_PEERS=1 (then exit 1).
set -u
. "${KX_SRCDIR:?}/tests/interop/peers.sh"

openssl=${OPENSSL:-openssl}
kx_need "$openssl" xxd

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 99
umask 077
cp "$SRC"/samples/keys/tk-2026-001.? "$SRC"/samples/keys/test-*.pem . &&
    chmod 600 tk-2026-001.? test-*.pem || exit 99
printf '0123456789ABCDEFFEDCBA987654321089ABCDEF01234567\n' >tdea3

fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}

hexof() {
	xxd -p "$1" | tr -d '\n' | tr a-f A-F
}

# the hex of element $3 of key $2 in document $1
field() {
	awk -v id="$2" -v el="$3" '
	    /<Key>/ { inkey = 0 }
	    index($0, "<Id>" id "</Id>") { inkey = 1 }
	    inkey && index($0, "<" el ">") {
		sub(".*<" el ">", ""); sub("</" el ">.*", ""); print; exit
	    }' "$1"
}

# check DOC CLEARDIR ID PEM
check() {
	doc=$1 dir=$2 id=$3 pem=$4
	"$openssl" pkey -in "$pem" -pubout -outform DER -out want.der ||
	    { bad "$id: openssl cannot read $pem"; return; }
	want=$(hexof want.der)
	prof=$(field "$doc" "$id" PublicKey)
	[ "$prof" = "$want" ] ||
	    bad "$doc: $id: the profile's PublicKey is not the test key's SPKI"
	fp=$("$openssl" dgst -sha256 -r want.der | cut -c1-64 | tr a-f A-F)
	[ "$(field "$doc" "$id" Kcv)" = "$fp" ] ||
	    bad "$doc: $id: the fingerprint is not SHA-256 of the SPKI"
	tr -d '\n' <"$dir/$id.key" | xxd -r -p >got.p8
	"$openssl" pkey -inform DER -in got.p8 -check -noout >/dev/null 2>&1 ||
	    { bad "$id: the imported value is not a valid PKCS#8 key"; return; }
	"$openssl" pkey -inform DER -in got.p8 -pubout -outform DER \
	    -out got.der || { bad "$id: no public half"; return; }
	[ "$(hexof got.der)" = "$want" ] ||
	    bad "$id: the imported key's public half differs from the profile's"
	[ $fail = 0 ] && echo "ok: $doc: $id: public key unchanged ($fp)"
}

# 1. the sample: export reproduces it, import opens it
"$KX" export --profile "$SRC"/samples/exchange/asym-keys.profile.xml \
    --key SSD-SCP11-ECKA=file:test-ec-p256.pem \
    --key ISSUER-CA-2026-PRIV=file:test-rsa-2048.pem \
    --kek-component tk-2026-001.1 --kek-component tk-2026-001.2 \
    --kek-component tk-2026-001.3 --kek-id TK-2026-001 \
    --recipient "Example Issuer Bank" --doc-id EXCH-2026-0002 \
    --now 2026-01-05T09:30:00Z -o asym.xml 2>err || { cat err; exit 1; }
cmp asym.xml "$SRC"/samples/exchange/asym-keys.xml ||
    bad "export does not reproduce samples/exchange/asym-keys.xml"
"$KX" import --kek-component tk-2026-001.1 --kek-component tk-2026-001.2 \
    --kek-component tk-2026-001.3 --insecure-clear-production \
    --insecure-clear-output c --now 2026-02-01 \
    "$SRC"/samples/exchange/asym-keys.der >out 2>err ||
    { cat out err; exit 1; }
check asym.xml c SSD-SCP11-ECKA test-ec-p256.pem
check asym.xml c ISSUER-CA-2026-PRIV test-rsa-2048.pem

# 2. the TDEA binding (tr31-b-bound) of the RSA key, under a 3-key TDEA key
awk '/<Key>/ { n++ } n == 1 { if (/<\/Key>/) n++; next } { print }' \
    "$SRC"/samples/exchange/asym-keys.profile.xml >rsa.xml
"$KX" export --profile rsa.xml \
    --key ISSUER-CA-2026-PRIV=file:test-rsa-2048.pem --kek file:tdea3 \
    --kek-alg tdea --kek-id TK-TDEA --now 2026-02-01 -o tdea.xml 2>err ||
    { cat err; exit 1; }
grep -q '<Algorithm>tr31-b-bound</Algorithm>' tdea.xml ||
    bad "the RSA key was not wrapped tr31-b-bound"
"$KX" import --kek file:tdea3 --insecure-clear-production \
    --insecure-clear-output t --now 2026-02-01 tdea.xml >out 2>err ||
    { cat out err; exit 1; }
check tdea.xml t ISSUER-CA-2026-PRIV test-rsa-2048.pem

# 3. GP private keys as named parts, secret parts under the GP test KEK
printf '0123456789ABCDEFFEDCBA9876543210\n' >gpkek
printf '<?xml version="1.0"?>\n<policy xmlns="urn:kmsxchg:xml:ns:policy:1" name="gp-legacy">\n  <severity rule="KX121" level="warning"/>\n</policy>\n' >gppol.xml
"$openssl" pkcs8 -topk8 -nocrypt -in test-rsa-2048.pem -outform DER \
    -out rsa.p8 || bad "openssl cannot write test-rsa-2048.pem as PKCS#8"
for s in ec-p256:21:test-ec-p256.pem ec-p521:23:test-ec-p521.pem \
    rsa2048:22:test-rsa-2048.pem rsa2048-exp:24:test-rsa-2048.pem; do
	f=${s%%:*} id=${s#*:} pem=${id#*:} id=${id%%:*}
	"$KX" convert --to xml -o "$f.xml" \
	    "$SRC/samples/gp/$f-private-enc.xml" 2>err ||
	    { cat err; bad "$f: convert"; continue; }
	"$KX" import --policy gppol.xml --kek file:gpkek --kek-kcv 08D7B4 \
	    --insecure-clear-production --insecure-clear-output "g-$f" \
	    --now 2026-06-01 "$SRC/samples/gp/$f-private-enc.xml" \
	    >out 2>err || { cat out err; bad "$f: import"; continue; }
	check "$f.xml" "g-$f" "$id" "$pem"
	case $f in
	rsa*)	cmp -s got.p8 rsa.p8 ||
		    bad "$f: the imported PKCS#8 is not openssl's of $pem" ;;
	esac
done
exit $fail
