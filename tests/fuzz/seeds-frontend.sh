#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Writes seed inputs for fuzz-frontend into directory $1.  Layout (see
# fuzz-frontend.c): u16 length of the main stream, the back-end's replies,
# then back-end requests on its channel.
set -e
. "$(dirname "$0")/seed-bytes.sh"
rep() { u32 "$1"; u32 5; u32 "$2"; }	# a reply header: request, REPLY|v1, size
ack() { rep "$1" 8; u64 0; }
# offered: VERSION_1 | PROTOCOL_FEATURES | ACCESS_PLATFORM | EVENT_IDX
features=$(( (1 << 32) | (1 << 30) | (1 << 33) | (1 << 29) ))
# MQ, LOG_SHMFD, REPLY_ACK, BACKEND_REQ, CONFIG, BACKEND_SEND_FD, HOST_NOTIFIER,
# INFLIGHT_SHMFD, CONFIGURE_MEM_SLOTS, STATUS, SHARED_OBJECT, SHMEM
proto=$(( 1 | 2 | 8 | 32 | 512 | 1024 | 2048 | 4096 | 32768 | 65536 | 262144 | 4194304 ))

main() {
	rep 1 8; u64 $features			# GET_FEATURES
	rep 15 8; u64 $proto			# GET_PROTOCOL_FEATURES
	rep 17 8; u64 2				# GET_QUEUE_NUM
	rep 36 8; u64 509			# GET_MAX_MEM_SLOTS
	ack 21					# SET_BACKEND_REQ_FD
	ack 3					# SET_OWNER
	ack 2					# SET_FEATURES
	rep 24 76; u32 0; u32 64; u32 0		# GET_CONFIG
	i=0; while [ $i -lt 8 ]; do u64 $i; i=$((i + 1)); done
	ack 37					# ADD_MEM_REG
	ack 8; ack 10; ack 9; ack 13; ack 12; ack 18	# NUM BASE ADDR CALL KICK ENABLE
	ack 18; rep 11 8; u32 0; u32 5		# ENABLE(0), GET_VRING_BASE
	rep 40 8; u64 15			# GET_STATUS
}
chan() {
	u32 2; u32 9; u32 0				# CONFIG_CHANGE_MSG, NEED_REPLY
	u32 1; u32 9; u32 32; u64 4096; u64 0; u64 0; byte 1; byte 1; u16 0; u32 0	# IOTLB miss
	u32 8; u32 1; u32 16; u64 1; u64 2		# SHARED_OBJECT_LOOKUP
	u32 3; u32 1; u32 24; u64 256; u64 0; u64 0	# HOST_NOTIFIER, NOFD
}
m=$(main | wc -c)
{ u16 "$m"; main; chan; } > "$out/session"
{ u16 "$m"; main; } > "$out/no-channel"
# the back-end answers GET_FEATURES with another request's code
{ u16 20; rep 2 8; u64 $features; } > "$out/wrong-code"
