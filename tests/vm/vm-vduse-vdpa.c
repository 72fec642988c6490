/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Both ends of a kernel device from one library: the VDUSE virtio-blk
 * device of vm-vduse.c (served by this process on a thread, over a memfd
 * image) added to the vdpa bus bound to vhost_vdpa, and its
 * /dev/vhost-vdpa-N driven by libvhost's vdpa handle and driver-side rings
 * exactly as vdpa_sim_blk is (vm_vdpa_blk_drive()), with the device's side
 * checked too: the image holds what was written, the UPDATE_IOTLB requests
 * an unmap and a map make, the ring index GET_VQ_STATE answers.  Then the
 * device goes: its character devices, and no fd left behind.  The rings'
 * memory is libvhost_mem_alloc()'s memfd, mapped shared: 6.1's vhost_vdpa
 * passes VDUSE only shared file mappings (vhost_vdpa_va_map() skips any
 * other VMA), and VDUSE_IOTLB_GET_FD hands this process the file.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm-tests.h"

#define DEV_NAME "lvhvduse1"
#define IMG_SIZE (8u << 20)

/* Entries of /proc/self/fd (".", ".." and the directory's own fd among them, each time). */
static int count_fds(void)
{
	struct dirent **list;
	int n = scandir("/proc/self/fd", &list, NULL, NULL), i;

	for (i = 0; i < n; i++)
		free(list[i]);
	if (n >= 0)
		free(list);
	return n;
}

/* The vhost-vdpa-N entry sysfs shows under the vdpa device, into @buf; false if none. */
static bool sysfs_vhost_vdpa(char *buf, size_t len)
{
	struct dirent *de;
	DIR *d = opendir("/sys/bus/vdpa/devices/" DEV_NAME);
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d)))
		if (!strncmp(de->d_name, "vhost-vdpa-", 11) && strlen(de->d_name) < len) {
			memcpy(buf, de->d_name, strlen(de->d_name) + 1);
			found = true;
		}
	closedir(d);
	return found;
}

void test_vduse_vdpa(void)
{
	LIBVHOST_OPTS(libvhost_vdpa_dev_opts, vo, .driver = "vhost_vdpa");
	struct libvhost_vdpa_devinfo info = { .sz = sizeof(info) };
	struct libvhost_vduse_stats vs = { .sz = sizeof(vs) };
	struct vm_vduse_blk d;
	char node[32] = "", path[64] = "", lib_path[64] = "";
	const char *what;
	bool added = false, made;
	int fds, r, i;

	if (!vm_vduse_present("vduse vdpa"))
		return;
	/* the driver, seen in sysfs, not through libvhost */
	if (access("/sys/bus/vdpa/drivers/vhost_vdpa", F_OK) < 0) {
		skip("vduse vdpa", "this kernel has no vhost_vdpa driver");
		return;
	}
	fds = count_fds();
	r = vm_vduse_blk_start(&d, DEV_NAME, IMG_SIZE, IMG_SIZE, &what);
	result(r == 0 && access("/dev/vduse/" DEV_NAME, F_OK) == 0,
	       "vduse vdpa: " DEV_NAME " made and served (%s: %d)", what, r);
	if (r < 0)
		goto out;
	r = libvhost_vdpa_dev_add(ctx, DEV_NAME, "vduse", &vo);
	added = r == 0;
	r = r == 0 ? libvhost_vdpa_dev_get(ctx, DEV_NAME, &info) : r;
	result(r == 0 && !strcmp(info.driver, "vhost_vdpa") && info.device_id == 2,
	       "vduse vdpa: vdpa dev add " DEV_NAME " mgmtdev vduse, bound to vhost_vdpa (%d, %s, "
	       "id %u)",
	       r, info.driver, info.device_id);
	if (r < 0)
		goto out;
	/* the character device: sysfs's vhost-vdpa-N under the device, and the library's path */
	for (i = 0; i < 500 && !sysfs_vhost_vdpa(node, sizeof(node)); i++)
		usleep(10000);
	snprintf(path, sizeof(path), "/dev/%s", node);
	for (; i < 500 && access(path, F_OK) < 0; i++)
		usleep(10000);
	r = libvhost_vdpa_dev_path(DEV_NAME, lib_path, sizeof(lib_path));
	result(*node && access(path, F_OK) == 0 && r == 0 && !strcmp(path, lib_path),
	       "vduse vdpa: /sys/bus/vdpa/devices/" DEV_NAME "/%s, %s (the library: %d, %s)", node,
	       path, r, lib_path);
	if (!*node || access(path, F_OK) < 0)
		goto out;

	vm_vdpa_blk_drive(path, "vduse vdpa", "libvhost-vduse", &d);

	r = libvhost_vduse_get_stats(d.v, &vs);
	printf("# vduse vdpa: %lu requests served, %lu failed, process error %d; the kernel asked "
	       "%llu times (%llu failed): %llu GET_VQ_STATE, %llu SET_STATUS (%llu resets), %llu "
	       "UPDATE_IOTLB\n",
	       d.reqs, d.bad, d.err, (unsigned long long)vs.requests,
	       (unsigned long long)vs.failed, (unsigned long long)vs.vq_states,
	       (unsigned long long)vs.status_changes, (unsigned long long)vs.resets,
	       (unsigned long long)vs.iotlb_updates);
	/* one request failed, as it should: the read past the end */
	result(r == 0 && d.err == 0 && d.bad == 1 && vs.failed == 0,
	       "vduse vdpa: the serving thread saw no error (%d), 1 request failed (the read past "
	       "the end: %lu), no kernel request failed (%llu)",
	       d.err, d.bad, (unsigned long long)vs.failed);
out:
	if (added) {
		r = libvhost_vdpa_dev_del(ctx, DEV_NAME);
		for (i = 0; i < 500 && *node && access(path, F_OK) == 0; i++)
			usleep(10000);
		result(r == 0 && (!*node || access(path, F_OK) < 0) &&
			       access("/sys/bus/vdpa/devices/" DEV_NAME, F_OK) < 0,
		       "vduse vdpa: vdpa dev del: %s and the bus's " DEV_NAME " gone (%d)", path, r);
	}
	made = d.v != NULL;
	vm_vduse_blk_stop(&d);
	if (made)
		result(access("/dev/vduse/" DEV_NAME, F_OK) < 0,
		       "vduse vdpa: /dev/vduse/" DEV_NAME " destroyed with the handle");
	r = count_fds();
	result(fds >= 0 && r == fds, "vduse vdpa: no fd left open (%d before, %d after)", fds, r);
}
