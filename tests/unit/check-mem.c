/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest memory tables: allocation, adoption, lookups both ways, limits. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem/mem.h"
#include "testutil.h"

#define MiB (1ull << 20)

static struct libvhost_ctx *ctx;
static struct libvhost_mem *mem;

static void setup(void)
{
	ctx = tu_ctx_new();
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
}

static void teardown(void)
{
	libvhost_mem_unref(mem);
	tu_ctx_free(ctx);
}

START_TEST(test_alloc_and_translate)
{
	struct libvhost_mem_region reg;
	uint8_t *lo, *hi;
	uint64_t gpa;

	/* added out of order: the table keeps guest-address order */
	ck_assert_int_eq(libvhost_mem_alloc(mem, 4 * MiB, 2 * MiB, NULL, (void **)&hi), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 1 * MiB, NULL, (void **)&lo), 0);
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), 2);
	ck_assert_int_eq(libvhost_mem_get_region(mem, 0, &reg), 0);
	ck_assert_uint_eq(reg.guest_addr, 0);
	ck_assert_uint_eq(reg.size, 1 * MiB);
	ck_assert_uint_eq(reg.user_addr, (uintptr_t)lo);
	ck_assert_int_ge(reg.fd, 0);
	ck_assert_int_eq(libvhost_mem_get_region(mem, 1, &reg), 0);
	ck_assert_uint_eq(reg.guest_addr, 4 * MiB);
	ck_assert_int_eq(libvhost_mem_get_region(mem, 2, &reg), -ENOENT);

	/* the memory is shared: writes through the fd's other mapping show */
	{
		void *again = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, (int)reg.fd, 0);

		ck_assert_ptr_ne(again, MAP_FAILED);
		memcpy(again, "vhost", 6);
		ck_assert_str_eq((char *)hi, "vhost");
		munmap(again, 2 * MiB);
	}

	ck_assert_ptr_eq(libvhost_mem_translate(mem, 0, 1), lo);
	ck_assert_ptr_eq(libvhost_mem_translate(mem, 1 * MiB - 1, 1), lo + 1 * MiB - 1);
	ck_assert_ptr_eq(libvhost_mem_translate(mem, 0, 1 * MiB), lo);
	ck_assert_ptr_eq(libvhost_mem_translate(mem, 5 * MiB, 4096), hi + 1 * MiB);
	/* holes, edges, a range running off a region, zero length, wrap */
	ck_assert_ptr_null(libvhost_mem_translate(mem, 1 * MiB, 1));
	ck_assert_ptr_null(libvhost_mem_translate(mem, 0, 1 * MiB + 1));
	ck_assert_ptr_null(libvhost_mem_translate(mem, 6 * MiB, 1));
	ck_assert_ptr_null(libvhost_mem_translate(mem, 6 * MiB - 1, 2));
	ck_assert_ptr_null(libvhost_mem_translate(mem, 0, 0));
	ck_assert_ptr_null(libvhost_mem_translate(mem, UINT64_MAX, 2));
	ck_assert_ptr_null(libvhost_mem_translate(NULL, 0, 1));

	/* the internal form reports how far a range stays contiguous */
	{
		uint64_t contig = 0;

		ck_assert_ptr_eq(lvh_mem_translate(mem, 6 * MiB - 16, 4096, &contig),
				 hi + 2 * MiB - 16);
		ck_assert_uint_eq(contig, 16);
	}

	ck_assert_int_eq(libvhost_mem_guest_addr(mem, hi + 100, 10, &gpa), 0);
	ck_assert_uint_eq(gpa, 4 * MiB + 100);
	ck_assert_int_eq(libvhost_mem_guest_addr(mem, lo + 1 * MiB - 1, 2, &gpa), -ENOENT);
	ck_assert_int_eq(libvhost_mem_guest_addr(mem, &gpa, 8, &gpa), -ENOENT);
	ck_assert_int_eq(libvhost_mem_guest_addr(mem, lo, 0, &gpa), -EINVAL);

	ck_assert_int_eq(libvhost_mem_remove(mem, 0), 0);
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), 1);
	ck_assert_ptr_null(libvhost_mem_translate(mem, 0, 1));
	ck_assert_int_eq(libvhost_mem_remove(mem, 0), -ENOENT);
	ck_assert_int_eq(libvhost_mem_remove(mem, 4 * MiB + 4096), -ENOENT);
}
END_TEST

