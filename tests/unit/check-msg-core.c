/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden and malformed vectors for the features, memory, vring, config, log,
 * iotlb and inflight families.  Each golden vector is laid out by hand from
 * the specification's description of the payload; it is decoded and checked
 * field by field, then encoded again and compared byte for byte.
 */
#include <errno.h>
#include <string.h>

#include "golden.h"
#include "msg-config.h"
#include "msg-features.h"
#include "msg-inflight.h"
#include "msg-iotlb.h"
#include "msg-log.h"
#include "msg-mem.h"
#include "msg-vring.h"

#define FE LVH_DIR_FRONTEND
#define BE LVH_DIR_BACKEND
#define BODY LVH_REPLY_KIND_BODY
#define ACK LVH_REPLY_KIND_ACK

/* ---- features and ownership ---- */

START_TEST(test_features_golden)
{
	/* GET_FEATURES: no payload; reply u64 (VERSION_1 | PROTOCOL_FEATURES | EVENT_IDX) */
	static const uint8_t get_req[] = { HDR(1, REQ, 0) };
	static const uint8_t get_rep[] = { HDR(1, REP, 8), U64(0x0000000160000000ULL) };
	/* SET_FEATURES u64, with NEED_REPLY */
	static const uint8_t set_req[] = { HDR(2, NEED, 8), U64(0x0000000140000000ULL) };
	static const uint8_t ack0[] = { HDR(2, REP, 8), U64(0) };
	static const uint8_t set_owner[] = { HDR(3, REQ, 0) };
	static const uint8_t reset_owner[] = { HDR(4, REQ, 0) };
	/* GET/SET_PROTOCOL_FEATURES: MQ | REPLY_ACK | CONFIG | CONFIGURE_MEM_SLOTS */
	static const uint8_t get_pf[] = { HDR(15, REQ, 0) };
	static const uint8_t get_pf_rep[] = { HDR(15, REP, 8), U64(0x8209) };
	static const uint8_t set_pf[] = { HDR(16, REQ, 8), U64(0x8209) };
	static const uint8_t get_qn[] = { HDR(17, REQ, 0) };
	static const uint8_t get_qn_rep[] = { HDR(17, REP, 8), U64(4) };
	static const uint8_t reset_dev[] = { HDR(34, REQ, 0) };
	struct lvh_msg m, e;
	uint64_t v;
	uint32_t n;

	G_REQ(m, FE, get_req, 0, 0);
	g_init(&e, LIBVHOST_USER_GET_FEATURES, REQ);
	G_SAME(e, get_req, 0);
	G_REP(m, FE, LIBVHOST_USER_GET_FEATURES, BODY, get_rep, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0x0000000160000000ULL);
	ck_assert(v & (1ULL << LIBVHOST_USER_F_PROTOCOL_FEATURES));
	lvh_msg_init_reply(&e, &m);
	lvh_msg_set_u64(&e, v);
	G_SAME(e, get_rep, 0);

	G_REQ(m, FE, set_req, 0, PROTO_BIT(REPLY_ACK));
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0x0000000140000000ULL);
	g_init(&e, LIBVHOST_USER_SET_FEATURES, NEED);
	lvh_msg_set_u64(&e, v);
	G_SAME(e, set_req, 0);
	G_REP(m, FE, LIBVHOST_USER_SET_FEATURES, ACK, ack0, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0);

	G_REQ(m, FE, set_owner, 0, 0);
	g_init(&e, LIBVHOST_USER_SET_OWNER, REQ);
	G_SAME(e, set_owner, 0);
	G_REQ(m, FE, reset_owner, 0, 0);
	g_init(&e, LIBVHOST_USER_RESET_OWNER, REQ);
	G_SAME(e, reset_owner, 0);
	G_REQ(m, FE, reset_dev, 0, PROTO_BIT(RESET_DEVICE));
	g_init(&e, LIBVHOST_USER_RESET_DEVICE, REQ);
	G_SAME(e, reset_dev, 0);

	G_REQ(m, FE, get_pf, 0, 0);
	G_REP(m, FE, LIBVHOST_USER_GET_PROTOCOL_FEATURES, BODY, get_pf_rep, 0);
	ck_assert_int_eq(lvh_msg_get_u64(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, PROTO_BIT(MQ) | PROTO_BIT(REPLY_ACK) | PROTO_BIT(CONFIG) |
				     PROTO_BIT(CONFIGURE_MEM_SLOTS));
	G_REQ(m, FE, set_pf, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_protocol_features(gctx, &m, &v), 0);
	ck_assert_uint_eq(v, 0x8209);
	g_init(&e, LIBVHOST_USER_SET_PROTOCOL_FEATURES, REQ);
	lvh_msg_set_u64(&e, 0x8209);
	G_SAME(e, set_pf, 0);

	G_REQ(m, FE, get_qn, 0, PROTO_BIT(MQ));
	G_REP(m, FE, LIBVHOST_USER_GET_QUEUE_NUM, BODY, get_qn_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_queue_num(gctx, &m, &n), 0);
	ck_assert_uint_eq(n, 4);
}
END_TEST

START_TEST(test_features_malformed)
{
	/* in-band notifications without BACKEND_REQ and REPLY_ACK */
	static const uint8_t inband_alone[] = { HDR(16, REQ, 8), U64(1ULL << 14) };
	static const uint8_t inband_no_ack[] = { HDR(16, REQ, 8), U64((1ULL << 14) | (1ULL << 5)) };
	static const uint8_t inband_ok[] = { HDR(16, REQ, 8), U64((1ULL << 14) | (1ULL << 5) | (1ULL << 3)) };
	/* GET_VRING_BASE_INFLIGHT without INFLIGHT_SHMFD */
	static const uint8_t gvbi[] = { HDR(16, REQ, 8), U64(1ULL << 20) };
	static const uint8_t qn0[] = { HDR(17, REP, 8), U64(0) };
	static const uint8_t qn_big[] = { HDR(17, REP, 8), U64(0x8001) };
	static const uint8_t qn_huge[] = { HDR(17, REP, 8), U64(0x100000001ULL) };
	static const uint8_t short_u64[] = { HDR(2, REQ, 7), 0, 0, 0, 0, 0, 0, 0 };
	struct lvh_msg m;
	uint64_t v;
	uint32_t n;

	G_BAD(m, inband_alone, 0, -EPROTO, lvh_msg_decode_protocol_features(gctx, &m, &v));
	G_BAD(m, inband_no_ack, 0, -EPROTO, lvh_msg_decode_protocol_features(gctx, &m, &v));
	G_REQ(m, FE, inband_ok, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_protocol_features(gctx, &m, &v), 0);
	G_BAD(m, gvbi, 0, -EPROTO, lvh_msg_decode_protocol_features(gctx, &m, &v));
	G_BAD(m, qn0, 0, -EPROTO, lvh_msg_decode_queue_num(gctx, &m, &n));
	G_BAD(m, qn_big, 0, -EPROTO, lvh_msg_decode_queue_num(gctx, &m, &n));
	G_BAD(m, qn_huge, 0, -EPROTO, lvh_msg_decode_queue_num(gctx, &m, &n));
	G_BAD(m, short_u64, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, 0));
	G_BAD(m, short_u64, 0, -EBADMSG, lvh_msg_get_u64(gctx, &m, &v));
	/* REPLY set on a request; NEED_REPLY without REPLY_ACK; the MQ gate */
	{
		static const uint8_t rep_on_req[] = { HDR(3, REP, 0) };
		static const uint8_t need_no_ack[] = { HDR(3, NEED, 0) };
		static const uint8_t qn_no_mq[] = { HDR(17, REQ, 0) };
		static const uint8_t owner_fd[] = { HDR(3, REQ, 0) };

		G_BAD(m, rep_on_req, 0, -EPROTO, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
		G_BAD(m, need_no_ack, 0, -EPROTO, lvh_proto_check_request(gctx, FE, &m, 0));
		G_BAD(m, qn_no_mq, 0, -EOPNOTSUPP,
		      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(MQ)));
		G_BAD(m, owner_fd, 1, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
	}
}
END_TEST

