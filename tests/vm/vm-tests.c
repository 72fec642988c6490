/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel-side tests, run inside a guest kernel that has vhost-net,
 * vhost-vsock and vhost-scsi (tests/vm/check-vm.sh boots it).  Each test puts
 * real data through the kernel with libvhost's driver-side rings; results are
 * TAP lines on stdout (the serial console).  The ring set-up is one function,
 * setup_rings(), run over kernel vhost and over a vhost-user front-end alike.
 *
 *   vm-tests                 runs the tests, exit status 0 when all passed
 *   vm-tests --exit-only N   writes N to QEMU's isa-debug-exit port (the VM ends)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <dirent.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/vm_sockets.h>

#include <libvhost.h>

#include "vm-tests.h"

#define F_VERSION_1 (1ULL << 32)
#define F_ACCESS_PLATFORM (1ULL << 33)
#define F_RING_PACKED (1ULL << 34)
#define F_EVENT_IDX (1ULL << 29)
#define F_LOG_ALL (1ULL << 26)
#define NET_HDR 12
#define ETHERTYPE 0x88b5 /* local experimental */
#define MEM_SIZE (1u << 20)
#define BUF_GPA 0x40000u

struct libvhost_ctx *ctx;
static unsigned int ntests, nfailed;

void result(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", pass ? "" : "not ", ++ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	nfailed += !pass;
}

/*
 * Only for a feature the kernel truly lacks, seen without the code under
 * test (a device node that is not there); a probe through libvhost that
 * fails is a failed test, never a skip.
 */
void skip(const char *what, const char *why)
{
	printf("ok %u - %s # SKIP %s\n", ++ntests, what, why);
	fflush(stdout);
}

#define CHECK(cond, ...)                                                                       \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			printf("#   %s:%d: %s\n", __FILE__, __LINE__, #cond);                      \
			result(false, __VA_ARGS__);                                            \
			goto out;                                                              \
		}                                                                              \
	} while (0)

/* Guest memory, rings and eventfds of one device. */
struct rig {
	struct libvhost_mem *mem;
	uint8_t *base; /* guest address 0 in this process */
	struct libvhost_vring *vr[4];
	int kick[4], call[4];
	unsigned int n;
};

static int rig_new(struct rig *g, unsigned int n, unsigned int num, uint64_t ring_flags)
{
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = ring_flags);
	unsigned int i;
	void *p;
	int r;

	memset(g, 0, sizeof(*g));
	r = libvhost_mem_new(ctx, &g->mem);
	if (r == 0)
		r = libvhost_mem_alloc(g->mem, 0, MEM_SIZE, NULL, &p);
	if (r < 0)
		return r;
	g->base = p;
	g->n = n;
	for (i = 0; i < n; i++) {
		r = libvhost_vring_new(g->mem, i * 0x8000, num, &vo, &g->vr[i]);
		if (r < 0)
			return r;
		g->kick[i] = eventfd(0, EFD_CLOEXEC);
		g->call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	return 0;
}

static void rig_free(struct rig *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		libvhost_vring_unref(g->vr[i]);
		close(g->kick[i]);
		close(g->call[i]);
	}
	libvhost_mem_unref(g->mem);
}

/*
 * The transport-neutral part, the same for every kind of device: features,
 * memory table, and every ring started.
 */
static int setup_rings(struct libvhost_dev *dev, struct rig *g, uint64_t features)
{
	unsigned int i;
	int r;

	r = libvhost_dev_set_features(dev, features);
	if (r == 0)
		r = libvhost_dev_set_mem(dev, g->mem);
	for (i = 0; r == 0 && i < g->n; i++)
		r = libvhost_dev_start_vring(dev, i, g->vr[i], g->kick[i], g->call[i]);
	return r;
}

/* Waits up to 5 s for a used buffer on ring @q (answering IOTLB misses of @kd if given). */
static int wait_used(struct rig *g, unsigned int q, struct libvhost_kdev *kd, void **tok,
		     uint32_t *len, uint64_t (*xlate)(struct rig *, uint64_t))
{
	int i, r;

	for (i = 0; i < 500; i++) {
		struct pollfd pfd[2] = { { g->call[q], POLLIN, 0 },
					 { kd ? libvhost_kdev_get_fd(kd) : -1, POLLIN, 0 } };
		uint64_t v;

		r = libvhost_vring_get_used(g->vr[q], tok, len);
		if (r != 0)
			return r;
		poll(pfd, 2, 10);
		if (pfd[0].revents && read(g->call[q], &v, sizeof(v)) < 0)
			return -errno;
		if (kd && xlate) {
			uint32_t type, perm;
			uint64_t iova;

			while (libvhost_kdev_read_iotlb(kd, &type, &iova, &perm) == 1) {
				uint64_t page = iova & ~0xfffull;

				r = libvhost_kdev_iotlb(kd, LIBVHOST_IOTLB_UPDATE, page, 0x1000,
							xlate(g, page), LIBVHOST_IOTLB_RW);
				if (r < 0)
					return r;
			}
		}
	}
	return -ETIMEDOUT;
}

/* ---- vhost-net through a tap ---- */

static int tap_open(const char *name, int *ifindex)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), s, hdr = NET_HDR;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		close(fd);
		return -errno;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ifr.ifr_flags = IFF_UP;
	if (s < 0 || ioctl(s, SIOCSIFFLAGS, &ifr) < 0 || ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
		if (s >= 0)
			close(s);
		close(fd);
		return -errno;
	}
	close(s);
	*ifindex = ifr.ifr_ifindex;
	return fd;
}

static int packet_socket(int ifindex)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_protocol = htons(ETHERTYPE),
				  .sll_ifindex = ifindex };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETHERTYPE));

	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		return -errno;
	}
	return s;
}

static void make_frame(uint8_t *f, uint8_t seed)
{
	memset(f, 0xff, 6); /* broadcast */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	for (int i = 14; i < 60; i++)
		f[i] = (uint8_t)(seed + i);
}

static uint64_t xlate_ident(struct rig *g, uint64_t iova)
{
	/* guest addresses (descriptors) below MEM_SIZE; ring addresses are user addresses */
	return iova < MEM_SIZE ? (uint64_t)(uintptr_t)g->base + iova : iova;
}

/*
 * TX: a frame put on ring 1 appears on the tap interface.  RX: a frame sent
 * out of the interface arrives in a buffer of ring 0.
 */
