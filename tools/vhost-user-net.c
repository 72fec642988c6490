/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user-net: a virtio-net device served to a vhost-user front-end.
 * Echo mode sends every frame the driver transmits straight back to it; tap
 * mode connects the device to a tap interface; sink and source modes are the
 * two halves the benchmarks measure (guest TX consumed, guest RX filled with
 * generated frames).  Mergeable RX buffers, multi-queue.  Public API only.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include <libvhost.h>

#include "tool-caps.h"
#include "tool-device.h"
#include "tool-log.h"
#include "tool-stats.h"
#include "tool-threads.h"

#define HDR_LEN 12 /* struct virtio_net_hdr_v1 */
#define FRAME_MAX 65550
#define MAX_IOV 256
#define MAX_PAIRS 16
_Static_assert(2 * MAX_PAIRS <= TOOL_SERVE_MAX_RINGS, "two rings a pair");
#define BURST 32 /* buffers taken from a ring at a time */
#define BUDGET 256 /* buffers (or tap frames) served in one go before the rest get a turn */
#define QUEUE_MAX 32768 /* the largest ring: a ring that stops is drained of at most this */
#define MAX_FRAME_BUFS 256 /* receive buffers one frame may take (MRG_RXBUF) */
#define ETH_HLEN 14
#define POLL_CHECK 256 /* --poll: busy rounds between looks at the clock */
#define POLL_SOCKET_NS 1000000 /* --poll: the socket is looked at (a syscall) once a millisecond */
#define COALESCE 64 /* --poll: used buffers the driver is told of together */
#define COALESCE_IDLE 128 /* --poll: empty looks at a ring before what it used is told anyway */
#define TUNE_HOLD_NS 1000000000LL /* --poll: how long the sink keeps a way of taking frames */
#define TUNE_TRY_NS 20000000LL /* then how long it tries each of the two */

enum net_mode { MODE_ECHO, MODE_SINK, MODE_SOURCE };

struct net {
	char name[48]; /* "vhost-user-net", or "vhost-user-net: device N" past the first port */
	struct libvhost_backend *be;
	unsigned int pairs;
	int tap; /* -1 unless --tap */
	enum net_mode mode;
	bool poll; /* busy-poll the rings instead of sleeping on kicks */
	bool stats; /* frames per second on stderr */
	size_t gen_len; /* source: the generated frame's length */
	struct net_config config;
	uint64_t tx_frames, rx_frames, dropped;
	uint64_t tx_bursts, rx_bursts; /* times frames were taken from a ring, or put into one */
	/* per ring: buffers used and not told yet (--poll), empty looks since */
	unsigned int untold[2 * MAX_PAIRS], idle[2 * MAX_PAIRS];
	/* sleeping on kicks: a ring (the tap) left with work after BUDGET, served again unkicked */
	bool more[2 * MAX_PAIRS], tap_more;
	uint64_t handed; /* sink: frames whose first line was handed back */
	uint64_t stats_tx, stats_rx, stats_txb, stats_rxb, stats_handed; /* at the last stats line */
	struct timespec stats_at;
	bool announced;
	/*
	 * Sink: whether a frame's first line is handed back once copied
	 * (give_back()); --poll tries both ways now and then (tune()): the
	 * trial under way (0: none), when it began, the frames then, and the
	 * rate without.
	 */
	bool give_back;
	int trial;
	struct timespec trial_at;
	uint64_t trial_frames;
	double rate_without;
	uint8_t frame[FRAME_MAX];
	/* source: the header (num_buffers 1) and the frame sent again and again, one copy */
	uint8_t gen_msg[HDR_LEN + FRAME_MAX];
	uint8_t *gen; /* the frame in gen_msg */
	/*
	 * --threads: the main thread's struct holds a copy of itself per
	 * queue pair, which that pair's worker (worker[], the main thread's)
	 * serves its rings with (counts and buffers of its own); tid is the
	 * thread that served the copy's rings, -1 if more than one did.
	 */
	struct net *pair[MAX_PAIRS];
	struct tool_worker *worker[MAX_PAIRS];
	pid_t tid;
};

static int net_get_config(void *ud, uint32_t offset, void *buf, uint32_t len)
{
	struct net *n = ud;

	return tool_config_read(&n->config, sizeof(n->config), offset, buf, len);
}

/*
 * SEND_RARP, after a migration: a RARP frame from @mac to everyone (as a
 * guest announcing itself would send it), so the switch behind the tap
 * learns where the guest is now.  Without a tap there is no network to
 * tell: echo would hand it to the guest itself.
 */
