/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Driver-side split rings against a small device written here from the
 * virtio specification's description of the split layout (not from the
 * library's code): it walks chains, reads the readable parts, writes the
 * upper-cased bytes into the writable parts and returns the buffer.
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

#define MiB (1ull << 20)
#define RING_GPA 0x100000ull
#define BUF_GPA 0x200000ull

struct dev {
	uint8_t *ring;
	unsigned int num;
	uint64_t avail_off, used_off;
	struct libvhost_mem *mem;
	uint16_t last_avail;
	int event_idx;
};

static struct libvhost_ctx *ctx;
static struct libvhost_mem *mem;
static uint8_t *bufs;

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static void wr16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void dev_init(struct dev *d, struct libvhost_vring *vr, unsigned int num, int event_idx)
{
	uint64_t desc, avail, used;

	ck_assert_int_eq(libvhost_vring_get_addrs(vr, 0, &desc, &avail, &used), 0);
	d->ring = (uint8_t *)(uintptr_t)desc;
	d->num = num;
	d->avail_off = avail - desc;
	d->used_off = used - desc;
	d->mem = mem;
	d->last_avail = 0;
	d->event_idx = event_idx;
	/* the spec's split layout: avail right after the table, used 4-aligned */
	ck_assert_uint_eq(d->avail_off, 16ull * num);
	ck_assert_uint_eq(d->used_off % 4, 0);
	ck_assert_uint_ge(d->used_off, d->avail_off + 6 + 2ull * num);
}

/* Serves every available buffer; returns how many. */
static unsigned int dev_process(struct dev *d)
{
	uint8_t *avail = d->ring + d->avail_off, *used = d->ring + d->used_off;
	unsigned int served = 0;

	while (d->last_avail != rd16(avail + 2)) {
		uint16_t head = rd16(avail + 4 + 2 * (d->last_avail % d->num)), i = head;
		uint8_t data[4096];
		size_t have = 0;
		uint32_t written = 0, elem[2];
		unsigned int hops = 0;

		uint8_t *table = d->ring; /* switches to an indirect table when one is met */

		for (;;) {
			uint8_t *desc = table + 16 * i;
			uint64_t addr;
			uint32_t len;
			uint16_t flags, next;
			uint8_t *p;

			memcpy(&addr, desc, 8);
			memcpy(&len, desc + 8, 4);
			addr = le64toh(addr);
			len = le32toh(len);
			flags = rd16(desc + 12);
			next = rd16(desc + 14);
			p = libvhost_mem_translate(d->mem, addr, len);
			ck_assert_ptr_nonnull(p);
			if (flags & 4) { /* INDIRECT: the chain continues in the table, from 0 */
				ck_assert(table == d->ring);
				ck_assert(!(flags & 1));
				ck_assert_uint_eq(len % 16, 0);
				table = p;
				i = 0;
				continue;
			}
			if (flags & 2) {
				uint32_t k;

				for (k = 0; k < len && written < have; k++, written++)
					p[k] = (uint8_t)toupper(data[written]);
			} else {
				ck_assert_uint_le(have + len, sizeof(data));
				memcpy(data + have, p, len);
				have += len;
			}
			ck_assert_uint_lt(++hops, d->num + 1);
			if (!(flags & 1))
				break;
			i = next;
		}
		elem[0] = htole32(head);
		elem[1] = htole32(written);
		memcpy(used + 4 + 8 * (rd16(used + 2) % d->num), elem, 8);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		wr16(used + 2, (uint16_t)(rd16(used + 2) + 1));
		d->last_avail++;
		served++;
	}
	if (d->event_idx) /* avail_event: kick me when you pass what I have seen */
		wr16(used + 4 + 8 * d->num, d->last_avail);
	return served;
}

static void setup(void)
{
	ctx = tu_ctx_new();
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, RING_GPA, 1 * MiB, NULL, NULL), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, BUF_GPA, 1 * MiB, NULL, (void **)&bufs), 0);
}

static void teardown(void)
{
	libvhost_mem_unref(mem);
	tu_ctx_free(ctx);
}

