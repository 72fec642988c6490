/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The destination VMM of a postcopy migration, on libvhost's front-end and
 * driver-side rings, for the interop tests (--enable-postcopy builds): the
 * sequence QEMU's vhost-user code sends (POSTCOPY_ADVISE, the back-end's
 * userfaultfd back; POSTCOPY_LISTEN; the postcopy SET_MEM_TABLE, the
 * back-end's mapping bases back, acknowledged; the rings; POSTCOPY_END),
 * and I/O whose guest pages have not arrived yet.  Only the rings and the
 * request headers are written here before the I/O; every data page is in
 * the "source" copy this program keeps, so the back-end must fault on each
 * one it touches.  A fault thread reads the faults through the front-end
 * and places the page's source content (UFFDIO_COPY), counting them.
 *   postcopy-driver blk SOCKET IMAGE   a vhost-user-blk back-end whose disk
 *       is IMAGE: a pattern written from unplaced pages, read back into
 *       unplaced pages, found in IMAGE; then the rest of memory placed,
 *       POSTCOPY_END, and one more write and read served
 *   postcopy-driver net SOCKET COUNT   a vhost-user net back-end that sends
 *       our frames back (testpmd, io forwarding): COUNT frames transmitted
 *       from unplaced pages, received into unplaced RX buffers, intact
 * Exits 0 when the I/O verified and every data page the back-end had to
 * touch faulted, 1 otherwise, 77 without postcopy in this build.
 */
#include <errno.h>
#include <endian.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libvhost.h>

#if !LIBVHOST_HAS_POSTCOPY
int main(void)
{
	printf("postcopy-driver: postcopy is built only with --enable-postcopy\n");
	return 77;
}
#else

#define F_VERSION_1 (1ULL << 32)
#define PF_PAGEFAULT (1ULL << LIBVHOST_USER_PROTOCOL_F_PAGEFAULT)
#define PF_STATUS (1ULL << LIBVHOST_USER_PROTOCOL_F_STATUS)
#define MEM_SIZE (4u << 20)
#define RINGS_GPA 0x0u /* two rings, 64 KiB each: written here */
#define HDRS_GPA 0x20000u /* request headers and status bytes: written here */
#define OUT_GPA 0x100000u /* device-readable data: only in the source copy */
#define IN_GPA 0x200000u /* device-writable data: only in the source copy */
#define AFTER_GPA 0x300000u /* I/O after POSTCOPY_END */
#define NPAGES 8u
#define NUM 256
#define TIMEOUT_S 20

static size_t page;
static uint8_t *guest; /* the destination's guest memory (shared with the back-end) */
static uint8_t *source; /* what the source of the migration would send */
static struct libvhost_frontend *fe;

static int fail(const char *what, int r)
{
	fprintf(stderr, "postcopy-driver: %s: %s\n", what, strerror(-r));
	return 1;
}

static uint8_t pattern(uint64_t gpa, size_t i)
{
	return (uint8_t)((gpa >> 12) * 29 + i * 7 + 3);
}

/* ---- the fault thread ---- */

static struct {
	pthread_t thread;
	int ufd, stop;
	pthread_mutex_t lock;
	unsigned int faults, errors, outside;
	uint8_t *seen; /* per page: 1 read fault, 2 write fault */
} ft = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *fault_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd pfd[2] = { { ft.stop, POLLIN, 0 }, { ft.ufd, POLLIN, 0 } };
		struct libvhost_postcopy_fault f = { .sz = sizeof(f) };
		int r;

		r = poll(pfd, 2, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || pfd[0].revents)
			break;
		while ((r = libvhost_frontend_postcopy_read_fault(fe, &f)) == 0) {
			uint64_t gpa = f.guest_addr;

			pthread_mutex_lock(&ft.lock);
			ft.faults++;
			if (gpa >= MEM_SIZE) {
				ft.outside++;
				pthread_mutex_unlock(&ft.lock);
				continue;
			}
			ft.seen[gpa / page] |= f.flags & LIBVHOST_POSTCOPY_FAULT_WRITE ? 2 : 1;
			pthread_mutex_unlock(&ft.lock);
			r = libvhost_frontend_postcopy_place(fe, gpa, source + gpa, page);
			if (r == -EEXIST) /* two threads faulted on it: the first placed it */
				r = libvhost_frontend_postcopy_wake(fe, gpa, page);
			if (r < 0) {
				fprintf(stderr, "postcopy-driver: placing guest %#llx: %s\n",
					(unsigned long long)gpa, strerror(-r));
				pthread_mutex_lock(&ft.lock);
				ft.errors++;
				pthread_mutex_unlock(&ft.lock);
			}
		}
		if (r != -EAGAIN) {
			fprintf(stderr, "postcopy-driver: reading a fault: %s\n", strerror(-r));
			pthread_mutex_lock(&ft.lock);
			ft.errors++;
			pthread_mutex_unlock(&ft.lock);
		}
	}
	return NULL;
}

