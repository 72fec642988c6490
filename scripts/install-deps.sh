#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Installs the Debian 12 packages libvhost needs to build and test.
# Does nothing for packages already present; needs root (or sudo) otherwise.
set -e
pkgs="build-essential autoconf automake libtool pkg-config check libcap-ng-dev libmnl-dev liburing-dev
      abigail-tools clang libclang-rt-14-dev valgrind g++ xz-utils git
      qemu-utils qemu-system-common qemu-system-x86 ipxe-qemu dpdk-dev busybox-static cpio file iproute2"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y $missing
