/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user back-end's handle: made from the caller's options (the
 * features and protocol features offered, the rings, the device's ops),
 * counted, freed, and what it tells the caller.  The parts it is made of
 * are listed in user/backend.h: the session and its requests, the rings'
 * lifecycle, the data path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem/mem.h"
#include "user/backend.h"

/* The handle, its rings and its memory table; the rest is set by the caller's options. */
static struct libvhost_backend *be_alloc(struct libvhost_ctx *ctx, unsigned int queues)
{
	struct libvhost_backend *be = calloc(1, sizeof(*be));
	unsigned int i;

	if (!be)
		return NULL;
	be->ctx = ctx;
	be->queue_num = queues;
	be->vqs = calloc(be->queue_num, sizeof(*be->vqs));
	if (!be->vqs || lvh_be_session_init(be) < 0)
		goto fail;
	if (libvhost_mem_new(ctx, &be->mem) < 0)
		goto fail_session;
#if LIBVHOST_HAS_XEN
	if (lvh_be_xen_init(be) < 0) {
		libvhost_mem_unref(be->mem);
		goto fail_session;
	}
#endif
	for (i = 0; i < be->queue_num; i++) {
		be->vqs[i].be = be;
		be->vqs[i].index = i;
		pthread_mutex_init(&be->vqs[i].lock, NULL);
		be->vqs[i].kick_fd = be->vqs[i].call_fd = be->vqs[i].err_fd = -1;
	}
	be->refcount = 1;
	pthread_mutex_init(&be->chan_lock, NULL);
	lvh_be_iotlb_init(be);
	be->listen_fd = be->sock = be->chan = be->log_fd = be->state_fd = be->state_buf = -1;
#if LIBVHOST_HAS_POSTCOPY
	be->pc_ufd = -1;
#endif
	return be;
fail_session:
	lvh_be_session_fini(be);
fail:
	free(be->vqs);
	free(be);
	return NULL;
}

/* The features and protocol features offered: the caller's, narrowed to what the ops answer. */
static void be_offer(struct libvhost_backend *be, const struct libvhost_backend_opts *opts)
{
	uint64_t proto = BE_PROTO_IMPLEMENTED |
			 lvh_be_devreq_features(&be->ops, LVH_OPTS_GET(opts, flags, 0));

	be->features = LVH_OPTS_GET(opts, features, 0) | LVH_BIT(LIBVHOST_USER_F_PROTOCOL_FEATURES) |
		       LVH_BIT(LIBVHOST_F_LOG_ALL);
	be->proto_offered = LVH_OPTS_GET(opts, protocol_features, 0);
	if (!be->proto_offered)
		be->proto_offered = proto & ~BE_PROTO_OPT_IN;
	be->proto_offered &= proto;
	/* features the device's ops would have to answer */
	if (!be->ops.get_config)
		be->proto_offered &= ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_CONFIG);
	if (!be->ops.save_state || !be->ops.load_state)
		be->proto_offered &= ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_DEVICE_STATE);
	/* suspending rings needs the device's op and the area that keeps what they held */
	if (!be->ops.queue_suspend ||
	    !(be->proto_offered & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)))
		be->proto_offered &= ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_GET_VRING_BASE_INFLIGHT);
}

LIBVHOST_EXPORT int libvhost_backend_new(struct libvhost_ctx *ctx,
					 const struct libvhost_backend_opts *opts,
					 struct libvhost_backend **ret)
{
	const struct libvhost_backend_ops *ops = LVH_OPTS_GET(opts, ops, NULL);
	uint64_t queues = LVH_OPTS_GET(opts, queue_num, 0);
	int64_t timeout = LVH_OPTS_GET(opts, timeout_ms, 0);
	struct libvhost_backend *be;

