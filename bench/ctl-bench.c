/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl-bench: control-plane figures, with libvhost's front-end (the public
 * API, as vhost-ctl uses it) as the driver.  Prints numbers, asserts none.
 *
 *   ctl-bench handshake SOCKET[,SOCKET...] [RINGS] [ITERS]
 *	connect, negotiate, SET_FEATURES, memory table, RINGS rings started
 *	and enabled (SET_STATUS DRIVER_OK where STATUS is negotiated), close;
 *	ITERS times (default 200) for each socket, the sockets taken in turn:
 *	median, p99, min for each.
 *   ctl-bench rtt SOCKET[,SOCKET...] [ROUNDS]
 *	GET_FEATURES round trips on one session per socket, against a raw
 *	unix-socket ping-pong of the same sizes (12-byte request, 20-byte
 *	reply) with a child process that reads the header with recvmsg as
 *	vhost-user servers do; blocks of 2000 taken in turn, ROUNDS (default
 *	10).  Then GET_VRING_BASE, 200 single calls per socket (the ring
 *	started again before each, untimed), beside single raw round trips.
 *   ctl-bench addreg [N]
 *	an in-process libvhost back-end (CONFIGURE_MEM_SLOTS): N (default
 *	509) regions added one at a time (one ADD_MEM_REG each): us per add,
 *	wall and CPU, over all and over the first and last eighth.
 *   ctl-bench vrings
 *	an in-process back-end with 0x8000 rings: SET_VRING_NUM, _BASE and
 *	_ADDR for 1, 64, 1024 and 0x8000 rings (the smaller counts repeated
 *	up to 1024 set-ups): us per ring.  Only these three: SET_VRING_KICK
 *	and _CALL carry 8 bits of ring index, so rings from 256 on cannot get
 *	fds over vhost-user.
 *   ctl-bench rss [N]
 *	a child process serving N (default 64) libvhost back-ends, each with
 *	a connected front-end that negotiated, shared 2 MiB and started one
 *	ring: the child's RSS before and after, and the delta per back-end.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libvhost.h>

#define F_VERSION_1 (1ULL << 32)
#define RING 256
#define MAX_RINGS 8