static uint64_t eventfd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

START_TEST(test_roundtrip)
{
	struct libvhost_vring *vr;
	struct dev d;
	struct iovec iov[2];
	void *token;
	uint32_t len;
	int kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), tok = 7;

	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, NULL, &vr), 0);
	ck_assert_int_eq(libvhost_vring_set_kick_fd(vr, kick), 0);
	dev_init(&d, vr, 8, 0);

	memcpy(bufs, "hello, device", 13);
	iov[0].iov_base = bufs;
	iov[0].iov_len = 13;
	iov[1].iov_base = bufs + 4096;
	iov[1].iov_len = 64;
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 1, &tok), 0);
	/* not published before the kick */
	ck_assert_uint_eq(dev_process(&d), 0);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 0);
	ck_assert_int_eq(libvhost_vring_kick(vr), 1);
	ck_assert_uint_eq(eventfd_count(kick), 1);
	/* nothing new: no second kick */
	ck_assert_int_eq(libvhost_vring_kick(vr), 0);

	ck_assert_uint_eq(dev_process(&d), 1);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
	ck_assert_ptr_eq(token, &tok);
	ck_assert_uint_eq(len, 13);
	ck_assert_mem_eq(bufs + 4096, "HELLO, DEVICE", 13);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 0);
	libvhost_vring_unref(vr);
	close(kick);
}
END_TEST

START_TEST(test_full_ring_and_wrap)
{
	struct libvhost_vring *vr;
	struct dev d;
	struct iovec iov[3];
	void *token;
	uint32_t len;
	unsigned int i, round;
	int toks[4];

	/* 4 entries, 3 descriptors a buffer: one buffer fits at a time */
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 4, NULL, &vr), 0);
	dev_init(&d, vr, 4, 0);
	for (i = 0; i < 3; i++) {
		iov[i].iov_base = bufs + 100 * i;
		iov[i].iov_len = 10;
	}
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 2, 1, &toks[0]), 0);
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 2, 1, &toks[1]), -ENOSPC);
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 0, &toks[1]), 0);
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 0, &toks[2]), -ENOSPC);
	libvhost_vring_kick(vr);
	ck_assert_uint_eq(dev_process(&d), 2);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
	ck_assert_ptr_eq(token, &toks[0]);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
	ck_assert_ptr_eq(token, &toks[1]);

	/* 25,000 rounds publish ~81,000 buffers: the 16-bit indexes wrap, the free list holds */
	for (round = 0; round < 25000; round++) {
		unsigned int n = 1 + round % 4;

		for (i = 0; i < n; i++)
			ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 0, &toks[i]), 0);
		ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 0, &toks[0]), n == 4 ? -ENOSPC : 0);
		if (n < 4)
			n++;
		libvhost_vring_kick(vr);
		ck_assert_uint_eq(dev_process(&d), n);
		for (i = 0; i < n; i++)
			ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
		ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 0);
	}
	libvhost_vring_unref(vr);
}
END_TEST

