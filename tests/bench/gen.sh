#!/bin/sh
# gen.sh N [SAMPLE] - write to standard output a native kmsxchg document of
# N keys made by replicating the keys of samples/exchange/full-profile.xml
# (its header and transport key once): replica r renames every key id X to
# X-r, points the relations at keys of the same replica (two forward, two
# backward references) and gives its GP key a security domain of its own,
# so the document validates like the sample does.  Deterministic: the same
# N gives the same bytes.
set -eu
n=${1:?usage: gen.sh N [SAMPLE]}
src=${2:-$(dirname "$0")/../../samples/exchange/full-profile.xml}
exec awk -v n="$n" '
/^  <Key>$/ { inkeys = 1 }
/^<\/KeyExchange>$/ { inkeys = 0 }
{
	if (!inkeys && !done) { head[++nh] = $0; next }
	if (inkeys) { body[++nb] = $0; done = 1; next }
	tail[++nt] = $0
}
END {
	for (i = 1; i <= nh; i++)
		print head[i]
	# each key of the sample as one template: @R@ is the replica number,
	# @A@ its security domain suffix
	nk = 0
	for (i = 1; i <= nb; i++) {
		s = body[i]
		if (s == "  <Key>")
			key[++nk] = ""
		if (s ~ /^      <Id>.*<\/Id>$/)
			sub(/<\/Id>$/, "-@R@</Id>", s)
		else if (s ~ /<Ref>ROOT-KEY-1</)
			sub(/ROOT-KEY-1/, "TEST-HMAC-1-@R@", s)
		else if (s ~ /<Ref>KEK-ZONE-6</)
			sub(/KEK-ZONE-6/, "DS-P256-1-@R@", s)
		else if (s ~ /<Ref>ISSUER-CA-2026</)
			sub(/ISSUER-CA-2026/, "KEK-ZONE-7-@R@", s)
		else if (s ~ /<Ref>DS-P256-1-PRIV</)
			sub(/DS-P256-1-PRIV/, "ISSUER-CA-2024-@R@", s)
		else if (s ~ /<SdAid>/)
			sub(/<\/SdAid>$/, "@A@</SdAid>", s)
		key[nk] = key[nk] s "\n"
	}
	out = 0
	for (r = 1; out < n; r++) {
		a = sprintf("%08X", r)
		for (i = 1; i <= nk && out < n; i++) {
			s = key[i]
			gsub(/@R@/, r, s)
			gsub(/@A@/, a, s)
			printf "%s", s
			out++
		}
	}
	for (i = 1; i <= nt; i++)
		print tail[i]
}' "$src"