static _Noreturn void die(const char *what, int r)
{
	fprintf(stderr, "ctl-bench: %s: %s\n", what, strerror(r < 0 ? -r : r));
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* CPU time of the whole process (both ends when the back-end is a thread of it), us */
static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* the q-quantile (0..1) of v[0..n), sorted in place */
static double quantile(double *v, unsigned int n, double q)
{
	unsigned int i;

	qsort(v, n, sizeof(*v), cmp_double);
	i = (unsigned int)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* ---- in-process back-end, served on a thread ---- */

struct server {
	struct libvhost_backend *be;
	int stop;
	pthread_t thr;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	for (;;) {
		struct pollfd pfd[2] = { { s->stop, POLLIN, 0 },
					 { libvhost_backend_get_fd(s->be), POLLIN, 0 } };

		if (poll(pfd, 2, -1) < 0 || pfd[0].revents)
			return NULL;
		if (libvhost_backend_process(s->be) < 0)
			return NULL;
	}
}

/* A back-end with @queue_num rings on a socketpair, its front-end negotiated, VERSION_1 set. */
static struct libvhost_frontend *inproc(struct libvhost_ctx *ctx, uint64_t queue_num,
					struct server *s)
{
	LIBVHOST_OPTS(libvhost_backend_opts, bo, .features = F_VERSION_1, .queue_num = queue_num);
	struct libvhost_frontend *fe;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", errno);
	if ((r = libvhost_backend_new(ctx, &bo, &s->be)) < 0 ||
	    (r = libvhost_backend_adopt_fd(s->be, sv[1])) < 0)
		die("back-end", r);
	s->stop = eventfd(0, EFD_CLOEXEC);
	if (pthread_create(&s->thr, NULL, serve, s))
		die("thread", errno);
	if ((r = libvhost_frontend_adopt_fd(ctx, sv[0], NULL, &fe)) < 0 ||
	    (r = libvhost_frontend_negotiate(fe)) < 0 ||
	    (r = libvhost_dev_set_features(libvhost_frontend_get_dev(fe), F_VERSION_1)) < 0)
		die("front-end", r);
	return fe;
}

static void inproc_end(struct libvhost_frontend *fe, struct server *s)
{
	uint64_t one = 1;

	libvhost_frontend_unref(fe);
	if (write(s->stop, &one, sizeof(one)) != sizeof(one))
		die("stop", errno);
	pthread_join(s->thr, NULL);
	close(s->stop);
	libvhost_backend_unref(s->be);
}

/* ---- handshake ---- */

struct rings {
	struct libvhost_mem *mem;
	struct libvhost_vring *vr[MAX_RINGS];
	int kick[MAX_RINGS], call[MAX_RINGS];
};

static void rings_new(struct libvhost_ctx *ctx, unsigned int n, struct rings *rg)
{
	uint64_t bytes;
	unsigned int i;
	int r;
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = 0);

	if ((r = libvhost_vring_area_size(RING, &vo, &bytes)) < 0 ||
	    (r = libvhost_mem_new(ctx, &rg->mem)) < 0 ||
	    (r = libvhost_mem_alloc(rg->mem, 0, 2 << 20, NULL, NULL)) < 0)
		die("memory", r);
	bytes = (bytes + 4095) & ~4095ull;
	for (i = 0; i < n; i++) {
		if ((r = libvhost_vring_new(rg->mem, i * bytes, RING, &vo, &rg->vr[i])) < 0)
			die("ring", r);
		rg->kick[i] = eventfd(0, EFD_CLOEXEC);
		rg->call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (rg->kick[i] < 0 || rg->call[i] < 0)
			die("eventfd", errno);
	}
}

/* connect to rings running (DRIVER_OK where STATUS is negotiated); any failure ends the run */
static void bring_up(struct libvhost_ctx *ctx, const char *path, unsigned int n, struct rings *rg,
		     struct libvhost_frontend **ret)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .timeout_ms = 5000, .connect_retries = 50,
		      .retry_interval_ms = 1);
	LIBVHOST_OPTS(libvhost_frontend_info, info, .features = 0);
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	unsigned int i;
	int r;

	if ((r = libvhost_frontend_connect(ctx, path, &o, &fe)) < 0)
		die("connect", r);
	*ret = fe;
	if ((r = libvhost_frontend_negotiate(fe)) < 0)
		die("negotiate", r);
	libvhost_frontend_get_info(fe, &info);
	dev = libvhost_frontend_get_dev(fe);
	if ((r = libvhost_dev_set_features(dev, info.features & F_VERSION_1)) < 0)
		die("SET_FEATURES", r);
	if ((r = libvhost_dev_set_mem(dev, rg->mem)) < 0)
		die("memory table", r);
	for (i = 0; i < n; i++)
		if ((r = libvhost_dev_start_vring(dev, i, rg->vr[i], rg->kick[i], rg->call[i])) < 0)
			die("start ring", r);
	if (info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_STATUS) &&
	    (r = libvhost_frontend_set_status(fe, 1 | 2 | 8 | 4)) < 0)
		die("SET_STATUS", r);
}

#define MAX_PEERS 8

