/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user back-end's state and the calls its parts offer each other.
 * The parts, each a file:
 *
 *   backend.c            the handle: new, ref/unref, the getters
 *   backend-session.c    the front-end's socket: listen, connect, accept,
 *                        receive, the dispatch table, replies, the end of a
 *                        session; the back-end channel's fd
 *   backend-req-*.c      the front-end's requests, one file per message
 *                        family (as lib/proto's msg-*.c): features, mem,
 *                        vring, config, log, inflight, state; their handlers
 *                        are listed in backend-req.h, for the table alone
 *   backend-vring.c      the rings' lifecycle: start, stop, reset, remap
 *   backend-vq.c         the data path: the public libvhost_vq_* calls
 *   backend-chan.c       the back-end's own requests (SET_BACKEND_REQ_FD)
 *   backend-iotlb.c      the device IOTLB
 *   backend-devreq.c     requests of particular device types
 *   backend-postcopy.c   postcopy (--enable-postcopy)
 *   backend-xen.c        Xen mappings (--enable-xen)
 *
 * A part calls another only through what its section below lists; the
 * structs are everyone's.
 */
#ifndef LIBVHOST_USER_BACKEND_H
#define LIBVHOST_USER_BACKEND_H

#include <pthread.h>
#include <unistd.h>

#include "libvhost-private.h"
#include "proto/proto.h"
#include "ring/layout.h"
#include "ring/vq.h"

struct lvh_mem_region; /* proto/msg-mem.h */

#define BE_DEFAULT_TIMEOUT_MS 5000
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
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_GPA_ADDRESSES) |                                     \
	 LVH_BIT(LIBVHOST_USER_PROTOCOL_F_GET_VRING_BASE_INFLIGHT) | BE_PROTO_POSTCOPY | BE_PROTO_XEN)
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
	/*
	 * What get_fd() gives, the same for the back-end's life: an epoll set
	 * holding the one fd process() serves next (the listening socket, the
	 * front-end's, or a device state pipe), so it polls readable exactly
	 * when process() has work, whichever way that fd must be waited on.
	 */
	int epfd, watched;
	/*
	 * When the front-end must have finished its half-sent message, sent
	 * its postcopy acknowledgement, or moved its device state transfer
	 * (ms of CLOCK_MONOTONIC, 0: none); tfd, a timerfd in epfd, makes
	 * get_fd() readable then.
	 */
	int64_t deadline;
	int tfd;
	struct lvh_wire_rx rx; /* the front-end's message being received */
	struct lvh_msg rxm;
	int chan; /* SET_BACKEND_REQ_FD's socket, or -1 */
	pthread_mutex_t chan_lock; /* device threads send on it too */
	/*
	 * The VIRTIO shared memory regions' sizes by shmid as the back-end last
	 * declared them (GET_SHMEM_CONFIG's reply), or NULL before; under
	 * chan_lock, for SHMEM_MAP/UNMAP's bounds.
	 */
	uint64_t *shmem_sizes;
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
	int state_fd; /* SET_DEVICE_STATE_FD's fd while its transfer runs, or -1 */
	uint32_t state_dir;
	int state_result; /* what CHECK_DEVICE_STATE reports */
	int state_buf; /* the state in a memfd: the device's to send, or the front-end's so far */
	off_t state_off; /* bytes of it sent (save) or received (load) */
	void *ifl_map; /* the inflight area (INFLIGHT_SHMFD) */
	size_t ifl_len;
	uint8_t *ifl_area; /* where its first queue's region starts */
	uint16_t ifl_queues, ifl_qsize;
	struct lvh_vq_xlate xl; /* the device IOTLB, for the rings */
	struct be_iotlb_entry *iotlb; /* sorted by iova, not overlapping */
	unsigned int iotlb_n, iotlb_cap;
	uint64_t iotlb_missed; /* the last miss reported, +1 (0: none since the last update) */
	struct libvhost_backend_stats stats; /* log_pages is log.pages; iotlb_misses atomic */
	/*
	 * Another transport that serves the back-end's rings (lib/vduse): how
	 * a ring tells its driver, in place of a call fd.  NULL: vhost-user's.
	 */
	int (*vq_signal)(void *opaque, unsigned int index);
	void *signal_opaque;
