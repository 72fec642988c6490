/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VDUSE in the guest kernel: a small virtio-blk device served by this
 * process with libvhost's VDUSE handle (on a thread of its own), over a
 * memfd image, added to the vdpa bus bound to virtio_vdpa: the kernel's
 * own virtio_blk drives it as /dev/vdX.  O_DIRECT writes and reads are
 * checked against the image, an ext2 file system is made, filled, synced
 * and read back past a cache drop, a config change (a larger capacity)
 * reaches the driver, and the device goes cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm-tests.h"

#define DEV_NAME "lvhvduse0"
#define IMG_SIZE (16u << 20)
#define IMG_GROWN (32u << 20)
#define QUEUES 1
#define BLK_F_SEG_MAX 2
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9
#define F_INDIRECT (1ULL << 28)
#define F_EVENT_IDX_ (1ULL << 29)
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8

static void reset(void *ud)
{
	struct vm_vduse_blk *d = ud;

	d->resets++;
	d->reqs_since_reset = 0;
}

static int get_config(void *ud, uint32_t offset, void *buf, uint32_t len)
{
	struct vm_vduse_blk *d = ud;

	if (offset > sizeof(d->cfg) || len > sizeof(d->cfg) - offset)
		return -EINVAL;
	memcpy(buf, (uint8_t *)&d->cfg + offset, len);
	return 0;
}

/* @len bytes at @off of @n iovecs to @dst or from @src. */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t off, void *dst,
		       const void *src, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len - done)
			l = len - done;
		if (dst)
			memcpy((uint8_t *)dst + done, (uint8_t *)iov[i].iov_base + off, l);
		else
			memcpy((uint8_t *)iov[i].iov_base + off, (const uint8_t *)src + done, l);
		done += l;
		off = 0;
	}
	return done;
}

static size_t iov_len(const struct iovec *iov, unsigned int n)
{
	size_t t = 0;

	while (n--)
		t += iov[n].iov_len;
	return t;
}

/* [@off, +@len) of @n iovecs as iovecs into @dst (@cap of them); how many, or -1. */
static int iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
		     struct iovec *dst, unsigned int cap)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		if (k == cap)
			return -1;
		dst[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		dst[k++].iov_len = l;
		len -= l;
		off = 0;
	}
	return len ? -1 : (int)k;
}

/* One request: its status and the bytes written into its in part. */
static uint8_t blk_do(struct vm_vduse_blk *d, struct iovec *iov, const struct libvhost_vq_elem *e,
		      uint32_t *written)
{
	struct { uint32_t type, ioprio; uint64_t sector; } h;
	struct iovec *in = iov + e->out, part[130];
	size_t outlen = iov_len(iov, e->out), inlen = iov_len(in, e->in), n;
	uint64_t off, size = d->cfg.capacity * 512;
	int k;

	*written = 0;
	if (iov_copy(iov, e->out, 0, &h, NULL, sizeof(h)) != sizeof(h) || inlen < 1)
		return 1;
	off = h.sector * 512;
	switch (h.type) {
	case T_IN:
		n = inlen - 1;
		k = iov_slice(in, e->in, 0, n, part, 130);
		if (off > size || n > size - off || k < 0 ||
		    preadv(d->img, part, k, (off_t)off) != (ssize_t)n)
			return 1;
		*written = (uint32_t)n;
		return 0;
	case T_OUT:
		n = outlen - sizeof(h);
		k = iov_slice(iov, e->out, sizeof(h), n, part, 130);
		if (off > size || n > size - off || k < 0)
			return 1;
		return pwritev(d->img, part, k, (off_t)off) == (ssize_t)n ? 0 : 1;
	case T_FLUSH:
		return 0;
	case T_GET_ID:
		n = inlen - 1 < 20 ? inlen - 1 : 20;
		iov_copy(in, e->in, 0, NULL, "libvhost-vduse", n < 15 ? n : 15);
		*written = (uint32_t)n;
		return 0;
	}
	return 2;
}

