/* SPDX-License-Identifier: BSD-3-Clause */
/* What the guest's test files share (vm-tests.c runs them). */
#ifndef LIBVHOST_VM_TESTS_H
#define LIBVHOST_VM_TESTS_H

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
 * Waits at most @secs s for @path to appear while @pid runs: -1 when it did,
 * -2 when the time ran out, the wait status (>= 0) when @pid ended first.
 */
int vm_wait_path(pid_t pid, const char *path, int secs);
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