START_TEST(test_alloc_refusals)
{
	LIBVHOST_OPTS(libvhost_mem_alloc_opts, bad_flags, .flags = 1ull << 5);
	LIBVHOST_OPTS(libvhost_mem_alloc_opts, huge_without_flag, .hugepage_size = 2 * MiB);
	LIBVHOST_OPTS(libvhost_mem_alloc_opts, odd_huge, .flags = LIBVHOST_MEM_F_HUGETLB,
		      .hugepage_size = 4 * MiB);
	int base = tu_count_fds();

	ck_assert_int_eq(libvhost_mem_alloc(NULL, 0, 4096, NULL, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 0, NULL, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 4095, NULL, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 1, 4096, NULL, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_alloc(mem, UINT64_MAX - 4095, 8192, NULL, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 4096, &bad_flags, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 4096, &huge_without_flag, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 4 * MiB, &odd_huge, NULL), -EINVAL);

	ck_assert_int_eq(libvhost_mem_alloc(mem, 1 * MiB, 1 * MiB, NULL, NULL), 0);
	/* overlapping at either end, inside, around */
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 1 * MiB + 4096, NULL, NULL), -EEXIST);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 2 * MiB - 4096, 8192, NULL, NULL), -EEXIST);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 1 * MiB + 4096, 4096, NULL, NULL), -EEXIST);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 4 * MiB, NULL, NULL), -EEXIST);
	/* touching is not overlapping */
	ck_assert_int_eq(libvhost_mem_alloc(mem, 2 * MiB, 4096, NULL, NULL), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 1 * MiB - 4096, 4096, NULL, NULL), 0);
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), 3);
	/* one fd per allocated region, none leaked by the refusals */
	ck_assert_int_eq(tu_count_fds(), base + 3);
}
END_TEST

START_TEST(test_region_limit)
{
	unsigned int i;
	int base = tu_count_fds();

	for (i = 0; i < LIBVHOST_MEM_MAX_REGIONS; i++)
		ck_assert_int_eq(libvhost_mem_alloc(mem, (uint64_t)i * 8192, 4096, NULL, NULL), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 1ull << 40, 4096, NULL, NULL), -ENOSPC);
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), LIBVHOST_MEM_MAX_REGIONS);
	/* lookups find every region */
	for (i = 0; i < LIBVHOST_MEM_MAX_REGIONS; i++) {
		ck_assert_ptr_nonnull(libvhost_mem_translate(mem, (uint64_t)i * 8192 + 4095, 1));
		ck_assert_ptr_null(libvhost_mem_translate(mem, (uint64_t)i * 8192 + 4096, 1));
	}
	libvhost_mem_unref(mem);
	mem = NULL;
	/* the last reference closed every fd */
	ck_assert_int_eq(tu_count_fds(), base);
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
}
END_TEST

