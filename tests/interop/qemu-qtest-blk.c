/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * qemu-qtest-blk: the guest's virtio-blk driver, played through QEMU's qtest
 * protocol, for tests/interop/qemu-qtest-blk.sh.
 *
 *   qemu-qtest-blk QTEST_SOCKET IMAGE
 *
 * QEMU runs a vhost-user-blk-pci device whose back-end is our
 * vhost-user-blk serving IMAGE, and listens for qtest on QTEST_SOCKET.  No
 * guest code runs: this program finds the device by scanning PCI config
 * space through ports 0xcf8/0xcfc, programs its BARs, walks the virtio-pci
 * vendor capabilities, and does the virtio 1.x driver's work by hand: reset,
 * ACKNOWLEDGE, DRIVER, VERSION_1, FEATURES_OK, one split queue with its
 * rings in guest RAM, DRIVER_OK.  Requests are descriptors written into
 * guest memory; completion is seen by polling the used index (no
 * interrupts).  Two rounds, with a device reset (status 0) between them and
 * the rings moved: each writes sectors 0-7 with its own pattern and reads
 * them back; the second first reads what the first wrote.  At the end
 * IMAGE must hold the second pattern, and nothing else written.
 *
 * The qtest protocol (QEMU's docs/devel/qtest.rst): one request a line
 * ("outl 0xcf8 0x80000000", "readw 0x1000", "read ADDR SIZE",
 * "write ADDR SIZE 0xHEX", "memset ADDR SIZE VALUE"); each answered by one
 * line, "OK" with the value if any; "IRQ ..." lines may come in between.
 * Memory accesses are little-endian here (x86).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* PCI (PCI Local Bus 3.0) */
#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_STATUS_CAPS 0x10
#define PCI_CAP_VENDOR 0x09
#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_BLK_LEGACY 0x1001 /* transitional */
#define VIRTIO_BLK_MODERN 0x1042 /* 0x1040 + device type 2 */

/* virtio-pci capabilities and the common configuration (virtio 1.2, 4.1.4) */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4
#define CC_DFSELECT 0x00
#define CC_DF 0x04
#define CC_GFSELECT 0x08
#define CC_GF 0x0c
#define CC_NUMQ 0x12
#define CC_STATUS 0x14
#define CC_Q_SELECT 0x16
#define CC_Q_SIZE 0x18
#define CC_Q_ENABLE 0x1c
#define CC_Q_NOFF 0x1e
#define CC_Q_DESC 0x20
#define CC_Q_AVAIL 0x28
#define CC_Q_USED 0x30
#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40
#define S_FAILED 0x80
#define F_VERSION_1 32

/* split virtqueue (virtio 1.2, 2.7) */
#define QSZ 16
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2

/* virtio-blk (virtio 1.2, 5.2) */
#define BLK_T_IN 0
#define BLK_T_OUT 1
#define SECTOR 512
#define NSECT 8
#define DATA_LEN (NSECT * SECTOR)

/* Guest-physical layout of one round (RAM is 128 MiB; nothing else runs). */
#define G_DESC 0x0000
#define G_AVAIL 0x1000
#define G_USED 0x2000
#define G_HDR 0x3000
#define G_STATUS 0x3100
#define G_DATA 0x4000
#define G_SPAN 0x10000

/* Where BARs go: inside the i440fx/q35 PCI holes below 4 GiB. */
#define MMIO_BASE 0xe0000000u
#define IO_BASE 0xc000u

static FILE *qt;
static char *line;
static size_t line_cap;
static unsigned int commands;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static const char *qtest(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static uint64_t qtest_value(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

/* One qtest request; returns what follows "OK" (with its space), or "". */
static const char *qtest(const char *fmt, ...)
{
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vfprintf(qt, fmt, ap);
	va_end(ap);
	fputc('\n', qt);
	if (fflush(qt) != 0)
		die("qtest: write: %s", strerror(errno));
	commands++;
	for (;;) {
		n = getline(&line, &line_cap, qt);
		if (n <= 0)
			die("qtest: no answer (QEMU gone, or 30 s passed)");
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!strncmp(line, "IRQ ", 4))
			continue; /* asynchronous, none asked for */
		if (strncmp(line, "OK", 2))
			die("qtest: '%.60s' answered '%.60s'", fmt, line);
		return line + 2;
	}
}

static uint64_t qtest_value(const char *fmt, ...)
{
	char req[128], *end;
	const char *v;
	uint64_t x;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	v = qtest("%s", req);
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || end == v)
		die("qtest: '%s' gave no value: '%.60s'", req, v);
	return x;
}

static void outl(uint16_t port, uint32_t v)
{
	qtest("outl 0x%x 0x%x", port, v);
}

static void outw(uint16_t port, uint16_t v)
{
	qtest("outw 0x%x 0x%x", port, v);
}

static uint32_t inl(uint16_t port)
{
	return (uint32_t)qtest_value("inl 0x%x", port);
}

static uint8_t rd8(uint64_t a)
{
	return (uint8_t)qtest_value("readb 0x%" PRIx64, a);
}

static uint16_t rd16(uint64_t a)
{
	return (uint16_t)qtest_value("readw 0x%" PRIx64, a);
}

static uint32_t rd32(uint64_t a)
{
	return (uint32_t)qtest_value("readl 0x%" PRIx64, a);
}

static uint64_t rd64(uint64_t a)
{
	return qtest_value("readq 0x%" PRIx64, a);
}

static void wr8(uint64_t a, uint8_t v)
{
	qtest("writeb 0x%" PRIx64 " 0x%x", a, v);
}

static void wr16(uint64_t a, uint16_t v)
{
	qtest("writew 0x%" PRIx64 " 0x%x", a, v);
}

static void wr32(uint64_t a, uint32_t v)
{
	qtest("writel 0x%" PRIx64 " 0x%x", a, v);
}

static void wr64(uint64_t a, uint64_t v)
{
	qtest("writeq 0x%" PRIx64 " 0x%" PRIx64, a, v);
}

/* Guest memory in bulk: "write ADDR SIZE 0xHEX", "read ADDR SIZE". */
static void mem_write(uint64_t a, const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = buf;
	char *s = malloc(2 * len + 1);
	size_t i;

	if (!s)
		die("out of memory");
	for (i = 0; i < len; i++) {
		s[2 * i] = hex[p[i] >> 4];
		s[2 * i + 1] = hex[p[i] & 0xf];
	}
	s[2 * len] = 0;
	qtest("write 0x%" PRIx64 " 0x%zx 0x%s", a, len, s);
	free(s);
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void mem_read(uint64_t a, void *buf, size_t len)
{
	const char *v = qtest("read 0x%" PRIx64 " 0x%zx", a, len);
	uint8_t *p = buf;
	size_t i;

	if (strncmp(v, " 0x", 3) || strlen(v + 3) != 2 * len)
		die("qtest: read of %zu bytes gave '%.40s...'", len, v);
	for (i = 0; i < len; i++) {
		int hi = nibble(v[3 + 2 * i]), lo = nibble(v[4 + 2 * i]);

		if (hi < 0 || lo < 0)
			die("qtest: read: not hex");
		p[i] = (uint8_t)(hi << 4 | lo);
	}
}

static void mem_zero(uint64_t a, size_t len)
{
	qtest("memset 0x%" PRIx64 " 0x%zx 0", a, len);
}

/* ---- PCI configuration space, mechanism #1 ---- */

static uint32_t cfg_addr(unsigned int dev, unsigned int off)
{
	return 0x80000000u | dev << 11 | (off & 0xfc);
}

static uint32_t cfg_rd32(unsigned int dev, unsigned int off)
{
	outl(0xcf8, cfg_addr(dev, off));
	return inl(0xcfc);
}

static uint8_t cfg_rd8(unsigned int dev, unsigned int off)
{
	return (uint8_t)(cfg_rd32(dev, off) >> 8 * (off & 3));
}

static uint16_t cfg_rd16(unsigned int dev, unsigned int off)
{
	return (uint16_t)(cfg_rd32(dev, off) >> 8 * (off & 2));
}

static void cfg_wr32(unsigned int dev, unsigned int off, uint32_t v)
{
	outl(0xcf8, cfg_addr(dev, off));
	outl(0xcfc, v);
}

static void cfg_wr16(unsigned int dev, unsigned int off, uint16_t v)
{
	outl(0xcf8, cfg_addr(dev, off));
	outw((uint16_t)(0xcfc + (off & 2)), v);
}

struct vdev {
	unsigned int slot;
	uint64_t bar[6];
	uint64_t common, notify, isr, device; /* MMIO addresses of the capabilities */
	uint32_t notify_mult;
	uint64_t notify_addr; /* queue 0's doorbell */
};

static unsigned int find_device(void)
{
	unsigned int slot;

	for (slot = 0; slot < 32; slot++) {
		uint32_t id = cfg_rd32(slot, PCI_VENDOR_ID);

		if ((id & 0xffff) == VIRTIO_VENDOR &&
		    (id >> 16 == VIRTIO_BLK_LEGACY || id >> 16 == VIRTIO_BLK_MODERN)) {
			printf("virtio-blk at 00:%02x.0, id %04x:%04x\n", slot, id & 0xffff,
			       id >> 16);
			return slot;
		}
	}
	die("no virtio-blk PCI device on bus 0");
}

/* Sizes every BAR and places it: memory from MMIO_BASE, I/O from IO_BASE. */
static void program_bars(struct vdev *v)
{
	uint64_t mmio = MMIO_BASE;
	uint32_t io = IO_BASE;
	unsigned int i;

	for (i = 0; i < 6; i++) {
		unsigned int off = PCI_BAR0 + 4 * i;
		uint32_t orig = cfg_rd32(v->slot, off), lo;
		uint64_t mask, size;
		bool is64;

		cfg_wr32(v->slot, off, 0xffffffff);
		lo = cfg_rd32(v->slot, off);
		if (!lo) {
			cfg_wr32(v->slot, off, orig);
			continue;
		}
		if (lo & 1) {
			size = (uint16_t)(~(lo & ~3u) + 1);
			io = (io + (uint32_t)size - 1) & ~((uint32_t)size - 1);
			cfg_wr32(v->slot, off, io);
			v->bar[i] = io;
			printf("BAR%u: I/O, %" PRIu64 " bytes at 0x%x\n", i, size, io);
			io += (uint32_t)size;
			continue;
		}
		is64 = ((lo >> 1) & 3) == 2;
		mask = lo & ~0xfull;
		if (is64) {
			cfg_wr32(v->slot, off + 4, 0xffffffff);
			mask |= (uint64_t)cfg_rd32(v->slot, off + 4) << 32;
		} else {
			mask |= 0xffffffff00000000ull;
		}
		size = ~mask + 1;
		mmio = (mmio + size - 1) & ~(size - 1);
		cfg_wr32(v->slot, off, (uint32_t)mmio);
		if (is64)
			cfg_wr32(v->slot, off + 4, (uint32_t)(mmio >> 32));
		v->bar[i] = mmio;
		printf("BAR%u: %s memory, %" PRIu64 " bytes at 0x%" PRIx64 "\n", i,
		       is64 ? "64-bit" : "32-bit", size, mmio);
		mmio += size;
		if (is64)
			i++;
	}
	cfg_wr16(v->slot, PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
}

static void walk_caps(struct vdev *v)
{
	unsigned int p, n = 0;

	if (!(cfg_rd16(v->slot, PCI_STATUS) & PCI_STATUS_CAPS))
		die("the device has no capability list");
	for (p = cfg_rd8(v->slot, PCI_CAP_PTR) & ~3u; p && n < 48; n++) {
		uint8_t id = cfg_rd8(v->slot, p), next = cfg_rd8(v->slot, p + 1);

		if (id == PCI_CAP_VENDOR) {
			uint8_t type = cfg_rd8(v->slot, p + 3), bar = cfg_rd8(v->slot, p + 4);
			uint32_t off = cfg_rd32(v->slot, p + 8), len = cfg_rd32(v->slot, p + 12);
			uint64_t a;

			printf("virtio capability type %u: BAR%u + 0x%x, %u bytes\n", type, bar,
			       off, len);
			if (type < CAP_COMMON || type > CAP_DEVICE) {
				p = next & ~3u; /* PCI config access, shared memory...: unused */
				continue;
			}
			if (bar > 5 || !v->bar[bar])
				die("capability type %u in BAR%u, which is not mapped", type, bar);
			a = v->bar[bar] + off;
			if (type == CAP_COMMON && !v->common)
				v->common = a;
			else if (type == CAP_NOTIFY && !v->notify) {
				v->notify = a;
				v->notify_mult = cfg_rd32(v->slot, p + 16);
			} else if (type == CAP_ISR && !v->isr)
				v->isr = a;
			else if (type == CAP_DEVICE && !v->device)
				v->device = a;
		}
		p = next & ~3u;
	}
	if (!v->common || !v->notify || !v->isr || !v->device)
		die("virtio-pci capabilities missing (common, notify, ISR, device)");
}

/* ---- the driver ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_status(struct vdev *v, uint8_t s)
{
	wr8(v->common + CC_STATUS, s);
}

static void reset(struct vdev *v)
{
	double end = now() + 10;

	set_status(v, 0);
	while (rd8(v->common + CC_STATUS) != 0)
		if (now() > end)
			die("the device did not reset");
}

/* Reset, negotiate VERSION_1 alone, set up queue 0 at @base, DRIVER_OK. */
static void start(struct vdev *v, uint64_t base, uint64_t sectors)
{
	uint64_t feat, cap;
	uint16_t qmax, noff;
	uint8_t s;

	reset(v);
	set_status(v, S_ACKNOWLEDGE);
	set_status(v, S_ACKNOWLEDGE | S_DRIVER);
	wr32(v->common + CC_DFSELECT, 0);
	feat = rd32(v->common + CC_DF);
	wr32(v->common + CC_DFSELECT, 1);
	feat |= (uint64_t)rd32(v->common + CC_DF) << 32;
	printf("device features 0x%" PRIx64 "\n", feat);
	if (!(feat & 1ull << F_VERSION_1))
		die("the device does not offer VERSION_1");
	wr32(v->common + CC_GFSELECT, 0);
	wr32(v->common + CC_GF, 0);
	wr32(v->common + CC_GFSELECT, 1);
	wr32(v->common + CC_GF, 1u << (F_VERSION_1 - 32));
	set_status(v, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
	s = rd8(v->common + CC_STATUS);
	if (!(s & S_FEATURES_OK))
		die("the device refused the features (status 0x%x)", s);

	cap = rd64(v->device); /* virtio_blk_config.capacity, from GET_CONFIG */
	if (cap != sectors)
		die("capacity %" PRIu64 " sectors, the image has %" PRIu64, cap, sectors);
	if (rd16(v->common + CC_NUMQ) < 1)
		die("the device has no queue");

	mem_zero(base, G_SPAN);
	wr16(v->common + CC_Q_SELECT, 0);
	qmax = rd16(v->common + CC_Q_SIZE);
	if (qmax < QSZ)
		die("queue 0 holds %u, fewer than %u", qmax, QSZ);
	wr16(v->common + CC_Q_SIZE, QSZ);
	wr64(v->common + CC_Q_DESC, base + G_DESC);
	wr64(v->common + CC_Q_AVAIL, base + G_AVAIL);
	wr64(v->common + CC_Q_USED, base + G_USED);
	noff = rd16(v->common + CC_Q_NOFF);
	v->notify_addr = v->notify + (uint64_t)noff * v->notify_mult;
	wr16(v->common + CC_Q_ENABLE, 1);
	set_status(v, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	s = rd8(v->common + CC_STATUS);
	if (s & (S_FAILED | S_NEEDS_RESET) || !(s & S_DRIVER_OK))
		die("status 0x%x after DRIVER_OK", s);
	printf("DRIVER_OK: queue 0 of %u (max %u) at 0x%" PRIx64 "\n", QSZ, qmax, base);
}

static void put_desc(uint64_t base, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t d[16];
	unsigned int k;

	for (k = 0; k < 8; k++)
		d[k] = (uint8_t)(addr >> 8 * k);
	for (k = 0; k < 4; k++)
		d[8 + k] = (uint8_t)(len >> 8 * k);
	d[12] = (uint8_t)flags;
	d[13] = (uint8_t)(flags >> 8);
	d[14] = (uint8_t)next;
	d[15] = (uint8_t)(next >> 8);
	mem_write(base + G_DESC + 16 * i, d, sizeof(d));
}

/*
 * One request of NSECT sectors from sector 0, as a three-descriptor chain
 * (header, data, status) made available in slot @n; waits for the used
 * entry by polling the used index.
 */
static void request(struct vdev *v, uint64_t base, uint16_t n, uint32_t type)
{
	uint8_t hdr[16] = { 0 };
	uint16_t head = (uint16_t)(n % 5 * 3), used; /* chains of 3 within QSZ */
	uint32_t id, len, want = type == BLK_T_IN ? DATA_LEN + 1 : 1;
	double t0 = now(), end = t0 + 10;
	uint8_t st;

	hdr[0] = (uint8_t)type; /* type le32, reserved le32, sector le64 (0) */
	mem_write(base + G_HDR, hdr, sizeof(hdr));
	wr8(base + G_STATUS, 0xff);
	put_desc(base, head, base + G_HDR, sizeof(hdr), DESC_F_NEXT, (uint16_t)(head + 1));
	put_desc(base, head + 1u, base + G_DATA, DATA_LEN,
		 (uint16_t)(DESC_F_NEXT | (type == BLK_T_IN ? DESC_F_WRITE : 0)),
		 (uint16_t)(head + 2));
	put_desc(base, head + 2u, base + G_STATUS, 1, DESC_F_WRITE, 0);
	wr16(base + G_AVAIL + 4 + 2 * (n % QSZ), head); /* avail->ring[n] */
	wr16(base + G_AVAIL + 2, (uint16_t)(n + 1)); /* avail->idx, after the ring entry */
	wr16(v->notify_addr, 0); /* the doorbell: queue 0 */
	while ((used = rd16(base + G_USED + 2)) != (uint16_t)(n + 1)) {
		if (used != n)
			die("used index %u, expected %u or %u", used, n, n + 1);
		if (now() > end)
			die("request %u (%s) not completed in 10 s", n,
			    type == BLK_T_IN ? "read" : "write");
	}
	id = rd32(base + G_USED + 4 + 8 * (n % QSZ));
	len = rd32(base + G_USED + 8 + 8 * (n % QSZ));
	st = rd8(base + G_STATUS);
	if (id != head || len != want || st != 0)
		die("request %u: used id %u len %u status %u, expected %u, %u, 0", n, id, len, st,
		    head, want);
	printf("request %u: %s of sectors 0-%u done in %.1f ms\n", n,
	       type == BLK_T_IN ? "read" : "write", NSECT - 1, (now() - t0) * 1e3);
}

static void pattern(uint8_t *p, unsigned int round)
{
	unsigned int i;

	for (i = 0; i < DATA_LEN; i++)
		p[i] = (uint8_t)(i * 7 + (i / SECTOR) * 29 + round * 101 + 1);
}

static void read_check(struct vdev *v, uint64_t base, uint16_t n, unsigned int round)
{
	uint8_t want[DATA_LEN], got[DATA_LEN];

	mem_zero(base + G_DATA, DATA_LEN);
	request(v, base, n, BLK_T_IN);
	mem_read(base + G_DATA, got, DATA_LEN);
	pattern(want, round);
	if (memcmp(got, want, DATA_LEN))
		die("request %u: the data read is not round %u's pattern", n, round);
}

static void write_pattern(struct vdev *v, uint64_t base, uint16_t n, unsigned int round)
{
	uint8_t buf[DATA_LEN];

	pattern(buf, round);
	mem_write(base + G_DATA, buf, DATA_LEN);
	request(v, base, n, BLK_T_OUT);
}

static FILE *connect_qtest(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 30 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FILE *f;

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		die("qtest socket %s", path);
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect to %s: %s", path, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	f = fdopen(fd, "r+");
	if (!f)
		die("fdopen: %s", strerror(errno));
	return f;
}

int main(int argc, char **argv)
{
	struct vdev v = { 0 };
	uint8_t want[DATA_LEN], got[2 * DATA_LEN], zero[DATA_LEN] = { 0 };
	uint64_t base1 = 0x100000, base2 = 0x300000, sectors;
	double t0 = now();
	off_t size = 0;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: qemu-qtest-blk QTEST_SOCKET IMAGE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < 2 * DATA_LEN)
		die("%s: not an image of at least %u bytes", argv[2], 2 * DATA_LEN);
	sectors = (uint64_t)size / SECTOR;
	qt = connect_qtest(argv[1]);

	v.slot = find_device();
	program_bars(&v);
	walk_caps(&v);

	printf("round 1\n");
	start(&v, base1, sectors);
	write_pattern(&v, base1, 0, 1);
	read_check(&v, base1, 1, 1);

	/* restart: reset (QEMU stops the back-end's ring), rings elsewhere */
	printf("round 2, after a reset\n");
	start(&v, base2, sectors);
	read_check(&v, base2, 0, 1);
	write_pattern(&v, base2, 1, 2);
	read_check(&v, base2, 2, 2);
	reset(&v);

	if (pread(fd, got, sizeof(got), 0) != (ssize_t)sizeof(got))
		die("%s: short read", argv[2]);
	pattern(want, 2);
	if (memcmp(got, want, DATA_LEN))
		die("%s: sectors 0-7 do not hold round 2's pattern", argv[2]);
	if (memcmp(got + DATA_LEN, zero, DATA_LEN))
		die("%s: sectors 8-15 were written to", argv[2]);
	printf("%s holds round 2's pattern in sectors 0-7, zeroes after\n", argv[2]);
	printf("PASS: %u qtest commands in %.2f s\n", commands, now() - t0);
	close(fd);
	return 0;
}
