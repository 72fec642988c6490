/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user-vsock: a virtio-vsock device served to a vhost-user front-end,
 * whose host side is "hybrid vsock" over unix sockets: a host program
 * connects to --uds-path and writes "CONNECT <port>\n" to reach guest port
 * <port> (answered "OK <host port>\n" once the guest accepted; closed if
 * it refused), and a guest connection to host port P is connected to the
 * unix socket "<uds-path>_P".  The protocol is vsock-core.c's; this file is
 * the sockets and the loop: one thread, the shared serve loop sleeping on
 * the vhost-user socket, the kick fds and an epoll fd of the unix sockets.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libvhost.h>

#include "tool-caps.h"
#include "tool-device.h"
#include "tool-log.h"
#include "tool-stats.h"
#include "vsock-core.h"

#define TOOL "vhost-user-vsock"
#define BUDGET 256 /* buffers of a ring served in one go before the rest get a turn */
#define EVENTS 64 /* unix socket events taken at a time */
#define LINE_MAX_LEN 32 /* "CONNECT 4294967295\n" and some room */
#define STATS_MS 1000

enum link_kind { LINK_LISTEN, LINK_HANDSHAKE, LINK_CONN };

/* A unix socket of the host side. */
struct link {
	enum link_kind kind;
	int fd;
	struct vsock_conn *c; /* LINK_CONN */
	bool writable; /* LINK_CONN: the last write did not find it full */
	bool wr_shut; /* shutdown(SHUT_WR) done: the guest sends no more */
	char ok[LINE_MAX_LEN]; /* "OK <port>\n" still to write, before any data */
	size_t ok_len, ok_off;
};

struct vsock_dev {
	struct libvhost_backend *be;
	struct vsock_core *core;
	const char *uds_path;
	int ep; /* epoll of the unix sockets */
	struct link listener;
	unsigned int links, max_links; /* handshakes and connections */
	bool more[VSOCK_VQS], ep_more;
	bool stats;
	struct vsock_stats last;
	uint64_t config_cid; /* le64: the config space */
};

static int vsock_get_config(void *ud, uint32_t offset, void *buf, uint32_t len)
{
	struct vsock_dev *d = ud;

	return tool_config_read(&d->config_cid, sizeof(d->config_cid), offset, buf, len);
}

static void link_free(struct vsock_dev *d, struct link *l)
{
	epoll_ctl(d->ep, EPOLL_CTL_DEL, l->fd, NULL);
	close(l->fd);
	d->links--;
	free(l);
}

/* The guest's bytes (after any "OK" line) to the socket, as much as it takes. */
static void flush(struct vsock_dev *d, struct link *l)
{
	struct vsock_conn *c = l->c;
	struct iovec iov[2];
	unsigned int n;
	ssize_t w;

	while (l->ok_off < l->ok_len) {
		w = send(l->fd, l->ok + l->ok_off, l->ok_len - l->ok_off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN) {
				l->writable = false;
				return;
			}
			vsock_conn_reset(d->core, c);
			return;
		}
		l->ok_off += (size_t)w;
	}
	while (l->writable && vsock_conn_out(c, iov, &n)) {
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = n };

		w = sendmsg(l->fd, &m, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN) {
				l->writable = false;
				return;
			}
			vsock_conn_reset(d->core, c); /* frees @l (ops->closed) */
			return;
		}
		vsock_conn_consumed(d->core, c, (size_t)w);
		if (!c->priv)
			return; /* closed: both ways done */
	}
	if (!l->wr_shut && (c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) && c->rx_cnt == c->fwd_cnt) {
		shutdown(l->fd, SHUT_WR);
		l->wr_shut = true;
	}
}

static int host_guest_connect(void *ud, struct vsock_conn *c)
{
	struct vsock_dev *d = ud;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
	struct link *l;
	int fd;

	if (d->links >= d->max_links ||
	    (size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%" PRIu32, d->uds_path,
			     c->host_port) >= sizeof(sa.sun_path))
		return -ENOSPC;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	*l = (struct link){ .kind = LINK_CONN, .fd = fd, .c = c, .writable = true };
	ev.data.ptr = l;
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		free(l);
		return -errno;
	}
	d->links++;
	c->priv = l;
	return 0;
}

