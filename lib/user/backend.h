/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's state, shared by backend.c (the front-end's requests),
 * backend-chan.c (the back-end's own requests, on the channel the front-end
 * gives with SET_BACKEND_REQ_FD) and backend-iotlb.c (the device IOTLB).
 */
#ifndef LIBVHOST_USER_BACKEND_H
#define LIBVHOST_USER_BACKEND_H

#include <pthread.h>

#include "libvhost-private.h"
#include "proto/proto.h"
#include "ring/vq.h"

struct lvh_mem_region; /* proto/msg-mem.h */

#define BE_DEFAULT_TIMEOUT_MS 5000
#define F_PROTOCOL_FEATURES 30
#define F_EVENT_IDX 29
#define F_RING_PACKED 34
#define BE_MAX_SLOTS LIBVHOST_MEM_MAX_REGIONS

#if LIBVHOST_HAS_POSTCOPY
#define BE_PROTO_POSTCOPY LVH_BIT(LIBVHOST_USER_PROTOCOL_F_PAGEFAULT)
#else
#define BE_PROTO_POSTCOPY 0
#endif

#if LIBVHOST_HAS_XEN
#define BE_PROTO_XEN LVH_BIT(LIBVHOST_USER_PROTOCOL_F_XEN_MMAP)
#else
#define BE_PROTO_XEN 0
#endif

/* What this back-end implements, offered unless the caller narrows it. */
#define BE_PROTO_IMPLEMENTED                                                                   \
	(LVH_BIT(LIBVHOST_USER_PROTOCOL_F_MQ) | LVH_BIT(LIBVHOST_USER_PROTOCOL_F_REPLY_ACK) |  \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_CONFIG) |                                            \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS) |                               \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_STATUS) | LVH_BIT(LIBVHOST_USER_PROTOCOL_F_RESET_DEVICE) | \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_LOG_SHMFD) |                                         \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_DEVICE_STATE) |                                      \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD) |                                    \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_BACKEND_REQ) |                                       \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_BACKEND_SEND_FD) |                                   \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_HOST_NOTIFIER) |                                     \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS) |                              \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_GPA_ADDRESSES) | BE_PROTO_POSTCOPY | BE_PROTO_XEN)
/* Implemented, offered only when the caller asks (see libvhost_backend_opts) */
#define BE_PROTO_OPT_IN LVH_BIT(LIBVHOST_USER_PROTOCOL_F_GPA_ADDRESSES)

struct libvhost_vq {
	struct libvhost_backend *be;
	unsigned int index;
	struct lvh_vq ring;
	bool running; /* ring initialised from the addresses below */
	bool paused; /* running, but its IOTLB entries went away: pop waits */
	pthread_mutex_t lock; /* LIBVHOST_BACKEND_F_THREADED: pop, push, notify vs. process() */
	bool started, enabled;
	bool kicks_off; /* libvhost_vq_set_kicks(0): kept across ring restarts */
	uint32_t num, base;
	uint64_t desc, avail, used; /* front-end user addresses */
	int kick_fd, call_fd, err_fd;
};

struct libvhost_backend {
	int refcount;
	struct libvhost_ctx *ctx;
	struct libvhost_backend_ops ops;
	void *userdata;
	uint64_t features, proto_offered, proto, acked;
	unsigned int queue_num;
	int timeout_ms;
	int listen_fd, sock;
	int chan; /* SET_BACKEND_REQ_FD's socket, or -1 */
	pthread_mutex_t chan_lock; /* device threads send on it too */
	char *path;
	bool client; /* connect to path again when the front-end goes */
	bool threaded; /* LIBVHOST_BACKEND_F_THREADED */
	bool acked_features_set;
	uint8_t status;
	/*
	 * Guest memory: every region the front-end sent, mapped, checked and
	 * owned by lib/mem, translated there from guest and from front-end
	 * user addresses.  Changes only with every ring's lock held.
	 */
	struct libvhost_mem *mem;
	struct libvhost_vq *vqs;
	struct lvh_dirty_log log;
	void *log_map;
	size_t log_map_len;
	int log_fd; /* signalled after logging (SET_LOG_FD) */
	int state_fd; /* SET_DEVICE_STATE_FD: the transfer to run after the reply */
	uint32_t state_dir;
	int state_result; /* what CHECK_DEVICE_STATE reports */
	void *ifl_map; /* the inflight area (INFLIGHT_SHMFD) */
	size_t ifl_len;
	uint8_t *ifl_area; /* where its first queue's region starts */
	uint16_t ifl_queues, ifl_qsize;
	struct lvh_vq_xlate xl; /* the device IOTLB, for the rings */
	struct be_iotlb_entry *iotlb; /* sorted by iova, not overlapping */
	unsigned int iotlb_n, iotlb_cap;
	uint64_t iotlb_missed; /* the last miss reported, +1 (0: none since the last update) */
	struct libvhost_backend_stats stats; /* log_pages is log.pages; iotlb_misses atomic */
#if LIBVHOST_HAS_POSTCOPY
	int pc_ufd; /* POSTCOPY_ADVISE's userfaultfd, or -1 */
	bool pc_listening; /* POSTCOPY_LISTEN: memory requests reply with our bases */
#endif
#if LIBVHOST_HAS_XEN
	struct lvh_xen_map *xen; /* maps the regions while XEN_MMAP is negotiated */
#endif
};

