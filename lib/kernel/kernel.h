/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What kernel vhost (kdev.c) and vhost-vdpa share: the ioctl wrapper that
 * turns the kernel's errors into the library's (an ioctl the running kernel
 * lacks is -EOPNOTSUPP, a refusal for want of privilege is explained), and
 * IOTLB messages read from and written to the device fd.
 */
#ifndef LIBVHOST_KERNEL_H
#define LIBVHOST_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvhost-private.h"

/*
 * ioctl(fd, req, arg) for @what (log lines name it).  Errors: -EOPNOTSUPP
 * when the kernel does not know @req (ENOTTY; ENOBUFS too if @newer, for
 * requests added after the first vhost release), else -errno, logged, with
 * EPERM/EACCES/ENOMEM explained (@cap: the capability it may need, or -1).
 */
int lvh_kioctl(const struct libvhost_ctx *ctx, int fd, unsigned long req, void *arg,
	       const char *what, bool newer, int cap);

/* open(@path, O_RDWR | O_CLOEXEC), or -errno with the reason explained in the log. */
int lvh_kopen(const struct libvhost_ctx *ctx, const char *path);
/* The device node's name behind @fd ("vhost-net"), or @fallback, for log lines. */
void lvh_kfd_name(int fd, char *buf, size_t len, const char *fallback);

/* An IOTLB message (struct vhost_iotlb_msg's fields). */
struct lvh_kiotlb {
	uint64_t iova, size, uaddr;
	uint8_t perm, type;
	uint32_t asid; /* v2 only */
};

/*
 * Writes one message: struct vhost_msg_v2 when @v2 (IOTLB_MSG_V2 acked),
 * else struct vhost_msg (then asid must be 0).  Errors: -EINVAL, -EIO (short
 * write), the kernel's (-EFAULT, -ENOMEM explained with the memlock limit).
 */
int lvh_kiotlb_write(const struct libvhost_ctx *ctx, int fd, bool v2, const struct lvh_kiotlb *m);
/* Reads one message if one is waiting (the fd may be blocking: polled first).  0: none. */
int lvh_kiotlb_read(const struct libvhost_ctx *ctx, int fd, bool v2, struct lvh_kiotlb *m);

#endif
