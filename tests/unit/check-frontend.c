/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libvhost_frontend and libvhost_dev against a scripted back-end on a
 * socketpair: the messages each call sends (code, flags, payload, fds), the
 * negotiation sequence, the ring state machine, memory tables both ways,
 * REPLY_ACK, the back-end channel, and back-ends that misbehave.  The fake
 * back-end runs on a thread and decodes with the same family codecs, which
 * the golden vectors of check-msg-* pin to the specification's bytes.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"
#include "proto/msg-backend.h"
#include "proto/msg-config.h"
#include "proto/msg-crypto.h"
#include "proto/msg-features.h"
#include "proto/msg-inflight.h"
#include "proto/msg-iotlb.h"
#include "proto/msg-mem.h"
#include "proto/msg-postcopy.h"
#include "proto/msg-shared.h"
#include "proto/msg-shmem.h"
#include "proto/msg-state.h"
#include "proto/msg-vring.h"

#define PF(x) LVH_BIT(LIBVHOST_USER_PROTOCOL_F_##x)
#define F_PROTOCOL_FEATURES LVH_BIT(30)
#define F_VERSION_1 LVH_BIT(32)
#define F_EVENT_IDX LVH_BIT(29)
#define MAX_LOG 512

struct rec {
	uint32_t request, flags, size;
	unsigned int nfds;
	uint8_t payload[96] __attribute__((aligned(8))); /* read as u64s in place */
};

/* What the fake back-end offers, how it misbehaves, and what it saw. */
struct fake {
	int sock, chan;
	pthread_t thread;
	uint64_t features, proto, queue_num, slots;
	uint32_t wrong_code_for, silent_for, oversize_for, extra_fd_for, nack_for, close_on;
	uint32_t not_uffd_for; /* POSTCOPY_ADVISE answered with an eventfd */
	int log_reply; /* SET_LOG_BASE: 0 u64 0, 1 no payload (DPDK), 2 the size back (libvhost-user) */
	struct rec log[MAX_LOG];
	unsigned int nlog;
};

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

static void reply(struct fake *f, struct lvh_msg *rep)
{
	lvh_wire_send(NULL, f->sock, rep, 2000);
	lvh_msg_close_fds(rep);
}

/* The reply a well-behaved back-end gives; false if the request has none. */
static bool answer(struct fake *f, struct lvh_msg *m, struct lvh_msg *rep)
{
	struct lvh_vring_state s;
	struct lvh_config c;
	struct lvh_inflight in;
	struct lvh_crypto_session cs;
	struct lvh_shmem_config sc = { 2, { 4096, 8192 } };

	lvh_msg_init_reply(rep, m);
	switch (m->request) {
	case LIBVHOST_USER_GET_FEATURES:
		lvh_msg_set_u64(rep, f->features);
		return true;
	case LIBVHOST_USER_GET_PROTOCOL_FEATURES:
		lvh_msg_set_u64(rep, f->proto);
		return true;
	case LIBVHOST_USER_GET_QUEUE_NUM:
		lvh_msg_set_u64(rep, f->queue_num);
		return true;
	case LIBVHOST_USER_GET_MAX_MEM_SLOTS:
		lvh_msg_set_u64(rep, f->slots);
		return true;
	case LIBVHOST_USER_GET_VRING_BASE:
		lvh_msg_decode_vring_state(NULL, m, &s);
		s.num = 42;
		lvh_msg_encode_vring_state(rep, &s);
		return true;
	case LIBVHOST_USER_GET_CONFIG: {
		uint8_t data[256];
		uint32_t i;

		lvh_msg_decode_config(NULL, m, &c);
		for (i = 0; i < c.size && i < sizeof(data); i++)
			data[i] = (uint8_t)(c.offset + i);
		c.data = data;
		lvh_msg_encode_config(rep, &c);
		return true;
	}
	case LIBVHOST_USER_GET_STATUS:
		lvh_msg_set_u64(rep, 0x0f);
		return true;
	case LIBVHOST_USER_GET_INFLIGHT_FD:
		lvh_msg_decode_inflight(NULL, m, false, false, &in);
		in.mmap_size = lvh_inflight_queue_region_size(in.queue_size, false) * in.num_queues;
		in.mmap_offset = 0;
		lvh_msg_encode_inflight(rep, &in, tu_eventfd());
		return true;
	case LIBVHOST_USER_SET_LOG_BASE:
		if (f->log_reply == 1)
			return true;
		lvh_msg_set_u64(rep, f->log_reply == 2 ? m->payload.u64 : 0);
		return true;
	case LIBVHOST_USER_POSTCOPY_END:
	case LIBVHOST_USER_CHECK_DEVICE_STATE:
		lvh_msg_set_u64(rep, 0);
		return true;
	case LIBVHOST_USER_CREATE_CRYPTO_SESSION:
		lvh_msg_decode_crypto_session(NULL, m, &cs);
		cs.session_id = 7;
		lvh_msg_encode_crypto_session(rep, &cs);
		return true;
#if LIBVHOST_HAS_POSTCOPY
	case LIBVHOST_USER_POSTCOPY_ADVISE: {
		/* the front-end takes nothing but a userfaultfd */
		int ufd = m->request == f->not_uffd_for ? -1 : tu_userfaultfd();

		lvh_msg_encode_postcopy_advise_reply(rep, ufd >= 0 ? ufd : tu_eventfd());
		return true;
	}
#endif
	case LIBVHOST_USER_GET_SHARED_OBJECT:
		lvh_msg_add_fd(rep, tu_eventfd());
		return true;
	case LIBVHOST_USER_SET_DEVICE_STATE_FD:
		lvh_msg_set_u64(rep, LVH_STATE_REPLY_NOFD);
		return true;
	case LIBVHOST_USER_GET_SHMEM_CONFIG:
		lvh_msg_encode_shmem_config(rep, &sc);
		return true;
	}
	if (m->flags & LIBVHOST_USER_FLAG_NEED_REPLY) {
		lvh_msg_set_u64(rep, m->request == f->nack_for ? 1 : 0);
		return true;
	}
	return false;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct lvh_msg m, rep;

	while (lvh_wire_recv(NULL, f->sock, &m, 5000) == 0) {
		struct rec *r = &f->log[f->nlog < MAX_LOG ? f->nlog++ : MAX_LOG - 1];

		r->request = m.request;
		r->flags = m.flags;
		r->size = m.size;
		r->nfds = m.nfds;
		memcpy(r->payload, m.payload.bytes, m.size < sizeof(r->payload) ? m.size : sizeof(r->payload));
		if (m.request == LIBVHOST_USER_SET_BACKEND_REQ_FD && m.nfds == 1 && f->chan < 0)
			f->chan = lvh_msg_take_fd(&m, 0);
		if (m.request == f->close_on) {
			lvh_msg_close_fds(&m);
			break;
		}
		if (m.request == f->silent_for) {
			lvh_msg_close_fds(&m);
			continue;
		}
		if (answer(f, &m, &rep)) {
			if (m.request == f->wrong_code_for)
				rep.request++;
			if (m.request == f->oversize_for)
				rep.size += 8;
			if (m.request == f->extra_fd_for)
				lvh_msg_add_fd(&rep, tu_eventfd());
			reply(f, &rep);
		}
		lvh_msg_close_fds(&m);
	}
	shutdown(f->sock, SHUT_RDWR);
	return NULL;
}

