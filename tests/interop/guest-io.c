/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest's verifying I/O load (built static, run in a busybox initramfs):
 *
 *   guest-io [--workers=N] [--seconds=S] [--stop=PATH] [--progress=N]
 *            [--realloc=N] [--high=ADDR] [--sink=MIB] DEVICE
 *   guest-io --net=IF [--flows=N] [--strict] [--seconds=S]
 *   guest-io --check-image=FILE
 *
 * Workers (threads, spread over the CPUs so that each CPU's queue of a
 * multi-queue device is used) each keep one O_DIRECT request of a 4 KiB
 * block in flight: a write of a block image, or a read that must return
 * what the last completed write of that block put there (or zeros, for a
 * block never written; the device starts zeroed).  Block b belongs to
 * worker b % N, so a block never has two requests at once and the record of
 * its last completed write (a per-block sequence number) is exact.  A block
 * image is a header (magic, block number, sequence number), bytes from a
 * generator seeded by both numbers, and a checksum of all that: it can be
 * recomputed from the two numbers alone.
 *
 * Runs until S seconds passed or a byte can be read from PATH (a tty: a
 * line), then reads every block back and verifies it, and prints
 *   guest-io: writes W reads R errors E
 *   guest-io: map written B hash H
 * where the map line says which sequence number each block holds (B blocks
 * written, H a hash of every (block, sequence number)).  --check-image, run
 * on the host against the image file after the guest powered off, checks
 * that every block is zero or a whole block image of its own number and
 * prints the map line of what the file holds: the same line means every
 * write the guest completed reached the image, and no other did.
 *
 * --progress=N prints "guest-io: progress writes W reads R errors E" every
 * N completed requests.  --realloc=N gives a worker a fresh buffer every N
 * requests (so buffers can come from memory onlined meanwhile); --high=ADDR
 * counts requests whose buffer lies at guest-physical ADDR or above (read
 * from /proc/self/pagemap) and prints "guest-io: high requests K".
 * --sink and --net: see sink() and net_main() below.
 * Exit status: 0 when no error was seen, 1 otherwise, 2 for bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 4096u
#define MAGIC 0x31304f4947484c56ull /* "LVHGIO01" */
#define MAX_WORKERS 64

struct block_hdr {
	uint64_t magic;
	uint64_t block;
	uint64_t seq;
};

static int dev_fd = -1;
static uint64_t nblocks;
static uint32_t *rec; /* per block: the sequence number of its last completed write */
static unsigned int workers = 4;
static unsigned long progress;
static unsigned long realloc_every;
static uint64_t high_addr;
static int pagemap_fd = -1;
static volatile int stop;
static unsigned long n_writes, n_reads, n_errors, n_done, n_high;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	fputs("guest-io: ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ull;
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ull

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* The image of block b after its write number seq (seq 0: zeros). */
static void fill(unsigned char *buf, uint64_t b, uint64_t seq)
{
	struct block_hdr h = { MAGIC, b, seq };
	uint64_t s = (b + 1) * 0x9e3779b97f4a7c15ull ^ (seq + 1) * 0xbf58476d1ce4e5b9ull;
	uint64_t v, sum;
	size_t i;

	if (seq == 0) {
		memset(buf, 0, BLOCK);
		return;
	}
	memcpy(buf, &h, sizeof(h));
	for (i = sizeof(h); i < BLOCK - 8; i += 8) {
		v = xorshift(&s);
		memcpy(buf + i, &v, 8);
	}
	sum = fnv(FNV_INIT, buf, BLOCK - 8);
	memcpy(buf + BLOCK - 8, &sum, 8);
}

static bool is_zero(const unsigned char *buf)
{
	size_t i;

	for (i = 0; i < BLOCK; i++)
		if (buf[i])
			return false;
	return true;
}

/* What a block holds: its sequence number, 0 for zeros, -1 for neither. */
static int64_t block_seq(const unsigned char *buf, uint64_t b, unsigned char *scratch)
{
	struct block_hdr h;

	if (is_zero(buf))
		return 0;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != MAGIC || h.block != b || h.seq == 0 || h.seq > UINT32_MAX)
		return -1;
	fill(scratch, b, h.seq);
	return memcmp(buf, scratch, BLOCK) ? -1 : (int64_t)h.seq;
}

