/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-side split rings (lib/ring/vq-split.c) against the library's own
 * driver (libvhost_vring) in the same guest memory, then against a driver
 * that writes garbage straight into the ring.
 */
#include <errno.h>
#include <linux/vhost_types.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "testutil.h"
#include "libvhost.h"
#include "ring/layout.h"
#include "ring/vq.h"
#include "ring/vring.h"

#define NUM 16
#define RING_GPA 0
#define BUF_GPA 0x8000

static struct libvhost_ctx *ctx;
static struct libvhost_mem *mem;
static struct libvhost_vring *vr;
static struct lvh_vq vq;
static uint8_t *guest; /* region 0: 64 KiB at guest 0 */
static uint8_t *guest2; /* region 1: 64 KiB at guest 0x10000, adjacent in guest space */

static void start_n(unsigned int num, uint64_t flags)
{
	LIBVHOST_OPTS(libvhost_vring_opts, o, .flags = flags);
	bool event_idx = flags & LIBVHOST_VRING_F_EVENT_IDX;
	uint64_t d, a, u;
	uint32_t base;

	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, num, &o, &vr), 0);
	libvhost_vring_get_addrs(vr, 0, &d, &a, &u);
	ck_assert_int_eq(libvhost_vring_get_base(vr, &base), 0);
	if (flags & LIBVHOST_VRING_F_PACKED)
		ck_assert_int_eq(lvh_vq_packed_init(&vq, ctx, mem, 0, num, (void *)(uintptr_t)d,
						    (void *)(uintptr_t)a, (void *)(uintptr_t)u,
						    event_idx, base),
				 0);
	else
		ck_assert_int_eq(lvh_vq_split_init(&vq, ctx, mem, 0, num, (void *)(uintptr_t)d,
						   (void *)(uintptr_t)a, (void *)(uintptr_t)u,
						   event_idx, (uint16_t)base),
				 0);
}

static void start(uint64_t flags)
{
	start_n(NUM, flags);
}

static void restart(unsigned int num, uint64_t flags)
{
	lvh_vq_fini(&vq);
	libvhost_vring_unref(vr);
	start_n(num, flags);
}

static void setup(void)
{
	void *p;

	tu_log_reset();
	ctx = tu_ctx_new();
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 0x10000, NULL, &p), 0);
	guest = p;
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0x10000, 0x10000, NULL, &p), 0);
	guest2 = p;
	start(0);
}

static void teardown(void)
{
	lvh_vq_fini(&vq);
	libvhost_vring_unref(vr);
	libvhost_mem_unref(mem);
	tu_ctx_free(ctx);
}

static void add(uint8_t *out, size_t nout, uint8_t *in, size_t nin, void *token)
{
	struct iovec iov[2] = { { out, nout }, { in, nin } };

	ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 1, token), 0);
	libvhost_vring_kick(vr);
}

/* The ring layouts' values, held against the kernel's copy of the virtio specification. */
START_TEST(test_layout_values)
{
	ck_assert_int_eq(LVH_VIRTIO_F_EVENT_IDX, VIRTIO_RING_F_EVENT_IDX);
	ck_assert_int_eq(LVH_VIRTIO_F_RING_PACKED, VIRTIO_F_RING_PACKED);
	ck_assert_int_eq(LIBVHOST_F_ACCESS_PLATFORM, VIRTIO_F_ACCESS_PLATFORM);
	ck_assert_int_eq(LIBVHOST_F_LOG_ALL, VHOST_F_LOG_ALL);
	ck_assert_int_eq(LVH_DESC_F_NEXT, VRING_DESC_F_NEXT);
	ck_assert_int_eq(LVH_DESC_F_WRITE, VRING_DESC_F_WRITE);
	ck_assert_int_eq(LVH_DESC_F_INDIRECT, VRING_DESC_F_INDIRECT);
	ck_assert_int_eq(LVH_DESC_F_AVAIL, 1u << VRING_PACKED_DESC_F_AVAIL);
	ck_assert_int_eq(LVH_DESC_F_USED, 1u << VRING_PACKED_DESC_F_USED);
	ck_assert_int_eq(LVH_SPLIT_AVAIL_F_NO_INTERRUPT, VRING_AVAIL_F_NO_INTERRUPT);
	ck_assert_int_eq(LVH_SPLIT_USED_F_NO_NOTIFY, VRING_USED_F_NO_NOTIFY);
	ck_assert_int_eq(LVH_EVENT_ENABLE, VRING_PACKED_EVENT_FLAG_ENABLE);
	ck_assert_int_eq(LVH_EVENT_DISABLE, VRING_PACKED_EVENT_FLAG_DISABLE);
	ck_assert_int_eq(LVH_EVENT_DESC, VRING_PACKED_EVENT_FLAG_DESC);
	ck_assert_int_eq(LVH_EVENT_WRAP, 1u << VRING_PACKED_EVENT_F_WRAP_CTR);
	ck_assert_int_eq(LVH_DESC_SIZE, sizeof(struct vring_desc));
	ck_assert_int_eq(LVH_DESC_SIZE, sizeof(struct vring_packed_desc));
	ck_assert_int_eq(LVH_SPLIT_AVAIL_SIZE(256) - 2, sizeof(struct vring_avail) + 256 * 2);
	ck_assert_int_eq(LVH_SPLIT_USED_SIZE(256) - 2,
			 sizeof(struct vring_used) + 256 * sizeof(struct vring_used_elem));
}
END_TEST

