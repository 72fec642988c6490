/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user-vsock's protocol core: see vsock-core.h.  The rules followed
 * are the virtio 1.2 specification's (5.10.6 "Device Operation"): every
 * packet carries the sender's buf_alloc and fwd_cnt; a sender keeps what it
 * has sent and the peer not yet forwarded within the peer's buf_alloc; a
 * connection is REQUEST then RESPONSE (or RST), closed by SHUTDOWN and RST.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool-device.h"
#include "vsock-core.h"

#define BUCKETS 1024 /* hash buckets of the connection table */
#define HOST_PORT_FIRST 0x40000000u /* host ports of the host programs' connections */
#define TX_IOV 1024
#define RX_IOV 256
#define RECENT_RST 256 /* connections the device reset, remembered for the guest's late packets */

struct orphan {
	uint32_t host_port, guest_port;
};

struct vsock_core {
	uint64_t guest_cid;
	uint32_t buf_alloc;
	unsigned int max_conns, nconns;
	const struct vsock_host_ops *ops;
	void *ud;
	uint32_t next_port;
	struct vsock_conn *bucket[BUCKETS];
	struct vsock_conn *qhead, *qtail; /* connections with a packet to send, in turn */
	struct orphan orphan[VSOCK_ORPHAN_RST];
	unsigned int orphan_head, orphans;
	struct orphan recent[RECENT_RST]; /* the last ones the device reset, oldest overwritten */
	unsigned int recent_next, recents;
	struct vsock_stats stats;
	struct iovec iov[TX_IOV];
};

static unsigned int hash(uint32_t host_port, uint32_t guest_port)
{
	return ((host_port * 2654435761u) ^ guest_port) & (BUCKETS - 1);
}

static struct vsock_conn *lookup(const struct vsock_core *core, uint32_t host_port,
				 uint32_t guest_port)
{
	struct vsock_conn *c;

	for (c = core->bucket[hash(host_port, guest_port)]; c; c = c->hnext)
		if (c->host_port == host_port && c->guest_port == guest_port)
			return c;
	return NULL;
}

static void enqueue(struct vsock_core *core, struct vsock_conn *c)
{
	if (c->queued)
		return;
	c->queued = true;
	c->qnext = NULL;
	c->qprev = core->qtail;
	if (core->qtail)
		core->qtail->qnext = c;
	else
		core->qhead = c;
	core->qtail = c;
}

static void dequeue(struct vsock_core *core, struct vsock_conn *c)
{
	if (!c->queued)
		return;
	if (c->qprev)
		c->qprev->qnext = c->qnext;
	else
		core->qhead = c->qnext;
	if (c->qnext)
		c->qnext->qprev = c->qprev;
	else
		core->qtail = c->qprev;
	c->queued = false;
	c->qprev = c->qnext = NULL;
}

static struct vsock_conn *conn_new(struct vsock_core *core, uint32_t host_port,
				   uint32_t guest_port)
{
	struct vsock_conn *c;
	unsigned int h;

	if (core->nconns >= core->max_conns)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->buf = malloc(core->buf_alloc);
	if (!c->buf) {
		free(c);
		return NULL;
	}
	c->host_port = host_port;
	c->guest_port = guest_port;
	c->buf_alloc = core->buf_alloc;
	h = hash(host_port, guest_port);
	c->hnext = core->bucket[h];
	core->bucket[h] = c;
	core->nconns++;
	return c;
}

/* The host side told (ops->closed) if it still holds @c. */
static void host_close(struct vsock_core *core, struct vsock_conn *c)
{
	if (c->priv)
		core->ops->closed(core->ud, c);
	c->priv = NULL;
}

static void conn_free(struct vsock_core *core, struct vsock_conn *c)
{
	struct vsock_conn **p = &core->bucket[hash(c->host_port, c->guest_port)];

	host_close(core, c);
	dequeue(core, c);
	while (*p != c)
		p = &(*p)->hnext;
	*p = c->hnext;
	core->nconns--;
	free(c->buf);
	free(c);
}

