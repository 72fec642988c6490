/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VDUSE handle: a device created through /dev/vduse/control (API
 * version, config space, features, rings), its fd /dev/vduse/NAME, and its
 * end (VDUSE_DESTROY_DEV).  What the kernel asks of it is vduse-req.c's,
 * its memory and rings vduse-iova.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vduse.h>

#include "user/backend.h"
#include "vduse/vduse.h"

/* ioctl() with EINTR retried: 0 or more, or -errno (not logged: the caller says what it meant). */
static int vioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* /dev/vduse/control, opened; -EOPNOTSUPP (logged) when the kernel has no VDUSE. */
static int open_control(struct libvhost_ctx *ctx)
{
	int fd = open(LVH_VDUSE_CONTROL, O_RDWR | O_CLOEXEC);
	int r;

	if (fd >= 0)
		return fd;
	r = -errno;
	if (r == -ENOENT || r == -ENODEV || r == -ENXIO) {
		lvh_notice(ctx, "VDUSE: no %s: the kernel has no VDUSE (CONFIG_VDPA_USER, "
				"module vduse; Linux 5.15 or later)",
			   LVH_VDUSE_CONTROL);
		return -EOPNOTSUPP;
	}
	if (r == -EACCES || r == -EPERM)
		lvh_err(ctx, "VDUSE: %s: %s (it needs root)", LVH_VDUSE_CONTROL, strerror(-r));
	else
		lvh_err(ctx, "VDUSE: %s: %s", LVH_VDUSE_CONTROL, strerror(-r));
	return r;
}

LIBVHOST_EXPORT int libvhost_vduse_api_version(struct libvhost_ctx *ctx, uint64_t *ret_version)
{
	uint64_t version = 0;
	int fd, r;

	if (!ctx || !ret_version)
		return -EINVAL;
	fd = open_control(ctx);
	if (fd < 0)
		return fd;
	r = vioctl(fd, VDUSE_GET_API_VERSION, &version);
	close(fd);
	if (r < 0) {
		lvh_err(ctx, "VDUSE: VDUSE_GET_API_VERSION: %s", strerror(-r));
		return r;
	}
	*ret_version = version;
	return 0;
}

