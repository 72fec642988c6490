/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user-blk tool over VDUSE in the guest kernel: --vduse over an
 * image file, added to the vdpa bus on virtio_vdpa by vhost-ctl, O_DIRECT
 * written and read back and found in the image file.  Then the fault:
 * with the guest's I/O running, the tool is SIGKILLed while the kernel has
 * requests in flight; what the kernel does with that I/O, and whether the
 * device can still be deleted from the bus and destroyed, is measured with
 * deadlines (never waited on for ever) and reported.  Runs last: a kernel
 * that leaves a task blocked here blocks nothing that follows.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vm-tests.h"

#define TOOL "/bin/vhost-user-blk"
#define CTL "/bin/vhost-ctl"
#define IMG_SIZE (16u << 20)
#define WRITERS 4
#define CHUNK (64u << 10)
#define DEADLINE_S 60

double vm_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define now_s vm_now

/* The device under test: its name, image file and the tool's log. */
static char cur[32], img_path[64], log_path[64];

/* The vdX virtio_vdpa made of vdpa device @dev, into @name. */
static bool find_disk(const char *dev, char *name, size_t len)
{
	char path[320];
	struct dirent *de;
	DIR *dir;
	bool found = false;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", dev);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		DIR *b;
		struct dirent *be;

		if (strncmp(de->d_name, "virtio", 6))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s/%s/block", dev, de->d_name);
		b = opendir(path);
		if (!b)
			continue;
		while ((be = readdir(b)))
			if (!strncmp(be->d_name, "vd", 2) && strlen(be->d_name) < len) {
				memcpy(name, be->d_name, strlen(be->d_name) + 1);
				found = true;
				break;
			}
		closedir(b);
	}
	closedir(dir);
	return found;
}

bool vm_wait_disk(const char *name, char *disk, size_t dlen, char *dev, size_t len, int secs)
{
	int i;

	for (i = 0; i < secs * 100 && !find_disk(name, disk, dlen); i++)
		usleep(10000);
	snprintf(dev, len, "/dev/%s", disk);
	for (; i < secs * 100 && access(dev, F_OK) < 0; i++)
		usleep(10000);
	return i < secs * 100;
}

pid_t vm_spawn(const char *const *argv, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int lfd = open(log, O_CREAT | O_TRUNC | O_WRONLY, 0600);

		if (lfd >= 0)
			dup2(lfd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* @path there and, with @text, holding it */
static bool path_has(const char *path, const char *text)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (!text)
		return access(path, F_OK) == 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return strstr(buf, text) != NULL;
}

int vm_wait_path(pid_t pid, const char *path, const char *text, int secs)
{
	int i, st;

	for (i = 0; i < secs * 100 && !path_has(path, text); i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(10000);
	}
	return i < secs * 100 ? -1 : -2;
}

int vm_stop(pid_t pid, int sig, int secs)
{
	int i, st = -1;

	kill(pid, sig);
	for (i = 0; i < secs * 100 && waitpid(pid, &st, WNOHANG) != pid; i++)
		usleep(10000);
	if (i == secs * 100) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	return st;
}

/* /proc/PID/stat's state letter, or '?'. */
static char state(pid_t pid)
{
	char p[64], buf[256], *c;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	f = fopen(p, "r");
	if (!f)
		return '?';
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	c = strrchr(buf, ')');
	return c && c[1] == ' ' ? c[2] : '?';
}

/* The state of the last program run() left running. */
static char del_state;

/* A program run to its end (at most @secs s): its exit status, -1 when it did not end. */
static int run(int secs, const char *const *argv)
{
	pid_t pid = fork();
	int st, i;

	if (pid < 0)
		return -2;
	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < secs * 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	del_state = state(pid);
	printf("# vduse tool: %s %s %s still running after %d s (state %c)\n", argv[0], argv[1],
	       argv[2], secs, del_state);
	return -1;
}

void vm_show_log(const char *path, const char *who)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("# %s: %s", who, line);
	fclose(f);
}

static void show_log(const char *path)
{
	vm_show_log(path, "tool");
}

