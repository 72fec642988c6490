/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user-net: a virtio-net device served to a vhost-user front-end.
 * Echo mode sends every frame the driver transmits straight back to it (the
 * device the performance work measures); tap mode connects the device to a
 * tap interface.  Mergeable RX buffers, multi-queue.  Public API only.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_tun.h>


#include <libvhost.h>

#include "tool-caps.h"

#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define NET_F_MAC 5
#define NET_F_MRG_RXBUF 15
#define NET_F_STATUS 16
#define NET_F_MQ 22
#define NET_S_LINK_UP 1
#define HDR_LEN 12 /* struct virtio_net_hdr_v1 */
#define FRAME_MAX 65550
#define MAX_IOV 256
#define MAX_PAIRS 16

struct net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
} __attribute__((packed));

struct net {
	struct libvhost_backend *be;
	unsigned int pairs;
	int tap; /* -1 in echo mode */
	struct net_config config;
	uint64_t tx_frames, rx_frames, dropped;
	bool announced;
	uint8_t frame[FRAME_MAX];
};

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int net_get_config(void *ud, uint32_t offset, void *buf, uint32_t len)
{
	struct net *n = ud;

	if (offset > sizeof(n->config) || len > sizeof(n->config) - offset)
		return -EINVAL;
	memcpy(buf, (uint8_t *)&n->config + offset, len);
	return 0;
}

static size_t iov_gather(const struct iovec *iov, unsigned int cnt, size_t skip, uint8_t *dst,
			 size_t max)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < cnt && done < max; i++) {
		size_t l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l -= skip;
		if (l > max - done)
			l = max - done;
		memcpy(dst + done, (uint8_t *)iov[i].iov_base + skip, l);
		done += l;
		skip = 0;
	}
	return done;
}

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
 * Delivers one frame to the driver's RX ring: a virtio-net header, then the
 * frame, across as many buffers as it takes with MRG_RXBUF, else one.
 */
