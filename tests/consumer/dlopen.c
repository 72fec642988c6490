/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hypervisor's view of libvhost: dlopen("libvhost.so.0") by its soname,
 * dlvsym() every global of libvhost.map at the node the map gives it, then
 * dlopen/dlclose cycles that use the library a little each time.  A cycle
 * must not leak: dlopen.sh runs this under valgrind's leak checker, or else
 * passes --rss-bound and this checks the resident size (and the heap in use)
 * after the cycles against the size after a warm-up.  Open fds are counted
 * either way.
 *
 * Usage: dlopen SONAME DIR SYMBOLS CYCLES [--rss-bound KIB]
 *   SONAME   what to dlopen, found through LD_LIBRARY_PATH
 *   DIR      the directory it must come from (the build's lib/.libs)
 *   SYMBOLS  a file of "symbol node" lines, from libvhost.map
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvhost.h>

#define WARMUP 50

#if defined(__SANITIZE_ADDRESS__)
#define LVH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LVH_ASAN 1
#endif
#endif

static const char *soname;

static int check_origin(void *h, const char *dir)
{
	char origin[PATH_MAX], want[PATH_MAX];

	if (dlinfo(h, RTLD_DI_ORIGIN, origin) != 0) {
		printf("FAIL: dlinfo: %s\n", dlerror());
		return -1;
	}
	if (!realpath(dir, want) || strcmp(origin, want) != 0) {
		printf("FAIL: %s came from %s, not from %s\n", soname, origin, dir);
		return -1;
	}
	return 0;
}

static int check_symbols(void *h, const char *list)
{
	char name[256], node[64];
	int n = 0, missing = 0;
	FILE *f = fopen(list, "r");

	if (!f) {
		perror(list);
		return -1;
	}
	while (fscanf(f, "%255s %63s", name, node) == 2) {
		n++;
		if (!dlvsym(h, name, node)) {
			printf("FAIL: dlvsym(\"%s\", \"%s\"): %s\n", name, node, dlerror());
			missing++;
		}
	}
	fclose(f);
	if (!n) {
		printf("FAIL: no symbols in %s\n", list);
		return -1;
	}
	/* the version is really looked at */
	if (dlvsym(h, "libvhost_version", "LIBVHOST_0.0")) {
		printf("FAIL: dlvsym found libvhost_version at a version that does not exist\n");
		return -1;
	}
	if (missing)
		return -1;
	printf("dlvsym: all %d symbols of libvhost.map found at their nodes\n", n);
	return 0;
}

/* one cycle: load, make a context and a memory table with one region, unload */
static int cycle(int i)
{
	int (*ctx_new)(const struct libvhost_ctx_opts *, struct libvhost_ctx **);
	struct libvhost_ctx *(*ctx_unref)(struct libvhost_ctx *);
	int (*mem_new)(struct libvhost_ctx *, struct libvhost_mem **);
	int (*mem_alloc)(struct libvhost_mem *, uint64_t, uint64_t,
			 const struct libvhost_mem_alloc_opts *, void **);
	struct libvhost_mem *(*mem_unref)(struct libvhost_mem *);
	struct libvhost_ctx *ctx = NULL;
	struct libvhost_mem *mem = NULL;
	void *h, *addr = NULL;
	int ok;

	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("FAIL: dlopen #%d: %s\n", i, dlerror());
		return -1;
	}
	*(void **)&ctx_new = dlvsym(h, "libvhost_ctx_new", "LIBVHOST_0.1");
	*(void **)&ctx_unref = dlvsym(h, "libvhost_ctx_unref", "LIBVHOST_0.1");
	*(void **)&mem_new = dlvsym(h, "libvhost_mem_new", "LIBVHOST_0.1");
	*(void **)&mem_alloc = dlvsym(h, "libvhost_mem_alloc", "LIBVHOST_0.1");
	*(void **)&mem_unref = dlvsym(h, "libvhost_mem_unref", "LIBVHOST_0.1");
	ok = ctx_new && ctx_unref && mem_new && mem_alloc && mem_unref &&
	     ctx_new(NULL, &ctx) >= 0 && mem_new(ctx, &mem) >= 0 &&
	     mem_alloc(mem, 0, (uint64_t)sysconf(_SC_PAGESIZE), NULL, &addr) >= 0 && addr;
	if (ok)
		memset(addr, 0xa5, (size_t)sysconf(_SC_PAGESIZE));
	if (mem_unref)
		mem_unref(mem);
	if (ctx_unref)
		ctx_unref(ctx);
	if (dlclose(h) != 0) {
		printf("FAIL: dlclose #%d: %s\n", i, dlerror());
		return -1;
	}
	if (!ok) {
		printf("FAIL: cycle %d: could not make a context and a memory table\n", i);
		return -1;
	}
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static long heap_in_use(void)
{
#if !defined(LVH_ASAN) && defined(__GLIBC__) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	return (long)mallinfo2().uordblks;
#else
	return -1;
#endif
}

int main(int argc, char **argv)
{
	long rss_bound = -1, rss0 = 0, rss1, heap0 = 0, heap1;
	int cycles, fds0, fds1, i;
	void *h;

	if (argc == 7 && strcmp(argv[5], "--rss-bound") == 0)
		rss_bound = atol(argv[6]);
	else if (argc != 5) {
		fprintf(stderr, "usage: %s SONAME DIR SYMBOLS CYCLES [--rss-bound KIB]\n", argv[0]);
		return 2;
	}
	soname = argv[1];
	cycles = atoi(argv[4]);

	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("FAIL: dlopen(\"%s\", RTLD_NOW | RTLD_LOCAL): %s\n", soname, dlerror());
		return 1;
	}
	if (check_origin(h, argv[2]) < 0 || check_symbols(h, argv[3]) < 0)
		return 1;
	dlclose(h);

	for (i = 0; i < WARMUP; i++)
		if (cycle(i) < 0)
			return 1;
	fds0 = count_fds();
	if (rss_bound >= 0) {
		rss0 = rss_kib();
		heap0 = heap_in_use();
	}
	for (i = 0; i < cycles; i++)
		if (cycle(i) < 0)
			return 1;
	fds1 = count_fds();
	if (fds1 != fds0) {
		printf("FAIL: %d open fds before %d cycles, %d after\n", fds0, cycles, fds1);
		return 1;
	}
	printf("%d dlopen/dlclose cycles (after %d to warm up), no fd left open\n", cycles, WARMUP);
	if (rss_bound < 0)
		return 0;

	rss1 = rss_kib();
	heap1 = heap_in_use();
	if (rss0 < 0 || rss1 < 0) {
		printf("FAIL: no VmRSS in /proc/self/status\n");
		return 1;
	}
	printf("resident size: %ld KiB, then %ld KiB (bound: +%ld KiB)\n", rss0, rss1, rss_bound);
	if (rss1 - rss0 > rss_bound) {
		printf("FAIL: the resident size grew by %ld KiB\n", rss1 - rss0);
		return 1;
	}
	if (heap0 >= 0 && heap1 >= 0) {
		/* a leak of even a few bytes a cycle shows here */
		printf("heap in use: %ld bytes, then %ld bytes\n", heap0, heap1);
		if (heap1 - heap0 > cycles) {
			printf("FAIL: the heap in use grew by %ld bytes\n", heap1 - heap0);
			return 1;
		}
	}
	return 0;
}
