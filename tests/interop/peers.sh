# peers.sh - sourced by interop tests: skip (77) when a peer is missing,
# unless KX_REQUIRE_PEERS=1 (./bootstrap check), where it fails instead.
kx_need() {
	for p in "$@"; do
		if ! command -v "$p" >/dev/null 2>&1 && [ ! -x "$p" ]; then
			echo "peer missing: $p"
			[ "${KX_REQUIRE_PEERS:-0}" = 1 ] && exit 1
			exit 77
		fi
	done
}
kx_need_py() {
	if ! /usr/bin/python3 -c "import $1" 2>/dev/null; then
		echo "peer missing: python module $1 under /usr/bin/python3"
		[ "${KX_REQUIRE_PEERS:-0}" = 1 ] && exit 1
		exit 77
	fi
}
KX=${KX_BUILDDIR:?}/tools/kmsxchg
SRC=${KX_SRCDIR:?}
