/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user-vsock's protocol core (tools/vsock-core.c) against a hostile
 * guest: libvhost's front-end and driver-side rings play the guest, a
 * back-end on a thread of its own processes the messages, and this thread
 * serves the rings with the core (the back-end is THREADED) and plays the
 * host side with a fake of the unix sockets.  Bad lengths, unknown ops,
 * credit lies, a wrong source CID, data on no connection: only the
 * connection concerned is reset, the others keep carrying data.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "csumdev.h"
#include "testutil.h"
#include "vsock-core.h"

#define CID 3
#define HOST_PORT 1000 /* the one host port that accepts */
#define BUF_ALLOC 8192 /* the core's credit per connection */
#define NUM 64
#define RXBUF (VSOCK_HDR_LEN + 4096)
#define MAXC 8

/* The fake host side of one connection. */
struct fake {
	bool used, closed, stall; /* stall: takes none of the guest's bytes */
	struct vsock_conn *c;
	uint64_t got; /* bytes from the guest */
	uint64_t got_hash;
	const uint8_t *src; /* bytes for the guest */
	size_t src_len, src_off;
	bool src_eof;
};

static struct fake fakes[MAXC];
static struct vsock_core *core;

static int fake_connect(void *ud, struct vsock_conn *c)
{
	unsigned int i;

	(void)ud;
	if (c->host_port != HOST_PORT)
		return -ECONNREFUSED;
	for (i = 0; i < MAXC && fakes[i].used; i++)
		;
	ck_assert_uint_lt(i, MAXC);
	fakes[i] = (struct fake){ .used = true, .c = c, .got_hash = TU_FNV_INIT };
	c->priv = &fakes[i];
	return 0;
}

static void fake_accepted(void *ud, struct vsock_conn *c)
{
	(void)ud;
	(void)c;
}

static void fake_data(void *ud, struct vsock_conn *c)
{
	struct fake *f = c->priv;
	struct iovec iov[2];
	unsigned int n, i;
	size_t len;

	(void)ud;
	if (f->stall)
		return;
	len = vsock_conn_out(c, iov, &n);
	for (i = 0; i < n; i++)
		f->got_hash = tu_fnv(f->got_hash, iov[i].iov_base, iov[i].iov_len);
	f->got += len;
	vsock_conn_consumed(core, c, len);
}

static ssize_t fake_read(void *ud, struct vsock_conn *c, const struct iovec *iov, unsigned int n)
{
	struct fake *f = c->priv;
	size_t done = 0;
	unsigned int i;

	(void)ud;
	for (i = 0; i < n && f->src_off < f->src_len; i++) {
		size_t l = iov[i].iov_len < f->src_len - f->src_off ? iov[i].iov_len
								     : f->src_len - f->src_off;

		memcpy(iov[i].iov_base, f->src + f->src_off, l);
		f->src_off += l;
		done += l;
	}
	if (done)
		return (ssize_t)done;
	return f->src_eof ? 0 : -EAGAIN;
}

static void fake_closed(void *ud, struct vsock_conn *c)
{
	struct fake *f = c->priv;

	(void)ud;
	f->closed = true;
	f->c = NULL;
}

static const struct vsock_host_ops fake_ops = {
	.guest_connect = fake_connect,
	.accepted = fake_accepted,
	.data = fake_data,
	.read = fake_read,
	.closed = fake_closed,
};

/* The back-end's messages, on a thread; the rings are this thread's. */
struct device {
	struct libvhost_backend *be;
	pthread_t thread;
	int stop;
};

static void *device_main(void *arg)
{
	struct device *d = arg;

	for (;;) {
		struct pollfd pfd[2] = { { d->stop, POLLIN, 0 },
					 { libvhost_backend_get_fd(d->be), POLLIN, 0 } };

		if (poll(pfd, 2, 1000) < 0 || pfd[0].revents)
			break;
		if (pfd[1].revents && libvhost_backend_process(d->be) < 0)
			break;
	}
	return NULL;
}