static uint32_t peer_free(const struct vsock_conn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	return in_flight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

/* Whether the host side's bytes may go to the guest now (credit aside). */
static bool may_send_data(const struct vsock_conn *c)
{
	return c->state == VSOCK_ESTABLISHED && c->host_readable &&
	       !(c->host_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) &&
	       !(c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_RCV);
}

/* @c queued if it has a packet to send; a CREDIT_REQUEST when only the guest's credit stops it. */
static void conn_update(struct vsock_core *core, struct vsock_conn *c)
{
	bool data = may_send_data(c);

	if (data && !peer_free(c) && !c->credit_asked) {
		c->pending |= VSOCK_P_CREDIT_REQUEST;
		c->credit_asked = true;
	}
	if (c->pending || (data && peer_free(c)))
		enqueue(core, c);
}

/* @c reset: the host side released, nothing but an RST left to send. */
static void conn_abort(struct vsock_core *core, struct vsock_conn *c)
{
	host_close(core, c);
	c->state = VSOCK_CLOSING;
	c->pending = VSOCK_P_RST;
	enqueue(core, c);
}

/*
 * Both ways finished (the guest sends no more and all it sent reached the
 * host side; the host side's end of file told, or the guest receives no
 * more): the connection is closed with an RST, as a Linux peer expects.
 */
static void check_done(struct vsock_core *core, struct vsock_conn *c)
{
	bool in_done, out_done;

	if (c->state != VSOCK_ESTABLISHED)
		return;
	in_done = (c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) && c->rx_cnt == c->fwd_cnt;
	out_done = (c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_RCV) ||
		   ((c->host_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) && !(c->pending & VSOCK_P_SHUTDOWN));
	if (in_done && out_done)
		conn_abort(core, c);
}

/* An RST for a packet of no connection, if there is room to remember it. */
static void orphan_rst(struct vsock_core *core, uint32_t host_port, uint32_t guest_port)
{
	if (core->orphans == VSOCK_ORPHAN_RST) {
		core->stats.resets_dropped++;
		return;
	}
	core->orphan[(core->orphan_head + core->orphans++) % VSOCK_ORPHAN_RST] =
		(struct orphan){ host_port, guest_port };
}

/* @c's ports remembered once its RST is on the ring: the guest may have sent more before seeing it. */
static void recent_add(struct vsock_core *core, const struct vsock_conn *c)
{
	core->recent[core->recent_next] = (struct orphan){ c->host_port, c->guest_port };
	core->recent_next = (core->recent_next + 1) % RECENT_RST;
	if (core->recents < RECENT_RST)
		core->recents++;
}

static bool recent_reset(const struct vsock_core *core, uint32_t host_port, uint32_t guest_port)
{
	unsigned int i;

	for (i = 0; i < core->recents; i++)
		if (core->recent[i].host_port == host_port && core->recent[i].guest_port == guest_port)
			return true;
	return false;
}

struct vsock_core *vsock_core_new(uint64_t guest_cid, uint32_t buf_alloc, unsigned int max_conns,
				  const struct vsock_host_ops *ops, void *ud)
{
	struct vsock_core *core;

	if (guest_cid <= VSOCK_CID_HOST || guest_cid >= 0xffffffffu || buf_alloc < 4096 ||
	    buf_alloc > (16u << 20) || !max_conns || !ops)
		return NULL;
	core = calloc(1, sizeof(*core));
	if (!core)
		return NULL;
	core->guest_cid = guest_cid;
	core->buf_alloc = buf_alloc;
	core->max_conns = max_conns;
	core->ops = ops;
	core->ud = ud;
	core->next_port = HOST_PORT_FIRST;
	return core;
}

void vsock_core_reset(struct vsock_core *core)
{
	unsigned int i;

	for (i = 0; i < BUCKETS; i++)
		while (core->bucket[i])
			conn_free(core, core->bucket[i]);
	core->orphans = 0;
	core->recents = core->recent_next = 0;
}

void vsock_core_free(struct vsock_core *core)
{
	if (!core)
		return;
	vsock_core_reset(core);
	free(core);
}

const struct vsock_stats *vsock_core_stats(const struct vsock_core *core)
{
	return &core->stats;
}

unsigned int vsock_core_conns(const struct vsock_core *core)
{
	return core->nconns;
}

struct vsock_conn *vsock_core_connect(struct vsock_core *core, uint32_t guest_port, void *priv)
{
	struct vsock_conn *c;

	if (core->nconns >= core->max_conns)
		return NULL;
	while (lookup(core, core->next_port, guest_port))
		core->next_port = core->next_port == UINT32_MAX - 1 ? HOST_PORT_FIRST
								     : core->next_port + 1;
	c = conn_new(core, core->next_port, guest_port);
	if (!c)
		return NULL;
	core->next_port = core->next_port == UINT32_MAX - 1 ? HOST_PORT_FIRST : core->next_port + 1;
	c->state = VSOCK_CONNECTING;
	c->pending = VSOCK_P_REQUEST;
	c->priv = priv;
	enqueue(core, c);
	return c;
}

void vsock_conn_readable(struct vsock_core *core, struct vsock_conn *c)
{
	c->host_readable = true;
	conn_update(core, c);
}

size_t vsock_conn_out(const struct vsock_conn *c, struct iovec iov[2], unsigned int *n)
{
	uint32_t len = c->rx_cnt - c->fwd_cnt, first;

	*n = 0;
	if (!len)
		return 0;
	first = c->buf_alloc - c->buf_head < len ? c->buf_alloc - c->buf_head : len;
	iov[(*n)++] = (struct iovec){ c->buf + c->buf_head, first };
	if (first < len)
		iov[(*n)++] = (struct iovec){ c->buf, len - first };
	return len;
}

void vsock_conn_consumed(struct vsock_core *core, struct vsock_conn *c, size_t len)
{
	if (!len || len > c->rx_cnt - c->fwd_cnt)
		return;
	c->fwd_cnt += (uint32_t)len;
	c->buf_head = (uint32_t)((c->buf_head + len) % c->buf_alloc);
	/*
	 * Told again once a quarter of the credit came back: a guest out of
	 * credit has a whole buf_alloc untold, so it hears of it when that drains.
	 */
	if (c->state == VSOCK_ESTABLISHED && c->fwd_cnt - c->fwd_told >= c->buf_alloc / 4)
		c->pending |= VSOCK_P_CREDIT_UPDATE;
	check_done(core, c);
	conn_update(core, c);
}

void vsock_conn_reset(struct vsock_core *core, struct vsock_conn *c)
{
	if (c->state != VSOCK_CLOSING)
		conn_abort(core, c);
	else
		host_close(core, c);
}

struct hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

static void hdr_decode(const struct virtio_vsock_hdr *w, struct hdr *h)
{
	h->src_cid = le64toh(w->src_cid);
	h->dst_cid = le64toh(w->dst_cid);
	h->src_port = le32toh(w->src_port);
	h->dst_port = le32toh(w->dst_port);
	h->len = le32toh(w->len);
	h->type = le16toh(w->type);
	h->op = le16toh(w->op);
	h->flags = le32toh(w->flags);
	h->buf_alloc = le32toh(w->buf_alloc);
	h->fwd_cnt = le32toh(w->fwd_cnt);
}

/* A packet of the guest's refused: its connection reset (or an RST for none), counted by the caller. */
static int reject(struct vsock_core *core, struct vsock_conn *c, const struct hdr *h)
{
	if (c && c->state != VSOCK_CLOSING)
		conn_abort(core, c);
	else if (!c && h->op != VIRTIO_VSOCK_OP_RST)
		orphan_rst(core, h->dst_port, h->src_port);
	return -EPROTO;
}

/* The guest's credit from a packet's header; false if it claims more forwarded than was sent. */
static bool take_credit(struct vsock_core *core, struct vsock_conn *c, const struct hdr *h)
{
	if (h->fwd_cnt - c->peer_fwd_cnt > c->tx_cnt - c->peer_fwd_cnt) {
		core->stats.credit_lies++;
		return false;
	}
	if (h->fwd_cnt != c->peer_fwd_cnt || h->buf_alloc != c->peer_buf_alloc)
		c->credit_asked = false;
	c->peer_fwd_cnt = h->fwd_cnt;
	c->peer_buf_alloc = h->buf_alloc;
	return true;
}

/* Payload bytes into @c's buffer, at @off of the packet's iovecs. */
static void buffer_in(struct vsock_conn *c, const struct iovec *iov, unsigned int n,
		      uint32_t len)
{
	uint32_t tail = (c->buf_head + (c->rx_cnt - c->fwd_cnt)) % c->buf_alloc;
	uint32_t first = c->buf_alloc - tail < len ? c->buf_alloc - tail : len;

	tool_iov_copy(iov, n, VSOCK_HDR_LEN, c->buf + tail, NULL, first);
	if (first < len)
		tool_iov_copy(iov, n, VSOCK_HDR_LEN + first, c->buf, NULL, len - first);
	c->rx_cnt += len;
}

static int guest_request(struct vsock_core *core, struct vsock_conn *c, const struct hdr *h)
{
	if (c) {
		if (c->state == VSOCK_CLOSING) { /* its RST is on the way: this one is refused too */
			orphan_rst(core, h->dst_port, h->src_port);
			return 0;
		}
		core->stats.bad_op++;
		return reject(core, c, h);
	}
	c = conn_new(core, h->dst_port, h->src_port);
	if (!c) {
		core->stats.refused++;
		orphan_rst(core, h->dst_port, h->src_port);
		return 0;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	if (core->ops->guest_connect(core->ud, c) < 0) {
		core->stats.refused++;
		c->priv = NULL;
		conn_free(core, c);
		orphan_rst(core, h->dst_port, h->src_port);
		return 0;
	}
	core->stats.guest_connects++;
	c->state = VSOCK_ESTABLISHED;
	c->pending |= VSOCK_P_RESPONSE;
	conn_update(core, c);
	return 0;
}

int vsock_core_tx(struct vsock_core *core, const struct iovec *iov, unsigned int n)
{
	struct virtio_vsock_hdr w;
	struct vsock_conn *c;
	struct hdr h;
	size_t total = 0;
	unsigned int i;

	core->stats.tx_packets++;
	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (total < VSOCK_HDR_LEN) {
		core->stats.bad_header++;
		return -EPROTO;
	}
	tool_iov_copy(iov, n, 0, &w, NULL, sizeof(w));
	hdr_decode(&w, &h);
	c = lookup(core, h.dst_port, h.src_port);
	if (h.len != total - VSOCK_HDR_LEN || h.len > VSOCK_MAX_PKT) {
		core->stats.bad_length++;
		return reject(core, c, &h);
	}
	if (h.src_cid != core->guest_cid || h.dst_cid != VSOCK_CID_HOST) {
		core->stats.bad_address++;
		return reject(core, c, &h);
	}
	if (h.type != VIRTIO_VSOCK_TYPE_STREAM) {
		core->stats.bad_type++;
		return reject(core, c, &h);
	}
	if (h.op == VIRTIO_VSOCK_OP_REQUEST)
		return guest_request(core, c, &h);
	if (h.op == VIRTIO_VSOCK_OP_RST) {
		core->stats.resets_received++;
		if (c)
			conn_free(core, c);
		return 0;
	}
	if (h.op < VIRTIO_VSOCK_OP_RESPONSE || h.op > VIRTIO_VSOCK_OP_CREDIT_REQUEST) {
		core->stats.bad_op++;
		return reject(core, c, &h);
	}
	if (!c) {
		if ((h.op == VIRTIO_VSOCK_OP_RW || h.op == VIRTIO_VSOCK_OP_RESPONSE) &&
		    !recent_reset(core, h.dst_port, h.src_port)) {
			core->stats.unknown_conn++;
			return reject(core, c, &h);
		}
		core->stats.late++;
		reject(core, c, &h);
		return 0;
	}
	if (c->state == VSOCK_CLOSING)
		return 0; /* sent before it saw our RST */
	if (!take_credit(core, c, &h))
		return reject(core, c, &h);
	switch (h.op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state != VSOCK_CONNECTING) {
			core->stats.bad_op++;
			return reject(core, c, &h);
		}
		c->state = VSOCK_ESTABLISHED;
		core->stats.host_connects++;
		core->ops->accepted(core->ud, c);
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		if (c->state != VSOCK_ESTABLISHED) {
			core->stats.bad_op++;
			return reject(core, c, &h);
		}
		c->guest_shut |= h.flags & (VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND);
		core->ops->data(core->ud, c);
		if (c->state != VSOCK_ESTABLISHED)
			return 0; /* the flush broke it */
		check_done(core, c);
		break;
	case VIRTIO_VSOCK_OP_RW:
		if (c->state != VSOCK_ESTABLISHED || (c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND)) {
			core->stats.bad_op++;
			return reject(core, c, &h);
		}
		if (h.len > c->buf_alloc - (c->rx_cnt - c->fwd_cnt)) {
			core->stats.credit_lies++;
			return reject(core, c, &h);
		}
		buffer_in(c, iov, n, h.len);
		core->stats.tx_bytes += h.len;
		core->ops->data(core->ud, c);
		break;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->pending |= VSOCK_P_CREDIT_UPDATE;
		break;
	}
	if (c->state != VSOCK_CLOSING)
		conn_update(core, c);
	return 0;
}

bool vsock_core_rx_pending(const struct vsock_core *core)
{
	return core->orphans || core->qhead;
}

static void hdr_put(const struct vsock_core *core, const struct iovec *iov, unsigned int n,
		    uint32_t host_port, uint32_t guest_port, uint16_t op, uint32_t flags,
		    uint32_t len, const struct vsock_conn *c)
{
	struct virtio_vsock_hdr w = {
		.src_cid = htole64(VSOCK_CID_HOST),
		.dst_cid = htole64(core->guest_cid),
		.src_port = htole32(host_port),
		.dst_port = htole32(guest_port),
		.len = htole32(len),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(op),
		.flags = htole32(flags),
		.buf_alloc = htole32(c ? c->buf_alloc : 0),
		.fwd_cnt = htole32(c ? c->fwd_cnt : 0),
	};

	tool_iov_copy(iov, n, 0, NULL, &w, sizeof(w));
}

/* The iovecs past the first @skip bytes into @out (at most RX_IOV); returns how many. */
static unsigned int iov_skip(const struct iovec *iov, unsigned int n, size_t skip, size_t max,
			     struct iovec *out)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && max && k < RX_IOV; i++) {
		struct iovec v = iov[i];

		if (skip >= v.iov_len) {
			skip -= v.iov_len;
			continue;
		}
		v.iov_base = (uint8_t *)v.iov_base + skip;
		v.iov_len -= skip;
		skip = 0;
		if (v.iov_len > max)
			v.iov_len = max;
		max -= v.iov_len;
		out[k++] = v;
	}
	return k;
}