static struct fake *fake_new(uint64_t features, uint64_t proto)
{
	struct fake *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	f->features = features;
	f->proto = proto;
	f->queue_num = 4;
	f->slots = 509;
	f->chan = -1;
	return f;
}

/* Starts the fake and a front-end on the other end of a socketpair. */
static struct libvhost_frontend *fake_start(struct fake *f, const struct libvhost_frontend_opts *o)
{
	struct libvhost_frontend *fe = NULL;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->sock = sv[1];
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], o, &fe), 0);
	return fe;
}

/* Ends the connection, waits for the fake, and frees everything but its log. */
static void fake_stop(struct fake *f, struct libvhost_frontend *fe)
{
	libvhost_frontend_unref(fe);
	pthread_join(f->thread, NULL);
	close(f->sock);
	if (f->chan >= 0)
		close(f->chan);
	f->chan = -1;
}

/* Every message sent so far has been seen: GET_FEATURES is answered in order. */
static void fake_sync(struct libvhost_frontend *fe)
{
	uint64_t v;

	ck_assert_int_eq(libvhost_dev_get_features(libvhost_frontend_get_dev(fe), &v), 0);
}

static const struct rec *find(const struct fake *f, uint32_t request, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < f->nlog; i++)
		if (f->log[i].request == request && nth-- == 0)
			return &f->log[i];
	return NULL;
}

static unsigned int count(const struct fake *f, uint32_t request)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->nlog; i++)
		n += f->log[i].request == request;
	return n;
}

static uint64_t rec_u64(const struct rec *r)
{
	uint64_t v;

	memcpy(&v, r->payload, sizeof(v));
	return v;
}

static uint32_t rec_u32(const struct rec *r, unsigned int at)
{
	uint32_t v;

	memcpy(&v, r->payload + at, sizeof(v));
	return v;
}

static void assert_sequence(const struct fake *f, unsigned int from, const uint32_t *want,
			    unsigned int n)
{
	unsigned int i;

	ck_assert_uint_ge(f->nlog, from + n);
	for (i = 0; i < n; i++)
		ck_assert_msg(f->log[from + i].request == want[i], "message %u is %s, not %s",
			      from + i, lvh_proto_name(LVH_DIR_FRONTEND, f->log[from + i].request),
			      lvh_proto_name(LVH_DIR_FRONTEND, want[i]));
}

#define FULL_PROTO                                                                             \
	(PF(MQ) | PF(REPLY_ACK) | PF(CONFIGURE_MEM_SLOTS) | PF(BACKEND_REQ) | PF(CONFIG) |     \
	 PF(STATUS) | PF(XEN_MMAP))

START_TEST(test_negotiate)
{
	struct fake *f = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES | F_EVENT_IDX, FULL_PROTO);
	struct libvhost_frontend *fe = fake_start(f, NULL);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	static const uint32_t seq[] = {
		LIBVHOST_USER_GET_FEATURES,	  LIBVHOST_USER_GET_PROTOCOL_FEATURES,
		LIBVHOST_USER_SET_PROTOCOL_FEATURES, LIBVHOST_USER_GET_QUEUE_NUM,
		LIBVHOST_USER_GET_MAX_MEM_SLOTS,	  LIBVHOST_USER_SET_BACKEND_REQ_FD,
		LIBVHOST_USER_SET_OWNER,
	};
	const struct rec *r;

	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	ck_assert_uint_eq(info.features, f->features);
	ck_assert_uint_eq(info.backend_protocol_features, FULL_PROTO);
	/* Xen regions change the memory messages: only when the caller asks */
	ck_assert_uint_eq(info.protocol_features, FULL_PROTO & ~PF(XEN_MMAP));
	ck_assert_uint_eq(info.queue_num, 4);
	ck_assert_uint_eq(info.max_mem_slots, 509);
	ck_assert_int_ge(libvhost_frontend_get_backend_fd(fe), 0);

	/* the driver's choice; bit 30 is added because protocol features are in use */
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1 | LVH_BIT(1)), -EINVAL);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	fake_sync(fe);
	assert_sequence(f, 0, seq, LVH_ARRAY_SIZE(seq));
	ck_assert_uint_eq(rec_u64(&f->log[2]), FULL_PROTO & ~PF(XEN_MMAP));
	ck_assert_uint_eq((f->log[2].flags & LIBVHOST_USER_FLAG_NEED_REPLY), 0);
	r = find(f, LIBVHOST_USER_SET_BACKEND_REQ_FD, 0);
	ck_assert_uint_eq(r->nfds, 1);
	ck_assert_uint_ne((r->flags & LIBVHOST_USER_FLAG_NEED_REPLY), 0);
	ck_assert_uint_ne((find(f, LIBVHOST_USER_SET_OWNER, 0)->flags & LIBVHOST_USER_FLAG_NEED_REPLY),
			  0);
	r = find(f, LIBVHOST_USER_SET_FEATURES, 0);
	ck_assert_uint_eq(rec_u64(r), F_VERSION_1 | F_PROTOCOL_FEATURES);
	ck_assert_uint_ne((r->flags & LIBVHOST_USER_FLAG_NEED_REPLY), 0);
	info.sz = sizeof(info);
	libvhost_frontend_get_info(fe, &info);
	ck_assert_uint_eq(info.acked_features, F_VERSION_1 | F_PROTOCOL_FEATURES);
	info.sz = 4;
	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), -EINVAL);
	fake_stop(f, fe);
	free(f);
}
END_TEST

