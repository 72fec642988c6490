/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-ctl probe and vhost-ctl blk: a vhost-user back-end examined, and a
 * vhost-user-blk back-end driven as a virtio-blk driver, with libvhost's
 * front-end and driver-side rings (public API only).
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libvhost.h>

#include "tool-device.h"
#include "tool-log.h"
#include "vhost-ctl.h"

#define RING_SIZE 128u
#define MAX_QUEUES 16u
#define IO_TIMEOUT_MS 10000

static const char *const feature_names[64] = {
	[BLK_F_SIZE_MAX] = "SIZE_MAX",
	[BLK_F_SEG_MAX] = "SEG_MAX",
	[4] = "GEOMETRY",
	[BLK_F_RO] = "RO",
	[BLK_F_BLK_SIZE] = "BLK_SIZE",
	[BLK_F_FLUSH] = "FLUSH",
	[10] = "TOPOLOGY",
	[11] = "CONFIG_WCE",
	[BLK_F_MQ] = "MQ",
	[BLK_F_DISCARD] = "DISCARD",
	[BLK_F_WRITE_ZEROES] = "WRITE_ZEROES",
	[24] = "NOTIFY_ON_EMPTY",
	[LIBVHOST_F_LOG_ALL] = "LOG_ALL",
	[27] = "ANY_LAYOUT",
	[VIRTIO_RING_F_INDIRECT_DESC] = "INDIRECT_DESC",
	[VIRTIO_RING_F_EVENT_IDX] = "EVENT_IDX",
	[LIBVHOST_USER_F_PROTOCOL_FEATURES] = "PROTOCOL_FEATURES",
	[VIRTIO_F_VERSION_1] = "VERSION_1",
	[LIBVHOST_F_ACCESS_PLATFORM] = "ACCESS_PLATFORM",
	[VIRTIO_F_RING_PACKED] = "RING_PACKED",
	[VIRTIO_F_IN_ORDER] = "IN_ORDER",
};

static void die_usage(const char *cmd, const char *msg)
{
	fprintf(stderr, "vhost-ctl %s: %s (see vhost-ctl --help)\n", cmd, msg);
	exit(2);
}

static struct libvhost_frontend *connect_backend(struct libvhost_ctx *ctx, const char *cmd,
						 const char *path)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .timeout_ms = 5000);
	struct libvhost_frontend *fe = NULL;
	unsigned int mark = tool_log_errors();
	int r = libvhost_frontend_connect(ctx, path, &o, &fe);
	char tool[32];

	if (r == 0)
		r = libvhost_frontend_negotiate(fe);
	if (r < 0) {
		snprintf(tool, sizeof(tool), "vhost-ctl %s", cmd);
		tool_fail(tool, path, r, mark);
		exit(1);
	}
	return fe;
}

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static uint32_t le32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint16_t le16_at(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static void print_bits(uint64_t v, bool json, const char *(*name)(unsigned int))
{
	bool first = true;
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		const char *n;

		if (!(v & (1ULL << bit)))
			continue;
		n = name(bit);
		if (json)
			printf("%s\"%s\"", first ? "" : ", ", n ? n : "?");
		else if (n)
			printf(" %s", n);
		else
			printf(" bit%u", bit);
		first = false;
	}
}

static const char *feature_name(unsigned int bit)
{
	return feature_names[bit];
}

