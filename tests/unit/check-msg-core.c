/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden and malformed vectors for the features, memory, vring, config, log,
 * iotlb and inflight families.
 *
 * Each golden vector is laid out by hand from the specification's description
 * of the payload (12-byte header: request, flags, size; then the payload, all
 * little-endian).  It is checked against the request table, decoded and
 * checked field by field, then encoded again from the same field values and
 * compared byte for byte.
 *
 * Malformed vectors go through the receive path an endpoint runs (the table,
 * then the family's decoder, see rx_request/rx_reply) inside
 * TU_NEGATIVE_BEGIN/END, which proves that an error was logged and that no fd
 * leaked once the message's fds are closed.  The envelope variants every
 * message must be refused for (one byte short, one byte long, REPLY on a
 * request, NEED_REPLY without REPLY_ACK, an fd missing or extra, its protocol
 * feature not negotiated) are derived from each golden vector by
 * request_variants()/reply_variants(); the semantic rules each get vectors of
 * their own.
 */
#include <errno.h>
#include <string.h>

#include "fuzz-decode.h"
#include "golden.h"
#include "proto/msg-config.h"
#include "proto/msg-features.h"
#include "proto/msg-inflight.h"
#include "proto/msg-iotlb.h"
#include "proto/msg-log.h"
#include "proto/msg-mem.h"
#include "proto/msg-vring.h"

#define FE LVH_DIR_FRONTEND
#define BE LVH_DIR_BACKEND
#define BODY LVH_REPLY_KIND_BODY
#define ACK LVH_REPLY_KIND_ACK
#define NOGATE (-1)
#define GATE(x) LIBVHOST_USER_PROTOCOL_F_##x

#define U64_MAX 0xffffffffffffffffULL

/* ------------------------------------------------------------------------ */
/* The receive path: the table, then the family's decoder                   */

/* The GET_CONFIG request a GET_CONFIG reply answers. */
static uint32_t config_asked_offset, config_asked_size = 8;

/* Xen regions follow from XEN_MMAP being negotiated, as on a connection. */
static bool proto_xen(uint64_t proto)
{
	return proto & PROTO_BIT(XEN_MMAP);
}

/* The table, then the family decoder: the dispatcher the fuzz target uses too. */
static int rx_request(enum lvh_dir dir, struct lvh_msg *m, uint64_t proto)
{
	return fuzz_decode_request(gctx, dir, m, proto, proto_xen(proto));
}

static int rx_reply(enum lvh_dir dir, uint32_t request, enum lvh_reply_kind kind, struct lvh_msg *m,
		    uint64_t proto)
{
	union {
		struct lvh_mem_table table;
		struct lvh_mem_region region;
		struct lvh_vring_state state;
		struct lvh_config config;
		struct lvh_inflight inflight;
		uint64_t u64;
		uint32_t n;
	} u;
	int r;

	r = lvh_proto_check_reply(gctx, dir, request, kind, m);
	if (r < 0)
		return r;
	if (kind == ACK || dir == BE)
		return lvh_msg_get_u64(gctx, m, &u.u64);
	switch (request) {
	case LIBVHOST_USER_GET_QUEUE_NUM:
		return lvh_msg_decode_queue_num(gctx, m, &u.n);
	case LIBVHOST_USER_GET_MAX_MEM_SLOTS:
		return lvh_msg_decode_max_mem_slots(gctx, m, &u.n);
	case LIBVHOST_USER_SET_MEM_TABLE:
		return lvh_msg_decode_mem_table(gctx, m, proto_xen(proto), false, &u.table);
	case LIBVHOST_USER_ADD_MEM_REG:
		return lvh_msg_decode_mem_region(gctx, m, proto_xen(proto), &u.region);
	case LIBVHOST_USER_GET_VRING_BASE:
		return lvh_msg_decode_vring_state(gctx, m, &u.state);
	case LIBVHOST_USER_GET_CONFIG:
		return lvh_msg_decode_config_reply(gctx, m, config_asked_offset, config_asked_size,
						   &u.config);
	case LIBVHOST_USER_GET_INFLIGHT_FD:
		return lvh_msg_decode_inflight(gctx, m, true, false, &u.inflight);
	default:
		return lvh_msg_get_u64(gctx, m, &u.u64); /* the plain u64 replies */
	}
}

/* Malformed vectors go through these (testutil.c). */
static const struct tu_rx rx = { rx_request, rx_reply };

/* ------------------------------------------------------------------------ */
/* Features and ownership                                                   */

/* VIRTIO_F_VERSION_1 (32) | VHOST_USER_F_PROTOCOL_FEATURES (30) | VIRTIO_RING_F_EVENT_IDX (29) */
#define FEATURES 0x0000000160000000ULL
/* MQ (0) | REPLY_ACK (3) | CONFIG (9) | CONFIGURE_MEM_SLOTS (15) */
#define PROTO_FEATURES 0x8209ULL

/* GET_FEATURES: no payload */
static const uint8_t get_features[] = { HDR(1, REQ, 0) };
/* its reply: u64 features */
static const uint8_t get_features_rep[] = { HDR(1, REP, 8), U64(FEATURES) };
/* SET_FEATURES: u64 features (VERSION_1 | PROTOCOL_FEATURES), NEED_REPLY */
static const uint8_t set_features[] = { HDR(2, NEED, 8), U64(0x0000000140000000ULL) };
/* the REPLY_ACK answer: u64 0 = success */
static const uint8_t set_features_ack[] = { HDR(2, REP, 8), U64(0) };
static const uint8_t set_owner[] = { HDR(3, REQ, 0) };
static const uint8_t reset_owner[] = { HDR(4, REQ, 0) };
static const uint8_t get_proto[] = { HDR(15, REQ, 0) };
/* u64 protocol features */
static const uint8_t get_proto_rep[] = { HDR(15, REP, 8), U64(PROTO_FEATURES) };
static const uint8_t set_proto[] = { HDR(16, REQ, 8), U64(PROTO_FEATURES) };
/* INBAND_NOTIFICATIONS (14) with BACKEND_REQ (5) and REPLY_ACK (3): allowed */
static const uint8_t set_proto_inband[] = { HDR(16, REQ, 8), U64(0x4028) };
/* GET_VRING_BASE_INFLIGHT (20) with INFLIGHT_SHMFD (12): allowed */
static const uint8_t set_proto_gvbi[] = { HDR(16, REQ, 8), U64(0x101000) };
static const uint8_t get_queue_num[] = { HDR(17, REQ, 0) };
/* u64 number of queues */
static const uint8_t get_queue_num_rep[] = { HDR(17, REP, 8), U64(4) };
static const uint8_t reset_device[] = { HDR(34, REQ, 0) };

/* An empty request: table check, encode, compare. */
static void empty_request(const uint8_t *v, size_t len, uint32_t request, uint64_t proto)
{
	struct lvh_msg m, e;

	g_request(&m, FE, v, len, 0, proto);
	ck_assert_uint_eq(m.size, 0);
	g_init(&e, request, REQ);
	g_same(&e, v, len, 0);
}

START_TEST(test_features_golden)
{
	struct lvh_msg m, e;
	uint64_t v;
	uint32_t n;

	empty_request(get_features, sizeof(get_features), LIBVHOST_USER_GET_FEATURES, 0);
	G_REP(m, FE, LIBVHOST_USER_GET_FEATURES, BODY, get_features_rep, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, FEATURES);
	ck_assert(v & LVH_BIT(LIBVHOST_USER_F_PROTOCOL_FEATURES));
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, FEATURES);
	G_SAME(e, get_features_rep, 0);

	G_REQ(m, FE, set_features, 0, PROTO_BIT(REPLY_ACK));
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0x0000000140000000ULL);
	g_init(&e, LIBVHOST_USER_SET_FEATURES, NEED);
	lvh_msg_set_u64(&e, 0x0000000140000000ULL);
	G_SAME(e, set_features, 0);
	G_REP(m, FE, LIBVHOST_USER_SET_FEATURES, ACK, set_features_ack, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0);
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, 0);
	G_SAME(e, set_features_ack, 0);

	empty_request(set_owner, sizeof(set_owner), LIBVHOST_USER_SET_OWNER, 0);
	empty_request(reset_owner, sizeof(reset_owner), LIBVHOST_USER_RESET_OWNER, 0);
	empty_request(reset_device, sizeof(reset_device), LIBVHOST_USER_RESET_DEVICE,
		      PROTO_BIT(RESET_DEVICE));

	empty_request(get_proto, sizeof(get_proto), LIBVHOST_USER_GET_PROTOCOL_FEATURES, 0);
	G_REP(m, FE, LIBVHOST_USER_GET_PROTOCOL_FEATURES, BODY, get_proto_rep, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, PROTO_BIT(MQ) | PROTO_BIT(REPLY_ACK) | PROTO_BIT(CONFIG) |
				     PROTO_BIT(CONFIGURE_MEM_SLOTS));
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, PROTO_FEATURES);
	G_SAME(e, get_proto_rep, 0);

	G_REQ(m, FE, set_proto, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_protocol_features(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, PROTO_FEATURES);
	g_init(&e, LIBVHOST_USER_SET_PROTOCOL_FEATURES, REQ);
	ck_assert_int_eq(lvh_msg_encode_protocol_features(&e, v), 0);
	G_SAME(e, set_proto, 0);

	G_REQ(m, FE, set_proto_inband, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_protocol_features(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, PROTO_BIT(INBAND_NOTIFICATIONS) | PROTO_BIT(BACKEND_REQ) |
				     PROTO_BIT(REPLY_ACK));
	g_init(&e, LIBVHOST_USER_SET_PROTOCOL_FEATURES, REQ);
	ck_assert_int_eq(lvh_msg_encode_protocol_features(&e, v), 0);
	G_SAME(e, set_proto_inband, 0);

	G_REQ(m, FE, set_proto_gvbi, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_protocol_features(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, PROTO_BIT(GET_VRING_BASE_INFLIGHT) | PROTO_BIT(INFLIGHT_SHMFD));
	g_init(&e, LIBVHOST_USER_SET_PROTOCOL_FEATURES, REQ);
	ck_assert_int_eq(lvh_msg_encode_protocol_features(&e, v), 0);
	G_SAME(e, set_proto_gvbi, 0);

	empty_request(get_queue_num, sizeof(get_queue_num), LIBVHOST_USER_GET_QUEUE_NUM,
		      PROTO_BIT(MQ));
	G_REP(m, FE, LIBVHOST_USER_GET_QUEUE_NUM, BODY, get_queue_num_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_queue_num(gctx, &m, &n), 0);
	ck_assert_uint_eq(n, 4);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_queue_num(&e, n), 0);
	G_SAME(e, get_queue_num_rep, 0);
}
END_TEST

START_TEST(test_features_malformed)
{
	/* INBAND_NOTIFICATIONS alone; without REPLY_ACK; without BACKEND_REQ */
	static const uint8_t inband_alone[] = { HDR(16, REQ, 8), U64(1ULL << 14) };
	static const uint8_t inband_no_ack[] = { HDR(16, REQ, 8), U64((1ULL << 14) | (1ULL << 5)) };
	static const uint8_t inband_no_chan[] = { HDR(16, REQ, 8), U64((1ULL << 14) | 8) };
	/* GET_VRING_BASE_INFLIGHT (20) without INFLIGHT_SHMFD (12) */
	static const uint8_t gvbi_alone[] = { HDR(16, REQ, 8), U64(1ULL << 20) };
	/* GET_QUEUE_NUM replies: 0 queues, one past the limit, 2^32 + 1, all ones */
	static const uint8_t qn_0[] = { HDR(17, REP, 8), U64(0) };
	static const uint8_t qn_over[] = { HDR(17, REP, 8), U64(0x8001) };
	static const uint8_t qn_wide[] = { HDR(17, REP, 8), U64(0x100000001ULL) };
	static const uint8_t qn_max[] = { HDR(17, REP, 8), U64(U64_MAX) };
	/* the edges that are valid: 1 and exactly the limit */
	static const uint8_t qn_1[] = { HDR(17, REP, 8), U64(1) };
	static const uint8_t qn_limit[] = { HDR(17, REP, 8), U64(0x8000) };
	struct lvh_msg e;

	/* none of these messages carries an fd: "fd missing" does not apply */
	TU_REQ_VARIANTS(FE, get_features, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_features, 0, PROTO_BIT(REPLY_ACK), NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_owner, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, reset_owner, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, reset_device, 0, ALL_PROTO, GATE(RESET_DEVICE), TU_V_ALL);
	TU_REQ_VARIANTS(FE, get_proto, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_proto, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, get_queue_num, 0, ALL_PROTO, GATE(MQ), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_FEATURES, BODY, get_features_rep, 0, 0, TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_SET_FEATURES, ACK, set_features_ack, 0, 0, TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_PROTOCOL_FEATURES, BODY, get_proto_rep, 0, 0,
			TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_QUEUE_NUM, BODY, get_queue_num_rep, 0, 0, TU_V_ALL);

	TU_BAD_REQ(FE, inband_alone, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, inband_no_ack, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, inband_no_chan, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, gvbi_alone, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_QUEUE_NUM, BODY, qn_0, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_QUEUE_NUM, BODY, qn_over, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_QUEUE_NUM, BODY, qn_wide, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_QUEUE_NUM, BODY, qn_max, 0, 0, -EPROTO);
	TU_OK_REP(FE, LIBVHOST_USER_GET_QUEUE_NUM, BODY, qn_1, 0, 0);
	TU_OK_REP(FE, LIBVHOST_USER_GET_QUEUE_NUM, BODY, qn_limit, 0, 0);

	/* the encoders refuse what the decoders refuse */
	g_init(&e, LIBVHOST_USER_SET_PROTOCOL_FEATURES, REQ);
	ck_assert_int_eq(lvh_msg_encode_protocol_features(&e, PROTO_BIT(INBAND_NOTIFICATIONS)),
			 -EINVAL);
	ck_assert_int_eq(lvh_msg_encode_protocol_features(&e, PROTO_BIT(GET_VRING_BASE_INFLIGHT)),
			 -EINVAL);
	g_init(&e, LIBVHOST_USER_GET_QUEUE_NUM, LIBVHOST_USER_FLAG_REPLY);
	ck_assert_int_eq(lvh_msg_encode_queue_num(&e, 0), -EINVAL);
	ck_assert_int_eq(lvh_msg_encode_queue_num(&e, 0x8001), -EINVAL);
	ck_assert_int_eq(lvh_msg_encode_queue_num(&e, 0x8000), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */

#define GPA0 0x0ULL
#define UVA0 0x7f1200000000ULL
#define GPA1 0x100000000ULL
#define UVA1 0x7f1300000000ULL

/* SET_MEM_TABLE: u32 nregions, u32 padding, then per region {gpa, size, uva, mmap_offset} */
static const uint8_t mem_table[] = {
	HDR(5, REQ, 8 + 2 * 32), U32(2), PAD4,
	U64(GPA0), U64(0x80000000), U64(UVA0), U64(0), /* 2 GiB below 4 GiB */
	U64(GPA1), U64(0x40000000), U64(UVA1), U64(0x80000000), /* 1 GiB at 4 GiB, memfd at 2 GiB */
};
/* with XEN_MMAP each region adds u32 xen_mmap_flags (FOREIGN | ON_DEMAND), u32 domid */
static const uint8_t mem_table_xen[] = {
	HDR(5, REQ, 8 + 1 * 40), U32(1), PAD4,
	U64(GPA0), U64(0x1000000), U64(UVA0), U64(0), U32(0x1 | 0x100), U32(7),
};
/*
 * two Xen regions: each is 40 bytes, its flags and domid right after its mmap
 * offset; a foreign region of domain 1, then a grant region of domain 2 at
 * the address Linux's grant DMA gives references 0x40.. (bit 63 | ref << 12)
 */
static const uint8_t mem_table_xen2[] = {
	HDR(5, REQ, 8 + 2 * 40), U32(2), PAD4,
	U64(0x40000000), U64(0x10000000), U64(UVA0), U64(0), U32(0x1), U32(1),
	U64(0x8000000000040000ULL), U64(0x4000), U64(UVA1), U64(0), U32(0x2), U32(2),
};
/* postcopy: the back-end's reply, the same layout with its own mapping bases in uva; no fds */
static const uint8_t mem_table_postcopy_rep[] = {
	HDR(5, REP, 8 + 32), U32(1), PAD4,
	U64(GPA0), U64(0x80000000), U64(0x7fab00000000ULL), U64(0),
};
/* postcopy: the front-end's acknowledgement, QEMU's u64 0, which reads as an empty table */
static const uint8_t mem_table_postcopy_ack[] = { HDR(5, REQ, 8), U32(0), PAD4 };
/* with REPLY_ACK: u64 status */
static const uint8_t mem_table_ack[] = { HDR(5, REP, 8), U64(0) };
/* ADD_MEM_REG / REM_MEM_REG: u64 padding, then one region */
static const uint8_t add_mem_reg[] = {
	HDR(37, REQ, 40), PAD8, U64(GPA1), U64(0x200000), U64(UVA1), U64(0x1000),
};
static const uint8_t add_mem_reg_xen[] = {
	HDR(37, REQ, 48), PAD8, U64(GPA1), U64(0x200000), U64(UVA1), U64(0),
	U32(0x2), U32(3), /* xen_mmap_flags GRANT, domid 3 */
};
/* postcopy reply to ADD_MEM_REG: the region with the back-end's mapping base */
static const uint8_t add_mem_reg_rep[] = {
	HDR(37, REP, 40), PAD8, U64(GPA1), U64(0x200000), U64(0x7fab10000000ULL), U64(0x1000),
};
static const uint8_t rem_mem_reg[] = {
	HDR(38, REQ, 40), PAD8, U64(GPA1), U64(0x200000), U64(UVA1), U64(0),
};
static const uint8_t rem_mem_reg_xen[] = {
	HDR(38, REQ, 48), PAD8, U64(GPA1), U64(0x200000), U64(UVA1), U64(0), U32(0x1), U32(0),
};
static const uint8_t get_slots[] = { HDR(36, REQ, 0) };
/* u64 slots: the KVM convention's 509 */
static const uint8_t get_slots_rep[] = { HDR(36, REP, 8), U64(509) };
/* more than we use: capped to 509 */
static const uint8_t get_slots_rep_big[] = { HDR(36, REP, 8), U64(4096) };
static const uint8_t get_slots_rep_max[] = { HDR(36, REP, 8), U64(U64_MAX) };
/* DPDK's answer */
static const uint8_t get_slots_rep_8[] = { HDR(36, REP, 8), U64(8) };

static void assert_region(const struct lvh_mem_region *r, uint64_t gpa, uint64_t size,
			  uint64_t uva, uint64_t off)
{
	ck_assert_uint_eq(r->guest_addr, gpa);
	ck_assert_uint_eq(r->size, size);
	ck_assert_uint_eq(r->user_addr, uva);
	ck_assert_uint_eq(r->mmap_offset, off);
}

START_TEST(test_mem_golden)
{
	struct lvh_mem_table t;
	struct lvh_mem_region r;
	struct lvh_msg m, e;
	int fds[2] = { 100, 101 };
	uint32_t slots;
	uint64_t v;

	G_REQ(m, FE, mem_table, 2, 0);
	ck_assert_int_eq(lvh_msg_decode_mem_table(gctx, &m, false, true, &t), 0);
	ck_assert_uint_eq(t.nregions, 2);
	assert_region(&t.regions[0], GPA0, 0x80000000, UVA0, 0);
	assert_region(&t.regions[1], GPA1, 0x40000000, UVA1, 0x80000000);
	ck_assert_uint_eq(t.regions[0].xen_mmap_flags, 0);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_MEM_TABLE, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, fds), 0);
	ck_assert_int_eq(e.fds[0], 100);
	ck_assert_int_eq(e.fds[1], 101);
	G_SAME(e, mem_table, 2);
	G_REP(m, FE, LIBVHOST_USER_SET_MEM_TABLE, ACK, mem_table_ack, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0);

	G_REQ(m, FE, mem_table_xen, 1, PROTO_BIT(XEN_MMAP));
	ck_assert_int_eq(lvh_msg_decode_mem_table(gctx, &m, true, true, &t), 0);
	ck_assert_uint_eq(t.nregions, 1);
	assert_region(&t.regions[0], GPA0, 0x1000000, UVA0, 0);
	ck_assert_uint_eq(t.regions[0].xen_mmap_flags,
			  LVH_XEN_MMAP_FOREIGN | LVH_XEN_MMAP_ON_DEMAND);
	ck_assert_uint_eq(t.regions[0].domid, 7);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_MEM_TABLE, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, true, fds), 0);
	G_SAME(e, mem_table_xen, 1);

	G_REQ(m, FE, mem_table_xen2, 2, PROTO_BIT(XEN_MMAP));
	ck_assert_int_eq(lvh_msg_decode_mem_table(gctx, &m, true, true, &t), 0);
	ck_assert_uint_eq(t.nregions, 2);
	assert_region(&t.regions[0], 0x40000000, 0x10000000, UVA0, 0);
	ck_assert_uint_eq(t.regions[0].xen_mmap_flags, LVH_XEN_MMAP_FOREIGN);
	ck_assert_uint_eq(t.regions[0].domid, 1);
	assert_region(&t.regions[1], 0x8000000000040000ULL, 0x4000, UVA1, 0);
	ck_assert_uint_eq(t.regions[1].xen_mmap_flags, LVH_XEN_MMAP_GRANT);
	ck_assert_uint_eq(t.regions[1].domid, 2);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_MEM_TABLE, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, true, fds), 0);
	G_SAME(e, mem_table_xen2, 2);

	G_REP(m, FE, LIBVHOST_USER_SET_MEM_TABLE, BODY, mem_table_postcopy_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_mem_table(gctx, &m, false, false, &t), 0);
	ck_assert_uint_eq(t.nregions, 1);
	assert_region(&t.regions[0], GPA0, 0x80000000, 0x7fab00000000ULL, 0);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, NULL), 0);
	G_SAME(e, mem_table_postcopy_rep, 0);

	G_REQ(m, FE, mem_table_postcopy_ack, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_mem_table(gctx, &m, false, true, &t), 0);
	ck_assert_uint_eq(t.nregions, 0);
	g_init(&e, LIBVHOST_USER_SET_MEM_TABLE, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, NULL), 0);
	G_SAME(e, mem_table_postcopy_ack, 0);

	G_REQ(m, FE, add_mem_reg, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS));
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, false, &r), 0);
	assert_region(&r, GPA1, 0x200000, UVA1, 0x1000);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_ADD_MEM_REG, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, false, 100), 0);
	G_SAME(e, add_mem_reg, 1);

	G_REQ(m, FE, add_mem_reg_xen, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS) | PROTO_BIT(XEN_MMAP));
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, true, &r), 0);
	assert_region(&r, GPA1, 0x200000, UVA1, 0);
	ck_assert_uint_eq(r.xen_mmap_flags, LVH_XEN_MMAP_GRANT);
	ck_assert_uint_eq(r.domid, 3);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_ADD_MEM_REG, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, true, 100), 0);
	G_SAME(e, add_mem_reg_xen, 1);

	G_REP(m, FE, LIBVHOST_USER_ADD_MEM_REG, BODY, add_mem_reg_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, false, &r), 0);
	assert_region(&r, GPA1, 0x200000, 0x7fab10000000ULL, 0x1000);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, false, -1), 0);
	G_SAME(e, add_mem_reg_rep, 0);

	/* REM_MEM_REG: no fd; one (from an old front-end) is accepted too, and closed */
	G_REQ(m, FE, rem_mem_reg, 0, PROTO_BIT(CONFIGURE_MEM_SLOTS));
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, false, &r), 0);
	assert_region(&r, GPA1, 0x200000, UVA1, 0);
	g_init(&e, LIBVHOST_USER_REM_MEM_REG, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, false, -1), 0);
	G_SAME(e, rem_mem_reg, 0);
	G_REQ(m, FE, rem_mem_reg, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS));
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, false, &r), 0);
	lvh_msg_close_fds(&m);

	G_REQ(m, FE, rem_mem_reg_xen, 0, PROTO_BIT(CONFIGURE_MEM_SLOTS) | PROTO_BIT(XEN_MMAP));
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, true, &r), 0);
	ck_assert_uint_eq(r.xen_mmap_flags, LVH_XEN_MMAP_FOREIGN);
	ck_assert_uint_eq(r.domid, 0);
	g_init(&e, LIBVHOST_USER_REM_MEM_REG, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, true, -1), 0);
	G_SAME(e, rem_mem_reg_xen, 0);

	empty_request(get_slots, sizeof(get_slots), LIBVHOST_USER_GET_MAX_MEM_SLOTS,
		      PROTO_BIT(CONFIGURE_MEM_SLOTS));
	G_REP(m, FE, LIBVHOST_USER_GET_MAX_MEM_SLOTS, BODY, get_slots_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_max_mem_slots(gctx, &m, &slots), 0);
	ck_assert_uint_eq(slots, 509);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_max_mem_slots(&e, 509), 0);
	G_SAME(e, get_slots_rep, 0);
	G_REP(m, FE, LIBVHOST_USER_GET_MAX_MEM_SLOTS, BODY, get_slots_rep_8, 0);
	ck_assert_int_eq(lvh_msg_decode_max_mem_slots(gctx, &m, &slots), 0);
	ck_assert_uint_eq(slots, 8);
	/* more than we can use is capped, not refused */
	G_REP(m, FE, LIBVHOST_USER_GET_MAX_MEM_SLOTS, BODY, get_slots_rep_big, 0);
	ck_assert_int_eq(lvh_msg_decode_max_mem_slots(gctx, &m, &slots), 0);
	ck_assert_uint_eq(slots, LIBVHOST_USER_MAX_MEM_SLOTS);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_max_mem_slots(&e, 4096), 0);
	G_SAME(e, get_slots_rep_big, 0);
	G_REP(m, FE, LIBVHOST_USER_GET_MAX_MEM_SLOTS, BODY, get_slots_rep_max, 0);
	ck_assert_int_eq(lvh_msg_decode_max_mem_slots(gctx, &m, &slots), 0);
	ck_assert_uint_eq(slots, LIBVHOST_USER_MAX_MEM_SLOTS);
}
END_TEST

