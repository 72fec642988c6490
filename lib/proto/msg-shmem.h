/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VIRTIO shared memory regions: GET_SHMEM_CONFIG (empty request; reply
 * {u32 nregions, u32 padding, u64 sizes[256]}), BACKEND_SHMEM_MAP and
 * BACKEND_SHMEM_UNMAP ({u8 shmid, u8 padding[7], u64 fd_offset,
 * u64 shm_offset, u64 len, u64 flags}; MAP carries the fd to map).
 */
#ifndef LIBVHOST_MSG_SHMEM_H
#define LIBVHOST_MSG_SHMEM_H

#include "proto/proto.h"

/* SHMEM_MAP flags: bit 0 set maps read-write, clear read-only. */
#define LVH_SHMEM_MAP_RW (1ULL << 0)

#define LVH_SHMEM_CONFIG_SIZE (8u + 8u * LIBVHOST_USER_MAX_SHMEM_REGIONS) /* 2056 */
#define LVH_SHMEM_MAP_SIZE 40u

struct lvh_shmem_config {
	uint32_t nregions; /* regions in use: the non-zero sizes */
	uint64_t sizes[LIBVHOST_USER_MAX_SHMEM_REGIONS]; /* by shmid; 0 unused */
};

struct lvh_shmem_map {
	uint8_t shmid;
	uint64_t fd_offset; /* MAP only; UNMAP decodes it as 0 */
	uint64_t shm_offset;
	uint64_t len;
	uint64_t flags; /* MAP only: LVH_SHMEM_MAP_RW; UNMAP decodes it as 0 */
};

/*
 * GET_SHMEM_CONFIG reply.  Every size is a multiple of the host page size
 * (-EPROTO), nregions <= 256 (-EPROTO) and no smaller than the number of
 * non-zero sizes (-EPROTO); -EBADMSG for a size other than 2056 bytes.
 * Encode: -EINVAL unless nregions equals the number of non-zero sizes.
 */
int lvh_msg_encode_shmem_config(struct lvh_msg *m, const struct lvh_shmem_config *c);
int lvh_msg_decode_shmem_config(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				struct lvh_shmem_config *out);

/*
 * BACKEND_SHMEM_MAP (m->request selects): attaches fd (still the caller's);
 * len > 0, [fd_offset, +len) and [shm_offset, +len) within 2^64, flags only
 * LVH_SHMEM_MAP_RW.  BACKEND_SHMEM_UNMAP: fd < 0; len > 0 and
 * [shm_offset, +len) within 2^64; fd_offset and flags mean nothing and are
 * sent as 0.  Encode: -EINVAL.  Decode: -EPROTO; -EBADMSG size or fds.
 */
int lvh_msg_encode_shmem_map(struct lvh_msg *m, const struct lvh_shmem_map *s, int fd);
int lvh_msg_decode_shmem_map(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			     struct lvh_shmem_map *out);

#endif
