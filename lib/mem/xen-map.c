/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Xen guest memory (--enable-xen): a region is mapped whole, at once, from
 * the guest frames or grant references its guest address names, and handed
 * to the memory table with its own unmap.  The handles are opened at the
 * first mapping of their kind and closed at the end of the session.
 * Nothing here has run on real Xen; the unit tests run it on a fake.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenforeignmemory.h>
#include <xengnttab.h>

#include "mem/mem.h"
#include "mem/xen-map.h"

#define XEN_ON_DEMAND 0x100U /* xen_mmap_flags bit 8 */

/* ---- the real ops: libxenforeignmemory and libxengnttab ---- */

struct xen_real {
	struct libvhost_ctx *ctx;
	xenforeignmemory_handle *fmem;
	xengnttab_handle *gnt;
};

static int real_map_foreign(struct xen_real *x, uint32_t domid, uint64_t first, uint32_t count,
			    void **ret_addr)
{
	xen_pfn_t *gfns = calloc(count, sizeof(*gfns));
	int *errs = calloc(count, sizeof(*errs));
	uint32_t i;
	void *p;
	int r = 0;

	if (!gfns || !errs) {
		r = -ENOMEM;
		goto out;
	}
	if (!x->fmem) {
		x->fmem = xenforeignmemory_open(NULL, 0);
		if (!x->fmem) {
			r = errno ? -errno : -ENODEV;
			lvh_err(x->ctx, "xen: xenforeignmemory_open: %s", strerror(-r));
			goto out;
		}
	}
	for (i = 0; i < count; i++)
		gfns[i] = (xen_pfn_t)(first + i);
	/* with errs, a partial mapping returns non-NULL: every page is checked */
	p = xenforeignmemory_map(x->fmem, domid, PROT_READ | PROT_WRITE, count, gfns, errs);
	if (!p) {
		r = errno ? -errno : -ENOMEM;
		lvh_err(x->ctx, "xen: foreign mapping of %" PRIu32 " pages of domain %" PRIu32
			" from frame %#" PRIx64 ": %s", count, domid, first, strerror(-r));
		goto out;
	}
	for (i = 0; i < count && !r; i++)
		if (errs[i])
			r = errs[i] > 0 ? -errs[i] : errs[i];
	if (r) {
		lvh_err(x->ctx, "xen: foreign mapping of domain %" PRIu32 ", frame %#" PRIx64
			": %s", domid, first + i - 1, strerror(-r));
		xenforeignmemory_unmap(x->fmem, p, count);
		goto out;
	}
	*ret_addr = p;
out:
	free(gfns);
	free(errs);
	return r;
}

static int real_map_grant(struct xen_real *x, uint32_t domid, uint64_t first, uint32_t count,
			  void **ret_addr)
{
	uint32_t *refs = calloc(count, sizeof(*refs)), i;
	void *p;
	int r = 0;

	if (!refs)
		return -ENOMEM;
	if (!x->gnt) {
		x->gnt = xengnttab_open(NULL, 0);
		if (!x->gnt) {
			r = errno ? -errno : -ENODEV;
			lvh_err(x->ctx, "xen: xengnttab_open: %s", strerror(-r));
			goto out;
		}
	}
	for (i = 0; i < count; i++)
		refs[i] = (uint32_t)(first + i); /* bounded by lvh_xen_map_region() */
	/* all or nothing: a partial failure is undone by the library */
	p = xengnttab_map_domain_grant_refs(x->gnt, count, domid, refs, PROT_READ | PROT_WRITE);
	if (!p) {
		r = errno ? -errno : -ENOMEM;
		lvh_err(x->ctx, "xen: grant mapping of %" PRIu32 " references of domain %" PRIu32
			" from %#" PRIx64 ": %s", count, domid, first, strerror(-r));
		goto out;
	}
	*ret_addr = p;
out:
	free(refs);
	return r;
}

