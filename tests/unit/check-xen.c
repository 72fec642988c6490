/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Xen guest memory (--enable-xen builds), on a machine without Xen: the
 * back-end's calls into xenforeignmemory / xengnttab are replaced by a fake
 * (lvh_be_xen_set_map_ops()) that maps, for a (domain, frame or grant
 * reference) range, the part of a memfd the test registered for it: the
 * front-end's own guest memory.  So libvhost's front-end and back-end on a
 * socketpair negotiate XEN_MMAP, send the Xen region layout (SET_MEM_TABLE
 * and ADD/REM_MEM_REG), the fake sees which domain and pages each region
 * names, and a ring moves data through the fake-mapped memory.  Then the
 * refusals: ON_DEMAND, flags, reserved domains, grant references past 32
 * bits, regions too large, a failing map; each logged, none leaking a
 * mapping or an fd, every map unmapped and the handles closed at the end of
 * the session.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "csumdev.h"
#include "mem/mem.h"
#include "mem/xen-map.h"
#include "proto/msg-mem.h"
#include "testutil.h"
#include "user/backend.h"

#define F_VERSION_1 (1ULL << 32)
#define PF(x) (1ULL << LIBVHOST_USER_PROTOCOL_F_##x)
#define XPAGE 4096ULL
#define REGION_SIZE 0x10000ULL /* 16 Xen pages */
#define RING_GPA 0x0ULL /* foreign, domain 7, frames 0x0.. */
#define BUF_GPA 0x100000ULL /* foreign, domain 7, frames 0x100.. */
#define GNT_REF 0x40ULL
#define GNT_GPA (LVH_XEN_GRANT_ADDR_OFF | GNT_REF << 12) /* grant, domain 9, refs 0x40.. */
#define DOM_F 7
#define DOM_G 9
#define MAX_LOG 32

static struct libvhost_ctx *ctx;

/* ---- the fake Xen: (domain, kind, first page) ranges backed by memfds ---- */

struct fake_dom {
	uint32_t domid, kind;
	uint64_t first, pages;
	int fd; /* borrowed: the front-end's memory table owns it */
};

struct fake_call {
	uint32_t kind, domid, count;
	uint64_t first;
	void *addr;
};

static struct fake {
	struct fake_dom dom[4];
	unsigned int ndom;
	int fail; /* the next map fails with this */
	unsigned int maps, unmaps, closes, bad_unmaps;
	struct fake_call map[MAX_LOG], unmap[MAX_LOG];
} fk;

static int fake_map(void *userdata, uint32_t kind, uint32_t domid, uint64_t first, uint32_t count,
		    void **ret_addr)
{
	struct fake *f = userdata;
	unsigned int i;
	void *p;

	if (f->fail) {
		int r = f->fail;

		f->fail = 0;
		return r;
	}
	for (i = 0; i < f->ndom; i++) {
		const struct fake_dom *d = &f->dom[i];

		if (d->domid != domid || d->kind != kind || first < d->first ||
		    first - d->first + count > d->pages)
			continue;
		p = mmap(NULL, count * XPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
			 (off_t)((first - d->first) * XPAGE));
		if (p == MAP_FAILED)
			return -errno;
		if (f->maps < MAX_LOG)
			f->map[f->maps] = (struct fake_call){ kind, domid, count, first, p };
		f->maps++;
		*ret_addr = p;
		return 0;
	}
	return -EFAULT; /* as Xen would: pages the domain does not have */
}

static int fake_unmap(void *userdata, uint32_t kind, void *addr, uint32_t count)
{
	struct fake *f = userdata;
	unsigned int i;

	/* each unmap matches a map, once */
	for (i = 0; i < f->maps && i < MAX_LOG; i++) {
		if (f->map[i].addr == addr && f->map[i].kind == kind && f->map[i].count == count) {
			f->map[i].addr = NULL;
			break;
		}
	}
	if (i == f->maps || i == MAX_LOG)
		f->bad_unmaps++;
	if (f->unmaps < MAX_LOG)
		f->unmap[f->unmaps] = (struct fake_call){ kind, 0, count, 0, addr };
	f->unmaps++;
	return munmap(addr, count * XPAGE) < 0 ? -errno : 0;
}

