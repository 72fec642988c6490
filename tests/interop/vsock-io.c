/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Both ends of qemu-linux-vsock.sh's connections: built static, it runs in
 * the guest on AF_VSOCK and on the host on vhost-user-vsock's unix sockets
 * (hybrid vsock: "CONNECT <port>\n" on the device's socket, "OK <port>\n"
 * back; a guest connection to host port P arrives on "<path>_P").
 *
 *   vsock-io server (--vsock=PORT | --unix=PATH) --count=K
 *   vsock-io client (--vsock=CID:PORT | --hybrid=PATH:PORT) --conns=K --bytes=N
 *   vsock-io abort (--vsock=CID:PORT | --hybrid=PATH:PORT) --conns=K --bytes=N
 *   vsock-io refused (--vsock=CID:PORT | --hybrid=PATH:PORT)
 *
 * A client runs K connections at once (a thread each).  On each: a 16-byte
 * header (magic, the connection's number, N), then N bytes of a generator
 * seeded by the number, then shutdown(SHUT_WR).  The server reads to the
 * end of file (the client's half-close), checks the count and every byte of
 * what it got against the generator's, answers an 8-byte status and N bytes
 * of the generator seeded differently, and closes; the client checks those
 * and the end of file.  Credit flow control is in the way both ways: N is
 * much more than a connection's buffer.  The server handles K connections
 * (a thread each, from its accept on) and exits.  abort: as client, but
 * each connection says so in its header, sends half of its N bytes and
 * closes at once, reading nothing: the server must get exactly those bytes
 * and its end of file, and its reply then fails (the peer is gone: a reset
 * or a broken pipe) or is written to a closed peer; it must not hang.
 * refused: the connection must fail (no listener on the port: a reset).  Each prints one line,
 * "vsock-io: <mode> ok ..." or "vsock-io: FAIL ...", and exits 0 or 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define MAGIC 0x4f495356u /* "VSIO" */
#define ABORT 0x80000000u /* in hdr.index: the client closes halfway */
#define MAX_CONNS 256
#define CHUNK 65536

static const char *vsock_port, *unix_path, *hybrid;
static unsigned long count = 1, conns = 1;
static uint64_t bytes = 1 << 20;
static int failed;
static bool aborting;
static unsigned long aborted;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&lock);
	failed = 1;
	printf("vsock-io: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	pthread_mutex_unlock(&lock);
}

/* The generator: xorshift64*, one byte per step of a 64-bit state seeded by @seed. */
struct gen {
	uint64_t s;
};

static void gen_init(struct gen *g, uint64_t seed)
{
	g->s = seed * 0x9e3779b97f4a7c15ULL + 0x1234567;
	if (!g->s)
		g->s = 1;
}

static void gen_fill(struct gen *g, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		g->s ^= g->s >> 12;
		g->s ^= g->s << 25;
		g->s ^= g->s >> 27;
		p[i] = (uint8_t)((g->s * 0x2545f4914f6cdd1dULL) >> 56);
	}
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Exactly @len bytes: 0, or -errno, or -EPIPE at an early end of file. */
static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = recv(fd, p, len, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EPIPE;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* @n bytes of the generator seeded @seed to @fd. */
static int send_stream(int fd, uint64_t seed, uint64_t n)
{
	static __thread uint8_t buf[CHUNK];
	struct gen g;
	int r;

	gen_init(&g, seed);
	while (n) {
		size_t l = n < CHUNK ? (size_t)n : CHUNK;

		gen_fill(&g, buf, l);
		r = write_all(fd, buf, l);
		if (r < 0)
			return r;
		n -= l;
	}
	return 0;
}

/* Reads to the end of file: the count, and whether it equals the generator's @seed stream. */
static int recv_stream(int fd, uint64_t seed, uint64_t *got, bool *same)
{
	static __thread uint8_t buf[CHUNK], want[CHUNK];
	struct gen g;
	ssize_t r;

	gen_init(&g, seed);
	*got = 0;
	*same = true;
	for (;;) {
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		gen_fill(&g, want, (size_t)r);
		if (memcmp(buf, want, (size_t)r))
			*same = false;
		*got += (uint64_t)r;
	}
}

static int parse_cid_port(const char *s, unsigned long *cid, unsigned long *port)
{
	char c;

	return sscanf(s, "%lu:%lu%c", cid, port, &c) == 2 ? 0 : -1;
}

/* A connected socket to the peer the options name: fd, or -errno. */
static int dial(void)
{
	if (vsock_port) {
		struct sockaddr_vm sa = { .svm_family = AF_VSOCK };
		unsigned long cid, port;
		int fd;

		if (parse_cid_port(vsock_port, &cid, &port) < 0)
			return -EINVAL;
		sa.svm_cid = (unsigned int)cid;
		sa.svm_port = (unsigned int)port;
		fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = -errno;

			close(fd);
			return e;
		}
		return fd;
	} else {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		const char *colon = strrchr(hybrid, ':');
		char line[64];
		size_t n = 0;
		int fd, r;

		if (!colon || (size_t)(colon - hybrid) >= sizeof(sa.sun_path))
			return -EINVAL;
		memcpy(sa.sun_path, hybrid, (size_t)(colon - hybrid));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		snprintf(line, sizeof(line), "CONNECT %s\n", colon + 1);
		r = write_all(fd, line, strlen(line));
		/* "OK <port>\n", a byte at a time: nothing of the stream is read with it */
		while (r == 0 && n < sizeof(line) - 1) {
			r = read_all(fd, line + n, 1);
			if (r == 0 && line[n++] == '\n')
				break;
		}
		line[n] = '\0';
		if (r == 0 && strncmp(line, "OK ", 3))
			r = -EPROTO;
		if (r < 0) {
			close(fd);
			return r == -EPIPE ? -ECONNRESET : r;
		}
		return fd;
	}
}

struct hdr {
	uint32_t magic, index;
	uint64_t bytes;
};

static void *client_conn(void *arg)
{
	unsigned long i = (unsigned long)arg;
	struct hdr h = { MAGIC, (uint32_t)i | (aborting ? ABORT : 0), bytes };
	uint64_t status, got;
	bool same;
	int fd = dial(), r;

	if (fd < 0) {
		fail("client %lu: connect: %s", i, strerror(-fd));
		return NULL;
	}
	if (aborting) {
		r = write_all(fd, &h, sizeof(h));
		if (r == 0)
			r = send_stream(fd, i, bytes / 2);
		if (r < 0)
			fail("client %lu: send: %s", i, strerror(-r));
		goto out; /* closed halfway, nothing read */
	}
	r = write_all(fd, &h, sizeof(h));
	if (r == 0)
		r = send_stream(fd, i, bytes);
	if (r < 0) {
		fail("client %lu: send: %s", i, strerror(-r));
		goto out;
	}
	shutdown(fd, SHUT_WR); /* the half-close: the server's reply still comes */
	r = read_all(fd, &status, sizeof(status));
	if (r < 0 || status != 0) {
		fail("client %lu: status: %s %" PRIu64, i, r < 0 ? strerror(-r) : "bad", status);
		goto out;
	}
	r = recv_stream(fd, i ^ 0x5555, &got, &same);
	if (r < 0 || got != bytes || !same)
		fail("client %lu: reply: %s, %" PRIu64 " bytes of %" PRIu64 "%s", i,
		     r < 0 ? strerror(-r) : "read", got, bytes, same ? "" : ", corrupted");
out:
	close(fd);
	return NULL;
}

static void *server_conn(void *arg)
{
	int fd = (int)(intptr_t)arg, r;
	uint64_t got, status = 0;
	struct hdr h;
	bool same;

	r = read_all(fd, &h, sizeof(h));
	if (r < 0 || h.magic != MAGIC) {
		fail("server: header: %s", r < 0 ? strerror(-r) : "bad magic");
		goto out;
	}
	if (h.index & ABORT) {
		r = recv_stream(fd, h.index & ~ABORT, &got, &same);
		if (r < 0 || got != h.bytes / 2 || !same) {
			fail("server: aborted conn %u: %s, %" PRIu64 " bytes of %" PRIu64 "%s",
			     h.index & ~ABORT, r < 0 ? strerror(-r) : "read", got, h.bytes / 2,
			     same ? "" : ", corrupted");
			goto out;
		}
		/* the reply to a peer that is gone: an error, or bytes nobody reads */
		if (write_all(fd, &status, sizeof(status)) == 0)
			send_stream(fd, h.index, h.bytes);
		pthread_mutex_lock(&lock);
		aborted++;
		pthread_mutex_unlock(&lock);
		goto out;
	}
	r = recv_stream(fd, h.index, &got, &same);
	if (r < 0 || got != h.bytes || !same) {
		fail("server: conn %u: %s, %" PRIu64 " bytes of %" PRIu64 "%s", h.index,
		     r < 0 ? strerror(-r) : "read", got, h.bytes, same ? "" : ", corrupted");
		goto out;
	}
	r = write_all(fd, &status, sizeof(status));
	if (r == 0)
		r = send_stream(fd, h.index ^ 0x5555, h.bytes);
	if (r < 0)
		fail("server: conn %u: reply: %s", h.index, strerror(-r));
out:
	close(fd);
	return NULL;
}

static int run_threads(void *(*fn)(void *), void **args, unsigned long n)
{
	pthread_t t[MAX_CONNS];
	unsigned long i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, args[i])) {
			fail("cannot start a thread");
			n = i;
		}
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return failed;
}