static void map_line(uint64_t (*seq_of)(uint64_t))
{
	uint64_t h = FNV_INIT, written = 0, b, s;

	for (b = 0; b < nblocks; b++) {
		s = seq_of(b);
		if (!s)
			continue;
		written++;
		h = fnv(h, &b, sizeof(b));
		h = fnv(h, &s, sizeof(s));
	}
	say("map written %" PRIu64 " hash %016" PRIx64, written, h);
}

static uint64_t rec_seq(uint64_t b)
{
	return rec[b];
}

static void *buffer(void)
{
	void *p = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Whether the page at p lies at high_addr or above, guest-physically. */
static bool is_high(const void *p)
{
	uint64_t e;

	if (pagemap_fd < 0 ||
	    pread(pagemap_fd, &e, sizeof(e), (off_t)((uintptr_t)p / BLOCK * sizeof(e))) != sizeof(e))
		return false;
	if (!(e & (1ull << 63)))
		return false;
	return (e & ((1ull << 55) - 1)) * BLOCK >= high_addr;
}

static void error_at(uint64_t b, const char *what, uint64_t want, int64_t got)
{
	__atomic_add_fetch(&n_errors, 1, __ATOMIC_RELAXED);
	say("ERROR block %" PRIu64 ": %s (last completed write %" PRIu64 ", found %" PRId64 ")", b, what,
	    want, got);
}

/* Reads block b and checks it against its record; false on an error. */
static bool check(unsigned char *buf, unsigned char *want, unsigned char *scratch, uint64_t b)
{
	ssize_t r = pread(dev_fd, buf, BLOCK, (off_t)(b * BLOCK));

	if (r != (ssize_t)BLOCK) {
		__atomic_add_fetch(&n_errors, 1, __ATOMIC_RELAXED);
		say("ERROR block %" PRIu64 ": read: %s", b, r < 0 ? strerror(errno) : "short");
		return false;
	}
	fill(want, b, rec[b]);
	if (memcmp(buf, want, BLOCK)) {
		error_at(b, "read back something else", rec[b], block_seq(buf, b, scratch));
		return false;
	}
	return true;
}

static void done(bool wrote)
{
	unsigned long n;

	__atomic_add_fetch(wrote ? &n_writes : &n_reads, 1, __ATOMIC_RELAXED);
	n = __atomic_add_fetch(&n_done, 1, __ATOMIC_RELAXED);
	if (progress && n % progress == 0)
		say("progress writes %lu reads %lu errors %lu", __atomic_load_n(&n_writes, __ATOMIC_RELAXED),
		    __atomic_load_n(&n_reads, __ATOMIC_RELAXED),
		    __atomic_load_n(&n_errors, __ATOMIC_RELAXED));
}

/* The calling thread onto CPU i (modulo their number). */
static void pin(unsigned int i)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t cpus;

	if (ncpu <= 0)
		return;
	CPU_ZERO(&cpus);
	CPU_SET(i % (unsigned long)ncpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
}

struct worker {
	pthread_t thread;
	unsigned int index;
	bool final; /* the last pass: every block of this worker read once */
};

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t s = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull + w->index * 7919 + 1;
	uint64_t mine = (nblocks - w->index + workers - 1) / workers, b, i;
	unsigned char *buf = buffer(), *want = malloc(BLOCK), *scratch = malloc(BLOCK);
	unsigned long n = 0;
	ssize_t r;

	pin(w->index);
	if (!buf || !want || !scratch) {
		__atomic_add_fetch(&n_errors, 1, __ATOMIC_RELAXED);
		say("ERROR worker %u: out of memory", w->index);
		return NULL;
	}
	if (w->final) {
		for (i = 0; i < mine; i++)
			check(buf, want, scratch, w->index + i * workers);
		goto out;
	}
	while (!stop && mine) {
		if (realloc_every && n && n % realloc_every == 0) {
			unsigned char *fresh = buffer();

			if (fresh) {
				munmap(buf, BLOCK);
				buf = fresh;
			}
		}
		n++;
		b = w->index + xorshift(&s) % mine * workers;
		if (high_addr && is_high(buf))
			__atomic_add_fetch(&n_high, 1, __ATOMIC_RELAXED);
		if (xorshift(&s) & 1) {
			fill(buf, b, rec[b] + 1);
			r = pwrite(dev_fd, buf, BLOCK, (off_t)(b * BLOCK));
			if (r != (ssize_t)BLOCK) {
				/* the block holds either image now: the run has failed anyway */
				__atomic_add_fetch(&n_errors, 1, __ATOMIC_RELAXED);
				say("ERROR block %" PRIu64 ": write: %s", b, r < 0 ? strerror(errno) : "short");
				continue;
			}
			rec[b]++;
			done(true);
		} else {
			check(buf, want, scratch, b);
			done(false);
		}
	}
out:
	munmap(buf, BLOCK);
	free(want);
	free(scratch);
	return NULL;
}