static struct libvhost_ctx *ctx;
static struct device dev;
static struct libvhost_frontend *fe;
static struct libvhost_mem *mem;
static struct libvhost_vring *vr[VSOCK_VQS];
static int kick[VSOCK_VQS], call[VSOCK_VQS];
static uint8_t *guest; /* 1 MiB of guest memory */
static uint8_t *txbuf, *rxbufs;
static bool rx_posted[NUM / 2]; /* receive buffer slots in the ring */
static uint32_t guest_fwd[65536]; /* per guest port: bytes the guest "forwarded" */

static void setup(void)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = 1ULL << 32, .queue_num = VSOCK_VQS,
		      .flags = LIBVHOST_BACKEND_F_THREADED);
	LIBVHOST_OPTS(libvhost_vring_opts, vo);
	struct libvhost_dev *vd;
	unsigned int i;
	int sv[2];
	void *p;

	memset(fakes, 0, sizeof(fakes));
	memset(rx_posted, 0, sizeof(rx_posted));
	memset(guest_fwd, 0, sizeof(guest_fwd));
	ctx = tu_ctx_new();
	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &dev.be), 0);
	dev.stop = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_adopt_fd(dev.be, sv[1]), 0);
	ck_assert_int_eq(pthread_create(&dev.thread, NULL, device_main, &dev), 0);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], NULL, &fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	vd = libvhost_frontend_get_dev(fe);
	ck_assert_int_eq(libvhost_dev_set_features(vd, 1ULL << 32), 0);
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 0x100000, NULL, &p), 0);
	guest = p;
	txbuf = guest + 0x20000; /* one packet of up to 128 KiB */
	rxbufs = guest + 0x40000; /* NUM receive buffers */
	ck_assert_int_eq(libvhost_dev_set_mem(vd, mem), 0);
	for (i = 0; i < VSOCK_VQS; i++) {
		ck_assert_int_eq(libvhost_vring_new(mem, i * 0x8000, NUM, &vo, &vr[i]), 0);
		kick[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ck_assert_int_eq(libvhost_dev_start_vring(vd, i, vr[i], kick[i], call[i]), 0);
	}
	/* the rings are started once the back-end processed the messages */
	for (i = 0; i < 5000 && !(libvhost_vq_is_enabled(libvhost_backend_get_vq(dev.be, 0)) &&
				  libvhost_vq_is_enabled(libvhost_backend_get_vq(dev.be, 1)) &&
				  libvhost_vq_is_enabled(libvhost_backend_get_vq(dev.be, 2)));
	     i++)
		usleep(1000);
	ck_assert_uint_lt(i, 5000);
	core = vsock_core_new(CID, BUF_ALLOC, 16, &fake_ops, NULL);
	ck_assert_ptr_nonnull(core);
}

static void teardown(void)
{
	uint64_t one = 1;
	unsigned int i;

	vsock_core_free(core);
	libvhost_frontend_unref(fe);
	ck_assert_int_eq(write(dev.stop, &one, sizeof(one)), sizeof(one));
	pthread_join(dev.thread, NULL);
	libvhost_backend_unref(dev.be);
	close(dev.stop);
	for (i = 0; i < VSOCK_VQS; i++) {
		libvhost_vring_unref(vr[i]);
		close(kick[i]);
		close(call[i]);
	}
	libvhost_mem_unref(mem);
	tu_ctx_free(ctx);
}

