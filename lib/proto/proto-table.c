/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One row per vhost-user request: its number, name, payload-size rule,
 * fd-count rule, reply rule and protocol-feature gate.  The checks below are
 * the only place these rules are applied, for both endpoints.
 */
#include <errno.h>

#include "proto/proto.h"

#define NONE { LVH_SZ_NONE, 0, 0 }
#define EXACT(n) { LVH_SZ_EXACT, (n), (n) }
#define RANGE(lo, hi) { LVH_SZ_RANGE, (lo), (hi) }
#define NOGATE (-1)
#define PF(x) LIBVHOST_USER_PROTOCOL_F_##x

/* Wire sizes, in bytes, of the payloads the specification defines. */
#define SZ_U64 8
#define SZ_VRING_STATE 8
#define SZ_VRING_ADDR 40
#define SZ_MEM_HDR 8 /* u32 nregions, u32 padding */
#define SZ_MEM_REGION 32
#define SZ_MEM_REGION_XEN 40 /* + u32 xen_mmap_flags, u32 domid */
#define SZ_MEM_SINGLE (8 + SZ_MEM_REGION)
#define SZ_MEM_SINGLE_XEN (8 + SZ_MEM_REGION_XEN)
#define SZ_MEM_TABLE_MAX (SZ_MEM_HDR + LIBVHOST_USER_MEM_TABLE_MAX_REGIONS * SZ_MEM_REGION_XEN)
#define SZ_LOG 16
/* struct vhost_iotlb_msg: 26 bytes of fields; QEMU sends the C struct's 32. */
#define SZ_IOTLB_MIN 26
#define SZ_IOTLB_MAX 32
#define SZ_CONFIG_HDR 12
/* 20 bytes of fields; QEMU sends the C struct's 24 */
#define SZ_INFLIGHT_MIN 20
#define SZ_INFLIGHT_MAX 24
#define SZ_VRING_AREA 24
#define SZ_DEVICE_STATE 8
#define SZ_UUID 16
#define SZ_SHMEM_MMAP 40
#define SZ_SHMEM_CONFIG (8 + 8 * LIBVHOST_USER_MAX_SHMEM_REGIONS)
/* crypto session: the codec in msg-crypto.c checks the exact layouts */
#define SZ_CRYPTO_MIN 8
#define SZ_CRYPTO_MAX LIBVHOST_USER_MAX_PAYLOAD

