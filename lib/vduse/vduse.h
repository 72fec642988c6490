/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VDUSE: the device side of a kernel vDPA device, served in this process.
 * The parts, each a file:
 *
 *   vduse.c        the handle: the device created and destroyed through
 *                  /dev/vduse/control, its fd, ref/unref, the getters
 *   vduse-req.c    the request channel (read/write of the kernel's
 *                  struct vduse_dev_request/response): checked, answered
 *   vduse-iova.c   IOVA memory (VDUSE_IOTLB_GET_FD + mmap, into lib/mem,
 *                  which owns and bounds-checks every mapping) and the
 *                  rings: started at DRIVER_OK, stopped at reset
 *
 * The rings are a vhost-user back-end's (lib/user/backend.h): the handle
 * keeps a back-end that is never attached to a socket, whose ops, rings
 * and memory table it serves, so libvhost_vq_* and the device's ops are
 * the same code over both transports.  The back-end's vq_signal hook
 * injects the interrupt (VDUSE_VQ_INJECT_IRQ) where a call fd would be
 * written.
 */
#ifndef LIBVHOST_VDUSE_H
#define LIBVHOST_VDUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "libvhost-private.h"
#include "ring/vq.h"

struct libvhost_backend;

#define LVH_VDUSE_CONTROL "/dev/vduse/control"
#define LVH_VDUSE_DIR "/dev/vduse/"
/* The kernel's own limits (struct vduse_dev_config): name, config space, vq_align. */
#define LVH_VDUSE_NAME_MAX 256
#define LVH_VDUSE_CONFIG_MAX 4096u
#define LVH_VDUSE_QUEUE_MAX 0xffffu
#define LVH_VDUSE_API_VERSION 0 /* the one this library speaks */
/* The largest IOVA region mapped at once (the kernel's whole domain is 128 MiB on 6.1). */
#define LVH_VDUSE_REGION_MAX (1ULL << 36)

/* virtio facts (virtio 1.2, 2.1 and 6) */
#define LVH_VIRTIO_ID_BLOCK 2
#define LVH_VIRTIO_F_VERSION_1 32
#define LVH_VIRTIO_BLK_F_CONFIG_WCE 11
#define LVH_STATUS_FEATURES_OK 8
#define LVH_STATUS_DRIVER_OK 4

struct libvhost_vduse {
	int refcount;
	struct libvhost_ctx *ctx;
	char name[LVH_VDUSE_NAME_MAX];
	int fd; /* /dev/vduse/NAME, non-blocking */
	bool keep; /* LIBVHOST_VDUSE_F_KEEP */
	bool created; /* by this handle: destroyed at the end */
	uint8_t status;
	uint32_t config_size;
	/* the rings, ops and memory table: a back-end with no socket */
	struct libvhost_backend *be;
	struct lvh_vq_xlate xl;
	/* libvhost_vduse_get_stats(): moved by the serving thread, read by any (atomics) */
	struct libvhost_vduse_stats stats;
};

/* ---- vduse-iova.c ---- */

/* The rings' translation (IOVA -> here) through the handle's memory table. */
void lvh_vduse_xl_init(struct libvhost_vduse *v);
/*
 * Whether the kernel's answer to VDUSE_IOTLB_GET_FD for @iova can be mapped:
 * start <= iova <= last, a region of at most LVH_VDUSE_REGION_MAX bytes,
 * an fd offset that does not wrap with it, a known permission.
 */
bool lvh_vduse_iotlb_entry_ok(uint64_t iova, uint64_t start, uint64_t last, uint64_t offset,
			      uint8_t perm);
/* Drops the mappings overlapping [first, last]; the rings running are laid out again. */
void lvh_vduse_iova_drop(struct libvhost_vduse *v, uint64_t first, uint64_t last);
/* DRIVER_OK: the rings the driver made ready, started.  0 or a negative errno. */
int lvh_vduse_rings_start(struct libvhost_vduse *v);
/* Every ring stopped (ops->queue_stopped first for the started ones). */
void lvh_vduse_rings_stop(struct libvhost_vduse *v);

/* ---- vduse-req.c ---- */

/*
 * What a request read from the device fd is, checked: its type known, a
 * ring index in range, an IOVA range in order.  0 or -EPROTO.  Exposed for
 * the unit tests, which feed it malformed requests.
 */
struct vduse_dev_request;
int lvh_vduse_req_check(const struct libvhost_ctx *ctx, const struct vduse_dev_request *req,
			size_t len, unsigned int queue_num);
/* Reads and answers every request waiting: 1 if one was, 0 if none, or a negative errno. */
int lvh_vduse_serve(struct libvhost_vduse *v);

#endif