START_TEST(test_roundtrip)
{
	uint8_t *out = guest + BUF_GPA, *in = guest + BUF_GPA + 0x100;
	struct iovec iov[8];
	struct lvh_vq_elem e;
	void *tok;
	uint32_t len;
	unsigned int round;

	for (round = 0; round < 3 * NUM; round++) {
		memset(out, (int)round, 32);
		add(out, 32, in, 64, (void *)(uintptr_t)(round + 1));
		ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
		ck_assert_uint_eq(e.out, 1);
		ck_assert_uint_eq(e.in, 1);
		ck_assert_ptr_eq(iov[0].iov_base, out);
		ck_assert_uint_eq(iov[0].iov_len, 32);
		ck_assert_uint_eq(iov[1].iov_len, 64);
		/* the device echoes the readable part, inverted */
		for (len = 0; len < 32; len++)
			((uint8_t *)iov[1].iov_base)[len] = (uint8_t)~((uint8_t *)iov[0].iov_base)[len];
		ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 0);
		ck_assert_int_eq(lvh_vq_push(&vq, e.id, 32), 0);
		ck_assert_int_eq(lvh_vq_flush(&vq), 1);
		ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
		ck_assert_ptr_eq(tok, (void *)(uintptr_t)(round + 1));
		ck_assert_uint_eq(len, 32);
		ck_assert_uint_eq(in[31], (uint8_t)~round);
	}
	/* pushing what is not in flight is the device's bug, not the ring's */
	ck_assert_int_eq(lvh_vq_push(&vq, 3, 1), -EINVAL);
	ck_assert_int_eq(lvh_vq_push(&vq, NUM, 1), -EINVAL);
	ck_assert(!vq.broken);
}
END_TEST

START_TEST(test_across_regions)
{
	/* 0x100 bytes straddling the two regions: one descriptor, two iovecs */
	uint8_t *in = guest + 0x10000 - 0x80;
	struct iovec iov[8];
	struct lvh_vq_elem e;

	/* the driver splits it (two descriptors); the device maps each */
	{
		struct iovec d[2] = { { guest + BUF_GPA, 16 }, { in, 0x80 } };

		ck_assert_int_eq(libvhost_vring_add(vr, d, 1, 1, vr), 0);
		libvhost_vring_kick(vr);
	}
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
	ck_assert_uint_eq(e.in, 1);
	ck_assert_int_eq(lvh_vq_push(&vq, e.id, 0), 0);
	lvh_vq_flush(&vq);

	/* now one descriptor written by hand across the boundary */
	{
		uint64_t *desc = (uint64_t *)(guest + RING_GPA);
		uint16_t *avail = (uint16_t *)vq.avail;

		desc[0] = 0x10000 - 0x80;
		desc[1] = 0x100 | (uint64_t)LVH_DESC_F_WRITE << 32;
		avail[2 + (vq.last_avail & (NUM - 1))] = 0;
		__atomic_store_n(&avail[1], (uint16_t)(vq.last_avail + 1), __ATOMIC_RELEASE);
	}
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 1, &e), -ENOSPC); /* two iovecs needed */
	ck_assert(!vq.broken);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
	ck_assert_uint_eq(e.in, 2);
	ck_assert_ptr_eq(iov[0].iov_base, guest + 0x10000 - 0x80);
	ck_assert_uint_eq(iov[0].iov_len, 0x80);
	ck_assert_ptr_eq(iov[1].iov_base, guest2);
	ck_assert_uint_eq(iov[1].iov_len, 0x80);
}
END_TEST

START_TEST(test_indirect)
{
	uint8_t *base = guest + BUF_GPA;
	struct iovec parts[4] = {
		{ base, 8 }, { base + 0x10, 8 }, { base + 0x100, 16 }, { base + 0x200, 1 }
	};
	struct iovec iov[8];
	struct lvh_vq_elem e;
	void *tok;
	uint32_t len;

	restart(NUM, LIBVHOST_VRING_F_INDIRECT);
	ck_assert_int_eq(libvhost_vring_add(vr, parts, 2, 2, vr), 0);
	libvhost_vring_kick(vr);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
	ck_assert_uint_eq(e.out, 2);
	ck_assert_uint_eq(e.in, 2);
	ck_assert_ptr_eq(iov[3].iov_base, base + 0x200);
	ck_assert_int_eq(lvh_vq_push(&vq, e.id, 17), 0);
	lvh_vq_flush(&vq);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
	ck_assert_uint_eq(len, 17);
}
END_TEST

START_TEST(test_event_idx)
{
	uint8_t *b = guest + BUF_GPA;
	struct iovec iov[4];
	struct lvh_vq_elem e;
	void *tok;
	uint32_t len;
	int i;

	restart(NUM, LIBVHOST_VRING_F_EVENT_IDX);
	/* the driver wants an interrupt: the first completion notifies */
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 1), 0);
	add(b, 8, b + 64, 8, b);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 4, &e), 1);
	ck_assert_int_eq(lvh_vq_push(&vq, e.id, 1), 0);
	ck_assert_int_eq(lvh_vq_flush(&vq), 1);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
	/* interrupts off: completions do not notify */
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 0), 0);
	for (i = 0; i < 3; i++) {
		add(b, 8, b + 64, 8, b);
		ck_assert_int_eq(lvh_vq_pop(&vq, iov, 4, &e), 1);
		ck_assert_int_eq(lvh_vq_push(&vq, e.id, 1), 0);
		ck_assert_int_eq(lvh_vq_flush(&vq), 0);
	}
	/* the device asks for kicks: avail_event follows what it consumed */
	lvh_vq_set_notify(&vq, true);
	ck_assert_uint_eq(vq.used[2 + 4 * NUM], vq.last_avail);
}
END_TEST

