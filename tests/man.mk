# SPDX-License-Identifier: BSD-3-Clause
# The API manual pages (man/man3.mk): every export has a page and a link
# page, and every page renders without a warning.
TESTS += tests/man/check-man.sh
EXTRA_DIST += tests/man/check-man.sh
AM_TESTS_ENVIRONMENT += AWK='$(AWK)'; export AWK;
check-man: $(MAN3_GEN) man/libvhost-links.txt
	@$(AM_TESTS_ENVIRONMENT) $(SHELL) $(srcdir)/tests/man/check-man.sh
.PHONY: check-man