static const char *proto_name(unsigned int bit)
{
	return libvhost_protocol_feature_name(bit);
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	struct libvhost_ctx *ctx = NULL;
	struct libvhost_frontend *fe;
	const char *path = NULL;
	uint8_t cfg[sizeof(struct blk_config)];
	bool json = false, have_cfg = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			path = optarg;
		else if (c == 'j')
			json = true;
		else
			die_usage("probe", "unknown option");
	}
	if (!path || optind < argc)
		die_usage("probe", "--socket PATH is required");
	if (tool_ctx_new(&ctx) < 0)
		return 1;
	fe = connect_backend(ctx, "probe", path);
	libvhost_frontend_get_info(fe, &info);
	if (info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_CONFIG))
		have_cfg = libvhost_frontend_get_config(fe, 0, cfg, sizeof(cfg)) == 0;
	if (json) {
		printf("{\n  \"socket\": \"%s\",\n  \"features\": \"0x%" PRIx64 "\",\n"
		       "  \"feature_names\": [",
		       path, info.features);
		print_bits(info.features, true, feature_name);
		printf("],\n  \"protocol_features_offered\": \"0x%" PRIx64 "\",\n"
		       "  \"protocol_features\": \"0x%" PRIx64 "\",\n  \"protocol_feature_names\": [",
		       info.backend_protocol_features, info.protocol_features);
		print_bits(info.protocol_features, true, proto_name);
		printf("],\n  \"queues\": %" PRIu64 ",\n  \"max_mem_slots\": %" PRIu64,
		       info.queue_num ? info.queue_num : 1, info.max_mem_slots);
		if (have_cfg)
			printf(",\n  \"blk\": {\"capacity_sectors\": %" PRIu64 ", \"seg_max\": %" PRIu32
			       ", \"blk_size\": %" PRIu32 ", \"num_queues\": %u}",
			       le64_at(cfg), le32_at(cfg + 12), le32_at(cfg + 20), le16_at(cfg + 34));
		printf("\n}\n");
	} else {
		printf("back-end:           %s\n", path);
		printf("features:           0x%016" PRIx64 "\n                   ", info.features);
		print_bits(info.features, false, feature_name);
		printf("\nprotocol features:  0x%" PRIx64 " offered, 0x%" PRIx64
		       " negotiated\n                   ",
		       info.backend_protocol_features, info.protocol_features);
		print_bits(info.protocol_features, false, proto_name);
		printf("\nqueues:             %" PRIu64 "%s\n", info.queue_num ? info.queue_num : 1,
		       info.queue_num ? "" : " (no MQ: at least one)");
		printf("memory slots:       %" PRIu64 "\n", info.max_mem_slots);
		if (have_cfg) {
			uint64_t cap = le64_at(cfg);

			printf("config (as virtio-blk):\n");
			printf("  capacity:         %" PRIu64 " sectors (%" PRIu64 " MiB)\n", cap,
			       cap * SECTOR >> 20);
			printf("  seg_max:          %" PRIu32 "\n", le32_at(cfg + 12));
			printf("  blk_size:         %" PRIu32 "\n", le32_at(cfg + 20));
			printf("  num_queues:       %u\n", le16_at(cfg + 34));
			printf("  read-only:        %s\n",
			       info.features & (1ULL << BLK_F_RO) ? "yes" : "no");
		} else {
			printf("config:             not available\n");
		}
	}
	libvhost_frontend_unref(fe);
	libvhost_ctx_unref(ctx);
	return 0;
}

/* ---- the virtio-blk driver ---- */

struct slot {
	uint8_t *hdr; /* 16 bytes, then status at hdr[16] */
	uint8_t *data;
	uint64_t start_ns;
	bool busy;
};

struct queue {
	struct libvhost_vring *vr;
	int kick, call;
	struct slot *slots;
	unsigned int inflight;
};

struct drv {
	struct libvhost_ctx *ctx;
	struct libvhost_frontend *fe;
	struct libvhost_mem *mem;
	uint64_t features, sectors;
	unsigned int nq, depth;
	size_t bs;
	struct queue q[MAX_QUEUES];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int drv_setup(struct drv *d, const char *path, unsigned int queues, bool packed)
{
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	struct libvhost_dev *dev;
	uint64_t want, ring_bytes, slot_bytes, total, off;
	uint8_t cfg[8];
	uint8_t *base;
	void *p;
	unsigned int i, j;
	int r;
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = 0);