/* @c's next packet into the buffer: its length, or 0 if it has none now. */
static int conn_packet(struct vsock_core *core, struct vsock_conn *c, const struct iovec *iov,
		       unsigned int n, size_t room, bool *freed)
{
	struct iovec data[RX_IOV];
	uint16_t op = 0;
	uint32_t flags = 0;
	ssize_t r;

	if (c->pending & VSOCK_P_RST) {
		hdr_put(core, iov, n, c->host_port, c->guest_port, VIRTIO_VSOCK_OP_RST, 0, 0, c);
		core->stats.resets_sent++;
		recent_add(core, c);
		conn_free(core, c);
		*freed = true;
		return VSOCK_HDR_LEN;
	}
	if (c->pending & VSOCK_P_REQUEST) {
		c->pending &= ~VSOCK_P_REQUEST;
		op = VIRTIO_VSOCK_OP_REQUEST;
	} else if (c->pending & VSOCK_P_RESPONSE) {
		c->pending &= ~VSOCK_P_RESPONSE;
		op = VIRTIO_VSOCK_OP_RESPONSE;
	} else if (may_send_data(c) && peer_free(c) && room > VSOCK_HDR_LEN) {
		size_t max = room - VSOCK_HDR_LEN;

		if (max > peer_free(c))
			max = peer_free(c);
		if (max > VSOCK_MAX_PKT)
			max = VSOCK_MAX_PKT;
		r = core->ops->read(core->ud, c, data, iov_skip(iov, n, VSOCK_HDR_LEN, max, data));
		if (r > 0) {
			if ((size_t)r > max)
				r = (ssize_t)max;
			c->pending &= ~VSOCK_P_CREDIT_UPDATE; /* the header tells fwd_cnt */
			c->fwd_told = c->fwd_cnt;
			c->tx_cnt += (uint32_t)r;
			core->stats.rx_bytes += (uint64_t)r;
			hdr_put(core, iov, n, c->host_port, c->guest_port, VIRTIO_VSOCK_OP_RW, 0,
				(uint32_t)r, c);
			return VSOCK_HDR_LEN + (int)r;
		}
		c->host_readable = false;
		if (r == 0) { /* the host program's end of file */
			c->host_shut |= VIRTIO_VSOCK_SHUTDOWN_SEND;
			c->pending |= VSOCK_P_SHUTDOWN;
		} else if (r != -EAGAIN) {
			conn_abort(core, c);
			return conn_packet(core, c, iov, n, room, freed);
		}
	}
	if (!op && (c->pending & VSOCK_P_SHUTDOWN)) {
		c->pending &= ~VSOCK_P_SHUTDOWN;
		op = VIRTIO_VSOCK_OP_SHUTDOWN;
		flags = c->host_shut;
	} else if (!op && (c->pending & VSOCK_P_CREDIT_REQUEST)) {
		c->pending &= ~VSOCK_P_CREDIT_REQUEST;
		op = VIRTIO_VSOCK_OP_CREDIT_REQUEST;
	} else if (!op && (c->pending & VSOCK_P_CREDIT_UPDATE)) {
		c->pending &= ~VSOCK_P_CREDIT_UPDATE;
		op = VIRTIO_VSOCK_OP_CREDIT_UPDATE;
	}
	if (!op)
		return 0;
	if (op != VIRTIO_VSOCK_OP_REQUEST)
		c->fwd_told = c->fwd_cnt;
	hdr_put(core, iov, n, c->host_port, c->guest_port, op, flags, 0, c);
	if (op == VIRTIO_VSOCK_OP_SHUTDOWN)
		check_done(core, c);
	return VSOCK_HDR_LEN;
}

