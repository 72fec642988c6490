/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport-neutral vhost control: argument checks, the ring state machine,
 * and the composite ring start/stop every transport shares.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev/dev.h"
#include "ring/vring.h"

/*
 * next[state][event]: the state after the event, or -1 where the event is
 * not allowed.  States are the LVH_RING_* bits (0..3).
 */
#define S0 0 /* stopped, disabled */
#define SE LVH_RING_ENABLED /* stopped, enabled */
#define R0 LVH_RING_STARTED /* started, disabled */
#define RE (LVH_RING_STARTED | LVH_RING_ENABLED)
static const int8_t ring_next[4][LVH_RING_EV_MAX] = {
	/*           SETUP ADDR KICK STOP ENABLE DISABLE */
	[S0] = { S0, S0, R0, -1, SE, S0 },
	[SE] = { SE, SE, RE, -1, SE, S0 },
	[R0] = { -1, R0, R0, S0, RE, R0 },
	[RE] = { -1, RE, RE, SE, RE, R0 },
};

static const char *const ring_event_name[LVH_RING_EV_MAX] = {
	[LVH_RING_EV_SETUP] = "set up",
	[LVH_RING_EV_ADDR] = "given addresses",
	[LVH_RING_EV_KICK] = "given a kick fd",
	[LVH_RING_EV_STOP] = "stopped",
	[LVH_RING_EV_ENABLE] = "enabled",
	[LVH_RING_EV_DISABLE] = "disabled",
};

int lvh_dev_init(struct libvhost_dev *dev, const struct lvh_dev_ops *ops,
		 struct libvhost_ctx *ctx, const char *name, unsigned int nrings, bool has_enable)
{
	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	dev->ctx = ctx;
	dev->name = name;
	dev->fd_rings = LIBVHOST_USER_MAX_VRINGS;
	dev->has_enable = has_enable;
	return lvh_dev_set_nrings(dev, nrings);
}

void lvh_dev_fini(struct libvhost_dev *dev)
{
	free(dev->ring);
	dev->ring = NULL;
	dev->nrings = 0;
}

int lvh_dev_set_nrings(struct libvhost_dev *dev, unsigned int nrings)
{
	uint8_t *ring;
	unsigned int i;

	if (nrings < 1 || nrings > LIBVHOST_USER_MAX_VRINGS)
		return -EINVAL;
	ring = realloc(dev->ring, nrings);
	if (!ring)
		return -ENOMEM;
	for (i = dev->nrings; i < nrings; i++)
		ring[i] = dev->has_enable ? 0 : LVH_RING_ENABLED;
	dev->ring = ring;
	dev->nrings = nrings;
	return 0;
}

void lvh_dev_reset_rings(struct libvhost_dev *dev)
{
	memset(dev->ring, dev->has_enable ? 0 : LVH_RING_ENABLED, dev->nrings);
}

void lvh_dev_enable_all(struct libvhost_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nrings; i++)
		dev->ring[i] |= LVH_RING_ENABLED;
}

int lvh_dev_ring_check(const struct libvhost_dev *dev, unsigned int index, enum lvh_ring_event ev)
{
	int next = ring_next[dev->ring[index]][ev];

	if (next < 0) {
		lvh_dbg(dev->ctx, "%s: ring %u cannot be %s while it is %s", dev->name, index,
			ring_event_name[ev],
			(dev->ring[index] & LVH_RING_STARTED) ? "started" : "stopped");
		return -EINVAL;
	}
	return next;
}

void lvh_dev_ring_commit(struct libvhost_dev *dev, unsigned int index, int state)
{
	dev->ring[index] = (uint8_t)state;
}

static int check_index(const struct libvhost_dev *dev, unsigned int index, unsigned int limit)
{
	if (index >= limit) {
		lvh_dbg(dev->ctx, "%s: ring %u out of range (the device has %u)", dev->name, index,
			limit);
		return -EINVAL;
	}
	return 0;
}

/* A ring request through the state machine: check, do, commit. */
static int ring_op(struct libvhost_dev *dev, unsigned int index, enum lvh_ring_event ev,
		   unsigned int limit, int (*fn)(struct libvhost_dev *, unsigned int, const void *),
		   const void *arg)
{
	int next, r;

	if (!dev)
		return -EINVAL;
	r = check_index(dev, index, limit ? limit : dev->nrings);
	if (r < 0)
		return r;
	next = lvh_dev_ring_check(dev, index, ev);
	if (next < 0)
		return next;
	r = fn(dev, index, arg);
	if (r < 0)
		return r;
	lvh_dev_ring_commit(dev, index, next);
	return r;
}

