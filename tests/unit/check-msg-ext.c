/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden and malformed vectors for the back-end channel, postcopy, state,
 * shared objects, shared memory, net, crypto and GPU families.
 *
 * Each golden vector is laid out by hand from the specification's description
 * of the payload (12-byte header: request, flags, size; then the payload, all
 * little-endian; the crypto sessions from QEMU's and DPDK's C layouts, which
 * msg-crypto.c documents).  It is checked against the request table, decoded
 * and checked field by field, then encoded again from the same field values
 * and compared byte for byte.  Vectors a peer may send but we never do (a
 * non-zero RARP tail, a host pointer in a crypto session...) are decoded only.
 *
 * Malformed vectors go through the receive path an endpoint runs (the table,
 * then the family's decoder: rx_request/rx_reply) inside
 * TU_NEGATIVE_BEGIN/END, which proves that an error was logged and that no fd
 * leaked once the message's fds are closed.  The envelope variants every
 * message must be refused for (one byte short, one byte long, REPLY on a
 * request, NEED_REPLY without REPLY_ACK, an fd missing or extra, its protocol
 * feature not negotiated) are derived from each golden vector by
 * request_variants()/reply_variants(); each semantic rule has vectors of its
 * own (edges included: ranges ending exactly at 2^64, UINT64_MAX), and the
 * encoders are shown to refuse what the decoders refuse.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "golden.h"
#include "proto/msg-backend.h"
#include "proto/msg-crypto.h"
#include "proto/msg-gpu.h"
#include "proto/msg-net.h"
#include "proto/msg-postcopy.h"
#include "proto/msg-shared.h"
#include "proto/msg-shmem.h"
#include "proto/msg-state.h"

#define FE LVH_DIR_FRONTEND
#define BE LVH_DIR_BACKEND
#define BODY LVH_REPLY_KIND_BODY
#define ACK LVH_REPLY_KIND_ACK
#define NOGATE (-1)
#define GATE(x) LIBVHOST_USER_PROTOCOL_F_##x

#define U64_MAX 0xffffffffffffffffULL
#define REQ_NEED (LIBVHOST_USER_FLAG_NEED_REPLY)

/* ------------------------------------------------------------------------ */
/* The receive path: the table, then the family's decoder                   */

static struct lvh_shmem_config shmem_cfg; /* 2 KiB: kept off the stack */

static int decode_request(enum lvh_dir dir, const struct lvh_msg *m)
{
	union {
		struct lvh_vring_area area;
		struct lvh_device_state state;
		struct lvh_uuid uuid;
		struct lvh_shmem_map map;
		struct lvh_crypto_session crypto;
		uint32_t index;
		uint16_t mtu;
		uint8_t status;
		uint8_t mac[6];
		int64_t id;
	} u;

	if (dir == BE) {
		switch (m->request) {
		case LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG:
			return 0; /* empty: the table's check is the whole check */
		case LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG:
			return lvh_msg_decode_vring_area(gctx, m, &u.area);
		case LIBVHOST_USER_BACKEND_VRING_CALL:
		case LIBVHOST_USER_BACKEND_VRING_ERR:
			return lvh_msg_decode_backend_vring(gctx, m, &u.index);
		case LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD:
		case LIBVHOST_USER_BACKEND_SHARED_OBJECT_REMOVE:
		case LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP:
			return lvh_msg_decode_uuid(gctx, m, BE, &u.uuid);
		case LIBVHOST_USER_BACKEND_SHMEM_MAP:
		case LIBVHOST_USER_BACKEND_SHMEM_UNMAP:
			return lvh_msg_decode_shmem_map(gctx, m, &u.map);
		}
	} else {
		switch (m->request) {
		case LIBVHOST_USER_SET_BACKEND_REQ_FD:
			return lvh_msg_decode_backend_req_fd(gctx, m);
		case LIBVHOST_USER_POSTCOPY_ADVISE:
		case LIBVHOST_USER_POSTCOPY_LISTEN:
		case LIBVHOST_USER_POSTCOPY_END:
		case LIBVHOST_USER_GET_STATUS:
		case LIBVHOST_USER_CHECK_DEVICE_STATE:
		case LIBVHOST_USER_GET_SHMEM_CONFIG:
			return 0; /* empty */
		case LIBVHOST_USER_SET_STATUS:
			return lvh_msg_decode_status(gctx, m, &u.status);
		case LIBVHOST_USER_SET_DEVICE_STATE_FD:
			return lvh_msg_decode_device_state(gctx, m, &u.state);
		case LIBVHOST_USER_GET_SHARED_OBJECT:
			return lvh_msg_decode_uuid(gctx, m, FE, &u.uuid);
		case LIBVHOST_USER_SEND_RARP:
			return lvh_msg_decode_rarp(gctx, m, u.mac);
		case LIBVHOST_USER_NET_SET_MTU:
			return lvh_msg_decode_mtu(gctx, m, &u.mtu);
		case LIBVHOST_USER_CREATE_CRYPTO_SESSION:
			return lvh_msg_decode_crypto_session(gctx, m, &u.crypto);
		case LIBVHOST_USER_CLOSE_CRYPTO_SESSION:
			return lvh_msg_decode_crypto_close(gctx, m, &u.id);
		case LIBVHOST_USER_GPU_SET_SOCKET:
			return lvh_msg_decode_gpu_socket(gctx, m);
		}
	}
	ck_abort_msg("request %u is not one of this suite's", m->request);
	return -ENOSYS;
}

static int rx_request(enum lvh_dir dir, struct lvh_msg *m, uint64_t proto)
{
	int r = lvh_proto_check_request(gctx, dir, m, proto);

	return r < 0 ? r : decode_request(dir, m);
}

/* Decoders that report found / fd returned as 1 count as success here. */
static int decode_reply(enum lvh_dir dir, uint32_t request, const struct lvh_msg *m)
{
	uint8_t status;
	int64_t id;
	int r;

	if (dir == BE) {
		r = lvh_msg_decode_shared_object_reply(gctx, m);
		return r < 0 ? r : 0;
	}
	switch (request) {
	case LIBVHOST_USER_POSTCOPY_ADVISE:
		return lvh_msg_decode_postcopy_advise_reply(gctx, m);
	case LIBVHOST_USER_POSTCOPY_END:
		return lvh_msg_decode_postcopy_end_reply(gctx, m);
	case LIBVHOST_USER_GET_STATUS:
		return lvh_msg_decode_status(gctx, m, &status);
	case LIBVHOST_USER_SET_DEVICE_STATE_FD:
		r = lvh_msg_decode_device_state_reply(gctx, m);
		return r < 0 ? r : 0;
	case LIBVHOST_USER_CHECK_DEVICE_STATE:
		return lvh_msg_decode_check_device_state_reply(gctx, m);
	case LIBVHOST_USER_GET_SHARED_OBJECT:
		r = lvh_msg_decode_shared_object_reply(gctx, m);
		return r < 0 ? r : 0;
	case LIBVHOST_USER_GET_SHMEM_CONFIG:
		return lvh_msg_decode_shmem_config(gctx, m, &shmem_cfg);
	case LIBVHOST_USER_CREATE_CRYPTO_SESSION:
		return lvh_msg_decode_crypto_session_reply(gctx, m, &id);
	}
	ck_abort_msg("request %u has no body reply in this suite", request);
	return -ENOSYS;
}

static int rx_reply(enum lvh_dir dir, uint32_t request, enum lvh_reply_kind kind, struct lvh_msg *m,
		    uint64_t proto)
{
	uint64_t v;
	int r;

	(void)proto; /* these families' replies do not depend on it */

	r = lvh_proto_check_reply(gctx, dir, request, kind, m);
	if (r < 0)
		return r;
	if (kind == ACK)
		return lvh_msg_get_u64(gctx, m, &v);
	return decode_reply(dir, request, m);
}

/* Malformed vectors go through these (testutil.c). */
static const struct tu_rx rx = { rx_request, rx_reply };

/* ------------------------------------------------------------------------ */
/* Shared helpers                                                           */

/* A u64 ack of 0 (REPLY_ACK's success): table, value, encode, compare. */
static void ack_golden(enum lvh_dir dir, uint32_t request, const uint8_t *v, size_t len)
{
	struct lvh_msg m, e;
	uint64_t x;

	g_reply(&m, dir, request, ACK, v, len, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &x), 0);
	ck_assert_uint_eq(x, 0);
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, 0);
	g_same(&e, v, len, 0);
}

#define ACK_GOLDEN(dir, req, v) ack_golden((dir), (req), (v), sizeof(v))

/* An empty request: table check, encode, compare. */
static void empty_request(enum lvh_dir dir, const uint8_t *v, size_t len, uint64_t proto)
{
	struct lvh_msg m, e;

	g_request(&m, dir, v, len, 0, proto);
	ck_assert_uint_eq(m.size, 0);
	ck_assert_int_eq(decode_request(dir, &m), 0);
	g_init(&e, m.request, tu_le32(v + 4));
	g_same(&e, v, len, 0);
}

#define EMPTY_REQUEST(dir, v, proto) empty_request((dir), (v), sizeof(v), (proto))

/* Loads a vector and attaches one end of a fresh socketpair of `type` as its fd. */
static void load_with_socket(struct lvh_msg *m, const uint8_t *v, size_t len, int type)
{
	int sv[2];

	ck_assert_int_eq(tu_msg_from_bytes(m, v, len, 0), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]);
	m->fds[m->nfds++] = sv[0];
}

