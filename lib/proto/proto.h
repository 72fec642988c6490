/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user wire protocol: one message buffer, the request table, framing
 * over a unix socket.  Each message family's codec lives in its own
 * lib/proto/msg-<family>.c with its declarations in msg-<family>.h; both
 * endpoints (frontend and backend) use the same codecs.
 *
 * Validation happens in three layers, each before any side effect:
 *  1. lvh_hdr_check(): version, reserved flag bits, size <= the maximum.
 *  2. lvh_proto_check_request() / lvh_proto_check_reply(): the table's rules
 *     for this request: known code, REPLY bit, payload size, fd count,
 *     protocol-feature gate.
 *  3. The family's decode function: the payload's meaning (indexes within
 *     limits, address ranges that do not overflow, fds that match a flag).
 * A message that fails any layer is answered with a negative errno and a log
 * line; its fds are closed by whoever owns the message (lvh_msg_close_fds()).
 */
#ifndef LIBVHOST_PROTO_H
#define LIBVHOST_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvhost-private.h"

enum lvh_dir {
	LVH_DIR_FRONTEND = LIBVHOST_USER_DIR_FRONTEND, /* front-end requests */
	LVH_DIR_BACKEND = LIBVHOST_USER_DIR_BACKEND, /* back-end requests */
};

/* Reserved header flag bits: everything except version, REPLY and NEED_REPLY. */
#define LVH_FLAGS_RESERVED (~(uint32_t)(LIBVHOST_USER_VERSION_MASK | LIBVHOST_USER_FLAG_REPLY | \
					 LIBVHOST_USER_FLAG_NEED_REPLY))

/*
 * One message, either direction.  The payload is 8-byte aligned so that
 * codecs may memcpy() whole wire structs in and out.  fds[0..nfds) are owned
 * by the message: whoever holds it either takes an fd (lvh_msg_take_fd) or
 * closes them all (lvh_msg_close_fds).
 */
struct lvh_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		uint8_t bytes[LIBVHOST_USER_MAX_PAYLOAD];
	} payload;
	unsigned int nfds;
	int fds[LIBVHOST_USER_MAX_FDS];
};

/* Starts an outgoing request: version 1, given extra flags, empty payload, no fds. */
void lvh_msg_init(struct lvh_msg *m, uint32_t request, uint32_t flags);
/* Starts the reply to `req`: same request code, version 1 and REPLY. */
void lvh_msg_init_reply(struct lvh_msg *m, const struct lvh_msg *req);
/* Sets a u64 payload (size 8). */
void lvh_msg_set_u64(struct lvh_msg *m, uint64_t v);
/* Reads a u64 payload; -EBADMSG if the size is not 8. */
int lvh_msg_get_u64(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint64_t *v);
/* A u64 payload within [lo, hi]; -EPROTO (logged, naming `what`) outside it. */
int lvh_msg_get_u64_range(const struct libvhost_ctx *ctx, const struct lvh_msg *m, const char *what,
			  uint64_t lo, uint64_t hi, uint64_t *v);
/* A u64 status (acks, POSTCOPY_END, CHECK_DEVICE_STATE...): 0 is success, else -EIO. */
int lvh_msg_get_status(const struct libvhost_ctx *ctx, const struct lvh_msg *m, const char *what);
/* Copies `len` bytes in as the payload; -ENOSPC if larger than the maximum. */
int lvh_msg_set_payload(struct lvh_msg *m, const void *data, size_t len);
/* Attaches an fd that the caller still owns (it is sent, never closed); -ENOSPC past 8. */
int lvh_msg_add_fd(struct lvh_msg *m, int fd);
/* Closes every fd the message holds and sets nfds to 0. */
void lvh_msg_close_fds(struct lvh_msg *m);
/* Hands fds[i] to the caller (the message forgets it); -1 if absent. */
int lvh_msg_take_fd(struct lvh_msg *m, unsigned int i);