START_TEST(test_add_caller_memory)
{
	int fd = memfd_create("test", MFD_CLOEXEC), base;
	uint8_t *addr, *small;
	struct libvhost_mem_region reg;
	uint64_t gpa;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 3 * MiB), 0);
	addr = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 1 * MiB);
	ck_assert_ptr_ne(addr, MAP_FAILED);
	base = tu_count_fds();

	ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 32, 2 * MiB, addr, fd, 1 * MiB), 0);
	/* the table holds its own duplicate */
	ck_assert_int_eq(tu_count_fds(), base + 1);
	ck_assert_int_eq(libvhost_mem_get_region(mem, 0, &reg), 0);
	ck_assert_int_ne(reg.fd, fd);
	ck_assert_uint_eq(reg.fd_offset, 1 * MiB);
	ck_assert_uint_eq(reg.user_addr, (uintptr_t)addr);
	ck_assert_ptr_eq(libvhost_mem_translate(mem, (1ull << 32) + 10, 10), addr + 10);
	ck_assert_int_eq(libvhost_mem_guest_addr(mem, addr + 2 * MiB - 1, 1, &gpa), 0);
	ck_assert_uint_eq(gpa, (1ull << 32) + 2 * MiB - 1);

	/* refusals: same process memory again, an fd too small, wraps, bad fds */
	ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 33, 4096, addr + 4096, fd, 0), -EEXIST);
	ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 34, 2 * MiB, addr + 4 * MiB, fd, 2 * MiB),
			 -EINVAL);
	ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 34, 4096, addr + 4 * MiB, fd, UINT64_MAX),
			 -EINVAL);
	ck_assert_int_eq(libvhost_mem_add(mem, UINT64_MAX, 2, addr + 4 * MiB, fd, 0), -EINVAL);
	ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 34, 4096, addr + 4 * MiB, -1, 0), -EINVAL);
	ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 34, 4096, addr + 4 * MiB, 1000, 0), -EBADF);
	ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 34, 4096, NULL, fd, 0), -EINVAL);
	{
		int p[2];

		ck_assert_int_eq(pipe(p), 0);
		ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 34, 4096, addr + 4 * MiB, p[0], 0),
				 -EINVAL);
		close(p[0]);
		close(p[1]);
	}
	ck_assert_int_eq(tu_count_fds(), base + 1);

	/* removing an adopted region closes the duplicate, leaves the mapping */
	ck_assert_int_eq(libvhost_mem_remove(mem, 1ull << 32), 0);
	ck_assert_int_eq(tu_count_fds(), base);
	small = addr;
	small[0] = 1; /* still mapped: ours */
	munmap(addr, 2 * MiB);
	close(fd);
}
END_TEST

/*
 * A front-end's region (lvh_mem_map_fd): mapped by the table from an
 * unaligned offset, found by guest and by front-end address, the fd left
 * to the caller; refused without a trace when the fd cannot back it.
 */