/* A request whose fd is a socket of the given domain and type, refused by the decoder. */
static void bad_socket_kind(const char *what, const uint8_t *v, size_t len, uint64_t proto,
			    int domain, int type)
{
	struct lvh_msg m;
	int fd, r;

	fd = socket(domain, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return; /* not available in this sandbox: nothing to prove */
	close(fd);
	TU_NEGATIVE_BEGIN();
	ck_assert_int_eq(tu_msg_from_bytes(&m, v, len, 0), 0);
	fd = socket(domain, type | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	m.fds[m.nfds++] = fd;
	r = rx_request(FE, &m, proto);
	lvh_msg_close_fds(&m);
	ck_assert_msg(r == -EPROTO, "%s with a socket %d/%d: got %d", what, domain, type, r);
	TU_NEGATIVE_END();
}

/* ------------------------------------------------------------------------ */
/* Back-end channel                                                         */

#define PF_CHANNEL (PROTO_BIT(BACKEND_REQ) | PROTO_BIT(REPLY_ACK))
#define PF_NOTIFIER (PROTO_BIT(HOST_NOTIFIER) | PROTO_BIT(BACKEND_SEND_FD) | PROTO_BIT(REPLY_ACK))
#define PF_INBAND (PROTO_BIT(INBAND_NOTIFICATIONS) | PROTO_BIT(REPLY_ACK))

/* SET_BACKEND_REQ_FD: no payload, the socket as the one fd; NEED_REPLY as QEMU sends it */
static const uint8_t backend_req_fd[] = { HDR(21, NEED, 0) };
/* REPLY_ACK's answer: u64 0 = success */
static const uint8_t backend_req_fd_ack[] = { HDR(21, REP, 8), U64(0) };
/* BACKEND_CONFIG_CHANGE_MSG: empty */
static const uint8_t config_change[] = { HDR(2, NEED, 0) };
static const uint8_t config_change_ack[] = { HDR(2, REP, 8), U64(0) };
/* HOST_NOTIFIER for vring 3: u64 3 (NOFD clear), size one page, offset 0x3000, one fd */
static const uint8_t notifier[] = { HDR(3, NEED, 24), U64(3), U64(0x1000), U64(0x3000) };
static const uint8_t notifier_ack[] = { HDR(3, REP, 8), U64(0) };
/* drop vring 255's notifier: u64 255 | NOFD = 0x1ff, size and offset 0, no fd */
static const uint8_t notifier_off[] = { HDR(3, REQ, 24), U64(0x1ff), U64(0), U64(0) };
/* BACKEND_VRING_CALL: vring state {index 5, num 0 (reserved)} */
static const uint8_t vring_call[] = { HDR(4, NEED, 8), U32(5), U32(0) };
static const uint8_t vring_call_ack[] = { HDR(4, REP, 8), U64(0) };
/* BACKEND_VRING_ERR for the last vring the limit allows */
static const uint8_t vring_err[] = { HDR(5, REQ, 8), U32(0x7fff), U32(0) };

START_TEST(test_backend_golden)
{
	/* a peer's NOFD message with leftovers in size and offset: they mean nothing */
	static const uint8_t notifier_off_junk[] = {
		HDR(3, REQ, 24), U64(0x100), U64(0x1000), U64(0x5000),
	};
	struct lvh_vring_area a;
	struct lvh_msg m, e;
	uint32_t idx;

	load_with_socket(&m, backend_req_fd, sizeof(backend_req_fd), SOCK_STREAM);
	ck_assert_int_eq(lvh_proto_check_request(gctx, FE, &m, PF_CHANNEL), 0);
	ck_assert_int_eq(lvh_msg_decode_backend_req_fd(gctx, &m), 0);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_BACKEND_REQ_FD, NEED);
	ck_assert_int_eq(lvh_msg_encode_backend_req_fd(&e, 100), 0);
	ck_assert_int_eq(e.fds[0], 100);
	G_SAME(e, backend_req_fd, 1);
	ACK_GOLDEN(FE, LIBVHOST_USER_SET_BACKEND_REQ_FD, backend_req_fd_ack);

	EMPTY_REQUEST(BE, config_change, PROTO_BIT(CONFIG) | PROTO_BIT(REPLY_ACK));
	ACK_GOLDEN(BE, LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG, config_change_ack);

	G_REQ(m, BE, notifier, 1, PF_NOTIFIER);
	ck_assert_int_eq(lvh_msg_decode_vring_area(gctx, &m, &a), 0);
	ck_assert_uint_eq(a.index, 3);
	ck_assert(!a.nofd);
	ck_assert_uint_eq(a.size, 0x1000);
	ck_assert_uint_eq(a.offset, 0x3000);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG, NEED);
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, 100), 0);
	G_SAME(e, notifier, 1);
	ACK_GOLDEN(BE, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG, notifier_ack);

	/* without fds BACKEND_SEND_FD is not needed */
	G_REQ(m, BE, notifier_off, 0, PROTO_BIT(HOST_NOTIFIER));
	ck_assert_int_eq(lvh_msg_decode_vring_area(gctx, &m, &a), 0);
	ck_assert_uint_eq(a.index, 255);
	ck_assert(a.nofd);
	ck_assert_uint_eq(a.size, 0);
	ck_assert_uint_eq(a.offset, 0);
	g_init(&e, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, -1), 0);
	G_SAME(e, notifier_off, 0);

	G_REQ(m, BE, notifier_off_junk, 0, PROTO_BIT(HOST_NOTIFIER));
	ck_assert_int_eq(lvh_msg_decode_vring_area(gctx, &m, &a), 0);
	ck_assert_uint_eq(a.index, 0);
	ck_assert(a.nofd);
	ck_assert_uint_eq(a.size, 0);
	ck_assert_uint_eq(a.offset, 0);

	G_REQ(m, BE, vring_call, 0, PF_INBAND);
	ck_assert_int_eq(lvh_msg_decode_backend_vring(gctx, &m, &idx), 0);
	ck_assert_uint_eq(idx, 5);
	g_init(&e, LIBVHOST_USER_BACKEND_VRING_CALL, NEED);
	ck_assert_int_eq(lvh_msg_encode_backend_vring(&e, idx), 0);
	G_SAME(e, vring_call, 0);
	ACK_GOLDEN(BE, LIBVHOST_USER_BACKEND_VRING_CALL, vring_call_ack);

	G_REQ(m, BE, vring_err, 0, PROTO_BIT(INBAND_NOTIFICATIONS));
	ck_assert_int_eq(lvh_msg_decode_backend_vring(gctx, &m, &idx), 0);
	ck_assert_uint_eq(idx, 0x7fff);
	g_init(&e, LIBVHOST_USER_BACKEND_VRING_ERR, REQ);
	ck_assert_int_eq(lvh_msg_encode_backend_vring(&e, idx), 0);
	G_SAME(e, vring_err, 0);
}
END_TEST

START_TEST(test_backend_malformed)
{
	struct lvh_msg m;
	/* bit 9 and bit 63 are not defined */
	static const uint8_t bit9[] = { HDR(3, REQ, 24), U64(0x203), U64(0x1000), U64(0) };
	static const uint8_t bit63[] = {
		HDR(3, REQ, 24), U64(0x8000000000000003ULL), U64(0x1000), U64(0),
	};
	/* an fd although NOFD is set; none although it is clear */
	static const uint8_t nofd_with_fd[] = { HDR(3, REQ, 24), U64(0x103), U64(0), U64(0) };
	static const uint8_t fd_missing[] = { HDR(3, REQ, 24), U64(3), U64(0x1000), U64(0) };
	/* an empty area with its fd */
	static const uint8_t empty_area[] = { HDR(3, REQ, 24), U64(3), U64(0), U64(0) };
	/* areas ending exactly at 2^64 (valid) and one byte past (invalid) */
	static const uint8_t area_end[] = {
		HDR(3, REQ, 24), U64(3), U64(0x1000), U64(0xfffffffffffff000ULL),
	};
	static const uint8_t area_all[] = { HDR(3, REQ, 24), U64(3), U64(U64_MAX), U64(1) };
	static const uint8_t area_past[] = {
		HDR(3, REQ, 24), U64(3), U64(0x1000), U64(0xfffffffffffff001ULL),
	};
	static const uint8_t area_past_all[] = { HDR(3, REQ, 24), U64(3), U64(U64_MAX), U64(2) };
	static const uint8_t area_max[] = { HDR(3, REQ, 24), U64(3), U64(2), U64(U64_MAX) };
	/* BACKEND_VRING_CALL/ERR: index at the limit, num not 0 */
	static const uint8_t call_idx[] = { HDR(4, REQ, 8), U32(0x8000), U32(0) };
	static const uint8_t call_idx_max[] = { HDR(4, REQ, 8), U32(0xffffffff), U32(0) };
	static const uint8_t call_num[] = { HDR(4, REQ, 8), U32(0), U32(1) };
	static const uint8_t err_num[] = { HDR(5, REQ, 8), U32(1), U32(0xffffffff) };
	struct lvh_vring_area a;
	struct lvh_msg e;
	uint32_t idx;

	TU_REQ_VARIANTS(FE, backend_req_fd, 1, PF_CHANNEL, GATE(BACKEND_REQ), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_SET_BACKEND_REQ_FD, ACK, backend_req_fd_ack, 0, 0,
			TU_V_ALL);
	TU_REQ_VARIANTS(BE, config_change, 0, PROTO_BIT(CONFIG) | PROTO_BIT(REPLY_ACK),
			GATE(CONFIG), TU_V_ALL);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG, ACK, config_change_ack, 0, 0,
			TU_V_ALL);
	TU_REQ_VARIANTS(BE, notifier, 1, PF_NOTIFIER, GATE(HOST_NOTIFIER), TU_V_ALL);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG, ACK, notifier_ack, 0, 0,
			TU_V_ALL);
	TU_REQ_VARIANTS(BE, notifier_off, 0, PF_NOTIFIER, GATE(HOST_NOTIFIER), TU_V_ALL);
	TU_REQ_VARIANTS(BE, vring_call, 0, PF_INBAND, GATE(INBAND_NOTIFICATIONS), TU_V_ALL);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_VRING_CALL, ACK, vring_call_ack, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(BE, vring_err, 0, PF_INBAND, GATE(INBAND_NOTIFICATIONS), TU_V_ALL);

	/* SET_BACKEND_REQ_FD's fd must be a unix stream socket */
	TU_BAD_REQ(FE, backend_req_fd, 1, PF_CHANNEL, -EPROTO); /* an eventfd */
	bad_socket_kind("backend_req_fd", backend_req_fd, sizeof(backend_req_fd), PF_CHANNEL,
			AF_UNIX, SOCK_DGRAM);
	bad_socket_kind("backend_req_fd", backend_req_fd, sizeof(backend_req_fd), PF_CHANNEL,
			AF_INET, SOCK_STREAM);
	TU_BAD_DECODE(m, backend_req_fd, 0, -EBADMSG, lvh_msg_decode_backend_req_fd(gctx, &m));
	TU_BAD_DECODE(m, backend_req_fd, 2, -EBADMSG, lvh_msg_decode_backend_req_fd(gctx, &m));

	TU_BAD_REQ(BE, bit9, 1, PF_NOTIFIER, -EPROTO);
	TU_BAD_REQ(BE, bit63, 1, PF_NOTIFIER, -EPROTO);
	TU_BAD_REQ(BE, nofd_with_fd, 1, PF_NOTIFIER, -EBADMSG);
	TU_BAD_REQ(BE, fd_missing, 0, PF_NOTIFIER, -EBADMSG);
	TU_BAD_REQ(BE, empty_area, 1, PF_NOTIFIER, -EPROTO);
	TU_OK_REQ(BE, area_end, 1, PF_NOTIFIER);
	TU_OK_REQ(BE, area_all, 1, PF_NOTIFIER);
	TU_BAD_REQ(BE, area_past, 1, PF_NOTIFIER, -EPROTO);
	TU_BAD_REQ(BE, area_past_all, 1, PF_NOTIFIER, -EPROTO);
	TU_BAD_REQ(BE, area_max, 1, PF_NOTIFIER, -EPROTO);
	/* fds from the back-end need BACKEND_SEND_FD */
	TU_BAD_REQ(BE, notifier, 1, PF_NOTIFIER & ~PROTO_BIT(BACKEND_SEND_FD), -EBADMSG);
	TU_BAD_DECODE(m, notifier, 2, -EBADMSG, lvh_msg_decode_vring_area(gctx, &m, &a));

	TU_BAD_REQ(BE, call_idx, 0, PF_INBAND, -EPROTO);
	TU_BAD_REQ(BE, call_idx_max, 0, PF_INBAND, -EPROTO);
	TU_BAD_REQ(BE, call_num, 0, PF_INBAND, -EPROTO);
	TU_BAD_REQ(BE, err_num, 0, PF_INBAND, -EPROTO);
	TU_BAD_DECODE(m, notifier, 0, -EBADMSG, lvh_msg_decode_backend_vring(gctx, &m, &idx));

	/* the encoders refuse what the decoders refuse */
	g_init(&e, LIBVHOST_USER_SET_BACKEND_REQ_FD, REQ);
	ck_assert_int_eq(lvh_msg_encode_backend_req_fd(&e, -1), -EINVAL);
	g_init(&e, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG, REQ);
	a = (struct lvh_vring_area){ 256, true, 0, 0 };
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, -1), -EINVAL);
	a = (struct lvh_vring_area){ 3, true, 0, 0 };
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, 100), -EINVAL);
	a = (struct lvh_vring_area){ 3, false, 0x1000, 0 };
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, -1), -EINVAL);
	a = (struct lvh_vring_area){ 3, false, 0, 0 };
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, 100), -EINVAL);
	a = (struct lvh_vring_area){ 3, false, 0x1000, 0xfffffffffffff001ULL };
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, 100), -EINVAL);
	a = (struct lvh_vring_area){ 3, false, 0x1000, 0xfffffffffffff000ULL };
	ck_assert_int_eq(lvh_msg_encode_vring_area(&e, &a, 100), 0);
	e.nfds = 0;
	g_init(&e, LIBVHOST_USER_BACKEND_VRING_CALL, REQ);
	ck_assert_int_eq(lvh_msg_encode_backend_vring(&e, 0x8000), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Postcopy                                                                 */

#define PF_PAGEFAULT (PROTO_BIT(PAGEFAULT) | PROTO_BIT(REPLY_ACK))

static const uint8_t postcopy_advise[] = { HDR(28, REQ, 0) };
/* the userfaultfd and no body: what every implementation sends, and QEMU demands */
static const uint8_t postcopy_advise_rep[] = { HDR(28, REP, 0) };
/* the same with a u64 body of 0, which the table admits */
static const uint8_t postcopy_advise_rep_u64[] = { HDR(28, REP, 8), U64(0) };
/* QEMU sends LISTEN and END with NEED_REPLY */
static const uint8_t postcopy_listen[] = { HDR(29, NEED, 0) };
static const uint8_t postcopy_listen_ack[] = { HDR(29, REP, 8), U64(0) };
static const uint8_t postcopy_end[] = { HDR(30, NEED, 0) };
/* END's reply: u64 status, 0 = success */
static const uint8_t postcopy_end_rep[] = { HDR(30, REP, 8), U64(0) };

START_TEST(test_postcopy_golden)
{
	struct lvh_msg m, e;

	EMPTY_REQUEST(FE, postcopy_advise, PF_PAGEFAULT);
	G_REP(m, FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, postcopy_advise_rep, 1);
	ck_assert_int_eq(lvh_msg_decode_postcopy_advise_reply(gctx, &m), 0);
	lvh_msg_close_fds(&m);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_postcopy_advise_reply(&e, 100), 0);
	G_SAME(e, postcopy_advise_rep, 1);
	/* the failure form: the same bytes without the fd */
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_postcopy_advise_reply(&e, -1), 0);
	G_SAME(e, postcopy_advise_rep, 0);

	G_REP(m, FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, postcopy_advise_rep_u64, 1);
	ck_assert_int_eq(lvh_msg_decode_postcopy_advise_reply(gctx, &m), 0);
	lvh_msg_close_fds(&m);

	EMPTY_REQUEST(FE, postcopy_listen, PF_PAGEFAULT);
	ACK_GOLDEN(FE, LIBVHOST_USER_POSTCOPY_LISTEN, postcopy_listen_ack);

	EMPTY_REQUEST(FE, postcopy_end, PF_PAGEFAULT);
	G_REP(m, FE, LIBVHOST_USER_POSTCOPY_END, BODY, postcopy_end_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_postcopy_end_reply(gctx, &m), 0);
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, 0);
	G_SAME(e, postcopy_end_rep, 0);
}
END_TEST

