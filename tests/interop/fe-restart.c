/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A front-end that outlives its back-end, for the interop restart tests:
 * drives a vhost-user-blk or vhost-user-net back-end with libvhost's
 * front-end and driver-side rings, and when the back-end goes away (the test
 * SIGKILLs it and starts another on the same socket) reconnects
 * (libvhost_frontend_reconnect), sets the session up again and restores each
 * ring the way QEMU does after a broken connection: SET_VRING_BASE with the
 * ring's used index, read from guest memory, so that every buffer made
 * available and not yet used is taken again by the new back-end.  That
 * holds for a back-end that completes in order; for one that does not (the
 * window [used, avail) then holds a finished request and misses an earlier
 * one) the blk driver, which knows where it published each request, puts
 * the outstanding requests' heads into the window first.  With --inflight
 * the back-end's inflight area (GET_INFLIGHT_FD once, SET_INFLIGHT_FD at
 * every session) lets it resubmit what it had taken, and the window is left
 * alone.  A connection reset during a session's set-up (the reconnect
 * reached the dying back-end's listening socket) is followed by another
 * reconnect.  Split rings.
 *
 *   fe-restart blk --socket PATH --restarts N [--progress M] [--queues Q]
 *                  [--depth D] [--inflight] [--image FILE]
 *   fe-restart net --socket PATH --restarts N [--progress M]
 *
 * blk: random reads and 4 KiB writes over 1024 blocks, D requests in flight
 * per queue, never two at once on one block; each write carries its block
 * number, a sequence number and a checksum of the rest, each read must
 * return exactly the block's last completed write (or zeroes).  At the end
 * every block is read back through the device and, with --image, from the
 * image file.  net: frames with a sequence number and a checksum go out on
 * queue 1 (at most 32 at once) and must come back on queue 0 (the peer
 * forwards them); duplicates (a frame taken again) are counted.
 *
 * Each session prints "fe-restart: session K: progress" once M requests
 * (blk) or M frames back (net) completed in it; the test kills the back-end
 * after that line.  After N reconnects and M more the driver checks, prints
 * a summary ("fe-restart: pass: ...") and exits 0; 1 on any error, stall
 * (30 s without a completion) or wrong data (with the block's last requests:
 * W/R submitted, w/r completed, @session/queue/position in the ring).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libvhost.h>

#define F_VERSION_1 (1ULL << 32)
#define F_EVENT_IDX (1ULL << 29)
#define F_PROTOCOL_FEATURES (1ULL << 30)
#define BLK_F_SEG_MAX (1ULL << 2)
#define BLK_F_BLK_SIZE (1ULL << 6)
#define BLK_F_FLUSH (1ULL << 9)
#define BLK_F_MQ (1ULL << 12)
#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_T_FLUSH 4
#define STATUS_OK 0x0f /* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */
#define RING 128u
#define MAXQ 4u
#define BLOCK 4096u
#define NBLOCKS 1024u
#define MAXDEPTH 32u
#define STALL_S 30
#define NET_HDR 12u
#define NET_FRAME 64u
#define NET_RXBUF 2048u
#define NET_NRX 64u
#define NET_WINDOW 32u
#define NET_MAXSEQ (1u << 22)
#define RING_AREA 0x4000u /* guest memory for each ring, at the start */

struct ring {
	struct libvhost_vring *vr;
	int kick, call;
};

struct slot {
	uint8_t *hdr; /* 16 bytes of request header, then the status byte at 16 */
	uint8_t *data;
	uint32_t type, block;
	uint64_t seq; /* a write's sequence number; a read's expected one */
	uint16_t pos; /* where in the available ring it was published */
	uint16_t head; /* its chain's head, as published there */
	bool busy, have_head;
};