/*
 * A polling device turns kicks off: the driver's own suppression check
 * (libvhost_vring_kick) then skips the eventfd, for every layout, over
 * several laps of the ring; turned back on, the device learns of buffers
 * added meanwhile and the next addition kicks again.
 */
static const uint64_t kick_layouts[] = { 0, LIBVHOST_VRING_F_EVENT_IDX, LIBVHOST_VRING_F_PACKED,
					 LIBVHOST_VRING_F_PACKED | LIBVHOST_VRING_F_EVENT_IDX };

START_TEST(test_kicks_off)
{
	uint8_t *b = guest + BUF_GPA;
	struct iovec part = { b, 8 }, iov[4];
	struct lvh_vq_elem e;
	uint64_t kicks;
	void *tok;
	uint32_t len;
	int efd, i;

	restart(NUM, kick_layouts[_i]);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ck_assert_int_ge(efd, 0);
	ck_assert_int_eq(libvhost_vring_set_kick_fd(vr, efd), 0);
	/* kicks on (the rings' initial state): the driver kicks */
	ck_assert_int_eq(libvhost_vring_add(vr, &part, 1, 0, b), 0);
	ck_assert_int_eq(libvhost_vring_kick(vr), 1);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 4, &e), 1);
	ck_assert_int_eq(lvh_vq_push(&vq, e.id, 0), 0);
	lvh_vq_flush(&vq);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
	ck_assert(!lvh_vq_set_notify(&vq, false));
	ck_assert_int_eq(read(efd, &kicks, sizeof(kicks)), (ssize_t)sizeof(kicks));
	for (i = 0; i < 3 * NUM; i++) {
		ck_assert_int_eq(libvhost_vring_add(vr, &part, 1, 0, b), 0);
		ck_assert_int_eq(libvhost_vring_kick(vr), 0);
		if (i % 3 == 2)
			continue; /* the device is behind now and then */
		while (lvh_vq_pop(&vq, iov, 4, &e) == 1) {
			ck_assert_int_eq(lvh_vq_push(&vq, e.id, 0), 0);
			lvh_vq_flush(&vq);
			ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
		}
	}
	ck_assert_int_eq(read(efd, &kicks, sizeof(kicks)), -1);
	/* one added while kicks were off: turning them on reports it */
	ck_assert_int_eq(libvhost_vring_add(vr, &part, 1, 0, b), 0);
	ck_assert_int_eq(libvhost_vring_kick(vr), 0);
	ck_assert(lvh_vq_set_notify(&vq, true));
	for (i = 0; lvh_vq_pop(&vq, iov, 4, &e) == 1; i++) {
		ck_assert_int_eq(lvh_vq_push(&vq, e.id, 0), 0);
		lvh_vq_flush(&vq);
		ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
	}
	ck_assert_int_eq(i, 2); /* that one and the last the device left behind */
	ck_assert(!lvh_vq_set_notify(&vq, true));
	/* and the next addition kicks */
	ck_assert_int_eq(libvhost_vring_add(vr, &part, 1, 0, b), 0);
	ck_assert_int_eq(libvhost_vring_kick(vr), 1);
	ck_assert(!vq.broken);
	close(efd);
}
END_TEST

/*
 * A flush with nothing pushed since the last one publishes nothing and
 * tells the driver nothing, even with interrupts on: in every layout, and
 * a completion after it notifies as before.
 */
START_TEST(test_flush_nothing_new)
{
	uint8_t *b = guest + BUF_GPA;
	struct iovec part = { b, 8 }, iov[4];
	struct lvh_vq_elem e;
	void *tok;
	uint32_t len;
	int i;

	restart(NUM, kick_layouts[_i]);
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 1), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(libvhost_vring_add(vr, &part, 1, 0, b), 0);
		libvhost_vring_kick(vr);
		ck_assert_int_eq(lvh_vq_pop(&vq, iov, 4, &e), 1);
		ck_assert_int_eq(lvh_vq_push(&vq, e.id, 3), 0);
		ck_assert_int_eq(lvh_vq_flush(&vq), 1);
		ck_assert_int_eq(lvh_vq_flush(&vq), 0);
		ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
		ck_assert_uint_eq(len, 3);
		ck_assert_int_eq(lvh_vq_flush(&vq), 0);
		ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 0);
	}
}
END_TEST

/*
 * Bursts (the four layouts): pop_burst lays the buffers' iovecs one after
 * the other and stops at a buffer that does not fit in what is left;
 * push_burst stops at an id not in flight (a repeat within the burst too).
 */
