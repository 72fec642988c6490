#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end as a VMM starting migration against DPDK's vhost PMD
# (dpdk-testpmd, net_vhost, io forwarding, --no-huge): SET_LOG_BASE (a
# memfd bitmap), SET_FEATURES with LOG_ALL and SET_VRING_ADDR with
# VHOST_VRING_F_LOG on the running rings; frames we transmit come back into
# our RX buffers, and every page the PMD wrote (the frames, both used
# rings) must be marked; logging switched off again with the rings running,
# and frames verified after it (tests/interop/fe-log.c).
# Skipped (77) without dpdk-testpmd or with LIBVHOST_SKIP_DPDK=1.
set -u
[ "${LIBVHOST_SKIP_DPDK:-0}" = 1 ] && { echo "LIBVHOST_SKIP_DPDK=1"; exit 77; }
pmd=$(command -v dpdk-testpmd) || { echo "dpdk-testpmd not installed"; exit 77; }
drv=${top_builddir:-.}/tests/interop/fe-log
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup ddl
mode=${lvh_fe_log_mode:-net}
pass=${lvh_fe_log_pass:-"every page the vhost PMD wrote while logging was marked; it served on with logging off"}
lvh_dpdk_rm_at_exit "lvhd$$"

lvh_testpmd "lvhd$$" "$d/pmd.log" "$d/s" "net_vhost0,iface=$d/s,queues=1"
echo "set fwd io" >&3
echo "start" >&3

timeout 60 "$drv" "$mode" "$d/s" > "$d/driver.log" 2>&1
st=$?
lvh_testpmd_quit testpmd stop
cat "$d/driver.log"
[ $st -eq 0 ] || fail "fe-log $mode exited with status $st"
grep -q "^fe-log: $mode: pass" "$d/driver.log" || fail "fe-log $mode: no pass"
lvh_check_logs
echo "PASS: $pass"
