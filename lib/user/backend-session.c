/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's session: the front-end's socket (listen and accept,
 * connect as a client, or an adopted one), one request at a time received,
 * checked by lib/proto's table, handed to its handler by the dispatch table
 * below, acknowledged; a front-end that breaks the protocol is dropped, and
 * the back-end waits for the next one.  The back-end channel's fd
 * (SET_BACKEND_REQ_FD) is taken here; backend-chan.c sends on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "mem/mem.h"
#include "proto/msg-backend.h"
#include "user/backend-req.h"

/* How often a client back-end without a front-end tries to connect again */
#define REDIAL_MS 100

/*
 * A reply, never waited for: a front-end has at most one reply unread, so
 * a socket too full to take one belongs to a front-end that sends requests
 * and does not read the answers, and waiting for it would stall every
 * other device the caller serves.
 */
static int send_raw(struct libvhost_backend *be, struct lvh_msg *rep)
{
	int r = lvh_wire_send(be->ctx, be->sock, rep, 0);

	if (r == -ETIMEDOUT)
		lvh_err(be->ctx, "vhost-user back-end: the front-end does not read its replies "
				 "(its socket is full)");
	return r;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int lvh_be_session_init(struct libvhost_backend *be)
{
	struct epoll_event ev = { .events = EPOLLIN };

	be->watched = -1;
	be->tfd = -1;
	lvh_wire_rx_init(&be->rx, &be->rxm);
	be->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (be->epfd < 0)
		return -errno;
	be->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ev.data.fd = be->tfd;
	if (be->tfd < 0 || epoll_ctl(be->epfd, EPOLL_CTL_ADD, be->tfd, &ev) < 0) {
		int r = -errno;

		lvh_be_session_fini(be);
		return r;
	}
	return 0;
}

void lvh_be_session_fini(struct libvhost_backend *be)
{
	lvh_wire_rx_clear(&be->rx);
	lvh_be_close_fd(&be->tfd);
	lvh_be_close_fd(&be->epfd);
}

void lvh_be_deadline(struct libvhost_backend *be, int ms)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	int64_t at = ms ? now_ms() + ms : 0;

	if (at == be->deadline)
		return;
	be->deadline = at;
	if (at) {
		its.it_value.tv_sec = at / 1000;
		its.it_value.tv_nsec = (at % 1000) * 1000000;
	}
	/* disarmed, or armed again: an expiry not yet read is forgotten */
	timerfd_settime(be->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

bool lvh_be_deadline_passed(const struct libvhost_backend *be)
{
	return be->deadline && now_ms() >= be->deadline;
}

int lvh_be_watch(struct libvhost_backend *be, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	/* before the fd is closed: a file the peer still holds would stay in the set */
	if (be->watched >= 0)
		epoll_ctl(be->epfd, EPOLL_CTL_DEL, be->watched, NULL);
	be->watched = -1;
	if (fd < 0)
		return 0;
	ev.data.fd = fd;
	if (epoll_ctl(be->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	be->watched = fd;
	return 0;
}

static int reply_u64(struct libvhost_backend *be, const struct lvh_msg *m, uint64_t v)
{
	struct lvh_msg rep;

	lvh_msg_init_reply(&rep, m);
	lvh_msg_set_u64(&rep, v);
	return send_raw(be, &rep);
}

int lvh_be_send_reply(struct libvhost_backend *be, struct lvh_msg *rep)
{
	return send_raw(be, rep) < 0 ? -ECONNRESET : 1;
}

int lvh_be_reply_u64(struct libvhost_backend *be, const struct lvh_msg *m, uint64_t v)
{
	return reply_u64(be, m, v) < 0 ? -ECONNRESET : 1;
}


/* The rings stopped and the negotiated state dropped, without telling the device. */
static void device_quiesce(struct libvhost_backend *be)
{
	unsigned int i;

	for (i = 0; i < be->queue_num; i++) {
		if (be->vqs[i].started && be->ops.queue_stopped)
			be->ops.queue_stopped(be->userdata, &be->vqs[i]);
		if (be->threaded)
			pthread_mutex_lock(&be->vqs[i].lock);
		lvh_be_vq_reset(&be->vqs[i]);
		if (be->threaded)
			pthread_mutex_unlock(&be->vqs[i].lock);
	}
	lvh_be_close_fd(&be->state_fd);
	be->acked = 0;
	be->acked_features_set = false;
	be->status = 0;
}

void lvh_be_device_reset(struct libvhost_backend *be)
{
	device_quiesce(be);
	if (be->ops.reset)
		be->ops.reset(be->userdata);
}

/* The front-end went: the device reset, and the connection's state dropped too. */
static void session_end(struct libvhost_backend *be)
{
	device_quiesce(be);
	lvh_mem_clear(be->mem);
	lvh_be_log_unmap(be);
	lvh_be_inflight_unmap(be);
	lvh_be_iotlb_clear(be);
	lvh_be_close_fd(&be->log_fd);
	lvh_be_chan_close(be);
#if LIBVHOST_HAS_POSTCOPY
	lvh_be_postcopy_close(be);
#endif
#if LIBVHOST_HAS_XEN
	lvh_be_xen_close(be); /* after lvh_mem_clear(): every mapping is gone */
#endif
	be->proto = 0;
	/* last, so that the device sees a session whose resources are all released */
	if (be->ops.reset)
		be->ops.reset(be->userdata);
}

static void drop_frontend(struct libvhost_backend *be, int err)
{
	if (err == -ECONNRESET)
		lvh_info(be->ctx, "vhost-user back-end: the front-end disconnected");
	else
		lvh_err(be->ctx, "vhost-user back-end: dropping the front-end: %s", strerror(-err));
	lvh_be_state_close(be);
	lvh_be_watch(be, be->listen_fd, EPOLLIN);
	lvh_wire_rx_clear(&be->rx);
	lvh_be_deadline(be, 0);
	lvh_be_close_fd(&be->sock);
	session_end(be);
}

/* A front-end's socket, from now on the session's. */
static int session_begin(struct libvhost_backend *be, int fd)
{
	int r = lvh_be_watch(be, fd, EPOLLIN);

	if (r < 0)
		return r;
	be->sock = fd;
	be->stats.sessions++;
	return 0;
}

/* The socket path of a back-end that has none yet (listen or connect). */
static int take_path(struct libvhost_backend *be, const char *path)
{
	if (!be || !path)
		return -EINVAL;
	if (be->listen_fd >= 0 || be->sock >= 0 || be->client)
		return -EBUSY;
	if (!*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	be->path = strdup(path);
	return be->path ? 0 : -ENOMEM;
}

LIBVHOST_EXPORT int libvhost_backend_listen(struct libvhost_backend *be, const char *path)
{
	int fd, r;

	r = take_path(be, path);
	if (r < 0)
		return r;
	fd = lvh_wire_listen(be->ctx, path, SOCK_NONBLOCK);
	r = fd < 0 ? fd : lvh_be_watch(be, fd, EPOLLIN);
	if (r < 0) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		free(be->path);
		be->path = NULL;
		return r;
	}
	be->listen_fd = fd;
	return 0;
}

LIBVHOST_EXPORT int libvhost_backend_listen_fd(struct libvhost_backend *be, int fd)
{
	int type = 0, domain = 0, on = 0, fl, r;
	socklen_t len = sizeof(type);

	if (!be || fd < 0)
		return -EINVAL;
	if (be->listen_fd >= 0 || be->sock >= 0 || be->client)
		return -EBUSY;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return -EINVAL;
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_UNIX)
		return -EINVAL;
	len = sizeof(on);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
		return -EINVAL;
	/* accept() after a wakeup must not block if the front-end went meanwhile */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	r = lvh_be_watch(be, fd, EPOLLIN);
	if (r < 0)
		return r;
	be->listen_fd = fd; /* no path: nothing of ours to unlink at the end */
	return 0;
}

int lvh_be_dial(struct libvhost_backend *be)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, be->path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : session_begin(be, fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	lvh_info(be->ctx, "vhost-user back-end: connected to %s", be->path);
	return 0;
}

LIBVHOST_EXPORT int libvhost_backend_connect(struct libvhost_backend *be, const char *path)
{
	int r;

	r = take_path(be, path);
	if (r < 0)
		return r;
	r = lvh_be_dial(be);
	if (r < 0) {
		/* the caller has the errno */
		lvh_dbg(be->ctx, "vhost-user back-end: connect to %s: %s", path, strerror(-r));
		free(be->path);
		be->path = NULL;
		return r;
	}
	be->client = true;
	return 0;
}

LIBVHOST_EXPORT int libvhost_backend_adopt_fd(struct libvhost_backend *be, int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (!be || fd < 0)
		return -EINVAL;
	if (be->listen_fd >= 0 || be->sock >= 0 || be->client)
		return -EBUSY;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
		lvh_dbg(be->ctx, "vhost-user back-end: fd %d is not a stream socket", fd);
		return -EINVAL;
	}
	return session_begin(be, fd);
}

LIBVHOST_EXPORT int libvhost_backend_get_fd(const struct libvhost_backend *be)
{
	if (!be)
		return -EINVAL;
	return be->sock >= 0 || be->listen_fd >= 0 ? be->epfd : -1;
}


/* ---- the dispatch table ---- */

static int set_backend_req_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	int r = lvh_msg_decode_backend_req_fd(be->ctx, m);

	if (r < 0)
		return r;
	lvh_be_chan_close(be);
	pthread_mutex_lock(&be->chan_lock);
	be->chan = lvh_msg_take_fd(m, 0);
	pthread_mutex_unlock(&be->chan_lock);
	return 0;
}

static int iotlb_msg(struct libvhost_backend *be, struct lvh_msg *m)
{
	unsigned int i;
	int r = lvh_be_iotlb_msg(be, m);

	if (r < 0)
		return r;
	lvh_be_vqs_remap(be);
	/* an update: pops that met a miss took nothing, so the devices look again */
	for (i = 0; r == 1 && i < be->queue_num; i++)
		if (be->vqs[i].running)
			lvh_be_vq_wake(&be->vqs[i]);
	return 0;
}

#if LIBVHOST_HAS_POSTCOPY
static int postcopy(struct libvhost_backend *be, struct lvh_msg *m)
{
	return lvh_be_postcopy_request(be, m);
}
#endif

/* After it the rings read memory differently: no device pops meanwhile (every ring's lock). */
#define EXCL 1u

/*
 * The front-end's requests this back-end serves, by code (user/backend-req.h
 * says what a handler returns).  What is not here goes to the device's
 * (backend-devreq.c), or is refused.
 */
static const struct be_req {
	lvh_be_req_fn *fn;
	unsigned int flags;
} reqs[] = {
	[LIBVHOST_USER_GET_FEATURES] = { lvh_be_req_get_features, 0 },
	[LIBVHOST_USER_SET_FEATURES] = { lvh_be_req_set_features, 0 },
	[LIBVHOST_USER_SET_OWNER] = { lvh_be_req_set_owner, 0 },
	[LIBVHOST_USER_RESET_OWNER] = { lvh_be_req_reset, 0 },
	[LIBVHOST_USER_RESET_DEVICE] = { lvh_be_req_reset, 0 },
	[LIBVHOST_USER_GET_PROTOCOL_FEATURES] = { lvh_be_req_get_protocol_features, 0 },
	[LIBVHOST_USER_SET_PROTOCOL_FEATURES] = { lvh_be_req_set_protocol_features, 0 },
	[LIBVHOST_USER_GET_QUEUE_NUM] = { lvh_be_req_get_queue_num, 0 },
	[LIBVHOST_USER_GET_MAX_MEM_SLOTS] = { lvh_be_req_get_max_mem_slots, 0 },
	[LIBVHOST_USER_SET_MEM_TABLE] = { lvh_be_req_set_mem_table, EXCL },
	[LIBVHOST_USER_ADD_MEM_REG] = { lvh_be_req_add_mem_reg, EXCL },
	[LIBVHOST_USER_REM_MEM_REG] = { lvh_be_req_rem_mem_reg, EXCL },
	[LIBVHOST_USER_SET_VRING_NUM] = { lvh_be_req_set_vring_num_base, 0 },
	[LIBVHOST_USER_SET_VRING_BASE] = { lvh_be_req_set_vring_num_base, 0 },
	[LIBVHOST_USER_SET_VRING_ADDR] = { lvh_be_req_set_vring_addr, EXCL },
	[LIBVHOST_USER_SET_VRING_KICK] = { lvh_be_req_set_vring_fd, 0 },
	[LIBVHOST_USER_SET_VRING_CALL] = { lvh_be_req_set_vring_fd, 0 },
	[LIBVHOST_USER_SET_VRING_ERR] = { lvh_be_req_set_vring_fd, 0 },
	[LIBVHOST_USER_GET_VRING_BASE] = { lvh_be_req_get_vring_base, 0 },
	[LIBVHOST_USER_SET_VRING_ENABLE] = { lvh_be_req_set_vring_enable, 0 },
	[LIBVHOST_USER_VRING_KICK] = { lvh_be_req_vring_kick, 0 },
	[LIBVHOST_USER_GET_CONFIG] = { lvh_be_req_get_config, 0 },
	[LIBVHOST_USER_SET_CONFIG] = { lvh_be_req_set_config, 0 },
	[LIBVHOST_USER_SET_LOG_BASE] = { lvh_be_req_set_log_base, EXCL },
	[LIBVHOST_USER_SET_LOG_FD] = { lvh_be_req_set_log_fd, 0 },
	[LIBVHOST_USER_GET_INFLIGHT_FD] = { lvh_be_req_get_inflight_fd, 0 },
	[LIBVHOST_USER_SET_INFLIGHT_FD] = { lvh_be_req_set_inflight_fd, 0 },
	[LIBVHOST_USER_SET_STATUS] = { lvh_be_req_set_status, 0 },
	[LIBVHOST_USER_GET_STATUS] = { lvh_be_req_get_status, 0 },
	[LIBVHOST_USER_SET_DEVICE_STATE_FD] = { lvh_be_req_set_device_state_fd, 0 },
	[LIBVHOST_USER_CHECK_DEVICE_STATE] = { lvh_be_req_check_device_state, 0 },
	[LIBVHOST_USER_IOTLB_MSG] = { iotlb_msg, EXCL },
	[LIBVHOST_USER_SET_BACKEND_REQ_FD] = { set_backend_req_fd, 0 },
#if LIBVHOST_HAS_POSTCOPY
	[LIBVHOST_USER_POSTCOPY_ADVISE] = { postcopy, 0 },
	[LIBVHOST_USER_POSTCOPY_LISTEN] = { postcopy, 0 },
	[LIBVHOST_USER_POSTCOPY_END] = { postcopy, 0 },
#endif
};

static const struct be_req *req_of(uint32_t request)
{
	return request < LVH_ARRAY_SIZE(reqs) && reqs[request].fn ? &reqs[request] : NULL;
}

/* One request, as a handler returns (user/backend-req.h). */
static int dispatch(struct libvhost_backend *be, const struct be_req *q, struct lvh_msg *m)
{
	int r;

	if (q)
		return q->fn(be, m);
	r = lvh_be_devreq(be, m);
	if (r != -ENOSYS)
		return r;
	/*
	 * Requests this back-end does not implement: those behind a protocol
	 * feature it never offers were refused by the table already; the rest
	 * are refused with a nack.
	 */
	lvh_notice(be->ctx, "vhost-user back-end: %s is not implemented",
		   lvh_proto_name(LVH_DIR_FRONTEND, m->request));
	return -EOPNOTSUPP;
}

static bool ends_session(int r)
{
	return r == -EPROTO || r == -EBADMSG || r == -ECONNRESET || r == -EPIPE ||
	       r == -ETIMEDOUT;
}

/*
 * What the socket has of the front-end's next message: 1 once it is whole
 * (in be->rxm), 0 for now (the rest is waited for until be->deadline),
 * or a negative errno (the front-end dropped).
 */
static int receive(struct libvhost_backend *be)
{
	int r = lvh_wire_rx_step(be->ctx, be->sock, &be->rx);

	if (r < 0) {
		drop_frontend(be, r);
		return r;
	}
	if (r == 1)
		lvh_be_deadline(be, 0);
	else if (be->rx.done && !be->deadline)
		lvh_be_deadline(be, be->timeout_ms);
	return r;
}

/* One whole request: checked, served, answered. */
static void serve_request(struct libvhost_backend *be, struct lvh_msg *m)
{
	const struct be_req *q;
	bool excl;
	int r;

#if LIBVHOST_HAS_POSTCOPY
	/* postcopy: the acknowledgement of ADD_MEM_REGs is no request of its own */
	r = lvh_be_postcopy_gate(be, m);
	if (r == 1) {
		lvh_msg_close_fds(m);
		return;
	}
	if (r == 0)
#endif
		r = lvh_proto_check_request(be->ctx, LVH_DIR_FRONTEND, m, be->proto);
	if (r < 0) {
		/* a refused request's fds are ours to close, as a served one's are */
		lvh_msg_close_fds(m);
		drop_frontend(be, r);
		return;
	}
	lvh_dbg(be->ctx, "vhost-user back-end: <- %s", lvh_proto_name(LVH_DIR_FRONTEND, m->request));
	q = req_of(m->request);
	excl = q && (q->flags & EXCL);
	if (excl)
		lvh_be_vqs_lock(be);
	r = dispatch(be, q, m);
	if (excl)
		lvh_be_vqs_unlock(be);
	lvh_msg_close_fds(m);
	if (r >= 0 && r != 1 && (m->flags & LIBVHOST_USER_FLAG_NEED_REPLY))
		r = reply_u64(be, m, 0) < 0 ? -ECONNRESET : 0;
	else if (r < 0 && !ends_session(r) && (m->flags & LIBVHOST_USER_FLAG_NEED_REPLY))
		r = reply_u64(be, m, (uint64_t)-r) < 0 ? -ECONNRESET : 0;
	if (r < 0 && ends_session(r))
		drop_frontend(be, r);
	else if (r < 0)
		lvh_notice(be->ctx, "vhost-user back-end: %s failed: %s",
			   lvh_proto_name(LVH_DIR_FRONTEND, m->request), strerror(-r));
	else
		lvh_be_state_transfer(be);
}

static int handle_one(struct libvhost_backend *be)
{
	if (receive(be) == 1) {
		serve_request(be, &be->rxm);
		lvh_wire_rx_init(&be->rx, &be->rxm); /* the next message */
	}
	return 1;
}

/*
 * The deadline passed (the state transfer has its own): a message half
 * received, or a postcopy acknowledgement not sent, for longer than the
 * session's timeout ends the session.
 */
static bool stalled(struct libvhost_backend *be)
{
	if (!lvh_be_deadline_passed(be))
		return false;
	if (be->rx.done)
		lvh_err(be->ctx, "vhost-user back-end: the front-end sent %zu bytes of a message "
				 "and nothing more for %d ms",
			be->rx.done, be->timeout_ms);
	else
		lvh_err(be->ctx, "vhost-user back-end: the front-end sent no acknowledgement "
				 "within %d ms",
			be->timeout_ms);
	drop_frontend(be, -ETIMEDOUT);
	return true;
}

static int accept_frontend(struct libvhost_backend *be)
{
	int fd = accept4(be->listen_fd, NULL, NULL, SOCK_CLOEXEC), r;

	if (fd < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	r = session_begin(be, fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	lvh_info(be->ctx, "vhost-user back-end: a front-end connected");
	return 1;
}

LIBVHOST_EXPORT int libvhost_backend_process(struct libvhost_backend *be)
{
	struct pollfd pfd;
	int fd;

	if (!be)
		return -EINVAL;
	if (be->client && be->sock < 0)
		return lvh_be_dial(be) == 0 ? 1 : 0; /* the front-end may be back */
	if (be->state_fd >= 0)
		return lvh_be_state_step(be);
	fd = be->sock >= 0 ? be->sock : be->listen_fd;
	if (fd < 0)
		return -ENOTCONN;
	if (stalled(be))
		return 1;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (be->sock < 0)
		return accept_frontend(be);
	return handle_one(be);
}

LIBVHOST_EXPORT int libvhost_backend_run(struct libvhost_backend *be)
{
	struct pollfd pfd;
	int r;

	if (!be)
		return -EINVAL;
	for (;;) {
		pfd.fd = libvhost_backend_get_fd(be);
		if (pfd.fd < 0 && !be->client)
			return 0; /* an adopted socket's front-end went away */
		pfd.events = POLLIN;
		/* a client without a front-end dials again every REDIAL_MS */
		if (poll(&pfd, pfd.fd >= 0, pfd.fd >= 0 ? -1 : REDIAL_MS) < 0 && errno != EINTR)
			return -errno;
		r = libvhost_backend_process(be);
		if (r < 0)
			return r;
	}
}
