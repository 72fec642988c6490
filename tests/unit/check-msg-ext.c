/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden and malformed vectors for the back-end channel, postcopy, state,
 * shared objects, shared memory, net, crypto and GPU families.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "golden.h"
#include "msg-backend.h"
#include "msg-crypto.h"
#include "msg-gpu.h"
#include "msg-net.h"
#include "msg-postcopy.h"
#include "msg-shared.h"
#include "msg-shmem.h"
#include "msg-state.h"

#define FE LVH_DIR_FRONTEND
#define BE LVH_DIR_BACKEND
#define BODY LVH_REPLY_KIND_BODY
#define ACK LVH_REPLY_KIND_ACK

/* ---- back-end channel ---- */

START_TEST(test_backend_golden)
{
	static const uint8_t req_fd[] = { HDR(21, NEED, 0) };
	static const uint8_t req_fd_ack[] = { HDR(21, REP, 8), U64(0) };
	static const uint8_t config_change[] = { HDR(2, NEED, 0) };
	/* host notifier for vring 3: one page at offset 0x3000 of the fd */
	static const uint8_t notifier[] = { HDR(3, REQ, 24), U64(3), U64(0x1000), U64(0x3000) };
	/* remove vring 3's notifier: NOFD, no fd */
	static const uint8_t notifier_off[] = { HDR(3, REQ, 24), U64(0x103), U64(0), U64(0) };
	static const uint8_t call[] = { HDR(4, NEED, 8), U32(5), U32(0) };
	static const uint8_t err[] = { HDR(5, REQ, 8), U32(0x7fff), U32(0) };
	struct lvh_vring_area a;
	struct lvh_msg m, e;
	uint32_t idx;

	G_REQ(m, FE, req_fd, 1, PROTO_BIT(BACKEND_REQ) | PROTO_BIT(REPLY_ACK));
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_BACKEND_REQ_FD, NEED);
	ck_assert_int_eq(lvh_msg_add_fd(&e, 100), 0);
	G_SAME(e, req_fd, 1);
	G_REP(m, FE, LIBVHOST_USER_SET_BACKEND_REQ_FD, ACK, req_fd_ack, 0);

	G_REQ(m, BE, config_change, 0, PROTO_BIT(CONFIG) | PROTO_BIT(REPLY_ACK));
	g_init(&e, LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG, NEED);
	G_SAME(e, config_change, 0);

	G_REQ(m, BE, notifier, 1, PROTO_BIT(HOST_NOTIFIER) | PROTO_BIT(BACKEND_SEND_FD));
	ck_assert_int_eq(lvh_msg_decode_vring_area(gctx, &m, &a), 0);
	ck_assert_uint_eq(a.index, 3);
	ck_assert(!a.nofd);
	ck_assert_uint_eq(a.size, 0x1000);
	ck_assert_uint_eq(a.offset, 0x3000);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, 100), 0);
	G_SAME(e, notifier, 1);

	G_REQ(m, BE, notifier_off, 0, PROTO_BIT(HOST_NOTIFIER));
	ck_assert_int_eq(lvh_msg_decode_vring_area(gctx, &m, &a), 0);
	ck_assert(a.nofd);
	g_init(&e, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, -1), 0);
	G_SAME(e, notifier_off, 0);

	G_REQ(m, BE, call, 0, ALL_PROTO);
	ck_assert_int_eq(lvh_msg_decode_backend_vring(gctx, &m, &idx), 0);
	ck_assert_uint_eq(idx, 5);
	g_init(&e, LIBVHOST_USER_BACKEND_VRING_CALL, NEED);
	ck_assert_int_eq(lvh_msg_encode_backend_vring(&e, idx), 0);
	G_SAME(e, call, 0);

	G_REQ(m, BE, err, 0, PROTO_BIT(INBAND_NOTIFICATIONS));
	ck_assert_int_eq(lvh_msg_decode_backend_vring(gctx, &m, &idx), 0);
	ck_assert_uint_eq(idx, 0x7fff);
}
END_TEST