/* SET_MEM_TABLE of one plain region {gpa, size, uva, off}, with its fd */
#define TABLE1(gpa, size, uva, off)                                                            \
	{ HDR(5, REQ, 40), U32(1), PAD4, U64(gpa), U64(size), U64(uva), U64(off) }
/* ADD_MEM_REG of one plain region */
#define ADD1(gpa, size, uva, off)                                                              \
	{ HDR(37, REQ, 40), PAD8, U64(gpa), U64(size), U64(uva), U64(off) }
/* SET_MEM_TABLE of one Xen region with xen_mmap_flags, domid 1 */
#define XEN1(flags)                                                                            \
	{ HDR(5, REQ, 48), U32(1), PAD4,                                                       \
	  U64(0), U64(0x1000), U64(UVA0), U64(0), U32(flags), U32(1) }
/* every protocol feature but XEN_MMAP: plain regions */
#define NO_XEN (ALL_PROTO & ~PROTO_BIT(XEN_MMAP))

START_TEST(test_mem_malformed)
{
	/* nine regions: one more than SET_MEM_TABLE may carry (the count is checked first) */
	static const uint8_t too_many[] = { HDR(5, REQ, 8), U32(9), PAD4 };
	/* says 2 regions, carries 1 */
	static const uint8_t count_short[] = {
		HDR(5, REQ, 40), U32(2), PAD4, U64(0), U64(0x1000), U64(UVA0), U64(0),
	};
	/* says 1 region, carries 2 */
	static const uint8_t count_long[] = {
		HDR(5, REQ, 72), U32(1), PAD4,
		U64(0), U64(0x1000), U64(UVA0), U64(0),
		U64(0x1000), U64(0x1000), U64(UVA1), U64(0),
	};
	static const uint8_t one[] = TABLE1(0, 0x1000, UVA0, 0);
	static const uint8_t empty_region[] = TABLE1(0, 0, UVA0, 0);
	/* gpa, uva, mmap_offset + size one byte past 2^64 */
	static const uint8_t wrap_gpa[] = TABLE1(0xfffffffffffff000ULL, 0x1001, UVA0, 0);
	static const uint8_t wrap_uva[] = TABLE1(0, 0x1001, 0xfffffffffffff000ULL, 0);
	static const uint8_t wrap_off[] = TABLE1(0, 0x1001, UVA0, 0xfffffffffffff000ULL);
	/* size 2^64 - 1 from 2: ends one byte past */
	static const uint8_t wrap_huge[] = TABLE1(2, U64_MAX, 0, 0);
	/* the valid edges: ending exactly at 2^64 */
	static const uint8_t edge_gpa[] = TABLE1(0xfffffffffffff000ULL, 0x1000, UVA0, 0);
	static const uint8_t edge_uva[] = TABLE1(0, 0x1000, 0xfffffffffffff000ULL, 0);
	static const uint8_t edge_off[] = TABLE1(0, 0x1000, UVA0, 0xfffffffffffff000ULL);
	static const uint8_t edge_huge0[] = TABLE1(0, U64_MAX, 0, 0);
	static const uint8_t edge_huge1[] = TABLE1(1, U64_MAX, 1, 1);
	/* regions overlapping by one byte, and adjacent ones (valid) */
	static const uint8_t overlap[] = {
		HDR(5, REQ, 72), U32(2), PAD4,
		U64(0), U64(0x2001), U64(UVA0), U64(0),
		U64(0x2000), U64(0x2000), U64(UVA1), U64(0),
	};
	static const uint8_t adjacent[] = {
		HDR(5, REQ, 72), U32(2), PAD4,
		U64(0), U64(0x2000), U64(UVA0), U64(0),
		U64(0x2000), U64(0x2000), U64(UVA1), U64(0),
	};
	/* the second region ends at 2^64, the first one lies inside it */
	static const uint8_t overlap_top[] = {
		HDR(5, REQ, 72), U32(2), PAD4,
		U64(0xffffffff00000000ULL), U64(0x1000), U64(UVA0), U64(0),
		U64(0xfffffff000000000ULL), U64(0x1000000000ULL), U64(UVA1), U64(0),
	};
	/* Xen flags: FOREIGN and GRANT, neither (ON_DEMAND alone), an unknown bit */
	static const uint8_t xen_both[] = XEN1(0x3);
	static const uint8_t xen_neither[] = XEN1(0x100);
	static const uint8_t xen_unknown[] = XEN1(0x11);
	static const uint8_t add_wrap[] = ADD1(0, 0x1000, 0xfffffffffffff001ULL, 0);
	static const uint8_t add_empty[] = ADD1(0, 0, UVA0, 0);
	static const uint8_t add_edge[] = ADD1(0xfffffffffffff000ULL, 0x1000, UVA0, 0);
	/* a Xen-sized region without XEN_MMAP, and a plain one with it */
	static const uint8_t add_xen_size[] = {
		HDR(37, REQ, 48), PAD8, U64(0), U64(0x1000), U64(UVA0), U64(0), U32(1), U32(0),
	};
	static const uint8_t add_xen_bad[] = {
		HDR(37, REQ, 48), PAD8, U64(0), U64(0x1000), U64(UVA0), U64(0), U32(0), U32(0),
	};
	static const uint8_t rem_wrap[] = {
		HDR(38, REQ, 40), PAD8, U64(0xfffffffffffff001ULL), U64(0x1000), U64(UVA0), U64(0),
	};
	static const uint8_t slots_0[] = { HDR(36, REP, 8), U64(0) };
	struct lvh_mem_table t;
	struct lvh_mem_region r;
	struct lvh_msg m, e;
	int fds[LIBVHOST_USER_MEM_TABLE_MAX_REGIONS + 1] = { 100, 101, 102, 103, 104,
							       105, 106, 107, 108 };
	unsigned int i;

	/* envelopes: SET_MEM_TABLE's size and fds are checked by its decoder */
	TU_REQ_VARIANTS(FE, mem_table, 2, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, mem_table_xen, 1, PROTO_BIT(XEN_MMAP), NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, mem_table_postcopy_ack, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, add_mem_reg, 1, NO_XEN, GATE(CONFIGURE_MEM_SLOTS), TU_V_ALL);
	TU_REQ_VARIANTS(FE, add_mem_reg_xen, 1, ALL_PROTO, GATE(CONFIGURE_MEM_SLOTS), TU_V_ALL);
	/* REM_MEM_REG may carry 0 or 1 fd: only a second one is extra */
	TU_REQ_VARIANTS(FE, rem_mem_reg, 1, NO_XEN, GATE(CONFIGURE_MEM_SLOTS),
			TU_V_ALL & ~TU_V_FD_MISSING);
	TU_REQ_VARIANTS(FE, rem_mem_reg_xen, 1, ALL_PROTO, GATE(CONFIGURE_MEM_SLOTS),
			TU_V_ALL & ~TU_V_FD_MISSING);
	TU_REQ_VARIANTS(FE, get_slots, 0, ALL_PROTO, GATE(CONFIGURE_MEM_SLOTS), TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_SET_MEM_TABLE, BODY, mem_table_postcopy_rep, 0, 0,
			TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_SET_MEM_TABLE, ACK, mem_table_ack, 0, 0, TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_ADD_MEM_REG, BODY, add_mem_reg_rep, 0, 0, TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_MAX_MEM_SLOTS, BODY, get_slots_rep, 0, 0, TU_V_ALL);

	TU_BAD_REQ(FE, too_many, 0, 0, -ENOSPC);
	ck_assert_ptr_nonnull(strstr(tu_log_last(), "too many regions"));
	TU_BAD_REQ(FE, count_short, 2, 0, -EBADMSG);
	TU_BAD_REQ(FE, count_long, 1, 0, -EBADMSG);
	/* a plain table read with the Xen layout does not fit, nor the reverse */
	TU_BAD_REQ(FE, one, 1, PROTO_BIT(XEN_MMAP), -EBADMSG);
	TU_BAD_REQ(FE, xen_both, 1, 0, -EBADMSG);
	TU_BAD_REQ(FE, empty_region, 1, 0, -EPROTO);
	TU_BAD_REQ(FE, wrap_gpa, 1, 0, -EPROTO);
	TU_BAD_REQ(FE, wrap_uva, 1, 0, -EPROTO);
	TU_BAD_REQ(FE, wrap_off, 1, 0, -EPROTO);
	TU_BAD_REQ(FE, wrap_huge, 1, 0, -EPROTO);
	TU_BAD_REQ(FE, overlap, 2, 0, -EPROTO);
	TU_BAD_REQ(FE, overlap_top, 2, 0, -EPROTO);
	TU_BAD_REQ(FE, xen_both, 1, PROTO_BIT(XEN_MMAP), -EPROTO);
	TU_BAD_REQ(FE, xen_neither, 1, PROTO_BIT(XEN_MMAP), -EPROTO);
	TU_BAD_REQ(FE, xen_unknown, 1, PROTO_BIT(XEN_MMAP), -EPROTO);
	TU_BAD_REQ(FE, add_wrap, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS), -EPROTO);
	TU_BAD_REQ(FE, add_empty, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS), -EPROTO);
	TU_BAD_REQ(FE, add_xen_size, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS), -EBADMSG);
	TU_BAD_REQ(FE, add_mem_reg, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS) | PROTO_BIT(XEN_MMAP),
		   -EBADMSG);
	TU_BAD_REQ(FE, add_xen_bad, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS) | PROTO_BIT(XEN_MMAP),
		   -EPROTO);
	TU_BAD_REQ(FE, rem_wrap, 0, PROTO_BIT(CONFIGURE_MEM_SLOTS), -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_MAX_MEM_SLOTS, BODY, slots_0, 0, 0, -EPROTO);

	/* the fd rules, in the decoders themselves (the table catches them first on the wire) */
	TU_BAD_DECODE(m, one, 0, -EBADMSG, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	TU_BAD_DECODE(m, one, 2, -EBADMSG, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	TU_BAD_DECODE(m, mem_table_postcopy_rep, 1, -EBADMSG,
		      lvh_msg_decode_mem_table(gctx, &m, false, false, &t));
	TU_BAD_DECODE(m, add_mem_reg, 0, -EBADMSG, lvh_msg_decode_mem_region(gctx, &m, false, &r));
	TU_BAD_DECODE(m, add_mem_reg, 2, -EBADMSG, lvh_msg_decode_mem_region(gctx, &m, false, &r));
	TU_BAD_DECODE(m, rem_mem_reg, 2, -EBADMSG, lvh_msg_decode_mem_region(gctx, &m, false, &r));
	TU_BAD_DECODE(m, add_mem_reg_rep, 1, -EBADMSG,
		      lvh_msg_decode_mem_region(gctx, &m, false, &r));

	TU_OK_REQ(FE, edge_gpa, 1, 0);
	TU_OK_REQ(FE, edge_uva, 1, 0);
	TU_OK_REQ(FE, edge_off, 1, 0);
	TU_OK_REQ(FE, edge_huge0, 1, 0);
	TU_OK_REQ(FE, edge_huge1, 1, 0);
	TU_OK_REQ(FE, adjacent, 2, 0);
	TU_OK_REQ(FE, add_edge, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS));

	/* the encoders refuse what the decoders refuse */
	memset(&t, 0, sizeof(t));
	for (i = 0; i < LIBVHOST_USER_MEM_TABLE_MAX_REGIONS; i++) {
		t.regions[i].guest_addr = i * 0x1000ULL;
		t.regions[i].size = 0x1000;
	}
	t.nregions = LIBVHOST_USER_MEM_TABLE_MAX_REGIONS + 1; /* checked before any is read */
	g_init(&e, LIBVHOST_USER_SET_MEM_TABLE, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, fds), -ENOSPC);
	t.nregions = 2;
	t.regions[1].guest_addr = 0xfff; /* one byte into region 0 */
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, fds), -EINVAL);
	t.regions[1].guest_addr = 0x1000;
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, true, fds), -EINVAL); /* Xen flags 0 */
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, NULL), -EINVAL); /* fds missing */
	t.regions[1].size = 0;
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, fds), -EINVAL);
	t.regions[1].size = 0x1000;
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, fds), 0);
	ck_assert_uint_eq(e.nfds, 2);
	e.nfds = 0; /* the fds were never ours */
	g_init(&e, LIBVHOST_USER_SET_MEM_TABLE, LIBVHOST_USER_FLAG_REPLY);
	/* a reply carries no fds */
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, fds), -EINVAL);

	r = t.regions[0];
	g_init(&e, LIBVHOST_USER_ADD_MEM_REG, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, false, -1), -EINVAL);
	g_init(&e, LIBVHOST_USER_REM_MEM_REG, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, false, 100), -EINVAL);
	r.user_addr = U64_MAX;
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, false, -1), -EINVAL);
	g_init(&e, LIBVHOST_USER_GET_MAX_MEM_SLOTS, LIBVHOST_USER_FLAG_REPLY);
	ck_assert_int_eq(lvh_msg_encode_max_mem_slots(&e, 0), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Vrings                                                                   */

/* vring state: u32 index, u32 num */
static const uint8_t set_vring_num[] = { HDR(8, REQ, 8), U32(1), U32(256) };
static const uint8_t set_vring_num_max[] = { HDR(8, REQ, 8), U32(0), U32(32768) };
/* vring address: u32 index, u32 flags, u64 desc, u64 used, u64 avail, u64 log */
static const uint8_t set_vring_addr[] = {
	HDR(9, REQ, 40), U32(1), U32(1), /* index 1, flags VRING_F_LOG */
	U64(0x7f1200001000ULL), U64(0x7f1200003000ULL), /* desc, used */
	U64(0x7f1200002000ULL), U64(0x3000), /* avail, log guest address */
};
static const uint8_t set_vring_base[] = { HDR(10, REQ, 8), U32(0), U32(17) };
/* packed layout: avail 5, avail wrap, used 3, no used wrap */
static const uint8_t set_vring_base_packed[] = {
	HDR(10, REQ, 8), U32(0), U32(5 | 1u << 15 | 3u << 16),
};
/* GET_VRING_BASE: num unused (0); the reply carries the base */
static const uint8_t get_vring_base[] = { HDR(11, REQ, 8), U32(2), U32(0) };
static const uint8_t get_vring_base_rep[] = { HDR(11, REP, 8), U32(2), U32(4242) };
/* vring fd: u64 index | NOFD << 8, with the eventfd unless NOFD */
static const uint8_t set_vring_kick[] = { HDR(12, REQ, 8), U64(3) };
static const uint8_t set_vring_call_nofd[] = { HDR(13, REQ, 8), U64(0x100 | 255) };
static const uint8_t set_vring_err[] = { HDR(14, REQ, 8), U64(0) };
/* enable ring 7 */
static const uint8_t set_vring_enable[] = { HDR(18, REQ, 8), U32(7), U32(1) };
/* ring 0 big-endian (1), and ring 1 little-endian (0) */
static const uint8_t set_vring_endian_be[] = { HDR(23, REQ, 8), U32(0), U32(1) };
static const uint8_t set_vring_endian_le[] = { HDR(23, REQ, 8), U32(1), U32(0) };
/* in-band kick of the highest index the protocol allows; num reserved, 0 */
static const uint8_t vring_kick[] = { HDR(35, REQ, 8), U32(0x7fff), U32(0) };

/* Decodes a vring state request, checks it, encodes it again. */
static void vring_state_golden(const uint8_t *v, size_t len, uint64_t proto, uint32_t index,
			       uint32_t num)
{
	struct lvh_vring_state s;
	struct lvh_msg m, e;

	g_request(&m, FE, v, len, 0, proto);
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.index, index);
	ck_assert_uint_eq(s.num, num);
	g_init(&e, m.request, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &s), 0);
	g_same(&e, v, len, 0);
}

