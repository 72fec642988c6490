/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What libvhost's device tools share: the virtio-blk and virtio-net facts
 * (virtio 1.2, 5.1 and 5.2) that vhost-user-blk, vhost-user-net and
 * vhost-ctl blk speak, the SIGTERM/SIGINT flag, the config space read, and
 * the loops that serve a back-end's socket and rings (tool-device.c).
 */
#ifndef LIBVHOST_TOOL_DEVICE_H
#define LIBVHOST_TOOL_DEVICE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <libvhost.h>

struct tool_worker;

/* Device-independent feature bits (the rest are the public header's LIBVHOST_F_*). */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_F_IN_ORDER 35

/* virtio-blk */
#define BLK_F_SIZE_MAX 1
#define BLK_F_SEG_MAX 2
#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9
#define BLK_F_MQ 12
#define BLK_F_DISCARD 13
#define BLK_F_WRITE_ZEROES 14
#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_T_FLUSH 4
#define BLK_T_GET_ID 8
#define BLK_T_DISCARD 11
#define BLK_T_WRITE_ZEROES 13
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define BLK_S_UNSUPP 2
#define BLK_ID_BYTES 20
#define SECTOR 512u

/* struct virtio_blk_config up to write_zeroes_may_unmap (60 bytes) */
struct blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint8_t geometry[4];
	uint32_t blk_size;
	uint8_t topology[8];
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
} __attribute__((packed));

_Static_assert(sizeof(struct blk_config) == 60, "virtio-blk config layout");

struct blk_req_hdr {
	uint32_t type;
	uint32_t ioprio;
	uint64_t sector;
};

/* a discard or write-zeroes segment */
struct blk_discard {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

/* virtio-net */
#define NET_F_MAC 5
#define NET_F_MRG_RXBUF 15
#define NET_F_STATUS 16
#define NET_F_MQ 22
#define NET_S_LINK_UP 1

struct net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
} __attribute__((packed));

/*
 * Copies @len bytes at @off of a buffer's @n iovecs out to @dst (or in from
 * @src); returns how many there were.  Inline: vhost-user-net's sink copies
 * every frame with it.
 */
static inline size_t tool_iov_copy(const struct iovec *iov, unsigned int n, size_t off, void *dst,
				   const void *src, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len - done)
			l = len - done;
		if (dst)
			memcpy((uint8_t *)dst + done, (uint8_t *)iov[i].iov_base + off, l);
		else
			memcpy((uint8_t *)iov[i].iov_base + off, (const uint8_t *)src + done, l);
		done += l;
		off = 0;
	}
	return done;
}

/* Set by SIGTERM and SIGINT once tool_catch_signals() ran: the loops end. */
extern volatile sig_atomic_t tool_quit;

/* SIGTERM and SIGINT set tool_quit; SIGPIPE is ignored (a peer gone is an error return). */
void tool_catch_signals(void);

/*
 * A get_config op's body: @len bytes at @offset of the device's @config
 * (@size bytes) into @buf; -EINVAL past its end (front-ends ask for less
 * than the whole struct: QEMU reads 57 bytes of virtio-blk's).
 */
int tool_config_read(const void *config, size_t size, uint32_t offset, void *buf, uint32_t len);

/* The most rings tool_serve() watches. */
#define TOOL_SERVE_MAX_RINGS 64

/*
 * A back-end served by tool_serve() (sleeping on the socket and the kick
 * fds) or tool_serve_threads() (the socket alone, the rings on workers).
 */
struct tool_serve {
	const char *tool; /* for messages */
	struct libvhost_backend *be;
	bool client; /* --connect: when the front-end leaves, dial it again every 100 ms */
	void *userdata;
	/* tool_serve(): */
	unsigned int rings; /* the back-end's rings 0 .. rings - 1 (at most TOOL_SERVE_MAX_RINGS) */
	/* ring @index was kicked, or is marked in @more: serve it */
	void (*serve_ring)(void *userdata, unsigned int index);
	/*
	 * NULL, or per ring: left with work by serve_ring (it is served again
	 * without a kick, and the loop does not sleep meanwhile); the loop
	 * clears the mark of a ring that stopped.
	 */
	bool *more;
	/* -1, or another fd to sleep on (vhost-user-net's tap) */
	int extra_fd;
	/* extra_fd is readable, or *extra_more: serve it */
	void (*serve_extra)(void *userdata);
	bool *extra_more; /* NULL, or: the extra fd left with work, as @more */
	/* NULL, or after each message the socket brought (not a reconnection) */
	void (*after_message)(void *userdata);
	/* NULL, or called each round: how long the loop may sleep at most (ms; -1: no limit) */
	int (*timeout)(void *userdata);
	/* tool_serve_threads(): woken after each message, also a failed one (tool_worker_wake()) */
	struct tool_worker *const *workers;
	unsigned int nworkers;
};