static int net_send_rarp(void *ud, const uint8_t mac[6])
{
	struct net *n = ud;
	uint8_t f[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (n->tap < 0)
		return 0;
	memcpy(f + 6, mac, 6);
	f[12] = 0x80; /* ethertype RARP, 0x8035 */
	f[13] = 0x35;
	f[15] = 1; /* hardware type: Ethernet */
	f[16] = 0x08; /* protocol type: IPv4 */
	f[18] = 6; /* hardware address length */
	f[19] = 4; /* protocol address length */
	f[21] = 3; /* reverse request */
	memcpy(f + 22, mac, 6); /* sender hardware address; protocol address 0 */
	memcpy(f + 32, mac, 6); /* target hardware address; protocol address 0 */
	if (write(n->tap, f, sizeof(f)) < 0) {
		fprintf(stderr, "vhost-user-net: RARP on the tap: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Asks for the cache lines of a buffer's @len bytes after its first @skip
 * (an Ethernet frame after the header: up to 2 KiB, as the hardware
 * prefetcher follows longer ones), so that copying one frame overlaps the
 * misses on the next: the driver wrote it on its own CPU.
 */
static void prefetch_iov(const struct iovec *iov, unsigned int cnt, size_t skip, size_t len)
{
	size_t left = len, l;
	unsigned int i;

	for (i = 0; i < cnt && left; i++) {
		const uint8_t *p = iov[i].iov_base, *end;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		l = iov[i].iov_len - skip < left ? iov[i].iov_len - skip : left;
		left -= l;
		end = p + skip + l;
		for (p += skip; p < end; p += 64)
			__builtin_prefetch(p);
		__builtin_prefetch(end - 1);
		skip = 0;
	}
}

/* The byte @skip bytes into a buffer, or NULL past its end. */
static const void *iov_byte(const struct iovec *iov, unsigned int cnt, size_t skip)
{
	unsigned int i;

	for (i = 0; i < cnt; skip -= iov[i].iov_len, i++)
		if (skip < iov[i].iov_len)
			return (const uint8_t *)iov[i].iov_base + skip;
	return NULL;
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
/*
 * PREFETCHW (CPUID 0x80000001 ECX bit 8): every AMD64 CPU, Intel since
 * Broadwell.  CLFLUSHOPT (CPUID 7.0 EBX bit 23): Intel since Skylake, AMD
 * since Zen.
 */
static bool have_prefetchw, have_clflushopt;

static void cpu_probe(void)
{
	unsigned int a, b, c, d;

	have_prefetchw = __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 8));
	have_clflushopt = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 23));
}

/*
 * The line at @p, which this device read and will not read again, handed
 * back: evicted from every cache, the driver's too.  The driver writes a
 * frame's first line again when it reuses the buffer; while this CPU still
 * holds a copy, that store waits for it to be taken away, and with the two
 * CPUs far apart that wait is what limits a driver sending small frames
 * (README, Performance): fetching the line back from memory costs it less.
 * With the CPUs close together it is the other way round (tune()).
 */
static inline void give_back(const void *p)
{
	__asm__ volatile("clflushopt %0" : "+m"(*(volatile char *)p));
}

/*
 * A line this device is about to write, asked for in the state a write
 * needs: a plain prefetch brings a line the driver's CPU also holds in
 * shared, and the store must then take it away again.
 */
static inline void prefetch_for_write(const void *p)
{
	if (have_prefetchw)
		__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
	else
		__builtin_prefetch(p, 1);
}
#else
static const bool have_clflushopt = false;

static void cpu_probe(void)
{
}

static inline void give_back(const void *p)
{
	(void)p;
}

static inline void prefetch_for_write(const void *p)
{
	__builtin_prefetch(p, 1);
}
#endif

/* Scatters @len bytes into the iovecs; returns how many fitted. */
static size_t iov_scatter(const struct iovec *iov, unsigned int cnt, const uint8_t *src,
			  size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < cnt && done < len; i++) {
		size_t l = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;

		memcpy(iov[i].iov_base, src + done, l);
		done += l;
	}
	return done;
}

/*
 * The header into a receive buffer, only if what is there differs.  A
 * driver recycles its buffers, so the header of the last frame is usually
 * still there, and the driver reads it (num_buffers) on its own CPU: a line
 * left unwritten stays in the driver's cache, while a write makes every
 * frame cost the driver a miss on a line this CPU holds (seen here as a
 * quarter of DPDK's virtio_user receive time, on that one load).
 */
static void put_hdr(void *dst, const uint8_t *hdr)
{
	if (memcmp(dst, hdr, HDR_LEN))
		memcpy(dst, hdr, HDR_LEN);
}

/* Buffers already taken from the RX ring, to be used before any other. */
struct held {
	const struct iovec *iov; /* the iovecs of e[next] start at iov + at */
	const struct libvhost_vq_elem *e;
	unsigned int cnt, next, at;
};

/*
 * Delivers one frame to the driver's RX ring: a virtio-net header, then the
 * frame, across as many buffers as it takes with MRG_RXBUF, else one.
 * Returns 1 when it was pushed, 0 when the ring does not have the buffers
 * for it yet (nothing taken: those it took are put back, for the driver to
 * add more), -1 when it was dropped (a buffer too small or not writable,
 * given back; a frame of more than MAX_FRAME_BUFS buffers).
 * Buffers in @h, when not NULL, are used first, in order.
 */
static int deliver(struct net *n, struct libvhost_vq *rx, bool mrg, const uint8_t *frame,
		   size_t len, struct held *h)
{
	uint8_t hdr[HDR_LEN] = { 0 };
	struct iovec popped[MAX_IOV], first[MAX_IOV];
	struct libvhost_vq_used used[MAX_FRAME_BUFS];
	const struct iovec *iov;
	struct libvhost_vq_elem e;
	unsigned int nfirst = 0, i;
	uint16_t nbufs = 0;
	bool bad = false;
	size_t off = 0;

	while (off < len || nbufs == 0) {
		size_t room, put = 0, hlen = nbufs == 0 ? HDR_LEN : 0;

		if (nbufs == MAX_FRAME_BUFS) {
			fprintf(stderr, "vhost-user-net: a %zu-byte frame needs more than %u "
					"receive buffers: dropped\n", len, MAX_FRAME_BUFS);
			for (i = 0; i < nbufs; i++)
				used[i].len = 0;
			libvhost_vq_push_burst(rx, used, nbufs);
			n->dropped++;
			return -1;
		}
		if (h && h->next < h->cnt) {
			e = h->e[h->next++];
			iov = h->iov + h->at;
			h->at += e.out + e.in;
		} else if (libvhost_vq_pop(rx, popped, MAX_IOV, &e) == 1) {
			iov = popped;
		} else {
			/* not enough posted yet: they come back with the rest */
			if (!nbufs || libvhost_vq_unpop(rx, nbufs) == 0)
				return 0;
			for (i = 0; i < nbufs; i++) /* not put back: given back unused */
				used[i].len = 0;
			libvhost_vq_push_burst(rx, used, nbufs);
			n->dropped++;
			return -1;
		}
		if (!e.in || e.out) {
			used[nbufs++] = (struct libvhost_vq_used){ e.id, 0 };
			bad = true;
			break;
		}
		/* the common case: header and frame in the buffer's first part */
		if (!nbufs && iov[0].iov_len >= HDR_LEN + len) {
			hdr[10] = 1;
			put_hdr(iov[0].iov_base, hdr);
			memcpy((uint8_t *)iov[0].iov_base + HDR_LEN, frame, len);
			libvhost_vq_push(rx, e.id, (uint32_t)(HDR_LEN + len));
			n->rx_frames++;
			return 1;
		}
		for (room = 0, i = 0; i < e.in; i++)
			room += iov[i].iov_len;
		if (room < hlen + (mrg ? 1 : len)) {
			used[nbufs++] = (struct libvhost_vq_used){ e.id, 0 };
			bad = true;
			break;
		}
		if (hlen) {
			put = iov_scatter(iov, e.in, hdr, HDR_LEN);
			memcpy(first, iov, e.in * sizeof(*iov));
			nfirst = e.in;
		}
		/* the frame goes after the header in the same buffer */
		{
			struct iovec rest[MAX_IOV];
			unsigned int k = 0;
			size_t skip = put;

			for (i = 0; i < e.in; i++) {
				struct iovec v = iov[i];

				if (skip >= v.iov_len) {
					skip -= v.iov_len;
					continue;
				}
				v.iov_base = (uint8_t *)v.iov_base + skip;
				v.iov_len -= skip;
				skip = 0;
				rest[k++] = v;
			}
			put += iov_scatter(rest, k, frame + off, len - off);
			off += put - hlen;
		}
		used[nbufs++] = (struct libvhost_vq_used){ e.id, (uint32_t)put };
	}
	/* num_buffers, the header's last field, once the count is known (not the bad buffer) */
	i = bad ? nbufs - 1u : nbufs;
	hdr[10] = (uint8_t)i;
	hdr[11] = (uint8_t)(i >> 8);
	iov_scatter(first, nfirst, hdr, HDR_LEN);
	libvhost_vq_push_burst(rx, used, nbufs);
	if (bad) {
		n->dropped++; /* cut short by a buffer it could not use: what was pushed says so */
		return -1;
	}
	n->rx_frames++;
	return 1;
}