/* Decodes a vring fd request with nfds fds, checks it, encodes it again. */
static void vring_fd_golden(const uint8_t *v, size_t len, unsigned int nfds, uint32_t index,
			    bool nofd)
{
	struct lvh_vring_fd f;
	struct lvh_msg m, e;

	g_request(&m, FE, v, len, nfds, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_fd(gctx, &m, &f), 0);
	ck_assert_uint_eq(f.index, index);
	ck_assert(f.nofd == nofd);
	lvh_msg_close_fds(&m);
	g_init(&e, m.request, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_fd(&e, &f, nofd ? -1 : 100), 0);
	g_same(&e, v, len, nfds);
}

#define VRING_STATE_GOLDEN(v, proto, index, num)                                                \
	vring_state_golden((v), sizeof(v), (proto), (index), (num))
#define VRING_FD_GOLDEN(v, nfds, index, nofd)                                                  \
	vring_fd_golden((v), sizeof(v), (nfds), (index), (nofd))

START_TEST(test_vring_golden)
{
	struct lvh_vring_packed_base pb;
	struct lvh_vring_state s;
	struct lvh_vring_addr a;
	struct lvh_msg m, e;

	VRING_STATE_GOLDEN(set_vring_num, 0, 1, 256);
	VRING_STATE_GOLDEN(set_vring_num_max, 0, 0, 32768);
	VRING_STATE_GOLDEN(set_vring_base, 0, 0, 17);
	VRING_STATE_GOLDEN(get_vring_base, 0, 2, 0);
	VRING_STATE_GOLDEN(set_vring_enable, 0, 7, 1);
	VRING_STATE_GOLDEN(set_vring_endian_be, PROTO_BIT(CROSS_ENDIAN), 0, 1);
	VRING_STATE_GOLDEN(set_vring_endian_le, PROTO_BIT(CROSS_ENDIAN), 1, 0);
	VRING_STATE_GOLDEN(vring_kick, PROTO_BIT(INBAND_NOTIFICATIONS), 0x7fff, 0);

	G_REQ(m, FE, set_vring_addr, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_addr(gctx, &m, &a), 0);
	ck_assert_uint_eq(a.index, 1);
	ck_assert_uint_eq(a.flags, 1u << LIBVHOST_VRING_F_LOG);
	ck_assert_uint_eq(a.desc, 0x7f1200001000ULL);
	ck_assert_uint_eq(a.used, 0x7f1200003000ULL);
	ck_assert_uint_eq(a.avail, 0x7f1200002000ULL);
	ck_assert_uint_eq(a.log, 0x3000);
	g_init(&e, LIBVHOST_USER_SET_VRING_ADDR, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_addr(&e, &a), 0);
	G_SAME(e, set_vring_addr, 0);

	G_REP(m, FE, LIBVHOST_USER_GET_VRING_BASE, BODY, get_vring_base_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.index, 2);
	ck_assert_uint_eq(s.num, 4242);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &s), 0);
	G_SAME(e, get_vring_base_rep, 0);

	/* the packed-ring base: unpacked from the vector, packed again from the fields */
	G_REQ(m, FE, set_vring_base_packed, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	lvh_vring_packed_base_unpack(s.num, &pb);
	ck_assert_uint_eq(pb.avail_idx, 5);
	ck_assert(pb.avail_wrap);
	ck_assert_uint_eq(pb.used_idx, 3);
	ck_assert(!pb.used_wrap);
	s.num = lvh_vring_packed_base_pack(&pb);
	g_init(&e, LIBVHOST_USER_SET_VRING_BASE, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &s), 0);
	G_SAME(e, set_vring_base_packed, 0);
	/* each field lands in its own bits */
	pb = (struct lvh_vring_packed_base){ .used_wrap = true };
	ck_assert_uint_eq(lvh_vring_packed_base_pack(&pb), 0x80000000u);
	pb = (struct lvh_vring_packed_base){ .avail_idx = 0x7fff, .used_idx = 0x7fff };
	ck_assert_uint_eq(lvh_vring_packed_base_pack(&pb), 0x7fff7fffu);
	lvh_vring_packed_base_unpack(0xffffffffu, &pb);
	ck_assert_uint_eq(pb.avail_idx, 0x7fff);
	ck_assert_uint_eq(pb.used_idx, 0x7fff);
	ck_assert(pb.avail_wrap && pb.used_wrap);

	VRING_FD_GOLDEN(set_vring_kick, 1, 3, false);
	VRING_FD_GOLDEN(set_vring_call_nofd, 0, 255, true);
	VRING_FD_GOLDEN(set_vring_err, 1, 0, false);
}
END_TEST

