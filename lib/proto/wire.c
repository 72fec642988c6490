/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user framing over a unix stream socket: a 12-byte header, the payload,
 * and fds in SCM_RIGHTS attached to the first byte of the message.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto/proto.h"

void lvh_msg_init(struct lvh_msg *m, uint32_t request, uint32_t flags)
{
	/* zeroed so no uninitialised byte ever reaches the peer */
	memset(m, 0, sizeof(*m));
	m->request = request;
	m->flags = LIBVHOST_USER_VERSION | (flags & ~LIBVHOST_USER_VERSION_MASK);
}

void lvh_msg_init_reply(struct lvh_msg *m, const struct lvh_msg *req)
{
	lvh_msg_init(m, req->request, LIBVHOST_USER_FLAG_REPLY);
}

void lvh_msg_set_u64(struct lvh_msg *m, uint64_t v)
{
	m->payload.u64 = v;
	m->size = sizeof(v);
}

int lvh_msg_get_u64(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint64_t *v)
{
	if (m->size != sizeof(*v)) {
		lvh_err(ctx, "request %u: expected a u64 payload, got %u bytes", m->request, m->size);
		return -EBADMSG;
	}
	*v = m->payload.u64;
	return 0;
}

int lvh_msg_get_u64_range(const struct libvhost_ctx *ctx, const struct lvh_msg *m, const char *what,
			  uint64_t lo, uint64_t hi, uint64_t *v)
{
	uint64_t x;
	int r;

	r = lvh_msg_get_u64(ctx, m, &x);
	if (r < 0)
		return r;
	if (x < lo || x > hi) {
		lvh_err(ctx, "%s: %llu is outside %llu..%llu", what, (unsigned long long)x,
			(unsigned long long)lo, (unsigned long long)hi);
		return -EPROTO;
	}
	*v = x;
	return 0;
}

int lvh_msg_get_status(const struct libvhost_ctx *ctx, const struct lvh_msg *m, const char *what)
{
	uint64_t x;
	int r;

	r = lvh_msg_get_u64(ctx, m, &x);
	if (r < 0)
		return r;
	if (x) {
		lvh_err(ctx, "%s: the peer reported failure %llu", what, (unsigned long long)x);
		return -EIO;
	}
	return 0;
}

int lvh_msg_set_payload(struct lvh_msg *m, const void *data, size_t len)
{
	if (len > sizeof(m->payload.bytes))
		return -ENOSPC;
	if (len)
		memcpy(m->payload.bytes, data, len);
	m->size = (uint32_t)len;
	return 0;
}

int lvh_msg_add_fd(struct lvh_msg *m, int fd)
{
	if (fd < 0)
		return -EINVAL;
	if (m->nfds >= LIBVHOST_USER_MAX_FDS)
		return -ENOSPC;
	m->fds[m->nfds++] = fd;
	return 0;
}

void lvh_msg_close_fds(struct lvh_msg *m)
{
	unsigned int i;

	for (i = 0; i < m->nfds && i < LIBVHOST_USER_MAX_FDS; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->nfds = 0;
}

int lvh_msg_take_fd(struct lvh_msg *m, unsigned int i)
{
	int fd;

	if (i >= m->nfds || i >= LIBVHOST_USER_MAX_FDS)
		return -1;
	fd = m->fds[i];
	m->fds[i] = -1;
	return fd;
}

bool lvh_wire_is_notifier(int fd)
{
	struct stat st;

	/* an eventfd is an anonymous inode: no file type in its mode */
	return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || (st.st_mode & S_IFMT) == 0);
}

bool lvh_wire_is_unix_stream(int fd)
{
	int type, domain;
	socklen_t len = sizeof(type);
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return false;
	len = sizeof(domain);
	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX;
}

int lvh_msg_encode_socket(struct lvh_msg *m, int sock)
{
	if (sock < 0)
		return -EINVAL;
	m->size = 0;
	return lvh_msg_add_fd(m, sock);
}

int lvh_msg_decode_socket(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			  const char *what)
{
	if (m->size != 0 || m->nfds != 1) {
		lvh_err(ctx, "%s: %u bytes and %u fds (none and one socket expected)", what,
			m->size, m->nfds);
		return -EBADMSG;
	}
	if (!lvh_wire_is_unix_stream(m->fds[0])) {
		lvh_err(ctx, "%s: the fd is not a unix stream socket", what);
		return -EPROTO;
	}
	return 0;
}