static void test_net(const char *what, uint64_t features, uint64_t ring_flags)
{
	struct libvhost_kdev *kd = NULL;
	struct libvhost_dev *dev;
	struct rig g;
	uint8_t *tx = NULL, frame[60], got[128];
	uint64_t (*xl)(struct rig *, uint64_t) = features & F_ACCESS_PLATFORM ? xlate_ident : NULL;
	int tap = -1, ps = -1, ifindex = 0, r, i;
	uint32_t len, base;
	void *tok;
	ssize_t n;

	r = rig_new(&g, 2, 64, ring_flags);
	CHECK(r == 0, "%s: rings (%d)", what, r);
	r = libvhost_kdev_open(ctx, "/dev/vhost-net", &kd);
	CHECK(r == 0, "%s: open /dev/vhost-net (%d)", what, r);
	dev = libvhost_kdev_get_dev(kd);
	CHECK(libvhost_dev_set_owner(dev) == 0, "%s: owner", what);
	if (xl)
		CHECK(libvhost_kdev_set_backend_features(kd, 1ULL << 1) == 0,
		      "%s: IOTLB_MSG_V2", what);
	r = setup_rings(dev, &g, features);
	CHECK(r == 0, "%s: set-up (%d)", what, r);
	if (xl) {
		/* the rings are mapped before the backend (as QEMU does); buffers miss */
		uint64_t rings = (uint64_t)(uintptr_t)g.base;

		r = libvhost_kdev_iotlb(kd, LIBVHOST_IOTLB_UPDATE, rings, 0x10000, rings,
					LIBVHOST_IOTLB_RW);
		CHECK(r == 0, "%s: IOTLB update for the rings (%d)", what, r);
	}
	tap = tap_open("lvh0", &ifindex);
	CHECK(tap >= 0, "%s: tap (%d)", what, tap);
	ps = packet_socket(ifindex);
	CHECK(ps >= 0, "%s: packet socket (%d)", what, ps);
	CHECK(libvhost_kdev_net_set_backend(kd, 0, tap) == 0 &&
		      libvhost_kdev_net_set_backend(kd, 1, tap) == 0,
	      "%s: SET_BACKEND", what);

	/* TX */
	tx = g.base + BUF_GPA;
	memset(tx, 0, NET_HDR);
	make_frame(tx + NET_HDR, 1);
	{
		struct iovec iov = { tx, NET_HDR + 60 };

		CHECK(libvhost_vring_add(g.vr[1], &iov, 1, 0, tx) == 0, "%s: add TX", what);
		libvhost_vring_kick(g.vr[1]);
	}
	r = wait_used(&g, 1, kd, &tok, &len, xl);
	CHECK(r == 1 && tok == tx, "%s: TX buffer returned (%d)", what, r);
	/* the frame is on its way once the buffer is used: up to 5 s, as wait_used() */
	for (i = 0; i < 500; i++) {
		n = recv(ps, got, sizeof(got), MSG_DONTWAIT);
		if (n > 0)
			break;
		usleep(10000);
	}
	CHECK(n == 60 && !memcmp(got, tx + NET_HDR, 60), "%s: TX frame on the tap (%zd)", what,
	      n);

	/* RX */
	for (i = 0; i < 4; i++) {
		struct iovec iov = { g.base + BUF_GPA + 0x1000 + i * 0x800, 0x800 };

		CHECK(libvhost_vring_add(g.vr[0], &iov, 0, 1, iov.iov_base) == 0, "%s: add RX",
		      what);
	}
	libvhost_vring_kick(g.vr[0]);
	make_frame(frame, 7);
	{
		struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
					  .sll_halen = 6 };

		memset(sa.sll_addr, 0xff, 6);
		n = sendto(ps, frame, sizeof(frame), 0, (struct sockaddr *)&sa, sizeof(sa));
		CHECK(n == 60, "%s: send on the tap (%zd)", what, n);
	}
	/* the first frame of ours (a kernel with IPv6 may send its own first) */
	for (i = 0; i < 4; i++) {
		r = wait_used(&g, 0, kd, &tok, &len, xl);
		if (r != 1 || (len == NET_HDR + 60 && !memcmp((uint8_t *)tok + NET_HDR, frame, 60)))
			break;
	}
	CHECK(r == 1 && i < 4, "%s: RX frame in the ring (%d, len %u)", what, r, len);
	CHECK(libvhost_dev_stop_vring(dev, 1, &base) == 0, "%s: stop TX ring", what);
	result(true, "%s: a frame each way through vhost-net (TX base %u)", what, base);
out:
	if (ps >= 0)
		close(ps);
	if (tap >= 0)
		close(tap);
	libvhost_kdev_unref(kd);
	rig_free(&g);
}

/*
 * A feature libvhost read as not offered.  Not a skip: the kernel is asked
 * without libvhost (VHOST_GET_FEATURES on a file of our own) and must agree
 * with what libvhost read, and a device set up with the feature anyway must
 * be refused, by the kernel, with -EOPNOTSUPP.
 */
static void test_net_absent(const char *what, uint64_t bit, uint64_t features)
{
	struct libvhost_kdev *kd = NULL;
	uint64_t raw = 0;
	int fd, r;

	fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "%s: open /dev/vhost-net (%s)", what, strerror(errno));
	r = ioctl(fd, VHOST_SET_OWNER) == 0 && ioctl(fd, VHOST_GET_FEATURES, &raw) == 0 ? 0 : -errno;
	close(fd);
	CHECK(r == 0, "%s: VHOST_GET_FEATURES without libvhost (%d)", what, r);
	CHECK(raw == features, "%s: the kernel offers %#llx, libvhost read %#llx", what,
	      (unsigned long long)raw, (unsigned long long)features);
	CHECK(libvhost_kdev_open(ctx, "/dev/vhost-net", &kd) == 0 &&
		      libvhost_dev_set_owner(libvhost_kdev_get_dev(kd)) == 0,
	      "%s: open", what);
	printf("# %s: the kernel's refusal, logged by libvhost next, is the expected one\n", what);
	r = libvhost_dev_set_features(libvhost_kdev_get_dev(kd), F_VERSION_1 | bit);
	CHECK(r == -EOPNOTSUPP, "%s: SET_FEATURES with a feature not offered (%d)", what, r);
	result(true, "%s: not offered by this kernel's vhost-net (it says so without libvhost too), "
		     "and refused at SET_FEATURES",
	       what);
out:
	libvhost_kdev_unref(kd);
}

/* The kernel logs the pages it writes: the RX buffer's and the used ring's. */
static void test_dirty_log(void)
{
	struct libvhost_kdev *kd = NULL;
	struct libvhost_dev *dev;
	struct rig g;
	static uint8_t log[4096];
	uint8_t frame[60];
	uint64_t d, a, u, ugpa, features = 0;
	int tap = -1, ps = -1, ifindex, r;
	uint32_t len;
	void *tok;

	r = rig_new(&g, 1, 64, 0);
	CHECK(r == 0, "dirty log: rings");
	CHECK(libvhost_kdev_open(ctx, "/dev/vhost-net", &kd) == 0, "dirty log: open");
	dev = libvhost_kdev_get_dev(kd);
	CHECK(libvhost_dev_set_owner(dev) == 0, "dirty log: owner");
	CHECK(libvhost_dev_get_features(dev, &features) == 0 && (features & F_LOG_ALL),
	      "dirty log: VHOST_F_LOG_ALL offered (%#llx)", (unsigned long long)features);
	CHECK(libvhost_kdev_set_log_base(kd, log) == 0, "dirty log: SET_LOG_BASE");
	CHECK(libvhost_dev_set_features(dev, F_VERSION_1 | F_LOG_ALL) == 0, "dirty log: features");
	CHECK(libvhost_dev_set_mem(dev, g.mem) == 0, "dirty log: memory");
	libvhost_vring_get_addrs(g.vr[0], 0, &d, &a, &u);
	libvhost_vring_get_addrs(g.vr[0], 1, NULL, NULL, &ugpa);
	CHECK(libvhost_dev_set_vring_num(dev, 0, 64) == 0 && libvhost_dev_set_vring_base(dev, 0, 0) == 0 &&
		      libvhost_dev_set_vring_addr(dev, 0, d, a, u, ugpa,
						  1ULL << LIBVHOST_VRING_F_LOG) == 0 &&
		      libvhost_dev_set_vring_call(dev, 0, g.call[0]) == 0 &&
		      libvhost_dev_set_vring_kick(dev, 0, g.kick[0]) == 0,
	      "dirty log: ring with VHOST_VRING_F_LOG");
	libvhost_vring_set_kick_fd(g.vr[0], g.kick[0]);
	tap = tap_open("lvh1", &ifindex);
	ps = packet_socket(ifindex);
	CHECK(tap >= 0 && ps >= 0 && libvhost_kdev_net_set_backend(kd, 0, tap) == 0,
	      "dirty log: tap");
	{
		struct iovec iov = { g.base + 0x50000, 0x800 };

		CHECK(libvhost_vring_add(g.vr[0], &iov, 0, 1, iov.iov_base) == 0, "dirty log: add");
		libvhost_vring_kick(g.vr[0]);
	}
	make_frame(frame, 3);
	{
		struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
					  .sll_halen = 6 };

		CHECK(sendto(ps, frame, sizeof(frame), 0, (struct sockaddr *)&sa, sizeof(sa)) == 60,
		      "dirty log: send");
	}
	r = wait_used(&g, 0, NULL, &tok, &len, NULL);
	CHECK(r == 1, "dirty log: frame received");
	/* guest page 0x50 (the buffer) and the used ring's page */
	CHECK(log[0x50 / 8] & (1u << (0x50 % 8)), "dirty log: the buffer's page is logged");
	CHECK(log[(ugpa >> 12) / 8] & (1u << ((ugpa >> 12) % 8)),
	      "dirty log: the used ring's page is logged");
	CHECK(!(log[0x60 / 8] & (1u << (0x60 % 8))), "dirty log: an untouched page is not");
	result(true, "dirty log: the kernel logs the RX buffer and the used ring");
