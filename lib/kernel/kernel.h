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

/*
 * What a kernel vhost handle (kdev.c) and a vhost-vdpa handle (vdpa.c) both
 * start with: the reference count, the context, the device fd (owned) and
 * the device node's name for log lines ("vhost-net", "vhost-vdpa-0").
 */
struct lvh_khandle {
	int refcount;
	struct libvhost_ctx *ctx;
	int fd;
	char name[32];
};

/* A handle on @fd: one reference, a reference to @ctx, the name (else @fallback). */
void lvh_khandle_init(struct lvh_khandle *h, struct libvhost_ctx *ctx, int fd,
		      const char *fallback);
/*
 * The adopted fd did not answer the first ioctl (@r) as a @kind device
 * would: logged, and the fd given back (the caller still owns it, the
 * handle does not close it).  Returns the adopt's error: -ENOTTY for an
 * ioctl the fd does not know, else @r.
 */
int lvh_khandle_not_a(struct lvh_khandle *h, const char *kind, int r);
/* Closes the fd (if the handle still has it) and drops the context. */
void lvh_khandle_fini(struct lvh_khandle *h);
/* lvh_kioctl() on the handle's fd, its log lines naming the device. */
int lvh_khandle_ioctl(struct lvh_khandle *h, unsigned long req, void *arg, const char *what,
		      bool newer);
/*
 * The _open() of both: @path opened (O_RDWR | O_CLOEXEC; a failure explained
 * in the log) and handed to @adopt, which takes it on success; closed again
 * if @adopt fails.
 */
int lvh_kopen_adopt(struct libvhost_ctx *ctx, const char *path,
		    int (*adopt)(struct libvhost_ctx *ctx, int fd, void *ret), void *ret);

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