#define ROW(code, req_sz, req_fd, rep, rep_sz, rep_fd, g)                                        \
	[LIBVHOST_USER_##code] = { LIBVHOST_USER_##code, #code, req_sz, LVH_FD_##req_fd,            \
				   LVH_REPLY_##rep, rep_sz, LVH_FD_##rep_fd, g }

static const struct lvh_proto_row frontend_rows[] = {
	ROW(GET_FEATURES, NONE, NONE, BODY, EXACT(SZ_U64), NONE, NOGATE),
	ROW(SET_FEATURES, EXACT(SZ_U64), NONE, ACK, NONE, NONE, NOGATE),
	ROW(SET_OWNER, NONE, NONE, ACK, NONE, NONE, NOGATE),
	ROW(RESET_OWNER, NONE, NONE, ACK, NONE, NONE, NOGATE),
	ROW(SET_MEM_TABLE, RANGE(SZ_MEM_HDR, SZ_MEM_TABLE_MAX), REGIONS, STATE,
	    RANGE(SZ_MEM_HDR, SZ_MEM_TABLE_MAX), NONE, NOGATE),
	ROW(SET_LOG_BASE, EXACT(SZ_LOG), ONE, BODY, RANGE(0, SZ_U64), NONE, PF(LOG_SHMFD)),
	ROW(SET_LOG_FD, NONE, ONE, ACK, NONE, NONE, NOGATE),
	ROW(SET_VRING_NUM, EXACT(SZ_VRING_STATE), NONE, ACK, NONE, NONE, NOGATE),
	ROW(SET_VRING_ADDR, EXACT(SZ_VRING_ADDR), NONE, ACK, NONE, NONE, NOGATE),
	ROW(SET_VRING_BASE, EXACT(SZ_VRING_STATE), NONE, ACK, NONE, NONE, NOGATE),
	ROW(GET_VRING_BASE, EXACT(SZ_VRING_STATE), NONE, BODY, EXACT(SZ_VRING_STATE), NONE, NOGATE),
	ROW(SET_VRING_KICK, EXACT(SZ_U64), OPT, ACK, NONE, NONE, NOGATE),
	ROW(SET_VRING_CALL, EXACT(SZ_U64), OPT, ACK, NONE, NONE, NOGATE),
	ROW(SET_VRING_ERR, EXACT(SZ_U64), OPT, ACK, NONE, NONE, NOGATE),
	ROW(GET_PROTOCOL_FEATURES, NONE, NONE, BODY, EXACT(SZ_U64), NONE, NOGATE),
	ROW(SET_PROTOCOL_FEATURES, EXACT(SZ_U64), NONE, ACK, NONE, NONE, NOGATE),
	ROW(GET_QUEUE_NUM, NONE, NONE, BODY, EXACT(SZ_U64), NONE, PF(MQ)),
	ROW(SET_VRING_ENABLE, EXACT(SZ_VRING_STATE), NONE, ACK, NONE, NONE, NOGATE),
	ROW(SEND_RARP, EXACT(SZ_U64), NONE, ACK, NONE, NONE, PF(RARP)),
	ROW(NET_SET_MTU, EXACT(SZ_U64), NONE, ACK, NONE, NONE, PF(NET_MTU)),
	ROW(SET_BACKEND_REQ_FD, NONE, ONE, ACK, NONE, NONE, PF(BACKEND_REQ)),
	/* QEMU, DPDK and rust-vmm answer it only when asked (NEED_REPLY): an ack, not a body */
	ROW(IOTLB_MSG, RANGE(SZ_IOTLB_MIN, SZ_IOTLB_MAX), NONE, ACK, NONE, NONE, NOGATE),
	ROW(SET_VRING_ENDIAN, EXACT(SZ_VRING_STATE), NONE, ACK, NONE, NONE, PF(CROSS_ENDIAN)),
	/* an empty reply is libvhost-user's way of failing; msg-config.c turns it into -EIO */
	ROW(GET_CONFIG, RANGE(SZ_CONFIG_HDR, LIBVHOST_USER_MAX_PAYLOAD), NONE, BODY,
	    RANGE(0, LIBVHOST_USER_MAX_PAYLOAD), NONE, PF(CONFIG)),
	ROW(SET_CONFIG, RANGE(SZ_CONFIG_HDR, LIBVHOST_USER_MAX_PAYLOAD), NONE, ACK, NONE, NONE,
	    PF(CONFIG)),
	ROW(CREATE_CRYPTO_SESSION, RANGE(SZ_CRYPTO_MIN, SZ_CRYPTO_MAX), NONE, BODY,
	    RANGE(SZ_CRYPTO_MIN, SZ_CRYPTO_MAX), NONE, PF(CRYPTO_SESSION)),
	ROW(CLOSE_CRYPTO_SESSION, EXACT(SZ_U64), NONE, ACK, NONE, NONE, PF(CRYPTO_SESSION)),
	/* the reply carries the userfaultfd; backends send it with an empty or u64 body */
	ROW(POSTCOPY_ADVISE, NONE, NONE, BODY, RANGE(0, SZ_U64), OPT, PF(PAGEFAULT)),
	ROW(POSTCOPY_LISTEN, NONE, NONE, ACK, NONE, NONE, PF(PAGEFAULT)),
	ROW(POSTCOPY_END, NONE, NONE, BODY, EXACT(SZ_U64), NONE, PF(PAGEFAULT)),
	/* spec erratum: the table says "reply payload: N/A"; the reply is a description + fd */
	/* the reply's fd is absent when the back-end has no area (mmap_size 0, as QEMU reads it) */
	ROW(GET_INFLIGHT_FD, RANGE(SZ_INFLIGHT_MIN, SZ_INFLIGHT_MAX), NONE, BODY,
	    RANGE(SZ_INFLIGHT_MIN, SZ_INFLIGHT_MAX), OPT, PF(INFLIGHT_SHMFD)),
	ROW(SET_INFLIGHT_FD, RANGE(SZ_INFLIGHT_MIN, SZ_INFLIGHT_MAX), ONE, ACK, NONE, NONE,
	    PF(INFLIGHT_SHMFD)),
	ROW(GPU_SET_SOCKET, NONE, ONE, ACK, NONE, NONE, NOGATE),
	ROW(RESET_DEVICE, NONE, NONE, ACK, NONE, NONE, PF(RESET_DEVICE)),
	ROW(VRING_KICK, EXACT(SZ_VRING_STATE), NONE, ACK, NONE, NONE, PF(INBAND_NOTIFICATIONS)),
	ROW(GET_MAX_MEM_SLOTS, NONE, NONE, BODY, EXACT(SZ_U64), NONE, PF(CONFIGURE_MEM_SLOTS)),
	/* spec erratum: the region is the request payload, not the reply's */
	ROW(ADD_MEM_REG, RANGE(SZ_MEM_SINGLE, SZ_MEM_SINGLE_XEN), ONE, STATE,
	    RANGE(SZ_MEM_SINGLE, SZ_MEM_SINGLE_XEN), NONE, PF(CONFIGURE_MEM_SLOTS)),
	/* no fd should come, but one is accepted (and closed) for old front-ends */
	ROW(REM_MEM_REG, RANGE(SZ_MEM_SINGLE, SZ_MEM_SINGLE_XEN), OPT, ACK, NONE, NONE,
	    PF(CONFIGURE_MEM_SLOTS)),
	ROW(SET_STATUS, EXACT(SZ_U64), NONE, ACK, NONE, NONE, PF(STATUS)),
	ROW(GET_STATUS, NONE, NONE, BODY, EXACT(SZ_U64), NONE, PF(STATUS)),
	/* the reply is empty (spec, rust-vmm), the UUID echoed (libvhost-user) or a u64 */
	ROW(GET_SHARED_OBJECT, EXACT(SZ_UUID), NONE, BODY, RANGE(0, SZ_UUID), OPT, PF(SHARED_OBJECT)),
	ROW(SET_DEVICE_STATE_FD, EXACT(SZ_DEVICE_STATE), ONE, BODY, EXACT(SZ_U64), OPT,
	    PF(DEVICE_STATE)),
	ROW(CHECK_DEVICE_STATE, NONE, NONE, BODY, EXACT(SZ_U64), NONE, PF(DEVICE_STATE)),
	ROW(GET_SHMEM_CONFIG, NONE, NONE, BODY, EXACT(SZ_SHMEM_CONFIG), NONE, PF(SHMEM)),
};

static const struct lvh_proto_row backend_rows[] = {
	ROW(BACKEND_IOTLB_MSG, RANGE(SZ_IOTLB_MIN, SZ_IOTLB_MAX), NONE, ACK, NONE, NONE, NOGATE),
	ROW(BACKEND_CONFIG_CHANGE_MSG, NONE, NONE, ACK, NONE, NONE, PF(CONFIG)),
	ROW(BACKEND_VRING_HOST_NOTIFIER_MSG, EXACT(SZ_VRING_AREA), OPT, ACK, NONE, NONE,
	    PF(HOST_NOTIFIER)),
	ROW(BACKEND_VRING_CALL, EXACT(SZ_VRING_STATE), NONE, ACK, NONE, NONE,
	    PF(INBAND_NOTIFICATIONS)),
	ROW(BACKEND_VRING_ERR, EXACT(SZ_VRING_STATE), NONE, ACK, NONE, NONE,
	    PF(INBAND_NOTIFICATIONS)),
	ROW(BACKEND_SHARED_OBJECT_ADD, EXACT(SZ_UUID), NONE, ACK, NONE, NONE, PF(SHARED_OBJECT)),
	ROW(BACKEND_SHARED_OBJECT_REMOVE, EXACT(SZ_UUID), NONE, ACK, NONE, NONE, PF(SHARED_OBJECT)),
	ROW(BACKEND_SHARED_OBJECT_LOOKUP, EXACT(SZ_UUID), NONE, BODY, EXACT(SZ_U64), OPT,
	    PF(SHARED_OBJECT)),
	ROW(BACKEND_SHMEM_MAP, EXACT(SZ_SHMEM_MMAP), ONE, ACK, NONE, NONE, PF(SHMEM)),
	ROW(BACKEND_SHMEM_UNMAP, EXACT(SZ_SHMEM_MMAP), NONE, ACK, NONE, NONE, PF(SHMEM)),
};

static const char *const protocol_feature_names[] = {
	[PF(MQ)] = "MQ",
	[PF(LOG_SHMFD)] = "LOG_SHMFD",
	[PF(RARP)] = "RARP",
	[PF(REPLY_ACK)] = "REPLY_ACK",
	[PF(NET_MTU)] = "NET_MTU",
	[PF(BACKEND_REQ)] = "BACKEND_REQ",
	[PF(CROSS_ENDIAN)] = "CROSS_ENDIAN",
	[PF(CRYPTO_SESSION)] = "CRYPTO_SESSION",
	[PF(PAGEFAULT)] = "PAGEFAULT",
	[PF(CONFIG)] = "CONFIG",
	[PF(BACKEND_SEND_FD)] = "BACKEND_SEND_FD",
	[PF(HOST_NOTIFIER)] = "HOST_NOTIFIER",
	[PF(INFLIGHT_SHMFD)] = "INFLIGHT_SHMFD",
	[PF(RESET_DEVICE)] = "RESET_DEVICE",
	[PF(INBAND_NOTIFICATIONS)] = "INBAND_NOTIFICATIONS",
	[PF(CONFIGURE_MEM_SLOTS)] = "CONFIGURE_MEM_SLOTS",
	[PF(STATUS)] = "STATUS",
	[PF(XEN_MMAP)] = "XEN_MMAP",
	[PF(SHARED_OBJECT)] = "SHARED_OBJECT",
	[PF(DEVICE_STATE)] = "DEVICE_STATE",
	[PF(GET_VRING_BASE_INFLIGHT)] = "GET_VRING_BASE_INFLIGHT",
	[PF(GPA_ADDRESSES)] = "GPA_ADDRESSES",
	[PF(SHMEM)] = "SHMEM",
};

const struct lvh_proto_row *lvh_proto_rows(enum lvh_dir dir, size_t *n)
{
	switch (dir) {
	case LVH_DIR_FRONTEND:
		*n = LVH_ARRAY_SIZE(frontend_rows);
		return frontend_rows;
	case LVH_DIR_BACKEND:
		*n = LVH_ARRAY_SIZE(backend_rows);
		return backend_rows;
	}
	*n = 0;
	return NULL;
}

const struct lvh_proto_row *lvh_proto_lookup(enum lvh_dir dir, uint32_t request)
{
	const struct lvh_proto_row *rows;
	size_t n;

	rows = lvh_proto_rows(dir, &n);
	/* rows are indexed by request code; index 0 and gaps have no name */
	if (!rows || request >= n || !rows[request].name)
		return NULL;
	return &rows[request];
}

const char *lvh_proto_name(enum lvh_dir dir, uint32_t request)
{
	const struct lvh_proto_row *row = lvh_proto_lookup(dir, request);

	return row ? row->name : "UNKNOWN";
}

int lvh_hdr_check(const struct libvhost_ctx *ctx, uint32_t request, uint32_t flags, uint32_t size)
{
	if ((flags & LIBVHOST_USER_VERSION_MASK) != LIBVHOST_USER_VERSION) {
		lvh_err(ctx, "request %u: unsupported protocol version %u", request,
			flags & LIBVHOST_USER_VERSION_MASK);
		return -EPROTO;
	}
	if (flags & LVH_FLAGS_RESERVED) {
		lvh_err(ctx, "request %u: reserved header flag bits set (flags 0x%x)", request, flags);
		return -EPROTO;
	}
	if (size > LIBVHOST_USER_MAX_PAYLOAD) {
		lvh_err(ctx, "request %u: payload of %u bytes exceeds the limit of %u", request, size,
			LIBVHOST_USER_MAX_PAYLOAD);
		return -EBADMSG;
	}
	return 0;
}

static bool size_ok(const struct lvh_size *rule, uint32_t size)
{
	switch (rule->rule) {
	case LVH_SZ_NONE:
		return size == 0;
	case LVH_SZ_EXACT:
		return size == rule->a;
	case LVH_SZ_RANGE:
		return size >= rule->a && size <= rule->b;
	}
	return false;
}

static bool fds_ok(uint8_t rule, unsigned int nfds)
{
	switch (rule) {
	case LVH_FD_NONE:
		return nfds == 0;
	case LVH_FD_ONE:
		return nfds == 1;
	case LVH_FD_OPT:
		return nfds <= 1;
	case LVH_FD_REGIONS:
		return nfds <= LIBVHOST_USER_MEM_TABLE_MAX_REGIONS;
	}
	return false;
}

static const char *dir_name(enum lvh_dir dir)
{
	return dir == LVH_DIR_BACKEND ? "back-end request" : "front-end request";
}

/* Who sent it: a request of dir comes from that side, its reply from the other. */
static const char *sender(enum lvh_dir dir, bool reply)
{
	return (dir == LVH_DIR_BACKEND) != reply ? "the back-end" : "the front-end";
}

int lvh_proto_check_request(const struct libvhost_ctx *ctx, enum lvh_dir dir,
			    const struct lvh_msg *m, uint64_t proto)
{
	const struct lvh_proto_row *row = lvh_proto_lookup(dir, m->request);

	if (!row) {
		lvh_err(ctx, "unknown %s %u", dir_name(dir), m->request);
		return -EOPNOTSUPP;
	}
	if (m->flags & LIBVHOST_USER_FLAG_REPLY) {
		lvh_err(ctx, "%s from %s: the REPLY flag is set", row->name, sender(dir, false));
		return -EPROTO;
	}
	if ((m->flags & LIBVHOST_USER_FLAG_NEED_REPLY) &&
	    !(proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_REPLY_ACK))) {
		lvh_err(ctx, "%s from %s: NEED_REPLY set but REPLY_ACK was not negotiated",
			row->name, sender(dir, false));
		return -EPROTO;
	}
	if (row->gate >= 0 && !(proto & LVH_BIT(row->gate))) {
		lvh_err(ctx, "%s from %s: protocol feature %s was not negotiated", row->name,
			sender(dir, false), protocol_feature_names[row->gate]);
		return -EOPNOTSUPP;
	}
	if (!size_ok(&row->req_size, m->size)) {
		lvh_err(ctx, "%s from %s: payload of %u bytes has the wrong size", row->name,
			sender(dir, false), m->size);
		return -EBADMSG;
	}
	if (!fds_ok(row->req_fds, m->nfds)) {
		lvh_err(ctx, "%s from %s: %u fds attached, which the request does not allow",
			row->name, sender(dir, false), m->nfds);
		return -EBADMSG;
	}
	if (dir == LVH_DIR_BACKEND && m->nfds &&
	    !(proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_BACKEND_SEND_FD))) {
		lvh_err(ctx, "%s from %s: fds attached but BACKEND_SEND_FD was not negotiated",
			row->name, sender(dir, false));
		return -EBADMSG;
	}
	return 0;
}

