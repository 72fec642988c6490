/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-vdpa: /dev/vhost-vdpa-N.  Control is ioctls; guest memory reaches
 * the device as IOTLB updates written to the fd (IOVA = guest address),
 * batched when the device takes batches, per address space (ASID) with v2
 * messages.  The rings go through the embedded struct libvhost_dev, with
 * vDPA's enable step.  Arguments the kernel would refuse (config beyond its
 * size, IOVAs outside the device's range, an unknown ASID or group, a ring
 * past the device's count) are refused here first, with a log line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "dev/dev.h"
#include "kernel/kernel.h"
#include "mem/mem.h"

/* After linux/vhost.h of 6.1. */
#define VDPA_RESUME 0xaf7eu /* _IO(0xaf, 0x7e) */
#define VDPA_GET_VRING_DESC_GROUP 0xc008af7fu /* _IOWR(0xaf, 0x7f, struct vhost_vring_state) */
#define VDPA_GET_VRING_SIZE 0xc008af82u /* _IOWR(0xaf, 0x82, struct vhost_vring_state) */
#define BF_IOTLB_MSG_V2 1
#define BF_IOTLB_BATCH 2
#define BF_IOTLB_ASID 3
#define BF_SUSPEND 4
#define BF_RESUME 5
#define BF_DESC_ASID 7
#define VDPA_WANTED                                                                            \
	(LVH_BIT(BF_IOTLB_MSG_V2) | LVH_BIT(BF_IOTLB_BATCH) | LVH_BIT(BF_IOTLB_ASID) |         \
	 LVH_BIT(BF_SUSPEND) | LVH_BIT(BF_RESUME) | LVH_BIT(BF_DESC_ASID))

struct vdpa_map {
	uint64_t iova, size;
};

struct libvhost_vdpa {
	struct lvh_khandle k;
	struct libvhost_dev dev;
	uint64_t backend_features;
	uint32_t config_size, vqs, as_num, group_num;
	uint64_t iova_first, iova_last;
	struct vdpa_map *maps; /* what set_mem mapped in ASID 0 */
	unsigned int nmaps;
};

#define VDPA(d) ((struct libvhost_vdpa *)((char *)(d) - offsetof(struct libvhost_vdpa, dev)))

static int vioctl(struct libvhost_vdpa *v, unsigned long req, void *arg, const char *what,
		  bool newer)
{
	return lvh_khandle_ioctl(&v->k, req, arg, what, newer);
}

static bool has_bf(const struct libvhost_vdpa *v, unsigned int bit)
{
	return v->backend_features & LVH_BIT(bit);
}

/* ---- DMA mapping ---- */

static int iotlb(struct libvhost_vdpa *v, uint8_t type, uint32_t asid, uint64_t iova,
		 uint64_t size, uint64_t uaddr, uint8_t perm)
{
	struct lvh_kiotlb m = { iova, size, uaddr, perm, type, asid };

	return lvh_kiotlb_write(v->k.ctx, v->k.fd, has_bf(v, BF_IOTLB_MSG_V2), &m);
}

static int check_asid(struct libvhost_vdpa *v, uint32_t asid)
{
	if (asid && (!has_bf(v, BF_IOTLB_ASID) || asid >= v->as_num)) {
		lvh_dbg(v->k.ctx, "%s: address space %u: the device has %u%s", v->k.name, asid,
			v->as_num, has_bf(v, BF_IOTLB_ASID) ? "" : " (no IOTLB_ASID)");
		return -EINVAL;
	}
	return 0;
}

static int check_range(struct libvhost_vdpa *v, uint64_t iova, uint64_t size)
{
	if (!size || lvh_range_overflows(iova, size) || iova < v->iova_first ||
	    iova + (size - 1) > v->iova_last) {
		lvh_dbg(v->k.ctx, "%s: IOVA range [%#llx, +%#llx) outside the device's [%#llx, %#llx]",
			v->k.name, (unsigned long long)iova, (unsigned long long)size,
			(unsigned long long)v->iova_first, (unsigned long long)v->iova_last);
		return -ERANGE;
	}
	return 0;
}