/* "a,b,c" into path[]; the number of paths */
static unsigned int split_paths(char *list, char **path)
{
	unsigned int n = 0;
	char *save = NULL, *p;

	for (p = strtok_r(list, ",", &save); p && n < MAX_PEERS; p = strtok_r(NULL, ",", &save))
		path[n++] = p;
	return n;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* the peers taken in turn, the first one a different one each iteration */
static int cmd_handshake(struct libvhost_ctx *ctx, char *list, unsigned int n, unsigned int iters)
{
	char *path[MAX_PEERS];
	unsigned int np = split_paths(list, path), i, k;
	double *t[MAX_PEERS], t0, med;
	struct libvhost_frontend *fe;
	struct rings rg;

	if (!np || n < 1 || n > MAX_RINGS || !iters)
		die("handshake: 1 to 8 rings, at least one iteration", EINVAL);
	for (k = 0; k < np; k++)
		if (!(t[k] = calloc(iters, sizeof(double))))
			die("handshake", ENOMEM);
	rings_new(ctx, n, &rg);
	for (i = 0; i < iters; i++)
		for (unsigned int j = 0; j < np; j++) {
			struct timespec gap = { 0, 2000000 };

			k = (i + j) % np;
			t0 = now_us();
			bring_up(ctx, path[k], n, &rg, &fe);
			t[k][i] = now_us() - t0;
			libvhost_frontend_unref(fe);
			/* let the back-end see the close before the next connect */
			nanosleep(&gap, NULL);
		}
	for (k = 0; k < np; k++) {
		med = quantile(t[k], iters, 0.5);
		printf("handshake %-6s %u ring(s), %u iterations: median %7.1f us, p99 %7.1f us, "
		       "min %7.1f us\n",
		       base_name(path[k]), n, iters, med, quantile(t[k], iters, 0.99), t[k][0]);
		free(t[k]);
	}
	return 0;
}

/* ---- round trip vs raw socket ---- */

struct hdr {
	uint32_t request, flags, size;
} __attribute__((packed));

/* the anchor's server: recvmsg the header (room for fds), read the payload, reply header + u64 */
static _Noreturn void echo_child(int fd)
{
	for (;;) {
		struct hdr h;
		char cbuf[CMSG_SPACE(8 * sizeof(int))];
		struct iovec iov = { &h, sizeof(h) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		uint8_t payload[256], reply[20];

		if (recvmsg(fd, &mh, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(h))
			_exit(0);
		if (h.size && (h.size > sizeof(payload) || read(fd, payload, h.size) != h.size))
			_exit(1);
		h.flags = 1 | 4;
		h.size = 8;
		memcpy(reply, &h, sizeof(h));
		memset(reply + sizeof(h), 0, 8);
		if (write(fd, reply, sizeof(reply)) != sizeof(reply))
			_exit(1);
	}
}

static double raw_block(int fd, unsigned int n)
{
	struct hdr h = { 1, 1, 0 };
	uint8_t reply[20];
	double t0 = now_us();
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct iovec iov = { &h, sizeof(h) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(h) ||
		    recv(fd, reply, sizeof(reply), MSG_WAITALL) != (ssize_t)sizeof(reply))
			die("raw ping-pong", errno);
	}
	return (now_us() - t0) / n;
}

static double fe_block(struct libvhost_dev *dev, unsigned int n)
{
	double t0 = now_us();
	uint64_t f;
	unsigned int i;
	int r;

	for (i = 0; i < n; i++)
		if ((r = libvhost_dev_get_features(dev, &f)) < 0)
			die("GET_FEATURES", r);
	return (now_us() - t0) / n;
}

static pid_t echo_start(int *fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(sv[0]);
		echo_child(sv[1]);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

#define SINGLES 200

/*
 * GET_VRING_BASE, which stops a ring: SINGLES times per peer, each timed on
 * its own after the ring was started again (untimed), beside a single raw
 * round trip timed the same way; the peers and the raw socket in turn.
 */
static void vring_base_rtt(struct libvhost_ctx *ctx, struct libvhost_frontend **fe,
			   unsigned int np, char **path, int fd)
{
	LIBVHOST_OPTS(libvhost_frontend_info, info, .features = 0);
	double t[MAX_PEERS + 1][SINGLES], t0;
	struct rings rg;
	unsigned int i, k;
	uint32_t base;
	int r;

	rings_new(ctx, 1, &rg);
	for (k = 0; k < np; k++) {
		struct libvhost_dev *dev = libvhost_frontend_get_dev(fe[k]);

		libvhost_frontend_get_info(fe[k], &info);
		if ((r = libvhost_dev_set_features(dev, info.features & F_VERSION_1)) < 0 ||
		    (r = libvhost_dev_set_mem(dev, rg.mem)) < 0)
			die("set-up", r);
	}
	for (i = 0; i < SINGLES; i++)
		for (unsigned int j = 0; j <= np; j++) {
			struct libvhost_dev *dev;

			k = (i + j) % (np + 1);
			if (k == np) {
				t[k][i] = raw_block(fd, 1);
				continue;
			}
			dev = libvhost_frontend_get_dev(fe[k]);
			if ((r = libvhost_dev_start_vring(dev, 0, rg.vr[0], rg.kick[0],
							  rg.call[0])) < 0)
				die("start ring", r);
			t0 = now_us();
			if ((r = libvhost_dev_get_vring_base(dev, 0, &base)) < 0)
				die("GET_VRING_BASE", r);
			t[k][i] = now_us() - t0;
		}
	printf("rtt raw unix socket, single round trips timed one by one: median %.2f us\n",
	       quantile(t[np], SINGLES, 0.5));
	for (k = 0; k < np; k++)
		printf("rtt %-6s GET_VRING_BASE (single, after SET_VRING_* again): median %.2f us, "
		       "%.3f x the raw median\n",
		       base_name(path[k]), quantile(t[k], SINGLES, 0.5),
		       quantile(t[k], SINGLES, 0.5) / quantile(t[np], SINGLES, 0.5));
}

/*
 * Blocks of 2000 round trips, the raw socket's and each peer's in turn
 * (the order rotating); per peer the median block and the median of its
 * ratios to the raw block of the same round.
 */
static int cmd_rtt(struct libvhost_ctx *ctx, char *list, unsigned int rounds)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .timeout_ms = 5000, .connect_retries = 50);
	char *path[MAX_PEERS];
	unsigned int np = split_paths(list, path), i, j, k;
	struct libvhost_frontend *fe[MAX_PEERS];
	struct libvhost_dev *dev[MAX_PEERS];
	double *a[MAX_PEERS], *ratio[MAX_PEERS], *raw = calloc(rounds, sizeof(double)), mr, ma;
	int fd, r;
	pid_t pid = echo_start(&fd);

	if (!np || !rounds || !raw)
		die("rtt", EINVAL);
	for (k = 0; k < np; k++) {
		a[k] = calloc(rounds, sizeof(double));
		ratio[k] = calloc(rounds, sizeof(double));
		if (!a[k] || !ratio[k])
			die("rtt", ENOMEM);
		if ((r = libvhost_frontend_connect(ctx, path[k], &o, &fe[k])) < 0 ||
		    (r = libvhost_frontend_negotiate(fe[k])) < 0)
			die("connect", r);
		dev[k] = libvhost_frontend_get_dev(fe[k]);
		fe_block(dev[k], 200); /* warm up */
	}
	raw_block(fd, 200);
	for (i = 0; i < rounds; i++)
		for (j = 0; j <= np; j++) {
			k = (i + j) % (np + 1);
			if (k == np)
				raw[i] = raw_block(fd, 2000);
			else
				a[k][i] = fe_block(dev[k], 2000);
		}
	for (k = 0; k < np; k++)
		for (i = 0; i < rounds; i++)
			ratio[k][i] = a[k][i] / raw[i];
	printf("rtt raw unix socket (12-byte request, 20-byte reply): %.2f us\n",
	       quantile(raw, rounds, 0.5));
	for (k = 0; k < np; k++) {
		ma = quantile(a[k], rounds, 0.5);
		mr = quantile(ratio[k], rounds, 0.5);
		printf("rtt %-6s GET_FEATURES: %.2f us, %.3f x raw (median of %u rounds of 2000; "
		       "ratios %.3f-%.3f)\n",
		       base_name(path[k]), ma, mr, rounds, ratio[k][0], ratio[k][rounds - 1]);
		free(a[k]);
		free(ratio[k]);
	}
	vring_base_rtt(ctx, fe, np, path, fd);
	for (k = 0; k < np; k++)
		libvhost_frontend_unref(fe[k]);
	close(fd);
	waitpid(pid, NULL, 0);
	free(raw);
	return 0;
}

/* ---- ADD_MEM_REG ---- */

/* the mean of v[from..to) */
static double mean(const double *v, unsigned int from, unsigned int to)
{
	double sum = 0;

	for (unsigned int i = from; i < to; i++)
		sum += v[i];
	return to > from ? sum / (to - from) : 0;
}

static int cmd_addreg(struct libvhost_ctx *ctx, unsigned int n)
{
	LIBVHOST_OPTS(libvhost_frontend_info, info, .features = 0);
	struct libvhost_frontend *fe;
	struct libvhost_mem *mem;
	struct server s;
	double *t = calloc(n, sizeof(double)), *tc = calloc(n, sizeof(double)), t0, c0;
	unsigned int i, e = n / 8 ? n / 8 : 1;
	int r;

	if (!t || !tc || !n || n > LIBVHOST_USER_MAX_MEM_SLOTS)
		die("addreg: 1 to 509 regions", EINVAL);
	fe = inproc(ctx, 1, &s);
	libvhost_frontend_get_info(fe, &info);
	if (!(info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)) ||
	    info.max_mem_slots < n)
		die("addreg: the back-end has too few slots", ENOSPC);
	if ((r = libvhost_mem_new(ctx, &mem)) < 0)
		die("memory", r);
	for (i = 0; i < n; i++) {
		/* 64 KiB regions, 1 MiB apart */
		if ((r = libvhost_mem_alloc(mem, (uint64_t)i << 20, 64 << 10, NULL, NULL)) < 0)
			die("alloc", r);
		t0 = now_us();
		c0 = cpu_us();
		if ((r = libvhost_dev_set_mem(libvhost_frontend_get_dev(fe), mem)) < 0)
			die("ADD_MEM_REG", r);
		t[i] = now_us() - t0;
		tc[i] = cpu_us() - c0;
	}
	printf("addreg: %u regions added one at a time (libvhost_dev_set_mem: one ADD_MEM_REG "
	       "each): mean %.1f us (%.1f us CPU, both ends), the first %u %.1f us (%.1f CPU), "
	       "the last %u %.1f us (%.1f CPU)\n",
	       n, mean(t, 0, n), mean(tc, 0, n), e, mean(t, 0, e), mean(tc, 0, e), e,
	       mean(t, n - e, n), mean(tc, n - e, n));
	inproc_end(fe, &s);
	libvhost_mem_unref(mem);
	free(t);
	free(tc);
	return 0;
}