struct st {
	bool net, inflight;
	const char *path, *image;
	unsigned int nq, nrings, depth, restarts, progress, session;
	struct libvhost_ctx *ctx;
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct libvhost_mem *mem;
	uint8_t *base;
	uint64_t features, memsize;
	struct ring r[MAXQ];
	int ifl_fd;
	uint64_t ifl_size, ifl_off;
	/* counts */
	unsigned int kills_outstanding; /* restarts that found requests outstanding */
	unsigned int setup_resets; /* sessions lost during their set-up */
	uint64_t resubmitted, done, session_done, errors;
	time_t last_progress;
	/* blk */
	struct slot *slots; /* nq * depth */
	unsigned int *qbusy;
	uint16_t pub[MAXQ]; /* per ring: how many requests were published */
	unsigned int rewritten; /* restores whose window needed the outstanding heads */
	uint64_t *last; /* per block: the last completed write's sequence (0: zeroes) */
	bool *bbusy;
	char (*hist)[240]; /* per block: its last requests, for a failure's report */
	uint64_t seq, writes, reads, rnd;
	/* net */
	uint8_t *txbuf, *rxbuf;
	uint8_t *seen; /* per sequence number: times it came back */
	unsigned int tx_out, session_first;
	bool txbusy[RING];
	uint64_t back, dups, sent;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	struct timespec ts;
	static double t0;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = ts.tv_sec + ts.tv_nsec / 1e9;
	if (!t0)
		t0 = t;
	va_start(ap, fmt);
	printf("[%7.3f] fe-restart: ", t - t0);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static int die(const char *what, int r)
{
	say("FAIL: %s: %s", what, strerror(r < 0 ? -r : r));
	exit(1);
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(__atomic_load_n(&v, __ATOMIC_ACQUIRE));
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (*s * 0x2545f4914f6cdd1dull) >> 16; /* xorshift64*: the low bits too */
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

/* A block's contents after write @seq (0: never written, zeroes). */
static void pattern(uint8_t *b, uint32_t block, uint64_t seq)
{
	uint64_t s = ((uint64_t)block << 32) ^ seq ^ 0x9e3779b97f4a7c15ull, h;
	unsigned int i;

	if (!seq) {
		memset(b, 0, BLOCK);
		return;
	}
	memcpy(b, "LVHRSTRT", 8);
	h = htole64(block);
	memcpy(b + 8, &h, 8);
	h = htole64(seq);
	memcpy(b + 16, &h, 8);
	for (i = 32; i < BLOCK; i += 8) {
		uint64_t v = next_rand(&s);

		memcpy(b + i, &v, 8);
	}
	h = htole64(fnv(b + 32, BLOCK - 32));
	memcpy(b + 24, &h, 8);
}

static char (*s_hist)[240];

/* Says what a block holds instead of write @want. */
static void explain(const char *where, const uint8_t *b, uint32_t block, uint64_t want)
{
	uint64_t blk, seq, sum;

	memcpy(&blk, b + 8, 8);
	memcpy(&seq, b + 16, 8);
	memcpy(&sum, b + 24, 8);
	if (s_hist)
		say("block %u's last requests:%s", block, s_hist[block]);
	if (memcmp(b, "LVHRSTRT", 8))
		say("FAIL: %s: block %u holds no write of ours (want sequence %" PRIu64 ")", where,
		    block, want);
	else
		say("FAIL: %s: block %u holds block %" PRIu64 "'s write %" PRIu64
		    " (checksum %s), want write %" PRIu64,
		    where, block, le64toh(blk), le64toh(seq),
		    le64toh(sum) == fnv(b + 32, BLOCK - 32) ? "good" : "bad", want);
}

/*
 * A request of the session's set-up failed: -ECONNRESET or -EPIPE (the
 * back-end went away during it) is returned for a new attempt, the rest fail.
 */
static int lost_or_die(const char *what, int r)
{
	if (r == -ECONNRESET || r == -EPIPE)
		return r;
	return die(what, r);
}

/* The rings, once the features are known (event index or not). */
static void make_rings(struct st *s)
{
	LIBVHOST_OPTS(libvhost_vring_opts, vo,
		      .flags = s->features & F_EVENT_IDX ? LIBVHOST_VRING_F_EVENT_IDX : 0);
	uint64_t bytes;
	unsigned int i;
	int r;

	r = libvhost_vring_area_size(RING, &vo, &bytes);
	if (r < 0 || bytes > RING_AREA)
		die("ring size", r < 0 ? r : ENOSPC);
	for (i = 0; i < s->nrings; i++) {
		r = libvhost_vring_new(s->mem, (uint64_t)i * RING_AREA, RING, &vo, &s->r[i].vr);
		if (r < 0)
			die("ring", r);
		s->r[i].kick = eventfd(0, EFD_CLOEXEC);
		s->r[i].call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->r[i].kick < 0 || s->r[i].call < 0)
			die("eventfd", errno);
	}
}

/*
 * Without an inflight area the new back-end takes the available ring from
 * the used index on: the window [used, avail) must hold exactly the requests
 * still outstanding.  It does when the old back-end completed in order; qsd
 * completes out of order (a request done after a later one: the later one
 * is in the window, done, and the earlier one before it).  The driver knows
 * each outstanding request's head and puts them, in publication order, into
 * the window (again and again the same, should a set-up be tried twice).
 */
static void blk_window(struct st *s, unsigned int q, uint64_t avail_gpa, uint16_t uidx,
		       uint16_t aidx)
{
	uint8_t *ring = s->base + avail_gpa + 4;
	struct slot *out[MAXDEPTH];
	unsigned int n = 0, i, j;
	bool inside = true;

	for (i = 0; i < s->depth; i++) {
		struct slot *sl = &s->slots[q * s->depth + i];

		if (!sl->busy)
			continue;
		for (j = n; j > 0 && (uint16_t)(aidx - out[j - 1]->pos) < (uint16_t)(aidx - sl->pos); j--)
			out[j] = out[j - 1];
		out[j] = sl;
		n++;
		if ((uint16_t)(sl->pos - uidx) >= (uint16_t)(aidx - uidx))
			inside = false;
	}
	if (n != (uint16_t)(aidx - uidx) || aidx != s->pub[q]) {
		say("FAIL: ring %u: %u requests outstanding, but used %u and avail %u (%u published)",
		    q, n, uidx, aidx, s->pub[q]);
		exit(1);
	}
	if (inside)
		return;
	for (i = 0; i < n; i++) {
		uint16_t h = htole16(out[i]->head);

		memcpy(ring + 2 * ((uint16_t)(uidx + i) % RING), &h, 2);
	}
	say("session %u: ring %u: completed out of order before the kill: the %u outstanding "
	    "requests' heads put in the window",
	    s->session, q, n);
	s->rewritten++;
}

/* ---- a session: negotiate, features, inflight, memory, rings from the used index ---- */

static int session_start(struct st *s)
{
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	unsigned int i;
	bool gpa;
	int r;

	r = libvhost_frontend_negotiate(s->fe);
	if (r < 0)
		return r;
	libvhost_frontend_get_info(s->fe, &info);
	if (!s->features) {
		uint64_t want = s->net ? F_VERSION_1
				       : F_VERSION_1 | F_EVENT_IDX | BLK_F_FLUSH | BLK_F_SEG_MAX |
						 BLK_F_BLK_SIZE | (s->nq > 1 ? BLK_F_MQ : 0);

		s->features = info.features & want;
		if (!(s->features & F_VERSION_1))
			die("the back-end does not offer VERSION_1", EPROTO);
		if (s->nq > 1 && (!(s->features & BLK_F_MQ) || info.queue_num < s->nq))
			die("the back-end has too few queues", EINVAL);
		if (s->inflight &&
		    !(info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)))
			die("the back-end does not offer INFLIGHT_SHMFD", EOPNOTSUPP);
		make_rings(s);
	}
	if (s->inflight) {
		/* as QEMU: the area asked for once, handed to every session */
		if (s->ifl_fd < 0) {
			r = libvhost_frontend_get_inflight(s->fe, s->nrings, RING, &s->ifl_fd,
							   &s->ifl_size, &s->ifl_off);
			if (r < 0)
				return lost_or_die("GET_INFLIGHT_FD", r);
		}
		r = libvhost_frontend_set_inflight(s->fe, s->ifl_fd, s->ifl_size, s->ifl_off,
						   s->nrings, RING);
		if (r < 0)
			return lost_or_die("SET_INFLIGHT_FD", r);
	}
	r = libvhost_dev_set_features(s->dev, s->features);
	if (r < 0)
		return lost_or_die("SET_FEATURES", r);
	r = libvhost_dev_set_mem(s->dev, s->mem);
	if (r < 0)
		return lost_or_die("memory table", r);
	gpa = info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_GPA_ADDRESSES);
	for (i = 0; i < s->nrings; i++) {
		uint64_t desc, avail, used, used_gpa, avail_gpa;
		uint16_t uidx, aidx;

		libvhost_vring_get_addrs(s->r[i].vr, 1, NULL, &avail_gpa, &used_gpa);
		libvhost_vring_get_addrs(s->r[i].vr, gpa, &desc, &avail, &used);
		/* where the device got to, from guest memory: its used index */
		uidx = rd16(s->base + used_gpa + 2);
		aidx = rd16(s->base + avail_gpa + 2);
		if (s->session > 1 && aidx != uidx) {
			say("session %u: ring %u restored at used index %u, avail index %u: %u "
			    "buffers to be taken again",
			    s->session, i, uidx, aidx, (uint16_t)(aidx - uidx));
			s->resubmitted += (uint16_t)(aidx - uidx);
		}
		if (s->session > 1 && !s->net && !s->inflight)
			blk_window(s, i, avail_gpa, uidx, aidx);
		r = libvhost_dev_set_vring_num(s->dev, i, RING);
		if (r == 0)
			r = libvhost_dev_set_vring_base(s->dev, i, uidx);
		if (r == 0)
			r = libvhost_dev_set_vring_addr(s->dev, i, desc, avail, used, used_gpa, 0);
		if (r == 0)
			r = libvhost_dev_set_vring_call(s->dev, i, s->r[i].call);
		if (r == 0)
			r = libvhost_dev_set_vring_kick(s->dev, i, s->r[i].kick);
		if (r < 0)
			return lost_or_die("starting a ring", r);
		libvhost_vring_set_kick_fd(s->r[i].vr, s->r[i].kick);
		if (info.features & F_PROTOCOL_FEATURES) {
			r = libvhost_dev_set_vring_enable(s->dev, i, 1);
			if (r < 0)
				return lost_or_die("SET_VRING_ENABLE", r);
		}
	}
	if (info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_STATUS)) {
		r = libvhost_frontend_set_status(s->fe, STATUS_OK);
		if (r < 0)
			return lost_or_die("SET_STATUS", r);
	}
	/* the guest's notification for what was made available before */
	for (i = 0; i < s->nrings; i++) {
		uint64_t one = 1;

		(void)!write(s->r[i].kick, &one, sizeof(one));
	}
	s->session_done = 0;
	s->session_first = (unsigned int)s->sent;
	s->last_progress = time(NULL);
	say("session %u up", s->session);
	return 0;
}