START_TEST(test_burst)
{
	static const unsigned int parts[5] = { 1, 2, 3, 1, 1 };
	uint8_t *b = guest + BUF_GPA;
	struct iovec iov[16], v[3];
	struct libvhost_vq_elem e[8];
	struct libvhost_vq_used u[4];
	unsigned int i, k;
	void *tok;
	uint32_t len;

	restart(NUM, kick_layouts[_i]);
	ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov, 16, e, 8), 0);
	for (i = 0; i < 5; i++) {
		for (k = 0; k < parts[i]; k++)
			v[k] = (struct iovec){ b + 0x100 * (4 * i + k), 16 };
		ck_assert_int_eq(libvhost_vring_add(vr, v, 0, parts[i], (void *)(uintptr_t)(i + 1)),
				 0);
	}
	libvhost_vring_kick(vr);
	/* the third (3 parts) does not fit in the one iovec left of 4 */
	ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov, 4, e, 8), 2);
	ck_assert_uint_eq(e[0].out, 0);
	ck_assert_uint_eq(e[0].in, 1);
	ck_assert_uint_eq(e[1].in, 2);
	ck_assert_ptr_eq(iov[0].iov_base, b);
	ck_assert_ptr_eq(iov[1].iov_base, b + 0x400);
	ck_assert_ptr_eq(iov[2].iov_base, b + 0x500);
	/* nor alone in 2: nothing taken */
	ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov + 3, 2, e + 2, 8), -ENOSPC);
	/* two at most asked for */
	ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov + 3, 13, e + 2, 2), 2);
	ck_assert_uint_eq(e[2].in, 3);
	ck_assert_uint_eq(e[3].in, 1);
	ck_assert_ptr_eq(iov[5].iov_base, b + 0xa00);
	ck_assert_ptr_eq(iov[6].iov_base, b + 0xc00);
	ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov + 7, 9, e + 4, 8), 1);
	ck_assert_ptr_eq(iov[7].iov_base, b + 0x1000);
	ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov + 8, 8, e + 5, 3), 0);

	/* a repeat in the burst: the first two go back, then the rest */
	for (i = 0; i < 2; i++)
		u[i] = (struct libvhost_vq_used){ e[i].id, 10 + i };
	u[2] = u[0];
	ck_assert_int_eq(lvh_vq_push_burst(&vq, u, 3), 2);
	u[0] = (struct libvhost_vq_used){ NUM, 0 };
	ck_assert_int_eq(lvh_vq_push_burst(&vq, u, 1), -EINVAL);
	ck_assert_int_eq(lvh_vq_push_burst(&vq, u, 0), 0);
	for (i = 0; i < 3; i++)
		u[i] = (struct libvhost_vq_used){ e[2 + i].id, 12 + i };
	ck_assert_int_eq(lvh_vq_push_burst(&vq, u, 3), 3);
	/* nothing reaches the driver before the flush, then all of it */
	ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 0);
	lvh_vq_flush(&vq);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
		ck_assert_ptr_eq(tok, (void *)(uintptr_t)(i + 1));
		ck_assert_uint_eq(len, 10 + i);
	}
	ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 0);
	ck_assert(!vq.broken);
}
END_TEST

/*
 * Unpop (the four layouts): the last buffers taken go back and come again
 * in order, across the ring's end and the packed wrap; none that was given
 * back, and no more than were taken.
 */
START_TEST(test_unpop)
{
	uint8_t *b = guest + BUF_GPA;
	struct iovec iov[8], v[2] = { { b, 8 }, { b + 0x100, 8 } };
	struct libvhost_vq_elem e[3], again[3];
	struct libvhost_vq_used u[2];
	unsigned int round, i;
	void *tok;
	uint32_t len;

	restart(NUM, kick_layouts[_i]);
	ck_assert_int_eq(lvh_vq_unpop(&vq, 0), 0);
	ck_assert_int_eq(lvh_vq_unpop(&vq, 1), -EINVAL);
	for (round = 0; round < 2 * NUM; round++) {
		/* a buffer of one part, one of two, one of one */
		ck_assert_int_eq(libvhost_vring_add(vr, v, 0, 1, (void *)(uintptr_t)(3 * round + 1)),
				 0);
		ck_assert_int_eq(libvhost_vring_add(vr, v, 0, 2, (void *)(uintptr_t)(3 * round + 2)),
				 0);
		ck_assert_int_eq(libvhost_vring_add(vr, v, 0, 1, (void *)(uintptr_t)(3 * round + 3)),
				 0);
		libvhost_vring_kick(vr);
		ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov, 8, e, 3), 3);
		ck_assert_int_eq(lvh_vq_unpop(&vq, 4), -EINVAL);
		ck_assert_int_eq(lvh_vq_push(&vq, (uint16_t)e[0].id, 1), 0);
		ck_assert_int_eq(lvh_vq_unpop(&vq, 3), -EINVAL); /* the first was given back */
		ck_assert_int_eq(lvh_vq_unpop(&vq, 2), 0);
		ck_assert(lvh_vq_set_notify(&vq, true)); /* they are available again */
		ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov, 8, again, 3), 2);
		ck_assert_uint_eq(again[0].id, e[1].id);
		ck_assert_uint_eq(again[0].in, 2);
		ck_assert_uint_eq(again[1].id, e[2].id);
		ck_assert_uint_eq(again[1].in, 1);
		ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov, 8, again, 3), 0);
		for (i = 0; i < 2; i++)
			u[i] = (struct libvhost_vq_used){ e[1 + i].id, 2 + i };
		ck_assert_int_eq(lvh_vq_push_burst(&vq, u, 2), 2);
		ck_assert_int_eq(lvh_vq_unpop(&vq, 1), -EINVAL);
		lvh_vq_flush(&vq);
		for (i = 0; i < 3; i++) {
			ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
			ck_assert_ptr_eq(tok, (void *)(uintptr_t)(3 * round + 1 + i));
			ck_assert_uint_eq(len, 1 + i);
		}
	}
	ck_assert(!vq.broken);
}
END_TEST

/*
 * What a ring writes to ask for kicks, or not (split: used flags or
 * avail_event; packed: the device area's flags), is logged like its used
 * entries, or a migrated driver could wait for a kick that never comes.
 */
