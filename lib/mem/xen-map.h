/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Xen guest memory (--enable-xen builds): whole regions mapped through
 * foreign mappings (xenforeignmemory) or grant mappings (xengnttab), added
 * to a memory table with lvh_mem_add_mapped().  The calls into Xen go
 * through a small ops table, so that unit tests can run the rest on a
 * machine without Xen.
 */
#ifndef LIBVHOST_XEN_MAP_H
#define LIBVHOST_XEN_MAP_H

#include "libvhost-private.h"

/* Xen's page, whatever this process's page size (XC_PAGE_SHIFT) */
#define LVH_XEN_PAGE_SHIFT 12
#define LVH_XEN_PAGE_SIZE (1ULL << LVH_XEN_PAGE_SHIFT)
/*
 * Grant regions: Linux's grant DMA addresses (XEN_GRANT_DMA_ADDR_OFF) set
 * bit 63 over the grant reference << 12.  Not in the vhost-user spec; what
 * Xen front-ends send.
 */
#define LVH_XEN_GRANT_ADDR_OFF (1ULL << 63)
/* pages in one region: 64 GiB (the frame or reference array is allocated whole) */
#define LVH_XEN_MAX_PAGES (1U << 24)

/* kinds, as the xen_mmap_flags bits */
#define LVH_XEN_KIND_FOREIGN 0x1U
#define LVH_XEN_KIND_GRANT 0x2U

/*
 * How pages of a domain are mapped.  lvh_xen_map_real is xenforeignmemory
 * and xengnttab; a unit test installs a fake.
 * map: @count pages of domain @domid, from guest frame @first (FOREIGN) or
 *      grant reference @first (GRANT), read-write, in one range: 0 and
 *      *@ret_addr, or -errno (nothing mapped).
 * unmap: undoes one map; -errno is logged, nothing else can be done.
 * close: the end of a session, every mapping unmapped: release what map
 *        opened.  May be called with nothing opened.
 */
struct lvh_xen_map_ops {
	int (*map)(void *userdata, uint32_t kind, uint32_t domid, uint64_t first, uint32_t count,
		   void **ret_addr);
	int (*unmap)(void *userdata, uint32_t kind, void *addr, uint32_t count);
	void (*close)(void *userdata);
};

/* One back-end's mapper: the ops and, for the real ones, the handles they open. */
struct lvh_xen_map;

/* Errors: -ENOMEM. */
int lvh_xen_map_new(struct libvhost_ctx *ctx, struct lvh_xen_map **ret);
/* Closes (lvh_xen_map_close()) and frees; NULL-safe. */
void lvh_xen_map_free(struct lvh_xen_map *xm);
/* Ops for the next session (NULL: the real ones); closes what the current ones opened. */
void lvh_xen_map_set_ops(struct lvh_xen_map *xm, const struct lvh_xen_map_ops *ops,
			 void *userdata);

/* A region as a Xen front-end describes it. */
struct lvh_xen_region {
	uint64_t guest_addr, size;
	uint64_t user_addr; /* the front-end's: recorded in the table as the region's qva */
	uint32_t flags; /* xen_mmap_flags: FOREIGN or GRANT (checked by the codec), ON_DEMAND */
	uint32_t domid;
};

/*
 * Maps the whole region and adds it to @mem; the table unmaps it when the
 * region goes.  The pages mapped are those [guest_addr, +size) touches
 * (front-ends send ring-sized grant regions); *@ret_addr is where
 * guest_addr landed.
 * Errors: -EOPNOTSUPP ON_DEMAND (the spec forbids mapping such a region
 * whole, and mapping per access is not implemented); -EPROTO a domain id
 * Xen reserves, a range that wraps or whose grant references pass 2^32;
 * -ENOSPC more than LVH_XEN_MAX_PAGES; map's errors; lvh_mem_add_mapped()'s.
 * Each failure is logged.
 */
int lvh_xen_map_region(struct lvh_xen_map *xm, struct libvhost_mem *mem,
		       const struct lvh_xen_region *r, void **ret_addr);

/* The end of a session: ops->close (every region must be gone from the tables). */
void lvh_xen_map_close(struct lvh_xen_map *xm);

#endif
