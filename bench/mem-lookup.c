/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem-lookup: the back-end's address translation (lib/mem's
 * lvh_mem_translate(), what every descriptor costs) with 1, 8, 64 and 509
 * regions, over random guest addresses spread over all regions (so the
 * last-hit hint mostly misses), and over one region (the hint hits).
 * Links the internal library, as the unit tests do.  Prints ns per
 * translation; asserts nothing.
 *
 *   bench/mem-lookup [MILLIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mem/mem.h"

#define NADDR 4096u

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ns per translation of addr[0..NADDR) cycled over @n translations; best of 5 */
static double run(const struct libvhost_mem *mem, const uint64_t *addr, unsigned long n)
{
	double best = 0;
	uintptr_t sink = 0;

	for (int rep = 0; rep < 5; rep++) {
		double t0 = now_ns(), t;

		for (unsigned long i = 0; i < n; i++) {
			void *p = lvh_mem_translate(mem, addr[i & (NADDR - 1)], 8, NULL);

			if (!p)
				abort();
			sink += (uintptr_t)p;
		}
		t = (now_ns() - t0) / (double)n;
		if (!rep || t < best)
			best = t;
	}
	if (sink == 1)
		printf("\n");
	return best;
}

int main(int argc, char **argv)
{
	static const unsigned int counts[] = { 1, 8, 64, 509 };
	unsigned long n = (unsigned long)((argc > 1 ? atof(argv[1]) : 2) * 1e6);
	static uint64_t addr[NADDR], same[NADDR];
	struct libvhost_ctx *ctx;
	double base = 0;

	if (libvhost_ctx_new(NULL, &ctx) < 0)
		return 1;
	for (unsigned int c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct libvhost_mem *mem;
		uint64_t s = 0x9e3779b97f4a7c15ull;
		double spread, one;

		if (libvhost_mem_new(ctx, &mem) < 0)
			return 1;
		/* 64 KiB regions with gaps, as a guest's hot-plugged DIMMs would be spaced */
		for (unsigned int i = 0; i < counts[c]; i++)
			if (libvhost_mem_alloc(mem, (uint64_t)i << 20, 64 << 10, NULL, NULL) < 0)
				return 1;
		for (unsigned int i = 0; i < NADDR; i++) {
			uint64_t r = rnd(&s);

			addr[i] = ((r % counts[c]) << 20) + ((r >> 32) % ((64 << 10) - 8));
			same[i] = (r >> 32) % ((64 << 10) - 8);
		}
		spread = run(mem, addr, n);
		one = run(mem, same, n);
		if (c == 0)
			base = spread;
		printf("mem-lookup: %3u regions: %.2f ns per translation (random over all), "
		       "%.2f ns (all in one region), %.2fx the 1-region cost\n",
		       counts[c], spread, one, spread / base);
		libvhost_mem_unref(mem);
	}
	libvhost_ctx_unref(ctx);
	return 0;
}