START_TEST(test_postcopy_malformed)
{
	struct lvh_msg m;
	/* a u64 status of 1 without an fd (failure), and with one (contradiction) */
	static const uint8_t advise_fail_u64[] = { HDR(28, REP, 8), U64(1) };
	static const uint8_t advise_rep4[] = { HDR(28, REP, 4), PAD4 };
	static const uint8_t end_fail[] = { HDR(30, REP, 8), U64(1) };
	static const uint8_t end_fail_max[] = { HDR(30, REP, 8), U64(U64_MAX) };

	TU_REQ_VARIANTS(FE, postcopy_advise, 0, PF_PAGEFAULT, GATE(PAGEFAULT), TU_V_ALL);
	/* the empty reply without its fd is the failure form, checked below */
	TU_REP_VARIANTS(FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, postcopy_advise_rep, 1, 0,
			TU_V_ALL & ~TU_V_FD_MISSING);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, postcopy_advise_rep_u64, 1, 0,
			TU_V_ALL);
	TU_REQ_VARIANTS(FE, postcopy_listen, 0, PF_PAGEFAULT, GATE(PAGEFAULT), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_POSTCOPY_LISTEN, ACK, postcopy_listen_ack, 0, 0,
			TU_V_ALL);
	TU_REQ_VARIANTS(FE, postcopy_end, 0, PF_PAGEFAULT, GATE(PAGEFAULT), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_POSTCOPY_END, BODY, postcopy_end_rep, 0, 0, TU_V_ALL);

	/* the back-end failing: the fd is optional in the table, the decoder says -EIO */
	TU_BAD_REP(FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, postcopy_advise_rep, 0, 0, -EIO);
	TU_BAD_DECODE(m, postcopy_advise_rep, 0, -EIO,
		      lvh_msg_decode_postcopy_advise_reply(gctx, &m));
	TU_BAD_DECODE(m, advise_fail_u64, 0, -EIO, lvh_msg_decode_postcopy_advise_reply(gctx, &m));
	TU_BAD_REP(FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, advise_fail_u64, 1, 0, -EBADMSG);
	TU_BAD_DECODE(m, postcopy_advise_rep_u64, 0, -EBADMSG,
		      lvh_msg_decode_postcopy_advise_reply(gctx, &m));
	TU_BAD_REP(FE, LIBVHOST_USER_POSTCOPY_ADVISE, BODY, advise_rep4, 1, 0, -EBADMSG);
	TU_BAD_DECODE(m, postcopy_advise_rep, 2, -EBADMSG,
		      lvh_msg_decode_postcopy_advise_reply(gctx, &m));
	TU_BAD_REP(FE, LIBVHOST_USER_POSTCOPY_END, BODY, end_fail, 0, 0, -EIO);
	TU_BAD_REP(FE, LIBVHOST_USER_POSTCOPY_END, BODY, end_fail_max, 0, 0, -EIO);
	TU_BAD_DECODE(m, postcopy_advise_rep, 0, -EBADMSG,
		      lvh_msg_decode_postcopy_end_reply(gctx, &m));
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Status and device state                                                  */

#define PF_STATUS (PROTO_BIT(STATUS) | PROTO_BIT(REPLY_ACK))
#define PF_STATE PROTO_BIT(DEVICE_STATE)

/* ACKNOWLEDGE | DRIVER | DRIVER_OK | FEATURES_OK = 0x0f, as a u64 */
static const uint8_t set_status[] = { HDR(39, NEED, 8), U64(0x0f) };
static const uint8_t set_status_ack[] = { HDR(39, REP, 8), U64(0) };
static const uint8_t get_status[] = { HDR(40, REQ, 0) };
/* every bit of the status byte set: the largest valid value */
static const uint8_t get_status_rep[] = { HDR(40, REP, 8), U64(0xff) };
/* {u32 direction 0 (save), u32 phase 0 (stopped)} with the pipe's write end */
static const uint8_t state_save[] = { HDR(42, REQ, 8), U32(0), U32(0) };
/* {u32 direction 1 (load), u32 phase 0} */
static const uint8_t state_load[] = { HDR(42, REQ, 8), U32(1), U32(0) };
/* reply: error 0, bit 8 set: no fd, the front-end keeps its channel */
static const uint8_t state_rep_nofd[] = { HDR(42, REP, 8), U64(0x100) };
/* reply: error 0, bit 8 clear: the back-end's own fd attached */
static const uint8_t state_rep_fd[] = { HDR(42, REP, 8), U64(0) };
static const uint8_t check_state[] = { HDR(43, REQ, 0) };
/* u64 0: the state was taken in */
static const uint8_t check_state_rep[] = { HDR(43, REP, 8), U64(0) };

START_TEST(test_state_golden)
{
	struct lvh_device_state s;
	struct lvh_msg m, e;
	uint8_t status;

	G_REQ(m, FE, set_status, 0, PF_STATUS);
	ck_assert_int_eq(lvh_msg_decode_status(gctx, &m, &status), 0);
	ck_assert_uint_eq(status, 0x0f);
	g_init(&e, LIBVHOST_USER_SET_STATUS, NEED);
	ck_assert_int_eq(lvh_msg_encode_status(&e, status), 0);
	G_SAME(e, set_status, 0);
	ACK_GOLDEN(FE, LIBVHOST_USER_SET_STATUS, set_status_ack);

	EMPTY_REQUEST(FE, get_status, PF_STATUS);
	G_REP(m, FE, LIBVHOST_USER_GET_STATUS, BODY, get_status_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_status(gctx, &m, &status), 0);
	ck_assert_uint_eq(status, 0xff);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_status(&e, status), 0);
	G_SAME(e, get_status_rep, 0);

	G_REQ(m, FE, state_save, 1, PF_STATE);
	ck_assert_int_eq(lvh_msg_decode_device_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.direction, LVH_STATE_SAVE);
	ck_assert_uint_eq(s.phase, LVH_STATE_PHASE_STOPPED);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_DEVICE_STATE_FD, REQ);
	ck_assert_int_eq(lvh_msg_encode_device_state(&e, &s, 100), 0);
	G_SAME(e, state_save, 1);

	G_REQ(m, FE, state_load, 1, PF_STATE);
	ck_assert_int_eq(lvh_msg_decode_device_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.direction, LVH_STATE_LOAD);
	ck_assert_uint_eq(s.phase, LVH_STATE_PHASE_STOPPED);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_DEVICE_STATE_FD, REQ);
	ck_assert_int_eq(lvh_msg_encode_device_state(&e, &s, 100), 0);
	G_SAME(e, state_load, 1);

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

	EMPTY_REQUEST(FE, check_state, PF_STATE);
	G_REP(m, FE, LIBVHOST_USER_CHECK_DEVICE_STATE, BODY, check_state_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_check_device_state_reply(gctx, &m), 0);
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, 0);
	G_SAME(e, check_state_rep, 0);
}
END_TEST