static void note_done(struct st *s, unsigned int n);
static unsigned int blk_reap(struct st *s);
static unsigned int net_reap(struct st *s);

/* The back-end closed the connection: count what is outstanding, reach the next one. */
static void session_lost(struct st *s)
{
	unsigned int i, out = 0, rx = 0, tries;
	int r;

	for (i = 0; i < s->nrings; i++) {
		uint64_t avail, used;
		uint16_t n;

		libvhost_vring_get_addrs(s->r[i].vr, 1, NULL, &avail, &used);
		n = (uint16_t)(rd16(s->base + avail + 2) - rd16(s->base + used + 2));
		if (s->net && i == 0)
			rx = n; /* the RX ring always has buffers posted */
		else
			out += n;
	}
	if (s->net)
		say("session %u: the back-end went away after %" PRIu64
		    " frames came back, %u frames outstanding on TX, %u buffers posted on RX",
		    s->session, s->session_done, out, rx);
	else
		say("session %u: the back-end went away after %" PRIu64
		    " completions, %u requests outstanding",
		    s->session, s->session_done, out);
	if (out)
		s->kills_outstanding++;
	if (s->session > s->restarts)
		die("the back-end went away once more than the test's kills", ECONNRESET);
	s->session++;
	/*
	 * A connection can be reset during the set-up: the dying back-end's
	 * listening socket still took it, or the new one went too.  Again then,
	 * as a VMM's reconnect timer would.
	 */
	for (tries = 0;; tries++) {
		r = libvhost_frontend_reconnect(s->fe);
		if (r < 0)
			die("reconnect", r);
		r = session_start(s);
		if (r == 0)
			break;
		if (tries == 100)
			die("the session's set-up", r);
		say("session %u: the connection was lost during the set-up (%s): again",
		    s->session, strerror(-r));
		/* what a back-end that got as far as a ring did before it went */
		note_done(s, s->net ? net_reap(s) : blk_reap(s));
		s->setup_resets++;
		usleep(20000);
	}
}

