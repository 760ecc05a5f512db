# The kmsxchg command: a thin layer over the public kx_ API.
bin_PROGRAMS += tools/kmsxchg
tools_kmsxchg_SOURCES = tools/kmsxchg.c tools/cli.c tools/cli.h \
	tools/cmd_validate.c tools/cmd_convert.c tools/cmd_show.c \
	tools/cmd_rules.c tools/cmd_kcv.c tools/cmd_wrap.c tools/cmd_split.c \
	tools/cmd_export.c tools/cmd_import.c tools/cmd_rewrap.c \
	tools/cli_xchg.c tools/cli_xchg.h
tools_kmsxchg_CPPFLAGS = -I$(srcdir)/codec -I$(srcdir)/tools
tools_kmsxchg_LDADD = codec/libkmsxchg.la
