/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inflight tracking (INFLIGHT_SHMFD).  The back-end keeps, in an area the
 * front-end holds on to across back-end restarts, a record of every buffer
 * the device took and has not returned, so that a back-end started again
 * on the same rings takes those buffers again, first, in their old order.
 *
 * The layout is libvhost's own (the front-end never reads it); per ring a
 * 32-byte header and one 32-byte entry per ring entry, the sizes the spec's
 * example layout has.  Split rings use the entry of a buffer's head index:
 * taken at pop, cleared once the used index that returns it is published.
 * Packed rings keep a copy of each descriptor of a buffer in entries from a
 * free list (the driver may reuse ring slots while a buffer is in flight),
 * marked "completing" with the used position while its used entry is
 * written; a used entry reached the driver if its USED bit says so.
 *
 * At run time the area is only written: the free list and the resubmit
 * order live in our memory.  It is read once, when a ring starts, and every
 * value read is checked (a front-end may hand back anything).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ring/vq.h"
#include "ring/vring.h"

#define IFL_MAGIC 0x314c464e49484c56ull /* "LVHINFL1" */
#define IFL_VERSION 1
#define NONE 0xffffu

struct ifl_hdr {
	uint64_t magic;
	uint16_t version;
	uint16_t desc_num; /* the ring's size */
	uint16_t used; /* split: the used index last published; packed: position | wrap << 15 */
	uint16_t packed;
	uint64_t counter; /* the last order number given */
	uint64_t reserved;
};

struct ifl_entry {
	uint8_t inflight; /* split: at the head's index; packed: on a chain's first entry */
	uint8_t completing; /* packed: its used entry is being written at done_at */
	uint16_t next; /* packed: the chain's next entry */
	uint16_t num; /* packed: ring entries the buffer took */
	uint16_t id; /* packed: the buffer id */
	uint16_t flags; /* packed: a copy of the descriptor */
	uint16_t done_at;
	uint32_t len;
	uint64_t addr;
	uint64_t counter; /* the order the buffer was taken in */
};

_Static_assert(sizeof(struct ifl_hdr) == 32, "inflight header layout");
_Static_assert(sizeof(struct ifl_entry) == 32, "inflight entry layout");

struct lvh_ifl {
	struct ifl_hdr *hdr;
	struct ifl_entry *e;
	uint16_t *free; /* packed: a stack of free entries */
	unsigned int nfree;
	uint16_t *head; /* packed: per buffer id, its first entry */
	uint16_t *pending; /* split: heads pushed since the last publish */
	unsigned int npending;
	uint16_t *resub; /* ids to take again, in order */
	unsigned int nresub, at;
};

uint64_t lvh_vq_inflight_area_size(unsigned int num)
{
	return sizeof(struct ifl_hdr) + (uint64_t)num * sizeof(struct ifl_entry);
}