static void *watch_stop(void *arg)
{
	const char *path = arg;
	struct termios t;
	char c;
	int fd = open(path, O_RDONLY | O_NOCTTY);

	if (fd < 0) {
		say("ERROR %s: %s", path, strerror(errno));
		return NULL;
	}
	if (tcgetattr(fd, &t) == 0) {
		t.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSANOW, &t);
	}
	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r == 1)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			/* a regular file: stop once it is not empty */
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			lseek(fd, 0, SEEK_SET);
			continue;
		}
		say("ERROR %s: %s", path, strerror(errno));
		break;
	}
	stop = 1;
	close(fd);
	return NULL;
}

/*
 * --sink=M: one thread reads the device, 1 MiB at a time, into one M MiB
 * buffer, over and over.  The CPU never writes that buffer after it was
 * populated: on a migration source only the back-end's dirty log marks its
 * pages, and on a postcopy destination they are still on the source when
 * the back-end first writes them (so it faults on them).
 */
#define SINK_CHUNK (1u << 20)

static unsigned long sink_mib, n_sink;

static void *sink(void *arg)
{
	size_t len = (size_t)sink_mib << 20, off = 0;
	unsigned char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	uint64_t s = 0x2545f4914f6cdd1dull, chunks = nblocks * BLOCK / SINK_CHUNK;
	ssize_t r;

	(void)arg;
	if (buf == MAP_FAILED || !chunks) {
		__atomic_add_fetch(&n_errors, 1, __ATOMIC_RELAXED);
		say("ERROR sink: %s", buf == MAP_FAILED ? strerror(errno) : "device under 1 MiB");
		return NULL;
	}
	while (!stop) {
		r = pread(dev_fd, buf + off, SINK_CHUNK, (off_t)(xorshift(&s) % chunks * SINK_CHUNK));
		if (r != (ssize_t)SINK_CHUNK) {
			__atomic_add_fetch(&n_errors, 1, __ATOMIC_RELAXED);
			say("ERROR sink: read: %s", r < 0 ? strerror(errno) : "short");
			break;
		}
		n_sink++;
		off = (off + SINK_CHUNK) % len;
	}
	munmap(buf, len);
	return NULL;
}

/*
 * --net=IF: frames of a local experimental ethertype, each carrying its flow,
 * a sequence number and a checksum, sent on IF and expected back (the
 * echo back-end returns them).  Flow i is sent by a thread on CPU i, so
 * with XPS set a flow keeps to one queue pair, and its frames must come
 * back in order.  A frame that comes back changed, or behind a later one of
 * its flow, is an error; one that never comes back is counted lost; one
 * that comes back again (a back-end restarted after echoing it but before
 * marking it used sends it again) is counted repeated, an error with
 * --strict.  At most NET_WINDOW frames of a flow are out at once; when none
 * came back for 200 ms one more goes out, so the stream resumes after
 * frames were dropped.  Prints "guest-io: net sent S received R lost L
 * repeated D errors E" every second and once more when stopped.
 */
#define NET_TYPE 0x88b5 /* IEEE 802: local experimental ethertype 1 */
#define NET_MAGIC 0x31304e4947484c56ull /* "LVHGIN01" */
#define NET_HDR 14u
#define NET_MIN 64u
#define NET_MAX 1400u
#define NET_WINDOW 32u
#define MAX_FLOWS 16u