static bool deliver(struct net *n, struct libvhost_vq *rx, const uint8_t *frame, size_t len)
{
	uint8_t hdr[HDR_LEN] = { 0 };
	bool mrg = libvhost_backend_get_acked_features(n->be) & (1ULL << NET_F_MRG_RXBUF);
	struct iovec iov[MAX_IOV];
	struct libvhost_vq_elem e;
	struct iovec first[MAX_IOV];
	unsigned int nfirst = 0;
	uint16_t nbufs = 0;
	size_t off = 0;

	while (off < len || nbufs == 0) {
		size_t room, put = 0, hlen = nbufs == 0 ? HDR_LEN : 0;
		unsigned int i;

		if (libvhost_vq_pop(rx, iov, MAX_IOV, &e) != 1 || !e.in || e.out) {
			n->dropped++;
			if (!nbufs)
				return false;
			/* a frame cut short: what was pushed says so in num_buffers */
			fprintf(stderr, "vhost-user-net: RX ring ran out mid-frame\n");
			break;
		}
		for (room = 0, i = 0; i < e.in; i++)
			room += iov[e.out + i].iov_len;
		if (room < hlen + (mrg ? 1 : len)) {
			libvhost_vq_push(rx, e.id, 0);
			n->dropped++;
			return false;
		}
		if (hlen) {
			put = iov_scatter(iov + e.out, e.in, hdr, HDR_LEN);
			memcpy(first, iov + e.out, e.in * sizeof(*iov));
			nfirst = e.in;
		}
		/* the frame goes after the header in the same buffer */
		{
			struct iovec rest[MAX_IOV];
			unsigned int k = 0;
			size_t skip = put;

			for (i = 0; i < e.in; i++) {
				struct iovec v = iov[e.out + i];

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
		libvhost_vq_push(rx, e.id, (uint32_t)put);
		nbufs++;
	}
	/* num_buffers, the header's last field, once the count is known */
	hdr[10] = (uint8_t)nbufs;
	hdr[11] = (uint8_t)(nbufs >> 8);
	iov_scatter(first, nfirst, hdr, HDR_LEN);
	if (off < len)
		return true; /* pushed, but cut short */
	n->rx_frames++;
	return true;
}

static void serve_tx(struct net *n, unsigned int pair)
{
	struct libvhost_vq *tx = libvhost_backend_get_vq(n->be, 2 * pair + 1);
	struct libvhost_vq *rx = libvhost_backend_get_vq(n->be, 2 * pair);
	struct iovec iov[MAX_IOV];
	struct libvhost_vq_elem e;
	bool delivered = false;

	while (libvhost_vq_pop(tx, iov, MAX_IOV, &e) == 1) {
		size_t len = iov_gather(iov, e.out, HDR_LEN, n->frame, sizeof(n->frame));

		libvhost_vq_push(tx, e.id, 0);
		if (!len)
			continue;
		n->tx_frames++;
		if (!n->announced) {
			fprintf(stderr, "vhost-user-net: first frame from the driver: %zu bytes\n",
				len);
			n->announced = true;
		}
		if (n->tap >= 0) {
			if (write(n->tap, n->frame, len) < 0)
				n->dropped++;
		} else if (libvhost_vq_is_enabled(rx)) {
			delivered |= deliver(n, rx, n->frame, len);
		} else {
			n->dropped++;
		}
	}
	libvhost_vq_notify(tx);
	if (delivered)
		libvhost_vq_notify(rx);
}

/* Tap mode: frames from the tap interface into pair 0's RX ring. */
static void serve_tap(struct net *n)
{
	struct libvhost_vq *rx = libvhost_backend_get_vq(n->be, 0);
	bool delivered = false;
	ssize_t len;

	while ((len = read(n->tap, n->frame, sizeof(n->frame))) > 0) {
		if (libvhost_vq_is_enabled(rx))
			delivered |= deliver(n, rx, n->frame, (size_t)len);
		else
			n->dropped++;
	}
	if (delivered)
		libvhost_vq_notify(rx);
}

static void net_stopped(void *ud, struct libvhost_vq *vq)
{
	unsigned int index = libvhost_vq_get_index(vq);

	if (index % 2)
		serve_tx(ud, index / 2);
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

static int loop(struct net *n)
{
	struct pollfd pfd[2 + 2 * MAX_PAIRS];
	int kind[2 + 2 * MAX_PAIRS];
	unsigned int i, cnt;
	uint64_t v;
	int r;

	while (!quit) {
		cnt = 0;
		pfd[cnt] = (struct pollfd){ libvhost_backend_get_fd(n->be), POLLIN, 0 };
		if (pfd[cnt].fd < 0)
			return 0;
		kind[cnt++] = -1;
		if (n->tap >= 0) {
			pfd[cnt] = (struct pollfd){ n->tap, POLLIN, 0 };
			kind[cnt++] = -2;
		}
		for (i = 0; i < 2 * n->pairs; i++) {
			int fd = libvhost_vq_get_kick_fd(libvhost_backend_get_vq(n->be, i));

			if (fd >= 0) {
				pfd[cnt] = (struct pollfd){ fd, POLLIN, 0 };
				kind[cnt++] = (int)i;
			}
		}
		if (poll(pfd, cnt, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 1; i < cnt; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (kind[i] == -2) {
				serve_tap(n);
				continue;
			}
			if (read(pfd[i].fd, &v, sizeof(v)) < 0)
				continue;
			/* TX kicks carry frames; RX kicks mean new buffers (tap: read on) */
			if (kind[i] % 2 &&
			    libvhost_vq_is_enabled(libvhost_backend_get_vq(n->be, (unsigned)kind[i])))
				serve_tx(n, (unsigned int)kind[i] / 2);
			else if (n->tap >= 0)
				serve_tap(n);
		}
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
		     "                      [--queues=PAIRS] [--mac=XX:XX:XX:XX:XX:XX]\n"
		     "       vhost-user-net --print-capabilities\n"
		     "\n"
		     "Without --tap, every frame the driver sends comes back to it (echo).\n"
		     "See vhost-user-net(1).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket-path", required_argument, NULL, 's' },
		{ "fd", required_argument, NULL, 'f' },
		{ "tap", required_argument, NULL, 't' },
		{ "queues", required_argument, NULL, 'q' },
		{ "mac", required_argument, NULL, 'm' },
		{ "print-capabilities", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const struct libvhost_backend_ops ops = {
		.sz = sizeof(ops),
		.get_config = net_get_config,
		.queue_stopped = net_stopped,
	};
	static struct net n = { .tap = -1 };
	const char *socket_path = NULL, *tap = NULL;
	unsigned long fd = ULONG_MAX, pairs = 1;
	unsigned int mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct libvhost_ctx *ctx = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	char *end;
	int c, i, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'f':
			errno = 0;
			fd = strtoul(optarg, &end, 10);
			if (errno || *end || fd > INT_MAX) {
				fprintf(stderr, "vhost-user-net: bad --fd '%s'\n", optarg);
				return 2;
			}
			break;
		case 't':
			tap = optarg;
			break;
		case 'q':
			errno = 0;
			pairs = strtoul(optarg, &end, 10);
			if (errno || *end || !pairs || pairs > MAX_PAIRS) {
				fprintf(stderr, "vhost-user-net: --queues takes 1 to %u\n", MAX_PAIRS);
				return 2;
			}
			break;
		case 'm':
			if (sscanf(optarg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &mac[0], &mac[1], &mac[2],
				   &mac[3], &mac[4], &mac[5], (char *)&c) != 6) {
				fprintf(stderr, "vhost-user-net: bad --mac '%s'\n", optarg);
				return 2;
			}
			break;
		case 'c':
			printf("{\n  \"type\": \"net\",\n  \"features\": []\n}\n");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (!socket_path == (fd == ULONG_MAX))) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < 6; i++)
		n.config.mac[i] = (uint8_t)mac[i];
	n.config.status = htole16(NET_S_LINK_UP);
	n.config.max_virtqueue_pairs = htole16((uint16_t)pairs);
	n.pairs = (unsigned int)pairs;
	if (tap) {
		n.tap = open_tap(tap);
		if (n.tap < 0) {
			fprintf(stderr, "vhost-user-net: tap %s: %s\n", tap, strerror(-n.tap));
			return 1;
		}
	}
	{
		LIBVHOST_OPTS(libvhost_backend_opts, bo, .queue_num = 2 * pairs, .ops = &ops,
			      .userdata = &n);

		bo.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
			      (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
			      (1ULL << VIRTIO_F_RING_PACKED) | (1ULL << NET_F_MAC) |
			      (1ULL << NET_F_MRG_RXBUF) | (1ULL << NET_F_STATUS) |
			      (pairs > 1 ? 1ULL << NET_F_MQ : 0);
		r = libvhost_ctx_new(NULL, &ctx);
		if (r == 0)
			r = libvhost_backend_new(ctx, &bo, &n.be);
	}
	if (r == 0)
		r = socket_path ? libvhost_backend_listen(n.be, socket_path)
				: libvhost_backend_adopt_fd(n.be, (int)fd);
	if (r < 0) {
		fprintf(stderr, "vhost-user-net: %s: %s\n", socket_path ? socket_path : "--fd",
			strerror(-r));
		return 1;
	}
	if (tool_drop_capabilities("vhost-user-net") < 0)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = loop(&n);
	fprintf(stderr, "vhost-user-net: %" PRIu64 " frames from the driver, %" PRIu64
			" to it, %" PRIu64 " dropped\n",
		n.tx_frames, n.rx_frames, n.dropped);
	libvhost_backend_unref(n.be);
	libvhost_ctx_unref(ctx);
	if (n.tap >= 0)
		close(n.tap);
	return r < 0 ? 1 : 0;
}