START_TEST(test_vring_malformed)
{
	/* index one past the limit, and all ones */
	static const uint8_t idx_over[] = { HDR(8, REQ, 8), U32(0x8000), U32(256) };
	static const uint8_t idx_huge[] = { HDR(10, REQ, 8), U32(0xffffffff), U32(0) };
	static const uint8_t get_idx_over[] = { HDR(11, REQ, 8), U32(0x8000), U32(0) };
	static const uint8_t rep_idx_over[] = { HDR(11, REP, 8), U32(0x8000), U32(1) };
	/* ring sizes 0 and 32769 */
	static const uint8_t num_0[] = { HDR(8, REQ, 8), U32(0), U32(0) };
	static const uint8_t num_over[] = { HDR(8, REQ, 8), U32(0), U32(32769) };
	static const uint8_t enable_2[] = { HDR(18, REQ, 8), U32(0), U32(2) };
	static const uint8_t endian_2[] = { HDR(23, REQ, 8), U32(0), U32(2) };
	static const uint8_t kick_num[] = { HDR(35, REQ, 8), U32(0), U32(1) };
	static const uint8_t kick_idx[] = { HDR(35, REQ, 8), U32(0x8000), U32(0) };
	static const uint8_t addr_idx[] = {
		HDR(9, REQ, 40), U32(0x8000), U32(0), U64(0), U64(0), U64(0), U64(0),
	};
	/* flags bit 1, and bit 31: only bit 0 (VRING_F_LOG) is defined */
	static const uint8_t addr_flags[] = {
		HDR(9, REQ, 40), U32(0), U32(2), U64(0), U64(0), U64(0), U64(0),
	};
	static const uint8_t addr_flags_high[] = {
		HDR(9, REQ, 40), U32(0), U32(0x80000000), U64(0), U64(0), U64(0), U64(0),
	};
	/* vring fd: bit 9, bit 40, bit 63 set */
	static const uint8_t fd_bit9[] = { HDR(12, REQ, 8), U64(0x200) };
	static const uint8_t fd_bit40[] = { HDR(13, REQ, 8), U64(1ULL << 40) };
	static const uint8_t fd_bit63[] = { HDR(14, REQ, 8), U64(1ULL << 63) };
	/* an fd announced (NOFD clear) but none sent; NOFD set but one sent */
	static const uint8_t fd_want[] = { HDR(14, REQ, 8), U64(1) };
	static const uint8_t fd_nofd[] = { HDR(14, REQ, 8), U64(0x101) };
	struct lvh_msg e;

	TU_REQ_VARIANTS(FE, set_vring_num, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_vring_addr, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_vring_base, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_vring_base_packed, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, get_vring_base, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_vring_enable, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_vring_endian_be, 0, ALL_PROTO, GATE(CROSS_ENDIAN), TU_V_ALL);
	TU_REQ_VARIANTS(FE, vring_kick, 0, ALL_PROTO, GATE(INBAND_NOTIFICATIONS), TU_V_ALL);
	/* the fd messages: a missing fd is caught by the decoder (NOFD clear), an extra one too */
	TU_REQ_VARIANTS(FE, set_vring_kick, 1, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_vring_call_nofd, 0, 0, NOGATE, TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_vring_err, 1, 0, NOGATE, TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_VRING_BASE, BODY, get_vring_base_rep, 0, 0, TU_V_ALL);

	TU_BAD_REQ(FE, idx_over, 0, 0, -EPROTO);
	ck_assert_ptr_nonnull(strstr(tu_log_last(), "32768"));
	TU_BAD_REQ(FE, idx_huge, 0, 0, -EPROTO);
	ck_assert_ptr_nonnull(strstr(tu_log_last(), "4294967295"));
	TU_BAD_REQ(FE, get_idx_over, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_VRING_BASE, BODY, rep_idx_over, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, num_0, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, num_over, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, enable_2, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, endian_2, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, kick_num, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, kick_idx, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, addr_idx, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, addr_flags, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, addr_flags_high, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, fd_bit9, 1, 0, -EPROTO);
	TU_BAD_REQ(FE, fd_bit40, 1, 0, -EPROTO);
	TU_BAD_REQ(FE, fd_bit63, 1, 0, -EPROTO);
	TU_BAD_REQ(FE, fd_want, 0, 0, -EBADMSG);
	TU_BAD_REQ(FE, fd_nofd, 1, 0, -EBADMSG);

	/* the encoders refuse what the decoders refuse */
	{
		struct lvh_vring_state bad = { .index = 0x8000, .num = 1 };
		struct lvh_vring_addr addr = { .index = 0, .flags = 2 };
		struct lvh_vring_fd badfd = { .index = 256 };

		g_init(&e, LIBVHOST_USER_SET_VRING_NUM, REQ);
		ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &bad), -EINVAL);
		bad.index = 0;
		bad.num = 0;
		ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &bad), -EINVAL);
		bad.num = 32769;
		ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &bad), -EINVAL);
		bad.num = 2;
		g_init(&e, LIBVHOST_USER_SET_VRING_ENABLE, REQ);
		ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &bad), -EINVAL);
		g_init(&e, LIBVHOST_USER_SET_VRING_ENDIAN, REQ);
		ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &bad), -EINVAL);
		bad.num = 1;
		g_init(&e, LIBVHOST_USER_VRING_KICK, REQ);
		ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &bad), -EINVAL);
		g_init(&e, LIBVHOST_USER_SET_VRING_ADDR, REQ);
		ck_assert_int_eq(lvh_msg_encode_vring_addr(&e, &addr), -EINVAL);
		addr.flags = 0;
		addr.index = 0x8000;
		ck_assert_int_eq(lvh_msg_encode_vring_addr(&e, &addr), -EINVAL);
		g_init(&e, LIBVHOST_USER_SET_VRING_KICK, REQ);
		ck_assert_int_eq(lvh_msg_encode_vring_fd(&e, &badfd, 3), -EINVAL);
		badfd.index = 0;
		ck_assert_int_eq(lvh_msg_encode_vring_fd(&e, &badfd, -1), -EINVAL);
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Config space                                                             */