struct net_hdr {
	uint64_t magic;
	uint64_t seq;
	uint32_t flow;
	uint32_t len; /* the whole frame's */
};

static struct {
	uint64_t sent, last; /* last: the highest sequence number that came back */
} flow[MAX_FLOWS];
static unsigned int flows = 1;
static int net_ifindex;
static unsigned char net_mac[6];
static bool net_strict;
static unsigned long net_rx, net_lost, net_repeated;

/* Frame seq of flow fl into f; returns its length. */
static size_t net_frame(unsigned char *f, unsigned int fl, uint64_t seq)
{
	struct net_hdr h = { NET_MAGIC, seq, fl, 0 };
	uint64_t s = (fl + 1) * 0x9e3779b97f4a7c15ull ^ seq * 0xbf58476d1ce4e5b9ull, v, sum;
	size_t len = NET_MIN + 8 * (seq * 7 % ((NET_MAX - NET_MIN) / 8)), i;

	h.len = (uint32_t)len;
	memcpy(f, net_mac, 6);
	memcpy(f + 6, net_mac, 6);
	f[12] = NET_TYPE >> 8;
	f[13] = NET_TYPE & 0xff;
	memcpy(f + NET_HDR, &h, sizeof(h));
	for (i = NET_HDR + sizeof(h); i < len - 8; i += 8) {
		v = xorshift(&s);
		memcpy(f + i, &v, 8);
	}
	sum = fnv(FNV_INIT, f, len - 8);
	memcpy(f + len - 8, &sum, 8);
	return len;
}

static int net_socket(void)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(NET_TYPE),
				 .sll_ifindex = net_ifindex };
	int fd = socket(AF_PACKET, SOCK_RAW, htons(NET_TYPE));

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		say("ERROR net: socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void *net_send(void *arg)
{
	unsigned int fl = (unsigned int)(uintptr_t)arg;
	struct timespec pause = { 0, 500 * 1000 };
	unsigned char f[NET_MAX];
	uint64_t last_sent = 0, out;
	int fd;
	size_t len;

	pin(fl);
	fd = net_socket();
	if (fd < 0) {
		__atomic_add_fetch(&n_errors, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	while (!stop) {
		out = flow[fl].sent - __atomic_load_n(&flow[fl].last, __ATOMIC_ACQUIRE);
		if (out < NET_WINDOW || now_ms() - last_sent >= 200) {
			/* counted before it goes: it can come back before send() returns */
			len = net_frame(f, fl, flow[fl].sent + 1);
			__atomic_store_n(&flow[fl].sent, flow[fl].sent + 1, __ATOMIC_RELEASE);
			send(fd, f, len, 0); /* a frame that did not go is lost */
			last_sent = now_ms();
		}
		nanosleep(&pause, NULL);
	}
	close(fd);
	return NULL;
}

static void net_error(unsigned int fl, uint64_t seq, const char *what)
{
	/* the first few said, all counted */
	if (__atomic_add_fetch(&n_errors, 1, __ATOMIC_RELAXED) <= 20)
		say("ERROR net flow %u frame %" PRIu64 ": %s", fl, seq, what);
}

static void *net_recv(void *arg)
{
	struct timeval tv = { 0, 200 * 1000 };
	unsigned char f[2048], want[NET_MAX];
	struct sockaddr_ll from;
	socklen_t fl_len;
	struct net_hdr h;
	uint64_t last;
	ssize_t r;
	int fd = *(int *)arg;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!stop) {
		fl_len = sizeof(from);
		r = recvfrom(fd, f, sizeof(f), MSG_TRUNC, (struct sockaddr *)&from, &fl_len);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			__atomic_add_fetch(&n_errors, 1, __ATOMIC_RELAXED);
			say("ERROR net: receive: %s", strerror(errno));
			break;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)r < NET_HDR + sizeof(h) + 8 || (size_t)r > NET_MAX) {
			net_error(0, 0, "a frame of a length no sender uses");
			continue;
		}
		memcpy(&h, f + NET_HDR, sizeof(h));
		if (h.magic != NET_MAGIC || h.flow >= flows || h.len != (size_t)r || !h.seq ||
		    h.seq > __atomic_load_n(&flow[h.flow].sent, __ATOMIC_ACQUIRE)) {
			net_error(h.flow, h.seq, "a header no sender wrote");
			continue;
		}
		if (net_frame(want, h.flow, h.seq) != (size_t)r || memcmp(f, want, (size_t)r)) {
			net_error(h.flow, h.seq, "came back changed");
			continue;
		}
		net_rx++;
		last = flow[h.flow].last;
		if (h.seq > last) {
			net_lost += h.seq - last - 1;
			__atomic_store_n(&flow[h.flow].last, h.seq, __ATOMIC_RELEASE);
		} else if (net_strict) {
			net_error(h.flow, h.seq, "came back again, or behind a later frame");
		} else {
			net_repeated++;
		}
	}
	return NULL;
}