START_TEST(test_notification_suppression)
{
	LIBVHOST_OPTS(libvhost_vring_opts, ev, .flags = LIBVHOST_VRING_F_EVENT_IDX);
	struct libvhost_vring *vr;
	struct dev d;
	struct iovec iov = { .iov_base = bufs, .iov_len = 16 };
	void *token;
	uint32_t len;
	uint8_t *used;
	int kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), tok = 1;

	/* without event idx: the device's NO_NOTIFY flag */
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 16, NULL, &vr), 0);
	libvhost_vring_set_kick_fd(vr, kick);
	dev_init(&d, vr, 16, 0);
	used = d.ring + d.used_off;
	wr16(used, 1);
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 0);
	wr16(used, 0);
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 1);
	ck_assert_uint_eq(eventfd_count(kick), 1);
	/* interrupts: the driver's NO_INTERRUPT flag, and the race answer */
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 0), 0);
	ck_assert_uint_eq(rd16(d.ring + d.avail_off), 1);
	dev_process(&d);
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 1), 1); /* used buffers wait */
	ck_assert_uint_eq(rd16(d.ring + d.avail_off), 0);
	while (libvhost_vring_get_used(vr, &token, &len) == 1)
		;
	libvhost_vring_unref(vr);

	/* with event idx: kicks only when the device's avail_event is crossed */
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 16, &ev, &vr), 0);
	libvhost_vring_set_kick_fd(vr, kick);
	dev_init(&d, vr, 16, 1);
	used = d.ring + d.used_off;
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 1); /* avail_event 0: crossing 0->1 */
	eventfd_count(kick);
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 0); /* device has not caught up */
	dev_process(&d); /* sets avail_event = 2 */
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 1);
	ck_assert_uint_eq(eventfd_count(kick), 1);
	/* a device that wants a kick only far ahead */
	dev_process(&d);
	wr16(used + 4 + 8 * 16, 10);
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 0);
	/* used_event follows the driver's progress while interrupts are on */
	while (libvhost_vring_get_used(vr, &token, &len) == 1)
		;
	ck_assert_uint_eq(rd16(d.ring + d.avail_off + 4 + 2 * 16), 3);
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 0), 0);
	ck_assert_uint_eq(rd16(d.ring + d.avail_off + 4 + 2 * 16), 2);
	libvhost_vring_unref(vr);
	close(kick);
}
END_TEST

START_TEST(test_buffer_across_regions)
{
	struct libvhost_vring *vr;
	struct dev d;
	struct iovec iov[2];
	uint8_t *area, *desc;
	uint64_t a0, a1;
	uint32_t l0, l1, len;
	void *token;
	int fd = memfd_create("split", MFD_CLOEXEC), tok = 3;

	/* one mapping in this process, two regions far apart in guest memory */
	ck_assert_int_eq(ftruncate(fd, 2 * MiB), 0);
	area = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(area, MAP_FAILED);
	ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 32, 1 * MiB, area, fd, 0), 0);
	ck_assert_int_eq(libvhost_mem_add(mem, 1ull << 33, 1 * MiB, area + 1 * MiB, fd, 1 * MiB), 0);

	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, NULL, &vr), 0);
	dev_init(&d, vr, 8, 0);
	memcpy(area + 1 * MiB - 3, "abcdef", 6);
	iov[0].iov_base = area + 1 * MiB - 3; /* 3 bytes in each region */
	iov[0].iov_len = 6;
	iov[1].iov_base = bufs;
	iov[1].iov_len = 6;
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 1, &tok), 0);
	desc = d.ring;
	memcpy(&a0, desc, 8);
	memcpy(&l0, desc + 8, 4);
	memcpy(&a1, desc + 16, 8);
	memcpy(&l1, desc + 24, 4);
	ck_assert_uint_eq(le64toh(a0), (1ull << 32) + 1 * MiB - 3);
	ck_assert_uint_eq(le32toh(l0), 3);
	ck_assert_uint_eq(le64toh(a1), 1ull << 33);
	ck_assert_uint_eq(le32toh(l1), 3);
	libvhost_vring_kick(vr);
	ck_assert_uint_eq(dev_process(&d), 1);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
	ck_assert_uint_eq(len, 6);
	ck_assert_mem_eq(bufs, "ABCDEF", 6);
	libvhost_vring_unref(vr);
	munmap(area, 2 * MiB);
	close(fd);
}
END_TEST

START_TEST(test_hostile_device)
{
	struct libvhost_vring *vr;
	struct dev d;
	struct iovec iov = { .iov_base = bufs, .iov_len = 8 };
	uint8_t *used;
	void *token;
	uint32_t len, elem[2];
	int tok = 1;
	static const struct {
		uint32_t id;
		uint16_t idx;
	} cases[] = {
		{ 8, 1 }, /* an id beyond the ring */
		{ 5, 1 }, /* an id that is not in flight */
		{ 0, 2 }, /* more used than published */
		{ 0, 0x8000 }, /* a wild index jump */
	};
	size_t i;

	for (i = 0; i < LVH_ARRAY_SIZE(cases); i++) {
		unsigned int errs = tu_log_errors();

		ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, NULL, &vr), 0);
		dev_init(&d, vr, 8, 0);
		used = d.ring + d.used_off;
		ck_assert_int_eq(libvhost_vring_add(vr, &iov, 1, 0, &tok), 0);
		libvhost_vring_kick(vr);
		elem[0] = htole32(cases[i].id);
		elem[1] = 0;
		memcpy(used + 4, elem, 8);
		wr16(used + 2, cases[i].idx);
		ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), -EIO);
		ck_assert_uint_gt(tu_log_errors(), errs);
		/* broken stays broken */
		ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), -EIO);
		ck_assert_int_eq(libvhost_vring_add(vr, &iov, 1, 0, &tok), -EIO);
		libvhost_vring_unref(vr);
	}
}
END_TEST