/* A packet as the guest's driver would make it (fields given, CIDs right unless changed). */
struct pkt {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

static struct pkt pkt(uint32_t guest_port, uint16_t op)
{
	return (struct pkt){ CID, VSOCK_CID_HOST, guest_port, HOST_PORT, 0,
			     VIRTIO_VSOCK_TYPE_STREAM, op, 0, 1u << 20, guest_fwd[guest_port] };
}

static void encode(const struct pkt *p, struct virtio_vsock_hdr *w)
{
	w->src_cid = htole64(p->src_cid);
	w->dst_cid = htole64(p->dst_cid);
	w->src_port = htole32(p->src_port);
	w->dst_port = htole32(p->dst_port);
	w->len = htole32(p->len);
	w->type = htole16(p->type);
	w->op = htole16(p->op);
	w->flags = htole32(p->flags);
	w->buf_alloc = htole32(p->buf_alloc);
	w->fwd_cnt = htole32(p->fwd_cnt);
}

/*
 * The guest transmits @p with @payload bytes after the header (@total: the
 * buffer's size, header included; 0: header + payload), served by the core.
 */
static void transmit_raw(const struct pkt *p, const uint8_t *payload, size_t plen, size_t total)
{
	struct iovec iov[2];
	void *tok;
	uint32_t len;

	if (!total)
		total = VSOCK_HDR_LEN + plen;
	memset(txbuf, 0, total);
	if (total >= VSOCK_HDR_LEN)
		encode(p, (struct virtio_vsock_hdr *)txbuf);
	if (payload && total >= VSOCK_HDR_LEN + plen)
		memcpy(txbuf + VSOCK_HDR_LEN, payload, plen);
	/* the header in a part of its own, as Linux sends it */
	iov[0] = (struct iovec){ txbuf, total < VSOCK_HDR_LEN ? total : VSOCK_HDR_LEN };
	iov[1] = (struct iovec){ txbuf + VSOCK_HDR_LEN, total - iov[0].iov_len };
	ck_assert_int_eq(libvhost_vring_add(vr[VSOCK_VQ_TX], iov, iov[1].iov_len ? 2 : 1, 0, txbuf),
			 0);
	libvhost_vring_kick(vr[VSOCK_VQ_TX]);
	vsock_core_serve_tx(core, libvhost_backend_get_vq(dev.be, VSOCK_VQ_TX), 256);
	ck_assert_int_eq(libvhost_vring_get_used(vr[VSOCK_VQ_TX], &tok, &len), 1);
	ck_assert_ptr_eq(tok, txbuf);
}

static void transmit(struct pkt p, const uint8_t *payload, size_t plen)
{
	p.len = (uint32_t)plen;
	transmit_raw(&p, payload, plen, 0);
}

/* What the guest received: up to @max packets, headers decoded, payloads hashed. */
struct got {
	struct pkt h;
	uint64_t hash;
};

/* Every free slot posted, the core serves the RX ring, what it filled is decoded. */
static unsigned int receive(struct got *out, unsigned int max)
{
	unsigned int i, n = 0;
	void *tok;
	uint32_t len;

	for (i = 0; i < NUM / 2; i++) {
		struct iovec iov = { rxbufs + i * RXBUF, RXBUF };

		if (rx_posted[i])
			continue;
		ck_assert_int_eq(libvhost_vring_add(vr[VSOCK_VQ_RX], &iov, 0, 1, iov.iov_base), 0);
		rx_posted[i] = true;
	}
	libvhost_vring_kick(vr[VSOCK_VQ_RX]);
	vsock_core_serve_rx(core, libvhost_backend_get_vq(dev.be, VSOCK_VQ_RX), 256);
	while (libvhost_vring_get_used(vr[VSOCK_VQ_RX], &tok, &len) == 1) {
		const struct virtio_vsock_hdr *w = tok;

		rx_posted[((uint8_t *)tok - rxbufs) / RXBUF] = false;
		ck_assert_uint_ge(len, VSOCK_HDR_LEN);
		ck_assert_uint_lt(n, max);
		out[n].h = (struct pkt){ le64toh(w->src_cid), le64toh(w->dst_cid),
					 le32toh(w->src_port), le32toh(w->dst_port),
					 le32toh(w->len), le16toh(w->type), le16toh(w->op),
					 le32toh(w->flags), le32toh(w->buf_alloc),
					 le32toh(w->fwd_cnt) };
		ck_assert_uint_eq(out[n].h.len, len - VSOCK_HDR_LEN);
		ck_assert_uint_eq(out[n].h.src_cid, VSOCK_CID_HOST);
		ck_assert_uint_eq(out[n].h.dst_cid, CID);
		out[n].hash = tu_fnv(TU_FNV_INIT, (const uint8_t *)tok + VSOCK_HDR_LEN,
				     len - VSOCK_HDR_LEN);
		n++;
	}
	return n;
}

/* Exactly one packet for the guest, with @op to @guest_port. */
static struct got receive_one(uint32_t guest_port, uint16_t op)
{
	struct got g[4];

