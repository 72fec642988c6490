/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's memory table requests (lib/proto/msg-mem.c): SET_MEM_TABLE,
 * ADD_MEM_REG, REM_MEM_REG, GET_MAX_MEM_SLOTS.  The regions are lib/mem's:
 * it maps the front-end's fds, checks and owns them; what it refuses, the
 * front-end should not have sent.  The rings are laid out again after each
 * change (every ring's lock is held: the table says so).
 */
#include <errno.h>
#include <string.h>

#include "mem/mem.h"
#include "proto/msg-mem.h"
#include "user/backend-req.h"

/* Regions have the Xen layout (and are Xen memory) once XEN_MMAP is negotiated. */
static bool be_xen(const struct libvhost_backend *be)
{
	return be->proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_XEN_MMAP);
}

/*
 * Maps one region into be->mem: from its fd (the fd stays the caller's), or
 * from Xen.  lib/mem checks and owns it; what it refuses, the front-end
 * should not have sent.
 */
static int region_map(struct libvhost_backend *be, const struct lvh_mem_region *in, int fd)
{
	void *hva;
	int r;

#if LIBVHOST_HAS_XEN
	if (be_xen(be))
		return lvh_be_xen_region_map(be, in);
#endif
	r = lvh_mem_map_fd(be->mem, in->guest_addr, in->size, in->user_addr, fd, in->mmap_offset,
			   &hva);
	if (r < 0) {
		lvh_err(be->ctx, "vhost-user back-end: region at guest %#llx refused: %s",
			(unsigned long long)in->guest_addr, strerror(-r));
		return r == -EEXIST || r == -EINVAL ? -EPROTO : r;
	}
	return 0;
}

int lvh_be_req_get_max_mem_slots(struct libvhost_backend *be, struct lvh_msg *m)
{
	return lvh_be_reply_u64(be, m, BE_MAX_SLOTS);
}

/* The front-end's table, decoded once, replaces ours in lib/mem. */
int lvh_be_req_set_mem_table(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_mem_table t;
	unsigned int i;
	int r;

	r = lvh_msg_decode_mem_table(be->ctx, m, be_xen(be), true, &t);
	if (r < 0)
		return r;
	lvh_mem_clear(be->mem);
	for (i = 0; i < t.nregions; i++) {
		r = region_map(be, &t.regions[i], m->fds[i]);
		if (r < 0)
			break;
		be->stats.mem_regions_added++;
	}
#if LIBVHOST_HAS_POSTCOPY
	if (lvh_be_postcopy_listening(be)) {
		r = lvh_be_postcopy_mem(be, m, t.regions, t.nregions, r);
		if (r < 0)
			return r;
	}
#endif
	lvh_be_vqs_remap(be);
	return r;
}

int lvh_be_req_add_mem_reg(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_mem_region reg;
	int r = lvh_msg_decode_mem_region(be->ctx, m, be_xen(be), &reg);

	if (r < 0)
		return r;
	/* the same region again (another vhost device of QEMU's): counted */
	r = lvh_mem_region_ref(be->mem, reg.guest_addr, reg.size, reg.user_addr);
	if (r == -EOVERFLOW) {
		lvh_err(be->ctx, "vhost-user back-end: ADD_MEM_REG of guest %#llx %u times",
			(unsigned long long)reg.guest_addr, LVH_MEM_MAX_REFS);
		return -EPROTO;
	}
	if (r > 0) {
#if LIBVHOST_HAS_POSTCOPY
		if (lvh_be_postcopy_listening(be))
			return lvh_be_postcopy_mem(be, m, &reg, 1, 0);
#endif
		return 0;
	}
	if ((unsigned int)libvhost_mem_get_nregions(be->mem) >= BE_MAX_SLOTS) {
		lvh_err(be->ctx, "vhost-user back-end: ADD_MEM_REG past %u slots", BE_MAX_SLOTS);
		return -EPROTO;
	}
	r = region_map(be, &reg, m->fds[0]);
	if (r == 0)
		be->stats.mem_regions_added++;
#if LIBVHOST_HAS_POSTCOPY
	if (lvh_be_postcopy_listening(be))
		r = lvh_be_postcopy_mem(be, m, &reg, 1, r);
#endif
	if (r < 0)
		return r;
	lvh_be_vqs_remap(be);
	return r;
}

int lvh_be_req_rem_mem_reg(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_mem_region reg;
	int r = lvh_msg_decode_mem_region(be->ctx, m, be_xen(be), &reg);

	if (r < 0)
		return r;
	/* identified by guest address, user address and size; the offset is ignored */
	r = lvh_mem_region_unref(be->mem, reg.guest_addr, reg.size, reg.user_addr);
	if (r == -ENOENT) {
		lvh_err(be->ctx, "vhost-user back-end: REM_MEM_REG of a region not there "
				 "(guest %#llx)",
			(unsigned long long)reg.guest_addr);
		return -ENOENT;
	}
	if (r > 0)
		return 0; /* another device of the front-end's still has it */
	be->stats.mem_regions_removed++;
	lvh_be_vqs_remap(be);
	return 0;
}

