/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Driver-side virtqueues, split or packed, in guest memory of a libvhost_mem
 * table: the public API, buffer splitting and notification.  The layouts
 * live in vring-split.c and vring-packed.c.  The device is not trusted:
 * chains are tracked in private memory, never read back from the ring.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ring/vring.h"

#define FLAGS_KNOWN \
	(LIBVHOST_VRING_F_EVENT_IDX | LIBVHOST_VRING_F_PACKED | LIBVHOST_VRING_F_INDIRECT)

/* Where everything goes for a ring of num entries with these options. */
struct geometry {
	const struct lvh_vring_ops *ops;
	uint64_t flags, avail_off, used_off, ind_off, size;
	unsigned int indirect_max;
};

static int geometry(const struct libvhost_ctx *ctx, unsigned int num,
		    const struct libvhost_vring_opts *opts, struct geometry *g)
{
	uint64_t ind;
	int r;

	r = LVH_OPTS_VALID(ctx, opts, libvhost_vring_opts);
	if (r < 0)
		return r;
	g->flags = LVH_OPTS_GET(opts, flags, 0);
	ind = LVH_OPTS_GET(opts, indirect_max, 0);
	g->ops = (g->flags & LIBVHOST_VRING_F_PACKED) ? &lvh_vring_packed_ops : &lvh_vring_split_ops;
	if ((g->flags & ~FLAGS_KNOWN) || !g->ops->num_ok(num) ||
	    (ind && !(g->flags & LIBVHOST_VRING_F_INDIRECT)) || ind > num) {
		lvh_dbg(ctx, "%s vring of %u entries, flags 0x%" PRIx64 ", %" PRIu64
			" indirect: bad size (split: a power of two; both: at most 32768), flags, or indirect table size (at most the ring's)",
			(g->flags & LIBVHOST_VRING_F_PACKED) ? "packed" : "split", num, g->flags,
			ind);
		return -EINVAL;
	}
	g->indirect_max = 0;
	if (g->flags & LIBVHOST_VRING_F_INDIRECT)
		g->indirect_max = ind ? (unsigned int)ind
				      : (num < LVH_VRING_INDIRECT_DEFAULT ? num : LVH_VRING_INDIRECT_DEFAULT);
	g->ops->layout(num, &g->avail_off, &g->used_off, &g->size);
	g->ind_off = (g->size + 15) & ~15ull;
	if (g->indirect_max)
		g->size = g->ind_off + 16ull * g->indirect_max * num;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vring_area_size(unsigned int num,
					     const struct libvhost_vring_opts *opts,
					     uint64_t *ret_bytes)
{
	struct geometry g;
	int r;

	if (!ret_bytes)
		return -EINVAL;
	r = geometry(NULL, num, opts, &g);
	if (r < 0)
		return r;
	*ret_bytes = g.size;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vring_new(struct libvhost_mem *mem, uint64_t guest_addr,
				       unsigned int num, const struct libvhost_vring_opts *opts,
				       struct libvhost_vring **ret)
{
	struct libvhost_vring *vr;
	struct geometry g;
	int r;

	if (!mem || !ret)
		return -EINVAL;
	r = geometry(lvh_mem_ctx(mem), num, opts, &g);
	if (r < 0)
		return r;
	if (guest_addr & 15) {
		lvh_dbg(lvh_mem_ctx(mem), "vring at 0x%" PRIx64 ": not 16-byte aligned", guest_addr);
		return -EINVAL;
	}
	vr = calloc(1, sizeof(*vr));
	if (!vr)
		return -ENOMEM;
	vr->refcount = 1;
	vr->ops = g.ops;
	vr->ctx = lvh_mem_ctx(mem);
	vr->num = num;
	vr->gpa = guest_addr;
	vr->kick_fd = -1;
	vr->event_idx = g.flags & LIBVHOST_VRING_F_EVENT_IDX;
	vr->interrupts = true;
	vr->avail_off = g.avail_off;
	vr->used_off = g.used_off;
	vr->ind_off = g.ind_off;
	vr->indirect_max = g.indirect_max;
	vr->size = g.size;
	vr->base = lvh_mem_translate(mem, guest_addr, vr->size, NULL);
	if (!vr->base) {
		lvh_dbg(vr->ctx, "vring of %u entries: %" PRIu64 " bytes at guest 0x%" PRIx64
			" are not in one region of the table", num, vr->size, guest_addr);
		free(vr);
		return -EINVAL;
	}
	vr->pieces = calloc(num, sizeof(*vr->pieces));
	vr->token = calloc(num, sizeof(*vr->token));
	vr->chain = calloc(num, sizeof(*vr->chain));
	vr->next = calloc(num, sizeof(*vr->next));
	vr->pending = calloc(num, sizeof(*vr->pending));
	vr->pending_flags = calloc(num, sizeof(*vr->pending_flags));
	vr->pending_id = calloc(num, sizeof(*vr->pending_id));
	vr->published = calloc(num, sizeof(*vr->published));
	vr->mem = libvhost_mem_ref(mem);
	if (!vr->pieces || !vr->token || !vr->chain || !vr->next || !vr->pending ||
	    !vr->pending_flags || !vr->pending_id || !vr->published) {
		libvhost_vring_unref(vr);
		return -ENOMEM;
	}
	memset(vr->base, 0, vr->size);
	vr->num_free = (uint16_t)num;
	vr->ops->init(vr);
	*ret = vr;
	return 0;
}

LIBVHOST_EXPORT struct libvhost_vring *libvhost_vring_ref(struct libvhost_vring *vring)
{
	if (vring)
		vring->refcount++;
	return vring;
}

LIBVHOST_EXPORT struct libvhost_vring *libvhost_vring_unref(struct libvhost_vring *vring)
{
	if (!vring || --vring->refcount > 0)
		return NULL;
	free(vring->pieces);
	free(vring->token);
	free(vring->chain);
	free(vring->next);
	free(vring->pending);
	free(vring->pending_flags);
	free(vring->pending_id);
	free(vring->published);
	libvhost_mem_unref(vring->mem);
	free(vring);
	return NULL;
}

LIBVHOST_EXPORT int libvhost_vring_get_addrs(const struct libvhost_vring *vring, int guest,
					     uint64_t *desc, uint64_t *avail, uint64_t *used)
{
	uint64_t base;

	if (!vring)
		return -EINVAL;
	base = guest ? vring->gpa : (uint64_t)(uintptr_t)vring->base;
	if (desc)
		*desc = base;
	if (avail)
		*avail = base + vring->avail_off;
	if (used)
		*used = base + vring->used_off;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vring_get_num(const struct libvhost_vring *vring)
{
	return vring ? (int)vring->num : -EINVAL;
}

/*
 * Where the device resumes: every buffer before the oldest unreaped one is
 * done, so both halves of the packed form name the same position.
 */
LIBVHOST_EXPORT int libvhost_vring_get_base(const struct libvhost_vring *vring,
					    uint32_t *ret_base)
{
	uint32_t pos;

	if (!vring || !ret_base)
		return -EINVAL;
	if (vring->ops == &lvh_vring_packed_ops) {
		pos = vring->last_used_pos | (uint32_t)vring->used_wrap << 15;
		*ret_base = pos | pos << 16;
	} else {
		*ret_base = vring->last_used;
	}
	return 0;
}

bool lvh_vring_is_packed(const struct libvhost_vring *vring)
{
	return vring->ops == &lvh_vring_packed_ops;
}

LIBVHOST_EXPORT int libvhost_vring_set_kick_fd(struct libvhost_vring *vring, int fd)
{
	if (!vring || fd < -1)
		return -EINVAL;
	vring->kick_fd = fd;
	return 0;
}

/* Splits the buffer into region-contiguous pieces; -ENOSPC past num_free. */
static int make_pieces(struct libvhost_vring *vr, const struct iovec *iov, unsigned int nout,
		       unsigned int n, unsigned int *count)
{
	unsigned int i, c = 0;

	for (i = 0; i < n; i++) {
		uint64_t uva = (uint64_t)(uintptr_t)iov[i].iov_base, left = iov[i].iov_len;

		if (left == 0 || lvh_range_overflows(uva, left)) {
			lvh_dbg(vr->ctx, "buffer part %u: %zu bytes at %p", i, iov[i].iov_len,
				iov[i].iov_base);
			return -EINVAL;
		}
		while (left) {
			uint64_t gpa, contig, chunk;

			if (lvh_mem_guest_addr_contig(vr->mem, uva, &gpa, &contig) < 0) {
				lvh_dbg(vr->ctx, "buffer part %u at %p is not in guest memory", i,
					iov[i].iov_base);
				return -EINVAL;
			}
			if (c == vr->num) {
				lvh_dbg(vr->ctx, "vring: a buffer of more than %u descriptors", vr->num);
				return -ENOSPC;
			}
			/* a descriptor's length is 32 bits */
			chunk = contig < left ? contig : left;
			if (chunk > UINT32_MAX)
				chunk = UINT32_MAX;
			vr->pieces[c].gpa = gpa;
			vr->pieces[c].len = (uint32_t)chunk;
			vr->pieces[c].flags = i >= nout ? LVH_DESC_F_WRITE : 0;
			c++;
			uva += chunk;
			left -= chunk;
		}
	}
	*count = c;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vring_add(struct libvhost_vring *vring, const struct iovec *iov,
				       unsigned int nout, unsigned int nin, void *token)
{
	unsigned int n = nout + nin, count, used;
	bool indirect;
	int r;

	if (!vring || !iov || !token || n == 0 || n < nout)
		return -EINVAL;
	if (vring->broken)
		return -EIO;
	r = make_pieces(vring, iov, nout, n, &count);
	if (r < 0)
		return r;
	/* one ring entry for a whole chain when an indirect table can hold it */
	indirect = count > 1 && count <= vring->indirect_max;
	used = indirect ? 1 : count;
	if (used > vring->num_free) {
		lvh_dbg(vring->ctx, "vring: %u descriptors needed, %u free", used, vring->num_free);
		return -ENOSPC;
	}
	/*
	 * Bounded by num: a buffer's descriptors come back only once it was
	 * published (get_used checks), so at most num buffers await a kick.
	 */
	vring->pending_id[vring->num_added] = vring->ops->add(vring, count, indirect, token);
	vring->num_free = (uint16_t)(vring->num_free - used);
	vring->num_added++;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vring_kick(struct libvhost_vring *vring)
{
	uint64_t one = 1;
	unsigned int i;
	bool notify;

	if (!vring)
		return -EINVAL;
	if (!vring->num_added)
		return 0;
	notify = vring->ops->publish(vring);
	for (i = 0; i < vring->num_added; i++)
		vring->published[vring->pending_id[i]] = 1;
	vring->num_added = 0;
	if (!notify || vring->kick_fd < 0)
		return 0;
	while (write(vring->kick_fd, &one, sizeof(one)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 1; /* the counter is saturated: the device has a kick pending */
		lvh_dbg(vring->ctx, "vring: kick: %s", strerror(errno));
		return -errno;
	}
	return 1;
}

int lvh_vring_broken(struct libvhost_vring *vr, const char *why, unsigned int v)
{
	vr->broken = true;
	lvh_err(vr->ctx, "vring: the device %s (%u); the ring is broken", why, v);
	return -EIO;
}

LIBVHOST_EXPORT int libvhost_vring_get_used(struct libvhost_vring *vring, void **ret_token,
					    uint32_t *ret_len)
{
	uint32_t len;
	int r;

	if (!vring || !ret_token)
		return -EINVAL;
	if (vring->broken)
		return -EIO;
	r = vring->ops->get_used(vring, ret_token, &len);
	if (r > 0 && ret_len)
		*ret_len = len;
	return r;
}

LIBVHOST_EXPORT int libvhost_vring_set_interrupts(struct libvhost_vring *vring, int enable)
{
	if (!vring)
		return -EINVAL;
	vring->interrupts = enable;
	return vring->ops->set_interrupts(vring, enable);
}
