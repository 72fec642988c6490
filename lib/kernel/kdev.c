/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel vhost: /dev/vhost-net, /dev/vhost-vsock, /dev/vhost-scsi.  The
 * control requests are ioctls on one fd; the ring set-up goes through the
 * embedded struct libvhost_dev, so the code that sets rings up for a
 * vhost-user back-end drives these devices unchanged.  Ioctls newer than the
 * first vhost release are tried and reported as -EOPNOTSUPP where the
 * running kernel lacks them; permission and limit failures are explained.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "dev/dev.h"
#include "kernel/kernel.h"
#include "mem/mem.h"

/* Ioctls after linux/vhost.h of 6.1 (the build's headers may not have them). */
#define KDEV_NEW_WORKER 0x8004af08u /* _IOR(0xaf, 0x08, struct vhost_worker_state) */
#define KDEV_FREE_WORKER 0x4004af09u /* _IOW(0xaf, 0x09, struct vhost_worker_state) */
#define KDEV_ATTACH_VRING_WORKER 0x4008af15u /* _IOW(0xaf, 0x15, struct vhost_vring_worker) */
#define KDEV_GET_VRING_WORKER 0xc008af16u /* _IOWR(0xaf, 0x16, struct vhost_vring_worker) */
#define KDEV_GET_FEATURES_ARRAY 0x8008af83u /* _IOR(0xaf, 0x83, struct vhost_features_array) */
#define KDEV_SET_FEATURES_ARRAY 0x4008af83u /* _IOW(0xaf, 0x83, struct vhost_features_array) */
#define KDEV_MAX_RINGS 128 /* vhost-scsi's most; net and vsock have 2 */
#define KDEV_FEATURE_WORDS 4

struct libvhost_kdev {
	struct lvh_khandle k;
	struct libvhost_dev dev;
	uint64_t backend_features;
	struct libvhost_mem *mem; /* the table last given (a reference) */
};

#define KDEV(d) ((struct libvhost_kdev *)((char *)(d) - offsetof(struct libvhost_kdev, dev)))

static int kioctl_at(struct libvhost_kdev *kd, unsigned long req, void *arg, const char *what,
		     bool newer)
{
	return lvh_khandle_ioctl(&kd->k, req, arg, what, newer);
}

/* An ioctl every vhost kernel has. */
static int kioctl(struct libvhost_kdev *kd, unsigned long req, void *arg, const char *what)
{
	return kioctl_at(kd, req, arg, what, false);
}

/* One added later: EINVAL may mean the kernel does not know it. */
static int kioctl_newer(struct libvhost_kdev *kd, unsigned long req, void *arg, const char *what)
{
	return kioctl_at(kd, req, arg, what, true);
}

/* ---- the transport-neutral ops ---- */

static int kd_get_features(struct libvhost_dev *dev, uint64_t *features)
{
	return kioctl(KDEV(dev), VHOST_GET_FEATURES, features, "VHOST_GET_FEATURES");
}

static int kd_set_features(struct libvhost_dev *dev, uint64_t features)
{
	return kioctl(KDEV(dev), VHOST_SET_FEATURES, &features, "VHOST_SET_FEATURES");
}

