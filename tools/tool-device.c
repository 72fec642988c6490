/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool-device.h"
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

/* --connect, the front-end gone: dial it every 100 ms. */
static int reconnect(const struct tool_serve *s)
{
	int r;

	if (poll(NULL, 0, 100) < 0 && errno != EINTR)
		return -errno;
	r = libvhost_backend_process(s->be);
	if (r > 0)
		fprintf(stderr, "%s: connected to the front-end again\n", s->tool);
	return r;
}

int tool_serve(const struct tool_serve *s)
{
	struct pollfd pfd[2 + TOOL_SERVE_MAX_RINGS];
	int kind[2 + TOOL_SERVE_MAX_RINGS]; /* -1 the socket, -2 the extra fd, else a ring */
	unsigned int i, cnt;
	bool busy, kicked;
	uint64_t v;
	int r;

	if (s->rings > TOOL_SERVE_MAX_RINGS)
		return -EINVAL;
	while (!tool_quit) {
		cnt = 0;
		pfd[cnt] = (struct pollfd){ libvhost_backend_get_fd(s->be), POLLIN, 0 };
		if (pfd[cnt].fd < 0 && !s->client)
			return 0; /* --fd, --socket-path: the front-end went away */
		if (pfd[cnt].fd < 0) {
			r = reconnect(s);
			if (r < 0)
				return r;
			continue;
		}
		kind[cnt++] = -1;
		busy = s->extra_more && *s->extra_more;
		if (s->extra_fd >= 0) {
			pfd[cnt] = (struct pollfd){ s->extra_fd, POLLIN, 0 };
			kind[cnt++] = -2;
		}
		for (i = 0; i < s->rings; i++) {
			int fd = libvhost_vq_get_kick_fd(libvhost_backend_get_vq(s->be, i));

			if (fd < 0) {
				if (s->more)
					s->more[i] = false; /* stopped */
				continue;
			}
			pfd[cnt] = (struct pollfd){ fd, POLLIN, 0 };
			kind[cnt++] = (int)i;
			busy |= s->more && s->more[i];
		}
		if (poll(pfd, cnt, busy ? 0 : s->timeout ? s->timeout(s->userdata) : -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 1; i < cnt; i++) {
			kicked = pfd[i].revents & POLLIN;
			if (kind[i] == -2) {
				if (kicked || (s->extra_more && *s->extra_more))
					s->serve_extra(s->userdata);
				continue;
			}
			if (kicked)
				(void)!read(pfd[i].fd, &v, sizeof(v));
			if (kicked || (s->more && s->more[kind[i]]))
				s->serve_ring(s->userdata, (unsigned int)kind[i]);
		}
		if (pfd[0].revents) {
			r = libvhost_backend_process(s->be);
			if (r < 0)
				return r;
			if (s->after_message)
				s->after_message(s->userdata);
		}
	}
	return 0;
}

int tool_serve_threads(const struct tool_serve *s, const sigset_t *unblocked)
{
	const struct timespec retry = { 0, 100000000 };
	struct pollfd pfd;
	unsigned int i;
	int r;

	while (!tool_quit) {
		pfd = (struct pollfd){ libvhost_backend_get_fd(s->be), POLLIN, 0 };
		if (pfd.fd < 0 && !s->client)
			return 0;
		r = pfd.fd < 0 ? ppoll(NULL, 0, &retry, unblocked) : ppoll(&pfd, 1, NULL, unblocked);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (pfd.fd >= 0 && !pfd.revents)
			continue;
		r = libvhost_backend_process(s->be);
		for (i = 0; i < s->nworkers; i++)
			tool_worker_wake(s->workers[i]);
		if (r < 0)
			return r;
		if (r > 0 && pfd.fd < 0)
			fprintf(stderr, "%s: connected to the front-end again\n", s->tool);
	}
	return 0;
}