static bool mrg_rxbuf(const struct net *n)
{
	return libvhost_backend_get_acked_features(n->be) & (1ULL << NET_F_MRG_RXBUF);
}

/* The driver is told of what @vq used, if anything: see ring_used(). */
static void ring_tell(struct net *n, struct libvhost_vq *vq)
{
	unsigned int i = libvhost_vq_get_index(vq);

	if (n->untold[i])
		libvhost_vq_notify(vq);
	n->untold[i] = 0;
	n->idle[i] = 0;
}

/*
 * The driver is told about used buffers of @vq (the used index published,
 * a call if it wants one): when the burst is done if the device sleeps on
 * kicks; when polling, once COALESCE are waiting, or when the ring has
 * been found empty COALESCE_IDLE times in a row (ring_empty(): a few
 * microseconds).  A polling driver reads the used index on every round,
 * and each publication moves that line to this CPU and back: told per
 * burst of 32, a guest sending 64-byte frames went at 0.6-0.9 times the
 * rate it reaches told per 64 (README, Performance).
 */
static void ring_used(struct net *n, struct libvhost_vq *vq, unsigned int cnt)
{
	unsigned int i = libvhost_vq_get_index(vq);

	n->idle[i] = 0;
	n->untold[i] += cnt;
	if (!n->poll || n->untold[i] >= COALESCE)
		ring_tell(n, vq);
}

/* Nothing more to take from @vq for now: see ring_used(). */
static void ring_empty(struct net *n, struct libvhost_vq *vq)
{
	unsigned int i = libvhost_vq_get_index(vq);

	if (n->untold[i] && (!n->poll || ++n->idle[i] >= COALESCE_IDLE))
		ring_tell(n, vq);
}

/*
 * Echo: every frame the driver transmits on @pair into its RX ring.  Takes
 * a burst when polling, at most BUDGET buffers sleeping on kicks (as
 * serve_sink()); returns the buffers taken.
 */
static unsigned int serve_tx(struct net *n, unsigned int pair)
{
	struct libvhost_vq *tx = libvhost_backend_get_vq(n->be, 2 * pair + 1);
	struct libvhost_vq *rx = libvhost_backend_get_vq(n->be, 2 * pair);
	bool mrg = mrg_rxbuf(n);
	struct iovec iov[MAX_IOV];
	struct libvhost_vq_elem e;
	unsigned int took = 0, delivered = 0, most = n->poll ? BURST : BUDGET;

	while (took < most && libvhost_vq_pop(tx, iov, MAX_IOV, &e) == 1) {
		size_t len = tool_iov_copy(iov, e.out, HDR_LEN, n->frame, NULL, sizeof(n->frame));
		int r;

		libvhost_vq_push(tx, e.id, 0);
		took++;
		if (!len)
			continue;
		n->tx_frames++;
		if (!n->announced) {
			fprintf(stderr, "%s: first frame from the driver: %zu bytes\n", n->name,
				len);
			n->announced = true;
		}
		if (n->tap >= 0) {
			if (write(n->tap, n->frame, len) < 0)
				n->dropped++;
		} else if (libvhost_vq_is_enabled(rx)) {
			r = deliver(n, rx, mrg, n->frame, len, NULL);
			if (r == 0)
				n->dropped++;
			delivered += r != 0;
		} else {
			n->dropped++;
		}
	}
	if (took) {
		ring_used(n, tx, took);
		n->tx_bursts++;
	} else {
		ring_empty(n, tx);
	}
	if (delivered) {
		ring_used(n, rx, delivered);
		n->rx_bursts++;
	} else {
		ring_empty(n, rx); /* nothing more comes to it before the driver sends */
	}
	return took;
}

/*
 * Sink: every frame the driver transmits on @pair is read into the device's
 * buffer (the copy any real device makes before it gives the buffer back)
 * and dropped, a burst at a time (the driver told as ring_used() says);
 * its first line is handed back if tune() found that faster.
 * The burst is taken first and its frames prefetched, so the cache misses
 * on what the driver just wrote on the other CPU overlap instead of
 * queueing behind each other.  Polling takes one burst per call so the
 * other rings get their turn; sleeping on kicks, bursts until the ring is
 * empty or BUDGET buffers were taken.  Returns the buffers taken.
 */
