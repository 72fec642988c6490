/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's inflight requests (lib/proto/msg-inflight.c,
 * INFLIGHT_SHMFD): GET_INFLIGHT_FD makes the area, SET_INFLIGHT_FD maps the
 * one a front-end kept across our restart; the rings attach their part as
 * they start (backend-vring.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/msg-inflight.h"
#include "user/backend-req.h"

void lvh_be_inflight_unmap(struct libvhost_backend *be)
{
	if (be->ifl_map)
		munmap(be->ifl_map, be->ifl_len);
	be->ifl_map = NULL;
	be->ifl_area = NULL;
}

static int inflight_map(struct libvhost_backend *be, int fd, const struct lvh_inflight *in)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t start = in->mmap_offset & ~(uint64_t)(page - 1), end;
	struct stat st;
	void *p;

	if (lvh_add_overflow_u64(in->mmap_offset, in->mmap_size, &end) || fstat(fd, &st) < 0 ||
	    end > (uint64_t)st.st_size || end - start > SIZE_MAX) {
		lvh_err(be->ctx, "vhost-user back-end: an inflight area of %llu bytes at %llu does "
				 "not fit its fd",
			(unsigned long long)in->mmap_size, (unsigned long long)in->mmap_offset);
		return -EPROTO;
	}
	p = mmap(NULL, (size_t)(end - start), PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)start);
	if (p == MAP_FAILED) {
		lvh_err(be->ctx, "vhost-user back-end: mmap of the inflight area: %s",
			strerror(errno));
		return -errno;
	}
	lvh_be_inflight_unmap(be);
	be->ifl_map = p;
	be->ifl_len = (size_t)(end - start);
	be->ifl_area = (uint8_t *)p + (in->mmap_offset - start);
	be->ifl_queues = in->num_queues;
	be->ifl_qsize = in->queue_size;
	return 0;
}

/*
 * GET_INFLIGHT_FD: a new zeroed, sealed memfd, big enough for either ring
 * layout (the front-end asks before it sets the features).
 */
int lvh_be_req_get_inflight_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_inflight in;
	struct lvh_msg rep;
	int fd, r = lvh_msg_decode_inflight(be->ctx, m, false, false, &in);

	if (r < 0)
		return r;
	lvh_msg_init_reply(&rep, m);
	if (lvh_be_any_ring_started(be, "GET_INFLIGHT_FD"))
		goto refuse;
	/* a bound on what a front-end makes us allocate: the queues this back-end has */
	if (in.num_queues > be->queue_num) {
		lvh_err(be->ctx, "vhost-user back-end: the front-end asks for an inflight area of "
				 "%u queues; this device has %u",
			in.num_queues, be->queue_num);
		goto refuse;
	}
	in.mmap_offset = 0;
	in.mmap_size = in.num_queues * lvh_inflight_queue_region_size(in.queue_size, true);
	fd = memfd_create("libvhost-inflight", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)in.mmap_size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0 ||
	    inflight_map(be, fd, &in) < 0) {
		lvh_err(be->ctx, "vhost-user back-end: inflight area of %llu bytes: %s",
			(unsigned long long)in.mmap_size, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto refuse;
	}
	lvh_msg_encode_inflight(&rep, &in, fd);
	r = lvh_be_send_reply(be, &rep);
	close(fd);
	return r < 0 ? -ECONNRESET : 1;
refuse:
	/* no area: mmap_size 0 and no fd, as QEMU reads it */
	lvh_msg_set_payload(&rep, m->payload.bytes, m->size);
	return lvh_be_send_reply(be, &rep);
}

int lvh_be_req_set_inflight_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_inflight in;
	int r = lvh_msg_decode_inflight(be->ctx, m, true, true, &in);

	if (r < 0)
		return r;
	if (lvh_be_any_ring_started(be, "SET_INFLIGHT_FD"))
		return -EBUSY;
	return inflight_map(be, m->fds[0], &in);
}

