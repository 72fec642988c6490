#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end against DPDK's vhost PMD, which offers STATUS: the
# virtio status set and read back through the driver's whole start
# (ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK) and stop (the rings' bases
# read back, status 0: the device reset), three times over, the last after
# the reset request (RESET_DEVICE where offered, else RESET_OWNER), frames
# verified in each (tests/interop/fe-log.c, through dpdk-dirty-log.sh).
# Skipped (77) without dpdk-testpmd or with LIBVHOST_SKIP_DPDK=1.
lvh_fe_log_mode=status
lvh_fe_log_pass="status set and read back through three start/stop cycles and a device reset, frames verified in each"
. "${top_srcdir:-.}/tests/interop/dpdk-dirty-log.sh"
