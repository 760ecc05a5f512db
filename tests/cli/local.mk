# tests/cli: declarative command tests, one tests/cli/cases/NAME.case each,
# run by tests/cli/run-case.sh (see its header for the case format).
TEST_EXTENSIONS += .case
CASE_LOG_COMPILER = $(SHELL) $(srcdir)/tests/cli/run-case.sh
CLI_CASES = \
	tests/cli/cases/xsd-compiled.case \
	tests/cli/cases/article-an-aes.case \
	tests/cli/cases/article-an-aes-kx132.case \
	tests/cli/cases/wrap-weak-kek.case \
	tests/cli/cases/input-error-one-line.case \
	tests/cli/cases/import-clear-sigkill-stale.case \
	tests/cli/cases/wrap-public-pem-0644.case \
	tests/cli/cases/no-clobber-wrapped.case \
	tests/cli/cases/convert-gp-unreadable.case \
	tests/cli/cases/strict-der.case \
	tests/cli/cases/show-control-chars.case \
	tests/cli/cases/output-fifo.case \
	tests/cli/cases/rewrap-import-identical.case \
	tests/cli/cases/progress-terminal.case \
	tests/cli/cases/progress-quiet.case \
	tests/cli/cases/output-chardev.case \
	tests/cli/cases/output-symlink.case \
	tests/cli/cases/output-symlink-secret.case \
	tests/cli/cases/output-directory.case \
	tests/cli/cases/unwrap-no-clobber.case \
	tests/cli/cases/unwrap-force.case \
	tests/cli/cases/combine-no-clobber.case \
	tests/cli/cases/split-no-clobber.case \
	tests/cli/cases/unwrap-sigterm-cleanup.case \
	tests/cli/cases/import-clear-sigterm.case \
	tests/cli/cases/import-clear-too-many.case \
	tests/cli/cases/import-stdout-clean.case \
	tests/cli/cases/rewrap-stdout-clean.case \
	tests/cli/cases/rewrap-stream.case \
	tests/cli/cases/rewrap-stream-fail-late.case \
	tests/cli/cases/rewrap-stream-memory.case \
	tests/cli/cases/rewrap-output-buffered.case \
	tests/cli/cases/rewrap-stream-whole.case \
	tests/cli/cases/rewrap-jobs.case \
	tests/cli/cases/rewrap-jobs-fail.case \
	tests/cli/cases/rewrap-jobs-samples.case \
	tests/cli/cases/rewrap-key-limit.case \
	tests/cli/cases/rewrap-jobs-sigint.case \
	tests/cli/cases/convert-cdata.case \
	tests/cli/cases/convert-clear-private.case \
	tests/cli/cases/combine-component-perm.case \
	tests/cli/cases/import-component-perm.case \
	tests/cli/cases/import-clear-production.case \
	tests/cli/cases/import-clear-existing.case \
	tests/cli/cases/import-clear-symlink.case \
	tests/cli/cases/import-output-is-input.case \
	tests/cli/cases/validate-fifo.case \
	tests/cli/cases/kcv-key-fifo.case \
	tests/cli/cases/import-component-fifo.case \
	tests/cli/cases/validate-policy-fifo.case \
	tests/cli/cases/validate-stdin-pipe.case \
	tests/cli/cases/unwrap-encrypted-pem.case \
	tests/cli/cases/unwrap-encrypted-pem-pass.case \
	tests/cli/cases/ci-run-devnull.case \
	tests/cli/cases/ci-run-legs.case \
	tests/cli/cases/wrap-encrypted-pem.case \
	tests/cli/cases/import-v1-policy-refuses.case \
	tests/cli/cases/export-tdea-kek-refused.case \
	tests/cli/cases/export-tdea-kek-degenerate.case \
	tests/cli/cases/gp-tdea3-kek-roundtrip.case \
	tests/cli/cases/split-tdea-degenerate.case \
	tests/cli/cases/split-tdea-parity-note.case \
	tests/cli/cases/export-tdea-kek.case \
	tests/cli/cases/import-tdea-tampered.case \
	tests/cli/cases/rewrap-tdea-aes.case \
	tests/cli/cases/rewrap-gp-cryptogram.case \
	tests/cli/cases/export-kek-alg-mismatch.case \
	tests/cli/cases/export-kek-component-repeated.case \
	tests/cli/cases/export-kek-ambiguous.case \
	tests/cli/cases/export-kek-alg-tdea.case \
	tests/cli/cases/import-tampered-sender.case \
	tests/cli/cases/import-tampered-recipient.case \
	tests/cli/cases/import-tampered-docid.case \
	tests/cli/cases/import-v1-sample.case \
	tests/cli/cases/import-binding-unknown.case \
	tests/cli/cases/import-binding-removed.case \
	tests/cli/cases/import-binding-digest.case \
	tests/cli/cases/import-asym-fingerprint.case \
	tests/cli/cases/export-asym-key-pass.case \
	tests/cli/cases/export-asym-encrypted-no-pass.case \
	tests/cli/cases/export-asym-not-its-key.case \
	tests/cli/cases/import-gp-cryptogram.case \
	tests/cli/cases/import-gp-cryptogram-kcv.case \
	tests/cli/cases/gp-kcv-long.case \
	tests/cli/cases/import-native-tk-no-kcv.case \
	tests/cli/cases/gp-error-places.case \
	tests/cli/cases/gp-duplicate-part.case \
	tests/cli/cases/gp-empty-values.case \
	tests/cli/cases/export-tdea-degenerate.case \
	tests/cli/cases/import-gp-private-exp.case \
	tests/cli/cases/import-gp-private-exp-bad.case \
	tests/cli/cases/import-gp-private-no-public.case \
	tests/cli/cases/import-gp-private-parts.case \
	tests/cli/cases/import-gp-private-tampered.case \
	tests/cli/cases/demo-kek-alg-bad.case \
	tests/cli/cases/demo-tdea.case \
	tests/cli/cases/export-clear-dropped.case \
	tests/cli/cases/validate-clear-beside-wrapped.case \
	tests/cli/cases/import-storage-drops-clear.case \
	tests/cli/cases/convert-range-edges.case \
	tests/cli/cases/validate-range-refused.case \
	tests/cli/cases/validate-not-checked-gp.case \
	tests/cli/cases/validate-not-checked.case \
	tests/cli/cases/validate-strict.case \
	tests/cli/cases/validate-strict-waived.case \
	tests/cli/cases/import-clear-bad-id.case \
	tests/cli/cases/convert-der-tty-path.case \
	tests/cli/cases/validate-period-calendar.case \
	tests/cli/cases/validate-period-calendar-over.case \
	tests/cli/cases/exit-export-kx101.case \
	tests/cli/cases/exit-wrap-bad-length.case \
	tests/cli/cases/exit-unwrap-bad-kek.case \
	tests/cli/cases/exit-policy-malformed.case \
	tests/cli/cases/exit-export-bad-kek.case \
	tests/cli/cases/der-key-limit.case \
	tests/cli/cases/import-kek-undefined-policy.case \
	tests/cli/cases/export-tdea-kek-degenerate-policy.case \
	tests/cli/cases/validate-findings-limit.case \
	tests/cli/cases/validate-findings-limit-json.case \
	tests/cli/cases/export-reader-error-place.case \
	tests/cli/cases/no-doubled-prefix.case \
	tests/cli/cases/missing-file-says-so.case \
	tests/cli/cases/schema-error-element-in-full.case \
	tests/cli/cases/validate-early-failure-reports.case \
	tests/cli/cases/hmac-export-import-no-kcv.case \
	tests/cli/cases/keysrc-strict.case \
	tests/cli/cases/kcv-len-bounded.case \
	tests/cli/cases/import-hostile-kcv-length.case \
	tests/cli/cases/schema-error-no-value.case \
	tests/cli/cases/audit-concurrent.case \
	tests/cli/cases/audit-expect-head.case \
	tests/cli/cases/audit-no-key-material.case \
	tests/cli/cases/audit-not-audited.case \
	tests/cli/cases/audit-record-golden.case \
	tests/cli/cases/audit-split-input.case \
	tests/cli/cases/audit-symlink-refused.case \
	tests/cli/cases/audit-tamper-cut-lines.case \
	tests/cli/cases/audit-tamper-delete.case \
	tests/cli/cases/audit-tamper-edit.case \
	tests/cli/cases/audit-tamper-insert.case \
	tests/cli/cases/audit-tamper-reorder.case \
	tests/cli/cases/audit-tamper-truncate.case \
	tests/cli/cases/audit-unwritable.case \
	tests/cli/cases/wrap-rsa-short.case \
	tests/cli/cases/export-templates-pre-active.case \
	tests/cli/cases/export-policy-waiver.case \
	tests/cli/cases/export-policy-kx129.case \
	tests/cli/cases/export-refuses-kx129.case \
	tests/cli/cases/policy-kx136-fixed.case \
	tests/cli/cases/policy-refuses-fixed-rule.case \
	tests/cli/cases/policy-kcv-value-fixed.case \
	tests/cli/cases/import-storage-weaker.case \
	tests/cli/cases/rewrap-weaker.case \
	tests/cli/cases/validate-against-lifecycle.case \
	tests/cli/cases/import-against-lifecycle.case \
	tests/cli/cases/show-html.case \
	tests/cli/cases/validate-gp-as-sent.case \
	tests/cli/cases/validate-id-hash-collision.case \
	tests/cli/cases/convert-gp-artefacts.case \
	tests/cli/cases/convert-gp-no-usage.case \
	tests/cli/cases/export-expired.case \
	tests/cli/cases/export-gp-native.case \
	tests/cli/cases/export-gp-native-refused.case \
	tests/cli/cases/export-gp-aes.case \
	tests/cli/cases/import-gp-aes-kek.case \
	tests/cli/cases/import-gp-aes-kek-note.case \
	tests/cli/cases/rewrap-gp-aes-kek.case \
	tests/cli/cases/export-rsa-aes-kwp-refused.case \
	tests/cli/cases/export-kwp-cmac-bound.case \
	tests/cli/cases/export-kcv-mismatch.case \
	tests/cli/cases/export-not-exportable.case \
	tests/cli/cases/export-template-by-name.case \
	tests/cli/cases/export-template-unknown-name.case \
	tests/cli/cases/export-sample-reproduces.case \
	tests/cli/cases/export-weak-kek.case \
	tests/cli/cases/export-wrong-recipient.case \
	tests/cli/cases/import-sample-clear.case \
	tests/cli/cases/import-storage-then-rewrap.case \
	tests/cli/cases/import-tampered-profile.case \
	tests/cli/cases/import-tampered-validity.case \
	tests/cli/cases/import-usage.case \
	tests/cli/cases/import-wrong-kek.case \
	tests/cli/cases/rewrap-wrong-from.case \
	tests/cli/cases/bash-completion.case \
	tests/cli/cases/cmd-help.case \
	tests/cli/cases/combine-mismatch.case \
	tests/cli/cases/combine-not-component.case \
	tests/cli/cases/combine-repeated.case \
	tests/cli/cases/combine-single.case \
	tests/cli/cases/combine-tampered.case \
	tests/cli/cases/combine-too-few.case \
	tests/cli/cases/combine-wrong-kcv.case \
	tests/cli/cases/complete-commands.case \
	tests/cli/cases/complete-words.case \
	tests/cli/cases/convert-bad-to.case \
	tests/cli/cases/convert-der-terminal.case \
	tests/cli/cases/convert-der-twins.case \
	tests/cli/cases/convert-fail-keeps-target.case \
	tests/cli/cases/convert-fail-no-file.case \
	tests/cli/cases/convert-foreign-after-keys.case \
	tests/cli/cases/convert-foreign-cost.case \
	tests/cli/cases/convert-foreign-few.case \
	tests/cli/cases/convert-trailer-stream.case \
	tests/cli/cases/convert-trailer-stdin.case \
	tests/cli/cases/convert-trailer-limit.case \
	tests/cli/cases/rewrap-trailer-memory.case \
	tests/cli/cases/convert-gp-back.case \
	tests/cli/cases/convert-key-stream.case \
	tests/cli/cases/convert-gp-multikey.case \
	tests/cli/cases/convert-gp-one-key.case \
	tests/cli/cases/convert-gp-public-parts.case \
	tests/cli/cases/convert-gp-parts-no-key.case \
	tests/cli/cases/convert-input-untouched.case \
	tests/cli/cases/convert-output-is-input.case \
	tests/cli/cases/convert-key-unknown.case \
	tests/cli/cases/convert-gp-key-unknown.case \
	tests/cli/cases/convert-missing-input.case \
	tests/cli/cases/convert-roundtrip-der.case \
	tests/cli/cases/convert-stdin-stdout.case \
	tests/cli/cases/convert-to-gp.case \
	tests/cli/cases/export-gp-aes-kcv-validates.case \
	tests/cli/cases/convert-two-inputs.case \
	tests/cli/cases/demo.case \
	tests/cli/cases/demo-policy-error.case \
	tests/cli/cases/demo-policy-warning.case \
	tests/cli/cases/help-command.case \
	tests/cli/cases/help.case \
	tests/cli/cases/kcv-aes-cmac-tr31.case \
	tests/cli/cases/kcv-aes-cmac.case \
	tests/cli/cases/kcv-aes-gp.case \
	tests/cli/cases/kcv-bad-alg.case \
	tests/cli/cases/kcv-model-names.case \
	tests/cli/cases/kcv-env-unset.case \
	tests/cli/cases/kcv-fd-env-sources.case \
	tests/cli/cases/kcv-file-insecure.case \
	tests/cli/cases/kcv-help.case \
	tests/cli/cases/kcv-missing-key.case \
	tests/cli/cases/kcv-tdea-bad-length.case \
	tests/cli/cases/kcv-tdea-file.case \
	tests/cli/cases/kcv-tdea-gp.case \
	tests/cli/cases/kcv-tdea-zero-len.case \
	tests/cli/cases/man-built.case \
	tests/cli/cases/man-lint.case \
	tests/cli/cases/man-options.case \
	tests/cli/cases/rules-bad-format.case \
	tests/cli/cases/rules-md.case \
	tests/cli/cases/rules-text.case \
	tests/cli/cases/show-missing.case \
	tests/cli/cases/show-stream-count.case \
	tests/cli/cases/show-unreadable.case \
	tests/cli/cases/show.case \
	tests/cli/cases/split-bad-threshold.case \
	tests/cli/cases/split-combine-shamir.case \
	tests/cli/cases/split-combine-xor.case \
	tests/cli/cases/split-combine-tdea-parity.case \
	tests/cli/cases/split-hex-warning.case \
	tests/cli/cases/split-no-key-material.case \
	tests/cli/cases/unwrap-bad-hex.case \
	tests/cli/cases/unwrap-missing-in.case \
	tests/cli/cases/unwrap-rfc3394-file.case \
	tests/cli/cases/unwrap-rfc5649.case \
	tests/cli/cases/unwrap-rsa-public-refused.case \
	tests/cli/cases/unwrap-stdin-pipe.case \
	tests/cli/cases/unwrap-tampered.case \
	tests/cli/cases/unwrap-terminal.case \
	tests/cli/cases/unwrap-wrong-kek.case \
	tests/cli/cases/usage-bad-number.case \
	tests/cli/cases/usage-missing-argument.case \
	tests/cli/cases/usage-negative-number.case \
	tests/cli/cases/usage-no-command.case \
	tests/cli/cases/usage-number-range.case \
	tests/cli/cases/usage-unknown-command.case \
	tests/cli/cases/usage-unknown-option.case \
	tests/cli/cases/validate-bad-format.case \
	tests/cli/cases/validate-bad-now.case \
	tests/cli/cases/validate-missing-file.case \
	tests/cli/cases/validate-missing-operand.case \
	tests/cli/cases/validate-missing-policy.case \
	tests/cli/cases/validate-policy-by-name.case \
	tests/cli/cases/validate-policy-file-first.case \
	tests/cli/cases/validate-policy-unknown-name.case \
	tests/cli/cases/validate-policy-unknown-name-sarif.case \
	tests/cli/cases/validate-mixed.case \
	tests/cli/cases/validate-stdin.case \
	tests/cli/cases/validate-unreadable-json.case \
	tests/cli/cases/validate-unreadable-junit.case \
	tests/cli/cases/validate-unreadable-sarif.case \
	tests/cli/cases/validate-unreadable-text.case \
	tests/cli/cases/validate-valid-json.case \
	tests/cli/cases/validate-valid-junit.case \
	tests/cli/cases/validate-valid-sarif.case \
	tests/cli/cases/validate-valid-text.case \
	tests/cli/cases/version.case \
	tests/cli/cases/wrap-bad-alg.case \
	tests/cli/cases/wrap-binary-terminal.case \
	tests/cli/cases/wrap-file-sources-binary.case \
	tests/cli/cases/wrap-rfc3394.case \
	tests/cli/cases/wrap-rfc5649.case \
	tests/cli/cases/wrap-rsa-roundtrip.case \
	tests/cli/cases/wrap-siv-refused.case \
	tests/cli/cases/wrap-tdea-ecb.case