START_TEST(test_refusals)
{
	LIBVHOST_OPTS(libvhost_vring_opts, bad, .flags = 1ull << 7);
	struct libvhost_vring *vr;
	struct iovec iov = { .iov_base = bufs, .iov_len = 8 }, outside = { .iov_base = &iov, .iov_len = 8 };
	uint64_t size;
	int tok = 1;

	ck_assert_int_eq(libvhost_vring_area_size(256, NULL, &size), 0);
	ck_assert_uint_eq(size, 4096 + 6 + 512 + 58 + 6 + 2048); /* used aligned to 64 */
	ck_assert_int_eq(libvhost_vring_area_size(3, NULL, &size), -EINVAL);
	ck_assert_int_eq(libvhost_vring_area_size(65536, NULL, &size), -EINVAL);
	ck_assert_int_eq(libvhost_vring_area_size(0, NULL, &size), -EINVAL);
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 6, NULL, &vr), -EINVAL);
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA + 8, 8, NULL, &vr), -EINVAL);
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, &bad, &vr), -EINVAL);
	/* not in the table, or running off its region */
	ck_assert_int_eq(libvhost_vring_new(mem, 0, 8, NULL, &vr), -EINVAL);
	ck_assert_int_eq(libvhost_vring_new(mem, BUF_GPA + 1 * MiB - 64, 8, NULL, &vr), -EINVAL);
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 32768, NULL, &vr), 0);
	ck_assert_int_eq(libvhost_vring_add(vr, &iov, 0, 0, &tok), -EINVAL);
	ck_assert_int_eq(libvhost_vring_add(vr, &iov, 1, 0, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_vring_add(vr, &outside, 1, 0, &tok), -EINVAL);
	iov.iov_len = 0;
	ck_assert_int_eq(libvhost_vring_add(vr, &iov, 1, 0, &tok), -EINVAL);
	ck_assert_int_eq(libvhost_vring_set_kick_fd(vr, -2), -EINVAL);
	ck_assert_int_eq(libvhost_vring_kick(NULL), -EINVAL);
	ck_assert_ptr_eq(libvhost_vring_ref(vr), vr);
	ck_assert_ptr_null(libvhost_vring_unref(vr));
	ck_assert_ptr_null(libvhost_vring_unref(vr));
	ck_assert_ptr_null(libvhost_vring_unref(NULL));
}
END_TEST

/* ---- packed rings ---- */

/*
 * A packed-ring device from the spec: an entry is available when its AVAIL
 * bit equals the device's wrap counter and its USED bit does not; the device
 * writes each used buffer's id and length into the next used slot with both
 * bits equal to its used wrap counter.
 */
struct pdev {
	uint8_t *ring;
	unsigned int num;
	uint64_t drv_off, dev_off;
	uint16_t pos, used_pos;
	int wrap, used_wrap;
};

static void pdev_init(struct pdev *d, struct libvhost_vring *vr, unsigned int num)
{
	uint64_t desc, drv, dev;

	ck_assert_int_eq(libvhost_vring_get_addrs(vr, 0, &desc, &drv, &dev), 0);
	d->ring = (uint8_t *)(uintptr_t)desc;
	d->num = num;
	d->drv_off = drv - desc;
	d->dev_off = dev - desc;
	ck_assert_uint_eq(d->drv_off, 16ull * num);
	ck_assert_uint_eq(d->dev_off % 4, 0);
	d->pos = d->used_pos = 0;
	d->wrap = d->used_wrap = 1;
}

