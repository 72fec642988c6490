/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest memory tables, for the rest of the library. */
#ifndef LIBVHOST_MEM_H
#define LIBVHOST_MEM_H

#include "libvhost-private.h"

/*
 * Translates a guest address.  With `contiguous` NULL: the whole of [gpa,
 * gpa + len) must lie in one region, else NULL.  With `contiguous`: returns
 * the start even when the range goes on past its region, and stores how many
 * bytes from gpa are contiguous there (callers split buffers into iovecs).
 */
void *lvh_mem_translate(const struct libvhost_mem *mem, uint64_t gpa, uint64_t len,
			uint64_t *contiguous);

/* A region's guest range and where it is mapped here. */
struct lvh_mem_span {
	uint64_t gpa, size;
	uint8_t *uva;
};

/* The region holding gpa, into *span; false if gpa is in none. */
bool lvh_mem_span(const struct libvhost_mem *mem, uint64_t gpa, struct lvh_mem_span *span);

/*
 * The guest address of this process's address uva, and how many bytes from
 * there stay in the same region; -ENOENT if uva is in no region.
 */
int lvh_mem_guest_addr_contig(const struct libvhost_mem *mem, uint64_t uva, uint64_t *gpa,
			      uint64_t *contiguous);

/*
 * Adds a region mapped by other means than an fd (Xen's foreign and grant
 * mappings): translated and bounds-checked like every other region, with no
 * fd (libvhost_mem_get_region() reports -1).  On success the table owns the
 * mapping and calls @unmap(@arg) when the region is removed or the table
 * freed; on failure nothing is taken.
 * Errors: as libvhost_mem_add(), but no fd is looked at.
 */
int lvh_mem_add_mapped(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, void *addr,
		       void (*unmap)(void *arg), void *arg);

/* The context the table logs to. */
struct libvhost_ctx *lvh_mem_ctx(const struct libvhost_mem *mem);

#endif