/* ---- timing ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on sock until the deadline (-1: none). */
static int wait_for(int sock, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = sock, .events = events };
	int timeout, r;

	for (;;) {
		if (deadline < 0) {
			timeout = -1;
		} else {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return -ETIMEDOUT;
			timeout = left > 0x7fffffff ? 0x7fffffff : (int)left;
		}
		r = poll(&pfd, 1, timeout);
		if (r > 0)
			return 0; /* readable, writable, or HUP/ERR: the next syscall tells */
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int64_t deadline_from(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* ---- receive ---- */

/*
 * Moves the fds of one control message into m.  Every fd the kernel gave us is
 * either stored or closed, whatever happens.
 */
static int collect_fds(const struct libvhost_ctx *ctx, struct msghdr *mh, struct lvh_msg *m,
		       bool allowed)
{
	struct cmsghdr *cmsg;
	int r = 0;

	for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
		size_t n, i;
		int fd;

		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			if (allowed && r == 0 && m->nfds < LIBVHOST_USER_MAX_FDS) {
				m->fds[m->nfds++] = fd;
				continue;
			}
			close(fd);
			if (r == 0) {
				lvh_err(ctx, "request %u: %s", m->request,
					allowed ? "more fds than allowed in one message"
						: "fds attached to the middle of a message");
				r = -EBADMSG;
			}
		}
	}
	if (r == 0 && (mh->msg_flags & MSG_CTRUNC)) {
		lvh_err(ctx, "control data truncated: the peer sent more than %u fds",
			LIBVHOST_USER_MAX_FDS);
		r = -EBADMSG;
	}
	return r;
}

void lvh_wire_rx_init(struct lvh_wire_rx *rx, struct lvh_msg *m)
{
	rx->m = m;
	rx->done = 0;
	rx->err = 0;
	m->nfds = 0;
	m->request = 0;
	m->flags = 0;
	m->size = 0;
}

void lvh_wire_rx_clear(struct lvh_wire_rx *rx)
{
	lvh_msg_close_fds(rx->m);
	lvh_wire_rx_init(rx, rx->m);
}

#define HDR_LEN (3 * sizeof(uint32_t))

/* Where the next bytes of the message go, and how many are still missing. */
static void *rx_dest(struct lvh_wire_rx *rx, size_t *len)
{
	if (rx->done < HDR_LEN) {
		*len = HDR_LEN - rx->done;
		return (char *)rx->hdr + rx->done;
	}
	*len = HDR_LEN + rx->m->size - rx->done;
	return rx->m->payload.bytes + (rx->done - HDR_LEN);
}

/* The header is whole: take it, if lvh_hdr_check() does. */
static int rx_header(const struct libvhost_ctx *ctx, struct lvh_wire_rx *rx)
{
	rx->m->request = rx->hdr[0];
	rx->m->flags = rx->hdr[1];
	rx->m->size = rx->hdr[2];
	return lvh_hdr_check(ctx, rx->m->request, rx->m->flags, rx->m->size);
}

/* One recvmsg() of what is missing; fds only with the message's first byte. */
static int rx_read(const struct libvhost_ctx *ctx, int sock, struct lvh_wire_rx *rx)
{
	/* room for the maximum plus one more: a surplus fd is then seen, not truncated */
	union {
		char buf[CMSG_SPACE(sizeof(int) * (LIBVHOST_USER_MAX_FDS + 1))];
		struct cmsghdr align;
	} control;
	struct iovec iov;
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;
	int r;

	iov.iov_base = rx_dest(rx, &iov.iov_len);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		r = -errno;
		lvh_dbg(ctx, "recvmsg: %s", strerror(errno));
		return r;
	}
	if (mh.msg_controllen) {
		r = collect_fds(ctx, &mh, rx->m, rx->done == 0);
		if (r < 0 && !rx->err)
			rx->err = r; /* reported once the message is whole: the stream stays in step */
	}
	if (n == 0) {
		if (rx->done)
			lvh_err(ctx, "the peer closed the connection in the middle of a message");
		else
			lvh_dbg(ctx, "the peer closed the connection");
		return -ECONNRESET;
	}
	rx->done += (size_t)n;
	return 1;
}

int lvh_wire_rx_step(const struct libvhost_ctx *ctx, int sock, struct lvh_wire_rx *rx)
{
	size_t left;
	int r;

	for (;;) {
		r = rx_read(ctx, sock, rx);
		if (r <= 0)
			break;
		if (rx->done == HDR_LEN) {
			r = rx_header(ctx, rx);
			if (r < 0)
				break;
		}
		rx_dest(rx, &left);
		if (rx->done >= HDR_LEN && !left) {
			r = rx->err;
			if (r == 0)
				return 1;
			break;
		}
	}
	if (r < 0)
		lvh_wire_rx_clear(rx);
	return r;
}

