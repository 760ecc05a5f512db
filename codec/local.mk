# libkmsxchg: libkx_core.la (everything, for tests and the tool's
# internals) and the installed libkmsxchg.la exporting only kx_ symbols.

KX_SCHEMAS = $(srcdir)/schema/kmsxchg.xsd \
	$(srcdir)/schema/gp-keyprofile-1.1.0.xsd \
	$(srcdir)/schema/policy.xsd \
	$(srcdir)/schema/xslt/report-html.xsl
EXTRA_DIST += $(KX_SCHEMAS) schema/SOURCES.md codec/embed.sh \
	codec/model/errors.def codec/check/rules.def codec/kmsxchg.sym
dist_pkgdata_DATA = $(KX_SCHEMAS)

# The XSDs are compiled into the library (no catalog, no install needed).
codec/schemas.c: $(KX_SCHEMAS) $(srcdir)/codec/embed.sh
	$(AM_V_GEN)$(MKDIR_P) codec && \
	$(SHELL) $(srcdir)/codec/embed.sh $@ $(KX_SCHEMAS)
BUILT_SOURCES += codec/schemas.c
CLEANFILES += codec/schemas.c

noinst_LTLIBRARIES += codec/libkx_core.la
codec_libkx_core_la_SOURCES = \
	codec/kmsxchg.h codec/model/errors.def \
	codec/model/internal.h codec/model/fields.def codec/model/model.c \
	codec/model/names.c codec/model/err.c codec/model/diag.c \
	codec/model/util.c codec/model/oid.c codec/model/text.c \
	codec/model/canon.c \
	codec/model/doc.c codec/model/api.c \
	codec/model/tmpfile.c codec/model/strict.c codec/model/stream.c \
	codec/model/xmlenv.c \
	codec/crypto/secmem.c codec/crypto/keysrc.c codec/crypto/pem.c \
	codec/crypto/cipher.c codec/crypto/kcv.c codec/crypto/wrap.c \
	codec/crypto/split.c codec/crypto/tr31.c codec/crypto/asym.c \
	codec/crypto/binding.c codec/crypto/kwpcmac.c \
	codec/formats/xmlsec.c codec/formats/xml.c codec/formats/gp.c \
	codec/check/rules.def codec/check/ruletab.c codec/check/rules.c \
	codec/check/policy.c codec/check/report.c \
	codec/exchange.c codec/view.c codec/audit.c \
	codec/hsm/p11uri.c codec/hsm/pkcs11.c codec/hsm/p11src.c
nodist_codec_libkx_core_la_SOURCES = codec/schemas.c
# codec/ is grouped by role; dependencies point down only:
#   exchange, view, audit, hsm/ -> check/ -> formats/ -> crypto/ -> model/
# (tests/build/layers.sh checks it on the built objects; doc/hacking.md)
KX_CODEC_CPPFLAGS = -I$(srcdir)/codec -I$(srcdir)/codec/model \
	-I$(srcdir)/codec/check -I$(builddir)/codec
codec_libkx_core_la_CPPFLAGS = $(KX_CODEC_CPPFLAGS) \
	$(LIBXML2_CFLAGS) $(LIBXSLT_CFLAGS) $(LIBCRYPTO_CFLAGS) $(P11KIT_CFLAGS)
codec_libkx_core_la_LIBADD = codec/libkx_der.la $(KX_ASN1_LIBS) \
	$(LIBXML2_LIBS) $(LIBXSLT_LIBS) $(LIBCRYPTO_LIBS)

# The DER spoke is the only code that sees the asn1c headers: it is its
# own convenience library (merged into libkx_core.la) so that
# KX_ASN1_CPPFLAGS is on its include path and nobody else's.
noinst_LTLIBRARIES += codec/libkx_der.la
codec_libkx_der_la_SOURCES = codec/formats/der.c
codec_libkx_der_la_CPPFLAGS = $(KX_CODEC_CPPFLAGS) $(KX_ASN1_CPPFLAGS) \
	$(LIBCRYPTO_CFLAGS)

lib_LTLIBRARIES += codec/libkmsxchg.la
codec_libkmsxchg_la_SOURCES =
codec_libkmsxchg_la_LIBADD = codec/libkx_core.la
codec_libkmsxchg_la_LDFLAGS = -version-info 0:0:0 \
	-export-symbols-regex '^kx_'
include_HEADERS = codec/kmsxchg.h
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = codec/kmsxchg.pc
