/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest memory tables: regions kept sorted by guest address, so that
 * overlaps are caught when a region is added, with a packed copy of what
 * translations read and buckets of guest address space that leave one or
 * two regions to look at, so that a guest address costs about the same with
 * 509 regions as with one.  The table is the one owner of every region in it: the
 * caller's (libvhost_mem_add), its own memfds (libvhost_mem_alloc), a
 * vhost-user front-end's fds it maps for the back-end (lvh_mem_map_fd) and
 * Xen's mappings (lvh_mem_add_mapped).  Each region also records the
 * front-end's user address of it (qva), which ring addresses and IOTLB
 * entries are in; translations of guest and of front-end addresses both
 * try the region the last one found first.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem/mem.h"

#define HUGE_2M (2ull << 20)
#define HUGE_1G (1ull << 30)
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

struct region {
	uint64_t gpa, size, uva, fd_offset;
	uint64_t qva; /* the front-end's user address of gpa (uva for the caller's own) */
	int fd; /* libvhost_mem_add()'s duplicate or libvhost_mem_alloc()'s memfd, or -1 */
	void *map; /* a mapping the table made (page-aligned): unmapped with the region */
	size_t map_len;
	void (*unmap)(void *arg); /* lvh_mem_add_mapped(): how its mapping goes */
	void *unmap_arg;
	unsigned int refs; /* lvh_mem_region_ref(): the front-end added it this many times */
	uint32_t marks; /* the endpoint's (lvh_mem_set_marks) */
};

/* What a translation reads of a region, packed (24 bytes), in the same order as the regions. */
struct span {
	uint64_t gpa, size, uva;
};

/*
 * Buckets of guest address space, each 1 << shift bytes from the first
 * region's start: bucket[k] is the last region starting at or below bucket
 * k's start, so an address in bucket k lies in a region from bucket[k] to
 * bucket[k + 1]; with regions spread evenly that is one or two, whatever
 * their number.
 */
#define LVH_MEM_BUCKETS_MAX 2048u

struct libvhost_mem {
	int refcount;
	struct libvhost_ctx *ctx;
	unsigned int n, cap;
	struct region *r; /* sorted by gpa */
	struct span *hot; /* r's spans, cap of them */
	uint16_t *bucket; /* nbuckets + 1, or NULL: a binary search over all of hot */
	unsigned int nbuckets, shift;
	/*
	 * The region the last translation found: buffers come from the same
	 * one over and over.  Only a hint, checked against n and the region
	 * before use; threads translating at once may overwrite each other's.
	 * qhint is the same for front-end user addresses.
	 */
	unsigned int hint, qhint;
};

LIBVHOST_EXPORT int libvhost_mem_new(struct libvhost_ctx *ctx, struct libvhost_mem **ret)
{
	struct libvhost_mem *mem;

	if (!ctx || !ret)
		return -EINVAL;
	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	mem->refcount = 1;
	mem->ctx = libvhost_ctx_ref(ctx);
	*ret = mem;
	return 0;
}

LIBVHOST_EXPORT struct libvhost_mem *libvhost_mem_ref(struct libvhost_mem *mem)
{
	if (mem)
		mem->refcount++;
	return mem;
}

static void region_release(struct region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->unmap)
		r->unmap(r->unmap_arg);
	if (r->fd >= 0)
		close(r->fd);
}

