/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing over real unix sockets (wire.c) and the request table's rules
 * (proto-table.c), applied to every request of both directions.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define ALL_PROTO (~0ULL)

static struct libvhost_ctx *ctx;

static void setup(void)
{
	ctx = tu_ctx_new();
}

static void teardown(void)
{
	tu_ctx_free(ctx);
	ctx = NULL;
}

static void make_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

/* Sends raw bytes with optional fds on the first byte, bypassing the library. */
static void raw_send(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	ck_assert_uint_le(nfds, 16);
	if (nfds) {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	ck_assert_int_eq(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

static void hdr_bytes(uint8_t *out, uint32_t req, uint32_t flags, uint32_t size)
{
	uint32_t h[3] = { req, flags, size };

	memcpy(out, h, sizeof(h));
}

START_TEST(test_roundtrip_with_fds)
{
	struct lvh_msg out, in;
	int sv[2], efd[3], i, base;

	make_pair(sv);
	base = tu_count_fds();
	for (i = 0; i < 3; i++)
		efd[i] = tu_eventfd();
	lvh_msg_init(&out, LIBVHOST_USER_SET_MEM_TABLE, LIBVHOST_USER_FLAG_NEED_REPLY);
	ck_assert_uint_eq(out.flags, LIBVHOST_USER_VERSION | LIBVHOST_USER_FLAG_NEED_REPLY);
	for (i = 0; i < 200; i++)
		out.payload.bytes[i] = (uint8_t)i;
	out.size = 200;
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(lvh_msg_add_fd(&out, efd[i]), 0);
	ck_assert_int_eq(lvh_wire_send(ctx, sv[0], &out, 1000), 0);
	ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), 0);
	ck_assert_uint_eq(in.request, out.request);
	ck_assert_uint_eq(in.flags, out.flags);
	ck_assert_uint_eq(in.size, 200);
	ck_assert_mem_eq(in.payload.bytes, out.payload.bytes, 200);
	ck_assert_uint_eq(in.nfds, 3);
	for (i = 0; i < 3; i++) {
		/* new descriptors of the same object, close-on-exec */
		ck_assert_int_ne(in.fds[i], efd[i]);
		ck_assert_int_eq(fcntl(in.fds[i], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	}
	/* take one, close the rest */
	i = lvh_msg_take_fd(&in, 1);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(lvh_msg_take_fd(&in, 1), -1);
	ck_assert_int_eq(lvh_msg_take_fd(&in, 7), -1);
	lvh_msg_close_fds(&in);
	ck_assert_uint_eq(in.nfds, 0);
	close(i);
	for (i = 0; i < 3; i++)
		close(efd[i]);
	ck_assert_int_eq(tu_count_fds(), base);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_many_messages_back_to_back)
{
	struct lvh_msg out, in;
	int sv[2], fd = tu_eventfd();
	uint64_t v;
	unsigned int i;

	make_pair(sv);
	/* several messages in the socket at once, fds on some: boundaries hold */
	for (i = 0; i < 20; i++) {
		lvh_msg_init(&out, LIBVHOST_USER_SET_VRING_CALL, 0);
		lvh_msg_set_u64(&out, i);
		if (i % 3 == 0)
			ck_assert_int_eq(lvh_msg_add_fd(&out, fd), 0);
		ck_assert_int_eq(lvh_wire_send(ctx, sv[0], &out, 1000), 0);
	}
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), 0);
		ck_assert_int_eq(lvh_msg_get_u64(ctx, &in, &v), 0);
		ck_assert_uint_eq(v, i);
		ck_assert_uint_eq(in.nfds, i % 3 == 0 ? 1 : 0);
		lvh_msg_close_fds(&in);
	}
	close(fd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

struct slow_writer {
	int sock;
	const uint8_t *buf;
	size_t len;
};

static void *slow_write(void *arg)
{
	struct slow_writer *w = arg;
	size_t i;

	for (i = 0; i < w->len; i++) {
		ck_assert_int_eq(send(w->sock, w->buf + i, 1, MSG_NOSIGNAL), 1);
		usleep(200);
	}
	return NULL;
}

START_TEST(test_partial_reads)
{
	uint8_t buf[12 + 40];
	struct slow_writer w = { .buf = buf, .len = sizeof(buf) };
	struct lvh_msg in;
	pthread_t t;
	int sv[2];

	make_pair(sv);
	hdr_bytes(buf, LIBVHOST_USER_SET_VRING_ADDR, 1, 40);
	memset(buf + 12, 0xab, 40);
	w.sock = sv[0];
	ck_assert_int_eq(pthread_create(&t, NULL, slow_write, &w), 0);
	ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 10000), 0);
	pthread_join(t, NULL);
	ck_assert_uint_eq(in.request, LIBVHOST_USER_SET_VRING_ADDR);
	ck_assert_uint_eq(in.size, 40);
	ck_assert_uint_eq(in.payload.bytes[39], 0xab);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_large_payload_partial_writes)
{
	struct lvh_msg out, in;
	int sv[2], sndbuf = 1024;
	unsigned int i;

	make_pair(sv);
	/* a small send buffer forces sendmsg to write the message in pieces */
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	lvh_msg_init(&out, LIBVHOST_USER_GET_SHMEM_CONFIG, LIBVHOST_USER_FLAG_REPLY);
	for (i = 0; i < LIBVHOST_USER_MAX_PAYLOAD; i++)
		out.payload.bytes[i] = (uint8_t)(i * 7);
	out.size = LIBVHOST_USER_MAX_PAYLOAD;
	{
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			int r = lvh_wire_send(ctx, sv[0], &out, 5000);

			libvhost_ctx_unref(ctx);
			_exit(r == 0 ? 0 : 1);
		}
		ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 5000), 0);
		{
			int status;

			ck_assert_int_eq(waitpid(pid, &status, 0), pid);
			ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
	}
	ck_assert_uint_eq(in.size, LIBVHOST_USER_MAX_PAYLOAD);
	ck_assert_mem_eq(in.payload.bytes, out.payload.bytes, LIBVHOST_USER_MAX_PAYLOAD);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_eof)
{
	struct lvh_msg in;
	uint8_t buf[12];
	int sv[2];

	/* clean close between messages */
	make_pair(sv);
	close(sv[0]);
	ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), -ECONNRESET);
	close(sv[1]);

	/* short header, then close */
	TU_NEGATIVE_BEGIN();
	make_pair(sv);
	hdr_bytes(buf, LIBVHOST_USER_GET_FEATURES, 1, 0);
	raw_send(sv[0], buf, 5, NULL, 0);
	close(sv[0]);
	ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), -ECONNRESET);
	close(sv[1]);
	TU_NEGATIVE_END();

	/* header promising a payload that never comes, with an fd: the fd is closed */
	TU_NEGATIVE_BEGIN();
	int fd = tu_eventfd();

	make_pair(sv);
	hdr_bytes(buf, LIBVHOST_USER_SET_VRING_KICK, 1, 8);
	raw_send(sv[0], buf, 12, &fd, 1);
	close(fd);
	close(sv[0]);
	ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), -ECONNRESET);
	ck_assert_uint_eq(in.nfds, 0);
	close(sv[1]);
	TU_NEGATIVE_END();
}
END_TEST

