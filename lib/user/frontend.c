/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user front-end: the connection, negotiation, and every
 * front-end request, each through lvh_fe_call() so that the table's gate,
 * REPLY_ACK, the reply timeout and the reply checks apply to all of them.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mem/mem.h"
#include "proto/msg-config.h"
#include "proto/msg-crypto.h"
#include "proto/msg-features.h"
#include "proto/msg-gpu.h"
#include "proto/msg-inflight.h"
#include "proto/msg-iotlb.h"
#include "proto/msg-log.h"
#include "proto/msg-mem.h"
#include "proto/msg-net.h"
#include "proto/msg-postcopy.h"
#include "proto/msg-shared.h"
#include "proto/msg-shmem.h"
#include "proto/msg-state.h"
#include "proto/msg-vring.h"
#include "ring/layout.h"
#include "user/frontend.h"

#define FE_DEFAULT_TIMEOUT_MS 5000
#define FE_DEFAULT_RETRY_MS 100

/*
 * Protocol features acked unless the caller asks otherwise: all the library
 * knows but those that change what other requests mean in ways the caller
 * must opt into (in-band kicks, GET_VRING_BASE cancelling I/O).  XEN_MMAP
 * (Xen regions) is acked only when the caller described Xen regions
 * (--enable-xen builds), see fe_negotiate_protocol().
 */
#define FE_PROTO_OPT_IN                                                                        \
	(LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS) |                               \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_GET_VRING_BASE_INFLIGHT))
#define PF_XEN_MMAP LVH_BIT(LIBVHOST_USER_PROTOCOL_F_XEN_MMAP)

/* The caller described Xen regions: the memory messages are to have the Xen layout. */
static bool fe_xen_wanted(const struct libvhost_frontend *fe)
{
#if LIBVHOST_HAS_XEN
	return fe->xen_n > 0;
#else
	return false;
#endif
}

static const struct lvh_dev_ops fe_dev_ops;

static const char *req_name(uint32_t request)
{
	return lvh_proto_name(LVH_DIR_FRONTEND, request);
}

int lvh_fe_fail(struct libvhost_frontend *fe, uint32_t request, int err)
{
	if (!fe->dead)
		lvh_err(fe->ctx, "vhost-user: %s failed: %s; the connection is closed",
			req_name(request), strerror(-err));
	fe->dead = true;
	return err;
}

static int fe_call(struct libvhost_frontend *fe, struct lvh_msg *m, struct lvh_msg *rep,
		   bool state_body)
{
	const struct lvh_proto_row *row = lvh_proto_lookup(LVH_DIR_FRONTEND, m->request);
	enum lvh_reply_kind kind;
	struct lvh_msg ack;
	bool expect;
	int r;

	if (!row)
		return -EINVAL;
	/* the caller's to see, in the return code: debug only */
	if (fe->dead) {
		lvh_dbg(fe->ctx, "vhost-user: %s: the connection is closed", row->name);
		return -ECONNRESET;
	}
	if (row->gate >= 0 && !fe_has(fe, (unsigned int)row->gate)) {
		lvh_dbg(fe->ctx, "vhost-user: %s needs protocol feature %s, not negotiated",
			row->name, libvhost_protocol_feature_name((unsigned int)row->gate));
		return -EOPNOTSUPP;
	}
	/* STATE rows (memory) reply with a body in postcopy listen (state_body), with no ack */
	if (row->reply != LVH_REPLY_BODY && !(state_body && row->reply == LVH_REPLY_STATE) &&
	    fe_has(fe, LIBVHOST_USER_PROTOCOL_F_REPLY_ACK) &&
	    m->request != LIBVHOST_USER_SET_PROTOCOL_FEATURES)
		m->flags |= LIBVHOST_USER_FLAG_NEED_REPLY;
	expect = lvh_proto_reply_expected(row, m->flags, state_body, &kind);
	if (expect && kind == LVH_REPLY_KIND_BODY && !rep)
		return -EINVAL;
	lvh_dbg(fe->ctx, "vhost-user: -> %s (%u bytes, %u fds)", row->name, m->size, m->nfds);
	r = lvh_wire_send(fe->ctx, fe->sock, m, fe->timeout_ms);
	if (r < 0)
		return lvh_fe_fail(fe, m->request, r);
	if (!expect)
		return 0;
	if (kind == LVH_REPLY_KIND_ACK)
		rep = &ack;
	r = lvh_wire_recv(fe->ctx, fe->sock, rep, fe->timeout_ms);
	if (r < 0)
		return lvh_fe_fail(fe, m->request, r);
	r = lvh_proto_check_reply(fe->ctx, LVH_DIR_FRONTEND, m->request, kind, rep);
	if (r < 0) {
		lvh_msg_close_fds(rep);
		return lvh_fe_fail(fe, m->request, r);
	}
	if (kind == LVH_REPLY_KIND_ACK)
		return lvh_msg_get_status(fe->ctx, rep, row->name);
	return 0;
}

int lvh_fe_call(struct libvhost_frontend *fe, struct lvh_msg *m, struct lvh_msg *rep)
{
	return fe_call(fe, m, rep, false);
}

#if LIBVHOST_HAS_POSTCOPY
int lvh_fe_call_state(struct libvhost_frontend *fe, struct lvh_msg *m, struct lvh_msg *rep)
{
	return rep ? fe_call(fe, m, rep, true) : -EINVAL;
}

int lvh_fe_send_ack(struct libvhost_frontend *fe, uint32_t request)
{
	struct lvh_msg ack;
	int r;

	lvh_msg_init(&ack, request, 0);
	lvh_msg_set_u64(&ack, 0);
	r = lvh_wire_send(fe->ctx, fe->sock, &ack, fe->timeout_ms);
	return r < 0 ? lvh_fe_fail(fe, request, r) : 0;
}
#endif

/* A request with a u64 reply (GET_FEATURES, GET_QUEUE_NUM...). */
static int fe_get_u64(struct libvhost_frontend *fe, uint32_t request, uint64_t *v)
{
	struct lvh_msg m, rep;
	int r;

	lvh_msg_init(&m, request, 0);
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	return lvh_msg_get_u64(fe->ctx, &rep, v);
}