	d->fe = connect_backend(d->ctx, "blk", path);
	dev = libvhost_frontend_get_dev(d->fe);
	libvhost_frontend_get_info(d->fe, &info);
	if (!(info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_CONFIG)) ||
	    libvhost_frontend_get_config(d->fe, 0, cfg, sizeof(cfg)) < 0) {
		fprintf(stderr, "vhost-ctl blk: the back-end gives no config space: not a blk device?\n");
		return -EPROTO;
	}
	d->sectors = le64_at(cfg);
	if (queues > (info.queue_num ? info.queue_num : 1) ||
	    (queues > 1 && !(info.features & (1ULL << BLK_F_MQ)))) {
		fprintf(stderr, "vhost-ctl blk: the back-end has %" PRIu64 " queue(s)\n",
			info.queue_num ? info.queue_num : 1);
		return -EINVAL;
	}
	want = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << BLK_F_FLUSH) | (1ULL << BLK_F_DISCARD) |
	       (1ULL << BLK_F_WRITE_ZEROES) | (1ULL << BLK_F_MQ) | (1ULL << BLK_F_RO) |
	       (1ULL << BLK_F_BLK_SIZE) | (1ULL << BLK_F_SEG_MAX) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
	       (packed ? 1ULL << VIRTIO_F_RING_PACKED : 0);
	d->features = info.features & want;
	if (packed && !(d->features & (1ULL << VIRTIO_F_RING_PACKED))) {
		fprintf(stderr, "vhost-ctl blk: the back-end does not offer packed rings\n");
		return -EOPNOTSUPP;
	}
	r = libvhost_dev_set_features(dev, d->features);
	if (r < 0)
		return r;
	vo.flags = (d->features & (1ULL << VIRTIO_RING_F_EVENT_IDX) ? LIBVHOST_VRING_F_EVENT_IDX : 0) |
		   (packed ? LIBVHOST_VRING_F_PACKED : 0);
	r = libvhost_vring_area_size(RING_SIZE, &vo, &ring_bytes);
	if (r < 0)
		return r;
	ring_bytes = (ring_bytes + 4095) & ~4095ull;
	slot_bytes = ((d->bs + 64 + 4095) & ~4095ull);
	total = d->nq * (ring_bytes + (uint64_t)d->depth * slot_bytes);
	total = (total + (2u << 20) - 1) & ~(uint64_t)((2u << 20) - 1);
	r = libvhost_mem_new(d->ctx, &d->mem);
	if (r == 0)
		r = libvhost_mem_alloc(d->mem, 0, total, NULL, &p);
	if (r == 0)
		r = libvhost_dev_set_mem(dev, d->mem);
	if (r < 0)
		return r;
	base = p;
	off = 0;
	for (i = 0; i < d->nq; i++) {
		struct queue *q = &d->q[i];

		r = libvhost_vring_new(d->mem, off, RING_SIZE, &vo, &q->vr);
		if (r < 0)
			return r;
		off += ring_bytes;
		q->slots = calloc(d->depth, sizeof(*q->slots));
		if (!q->slots)
			return -ENOMEM;
		for (j = 0; j < d->depth; j++) {
			q->slots[j].hdr = base + off;
			q->slots[j].data = base + off + 64;
			off += slot_bytes;
		}
		q->kick = eventfd(0, EFD_CLOEXEC);
		q->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->kick < 0 || q->call < 0)
			return -errno;
		r = libvhost_dev_start_vring(dev, i, q->vr, q->kick, q->call);
		if (r < 0)
			return r;
	}
	return 0;
}

static void drv_free(struct drv *d)
{
	unsigned int i;

	for (i = 0; i < d->nq; i++) {
		libvhost_vring_unref(d->q[i].vr);
		if (d->q[i].kick > 0)
			close(d->q[i].kick);
		if (d->q[i].call > 0)
			close(d->q[i].call);
		free(d->q[i].slots);
	}
	libvhost_frontend_unref(d->fe);
	libvhost_mem_unref(d->mem);
}

