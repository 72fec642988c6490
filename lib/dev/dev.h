/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport-neutral vhost control (struct libvhost_dev).  The vhost-user
 * front-end, kernel vhost and vDPA handles each embed one and fill in its
 * ops; the public libvhost_dev_* functions check arguments, apply the ring
 * state machine below, and call the ops, so every transport gets the same
 * rules and a VMM writes its ring set-up once.
 */
#ifndef LIBVHOST_DEV_H
#define LIBVHOST_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "libvhost-private.h"

enum lvh_dev_vring_req {
	LVH_DEV_VRING_NUM,
	LVH_DEV_VRING_BASE,
	LVH_DEV_VRING_ENDIAN,
	LVH_DEV_VRING_ENABLE,
};

enum lvh_dev_vring_fd {
	LVH_DEV_VRING_KICK,
	LVH_DEV_VRING_CALL,
	LVH_DEV_VRING_ERR,
};

struct libvhost_dev;

struct lvh_dev_ops {
	int (*get_features)(struct libvhost_dev *dev, uint64_t *features);
	int (*set_features)(struct libvhost_dev *dev, uint64_t features);
	int (*set_owner)(struct libvhost_dev *dev);
	int (*set_mem)(struct libvhost_dev *dev, struct libvhost_mem *mem);
	int (*vring_state)(struct libvhost_dev *dev, enum lvh_dev_vring_req req, unsigned int index,
			   uint32_t value);
	int (*vring_addr)(struct libvhost_dev *dev, unsigned int index, uint64_t desc,
			  uint64_t avail, uint64_t used, uint64_t log, uint32_t flags);
	int (*get_vring_base)(struct libvhost_dev *dev, unsigned int index, uint32_t *base);
	int (*vring_fd)(struct libvhost_dev *dev, enum lvh_dev_vring_fd which, unsigned int index,
			int fd);
};

/*
 * Ring states (the vhost-user spec's "Ring states", which kernel vhost and
 * vDPA follow too): started/stopped and enabled/disabled are independent.
 */
#define LVH_RING_STARTED (1u << 0)
#define LVH_RING_ENABLED (1u << 1)

enum lvh_ring_event {
	LVH_RING_EV_SETUP, /* NUM / BASE / ENDIAN: only while stopped */
	LVH_RING_EV_ADDR, /* ADDR: any time (on a started ring: the log flag) */
	LVH_RING_EV_KICK, /* the kick fd: starts the ring */
	LVH_RING_EV_STOP, /* GET_VRING_BASE: only while started */
	LVH_RING_EV_ENABLE,
	LVH_RING_EV_DISABLE,
	LVH_RING_EV_MAX,
};

struct libvhost_dev {
	const struct lvh_dev_ops *ops;
	struct libvhost_ctx *ctx; /* borrowed from the handle that embeds the dev */
	const char *name; /* "vhost-user", "vhost-net", ... for log lines */
	unsigned int nrings; /* ring indexes allowed: 1..LIBVHOST_USER_MAX_VRINGS */
	unsigned int fd_rings; /* ring indexes a vring fd request can name */
	bool guest_addrs; /* ring addresses as guest addresses (vDPA, GPA_ADDRESSES) */
	bool has_enable; /* rings start disabled and need SET_VRING_ENABLE */
	uint8_t *ring; /* LVH_RING_* per ring, nrings of them */
};

/* nrings rings, all stopped, and enabled unless has_enable.  -ENOMEM. */
int lvh_dev_init(struct libvhost_dev *dev, const struct lvh_dev_ops *ops,
		 struct libvhost_ctx *ctx, const char *name, unsigned int nrings, bool has_enable);
void lvh_dev_fini(struct libvhost_dev *dev);

/* Changes the ring count (after GET_QUEUE_NUM); state of kept rings stays.  -ENOMEM. */
int lvh_dev_set_nrings(struct libvhost_dev *dev, unsigned int nrings);

/* Every ring stopped, and disabled unless !has_enable: after a device reset. */
void lvh_dev_reset_rings(struct libvhost_dev *dev);

/* Every ring enabled: SET_FEATURES without VHOST_USER_F_PROTOCOL_FEATURES. */
void lvh_dev_enable_all(struct libvhost_dev *dev);

/*
 * The state machine: the state a ring moves to on an event, or -EINVAL
 * (logged) when the event is not allowed in its state.  Applied with
 * lvh_dev_ring_commit() once the transport has done the request.
 */
int lvh_dev_ring_check(const struct libvhost_dev *dev, unsigned int index,
		       enum lvh_ring_event ev);
void lvh_dev_ring_commit(struct libvhost_dev *dev, unsigned int index, int state);

#endif
