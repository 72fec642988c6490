#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Writes seed inputs for fuzz-backend into directory $1.  Layout (see
# fuzz-backend.c): u16 length of the message stream, front-end messages,
# then the first bytes of guest memory.
set -e
. "$(dirname "$0")/seed-bytes.sh"
req() { u32 "$1"; u32 "${3:-1}"; u32 "$2"; }	# request, size[, flags]
features=$(( (1 << 32) | (1 << 30) | (1 << 29) ))

# a split ring of 8 at guest 0 (used at 0x100), one 2-part buffer, made available
ring_split() {
	u64 4096; u32 16; byte 1; byte 0; u16 1		# desc 0: out 16 bytes, NEXT -> 1
	u64 8192; u32 64; byte 2; byte 0; u16 0		# desc 1: in 64 bytes
	i=2; while [ $i -lt 8 ]; do u64 0; u64 0; i=$((i + 1)); done
	u16 0; u16 1; u16 0; i=1; while [ $i -lt 8 ]; do u16 0; i=$((i + 1)); done	# avail
}

session() {
	req 1 0; req 15 0
	req 16 8; u64 $((1 | 8 | 32768))		# MQ REPLY_ACK CONFIGURE_MEM_SLOTS
	req 3 0 9
	req 2 8 9; u64 $features
	req 37 40 9; u64 0; u64 0; u64 1048576; u64 0; u64 0	# ADD_MEM_REG
	req 8 8 9; u32 0; u32 8				# NUM
	req 9 40 9; u32 0; u32 0; u64 0; u64 256; u64 128; u64 0	# ADDR desc used avail log
	req 10 8 9; u32 0; u32 0			# BASE
	req 13 8 9; u64 0				# CALL
	req 12 8 9; u64 0				# KICK
	req 18 8 9; u32 0; u32 1			# ENABLE
	req 11 8; u32 0; u32 0				# GET_VRING_BASE
}
s=$(session | wc -c)
{ u16 "$s"; session; ring_split; } > "$out/split-session"
{ u16 "$s"; session; } > "$out/empty-ring"
t() { req 5 40; u32 1; u32 0; u64 0; u64 1048576; u64 0; u64 0; }	# SET_MEM_TABLE
m=$(t | wc -c)
{ u16 "$m"; t; } > "$out/mem-table"
