/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tool-device.h"
#include "tool-log.h"
#include "tool-threads.h"

volatile sig_atomic_t tool_quit;

static void on_signal(int sig)
{
	(void)sig;
	tool_quit = 1;
}

void tool_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int tool_config_read(const void *config, size_t size, uint32_t offset, void *buf, uint32_t len)
{
	if (offset > size || len > size - offset)
		return -EINVAL;
	memcpy(buf, (const uint8_t *)config + offset, len);
	return 0;
}

#define RETRY_MS 100 /* --connect: the front-end gone, dialled again this often */

/* What tool_serve_all() knows of one back-end between rounds, and in one. */
struct served {
	unsigned int first, cnt; /* its pollfds this round: the socket first, none when gone */
	bool done; /* its front-end left for good (an adopted fd) */
	bool has_due;
	struct timespec due; /* with has_due: processed then even if the socket is quiet */
};

static int64_t ns_until(const struct timespec *t, const struct timespec *now)
{
	return (t->tv_sec - now->tv_sec) * 1000000000LL + t->tv_nsec - now->tv_nsec;
}

/* @v processed in @ms (< 0: no change) even if its socket stays quiet. */
static void due_in(struct served *v, const struct timespec *now, int ms)
{
	int64_t ns = (int64_t)ms * 1000000LL;

	if (ms < 0)
		return;
	v->has_due = true;
	v->due.tv_sec = now->tv_sec + ns / 1000000000LL;
	v->due.tv_nsec = now->tv_nsec + ns % 1000000000LL;
	if (v->due.tv_nsec >= 1000000000L) {
		v->due.tv_sec++;
		v->due.tv_nsec -= 1000000000L;
	}
}

/* The shorter of two sleeps in ms, -1 being none. */
static int sooner(int a, int b)
{
	return a < 0 ? b : b < 0 || a < b ? a : b;
}

/*
 * Back-end @s's fds into pfd[*cnt...] (what each is into kind[]: -1 the
 * socket, -2 the extra fd, else a ring; the rings not with @threads);
 * returns the longest the loop may sleep for it, in ms (-1: no limit).
 */
static int gather(const struct tool_serve *s, struct served *v, bool threads,
		  const struct timespec *now, struct pollfd *pfd, int *kind, unsigned int *cnt)
{
	int fd = libvhost_backend_get_fd(s->be), t = -1;
	bool busy;
	unsigned int i;

	v->first = *cnt;
	v->cnt = 0;
	if (fd < 0) {
		v->done = !s->client; /* --fd: the front-end went away */
		if (v->done)
			return -1;
		/*
		 * --connect: dial again RETRY_MS after the front-end left, then
		 * every RETRY_MS (at once, a front-end killed may still have its
		 * listening socket for a moment, and a dial there is dropped)
		 */
		if (!v->has_due)
			due_in(v, now, RETRY_MS);
	} else {
		v->has_due = false;
		/* the library's own deadlines make this fd readable too */
		pfd[*cnt] = (struct pollfd){ fd, POLLIN, 0 };
		kind[(*cnt)++] = -1;
	}
	if (v->has_due) {
		int64_t ns = ns_until(&v->due, now);

		t = ns <= 0 ? 0 : (int)((ns + 999999) / 1000000);
	}
	if (fd < 0 || threads) {
		v->cnt = *cnt - v->first;
		return t;
	}
	busy = s->extra_more && *s->extra_more;
	if (s->extra_fd >= 0) {
		pfd[*cnt] = (struct pollfd){ s->extra_fd, POLLIN, 0 };
		kind[(*cnt)++] = -2;
	}
	for (i = 0; i < s->rings; i++) {
		int kfd = libvhost_vq_get_kick_fd(libvhost_backend_get_vq(s->be, i));

		if (kfd < 0) {
			if (s->more)
				s->more[i] = false; /* stopped */
			continue;
		}
		pfd[*cnt] = (struct pollfd){ kfd, POLLIN, 0 };
		kind[(*cnt)++] = (int)i;
		busy |= s->more && s->more[i];
	}
	v->cnt = *cnt - v->first;
	if (s->timeout)
		t = sooner(t, s->timeout(s->userdata));
	return busy ? 0 : t;
}

