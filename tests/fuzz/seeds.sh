#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Writes seed inputs for fuzz-msg into directory $1.  Input layout (see fuzz-msg.c):
#   byte 0: bit 0 direction (1 = back-end requests), bits 1-3 fd count, bit 4 Xen layout
#   bytes 1-8: negotiated protocol features (little-endian u64)
#   then a raw stream of vhost-user messages.
set -e
. "$(dirname "$0")/seed-bytes.sh"
hdr() { u32 "$1"; u32 "$2"; u32 "$3"; }
all=8388607	# every protocol feature the library knows

{ byte 0; u64 $all; hdr 1 1 0; hdr 2 1 8; u64 1073741824; hdr 15 1 0; hdr 3 1 0; } > "$out/handshake"
{ byte 2; u64 $all; hdr 12 1 8; u64 0; } > "$out/vring-kick"
{ byte 0; u64 $all; hdr 9 1 40; u32 0; u32 0; u64 4096; u64 8192; u64 12288; u64 0; } > "$out/vring-addr"
{ byte 4; u64 $all; hdr 5 1 72; u32 2; u32 0;
  u64 0; u64 65536; u64 140000000000; u64 0;
  u64 1048576; u64 65536; u64 140000100000; u64 0; } > "$out/mem-table"
{ byte 18; u64 $all; hdr 5 1 48; u32 1; u32 0; u64 0; u64 65536; u64 140000000000; u64 0; u32 1; u32 7; } > "$out/mem-table-xen"
{ byte 2; u64 $all; hdr 37 1 40; u64 0; u64 0; u64 4096; u64 140000000000; u64 0; } > "$out/add-mem-reg"
{ byte 0; u64 $all; hdr 24 1 20; u32 0; u32 8; u32 0; u64 0; } > "$out/get-config"
{ byte 0; u64 $all; hdr 22 1 32; u64 4096; u64 4096; u64 140000000000; byte 3; byte 2; u16 0; u32 0; } > "$out/iotlb"
{ byte 2; u64 $all; hdr 32 1 24; u64 8320; u64 0; u16 2; u16 256; u32 0; } > "$out/set-inflight"
{ byte 2; u64 $all; hdr 42 1 8; u32 0; u32 0; } > "$out/device-state"
{ byte 1; u64 $all; hdr 1 1 32; u64 4096; u64 0; u64 0; byte 1; byte 1; u16 0; u32 0; } > "$out/backend-iotlb"
{ byte 3; u64 $all; hdr 9 1 40; byte 0; byte 0; u16 0; u32 0; u64 0; u64 0; u64 4096; u64 1; } > "$out/backend-shmem-map"
{ byte 1; u64 $all; hdr 6 1 16; u64 1; u64 2; } > "$out/backend-shared-add"