START_TEST(test_state_malformed)
{
	struct lvh_msg m;
	/* a status past the byte: bit 8, and all ones */
	static const uint8_t status_big[] = { HDR(39, REQ, 8), U64(0x10f) };
	static const uint8_t status_max[] = { HDR(39, REQ, 8), U64(U64_MAX) };
	static const uint8_t get_status_big[] = { HDR(40, REP, 8), U64(0x100) };
	/* direction 2 and all ones; phase 1 (not defined yet) */
	static const uint8_t dir2[] = { HDR(42, REQ, 8), U32(2), U32(0) };
	static const uint8_t dir_max[] = { HDR(42, REQ, 8), U32(0xffffffff), U32(0) };
	static const uint8_t phase1[] = { HDR(42, REQ, 8), U32(0), U32(1) };
	/* a third u32: the decoder re-checks the size the table checked */
	static const uint8_t state_long[] = { HDR(42, REQ, 12), U32(0), U32(0), U32(0) };
	/* replies: error 1 with NOFD (rust-vmm's failure), error 5 without NOFD */
	static const uint8_t rep_err[] = { HDR(42, REP, 8), U64(0x101) };
	static const uint8_t rep_err_bare[] = { HDR(42, REP, 8), U64(0x5) };
	/* bits 9 and 63 are not defined */
	static const uint8_t rep_bit9[] = { HDR(42, REP, 8), U64(0x200) };
	static const uint8_t rep_bit63[] = { HDR(42, REP, 8), U64(0x8000000000000100ULL) };
	static const uint8_t check_fail[] = { HDR(43, REP, 8), U64(22) };
	struct lvh_device_state s;
	struct lvh_msg e;

	TU_REQ_VARIANTS(FE, set_status, 0, PF_STATUS, GATE(STATUS), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_SET_STATUS, ACK, set_status_ack, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(FE, get_status, 0, PF_STATUS, GATE(STATUS), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_STATUS, BODY, get_status_rep, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(FE, state_save, 1, PF_STATE | PROTO_BIT(REPLY_ACK), GATE(DEVICE_STATE),
			TU_V_ALL);
	TU_REQ_VARIANTS(FE, state_load, 1, PF_STATE | PROTO_BIT(REPLY_ACK), GATE(DEVICE_STATE),
			TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, state_rep_nofd, 0, 0,
			TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, state_rep_fd, 1, 0, TU_V_ALL);
	TU_REQ_VARIANTS(FE, check_state, 0, PF_STATE | PROTO_BIT(REPLY_ACK), GATE(DEVICE_STATE),
			TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_CHECK_DEVICE_STATE, BODY, check_state_rep, 0, 0,
			TU_V_ALL);

	TU_BAD_REQ(FE, status_big, 0, PF_STATUS, -EPROTO);
	TU_BAD_REQ(FE, status_max, 0, PF_STATUS, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_STATUS, BODY, get_status_big, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, dir2, 1, PF_STATE, -EPROTO);
	TU_BAD_REQ(FE, dir_max, 1, PF_STATE, -EPROTO);
	TU_BAD_REQ(FE, phase1, 1, PF_STATE, -EPROTO);
	TU_BAD_DECODE(m, state_save, 0, -EBADMSG, lvh_msg_decode_device_state(gctx, &m, &s));
	TU_BAD_DECODE(m, state_save, 2, -EBADMSG, lvh_msg_decode_device_state(gctx, &m, &s));
	TU_BAD_DECODE(m, state_long, 1, -EBADMSG, lvh_msg_decode_device_state(gctx, &m, &s));

	TU_BAD_REP(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, rep_err, 0, 0, -EIO);
	TU_BAD_REP(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, rep_err_bare, 0, 0, -EIO);
	/* an error never comes with an fd, NOFD never with one, success without NOFD needs one */
	TU_BAD_REP(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, rep_err, 1, 0, -EBADMSG);
	TU_BAD_REP(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, rep_err_bare, 1, 0, -EBADMSG);
	TU_BAD_REP(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, state_rep_nofd, 1, 0, -EBADMSG);
	TU_BAD_REP(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, state_rep_fd, 0, 0, -EBADMSG);
	TU_BAD_REP(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, rep_bit9, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_SET_DEVICE_STATE_FD, BODY, rep_bit63, 0, 0, -EPROTO);
	TU_BAD_DECODE(m, state_rep_fd, 2, -EBADMSG, lvh_msg_decode_device_state_reply(gctx, &m));
	TU_BAD_REP(FE, LIBVHOST_USER_CHECK_DEVICE_STATE, BODY, check_fail, 0, 0, -EIO);

	/* the encoders refuse what the decoders refuse; the failure reply is rust-vmm's bytes */
	g_init(&e, LIBVHOST_USER_SET_DEVICE_STATE_FD, REQ);
	s = (struct lvh_device_state){ 2, 0 };
	ck_assert_int_eq(lvh_msg_encode_device_state(&e, &s, 100), -EINVAL);
	s = (struct lvh_device_state){ 0, 1 };
	ck_assert_int_eq(lvh_msg_encode_device_state(&e, &s, 100), -EINVAL);
	s = (struct lvh_device_state){ 0, 0 };
	ck_assert_int_eq(lvh_msg_encode_device_state(&e, &s, -1), -EINVAL);
	g_init(&e, LIBVHOST_USER_SET_DEVICE_STATE_FD, REP);
	ck_assert_int_eq(lvh_msg_encode_device_state_reply(&e, 1, 100), -EINVAL);
	ck_assert_int_eq(lvh_msg_encode_device_state_reply(&e, 1, -1), 0);
	G_SAME(e, rep_err, 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Shared objects                                                           */

#define PF_SHARED (PROTO_BIT(SHARED_OBJECT) | PROTO_BIT(REPLY_ACK))
#define PF_SHARED_FD (PF_SHARED | PROTO_BIT(BACKEND_SEND_FD))

/*
 * 123e4567-e89b-12d3-a456-426614174000 as the spec stores it: time_low,
 * time_mid and time_hi_and_version big-endian (RFC 4122), then the 8 bytes.
 */
#define UUID_BYTES                                                                             \
	0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17,    \
		0x40, 0x00

static const uint8_t uuid_want[16] = { UUID_BYTES };
static const uint8_t get_shared[] = { HDR(41, REQ, 16), UUID_BYTES };
/* found, as rust-vmm sends it and the spec has it ("dmabuf fd"): no body, the fd */
static const uint8_t get_shared_rep[] = { HDR(41, REP, 0) };
/* found, as libvhost-user sends it: the request's UUID sent back, the fd */
static const uint8_t get_shared_rep_echo[] = { HDR(41, REP, 16), UUID_BYTES };
/* found, in LOOKUP's form: u64 0 and the fd */
static const uint8_t get_shared_rep_u64[] = { HDR(41, REP, 8), U64(0) };
/* not found, in LOOKUP's form: u64 1, no fd */
static const uint8_t get_shared_rep_u64_missing[] = { HDR(41, REP, 8), U64(1) };
static const uint8_t shared_add[] = { HDR(6, NEED, 16), UUID_BYTES };
static const uint8_t shared_add_ack[] = { HDR(6, REP, 8), U64(0) };
static const uint8_t shared_remove[] = { HDR(7, NEED, 16), UUID_BYTES };
static const uint8_t shared_remove_ack[] = { HDR(7, REP, 8), U64(0) };
static const uint8_t shared_lookup[] = { HDR(8, REQ, 16), UUID_BYTES };
/* "dmabuf fd and u64": 0 with the fd */
static const uint8_t shared_lookup_rep[] = { HDR(8, REP, 8), U64(0) };
/* non-zero and no fd: not found */
static const uint8_t shared_lookup_rep_missing[] = { HDR(8, REP, 8), U64(1) };

/* A reply decoded by the decoder alone: the table does not admit these sizes yet. */
static void shared_reply_decode(const uint8_t *v, size_t len, unsigned int nfds, int want)
{
	struct lvh_msg m;

	ck_assert_int_eq(tu_msg_from_bytes(&m, v, len, nfds), 0);
	ck_assert_int_eq(lvh_msg_decode_shared_object_reply(gctx, &m), want);
	lvh_msg_close_fds(&m);
}

/* A UUID request: table, decode, compare, encode, compare. */
static void uuid_golden(enum lvh_dir dir, const uint8_t *v, size_t len, uint64_t proto)
{
	struct lvh_msg m, e;
	struct lvh_uuid u;

	g_request(&m, dir, v, len, 0, proto);
	ck_assert_int_eq(lvh_msg_decode_uuid(gctx, &m, dir, &u), 0);
	ck_assert_mem_eq(u.b, uuid_want, 16);
	g_init(&e, m.request, tu_le32(v + 4));
	ck_assert_int_eq(lvh_msg_encode_uuid(&e, &u), 0);
	g_same(&e, v, len, 0);
}

START_TEST(test_shared_golden)
{
	struct lvh_msg m, e;

	uuid_golden(FE, get_shared, sizeof(get_shared), PF_SHARED);

	/* our reply form, empty: found with the fd, not found without */
	shared_reply_decode(get_shared_rep, sizeof(get_shared_rep), 1, 1);
	shared_reply_decode(get_shared_rep, sizeof(get_shared_rep), 0, 0);
	g_init(&e, LIBVHOST_USER_GET_SHARED_OBJECT, REP);
	ck_assert_int_eq(lvh_msg_encode_shared_object_reply(&e, 100), 0);
	G_SAME(e, get_shared_rep, 1);
	g_init(&e, LIBVHOST_USER_GET_SHARED_OBJECT, REP);
	ck_assert_int_eq(lvh_msg_encode_shared_object_reply(&e, -1), 0);
	G_SAME(e, get_shared_rep, 0);
	/* libvhost-user's echo: the fd decides */
	shared_reply_decode(get_shared_rep_echo, sizeof(get_shared_rep_echo), 1, 1);
	shared_reply_decode(get_shared_rep_echo, sizeof(get_shared_rep_echo), 0, 0);
	/* LOOKUP's u64 form, which the table admits today */
	G_REP(m, FE, LIBVHOST_USER_GET_SHARED_OBJECT, BODY, get_shared_rep_u64, 1);
	ck_assert_int_eq(lvh_msg_decode_shared_object_reply(gctx, &m), 1);
	lvh_msg_close_fds(&m);
	G_REP(m, FE, LIBVHOST_USER_GET_SHARED_OBJECT, BODY, get_shared_rep_u64_missing, 0);
	ck_assert_int_eq(lvh_msg_decode_shared_object_reply(gctx, &m), 0);

	uuid_golden(BE, shared_add, sizeof(shared_add), PF_SHARED);
	ACK_GOLDEN(BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD, shared_add_ack);
	uuid_golden(BE, shared_remove, sizeof(shared_remove), PF_SHARED);
	ACK_GOLDEN(BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_REMOVE, shared_remove_ack);
	uuid_golden(BE, shared_lookup, sizeof(shared_lookup), PF_SHARED);

	G_REP(m, BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, BODY, shared_lookup_rep, 1);
	ck_assert_int_eq(lvh_msg_decode_shared_object_reply(gctx, &m), 1);
	lvh_msg_close_fds(&m);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_shared_object_reply(&e, 100), 0);
	G_SAME(e, shared_lookup_rep, 1);
	G_REP(m, BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, BODY, shared_lookup_rep_missing,
	      0);
	ck_assert_int_eq(lvh_msg_decode_shared_object_reply(gctx, &m), 0);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_shared_object_reply(&e, -1), 0);
	G_SAME(e, shared_lookup_rep_missing, 0);
}
END_TEST

START_TEST(test_shared_malformed)
{
	struct lvh_msg m;
	/* the nil UUID names nothing */
	static const uint8_t get_nil[] = { HDR(41, REQ, 16), PAD8, PAD8 };
	static const uint8_t add_nil[] = { HDR(6, REQ, 16), PAD8, PAD8 };
	/* u64 status 2 with an fd: failure cannot carry the object */
	static const uint8_t lookup_rep_2[] = { HDR(8, REP, 8), U64(2) };
	static const uint8_t get_rep_2[] = { HDR(41, REP, 8), U64(2) };
	/* sizes no peer sends: 4 for GET, empty for LOOKUP */
	static const uint8_t get_rep4[] = { HDR(41, REP, 4), PAD4 };
	static const uint8_t lookup_rep_empty[] = { HDR(8, REP, 0) };
	/* the 15-byte UUID the decoder re-checks */
	static const uint8_t add_short[] = { HDR(6, REQ, 15), PAD8, 0, 0, 0, 0, 0, 0, 1 };
	struct lvh_uuid u;
	struct lvh_msg e;

	TU_REQ_VARIANTS(FE, get_shared, 0, PF_SHARED, GATE(SHARED_OBJECT), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_SHARED_OBJECT, BODY, get_shared_rep_u64, 1, 0,
			TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_SHARED_OBJECT, BODY, get_shared_rep_u64_missing, 0, 0,
			TU_V_ALL);
	TU_REQ_VARIANTS(BE, shared_add, 0, PF_SHARED_FD, GATE(SHARED_OBJECT), TU_V_ALL);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD, ACK, shared_add_ack, 0, 0,
			TU_V_ALL);
	TU_REQ_VARIANTS(BE, shared_remove, 0, PF_SHARED_FD, GATE(SHARED_OBJECT), TU_V_ALL);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_REMOVE, ACK, shared_remove_ack, 0,
			0, TU_V_ALL);
	/* with BACKEND_SEND_FD: rust-vmm's LOOKUP sends the fd in the request, which is wrong */
	TU_REQ_VARIANTS(BE, shared_lookup, 0, PF_SHARED_FD, GATE(SHARED_OBJECT), TU_V_ALL);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, BODY, shared_lookup_rep, 1,
			0, TU_V_ALL);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, BODY,
			shared_lookup_rep_missing, 0, 0, TU_V_ALL);

	TU_BAD_REQ(FE, get_nil, 0, PF_SHARED, -EPROTO);
	TU_BAD_REQ(BE, add_nil, 0, PF_SHARED, -EPROTO);
	TU_BAD_DECODE(m, add_short, 0, -EBADMSG, lvh_msg_decode_uuid(gctx, &m, BE, &u));
	TU_BAD_REP(BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, BODY, shared_lookup_rep, 0, 0,
		   -EBADMSG);
	TU_BAD_REP(BE, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, BODY, lookup_rep_2, 1, 0,
		   -EBADMSG);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_SHARED_OBJECT, BODY, get_shared_rep_u64, 0, 0, -EBADMSG);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_SHARED_OBJECT, BODY, get_rep_2, 1, 0, -EBADMSG);
	TU_BAD_DECODE(m, get_rep4, 1, -EBADMSG, lvh_msg_decode_shared_object_reply(gctx, &m));
	TU_BAD_DECODE(m, get_shared_rep, 2, -EBADMSG, lvh_msg_decode_shared_object_reply(gctx, &m));
	TU_BAD_DECODE(m, get_shared_rep_echo, 2, -EBADMSG,
		      lvh_msg_decode_shared_object_reply(gctx, &m));
	TU_BAD_DECODE(m, lookup_rep_empty, 1, -EBADMSG,
		      lvh_msg_decode_shared_object_reply(gctx, &m));
	TU_BAD_DECODE(m, shared_lookup_rep, 2, -EBADMSG,
		      lvh_msg_decode_shared_object_reply(gctx, &m));
	/* a reply of another request is the caller's mistake */
	TU_MISUSE_DECODE(m, postcopy_end_rep, 0, -EINVAL,
			 lvh_msg_decode_shared_object_reply(gctx, &m));

	/* the encoders refuse what the decoders refuse */
	memset(&u, 0, sizeof(u));
	g_init(&e, LIBVHOST_USER_GET_SHARED_OBJECT, REQ);
	ck_assert_int_eq(lvh_msg_encode_uuid(&e, &u), -EINVAL);
	g_init(&e, LIBVHOST_USER_GET_STATUS, REP);
	ck_assert_int_eq(lvh_msg_encode_shared_object_reply(&e, -1), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* VIRTIO shared memory                                                     */

#define PF_SHMEM PROTO_BIT(SHMEM)
#define PF_SHMEM_FD (PROTO_BIT(SHMEM) | PROTO_BIT(BACKEND_SEND_FD) | PROTO_BIT(REPLY_ACK))
#define SHMEM_REP(nregions, ...) { HDR(44, REP, 2056), U32(nregions), PAD4, __VA_ARGS__ }

static const uint8_t get_shmem[] = { HDR(44, REQ, 0) };
/*
 * {u32 nregions 2, u32 padding, u64 sizes[256]}: shmid 0 a 16 MiB window,
 * shmid 3 1 MiB, the rest 0 (unused).  Sizes here are multiples of 64 KiB,
 * so of the page size on any host.
 */
static const uint8_t shmem_rep[12 + 2056] =
	SHMEM_REP(2, U64(0x1000000), U64(0), U64(0), U64(0x100000));
/* no regions at all */
static const uint8_t shmem_rep_none[12 + 2056] = SHMEM_REP(0, U64(0));
/*
 * SHMEM_MAP {u8 shmid 2, u8 padding[7], u64 fd_offset 0x10000, u64
 * shm_offset 0x200000, u64 len 64 KiB, u64 flags 1 (read-write)}, the fd
 */
static const uint8_t shmem_map[] = {
	HDR(9, NEED, 40), 2, 0, 0, 0, 0, 0, 0, 0,
	U64(0x10000), U64(0x200000), U64(0x10000), U64(1),
};
static const uint8_t shmem_map_ack[] = { HDR(9, REP, 8), U64(0) };
/* read-only: flags 0; shmid 255, the last */
static const uint8_t shmem_map_ro[] = {
	HDR(9, REQ, 40), 255, 0, 0, 0, 0, 0, 0, 0, U64(0), U64(0), U64(0x1000), U64(0),
};
/* SHMEM_UNMAP of the same range: fd_offset and flags 0, no fd */
static const uint8_t shmem_unmap[] = {
	HDR(10, NEED, 40), 2, 0, 0, 0, 0, 0, 0, 0, U64(0), U64(0x200000), U64(0x10000), U64(0),
};
static const uint8_t shmem_unmap_ack[] = { HDR(10, REP, 8), U64(0) };

static void assert_map(const struct lvh_shmem_map *s, uint8_t shmid, uint64_t fd_offset,
		       uint64_t shm_offset, uint64_t len, uint64_t flags)
{
	ck_assert_uint_eq(s->shmid, shmid);
	ck_assert_uint_eq(s->fd_offset, fd_offset);
	ck_assert_uint_eq(s->shm_offset, shm_offset);
	ck_assert_uint_eq(s->len, len);
	ck_assert_uint_eq(s->flags, flags);
}

START_TEST(test_shmem_golden)
{
	/* a peer counting up to its highest shmid: nregions 4 for the same two regions */
	static const uint8_t shmem_rep_upto[12 + 2056] =
		SHMEM_REP(4, U64(0x1000000), U64(0), U64(0), U64(0x100000));
	/* a peer's UNMAP with padding, fd_offset and flags set: none of them count */
	static const uint8_t unmap_junk[] = {
		HDR(10, REQ, 40), 2, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		U64(0x10000), U64(0x200000), U64(0x10000), U64(0xff),
	};
	/* a peer's MAP with non-zero padding */
	static const uint8_t map_pad[] = {
		HDR(9, REQ, 40), 1, 1, 2, 3, 4, 5, 6, 7, U64(0), U64(0), U64(0x1000), U64(1),
	};
	static uint8_t full[12 + 2056];
	struct lvh_shmem_config c;
	struct lvh_shmem_map s;
	struct lvh_msg m, e;
	unsigned int i;

	EMPTY_REQUEST(FE, get_shmem, PF_SHMEM);
	G_REP(m, FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, shmem_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_shmem_config(gctx, &m, &c), 0);
	ck_assert_uint_eq(c.nregions, 2);
	ck_assert_uint_eq(c.sizes[0], 0x1000000);
	ck_assert_uint_eq(c.sizes[1], 0);
	ck_assert_uint_eq(c.sizes[3], 0x100000);
	ck_assert_uint_eq(c.sizes[255], 0);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_shmem_config(&e, &c), 0);
	G_SAME(e, shmem_rep, 0);

	G_REP(m, FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, shmem_rep_none, 0);
	ck_assert_int_eq(lvh_msg_decode_shmem_config(gctx, &m, &c), 0);
	ck_assert_uint_eq(c.nregions, 0);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_shmem_config(&e, &c), 0);
	G_SAME(e, shmem_rep_none, 0);

	/* accepted, but we would send nregions 2: the encoder wants the count */
	G_REP(m, FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, shmem_rep_upto, 0);
	ck_assert_int_eq(lvh_msg_decode_shmem_config(gctx, &m, &c), 0);
	ck_assert_uint_eq(c.nregions, 4);
	ck_assert_uint_eq(c.sizes[3], 0x100000);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_shmem_config(&e, &c), -EINVAL);

	/* every shmid in use, at the largest 64 KiB multiple: nregions 256 */
	tu_put_le32(full, 44);
	tu_put_le32(full + 4, REP);
	tu_put_le32(full + 8, 2056);
	tu_put_le32(full + 12, 256);
	for (i = 0; i < 256; i++)
		tu_put_le64(full + 20 + 8 * i, 0xffffffffffff0000ULL);
	G_REP(m, FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, full, 0);
	ck_assert_int_eq(lvh_msg_decode_shmem_config(gctx, &m, &c), 0);
	ck_assert_uint_eq(c.nregions, 256);
	ck_assert_uint_eq(c.sizes[255], 0xffffffffffff0000ULL);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_shmem_config(&e, &c), 0);
	G_SAME(e, full, 0);

	G_REQ(m, BE, shmem_map, 1, PF_SHMEM_FD);
	ck_assert_int_eq(lvh_msg_decode_shmem_map(gctx, &m, &s), 0);
	assert_map(&s, 2, 0x10000, 0x200000, 0x10000, LVH_SHMEM_MAP_RW);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_BACKEND_SHMEM_MAP, NEED);
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, 100), 0);
	G_SAME(e, shmem_map, 1);
	ACK_GOLDEN(BE, LIBVHOST_USER_BACKEND_SHMEM_MAP, shmem_map_ack);

	G_REQ(m, BE, shmem_map_ro, 1, PF_SHMEM_FD);
	ck_assert_int_eq(lvh_msg_decode_shmem_map(gctx, &m, &s), 0);
	assert_map(&s, 255, 0, 0, 0x1000, 0);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_BACKEND_SHMEM_MAP, REQ);
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, 100), 0);
	G_SAME(e, shmem_map_ro, 1);

	G_REQ(m, BE, shmem_unmap, 0, PF_SHMEM | PROTO_BIT(REPLY_ACK));
	ck_assert_int_eq(lvh_msg_decode_shmem_map(gctx, &m, &s), 0);
	assert_map(&s, 2, 0, 0x200000, 0x10000, 0);
	g_init(&e, LIBVHOST_USER_BACKEND_SHMEM_UNMAP, NEED);
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, -1), 0);
	G_SAME(e, shmem_unmap, 0);
	ACK_GOLDEN(BE, LIBVHOST_USER_BACKEND_SHMEM_UNMAP, shmem_unmap_ack);

	G_REQ(m, BE, unmap_junk, 0, PF_SHMEM);
	ck_assert_int_eq(lvh_msg_decode_shmem_map(gctx, &m, &s), 0);
	assert_map(&s, 2, 0, 0x200000, 0x10000, 0);
	G_REQ(m, BE, map_pad, 1, PF_SHMEM_FD);
	ck_assert_int_eq(lvh_msg_decode_shmem_map(gctx, &m, &s), 0);
	assert_map(&s, 1, 0, 0, 0x1000, 1);
	lvh_msg_close_fds(&m);
}
END_TEST

