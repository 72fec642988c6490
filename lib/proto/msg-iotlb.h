/* SPDX-License-Identifier: BSD-3-Clause */
/* IOTLB messages both ways: IOTLB_MSG (front-end) and BACKEND_IOTLB_MSG. */
#ifndef LIBVHOST_MSG_IOTLB_H
#define LIBVHOST_MSG_IOTLB_H

#include "proto.h"

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

/* Encodes the 32-byte C layout QEMU sends (26 bytes of fields, zero tail). */
int lvh_msg_encode_iotlb(struct lvh_msg *m, enum lvh_dir dir, const struct lvh_iotlb *t);
/* dir says who sent it: the front-end sends UPDATE/INVALIDATE, the back-end MISS/ACCESS_FAIL. */
int lvh_msg_decode_iotlb(const struct libvhost_ctx *ctx, const struct lvh_msg *m, enum lvh_dir dir,
			 struct lvh_iotlb *out);

#endif
