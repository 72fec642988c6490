/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The anchor of the VDUSE work: vhost-user-blk --vduse against QEMU's own
 * VDUSE block server, qemu-storage-daemon's --export vduse-blk, in the same
 * guest kernel, on the same image file (tmpfs), with the same queue count
 * and size and 512-byte blocks, each added to the vdpa bus on virtio_vdpa.
 * On the /dev/vdX each one gives, O_DIRECT: sequential 1 MiB writes and
 * reads, random 4 KiB writes and reads, each for CELL_S seconds, in rounds
 * that alternate the two servers (ours, qsd, ours, qsd, ours: the host is
 * shared and moves vCPUs, so the runs are interleaved, and each server's
 * mean of its rounds is centred on the same moment: a steady drift of the
 * host's speed cancels out of the ratio).  Speed is printed,
 * as TAP comment lines, never asserted; what is asserted is correctness:
 * every byte written by one server reads back through the other's device
 * and is in the image file, both servers exit 0 on SIGTERM, and the
 * devices are gone after the vdpa bus lets them go.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm-tests.h"

#define QSD "/bin/qemu-storage-daemon"
#define TOOL "/bin/vhost-user-blk"
#define IMG "/tmp/vduse-bench.img"
#define IMG_SIZE (64u << 20)
#define BIG (1u << 20) /* the sequential cells' request, and the verification's */
#define SMALL 4096u /* the random cells' request */
#define SEQ_END (32u << 20) /* [0, SEQ_END): sequential cells; [SEQ_END, IMG_SIZE): random */
#define NBIG (SEQ_END / BIG)
#define NSMALL ((IMG_SIZE - SEQ_END) / SMALL)
#define QUEUE_SIZE "256" /* vhost-user-blk --vduse's (fixed); qsd's is set to it */
#define ROUNDS 5 /* ours, qsd, ours, qsd, ours: a drift of the host's speed cancels */
#define CELLS 4
#define CELL_S 1.5
#define DEADLINE_S 30

enum server { OURS, QSD_ };
static const char *const who[] = { "ours", "qsd" };
static const char *const cell_name[CELLS] = { "seq 1M write", "seq 1M read", "rand 4K write",
					      "rand 4K read" };

/*
 * What the image holds: the round that last wrote each 1 MiB chunk of the
 * sequential part and each 4 KiB block of the random part (0: never, zeros).
 * A write of round r is pat[r] with its first 8 bytes the stamp (index, r).
 */
static uint8_t seq_round[NBIG], rnd_round[NSMALL];
static uint8_t *pat[ROUNDS + 1];

/* MiB/s of each round's cells. */
static double fig[ROUNDS + 1][CELLS];

static void stamp(uint8_t *b, uint32_t idx, uint32_t round)
{
	memcpy(b, &idx, 4);
	memcpy(b + 4, &round, 4);
}

/* One piece of what was written: @n bytes at @b, index @idx, of round @r. */
static bool same(const uint8_t *b, size_t n, uint32_t idx, uint32_t r)
{
	uint8_t s[8];

	if (r == 0)
		return b[0] == 0 && !memcmp(b, b + 1, n - 1);
	stamp(s, idx, r);
	return !memcmp(b, s, 8) && !memcmp(b + 8, pat[r] + 8, n - 8);
}

/* The whole image read through @fd (@what: for the messages): true when it holds what was written. */
static bool verify(int fd, uint8_t *buf, const char *what)
{
	uint32_t c, k;

	for (c = 0; c < IMG_SIZE / BIG; c++) {
		if (pread(fd, buf, BIG, (off_t)c * BIG) != (ssize_t)BIG) {
			printf("# vduse-bench: %s: read at %u MiB: %s\n", what, c, strerror(errno));
			return false;
		}
		if (c < NBIG) {
			if (!same(buf, BIG, c, seq_round[c])) {
				printf("# vduse-bench: %s: 1 MiB chunk %u is not round %u's\n", what, c,
				       seq_round[c]);
				return false;
			}
			continue;
		}
		for (k = 0; k < BIG / SMALL; k++) {
			uint32_t b = (c - NBIG) * (BIG / SMALL) + k;

			if (!same(buf + k * SMALL, SMALL, b, rnd_round[b])) {
				printf("# vduse-bench: %s: 4 KiB block %u is not round %u's\n", what, b,
				       rnd_round[b]);
				return false;
			}
		}
	}
	return true;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Cell @cell of round @r for @srv on @fd (O_DIRECT): false when an I/O failed. */
static bool cell(int fd, int cell, uint32_t r, enum server srv, uint8_t *buf)
{
	const bool seq = cell < 2, wr = !(cell & 1);
	const size_t n = seq ? BIG : SMALL;
	uint32_t s = 0x9e3779b9u * r + (uint32_t)cell, i, idx;
	double t0 = vm_now(), t;
	uint64_t done = 0;

	if (wr)
		memcpy(buf, pat[r], n);
	for (i = 0;; i++) {
		ssize_t k;
		off_t off;

		idx = seq ? i % NBIG : rnd(&s) % NSMALL;
		off = seq ? (off_t)idx * BIG : (off_t)SEQ_END + (off_t)idx * SMALL;
		if (wr) {
			stamp(buf, idx, r);
			k = pwrite(fd, buf, n, off);
		} else {
			k = pread(fd, buf, n, off);
		}
		if (k != (ssize_t)n) {
			printf("# vduse-bench: %s %s: %s at %lld: %zd (%s)\n", who[srv], cell_name[cell],
			       wr ? "pwrite" : "pread", (long long)off, k, strerror(errno));
			return false;
		}
		if (wr) {
			if (seq)
				seq_round[idx] = (uint8_t)r;
			else
				rnd_round[idx] = (uint8_t)r;
		}
		done += n;
		t = vm_now() - t0;
		if (t >= CELL_S)
			break;
	}
	fig[r][cell] = (double)done / t / (1 << 20);
	return true;
}

/* The server of round @r started on IMG as VDUSE device @name: its pid, or -1 having said why. */
static pid_t start(enum server srv, const char *name, const char *logp)
{
	char opt[64], export[192], node[64];
	const char *ours[] = { TOOL, opt, "--blk-file=" IMG, NULL };
	const char *qsd[] = { QSD,
			      "--blockdev",
			      "driver=file,node-name=f,filename=" IMG ",cache.direct=off",
			      "--export",
			      export,
			      NULL };
	pid_t pid;
	int st;

	snprintf(opt, sizeof(opt), "--vduse=%s", name);
	snprintf(export, sizeof(export),
		 "type=vduse-blk,id=e,node-name=f,name=%s,num-queues=1,queue-size=" QUEUE_SIZE
		 ",logical-block-size=512,writable=on",
		 name);
	snprintf(node, sizeof(node), "/dev/vduse/%s", name);
	pid = vm_spawn(srv == OURS ? ours : qsd, logp);
	if (pid < 0) {
		result(false, "vduse bench: fork: %s", strerror(errno));
		return -1;
	}
	st = vm_wait_path(pid, node, NULL, DEADLINE_S);
	if (st != -1) {
		if (st == -2)
			vm_stop(pid, SIGKILL, DEADLINE_S);
		vm_show_log(logp, who[srv]);
		result(false, "vduse bench: %s made %s (%s %#x)", who[srv], node,
		       st == -2 ? "not in time" : "it ended", st);
		return -1;
	}
	return pid;
}

/*
 * VDUSE device @name of server @pid onto the vdpa bus, bound to virtio_vdpa.
 * /dev/vduse/NAME appears at VDUSE_CREATE_DEV, before the server has set
 * up its queues (VDUSE_VQ_SETUP); until then Linux 6.1's vdpa_dev_add()
 * refuses the device with -EINVAL (vduse_dev_is_ready(): every queue's
 * num_max set): asked again while the server runs, for DEADLINE_S at most.
 */
static int vdpa_add(const char *name, pid_t pid)
{
	LIBVHOST_OPTS(libvhost_vdpa_dev_opts, vo, .driver = "virtio_vdpa");
	double t0 = vm_now();
	int r;

	while ((r = libvhost_vdpa_dev_add(ctx, name, "vduse", &vo)) == -EINVAL &&
	       vm_now() - t0 < DEADLINE_S && kill(pid, 0) == 0)
		usleep(10000);
	return r;
}

/* /sys/block/@disk/queue/@attr's first line, into @v. */
static void queue_attr(const char *disk, const char *attr, char *v, size_t len)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "/sys/block/%s/queue/%s", disk, attr);
	snprintf(v, len, "?");
	f = fopen(p, "r");
	if (!f)
		return;
	if (fgets(v, (int)len, f))
		v[strcspn(v, "\n")] = 0;
	fclose(f);
}

