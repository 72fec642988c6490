/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VDUSE without the kernel's VDUSE: malformed requests fed to the request
 * checker, the kernel's IOTLB answers checked before they are mapped, the
 * handle's argument checks, and the kernel IOVA file's mapping in lib/mem
 * bounds-checked as guest memory is.  The device itself is tested in a
 * guest (make check-vm).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vduse.h>

#include "mem/mem.h"
#include "testutil.h"
#include "user/backend.h"
#include "vduse/vduse.h"

static struct libvhost_ctx *ctx;

static void setup(void)
{
	tu_log_reset();
	ctx = tu_ctx_new();
}

static void teardown(void)
{
	tu_ctx_free(ctx);
}

START_TEST(test_req_malformed)
{
	struct vduse_dev_request req;

	memset(&req, 0, sizeof(req));
	req.type = VDUSE_SET_STATUS;
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req), 2), 0);
	TU_NEGATIVE_BEGIN();
	/* short and long reads */
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req) - 1, 2), -EPROTO);
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, 0, 2), -EPROTO);
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req) + 4, 2), -EPROTO);
	/* an unknown type */
	req.type = VDUSE_UPDATE_IOTLB + 1;
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req), 2), -EPROTO);
	req.type = UINT32_MAX;
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req), 2), -EPROTO);
	/* a ring past the device's */
	req.type = VDUSE_GET_VQ_STATE;
	req.vq_state.index = 2;
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req), 2), -EPROTO);
	req.vq_state.index = UINT32_MAX;
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req), 2), -EPROTO);
	/* an IOVA range backwards */
	memset(&req, 0, sizeof(req));
	req.type = VDUSE_UPDATE_IOTLB;
	req.iova.start = 0x2000;
	req.iova.last = 0x1fff;
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req), 2), -EPROTO);
	TU_NEGATIVE_END();
	ck_assert_ptr_nonnull(strstr(tu_log_last(), "UPDATE_IOTLB"));
	req.iova.last = UINT64_MAX; /* the whole space: what vhost_vdpa's set_map sends */
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req), 2), 0);
	memset(&req, 0, sizeof(req));
	req.type = VDUSE_GET_VQ_STATE;
	req.vq_state.index = 1;
	ck_assert_int_eq(lvh_vduse_req_check(ctx, &req, sizeof(req), 2), 0);
}
END_TEST

START_TEST(test_iotlb_entry_bounds)
{
	/* the kernel's bounce area and a coherent ring */
	ck_assert(lvh_vduse_iotlb_entry_ok(0x1000, 0, (64 << 20) - 1, 0, VDUSE_ACCESS_RW));
	ck_assert(lvh_vduse_iotlb_entry_ok(0x4000000, 0x4000000, 0x4000fff, 0x4000000,
					   VDUSE_ACCESS_RO));
	/* backwards, or not holding the address asked for */
	ck_assert(!lvh_vduse_iotlb_entry_ok(0x1000, 0x2000, 0x1fff, 0, VDUSE_ACCESS_RW));
	ck_assert(!lvh_vduse_iotlb_entry_ok(0x1000, 0x2000, 0x2fff, 0, VDUSE_ACCESS_RW));
	ck_assert(!lvh_vduse_iotlb_entry_ok(0x3000, 0x2000, 0x2fff, 0, VDUSE_ACCESS_RW));
	/* the whole 2^64 (its size wraps to 0), and more than the limit */
	ck_assert(!lvh_vduse_iotlb_entry_ok(0, 0, UINT64_MAX, 0, VDUSE_ACCESS_RW));
	ck_assert(!lvh_vduse_iotlb_entry_ok(0, 0, LVH_VDUSE_REGION_MAX, 0, VDUSE_ACCESS_RW));
	ck_assert(lvh_vduse_iotlb_entry_ok(0, 0, LVH_VDUSE_REGION_MAX - 1, 0, VDUSE_ACCESS_RW));
	/* an fd offset that wraps with the size, or goes past off_t */
	ck_assert(!lvh_vduse_iotlb_entry_ok(0, 0, 0xfff, UINT64_MAX - 0x10, VDUSE_ACCESS_RW));
	ck_assert(!lvh_vduse_iotlb_entry_ok(0, 0, 0xfff, (uint64_t)INT64_MAX, VDUSE_ACCESS_RW));
	/* no permission, or one the kernel does not define */
	ck_assert(!lvh_vduse_iotlb_entry_ok(0, 0, 0xfff, 0, 0));
	ck_assert(!lvh_vduse_iotlb_entry_ok(0, 0, 0xfff, 0, 4));
}
END_TEST

