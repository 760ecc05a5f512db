#!/bin/sh
# gen-bound.sh N OUT: a native XML document of N AES-128 keys (ids
# K0000001...; the ENC profile of samples/exchange/isd-keys.profile.xml
# without its GP fields), each value bound (aes-siv-bound v2) under
# TK-2026-001 of samples/README.md.  Deterministic: fixed document id and
# time, and the bound wrap is deterministic AES-SIV.  kmsxchg export takes
# at most 64 keys a run: the keys of runs with the same header are joined.
set -eu
n=${1:?usage: gen-bound.sh N OUT}
out=${2:?usage: gen-bound.sh N OUT}
prof=${KX_SRCDIR:?}/samples/exchange/isd-keys.profile.xml
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kxgen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT HUP INT TERM
cp "$KX_SRCDIR"/samples/keys/tk-2026-001.? "$tmp"/
chmod 600 "$tmp"/tk-2026-001.?
i=0; c=0
while [ "$i" -lt "$n" ]; do
	m=$((n - i)); [ "$m" -gt 64 ] && m=64
	# header lines 1-9, the ENC key lines 10-53 (its <Gp> and <Role> out)
	awk -v s="$i" -v m="$m" '
	    NR < 10 { print; next }
	    NR <= 53 { b[NR] = $0; next }
	    END {
		for (k = 1; k <= m; k++) {
			g = 0
			for (l = 10; l <= 53; l++) {
				x = b[l]
				if (x ~ /<Gp>/) g = 1
				if (g || x ~ /<Role>/) {
					if (x ~ /<\/Gp>/) g = 0
					continue
				}
				sub(/ISD-KVN30-ENC/, sprintf("K%07d", s + k), x)
				print x
			}
		}
		print "</KeyExchange>"
	    }' "$prof" >"$tmp/p.xml"
	# shellcheck disable=SC2046 # one --key word pair per key
	kmsxchg export --profile "$tmp/p.xml" $(awk -v s="$i" -v m="$m" \
	    'BEGIN { for (k = 1; k <= m; k++) printf " --key K%07d=hex:" \
	    "404142434445464748494A4B4C4D4E4F", s + k }') \
	    --kek-component "$tmp/tk-2026-001.1" \
	    --kek-component "$tmp/tk-2026-001.2" \
	    --kek-component "$tmp/tk-2026-001.3" --kek-id TK-2026-001 \
	    --recipient "Example Issuer Bank" --doc-id EXCH-GEN \
	    --now 2026-01-05T09:30:00Z -o "$tmp/c$c.xml" >"$tmp/err" 2>&1 ||
	    { cat "$tmp/err" >&2; exit 1; }
	i=$((i + m)); c=$((c + 1))
done
{
	sed -n '1,/<Key>/p' "$tmp/c0.xml" | sed '$d'
	j=0
	while [ "$j" -lt "$c" ]; do
		sed -n '/<Key>/,/<\/Key>/p' "$tmp/c$j.xml"
		j=$((j + 1))
	done
	echo '</KeyExchange>'
} >"$out"
