#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Builds the guest kernel for `make check-vm` from Debian's linux-source-6.1
# (/usr/src/linux-source-6.1.tar.xz): tinyconfig, then tests/vm/kernel.config
# merged on top, then a check that every line of the fragment survived, then
# bzImage.  The result is cached under CACHE_DIR by a key made of the source
# package's version and the fragment, so a second run prints the path at once.
#   sh tests/vm/build-kernel.sh CACHE_DIR            prints the bzImage's path
#   sh tests/vm/build-kernel.sh --cached CACHE_DIR   only if built already (else 77)
# Needs: linux-source-6.1 bc bison flex libelf-dev libssl-dev (Debian).
# About 10-35 minutes on two cores, depending on what else runs.
set -eu
cached_only=false
[ "${1:-}" = --cached ] && { cached_only=true; shift; }
cache=${1:?usage: build-kernel.sh [--cached] CACHE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
frag=$here/kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || {
	echo "build-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2
	exit 77
}
ver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || echo unknown)
key=$( (echo "$ver"; cat "$frag") | sha256sum | cut -c1-16)
out=$cache/bzImage-$key
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi
$cached_only && exit 77
mkdir -p "$cache"
work=$cache/build-$key
rm -rf "$work"
mkdir -p "$work"
echo "build-kernel: unpacking linux-source $ver into $work" >&2
tar -xJf "$tarball" -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
jobs=$(nproc 2>/dev/null || echo 2)
(
	cd "$src"
	make ARCH=x86_64 tinyconfig > /dev/null
	scripts/kconfig/merge_config.sh -m .config "$frag" > /dev/null
	make ARCH=x86_64 olddefconfig > /dev/null
	# every line of the fragment must be in the result
	missing=0
	grep -E '^(CONFIG_|# CONFIG_)' "$frag" | while read -r line; do
		grep -qxF "$line" .config || { echo "build-kernel: dropped: $line" >&2; echo x; }
	done > ../dropped
	[ -s ../dropped ] && { echo "build-kernel: the fragment did not survive olddefconfig" >&2; exit 1; }
	echo "build-kernel: make -j$jobs bzImage (this takes a while)" >&2
	make ARCH=x86_64 -j"$jobs" bzImage > ../build.log 2>&1 || {
		tail -30 ../build.log >&2
		exit 1
	}
	cp arch/x86/boot/bzImage "$out.tmp"
	cp .config "$out.config"
)
mv "$out.tmp" "$out"
rm -rf "$work"
echo "$out"
