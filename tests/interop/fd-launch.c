/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fd-launch - start a back-end the way a manager does with the vhost-user
 * spec's --fd: a unix socket made here, inherited as fd FDNUM.
 *
 *   fd-launch listen PATH FDNUM CMD [ARG]...   a listening socket on PATH
 *                                               (systemd's Accept=no)
 *   fd-launch accept PATH FDNUM CMD [ARG]...   listen on PATH, accept one
 *                                               front-end, remove PATH, and
 *                                               hand over the connected socket
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, want;
	char *end;

	if (argc < 5 || (strcmp(argv[1], "listen") && strcmp(argv[1], "accept")) ||
	    strlen(argv[2]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: fd-launch listen|accept PATH FDNUM CMD [ARG]...\n");
		return 1;
	}
	want = (int)strtol(argv[3], &end, 10);
	if (*end || want < 3 || want > 1000) {
		fprintf(stderr, "fd-launch: FDNUM must be 3..1000\n");
		return 1;
	}
	strcpy(sa.sun_path, argv[2]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		fprintf(stderr, "fd-launch: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (!strcmp(argv[1], "accept")) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			fprintf(stderr, "fd-launch: accept: %s\n", strerror(errno));
			return 1;
		}
		close(fd);
		unlink(argv[2]);
		fd = c;
	}
	if (fd == want) {
		if (fcntl(fd, F_SETFD, 0) < 0)
			return 1;
	} else if (dup2(fd, want) < 0) {
		fprintf(stderr, "fd-launch: dup2: %s\n", strerror(errno));
		return 1;
	} else {
		close(fd);
	}
	execv(argv[4], argv + 4);
	fprintf(stderr, "fd-launch: %s: %s\n", argv[4], strerror(errno));
	return 127;
}