START_TEST(test_log_event_writes)
{
	uint8_t bitmap[2] = { 0 }; /* 16 pages: all of region 0 */
	struct lvh_dirty_log log = { .bitmap = bitmap, .size = sizeof(bitmap), .on = true };
	bool packed = kick_layouts[_i] & LIBVHOST_VRING_F_PACKED;
	bool event_idx = kick_layouts[_i] & LIBVHOST_VRING_F_EVENT_IDX;
	uint8_t *b = guest + BUF_GPA;
	struct iovec part = { b, 8 }, iov[4];
	struct lvh_vq_elem e;
	uint64_t d, u, at;

	restart(NUM, kick_layouts[_i]);
	libvhost_vring_get_addrs(vr, 1, &d, NULL, &u);
	ck_assert_int_eq(lvh_vq_set_log(&vq, &log, packed ? d : u, u), 0);
	at = packed ? u + 2 : event_idx ? u + 4 + 8 * NUM : u;
	ck_assert(!lvh_vq_set_notify(&vq, false));
	ck_assert_uint_eq(bitmap[0], 1u << (at >> 12));
	ck_assert_uint_eq(bitmap[1], 0);
	ck_assert(!lvh_vq_set_notify(&vq, true));
	ck_assert_uint_eq(bitmap[0], 1u << (at >> 12));
	/* a pop writes only avail_event (split, event idx), nothing else is logged */
	memset(bitmap, 0, sizeof(bitmap));
	ck_assert_int_eq(libvhost_vring_add(vr, &part, 1, 0, b), 0);
	libvhost_vring_kick(vr);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 4, &e), 1);
	ck_assert_uint_eq(bitmap[0], !packed && event_idx ? 1u << (at >> 12) : 0);
	/* log off: nothing */
	memset(bitmap, 0, sizeof(bitmap));
	log.on = false;
	ck_assert(!lvh_vq_set_notify(&vq, false));
	ck_assert_uint_eq(bitmap[0], 0);
	ck_assert(!vq.broken);
}
END_TEST

/*
 * A buffer taken before logging began and written after it (LOG_ALL sent
 * while the device holds it) is logged when it is used, like any other.
 */
START_TEST(test_log_taken_before)
{
	uint8_t bitmap[2] = { 0 }; /* 16 pages: all of region 0 */
	struct lvh_dirty_log log = { .bitmap = bitmap, .size = sizeof(bitmap), .on = false };
	uint8_t *in = guest + BUF_GPA + 0x1000; /* page 9 */
	struct iovec part = { in, 64 }, iov[4];
	struct lvh_vq_elem e;
	uint64_t d, u;

	restart(NUM, kick_layouts[_i]);
	libvhost_vring_get_addrs(vr, 1, &d, NULL, &u);
	ck_assert_int_eq(lvh_vq_set_log(&vq, &log, kick_layouts[_i] & LIBVHOST_VRING_F_PACKED ? d : u,
					u),
			 0);
	ck_assert_int_eq(libvhost_vring_add(vr, &part, 0, 1, in), 0);
	libvhost_vring_kick(vr);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 4, &e), 1);
	log.on = true; /* LOG_ALL */
	memset(iov[0].iov_base, 0xab, 64);
	ck_assert_int_eq(lvh_vq_push(&vq, e.id, 64), 0);
	ck_assert_uint_ne(bitmap[(BUF_GPA + 0x1000) >> 15] & (1u << (((BUF_GPA + 0x1000) >> 12) % 8)), 0);
}
END_TEST

/* Writes descriptor i by hand. */
static void put_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = vq.desc + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void make_avail(uint16_t head)
{
	vq.avail[2 + (vq.last_avail & (NUM - 1))] = head;
	__atomic_store_n(&vq.avail[1], (uint16_t)(vq.last_avail + 1), __ATOMIC_RELEASE);
}

/* A hostile ring breaks the queue: -EIO, a log line, and -EIO from then on. */
static void expect_broken(void)
{
	struct iovec iov[64];
	struct lvh_vq_elem e;
	unsigned int errs = tu_log_errors();

	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 64, &e), -EIO);
	ck_assert_uint_gt(tu_log_errors(), errs);
	ck_assert(vq.broken);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 64, &e), -EIO);
	ck_assert_int_eq(lvh_vq_push(&vq, 0, 0), -EIO);
	ck_assert_int_eq(lvh_vq_flush(&vq), -EIO);
}

START_TEST(test_hostile_loop)
{
	put_desc(0, BUF_GPA, 8, LVH_DESC_F_NEXT, 1);
	put_desc(1, BUF_GPA, 8, LVH_DESC_F_NEXT, 0);
	make_avail(0);
	expect_broken();
}
END_TEST

START_TEST(test_hostile_head)
{
	make_avail(NUM);
	expect_broken();
}
END_TEST

START_TEST(test_hostile_next)
{
	put_desc(0, BUF_GPA, 8, LVH_DESC_F_NEXT, 999);
	make_avail(0);
	expect_broken();
}
END_TEST

START_TEST(test_hostile_avail_idx)
{
	__atomic_store_n(&vq.avail[1], (uint16_t)(vq.last_avail + NUM + 1), __ATOMIC_RELEASE);
	expect_broken();
}
END_TEST

START_TEST(test_hostile_address)
{
	put_desc(0, 0x20000 - 4, 8, 0, 0); /* runs off the end of guest memory */
	make_avail(0);
	expect_broken();
}
END_TEST

START_TEST(test_hostile_overflow)
{
	put_desc(0, UINT64_MAX - 2, 8, 0, 0); /* wraps around 2^64 */
	make_avail(0);
	expect_broken();
}
END_TEST

START_TEST(test_hostile_order)
{
	put_desc(0, BUF_GPA, 8, LVH_DESC_F_NEXT | LVH_DESC_F_WRITE, 1);
	put_desc(1, BUF_GPA, 8, 0, 0);
	make_avail(0);
	expect_broken();
}
END_TEST