/*
 * Until tool_quit or the front-end leaves (without @client): every round,
 * the rings kicked or left with work and the extra fd are served, then a
 * message of the socket is processed.  Returns 0, or the error that ended it.
 */
int tool_serve(const struct tool_serve *s);

/*
 * --threads, the main thread: the socket (or, with @client, dialling the
 * front-end again).  SIGTERM and SIGINT are blocked but in ppoll(), under
 * @unblocked, so that one arriving just before it still ends the wait
 * (tool_threads_block_signals()).  Returns as tool_serve().
 */
int tool_serve_threads(const struct tool_serve *s, const sigset_t *unblocked);

/*
 * Several back-ends (--device) on one thread: tool_serve() and
 * tool_serve_threads() for @n of them, all in one ppoll().  A back-end
 * whose front-end left for good (an adopted fd) is no longer polled; the
 * loop ends when none is left, at tool_quit, or on an error of one
 * (-EINVAL for more than TOOL_MAX_DEVICES or a bad one).  A front-end
 * the library dropped is no error: its back-end waits for the next one
 * while the others go on.
 */
int tool_serve_all(const struct tool_serve *const *s, unsigned int n);
int tool_serve_threads_all(const struct tool_serve *const *s, unsigned int n,
			   const sigset_t *unblocked);

/* The most devices one process serves. */
#define TOOL_MAX_DEVICES 64

/*
 * The value of --device: KEY=VALUE pairs separated by commas, ",," a comma
 * within a value (QEMU's convention).  Every key must be one of @keys (a
 * NULL-ended list), at most once; @set gets its index there and its value
 * (a string within @arg, which is cut up in place: an argv string lives as
 * long as the program), and returns -1 (having said why) when the value is
 * bad.  Returns 0, or -1 with a line on stderr naming @tool.
 */
int tool_device_parse(const char *tool, char *arg, const char *const *keys,
		      int (*set)(void *ud, unsigned int key, const char *value), void *ud);

/*
 * A tool's devices as its options describe them: opts[0] the one its
 * single-device options (--socket-path and the rest) make, then one per
 * --device; each @size bytes, a --device's starting as *@defaults.
 */
struct tool_devices {
	const char *tool;
	const char *const *keys; /* --device's, for tool_device_parse() */
	int (*set)(void *opts, unsigned int key, const char *value);
	/* after a device's options: 0, or -1 having said what is missing */
	int (*check)(const void *opts);
	void *opts; /* room for TOOL_MAX_DEVICES + 1 */
	size_t size;
	const void *defaults;
	unsigned int n; /* opts[] filled, opts[0] included */
	bool single; /* a single-device option was given: opts[0] is a device */
};

/* A --device's value: 0, or -1 having said why. */
int tool_devices_add(struct tool_devices *d, char *arg);

/*
 * After the options: the number of devices, opts[0] being the first (the
 * single-device options', else the first --device's); -1 having said why
 * (none, too many, or the single-device options lack something).
 */
int tool_devices_end(struct tool_devices *d);

/*
 * Serves @n back-ends (tool_serve_all()), or with @threads: every one's
 * @begin(userdata) starts its ring threads (0, or -1 having said why),
 * tool_serve_threads_all() runs, and every one's @end(userdata) (begun or
 * not) ends them before the back-ends go.  Returns as tool_serve_all();
 * -EAGAIN when a @begin failed.
 */
int tool_run(const struct tool_serve *const *s, unsigned int n, bool threads,
	     int (*begin)(void *userdata), void (*end)(void *userdata));

/*
 * Device @index's name in its messages and count lines: @tool for device 0
 * (the lines tests and scripts read stay as they were), "@tool: device N"
 * past it.
 */
void tool_device_name(char *buf, size_t size, const char *tool, unsigned int index);

/* A decimal number of at most @max into *out: 0, or -1. */
int tool_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* on, off (also yes/no, true/false) into *out: 0, or -1. */
int tool_parse_bool(const char *s, bool *out);

/*
 * Where a device meets its front-end: exactly one of socket_path (listen
 * there), connect_path (dial it) and fd (>= 0: an inherited socket, listening
 * or connected).
 */
struct tool_attach {
	const char *socket_path;
	const char *connect_path;
	int fd;
};

/* How many of the three @a names (1 is right). */
unsigned int tool_attach_count(const struct tool_attach *a);

/* @be listening, dialling or on the fd: 0, or -errno after a line on stderr naming @tool. */
int tool_attach(const char *tool, struct libvhost_backend *be, const struct tool_attach *a);

#endif