static unsigned int serve_sink(struct net *n, unsigned int pair)
{
	struct libvhost_vq *tx = libvhost_backend_get_vq(n->be, 2 * pair + 1);
	struct iovec iov[MAX_IOV];
	struct libvhost_vq_elem e[BURST];
	struct libvhost_vq_used u[BURST];
	unsigned int i, at, cnt, took = 0;
	const void *line;
	int r;

	do {
		r = libvhost_vq_pop_burst(tx, iov, MAX_IOV, e, BURST);
		if (r <= 0) {
			ring_empty(n, tx);
			break;
		}
		cnt = (unsigned int)r;
		n->tx_bursts++;
		for (i = 0, at = 0; i < cnt; at += e[i].out + e[i].in, i++)
			prefetch_iov(iov + at, e[i].out, HDR_LEN, 128);
		for (i = 0, at = 0; i < cnt; at += e[i].out + e[i].in, i++) {
			if (i + 1 < cnt)
				prefetch_iov(iov + at + e[i].out + e[i].in, e[i + 1].out, HDR_LEN, 2048);
			if (tool_iov_copy(iov + at, e[i].out, HDR_LEN, n->frame, NULL, sizeof(n->frame)))
				n->tx_frames++;
			if (n->give_back && (line = iov_byte(iov + at, e[i].out, HDR_LEN))) {
				give_back(line);
				n->handed++;
			}
			u[i].id = e[i].id;
			u[i].len = 0;
		}
		libvhost_vq_push_burst(tx, u, cnt);
		ring_used(n, tx, cnt);
		took += cnt;
	} while (!n->poll && took < BUDGET);
	return took;
}

/*
 * Source: the generated frame into every buffer the driver posts on @pair's
 * RX ring, a burst at a time.  The burst is taken first and its buffers
 * prefetched for writing, so taking the driver's cache lines overlaps;
 * a buffer the frame does not fit in one part of goes through deliver(),
 * after the buffers before it are given back (the ring may be in order).
 * A frame the ring has too few buffers for yet waits for more.  Bursts as
 * serve_sink() does; returns the buffers taken, 0 if starved.
 */
static unsigned int serve_source(struct net *n, unsigned int pair)
{
	struct libvhost_vq *rx = libvhost_backend_get_vq(n->be, 2 * pair);
	struct iovec iov[MAX_IOV];
	struct libvhost_vq_elem e[BURST];
	struct libvhost_vq_used u[BURST];
	size_t len = n->gen_len, need = HDR_LEN + len;
	bool mrg = mrg_rxbuf(n), starved = false;
	unsigned int i, at, cnt, nu, took = 0;
	struct held h;
	int r;

	do {
		r = libvhost_vq_pop_burst(rx, iov, MAX_IOV, e, BURST);
		if (r <= 0) {
			/* empty, or a buffer of more than MAX_IOV parts (as in deliver()) */
			ring_empty(n, rx);
			break;
		}
		cnt = (unsigned int)r;
		n->rx_bursts++;
		/* the frame's two ends to be written (the header's line came with the pop) */
		for (i = 0, at = 0; i < cnt; at += e[i].out + e[i].in, i++) {
			if (!e[i].in)
				continue;
			prefetch_for_write((uint8_t *)iov[at].iov_base + HDR_LEN);
			if (iov[at].iov_len >= need)
				prefetch_for_write((uint8_t *)iov[at].iov_base + need - 1);
		}
		for (i = 0, at = 0, nu = 0; i < cnt && !starved;) {
			if (e[i].out || !e[i].in || iov[at].iov_len < need) {
				libvhost_vq_push_burst(rx, u, nu);
				n->rx_frames += nu;
				nu = 0;
				h = (struct held){ .iov = iov, .e = e, .cnt = cnt, .next = i, .at = at };
				starved = deliver(n, rx, mrg, n->gen, len, &h) == 0;
				i = h.next;
				at = h.at;
				continue;
			}
			put_hdr(iov[at].iov_base, n->gen_msg);
			memcpy((uint8_t *)iov[at].iov_base + HDR_LEN, n->gen, len);
			u[nu].id = e[i].id;
			u[nu++].len = (uint32_t)need;
			at += e[i].out + e[i].in;
			i++;
		}
		libvhost_vq_push_burst(rx, u, nu);
		n->rx_frames += nu;
		ring_used(n, rx, cnt);
		took += cnt;
		if (starved)
			ring_empty(n, rx);
	} while (!n->poll && !starved && took < BUDGET);
	return starved ? 0 : took;
}

/*
 * Tap mode: frames from the tap interface into pair 0's RX ring, at most
 * BUDGET of them (n->tap_more says whether there may be more).
 */
static void serve_tap(struct net *n)
{
	struct libvhost_vq *rx = libvhost_backend_get_vq(n->be, 0);
	bool mrg = mrg_rxbuf(n), delivered = false;
	unsigned int reads = 0;
	ssize_t len;
	int r;

	n->tap_more = false;
	while ((len = read(n->tap, n->frame, sizeof(n->frame))) > 0) {
		if (libvhost_vq_is_enabled(rx)) {
			r = deliver(n, rx, mrg, n->frame, (size_t)len, NULL);
			if (r == 0)
				n->dropped++;
			delivered |= r != 0;
		} else {
			n->dropped++;
		}
		if (++reads == BUDGET) {
			n->tap_more = true;
			break;
		}
	}
	if (delivered) {
		libvhost_vq_notify(rx);
		n->rx_bursts++;
	}
}

/* What the driver's TX ring of @pair carries goes where the mode says. */
static unsigned int serve_driver_tx(struct net *n, unsigned int pair)
{
	if (n->mode == MODE_ECHO)
		return serve_tx(n, pair);
	return serve_sink(n, pair); /* source mode drops what the driver sends, too */
}