START_TEST(test_backend_malformed)
{
	static const uint8_t bits[] = { HDR(3, REQ, 24), U64(0x203), U64(0x1000), U64(0) };
	static const uint8_t fd_with_nofd[] = { HDR(3, REQ, 24), U64(0x103), U64(0), U64(0) };
	static const uint8_t fd_missing[] = { HDR(3, REQ, 24), U64(3), U64(0x1000), U64(0) };
	static const uint8_t empty_area[] = { HDR(3, REQ, 24), U64(3), U64(0), U64(0) };
	static const uint8_t wrap_area[] = { HDR(3, REQ, 24), U64(3), U64(0x2000), U64(0xfffffffffffff000ULL) };
	static const uint8_t call_idx[] = { HDR(4, REQ, 8), U32(0x8000), U32(0) };
	static const uint8_t call_num[] = { HDR(4, REQ, 8), U32(0), U32(1) };
	static const uint8_t req_fd[] = { HDR(21, REQ, 0) };
	struct lvh_vring_area a;
	struct lvh_msg m;
	uint32_t idx;

	G_BAD(m, bits, 1, -EPROTO, lvh_msg_decode_vring_area(gctx, &m, &a));
	G_BAD(m, fd_with_nofd, 1, -EBADMSG, lvh_msg_decode_vring_area(gctx, &m, &a));
	G_BAD(m, fd_missing, 0, -EBADMSG, lvh_msg_decode_vring_area(gctx, &m, &a));
	G_BAD(m, empty_area, 1, -EPROTO, lvh_msg_decode_vring_area(gctx, &m, &a));
	G_BAD(m, wrap_area, 1, -EPROTO, lvh_msg_decode_vring_area(gctx, &m, &a));
	/* fds from the back-end need BACKEND_SEND_FD */
	G_BAD(m, fd_missing, 1, -EBADMSG,
	      lvh_proto_check_request(gctx, BE, &m, ALL_PROTO & ~PROTO_BIT(BACKEND_SEND_FD)));
	G_BAD(m, call_idx, 0, -EPROTO, lvh_msg_decode_backend_vring(gctx, &m, &idx));
	G_BAD(m, call_num, 0, -EPROTO, lvh_msg_decode_backend_vring(gctx, &m, &idx));
	G_BAD(m, call_num, 0, -EOPNOTSUPP,
	      lvh_proto_check_request(gctx, BE, &m, ALL_PROTO & ~PROTO_BIT(INBAND_NOTIFICATIONS)));
	G_BAD(m, req_fd, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
	G_BAD(m, req_fd, 1, -EOPNOTSUPP,
	      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(BACKEND_REQ)));
}
END_TEST

/* ---- postcopy ---- */

START_TEST(test_postcopy_golden)
{
	static const uint8_t advise[] = { HDR(28, REQ, 0) };
	static const uint8_t advise_rep[] = { HDR(28, REP, 8), U64(0) };
	static const uint8_t advise_rep_empty[] = { HDR(28, REP, 0) };
	static const uint8_t listen[] = { HDR(29, REQ, 0) };
	static const uint8_t end[] = { HDR(30, REQ, 0) };
	static const uint8_t end_rep[] = { HDR(30, REP, 8), U64(0) };
	struct lvh_msg m, e;

	G_REQ(m, FE, advise, 0, PROTO_BIT(PAGEFAULT));
	g_init(&e, LIBVHOST_USER_POSTCOPY_ADVISE, REQ);
	G_SAME(e, advise, 0);
	G_REP(m, FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, advise_rep, 1);
	ck_assert_int_eq(lvh_msg_decode_postcopy_advise_reply(gctx, &m), 0);
	lvh_msg_close_fds(&m);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_postcopy_advise_reply(&e, 100), 0);
	G_SAME(e, advise_rep, 1);
	G_REP(m, FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, advise_rep_empty, 1);
	ck_assert_int_eq(lvh_msg_decode_postcopy_advise_reply(gctx, &m), 0);
	lvh_msg_close_fds(&m);

	G_REQ(m, FE, listen, 0, PROTO_BIT(PAGEFAULT));
	g_init(&e, LIBVHOST_USER_POSTCOPY_LISTEN, REQ);
	G_SAME(e, listen, 0);
	G_REQ(m, FE, end, 0, PROTO_BIT(PAGEFAULT));
	G_REP(m, FE, LIBVHOST_USER_POSTCOPY_END, BODY, end_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_postcopy_end_reply(gctx, &m), 0);
}
END_TEST

START_TEST(test_postcopy_malformed)
{
	static const uint8_t advise_rep[] = { HDR(28, REP, 8), U64(0) };
	static const uint8_t advise_rep4[] = { HDR(28, REP, 4), PAD4 };
	static const uint8_t end_fail[] = { HDR(30, REP, 8), U64(1) };
	static const uint8_t listen[] = { HDR(29, REQ, 0) };
	struct lvh_msg m;

	/* the userfaultfd missing, or two of them */
	G_BAD(m, advise_rep, 0, -EBADMSG, lvh_msg_decode_postcopy_advise_reply(gctx, &m));
	G_BAD(m, advise_rep, 2, -EBADMSG, lvh_msg_decode_postcopy_advise_reply(gctx, &m));
	G_BAD(m, advise_rep, 0, -EBADMSG,
	      lvh_proto_check_reply(gctx, FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, &m));
	G_BAD(m, advise_rep4, 1, -EBADMSG, lvh_msg_decode_postcopy_advise_reply(gctx, &m));
	G_BAD(m, end_fail, 0, -EIO, lvh_msg_decode_postcopy_end_reply(gctx, &m));
	G_BAD(m, listen, 0, -EOPNOTSUPP,
	      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(PAGEFAULT)));
	G_BAD(m, listen, 1, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
}
END_TEST