/* A request with no payload and no reply but the ack. */
static int fe_simple(struct libvhost_frontend *fe, uint32_t request)
{
	struct lvh_msg m;

	lvh_msg_init(&m, request, 0);
	return lvh_fe_call(fe, &m, NULL);
}

static int fe_set_u64(struct libvhost_frontend *fe, uint32_t request, uint64_t v)
{
	struct lvh_msg m;

	lvh_msg_init(&m, request, 0);
	lvh_msg_set_u64(&m, v);
	return lvh_fe_call(fe, &m, NULL);
}

/* ---- the connection ---- */

static int fe_new(struct libvhost_ctx *ctx, int sock, const struct libvhost_frontend_opts *opts,
		  struct libvhost_frontend **ret)
{
	const struct libvhost_frontend_ops *ops = LVH_OPTS_GET(opts, ops, NULL);
	struct libvhost_frontend *fe;
	int64_t timeout = LVH_OPTS_GET(opts, timeout_ms, 0);
	int r;

	if (ops && lvh_opts_check(ctx, ops, sizeof(size_t), sizeof(*ops), "libvhost_frontend_ops") < 0)
		return -EINVAL;
	if (timeout < 0 || timeout > INT32_MAX) {
		lvh_dbg(ctx, "frontend: timeout_ms %lld out of range", (long long)timeout);
		return -EINVAL;
	}
	fe = calloc(1, sizeof(*fe));
	if (!fe)
		return -ENOMEM;
	r = lvh_dev_init(&fe->dev, &fe_dev_ops, ctx, "vhost-user", LIBVHOST_USER_MAX_VRINGS, false);
	if (r < 0) {
		free(fe);
		return r;
	}
	fe->dev.fd_rings = 256; /* the vring fd messages have 8 bits of index */
	fe->refcount = 1;
	fe->ctx = libvhost_ctx_ref(ctx);
	fe->sock = sock;
	fe->backend_sock = -1;
	fe->timeout_ms = timeout ? (int)timeout : FE_DEFAULT_TIMEOUT_MS;
	fe->want_proto = LVH_OPTS_GET(opts, protocol_features, 0);
	if (!fe->want_proto)
		fe->want_proto = libvhost_protocol_features_known() & ~FE_PROTO_OPT_IN;
	if (ops)
		memcpy(&fe->ops, ops, ops->sz < sizeof(fe->ops) ? ops->sz : sizeof(fe->ops));
	fe->userdata = LVH_OPTS_GET(opts, userdata, NULL);
	fe->info.sz = sizeof(fe->info);
	fe->info.max_mem_slots = LIBVHOST_USER_MEM_TABLE_MAX_REGIONS;
#if LIBVHOST_HAS_POSTCOPY
	lvh_fe_postcopy_init(fe);
#endif
	*ret = fe;
	return 0;
}

static int check_common(struct libvhost_ctx *ctx, const struct libvhost_frontend_opts *opts,
			void *ret)
{
	if (!ctx || !ret)
		return -EINVAL;
	if (LVH_OPTS_VALID(ctx, opts, libvhost_frontend_opts) < 0)
		return -EINVAL;
	return 0;
}