START_TEST(test_timeout)
{
	struct lvh_msg in;
	uint8_t buf[12];
	int sv[2];

	/* nothing at all */
	make_pair(sv);
	ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 20), -ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);

	/* a peer that stops in the middle of a message, holding an fd hostage: -ETIMEDOUT
	 * says so (the front-end or back-end above logs the peer by name) */
	TU_QUIET_BEGIN();
	int fd = tu_eventfd();

	make_pair(sv);
	hdr_bytes(buf, LIBVHOST_USER_SET_LOG_FD, 1, 0);
	raw_send(sv[0], buf, 8, &fd, 1);
	close(fd);
	ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 50), -ETIMEDOUT);
	ck_assert_uint_eq(in.nfds, 0);
	close(sv[0]);
	close(sv[1]);
	TU_QUIET_END();
}
END_TEST

START_TEST(test_bad_headers)
{
	static const struct {
		uint32_t flags, size;
		int err;
	} cases[] = {
		{ 0x0, 0, -EPROTO }, /* version 0 */
		{ 0x2, 0, -EPROTO }, /* version 2 */
		{ 0x3, 0, -EPROTO }, /* version 3 */
		{ 0x11, 0, -EPROTO }, /* reserved bit 4 */
		{ 0x80000001, 0, -EPROTO }, /* reserved bit 31 */
		{ 0x1, LIBVHOST_USER_MAX_PAYLOAD + 1, -EBADMSG }, /* oversize */
		{ 0x1, 0xffffffff, -EBADMSG },
	};
	struct lvh_msg in;
	uint8_t buf[12];
	size_t i;
	int sv[2];

	for (i = 0; i < LVH_ARRAY_SIZE(cases); i++) {
		TU_NEGATIVE_BEGIN();
		int fds[2] = { tu_eventfd(), tu_eventfd() };

		make_pair(sv);
		hdr_bytes(buf, LIBVHOST_USER_SET_MEM_TABLE, cases[i].flags, cases[i].size);
		raw_send(sv[0], buf, sizeof(buf), fds, 2);
		close(fds[0]);
		close(fds[1]);
		ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), cases[i].err);
		ck_assert_uint_eq(in.nfds, 0);
		close(sv[0]);
		close(sv[1]);
		TU_NEGATIVE_END();
	}
}
END_TEST

