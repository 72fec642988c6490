/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libvhost - vhost-user, kernel vhost and vDPA in one C library.
 *
 * The handles: a context (logging), guest memory tables, driver-side
 * virtqueues, and five devices - the vhost-user front-end and back-end,
 * kernel vhost, vDPA, and VDUSE (a device the host kernel drives).  The three a driver or VMM uses (front-end, kernel
 * vhost, vDPA) each hand out one struct libvhost_dev: the same
 * libvhost_dev_* calls, with the same ring state rules, set a device up over
 * any of them, so a VMM writes its vring set-up once.
 *
 * Conventions (see README.md):
 *  - Every handle is opaque and reference counted; _unref() returns NULL and
 *    accepts NULL.
 *  - Fallible functions return an int: >= 0 on success, a negative errno on
 *    failure.  Objects come back through a trailing out-parameter, which is
 *    written only on success.
 *  - The errno vocabulary, used by every function:
 *      -EINVAL      the caller misused the API (bad argument, bad state)
 *      -ENOMEM      out of memory
 *      -EPROTO      the peer sent a malformed or out-of-sequence message
 *      -EBADMSG     a message had the wrong size or the wrong number of fds
 *      -EOPNOTSUPP  the request is unknown or was not negotiated
 *      -ENOSPC      a limit was reached (regions, queues, payload size)
 *      -ECONNRESET, -EPIPE   the peer went away
 *      -ETIMEDOUT   the peer did not answer in time
 *      -EIO         the peer answered with a failure
 *      -EEXIST      the object overlaps one that exists
 *  - Threads: the library has no global state.  One object may be used by
 *    one thread at a time; independent objects may be used in parallel.
 *    Callbacks run on the thread that called into the library.  The library
 *    creates no threads and installs no signal handlers.
 *  - Extensible inputs are structs whose first member is `size_t sz`; use
 *    LIBVHOST_OPTS() to declare them.  Unknown trailing bytes must be zero.
 */
#ifndef LIBVHOST_H
#define LIBVHOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "libvhost-build.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 3
#define LIBVHOST_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LIBVHOST_PRINTF(a, b)
#endif

/*
 * Declares an option struct of type `struct TYPE`, named NAME, with its size
 * member filled in and every other member zero unless named in the
 * designated initialisers that follow:
 *
 *	LIBVHOST_OPTS(libvhost_ctx_opts, opts, .log_priority = LOG_DEBUG);
 *
 * Every option struct is made of 8-byte members only, so it has no padding
 * for stray bytes to hide in.
 */
#define LIBVHOST_OPTS(TYPE, NAME, ...) struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }

/* ------------------------------------------------------------------------ */
/* Library                                                                   */

/*
 * libvhost_version - the library's version, as "MAJOR.MINOR[.MICRO]".
 *
 * Returns: a static string.
 * Since: LIBVHOST_0.1
 */
const char *libvhost_version(void);

/* ------------------------------------------------------------------------ */
/* Context: logging and user data.  Every other handle is made from one.     */

struct libvhost_ctx;

/*
 * Log callback.  `priority` is a syslog priority (LOG_ERR = 3 ... LOG_DEBUG =
 * 7); file/line/func name the place in libvhost that logged.  The callback is
 * only called for messages at or above the context's priority.
 */
typedef void (*libvhost_log_fn)(void *userdata, int priority, const char *file, int line,
				const char *func, const char *format, va_list args);

struct libvhost_ctx_opts {
	size_t sz;
	/* Log callback; NULL logs to stderr. */
	libvhost_log_fn log_fn;
	/* Passed to log_fn. */
	void *log_userdata;
	/*
	 * Highest syslog priority that is logged; 0 means the default: the
	 * LIBVHOST_LOG environment variable ("err", "warning", "notice",
	 * "info", "debug" or a number), else LOG_ERR.
	 */
	int64_t log_priority;
};
#define libvhost_ctx_opts__last_field log_priority

/*
 * libvhost_ctx_new - create a context.
 * @opts: options, or NULL for the defaults.
 * @ret: the new context, with one reference.
 *
 * LIBVHOST_LOG is read here, once, with secure_getenv().
 *
 * Errors: -EINVAL (bad opts: sz too small, unknown non-zero bytes, priority
 * out of range), -ENOMEM.
 * Since: LIBVHOST_0.1
 */
int libvhost_ctx_new(const struct libvhost_ctx_opts *opts, struct libvhost_ctx **ret);

/* Since: LIBVHOST_0.1.  NULL-safe; returns its argument. */
struct libvhost_ctx *libvhost_ctx_ref(struct libvhost_ctx *ctx);

/* Since: LIBVHOST_0.1.  NULL-safe; returns NULL. */
struct libvhost_ctx *libvhost_ctx_unref(struct libvhost_ctx *ctx);

/* Since: LIBVHOST_0.1.  The library never dereferences userdata. */
void libvhost_ctx_set_userdata(struct libvhost_ctx *ctx, void *userdata);

/* Since: LIBVHOST_0.1.  Returns NULL for a NULL ctx. */
void *libvhost_ctx_get_userdata(const struct libvhost_ctx *ctx);

/*
 * libvhost_ctx_set_log_fn - replace the log callback.
 * @fn: the callback; NULL restores logging to stderr.
 * @userdata: passed to @fn.
 *
 * Since: LIBVHOST_0.1
 */
void libvhost_ctx_set_log_fn(struct libvhost_ctx *ctx, libvhost_log_fn fn, void *userdata);

/*
 * libvhost_ctx_set_log_priority - set the highest priority that is logged.
 * @priority: LOG_EMERG (0) to LOG_DEBUG (7).
 *
 * Errors: -EINVAL (NULL ctx, priority out of range).
 * Since: LIBVHOST_0.1
 */
int libvhost_ctx_set_log_priority(struct libvhost_ctx *ctx, int priority);

/*
 * Returns: the context's log priority, or -EINVAL for a NULL ctx.
 * Since: LIBVHOST_0.1
 */
int libvhost_ctx_get_log_priority(const struct libvhost_ctx *ctx);

/* ------------------------------------------------------------------------ */
/* The vhost-user protocol: constants and its message table.                */

/* Header flags. */
#define LIBVHOST_USER_VERSION 0x1u
#define LIBVHOST_USER_VERSION_MASK 0x3u
#define LIBVHOST_USER_FLAG_REPLY (1u << 2)
#define LIBVHOST_USER_FLAG_NEED_REPLY (1u << 3)

/* Limits that libvhost enforces on every connection. */
#define LIBVHOST_USER_HDR_SIZE 12u
#define LIBVHOST_USER_MAX_PAYLOAD 4096u
#define LIBVHOST_USER_MAX_FDS 8u
#define LIBVHOST_USER_MAX_VRINGS 0x8000u
#define LIBVHOST_USER_MEM_TABLE_MAX_REGIONS 8u
#define LIBVHOST_USER_MAX_MEM_SLOTS 509u
#define LIBVHOST_USER_MAX_CONFIG_SIZE (LIBVHOST_USER_MAX_PAYLOAD - 12u)
#define LIBVHOST_USER_MAX_SHMEM_REGIONS 256u

/* Virtio feature bits that vhost-user gives a meaning to (bit numbers). */
#define LIBVHOST_F_LOG_ALL 26
#define LIBVHOST_USER_F_PROTOCOL_FEATURES 30
#define LIBVHOST_F_ACCESS_PLATFORM 33

/* Vring fd messages (SET_VRING_KICK/CALL/ERR): index in bits 0-7. */
#define LIBVHOST_USER_VRING_IDX_MASK 0xffu
#define LIBVHOST_USER_VRING_NOFD_MASK (1u << 8)

/* SET_VRING_ADDR flags. */
#define LIBVHOST_VRING_F_LOG 0

/* Front-end requests (front-end -> back-end). */
#define LIBVHOST_USER_GET_FEATURES 1
#define LIBVHOST_USER_SET_FEATURES 2
#define LIBVHOST_USER_SET_OWNER 3
#define LIBVHOST_USER_RESET_OWNER 4
#define LIBVHOST_USER_SET_MEM_TABLE 5
#define LIBVHOST_USER_SET_LOG_BASE 6
#define LIBVHOST_USER_SET_LOG_FD 7
#define LIBVHOST_USER_SET_VRING_NUM 8
#define LIBVHOST_USER_SET_VRING_ADDR 9
#define LIBVHOST_USER_SET_VRING_BASE 10
#define LIBVHOST_USER_GET_VRING_BASE 11
#define LIBVHOST_USER_SET_VRING_KICK 12
#define LIBVHOST_USER_SET_VRING_CALL 13
#define LIBVHOST_USER_SET_VRING_ERR 14
#define LIBVHOST_USER_GET_PROTOCOL_FEATURES 15
#define LIBVHOST_USER_SET_PROTOCOL_FEATURES 16
#define LIBVHOST_USER_GET_QUEUE_NUM 17
#define LIBVHOST_USER_SET_VRING_ENABLE 18
#define LIBVHOST_USER_SEND_RARP 19
#define LIBVHOST_USER_NET_SET_MTU 20
#define LIBVHOST_USER_SET_BACKEND_REQ_FD 21
#define LIBVHOST_USER_IOTLB_MSG 22
#define LIBVHOST_USER_SET_VRING_ENDIAN 23
#define LIBVHOST_USER_GET_CONFIG 24
#define LIBVHOST_USER_SET_CONFIG 25
#define LIBVHOST_USER_CREATE_CRYPTO_SESSION 26
#define LIBVHOST_USER_CLOSE_CRYPTO_SESSION 27
#define LIBVHOST_USER_POSTCOPY_ADVISE 28
#define LIBVHOST_USER_POSTCOPY_LISTEN 29
#define LIBVHOST_USER_POSTCOPY_END 30
#define LIBVHOST_USER_GET_INFLIGHT_FD 31
#define LIBVHOST_USER_SET_INFLIGHT_FD 32
#define LIBVHOST_USER_GPU_SET_SOCKET 33
#define LIBVHOST_USER_RESET_DEVICE 34
#define LIBVHOST_USER_VRING_KICK 35
#define LIBVHOST_USER_GET_MAX_MEM_SLOTS 36
#define LIBVHOST_USER_ADD_MEM_REG 37
#define LIBVHOST_USER_REM_MEM_REG 38
#define LIBVHOST_USER_SET_STATUS 39
#define LIBVHOST_USER_GET_STATUS 40
#define LIBVHOST_USER_GET_SHARED_OBJECT 41
#define LIBVHOST_USER_SET_DEVICE_STATE_FD 42
#define LIBVHOST_USER_CHECK_DEVICE_STATE 43
#define LIBVHOST_USER_GET_SHMEM_CONFIG 44
/* The old name of SET_BACKEND_REQ_FD. */
#define LIBVHOST_USER_SET_SLAVE_REQ_FD LIBVHOST_USER_SET_BACKEND_REQ_FD

/* Back-end requests (back-end -> front-end, on the SET_BACKEND_REQ_FD socket). */
#define LIBVHOST_USER_BACKEND_IOTLB_MSG 1
#define LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG 2
#define LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG 3
#define LIBVHOST_USER_BACKEND_VRING_CALL 4
#define LIBVHOST_USER_BACKEND_VRING_ERR 5
#define LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD 6
#define LIBVHOST_USER_BACKEND_SHARED_OBJECT_REMOVE 7
#define LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP 8
#define LIBVHOST_USER_BACKEND_SHMEM_MAP 9
#define LIBVHOST_USER_BACKEND_SHMEM_UNMAP 10
/* The old names. */
#define LIBVHOST_USER_SLAVE_IOTLB_MSG LIBVHOST_USER_BACKEND_IOTLB_MSG
#define LIBVHOST_USER_SLAVE_CONFIG_CHANGE_MSG LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG
#define LIBVHOST_USER_SLAVE_VRING_HOST_NOTIFIER_MSG LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG
#define LIBVHOST_USER_SLAVE_VRING_CALL LIBVHOST_USER_BACKEND_VRING_CALL
#define LIBVHOST_USER_SLAVE_VRING_ERR LIBVHOST_USER_BACKEND_VRING_ERR

/* Protocol feature bits (bit numbers, as in the specification). */
#define LIBVHOST_USER_PROTOCOL_F_MQ 0
#define LIBVHOST_USER_PROTOCOL_F_LOG_SHMFD 1
#define LIBVHOST_USER_PROTOCOL_F_RARP 2
#define LIBVHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define LIBVHOST_USER_PROTOCOL_F_NET_MTU 4
#define LIBVHOST_USER_PROTOCOL_F_BACKEND_REQ 5
#define LIBVHOST_USER_PROTOCOL_F_CROSS_ENDIAN 6
#define LIBVHOST_USER_PROTOCOL_F_CRYPTO_SESSION 7
#define LIBVHOST_USER_PROTOCOL_F_PAGEFAULT 8
#define LIBVHOST_USER_PROTOCOL_F_CONFIG 9
#define LIBVHOST_USER_PROTOCOL_F_BACKEND_SEND_FD 10
#define LIBVHOST_USER_PROTOCOL_F_HOST_NOTIFIER 11
#define LIBVHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD 12
#define LIBVHOST_USER_PROTOCOL_F_RESET_DEVICE 13
#define LIBVHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS 14
#define LIBVHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15
#define LIBVHOST_USER_PROTOCOL_F_STATUS 16
#define LIBVHOST_USER_PROTOCOL_F_XEN_MMAP 17
#define LIBVHOST_USER_PROTOCOL_F_SHARED_OBJECT 18
#define LIBVHOST_USER_PROTOCOL_F_DEVICE_STATE 19
#define LIBVHOST_USER_PROTOCOL_F_GET_VRING_BASE_INFLIGHT 20
#define LIBVHOST_USER_PROTOCOL_F_GPA_ADDRESSES 21
#define LIBVHOST_USER_PROTOCOL_F_SHMEM 22
#define LIBVHOST_USER_PROTOCOL_F_MTU LIBVHOST_USER_PROTOCOL_F_NET_MTU
#define LIBVHOST_USER_PROTOCOL_F_SLAVE_REQ LIBVHOST_USER_PROTOCOL_F_BACKEND_REQ
#define LIBVHOST_USER_PROTOCOL_F_SLAVE_SEND_FD LIBVHOST_USER_PROTOCOL_F_BACKEND_SEND_FD