LIBVHOST_EXPORT int libvhost_dev_get_features(struct libvhost_dev *dev, uint64_t *ret_features)
{
	if (!dev || !ret_features)
		return -EINVAL;
	return dev->ops->get_features(dev, ret_features);
}

LIBVHOST_EXPORT int libvhost_dev_set_features(struct libvhost_dev *dev, uint64_t features)
{
	if (!dev)
		return -EINVAL;
	return dev->ops->set_features(dev, features);
}

LIBVHOST_EXPORT int libvhost_dev_set_owner(struct libvhost_dev *dev)
{
	if (!dev)
		return -EINVAL;
	return dev->ops->set_owner(dev);
}

LIBVHOST_EXPORT int libvhost_dev_set_mem(struct libvhost_dev *dev, struct libvhost_mem *mem)
{
	if (!dev || !mem)
		return -EINVAL;
	return dev->ops->set_mem(dev, mem);
}

struct state_arg {
	enum lvh_dev_vring_req req;
	uint32_t value;
};

static int do_state(struct libvhost_dev *dev, unsigned int index, const void *arg)
{
	const struct state_arg *a = arg;

	return dev->ops->vring_state(dev, a->req, index, a->value);
}

static int vring_state(struct libvhost_dev *dev, unsigned int index, enum lvh_ring_event ev,
		       enum lvh_dev_vring_req req, uint32_t value)
{
	struct state_arg a = { req, value };

	return ring_op(dev, index, ev, 0, do_state, &a);
}

LIBVHOST_EXPORT int libvhost_dev_set_vring_num(struct libvhost_dev *dev, unsigned int index,
					       unsigned int num)
{
	if (dev && (num < 1 || num > 32768)) {
		lvh_dbg(dev->ctx, "%s: ring %u: size %u outside 1..32768", dev->name, index, num);
		return -EINVAL;
	}
	return vring_state(dev, index, LVH_RING_EV_SETUP, LVH_DEV_VRING_NUM, num);
}

LIBVHOST_EXPORT int libvhost_dev_set_vring_base(struct libvhost_dev *dev, unsigned int index,
						uint32_t base)
{
	return vring_state(dev, index, LVH_RING_EV_SETUP, LVH_DEV_VRING_BASE, base);
}

LIBVHOST_EXPORT int libvhost_dev_set_vring_endian(struct libvhost_dev *dev, unsigned int index,
						  int big_endian)
{
	if (big_endian != 0 && big_endian != 1)
		return -EINVAL;
	return vring_state(dev, index, LVH_RING_EV_SETUP, LVH_DEV_VRING_ENDIAN,
			   (uint32_t)big_endian);
}

LIBVHOST_EXPORT int libvhost_dev_set_vring_enable(struct libvhost_dev *dev, unsigned int index,
						  int enable)
{
	if (!dev || (enable != 0 && enable != 1))
		return -EINVAL;
	if (!dev->has_enable) {
		lvh_dbg(dev->ctx, "%s: rings have no enable switch here (%s)", dev->name,
			"VHOST_USER_F_PROTOCOL_FEATURES not negotiated");
		return -EOPNOTSUPP;
	}
	return vring_state(dev, index, enable ? LVH_RING_EV_ENABLE : LVH_RING_EV_DISABLE,
			   LVH_DEV_VRING_ENABLE, (uint32_t)enable);
}

struct addr_arg {
	uint64_t desc, avail, used, log;
	uint32_t flags;
};

static int do_addr(struct libvhost_dev *dev, unsigned int index, const void *arg)
{
	const struct addr_arg *a = arg;

	return dev->ops->vring_addr(dev, index, a->desc, a->avail, a->used, a->log, a->flags);
}

LIBVHOST_EXPORT int libvhost_dev_set_vring_addr(struct libvhost_dev *dev, unsigned int index,
						uint64_t desc, uint64_t avail, uint64_t used,
						uint64_t log, uint64_t flags)
{
	struct addr_arg a = { desc, avail, used, log, (uint32_t)flags };

	if (dev && (flags & ~(uint64_t)LVH_BIT(LIBVHOST_VRING_F_LOG))) {
		lvh_dbg(dev->ctx, "%s: ring %u: unknown address flags %#llx", dev->name, index,
			(unsigned long long)flags);
		return -EINVAL;
	}
	return ring_op(dev, index, LVH_RING_EV_ADDR, 0, do_addr, &a);
}