START_TEST(test_too_many_fds)
{
	struct lvh_msg in;
	uint8_t buf[12];
	int sv[2], fds[16];
	unsigned int n, i;

	/* 9 fds (one over): caught as surplus; 16: caught as truncated control data */
	for (n = LIBVHOST_USER_MAX_FDS + 1; n <= 16; n += 7) {
		TU_NEGATIVE_BEGIN();
		make_pair(sv);
		for (i = 0; i < n; i++)
			fds[i] = tu_eventfd();
		hdr_bytes(buf, LIBVHOST_USER_SET_MEM_TABLE, 1, 0);
		raw_send(sv[0], buf, sizeof(buf), fds, n);
		for (i = 0; i < n; i++)
			close(fds[i]);
		ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), -EBADMSG);
		ck_assert_uint_eq(in.nfds, 0);
		close(sv[0]);
		close(sv[1]);
		TU_NEGATIVE_END();
	}
}
END_TEST

START_TEST(test_fds_on_payload)
{
	struct lvh_msg in;
	uint8_t buf[12 + 8] = { 0 };
	int sv[2];

	TU_NEGATIVE_BEGIN();
	int fd = tu_eventfd();

	make_pair(sv);
	hdr_bytes(buf, LIBVHOST_USER_SET_VRING_KICK, 1, 8);
	raw_send(sv[0], buf, 12, NULL, 0);
	raw_send(sv[0], buf + 12, 8, &fd, 1); /* fd smuggled in with the payload */
	close(fd);
	ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), -EBADMSG);
	ck_assert_uint_eq(in.nfds, 0);
	close(sv[0]);
	close(sv[1]);
	TU_NEGATIVE_END();
}
END_TEST

START_TEST(test_send_errors)
{
	struct lvh_msg out;
	int sv[2], i;

	lvh_msg_init(&out, LIBVHOST_USER_GET_FEATURES, 0);
	/* peer gone: -EPIPE, and no SIGPIPE kills us */
	make_pair(sv);
	close(sv[1]);
	ck_assert_int_eq(lvh_wire_send(ctx, sv[0], &out, 1000), -EPIPE);
	close(sv[0]);

	/* a peer that never reads: the send times out instead of hanging */
	make_pair(sv);
	out.size = LIBVHOST_USER_MAX_PAYLOAD;
	for (i = 0; i < 10000; i++) {
		int r = lvh_wire_send(ctx, sv[0], &out, 20);

		if (r == -ETIMEDOUT)
			break;
		ck_assert_int_eq(r, 0);
	}
	ck_assert_int_lt(i, 10000);
	close(sv[0]);
	close(sv[1]);

	/* the library refuses to send what it could never receive */
	out.size = LIBVHOST_USER_MAX_PAYLOAD + 1;
	ck_assert_int_eq(lvh_wire_send(ctx, -1, &out, 0), -EINVAL);
	out.size = 0;
	out.nfds = LIBVHOST_USER_MAX_FDS + 1;
	ck_assert_int_eq(lvh_wire_send(ctx, -1, &out, 0), -EINVAL);
}
END_TEST