LIBVHOST_EXPORT int libvhost_vdpa_map(struct libvhost_vdpa *v, uint32_t asid, uint64_t iova,
				      uint64_t size, void *addr, uint32_t perm)
{
	int r;

	if (!v || !addr || !perm || perm > LIBVHOST_IOTLB_RW ||
	    lvh_range_overflows((uint64_t)(uintptr_t)addr, size))
		return -EINVAL;
	r = check_asid(v, asid);
	if (r == 0)
		r = check_range(v, iova, size);
	if (r == 0)
		r = iotlb(v, LIBVHOST_IOTLB_UPDATE, asid, iova, size, (uint64_t)(uintptr_t)addr,
			  (uint8_t)perm);
	return r;
}

LIBVHOST_EXPORT int libvhost_vdpa_unmap(struct libvhost_vdpa *v, uint32_t asid, uint64_t iova,
					uint64_t size)
{
	int r;

	if (!v)
		return -EINVAL;
	r = check_asid(v, asid);
	if (r == 0)
		r = check_range(v, iova, size);
	if (r == 0)
		r = iotlb(v, LIBVHOST_IOTLB_INVALIDATE, asid, iova, size, 0, 0);
	return r;
}

/* A batch (IOTLB_BATCH) when the device takes one: one commit for many updates. */
static int batch(struct libvhost_vdpa *v, bool begin)
{
	if (!has_bf(v, BF_IOTLB_BATCH))
		return 0;
	return iotlb(v, begin ? 5 : 6, 0, 0, 0, 0, 0); /* VHOST_IOTLB_BATCH_BEGIN / _END */
}

LIBVHOST_EXPORT int libvhost_vdpa_map_mem(struct libvhost_vdpa *v, uint32_t asid,
					  struct libvhost_mem *mem)
{
	int n, i, r;

	if (!v || !mem)
		return -EINVAL;
	n = libvhost_mem_get_nregions(mem);
	for (i = 0; i < n; i++) {
		struct libvhost_mem_region reg;

		if (libvhost_mem_get_region(mem, (unsigned int)i, &reg) < 0 ||
		    check_range(v, reg.guest_addr, reg.size) < 0)
			return -ERANGE;
	}
	r = check_asid(v, asid);
	if (r == 0)
		r = batch(v, true);
	for (i = 0; r == 0 && i < n; i++) {
		struct libvhost_mem_region reg;

		libvhost_mem_get_region(mem, (unsigned int)i, &reg);
		r = iotlb(v, LIBVHOST_IOTLB_UPDATE, asid, reg.guest_addr, reg.size, reg.user_addr,
			  LIBVHOST_IOTLB_RW);
	}
	if (has_bf(v, BF_IOTLB_BATCH)) {
		int e = batch(v, false);

		r = r < 0 ? r : e;
	}
	return r;
}

/* ---- the transport-neutral ops ---- */

static int vd_get_features(struct libvhost_dev *dev, uint64_t *features)
{
	return vioctl(VDPA(dev), VHOST_GET_FEATURES, features, "VHOST_GET_FEATURES", false);
}

static int vd_set_features(struct libvhost_dev *dev, uint64_t features)
{
	return vioctl(VDPA(dev), VHOST_SET_FEATURES, &features, "VHOST_SET_FEATURES", false);
}