static void host_accepted(void *ud, struct vsock_conn *c)
{
	struct vsock_dev *d = ud;
	struct link *l = c->priv;

	l->ok_len = (size_t)snprintf(l->ok, sizeof(l->ok), "OK %" PRIu32 "\n", c->host_port);
	flush(d, l);
}

static void host_data(void *ud, struct vsock_conn *c)
{
	if (c->priv)
		flush(ud, c->priv);
}

static ssize_t host_read(void *ud, struct vsock_conn *c, const struct iovec *iov, unsigned int n)
{
	struct link *l = c->priv;
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	ssize_t r;

	(void)ud;
	r = recvmsg(l->fd, &m, MSG_DONTWAIT);
	if (r < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	return r;
}

static void host_closed(void *ud, struct vsock_conn *c)
{
	link_free(ud, c->priv);
}

static const struct vsock_host_ops host_ops = {
	.guest_connect = host_guest_connect,
	.accepted = host_accepted,
	.data = host_data,
	.read = host_read,
	.closed = host_closed,
};

static void do_accept(struct vsock_dev *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct link *l;
	int fd;

	while ((fd = accept4(d->listener.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (d->links >= d->max_links || !(l = calloc(1, sizeof(*l)))) {
			close(fd); /* full: the host program sees its end of file */
			continue;
		}
		*l = (struct link){ .kind = LINK_HANDSHAKE, .fd = fd };
		ev.data.ptr = l;
		if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(l);
			continue;
		}
		d->links++;
	}
}

/* "CONNECT <port>\n" read (and nothing after it): the connection's REQUEST goes to the guest. */
static void handshake(struct vsock_dev *d, struct link *l)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = l };
	char line[LINE_MAX_LEN + 1], *nl;
	unsigned long port;
	ssize_t r;

	r = recv(l->fd, line, LINE_MAX_LEN, MSG_PEEK);
	if (r < 0 && errno == EAGAIN)
		return;
	if (r <= 0)
		goto bad;
	line[r] = '\0';
	nl = memchr(line, '\n', (size_t)r);
	if (!nl) {
		if (r == LINE_MAX_LEN)
			goto bad;
		return; /* the rest of the line is on its way */
	}
	*nl = '\0';
	if (strncmp(line, "CONNECT ", 8) || tool_parse_uint(line + 8, UINT32_MAX, &port) < 0)
		goto bad;
	if (recv(l->fd, line, (size_t)(nl - line + 1), 0) != nl - line + 1)
		goto bad;
	l->c = vsock_core_connect(d->core, (uint32_t)port, l);
	if (!l->c)
		goto bad;
	l->kind = LINK_CONN;
	l->writable = true;
	/* the host program's bytes wait for the guest's RESPONSE (vsock-core.c) */
	if (epoll_ctl(d->ep, EPOLL_CTL_MOD, l->fd, &ev) < 0)
		vsock_conn_reset(d->core, l->c);
	return;
bad:
	link_free(d, l);
}

static void serve_rx(struct vsock_dev *d)
{
	d->more[VSOCK_VQ_RX] =
		vsock_core_serve_rx(d->core, libvhost_backend_get_vq(d->be, VSOCK_VQ_RX), BUDGET);
}