/* Which way a request travels; selects the table for the functions below. */
#define LIBVHOST_USER_DIR_FRONTEND 0 /* front-end requests */
#define LIBVHOST_USER_DIR_BACKEND 1 /* back-end requests */

/*
 * libvhost_request_name - the specification's name of a request.
 * @dir: LIBVHOST_USER_DIR_FRONTEND or LIBVHOST_USER_DIR_BACKEND.
 * @request: the request code.
 *
 * Returns: the name without the VHOST_USER_ prefix ("SET_MEM_TABLE",
 * "BACKEND_IOTLB_MSG"), or NULL for an unknown request or direction.
 * Since: LIBVHOST_0.1
 */
const char *libvhost_request_name(int dir, uint32_t request);

/*
 * libvhost_request_protocol_feature - the protocol feature a request needs.
 *
 * Returns: the protocol feature bit number that must be negotiated before
 * @request may be sent, or -ENOENT if it needs none.
 * Errors: -EOPNOTSUPP (unknown request), -EINVAL (unknown direction).
 * Since: LIBVHOST_0.1
 */
int libvhost_request_protocol_feature(int dir, uint32_t request);

/*
 * libvhost_protocol_feature_name - the specification's name of a protocol
 * feature bit, without the VHOST_USER_PROTOCOL_F_ prefix ("REPLY_ACK").
 *
 * Returns: the name, or NULL for a bit the library does not know.
 * Since: LIBVHOST_0.1
 */
const char *libvhost_protocol_feature_name(unsigned int bit);

/*
 * Returns: the mask of every protocol feature bit libvhost knows.
 * Since: LIBVHOST_0.1
 */
uint64_t libvhost_protocol_features_known(void);

/* ------------------------------------------------------------------------ */
/* Guest memory: the regions a front-end, kernel vhost or vDPA device shares. */

struct libvhost_mem;

/* At most this many regions in one table (the vhost-user / KVM slot count). */
#define LIBVHOST_MEM_MAX_REGIONS 509u

/* libvhost_mem_alloc_opts.flags */
#define LIBVHOST_MEM_F_HUGETLB (1ULL << 0) /* back the region with huge pages */

struct libvhost_mem_alloc_opts {
	size_t sz;
	uint64_t flags; /* LIBVHOST_MEM_F_* */
	/* with LIBVHOST_MEM_F_HUGETLB: 0 for the system's default, or 2 MiB, or 1 GiB */
	uint64_t hugepage_size;
};
#define libvhost_mem_alloc_opts__last_field hugepage_size

/*
 * One region as libvhost_mem_get_region() reports it.  A frozen wire-value
 * struct: it describes what vhost-user's SET_MEM_TABLE and the kernel's
 * VHOST_SET_MEM_TABLE carry, and never changes.
 */
struct libvhost_mem_region {
	uint64_t guest_addr; /* guest physical address (or IOVA) */
	uint64_t size; /* bytes */
	uint64_t user_addr; /* where it is mapped in this process */
	uint64_t fd_offset; /* where it starts in fd */
	int64_t fd; /* the fd backing it; owned by the table, valid until the region goes */
};

/*
 * libvhost_mem_new - create an empty guest memory table.
 *
 * Errors: -EINVAL, -ENOMEM.
 * Since: LIBVHOST_0.1
 */
int libvhost_mem_new(struct libvhost_ctx *ctx, struct libvhost_mem **ret);

/* Since: LIBVHOST_0.1.  NULL-safe; returns its argument. */
struct libvhost_mem *libvhost_mem_ref(struct libvhost_mem *mem);

/*
 * Since: LIBVHOST_0.1.  NULL-safe; returns NULL.  The last reference unmaps
 * and closes what the table allocated and closes the fds it duplicated.
 */
struct libvhost_mem *libvhost_mem_unref(struct libvhost_mem *mem);

/*
 * libvhost_mem_alloc - allocate shared memory for a region and map it here.
 * @guest_addr: the region's guest address.
 * @size: its size: a multiple of the page size (of the huge page size with
 *        LIBVHOST_MEM_F_HUGETLB).
 * @opts: NULL for ordinary shared memory (a memfd).
 * @ret_addr: where the memory is mapped in this process (optional).
 *
 * The table owns the memory and its fd.
 * Errors: -EINVAL (bad size or alignment, opts), -EEXIST (overlaps a region),
 * -ENOSPC (LIBVHOST_MEM_MAX_REGIONS reached), -ENOMEM (no memory, or no free
 * huge pages: the log says which), other negative errno from memfd_create/mmap.
 * Since: LIBVHOST_0.1
 */
int libvhost_mem_alloc(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size,
		       const struct libvhost_mem_alloc_opts *opts, void **ret_addr);

/*
 * libvhost_mem_add - add a region the caller has mapped.
 * @addr: where the caller mapped it (MAP_SHARED of @fd at @fd_offset).
 * @fd: the shareable fd backing it; the table keeps a duplicate of it, the
 *      caller keeps @fd.  The mapping stays the caller's.
 *
 * Errors: -EINVAL (bad arguments, a range that wraps, an fd smaller than
 * fd_offset + size), -EEXIST (overlaps a region in guest or process address),
 * -ENOSPC, -EBADF.
 * Since: LIBVHOST_0.1
 */
int libvhost_mem_add(struct libvhost_mem *mem, uint64_t guest_addr, uint64_t size, void *addr,
		     int fd, uint64_t fd_offset);

/*
 * libvhost_mem_remove - remove the region that starts at @guest_addr.
 *
 * Errors: -EINVAL, -ENOENT (no region starts there).
 * Since: LIBVHOST_0.1
 */
int libvhost_mem_remove(struct libvhost_mem *mem, uint64_t guest_addr);

/*
 * Returns: the number of regions, or -EINVAL for a NULL mem.
 * Since: LIBVHOST_0.1
 */
int libvhost_mem_get_nregions(const struct libvhost_mem *mem);

/*
 * libvhost_mem_get_region - the region at @index, in guest address order.
 *
 * Errors: -EINVAL, -ENOENT (index out of range).
 * Since: LIBVHOST_0.1
 */
int libvhost_mem_get_region(const struct libvhost_mem *mem, unsigned int index,
			    struct libvhost_mem_region *ret);

/*
 * libvhost_mem_translate - where guest memory [@guest_addr, +@len) is mapped.
 *
 * Returns: a pointer, or NULL unless the whole range lies in one region.
 * Since: LIBVHOST_0.1
 */
void *libvhost_mem_translate(const struct libvhost_mem *mem, uint64_t guest_addr, uint64_t len);

/*
 * libvhost_mem_guest_addr - the guest address of this process's [@addr, +@len).
 *
 * Errors: -EINVAL, -ENOENT (not inside one region).
 * Since: LIBVHOST_0.1
 */
int libvhost_mem_guest_addr(const struct libvhost_mem *mem, const void *addr, uint64_t len,
			    uint64_t *ret_guest_addr);

/* ------------------------------------------------------------------------ */
/* Driver-side virtqueues: be the driver of a device, with no VM.           */

struct libvhost_vring;

/* libvhost_vring_opts.flags: what was negotiated with the device */
#define LIBVHOST_VRING_F_EVENT_IDX (1ULL << 0) /* VIRTIO_F_EVENT_IDX (bit 29) */
#define LIBVHOST_VRING_F_PACKED (1ULL << 1) /* VIRTIO_F_RING_PACKED (bit 34) */
#define LIBVHOST_VRING_F_INDIRECT (1ULL << 2) /* VIRTIO_F_INDIRECT_DESC (bit 28) */

struct libvhost_vring_opts {
	size_t sz;
	uint64_t flags; /* LIBVHOST_VRING_F_* */
	/*
	 * With LIBVHOST_VRING_F_INDIRECT: the most parts one indirect table
	 * holds (1 to the ring's size; 0 means min(32, size)).  A buffer of 2 to
	 * this many descriptors then takes one ring entry.
	 */
	uint64_t indirect_max;
};
#define libvhost_vring_opts__last_field indirect_max

/*
 * libvhost_vring_area_size - the guest memory a ring of @num entries needs,
 * with @opts as libvhost_vring_new() will get them.  Split (the default):
 * descriptor table, available ring, used ring.  Packed
 * (LIBVHOST_VRING_F_PACKED): descriptor ring, driver event area, device event
 * area.  With LIBVHOST_VRING_F_INDIRECT, the indirect tables follow.
 * @num: 1 to 32768; a power of two for split rings.
 *
 * Errors: -EINVAL.
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_area_size(unsigned int num, const struct libvhost_vring_opts *opts,
			     uint64_t *ret_bytes);

/*
 * libvhost_vring_new - lay out a split or packed virtqueue in guest memory.
 * @mem: the table the ring and every buffer live in (a reference is kept).
 * @guest_addr: where the ring starts: 16-byte aligned, area_size bytes in one
 *              region.  The area is zeroed.
 * @num: entries, 1 to 32768; a power of two for split rings.
 *
 * Errors: -EINVAL, -ENOMEM.
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_new(struct libvhost_mem *mem, uint64_t guest_addr, unsigned int num,
		       const struct libvhost_vring_opts *opts, struct libvhost_vring **ret);

/* Since: LIBVHOST_0.1.  NULL-safe; returns its argument. */
struct libvhost_vring *libvhost_vring_ref(struct libvhost_vring *vring);

/* Since: LIBVHOST_0.1.  NULL-safe; returns NULL. */
struct libvhost_vring *libvhost_vring_unref(struct libvhost_vring *vring);

/*
 * libvhost_vring_get_addrs - where the descriptor table, available ring and
 * used ring are (packed: descriptor ring, driver and device event areas,
 * which vhost's SET_VRING_ADDR carries in the same three fields): as guest addresses (@guest true; for vDPA, and vhost-user
 * with GPA_ADDRESSES) or as this process's addresses (for vhost-user
 * SET_VRING_ADDR and kernel vhost).  Any output may be NULL.
 *
 * Errors: -EINVAL.
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_get_addrs(const struct libvhost_vring *vring, int guest, uint64_t *desc,
			     uint64_t *avail, uint64_t *used);

/*
 * libvhost_vring_set_kick_fd - the eventfd that libvhost_vring_kick() writes
 * to notify the device; -1 for none.  Borrowed: it must stay open while set.
 *
 * Errors: -EINVAL.
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_set_kick_fd(struct libvhost_vring *vring, int fd);

/*
 * libvhost_vring_add - make a buffer available to the device (unpublished
 * until libvhost_vring_kick()).
 * @iov: @nout device-readable parts, then @nin device-writable parts, each in
 *       guest memory of the ring's table (given as this process's addresses);
 *       a part that spans regions is split into several descriptors.
 * @token: returned with the buffer by libvhost_vring_get_used(); not NULL.
 *
 * Errors: -EINVAL (bad arguments, memory outside the table), -ENOSPC (not
 * enough free descriptors: reap used buffers first).
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_add(struct libvhost_vring *vring, const struct iovec *iov, unsigned int nout,
		       unsigned int nin, void *token);

/*
 * libvhost_vring_kick - publish the buffers added since the last call and
 * notify the device unless it asked not to be (its flags, or with
 * LIBVHOST_VRING_F_EVENT_IDX its avail_event).
 *
 * Returns: 1 if the device was notified, 0 if not (nothing new, suppressed,
 * or no kick fd).
 * Errors: negative errno from writing the eventfd.
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_kick(struct libvhost_vring *vring);

/*
 * libvhost_vring_get_used - take the next buffer the device has finished.
 * @ret_token: the token given to libvhost_vring_add().
 * @ret_len: bytes the device wrote into the device-writable parts.
 *
 * Returns: 1 with a buffer, 0 if there is none yet.
 * Errors: -EIO (the device returned an id that is not in flight, or more
 * buffers than were available: the ring is broken from then on).
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_get_used(struct libvhost_vring *vring, void **ret_token, uint32_t *ret_len);

/*
 * libvhost_vring_set_interrupts - ask the device for interrupts (call
 * notifications) when buffers are used, or not.  With EVENT_IDX, enabling
 * asks to be told after the next used buffer.
 *
 * Returns: with @enable, 1 if used buffers are already waiting (reap them
 * rather than wait for a notification), else 0.
 * Errors: -EINVAL.
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_set_interrupts(struct libvhost_vring *vring, int enable);

/*
 * libvhost_vring_get_num - the ring's size in entries.
 *
 * Returns: 1 to 32768, or -EINVAL for a NULL ring.
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_get_num(const struct libvhost_vring *vring);

/*
 * libvhost_vring_get_base - where the device should start: the value
 * SET_VRING_BASE (or VHOST_SET_VRING_BASE) carries for this ring.  Split: the
 * next available index.  Packed: the next avail index with its wrap counter in
 * bit 15, and the same for the used side in bits 16-31.
 *
 * Errors: -EINVAL.
 * Since: LIBVHOST_0.1
 */