START_TEST(test_map_fd)
{
	int fd = memfd_create("test", MFD_CLOEXEC), base;
	const uint64_t qva = 0x7f0000000000ull, page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct libvhost_mem_region reg;
	struct lvh_mem_info info;
	uint64_t contig, gpa;
	uint8_t *hva, *lo;
	int p[2];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 4 * MiB), 0);
	base = tu_count_fds();
	/* the offset is not page-aligned: gpa lands inside the table's mapping */
	ck_assert_int_eq(lvh_mem_map_fd(mem, 1ull << 32, 2 * MiB, qva, fd, 1 * MiB + 16,
					(void **)&hva), 0);
	ck_assert_int_eq(tu_count_fds(), base); /* no duplicate: the mapping keeps the memory */
	hva[0] = 0x5a;
	hva[2 * MiB - 1] = 0xa5;
	ck_assert_ptr_eq(libvhost_mem_translate(mem, 1ull << 32, 2 * MiB), hva);
	ck_assert_ptr_null(libvhost_mem_translate(mem, 1ull << 32, 2 * MiB + 1));
	ck_assert_int_eq(libvhost_mem_get_region(mem, 0, &reg), 0);
	ck_assert_uint_eq(reg.user_addr, (uintptr_t)hva);
	ck_assert_uint_eq(reg.fd_offset, 1 * MiB + 16);
	ck_assert_int_eq(reg.fd, -1);
	ck_assert(lvh_mem_region_info(mem, 0, &info));
	ck_assert_uint_eq(info.qva, qva);
	ck_assert_ptr_eq(info.uva, hva);
	ck_assert_uint_eq((uintptr_t)info.map % page, 0);
	ck_assert_ptr_eq((uint8_t *)info.map + (1 * MiB + 16) % page, hva);
	ck_assert_uint_eq(info.map_len, 2 * MiB + (1 * MiB + 16) % page);
	ck_assert(!lvh_mem_region_info(mem, 1, &info));

	/* front-end addresses: inside, at the last byte, and around */
	ck_assert_ptr_eq(lvh_mem_qva_map(mem, qva + 100, &contig, &gpa), hva + 100);
	ck_assert_uint_eq(contig, 2 * MiB - 100);
	ck_assert_uint_eq(gpa, (1ull << 32) + 100);
	ck_assert_ptr_eq(lvh_mem_qva_map(mem, qva + 2 * MiB - 1, &contig, &gpa), hva + 2 * MiB - 1);
	ck_assert_uint_eq(contig, 1);
	ck_assert_ptr_null(lvh_mem_qva_map(mem, qva + 2 * MiB, &contig, &gpa));
	ck_assert_ptr_null(lvh_mem_qva_map(mem, qva - 1, &contig, &gpa));

	/* a second region: each address finds its own (the last-hit cache moves) */
	ck_assert_int_eq(lvh_mem_map_fd(mem, 0, 2 * MiB, qva + 16 * MiB, fd, 0, (void **)&lo), 0);
	ck_assert_ptr_eq(lvh_mem_qva_map(mem, qva + 16 * MiB + 8, &contig, &gpa), lo + 8);
	ck_assert_uint_eq(gpa, 8);
	ck_assert_ptr_eq(lvh_mem_qva_map(mem, qva + 8, &contig, &gpa), hva + 8);
	ck_assert_ptr_eq(lvh_mem_qva_map(mem, qva + 16 * MiB + 8, &contig, &gpa), lo + 8);
	ck_assert_uint_eq(lo[1 * MiB + 16], 0x5a); /* one fd, two mappings of it */

	/* refused: overlaps in guest address, past the fd, wraps, no memory file */
	ck_assert_int_eq(lvh_mem_map_fd(mem, (1ull << 32) + 2 * MiB - 1, 4096, qva + 64 * MiB, fd,
					0, (void **)&lo), -EEXIST);
	ck_assert_int_eq(lvh_mem_map_fd(mem, 1ull << 34, 2 * MiB, qva + 64 * MiB, fd, 3 * MiB,
					(void **)&lo), -EINVAL);
	ck_assert_int_eq(lvh_mem_map_fd(mem, 1ull << 34, 4096, qva + 64 * MiB, fd, UINT64_MAX,
					(void **)&lo), -EINVAL);
	ck_assert_int_eq(lvh_mem_map_fd(mem, 1ull << 34, 4096, UINT64_MAX - 100, fd, 0,
					(void **)&lo), -EINVAL);
	ck_assert_int_eq(lvh_mem_map_fd(mem, 1ull << 34, 0, qva + 64 * MiB, fd, 0, (void **)&lo),
			 -EINVAL);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(lvh_mem_map_fd(mem, 1ull << 34, 4096, qva + 64 * MiB, p[0], 0,
					(void **)&lo), -EINVAL);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), 2);
	ck_assert_int_eq(tu_count_fds(), base);

	lvh_mem_clear(mem);
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), 0);
	ck_assert_ptr_null(lvh_mem_qva_map(mem, qva + 8, &contig, &gpa));
	ck_assert_ptr_null(libvhost_mem_translate(mem, 1ull << 32, 1));
	close(fd);
}
END_TEST

/*
 * The same region added again is counted, not mapped twice; it goes at its
 * last reference; the count has a ceiling.  Marks are the caller's.
 */