/* ---- many vrings ---- */

#define NCOUNTS 4

static int cmd_vrings(struct libvhost_ctx *ctx)
{
	static const unsigned int counts[] = { 1, 64, 1024, 0x8000 };
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = 0);
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct libvhost_vring *vr;
	struct libvhost_mem *mem;
	struct server s;
	uint64_t desc, avail, used;
	unsigned int c, i;
	double t0, c0, t[NCOUNTS][3], tc[NCOUNTS][3];
	int r;

	fe = inproc(ctx, 0x8000, &s);
	dev = libvhost_frontend_get_dev(fe);
	if ((r = libvhost_mem_new(ctx, &mem)) < 0 ||
	    (r = libvhost_mem_alloc(mem, 0, 1 << 20, NULL, NULL)) < 0 ||
	    (r = libvhost_dev_set_mem(dev, mem)) < 0 ||
	    (r = libvhost_vring_new(mem, 0, RING, &vo, &vr)) < 0)
		die("memory", r);
	libvhost_vring_get_addrs(vr, 0, &desc, &avail, &used);
	/* 3 passes over the counts, the median pass per count */
	for (unsigned int pass = 0; pass < 3; pass++)
		for (c = 0; c < NCOUNTS; c++) {
			/* fewer than 1024 rings: set up again until 1024 were */
			unsigned int reps = counts[c] < 1024 ? 1024 / counts[c] : 1;

			t0 = now_us();
			c0 = cpu_us();
			/* every ring on one area: the back-end maps, it does not own them */
			for (unsigned int rep = 0; rep < reps; rep++)
				for (i = 0; i < counts[c]; i++)
					if ((r = libvhost_dev_set_vring_num(dev, i, RING)) < 0 ||
					    (r = libvhost_dev_set_vring_base(dev, i, 0)) < 0 ||
					    (r = libvhost_dev_set_vring_addr(dev, i, desc, avail, used,
									     0, 0)) < 0)
						die("ring set-up", r);
			t[c][pass] = (now_us() - t0) / counts[c] / reps;
			tc[c][pass] = (cpu_us() - c0) / counts[c] / reps;
		}
	for (c = 0; c < NCOUNTS; c++) {
		double m = quantile(t[c], 3, 0.5);

		printf("vrings: %5u rings set up (NUM, BASE, ADDR each): %.1f us per ring, %.1f us "
		       "CPU (both ends; median of 3 passes)\n",
		       counts[c], m, quantile(tc[c], 3, 0.5));
	}
	inproc_end(fe, &s);
	libvhost_vring_unref(vr);
	libvhost_mem_unref(mem);
	return 0;
}

