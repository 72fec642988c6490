/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-side virtqueues: the back-end's half of a ring the driver (a guest,
 * or libvhost_vring) fills.  Everything in the ring is the driver's and may
 * change under us, so every descriptor is copied once and checked before it
 * is used; a driver that writes garbage breaks only its queue (-EIO, logged,
 * and every later call on the queue says the same).
 */
#ifndef LIBVHOST_VQ_H
#define LIBVHOST_VQ_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "libvhost-private.h"
#include "mem/mem.h"

struct lvh_vq;
struct lvh_vq_walk;

/*
 * Each ring takes one buffer (pop) and gives one back (push: it returns
 * where in the used area (split) or descriptor ring (packed) it wrote, and
 * how much); lvh_vq_pop_each() and lvh_vq_push_each() make the bursts of
 * the ops table from them, with the ring's functions inline.
 */
typedef int lvh_vq_pop_fn(struct lvh_vq *vq, struct lvh_vq_walk *w, uint16_t *id);
typedef uint64_t lvh_vq_push_fn(struct lvh_vq *vq, uint16_t id, uint32_t len, uint32_t *bytes);

struct lvh_vq_ops {
	int (*pop_burst)(struct lvh_vq *vq, struct iovec *iov, unsigned int cap,
			 struct libvhost_vq_elem *elems, unsigned int n);
	int (*push_burst)(struct lvh_vq *vq, const struct libvhost_vq_used *used, unsigned int n);
	int (*flush)(struct lvh_vq *vq);
	/* puts buffer @id, the last one taken from the ring, back */
	void (*unpop)(struct lvh_vq *vq, uint16_t id);
	bool packed;
	/* returns whether buffers are available (checked after the change is visible) */
	bool (*set_notify)(struct lvh_vq *vq, bool enable);
};

/*
 * The dirty log (SET_LOG_BASE): one bit per 4 KiB guest page, set with an
 * atomic OR after the device wrote the page.  Owned by the back-end.
 */
struct lvh_dirty_log {
	uint8_t *bitmap;
	uint64_t size; /* bytes */
	bool on; /* VHOST_F_LOG_ALL acked and a log mapped */
	bool logged; /* something was logged since the last lvh_dirty_log_take() */
	uint64_t pages; /* bits this side set (not already set), ever: atomic */
};

/* Marks [gpa, gpa + len) dirty; pages past the log's end are ignored. */
void lvh_dirty_log_write(struct lvh_dirty_log *log, uint64_t gpa, uint64_t len);

/* Writable descriptors of an in-flight buffer, for the log (the last one grows to a hull). */
#define LVH_VQ_WRANGES 4
struct lvh_wrange {
	uint64_t gpa, len;
};

/*
 * Where descriptor addresses lead when they are not guest physical
 * addresses of vq->mem: the device IOTLB (VIRTIO_F_ACCESS_PLATFORM).
 */
struct lvh_vq_xlate {
	/*
	 * [addr, +len) for a read or a write: the host pointer, how many bytes
	 * are contiguous there (*contig), and their guest physical address (for
	 * the dirty log); NULL if not mapped with that permission.
	 */
	void *(*map)(void *opaque, uint64_t addr, uint64_t len, bool write, uint64_t *contig,
		     uint64_t *gpa);
	/* @addr was not mapped: true if a miss was reported (the pop waits for the update). */
	bool (*miss)(void *opaque, uint64_t addr, bool write);
	void *opaque;
};

/* How many available entries ahead a ring asks the cache for (a device's burst). */
#define LVH_VQ_PREFETCH 32