START_TEST(test_no_protocol_features)
{
	struct fake *f = fake_new(F_VERSION_1, 0);
	struct libvhost_frontend *fe = fake_start(f, NULL);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	static const uint32_t seq[] = { LIBVHOST_USER_GET_FEATURES, LIBVHOST_USER_SET_OWNER };
	uint8_t cfg[8];
	unsigned int i, sent;

	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_frontend_get_backend_fd(fe), -1);
	/* gated requests are refused before anything is sent */
	TU_QUIET_BEGIN();
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 0, cfg, sizeof(cfg)), -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_frontend_set_status(fe, 1), -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_dev_set_vring_enable(dev, 0, 1), -EOPNOTSUPP);
	TU_QUIET_END();
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	/* without protocol features the rings are enabled by SET_FEATURES */
	ck_assert_int_eq(libvhost_dev_set_vring_kick(dev, 0, -1), 0);
	fake_sync(fe);
	assert_sequence(f, 0, seq, LVH_ARRAY_SIZE(seq));
	sent = f->nlog;
	for (i = 0; i < sent; i++)
		ck_assert_uint_eq(f->log[i].flags, 1); /* version 1, never NEED_REPLY */
	ck_assert_uint_eq(count(f, LIBVHOST_USER_SET_VRING_ENABLE), 0);
	ck_assert_uint_eq(count(f, LIBVHOST_USER_GET_CONFIG), 0);
	/* NOFD kick */
	ck_assert_uint_eq(rec_u64(find(f, LIBVHOST_USER_SET_VRING_KICK, 0)),
			  LIBVHOST_USER_VRING_NOFD_MASK);
	fake_stop(f, fe);
	free(f);
}
END_TEST

static struct libvhost_mem *mem_with(unsigned int nregions, uint64_t size)
{
	struct libvhost_mem *mem = NULL;
	unsigned int i;

	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	for (i = 0; i < nregions; i++)
		ck_assert_int_eq(libvhost_mem_alloc(mem, i * 0x100000ull, size, NULL, NULL), 0);
	return mem;
}

START_TEST(test_ring_state_machine)
{
	struct fake *f = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES, PF(MQ) | PF(REPLY_ACK));
	struct libvhost_frontend *fe = fake_start(f, NULL);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_mem *mem = mem_with(1, 0x10000);
	struct libvhost_vring *vr = NULL;
	static const uint32_t start[] = {
		LIBVHOST_USER_SET_VRING_NUM,  LIBVHOST_USER_SET_VRING_BASE,
		LIBVHOST_USER_SET_VRING_ADDR, LIBVHOST_USER_SET_VRING_CALL,
		LIBVHOST_USER_SET_VRING_KICK, LIBVHOST_USER_SET_VRING_ENABLE,
	};
	static const uint32_t stop[] = { LIBVHOST_USER_SET_VRING_ENABLE,
					 LIBVHOST_USER_GET_VRING_BASE };
	uint64_t desc, avail, used;
	int kick = tu_eventfd(), call = tu_eventfd();
	unsigned int at;
	uint32_t base;
	const struct rec *r;

	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	ck_assert_int_eq(libvhost_vring_new(mem, 0, 64, NULL, &vr), 0);
	fake_sync(fe);
	at = f->nlog;
	ck_assert_int_eq(libvhost_dev_start_vring(dev, 1, vr, kick, call), 0);
	fake_sync(fe);
	assert_sequence(f, at, start, LVH_ARRAY_SIZE(start));
	ck_assert_uint_eq(rec_u32(&f->log[at], 0), 1);
	ck_assert_uint_eq(rec_u32(&f->log[at], 4), 64);
	libvhost_vring_get_addrs(vr, 0, &desc, &avail, &used);
	r = &f->log[at + 2];
	ck_assert_uint_eq(rec_u32(r, 0), 1);
	ck_assert_uint_eq(*(uint64_t *)(r->payload + 8), desc);
	ck_assert_uint_eq(*(uint64_t *)(r->payload + 16), used);
	ck_assert_uint_eq(*(uint64_t *)(r->payload + 24), avail);
	ck_assert_uint_eq(f->log[at + 3].nfds, 1);
	ck_assert_uint_eq(f->log[at + 4].nfds, 1);
	ck_assert_uint_eq(rec_u64(&f->log[at + 4]), 1);
	ck_assert_uint_eq(rec_u32(&f->log[at + 5], 4), 1);

	/* the spec's rules, enforced before anything is sent */
	TU_QUIET_BEGIN();
	ck_assert_int_eq(libvhost_dev_set_vring_num(dev, 1, 128), -EINVAL);
	ck_assert_int_eq(libvhost_dev_set_vring_base(dev, 1, 0), -EINVAL);
	ck_assert_int_eq(libvhost_dev_get_vring_base(dev, 0, &base), -EINVAL);
	ck_assert_int_eq(libvhost_dev_set_vring_num(dev, 4, 64), -EINVAL); /* 4 queues */
	ck_assert_int_eq(libvhost_dev_set_vring_num(dev, 0, 0), -EINVAL);
	ck_assert_int_eq(libvhost_dev_set_vring_num(dev, 0, 32769), -EINVAL);
	ck_assert_int_eq(libvhost_dev_set_vring_addr(dev, 0, 0, 0, 0, 0, 2), -EINVAL);
	ck_assert_int_eq(libvhost_dev_set_vring_call(dev, 4, -1), -EINVAL);
	TU_QUIET_END();
	/* a started ring's addresses again, its used ring's logging on (migration starts) */
	ck_assert_int_eq(libvhost_dev_set_vring_addr(dev, 1, desc, avail, used, 0x9000, 1), 0);
	r = find(f, LIBVHOST_USER_SET_VRING_ADDR, count(f, LIBVHOST_USER_SET_VRING_ADDR) - 1);
	ck_assert_uint_eq(rec_u32(r, 0), 1);
	ck_assert_uint_eq(rec_u32(r, 4), 1);
	ck_assert_uint_eq(*(uint64_t *)(r->payload + 16), used);
	ck_assert_uint_eq(*(uint64_t *)(r->payload + 32), 0x9000);
	ck_assert_int_eq(libvhost_dev_set_vring_call(dev, 0, -2), -EINVAL);
	ck_assert_int_eq(libvhost_dev_set_vring_enable(dev, 0, 2), -EINVAL);

	/* call fds may change while the ring runs; the kick fd again too */
	ck_assert_int_eq(libvhost_dev_set_vring_call(dev, 1, -1), 0);
	ck_assert_int_eq(libvhost_dev_set_vring_kick(dev, 1, kick), 0);
	fake_sync(fe);
	at = f->nlog;
	ck_assert_int_eq(libvhost_dev_stop_vring(dev, 1, &base), 0);
	ck_assert_uint_eq(base, 42);
	fake_sync(fe);
	assert_sequence(f, at, stop, LVH_ARRAY_SIZE(stop));
	ck_assert_uint_eq(rec_u32(&f->log[at], 4), 0);
	/* stopped: set-up is allowed again, GET_VRING_BASE is not */
	ck_assert_int_eq(libvhost_dev_set_vring_num(dev, 1, 128), 0);
	ck_assert_int_eq(libvhost_dev_get_vring_base(dev, 1, &base), -EINVAL);
	ck_assert_int_eq(libvhost_dev_set_vring_endian(dev, 1, 1), -EOPNOTSUPP);
	fake_stop(f, fe);
	libvhost_vring_unref(vr);
	libvhost_mem_unref(mem);
	close(kick);
	close(call);
	free(f);
}
END_TEST