/* A device name the kernel takes, and that is a file name under /dev/vduse/. */
static bool name_ok(const char *name)
{
	size_t len = name ? strnlen(name, LVH_VDUSE_NAME_MAX) : 0;

	return len > 0 && len < LVH_VDUSE_NAME_MAX && !strchr(name, '/') && !strchr(name, '\n') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int destroy(struct libvhost_ctx *ctx, int cfd, const char *name)
{
	char buf[LVH_VDUSE_NAME_MAX] = { 0 };
	int r;

	snprintf(buf, sizeof(buf), "%s", name);
	r = vioctl(cfd, VDUSE_DESTROY_DEV, buf);
	if (r == -EBUSY)
		lvh_err(ctx, "VDUSE: device %s is still on the vdpa bus or open: not destroyed "
			     "(vdpa dev del %s, then destroy it)",
			name, name);
	else if (r < 0)
		lvh_dbg(ctx, "VDUSE: VDUSE_DESTROY_DEV %s: %s", name, strerror(-r));
	return r;
}

LIBVHOST_EXPORT int libvhost_vduse_destroy(struct libvhost_ctx *ctx, const char *name)
{
	int fd, r;

	if (!ctx || !name_ok(name))
		return -EINVAL;
	fd = open_control(ctx);
	if (fd < 0)
		return fd;
	r = destroy(ctx, fd, name);
	close(fd);
	return r;
}

/*
 * What this library asks of the kernel, against what it offers: the API
 * version (the kernel's if lower), then VDUSE_CREATE_DEV.  An -EINVAL from
 * the kernel is explained as far as the running kernel is known.
 */
static int create(struct libvhost_vduse *v, int cfd, const struct libvhost_vduse_opts *opts,
		  uint64_t features, unsigned int queues, unsigned int qsize)
{
	uint64_t kver = 0, ver;
	struct vduse_dev_config *c;
	unsigned int id;
	int r;

	r = vioctl(cfd, VDUSE_GET_API_VERSION, &kver);
	if (r < 0) {
		lvh_err(v->ctx, "VDUSE: VDUSE_GET_API_VERSION: %s", strerror(-r));
		return r;
	}
	ver = kver > LVH_VDUSE_API_VERSION ? LVH_VDUSE_API_VERSION : kver;
	r = vioctl(cfd, VDUSE_SET_API_VERSION, &ver);
	if (r < 0) {
		lvh_err(v->ctx, "VDUSE: VDUSE_SET_API_VERSION %llu: %s", (unsigned long long)ver,
			strerror(-r));
		return r;
	}
	c = calloc(1, sizeof(*c) + v->config_size);
	if (!c)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", v->name);
	c->device_id = (uint32_t)LVH_OPTS_GET(opts, device_id, 0);
	c->vendor_id = (uint32_t)LVH_OPTS_GET(opts, vendor_id, 0);
	c->features = features;
	c->vq_num = queues;
	c->vq_align = (uint32_t)sysconf(_SC_PAGESIZE);
	c->config_size = v->config_size;
	if (v->config_size) {
		struct libvhost_backend *be = v->be;

		r = be->ops.get_config(be->userdata, 0, c->config, v->config_size);
		if (r < 0) {
			lvh_dbg(v->ctx, "VDUSE: the device's get_config failed: %s", strerror(-r));
			free(c);
			return r;
		}
	}
	r = vioctl(cfd, VDUSE_CREATE_DEV, c);
	id = c->device_id;
	free(c);
	if (r == -EEXIST) {
		lvh_err(v->ctx, "VDUSE: a device named %s exists already", v->name);
		return r;
	}
	if (r == -EINVAL && kver == 0 && id != LVH_VIRTIO_ID_BLOCK) {
		lvh_err(v->ctx, "VDUSE: the kernel refused device id %u: VDUSE API version 0 "
				"(Linux 6.1) serves block devices only",
			id);
		return -EOPNOTSUPP;
	}
	if (r < 0) {
		lvh_err(v->ctx, "VDUSE: VDUSE_CREATE_DEV %s (device id %u, %u rings): %s", v->name,
			(unsigned int)LVH_OPTS_GET(opts, device_id, 0), queues, strerror(-r));
		return r;
	}
	v->created = true;
	return 0;
}

/* Every ring's largest size, on the device's fd (the kernel adds it to the bus only then). */
static int setup_rings(struct libvhost_vduse *v, unsigned int queues, unsigned int qsize)
{
	unsigned int i;
	int r;

	for (i = 0; i < queues; i++) {
		struct vduse_vq_config q = { .index = i, .max_size = (uint16_t)qsize };

		r = vioctl(v->fd, VDUSE_VQ_SETUP, &q);
		if (r < 0) {
			lvh_err(v->ctx, "VDUSE %s: VDUSE_VQ_SETUP %u: %s", v->name, i, strerror(-r));
			return r;
		}
	}
	return 0;
}

static int vq_signal(void *opaque, unsigned int index)
{
	struct libvhost_vduse *v = opaque;
	uint32_t i = index;
	int r = vioctl(v->fd, VDUSE_VQ_INJECT_IRQ, &i);

	/* -EINVAL: the driver is not (or no longer) DRIVER_OK; nothing to tell */
	if (r < 0 && r != -EINVAL)
		lvh_dbg(v->ctx, "VDUSE %s: VDUSE_VQ_INJECT_IRQ %u: %s", v->name, index, strerror(-r));
	return r == -EINVAL ? 0 : r;
}

static struct libvhost_vduse *vduse_free(struct libvhost_vduse *v)
{
	if (v->be && v->fd >= 0) {
		lvh_vduse_rings_stop(v);
		lvh_mem_clear(v->be->mem);
		if (v->be->ops.reset)
			v->be->ops.reset(v->be->userdata);
	}
	if (v->fd >= 0)
		close(v->fd);
	if (v->created && !v->keep) {
		int cfd = open_control(v->ctx);

		if (cfd >= 0) {
			destroy(v->ctx, cfd, v->name);
			close(cfd);
		}
	}
	libvhost_backend_unref(v->be);
	libvhost_ctx_unref(v->ctx);
	free(v);
	return NULL;
}

LIBVHOST_EXPORT int libvhost_vduse_new(struct libvhost_ctx *ctx, const char *name,
				       const struct libvhost_vduse_opts *opts,
				       struct libvhost_vduse **ret)
{
	const struct libvhost_backend_ops *ops = LVH_OPTS_GET(opts, ops, NULL);
	uint64_t queues = LVH_OPTS_GET(opts, queue_num, 0), qsize = LVH_OPTS_GET(opts, queue_size, 0);
	uint64_t csize = LVH_OPTS_GET(opts, config_size, 0), flags = LVH_OPTS_GET(opts, flags, 0);
	uint64_t features = LVH_OPTS_GET(opts, features, 0) | LVH_BIT(LVH_VIRTIO_F_VERSION_1) |
			    LVH_BIT(LIBVHOST_F_ACCESS_PLATFORM);
	struct libvhost_vduse *v;
	char path[sizeof(LVH_VDUSE_DIR) + LVH_VDUSE_NAME_MAX];
	int cfd, r;

	if (!ctx || !ret || LVH_OPTS_VALID(ctx, opts, libvhost_vduse_opts) < 0)
		return -EINVAL;
	if (!name_ok(name)) {
		lvh_dbg(ctx, "VDUSE: a device name is 1 to %d bytes, with no '/'",
			LVH_VDUSE_NAME_MAX - 1);
		return -EINVAL;
	}
	queues = queues ? queues : 1;
	qsize = qsize ? qsize : 256;
	if (queues > LVH_VDUSE_QUEUE_MAX || qsize > 32768 || (qsize & (qsize - 1)) ||
	    csize > LVH_VDUSE_CONFIG_MAX || (csize && (!ops || !ops->get_config)) ||
	    (flags & ~LIBVHOST_VDUSE_F_KEEP)) {
		lvh_dbg(ctx, "VDUSE: queue_num, queue_size, config_size (and get_config) or flags "
			     "out of range");
		return -EINVAL;
	}
	if (LVH_OPTS_GET(opts, device_id, 0) == LVH_VIRTIO_ID_BLOCK &&
	    (features & LVH_BIT(LVH_VIRTIO_BLK_F_CONFIG_WCE))) {
		lvh_err(ctx, "VDUSE: the kernel's config space is read-only: VIRTIO_BLK_F_CONFIG_WCE "
			     "cannot be offered");
		return -EOPNOTSUPP;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->refcount = 1;
	v->ctx = libvhost_ctx_ref(ctx);
	v->fd = -1;
	v->keep = flags & LIBVHOST_VDUSE_F_KEEP;
	v->config_size = (uint32_t)csize;
	snprintf(v->name, sizeof(v->name), "%s", name);
	{
		LIBVHOST_OPTS(libvhost_backend_opts, bo, .features = features, .queue_num = queues,
			      .ops = ops, .userdata = LVH_OPTS_GET(opts, userdata, NULL));

		r = libvhost_backend_new(ctx, &bo, &v->be);
		if (r < 0) {
			vduse_free(v);
			return r;
		}
	}
	v->be->vq_signal = vq_signal;
	v->be->signal_opaque = v;
	lvh_vduse_xl_init(v);
	cfd = open_control(ctx);
	if (cfd < 0) {
		vduse_free(v);
		return cfd;
	}
	r = create(v, cfd, opts, features, (unsigned int)queues, (unsigned int)qsize);
	close(cfd);
	if (r < 0) {
		vduse_free(v);
		return r;
	}
	snprintf(path, sizeof(path), "%s%s", LVH_VDUSE_DIR, name);
	v->fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (v->fd < 0) {
		r = -errno;
		lvh_err(ctx, "VDUSE: %s: %s", path, strerror(-r));
		vduse_free(v);
		return r;
	}
	r = setup_rings(v, (unsigned int)queues, (unsigned int)qsize);
	if (r < 0) {
		vduse_free(v);
		return r;
	}
	lvh_dbg(ctx, "VDUSE: device %s: %u rings of %u, features %#llx", name,
		(unsigned int)queues, (unsigned int)qsize, (unsigned long long)features);
	*ret = v;
	return 0;
}

LIBVHOST_EXPORT struct libvhost_vduse *libvhost_vduse_ref(struct libvhost_vduse *v)
{
	if (v)
		v->refcount++;
	return v;
}

LIBVHOST_EXPORT struct libvhost_vduse *libvhost_vduse_unref(struct libvhost_vduse *v)
{
	if (!v || --v->refcount > 0)
		return NULL;
	return vduse_free(v);
}

LIBVHOST_EXPORT int libvhost_vduse_get_fd(const struct libvhost_vduse *v)
{
	return v ? v->fd : -1;
}

LIBVHOST_EXPORT int libvhost_vduse_process(struct libvhost_vduse *v)
{
	if (!v)
		return -EINVAL;
	return lvh_vduse_serve(v);
}

LIBVHOST_EXPORT struct libvhost_vq *libvhost_vduse_get_vq(struct libvhost_vduse *v,
							  unsigned int index)
{
	return v ? libvhost_backend_get_vq(v->be, index) : NULL;
}

LIBVHOST_EXPORT uint64_t libvhost_vduse_get_acked_features(const struct libvhost_vduse *v)
{
	return v ? v->be->acked : 0;
}

LIBVHOST_EXPORT int libvhost_vduse_get_status(const struct libvhost_vduse *v)
{
	return v ? v->status : -EINVAL;
}

LIBVHOST_EXPORT int libvhost_vduse_get_stats(const struct libvhost_vduse *v,
					     struct libvhost_vduse_stats *stats)
{
	struct libvhost_vduse_stats s = { .sz = sizeof(s) };

	if (!v || !stats || stats->sz < lvh_offsetofend(struct libvhost_vduse_stats, requests))
		return -EINVAL;
	s.requests = __atomic_load_n(&v->stats.requests, __ATOMIC_RELAXED);
	s.failed = __atomic_load_n(&v->stats.failed, __ATOMIC_RELAXED);
	s.vq_states = __atomic_load_n(&v->stats.vq_states, __ATOMIC_RELAXED);
	s.status_changes = __atomic_load_n(&v->stats.status_changes, __ATOMIC_RELAXED);
	s.resets = __atomic_load_n(&v->stats.resets, __ATOMIC_RELAXED);
	s.iotlb_updates = __atomic_load_n(&v->stats.iotlb_updates, __ATOMIC_RELAXED);
	lvh_sized_out(stats, &s, sizeof(s));
	return 0;
}

LIBVHOST_EXPORT int libvhost_vduse_set_config(struct libvhost_vduse *v, uint32_t offset,
					      const void *buf, uint32_t len)
{
	struct vduse_config_data *d;
	int r;

	if (!v || !buf || !len || offset > v->config_size || len > v->config_size - offset)
		return -EINVAL;
	d = calloc(1, sizeof(*d) + len);
	if (!d)
		return -ENOMEM;
	d->offset = offset;
	d->length = len;
	memcpy(d->buffer, buf, len);
	r = vioctl(v->fd, VDUSE_DEV_SET_CONFIG, d);
	free(d);
	if (r < 0) {
		lvh_err(v->ctx, "VDUSE %s: VDUSE_DEV_SET_CONFIG: %s", v->name, strerror(-r));
		return r;
	}
	if (!(v->status & LVH_STATUS_DRIVER_OK))
		return 0;
	r = vioctl(v->fd, VDUSE_DEV_INJECT_CONFIG_IRQ, NULL);
	if (r < 0 && r != -EINVAL) {
		lvh_err(v->ctx, "VDUSE %s: VDUSE_DEV_INJECT_CONFIG_IRQ: %s", v->name, strerror(-r));
		return r;
	}
	return 0;
}