#if LIBVHOST_HAS_POSTCOPY
	int pc_ufd; /* POSTCOPY_ADVISE's userfaultfd, or -1 */
	bool pc_listening; /* POSTCOPY_LISTEN: memory requests reply with our bases */
	bool pc_table_ack; /* SET_MEM_TABLE replied: its acknowledgement is the next message */
#endif
#if LIBVHOST_HAS_XEN
	struct lvh_xen_map *xen; /* maps the regions while XEN_MMAP is negotiated */
#endif
};

static inline void lvh_be_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- backend-vring.c: the rings' lifecycle ---- */

/* Every ring's lock (LIBVHOST_BACKEND_F_THREADED), in index order. */
void lvh_be_vqs_lock(struct libvhost_backend *be);
void lvh_be_vqs_unlock(struct libvhost_backend *be);
/*
 * Lays the ring out in guest memory; the front-end's addresses must all map.
 * -EAGAIN: an IOTLB miss was reported; the ring starts when the update comes.
 */
int lvh_be_vq_start(struct libvhost_backend *be, struct libvhost_vq *vq);
/* Stopped: what the device pushed is published (no call), the kick fd closed. */
void lvh_be_vq_stop(struct libvhost_vq *vq);
/* Stopped, and every fd and address the front-end gave forgotten. */
void lvh_be_vq_reset(struct libvhost_vq *vq);
/*
 * A running ring's addresses again (its indexes stay).  -EAGAIN: paused
 * until the IOTLB entries come; -EPROTO: they are outside guest memory,
 * and the ring reads what it read before.
 */
int lvh_be_vq_remap(struct libvhost_backend *be, struct libvhost_vq *vq);
/*
 * After the memory table or the IOTLB changed: the running rings' addresses
 * again; a ring whose memory went away is broken, one whose IOTLB entries
 * went away waits for them (paused); rings started but waiting for their
 * first IOTLB entries start now if they can.
 */
void lvh_be_vqs_remap(struct libvhost_backend *be);
/* Has the device look at the ring again (buffers it could not take before). */
void lvh_be_vq_wake(struct libvhost_vq *vq);
/* What GET_VRING_BASE answers (packed: the wrap counters and the used index too). */
uint32_t lvh_be_vq_base(const struct libvhost_vq *vq);
/* Whether a ring runs (logged at ERR as the front-end's, naming @what). */
bool lvh_be_any_ring_started(struct libvhost_backend *be, const char *what);

/* ---- backend-session.c: the front-end's socket ---- */

/* Sends the reply to a request: 1, or -ECONNRESET when the front-end is gone. */
int lvh_be_send_reply(struct libvhost_backend *be, struct lvh_msg *rep);
/* The reply to @m with the u64 @v: 1, or -ECONNRESET. */
int lvh_be_reply_u64(struct libvhost_backend *be, const struct lvh_msg *m, uint64_t v);
/* The session's fds (get_fd()'s epoll set, its timer): 0 or -errno; and their end. */
int lvh_be_session_init(struct libvhost_backend *be);
void lvh_be_session_fini(struct libvhost_backend *be);
/* process() serves @fd next, waiting for @events (EPOLLIN/EPOLLOUT): 0 or a negative errno. */
int lvh_be_watch(struct libvhost_backend *be, int fd, uint32_t events);
/* process() is called by @ms from now (0: no deadline), whatever the front-end does. */
void lvh_be_deadline(struct libvhost_backend *be, int ms);
/* Whether the deadline passed. */
bool lvh_be_deadline_passed(const struct libvhost_backend *be);
/* Connects to be->path (a client back-end): 0 or a negative errno. */
int lvh_be_dial(struct libvhost_backend *be);
/*
 * The device back to its initial state: rings, status, acked features.
 * What belongs to the connection stays: protocol features, the back-end
 * channel, and the memory table, log and inflight area, which front-ends
 * keep shadows of and do not send again after RESET_DEVICE or RESET_OWNER
 * (QEMU sends only the differences from its shadow table).
 */
void lvh_be_device_reset(struct libvhost_backend *be);

/* ---- backend-req-log.c, backend-req-inflight.c, backend-req-state.c ---- */

