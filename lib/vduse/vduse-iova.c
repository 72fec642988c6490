/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VDUSE memory and rings.  The driver's ring and buffer addresses are IOVAs
 * of the kernel's VDUSE domain: a bounce area the kernel copies buffers
 * through, and coherent allocations (the rings).  Each IOVA region is
 * asked for when an address in it is first met (VDUSE_IOTLB_GET_FD),
 * checked, mmapped and kept in the back-end's memory table, with guest
 * address = IOVA: lib/mem owns, bounds-checks and translates it as any
 * guest memory.  The kernel's bounce area appears only at the driver's
 * first mapping (after DRIVER_OK), and a coherent allocation freed at a
 * reset is not announced: so regions are looked up lazily, and all are
 * dropped at a reset and when the kernel says the IOTLB changed.  A ring
 * whose IOVA is not there then (vhost-vdpa's user unmapped it, to map it
 * again) is paused until an UPDATE_IOTLB gives it back.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vduse.h>

#include "mem/mem.h"
#include "user/backend.h"
#include "vduse/vduse.h"

bool lvh_vduse_iotlb_entry_ok(uint64_t iova, uint64_t start, uint64_t last, uint64_t offset,
			      uint8_t perm)
{
	uint64_t size = last - start + 1, end;

	if (start > last || iova < start || iova > last)
		return false;
	if (size == 0 || size > LVH_VDUSE_REGION_MAX) /* 0: the whole 2^64 */
		return false;
	if (lvh_add_overflow_u64(offset, size, &end) || end > (uint64_t)INT64_MAX)
		return false;
	return perm >= VDUSE_ACCESS_RO && perm <= VDUSE_ACCESS_RW;
}

/* Maps the kernel's region holding @iova: 0, or a negative errno (logged at ERR: the kernel's doing). */
static int fetch(struct libvhost_vduse *v, uint64_t iova)
{
	struct vduse_iotlb_entry e = { .start = iova, .last = iova };
	void *addr;
	int fd, r;

	do
		fd = ioctl(v->fd, VDUSE_IOTLB_GET_FD, &e);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		lvh_dbg(v->ctx, "VDUSE %s: no IOVA region at %#llx: %s", v->name,
			(unsigned long long)iova, strerror(errno));
		return -errno;
	}
	if (!lvh_vduse_iotlb_entry_ok(iova, e.start, e.last, e.offset, e.perm)) {
		lvh_err(v->ctx, "VDUSE %s: the kernel's IOVA region [%#llx, %#llx] (offset %#llx, "
				"perm %u) for %#llx is unusable",
			v->name, (unsigned long long)e.start, (unsigned long long)e.last,
			(unsigned long long)e.offset, e.perm, (unsigned long long)iova);
		close(fd);
		return -EPROTO;
	}
	r = lvh_mem_map_kernel_fd(v->be->mem, e.start, e.last - e.start + 1, fd, e.offset, &addr);
	close(fd); /* the mapping keeps the domain */
	if (r < 0)
		lvh_err(v->ctx, "VDUSE %s: IOVA region [%#llx, %#llx] cannot be mapped: %s", v->name,
			(unsigned long long)e.start, (unsigned long long)e.last, strerror(-r));
	else
		lvh_dbg(v->ctx, "VDUSE %s: IOVA [%#llx, %#llx] mapped", v->name,
			(unsigned long long)e.start, (unsigned long long)e.last);
	return r;
}

static void *xl_map(void *opaque, uint64_t addr, uint64_t len, bool write, uint64_t *contig,
		    uint64_t *gpa)
{
	struct libvhost_vduse *v = opaque;
	void *p = lvh_mem_translate(v->be->mem, addr, len, contig);

	(void)write; /* the domain's file is mapped read-write; the kernel checks the driver's side */
	if (!p && fetch(v, addr) == 0)
		p = lvh_mem_translate(v->be->mem, addr, len, contig);
	*gpa = addr;
	return p;
}

