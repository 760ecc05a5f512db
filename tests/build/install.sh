#!/bin/sh
# install.sh - `make install` into a DESTDIR inside the build tree (never a
# system path), then use the installed tool as a user would: a policy and
# a template named without a path, the man pages through man -M.
set -eu
. "${KX_SRCDIR:?}/tests/interop/peers.sh"
kx_need man
B=${KX_BUILDDIR:?}
dest=$B/tests/build/install.tmp
rm -rf "$dest" "$dest.work"
trap 'rm -rf "$dest" "$dest.work"' EXIT
mkdir -p "$dest" "$dest.work"
fail() { echo "FAIL: $*"; exit 1; }

# A make of its own, not a part of the `make check` that runs this test.
(unset MAKEFLAGS MFLAGS MAKELEVEL; make -s -C "$B" install DESTDIR="$dest") \
    >"$dest.work/install.log" 2>&1 ||
	{ cat "$dest.work/install.log"; fail "make install DESTDIR=$dest"; }

# Where configure put things, read back from what was installed.
bin=$(find "$dest" -path '*/bin/kmsxchg' -type f)
[ -n "$bin" ] && [ -x "$bin" ] || fail "no installed bin/kmsxchg"
tpl=$(find "$dest" -path '*/kmsxchg/templates/gp-scp03-isd-enc.xml')
[ -n "$tpl" ] || fail "templates not installed under \$(pkgdatadir)/templates"
data=${tpl%/templates/*}
pkgdatadir=${data#"$dest"}
for f in templates/gp-scp03-isd-dek.xml templates/transport-kek.xml \
    policies/gp-card-issuer.xml policies/nist-sp800-57-baseline.xml \
    kmsxchg.xsd; do
	[ -f "$data/$f" ] || fail "not installed: \$(pkgdatadir)/$f"
done
lib=$(find "$dest" -name 'libkmsxchg.so.0' | head -n 1)
[ -n "$lib" ] || fail "no installed libkmsxchg.so.0"
man1=$(find "$dest" -path '*/man1/kmsxchg.1' -type f)
[ -n "$man1" ] || fail "kmsxchg.1 not installed"
mandir=${man1%/man1/kmsxchg.1}
[ -f "$mandir/man5/kmsxchg.5" ] || fail "kmsxchg.5 not installed"

# man kmsxchg, as a user with MANPATH=PREFIX/share/man would see it.
MANPAGER=cat man -M "$mandir" kmsxchg >"$dest.work/man1.txt" 2>&1 ||
	{ cat "$dest.work/man1.txt"; fail "man -M $mandir kmsxchg"; }
grep -q 'BY NAME' "$dest.work/man1.txt" ||
	fail "man kmsxchg does not show TEMPLATES AND POLICIES BY NAME"
grep -q "$pkgdatadir/policies" "$dest.work/man1.txt" ||
	fail "man kmsxchg does not name $pkgdatadir/policies"
MANPAGER=cat man -M "$mandir" 5 kmsxchg >"$dest.work/man5.txt" 2>&1 ||
	{ cat "$dest.work/man5.txt"; fail "man -M $mandir 5 kmsxchg"; }

run() {	# the installed binary, its library, and no source-tree data
	LD_LIBRARY_PATH=$(dirname "$lib") "$bin" "$@"
}
cd "$dest.work"

# The compiled-in data directory is the configured one: a name that is
# not installed is looked up there (the real prefix is not touched: this
# only fails to find a file).
unset KMSXCHG_DATADIR
if run validate --policy no-such-policy "$KX_SRCDIR/samples/exchange/isd-keys.profile.xml" \
    2>err.txt; then
	fail "an unknown policy name was accepted"
fi
cat err.txt
grep -q "no $pkgdatadir/policies/no-such-policy.xml (built in" err.txt ||
	fail "the compiled-in data directory is not $pkgdatadir"

# The installed data, named without a path (KMSXCHG_DATADIR points at the
# DESTDIR copy, as the real prefix is not there).
KMSXCHG_DATADIR=$data
export KMSXCHG_DATADIR
run validate --policy gp-card-issuer --now 2026-11-30T00:00:00Z \
    "$KX_SRCDIR/samples/exchange/isd-keys.profile.xml" >out.txt 2>&1 ||
	{ cat out.txt; fail "validate --policy gp-card-issuer"; }
! grep -q 'KX[0-9]' out.txt || { cat out.txt; fail "findings under gp-card-issuer"; }
run validate --policy no-such-policy x.xml 2>err.txt && fail "unknown name accepted"
grep -q 'known policies: gp-card-issuer, gp-scp02-migration, nist-sp800-57-baseline' err.txt ||
	{ cat err.txt; fail "the error does not list the installed policies"; }

printf '%s\n' 404142434445464748494A4B4C4D4E4F >enc.key
printf '%s\n' 7777777777777777777777777777777777777777777777777777777777777777 >tk.key
chmod 600 enc.key tk.key
run export --template gp-scp03-isd-enc --key file:enc.key --kek file:tk.key \
    --kek-id TK-1 --policy gp-card-issuer --now 2026-11-30T00:00:00Z \
    -o out.xml >out.txt 2>&1 ||
	{ cat out.txt; fail "export --template gp-scp03-isd-enc --policy gp-card-issuer"; }
grep -q '^exported ISD-SCP03-ENC: KCV 504A77 (gp-aes)' out.txt ||
	{ cat out.txt; fail "export did not export the named template's key"; }
grep -q '<Template>gp-scp03-isd-enc</Template>' out.xml ||
	fail "out.xml does not come from the installed template"
echo "installed under DESTDIR; pkgdatadir $pkgdatadir; names resolve; man pages render"
