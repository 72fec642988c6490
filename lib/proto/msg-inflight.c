/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inflight descriptions: GET_INFLIGHT_FD (request and reply) and
 * SET_INFLIGHT_FD.  20 bytes of fields, sent by QEMU as its 24-byte C struct;
 * both sizes are accepted.  Spec erratum: GET_INFLIGHT_FD says "reply
 * payload: N/A", but the reply carries the description and the memfd.  DPDK
 * shipped without checking mmap_size against the queues it must hold; we
 * check it.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-inflight.h"

#define INFLIGHT_FIELDS 20u
#define INFLIGHT_WIRE 24u
#define MAX_QUEUE_SIZE 32768u

/* The spec's per-queue headers and descriptor states, in bytes. */
#define SPLIT_HDR 16u /* u64 features, u16 version, desc_num, last_batch_head, used_idx */
#define SPLIT_DESC 16u /* DescStateSplit */
#define PACKED_HDR 32u
#define PACKED_DESC 32u /* DescStatePacked */
#define REGION_ALIGN 64u

uint64_t lvh_inflight_queue_region_size(uint16_t queue_size, bool packed)
{
	uint64_t sz = packed ? PACKED_HDR + (uint64_t)PACKED_DESC * queue_size
			     : SPLIT_HDR + (uint64_t)SPLIT_DESC * queue_size;

	return (sz + REGION_ALIGN - 1) & ~(uint64_t)(REGION_ALIGN - 1);
}

static bool geometry_ok(const struct lvh_inflight *in)
{
	return in->num_queues >= 1 && in->num_queues <= LIBVHOST_USER_MAX_VRINGS &&
	       in->queue_size >= 1 && in->queue_size <= MAX_QUEUE_SIZE;
}

/* Bytes num_queues regions need; at most 0x8000 * 1 MiB, so no overflow. */
static uint64_t area_needed(const struct lvh_inflight *in, bool packed)
{
	return in->num_queues * lvh_inflight_queue_region_size(in->queue_size, packed);
}

static bool area_ok(const struct lvh_inflight *in, bool packed)
{
	return in->mmap_size > 0 && !lvh_range_overflows(in->mmap_offset, in->mmap_size) &&
	       in->mmap_size >= area_needed(in, packed);
}

static bool is_get_request(const struct lvh_msg *m)
{
	return m->request == LIBVHOST_USER_GET_INFLIGHT_FD &&
	       !(m->flags & LIBVHOST_USER_FLAG_REPLY);
}

int lvh_msg_encode_inflight(struct lvh_msg *m, const struct lvh_inflight *in, int fd)
{
	uint8_t p[INFLIGHT_WIRE] = { 0 };

	if (!geometry_ok(in))
		return -EINVAL;
	if (is_get_request(m)) {
		if (in->mmap_size || in->mmap_offset || fd >= 0)
			return -EINVAL;
	} else if (fd < 0 || !area_ok(in, false)) {
		return -EINVAL;
	}
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

	if (m->size < INFLIGHT_FIELDS || m->size > INFLIGHT_WIRE) {
		lvh_err(ctx, "%s: payload of %u bytes", name, m->size);
		return -EBADMSG;
	}
	if (m->nfds != (with_area ? 1u : 0u)) {
		lvh_err(ctx, "%s: %u fds attached (%s)", name, m->nfds,
			with_area ? "the inflight area's one expected" : "none expected");
		return -EBADMSG;
	}
	/* bytes 20..23, when present, are C struct padding: ignored */
	memcpy(&in.mmap_size, m->payload.bytes, 8);
	memcpy(&in.mmap_offset, m->payload.bytes + 8, 8);
	memcpy(&in.num_queues, m->payload.bytes + 16, 2);
	memcpy(&in.queue_size, m->payload.bytes + 18, 2);
	if (!geometry_ok(&in)) {
		lvh_err(ctx, "%s: %u queues of %u descriptors (1 to %u queues of 1 to %u)", name,
			in.num_queues, in.queue_size, LIBVHOST_USER_MAX_VRINGS, MAX_QUEUE_SIZE);
		return -EPROTO;
	}
	if (!with_area && (in.mmap_size || in.mmap_offset)) {
		lvh_err(ctx, "%s: the request describes an area (%llu bytes at %llu)", name,
			(unsigned long long)in.mmap_size, (unsigned long long)in.mmap_offset);
		return -EPROTO;
	}
	if (with_area && !area_ok(&in, packed)) {
		lvh_err(ctx, "%s: %llu bytes at offset %llu for %u %s queues of %u (%llu needed)",
			name, (unsigned long long)in.mmap_size, (unsigned long long)in.mmap_offset,
			in.num_queues, packed ? "packed" : "split", in.queue_size,
			(unsigned long long)area_needed(&in, packed));
		return -EPROTO;
	}
	*out = in;
	return 0;
}