out:
	if (ps >= 0)
		close(ps);
	if (tap >= 0)
		close(tap);
	libvhost_kdev_unref(kd);
	rig_free(&g);
}

/* The rest of the kernel vhost surface: each call works or says -EOPNOTSUPP. */
static void test_kdev_surface(void)
{
	struct libvhost_kdev *kd = NULL;
	uint64_t f[2] = { 0 }, bf = 0;
	unsigned int count = 2, usec = 0;
	uint32_t w;
	int r;

	CHECK(libvhost_kdev_open(ctx, "/dev/vhost-net", &kd) == 0, "surface: open");
	CHECK(libvhost_dev_set_owner(libvhost_kdev_get_dev(kd)) == 0, "surface: owner");
	CHECK(libvhost_kdev_get_features_array(kd, f, &count) == 0 && count >= 1 &&
		      (f[0] & F_VERSION_1),
	      "surface: features array (%u words, %#llx)", count, (unsigned long long)f[0]);
	CHECK(libvhost_kdev_get_backend_features(kd, &bf) == 0, "surface: backend features");
	r = libvhost_kdev_set_busyloop_timeout(kd, 0, 50);
	CHECK(r == 0 && libvhost_kdev_get_busyloop_timeout(kd, 0, &usec) == 0 && usec == 50,
	      "surface: busy-loop timeout (%d, %u)", r, usec);
	r = libvhost_kdev_new_worker(kd, &w);
	CHECK(r == 0 || r == -EOPNOTSUPP, "surface: workers (%d)", r);
	if (r == 0)
		CHECK(libvhost_kdev_attach_vring_worker(kd, 0, w) == 0, "surface: attach worker");
	CHECK(libvhost_kdev_reset_owner(kd) == 0, "surface: RESET_OWNER");
	result(true, "kernel vhost surface: backend features %#llx, workers %s",
	       (unsigned long long)bf, r == 0 ? "yes" : "not in this kernel");
out:
	libvhost_kdev_unref(kd);
}

/* ---- vhost-vsock: our ring is the guest's driver, this kernel the host ---- */

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

#define VS_OP_REQUEST 1
#define VS_OP_RESPONSE 2
#define VS_OP_RW 5
#define VS_TYPE_STREAM 1
#define GUEST_CID 3

static int vsock_send(struct rig *g, uint8_t *buf, uint16_t op, const void *data, uint32_t len,
		      uint32_t fwd_cnt)
{
	struct vsock_hdr h = { GUEST_CID, VMADDR_CID_HOST, 5000, 1234, len, VS_TYPE_STREAM, op,
			       0, 65536, fwd_cnt };
	struct iovec iov = { buf, sizeof(h) + len };
	uint32_t l;
	void *tok;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), data, len);
	if (libvhost_vring_add(g->vr[1], &iov, 1, 0, buf) < 0)
		return -EIO;
	libvhost_vring_kick(g->vr[1]);
	return wait_used(g, 1, NULL, &tok, &l, NULL) == 1 ? 0 : -ETIMEDOUT;
}

/* The next packet on the RX ring (buffers re-posted as they are used). */
static int vsock_recv(struct rig *g, struct vsock_hdr *h, uint8_t *data)
{
	uint32_t len;
	void *tok;
	int r = wait_used(g, 0, NULL, &tok, &len, NULL);
	struct iovec iov = { tok, 0x800 };

	if (r != 1 || len < sizeof(*h))
		return -EIO;
	memcpy(h, tok, sizeof(*h));
	if (h->len <= len - sizeof(*h))
		memcpy(data, (uint8_t *)tok + sizeof(*h), h->len);
	libvhost_vring_add(g->vr[0], &iov, 0, 1, tok);
	libvhost_vring_kick(g->vr[0]);
	return 0;
}

static void test_vsock(void)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
				  .svm_port = 1234 };
	struct libvhost_kdev *kd = NULL;
	struct vsock_hdr h;
	struct rig g;
	uint8_t data[256];
	int ls = -1, cs = -1, i, r;
	ssize_t n;

	r = rig_new(&g, 2, 64, 0);
	CHECK(r == 0, "vsock: rings");
	ls = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(ls, 1) == 0,
	      "vsock: listening socket (%s)", strerror(errno));
	CHECK(libvhost_kdev_open(ctx, "/dev/vhost-vsock", &kd) == 0, "vsock: open");
	CHECK(libvhost_dev_set_owner(libvhost_kdev_get_dev(kd)) == 0, "vsock: owner");
	r = setup_rings(libvhost_kdev_get_dev(kd), &g, F_VERSION_1);
	CHECK(r == 0, "vsock: set-up (%d)", r);
	for (i = 0; i < 8; i++) {
		struct iovec iov = { g.base + BUF_GPA + 0x2000 + i * 0x800, 0x800 };

		libvhost_vring_add(g.vr[0], &iov, 0, 1, iov.iov_base);
	}
	libvhost_vring_kick(g.vr[0]);
	CHECK(libvhost_kdev_vsock_set_guest_cid(kd, GUEST_CID) == 0, "vsock: guest CID");
	CHECK(libvhost_kdev_vsock_set_running(kd, 1) == 0, "vsock: running");

	/* connect: REQUEST out, RESPONSE back, the listener accepts */
	CHECK(vsock_send(&g, g.base + BUF_GPA, VS_OP_REQUEST, NULL, 0, 0) == 0, "vsock: request");
	CHECK(vsock_recv(&g, &h, data) == 0 && h.op == VS_OP_RESPONSE && h.dst_port == 5000,
	      "vsock: response (op %u)", h.op);
	cs = accept(ls, NULL, NULL);
	CHECK(cs >= 0, "vsock: accept (%s)", strerror(errno));
	/* guest to host */
	CHECK(vsock_send(&g, g.base + BUF_GPA, VS_OP_RW, "ping from the ring", 18, 0) == 0,
	      "vsock: send");
	n = recv(cs, data, sizeof(data), 0);
	CHECK(n == 18 && !memcmp(data, "ping from the ring", 18), "vsock: host got %zd bytes", n);
	/* host to guest */
	CHECK(send(cs, "pong from the host", 18, 0) == 18, "vsock: host send");
	do
		r = vsock_recv(&g, &h, data);
	while (r == 0 && h.op != VS_OP_RW);
	CHECK(r == 0 && h.len == 18 && !memcmp(data, "pong from the host", 18),
	      "vsock: ring got op %u len %u", h.op, h.len);
	CHECK(libvhost_kdev_vsock_set_running(kd, 0) == 0, "vsock: stop");
	result(true, "vsock: a stream connection to a listening AF_VSOCK socket, data both ways");
out:
	if (cs >= 0)
		close(cs);
	if (ls >= 0)
		close(ls);
	libvhost_kdev_unref(kd);
	rig_free(&g);
}

/* ---- vhost-scsi against a ramdisk LUN set up through configfs ---- */

#define WWPN "naa.5001405c0ffee001"
#define NEXUS "naa.5001405c0ffee002"

static int put(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -EIO;
}