static void store_rel8(uint8_t *p, uint8_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void store_rel16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void reset_area(struct lvh_vq *vq, struct lvh_ifl *f, bool packed)
{
	unsigned int i;

	memset(f->hdr, 0, lvh_vq_inflight_area_size(vq->num));
	f->hdr->desc_num = (uint16_t)vq->num;
	f->hdr->packed = packed;
	f->hdr->used = (uint16_t)(vq->used_idx | (packed && vq->used_wrap ? LVH_EVENT_WRAP : 0));
	f->hdr->version = IFL_VERSION;
	__atomic_store_n(&f->hdr->magic, IFL_MAGIC, __ATOMIC_RELEASE);
	f->nfree = 0;
	for (i = vq->num; i-- > 0;)
		f->free[f->nfree++] = (uint16_t)i;
}

/* Sorts the resubmit list by the counters of @key's entries (insertion sort: short lists). */
static void sort_resub(struct lvh_ifl *f, const uint16_t *key)
{
	unsigned int i, j;

	for (i = 1; i < f->nresub; i++) {
		uint16_t v = f->resub[i];
		uint64_t c = f->e[key ? key[v] : v].counter;

		for (j = i; j > 0 && f->e[key ? key[f->resub[j - 1]] : f->resub[j - 1]].counter > c;
		     j--)
			f->resub[j] = f->resub[j - 1];
		f->resub[j] = v;
	}
}

/* Split: what the area and the ring's used index say; false if they do not agree. */
static bool resume_split(struct lvh_vq *vq, struct lvh_ifl *f)
{
	uint16_t ring_used = le16toh(__atomic_load_n(&vq->used[1], __ATOMIC_ACQUIRE));
	uint16_t done = (uint16_t)(ring_used - f->hdr->used), k;
	unsigned int i;

	if (done > vq->num)
		return false;
	/* the last publish reached the ring but not the area: those heads are done */
	for (k = 0; k < done; k++) {
		uint32_t id = le32toh(*(uint32_t *)&vq->used[2 + 4 * ((f->hdr->used + k) & (vq->num - 1))]);

		if (id < vq->num)
			f->e[id].inflight = 0;
	}
	f->nresub = 0;
	for (i = 0; i < vq->num; i++) {
		if (f->e[i].inflight != 1 && f->e[i].inflight != 0)
			return false;
		if (f->e[i].inflight) {
			f->resub[f->nresub++] = (uint16_t)i;
			vq->inflight[i] = 1;
		}
	}
	sort_resub(f, NULL);
	vq->used_idx = ring_used;
	vq->published = ring_used;
	vq->last_avail = (uint16_t)(ring_used + f->nresub);
	vq->avail_pending = 0;
	f->hdr->used = ring_used;
	return true;
}

/* Packed: the chains in the area, checked; the used position they imply. */
static bool resume_packed(struct lvh_vq *vq, struct lvh_ifl *f)
{
	uint8_t *seen = calloc(vq->num, 1);
	uint16_t pos = f->hdr->used & 0x7fff, head;
	bool wrap = f->hdr->used & LVH_EVENT_WRAP, ok = false;
	unsigned int i, k, total = 0;

	if (!seen || pos >= vq->num)
		goto out;
	f->nresub = 0;
	for (i = 0; i < vq->num; i++) {
		struct ifl_entry *h = &f->e[i];

		if (!h->inflight)
			continue;
		if (h->inflight != 1 || !h->num || h->num > vq->num || h->id >= vq->num ||
		    vq->inflight[h->id] || seen[i])
			goto out;
		/* its entries: each in range, none in two chains */
		for (k = 0, head = (uint16_t)i; k < h->num; k++) {
			if (head >= vq->num || seen[head])
				goto out;
			seen[head] = 1;
			head = f->e[head].next;
		}
		vq->inflight[h->id] = h->num;
		f->head[h->id] = (uint16_t)i;
		/* a used entry written at the committed position and seen by the driver: done */
		if (h->completing && h->done_at == f->hdr->used &&
		    !!(le16toh(*lvh_packed_flags_at(vq->desc, pos)) & LVH_DESC_F_USED) == wrap) {
			vq->inflight[h->id] = 0;
			h->inflight = 0;
			lvh_ring_advance(&pos, &wrap, h->num, vq->num);
			for (k = 0, head = (uint16_t)i; k < h->num; k++, head = f->e[head].next)
				seen[head] = 0;
			continue;
		}
		h->completing = 0;
		f->resub[f->nresub++] = h->id;
		total += h->num;
	}
	if (total > vq->num)
		goto out;
	sort_resub(f, f->head);
	f->nfree = 0;
	for (i = vq->num; i-- > 0;)
		if (!seen[i])
			f->free[f->nfree++] = (uint16_t)i;
	vq->used_idx = pos;
	vq->used_wrap = wrap;
	f->hdr->used = (uint16_t)(pos | (wrap ? LVH_EVENT_WRAP : 0));
	lvh_ring_advance(&pos, &wrap, total, vq->num);
	vq->last_avail = pos;
	vq->avail_wrap = wrap;
	ok = true;
out:
	free(seen);
	return ok;
}

static void ifl_free(struct lvh_ifl *f)
{
	if (!f)
		return;
	free(f->free);
	free(f->head);
	free(f->pending);
	free(f->resub);
	free(f);
}

int lvh_vq_inflight_attach(struct lvh_vq *vq, void *area)
{
	bool packed = vq->ops->packed;
	struct lvh_ifl *f = calloc(1, sizeof(*f));
	unsigned int i;

	if (!f)
		return -ENOMEM;
	f->free = calloc(vq->num, sizeof(*f->free));
	f->head = calloc(vq->num, sizeof(*f->head));
	f->pending = calloc(vq->num, sizeof(*f->pending));
	f->resub = calloc(vq->num, sizeof(*f->resub));
	if (!f->free || !f->head || !f->pending || !f->resub) {
		ifl_free(f);
		return -ENOMEM;
	}
	f->hdr = area;
	f->e = (struct ifl_entry *)(f->hdr + 1);
	ifl_free(vq->ifl);
	vq->ifl = f;
	vq->ntaken = 0; /* what was taken before is not put back through the area */
	vq->taken_at = 0;
	if (f->hdr->magic != IFL_MAGIC) {
		reset_area(vq, f, packed);
		return 0;
	}
	if (f->hdr->version == IFL_VERSION && f->hdr->desc_num == vq->num &&
	    f->hdr->packed == packed && (packed ? resume_packed(vq, f) : resume_split(vq, f))) {
		if (f->nresub)
			lvh_info(vq->ctx, "vq %u: %u buffers were in flight: taking them again",
				 vq->index, f->nresub);
		return (int)f->nresub;
	}
	lvh_notice(vq->ctx, "vq %u: the inflight area does not describe this ring: reset",
		   vq->index);
	for (i = 0; i < vq->num; i++)
		vq->inflight[i] = 0;
	f->nresub = 0;
	reset_area(vq, f, packed);
	return 0;
}

void lvh_ifl_detach(struct lvh_vq *vq)
{
	ifl_free(vq->ifl);
	vq->ifl = NULL;
}

bool lvh_ifl_resubmit_pending(const struct lvh_vq *vq)
{
	return vq->ifl && vq->ifl->at != vq->ifl->nresub;
}

int lvh_ifl_next_resubmit(struct lvh_vq *vq, uint16_t *id)
{
	struct lvh_ifl *f = vq->ifl;

	if (!f || f->at == f->nresub)
		return 0;
	*id = f->resub[f->at];
	return 1;
}

void lvh_ifl_resubmitted(struct lvh_vq *vq)
{
	vq->ifl->at++;
}

void lvh_ifl_unresubmitted(struct lvh_vq *vq)
{
	vq->ifl->at--;
}

/* ---- split ---- */

void lvh_ifl_split_taken(struct lvh_vq *vq, uint16_t head)
{
	struct lvh_ifl *f = vq->ifl;

	f->e[head].counter = ++f->hdr->counter;
	store_rel8(&f->e[head].inflight, 1);
}

void lvh_ifl_split_untaken(struct lvh_vq *vq, uint16_t head)
{
	store_rel8(&vq->ifl->e[head].inflight, 0);
}

void lvh_ifl_split_pushed(struct lvh_vq *vq, uint16_t head)
{
	struct lvh_ifl *f = vq->ifl;

	if (f->npending < vq->num)
		f->pending[f->npending++] = head;
}

void lvh_ifl_split_published(struct lvh_vq *vq)
{
	struct lvh_ifl *f = vq->ifl;
	unsigned int i;

	for (i = 0; i < f->npending; i++)
		store_rel8(&f->e[f->pending[i]].inflight, 0);
	f->npending = 0;
	store_rel16(&f->hdr->used, vq->used_idx);
}

/* ---- packed ---- */

int lvh_ifl_packed_note(struct lvh_vq *vq, uint16_t *first, uint16_t *last, uint64_t addr,
			uint32_t len, uint16_t flags)
{
	struct lvh_ifl *f = vq->ifl;
	struct ifl_entry *e;
	uint16_t i;

	if (!f->nfree)
		return lvh_vq_break(vq, "more descriptors in flight than the ring has", vq->num);
	i = f->free[--f->nfree];
	e = &f->e[i];
	e->inflight = 0;
	e->completing = 0;
	e->addr = addr;
	e->len = len;
	e->flags = flags;
	e->next = NONE;
	if (*first == NONE)
		*first = i;
	else
		f->e[*last].next = i;
	*last = i;
	return 0;
}

void lvh_ifl_packed_abort(struct lvh_vq *vq, uint16_t first, unsigned int n)
{
	struct lvh_ifl *f = vq->ifl;

	while (n-- && first != NONE) {
		f->free[f->nfree++] = first;
		first = f->e[first].next;
	}
}

void lvh_ifl_packed_taken(struct lvh_vq *vq, uint16_t first, uint16_t id, uint16_t num)
{
	struct lvh_ifl *f = vq->ifl;
	struct ifl_entry *h = &f->e[first];

	h->id = id;
	h->num = num;
	h->counter = ++f->hdr->counter;
	f->head[id] = first;
	store_rel8(&h->inflight, 1);
}

void lvh_ifl_packed_untaken(struct lvh_vq *vq, uint16_t id)
{
	struct lvh_ifl *f = vq->ifl;
	uint16_t i = f->head[id];

	store_rel8(&f->e[i].inflight, 0);
	lvh_ifl_packed_abort(vq, i, f->e[i].num);
}

void lvh_ifl_packed_completing(struct lvh_vq *vq, uint16_t id)
{
	struct lvh_ifl *f = vq->ifl;
	struct ifl_entry *h = &f->e[f->head[id]];

	h->done_at = (uint16_t)(vq->used_idx | (vq->used_wrap ? LVH_EVENT_WRAP : 0));
	store_rel8(&h->completing, 1);
}

void lvh_ifl_packed_done(struct lvh_vq *vq, uint16_t id)
{
	struct lvh_ifl *f = vq->ifl;
	uint16_t i = f->head[id];
	unsigned int n = f->e[i].num;

	store_rel8(&f->e[i].inflight, 0);
	f->e[i].completing = 0;
	store_rel16(&f->hdr->used, (uint16_t)(vq->used_idx | (vq->used_wrap ? LVH_EVENT_WRAP : 0)));
	lvh_ifl_packed_abort(vq, i, n);
}

int lvh_ifl_packed_walk(struct lvh_vq *vq, struct lvh_vq_walk *w, uint16_t id)
{
	struct lvh_ifl *f = vq->ifl;
	uint16_t i = f->head[id];
	unsigned int k, n = f->e[i].num;
	int r;

	for (k = 0; k < n; k++, i = f->e[i].next) {
		r = lvh_vq_packed_map_desc(vq, w, f->e[i].addr, f->e[i].len, f->e[i].flags);
		if (r < 0)
			return r;
	}
	return 0;
}