/* Whether @fd is a unix stream socket (a peer can send any fd; a caller can pass any). */
bool lvh_wire_is_unix_stream(int fd);
/*
 * Whether @fd can signal a ring: an eventfd or a pipe.  A regular file, a
 * device or a socket may poll readable for ever (a device polling it would
 * spin), so a peer's kick, call or err fd of that kind is refused.
 */
bool lvh_wire_is_notifier(int fd);
/*
 * The messages whose whole content is one socket (SET_BACKEND_REQ_FD,
 * GPU_SET_SOCKET): no payload and @sock attached (still the caller's);
 * -EINVAL without one.  The decode, naming @what in its log lines:
 * -EBADMSG a payload or an fd count other than one; -EPROTO the fd is not
 * a unix stream socket.
 */
int lvh_msg_encode_socket(struct lvh_msg *m, int sock);
int lvh_msg_decode_socket(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			  const char *what);

/* ---- the request table (proto-table.c) ---- */

enum lvh_size_rule {
	LVH_SZ_NONE = 0, /* size 0 */
	LVH_SZ_EXACT, /* size == a */
	LVH_SZ_RANGE, /* a <= size <= b; the family codec checks the exact shape */
};

enum lvh_fd_rule {
	LVH_FD_NONE = 0, /* no fds */
	LVH_FD_ONE, /* exactly one */
	LVH_FD_OPT, /* zero or one; the family codec checks it against the payload */
	LVH_FD_REGIONS, /* up to LIBVHOST_USER_MEM_TABLE_MAX_REGIONS; the codec matches them to regions */
};

enum lvh_reply_rule {
	LVH_REPLY_ACK = 0, /* a u64 ack, only when NEED_REPLY was set (REPLY_ACK negotiated) */
	LVH_REPLY_BODY, /* always a reply with its own body */
	LVH_REPLY_STATE, /* a body only in some protocol state (postcopy listen); else as ACK */
};

struct lvh_size {
	uint8_t rule; /* enum lvh_size_rule */
	uint16_t a, b;
};

struct lvh_proto_row {
	uint32_t request;
	const char *name; /* spec name without the VHOST_USER_ prefix */
	struct lvh_size req_size;
	uint8_t req_fds; /* enum lvh_fd_rule */
	uint8_t reply; /* enum lvh_reply_rule */
	struct lvh_size reply_size; /* for LVH_REPLY_BODY / _STATE */
	uint8_t reply_fds; /* enum lvh_fd_rule, for LVH_REPLY_BODY / _STATE */
	int8_t gate; /* protocol feature bit that must be negotiated, or -1 */
};

/* NULL for an unknown request. */
const struct lvh_proto_row *lvh_proto_lookup(enum lvh_dir dir, uint32_t request);
/* Rows of one direction, for iteration. */
const struct lvh_proto_row *lvh_proto_rows(enum lvh_dir dir, size_t *n);

/* Header check: version 1, no reserved flag bits, size <= LIBVHOST_USER_MAX_PAYLOAD. */
int lvh_hdr_check(const struct libvhost_ctx *ctx, uint32_t request, uint32_t flags, uint32_t size);

/*
 * Checks a received request against the table, before anything acts on it.
 * @proto: the protocol features negotiated on this connection.
 * Errors: -EOPNOTSUPP unknown request or its feature not negotiated;
 * -EPROTO REPLY bit set, or NEED_REPLY without REPLY_ACK; -EBADMSG size or
 * fd count wrong (fds from the back-end without BACKEND_SEND_FD included).
 */
int lvh_proto_check_request(const struct libvhost_ctx *ctx, enum lvh_dir dir,
			    const struct lvh_msg *m, uint64_t proto);

enum lvh_reply_kind {
	LVH_REPLY_KIND_ACK, /* a u64, no fds */
	LVH_REPLY_KIND_BODY, /* the row's reply_size and reply_fds */
};

/*
 * Checks a received reply to `request`.
 * Errors: -EPROTO wrong request code, REPLY bit clear or NEED_REPLY set;
 * -EBADMSG size or fd count wrong.
 */