static void serve_ring(struct vm_vduse_blk *d, struct libvhost_vq *vq)
{
	struct iovec iov[130];
	struct libvhost_vq_elem e;
	uint64_t cnt;
	int r;

	if (read(libvhost_vq_get_kick_fd(vq), &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return;
	while ((r = libvhost_vq_pop(vq, iov, 130, &e)) == 1) {
		uint32_t written;
		uint8_t st = blk_do(d, iov, &e, &written);

		iov_copy(iov + e.out, e.in, iov_len(iov + e.out, e.in) - 1, NULL, &st, 1);
		libvhost_vq_push(vq, e.id, written + 1);
		d->reqs++;
		d->reqs_since_reset++;
		d->bad += st != 0;
	}
	if (r < 0 && !d->err)
		d->err = r;
	libvhost_vq_notify(vq);
}

static void *serve(void *arg)
{
	struct vm_vduse_blk *d = arg;

	for (;;) {
		struct pollfd p[2 + QUEUES] = {
			{ .fd = libvhost_vduse_get_fd(d->v), .events = POLLIN },
			{ .fd = d->stop, .events = POLLIN },
		};
		unsigned int i;
		int r;

		for (i = 0; i < QUEUES; i++) {
			p[2 + i].fd = libvhost_vq_get_kick_fd(libvhost_vduse_get_vq(d->v, i));
			p[2 + i].events = POLLIN;
		}
		if (poll(p, 2 + QUEUES, 1000) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		r = libvhost_vduse_process(d->v);
		if (r < 0 && !d->err)
			d->err = r;
		for (i = 0; i < QUEUES; i++)
			if (p[2 + i].fd >= 0 && (p[2 + i].revents & POLLIN))
				serve_ring(d, libvhost_vduse_get_vq(d->v, i));
	}
	return NULL;
}

static const struct libvhost_backend_ops blk_ops = { .sz = sizeof(blk_ops), .get_config = get_config,
						     .reset = reset };

bool vm_vduse_present(const char *what)
{
	/* a kernel without VDUSE (seen in /dev, not through libvhost) */
	if (access("/dev/vduse/control", F_OK) == 0)
		return true;
	skip(what, "this kernel has no /dev/vduse/control");
	return false;
}

int vm_vduse_blk_new(struct vm_vduse_blk *d, const char *name, struct libvhost_vduse **ret)
{
	LIBVHOST_OPTS(libvhost_vduse_opts, o, .device_id = 2,
		      .features = (1ULL << BLK_F_SEG_MAX) | (1ULL << BLK_F_BLK_SIZE) |
				  (1ULL << BLK_F_FLUSH) | F_INDIRECT | F_EVENT_IDX_,
		      .queue_num = QUEUES, .queue_size = 128, .config_size = sizeof(d->cfg),
		      .ops = &blk_ops, .userdata = d);

	return libvhost_vduse_new(ctx, name, &o, ret);
}

int vm_vduse_blk_start(struct vm_vduse_blk *d, const char *name, uint32_t size, uint32_t room,
		       const char **what)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->img = memfd_create("vduse-img", MFD_CLOEXEC);
	d->stop = eventfd(0, EFD_CLOEXEC);
	*what = "image";
	if (d->img < 0 || d->stop < 0 || ftruncate(d->img, room) < 0)
		return -errno;
	d->cfg.capacity = size / 512;
	d->cfg.seg_max = 126;
	d->cfg.blk_size = 512;
	*what = "create";
	r = vm_vduse_blk_new(d, name, &d->v);
	if (r < 0)
		return r;
	*what = "the serving thread";
	r = -pthread_create(&d->thread, NULL, serve, d);
	d->running = r == 0;
	return r;
}

void vm_vduse_blk_stop(struct vm_vduse_blk *d)
{
	if (d->running) {
		uint64_t one = 1;

		if (write(d->stop, &one, sizeof(one)) < 0)
			perror("eventfd");
		pthread_join(d->thread, NULL);
		d->running = false;
	}
	d->v = libvhost_vduse_unref(d->v);
	if (d->img >= 0)
		close(d->img);
	if (d->stop >= 0)
		close(d->stop);
	d->img = d->stop = -1;
}

/* The block device virtio_vdpa made of the vdpa device: "vdX", or false. */
static bool find_disk(char *name, size_t len)
{
	char path[320];
	struct dirent *de;
	DIR *dir;
	bool found = false;

	dir = opendir("/sys/bus/vdpa/devices/" DEV_NAME);
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		DIR *b;
		struct dirent *be;

		if (strncmp(de->d_name, "virtio", 6))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/" DEV_NAME "/%s/block", de->d_name);
		b = opendir(path);
		if (!b)
			continue;
		while ((be = readdir(b)))
			if (!strncmp(be->d_name, "vd", 2) && strlen(be->d_name) < len) {
				memcpy(name, be->d_name, strlen(be->d_name) + 1);
				found = true;
				break;
			}
		closedir(b);
	}
	closedir(dir);
	return found;
}

static long sys_size(const char *disk)
{
	char p[128], line[64] = "";
	FILE *f;

	snprintf(p, sizeof(p), "/sys/block/%s/size", disk);
	f = fopen(p, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return atol(line);
}

void vm_fill(uint8_t *b, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 31 + seed + (i >> 9));
}

bool vm_direct_io(const char *dev, int img_fd, off_t off, unsigned int seed)
{
	const size_t n = 256 << 10;
	uint8_t *w = NULL, *r = NULL, *img = malloc(n);
	bool ok = false;
	int fd;

	if (!img || posix_memalign((void **)&w, 4096, n) || posix_memalign((void **)&r, 4096, n))
		goto out;
	vm_fill(w, n, seed);
	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0)
		goto out;
	ok = pwrite(fd, w, n, off) == (ssize_t)n && pread(fd, r, n, off) == (ssize_t)n &&
	     !memcmp(w, r, n);
	close(fd);
	ok = ok && pread(img_fd, img, n, off) == (ssize_t)n && !memcmp(img, w, n);
out:
	free(w);
	free(r);
	free(img);
	return ok;
}