START_TEST(test_mem_slots)
{
	struct fake *f = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES,
				  PF(CONFIGURE_MEM_SLOTS) | PF(REPLY_ACK));
	struct libvhost_frontend *fe = fake_start(f, NULL);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_mem *mem = mem_with(2, 0x10000), *mem3 = mem_with(3, 0x10000);
	struct libvhost_mem_region reg;
	unsigned int at;
	const struct rec *r;

	f->slots = 2;
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	fake_sync(fe);
	ck_assert_uint_eq(count(f, LIBVHOST_USER_ADD_MEM_REG), 2);
	r = find(f, LIBVHOST_USER_ADD_MEM_REG, 1);
	ck_assert_uint_eq(r->nfds, 1);
	ck_assert_uint_eq(r->size, 40);
	ck_assert_uint_ne((r->flags & LIBVHOST_USER_FLAG_NEED_REPLY), 0);
	libvhost_mem_get_region(mem, 1, &reg);
	ck_assert_uint_eq(*(uint64_t *)(r->payload + 8), reg.guest_addr);
	ck_assert_uint_eq(*(uint64_t *)(r->payload + 16), reg.size);
	ck_assert_uint_eq(*(uint64_t *)(r->payload + 24), reg.user_addr);

	/* one region goes, one comes: REM first, then ADD */
	ck_assert_int_eq(libvhost_mem_remove(mem, 0), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0x800000, 0x10000, NULL, NULL), 0);
	at = f->nlog;
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	fake_sync(fe);
	ck_assert_uint_eq(f->log[at].request, LIBVHOST_USER_REM_MEM_REG);
	ck_assert_uint_eq(f->log[at].nfds, 0);
	ck_assert_uint_eq(*(uint64_t *)(f->log[at].payload + 8), 0);
	ck_assert_uint_eq(f->log[at + 1].request, LIBVHOST_USER_ADD_MEM_REG);
	ck_assert_uint_eq(*(uint64_t *)(f->log[at + 1].payload + 8), 0x800000);
	ck_assert_uint_eq(f->log[at + 2].request, LIBVHOST_USER_GET_FEATURES);

	/* the same table again sends nothing */
	at = f->nlog;
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	fake_sync(fe);
	ck_assert_uint_eq(f->nlog, at + 1);

	TU_QUIET_BEGIN();
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem3), -ENOSPC);
	TU_QUIET_END();
	/* a refused ADD is reported, and the connection stays */
	f->nack_for = LIBVHOST_USER_ADD_MEM_REG;
	ck_assert_int_eq(libvhost_mem_remove(mem, 0x800000), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0x900000, 0x10000, NULL, NULL), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), -EIO);
	fake_sync(fe);
	fake_stop(f, fe);
	libvhost_mem_unref(mem);
	libvhost_mem_unref(mem3);
	free(f);
}
END_TEST

/*
 * SET_LOG_BASE's reply is no status: DPDK's vhost sends it with no payload,
 * libvhost-user with the log's size in it; both mean the log is mapped (the
 * front-end took the first as a malformed reply and closed the connection,
 * the second as a failure).
 */
START_TEST(test_log_base_replies)
{
	int efd = tu_eventfd(), kind;

	for (kind = 0; kind < 3; kind++) {
		struct fake *f = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES,
					  PF(LOG_SHMFD) | PF(REPLY_ACK) | PF(STATUS));
		struct libvhost_frontend *fe = fake_start(f, NULL);
		uint8_t st = 0;

		f->log_reply = kind;
		ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
		ck_assert_int_eq(libvhost_frontend_set_log_base(fe, efd, 36864, 0), 0);
		/* the connection is still in step */
		ck_assert_int_eq(libvhost_frontend_get_status(fe, &st), 0);
		ck_assert_uint_eq(st, 0x0f);
		ck_assert_uint_eq(count(f, LIBVHOST_USER_SET_LOG_BASE), 1);
		ck_assert_uint_eq(tu_log_errors(), 0);
		fake_stop(f, fe);
		free(f);
	}
	close(efd);
}
END_TEST

START_TEST(test_mem_table)
{
	struct fake *f = fake_new(F_VERSION_1, 0);
	struct libvhost_frontend *fe = fake_start(f, NULL);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_mem *mem = mem_with(2, 0x10000), *mem9 = mem_with(9, 0x1000);
	const struct rec *r;

	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	fake_sync(fe);
	r = find(f, LIBVHOST_USER_SET_MEM_TABLE, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->size, 8 + 2 * 32); /* sized by nregions, as QEMU sends it */
	ck_assert_uint_eq(r->nfds, 2);
	ck_assert_uint_eq(rec_u32(r, 0), 2);
	TU_QUIET_BEGIN();
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem9), -ENOSPC);
	TU_QUIET_END();
	fake_stop(f, fe);
	libvhost_mem_unref(mem);
	libvhost_mem_unref(mem9);
	free(f);
}
END_TEST

static uint8_t crypto_session[LVH_CRYPTO_SESSION_SIZE];