/* ---- the session up to the rings ---- */

static struct libvhost_ctx *ctx;
static struct libvhost_dev *dev;
static struct libvhost_mem *mem;

static int postcopy_setup(const char *path)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .connect_retries = 100, .timeout_ms = 10000);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	void *p;
	int r;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (libvhost_ctx_new(NULL, &ctx) < 0)
		return -ENOMEM;
	r = libvhost_frontend_connect(ctx, path, &fo, &fe);
	if (r == 0)
		r = libvhost_frontend_negotiate(fe);
	if (r < 0)
		return fail("connect", r);
	dev = libvhost_frontend_get_dev(fe);
	libvhost_frontend_get_info(fe, &info);
	if (!(info.protocol_features & PF_PAGEFAULT)) {
		fprintf(stderr, "postcopy-driver: PAGEFAULT not negotiated (offered %#llx)\n",
			(unsigned long long)info.backend_protocol_features);
		return 1;
	}
	r = libvhost_dev_set_features(dev, F_VERSION_1);
	if (r < 0)
		return fail("features", r);
	/* as QEMU's destination: advised at the incoming advise, listening at LISTEN */
	r = libvhost_frontend_postcopy_advise(fe, &ft.ufd);
	if (r < 0)
		return fail("POSTCOPY_ADVISE", r);
	r = libvhost_frontend_postcopy_listen(fe);
	if (r < 0)
		return fail("POSTCOPY_LISTEN", r);
	if (libvhost_mem_new(ctx, &mem) < 0 || libvhost_mem_alloc(mem, 0, MEM_SIZE, NULL, &p) < 0)
		return 1;
	guest = p;
	source = calloc(1, MEM_SIZE);
	ft.seen = calloc(MEM_SIZE / page, 1);
	if (!source || !ft.seen)
		return 1;
	/* the rings and headers are the destination's own: present before the table */
	memset(guest + RINGS_GPA, 0, HDRS_GPA + page - RINGS_GPA);
	/* the postcopy SET_MEM_TABLE: faults may come from its acknowledgement on */
	ft.stop = eventfd(0, EFD_CLOEXEC);
	if (pthread_create(&ft.thread, NULL, fault_main, NULL))
		return 1;
	r = libvhost_dev_set_mem(dev, mem);
	if (r < 0)
		return fail("postcopy SET_MEM_TABLE", r);
	return 0;
}

/* The rest of the migration: every page not there yet placed, the fault thread stopped, END. */
static int postcopy_finish(unsigned int *ret_placed)
{
	uint64_t gpa, one = 1;
	unsigned int placed = 0;
	int r;

	for (gpa = 0; gpa < MEM_SIZE; gpa += page) {
		r = libvhost_frontend_postcopy_place(fe, gpa, source + gpa, page);
		if (r == 0)
			placed++;
		else if (r != -EEXIST)
			return fail("placing the rest", r);
	}
	if (write(ft.stop, &one, sizeof(one)) != sizeof(one))
		return 1;
	pthread_join(ft.thread, NULL);
	r = libvhost_frontend_postcopy_end(fe);
	if (r < 0)
		return fail("POSTCOPY_END", r);
	*ret_placed = placed;
	return 0;
}

/* Fault pages in [gpa, +n pages): how many faulted, as reads (1) and as writes (2). */
static void faulted(uint64_t gpa, unsigned int n, unsigned int *reads, unsigned int *writes)
{
	unsigned int i;

	*reads = *writes = 0;
	pthread_mutex_lock(&ft.lock);
	for (i = 0; i < n; i++) {
		*reads += !!(ft.seen[gpa / page + i] & 1);
		*writes += !!(ft.seen[gpa / page + i] & 2);
	}
	pthread_mutex_unlock(&ft.lock);
}

static bool in_pages(uint64_t gpa, uint64_t base)
{
	return gpa >= base && gpa < base + NPAGES * page;
}

