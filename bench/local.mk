# SPDX-License-Identifier: BSD-3-Clause
# Benchmarks (bench/README).  Included from the top-level Makefile.am; built
# by make, never run by make check: they print numbers and assert nothing.

noinst_PROGRAMS += bench/pingpong
bench_pingpong_SOURCES = bench/pingpong.c
bench_pingpong_CPPFLAGS = -include $(top_builddir)/config.h
bench_pingpong_CFLAGS = $(AM_CFLAGS) -pthread
bench_pingpong_LDFLAGS = $(AM_LDFLAGS) -pthread

noinst_PROGRAMS += bench/vq-loopback
bench_vq_loopback_SOURCES = bench/vq-loopback.c
bench_vq_loopback_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
bench_vq_loopback_LDADD = lib/libvhost.la -lpthread

EXTRA_DIST += bench/README bench/net-vs-dpdk.sh bench/vhost-user-net-testpmd.sh bench/blk-vs-qsd.sh

# control-plane figures (bench/README): public API, like vhost-ctl
noinst_PROGRAMS += bench/ctl-bench
bench_ctl_bench_SOURCES = bench/ctl-bench.c
bench_ctl_bench_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
bench_ctl_bench_CFLAGS = $(AM_CFLAGS) -pthread
bench_ctl_bench_LDADD = lib/libvhost.la -lpthread

# lib/mem's translation, through the internal library like the unit tests
noinst_PROGRAMS += bench/mem-lookup
bench_mem_lookup_SOURCES = bench/mem-lookup.c
bench_mem_lookup_LDADD = lib/libvhost-internal.la
EXTRA_DIST += bench/ctl-vs-peers.sh

# The control-plane figures against the peers installed (bench/README); not part of make check.
bench: all
	$(SHELL) $(srcdir)/bench/ctl-vs-peers.sh $(builddir)
.PHONY: bench
