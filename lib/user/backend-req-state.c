/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's status and device state requests (lib/proto/msg-state.c):
 * SET/GET_STATUS, SET_DEVICE_STATE_FD (the transfer runs once the
 * front-end has the reply, step by step from process(): the device's
 * callbacks see a memfd, never the front-end's pipe, so neither they nor
 * the pipe hold up the other devices a caller serves) and
 * CHECK_DEVICE_STATE.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "proto/msg-state.h"
#include "user/backend-req.h"

int lvh_be_req_set_status(struct libvhost_backend *be, struct lvh_msg *m)
{
	uint8_t st;
	int r = lvh_msg_decode_status(be->ctx, m, &st);

	if (r < 0)
		return r;
	if (be->ops.set_status) {
		r = be->ops.set_status(be->userdata, st);
		if (r < 0)
			return r;
	}
	be->status = st;
	return 0;
}

int lvh_be_req_get_status(struct libvhost_backend *be, struct lvh_msg *m)
{
	return lvh_be_reply_u64(be, m, be->status);
}

/* SET_DEVICE_STATE_FD: answered at once (no fd of our own); the transfer follows. */
int lvh_be_req_set_device_state_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_device_state ds;
	struct lvh_msg rep;
	uint8_t err = 0;
	int r = lvh_msg_decode_device_state(be->ctx, m, &ds);

	if (r < 0)
		return r;
	if (lvh_be_any_ring_started(be, "device state transfer"))
		err = EBUSY;
	lvh_be_state_close(be);
	if (!err) {
		be->state_fd = lvh_msg_take_fd(m, 0);
		be->state_dir = ds.direction;
		be->state_result = -EINPROGRESS;
	}
	lvh_msg_init_reply(&rep, m);
	lvh_msg_encode_device_state_reply(&rep, err, -1);
	return lvh_be_send_reply(be, &rep);
}

int lvh_be_req_check_device_state(struct libvhost_backend *be, struct lvh_msg *m)
{
	return lvh_be_reply_u64(be, m, be->state_result < 0 ? (uint64_t)-be->state_result : 0);
}

/* The most of a front-end's device state a back-end holds (see load_state in libvhost.h) */
#define STATE_MAX (256u << 20)
/* Bytes moved in one step at most, so that one device's transfer does not starve the others */
#define STEP_MAX (1u << 20)

void lvh_be_state_close(struct libvhost_backend *be)
{
	/* the session's socket served again (before the pipe closes: see lvh_be_watch) */
	if ((be->state_fd >= 0 || be->state_buf >= 0) && be->watched != be->sock)
		lvh_be_watch(be, be->sock, EPOLLIN);
	lvh_be_close_fd(&be->state_fd);
	lvh_be_close_fd(&be->state_buf);
	lvh_be_deadline(be, 0);
}

/* The transfer ended with @r, which CHECK_DEVICE_STATE reports; the socket is served again. */
static int state_end(struct libvhost_backend *be, int r)
{
	be->state_result = r;
	/* the device's own callback, or the front-end's pipe, said so; the front-end asks */
	if (r < 0)
		lvh_notice(be->ctx, "vhost-user back-end: device state %s failed: %s",
			   be->state_dir == LVH_STATE_SAVE ? "save" : "load", strerror(-r));
	lvh_be_state_close(be);
	return 1;
}

/* write() that turns a reader gone into -EPIPE, not into SIGPIPE for the caller's process */
static ssize_t write_nosignal(int fd, const void *buf, size_t len)
{
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old, pending;
	bool was_pending;
	ssize_t n;
	int err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	n = write(fd, buf, len);
	err = errno;
	if (n < 0 && err == EPIPE && !was_pending)
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return n;
}

/*
 * Save: the device's state from the buffer to the front-end's pipe, as much
 * as the pipe takes.  Returns the bytes moved or a negative errno; *end once
 * everything went.
 */
static ssize_t save_step(struct libvhost_backend *be, char *buf, size_t len, bool *end)
{
	ssize_t n = pread(be->state_buf, buf, len, be->state_off), w;

	if (n < 0)
		return -errno;
	if (n == 0) {
		*end = true;
		return 0;
	}
	w = write_nosignal(be->state_fd, buf, (size_t)n);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	be->state_off += w;
	return w;
}

/* Load: the front-end's state from its pipe to the buffer; at its end, to the device. */
static ssize_t load_step(struct libvhost_backend *be, char *buf, size_t len, bool *end)
{
	ssize_t n = read(be->state_fd, buf, len);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0) {
		*end = true;
		if (lseek(be->state_buf, 0, SEEK_SET) < 0)
			return -errno;
		return be->ops.load_state(be->userdata, be->state_buf);
	}
	if ((uint64_t)be->state_off + (uint64_t)n > STATE_MAX) {
		lvh_err(be->ctx, "vhost-user back-end: the front-end's device state exceeds %u MiB",
			STATE_MAX >> 20);
		return -EFBIG;
	}
	if (write(be->state_buf, buf, (size_t)n) != n)
		return -ENOSPC;
	be->state_off += n;
	return n;
}

int lvh_be_state_step(struct libvhost_backend *be)
{
	char buf[16384];
	size_t moved = 0;
	bool end = false;
	ssize_t n;

	if (be->state_fd < 0)
		return 0;
	do {
		n = be->state_dir == LVH_STATE_SAVE ? save_step(be, buf, sizeof(buf), &end)
						    : load_step(be, buf, sizeof(buf), &end);
		if (n < 0 || end)
			return state_end(be, n < 0 ? (int)n : 0);
		moved += (size_t)n;
	} while (n > 0 && moved < STEP_MAX);
	if (moved) {
		lvh_be_deadline(be, be->timeout_ms);
		return 1;
	}
	if (!lvh_be_deadline_passed(be))
		return 0;
	lvh_err(be->ctx, "vhost-user back-end: the front-end's device state pipe made no progress "
			 "for %d ms",
		be->timeout_ms);
	return state_end(be, -ETIMEDOUT);
}

/* Started once the front-end has the reply to SET_DEVICE_STATE_FD. */
void lvh_be_state_transfer(struct libvhost_backend *be)
{
	int fl, r;

	if (be->state_fd < 0 || be->state_buf >= 0)
		return; /* none, or under way */
	be->state_off = 0;
	lvh_be_deadline(be, be->timeout_ms);
	be->state_buf = memfd_create("libvhost-device-state", MFD_CLOEXEC);
	if (be->state_buf < 0) {
		state_end(be, -errno);
		return;
	}
	fl = fcntl(be->state_fd, F_GETFL);
	if (fl < 0 || fcntl(be->state_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		state_end(be, -errno);
		return;
	}
	if (be->state_dir == LVH_STATE_SAVE) {
		/* a memfd never blocks the device, nor holds more than it wrote */
		r = be->ops.save_state(be->userdata, be->state_buf);
		if (r < 0) {
			state_end(be, r);
			return;
		}
	}
	r = lvh_be_watch(be, be->state_fd, be->state_dir == LVH_STATE_SAVE ? EPOLLOUT : EPOLLIN);
	if (r == -EPERM) {
		/* a regular file (epoll refuses those) never blocks: the whole transfer now */
		while (be->state_fd >= 0)
			lvh_be_state_step(be);
		return;
	}
	if (r < 0)
		state_end(be, r);
}
