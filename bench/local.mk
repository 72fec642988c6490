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