/* ---- memory ---- */

#define GPA0 0x0ULL
#define UVA0 0x7f1200000000ULL
#define GPA1 0x100000000ULL
#define UVA1 0x7f1300000000ULL

START_TEST(test_mem_golden)
{
	/* SET_MEM_TABLE: 2 regions {gpa, size, uva, mmap_offset}, one fd each */
	static const uint8_t table[] = {
		HDR(5, REQ, 8 + 2 * 32), U32(2), PAD4,
		U64(GPA0), U64(0x80000000), U64(UVA0), U64(0),
		U64(GPA1), U64(0x40000000), U64(UVA1), U64(0x80000000),
	};
	/* the same with XEN_MMAP: + {u32 xen_mmap_flags, u32 domid} per region */
	static const uint8_t table_xen[] = {
		HDR(5, REQ, 8 + 1 * 40), U32(1), PAD4,
		U64(GPA0), U64(0x1000000), U64(UVA0), U64(0), U32(0x1 | 0x100), U32(7),
	};
	/* postcopy: the back-end's reply lists where it mapped each region, no fds */
	static const uint8_t table_postcopy_rep[] = {
		HDR(5, REP, 8 + 32), U32(1), PAD4,
		U64(GPA0), U64(0x80000000), U64(0x7fab00000000ULL), U64(0),
	};
	/* ADD_MEM_REG / REM_MEM_REG: {u64 padding, region} */
	static const uint8_t add[] = {
		HDR(37, REQ, 40), PAD8, U64(GPA1), U64(0x200000), U64(UVA1), U64(0x1000),
	};
	static const uint8_t rem[] = {
		HDR(38, REQ, 40), PAD8, U64(GPA1), U64(0x200000), U64(UVA1), U64(0),
	};
	static const uint8_t add_xen[] = {
		HDR(37, REQ, 48), PAD8, U64(GPA1), U64(0x200000), U64(UVA1), U64(0), U32(0x2), U32(3),
	};
	static const uint8_t slots_req[] = { HDR(36, REQ, 0) };
	static const uint8_t slots_rep[] = { HDR(36, REP, 8), U64(509) };
	static const uint8_t slots_rep_big[] = { HDR(36, REP, 8), U64(4096) };
	struct lvh_mem_table t;
	struct lvh_mem_region r;
	struct lvh_msg m, e;
	int fds[2] = { 100, 101 };
	uint32_t slots;

	G_REQ(m, FE, table, 2, 0);
	ck_assert_int_eq(lvh_msg_decode_mem_table(gctx, &m, false, true, &t), 0);
	ck_assert_uint_eq(t.nregions, 2);
	ck_assert_uint_eq(t.regions[0].guest_addr, GPA0);
	ck_assert_uint_eq(t.regions[0].size, 0x80000000);
	ck_assert_uint_eq(t.regions[0].user_addr, UVA0);
	ck_assert_uint_eq(t.regions[0].mmap_offset, 0);
	ck_assert_uint_eq(t.regions[1].guest_addr, GPA1);
	ck_assert_uint_eq(t.regions[1].size, 0x40000000);
	ck_assert_uint_eq(t.regions[1].user_addr, UVA1);
	ck_assert_uint_eq(t.regions[1].mmap_offset, 0x80000000);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_MEM_TABLE, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, fds), 0);
	ck_assert_int_eq(e.fds[1], 101);
	G_SAME(e, table, 2);

	G_REQ(m, FE, table_xen, 1, 0);
	ck_assert_int_eq(lvh_msg_decode_mem_table(gctx, &m, true, true, &t), 0);
	ck_assert_uint_eq(t.nregions, 1);
	ck_assert_uint_eq(t.regions[0].xen_mmap_flags, LVH_XEN_MMAP_FOREIGN | LVH_XEN_MMAP_ON_DEMAND);
	ck_assert_uint_eq(t.regions[0].domid, 7);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_MEM_TABLE, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, true, fds), 0);
	G_SAME(e, table_xen, 1);

	G_REP(m, FE, LIBVHOST_USER_SET_MEM_TABLE, BODY, table_postcopy_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_mem_table(gctx, &m, false, false, &t), 0);
	ck_assert_uint_eq(t.regions[0].user_addr, 0x7fab00000000ULL);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&e, &t, false, NULL), 0);
	G_SAME(e, table_postcopy_rep, 0);

	G_REQ(m, FE, add, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS));
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, false, &r), 0);
	ck_assert_uint_eq(r.guest_addr, GPA1);
	ck_assert_uint_eq(r.size, 0x200000);
	ck_assert_uint_eq(r.user_addr, UVA1);
	ck_assert_uint_eq(r.mmap_offset, 0x1000);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_ADD_MEM_REG, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, false, 100), 0);
	G_SAME(e, add, 1);

	/* REM_MEM_REG: no fd; one (from an old front-end) is accepted too */
	G_REQ(m, FE, rem, 0, PROTO_BIT(CONFIGURE_MEM_SLOTS));
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, false, &r), 0);
	g_init(&e, LIBVHOST_USER_REM_MEM_REG, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, false, -1), 0);
	G_SAME(e, rem, 0);
	G_REQ(m, FE, rem, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS));
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, false, &r), 0);
	lvh_msg_close_fds(&m);

	G_REQ(m, FE, add_xen, 1, PROTO_BIT(CONFIGURE_MEM_SLOTS));
	ck_assert_int_eq(lvh_msg_decode_mem_region(gctx, &m, true, &r), 0);
	ck_assert_uint_eq(r.xen_mmap_flags, LVH_XEN_MMAP_GRANT);
	ck_assert_uint_eq(r.domid, 3);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_ADD_MEM_REG, REQ);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&e, &r, true, 100), 0);
	G_SAME(e, add_xen, 1);

	G_REQ(m, FE, slots_req, 0, PROTO_BIT(CONFIGURE_MEM_SLOTS));
	G_REP(m, FE, LIBVHOST_USER_GET_MAX_MEM_SLOTS, BODY, slots_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_max_mem_slots(gctx, &m, &slots), 0);
	ck_assert_uint_eq(slots, 509);
	/* more than we can use is capped, not refused */
	G_REP(m, FE, LIBVHOST_USER_GET_MAX_MEM_SLOTS, BODY, slots_rep_big, 0);
	ck_assert_int_eq(lvh_msg_decode_max_mem_slots(gctx, &m, &slots), 0);
	ck_assert_uint_eq(slots, LIBVHOST_USER_MAX_MEM_SLOTS);
}
END_TEST