static int scsi_target_setup(void)
{
	const char *cfs = "/sys/kernel/config/target";

	if (mkdir("/sys/kernel/config/target/core/rd_mcp_0", 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir("/sys/kernel/config/target/core/rd_mcp_0/ram0", 0755) < 0 && errno != EEXIST)
		return -errno;
	if (put("/sys/kernel/config/target/core/rd_mcp_0/ram0/control", "rd_pages=256") < 0 ||
	    put("/sys/kernel/config/target/core/rd_mcp_0/ram0/enable", "1") < 0)
		return -EIO;
	(void)cfs;
	if ((mkdir("/sys/kernel/config/target/vhost", 0755) < 0 && errno != EEXIST) ||
	    (mkdir("/sys/kernel/config/target/vhost/" WWPN, 0755) < 0 && errno != EEXIST) ||
	    (mkdir("/sys/kernel/config/target/vhost/" WWPN "/tpgt_1", 0755) < 0 && errno != EEXIST) ||
	    (mkdir("/sys/kernel/config/target/vhost/" WWPN "/tpgt_1/lun/lun_0", 0755) < 0 &&
	     errno != EEXIST))
		return -errno;
	if (symlink("/sys/kernel/config/target/core/rd_mcp_0/ram0",
		    "/sys/kernel/config/target/vhost/" WWPN "/tpgt_1/lun/lun_0/ram0") < 0 &&
	    errno != EEXIST)
		return -errno;
	return put("/sys/kernel/config/target/vhost/" WWPN "/tpgt_1/nexus", NEXUS);
}

struct scsi_req {
	uint8_t lun[8];
	uint64_t tag;
	uint8_t task_attr, prio, crn;
	uint8_t cdb[32];
} __attribute__((packed));

struct scsi_resp {
	uint32_t sense_len, resid;
	uint16_t status_qualifier;
	uint8_t status, response;
	uint8_t sense[96];
} __attribute__((packed));

/* One command on request queue 2: header out, data in, response in. */
static int scsi_cmd(struct rig *g, const uint8_t *cdb, unsigned int cdb_len, uint8_t *data,
		    uint32_t data_len, struct scsi_resp *resp)
{
	struct scsi_req *req = (struct scsi_req *)(g->base + BUF_GPA);
	struct scsi_resp *rsp = (struct scsi_resp *)(g->base + BUF_GPA + 0x100);
	uint8_t *din = g->base + BUF_GPA + 0x1000;
	struct iovec iov[3] = { { req, sizeof(*req) }, { rsp, sizeof(*rsp) }, { din, data_len } };
	uint32_t len;
	void *tok;

	memset(req, 0, sizeof(*req));
	req->lun[0] = 1;
	req->lun[1] = 1; /* the target portal group */
	req->lun[2] = 0x40; /* LUN 0, flat addressing */
	req->tag = 7;
	memcpy(req->cdb, cdb, cdb_len);
	memset(rsp, 0xee, sizeof(*rsp));
	if (libvhost_vring_add(g->vr[2], iov, 1, data_len ? 2 : 1, req) < 0)
		return -EIO;
	libvhost_vring_kick(g->vr[2]);
	if (wait_used(g, 2, NULL, &tok, &len, NULL) != 1)
		return -ETIMEDOUT;
	memcpy(resp, rsp, sizeof(*resp));
	memcpy(data, din, data_len);
	return 0;
}

static void test_scsi(void)
{
	static const uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
	static const uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct libvhost_kdev *kd = NULL;
	struct scsi_resp resp;
	struct rig g;
	uint8_t data[512];
	int abi = 0, r;

	r = scsi_target_setup();
	CHECK(r == 0, "scsi: configfs target with a ramdisk LUN (%d)", r);
	r = rig_new(&g, 3, 64, 0);
	CHECK(r == 0, "scsi: rings");
	CHECK(libvhost_kdev_open(ctx, "/dev/vhost-scsi", &kd) == 0, "scsi: open");
	CHECK(libvhost_kdev_scsi_get_abi_version(kd, &abi) == 0 && abi >= 1, "scsi: ABI %d", abi);
	CHECK(libvhost_dev_set_owner(libvhost_kdev_get_dev(kd)) == 0, "scsi: owner");
	r = setup_rings(libvhost_kdev_get_dev(kd), &g, F_VERSION_1);
	CHECK(r == 0, "scsi: set-up (%d)", r);
	r = libvhost_kdev_scsi_set_endpoint(kd, WWPN, 1);
	CHECK(r == 0, "scsi: SET_ENDPOINT (%d)", r);
	CHECK(scsi_cmd(&g, inquiry, sizeof(inquiry), data, 36, &resp) == 0, "scsi: INQUIRY");
	CHECK(resp.response == 0 && resp.status == 0 && (data[0] & 0x1f) == 0,
	      "scsi: INQUIRY answered (response %u status %u type %u)", resp.response, resp.status,
	      data[0] & 0x1f);
	printf("# INQUIRY: vendor %.8s product %.16s\n", data + 8, data + 16);
	CHECK(scsi_cmd(&g, read10, sizeof(read10), data, 512, &resp) == 0, "scsi: READ(10)");
	CHECK(resp.response == 0 && resp.status == 0 && resp.resid == 0,
	      "scsi: READ(10) of one block (response %u status %u resid %u)", resp.response,
	      resp.status, resp.resid);
	CHECK(libvhost_kdev_scsi_clear_endpoint(kd, WWPN, 1) == 0, "scsi: CLEAR_ENDPOINT");
	result(true, "scsi: INQUIRY and READ(10) through vhost-scsi to a configfs ramdisk LUN");
out:
	libvhost_kdev_unref(kd);
	rig_free(&g);
}

/* ---- the same set-up over a vhost-user front-end ---- */

struct echo_dev {
	struct libvhost_backend *be;
	int stop;
};

static void *echo_main(void *arg)
{
	struct echo_dev *e = arg;

	for (;;) {
		struct libvhost_vq *vq = libvhost_backend_get_vq(e->be, 0);
		struct pollfd pfd[3] = { { e->stop, POLLIN, 0 },
					 { libvhost_backend_get_fd(e->be), POLLIN, 0 },
					 { libvhost_vq_get_kick_fd(vq), POLLIN, 0 } };
		struct libvhost_vq_elem el;
		struct iovec iov[4];
		uint64_t v;

		if (poll(pfd, 3, 1000) < 0 || pfd[0].revents)
			return NULL;
		if (pfd[2].fd >= 0 && (pfd[2].revents & POLLIN) && read(pfd[2].fd, &v, 8) < 0)
			return NULL;
		while (libvhost_vq_pop(vq, iov, 4, &el) == 1) {
			size_t l = iov[0].iov_len < iov[1].iov_len ? iov[0].iov_len : iov[1].iov_len;

			memcpy(iov[1].iov_base, iov[0].iov_base, l);
			libvhost_vq_push(vq, el.id, (uint32_t)l);
		}
		if (pfd[2].fd >= 0)
			libvhost_vq_notify(vq);
		if (pfd[1].revents && libvhost_backend_process(e->be) < 0)
			return NULL;
	}
}

static void test_same_setup_vhost_user(void)
{
	LIBVHOST_OPTS(libvhost_backend_opts, bo, .features = F_VERSION_1);
	struct echo_dev e = { 0 };
	struct libvhost_frontend *fe = NULL;
	struct rig g;
	pthread_t t;
	bool started = false;
	uint8_t *out, *in;
	uint32_t len;
	void *tok;
	int sv[2], r;

	r = rig_new(&g, 1, 64, 0);
	CHECK(r == 0, "vhost-user: rings");
	CHECK(libvhost_backend_new(ctx, &bo, &e.be) == 0, "vhost-user: back-end");
	e.stop = eventfd(0, EFD_CLOEXEC);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0 &&
		      libvhost_backend_adopt_fd(e.be, sv[1]) == 0,
	      "vhost-user: socket");
	CHECK(pthread_create(&t, NULL, echo_main, &e) == 0, "vhost-user: thread");
	started = true;
	CHECK(libvhost_frontend_adopt_fd(ctx, sv[0], NULL, &fe) == 0 &&
		      libvhost_frontend_negotiate(fe) == 0,
	      "vhost-user: negotiate");
	r = setup_rings(libvhost_frontend_get_dev(fe), &g, F_VERSION_1);
	CHECK(r == 0, "vhost-user: the same set-up (%d)", r);
	out = g.base + BUF_GPA;
	in = out + 0x800;
	memcpy(out, "same code, other transport", 26);
	{
		struct iovec iov[2] = { { out, 26 }, { in, 64 } };

		CHECK(libvhost_vring_add(g.vr[0], iov, 1, 1, out) == 0, "vhost-user: add");
		libvhost_vring_kick(g.vr[0]);
	}
	r = wait_used(&g, 0, NULL, &tok, &len, NULL);
	CHECK(r == 1 && len == 26 && !memcmp(in, out, 26), "vhost-user: echo (%d)", r);
	result(true, "setup_rings(): the same function drives kernel vhost and vhost-user");
out:
	libvhost_frontend_unref(fe);
	if (started) {
		uint64_t one = 1;

		if (write(e.stop, &one, 8) == 8)
			pthread_join(t, NULL);
	}
	libvhost_backend_unref(e.be);
	if (e.stop > 0)
		close(e.stop);
	rig_free(&g);
}