/* ---- status and device state ---- */

START_TEST(test_state_golden)
{
	/* ACKNOWLEDGE | DRIVER | DRIVER_OK | FEATURES_OK = 0x0f */
	static const uint8_t set_status[] = { HDR(39, REQ, 8), U64(0x0f) };
	static const uint8_t get_status[] = { HDR(40, REQ, 0) };
	static const uint8_t get_status_rep[] = { HDR(40, REP, 8), U64(0x0f) };
	/* save, stopped phase, with the write end of a pipe */
	static const uint8_t set_state[] = { HDR(42, REQ, 8), U32(0), U32(0) };
	static const uint8_t load_state[] = { HDR(42, REQ, 8), U32(1), U32(0) };
	/* reply: success and no fd of the back-end's own (bit 8) */
	static const uint8_t state_rep_nofd[] = { HDR(42, REP, 8), U64(0x100) };
	/* reply: success with the back-end's own fd */
	static const uint8_t state_rep_fd[] = { HDR(42, REP, 8), U64(0) };
	static const uint8_t check[] = { HDR(43, REQ, 0) };
	static const uint8_t check_rep[] = { HDR(43, REP, 8), U64(0) };
	struct lvh_device_state s;
	struct lvh_msg m, e;
	uint8_t status;

	G_REQ(m, FE, set_status, 0, PROTO_BIT(STATUS));
	ck_assert_int_eq(lvh_msg_decode_status(gctx, &m, &status), 0);
	ck_assert_uint_eq(status, 0x0f);
	g_init(&e, LIBVHOST_USER_SET_STATUS, REQ);
	lvh_msg_set_u64(&e, status);
	G_SAME(e, set_status, 0);
	G_REQ(m, FE, get_status, 0, PROTO_BIT(STATUS));
	G_REP(m, FE, LIBVHOST_USER_GET_STATUS, BODY, get_status_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_status(gctx, &m, &status), 0);
	ck_assert_uint_eq(status, 0x0f);

	G_REQ(m, FE, set_state, 1, PROTO_BIT(DEVICE_STATE));
	ck_assert_int_eq(lvh_msg_decode_device_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.direction, LVH_STATE_SAVE);
	ck_assert_uint_eq(s.phase, LVH_STATE_PHASE_STOPPED);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_DEVICE_STATE_FD, REQ);
	ck_assert_int_eq(lvh_msg_encode_device_state(&e, &s, 100), 0);
	G_SAME(e, set_state, 1);
	G_REQ(m, FE, load_state, 1, PROTO_BIT(DEVICE_STATE));
	ck_assert_int_eq(lvh_msg_decode_device_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.direction, LVH_STATE_LOAD);
	lvh_msg_close_fds(&m);

	G_REP(m, FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, state_rep_nofd, 0);
	ck_assert_int_eq(lvh_msg_decode_device_state_reply(gctx, &m), 0);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_device_state_reply(&e, 0, -1), 0);
	G_SAME(e, state_rep_nofd, 0);
	G_REP(m, FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, state_rep_fd, 1);
	ck_assert_int_eq(lvh_msg_decode_device_state_reply(gctx, &m), 1);
	lvh_msg_close_fds(&m);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_device_state_reply(&e, 0, 100), 0);
	G_SAME(e, state_rep_fd, 1);

	G_REQ(m, FE, check, 0, PROTO_BIT(DEVICE_STATE));
	G_REP(m, FE, LIBVHOST_USER_CHECK_DEVICE_STATE, BODY, check_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_check_device_state_reply(gctx, &m), 0);
}
END_TEST