int lvh_proto_check_reply(const struct libvhost_ctx *ctx, enum lvh_dir dir, uint32_t request,
			  enum lvh_reply_kind kind, const struct lvh_msg *m);

/* Would a request with these flags get a reply, and of which kind?  false if none. */
bool lvh_proto_reply_expected(const struct lvh_proto_row *row, uint32_t flags, bool state_body,
			      enum lvh_reply_kind *kind);

/* "SET_MEM_TABLE", or "UNKNOWN" */
const char *lvh_proto_name(enum lvh_dir dir, uint32_t request);

/*
 * ---- framing over a unix stream socket (wire.c) ----
 *
 * After any error from these two functions the position in the byte stream
 * is unknown (a message may be half read or half written): the caller must
 * close the connection, never resynchronise.  Both work on blocking and
 * non-blocking sockets alike.
 */

/*
 * Receives one whole message: header, payload and the fds sent with it
 * (MSG_CMSG_CLOEXEC).  Partial reads and EINTR are retried; when the socket
 * would block, it waits with poll() for at most `timeout_ms` in all
 * (-1: no limit).  Checks the header (lvh_hdr_check) but not the table.
 * On any error every received fd is closed and m->nfds is 0.
 * Errors: -ECONNRESET the peer closed the connection (cleanly between
 * messages, or in the middle of one); -ETIMEDOUT; -EBADMSG more fds than
 * LIBVHOST_USER_MAX_FDS or truncated control data, fds on a later part of the
 * message; -EPROTO bad header; other negative errno from recvmsg/poll.
 */
int lvh_wire_recv(const struct libvhost_ctx *ctx, int sock, struct lvh_msg *m, int timeout_ms);

/*
 * The same, resumable, for a loop that serves many peers: a message is
 * received in as many steps as the peer takes to send it, never waiting.
 * lvh_wire_rx_init() starts one into @m; lvh_wire_rx_step() reads what the
 * socket has and returns 1 once the message is whole (in rx->m; start the
 * next with lvh_wire_rx_init()), 0 when the socket has no more for now
 * (rx->done says how much of a message is held), or lvh_wire_recv()'s
 * errors, after which rx->m holds no fds.  lvh_wire_rx_clear() closes the
 * fds of a message given up half-way.
 */
struct lvh_wire_rx {
	struct lvh_msg *m;
	size_t done; /* bytes of the message (header and payload) received */
	uint32_t hdr[3];
	int err; /* a fault in the control data, reported once the message is whole */
};

void lvh_wire_rx_init(struct lvh_wire_rx *rx, struct lvh_msg *m);
int lvh_wire_rx_step(const struct libvhost_ctx *ctx, int sock, struct lvh_wire_rx *rx);
void lvh_wire_rx_clear(struct lvh_wire_rx *rx);

/*
 * A listening unix stream socket on @path (1..107 bytes; CLOEXEC, and
 * @sock_flags such as SOCK_NONBLOCK), backlog 1.  A socket file nobody
 * listens on (what a killed process leaves) is removed and bound again;
 * anything else at @path is left alone (-EADDRINUSE).  Returns the fd.
 */
int lvh_wire_listen(const struct libvhost_ctx *ctx, const char *path, int sock_flags);

/*
 * Sends one whole message with its fds (attached to the first byte), with
 * MSG_NOSIGNAL.  Partial writes and EINTR are retried; a socket that would
 * block is waited for at most `timeout_ms` in all.  The fds stay the caller's.
 * Errors: -EPIPE / -ECONNRESET the peer is gone; -ETIMEDOUT; -EINVAL a message
 * whose size exceeds LIBVHOST_USER_MAX_PAYLOAD or nfds exceeds the maximum.
 */
int lvh_wire_send(const struct libvhost_ctx *ctx, int sock, const struct lvh_msg *m,
		  int timeout_ms);

#endif /* LIBVHOST_PROTO_H */