/* ext2 made, a file written and synced, caches dropped, read back; 0 or the step that failed. */
static int filesystem(const char *dev)
{
	const size_t n = 3 << 20;
	uint8_t *w = malloc(n), *r = malloc(n);
	int fd, step = 0;
	FILE *f;

	if (!w || !r)
		goto out;
	vm_fill(w, n, 3);
	step = 1;
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "mke2fs -q %s >/dev/null 2>&1", dev);
		if (system(cmd) != 0)
			goto out;
	}
	step = 2;
	mkdir("/mnt", 0755);
	if (mount(dev, "/mnt", "ext2", 0, NULL) < 0)
		goto out;
	step = 3;
	fd = open("/mnt/data", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || write(fd, w, n) != (ssize_t)n || fsync(fd) < 0) {
		if (fd >= 0)
			close(fd);
		goto unmount;
	}
	close(fd);
	sync();
	step = 4;
	f = fopen("/proc/sys/vm/drop_caches", "w");
	if (!f || fputs("3\n", f) < 0 || fclose(f) != 0)
		goto unmount;
	step = 5;
	fd = open("/mnt/data", O_RDONLY);
	if (fd < 0 || read(fd, r, n) != (ssize_t)n || memcmp(w, r, n)) {
		if (fd >= 0)
			close(fd);
		goto unmount;
	}
	close(fd);
	step = 6;
	if (umount("/mnt") < 0)
		goto out;
	step = 7;
	/* mounted again: what the device holds, not what the cache had */
	if (mount(dev, "/mnt", "ext2", MS_RDONLY, NULL) < 0)
		goto out;
	fd = open("/mnt/data", O_RDONLY);
	if (fd < 0 || read(fd, r, n) != (ssize_t)n || memcmp(w, r, n)) {
		if (fd >= 0)
			close(fd);
		goto unmount;
	}
	close(fd);
	step = 0;
unmount:
	umount("/mnt");
out:
	free(w);
	free(r);
	return step;
}