static void make_crypto_session(void)
{
	struct lvh_crypto_session s = { .op_code = LVH_CRYPTO_OP_CIPHER_CREATE, .cipher_alg = 1 };
	struct lvh_msg m;

	lvh_msg_init(&m, LIBVHOST_USER_CREATE_CRYPTO_SESSION, 0);
	ck_assert_int_eq(lvh_msg_encode_crypto_session(&m, &s), 0);
	ck_assert_uint_eq(m.size, sizeof(crypto_session));
	memcpy(crypto_session, m.payload.bytes, m.size);
}

START_TEST(test_every_request)
{
	uint64_t all = libvhost_protocol_features_known() & ~PF(XEN_MMAP);
	struct fake *f = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES | LVH_BIT(33), all);
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .protocol_features = all);
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 1, 2, 3 };
	static const uint8_t uuid[16] = { 1, 2, 3 };
	uint8_t cfg[16], status = 0;
	uint64_t size = 0, off = 1, sizes[4];
	int fd = -1, efd = tu_eventfd(), fds_before = tu_count_fds();
	int64_t id = -1;
	bool has_uffd = false;
	unsigned int i;
	const struct rec *r;

#if LIBVHOST_HAS_POSTCOPY
	fd = tu_userfaultfd();
	has_uffd = fd >= 0;
	if (has_uffd)
		close(fd);
	fd = -1;
#endif
	fe = fake_start(f, &o);
	dev = libvhost_frontend_get_dev(fe);
	make_crypto_session();
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1 | LVH_BIT(33)), 0);
	ck_assert_int_eq(libvhost_dev_set_owner(dev), 0);

	ck_assert_int_eq(libvhost_frontend_get_config(fe, 4, cfg, sizeof(cfg)), 0);
	for (i = 0; i < sizeof(cfg); i++)
		ck_assert_uint_eq(cfg[i], 4 + i);
	ck_assert_int_eq(libvhost_frontend_set_config(fe, 0, cfg, 4, 0), 0);
	ck_assert_int_eq(libvhost_frontend_set_log_base(fe, efd, 4096, 0), 0);
	ck_assert_int_eq(libvhost_frontend_set_log_fd(fe, efd), 0);
	ck_assert_int_eq(libvhost_frontend_iotlb(fe, LIBVHOST_IOTLB_UPDATE, 0x1000, 0x1000,
						 0x7f0000000000, LIBVHOST_IOTLB_RW), 0);
	ck_assert_int_eq(libvhost_frontend_get_inflight(fe, 2, 128, &fd, &size, &off), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(size, 2 * lvh_inflight_queue_region_size(128, false));
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(libvhost_frontend_set_inflight(fe, fd, size, off, 2, 128), 0);
	close(fd);
	ck_assert_int_eq(libvhost_frontend_set_status(fe, 0x0f), 0);
	ck_assert_int_eq(libvhost_frontend_get_status(fe, &status), 0);
	ck_assert_uint_eq(status, 0x0f);
	ck_assert_int_eq(libvhost_frontend_kick(fe, 1), 0);
	ck_assert_int_eq(libvhost_frontend_set_device_state_fd(fe, 0, efd, &fd), 0);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(libvhost_frontend_check_device_state(fe), 0);
	ck_assert_int_eq(libvhost_frontend_get_shared_object(fe, uuid, &fd), 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(libvhost_frontend_get_shmem_config(fe, sizes, 4), 2);
	ck_assert_uint_eq(sizes[1], 8192);
	ck_assert_uint_eq(sizes[2], 0);
	ck_assert_int_eq(libvhost_frontend_send_rarp(fe, mac), 0);
	ck_assert_int_eq(libvhost_frontend_set_mtu(fe, 1500), 0);
	ck_assert_int_eq(libvhost_frontend_create_crypto_session(fe, crypto_session,
								 sizeof(crypto_session), &id),
			 0);
	ck_assert_int_eq(id, 7);
	ck_assert_int_eq(libvhost_frontend_close_crypto_session(fe, id), 0);
	ck_assert_int_eq(libvhost_frontend_gpu_set_socket(fe, efd), 0);
#if LIBVHOST_HAS_POSTCOPY
	if (has_uffd) {
		ck_assert_int_eq(libvhost_frontend_postcopy_advise(fe, &fd), 0);
		ck_assert_int_ge(fd, 0); /* the front-end's: END closes it */
		ck_assert_int_eq(libvhost_frontend_postcopy_listen(fe), 0);
		ck_assert_int_eq(libvhost_frontend_postcopy_end(fe), 0);
	}
#endif
	ck_assert_int_eq(libvhost_dev_set_vring_endian(dev, 0, 1), 0);
	ck_assert_int_eq(libvhost_dev_set_vring_err(dev, 0, efd), 0);
	ck_assert_int_eq(libvhost_frontend_reset_device(fe), 0);
	ck_assert_int_eq(libvhost_frontend_reset_owner(fe), 0);
	fake_sync(fe);

	/* every front-end request of the table was sent, and acked where it has no reply */
	{
		size_t n, j;
		const struct lvh_proto_row *rows = lvh_proto_rows(LVH_DIR_FRONTEND, &n);

		for (j = 0; j < n; j++) {
			if (!rows[j].name)
				continue;
			/* ring and memory requests: test_ring_state_machine, test_mem_* */
			switch (rows[j].request) {
			case LIBVHOST_USER_SET_MEM_TABLE:
			case LIBVHOST_USER_SET_VRING_NUM:
			case LIBVHOST_USER_SET_VRING_ADDR:
			case LIBVHOST_USER_SET_VRING_BASE:
			case LIBVHOST_USER_GET_VRING_BASE:
			case LIBVHOST_USER_SET_VRING_KICK:
			case LIBVHOST_USER_SET_VRING_CALL:
			case LIBVHOST_USER_SET_VRING_ENABLE:
			case LIBVHOST_USER_ADD_MEM_REG:
			case LIBVHOST_USER_REM_MEM_REG:
				continue;
			case LIBVHOST_USER_POSTCOPY_ADVISE:
			case LIBVHOST_USER_POSTCOPY_LISTEN:
			case LIBVHOST_USER_POSTCOPY_END:
				/* no API without --enable-postcopy; no userfaultfd to send */
				if (!has_uffd)
					continue;
			}
			r = find(f, rows[j].request, 0);
			ck_assert_msg(r != NULL, "%s was never sent", rows[j].name);
			if (rows[j].reply == LVH_REPLY_ACK &&
			    rows[j].request != LIBVHOST_USER_SET_PROTOCOL_FEATURES)
				ck_assert_msg(r->flags & LIBVHOST_USER_FLAG_NEED_REPLY,
					      "%s without NEED_REPLY", rows[j].name);
		}
	}
	r = find(f, LIBVHOST_USER_SEND_RARP, 0);
	ck_assert_mem_eq(r->payload, mac, 6);
	ck_assert_uint_eq(rec_u64(find(f, LIBVHOST_USER_NET_SET_MTU, 0)), 1500);
	ck_assert_uint_eq(find(f, LIBVHOST_USER_GPU_SET_SOCKET, 0)->nfds, 1);
	ck_assert_uint_eq(find(f, LIBVHOST_USER_SET_LOG_BASE, 0)->nfds, 1);
	r = find(f, LIBVHOST_USER_GET_CONFIG, 0);
	ck_assert_uint_eq(r->size, 12 + sizeof(cfg));
	ck_assert_uint_eq(rec_u32(r, 0), 4);
	fake_stop(f, fe);
	close(efd);
	ck_assert_int_eq(tu_count_fds(), fds_before - 1);
	free(f);
}
END_TEST

/* One misbehaviour of the back-end: what the call returns, and the connection after. */
static void hostile(size_t knob, uint32_t request, int want, bool alive)
{
	struct fake *f = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES, PF(REPLY_ACK) | PF(STATUS));
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .timeout_ms = 200);
	struct libvhost_frontend *fe;
	uint8_t status;
	uint64_t v;
	int r;

	*(uint32_t *)((char *)f + knob) = request;
	TU_NEGATIVE_BEGIN();
	fe = fake_start(f, &o);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	r = request == LIBVHOST_USER_GET_STATUS ? libvhost_frontend_get_status(fe, &status)
						 : libvhost_frontend_set_status(fe, 1);
	ck_assert_msg(r == want, "%s: got %d, wanted %d (%s)",
		      lvh_proto_name(LVH_DIR_FRONTEND, request), r, want, tu_log_last());
	r = libvhost_dev_get_features(libvhost_frontend_get_dev(fe), &v);
	ck_assert_int_eq(r, alive ? 0 : -ECONNRESET);
	fake_stop(f, fe);
	TU_NEGATIVE_END();
	free(f);
}