static void faulted_any(uint64_t gpa, unsigned int n, unsigned int *any)
{
	unsigned int i;

	*any = 0;
	pthread_mutex_lock(&ft.lock);
	for (i = 0; i < n; i++)
		*any += !!ft.seen[gpa / page + i];
	pthread_mutex_unlock(&ft.lock);
}

/* Faults outside the data pages, each reported. */
static unsigned int faulted_elsewhere(void)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&ft.lock);
	for (i = 0; i < MEM_SIZE / page; i++)
		if (ft.seen[i] && !in_pages(i * page, OUT_GPA) && !in_pages(i * page, IN_GPA)) {
			fprintf(stderr, "postcopy-driver: a fault at guest %#llx, no data page\n",
				(unsigned long long)(i * page));
			n++;
		}
	pthread_mutex_unlock(&ft.lock);
	return n;
}

static int wait_used(struct libvhost_vring *vr, int call, void **tok, uint32_t *len)
{
	time_t deadline = time(NULL) + TIMEOUT_S;
	uint64_t v;
	int r;

	while ((r = libvhost_vring_get_used(vr, tok, len)) == 0) {
		struct pollfd pfd[2] = { { call, POLLIN, 0 },
					 { libvhost_frontend_get_fd(fe), POLLIN | POLLRDHUP, 0 } };

		if (time(NULL) > deadline)
			return -ETIMEDOUT;
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			return -errno;
		if (pfd[1].revents)
			return -ECONNRESET;
		(void)!read(call, &v, sizeof(v));
	}
	return r < 0 ? r : 0;
}

/* ---- blk ---- */

#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_T_FLUSH 4
#define SECTOR 512u
#define DISK_SECTOR 2048u /* 1 MiB into the disk */

static int blk_req(struct libvhost_vring *vr, int call, uint8_t *hdr, uint32_t type,
		   uint64_t sector, uint8_t *data, size_t len)
{
	uint32_t t = htole32(type);
	uint64_t s = htole64(sector);
	struct iovec iov[3];
	unsigned int n = 0, nout = 1, nin = 1;
	uint32_t used_len;
	void *tok;
	int r;

	memcpy(hdr, &t, 4);
	memset(hdr + 4, 0, 4);
	memcpy(hdr + 8, &s, 8);
	hdr[16] = 0xff;
	iov[n++] = (struct iovec){ hdr, 16 };
	if (len) {
		iov[n++] = (struct iovec){ data, len };
		if (type == BLK_T_OUT)
			nout++;
		else
			nin++;
	}
	iov[n++] = (struct iovec){ hdr + 16, 1 };
	r = libvhost_vring_add(vr, iov, nout, nin, hdr);
	if (r < 0)
		return r;
	libvhost_vring_kick(vr);
	r = wait_used(vr, call, &tok, &used_len);
	if (r < 0)
		return r;
	if (tok != hdr)
		return -EPROTO;
	return hdr[16]; /* the status byte: 0 is VIRTIO_BLK_S_OK */
}

static int blk_io(struct libvhost_vring *vr, int call, uint64_t out, uint64_t in, uint64_t sector,
		  const char *when)
{
	size_t len = NPAGES * page, i;
	int st;

	st = blk_req(vr, call, guest + HDRS_GPA, BLK_T_OUT, sector, guest + out, len);
	if (st != 0) {
		fprintf(stderr, "postcopy-driver: blk: write %s: %s\n", when,
			st < 0 ? strerror(-st) : "status not OK");
		return 1;
	}
	st = blk_req(vr, call, guest + HDRS_GPA, BLK_T_FLUSH, 0, NULL, 0);
	if (st != 0) {
		fprintf(stderr, "postcopy-driver: blk: flush %s: %s\n", when,
			st < 0 ? strerror(-st) : "status not OK");
		return 1;
	}
	st = blk_req(vr, call, guest + HDRS_GPA, BLK_T_IN, sector, guest + in, len);
	if (st != 0) {
		fprintf(stderr, "postcopy-driver: blk: read %s: %s\n", when,
			st < 0 ? strerror(-st) : "status not OK");
		return 1;
	}
	for (i = 0; i < len; i++)
		if (guest[in + i] != pattern(out + (i & ~(page - 1)), i % page)) {
			fprintf(stderr, "postcopy-driver: blk: %s: byte %zu read back as %#x\n", when,
				i, guest[in + i]);
			return 1;
		}
	return 0;
}