START_TEST(test_mem_malformed)
{
	/* nine regions: one more than SET_MEM_TABLE may carry */
	static const uint8_t too_many[] = { HDR(5, REQ, 8), U32(9), PAD4 };
	/* says 2 regions, carries 1 */
	static const uint8_t short_table[] = {
		HDR(5, REQ, 40), U32(2), PAD4, U64(0), U64(0x1000), U64(UVA0), U64(0),
	};
	static const uint8_t one[] = {
		HDR(5, REQ, 40), U32(1), PAD4, U64(0), U64(0x1000), U64(UVA0), U64(0),
	};
	/* gpa + size wraps past 2^64 */
	static const uint8_t wrap_gpa[] = {
		HDR(5, REQ, 40), U32(1), PAD4, U64(0xfffffffffffff000ULL), U64(0x2000), U64(UVA0), U64(0),
	};
	/* ends exactly at 2^64: valid */
	static const uint8_t edge_gpa[] = {
		HDR(5, REQ, 40), U32(1), PAD4, U64(0xfffffffffffff000ULL), U64(0x1000), U64(UVA0), U64(0),
	};
	static const uint8_t wrap_uva[] = {
		HDR(5, REQ, 40), U32(1), PAD4, U64(0), U64(0x2000), U64(0xffffffffffffffffULL), U64(0),
	};
	static const uint8_t wrap_off[] = {
		HDR(5, REQ, 40), U32(1), PAD4, U64(0), U64(0x2000), U64(UVA0), U64(0xfffffffffffff001ULL),
	};
	static const uint8_t empty_region[] = {
		HDR(5, REQ, 40), U32(1), PAD4, U64(0), U64(0), U64(UVA0), U64(0),
	};
	static const uint8_t overlap[] = {
		HDR(5, REQ, 72), U32(2), PAD4,
		U64(0), U64(0x2000), U64(UVA0), U64(0),
		U64(0x1000), U64(0x2000), U64(UVA1), U64(0),
	};
	static const uint8_t xen_both[] = {
		HDR(5, REQ, 48), U32(1), PAD4, U64(0), U64(0x1000), U64(UVA0), U64(0), U32(3), U32(1),
	};
	static const uint8_t xen_unknown[] = {
		HDR(5, REQ, 48), U32(1), PAD4, U64(0), U64(0x1000), U64(UVA0), U64(0), U32(0x11), U32(1),
	};
	static const uint8_t add_wrap[] = {
		HDR(37, REQ, 40), PAD8, U64(0), U64(0x1000), U64(0xfffffffffffff001ULL), U64(0),
	};
	static const uint8_t add_xen_size_plain[] = {
		HDR(37, REQ, 48), PAD8, U64(0), U64(0x1000), U64(UVA0), U64(0), U32(1), U32(0),
	};
	static const uint8_t slots0[] = { HDR(36, REP, 8), U64(0) };
	struct lvh_mem_table t;
	struct lvh_mem_region r;
	struct lvh_msg m;
	uint32_t slots;

	G_BAD(m, too_many, 0, -ENOSPC, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	G_BAD(m, short_table, 2, -EBADMSG, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	/* missing fd, extra fd, fds on the postcopy reply form */
	G_BAD(m, one, 0, -EBADMSG, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	G_BAD(m, one, 2, -EBADMSG, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	G_BAD(m, one, 1, -EBADMSG, lvh_msg_decode_mem_table(gctx, &m, false, false, &t));
	/* a plain table read with the Xen layout does not fit */
	G_BAD(m, one, 1, -EBADMSG, lvh_msg_decode_mem_table(gctx, &m, true, true, &t));
	G_BAD(m, wrap_gpa, 1, -EPROTO, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	G_BAD(m, wrap_uva, 1, -EPROTO, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	G_BAD(m, wrap_off, 1, -EPROTO, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	G_BAD(m, empty_region, 1, -EPROTO, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	G_BAD(m, overlap, 2, -EPROTO, lvh_msg_decode_mem_table(gctx, &m, false, true, &t));
	G_BAD(m, xen_both, 1, -EPROTO, lvh_msg_decode_mem_table(gctx, &m, true, true, &t));
	G_BAD(m, xen_unknown, 1, -EPROTO, lvh_msg_decode_mem_table(gctx, &m, true, true, &t));
	G_BAD(m, add_wrap, 1, -EPROTO, lvh_msg_decode_mem_region(gctx, &m, false, &r));
	G_BAD(m, add_xen_size_plain, 1, -EBADMSG, lvh_msg_decode_mem_region(gctx, &m, false, &r));
	G_BAD(m, slots0, 0, -EPROTO, lvh_msg_decode_max_mem_slots(gctx, &m, &slots));
	/* ADD_MEM_REG without its fd; with CONFIGURE_MEM_SLOTS not negotiated */
	{
		static const uint8_t add[] = {
			HDR(37, REQ, 40), PAD8, U64(0), U64(0x1000), U64(UVA0), U64(0),
		};
		G_BAD(m, add, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
		G_BAD(m, add, 2, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
		G_BAD(m, add, 1, -EOPNOTSUPP,
		      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(CONFIGURE_MEM_SLOTS)));
	}

	/* the valid edge: a region ending exactly at 2^64 */
	G_REQ(m, FE, edge_gpa, 1, 0);
	ck_assert_int_eq(lvh_msg_decode_mem_table(gctx, &m, false, true, &t), 0);
	lvh_msg_close_fds(&m);
}
END_TEST

/* ---- vrings ---- */

START_TEST(test_vring_golden)
{
	static const uint8_t num[] = { HDR(8, REQ, 8), U32(1), U32(256) };
	static const uint8_t addr[] = {
		HDR(9, REQ, 40), U32(1), U32(1), /* index, flags = LOG */
		U64(0x7f1200001000ULL), U64(0x7f1200003000ULL), /* desc, used */
		U64(0x7f1200002000ULL), U64(0x3000), /* avail, log guest address */
	};
	static const uint8_t base[] = { HDR(10, REQ, 8), U32(0), U32(17) };
	static const uint8_t get_base[] = { HDR(11, REQ, 8), U32(2), U32(0) };
	static const uint8_t get_base_rep[] = { HDR(11, REP, 8), U32(2), U32(4242) };
	/* packed layout: avail 5, avail wrap, used 3, no used wrap */
	static const uint8_t base_packed[] = { HDR(10, REQ, 8), U32(0), U32(5 | 1u << 15 | 3u << 16) };
	static const uint8_t kick[] = { HDR(12, REQ, 8), U64(3) };
	static const uint8_t call_nofd[] = { HDR(13, REQ, 8), U64(0x100 | 255) };
	static const uint8_t err[] = { HDR(14, REQ, 8), U64(0) };
	static const uint8_t enable[] = { HDR(18, REQ, 8), U32(7), U32(1) };
	static const uint8_t endian[] = { HDR(23, REQ, 8), U32(0), U32(1) };
	static const uint8_t inband_kick[] = { HDR(35, REQ, 8), U32(0x7fff), U32(0) };
	struct lvh_vring_packed_base pb;
	struct lvh_vring_state s;
	struct lvh_vring_addr a;
	struct lvh_vring_fd f;
	struct lvh_msg m, e;

	G_REQ(m, FE, num, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.index, 1);
	ck_assert_uint_eq(s.num, 256);
	g_init(&e, LIBVHOST_USER_SET_VRING_NUM, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &s), 0);
	G_SAME(e, num, 0);

	G_REQ(m, FE, addr, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_addr(gctx, &m, &a), 0);
	ck_assert_uint_eq(a.index, 1);
	ck_assert_uint_eq(a.flags, 1u << LIBVHOST_VRING_F_LOG);
	ck_assert_uint_eq(a.desc, 0x7f1200001000ULL);
	ck_assert_uint_eq(a.used, 0x7f1200003000ULL);
	ck_assert_uint_eq(a.avail, 0x7f1200002000ULL);
	ck_assert_uint_eq(a.log, 0x3000);
	g_init(&e, LIBVHOST_USER_SET_VRING_ADDR, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_addr(&e, &a), 0);
	G_SAME(e, addr, 0);

	G_REQ(m, FE, base, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.num, 17);
	g_init(&e, LIBVHOST_USER_SET_VRING_BASE, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &s), 0);
	G_SAME(e, base, 0);

	G_REQ(m, FE, get_base, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.index, 2);
	G_REP(m, FE, LIBVHOST_USER_GET_VRING_BASE, BODY, get_base_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.num, 4242);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &s), 0);
	G_SAME(e, get_base_rep, 0);

	G_REQ(m, FE, base_packed, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	lvh_vring_packed_base_unpack(s.num, &pb);
	ck_assert_uint_eq(pb.avail_idx, 5);
	ck_assert(pb.avail_wrap);
	ck_assert_uint_eq(pb.used_idx, 3);
	ck_assert(!pb.used_wrap);
	ck_assert_uint_eq(lvh_vring_packed_base_pack(&pb), s.num);
	pb.used_wrap = true;
	ck_assert_uint_eq(lvh_vring_packed_base_pack(&pb), s.num | 1u << 31);

	G_REQ(m, FE, kick, 1, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_fd(gctx, &m, &f), 0);
	ck_assert_uint_eq(f.index, 3);
	ck_assert(!f.nofd);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_VRING_KICK, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_fd(&e, &f, 100), 0);
	G_SAME(e, kick, 1);

	G_REQ(m, FE, call_nofd, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_fd(gctx, &m, &f), 0);
	ck_assert_uint_eq(f.index, 255);
	ck_assert(f.nofd);
	g_init(&e, LIBVHOST_USER_SET_VRING_CALL, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_fd(&e, &f, -1), 0);
	G_SAME(e, call_nofd, 0);

	G_REQ(m, FE, err, 1, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_fd(gctx, &m, &f), 0);
	ck_assert_uint_eq(f.index, 0);
	lvh_msg_close_fds(&m);

	G_REQ(m, FE, enable, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.index, 7);
	ck_assert_uint_eq(s.num, 1);
	g_init(&e, LIBVHOST_USER_SET_VRING_ENABLE, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &s), 0);
	G_SAME(e, enable, 0);

	G_REQ(m, FE, endian, 0, PROTO_BIT(CROSS_ENDIAN));
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.num, 1);

	/* the highest index the protocol allows */
	G_REQ(m, FE, inband_kick, 0, PROTO_BIT(INBAND_NOTIFICATIONS));
	ck_assert_int_eq(lvh_msg_decode_vring_state(gctx, &m, &s), 0);
	ck_assert_uint_eq(s.index, LIBVHOST_USER_MAX_VRINGS - 1);
	g_init(&e, LIBVHOST_USER_VRING_KICK, REQ);
	ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &s), 0);
	G_SAME(e, inband_kick, 0);
}
END_TEST

START_TEST(test_vring_malformed)
{
	static const uint8_t idx_over[] = { HDR(8, REQ, 8), U32(0x8000), U32(256) };
	static const uint8_t idx_huge[] = { HDR(10, REQ, 8), U32(0xffffffff), U32(0) };
	static const uint8_t num0[] = { HDR(8, REQ, 8), U32(0), U32(0) };
	static const uint8_t num_big[] = { HDR(8, REQ, 8), U32(0), U32(32769) };
	static const uint8_t enable2[] = { HDR(18, REQ, 8), U32(0), U32(2) };
	static const uint8_t endian2[] = { HDR(23, REQ, 8), U32(0), U32(2) };
	static const uint8_t kick_num[] = { HDR(35, REQ, 8), U32(0), U32(1) };
	static const uint8_t addr_idx[] = {
		HDR(9, REQ, 40), U32(0x8000), U32(0), U64(0), U64(0), U64(0), U64(0),
	};
	static const uint8_t addr_flags[] = {
		HDR(9, REQ, 40), U32(0), U32(2), U64(0), U64(0), U64(0), U64(0),
	};
	static const uint8_t fd_bits[] = { HDR(12, REQ, 8), U64(0x200) };
	static const uint8_t fd_high[] = { HDR(13, REQ, 8), U64(1ULL << 40) };
	static const uint8_t fd_ok[] = { HDR(14, REQ, 8), U64(1) };
	static const uint8_t fd_nofd[] = { HDR(14, REQ, 8), U64(0x101) };
	static const uint8_t addr_short[] = { HDR(9, REQ, 39), U32(0), U32(0), U64(0), U64(0), U64(0),
					      0, 0, 0, 0, 0, 0, 0 };
	struct lvh_vring_state s;
	struct lvh_vring_addr a;
	struct lvh_vring_fd f;
	struct lvh_msg m;

	G_BAD(m, idx_over, 0, -EPROTO, lvh_msg_decode_vring_state(gctx, &m, &s));
	G_BAD(m, idx_huge, 0, -EPROTO, lvh_msg_decode_vring_state(gctx, &m, &s));
	G_BAD(m, num0, 0, -EPROTO, lvh_msg_decode_vring_state(gctx, &m, &s));
	G_BAD(m, num_big, 0, -EPROTO, lvh_msg_decode_vring_state(gctx, &m, &s));
	G_BAD(m, enable2, 0, -EPROTO, lvh_msg_decode_vring_state(gctx, &m, &s));
	G_BAD(m, endian2, 0, -EPROTO, lvh_msg_decode_vring_state(gctx, &m, &s));
	G_BAD(m, kick_num, 0, -EPROTO, lvh_msg_decode_vring_state(gctx, &m, &s));
	G_BAD(m, addr_idx, 0, -EPROTO, lvh_msg_decode_vring_addr(gctx, &m, &a));
	G_BAD(m, addr_flags, 0, -EPROTO, lvh_msg_decode_vring_addr(gctx, &m, &a));
	G_BAD(m, addr_short, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, 0));
	G_BAD(m, addr_short, 0, -EBADMSG, lvh_msg_decode_vring_addr(gctx, &m, &a));
	G_BAD(m, fd_bits, 1, -EPROTO, lvh_msg_decode_vring_fd(gctx, &m, &f));
	G_BAD(m, fd_high, 1, -EPROTO, lvh_msg_decode_vring_fd(gctx, &m, &f));
	/* the fd must match the NOFD bit */
	G_BAD(m, fd_ok, 0, -EBADMSG, lvh_msg_decode_vring_fd(gctx, &m, &f));
	G_BAD(m, fd_nofd, 1, -EBADMSG, lvh_msg_decode_vring_fd(gctx, &m, &f));
	G_BAD(m, fd_ok, 2, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, 0));

	/* the encoders refuse what the decoders refuse */
	{
		struct lvh_msg e;
		struct lvh_vring_state bad = { .index = 0x8000, .num = 1 };
		struct lvh_vring_fd badfd = { .index = 256 };

		g_init(&e, LIBVHOST_USER_SET_VRING_NUM, REQ);
		ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &bad), -EINVAL);
		bad.index = 0;
		bad.num = 0;
		ck_assert_int_eq(lvh_msg_encode_vring_state(&e, &bad), -EINVAL);
		g_init(&e, LIBVHOST_USER_SET_VRING_KICK, REQ);
		ck_assert_int_eq(lvh_msg_encode_vring_fd(&e, &badfd, 3), -EINVAL);
		badfd.index = 0;
		ck_assert_int_eq(lvh_msg_encode_vring_fd(&e, &badfd, -1), -EINVAL);
	}
}
END_TEST