int libvhost_vring_get_base(const struct libvhost_vring *vring, uint32_t *ret_base);

/* ------------------------------------------------------------------------ */
/* Vhost control, whatever the transport (vhost-user, kernel vhost, vDPA).  */

/*
 * A vhost device as the driver sees it.  Each transport's handle hands out
 * its own (libvhost_frontend_get_dev()); it is borrowed, valid while that
 * handle lives.  One vring set-up routine written against these functions
 * runs unchanged over every transport.
 */
struct libvhost_dev;

/*
 * Every ring index below must be less than the device's ring count
 * (vhost-user: GET_QUEUE_NUM when MQ was negotiated, else 0x8000; vring fd
 * messages can name only rings 0-255), else -EINVAL.
 */

/* The device's features (GET_FEATURES).  Since: LIBVHOST_0.1 */
int libvhost_dev_get_features(struct libvhost_dev *dev, uint64_t *ret_features);

/*
 * libvhost_dev_set_features - the features the driver accepts: a subset of
 * the device's, or -EINVAL.  May be sent again while rings run (LOG_ALL).
 * Since: LIBVHOST_0.1
 */
int libvhost_dev_set_features(struct libvhost_dev *dev, uint64_t features);

/* Claim the device for this process (SET_OWNER).  Since: LIBVHOST_0.1 */
int libvhost_dev_set_owner(struct libvhost_dev *dev);

/*
 * libvhost_dev_set_mem - share a memory table with the device.  vhost-user:
 * SET_MEM_TABLE (at most 8 regions), or with CONFIGURE_MEM_SLOTS the
 * ADD_MEM_REG / REM_MEM_REG that turn the table last sent into this one
 * (regions may come and go while rings run: memory hot-plug).  A reference
 * on @mem is kept.
 *
 * Errors: -ENOSPC (more regions than the device takes), -EIO (refused).
 * Since: LIBVHOST_0.1
 */
int libvhost_dev_set_mem(struct libvhost_dev *dev, struct libvhost_mem *mem);

/*
 * The ring set-up requests, each only while the ring is stopped (before its
 * kick fd is set, or after libvhost_dev_get_vring_base()), else -EINVAL;
 * but the addresses may be sent to a started ring too, with the addresses
 * it runs on, to switch the logging of its used ring on or off (@flags
 * 1 << LIBVHOST_VRING_F_LOG, @log the used ring's guest address), as a VMM
 * does when migration starts and ends.  Addresses are as
 * libvhost_vring_get_addrs() gives them for the transport
 * (libvhost_dev_start_vring() chooses).
 * Since: LIBVHOST_0.1
 */
int libvhost_dev_set_vring_num(struct libvhost_dev *dev, unsigned int index, unsigned int num);
int libvhost_dev_set_vring_addr(struct libvhost_dev *dev, unsigned int index, uint64_t desc,
				uint64_t avail, uint64_t used, uint64_t log, uint64_t flags);
int libvhost_dev_set_vring_base(struct libvhost_dev *dev, unsigned int index, uint32_t base);
/* @big_endian: 0 little-endian, 1 big-endian (legacy devices).  Since: LIBVHOST_0.1 */
int libvhost_dev_set_vring_endian(struct libvhost_dev *dev, unsigned int index, int big_endian);

/*
 * libvhost_dev_set_vring_kick / _call / _err - the eventfds of a ring; -1
 * for none (vhost-user: NOFD, the device polls or does not signal).  Setting
 * the kick fd starts the ring.  The fds stay the caller's.
 * Since: LIBVHOST_0.1
 */
int libvhost_dev_set_vring_kick(struct libvhost_dev *dev, unsigned int index, int fd);
int libvhost_dev_set_vring_call(struct libvhost_dev *dev, unsigned int index, int fd);
int libvhost_dev_set_vring_err(struct libvhost_dev *dev, unsigned int index, int fd);

/*
 * libvhost_dev_set_vring_enable - let a started ring be processed (1) or
 * not (0).  Vhost-user with VHOST_USER_F_PROTOCOL_FEATURES: rings start
 * disabled and this sends SET_VRING_ENABLE; without it rings are enabled by
 * SET_FEATURES and this returns -EOPNOTSUPP.
 * Since: LIBVHOST_0.1
 */
int libvhost_dev_set_vring_enable(struct libvhost_dev *dev, unsigned int index, int enable);

/*
 * libvhost_dev_get_vring_base - stop a ring and read where the device got
 * to (the value libvhost_vring_get_base() describes).  -EINVAL if the ring
 * was not started.
 * Since: LIBVHOST_0.1
 */
int libvhost_dev_get_vring_base(struct libvhost_dev *dev, unsigned int index,
				uint32_t *ret_base);

/*
 * libvhost_dev_start_vring - everything a driver does to start one ring:
 * size, base, addresses (in the form the transport wants), call fd, kick fd
 * (which @vring then writes to on libvhost_vring_kick()), and enable where
 * the protocol needs it.  The ring's memory must be in the table last given
 * to libvhost_dev_set_mem().  The fds stay the caller's; -1 for none.
 * Since: LIBVHOST_0.1
 */
int libvhost_dev_start_vring(struct libvhost_dev *dev, unsigned int index,
			     struct libvhost_vring *vring, int kick_fd, int call_fd);

/*
 * libvhost_dev_stop_vring - disable (where the protocol has it) and stop a
 * ring; @ret_base (may be NULL) gets where the device got to.
 * Since: LIBVHOST_0.1
 */
int libvhost_dev_stop_vring(struct libvhost_dev *dev, unsigned int index, uint32_t *ret_base);

/* ------------------------------------------------------------------------ */
/* Vhost-user front-end: the VMM (or driver) side of a vhost-user socket.   */

struct libvhost_frontend;

/* A shared-memory mapping a back-end asks for (BACKEND_SHMEM_MAP / _UNMAP). */
struct libvhost_shmem_map {
	uint64_t shmid; /* 0-255 */
	uint64_t fd_offset;
	uint64_t shm_offset;
	uint64_t len;
	uint64_t flags; /* LIBVHOST_SHMEM_MAP_RW, or 0: read-only */
};
/* SHMEM_MAP's flags: bit 0, the pages mapped read-write.  Since: LIBVHOST_0.2 */
#define LIBVHOST_SHMEM_MAP_RW (1ULL << 0)

/*
 * What the back-end may ask of the front-end, on the channel that
 * SET_BACKEND_REQ_FD sets up (libvhost_frontend_negotiate() does that when
 * the back-end offers BACKEND_REQ and ops are given).  Size-prefixed: set
 * .sz; a NULL entry answers "not supported" (a non-zero ack) where the
 * back-end asked for a reply.  Each returns 0 or a negative errno, which
 * becomes the ack.  fds passed in are the callee's to keep or close.
 */
struct libvhost_frontend_ops {
	size_t sz;
	/* IOTLB miss (type 1) or access failure (type 4) for @iova. */
	int (*iotlb_msg)(void *userdata, uint64_t iova, uint64_t perm, uint64_t type);
	/* The device's config space changed: read it again. */
	int (*config_change)(void *userdata);
	/* Map @fd at @offset, @size bytes, as ring @index's notify area; fd -1 removes it. */
	int (*host_notifier)(void *userdata, unsigned int index, int fd, uint64_t size,
			     uint64_t offset);
	/* In-band notifications (INBAND_NOTIFICATIONS): ring @index used / failed. */
	int (*vring_call)(void *userdata, unsigned int index);
	int (*vring_err)(void *userdata, unsigned int index);
	/* Shared objects by 16-byte UUID; lookup sets *ret_fd (borrowed, sent and kept by caller). */
	int (*shared_object_add)(void *userdata, const uint8_t uuid[16]);
	int (*shared_object_remove)(void *userdata, const uint8_t uuid[16]);
	int (*shared_object_lookup)(void *userdata, const uint8_t uuid[16], int *ret_fd);
	/* VIRTIO shared memory regions (SHMEM). */
	int (*shmem_map)(void *userdata, const struct libvhost_shmem_map *map, int fd);
	int (*shmem_unmap)(void *userdata, const struct libvhost_shmem_map *map);
};

struct libvhost_frontend_opts {
	size_t sz;
	/* How long to wait for each reply (and for listen's peer), ms; 0 means 5000. */
	int64_t timeout_ms;
	/* connect: further attempts while the socket is absent or refuses (0: none). */
	uint64_t connect_retries;
	/* Between attempts, ms; 0 means 100. */
	uint64_t retry_interval_ms;
	/*
	 * The protocol features the caller will use; 0 means every one the
	 * library implements.  libvhost_frontend_negotiate() acks the
	 * intersection with what the back-end offers; XEN_MMAP only when Xen
	 * regions are described (libvhost_frontend_set_xen_region()).
	 */
	uint64_t protocol_features;
	/* Back-end requests; NULL: no channel is set up. */
	const struct libvhost_frontend_ops *ops;
	/* Passed to every op. */
	void *userdata;
};
#define libvhost_frontend_opts__last_field userdata

/*
 * libvhost_frontend_connect - connect to a back-end listening on @path.
 * With connect_retries, -ENOENT and -ECONNREFUSED are retried.
 *
 * Errors: -EINVAL, -ENAMETOOLONG (path longer than sun_path), -ENOMEM, and
 * connect()'s errors.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_connect(struct libvhost_ctx *ctx, const char *path,
			      const struct libvhost_frontend_opts *opts,
			      struct libvhost_frontend **ret);

/*
 * libvhost_frontend_listen - listen on @path (created, and removed again once
 * a back-end has connected) and wait up to timeout_ms for one back-end.
 *
 * Errors: -EINVAL, -ENAMETOOLONG, -EADDRINUSE, -ETIMEDOUT, -ENOMEM.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_listen(struct libvhost_ctx *ctx, const char *path,
			     const struct libvhost_frontend_opts *opts,
			     struct libvhost_frontend **ret);

/*
 * libvhost_frontend_adopt_fd - use a connected unix stream socket (the
 * spec's --fd convention).  On success the fd belongs to the front-end.
 *
 * Errors: -EINVAL (not a stream socket), -ENOMEM.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_adopt_fd(struct libvhost_ctx *ctx, int fd,
			       const struct libvhost_frontend_opts *opts,
			       struct libvhost_frontend **ret);

/*
 * libvhost_frontend_reconnect - after the back-end went away (a request
 * failed with -ECONNRESET or -EPIPE, or get_fd() turned readable), reach it
 * again the way the front-end was made: connect with the retry policy, or
 * listen for one back-end.  The new session starts from scratch: negotiate,
 * set features and memory and start the rings again (and hand back the
 * inflight area, if one was in use).  The memory table is forgotten.
 *
 * Errors: -EOPNOTSUPP (made by adopt_fd), and connect's or listen's errors;
 * on failure the old, dead connection stays.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_reconnect(struct libvhost_frontend *fe);

/* Since: LIBVHOST_0.1.  NULL-safe; returns its argument. */
struct libvhost_frontend *libvhost_frontend_ref(struct libvhost_frontend *fe);

/* Since: LIBVHOST_0.1.  NULL-safe; returns NULL.  Closes the connection at the last reference. */
struct libvhost_frontend *libvhost_frontend_unref(struct libvhost_frontend *fe);

/* The transport-neutral view, valid while @fe lives.  Since: LIBVHOST_0.1 */
struct libvhost_dev *libvhost_frontend_get_dev(struct libvhost_frontend *fe);

/*
 * libvhost_frontend_negotiate - the session start QEMU performs: GET_FEATURES;
 * when the back-end offers VHOST_USER_F_PROTOCOL_FEATURES (bit 30),
 * GET_PROTOCOL_FEATURES and SET_PROTOCOL_FEATURES (the intersection with
 * opts.protocol_features); GET_QUEUE_NUM with MQ; GET_MAX_MEM_SLOTS with
 * CONFIGURE_MEM_SLOTS; SET_BACKEND_REQ_FD with BACKEND_REQ when ops were
 * given; SET_OWNER.  Then libvhost_frontend_get_info() tells the result and
 * libvhost_dev_set_features() is the driver's to send.  Once per connection.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_negotiate(struct libvhost_frontend *fe);

/* What negotiation found.  Filled up to .sz, which the caller sets. */
struct libvhost_frontend_info {
	size_t sz;
	uint64_t features; /* the back-end's device features */
	uint64_t backend_protocol_features; /* what it offered */
	uint64_t protocol_features; /* what was negotiated */
	uint64_t queue_num; /* GET_QUEUE_NUM, or 0 without MQ */
	uint64_t max_mem_slots; /* GET_MAX_MEM_SLOTS, or 8 without CONFIGURE_MEM_SLOTS */
	uint64_t acked_features; /* the last SET_FEATURES, 0 before */
};

