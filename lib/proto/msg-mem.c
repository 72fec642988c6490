/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory messages: SET_MEM_TABLE (request and postcopy reply), ADD_MEM_REG
 * (request and postcopy reply), REM_MEM_REG, GET_MAX_MEM_SLOTS (reply).
 *
 * Spec erratum: ADD_MEM_REG and REM_MEM_REG list the region as the reply
 * payload; it is the request's.  REM_MEM_REG should carry no fd, but old
 * front-ends send one: it is accepted and the caller closes it.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-mem.h"

#define MEM_HDR 8u /* u32 nregions, u32 padding; or ADD/REM_MEM_REG's u64 padding */
#define XEN_FLAGS_KNOWN (LVH_XEN_MMAP_FOREIGN | LVH_XEN_MMAP_GRANT | LVH_XEN_MMAP_ON_DEMAND)

static void put_region(uint8_t *p, const struct lvh_mem_region *r, bool xen)
{
	memcpy(p, &r->guest_addr, 8);
	memcpy(p + 8, &r->size, 8);
	memcpy(p + 16, &r->user_addr, 8);
	memcpy(p + 24, &r->mmap_offset, 8);
	if (xen) {
		memcpy(p + 32, &r->xen_mmap_flags, 4);
		memcpy(p + 36, &r->domid, 4);
	}
}

static void get_region(const uint8_t *p, struct lvh_mem_region *r, bool xen)
{
	memset(r, 0, sizeof(*r));
	memcpy(&r->guest_addr, p, 8);
	memcpy(&r->size, p + 8, 8);
	memcpy(&r->user_addr, p + 16, 8);
	memcpy(&r->mmap_offset, p + 24, 8);
	if (xen) {
		memcpy(&r->xen_mmap_flags, p + 32, 4);
		memcpy(&r->domid, p + 36, 4);
	}
}

int lvh_mem_region_check(const struct libvhost_ctx *ctx, const char *what,
			 const struct lvh_mem_region *r, bool xen)
{
	if (r->size == 0) {
		lvh_err(ctx, "%s: empty region at guest address 0x%llx", what,
			(unsigned long long)r->guest_addr);
		return -EPROTO;
	}
	if (lvh_range_overflows(r->guest_addr, r->size) ||
	    lvh_range_overflows(r->user_addr, r->size) ||
	    lvh_range_overflows(r->mmap_offset, r->size)) {
		lvh_err(ctx, "%s: 0x%llx bytes at guest 0x%llx, user 0x%llx, offset 0x%llx wrap",
			what, (unsigned long long)r->size, (unsigned long long)r->guest_addr,
			(unsigned long long)r->user_addr, (unsigned long long)r->mmap_offset);
		return -EPROTO;
	}
	if (xen) {
		uint32_t kind = r->xen_mmap_flags & (LVH_XEN_MMAP_FOREIGN | LVH_XEN_MMAP_GRANT);

		if ((r->xen_mmap_flags & ~XEN_FLAGS_KNOWN) ||
		    (kind != LVH_XEN_MMAP_FOREIGN && kind != LVH_XEN_MMAP_GRANT)) {
			lvh_err(ctx, "%s: invalid Xen mmap flags 0x%x", what, r->xen_mmap_flags);
			return -EPROTO;
		}
	}
	return 0;
}

static bool overlap(const struct lvh_mem_region *a, const struct lvh_mem_region *b)
{
	/* both ranges were checked not to wrap, so last = addr + size - 1 is exact */
	return a->guest_addr <= b->guest_addr + (b->size - 1) &&
	       b->guest_addr <= a->guest_addr + (a->size - 1);
}

/* Every region valid and no two overlapping in guest address: a translation must be unique. */
static int table_check(const struct libvhost_ctx *ctx, const struct lvh_mem_table *t, bool xen)
{
	uint32_t i, j;
	int r;

	for (i = 0; i < t->nregions; i++) {
		r = lvh_mem_region_check(ctx, "SET_MEM_TABLE", &t->regions[i], xen);
		if (r < 0)
			return r;
		for (j = 0; j < i; j++) {
			if (overlap(&t->regions[i], &t->regions[j])) {
				lvh_err(ctx, "SET_MEM_TABLE: regions %u and %u overlap", j, i);
				return -EPROTO;
			}
		}
	}
	return 0;
}

static bool is_reply(const struct lvh_msg *m)
{
	return m->flags & LIBVHOST_USER_FLAG_REPLY;
}