/* ---- config space ---- */

START_TEST(test_config_golden)
{
	/* GET_CONFIG asks for 8 bytes at offset 0: the data bytes are sent as zeros */
	static const uint8_t get_req[] = { HDR(24, REQ, 20), U32(0), U32(8), U32(0), PAD8 };
	/* virtio-blk capacity = 0x200000 sectors */
	static const uint8_t get_rep[] = { HDR(24, REP, 20), U32(0), U32(8), U32(0), U64(0x200000) };
	/* SET_CONFIG for live migration, 4 bytes at offset 20 */
	static const uint8_t set_req[] = { HDR(25, REQ, 16), U32(20), U32(4), U32(1), 0xde, 0xad, 0xbe, 0xef };
	struct lvh_config c;
	struct lvh_msg m, e;
	uint64_t cap;

	G_REQ(m, FE, get_req, 0, PROTO_BIT(CONFIG));
	ck_assert_int_eq(lvh_msg_decode_config(gctx, &m, &c), 0);
	ck_assert_uint_eq(c.offset, 0);
	ck_assert_uint_eq(c.size, 8);
	ck_assert_uint_eq(c.flags, LVH_CONFIG_F_WRITABLE);
	c.data = NULL;
	g_init(&e, LIBVHOST_USER_GET_CONFIG, REQ);
	ck_assert_int_eq(lvh_msg_encode_config(&e, &c), 0);
	G_SAME(e, get_req, 0);

	G_REP(m, FE, LIBVHOST_USER_GET_CONFIG, BODY, get_rep, 0);
	ck_assert_int_eq(lvh_msg_decode_config_reply(gctx, &m, 0, 8, &c), 0);
	memcpy(&cap, c.data, 8);
	ck_assert_uint_eq(cap, 0x200000);
	lvh_msg_init_reply(&e, &m);
	{
		struct lvh_config copy = c;
		uint8_t data[8];

		memcpy(data, c.data, 8);
		copy.data = data;
		ck_assert_int_eq(lvh_msg_encode_config(&e, &copy), 0);
	}
	G_SAME(e, get_rep, 0);

	G_REQ(m, FE, set_req, 0, PROTO_BIT(CONFIG));
	ck_assert_int_eq(lvh_msg_decode_config(gctx, &m, &c), 0);
	ck_assert_uint_eq(c.offset, 20);
	ck_assert_uint_eq(c.size, 4);
	ck_assert_uint_eq(c.flags, LVH_CONFIG_F_MIGRATION);
	ck_assert_uint_eq(c.data[0], 0xde);
	ck_assert_uint_eq(c.data[3], 0xef);
}
END_TEST