/* The disk holds what was written: byte i of the data at @gpa's pages. */
static int blk_check_image(const char *image, uint64_t sector, uint64_t gpa)
{
	size_t len = NPAGES * page, i;
	uint8_t *b = malloc(len);
	int fd = open(image, O_RDONLY | O_CLOEXEC);
	bool ok = b && fd >= 0 && pread(fd, b, len, (off_t)(sector * SECTOR)) == (ssize_t)len;

	for (i = 0; ok && i < len; i++)
		ok = b[i] == pattern(gpa + (i & ~(page - 1)), i % page);
	if (!ok)
		fprintf(stderr, "postcopy-driver: blk: %s does not hold the pattern at sector %llu\n",
			image, (unsigned long long)sector);
	free(b);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : 1;
}

static int run_blk(const char *path, const char *image)
{
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = 0);
	struct libvhost_vring *vr;
	unsigned int ow, orr, iw, ir, placed, i, j;
	int kick, call, r;

	r = postcopy_setup(path);
	if (r)
		return r;
	/* the source's pages: a pattern to write; what the reads will overwrite */
	for (i = 0; i < NPAGES; i++)
		for (j = 0; j < page; j++) {
			source[OUT_GPA + i * page + j] = pattern(OUT_GPA + i * page, j);
			source[AFTER_GPA + i * page + j] = pattern(AFTER_GPA + i * page, j);
		}
	memset(source + IN_GPA, 0x5a, NPAGES * page);
	if (libvhost_vring_new(mem, RINGS_GPA, NUM, &vo, &vr) < 0)
		return 1;
	kick = eventfd(0, EFD_CLOEXEC);
	call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = libvhost_dev_start_vring(dev, 0, vr, kick, call);
	if (r < 0)
		return fail("ring", r);

	if (blk_io(vr, call, OUT_GPA, IN_GPA, DISK_SECTOR, "in postcopy"))
		return 1;
	if (blk_check_image(image, DISK_SECTOR, OUT_GPA))
		return 1;
	faulted(OUT_GPA, NPAGES, &orr, &ow);
	faulted(IN_GPA, NPAGES, &ir, &iw);
	printf("postcopy-driver: blk: %u faults; written from %u pages (%u read faults), read "
	       "into %u (%u write faults), resolved with %u errors\n",
	       ft.faults, NPAGES, orr, NPAGES, iw, ft.errors);
	if (orr != NPAGES || iw != NPAGES || ft.errors || ft.outside || faulted_elsewhere()) {
		fprintf(stderr, "postcopy-driver: blk: not every data page faulted as it must\n");
		return 1;
	}
	if (postcopy_finish(&placed))
		return 1;
	printf("postcopy-driver: blk: %u pages placed after the I/O, POSTCOPY_END acknowledged\n",
	       placed);
	/* after END: ordinary memory, served as ever */
	if (blk_io(vr, call, AFTER_GPA, IN_GPA, DISK_SECTOR + 2 * NPAGES * page / SECTOR,
		   "after POSTCOPY_END"))
		return 1;
	if (blk_check_image(image, DISK_SECTOR + 2 * NPAGES * page / SECTOR, AFTER_GPA))
		return 1;
	if (ft.faults != orr + iw) {
		fprintf(stderr, "postcopy-driver: blk: %u faults, %u expected\n", ft.faults,
			orr + iw);
		return 1;
	}
	printf("postcopy-driver: blk: pass\n");
	libvhost_vring_unref(vr);
	libvhost_frontend_unref(fe);
	libvhost_mem_unref(mem);
	libvhost_ctx_unref(ctx);
	close(kick);
	close(call);
	return 0;
}

/* ---- net ---- */

#define HDR 12
#define FRAME 60

static void net_frame(uint8_t *f, unsigned int n)
{
	memset(f, 0, HDR + FRAME);
	memset(f + HDR, 0xff, 6); /* broadcast */
	memcpy(f + HDR + 6, "\x52\x54\x00\xab\xcd\xef", 6);
	f[HDR + 12] = 0x88;
	f[HDR + 13] = 0xb5; /* local experimental ethertype */
	memcpy(f + HDR + 14, "libvhost-postcopy", 17);
	f[HDR + 31] = (uint8_t)n;
}

