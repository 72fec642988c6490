# SPDX-License-Identifier: BSD-3-Clause
# The front-end's device IOTLB (a VMM with a vIOMMU) against DPDK's vhost PMD
# with iommu-support=1.  Included from the top-level Makefile.am.
TESTS += tests/interop/dpdk-iotlb.sh
EXTRA_DIST += tests/interop/dpdk-iotlb.sh
check_PROGRAMS += tests/interop/iotlb-driver
tests_interop_iotlb_driver_SOURCES = tests/interop/iotlb-driver.c
tests_interop_iotlb_driver_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_iotlb_driver_LDADD = lib/libvhost.la