START_TEST(test_config_malformed)
{
	/* announces 8 bytes, carries 4 */
	static const uint8_t mismatch[] = { HDR(25, REQ, 16), U32(0), U32(8), U32(0), PAD4 };
	/* offset + size past the limit (4084) */
	static const uint8_t over[] = { HDR(25, REQ, 16), U32(4081), U32(4), U32(0), PAD4 };
	static const uint8_t wrap[] = { HDR(25, REQ, 16), U32(0xfffffffe), U32(4), U32(0), PAD4 };
	static const uint8_t flags2[] = { HDR(25, REQ, 16), U32(0), U32(4), U32(2), PAD4 };
	/* the back-end's way of saying it failed: size 0 */
	static const uint8_t failed[] = { HDR(24, REP, 12), U32(0), U32(0), U32(0) };
	static const uint8_t other_range[] = { HDR(24, REP, 16), U32(4), U32(4), U32(0), PAD4 };
	static const uint8_t short_hdr[] = { HDR(24, REP, 8), U32(0), U32(0) };
	/* exactly at the limit: valid */
	static const uint8_t edge[] = { HDR(25, REQ, 16), U32(4080), U32(4), U32(0), PAD4 };
	struct lvh_config c;
	struct lvh_msg m;

	G_BAD(m, mismatch, 0, -EBADMSG, lvh_msg_decode_config(gctx, &m, &c));
	G_BAD(m, over, 0, -EPROTO, lvh_msg_decode_config(gctx, &m, &c));
	G_BAD(m, wrap, 0, -EPROTO, lvh_msg_decode_config(gctx, &m, &c));
	G_BAD(m, flags2, 0, -EPROTO, lvh_msg_decode_config(gctx, &m, &c));
	G_BAD(m, failed, 0, -EIO, lvh_msg_decode_config_reply(gctx, &m, 0, 8, &c));
	G_BAD(m, other_range, 0, -EPROTO, lvh_msg_decode_config_reply(gctx, &m, 0, 4, &c));
	G_BAD(m, short_hdr, 0, -EBADMSG,
	      lvh_proto_check_reply(gctx, FE, LIBVHOST_USER_GET_CONFIG, BODY, &m));
	G_BAD(m, short_hdr, 0, -EBADMSG, lvh_msg_decode_config_reply(gctx, &m, 0, 0, &c));
	G_BAD(m, edge, 0, -EOPNOTSUPP,
	      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(CONFIG)));
	G_REQ(m, FE, edge, 0, ALL_PROTO);
	ck_assert_int_eq(lvh_msg_decode_config(gctx, &m, &c), 0);
	{
		struct lvh_msg e;
		struct lvh_config bad = { .offset = 4084, .size = 1 };

		g_init(&e, LIBVHOST_USER_SET_CONFIG, REQ);
		ck_assert_int_eq(lvh_msg_encode_config(&e, &bad), -EINVAL);
	}
}
END_TEST