/* Queues a request in slot @s of queue @q (not kicked). */
static int submit(struct drv *d, struct queue *q, struct slot *s, uint32_t type, uint64_t sector,
		  size_t len)
{
	struct iovec iov[3];
	unsigned int nout = 1, nin = 1, n = 0;
	uint32_t t = htole32(type);
	uint64_t sec = htole64(sector);
	int r;

	memcpy(s->hdr, &t, 4);
	memset(s->hdr + 4, 0, 4);
	memcpy(s->hdr + 8, &sec, 8);
	s->hdr[16] = 0xff;
	iov[n++] = (struct iovec){ s->hdr, 16 };
	if (len && (type == BLK_T_OUT || type == BLK_T_DISCARD || type == BLK_T_WRITE_ZEROES)) {
		iov[n++] = (struct iovec){ s->data, len };
		nout++;
	} else if (len) {
		iov[n++] = (struct iovec){ s->data, len };
		nin++;
	}
	iov[n++] = (struct iovec){ s->hdr + 16, 1 };
	(void)d;
	s->start_ns = now_ns();
	r = libvhost_vring_add(q->vr, iov, nout, nin, s);
	if (r < 0)
		return r;
	s->busy = true;
	q->inflight++;
	return 0;
}

/* Waits for at least one completion on any queue; -ECONNRESET if the back-end went away. */
static int wait_any(struct drv *d)
{
	struct pollfd pfd[MAX_QUEUES + 1];
	unsigned int i;
	uint64_t v;
	int r;

	for (i = 0; i < d->nq; i++)
		pfd[i] = (struct pollfd){ d->q[i].call, POLLIN, 0 };
	pfd[d->nq] = (struct pollfd){ libvhost_frontend_get_fd(d->fe), POLLIN | POLLRDHUP, 0 };
	r = poll(pfd, d->nq + 1, IO_TIMEOUT_MS);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if (pfd[d->nq].revents)
		return -ECONNRESET; /* the back-end never writes unasked: it closed */
	for (i = 0; i < d->nq; i++)
		if (pfd[i].revents)
			(void)!read(d->q[i].call, &v, sizeof(v));
	return 0;
}

/* Reaps completions: calls @done for each; returns how many. */
static int reap(struct drv *d, struct queue *q, void (*done)(struct drv *, struct slot *, void *),
		void *arg)
{
	void *tok;
	uint32_t len;
	int n = 0, r;

	while ((r = libvhost_vring_get_used(q->vr, &tok, &len)) == 1) {
		struct slot *s = tok;

		s->busy = false;
		q->inflight--;
		if (done)
			done(d, s, arg);
		n++;
	}
	return r < 0 ? r : n;
}

static const char *conn_error(int r)
{
	return r == -ECONNRESET ? "the back-end closed the connection (lost)" : strerror(-r);
}

/* One request, waited for: returns the status byte, or a negative errno. */
static int sync_req(struct drv *d, uint32_t type, uint64_t sector, size_t len)
{
	struct queue *q = &d->q[0];
	struct slot *s = &q->slots[0];
	int r = submit(d, q, s, type, sector, len);

	if (r < 0)
		return r;
	libvhost_vring_kick(q->vr);
	while (s->busy) {
		r = reap(d, q, NULL, NULL);
		if (r < 0)
			return r;
		if (s->busy) {
			r = wait_any(d);
			if (r < 0)
				return r;
		}
	}
	return s->hdr[16];
}

/* The pattern --verify writes: byte i of sector s is (s * 7 + i) % 251, with a seed. */
static void pattern(uint8_t *buf, uint64_t sector, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)((sector * 7 + (i % SECTOR) + (i / SECTOR) * 7 + seed) % 251);
}