int lvh_proto_check_reply(const struct libvhost_ctx *ctx, enum lvh_dir dir, uint32_t request,
			  enum lvh_reply_kind kind, const struct lvh_msg *m)
{
	const struct lvh_proto_row *row = lvh_proto_lookup(dir, request);
	static const struct lvh_size ack_size = EXACT(SZ_U64);
	const struct lvh_size *size_rule;
	uint8_t fd_rule;

	if (!row)
		return -EINVAL; /* we never send what we do not know */
	if (m->request != request) {
		lvh_err(ctx, "%s: %s replied to request %u (%s)", row->name, sender(dir, true),
			m->request, lvh_proto_name(dir, m->request));
		return -EPROTO;
	}
	if (!(m->flags & LIBVHOST_USER_FLAG_REPLY) || (m->flags & LIBVHOST_USER_FLAG_NEED_REPLY)) {
		lvh_err(ctx, "%s: %s replied with bad flags 0x%x", row->name, sender(dir, true),
			m->flags);
		return -EPROTO;
	}
	if (kind == LVH_REPLY_KIND_ACK) {
		size_rule = &ack_size;
		fd_rule = LVH_FD_NONE;
	} else {
		size_rule = &row->reply_size;
		fd_rule = row->reply_fds;
	}
	if (!size_ok(size_rule, m->size)) {
		lvh_err(ctx, "%s: %s replied with %u bytes, the wrong size", row->name,
			sender(dir, true), m->size);
		return -EBADMSG;
	}
	if (!fds_ok(fd_rule, m->nfds)) {
		lvh_err(ctx, "%s: %s replied with %u fds, which the reply may not carry",
			row->name, sender(dir, true), m->nfds);
		return -EBADMSG;
	}
	return 0;
}

