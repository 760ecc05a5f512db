#!/bin/sh
# seed.sh - (re)build the seed corpora tests/fuzz/corpus/<target>/ from the
# samples, profiles and test data, with a built kmsxchg:
#
#   sh tests/fuzz/seed.sh tools/kmsxchg        (from the source tree)
#
# Each file is named by the SHA-1 of its content (as libFuzzer names
# them), so seeding twice adds nothing.  After seeding, a fuzz run's
# `-merge=1` may replace a folder by a smaller set with the same coverage
# (tests/fuzz/README.md).  Needs openssl(1) for the RSA seeds.
set -eu
kx=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../.."
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# add TARGET FILE: copy FILE into corpus/TARGET under its SHA-1
add() {
	mkdir -p "tests/fuzz/corpus/$1"
	h=$(sha1sum <"$2" | cut -c1-40)
	cp "$2" "tests/fuzz/corpus/$1/$h"
}
# addp TARGET PREFIX-OCTAL FILE: the same, with one leading byte
addp() {
	{ printf "\\$2"; cat "$3"; } >"$tmp/p"
	add "$1" "$tmp/p"
}

for f in samples/exchange/*.xml samples/invalid/*.xml \
    profiles/templates/*.xml; do
	add xml "$f"
	"$kx" convert --to der -o "$tmp/d.der" "$f" >/dev/null 2>&1 &&
	    add der "$tmp/d.der"
	"$kx" convert --to gp -o "$tmp/g.xml" "$f" >/dev/null 2>&1 &&
	    add gp "$tmp/g.xml"
done
for f in samples/exchange/*.der; do add der "$f"; done
for f in samples/gp/*.xml samples/gp/*/*.xml; do add gp "$f"; done
for f in profiles/policies/*.xml; do add policy "$f"; done

# components: the samples' XOR set and a Shamir set of a TDEA key
for f in samples/keys/*; do add component "$f"; done
(cd "$tmp" && "$kx" split -n 3 -m 2 -a tdea \
    -k hex:0123456789ABCDEFFEDCBA987654321089ABCDEF01234567 \
    -p sh >/dev/null 2>&1)
for f in "$tmp"/sh.*; do add component "$f"; done

# key sources: fd: raw, hex and PEM; env:; hex:; whole specs
printf '7777777777777777777777777777777777777777777777777777777777777777\n' \
    >"$tmp/hex"
head -c 16 /dev/zero | tr '\0' 'w' >"$tmp/raw"
addp keysrc 000 "$tmp/hex"
addp keysrc 000 "$tmp/raw"
addp keysrc 000 tests/data/wycheproof-rsa2048-oaep-sha256.pem
addp keysrc 001 "$tmp/hex"
addp keysrc 002 "$tmp/hex"
printf 'pkcs11:token=x;object=y' >"$tmp/s" && addp keysrc 003 "$tmp/s"
printf 'hex:0011 2233' >"$tmp/s" && addp keysrc 003 "$tmp/s"

# unwrap: each mechanism's wrap of a known key (fuzz_unwrap.c header)
printf '%064d' 0 | tr 0 7 >"$tmp/kek32"
printf '%032d' 0 | tr 0 7 >"$tmp/kek16"
tdea=101112131415161720212223242526273031323334353637
openssl pkey -in tests/data/wycheproof-rsa2048-oaep-sha256.pem -pubout \
    -out "$tmp/rsa.pub" 2>/dev/null
chmod 600 "$tmp"/kek* "$tmp/rsa.pub"
w() {	# w ALG KEK KEY PREFIX
	"$kx" wrap -a "$1" -K "$2" -k "hex:$3" -o "$tmp/w" >/dev/null 2>&1 &&
	    addp unwrap "$4" "$tmp/w"
}
# byte0 = alg + 7 * kek: kw 1, kwp 2, tdea-ecb 3, rsa-oaep 5, rsa-aes-kwp 6;
# +14 selects the 32-byte AES KEK
w aes-kw "file:$tmp/kek16" 404142434445464748494A4B4C4D4E4F 001
w aes-kw "file:$tmp/kek32" 404142434445464748494A4B4C4D4E4F 017
w aes-kwp "file:$tmp/kek32" 4041424344 020
w tdea-ecb "hex:$tdea" 0123456789ABCDEFFEDCBA9876543210 003
w rsa-oaep-sha256 "file:$tmp/rsa.pub" 404142434445464748494A4B4C4D4E4F 005
w rsa-aes-kwp "file:$tmp/rsa.pub" 404142434445464748494A4B4C4D4E4F 006

# import: the sample export in every format it converts to
m=samples/exchange/manufacturer-to-issuer
add import "$m.xml"
add import "$m.der"
"$kx" convert --to gp -k ISD-KVN30-ENC -o "$tmp/g.xml" "$m.xml" \
    >/dev/null 2>&1 && add import "$tmp/g.xml"
for t in xml der gp policy component keysrc unwrap import; do
	printf '%s: %s files\n' "$t" "$(ls "tests/fuzz/corpus/$t" | wc -l)"
done
