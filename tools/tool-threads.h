/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What libvhost's back-end tools share for --threads: a ring worker, a
 * thread of its own serving one or two rings (LIBVHOST_BACKEND_F_THREADED)
 * while the main thread runs libvhost_backend_process().
 */
#ifndef LIBVHOST_TOOL_THREADS_H
#define LIBVHOST_TOOL_THREADS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include <libvhost.h>

#define TOOL_WORKER_RINGS 2

struct tool_worker;

struct tool_worker_ops {
	/*
	 * @vq was kicked, has just started, or was left with work: serve it.
	 * Returns true when it was left with work (it is served again
	 * without waiting for a kick).  On the worker's thread.
	 */
	bool (*serve)(void *userdata, struct libvhost_vq *vq);
	/* @vq is being stopped: its last buffers.  On the worker's thread. */
	void (*drain)(void *userdata, struct libvhost_vq *vq);
};

/*
 * A worker and its thread (with every signal blocked: they go to the main
 * thread).  -errno (with a message naming @tool) on failure.
 */
int tool_worker_new(const char *tool, const struct tool_worker_ops *ops, void *userdata,
		    struct tool_worker **ret);

/*
 * The ops of the back-end, from the main thread: queue_started hands @vq to
 * the worker; queue_stopped returns once the worker has drained it and
 * will not touch it again.
 */
int tool_worker_start(struct tool_worker *w, struct libvhost_vq *vq);
void tool_worker_stop(struct tool_worker *w, struct libvhost_vq *vq);

/*
 * After libvhost_backend_process(): the worker looks at its kick fds again
 * (SET_VRING_KICK on a started ring keeps the fd's number but changes its
 * file, and a poll() asleep on the old file would not see kicks), and
 * serves each ring it holds once (a ring enabled, an IOTLB entry come).
 */
void tool_worker_wake(struct tool_worker *w);

/*
 * The worker also sleeps on @fd (-1: none; an eventfd, which it reads):
 * when it is readable, each ring it holds is served.
 */
void tool_worker_watch(struct tool_worker *w, int fd);

/* The worker's thread id (gettid()). */
pid_t tool_worker_tid(const struct tool_worker *w);

/* Ends the thread (rings it still serves are left as they are) and frees @w.  NULL-safe. */
void tool_worker_free(struct tool_worker *w);

/* The calling thread's id. */
pid_t tool_gettid(void);

/*
 * Before the workers start: SIGTERM and SIGINT blocked (the workers inherit
 * that), and in *unblocked the mask under which the main thread waits for
 * them (ppoll()).
 */
void tool_threads_block_signals(sigset_t *unblocked);

#endif