START_TEST(test_msg_helpers)
{
	struct lvh_msg m, r;
	uint64_t v;
	uint8_t big[LIBVHOST_USER_MAX_PAYLOAD + 1] = { 0 };
	unsigned int i;

	lvh_msg_init(&m, LIBVHOST_USER_GET_VRING_BASE, 0xffffffff);
	/* the version bits always say 1, whatever the caller passed */
	ck_assert_uint_eq(m.flags & LIBVHOST_USER_VERSION_MASK, LIBVHOST_USER_VERSION);
	lvh_msg_init_reply(&r, &m);
	ck_assert_uint_eq(r.request, LIBVHOST_USER_GET_VRING_BASE);
	ck_assert_uint_eq(r.flags, LIBVHOST_USER_VERSION | LIBVHOST_USER_FLAG_REPLY);
	ck_assert_uint_eq(r.size, 0);
	ck_assert_int_eq(lvh_msg_get_u64(ctx, &r, &v), -EBADMSG);
	lvh_msg_set_u64(&r, 0x1122334455667788ULL);
	ck_assert_int_eq(lvh_msg_get_u64(ctx, &r, &v), 0);
	ck_assert_uint_eq(v, 0x1122334455667788ULL);
	ck_assert_int_eq(lvh_msg_set_payload(&r, big, sizeof(big)), -ENOSPC);
	ck_assert_int_eq(lvh_msg_set_payload(&r, big, 0), 0);
	ck_assert_uint_eq(r.size, 0);
	ck_assert_int_eq(lvh_msg_add_fd(&r, -1), -EINVAL);
	for (i = 0; i < LIBVHOST_USER_MAX_FDS; i++)
		ck_assert_int_eq(lvh_msg_add_fd(&r, 100 + (int)i), 0);
	ck_assert_int_eq(lvh_msg_add_fd(&r, 200), -ENOSPC);
}
END_TEST

/* ---- the table ---- */

START_TEST(test_table_shape)
{
	size_t n, i;
	const struct lvh_proto_row *rows;
	int d;

	for (d = LVH_DIR_FRONTEND; d <= LVH_DIR_BACKEND; d++) {
		unsigned int named = 0;

		rows = lvh_proto_rows((enum lvh_dir)d, &n);
		ck_assert_ptr_nonnull(rows);
		for (i = 0; i < n; i++) {
			if (!rows[i].name)
				continue;
			named++;
			ck_assert_uint_eq(rows[i].request, i);
			ck_assert_ptr_eq(lvh_proto_lookup((enum lvh_dir)d, (uint32_t)i), &rows[i]);
			ck_assert_int_lt(rows[i].gate, 23);
			ck_assert_uint_le(rows[i].req_size.b, LIBVHOST_USER_MAX_PAYLOAD);
			ck_assert_uint_le(rows[i].reply_size.b, LIBVHOST_USER_MAX_PAYLOAD);
			ck_assert_uint_le(rows[i].req_size.a, rows[i].req_size.b);
		}
		/* every request of the spec, no gaps: 1..44 and 1..10 */
		ck_assert_uint_eq(named, d == LVH_DIR_FRONTEND ? 44 : 10);
		ck_assert_uint_eq(n, named + 1);
	}
	ck_assert_ptr_null(lvh_proto_lookup(LVH_DIR_FRONTEND, 0));
	ck_assert_ptr_null(lvh_proto_lookup(LVH_DIR_FRONTEND, 0xffffffff));
	ck_assert_ptr_null(lvh_proto_lookup((enum lvh_dir)5, 1));
	ck_assert_str_eq(lvh_proto_name(LVH_DIR_BACKEND, 99), "UNKNOWN");
}
END_TEST