struct lvh_vq {
	const struct lvh_vq_ops *ops;
	struct libvhost_ctx *ctx;
	const struct libvhost_mem *mem; /* descriptor addresses are its guest addresses */
	unsigned int index; /* for log lines */
	unsigned int num;
	bool event_idx;
	bool broken;
	uint8_t *desc; /* 16 * num bytes */
	uint16_t *avail; /* split: flags, idx, ring[num], used_event; packed: driver event area */
	uint16_t *used; /* split: flags, idx, {u32 id, u32 len}[num], avail_event; packed: device event */
	uint16_t last_avail; /* split: the next available entry; packed: its position */
	/* split: entries after last_avail known available (the index is read once per batch) */
	uint16_t avail_pending;
	/* split: the available entry the look-ahead has reached (prefetched up to, not including) */
	uint16_t prefetch_to;
	bool kicks_off; /* the device polls: the driver is asked not to kick */
	uint16_t used_idx; /* split: the next used entry to write; packed: its position */
	uint16_t published; /* split: the used index the ring holds (this side alone writes it) */
	uint16_t signalled_used; /* used_idx when the driver was last notified */
	bool signalled_valid;
	bool avail_wrap, used_wrap; /* packed wrap counters */
	uint32_t used_total, flushed_total, signalled_total; /* packed: entries used, ever */
	/*
	 * Packed, without inflight tracking: the flags of the first entry used
	 * since the last flush, written by the flush, so that what was pushed
	 * meanwhile (a frame's buffers) reaches the driver at once, as a split
	 * ring's used index publishes it.
	 */
	bool first_held;
	uint16_t first_flags;
	uint32_t first_off; /* in the descriptor ring */
	uint16_t *inflight; /* per buffer id: ring entries it took (0: not in flight) */
	struct lvh_dirty_log *log; /* NULL: never logged */
	uint64_t used_gpa; /* guest address of the used ring (packed: descriptor ring) */
	uint64_t event_gpa; /* packed: guest address of the device event suppression area */
	struct lvh_wrange (*wr)[LVH_VQ_WRANGES]; /* per id: its writable parts, for the log */
	uint8_t *nwr;
	struct lvh_ifl *ifl; /* NULL: no inflight tracking */
	/*
	 * The last buffers taken, for lvh_vq_unpop(): a ring of num slots of
	 * ids (| LVH_VQ_RESUBMITTED when from the inflight area), the next slot
	 * and how many are recorded (at most num); per id, the slot of its last
	 * pop, so a slot whose buffer was given back and taken again later is
	 * told from the current one.
	 */
	uint16_t *taken, *taken_slot;
	uint16_t taken_at, ntaken;
	const struct lvh_vq_xlate *xl; /* NULL: addresses are vq->mem's */
};

/*
 * Inflight tracking (INFLIGHT_SHMFD, vq-inflight.c): the ring records in
 * @area (lvh_vq_inflight_area_size() bytes the front-end keeps) which
 * buffers it took and has not returned.  When the area already describes
 * this ring (a back-end started again), the ring resumes from it: its
 * indexes come from the area and the ring, and the buffers that were in
 * flight come back first from pop, in the order they were first taken.
 * An area that does not fit the ring is reset (logged).  Returns how many
 * buffers will be resubmitted, or -ENOMEM.
 */
int lvh_vq_inflight_attach(struct lvh_vq *vq, void *area);
uint64_t lvh_vq_inflight_area_size(unsigned int num);

/*
 * Logs this ring's guest writes into @log from now on: the buffers, the
 * entries it uses (the split used ring at @used_gpa, the packed descriptor
 * ring there) and what it writes to ask for kicks or not (split: in the
 * used ring; packed: the device area at @event_gpa).  -ENOMEM.
 */
int lvh_vq_set_log(struct lvh_vq *vq, struct lvh_dirty_log *log, uint64_t used_gpa,
		   uint64_t event_gpa);

/* Logs a write the ring itself made at @gpa, when the log is on. */
void lvh_vq_log_ring(struct lvh_vq *vq, uint64_t gpa, uint64_t len);

static inline bool lvh_vq_logging(const struct lvh_vq *vq)
{
	return vq->log && vq->log->on && vq->wr;
}

#define LVH_VQ_RESUBMITTED 0x8000
bool lvh_ifl_resubmit_pending(const struct lvh_vq *vq);

