/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user-rng: a virtio-rng device (virtio 1.2, 5.4) served to any
 * vhost-user front-end (QEMU's vhost-user-rng-pci, ...).  One request queue:
 * the driver offers device-writable buffers and the device fills them with
 * bytes read from --source (/dev/urandom unless told), at most --max-bytes
 * every --period ms.  The shortest complete device built on libvhost's
 * public API, and the one README's "Writing a device" walks through.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <libvhost.h>

#include "tool-caps.h"
#include "tool-device.h"
#include "tool-log.h"
#include "tool-stats.h"

#define TOOL "vhost-user-rng"
#define MAX_IOV 256 /* parts of one buffer; more: the ring stalls (said once) */
#define MAX_FILL 65536u /* bytes written into one buffer at most */

struct rng {
	struct libvhost_backend *be;
	int src; /* --source */
	bool rewind; /* a regular file: read again from its start at its end */
	uint64_t max_bytes; /* per period; 0: no limit */
	unsigned long period_ms;
	int timer; /* timerfd: armed for the next period when the limit held buffers back */
	struct timespec period_end;
	uint64_t in_period; /* bytes served in the current period */
	/* what --stats and the exit line say */
	uint64_t requests, bytes, refused, peak, periods;
	bool told; /* the too-long buffer said once */
};

/* The bytes a buffer may get now; 0: none before the next period (the timer is armed). */
static uint64_t budget(struct rng *r)
{
	struct timespec now;

	if (!r->max_bytes)
		return MAX_FILL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > r->period_end.tv_sec ||
	    (now.tv_sec == r->period_end.tv_sec && now.tv_nsec >= r->period_end.tv_nsec)) {
		/* a new period starts now */
		r->period_end.tv_sec = now.tv_sec + (time_t)(r->period_ms / 1000);
		r->period_end.tv_nsec = now.tv_nsec + (long)(r->period_ms % 1000) * 1000000L;
		if (r->period_end.tv_nsec >= 1000000000L) {
			r->period_end.tv_sec++;
			r->period_end.tv_nsec -= 1000000000L;
		}
		r->in_period = 0;
	}
	if (r->in_period < r->max_bytes)
		return r->max_bytes - r->in_period < MAX_FILL ? r->max_bytes - r->in_period : MAX_FILL;
	timerfd_settime(r->timer, TFD_TIMER_ABSTIME,
			&(struct itimerspec){ .it_value = r->period_end }, NULL);
	return 0;
}

/* Up to @most bytes of the source into the @n parts of a buffer; returns how many. */
static uint32_t fill(struct rng *r, const struct iovec *iov, unsigned int n, uint64_t most)
{
	uint32_t done = 0;
	unsigned int i;
	bool rewound = false;

	for (i = 0; i < n && done < most; i++) {
		size_t len = iov[i].iov_len < most - done ? iov[i].iov_len : most - done, off = 0;

		while (off < len) {
			ssize_t k = read(r->src, (uint8_t *)iov[i].iov_base + off, len - off);

			if (k > 0) {
				off += (size_t)k;
				rewound = false;
			} else if (k == 0 && r->rewind && !rewound) {
				rewound = lseek(r->src, 0, SEEK_SET) == 0;
			} else if (!(k < 0 && errno == EINTR)) {
				return done + (uint32_t)off; /* the source failed: what it gave */
			}
		}
		done += (uint32_t)len;
	}
	return done;
}

/* Ring @vq kicked (or the period began again): fill what the driver offered. */
static void serve(struct rng *r, struct libvhost_vq *vq)
{
	struct iovec iov[MAX_IOV];
	struct libvhost_vq_elem e;
	uint64_t most;
	uint32_t len;
	bool pushed = false;
	int rc;

	while (libvhost_vq_is_enabled(vq) && (most = budget(r)) > 0) {
		rc = libvhost_vq_pop(vq, iov, MAX_IOV, &e);
		if (rc == -ENOSPC && !r->told) {
			r->told = true;
			fprintf(stderr, TOOL ": a buffer of more than %u parts: not served\n", MAX_IOV);
		}
		if (rc != 1)
			break;
		/* a buffer with parts for the device to read is not a request: nothing written */
		len = e.out ? 0 : fill(r, iov, e.in, most);
		r->refused += e.out != 0;
		libvhost_vq_push(vq, e.id, len);
		pushed = true;
		r->requests++;
		r->bytes += len;
		r->periods += r->in_period == 0 && len > 0;
		r->in_period += len;
		if (r->in_period > r->peak)
			r->peak = r->in_period;
	}
	if (pushed)
		libvhost_vq_notify(vq);
}

/* tool_serve()'s hooks: ring 0 kicked, the timer expired, a message processed. */
static void serve_kicked(void *ud, unsigned int index)
{
	struct rng *r = ud;

	serve(r, libvhost_backend_get_vq(r->be, index));
}

static void serve_timer(void *ud)
{
	struct rng *r = ud;
	uint64_t expired;

	(void)!read(r->timer, &expired, sizeof(expired));
	serve_kicked(r, 0);
}