/* SHMEM_MAP of {shmid 0, fd_offset, shm_offset, len, flags} */
#define MAP1(fd_off, shm_off, len, flags)                                                      \
	{ HDR(9, REQ, 40), PAD8, U64(fd_off), U64(shm_off), U64(len), U64(flags) }
#define UNMAP1(shm_off, len) { HDR(10, REQ, 40), PAD8, U64(0), U64(shm_off), U64(len), U64(0) }

START_TEST(test_shmem_malformed)
{
	struct lvh_msg m;
	/* nregions past 256; fewer than the sizes given; a size off the page */
	static const uint8_t too_many[12 + 2056] = SHMEM_REP(257, U64(0));
	static const uint8_t nregions_max[12 + 2056] = SHMEM_REP(0xffffffff, U64(0));
	static const uint8_t too_few[12 + 2056] = SHMEM_REP(1, U64(0x10000), U64(0), U64(0x10000));
	static const uint8_t not_page[12 + 2056] = SHMEM_REP(1, U64(0x1001));
	static const uint8_t not_page_max[12 + 2056] = SHMEM_REP(1, U64(U64_MAX));
	/* empty ranges */
	static const uint8_t map_empty[] = MAP1(0, 0, 0, 1);
	static const uint8_t unmap_empty[] = UNMAP1(0x1000, 0);
	/* ranges ending exactly at 2^64 (valid), one byte past (invalid), and everything */
	static const uint8_t map_fd_end[] = MAP1(0xffffffffffff0000ULL, 0, 0x10000, 1);
	static const uint8_t map_shm_end[] = MAP1(0, 0xffffffffffff0000ULL, 0x10000, 1);
	static const uint8_t map_all[] = MAP1(1, 1, U64_MAX, 0);
	static const uint8_t map_fd_past[] = MAP1(0xffffffffffff0001ULL, 0, 0x10000, 1);
	static const uint8_t map_shm_past[] = MAP1(0, 0xffffffffffff0001ULL, 0x10000, 1);
	static const uint8_t map_all_past[] = MAP1(2, 0, U64_MAX, 0);
	static const uint8_t unmap_end[] = UNMAP1(0xffffffffffff0000ULL, 0x10000);
	static const uint8_t unmap_past[] = UNMAP1(0xffffffffffff0001ULL, 0x10000);
	/* flags: the early QEMU series' write bit (1), both bits, bit 63 */
	static const uint8_t map_flag_w[] = MAP1(0, 0, 0x1000, 2);
	static const uint8_t map_flag_rw[] = MAP1(0, 0, 0x1000, 3);
	static const uint8_t map_flag_63[] = MAP1(0, 0, 0x1000, 0x8000000000000001ULL);
	struct lvh_shmem_config c;
	struct lvh_shmem_map s;
	struct lvh_msg e;

	TU_REQ_VARIANTS(FE, get_shmem, 0, PF_SHMEM | PROTO_BIT(REPLY_ACK), GATE(SHMEM), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, shmem_rep, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(BE, shmem_map, 1, PF_SHMEM_FD, GATE(SHMEM), TU_V_ALL);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_SHMEM_MAP, ACK, shmem_map_ack, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(BE, shmem_map_ro, 1, PF_SHMEM_FD, GATE(SHMEM), TU_V_ALL);
	TU_REQ_VARIANTS(BE, shmem_unmap, 0, PF_SHMEM_FD, GATE(SHMEM), TU_V_ALL);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_SHMEM_UNMAP, ACK, shmem_unmap_ack, 0, 0,
			TU_V_ALL);

	TU_BAD_REP(FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, too_many, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, nregions_max, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, too_few, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, not_page, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_SHMEM_CONFIG, BODY, not_page_max, 0, 0, -EPROTO);
	TU_BAD_DECODE(m, shmem_map_ack, 0, -EBADMSG, lvh_msg_decode_shmem_config(gctx, &m, &c));

	TU_BAD_REQ(BE, map_empty, 1, PF_SHMEM_FD, -EPROTO);
	TU_BAD_REQ(BE, unmap_empty, 0, PF_SHMEM_FD, -EPROTO);
	TU_OK_REQ(BE, map_fd_end, 1, PF_SHMEM_FD);
	TU_OK_REQ(BE, map_shm_end, 1, PF_SHMEM_FD);
	TU_OK_REQ(BE, map_all, 1, PF_SHMEM_FD);
	TU_OK_REQ(BE, unmap_end, 0, PF_SHMEM_FD);
	TU_BAD_REQ(BE, map_fd_past, 1, PF_SHMEM_FD, -EPROTO);
	TU_BAD_REQ(BE, map_shm_past, 1, PF_SHMEM_FD, -EPROTO);
	TU_BAD_REQ(BE, map_all_past, 1, PF_SHMEM_FD, -EPROTO);
	TU_BAD_REQ(BE, unmap_past, 0, PF_SHMEM_FD, -EPROTO);
	TU_BAD_REQ(BE, map_flag_w, 1, PF_SHMEM_FD, -EPROTO);
	TU_BAD_REQ(BE, map_flag_rw, 1, PF_SHMEM_FD, -EPROTO);
	TU_BAD_REQ(BE, map_flag_63, 1, PF_SHMEM_FD, -EPROTO);
	/* fds from the back-end need BACKEND_SEND_FD; MAP needs its one, UNMAP takes none */
	TU_BAD_REQ(BE, shmem_map, 1, PF_SHMEM_FD & ~PROTO_BIT(BACKEND_SEND_FD), -EBADMSG);
	TU_BAD_DECODE(m, shmem_map, 0, -EBADMSG, lvh_msg_decode_shmem_map(gctx, &m, &s));
	TU_BAD_DECODE(m, shmem_unmap, 1, -EBADMSG, lvh_msg_decode_shmem_map(gctx, &m, &s));
	TU_BAD_DECODE(m, shmem_map_ack, 0, -EBADMSG, lvh_msg_decode_shmem_map(gctx, &m, &s));
	/* a request other than SHMEM_MAP/UNMAP is the caller's mistake */
	TU_MISUSE_DECODE(m, shared_lookup, 0, -EINVAL, lvh_msg_decode_shmem_map(gctx, &m, &s));

	/* the encoders refuse what the decoders refuse */
	memset(&c, 0, sizeof(c));
	c.sizes[0] = 0x10000;
	g_init(&e, LIBVHOST_USER_GET_SHMEM_CONFIG, REP);
	ck_assert_int_eq(lvh_msg_encode_shmem_config(&e, &c), -EINVAL); /* nregions 0 */
	c.nregions = 2;
	ck_assert_int_eq(lvh_msg_encode_shmem_config(&e, &c), -EINVAL);
	c.nregions = 1;
	c.sizes[0] = 0x1001;
	ck_assert_int_eq(lvh_msg_encode_shmem_config(&e, &c), -EINVAL);
	s = (struct lvh_shmem_map){ 0, 0, 0, 0x1000, LVH_SHMEM_MAP_RW };
	g_init(&e, LIBVHOST_USER_BACKEND_SHMEM_MAP, REQ);
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, -1), -EINVAL);
	s.flags = 2;
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, 100), -EINVAL);
	s = (struct lvh_shmem_map){ 0, 0, 0, 0, 0 };
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, 100), -EINVAL);
	s = (struct lvh_shmem_map){ 0, 0xffffffffffff0001ULL, 0, 0x10000, 0 };
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, 100), -EINVAL);
	g_init(&e, LIBVHOST_USER_BACKEND_SHMEM_UNMAP, REQ);
	s = (struct lvh_shmem_map){ 0, 0, 0, 0x1000, 0 };
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, 100), -EINVAL);
	s = (struct lvh_shmem_map){ 0, 0, 0xffffffffffff0001ULL, 0x10000, 0 };
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, -1), -EINVAL);
	g_init(&e, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, REQ);
	s = (struct lvh_shmem_map){ 0, 0, 0, 0x1000, 0 };
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&e, &s, -1), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Net                                                                      */

