# Build-level checks: exported ABI, banned functions, format capabilities,
# static analysis, the installed tool (make install into a DESTDIR in the
# build tree), config.h first in every C file, the direction of the
# dependencies between codec/'s layers, and the files a new format touches.
KX_BUILD_TESTS = tests/build/abi.sh tests/build/banned.sh \
	tests/build/formats.sh tests/build/analyze.sh tests/build/install.sh \
	tests/build/config-first.sh tests/build/asn1-debug.sh \
	tests/build/layers.sh tests/build/spokes.sh
TESTS += $(KX_BUILD_TESTS)
EXTRA_DIST += $(KX_BUILD_TESTS) codec/kmsxchg.sym
CLEANFILES += tests/build/analyze.out tests/build/installcheck.xml \
	tests/build/asn1-debug.nm

# After a real `make install` (and in make distcheck): the installed tool
# finds its policies and templates in the compiled-in data directory, with
# no KMSXCHG_DATADIR, and man finds its pages under $(mandir).
installcheck-local: kx-installcheck
kx-installcheck:
	KMSXCHG_DATADIR= LD_LIBRARY_PATH='$(DESTDIR)$(libdir)' \
	    '$(DESTDIR)$(bindir)/kmsxchg' validate --policy gp-card-issuer \
	    --now 2026-11-30T00:00:00Z \
	    $(srcdir)/samples/exchange/isd-keys.profile.xml
	KMSXCHG_DATADIR= LD_LIBRARY_PATH='$(DESTDIR)$(libdir)' \
	    '$(DESTDIR)$(bindir)/kmsxchg' validate \
	    --policy nist-sp800-57-baseline --now 2026-11-30T00:00:00Z \
	    $(srcdir)/samples/exchange/full-profile.xml
	rm -f tests/build/installcheck.xml
	KMSXCHG_DATADIR= LD_LIBRARY_PATH='$(DESTDIR)$(libdir)' \
	    '$(DESTDIR)$(bindir)/kmsxchg' export \
	    --template gp-scp03-isd-enc --policy gp-card-issuer \
	    --key hex:404142434445464748494A4B4C4D4E4F --kek-id TK-1 \
	    --kek hex:7777777777777777777777777777777777777777777777777777777777777777 \
	    --now 2026-11-30T00:00:00Z -o tests/build/installcheck.xml
	grep -q '<Template>gp-scp03-isd-enc</Template>' \
	    tests/build/installcheck.xml
	rm -f tests/build/installcheck.xml
	MANPAGER=cat man -M '$(DESTDIR)$(mandir)' kmsxchg | \
	    grep -q 'TEMPLATES AND POLICIES BY NAME'
.PHONY: kx-installcheck
