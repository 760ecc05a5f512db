# make bench: the throughput and memory benchmark (tests/bench/README.md).
# Not part of make check: it is not a timed test.
EXTRA_DIST += tests/bench/run.sh tests/bench/gen.sh tests/bench/README.md \
	tests/bench/local.mk
# the AES-SIV floor of rewrap (built for make bench only)
EXTRA_PROGRAMS += tests/bench/sivfloor
tests_bench_sivfloor_SOURCES = tests/bench/sivfloor.c
tests_bench_sivfloor_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_bench_sivfloor_LDADD = $(LIBCRYPTO_LIBS)
CLEANFILES += tests/bench/sivfloor
# the bound documents (gen-bound.sh's, in one process; make bench and
# tests/golden/golden-100k.sh)
check_PROGRAMS += tests/bench/genbound
tests_bench_genbound_SOURCES = tests/bench/genbound.c
tests_bench_genbound_CPPFLAGS = -I$(srcdir)/codec
tests_bench_genbound_LDADD = codec/libkmsxchg.la
CLEANFILES += tests/bench/genbound
bench: all tests/bench/sivfloor tests/bench/genbound
	KX_SRCDIR='$(abs_top_srcdir)' KX_BUILDDIR='$(abs_top_builddir)' \
	    $(SHELL) $(abs_top_srcdir)/tests/bench/run.sh $(BENCH_SIZES)
.PHONY: bench
clean-local: clean-bench
clean-bench:
	rm -rf tests/bench/data
.PHONY: clean-bench