/* Waits for a call or the back-end's end; returns true if the back-end went away. */
static bool wait_event(struct st *s)
{
	struct pollfd pfd[MAXQ + 1];
	unsigned int i;
	uint64_t v;

	for (i = 0; i < s->nrings; i++)
		pfd[i] = (struct pollfd){ s->r[i].call, POLLIN, 0 };
	pfd[i] = (struct pollfd){ libvhost_frontend_get_fd(s->fe), POLLIN | POLLRDHUP, 0 };
	if (poll(pfd, s->nrings + 1, 100) < 0 && errno != EINTR)
		die("poll", errno);
	for (i = 0; i < s->nrings; i++)
		if (pfd[i].revents)
			(void)!read(s->r[i].call, &v, sizeof(v));
	if (time(NULL) - s->last_progress > STALL_S) {
		say("FAIL: session %u: nothing completed for %d s", s->session, STALL_S);
		exit(1);
	}
	return pfd[s->nrings].revents != 0;
}

static void note_done(struct st *s, unsigned int n)
{
	if (!n)
		return;
	s->done += n;
	s->session_done += n;
	s->last_progress = time(NULL);
	if (s->session_done >= s->progress && s->session_done - n < s->progress)
		say("session %u: progress", s->session);
}

/* ---- blk ---- */