static void net_line(const char *what)
{
	uint64_t sent = 0;
	unsigned int i;

	for (i = 0; i < flows; i++)
		sent += __atomic_load_n(&flow[i].sent, __ATOMIC_ACQUIRE);
	say("net %ssent %" PRIu64 " received %lu lost %lu repeated %lu errors %lu", what, sent, net_rx,
	    net_lost, net_repeated, __atomic_load_n(&n_errors, __ATOMIC_RELAXED));
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int net_main(const char *ifname, unsigned long seconds)
{
	pthread_t tx[MAX_FLOWS], rx;
	struct ifreq ifr = { 0 };
	uint64_t t0 = now_ms(), next = t0 + 1000;
	unsigned int i;
	int fd;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return 2;
	strcpy(ifr.ifr_name, ifname);
	fd = socket(AF_PACKET, SOCK_RAW, htons(NET_TYPE));
	if (fd < 0 || ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		say("ERROR net: %s: %s", ifname, strerror(errno));
		return 1;
	}
	net_ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		say("ERROR net: %s: %s", ifname, strerror(errno));
		return 1;
	}
	memcpy(net_mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	fd = net_socket();
	if (fd < 0)
		return 1;
	signal(SIGTERM, on_term);
	say("net start flows %u on %s", flows, ifname);
	if (pthread_create(&rx, NULL, net_recv, &fd))
		return 1;
	for (i = 0; i < flows; i++)
		if (pthread_create(&tx[i], NULL, net_send, (void *)(uintptr_t)i))
			return 1;
	while (!stop) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (now_ms() >= next) {
			net_line("");
			next += 1000;
		}
		if (seconds && now_ms() - t0 >= seconds * 1000)
			stop = 1;
	}
	for (i = 0; i < flows; i++)
		pthread_join(tx[i], NULL);
	pthread_join(rx, NULL);
	net_line("stopped: ");
	return n_errors ? 1 : 0;
}

static uint32_t *file_rec;

static uint64_t file_rec_seq(uint64_t b)
{
	return file_rec[b];
}