	ck_assert_uint_eq(receive(g, 4), 1);
	ck_assert_uint_eq(g[0].h.dst_port, guest_port);
	ck_assert_uint_eq(g[0].h.op, op);
	return g[0];
}

static void receive_none(void)
{
	struct got g[4];

	ck_assert_uint_eq(receive(g, 4), 0);
}

/* A connection from guest port @gp to HOST_PORT, accepted. */
static struct fake *open_conn(uint32_t gp)
{
	struct got g;
	unsigned int i;

	transmit(pkt(gp, VIRTIO_VSOCK_OP_REQUEST), NULL, 0);
	g = receive_one(gp, VIRTIO_VSOCK_OP_RESPONSE);
	ck_assert_uint_eq(g.h.src_port, HOST_PORT);
	ck_assert_uint_eq(g.h.buf_alloc, BUF_ALLOC);
	for (i = 0; i < MAXC; i++)
		if (fakes[i].used && fakes[i].c && fakes[i].c->guest_port == gp)
			return &fakes[i];
	ck_abort_msg("no host side for port %u", gp);
	return NULL;
}

/* @len bytes from guest port @gp reach the host side intact. */
static void guest_sends(struct fake *f, uint32_t gp, size_t len, uint8_t seed)
{
	uint8_t data[4096];
	uint64_t before = f->got;
	size_t i;

	ck_assert_uint_le(len, sizeof(data));
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(seed + i * 7);
	f->got_hash = TU_FNV_INIT;
	transmit(pkt(gp, VIRTIO_VSOCK_OP_RW), data, len);
	ck_assert_uint_eq(f->got - before, len);
	ck_assert_uint_eq(f->got_hash, tu_fnv(TU_FNV_INIT, data, len));
	ck_assert(!f->closed);
}

/* @len bytes of the host side reach guest port @gp intact. */
static void host_sends(struct fake *f, uint32_t gp, size_t len)
{
	static uint8_t data[4096];
	struct got g[8];
	unsigned int n, i;
	uint64_t h = TU_FNV_INIT;
	size_t got = 0;

	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 13 + gp);
	f->src = data;
	f->src_len = len;
	f->src_off = 0;
	vsock_conn_readable(core, f->c);
	n = receive(g, 8);
	for (i = 0; i < n; i++) {
		if (g[i].h.op != VIRTIO_VSOCK_OP_RW)
			continue;
		ck_assert_uint_eq(g[i].h.dst_port, gp);
		h = tu_fnv(h, data + got, g[i].h.len); /* the order the bytes were sent in */
		ck_assert_uint_eq(g[i].hash, tu_fnv(TU_FNV_INIT, data + got, g[i].h.len));
		got += g[i].h.len;
	}
	ck_assert_uint_eq(got, len);
	(void)h;
	guest_fwd[gp] += (uint32_t)len;
}

