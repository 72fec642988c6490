# SPDX-License-Identifier: BSD-3-Clause
# The API manual pages (section 3).  libvhost(3), the overview, is written
# by hand; the page of each family of functions is made at build time, in
# the build tree, from include/libvhost.h by man/gen-man3.awk, with
# man/libvhost-links.txt: the page each export is on.  `make install` adds a
# link page (".so man3/FAMILY.3") for every export, so that
# `man libvhost_frontend_connect` works.  tests/man/check-man.sh checks them.

dist_man3_MANS = man/libvhost.3
MAN3_GEN = man/libvhost_ctx.3 man/libvhost_proto.3 man/libvhost_mem.3 \
	man/libvhost_vring.3 man/libvhost_dev.3 man/libvhost_frontend.3 \
	man/libvhost_kdev.3 man/libvhost_vdpa.3 man/libvhost_backend.3 \
	man/libvhost_vq.3 man/libvhost_vduse.3
nodist_man3_MANS = $(MAN3_GEN)
EXTRA_DIST += man/gen-man3.awk man/man3-links.sh
CLEANFILES += $(MAN3_GEN) man/libvhost-links.txt man/man3.stamp

man/man3.stamp: $(top_srcdir)/include/libvhost.h $(top_srcdir)/man/gen-man3.awk
	@$(MKDIR_P) man
	$(AM_V_GEN)$(AWK) -v outdir=man -v version='$(PACKAGE_VERSION)' \
		-f $(top_srcdir)/man/gen-man3.awk $(top_srcdir)/include/libvhost.h
	@touch $@
$(MAN3_GEN) man/libvhost-links.txt: man/man3.stamp
	@test -f $@ || { rm -f man/man3.stamp; $(MAKE) $(AM_MAKEFLAGS) man/man3.stamp; }

install-data-local: install-man3-links
install-man3-links: man/libvhost-links.txt
	@$(NORMAL_INSTALL)
	$(MKDIR_P) '$(DESTDIR)$(man3dir)'
	$(SHELL) $(top_srcdir)/man/man3-links.sh man/libvhost-links.txt '$(DESTDIR)$(man3dir)'
uninstall-local: uninstall-man3-links
uninstall-man3-links: man/libvhost-links.txt
	@$(NORMAL_UNINSTALL)
	$(SHELL) $(top_srcdir)/man/man3-links.sh -u man/libvhost-links.txt '$(DESTDIR)$(man3dir)'
.PHONY: install-man3-links uninstall-man3-links