/* One round: server @srv on IMG, the image verified through it, the cells run. */
static bool round_run(uint32_t r, enum server srv, uint8_t *buf)
{
	char name[32], logp[64], disk[32] = "", dev[48] = "", path[96];
	bool ok, io = true;
	pid_t pid;
	int fd, c, rc, st;

	snprintf(name, sizeof(name), "bench%u%s", r, who[srv]);
	snprintf(logp, sizeof(logp), "/tmp/%s.log", name);
	pid = start(srv, name, logp);
	if (pid < 0)
		return false;
	rc = vdpa_add(name, pid);
	if (rc < 0 || !vm_wait_disk(name, disk, sizeof(disk), dev, sizeof(dev), DEADLINE_S)) {
		result(false, "vduse bench: round %u: %s's %s on the vdpa bus, a /dev/vdX (%d)", r,
		       who[srv], name, rc);
		if (rc == 0)
			libvhost_vdpa_dev_del(ctx, name);
		vm_stop(pid, SIGKILL, DEADLINE_S);
		vm_show_log(logp, who[srv]);
		return false;
	}
	if (r <= 2) {
		/* what the driver made of the server's config: how it splits 1 MiB */
		char sec[16], seg[16], segsz[16], lbs[16];

		queue_attr(disk, "max_sectors_kb", sec, sizeof(sec));
		queue_attr(disk, "max_segments", seg, sizeof(seg));
		queue_attr(disk, "max_segment_size", segsz, sizeof(segsz));
		queue_attr(disk, "logical_block_size", lbs, sizeof(lbs));
		printf("# vduse-bench: %s's %s: max_sectors_kb %s, max_segments %s, "
		       "max_segment_size %s, logical_block_size %s\n",
		       who[srv], dev, sec, seg, segsz, lbs);
	}
	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0) {
		result(false, "vduse bench: round %u: open %s O_DIRECT: %s", r, dev, strerror(errno));
	} else {
		result(verify(fd, buf, who[srv]),
		       "vduse bench: round %u: %s's %s reads back (O_DIRECT) all the rounds before "
		       "wrote (zeros at first)", r, who[srv], dev);
		for (c = 0; io && c < CELLS; c++)
			io = cell(fd, c, r, srv, buf);
		result(io, "vduse bench: round %u: %s's %s: O_DIRECT sequential 1 MiB and random "
			   "4 KiB writes and reads", r, who[srv], dev);
		close(fd);
	}
	printf("# vduse-bench: round %u (%s): seq 1M write %.1f, read %.1f, rand 4K write %.2f, "
	       "read %.2f MiB/s\n", r, who[srv], fig[r][0], fig[r][1], fig[r][2], fig[r][3]);
	rc = libvhost_vdpa_dev_del(ctx, name);
	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", name);
	result(rc == 0 && access(dev, F_OK) < 0 && access(path, F_OK) < 0,
	       "vduse bench: round %u: vdpa dev del %s: %s and the vdpa device gone (%d)", r, name,
	       dev, rc);
	st = vm_stop(pid, SIGTERM, DEADLINE_S);
	snprintf(path, sizeof(path), "/dev/vduse/%s", name);
	ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && access(path, F_OK) < 0;
	if (!ok || srv == OURS)
		vm_show_log(logp, who[srv]);
	result(ok, "vduse bench: round %u: %s exited 0 on SIGTERM, %s destroyed (%#x)", r, who[srv],
	       path, st);
	fd = open(IMG, O_RDONLY);
	result(fd >= 0 && verify(fd, buf, "the image file"),
	       "vduse bench: round %u: the image file holds all that rounds 1-%u wrote", r, r);
	if (fd >= 0)
		close(fd);
	return io;
}