/* ---- RSS per idle back-end ---- */

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* the child: reads n fds from @ctl, serves a back-end on each until @ctl closes */
static _Noreturn void rss_child(int ctl, unsigned int n)
{
	LIBVHOST_OPTS(libvhost_backend_opts, bo, .features = F_VERSION_1);
	struct libvhost_backend **be = calloc(n, sizeof(*be));
	struct pollfd *pfd = calloc(n + 1, sizeof(*pfd));
	struct libvhost_ctx *ctx;
	unsigned int i;
	char c = 0;

	if (!be || !pfd || libvhost_ctx_new(NULL, &ctx) < 0)
		_exit(1);
	if (write(ctl, &c, 1) != 1) /* ready: measure "before" */
		_exit(1);
	for (i = 0; i < n; i++) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &c, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		int fd;

		if (recvmsg(ctl, &mh, 0) != 1 || !CMSG_FIRSTHDR(&mh))
			_exit(1);
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(fd));
		if (libvhost_backend_new(ctx, &bo, &be[i]) < 0 ||
		    libvhost_backend_adopt_fd(be[i], fd) < 0)
			_exit(1);
	}
	for (;;) {
		pfd[0] = (struct pollfd){ ctl, POLLIN, 0 };
		for (i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){ libvhost_backend_get_fd(be[i]), POLLIN, 0 };
		if (poll(pfd, n + 1, -1) < 0)
			_exit(1);
		if (pfd[0].revents)
			_exit(0);
		for (i = 0; i < n; i++)
			if (pfd[i + 1].revents)
				libvhost_backend_process(be[i]);
	}
}

