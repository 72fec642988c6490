/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tools/vhost-user-rng against a hostile driver: the program itself, on a
 * connected socket it inherits (--fd), driven by libvhost's front-end and
 * driver-side rings (libvhost_vring_*) over a source file of known bytes.
 * Buffers with parts the device would read must come back with nothing
 * written; zero-length ones with 0; a chain of many parts gets the source's
 * next bytes across all of them; one of more parts than the device takes is
 * left alone; a huge buffer gets 64 KiB; the rate limit holds buffers back.
 * The program must end with status 0 when its front-end leaves, and say
 * what it counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "libvhost.h"

#define F_VERSION_1 (1ULL << 32)
#define NUM 512
#define SRC_LEN 1000
#define BUFS 0x20000 /* the buffers' guest address: 1 MiB from there */

static struct libvhost_ctx *ctx;
static char dir[] = "/tmp/check-rng.XXXXXX";
static char src_path[64], err_path[64];
static uint8_t src[SRC_LEN];
static pid_t tool = -1;
static struct libvhost_frontend *fe;
static struct libvhost_mem *mem;
static struct libvhost_vring *vr;
static int kick = -1, call = -1;
static uint8_t *bufs;
static uint64_t pos; /* the source's offset the next byte served comes from */

/* The tool with @extra (NULL-ended), a front-end and ring 0 started. */
static void start(const char *const *extra)
{
	const char *top = getenv("top_builddir");
	char prog[512], source[128];
	const char *argv[16] = { prog, "--fd=3", source };
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = 0);
	struct libvhost_dev *dev;
	void *p;
	int sv[2], fd, i, n = 3;

	snprintf(prog, sizeof(prog), "%s/tools/vhost-user-rng", top ? top : ".");
	snprintf(source, sizeof(source), "--source=%s", src_path);
	for (i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	tool = fork();
	ck_assert_int_ge(tool, 0);
	if (tool == 0) {
		fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0 || dup2(sv[1], 3) < 0)
			_exit(126);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	close(sv[1]);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], NULL, &fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	dev = libvhost_frontend_get_dev(fe);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, BUFS + 0x100000, NULL, &p), 0);
	bufs = (uint8_t *)p + BUFS;
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	ck_assert_int_eq(libvhost_vring_new(mem, 0, NUM, &vo, &vr), 0);
	kick = eventfd(0, EFD_CLOEXEC);
	call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_eq(libvhost_dev_start_vring(dev, 0, vr, kick, call), 0);
	pos = 0;
}

/* The front-end leaves: the tool must end by itself, status 0; its stderr in @out. */
static void finish(char *out, size_t size)
{
	int st, fd;
	ssize_t n;

	libvhost_frontend_unref(fe);
	fe = NULL;
	ck_assert_int_eq(waitpid(tool, &st, 0), tool);
	tool = -1;
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "vhost-user-rng ended with %#x", st);
	fd = open(err_path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, out, size - 1);
	close(fd);
	ck_assert_int_ge(n, 0);
	out[n] = 0;
}

static void setup(void)
{
	int fd;
	unsigned int i;

	ctx = tu_ctx_new();
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(src_path, sizeof(src_path), "%s/source", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	for (i = 0; i < SRC_LEN; i++)
		src[i] = (uint8_t)(i * 7 + i / 251);
	fd = open(src_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, src, SRC_LEN), SRC_LEN);
	close(fd);
}

static void teardown(void)
{
	if (tool > 0) {
		kill(tool, SIGKILL);
		waitpid(tool, NULL, 0);
		tool = -1;
	}
	libvhost_frontend_unref(fe);
	fe = NULL;
	libvhost_vring_unref(vr);
	vr = NULL;
	libvhost_mem_unref(mem);
	mem = NULL;
	if (kick >= 0)
		close(kick);
	if (call >= 0)
		close(call);
	kick = call = -1;
	unlink(src_path);
	unlink(err_path);
	rmdir(dir);
	strcpy(dir, "/tmp/check-rng.XXXXXX");
	tu_ctx_free(ctx);
}

/* Offers a buffer of @nout readable and @nin writable parts. */
static void offer(const struct iovec *iov, unsigned int nout, unsigned int nin, void *token)
{
	int r = libvhost_vring_add(vr, iov, nout, nin, token);

	ck_assert_msg(r == 0, "libvhost_vring_add: %d", r);
	libvhost_vring_kick(vr);
}

/* The next used buffer within @ms: 1 with its token and length, 0 if none came. */
static int used(int ms, void **tok, uint32_t *len)
{
	struct pollfd pfd = { call, POLLIN, 0 };
	uint64_t v;
	int r;

	while ((r = libvhost_vring_get_used(vr, tok, len)) == 0) {
		if (poll(&pfd, 1, ms) == 0)
			return 0;
		(void)!read(call, &v, sizeof(v));
	}
	ck_assert_int_eq(r, 1);
	return 1;
}

static void expect_used(void *token, uint32_t want)
{
	void *tok;
	uint32_t len;

	ck_assert_int_eq(used(5000, &tok, &len), 1);
	ck_assert_ptr_eq(tok, token);
	ck_assert_uint_eq(len, want);
}

/* @n bytes at @p are the source's next ones (read again from its start at its end). */
static void expect_source(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, pos++)
		ck_assert_msg(p[i] == src[pos % SRC_LEN], "byte %zu (source offset %llu): %#x, not %#x",
			      i, (unsigned long long)pos, p[i], src[pos % SRC_LEN]);
}

static bool all(const uint8_t *p, size_t n, uint8_t v)
{
	while (n--)
		if (*p++ != v)
			return false;
	return true;
}