#define KNOB(field) offsetof(struct fake, field)

START_TEST(test_hostile_backend)
{
	hostile(KNOB(wrong_code_for), LIBVHOST_USER_GET_STATUS, -EPROTO, false);
	hostile(KNOB(wrong_code_for), LIBVHOST_USER_SET_STATUS, -EPROTO, false);
	hostile(KNOB(oversize_for), LIBVHOST_USER_GET_STATUS, -EBADMSG, false);
	hostile(KNOB(oversize_for), LIBVHOST_USER_SET_STATUS, -EBADMSG, false);
	hostile(KNOB(extra_fd_for), LIBVHOST_USER_GET_STATUS, -EBADMSG, false);
	hostile(KNOB(extra_fd_for), LIBVHOST_USER_SET_STATUS, -EBADMSG, false);
	hostile(KNOB(silent_for), LIBVHOST_USER_GET_STATUS, -ETIMEDOUT, false);
	hostile(KNOB(silent_for), LIBVHOST_USER_SET_STATUS, -ETIMEDOUT, false);
	hostile(KNOB(close_on), LIBVHOST_USER_GET_STATUS, -ECONNRESET, false);
	hostile(KNOB(nack_for), LIBVHOST_USER_SET_STATUS, -EIO, true);
}
END_TEST

#if LIBVHOST_HAS_POSTCOPY
/* POSTCOPY_ADVISE answered with an fd that is no userfaultfd: refused, nothing kept. */
START_TEST(test_hostile_advise)
{
	struct fake *f = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES, PF(REPLY_ACK) | PF(PAGEFAULT));
	struct libvhost_postcopy_fault pf = { .sz = sizeof(pf) };
	struct libvhost_frontend *fe;
	int ufd = -1;
	uint64_t v;

	f->not_uffd_for = LIBVHOST_USER_POSTCOPY_ADVISE;
	TU_NEGATIVE_BEGIN();
	fe = fake_start(f, NULL);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_advise(fe, &ufd), -EPROTO);
	ck_assert_int_eq(ufd, -1);
	ck_assert_msg(strstr(tu_log_last(), "POSTCOPY_ADVISE") != NULL, "%s", tu_log_last());
	ck_assert_int_eq(libvhost_frontend_postcopy_read_fault(fe, &pf), -EINVAL);
	ck_assert_int_eq(libvhost_dev_get_features(libvhost_frontend_get_dev(fe), &v),
			 -ECONNRESET);
	fake_stop(f, fe);
	TU_NEGATIVE_END();
	free(f);
}
END_TEST
#endif

/* ---- the back-end channel ---- */

struct seen {
	int calls, last_fd;
	uint64_t iova;
	unsigned int index;
	struct libvhost_shmem_map map;
};

static int op_iotlb(void *ud, uint64_t iova, uint64_t perm, uint64_t type)
{
	struct seen *s = ud;

	s->calls++;
	s->iova = iova;
	return perm == LIBVHOST_IOTLB_RO && type == LIBVHOST_IOTLB_MISS ? 0 : -EINVAL;
}

static int op_config_change(void *ud)
{
	((struct seen *)ud)->calls++;
	return -ENOENT;
}

static int op_host_notifier(void *ud, unsigned int index, int fd, uint64_t size, uint64_t offset)
{
	struct seen *s = ud;

	s->calls++;
	s->index = index;
	s->last_fd = fd;
	return size == 4096 && offset == 0 ? 0 : -EINVAL;
}

static int op_lookup(void *ud, const uint8_t uuid[16], int *ret_fd)
{
	struct seen *s = ud;

	s->calls++;
	if (uuid[0] != 9)
		return -ENOENT;
	*ret_fd = s->last_fd;
	return 0;
}

static int op_shmem_map(void *ud, const struct libvhost_shmem_map *map, int fd)
{
	struct seen *s = ud;

	s->calls++;
	s->map = *map;
	close(fd);
	return 0;
}

static void chan_send(int chan, struct lvh_msg *m)
{
	ck_assert_int_eq(lvh_wire_send(NULL, chan, m, 1000), 0);
	lvh_msg_close_fds(m);
}