/* ---- dirty log ---- */

START_TEST(test_log_golden)
{
	/* SET_LOG_BASE {size, offset} + the log memfd; the reply is a u64 */
	static const uint8_t base[] = { HDR(6, REQ, 16), U64(0x8000), U64(0x1000) };
	static const uint8_t base_rep[] = { HDR(6, REP, 8), U64(0) };
	static const uint8_t log_fd[] = { HDR(7, REQ, 0) };
	struct lvh_log l;
	struct lvh_msg m, e;

	G_REQ(m, FE, base, 1, PROTO_BIT(LOG_SHMFD));
	ck_assert_int_eq(lvh_msg_decode_log_base(gctx, &m, &l), 0);
	ck_assert_uint_eq(l.size, 0x8000);
	ck_assert_uint_eq(l.offset, 0x1000);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_LOG_BASE, REQ);
	ck_assert_int_eq(lvh_msg_encode_log_base(&e, &l, 100), 0);
	G_SAME(e, base, 1);
	G_REP(m, FE, LIBVHOST_USER_SET_LOG_BASE, BODY, base_rep, 0);

	G_REQ(m, FE, log_fd, 1, 0);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_LOG_FD, REQ);
	ck_assert_int_eq(lvh_msg_add_fd(&e, 100), 0);
	G_SAME(e, log_fd, 1);
}
END_TEST

START_TEST(test_log_malformed)
{
	static const uint8_t empty[] = { HDR(6, REQ, 16), U64(0), U64(0) };
	static const uint8_t wrap[] = { HDR(6, REQ, 16), U64(0x2000), U64(0xfffffffffffff000ULL) };
	static const uint8_t ok[] = { HDR(6, REQ, 16), U64(0x1000), U64(0) };
	static const uint8_t log_fd[] = { HDR(7, REQ, 0) };
	struct lvh_log l;
	struct lvh_msg m;

	G_BAD(m, empty, 1, -EPROTO, lvh_msg_decode_log_base(gctx, &m, &l));
	G_BAD(m, wrap, 1, -EPROTO, lvh_msg_decode_log_base(gctx, &m, &l));
	G_BAD(m, ok, 0, -EBADMSG, lvh_msg_decode_log_base(gctx, &m, &l));
	G_BAD(m, ok, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
	G_BAD(m, ok, 1, -EOPNOTSUPP,
	      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(LOG_SHMFD)));
	G_BAD(m, log_fd, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
	G_BAD(m, log_fd, 2, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
}
END_TEST

/* ---- IOTLB ---- */

START_TEST(test_iotlb_golden)
{
	/* front-end UPDATE, as QEMU sends it: the 32-byte C struct (6 padding bytes) */
	static const uint8_t update[] = {
		HDR(22, REQ, 32), U64(0x10000), U64(0x2000), U64(0x7f1200010000ULL),
		3, 2, 0, 0, PAD4, /* perm RW, type UPDATE, padding */
	};
	/* the same fields packed into 26 bytes, as a packed-struct peer sends them */
	static const uint8_t update26[] = {
		HDR(22, REQ, 26), U64(0x10000), U64(0x2000), U64(0x7f1200010000ULL), 3, 2,
	};
	static const uint8_t invalidate[] = {
		HDR(22, REQ, 32), U64(0x10000), U64(0x2000), U64(0), 0, 3, 0, 0, PAD4,
	};
	static const uint8_t status[] = { HDR(22, REP, 8), U64(0) };
	/* back-end MISS: iova and perm */
	static const uint8_t miss[] = {
		HDR(1, NEED, 32), U64(0x20000), U64(0), U64(0), 1, 1, 0, 0, PAD4,
	};
	static const uint8_t access_fail[] = {
		HDR(1, REQ, 32), U64(0x30000), U64(0), U64(0), 2, 4, 0, 0, PAD4,
	};
	struct lvh_iotlb t;
	struct lvh_msg m, e;

	G_REQ(m, FE, update, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_iotlb(gctx, &m, FE, &t), 0);
	ck_assert_uint_eq(t.iova, 0x10000);
	ck_assert_uint_eq(t.size, 0x2000);
	ck_assert_uint_eq(t.uaddr, 0x7f1200010000ULL);
	ck_assert_uint_eq(t.perm, LVH_IOTLB_PERM_RW);
	ck_assert_uint_eq(t.type, LVH_IOTLB_UPDATE);
	g_init(&e, LIBVHOST_USER_IOTLB_MSG, REQ);
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, FE, &t), 0);
	G_SAME(e, update, 0);

	G_REQ(m, FE, update26, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_iotlb(gctx, &m, FE, &t), 0);
	ck_assert_uint_eq(t.type, LVH_IOTLB_UPDATE);
	ck_assert_uint_eq(t.uaddr, 0x7f1200010000ULL);

	G_REQ(m, FE, invalidate, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_iotlb(gctx, &m, FE, &t), 0);
	ck_assert_uint_eq(t.type, LVH_IOTLB_INVALIDATE);
	g_init(&e, LIBVHOST_USER_IOTLB_MSG, REQ);
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, FE, &t), 0);
	G_SAME(e, invalidate, 0);
	G_REP(m, FE, LIBVHOST_USER_IOTLB_MSG, BODY, status, 0);

	G_REQ(m, BE, miss, 0, ALL_PROTO);
	ck_assert_int_eq(lvh_msg_decode_iotlb(gctx, &m, BE, &t), 0);
	ck_assert_uint_eq(t.type, LVH_IOTLB_MISS);
	ck_assert_uint_eq(t.iova, 0x20000);
	ck_assert_uint_eq(t.perm, LVH_IOTLB_PERM_RO);
	g_init(&e, LIBVHOST_USER_BACKEND_IOTLB_MSG, NEED);
	ck_assert_int_eq(lvh_msg_encode_iotlb(&e, BE, &t), 0);
	G_SAME(e, miss, 0);

	G_REQ(m, BE, access_fail, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_iotlb(gctx, &m, BE, &t), 0);
	ck_assert_uint_eq(t.type, LVH_IOTLB_ACCESS_FAIL);
	ck_assert_uint_eq(t.perm, LVH_IOTLB_PERM_WO);
}
END_TEST