void test_vduse_bench(void)
{
	uint8_t *buf = NULL;
	double g = 0;
	uint32_t r;
	int fd, c;

	if (access("/dev/vduse/control", F_OK) < 0) {
		skip("vduse bench", "this kernel has no /dev/vduse/control");
		return;
	}
	if (access(QSD, X_OK) < 0) {
		skip("vduse bench", "qemu-storage-daemon is not in the initramfs (not installed "
				    "where make check-vm ran)");
		return;
	}
	fd = open(IMG, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, IMG_SIZE) < 0 || posix_memalign((void **)&buf, 4096, BIG)) {
		result(false, "vduse bench: a %u MiB image file on tmpfs", IMG_SIZE >> 20);
		goto out;
	}
	close(fd);
	fd = -1;
	for (r = 0; r <= ROUNDS; r++) {
		pat[r] = calloc(1, BIG);
		if (!pat[r])
			goto out;
		if (r)
			vm_fill(pat[r], BIG, r);
	}
	printf("# vduse-bench: %u MiB image on tmpfs, 1 queue of " QUEUE_SIZE ", 512-byte blocks, "
	       "O_DIRECT, one thread, %.1f s a cell; rounds ours, qsd, ours, qsd, ours\n",
	       IMG_SIZE >> 20, CELL_S);
	for (r = 1; r <= ROUNDS; r++)
		if (!round_run(r, (r & 1) ? OURS : QSD_, buf))
			goto out;
	for (c = 0; c < CELLS; c++) {
		double o = 0, q = 0;

		for (r = 1; r <= ROUNDS; r++)
			*((r & 1) ? &o : &q) += fig[r][c];
		o /= (ROUNDS + 1) / 2;
		q /= ROUNDS / 2;

		printf("# vduse-bench: %s: ours %.2f MiB/s, qsd %.2f MiB/s, ratio %.2f\n",
		       cell_name[c], o, q, o / q);
		g += log(o / q);
	}
	printf("# vduse-bench: geometric mean of the ratios (ours/qsd): %.2f\n", exp(g / CELLS));
out:
	if (fd >= 0)
		close(fd);
	for (r = 0; r <= ROUNDS; r++)
		free(pat[r]);
	free(buf);
	unlink(IMG);
}