bool lvh_proto_reply_expected(const struct lvh_proto_row *row, uint32_t flags, bool state_body,
			      enum lvh_reply_kind *kind)
{
	if (row->reply == LVH_REPLY_BODY || (row->reply == LVH_REPLY_STATE && state_body)) {
		*kind = LVH_REPLY_KIND_BODY;
		return true;
	}
	if (flags & LIBVHOST_USER_FLAG_NEED_REPLY) {
		*kind = LVH_REPLY_KIND_ACK;
		return true;
	}
	return false;
}

/* ---- public: the message table, for tools and diagnostics ---- */

static int dir_from_public(int dir, enum lvh_dir *out)
{
	if (dir != LIBVHOST_USER_DIR_FRONTEND && dir != LIBVHOST_USER_DIR_BACKEND)
		return -EINVAL;
	*out = (enum lvh_dir)dir;
	return 0;
}

LIBVHOST_EXPORT const char *libvhost_request_name(int dir, uint32_t request)
{
	const struct lvh_proto_row *row;
	enum lvh_dir d;

	if (dir_from_public(dir, &d) < 0)
		return NULL;
	row = lvh_proto_lookup(d, request);
	return row ? row->name : NULL;
}

LIBVHOST_EXPORT int libvhost_request_protocol_feature(int dir, uint32_t request)
{
	const struct lvh_proto_row *row;
	enum lvh_dir d;

	if (dir_from_public(dir, &d) < 0)
		return -EINVAL;
	row = lvh_proto_lookup(d, request);
	if (!row)
		return -EOPNOTSUPP;
	return row->gate >= 0 ? row->gate : -ENOENT;
}

LIBVHOST_EXPORT const char *libvhost_protocol_feature_name(unsigned int bit)
{
	if (bit >= LVH_ARRAY_SIZE(protocol_feature_names))
		return NULL;
	return protocol_feature_names[bit];
}

LIBVHOST_EXPORT uint64_t libvhost_protocol_features_known(void)
{
	return LVH_BIT(LVH_ARRAY_SIZE(protocol_feature_names)) - 1;
}