/* ---- vDPA: simulators created through our management API ---- */

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

struct found {
	bool net, blk;
};

static int saw_mgmtdev(void *ud, const struct libvhost_vdpa_mgmtdev *m)
{
	struct found *f = ud;

	f->net |= !strcmp(m->name, "vdpasim_net");
	f->blk |= !strcmp(m->name, "vdpasim_blk");
	return 0;
}

/* Status ACK | DRIVER, the common set-up, FEATURES_OK, DRIVER_OK. */
static int vdpa_start(struct libvhost_vdpa *v, struct rig *g, uint64_t features)
{
	uint8_t st = 0;
	int r;

	r = libvhost_vdpa_set_status(v, 0);
	if (r == 0)
		r = libvhost_vdpa_set_status(v, S_ACK | S_DRIVER);
	if (r == 0)
		r = setup_rings(libvhost_vdpa_get_dev(v), g, features);
	if (r == 0)
		r = libvhost_vdpa_set_status(v, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (r == 0)
		r = libvhost_vdpa_get_status(v, &st);
	if (r == 0 && !(st & S_FEATURES_OK))
		r = -EPROTO;
	if (r == 0)
		r = libvhost_vdpa_set_status(v, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return r;
}

struct blk_outhdr {
	uint32_t type, reserved;
	uint64_t sector;
};

/* One virtio-blk request: header, data (out for writes, in otherwise), status. */
static int blk_req(struct rig *g, uint32_t type, uint64_t sector, uint8_t *data, uint32_t len,
		   uint8_t *status)
{
	struct blk_outhdr *h = (struct blk_outhdr *)(g->base + BUF_GPA);
	uint8_t *st = g->base + BUF_GPA + 0x100, *buf = g->base + BUF_GPA + 0x1000;
	bool out = type == 1;
	struct iovec iov[3] = { { h, sizeof(*h) }, { buf, len }, { st, 1 } };
	uint32_t l;
	void *tok;
	int r;

	h->type = type;
	h->reserved = 0;
	h->sector = sector;
	*st = 0xff;
	if (out)
		memcpy(buf, data, len);
	if (len)
		r = libvhost_vring_add(g->vr[0], iov, out ? 2 : 1, out ? 1 : 2, h);
	else
		r = libvhost_vring_add(g->vr[0], (struct iovec[]){ iov[0], iov[2] }, 1, 1, h);
	if (r < 0)
		return r;
	libvhost_vring_kick(g->vr[0]);
	r = wait_used(g, 0, NULL, &tok, &l, NULL);
	if (r != 1)
		return -ETIMEDOUT;
	if (!out && len)
		memcpy(data, buf, len);
	*status = *st;
	return 0;
}

/* The stats of our VDUSE device (zeros for a kernel's device). */
static struct libvhost_vduse_stats vduse_stats(const struct vm_vduse_blk *ours)
{
	struct libvhost_vduse_stats st = { .sz = sizeof(st) };

	if (ours && libvhost_vduse_get_stats(ours->v, &st) < 0)
		memset(&st, 0xff, sizeof(st)); /* fails every count asserted */
	return st;
}

void vm_vdpa_blk_drive(const char *path, const char *what, const char *id,
		       struct vm_vduse_blk *ours)
{
	struct libvhost_vdpa *v = NULL;
	struct libvhost_vduse_stats vs0 = { 0 }, vs = { 0 };
	struct rig g;
	uint64_t features = 0, cap = 0, first, last, base_feat;
	uint32_t id2 = 0, cfgsz = 0, vqs = 0, as = 0, grp, base;
	uint8_t data[1024], back[1024], img[1024], st;
	int r, i;

	r = rig_new(&g, 1, 64, 0);
	CHECK(r == 0, "%s: rings", what);
	r = libvhost_vdpa_open(ctx, path, &v);
	CHECK(r == 0, "%s: open %s (%d)", what, path, r);
	CHECK(libvhost_vdpa_get_device_id(v, &id2) == 0 && id2 == 2, "%s: device id %u", what, id2);
	CHECK(libvhost_vdpa_get_config_size(v, &cfgsz) == 0 && cfgsz >= 8, "%s: config size", what);
	CHECK(libvhost_vdpa_get_config(v, 0, &cap, 8) == 0 &&
		      (ours ? cap == ours->cfg.capacity : cap > 16),
	      "%s: capacity %llu", what, (unsigned long long)cap);
	CHECK(libvhost_vdpa_get_vqs_count(v, &vqs) == 0 && vqs >= 1, "%s: rings %u", what, vqs);
	libvhost_vdpa_get_iova_range(v, &first, &last);
	libvhost_vdpa_get_as_num(v, &as);
	libvhost_vdpa_get_backend_features(v, &base_feat);
	printf("# %s: config %u bytes, %u rings, IOVA [%#llx, %#llx], %u address spaces, backend "
	       "features %#llx\n",
	       path, cfgsz, vqs, (unsigned long long)first, (unsigned long long)last, as,
	       (unsigned long long)base_feat);
	/* bad calls stop here, before the kernel */
	CHECK(libvhost_vdpa_get_config(v, cfgsz, data, 1) == -EINVAL &&
		      libvhost_vdpa_get_config(v, 0, data, cfgsz + 1) == -EINVAL,
	      "%s: config past its size refused", what);
	CHECK(libvhost_vdpa_map(v, 0, UINT64_MAX - 10, 4096, g.base, LIBVHOST_IOTLB_RW) == -ERANGE,
	      "%s: a wrapping IOVA range refused", what);
	CHECK(libvhost_vdpa_map(v, as, 0, 4096, g.base, LIBVHOST_IOTLB_RW) == -EINVAL,
	      "%s: unknown address space refused", what);
	CHECK(libvhost_vdpa_get_vring_group(v, vqs, &grp) == -EINVAL,
	      "%s: ring past the count refused", what);
	CHECK(libvhost_dev_set_vring_num(libvhost_vdpa_get_dev(v), vqs, 64) == -EINVAL,
	      "%s: ring set-up past the count refused", what);

	CHECK(libvhost_dev_set_owner(libvhost_vdpa_get_dev(v)) == 0, "%s: owner", what);
	/* newer calls (vhost answers unknown ones only to its owner): a value or -EOPNOTSUPP */
	r = libvhost_vdpa_get_vring_size(v, 0, &grp);
	CHECK(r == 0 || r == -EOPNOTSUPP, "%s: ring size (%d)", what, r);
	r = libvhost_vdpa_get_vring_desc_group(v, 0, &grp);
	CHECK(r == 0 || r == -EOPNOTSUPP, "%s: descriptor group (%d)", what, r);
	r = libvhost_vdpa_get_vring_group(v, 0, &grp);
	CHECK(r == 0 || r == -EOPNOTSUPP, "%s: ring group (%d)", what, r);
	CHECK(libvhost_dev_get_features(libvhost_vdpa_get_dev(v), &features) == 0,
	      "%s: features", what);
	r = vdpa_start(v, &g, features & (F_VERSION_1 | F_ACCESS_PLATFORM));
	CHECK(r == 0, "%s: start (%d)", what, r);

	memset(data, 0, sizeof(data));
	CHECK(blk_req(&g, 8, 0, data, 20, &st) == 0 && st == 0 && !memcmp(data, id, strlen(id)),
	      "%s: GET_ID (status %u, \"%.20s\")", what, st, data);
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	CHECK(blk_req(&g, 1, 2, data, sizeof(data), &st) == 0 && st == 0, "%s: write (%u)", what, st);
	memset(back, 0, sizeof(back));
	CHECK(blk_req(&g, 0, 2, back, sizeof(back), &st) == 0 && st == 0 &&
		      !memcmp(back, data, sizeof(data)),
	      "%s: read back (%u)", what, st);
	if (ours)
		CHECK(pread(ours->img, img, sizeof(img), 2 * 512) == (ssize_t)sizeof(img) &&
			      !memcmp(img, data, sizeof(data)),
		      "%s: the image holds the bytes written at sector 2", what);
	r = blk_req(&g, 4, 0, NULL, 0, &st);
	/* vdpa_sim_blk in some kernels answers FLUSH with UNSUPP; our device flushes */
	CHECK(r == 0 && (st == 0 || (!ours && st == 2)), "%s: flush (status %u)", what, st);
	if (st == 2)
		printf("# vdpa_sim_blk in this kernel answers FLUSH with UNSUPP\n");
	CHECK(blk_req(&g, 0, cap, back, 512, &st) == 0 && st == 1,
	      "%s: read past the end gets IOERR (status %u)", what, st);

	/* the mapping taken away and given back */
	vs0 = vduse_stats(ours);
	CHECK(libvhost_vdpa_unmap(v, 0, 0, MEM_SIZE) == 0 &&
		      libvhost_vdpa_map_mem(v, 0, g.mem) == 0,
	      "%s: unmap and map again", what);
	if (ours) {
		/*
		 * 6.1's vhost_vdpa gives VDUSE (a set_map device) the whole new
		 * table at each change outside a batch (the unmap) and once at
		 * a batch's end (the map), and VDUSE's set_map asks the device
		 * to drop [0, ULLONG_MAX]: two UPDATE_IOTLB (vhost/vdpa.c
		 * vhost_vdpa_unmap() and VHOST_IOTLB_BATCH_END;
		 * vdpa_user/vduse_dev.c vduse_vdpa_set_map()).
		 */
		vs = vduse_stats(ours);
		CHECK(vs.iotlb_updates == vs0.iotlb_updates + 2,
		      "%s: unmap and map: the device was sent 2 UPDATE_IOTLB (%llu -> %llu)", what,
		      (unsigned long long)vs0.iotlb_updates, (unsigned long long)vs.iotlb_updates);
	}
	CHECK(blk_req(&g, 0, 2, back, sizeof(back), &st) == 0 && st == 0 &&
		      !memcmp(back, data, sizeof(data)),
	      "%s: read after the remap", what);

	/* suspend keeps the ring's state; a reset gives a clean device */
	r = libvhost_vdpa_suspend(v);
	if (r == 0) {
		CHECK(libvhost_dev_get_vring_base(libvhost_vdpa_get_dev(v), 0, &base) == 0 &&
			      base == 6,
		      "%s: suspended at ring index %u (6 requests so far)", what, base);
		r = libvhost_vdpa_resume(v);
		printf("# suspend: ring state kept (index %u); resume: %s\n", base,
		       r == 0 ? "yes" : "not in this kernel");
	} else {
		CHECK(r == -EOPNOTSUPP, "%s: suspend (%d)", what, r);
	}
	if (ours) {
		/*
		 * The ring index is the device's: vhost_vdpa's GET_VRING_BASE
		 * is VDUSE's get_vq_state, a GET_VQ_STATE request to this
		 * process (6.1 has no suspend for VDUSE: the ring is idle).
		 */
		vs0 = vduse_stats(ours);
		r = libvhost_dev_get_vring_base(libvhost_vdpa_get_dev(v), 0, &base);
		vs = vduse_stats(ours);
		CHECK(r == 0 && base == 6 && base == ours->reqs_since_reset &&
			      vs.vq_states == vs0.vq_states + 1,
		      "%s: GET_VRING_BASE %u: the device's GET_VQ_STATE answer, its %lu requests "
		      "(%d, %llu GET_VQ_STATE)",
		      what, base, ours->reqs_since_reset, r, (unsigned long long)vs.vq_states);
		vs0 = vs;
	}
	rig_free(&g);
	r = rig_new(&g, 1, 64, 0);
	CHECK(r == 0, "%s: fresh rings", what);
	r = vdpa_start(v, &g, features & (F_VERSION_1 | F_ACCESS_PLATFORM));
	CHECK(r == 0, "%s: start after reset (%d)", what, r);
	CHECK(blk_req(&g, 0, 2, back, sizeof(back), &st) == 0 && st == 0 &&
		      !memcmp(back, data, sizeof(data)),
	      "%s: reset device reads the data written before", what);
	if (ours) {
		vs = vduse_stats(ours);
		CHECK(vs.resets > vs0.resets && ours->reqs_since_reset == 1,
		      "%s: the device was reset (%llu resets) and counts 1 request since (%lu)",
		      what, (unsigned long long)vs.resets, ours->reqs_since_reset);
	}
	result(true, "%s: GET_ID, write/read, flush, IOERR past the end, remap, suspend, reset", what);
out:
	if (v)
		libvhost_vdpa_set_status(v, 0);
	libvhost_vdpa_unref(v);
	rig_free(&g);
}

static void test_vdpa_net(const char *path, const uint8_t *mac)
{
	struct libvhost_vdpa *v = NULL;
	struct rig g;
	uint64_t features = 0;
	uint8_t cfg_mac[6], *tx, frame[60];
	uint32_t id = 0, len;
	void *tok;
	int r, i;

	r = rig_new(&g, 2, 64, 0);
	CHECK(r == 0, "vdpa net: rings");
	r = libvhost_vdpa_open(ctx, path, &v);
	CHECK(r == 0, "vdpa net: open %s (%d)", path, r);
	CHECK(libvhost_vdpa_get_device_id(v, &id) == 0 && id == 1, "vdpa net: device id %u", id);
	CHECK(libvhost_vdpa_get_config(v, 0, cfg_mac, 6) == 0 && !memcmp(cfg_mac, mac, 6),
	      "vdpa net: the MAC given at creation is in the config space");
	CHECK(libvhost_dev_set_owner(libvhost_vdpa_get_dev(v)) == 0, "vdpa net: owner");
	CHECK(libvhost_dev_get_features(libvhost_vdpa_get_dev(v), &features) == 0,
	      "vdpa net: features");
	r = vdpa_start(v, &g, features & (F_VERSION_1 | F_ACCESS_PLATFORM | (1ULL << 5)));
	CHECK(r == 0, "vdpa net: start (%d)", r);
	for (i = 0; i < 4; i++) {
		struct iovec iov = { g.base + BUF_GPA + 0x1000 + i * 0x800, 0x800 };

		CHECK(libvhost_vring_add(g.vr[0], &iov, 0, 1, iov.iov_base) == 0, "vdpa net: RX");
	}
	libvhost_vring_kick(g.vr[0]);
	tx = g.base + BUF_GPA;
	memset(tx, 0, NET_HDR);
	make_frame(tx + NET_HDR, 9);
	memcpy(frame, tx + NET_HDR, 60);
	{
		struct iovec iov = { tx, NET_HDR + 60 };

		CHECK(libvhost_vring_add(g.vr[1], &iov, 1, 0, tx) == 0, "vdpa net: TX");
		libvhost_vring_kick(g.vr[1]);
	}
	r = wait_used(&g, 1, NULL, &tok, &len, NULL);
	CHECK(r == 1, "vdpa net: TX returned (%d)", r);
	r = wait_used(&g, 0, NULL, &tok, &len, NULL);
	CHECK(r == 1 && len == NET_HDR + 60 && !memcmp((uint8_t *)tok + NET_HDR, frame, 60),
	      "vdpa net: the frame looped back to RX (%d, len %u)", r, len);
	result(true, "vdpa net: a broadcast frame from TX back in RX; MAC from the config space");
out:
	if (v)
		libvhost_vdpa_set_status(v, 0);
	libvhost_vdpa_unref(v);
	rig_free(&g);
}

static void test_vdpa(void)
{
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	/* with virtio_vdpa in the kernel too, a new device may go to either driver */
	LIBVHOST_OPTS(libvhost_vdpa_dev_opts, o, .mac = mac, .driver = "vhost_vdpa");
	LIBVHOST_OPTS(libvhost_vdpa_dev_opts, ob, .driver = "vhost_vdpa");
	struct libvhost_vdpa_devconfig cfg = { .sz = sizeof(cfg) };
	struct libvhost_vdpa_devinfo info = { .sz = sizeof(info) };
	struct found f = { false, false };
	char net_path[64] = "", blk_path[64] = "";
	bool added_net = false, added_blk = false;
	int r;

	r = libvhost_vdpa_mgmtdev_list(ctx, saw_mgmtdev, &f);
	CHECK(r == 0 && f.net && f.blk, "vdpa: management devices (%d, net %d, blk %d)", r, f.net,
	      f.blk);
	r = libvhost_vdpa_dev_add(ctx, "lvhnet0", "vdpasim_net", &o);
	CHECK(r == 0, "vdpa: add lvhnet0 (%d)", r);
	added_net = true;
	r = libvhost_vdpa_dev_add(ctx, "lvhblk0", "vdpasim_blk", &ob);
	CHECK(r == 0, "vdpa: add lvhblk0 (%d)", r);
	added_blk = true;
	CHECK(libvhost_vdpa_dev_add(ctx, "lvhblk0", "vdpasim_blk", NULL) < 0,
	      "vdpa: a second lvhblk0 refused");
	CHECK(libvhost_vdpa_dev_get(ctx, "lvhnet0", &info) == 0 && info.device_id == 1 &&
		      !strcmp(info.mgmtdev, "vdpasim_net") && !strcmp(info.driver, "vhost_vdpa"),
	      "vdpa: lvhnet0 is net on vdpasim_net, bound to vhost_vdpa (%u, %s, %s)",
	      info.device_id, info.mgmtdev, info.driver);
	CHECK(libvhost_vdpa_dev_config(ctx, "lvhnet0", &cfg) == 0 && cfg.has_mac &&
		      !memcmp(cfg.mac, mac, 6),
	      "vdpa: lvhnet0's config reports the MAC");
	CHECK(libvhost_vdpa_dev_path("lvhnet0", net_path, sizeof(net_path)) == 0 &&
		      libvhost_vdpa_dev_path("lvhblk0", blk_path, sizeof(blk_path)) == 0,
	      "vdpa: character devices (%s, %s)", net_path, blk_path);
	result(true, "vdpa management: list, add (MAC, driver), get, config, path");
	vm_vdpa_blk_drive(blk_path, "vdpa blk", "vdpa_blk_sim", NULL);
	test_vdpa_net(net_path, mac);
out:
	if (added_net)
		result(libvhost_vdpa_dev_del(ctx, "lvhnet0") == 0, "vdpa: delete lvhnet0");
	if (added_blk)
		result(libvhost_vdpa_dev_del(ctx, "lvhblk0") == 0, "vdpa: delete lvhblk0");
	if (added_blk)
		result(libvhost_vdpa_dev_get(ctx, "lvhblk0", &info) < 0, "vdpa: lvhblk0 is gone");
}

/* The first line of a sysfs file, without its newline. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* The last part of the symbolic link @path ("" when there is none). */
static void link_base(const char *path, char *buf, size_t len)
{
	char l[256];
	ssize_t n = readlink(path, l, sizeof(l) - 1);
	const char *b;

	l[n > 0 ? n : 0] = 0;
	b = strrchr(l, '/');
	snprintf(buf, len, "%s", b ? b + 1 : l);
}

/* The first entry of directory @dir whose name starts with @prefix, into @buf. */
static bool first_entry(const char *dir, const char *prefix, char *buf, size_t len)
{
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix)))
			found = snprintf(buf, len, "%s", e->d_name) < (int)len;
	closedir(d);
	return found;
}