/* A kernel fd's region in lib/mem: translated with the same bounds as guest memory. */
START_TEST(test_kernel_fd_region)
{
	struct libvhost_mem *mem;
	uint64_t contig = 0;
	void *addr = NULL, *p;
	int fd = memfd_create("vduse-iova", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	ck_assert_int_eq(lvh_mem_map_kernel_fd(mem, 0x100000, 0x10000, fd, 0x10000, &addr), 0);
	p = lvh_mem_translate(mem, 0x100000 + 0xff00, 0x100, NULL);
	ck_assert_ptr_eq(p, (uint8_t *)addr + 0xff00);
	ck_assert_ptr_null(lvh_mem_translate(mem, 0x100000 + 0xff00, 0x101, NULL));
	ck_assert_ptr_null(lvh_mem_translate(mem, 0xfffff, 1, NULL));
	p = lvh_mem_translate(mem, 0x10fff0, 0x100, &contig);
	ck_assert(p != NULL && contig == 0x10);
	TU_QUIET_BEGIN();
	/* overlapping, empty, wrapping, an fd offset that wraps */
	ck_assert_int_eq(lvh_mem_map_kernel_fd(mem, 0x108000, 0x10000, fd, 0, &addr), -EEXIST);
	ck_assert_int_eq(lvh_mem_map_kernel_fd(mem, 0x200000, 0, fd, 0, &addr), -EINVAL);
	ck_assert_int_eq(lvh_mem_map_kernel_fd(mem, UINT64_MAX - 0xfff, 0x2000, fd, 0, &addr),
			 -EINVAL);
	ck_assert_int_eq(lvh_mem_map_kernel_fd(mem, 0x200000, 0x1000, fd, UINT64_MAX - 0x10, &addr),
			 -EINVAL);
	TU_QUIET_END();
	ck_assert_int_eq(libvhost_mem_remove(mem, 0x100000), 0);
	ck_assert_ptr_null(lvh_mem_translate(mem, 0x100000, 1, NULL));
	libvhost_mem_unref(mem);
	close(fd);
}
END_TEST

START_TEST(test_handle_args)
{
	LIBVHOST_OPTS(libvhost_vduse_opts, o, .device_id = 2);
	LIBVHOST_OPTS(libvhost_vduse_opts, bad, .device_id = 2, .queue_size = 100);
	LIBVHOST_OPTS(libvhost_vduse_opts, wce, .device_id = 2, .features = 1ULL << 11);
	LIBVHOST_OPTS(libvhost_vduse_opts, cfg, .device_id = 2, .config_size = 8);
	struct libvhost_vduse *v = NULL;
	char long_name[300];
	uint64_t ver;

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	TU_QUIET_BEGIN();
	ck_assert_int_eq(libvhost_vduse_new(NULL, "x", &o, &v), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_new(ctx, NULL, &o, &v), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_new(ctx, "", &o, &v), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_new(ctx, "a/b", &o, &v), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_new(ctx, "..", &o, &v), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_new(ctx, long_name, &o, &v), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_new(ctx, "x", &bad, &v), -EINVAL);
	/* a config space with no get_config to fill it */
	ck_assert_int_eq(libvhost_vduse_new(ctx, "x", &cfg, &v), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_destroy(ctx, "a/b"), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_api_version(ctx, NULL), -EINVAL);
	TU_QUIET_END();
	/* the kernel's read-only config space: refused before it is asked */
	ck_assert_int_eq(libvhost_vduse_new(ctx, "x", &wce, &v), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(tu_log_last(), "CONFIG_WCE"));
	ck_assert_ptr_null(v);
	ck_assert_int_eq(libvhost_vduse_get_fd(NULL), -1);
	ck_assert_int_eq(libvhost_vduse_process(NULL), -EINVAL);
	ck_assert_ptr_null(libvhost_vduse_get_vq(NULL, 0));
	ck_assert_ptr_null(libvhost_vduse_unref(NULL));
	ck_assert_int_eq(libvhost_vduse_set_config(NULL, 0, "", 1), -EINVAL);
	/* this machine's kernel: with VDUSE or without it, never a crash */
	if (access(LVH_VDUSE_CONTROL, F_OK) < 0)
		ck_assert_int_eq(libvhost_vduse_api_version(ctx, &ver), -EOPNOTSUPP);
}
END_TEST

/*
 * The request channel served over a socket pair standing in for
 * /dev/vduse/NAME (a handle put together here, no kernel device): each
 * request answered with its id, and counted in libvhost_vduse_get_stats().
 */
static void send_req(int fd, uint32_t type, uint32_t id, uint64_t a, uint64_t b)
{
	struct vduse_dev_request req;

	memset(&req, 0, sizeof(req));
	req.type = type;
	req.request_id = id;
	if (type == VDUSE_GET_VQ_STATE)
		req.vq_state.index = (uint32_t)a;
	else if (type == VDUSE_SET_STATUS)
		req.s.status = (uint8_t)a;
	else {
		req.iova.start = a;
		req.iova.last = b;
	}
	ck_assert_int_eq(write(fd, &req, sizeof(req)), sizeof(req));
}

/* A handle put together here, with 2 rings, whose device fd is sp[0] of a new socket pair. */
static struct libvhost_vduse *fake_handle(int sp[2])
{
	LIBVHOST_OPTS(libvhost_backend_opts, bo, .queue_num = 2);
	struct libvhost_vduse *v = calloc(1, sizeof(*v));

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp), 0);
	v->refcount = 1;
	v->ctx = libvhost_ctx_ref(ctx);
	v->fd = sp[0];
	snprintf(v->name, sizeof(v->name), "unit");
	ck_assert_int_eq(libvhost_backend_new(ctx, &bo, &v->be), 0);
	lvh_vduse_xl_init(v);
	return v;
}

