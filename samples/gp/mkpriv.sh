#!/bin/sh
# mkpriv.sh - make the GP KeyProfiles of the test private keys held as named
# parts: the clear public parts (ECC_CURVE_OID, ECC_QX, ECC_QY; MODULUS and
# KeyInfo/@Exponent) and the secret ones (ECC_D; CRT_P, CRT_Q, CRT_DP1,
# CRT_DQ1, CRT_PQ; or the private EXPONENT alone, GP's RSA private key as
# modulus and private exponent) each encrypted with TDEA-ECB as a GP key
# component block (see enc) under
# the GP test KEK 0123456789ABCDEFFEDCBA9876543210, with the openssl CLI
# only.  TEST DATA: the keys are samples/keys/test-ec-p256.pem,
# test-ec-p521.pem and test-rsa-2048.pem.  Usage: mkpriv.sh KEYDIR OUTDIR
# (writes ec-p256-, ec-p521-, rsa2048- and rsa2048-exp-private-enc.xml;
# the same bytes each run).
set -eu
keys=${1:?usage: mkpriv.sh KEYDIR OUTDIR}
out=${2:?usage: mkpriv.sh KEYDIR OUTDIR}
KEK=0123456789ABCDEFFEDCBA9876543210

# field NAME LEN: the number NAME of `openssl pkey -text` on stdin, LEN bytes
field() {
	awk -v n="$1:" '$0 ~ "^" n { on = 1; next } on && /^ / { gsub(/[ :]/, ""); s = s $0; next } on { exit } END { print s }' |
	    tr a-f A-F | sed 's/^\(00\)*//' | awk -v l="$2" '{ while (length($0) < 2 * l) $0 = "0" $0; print }'
}
# enc HEX: GP's key component block (GPCS 11.8.2.3, Tables 11-70/11-71):
# a whole number of 8-byte blocks encrypted as it is; otherwise its length
# (one byte here) before the cryptogram of it right-padded with zeros.
enc() {
	l=$((${#1} / 2)); p=$1
	while [ $((${#p} % 16)) -ne 0 ]; do p=${p}00; done
	[ "$p" = "$1" ] || printf '%02X' $l
	printf '%s' "$p" | xxd -r -p | openssl enc -des-ede-ecb -nopad -K $KEK | xxd -p -u | tr -d '\n'
}
head_xml() {
	cat <<H
<?xml version="1.0" encoding="UTF-8"?>
<KeyProfile xmlns="http://namespaces.globalplatform.org/systems-profiles/1.1.0" UniqueID="$1" ProfileVersion="1.1.0" ErrataVersion="0">
  <Description>$2 (TEST DATA: samples/keys/$3, secret parts TDEA-ECB under the GP test KEK)</Description>
  <Revisions arrayElement="Revision" arrayIndex="#">
    <Revision Version="1.0.0" Date="2026-01-05" Time="09:30:00" By="ISSUER01 key ceremony" Digest="00000000"/>
  </Revisions>
H
}
tail_xml() {
	cat <<T
  <Attribute Importable="true" Exportable="true" Sensitive="true"/>
  <Usage Encrypt="false" Decrypt="false" DecryptEncrypt="false" Sign="true" Verify="false" Wrap="false" Unwrap="false" UnwrapWrap="false" Derive="false"/>
T
}
tk='    <TransportKey ID="4B454B3031" Name="KEK01" Owner="4953535545523031" Algorithm="ECB"/>'

# ec_doc PEM OIDHEX FIELDLEN SIZE UNIQUEID ID CURVE OUT
ec_doc() {
	t=$(openssl pkey -in "$keys/$1" -text -noout)
	pub=$(printf '%s\n' "$t" | field pub $((2 * $3 + 1)))
	{
		head_xml $5 "SCP11 SD key, EC $7, private, as named parts" $1
		echo "  <KeyInfo Name=\"SD-ECKA-PRIV\" ID=\"$6\" Type=\"PRIVATE\" SubType=\"EC\" Size=\"$4\" Owner=\"4953535545523031\" Version=\"01\" StartDate=\"2026-01-01\" EndDate=\"2028-12-31\" Mode=\"TEST\">"
		echo "$tk"
		echo '  </KeyInfo>'
		tail_xml
		echo '  <Value Format="ECPRIVATE" arrayElement="Component" arrayIndex="#">'
		echo "    <Component Name=\"ECC_CURVE_OID\" Order=\"1\" Value=\"$2\" Encoding=\"HEX\"/>"
		echo "    <Component Name=\"ECC_QX\" Order=\"2\" Value=\"$(printf '%s' "$pub" | cut -c3-$((2 * $3 + 2)))\" Encoding=\"HEX\"/>"
		echo "    <Component Name=\"ECC_QY\" Order=\"3\" Value=\"$(printf '%s' "$pub" | cut -c$((2 * $3 + 3))-)\" Encoding=\"HEX\"/>"
		echo "    <Component Name=\"ECC_D\" Order=\"4\" Value=\"$(enc "$(printf '%s\n' "$t" | field priv $3)")\" Encoding=\"HEX\"/>"
		echo '  </Value>'
		echo '</KeyProfile>'
	} >"$out/$8"
}
ec_doc test-ec-p256.pem 2A8648CE3D030107 32 256 A0000001515350430201 21 P-256 ec-p256-private-enc.xml
ec_doc test-ec-p521.pem 2B81040023 66 521 A0000001515350430203 23 P-521 ec-p521-private-enc.xml

t=$(openssl pkey -in "$keys/test-rsa-2048.pem" -text -noout)
{
	head_xml A0000001515350430202 "Issuer CA key, RSA-2048 CRT, private, as named parts" test-rsa-2048.pem
	echo '  <KeyInfo Name="ISSUER-CA-2026-PRIV" ID="22" Type="PRIVATE" SubType="RSACRT" Size="2048" Exponent="65537" Owner="4953535545523031" Version="01" StartDate="2026-01-01" EndDate="2028-12-31" Mode="TEST">'
	echo "$tk"
	echo '  </KeyInfo>'
	tail_xml
	echo '  <Value Format="RSACRT" arrayElement="Component" arrayIndex="#">'
	echo "    <Component Name=\"MODULUS\" Order=\"1\" Value=\"$(printf '%s\n' "$t" | field modulus 256)\" Encoding=\"HEX\"/>"
	o=2
	for f in prime1:CRT_P prime2:CRT_Q exponent1:CRT_DP1 exponent2:CRT_DQ1 coefficient:CRT_PQ; do
		echo "    <Component Name=\"${f#*:}\" Order=\"$o\" Value=\"$(enc "$(printf '%s\n' "$t" | field "${f%:*}" 128)")\" Encoding=\"HEX\"/>"
		o=$((o + 1))
	done
	echo '  </Value>'
	echo '</KeyProfile>'
} >"$out/rsa2048-private-enc.xml"

# the same RSA key as MODULUS and private EXPONENT (SubType RSA, no CRT
# parts; the public exponent is KeyInfo/@Exponent)
{
	head_xml A0000001515350430204 "Issuer CA key, RSA-2048, private, as modulus and private exponent" test-rsa-2048.pem
	echo '  <KeyInfo Name="ISSUER-CA-2026-PRIV-EXP" ID="24" Type="PRIVATE" SubType="RSA" Size="2048" Exponent="65537" Owner="4953535545523031" Version="01" StartDate="2026-01-01" EndDate="2028-12-31" Mode="TEST">'
	echo "$tk"
	echo '  </KeyInfo>'
	tail_xml
	echo '  <Value Format="RSAPRIVATE" arrayElement="Component" arrayIndex="#">'
	echo "    <Component Name=\"MODULUS\" Order=\"1\" Value=\"$(printf '%s\n' "$t" | field modulus 256)\" Encoding=\"HEX\"/>"
	echo "    <Component Name=\"EXPONENT\" Order=\"2\" Value=\"$(enc "$(printf '%s\n' "$t" | field privateExponent 256)")\" Encoding=\"HEX\"/>"
	echo '  </Value>'
	echo '</KeyProfile>'
} >"$out/rsa2048-exp-private-enc.xml"
