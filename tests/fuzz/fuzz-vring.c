/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the fuzzer plays a hostile device against a driver-side
 * ring.  Byte 0 picks the layout (split/packed, event idx, indirect) and size;
 * the rest is a list of operations: the driver adds, kicks, reaps and toggles
 * interrupts; the "device" writes arbitrary bytes anywhere in the ring area.
 * Invariants: no crash or sanitizer report, the driver never counts more
 * free descriptors than the ring has, and every token it returns was added
 * and not yet returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "fuzz-common.h"
#include "ring/vring.h"

#define MAX_TOKENS 64

static struct libvhost_mem *mem;
static uint8_t *area, *bufs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8, 3, 5, 16, 64 };
	LIBVHOST_OPTS(libvhost_vring_opts, opts, .flags = 0);
	char tokens[MAX_TOKENS];
	bool live[MAX_TOKENS] = { false };
	struct libvhost_vring *vr;
	unsigned int num, next_token = 0;
	uint64_t area_size;
	size_t i;

	if (!mem) {
		if (libvhost_mem_new(fuzz_ctx(), &mem) < 0 ||
		    libvhost_mem_alloc(mem, 0x10000, 0x10000, NULL, (void **)&area) < 0 ||
		    libvhost_mem_alloc(mem, 0x40000, 0x10000, NULL, (void **)&bufs) < 0)
			abort();
	}
	if (size < 1)
		return 0;
	opts.flags = (data[0] & 1 ? LIBVHOST_VRING_F_PACKED : 0) |
		     (data[0] & 2 ? LIBVHOST_VRING_F_EVENT_IDX : 0) |
		     (data[0] & 4 ? LIBVHOST_VRING_F_INDIRECT : 0);
	num = sizes[(data[0] >> 3) & 7];
	if (!(opts.flags & LIBVHOST_VRING_F_PACKED) && (num & (num - 1)))
		num = 4;
	if (libvhost_vring_new(mem, 0x10000, num, &opts, &vr) < 0)
		abort();
	if (libvhost_vring_area_size(num, &opts, &area_size) < 0 || area_size > 0x10000)
		abort();

	for (i = 1; i + 2 < size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		void *token;
		uint32_t len;
		int r;

		switch (op % 6) {
		case 0: { /* add a buffer of 1..6 parts, some device-writable */
			struct iovec iov[6];
			unsigned int k, n = 1 + a % 6, nin = b % (n + 1);

			if (next_token >= MAX_TOKENS)
				next_token = 0;
			if (live[next_token])
				break;
			for (k = 0; k < n; k++) {
				iov[k].iov_base = bufs + 256 * k;
				iov[k].iov_len = 1 + b;
			}
			r = libvhost_vring_add(vr, iov, n - nin, nin, &tokens[next_token]);
			if (r == 0)
				live[next_token] = true;
			next_token++;
			break;
		}
		case 1:
			libvhost_vring_kick(vr);
			break;
		case 2: /* reap: only live tokens may come back, once */
			while ((r = libvhost_vring_get_used(vr, &token, &len)) == 1) {
				ptrdiff_t t = (char *)token - tokens;

				if (t < 0 || t >= MAX_TOKENS || !live[t])
					abort();
				live[t] = false;
			}
			break;
		case 3:
			libvhost_vring_set_interrupts(vr, a & 1);
			break;
		default: /* the device scribbles two bytes anywhere in the ring area */
			if (area_size) {
				uint64_t off = ((uint64_t)a << 8 | b) % area_size;

				area[off] = op;
				if (off + 1 < area_size)
					area[off + 1] = a;
			}
			break;
		}
		if (vr->num_free > vr->num)
			abort();
	}
	libvhost_vring_unref(vr);
	return 0;
}