START_TEST(test_state_malformed)
{
	static const uint8_t status_big[] = { HDR(39, REQ, 8), U64(0x10f) };
	static const uint8_t dir2[] = { HDR(42, REQ, 8), U32(2), U32(0) };
	static const uint8_t phase1[] = { HDR(42, REQ, 8), U32(0), U32(1) };
	static const uint8_t rep_err[] = { HDR(42, REP, 8), U64(0x105) };
	static const uint8_t rep_err_fd[] = { HDR(42, REP, 8), U64(0x5) };
	static const uint8_t rep_bits[] = { HDR(42, REP, 8), U64(0x200) };
	static const uint8_t rep_fd[] = { HDR(42, REP, 8), U64(0) };
	static const uint8_t rep_nofd[] = { HDR(42, REP, 8), U64(0x100) };
	static const uint8_t check_fail[] = { HDR(43, REP, 8), U64(22) };
	static const uint8_t set_state[] = { HDR(42, REQ, 8), U32(0), U32(0) };
	struct lvh_device_state s;
	struct lvh_msg m;
	uint8_t status;

	G_BAD(m, status_big, 0, -EPROTO, lvh_msg_decode_status(gctx, &m, &status));
	G_BAD(m, dir2, 1, -EPROTO, lvh_msg_decode_device_state(gctx, &m, &s));
	G_BAD(m, phase1, 1, -EPROTO, lvh_msg_decode_device_state(gctx, &m, &s));
	G_BAD(m, set_state, 0, -EBADMSG, lvh_msg_decode_device_state(gctx, &m, &s));
	G_BAD(m, set_state, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
	G_BAD(m, rep_err, 0, -EIO, lvh_msg_decode_device_state_reply(gctx, &m));
	G_BAD(m, rep_err_fd, 1, -EBADMSG, lvh_msg_decode_device_state_reply(gctx, &m));
	G_BAD(m, rep_bits, 0, -EPROTO, lvh_msg_decode_device_state_reply(gctx, &m));
	G_BAD(m, rep_fd, 0, -EBADMSG, lvh_msg_decode_device_state_reply(gctx, &m));
	G_BAD(m, rep_nofd, 1, -EBADMSG, lvh_msg_decode_device_state_reply(gctx, &m));
	G_BAD(m, check_fail, 0, -EIO, lvh_msg_decode_check_device_state_reply(gctx, &m));
	G_BAD(m, status_big, 0, -EOPNOTSUPP,
	      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(STATUS)));
}
END_TEST

/* ---- shared objects ---- */

#define UUID_BYTES 0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00

START_TEST(test_shared_golden)
{
	/* 123e4567-e89b-12d3-a456-426614174000, first fields big-endian as RFC 4122 */
	static const uint8_t get[] = { HDR(41, REQ, 16), UUID_BYTES };
	static const uint8_t get_rep[] = { HDR(41, REP, 8), U64(0) };
	static const uint8_t get_rep_missing[] = { HDR(41, REP, 8), U64(1) };
	static const uint8_t add[] = { HDR(6, NEED, 16), UUID_BYTES };
	static const uint8_t rem[] = { HDR(7, REQ, 16), UUID_BYTES };
	static const uint8_t lookup[] = { HDR(8, REQ, 16), UUID_BYTES };
	static const uint8_t lookup_rep[] = { HDR(8, REP, 8), U64(0) };
	static const uint8_t want[16] = { UUID_BYTES };
	struct lvh_uuid u;
	struct lvh_msg m, e;

	G_REQ(m, FE, get, 0, PROTO_BIT(SHARED_OBJECT));
	ck_assert_int_eq(lvh_msg_decode_uuid(gctx, &m, FE, &u), 0);
	ck_assert_mem_eq(u.b, want, 16);
	g_init(&e, LIBVHOST_USER_GET_SHARED_OBJECT, REQ);
	ck_assert_int_eq(lvh_msg_encode_uuid(&e, &u), 0);
	G_SAME(e, get, 0);
	G_REP(m, FE, LIBVHOST_USER_GET_SHARED_OBJECT, BODY, get_rep, 1);
	ck_assert_int_eq(lvh_msg_decode_shared_object_reply(gctx, &m), 1);
	lvh_msg_close_fds(&m);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_shared_object_reply(&e, 100), 0);
	G_SAME(e, get_rep, 1);
	G_REP(m, FE, LIBVHOST_USER_GET_SHARED_OBJECT, BODY, get_rep_missing, 0);
	ck_assert_int_eq(lvh_msg_decode_shared_object_reply(gctx, &m), 0);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_shared_object_reply(&e, -1), 0);
	G_SAME(e, get_rep_missing, 0);

	G_REQ(m, BE, add, 0, PROTO_BIT(SHARED_OBJECT) | PROTO_BIT(REPLY_ACK));
	ck_assert_int_eq(lvh_msg_decode_uuid(gctx, &m, BE, &u), 0);
	g_init(&e, LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD, NEED);
	ck_assert_int_eq(lvh_msg_encode_uuid(&e, &u), 0);
	G_SAME(e, add, 0);
	G_REQ(m, BE, rem, 0, PROTO_BIT(SHARED_OBJECT));
	ck_assert_int_eq(lvh_msg_decode_uuid(gctx, &m, BE, &u), 0);
	G_REQ(m, BE, lookup, 0, PROTO_BIT(SHARED_OBJECT));
	ck_assert_int_eq(lvh_msg_decode_uuid(gctx, &m, BE, &u), 0);
	G_REP(m, BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, BODY, lookup_rep, 1);
	ck_assert_int_eq(lvh_msg_decode_shared_object_reply(gctx, &m), 1);
	lvh_msg_close_fds(&m);
}
END_TEST

