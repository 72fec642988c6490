/* SPDX-License-Identifier: BSD-3-Clause */
/* The ioctl wrapper and IOTLB messages of kernel vhost and vhost-vdpa. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "kernel/kernel.h"

int lvh_kioctl(const struct libvhost_ctx *ctx, int fd, unsigned long req, void *arg,
	       const char *what, bool newer, int cap)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	if (r >= 0)
		return r;
	r = -errno;
	/*
	 * An ioctl vhost does not know reaches vhost_vring_ioctl(), which reads
	 * the argument's first u32 as a ring index: ENOBUFS if that is past
	 * the rings, else ENOTTY.
	 */
	if (r == -ENOTTY || (newer && r == -ENOBUFS)) {
		lvh_dbg(ctx, "%s: not in this kernel", what);
		return -EOPNOTSUPP;
	}
	if (r == -EPERM || r == -EACCES || r == -ENOMEM)
		return lvh_explain_denied(ctx, what, r, cap, 0);
	lvh_err(ctx, "%s: %s", what, strerror(-r));
	return r;
}

int lvh_kiotlb_write(const struct libvhost_ctx *ctx, int fd, bool v2, const struct lvh_kiotlb *m)
{
	struct vhost_msg v1msg;
	struct vhost_msg_v2 v2msg;
	struct vhost_iotlb_msg *t;
	const void *buf;
	size_t len;
	ssize_t n;

	if (!v2 && m->asid)
		return -EINVAL;
	if (v2) {
		memset(&v2msg, 0, sizeof(v2msg));
		v2msg.type = VHOST_IOTLB_MSG_V2;
		v2msg.asid = m->asid;
		t = &v2msg.iotlb;
		buf = &v2msg;
		len = sizeof(v2msg);
	} else {
		memset(&v1msg, 0, sizeof(v1msg));
		v1msg.type = VHOST_IOTLB_MSG;
		t = &v1msg.iotlb;
		buf = &v1msg;
		len = sizeof(v1msg);
	}
	t->iova = m->iova;
	t->size = m->size;
	t->uaddr = m->uaddr;
	t->perm = m->perm;
	t->type = m->type;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int r = -errno;

		if (r == -ENOMEM || r == -EPERM)
			return lvh_explain_denied(ctx, "IOTLB update", r, -1, m->size);
		lvh_err(ctx, "IOTLB message (type %u, %llu bytes at %#llx): %s", m->type,
			(unsigned long long)m->size, (unsigned long long)m->iova, strerror(-r));
		return r;
	}
	return (size_t)n == len ? 0 : -EIO;
}

int lvh_kiotlb_read(const struct libvhost_ctx *ctx, int fd, bool v2, struct lvh_kiotlb *m)
{
	union {
		struct vhost_msg v1;
		struct vhost_msg_v2 v2;
	} u;
	struct pollfd pfd = { fd, POLLIN, 0 };
	const struct vhost_iotlb_msg *t;
	ssize_t n;

	if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
		return 0;
	n = read(fd, &u, v2 ? sizeof(u.v2) : sizeof(u.v1));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if ((size_t)n != (v2 ? sizeof(u.v2) : sizeof(u.v1))) {
		lvh_err(ctx, "IOTLB read: %zd bytes", n);
		return -EIO;
	}
	t = v2 ? &u.v2.iotlb : &u.v1.iotlb;
	m->iova = t->iova;
	m->size = t->size;
	m->uaddr = t->uaddr;
	m->perm = t->perm;
	m->type = t->type;
	m->asid = v2 ? u.v2.asid : 0;
	return 1;
}