START_TEST(test_hostile_indirect)
{
	uint8_t *table = guest + BUF_GPA;
	uint64_t ind = BUF_GPA + 0x1000;

	/* an indirect table that points to another indirect table */
	memset(table, 0, 32);
	memcpy(table, &ind, 8);
	*(uint32_t *)(table + 8) = 16;
	*(uint16_t *)(table + 12) = LVH_DESC_F_INDIRECT;
	put_desc(0, BUF_GPA, 16, LVH_DESC_F_INDIRECT, 0);
	make_avail(0);
	expect_broken();
}
END_TEST

START_TEST(test_hostile_indirect_len)
{
	put_desc(0, BUF_GPA, 15, LVH_DESC_F_INDIRECT, 0);
	make_avail(0);
	expect_broken();
}
END_TEST

START_TEST(test_hostile_twice)
{
	struct iovec iov[4];
	struct lvh_vq_elem e;

	/* the same head made available twice while in flight */
	put_desc(0, BUF_GPA, 8, 0, 0);
	make_avail(0);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 4, &e), 1);
	make_avail(0);
	expect_broken();
}
END_TEST

/* A ring that breaks after a burst's first buffer: that one, then -EIO. */
START_TEST(test_hostile_mid_burst)
{
	struct iovec iov[8];
	struct libvhost_vq_elem e[4];

	put_desc(0, BUF_GPA, 8, LVH_DESC_F_WRITE, 0);
	vq.avail[2] = 0;
	vq.avail[3] = NUM;
	__atomic_store_n(&vq.avail[1], (uint16_t)2, __ATOMIC_RELEASE);
	ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov, 8, e, 4), 1);
	ck_assert_uint_eq(e[0].id, 0);
	ck_assert(vq.broken);
	ck_assert_int_eq(lvh_vq_pop_burst(&vq, iov, 8, e, 4), -EIO);
}
END_TEST

START_TEST(test_init_refusals)
{
	struct lvh_vq v;
	uint8_t *p = guest;

	ck_assert_int_eq(lvh_vq_split_init(&v, ctx, mem, 0, 3, p, p + 256, p + 512, false, 0),
			 -EINVAL);
	ck_assert_int_eq(lvh_vq_split_init(&v, ctx, mem, 0, 65536, p, p + 256, p + 512, false, 0),
			 -EINVAL);
	ck_assert_int_eq(lvh_vq_split_init(&v, ctx, mem, 0, 4, p + 1, p + 256, p + 512, false, 0),
			 -EINVAL);
	ck_assert_int_eq(lvh_vq_split_init(&v, ctx, mem, 0, 4, NULL, p + 256, p + 512, false, 0),
			 -EINVAL);
}
END_TEST


/* Packed: a 5-entry ring, chains of 1 to 3 parts, many laps (wrap counters). */
START_TEST(test_packed_roundtrip)
{
	uint8_t *b = guest + BUF_GPA;
	struct iovec parts[3] = { { b, 8 }, { b + 0x100, 8 }, { b + 0x200, 4 } };
	struct iovec iov[8];
	struct lvh_vq_elem e;
	unsigned int round, nparts;
	void *tok;
	uint32_t len;

	restart(5, LIBVHOST_VRING_F_PACKED);
	for (round = 0; round < 40; round++) {
		nparts = 1 + round % 3;
		memset(b, (int)round, 8);
		ck_assert_int_eq(libvhost_vring_add(vr, parts, 1, nparts - 1,
						    (void *)(uintptr_t)(round + 1)),
				 0);
		libvhost_vring_kick(vr);
		ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
		ck_assert_uint_eq(e.out, 1);
		ck_assert_uint_eq(e.in, nparts - 1);
		ck_assert_uint_eq(((uint8_t *)iov[0].iov_base)[7], (uint8_t)round);
		ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 0);
		ck_assert_int_eq(lvh_vq_push(&vq, e.id, nparts), 0);
		ck_assert_int_ge(lvh_vq_flush(&vq), 0);
		ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
		ck_assert_ptr_eq(tok, (void *)(uintptr_t)(round + 1));
		ck_assert_uint_eq(len, nparts);
	}
	ck_assert(!vq.broken);
}
END_TEST

START_TEST(test_packed_batch_and_notify)
{
	uint8_t *b = guest + BUF_GPA;
	struct iovec part = { b, 8 };
	struct iovec iov[4];
	struct lvh_vq_elem e[4];
	void *tok;
	uint32_t len;
	int i;

	restart(8, LIBVHOST_VRING_F_PACKED | LIBVHOST_VRING_F_EVENT_IDX);
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 1), 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(libvhost_vring_add(vr, &part, 1, 0, (void *)(uintptr_t)(i + 1)), 0);
	libvhost_vring_kick(vr);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(lvh_vq_pop(&vq, iov, 4, &e[i]), 1);
	/* completed out of order */
	ck_assert_int_eq(lvh_vq_push(&vq, e[2].id, 0), 0);
	ck_assert_int_eq(lvh_vq_push(&vq, e[0].id, 0), 0);
	ck_assert_int_eq(lvh_vq_flush(&vq), 1);
	ck_assert_int_eq(lvh_vq_flush(&vq), 0); /* nothing new */
	ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
	ck_assert_ptr_eq(tok, (void *)3);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &tok, &len), 1);
	ck_assert_ptr_eq(tok, (void *)1);
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 0), 0);
	ck_assert_int_eq(lvh_vq_push(&vq, e[1].id, 0), 0);
	ck_assert_int_eq(lvh_vq_flush(&vq), 0); /* suppressed */
	ck_assert_int_eq(lvh_vq_push(&vq, e[3].id, 0), 0);
	/* 1: used buffers are already waiting (the driver reaps before sleeping) */
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 1), 1);
	ck_assert_int_eq(lvh_vq_flush(&vq), 1);
}
END_TEST