static int run_net(const char *path, unsigned int count)
{
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = 0);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	struct libvhost_vring *rx, *tx;
	unsigned int i, sent = 0, done = 0, got = 0, intact = 0, tr, tw, rr, rw, rany, placed;
	int kick[2], call[2], r;
	time_t deadline;
	uint64_t v;
	uint32_t len;
	void *tok;

	r = postcopy_setup(path);
	if (r)
		return r;
	/* one frame a page, one RX buffer a page: each its own fault */
	for (i = 0; i < NPAGES; i++)
		net_frame(source + OUT_GPA + i * page, i);
	if (libvhost_vring_new(mem, RINGS_GPA, NUM, &vo, &rx) < 0 ||
	    libvhost_vring_new(mem, RINGS_GPA + 0x10000, NUM, &vo, &tx) < 0)
		return 1;
	for (i = 0; i < 2; i++) {
		kick[i] = eventfd(0, EFD_CLOEXEC);
		call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	r = libvhost_dev_start_vring(dev, 0, rx, kick[0], call[0]);
	if (r == 0)
		r = libvhost_dev_start_vring(dev, 1, tx, kick[1], call[1]);
	if (r < 0)
		return fail("rings", r);
	libvhost_frontend_get_info(fe, &info);
	if (info.protocol_features & PF_STATUS) {
		r = libvhost_frontend_set_status(fe, 0x0f);
		if (r < 0)
			return fail("status", r);
	}
	for (i = 0; i < NPAGES; i++) {
		struct iovec iov = { guest + IN_GPA + i * page, page };

		libvhost_vring_add(rx, &iov, 0, 1, guest + IN_GPA + i * page);
	}
	libvhost_vring_kick(rx);
	if (count > NPAGES)
		count = NPAGES;
	deadline = time(NULL) + TIMEOUT_S;
	while ((done < count || got < count) && time(NULL) < deadline) {
		for (; sent < count; sent++) {
			struct iovec iov = { guest + OUT_GPA + sent * page, HDR + FRAME };

			if (libvhost_vring_add(tx, &iov, 1, 0, iov.iov_base) < 0)
				break;
		}
		libvhost_vring_kick(tx);
		{
			struct pollfd pfd[2] = { { call[0], POLLIN, 0 }, { call[1], POLLIN, 0 } };

			poll(pfd, 2, 100);
			(void)!read(call[0], &v, sizeof(v));
			(void)!read(call[1], &v, sizeof(v));
		}
		while (libvhost_vring_get_used(tx, &tok, &len) == 1)
			done++;
		while (libvhost_vring_get_used(rx, &tok, &len) == 1) {
			uint8_t *b = tok;

			got++;
			/* the frame as sent, from the source's page */
			if (len == HDR + FRAME && b[HDR + 31] < NPAGES &&
			    !memcmp(b + HDR, source + OUT_GPA + b[HDR + 31] * page + HDR, FRAME))
				intact++;
		}
	}
	faulted(OUT_GPA, NPAGES, &tr, &tw);
	faulted(IN_GPA, NPAGES, &rr, &rw);
	printf("postcopy-driver: net: %u frames sent, %u taken, %u received, %u intact; %u faults: "
	       "%u TX pages read, %u RX pages read and %u written, resolved with %u errors\n",
	       sent, done, got, intact, ft.faults, tr, rr, rw, ft.errors);
	if (done != count || intact != count) {
		fprintf(stderr, "postcopy-driver: net: frames lost\n");
		return 1;
	}
	/* the PMD reads an RX buffer before it writes it: either fault will do */
	faulted_any(IN_GPA, NPAGES, &rany);
	if (tr != count || rany < got || ft.errors || ft.outside || faulted_elsewhere()) {
		fprintf(stderr, "postcopy-driver: net: not every data page faulted as it must\n");
		return 1;
	}
	if (postcopy_finish(&placed))
		return 1;
	printf("postcopy-driver: net: %u pages placed after the I/O, POSTCOPY_END acknowledged\n",
	       placed);
	printf("postcopy-driver: net: pass\n");
	libvhost_vring_unref(rx);
	libvhost_vring_unref(tx);
	libvhost_frontend_unref(fe);
	libvhost_mem_unref(mem);
	libvhost_ctx_unref(ctx);
	for (i = 0; i < 2; i++) {
		close(kick[i]);
		close(call[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "blk"))
		return run_blk(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "net") && atoi(argv[3]) > 0)
		return run_net(argv[2], (unsigned int)atoi(argv[3]));
	fprintf(stderr, "usage: postcopy-driver blk SOCKET IMAGE | net SOCKET COUNT\n");
	return 2;
}
#endif
