/* SPDX-License-Identifier: BSD-3-Clause */
/* Memory messages: SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG, GET_MAX_MEM_SLOTS. */
#ifndef LIBVHOST_MSG_MEM_H
#define LIBVHOST_MSG_MEM_H

#include "proto/proto.h"

/* xen_mmap_flags: exactly one of FOREIGN and GRANT, optionally ON_DEMAND. */
#define LVH_XEN_MMAP_FOREIGN (1u << 0)
#define LVH_XEN_MMAP_GRANT (1u << 1)
#define LVH_XEN_MMAP_ON_DEMAND (1u << 8)

struct lvh_mem_region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint64_t mmap_offset;
	/* only on the wire with XEN_MMAP negotiated; 0 otherwise */
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
 * Checks one region's own bounds: size > 0; guest_addr, user_addr and
 * mmap_offset + size do not pass 2^64 (ending exactly there is fine); with
 * @xen, valid Xen mmap flags.  -EPROTO (logged, prefixed with @what).
 */
int lvh_mem_region_check(const struct libvhost_ctx *ctx, const char *what,
			 const struct lvh_mem_region *r, bool xen);

/*
 * SET_MEM_TABLE.  A request attaches one fd per region, in region order
 * (fds[i], still the caller's; fds may be NULL for an empty table, which is
 * also the front-end's postcopy acknowledgement).  The postcopy reply (m
 * started with lvh_msg_init_reply) carries no fds: fds must be NULL.
 * Errors: -ENOSPC more than LIBVHOST_USER_MEM_TABLE_MAX_REGIONS; -EINVAL a
 * bad region, overlapping regions, or fds not matching the form.
 */
int lvh_msg_encode_mem_table(struct lvh_msg *m, const struct lvh_mem_table *t, bool xen,
			     const int *fds);
/*
 * with_fds: a request (one fd per region) rather than the postcopy reply
 * (none, user_addr holds the back-end's mapping bases).
 * Errors: -ENOSPC too many regions; -EBADMSG the size or fd count does not
 * match nregions; -EPROTO a bad region or two regions overlapping in guest
 * address.
 */
int lvh_msg_decode_mem_table(const struct libvhost_ctx *ctx, const struct lvh_msg *m, bool xen,
			     bool with_fds, struct lvh_mem_table *out);

/*
 * ADD_MEM_REG / REM_MEM_REG: {u64 padding, region}.  fd: ADD_MEM_REG's
 * request needs one; REM_MEM_REG and the postcopy reply to ADD_MEM_REG take
 * none (fd < 0).  -EINVAL otherwise or for a bad region.
 */
int lvh_msg_encode_mem_region(struct lvh_msg *m, const struct lvh_mem_region *r, bool xen, int fd);
/*
 * The form follows from the message: an ADD_MEM_REG request must carry one fd;
 * a REM_MEM_REG request 0 or 1 (old front-ends send one: the caller closes it
 * unused); a reply (REPLY flag) none.  -EBADMSG size or fds; -EPROTO region.
 */
int lvh_msg_decode_mem_region(const struct libvhost_ctx *ctx, const struct lvh_msg *m, bool xen,
			      struct lvh_mem_region *out);

/* GET_MAX_MEM_SLOTS reply: -EINVAL for 0. */
int lvh_msg_encode_max_mem_slots(struct lvh_msg *m, uint64_t slots);
/*
 * GET_MAX_MEM_SLOTS reply: 0 is -EPROTO; more than
 * LIBVHOST_USER_MAX_MEM_SLOTS is accepted and capped to it.
 */
int lvh_msg_decode_max_mem_slots(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				 uint32_t *out);

#endif