static int check_image(const char *path)
{
	unsigned char *buf = malloc(BLOCK), *scratch = malloc(BLOCK);
	unsigned long bad = 0;
	struct stat st;
	int64_t s;
	uint64_t b;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0 || !buf || !scratch) {
		fprintf(stderr, "guest-io: %s: %s\n", path, strerror(errno));
		return 1;
	}
	nblocks = (uint64_t)st.st_size / BLOCK;
	file_rec = calloc(nblocks ? nblocks : 1, sizeof(*file_rec));
	if (!file_rec)
		return 1;
	for (b = 0; b < nblocks; b++) {
		if (pread(fd, buf, BLOCK, (off_t)(b * BLOCK)) != (ssize_t)BLOCK) {
			fprintf(stderr, "guest-io: %s: short read\n", path);
			return 1;
		}
		s = block_seq(buf, b, scratch);
		if (s < 0) {
			if (bad++ < 10)
				say("ERROR block %" PRIu64 " of the image is neither zeros nor its own image", b);
			continue;
		}
		file_rec[b] = (uint32_t)s;
	}
	map_line(file_rec_seq);
	if (bad)
		say("ERROR %lu bad blocks in the image", bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workers", required_argument, NULL, 'w' },
		{ "seconds", required_argument, NULL, 's' },
		{ "stop", required_argument, NULL, 'S' },
		{ "progress", required_argument, NULL, 'p' },
		{ "realloc", required_argument, NULL, 'r' },
		{ "high", required_argument, NULL, 'h' },
		{ "check-image", required_argument, NULL, 'c' },
		{ "sink", required_argument, NULL, 'k' },
		{ "net", required_argument, NULL, 'n' },
		{ "flows", required_argument, NULL, 'f' },
		{ "strict", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct worker w[MAX_WORKERS];
	const char *stop_path = NULL, *net_if = NULL;
	unsigned long seconds = 0;
	pthread_t stopper, sinker;
	struct timespec t0, t;
	uint64_t size;
	unsigned int i;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			workers = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 's':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			stop_path = optarg;
			break;
		case 'p':
			progress = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			realloc_every = strtoul(optarg, NULL, 0);
			break;
		case 'h':
			high_addr = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			return check_image(optarg);
		case 'k':
			sink_mib = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			net_if = optarg;
			break;
		case 'f':
			flows = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'x':
			net_strict = true;
			break;
		default:
			goto usage;
		}
	}
	if (net_if) {
		if (optind != argc || flows == 0 || flows > MAX_FLOWS)
			goto usage;
		return net_main(net_if, seconds);
	}
	if (optind != argc - 1 || workers == 0 || sink_mib > 1024 || workers > MAX_WORKERS || (!seconds && !stop_path))
		goto usage;
	dev_fd = open(argv[optind], O_RDWR | O_DIRECT);
	if (dev_fd < 0 || ioctl(dev_fd, BLKGETSIZE64, &size) < 0) {
		say("ERROR %s: %s", argv[optind], strerror(errno));
		return 1;
	}
	nblocks = size / BLOCK;
	rec = calloc(nblocks ? nblocks : 1, sizeof(*rec));
	if (!rec || nblocks < workers) {
		say("ERROR %s: too small, or out of memory", argv[optind]);
		return 1;
	}
	if (high_addr) {
		pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
		if (pagemap_fd < 0)
			say("ERROR /proc/self/pagemap: %s", strerror(errno));
	}
	if (stop_path && pthread_create(&stopper, NULL, watch_stop, (void *)stop_path)) {
		say("ERROR cannot start a thread");
		return 1;
	}
	say("start workers %u blocks %" PRIu64 " cpus %ld", workers, nblocks,
	    sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 0; i < workers; i++) {
		w[i] = (struct worker){ .index = i };
		if (pthread_create(&w[i].thread, NULL, work, &w[i])) {
			say("ERROR cannot start a thread");
			return 1;
		}
	}
	if (sink_mib && pthread_create(&sinker, NULL, sink, NULL)) {
		say("ERROR cannot start a thread");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (seconds && (unsigned long)(t.tv_sec - t0.tv_sec) >= seconds)
			stop = 1;
	}
	for (i = 0; i < workers; i++)
		pthread_join(w[i].thread, NULL);
	if (sink_mib) {
		pthread_join(sinker, NULL);
		say("sink reads %lu", n_sink);
	}
	say("stopped: writes %lu reads %lu errors %lu; reading every block back", n_writes, n_reads,
	    n_errors);
	for (i = 0; i < workers; i++) {
		w[i] = (struct worker){ .index = i, .final = true };
		if (pthread_create(&w[i].thread, NULL, work, &w[i])) {
			say("ERROR cannot start a thread");
			return 1;
		}
	}
	for (i = 0; i < workers; i++)
		pthread_join(w[i].thread, NULL);
	if (fsync(dev_fd) < 0) {
		n_errors++;
		say("ERROR fsync: %s", strerror(errno));
	}
	if (high_addr)
		say("high requests %lu", n_high);
	say("writes %lu reads %lu errors %lu", n_writes, n_reads, n_errors);
	map_line(rec_seq);
	return n_errors ? 1 : 0;
usage:
	fprintf(stderr,
		"Usage: guest-io [--workers=N] [--seconds=S] [--stop=PATH] [--progress=N]\n"
		"                [--realloc=N] [--high=ADDR] [--sink=MIB] DEVICE\n"
		"       guest-io --net=IF [--flows=N] [--strict] [--seconds=S]\n"
		"       guest-io --check-image=FILE\n");
	return 2;
}