START_TEST(test_hostile_buffers)
{
	uint8_t *a, *b, *c;
	struct iovec iov[300];
	char err[4096];
	unsigned int i;

	start(NULL);
	a = bufs, b = bufs + 0x1000, c = bufs + 0x2000;
	/* a plain request: 64 bytes of the source */
	iov[0] = (struct iovec){ a, 64 };
	offer(iov, 0, 1, a);
	expect_used(a, 64);
	expect_source(a, 64);
	/* a readable part before the writable one: refused, neither part touched */
	memset(a, 0xaa, 64);
	memset(b, 0xbb, 64);
	iov[0] = (struct iovec){ a, 64 };
	iov[1] = (struct iovec){ b, 64 };
	offer(iov, 1, 1, b);
	expect_used(b, 0);
	ck_assert(all(a, 64, 0xaa) && all(b, 64, 0xbb));
	/* readable only: refused */
	offer(iov, 1, 0, a);
	expect_used(a, 0);
	ck_assert(all(a, 64, 0xaa));
	/*
	 * a zero-length writable part (libvhost_vring_add() refuses one: the
	 * descriptor is cut to 0 in the table before the kick publishes it)
	 */
	ck_assert_int_eq(libvhost_vring_add(vr, &(struct iovec){ c, 1 }, 0, 1, c), 0);
	for (i = 0; i < NUM; i++) {
		uint8_t *desc = bufs - BUFS + 16 * i; /* the table is at guest 0 */
		uint64_t addr;

		memcpy(&addr, desc, 8);
		if (addr == BUFS + 0x2000) {
			memset(desc + 8, 0, 4);
			break;
		}
	}
	ck_assert_uint_lt(i, NUM);
	c[0] = 0x5a;
	libvhost_vring_kick(vr);
	expect_used(c, 0);
	ck_assert_uint_eq(c[0], 0x5a);
	/* 200 one-byte parts: the next 200 bytes across them all */
	memset(c, 0, 400);
	for (i = 0; i < 200; i++)
		iov[i] = (struct iovec){ c + 2 * i, 1 };
	offer(iov, 0, 200, c);
	expect_used(c, 200);
	for (i = 0; i < 200; i++) {
		expect_source(c + 2 * i, 1);
		ck_assert_uint_eq(c[2 * i + 1], 0);
	}
	/* longer than the source is: read again from its start */
	offer(&(struct iovec){ b, 1500 }, 0, 1, b);
	expect_used(b, 1500);
	expect_source(b, 1500);
	/* a huge buffer: 64 KiB of it */
	memset(bufs + 0x10000, 0xcc, 0x20000);
	offer(&(struct iovec){ bufs + 0x10000, 0x20000 }, 0, 1, bufs);
	expect_used(bufs, 65536);
	expect_source(bufs + 0x10000, 65536);
	ck_assert(all(bufs + 0x20000, 0x10000, 0xcc));
	finish(err, sizeof(err));
	ck_assert_msg(strstr(err, "vhost-user-rng: 7 requests, 67300 bytes served, 2 refused\n"),
		      "%s", err);
}
END_TEST

/* More parts than the device takes: that buffer is left in the ring, untouched. */
START_TEST(test_too_many_parts)
{
	struct iovec iov[300];
	uint8_t *c;
	char err[4096];
	void *tok;
	uint32_t len;
	unsigned int i;

	start(NULL);
	c = bufs;
	memset(c, 0xdd, 600);
	for (i = 0; i < 300; i++)
		iov[i] = (struct iovec){ c + 2 * i, 1 };
	offer(iov, 0, 300, c);
	/* (what does not come cannot be waited for: a short look) */
	ck_assert_int_eq(used(300, &tok, &len), 0);
	ck_assert(all(c, 600, 0xdd));
	finish(err, sizeof(err));
	ck_assert_msg(strstr(err, "a buffer of more than 256 parts: not served\n"), "%s", err);
	ck_assert_msg(strstr(err, "vhost-user-rng: 0 requests, 0 bytes served, 0 refused\n"), "%s",
		      err);
}
END_TEST

/* --max-bytes: the period's allowance, then nothing until the next period. */
START_TEST(test_rate_limit)
{
	static const char *const limit[] = { "--max-bytes=100", "--period=3600000", "--stats",
					     NULL };
	uint8_t *a, *b, *c;
	char err[4096];
	void *tok;
	uint32_t len;

	start(limit);
	a = bufs, b = bufs + 0x1000, c = bufs + 0x2000;
	offer(&(struct iovec){ a, 64 }, 0, 1, a);
	expect_used(a, 64);
	expect_source(a, 64);
	offer(&(struct iovec){ b, 64 }, 0, 1, b);
	expect_used(b, 36); /* what is left of the period's 100 */
	expect_source(b, 36);
	memset(c, 0xee, 64);
	offer(&(struct iovec){ c, 64 }, 0, 1, c);
	ck_assert_int_eq(used(300, &tok, &len), 0); /* held for the next period (an hour) */
	ck_assert(all(c, 64, 0xee));
	finish(err, sizeof(err));
	ck_assert_msg(strstr(err, "vhost-user-rng: 2 requests, 100 bytes served, 0 refused\n"), "%s",
		      err);
	ck_assert_msg(strstr(err, "vhost-user-rng: limit 100 bytes per 3600000 ms: at most 100 "
				  "bytes in one period, 1 periods served\n"),
		      "%s", err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("hostile-driver");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_hostile_buffers);
	tcase_add_test(tc, test_too_many_parts);
	tcase_add_test(tc, test_rate_limit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