/* Where a pop collects iovecs (vq.c). */
struct lvh_vq_walk {
	struct iovec *iov;
	unsigned int cap, n, in;
	bool record; /* note the writable parts in wr (the ring may be logged) */
	/*
	 * The guest region the last part was in (size 0: none yet), for the
	 * parts after it: a burst's buffers come from one region over and
	 * over.  Valid for one call: the table does not change under it.
	 */
	struct lvh_mem_span span;
	unsigned int nwr;
	struct lvh_wrange wr[LVH_VQ_WRANGES]; /* the first nwr are set */
};

/* Marks the queue broken with a log line; returns -EIO. */
int lvh_vq_break(struct lvh_vq *vq, const char *what, unsigned long long v);
/*
 * The whole of [addr, +len) in one piece, for reading (indirect tables), or
 * NULL; then lvh_vq_unmapped() says what that means: -EAGAIN when a miss was
 * reported (nothing is taken; the pop is retried after the update), else the
 * ring is broken (-EIO).
 */
const void *lvh_vq_translate_table(struct lvh_vq *vq, uint64_t addr, uint64_t len);
int lvh_vq_unmapped(struct lvh_vq *vq, const char *what, uint64_t addr, bool write);
/*
 * Appends a descriptor's [addr, +len) as iovecs; -ENOSPC past cap, -EIO
 * (broken) outside memory, -EAGAIN (IOTLB miss).  The common case, a part
 * in one region of guest memory with room for it, is inline; every other
 * one, and every check that fails, is lvh_vq_map_slow()'s.
 */
int lvh_vq_map_slow(struct lvh_vq *vq, struct lvh_vq_walk *w, uint64_t addr, uint32_t len,
		    bool write);

static inline int lvh_vq_map(struct lvh_vq *vq, struct lvh_vq_walk *w, uint64_t addr,
			     uint32_t len, bool write)
{
	uint64_t off;
	void *p;

	if (vq->xl || !len || w->n == w->cap || (write ? w->nwr == LVH_VQ_WRANGES : w->in))
		return lvh_vq_map_slow(vq, w, addr, len, write);
	off = addr - w->span.gpa;
	if (off >= w->span.size || len > w->span.size - off) {
		if (!lvh_mem_span(vq->mem, addr, &w->span))
			return lvh_vq_map_slow(vq, w, addr, len, write);
		off = addr - w->span.gpa;
		if (len > w->span.size - off)
			return lvh_vq_map_slow(vq, w, addr, len, write);
	}
	p = w->span.uva + off;
	if (write) {
		if (w->record) {
			w->wr[w->nwr].gpa = addr;
			w->wr[w->nwr++].len = len;
		}
		w->in++;
	}
	w->iov[w->n].iov_base = p;
	w->iov[w->n++].iov_len = len;
	return 0;
}
/*
 * Up to @n pops with @pop (a ring's, inlined here), each buffer's iovecs
 * after the previous one's; see lvh_vq_pop_burst().
 */
static inline __attribute__((always_inline)) int
lvh_vq_pop_each(struct lvh_vq *vq, lvh_vq_pop_fn *pop, struct iovec *iov, unsigned int cap,
		struct libvhost_vq_elem *elems, unsigned int n)
{
	unsigned int k, used = 0;
	struct lvh_vq_walk w;
	uint16_t id = 0;
	int r = 0;

	/*
	 * The writable parts are noted whether or not the log is on now: it
	 * may be by the time the buffer is used (LOG_ALL while it is held).
	 */
	w.record = vq->wr != NULL;
	w.span.size = 0;
	w.span.gpa = 0;
	for (k = 0; k < n; k++) {
		bool resub = vq->ifl && lvh_ifl_resubmit_pending(vq); /* taken first */

		w.iov = iov + used;
		w.cap = cap - used;
		w.n = w.in = w.nwr = 0;
		r = pop(vq, &w, &id);
		if (r <= 0)
			break;
		if (w.record) {
			unsigned int i;

			for (i = 0; i < w.nwr; i++)
				vq->wr[id][i] = w.wr[i];
			vq->nwr[id] = (uint8_t)w.nwr;
		}
		/*
		 * The buffer's first line is asked for now, while the rest of
		 * the burst is taken: a device reads a request's header first,
		 * and a line the driver wrote on another CPU is far away.
		 */
		if (w.n)
			__builtin_prefetch(w.iov[0].iov_base);
		vq->taken[vq->taken_at] = (uint16_t)(id | (resub ? LVH_VQ_RESUBMITTED : 0));
		vq->taken_slot[id] = vq->taken_at;
		vq->taken_at = vq->taken_at + 1u == vq->num ? 0 : (uint16_t)(vq->taken_at + 1);
		if (vq->ntaken < vq->num)
			vq->ntaken++;
		elems[k].id = id;
		elems[k].out = w.n - w.in;
		elems[k].in = w.in;
		elems[k].reserved = 0;
		used += w.n;
	}
	return k ? (int)k : r;
}