/* u32 offset, u32 size, u32 flags, u8 data[size] */
/* GET_CONFIG asks for 8 bytes at offset 0 for writable fields; the data bytes are zeros */
static const uint8_t get_config[] = { HDR(24, REQ, 20), U32(0), U32(8), U32(0), PAD8 };
/* the reply: virtio-blk capacity = 0x200000 sectors */
static const uint8_t get_config_rep[] = { HDR(24, REP, 20), U32(0), U32(8), U32(0), U64(0x200000) };
/* rust-vmm's failure reply: the header alone, with size 0 */
static const uint8_t get_config_rep_failed[] = { HDR(24, REP, 12), U32(0), U32(0), U32(0) };
/* SET_CONFIG for live migration (flags 1), 4 bytes at offset 20 */
static const uint8_t set_config[] = {
	HDR(25, REQ, 16), U32(20), U32(4), U32(1), 0xde, 0xad, 0xbe, 0xef,
};

START_TEST(test_config_golden)
{
	struct lvh_config c;
	struct lvh_msg m, e;
	uint8_t data[8];
	uint64_t cap;

	G_REQ(m, FE, get_config, 0, PROTO_BIT(CONFIG));
	ck_assert_int_eq(lvh_msg_decode_config(gctx, &m, &c), 0);
	ck_assert_uint_eq(c.offset, 0);
	ck_assert_uint_eq(c.size, 8);
	ck_assert_uint_eq(c.flags, LVH_CONFIG_F_WRITABLE);
	ck_assert_ptr_eq(c.data, m.payload.bytes + 12);
	g_init(&e, LIBVHOST_USER_GET_CONFIG, REQ);
	c.data = NULL;
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), 0);
	G_SAME(e, get_config, 0);
	/* a GET_CONFIG request's data bytes are zeros whatever the caller passes */
	memset(data, 0xaa, sizeof(data));
	c.data = data;
	g_init(&e, LIBVHOST_USER_GET_CONFIG, REQ);
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), 0);
	G_SAME(e, get_config, 0);

	G_REP(m, FE, LIBVHOST_USER_GET_CONFIG, BODY, get_config_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_config_reply(gctx, &m, 0, 8, &c), 0);
	ck_assert_uint_eq(c.offset, 0);
	ck_assert_uint_eq(c.size, 8);
	ck_assert_uint_eq(c.flags, 0);
	memcpy(&cap, c.data, 8);
	ck_assert_uint_eq(cap, 0x200000);
	memcpy(data, c.data, 8);
	c.data = data;
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), 0);
	G_SAME(e, get_config_rep, 0);

	/* the failure reply is encoded as size 0 (and decoded as -EIO, below) */
	c = (struct lvh_config){ .offset = 0, .size = 0 };
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), 0);
	G_SAME(e, get_config_rep_failed, 0);

	G_REQ(m, FE, set_config, 0, PROTO_BIT(CONFIG));
	ck_assert_int_eq(lvh_msg_decode_config(gctx, &m, &c), 0);
	ck_assert_uint_eq(c.offset, 20);
	ck_assert_uint_eq(c.size, 4);
	ck_assert_uint_eq(c.flags, LVH_CONFIG_F_MIGRATION);
	ck_assert_mem_eq(c.data, "\xde\xad\xbe\xef", 4);
	memcpy(data, c.data, 4);
	c.data = data;
	g_init(&e, LIBVHOST_USER_SET_CONFIG, REQ);
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), 0);
	G_SAME(e, set_config, 0);
}
END_TEST

