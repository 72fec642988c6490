#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end as the destination VMM of a postcopy migration, with
# DPDK's vhost PMD (dpdk-testpmd, net_vhost with postcopy-support=1, io
# forwarding) as the back-end (tests/interop/postcopy-driver.c): ADVISE,
# LISTEN, the postcopy memory table, frames transmitted from guest pages
# not yet placed and received into RX buffers not placed either, each page
# faulted by the PMD and resolved through its userfaultfd; the frames come
# back intact; END.  testpmd runs with --no-mlockall: its mlockall
# (MCL_FUTURE) would populate our memory as the PMD maps it, before it
# registers the userfaultfd, and no page would be missing.
# Skipped (77) outside --enable-postcopy builds, without dpdk-testpmd, or
# with LIBVHOST_SKIP_DPDK=1, or, not root, with vm.unprivileged_userfaultfd=0.
set -u
drv=${top_builddir:-.}/tests/interop/postcopy-driver
grep -q 'LIBVHOST_HAS_POSTCOPY 1' "${top_builddir:-.}/include/libvhost-build.h" 2> /dev/null ||
	{ echo "postcopy is built only with --enable-postcopy"; exit 77; }
[ "${LIBVHOST_SKIP_DPDK:-0}" = 1 ] && { echo "LIBVHOST_SKIP_DPDK=1"; exit 77; }
pmd=$(command -v dpdk-testpmd) || { echo "dpdk-testpmd not installed"; exit 77; }
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_need_userfaultfd dpdk-testpmd
lvh_setup dpc
lvh_dpdk_rm_at_exit "lvhp$$"

lvh_testpmd "lvhp$$" "$d/pmd.log" "$d/s" "net_vhost0,iface=$d/s,queues=1,postcopy-support=1"
echo "set fwd io" >&3
echo "start" >&3
timeout 60 "$drv" net "$d/s" 8 > "$d/driver.log" 2>&1
st=$?
lvh_testpmd_quit testpmd stop
cat "$d/driver.log"
[ $st -eq 0 ] || fail "postcopy-driver net exited with status $st"
grep -q "^postcopy-driver: net: pass$" "$d/driver.log" || fail "no pass line"
grep -q "userfaultfd registered" "$d/pmd.log" || fail "testpmd registered no userfaultfd"
faults=$(sed -n 's/^postcopy-driver: net: .*intact; \([0-9]*\) faults.*/\1/p' "$d/driver.log")
[ "${faults:-0}" -gt 0 ] || fail "the vhost PMD never faulted"
lvh_check_logs
echo "PASS: $faults postcopy faults of DPDK's vhost PMD resolved, the frames intact"