/* A block's history: its last few requests, submitted (W, R) and completed (w, r). */
static void note_hist(struct st *s, uint32_t block, char what, uint64_t seq, unsigned int q,
		      uint16_t pos)
{
	char *h = s->hist[block], e[48];
	size_t n = strlen(h), l;

	l = (size_t)snprintf(e, sizeof(e), " %c%" PRIu64 "@s%u/q%u/p%u", what, seq, s->session, q,
			     pos);
	while (n + l >= sizeof(s->hist[0])) { /* the oldest entries go */
		char *next = strchr(h + 1, ' ');

		memmove(h, next, strlen(next) + 1);
		n = strlen(h);
	}
	memcpy(h + n, e, l + 1);
}

static void blk_submit(struct st *s, unsigned int q, struct slot *sl, uint32_t type,
		       uint32_t block, uint64_t seq)
{
	struct iovec iov[3];
	uint64_t sector = htole64((uint64_t)block * (BLOCK / 512));
	uint32_t t = htole32(type);
	unsigned int n = 0, nout = 1, nin = 1;
	int r;

	memcpy(sl->hdr, &t, 4);
	memset(sl->hdr + 4, 0, 4);
	memcpy(sl->hdr + 8, &sector, 8);
	sl->hdr[16] = 0xff;
	iov[n++] = (struct iovec){ sl->hdr, 16 };
	if (type == BLK_T_OUT) {
		pattern(sl->data, block, seq);
		iov[n++] = (struct iovec){ sl->data, BLOCK };
		nout++;
	} else if (type == BLK_T_IN) {
		memset(sl->data, 0xa5, BLOCK);
		iov[n++] = (struct iovec){ sl->data, BLOCK };
		nin++;
	}
	iov[n++] = (struct iovec){ sl->hdr + 16, 1 };
	sl->type = type;
	sl->pos = s->pub[q]++;
	sl->block = block;
	sl->seq = seq;
	r = libvhost_vring_add(s->r[q].vr, iov, nout, nin, sl);
	if (r < 0)
		die("adding a request", r);
	sl->busy = true;
	sl->have_head = false;
	s->qbusy[q]++;
	if (type != BLK_T_FLUSH)
		note_hist(s, block, type == BLK_T_OUT ? 'W' : 'R', seq, q, sl->pos);
	if (type != BLK_T_FLUSH)
		s->bbusy[block] = true;
}

/* Publishes queue @q's new requests and notes their heads (as the avail ring has them). */
static void blk_kick(struct st *s, unsigned int q)
{
	uint64_t avail;
	unsigned int j;

	libvhost_vring_kick(s->r[q].vr);
	libvhost_vring_get_addrs(s->r[q].vr, 1, NULL, &avail, NULL);
	for (j = 0; j < s->depth; j++) {
		struct slot *sl = &s->slots[q * s->depth + j];
		uint16_t h;

		if (!sl->busy || sl->have_head)
			continue;
		memcpy(&h, s->base + avail + 4 + 2 * (sl->pos % RING), 2);
		sl->head = le16toh(h);
		sl->have_head = true;
	}
}

static void blk_fill(struct st *s)
{
	unsigned int q, j, tries;

	for (q = 0; q < s->nq; q++) {
		bool added = false;

		for (j = 0; j < s->depth; j++) {
			struct slot *sl = &s->slots[q * s->depth + j];
			uint32_t block = 0;

			if (sl->busy)
				continue;
			for (tries = 0; tries < 16; tries++) {
				block = (uint32_t)(next_rand(&s->rnd) % NBLOCKS);
				if (!s->bbusy[block])
					break;
			}
			if (tries == 16)
				break;
			if (next_rand(&s->rnd) & 1)
				blk_submit(s, q, sl, BLK_T_OUT, block, ++s->seq);
			else
				blk_submit(s, q, sl, BLK_T_IN, block, s->last[block]);
			added = true;
		}
		if (added)
			blk_kick(s, q);
	}
}

