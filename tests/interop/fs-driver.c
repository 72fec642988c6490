/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A virtio-fs driver on libvhost's front-end and driver-side rings, for the
 * interop test with QEMU's virtiofsd: FUSE_INIT, then LOOKUP, OPEN, READ and
 * RELEASE of one file through the request queue (queue 1), each request one
 * buffer chain (FUSE input readable, FUSE output writable).
 *   fs-driver SOCKET NAME EXPECTED-CONTENT
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <linux/fuse.h>

#include <libvhost.h>

#define F_VERSION_1 (1ULL << 32)
#define NUM 64
#define REQ_Q 1

struct fs {
	struct libvhost_vring *vr;
	int call;
	uint8_t *in, *out;
	uint64_t unique;
};

static int fail(const char *what, int r)
{
	fprintf(stderr, "fs-driver: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return 1;
}

/* One FUSE request: @arg (@alen bytes) after the header; the reply into fs->out. */
static int fuse_call(struct fs *fs, uint32_t opcode, uint64_t nodeid, const void *arg,
		     size_t alen, size_t outlen, struct fuse_out_header **ret)
{
	struct fuse_in_header h = { .len = (uint32_t)(sizeof(h) + alen), .opcode = opcode,
				    .unique = ++fs->unique, .nodeid = nodeid };
	struct iovec iov[2] = { { fs->in, sizeof(h) + alen }, { fs->out, outlen } };
	struct pollfd pfd = { fs->call, POLLIN, 0 };
	struct fuse_out_header *o = (void *)fs->out;
	uint64_t v;
	uint32_t len;
	void *tok;
	int r, waited = 0;

	memcpy(fs->in, &h, sizeof(h));
	memcpy(fs->in + sizeof(h), arg, alen);
	memset(fs->out, 0, outlen);
	r = libvhost_vring_add(fs->vr, iov, 1, 1, fs);
	if (r < 0)
		return r;
	libvhost_vring_kick(fs->vr);
	while ((r = libvhost_vring_get_used(fs->vr, &tok, &len)) == 0) {
		if (poll(&pfd, 1, 1000) == 0 && ++waited > 10)
			return -ETIMEDOUT;
		(void)!read(fs->call, &v, sizeof(v));
	}
	if (r < 0)
		return r;
	if (len < sizeof(*o) || o->unique != h.unique || o->len > outlen) {
		fprintf(stderr, "fs-driver: opcode %u: a reply of %u bytes that does not fit\n",
			opcode, len);
		return -EPROTO;
	}
	if (o->error) {
		fprintf(stderr, "fs-driver: opcode %u failed: %s\n", opcode, strerror(-o->error));
		return o->error;
	}
	*ret = o;
	return 0;
}

int main(int argc, char **argv)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .connect_retries = 100, .timeout_ms = 5000);
	struct libvhost_ctx *ctx;
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct libvhost_mem *mem;
	struct libvhost_vring *hiprio;
	struct fuse_out_header *o;
	struct fs fs = { 0 };
	int kick[2], call0, r;
	uint64_t nodeid, fh;
	uint8_t *base;
	void *p;

	if (argc != 4)
		return 2;
	if (libvhost_ctx_new(NULL, &ctx) < 0)
		return 1;
	r = libvhost_frontend_connect(ctx, argv[1], &fo, &fe);
	if (r == 0)
		r = libvhost_frontend_negotiate(fe);
	if (r < 0)
		return fail("connect", r);
	dev = libvhost_frontend_get_dev(fe);
	r = libvhost_dev_set_features(dev, F_VERSION_1);
	if (r < 0)
		return fail("features", r);
	if (libvhost_mem_new(ctx, &mem) < 0 || libvhost_mem_alloc(mem, 0, 2 << 20, NULL, &p) < 0)
		return 1;
	base = p;
	r = libvhost_dev_set_mem(dev, mem);
	if (r < 0)
		return fail("memory", r);
	if (libvhost_vring_new(mem, 0, NUM, NULL, &hiprio) < 0 ||
	    libvhost_vring_new(mem, 0x8000, NUM, NULL, &fs.vr) < 0)
		return 1;
	kick[0] = eventfd(0, EFD_CLOEXEC);
	kick[1] = eventfd(0, EFD_CLOEXEC);
	call0 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fs.call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = libvhost_dev_start_vring(dev, 0, hiprio, kick[0], call0);
	if (r == 0)
		r = libvhost_dev_start_vring(dev, REQ_Q, fs.vr, kick[1], fs.call);
	if (r < 0)
		return fail("rings", r);
	fs.in = base + 0x100000;
	fs.out = base + 0x180000;
	{
		struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 31,
					   .max_readahead = 65536 };
		struct fuse_init_out *out;

		r = fuse_call(&fs, FUSE_INIT, 0, &in, sizeof(in), sizeof(*o) + sizeof(*out), &o);
		if (r < 0)
			return fail("FUSE_INIT", r);
		out = (void *)(o + 1);
		printf("fs-driver: FUSE_INIT: the server speaks FUSE %u.%u\n", out->major,
		       out->minor);
		if (out->major != FUSE_KERNEL_VERSION)
			return fail("FUSE_INIT version", EPROTO);
	}
	r = fuse_call(&fs, FUSE_LOOKUP, FUSE_ROOT_ID, argv[2], strlen(argv[2]) + 1,
		      sizeof(*o) + sizeof(struct fuse_entry_out), &o);
	if (r < 0)
		return fail("FUSE_LOOKUP", r);
	nodeid = ((struct fuse_entry_out *)(o + 1))->nodeid;
	{
		struct fuse_open_in in = { .flags = O_RDONLY };

		r = fuse_call(&fs, FUSE_OPEN, nodeid, &in, sizeof(in),
			      sizeof(*o) + sizeof(struct fuse_open_out), &o);
		if (r < 0)
			return fail("FUSE_OPEN", r);
		fh = ((struct fuse_open_out *)(o + 1))->fh;
	}
	{
		struct fuse_read_in in = { .fh = fh, .offset = 0, .size = 4096 };
		size_t n;

		r = fuse_call(&fs, FUSE_READ, nodeid, &in, sizeof(in), sizeof(*o) + 4096, &o);
		if (r < 0)
			return fail("FUSE_READ", r);
		n = o->len - sizeof(*o);
		printf("fs-driver: FUSE_READ of %s: %zu bytes\n", argv[2], n);
		if (n != strlen(argv[3]) || memcmp(o + 1, argv[3], n)) {
			fprintf(stderr, "fs-driver: the file read back differs\n");
			return 1;
		}
	}
	{
		struct fuse_release_in in = { .fh = fh, .flags = O_RDONLY };

		r = fuse_call(&fs, FUSE_RELEASE, nodeid, &in, sizeof(in), sizeof(*o), &o);
		if (r < 0)
			return fail("FUSE_RELEASE", r);
	}
	printf("fs-driver: PASS\n");
	libvhost_vring_unref(hiprio);
	libvhost_vring_unref(fs.vr);
	libvhost_frontend_unref(fe);
	libvhost_mem_unref(mem);
	libvhost_ctx_unref(ctx);
	return 0;
}