static void send_fd(int ctl, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 0;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	if (sendmsg(ctl, &mh, 0) != 1)
		die("sendmsg", errno);
}

static int cmd_rss(struct libvhost_ctx *ctx, unsigned int n)
{
	struct libvhost_frontend **fe = calloc(n, sizeof(*fe));
	struct rings *rg = calloc(n, sizeof(*rg));
	long before, after;
	unsigned int i;
	int ctl[2], r;
	pid_t pid;
	char c;

	if (!fe || !rg || !n)
		die("rss", EINVAL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0)
		die("socketpair", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(ctl[0]);
		rss_child(ctl[1], n);
	}
	close(ctl[1]);
	if (read(ctl[0], &c, 1) != 1)
		die("child", EIO);
	before = rss_kib(pid);
	/* every back-end first: the child serves none until it has them all */
	for (i = 0; i < n; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die("socketpair", errno);
		send_fd(ctl[0], sv[1]);
		close(sv[1]);
		if ((r = libvhost_frontend_adopt_fd(ctx, sv[0], NULL, &fe[i])) < 0)
			die("front-end", r);
	}
	for (i = 0; i < n; i++) {
		struct libvhost_dev *dev;

		rings_new(ctx, 1, &rg[i]);
		if ((r = libvhost_frontend_negotiate(fe[i])) < 0)
			die("front-end", r);
		dev = libvhost_frontend_get_dev(fe[i]);
		if ((r = libvhost_dev_set_features(dev, F_VERSION_1)) < 0 ||
		    (r = libvhost_dev_set_mem(dev, rg[i].mem)) < 0 ||
		    (r = libvhost_dev_start_vring(dev, 0, rg[i].vr[0], rg[i].kick[0],
						  rg[i].call[0])) < 0)
			die("set-up", r);
	}
	/* one more round trip each: every earlier message was processed */
	for (i = 0; i < n; i++) {
		uint64_t f;

		if ((r = libvhost_dev_get_features(libvhost_frontend_get_dev(fe[i]), &f)) < 0)
			die("GET_FEATURES", r);
	}
	after = rss_kib(pid);
	printf("rss: %u idle back-ends in one process (each negotiated, 2 MiB shared, one ring "
	       "of %u started): VmRSS %ld KiB before, %ld KiB after, %.1f KiB per back-end\n",
	       n, RING, before, after, (double)(after - before) / n);
	close(ctl[0]);
	waitpid(pid, NULL, 0);
	for (i = 0; i < n; i++)
		libvhost_frontend_unref(fe[i]);
	return 0;
}

int main(int argc, char **argv)
{
	struct libvhost_ctx *ctx;
	const char *cmd = argc > 1 ? argv[1] : "";
	unsigned long a2 = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
	unsigned long a3 = argc > 4 ? strtoul(argv[4], NULL, 0) : 0;
	int r;

	signal(SIGPIPE, SIG_IGN);
	if ((r = libvhost_ctx_new(NULL, &ctx)) < 0)
		die("context", r);
	if (!strcmp(cmd, "handshake") && argc > 2)
		return cmd_handshake(ctx, argv[2], a2 ? (unsigned int)a2 : 1,
				     a3 ? (unsigned int)a3 : 200);
	if (!strcmp(cmd, "rtt") && argc > 2)
		return cmd_rtt(ctx, argv[2], a2 ? (unsigned int)a2 : 10);
	if (!strcmp(cmd, "addreg"))
		return cmd_addreg(ctx, argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 509);
	if (!strcmp(cmd, "vrings"))
		return cmd_vrings(ctx);
	if (!strcmp(cmd, "rss"))
		return cmd_rss(ctx, argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 64);
	fprintf(stderr, "usage: ctl-bench handshake SOCKET[,SOCKET...] [RINGS] [ITERS] |\n"
			"       rtt SOCKET[,SOCKET...] [ROUNDS] | addreg [N] | vrings | rss [N]\n");
	return 2;
}