static uint64_t chan_ack(int chan, uint32_t request, int *fd)
{
	struct lvh_msg rep;
	uint64_t v = UINT64_MAX;

	ck_assert_int_eq(lvh_wire_recv(NULL, chan, &rep, 1000), 0);
	ck_assert_uint_eq(rep.request, request);
	ck_assert_uint_ne((rep.flags & LIBVHOST_USER_FLAG_REPLY), 0);
	if (rep.size == 8)
		memcpy(&v, rep.payload.bytes, 8);
	if (fd)
		*fd = rep.nfds ? lvh_msg_take_fd(&rep, 0) : -1;
	lvh_msg_close_fds(&rep);
	return v;
}

START_TEST(test_backend_channel)
{
	uint64_t proto = PF(BACKEND_REQ) | PF(REPLY_ACK) | PF(BACKEND_SEND_FD) | PF(CONFIG) |
			 PF(HOST_NOTIFIER) | PF(SHARED_OBJECT) | PF(SHMEM);
	struct fake *f = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES | LVH_BIT(33), proto);
	struct seen seen = { 0, -1, 0, 0, { 0 } };
	struct libvhost_frontend_ops ops = {
		.sz = sizeof(ops),
		.iotlb_msg = op_iotlb,
		.config_change = op_config_change,
		.host_notifier = op_host_notifier,
		.shared_object_lookup = op_lookup,
		.shmem_map = op_shmem_map,
	};
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .ops = &ops, .userdata = &seen);
	struct libvhost_frontend *fe;
	struct lvh_msg m;
	struct lvh_iotlb t = { 0x5000, 0, 0, LIBVHOST_IOTLB_RO, LIBVHOST_IOTLB_MISS };
	struct lvh_vring_area area = { 2, false, 4096, 0 };
	struct lvh_uuid u = { { 9 } };
	struct lvh_shmem_map sm = { 1, 0, 0x1000, 0x2000, 1 };
	int fds_before = tu_count_fds(), fd, chan;
	unsigned int errs;

	fe = fake_start(f, &o);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	fake_sync(fe);
	chan = f->chan;
	ck_assert_int_ge(chan, 0);
	ck_assert_int_eq(libvhost_frontend_process_backend(fe), 0); /* nothing waiting */

	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_IOTLB_MSG, LIBVHOST_USER_FLAG_NEED_REPLY);
	ck_assert_int_eq(lvh_msg_encode_iotlb(&m, LVH_DIR_BACKEND, &t), 0);
	chan_send(chan, &m);
	ck_assert_int_eq(libvhost_frontend_process_backend(fe), 1);
	ck_assert_uint_eq(chan_ack(chan, LIBVHOST_USER_BACKEND_IOTLB_MSG, NULL), 0);
	ck_assert_uint_eq(seen.iova, 0x5000);

	/* an op's error becomes a non-zero ack */
	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG, LIBVHOST_USER_FLAG_NEED_REPLY);
	chan_send(chan, &m);
	ck_assert_int_eq(libvhost_frontend_process_backend(fe), 1);
	ck_assert_uint_eq(chan_ack(chan, LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG, NULL), ENOENT);

	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG,
		     LIBVHOST_USER_FLAG_NEED_REPLY);
	ck_assert_int_eq(lvh_msg_encode_vring_area(&m, &area, tu_eventfd()), 0);
	chan_send(chan, &m);
	ck_assert_int_eq(libvhost_frontend_process_backend(fe), 1);
	ck_assert_uint_eq(chan_ack(chan, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG, NULL), 0);
	ck_assert_uint_eq(seen.index, 2);
	ck_assert_int_ge(seen.last_fd, 0);

	/* lookup: the op's fd travels back with the reply */
	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, 0);
	ck_assert_int_eq(lvh_msg_encode_uuid(&m, &u), 0);
	chan_send(chan, &m);
	ck_assert_int_eq(libvhost_frontend_process_backend(fe), 1);
	ck_assert_uint_eq(chan_ack(chan, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, &fd), 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	close(seen.last_fd);

	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_SHMEM_MAP, LIBVHOST_USER_FLAG_NEED_REPLY);
	ck_assert_int_eq(lvh_msg_encode_shmem_map(&m, &sm, tu_eventfd()), 0);
	chan_send(chan, &m);
	ck_assert_int_eq(libvhost_frontend_process_backend(fe), 1);
	ck_assert_uint_eq(chan_ack(chan, LIBVHOST_USER_BACKEND_SHMEM_MAP, NULL), 0);
	ck_assert_uint_eq(seen.map.len, 0x2000);

	/* no op for it: "not supported" */
	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD, LIBVHOST_USER_FLAG_NEED_REPLY);
	ck_assert_int_eq(lvh_msg_encode_uuid(&m, &u), 0);
	chan_send(chan, &m);
	ck_assert_int_eq(libvhost_frontend_process_backend(fe), 1);
	ck_assert_uint_eq(chan_ack(chan, LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD, NULL),
			  EOPNOTSUPP);
	ck_assert_int_eq(seen.calls, 5);

	/* a malformed request ends the channel, not the connection; no fd leaks */
	fd = tu_count_fds();
	errs = tu_log_errors();
	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_SHMEM_UNMAP, 0);
	lvh_msg_set_u64(&m, 0);
	lvh_msg_add_fd(&m, tu_eventfd());
	chan_send(chan, &m);
	ck_assert_int_eq(libvhost_frontend_process_backend(fe), -EBADMSG);
	ck_assert_int_eq(libvhost_frontend_get_backend_fd(fe), -1);
	ck_assert_int_eq(libvhost_frontend_process_backend(fe), -ENOTCONN);
	fake_sync(fe);
	/* the library's end is closed: that is the one fd fewer */
	ck_assert_int_eq(tu_count_fds(), fd - 1);
	ck_assert_uint_gt(tu_log_errors(), errs);
	fake_stop(f, fe);
	ck_assert_int_eq(tu_count_fds(), fds_before);
	free(f);
}
END_TEST

/* ---- connect, listen, adopt ---- */

struct later {
	char path[108];
	int delay_ms;
	bool do_connect;
	int fd;
};

static void *later_main(void *arg)
{
	struct later *l = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	usleep((useconds_t)l->delay_ms * 1000);
	strcpy(sa.sun_path, l->path);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->do_connect) {
		connect(l->fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		bind(l->fd, (struct sockaddr *)&sa, sizeof(sa));
		listen(l->fd, 1);
	}
	return NULL;
}