static unsigned int pdev_process(struct pdev *d)
{
	unsigned int served = 0;

	for (;;) {
		uint8_t *e = d->ring + 16 * d->pos, data[4096];
		uint16_t flags = rd16(e + 14), id = 0;
		uint32_t written = 0, chain = 0;
		size_t have = 0;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!!(flags & 0x80) != d->wrap || !!(flags & 0x8000) == d->wrap)
			break;
		for (;;) {
			uint64_t addr;
			uint32_t len;
			uint8_t *p;

			e = d->ring + 16 * d->pos;
			flags = rd16(e + 14);
			memcpy(&addr, e, 8);
			memcpy(&len, e + 8, 4);
			id = rd16(e + 12);
			p = libvhost_mem_translate(mem, le64toh(addr), le32toh(len));
			ck_assert_ptr_nonnull(p);
			if (flags & 4) { /* INDIRECT: a sequential table, no NEXT flags */
				unsigned int k, nt = le32toh(len) / 16;

				for (k = 0; k < nt; k++) {
					uint8_t *t = p + 16 * k, *q;
					uint64_t ta;
					uint32_t tl, m;

					memcpy(&ta, t, 8);
					memcpy(&tl, t + 8, 4);
					q = libvhost_mem_translate(mem, le64toh(ta), le32toh(tl));
					ck_assert_ptr_nonnull(q);
					if (rd16(t + 14) & 2) {
						for (m = 0; m < le32toh(tl) && written < have; m++, written++)
							q[m] = (uint8_t)toupper(data[written]);
					} else {
						memcpy(data + have, q, le32toh(tl));
						have += le32toh(tl);
					}
				}
			} else if (flags & 2) {
				uint32_t k;

				for (k = 0; k < le32toh(len) && written < have; k++, written++)
					p[k] = (uint8_t)toupper(data[written]);
			} else {
				memcpy(data + have, p, le32toh(len));
				have += le32toh(len);
			}
			chain++;
			if (++d->pos == d->num) {
				d->pos = 0;
				d->wrap = !d->wrap;
			}
			ck_assert_uint_le(chain, d->num);
			if (!(flags & 1))
				break;
		}
		/* the used element, written over the chain's first slot */
		e = d->ring + 16 * d->used_pos;
		wr16(e + 12, id);
		{
			uint32_t l = htole32(written);

			memcpy(e + 8, &l, 4);
		}
		__atomic_thread_fence(__ATOMIC_RELEASE);
		wr16(e + 14, (uint16_t)(d->used_wrap ? 0x8080 : 0));
		d->used_pos = (uint16_t)(d->used_pos + chain);
		if (d->used_pos >= d->num) {
			d->used_pos = (uint16_t)(d->used_pos - d->num);
			d->used_wrap = !d->used_wrap;
		}
		served++;
	}
	return served;
}

static const struct libvhost_vring_opts packed_opts = { .sz = sizeof(packed_opts),
						        .flags = LIBVHOST_VRING_F_PACKED };

START_TEST(test_packed_roundtrip)
{
	struct libvhost_vring *vr;
	struct pdev d;
	struct iovec iov[3];
	void *token;
	uint32_t len;
	uint64_t size;
	int kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), tok = 5;

	ck_assert_int_eq(libvhost_vring_area_size(5, &packed_opts, &size), 0);
	ck_assert_uint_eq(size, 5 * 16 + 8);
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 5, &packed_opts, &vr), 0);
	libvhost_vring_set_kick_fd(vr, kick);
	pdev_init(&d, vr, 5);
	memcpy(bufs, "packed", 6);
	memcpy(bufs + 100, " ring", 5);
	iov[0].iov_base = bufs;
	iov[0].iov_len = 6;
	iov[1].iov_base = bufs + 100;
	iov[1].iov_len = 5;
	iov[2].iov_base = bufs + 4096;
	iov[2].iov_len = 32;
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 2, 1, &tok), 0);
	ck_assert_uint_eq(pdev_process(&d), 0); /* the head is handed over at the kick */
	ck_assert_int_eq(libvhost_vring_kick(vr), 1);
	ck_assert_uint_eq(eventfd_count(kick), 1);
	ck_assert_uint_eq(pdev_process(&d), 1);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
	ck_assert_ptr_eq(token, &tok);
	ck_assert_uint_eq(len, 11);
	ck_assert_mem_eq(bufs + 4096, "PACKED RING", 11);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 0);
	libvhost_vring_unref(vr);
	close(kick);
}
END_TEST