START_TEST(test_serve_stats)
{
	struct libvhost_vduse_stats st = { .sz = sizeof(st) }, small = { .sz = sizeof(size_t) };
	struct { size_t sz; uint64_t requests, failed; } old = { .sz = sizeof(old) };
	struct vduse_dev_response resp;
	int sp[2], i;
	struct libvhost_vduse *v = fake_handle(sp);

	ck_assert_int_eq(libvhost_vduse_get_stats(v, &st), 0);
	ck_assert_uint_eq(st.requests, 0);

	send_req(sp[1], VDUSE_GET_VQ_STATE, 10, 1, 0);
	send_req(sp[1], VDUSE_UPDATE_IOTLB, 11, 0, UINT64_MAX);
	send_req(sp[1], VDUSE_UPDATE_IOTLB, 12, 0x1000, 0x1fff);
	send_req(sp[1], VDUSE_SET_STATUS, 13, 1, 0);
	send_req(sp[1], VDUSE_SET_STATUS, 14, 0, 0);
	send_req(sp[1], VDUSE_GET_VQ_STATE, 15, 2, 0); /* past the 2 rings */
	TU_NEGATIVE_BEGIN();
	ck_assert_int_eq(lvh_vduse_serve(v), -EPROTO);
	TU_NEGATIVE_END();
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(read(sp[1], &resp, sizeof(resp)), sizeof(resp));
		ck_assert_uint_eq(resp.request_id, 10 + i);
		ck_assert_uint_eq(resp.result, i < 5 ? VDUSE_REQ_RESULT_OK : VDUSE_REQ_RESULT_FAILED);
	}
	ck_assert_int_eq(libvhost_vduse_get_stats(v, &st), 0);
	ck_assert_uint_eq(st.requests, 6);
	ck_assert_uint_eq(st.failed, 1);
	ck_assert_uint_eq(st.vq_states, 1); /* the malformed one is not counted as asked */
	ck_assert_uint_eq(st.iotlb_updates, 2);
	ck_assert_uint_eq(st.status_changes, 2);
	ck_assert_uint_eq(st.resets, 1);
	/* an older caller's shorter struct: filled up to its size, no further */
	ck_assert_int_eq(libvhost_vduse_get_stats(v, (struct libvhost_vduse_stats *)&old), 0);
	ck_assert_uint_eq(old.requests, 6);
	ck_assert_uint_eq(old.failed, 1);
	ck_assert_int_eq(lvh_vduse_serve(v), 0); /* nothing waiting */
	ck_assert_int_eq(libvhost_vduse_get_stats(v, &small), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_get_stats(NULL, &st), -EINVAL);
	ck_assert_int_eq(libvhost_vduse_get_stats(v, NULL), -EINVAL);
	close(sp[1]);
	libvhost_vduse_unref(v); /* closes sp[0]; not created here: nothing destroyed */
}
END_TEST