static int verify(struct drv *d, bool json)
{
	uint8_t *data = d->q[0].slots[0].data;
	size_t chunk = d->bs;
	uint64_t nsec = chunk / SECTOR, span = 256, s;
	bool ro = d->features & (1ULL << BLK_F_RO);
	int st, bad = 0;
	char id[21] = { 0 };

	if (span > d->sectors)
		span = d->sectors - d->sectors % nsec;
	st = sync_req(d, BLK_T_GET_ID, 0, 20);
	if (st < 0)
		goto err;
	memcpy(id, data, 20);
	if (ro) {
		pattern(data, 0, chunk, 1);
		st = sync_req(d, BLK_T_OUT, 0, chunk);
		if (st < 0)
			goto err;
		if (st == 0) {
			fprintf(stderr, "vhost-ctl blk: FAIL: a read-only device accepted a write\n");
			return 1;
		}
		st = sync_req(d, BLK_T_IN, 0, chunk);
		if (st != 0)
			goto err;
		if (json)
			printf("{\"verify\": \"pass\", \"read_only\": true, \"id\": \"%s\"}\n", id);
		else
			printf("verify: pass: read-only device refused the write, read ok; id \"%s\"\n",
			       id);
		return 0;
	}
	for (s = 0; s + nsec <= span; s += nsec) {
		pattern(data, s, chunk, 1);
		st = sync_req(d, BLK_T_OUT, s, chunk);
		if (st != 0)
			goto err;
	}
	if (d->features & (1ULL << BLK_F_FLUSH)) {
		st = sync_req(d, BLK_T_FLUSH, 0, 0);
		if (st != 0)
			goto err;
	}
	for (s = 0; s + nsec <= span; s += nsec) {
		uint8_t want[65536];

		st = sync_req(d, BLK_T_IN, s, chunk);
		if (st != 0)
			goto err;
		pattern(want, s, chunk, 1);
		if (memcmp(want, data, chunk)) {
			fprintf(stderr, "vhost-ctl blk: FAIL: sector %" PRIu64 " reads back wrong\n", s);
			bad++;
		}
	}
	/* write-zeroes the second half of the span, then check it reads as zeroes */
	if (d->features & (1ULL << BLK_F_WRITE_ZEROES) && span >= 2 * nsec) {
		uint64_t seg[2];
		uint8_t zero[65536] = { 0 };

		seg[0] = htole64(span / 2);
		seg[1] = htole64((uint64_t)(span / 2) & 0xffffffffu);
		memcpy(data, seg, 16);
		st = sync_req(d, BLK_T_WRITE_ZEROES, 0, 16);
		if (st != 0)
			goto err;
		st = sync_req(d, BLK_T_IN, span / 2, chunk);
		if (st != 0)
			goto err;
		if (memcmp(data, zero, chunk)) {
			fprintf(stderr, "vhost-ctl blk: FAIL: write-zeroes left data\n");
			bad++;
		}
		/* and the first half still holds the pattern */
		pattern(data, 0, chunk, 1);
		pattern(zero, 0, chunk, 1);
		st = sync_req(d, BLK_T_IN, 0, chunk);
		if (st != 0 || memcmp(data, zero, chunk)) {
			fprintf(stderr, "vhost-ctl blk: FAIL: write-zeroes went too far\n");
			bad++;
		}
	}
	if (d->features & (1ULL << BLK_F_DISCARD) && span >= 2 * nsec) {
		uint64_t seg[2] = { htole64(span / 2), htole64((uint64_t)(span / 2)) };

		memcpy(data, seg, 16);
		st = sync_req(d, BLK_T_DISCARD, 0, 16);
		if (st != 0)
			goto err;
	}
	/* out of range: an error, not a crash */
	st = sync_req(d, BLK_T_IN, d->sectors, chunk);
	if (st < 0)
		goto err;
	if (st == 0) {
		fprintf(stderr, "vhost-ctl blk: FAIL: a read past the end succeeded\n");
		bad++;
	}
	if (json)
		printf("{\"verify\": \"%s\", \"sectors\": %" PRIu64 ", \"id\": \"%s\"}\n",
		       bad ? "fail" : "pass", span, id);
	else
		printf("verify: %s: %" PRIu64 " sectors written, flushed, read back%s%s; id \"%s\"\n",
		       bad ? "FAIL" : "pass", span,
		       d->features & (1ULL << BLK_F_WRITE_ZEROES) ? ", write-zeroes" : "",
		       d->features & (1ULL << BLK_F_DISCARD) ? ", discard" : "", id);
	return bad ? 1 : 0;
err:
	if (st < 0)
		fprintf(stderr, "vhost-ctl blk: %s\n", conn_error(st));
	else
		fprintf(stderr, "vhost-ctl blk: FAIL: request failed with status %d\n", st);
	return 1;
}