START_TEST(test_config_malformed)
{
	/* announces 8 bytes, carries 4 */
	static const uint8_t mismatch[] = { HDR(25, REQ, 16), U32(0), U32(8), U32(0), PAD4 };
	/* offset + size one past the limit (4084), and wrapping in 32 bits */
	static const uint8_t over[] = { HDR(25, REQ, 16), U32(4081), U32(4), U32(0), PAD4 };
	static const uint8_t wrap[] = { HDR(25, REQ, 16), U32(0xfffffffe), U32(4), U32(0), PAD4 };
	static const uint8_t flags_2[] = { HDR(25, REQ, 16), U32(0), U32(4), U32(2), PAD4 };
	static const uint8_t get_flags_2[] = { HDR(24, REQ, 16), U32(0), U32(4), U32(2), PAD4 };
	/* libvhost-user's failure reply: an empty payload */
	static const uint8_t rep_empty[] = { HDR(24, REP, 0) };
	/* replies for another range than the one asked for (8 bytes at 0) */
	static const uint8_t rep_offset[] = { HDR(24, REP, 20), U32(4), U32(8), U32(0), PAD8 };
	static const uint8_t rep_size[] = { HDR(24, REP, 16), U32(0), U32(4), U32(0), PAD4 };
	static const uint8_t rep_flags[] = { HDR(24, REP, 20), U32(0), U32(8), U32(7), PAD8 };
	static const uint8_t rep_hdr_short[] = { HDR(24, REP, 8), U32(0), U32(0) };
	/* exactly at the limit: valid */
	static const uint8_t edge[] = { HDR(25, REQ, 16), U32(4080), U32(4), U32(0), PAD4 };
	struct lvh_config c;
	struct lvh_msg m, e;

	TU_REQ_VARIANTS(FE, get_config, 0, ALL_PROTO, GATE(CONFIG), TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_config, 0, ALL_PROTO, GATE(CONFIG), TU_V_ALL);
	config_asked_offset = 0;
	config_asked_size = 8;
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_CONFIG, BODY, get_config_rep, 0, 0, TU_V_ALL);

	TU_BAD_REQ(FE, mismatch, 0, ALL_PROTO, -EBADMSG);
	TU_BAD_REQ(FE, over, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, wrap, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, flags_2, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, get_flags_2, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_CONFIG, BODY, get_config_rep_failed, 0, 0, -EIO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_CONFIG, BODY, rep_offset, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_CONFIG, BODY, rep_size, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_CONFIG, BODY, rep_flags, 0, 0, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_CONFIG, BODY, rep_hdr_short, 0, 0, -EBADMSG);
	/* the decoders alone: the empty reply (the table wants 12 bytes), a short header */
	TU_BAD_DECODE(m, rep_empty, 0, -EIO, lvh_msg_decode_config_reply(gctx, &m, 0, 8, &c));
	/* the table lets the empty form through, so the failure reaches the decoder */
	G_REP(m, FE, LIBVHOST_USER_GET_CONFIG, BODY, rep_empty, 0);
	ck_assert_int_eq(lvh_msg_decode_config_reply(gctx, &m, 0, 8, &c), -EIO);
	TU_BAD_DECODE(m, rep_hdr_short, 0, -EBADMSG,
		      lvh_msg_decode_config_reply(gctx, &m, 0, 8, &c));
	TU_BAD_DECODE(m, rep_hdr_short, 0, -EBADMSG, lvh_msg_decode_config(gctx, &m, &c));
	TU_OK_REQ(FE, edge, 0, ALL_PROTO);

	/* the largest payload: 4084 bytes at offset 0 fill the 4096-byte maximum */
	tu_msg_from_bytes(&m, set_config, sizeof(set_config), 0);
	m.size = 12 + LIBVHOST_USER_MAX_CONFIG_SIZE;
	memset(m.payload.bytes, 0, m.size);
	memcpy(m.payload.bytes + 4, &(uint32_t){ LIBVHOST_USER_MAX_CONFIG_SIZE }, 4);
	ck_assert_int_eq(rx_request(FE, &m, ALL_PROTO), 0);
	m.payload.bytes[0] = 1; /* offset 1: one past */
	TU_NEGATIVE_BEGIN();
	ck_assert_int_eq(rx_request(FE, &m, ALL_PROTO), -EPROTO);
	TU_NEGATIVE_END();

	/* the encoders refuse what the decoders refuse */
	c = (struct lvh_config){ .offset = 4081, .size = 4 };
	g_init(&e, LIBVHOST_USER_SET_CONFIG, REQ);
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), -EINVAL);
	c = (struct lvh_config){ .offset = 0xffffffff, .size = 2 };
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), -EINVAL);
	c = (struct lvh_config){ .size = 4, .flags = 2 };
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), -EINVAL);
	/* a GET_CONFIG for nothing: its answer could not be told from a failure */
	c = (struct lvh_config){ .offset = 0, .size = 0 };
	g_init(&e, LIBVHOST_USER_GET_CONFIG, REQ);
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Dirty log                                                                */

/* SET_LOG_BASE: u64 size, u64 offset, with the log memfd */
static const uint8_t set_log_base[] = { HDR(6, REQ, 16), U64(0x8000), U64(0x1000) };
/* its reply: u64 0 */
static const uint8_t set_log_base_rep[] = { HDR(6, REP, 8), U64(0) };
/* SET_LOG_FD: no payload, one eventfd */
static const uint8_t set_log_fd[] = { HDR(7, REQ, 0) };

START_TEST(test_log_golden)
{
	struct lvh_log l;
	struct lvh_msg m, e;
	uint64_t v;

	G_REQ(m, FE, set_log_base, 1, PROTO_BIT(LOG_SHMFD));
	ck_assert_int_eq(lvh_msg_decode_log_base(gctx, &m, &l), 0);
	ck_assert_uint_eq(l.size, 0x8000);
	ck_assert_uint_eq(l.offset, 0x1000);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_LOG_BASE, REQ);
	ck_assert_int_eq(lvh_msg_encode_log_base(&e, &l, 100), 0);
	G_SAME(e, set_log_base, 1);

	G_REP(m, FE, LIBVHOST_USER_SET_LOG_BASE, BODY, set_log_base_rep, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0);
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, 0);
	G_SAME(e, set_log_base_rep, 0);

	G_REQ(m, FE, set_log_fd, 1, 0);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_LOG_FD, REQ);
	ck_assert_int_eq(lvh_msg_add_fd(&e, 100), 0);
	G_SAME(e, set_log_fd, 1);
}
END_TEST

START_TEST(test_log_malformed)
{
	static const uint8_t empty[] = { HDR(6, REQ, 16), U64(0), U64(0x1000) };
	/* offset + size one byte past 2^64; size 2^64 - 1 from 2 */
	static const uint8_t wrap[] = { HDR(6, REQ, 16), U64(0x1001), U64(0xfffffffffffff000ULL) };
	static const uint8_t wrap_max[] = { HDR(6, REQ, 16), U64(U64_MAX), U64(2) };
	/* the valid edges: ending exactly at 2^64 */
	static const uint8_t edge[] = { HDR(6, REQ, 16), U64(0x1000), U64(0xfffffffffffff000ULL) };
	static const uint8_t edge_max[] = { HDR(6, REQ, 16), U64(U64_MAX), U64(1) };
	struct lvh_log l = { .size = 0x1000 };
	struct lvh_msg m, e;

	TU_REQ_VARIANTS(FE, set_log_base, 1, ALL_PROTO, GATE(LOG_SHMFD), TU_V_ALL);
	TU_REQ_VARIANTS(FE, set_log_fd, 1, ALL_PROTO, NOGATE, TU_V_ALL);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_SET_LOG_BASE, BODY, set_log_base_rep, 0, 0, TU_V_ALL);

	TU_BAD_REQ(FE, empty, 1, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, wrap, 1, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, wrap_max, 1, ALL_PROTO, -EPROTO);
	TU_OK_REQ(FE, edge, 1, ALL_PROTO);
	TU_OK_REQ(FE, edge_max, 1, ALL_PROTO);
	/* the decoder alone insists on its fd */
	TU_BAD_DECODE(m, set_log_base, 0, -EBADMSG, lvh_msg_decode_log_base(gctx, &m, &l));
	TU_BAD_DECODE(m, set_log_base, 2, -EBADMSG, lvh_msg_decode_log_base(gctx, &m, &l));

	g_init(&e, LIBVHOST_USER_SET_LOG_BASE, REQ);
	ck_assert_int_eq(lvh_msg_encode_log_base(&e, &l, -1), -EINVAL);
	l.size = 0;
	ck_assert_int_eq(lvh_msg_encode_log_base(&e, &l, 100), -EINVAL);
	l = (struct lvh_log){ .size = U64_MAX, .offset = 2 };
	ck_assert_int_eq(lvh_msg_encode_log_base(&e, &l, 100), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* IOTLB                                                                    */

/* u64 iova, u64 size, u64 uaddr, u8 perm, u8 type, then QEMU's 6 bytes of struct padding */
/* front-end UPDATE: 8 KiB at iova 64 KiB, read-write (3), type UPDATE (2) */
static const uint8_t iotlb_update[] = {
	HDR(22, REQ, 32), U64(0x10000), U64(0x2000), U64(0x7f1200010000ULL), 3, 2, 0, 0, PAD4,
};
/* the same fields alone, 26 bytes, as a packed-struct peer sends them */
static const uint8_t iotlb_update26[] = {
	HDR(22, REQ, 26), U64(0x10000), U64(0x2000), U64(0x7f1200010000ULL), 3, 2,
};
/* INVALIDATE (3) of the same range; uaddr and perm unused */
static const uint8_t iotlb_invalidate[] = {
	HDR(22, REQ, 32), U64(0x10000), U64(0x2000), U64(0), 0, 3, 0, 0, PAD4,
};
/* INVALIDATE of size 0: QEMU's addr_mask + 1 for the whole space */
static const uint8_t iotlb_invalidate_all[] = {
	HDR(22, REQ, 32), U64(0), U64(0), U64(0), 0, 3, 0, 0, PAD4,
};
/* the front-end request's reply: u64 status 0 */
static const uint8_t iotlb_status[] = { HDR(22, REP, 8), U64(0) };
/* back-end MISS (1) at iova 128 KiB for a read (1), asking for an ack */
static const uint8_t iotlb_miss[] = {
	HDR(1, NEED, 32), U64(0x20000), U64(0), U64(0), 1, 1, 0, 0, PAD4,
};
/* back-end ACCESS_FAIL (4) at iova 192 KiB for a write (2) */
static const uint8_t iotlb_access_fail[] = {
	HDR(1, REQ, 32), U64(0x30000), U64(0), U64(0), 2, 4, 0, 0, PAD4,
};
/* the front-end's ack of the MISS: u64 0 */
static const uint8_t iotlb_miss_ack[] = { HDR(1, REP, 8), U64(0) };

static void iotlb_golden(enum lvh_dir dir, const uint8_t *v, size_t len, uint64_t proto,
			 const struct lvh_iotlb *want, bool encode)
{
	struct lvh_iotlb t;
	struct lvh_msg m, e;

	g_request(&m, dir, v, len, 0, proto);
	ck_assert_int_eq(lvh_msg_decode_iotlb(gctx, &m, dir, &t), 0);
	ck_assert_uint_eq(t.iova, want->iova);
	ck_assert_uint_eq(t.size, want->size);
	ck_assert_uint_eq(t.uaddr, want->uaddr);
	ck_assert_uint_eq(t.perm, want->perm);
	ck_assert_uint_eq(t.type, want->type);
	if (!encode)
		return;
	g_init(&e, m.request, m.flags);
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, dir, &t), 0);
	g_same(&e, v, len, 0);
}