static void after_message(void *ud)
{
	/* a ring enabled after its kick came: what it already holds */
	serve_kicked(ud, 0);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " TOOL " (--socket-path=PATH | --connect=PATH | --fd=N)\n"
		"                      [--source=FILE] [--max-bytes=N [--period=MS]] [--stats]\n"
		"       " TOOL " --print-capabilities\n"
		"\n"
		"Serves a virtio-rng device to a vhost-user front-end: the driver's buffers\n"
		"get bytes of FILE (default /dev/urandom; a regular file is read again from\n"
		"its start at its end), at most N bytes every MS ms (default 1000) with\n"
		"--max-bytes.  See " TOOL "(1).\n");
}

/* A decimal option value in [min, max] into *out: 0, or -1 having said why. */
static int parse(const char *opt, const char *s, unsigned long min, unsigned long max,
		 unsigned long *out)
{
	if (tool_parse_uint(s, max, out) == 0 && *out >= min)
		return 0;
	fprintf(stderr, TOOL ": --%s takes %lu to %lu\n", opt, min, max);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket-path", required_argument, NULL, 's' },
		{ "connect", required_argument, NULL, 'C' },
		{ "fd", required_argument, NULL, 'f' },
		{ "source", required_argument, NULL, 'S' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "period", required_argument, NULL, 'p' },
		{ "stats", no_argument, NULL, 'x' },
		{ "print-capabilities", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	/* nothing to hook: no config space, and no buffer outlives serve() */
	static const struct libvhost_backend_ops ops = { .sz = sizeof(ops) };
	struct rng r = { .src = -1, .timer = -1, .period_ms = 1000 };
	struct tool_attach at = { .fd = -1 };
	const char *source = "/dev/urandom";
	struct libvhost_ctx *ctx = NULL;
	unsigned long v;
	struct stat st;
	bool stats = false;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			at.socket_path = optarg;
			break;
		case 'C':
			at.connect_path = optarg;
			break;
		case 'f':
			if (parse("fd", optarg, 0, INT_MAX, &v) < 0)
				return 2;
			at.fd = (int)v;
			break;
		case 'S':
			source = optarg;
			break;
		case 'm':
			if (parse("max-bytes", optarg, 1, UINT32_MAX, &v) < 0)
				return 2;
			r.max_bytes = v;
			break;
		case 'p':
			if (parse("period", optarg, 1, 3600000, &r.period_ms) < 0)
				return 2;
			break;
		case 'x':
			stats = true;
			break;
		case 'c':
			/* the spec's capability report: VHostUserBackendType "rng", no features */
			printf("{\n  \"type\": \"rng\"\n}\n");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || tool_attach_count(&at) != 1) {
		usage(stderr);
		return 2;
	}
	r.src = open(source, O_RDONLY | O_CLOEXEC);
	if (r.src < 0 || fstat(r.src, &st) < 0) {
		fprintf(stderr, TOOL ": %s: %s\n", source, strerror(errno));
		goto out;
	}
	r.rewind = S_ISREG(st.st_mode);
	if (r.rewind && st.st_size == 0) {
		fprintf(stderr, TOOL ": %s: an empty file\n", source);
		goto out;
	}
	r.timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r.timer < 0) {
		fprintf(stderr, TOOL ": timerfd: %s\n", strerror(errno));
		goto out;
	}
	rc = tool_ctx_new(&ctx);
	if (rc < 0) {
		tool_fail(TOOL, "the context", rc, 0);
		rc = 1;
		goto out;
	}
	rc = 1;
	{
		LIBVHOST_OPTS(libvhost_backend_opts, bo, .queue_num = 1, .ops = &ops,
			      .userdata = &r);
		int e;

		bo.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
			      (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
			      (1ULL << VIRTIO_F_RING_PACKED) | (1ULL << LIBVHOST_F_ACCESS_PLATFORM);
		e = libvhost_backend_new(ctx, &bo, &r.be);
		if (e < 0) {
			tool_fail(TOOL, "the back-end", e, 0);
			goto out;
		}
	}
	if (tool_attach(TOOL, r.be, &at) < 0 || tool_drop_capabilities(TOOL) < 0)
		goto out;
	tool_catch_signals();
	{
		const struct tool_serve loop = {
			.tool = TOOL, .be = r.be, .client = at.connect_path != NULL,
			.userdata = &r, .rings = 1, .serve_ring = serve_kicked,
			.extra_fd = r.timer, .serve_extra = serve_timer,
			.after_message = after_message,
		};
		int e = tool_serve(&loop);

		if (e < 0)
			fprintf(stderr, TOOL ": %s\n", strerror(-e));
		rc = e < 0;
	}
	fprintf(stderr,
		TOOL ": %" PRIu64 " requests, %" PRIu64 " bytes served, %" PRIu64 " refused\n",
		r.requests, r.bytes, r.refused);
	if (stats && r.max_bytes)
		fprintf(stderr,
			TOOL ": limit %" PRIu64 " bytes per %lu ms: at most %" PRIu64
			     " bytes in one period, %" PRIu64 " periods served\n",
			r.max_bytes, r.period_ms, r.peak, r.periods);
	if (stats)
		tool_print_backend_stats(TOOL, r.be);
out:
	libvhost_backend_unref(r.be);
	libvhost_ctx_unref(ctx);
	if (r.timer >= 0)
		close(r.timer);
	if (r.src >= 0)
		close(r.src);
	return rc;
}
