/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "fuzz-decode.h"
#include "proto/msg-backend.h"
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

static struct lvh_shmem_config shmem_cfg; /* too large for the stack of a fuzz loop */

static int frontend_request(const struct libvhost_ctx *ctx, const struct lvh_msg *m, bool xen)
{
	union {
		struct lvh_mem_table table;
		struct lvh_mem_region region;
		struct lvh_vring_state state;
		struct lvh_vring_addr addr;
		struct lvh_vring_fd vfd;
		struct lvh_config config;
		struct lvh_log log;
		struct lvh_iotlb iotlb;
		struct lvh_inflight inflight;
		struct lvh_device_state dstate;
		struct lvh_uuid uuid;
		struct lvh_crypto_session crypto;
		uint64_t u64;
		int64_t id;
		uint8_t mac[6];
		uint16_t mtu;
		uint8_t status;
	} u;

	switch (m->request) {
	case LIBVHOST_USER_SET_FEATURES:
		return lvh_msg_get_u64(ctx, m, &u.u64);
	case LIBVHOST_USER_CLOSE_CRYPTO_SESSION:
		return lvh_msg_decode_crypto_close(ctx, m, &u.id);
	case LIBVHOST_USER_SET_PROTOCOL_FEATURES:
		return lvh_msg_decode_protocol_features(ctx, m, &u.u64);
	case LIBVHOST_USER_SET_MEM_TABLE:
		return lvh_msg_decode_mem_table(ctx, m, xen, true, &u.table);
	case LIBVHOST_USER_ADD_MEM_REG:
	case LIBVHOST_USER_REM_MEM_REG:
		return lvh_msg_decode_mem_region(ctx, m, xen, &u.region);
	case LIBVHOST_USER_SET_LOG_BASE:
		return lvh_msg_decode_log_base(ctx, m, &u.log);
	case LIBVHOST_USER_SET_VRING_NUM:
	case LIBVHOST_USER_SET_VRING_BASE:
	case LIBVHOST_USER_GET_VRING_BASE:
	case LIBVHOST_USER_SET_VRING_ENABLE:
	case LIBVHOST_USER_SET_VRING_ENDIAN:
	case LIBVHOST_USER_VRING_KICK:
		return lvh_msg_decode_vring_state(ctx, m, &u.state);
	case LIBVHOST_USER_SET_VRING_ADDR:
		return lvh_msg_decode_vring_addr(ctx, m, &u.addr);
	case LIBVHOST_USER_SET_VRING_KICK:
	case LIBVHOST_USER_SET_VRING_CALL:
	case LIBVHOST_USER_SET_VRING_ERR:
		return lvh_msg_decode_vring_fd(ctx, m, &u.vfd);
	case LIBVHOST_USER_SEND_RARP:
		return lvh_msg_decode_rarp(ctx, m, u.mac);
	case LIBVHOST_USER_NET_SET_MTU:
		return lvh_msg_decode_mtu(ctx, m, &u.mtu);
	case LIBVHOST_USER_IOTLB_MSG:
		return lvh_msg_decode_iotlb(ctx, m, LVH_DIR_FRONTEND, &u.iotlb);
	case LIBVHOST_USER_GET_CONFIG:
	case LIBVHOST_USER_SET_CONFIG:
		return lvh_msg_decode_config(ctx, m, &u.config);
	case LIBVHOST_USER_CREATE_CRYPTO_SESSION:
		return lvh_msg_decode_crypto_session(ctx, m, &u.crypto);
	case LIBVHOST_USER_GET_INFLIGHT_FD:
		return lvh_msg_decode_inflight(ctx, m, false, false, &u.inflight);
	case LIBVHOST_USER_SET_INFLIGHT_FD:
		return lvh_msg_decode_inflight(ctx, m, true, m->size & 1, &u.inflight);
	case LIBVHOST_USER_GPU_SET_SOCKET:
		return lvh_msg_decode_gpu_socket(ctx, m);
	case LIBVHOST_USER_SET_STATUS:
		return lvh_msg_decode_status(ctx, m, &u.status);
	case LIBVHOST_USER_GET_SHARED_OBJECT:
		return lvh_msg_decode_uuid(ctx, m, LVH_DIR_FRONTEND, &u.uuid);
	case LIBVHOST_USER_SET_DEVICE_STATE_FD:
		return lvh_msg_decode_device_state(ctx, m, &u.dstate);
	default:
		return 0; /* no payload beyond what the table checked */
	}
}

static int backend_request(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	union {
		struct lvh_iotlb iotlb;
		struct lvh_vring_area area;
		struct lvh_uuid uuid;
		struct lvh_shmem_map map;
		uint32_t index;
	} u;

	switch (m->request) {
	case LIBVHOST_USER_BACKEND_IOTLB_MSG:
		return lvh_msg_decode_iotlb(ctx, m, LVH_DIR_BACKEND, &u.iotlb);
	case LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG:
		return lvh_msg_decode_vring_area(ctx, m, &u.area);
	case LIBVHOST_USER_BACKEND_VRING_CALL:
	case LIBVHOST_USER_BACKEND_VRING_ERR:
		return lvh_msg_decode_backend_vring(ctx, m, &u.index);
	case LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD:
	case LIBVHOST_USER_BACKEND_SHARED_OBJECT_REMOVE:
	case LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP:
		return lvh_msg_decode_uuid(ctx, m, LVH_DIR_BACKEND, &u.uuid);
	case LIBVHOST_USER_BACKEND_SHMEM_MAP:
	case LIBVHOST_USER_BACKEND_SHMEM_UNMAP:
		return lvh_msg_decode_shmem_map(ctx, m, &u.map);
	default:
		return 0;
	}
}

