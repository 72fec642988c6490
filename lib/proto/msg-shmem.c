/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VIRTIO shared memory: GET_SHMEM_CONFIG's reply, BACKEND_SHMEM_MAP and
 * BACKEND_SHMEM_UNMAP.
 *
 * GET_SHMEM_CONFIG: the array always has 256 sizes, indexed by shmid, 0 for
 * an unused id; sizes must be multiples of "the page size supported by
 * mmap(2)" (QEMU checks the host's page size, so do we).  What nregions
 * counts was left ambiguous in the text that was merged ("contains num
 * regions 64-bit fields"); its author then clarified it as the number of
 * valid (non-zero) regions, which is what rust-vmm sends and what QEMU's
 * front-end consumes (it takes the first nregions non-zero sizes).  We send
 * exactly that count, and accept any nregions at least as large, so a peer
 * that counted up to its highest shmid still works; a smaller nregions would
 * make QEMU silently drop regions, so it is refused.
 *
 * SHMEM_MAP flags: the merged spec defines bit 0 only, 0 read-only and 1
 * read-write (QEMU's VHOST_USER_FLAG_MAP_RW, rust-vmm's
 * VhostUserMMapFlags::WRITABLE).  Early versions of the QEMU series had
 * separate read (bit 0) and write (bit 1) bits; a peer still sending bit 1
 * is refused.  SHMEM_UNMAP names the range by shmid, shm_offset and len
 * only, so its fd_offset and flags are not looked at.  The 7 padding bytes
 * are not checked: the spec does not say they are zero (rust-vmm does not
 * check them either).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "proto/msg-shmem.h"

#define MAP_FLAGS_KNOWN LVH_SHMEM_MAP_RW

static uint64_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (uint64_t)p : 4096;
}

/* sizes as on the wire (possibly unaligned); -EPROTO with a log line */
static int check_config(const struct libvhost_ctx *ctx, uint32_t nregions, const uint8_t *sizes)
{
	uint64_t page = page_size();
	unsigned int i, used = 0;

	if (nregions > LIBVHOST_USER_MAX_SHMEM_REGIONS) {
		lvh_err(ctx, "GET_SHMEM_CONFIG: %u regions (at most %u)", nregions,
			LIBVHOST_USER_MAX_SHMEM_REGIONS);
		return -EPROTO;
	}
	for (i = 0; i < LIBVHOST_USER_MAX_SHMEM_REGIONS; i++) {
		uint64_t size;

		memcpy(&size, sizes + 8 * i, 8);
		if (!size)
			continue;
		used++;
		if (size % page) {
			lvh_err(ctx,
				"GET_SHMEM_CONFIG: shmid %u: size %llu is not a multiple of %llu",
				i, (unsigned long long)size, (unsigned long long)page);
			return -EPROTO;
		}
	}
	if (used > nregions) {
		lvh_err(ctx, "GET_SHMEM_CONFIG: %u sizes given for %u regions", used, nregions);
		return -EPROTO;
	}
	return 0;
}

static unsigned int count_used(const struct lvh_shmem_config *c)
{
	unsigned int i, used = 0;

	for (i = 0; i < LIBVHOST_USER_MAX_SHMEM_REGIONS; i++)
		used += c->sizes[i] != 0;
	return used;
}

int lvh_msg_encode_shmem_config(struct lvh_msg *m, const struct lvh_shmem_config *c)
{
	uint8_t *p = m->payload.bytes;

	if (c->nregions != count_used(c) ||
	    check_config(NULL, c->nregions, (const uint8_t *)c->sizes) < 0)
		return -EINVAL;
	memset(p, 0, 8);
	memcpy(p, &c->nregions, 4);
	memcpy(p + 8, c->sizes, sizeof(c->sizes));
	m->size = LVH_SHMEM_CONFIG_SIZE;
	return 0;
}