/* Errors: -EINVAL (NULL, .sz too small).  Since: LIBVHOST_0.1 */
int libvhost_frontend_get_info(const struct libvhost_frontend *fe,
			       struct libvhost_frontend_info *info);

/* The socket, for poll(): readable means the back-end closed it.  Since: LIBVHOST_0.1 */
int libvhost_frontend_get_fd(const struct libvhost_frontend *fe);

/*
 * libvhost_frontend_get_backend_fd - the back-end request channel to poll
 * for POLLIN, or -1 when none was set up.  Since: LIBVHOST_0.1
 */
int libvhost_frontend_get_backend_fd(const struct libvhost_frontend *fe);

/*
 * libvhost_frontend_process_backend - read one back-end request, hand it to
 * its op and reply when asked.  Returns 1 if a request was handled, 0 if none
 * was waiting.  After -ECONNRESET or a malformed request the channel is
 * closed (get_backend_fd() returns -1); the front-end's own socket stays.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_process_backend(struct libvhost_frontend *fe);

/*
 * The device's configuration space (CONFIG): @len bytes at @offset, at most
 * LIBVHOST_USER_MAX_CONFIG_SIZE.  get: -EIO when the back-end refuses (an
 * empty reply).  set: @flags 0 (writable fields) or 1 (migration).
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_get_config(struct libvhost_frontend *fe, uint32_t offset, void *buf,
				 uint32_t len);
int libvhost_frontend_set_config(struct libvhost_frontend *fe, uint32_t offset,
				 const void *buf, uint32_t len, uint32_t flags);

/*
 * Dirty logging: SET_LOG_BASE hands over the log's shared memory (@fd,
 * @size bytes from @offset; with LOG_SHMFD), SET_LOG_FD an eventfd the
 * back-end signals after logging.  The fds stay the caller's.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_set_log_base(struct libvhost_frontend *fe, int fd, uint64_t size,
				   uint64_t offset);
int libvhost_frontend_set_log_fd(struct libvhost_frontend *fe, int fd);

/* IOTLB_MSG types and permissions (struct vhost_iotlb_msg). */
#define LIBVHOST_IOTLB_MISS 1
#define LIBVHOST_IOTLB_UPDATE 2
#define LIBVHOST_IOTLB_INVALIDATE 3
#define LIBVHOST_IOTLB_ACCESS_FAIL 4
#define LIBVHOST_IOTLB_RO 1
#define LIBVHOST_IOTLB_WO 2
#define LIBVHOST_IOTLB_RW 3

/*
 * libvhost_frontend_iotlb - send an IOTLB update (map @size bytes at @iova to
 * this process's @uaddr with @perm) or invalidation (@uaddr, @perm 0).
 * Needs VIRTIO_F_ACCESS_PLATFORM acked.  -EIO when the back-end refuses.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_iotlb(struct libvhost_frontend *fe, uint32_t type, uint64_t iova,
			    uint64_t size, uint64_t uaddr, uint32_t perm);

/*
 * Inflight tracking (INFLIGHT_SHMFD): get asks the back-end for its shared
 * area (*ret_fd is the caller's to close); set hands it back after a
 * reconnect.  Since: LIBVHOST_0.1
 */
int libvhost_frontend_get_inflight(struct libvhost_frontend *fe, unsigned int num_queues,
				   unsigned int queue_size, int *ret_fd, uint64_t *ret_size,
				   uint64_t *ret_offset);
int libvhost_frontend_set_inflight(struct libvhost_frontend *fe, int fd, uint64_t size,
				   uint64_t offset, unsigned int num_queues,
				   unsigned int queue_size);

/* The virtio device status (STATUS).  Since: LIBVHOST_0.1 */
int libvhost_frontend_set_status(struct libvhost_frontend *fe, uint8_t status);
int libvhost_frontend_get_status(struct libvhost_frontend *fe, uint8_t *ret_status);

/*
 * RESET_DEVICE (with RESET_DEVICE) or, deprecated, RESET_OWNER: every ring
 * is stopped and disabled afterwards (start them again after
 * libvhost_dev_set_features()); the memory table and what was negotiated
 * stay.  Since: LIBVHOST_0.1
 */
int libvhost_frontend_reset_device(struct libvhost_frontend *fe);
int libvhost_frontend_reset_owner(struct libvhost_frontend *fe);

/* In-band kick of ring @index (VRING_KICK; INBAND_NOTIFICATIONS).  Since: LIBVHOST_0.1 */
int libvhost_frontend_kick(struct libvhost_frontend *fe, unsigned int index);

/*
 * Device state transfer (DEVICE_STATE), only while every ring is stopped.
 * @direction 0 save / 1 load, @fd the caller's pipe end (kept by the caller);
 * *ret_fd is -1 or the back-end's own fd to use instead (the caller's).
 * check: after the transfer, -EIO if the back-end failed.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_set_device_state_fd(struct libvhost_frontend *fe, uint32_t direction,
					  int fd, int *ret_fd);
int libvhost_frontend_check_device_state(struct libvhost_frontend *fe);

/* A dma-buf by UUID (SHARED_OBJECT); -ENOENT when unknown.  Since: LIBVHOST_0.1 */
int libvhost_frontend_get_shared_object(struct libvhost_frontend *fe, const uint8_t uuid[16],
					int *ret_fd);

/*
 * The VIRTIO shared memory regions' sizes (SHMEM): @sizes gets up to @n
 * sizes by shmid.  Returns the number of regions.  Since: LIBVHOST_0.1
 */
int libvhost_frontend_get_shmem_config(struct libvhost_frontend *fe, uint64_t *sizes,
				       unsigned int n);

/* Net: SEND_RARP (RARP) and NET_SET_MTU (NET_MTU).  Since: LIBVHOST_0.1 */
int libvhost_frontend_send_rarp(struct libvhost_frontend *fe, const uint8_t mac[6]);
int libvhost_frontend_set_mtu(struct libvhost_frontend *fe, unsigned int mtu);

/*
 * Crypto sessions (CRYPTO_SESSION).  @session: the request's payload as the
 * spec lays it out (632 or 1072 bytes).  Since: LIBVHOST_0.1
 */
int libvhost_frontend_create_crypto_session(struct libvhost_frontend *fe, const void *session,
					    size_t len, int64_t *ret_id);
int libvhost_frontend_close_crypto_session(struct libvhost_frontend *fe, int64_t id);

/* GPU_SET_SOCKET: the display channel of vhost-user-gpu (fd stays the caller's).  Since: LIBVHOST_0.1 */
int libvhost_frontend_gpu_set_socket(struct libvhost_frontend *fe, int fd);

/*
 * Postcopy (PAGEFAULT).  In a build without --enable-postcopy
 * (LIBVHOST_HAS_POSTCOPY 0) each of these returns -EOPNOTSUPP before it
 * looks at its arguments, so libvhost_frontend_postcopy_advise(NULL, NULL)
 * tells a program which library it has (README, "Build options").  The order is the
 * spec's: advise, listen, then the memory table (libvhost_dev_set_mem(): in
 * listen mode it goes as one SET_MEM_TABLE, the back-end replies with where
 * it mapped each region, the front-end records that and acknowledges), the
 * rings, and end once every page is placed.  Meanwhile the back-end's
 * accesses to pages it does not have yet block in page faults, which the
 * caller reads with libvhost_frontend_postcopy_read_fault() and resolves with
 * _place() or _wake().  The back-end may be blocked inside a request the
 * front-end waits on, so the fault functions run on a thread of their own:
 * they, and only they, may be called concurrently with the front-end's other
 * functions.  The library starts no thread.
 */

/*
 * libvhost_frontend_postcopy_advise - POSTCOPY_ADVISE: the back-end opens a
 * userfaultfd and sends it.  The front-end keeps it (closed by _end(),
 * reconnect and unref); *ret_ufd is a borrowed copy to poll() for POLLIN
 * (a fault to read).
 * Errors: -EINVAL (misuse; already advised: nothing is sent), -EOPNOTSUPP
 * (PAGEFAULT not negotiated), -EIO (the back-end refused: no userfaultfd),
 * -EPROTO (the back-end sent an fd that is no userfaultfd: logged, the
 * connection closed), connection errors.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_postcopy_advise(struct libvhost_frontend *fe, int *ret_ufd);

/*
 * libvhost_frontend_postcopy_listen - POSTCOPY_LISTEN: from now on memory
 * tables go in the postcopy form.  Send it before the memory table: a
 * back-end with memory already mapped could not report its bases.
 * Errors: -EINVAL (misuse; not advised, listening already, or a memory table
 * already sent: nothing is sent), -EOPNOTSUPP, -EIO (the back-end refused;
 * with REPLY_ACK, else it closes the connection), connection errors.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_postcopy_listen(struct libvhost_frontend *fe);

/*
 * libvhost_frontend_postcopy_end - POSTCOPY_END: the back-end unregisters
 * its memory and closes its userfaultfd; so does the front-end, whatever the
 * reply (stop the fault thread first).  After an ADVISE whose LISTEN never
 * came (or was refused) it still releases both userfaultfds, but the spec
 * has END follow LISTEN, so the back-end answers a failure: -EIO.
 * Errors: -EINVAL (misuse; not advised: nothing is sent), -EOPNOTSUPP, -EIO
 * (the back-end's failure status), connection errors.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_postcopy_end(struct libvhost_frontend *fe);

/* The access that faulted was a write. */
#define LIBVHOST_POSTCOPY_FAULT_WRITE (1ULL << 0)

/* One page fault of the back-end.  Filled up to .sz, which the caller sets. */
struct libvhost_postcopy_fault {
	size_t sz;
	uint64_t guest_addr; /* the page's guest physical address (page-aligned) */
	uint64_t backend_addr; /* the page's address in the back-end's process */
	uint64_t flags; /* LIBVHOST_POSTCOPY_FAULT_* */
};

/*
 * libvhost_frontend_postcopy_read_fault - the next page fault of the
 * back-end, translated to a guest address through the bases its postcopy
 * memory table reply gave.  Never blocks.
 * Returns: 0 with *@out filled.
 * Errors: -EINVAL (NULL, .sz too small, not advised), -EAGAIN (none
 * pending), -EFAULT (the address is in no region the back-end reported;
 * logged; *@out has backend_addr and flags, guest_addr 0), read()'s errors.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_postcopy_read_fault(struct libvhost_frontend *fe,
					  struct libvhost_postcopy_fault *out);

/*
 * libvhost_frontend_postcopy_place - atomically fills the back-end's missing
 * pages [@guest_addr, +@len) with @data (UFFDIO_COPY) and wakes the threads
 * waiting on them.  @guest_addr and @len page-aligned, @len > 0, the range
 * inside one region.
 * Errors: -EINVAL (misuse, not advised, the range outside every region:
 * logged), -EEXIST (a page of the range is already there; placed pages
 * before it stay: wake the range), -ESRCH / -ENOENT (the back-end's memory
 * is gone), the kernel's other UFFDIO_COPY errors.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_postcopy_place(struct libvhost_frontend *fe, uint64_t guest_addr,
				     const void *data, size_t len);

/*
 * libvhost_frontend_postcopy_wake - wakes the back-end's threads waiting on
 * [@guest_addr, +@len) (page-aligned) without placing anything: for pages
 * another placement already filled.
 * Errors: as _place(), without -EEXIST.
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_postcopy_wake(struct libvhost_frontend *fe, uint64_t guest_addr,
				    size_t len);

/*
 * Xen guest memory (XEN_MMAP).  In a build without --enable-xen
 * (LIBVHOST_HAS_XEN 0) libvhost_frontend_set_xen_region() returns
 * -EOPNOTSUPP before it looks at its arguments.  A Xen front-end
 * tells the back-end, for each region, the domain whose memory it is and
 * how to map it: by guest frame (foreign mapping) or by grant reference
 * (grant mapping: Linux's grant DMA addresses are bit 63 | reference << 12).
 * The region's fd is not used for Xen memory, but the protocol still sends
 * one, so the regions come from a libvhost_mem as always.
 */
#define LIBVHOST_XEN_MMAP_FOREIGN 0x1u /* map the domain's guest frames (privcmd) */
#define LIBVHOST_XEN_MMAP_GRANT 0x2u /* map the domain's grant references (gntdev) */
/*
 * With either: the region must not be mapped whole, only as each access
 * needs it (the spec's bit 8).  libvhost's back-end refuses such regions.
 */
#define LIBVHOST_XEN_MMAP_ON_DEMAND 0x100u

/*
 * libvhost_frontend_set_xen_region - describe the region of the memory
 * table that starts at @guest_addr as Xen memory of domain @domid, mapped
 * as @flags says (exactly one of LIBVHOST_XEN_MMAP_FOREIGN and _GRANT,
 * optionally _ON_DEMAND); @flags 0 removes the description.  Describe the
 * regions before libvhost_frontend_negotiate(): with at least one described
 * the front-end accepts XEN_MMAP, and then every region libvhost_dev_set_mem()
 * sends must be described (-EINVAL otherwise, nothing sent).  Regions
 * described when the back-end did not take XEN_MMAP make
 * libvhost_dev_set_mem() fail with -EOPNOTSUPP.  Descriptions outlive
 * reconnections.
 * Errors: -EINVAL (NULL, bad flags), -EBUSY (the back-end has that region:
 * remove it from the table first), -ENOENT (removing what is not there),
 * -ENOSPC (LIBVHOST_MEM_MAX_REGIONS described).
 * Since: LIBVHOST_0.1
 */
