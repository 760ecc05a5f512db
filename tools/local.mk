# The kmsxchg command: a thin layer over the public kx_ API.
bin_PROGRAMS += tools/kmsxchg
tools_kmsxchg_SOURCES = tools/kmsxchg.c tools/cli.c tools/cli.h \
	tools/cmd_validate.c tools/cmd_convert.c tools/cmd_show.c \
	tools/cmd_rules.c tools/cmd_kcv.c tools/cmd_wrap.c tools/cmd_split.c \
	tools/cmd_export.c tools/cmd_import.c tools/cmd_rewrap.c \
	tools/cli_xchg.c tools/cli_xchg.h tools/cli_audit.c tools/cli_data.c \
	tools/cli_p11.c tools/cli_p11.h
# Templates and policies named without a path are looked up here.
KX_DATADIR_CPPFLAGS = -DKX_PKGDATADIR='"$(pkgdatadir)"'
tools_kmsxchg_CPPFLAGS = -I$(srcdir)/codec -I$(srcdir)/tools \
	$(KX_DATADIR_CPPFLAGS)
tools_kmsxchg_LDADD = codec/libkmsxchg.la

# Man pages (kmsxchg(5)'s rules table is generated from codec/check/rules.def)
# and bash completion.
man_MANS = tools/kmsxchg.1 tools/kmsxchg.5
EXTRA_DIST += tools/kmsxchg.1.in tools/kmsxchg.5.in tools/kmsxchg.bash \
	tools/demo.sh tools/demo-lib.sh tools/demo-tokens.sh \
	codec/check/rules2man.awk codec/model/formats2man.awk
CLEANFILES += tools/kmsxchg.1 tools/kmsxchg.5
kx_man_subst = sed -e 's|[@]VERSION[@]|$(PACKAGE_VERSION)|g' \
	-e 's|[@]datadir[@]|$(datadir)|g' \
	-e 's|[@]pkgdatadir[@]|$(pkgdatadir)|g'
# kmsxchg(1)'s format names and titles come from the format table (the
# rows in codec/formats/*.c, their order in codec/model/doc.c, which a new
# format always changes: the page depends on it, not on a list of spokes).
kx_fmt_sources = $(srcdir)/codec/model/doc.c $(srcdir)/codec/formats/*.c
tools/kmsxchg.1: tools/kmsxchg.1.in codec/model/doc.c \
    codec/model/formats2man.awk Makefile
	$(AM_V_GEN)$(MKDIR_P) tools && \
	$(AWK) -v what=synopsis -f $(srcdir)/codec/model/formats2man.awk \
	    $(kx_fmt_sources) >$@.syn && \
	$(AWK) -v what=list -f $(srcdir)/codec/model/formats2man.awk \
	    $(kx_fmt_sources) >$@.list && \
	$(kx_man_subst) -e '/^\.\\" [@]FORMATS_SYNOPSIS[@]$$/{r $@.syn' \
	    -e 'd;}' -e '/^\.\\" [@]FORMATS_LIST[@]$$/{r $@.list' -e 'd;}' \
	    $(srcdir)/tools/kmsxchg.1.in >$@ && rm -f $@.syn $@.list
tools/kmsxchg.5: tools/kmsxchg.5.in codec/check/rules.def codec/check/rules2man.awk \
    Makefile
	$(AM_V_GEN)$(MKDIR_P) tools && \
	$(AWK) -f $(srcdir)/codec/check/rules2man.awk $(srcdir)/codec/check/rules.def \
	    >$@.rules && \
	$(kx_man_subst) -e '/^\.\\" [@]RULES[@]$$/{r $@.rules' -e 'd;}' \
	    $(srcdir)/tools/kmsxchg.5.in >$@ && rm -f $@.rules
bashcompletiondir = $(datadir)/bash-completion/completions
install-data-local: install-kx-bash-completion
uninstall-local: uninstall-kx-bash-completion
install-kx-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) $(srcdir)/tools/kmsxchg.bash \
	    '$(DESTDIR)$(bashcompletiondir)/kmsxchg'
uninstall-kx-bash-completion:
	rm -f '$(DESTDIR)$(bashcompletiondir)/kmsxchg'
.PHONY: install-kx-bash-completion uninstall-kx-bash-completion