int lvh_msg_decode_shmem_config(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				struct lvh_shmem_config *out)
{
	const uint8_t *p = m->payload.bytes;
	uint32_t nregions;
	int r;

	if (m->size != LVH_SHMEM_CONFIG_SIZE) {
		lvh_err(ctx, "GET_SHMEM_CONFIG: reply of %u bytes (%u expected)", m->size,
			LVH_SHMEM_CONFIG_SIZE);
		return -EBADMSG;
	}
	memcpy(&nregions, p, 4);
	r = check_config(ctx, nregions, p + 8);
	if (r < 0)
		return r;
	out->nregions = nregions;
	memcpy(out->sizes, p + 8, sizeof(out->sizes));
	return 0;
}

static int check_map(const struct libvhost_ctx *ctx, uint32_t request,
		     const struct lvh_shmem_map *s)
{
	const char *name = lvh_proto_name(LVH_DIR_BACKEND, request);
	bool map = request == LIBVHOST_USER_BACKEND_SHMEM_MAP;

	if (s->len == 0 || lvh_range_overflows(s->shm_offset, s->len) ||
	    (map && lvh_range_overflows(s->fd_offset, s->len))) {
		lvh_err(ctx, "%s: shmid %u: %llu bytes at shm offset %llu, fd offset %llu", name,
			s->shmid, (unsigned long long)s->len, (unsigned long long)s->shm_offset,
			(unsigned long long)s->fd_offset);
		return -EPROTO;
	}
	if (map && (s->flags & ~(uint64_t)MAP_FLAGS_KNOWN)) {
		lvh_err(ctx, "%s: shmid %u: unknown flags 0x%llx", name, s->shmid,
			(unsigned long long)s->flags);
		return -EPROTO;
	}
	return 0;
}

int lvh_msg_encode_shmem_map(struct lvh_msg *m, const struct lvh_shmem_map *s, int fd)
{
	uint8_t p[LVH_SHMEM_MAP_SIZE] = { 0 };
	bool map = m->request == LIBVHOST_USER_BACKEND_SHMEM_MAP;
	uint64_t fd_offset = map ? s->fd_offset : 0, flags = map ? s->flags : 0;

	if ((!map && m->request != LIBVHOST_USER_BACKEND_SHMEM_UNMAP) ||
	    check_map(NULL, m->request, s) < 0 || (map ? fd < 0 : fd >= 0))
		return -EINVAL;
	p[0] = s->shmid;
	memcpy(p + 8, &fd_offset, 8);
	memcpy(p + 16, &s->shm_offset, 8);
	memcpy(p + 24, &s->len, 8);
	memcpy(p + 32, &flags, 8);
	lvh_msg_set_payload(m, p, sizeof(p));
	return map ? lvh_msg_add_fd(m, fd) : 0;
}

int lvh_msg_decode_shmem_map(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			     struct lvh_shmem_map *out)
{
	const uint8_t *p = m->payload.bytes;
	bool map = m->request == LIBVHOST_USER_BACKEND_SHMEM_MAP;
	struct lvh_shmem_map s;
	int r;

	if (!map && m->request != LIBVHOST_USER_BACKEND_SHMEM_UNMAP) {
		lvh_dbg(ctx, "back-end request %u is not SHMEM_MAP or SHMEM_UNMAP", m->request);
		return -EINVAL;
	}
	if (m->size != LVH_SHMEM_MAP_SIZE || m->nfds != (map ? 1u : 0u)) {
		lvh_err(ctx, "%s: %u bytes and %u fds", lvh_proto_name(LVH_DIR_BACKEND, m->request),
			m->size, m->nfds);
		return -EBADMSG;
	}
	s.shmid = p[0];
	memcpy(&s.fd_offset, p + 8, 8);
	memcpy(&s.shm_offset, p + 16, 8);
	memcpy(&s.len, p + 24, 8);
	memcpy(&s.flags, p + 32, 8);
	if (!map)
		s.fd_offset = s.flags = 0;
	r = check_map(ctx, m->request, &s);
	if (r < 0)
		return r;
	*out = s;
	return 0;
}
