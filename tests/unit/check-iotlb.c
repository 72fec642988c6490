/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's device IOTLB table (lib/user/backend-iotlb.c): updates
 * that replace what they cover, invalidations that cut entries in three,
 * two or none, permissions, and the refusals.  Messages are handed to the
 * table directly; the loopback test drives it through a front-end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "proto/msg-iotlb.h"
#include "user/backend.h"

static struct libvhost_ctx *ctx;
static struct libvhost_backend *be;

static void setup(void)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = 1ULL << 33);

	ctx = tu_ctx_new();
	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &be), 0);
	be->acked = 1ULL << 33;
}

static void teardown(void)
{
	libvhost_backend_unref(be);
	tu_ctx_free(ctx);
}

static int msg(uint8_t type, uint64_t iova, uint64_t size, uint64_t uaddr, uint8_t perm)
{
	uint8_t p[32] = { 0 };
	struct lvh_msg m;
	int r;

	/* by hand: the encoder refuses some of what a front-end might send */
	memcpy(p, &iova, 8);
	memcpy(p + 8, &size, 8);
	memcpy(p + 16, &uaddr, 8);
	p[24] = perm;
	p[25] = type;
	lvh_msg_init(&m, LIBVHOST_USER_IOTLB_MSG, 0);
	lvh_msg_set_payload(&m, p, sizeof(p));
	r = lvh_be_iotlb_msg(be, &m);
	if (r < 0)
		return r;
	/* 1 for an update, 0 for an invalidation: the session's handler remaps on either */
	ck_assert_int_eq(r, type == 2);
	return 0;
}

/* The table as "iova+size>uaddr/perm" entries, space separated. */
static const char *table(void)
{
	static char buf[512];
	size_t n = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < be->iotlb_n && n < sizeof(buf) - 64; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%llx+%llx>%llx/%u", i ? " " : "",
				      (unsigned long long)be->iotlb[i].iova,
				      (unsigned long long)be->iotlb[i].size,
				      (unsigned long long)be->iotlb[i].uaddr, be->iotlb[i].perm);
	return buf;
}

START_TEST(test_update_and_cut)
{
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x10000, 0x4000, 0xa0000, 3), 0);
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x1000, 0x1000, 0xb0000, 1), 0);
	ck_assert_str_eq(table(), "1000+1000>b0000/1 10000+4000>a0000/3");
	/* a hole in the middle: three pieces become two */
	ck_assert_int_eq(msg(LVH_IOTLB_INVALIDATE, 0x11000, 0x1000, 0, 0), 0);
	ck_assert_str_eq(table(), "1000+1000>b0000/1 10000+1000>a0000/3 12000+2000>a2000/3");
	/* an update over the tail of one and the head of the next replaces them there */
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x10800, 0x2000, 0xc0000, 2), 0);
	ck_assert_str_eq(table(),
			 "1000+1000>b0000/1 10000+800>a0000/3 10800+2000>c0000/2 12800+1800>a2800/3");
	/* an invalidation that covers some whole and cuts two */
	ck_assert_int_eq(msg(LVH_IOTLB_INVALIDATE, 0x1800, 0x11800, 0, 0), 0);
	ck_assert_str_eq(table(), "1000+800>b0000/1 13000+1000>a3000/3");
	/* to the last byte of the address space */
	ck_assert_int_eq(msg(LVH_IOTLB_INVALIDATE, 0x13800, 0 - 0x13800ull - 1, 0, 0), 0);
	ck_assert_str_eq(table(), "1000+800>b0000/1 13000+800>a3000/3");
	ck_assert_int_eq(msg(LVH_IOTLB_INVALIDATE, 0, UINT64_MAX, 0, 0), 0);
	ck_assert_str_eq(table(), "");
}
END_TEST

START_TEST(test_map_perms)
{
	uint64_t contig, gpa;

	/* no memory regions: entries exist but lead nowhere */
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x1000, 0x1000, 0x5000, 1), 0);
	ck_assert_ptr_null(lvh_be_iotlb_map(be, 0x1000, 8, false, &contig, &gpa));
	ck_assert_ptr_null(lvh_be_iotlb_map(be, 0x1000, 8, true, &contig, &gpa));
	ck_assert_ptr_null(lvh_be_iotlb_map(be, 0x2000, 8, false, &contig, &gpa));
	ck_assert_ptr_null(lvh_be_iotlb_map(be, 0xfff, 8, false, &contig, &gpa));
}
END_TEST