START_TEST(test_iotlb_golden)
{
	const struct lvh_iotlb update = { 0x10000, 0x2000, 0x7f1200010000ULL, LVH_IOTLB_PERM_RW,
					  LVH_IOTLB_UPDATE };
	const struct lvh_iotlb inval = { 0x10000, 0x2000, 0, LVH_IOTLB_PERM_NONE,
					 LVH_IOTLB_INVALIDATE };
	const struct lvh_iotlb inval_all = { 0, 0, 0, LVH_IOTLB_PERM_NONE, LVH_IOTLB_INVALIDATE };
	const struct lvh_iotlb miss = { 0x20000, 0, 0, LVH_IOTLB_PERM_RO, LVH_IOTLB_MISS };
	const struct lvh_iotlb fail = { 0x30000, 0, 0, LVH_IOTLB_PERM_WO, LVH_IOTLB_ACCESS_FAIL };
	struct lvh_msg m, e;
	uint64_t v;

	iotlb_golden(FE, iotlb_update, sizeof(iotlb_update), 0, &update, true);
	/* 26 bytes decode to the same fields; we always send 32 */
	iotlb_golden(FE, iotlb_update26, sizeof(iotlb_update26), 0, &update, false);
	iotlb_golden(FE, iotlb_invalidate, sizeof(iotlb_invalidate), 0, &inval, true);
	iotlb_golden(FE, iotlb_invalidate_all, sizeof(iotlb_invalidate_all), 0, &inval_all, true);
	G_REP(m, FE, LIBVHOST_USER_IOTLB_MSG, ACK, iotlb_status, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0);
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, 0);
	G_SAME(e, iotlb_status, 0);

	iotlb_golden(BE, iotlb_miss, sizeof(iotlb_miss), PROTO_BIT(REPLY_ACK), &miss, true);
	iotlb_golden(BE, iotlb_access_fail, sizeof(iotlb_access_fail), 0, &fail, true);
	G_REP(m, BE, LIBVHOST_USER_BACKEND_IOTLB_MSG, ACK, iotlb_miss_ack, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0);
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, 0);
	G_SAME(e, iotlb_miss_ack, 0);
}
END_TEST

/* an IOTLB message {iova, size, uaddr, perm, type}, 32 bytes */
#define IOTLB(req, iova, size, uaddr, perm, type)                                              \
	{ HDR(req, REQ, 32), U64(iova), U64(size), U64(uaddr), perm, type, 0, 0, PAD4 }

START_TEST(test_iotlb_malformed)
{
	/* a back-end message type from the front-end, and the reverse */
	static const uint8_t fe_miss[] = IOTLB(22, 0, 0, 0, 1, 1);
	static const uint8_t fe_access_fail[] = IOTLB(22, 0, 0, 0, 1, 4);
	static const uint8_t be_update[] = IOTLB(1, 0, 0x1000, 0x1000, 3, 2);
	static const uint8_t be_invalidate[] = IOTLB(1, 0, 0x1000, 0, 0, 3);
	/* unknown perm (4), unknown types (0, 5, 255) */
	static const uint8_t perm_4[] = IOTLB(22, 0, 0x1000, 0x1000, 4, 2);
	static const uint8_t be_perm_255[] = IOTLB(1, 0, 0, 0, 255, 1);
	static const uint8_t type_0[] = IOTLB(22, 0, 0x1000, 0x1000, 3, 0);
	static const uint8_t type_5[] = IOTLB(22, 0, 0x1000, 0x1000, 3, 5);
	static const uint8_t be_type_255[] = IOTLB(1, 0, 0, 0, 1, 255);
	/* UPDATE rules: size > 0, perm != 0, no wrap past 2^64 of iova or uaddr */
	static const uint8_t update_empty[] = IOTLB(22, 0, 0, 0x1000, 3, 2);
	static const uint8_t update_noperm[] = IOTLB(22, 0, 0x1000, 0x1000, 0, 2);
	static const uint8_t wrap_iova[] = IOTLB(22, 0xfffffffffffff000ULL, 0x1001, 0x1000, 3, 2);
	static const uint8_t wrap_uaddr[] = IOTLB(22, 0, 0x1001, 0xfffffffffffff000ULL, 3, 2);
	static const uint8_t wrap_max[] = IOTLB(22, 2, U64_MAX, 0, 3, 2);
	static const uint8_t wrap_inval[] = IOTLB(22, 0xfffffffffffff000ULL, 0x1001, 0, 0, 3);
	/* the valid edges: ending exactly at 2^64 */
	static const uint8_t edge_iova[] = IOTLB(22, 0xfffffffffffff000ULL, 0x1000, 0x1000, 3, 2);
	static const uint8_t edge_uaddr[] = IOTLB(22, 0, 0x1000, 0xfffffffffffff000ULL, 1, 2);
	static const uint8_t edge_max[] = IOTLB(22, 1, U64_MAX, 0, 2, 2);
	struct lvh_iotlb t;
	struct lvh_msg e;

	/* 32 bytes: one short is the valid 31, so the short variant starts from 26 */
	TU_REQ_VARIANTS(FE, iotlb_update, 0, 0, NOGATE, TU_V_ALL & ~TU_V_SHORT);
	TU_REQ_VARIANTS(FE, iotlb_update26, 0, 0, NOGATE, TU_V_SHORT);
	TU_REQ_VARIANTS(FE, iotlb_invalidate, 0, 0, NOGATE, TU_V_ALL & ~TU_V_SHORT);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_IOTLB_MSG, ACK, iotlb_status, 0, 0, TU_V_ALL);
	TU_REQ_VARIANTS(BE, iotlb_miss, 0, PROTO_BIT(REPLY_ACK), NOGATE, TU_V_ALL & ~TU_V_SHORT);
	TU_REQ_VARIANTS(BE, iotlb_access_fail, 0, ALL_PROTO, NOGATE, TU_V_ALL & ~TU_V_SHORT);
	TU_REP_VARIANTS(BE, LIBVHOST_USER_BACKEND_IOTLB_MSG, ACK, iotlb_miss_ack, 0, 0, TU_V_ALL);
	{
		static const uint8_t be26[] = {
			HDR(1, REQ, 26), U64(0x20000), U64(0), U64(0), 1, 1,
		};

		TU_REQ_VARIANTS(BE, be26, 0, 0, NOGATE, TU_V_SHORT);
	}

	TU_BAD_REQ(FE, fe_miss, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, fe_access_fail, 0, 0, -EPROTO);
	TU_BAD_REQ(BE, be_update, 0, 0, -EPROTO);
	TU_BAD_REQ(BE, be_invalidate, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, perm_4, 0, 0, -EPROTO);
	TU_BAD_REQ(BE, be_perm_255, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, type_0, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, type_5, 0, 0, -EPROTO);
	TU_BAD_REQ(BE, be_type_255, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, update_empty, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, update_noperm, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, wrap_iova, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, wrap_uaddr, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, wrap_max, 0, 0, -EPROTO);
	TU_BAD_REQ(FE, wrap_inval, 0, 0, -EPROTO);
	TU_OK_REQ(FE, edge_iova, 0, 0);
	TU_OK_REQ(FE, edge_uaddr, 0, 0);
	TU_OK_REQ(FE, edge_max, 0, 0);
	/* an fd from the back-end without BACKEND_SEND_FD */
	tu_bad_request("iotlb_miss", "fd without BACKEND_SEND_FD", BE, iotlb_miss,
		       sizeof(iotlb_miss), 1, PROTO_BIT(REPLY_ACK), -EBADMSG);
	/* the decoder alone re-checks the size it reads */
	{
		static const uint8_t short25[] = {
			HDR(22, REQ, 25), U64(0), U64(0x1000), U64(0x1000), 3,
		};
		struct lvh_msg m;

		TU_BAD_DECODE(m, short25, 0, -EBADMSG, lvh_msg_decode_iotlb(gctx, &m, FE, &t));
	}

	/* the encoders refuse what the decoders refuse */
	g_init(&e, LIBVHOST_USER_IOTLB_MSG, REQ);
	t = (struct lvh_iotlb){ 0x1000, 0x1000, 0x1000, LVH_IOTLB_PERM_RW, LVH_IOTLB_MISS };
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, FE, &t), -EINVAL);
	t.type = LVH_IOTLB_UPDATE;
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, BE, &t), -EINVAL);
	t.perm = 4;
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, FE, &t), -EINVAL);
	t.perm = LVH_IOTLB_PERM_NONE;
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, FE, &t), -EINVAL);
	t.perm = LVH_IOTLB_PERM_RW;
	t.size = 0;
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, FE, &t), -EINVAL);
	t.size = U64_MAX;
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, FE, &t), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Inflight                                                                 */

/*
 * u64 mmap_size, u64 mmap_offset, u16 num_queues, u16 queue_size, then (as
 * QEMU sends its C struct) 4 bytes of padding.  A split queue of 128 takes
 * 16 + 128 * 16 = 2064 bytes, 2112 aligned to 64; two queues: 4224.
 */
/* GET_INFLIGHT_FD request: no area yet, 2 queues of 128 */
static const uint8_t get_inflight[] = { HDR(31, REQ, 24), U64(0), U64(0), U16(2), U16(128), PAD4 };
static const uint8_t get_inflight20[] = { HDR(31, REQ, 20), U64(0), U64(0), U16(2), U16(128) };
/* the reply (spec erratum: the table says N/A) describes the area; its memfd comes with it */
static const uint8_t get_inflight_rep[] = {
	HDR(31, REP, 24), U64(4224), U64(0), U16(2), U16(128), PAD4,
};
static const uint8_t get_inflight_rep20[] = {
	HDR(31, REP, 20), U64(4224), U64(0), U16(2), U16(128),
};
/* SET_INFLIGHT_FD hands the area back after a reconnect, with the memfd */
static const uint8_t set_inflight[] = {
	HDR(32, REQ, 24), U64(4224), U64(0), U16(2), U16(128), PAD4,
};
/* 20 bytes of fields: 8 KiB at offset 4 KiB */
static const uint8_t set_inflight20[] = {
	HDR(32, REQ, 20), U64(8192), U64(4096), U16(2), U16(128),
};