static void put_pdesc(unsigned int i, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	uint8_t *d = vq.desc + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &id, 2);
	memcpy(d + 14, &flags, 2);
}

#define PAVAIL (1u << 7) /* first lap: AVAIL set, USED clear */

START_TEST(test_packed_hostile_chain)
{
	unsigned int i;

	restart(4, LIBVHOST_VRING_F_PACKED);
	for (i = 0; i < 4; i++)
		put_pdesc(i, BUF_GPA, 8, 0, PAVAIL | LVH_DESC_F_NEXT);
	expect_broken();
}
END_TEST

START_TEST(test_packed_hostile_id)
{
	restart(4, LIBVHOST_VRING_F_PACKED);
	put_pdesc(0, BUF_GPA, 8, 4, PAVAIL);
	expect_broken();
}
END_TEST

START_TEST(test_packed_hostile_twice)
{
	struct iovec iov[4];
	struct lvh_vq_elem e;

	restart(4, LIBVHOST_VRING_F_PACKED);
	put_pdesc(0, BUF_GPA, 8, 1, PAVAIL);
	put_pdesc(1, BUF_GPA, 8, 1, PAVAIL);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 4, &e), 1);
	expect_broken();
}
END_TEST

START_TEST(test_packed_hostile_indirect)
{
	restart(4, LIBVHOST_VRING_F_PACKED);
	put_pdesc(0, BUF_GPA, 16, 0, PAVAIL | LVH_DESC_F_INDIRECT | LVH_DESC_F_NEXT);
	expect_broken();
}
END_TEST

START_TEST(test_packed_init_refusals)
{
	struct lvh_vq v;
	uint8_t *p = guest;

	ck_assert_int_eq(lvh_vq_packed_init(&v, ctx, mem, 0, 4, p, p + 64, p + 68, false, 4),
			 -EINVAL); /* avail position past the ring */
	ck_assert_int_eq(lvh_vq_packed_init(&v, ctx, mem, 0, 4, p, p + 66, p + 68, false, 0),
			 -EINVAL);
	ck_assert_int_eq(lvh_vq_packed_init(&v, ctx, mem, 0, 0, p, p + 64, p + 68, false, 0),
			 -EINVAL);
	/* QEMU and DPDK send the avail half only: the used side starts there too */
	ck_assert_int_eq(lvh_vq_packed_init(&v, ctx, mem, 0, 4, p, p + 64, p + 68, false,
					    3 | 1u << 15),
			 0);
	ck_assert_uint_eq(v.used_idx, 3);
	ck_assert(v.used_wrap);
	lvh_vq_fini(&v);
}
END_TEST

/* ---- inflight tracking ---- */

static uint8_t ifl_area[32 + 32 * NUM];

/* A device started again on the same ring and area (a split base of 0 is wrong on purpose). */
static int resume_vq(uint64_t flags)
{
	uint64_t d, a, u;

	lvh_vq_fini(&vq);
	libvhost_vring_get_addrs(vr, 0, &d, &a, &u);
	if (flags & LIBVHOST_VRING_F_PACKED)
		ck_assert_int_eq(lvh_vq_packed_init(&vq, ctx, mem, 0, NUM, (void *)(uintptr_t)d,
						    (void *)(uintptr_t)a, (void *)(uintptr_t)u,
						    false, 0x8000),
				 0);
	else
		ck_assert_int_eq(lvh_vq_split_init(&vq, ctx, mem, 0, NUM, (void *)(uintptr_t)d,
						   (void *)(uintptr_t)a, (void *)(uintptr_t)u,
						   false, 0),
				 0);
	return lvh_vq_inflight_attach(&vq, ifl_area);
}

/*
 * Six buffers taken, the fourth returned, and the device dies while
 * returning the second (its used entry reached the ring, the area did not
 * hear of it): the next device takes 1, 3, 5, 6 again in that order, then
 * new buffers; the driver gets each of the seven exactly once.
 */