/*
 * The virtio device virtio_vdpa made of vDPA device @name ("virtioN") and
 * the network interface virtio_net made of that, both children in sysfs.
 */
static bool vdpa_virtio_net(const char *name, char *virtio, size_t vlen, char *ifname, size_t ilen)
{
	char dir[160];

	snprintf(dir, sizeof(dir), "/sys/bus/vdpa/devices/%s", name);
	if (!first_entry(dir, "virtio", virtio, vlen))
		return false;
	snprintf(dir, sizeof(dir), "/sys/bus/vdpa/devices/%s/%s/net", name, virtio);
	return first_entry(dir, "", ifname, ilen);
}

/*
 * One vdpasim_net device given to virtio_vdpa, so this kernel drives it as
 * its own virtio-net interface, then back to vhost_vdpa for a character
 * device again: libvhost_vdpa_dev_bind() both ways.
 */
static void test_vdpa_bind(void)
{
	static const uint8_t mac[6] = { 0x02, 0x66, 0x77, 0x88, 0x99, 0xaa };
	LIBVHOST_OPTS(libvhost_vdpa_dev_opts, o, .mac = mac);
	struct libvhost_vdpa_devinfo info = { .sz = sizeof(info) };
	struct libvhost_vdpa *v = NULL;
	char virtio[32] = "", ifname[IFNAMSIZ + 1] = "", path[64] = "", p[256], line[64] = "";
	char want[18], drv[256] = "";
	bool added = false;
	uint32_t id = 0;
	int r, i;

	/* a kernel without CONFIG_VIRTIO_VDPA (seen in sysfs, not through libvhost) */
	if (access("/sys/bus/vdpa/drivers/virtio_vdpa", F_OK) < 0) {
		skip("vdpa bind", "this kernel has no virtio_vdpa driver");
		return;
	}
	snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	/* no driver named: the kernel's own pick */
	r = libvhost_vdpa_dev_add(ctx, "lvhbind0", "vdpasim_net", &o);
	CHECK(r == 0, "vdpa bind: add lvhbind0 (%d)", r);
	added = true;
	CHECK(libvhost_vdpa_dev_get(ctx, "lvhbind0", &info) == 0, "vdpa bind: get lvhbind0");
	printf("# lvhbind0, made with no driver named, went to %s\n",
	       *info.driver ? info.driver : "no driver");

	r = libvhost_vdpa_dev_bind(ctx, "lvhbind0", "virtio_vdpa");
	CHECK(r == 0, "vdpa bind: lvhbind0 to virtio_vdpa (%d)", r);
	for (i = 0; i < 500 && !vdpa_virtio_net("lvhbind0", virtio, sizeof(virtio), ifname,
						sizeof(ifname));
	     i++)
		usleep(10000);
	CHECK(i < 500, "vdpa bind: a virtio device with a network interface under lvhbind0 (%s)",
	      virtio);
	snprintf(p, sizeof(p), "/sys/bus/virtio/devices/%s/driver", virtio);
	link_base(p, drv, sizeof(drv));
	CHECK(!strcmp(drv, "virtio_net"), "vdpa bind: %s driven by virtio_net (%s)", virtio, drv);
	snprintf(p, sizeof(p), "/sys/class/net/%s/address", ifname);
	CHECK(read_line(p, line, sizeof(line)) == 0 && !strcmp(line, want),
	      "vdpa bind: %s in /sys/class/net with the MAC given at creation (%s)", ifname, line);
	CHECK(libvhost_vdpa_dev_get(ctx, "lvhbind0", &info) == 0 &&
		      !strcmp(info.driver, "virtio_vdpa"),
	      "vdpa bind: lvhbind0 reported on virtio_vdpa (%s)", info.driver);
	r = libvhost_vdpa_dev_path("lvhbind0", path, sizeof(path));
	CHECK(r == -ENXIO, "vdpa bind: no character device on virtio_vdpa, -ENXIO (%d)", r);
	r = libvhost_vdpa_dev_bind(ctx, "lvhbind0", "virtio_vdpa");
	CHECK(r == 0 && access(p, F_OK) == 0, "vdpa bind: to the driver it has: nothing done (%d)",
	      r);
	r = libvhost_vdpa_dev_bind(ctx, "lvhbind0", "lvh_no_such_driver");
	CHECK(r == -ENOENT, "vdpa bind: to no such driver, -ENOENT (%d)", r);
	r = libvhost_vdpa_dev_bind(ctx, "lvhnosuchdev", "vhost_vdpa");
	CHECK(r == -ENODEV, "vdpa bind: no such device, -ENODEV (%d)", r);
	CHECK(access(p, F_OK) == 0, "vdpa bind: the refusals left %s as it was", ifname);

	r = libvhost_vdpa_dev_bind(ctx, "lvhbind0", "vhost_vdpa");
	CHECK(r == 0, "vdpa bind: lvhbind0 back to vhost_vdpa (%d)", r);
	for (i = 0; i < 500 && access(p, F_OK) == 0; i++)
		usleep(10000);
	CHECK(i < 500, "vdpa bind: %s gone with virtio_vdpa", ifname);
	r = libvhost_vdpa_dev_path("lvhbind0", path, sizeof(path));
	CHECK(r == 0, "vdpa bind: the character device is back (%d)", r);
	r = libvhost_vdpa_open(ctx, path, &v);
	CHECK(r == 0 && libvhost_vdpa_get_device_id(v, &id) == 0 && id == 1,
	      "vdpa bind: %s opens as a net device (%d, id %u)", path, r, id);
	CHECK(read_line("/sys/bus/vdpa/devices/lvhbind0/driver_override", line, sizeof(line)) == 0 &&
		      !strcmp(line, "vhost_vdpa"),
	      "vdpa bind: the choice kept in driver_override (%s)", line);
	result(true, "vdpa bind: vdpasim_net to virtio_vdpa (%s, %s, MAC %s), back to vhost_vdpa (%s)",
	       virtio, ifname, want, path);
out:
	/* (deleting a device whose character device is open waits for the close) */
	libvhost_vdpa_unref(v);
	if (added)
		result(libvhost_vdpa_dev_del(ctx, "lvhbind0") == 0, "vdpa bind: delete lvhbind0");
}