/* The rings kicked or left with work and the extra fd of @s (without --threads). */
static void serve_rings(const struct tool_serve *s, const struct served *v,
			const struct pollfd *pfd, const int *kind)
{
	unsigned int i;
	bool kicked;
	uint64_t val;

	for (i = v->first + 1; i < v->first + v->cnt; i++) {
		kicked = pfd[i].revents & POLLIN;
		if (kind[i] == -2) {
			if (kicked || (s->extra_more && *s->extra_more))
				s->serve_extra(s->userdata);
			continue;
		}
		if (kicked)
			(void)!read(pfd[i].fd, &val, sizeof(val));
		if (kicked || (s->more && s->more[kind[i]]))
			s->serve_ring(s->userdata, (unsigned int)kind[i]);
	}
}

/* After ppoll(): back-end @s's turn.  0, or the error that ends the loop. */
static int dispatch(const struct tool_serve *s, struct served *v, bool threads,
		    const struct pollfd *pfd, const int *kind)
{
	struct timespec now;
	bool connected = v->cnt > 0, due;
	unsigned int i;
	int r;

	if (v->done)
		return 0;
	if (connected && !threads)
		serve_rings(s, v, pfd, kind);
	clock_gettime(CLOCK_MONOTONIC, &now);
	due = v->has_due && ns_until(&v->due, &now) <= 0;
	if (!(connected && pfd[v->first].revents) && !due)
		return 0;
	r = libvhost_backend_process(s->be);
	if (threads)
		for (i = 0; i < s->nworkers; i++)
			tool_worker_wake(s->workers[i]);
	if (r < 0)
		return r;
	if (!connected) {
		if (r > 0)
			fprintf(stderr, "%s: connected to the front-end again\n", s->tool);
		else
			due_in(v, &now, RETRY_MS);
		return 0;
	}
	if (s->after_message && !threads)
		s->after_message(s->userdata);
	return 0;
}

static int serve_loop(const struct tool_serve *const *s, unsigned int n, bool threads,
		      const sigset_t *unblocked)
{
	const unsigned int per = 2 + TOOL_SERVE_MAX_RINGS;
	struct served *v;
	struct pollfd *pfd;
	struct timespec now, ts;
	unsigned int i, cnt, live;
	int *kind, t, r = 0;

	if (!n || n > TOOL_MAX_DEVICES)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (s[i]->rings > TOOL_SERVE_MAX_RINGS)
			return -EINVAL;
	v = calloc(n, sizeof(*v));
	pfd = calloc((size_t)n * per, sizeof(*pfd));
	kind = calloc((size_t)n * per, sizeof(*kind));
	if (!v || !pfd || !kind) {
		r = -ENOMEM;
		goto out;
	}
	while (!tool_quit) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		cnt = live = 0;
		t = -1;
		for (i = 0; i < n; i++) {
			if (v[i].done)
				continue;
			t = sooner(t, gather(s[i], &v[i], threads, &now, pfd, kind, &cnt));
			live += !v[i].done;
		}
		if (!live)
			break;
		ts = (struct timespec){ t / 1000, (long)(t % 1000) * 1000000L };
		if (ppoll(pfd, cnt, t < 0 ? NULL : &ts, unblocked) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		for (i = 0; i < n && r == 0; i++)
			r = dispatch(s[i], &v[i], threads, pfd, kind);
		if (r < 0)
			break;
	}
out:
	free(v);
	free(pfd);
	free(kind);
	return r;
}

int tool_serve_all(const struct tool_serve *const *s, unsigned int n)
{
	return serve_loop(s, n, false, NULL);
}

int tool_serve_threads_all(const struct tool_serve *const *s, unsigned int n,
			   const sigset_t *unblocked)
{
	return serve_loop(s, n, true, unblocked);
}

int tool_serve(const struct tool_serve *s)
{
	return tool_serve_all(&s, 1);
}

int tool_serve_threads(const struct tool_serve *s, const sigset_t *unblocked)
{
	return tool_serve_threads_all(&s, 1, unblocked);
}

void tool_device_name(char *buf, size_t size, const char *tool, unsigned int index)
{
	if (index)
		snprintf(buf, size, "%s: device %u", tool, index);
	else
		snprintf(buf, size, "%s", tool);
}

int tool_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || !*s || *s == '-' || *end || *out > max ? -1 : 0;
}

int tool_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true" };
	static const char *const no[] = { "off", "no", "false" };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*out = !strcmp(s, yes[i]);
			return 0;
		}
	}
	return -1;
}