static void inflight_golden(const uint8_t *v, size_t len, bool reply, unsigned int nfds,
			    const struct lvh_inflight *want, bool encode)
{
	struct lvh_inflight in;
	struct lvh_msg m, e;

	if (reply)
		g_reply(&m, FE, LIBVHOST_USER_GET_INFLIGHT_FD, BODY, v, len, nfds);
	else
		g_request(&m, FE, v, len, nfds, PROTO_BIT(INFLIGHT_SHMFD));
	ck_assert_int_eq(lvh_msg_decode_inflight(gctx, &m, nfds != 0, false, &in), 0);
	ck_assert_uint_eq(in.mmap_size, want->mmap_size);
	ck_assert_uint_eq(in.mmap_offset, want->mmap_offset);
	ck_assert_uint_eq(in.num_queues, want->num_queues);
	ck_assert_uint_eq(in.queue_size, want->queue_size);
	lvh_msg_close_fds(&m);
	if (!encode)
		return;
	g_init(&e, m.request, m.flags);
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, nfds ? 100 : -1), 0);
	g_same(&e, v, len, nfds);
}

START_TEST(test_inflight_golden)
{
	const struct lvh_inflight geometry = { 0, 0, 2, 128 };
	const struct lvh_inflight area = { 4224, 0, 2, 128 };
	const struct lvh_inflight area20 = { 8192, 4096, 2, 128 };

	ck_assert_uint_eq(lvh_inflight_queue_region_size(128, false), 2112);
	/* packed: 32 + 128 * 32 = 4128, aligned 4160 */
	ck_assert_uint_eq(lvh_inflight_queue_region_size(128, true), 4160);
	/* one descriptor: 32 and 64 bytes, one alignment unit each */
	ck_assert_uint_eq(lvh_inflight_queue_region_size(1, false), 64);
	ck_assert_uint_eq(lvh_inflight_queue_region_size(1, true), 64);
	/* already aligned: 16 + 3 * 16 = 64 stays 64 */
	ck_assert_uint_eq(lvh_inflight_queue_region_size(3, false), 64);
	/* the largest ring: 16 + 32768 * 16 = 524304 -> 524352; packed 1048608 -> 1048640 */
	ck_assert_uint_eq(lvh_inflight_queue_region_size(32768, false), 524352);
	ck_assert_uint_eq(lvh_inflight_queue_region_size(32768, true), 1048640);

	inflight_golden(get_inflight, sizeof(get_inflight), false, 0, &geometry, true);
	inflight_golden(get_inflight20, sizeof(get_inflight20), false, 0, &geometry, false);
	inflight_golden(get_inflight_rep, sizeof(get_inflight_rep), true, 1, &area, true);
	inflight_golden(get_inflight_rep20, sizeof(get_inflight_rep20), true, 1, &area, false);
	inflight_golden(set_inflight, sizeof(set_inflight), false, 1, &area, true);
	inflight_golden(set_inflight20, sizeof(set_inflight20), false, 1, &area20, false);
}
END_TEST

/* SET_INFLIGHT_FD {mmap_size, mmap_offset, num_queues, queue_size}, 24 bytes */
#define INFLIGHT(req, size, off, nq, qs)                                                       \
	{ HDR(req, REQ, 24), U64(size), U64(off), U16(nq), U16(qs), PAD4 }
#define SET_INFLIGHT(size, off, nq, qs) INFLIGHT(32, size, off, nq, qs)
#define GET_INFLIGHT(size, off, nq, qs) INFLIGHT(31, size, off, nq, qs)

START_TEST(test_inflight_malformed)
{
	/* geometry: 0 queues, one queue past the limit, ring sizes 0, 32769, 65535 */
	static const uint8_t q_0[] = GET_INFLIGHT(0, 0, 0, 128);
	static const uint8_t q_over[] = GET_INFLIGHT(0, 0, 0x8001, 128);
	static const uint8_t q_max[] = GET_INFLIGHT(0, 0, 0xffff, 128);
	static const uint8_t qs_0[] = GET_INFLIGHT(0, 0, 1, 0);
	static const uint8_t qs_over[] = GET_INFLIGHT(0, 0, 1, 32769);
	static const uint8_t qs_max[] = GET_INFLIGHT(0, 0, 1, 0xffff);
	static const uint8_t set_q_over[] = SET_INFLIGHT(U64_MAX, 0, 0x8001, 1);
	/* a request that already describes an area */
	static const uint8_t get_sized[] = GET_INFLIGHT(4224, 0, 2, 128);
	static const uint8_t get_offset[] = GET_INFLIGHT(0, 4096, 2, 128);
	/* an area one byte too small for its queues (the check DPDK lacks), and empty */
	static const uint8_t small[] = SET_INFLIGHT(4223, 0, 2, 128);
	static const uint8_t empty[] = SET_INFLIGHT(0, 0, 1, 1);
	static const uint8_t rep_small[] = {
		HDR(31, REP, 24), U64(4223), U64(0), U16(2), U16(128), PAD4,
	};
	/* offset + size one byte past 2^64; size 2^64 - 1 from 2 */
	static const uint8_t wrap[] = SET_INFLIGHT(0x10000, 0xffffffffffff0001ULL, 1, 128);
	static const uint8_t wrap_max[] = SET_INFLIGHT(U64_MAX, 2, 1, 128);
	/* the valid edges: ending exactly at 2^64; the exact size; the largest geometry */
	static const uint8_t edge[] = SET_INFLIGHT(0x10000, 0xffffffffffff0000ULL, 1, 128);
	static const uint8_t edge_max[] = SET_INFLIGHT(U64_MAX, 1, 0x8000, 32768);
	static const uint8_t exact[] = SET_INFLIGHT(4224, 0, 2, 128);
	static const uint8_t get_limits[] = GET_INFLIGHT(0, 0, 0x8000, 32768);
	/* 2 packed queues of 128 need 8320 bytes: enough as split, too small as packed */
	static const uint8_t split_only[] = SET_INFLIGHT(4224, 0, 2, 128);
	static const uint8_t packed_ok[] = SET_INFLIGHT(8320, 0, 2, 128);
	struct lvh_inflight in;
	struct lvh_msg m, e;

	/* 24 bytes: one short is the valid 23, so the short variant starts from 20 */
	TU_REQ_VARIANTS(FE, get_inflight, 0, ALL_PROTO, GATE(INFLIGHT_SHMFD),
			TU_V_ALL & ~TU_V_SHORT);
	TU_REQ_VARIANTS(FE, get_inflight20, 0, ALL_PROTO, GATE(INFLIGHT_SHMFD), TU_V_SHORT);
	TU_REQ_VARIANTS(FE, set_inflight, 1, ALL_PROTO, GATE(INFLIGHT_SHMFD),
			TU_V_ALL & ~TU_V_SHORT);
	TU_REQ_VARIANTS(FE, set_inflight20, 1, ALL_PROTO, GATE(INFLIGHT_SHMFD), TU_V_SHORT);
	/* the reply must carry the memfd */
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_INFLIGHT_FD, BODY, get_inflight_rep, 1, 0,
			TU_V_ALL & ~TU_V_SHORT);
	TU_REP_VARIANTS(FE, LIBVHOST_USER_GET_INFLIGHT_FD, BODY, get_inflight_rep20, 1, 0,
			TU_V_SHORT);

	TU_BAD_REQ(FE, q_0, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, q_over, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, q_max, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, qs_0, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, qs_over, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, qs_max, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, set_q_over, 1, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, get_sized, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, get_offset, 0, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, small, 1, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, empty, 1, ALL_PROTO, -EPROTO);
	TU_BAD_REP(FE, LIBVHOST_USER_GET_INFLIGHT_FD, BODY, rep_small, 1, 0, -EPROTO);
	TU_BAD_REQ(FE, wrap, 1, ALL_PROTO, -EPROTO);
	TU_BAD_REQ(FE, wrap_max, 1, ALL_PROTO, -EPROTO);
	TU_OK_REQ(FE, edge, 1, ALL_PROTO);
	TU_OK_REQ(FE, edge_max, 1, ALL_PROTO);
	TU_OK_REQ(FE, exact, 1, ALL_PROTO);
	TU_OK_REQ(FE, get_limits, 0, ALL_PROTO);
	/* told the ring is packed, the decoder wants the larger regions */
	TU_BAD_DECODE(m, split_only, 1, -EPROTO,
		      lvh_msg_decode_inflight(gctx, &m, true, true, &in));
	tu_msg_from_bytes(&m, packed_ok, sizeof(packed_ok), 1);
	ck_assert_int_eq(lvh_msg_decode_inflight(gctx, &m, true, true, &in), 0);
	lvh_msg_close_fds(&m);
	tu_msg_from_bytes(&m, edge_max, sizeof(edge_max), 1);
	ck_assert_int_eq(lvh_msg_decode_inflight(gctx, &m, true, true, &in), 0);
	lvh_msg_close_fds(&m);
	/* the decoder alone checks the fds against the form */
	TU_BAD_DECODE(m, set_inflight, 0, -EBADMSG,
		      lvh_msg_decode_inflight(gctx, &m, true, false, &in));
	TU_BAD_DECODE(m, set_inflight, 2, -EBADMSG,
		      lvh_msg_decode_inflight(gctx, &m, true, false, &in));
	TU_BAD_DECODE(m, get_inflight, 1, -EBADMSG,
		      lvh_msg_decode_inflight(gctx, &m, false, false, &in));

	/* the encoders refuse what the decoders refuse */
	in = (struct lvh_inflight){ 4224, 0, 2, 128 };
	g_init(&e, LIBVHOST_USER_GET_INFLIGHT_FD, REQ);
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, -1), -EINVAL); /* an area in a request */
	in.mmap_size = 0;
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, 100), -EINVAL); /* an fd in a request */
	in.num_queues = 0;
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, -1), -EINVAL);
	in = (struct lvh_inflight){ 4224, 0, 2, 128 };
	g_init(&e, LIBVHOST_USER_SET_INFLIGHT_FD, REQ);
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, -1), -EINVAL); /* the memfd missing */
	in.mmap_size = 4223;
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, 100), -EINVAL);
	in = (struct lvh_inflight){ U64_MAX, 2, 2, 128 };
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, 100), -EINVAL);
	in = (struct lvh_inflight){ U64_MAX, 0, 2, 32769 };
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, 100), -EINVAL);
}
END_TEST

int main(void)
{
	const struct golden_family families[] = {
		{ "features", test_features_golden, test_features_malformed },
		{ "mem", test_mem_golden, test_mem_malformed },
		{ "vring", test_vring_golden, test_vring_malformed },
		{ "config", test_config_golden, test_config_malformed },
		{ "log", test_log_golden, test_log_malformed },
		{ "iotlb", test_iotlb_golden, test_iotlb_malformed },
		{ "inflight", test_inflight_golden, test_inflight_malformed },
	};

	/* skipped (77) on a big-endian host: the vectors are little-endian */
	tu_rx_set(&rx);
	return golden_run("msg-core", families, LVH_ARRAY_SIZE(families));
}