START_TEST(test_iotlb_malformed)
{
	/* a back-end message type from the front-end, and the reverse */
	static const uint8_t fe_miss[] = { HDR(22, REQ, 32), U64(0), U64(0), U64(0), 1, 1, 0, 0, PAD4 };
	static const uint8_t be_update[] = {
		HDR(1, REQ, 32), U64(0), U64(0x1000), U64(0x1000), 3, 2, 0, 0, PAD4,
	};
	static const uint8_t perm4[] = { HDR(22, REQ, 32), U64(0), U64(0x1000), U64(0x1000), 4, 2, 0, 0, PAD4 };
	static const uint8_t type5[] = { HDR(22, REQ, 32), U64(0), U64(0x1000), U64(0x1000), 3, 5, 0, 0, PAD4 };
	static const uint8_t empty[] = { HDR(22, REQ, 32), U64(0), U64(0), U64(0x1000), 3, 2, 0, 0, PAD4 };
	static const uint8_t noperm[] = { HDR(22, REQ, 32), U64(0), U64(0x1000), U64(0x1000), 0, 2, 0, 0, PAD4 };
	static const uint8_t wrap_iova[] = {
		HDR(22, REQ, 32), U64(0xfffffffffffff000ULL), U64(0x2000), U64(0x1000), 3, 2, 0, 0, PAD4,
	};
	static const uint8_t wrap_uaddr[] = {
		HDR(22, REQ, 32), U64(0), U64(0x2000), U64(0xfffffffffffff000ULL), 3, 2, 0, 0, PAD4,
	};
	static const uint8_t edge[] = {
		HDR(22, REQ, 32), U64(0xfffffffffffff000ULL), U64(0x1000), U64(0x1000), 3, 2, 0, 0, PAD4,
	};
	static const uint8_t short25[] = {
		HDR(22, REQ, 25), U64(0), U64(0x1000), U64(0x1000), 3,
	};
	struct lvh_iotlb t;
	struct lvh_msg m;

	G_BAD(m, fe_miss, 0, -EPROTO, lvh_msg_decode_iotlb(gctx, &m, FE, &t));
	G_BAD(m, be_update, 0, -EPROTO, lvh_msg_decode_iotlb(gctx, &m, BE, &t));
	G_BAD(m, perm4, 0, -EPROTO, lvh_msg_decode_iotlb(gctx, &m, FE, &t));
	G_BAD(m, type5, 0, -EPROTO, lvh_msg_decode_iotlb(gctx, &m, FE, &t));
	G_BAD(m, empty, 0, -EPROTO, lvh_msg_decode_iotlb(gctx, &m, FE, &t));
	G_BAD(m, noperm, 0, -EPROTO, lvh_msg_decode_iotlb(gctx, &m, FE, &t));
	G_BAD(m, wrap_iova, 0, -EPROTO, lvh_msg_decode_iotlb(gctx, &m, FE, &t));
	G_BAD(m, wrap_uaddr, 0, -EPROTO, lvh_msg_decode_iotlb(gctx, &m, FE, &t));
	G_BAD(m, short25, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, 0));
	G_BAD(m, short25, 0, -EBADMSG, lvh_msg_decode_iotlb(gctx, &m, FE, &t));
	G_BAD(m, edge, 1, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, 0));
	G_REQ(m, FE, edge, 0, 0);
	ck_assert_int_eq(lvh_msg_decode_iotlb(gctx, &m, FE, &t), 0);
}
END_TEST

/* ---- inflight ---- */

