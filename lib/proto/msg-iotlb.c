/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOTLB messages: IOTLB_MSG (front-end request; its reply is a plain u64) and
 * BACKEND_IOTLB_MSG (back-end request).
 *
 * struct vhost_iotlb_msg has 26 bytes of fields; QEMU sends sizeof() of the
 * C struct, 32, with 6 bytes of tail padding.  Both sizes are accepted; we
 * send 32 with the padding zeroed.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-iotlb.h"

#define IOTLB_WIRE 32u
#define IOTLB_FIELDS 26u

static int check(const struct libvhost_ctx *ctx, enum lvh_dir dir, const struct lvh_iotlb *t)
{
	const char *who = dir == LVH_DIR_FRONTEND ? "IOTLB_MSG" : "BACKEND_IOTLB_MSG";
	bool type_ok;

	if (dir == LVH_DIR_FRONTEND)
		type_ok = t->type == LVH_IOTLB_UPDATE || t->type == LVH_IOTLB_INVALIDATE;
	else
		type_ok = t->type == LVH_IOTLB_MISS || t->type == LVH_IOTLB_ACCESS_FAIL;
	if (!type_ok) {
		lvh_err(ctx, "%s: message type %u is not one this side sends", who, t->type);
		return -EPROTO;
	}
	/*
	 * An invalidation's uaddr and perm mean nothing (the kernel reads
	 * neither), and QEMU leaves them uninitialized: not checked.
	 */
	if (t->type != LVH_IOTLB_INVALIDATE && t->perm > LVH_IOTLB_PERM_RW) {
		lvh_err(ctx, "%s: unknown permission %u", who, t->perm);
		return -EPROTO;
	}
	if (t->type == LVH_IOTLB_UPDATE &&
	    (t->size == 0 || t->perm == LVH_IOTLB_PERM_NONE ||
	     lvh_range_overflows(t->iova, t->size) || lvh_range_overflows(t->uaddr, t->size))) {
		lvh_err(ctx, "%s: bad update: 0x%llx bytes at iova 0x%llx -> 0x%llx, perm %u", who,
			(unsigned long long)t->size, (unsigned long long)t->iova,
			(unsigned long long)t->uaddr, t->perm);
		return -EPROTO;
	}
	/* size 0 is QEMU's whole-space invalidation (see the header): no range to check */
	if (t->type == LVH_IOTLB_INVALIDATE && lvh_range_overflows(t->iova, t->size)) {
		lvh_err(ctx, "%s: invalidation range wraps around", who);
		return -EPROTO;
	}
	return 0;
}

int lvh_msg_encode_iotlb(struct lvh_msg *m, enum lvh_dir dir, const struct lvh_iotlb *t)
{
	uint8_t p[IOTLB_WIRE] = { 0 };

	if (check(NULL, dir, t) < 0)
		return -EINVAL;
	memcpy(p, &t->iova, 8);
	memcpy(p + 8, &t->size, 8);
	memcpy(p + 16, &t->uaddr, 8);
	p[24] = t->perm;
	p[25] = t->type;
	return lvh_msg_set_payload(m, p, sizeof(p));
}

int lvh_msg_decode_iotlb(const struct libvhost_ctx *ctx, const struct lvh_msg *m, enum lvh_dir dir,
			 struct lvh_iotlb *out)
{
	struct lvh_iotlb t;
	int r;

	if (m->size < IOTLB_FIELDS || m->size > IOTLB_WIRE) {
		lvh_err(ctx, "IOTLB message of %u bytes", m->size);
		return -EBADMSG;
	}
	memcpy(&t.iova, m->payload.bytes, 8);
	memcpy(&t.size, m->payload.bytes + 8, 8);
	memcpy(&t.uaddr, m->payload.bytes + 16, 8);
	t.perm = m->payload.bytes[24];
	t.type = m->payload.bytes[25];
	r = check(ctx, dir, &t);
	if (r < 0)
		return r;
	if (t.type == LVH_IOTLB_INVALIDATE) {
		t.uaddr = 0; /* whatever was on QEMU's stack */
		t.perm = LVH_IOTLB_PERM_NONE;
	}
	*out = t;
	return 0;
}