START_TEST(test_connect_listen)
{
	char dir[] = "/tmp/lvh-fe-XXXXXX", longpath[200];
	struct later l = { .delay_ms = 150 };
	struct libvhost_frontend *fe = NULL;
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .connect_retries = 50, .retry_interval_ms = 20,
		      .timeout_ms = 100);
	struct {
		struct libvhost_frontend_opts o;
		uint64_t future;
	} big = { { .sz = sizeof(big) }, 1 };
	pthread_t t;
	int p[2], fds_before = tu_count_fds();

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(l.path, sizeof(l.path), "%s/s", dir);
	TU_QUIET_BEGIN();
	ck_assert_int_eq(libvhost_frontend_connect(ctx, l.path, NULL, &fe), -ENOENT);
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = 0;
	ck_assert_int_eq(libvhost_frontend_connect(ctx, longpath, NULL, &fe), -ENAMETOOLONG);
	ck_assert_int_eq(libvhost_frontend_listen(ctx, l.path, &o, &fe), -ETIMEDOUT);
	ck_assert_int_eq(access(l.path, F_OK), -1); /* removed again */
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, p[0], NULL, &fe), -EINVAL);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(libvhost_frontend_connect(ctx, l.path, &big.o, &fe), -EINVAL);
	TU_QUIET_END();
	ck_assert_ptr_null(fe);

	/* the back-end appears 150 ms later: the retry policy finds it */
	pthread_create(&t, NULL, later_main, &l);
	ck_assert_int_eq(libvhost_frontend_connect(ctx, l.path, &o, &fe), 0);
	pthread_join(t, NULL);
	libvhost_frontend_unref(fe);
	close(l.fd);
	unlink(l.path);

	/* listen: a back-end connects to us */
	l.do_connect = true;
	l.delay_ms = 20;
	o.timeout_ms = 5000;
	pthread_create(&t, NULL, later_main, &l);
	ck_assert_int_eq(libvhost_frontend_listen(ctx, l.path, &o, &fe), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(access(l.path, F_OK), -1);
	libvhost_frontend_unref(fe);
	close(l.fd);
	rmdir(dir);
	ck_assert_int_eq(tu_count_fds(), fds_before);
}
END_TEST


/* A fake served on a listening socket's next connection. */
static void fake_accept(struct fake *f, int lsock)
{
	f->sock = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(f->sock, 0);
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

START_TEST(test_reconnect)
{
	char dir[] = "/tmp/lvh-fe-XXXXXX", path[108];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake *f = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES, PF(REPLY_ACK) | PF(STATUS));
	struct fake *g = fake_new(F_VERSION_1 | F_PROTOCOL_FEATURES, PF(REPLY_ACK) | PF(STATUS));
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .connect_retries = 3, .timeout_ms = 1000);
	struct libvhost_frontend *fe = NULL;
	struct libvhost_dev *dev;
	int lsock, p[2], fds_before = tu_count_fds();
	uint8_t status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	strcpy(sa.sun_path, path);
	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(lsock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lsock, 2), 0);
	ck_assert_int_eq(libvhost_frontend_connect(ctx, path, &o, &fe), 0);
	dev = libvhost_frontend_get_dev(fe);
	fake_accept(f, lsock);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);

	/* the back-end dies: the next request says so, and so does every one after it */
	f->close_on = LIBVHOST_USER_GET_STATUS;
	ck_assert_int_eq(libvhost_frontend_get_status(fe, &status), -ECONNRESET);
	ck_assert_int_eq(libvhost_frontend_set_status(fe, 1), -ECONNRESET);
	pthread_join(f->thread, NULL);
	close(f->sock);

	/* it comes back: a new session, negotiated from scratch */
	ck_assert_int_eq(libvhost_frontend_reconnect(fe), 0);
	fake_accept(g, lsock);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	ck_assert_int_eq(libvhost_frontend_get_status(fe, &status), 0);
	fake_stop(g, fe);
	ck_assert_uint_eq(count(g, LIBVHOST_USER_GET_PROTOCOL_FEATURES), 1);

	/* nowhere to go back to */
	close(lsock);
	unlink(path);
	rmdir(dir);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p), 0);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, p[0], NULL, &fe), 0);
	ck_assert_int_eq(libvhost_frontend_reconnect(fe), -EOPNOTSUPP);
	libvhost_frontend_unref(fe);
	close(p[1]);
	ck_assert_int_eq(tu_count_fds(), fds_before);
	free(f);
	free(g);
}
END_TEST

/*
 * The functions of a build option exist in every build (README, "Build
 * options"): without the option each says -EOPNOTSUPP before it looks at
 * its arguments, with it NULL is -EINVAL.
 */
START_TEST(test_build_options)
{
	struct libvhost_postcopy_fault f = { .sz = sizeof(f) };
	int pc = LIBVHOST_HAS_POSTCOPY ? -EINVAL : -EOPNOTSUPP;
	int xen = LIBVHOST_HAS_XEN ? -EINVAL : -EOPNOTSUPP;
	char page[4096];

	ck_assert_int_eq(libvhost_frontend_postcopy_advise(NULL, NULL), pc);
	ck_assert_int_eq(libvhost_frontend_postcopy_listen(NULL), pc);
	ck_assert_int_eq(libvhost_frontend_postcopy_end(NULL), pc);
	ck_assert_int_eq(libvhost_frontend_postcopy_read_fault(NULL, &f), pc);
	ck_assert_int_eq(libvhost_frontend_postcopy_place(NULL, 0, page, sizeof(page)), pc);
	ck_assert_int_eq(libvhost_frontend_postcopy_wake(NULL, 0, sizeof(page)), pc);
	ck_assert_int_eq(libvhost_frontend_set_xen_region(NULL, 0, LIBVHOST_XEN_MMAP_FOREIGN, 1), xen);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("frontend");
	TCase *tc = tcase_create("frontend");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_negotiate);
	tcase_add_test(tc, test_no_protocol_features);
	tcase_add_test(tc, test_ring_state_machine);
	tcase_add_test(tc, test_mem_slots);
	tcase_add_test(tc, test_mem_table);
	tcase_add_test(tc, test_log_base_replies);
	tcase_add_test(tc, test_every_request);
	tcase_add_test(tc, test_hostile_backend);
#if LIBVHOST_HAS_POSTCOPY
	tcase_add_test(tc, test_hostile_advise);
#endif
	tcase_add_test(tc, test_backend_channel);
	tcase_add_test(tc, test_connect_listen);
	tcase_add_test(tc, test_reconnect);
	tcase_add_test(tc, test_build_options);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
