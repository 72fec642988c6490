/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device IOTLB (VIRTIO_F_ACCESS_PLATFORM): ring and buffer addresses are
 * I/O virtual addresses, which the front-end maps to its user addresses with
 * IOTLB_MSG updates and takes back with invalidations.  An address with no
 * entry is reported on the back-end channel as a miss (once until the next
 * update, without waiting for an ack: the front-end answers a miss with an
 * update on the main socket, which this thread must be free to read); the
 * pop that met it takes nothing, and the ring is kicked when an update
 * arrives, so device code needs no IOTLB logic of its own.
 *
 * The entries are a sorted array of at most BE_IOTLB_MAX, never
 * overlapping: an update replaces what it covers.  Permissions are
 * enforced: a write needs WO, a read RO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "proto/msg-iotlb.h"
#include "user/backend.h"

#define BE_IOTLB_MAX 4096u

static void *xl_map(void *opaque, uint64_t addr, uint64_t len, bool write, uint64_t *contig,
		    uint64_t *gpa)
{
	return lvh_be_iotlb_map(opaque, addr, len, write, contig, gpa);
}

static bool xl_miss(void *opaque, uint64_t addr, bool write)
{
	return lvh_be_iotlb_miss(opaque, addr, write);
}

void lvh_be_iotlb_init(struct libvhost_backend *be)
{
	be->xl.map = xl_map;
	be->xl.miss = xl_miss;
	be->xl.opaque = be;
}

bool lvh_be_iotlb_on(const struct libvhost_backend *be)
{
	return be->acked & LVH_BIT(LIBVHOST_F_ACCESS_PLATFORM);
}

void lvh_be_iotlb_clear(struct libvhost_backend *be)
{
	be->iotlb_n = 0;
	be->iotlb_missed = 0;
}