int libvhost_frontend_set_xen_region(struct libvhost_frontend *fe, uint64_t guest_addr,
				     uint32_t flags, uint32_t domid);

/* ------------------------------------------------------------------------ */

/* ==== Kernel vhost: /dev/vhost-net, /dev/vhost-vsock, /dev/vhost-scsi ==== */

struct libvhost_kdev;

/*
 * libvhost_kdev_open - open a kernel vhost device (O_RDWR | O_CLOEXEC).
 * Errors: -EINVAL, -ENOMEM, open()'s (-ENOENT: the module is not loaded;
 * -EACCES: the log line names the node's owner and mode), -ENOTTY (not a
 * vhost device).
 * Since: LIBVHOST_0.1
 */
int libvhost_kdev_open(struct libvhost_ctx *ctx, const char *path, struct libvhost_kdev **ret);

/*
 * libvhost_kdev_adopt_fd - use an fd opened elsewhere (e.g. by a privileged
 * helper that passed it, as libvirt does).  The fd becomes the handle's on
 * success.  Errors: -EINVAL, -ENOMEM, -ENOTTY (not a vhost device).
 * Since: LIBVHOST_0.1
 */
int libvhost_kdev_adopt_fd(struct libvhost_ctx *ctx, int fd, struct libvhost_kdev **ret);

/* Since: LIBVHOST_0.1.  NULL-safe; returns its argument. */
struct libvhost_kdev *libvhost_kdev_ref(struct libvhost_kdev *kd);
/* Since: LIBVHOST_0.1.  NULL-safe; returns NULL.  Closes the fd at the last reference. */
struct libvhost_kdev *libvhost_kdev_unref(struct libvhost_kdev *kd);

/*
 * The transport-neutral view (owner, features, memory table, rings), valid
 * while @kd lives: the same ring set-up code serves vhost-user and kernel
 * vhost.  Kernel rings need no enable.  Since: LIBVHOST_0.1
 */
struct libvhost_dev *libvhost_kdev_get_dev(struct libvhost_kdev *kd);
/* The device fd (for IOTLB misses: poll it for POLLIN).  Since: LIBVHOST_0.1 */
int libvhost_kdev_get_fd(const struct libvhost_kdev *kd);
/* VHOST_RESET_OWNER.  Since: LIBVHOST_0.1 */
int libvhost_kdev_reset_owner(struct libvhost_kdev *kd);

/*
 * Feature bits past 63 (VHOST_GET/SET_FEATURES_ARRAY, kernels from 6.17):
 * @count words in, the kernel's word count out (get).  On older kernels get
 * gives the 64-bit set as one word, and set works while every bit is below
 * 64 (else -EOPNOTSUPP).  Since: LIBVHOST_0.1
 */
int libvhost_kdev_get_features_array(struct libvhost_kdev *kd, uint64_t *features,
				     unsigned int *count);
int libvhost_kdev_set_features_array(struct libvhost_kdev *kd, const uint64_t *features,
				     unsigned int count);

/* VHOST_GET/SET_BACKEND_FEATURES (1 << VHOST_BACKEND_F_IOTLB_MSG_V2...).  Since: LIBVHOST_0.1 */
int libvhost_kdev_get_backend_features(struct libvhost_kdev *kd, uint64_t *features);
int libvhost_kdev_set_backend_features(struct libvhost_kdev *kd, uint64_t features);

/*
 * Dirty logging: @log is the bitmap (one bit per 4 KiB guest page, this
 * process's memory, big enough for the highest guest address), written by
 * the kernel once VHOST_F_LOG_ALL is acked; the log fd is signalled after.
 * Since: LIBVHOST_0.1
 */
int libvhost_kdev_set_log_base(struct libvhost_kdev *kd, void *log);
int libvhost_kdev_set_log_fd(struct libvhost_kdev *kd, int fd);

/* Busy polling of ring @index for @usec before sleeping.  Since: LIBVHOST_0.1 */
int libvhost_kdev_set_busyloop_timeout(struct libvhost_kdev *kd, unsigned int index,
				       unsigned int usec);
int libvhost_kdev_get_busyloop_timeout(struct libvhost_kdev *kd, unsigned int index,
				       unsigned int *usec);

/*
 * Device IOTLB (VIRTIO_F_ACCESS_PLATFORM): an update (LIBVHOST_IOTLB_UPDATE,
 * map @size bytes at @iova to this process's @uaddr with @perm) or an
 * invalidation, written to the fd as struct vhost_msg, or vhost_msg_v2 once
 * IOTLB_MSG_V2 is set with libvhost_kdev_set_backend_features().
 * libvhost_kdev_read_iotlb() takes one miss the kernel reported (1), or
 * returns 0 when none waits.  Errors: -EINVAL, the kernel's.
 * Since: LIBVHOST_0.1
 */
int libvhost_kdev_iotlb(struct libvhost_kdev *kd, uint32_t type, uint64_t iova, uint64_t size,
			uint64_t uaddr, uint32_t perm);
int libvhost_kdev_read_iotlb(struct libvhost_kdev *kd, uint32_t *type, uint64_t *iova,
			     uint32_t *perm);

/*
 * vhost worker threads (kernels from 6.5): make one, free one, give a ring
 * to one, ask which one serves a ring.  -EOPNOTSUPP on older kernels.
 * Since: LIBVHOST_0.1
 */
int libvhost_kdev_new_worker(struct libvhost_kdev *kd, uint32_t *id);
int libvhost_kdev_free_worker(struct libvhost_kdev *kd, uint32_t id);
int libvhost_kdev_attach_vring_worker(struct libvhost_kdev *kd, unsigned int index, uint32_t id);
int libvhost_kdev_get_vring_worker(struct libvhost_kdev *kd, unsigned int index, uint32_t *id);

/*
 * vhost-net: ring @index's backend, a tap (IFF_VNET_HDR, header size to
 * match the features) or packet socket fd; -1 detaches.  Since: LIBVHOST_0.1
 */
int libvhost_kdev_net_set_backend(struct libvhost_kdev *kd, unsigned int index, int fd);

/* vhost-vsock: the guest's CID (3 and up), then running 1 / 0.  Since: LIBVHOST_0.1 */
int libvhost_kdev_vsock_set_guest_cid(struct libvhost_kdev *kd, uint64_t cid);
int libvhost_kdev_vsock_set_running(struct libvhost_kdev *kd, int running);

/*
 * vhost-scsi: attach to / detach from the configfs target @wwpn (e.g.
 * "naa.5001405..."), target portal group @tpgt; the ABI version (1); the
 * events-missed flag.  Since: LIBVHOST_0.1
 */
int libvhost_kdev_scsi_set_endpoint(struct libvhost_kdev *kd, const char *wwpn, uint16_t tpgt);
int libvhost_kdev_scsi_clear_endpoint(struct libvhost_kdev *kd, const char *wwpn, uint16_t tpgt);
int libvhost_kdev_scsi_get_abi_version(struct libvhost_kdev *kd, int *version);
int libvhost_kdev_scsi_set_events_missed(struct libvhost_kdev *kd, uint32_t missed);
int libvhost_kdev_scsi_get_events_missed(struct libvhost_kdev *kd, uint32_t *missed);


/* ==== vDPA: /dev/vhost-vdpa-N ==== */

struct libvhost_vdpa;

/*
 * libvhost_vdpa_open / _adopt_fd - a vhost-vdpa device.  The backend
 * features the library uses are acked where the device has them
 * (IOTLB_MSG_V2, IOTLB_BATCH, IOTLB_ASID, SUSPEND, RESUME, DESC_ASID), and
 * the config size, ring count, IOVA range and address spaces are read once.
 * Errors: -EINVAL, -ENOMEM, open()'s (-EBUSY: open elsewhere), -ENOTTY (not
 * a vhost-vdpa device; adopt leaves the fd to the caller then).
 * Since: LIBVHOST_0.1
 */
int libvhost_vdpa_open(struct libvhost_ctx *ctx, const char *path, struct libvhost_vdpa **ret);
int libvhost_vdpa_adopt_fd(struct libvhost_ctx *ctx, int fd, struct libvhost_vdpa **ret);
/* Since: LIBVHOST_0.1.  NULL-safe. */
struct libvhost_vdpa *libvhost_vdpa_ref(struct libvhost_vdpa *v);
struct libvhost_vdpa *libvhost_vdpa_unref(struct libvhost_vdpa *v);

/*
 * The transport-neutral view: libvhost_dev_set_mem() maps the table's
 * regions at their guest addresses (address space 0, batched) and unmaps
 * the previous table's; rings are started and enabled as for vhost-user.
 * The driver sets the status around it (ACKNOWLEDGE | DRIVER, then
 * FEATURES_OK after the features, DRIVER_OK last).  Since: LIBVHOST_0.1
 */
struct libvhost_dev *libvhost_vdpa_get_dev(struct libvhost_vdpa *v);
int libvhost_vdpa_get_fd(const struct libvhost_vdpa *v);

/* The virtio device id (1 net, 2 block, ...) and status byte (0 resets).  Since: LIBVHOST_0.1 */
int libvhost_vdpa_get_device_id(struct libvhost_vdpa *v, uint32_t *id);
int libvhost_vdpa_get_status(struct libvhost_vdpa *v, uint8_t *status);
int libvhost_vdpa_set_status(struct libvhost_vdpa *v, uint8_t status);

/* Config space: [offset, +len) must lie within its size (-EINVAL before the kernel).  Since: LIBVHOST_0.1 */
int libvhost_vdpa_get_config_size(struct libvhost_vdpa *v, uint32_t *size);
int libvhost_vdpa_get_config(struct libvhost_vdpa *v, uint32_t offset, void *buf, uint32_t len);
int libvhost_vdpa_set_config(struct libvhost_vdpa *v, uint32_t offset, const void *buf,
			     uint32_t len);

/*
 * The largest ring size, the ring count, the IOVA range, the config-change
 * eventfd (-1 removes), backend features.  Since: LIBVHOST_0.1
 */
int libvhost_vdpa_get_vring_num(struct libvhost_vdpa *v, uint16_t *max);
int libvhost_vdpa_get_vqs_count(struct libvhost_vdpa *v, uint32_t *count);
int libvhost_vdpa_get_iova_range(struct libvhost_vdpa *v, uint64_t *first, uint64_t *last);
int libvhost_vdpa_set_config_call(struct libvhost_vdpa *v, int fd);
int libvhost_vdpa_get_backend_features(struct libvhost_vdpa *v, uint64_t *features);
int libvhost_vdpa_set_backend_features(struct libvhost_vdpa *v, uint64_t features);

/*
 * Virtqueue groups and address spaces (IOTLB_ASID): counts, a ring's group
 * and descriptor group, a ring's own size (newer kernels), a group's
 * address space.  A ring, group or ASID the device does not have is -EINVAL
 * without an ioctl; calls the kernel lacks are -EOPNOTSUPP.
 * Since: LIBVHOST_0.1
 */
int libvhost_vdpa_get_group_num(struct libvhost_vdpa *v, uint32_t *n);
int libvhost_vdpa_get_as_num(struct libvhost_vdpa *v, uint32_t *n);
int libvhost_vdpa_get_vring_group(struct libvhost_vdpa *v, unsigned int index, uint32_t *group);
int libvhost_vdpa_get_vring_desc_group(struct libvhost_vdpa *v, unsigned int index,
				       uint32_t *group);
int libvhost_vdpa_get_vring_size(struct libvhost_vdpa *v, unsigned int index, uint32_t *size);
int libvhost_vdpa_set_group_asid(struct libvhost_vdpa *v, uint32_t group, uint32_t asid);

/* Suspend and resume the device (SUSPEND, RESUME backend features, else -EOPNOTSUPP).  Since: LIBVHOST_0.1 */
int libvhost_vdpa_suspend(struct libvhost_vdpa *v);
int libvhost_vdpa_resume(struct libvhost_vdpa *v);

/*
 * DMA mapping: map @size bytes of this process at @addr to @iova in address
 * space @asid with @perm (LIBVHOST_IOTLB_RO/WO/RW), unmap, or map every
 * region of @mem at its guest address (in one batch where the device takes
 * batches).  IOVAs outside the device's range are -ERANGE before the kernel;
 * -ENOMEM from a device that pins pages is explained (RLIMIT_MEMLOCK,
 * CAP_IPC_LOCK).  Since: LIBVHOST_0.1
 */
int libvhost_vdpa_map(struct libvhost_vdpa *v, uint32_t asid, uint64_t iova, uint64_t size,
		      void *addr, uint32_t perm);
int libvhost_vdpa_unmap(struct libvhost_vdpa *v, uint32_t asid, uint64_t iova, uint64_t size);
int libvhost_vdpa_map_mem(struct libvhost_vdpa *v, uint32_t asid, struct libvhost_mem *mem);