static void fake_close(void *userdata)
{
	((struct fake *)userdata)->closes++;
}

static const struct lvh_xen_map_ops fake_ops = {
	.map = fake_map,
	.unmap = fake_unmap,
	.close = fake_close,
};

static void fake_dom(uint32_t domid, uint32_t kind, uint64_t first, struct libvhost_mem *mem,
		     uint64_t gpa)
{
	struct libvhost_mem_region reg;
	int i, n = libvhost_mem_get_nregions(mem);

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(libvhost_mem_get_region(mem, (unsigned int)i, &reg), 0);
		if (reg.guest_addr == gpa)
			break;
	}
	ck_assert_int_lt(i, n);
	fk.dom[fk.ndom++] = (struct fake_dom){ domid, kind, first, reg.size / XPAGE, (int)reg.fd };
}

/* Every map was unmapped, each once, and the handles closed. */
static void fake_all_released(void)
{
	ck_assert_uint_eq(fk.unmaps, fk.maps);
	ck_assert_uint_eq(fk.bad_unmaps, 0);
	ck_assert_uint_ge(fk.closes, 1);
}

/* ---- the device: tests/unit/csumdev.c, its Xen calls faked ---- */

static struct tu_csumdev *device_new(uint64_t proto)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .protocol_features = proto);
	struct tu_csumdev *d = tu_csumdev_new(ctx, &o);

	lvh_be_xen_set_map_ops(d->be, &fake_ops, &fk);
	return d;
}

/* A front-end on @d's thread; @proto 0: the default protocol features. */
static struct libvhost_frontend *frontend(struct tu_csumdev *d, uint64_t proto)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .protocol_features = proto);
	struct libvhost_frontend *fe = NULL;
	int fd = tu_csumdev_start(d);

	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, fd, &o, &fe), 0);
	return fe;
}

static void negotiate(struct libvhost_frontend *fe)
{
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(libvhost_frontend_get_dev(fe), F_VERSION_1), 0);
}

/* The guest: two foreign regions of domain 7 and a grant region of domain 9. */
static struct libvhost_mem *guest(uint8_t **ring, uint8_t **buf, uint8_t **gnt)
{
	struct libvhost_mem *mem;

	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, RING_GPA, REGION_SIZE, NULL, (void **)ring), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, BUF_GPA, REGION_SIZE, NULL, (void **)buf), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, GNT_GPA, REGION_SIZE, NULL, (void **)gnt), 0);
	memset(&fk, 0, sizeof(fk));
	fake_dom(DOM_F, LVH_XEN_KIND_FOREIGN, RING_GPA >> 12, mem, RING_GPA);
	fake_dom(DOM_F, LVH_XEN_KIND_FOREIGN, BUF_GPA >> 12, mem, BUF_GPA);
	fake_dom(DOM_G, LVH_XEN_KIND_GRANT, GNT_REF, mem, GNT_GPA);
	return mem;
}

static void describe(struct libvhost_frontend *fe, uint32_t grant_flags)
{
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, RING_GPA, LIBVHOST_XEN_MMAP_FOREIGN,
							  DOM_F), 0);
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, BUF_GPA, LIBVHOST_XEN_MMAP_FOREIGN,
							  DOM_F), 0);
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, GNT_GPA, grant_flags, DOM_G), 0);
}

static void assert_map(unsigned int i, uint32_t kind, uint32_t domid, uint64_t first,
		       uint32_t count)
{
	ck_assert_uint_gt(fk.maps, i);
	ck_assert_uint_eq(fk.map[i].kind, kind);
	ck_assert_uint_eq(fk.map[i].domid, domid);
	ck_assert_uint_eq(fk.map[i].first, first);
	ck_assert_uint_eq(fk.map[i].count, count);
}