static int sun_fill(struct libvhost_ctx *ctx, const char *path, struct sockaddr_un *sa)
{
	size_t len;

	if (!path)
		return -EINVAL;
	len = strlen(path);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sa->sun_path)) {
		lvh_dbg(ctx, "frontend: socket path of %zu bytes (1..%zu allowed): %s", len,
			sizeof(sa->sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	memcpy(sa->sun_path, path, len);
	return 0;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* connect() with the retry policy; the socket in *sock. */
static int fe_dial(struct libvhost_ctx *ctx, const char *path, uint64_t retries,
		   uint64_t interval, int *sock)
{
	struct sockaddr_un sa;
	uint64_t attempt;
	int r, fd;

	r = sun_fill(ctx, path, &sa);
	if (r < 0)
		return r;
	for (attempt = 0;; attempt++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		r = -errno;
		close(fd);
		if ((r != -ENOENT && r != -ECONNREFUSED) || attempt >= retries) {
			lvh_dbg(ctx, "frontend: connect to %s: %s", path, strerror(-r));
			return r;
		}
		sleep_ms(interval);
	}
	*sock = fd;
	return 0;
}

/* Listens on path, takes one back-end within timeout_ms, removes the path. */
static int fe_accept(struct libvhost_ctx *ctx, const char *path, int timeout_ms, int *sock)
{
	struct pollfd pfd;
	int r, lsock;

	lsock = lvh_wire_listen(ctx, path, 0); /* checks the path too */
	if (lsock < 0)
		return lsock;
	pfd.fd = lsock;
	pfd.events = POLLIN;
	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r <= 0) {
		r = r == 0 ? -ETIMEDOUT : -errno;
		lvh_dbg(ctx, "frontend: no back-end connected to %s: %s", path, strerror(-r));
		goto out;
	}
	r = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	if (r < 0) {
		r = -errno;
		goto out;
	}
	*sock = r;
	r = 0;
out:
	unlink(path);
	close(lsock);
	return r;
}

/* A front-end on a path it can reach again (libvhost_frontend_reconnect()). */
static int fe_new_path(struct libvhost_ctx *ctx, const char *path, bool listening,
		       const struct libvhost_frontend_opts *opts, struct libvhost_frontend **ret)
{
	uint64_t retries = LVH_OPTS_GET(opts, connect_retries, 0);
	uint64_t interval = LVH_OPTS_GET(opts, retry_interval_ms, 0);
	int64_t timeout = LVH_OPTS_GET(opts, timeout_ms, 0);
	struct libvhost_frontend *fe;
	char *copy;
	int r, sock;

	r = check_common(ctx, opts, ret);
	if (r < 0)
		return r;
	if (!path)
		return -EINVAL;
	if (!interval)
		interval = FE_DEFAULT_RETRY_MS;
	if (interval > 60000 || retries > 100000 || timeout < 0 || timeout > INT32_MAX) {
		lvh_dbg(ctx, "frontend: retry policy or timeout out of range");
		return -EINVAL;
	}
	if (!timeout)
		timeout = FE_DEFAULT_TIMEOUT_MS;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	r = listening ? fe_accept(ctx, path, (int)timeout, &sock)
		      : fe_dial(ctx, path, retries, interval, &sock);
	if (r < 0)
		goto fail;
	r = fe_new(ctx, sock, opts, &fe);
	if (r < 0) {
		close(sock);
		goto fail;
	}
	fe->path = copy;
	fe->listening = listening;
	fe->retries = retries;
	fe->interval = interval;
	*ret = fe;
	return 0;
fail:
	free(copy);
	return r;
}

LIBVHOST_EXPORT int libvhost_frontend_connect(struct libvhost_ctx *ctx, const char *path,
					      const struct libvhost_frontend_opts *opts,
					      struct libvhost_frontend **ret)
{
	return fe_new_path(ctx, path, false, opts, ret);
}

LIBVHOST_EXPORT int libvhost_frontend_listen(struct libvhost_ctx *ctx, const char *path,
					     const struct libvhost_frontend_opts *opts,
					     struct libvhost_frontend **ret)
{
	return fe_new_path(ctx, path, true, opts, ret);
}

LIBVHOST_EXPORT int libvhost_frontend_reconnect(struct libvhost_frontend *fe)
{
	unsigned int i;
	int r, sock;

	if (!fe)
		return -EINVAL;
	if (!fe->path) {
		lvh_dbg(fe->ctx, "frontend: an adopted socket cannot be reconnected");
		return -EOPNOTSUPP;
	}
	r = fe->listening ? fe_accept(fe->ctx, fe->path, fe->timeout_ms, &sock)
			  : fe_dial(fe->ctx, fe->path, fe->retries, fe->interval, &sock);
	if (r < 0)
		return r;
	lvh_fe_backend_channel_close(fe);
	close(fe->sock);
	fe->sock = sock;
	fe->dead = false;
	fe->negotiated = false;
	fe->have_features = false;
	memset(&fe->info, 0, sizeof(fe->info));
	fe->info.sz = sizeof(fe->info);
	fe->info.max_mem_slots = LIBVHOST_USER_MEM_TABLE_MAX_REGIONS;
	fe->nsent = 0;
	fe->mem = libvhost_mem_unref(fe->mem);
#if LIBVHOST_HAS_POSTCOPY
	lvh_fe_postcopy_reset(fe);
#endif
	/* a new session: every ring stopped and, until negotiation says otherwise, enabled */
	fe->dev.has_enable = false;
	fe->dev.guest_addrs = false;
	for (i = 0; i < fe->dev.nrings; i++)
		fe->dev.ring[i] = LVH_RING_ENABLED;
	lvh_info(fe->ctx, "vhost-user: reconnected to %s", fe->path);
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_adopt_fd(struct libvhost_ctx *ctx, int fd,
					       const struct libvhost_frontend_opts *opts,
					       struct libvhost_frontend **ret)
{
	int r;

	r = check_common(ctx, opts, ret);
	if (r < 0)
		return r;
	if (fd < 0 || !lvh_wire_is_unix_stream(fd)) {
		lvh_dbg(ctx, "frontend: fd %d is not a unix stream socket", fd);
		return -EINVAL;
	}
	return fe_new(ctx, fd, opts, ret);
}

LIBVHOST_EXPORT struct libvhost_frontend *libvhost_frontend_ref(struct libvhost_frontend *fe)
{
	if (fe)
		fe->refcount++;
	return fe;
}

LIBVHOST_EXPORT struct libvhost_frontend *libvhost_frontend_unref(struct libvhost_frontend *fe)
{
	if (!fe || --fe->refcount > 0)
		return NULL;
	lvh_fe_backend_channel_close(fe);
	close(fe->sock);
	libvhost_mem_unref(fe->mem);
	free(fe->sent);
	free(fe->path);
#if LIBVHOST_HAS_POSTCOPY
	lvh_fe_postcopy_fini(fe);
#endif
	lvh_dev_fini(&fe->dev);
	libvhost_ctx_unref(fe->ctx);
	free(fe);
	return NULL;
}

LIBVHOST_EXPORT struct libvhost_dev *libvhost_frontend_get_dev(struct libvhost_frontend *fe)
{
	return fe ? &fe->dev : NULL;
}

LIBVHOST_EXPORT int libvhost_frontend_get_fd(const struct libvhost_frontend *fe)
{
	return fe ? fe->sock : -EINVAL;
}

LIBVHOST_EXPORT int libvhost_frontend_get_info(const struct libvhost_frontend *fe,
					       struct libvhost_frontend_info *info)
{
	size_t sz;

	if (!fe || !info || info->sz < lvh_offsetofend(struct libvhost_frontend_info, features))
		return -EINVAL;
	sz = info->sz < sizeof(fe->info) ? info->sz : sizeof(fe->info);
	memcpy((char *)info + sizeof(size_t), (const char *)&fe->info + sizeof(size_t),
	       sz - sizeof(size_t));
	return 0;
}

/* ---- negotiation ---- */

static int fe_get_features(struct libvhost_frontend *fe)
{
	uint64_t f;
	int r = fe_get_u64(fe, LIBVHOST_USER_GET_FEATURES, &f);

	if (r < 0)
		return r;
	fe->info.features = f;
	fe->have_features = true;
	return 0;
}

static int fe_negotiate_protocol(struct libvhost_frontend *fe)
{
	struct lvh_msg m;
	uint64_t offered, proto;
	int r;

	r = fe_get_u64(fe, LIBVHOST_USER_GET_PROTOCOL_FEATURES, &offered);
	if (r < 0)
		return r;
	fe->info.backend_protocol_features = offered;
	proto = offered & fe->want_proto & libvhost_protocol_features_known();
	/* in-band notifications need the back-end channel and acks (spec) */
	if (!(proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_BACKEND_REQ)) ||
	    !(proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_REPLY_ACK)))
		proto &= ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS);
	if (!(proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_BACKEND_REQ)))
		proto &= ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_BACKEND_SEND_FD);
	if (!(proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)))
		proto &= ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_GET_VRING_BASE_INFLIGHT);
	/* Xen regions change every memory message: only for a caller that has them */
	if (!fe_xen_wanted(fe))
		proto &= ~PF_XEN_MMAP;
	lvh_msg_init(&m, LIBVHOST_USER_SET_PROTOCOL_FEATURES, 0);
	r = lvh_msg_encode_protocol_features(&m, proto);
	if (r < 0)
		return r;
	r = lvh_fe_call(fe, &m, NULL);
	if (r < 0)
		return r;
	fe->info.protocol_features = proto;
	fe->dev.has_enable = true;
	return lvh_dev_set_nrings(&fe->dev, fe->dev.nrings) < 0 ? -ENOMEM : 0;
}