/* ---- backend.c ---- */

int lvh_be_vq_start(struct libvhost_backend *be, struct libvhost_vq *vq);
void lvh_be_vqs_remap(struct libvhost_backend *be);
void lvh_be_vq_wake(struct libvhost_vq *vq);

/* ---- backend-iotlb.c: the device IOTLB (VIRTIO_F_ACCESS_PLATFORM) ---- */

struct be_iotlb_entry {
	uint64_t iova, size, uaddr;
	uint8_t perm;
};

/* Whether ring and buffer addresses are IOVAs (ACCESS_PLATFORM acked). */
bool lvh_be_iotlb_on(const struct libvhost_backend *be);
/* As struct lvh_vq_xlate's map and miss. */
void *lvh_be_iotlb_map(struct libvhost_backend *be, uint64_t iova, uint64_t len, bool write,
		       uint64_t *contig, uint64_t *gpa);
bool lvh_be_iotlb_miss(struct libvhost_backend *be, uint64_t iova, bool write);
/* IOTLB_MSG: update or invalidate. */
int lvh_be_iotlb_msg(struct libvhost_backend *be, const struct lvh_msg *m);
void lvh_be_iotlb_clear(struct libvhost_backend *be);
void lvh_be_iotlb_init(struct libvhost_backend *be);

/* Sends the reply to a request: 1, or -ECONNRESET when the front-end is gone. */
int lvh_be_send_reply(struct libvhost_backend *be, struct lvh_msg *rep);

/* ---- backend-devreq.c: requests of particular device types ---- */

/* The protocol features the device's ops answer. */
uint64_t lvh_be_devreq_features(const struct libvhost_backend_ops *ops);
/* As dispatch(); -ENOSYS when @m is not one of them. */
int lvh_be_devreq(struct libvhost_backend *be, struct lvh_msg *m);

/* ---- backend-chan.c ---- */

/* Sends a back-end request; with REPLY_ACK waits for its ack.  -EOPNOTSUPP without a channel. */
int lvh_be_chan_call(struct libvhost_backend *be, struct lvh_msg *m);
/* In-band VRING_CALL / VRING_ERR (INBAND_NOTIFICATIONS); -EOPNOTSUPP if not negotiated. */
int lvh_be_chan_vring(struct libvhost_backend *be, uint32_t request, unsigned int index);
void lvh_be_chan_close(struct libvhost_backend *be);

#if LIBVHOST_HAS_POSTCOPY
/* ---- backend-postcopy.c (--enable-postcopy) ---- */

/* POSTCOPY_ADVISE, _LISTEN, _END; returns as dispatch() does. */
int lvh_be_postcopy_request(struct libvhost_backend *be, const struct lvh_msg *m);
bool lvh_be_postcopy_listening(const struct libvhost_backend *be);
/*
 * In listen mode, after SET_MEM_TABLE or ADD_MEM_REG mapped the @n regions
 * @regs it carried, as the codec decoded them (@err: how mapping went): the
 * reply with our bases; for SET_MEM_TABLE the front-end's acknowledgement
 * and the regions registered, for ADD_MEM_REG the region left for the
 * acknowledgement that follows the front-end's last ADD_MEM_REG
 * (lvh_be_postcopy_gate()).  Returns 1 (replied) or an errno that ends the
 * session.
 */
int lvh_be_postcopy_mem(struct libvhost_backend *be, const struct lvh_msg *m,
			const struct lvh_mem_region *regs, unsigned int n, int err);
/*
 * Before a request is checked: the acknowledgement of ADD_MEM_REGs (a u64 0
 * under ADD_MEM_REG's or REM_MEM_REG's code) registers the regions waiting
 * for it and returns 1; any other request while regions wait is -EPROTO;
 * else 0.
 */
int lvh_be_postcopy_gate(struct libvhost_backend *be, const struct lvh_msg *m);
/* Unregisters, closes the userfaultfd, leaves listen mode. */
void lvh_be_postcopy_close(struct libvhost_backend *be);
#endif

#if LIBVHOST_HAS_XEN
/* ---- backend-xen.c (--enable-xen) ---- */

struct lvh_xen_map_ops;

int lvh_be_xen_init(struct libvhost_backend *be);
void lvh_be_xen_fini(struct libvhost_backend *be);
/* The end of a session, after the memory table is cleared: the Xen handles closed. */
void lvh_be_xen_close(struct libvhost_backend *be);
/*
 * Maps a region of the Xen layout and adds it to be->mem (the region's fd
 * is not used).  Errors: -EPROTO a region the front-end should not have
 * sent; as lvh_xen_map_region() otherwise.
 */
int lvh_be_xen_region_map(struct libvhost_backend *be, const struct lvh_mem_region *in);
/*
 * Unit tests: the map ops of the next regions (NULL: xenforeignmemory and
 * xengnttab).  Not exported.
 */
void lvh_be_xen_set_map_ops(struct libvhost_backend *be, const struct lvh_xen_map_ops *ops,
			    void *userdata);
#endif

#endif