START_TEST(test_shared_malformed)
{
	static const uint8_t nil[] = { HDR(41, REQ, 16), PAD8, PAD8 };
	static const uint8_t short_uuid[] = { HDR(6, REQ, 15), PAD8, PAD4, 0, 0, 1 };
	static const uint8_t ok_nofd[] = { HDR(41, REP, 8), U64(0) };
	static const uint8_t missing_fd[] = { HDR(8, REP, 8), U64(2) };
	static const uint8_t get[] = { HDR(41, REQ, 16), UUID_BYTES };
	struct lvh_uuid u;
	struct lvh_msg m;

	G_BAD(m, nil, 0, -EPROTO, lvh_msg_decode_uuid(gctx, &m, FE, &u));
	G_BAD(m, short_uuid, 0, -EBADMSG, lvh_msg_decode_uuid(gctx, &m, BE, &u));
	G_BAD(m, short_uuid, 0, -EBADMSG, lvh_proto_check_request(gctx, BE, &m, ALL_PROTO));
	G_BAD(m, ok_nofd, 0, -EBADMSG, lvh_msg_decode_shared_object_reply(gctx, &m));
	G_BAD(m, missing_fd, 1, -EBADMSG, lvh_msg_decode_shared_object_reply(gctx, &m));
	G_BAD(m, ok_nofd, 2, -EBADMSG,
	      lvh_proto_check_reply(gctx, FE, LIBVHOST_USER_GET_SHARED_OBJECT, BODY, &m));
	G_BAD(m, get, 0, -EOPNOTSUPP,
	      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(SHARED_OBJECT)));
}
END_TEST

/* ---- VIRTIO shared memory ---- */

START_TEST(test_shmem_golden)
{
	static const uint8_t get_cfg[] = { HDR(44, REQ, 0) };
	/* two regions: shmid 0 of 16 MiB (DAX window) and shmid 3 of 1 MiB */
	uint8_t cfg_rep[12 + 2056] = { HDR(44, REP, 2056), U32(2), PAD4, U64(0x1000000), U64(0), U64(0),
				       U64(0x100000) };
	/* map 64 KiB of the fd at 0x10000 into shmid 0 at 0x200000, read-write */
	static const uint8_t map[] = {
		HDR(9, NEED, 40), 0, 0, 0, 0, 0, 0, 0, 0, U64(0x10000), U64(0x200000), U64(0x10000), U64(1),
	};
	static const uint8_t unmap[] = {
		HDR(10, REQ, 40), 0, PAD4, 0, 0, 0, U64(0), U64(0x200000), U64(0x10000), U64(0),
	};
	struct lvh_shmem_config c;
	struct lvh_shmem_map s;
	struct lvh_msg m, e;

	G_REQ(m, FE, get_cfg, 0, PROTO_BIT(SHMEM));
	G_REP(m, FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, cfg_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_shmem_config(gctx, &m, &c), 0);
	ck_assert_uint_eq(c.nregions, 2);
	ck_assert_uint_eq(c.sizes[0], 0x1000000);
	ck_assert_uint_eq(c.sizes[3], 0x100000);
	ck_assert_uint_eq(c.sizes[255], 0);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_shmem_config(&e, &c), 0);
	G_SAME(e, cfg_rep, 0);

	G_REQ(m, BE, map, 1, PROTO_BIT(SHMEM) | PROTO_BIT(BACKEND_SEND_FD) | PROTO_BIT(REPLY_ACK));
	ck_assert_int_eq(lvh_msg_decode_shmem_map(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.shmid, 0);
	ck_assert_uint_eq(s.fd_offset, 0x10000);
	ck_assert_uint_eq(s.shm_offset, 0x200000);
	ck_assert_uint_eq(s.len, 0x10000);
	ck_assert_uint_eq(s.flags, LVH_SHMEM_MAP_RW);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_BACKEND_SHMEM_MAP, NEED);
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, 100), 0);
	G_SAME(e, map, 1);

	G_REQ(m, BE, unmap, 0, PROTO_BIT(SHMEM));
	ck_assert_int_eq(lvh_msg_decode_shmem_map(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.len, 0x10000);
	g_init(&e, LIBVHOST_USER_BACKEND_SHMEM_UNMAP, REQ);
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, -1), 0);
	G_SAME(e, unmap, 0);
}
END_TEST