static int vd_set_owner(struct libvhost_dev *dev)
{
	return vioctl(VDPA(dev), VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER", false);
}

/* The table's regions mapped at their guest addresses in address space 0; the old ones unmapped. */
static int vd_set_mem(struct libvhost_dev *dev, struct libvhost_mem *mem)
{
	struct libvhost_vdpa *v = VDPA(dev);
	int n = libvhost_mem_get_nregions(mem), i, r;
	struct vdpa_map *maps;

	if (n < 0)
		return n;
	maps = calloc((size_t)n + 1, sizeof(*maps));
	if (!maps)
		return -ENOMEM;
	r = batch(v, true);
	for (i = 0; r == 0 && i < (int)v->nmaps; i++)
		r = iotlb(v, LIBVHOST_IOTLB_INVALIDATE, 0, v->maps[i].iova, v->maps[i].size, 0, 0);
	if (r == 0)
		r = batch(v, false);
	if (r == 0)
		r = libvhost_vdpa_map_mem(v, 0, mem);
	if (r < 0) {
		free(maps);
		return r;
	}
	for (i = 0; i < n; i++) {
		struct libvhost_mem_region reg;

		libvhost_mem_get_region(mem, (unsigned int)i, &reg);
		maps[i] = (struct vdpa_map){ reg.guest_addr, reg.size };
	}
	free(v->maps);
	v->maps = maps;
	v->nmaps = (unsigned int)n;
	return 0;
}

static int vd_vring_state(struct libvhost_dev *dev, enum lvh_dev_vring_req req, unsigned int index,
			  uint32_t value)
{
	struct vhost_vring_state s = { index, value };
	struct libvhost_vdpa *v = VDPA(dev);

	switch (req) {
	case LVH_DEV_VRING_NUM:
		return vioctl(v, VHOST_SET_VRING_NUM, &s, "VHOST_SET_VRING_NUM", false);
	case LVH_DEV_VRING_BASE:
		return vioctl(v, VHOST_SET_VRING_BASE, &s, "VHOST_SET_VRING_BASE", false);
	case LVH_DEV_VRING_ENABLE:
		return vioctl(v, VHOST_VDPA_SET_VRING_ENABLE, &s, "VHOST_VDPA_SET_VRING_ENABLE",
			      false);
	case LVH_DEV_VRING_ENDIAN:
		break;
	}
	return -EOPNOTSUPP; /* vDPA devices are virtio 1.x: little-endian */
}

static int vd_vring_addr(struct libvhost_dev *dev, unsigned int index, uint64_t desc,
			 uint64_t avail, uint64_t used, uint64_t log, uint32_t flags)
{
	struct vhost_vring_addr a = { index, flags, desc, used, avail, log };

	return vioctl(VDPA(dev), VHOST_SET_VRING_ADDR, &a, "VHOST_SET_VRING_ADDR", false);
}

static int vd_get_vring_base(struct libvhost_dev *dev, unsigned int index, uint32_t *base)
{
	struct vhost_vring_state s = { index, 0 };
	int r = vioctl(VDPA(dev), VHOST_GET_VRING_BASE, &s, "VHOST_GET_VRING_BASE", false);

	if (r == 0)
		*base = s.num;
	return r;
}

static int vd_vring_fd(struct libvhost_dev *dev, enum lvh_dev_vring_fd which, unsigned int index,
		       int fd)
{
	struct vhost_vring_file f = { index, fd };
	struct libvhost_vdpa *v = VDPA(dev);

	switch (which) {
	case LVH_DEV_VRING_KICK:
		return vioctl(v, VHOST_SET_VRING_KICK, &f, "VHOST_SET_VRING_KICK", false);
	case LVH_DEV_VRING_CALL:
		return vioctl(v, VHOST_SET_VRING_CALL, &f, "VHOST_SET_VRING_CALL", false);
	case LVH_DEV_VRING_ERR:
		return vioctl(v, VHOST_SET_VRING_ERR, &f, "VHOST_SET_VRING_ERR", false);
	}
	return -EINVAL;
}

static const struct lvh_dev_ops vd_dev_ops = {
	.get_features = vd_get_features,
	.set_features = vd_set_features,
	.set_owner = vd_set_owner,
	.set_mem = vd_set_mem,
	.vring_state = vd_vring_state,
	.vring_addr = vd_vring_addr,
	.get_vring_base = vd_get_vring_base,
	.vring_fd = vd_vring_fd,
};

/* ---- the handle ---- */

LIBVHOST_EXPORT int libvhost_vdpa_adopt_fd(struct libvhost_ctx *ctx, int fd,
					   struct libvhost_vdpa **ret)
{
	struct vhost_vdpa_iova_range range = { 0, UINT64_MAX };
	struct libvhost_vdpa *v;
	uint32_t id;
	uint64_t bf = 0;
	int r;

	if (!ctx || fd < 0 || !ret)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	lvh_khandle_init(&v->k, ctx, fd, "vhost-vdpa");
	r = vioctl(v, VHOST_VDPA_GET_DEVICE_ID, &id, "VHOST_VDPA_GET_DEVICE_ID", false);
	if (r == 0)
		r = vioctl(v, VHOST_VDPA_GET_VQS_COUNT, &v->vqs, "VHOST_VDPA_GET_VQS_COUNT", true);
	if (r < 0) {
		r = lvh_khandle_not_a(&v->k, "vhost-vdpa", r);
		libvhost_vdpa_unref(v);
		return r;
	}
	vioctl(v, VHOST_VDPA_GET_CONFIG_SIZE, &v->config_size, "VHOST_VDPA_GET_CONFIG_SIZE", true);
	if (vioctl(v, VHOST_VDPA_GET_IOVA_RANGE, &range, "VHOST_VDPA_GET_IOVA_RANGE", true) < 0)
		range = (struct vhost_vdpa_iova_range){ 0, UINT64_MAX };
	v->iova_first = range.first;
	v->iova_last = range.last;
	v->as_num = 1;
	v->group_num = 1;
	/* the backend features this library uses, where the device has them */
	if (vioctl(v, VHOST_GET_BACKEND_FEATURES, &bf, "VHOST_GET_BACKEND_FEATURES", true) == 0) {
		bf &= VDPA_WANTED;
		if (vioctl(v, VHOST_SET_BACKEND_FEATURES, &bf, "VHOST_SET_BACKEND_FEATURES",
			   true) == 0)
			v->backend_features = bf;
	}
	if (has_bf(v, BF_IOTLB_ASID)) {
		vioctl(v, VHOST_VDPA_GET_AS_NUM, &v->as_num, "VHOST_VDPA_GET_AS_NUM", true);
		vioctl(v, VHOST_VDPA_GET_GROUP_NUM, &v->group_num, "VHOST_VDPA_GET_GROUP_NUM",
		       true);
	}
	r = lvh_dev_init(&v->dev, &vd_dev_ops, ctx, "vhost-vdpa", v->vqs ? v->vqs : 1, true);
	if (r < 0) {
		libvhost_vdpa_unref(v);
		return r;
	}
	v->dev.name = v->k.name;
	v->dev.fd_rings = v->dev.nrings;
	v->dev.guest_addrs = true; /* ring addresses are IOVAs: guest addresses */
	(void)id;
	*ret = v;
	return 0;
}

static int adopt(struct libvhost_ctx *ctx, int fd, void *ret)
{
	return libvhost_vdpa_adopt_fd(ctx, fd, ret);
}

LIBVHOST_EXPORT int libvhost_vdpa_open(struct libvhost_ctx *ctx, const char *path,
				       struct libvhost_vdpa **ret)
{
	if (!ctx || !path || !ret)
		return -EINVAL;
	return lvh_kopen_adopt(ctx, path, adopt, ret);
}

LIBVHOST_EXPORT struct libvhost_vdpa *libvhost_vdpa_ref(struct libvhost_vdpa *v)
{
	if (v)
		v->k.refcount++;
	return v;
}

LIBVHOST_EXPORT struct libvhost_vdpa *libvhost_vdpa_unref(struct libvhost_vdpa *v)
{
	if (!v || --v->k.refcount > 0)
		return NULL;
	if (v->dev.ops)
		lvh_dev_fini(&v->dev);
	free(v->maps);
	lvh_khandle_fini(&v->k);
	free(v);
	return NULL;
}

LIBVHOST_EXPORT struct libvhost_dev *libvhost_vdpa_get_dev(struct libvhost_vdpa *v)
{
	return v ? &v->dev : NULL;
}

LIBVHOST_EXPORT int libvhost_vdpa_get_fd(const struct libvhost_vdpa *v)
{
	return v ? v->k.fd : -EINVAL;
}

/* ---- device queries and control ---- */

LIBVHOST_EXPORT int libvhost_vdpa_get_device_id(struct libvhost_vdpa *v, uint32_t *id)
{
	if (!v || !id)
		return -EINVAL;
	return vioctl(v, VHOST_VDPA_GET_DEVICE_ID, id, "VHOST_VDPA_GET_DEVICE_ID", false);
}

LIBVHOST_EXPORT int libvhost_vdpa_get_status(struct libvhost_vdpa *v, uint8_t *status)
{
	if (!v || !status)
		return -EINVAL;
	return vioctl(v, VHOST_VDPA_GET_STATUS, status, "VHOST_VDPA_GET_STATUS", false);
}

LIBVHOST_EXPORT int libvhost_vdpa_set_status(struct libvhost_vdpa *v, uint8_t status)
{
	int r;

	if (!v)
		return -EINVAL;
	r = vioctl(v, VHOST_VDPA_SET_STATUS, &status, "VHOST_VDPA_SET_STATUS", false);
	/* a reset (0) stops and disables every ring, and drops the mappings of some parents */
	if (r == 0 && status == 0) {
		unsigned int i;

		for (i = 0; i < v->dev.nrings; i++)
			v->dev.ring[i] = 0;
	}
	return r;
}

LIBVHOST_EXPORT int libvhost_vdpa_get_config_size(struct libvhost_vdpa *v, uint32_t *size)
{
	if (!v || !size)
		return -EINVAL;
	*size = v->config_size;
	return 0;
}

static int config_io(struct libvhost_vdpa *v, uint32_t offset, void *buf, uint32_t len,
		     bool write)
{
	struct vhost_vdpa_config *c;
	int r;

	if (!v || !buf || !len)
		return -EINVAL;
	if (offset > v->config_size || len > v->config_size - offset) {
		lvh_dbg(v->k.ctx, "%s: config bytes [%u, +%u) past its %u", v->k.name, offset, len,
			v->config_size);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c) + len);
	if (!c)
		return -ENOMEM;
	c->off = offset;
	c->len = len;
	if (write)
		memcpy(c->buf, buf, len);
	r = vioctl(v, write ? VHOST_VDPA_SET_CONFIG : VHOST_VDPA_GET_CONFIG, c,
		   write ? "VHOST_VDPA_SET_CONFIG" : "VHOST_VDPA_GET_CONFIG", false);
	if (r == 0 && !write)
		memcpy(buf, c->buf, len);
	free(c);
	return r;
}