static int real_map(void *userdata, uint32_t kind, uint32_t domid, uint64_t first,
		    uint32_t count, void **ret_addr)
{
	struct xen_real *x = userdata;

	errno = 0;
	return kind == LVH_XEN_KIND_FOREIGN ? real_map_foreign(x, domid, first, count, ret_addr)
					    : real_map_grant(x, domid, first, count, ret_addr);
}

static int real_unmap(void *userdata, uint32_t kind, void *addr, uint32_t count)
{
	struct xen_real *x = userdata;
	int r;

	if (kind == LVH_XEN_KIND_FOREIGN ? !x->fmem : !x->gnt)
		return -EBADF;
	errno = 0;
	if (kind == LVH_XEN_KIND_FOREIGN)
		r = xenforeignmemory_unmap(x->fmem, addr, count);
	else
		r = xengnttab_unmap(x->gnt, addr, count);
	return r < 0 ? (errno ? -errno : -EIO) : 0;
}

static void real_close(void *userdata)
{
	struct xen_real *x = userdata;

	if (x->fmem)
		xenforeignmemory_close(x->fmem);
	if (x->gnt)
		xengnttab_close(x->gnt);
	x->fmem = NULL;
	x->gnt = NULL;
}

static const struct lvh_xen_map_ops real_ops = {
	.map = real_map,
	.unmap = real_unmap,
	.close = real_close,
};

/* ---- the mapper ---- */

struct lvh_xen_map {
	struct libvhost_ctx *ctx;
	const struct lvh_xen_map_ops *ops;
	void *userdata;
	struct xen_real real;
	unsigned int nmapped; /* mappings not yet unmapped */
};

/* One mapping, owned by the memory table once added. */
struct xen_mapping {
	struct lvh_xen_map *xm;
	uint32_t kind, count;
	void *base;
};

int lvh_xen_map_new(struct libvhost_ctx *ctx, struct lvh_xen_map **ret)
{
	struct lvh_xen_map *xm = calloc(1, sizeof(*xm));

	if (!xm)
		return -ENOMEM;
	xm->ctx = ctx;
	xm->real.ctx = ctx;
	xm->ops = &real_ops;
	xm->userdata = &xm->real;
	*ret = xm;
	return 0;
}

void lvh_xen_map_close(struct lvh_xen_map *xm)
{
	if (xm->nmapped)
		/* the tables still hold mappings the handles back: keep them open */
		lvh_err(xm->ctx, "xen: %u mappings left at the end of the session", xm->nmapped);
	else
		xm->ops->close(xm->userdata);
}

void lvh_xen_map_free(struct lvh_xen_map *xm)
{
	if (!xm)
		return;
	lvh_xen_map_close(xm);
	free(xm);
}

void lvh_xen_map_set_ops(struct lvh_xen_map *xm, const struct lvh_xen_map_ops *ops,
			 void *userdata)
{
	lvh_xen_map_close(xm);
	xm->ops = ops ? ops : &real_ops;
	xm->userdata = ops ? userdata : &xm->real;
}

static void mapping_unmap(void *arg)
{
	struct xen_mapping *m = arg;
	struct lvh_xen_map *xm = m->xm;
	int r = xm->ops->unmap(xm->userdata, m->kind, m->base, m->count);

	if (r < 0)
		lvh_err(xm->ctx, "xen: unmapping %" PRIu32 " pages at %p: %s", m->count, m->base,
			strerror(-r));
	xm->nmapped--;
	free(m);
}

/*
 * Checks a region's description from the front-end and finds the Xen pages
 * it covers: the first, how many, and the offset of its start in the first.
 */