/* vhost-ctl vdpa, the CLI on the same API. */
static void test_vdpa_cli(void)
{
	char line[256], all[2048] = "";
	FILE *f;

	/* check-vm.sh always puts it in: its absence is the harness's fault */
	CHECK(access("/bin/vhost-ctl", X_OK) == 0, "vhost-ctl vdpa: vhost-ctl in the initramfs");
	CHECK(system("LD_LIBRARY_PATH=/lib /bin/vhost-ctl vdpa add cli0 --mgmtdev vdpasim_net "
		     "--mac 02:aa:bb:cc:dd:ee --driver virtio_vdpa") == 0,
	      "vhost-ctl vdpa add --driver virtio_vdpa");
	f = popen("LD_LIBRARY_PATH=/lib /bin/vhost-ctl vdpa show cli0; "
		  "LD_LIBRARY_PATH=/lib /bin/vhost-ctl vdpa bind cli0 vhost_vdpa && "
		  "LD_LIBRARY_PATH=/lib /bin/vhost-ctl vdpa list",
		  "r");
	CHECK(f != NULL, "vhost-ctl vdpa show");
	while (fgets(line, sizeof(line), f)) {
		printf("# cli: %s", line);
		if (strlen(all) + strlen(line) < sizeof(all))
			strcat(all, line);
	}
	pclose(f);
	CHECK(strstr(all, "dev cli0: mgmtdev vdpasim_net") && strstr(all, "mac 02:aa:bb:cc:dd:ee") &&
		      strstr(all, "mgmtdev vdpasim_blk: classes block"),
	      "vhost-ctl vdpa show and list describe the device");
	CHECK(strstr(all, ", driver virtio_vdpa\n") && strstr(all, ", driver vhost_vdpa, /dev/vhost-vdpa-"),
	      "vhost-ctl vdpa show and list name the driver: virtio_vdpa, then vhost_vdpa after bind");
	CHECK(system("LD_LIBRARY_PATH=/lib /bin/vhost-ctl vdpa bind cli0 2>/dev/null") != 0,
	      "vhost-ctl vdpa bind without a driver is a usage error");
	CHECK(system("LD_LIBRARY_PATH=/lib /bin/vhost-ctl vdpa del cli0") == 0, "vhost-ctl vdpa del");
	CHECK(system("LD_LIBRARY_PATH=/lib /bin/vhost-ctl vdpa show cli0 2>/dev/null") != 0,
	      "vhost-ctl vdpa show of a deleted device fails");
	result(true, "vhost-ctl vdpa add --driver, show, bind, list, del");
out:
	return;
}