START_TEST(test_packed_wrap)
{
	struct libvhost_vring *vr;
	struct pdev d;
	struct iovec iov[2] = { { bufs, 8 }, { bufs + 4096, 8 } };
	void *token;
	uint32_t len;
	unsigned int round, i, n;
	int toks[5];

	/* 5 entries (not a power of two), chains of 1 and 2: positions and wraps drift */
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 5, &packed_opts, &vr), 0);
	pdev_init(&d, vr, 5);
	for (round = 0; round < 20000; round++) {
		n = 0;
		for (i = 0; i < 3; i++) {
			int r = libvhost_vring_add(vr, iov, 1, (round + i) % 2, &toks[i]);

			if (r == -ENOSPC)
				break;
			ck_assert_int_eq(r, 0);
			n++;
		}
		libvhost_vring_kick(vr);
		ck_assert_uint_eq(pdev_process(&d), n);
		for (i = 0; i < n; i++) {
			ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
			ck_assert_ptr_eq(token, &toks[i]);
		}
		ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 0);
	}
	libvhost_vring_unref(vr);
}
END_TEST

START_TEST(test_packed_suppression)
{
	LIBVHOST_OPTS(libvhost_vring_opts, ev, .flags = LIBVHOST_VRING_F_PACKED |
						       LIBVHOST_VRING_F_EVENT_IDX);
	struct libvhost_vring *vr;
	struct pdev d;
	struct iovec iov = { bufs, 8 };
	void *token;
	uint32_t len;
	uint8_t *dev, *drv;
	int kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), tok = 1;

	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, &packed_opts, &vr), 0);
	libvhost_vring_set_kick_fd(vr, kick);
	pdev_init(&d, vr, 8);
	dev = d.ring + d.dev_off;
	drv = d.ring + d.drv_off;
	wr16(dev + 2, 1); /* the device disables kicks */
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 0);
	wr16(dev + 2, 0);
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 1);
	eventfd_count(kick);
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 0), 0);
	ck_assert_uint_eq(rd16(drv + 2), 1);
	pdev_process(&d);
	ck_assert_int_eq(libvhost_vring_set_interrupts(vr, 1), 1);
	ck_assert_uint_eq(rd16(drv + 2), 0);
	while (libvhost_vring_get_used(vr, &token, &len) == 1)
		;
	libvhost_vring_unref(vr);

	/* event idx: the device asks for a kick when position 3 (this lap) is passed */
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, &ev, &vr), 0);
	libvhost_vring_set_kick_fd(vr, kick);
	pdev_init(&d, vr, 8);
	dev = d.ring + d.dev_off;
	drv = d.ring + d.drv_off;
	ck_assert_uint_eq(rd16(drv + 2), 2); /* interrupts by descriptor event */
	wr16(dev, 3 | 0x8000);
	wr16(dev + 2, 2);
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 0); /* 0 -> 1 */
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 0); /* 1 -> 3 */
	libvhost_vring_add(vr, &iov, 1, 0, &tok);
	ck_assert_int_eq(libvhost_vring_kick(vr), 1); /* 3 -> 4 crosses 3 */
	ck_assert_uint_eq(eventfd_count(kick), 1);
	ck_assert_uint_eq(pdev_process(&d), 4);
	while (libvhost_vring_get_used(vr, &token, &len) == 1)
		;
	/* the driver's event follows its progress: position 4, wrap 1 */
	ck_assert_uint_eq(rd16(drv), 4 | 0x8000);
	libvhost_vring_unref(vr);
	close(kick);
}
END_TEST