static void blk_complete(struct st *s, struct slot *sl)
{
	uint8_t want[BLOCK];

	if (!sl->busy) {
		say("FAIL: a request came back twice (block %u)", sl->block);
		exit(1);
	}
	sl->busy = false;
	if (sl->type != BLK_T_FLUSH) {
		s->bbusy[sl->block] = false;
		note_hist(s, sl->block, sl->type == BLK_T_OUT ? 'w' : 'r', sl->seq, 9, sl->pos);
	}
	if (sl->hdr[16] != 0) {
		say("FAIL: session %u: %s of block %u failed with status %u", s->session,
		    sl->type == BLK_T_OUT ? "write" : sl->type == BLK_T_IN ? "read" : "flush",
		    sl->block, sl->hdr[16]);
		s->errors++;
		return;
	}
	if (sl->type == BLK_T_OUT) {
		if (sl->seq > s->last[sl->block])
			s->last[sl->block] = sl->seq;
		s->writes++;
	} else if (sl->type == BLK_T_IN) {
		pattern(want, sl->block, sl->seq);
		if (memcmp(want, sl->data, BLOCK)) {
			explain("read", sl->data, sl->block, sl->seq);
			s->errors++;
		}
		s->reads++;
	}
}

static unsigned int blk_reap(struct st *s)
{
	unsigned int q, n = 0;
	void *tok;
	uint32_t len;
	int r;

	for (q = 0; q < s->nq; q++) {
		while ((r = libvhost_vring_get_used(s->r[q].vr, &tok, &len)) == 1) {
			blk_complete(s, tok);
			s->qbusy[q]--;
			n++;
		}
		if (r < 0)
			die("a used buffer", r);
	}
	return n;
}

/* Until nothing is in flight; the back-end may not go away now. */
static void blk_drain(struct st *s)
{
	unsigned int q, busy;

	for (;;) {
		note_done(s, blk_reap(s));
		for (q = 0, busy = 0; q < s->nq; q++)
			busy += s->qbusy[q];
		if (!busy)
			return;
		if (wait_event(s))
			die("the back-end went away at the end", ECONNRESET);
	}
}