/* ---- --bench ---- */

enum rw { RW_READ, RW_WRITE, RW_RANDREAD, RW_RANDWRITE };

struct bench {
	enum rw rw;
	uint64_t next, rnd, done, *lat;
	size_t nlat, cap;
};

static void bench_done(struct drv *d, struct slot *s, void *arg)
{
	struct bench *b = arg;

	(void)d;
	if (b->nlat < b->cap)
		b->lat[b->nlat++] = now_ns() - s->start_ns;
	b->done++;
}

static uint64_t bench_sector(struct drv *d, struct bench *b)
{
	uint64_t nsec = d->bs / SECTOR, blocks = d->sectors / nsec;

	if (b->rw == RW_RANDREAD || b->rw == RW_RANDWRITE) {
		b->rnd = b->rnd * 6364136223846793005ull + 1442695040888963407ull;
		return ((b->rnd >> 17) % blocks) * nsec;
	}
	b->next = (b->next + nsec) % (blocks * nsec);
	return b->next;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int bench(struct drv *d, enum rw rw, unsigned int secs, bool json)
{
	struct bench b = { .rw = rw, .rnd = 42 };
	bool write = rw == RW_WRITE || rw == RW_RANDWRITE;
	uint64_t start = now_ns(), end = start + secs * 1000000000ull, last = start, last_done = 0;
	unsigned int i, j;
	int r = 0;

	if (write && (d->features & (1ULL << BLK_F_RO))) {
		fprintf(stderr, "vhost-ctl blk: the device is read-only\n");
		return 1;
	}
	b.cap = 1u << 22;
	b.lat = malloc(b.cap * sizeof(*b.lat));
	if (!b.lat)
		return 1;
	for (;;) {
		uint64_t now = now_ns();
		int reaped = 0;

		for (i = 0; i < d->nq && now < end; i++) {
			struct queue *q = &d->q[i];
			bool added = false;

			for (j = 0; j < d->depth; j++) {
				if (q->slots[j].busy)
					continue;
				r = submit(d, q, &q->slots[j], write ? BLK_T_OUT : BLK_T_IN,
					   bench_sector(d, &b), d->bs);
				if (r < 0)
					goto out;
				added = true;
			}
			if (added)
				libvhost_vring_kick(q->vr);
		}
		for (i = 0, j = 0; i < d->nq; i++) {
			r = reap(d, &d->q[i], bench_done, &b);
			if (r < 0)
				goto out;
			reaped += r;
			j += d->q[i].inflight;
		}
		if (now >= end && j == 0)
			break;
		if (now - last >= 1000000000ull && !json) {
			fprintf(stderr, "\r%4.0fs  %10.0f IOPS", (now - start) / 1e9,
				(b.done - last_done) * 1e9 / (now - last));
			last = now;
			last_done = b.done;
		}
		if (reaped)
			continue; /* refill before sleeping */
		r = wait_any(d);
		if (r < 0)
			goto out;
	}
out:
	if (!json)
		fprintf(stderr, "\n");
	if (r < 0) {
		fprintf(stderr, "vhost-ctl blk: %s after %" PRIu64 " requests\n", conn_error(r),
			b.done);
		free(b.lat);
		return 1;
	}
	{
		double t = (now_ns() - start) / 1e9;
		uint64_t p50 = 0, p99 = 0, p999 = 0;

		qsort(b.lat, b.nlat, sizeof(*b.lat), cmp_u64);
		if (b.nlat) {
			p50 = b.lat[b.nlat / 2];
			p99 = b.lat[b.nlat * 99 / 100];
			p999 = b.lat[b.nlat * 999 / 1000];
		}
		if (json)
			printf("{\"iops\": %.0f, \"mib_s\": %.1f, \"requests\": %" PRIu64
			       ", \"lat_us\": {\"p50\": %.1f, \"p99\": %.1f, \"p99.9\": %.1f}}\n",
			       b.done / t, b.done * (double)d->bs / t / 1048576.0, b.done, p50 / 1e3,
			       p99 / 1e3, p999 / 1e3);
		else
			printf("%" PRIu64 " requests in %.1f s: %.0f IOPS, %.1f MiB/s; latency p50 "
			       "%.1f us, p99 %.1f us, p99.9 %.1f us\n",
			       b.done, t, b.done / t, b.done * (double)d->bs / t / 1048576.0,
			       p50 / 1e3, p99 / 1e3, p999 / 1e3);
	}
	free(b.lat);
	return 0;
}

int cmd_blk(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "verify", no_argument, NULL, 'v' },
		{ "bench", no_argument, NULL, 'b' },	    { "rw", required_argument, NULL, 'r' },
		{ "bs", required_argument, NULL, 'B' },	    { "iodepth", required_argument, NULL, 'd' },
		{ "queues", required_argument, NULL, 'q' }, { "time", required_argument, NULL, 't' },
		{ "packed", no_argument, NULL, 'p' },	    { "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const rws[] = { "read", "write", "randread", "randwrite" };
	struct drv d = { .nq = 1, .depth = 16, .bs = 4096 };
	const char *path = NULL;
	bool do_verify = false, do_bench = false, packed = false, json = false;
	unsigned int mark;
	unsigned long v;
	unsigned int secs = 5, i;
	enum rw rw = RW_RANDREAD;
	char *end;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'v':
			do_verify = true;
			break;
		case 'b':
			do_bench = true;
			break;
		case 'p':
			packed = true;
			break;
		case 'j':
			json = true;
			break;
		case 'r':
			for (i = 0; i < 4 && strcmp(optarg, rws[i]); i++)
				;
			if (i == 4)
				die_usage("blk", "--rw takes read, write, randread or randwrite");
			rw = (enum rw)i;
			break;
		case 'B':
		case 'd':
		case 'q':
		case 't':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v)
				die_usage("blk", "a numeric option needs a positive number");
			if (c == 'B') {
				if (v % SECTOR || v > 65536)
					die_usage("blk", "--bs: a multiple of 512, at most 65536");
				d.bs = v;
			} else if (c == 'd') {
				if (v > RING_SIZE / 3)
					die_usage("blk", "--iodepth: at most 42");
				d.depth = (unsigned int)v;
			} else if (c == 'q') {
				if (v > MAX_QUEUES)
					die_usage("blk", "--queues: at most 16");
				d.nq = (unsigned int)v;
			} else {
				secs = (unsigned int)v;
			}
			break;
		default:
			die_usage("blk", "unknown option");
		}
	}
	if (!path || optind < argc)
		die_usage("blk", "--socket PATH is required");
	if (do_verify == do_bench)
		die_usage("blk", "give one of --verify and --bench");
	if (tool_ctx_new(&d.ctx) < 0)
		return 1;
	mark = tool_log_errors();
	r = drv_setup(&d, path, d.nq, packed);
	if (r < 0) {
		/* the back-end's or the kernel's doing is libvhost's line; ours otherwise */
		if (tool_log_errors() == mark)
			fprintf(stderr, "vhost-ctl blk: setting up the device: %s\n",
				conn_error(r));
		drv_free(&d);
		libvhost_ctx_unref(d.ctx);
		return 1;
	}
	r = do_verify ? verify(&d, json) : bench(&d, rw, secs, json);
	drv_free(&d);
	libvhost_ctx_unref(d.ctx);
	return r;
}