START_TEST(test_packed_hostile_device)
{
	struct libvhost_vring *vr;
	struct pdev d;
	struct iovec iov = { bufs, 8 };
	void *token;
	uint32_t len;
	int tok = 1;
	static const uint16_t ids[] = { 8, 3, 0xffff };
	size_t i;

	for (i = 0; i < LVH_ARRAY_SIZE(ids); i++) {
		unsigned int errs = tu_log_errors();

		ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, &packed_opts, &vr), 0);
		pdev_init(&d, vr, 8);
		ck_assert_int_eq(libvhost_vring_add(vr, &iov, 1, 0, &tok), 0);
		libvhost_vring_kick(vr);
		/* a used entry naming a buffer that is not in flight */
		wr16(d.ring + 12, ids[i]);
		wr16(d.ring + 14, 0x8080);
		ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), -EIO);
		ck_assert_uint_gt(tu_log_errors(), errs);
		ck_assert_int_eq(libvhost_vring_add(vr, &iov, 1, 0, &tok), -EIO);
		libvhost_vring_unref(vr);
	}
	/* sizes: packed allows any count up to 32768 */
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 0, &packed_opts, &vr), -EINVAL);
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 32769, &packed_opts, &vr), -EINVAL);
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 1000, &packed_opts, &vr), 0);
	libvhost_vring_unref(vr);
}
END_TEST

/* A device that returns a buffer it was never given (added, not yet kicked). */
START_TEST(test_unpublished_used)
{
	struct libvhost_vring *vr;
	struct dev d;
	struct pdev pd;
	struct iovec iov = { .iov_base = bufs, .iov_len = 8 };
	uint32_t elem[2], len;
	void *token;
	int a = 1, b = 2;

	/* split: A published, B not; the device claims B */
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, NULL, &vr), 0);
	dev_init(&d, vr, 8, 0);
	ck_assert_int_eq(libvhost_vring_add(vr, &iov, 1, 0, &a), 0);
	libvhost_vring_kick(vr);
	ck_assert_int_eq(libvhost_vring_add(vr, &iov, 1, 0, &b), 0);
	elem[0] = htole32(1); /* B's head */
	elem[1] = 0;
	memcpy(d.ring + d.used_off + 4, elem, 8);
	wr16(d.ring + d.used_off + 2, 1);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), -EIO);
	libvhost_vring_unref(vr);

	/* packed: nothing kicked, the device marks the first slot used */
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, &packed_opts, &vr), 0);
	pdev_init(&pd, vr, 8);
	ck_assert_int_eq(libvhost_vring_add(vr, &iov, 1, 0, &a), 0);
	wr16(pd.ring + 12, 0);
	wr16(pd.ring + 14, 0x8080);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), -EIO);
	libvhost_vring_unref(vr);
}
END_TEST

/* ---- indirect descriptors ---- */

