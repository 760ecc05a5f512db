# tests/fuzz: one libFuzzer target per reader (fuzz_<target>.c).
#
# make check (any compiler): tests/fuzz/replay_<target> links the target
# with replay.c and replays corpus/<target>/ and repro/<target>/, one test
# per target.
#
# make fuzz FUZZ_SECONDS=N (configure --enable-fuzzing CC=clang): builds
# tests/fuzz/fuzz_<target> with libFuzzer and runs each target in turn
# for N seconds (FUZZ_TARGETS=... picks some), one process, the committed
# corpus read-only and new inputs kept in tests/fuzz/work/<target>/.  A
# crash leaves its input there as crash-* and fails make fuzz: copy it
# to repro/<target>/ when it is fixed.  See tests/fuzz/README.md.
KX_FUZZ_TARGETS = xml der gp policy component keysrc unwrap import
FUZZ_TARGETS = $(KX_FUZZ_TARGETS)
FUZZ_SECONDS = 60
# libFuzzer's -max_len per target (bytes)
FUZZ_MAX_LEN = 16384
FUZZ_MAX_LEN_component = 2048
FUZZ_MAX_LEN_keysrc = 4096
FUZZ_MAX_LEN_unwrap = 2048
FUZZ_FLAGS =

# The programs use the unit tests' AM_CPPFLAGS and LDADD (libkx_core.la);
# the document readers' targets also the round-trip oracle (tests/oracle).
KX_ORACLE_CPPFLAGS = -I$(srcdir)/tests/oracle
KX_FUZZ_REPLAY = tests/fuzz/replay_xml tests/fuzz/replay_der \
	tests/fuzz/replay_gp tests/fuzz/replay_policy \
	tests/fuzz/replay_component tests/fuzz/replay_keysrc \
	tests/fuzz/replay_unwrap tests/fuzz/replay_import
check_PROGRAMS += $(KX_FUZZ_REPLAY)
TESTS += $(KX_FUZZ_REPLAY)
KX_FUZZ_PROGS = tests/fuzz/fuzz_xml tests/fuzz/fuzz_der tests/fuzz/fuzz_gp \
	tests/fuzz/fuzz_policy tests/fuzz/fuzz_component tests/fuzz/fuzz_keysrc \
	tests/fuzz/fuzz_unwrap tests/fuzz/fuzz_import
EXTRA_PROGRAMS += $(KX_FUZZ_PROGS)
CLEANFILES += $(KX_FUZZ_PROGS)

tests_fuzz_replay_xml_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_xml.c tests/fuzz/fuzz.h tests/fuzz/fuzz_doc.h \
	tests/oracle/oracle.c tests/oracle/oracle.h
tests_fuzz_replay_xml_CPPFLAGS = $(AM_CPPFLAGS) $(KX_ORACLE_CPPFLAGS) \
	-DKX_FUZZ_TARGET='"xml"'
tests_fuzz_fuzz_xml_SOURCES = tests/fuzz/fuzz_xml.c \
	tests/fuzz/fuzz.h tests/fuzz/fuzz_doc.h \
	tests/oracle/oracle.c tests/oracle/oracle.h
tests_fuzz_fuzz_xml_CPPFLAGS = $(AM_CPPFLAGS) $(KX_ORACLE_CPPFLAGS)
tests_fuzz_fuzz_xml_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_replay_der_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_der.c tests/fuzz/fuzz.h tests/fuzz/fuzz_doc.h \
	tests/oracle/oracle.c tests/oracle/oracle.h
tests_fuzz_replay_der_CPPFLAGS = $(AM_CPPFLAGS) $(KX_ORACLE_CPPFLAGS) \
	-DKX_FUZZ_TARGET='"der"'
tests_fuzz_fuzz_der_SOURCES = tests/fuzz/fuzz_der.c \
	tests/fuzz/fuzz.h tests/fuzz/fuzz_doc.h \
	tests/oracle/oracle.c tests/oracle/oracle.h
tests_fuzz_fuzz_der_CPPFLAGS = $(AM_CPPFLAGS) $(KX_ORACLE_CPPFLAGS)
tests_fuzz_fuzz_der_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_replay_gp_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_gp.c tests/fuzz/fuzz.h tests/fuzz/fuzz_doc.h \
	tests/oracle/oracle.c tests/oracle/oracle.h
tests_fuzz_replay_gp_CPPFLAGS = $(AM_CPPFLAGS) $(KX_ORACLE_CPPFLAGS) \
	-DKX_FUZZ_TARGET='"gp"'