/* Both ways work on a healthy connection, and a clean close: SHUTDOWN, then RST. */
START_TEST(test_connect_and_close)
{
	struct fake *f = open_conn(5000);
	const struct vsock_stats *s = vsock_core_stats(core);
	struct pkt p;

	guest_sends(f, 5000, 100, 1);
	host_sends(f, 5000, 3000);
	p = pkt(5000, VIRTIO_VSOCK_OP_SHUTDOWN);
	p.flags = VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND;
	transmit(p, NULL, 0);
	receive_one(5000, VIRTIO_VSOCK_OP_RST);
	ck_assert(f->closed);
	ck_assert_uint_eq(vsock_core_conns(core), 0);
	/* a port nothing listens on: refused with an RST */
	p = pkt(5001, VIRTIO_VSOCK_OP_REQUEST);
	p.dst_port = HOST_PORT + 1;
	transmit(p, NULL, 0);
	ck_assert_uint_eq(receive_one(5001, VIRTIO_VSOCK_OP_RST).h.src_port, HOST_PORT + 1);
	ck_assert_uint_eq(s->refused, 1);
	ck_assert_uint_eq(s->guest_connects, 1);
	ck_assert_uint_eq(s->bad_header + s->bad_length + s->bad_address + s->bad_type +
				  s->bad_op + s->credit_lies + s->unknown_conn,
			  0);
}
END_TEST

/* Headers whose len is not the payload's, over 64 KiB, or a buffer shorter than a header. */
START_TEST(test_bad_lengths)
{
	struct fake *a = open_conn(6000), *b = open_conn(6001);
	const struct vsock_stats *s = vsock_core_stats(core);
	static uint8_t big[70000];
	struct pkt p;

	/* len one more than the payload */
	p = pkt(6000, VIRTIO_VSOCK_OP_RW);
	p.len = 11;
	transmit_raw(&p, big, 10, 0);
	receive_one(6000, VIRTIO_VSOCK_OP_RST);
	ck_assert(a->closed);
	ck_assert_uint_eq(s->bad_length, 1);
	guest_sends(b, 6001, 500, 3);
	/* len one less than the payload, on a new connection */
	a = open_conn(6002);
	p = pkt(6002, VIRTIO_VSOCK_OP_RW);
	p.len = 9;
	transmit_raw(&p, big, 10, 0);
	receive_one(6002, VIRTIO_VSOCK_OP_RST);
	ck_assert(a->closed);
	/* over VSOCK_MAX_PKT, len right */
	a = open_conn(6003);
	transmit(pkt(6003, VIRTIO_VSOCK_OP_RW), big, sizeof(big));
	receive_one(6003, VIRTIO_VSOCK_OP_RST);
	ck_assert(a->closed);
	ck_assert_uint_eq(s->bad_length, 3);
	/* shorter than a header: nothing to answer, nothing breaks */
	p = pkt(6001, VIRTIO_VSOCK_OP_RW);
	transmit_raw(&p, NULL, 0, 20);
	receive_none();
	ck_assert_uint_eq(s->bad_header, 1);
	guest_sends(b, 6001, 700, 4);
	host_sends(b, 6001, 2000);
	ck_assert_uint_eq(vsock_core_conns(core), 1);
}
END_TEST

