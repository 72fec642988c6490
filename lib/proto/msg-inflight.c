/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inflight descriptions: 20 bytes of fields, sent by QEMU as its 24-byte C
 * struct.  Spec erratum: GET_INFLIGHT_FD says "reply payload: N/A", but the
 * reply carries the description and the memfd.  DPDK shipped without
 * checking mmap_size against the queues it must hold; we check it.
 */
#include <errno.h>
#include <string.h>

#include "msg-inflight.h"

#define INFLIGHT_FIELDS 20u
#define INFLIGHT_WIRE 24u
#define MAX_QUEUE_SIZE 32768u

uint64_t lvh_inflight_queue_region_size(uint16_t queue_size, bool packed)
{
	/* split: 16-byte header + 16-byte DescStateSplit; packed: 32 + 32 each */
	uint64_t sz = packed ? 32 + 32ull * queue_size : 16 + 16ull * queue_size;

	return (sz + 63) & ~63ull;
}

int lvh_msg_encode_inflight(struct lvh_msg *m, const struct lvh_inflight *in, int fd)
{
	uint8_t p[INFLIGHT_WIRE] = { 0 };

	if (in->num_queues == 0 || in->queue_size == 0 || in->queue_size > MAX_QUEUE_SIZE ||
	    lvh_range_overflows(in->mmap_offset, in->mmap_size))
		return -EINVAL;
	memcpy(p, &in->mmap_size, 8);
	memcpy(p + 8, &in->mmap_offset, 8);
	memcpy(p + 16, &in->num_queues, 2);
	memcpy(p + 18, &in->queue_size, 2);
	lvh_msg_set_payload(m, p, sizeof(p));
	return fd >= 0 ? lvh_msg_add_fd(m, fd) : 0;
}

int lvh_msg_decode_inflight(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			    bool with_area, bool packed, struct lvh_inflight *out)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, m->request);
	struct lvh_inflight in;
	uint64_t need;

	if (m->size < INFLIGHT_FIELDS || m->size > INFLIGHT_WIRE) {
		lvh_err(ctx, "%s: payload of %u bytes", name, m->size);
		return -EBADMSG;
	}
	memcpy(&in.mmap_size, m->payload.bytes, 8);
	memcpy(&in.mmap_offset, m->payload.bytes + 8, 8);
	memcpy(&in.num_queues, m->payload.bytes + 16, 2);
	memcpy(&in.queue_size, m->payload.bytes + 18, 2);
	if (in.num_queues == 0 || in.queue_size == 0 || in.queue_size > MAX_QUEUE_SIZE) {
		lvh_err(ctx, "%s: %u queues of %u descriptors", name, in.num_queues, in.queue_size);
		return -EPROTO;
	}
	if (with_area) {
		if (m->nfds != 1) {
			lvh_err(ctx, "%s: %u fds instead of the inflight area's one", name, m->nfds);
			return -EBADMSG;
		}
		/* at most 65535 * 1 MiB: no overflow in 64 bits */
		need = in.num_queues * lvh_inflight_queue_region_size(in.queue_size, packed);
		if (in.mmap_size < need || lvh_range_overflows(in.mmap_offset, in.mmap_size)) {
			lvh_err(ctx, "%s: area of %llu bytes at offset %llu cannot hold %u queues of %u (%llu bytes)",
				name, (unsigned long long)in.mmap_size,
				(unsigned long long)in.mmap_offset, in.num_queues, in.queue_size,
				(unsigned long long)need);
			return -EPROTO;
		}
	}
	*out = in;
	return 0;
}
