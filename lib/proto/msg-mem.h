/* SPDX-License-Identifier: BSD-3-Clause */
/* Memory messages: SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG, GET_MAX_MEM_SLOTS. */
#ifndef LIBVHOST_MSG_MEM_H
#define LIBVHOST_MSG_MEM_H

#include "proto.h"

#define LVH_XEN_MMAP_FOREIGN (1u << 0)
#define LVH_XEN_MMAP_GRANT (1u << 1)
#define LVH_XEN_MMAP_ON_DEMAND (1u << 8)

struct lvh_mem_region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint64_t mmap_offset;
	/* only with XEN_MMAP negotiated */
	uint32_t xen_mmap_flags;
	uint32_t domid;
};

struct lvh_mem_table {
	uint32_t nregions;
	struct lvh_mem_region regions[LIBVHOST_USER_MEM_TABLE_MAX_REGIONS];
};

/* Region wire size: 32 bytes, or 40 with the Xen fields. */
static inline uint32_t lvh_mem_region_wire_size(bool xen)
{
	return xen ? 40 : 32;
}

/*
 * SET_MEM_TABLE.  A request attaches one fd per region, in region order
 * (fds[i], still the caller's); the postcopy reply form has none (fds NULL).
 */
int lvh_msg_encode_mem_table(struct lvh_msg *m, const struct lvh_mem_table *t, bool xen,
			     const int *fds);
/* with_fds: a request (one fd per region) rather than the postcopy reply (none). */
int lvh_msg_decode_mem_table(const struct libvhost_ctx *ctx, const struct lvh_msg *m, bool xen,
			     bool with_fds, struct lvh_mem_table *out);

/* ADD_MEM_REG / REM_MEM_REG: {u64 padding, region}; fd < 0 for none. */
int lvh_msg_encode_mem_region(struct lvh_msg *m, const struct lvh_mem_region *r, bool xen, int fd);
int lvh_msg_decode_mem_region(const struct libvhost_ctx *ctx, const struct lvh_msg *m, bool xen,
			      struct lvh_mem_region *out);

/* GET_MAX_MEM_SLOTS reply: 0 is refused; more than the library's limit is capped. */
int lvh_msg_decode_max_mem_slots(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				 uint32_t *out);

/* Checks one region's own bounds (no overflow, non-empty, Xen flags). */
int lvh_mem_region_check(const struct libvhost_ctx *ctx, const char *what,
			 const struct lvh_mem_region *r, bool xen);

#endif