static void blk_final(struct st *s)
{
	uint8_t want[BLOCK], got[BLOCK];
	struct slot *sl = &s->slots[0];
	unsigned int b, bad = 0, written = 0;
	int fd;

	blk_drain(s);
	if (s->features & BLK_F_FLUSH) {
		blk_submit(s, 0, sl, BLK_T_FLUSH, 0, 0);
		blk_kick(s, 0);
		blk_drain(s);
	}
	/* every block through the device: its last completed write, or zeroes */
	for (b = 0; b < NBLOCKS; b++) {
		blk_submit(s, 0, sl, BLK_T_IN, b, s->last[b]);
		blk_kick(s, 0);
		blk_drain(s);
		written += s->last[b] != 0;
	}
	if (s->image) {
		fd = open(s->image, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(s->image, errno);
		for (b = 0; b < NBLOCKS; b++) {
			if (pread(fd, got, BLOCK, (off_t)b * BLOCK) != (ssize_t)BLOCK)
				die("reading the image", EIO);
			pattern(want, b, s->last[b]);
			if (memcmp(want, got, BLOCK)) {
				explain("image file", got, b, s->last[b]);
				bad++;
			}
		}
		close(fd);
		if (bad)
			say("FAIL: %u blocks of the image file are not their last completed write",
			    bad);
		else
			say("image file: all %u blocks hold their last completed write (%u written)",
			    NBLOCKS, written);
	}
	s->errors += bad;
}

/* ---- net ---- */

static void net_frame(struct st *s, uint8_t *f, uint32_t seq)
{
	uint8_t *e = f + NET_HDR, *pl = e + 14;
	uint32_t v = htole32(seq), sum;
	unsigned int i;

	memset(f, 0, NET_HDR);
	memset(e, 0xff, 6); /* broadcast */
	memcpy(e + 6, "\x52\x54\x00\xab\xcd\xef", 6);
	e[12] = 0x88;
	e[13] = 0xb5; /* local experimental ethertype */
	memcpy(pl, "lvh-restart", 12);
	memcpy(pl + 12, &v, 4);
	for (i = 20; i < NET_FRAME - 14; i++)
		pl[i] = (uint8_t)(seq * 13 + i);
	sum = htole32((uint32_t)fnv(pl, 16) ^ (uint32_t)fnv(pl + 20, NET_FRAME - 14 - 20));
	memcpy(pl + 16, &sum, 4);
	(void)s;
}

/* A frame that came back: 1 ours and intact, 0 not ours, -1 ours but damaged. */
static int net_check(const uint8_t *f, uint32_t len, uint32_t *seq)
{
	const uint8_t *pl = f + NET_HDR + 14;
	uint32_t v, sum;

	if (len < NET_HDR + NET_FRAME || memcmp(pl, "lvh-restart", 12))
		return 0;
	memcpy(&v, pl + 12, 4);
	memcpy(&sum, pl + 16, 4);
	*seq = le32toh(v);
	if (le32toh(sum) != ((uint32_t)fnv(pl, 16) ^ (uint32_t)fnv(pl + 20, NET_FRAME - 14 - 20)))
		return -1;
	return 1;
}

static void net_fill(struct st *s)
{
	unsigned int i;
	bool added = false;

	for (i = 0; i < RING && s->tx_out < NET_WINDOW && s->sent < NET_MAXSEQ; i++) {
		uint8_t *f = s->txbuf + i * 128;
		struct iovec iov = { f, NET_HDR + NET_FRAME };
		int r;

		if (s->txbusy[i])
			continue;
		net_frame(s, f, (uint32_t)s->sent);
		r = libvhost_vring_add(s->r[1].vr, &iov, 1, 0, (void *)(uintptr_t)(i + 1));
		if (r < 0)
			die("adding a frame", r);
		s->txbusy[i] = true;
		s->tx_out++;
		s->sent++;
		added = true;
	}
	if (added)
		libvhost_vring_kick(s->r[1].vr);
}

static unsigned int net_reap(struct st *s)
{
	unsigned int n = 0;
	void *tok;
	uint32_t len, seq;
	int r;

	while ((r = libvhost_vring_get_used(s->r[1].vr, &tok, &len)) == 1) {
		uintptr_t i = (uintptr_t)tok - 1;

		if (i >= RING || !s->txbusy[i]) {
			say("FAIL: a frame came back twice from the TX ring");
			exit(1);
		}
		s->txbusy[i] = false;
		s->tx_out--;
	}
	if (r < 0)
		die("a used TX buffer", r);
	while ((r = libvhost_vring_get_used(s->r[0].vr, &tok, &len)) == 1) {
		uint8_t *b = tok;
		struct iovec iov = { b, NET_RXBUF };

		switch (net_check(b, len, &seq)) {
		case 1:
			if (seq >= s->sent) {
				say("FAIL: frame %u came back before it was sent", seq);
				s->errors++;
			} else if (s->seen[seq]++) {
				s->dups++;
			} else {
				s->back++;
				if (seq >= s->session_first)
					n++;
			}
			break;
		case -1:
			say("FAIL: frame %u came back damaged", seq);
			s->errors++;
			break;
		default:
			break;
		}
		memset(b, 0, NET_HDR + NET_FRAME);
		r = libvhost_vring_add(s->r[0].vr, &iov, 0, 1, b);
		if (r < 0)
			die("reposting an RX buffer", r);
	}
	if (r < 0)
		die("a used RX buffer", r);
	libvhost_vring_kick(s->r[0].vr);
	return n;
}

/* ---- set-up and main loop ---- */

static void setup(struct st *s)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .connect_retries = 600,
		      .retry_interval_ms = 50, .timeout_ms = 10000);
	uint64_t off;
	unsigned int i;
	void *p = NULL;
	int r;

	if (libvhost_ctx_new(NULL, &s->ctx) < 0)
		exit(1);
	r = libvhost_frontend_connect(s->ctx, s->path, &fo, &s->fe);
	if (r < 0)
		die("connect", r);
	s->dev = libvhost_frontend_get_dev(s->fe);
	s->nrings = s->net ? 2 : s->nq;
	s->memsize = 8u << 20;
	r = libvhost_mem_new(s->ctx, &s->mem);
	if (r == 0)
		r = libvhost_mem_alloc(s->mem, 0, s->memsize, NULL, &p);
	if (r < 0)
		die("guest memory", r);
	s->base = p;
	off = MAXQ * RING_AREA;
	if (s->net) {
		s->txbuf = s->base + off;
		s->rxbuf = s->txbuf + RING * 128;
		s->seen = calloc(NET_MAXSEQ, 1);
		if (!s->seen)
			die("memory", ENOMEM);
	} else {
		s->slots = calloc((size_t)s->nq * s->depth, sizeof(*s->slots));
		s->qbusy = calloc(s->nq, sizeof(*s->qbusy));
		s->last = calloc(NBLOCKS, sizeof(*s->last));
		s->bbusy = calloc(NBLOCKS, sizeof(*s->bbusy));
		s->hist = calloc(NBLOCKS, sizeof(*s->hist));
		s_hist = s->hist;
		if (!s->slots || !s->qbusy || !s->last || !s->bbusy || !s->hist)
			die("memory", ENOMEM);
		for (i = 0; i < s->nq * s->depth; i++) {
			s->slots[i].hdr = s->base + off;
			s->slots[i].data = s->base + off + 64;
			off += BLOCK + 4096;
		}
		if (off > s->memsize)
			die("too many slots for the guest memory", ENOSPC);
	}
	s->session = 1;
	r = session_start(s);
	if (r < 0)
		die("the first session's set-up", r);
	if (s->net) {
		for (i = 0; i < NET_NRX; i++) {
			struct iovec iov = { s->rxbuf + i * NET_RXBUF, NET_RXBUF };

			r = libvhost_vring_add(s->r[0].vr, &iov, 0, 1, s->rxbuf + i * NET_RXBUF);
			if (r < 0)
				die("posting RX buffers", r);
		}
		libvhost_vring_kick(s->r[0].vr);
	}
}

