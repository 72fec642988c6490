/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pingpong: the core-to-core cache-line round trip between CPU 0 and CPU 1.
 * One thread on each CPU passes a counter back and forth through one cache
 * line; each window of 100 ms gives a mean round trip, and the median over
 * the windows is printed with the placement it suggests: "near" below
 * 150 ns, else "far" (bench/README).  Prints numbers; asserts nothing.
 *   bench/pingpong [SECONDS]      (default 0.5)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WINDOW_NS 100000000LL
#define BATCH 256 /* round trips between looks at the clock */
#define NEAR_NS 150.0
#define MAX_WINDOWS 100000

static struct {
	uint64_t ball; /* odd: CPU 1's turn; even: CPU 0's */
	int stop;
} line __attribute__((aligned(128)));

static int pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU 1: answers every odd value with the next even one. */
static void *responder(void *arg)
{
	uint64_t v;

	(void)arg;
	for (;;) {
		while (!((v = __atomic_load_n(&line.ball, __ATOMIC_ACQUIRE)) & 1))
			if (__atomic_load_n(&line.stop, __ATOMIC_RELAXED))
				return NULL;
		__atomic_store_n(&line.ball, v + 1, __ATOMIC_RELEASE);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double secs = 0.5, *win;
	uint64_t v = 0;
	unsigned int n, w, i;
	pthread_t t;
	char *end;
	int r;

	if (argc > 2 || (argc == 2 && !strcmp(argv[1], "--help"))) {
		fprintf(argc == 2 ? stdout : stderr, "Usage: pingpong [SECONDS]\n");
		return argc == 2 ? 0 : 2;
	}
	if (argc == 2) {
		secs = strtod(argv[1], &end);
		if (*end || !(secs >= 0.1 && secs <= 3600)) {
			fprintf(stderr, "pingpong: SECONDS is 0.1 to 3600\n");
			return 2;
		}
	}
	n = (unsigned int)(secs * 1e9 / WINDOW_NS + 0.5);
	if (n > MAX_WINDOWS)
		n = MAX_WINDOWS;
	win = calloc(n, sizeof(*win));
	if (!win)
		return 1;
	r = pin(pthread_self(), 0);
	if (r) {
		fprintf(stderr, "pingpong: CPU 0: %s\n", strerror(r));
		return 1;
	}
	r = pthread_create(&t, NULL, responder, NULL);
	if (!r)
		r = pin(t, 1);
	if (r) {
		fprintf(stderr, "pingpong: a thread on CPU 1: %s\n", strerror(r));
		return 1;
	}
	for (w = 0; w < n; w++) {
		int64_t start = now_ns(), el;
		uint64_t trips = 0;

		do {
			for (i = 0; i < BATCH; i++) {
				__atomic_store_n(&line.ball, ++v, __ATOMIC_RELEASE);
				while (__atomic_load_n(&line.ball, __ATOMIC_ACQUIRE) == v)
					;
				v++;
			}
			trips += BATCH;
			el = now_ns() - start;
		} while (el < WINDOW_NS);
		win[w] = (double)el / (double)trips;
	}
	__atomic_store_n(&line.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	qsort(win, n, sizeof(*win), cmp_double);
	{
		double med = n % 2 ? win[n / 2] : (win[n / 2 - 1] + win[n / 2]) / 2;

		printf("pingpong: %.0f ns median round trip CPU 0 <-> CPU 1, %u windows of 100 ms "
		       "(min %.0f, max %.0f): %s\n",
		       med, n, win[0], win[n - 1], med < NEAR_NS ? "near" : "far");
	}
	free(win);
	return 0;
}