/*
 * vhost-vdpa's user unmaps its memory and maps it again, the ring idle: the
 * UPDATE_IOTLB of the unmap finds the ring's IOVA gone.  The ring waits,
 * paused (pops take nothing, a push says -EAGAIN, notify touches nothing),
 * not broken; the UPDATE_IOTLB that finds it again resumes it and kicks it.
 */
START_TEST(test_ring_iova_away)
{
	int sp[2], fd = memfd_create("vduse-iova", MFD_CLOEXEC);
	struct libvhost_vduse *v = fake_handle(sp);
	struct libvhost_vq *vq = &v->be->vqs[0];
	struct libvhost_vq_elem e;
	struct iovec iov[4];
	uint8_t *addr = NULL;
	uint64_t cnt = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 0x10000), 0);
	ck_assert_int_eq(lvh_mem_map_kernel_fd(v->be->mem, 0x100000, 0x10000, fd, 0, (void **)&addr),
			 0);
	/* ring 0 running as DRIVER_OK starts it: 8 entries in the region */
	vq->num = 8;
	vq->desc = 0x100000;
	vq->avail = 0x101000;
	vq->used = 0x102000;
	ck_assert_int_eq(lvh_vq_split_init(&vq->ring, ctx, v->be->mem, 0, 8, addr, addr + 0x1000,
					   addr + 0x2000, false, 0),
			 0);
	vq->ring.xl = &v->xl;
	vq->running = vq->started = true;
	vq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_ge(vq->kick_fd, 0);

	/* the IOVA goes (the socket pair has no VDUSE_IOTLB_GET_FD: nothing is there) */
	lvh_vduse_iova_drop(v, 0, UINT64_MAX);
	ck_assert(vq->paused);
	ck_assert(!vq->ring.broken);
	ck_assert_int_eq(libvhost_vq_pop(vq, iov, 4, &e), 0);
	ck_assert_int_eq(libvhost_vq_push(vq, 0, 0), -EAGAIN);
	ck_assert_int_eq(libvhost_vq_notify(vq), 0);

	/* it comes back (mapped here as fetch() would); a drop elsewhere finds it */
	ck_assert_int_eq(lvh_mem_map_kernel_fd(v->be->mem, 0x100000, 0x10000, fd, 0, (void **)&addr),
			 0);
	lvh_vduse_iova_drop(v, 0x200000, 0x2fffff);
	ck_assert(!vq->paused);
	ck_assert_ptr_eq(vq->ring.desc, addr);
	ck_assert_int_eq(read(vq->kick_fd, &cnt, sizeof(cnt)), sizeof(cnt));
	ck_assert_uint_eq(cnt, 1);
	ck_assert_int_eq(libvhost_vq_pop(vq, iov, 4, &e), 0); /* empty, and whole */
	ck_assert(!vq->ring.broken);
	close(sp[1]);
	libvhost_vduse_unref(v);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vduse");
	TCase *tc = tcase_create("host");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_req_malformed);
	tcase_add_test(tc, test_iotlb_entry_bounds);
	tcase_add_test(tc, test_kernel_fd_region);
	tcase_add_test(tc, test_handle_args);
	tcase_add_test(tc, test_serve_stats);
	tcase_add_test(tc, test_ring_iova_away);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
