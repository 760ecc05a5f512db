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
	# each template cut once at its markers (a gsub per key and replica
	# took ~18 minutes for a million keys here): pc[i, j] is the text
	# before marker j, tk[i, j] the marker, last[i] the text after them
	for (i = 1; i <= nk; i++) {
		s = key[i]
		np[i] = 0
		for (;;) {
			pr = index(s, "@R@")
			pa = index(s, "@A@")
			if (!pr && !pa)
				break
			if (pr && (!pa || pr < pa)) {
				p = pr; t = "R"
			} else {
				p = pa; t = "A"
			}
			np[i]++
			pc[i, np[i]] = substr(s, 1, p - 1)
			tk[i, np[i]] = t
			s = substr(s, p + 3)
		}
		last[i] = s
	}
	out = 0
	for (r = 1; out < n; r++) {
		a = sprintf("%08X", r)
		for (i = 1; i <= nk && out < n; i++) {
			for (j = 1; j <= np[i]; j++)
				printf "%s%s", pc[i, j], (tk[i, j] == "R" ? r : a)
			printf "%s", last[i]
			out++
		}
	}
	for (i = 1; i <= nt; i++)
		print tail[i]
}' "$src"
