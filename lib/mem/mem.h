/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest memory tables, for the rest of the library.  A table is the one
 * owner of its regions: whatever maps guest memory (the vhost-user
 * back-end's fds, Xen's mappings) hands it here, and asks it for
 * translations, from guest addresses and from the front-end's user
 * addresses (qva).  Regions change only while nothing translates (the
 * back-end holds every ring's lock).
 */
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
 * The front-end's user address @qva (a vhost-user ring address, or what an
 * IOTLB entry maps to): where it is mapped here, how many bytes from there
 * stay in its region (*contiguous) and its guest address (*gpa); NULL if
 * it is in no region.
 */
void *lvh_mem_qva_map(const struct libvhost_mem *mem, uint64_t qva, uint64_t *contiguous,
		      uint64_t *gpa);

/*
 * Maps a region a vhost-user front-end sent: [fd_offset, +size) of @fd,
 * shared and read-write, at guest address @guest_addr and front-end user
 * address @qva.  One check of the fd (a regular file holding the range);
 * the fd stays the caller's (the mapping keeps the memory) and the table
 * owns the mapping.  *@ret_addr: where guest_addr landed.
 * Errors: -EINVAL empty or wrapping ranges, an fd that cannot back them;
 * -EEXIST overlaps a region in guest address; -ENOSPC
 * LIBVHOST_MEM_MAX_REGIONS reached; -ENOMEM; fstat's and mmap's errors.
 * Each failure is logged.
 */
int lvh_mem_map_fd(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, uint64_t qva,
		   int fd, uint64_t fd_offset, void **ret_addr);

/*
 * As lvh_mem_map_fd(), for a file the kernel handed out for exactly this
 * range (VDUSE's IOVA domain, VDUSE_IOTLB_GET_FD): not a regular file, so
 * there is no size to check it against; the range is, as every region's
 * (not empty, not wrapping, no overlap, the region limit).  Its user
 * address (qva) is @guest_addr.
 */
int lvh_mem_map_kernel_fd(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, int fd,
			  uint64_t fd_offset, void **ret_addr);

/*
 * Adds a region mapped by other means than an fd (Xen's foreign and grant
 * mappings), at front-end user address @qva: translated and bounds-checked
 * like every other region, with no fd (libvhost_mem_get_region() reports
 * -1).  On success the table owns the mapping and calls @unmap(@arg) when
 * the region is removed or the table freed; on failure nothing is taken.
 * Errors: as libvhost_mem_add(), but no fd is looked at.
 */
int lvh_mem_add_mapped(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, void *addr,
		       uint64_t qva, void (*unmap)(void *arg), void *arg);

/*
 * References of one region: a front-end may add the same region (guest
 * address, size and user address) more than once, QEMU 7.2 once per vhost
 * device on the socket (the queue pairs of a multi-queue net device are
 * devices of their own), and takes it back as often.  A region starts with
 * one; at most LVH_MEM_MAX_REFS, so that a front-end cannot wrap the count.
 */
#define LVH_MEM_MAX_REFS (LIBVHOST_MEM_MAX_REGIONS * 64)

/*
 * One more reference of the region identical to (guest_addr, size, qva):
 * the count now, -ENOENT none is, -EOVERFLOW LVH_MEM_MAX_REFS reached.
 */
int lvh_mem_region_ref(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, uint64_t qva);
/*
 * One reference fewer; the last removes the region (and unmaps what the
 * table owns of it).  The references left (0: removed), or -ENOENT.
 */
int lvh_mem_region_unref(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size,
			 uint64_t qva);

/* Every region removed, as by libvhost_mem_remove(). */
void lvh_mem_clear(struct libvhost_mem *mem);

/* A region, for the endpoint that keeps state of its mapping (postcopy's registrations). */
struct lvh_mem_info {
	uint64_t gpa, size, qva;
	uint8_t *uva; /* where gpa is mapped here */
	void *map; /* the page-aligned mapping the table made, or NULL (not the table's) */
	size_t map_len;
	uint32_t marks;
};

/* Region @index (in guest address order) into *ret; false past the last. */
bool lvh_mem_region_info(const struct libvhost_mem *mem, unsigned int index,
			 struct lvh_mem_info *ret);
/*
 * Marks: bits an endpoint keeps with a region (0 when it is added), which
 * the table does not look at.  Sets those of the region starting at
 * @guest_addr; -ENOENT none does.
 */
int lvh_mem_set_marks(struct libvhost_mem *mem, uint64_t guest_addr, uint32_t marks);

/* The context the table logs to. */
struct libvhost_ctx *lvh_mem_ctx(const struct libvhost_mem *mem);

#endif