static void setup(void)
{
	ctx = tu_ctx_new();
}

static void teardown(void)
{
	tu_ctx_free(ctx);
}

/* ---- the flow: _i 0 SET_MEM_TABLE, 1 ADD/REM_MEM_REG ---- */

START_TEST(test_flow)
{
	bool slots = _i == 1;
	struct tu_csumdev *d = device_new(0);
	int fds_before = tu_count_fds();
	struct libvhost_frontend *fe =
		frontend(d, slots ? 0 : libvhost_protocol_features_known() &
					 ~PF(CONFIGURE_MEM_SLOTS) & ~PF(INBAND_NOTIFICATIONS) &
					 ~PF(GET_VRING_BASE_INFLIGHT));
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	LIBVHOST_OPTS(libvhost_vring_opts, vo);
	struct libvhost_vring *vr;
	struct libvhost_mem *mem;
	uint8_t *ring, *buf, *gnt;
	uint64_t sum, want = TU_FNV_INIT;
	struct pollfd pfd;
	int kick, call, r;
	unsigned int i;
	uint32_t len;
	void *tok;

	mem = guest(&ring, &buf, &gnt);
	describe(fe, LIBVHOST_XEN_MMAP_GRANT);
	negotiate(fe);
	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	ck_assert_uint_ne(info.backend_protocol_features & PF(XEN_MMAP), 0);
	ck_assert_uint_ne(info.protocol_features & PF(XEN_MMAP), 0);
	ck_assert_uint_eq(!!(info.protocol_features & PF(CONFIGURE_MEM_SLOTS)), slots);

	/* each region reached the fake with its kind, domain, first page and count */
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	ck_assert_uint_eq(fk.maps, 3);
	assert_map(0, LVH_XEN_KIND_FOREIGN, DOM_F, RING_GPA >> 12, REGION_SIZE / XPAGE);
	assert_map(1, LVH_XEN_KIND_FOREIGN, DOM_F, BUF_GPA >> 12, REGION_SIZE / XPAGE);
	assert_map(2, LVH_XEN_KIND_GRANT, DOM_G, GNT_REF, REGION_SIZE / XPAGE);
	ck_assert_uint_eq(fk.unmaps, 0);
	/* described and sent: cannot change under the back-end */
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, GNT_GPA, LIBVHOST_XEN_MMAP_FOREIGN,
							  DOM_G), -EBUSY);

	/* a ring in foreign memory; buffers in foreign and grant memory */
	memset(ring, 0, REGION_SIZE);
	for (i = 0; i < 3000; i++) {
		buf[i] = (uint8_t)(i * 7 + 1);
		gnt[i] = (uint8_t)(i * 13 + 5);
	}
	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 16, &vo, &vr), 0);
	kick = eventfd(0, EFD_CLOEXEC);
	call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_eq(libvhost_dev_start_vring(dev, 0, vr, kick, call), 0);
	{
		struct iovec iov[3] = { { buf, 3000 }, { gnt, 3000 }, { gnt + 0x8000, 8 } };

		ck_assert_int_eq(libvhost_vring_add(vr, iov, 2, 1, gnt), 0);
	}
	libvhost_vring_kick(vr);
	pfd = (struct pollfd){ call, POLLIN, 0 };
	while ((r = libvhost_vring_get_used(vr, &tok, &len)) == 0)
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(r, 1);
	ck_assert_ptr_eq(tok, gnt);
	ck_assert_uint_eq(len, 8);
	want = tu_fnv(want, buf, 3000);
	want = tu_fnv(want, gnt, 3000);
	memcpy(&sum, gnt + 0x8000, sizeof(sum));
	ck_assert_uint_eq(sum, want);

	/* the back-end stops the ring before the table changes under it */
	ck_assert_int_eq(libvhost_dev_stop_vring(dev, 0, NULL), 0);
	/* the grant region goes: REM_MEM_REG, or a new table */
	ck_assert_int_eq(libvhost_mem_remove(mem, GNT_GPA), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	if (slots) {
		ck_assert_uint_eq(fk.maps, 3);
		ck_assert_uint_eq(fk.unmaps, 1);
		ck_assert_uint_eq(fk.unmap[0].kind, LVH_XEN_KIND_GRANT);
		ck_assert_uint_eq(fk.unmap[0].count, REGION_SIZE / XPAGE);
	} else {
		ck_assert_uint_eq(fk.maps, 5);
		ck_assert_uint_eq(fk.unmaps, 3);
	}
	ck_assert_uint_eq(fk.bad_unmaps, 0);
	/* gone from the back-end: its description may change now */
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, GNT_GPA, 0, 0), 0);
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, GNT_GPA, 0, 0), -ENOENT);
	ck_assert_uint_eq(fk.closes, 0);

	/* the session ends: every mapping released, the handles closed */
	libvhost_frontend_unref(fe);
	libvhost_vring_unref(vr);
	close(kick);
	close(call);
	tu_csumdev_stop(d);
	ck_assert_int_lt(libvhost_backend_get_fd(d->be), 0);
	fake_all_released();
	ck_assert_uint_eq(fk.closes, 1);
	libvhost_mem_unref(mem);
	ck_assert_int_eq(tu_count_fds(), fds_before);
	tu_csumdev_free(d);
}
END_TEST

