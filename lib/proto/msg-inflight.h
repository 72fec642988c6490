/* SPDX-License-Identifier: BSD-3-Clause */
/* Inflight tracking: GET_INFLIGHT_FD (request and reply), SET_INFLIGHT_FD. */
#ifndef LIBVHOST_MSG_INFLIGHT_H
#define LIBVHOST_MSG_INFLIGHT_H

#include "proto/proto.h"

struct lvh_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues; /* 1..LIBVHOST_USER_MAX_VRINGS */
	uint16_t queue_size; /* 1..32768 */
};

/*
 * Bytes one queue's region takes in the shared area, per the spec's
 * "Inflight I/O tracking" layout, aligned to 64: split 16 + 16 * queue_size,
 * packed 32 + 32 * queue_size.
 */
uint64_t lvh_inflight_queue_region_size(uint16_t queue_size, bool packed);

/*
 * Encodes the 24-byte C layout QEMU sends (20 bytes of fields, zero tail).
 * A GET_INFLIGHT_FD request has mmap_size and mmap_offset 0 and no fd (fd <
 * 0); its reply and SET_INFLIGHT_FD describe an area at least num_queues
 * split regions large and attach its fd.  -EINVAL otherwise.
 */
int lvh_msg_encode_inflight(struct lvh_msg *m, const struct lvh_inflight *in, int fd);
/*
 * with_area false: a GET_INFLIGHT_FD request, the queue geometry only
 * (mmap_size and mmap_offset 0, no fd).
 * with_area true: the GET_INFLIGHT_FD reply or SET_INFLIGHT_FD: one fd and an
 * area of mmap_size > 0 bytes at mmap_offset, not past 2^64, that holds
 * num_queues regions of lvh_inflight_queue_region_size(queue_size, packed);
 * pass packed false when the ring layout is not known (the smaller size).
 * Errors: -EBADMSG size or fd count; -EPROTO the rules above.
 */
int lvh_msg_decode_inflight(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			    bool with_area, bool packed, struct lvh_inflight *out);

#endif