/*
 * The next KEY=VALUE at *p, made a string in place (",," made ","); *p
 * moved past it and its comma.  Returns it.
 */
static char *next_item(char **p)
{
	char *item = *p, *q = *p, *w = *p;

	while (*q) {
		if (*q == ',' && q[1] != ',')
			break;
		*w++ = *q;
		q += *q == ',' ? 2 : 1;
	}
	*p = *q ? q + 1 : q;
	*w = '\0';
	return item;
}

int tool_device_parse(const char *tool, char *arg, const char *const *keys,
		      int (*set)(void *ud, unsigned int key, const char *value), void *ud)
{
	uint64_t seen = 0;
	char *p = arg, *item, *eq;
	unsigned int k;

	if (!*arg) {
		fprintf(stderr, "%s: --device takes KEY=VALUE,...\n", tool);
		return -1;
	}
	while (*p) {
		item = next_item(&p);
		eq = strchr(item, '=');
		if (eq)
			*eq = '\0';
		for (k = 0; keys[k] && strcmp(keys[k], item); k++)
			;
		if (!eq || !keys[k]) {
			fprintf(stderr, "%s: --device: %s '%s'\n", tool,
				eq ? "unknown key" : "not KEY=VALUE:", item);
			return -1;
		}
		if (seen & (1ULL << k)) {
			fprintf(stderr, "%s: --device: %s given twice\n", tool, item);
			return -1;
		}
		seen |= 1ULL << k;
		if (set(ud, k, eq + 1) < 0)
			return -1;
	}
	return 0;
}

int tool_devices_add(struct tool_devices *d, char *arg)
{
	void *o = (uint8_t *)d->opts + d->n * d->size;

	if (d->n > TOOL_MAX_DEVICES) {
		fprintf(stderr, "%s: at most %u devices\n", d->tool, TOOL_MAX_DEVICES);
		return -1;
	}
	memcpy(o, d->defaults, d->size);
	if (tool_device_parse(d->tool, arg, d->keys, d->set, o) < 0 || d->check(o) < 0)
		return -1;
	d->n++;
	return 0;
}

int tool_devices_end(struct tool_devices *d)
{
	unsigned int n = d->n - !d->single;

	if (!n) {
		fprintf(stderr, "%s: no device: give --socket-path or --device\n", d->tool);
		return -1;
	}
	if (d->single && d->check(d->opts) < 0)
		return -1;
	if (n > TOOL_MAX_DEVICES) {
		fprintf(stderr, "%s: at most %u devices\n", d->tool, TOOL_MAX_DEVICES);
		return -1;
	}
	if (!d->single)
		memmove(d->opts, (uint8_t *)d->opts + d->size, n * d->size);
	return (int)n;
}

int tool_run(const struct tool_serve *const *s, unsigned int n, bool threads,
	     int (*begin)(void *userdata), void (*end)(void *userdata))
{
	sigset_t unblocked;
	unsigned int i;
	int r = 0;

	if (!threads)
		return tool_serve_all(s, n);
	tool_threads_block_signals(&unblocked);
	for (i = 0; i < n && r == 0; i++)
		r = begin(s[i]->userdata) < 0 ? -EAGAIN : 0;
	if (r == 0)
		r = tool_serve_threads_all(s, n, &unblocked);
	/* every thread ended before the back-ends go: none touches a ring after */
	for (i = 0; i < n; i++)
		end(s[i]->userdata);
	return r;
}

unsigned int tool_attach_count(const struct tool_attach *a)
{
	return (a->socket_path != NULL) + (a->connect_path != NULL) + (a->fd >= 0);
}

/* --fd: a listening socket (systemd's socket activation) or a connected one (a socketpair's end). */
static bool tool_fd_listens(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

int tool_attach(const char *tool, struct libvhost_backend *be, const struct tool_attach *a)
{
	unsigned int mark = tool_log_errors();
	int r;

	if (a->socket_path)
		r = libvhost_backend_listen(be, a->socket_path);
	else if (a->connect_path)
		r = libvhost_backend_connect(be, a->connect_path);
	else if (tool_fd_listens(a->fd))
		r = libvhost_backend_listen_fd(be, a->fd);
	else
		r = libvhost_backend_adopt_fd(be, a->fd);
	if (r < 0)
		/* libvhost's line, if it logged one */
		tool_fail(tool, a->socket_path ? a->socket_path
				: a->connect_path ? a->connect_path : "--fd", r, mark);
	return r;
}
