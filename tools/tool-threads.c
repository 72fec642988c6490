/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tool-threads.h"

struct slot {
	struct libvhost_vq *vq; /* NULL: free */
	bool fresh; /* just started: served once unkicked (buffers may predate its kick fd) */
	bool more; /* left with work */
	bool stopping; /* queue_stopped waits for the drain */
};

struct tool_worker {
	struct tool_worker_ops ops;
	void *userdata;
	pthread_t thread;
	pthread_mutex_t lock; /* the slots, exit, tid */
	pthread_cond_t cond;
	int wake; /* an eventfd: the slots changed, or the kick fds may have */
	int watch; /* tool_worker_watch(), or -1 */
	pid_t tid;
	bool exit;
	struct slot slots[TOOL_WORKER_RINGS];
};

pid_t tool_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void poke(struct tool_worker *w)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is full, so the worker wakes anyway */
	(void)!write(w->wake, &one, sizeof(one));
}

/* Rings being stopped: drained with the lock dropped, then given back.  Called locked. */
static void drain_stopping(struct tool_worker *w)
{
	unsigned int i;

	for (i = 0; i < TOOL_WORKER_RINGS; i++) {
		struct slot *s = &w->slots[i];
		struct libvhost_vq *vq = s->vq;

		if (!vq || !s->stopping)
			continue;
		pthread_mutex_unlock(&w->lock);
		w->ops.drain(w->userdata, vq);
		pthread_mutex_lock(&w->lock);
		*s = (struct slot){ NULL, false, false, false };
		pthread_cond_broadcast(&w->cond);
	}
}

/*
 * Sleeps in poll() on the wake eventfd and the kick fds of the rings it
 * holds, or only looks when a ring was left with work or just started;
 * woken (a ring handed over or taken back, or a message was handled),
 * it looks at every ring it holds.
 * A ring it holds stays its own until queue_stopped has had it drained, so
 * between taking the lock's snapshot and serving, no ring goes away.
 */
static void *worker_main(void *arg)
{
	struct tool_worker *w = arg;
	struct pollfd pfd[2 + TOOL_WORKER_RINGS];
	struct libvhost_vq *vqs[TOOL_WORKER_RINGS];
	unsigned int at[2 + TOOL_WORKER_RINGS];
	bool now[TOOL_WORKER_RINGS], more[TOOL_WORKER_RINGS];
	unsigned int i, n;
	bool busy;
	uint64_t v;

	pthread_mutex_lock(&w->lock);
	w->tid = tool_gettid();
	pthread_cond_broadcast(&w->cond);
	for (;;) {
		drain_stopping(w);
		if (w->exit)
			break;
		pfd[0] = (struct pollfd){ w->wake, POLLIN, 0 };
		pfd[1] = (struct pollfd){ w->watch, POLLIN, 0 }; /* -1: ignored */
		n = 2;
		busy = false;
		for (i = 0; i < TOOL_WORKER_RINGS; i++) {
			struct slot *s = &w->slots[i];
			int fd;

			vqs[i] = s->vq;
			now[i] = s->vq && (s->fresh || s->more);
			if (!s->vq)
				continue;
			s->fresh = false;
			busy |= now[i];
			fd = libvhost_vq_get_kick_fd(s->vq);
			if (fd < 0)
				continue;
			at[n] = i;
			pfd[n++] = (struct pollfd){ fd, POLLIN, 0 };
		}
		pthread_mutex_unlock(&w->lock);
		if (poll(pfd, n, busy ? 0 : -1) < 0)
			n = 0; /* signals are blocked here: only ENOMEM */
		if (n && (pfd[0].revents & POLLIN)) {
			(void)!read(w->wake, &v, sizeof(v));
			/*
			 * A message may have changed what the rings can do: each
			 * is looked at once.  The library kicks a ring that is
			 * enabled (SET_VRING_ENABLE) before it marks it enabled,
			 * and a thread that takes that kick in between finds the
			 * ring disabled; after the message, it is not.
			 */
			for (i = 0; i < TOOL_WORKER_RINGS; i++)
				now[i] |= vqs[i] != NULL;
		}
		if (n && (pfd[1].revents & POLLIN)) {
			(void)!read(pfd[1].fd, &v, sizeof(v));
			for (i = 0; i < TOOL_WORKER_RINGS; i++)
				now[i] |= vqs[i] != NULL;
		}
		for (i = 2; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			(void)!read(pfd[i].fd, &v, sizeof(v));
			now[at[i]] = true;
		}
		for (i = 0; i < TOOL_WORKER_RINGS; i++)
			more[i] = now[i] && w->ops.serve(w->userdata, vqs[i]);
		pthread_mutex_lock(&w->lock);
		for (i = 0; i < TOOL_WORKER_RINGS; i++)
			if (vqs[i] && w->slots[i].vq == vqs[i])
				w->slots[i].more = more[i];
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int tool_worker_new(const char *tool, const struct tool_worker_ops *ops, void *userdata,
		    struct tool_worker **ret)
{
	struct tool_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int r;

	if (!w) {
		fprintf(stderr, "%s: out of memory\n", tool);
		return -ENOMEM;
	}
	w->ops = *ops;
	w->userdata = userdata;
	w->watch = -1;
	w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake < 0) {
		r = -errno;
		fprintf(stderr, "%s: eventfd: %s\n", tool, strerror(-r));
		free(w);
		return r;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	/* SIGTERM and the rest go to the main thread, which ends the workers */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		fprintf(stderr, "%s: cannot start a thread: %s\n", tool, strerror(-r));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		close(w->wake);
		free(w);
		return r;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->tid)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	*ret = w;
	return 0;
}

int tool_worker_start(struct tool_worker *w, struct libvhost_vq *vq)
{
	unsigned int i;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < TOOL_WORKER_RINGS && w->slots[i].vq; i++)
		;
	if (i < TOOL_WORKER_RINGS)
		w->slots[i] = (struct slot){ vq, true, false, false };
	pthread_mutex_unlock(&w->lock);
	if (i == TOOL_WORKER_RINGS)
		return -ENOSPC;
	poke(w);
	return 0;
}

void tool_worker_stop(struct tool_worker *w, struct libvhost_vq *vq)
{
	unsigned int i;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < TOOL_WORKER_RINGS; i++) {
		if (w->slots[i].vq != vq)
			continue;
		w->slots[i].stopping = true;
		poke(w);
		while (w->slots[i].vq == vq)
			pthread_cond_wait(&w->cond, &w->lock);
		break;
	}
	pthread_mutex_unlock(&w->lock);
}

void tool_worker_watch(struct tool_worker *w, int fd)
{
	pthread_mutex_lock(&w->lock);
	w->watch = fd;
	pthread_mutex_unlock(&w->lock);
	poke(w);
}

void tool_worker_wake(struct tool_worker *w)
{
	poke(w);
}

pid_t tool_worker_tid(const struct tool_worker *w)
{
	return w->tid;
}

void tool_worker_free(struct tool_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->exit = true;
	pthread_mutex_unlock(&w->lock);
	poke(w);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	close(w->wake);
	free(w);
}

void tool_threads_block_signals(sigset_t *unblocked)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, unblocked);
	sigdelset(unblocked, SIGTERM);
	sigdelset(unblocked, SIGINT);
}