LIBVHOST_EXPORT int libvhost_frontend_negotiate(struct libvhost_frontend *fe)
{
	uint64_t v;
	unsigned int i;
	int r;

	if (!fe)
		return -EINVAL;
	if (fe->negotiated) {
		lvh_dbg(fe->ctx, "vhost-user: already negotiated on this connection");
		return -EINVAL;
	}
	r = fe_get_features(fe);
	if (r < 0)
		return r;
	if (fe->info.features & LVH_BIT(LIBVHOST_USER_F_PROTOCOL_FEATURES)) {
		r = fe_negotiate_protocol(fe);
		if (r < 0)
			return r;
		/* rings start disabled from now on */
		for (i = 0; i < fe->dev.nrings; i++)
			fe->dev.ring[i] &= (uint8_t)~LVH_RING_ENABLED;
	}
	if (fe_has(fe, LIBVHOST_USER_PROTOCOL_F_MQ)) {
		r = fe_get_u64(fe, LIBVHOST_USER_GET_QUEUE_NUM, &v);
		if (r < 0)
			return r;
		if (v < 1 || v > LIBVHOST_USER_MAX_VRINGS) {
			lvh_err(fe->ctx, "vhost-user: GET_QUEUE_NUM says %llu (1..%u allowed)",
				(unsigned long long)v, LIBVHOST_USER_MAX_VRINGS);
			return lvh_fe_fail(fe, LIBVHOST_USER_GET_QUEUE_NUM, -EPROTO);
		}
		fe->info.queue_num = v;
		r = lvh_dev_set_nrings(&fe->dev, (unsigned int)v);
		if (r < 0)
			return r;
	}
	if (fe_has(fe, LIBVHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)) {
		struct lvh_msg m, rep;
		uint32_t slots;

		lvh_msg_init(&m, LIBVHOST_USER_GET_MAX_MEM_SLOTS, 0);
		r = lvh_fe_call(fe, &m, &rep);
		if (r < 0)
			return r;
		r = lvh_msg_decode_max_mem_slots(fe->ctx, &rep, &slots);
		if (r < 0)
			return lvh_fe_fail(fe, m.request, r);
		fe->info.max_mem_slots = slots;
	}
	if (fe_has(fe, LIBVHOST_USER_PROTOCOL_F_BACKEND_REQ)) {
		r = lvh_fe_backend_channel_open(fe);
		if (r < 0)
			return r;
	}
	r = fe_simple(fe, LIBVHOST_USER_SET_OWNER);
	if (r < 0)
		return r;
	fe->negotiated = true;
	return 0;
}

/* ---- the transport-neutral operations (struct lvh_dev_ops) ---- */

static struct libvhost_frontend *dev_fe(struct libvhost_dev *dev)
{
	return (struct libvhost_frontend *)((char *)dev - offsetof(struct libvhost_frontend, dev));
}

static int fe_op_get_features(struct libvhost_dev *dev, uint64_t *features)
{
	struct libvhost_frontend *fe = dev_fe(dev);
	int r = fe_get_features(fe);

	if (r >= 0)
		*features = fe->info.features;
	return r;
}

static int fe_op_set_features(struct libvhost_dev *dev, uint64_t features)
{
	struct libvhost_frontend *fe = dev_fe(dev);
	int r;

	if (!fe->have_features) {
		lvh_dbg(fe->ctx, "vhost-user: SET_FEATURES before the back-end's features are known");
		return -EINVAL;
	}
	/* with protocol features the back-end must see bit 30 acked (QEMU does the same) */
	if (fe->dev.has_enable)
		features |= LVH_BIT(LIBVHOST_USER_F_PROTOCOL_FEATURES);
	if (features & ~fe->info.features) {
		lvh_dbg(fe->ctx, "vhost-user: features %#llx not offered by the back-end",
			(unsigned long long)(features & ~fe->info.features));
		return -EINVAL;
	}
	r = fe_set_u64(fe, LIBVHOST_USER_SET_FEATURES, features);
	if (r < 0)
		return r;
	fe->info.acked_features = features;
	/* ring addresses: guest ones with GPA_ADDRESSES or XEN_MMAP, IOVAs with ACCESS_PLATFORM */
	fe->dev.guest_addrs = fe_has(fe, LIBVHOST_USER_PROTOCOL_F_GPA_ADDRESSES) ||
			      fe_has(fe, LIBVHOST_USER_PROTOCOL_F_XEN_MMAP) || (features & LVH_BIT(LIBVHOST_F_ACCESS_PLATFORM));
	if (!fe->dev.has_enable)
		lvh_dev_enable_all(&fe->dev);
	return 0;
}

static int fe_op_set_owner(struct libvhost_dev *dev)
{
	return fe_simple(dev_fe(dev), LIBVHOST_USER_SET_OWNER);
}