static int server(void)
{
	pthread_t t[MAX_CONNS];
	unsigned long i, n;
	int lfd;

	if (vsock_port) {
		struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
					  .svm_port = (unsigned int)strtoul(vsock_port, NULL, 10) };

		lfd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			lfd = -1;
	} else {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", unix_path);
		unlink(unix_path);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			lfd = -1;
	}
	if (lfd < 0 || listen(lfd, MAX_CONNS) < 0) {
		fail("server: listen: %s", strerror(errno));
		return 1;
	}
	printf("vsock-io: server listening\n");
	fflush(stdout);
	/* each connection served on a thread of its own from its accept on */
	for (i = 0; i < count; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			fail("server: accept: %s", strerror(errno));
			break;
		}
		if (pthread_create(&t[i], NULL, server_conn, (void *)(intptr_t)fd)) {
			fail("cannot start a thread");
			close(fd);
			break;
		}
	}
	close(lfd);
	for (n = i, i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (failed)
		return 1;
	printf("vsock-io: server ok %lu connections, %lu closed halfway by the client\n", count,
	       aborted);
	return 0;
}

static int client(void)
{
	void *args[MAX_CONNS];
	unsigned long i;

	for (i = 0; i < conns; i++)
		args[i] = (void *)i;
	if (run_threads(client_conn, args, conns))
		return 1;
	if (aborting)
		printf("vsock-io: abort ok %lu connections closed halfway\n", conns);
	else
		printf("vsock-io: client ok %lu connections, %" PRIu64 " bytes each way on each\n",
		       conns, bytes);
	return 0;
}

