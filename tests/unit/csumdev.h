/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A checksum device for the Check suites: a back-end serving one ring on
 * its own thread, writing the FNV-1a hash of each buffer's readable parts
 * into its first writable part (8 bytes, when there is room).
 */
#ifndef LIBVHOST_CSUMDEV_H
#define LIBVHOST_CSUMDEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvhost.h>

#define TU_FNV_INIT 0xcbf29ce484222325ULL

struct tu_csumdev {
	struct libvhost_backend *be;
	pthread_t thread;
	int stop; /* eventfd: written to end the thread */
};

/* FNV-1a of @n bytes, continuing @h. */
uint64_t tu_fnv(uint64_t h, const void *p, size_t n);

/* A device with one ring and F_VERSION_1 unless @o says otherwise; not yet running. */
struct tu_csumdev *tu_csumdev_new(struct libvhost_ctx *ctx, struct libvhost_backend_opts *o);

/*
 * Connects the back-end to a fresh socketpair and starts the device's
 * thread; returns the front-end's end.
 */
int tu_csumdev_start(struct tu_csumdev *d);

/* Ends the device's thread (the back-end stays). */
void tu_csumdev_stop(struct tu_csumdev *d);

/* Unrefs the back-end and frees the device (stopped before). */
void tu_csumdev_free(struct tu_csumdev *d);

/*
 * A device thread's loop: @be's messages and the kicks of its first @nq
 * rings (at most TU_SERVE_RINGS), @serve_ring called for each kicked ring that
 * is enabled, kicks before messages (a kick fd is valid only until the next
 * message), until @stop is readable or process() fails.  A client back-end
 * without a front-end (get_fd() < 0) has process() dial again every 50 ms.
 */
#define TU_SERVE_RINGS 8
void tu_serve_loop(struct libvhost_backend *be, int stop, unsigned int nq,
		   void (*serve_ring)(void *ud, struct libvhost_vq *vq), void *ud);

/* The back-end's end of a fresh socketpair; the other end is returned. */
int tu_connect_backend(struct libvhost_backend *be);

/*
 * Many devices served by one thread, as a process serving many front-ends
 * does: every back-end's get_fd() and ring kick fd in one poll().  A
 * device whose get_fd() turned -1 (an adopted socket's front-end was
 * dropped or went) counts as gone.
 */
struct tu_group;
struct tu_group *tu_group_start(struct tu_csumdev **devs, unsigned int n);
void tu_group_stop(struct tu_group *g);
bool tu_group_gone(struct tu_group *g, unsigned int i);
/* poll() rounds so far */
unsigned long tu_group_rounds(struct tu_group *g);

#endif