/* ---- the front-end's refusals, before anything is sent ---- */

START_TEST(test_frontend_refusals)
{
	struct tu_csumdev *d = device_new(0);
	struct libvhost_frontend *fe = frontend(d, 0);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	struct libvhost_mem *mem;
	uint8_t *ring, *buf, *gnt;
	unsigned int errs, lines;

	mem = guest(&ring, &buf, &gnt);
	ck_assert_int_eq(libvhost_frontend_set_xen_region(NULL, 0, LIBVHOST_XEN_MMAP_FOREIGN, 1),
			 -EINVAL);
	/* one of FOREIGN and GRANT; ON_DEMAND only with one; no other bit: the caller's
	 * mistakes, reported by the return code alone (debug lines, nothing at LOG_ERR) */
	errs = tu_log_errors();
	lines = tu_log_lines();
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, 0, 0x3, 1), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, 0, LIBVHOST_XEN_MMAP_ON_DEMAND, 1),
			 -EINVAL);
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, 0, 0x4 | LIBVHOST_XEN_MMAP_GRANT, 1),
			 -EINVAL);
	ck_assert_uint_eq(tu_log_errors(), errs);
	ck_assert_uint_eq(tu_log_lines(), lines + 3);
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, 0, 0, 0), -ENOENT);

	/* one region described, not the others: XEN_MMAP is taken, the table refused */
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, RING_GPA, LIBVHOST_XEN_MMAP_FOREIGN,
							  DOM_F), 0);
	negotiate(fe);
	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	ck_assert_uint_ne(info.protocol_features & PF(XEN_MMAP), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), -EINVAL);
	ck_assert_uint_eq(fk.maps, 0);
	/* described late is fine before the table goes */
	describe(fe, LIBVHOST_XEN_MMAP_GRANT);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	ck_assert_uint_eq(fk.maps, 3);
	libvhost_frontend_unref(fe);
	tu_csumdev_stop(d);
	fake_all_released();
	tu_csumdev_free(d);

	/* Xen regions, but a back-end without XEN_MMAP: its plain mmap of the fds is not asked */
	d = device_new(PF(REPLY_ACK) | PF(CONFIGURE_MEM_SLOTS));
	fe = frontend(d, 0);
	dev = libvhost_frontend_get_dev(fe);
	describe(fe, LIBVHOST_XEN_MMAP_GRANT);
	negotiate(fe);
	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	ck_assert_uint_eq(info.protocol_features & PF(XEN_MMAP), 0);
	errs = tu_log_errors();
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), -EOPNOTSUPP);
	ck_assert_uint_eq(tu_log_errors(), errs); /* the caller's: XEN_MMAP not negotiated */
	libvhost_frontend_unref(fe);
	tu_csumdev_stop(d);
	tu_csumdev_free(d);

	/* no Xen regions described: XEN_MMAP is not taken, even when asked for */
	d = device_new(0);
	fe = frontend(d, libvhost_protocol_features_known() & ~PF(INBAND_NOTIFICATIONS) &
			       ~PF(GET_VRING_BASE_INFLIGHT));
	negotiate(fe);
	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	ck_assert_uint_ne(info.backend_protocol_features & PF(XEN_MMAP), 0);
	ck_assert_uint_eq(info.protocol_features & PF(XEN_MMAP), 0);
	libvhost_frontend_unref(fe);
	tu_csumdev_stop(d);
	tu_csumdev_free(d);
	libvhost_mem_unref(mem);
}
END_TEST