int fuzz_decode_request(const struct libvhost_ctx *ctx, enum lvh_dir dir, const struct lvh_msg *m,
			uint64_t proto, bool xen)
{
	int r = lvh_proto_check_request(ctx, dir, m, proto);

	if (r < 0)
		return r;
	return dir == LVH_DIR_FRONTEND ? frontend_request(ctx, m, xen) : backend_request(ctx, m);
}

/* Replies: the kind and decoder follow from the request code. */
int fuzz_decode_reply(const struct libvhost_ctx *ctx, enum lvh_dir dir, const struct lvh_msg *m,
		      uint64_t proto, bool xen)
{
	const struct lvh_proto_row *row = lvh_proto_lookup(dir, m->request);
	enum lvh_reply_kind kind;
	union {
		struct lvh_mem_table table;
		struct lvh_mem_region region;
		struct lvh_vring_state state;
		struct lvh_config config;
		struct lvh_inflight inflight;
		uint64_t u64;
		uint32_t n;
		uint8_t status;
		int64_t id;
	} u;
	int r;

	if (!row)
		return -EOPNOTSUPP;
	/* an ack, or the body the request's row promises: the low proto bit picks */
	kind = (row->reply == LVH_REPLY_ACK || (row->reply == LVH_REPLY_STATE && (proto & 1)))
		       ? LVH_REPLY_KIND_ACK
		       : LVH_REPLY_KIND_BODY;
	r = lvh_proto_check_reply(ctx, dir, m->request, kind, m);
	if (r < 0 || kind == LVH_REPLY_KIND_ACK)
		return r;
	if (dir == LVH_DIR_BACKEND)
		return row->request == LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP
			       ? lvh_msg_decode_shared_object_reply(ctx, m)
			       : 0;
	switch (m->request) {
	case LIBVHOST_USER_GET_FEATURES:
	case LIBVHOST_USER_GET_PROTOCOL_FEATURES:
	case LIBVHOST_USER_SET_LOG_BASE:
		return lvh_msg_get_u64(ctx, m, &u.u64);
	case LIBVHOST_USER_GET_QUEUE_NUM:
		return lvh_msg_decode_queue_num(ctx, m, &u.n);
	case LIBVHOST_USER_GET_MAX_MEM_SLOTS:
		return lvh_msg_decode_max_mem_slots(ctx, m, &u.n);
	case LIBVHOST_USER_SET_MEM_TABLE:
		return lvh_msg_decode_mem_table(ctx, m, xen, false, &u.table);
	case LIBVHOST_USER_ADD_MEM_REG:
		return lvh_msg_decode_mem_region(ctx, m, xen, &u.region);
	case LIBVHOST_USER_GET_VRING_BASE:
		return lvh_msg_decode_vring_state(ctx, m, &u.state);
	case LIBVHOST_USER_GET_CONFIG: {
		uint32_t off = 0, size = 0;

		/* ask for what the reply claims, so the size check runs on both paths */
		if (m->size >= 8) {
			memcpy(&off, m->payload.bytes, 4);
			memcpy(&size, m->payload.bytes + 4, 4);
		}
		return lvh_msg_decode_config_reply(ctx, m, off, size, &u.config);
	}
	case LIBVHOST_USER_CREATE_CRYPTO_SESSION:
		return lvh_msg_decode_crypto_session_reply(ctx, m, &u.id);
	case LIBVHOST_USER_POSTCOPY_ADVISE:
		return lvh_msg_decode_postcopy_advise_reply(ctx, m);
	case LIBVHOST_USER_POSTCOPY_END:
		return lvh_msg_decode_postcopy_end_reply(ctx, m);
	case LIBVHOST_USER_GET_INFLIGHT_FD:
		return lvh_msg_decode_inflight(ctx, m, true, m->size & 1, &u.inflight);
	case LIBVHOST_USER_GET_STATUS:
		return lvh_msg_decode_status(ctx, m, &u.status);
	case LIBVHOST_USER_GET_SHARED_OBJECT:
		return lvh_msg_decode_shared_object_reply(ctx, m);
	case LIBVHOST_USER_SET_DEVICE_STATE_FD:
		return lvh_msg_decode_device_state_reply(ctx, m);
	case LIBVHOST_USER_CHECK_DEVICE_STATE:
		return lvh_msg_decode_check_device_state_reply(ctx, m);
	case LIBVHOST_USER_GET_SHMEM_CONFIG:
		return lvh_msg_decode_shmem_config(ctx, m, &shmem_cfg);
	default:
		return 0;
	}
}