void lvh_vq_log_buffer(struct lvh_vq *vq, uint16_t id, uint32_t len);
void lvh_vq_not_in_flight(struct lvh_vq *vq, uint32_t id);

/* @n pushes with @push (a ring's, inlined here); see lvh_vq_push_burst(). */
static inline __attribute__((always_inline)) int
lvh_vq_push_each(struct lvh_vq *vq, lvh_vq_push_fn *push, const struct libvhost_vq_used *used,
		 unsigned int n)
{
	bool log = lvh_vq_logging(vq);
	unsigned int k;
	uint32_t bytes;
	uint64_t off;

	for (k = 0; k < n; k++) {
		uint32_t id = used[k].id;

		if (id >= vq->num || !vq->inflight[id]) {
			lvh_vq_not_in_flight(vq, id);
			return k ? (int)k : -EINVAL;
		}
		if (log)
			lvh_vq_log_buffer(vq, (uint16_t)id, used[k].len);
		off = push(vq, (uint16_t)id, used[k].len, &bytes);
		if (log)
			lvh_dirty_log_write(vq->log, vq->used_gpa + off, bytes);
		vq->inflight[id] = 0;
	}
	return (int)n;
}

/* Common set-up of a ring of num entries (1..32768). */
int lvh_vq_init_common(struct lvh_vq *vq, const struct lvh_vq_ops *ops, struct libvhost_ctx *ctx,
		       const struct libvhost_mem *mem, unsigned int index, unsigned int num,
		       void *desc, void *avail, void *used, bool event_idx);

/* One buffer taken from the ring: its head and how its iovecs divide. */
struct lvh_vq_elem {
	uint16_t id;
	unsigned int out; /* iovecs the device reads, first */
	unsigned int in; /* then iovecs the device writes */
};

/*
 * A split ring of @num entries (a power of two, at most 32768) at the given
 * (already translated, suitably aligned) addresses, resuming at @base.
 * Errors: -EINVAL, -ENOMEM.
 */
int lvh_vq_split_init(struct lvh_vq *vq, struct libvhost_ctx *ctx, const struct libvhost_mem *mem,
		      unsigned int index, unsigned int num, void *desc, void *avail, void *used,
		      bool event_idx, uint16_t base);
/*
 * A packed ring of @num entries (1..32768); @base: the next avail position |
 * its wrap counter << 15 (the used half of GET_VRING_BASE's form, bits
 * 16-31, is ignored: front-ends do not send it, and used equals avail).
 */
int lvh_vq_packed_init(struct lvh_vq *vq, struct libvhost_ctx *ctx,
		       const struct libvhost_mem *mem, unsigned int index, unsigned int num,
		       void *desc, void *driver_event, void *device_event, bool event_idx,
		       uint32_t base);
void lvh_vq_fini(struct lvh_vq *vq);

/*
 * Takes the next available buffer as iovecs into guest memory (parts that
 * cross regions become several iovecs; zero-length parts are skipped).
 * Returns 1 with *elem filled, 0 if the ring is empty.
 * Errors: -ENOSPC more than @cap iovecs (nothing taken: retry with more);
 * -EIO the ring is broken (the driver wrote something invalid).
 */