/* ---- the back-end's refusals through the front-end: ON_DEMAND, a failing map ---- */

START_TEST(test_backend_refusals)
{
	struct tu_csumdev *d = device_new(0);
	int fds_before = tu_count_fds();
	struct libvhost_frontend *fe = frontend(d, 0);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_mem *mem;
	uint8_t *ring, *buf, *gnt;
	unsigned int errs;

	mem = guest(&ring, &buf, &gnt);
	describe(fe, LIBVHOST_XEN_MMAP_GRANT | LIBVHOST_XEN_MMAP_ON_DEMAND);
	negotiate(fe);
	/* ADD_MEM_REG of the ON_DEMAND region is refused (REPLY_ACK: the session goes on) */
	errs = tu_log_errors();
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), -EIO);
	ck_assert_uint_gt(tu_log_errors(), errs);
	ck_assert_uint_eq(fk.maps, 2);
	assert_map(0, LVH_XEN_KIND_FOREIGN, DOM_F, RING_GPA >> 12, REGION_SIZE / XPAGE);
	assert_map(1, LVH_XEN_KIND_FOREIGN, DOM_F, BUF_GPA >> 12, REGION_SIZE / XPAGE);

	/* described again, but Xen refuses the mapping: the same, logged */
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, GNT_GPA, LIBVHOST_XEN_MMAP_GRANT,
							  DOM_G), 0);
	fk.fail = -EACCES;
	errs = tu_log_errors();
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), -EIO);
	ck_assert_uint_gt(tu_log_errors(), errs);
	ck_assert_uint_eq(fk.maps, 2);
	/* and once Xen agrees, it is mapped */
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	ck_assert_uint_eq(fk.maps, 3);
	assert_map(2, LVH_XEN_KIND_GRANT, DOM_G, GNT_REF, REGION_SIZE / XPAGE);

	/* a domain Xen reserves: a protocol error, the session ends */
	ck_assert_int_eq(libvhost_mem_remove(mem, GNT_GPA), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, GNT_GPA, REGION_SIZE, NULL, NULL), 0);
	ck_assert_int_eq(libvhost_frontend_set_xen_region(fe, GNT_GPA, LIBVHOST_XEN_MMAP_GRANT,
							  0x7ff0), 0);
	errs = tu_log_errors();
	ck_assert_int_lt(libvhost_dev_set_mem(dev, mem), 0);
	ck_assert_uint_gt(tu_log_errors(), errs);
	ck_assert_uint_eq(fk.maps, 3);

	libvhost_frontend_unref(fe);
	tu_csumdev_stop(d);
	ck_assert_int_lt(libvhost_backend_get_fd(d->be), 0);
	fake_all_released();
	libvhost_mem_unref(mem);
	ck_assert_int_eq(tu_count_fds(), fds_before);
	tu_csumdev_free(d);
}
END_TEST

/* ---- raw Xen regions to the back-end alone ---- */

static void pump(struct libvhost_backend *be)
{
	while (libvhost_backend_get_fd(be) >= 0 && libvhost_backend_process(be) == 1)
		;
}

