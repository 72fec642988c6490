/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Many back-ends in one process, served by one thread (csumdev.c's group):
 * 64 devices, most with a libvhost front-end doing verified I/O, while
 * other front-ends misbehave - half a message and silence, a flood of
 * requests whose replies are never read, a kick fd that is a regular
 * file, a close in the middle of a message, a device state save whose
 * pipe is never read (it fails on its deadline, logged; the session goes
 * on).  Each of the others is dropped
 * with a log line; the others' requests stay fast (a bound well under the
 * back-ends' timeout, which a receive that waits for a stalled peer would
 * blow); fds and RSS come back.  Then 10,000 connect, handshake and
 * disconnect cycles against one listening back-end: fds flat, RSS growth
 * printed and bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "csumdev.h"
#include "testutil.h"

#define F_VERSION_1 (1ULL << 32)
#define NDEV 64
/* the back-ends' timeout: a stalled half message is given up after it */
#define TIMEOUT_MS 3000
/* what a well-behaved front-end's request may take meanwhile (generous, and under TIMEOUT_MS) */
#define BOUND_MS 1500

static struct libvhost_ctx *ctx;

static void setup(void)
{
	ctx = tu_ctx_new();
}

static void teardown(void)
{
	tu_ctx_free(ctx);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Under valgrind (make check-valgrind) RSS holds its shadow memory and the
 * blocks it keeps after free (20 MB by default), and ASan keeps freed
 * memory in a quarantine (256 MB): there the figures are printed, not
 * asserted.
 */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

/* Whether RSS says what the library holds: not under valgrind, nor ASan (its quarantine) */
static bool rss_meaningful(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return false;
#endif
#endif
	return !under_valgrind();
}

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &pages, &resident), 2);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- a well-behaved front-end: one ring, requests checked against the device's hash ---- */

struct peer {
	struct libvhost_frontend *fe;
	struct libvhost_mem *mem;
	struct libvhost_vring *vr;
	int kick, call;
	uint8_t *buf;
	int start; /* what libvhost_dev_start_vring() returned */
};

/* @kick: the kick fd to hand over (the peer's own eventfd when -1). */
static void peer_start(struct peer *p, int fd, int kick)
{
	struct libvhost_dev *dev;
	void *mem;

	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, fd, NULL, &p->fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(p->fe), 0);
	dev = libvhost_frontend_get_dev(p->fe);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	ck_assert_int_eq(libvhost_mem_new(ctx, &p->mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(p->mem, 0, 0x10000, NULL, &mem), 0);
	p->buf = (uint8_t *)mem + 0x8000;
	ck_assert_int_eq(libvhost_dev_set_mem(dev, p->mem), 0);
	ck_assert_int_eq(libvhost_vring_new(p->mem, 0, 8, NULL, &p->vr), 0);
	p->kick = kick >= 0 ? kick : eventfd(0, EFD_CLOEXEC);
	p->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->start = libvhost_dev_start_vring(dev, 0, p->vr, p->kick, p->call);
}

static void peer_stop(struct peer *p)
{
	libvhost_frontend_unref(p->fe);
	libvhost_vring_unref(p->vr);
	libvhost_mem_unref(p->mem);
	close(p->kick);
	close(p->call);
}

/* One request, its hash checked; returns how long it took (ns). */
static int64_t peer_request(struct peer *p, unsigned int seed)
{
	uint8_t *out = p->buf, *in = p->buf + 0x1000;
	struct iovec iov[2] = { { out, 256 }, { in, 8 } };
	uint64_t want, got, v;
	int64_t t0 = now_ns();
	unsigned int i;
	uint32_t len;
	void *tok;
	int r;

	for (i = 0; i < 256; i++)
		out[i] = (uint8_t)(seed * 7 + i);
	want = tu_fnv(TU_FNV_INIT, out, 256);
	memset(in, 0, 8);
	ck_assert_int_eq(libvhost_vring_add(p->vr, iov, 1, 1, out), 0);
	libvhost_vring_kick(p->vr);
	while ((r = libvhost_vring_get_used(p->vr, &tok, &len)) == 0) {
		struct pollfd pfd = { p->call, POLLIN, 0 };

		ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
		ck_assert_int_eq(read(p->call, &v, sizeof(v)), sizeof(v));
	}
	ck_assert_int_eq(r, 1);
	ck_assert_ptr_eq(tok, out);
	ck_assert_uint_eq(len, 8);
	memcpy(&got, in, sizeof(got));
	ck_assert_uint_eq(got, want);
	return now_ns() - t0;
}

/* ---- misbehaving front-ends ---- */