int lvh_wire_recv(const struct libvhost_ctx *ctx, int sock, struct lvh_msg *m, int timeout_ms)
{
	int64_t deadline = deadline_from(timeout_ms);
	struct lvh_wire_rx rx;
	int r;

	lvh_wire_rx_init(&rx, m);
	while ((r = lvh_wire_rx_step(ctx, sock, &rx)) == 0) {
		r = wait_for(sock, POLLIN, deadline);
		if (r < 0) {
			if (r == -ETIMEDOUT)
				lvh_dbg(ctx, "timed out waiting for the peer");
			lvh_wire_rx_clear(&rx);
			return r;
		}
	}
	return r < 0 ? r : 0;
}

/* ---- send ---- */

union send_control {
	char buf[CMSG_SPACE(sizeof(int) * LIBVHOST_USER_MAX_FDS)];
	struct cmsghdr align;
};

/*
 * What is left of @m after its first @done bytes (header, then payload), in
 * @mh; the fds ride with the first byte.
 */
static void send_rest(const struct lvh_msg *m, const uint32_t hdr[3], size_t done,
		      struct msghdr *mh, struct iovec iov[2], union send_control *control)
{
	if (done < HDR_LEN) {
		iov[0].iov_base = (char *)hdr + done;
		iov[0].iov_len = HDR_LEN - done;
		iov[1].iov_base = (void *)m->payload.bytes;
		iov[1].iov_len = m->size;
		mh->msg_iovlen = m->size ? 2 : 1;
	} else {
		iov[0].iov_base = (char *)m->payload.bytes + (done - HDR_LEN);
		iov[0].iov_len = HDR_LEN + m->size - done;
		mh->msg_iovlen = 1;
	}
	if (done == 0 && m->nfds) {
		struct cmsghdr *cmsg;

		memset(control, 0, sizeof(*control));
		mh->msg_control = control->buf;
		mh->msg_controllen = CMSG_SPACE(sizeof(int) * m->nfds);
		cmsg = CMSG_FIRSTHDR(mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * m->nfds);
		memcpy(CMSG_DATA(cmsg), m->fds, sizeof(int) * m->nfds);
	}
}

int lvh_wire_send(const struct libvhost_ctx *ctx, int sock, const struct lvh_msg *m,
		  int timeout_ms)
{
	union send_control control;
	int64_t deadline = deadline_from(timeout_ms);
	uint32_t hdr[3] = { m->request, m->flags, m->size };
	size_t total, done = 0;
	int r;

	if (m->size > LIBVHOST_USER_MAX_PAYLOAD || m->nfds > LIBVHOST_USER_MAX_FDS)
		return -EINVAL;
	total = sizeof(hdr) + m->size;

	while (done < total) {
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov };
		ssize_t n;

		send_rest(m, hdr, done, &mh, iov, &control);
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				r = wait_for(sock, POLLOUT, deadline);
				if (r < 0) {
					if (r == -ETIMEDOUT)
						lvh_dbg(ctx, "request %u: timed out sending to the peer",
							m->request);
					return r;
				}
				continue;
			}
			r = -errno;
			if (r == -EPIPE || r == -ECONNRESET)
				lvh_dbg(ctx, "send: the peer is gone");
			else
				lvh_dbg(ctx, "sendmsg: %s", strerror(errno));
			return r;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Whether @sa is a socket file that refuses connections: no one listens there. */
static bool stale_socket(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	r = r < 0 && errno == ECONNREFUSED;
	close(fd);
	return r;
}

int lvh_wire_listen(const struct libvhost_ctx *ctx, const char *path, int sock_flags)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = path ? strlen(path) : 0;
	int fd, r;

	if (!len || len >= sizeof(sa.sun_path)) {
		lvh_dbg(ctx, "socket path of %zu bytes (1..%zu allowed)", len, sizeof(sa.sun_path) - 1);
		return path ? -ENAMETOOLONG : -EINVAL;
	}
	memcpy(sa.sun_path, path, len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | sock_flags, 0);
	if (fd < 0)
		return -errno;
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0 && errno == EADDRINUSE && stale_socket(&sa) && unlink(path) == 0) {
		lvh_info(ctx, "%s: removed the socket a process that went left there", path);
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (r < 0 || listen(fd, 1) < 0) {
		r = -errno;
		lvh_dbg(ctx, "listen on %s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}