int lvh_vq_pop(struct lvh_vq *vq, struct iovec *iov, unsigned int cap, struct lvh_vq_elem *elem);
/*
 * Up to @n pops in one call, each buffer's iovecs after the previous one's
 * in @iov (@cap in all).  Returns how many were taken; it stops early at an
 * empty ring, a buffer that does not fit in what is left of @iov, or an
 * error, which it returns only when nothing was taken (the ring's broken
 * flag tells a caller that took some whether the ring broke after them).
 */
int lvh_vq_pop_burst(struct lvh_vq *vq, struct iovec *iov, unsigned int cap,
		     struct libvhost_vq_elem *elems, unsigned int n);

/*
 * Returns a popped buffer as used, @len bytes written into it; visible to
 * the driver at lvh_vq_flush().  Errors: -EINVAL an id not popped; -EIO broken.
 */
int lvh_vq_push(struct lvh_vq *vq, uint16_t id, uint32_t len);
/*
 * @n pushes in one call, in order.  Returns how many were pushed: fewer
 * than @n when used[returned] is not in flight (logged; -EINVAL if it is
 * the first).  -EIO broken.
 */
int lvh_vq_push_burst(struct lvh_vq *vq, const struct libvhost_vq_used *used, unsigned int n);
/*
 * Puts the last @n buffers taken back in the ring, none of them pushed:
 * the next pops take them again, in the same order.  -EINVAL (logged) if
 * one of them was pushed, or fewer were taken; -EIO broken.
 */
int lvh_vq_unpop(struct lvh_vq *vq, unsigned int n);

/*
 * Publishes the pushed buffers.  Returns 1 if the driver wants to be
 * notified now (its flags, or with event idx its used_event), else 0.
 */
int lvh_vq_flush(struct lvh_vq *vq);

/*
 * Asks the driver for kicks (true) or not (false; a polling device), until
 * asked otherwise.  Returns whether buffers are available, read after the
 * request is visible to the driver: on enabling, a kick for those may never
 * come, so the caller pops them before it sleeps.
 */
bool lvh_vq_set_notify(struct lvh_vq *vq, bool enable);

/* The hooks vq-split.c and vq-packed.c call while vq->ifl is set (vq-inflight.c). */
void lvh_ifl_detach(struct lvh_vq *vq);
bool lvh_ifl_resubmit_pending(const struct lvh_vq *vq);
int lvh_ifl_next_resubmit(struct lvh_vq *vq, uint16_t *id);
void lvh_ifl_resubmitted(struct lvh_vq *vq);
void lvh_ifl_unresubmitted(struct lvh_vq *vq);
void lvh_ifl_split_untaken(struct lvh_vq *vq, uint16_t head);
void lvh_ifl_packed_untaken(struct lvh_vq *vq, uint16_t id);
void lvh_ifl_split_taken(struct lvh_vq *vq, uint16_t head);
void lvh_ifl_split_pushed(struct lvh_vq *vq, uint16_t head);
void lvh_ifl_split_published(struct lvh_vq *vq);
/* Packed: each descriptor of a buffer being taken, then taken or aborted. */
int lvh_ifl_packed_note(struct lvh_vq *vq, uint16_t *first, uint16_t *last, uint64_t addr,
			uint32_t len, uint16_t flags);
void lvh_ifl_packed_abort(struct lvh_vq *vq, uint16_t first, unsigned int n);
void lvh_ifl_packed_taken(struct lvh_vq *vq, uint16_t first, uint16_t id, uint16_t num);
void lvh_ifl_packed_completing(struct lvh_vq *vq, uint16_t id);
void lvh_ifl_packed_done(struct lvh_vq *vq, uint16_t id);
int lvh_ifl_packed_walk(struct lvh_vq *vq, struct lvh_vq_walk *w, uint16_t id);
/* Packed: maps one descriptor, following it if indirect (vq-packed.c). */
int lvh_vq_packed_map_desc(struct lvh_vq *vq, struct lvh_vq_walk *w, uint64_t addr, uint32_t len,
			   uint16_t flags);

#endif
