/* SPDX-License-Identifier: BSD-3-Clause */
/* Inflight tracking: GET_INFLIGHT_FD (request and reply), SET_INFLIGHT_FD. */
#ifndef LIBVHOST_MSG_INFLIGHT_H
#define LIBVHOST_MSG_INFLIGHT_H

#include "proto.h"

struct lvh_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
};

/* Bytes one queue's region takes in the shared area, 64-byte aligned, per the spec's layout. */
uint64_t lvh_inflight_queue_region_size(uint16_t queue_size, bool packed);

/* Encodes the 24-byte C layout QEMU sends; fd < 0 for none. */
int lvh_msg_encode_inflight(struct lvh_msg *m, const struct lvh_inflight *in, int fd);
/*
 * GET_INFLIGHT_FD request: the queue geometry only.
 * GET_INFLIGHT_FD reply and SET_INFLIGHT_FD (with_area): also an area large
 * enough for every queue's region and one fd.  packed selects the region size.
 */
int lvh_msg_decode_inflight(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			    bool with_area, bool packed, struct lvh_inflight *out);

#endif