static void send_bytes(int fd, const void *b, size_t n)
{
	ck_assert_int_eq(send(fd, b, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* GET_FEATURES, version 1, again and again, never reading a reply, until dropped. */
static void *flood_main(void *arg)
{
	const uint32_t hdr[3] = { LIBVHOST_USER_GET_FEATURES, 1, 0 };
	int fd = *(int *)arg;
	long n = 0;

	while (send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL) == sizeof(hdr))
		n++;
	return (void *)n;
}

enum { BAD_HALF, BAD_FLOOD, BAD_KICK_FILE, BAD_CLOSE_MID, NBAD };

/* devices: the good ones, then the one whose front-end starts a device state
 * save and never reads the pipe, then the NBAD misbehaving ones */
#define FIRST_BAD (NDEV - NBAD)
#define STATE_DEV (FIRST_BAD - 1)
#define STATE_BYTES (1u << 20)

static int state_save(void *ud, int fd)
{
	static uint8_t chunk[4096];
	unsigned int i;

	for (i = 0; i < STATE_BYTES / sizeof(chunk); i++)
		if (write(fd, chunk, sizeof(chunk)) != sizeof(chunk))
			return -EIO;
	return 0;
}

static int state_load(void *ud, int fd)
{
	uint8_t chunk[4096];

	while (read(fd, chunk, sizeof(chunk)) > 0)
		;
	return 0;
}

static const struct libvhost_backend_ops state_ops = {
	.sz = sizeof(state_ops),
	.save_state = state_save,
	.load_state = state_load,
};

START_TEST(test_many_isolated)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .timeout_ms = TIMEOUT_MS);
	const uint32_t hdr[3] = { LIBVHOST_USER_GET_FEATURES, 1, 0 };
	LIBVHOST_OPTS(libvhost_backend_opts, os, .timeout_ms = TIMEOUT_MS, .ops = &state_ops);
	const unsigned int ngood = STATE_DEV;
	struct libvhost_frontend *state_fe = NULL;
	int state_pipe[2];
	/* on the heap: after a failed assertion (CK_FORK=no) the group's thread still reads it */
	struct tu_csumdev **devs = calloc(NDEV, sizeof(*devs));
	struct peer good[NDEV], kick_file;
	int fe_fd[NDEV], bad[NBAD], fds0, gone, t0_fd = -1;
	unsigned int i, round, errs0;
	int64_t worst = 0, t, t0;
	struct tu_group *g;
	pthread_t flood;
	void *flooded;
	FILE *file;
	long rss0, rss1;

	ck_assert_ptr_nonnull(devs);
	for (i = 0; i < NDEV; i++)
		devs[i] = tu_csumdev_new(ctx, i == STATE_DEV ? &os : &o);
	/* every socket before the group's thread polls them; the good ones warm before counting */
	for (i = 0; i < NDEV; i++)
		fe_fd[i] = tu_connect_backend(devs[i]->be);
	memcpy(bad, fe_fd + FIRST_BAD, sizeof(bad));
	g = tu_group_start(devs, NDEV);
	for (i = 0; i < ngood; i++) {
		peer_start(&good[i], fe_fd[i], -1);
		ck_assert_int_eq(good[i].start, 0);
	}
	for (round = 0; round < 3; round++)
		for (i = 0; i < ngood; i++)
			peer_request(&good[i], round * NDEV + i);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, fe_fd[STATE_DEV], NULL, &state_fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(state_fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(libvhost_frontend_get_dev(state_fe), F_VERSION_1),
			 0);
	fds0 = tu_count_fds();
	rss0 = rss_kib();
	errs0 = tu_log_errors();

	/* now the others misbehave, all at once */
	ck_assert_int_eq(pipe2(state_pipe, O_CLOEXEC), 0);
	ck_assert_int_eq(libvhost_frontend_set_device_state_fd(state_fe, 0, state_pipe[1], &t0_fd),
			 0);
	ck_assert_int_eq(t0_fd, -1);
	send_bytes(bad[BAD_HALF], hdr, 6);
	ck_assert_int_eq(pthread_create(&flood, NULL, flood_main, &bad[BAD_FLOOD]), 0);
	file = tmpfile();
	ck_assert_ptr_nonnull(file);
	send_bytes(bad[BAD_CLOSE_MID], hdr, 6);
	close(bad[BAD_CLOSE_MID]);
	bad[BAD_CLOSE_MID] = -1;
	/* the regular file as the kick: the front-end's side speaks the protocol rightly */
	peer_start(&kick_file, bad[BAD_KICK_FILE], dup(fileno(file)));
	bad[BAD_KICK_FILE] = -1;

	/* the good ones' I/O meanwhile, until every bad one was dropped */
	t0 = now_ns();
	for (round = 0;; round++) {
		for (i = 0, gone = 0; i < NBAD; i++)
			gone += tu_group_gone(g, FIRST_BAD + i);
		if (gone == NBAD && round > 3)
			break;
		ck_assert_msg(now_ns() - t0 < 60 * 1000000000LL,
			      "after 60 s, %d of %d misbehaving front-ends were dropped", gone, NBAD);
		for (i = 0; i < ngood; i++) {
			t = peer_request(&good[i], round * NDEV + i + 1000);
			if (t > worst)
				worst = t;
		}
	}
	printf("many: %u devices on one thread, %u misbehaving dropped after %.2f s; "
	       "worst request of the others %.3f ms over %u rounds\n",
	       NDEV, NBAD, (double)(now_ns() - t0) / 1e9, (double)worst / 1e6, round);
	fflush(stdout);
	ck_assert_msg(worst < (int64_t)BOUND_MS * 1000000,
		      "a well-behaved front-end's request took %.1f ms (bound %d ms)",
		      (double)worst / 1e6, BOUND_MS);
	pthread_join(flood, &flooded);
	printf("many: the flood sent %ld requests before it was dropped\n", (long)flooded);
	/* the save whose pipe nobody read failed on its own deadline, and the session goes on */
	ck_assert_int_eq(libvhost_frontend_check_device_state(state_fe), -EIO);
	ck_assert_uint_ge(tu_log_errors(), errs0 + NBAD + 1);
	close(state_pipe[0]);
	close(state_pipe[1]);

	/* what the misbehaving ones held is back */
	peer_stop(&kick_file);
	fclose(file);
	close(bad[BAD_HALF]);
	close(bad[BAD_FLOOD]);
	/* at fds0 both ends of their sockets were open */
	ck_assert_int_eq(tu_count_fds(), fds0 - 2 * NBAD);
	rss1 = rss_kib();
	printf("many: RSS %ld KiB before the misbehaving front-ends, %ld KiB after\n", rss0, rss1);
	fflush(stdout);
	if (rss_meaningful())
		ck_assert_int_le(rss1, rss0 + 1024);

	tu_group_stop(g);
	for (i = 0; i < ngood; i++)
		peer_stop(&good[i]);
	libvhost_frontend_unref(state_fe);
	for (i = 0; i < NDEV; i++)
		tu_csumdev_free(devs[i]);
	free(devs);
}
END_TEST