static int refused(void)
{
	int fd = dial();

	if (fd >= 0) {
		close(fd);
		fail("refused: the connection was accepted");
		return 1;
	}
	printf("vsock-io: refused ok (%s)\n", strerror(-fd));
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int i, r;

	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--vsock=", 8))
			vsock_port = a + 8;
		else if (!strncmp(a, "--unix=", 7))
			unix_path = a + 7;
		else if (!strncmp(a, "--hybrid=", 9))
			hybrid = a + 9;
		else if (!strncmp(a, "--count=", 8))
			count = strtoul(a + 8, NULL, 10);
		else if (!strncmp(a, "--conns=", 8))
			conns = strtoul(a + 8, NULL, 10);
		else if (!strncmp(a, "--bytes=", 8))
			bytes = strtoull(a + 8, NULL, 10);
		else
			goto usage;
	}
	if (!count || count > MAX_CONNS || !conns || conns > MAX_CONNS)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "server") && (vsock_port || unix_path))
		r = server();
	else if (!strcmp(mode, "client") && (vsock_port || hybrid))
		r = client();
	else if (!strcmp(mode, "abort") && (vsock_port || hybrid) && (aborting = true))
		r = client();
	else if (!strcmp(mode, "refused") && (vsock_port || hybrid))
		r = refused();
	else
		goto usage;
	return r ? 1 : 0;
usage:
	fprintf(stderr, "usage: vsock-io server|client|abort|refused --vsock=... | --unix=PATH | "
			"--hybrid=PATH:PORT [--count=K] [--conns=K] [--bytes=N]\n");
	return 2;
}