static int do_get_base(struct libvhost_dev *dev, unsigned int index, const void *arg)
{
	return dev->ops->get_vring_base(dev, index, (uint32_t *)(uintptr_t)arg);
}

LIBVHOST_EXPORT int libvhost_dev_get_vring_base(struct libvhost_dev *dev, unsigned int index,
						uint32_t *ret_base)
{
	uint32_t base = 0;
	int r;

	if (!ret_base)
		return -EINVAL;
	r = ring_op(dev, index, LVH_RING_EV_STOP, 0, do_get_base, &base);
	if (r >= 0)
		*ret_base = base;
	return r;
}

struct fd_arg {
	enum lvh_dev_vring_fd which;
	int fd;
};

static int do_fd(struct libvhost_dev *dev, unsigned int index, const void *arg)
{
	const struct fd_arg *a = arg;

	return dev->ops->vring_fd(dev, a->which, index, a->fd);
}

static int vring_fd(struct libvhost_dev *dev, unsigned int index, enum lvh_dev_vring_fd which,
		    int fd)
{
	struct fd_arg a = { which, fd };
	int r;

	if (!dev || fd < -1)
		return -EINVAL;
	r = check_index(dev, index, dev->fd_rings);
	if (r < 0)
		return r;
	/* only the kick fd moves the state; call and err may change at any time */
	if (which == LVH_DEV_VRING_KICK)
		return ring_op(dev, index, LVH_RING_EV_KICK, 0, do_fd, &a);
	r = check_index(dev, index, dev->nrings);
	return r < 0 ? r : do_fd(dev, index, &a);
}

LIBVHOST_EXPORT int libvhost_dev_set_vring_kick(struct libvhost_dev *dev, unsigned int index,
						int fd)
{
	return vring_fd(dev, index, LVH_DEV_VRING_KICK, fd);
}

LIBVHOST_EXPORT int libvhost_dev_set_vring_call(struct libvhost_dev *dev, unsigned int index,
						int fd)
{
	return vring_fd(dev, index, LVH_DEV_VRING_CALL, fd);
}

LIBVHOST_EXPORT int libvhost_dev_set_vring_err(struct libvhost_dev *dev, unsigned int index,
					       int fd)
{
	return vring_fd(dev, index, LVH_DEV_VRING_ERR, fd);
}

LIBVHOST_EXPORT int libvhost_dev_start_vring(struct libvhost_dev *dev, unsigned int index,
					     struct libvhost_vring *vring, int kick_fd,
					     int call_fd)
{
	uint64_t desc, avail, used, used_gpa;
	uint32_t base;
	int r;

	if (!dev || !vring || kick_fd < -1 || call_fd < -1)
		return -EINVAL;
	r = libvhost_vring_get_base(vring, &base);
	if (r < 0)
		return r;
	libvhost_vring_get_addrs(vring, dev->guest_addrs, &desc, &avail, &used);
	libvhost_vring_get_addrs(vring, 1, NULL, NULL, &used_gpa);
	r = libvhost_dev_set_vring_num(dev, index, (unsigned int)libvhost_vring_get_num(vring));
	if (r < 0)
		return r;
	r = libvhost_dev_set_vring_base(dev, index, base);
	if (r < 0)
		return r;
	r = libvhost_dev_set_vring_addr(dev, index, desc, avail, used, used_gpa, 0);
	if (r < 0)
		return r;
	r = libvhost_dev_set_vring_call(dev, index, call_fd);
	if (r < 0)
		return r;
	r = libvhost_dev_set_vring_kick(dev, index, kick_fd);
	if (r < 0)
		return r;
	libvhost_vring_set_kick_fd(vring, kick_fd);
	if (dev->has_enable && !(dev->ring[index] & LVH_RING_ENABLED))
		r = libvhost_dev_set_vring_enable(dev, index, 1);
	return r < 0 ? r : 0;
}

LIBVHOST_EXPORT int libvhost_dev_stop_vring(struct libvhost_dev *dev, unsigned int index,
					    uint32_t *ret_base)
{
	uint32_t base;
	int r;

	if (!dev)
		return -EINVAL;
	if (dev->has_enable && index < dev->nrings && (dev->ring[index] & LVH_RING_ENABLED)) {
		r = libvhost_dev_set_vring_enable(dev, index, 0);
		if (r < 0)
			return r;
	}
	r = libvhost_dev_get_vring_base(dev, index, &base);
	if (r >= 0 && ret_base)
		*ret_base = base;
	return r < 0 ? r : 0;
}