int main(int argc, char **argv)
{
	LIBVHOST_OPTS(libvhost_ctx_opts, co, .log_priority = 3);
	uint64_t features = 0;
	struct libvhost_kdev *kd;
	int r;

	if (argc == 3 && !strcmp(argv[1], "--exit-only")) {
		if (ioperm(0xf4, 4, 1) < 0)
			return 1;
		outb((unsigned char)atoi(argv[2]), 0xf4);
		return 0;
	}
	if (libvhost_ctx_new(&co, &ctx) < 0)
		return 2;
	printf("TAP version 13\n");
	/* the probe is libvhost's own reading of the features: it must work */
	r = libvhost_kdev_open(ctx, "/dev/vhost-net", &kd);
	if (r == 0) {
		r = libvhost_dev_set_owner(libvhost_kdev_get_dev(kd));
		if (r == 0)
			r = libvhost_dev_get_features(libvhost_kdev_get_dev(kd), &features);
		libvhost_kdev_unref(kd);
	}
	if (r < 0)
		result(false, "vhost-net: the features probe (%d)", r);
	printf("# vhost-net features %#llx\n", (unsigned long long)features);
	test_net("net split", F_VERSION_1, 0);
	test_net("net split event-idx", F_VERSION_1 | F_EVENT_IDX, LIBVHOST_VRING_F_EVENT_IDX);
	if (features & F_RING_PACKED)
		test_net("net packed", F_VERSION_1 | F_RING_PACKED, LIBVHOST_VRING_F_PACKED);
	else
		test_net_absent("net packed", F_RING_PACKED, features);
	if (features & F_ACCESS_PLATFORM)
		test_net("net IOTLB", F_VERSION_1 | F_ACCESS_PLATFORM, 0);
	else
		test_net_absent("net IOTLB", F_ACCESS_PLATFORM, features);
	test_dirty_log();
	test_kdev_surface();
	test_vsock();
	test_scsi();
	test_same_setup_vhost_user();
	test_vdpa();
	test_vdpa_bind();
	test_vdpa_cli();
	test_vduse();
	test_vduse_vdpa();
	test_vduse_bench();
	test_vduse_tool();
	printf("1..%u\n# %u passed, %u failed\n", ntests, ntests - nfailed, nfailed);
	fflush(stdout);
	libvhost_ctx_unref(ctx);
	return nfailed ? 1 : 0;
}