#define PF_MTU (PROTO_BIT(NET_MTU) | PROTO_BIT(REPLY_ACK))

/* the MAC 52:54:00:12:34:56 in the u64's first six bytes, in memory order; then 0, 0 */
static const uint8_t rarp[] = { HDR(19, REQ, 8), 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0, 0 };
/* u64 9000 (jumbo frames), NEED_REPLY as QEMU sends it with REPLY_ACK */
static const uint8_t mtu[] = { HDR(20, NEED, 8), U64(9000) };
static const uint8_t mtu_ack[] = { HDR(20, REP, 8), U64(0) };
/* the range's ends */
static const uint8_t mtu_min[] = { HDR(20, REQ, 8), U64(68) };
static const uint8_t mtu_max[] = { HDR(20, REQ, 8), U64(65535) };

static const uint8_t mac_want[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

START_TEST(test_net_golden)
{
	/* a peer leaving bytes 6-7 non-zero: the spec gives them no meaning */
	static const uint8_t rarp_tail[] = {
		HDR(19, REQ, 8), 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xde, 0xad,
	};
	/* a multicast MAC is still just six bytes to the codec */
	static const uint8_t rarp_bcast[] = {
		HDR(19, REQ, 8), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0,
	};
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct lvh_msg m, e;
	uint8_t mac[6];
	uint16_t v;

	G_REQ(m, FE, rarp, 0, PROTO_BIT(RARP));
	ck_assert_int_eq(lvh_msg_decode_rarp(gctx, &m, mac), 0);
	ck_assert_mem_eq(mac, mac_want, 6);
	g_init(&e, LIBVHOST_USER_SEND_RARP, REQ);
	ck_assert_int_eq(lvh_msg_encode_rarp(&e, mac), 0);
	G_SAME(e, rarp, 0);
	G_REQ(m, FE, rarp_tail, 0, PROTO_BIT(RARP));
	ck_assert_int_eq(lvh_msg_decode_rarp(gctx, &m, mac), 0);
	ck_assert_mem_eq(mac, mac_want, 6);
	G_REQ(m, FE, rarp_bcast, 0, PROTO_BIT(RARP));
	ck_assert_int_eq(lvh_msg_decode_rarp(gctx, &m, mac), 0);
	ck_assert_mem_eq(mac, bcast, 6);
	g_init(&e, LIBVHOST_USER_SEND_RARP, REQ);
	ck_assert_int_eq(lvh_msg_encode_rarp(&e, mac), 0);
	G_SAME(e, rarp_bcast, 0);

	G_REQ(m, FE, mtu, 0, PF_MTU);
	ck_assert_int_eq(lvh_msg_decode_mtu(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 9000);
	g_init(&e, LIBVHOST_USER_NET_SET_MTU, NEED);
	ck_assert_int_eq(lvh_msg_encode_mtu(&e, v), 0);
	G_SAME(e, mtu, 0);
	ACK_GOLDEN(FE, LIBVHOST_USER_NET_SET_MTU, mtu_ack);

	G_REQ(m, FE, mtu_min, 0, PF_MTU);
	ck_assert_int_eq(lvh_msg_decode_mtu(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 68);
	g_init(&e, LIBVHOST_USER_NET_SET_MTU, REQ);
	ck_assert_int_eq(lvh_msg_encode_mtu(&e, v), 0);
	G_SAME(e, mtu_min, 0);
	G_REQ(m, FE, mtu_max, 0, PF_MTU);
	ck_assert_int_eq(lvh_msg_decode_mtu(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 65535);
	g_init(&e, LIBVHOST_USER_NET_SET_MTU, REQ);
	ck_assert_int_eq(lvh_msg_encode_mtu(&e, v), 0);
	G_SAME(e, mtu_max, 0);
}
END_TEST

START_TEST(test_net_malformed)
{
	struct lvh_msg m;
	/* one below the range, one above, 0 and all ones */
	static const uint8_t mtu_67[] = { HDR(20, REQ, 8), U64(67) };
	static const uint8_t mtu_65536[] = { HDR(20, REQ, 8), U64(65536) };
	static const uint8_t mtu_0[] = { HDR(20, REQ, 8), U64(0) };
	static const uint8_t mtu_u64max[] = { HDR(20, REQ, 8), U64(U64_MAX) };
	/* the MAC alone, without the u64's tail */
	static const uint8_t rarp6[] = { HDR(19, REQ, 6), 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct lvh_msg e;
	uint8_t mac[6];
	uint16_t v;

	TU_REQ_VARIANTS(FE, rarp, 0, PROTO_BIT(RARP) | PROTO_BIT(REPLY_ACK), GATE(RARP), TU_V_ALL);
	TU_REQ_VARIANTS(FE, mtu, 0, PF_MTU, GATE(NET_MTU), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_NET_SET_MTU, ACK, mtu_ack, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(FE, mtu_min, 0, PF_MTU, GATE(NET_MTU), TU_V_ALL);

	TU_BAD_REQ(FE, mtu_67, 0, PF_MTU, -EPROTO);
	TU_BAD_REQ(FE, mtu_65536, 0, PF_MTU, -EPROTO);
	TU_BAD_REQ(FE, mtu_0, 0, PF_MTU, -EPROTO);
	TU_BAD_REQ(FE, mtu_u64max, 0, PF_MTU, -EPROTO);
	TU_BAD_DECODE(m, rarp6, 0, -EBADMSG, lvh_msg_decode_rarp(gctx, &m, mac));
	TU_BAD_DECODE(m, rarp6, 0, -EBADMSG, lvh_msg_decode_mtu(gctx, &m, &v));

	/* the encoders refuse what the decoders refuse */
	g_init(&e, LIBVHOST_USER_NET_SET_MTU, REQ);
	ck_assert_int_eq(lvh_msg_encode_mtu(&e, 67), -EINVAL);
	ck_assert_int_eq(lvh_msg_encode_mtu(&e, 0), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Crypto sessions                                                          */

#define PF_CRYPTO PROTO_BIT(CRYPTO_SESSION)
#define LEGACY_LEN (12 + 632)
#define CURRENT_LEN (12 + 1072)

static void hdr(uint8_t *v, uint32_t request, uint32_t flags, uint32_t size)
{
	memset(v, 0, 12 + size);
	tu_put_le32(v, request);
	tu_put_le32(v + 4, flags);
	tu_put_le32(v + 8, size);
}

/*
 * Legacy layout (632 bytes): a CIPHER session, AES-CBC with a 16-byte key,
 * encrypting.  Offsets are the payload's.
 */
static void crypto_legacy(uint8_t *v, uint32_t flags, int64_t id)
{
	uint8_t *p = v + 12;
	unsigned int i;

	hdr(v, 26, flags, 632);
	tu_put_le64(p + 0, (uint64_t)id); /* i64 session_id */
	tu_put_le32(p + 8, 0x0002);	  /* u32 op_code: CIPHER_CREATE_SESSION */
	tu_put_le32(p + 12, 3);		  /* u32 cipher_alg: AES_CBC */
	tu_put_le32(p + 16, 16);	  /* u32 key_len */
	/* 20 hash_alg, 24 hash_result_len, 28 auth_key_len, 32 add_len: 0 */
	p[36] = 1; /* u8 op_type: cipher */
	p[37] = 1; /* u8 direction: encrypt */
	/* 38 hash_mode, 39 alg_chain_order: 0; 40..55 two host pointers: 0 */
	for (i = 0; i < 16; i++)
		p[56 + i] = (uint8_t)(0xa0 + i); /* key[64] */
	/* 120 auth_key[512]: unused */
}

/*
 * Current layout (1072 bytes), symmetric: cipher then MAC, AES-CBC with a
 * 16-byte key and an HMAC with a 32-byte key and a 32-byte result.
 */
static void crypto_sym(uint8_t *v, uint32_t flags, int64_t id)
{
	uint8_t *p = v + 12;
	unsigned int i;

	hdr(v, 26, flags, 1072);
	tu_put_le64(p + 0, 0x0002); /* u64 op_code: CIPHER_CREATE_SESSION */
	tu_put_le32(p + 8, 3);	    /* u32 cipher_alg: AES_CBC */
	tu_put_le32(p + 12, 16);    /* u32 key_len */
	tu_put_le32(p + 16, 4);	    /* u32 hash_alg */
	tu_put_le32(p + 20, 32);    /* u32 hash_result_len */
	tu_put_le32(p + 24, 32);    /* u32 auth_key_len */
	tu_put_le32(p + 28, 0);	    /* u32 add_len */
	p[32] = 2; /* u8 op_type: algorithm chaining */
	p[33] = 1; /* u8 direction: encrypt */
	p[34] = 2; /* u8 hash_mode */
	p[35] = 1; /* u8 alg_chain_order: cipher then hash */
	/* 36..39 padding, 40..55 two host pointers: 0 */
	for (i = 0; i < 16; i++)
		p[56 + i] = (uint8_t)(0xa0 + i); /* key[64] */
	for (i = 0; i < 32; i++)
		p[120 + i] = (uint8_t)(0xc0 + i); /* auth_key[512] */
	tu_put_le64(p + 1064, (uint64_t)id);	  /* i64 session_id */
}

/* Current layout, asymmetric: an RSA public key of 270 bytes (DER of 2048 bits). */
static void crypto_asym(uint8_t *v, uint32_t flags, int64_t id)
{
	uint8_t *p = v + 12;
	unsigned int i;

	hdr(v, 26, flags, 1072);
	tu_put_le64(p + 0, 0x0404); /* u64 op_code: AKCIPHER_CREATE_SESSION */
	tu_put_le32(p + 8, 1);	    /* u32 algo: RSA */
	tu_put_le32(p + 12, 1);	    /* u32 keytype: public */
	tu_put_le32(p + 16, 270);   /* u32 keylen */
	/* 20..23 padding, 24..31 a host pointer: 0 */
	tu_put_le32(p + 32, 1); /* u32 rsa padding_algo */
	tu_put_le32(p + 36, 5); /* u32 rsa hash_algo */
	p[40] = 0x30; /* key[1024]: SEQUENCE... */
	p[41] = 0x82;
	p[42] = 0x01;
	p[43] = 0x0a;
	for (i = 4; i < 270; i++)
		p[40 + i] = (uint8_t)i;
	tu_put_le64(p + 1064, (uint64_t)id); /* i64 session_id */
}

static uint8_t legacy_req[LEGACY_LEN], legacy_rep[LEGACY_LEN];
static uint8_t sym_req[CURRENT_LEN], sym_rep[CURRENT_LEN];
static uint8_t asym_req[CURRENT_LEN], asym_rep[CURRENT_LEN];
/* CLOSE_CRYPTO_SESSION: u64 session id 7 */
static const uint8_t crypto_close[] = { HDR(27, REQ, 8), U64(7) };
/* the largest id a session can have */
static const uint8_t crypto_close_max[] = { HDR(27, REQ, 8), U64(0x7fffffffffffffffULL) };

static void crypto_vectors(void)
{
	crypto_legacy(legacy_req, REQ, 0);
	crypto_legacy(legacy_rep, REP, 42);
	crypto_sym(sym_req, REQ, 0);
	crypto_sym(sym_rep, REP, 7);
	crypto_asym(asym_req, REQ, 0);
	crypto_asym(asym_rep, REP, 0);
}

/* Decodes a request vector, hands the struct to check, re-encodes it and compares. */
static void crypto_golden(const uint8_t *v, size_t len, uint32_t flags,
			  void (*check)(const struct lvh_crypto_session *s))
{
	struct lvh_crypto_session s;
	struct lvh_msg m, e;
	int64_t id;

	if (flags & LIBVHOST_USER_FLAG_REPLY) {
		g_reply(&m, FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, v, len, 0);
		ck_assert_int_eq(lvh_msg_decode_crypto_session_reply(gctx, &m, &id), 0);
	} else {
		g_request(&m, FE, v, len, 0, PF_CRYPTO);
	}
	ck_assert_int_eq(lvh_msg_decode_crypto_session(gctx, &m, &s), 0);
	if (flags & LIBVHOST_USER_FLAG_REPLY)
		ck_assert_int_eq(id, s.session_id);
	check(&s);
	/* the keys point into m, which outlives the encoding */
	g_init(&e, LIBVHOST_USER_CREATE_CRYPTO_SESSION, flags);
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), 0);
	g_same(&e, v, len, 0);
}

static void check_legacy(const struct lvh_crypto_session *s)
{
	ck_assert(s->legacy);
	ck_assert_uint_eq(s->op_code, LVH_CRYPTO_OP_CIPHER_CREATE);
	ck_assert_uint_eq(s->cipher_alg, 3);
	ck_assert_uint_eq(s->key_len, 16);
	ck_assert_uint_eq(s->hash_alg, 0);
	ck_assert_uint_eq(s->auth_key_len, 0);
	ck_assert_uint_eq(s->op_type, 1);
	ck_assert_uint_eq(s->direction, 1);
	ck_assert_uint_eq(s->key[0], 0xa0);
	ck_assert_uint_eq(s->key[15], 0xaf);
}

static void check_sym(const struct lvh_crypto_session *s)
{
	ck_assert(!s->legacy);
	ck_assert_uint_eq(s->op_code, LVH_CRYPTO_OP_CIPHER_CREATE);
	ck_assert_uint_eq(s->cipher_alg, 3);
	ck_assert_uint_eq(s->key_len, 16);
	ck_assert_uint_eq(s->hash_alg, 4);
	ck_assert_uint_eq(s->hash_result_len, 32);
	ck_assert_uint_eq(s->auth_key_len, 32);
	ck_assert_uint_eq(s->add_len, 0);
	ck_assert_uint_eq(s->op_type, 2);
	ck_assert_uint_eq(s->direction, 1);
	ck_assert_uint_eq(s->hash_mode, 2);
	ck_assert_uint_eq(s->alg_chain_order, 1);
	ck_assert_uint_eq(s->key[15], 0xaf);
	ck_assert_uint_eq(s->auth_key[0], 0xc0);
	ck_assert_uint_eq(s->auth_key[31], 0xdf);
}

static void check_asym(const struct lvh_crypto_session *s)
{
	ck_assert(!s->legacy);
	ck_assert_uint_eq(s->op_code, LVH_CRYPTO_OP_AKCIPHER_CREATE);
	ck_assert_uint_eq(s->algo, 1);
	ck_assert_uint_eq(s->keytype, 1);
	ck_assert_uint_eq(s->keylen, 270);
	ck_assert_uint_eq(s->rsa_padding_algo, 1);
	ck_assert_uint_eq(s->rsa_hash_algo, 5);
	ck_assert_uint_eq(s->key[0], 0x30);
	ck_assert_uint_eq(s->key[269], 269 & 0xff);
	ck_assert_ptr_null(s->auth_key);
	ck_assert_int_eq(s->session_id, 0);
}

START_TEST(test_crypto_golden)
{
	static uint8_t v[CURRENT_LEN];
	struct lvh_crypto_session s;
	struct lvh_msg m, e;
	int64_t id;

	crypto_vectors();
	crypto_golden(legacy_req, sizeof(legacy_req), REQ, check_legacy);
	crypto_golden(legacy_rep, sizeof(legacy_rep), REP, check_legacy);
	crypto_golden(sym_req, sizeof(sym_req), REQ, check_sym);
	crypto_golden(sym_rep, sizeof(sym_rep), REP, check_sym);
	crypto_golden(asym_req, sizeof(asym_req), REQ, check_asym);
	crypto_golden(asym_rep, sizeof(asym_rep), REP, check_asym);

	G_REP(m, FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, legacy_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_crypto_session_reply(gctx, &m, &id), 0);
	ck_assert_int_eq(id, 42);
	G_REP(m, FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, sym_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_crypto_session_reply(gctx, &m, &id), 0);
	ck_assert_int_eq(id, 7);

	/* QEMU's host pointers (legacy 40..55) are carried but never read */
	crypto_legacy(v, REQ, 0);
	memset(v + 12 + 40, 0x7f, 16);
	G_REQ(m, FE, legacy_req, 0, PF_CRYPTO); /* for the table, then the pointer-laden copy */
	ck_assert_int_eq(tu_msg_from_bytes(&m, v, LEGACY_LEN, 0), 0);
	ck_assert_int_eq(lvh_msg_decode_crypto_session(gctx, &m, &s), 0);
	check_legacy(&s);
	g_init(&e, LIBVHOST_USER_CREATE_CRYPTO_SESSION, REQ);
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), 0);
	G_SAME(e, legacy_req, 0); /* sent as zero */
	/* current layout: DPDK's u32 op code leaves 4 bytes of padding, pointers at 40..55 */
	crypto_sym(v, REQ, 0);
	memset(v + 12 + 4, 0xee, 4);
	memset(v + 12 + 36, 0xee, 20);
	ck_assert_int_eq(tu_msg_from_bytes(&m, v, CURRENT_LEN, 0), 0);
	ck_assert_int_eq(lvh_proto_check_request(gctx, FE, &m, PF_CRYPTO), 0);
	ck_assert_int_eq(lvh_msg_decode_crypto_session(gctx, &m, &s), 0);
	check_sym(&s);
	/* the asymmetric pointer (24..31) and padding (20..23); bytes past keylen */
	crypto_asym(v, REQ, 0);
	memset(v + 12 + 20, 0xee, 12);
	memset(v + 12 + 40 + 270, 0xee, 1024 - 270);
	ck_assert_int_eq(tu_msg_from_bytes(&m, v, CURRENT_LEN, 0), 0);
	ck_assert_int_eq(lvh_msg_decode_crypto_session(gctx, &m, &s), 0);
	check_asym(&s);
	g_init(&e, LIBVHOST_USER_CREATE_CRYPTO_SESSION, REQ);
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), 0);
	G_SAME(e, asym_req, 0);

	G_REQ(m, FE, crypto_close, 0, PF_CRYPTO);
	ck_assert_int_eq(lvh_msg_decode_crypto_close(gctx, &m, &id), 0);
	ck_assert_int_eq(id, 7);
	g_init(&e, LIBVHOST_USER_CLOSE_CRYPTO_SESSION, REQ);
	ck_assert_int_eq(lvh_msg_encode_crypto_close(&e, id), 0);
	G_SAME(e, crypto_close, 0);
	G_REQ(m, FE, crypto_close_max, 0, PF_CRYPTO);
	ck_assert_int_eq(lvh_msg_decode_crypto_close(gctx, &m, &id), 0);
	ck_assert_int_eq(id, INT64_MAX);
	g_init(&e, LIBVHOST_USER_CLOSE_CRYPTO_SESSION, REQ);
	ck_assert_int_eq(lvh_msg_encode_crypto_close(&e, id), 0);
	G_SAME(e, crypto_close_max, 0);
}
END_TEST

/* A crypto vector in v with one u32 (or u64) changed, through the receive path. */
static void crypto_bad32(const char *what, const uint8_t *base, size_t len, size_t off,
			 uint32_t val, int err)
{
	static uint8_t v[CURRENT_LEN];

	memcpy(v, base, len);
	tu_put_le32(v + 12 + off, val);
	if (tu_le32(v + 4) & LIBVHOST_USER_FLAG_REPLY)
		tu_bad_reply(what, "field", FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, v, len,
			     0, 0, err);
	else
		tu_bad_request(what, "field", FE, v, len, 0, PF_CRYPTO, err);
}

static void crypto_bad64(const char *what, const uint8_t *base, size_t len, size_t off,
			 uint64_t val, int err)
{
	static uint8_t v[CURRENT_LEN];

	memcpy(v, base, len);
	tu_put_le64(v + 12 + off, val);
	if (tu_le32(v + 4) & LIBVHOST_USER_FLAG_REPLY)
		tu_bad_reply(what, "field", FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, v, len,
			     0, 0, err);
	else
		tu_bad_request(what, "field", FE, v, len, 0, PF_CRYPTO, err);
}

START_TEST(test_crypto_malformed)
{
	struct lvh_msg m;
	/* close: ids past INT64_MAX cannot have come from CREATE */
	static const uint8_t close_2_63[] = { HDR(27, REQ, 8), U64(0x8000000000000000ULL) };
	static const uint8_t close_max[] = { HDR(27, REQ, 8), U64(U64_MAX) };
	/* a size the table admits and neither layout has */
	static const uint8_t session8[] = { HDR(26, REQ, 8), U64(0) };
	static const uint8_t session8_rep[] = { HDR(26, REP, 8), U64(0) };
	static uint8_t v[CURRENT_LEN];
	struct lvh_crypto_session s;
	struct lvh_msg rep, e;
	uint8_t key[LVH_CRYPTO_ASYM_KEY_MAX + 1] = { 0 };
	int64_t id;

	crypto_vectors();
	TU_REQ_VARIANTS(FE, legacy_req, 0, PF_CRYPTO | PROTO_BIT(REPLY_ACK), GATE(CRYPTO_SESSION),
			TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, legacy_rep, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(FE, sym_req, 0, PF_CRYPTO | PROTO_BIT(REPLY_ACK), GATE(CRYPTO_SESSION),
			TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, sym_rep, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(FE, asym_req, 0, PF_CRYPTO | PROTO_BIT(REPLY_ACK), GATE(CRYPTO_SESSION),
			TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, asym_rep, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(FE, crypto_close, 0, PF_CRYPTO | PROTO_BIT(REPLY_ACK), GATE(CRYPTO_SESSION),
			TU_V_ALL);

	/* the back-end's failure: a negative session id, in either layout */
	crypto_bad64("legacy_rep", legacy_rep, LEGACY_LEN, 0, (uint64_t)-1, -EIO);
	crypto_bad64("legacy_rep", legacy_rep, LEGACY_LEN, 0, 0x8000000000000000ULL, -EIO);
	crypto_bad64("sym_rep", sym_rep, CURRENT_LEN, 1064, (uint64_t)-22, -EIO);
	TU_BAD_DECODE(m, session8_rep, 0, -EBADMSG,
		      lvh_msg_decode_crypto_session_reply(gctx, &m, &id));
	TU_BAD_REP(FE, LIBVHOST_USER_CREATE_CRYPTO_SESSION, BODY, session8_rep, 0, 0, -EBADMSG);
	TU_BAD_REQ(FE, session8, 0, PF_CRYPTO, -EBADMSG);

	/* key lengths one past their buffers; the edges themselves are valid */
	crypto_bad32("legacy key_len", legacy_req, LEGACY_LEN, 16, 65, -EPROTO);
	crypto_bad32("legacy auth_key_len", legacy_req, LEGACY_LEN, 28, 513, -EPROTO);
	crypto_bad32("legacy key_len max", legacy_req, LEGACY_LEN, 16, 0xffffffff, -EPROTO);
	crypto_bad32("sym key_len", sym_req, CURRENT_LEN, 12, 65, -EPROTO);
	crypto_bad32("sym auth_key_len", sym_req, CURRENT_LEN, 24, 513, -EPROTO);
	crypto_bad32("asym keylen", asym_req, CURRENT_LEN, 16, 1025, -EPROTO);
	crypto_bad32("asym keylen max", asym_req, CURRENT_LEN, 16, 0xffffffff, -EPROTO);
	/* unknown op codes: 0, 0x0999, DESTROY_SESSION, AKCIPHER in the legacy layout */
	crypto_bad32("legacy op 0", legacy_req, LEGACY_LEN, 8, 0, -EPROTO);
	crypto_bad32("legacy op akcipher", legacy_req, LEGACY_LEN, 8, 0x0404, -EPROTO);
	crypto_bad32("sym op", sym_req, CURRENT_LEN, 0, 0x0999, -EPROTO);
	crypto_bad32("sym op destroy", sym_req, CURRENT_LEN, 0, 0x0003, -EPROTO);

	/* a reply is read for its id only, as QEMU reads it: the echo is not judged */
	memcpy(v, sym_rep, CURRENT_LEN);
	tu_put_le32(v + 12 + 12, 65);
	ck_assert_int_eq(tu_msg_from_bytes(&rep, v, CURRENT_LEN, 0), 0);
	ck_assert_int_eq(lvh_msg_decode_crypto_session_reply(gctx, &rep, &id), 0);
	ck_assert_int_eq(id, 7);

	TU_BAD_REQ(FE, close_2_63, 0, PF_CRYPTO, -EPROTO);
	TU_BAD_REQ(FE, close_max, 0, PF_CRYPTO, -EPROTO);
	TU_BAD_DECODE(m, session8, 0, -EBADMSG, lvh_msg_decode_crypto_session(gctx, &m, &s));
	TU_BAD_DECODE(m, legacy_req, 0, -EBADMSG, lvh_msg_decode_crypto_close(gctx, &m, &id));

	/* the encoders refuse what the decoders refuse */
	g_init(&e, LIBVHOST_USER_CREATE_CRYPTO_SESSION, REQ);
	memset(&s, 0, sizeof(s));
	s.op_code = LVH_CRYPTO_OP_AKCIPHER_CREATE;
	s.legacy = true;
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), -EINVAL);
	s.legacy = false;
	s.keylen = LVH_CRYPTO_ASYM_KEY_MAX + 1;
	s.key = key;
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), -EINVAL);
	s.keylen = LVH_CRYPTO_ASYM_KEY_MAX;
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), 0);
	s.key = NULL;
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), -EINVAL);
	memset(&s, 0, sizeof(s));
	s.op_code = LVH_CRYPTO_OP_MAC_CREATE;
	s.key = key;
	s.auth_key = key;
	s.key_len = LVH_CRYPTO_SYM_KEY_MAX + 1;
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), -EINVAL);
	s.key_len = LVH_CRYPTO_SYM_KEY_MAX;
	s.auth_key_len = LVH_CRYPTO_SYM_AUTH_KEY_MAX + 1;
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), -EINVAL);
	s.auth_key_len = LVH_CRYPTO_SYM_AUTH_KEY_MAX;
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), 0);
	s.auth_key = NULL;
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), -EINVAL);
	s.auth_key = key;
	s.op_code = 0x0999;
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&e, &s), -EINVAL);
	g_init(&e, LIBVHOST_USER_CLOSE_CRYPTO_SESSION, REQ);
	ck_assert_int_eq(lvh_msg_encode_crypto_close(&e, -1), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* GPU                                                                      */

/* GPU_SET_SOCKET: no payload, the socket as the one fd */
static const uint8_t gpu_socket[] = { HDR(33, REQ, 0) };
static const uint8_t gpu_socket_need[] = { HDR(33, NEED, 0) };
static const uint8_t gpu_socket_ack[] = { HDR(33, REP, 8), U64(0) };

START_TEST(test_gpu_golden)
{
	struct lvh_msg m, e;

	load_with_socket(&m, gpu_socket, sizeof(gpu_socket), SOCK_STREAM);
	ck_assert_int_eq(lvh_proto_check_request(gctx, FE, &m, 0), 0);
	ck_assert_int_eq(lvh_msg_decode_gpu_socket(gctx, &m), 0);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_GPU_SET_SOCKET, REQ);
	ck_assert_int_eq(lvh_msg_encode_gpu_socket(&e, 100), 0);
	G_SAME(e, gpu_socket, 1);

	load_with_socket(&m, gpu_socket_need, sizeof(gpu_socket_need), SOCK_STREAM);
	ck_assert_int_eq(lvh_proto_check_request(gctx, FE, &m, PROTO_BIT(REPLY_ACK)), 0);
	ck_assert_int_eq(lvh_msg_decode_gpu_socket(gctx, &m), 0);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_GPU_SET_SOCKET, NEED);
	ck_assert_int_eq(lvh_msg_encode_gpu_socket(&e, 100), 0);
	G_SAME(e, gpu_socket_need, 1);
	ACK_GOLDEN(FE, LIBVHOST_USER_GPU_SET_SOCKET, gpu_socket_ack);
}
END_TEST