/* The unix sockets' events (tool_serve's extra fd), then the packets they made. */
static void serve_sockets(void *ud)
{
	struct vsock_dev *d = ud;
	struct epoll_event ev[EVENTS];
	int n, i;

	n = epoll_wait(d->ep, ev, EVENTS, 0);
	d->ep_more = n == EVENTS;
	for (i = 0; i < n; i++) {
		struct link *l = ev[i].data.ptr;

		if (l->kind == LINK_LISTEN) {
			do_accept(d);
		} else if (l->kind == LINK_HANDSHAKE) {
			handshake(d, l);
		} else {
			struct vsock_conn *c = l->c;

			if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				vsock_conn_readable(d->core, c);
			if (ev[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
				l->writable = true;
				if (c->state != VSOCK_CONNECTING)
					flush(d, l);
			}
		}
	}
	serve_rx(d);
}

static void serve_ring(void *ud, unsigned int index)
{
	struct vsock_dev *d = ud;
	struct libvhost_vq *vq = libvhost_backend_get_vq(d->be, index);

	if (index == VSOCK_VQ_TX)
		d->more[index] = vsock_core_serve_tx(d->core, vq, BUDGET);
	/* the event ring: nothing to tell the driver (its buffers stay) */
	serve_rx(d);
}

/* After each vhost-user message: a ring may have started with packets waiting. */
static void after_message(void *ud)
{
	struct vsock_dev *d = ud;

	if (libvhost_vq_is_enabled(libvhost_backend_get_vq(d->be, VSOCK_VQ_TX)))
		serve_ring(d, VSOCK_VQ_TX);
	else
		serve_rx(d);
}

/* The front-end left or reset the device: every connection goes, the host programs see EOF. */
static void vsock_reset(void *ud)
{
	struct vsock_dev *d = ud;

	vsock_core_reset(d->core);
}

static void print_stats(const char *what, const struct vsock_stats *s)
{
	fprintf(stderr,
		TOOL ": %s: %" PRIu64 " packets from the guest, %" PRIu64 " to it, %" PRIu64
		" bytes from it, %" PRIu64 " to it, %" PRIu64 " connections by the guest, %" PRIu64
		" by the host, %" PRIu64 " refused, %" PRIu64 " resets sent, %" PRIu64
		" received, %" PRIu64 " dropped, %" PRIu64 " late packets; bad: %" PRIu64 " headers, %" PRIu64
		" lengths, %" PRIu64 " addresses, %" PRIu64 " types, %" PRIu64 " ops, %" PRIu64
		" credit lies, %" PRIu64 " unknown connections, %" PRIu64 " rx buffers\n",
		what, s->tx_packets, s->rx_packets, s->tx_bytes, s->rx_bytes, s->guest_connects,
		s->host_connects, s->refused, s->resets_sent, s->resets_received, s->resets_dropped,
		s->late, s->bad_header, s->bad_length, s->bad_address, s->bad_type, s->bad_op,
		s->credit_lies, s->unknown_conn, s->bad_rx_buffer);
}

/* --stats: the counts once a second, when they changed. */
static int stats_timeout(void *ud)
{
	struct vsock_dev *d = ud;
	const struct vsock_stats *s = vsock_core_stats(d->core);

	if (memcmp(s, &d->last, sizeof(*s))) {
		print_stats("stats", s);
		d->last = *s;
	}
	return STATS_MS;
}

static int listen_uds(struct vsock_dev *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &d->listener };
	struct stat st;
	int fd;

	if (strlen(d->uds_path) >= sizeof(sa.sun_path) - 11) { /* room for "_4294967295" */
		fprintf(stderr, TOOL ": --uds-path is too long\n");
		return -1;
	}
	strcpy(sa.sun_path, d->uds_path);
	/* a socket left by an earlier run is replaced; nothing else is */
	if (lstat(d->uds_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(d->uds_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, TOOL ": %s: %s\n", d->uds_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	d->listener = (struct link){ .kind = LINK_LISTEN, .fd = fd };
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		fprintf(stderr, TOOL ": epoll: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: " TOOL " (--socket-path=PATH | --fd=N) --guest-cid=CID --uds-path=PATH\n"
		     "                        [--buffer-size=BYTES] [--max-connections=N] [--stats]\n"
		     "       " TOOL " --print-capabilities\n"
		     "\n"
		     "A host program connects to the unix socket at --uds-path and writes\n"
		     "\"CONNECT <port>\\n\" to reach a guest port; a guest connection to host\n"
		     "port P goes to the unix socket \"<uds-path>_P\".  See " TOOL "(1).\n");
}

struct vsock_opts {
	struct tool_attach at;
	unsigned long cid, buf_size, max_conns;
	const char *uds_path;
	bool stats;
};

/* 1 to go on, 0 when done (--help, --print-capabilities), -1 for a usage error. */
static int parse_options(int argc, char **argv, struct vsock_opts *o)
{
	static const struct option opts[] = {
		{ "socket-path", required_argument, NULL, 's' },
		{ "fd", required_argument, NULL, 'f' },
		{ "guest-cid", required_argument, NULL, 'g' },
		{ "uds-path", required_argument, NULL, 'u' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "stats", no_argument, NULL, 'S' },
		{ "print-capabilities", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->at.socket_path = optarg;
			break;
		case 'f':
			if (tool_parse_uint(optarg, INT_MAX, &v) < 0) {
				fprintf(stderr, TOOL ": bad --fd '%s'\n", optarg);
				return -1;
			}
			o->at.fd = (int)v;
			break;
		case 'g':
			/* 0-2 are the hypervisor's, the local and the host's; -1 is "any" */
			if (tool_parse_uint(optarg, 0xfffffffeUL, &o->cid) < 0 || o->cid < 3) {
				fprintf(stderr, TOOL ": --guest-cid takes 3 to 4294967294\n");
				return -1;
			}
			break;
		case 'u':
			o->uds_path = optarg;
			break;
		case 'b':
			if (tool_parse_uint(optarg, 16UL << 20, &o->buf_size) < 0 ||
			    o->buf_size < 4096) {
				fprintf(stderr, TOOL ": --buffer-size takes 4096 to 16777216\n");
				return -1;
			}
			break;
		case 'm':
			if (tool_parse_uint(optarg, 65536, &o->max_conns) < 0 || !o->max_conns) {
				fprintf(stderr, TOOL ": --max-connections takes 1 to 65536\n");
				return -1;
			}
			break;
		case 'S':
			o->stats = true;
			break;
		case 'c':
			/* VHostUserBackendType "vsock": the spec defines no vsock features */
			printf("{\n  \"type\": \"vsock\"\n}\n");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc || tool_attach_count(&o->at) != 1 || !o->cid || !o->uds_path) {
		if (optind == argc)
			fprintf(stderr, TOOL ": give one of --socket-path and --fd, --guest-cid "
					"and --uds-path\n");
		usage(stderr);
		return -1;
	}
	return 1;
}

int main(int argc, char **argv)
{
	static const struct libvhost_backend_ops ops = {
		.sz = sizeof(ops), .get_config = vsock_get_config, .reset = vsock_reset,
	};
	struct vsock_opts o = { .at.fd = -1, .buf_size = 65536, .max_conns = 1024 };
	struct vsock_dev d = { .ep = -1, .listener.fd = -1 };
	struct libvhost_ctx *ctx = NULL;
	struct tool_serve loop;
	bool served = false;
	int r = 0;

	r = parse_options(argc, argv, &o);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	d.uds_path = o.uds_path;
	d.max_links = (unsigned int)o.max_conns;
	d.stats = o.stats;
	d.config_cid = htole64(o.cid);
	r = tool_ctx_new(&ctx);
	if (r < 0) {
		tool_fail(TOOL, "the context", r, 0);
		return 1;
	}
	d.core = vsock_core_new(o.cid, (uint32_t)o.buf_size, (unsigned int)o.max_conns, &host_ops, &d);
	d.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!d.core || d.ep < 0) {
		fprintf(stderr, TOOL ": out of memory\n");
		goto fail;
	}
	if (listen_uds(&d) < 0)
		goto fail;
	{
		LIBVHOST_OPTS(libvhost_backend_opts, bo, .queue_num = VSOCK_VQS, .ops = &ops,
			      .userdata = &d);

		bo.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
			      (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_F_RING_PACKED) |
			      (1ULL << LIBVHOST_F_ACCESS_PLATFORM);
		r = libvhost_backend_new(ctx, &bo, &d.be);
		if (r < 0) {
			tool_fail(TOOL, "the back-end", r, 0);
			goto fail;
		}
	}
	if (tool_attach(TOOL, d.be, &o.at) < 0)
		goto fail;
	if (tool_drop_capabilities(TOOL) < 0)
		goto fail;
	tool_catch_signals();
	loop = (struct tool_serve){
		.tool = TOOL, .be = d.be, .userdata = &d, .rings = VSOCK_VQS,
		.serve_ring = serve_ring, .more = d.more, .extra_fd = d.ep,
		.serve_extra = serve_sockets, .extra_more = &d.ep_more,
		.after_message = after_message, .timeout = d.stats ? stats_timeout : NULL,
	};
	r = tool_serve(&loop);
	served = true;
	print_stats("at exit", vsock_core_stats(d.core));
	tool_print_backend_stats(TOOL, d.be);
fail:
	libvhost_backend_unref(d.be);
	vsock_core_free(d.core);
	if (d.listener.fd >= 0) {
		close(d.listener.fd);
		unlink(d.uds_path);
	}
	if (d.ep >= 0)
		close(d.ep);
	libvhost_ctx_unref(ctx);
	return served && r == 0 ? 0 : 1;
}
