/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET_SHMEM_CONFIG's reply is a fixed array of 256 sizes indexed by shmid
 * (0: unused); sizes are page multiples and stay fixed for the connection.
 * SHMEM_MAP's flags: bit 0 set maps read-write, clear read-only (the merged
 * spec text; an earlier patch series had separate read and write bits).
 */
#include <errno.h>
#include <string.h>

#include "msg-shmem.h"

#define SHMEM_CONFIG_SIZE (8u + 8u * LIBVHOST_USER_MAX_SHMEM_REGIONS)
#define SHMEM_MAP_SIZE 40u

static int check_config(const struct libvhost_ctx *ctx, const struct lvh_shmem_config *c)
{
	unsigned int i, used = 0;

	if (c->nregions > LIBVHOST_USER_MAX_SHMEM_REGIONS) {
		lvh_err(ctx, "GET_SHMEM_CONFIG: %u regions (at most %u)", c->nregions,
			LIBVHOST_USER_MAX_SHMEM_REGIONS);
		return -EPROTO;
	}
	for (i = 0; i < LIBVHOST_USER_MAX_SHMEM_REGIONS; i++) {
		if (!c->sizes[i])
			continue;
		used++;
		if (c->sizes[i] % LVH_SHMEM_PAGE) {
			lvh_err(ctx, "GET_SHMEM_CONFIG: region %u size %llu is not a page multiple", i,
				(unsigned long long)c->sizes[i]);
			return -EPROTO;
		}
	}
	if (used > c->nregions) {
		lvh_err(ctx, "GET_SHMEM_CONFIG: %u sizes given for %u regions", used, c->nregions);
		return -EPROTO;
	}
	return 0;
}

int lvh_msg_encode_shmem_config(struct lvh_msg *m, const struct lvh_shmem_config *c)
{
	uint8_t *p = m->payload.bytes;

	if (check_config(NULL, c) < 0)
		return -EINVAL;
	memset(p, 0, 8);
	memcpy(p, &c->nregions, 4);
	memcpy(p + 8, c->sizes, sizeof(c->sizes));
	m->size = SHMEM_CONFIG_SIZE;
	return 0;
}

int lvh_msg_decode_shmem_config(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				struct lvh_shmem_config *out)
{
	int r;

	if (m->size != SHMEM_CONFIG_SIZE) {
		lvh_err(ctx, "GET_SHMEM_CONFIG: reply of %u bytes", m->size);
		return -EBADMSG;
	}
	/* decoded in place: the struct is large, and *out is only valid on success */
	memcpy(&out->nregions, m->payload.bytes, 4);
	memcpy(out->sizes, m->payload.bytes + 8, sizeof(out->sizes));
	r = check_config(ctx, out);
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}

static int check_map(const struct libvhost_ctx *ctx, uint32_t request, const struct lvh_shmem_map *s)
{
	const char *name = lvh_proto_name(LVH_DIR_BACKEND, request);

	if (s->len == 0 || lvh_range_overflows(s->fd_offset, s->len) ||
	    lvh_range_overflows(s->shm_offset, s->len)) {
		lvh_err(ctx, "%s: shmid %u: %llu bytes at fd offset %llu, shm offset %llu", name,
			s->shmid, (unsigned long long)s->len, (unsigned long long)s->fd_offset,
			(unsigned long long)s->shm_offset);
		return -EPROTO;
	}
	if (s->flags & ~(uint64_t)LVH_SHMEM_MAP_RW) {
		lvh_err(ctx, "%s: unknown flags 0x%llx", name, (unsigned long long)s->flags);
		return -EPROTO;
	}
	return 0;
}

int lvh_msg_encode_shmem_map(struct lvh_msg *m, const struct lvh_shmem_map *s, int fd)
{
	uint8_t p[SHMEM_MAP_SIZE] = { 0 };
	bool map = m->request == LIBVHOST_USER_BACKEND_SHMEM_MAP;

	if (check_map(NULL, m->request, s) < 0 || (map ? fd < 0 : fd >= 0))
		return -EINVAL;
	p[0] = s->shmid;
	memcpy(p + 8, &s->fd_offset, 8);
	memcpy(p + 16, &s->shm_offset, 8);
	memcpy(p + 24, &s->len, 8);
	memcpy(p + 32, &s->flags, 8);
	lvh_msg_set_payload(m, p, sizeof(p));
	return map ? lvh_msg_add_fd(m, fd) : 0;
}

int lvh_msg_decode_shmem_map(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			     struct lvh_shmem_map *out)
{
	struct lvh_shmem_map s;
	unsigned int want = m->request == LIBVHOST_USER_BACKEND_SHMEM_MAP ? 1 : 0;
	int r;

	if (m->size != SHMEM_MAP_SIZE || m->nfds != want) {
		lvh_err(ctx, "%s: %u bytes and %u fds", lvh_proto_name(LVH_DIR_BACKEND, m->request),
			m->size, m->nfds);
		return -EBADMSG;
	}
	s.shmid = m->payload.bytes[0];
	memcpy(&s.fd_offset, m->payload.bytes + 8, 8);
	memcpy(&s.shm_offset, m->payload.bytes + 16, 8);
	memcpy(&s.len, m->payload.bytes + 24, 8);
	memcpy(&s.flags, m->payload.bytes + 32, 8);
	r = check_map(ctx, m->request, &s);
	if (r < 0)
		return r;
	*out = s;
	return 0;
}