static int region_pages(struct lvh_xen_map *xm, const struct lvh_xen_region *r, uint32_t kind,
			uint64_t *in_page, uint64_t *first, uint64_t *pages)
{
	uint64_t addr = r->guest_addr, span;

	if (r->flags & XEN_ON_DEMAND) {
		lvh_err(xm->ctx, "xen: region at guest %#" PRIx64 " is to be mapped on demand, "
			"only as each access needs it; libvhost maps whole regions only",
			r->guest_addr);
		return -EOPNOTSUPP;
	}
	/* DOMID_FIRST_RESERVED and up: DOMID_SELF, DOMID_IO, DOMID_XEN... are no guests */
	if (r->domid >= DOMID_FIRST_RESERVED) {
		lvh_err(xm->ctx, "xen: region at guest %#" PRIx64 ": domain %#" PRIx32
			" is reserved by Xen", r->guest_addr, r->domid);
		return -EPROTO;
	}
	if (r->size == 0 || lvh_range_overflows(addr, r->size)) {
		lvh_err(xm->ctx, "xen: region of %#" PRIx64 " bytes at guest %#" PRIx64
			" is empty or wraps", r->size, addr);
		return -EPROTO;
	}
	if (kind == LVH_XEN_KIND_GRANT)
		addr &= ~LVH_XEN_GRANT_ADDR_OFF;
	*in_page = addr & (LVH_XEN_PAGE_SIZE - 1);
	*first = addr >> LVH_XEN_PAGE_SHIFT;
	/* the pages [addr, addr + size) touches (span reaches 2^64 at most: checked) */
	if (lvh_add_overflow_u64(*in_page, r->size, &span))
		span = UINT64_MAX;
	*pages = (span >> LVH_XEN_PAGE_SHIFT) + ((span & (LVH_XEN_PAGE_SIZE - 1)) != 0);
	if (*pages > LVH_XEN_MAX_PAGES) {
		lvh_err(xm->ctx, "xen: region of %#" PRIx64 " bytes at guest %#" PRIx64
			" is more than the %u pages libvhost maps at once", r->size,
			r->guest_addr, LVH_XEN_MAX_PAGES);
		return -ENOSPC;
	}
	if (kind == LVH_XEN_KIND_GRANT && *first + *pages - 1 > UINT32_MAX) {
		lvh_err(xm->ctx, "xen: grant region at guest %#" PRIx64 ": references %#" PRIx64
			" to %#" PRIx64 " pass 32 bits", r->guest_addr, *first, *first + *pages - 1);
		return -EPROTO;
	}
	return 0;
}

int lvh_xen_map_region(struct lvh_xen_map *xm, struct libvhost_mem *mem,
		       const struct lvh_xen_region *r, void **ret_addr)
{
	uint32_t kind = r->flags & (LVH_XEN_KIND_FOREIGN | LVH_XEN_KIND_GRANT);
	uint64_t in_page, pages, first;
	struct xen_mapping *m;
	void *base = NULL;
	int ret;

	ret = region_pages(xm, r, kind, &in_page, &first, &pages);
	if (ret < 0)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	ret = xm->ops->map(xm->userdata, kind, r->domid, first, (uint32_t)pages, &base);
	if (ret < 0) {
		lvh_err(xm->ctx, "xen: region at guest %#" PRIx64 " (%s, domain %" PRIu32
			"): mapping failed: %s", r->guest_addr,
			kind == LVH_XEN_KIND_FOREIGN ? "foreign" : "grant", r->domid,
			strerror(-ret));
		free(m);
		return ret;
	}
	*m = (struct xen_mapping){ xm, kind, (uint32_t)pages, base };
	xm->nmapped++;
	ret = lvh_mem_add_mapped(mem, r->guest_addr, r->size, (uint8_t *)base + in_page,
				 r->user_addr, mapping_unmap, m);
	if (ret < 0) {
		mapping_unmap(m);
		return ret;
	}
	lvh_dbg(xm->ctx, "xen: %s region at guest %#" PRIx64 ", %#" PRIx64 " bytes of domain %"
		PRIu32 ": %" PRIu64 " pages from %#" PRIx64 " at %p",
		kind == LVH_XEN_KIND_FOREIGN ? "foreign" : "grant", r->guest_addr, r->size,
		r->domid, pages, first, base);
	*ret_addr = (uint8_t *)base + in_page;
	return 0;
}
