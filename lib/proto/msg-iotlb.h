/* SPDX-License-Identifier: BSD-3-Clause */
/* IOTLB messages both ways: IOTLB_MSG (front-end) and BACKEND_IOTLB_MSG. */
#ifndef LIBVHOST_MSG_IOTLB_H
#define LIBVHOST_MSG_IOTLB_H

#include "proto/proto.h"

#define LVH_IOTLB_MISS 1
#define LVH_IOTLB_UPDATE 2
#define LVH_IOTLB_INVALIDATE 3
#define LVH_IOTLB_ACCESS_FAIL 4

#define LVH_IOTLB_PERM_NONE 0
#define LVH_IOTLB_PERM_RO 1
#define LVH_IOTLB_PERM_WO 2
#define LVH_IOTLB_PERM_RW 3

struct lvh_iotlb {
	uint64_t iova;
	uint64_t size;
	uint64_t uaddr;
	uint8_t perm;
	uint8_t type;
};

/*
 * IOTLB_MSG (dir LVH_DIR_FRONTEND: UPDATE or INVALIDATE; its reply is a u64
 * status) and BACKEND_IOTLB_MSG (LVH_DIR_BACKEND: MISS or ACCESS_FAIL).
 * perm 0..3 (an INVALIDATE's uaddr and perm are not checked and decode as
 * 0: QEMU sends them uninitialized); an UPDATE needs size > 0, perm != 0,
 * and iova and uaddr + size not past 2^64.  An INVALIDATE of size 0 is
 * accepted: QEMU computes the size
 * as addr_mask + 1, which wraps to 0 for a range covering the whole 64-bit
 * space, so the caller must read it as [iova, 2^64), never as "nothing".
 *
 * Encode writes the 32-byte C layout QEMU sends (26 bytes of fields, zero
 * tail); -EINVAL for what decode refuses.  Decode accepts 26 to 32 bytes;
 * -EBADMSG other sizes, -EPROTO the rules above.
 */
int lvh_msg_encode_iotlb(struct lvh_msg *m, enum lvh_dir dir, const struct lvh_iotlb *t);
int lvh_msg_decode_iotlb(const struct libvhost_ctx *ctx, const struct lvh_msg *m, enum lvh_dir dir,
			 struct lvh_iotlb *out);

#endif
