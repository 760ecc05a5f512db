# doc/example-build.c: an outside caller of libkmsxchg.  Built against the
# installed header alone (-I codec, no internal header on the path) and
# the installed library, then run by make check.
check_PROGRAMS += doc/example-build
TESTS += doc/example-build
doc_example_build_SOURCES = doc/example-build.c
doc_example_build_CPPFLAGS = -I$(srcdir)/codec
doc_example_build_LDADD = codec/libkmsxchg.la
EXTRA_DIST += doc/bound-wrap.md doc/hacking.md doc/pkcs11.md