/*
 * vDPA device management (generic netlink family "vdpa", as iproute2's vdpa
 * tool): management devices (parents that create devices), devices, their
 * config and statistics.  Adding and deleting needs CAP_NET_ADMIN (the
 * log says so).  Built without libmnl, every call is -EOPNOTSUPP.
 */
struct libvhost_vdpa_mgmtdev {
	size_t sz; /* set by the library */
	char bus[32]; /* "pci", or "" for a parent on no bus (the simulators) */
	char name[64]; /* "vdpasim_net", "0000:03:00.2" */
	uint64_t classes; /* 1 << virtio device id, per class it creates */
	uint32_t max_vqs; /* 0: not reported */
	uint64_t features; /* device features it supports; 0: not reported */
};
typedef int (*libvhost_vdpa_mgmtdev_fn)(void *userdata, const struct libvhost_vdpa_mgmtdev *m);

/* Calls @fn per management device; a negative return stops the walk.  Since: LIBVHOST_0.1 */
int libvhost_vdpa_mgmtdev_list(struct libvhost_ctx *ctx, libvhost_vdpa_mgmtdev_fn fn,
			       void *userdata);

struct libvhost_vdpa_dev_opts {
	size_t sz;
	const uint8_t *mac; /* 6 bytes (net), or NULL */
	uint64_t mtu; /* net, 0: the parent's default */
	uint64_t max_vq_pairs; /* net, 0: the parent's default */
	uint64_t features; /* device features to offer (newer kernels), 0: all */
	/*
	 * The vDPA bus driver the device is bound to once made, as
	 * libvhost_vdpa_dev_bind() does: "vhost_vdpa" (a /dev/vhost-vdpa-N for
	 * this process) or "virtio_vdpa" (the host's own virtio device); NULL:
	 * whichever driver the kernel gives it first.
	 */
	const char *driver;
};
#define libvhost_vdpa_dev_opts__last_field driver

/*
 * libvhost_vdpa_dev_add - create vDPA device @name on management device
 * @mgmtdev ("vdpasim_net", or "pci/0000:03:00.2").  The kernel binds the
 * new device to the first vDPA bus driver that takes it: with both
 * vhost_vdpa and virtio_vdpa loaded that may be either, so a caller that
 * wants the character device names opts->driver = "vhost_vdpa".  With a
 * driver given, a device that cannot be bound to it is deleted again.
 * Errors: -EINVAL, -EPERM (no CAP_NET_ADMIN), -EEXIST, -ENODEV (no such
 * management device), -ENOENT (no such bus driver), the errors of
 * libvhost_vdpa_dev_bind(), -EOPNOTSUPP (no vdpa in the kernel, or no
 * libmnl).
 * Since: LIBVHOST_0.1
 */
int libvhost_vdpa_dev_add(struct libvhost_ctx *ctx, const char *name, const char *mgmtdev,
			  const struct libvhost_vdpa_dev_opts *opts);
/* Since: LIBVHOST_0.1 */
int libvhost_vdpa_dev_del(struct libvhost_ctx *ctx, const char *name);

struct libvhost_vdpa_devinfo {
	size_t sz; /* the caller's sizeof (for _get); set by the library in _list */
	char name[64];
	char mgmtdev[96]; /* "bus/device" or "device" */
	uint32_t device_id, vendor_id, max_vqs;
	uint16_t max_vq_size, min_vq_size;
	char driver[64]; /* the bus driver it is bound to ("vhost_vdpa"), "" for none */
};
typedef int (*libvhost_vdpa_dev_fn)(void *userdata, const struct libvhost_vdpa_devinfo *d);

/* Every device, or one by name (-ENODEV).  Since: LIBVHOST_0.1 */
int libvhost_vdpa_dev_list(struct libvhost_ctx *ctx, libvhost_vdpa_dev_fn fn, void *userdata);
int libvhost_vdpa_dev_get(struct libvhost_ctx *ctx, const char *name,
			  struct libvhost_vdpa_devinfo *ret);

struct libvhost_vdpa_devconfig {
	size_t sz; /* the caller's sizeof */
	uint8_t mac[6];
	uint8_t has_mac, has_net_status;
	uint16_t net_status, max_vq_pairs, mtu;
	uint64_t negotiated_features;
};

/* A device's config as the kernel reports it (net: MAC, status, queue pairs, MTU).  Since: LIBVHOST_0.1 */
int libvhost_vdpa_dev_config(struct libvhost_ctx *ctx, const char *name,
			     struct libvhost_vdpa_devconfig *ret);

typedef int (*libvhost_vdpa_stat_fn)(void *userdata, const char *name, uint64_t value);
/* Vendor statistics of queue @queue, name by name (-EOPNOTSUPP where the parent has none).  Since: LIBVHOST_0.1 */
int libvhost_vdpa_dev_vstats(struct libvhost_ctx *ctx, const char *name, uint32_t queue,
			     libvhost_vdpa_stat_fn fn, void *userdata);

/*
 * libvhost_vdpa_dev_path - the character device of vDPA device @name
 * ("/dev/vhost-vdpa-N"), from sysfs, into @buf of @len bytes.  Only a
 * device bound to the vhost_vdpa driver has one.
 * Errors: -EINVAL, -ENODEV (no such device), -ENXIO (the device is bound
 * to another driver, such as virtio_vdpa, or to none: see
 * libvhost_vdpa_dev_bind()), -ENAMETOOLONG (@len too small), -EOPNOTSUPP
 * (no vdpa bus in the kernel).
 * Since: LIBVHOST_0.1
 */
int libvhost_vdpa_dev_path(const char *name, char *buf, size_t len);

/*
 * libvhost_vdpa_dev_bind - bind vDPA device @name to vDPA bus driver
 * @driver: "vhost_vdpa" gives it a character device (for
 * libvhost_vdpa_open()), "virtio_vdpa" makes it a virtio device of this
 * host (a network interface, a disk).  Writes @driver to the device's
 * sysfs driver_override, so the bus offers it to @driver alone from then
 * on (also when it is probed again), unbinds it from the driver it has if
 * that is another, and binds it.  A device on @driver already is left as
 * it is.  When the bind fails, the device's previous override and driver
 * are restored as far as the kernel allows.
 *
 * Unbinding from vhost_vdpa waits, in the kernel, until every open file of
 * the device's character device is closed; unbinding from virtio_vdpa
 * removes the virtio device (and its network interface or disk) from the
 * host.  Writing sysfs needs root (or CAP_DAC_OVERRIDE).
 * Errors: -EINVAL (a name empty, of 64 bytes or more, with '/' or a
 * newline, "." or ".."), -ENODEV (no such device), -ENOENT (no such bus
 * driver: its module is not loaded), -EACCES (not root), -EIO (the driver
 * declined the device, or it ended up elsewhere), another negative errno
 * from the driver's probe, -EOPNOTSUPP (no vdpa bus in the kernel).
 * Since: LIBVHOST_0.1
 */
int libvhost_vdpa_dev_bind(struct libvhost_ctx *ctx, const char *name, const char *driver);

/* Vhost-user back-end: the device side of a vhost-user socket.             */

struct libvhost_backend;
/* One of the back-end's virtqueues: borrowed from it, valid while it lives. */
struct libvhost_vq;

/*
 * The device's behaviour.  Size-prefixed (.sz); NULL entries mean the
 * defaults given.  Each returns 0 or a negative errno, which the front-end
 * sees as a failure (a non-zero ack, or the request's failure form).
 */
struct libvhost_backend_ops {
	size_t sz;
	/* The driver's features (SET_FEATURES), a subset of opts.features.  NULL: accepted. */
	int (*set_features)(void *userdata, uint64_t features);
	/* Config space reads and writes (CONFIG).  NULL: the request fails. */
	int (*get_config)(void *userdata, uint32_t offset, void *buf, uint32_t len);
	int (*set_config)(void *userdata, uint32_t offset, const void *buf, uint32_t len,
			  uint32_t flags);
	/*
	 * A ring started (its kick fd arrived): serve it from now on, e.g. poll
	 * libvhost_vq_get_kick_fd().  NULL: nothing to do.
	 */
	int (*queue_started)(void *userdata, struct libvhost_vq *vq);
	/*
	 * A ring is being stopped (GET_VRING_BASE): finish its in-flight
	 * buffers (push and notify them) before returning.  NULL: nothing to do.
	 */
	void (*queue_stopped)(void *userdata, struct libvhost_vq *vq);
	/* The virtio status byte (STATUS).  NULL: stored and reported back. */
	int (*set_status)(void *userdata, uint8_t status);
	/*
	 * RESET_DEVICE, RESET_OWNER or a front-end that went away (then called
	 * last, once its socket, memory and channel are released).  NULL: nothing.
	 */
	void (*reset)(void *userdata);
	/*
	 * Device state transfer for migration (DEVICE_STATE, offered when both
	 * are set; only while every ring is stopped): write the state to @fd,
	 * or read it from @fd until end of file.  @fd is a memfd of the
	 * library's, never the front-end's pipe: save_state is called once the
	 * front-end has its answer, and what it wrote then goes to the pipe
	 * from libvhost_backend_process() as the front-end reads it;
	 * load_state is called once the front-end closed its end, with what
	 * it sent (at most 256 MiB: more fails the transfer).  Neither waits on
	 * the front-end; a pipe that moves nothing for the back-end's
	 * timeout_ms fails the transfer.  The library closes @fd afterwards;
	 * the result is what CHECK_DEVICE_STATE reports.
	 */
	int (*save_state)(void *userdata, int fd);
	int (*load_state)(void *userdata, int fd);
	/*
	 * Requests of particular device types; each protocol feature is offered
	 * only when its op is set, and with the op NULL the request is refused.
	 * NET_SET_MTU (NET_MTU): the MTU the driver was given, 68..65535.
	 * SEND_RARP (RARP): announce @mac (after a migration, a RARP frame on
	 * the device's receive side, as QEMU's self-announce does).
	 */
	int (*set_mtu)(void *userdata, unsigned int mtu);
	int (*send_rarp)(void *userdata, const uint8_t mac[6]);
	/*
	 * CREATE_CRYPTO_SESSION / CLOSE_CRYPTO_SESSION (CRYPTO_SESSION, both
	 * set): @session is the request's payload as the spec lays it out (632
	 * or 1072 bytes), already checked; *ret_id gets the new session's id
	 * (0..INT64_MAX).  A failure is reported to the front-end as id -1.
	 */
	int (*create_crypto_session)(void *userdata, const void *session, size_t len,
				     int64_t *ret_id);
	int (*close_crypto_session)(void *userdata, int64_t id);
	/*
	 * GPU_SET_SOCKET: the unix socket on which vhost-user-gpu's display
	 * protocol runs; on success @fd is the callee's to close.
	 */
	int (*gpu_set_socket)(void *userdata, int fd);
	/*
	 * GET_SHARED_OBJECT (SHARED_OBJECT): *ret_fd gets the dma-buf
	 * exported under @uuid, which the library sends and closes; -ENOENT
	 * when there is none (the front-end is told "not found").
	 */
	int (*get_shared_object)(void *userdata, const uint8_t uuid[16], int *ret_fd);
	/*
	 * GET_SHMEM_CONFIG (SHMEM): the sizes of the device's VIRTIO shared
	 * memory regions by shmid, @n (256) slots, 0 for none.
	 */
	int (*get_shmem_config)(void *userdata, uint64_t *sizes, unsigned int n);
	/*
	 * A ring is being stopped without its in-flight buffers being finished
	 * (GET_VRING_BASE with GET_VRING_BASE_INFLIGHT, which is offered only
	 * when this is set, and only with INFLIGHT_SHMFD; for a ring the
	 * inflight area tracks): stop serving it, cancel what it holds and do
	 * not push it.  Those buffers stay recorded in the inflight area, and
	 * the ring's next start (this back-end or the next one the front-end
	 * gives the area to) takes them again (libvhost_vq_pop()).  For a ring
	 * the area does not track, queue_stopped is called instead.  NULL: the
	 * feature is not offered.  Since: LIBVHOST_0.2
	 */
	void (*queue_suspend)(void *userdata, struct libvhost_vq *vq);
};

struct libvhost_backend_opts {
	size_t sz;
	/*
	 * Device features offered (virtio bits, e.g. VERSION_1 and the device
	 * type's); VHOST_USER_F_PROTOCOL_FEATURES (bit 30) is added.  With
	 * VIRTIO_F_ACCESS_PLATFORM (bit 33) acked, addresses go through the
	 * device IOTLB the front-end fills (IOTLB_MSG, misses on the back-end
	 * channel); pops wait for missing entries by themselves.
	 */
	uint64_t features;
	/*
	 * Protocol features offered; 0: every one the back-end implements but
	 * GPA_ADDRESSES, offered only when asked for here (rust-vmm's vhost
	 * 0.16 numbered SHMEM 21, so its front-ends may ack that bit and send
	 * process addresses).  With GPA_ADDRESSES or XEN_MMAP negotiated, ring
	 * addresses are guest physical addresses, as the spec says.
	 */
	uint64_t protocol_features;
	/* Rings the device has: 1 to 0x8000; 0 means 1. */
	uint64_t queue_num;
	/* How long a reply to the front-end may block, ms; 0 means 5000. */
	int64_t timeout_ms;
	const struct libvhost_backend_ops *ops;
	void *userdata;
	/* LIBVHOST_BACKEND_F_*. */
	uint64_t flags;
};
#define libvhost_backend_opts__last_field flags