START_TEST(test_region_refs)
{
	int fd = memfd_create("test", MFD_CLOEXEC);
	const uint64_t qva = 0x10000000;
	struct lvh_mem_info info;
	void *hva;
	int i;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 2 * MiB), 0);
	ck_assert_int_eq(lvh_mem_region_ref(mem, 0, 2 * MiB, qva), -ENOENT);
	ck_assert_int_eq(lvh_mem_map_fd(mem, 0, 2 * MiB, qva, fd, 0, &hva), 0);
	ck_assert_int_eq(lvh_mem_region_ref(mem, 0, 2 * MiB, qva), 2);
	/* identical means guest address, size and front-end address */
	ck_assert_int_eq(lvh_mem_region_ref(mem, 0, 1 * MiB, qva), -ENOENT);
	ck_assert_int_eq(lvh_mem_region_ref(mem, 0, 2 * MiB, qva + 4096), -ENOENT);
	ck_assert_int_eq(lvh_mem_region_unref(mem, 0, 2 * MiB, qva + 4096), -ENOENT);
	ck_assert_int_eq(lvh_mem_region_unref(mem, 4096, 2 * MiB, qva), -ENOENT);
	ck_assert_int_eq(lvh_mem_region_unref(mem, 0, 2 * MiB, qva), 1);
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), 1);
	ck_assert_ptr_eq(libvhost_mem_translate(mem, 0, 2 * MiB), hva);

	ck_assert_int_eq(lvh_mem_set_marks(mem, 0, 0x3), 0);
	ck_assert_int_eq(lvh_mem_set_marks(mem, 4096, 0x3), -ENOENT);
	ck_assert(lvh_mem_region_info(mem, 0, &info));
	ck_assert_uint_eq(info.marks, 0x3);

	for (i = 2; i <= (int)LVH_MEM_MAX_REFS; i++)
		ck_assert_int_eq(lvh_mem_region_ref(mem, 0, 2 * MiB, qva), i);
	ck_assert_int_eq(lvh_mem_region_ref(mem, 0, 2 * MiB, qva), -EOVERFLOW);
	for (i = (int)LVH_MEM_MAX_REFS - 1; i >= 0; i--)
		ck_assert_int_eq(lvh_mem_region_unref(mem, 0, 2 * MiB, qva), i);
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), 0);
	ck_assert_int_eq(lvh_mem_region_unref(mem, 0, 2 * MiB, qva), -ENOENT);

	/* added again, it starts afresh: one reference, no marks */
	ck_assert_int_eq(lvh_mem_map_fd(mem, 0, 2 * MiB, qva, fd, 0, &hva), 0);
	ck_assert(lvh_mem_region_info(mem, 0, &info));
	ck_assert_uint_eq(info.marks, 0);
	ck_assert_int_eq(lvh_mem_region_unref(mem, 0, 2 * MiB, qva), 0);
	close(fd);
}
END_TEST

/* lvh_mem_add_mapped() counts the unmaps: one per region, at removal or the last unref */
static unsigned int unmapped;

static void count_unmap(void *arg)
{
	munmap(arg, 2 * MiB);
	unmapped++;
}