START_TEST(test_shmem_malformed)
{
	uint8_t too_many[12 + 2056] = { HDR(44, REP, 2056), U32(257) };
	uint8_t not_page[12 + 2056] = { HDR(44, REP, 2056), U32(1), PAD4, U64(0x1001) };
	uint8_t count[12 + 2056] = { HDR(44, REP, 2056), U32(1), PAD4, U64(0x1000), U64(0x1000) };
	static const uint8_t empty[] = { HDR(9, REQ, 40), PAD8, U64(0), U64(0), U64(0), U64(1) };
	static const uint8_t wrap_fd[] = {
		HDR(9, REQ, 40), PAD8, U64(0xfffffffffffff000ULL), U64(0), U64(0x2000), U64(1),
	};
	static const uint8_t wrap_shm[] = {
		HDR(9, REQ, 40), PAD8, U64(0), U64(0xfffffffffffff000ULL), U64(0x2000), U64(1),
	};
	static const uint8_t flags[] = { HDR(9, REQ, 40), PAD8, U64(0), U64(0), U64(0x1000), U64(2) };
	static const uint8_t unmap[] = { HDR(10, REQ, 40), PAD8, U64(0), U64(0), U64(0x1000), U64(0) };
	struct lvh_shmem_config c;
	struct lvh_shmem_map s;
	struct lvh_msg m;

	G_BAD(m, too_many, 0, -EPROTO, lvh_msg_decode_shmem_config(gctx, &m, &c));
	G_BAD(m, not_page, 0, -EPROTO, lvh_msg_decode_shmem_config(gctx, &m, &c));
	G_BAD(m, count, 0, -EPROTO, lvh_msg_decode_shmem_config(gctx, &m, &c));
	G_BAD(m, empty, 1, -EPROTO, lvh_msg_decode_shmem_map(gctx, &m, &s));
	G_BAD(m, wrap_fd, 1, -EPROTO, lvh_msg_decode_shmem_map(gctx, &m, &s));
	G_BAD(m, wrap_shm, 1, -EPROTO, lvh_msg_decode_shmem_map(gctx, &m, &s));
	G_BAD(m, flags, 1, -EPROTO, lvh_msg_decode_shmem_map(gctx, &m, &s));
	G_BAD(m, flags, 0, -EBADMSG, lvh_msg_decode_shmem_map(gctx, &m, &s));
	G_BAD(m, flags, 0, -EBADMSG, lvh_proto_check_request(gctx, BE, &m, ALL_PROTO));
	G_BAD(m, unmap, 1, -EBADMSG, lvh_msg_decode_shmem_map(gctx, &m, &s));
	G_BAD(m, unmap, 1, -EBADMSG, lvh_proto_check_request(gctx, BE, &m, ALL_PROTO));
}
END_TEST

/* ---- net ---- */