/* The first entry that ends after @iova. */
static unsigned int find(const struct libvhost_backend *be, uint64_t iova)
{
	unsigned int lo = 0, hi = be->iotlb_n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct be_iotlb_entry *e = &be->iotlb[mid];

		if (iova - e->iova >= e->size && iova > e->iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *lvh_be_iotlb_map(struct libvhost_backend *be, uint64_t iova, uint64_t len, bool write,
		       uint64_t *contig, uint64_t *gpa)
{
	unsigned int i = find(be, iova);
	const struct be_iotlb_entry *e;
	uint64_t off, qcontig;
	void *p;

	(void)len;
	if (i == be->iotlb_n)
		return NULL;
	e = &be->iotlb[i];
	if (iova < e->iova || !(e->perm & (write ? LVH_IOTLB_PERM_WO : LVH_IOTLB_PERM_RO)))
		return NULL;
	off = iova - e->iova;
	p = lvh_mem_qva_map(be->mem, e->uaddr + off, &qcontig, gpa);
	if (!p)
		return NULL;
	*contig = e->size - off < qcontig ? e->size - off : qcontig;
	return p;
}

bool lvh_be_iotlb_miss(struct libvhost_backend *be, uint64_t iova, bool write)
{
	struct lvh_iotlb t = { .iova = iova, .perm = write ? LVH_IOTLB_PERM_WO : LVH_IOTLB_PERM_RO,
			       .type = LVH_IOTLB_MISS };
	struct lvh_msg m;

	if (be->iotlb_missed == iova + 1)
		return true; /* asked already; the update is on its way */
	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_IOTLB_MSG, 0);
	if (lvh_msg_encode_iotlb(&m, LVH_DIR_BACKEND, &t) < 0 || lvh_be_chan_call(be, &m) < 0) {
		lvh_err(be->ctx, "vhost-user back-end: IOVA %#llx is not mapped and the miss "
				 "cannot be reported",
			(unsigned long long)iova);
		return false;
	}
	lvh_dbg(be->ctx, "vhost-user back-end: IOTLB miss at %#llx", (unsigned long long)iova);
	be->iotlb_missed = iova + 1;
	__atomic_fetch_add(&be->stats.iotlb_misses, 1, __ATOMIC_RELAXED);
	return true;
}

/* Takes [iova, end] (inclusive, so a range may reach 2^64 - 1) out of the table. */
static int remove_range(struct libvhost_backend *be, uint64_t iova, uint64_t last)
{
	unsigned int i = find(be, iova);

	while (i < be->iotlb_n && be->iotlb[i].iova <= last) {
		struct be_iotlb_entry *e = &be->iotlb[i];
		uint64_t e_last = e->iova + (e->size - 1);

		if (e->iova < iova && e_last > last) {
			/* the hole is inside: split in two */
			struct be_iotlb_entry tail = *e;

			if (be->iotlb_n == be->iotlb_cap)
				return -ENOSPC;
			tail.iova = last + 1;
			tail.uaddr += tail.iova - e->iova;
			tail.size = e_last - last;
			e->size = iova - e->iova;
			memmove(&be->iotlb[i + 2], &be->iotlb[i + 1],
				(be->iotlb_n - i - 1) * sizeof(*e));
			be->iotlb[i + 1] = tail;
			be->iotlb_n++;
			return 0;
		}
		if (e->iova < iova) {
			e->size = iova - e->iova;
			i++;
		} else if (e_last > last) {
			e->uaddr += last + 1 - e->iova;
			e->size = e_last - last;
			e->iova = last + 1;
			i++;
		} else {
			memmove(e, e + 1, (be->iotlb_n - i - 1) * sizeof(*e));
			be->iotlb_n--;
		}
	}
	return 0;
}

static int insert(struct libvhost_backend *be, const struct lvh_iotlb *t)
{
	unsigned int i;
	int r;

	if (!be->iotlb) {
		be->iotlb = calloc(BE_IOTLB_MAX, sizeof(*be->iotlb));
		if (!be->iotlb)
			return -ENOMEM;
		be->iotlb_cap = BE_IOTLB_MAX;
	}
	r = remove_range(be, t->iova, t->iova + (t->size - 1));
	if (r < 0 || be->iotlb_n == be->iotlb_cap) {
		lvh_err(be->ctx, "vhost-user back-end: IOTLB full (%u entries)", be->iotlb_cap);
		return -ENOSPC;
	}
	i = find(be, t->iova);
	memmove(&be->iotlb[i + 1], &be->iotlb[i], (be->iotlb_n - i) * sizeof(*be->iotlb));
	be->iotlb[i] = (struct be_iotlb_entry){ t->iova, t->size, t->uaddr, t->perm };
	be->iotlb_n++;
	return 0;
}

static int iotlb_update(struct libvhost_backend *be, const struct lvh_iotlb *t)
{
	int r;

	lvh_dbg(be->ctx, "vhost-user back-end: IOTLB update of %#llx (+%#llx) at %#llx, perm %u",
		(unsigned long long)t->iova, (unsigned long long)t->size,
		(unsigned long long)t->uaddr, t->perm);
	if (!t->size || lvh_range_overflows(t->iova, t->size) ||
	    lvh_range_overflows(t->uaddr, t->size) || t->perm == LVH_IOTLB_PERM_NONE) {
		lvh_err(be->ctx, "vhost-user back-end: IOTLB update of %llu bytes at %#llx "
				 "(perm %u) refused",
			(unsigned long long)t->size, (unsigned long long)t->iova, t->perm);
		return -EINVAL;
	}
	r = insert(be, t);
	if (r < 0)
		return r;
	be->iotlb_missed = 0;
	be->stats.iotlb_updates++;
	return 0;
}

static int iotlb_invalidate(struct libvhost_backend *be, const struct lvh_iotlb *t)
{
	int r;

	lvh_dbg(be->ctx, "vhost-user back-end: IOTLB invalidation of %#llx (+%#llx)",
		(unsigned long long)t->iova, (unsigned long long)t->size);
	/*
	 * Size 0 is 2^64 wrapped (QEMU's addr_mask + 1 for a notifier over
	 * the whole space: its flush of a domain); the kernel's iova + size - 1
	 * reads it so too.  Taking it for nothing kept every entry the guest
	 * had let go of, and the guest reuses those IOVAs for other pages.
	 */
	r = remove_range(be, t->iova,
			 !t->size || lvh_range_overflows(t->iova, t->size) ? UINT64_MAX
									   : t->iova + (t->size - 1));
	if (r < 0)
		return r;
	be->stats.iotlb_invalidations++;
	return 0;
}

int lvh_be_iotlb_msg(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_iotlb t;
	int r = lvh_msg_decode_iotlb(be->ctx, m, LVH_DIR_FRONTEND, &t);

	if (r < 0)
		return r;
	if (!lvh_be_iotlb_on(be)) {
		lvh_err(be->ctx, "vhost-user back-end: IOTLB_MSG without ACCESS_PLATFORM");
		return -EPROTO;
	}
	switch (t.type) {
	case LVH_IOTLB_UPDATE:
		r = iotlb_update(be, &t);
		break;
	case LVH_IOTLB_INVALIDATE:
		r = iotlb_invalidate(be, &t);
		break;
	default:
		lvh_err(be->ctx, "vhost-user back-end: IOTLB_MSG of type %u from the front-end",
			t.type);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	return t.type == LVH_IOTLB_UPDATE;
}