	if (!ctx || !ret || LVH_OPTS_VALID(ctx, opts, libvhost_backend_opts) < 0)
		return -EINVAL;
	if (ops && lvh_opts_check(ctx, ops, sizeof(size_t), sizeof(*ops), "libvhost_backend_ops") < 0)
		return -EINVAL;
	if (queues > LIBVHOST_USER_MAX_VRINGS || timeout < 0 || timeout > INT32_MAX) {
		lvh_dbg(ctx, "vhost-user back-end: queue_num or timeout_ms out of range");
		return -EINVAL;
	}
	be = be_alloc(ctx, queues ? (unsigned int)queues : 1);
	if (!be)
		return -ENOMEM;
	be->ctx = libvhost_ctx_ref(ctx);
	if (ops)
		memcpy(&be->ops, ops, ops->sz < sizeof(be->ops) ? ops->sz : sizeof(be->ops));
	be->userdata = LVH_OPTS_GET(opts, userdata, NULL);
	be->threaded = LVH_OPTS_GET(opts, flags, 0) & LIBVHOST_BACKEND_F_THREADED;
	be_offer(be, opts);
	be->timeout_ms = timeout ? (int)timeout : BE_DEFAULT_TIMEOUT_MS;
	*ret = be;
	return 0;
}

LIBVHOST_EXPORT struct libvhost_backend *libvhost_backend_ref(struct libvhost_backend *be)
{
	if (be)
		be->refcount++;
	return be;
}

LIBVHOST_EXPORT struct libvhost_backend *libvhost_backend_unref(struct libvhost_backend *be)
{
	unsigned int i;

	if (!be || --be->refcount > 0)
		return NULL;
	lvh_be_state_close(be);
	lvh_be_close_fd(&be->sock);
	for (i = 0; i < be->queue_num; i++)
		lvh_be_vq_reset(&be->vqs[i]);
	lvh_mem_clear(be->mem);
	lvh_be_log_unmap(be);
	lvh_be_inflight_unmap(be);
	lvh_be_iotlb_clear(be);
	free(be->iotlb);
	free(be->shmem_sizes);
	lvh_be_close_fd(&be->log_fd);
	lvh_be_chan_close(be);
#if LIBVHOST_HAS_POSTCOPY
	lvh_be_postcopy_close(be);
#endif
#if LIBVHOST_HAS_XEN
	lvh_be_xen_fini(be); /* after lvh_mem_clear(): every mapping is gone */
#endif
	if (be->listen_fd >= 0) {
		close(be->listen_fd);
		if (be->path)
			unlink(be->path);
	}
	free(be->path);
	lvh_be_session_fini(be);
	pthread_mutex_destroy(&be->chan_lock);
	for (i = 0; i < be->queue_num; i++)
		pthread_mutex_destroy(&be->vqs[i].lock);
	libvhost_mem_unref(be->mem);
	free(be->vqs);
	libvhost_ctx_unref(be->ctx);
	free(be);
	return NULL;
}

LIBVHOST_EXPORT struct libvhost_vq *libvhost_backend_get_vq(struct libvhost_backend *be,
							    unsigned int index)
{
	return be && index < be->queue_num ? &be->vqs[index] : NULL;
}

LIBVHOST_EXPORT int libvhost_backend_get_stats(const struct libvhost_backend *be,
					       struct libvhost_backend_stats *stats)
{
	struct libvhost_backend_stats s;

	if (!be || !stats || stats->sz < lvh_offsetofend(struct libvhost_backend_stats, sessions))
		return -EINVAL;
	s = be->stats;
	/* the counts device threads move */
	s.log_pages = __atomic_load_n(&be->log.pages, __ATOMIC_RELAXED);
	s.iotlb_misses = __atomic_load_n(&be->stats.iotlb_misses, __ATOMIC_RELAXED);
	lvh_sized_out(stats, &s, sizeof(s));
	return 0;
}

LIBVHOST_EXPORT uint64_t libvhost_backend_get_acked_features(const struct libvhost_backend *be)
{
	return be ? be->acked : 0;
}