tests_fuzz_fuzz_gp_SOURCES = tests/fuzz/fuzz_gp.c \
	tests/fuzz/fuzz.h tests/fuzz/fuzz_doc.h \
	tests/oracle/oracle.c tests/oracle/oracle.h
tests_fuzz_fuzz_gp_CPPFLAGS = $(AM_CPPFLAGS) $(KX_ORACLE_CPPFLAGS)
tests_fuzz_fuzz_gp_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_replay_policy_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_policy.c tests/fuzz/fuzz.h
tests_fuzz_replay_policy_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKX_FUZZ_TARGET='"policy"'
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz_policy.c \
	tests/fuzz/fuzz.h
tests_fuzz_fuzz_policy_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_replay_component_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_component.c tests/fuzz/fuzz.h
tests_fuzz_replay_component_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKX_FUZZ_TARGET='"component"'
tests_fuzz_fuzz_component_SOURCES = tests/fuzz/fuzz_component.c \
	tests/fuzz/fuzz.h
tests_fuzz_fuzz_component_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_replay_keysrc_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_keysrc.c tests/fuzz/fuzz.h
tests_fuzz_replay_keysrc_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKX_FUZZ_TARGET='"keysrc"'
tests_fuzz_fuzz_keysrc_SOURCES = tests/fuzz/fuzz_keysrc.c \
	tests/fuzz/fuzz.h
tests_fuzz_fuzz_keysrc_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_replay_unwrap_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_unwrap.c tests/fuzz/fuzz.h
tests_fuzz_replay_unwrap_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKX_FUZZ_TARGET='"unwrap"'
tests_fuzz_fuzz_unwrap_SOURCES = tests/fuzz/fuzz_unwrap.c \
	tests/fuzz/fuzz.h
tests_fuzz_fuzz_unwrap_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_replay_import_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_import.c tests/fuzz/fuzz.h
tests_fuzz_replay_import_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKX_FUZZ_TARGET='"import"'
tests_fuzz_fuzz_import_SOURCES = tests/fuzz/fuzz_import.c \
	tests/fuzz/fuzz.h
tests_fuzz_fuzz_import_LDFLAGS = $(FUZZ_LDFLAGS)

EXTRA_DIST += tests/fuzz/README.md tests/fuzz/corpus tests/fuzz/repro \
	tests/fuzz/seed.sh tests/fuzz/der-differ.sh

if KX_FUZZING
fuzz: $(KX_FUZZ_PROGS)
	@set -e; failed=""; \
	for t in $(FUZZ_TARGETS); do \
		w=tests/fuzz/work/$$t; $(MKDIR_P) $$w; \
		case $$t in \
		component) ml=$(FUZZ_MAX_LEN_component) ;; \
		keysrc) ml=$(FUZZ_MAX_LEN_keysrc) ;; \
		unwrap) ml=$(FUZZ_MAX_LEN_unwrap) ;; \
		*) ml=$(FUZZ_MAX_LEN) ;; \
		esac; \
		echo "== fuzz_$$t: $(FUZZ_SECONDS) s, -max_len=$$ml"; \
		if ! KX_SRCDIR='$(abs_top_srcdir)' \
		    ASAN_OPTIONS=detect_leaks=1 \
		    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		    tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
		    -max_len=$$ml -rss_limit_mb=2048 \
		    -timeout=10 -print_final_stats=1 \
		    -artifact_prefix=$$w/ $(FUZZ_FLAGS) \
		    $$w '$(abs_top_srcdir)'/tests/fuzz/corpus/$$t \
		    >$$w.log 2>&1; then \
			failed="$$failed $$t"; \
		fi; \
		grep -E '^#[0-9]+.*(INITED|DONE)|^(==[0-9]+==ERROR|SUMMARY)' \
		    $$w.log || tail -n 5 $$w.log; \
		grep -E '^stat::(number_of_executed_units|peak_rss)' $$w.log \
		    || true; \
	done; \
	if test -n "$$failed"; then \
		echo "fuzz: FAILED:$$failed (see tests/fuzz/work/*.log)" >&2; \
		exit 1; \
	fi
else
fuzz:
	@echo "make fuzz: configure with --enable-fuzzing CC=clang" >&2; exit 2
endif
.PHONY: fuzz
clean-local: clean-local-fuzz
clean-local-fuzz:
	-rm -rf tests/fuzz/work
.PHONY: clean-local-fuzz