START_TEST(test_net_golden)
{
	/* the MAC in the first six bytes, in memory order */
	static const uint8_t rarp[] = { HDR(19, REQ, 8), 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0, 0 };
	static const uint8_t mtu[] = { HDR(20, NEED, 8), U64(9000) };
	static const uint8_t mtu_ack[] = { HDR(20, REP, 8), U64(0) };
	static const uint8_t want[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct lvh_msg m, e;
	uint8_t mac[6];
	uint16_t v;

	G_REQ(m, FE, rarp, 0, PROTO_BIT(RARP));
	ck_assert_int_eq(lvh_msg_decode_rarp(gctx, &m, mac), 0);
	ck_assert_mem_eq(mac, want, 6);
	g_init(&e, LIBVHOST_USER_SEND_RARP, REQ);
	ck_assert_int_eq(lvh_msg_encode_rarp(&e, mac), 0);
	G_SAME(e, rarp, 0);

	G_REQ(m, FE, mtu, 0, PROTO_BIT(NET_MTU) | PROTO_BIT(REPLY_ACK));
	ck_assert_int_eq(lvh_msg_decode_mtu(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 9000);
	g_init(&e, LIBVHOST_USER_NET_SET_MTU, NEED);
	lvh_msg_set_u64(&e, v);
	G_SAME(e, mtu, 0);
	G_REP(m, FE, LIBVHOST_USER_NET_SET_MTU, ACK, mtu_ack, 0);
}
END_TEST

START_TEST(test_net_malformed)
{
	static const uint8_t mtu_small[] = { HDR(20, REQ, 8), U64(67) };
	static const uint8_t mtu_big[] = { HDR(20, REQ, 8), U64(65536) };
	static const uint8_t rarp_short[] = { HDR(19, REQ, 6), 1, 2, 3, 4, 5, 6 };
	static const uint8_t rarp[] = { HDR(19, REQ, 8), PAD8 };
	struct lvh_msg m;
	uint8_t mac[6];
	uint16_t v;

	G_BAD(m, mtu_small, 0, -EPROTO, lvh_msg_decode_mtu(gctx, &m, &v));
	G_BAD(m, mtu_big, 0, -EPROTO, lvh_msg_decode_mtu(gctx, &m, &v));
	G_BAD(m, rarp_short, 0, -EBADMSG, lvh_msg_decode_rarp(gctx, &m, mac));
	G_BAD(m, rarp_short, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
	G_BAD(m, rarp, 0, -EOPNOTSUPP,
	      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(RARP)));
}
END_TEST

/* ---- crypto sessions ---- */

/*
 * The legacy (QEMU <= 7.2, DPDK) 632-byte session: i64 session_id; u32
 * op_code, cipher_alg, key_len, hash_alg, hash_result_len, auth_key_len,
 * add_len; u8 op_type, direction, hash_mode, alg_chain_order; two host
 * pointers (16 bytes, zero here); key[64]; auth_key[512].
 * AES-CBC (cipher alg 3) with a 16-byte key, encrypt.
 */
static void legacy_vector(uint8_t *v, uint32_t flags, int64_t id)
{
	static const uint8_t head[] = {
		HDR(26, 0, 632), U64(0), U32(0x0002), U32(3), U32(16), U32(0), U32(0), U32(0), U32(0),
		1, 1, 0, 0,
	};
	unsigned int i;

	memset(v, 0, 12 + 632);
	memcpy(v, head, sizeof(head));
	memcpy(v + 4, &flags, 4);
	memcpy(v + 12, &id, 8);
	for (i = 0; i < 16; i++)
		v[12 + 56 + i] = (uint8_t)(0xa0 + i); /* key */
}

/*
 * The current (QEMU >= 8.0) 1072-byte session: u64 op_code; union { sym:
 * u32 cipher_alg, key_len, hash_alg, hash_result_len, auth_key_len, add_len;
 * u8 x4; pad 4; two pointers; key[64]; auth_key[512] | asym: u32 algo,
 * keytype, keylen; pad 4; pointer; rsa {u32 padding_algo, hash_algo};
 * key[1024] }; i64 session_id at 1064.
 */
static void current_asym_vector(uint8_t *v, uint32_t flags, int64_t id)
{
	static const uint8_t head[] = {
		HDR(26, 0, 1072), U64(0x0404), U32(1), U32(1), U32(4), PAD4, PAD8, U32(1), U32(3),
	};

	memset(v, 0, 12 + 1072);
	memcpy(v, head, sizeof(head));
	memcpy(v + 4, &flags, 4);
	memcpy(v + 12 + 40, "\x30\x82\x01\x0a", 4); /* the key's first bytes */
	memcpy(v + 12 + 1064, &id, 8);
}

START_TEST(test_crypto_golden)
{
	static const uint8_t close_req[] = { HDR(27, REQ, 8), U64(7) };
	static uint8_t legacy_req[12 + 632], legacy_rep[12 + 632];
	static uint8_t cur_req[12 + 1072], cur_rep[12 + 1072];
	struct lvh_crypto_session s;
	struct lvh_msg m, e;
	uint8_t key[16];
	int64_t id;

	legacy_vector(legacy_req, REQ, 0);
	G_REQ(m, FE, legacy_req, 0, PROTO_BIT(CRYPTO_SESSION));
	ck_assert_int_eq(lvh_msg_decode_crypto_session(gctx, &m, &s), 0);
	ck_assert(s.legacy);
	ck_assert_uint_eq(s.op_code, LVH_CRYPTO_OP_CIPHER_CREATE);
	ck_assert_uint_eq(s.cipher_alg, 3);
	ck_assert_uint_eq(s.key_len, 16);
	ck_assert_uint_eq(s.op_type, 1);
	ck_assert_uint_eq(s.direction, 1);
	ck_assert_uint_eq(s.key[0], 0xa0);
	ck_assert_uint_eq(s.key[15], 0xaf);
	memcpy(key, s.key, sizeof(key));
	s.key = key;
	g_init(&e, LIBVHOST_USER_CREATE_CRYPTO_SESSION, REQ);
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), 0);
	G_SAME(e, legacy_req, 0);

	legacy_vector(legacy_rep, REP, 42);
	G_REP(m, FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, legacy_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_crypto_session_reply(gctx, &m, &id), 0);
	ck_assert_int_eq(id, 42);

	current_asym_vector(cur_req, REQ, 0);
	G_REQ(m, FE, cur_req, 0, PROTO_BIT(CRYPTO_SESSION));
	ck_assert_int_eq(lvh_msg_decode_crypto_session(gctx, &m, &s), 0);
	ck_assert(!s.legacy);
	ck_assert_uint_eq(s.op_code, LVH_CRYPTO_OP_AKCIPHER_CREATE);
	ck_assert_uint_eq(s.algo, 1);
	ck_assert_uint_eq(s.keytype, 1);
	ck_assert_uint_eq(s.keylen, 4);
	ck_assert_uint_eq(s.rsa_padding_algo, 1);
	ck_assert_uint_eq(s.rsa_hash_algo, 3);
	ck_assert_uint_eq(s.key[0], 0x30);
	memcpy(key, s.key, 4);
	s.key = key;
	g_init(&e, LIBVHOST_USER_CREATE_CRYPTO_SESSION, REQ);
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), 0);
	G_SAME(e, cur_req, 0);

	current_asym_vector(cur_rep, REP, 9);
	G_REP(m, FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, cur_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_crypto_session_reply(gctx, &m, &id), 0);
	ck_assert_int_eq(id, 9);

	G_REQ(m, FE, close_req, 0, PROTO_BIT(CRYPTO_SESSION));
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, (uint64_t *)&id), 0);
	ck_assert_int_eq(id, 7);
}
END_TEST