START_TEST(test_refusals)
{
	TU_NEGATIVE_BEGIN();
	/* the codec's refusals (-EPROTO) or the table's (-EINVAL) */
	ck_assert_int_lt(msg(LVH_IOTLB_UPDATE, 0x1000, 0, 0x5000, 3), 0);
	ck_assert_int_lt(msg(LVH_IOTLB_UPDATE, UINT64_MAX - 10, 0x1000, 0x5000, 3), 0);
	ck_assert_int_lt(msg(LVH_IOTLB_UPDATE, 0x1000, 0x1000, UINT64_MAX - 10, 3), 0);
	ck_assert_int_lt(msg(LVH_IOTLB_UPDATE, 0x1000, 0x1000, 0x5000, 0), 0);
	ck_assert_int_lt(msg(LVH_IOTLB_MISS, 0x1000, 0x1000, 0x5000, 3), 0);
	ck_assert_int_lt(msg(LVH_IOTLB_UPDATE, 0x1000, 0x1000, 0x5000, 9), 0);
	ck_assert_str_eq(table(), "");
	be->acked = 0;
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x1000, 0x1000, 0x5000, 3), -EPROTO);
	TU_NEGATIVE_END();
}
END_TEST

/*
 * Invalidations as QEMU 7.2 sends them (seen from a Linux guest with an
 * intel-iommu in its default lazy mode): uaddr and perm left as whatever
 * was on its stack, and a domain's flush as size 0 (addr_mask + 1 of a
 * notifier over the whole 64-bit space).  Both were refused or ignored:
 * the front-end dropped, or entries kept for IOVAs the guest then mapped
 * to other pages, so descriptors were read from its data.
 */
START_TEST(test_invalidate_as_qemu)
{
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x1000, 0x1000, 0xa000, 3), 0);
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x3000, 0x2000, 0xb000, 1), 0);
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0xfef00000, 0x1000, 0xc000, 3), 0);
	/* garbage in the unused fields */
	ck_assert_int_eq(msg(LVH_IOTLB_INVALIDATE, 0x1000, 0x1000, 0x5585fa6e1230ull, 6), 0);
	ck_assert_str_eq(table(), "3000+2000>b000/1 fef00000+1000>c000/3");
	ck_assert_int_eq(msg(LVH_IOTLB_INVALIDATE, 0x3000, 0x1000, 0xff00000, 0xa6), 0);
	ck_assert_str_eq(table(), "4000+1000>c000/1 fef00000+1000>c000/3");
	/* size 0: from iova to the end of the space */
	ck_assert_int_eq(msg(LVH_IOTLB_INVALIDATE, 0x5000, 0, 0, 0), 0);
	ck_assert_str_eq(table(), "4000+1000>c000/1");
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x9000, 0x1000, 0xd000, 3), 0);
	ck_assert_int_eq(msg(LVH_IOTLB_INVALIDATE, 0, 0, 0x7f0000001000ull, 0xff), 0);
	ck_assert_str_eq(table(), "");
}
END_TEST

/* More entries than the table holds: refused, nothing lost. */
START_TEST(test_full)
{
	unsigned int i;

	for (i = 0; i < 4096; i++)
		ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, (uint64_t)i * 0x2000, 0x1000, 0x5000, 3), 0);
	TU_NEGATIVE_BEGIN();
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x10000000, 0x1000, 0x5000, 3), -ENOSPC);
	/* a cut that would need one more entry */
	ck_assert_int_eq(msg(LVH_IOTLB_INVALIDATE, 0x400, 0x100, 0, 0), -ENOSPC);
	TU_NEGATIVE_END();
	ck_assert_uint_eq(be->iotlb_n, 4096);
	/* replacing one in place needs no room */
	ck_assert_int_eq(msg(LVH_IOTLB_UPDATE, 0x2000, 0x1000, 0x9000, 1), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("iotlb");
	TCase *tc = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_update_and_cut);
	tcase_add_test(tc, test_map_perms);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_invalidate_as_qemu);
	tcase_add_test(tc, test_full);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