/*
 * Sleeping on kicks: ring @index was kicked, or left with work.  Each call
 * serves at most BUDGET buffers, so a driver that refills a ring as fast as
 * it is emptied cannot keep the other rings and the socket waiting; a ring
 * left at BUDGET is marked to be served again without a kick (the driver
 * does not kick a ring the device has not found empty).
 */
static void serve_ring(struct net *n, unsigned int index)
{
	struct libvhost_vq *vq = libvhost_backend_get_vq(n->be, index);
	unsigned int took = 0;

	if (libvhost_vq_is_enabled(vq)) {
		/* TX kicks carry frames; RX kicks mean new buffers (tap: read on) */
		if (index % 2)
			took = serve_driver_tx(n, index / 2);
		else if (n->mode == MODE_SOURCE)
			took = serve_source(n, index / 2);
		else if (n->tap >= 0)
			serve_tap(n);
	}
	n->more[index] = took >= BUDGET;
}

static void net_stopped(void *ud, struct libvhost_vq *vq)
{
	struct net *n = ud;
	unsigned int index = libvhost_vq_get_index(vq);

	/*
	 * The driver's last frames on a TX ring that stops (as many as a ring
	 * holds: it may still be adding), and what it was not told of.
	 */
	if (index % 2) {
		bool poll = n->poll;
		unsigned int took, total = 0;

		n->poll = false; /* drain */
		do {
			took = serve_driver_tx(n, index / 2);
			total += took;
		} while (took >= BUDGET && total < QUEUE_MAX);
		n->poll = poll;
	}
	n->more[index] = false;
	ring_tell(n, vq);
}

/*
 * --threads: each queue pair on a thread of its own (tool-threads.c), with
 * its own copy of the device (n->pair[]); the main thread only runs the
 * socket.  A pair rather than a ring: echo takes frames from the pair's
 * TX ring and puts them into its RX ring, the way a multi-queue driver
 * pairs its rings with a CPU, and a ring per thread would have two threads
 * taking buffers from one RX ring.
 */
static bool thread_serve(void *ud, struct libvhost_vq *vq)
{
	static __thread pid_t self;
	struct net *c = ud;
	unsigned int index = libvhost_vq_get_index(vq);

	if (!self)
		self = tool_gettid();
	if (c->tid != self)
		c->tid = c->tid ? -1 : self;
	serve_ring(c, index);
	return c->more[index];
}

static void thread_drain(void *ud, struct libvhost_vq *vq)
{
	net_stopped(ud, vq);
}

static int thread_started(void *ud, struct libvhost_vq *vq)
{
	struct net *n = ud;

	return tool_worker_start(n->worker[libvhost_vq_get_index(vq) / 2], vq);
}

static void thread_stopped(void *ud, struct libvhost_vq *vq)
{
	struct net *n = ud;

	tool_worker_stop(n->worker[libvhost_vq_get_index(vq) / 2], vq);
}

/* The workers ended (none touches a ring after), their counts summed up and printed. */
static void threads_end(void *ud)
{
	struct net *n = ud;
	unsigned int p;

	for (p = 0; p < n->pairs; p++) {
		struct net *c = n->pair[p];

		if (!c)
			continue;
		tool_worker_free(n->worker[p]);
		n->worker[p] = NULL;
		n->tx_frames += c->tx_frames;
		n->rx_frames += c->rx_frames;
		n->dropped += c->dropped;
		fprintf(stderr, "%s: pair %u: %" PRIu64 " frames from the driver, %" PRIu64
				" to it, %" PRIu64 " dropped",
			n->name, p, c->tx_frames, c->rx_frames, c->dropped);
		if (c->tid > 0)
			fprintf(stderr, " (thread %d)\n", (int)c->tid);
		else
			fprintf(stderr, c->tid ? " (several threads)\n" : "\n");
		free(c);
		n->pair[p] = NULL;
	}
}

static int threads_begin(void *ud)
{
	static const struct tool_worker_ops ops = { thread_serve, thread_drain };
	struct net *n = ud;
	unsigned int p;

	for (p = 0; p < n->pairs; p++) {
		struct net *c = malloc(sizeof(*c));

		if (!c) {
			fprintf(stderr, "vhost-user-net: out of memory\n");
			return -1;
		}
		memcpy(c, n, sizeof(*c));
		c->gen = c->gen_msg + HDR_LEN;
		n->pair[p] = c;
		if (tool_worker_new("vhost-user-net", &ops, c, &n->worker[p]) < 0)
			return -1;
	}
	return 0;
}