START_TEST(test_add_mapped)
{
	uint8_t *a = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint8_t *b = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct libvhost_mem_region reg;
	int base = tu_count_fds();

	ck_assert_ptr_ne(a, MAP_FAILED);
	ck_assert_ptr_ne(b, MAP_FAILED);
	unmapped = 0;
	ck_assert_int_eq(lvh_mem_add_mapped(mem, 1ull << 63, 2 * MiB, a, 0x1000, count_unmap, a), 0);
	ck_assert_int_eq(lvh_mem_add_mapped(mem, 4 * MiB, 2 * MiB, b, 0x400000, count_unmap, b), 0);
	ck_assert_int_eq(tu_count_fds(), base);
	/* no fd; translated and bounded as any region */
	ck_assert_int_eq(libvhost_mem_get_region(mem, 1, &reg), 0);
	ck_assert_uint_eq(reg.guest_addr, 1ull << 63);
	ck_assert_int_eq(reg.fd, -1);
	ck_assert_ptr_eq(libvhost_mem_translate(mem, (1ull << 63) + 8, 8), a + 8);
	ck_assert_ptr_null(libvhost_mem_translate(mem, (1ull << 63) + 2 * MiB - 4, 8));
	ck_assert_ptr_eq(libvhost_mem_translate(mem, 4 * MiB, 2 * MiB), b);
	{
		uint64_t contig, gpa;

		/* the front-end's addresses of it, recorded */
		ck_assert_ptr_eq(lvh_mem_qva_map(mem, 0x1010, &contig, &gpa), a + 0x10);
		ck_assert_uint_eq(gpa, (1ull << 63) + 0x10);
		ck_assert_ptr_eq(lvh_mem_qva_map(mem, 0x400000, &contig, &gpa), b);
	}
	/* refused (overlaps, wraps, no unmap): nothing is taken */
	ck_assert_int_eq(lvh_mem_add_mapped(mem, 5 * MiB, 2 * MiB, a + 4096, 0, count_unmap, a),
			 -EEXIST);
	ck_assert_int_eq(lvh_mem_add_mapped(mem, UINT64_MAX - 4095, 8192, a, 0, count_unmap, a),
			 -EINVAL);
	ck_assert_int_eq(lvh_mem_add_mapped(mem, 8 * MiB, 4096, a, 0, NULL, NULL), -EINVAL);
	ck_assert_int_eq(lvh_mem_add_mapped(mem, 8 * MiB, 8192, a, UINT64_MAX - 4095, count_unmap,
					    a), -EINVAL);
	ck_assert_uint_eq(unmapped, 0);
	ck_assert_int_eq(libvhost_mem_remove(mem, 4 * MiB), 0);
	ck_assert_uint_eq(unmapped, 1);
	libvhost_mem_unref(mem);
	ck_assert_uint_eq(unmapped, 2);
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
}
END_TEST

START_TEST(test_hugetlb)
{
	LIBVHOST_OPTS(libvhost_mem_alloc_opts, opts, .flags = LIBVHOST_MEM_F_HUGETLB);
	unsigned int errs = tu_log_errors();
	int base = tu_count_fds();
	void *addr = NULL;
	int r;

	/* whether huge pages are reserved here or not, the answer is clean */
	r = libvhost_mem_alloc(mem, 0, 2 * MiB, &opts, &addr);
	if (r == 0) {
		ck_assert_ptr_nonnull(addr);
		ck_assert_int_eq(tu_count_fds(), base + 1);
		/* not a multiple of the huge page size */
		ck_assert_int_eq(libvhost_mem_alloc(mem, 2 * MiB, 4096, &opts, NULL), -EINVAL);
	} else {
		ck_assert_msg(r == -ENOMEM || r == -EINVAL || r == -EOPNOTSUPP, "r = %d", r);
		/* the return code is the report: nothing at LOG_ERR */
		ck_assert_uint_eq(tu_log_errors(), errs);
		ck_assert_int_eq(tu_count_fds(), base);
		ck_assert_int_eq(libvhost_mem_get_nregions(mem), 0);
	}
}
END_TEST