/* index of the last span starting at or below gpa in [lo, hi] (hot[lo].gpa <= gpa) */
static unsigned int last_at_or_below(const struct span *hot, unsigned int lo, unsigned int hi,
				     uint64_t gpa)
{
	while (lo < hi) {
		unsigned int mid = hi - (hi - lo) / 2;

		if (hot[mid].gpa <= gpa)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * After every change of the regions: the spans, and buckets of about a
 * quarter of a region's share of the address space (at least a page).
 * Without memory for the buckets translations search all the spans.
 */
static void reindex(struct libvhost_mem *mem)
{
	unsigned int i, nb = 1, shift = 12;
	uint64_t base, span;
	uint16_t *b;

	for (i = 0; i < mem->n; i++)
		mem->hot[i] = (struct span){ mem->r[i].gpa, mem->r[i].size, mem->r[i].uva };
	free(mem->bucket);
	mem->bucket = NULL;
	mem->nbuckets = 0;
	if (mem->n < 4)
		return;
	while (nb < 4 * mem->n && nb < LVH_MEM_BUCKETS_MAX)
		nb *= 2;
	base = mem->r[0].gpa;
	span = mem->r[mem->n - 1].gpa + (mem->r[mem->n - 1].size - 1) - base;
	while (shift < 63 && (span >> shift) >= nb)
		shift++;
	b = malloc((nb + 1) * sizeof(*b));
	if (!b)
		return;
	for (i = 0; i <= nb; i++) {
		uint64_t start = (uint64_t)i << shift;

		b[i] = (uint16_t)(start > span ? mem->n - 1
					       : last_at_or_below(mem->hot, i ? b[i - 1] : 0,
								  mem->n - 1, base + start));
	}
	mem->bucket = b;
	mem->nbuckets = nb;
	mem->shift = shift;
}

void lvh_mem_clear(struct libvhost_mem *mem)
{
	unsigned int i;

	for (i = 0; i < mem->n; i++)
		region_release(&mem->r[i]);
	mem->n = 0;
	reindex(mem);
}

LIBVHOST_EXPORT struct libvhost_mem *libvhost_mem_unref(struct libvhost_mem *mem)
{
	if (!mem || --mem->refcount > 0)
		return NULL;
	lvh_mem_clear(mem);
	free(mem->r);
	free(mem->hot);
	free(mem->bucket);
	libvhost_ctx_unref(mem->ctx);
	free(mem);
	return NULL;
}

/* index of the first region whose gpa is >= gpa */
static unsigned int lower_bound(const struct libvhost_mem *mem, uint64_t gpa)
{
	unsigned int lo = 0, hi = mem->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (mem->r[mid].gpa < gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* [a, a + alen) and [b, b + blen) intersect; neither wraps (checked before) */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

static int check_new(struct libvhost_mem *mem, uint64_t gpa, uint64_t size, uint64_t uva,
		     bool check_uva)
{
	unsigned int i;

	if (size == 0 || lvh_range_overflows(gpa, size) || lvh_range_overflows(uva, size)) {
		lvh_dbg(mem->ctx, "region of %" PRIu64 " bytes at guest 0x%" PRIx64 " is empty or wraps",
			size, gpa);
		return -EINVAL;
	}
	if (mem->n >= LIBVHOST_MEM_MAX_REGIONS) {
		lvh_dbg(mem->ctx, "the table already has %u regions", LIBVHOST_MEM_MAX_REGIONS);
		return -ENOSPC;
	}
	for (i = 0; i < mem->n; i++) {
		const struct region *r = &mem->r[i];

		if (ranges_overlap(gpa, size, r->gpa, r->size) ||
		    (check_uva && ranges_overlap(uva, size, r->uva, r->size))) {
			lvh_dbg(mem->ctx,
				"region at guest 0x%" PRIx64 " overlaps the one at guest 0x%" PRIx64, gpa,
				r->gpa);
			return -EEXIST;
		}
	}
	return 0;
}

static int insert(struct libvhost_mem *mem, const struct region *nr)
{
	unsigned int at;

	if (mem->n == mem->cap) {
		unsigned int cap = mem->cap ? mem->cap * 2 : 8;
		struct region *r;
		struct span *hot;

		if (cap > LIBVHOST_MEM_MAX_REGIONS)
			cap = LIBVHOST_MEM_MAX_REGIONS;
		hot = realloc(mem->hot, cap * sizeof(*hot));
		if (!hot)
			return -ENOMEM;
		mem->hot = hot;
		r = realloc(mem->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		mem->r = r;
		mem->cap = cap;
	}
	at = lower_bound(mem, nr->gpa);
	memmove(&mem->r[at + 1], &mem->r[at], (mem->n - at) * sizeof(*nr));
	mem->r[at] = *nr;
	mem->r[at].refs = 1;
	mem->n++;
	reindex(mem);
	return 0;
}

static uint64_t default_hugepage_size(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	uint64_t kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %" SCNu64 " kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* The page size an allocation with these options gets, and memfd_create()'s flags for it. */
static int alloc_page(struct libvhost_mem *mem, uint64_t flags, uint64_t huge, uint64_t *page,
		      unsigned int *mfd_flags)
{
	*mfd_flags = MFD_CLOEXEC;
	if (flags & ~LIBVHOST_MEM_F_HUGETLB) {
		lvh_dbg(mem->ctx, "unknown flags 0x%" PRIx64, flags);
		return -EINVAL;
	}
	if (!(flags & LIBVHOST_MEM_F_HUGETLB)) {
		if (huge) {
			lvh_dbg(mem->ctx, "hugepage_size without LIBVHOST_MEM_F_HUGETLB");
			return -EINVAL;
		}
		*page = (uint64_t)sysconf(_SC_PAGESIZE);
		return 0;
	}
	if (huge != 0 && huge != HUGE_2M && huge != HUGE_1G) {
		lvh_dbg(mem->ctx, "huge page size %" PRIu64 " is not 2 MiB or 1 GiB", huge);
		return -EINVAL;
	}
	*mfd_flags |= MFD_HUGETLB;
	if (huge)
		*mfd_flags |= (unsigned int)(__builtin_ctzll(huge) << MFD_HUGE_SHIFT);
	*page = huge ? huge : default_hugepage_size();
	if (!*page) {
		lvh_dbg(mem->ctx, "this system has no huge pages");
		return -ENOMEM;
	}
	return 0;
}

/* A memfd of @size bytes, mapped shared: *fd and *addr, or -errno and neither. */
static int alloc_map(struct libvhost_mem *mem, uint64_t size, unsigned int mfd_flags, int *fd,
		     void **addr)
{
	bool huge = mfd_flags & MFD_HUGETLB;
	int r;

	*fd = memfd_create("libvhost-guest-memory", mfd_flags);
	if (*fd < 0) {
		r = -errno;
		lvh_dbg(mem->ctx, "memfd_create%s: %s", huge ? " (huge pages)" : "",
			strerror(errno));
		return r;
	}
	if (ftruncate(*fd, (off_t)size) < 0) {
		r = -errno;
		lvh_dbg(mem->ctx, "sizing guest memory to %" PRIu64 " bytes: %s", size,
			strerror(errno));
		goto fail;
	}
	/* hugetlbfs reserves the pages here, so a shortage shows now, not at first touch */
	*addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (*addr == MAP_FAILED) {
		r = -errno;
		if (huge)
			lvh_dbg(mem->ctx, "mapping %" PRIu64 " bytes of huge pages: %s (see "
				"/proc/sys/vm/nr_hugepages)", size, strerror(errno));
		else
			lvh_dbg(mem->ctx, "mapping %" PRIu64 " bytes: %s", size, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	close(*fd);
	*fd = -1;
	return r;
}

LIBVHOST_EXPORT int libvhost_mem_alloc(struct libvhost_mem *mem, uint64_t guest_addr,
				       uint64_t size, const struct libvhost_mem_alloc_opts *opts,
				       void **ret_addr)
{
	struct region nr = { .gpa = guest_addr, .size = size, .fd = -1 };
	uint64_t flags, page;
	unsigned int mfd_flags;
	void *addr;
	int r;

	if (!mem)
		return -EINVAL;
	r = LVH_OPTS_VALID(mem->ctx, opts, libvhost_mem_alloc_opts);
	if (r < 0)
		return r;
	flags = LVH_OPTS_GET(opts, flags, 0);
	r = alloc_page(mem, flags, LVH_OPTS_GET(opts, hugepage_size, 0), &page, &mfd_flags);
	if (r < 0)
		return r;
	if (size % page || guest_addr % page || size > SIZE_MAX) {
		lvh_dbg(mem->ctx, "region of %" PRIu64 " bytes at guest 0x%" PRIx64
			" is not aligned to %" PRIu64, size, guest_addr, page);
		return -EINVAL;
	}
	r = check_new(mem, guest_addr, size, 0, false);
	if (r < 0)
		return r;

	r = alloc_map(mem, size, mfd_flags, &nr.fd, &addr);
	if (r < 0)
		return r;
	nr.uva = nr.qva = (uint64_t)(uintptr_t)addr;
	nr.map = addr;
	nr.map_len = (size_t)size;
	r = insert(mem, &nr);
	if (r < 0) {
		munmap(addr, size);
		close(nr.fd);
		return r;
	}
	lvh_dbg(mem->ctx, "allocated %" PRIu64 " bytes at guest 0x%" PRIx64 " (fd %d)", size,
		guest_addr, nr.fd);
	if (ret_addr)
		*ret_addr = addr;
	return 0;
}

/* One fstat, one check: @fd is shared memory holding [fd_offset, +size).  -EINVAL, -errno. */
static int fd_can_back(struct libvhost_mem *mem, int fd, uint64_t fd_offset, uint64_t size)
{
	struct stat st;
	uint64_t end;
	int r;

	if (fstat(fd, &st) < 0) {
		r = -errno;
		lvh_dbg(mem->ctx, "fd %d: %s", fd, strerror(errno));
		return r;
	}
	if (lvh_add_overflow_u64(fd_offset, size, &end) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < end) {
		lvh_dbg(mem->ctx, "fd %d cannot back %" PRIu64 " bytes at offset %" PRIu64
			" (a shared-memory file of %lld bytes is needed)", fd, size, fd_offset,
			(long long)st.st_size);
		return -EINVAL;
	}
	return 0;
}

LIBVHOST_EXPORT int libvhost_mem_add(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size,
				     void *addr, int fd, uint64_t fd_offset)
{
	struct region nr = { .gpa = guest_addr, .size = size, .uva = (uint64_t)(uintptr_t)addr,
			     .qva = (uint64_t)(uintptr_t)addr, .fd_offset = fd_offset, .fd = -1 };
	int r;

	if (!mem || !addr || fd < 0)
		return -EINVAL;
	r = check_new(mem, guest_addr, size, nr.uva, true);
	if (r < 0)
		return r;
	r = fd_can_back(mem, fd, fd_offset, size);
	if (r < 0)
		return r;
	nr.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nr.fd < 0) {
		r = -errno;
		lvh_dbg(mem->ctx, "duplicating fd %d: %s", fd, strerror(errno));
		return r;
	}
	r = insert(mem, &nr);
	if (r < 0) {
		close(nr.fd);
		return r;
	}
	return 0;
}

static int map_fd(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, uint64_t qva,
		  int fd, uint64_t fd_offset, bool kernel, void **ret_addr);

int lvh_mem_map_fd(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, uint64_t qva,
		   int fd, uint64_t fd_offset, void **ret_addr)
{
	return map_fd(mem, guest_addr, size, qva, fd, fd_offset, false, ret_addr);
}

int lvh_mem_map_kernel_fd(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, int fd,
			  uint64_t fd_offset, void **ret_addr)
{
	return map_fd(mem, guest_addr, size, guest_addr, fd, fd_offset, true, ret_addr);
}

static int map_fd(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, uint64_t qva,
		  int fd, uint64_t fd_offset, bool kernel, void **ret_addr)
{
	struct region nr = { .gpa = guest_addr, .size = size, .qva = qva,
			     .fd_offset = fd_offset, .fd = -1 };
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = fd_offset & ~(page - 1);
	void *p;
	int r;

	if (lvh_range_overflows(qva, size)) {
		lvh_dbg(mem->ctx, "region at guest 0x%" PRIx64 ": user address 0x%" PRIx64
			" wraps", guest_addr, qva);
		return -EINVAL;
	}
	r = check_new(mem, guest_addr, size, 0, false);
	if (r < 0)
		return r;
	if (kernel) {
		uint64_t end;

		/* the kernel's file has no size to check; the offset range must not wrap */
		if (lvh_add_overflow_u64(fd_offset, size, &end) || end > (uint64_t)INT64_MAX) {
			lvh_dbg(mem->ctx, "region at 0x%" PRIx64 ": fd offset 0x%" PRIx64
				" + size 0x%" PRIx64 " out of range", guest_addr, fd_offset, size);
			return -EINVAL;
		}
	} else {
		r = fd_can_back(mem, fd, fd_offset, size);
		if (r < 0)
			return r;
	}
	/* fd_offset + size fits (checked): the mapping runs from the page fd_offset is in */
	if (fd_offset + size - start > SIZE_MAX)
		return -ENOMEM;
	nr.map_len = (size_t)(fd_offset + size - start);
	p = mmap(NULL, nr.map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)start);
	if (p == MAP_FAILED) {
		r = -errno;
		lvh_dbg(mem->ctx, "mmap of %zu bytes for guest 0x%" PRIx64 ": %s", nr.map_len,
			guest_addr, strerror(errno));
		return r;
	}
	nr.map = p;
	nr.uva = (uint64_t)(uintptr_t)p + (fd_offset - start);
	r = insert(mem, &nr);
	if (r < 0) {
		munmap(p, nr.map_len);
		return r;
	}
	*ret_addr = (void *)(uintptr_t)nr.uva;
	return 0;
}

int lvh_mem_add_mapped(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, void *addr,
		       uint64_t qva, void (*unmap)(void *arg), void *arg)
{
	struct region nr = { .gpa = guest_addr, .size = size, .uva = (uint64_t)(uintptr_t)addr,
			     .qva = qva, .fd = -1, .unmap = unmap, .unmap_arg = arg };
	int r;

	if (!mem || !addr || !unmap)
		return -EINVAL;
	if (lvh_range_overflows(qva, size)) {
		lvh_dbg(mem->ctx, "region at guest 0x%" PRIx64 ": user address 0x%" PRIx64
			" wraps", guest_addr, qva);
		return -EINVAL;
	}
	r = check_new(mem, guest_addr, size, nr.uva, true);
	if (r < 0)
		return r;
	return insert(mem, &nr);
}

static void remove_at(struct libvhost_mem *mem, unsigned int i)
{
	region_release(&mem->r[i]);
	memmove(&mem->r[i], &mem->r[i + 1], (mem->n - i - 1) * sizeof(mem->r[0]));
	mem->n--;
	reindex(mem);
}

/* The index of the region that starts at gpa, or -ENOENT. */
static int index_of(const struct libvhost_mem *mem, uint64_t gpa)
{
	unsigned int i = lower_bound(mem, gpa);

	return i < mem->n && mem->r[i].gpa == gpa ? (int)i : -ENOENT;
}

LIBVHOST_EXPORT int libvhost_mem_remove(struct libvhost_mem *mem, uint64_t guest_addr)
{
	int i;

	if (!mem)
		return -EINVAL;
	i = index_of(mem, guest_addr);
	if (i < 0) {
		lvh_dbg(mem->ctx, "no region starts at guest 0x%" PRIx64, guest_addr);
		return -ENOENT;
	}
	remove_at(mem, (unsigned int)i);
	return 0;
}

/* The region at guest_addr with this size and front-end address, or -ENOENT. */
static int index_of_same(const struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size,
			 uint64_t qva)
{
	int i = index_of(mem, guest_addr);

	if (i < 0 || mem->r[i].size != size || mem->r[i].qva != qva)
		return -ENOENT;
	return i;
}

int lvh_mem_region_ref(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, uint64_t qva)
{
	int i = index_of_same(mem, guest_addr, size, qva);

	if (i < 0)
		return i;
	if (mem->r[i].refs == LVH_MEM_MAX_REFS)
		return -EOVERFLOW;
	return (int)++mem->r[i].refs;
}

int lvh_mem_region_unref(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size,
			 uint64_t qva)
{
	int i = index_of_same(mem, guest_addr, size, qva);

	if (i < 0)
		return i;
	if (--mem->r[i].refs)
		return (int)mem->r[i].refs;
	remove_at(mem, (unsigned int)i);
	return 0;
}

bool lvh_mem_region_info(const struct libvhost_mem *mem, unsigned int index,
			 struct lvh_mem_info *ret)
{
	const struct region *r;

	if (index >= mem->n)
		return false;
	r = &mem->r[index];
	ret->gpa = r->gpa;
	ret->size = r->size;
	ret->qva = r->qva;
	ret->uva = (uint8_t *)(uintptr_t)r->uva;
	ret->map = r->map;
	ret->map_len = r->map_len;
	ret->marks = r->marks;
	return true;
}

int lvh_mem_set_marks(struct libvhost_mem *mem, uint64_t guest_addr, uint32_t marks)
{
	int i = index_of(mem, guest_addr);

	if (i < 0)
		return i;
	mem->r[i].marks = marks;
	return 0;
}

LIBVHOST_EXPORT int libvhost_mem_get_nregions(const struct libvhost_mem *mem)
{
	return mem ? (int)mem->n : -EINVAL;
}

LIBVHOST_EXPORT int libvhost_mem_get_region(const struct libvhost_mem *mem, unsigned int index,
					    struct libvhost_mem_region *ret)
{
	const struct region *r;

	if (!mem || !ret)
		return -EINVAL;
	if (index >= mem->n)
		return -ENOENT;
	r = &mem->r[index];
	ret->guest_addr = r->gpa;
	ret->size = r->size;
	ret->user_addr = r->uva;
	ret->fd_offset = r->fd_offset;
	ret->fd = r->fd;
	return 0;
}

/* The span holding gpa (the last one found first), or NULL. */
static const struct span *find(const struct libvhost_mem *mem, uint64_t gpa)
{
	const struct span *hot;
	unsigned int i, n;
	uint64_t k;

	if (!mem || !(n = mem->n))
		return NULL;
	hot = mem->hot;
	i = __atomic_load_n(&mem->hint, __ATOMIC_RELAXED);
	if (i < n && gpa - hot[i].gpa < hot[i].size)
		return &hot[i];
	if (gpa < hot[0].gpa)
		return NULL;
	k = (gpa - hot[0].gpa) >> mem->shift;
	if (!mem->bucket)
		i = last_at_or_below(hot, 0, n - 1, gpa);
	else if (k >= mem->nbuckets)
		i = n - 1;
	else
		i = last_at_or_below(hot, mem->bucket[k], mem->bucket[k + 1], gpa);
	if (gpa - hot[i].gpa >= hot[i].size)
		return NULL;
	__atomic_store_n(&((struct libvhost_mem *)mem)->hint, i, __ATOMIC_RELAXED);
	return &hot[i];
}

void *lvh_mem_translate(const struct libvhost_mem *mem, uint64_t gpa, uint64_t len,
			uint64_t *contiguous)
{
	const struct span *r = find(mem, gpa);
	uint64_t off;

	if (!r)
		return NULL;
	off = gpa - r->gpa;
	if (contiguous)
		*contiguous = r->size - off;
	else if (len > r->size - off)
		return NULL;
	return (void *)(uintptr_t)(r->uva + off);
}

bool lvh_mem_span(const struct libvhost_mem *mem, uint64_t gpa, struct lvh_mem_span *span)
{
	const struct span *r = find(mem, gpa);

	if (!r)
		return false;
	span->gpa = r->gpa;
	span->size = r->size;
	span->uva = (uint8_t *)(uintptr_t)r->uva;
	return true;
}

LIBVHOST_EXPORT void *libvhost_mem_translate(const struct libvhost_mem *mem, uint64_t guest_addr,
					     uint64_t len)
{
	if (len == 0)
		return NULL;
	return lvh_mem_translate(mem, guest_addr, len, NULL);
}

LIBVHOST_EXPORT int libvhost_mem_guest_addr(const struct libvhost_mem *mem, const void *addr,
					    uint64_t len, uint64_t *ret_guest_addr)
{
	uint64_t uva = (uint64_t)(uintptr_t)addr;
	unsigned int i;

	if (!mem || !ret_guest_addr || len == 0 || lvh_range_overflows(uva, len))
		return -EINVAL;
	for (i = 0; i < mem->n; i++) {
		const struct region *r = &mem->r[i];

		if (uva >= r->uva && uva - r->uva < r->size && len <= r->size - (uva - r->uva)) {
			*ret_guest_addr = r->gpa + (uva - r->uva);
			return 0;
		}
	}
	return -ENOENT;
}

void *lvh_mem_qva_map(const struct libvhost_mem *mem, uint64_t qva, uint64_t *contiguous,
		      uint64_t *gpa)
{
	unsigned int i = __atomic_load_n(&mem->qhint, __ATOMIC_RELAXED);
	const struct region *r;

	if (i >= mem->n || qva - mem->r[i].qva >= mem->r[i].size) {
		for (i = 0; i < mem->n; i++)
			if (qva - mem->r[i].qva < mem->r[i].size)
				break;
		if (i == mem->n)
			return NULL;
		__atomic_store_n(&((struct libvhost_mem *)mem)->qhint, i, __ATOMIC_RELAXED);
	}
	r = &mem->r[i];
	*contiguous = r->size - (qva - r->qva);
	*gpa = r->gpa + (qva - r->qva);
	return (void *)(uintptr_t)(r->uva + (qva - r->qva));
}

int lvh_mem_guest_addr_contig(const struct libvhost_mem *mem, uint64_t uva, uint64_t *gpa,
			      uint64_t *contiguous)
{
	unsigned int i;

	for (i = 0; i < mem->n; i++) {
		const struct region *r = &mem->r[i];

		if (uva >= r->uva && uva - r->uva < r->size) {
			*gpa = r->gpa + (uva - r->uva);
			*contiguous = r->size - (uva - r->uva);
			return 0;
		}
	}
	return -ENOENT;
}

struct libvhost_ctx *lvh_mem_ctx(const struct libvhost_mem *mem)
{
	return mem->ctx;
}