int vsock_core_rx(struct vsock_core *core, const struct iovec *iov, unsigned int n)
{
	struct vsock_conn *c;
	size_t room = 0;
	unsigned int i, tries;
	int len;

	for (i = 0; i < n; i++)
		room += iov[i].iov_len;
	if (room < VSOCK_HDR_LEN) {
		core->stats.bad_rx_buffer++;
		return -EPROTO;
	}
	if (core->orphans) {
		const struct orphan *o = &core->orphan[core->orphan_head];

		hdr_put(core, iov, n, o->host_port, o->guest_port, VIRTIO_VSOCK_OP_RST, 0, 0, NULL);
		core->orphan_head = (core->orphan_head + 1) % VSOCK_ORPHAN_RST;
		core->orphans--;
		core->stats.resets_sent++;
		core->stats.rx_packets++;
		return VSOCK_HDR_LEN;
	}
	/* each queued connection once at most: one with only data has none for a bare header */
	tries = core->nconns;
	while ((c = core->qhead) && tries--) {
		bool freed = false;

		dequeue(core, c);
		len = conn_packet(core, c, iov, n, room, &freed);
		if (!freed) /* at the queue's tail if it has more: the others get their turn */
			conn_update(core, c);
		if (len) {
			core->stats.rx_packets++;
			return len;
		}
	}
	return 0;
}