/* Spot checks of rows against the specification's text. */
START_TEST(test_table_rows)
{
	const struct lvh_proto_row *r;

	r = lvh_proto_lookup(LVH_DIR_FRONTEND, LIBVHOST_USER_GET_INFLIGHT_FD);
	ck_assert_uint_eq(r->reply, LVH_REPLY_BODY); /* erratum: the spec table says N/A */
	ck_assert_uint_eq(r->reply_fds, LVH_FD_OPT); /* no fd: "no area", as QEMU reads it */
	r = lvh_proto_lookup(LVH_DIR_FRONTEND, LIBVHOST_USER_REM_MEM_REG);
	ck_assert_uint_eq(r->req_fds, LVH_FD_OPT);
	r = lvh_proto_lookup(LVH_DIR_FRONTEND, LIBVHOST_USER_SET_LOG_BASE);
	ck_assert_uint_eq(r->reply, LVH_REPLY_BODY);
	ck_assert_int_eq(r->gate, LIBVHOST_USER_PROTOCOL_F_LOG_SHMFD);
	r = lvh_proto_lookup(LVH_DIR_FRONTEND, LIBVHOST_USER_SET_VRING_ENABLE);
	ck_assert_int_eq(r->gate, -1); /* gated by virtio bit 30, not a protocol bit */
	r = lvh_proto_lookup(LVH_DIR_FRONTEND, LIBVHOST_USER_GET_SHMEM_CONFIG);
	ck_assert_uint_eq(r->reply_size.a, 2056);
	r = lvh_proto_lookup(LVH_DIR_BACKEND, LIBVHOST_USER_BACKEND_SHMEM_MAP);
	ck_assert_uint_eq(r->req_fds, LVH_FD_ONE);
}
END_TEST

START_TEST(test_reply_expected)
{
	const struct lvh_proto_row *r;
	enum lvh_reply_kind kind;

	r = lvh_proto_lookup(LVH_DIR_FRONTEND, LIBVHOST_USER_GET_FEATURES);
	ck_assert(lvh_proto_reply_expected(r, 0, false, &kind));
	ck_assert_int_eq(kind, LVH_REPLY_KIND_BODY);
	/* NEED_REPLY on a request with its own reply body adds nothing */
	ck_assert(lvh_proto_reply_expected(r, LIBVHOST_USER_FLAG_NEED_REPLY, false, &kind));
	ck_assert_int_eq(kind, LVH_REPLY_KIND_BODY);
	r = lvh_proto_lookup(LVH_DIR_FRONTEND, LIBVHOST_USER_SET_FEATURES);
	ck_assert(!lvh_proto_reply_expected(r, 0, false, &kind));
	ck_assert(lvh_proto_reply_expected(r, LIBVHOST_USER_FLAG_NEED_REPLY, false, &kind));
	ck_assert_int_eq(kind, LVH_REPLY_KIND_ACK);
	r = lvh_proto_lookup(LVH_DIR_FRONTEND, LIBVHOST_USER_SET_MEM_TABLE);
	ck_assert(!lvh_proto_reply_expected(r, 0, false, &kind));
	ck_assert(lvh_proto_reply_expected(r, 0, true, &kind));
	ck_assert_int_eq(kind, LVH_REPLY_KIND_BODY);
}
END_TEST

/* A request that satisfies its row exactly. */
static void build_valid(struct lvh_msg *m, const struct lvh_proto_row *row)
{
	unsigned int i, nfds;

	memset(m, 0, sizeof(*m));
	m->request = row->request;
	m->flags = LIBVHOST_USER_VERSION;
	m->size = row->req_size.a;
	nfds = row->req_fds == LVH_FD_ONE ? 1 : 0;
	for (i = 0; i < nfds; i++)
		m->fds[m->nfds++] = tu_eventfd();
}

