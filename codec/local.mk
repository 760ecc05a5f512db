# libkmsxchg: libkx_core.la (everything, for tests and the tool's
# internals) and the installed libkmsxchg.la exporting only kx_ symbols.

KX_SCHEMAS = $(srcdir)/schema/kmsxchg.xsd \
	$(srcdir)/schema/gp-keyprofile-1.1.0.xsd \
	$(srcdir)/schema/policy.xsd \
	$(srcdir)/schema/xslt/report-html.xsl
EXTRA_DIST += $(KX_SCHEMAS) schema/SOURCES.md codec/embed.sh \
	codec/errors.def codec/rules.def codec/kmsxchg.sym
dist_pkgdata_DATA = $(KX_SCHEMAS)

# The XSDs are compiled into the library (no catalog, no install needed).
codec/schemas.c: $(KX_SCHEMAS) $(srcdir)/codec/embed.sh
	$(AM_V_GEN)$(MKDIR_P) codec && $(SHELL) $(srcdir)/codec/embed.sh $@ \
	    kxi_xsd_native $(srcdir)/schema/kmsxchg.xsd \
	    kxi_xsd_gp $(srcdir)/schema/gp-keyprofile-1.1.0.xsd \
	    kxi_xsd_policy $(srcdir)/schema/policy.xsd \
	    kxi_xsl_report $(srcdir)/schema/xslt/report-html.xsl
BUILT_SOURCES += codec/schemas.c
CLEANFILES += codec/schemas.c

noinst_LTLIBRARIES += codec/libkx_core.la
codec_libkx_core_la_SOURCES = \
	codec/kmsxchg.h codec/internal.h codec/errors.def codec/fields.def \
	codec/model.c codec/names.c codec/err.c codec/diag.c codec/util.c \
	codec/oid.c \
	codec/doc.c codec/exchange.c codec/view.c \
	codec/xmlsec.c codec/xml.c codec/der.c codec/gp.c \
	codec/rules.c codec/policy.c codec/report.c \
	codec/secmem.c codec/keysrc.c codec/pem.c codec/kcv.c codec/wrap.c \
	codec/split.c codec/audit.c codec/stream.c
nodist_codec_libkx_core_la_SOURCES = codec/schemas.c
codec_libkx_core_la_CPPFLAGS = -I$(srcdir)/codec -I$(builddir)/codec \
	$(KX_ASN1_CPPFLAGS) $(LIBXML2_CFLAGS) $(LIBXSLT_CFLAGS) \
	$(LIBCRYPTO_CFLAGS)
codec_libkx_core_la_LIBADD = $(KX_ASN1_LIBS) $(LIBXML2_LIBS) \
	$(LIBXSLT_LIBS) $(LIBCRYPTO_LIBS)

lib_LTLIBRARIES += codec/libkmsxchg.la
codec_libkmsxchg_la_SOURCES =
codec_libkmsxchg_la_LIBADD = codec/libkx_core.la
codec_libkmsxchg_la_LDFLAGS = -version-info 0:0:0 \
	-export-symbols-regex '^kx_'
include_HEADERS = codec/kmsxchg.h codec/errors.def
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = codec/kmsxchg.pc
