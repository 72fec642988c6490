/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's Xen guest memory (--enable-xen builds).  With XEN_MMAP
 * negotiated every region names the domain whose pages it is, by guest
 * frame (FOREIGN) or grant reference (GRANT), and is mapped from there
 * (lib/mem/xen-map.c), not from its fd: the framing still carries one fd per
 * region, which handle_one() closes unused, as it does any request's fds.
 * The mmap offset has no meaning for such a region and is not used.
 */
#include <errno.h>

#include "mem/mem.h"
#include "mem/xen-map.h"
#include "proto/msg-mem.h"
#include "user/backend.h"

int lvh_be_xen_init(struct libvhost_backend *be)
{
	return lvh_xen_map_new(be->ctx, &be->xen);
}

void lvh_be_xen_fini(struct libvhost_backend *be)
{
	lvh_xen_map_free(be->xen);
	be->xen = NULL;
}

void lvh_be_xen_close(struct libvhost_backend *be)
{
	lvh_xen_map_close(be->xen);
}

void lvh_be_xen_set_map_ops(struct libvhost_backend *be, const struct lvh_xen_map_ops *ops,
			    void *userdata)
{
	lvh_xen_map_set_ops(be->xen, ops, userdata);
}

int lvh_be_xen_region_map(struct libvhost_backend *be, const struct lvh_mem_region *in)
{
	struct lvh_xen_region xr = {
		.guest_addr = in->guest_addr,
		.size = in->size,
		.user_addr = in->user_addr,
		.flags = in->xen_mmap_flags,
		.domid = in->domid,
	};
	void *hva;
	int r;

	/* the table unmaps it when the region goes */
	r = lvh_xen_map_region(be->xen, be->mem, &xr, &hva);
	if (r < 0)
		return r == -EEXIST || r == -EINVAL ? -EPROTO : r;
	return 0;
}