/* fds_before: the fd count before the message's fds were made */
static void expect_request(enum lvh_dir dir, struct lvh_msg *m, uint64_t proto, int err,
			   int fds_before)
{
	unsigned int errs = tu_log_errors();

	ck_assert_msg(lvh_proto_check_request(ctx, dir, m, proto) == err, "%s: expected %d",
		      lvh_proto_name(dir, m->request), err);
	ck_assert_uint_gt(tu_log_errors(), errs);
	lvh_msg_close_fds(m);
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

/* Malformed variants of every request of both directions. */
START_TEST(test_every_request_malformed)
{
	int d;

	for (d = LVH_DIR_FRONTEND; d <= LVH_DIR_BACKEND; d++) {
		const struct lvh_proto_row *rows;
		size_t n, i;

		rows = lvh_proto_rows((enum lvh_dir)d, &n);
		for (i = 0; i < n; i++) {
			const struct lvh_proto_row *row = &rows[i];
			struct lvh_msg m;
			int base = tu_count_fds();

			if (!row->name)
				continue;
			/* the valid form passes */
			build_valid(&m, row);
			ck_assert_msg(lvh_proto_check_request(ctx, d, &m, ALL_PROTO) == 0, "%s",
				      row->name);
			lvh_msg_close_fds(&m);
			ck_assert_int_eq(tu_count_fds(), base);

			/* REPLY bit on a request */
			build_valid(&m, row);
			m.flags |= LIBVHOST_USER_FLAG_REPLY;
			expect_request(d, &m, ALL_PROTO, -EPROTO, base);

			/* NEED_REPLY without REPLY_ACK */
			build_valid(&m, row);
			m.flags |= LIBVHOST_USER_FLAG_NEED_REPLY;
			expect_request(d, &m,
				       ALL_PROTO & ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_REPLY_ACK),
				       -EPROTO, base);

			/* one byte too long */
			build_valid(&m, row);
			m.size = (row->req_size.rule == LVH_SZ_NONE ? 0 : row->req_size.b) + 1;
			expect_request(d, &m, ALL_PROTO, -EBADMSG, base);

			/* one byte too short */
			if (row->req_size.a > 0) {
				build_valid(&m, row);
				m.size = row->req_size.a - 1u;
				expect_request(d, &m, ALL_PROTO, -EBADMSG, base);
			}

			/* an fd too many */
			if (row->req_fds != LVH_FD_REGIONS) {
				build_valid(&m, row);
				m.fds[m.nfds++] = tu_eventfd();
				if (row->req_fds == LVH_FD_OPT)
					m.fds[m.nfds++] = tu_eventfd();
				expect_request(d, &m, ALL_PROTO, -EBADMSG, base);
			}

			/* a missing fd */
			if (row->req_fds == LVH_FD_ONE) {
				build_valid(&m, row);
				lvh_msg_close_fds(&m);
				expect_request(d, &m, ALL_PROTO, -EBADMSG, base);
			}

			/* its protocol feature not negotiated */
			if (row->gate >= 0) {
				build_valid(&m, row);
				expect_request(d, &m, ALL_PROTO & ~LVH_BIT(row->gate), -EOPNOTSUPP, base);
			}

			/* back-end fds without BACKEND_SEND_FD */
			if (d == LVH_DIR_BACKEND && row->req_fds == LVH_FD_ONE) {
				build_valid(&m, row);
				expect_request(d, &m,
					       ALL_PROTO &
						       ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_BACKEND_SEND_FD),
					       -EBADMSG, base);
			}
		}
	}
}
END_TEST

START_TEST(test_unknown_requests)
{
	static const uint32_t codes[] = { 0, 45, 46, 100, 0x7fffffff, 0xffffffff };
	struct lvh_msg m;
	size_t i;
	int d;

	int base = tu_count_fds();

	for (d = LVH_DIR_FRONTEND; d <= LVH_DIR_BACKEND; d++) {
		for (i = 0; i < LVH_ARRAY_SIZE(codes); i++) {
			memset(&m, 0, sizeof(m));
			m.request = codes[i] == 45 && d == LVH_DIR_BACKEND ? 11 : codes[i];
			m.flags = LIBVHOST_USER_VERSION;
			m.fds[m.nfds++] = tu_eventfd();
			expect_request(d, &m, ALL_PROTO, -EOPNOTSUPP, base);
		}
	}
}
END_TEST