static void raw_send(int fd, uint32_t request, uint64_t v)
{
	struct lvh_msg m;

	lvh_msg_init(&m, request, 0);
	lvh_msg_set_u64(&m, v);
	ck_assert_int_eq(lvh_wire_send(ctx, fd, &m, 1000), 0);
}

static int raw_open(struct libvhost_backend *be)
{
	int fd = tu_connect_backend(be);

	raw_send(fd, LIBVHOST_USER_SET_FEATURES,
		 F_VERSION_1 | LVH_BIT(LIBVHOST_USER_F_PROTOCOL_FEATURES));
	raw_send(fd, LIBVHOST_USER_SET_PROTOCOL_FEATURES, PF(XEN_MMAP) | PF(REPLY_ACK));
	pump(be);
	ck_assert_int_ge(libvhost_backend_get_fd(be), 0);
	return fd;
}

/*
 * SET_MEM_TABLE (NEED_REPLY) of one region in the Xen layout, with a memfd
 * the back-end must close unused: its status, or -1 if the session ended.
 */
static int64_t raw_table(struct libvhost_backend *be, int fd, const struct lvh_mem_region *reg,
			 bool encode_checked)
{
	struct lvh_mem_table t = { .nregions = 1 };
	int mfd = memfd_create("xen", MFD_CLOEXEC);
	struct lvh_msg m, rep;
	char c;

	ck_assert_int_ge(mfd, 0);
	t.regions[0] = *reg;
	lvh_msg_init(&m, LIBVHOST_USER_SET_MEM_TABLE, LIBVHOST_USER_FLAG_NEED_REPLY);
	if (encode_checked) {
		ck_assert_int_eq(lvh_msg_encode_mem_table(&m, &t, true, &mfd), 0);
	} else {
		/* flags the encoder refuses to write: the same bytes by hand */
		struct lvh_mem_region ok = *reg;

		ok.xen_mmap_flags = LVH_XEN_MMAP_FOREIGN;
		t.regions[0] = ok;
		ck_assert_int_eq(lvh_msg_encode_mem_table(&m, &t, true, &mfd), 0);
		memcpy(m.payload.bytes + 8 + 32, &reg->xen_mmap_flags, 4);
	}
	ck_assert_int_eq(lvh_wire_send(ctx, fd, &m, 1000), 0);
	close(mfd);
	pump(be);
	if (libvhost_backend_get_fd(be) < 0) {
		ck_assert_int_eq(read(fd, &c, 1), 0);
		close(fd);
		return -1;
	}
	ck_assert_int_eq(lvh_wire_recv(ctx, fd, &rep, 1000), 0);
	ck_assert_uint_eq(rep.size, 8);
	return (int64_t)rep.payload.u64;
}

