/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user-vsock's protocol core (virtio 1.2, 5.10 "Socket Device"): the
 * packets of the driver's TX ring parsed and answered, the packets for its
 * RX ring made, the connection table and the credit of each connection.
 * No socket here: what a connection is on the host side is the caller's
 * (struct vsock_host_ops), so that the unit tests drive the core alone.
 *
 * Bounds: at most max_conns connections, each buffering at most buf_alloc
 * bytes from the guest (exactly the credit advertised to it), and at most
 * VSOCK_ORPHAN_RST resets waiting for packets of no connection.  A packet
 * the guest gets wrong resets its own connection and counts in the stats;
 * nothing it sends is allocated for beyond that.
 */
#ifndef LIBVHOST_VSOCK_CORE_H
#define LIBVHOST_VSOCK_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <linux/virtio_vsock.h>

#include <libvhost.h>

#define VSOCK_HDR_LEN 44 /* struct virtio_vsock_hdr */
#define VSOCK_CID_HOST 2 /* VMADDR_CID_HOST */
#define VSOCK_MAX_PKT 65536 /* the most payload one packet carries, either way */
#define VSOCK_ORPHAN_RST 64 /* resets for packets of no connection, waiting for RX buffers */

_Static_assert(sizeof(struct virtio_vsock_hdr) == VSOCK_HDR_LEN, "virtio-vsock header");

/* The queues (virtio 1.2, 5.10.2). */
#define VSOCK_VQ_RX 0
#define VSOCK_VQ_TX 1
#define VSOCK_VQ_EVENT 2
#define VSOCK_VQS 3

/* What the guest got wrong, and the rest: vhost-user-vsock's --stats. */
struct vsock_stats {
	uint64_t tx_packets, rx_packets; /* from the guest (TX ring), to it (RX ring) */
	uint64_t tx_bytes, rx_bytes; /* payload bytes, same directions */
	uint64_t guest_connects; /* connections the guest opened, accepted */
	uint64_t host_connects; /* connections a host program opened, accepted by the guest */
	uint64_t refused; /* REQUESTs the host side refused (nothing listening, full) */
	uint64_t resets_sent, resets_received;
	uint64_t resets_dropped; /* RSTs for packets of no connection beyond VSOCK_ORPHAN_RST */
	/*
	 * SHUTDOWN or CREDIT_* of no connection, or any packet of one the
	 * device reset lately: a guest sends them after the RST that ended a
	 * connection crossed them (answered with an RST, not counted as a
	 * mistake)
	 */
	uint64_t late;
	/* the guest's mistakes */
	uint64_t bad_header; /* a TX buffer shorter than the header, or writable parts */
	uint64_t bad_length; /* len not the payload's, or more than VSOCK_MAX_PKT */
	uint64_t bad_address; /* src_cid not the guest's, dst_cid not the host's */
	uint64_t bad_type; /* not VIRTIO_VSOCK_TYPE_STREAM */
	uint64_t bad_op; /* an op unknown, or out of place for the connection's state */
	uint64_t credit_lies; /* more payload than our credit, or fwd_cnt beyond what we sent */
	uint64_t unknown_conn; /* RW or RESPONSE of no connection, nor of one reset lately */
	uint64_t bad_rx_buffer; /* an RX buffer without room for a header, or readable parts */
};

enum vsock_state {
	VSOCK_CONNECTING, /* a host program's: REQUEST sent, the guest's RESPONSE awaited */
	VSOCK_ESTABLISHED,
	VSOCK_CLOSING, /* an RST is queued; the host side is gone; freed when it is sent */
};

/* Packets a connection has queued for the guest (vsock_conn.pending). */
#define VSOCK_P_REQUEST (1u << 0)
#define VSOCK_P_RESPONSE (1u << 1)
#define VSOCK_P_SHUTDOWN (1u << 2)
#define VSOCK_P_CREDIT_UPDATE (1u << 3)
#define VSOCK_P_CREDIT_REQUEST (1u << 4)
#define VSOCK_P_RST (1u << 5)