/* A region as sent; with XEN_MMAP its Xen description (checked by fe_op_set_mem()). */
static void region_of(const struct libvhost_frontend *fe, const struct libvhost_mem_region *in,
		      struct lvh_mem_region *out)
{
	memset(out, 0, sizeof(*out));
	out->guest_addr = in->guest_addr;
	out->size = in->size;
	out->user_addr = in->user_addr;
	out->mmap_offset = in->fd_offset;
#if LIBVHOST_HAS_XEN
	if (fe_has(fe, LIBVHOST_USER_PROTOCOL_F_XEN_MMAP))
		lvh_fe_xen_describe(fe, out);
#endif
}

static bool same_region(const struct libvhost_mem_region *a, const struct libvhost_mem_region *b)
{
	return a->guest_addr == b->guest_addr && a->size == b->size &&
	       a->user_addr == b->user_addr && a->fd_offset == b->fd_offset;
}

static bool region_in(const struct libvhost_mem_region *r, const struct libvhost_mem_region *set,
		      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (same_region(r, &set[i]))
			return true;
	return false;
}

static int fe_mem_region(struct libvhost_frontend *fe, uint32_t request,
			 const struct libvhost_mem_region *reg)
{
	struct lvh_mem_region wr;
	struct lvh_msg m;
	int r;

	region_of(fe, reg, &wr);
	lvh_msg_init(&m, request, 0);
	r = lvh_msg_encode_mem_region(&m, &wr, fe_has(fe, LIBVHOST_USER_PROTOCOL_F_XEN_MMAP),
				      request == LIBVHOST_USER_ADD_MEM_REG ? (int)reg->fd : -1);
	return r < 0 ? r : lvh_fe_call(fe, &m, NULL);
}

/* ADD/REM_MEM_REG: remove what went, then add what came. */
static int fe_set_mem_slots(struct libvhost_frontend *fe, struct libvhost_mem_region *regs,
			    unsigned int n)
{
	unsigned int i, keep = 0;
	int r;

	for (i = 0; i < fe->nsent; i++) {
		if (region_in(&fe->sent[i], regs, n)) {
			fe->sent[keep++] = fe->sent[i];
			continue;
		}
		r = fe_mem_region(fe, LIBVHOST_USER_REM_MEM_REG, &fe->sent[i]);
		if (r < 0) {
			/* what the back-end has is now unknown past this point */
			memmove(&fe->sent[keep], &fe->sent[i], (fe->nsent - i) * sizeof(*fe->sent));
			fe->nsent = keep + fe->nsent - i;
			return r;
		}
	}
	fe->nsent = keep;
	for (i = 0; i < n; i++) {
		if (region_in(&regs[i], fe->sent, fe->nsent))
			continue;
		r = fe_mem_region(fe, LIBVHOST_USER_ADD_MEM_REG, &regs[i]);
		if (r < 0)
			return r;
		fe->sent[fe->nsent++] = regs[i];
	}
	return 0;
}

static int fe_set_mem_table(struct libvhost_frontend *fe, struct libvhost_mem_region *regs,
			    unsigned int n)
{
	struct lvh_mem_table t;
	int fds[LIBVHOST_USER_MEM_TABLE_MAX_REGIONS];
	struct lvh_msg m;
	unsigned int i;
	int r;

	t.nregions = n;
	for (i = 0; i < n; i++) {
		region_of(fe, &regs[i], &t.regions[i]);
		fds[i] = (int)regs[i].fd;
	}
	lvh_msg_init(&m, LIBVHOST_USER_SET_MEM_TABLE, 0);
	r = lvh_msg_encode_mem_table(&m, &t, fe_has(fe, LIBVHOST_USER_PROTOCOL_F_XEN_MMAP), fds);
	if (r < 0)
		return r;
#if LIBVHOST_HAS_POSTCOPY
	if (fe->pc_listening)
		r = lvh_fe_postcopy_mem_table(fe, &m, &t);
	else
#endif
		r = lvh_fe_call(fe, &m, NULL);
	if (r < 0)
		return r;
	memcpy(fe->sent, regs, n * sizeof(*regs));
	fe->nsent = n;
	return 0;
}

/*
 * Before anything is sent: with XEN_MMAP every region has its Xen
 * description; without, the caller's Xen regions cannot be told to the
 * back-end, which would map their fds as ordinary memory.
 */
static int fe_xen_check(struct libvhost_frontend *fe, const struct libvhost_mem_region *regs,
			unsigned int n)
{
#if LIBVHOST_HAS_XEN
	struct lvh_mem_region wr;
	unsigned int i;
	int r;

	if (!fe_has(fe, LIBVHOST_USER_PROTOCOL_F_XEN_MMAP)) {
		if (!fe->xen_n)
			return 0;
		lvh_dbg(fe->ctx, "vhost-user: Xen regions are described, but XEN_MMAP was not "
			"negotiated (%s)",
			(fe->info.backend_protocol_features & PF_XEN_MMAP) ?
				"describe them before negotiating" : "the back-end does not offer it");
		return -EOPNOTSUPP;
	}
	for (i = 0; i < n; i++) {
		memset(&wr, 0, sizeof(wr));
		wr.guest_addr = regs[i].guest_addr;
		r = lvh_fe_xen_describe(fe, &wr);
		if (r < 0)
			return r;
	}
#endif
	return 0;
}