bool vsock_core_serve_tx(struct vsock_core *core, struct libvhost_vq *vq, unsigned int budget)
{
	struct libvhost_vq_elem e;
	unsigned int took = 0;
	int r = 0;

	while (took < budget && (r = libvhost_vq_pop(vq, core->iov, TX_IOV, &e)) == 1) {
		if (e.in)
			core->stats.bad_header++;
		else
			vsock_core_tx(core, core->iov, e.out);
		libvhost_vq_push(vq, e.id, 0);
		took++;
	}
	if (took)
		libvhost_vq_notify(vq);
	return took == budget && r == 1;
}

bool vsock_core_serve_rx(struct vsock_core *core, struct libvhost_vq *vq, unsigned int budget)
{
	struct libvhost_vq_elem e;
	struct iovec iov[RX_IOV];
	unsigned int filled = 0;
	int r;

	while (filled < budget && vsock_core_rx_pending(core)) {
		if (libvhost_vq_pop(vq, iov, RX_IOV, &e) != 1)
			break;
		if (e.out || !e.in) {
			core->stats.bad_rx_buffer++;
			libvhost_vq_push(vq, e.id, 0);
			filled++;
			continue;
		}
		r = vsock_core_rx(core, iov, e.in);
		if (r == 0) {
			libvhost_vq_unpop(vq, 1);
			break;
		}
		libvhost_vq_push(vq, e.id, r < 0 ? 0 : (uint32_t)r);
		filled++;
	}
	if (filled)
		libvhost_vq_notify(vq);
	return filled == budget && vsock_core_rx_pending(core);
}