static int kd_set_owner(struct libvhost_dev *dev)
{
	struct libvhost_kdev *kd = KDEV(dev);
	int r = kioctl(kd, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER");

	if (r == -EBUSY)
		lvh_err(kd->k.ctx, "%s: already has an owner (another process or an earlier "
				 "SET_OWNER)",
			kd->k.name);
	return r;
}

static int kd_set_mem(struct libvhost_dev *dev, struct libvhost_mem *mem)
{
	struct libvhost_kdev *kd = KDEV(dev);
	int n = libvhost_mem_get_nregions(mem), i, r;
	struct vhost_memory *vm;

	if (n < 0)
		return n;
	vm = calloc(1, sizeof(*vm) + (size_t)n * sizeof(vm->regions[0]));
	if (!vm)
		return -ENOMEM;
	vm->nregions = (uint32_t)n;
	for (i = 0; i < n; i++) {
		struct libvhost_mem_region reg;

		r = libvhost_mem_get_region(mem, (unsigned int)i, &reg);
		if (r < 0) {
			free(vm);
			return r;
		}
		vm->regions[i].guest_phys_addr = reg.guest_addr;
		vm->regions[i].memory_size = reg.size;
		vm->regions[i].userspace_addr = reg.user_addr;
	}
	r = kioctl(kd, VHOST_SET_MEM_TABLE, vm, "VHOST_SET_MEM_TABLE");
	free(vm);
	if (r == -E2BIG || r == -ENOMEM)
		lvh_err(kd->k.ctx, "%s: %d regions: more than the vhost module's max_mem_regions "
				 "(/sys/module/vhost/parameters/max_mem_regions)?",
			kd->k.name, n);
	if (r < 0)
		return r;
	libvhost_mem_ref(mem);
	libvhost_mem_unref(kd->mem);
	kd->mem = mem;
	return 0;
}

static int kd_vring_state(struct libvhost_dev *dev, enum lvh_dev_vring_req req, unsigned int index,
			  uint32_t value)
{
	struct vhost_vring_state s = { index, value };

	switch (req) {
	case LVH_DEV_VRING_NUM:
		return kioctl(KDEV(dev), VHOST_SET_VRING_NUM, &s, "VHOST_SET_VRING_NUM");
	case LVH_DEV_VRING_BASE:
		return kioctl(KDEV(dev), VHOST_SET_VRING_BASE, &s, "VHOST_SET_VRING_BASE");
	case LVH_DEV_VRING_ENDIAN:
		return kioctl_newer(KDEV(dev), VHOST_SET_VRING_ENDIAN, &s, "VHOST_SET_VRING_ENDIAN");
	case LVH_DEV_VRING_ENABLE:
		break;
	}
	return -EOPNOTSUPP; /* kernel vhost rings are enabled by their kick */
}

static int kd_vring_addr(struct libvhost_dev *dev, unsigned int index, uint64_t desc,
			 uint64_t avail, uint64_t used, uint64_t log, uint32_t flags)
{
	struct vhost_vring_addr a = {
		.index = index,
		.flags = flags,
		.desc_user_addr = desc,
		.used_user_addr = used,
		.avail_user_addr = avail,
		.log_guest_addr = log,
	};

	return kioctl(KDEV(dev), VHOST_SET_VRING_ADDR, &a, "VHOST_SET_VRING_ADDR");
}

static int kd_get_vring_base(struct libvhost_dev *dev, unsigned int index, uint32_t *base)
{
	struct vhost_vring_state s = { index, 0 };
	int r = kioctl(KDEV(dev), VHOST_GET_VRING_BASE, &s, "VHOST_GET_VRING_BASE");

	if (r < 0)
		return r;
	*base = s.num;
	return 0;
}

static int kd_vring_fd(struct libvhost_dev *dev, enum lvh_dev_vring_fd which, unsigned int index,
		       int fd)
{
	struct vhost_vring_file f = { index, fd };

	switch (which) {
	case LVH_DEV_VRING_KICK:
		return kioctl(KDEV(dev), VHOST_SET_VRING_KICK, &f, "VHOST_SET_VRING_KICK");
	case LVH_DEV_VRING_CALL:
		return kioctl(KDEV(dev), VHOST_SET_VRING_CALL, &f, "VHOST_SET_VRING_CALL");
	case LVH_DEV_VRING_ERR:
		return kioctl(KDEV(dev), VHOST_SET_VRING_ERR, &f, "VHOST_SET_VRING_ERR");
	}
	return -EINVAL;
}

static const struct lvh_dev_ops kd_dev_ops = {
	.get_features = kd_get_features,
	.set_features = kd_set_features,
	.set_owner = kd_set_owner,
	.set_mem = kd_set_mem,
	.vring_state = kd_vring_state,
	.vring_addr = kd_vring_addr,
	.get_vring_base = kd_get_vring_base,
	.vring_fd = kd_vring_fd,
};

/* ---- the handle ---- */

LIBVHOST_EXPORT int libvhost_kdev_adopt_fd(struct libvhost_ctx *ctx, int fd,
					   struct libvhost_kdev **ret)
{
	struct libvhost_kdev *kd;
	uint64_t f;
	int r;

	if (!ctx || fd < 0 || !ret)
		return -EINVAL;
	kd = calloc(1, sizeof(*kd));
	if (!kd)
		return -ENOMEM;
	r = lvh_dev_init(&kd->dev, &kd_dev_ops, ctx, "vhost-kernel", KDEV_MAX_RINGS, false);
	if (r < 0) {
		free(kd);
		return r;
	}
	lvh_khandle_init(&kd->k, ctx, fd, "vhost");
	kd->dev.name = kd->k.name;
	kd->dev.fd_rings = KDEV_MAX_RINGS;
	/* a vhost fd answers GET_FEATURES; anything else is not one */
	r = kioctl(kd, VHOST_GET_FEATURES, &f, "VHOST_GET_FEATURES");
	if (r < 0) {
		r = lvh_khandle_not_a(&kd->k, "kernel vhost", r);
		libvhost_kdev_unref(kd);
		return r;
	}
	*ret = kd;
	return 0;
}

static int adopt(struct libvhost_ctx *ctx, int fd, void *ret)
{
	return libvhost_kdev_adopt_fd(ctx, fd, ret);
}

LIBVHOST_EXPORT int libvhost_kdev_open(struct libvhost_ctx *ctx, const char *path,
				       struct libvhost_kdev **ret)
{
	if (!ctx || !path || !ret)
		return -EINVAL;
	return lvh_kopen_adopt(ctx, path, adopt, ret);
}

LIBVHOST_EXPORT struct libvhost_kdev *libvhost_kdev_ref(struct libvhost_kdev *kd)
{
	if (kd)
		kd->k.refcount++;
	return kd;
}

LIBVHOST_EXPORT struct libvhost_kdev *libvhost_kdev_unref(struct libvhost_kdev *kd)
{
	if (!kd || --kd->k.refcount > 0)
		return NULL;
	libvhost_mem_unref(kd->mem);
	lvh_dev_fini(&kd->dev);
	lvh_khandle_fini(&kd->k);
	free(kd);
	return NULL;
}

LIBVHOST_EXPORT struct libvhost_dev *libvhost_kdev_get_dev(struct libvhost_kdev *kd)
{
	return kd ? &kd->dev : NULL;
}

LIBVHOST_EXPORT int libvhost_kdev_get_fd(const struct libvhost_kdev *kd)
{
	return kd ? kd->k.fd : -EINVAL;
}

LIBVHOST_EXPORT int libvhost_kdev_reset_owner(struct libvhost_kdev *kd)
{
	if (!kd)
		return -EINVAL;
	return kioctl(kd, VHOST_RESET_OWNER, NULL, "VHOST_RESET_OWNER");
}

/* ---- features past 64 bits, backend features ---- */

LIBVHOST_EXPORT int libvhost_kdev_get_features_array(struct libvhost_kdev *kd, uint64_t *features,
						     unsigned int *count)
{
	uint64_t buf[1 + KDEV_FEATURE_WORDS] = { KDEV_FEATURE_WORDS };
	unsigned int i;
	int r;

	if (!kd || !features || !count || !*count)
		return -EINVAL;
	r = kioctl_newer(kd, KDEV_GET_FEATURES_ARRAY, buf, "VHOST_GET_FEATURES_ARRAY");
	if (r == -EOPNOTSUPP) {
		/* the 64 bits every kernel has, and nothing above them */
		r = kioctl(kd, VHOST_GET_FEATURES, &buf[1], "VHOST_GET_FEATURES");
		buf[0] = 1;
	}
	if (r < 0)
		return r;
	for (i = 0; i < *count; i++)
		features[i] = i < buf[0] && i < KDEV_FEATURE_WORDS ? buf[1 + i] : 0;
	*count = buf[0] < KDEV_FEATURE_WORDS ? (unsigned int)buf[0] : KDEV_FEATURE_WORDS;
	return 0;
}

LIBVHOST_EXPORT int libvhost_kdev_set_features_array(struct libvhost_kdev *kd,
						     const uint64_t *features, unsigned int count)
{
	uint64_t buf[1 + KDEV_FEATURE_WORDS] = { 0 };
	unsigned int i;
	int r;

	if (!kd || !features || !count || count > KDEV_FEATURE_WORDS)
		return -EINVAL;
	buf[0] = count;
	memcpy(&buf[1], features, count * sizeof(uint64_t));
	r = kioctl_newer(kd, KDEV_SET_FEATURES_ARRAY, buf, "VHOST_SET_FEATURES_ARRAY");
	if (r != -EOPNOTSUPP)
		return r;
	for (i = 1; i < count; i++)
		if (features[i])
			return -EOPNOTSUPP; /* bits past 63 need the array ioctl */
	return libvhost_dev_set_features(&kd->dev, features[0]);
}

LIBVHOST_EXPORT int libvhost_kdev_get_backend_features(struct libvhost_kdev *kd,
						       uint64_t *features)
{
	if (!kd || !features)
		return -EINVAL;
	return kioctl_newer(kd, VHOST_GET_BACKEND_FEATURES, features, "VHOST_GET_BACKEND_FEATURES");
}

LIBVHOST_EXPORT int libvhost_kdev_set_backend_features(struct libvhost_kdev *kd, uint64_t features)
{
	int r;

	if (!kd)
		return -EINVAL;
	r = kioctl_newer(kd, VHOST_SET_BACKEND_FEATURES, &features, "VHOST_SET_BACKEND_FEATURES");
	if (r == 0)
		kd->backend_features = features;
	return r;
}

/* ---- dirty log, busy polling, IOTLB, workers ---- */

LIBVHOST_EXPORT int libvhost_kdev_set_log_base(struct libvhost_kdev *kd, void *log)
{
	uint64_t base = (uint64_t)(uintptr_t)log;

	if (!kd)
		return -EINVAL;
	return kioctl(kd, VHOST_SET_LOG_BASE, &base, "VHOST_SET_LOG_BASE");
}

LIBVHOST_EXPORT int libvhost_kdev_set_log_fd(struct libvhost_kdev *kd, int fd)
{
	if (!kd)
		return -EINVAL;
	return kioctl(kd, VHOST_SET_LOG_FD, &fd, "VHOST_SET_LOG_FD");
}

LIBVHOST_EXPORT int libvhost_kdev_set_busyloop_timeout(struct libvhost_kdev *kd,
						       unsigned int index, unsigned int usec)
{
	struct vhost_vring_state s = { index, usec };

	if (!kd)
		return -EINVAL;
	return kioctl_newer(kd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s,
			    "VHOST_SET_VRING_BUSYLOOP_TIMEOUT");
}

LIBVHOST_EXPORT int libvhost_kdev_get_busyloop_timeout(struct libvhost_kdev *kd,
						       unsigned int index, unsigned int *usec)
{
	struct vhost_vring_state s = { index, 0 };
	int r;

	if (!kd || !usec)
		return -EINVAL;
	r = kioctl_newer(kd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &s,
			 "VHOST_GET_VRING_BUSYLOOP_TIMEOUT");
	if (r == 0)
		*usec = s.num;
	return r;
}

LIBVHOST_EXPORT int libvhost_kdev_iotlb(struct libvhost_kdev *kd, uint32_t type, uint64_t iova,
					uint64_t size, uint64_t uaddr, uint32_t perm)
{
	struct lvh_kiotlb m = { iova, size, uaddr, (uint8_t)perm, (uint8_t)type, 0 };

	if (!kd || (type != LIBVHOST_IOTLB_UPDATE && type != LIBVHOST_IOTLB_INVALIDATE) ||
	    perm > LIBVHOST_IOTLB_RW || !size || lvh_range_overflows(iova, size) ||
	    (type == LIBVHOST_IOTLB_UPDATE && (!perm || lvh_range_overflows(uaddr, size))))
		return -EINVAL;
	return lvh_kiotlb_write(kd->k.ctx, kd->k.fd,
				kd->backend_features & (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2), &m);
}

LIBVHOST_EXPORT int libvhost_kdev_read_iotlb(struct libvhost_kdev *kd, uint32_t *type,
					     uint64_t *iova, uint32_t *perm)
{
	struct lvh_kiotlb m;
	int r;

	if (!kd || !type || !iova || !perm)
		return -EINVAL;
	r = lvh_kiotlb_read(kd->k.ctx, kd->k.fd,
			    kd->backend_features & (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2), &m);
	if (r <= 0)
		return r;
	*type = m.type;
	*iova = m.iova;
	*perm = m.perm;
	return 1;
}

LIBVHOST_EXPORT int libvhost_kdev_new_worker(struct libvhost_kdev *kd, uint32_t *id)
{
	uint32_t w = 0;
	int r;

	if (!kd || !id)
		return -EINVAL;
	r = kioctl_newer(kd, KDEV_NEW_WORKER, &w, "VHOST_NEW_WORKER");
	if (r == 0)
		*id = w;
	return r;
}

LIBVHOST_EXPORT int libvhost_kdev_free_worker(struct libvhost_kdev *kd, uint32_t id)
{
	if (!kd)
		return -EINVAL;
	return kioctl_newer(kd, KDEV_FREE_WORKER, &id, "VHOST_FREE_WORKER");
}

LIBVHOST_EXPORT int libvhost_kdev_attach_vring_worker(struct libvhost_kdev *kd,
						      unsigned int index, uint32_t id)
{
	uint32_t w[2] = { index, id };

	if (!kd)
		return -EINVAL;
	return kioctl_newer(kd, KDEV_ATTACH_VRING_WORKER, w, "VHOST_ATTACH_VRING_WORKER");
}

LIBVHOST_EXPORT int libvhost_kdev_get_vring_worker(struct libvhost_kdev *kd, unsigned int index,
						   uint32_t *id)
{
	uint32_t w[2] = { index, 0 };
	int r;

	if (!kd || !id)
		return -EINVAL;
	r = kioctl_newer(kd, KDEV_GET_VRING_WORKER, w, "VHOST_GET_VRING_WORKER");
	if (r == 0)
		*id = w[1];
	return r;
}

/* ---- device types ---- */

LIBVHOST_EXPORT int libvhost_kdev_net_set_backend(struct libvhost_kdev *kd, unsigned int index,
						  int fd)
{
	struct vhost_vring_file f = { index, fd };
	int r;

	if (!kd)
		return -EINVAL;
	r = kioctl(kd, VHOST_NET_SET_BACKEND, &f, "VHOST_NET_SET_BACKEND");
	if (r == -ENOTSOCK)
		lvh_dbg(kd->k.ctx, "%s: fd %d is neither a tap/macvtap nor a packet socket",
			kd->k.name, fd);
	return r;
}

LIBVHOST_EXPORT int libvhost_kdev_vsock_set_guest_cid(struct libvhost_kdev *kd, uint64_t cid)
{
	int r;

	if (!kd)
		return -EINVAL;
	r = kioctl(kd, VHOST_VSOCK_SET_GUEST_CID, &cid, "VHOST_VSOCK_SET_GUEST_CID");
	if (r == -EADDRINUSE)
		lvh_err(kd->k.ctx, "%s: guest CID %llu is taken by another vhost-vsock device",
			kd->k.name, (unsigned long long)cid);
	return r;
}

LIBVHOST_EXPORT int libvhost_kdev_vsock_set_running(struct libvhost_kdev *kd, int running)
{
	if (!kd || (running != 0 && running != 1))
		return -EINVAL;
	return kioctl(kd, VHOST_VSOCK_SET_RUNNING, &running, "VHOST_VSOCK_SET_RUNNING");
}

static int scsi_target(struct libvhost_kdev *kd, unsigned long req, const char *what,
		       const char *wwpn, uint16_t tpgt)
{
	struct vhost_scsi_target t = { .abi_version = VHOST_SCSI_ABI_VERSION, .vhost_tpgt = tpgt };

	if (!kd || !wwpn || strlen(wwpn) >= sizeof(t.vhost_wwpn))
		return -EINVAL;
	strcpy(t.vhost_wwpn, wwpn);
	return kioctl(kd, req, &t, what);
}

LIBVHOST_EXPORT int libvhost_kdev_scsi_set_endpoint(struct libvhost_kdev *kd, const char *wwpn,
						    uint16_t tpgt)
{
	int r = scsi_target(kd, VHOST_SCSI_SET_ENDPOINT, "VHOST_SCSI_SET_ENDPOINT", wwpn, tpgt);

	if (r == -ENODEV)
		lvh_err(kd->k.ctx, "%s: no vhost target %s tpgt %u in configfs "
				 "(/sys/kernel/config/target/vhost/)",
			kd->k.name, wwpn, tpgt);
	return r;
}

LIBVHOST_EXPORT int libvhost_kdev_scsi_clear_endpoint(struct libvhost_kdev *kd, const char *wwpn,
						      uint16_t tpgt)
{
	return scsi_target(kd, VHOST_SCSI_CLEAR_ENDPOINT, "VHOST_SCSI_CLEAR_ENDPOINT", wwpn, tpgt);
}

LIBVHOST_EXPORT int libvhost_kdev_scsi_get_abi_version(struct libvhost_kdev *kd, int *version)
{
	if (!kd || !version)
		return -EINVAL;
	return kioctl(kd, VHOST_SCSI_GET_ABI_VERSION, version, "VHOST_SCSI_GET_ABI_VERSION");
}

LIBVHOST_EXPORT int libvhost_kdev_scsi_set_events_missed(struct libvhost_kdev *kd, uint32_t v)
{
	if (!kd)
		return -EINVAL;
	return kioctl(kd, VHOST_SCSI_SET_EVENTS_MISSED, &v, "VHOST_SCSI_SET_EVENTS_MISSED");
}

LIBVHOST_EXPORT int libvhost_kdev_scsi_get_events_missed(struct libvhost_kdev *kd, uint32_t *v)
{
	if (!kd || !v)
		return -EINVAL;
	return kioctl(kd, VHOST_SCSI_GET_EVENTS_MISSED, v, "VHOST_SCSI_GET_EVENTS_MISSED");
}