static bool xl_miss(void *opaque, uint64_t addr, bool write)
{
	(void)opaque;
	(void)addr;
	(void)write;
	return false; /* asked already, at once: not there is the driver's error */
}

void lvh_vduse_xl_init(struct libvhost_vduse *v)
{
	v->xl.map = xl_map;
	v->xl.miss = xl_miss;
	v->xl.opaque = v;
}

/* A ring's part [iova, +len) in one piece, or NULL. */
static void *part(struct libvhost_vduse *v, uint64_t iova, uint64_t len)
{
	uint64_t contig = 0, gpa;
	void *p = xl_map(v, iova, len, true, &contig, &gpa);

	return p && contig >= len ? p : NULL;
}

static int ring_addrs(struct libvhost_vduse *v, unsigned int num, uint64_t d, uint64_t a,
		      uint64_t u, void **desc, void **avail, void **used)
{
	bool packed = v->be->acked & LVH_BIT(LVH_VIRTIO_F_RING_PACKED);
	uint64_t n = num;

	*desc = part(v, d, 16 * n);
	*avail = part(v, a, packed ? 4 : 6 + 2 * n);
	*used = part(v, u, packed ? 4 : 6 + 8 * n);
	return *desc && *avail && *used ? 0 : -EPROTO;
}

void lvh_vduse_iova_drop(struct libvhost_vduse *v, uint64_t first, uint64_t last)
{
	struct libvhost_backend *be = v->be;
	struct lvh_mem_info info;
	unsigned int i = 0;

	while (lvh_mem_region_info(be->mem, i, &info)) {
		if (info.gpa <= last && info.gpa + info.size - 1 >= first) {
			libvhost_mem_remove(be->mem, info.gpa);
			continue; /* the next one is at i now */
		}
		i++;
	}
	for (i = 0; i < be->queue_num; i++) {
		struct libvhost_vq *vq = &be->vqs[i];
		void *desc, *avail, *used;

		if (!vq->running)
			continue;
		if (ring_addrs(v, vq->num, vq->desc, vq->avail, vq->used, &desc, &avail, &used) < 0) {
			/*
			 * The driver took the ring's IOVA away (vhost-vdpa's
			 * user unmaps its memory and maps it again, the ring
			 * idle): not an error.  The ring waits, paused, with no
			 * memory to touch (pops take nothing, pushes and
			 * notifies wait), for the UPDATE_IOTLB that gives it back.
			 */
			lvh_dbg(v->ctx, "VDUSE %s: ring %u: its IOVA went away: paused", v->name, i);
			vq->paused = true;
			vq->ring.desc = NULL;
			vq->ring.avail = vq->ring.used = NULL;
			continue;
		}
		vq->ring.desc = desc;
		vq->ring.avail = avail;
		vq->ring.used = used;
		if (vq->paused) {
			lvh_dbg(v->ctx, "VDUSE %s: ring %u: its IOVA is back", v->name, i);
			vq->paused = false;
			lvh_be_vq_wake(vq); /* buffers the driver made available meanwhile */
		}
	}
}