START_TEST(test_lifecycle)
{
	struct libvhost_mem *m2 = NULL;

	ck_assert_int_eq(libvhost_mem_new(NULL, &m2), -EINVAL);
	ck_assert_int_eq(libvhost_mem_new(ctx, NULL), -EINVAL);
	ck_assert_ptr_eq(libvhost_mem_ref(mem), mem);
	ck_assert_ptr_null(libvhost_mem_unref(mem));
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), 0);
	ck_assert_ptr_null(libvhost_mem_ref(NULL));
	ck_assert_ptr_null(libvhost_mem_unref(NULL));
	ck_assert_int_eq(libvhost_mem_get_nregions(NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_get_region(mem, 0, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_remove(NULL, 0), -EINVAL);
	/* the table keeps its context alive */
	{
		struct libvhost_ctx *c2 = tu_ctx_new();

		ck_assert_int_eq(libvhost_mem_new(c2, &m2), 0);
		tu_ctx_free(c2);
		ck_assert_int_eq(libvhost_mem_alloc(m2, 0, 4096, NULL, NULL), 0);
		libvhost_mem_unref(m2);
	}
}
END_TEST

/*
 * Translations at and around every region's edges, against a linear search,
 * with adjacent regions, small and huge gaps (coarse buckets) and one region
 * far above the rest; the addresses in an order that both hits and misses
 * the last-found hint; again after removing every third region.
 */
#define EDGE_N 300

static uint64_t edge_gpa[EDGE_N], edge_size[EDGE_N];
static uint8_t *edge_va[EDGE_N];
static bool edge_gone[EDGE_N];

static uint8_t *edge_ref(uint64_t gpa, uint64_t *contig)
{
	for (unsigned int i = 0; i < EDGE_N; i++)
		if (!edge_gone[i] && gpa >= edge_gpa[i] && gpa - edge_gpa[i] < edge_size[i]) {
			*contig = edge_size[i] - (gpa - edge_gpa[i]);
			return edge_va[i] + (gpa - edge_gpa[i]);
		}
	return NULL;
}

static void edge_check_all(void)
{
	static const int64_t delta[] = { -1, 0, 1, 4095 };

	for (unsigned int pass = 0; pass < 2; pass++)
		for (unsigned int k = 0; k < EDGE_N; k++) {
			/* pass 1 jumps across the table, pass 0 walks it */
			unsigned int i = pass ? (k * 97) % EDGE_N : k;

			for (unsigned int d = 0; d < 4; d++)
				for (unsigned int end = 0; end < 2; end++) {
					uint64_t gpa = edge_gpa[i] + (end ? edge_size[i] : 0) +
						       (uint64_t)delta[d];
					uint64_t c = 0, want_c = 0;
					uint8_t *want = edge_ref(gpa, &want_c);

					ck_assert_ptr_eq(lvh_mem_translate(mem, gpa, 1, &c), want);
					if (want)
						ck_assert_uint_eq(c, want_c);
				}
		}
}

START_TEST(test_lookup_edges)
{
	uint64_t gpa = 3 * 4096, seed = 12345;
	void *p;

	for (unsigned int i = 0; i < EDGE_N; i++) {
		uint64_t gap;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		edge_size[i] = 4096 * (1 + (seed >> 60) % 4);
		gap = (seed >> 40) % 4; /* adjacent, one page, 1 GiB, or 5 pages */
		gap = gap == 0 ? 0 : gap == 1 ? 4096 : gap == 2 ? (1ull << 30) : 5 * 4096;
		edge_gpa[i] = i == EDGE_N - 1 ? (1ull << 47) : gpa;
		gpa = edge_gpa[i] + edge_size[i] + gap;
		ck_assert_int_eq(libvhost_mem_alloc(mem, edge_gpa[i], edge_size[i], NULL, &p), 0);
		edge_va[i] = p;
		edge_gone[i] = false;
	}
	ck_assert_ptr_null(lvh_mem_translate(mem, 0, 1, NULL));
	ck_assert_ptr_null(lvh_mem_translate(mem, UINT64_MAX, 1, NULL));
	edge_check_all();
	for (unsigned int i = 0; i < EDGE_N; i += 3) {
		ck_assert_int_eq(libvhost_mem_remove(mem, edge_gpa[i]), 0);
		edge_gone[i] = true;
	}
	edge_check_all();
	ck_assert_ptr_null(lvh_mem_translate(mem, edge_gpa[0], 1, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("mem");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_alloc_and_translate);
	tcase_add_test(tc, test_alloc_refusals);
	tcase_add_test(tc, test_region_limit);
	tcase_add_test(tc, test_lookup_edges);
	tcase_add_test(tc, test_add_caller_memory);
	tcase_add_test(tc, test_map_fd);
	tcase_add_test(tc, test_region_refs);
	tcase_add_test(tc, test_add_mapped);
	tcase_add_test(tc, test_hugetlb);
	tcase_add_test(tc, test_lifecycle);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
