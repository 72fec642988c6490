/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The front-end's Xen regions (--enable-xen builds): the caller says which
 * regions of its memory table are Xen memory, of which domain and how the
 * back-end is to map them.  Saying so is what makes the front-end accept
 * XEN_MMAP; then every region goes in the Xen layout.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-mem.h"
#include "user/frontend.h"

#define XEN_KINDS (LIBVHOST_XEN_MMAP_FOREIGN | LIBVHOST_XEN_MMAP_GRANT)

static int find(const struct libvhost_frontend *fe, uint64_t guest_addr)
{
	unsigned int i;

	for (i = 0; i < fe->xen_n; i++)
		if (fe->xen[i].gpa == guest_addr)
			return (int)i;
	return -1;
}

LIBVHOST_EXPORT int libvhost_frontend_set_xen_region(struct libvhost_frontend *fe,
						     uint64_t guest_addr, uint32_t flags,
						     uint32_t domid)
{
	uint32_t kind = flags & XEN_KINDS;
	unsigned int i;
	int at;

	if (!fe)
		return -EINVAL;
	if (flags && ((flags & ~(XEN_KINDS | LIBVHOST_XEN_MMAP_ON_DEMAND)) ||
		      (kind != LIBVHOST_XEN_MMAP_FOREIGN && kind != LIBVHOST_XEN_MMAP_GRANT))) {
		lvh_dbg(fe->ctx, "vhost-user: Xen flags %#x: one of FOREIGN and GRANT, and "
			"ON_DEMAND, are allowed", flags);
		return -EINVAL;
	}
	/* the back-end has the region as it was described: remove it first */
	for (i = 0; i < fe->nsent; i++) {
		if (fe->sent[i].guest_addr == guest_addr) {
			lvh_dbg(fe->ctx, "vhost-user: the region at guest %#llx is in the back-end's "
				"table: its Xen description cannot change",
				(unsigned long long)guest_addr);
			return -EBUSY;
		}
	}
	at = find(fe, guest_addr);
	if (!flags) {
		if (at < 0)
			return -ENOENT;
		fe->xen[at] = fe->xen[--fe->xen_n];
		return 0;
	}
	if (at < 0) {
		if (fe->xen_n == LVH_ARRAY_SIZE(fe->xen))
			return -ENOSPC;
		at = (int)fe->xen_n++;
	}
	fe->xen[at].gpa = guest_addr;
	fe->xen[at].flags = flags;
	fe->xen[at].domid = domid;
	return 0;
}

int lvh_fe_xen_describe(const struct libvhost_frontend *fe, struct lvh_mem_region *r)
{
	int at = find(fe, r->guest_addr);

	if (at < 0) {
		lvh_dbg(fe->ctx, "vhost-user: XEN_MMAP is negotiated, but the region at guest %#llx "
			"has no Xen description (libvhost_frontend_set_xen_region())",
			(unsigned long long)r->guest_addr);
		return -EINVAL;
	}
	r->xen_mmap_flags = fe->xen[at].flags;
	r->domid = fe->xen[at].domid;
	return 0;
}