int lvh_msg_encode_mem_table(struct lvh_msg *m, const struct lvh_mem_table *t, bool xen,
			     const int *fds)
{
	uint32_t rsz = lvh_mem_region_wire_size(xen), i;
	uint8_t *p = m->payload.bytes;
	int r;

	if (t->nregions > LIBVHOST_USER_MEM_TABLE_MAX_REGIONS)
		return -ENOSPC;
	if (table_check(NULL, t, xen) < 0)
		return -EINVAL;
	if (is_reply(m) ? fds != NULL : (t->nregions && !fds))
		return -EINVAL;
	for (i = 0; fds && i < t->nregions; i++)
		if (fds[i] < 0)
			return -EINVAL;
	memset(p, 0, MEM_HDR + t->nregions * rsz);
	memcpy(p, &t->nregions, 4);
	for (i = 0; i < t->nregions; i++)
		put_region(p + MEM_HDR + i * rsz, &t->regions[i], xen);
	m->size = MEM_HDR + t->nregions * rsz;
	for (i = 0; fds && i < t->nregions; i++) {
		r = lvh_msg_add_fd(m, fds[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int lvh_msg_decode_mem_table(const struct libvhost_ctx *ctx, const struct lvh_msg *m, bool xen,
			     bool with_fds, struct lvh_mem_table *out)
{
	uint32_t rsz = lvh_mem_region_wire_size(xen), n, i;
	struct lvh_mem_table t;
	int r;

	if (m->size < MEM_HDR || m->size > sizeof(m->payload.bytes)) {
		lvh_err(ctx, "SET_MEM_TABLE: payload of %u bytes", m->size);
		return -EBADMSG;
	}
	memcpy(&n, m->payload.bytes, 4);
	if (n > LIBVHOST_USER_MEM_TABLE_MAX_REGIONS) {
		lvh_err(ctx, "SET_MEM_TABLE: too many regions (%u, at most %u)", n,
			LIBVHOST_USER_MEM_TABLE_MAX_REGIONS);
		return -ENOSPC;
	}
	if (m->size != MEM_HDR + n * rsz) {
		lvh_err(ctx, "SET_MEM_TABLE: %u regions of %u bytes do not fill %u bytes", n, rsz,
			m->size);
		return -EBADMSG;
	}
	if (m->nfds != (with_fds ? n : 0)) {
		lvh_err(ctx, "SET_MEM_TABLE: %u fds for %u regions %s", m->nfds, n,
			with_fds ? "(one each)" : "(a reply carries none)");
		return -EBADMSG;
	}
	/* the u32 after nregions is padding: its content is ignored */
	memset(&t, 0, sizeof(t));
	t.nregions = n;
	for (i = 0; i < n; i++)
		get_region(m->payload.bytes + MEM_HDR + i * rsz, &t.regions[i], xen);
	r = table_check(ctx, &t, xen);
	if (r < 0)
		return r;
	*out = t;
	return 0;
}

/* fds a single-region message may carry: {min, max} */
static void region_fds(const struct lvh_msg *m, unsigned int *min, unsigned int *max)
{
	if (is_reply(m)) {
		*min = *max = 0;
	} else if (m->request == LIBVHOST_USER_ADD_MEM_REG) {
		*min = *max = 1;
	} else {
		*min = 0;
		*max = 1;
	}
}

int lvh_msg_encode_mem_region(struct lvh_msg *m, const struct lvh_mem_region *r, bool xen, int fd)
{
	uint8_t p[MEM_HDR + 40] = { 0 };
	bool wants_fd = !is_reply(m) && m->request == LIBVHOST_USER_ADD_MEM_REG;

	if (lvh_mem_region_check(NULL, "mem region", r, xen) < 0)
		return -EINVAL;
	/* we never send REM_MEM_REG's compatibility fd */
	if (wants_fd != (fd >= 0))
		return -EINVAL;
	put_region(p + MEM_HDR, r, xen);
	lvh_msg_set_payload(m, p, MEM_HDR + lvh_mem_region_wire_size(xen));
	return fd >= 0 ? lvh_msg_add_fd(m, fd) : 0;
}

int lvh_msg_decode_mem_region(const struct libvhost_ctx *ctx, const struct lvh_msg *m, bool xen,
			      struct lvh_mem_region *out)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, m->request);
	struct lvh_mem_region reg;
	unsigned int min, max;
	int r;

	if (m->size != MEM_HDR + lvh_mem_region_wire_size(xen)) {
		lvh_err(ctx, "%s: payload of %u bytes (the %s layout is %u)", name, m->size,
			xen ? "Xen" : "plain", MEM_HDR + lvh_mem_region_wire_size(xen));
		return -EBADMSG;
	}
	region_fds(m, &min, &max);
	if (m->nfds < min || m->nfds > max) {
		lvh_err(ctx, "%s%s: %u fds attached (%u to %u allowed)", name,
			is_reply(m) ? " reply" : "", m->nfds, min, max);
		return -EBADMSG;
	}
	/* the leading u64 is padding: its content is ignored */
	get_region(m->payload.bytes + MEM_HDR, &reg, xen);
	r = lvh_mem_region_check(ctx, name, &reg, xen);
	if (r < 0)
		return r;
	*out = reg;
	return 0;
}

int lvh_msg_encode_max_mem_slots(struct lvh_msg *m, uint64_t slots)
{
	if (slots == 0)
		return -EINVAL;
	lvh_msg_set_u64(m, slots);
	return 0;
}

int lvh_msg_decode_max_mem_slots(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				 uint32_t *out)
{
	uint64_t v;
	int r;

	r = lvh_msg_get_u64(ctx, m, &v);
	if (r < 0)
		return r;
	if (v == 0) {
		lvh_err(ctx, "GET_MAX_MEM_SLOTS: the back-end offers no memory slots");
		return -EPROTO;
	}
	/* a back-end may offer more than the KVM convention; we never use more */
	if (v > LIBVHOST_USER_MAX_MEM_SLOTS) {
		lvh_dbg(ctx, "GET_MAX_MEM_SLOTS: %llu slots offered, %u used",
			(unsigned long long)v, LIBVHOST_USER_MAX_MEM_SLOTS);
		v = LIBVHOST_USER_MAX_MEM_SLOTS;
	}
	*out = (uint32_t)v;
	return 0;
}