LIBVHOST_EXPORT int libvhost_vdpa_get_config(struct libvhost_vdpa *v, uint32_t offset, void *buf,
					     uint32_t len)
{
	return config_io(v, offset, buf, len, false);
}

LIBVHOST_EXPORT int libvhost_vdpa_set_config(struct libvhost_vdpa *v, uint32_t offset,
					     const void *buf, uint32_t len)
{
	return config_io(v, offset, (void *)buf, len, true);
}

LIBVHOST_EXPORT int libvhost_vdpa_get_vring_num(struct libvhost_vdpa *v, uint16_t *max)
{
	if (!v || !max)
		return -EINVAL;
	return vioctl(v, VHOST_VDPA_GET_VRING_NUM, max, "VHOST_VDPA_GET_VRING_NUM", false);
}

LIBVHOST_EXPORT int libvhost_vdpa_get_vqs_count(struct libvhost_vdpa *v, uint32_t *count)
{
	if (!v || !count)
		return -EINVAL;
	*count = v->vqs;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vdpa_get_iova_range(struct libvhost_vdpa *v, uint64_t *first,
						 uint64_t *last)
{
	if (!v || !first || !last)
		return -EINVAL;
	*first = v->iova_first;
	*last = v->iova_last;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vdpa_set_config_call(struct libvhost_vdpa *v, int fd)
{
	if (!v || fd < -1)
		return -EINVAL;
	return vioctl(v, VHOST_VDPA_SET_CONFIG_CALL, &fd, "VHOST_VDPA_SET_CONFIG_CALL", true);
}

LIBVHOST_EXPORT int libvhost_vdpa_get_backend_features(struct libvhost_vdpa *v,
						       uint64_t *features)
{
	if (!v || !features)
		return -EINVAL;
	*features = v->backend_features;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vdpa_set_backend_features(struct libvhost_vdpa *v, uint64_t features)
{
	int r;

	if (!v)
		return -EINVAL;
	r = vioctl(v, VHOST_SET_BACKEND_FEATURES, &features, "VHOST_SET_BACKEND_FEATURES", true);
	if (r == 0)
		v->backend_features = features;
	return r;
}

LIBVHOST_EXPORT int libvhost_vdpa_get_group_num(struct libvhost_vdpa *v, uint32_t *n)
{
	if (!v || !n)
		return -EINVAL;
	*n = v->group_num;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vdpa_get_as_num(struct libvhost_vdpa *v, uint32_t *n)
{
	if (!v || !n)
		return -EINVAL;
	*n = v->as_num;
	return 0;
}

static int vring_query(struct libvhost_vdpa *v, unsigned long req, const char *what,
		       unsigned int index, uint32_t *out)
{
	struct vhost_vring_state s = { index, 0 };
	int r;

	if (!v || !out)
		return -EINVAL;
	if (index >= v->vqs) {
		lvh_dbg(v->k.ctx, "%s: ring %u past the device's %u", v->k.name, index, v->vqs);
		return -EINVAL;
	}
	r = vioctl(v, req, &s, what, true);
	if (r == 0)
		*out = s.num;
	return r;
}

LIBVHOST_EXPORT int libvhost_vdpa_get_vring_group(struct libvhost_vdpa *v, unsigned int index,
						  uint32_t *group)
{
	return vring_query(v, VHOST_VDPA_GET_VRING_GROUP, "VHOST_VDPA_GET_VRING_GROUP", index,
			   group);
}

LIBVHOST_EXPORT int libvhost_vdpa_get_vring_desc_group(struct libvhost_vdpa *v,
						       unsigned int index, uint32_t *group)
{
	return vring_query(v, VDPA_GET_VRING_DESC_GROUP, "VHOST_VDPA_GET_VRING_DESC_GROUP", index,
			   group);
}

LIBVHOST_EXPORT int libvhost_vdpa_get_vring_size(struct libvhost_vdpa *v, unsigned int index,
						 uint32_t *size)
{
	return vring_query(v, VDPA_GET_VRING_SIZE, "VHOST_VDPA_GET_VRING_SIZE", index, size);
}

LIBVHOST_EXPORT int libvhost_vdpa_set_group_asid(struct libvhost_vdpa *v, uint32_t group,
						 uint32_t asid)
{
	struct vhost_vring_state s = { group, asid };
	int r;

	if (!v)
		return -EINVAL;
	if (group >= v->group_num) {
		lvh_dbg(v->k.ctx, "%s: group %u past the device's %u", v->k.name, group, v->group_num);
		return -EINVAL;
	}
	r = check_asid(v, asid);
	return r < 0 ? r : vioctl(v, VHOST_VDPA_SET_GROUP_ASID, &s, "VHOST_VDPA_SET_GROUP_ASID", true);
}

LIBVHOST_EXPORT int libvhost_vdpa_suspend(struct libvhost_vdpa *v)
{
	if (!v)
		return -EINVAL;
	if (!has_bf(v, BF_SUSPEND))
		return -EOPNOTSUPP;
	return vioctl(v, VHOST_VDPA_SUSPEND, NULL, "VHOST_VDPA_SUSPEND", true);
}

LIBVHOST_EXPORT int libvhost_vdpa_resume(struct libvhost_vdpa *v)
{
	if (!v)
		return -EINVAL;
	if (!has_bf(v, BF_RESUME))
		return -EOPNOTSUPP;
	return vioctl(v, VDPA_RESUME, NULL, "VHOST_VDPA_RESUME", true);
}