static int ring_start(struct libvhost_vduse *v, struct libvhost_vq *vq)
{
	struct libvhost_backend *be = v->be;
	bool packed = be->acked & LVH_BIT(LVH_VIRTIO_F_RING_PACKED);
	bool event_idx = be->acked & LVH_BIT(LVH_VIRTIO_F_EVENT_IDX);
	struct vduse_vq_info info = { .index = vq->index };
	struct vduse_vq_eventfd kick = { .index = vq->index };
	void *desc, *avail, *used;
	int r;

	do
		r = ioctl(v->fd, VDUSE_VQ_GET_INFO, &info);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -errno;
		lvh_err(v->ctx, "VDUSE %s: VDUSE_VQ_GET_INFO %u: %s", v->name, vq->index,
			strerror(-r));
		return r;
	}
	if (!info.ready)
		return 0;
	if (!info.num || info.num > 32768 || (!packed && (info.num & (info.num - 1)))) {
		lvh_err(v->ctx, "VDUSE %s: ring %u: size %u", v->name, vq->index, info.num);
		return -EPROTO;
	}
	if (ring_addrs(v, info.num, info.desc_addr, info.driver_addr, info.device_addr, &desc,
		       &avail, &used) < 0) {
		lvh_err(v->ctx, "VDUSE %s: ring %u: its addresses (%#llx, %#llx, %#llx) are not "
				"in the IOVA domain",
			v->name, vq->index, (unsigned long long)info.desc_addr,
			(unsigned long long)info.driver_addr, (unsigned long long)info.device_addr);
		return -EPROTO;
	}
	vq->num = info.num;
	vq->desc = info.desc_addr;
	vq->avail = info.driver_addr;
	vq->used = info.device_addr;
	vq->base = packed ? (uint32_t)(info.packed.last_avail_idx & 0x7fff) |
				    (uint32_t)(info.packed.last_avail_counter ? 1u << 15 : 0)
			  : info.split.avail_index;
	r = packed ? lvh_vq_packed_init(&vq->ring, be->ctx, be->mem, vq->index, vq->num, desc,
					avail, used, event_idx, vq->base)
		   : lvh_vq_split_init(&vq->ring, be->ctx, be->mem, vq->index, vq->num, desc,
				       avail, used, event_idx, (uint16_t)vq->base);
	if (r < 0) {
		lvh_err(v->ctx, "VDUSE %s: ring %u: size %u or alignment refused", v->name,
			vq->index, vq->num);
		return r == -EINVAL ? -EPROTO : r;
	}
	vq->ring.xl = &v->xl;
	vq->running = true;
	lvh_vq_set_notify(&vq->ring, !vq->kicks_off);
	vq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vq->kick_fd < 0) {
		r = -errno;
		lvh_be_vq_reset(vq);
		return r;
	}
	kick.fd = vq->kick_fd;
	if (ioctl(v->fd, VDUSE_VQ_SETUP_KICKFD, &kick) < 0) {
		r = -errno;
		lvh_err(v->ctx, "VDUSE %s: VDUSE_VQ_SETUP_KICKFD %u: %s", v->name, vq->index,
			strerror(-r));
		lvh_be_vq_reset(vq);
		return r;
	}
	vq->started = vq->enabled = true;
	lvh_dbg(v->ctx, "VDUSE %s: ring %u started: %u entries at %#llx, base %u", v->name,
		vq->index, vq->num, (unsigned long long)vq->desc, vq->base);
	if (be->ops.queue_started) {
		r = be->ops.queue_started(be->userdata, vq);
		if (r < 0)
			return r;
	}
	return 0;
}

int lvh_vduse_rings_start(struct libvhost_vduse *v)
{
	unsigned int i;
	int r;

	for (i = 0; i < v->be->queue_num; i++) {
		r = ring_start(v, &v->be->vqs[i]);
		if (r < 0) {
			lvh_vduse_rings_stop(v);
			return r;
		}
	}
	return 0;
}

void lvh_vduse_rings_stop(struct libvhost_vduse *v)
{
	struct libvhost_backend *be = v->be;
	unsigned int i;

	for (i = 0; i < be->queue_num; i++) {
		struct libvhost_vq *vq = &be->vqs[i];
		struct vduse_vq_eventfd kick = { .index = i, .fd = VDUSE_EVENTFD_DEASSIGN };

		if (vq->started && be->ops.queue_stopped)
			be->ops.queue_stopped(be->userdata, vq);
		if (vq->kick_fd >= 0 && ioctl(v->fd, VDUSE_VQ_SETUP_KICKFD, &kick) < 0)
			lvh_dbg(v->ctx, "VDUSE %s: kick fd %u: %s", v->name, i, strerror(errno));
		lvh_be_vq_reset(vq);
	}
}