/* /sys/block/@disk/inflight: reads + writes the driver has at the device. */
static long inflight(const char *disk)
{
	char p[128];
	long r = -1, w = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/block/%s/inflight", disk);
	f = fopen(p, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &r, &w) != 2)
		r = w = -1;
	fclose(f);
	return r < 0 ? -1 : r + w;
}

/* O_DIRECT 256 KiB written at 2 MiB and read back, then found in the image file. */
static bool direct_io(const char *dev)
{
	int fd = open(img_path, O_RDONLY);
	bool ok = fd >= 0 && vm_direct_io(dev, fd, 2 << 20, 11);

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * A writer of the fault test: O_DIRECT writes and reads of CHUNK in its own
 * slice, for ever; a byte per operation done on @progress, then its errno
 * as the exit status when one fails.
 */
static void writer(const char *dev, unsigned int k, int progress)
{
	uint8_t *b;
	int fd = open(dev, O_RDWR | O_DIRECT);
	off_t off = (off_t)(4u << 20) + (off_t)k * (1 << 20);
	unsigned int i;

	if (fd < 0 || posix_memalign((void **)&b, 4096, CHUNK))
		_exit(200);
	for (i = 0;; i++) {
		ssize_t r;

		vm_fill(b, CHUNK, i);
		r = i & 1 ? pread(fd, b, CHUNK, off + (off_t)(i % 8) * CHUNK)
			  : pwrite(fd, b, CHUNK, off + (off_t)(i % 8) * CHUNK);
		if (r != (ssize_t)CHUNK)
			_exit(r < 0 ? (errno & 0x7f) : 201);
		(void)!write(progress, "x", 1);
	}
}

/* libvhost_vduse_destroy(@name) in a child, at most 10 s: its result, or -ETIMEDOUT. */
static int destroy_bounded(const char *name)
{
	pid_t pid = fork();
	int st, i;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(-libvhost_vduse_destroy(ctx, name) & 0xff);
	for (i = 0; i < 1000; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? -WEXITSTATUS(st) : -EINTR;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static void fault(pid_t tool, const char *disk, const char *dev)
{
	pid_t w[WRITERS];
	int pfd[2], i, st, alive, failed = 0, dstate = 0, errs[WRITERS] = { 0 };
	long in_flight, done = 0;
	char buf[256];
	double t0, t;
	ssize_t n;

	if (pipe(pfd) < 0) {
		result(false, "vduse tool fault: pipe");
		return;
	}
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	for (i = 0; i < WRITERS; i++) {
		w[i] = fork();
		if (w[i] == 0) {
			close(pfd[0]);
			writer(dev, (unsigned int)i, pfd[1]);
		}
	}
	close(pfd[1]);
	/* the I/O is running: some operations done */
	for (t0 = now_s(); done < 64 && now_s() - t0 < DEADLINE_S;) {
		n = read(pfd[0], buf, sizeof(buf));
		if (n > 0)
			done += n;
		else
			usleep(1000);
	}
	/*
	 * stopped first, so that the kernel surely has requests at the device when
	 * it dies (the writers' next ones, which nothing serves)
	 */
	kill(tool, SIGSTOP);
	for (t0 = now_s(); (in_flight = inflight(disk)) <= 0 && now_s() - t0 < DEADLINE_S;)
		usleep(10000);
	kill(tool, SIGKILL);
	t0 = now_s();
	waitpid(tool, &st, 0);
	printf("# vduse tool fault: %ld operations done, the tool stopped, %ld requests in flight "
	       "at the device, then SIGKILL\n", done, in_flight);
	result(done >= 64 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "vduse tool fault: the guest's I/O ran (%ld operations), the tool died of SIGKILL",
	       done);
	result(in_flight > 0, "vduse tool fault: the kernel had requests in flight when the tool "
			      "died (%ld)", in_flight);
	/* the I/O: fails, or hangs; looked at until the deadline */
	for (alive = WRITERS; alive && now_s() - t0 < DEADLINE_S / 2;) {
		for (i = 0; i < WRITERS; i++) {
			if (w[i] > 0 && waitpid(w[i], &st, WNOHANG) == w[i]) {
				errs[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				failed += errs[i] != 0;
				w[i] = -w[i];
				alive--;
			}
		}
		usleep(20000);
	}
	t = now_s() - t0;
	for (i = 0; i < WRITERS; i++)
		if (w[i] > 0)
			dstate += state(w[i]) == 'D';
	while ((n = read(pfd[0], buf, sizeof(buf))) > 0)
		done += n;
	printf("# vduse tool fault: after %.1f s: %d of %d writers ended (%d on an error: errno "
	       "%d %d %d %d), %d still blocked (%d in state D), %ld requests still in flight\n",
	       t, WRITERS - alive, WRITERS, failed, errs[0], errs[1], errs[2], errs[3], alive,
	       dstate, inflight(disk));
	if (alive)
		printf("# vduse tool fault: this kernel neither completes nor fails a VDUSE device's "
		       "requests in flight when its server dies: the I/O stays blocked\n");
	result(alive == 0 || dstate == alive, "vduse tool fault: the I/O failed, or stays blocked "
					     "in the kernel (%d failed, %d blocked in state D)", failed, alive);
	/* the device off the bus, and destroyed: bounded */
	{
		const char *del[] = { CTL, "vdpa", "del", cur, NULL };
		int r;

		t0 = now_s();
		r = run(DEADLINE_S, del);
		printf("# vduse tool fault: vhost-ctl vdpa del: %s after %.1f s (%d)\n",
		       r == 0 ? "done" : r < 0 ? "still blocked" : "failed", now_s() - t0, r);
		if (r < 0 && alive) {
			/*
			 * What Linux 6.1 does: virtio_blk's removal waits for the
			 * requests in flight (the disk's deletion freezes its queue),
			 * which nothing completes once the VDUSE server is dead; the
			 * del blocks in state D, holding the vdpa bus, for ever.
			 * Asserted as such; the VDUSE device cannot be destroyed
			 * while on the bus, and says so at once (-EBUSY).
			 */
			printf("# vduse tool fault: this kernel blocks the device's removal on the "
			       "requests in flight: vdpa dev del hangs in state D, the I/O too\n");
			result(r == -1 && del_state == 'D',
			       "vduse tool fault: vdpa dev del %s waits (state D) on the %d requests "
			       "the dead server holds; it did not end in %d s", cur, (int)in_flight,
			       DEADLINE_S);
			r = destroy_bounded(cur);
			result(r == -EBUSY, "vduse tool fault: destroying %s while on the bus: "
					    "-EBUSY at once (%d)", cur, r);
			return;
		}
		result(r == 0, "vduse tool fault: vhost-ctl vdpa del %s within %d s (%d)", cur,
		       DEADLINE_S, r);
		if (r != 0)
			return;
		r = libvhost_vduse_destroy(ctx, cur);
		snprintf(buf, sizeof(buf), "/dev/vduse/%s", cur);
		result(r == 0 && access(buf, F_OK) < 0,
		       "vduse tool fault: the VDUSE device destroyed after the server's death (%d)", r);
	}
	for (i = 0; i < WRITERS; i++)
		if (w[i] > 0 && waitpid(w[i], &st, WNOHANG) == w[i])
			printf("# vduse tool fault: writer %d ended after the removal (status %#x)\n",
			       i, st);
	close(pfd[0]);
}

/*
 * vhost-user-blk --vduse=@name over a new image file, added to the vdpa bus
 * on virtio_vdpa by vhost-ctl: its pid, with its /dev/vdX in @disk and
 * @dev; -1 having said what failed.
 */
static pid_t start(const char *name, char *disk, size_t dlen, char *dev, size_t len)
{
	const char *add[] = { CTL, "vdpa", "add", name, "--mgmtdev", "vduse", "--driver",
			      "virtio_vdpa", NULL };
	char opt[64], file[96], node[64];
	const char *argv[] = { TOOL, opt, file, NULL };
	pid_t tool;
	int fd, r, st;

	snprintf(cur, sizeof(cur), "%s", name);
	snprintf(img_path, sizeof(img_path), "/tmp/%s.img", name);
	snprintf(log_path, sizeof(log_path), "/tmp/%s.log", name);
	snprintf(opt, sizeof(opt), "--vduse=%s", name);
	snprintf(file, sizeof(file), "--blk-file=%s", img_path);
	snprintf(node, sizeof(node), "/dev/vduse/%s", name);
	fd = open(img_path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, IMG_SIZE) < 0 || access(TOOL, X_OK) < 0) {
		result(false, "vduse tool: image file, and " TOOL " in the initramfs");
		return -1;
	}
	close(fd);
	tool = vm_spawn(argv, log_path);
	/*
	 * Ready when it says so: /dev/vduse/NAME appears before its queues are
	 * set up, and 6.1 refuses to add the device to the vdpa bus until they
	 * are (vduse_dev_is_ready()).
	 */
	st = vm_wait_path(tool, log_path, " made: add it to the vdpa bus", 30);
	if (st >= 0) {
		show_log(log_path);
		result(false, "vduse tool: vhost-user-blk %s ended (%#x)", opt, st);
		return -1;
	}
	result(st == -1 && access(node, F_OK) == 0, "vduse tool: vhost-user-blk %s %s made %s",
	       opt, file, node);
	r = run(DEADLINE_S, add);
	result(r == 0, "vduse tool: vhost-ctl vdpa add %s --mgmtdev vduse --driver virtio_vdpa (%d)",
	       name, r);
	if (r != 0 || !vm_wait_disk(name, disk, dlen, dev, len, 20)) {
		result(false, "vduse tool: a /dev/vdX under %s", name);
		kill(tool, SIGKILL);
		waitpid(tool, &st, 0);
		show_log(log_path);
		return -1;
	}
	result(direct_io(dev), "vduse tool: O_DIRECT 256 KiB written and read back on %s, and in "
			       "the image file", dev);
	return tool;
}

void test_vduse_tool(void)
{
	char disk[32] = "", dev[48] = "";
	pid_t tool;
	int r, st = -1;

	if (!vm_vduse_present("vduse tool"))
		return;
	/* the clean way: off the bus, then SIGTERM: the tool destroys the device, exit 0 */
	tool = start("lvhtool0", disk, sizeof(disk), dev, sizeof(dev));
	if (tool > 0) {
		const char *del[] = { CTL, "vdpa", "del", "lvhtool0", NULL };

		r = run(DEADLINE_S, del);
		result(r == 0, "vduse tool: vhost-ctl vdpa del lvhtool0 (%d)", r);
		st = vm_stop(tool, SIGTERM, DEADLINE_S);
		show_log(log_path);
		result(WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
			       access("/dev/vduse/lvhtool0", F_OK) < 0,
		       "vduse tool: SIGTERM: the tool destroyed lvhtool0 and exited 0 (%#x)", st);
	}
	/*
	 * SIGTERM while still on the bus: the kernel refuses the destruction, the
	 * tool says so and exits 1; deleting it from the bus then works (bounded),
	 * and so does destroying it
	 */
	tool = start("lvhtool2", disk, sizeof(disk), dev, sizeof(dev));
	if (tool > 0) {
		const char *del[] = { CTL, "vdpa", "del", "lvhtool2", NULL };
		double t0;

		st = vm_stop(tool, SIGTERM, DEADLINE_S);
		show_log(log_path);
		result(WIFEXITED(st) && WEXITSTATUS(st) == 1 &&
			       access("/dev/vduse/lvhtool2", F_OK) == 0,
		       "vduse tool: SIGTERM while on the bus: lvhtool2 not destroyed, exit 1 (%#x)",
		       st);
		t0 = now_s();
		r = run(DEADLINE_S, del);
		printf("# vduse tool: vdpa del of an idle device whose server went: %.1f s\n",
		       now_s() - t0);
		result(r == 0, "vduse tool: vhost-ctl vdpa del lvhtool2 after its server went (%d)",
		       r);
		r = r == 0 ? destroy_bounded("lvhtool2") : -1;
		result(r == 0, "vduse tool: lvhtool2 destroyed then (%d)", r);
	}
	/* the fault: the tool SIGKILLed under I/O */
	tool = start("lvhtool1", disk, sizeof(disk), dev, sizeof(dev));
	if (tool > 0) {
		fault(tool, disk, dev);
		show_log(log_path);
	}
}