static void teardown(struct st *s)
{
	unsigned int i;

	for (i = 0; i < s->nrings; i++) {
		libvhost_vring_unref(s->r[i].vr);
		close(s->r[i].kick);
		close(s->r[i].call);
	}
	if (s->ifl_fd >= 0)
		close(s->ifl_fd);
	libvhost_frontend_unref(s->fe);
	libvhost_mem_unref(s->mem);
	libvhost_ctx_unref(s->ctx);
	free(s->slots);
	free(s->qbusy);
	free(s->last);
	free(s->bbusy);
	free(s->hist);
	free(s->seen);
}

static void usage(void)
{
	fprintf(stderr, "usage: fe-restart blk|net --socket PATH --restarts N [--progress M] "
			"[--queues Q] [--depth D] [--inflight] [--image FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "restarts", required_argument, NULL, 'n' },
		{ "progress", required_argument, NULL, 'p' },
		{ "queues", required_argument, NULL, 'q' },
		{ "depth", required_argument, NULL, 'd' },
		{ "inflight", no_argument, NULL, 'i' },
		{ "image", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct st s = { .nq = 1, .depth = 16, .progress = 2000, .ifl_fd = -1, .rnd = 88172645463325252ull };
	bool restarts_given = false;
	unsigned long v;
	char *end;
	int c;

	if (argc < 2 || (strcmp(argv[1], "blk") && strcmp(argv[1], "net")))
		usage();
	s.net = !strcmp(argv[1], "net");
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			s.path = optarg;
			break;
		case 'i':
			s.inflight = true;
			break;
		case 'm':
			s.image = optarg;
			break;
		case 'n':
		case 'p':
		case 'q':
		case 'd':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || v > 1000000)
				usage();
			if (c == 'n') {
				s.restarts = (unsigned int)v;
				restarts_given = true;
			} else if (c == 'p' && v) {
				s.progress = (unsigned int)v;
			} else if (c == 'q' && v && v <= MAXQ) {
				s.nq = (unsigned int)v;
			} else if (c == 'd' && v && v <= MAXDEPTH) {
				s.depth = (unsigned int)v;
			} else {
				usage();
			}
			break;
		default:
			usage();
		}
	}
	if (!s.path || !restarts_given || optind < argc || (s.net && (s.inflight || s.image)))
		usage();
	setup(&s);
	for (;;) {
		unsigned int n;

		if (s.net) {
			net_fill(&s);
			n = net_reap(&s);
		} else {
			blk_fill(&s);
			n = blk_reap(&s);
		}
		note_done(&s, n);
		if (s.session > s.restarts && s.session_done >= s.progress)
			break;
		if (!n && wait_event(&s)) {
			/* what the old back-end finished before it went is taken first */
			note_done(&s, s.net ? net_reap(&s) : blk_reap(&s));
			session_lost(&s);
		}
	}
	if (s.net) {
		/* every frame we sent was taken (the ones in flight at a kill again) */
		while (s.tx_out) {
			note_done(&s, net_reap(&s));
			if (s.tx_out && wait_event(&s))
				die("the back-end went away at the end", ECONNRESET);
		}
		if (s.back < (uint64_t)s.progress * (s.restarts + 1))
			s.errors++;
		say("%s: %u restarts (%u with frames outstanding on TX), %" PRIu64
		    " buffers taken again, %" PRIu64 " frames sent, %" PRIu64
		    " came back (%" PRIu64 " twice), %" PRIu64 " errors",
		    s.errors ? "FAIL" : "pass", s.restarts, s.kills_outstanding, s.resubmitted,
		    s.sent, s.back, s.dups, s.errors);
	} else {
		blk_final(&s);
		say("%s: %u restarts (%u with requests outstanding), %" PRIu64
		    " requests taken again (%u windows reordered), %" PRIu64 " writes and %" PRIu64
		    " reads verified, %" PRIu64 " errors",
		    s.errors ? "FAIL" : "pass", s.restarts, s.kills_outstanding, s.resubmitted,
		    s.rewritten, s.writes, s.reads, s.errors);
	}
	teardown(&s);
	return s.errors ? 1 : 0;
}