START_TEST(test_replies)
{
	struct lvh_msg m;

	/* a good u64 reply */
	memset(&m, 0, sizeof(m));
	m.request = LIBVHOST_USER_GET_FEATURES;
	m.flags = LIBVHOST_USER_VERSION | LIBVHOST_USER_FLAG_REPLY;
	m.size = 8;
	ck_assert_int_eq(lvh_proto_check_reply(ctx, LVH_DIR_FRONTEND, LIBVHOST_USER_GET_FEATURES,
					       LVH_REPLY_KIND_BODY, &m),
			 0);

	/* the reply to some other request */
	TU_NEGATIVE_BEGIN();
	ck_assert_int_eq(lvh_proto_check_reply(ctx, LVH_DIR_FRONTEND,
					       LIBVHOST_USER_GET_PROTOCOL_FEATURES,
					       LVH_REPLY_KIND_BODY, &m),
			 -EPROTO);
	TU_NEGATIVE_END();

	/* REPLY flag missing */
	TU_NEGATIVE_BEGIN();
	m.flags = LIBVHOST_USER_VERSION;
	ck_assert_int_eq(lvh_proto_check_reply(ctx, LVH_DIR_FRONTEND, LIBVHOST_USER_GET_FEATURES,
					       LVH_REPLY_KIND_BODY, &m),
			 -EPROTO);
	TU_NEGATIVE_END();

	/* NEED_REPLY on a reply */
	TU_NEGATIVE_BEGIN();
	m.flags = LIBVHOST_USER_VERSION | LIBVHOST_USER_FLAG_REPLY | LIBVHOST_USER_FLAG_NEED_REPLY;
	ck_assert_int_eq(lvh_proto_check_reply(ctx, LVH_DIR_FRONTEND, LIBVHOST_USER_GET_FEATURES,
					       LVH_REPLY_KIND_BODY, &m),
			 -EPROTO);
	TU_NEGATIVE_END();

	/* oversize ack */
	TU_NEGATIVE_BEGIN();
	m.request = LIBVHOST_USER_SET_FEATURES;
	m.flags = LIBVHOST_USER_VERSION | LIBVHOST_USER_FLAG_REPLY;
	m.size = 16;
	ck_assert_int_eq(lvh_proto_check_reply(ctx, LVH_DIR_FRONTEND, LIBVHOST_USER_SET_FEATURES,
					       LVH_REPLY_KIND_ACK, &m),
			 -EBADMSG);
	TU_NEGATIVE_END();

	/* an ack that smuggles an fd */
	TU_NEGATIVE_BEGIN();
	m.size = 8;
	m.fds[m.nfds++] = tu_eventfd();
	ck_assert_int_eq(lvh_proto_check_reply(ctx, LVH_DIR_FRONTEND, LIBVHOST_USER_SET_FEATURES,
					       LVH_REPLY_KIND_ACK, &m),
			 -EBADMSG);
	lvh_msg_close_fds(&m);
	TU_NEGATIVE_END();

	/* GET_INFLIGHT_FD's reply without its fd passes the table (the codec says "no area") */
	m.request = LIBVHOST_USER_GET_INFLIGHT_FD;
	m.size = 24;
	ck_assert_int_eq(lvh_proto_check_reply(ctx, LVH_DIR_FRONTEND, LIBVHOST_USER_GET_INFLIGHT_FD,
					       LVH_REPLY_KIND_BODY, &m),
			 0);

	/* a reply to a request we would never send */
	ck_assert_int_eq(lvh_proto_check_reply(ctx, LVH_DIR_FRONTEND, 999, LVH_REPLY_KIND_ACK, &m),
			 -EINVAL);
}
END_TEST

/* Every received message's fds are closed on every path, 1000 times over. */
START_TEST(test_fd_soak)
{
	struct lvh_msg in;
	uint8_t buf[12];
	int sv[2], fds[3], base, i;

	make_pair(sv);
	base = tu_count_fds();
	for (i = 0; i < 1000; i++) {
		int j;

		for (j = 0; j < 3; j++)
			fds[j] = tu_eventfd();
		hdr_bytes(buf, LIBVHOST_USER_SET_VRING_KICK, i % 2 ? 1 : 0x21, 0);
		raw_send(sv[0], buf, sizeof(buf), fds, 3);
		for (j = 0; j < 3; j++)
			close(fds[j]);
		if (i % 2) {
			ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), 0);
			ck_assert_int_eq(lvh_proto_check_request(ctx, LVH_DIR_FRONTEND, &in, 0),
					 -EBADMSG);
			lvh_msg_close_fds(&in);
		} else {
			ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), -EPROTO);
		}
	}
	ck_assert_int_eq(tu_count_fds(), base);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* 10,000 hostile messages: heap and fd count stay flat. */