static int fe_op_set_mem(struct libvhost_dev *dev, struct libvhost_mem *mem)
{
	struct libvhost_frontend *fe = dev_fe(dev);
	bool slots = fe_has(fe, LIBVHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS);
	unsigned int i, n, max = slots ? (unsigned int)fe->info.max_mem_slots
				       : LIBVHOST_USER_MEM_TABLE_MAX_REGIONS;
	struct libvhost_mem_region *regs;
	int r;

#if LIBVHOST_HAS_POSTCOPY
	/* postcopy: the whole table in one SET_MEM_TABLE, whose reply has all the bases */
	if (fe->pc_listening) {
		slots = false;
		max = LIBVHOST_USER_MEM_TABLE_MAX_REGIONS;
	}
#endif
	r = libvhost_mem_get_nregions(mem);
	if (r < 0)
		return r;
	n = (unsigned int)r;
	if (n > max) {
		lvh_dbg(fe->ctx, "vhost-user: %u memory regions, the back-end takes %u%s", n, max,
			slots ? "" : " (no CONFIGURE_MEM_SLOTS)");
		return -ENOSPC;
	}
	if (!fe->sent) {
		fe->sent = calloc(LIBVHOST_MEM_MAX_REGIONS, sizeof(*fe->sent));
		if (!fe->sent)
			return -ENOMEM;
	}
	regs = calloc(n ? n : 1, sizeof(*regs));
	if (!regs)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		libvhost_mem_get_region(mem, i, &regs[i]);
	r = fe_xen_check(fe, regs, n);
	if (r == 0)
		r = slots ? fe_set_mem_slots(fe, regs, n) : fe_set_mem_table(fe, regs, n);
	free(regs);
	if (r < 0)
		return r;
	libvhost_mem_ref(mem);
	libvhost_mem_unref(fe->mem);
	fe->mem = mem;
	return 0;
}

static const uint32_t vring_state_req[] = {
	[LVH_DEV_VRING_NUM] = LIBVHOST_USER_SET_VRING_NUM,
	[LVH_DEV_VRING_BASE] = LIBVHOST_USER_SET_VRING_BASE,
	[LVH_DEV_VRING_ENDIAN] = LIBVHOST_USER_SET_VRING_ENDIAN,
	[LVH_DEV_VRING_ENABLE] = LIBVHOST_USER_SET_VRING_ENABLE,
};

static int fe_op_vring_state(struct libvhost_dev *dev, enum lvh_dev_vring_req req,
			     unsigned int index, uint32_t value)
{
	struct lvh_vring_state s = { index, value };
	struct lvh_msg m;
	int r;

	lvh_msg_init(&m, vring_state_req[req], 0);
	r = lvh_msg_encode_vring_state(&m, &s);
	return r < 0 ? r : lvh_fe_call(dev_fe(dev), &m, NULL);
}

static int fe_op_vring_addr(struct libvhost_dev *dev, unsigned int index, uint64_t desc,
			    uint64_t avail, uint64_t used, uint64_t log, uint32_t flags)
{
	struct lvh_vring_addr a = { index, flags, desc, used, avail, log };
	struct lvh_msg m;
	int r;

	lvh_msg_init(&m, LIBVHOST_USER_SET_VRING_ADDR, 0);
	r = lvh_msg_encode_vring_addr(&m, &a);
	return r < 0 ? r : lvh_fe_call(dev_fe(dev), &m, NULL);
}

static int fe_op_get_vring_base(struct libvhost_dev *dev, unsigned int index, uint32_t *base)
{
	struct libvhost_frontend *fe = dev_fe(dev);
	struct lvh_vring_state s = { index, 0 }, out;
	struct lvh_msg m, rep;
	int r;

	lvh_msg_init(&m, LIBVHOST_USER_GET_VRING_BASE, 0);
	r = lvh_msg_encode_vring_state(&m, &s);
	if (r < 0)
		return r;
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	r = lvh_msg_decode_vring_state(fe->ctx, &rep, &out);
	if (r < 0)
		return lvh_fe_fail(fe, m.request, r);
	if (out.index != index) {
		lvh_err(fe->ctx, "vhost-user: GET_VRING_BASE for ring %u answered for ring %u",
			index, out.index);
		return lvh_fe_fail(fe, m.request, -EPROTO);
	}
	*base = out.num;
	return 0;
}

static const uint32_t vring_fd_req[] = {
	[LVH_DEV_VRING_KICK] = LIBVHOST_USER_SET_VRING_KICK,
	[LVH_DEV_VRING_CALL] = LIBVHOST_USER_SET_VRING_CALL,
	[LVH_DEV_VRING_ERR] = LIBVHOST_USER_SET_VRING_ERR,
};

static int fe_op_vring_fd(struct libvhost_dev *dev, enum lvh_dev_vring_fd which,
			  unsigned int index, int fd)
{
	struct lvh_vring_fd f = { index, fd < 0 };
	struct lvh_msg m;
	int r;

	lvh_msg_init(&m, vring_fd_req[which], 0);
	r = lvh_msg_encode_vring_fd(&m, &f, fd);
	return r < 0 ? r : lvh_fe_call(dev_fe(dev), &m, NULL);
}

static const struct lvh_dev_ops fe_dev_ops = {
	.get_features = fe_op_get_features,
	.set_features = fe_op_set_features,
	.set_owner = fe_op_set_owner,
	.set_mem = fe_op_set_mem,
	.vring_state = fe_op_vring_state,
	.vring_addr = fe_op_vring_addr,
	.get_vring_base = fe_op_get_vring_base,
	.vring_fd = fe_op_vring_fd,
};

/* ---- the other front-end requests ---- */

static bool any_ring_started(const struct libvhost_frontend *fe)
{
	unsigned int i;

	for (i = 0; i < fe->dev.nrings; i++)
		if (fe->dev.ring[i] & LVH_RING_STARTED)
			return true;
	return false;
}

