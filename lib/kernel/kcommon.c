/* SPDX-License-Identifier: BSD-3-Clause */
/* The ioctl wrapper and IOTLB messages of kernel vhost and vhost-vdpa. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

/* Why open() failed, in words a user can act on. */
static void explain_open(const struct libvhost_ctx *ctx, const char *path, int err)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct stat st;
	char mod[32];
	size_t i;

	if (err == -ENOENT) {
		/* /dev/vhost-net is module vhost_net, /dev/vhost-vdpa-3 module vhost_vdpa */
		snprintf(mod, sizeof(mod), "%.31s", base);
		for (i = strlen(mod); i > 0 && isdigit((unsigned char)mod[i - 1]); i--)
			;
		if (i > 0 && i < strlen(mod) && mod[i - 1] == '-')
			mod[i - 1] = 0;
		for (i = 0; mod[i]; i++)
			if (mod[i] == '-')
				mod[i] = '_';
		lvh_err(ctx, "%s: no such device: is the module loaded (modprobe %s)?", path, mod);
	} else if ((err == -EACCES || err == -EPERM) && stat(path, &st) == 0) {
		lvh_err(ctx, "%s: permission denied: it is owned by uid %u gid %u, mode %03o, and "
				 "this process is uid %u gid %u (a group member, root, or a helper "
				 "that passes the fd to the adopt_fd call)",
			path, st.st_uid, st.st_gid, st.st_mode & 0777, getuid(), getgid());
	} else if (err == -EBUSY) {
		lvh_err(ctx, "%s: busy (another process has it open)", path);
	} else {
		lvh_err(ctx, "%s: %s", path, strerror(-err));
	}
}

int lvh_kopen_adopt(struct libvhost_ctx *ctx, const char *path,
		    int (*adopt)(struct libvhost_ctx *ctx, int fd, void *ret), void *ret)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), r;

	if (fd < 0) {
		r = -errno;
		explain_open(ctx, path, r);
		return r;
	}
	r = adopt(ctx, fd, ret);
	if (r < 0)
		close(fd);
	return r;
}

/* ---- the handle's fd ---- */

void lvh_khandle_init(struct lvh_khandle *h, struct libvhost_ctx *ctx, int fd,
		      const char *fallback)
{
	char link[64], target[256];
	ssize_t n;

	h->refcount = 1;
	h->ctx = libvhost_ctx_ref(ctx);
	h->fd = fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = 0;
	snprintf(h->name, sizeof(h->name), "%.31s",
		 n > 0 && strrchr(target, '/') ? strrchr(target, '/') + 1 : fallback);
}

int lvh_khandle_not_a(struct lvh_khandle *h, const char *kind, int r)
{
	lvh_dbg(h->ctx, "fd %d (%s) is not a %s device", h->fd, h->name, kind);
	h->fd = -1;
	return r == -EOPNOTSUPP ? -ENOTTY : r;
}

void lvh_khandle_fini(struct lvh_khandle *h)
{
	if (h->fd >= 0)
		close(h->fd);
	libvhost_ctx_unref(h->ctx);
}

int lvh_khandle_ioctl(struct lvh_khandle *h, unsigned long req, void *arg, const char *what,
		      bool newer)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%s: %.60s", h->name, what);
	return lvh_kioctl(h->ctx, h->fd, req, arg, buf, newer, -1);
}