START_TEST(test_soak_memory_flat)
{
	struct lvh_msg in;
	uint8_t buf[12 + 16] = { 0 };
	struct mallinfo2 before, after;
	int sv[2], fds_before, i, fd;

	make_pair(sv);
	fd = tu_eventfd();
	for (i = 0; i < 100; i++) { /* warm up: let stdio and the allocator settle */
		hdr_bytes(buf, LIBVHOST_USER_SET_LOG_BASE, 1, 16);
		raw_send(sv[0], buf, sizeof(buf), &fd, 1);
		ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), 0);
		lvh_proto_check_request(ctx, LVH_DIR_FRONTEND, &in, 0);
		lvh_msg_close_fds(&in);
	}
	fds_before = tu_count_fds();
	before = mallinfo2();
	for (i = 0; i < 10000; i++) {
		hdr_bytes(buf, i % 2 ? LIBVHOST_USER_SET_LOG_BASE : 0xdead, 1, 16);
		raw_send(sv[0], buf, sizeof(buf), &fd, 1);
		ck_assert_int_eq(lvh_wire_recv(ctx, sv[1], &in, 1000), 0);
		ck_assert_int_lt(lvh_proto_check_request(ctx, LVH_DIR_FRONTEND, &in, 0), 0);
		lvh_msg_close_fds(&in);
	}
	after = mallinfo2();
	ck_assert_int_eq(tu_count_fds(), fds_before);
	ck_assert_uint_le(after.uordblks, before.uordblks + 4096);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/*
 * A socket file left by a killed process is taken over; a live listener,
 * or a file that is no socket, is not touched.
 */
START_TEST(test_listen_stale)
{
	char dir[] = "/tmp/lvh-wire.XXXXXX", path[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int old, fd, c;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	strcpy(sa.sun_path, path);
	/* a process bound and listened, then died: its socket file stays */
	old = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(old, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(old, 1), 0);
	/* while it lives, the path is in use */
	TU_QUIET_BEGIN();
	ck_assert_int_eq(lvh_wire_listen(ctx, path, 0), -EADDRINUSE);
	TU_QUIET_END();
	close(old);
	fd = lvh_wire_listen(ctx, path, SOCK_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(c);
	close(fd);
	/* a regular file at the path stays as it is */
	ck_assert_int_eq(unlink(path), 0);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	TU_QUIET_BEGIN();
	ck_assert_int_eq(lvh_wire_listen(ctx, path, 0), -EADDRINUSE);
	ck_assert_int_eq(lvh_wire_listen(ctx, "", 0), -ENAMETOOLONG);
	TU_QUIET_END();
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wire");
	TCase *tc;

	signal(SIGPIPE, SIG_DFL); /* prove MSG_NOSIGNAL: a SIGPIPE would kill the test */

	tc = tcase_create("framing");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roundtrip_with_fds);
	tcase_add_test(tc, test_many_messages_back_to_back);
	tcase_add_test(tc, test_partial_reads);
	tcase_add_test(tc, test_large_payload_partial_writes);
	tcase_add_test(tc, test_eof);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_bad_headers);
	tcase_add_test(tc, test_too_many_fds);
	tcase_add_test(tc, test_fds_on_payload);
	tcase_add_test(tc, test_send_errors);
	tcase_add_test(tc, test_msg_helpers);
	tcase_add_test(tc, test_listen_stale);
	tcase_add_test(tc, test_fd_soak);
	tcase_add_test(tc, test_soak_memory_flat);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_table_shape);
	tcase_add_test(tc, test_table_rows);
	tcase_add_test(tc, test_reply_expected);
	tcase_add_test(tc, test_every_request_malformed);
	tcase_add_test(tc, test_unknown_requests);
	tcase_add_test(tc, test_replies);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