LIBVHOST_EXPORT int libvhost_frontend_get_config(struct libvhost_frontend *fe, uint32_t offset,
						 void *buf, uint32_t len)
{
	struct lvh_config c = { offset, len, 0, NULL }, out;
	struct lvh_msg m, rep;
	int r;

	if (!fe || !buf || len == 0 || len > LIBVHOST_USER_MAX_CONFIG_SIZE ||
	    offset > LIBVHOST_USER_MAX_CONFIG_SIZE - len)
		return -EINVAL;
	/* the request carries a zeroed area of the size asked for */
	lvh_msg_init(&m, LIBVHOST_USER_GET_CONFIG, 0);
	memset(rep.payload.bytes, 0, len);
	c.data = rep.payload.bytes;
	r = lvh_msg_encode_config(&m, &c);
	if (r < 0)
		return r;
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	r = lvh_msg_decode_config_reply(fe->ctx, &rep, offset, len, &out);
	if (r == -EIO)
		return r; /* the back-end's refusal; the connection is fine */
	if (r < 0)
		return lvh_fe_fail(fe, m.request, r);
	memcpy(buf, out.data, len);
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_set_config(struct libvhost_frontend *fe, uint32_t offset,
						 const void *buf, uint32_t len, uint32_t flags)
{
	struct lvh_config c = { offset, len, flags, buf };
	struct lvh_msg m;
	int r;

	if (!fe || !buf || len == 0 || len > LIBVHOST_USER_MAX_CONFIG_SIZE ||
	    offset > LIBVHOST_USER_MAX_CONFIG_SIZE - len || flags > 1)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_SET_CONFIG, 0);
	r = lvh_msg_encode_config(&m, &c);
	return r < 0 ? r : lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_set_log_base(struct libvhost_frontend *fe, int fd,
						   uint64_t size, uint64_t offset)
{
	struct lvh_log l = { size, offset };
	struct lvh_msg m, rep;
	int r;

	if (!fe || fd < 0)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_SET_LOG_BASE, 0);
	r = lvh_msg_encode_log_base(&m, &l, fd);
	if (r < 0)
		return r;
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	/*
	 * The reply says the log is mapped; what it carries is no status:
	 * libvhost-user sends the size back, DPDK nothing (QEMU reads neither).
	 */
	if (rep.size)
		lvh_dbg(fe->ctx, "vhost-user: SET_LOG_BASE replied %llu",
			(unsigned long long)rep.payload.u64);
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_set_log_fd(struct libvhost_frontend *fe, int fd)
{
	struct lvh_msg m;

	if (!fe || fd < 0)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_SET_LOG_FD, 0);
	lvh_msg_add_fd(&m, fd);
	return lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_iotlb(struct libvhost_frontend *fe, uint32_t type,
					    uint64_t iova, uint64_t size, uint64_t uaddr,
					    uint32_t perm)
{
	struct lvh_iotlb t = { iova, size, uaddr, (uint8_t)perm, (uint8_t)type };
	struct lvh_msg m;
	int r;

	if (!fe || (type != LIBVHOST_IOTLB_UPDATE && type != LIBVHOST_IOTLB_INVALIDATE) ||
	    perm > LIBVHOST_IOTLB_RW)
		return -EINVAL;
	if (!(fe->info.acked_features & LVH_BIT(LIBVHOST_F_ACCESS_PLATFORM))) {
		lvh_dbg(fe->ctx, "vhost-user: IOTLB_MSG needs ACCESS_PLATFORM acked");
		return -EOPNOTSUPP;
	}
	lvh_msg_init(&m, LIBVHOST_USER_IOTLB_MSG, 0);
	r = lvh_msg_encode_iotlb(&m, LVH_DIR_FRONTEND, &t);
	if (r < 0)
		return r;
	return lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_get_inflight(struct libvhost_frontend *fe,
						   unsigned int num_queues, unsigned int queue_size,
						   int *ret_fd, uint64_t *ret_size,
						   uint64_t *ret_offset)
{
	struct lvh_inflight in = { 0, 0, (uint16_t)num_queues, (uint16_t)queue_size }, out;
	struct lvh_msg m, rep;
	int r;

	if (!fe || !ret_fd || num_queues < 1 || num_queues > 0xffff || queue_size < 1 ||
	    queue_size > 32768)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_GET_INFLIGHT_FD, 0);
	r = lvh_msg_encode_inflight(&m, &in, -1);
	if (r < 0)
		return r;
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	if (!rep.nfds && rep.size >= 8 && !rep.payload.u64) {
		lvh_notice(fe->ctx, "vhost-user: the back-end has no inflight area to give");
		return -EIO;
	}
	r = lvh_msg_decode_inflight(fe->ctx, &rep, true,
				    !!(fe->info.acked_features & LVH_BIT(LVH_VIRTIO_F_RING_PACKED)), &out);
	if (r < 0) {
		lvh_msg_close_fds(&rep);
		return lvh_fe_fail(fe, m.request, r);
	}
	*ret_fd = lvh_msg_take_fd(&rep, 0);
	if (ret_size)
		*ret_size = out.mmap_size;
	if (ret_offset)
		*ret_offset = out.mmap_offset;
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_set_inflight(struct libvhost_frontend *fe, int fd,
						   uint64_t size, uint64_t offset,
						   unsigned int num_queues,
						   unsigned int queue_size)
{
	struct lvh_inflight in = { size, offset, (uint16_t)num_queues, (uint16_t)queue_size };
	struct lvh_msg m;
	int r;

	if (!fe || fd < 0 || num_queues < 1 || num_queues > 0xffff || queue_size < 1 ||
	    queue_size > 32768)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_SET_INFLIGHT_FD, 0);
	r = lvh_msg_encode_inflight(&m, &in, fd);
	return r < 0 ? r : lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_set_status(struct libvhost_frontend *fe, uint8_t status)
{
	struct lvh_msg m;
	int r;

	if (!fe)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_SET_STATUS, 0);
	r = lvh_msg_encode_status(&m, status);
	return r < 0 ? r : lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_get_status(struct libvhost_frontend *fe,
						 uint8_t *ret_status)
{
	struct lvh_msg m, rep;
	int r;

	if (!fe || !ret_status)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_GET_STATUS, 0);
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	r = lvh_msg_decode_status(fe->ctx, &rep, ret_status);
	return r < 0 ? lvh_fe_fail(fe, m.request, r) : 0;
}

static int fe_reset(struct libvhost_frontend *fe, uint32_t request)
{
	int r;

	if (!fe)
		return -EINVAL;
	r = fe_simple(fe, request);
	if (r >= 0)
		lvh_dev_reset_rings(&fe->dev);
	return r;
}

LIBVHOST_EXPORT int libvhost_frontend_reset_device(struct libvhost_frontend *fe)
{
	return fe_reset(fe, LIBVHOST_USER_RESET_DEVICE);
}

LIBVHOST_EXPORT int libvhost_frontend_reset_owner(struct libvhost_frontend *fe)
{
	return fe_reset(fe, LIBVHOST_USER_RESET_OWNER);
}

LIBVHOST_EXPORT int libvhost_frontend_kick(struct libvhost_frontend *fe, unsigned int index)
{
	struct lvh_vring_state s = { index, 0 };
	struct lvh_msg m;
	int r;

	if (!fe || index >= fe->dev.nrings)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_VRING_KICK, 0);
	r = lvh_msg_encode_vring_state(&m, &s);
	return r < 0 ? r : lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_set_device_state_fd(struct libvhost_frontend *fe,
							  uint32_t direction, int fd,
							  int *ret_fd)
{
	struct lvh_device_state s = { direction, LVH_STATE_PHASE_STOPPED };
	struct lvh_msg m, rep;
	int r;

	if (!fe || fd < 0 || !ret_fd || direction > LVH_STATE_LOAD)
		return -EINVAL;
	if (any_ring_started(fe)) {
		lvh_dbg(fe->ctx, "vhost-user: device state transfer needs every ring stopped");
		return -EINVAL;
	}
	lvh_msg_init(&m, LIBVHOST_USER_SET_DEVICE_STATE_FD, 0);
	r = lvh_msg_encode_device_state(&m, &s, fd);
	if (r < 0)
		return r;
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	r = lvh_msg_decode_device_state_reply(fe->ctx, &rep);
	if (r < 0) {
		lvh_msg_close_fds(&rep);
		return r == -EIO ? r : lvh_fe_fail(fe, m.request, r);
	}
	*ret_fd = r ? lvh_msg_take_fd(&rep, 0) : -1;
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_check_device_state(struct libvhost_frontend *fe)
{
	struct lvh_msg m, rep;
	int r;

	if (!fe)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_CHECK_DEVICE_STATE, 0);
	r = lvh_fe_call(fe, &m, &rep);
	return r < 0 ? r : lvh_msg_decode_check_device_state_reply(fe->ctx, &rep);
}

LIBVHOST_EXPORT int libvhost_frontend_get_shared_object(struct libvhost_frontend *fe,
							const uint8_t uuid[16], int *ret_fd)
{
	struct lvh_uuid u;
	struct lvh_msg m, rep;
	int r;

	if (!fe || !uuid || !ret_fd)
		return -EINVAL;
	memcpy(u.b, uuid, sizeof(u.b));
	lvh_msg_init(&m, LIBVHOST_USER_GET_SHARED_OBJECT, 0);
	r = lvh_msg_encode_uuid(&m, &u);
	if (r < 0)
		return r;
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	r = lvh_msg_decode_shared_object_reply(fe->ctx, &rep);
	if (r < 0) {
		lvh_msg_close_fds(&rep);
		return lvh_fe_fail(fe, m.request, r);
	}
	if (r == 0)
		return -ENOENT;
	*ret_fd = lvh_msg_take_fd(&rep, 0);
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_get_shmem_config(struct libvhost_frontend *fe,
						       uint64_t *sizes, unsigned int n)
{
	struct lvh_shmem_config c;
	struct lvh_msg m, rep;
	unsigned int i;
	int r;

	if (!fe || (n && !sizes))
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_GET_SHMEM_CONFIG, 0);
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	r = lvh_msg_decode_shmem_config(fe->ctx, &rep, &c);
	if (r < 0)
		return lvh_fe_fail(fe, m.request, r);
	for (i = 0; i < n && i < LIBVHOST_USER_MAX_SHMEM_REGIONS; i++)
		sizes[i] = c.sizes[i];
	for (; i < n; i++)
		sizes[i] = 0;
	return (int)c.nregions;
}

LIBVHOST_EXPORT int libvhost_frontend_send_rarp(struct libvhost_frontend *fe, const uint8_t mac[6])
{
	struct lvh_msg m;
	int r;

	if (!fe || !mac)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_SEND_RARP, 0);
	r = lvh_msg_encode_rarp(&m, mac);
	return r < 0 ? r : lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_set_mtu(struct libvhost_frontend *fe, unsigned int mtu)
{
	struct lvh_msg m;
	int r;

	if (!fe || mtu > 0xffff)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_NET_SET_MTU, 0);
	r = lvh_msg_encode_mtu(&m, (uint16_t)mtu);
	return r < 0 ? r : lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_create_crypto_session(struct libvhost_frontend *fe,
							    const void *session, size_t len,
							    int64_t *ret_id)
{
	struct lvh_crypto_session s;
	struct lvh_msg m, rep;
	int64_t id;
	int r;

	if (!fe || !session || !ret_id || len > LIBVHOST_USER_MAX_PAYLOAD)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_CREATE_CRYPTO_SESSION, 0);
	lvh_msg_set_payload(&m, session, len);
	/* the caller's bytes are checked as a back-end would check them */
	r = lvh_msg_decode_crypto_session(fe->ctx, &m, &s);
	if (r < 0)
		return -EINVAL;
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	if (rep.size != m.size) {
		lvh_err(fe->ctx, "vhost-user: CREATE_CRYPTO_SESSION reply of %u bytes for %u",
			rep.size, m.size);
		return lvh_fe_fail(fe, m.request, -EBADMSG);
	}
	r = lvh_msg_decode_crypto_session_reply(fe->ctx, &rep, &id);
	if (r < 0)
		return r == -EIO ? r : lvh_fe_fail(fe, m.request, r);
	*ret_id = id;
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_close_crypto_session(struct libvhost_frontend *fe, int64_t id)
{
	struct lvh_msg m;
	int r;

	if (!fe || id < 0)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_CLOSE_CRYPTO_SESSION, 0);
	r = lvh_msg_encode_crypto_close(&m, id);
	return r < 0 ? r : lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_gpu_set_socket(struct libvhost_frontend *fe, int fd)
{
	struct lvh_msg m;
	int r;

	if (!fe || fd < 0)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_GPU_SET_SOCKET, 0);
	r = lvh_msg_encode_gpu_socket(&m, fd);
	return r < 0 ? r : lvh_fe_call(fe, &m, NULL);
}
