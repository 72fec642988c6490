/* SPDX-License-Identifier: BSD-3-Clause */
/* What the guest's test files share (vm-tests.c runs them). */
#ifndef LIBVHOST_VM_TESTS_H
#define LIBVHOST_VM_TESTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libvhost.h>

extern struct libvhost_ctx *ctx;

/* A TAP line: ok or not ok, numbered. */
void result(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A TAP skip: only for what the kernel lacks, seen without the code under test. */
void skip(const char *what, const char *why);

/* vm-vduse.c */
void test_vduse(void);

/*
 * A VDUSE virtio-blk device served by this process on a thread of its own,
 * over a memfd image (vm-vduse.c; test_vduse() binds it to virtio_vdpa,
 * test_vduse_vdpa() to vhost_vdpa).  The counts are the serving thread's,
 * read by the test once the requests it made are back.
 */
struct vm_blk_cfg {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint8_t geometry[4];
	uint32_t blk_size;
} __attribute__((packed));

struct vm_vduse_blk {
	struct libvhost_vduse *v;
	int img; /* memfd */
	struct vm_blk_cfg cfg;
	int stop; /* eventfd */
	pthread_t thread;
	bool running;
	unsigned long reqs, bad, resets;
	unsigned long reqs_since_reset; /* served since the driver last reset the device */
	int err; /* the first error process() gave */
};

/* Whether the kernel has VDUSE; a TAP skip for @what when not. */
bool vm_vduse_present(const char *what);
/*
 * Device @name made and served: an image of @room bytes (@size of them the
 * capacity), the VDUSE device, the thread.  0, or -errno with the step that
 * failed in *what; vm_vduse_blk_stop() either way.
 */
int vm_vduse_blk_start(struct vm_vduse_blk *d, const char *name, uint32_t size, uint32_t room,
		       const char **what);
/* libvhost_vduse_new() of device @name as vm_vduse_blk_start() makes it, into *ret: its answer. */
int vm_vduse_blk_new(struct vm_vduse_blk *d, const char *name, struct libvhost_vduse **ret);
/* The thread stopped, the handle dropped (the device destroyed unless on the bus), fds closed. */
void vm_vduse_blk_stop(struct vm_vduse_blk *d);

/*
 * vm-tests.c: the virtio-blk vDPA device at @path driven with libvhost's
 * vdpa handle and driver-side rings: GET_ID (its answer begins with @id),
 * write and read back, flush, IOERR past the end, unmap and map again,
 * suspend or the ring index, reset and restart.  @ours is the device when
 * this process serves it (its image, counts and stats are checked too),
 * NULL for a kernel's.  TAP lines begin with @what.
 */
void vm_vdpa_blk_drive(const char *path, const char *what, const char *id,
		       struct vm_vduse_blk *ours);

/* vm-vduse-vdpa.c: the VDUSE device above bound to vhost_vdpa, driven by vm_vdpa_blk_drive() */
void test_vduse_vdpa(void);
/* a pattern of @n bytes from @seed */
void vm_fill(uint8_t *b, size_t n, unsigned int seed);
/* O_DIRECT: 256 KiB of vm_fill(@seed) written to @dev at @off, read back,
 * and found at @off of the image @img_fd */
bool vm_direct_io(const char *dev, int img_fd, off_t off, unsigned int seed);

/* vm-vduse-tool.c: vhost-user-blk --vduse; runs last */
void test_vduse_tool(void);
/* and what a test of another VDUSE server process shares with it: */
/* CLOCK_MONOTONIC in seconds */
double vm_now(void);
/* @argv[0] started with @argv, its standard error into the file @log: its pid */
pid_t vm_spawn(const char *const *argv, const char *log);
/*
 * Waits at most @secs s, while @pid runs, for @path to appear (@text NULL)
 * or to hold @text in its first 4 KiB: -1 when it did, -2 when the time ran
 * out, the wait status (>= 0) when @pid ended first.
 */
int vm_wait_path(pid_t pid, const char *path, const char *text, int secs);
/*
 * The vdX that virtio_vdpa made of vdpa device @name (sysfs), into @disk,
 * and /dev/vdX into @dev, waited for at most @secs s: false when none came.
 */
bool vm_wait_disk(const char *name, char *disk, size_t dlen, char *dev, size_t len, int secs);
/* @sig to @pid, then waited for at most @secs s (SIGKILLed after): its wait status */
int vm_stop(pid_t pid, int sig, int secs);
/* the file @path, a TAP comment line "# @who: ..." per line */
void vm_show_log(const char *path, const char *who);

/* vm-vduse-bench.c: qemu-storage-daemon's vduse-blk export and vhost-user-blk --vduse;
 * before test_vduse_tool, whose fault leaves the vdpa bus blocked */
void test_vduse_bench(void);

#endif
