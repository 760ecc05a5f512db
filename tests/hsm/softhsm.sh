# softhsm.sh - sourced by token tests: throwaway SoftHSMv2 tokens under a
# private SOFTHSM2_CONF in the test's own temporary folder (never the
# system's configuration or token store).
#
#   kx_hsm_setup DIR      write DIR/softhsm2.conf, DIR/tokens; export
#                         SOFTHSM2_CONF; set KX_P11_MODULE
#   kx_hsm_token LABEL    initialise a token (SO PIN 87654321, user PIN
#                         from DIR/pin, 12345678)
#   kx_hsm_tool LABEL ... pkcs11-tool on that token, logged in
#   kx_hsm_count LABEL    number of objects the user sees in the token
#   kx_hsm_run NAME RC CMD...  run CMD, stdout to NAME.out, stderr to
#                         NAME.err; bad() unless it exits RC
#   kx_hsm_pair NAME      a fresh folder $T (kx-NAME.*, removed on exit
#                         unless KX_KEEP is set), cd there, tokens mfr and
#                         iss; M (the module), P (kmsxchg's module and PIN
#                         options), fails=0 and bad MESSAGE
#   kx_hexbin HEX         the bytes of HEX on stdout
#   kx_three_keys KEK OUT [OPTION...]  three ISD keys (ENC, MAC, DEK;
#                         files k1-k3) exported bound under the AES key
#                         file KEK as document OUT (key id TK1, --now
#                         2026-02-01; export options added, e.g. --wrap)
#
# Needs softhsm2 and opensc: kx_need (peers.sh) fails under
# KX_REQUIRE_PEERS=1 and skips otherwise.
KX_P11_MODULE=
for m in /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -f "$m" ] && { KX_P11_MODULE=$m; break; }
done
kx_need softhsm2-util pkcs11-tool
[ -n "$KX_P11_MODULE" ] || kx_need libsofthsm2.so

kx_hsm_setup() {
	KX_HSM_DIR=$1
	mkdir -p "$KX_HSM_DIR/tokens"
	cat > "$KX_HSM_DIR/softhsm2.conf" <<CONF
directories.tokendir = $KX_HSM_DIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
	SOFTHSM2_CONF=$KX_HSM_DIR/softhsm2.conf
	export SOFTHSM2_CONF
	printf '12345678\n' > "$KX_HSM_DIR/pin"
	chmod 600 "$KX_HSM_DIR/pin"
}

kx_hsm_token() {
	softhsm2-util --init-token --free --label "$1" --so-pin 87654321 \
	    --pin 12345678 >/dev/null
}

kx_hsm_tool() {
	_l=$1
	shift
	pkcs11-tool --module "$KX_P11_MODULE" --token-label "$_l" \
	    --login --pin 12345678 "$@"
}

# kx_hsm_show LABEL OBJECT: pkcs11-tool's listing of the object labelled
# OBJECT (its lines up to the next object)
kx_hsm_show() {
	kx_hsm_tool "$1" --list-objects 2>/dev/null | awk -v l="$2" '
	    /^[A-Z][A-Za-z ]* Object/ { if (blk != "" && hit) printf "%s", blk;
		blk = ""; hit = 0 }
	    { blk = blk $0 "\n" }
	    $1 == "label:" { sub(/^ *label: */, ""); if ($0 == l) hit = 1 }
	    END { if (hit) printf "%s", blk }'
}

kx_hsm_count() {
	kx_hsm_tool "$1" --list-objects 2>/dev/null |
	    grep -c '^[A-Z][A-Za-z ]* Object'
}

kx_hsm_pair() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/kx-$1.XXXXXX")
	trap '[ -n "${KX_KEEP:-}" ] || rm -rf "$T"' EXIT
	cd "$T"
	kx_hsm_setup "$T/hsm"
	kx_hsm_token mfr
	kx_hsm_token iss
	M=$KX_P11_MODULE
	P="--module $M --pin-source file:$T/hsm/pin"
	fails=0
	bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
}

kx_hexbin() {
	printf '%s' "$1" | /usr/bin/python3 -c \
	    'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))'
}

kx_hsm_run() {
	_n=$1 _rc=$2
	shift 2
	set +e
	"$@" > "$_n.out" 2> "$_n.err"
	_got=$?
	set -e
	[ "$_got" = "$_rc" ] || bad "$_n: exit $_got, want $_rc: $(cat "$_n.err")"
}

kx_three_keys() {
	_kek=$1 _out=$2
	shift 2
	printf '404142434445464748494A4B4C4D4E4F\n' > k1
	printf '505152535455565758595A5B5C5D5E5F\n' > k2
	printf '606162636465666768696A6B6C6D6E6F\n' > k3
	chmod 600 k1 k2 k3
	$KX export --profile "$SRC/samples/exchange/isd-keys.profile.xml" \
	    --key ISD-KVN30-ENC=file:k1 --key ISD-KVN30-MAC=file:k2 \
	    --key ISD-KVN30-DEK=file:k3 --kek "file:$_kek" --kek-alg aes \
	    --kek-id TK1 --now 2026-02-01 -o "$_out" "$@" > "$_out.out" 2>&1
}