/*
 * The device serves rings on threads of its own while another thread calls
 * libvhost_backend_process(): every ring gets a lock, which
 * libvhost_vq_pop(), _push() and _notify() take, and which process() takes
 * for every ring while it changes what rings read (memory table, IOTLB,
 * dirty log).  Without it, a device must not touch its rings while
 * process() runs (serve them on the thread that calls it).  Either way,
 * ops are called with no lock held, and a ring is the device's only from
 * queue_started until queue_stopped returns.
 */
#define LIBVHOST_BACKEND_F_THREADED (1ULL << 0)
/*
 * The device uses shared objects (SHARED_OBJECT) though it has no
 * get_shared_object op: it imports them (libvhost_backend_shared_object_lookup()).
 * An exporter sets get_shared_object, which offers the feature by itself.
 * Since: LIBVHOST_0.2
 */
#define LIBVHOST_BACKEND_F_SHARED_OBJECT (1ULL << 1)

/*
 * libvhost_backend_new - a back-end, not yet attached to a socket.
 * Errors: -EINVAL, -ENOMEM.  Since: LIBVHOST_0.1
 */
int libvhost_backend_new(struct libvhost_ctx *ctx, const struct libvhost_backend_opts *opts,
			 struct libvhost_backend **ret);

/*
 * What a front-end can make a back-end hold, each bounded per back-end
 * (so one process serves many front-ends without one starving the rest):
 * - one message being received (LIBVHOST_USER_MAX_PAYLOAD, kept in the
 *   back-end) and at most LIBVHOST_USER_MAX_FDS fds with it; half a message
 *   is held for timeout_ms at most, then the front-end is dropped;
 * - memory regions: at most LIBVHOST_MEM_MAX_REGIONS mappings of the
 *   front-end's own fds, each checked to be shared memory holding the
 *   announced range (the mapping costs address space, not memory);
 * - the dirty log and the inflight area given with SET_LOG_BASE and
 *   SET_INFLIGHT_FD: mappings of the front-end's fds, checked the same way;
 * - the inflight area GET_INFLIGHT_FD makes: at most the back-end's
 *   queue_num queues of the size asked (at most 32768), a sparse memfd;
 * - the device IOTLB: at most 4096 entries (32 bytes each), allocated at
 *   the first IOTLB_MSG;
 * - device state being loaded: at most 256 MiB, in a memfd, freed when
 *   the transfer ends;
 * - Xen builds (XEN_MMAP): while a region is mapped, an array of 12 bytes
 *   per page of it (a region is at most 64 GiB: 192 MiB), freed once
 *   mapped;
 * - replies: none queued; a front-end whose socket cannot take a reply at
 *   once is dropped.
 */

/* Since: LIBVHOST_0.1.  NULL-safe; returns its argument. */
struct libvhost_backend *libvhost_backend_ref(struct libvhost_backend *be);

/* Since: LIBVHOST_0.1.  NULL-safe; returns NULL.  Closes every socket and unmaps guest memory. */
struct libvhost_backend *libvhost_backend_unref(struct libvhost_backend *be);

/*
 * Where front-ends come from: listen on @path (a server; the next front-end
 * is accepted when the current one goes), or adopt a connected socket (the
 * spec's --fd convention; on success it belongs to the back-end).
 * Errors: -EINVAL, -ENAMETOOLONG, -EADDRINUSE, -EBUSY (already attached).
 * Since: LIBVHOST_0.1
 */
int libvhost_backend_listen(struct libvhost_backend *be, const char *path);
int libvhost_backend_adopt_fd(struct libvhost_backend *be, int fd);

/*
 * libvhost_backend_listen_fd - like listen, on a unix stream socket that
 * already listens and was handed over (the spec's --fd convention when the
 * caller, e.g. systemd's socket activation, made the listening socket).  On
 * success it belongs to the back-end, is made non-blocking, and is closed
 * at the end; no path is unlinked.
 * Errors: -EINVAL (not a listening unix stream socket), -EBUSY (already
 * attached), fcntl()'s.
 * Since: LIBVHOST_0.1
 */
int libvhost_backend_listen_fd(struct libvhost_backend *be, int fd);

/*
 * libvhost_backend_connect - be the client of a front-end that listens on
 * @path (QEMU's "-chardev socket,server=on").  The first connect must
 * succeed; after the front-end goes away, libvhost_backend_process() and
 * _run() connect again (get_fd() is -1 meanwhile: call process() again
 * after a while, as run() does every 100 ms).
 * Errors: -EINVAL, -ENAMETOOLONG, -EBUSY, and connect()'s.
 * Since: LIBVHOST_0.1
 */
int libvhost_backend_connect(struct libvhost_backend *be, const char *path);

/*
 * libvhost_backend_get_fd - the fd to poll for POLLIN before calling
 * libvhost_backend_process().  It is an epoll fd, the same from the first
 * listen, connect or adopt to the back-end's end (so it may be added to the
 * caller's own epoll set once), and polls readable exactly when process()
 * has work: a front-end to accept, its socket, a device state transfer, or
 * a deadline passed (a front-end's half-sent message or stalled transfer
 * to give up).
 * -1 before any of those, once an adopted socket's front-end went, and
 * while a client back-end has no front-end (process() dials it again).
 * Since: LIBVHOST_0.1
 */
int libvhost_backend_get_fd(const struct libvhost_backend *be);

/*
 * libvhost_backend_process - accept a front-end, read what its socket has
 * of its next request and handle that request once it is whole, or move a
 * device state transfer on; it never waits for a front-end (a request is
 * received in as many calls as the front-end takes to send it, and a
 * reply the front-end's socket cannot take at once ends the session, as
 * no front-end that reads its replies lets them pile up).  A request half
 * sent and not finished within the back-end's timeout_ms ends the
 * session.  Returns 1 if something was done, 0 if nothing was waiting.  A front-end that goes away or sends a
 * malformed request is dropped (logged; its rings stopped, its memory
 * unmapped and its fds closed, then ops->reset called) and the back-end waits for the next one:
 * that is still a return of 1.  Errors: -ENOTCONN (no socket), -EINVAL.
 * Since: LIBVHOST_0.1
 */
int libvhost_backend_process(struct libvhost_backend *be);

/*
 * libvhost_backend_run - process until the front-end disconnects (an
 * adopted socket) or forever (listening, or connecting again).  Returns 0
 * on a clean disconnect.  Since: LIBVHOST_0.1
 */
int libvhost_backend_run(struct libvhost_backend *be);

/* Ring @index, or NULL past opts.queue_num.  Since: LIBVHOST_0.1 */
struct libvhost_vq *libvhost_backend_get_vq(struct libvhost_backend *be, unsigned int index);

/* The features the front-end acked (SET_FEATURES), 0 before.  Since: LIBVHOST_0.1 */
uint64_t libvhost_backend_get_acked_features(const struct libvhost_backend *be);

/*
 * What the back-end did since it was made, for an operator's statistics and
 * for tests that assert on counts.  Filled up to .sz, which the caller sets.
 */
struct libvhost_backend_stats {
	size_t sz;
	uint64_t sessions; /* front-ends served: accepted, dialled or adopted */
	uint64_t inflight_resubmitted; /* buffers found in flight at a ring's start, taken again */
	uint64_t log_pages; /* dirty log bits this back-end set (pages it wrote while logging) */
	uint64_t iotlb_misses; /* misses reported to the front-end */
	uint64_t iotlb_updates; /* IOTLB updates received */
	uint64_t iotlb_invalidations; /* IOTLB invalidations received */
	uint64_t mem_regions_added; /* regions mapped: SET_MEM_TABLE's and ADD_MEM_REG's */
	uint64_t mem_regions_removed; /* REM_MEM_REG honoured */
};

/*
 * libvhost_backend_get_stats - the counts so far.  May be called from any
 * thread (the counts are read one at a time, not as one snapshot).
 * Errors: -EINVAL (NULL, .sz too small).  Since: LIBVHOST_0.1
 */
int libvhost_backend_get_stats(const struct libvhost_backend *be,
			       struct libvhost_backend_stats *stats);

/*
 * libvhost_backend_config_changed - tell the front-end the device's config
 * space changed (BACKEND_CONFIG_CHANGE_MSG; needs BACKEND_REQ and CONFIG);
 * with REPLY_ACK, waits for its answer.
 *
 * Errors: -EOPNOTSUPP (not negotiated), -ENOTCONN (no channel, or it failed
 * and was closed), -EIO (the front-end refused).
 * Since: LIBVHOST_0.1
 */
int libvhost_backend_config_changed(struct libvhost_backend *be);

/*
 * Shared objects (SHARED_OBJECT, offered with a get_shared_object op or
 * LIBVHOST_BACKEND_F_SHARED_OBJECT; needs BACKEND_REQ): tell the front-end
 * this device exports a dma-buf under @uuid (BACKEND_SHARED_OBJECT_ADD; the
 * front-end then gets it with GET_SHARED_OBJECT, the get_shared_object op),
 * that it no longer does (_REMOVE), or ask for the dma-buf another device
 * exported (_LOOKUP: *@ret_fd gets it, the caller's to close).  ADD and
 * REMOVE wait for the front-end's ack when REPLY_ACK is negotiated and are
 * otherwise sent only if the channel takes them at once; LOOKUP always
 * waits for its reply (the u64 0 with exactly one fd, or non-zero with
 * none).  Waits last at most the back-end's timeout_ms; a timeout or a
 * malformed reply closes the channel.  May be called from any thread.
 *
 * Errors: -EINVAL (NULL, the nil UUID), -EOPNOTSUPP (not negotiated),
 * -ENOTCONN (no channel, or it was closed), -ETIMEDOUT (no reply in time, or
 * the channel could not take the request), -EPROTO and -EBADMSG (a
 * malformed reply), -ECONNRESET (the front-end closed the channel), -EIO
 * (the front-end refused ADD or REMOVE), -ENOENT (LOOKUP: not found).
 * Since: LIBVHOST_0.2
 */
int libvhost_backend_shared_object_add(struct libvhost_backend *be, const uint8_t uuid[16]);
int libvhost_backend_shared_object_remove(struct libvhost_backend *be, const uint8_t uuid[16]);
int libvhost_backend_shared_object_lookup(struct libvhost_backend *be, const uint8_t uuid[16],
					  int *ret_fd);

/*
 * VIRTIO shared memory (SHMEM, offered with a get_shmem_config op; needs
 * BACKEND_REQ): have the front-end map @map->len bytes of @fd from
 * @map->fd_offset at @map->shm_offset of the region @map->shmid
 * (BACKEND_SHMEM_MAP, with BACKEND_SEND_FD; @map->flags
 * LIBVHOST_SHMEM_MAP_RW or 0 for read-only; @fd stays the caller's), or
 * unmap such a range (BACKEND_SHMEM_UNMAP: fd_offset and flags are not
 * sent).  The range must lie inside a region the back-end declared in its
 * last answer to GET_SHMEM_CONFIG (no answer yet: none).  Waits as
 * libvhost_backend_shared_object_add() does.
 *
 * Errors: -EINVAL (NULL, @fd < 0, len 0, a shmid not declared, a range
 * outside its region or whose fd range passes 2^64, unknown flags), and as
 * libvhost_backend_shared_object_add() (-EIO: the front-end refused).
 * Since: LIBVHOST_0.2
 */
int libvhost_backend_shmem_map(struct libvhost_backend *be, const struct libvhost_shmem_map *map,
			       int fd);
int libvhost_backend_shmem_unmap(struct libvhost_backend *be,
				 const struct libvhost_shmem_map *map);

/* One buffer taken from a ring (libvhost_vq_pop()). */
struct libvhost_vq_elem {
	uint32_t id; /* give it back to libvhost_vq_push() */
	uint32_t out; /* iovecs the device reads, first */
	uint32_t in; /* then iovecs the device writes */
	uint32_t reserved;
};

/* The ring's index.  Since: LIBVHOST_0.1 */
unsigned int libvhost_vq_get_index(const struct libvhost_vq *vq);

/*
 * libvhost_vq_get_kick_fd - the eventfd the driver kicks, -1 while the ring
 * is stopped or the front-end polls (NOFD).  Read it (8 bytes) before
 * popping.  Since: LIBVHOST_0.1
 */
int libvhost_vq_get_kick_fd(const struct libvhost_vq *vq);

/* 1 if the ring is started and enabled, else 0.  Since: LIBVHOST_0.1 */
int libvhost_vq_is_enabled(const struct libvhost_vq *vq);

/*
 * libvhost_vq_pop - take the next available buffer as iovecs straight into
 * guest memory (zero copy; a part crossing regions becomes several iovecs).
 * Returns 1 with @elem filled, 0 when the ring is empty (or stopped).
 * With inflight tracking (INFLIGHT_SHMFD), a back-end started again after a
 * crash first gets the buffers its predecessor took and never returned: a
 * device must be able to process a request again.
 * Errors: -ENOSPC (more than @cap iovecs: nothing was taken), -EIO (the
 * driver broke the ring: it stays broken, and its err fd is signalled).
 * Since: LIBVHOST_0.1
 */
