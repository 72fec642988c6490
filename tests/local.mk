# SPDX-License-Identifier: BSD-3-Clause
# Tests.  Included from the top-level Makefile.am (non-recursive).

TEST_EXTENSIONS = .sh
if ENABLE_SANITIZERS
ABI_ENV = SANITIZED=1; export SANITIZED;
else
ABI_ENV =
endif
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(top_srcdir)'; export top_srcdir; \
	top_builddir='$(top_builddir)'; export top_builddir; \
	LIBVHOST_LOG=err; export LIBVHOST_LOG; \
	CK_DEFAULT_TIMEOUT=60; export CK_DEFAULT_TIMEOUT; \
	CC='$(CC)'; export CC; SAN_FLAGS='$(SAN_FLAGS)'; export SAN_FLAGS; \
	$(ABI_ENV)

TESTS += tests/no-abort.sh tests/tools/vhost-ctl.sh
EXTRA_DIST += tests/no-abort.sh tests/tools/vhost-ctl.sh

if HAVE_CHECK
check_LTLIBRARIES = tests/unit/libtestutil.la
tests_unit_libtestutil_la_SOURCES = tests/unit/testutil.c tests/unit/testutil.h \
	tests/unit/csumdev.c tests/unit/csumdev.h \
	tests/unit/golden.c tests/unit/golden.h \
	tests/fuzz/fuzz-decode.c tests/fuzz/fuzz-decode.h
tests_unit_libtestutil_la_CFLAGS = $(UNIT_CFLAGS) -pthread

UNIT_LDADD = tests/unit/libtestutil.la lib/libvhost-internal.la $(CHECK_LIBS)
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests/fuzz

unit_tests = \
	tests/unit/check-core \
	tests/unit/check-wire \
	tests/unit/check-msg-core \
	tests/unit/check-msg-ext \
	tests/unit/check-mem \
	tests/unit/check-vring \
	tests/unit/check-frontend \
	tests/unit/check-vq \
	tests/unit/check-iotlb \
	tests/unit/check-kdev \
	tests/unit/check-vduse \
	tests/unit/check-loopback \
	tests/unit/check-backend-req \
	tests/unit/check-many \
	tests/unit/check-vsock
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)

tests_unit_check_core_SOURCES = tests/unit/check-core.c
tests_unit_check_core_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_core_CPPFLAGS = $(AM_CPPFLAGS) $(CAPNG_CFLAGS)
tests_unit_check_core_LDADD = $(UNIT_LDADD) $(CAPNG_LIBS)

tests_unit_check_wire_SOURCES = tests/unit/check-wire.c
tests_unit_check_wire_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_wire_LDADD = $(UNIT_LDADD)

# families: features, mem, vring, config, log, iotlb, inflight
tests_unit_check_msg_core_SOURCES = tests/unit/check-msg-core.c
tests_unit_check_msg_core_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_msg_core_LDADD = $(UNIT_LDADD)

tests_unit_check_mem_SOURCES = tests/unit/check-mem.c
tests_unit_check_mem_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_mem_LDADD = $(UNIT_LDADD)

tests_unit_check_vring_SOURCES = tests/unit/check-vring.c
tests_unit_check_vring_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_vring_LDADD = $(UNIT_LDADD)

# families: backend, postcopy, state, shared, shmem, net, crypto, gpu
tests_unit_check_loopback_SOURCES = tests/unit/check-loopback.c
tests_unit_check_loopback_CFLAGS = $(UNIT_CFLAGS) -pthread
tests_unit_check_loopback_LDADD = $(UNIT_LDADD) -lpthread

# the back-end's requests of shared-memory devices, GET_VRING_BASE_INFLIGHT
tests_unit_check_backend_req_SOURCES = tests/unit/check-backend-req.c
tests_unit_check_backend_req_CFLAGS = $(UNIT_CFLAGS) -pthread
tests_unit_check_backend_req_LDADD = $(UNIT_LDADD) -lpthread

tests_unit_check_many_SOURCES = tests/unit/check-many.c
tests_unit_check_many_CFLAGS = $(UNIT_CFLAGS) -pthread
tests_unit_check_many_LDADD = $(UNIT_LDADD) -lpthread

# vhost-user-vsock's protocol core against a hostile guest
tests_unit_check_vsock_SOURCES = tests/unit/check-vsock.c tools/vsock-core.c tools/vsock-core.h
tests_unit_check_vsock_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tools
tests_unit_check_vsock_CFLAGS = $(UNIT_CFLAGS) -pthread
tests_unit_check_vsock_LDADD = $(UNIT_LDADD) -lpthread

tests_unit_check_kdev_SOURCES = tests/unit/check-kdev.c
tests_unit_check_kdev_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_kdev_LDADD = $(UNIT_LDADD)

tests_unit_check_vduse_SOURCES = tests/unit/check-vduse.c
tests_unit_check_vduse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_vduse_LDADD = $(UNIT_LDADD)

tests_unit_check_iotlb_SOURCES = tests/unit/check-iotlb.c
tests_unit_check_iotlb_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_iotlb_LDADD = $(UNIT_LDADD)

tests_unit_check_vq_SOURCES = tests/unit/check-vq.c
tests_unit_check_vq_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_vq_LDADD = $(UNIT_LDADD)

tests_unit_check_frontend_SOURCES = tests/unit/check-frontend.c
tests_unit_check_frontend_CFLAGS = $(UNIT_CFLAGS) -pthread
tests_unit_check_frontend_LDADD = $(UNIT_LDADD) -lpthread

tests_unit_check_msg_ext_SOURCES = tests/unit/check-msg-ext.c
tests_unit_check_msg_ext_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_msg_ext_LDADD = $(UNIT_LDADD)

# userfaultfd: built and run in postcopy builds only (77 where the kernel refuses it)
if ENABLE_POSTCOPY
unit_tests += tests/unit/check-postcopy
tests_unit_check_postcopy_SOURCES = tests/unit/check-postcopy.c
tests_unit_check_postcopy_CFLAGS = $(UNIT_CFLAGS) -pthread
tests_unit_check_postcopy_LDADD = $(UNIT_LDADD) -lpthread
endif
# Xen memory through a fake of the map ops: built and run in xen builds only
if ENABLE_XEN
unit_tests += tests/unit/check-xen
tests_unit_check_xen_SOURCES = tests/unit/check-xen.c
tests_unit_check_xen_CFLAGS = $(UNIT_CFLAGS) -pthread
tests_unit_check_xen_LDADD = $(UNIT_LDADD) -lpthread
endif
endif

# ABI discipline and consumer-shape tests
include tests/abi.mk
include tests/man.mk
# libFuzzer targets and their smoke run
include tests/fuzz/fuzz.mk
