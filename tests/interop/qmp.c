/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A tiny QMP client for the interop scripts:
 *
 *   qmp [-t SECONDS] [-e EVENT [-m TEXT] [-x TEXT]] (-s SOCKET | SOCKET) [COMMAND]
 *
 * Connects to QEMU's QMP unix socket, reads the greeting, leaves capability
 * negotiation with qmp_capabilities, sends COMMAND (one JSON object, e.g.
 * '{"execute": "query-status"}') and prints the reply line.  With -e it then
 * waits for the event EVENT (a line with "event": "EVENT", and TEXT in it
 * if -m is given, and not the TEXT of -x; events that came before the reply
 * count too) and prints that line.  Exit status: 0 done, 1 the reply was an error, 2 no reply or
 * event before the deadline (-t, 30 s by default), or the socket failed.
 * QEMU writes one JSON object per line, so a line is a message.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES (1u << 20)

static int fd = -1;
static char *buf;
static size_t len;
static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The next line (without its newline) in a buffer owned here, or NULL. */
static char *next_line(void)
{
	static char *line;
	struct pollfd p;
	ssize_t got;
	double left;
	char *nl;
	int r;

	for (;;) {
		nl = memchr(buf, '\n', len);
		if (nl) {
			size_t n = (size_t)(nl - buf);

			free(line);
			line = malloc(n + 1);
			if (!line)
				return NULL;
			memcpy(line, buf, n);
			line[n] = '\0';
			memmove(buf, nl + 1, len - n - 1);
			len -= n + 1;
			return line;
		}
		if (len == LINE_MAX_BYTES) {
			fprintf(stderr, "qmp: a line longer than %u bytes\n", LINE_MAX_BYTES);
			return NULL;
		}
		left = deadline - now();
		if (left <= 0) {
			fprintf(stderr, "qmp: timed out\n");
			return NULL;
		}
		p = (struct pollfd){ fd, POLLIN, 0 };
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("qmp: poll");
			return NULL;
		}
		if (r == 0)
			continue;
		got = read(fd, buf + len, LINE_MAX_BYTES - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(stderr, "qmp: %s\n", got < 0 ? strerror(errno) : "QEMU closed the socket");
			return NULL;
		}
		len += (size_t)got;
	}
}

static int send_all(const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			perror("qmp: write");
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static bool is_event(const char *line)
{
	return strstr(line, "\"event\"") != NULL;
}

static const char *exclude;

static bool event_matches(const char *line, const char *event, const char *text)
{
	char want[256];

	if (!event || !is_event(line))
		return false;
	snprintf(want, sizeof(want), "\"event\": \"%s\"", event);
	if (!strstr(line, want)) {
		snprintf(want, sizeof(want), "\"event\":\"%s\"", event);
		if (!strstr(line, want))
			return false;
	}
	return (!text || strstr(line, text)) && (!exclude || !strstr(line, exclude));
}

/*
 * Sends cmd (a newline is added) and reads up to its reply, noting a wanted
 * event seen on the way.  Returns 0 for a "return", 1 for an "error", 2 when
 * there was none.
 */
static int command(const char *cmd, bool print, const char *event, const char *text,
		   bool *seen)
{
	char *line;

	if (send_all(cmd) < 0 || send_all("\n") < 0)
		return 2;
	while ((line = next_line())) {
		if (is_event(line)) {
			if (event_matches(line, event, text)) {
				*seen = true;
				printf("%s\n", line);
			}
			continue;
		}
		if (print || strstr(line, "\"error\""))
			printf("%s\n", line);
		if (strstr(line, "\"error\""))
			return 1;
		if (strstr(line, "\"return\""))
			return 0;
	}
	return 2;
}

int main(int argc, char **argv)
{
	const char *event = NULL, *text = NULL, *cmd = NULL, *path = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double timeout = 30;
	bool seen = false;
	char *line;
	int opt, r;

	while ((opt = getopt(argc, argv, "t:e:m:x:s:")) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 't':
			timeout = strtod(optarg, NULL);
			break;
		case 'e':
			event = optarg;
			break;
		case 'm':
			text = optarg;
			break;
		case 'x':
			exclude = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (!path && optind < argc)
		path = argv[optind++];
	if (optind < argc)
		cmd = argv[optind++];
	if (!path || optind < argc || strlen(path) >= sizeof(sa.sun_path) || (!cmd && !event))
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = now() + timeout;
	buf = malloc(LINE_MAX_BYTES);
	if (!buf)
		return 2;
	strcpy(sa.sun_path, path);
	/*
	 * QEMU's monitor takes one client at a time, and may still be letting
	 * the one before go (a busy TCG guest): it closes a new connection
	 * then, with no greeting.  Nothing was sent yet: connect again, until
	 * the deadline.  What it had for the client before (an event that came
	 * as that one left) may come before the greeting: skipped.
	 */
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "qmp: %s: %s\n", path, strerror(errno));
			return 2;
		}
		do
			line = next_line();
		while (line && !strstr(line, "\"QMP\""));
		if (line)
			break;
		close(fd);
		len = 0;
		if (now() >= deadline) {
			fprintf(stderr, "qmp: no QMP greeting\n");
			return 2;
		}
		usleep(100000);
	}
	r = command("{\"execute\": \"qmp_capabilities\"}", false, NULL, NULL, &seen);
	if (r)
		return r;
	if (cmd) {
		r = command(cmd, true, event, text, &seen);
		if (r)
			return r;
	}
	while (event && !seen) {
		line = next_line();
		if (!line)
			return 2;
		if (event_matches(line, event, text)) {
			printf("%s\n", line);
			seen = true;
		}
	}
	close(fd);
	return 0;
usage:
	fprintf(stderr,
		"Usage: qmp [-t SECONDS] [-e EVENT [-m TEXT] [-x TEXT]] (-s SOCKET | SOCKET) [COMMAND]\n");
	return 2;
}