/* Ops the spec does not have, or out of place, and a type other than stream. */
START_TEST(test_unknown_op)
{
	struct fake *a = open_conn(7000), *b = open_conn(7001);
	const struct vsock_stats *s = vsock_core_stats(core);
	struct pkt p;

	transmit(pkt(7000, 99), NULL, 0);
	receive_one(7000, VIRTIO_VSOCK_OP_RST);
	ck_assert(a->closed);
	ck_assert_uint_eq(s->bad_op, 1);
	guest_sends(b, 7001, 64, 5);
	/* INVALID (0) */
	a = open_conn(7002);
	transmit(pkt(7002, VIRTIO_VSOCK_OP_INVALID), NULL, 0);
	receive_one(7002, VIRTIO_VSOCK_OP_RST);
	/* a RESPONSE on an established connection, a second REQUEST */
	a = open_conn(7003);
	transmit(pkt(7003, VIRTIO_VSOCK_OP_RESPONSE), NULL, 0);
	receive_one(7003, VIRTIO_VSOCK_OP_RST);
	a = open_conn(7004);
	transmit(pkt(7004, VIRTIO_VSOCK_OP_REQUEST), NULL, 0);
	receive_one(7004, VIRTIO_VSOCK_OP_RST);
	ck_assert_uint_eq(s->bad_op, 4);
	/* SEQPACKET, not offered */
	a = open_conn(7005);
	p = pkt(7005, VIRTIO_VSOCK_OP_RW);
	p.type = VIRTIO_VSOCK_TYPE_SEQPACKET;
	transmit(p, (const uint8_t *)"x", 1);
	receive_one(7005, VIRTIO_VSOCK_OP_RST);
	ck_assert_uint_eq(s->bad_type, 1);
	/* data after the guest shut its sending side */
	a = open_conn(7006);
	p = pkt(7006, VIRTIO_VSOCK_OP_SHUTDOWN);
	p.flags = VIRTIO_VSOCK_SHUTDOWN_SEND;
	transmit(p, NULL, 0);
	transmit(pkt(7006, VIRTIO_VSOCK_OP_RW), (const uint8_t *)"late", 4);
	receive_one(7006, VIRTIO_VSOCK_OP_RST);
	ck_assert(a->closed);
	ck_assert_uint_eq(s->bad_op, 5);
	guest_sends(b, 7001, 1000, 6);
	host_sends(b, 7001, 1000);
	ck_assert_uint_eq(vsock_core_conns(core), 1);
}
END_TEST

