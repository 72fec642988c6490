# SPDX-License-Identifier: BSD-3-Clause
# make check-vm: kernel vhost (and vDPA) tests inside a guest kernel under
# QEMU; see tests/vm/check-vm.sh for where the kernel comes from.
EXTRA_PROGRAMS += tests/vm/vm-tests
tests_vm_vm_tests_SOURCES = tests/vm/vm-tests.c tests/vm/vm-tests.h tests/vm/vm-vduse.c tests/vm/vm-vduse-vdpa.c \
	tests/vm/vm-vduse-tool.c tests/vm/vm-vduse-bench.c
tests_vm_vm_tests_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_vm_vm_tests_LDADD = lib/libvhost-internal.la $(CAPNG_LIBS) $(MNL_LIBS) -lpthread -lm
EXTRA_DIST += tests/vm/check-vm.sh tests/vm/build-kernel.sh tests/vm/init tests/vm/kernel.config
CLEANFILES += tests/vm/vm-tests tests/vm/vm.log

check-vm: tests/vm/vm-tests$(EXEEXT) tools/vhost-ctl$(EXEEXT) tools/vhost-user-blk$(EXEEXT)
	VM_KERNEL='$(VM_KERNEL)' $(SHELL) $(srcdir)/tests/vm/check-vm.sh $(top_builddir) $(srcdir)
.PHONY: check-vm