TESTS += $(CLI_CASES)
EXTRA_DIST += tests/cli/run-case.sh $(CLI_CASES)

# Scripted CLI tests: hostile-input limits (issue 11 item 4), no key
# material in any output of a failing command (item 5), crash-safe
# outputs under SIGKILL (item 6), an input that shrinks while it is read
# (reviewer finding M1).
KX_CLI_TESTS = tests/cli/limits.sh tests/cli/secrets-grep.sh \
	tests/cli/crash-safe.sh tests/cli/one-pass.sh tests/cli/shrink.sh
TESTS += $(KX_CLI_TESTS)
EXTRA_DIST += $(KX_CLI_TESTS) tests/cli/gen-bound.sh tests/cli/limits.py \
	tests/cli/secrets-grep.py \
	tests/cli/crash-safe.py

# shrinkpre.so: the LD_PRELOAD shim of shrink.sh (truncates the input at
# a fixed point of the read).  -rpath makes libtool build a loadable
# shared object although it is never installed.
check_LTLIBRARIES += tests/cli/shrinkpre.la
tests_cli_shrinkpre_la_SOURCES = tests/cli/shrinkpre.c
tests_cli_shrinkpre_la_LDFLAGS = -module -avoid-version -shared \
	-rpath '$(abs_builddir)/tests/cli'

# The command line in process (cli_main with memory streams); links the
# tools sources against libkx_core.la like the other unit tests.
check_PROGRAMS += tests/unit/test_cli
TESTS += tests/unit/test_cli
tests_unit_test_cli_SOURCES = tests/unit/test_cli.c tools/cli.c \
	tools/cli.h tools/cmd_validate.c tools/cmd_convert.c \
	tools/cmd_show.c tools/cmd_rules.c tools/cmd_kcv.c tools/cmd_wrap.c \
	tools/cmd_split.c tools/cmd_export.c tools/cmd_import.c \
	tools/cmd_rewrap.c tools/cli_xchg.c tools/cli_xchg.h tools/cli_audit.c \
	tools/cli_data.c tools/cli_p11.c tools/cli_p11.h
tests_unit_test_cli_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tools \
	$(KX_DATADIR_CPPFLAGS)