/* More payload than the credit given, and a fwd_cnt beyond what was sent. */
START_TEST(test_credit_lies)
{
	struct fake *a = open_conn(8000), *b = open_conn(8001);
	const struct vsock_stats *s = vsock_core_stats(core);
	static uint8_t data[BUF_ALLOC];
	struct pkt p;

	/* the host side reads nothing: the whole credit fills, then one byte more */
	a->stall = true;
	transmit(pkt(8000, VIRTIO_VSOCK_OP_RW), data, 4096);
	transmit(pkt(8000, VIRTIO_VSOCK_OP_RW), data, BUF_ALLOC - 4096);
	ck_assert(!a->closed);
	ck_assert_uint_eq(s->credit_lies, 0);
	transmit(pkt(8000, VIRTIO_VSOCK_OP_RW), data, 1);
	receive_one(8000, VIRTIO_VSOCK_OP_RST);
	ck_assert(a->closed);
	ck_assert_uint_eq(s->credit_lies, 1);
	guest_sends(b, 8001, 300, 7);
	/* a guest claiming it forwarded bytes it was never sent */
	host_sends(b, 8001, 1000);
	a = open_conn(8002);
	host_sends(a, 8002, 100);
	p = pkt(8002, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
	p.fwd_cnt = 101;
	transmit(p, NULL, 0);
	receive_one(8002, VIRTIO_VSOCK_OP_RST);
	ck_assert(a->closed);
	ck_assert_uint_eq(s->credit_lies, 2);
	/* the honest one goes on: its fwd_cnt says what it read */
	transmit(pkt(8001, VIRTIO_VSOCK_OP_CREDIT_UPDATE), NULL, 0);
	receive_none();
	guest_sends(b, 8001, 4000, 8);
	host_sends(b, 8001, 4000);
	ck_assert_uint_eq(vsock_core_conns(core), 1);
}
END_TEST

/* The device sends no more than the guest's credit, asks for more, and goes on when given it. */
START_TEST(test_credit_respected)
{
	struct fake *a = open_conn(9000);
	static uint8_t data[3000];
	struct got g[8];
	unsigned int n, i;
	size_t got = 0;
	struct pkt p;

	/* the guest's buffer: 1000 bytes */
	p = pkt(9000, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
	p.buf_alloc = 1000;
	transmit(p, NULL, 0);
	memset(data, 0x5a, sizeof(data));
	a->src = data;
	a->src_len = sizeof(data);
	vsock_conn_readable(core, a->c);
	n = receive(g, 8);
	for (i = 0; i < n; i++)
		if (g[i].h.op == VIRTIO_VSOCK_OP_RW)
			got += g[i].h.len;
	ck_assert_uint_eq(got, 1000);
	ck_assert_uint_eq(g[n - 1].h.op, VIRTIO_VSOCK_OP_CREDIT_REQUEST);
	receive_none();
	/* the guest read 600: 600 more */
	p.fwd_cnt = 600;
	p.op = VIRTIO_VSOCK_OP_CREDIT_UPDATE;
	transmit(p, NULL, 0);
	n = receive(g, 8);
	for (got = 0, i = 0; i < n; i++)
		if (g[i].h.op == VIRTIO_VSOCK_OP_RW)
			got += g[i].h.len;
	ck_assert_uint_eq(got, 600);
	/* its CREDIT_REQUEST (the same credit) is answered with our fwd_cnt */
	p.op = VIRTIO_VSOCK_OP_CREDIT_REQUEST;
	transmit(p, NULL, 0);
	ck_assert_uint_eq(receive_one(9000, VIRTIO_VSOCK_OP_CREDIT_UPDATE).h.buf_alloc, BUF_ALLOC);
	ck_assert(!a->closed);
}
END_TEST

/* Packets of no connection, and from a CID not the guest's. */
START_TEST(test_unknown_conn)
{
	struct fake *b = open_conn(10001);
	const struct vsock_stats *s = vsock_core_stats(core);
	struct pkt p;
	unsigned int i;

	transmit(pkt(10000, VIRTIO_VSOCK_OP_RW), (const uint8_t *)"who", 3);
	receive_one(10000, VIRTIO_VSOCK_OP_RST);
	transmit(pkt(10000, VIRTIO_VSOCK_OP_SHUTDOWN), NULL, 0);
	receive_one(10000, VIRTIO_VSOCK_OP_RST);
	transmit(pkt(10000, VIRTIO_VSOCK_OP_CREDIT_REQUEST), NULL, 0);
	receive_one(10000, VIRTIO_VSOCK_OP_RST);
	/* RW is the guest's mistake; the others may have crossed an RST */
	ck_assert_uint_eq(s->unknown_conn, 1);
	ck_assert_uint_eq(s->late, 2);
	/* an RST of no connection is not answered */
	transmit(pkt(10000, VIRTIO_VSOCK_OP_RST), NULL, 0);
	receive_none();
	/* a wrong source CID resets the connection it names */
	p = pkt(10001, VIRTIO_VSOCK_OP_RW);
	p.src_cid = CID + 1;
	transmit(p, (const uint8_t *)"spoof", 5);
	receive_one(10001, VIRTIO_VSOCK_OP_RST);
	ck_assert(b->closed);
	ck_assert_uint_eq(s->bad_address, 1);
	/* a flood of them with no receive buffer: the resets waiting are bounded */
	b = open_conn(10002);
	for (i = 0; i < 3 * VSOCK_ORPHAN_RST; i++)
		transmit(pkt(20000 + i, VIRTIO_VSOCK_OP_RW), (const uint8_t *)"x", 1);
	ck_assert_uint_eq(s->resets_dropped, 2 * VSOCK_ORPHAN_RST);
	for (i = 0; i < VSOCK_ORPHAN_RST; i += NUM / 2) {
		struct got g[NUM / 2];

		ck_assert_uint_eq(receive(g, NUM / 2), NUM / 2);
	}
	receive_none();
	guest_sends(b, 10002, 2500, 9);
	host_sends(b, 10002, 2500);
	ck_assert_uint_eq(vsock_core_conns(core), 1);
}
END_TEST

/* The guest's data sent before it saw the device's RST is late, not a mistake; other data is. */
START_TEST(test_late_after_reset)
{
	struct fake *a = open_conn(10500);
	const struct vsock_stats *s = vsock_core_stats(core);
	uint64_t late = s->late;

	vsock_conn_reset(core, a->c);
	receive_one(10500, VIRTIO_VSOCK_OP_RST);
	ck_assert_uint_eq(vsock_core_conns(core), 0);
	/* crossed the RST: answered with one more, counted late */
	transmit(pkt(10500, VIRTIO_VSOCK_OP_RW), (const uint8_t *)"late", 4);
	receive_one(10500, VIRTIO_VSOCK_OP_RST);
	ck_assert_uint_eq(s->late, late + 1);
	ck_assert_uint_eq(s->unknown_conn, 0);
	/* the same from a port the device never reset is the guest's mistake */
	transmit(pkt(10501, VIRTIO_VSOCK_OP_RW), (const uint8_t *)"who", 3);
	receive_one(10501, VIRTIO_VSOCK_OP_RST);
	ck_assert_uint_eq(s->unknown_conn, 1);
	ck_assert_uint_eq(s->late, late + 1);
}
END_TEST

/* A front-end's session ends: every connection's host side closed, then a new one works. */
START_TEST(test_session_reset)
{
	struct fake *a = open_conn(11000), *b = open_conn(11001);
	const struct vsock_stats *s = vsock_core_stats(core);

	ck_assert_uint_eq(vsock_core_conns(core), 2);
	vsock_core_reset(core);
	ck_assert(a->closed && b->closed);
	ck_assert_uint_eq(vsock_core_conns(core), 0);
	ck_assert(!vsock_core_rx_pending(core));
	/* the next session: its first packet of an old port is no longer "late" */
	transmit(pkt(11000, VIRTIO_VSOCK_OP_RW), (const uint8_t *)"old", 3);
	receive_one(11000, VIRTIO_VSOCK_OP_RST);
	ck_assert_uint_eq(s->unknown_conn, 1);
	a = open_conn(11002);
	guest_sends(a, 11002, 2500, 5);
	host_sends(a, 11002, 2500);
	ck_assert_uint_eq(vsock_core_conns(core), 1);
}
END_TEST

/* A host program's connection: REQUEST to the guest, its RESPONSE, then data; a refusal. */
START_TEST(test_host_connect)
{
	const struct vsock_stats *s = vsock_core_stats(core);
	static struct fake f; /* the core's until teardown */
	struct vsock_conn *c;
	struct got g;
	struct pkt p;

	f = (struct fake){ .used = true, .got_hash = TU_FNV_INIT };
	c = vsock_core_connect(core, 4444, &f);
	ck_assert_ptr_nonnull(c);
	f.c = c;
	g = receive_one(4444, VIRTIO_VSOCK_OP_REQUEST);
	/* data before the guest accepted stays with the host side */
	f.src = (const uint8_t *)"early";
	f.src_len = 5;
	vsock_conn_readable(core, c);
	receive_none();
	p = pkt(4444, VIRTIO_VSOCK_OP_RESPONSE);
	p.dst_port = g.h.src_port;
	transmit(p, NULL, 0);
	ck_assert_uint_eq(s->host_connects, 1);
	g = receive_one(4444, VIRTIO_VSOCK_OP_RW);
	ck_assert_uint_eq(g.h.len, 5);
	/* the guest refuses the next one */
	c = vsock_core_connect(core, 4445, &f);
	g = receive_one(4445, VIRTIO_VSOCK_OP_REQUEST);
	f.closed = false;
	p = pkt(4445, VIRTIO_VSOCK_OP_RST);
	p.dst_port = g.h.src_port;
	transmit(p, NULL, 0);
	ck_assert(f.closed);
	ck_assert_uint_eq(vsock_core_conns(core), 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vsock");
	TCase *tc = tcase_create("hostile-guest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_connect_and_close);
	tcase_add_test(tc, test_bad_lengths);
	tcase_add_test(tc, test_unknown_op);
	tcase_add_test(tc, test_credit_lies);
	tcase_add_test(tc, test_credit_respected);
	tcase_add_test(tc, test_unknown_conn);
	tcase_add_test(tc, test_late_after_reset);
	tcase_add_test(tc, test_session_reset);
	tcase_add_test(tc, test_host_connect);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