START_TEST(test_gpu_malformed)
{
	struct lvh_msg m;
	static const uint8_t with_payload[] = { HDR(33, REQ, 8), PAD8 };
	struct lvh_msg e;

	/* no protocol feature gates it */
	TU_REQ_VARIANTS(FE, gpu_socket, 1, PROTO_BIT(REPLY_ACK), NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, gpu_socket_need, 1, PROTO_BIT(REPLY_ACK), NOGATE, TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GPU_SET_SOCKET, ACK, gpu_socket_ack, 0, 0, TU_V_ALL);

	/* an eventfd, a datagram socket, a TCP socket: not the GPU channel */
	TU_BAD_REQ(FE, gpu_socket, 1, 0, -EPROTO);
	bad_socket_kind("gpu_socket", gpu_socket, sizeof(gpu_socket), 0, AF_UNIX, SOCK_DGRAM);
	bad_socket_kind("gpu_socket", gpu_socket, sizeof(gpu_socket), 0, AF_INET, SOCK_STREAM);
	TU_BAD_DECODE(m, gpu_socket, 0, -EBADMSG, lvh_msg_decode_gpu_socket(gctx, &m));
	TU_BAD_DECODE(m, gpu_socket, 2, -EBADMSG, lvh_msg_decode_gpu_socket(gctx, &m));
	TU_BAD_DECODE(m, with_payload, 1, -EBADMSG, lvh_msg_decode_gpu_socket(gctx, &m));

	g_init(&e, LIBVHOST_USER_GPU_SET_SOCKET, REQ);
	ck_assert_int_eq(lvh_msg_encode_gpu_socket(&e, -1), -EINVAL);
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
	tu_rx_set(&rx);
	return golden_run("msg-ext", families, LVH_ARRAY_SIZE(families));
}