int libvhost_vq_pop(struct libvhost_vq *vq, struct iovec *iov, unsigned int cap,
		    struct libvhost_vq_elem *elem);

/*
 * libvhost_vq_push - give a popped buffer back with @len bytes written into
 * it; the driver sees it at libvhost_vq_notify().
 * Errors: -EINVAL (@id not in flight), -EIO (broken), -EAGAIN (a VDUSE
 * ring whose IOVA the driver took away, paused until an UPDATE_IOTLB gives
 * it back: push it then; its notifies wait too).  Since: LIBVHOST_0.1
 */
int libvhost_vq_push(struct libvhost_vq *vq, uint32_t id, uint32_t len);

/* A buffer given back, for libvhost_vq_push_burst(). */
struct libvhost_vq_used {
	uint32_t id; /* from libvhost_vq_elem */
	uint32_t len; /* bytes written into its device-writable part */
};

/*
 * libvhost_vq_pop_burst - up to @n libvhost_vq_pop()s in one call: the
 * iovecs of each buffer follow the previous buffer's in @iov (@cap in all),
 * so buffer k's start after the out + in iovecs of elems[0..k-1].
 * Returns how many were taken, 0 when the ring is empty; fewer than @n when
 * it ran out, or when the next buffer needs more iovecs than are left (it
 * stays in the ring: take it with libvhost_vq_pop() and more room).
 * Errors, only when nothing was taken: as libvhost_vq_pop(); a ring that
 * breaks after some were taken says -EIO at the next call.
 * Since: LIBVHOST_0.1
 */
int libvhost_vq_pop_burst(struct libvhost_vq *vq, struct iovec *iov, unsigned int cap,
			  struct libvhost_vq_elem *elems, unsigned int n);

/*
 * libvhost_vq_push_burst - @n libvhost_vq_push()es in one call, in order.
 * Returns how many were given back: fewer than @n when used[returned] is not
 * in flight (it and those after it were not pushed).
 * Errors: -EINVAL (used[0] not in flight), -EIO (broken), -EAGAIN (as
 * libvhost_vq_push()).  Since: LIBVHOST_0.1
 */
int libvhost_vq_push_burst(struct libvhost_vq *vq, const struct libvhost_vq_used *used,
			   unsigned int n);

/*
 * libvhost_vq_unpop - put the last @n buffers taken back in the ring, none
 * of them pushed: the next pops take them again, in the same order.  For a
 * device that took buffers and found it cannot use them yet, as a network
 * device whose frame needs more receive buffers than the driver has posted
 * so far (it waits for more, rather than cut the frame short).
 * Errors: -EINVAL (fewer than @n taken since the ring started, or one of
 * them given back), -EIO (broken).  Since: LIBVHOST_0.1
 */
int libvhost_vq_unpop(struct libvhost_vq *vq, unsigned int n);

/*
 * libvhost_vq_notify - publish pushed buffers and signal the call fd if the
 * driver asked to be told (with no call fd and INBAND_NOTIFICATIONS, a
 * VRING_CALL on the back-end channel).  Returns 1 if it was signalled, 0 if
 * not.  A device that polls may publish less often than once a burst
 * (vhost-user-net: every 64 buffers, or when the ring idles): a polling
 * driver reads the used index on every round, and each update moves that
 * cache line between the CPUs.
 * Errors: -EIO (broken), -ENOTCONN (the in-band channel failed).
 * Since: LIBVHOST_0.1
 */
int libvhost_vq_notify(struct libvhost_vq *vq);

/*
 * libvhost_vq_set_kicks - ask the driver to kick the ring when it adds
 * buffers (@enable non-zero, the default) or not to (a device that polls:
 * each kick the driver makes is a system call on its side).  The choice
 * stays for the ring's later starts and sessions.  A device that turns
 * kicks back on before it sleeps must pop what is there first: returns 1
 * when buffers are available (read after the driver can see the change),
 * else 0.  The driver may still kick now and then (split rings with
 * EVENT_IDX: at most once per 32768 buffers).
 * Errors: -EINVAL.  Since: LIBVHOST_0.1
 */
int libvhost_vq_set_kicks(struct libvhost_vq *vq, int enable);

/*
 * libvhost_vq_set_host_notifier - offer the front-end @size bytes of @fd at
 * @offset as the ring's notification area (BACKEND_VRING_HOST_NOTIFIER_MSG,
 * HOST_NOTIFIER and BACKEND_SEND_FD; rings 0-255): the driver's kicks then
 * land in that memory, which the device polls.  @fd -1 takes it back.  @fd
 * stays the caller's.  Errors as libvhost_backend_config_changed(), and
 * -EINVAL.
 * Since: LIBVHOST_0.1
 */
int libvhost_vq_set_host_notifier(struct libvhost_vq *vq, int fd, uint64_t offset,
				  uint64_t size);

/* ==== VDUSE: a device in this process that the kernel itself drives ==== */

/*
 * VDUSE (vDPA Device in Userspace, /dev/vduse/control, Linux 5.15 and
 * later) makes this process a virtio device of the host kernel: once added
 * to the vdpa bus (libvhost_vdpa_dev_add() on management device "vduse",
 * or `vdpa dev add name NAME mgmtdev vduse`), bound to virtio_vdpa it is
 * an ordinary /dev/vdX of the host, bound to vhost_vdpa a
 * /dev/vhost-vdpa-N a VMM hands to a guest.  The device is written as for
 * a vhost-user back-end: the same struct libvhost_backend_ops, the same
 * struct libvhost_vq rings with libvhost_vq_pop/push/notify, so one device
 * implementation serves both transports.  What the kernel serves varies:
 * Linux 6.1 has API version 0 and block devices (virtio id 2) only, with
 * a read-only config space (no VIRTIO_BLK_F_CONFIG_WCE); what it lacks is
 * refused with -EOPNOTSUPP and a log line.
 */
struct libvhost_vduse;

struct libvhost_vduse_opts {
	size_t sz;
	/* The virtio device id (2: block) and vendor id. */
	uint64_t device_id;
	uint64_t vendor_id;
	/*
	 * Device features offered (virtio bits); VIRTIO_F_VERSION_1 (32) and
	 * VIRTIO_F_ACCESS_PLATFORM (33) are added: VDUSE requires both.
	 */
	uint64_t features;
	/* Rings the device has, 1 to 0xffff (0 means 1), and their largest size (0: 256; a power of two, at most 32768). */
	uint64_t queue_num;
	uint64_t queue_size;
	/*
	 * Bytes of config space (at most 4096): ops->get_config(0, buf,
	 * config_size) is read once, at creation; libvhost_vduse_set_config()
	 * changes it later.
	 */
	uint64_t config_size;
	/*
	 * The device, as for libvhost_backend_new(): set_features (at
	 * FEATURES_OK), get_config (at creation), queue_started and
	 * queue_stopped (at DRIVER_OK and at reset), set_status, reset (the
	 * driver reset the device, or the handle goes).  The other ops are
	 * vhost-user's and not called.
	 */
	const struct libvhost_backend_ops *ops;
	void *userdata;
	/* LIBVHOST_VDUSE_F_*. */
	uint64_t flags;
};
#define libvhost_vduse_opts__last_field flags

/* Do not destroy the kernel device when the handle goes (another process serves it next). */
#define LIBVHOST_VDUSE_F_KEEP (1ULL << 0)

/*
 * libvhost_vduse_api_version - the VDUSE API version the running kernel
 * speaks (VDUSE_GET_API_VERSION on /dev/vduse/control; 0 on Linux 6.1).
 * Errors: -EINVAL, -EOPNOTSUPP (no /dev/vduse/control: no VDUSE in the
 * kernel), open()'s (-EACCES: not root).
 * Since: LIBVHOST_0.2
 */
int libvhost_vduse_api_version(struct libvhost_ctx *ctx, uint64_t *ret_version);

/*
 * libvhost_vduse_new - create VDUSE device @name (1 to 255 bytes, no '/')
 * through /dev/vduse/control, set up its rings, and open /dev/vduse/@name.
 * It is not on the vdpa bus yet: add it with libvhost_vdpa_dev_add(ctx,
 * @name, "vduse", ...), then serve it with libvhost_vduse_process().
 * Errors: -EINVAL (bad options; the kernel refused the config), -EEXIST
 * (a VDUSE device of that name exists), -EOPNOTSUPP (no VDUSE; a device
 * class or feature the kernel does not serve), -EACCES, -ENOMEM.
 * The rings are served on the thread that calls libvhost_vduse_process()
 * (buffers' IOVA regions are mapped as pops meet them).
 * Since: LIBVHOST_0.2
 */
int libvhost_vduse_new(struct libvhost_ctx *ctx, const char *name,
		       const struct libvhost_vduse_opts *opts, struct libvhost_vduse **ret);

/* Since: LIBVHOST_0.2.  NULL-safe; returns its argument. */
struct libvhost_vduse *libvhost_vduse_ref(struct libvhost_vduse *v);
/*
 * Since: LIBVHOST_0.2.  NULL-safe; returns NULL.  The last reference stops
 * the rings (ops->queue_stopped, ops->reset), closes the device and
 * destroys it in the kernel (unless LIBVHOST_VDUSE_F_KEEP): that fails,
 * logged, while it is still on the vdpa bus (delete it there first).
 */
struct libvhost_vduse *libvhost_vduse_unref(struct libvhost_vduse *v);

/*
 * libvhost_vduse_destroy - destroy VDUSE device @name in the kernel
 * (VDUSE_DESTROY_DEV): one left by a process that went, or kept.
 * Errors: -EINVAL (bad name, or no such device), -EBUSY (on the vdpa bus,
 * or open), -EOPNOTSUPP (no VDUSE).
 * Since: LIBVHOST_0.2
 */
int libvhost_vduse_destroy(struct libvhost_ctx *ctx, const char *name);

/*
 * libvhost_vduse_get_fd - the fd to poll for POLLIN before calling
 * libvhost_vduse_process() (the kernel's requests: status changes, ring
 * state, IOTLB updates), the same for the handle's life.  The kernel
 * waits for each answer (30 s by default, then the device is broken), so
 * serve it promptly.  Since: LIBVHOST_0.2
 */
int libvhost_vduse_get_fd(const struct libvhost_vduse *v);

/*
 * libvhost_vduse_process - answer every request the kernel has waiting,
 * never blocking.  DRIVER_OK starts the rings the driver made ready (their
 * kick fds are then the library's eventfds, ops->queue_started is called),
 * status 0 resets the device (rings stopped, IOVA mappings dropped,
 * ops->reset), an IOTLB update drops the mappings it covers.  Returns 1 if
 * something was done, 0 if nothing was waiting.
 * Errors: -EINVAL, -EPROTO (the kernel sent a malformed request: logged,
 * answered as failed), -EIO (the kernel broke the device: it did not get
 * an answer in time), read()'s and write()'s.
 * Since: LIBVHOST_0.2
 */
int libvhost_vduse_process(struct libvhost_vduse *v);

/* Ring @index, or NULL past opts.queue_num: the libvhost_vq_* calls apply.  Since: LIBVHOST_0.2 */
struct libvhost_vq *libvhost_vduse_get_vq(struct libvhost_vduse *v, unsigned int index);

/* The features the driver acked (at FEATURES_OK), 0 before.  Since: LIBVHOST_0.2 */
uint64_t libvhost_vduse_get_acked_features(const struct libvhost_vduse *v);

/* The device status the driver set last.  Since: LIBVHOST_0.2 */
int libvhost_vduse_get_status(const struct libvhost_vduse *v);

/*
 * What the kernel asked of a VDUSE device since its handle was made, for an
 * operator's statistics and for tests that assert on counts.  Filled up to
 * .sz, which the caller sets.
 */
struct libvhost_vduse_stats {
	size_t sz;
	uint64_t requests; /* requests read from the device fd and answered */
	uint64_t failed; /* of them, answered as failed (malformed, or refused by the device) */
	uint64_t vq_states; /* VDUSE_GET_VQ_STATE: a ring's state asked (vhost-vdpa's GET_VRING_BASE) */
	uint64_t status_changes; /* VDUSE_SET_STATUS */
	uint64_t resets; /* of them, status 0 */
	uint64_t iotlb_updates; /* VDUSE_UPDATE_IOTLB: the driver's mappings changed */
};

/*
 * libvhost_vduse_get_stats - the counts so far.  May be called from any
 * thread (the counts are read one at a time, not as one snapshot).
 * Errors: -EINVAL (NULL, .sz too small).  Since: LIBVHOST_0.2
 */
int libvhost_vduse_get_stats(const struct libvhost_vduse *v, struct libvhost_vduse_stats *stats);

/*
 * libvhost_vduse_set_config - write @len bytes at @offset of the config
 * space the kernel keeps (VDUSE_DEV_SET_CONFIG) and tell the driver
 * (VDUSE_DEV_INJECT_CONFIG_IRQ, once it set DRIVER_OK; before, there is
 * no one to tell).  Errors: -EINVAL (outside the config space), the
 * kernel's.  Since: LIBVHOST_0.2
 */
int libvhost_vduse_set_config(struct libvhost_vduse *v, uint32_t offset, const void *buf,
			      uint32_t len);

#ifdef __cplusplus
}
#endif

#endif /* LIBVHOST_H */