void test_vduse(void)
{
	struct vm_vduse_blk d;
	char disk[32] = "", dev[48] = "";
	uint64_t version = 99;
	const char *what;
	bool added = false, made;
	int r, i, step;

	if (!vm_vduse_present("vduse"))
		return;
	r = libvhost_vduse_api_version(ctx, &version);
	printf("# VDUSE API version %llu\n", (unsigned long long)version);
	if (r < 0 || version > 1) {
		result(false, "vduse: api version (%d, %llu)", r, (unsigned long long)version);
		return;
	}
	/* 6.1's VDUSE (API version 0) makes block devices only: refused as such */
	if (version == 0) {
		LIBVHOST_OPTS(libvhost_vduse_opts, net, .device_id = 1, .queue_num = 2,
			      .ops = &blk_ops, .userdata = &d);
		struct libvhost_vduse *nv = NULL;

		r = libvhost_vduse_new(ctx, "lvhvdusenet", &net, &nv);
		result(r == -EOPNOTSUPP, "vduse: a net device on API version 0: -EOPNOTSUPP (%d)", r);
		libvhost_vduse_unref(nv);
	}
	r = vm_vduse_blk_start(&d, DEV_NAME, IMG_SIZE, IMG_GROWN, &what);
	if (r < 0) {
		result(false, "vduse: " DEV_NAME ": %s (%d)", what, r);
		goto out;
	}
	{
		struct libvhost_vduse *nv = NULL;

		r = vm_vduse_blk_new(&d, DEV_NAME, &nv);
		result(r == -EEXIST, "vduse: the same name again: -EEXIST (%d)", r);
		libvhost_vduse_unref(nv);
	}
	result(access("/dev/vduse/" DEV_NAME, F_OK) == 0, "vduse: /dev/vduse/" DEV_NAME " made");
	{
		LIBVHOST_OPTS(libvhost_vdpa_dev_opts, vo, .driver = "virtio_vdpa");

		r = libvhost_vdpa_dev_add(ctx, DEV_NAME, "vduse", &vo);
	}
	if (r < 0) {
		result(false, "vduse: vdpa dev add " DEV_NAME " mgmtdev vduse, on virtio_vdpa (%d)", r);
		goto out;
	}
	added = true;
	for (i = 0; i < 1000 && !find_disk(disk, sizeof(disk)); i++)
		usleep(10000);
	snprintf(dev, sizeof(dev), "/dev/%s", disk);
	for (; i < 1000 && access(dev, F_OK) < 0; i++)
		usleep(10000);
	if (i == 1000) {
		result(false, "vduse: a /dev/vdX under " DEV_NAME " (process: %d)", d.err);
		goto out;
	}
	result(sys_size(disk) == IMG_SIZE / 512, "vduse: %s, %ld sectors (the config's capacity)",
	       dev, sys_size(disk));
	result(vm_direct_io(dev, d.img, 1 << 20, 7), "vduse: O_DIRECT 256 KiB written and read back on %s, and in the image",
	       dev);
	step = filesystem(dev);
	result(step == 0, "vduse: ext2 on %s: mke2fs, mount, write 3 MiB, sync, drop caches, read "
			  "back, mount again and read (step %d)",
	       dev, step);
	/* a config change: the capacity doubles, the driver reads it again */
	d.cfg.capacity = IMG_GROWN / 512;
	r = libvhost_vduse_set_config(d.v, 0, &d.cfg.capacity, sizeof(d.cfg.capacity));
	for (i = 0; i < 500 && sys_size(disk) != IMG_GROWN / 512; i++)
		usleep(10000);
	result(r == 0 && sys_size(disk) == IMG_GROWN / 512,
	       "vduse: config change: capacity %u sectors reached the driver (%d, %ld)",
	       IMG_GROWN / 512, r, sys_size(disk));
	printf("# vduse: %lu requests served, %lu failed, process error %d\n", d.reqs, d.bad, d.err);
	result(d.err == 0 && d.reqs > 0, "vduse: the device served %lu requests, none broke (%d)",
	       d.reqs, d.err);
out:
	if (added) {
		r = libvhost_vdpa_dev_del(ctx, DEV_NAME);
		for (i = 0; i < 500 && *dev && access(dev, F_OK) == 0; i++)
			usleep(10000);
		result(r == 0 && access(dev, F_OK) < 0, "vduse: vdpa dev del: %s gone (%d)", dev, r);
		/* virtio_vdpa resets the device, then acknowledges it again (status 1) */
		result(d.resets > 0 && !(libvhost_vduse_get_status(d.v) & 4),
		       "vduse: the driver reset the device on removal (%lu resets, status %d)",
		       d.resets, libvhost_vduse_get_status(d.v));
	}
	made = d.v != NULL;
	vm_vduse_blk_stop(&d);
	if (made)
		result(access("/dev/vduse/" DEV_NAME, F_OK) < 0, "vduse: destroyed with the handle");
}