/* The log's mapping gone (logging off). */
void lvh_be_log_unmap(struct libvhost_backend *be);
/* Logging on iff a log is mapped and LOG_ALL acked. */
void lvh_be_log_update(struct libvhost_backend *be);
void lvh_be_inflight_unmap(struct libvhost_backend *be);
/*
 * The transfer SET_DEVICE_STATE_FD set up, once the front-end has its reply:
 * started (the device's state taken, or a buffer made for the front-end's),
 * then moved on by lvh_be_state_step() whenever the pipe is ready, from
 * process(), never waiting; the session's socket is served again once it ended.
 */
void lvh_be_state_transfer(struct libvhost_backend *be);
/* 1 if the transfer moved (or ended: past its deadline too), 0 if the pipe was not ready. */
int lvh_be_state_step(struct libvhost_backend *be);
/* The transfer given up (the session ends), or ended: its fds closed. */
void lvh_be_state_close(struct libvhost_backend *be);

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
/*
 * IOTLB_MSG: updates or invalidates the table, nothing else (the rings
 * translate anew in the session's handler): 1 an update, 0 an invalidation,
 * or a negative errno.
 */
int lvh_be_iotlb_msg(struct libvhost_backend *be, const struct lvh_msg *m);
void lvh_be_iotlb_clear(struct libvhost_backend *be);
void lvh_be_iotlb_init(struct libvhost_backend *be);

/* ---- backend-devreq.c: requests of particular device types ---- */

/* The protocol features the device's ops (and LIBVHOST_BACKEND_F_* @flags) answer. */
uint64_t lvh_be_devreq_features(const struct libvhost_backend_ops *ops, uint64_t flags);
/* As a request handler (user/backend-req.h); -ENOSYS when @m is not one of them. */
int lvh_be_devreq(struct libvhost_backend *be, struct lvh_msg *m);

/* ---- backend-chan.c ---- */

/*
 * Sends a back-end request; with REPLY_ACK waits for its ack, and for a
 * request with a reply of its own (SHARED_OBJECT_LOOKUP) waits for that
 * always, into *@rep (checked by the table and the family's codec; its fds
 * the caller's).  Waits are bounded by the back-end's timeout; a request
 * needing no answer is sent only if the socket takes it at once.  Returns 0,
 * 1 the front-end's ack was non-zero (it refused), or: -EOPNOTSUPP not
 * negotiated, -ENOTCONN no channel, -ETIMEDOUT no room or no answer in time,
 * -EPROTO/-EBADMSG a malformed answer, -ECONNRESET the front-end hung up;
 * the channel is closed after any of the last three.
 */
int lvh_be_chan_send(struct libvhost_backend *be, struct lvh_msg *m, struct lvh_msg *rep);
/* The same, as the LIBVHOST_0.1 calls report it: -EIO refused, -ENOTCONN any failure. */
int lvh_be_chan_call(struct libvhost_backend *be, struct lvh_msg *m);
/* In-band VRING_CALL / VRING_ERR (INBAND_NOTIFICATIONS); -EOPNOTSUPP if not negotiated. */
int lvh_be_chan_vring(struct libvhost_backend *be, uint32_t request, unsigned int index);
void lvh_be_chan_close(struct libvhost_backend *be);

#if LIBVHOST_HAS_POSTCOPY
/* ---- backend-postcopy.c (--enable-postcopy) ---- */

/* POSTCOPY_ADVISE, _LISTEN, _END; returns as a request handler does. */
int lvh_be_postcopy_request(struct libvhost_backend *be, const struct lvh_msg *m);
bool lvh_be_postcopy_listening(const struct libvhost_backend *be);
/*
 * In listen mode, after SET_MEM_TABLE or ADD_MEM_REG mapped the @n regions
 * @regs it carried, as the codec decoded them (@err: how mapping went): the
 * reply with our bases, and the regions left for the acknowledgement that
 * follows (the next message after SET_MEM_TABLE, after the front-end's
 * last ADD_MEM_REG), which lvh_be_postcopy_gate() takes and registers
 * them: never waited for here.  Returns 1 (replied) or an errno that ends the
 * session.
 */
int lvh_be_postcopy_mem(struct libvhost_backend *be, const struct lvh_msg *m,
			const struct lvh_mem_region *regs, unsigned int n, int err);
/*
 * Before a request is checked: the acknowledgement of SET_MEM_TABLE (the
 * next message, a u64 0 under its code) or of ADD_MEM_REGs (a u64 0 under
 * ADD_MEM_REG's or REM_MEM_REG's code) registers the regions waiting for
 * it and returns 1; any other message while regions wait is -EPROTO;
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