static int open_tap(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static int64_t ns_between(const struct timespec *from, const struct timespec *to)
{
	return (to->tv_sec - from->tv_sec) * 1000000000LL + to->tv_nsec - from->tv_nsec;
}

/* The counts and time the next stats line is measured from. */
static void stats_mark(struct net *n, const struct timespec *now)
{
	n->stats_at = *now;
	n->stats_tx = n->tx_frames;
	n->stats_rx = n->rx_frames;
	n->stats_txb = n->tx_bursts;
	n->stats_rxb = n->rx_bursts;
	n->stats_handed = n->handed;
}

static double per_burst(uint64_t frames, uint64_t bursts)
{
	return bursts ? (double)frames / (double)bursts : 0.0;
}

/*
 * --stats: once a second, the frames moved since the last line, per second.
 * Returns the milliseconds until the next line is due.
 */
static int stats_tick(struct net *n)
{
	struct timespec now;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = ns_between(&n->stats_at, &now);
	if (ns < 1000000000LL)
		return (int)((1000000000LL - ns) / 1000000) + 1;
	fprintf(stderr,
		"vhost-user-net: stats: %" PRIu64 " frames/s from the driver, %" PRIu64
		" frames/s to it, %.1f / %.1f frames a burst, %.0f%% first lines handed back\n",
		(uint64_t)((double)(n->tx_frames - n->stats_tx) * 1e9 / (double)ns),
		(uint64_t)((double)(n->rx_frames - n->stats_rx) * 1e9 / (double)ns),
		per_burst(n->tx_frames - n->stats_tx, n->tx_bursts - n->stats_txb),
		per_burst(n->rx_frames - n->stats_rx, n->rx_bursts - n->stats_rxb),
		100.0 * per_burst(n->handed - n->stats_handed, n->tx_frames - n->stats_tx));
	stats_mark(n, &now);
	return 1000;
}

/* Source mode, after every message: fill every started RX ring (buffers may predate its kick fd). */
static void serve_sources(void *ud)
{
	struct net *n = ud;
	unsigned int p;

	for (p = 0; p < n->pairs; p++)
		serve_ring(n, 2 * p);
}

/*
 * Sleeping in poll() on the socket, the tap and the kick fds (tool_serve()):
 * a ring or the tap left with work (serve_ring()) is served again at once.
 */
static void serve_kicked(void *ud, unsigned int index)
{
	serve_ring(ud, index);
}

static void serve_tap_fd(void *ud)
{
	serve_tap(ud);
}

static int stats_timeout(void *ud)
{
	return stats_tick(ud);
}

/*
 * --poll, the sink: every TUNE_HOLD_NS, TUNE_TRY_NS of taking frames as
 * before and TUNE_TRY_NS handing their first lines back, and the faster
 * way is kept.  Which one is faster depends on where the driver's CPU is
 * relative to this one (about 1.45 times the frames for a driver sending
 * 64-byte frames on packed rings far away, less than half close by), and
 * in a VM that changes without notice.  Called with the time, every
 * POLL_CHECK rounds.
 */
static void tune(struct net *n, const struct timespec *now)
{
	int64_t ns = ns_between(&n->trial_at, now);
	double rate;

	if (!have_clflushopt || n->mode == MODE_ECHO ||
	    ns < (n->trial ? TUNE_TRY_NS : TUNE_HOLD_NS))
		return;
	rate = (double)(n->tx_frames - n->trial_frames) / (double)ns;
	switch (n->trial) {
	case 0: /* the first way */
		n->give_back = false;
		break;
	case 1: /* the second */
		n->rate_without = rate;
		n->give_back = true;
		break;
	default: /* the faster one, until the next trial (none moving: no hand-backs) */
		n->give_back = rate > n->rate_without;
		break;
	}
	n->trial = (n->trial + 1) % 3;
	n->trial_at = *now;
	n->trial_frames = n->tx_frames;
}

/*
 * --poll: serves every enabled ring in turn without a syscall, as a polling
 * driver expects, and asks the driver not to kick.  The socket is looked at
 * with a zero-timeout poll() once a millisecond (the clock is read every
 * POLL_CHECK rounds, in the vDSO), the tap every POLL_CHECK rounds: a
 * syscall costs about 1.25 us here, a gap a driver polling for frames sees.
 */
static int loop_poll(struct net *n)
{
	struct pollfd pfd[2];
	struct timespec now, last = { 0, 0 };
	unsigned int p, rounds = 0, cnt;
	int r;

	/* nobody reads the kick fds: the driver is asked not to write them */
	for (p = 0; p < 2 * n->pairs; p++)
		libvhost_vq_set_kicks(libvhost_backend_get_vq(n->be, p), 0);
	while (!tool_quit) {
		for (p = 0; p < n->pairs; p++) {
			struct libvhost_vq *rx = libvhost_backend_get_vq(n->be, 2 * p);
			struct libvhost_vq *tx = libvhost_backend_get_vq(n->be, 2 * p + 1);

			/* a ring disabled now is told at once of what it used before */
			if (!libvhost_vq_is_enabled(rx))
				ring_tell(n, rx);
			else if (n->mode == MODE_SOURCE)
				serve_source(n, p);
			if (libvhost_vq_is_enabled(tx))
				serve_driver_tx(n, p);
			else
				ring_tell(n, tx);
		}
		if (++rounds < POLL_CHECK)
			continue;
		rounds = 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		tune(n, &now);
		if (n->tap < 0 && ns_between(&last, &now) < POLL_SOCKET_NS)
			continue;
		last = now;
		if (n->stats)
			stats_tick(n);
		cnt = 0;
		pfd[cnt++] = (struct pollfd){ libvhost_backend_get_fd(n->be), POLLIN, 0 };
		if (pfd[0].fd < 0)
			return 0;
		if (n->tap >= 0)
			pfd[cnt++] = (struct pollfd){ n->tap, POLLIN, 0 };
		if (poll(pfd, cnt, 0) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (cnt > 1 && pfd[1].revents & POLLIN)
			serve_tap(n);
		if (pfd[0].revents) {
			r = libvhost_backend_process(n->be);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: vhost-user-net (--socket-path=PATH | --fd=N) [--tap=IFNAME]\n"
		     "                      [--mode=echo|sink|source] [--frame-len=BYTES]\n"
		     "                      [--poll] [--stats] [--queues=PAIRS]\n"
		     "                      [--config] [--mac=XX:XX:XX:XX:XX:XX] [--threads]\n"
		     "                      [--device=socket-path=PATH[,queues=PAIRS][,mac=MAC]]...\n"
		     "       vhost-user-net --print-capabilities\n"
		     "\n"
		     "Without --tap, every frame the driver sends comes back to it (echo);\n"
		     "sink drops them, source fills the driver's RX buffers with frames.\n"
		     "Each --device is one more port on a socket of its own.\n"
		     "See vhost-user-net(1).\n");
}

/* Source mode's frame: broadcast from our MAC, a local experimental ethertype, a counting payload. */
static void make_frame(struct net *n)
{
	size_t i;

	memset(n->gen_msg, 0, HDR_LEN);
	n->gen_msg[10] = 1; /* num_buffers */
	n->gen = n->gen_msg + HDR_LEN;
	memset(n->gen, 0xff, 6);
	memcpy(n->gen + 6, n->config.mac, 6);
	n->gen[12] = 0x88;
	n->gen[13] = 0xb5;
	for (i = ETH_HLEN; i < n->gen_len; i++)
		n->gen[i] = (uint8_t)i;
}

/* A port as the options gave it: --socket-path and the rest (port 0), or a --device. */
struct port_opts {
	struct tool_attach at;
	unsigned long pairs;
	const char *mac; /* NULL: 52:54:00:12:34:56, its last byte plus the port's number */
};

/* What applies to every port: --mode and the rest. */
struct net_opts {
	enum net_mode mode;
	size_t gen_len;
	bool config, threads, poll, stats;
	const char *tap;
};

/* --device's keys, in the order of device_key() */
static const char *const device_keys[] = { "socket-path", "queues", "mac", NULL };

static int parse_pairs(const char *s, unsigned long *pairs)
{
	if (tool_parse_uint(s, MAX_PAIRS, pairs) == 0 && *pairs)
		return 0;
	fprintf(stderr, "vhost-user-net: queues takes 1 to %u\n", MAX_PAIRS);
	return -1;
}

static int device_key(void *ud, unsigned int key, const char *value)
{
	struct port_opts *o = ud;

	if (key == 0)
		o->at.socket_path = value;
	else if (key == 1)
		return parse_pairs(value, &o->pairs);
	else
		o->mac = value;
	return 0;
}

/* Port @index (its options @o, the common ones @no) made, its back-end on its socket: 0 or -1. */
static int net_open(struct net *n, const struct port_opts *o, const struct net_opts *no,
		    unsigned int index, struct libvhost_ctx *ctx)
{
	static const struct libvhost_backend_ops ops = {
		.sz = sizeof(ops), .queue_stopped = net_stopped, .send_rarp = net_send_rarp
	};
	static const struct libvhost_backend_ops ops_config = {
		.sz = sizeof(ops), .queue_stopped = net_stopped, .send_rarp = net_send_rarp,
		.get_config = net_get_config
	};
	static const struct libvhost_backend_ops ops_threads = {
		.sz = sizeof(ops), .queue_started = thread_started, .queue_stopped = thread_stopped,
		.send_rarp = net_send_rarp
	};
	static const struct libvhost_backend_ops ops_threads_config = {
		.sz = sizeof(ops), .queue_started = thread_started, .queue_stopped = thread_stopped,
		.send_rarp = net_send_rarp, .get_config = net_get_config
	};
	/*
	 * The config space over vhost-user (CONFIG) only when asked for: QEMU's
	 * virtio-net keeps its own and warns on every start when it is offered.
	 */
	const struct libvhost_backend_ops *opsp =
		no->threads ? (no->config ? &ops_threads_config : &ops_threads)
			    : (no->config ? &ops_config : &ops);
	LIBVHOST_OPTS(libvhost_backend_opts, bo, .queue_num = 2 * o->pairs, .ops = opsp,
		      .userdata = n, .flags = no->threads ? LIBVHOST_BACKEND_F_THREADED : 0);
	unsigned int mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, i;
	char c;
	int r;

	tool_device_name(n->name, sizeof(n->name), "vhost-user-net", index);
	mac[5] = (mac[5] + index) & 0xff;
	if (o->mac && sscanf(o->mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &mac[0], &mac[1], &mac[2],
			     &mac[3], &mac[4], &mac[5], &c) != 6) {
		fprintf(stderr, "vhost-user-net: bad mac '%s'\n", o->mac);
		return -1;
	}
	n->tap = -1;
	n->mode = no->mode;
	n->gen_len = no->gen_len;
	n->poll = no->poll;
	n->stats = no->stats;
	for (i = 0; i < 6; i++)
		n->config.mac[i] = (uint8_t)mac[i];
	n->config.status = htole16(NET_S_LINK_UP);
	n->config.max_virtqueue_pairs = htole16((uint16_t)o->pairs);
	n->pairs = (unsigned int)o->pairs;
	make_frame(n);
	if (no->tap) {
		n->tap = open_tap(no->tap);
		if (n->tap < 0) {
			fprintf(stderr, "vhost-user-net: tap %s: %s\n", no->tap, strerror(-n->tap));
			return -1;
		}
	}
	bo.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
		      (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_F_RING_PACKED) |
		      (1ULL << VIRTIO_F_IN_ORDER) | (1ULL << LIBVHOST_F_ACCESS_PLATFORM) |
		      (1ULL << NET_F_MAC) | (1ULL << NET_F_MRG_RXBUF) | (1ULL << NET_F_STATUS) |
		      (o->pairs > 1 ? 1ULL << NET_F_MQ : 0);
	r = libvhost_backend_new(ctx, &bo, &n->be);
	if (r < 0) {
		tool_fail("vhost-user-net", "the back-end", r, 0);
		return -1;
	}
	return tool_attach(n->name, n->be, &o->at) < 0 ? -1 : 0;
}

/* The common options' rules (what serves one port only); 0 or -1. */
static int check_options(const struct net_opts *no, unsigned int ports)
{
	if (no->tap && no->mode != MODE_ECHO) {
		fprintf(stderr, "vhost-user-net: --tap takes the place of --mode\n");
		return -1;
	}
	if (no->threads && (no->poll || no->tap || no->stats)) {
		fprintf(stderr, "vhost-user-net: --threads goes with neither --poll, --tap nor --stats\n");
		return -1;
	}
	if (ports > 1 && (no->poll || no->tap || no->stats)) {
		fprintf(stderr, "vhost-user-net: --poll, --tap and --stats serve one port, not --device\n");
		return -1;
	}
	return 0;
}

static int device_check(const void *opts)
{
	const struct port_opts *o = opts;

	if (tool_attach_count(&o->at) == 1)
		return 0;
	fprintf(stderr, "vhost-user-net: a port needs one socket (socket-path or fd)\n");
	return -1;
}

/*
 * The options into o[] (port 0 from --socket-path and the rest, then one
 * per --device) and *no.  Returns the number of ports, 0 when the program
 * is done (--help, --print-capabilities), -2 for a usage error.
 */
static int parse_options(int argc, char **argv, struct port_opts *o, struct net_opts *no)
{
	static const struct option opts[] = {
		{ "socket-path", required_argument, NULL, 's' },
		{ "fd", required_argument, NULL, 'f' },
		{ "tap", required_argument, NULL, 't' },
		{ "queues", required_argument, NULL, 'q' },
		{ "mac", required_argument, NULL, 'm' },
		{ "config", no_argument, NULL, 'g' },
		{ "mode", required_argument, NULL, 'M' },
		{ "frame-len", required_argument, NULL, 'l' },
		{ "poll", no_argument, NULL, 'p' },
		{ "stats", no_argument, NULL, 'S' },
		{ "threads", no_argument, NULL, 'T' },
		{ "device", required_argument, NULL, 'd' },
		{ "print-capabilities", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const struct port_opts defaults = { .at.fd = -1, .pairs = 1 };
	struct tool_devices devs = { "vhost-user-net", device_keys, device_key, device_check,
				     o, sizeof(*o), &defaults, 1, false };
	unsigned long v;
	int c, n;

	o[0] = defaults;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		devs.single |= strchr("sfqm", c) != NULL;
		switch (c) {
		case 's':
			o[0].at.socket_path = optarg;
			break;
		case 'f':
			if (tool_parse_uint(optarg, INT_MAX, &v) < 0) {
				fprintf(stderr, "vhost-user-net: bad --fd '%s'\n", optarg);
				return -2;
			}
			o[0].at.fd = (int)v;
			break;
		case 't':
			no->tap = optarg;
			break;
		case 'q':
			if (parse_pairs(optarg, &o[0].pairs) < 0)
				return -2;
			break;
		case 'm':
			o[0].mac = optarg;
			break;
		case 'g':
			no->config = true;
			break;
		case 'M':
			if (!strcmp(optarg, "echo")) {
				no->mode = MODE_ECHO;
			} else if (!strcmp(optarg, "sink")) {
				no->mode = MODE_SINK;
			} else if (!strcmp(optarg, "source")) {
				no->mode = MODE_SOURCE;
			} else {
				fprintf(stderr, "vhost-user-net: --mode is echo, sink or source\n");
				return -2;
			}
			break;
		case 'l':
			if (tool_parse_uint(optarg, FRAME_MAX, &v) < 0 || v < ETH_HLEN) {
				fprintf(stderr, "vhost-user-net: --frame-len takes %u to %u\n", ETH_HLEN,
					FRAME_MAX);
				return -2;
			}
			no->gen_len = v;
			break;
		case 'p':
			no->poll = true;
			break;
		case 'S':
			no->stats = true;
			break;
		case 'T':
			no->threads = true;
			break;
		case 'd':
			if (tool_devices_add(&devs, optarg) < 0)
				return -2;
			break;
		case 'c':
			/* VHostUserBackendType "net": the spec defines no net features */
			printf("{\n  \"type\": \"net\"\n}\n");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return -2;
		}
	}
	n = optind < argc ? -1 : tool_devices_end(&devs);
	if (n < 0) {
		usage(stderr);
		return -2;
	}
	return check_options(no, (unsigned int)n) < 0 ? -2 : n;
}

int main(int argc, char **argv)
{
	static struct port_opts o[TOOL_MAX_DEVICES + 1];
	static struct net *port[TOOL_MAX_DEVICES];
	static struct tool_serve loop[TOOL_MAX_DEVICES];
	const struct tool_serve *loops[TOOL_MAX_DEVICES];
	struct net_opts no = { .mode = MODE_ECHO, .gen_len = 64 };
	struct libvhost_ctx *ctx = NULL;
	struct timespec now;
	bool served = false;
	int i, n, made = 0, r;

	cpu_probe();
	n = parse_options(argc, argv, o, &no);
	if (n <= 0)
		return n < 0 ? 2 : 0;
	r = tool_ctx_new(&ctx);
	if (r < 0) {
		tool_fail("vhost-user-net", "the context", r, 0);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < n; i++) {
		struct net *p = calloc(1, sizeof(*p));

		if (!p) {
			fprintf(stderr, "vhost-user-net: out of memory\n");
			goto fail;
		}
		p->tap = -1;
		port[made++] = p;
		if (net_open(p, &o[i], &no, (unsigned int)i, ctx) < 0)
			goto fail;
		stats_mark(p, &now);
		loop[i] = (struct tool_serve){
			.tool = p->name, .be = p->be, .userdata = p, .rings = 2 * p->pairs,
			.serve_ring = serve_kicked, .more = p->more, .extra_fd = p->tap,
			.serve_extra = serve_tap_fd, .extra_more = &p->tap_more,
			.after_message = p->mode == MODE_SOURCE ? serve_sources : NULL,
			.timeout = p->stats ? stats_timeout : NULL,
			.workers = p->worker, .nworkers = p->pairs,
		};
		loops[i] = &loop[i];
	}
	if (tool_drop_capabilities("vhost-user-net") < 0)
		goto fail;
	tool_catch_signals();
	r = no.poll ? loop_poll(port[0])
		    : tool_run(loops, (unsigned int)n, no.threads, threads_begin, threads_end);
	served = true;
	for (i = 0; i < n; i++) {
		struct net *p = port[i];

		fprintf(stderr, "%s: %" PRIu64 " frames from the driver, %" PRIu64 " to it, %" PRIu64
				" dropped\n",
			p->name, p->tx_frames, p->rx_frames, p->dropped);
		tool_print_backend_stats(p->name, p->be);
	}
fail:
	for (i = 0; i < made; i++) {
		struct net *p = port[i];

		libvhost_backend_unref(p->be);
		if (p->tap >= 0)
			close(p->tap);
		free(p);
	}
	libvhost_ctx_unref(ctx);
	return served && r == 0 ? 0 : 1;
}