START_TEST(test_raw)
{
	struct libvhost_backend *be;
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .queue_num = 1);
	struct lvh_mem_region reg;
	struct libvhost_mem *mem;
	uint8_t *ring, *buf, *gnt, *p;
	int fds_before, fd;
	unsigned int errs;

	mem = guest(&ring, &buf, &gnt);
	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &be), 0);
	lvh_be_xen_set_map_ops(be, &fake_ops, &fk);
	fds_before = tu_count_fds();
	fd = raw_open(be);

	/* a grant region that starts inside a page: the pages it touches, where it starts */
	reg = (struct lvh_mem_region){ .guest_addr = GNT_GPA + 0x400, .size = 0x1000,
				       .user_addr = 0x5000400, .mmap_offset = 0x1234,
				       .xen_mmap_flags = LVH_XEN_MMAP_GRANT, .domid = DOM_G };
	ck_assert_int_eq(raw_table(be, fd, &reg, true), 0);
	ck_assert_uint_eq(fk.maps, 1);
	assert_map(0, LVH_XEN_KIND_GRANT, DOM_G, GNT_REF, 2);
	p = lvh_mem_translate(be->mem, GNT_GPA + 0x400, 0x1000, NULL);
	ck_assert_ptr_eq(p, (uint8_t *)fk.map[0].addr + 0x400);
	gnt[0x400] = 0x5a;
	ck_assert_uint_eq(p[0], 0x5a);
	ck_assert_ptr_null(lvh_mem_translate(be->mem, GNT_GPA + 0x3ff, 1, NULL));
	ck_assert_ptr_null(lvh_mem_translate(be->mem, GNT_GPA + 0x1400, 1, NULL));
	ck_assert_int_eq(tu_count_fds(), fds_before + 2); /* the socketpair: the memfd is closed */

	/* ON_DEMAND, too many pages, pages the domain lacks: refused, the session goes on */
	errs = tu_log_errors();
	reg = (struct lvh_mem_region){ .guest_addr = BUF_GPA, .size = REGION_SIZE,
				       .user_addr = 0x6000000,
				       .xen_mmap_flags = LVH_XEN_MMAP_FOREIGN |
							 LVH_XEN_MMAP_ON_DEMAND,
				       .domid = DOM_F };
	ck_assert_int_eq(raw_table(be, fd, &reg, true), EOPNOTSUPP);
	reg.xen_mmap_flags = LVH_XEN_MMAP_FOREIGN;
	reg.size = ((uint64_t)LVH_XEN_MAX_PAGES + 1) * XPAGE;
	ck_assert_int_eq(raw_table(be, fd, &reg, true), ENOSPC);
	reg.size = 2 * REGION_SIZE;
	ck_assert_int_eq(raw_table(be, fd, &reg, true), EFAULT);
	ck_assert_uint_ge(tu_log_errors(), errs + 3);
	ck_assert_uint_eq(fk.maps, 1);
	ck_assert_uint_eq(fk.unmaps, 1); /* the first table went with the second */

	/* a reserved domain, grant references past 32 bits, bad flags: the session ends */
	errs = tu_log_errors();
	reg.size = REGION_SIZE;
	reg.domid = 0x7ff2; /* DOMID_XEN */
	ck_assert_int_eq(raw_table(be, fd, &reg, true), -1);
	ck_assert_uint_gt(tu_log_errors(), errs);
	fd = raw_open(be);
	errs = tu_log_errors();
	reg = (struct lvh_mem_region){ .guest_addr = LVH_XEN_GRANT_ADDR_OFF | 0xffffffffULL << 12,
				       .size = 2 * XPAGE, .user_addr = 0x6000000,
				       .xen_mmap_flags = LVH_XEN_MMAP_GRANT, .domid = DOM_G };
	ck_assert_int_eq(raw_table(be, fd, &reg, true), -1);
	ck_assert_uint_gt(tu_log_errors(), errs);
	fd = raw_open(be);
	errs = tu_log_errors();
	reg.size = XPAGE;
	reg.xen_mmap_flags = LVH_XEN_MMAP_FOREIGN | LVH_XEN_MMAP_GRANT;
	ck_assert_int_eq(raw_table(be, fd, &reg, false), -1);
	ck_assert_uint_gt(tu_log_errors(), errs);
	fd = raw_open(be);
	reg.xen_mmap_flags = 0x10 | LVH_XEN_MMAP_GRANT;
	ck_assert_int_eq(raw_table(be, fd, &reg, false), -1);
	ck_assert_uint_eq(fk.maps, 1);

	ck_assert_int_eq(tu_count_fds(), fds_before);
	fake_all_released();
	ck_assert_uint_eq(fk.closes, 4); /* once a session */
	libvhost_backend_unref(be);
	libvhost_mem_unref(mem);
}
END_TEST

static Suite *xen_suite(void)
{
	Suite *s = suite_create("xen");
	TCase *tc = tcase_create("xen");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_flow, 0, 2);
	tcase_add_test(tc, test_frontend_refusals);
	tcase_add_test(tc, test_backend_refusals);
	tcase_add_test(tc, test_raw);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(xen_suite());
}