/* ---- one back-end, many front-ends one after another ---- */

static unsigned int cycles(void)
{
	const char *s = getenv("LIBVHOST_TEST_CYCLES");

	return s ? (unsigned int)strtoul(s, NULL, 10) : 10000;
}

START_TEST(test_handshake_cycles)
{
	char dir[] = "/tmp/lvh-many-XXXXXX", path[108];
	LIBVHOST_OPTS(libvhost_backend_opts, o, .timeout_ms = TIMEOUT_MS);
	struct tu_csumdev **d = calloc(1, sizeof(*d)); /* on the heap, as above */
	unsigned int i, n = cycles(), warm = n / 10;
	struct libvhost_mem *mem;
	struct tu_group *g;
	int fds0 = 0, fds1 = -1;
	long rss0 = 0, rss1 = 0;
	void *p;

	ck_assert_ptr_nonnull(d);
	d[0] = tu_csumdev_new(ctx, &o);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	ck_assert_int_eq(libvhost_backend_listen(d[0]->be, path), 0);
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 0x10000, NULL, &p), 0);
	g = tu_group_start(d, 1);
	for (i = 0; i <= n; i++) {
		struct libvhost_frontend *fe = NULL;
		struct libvhost_dev *dev;

		ck_assert_int_eq(libvhost_frontend_connect(ctx, path, NULL, &fe), 0);
		ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
		dev = libvhost_frontend_get_dev(fe);
		ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
		ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
		/*
		 * Counted with a session up: the back-end answered this one, so
		 * it accepted it, so it had ended the one before.
		 */
		if (i == warm) {
			fds0 = tu_count_fds();
			rss0 = rss_kib();
		} else if (i == n) {
			fds1 = tu_count_fds();
			rss1 = rss_kib();
		}
		libvhost_frontend_unref(fe);
	}
	printf("cycles: %u connect/handshake/disconnect cycles; fds %d after %u, %d after %u; "
	       "RSS %ld KiB then %ld KiB (%+ld KiB)\n",
	       n + 1, fds0, warm, fds1, n, rss0, rss1, rss1 - rss0);
	fflush(stdout);
	ck_assert_int_eq(fds1, fds0);
	if (rss_meaningful())
		ck_assert_int_lt(rss1 - rss0, 1024);
	tu_group_stop(g);
	libvhost_mem_unref(mem);
	tu_csumdev_free(d[0]);
	free(d);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("many");
	TCase *tc = tcase_create("many");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_many_isolated);
	tcase_add_test(tc, test_handshake_cycles);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