static void indirect_roundtrip(uint64_t flags)
{
	LIBVHOST_OPTS(libvhost_vring_opts, opts, .flags = flags | LIBVHOST_VRING_F_INDIRECT,
		      .indirect_max = 4);
	struct libvhost_vring *vr;
	struct iovec iov[6];
	void *token;
	uint32_t len;
	uint64_t size, plain;
	unsigned int i, served;
	int toks[8];
	struct dev sd;
	struct pdev pd;

	ck_assert_int_eq(libvhost_vring_area_size(4, &opts, &size), 0);
	opts.flags &= ~LIBVHOST_VRING_F_INDIRECT;
	opts.indirect_max = 0;
	ck_assert_int_eq(libvhost_vring_area_size(4, &opts, &plain), 0);
	/* four tables of four 16-byte entries after the ring, 16-aligned */
	ck_assert_uint_eq(size, ((plain + 15) & ~15ull) + 4 * 4 * 16);
	opts.flags |= LIBVHOST_VRING_F_INDIRECT;
	opts.indirect_max = 4;
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 4, &opts, &vr), 0);
	if (flags & LIBVHOST_VRING_F_PACKED)
		pdev_init(&pd, vr, 4);
	else
		dev_init(&sd, vr, 4, 0);

	/* four buffers of three parts each fit a 4-entry ring: one entry each */
	for (i = 0; i < 3; i++) {
		memcpy(bufs + 16 * i, "ab", 2);
		iov[i].iov_base = bufs + 16 * i;
		iov[i].iov_len = 2;
	}
	for (i = 0; i < 4; i++) {
		iov[2].iov_base = bufs + 4096 + 64 * i;
		iov[2].iov_len = 8;
		ck_assert_int_eq(libvhost_vring_add(vr, iov, 2, 1, &toks[i]), 0);
	}
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 0, &toks[4]), -ENOSPC);
	libvhost_vring_kick(vr);
	served = (flags & LIBVHOST_VRING_F_PACKED) ? pdev_process(&pd) : dev_process(&sd);
	ck_assert_uint_eq(served, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
		ck_assert_ptr_eq(token, &toks[i]);
		ck_assert_uint_eq(len, 4);
		ck_assert_mem_eq(bufs + 4096 + 64 * i, "ABAB", 4);
	}
	/* more parts than a table holds: a direct chain, needing that many entries */
	for (i = 0; i < 5; i++) {
		iov[i].iov_base = bufs + 16 * i;
		iov[i].iov_len = 1;
	}
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 4, 1, &toks[5]), -ENOSPC);
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 3, 1, &toks[5]), 0); /* 4: indirect */
	ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 0, &toks[6]), 0); /* 1: direct */
	libvhost_vring_kick(vr);
	served = (flags & LIBVHOST_VRING_F_PACKED) ? pdev_process(&pd) : dev_process(&sd);
	ck_assert_uint_eq(served, 2);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
	ck_assert_int_eq(libvhost_vring_get_used(vr, &token, &len), 1);
	libvhost_vring_unref(vr);
}

START_TEST(test_indirect_split)
{
	indirect_roundtrip(0);
}
END_TEST

START_TEST(test_indirect_packed)
{
	indirect_roundtrip(LIBVHOST_VRING_F_PACKED);
}
END_TEST

START_TEST(test_indirect_refusals)
{
	LIBVHOST_OPTS(libvhost_vring_opts, too_big, .flags = LIBVHOST_VRING_F_INDIRECT,
		      .indirect_max = 9);
	LIBVHOST_OPTS(libvhost_vring_opts, no_flag, .indirect_max = 2);
	LIBVHOST_OPTS(libvhost_vring_opts, dflt, .flags = LIBVHOST_VRING_F_INDIRECT);
	struct libvhost_vring *vr;
	uint64_t a, b;

	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, &too_big, &vr), -EINVAL);
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 8, &no_flag, &vr), -EINVAL);
	/* the default table size: min(32, ring size) */
	ck_assert_int_eq(libvhost_vring_area_size(8, &dflt, &a), 0);
	ck_assert_int_eq(libvhost_vring_area_size(8, NULL, &b), 0);
	ck_assert_uint_eq(a, ((b + 15) & ~15ull) + 8 * 8 * 16);
	ck_assert_int_eq(libvhost_vring_area_size(256, &dflt, &a), 0);
	ck_assert_int_eq(libvhost_vring_area_size(256, NULL, &b), 0);
	ck_assert_uint_eq(a, ((b + 15) & ~15ull) + 256 * 32 * 16);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vring");
	TCase *tc = tcase_create("split");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60); /* generous: loaded CI machines and valgrind are slow */
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_full_ring_and_wrap);
	tcase_add_test(tc, test_notification_suppression);
	tcase_add_test(tc, test_buffer_across_regions);
	tcase_add_test(tc, test_hostile_device);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("packed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_packed_roundtrip);
	tcase_add_test(tc, test_packed_wrap);
	tcase_add_test(tc, test_packed_suppression);
	tcase_add_test(tc, test_packed_hostile_device);
	tcase_add_test(tc, test_unpublished_used);
	suite_add_tcase(s, tc);

	tc = tcase_create("indirect");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_indirect_split);
	tcase_add_test(tc, test_indirect_packed);
	tcase_add_test(tc, test_indirect_refusals);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