static void inflight_restart(uint64_t flags)
{
	uint8_t *b = guest + BUF_GPA, snap[sizeof(ifl_area)];
	struct iovec iov[8];
	struct lvh_vq_elem e;
	uint16_t ids[7];
	unsigned int i, got[8] = { 0 };
	void *tok;
	uint32_t len;

	memset(ifl_area, 0, sizeof(ifl_area));
	if (flags & LIBVHOST_VRING_F_PACKED)
		restart(NUM, flags);
	ck_assert_int_eq(lvh_vq_inflight_attach(&vq, ifl_area), 0);
	for (i = 0; i < 6; i++) {
		b[i * 16] = (uint8_t)(i + 1);
		add(b + i * 16, 1, b + 0x400 + i * 16, 4, (void *)(uintptr_t)(i + 1));
		ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
		ck_assert_uint_eq(((uint8_t *)iov[0].iov_base)[0], i + 1);
		ids[i] = e.id;
	}
	ck_assert_int_eq(lvh_vq_push(&vq, ids[3], 4), 0);
	ck_assert_int_ge(lvh_vq_flush(&vq), 0);
	memcpy(snap, ifl_area, sizeof(snap));
	ck_assert_int_eq(lvh_vq_push(&vq, ids[1], 4), 0);
	ck_assert_int_ge(lvh_vq_flush(&vq), 0);
	memcpy(ifl_area, snap, sizeof(snap)); /* the crash */
	if (flags & LIBVHOST_VRING_F_PACKED) {
		/* packed marks a buffer completing before its used entry is written */
		for (i = 0; i < NUM; i++) {
			uint8_t *ent = ifl_area + 32 + 32 * i;
			uint16_t id;

			memcpy(&id, ent + 6, 2);
			if (ent[0] == 1 && id == ids[1]) {
				ent[1] = 1;
				memcpy(ent + 10, ifl_area + 12, 2);
			}
		}
	}

	ck_assert_int_eq(resume_vq(flags), 4);
	/* two taken again and put back: they come again, in order */
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
	ck_assert_int_eq(lvh_vq_unpop(&vq, 2), 0);
	{
		static const unsigned int order[] = { 0, 2, 4, 5 };

		for (i = 0; i < 4; i++) {
			ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
			ck_assert_uint_eq(e.id, ids[order[i]]);
			ck_assert_uint_eq(e.out, 1);
			ck_assert_uint_eq(e.in, 1);
			ck_assert_uint_eq(((uint8_t *)iov[0].iov_base)[0], order[i] + 1);
		}
	}
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 0);
	b[6 * 16] = 7;
	add(b + 6 * 16, 1, b + 0x400 + 6 * 16, 4, (void *)7);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
	ck_assert_uint_eq(((uint8_t *)iov[0].iov_base)[0], 7);
	/* the new one and the last taken again, put back together */
	ck_assert_int_eq(lvh_vq_unpop(&vq, 2), 0);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
	ck_assert_uint_eq(e.id, ids[5]);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
	ck_assert_uint_eq(((uint8_t *)iov[0].iov_base)[0], 7);
	ids[6] = e.id;
	for (i = 0; i < 7; i++)
		if (i != 1 && i != 3)
			ck_assert_int_eq(lvh_vq_push(&vq, ids[i], 4), 0);
	ck_assert_int_ge(lvh_vq_flush(&vq), 0);
	while (libvhost_vring_get_used(vr, &tok, &len) == 1)
		got[(uintptr_t)tok]++;
	for (i = 1; i <= 7; i++)
		ck_assert_uint_eq(got[i], 1);
	ck_assert(!vq.broken);
	/* nothing in flight now: a further restart takes nothing again, and goes on */
	ck_assert_int_eq(resume_vq(flags), 0);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 0);
	add(b, 1, b + 0x400, 4, (void *)8);
	ck_assert_int_eq(lvh_vq_pop(&vq, iov, 8, &e), 1);
}

START_TEST(test_inflight_split)
{
	inflight_restart(0);
}
END_TEST

START_TEST(test_inflight_packed)
{
	inflight_restart(LIBVHOST_VRING_F_PACKED);
}
END_TEST

/* An area that says something impossible is reset, not believed. */
START_TEST(test_inflight_garbage)
{
	struct iovec iov[8];
	struct lvh_vq_elem e;
	uint8_t *b = guest + BUF_GPA;
	unsigned int round;

	for (round = 0; round < 2; round++) {
		uint64_t flags = round ? LIBVHOST_VRING_F_PACKED : 0;

		restart(NUM, flags);
		memset(ifl_area, 0, sizeof(ifl_area));
		ck_assert_int_eq(lvh_vq_inflight_attach(&vq, ifl_area), 0);
		memset(ifl_area + 32, 0x41, sizeof(ifl_area) - 32);
		ck_assert_int_eq(resume_vq(flags), 0);
		ck_assert_ptr_nonnull(strstr(tu_log_last(), "does not describe this ring"));
		add(b, 1, b + 0x400, 4, (void *)1);
		ck_assert_msg(lvh_vq_pop(&vq, iov, 8, &e) == 1, "round %u", round);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vq");
	TCase *tc = tcase_create("split");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_layout_values);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_across_regions);
	tcase_add_test(tc, test_indirect);
	tcase_add_test(tc, test_event_idx);
	tcase_add_loop_test(tc, test_kicks_off, 0, 4);
	tcase_add_loop_test(tc, test_flush_nothing_new, 0, 4);
	tcase_add_loop_test(tc, test_log_event_writes, 0, 4);
	tcase_add_loop_test(tc, test_log_taken_before, 0, 4);
	tcase_add_loop_test(tc, test_burst, 0, 4);
	tcase_add_loop_test(tc, test_unpop, 0, 4);
	tcase_add_test(tc, test_init_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_hostile_loop);
	tcase_add_test(tc, test_hostile_head);
	tcase_add_test(tc, test_hostile_next);
	tcase_add_test(tc, test_hostile_avail_idx);
	tcase_add_test(tc, test_hostile_address);
	tcase_add_test(tc, test_hostile_overflow);
	tcase_add_test(tc, test_hostile_order);
	tcase_add_test(tc, test_hostile_indirect);
	tcase_add_test(tc, test_hostile_indirect_len);
	tcase_add_test(tc, test_hostile_twice);
	tcase_add_test(tc, test_hostile_mid_burst);
	suite_add_tcase(s, tc);

	tc = tcase_create("packed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_packed_roundtrip);
	tcase_add_test(tc, test_packed_batch_and_notify);
	tcase_add_test(tc, test_packed_hostile_chain);
	tcase_add_test(tc, test_packed_hostile_id);
	tcase_add_test(tc, test_packed_hostile_twice);
	tcase_add_test(tc, test_packed_hostile_indirect);
	tcase_add_test(tc, test_packed_init_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("inflight");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_inflight_split);
	tcase_add_test(tc, test_inflight_packed);
	tcase_add_test(tc, test_inflight_garbage);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
