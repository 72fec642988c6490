#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end as a VMM with a virtual IOMMU, driving DPDK's vhost PMD
# with iommu-support=1 (dpdk-testpmd, io forwarding): VIRTIO_F_ACCESS_PLATFORM
# with BACKEND_REQ and REPLY_ACK, rings and buffers at IOVAs that are not
# their guest addresses, no IOTLB update but in answer to the PMD's misses,
# mappings invalidated (and moved to other memory) and the misses served
# again, and a miss for an IOVA the vIOMMU does not map refused without harm,
# the queues then reset (tests/interop/iotlb-driver.c says how).  The frames testpmd sends back are verified byte for byte.
# Skipped (77) without dpdk-testpmd or with LIBVHOST_SKIP_DPDK=1.  For a look
# inside: LIBVHOST_TEST_DPDK_ARGS="--log-level=lib.vhost.*:debug" (EAL options)
# and IOTLB_DRIVER_VERBOSE=1 (each miss), with LIBVHOST_TEST_KEEP=DIR.
set -u
[ "${LIBVHOST_SKIP_DPDK:-0}" = 1 ] && { echo "LIBVHOST_SKIP_DPDK=1"; exit 77; }
pmd=$(command -v dpdk-testpmd) || { echo "dpdk-testpmd not installed"; exit 77; }
drv=${top_builddir:-.}/tests/interop/iotlb-driver
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup di
lvh_dpdk_rm_at_exit "lvhi$$"
count=200

lvh_testpmd "lvhi$$" "$d/pmd.log" "$d/s" "net_vhost0,iface=$d/s,queues=1,iommu-support=1"
echo "set fwd io" >&3
echo "start" >&3
timeout 60 "$drv" "$d/s" $count > "$d/driver.log" 2>&1
st=$?
# the statistics, then it quits
lvh_testpmd_quit testpmd stop
cat "$d/driver.log"
[ $st -eq 0 ] || fail "the driver exited with status $st"
lvh_check_logs
# the driver's counts: each kind of IOTLB traffic happened
line=$(grep 'IOTLB misses' "$d/driver.log") || fail "no counts from the driver"
num() { echo "$line" | sed -n "s/.*[^0-9]\([0-9][0-9]*\) $1.*/\1/p"; }
misses=$(num "IOTLB misses") ring=$(num "on the rings") refused=$(num refused)
updates=$(num updates) inval=$(num invalidations)
[ "${misses:-0}" -gt 0 ] && [ "$ring" -gt 0 ] && [ "$updates" -gt 0 ] && [ "$inval" -gt 0 ] &&
	[ "$refused" -eq 1 ] || fail "misses $misses (rings $ring), updates $updates, invalidations $inval, refused $refused"
rx=$(sed -n 's/.*RX-packets: *\([0-9]*\).*/\1/p' "$d/pmd.log" | head -1)
[ -n "$rx" ] && [ "$rx" -ge $count ] || fail "testpmd counted ${rx:-no} frames from us"
echo "testpmd received $rx of our frames; $misses misses ($ring on the rings, $refused refused), $updates updates, $inval invalidations"
echo PASS