struct vsock_conn {
	uint32_t host_port, guest_port;
	enum vsock_state state;
	unsigned int pending; /* VSOCK_P_* */
	uint32_t guest_shut; /* VIRTIO_VSOCK_SHUTDOWN_* the guest sent */
	uint32_t host_shut; /* those we sent (SEND: the host program's end of file) */
	bool host_readable; /* the host side may have bytes (or its end of file) */
	/* guest → host: our credit (buf_alloc, fwd_cnt) and the bytes it buffers */
	uint32_t buf_alloc, fwd_cnt, rx_cnt, fwd_told;
	uint8_t *buf; /* buf_alloc bytes, a ring: rx_cnt - fwd_cnt of them from buf_head */
	uint32_t buf_head;
	/* host → guest: the guest's credit */
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt;
	bool credit_asked; /* a CREDIT_REQUEST went out since the guest's last credit */
	void *priv; /* the host side's (NULL once ops->closed ran) */
	/* the core's */
	struct vsock_conn *hnext, *qprev, *qnext;
	bool queued;
};

struct vsock_core;

/* The host side of the connections (vhost-user-vsock: unix sockets). */
struct vsock_host_ops {
	/*
	 * The guest asks for host port @c->host_port: 0 accepted (@c->priv
	 * set), < 0 refused (the guest gets an RST).
	 */
	int (*guest_connect)(void *ud, struct vsock_conn *c);
	/* The guest accepted the host program's connection (RESPONSE). */
	void (*accepted)(void *ud, struct vsock_conn *c);
	/* Bytes from the guest were buffered, or the guest shut its sending side: flush. */
	void (*data)(void *ud, struct vsock_conn *c);
	/*
	 * At most the iovecs' room of the host side's bytes into them: > 0
	 * bytes, 0 its end of file, -EAGAIN none for now, other -errno broken
	 * (the connection is reset).
	 */
	ssize_t (*read)(void *ud, struct vsock_conn *c, const struct iovec *iov, unsigned int n);
	/* The connection is gone for the host side: release @c->priv. */
	void (*closed)(void *ud, struct vsock_conn *c);
};

/*
 * A core for guest @guest_cid, crediting each connection @buf_alloc bytes
 * (4096 .. 16 MiB), at most @max_conns of them.  NULL without memory or with
 * bad values.
 */
struct vsock_core *vsock_core_new(uint64_t guest_cid, uint32_t buf_alloc, unsigned int max_conns,
				  const struct vsock_host_ops *ops, void *ud);

/* Every connection dropped (ops->closed for each), then the core freed.  NULL-safe. */
void vsock_core_free(struct vsock_core *core);

/* The driver is gone (a reset, the front-end left): every connection dropped, no packet sent. */
void vsock_core_reset(struct vsock_core *core);

const struct vsock_stats *vsock_core_stats(const struct vsock_core *core);
unsigned int vsock_core_conns(const struct vsock_core *core);

/*
 * A host program asks for guest port @guest_port: a connection with a host
 * port of the core's choosing, its REQUEST queued.  NULL when the table is
 * full.
 */
struct vsock_conn *vsock_core_connect(struct vsock_core *core, uint32_t guest_port, void *priv);

/* The host side of @c became readable (or hung up): its bytes go to the guest as credit allows. */
void vsock_conn_readable(struct vsock_core *core, struct vsock_conn *c);

/* The bytes of @c from the guest not yet flushed, as 0 to 2 iovecs; returns how many bytes. */
size_t vsock_conn_out(const struct vsock_conn *c, struct iovec iov[2], unsigned int *n);

/* @len of those bytes reached the host side: credit given back to the guest. */
void vsock_conn_consumed(struct vsock_core *core, struct vsock_conn *c, size_t len);

/* The host side of @c broke: ops->closed now, an RST to the guest. */
void vsock_conn_reset(struct vsock_core *core, struct vsock_conn *c);

/*
 * One packet the driver put in its TX ring (@n device-readable iovecs):
 * acted on.  Returns 0, or -EPROTO when the guest got it wrong (counted,
 * its connection reset).
 */
int vsock_core_tx(struct vsock_core *core, const struct iovec *iov, unsigned int n);

/* Whether a packet is waiting for an RX buffer. */
bool vsock_core_rx_pending(const struct vsock_core *core);

/*
 * The next packet for the guest into an RX buffer (@n device-writable
 * iovecs): its length, 0 when there is nothing to send now, -EPROTO for a
 * buffer without room for a header.
 */
int vsock_core_rx(struct vsock_core *core, const struct iovec *iov, unsigned int n);

/*
 * The rings, on the thread that serves them: at most @budget TX buffers
 * (vsock_core_serve_tx) or RX buffers filled (vsock_core_serve_rx).  Each
 * returns true when it stopped at @budget with work left.
 */
bool vsock_core_serve_tx(struct vsock_core *core, struct libvhost_vq *vq, unsigned int budget);
bool vsock_core_serve_rx(struct vsock_core *core, struct libvhost_vq *vq, unsigned int budget);

#endif