START_TEST(test_crypto_malformed)
{
	static uint8_t v[12 + 1072];
	struct lvh_crypto_session s;
	struct lvh_msg m;
	uint32_t bad;
	int64_t id;

	/* a session id of -1: the back-end failed */
	legacy_vector(v, REP, -1);
	tu_msg_from_bytes(&m, v, 12 + 632, 0);
	G_BAD(m, v, 0, -EIO, (tu_msg_from_bytes(&m, v, 12 + 632, 0),
			      lvh_msg_decode_crypto_session_reply(gctx, &m, &id)));
	/* a key length past its 64-byte buffer */
	legacy_vector(v, REQ, 0);
	bad = 65;
	memcpy(v + 12 + 16, &bad, 4);
	G_BAD(m, v, 0, -EPROTO, (tu_msg_from_bytes(&m, v, 12 + 632, 0),
				 lvh_msg_decode_crypto_session(gctx, &m, &s)));
	/* an auth key length past its 512-byte buffer */
	legacy_vector(v, REQ, 0);
	bad = 513;
	memcpy(v + 12 + 28, &bad, 4);
	G_BAD(m, v, 0, -EPROTO, (tu_msg_from_bytes(&m, v, 12 + 632, 0),
				 lvh_msg_decode_crypto_session(gctx, &m, &s)));
	/* an asymmetric key past its 1024-byte buffer */
	current_asym_vector(v, REQ, 0);
	bad = 1025;
	memcpy(v + 12 + 16, &bad, 4);
	G_BAD(m, v, 0, -EPROTO, (tu_msg_from_bytes(&m, v, 12 + 1072, 0),
				 lvh_msg_decode_crypto_session(gctx, &m, &s)));
	/* an unknown op code, and an op code beyond 32 bits */
	current_asym_vector(v, REQ, 0);
	bad = 0x0999;
	memcpy(v + 12, &bad, 4);
	G_BAD(m, v, 0, -EPROTO, (tu_msg_from_bytes(&m, v, 12 + 1072, 0),
				 lvh_msg_decode_crypto_session(gctx, &m, &s)));
	current_asym_vector(v, REQ, 0);
	v[12 + 5] = 1;
	G_BAD(m, v, 0, -EPROTO, (tu_msg_from_bytes(&m, v, 12 + 1072, 0),
				 lvh_msg_decode_crypto_session(gctx, &m, &s)));
	/* a size matching neither layout */
	legacy_vector(v, REQ, 0);
	bad = 633;
	memcpy(v + 8, &bad, 4);
	G_BAD(m, v, 0, -EBADMSG, (tu_msg_from_bytes(&m, v, 12 + 633, 0),
				  lvh_msg_decode_crypto_session(gctx, &m, &s)));
}
END_TEST

/* ---- GPU ---- */

START_TEST(test_gpu_golden)
{
	static const uint8_t set_socket[] = { HDR(33, REQ, 0) };
	struct lvh_msg m, e;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(tu_msg_from_bytes(&m, set_socket, sizeof(set_socket), 0), 0);
	m.fds[m.nfds++] = sv[0];
	ck_assert_int_eq(lvh_proto_check_request(gctx, FE, &m, 0), 0);
	ck_assert_int_eq(lvh_msg_decode_gpu_socket(gctx, &m), 0);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_GPU_SET_SOCKET, REQ);
	ck_assert_int_eq(lvh_msg_encode_gpu_socket(&e, sv[1]), 0);
	G_SAME(e, set_socket, 1);
	close(sv[1]);
}
END_TEST

START_TEST(test_gpu_malformed)
{
	static const uint8_t set_socket[] = { HDR(33, REQ, 0) };
	static const uint8_t with_payload[] = { HDR(33, REQ, 8), PAD8 };
	struct lvh_msg m;

	/* an eventfd is not a socket */
	G_BAD(m, set_socket, 1, -EPROTO, lvh_msg_decode_gpu_socket(gctx, &m));
	G_BAD(m, set_socket, 0, -EBADMSG, lvh_msg_decode_gpu_socket(gctx, &m));
	G_BAD(m, set_socket, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, 0));
	G_BAD(m, with_payload, 1, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, 0));
}
END_TEST

int main(void)
{
	const struct golden_family families[] = {
		{ "backend", test_backend_golden, test_backend_malformed },
		{ "postcopy", test_postcopy_golden, test_postcopy_malformed },
		{ "state", test_state_golden, test_state_malformed },
		{ "shared", test_shared_golden, test_shared_malformed },
		{ "shmem", test_shmem_golden, test_shmem_malformed },
		{ "net", test_net_golden, test_net_malformed },
		{ "crypto", test_crypto_golden, test_crypto_malformed },
		{ "gpu", test_gpu_golden, test_gpu_malformed },
	};

	/* skipped (77) on a big-endian host: the vectors are little-endian */
	return golden_run("msg-ext", families, LVH_ARRAY_SIZE(families));
}
