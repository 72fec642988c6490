/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VIRTIO shared memory regions: GET_SHMEM_CONFIG (reply), BACKEND_SHMEM_MAP
 * and BACKEND_SHMEM_UNMAP.
 */
#ifndef LIBVHOST_MSG_SHMEM_H
#define LIBVHOST_MSG_SHMEM_H

#include "proto.h"

#define LVH_SHMEM_MAP_RW (1u << 0) /* clear: read-only */
#define LVH_SHMEM_PAGE 4096u

struct lvh_shmem_config {
	uint32_t nregions;
	uint64_t sizes[LIBVHOST_USER_MAX_SHMEM_REGIONS]; /* by shmid; 0 unused */
};

struct lvh_shmem_map {
	uint8_t shmid;
	uint64_t fd_offset;
	uint64_t shm_offset;
	uint64_t len;
	uint64_t flags;
};

int lvh_msg_encode_shmem_config(struct lvh_msg *m, const struct lvh_shmem_config *c);
int lvh_msg_decode_shmem_config(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				struct lvh_shmem_config *out);

/* SHMEM_MAP attaches fd; SHMEM_UNMAP takes fd < 0. */
int lvh_msg_encode_shmem_map(struct lvh_msg *m, const struct lvh_shmem_map *s, int fd);
int lvh_msg_decode_shmem_map(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			     struct lvh_shmem_map *out);

#endif