START_TEST(test_inflight_golden)
{
	/* GET_INFLIGHT_FD request: 2 queues of 128; QEMU's 24-byte struct */
	static const uint8_t get_req[] = { HDR(31, REQ, 24), U64(0), U64(0), U16(2), U16(128), PAD4 };
	/*
	 * Reply (erratum: the spec's table says N/A): the area and its memfd.
	 * A split queue of 128 takes 16 + 128 * 16 = 2064 bytes, 2112 when
	 * aligned to 64; two queues: 4224.
	 */
	static const uint8_t get_rep[] = { HDR(31, REP, 24), U64(4224), U64(0), U16(2), U16(128), PAD4 };
	static const uint8_t set_req[] = { HDR(32, REQ, 24), U64(4224), U64(0), U16(2), U16(128), PAD4 };
	/* the 20 bytes of fields alone, as a packed-struct peer sends them */
	static const uint8_t set_req20[] = { HDR(32, REQ, 20), U64(8192), U64(4096), U16(2), U16(128) };
	struct lvh_inflight in;
	struct lvh_msg m, e;

	ck_assert_uint_eq(lvh_inflight_queue_region_size(128, false), 2112);
	/* packed: 32 + 128 * 32 = 4128, aligned 4160 */
	ck_assert_uint_eq(lvh_inflight_queue_region_size(128, true), 4160);

	G_REQ(m, FE, get_req, 0, PROTO_BIT(INFLIGHT_SHMFD));
	ck_assert_int_eq(lvh_msg_decode_inflight(gctx, &m, false, false, &in), 0);
	ck_assert_uint_eq(in.num_queues, 2);
	ck_assert_uint_eq(in.queue_size, 128);
	g_init(&e, LIBVHOST_USER_GET_INFLIGHT_FD, REQ);
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, -1), 0);
	G_SAME(e, get_req, 0);

	G_REP(m, FE, LIBVHOST_USER_GET_INFLIGHT_FD, BODY, get_rep, 1);
	ck_assert_int_eq(lvh_msg_decode_inflight(gctx, &m, true, false, &in), 0);
	ck_assert_uint_eq(in.mmap_size, 4224);
	ck_assert_uint_eq(in.mmap_offset, 0);
	lvh_msg_close_fds(&m);
	lvh_msg_init_reply(&e, &m);
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, 100), 0);
	G_SAME(e, get_rep, 1);

	G_REQ(m, FE, set_req, 1, PROTO_BIT(INFLIGHT_SHMFD));
	ck_assert_int_eq(lvh_msg_decode_inflight(gctx, &m, true, false, &in), 0);
	lvh_msg_close_fds(&m);
	g_init(&e, LIBVHOST_USER_SET_INFLIGHT_FD, REQ);
	ck_assert_int_eq(lvh_msg_encode_inflight(&e, &in, 100), 0);
	G_SAME(e, set_req, 1);

	G_REQ(m, FE, set_req20, 1, PROTO_BIT(INFLIGHT_SHMFD));
	ck_assert_int_eq(lvh_msg_decode_inflight(gctx, &m, true, false, &in), 0);
	ck_assert_uint_eq(in.mmap_size, 8192);
	ck_assert_uint_eq(in.mmap_offset, 4096);
	lvh_msg_close_fds(&m);
}
END_TEST

START_TEST(test_inflight_malformed)
{
	static const uint8_t q0[] = { HDR(31, REQ, 24), U64(0), U64(0), U16(0), U16(128), PAD4 };
	static const uint8_t qs0[] = { HDR(31, REQ, 24), U64(0), U64(0), U16(1), U16(0), PAD4 };
	static const uint8_t qs_big[] = { HDR(31, REQ, 24), U64(0), U64(0), U16(1), U16(0xffff), PAD4 };
	/* an area too small for its queues (the check DPDK lacks) */
	static const uint8_t small[] = { HDR(32, REQ, 24), U64(4223), U64(0), U16(2), U16(128), PAD4 };
	/* big enough as split, too small as packed */
	static const uint8_t split_only[] = { HDR(32, REQ, 24), U64(4224), U64(0), U16(2), U16(128), PAD4 };
	static const uint8_t wrap[] = {
		HDR(32, REQ, 24), U64(0x10000), U64(0xffffffffffff0001ULL), U16(1), U16(128), PAD4,
	};
	static const uint8_t rep_nofd[] = { HDR(31, REP, 24), U64(4224), U64(0), U16(2), U16(128), PAD4 };
	static const uint8_t huge[] = {
		HDR(32, REQ, 24), U64(0xffffffffffffffffULL), U64(0), U16(0xffff), U16(0x8000), PAD4,
	};
	struct lvh_inflight in;
	struct lvh_msg m;

	G_BAD(m, q0, 0, -EPROTO, lvh_msg_decode_inflight(gctx, &m, false, false, &in));
	G_BAD(m, qs0, 0, -EPROTO, lvh_msg_decode_inflight(gctx, &m, false, false, &in));
	G_BAD(m, qs_big, 0, -EPROTO, lvh_msg_decode_inflight(gctx, &m, false, false, &in));
	G_BAD(m, small, 1, -EPROTO, lvh_msg_decode_inflight(gctx, &m, true, false, &in));
	G_BAD(m, split_only, 1, -EPROTO, lvh_msg_decode_inflight(gctx, &m, true, true, &in));
	G_BAD(m, wrap, 1, -EPROTO, lvh_msg_decode_inflight(gctx, &m, true, false, &in));
	G_BAD(m, small, 0, -EBADMSG, lvh_msg_decode_inflight(gctx, &m, true, false, &in));
	G_BAD(m, small, 0, -EBADMSG, lvh_proto_check_request(gctx, FE, &m, ALL_PROTO));
	/* GET_INFLIGHT_FD's reply must carry the memfd */
	G_BAD(m, rep_nofd, 0, -EBADMSG,
	      lvh_proto_check_reply(gctx, FE, LIBVHOST_USER_GET_INFLIGHT_FD, BODY, &m));
	G_BAD(m, split_only, 1, -EOPNOTSUPP,
	      lvh_proto_check_request(gctx, FE, &m, ALL_PROTO & ~PROTO_BIT(INFLIGHT_SHMFD)));
	/* the largest geometry: 65535 queues of 32768 packed, no overflow, accepted */
	G_REQ(m, FE, huge, 1, ALL_PROTO);
	ck_assert_int_eq(lvh_msg_decode_inflight(gctx, &m, true, true, &in), 0);
	lvh_msg_close_fds(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("msg-core");
	struct {
		const char *name;
		const TTest *golden, *malformed;
	} families[] = {
		{ "features", test_features_golden, test_features_malformed },
		{ "mem", test_mem_golden, test_mem_malformed },
		{ "vring", test_vring_golden, test_vring_malformed },
		{ "config", test_config_golden, test_config_malformed },
		{ "log", test_log_golden, test_log_malformed },
		{ "iotlb", test_iotlb_golden, test_iotlb_malformed },
		{ "inflight", test_inflight_golden, test_inflight_malformed },
	};
	size_t i;

	for (i = 0; i < LVH_ARRAY_SIZE(families); i++) {
		TCase *tc = tcase_create(families[i].name);

		tcase_add_checked_fixture(tc, golden_setup, golden_teardown);
		tcase_add_test(tc, families[i].golden);
		tcase_add_test(tc, families[i].malformed);
		suite_add_tcase(s, tc);
	}
	return golden_main(s);
}
