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

#endif
