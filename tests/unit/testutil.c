/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>

#include "testutil.h"
#if LIBVHOST_HAS_POSTCOPY
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

static unsigned int log_errors;
static unsigned int log_lines;
static char log_last[512];

int tu_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void capture_log(void *userdata, int priority, const char *file, int line,
			const char *func, const char *format, va_list args) LIBVHOST_PRINTF(6, 0);

static void capture_log(void *userdata, int priority, const char *file, int line,
			const char *func, const char *format, va_list args)
{
	(void)userdata;
	(void)file;
	(void)line;
	(void)func;
	/* device threads log too */
	pthread_mutex_lock(&log_lock);
	vsnprintf(log_last, sizeof(log_last), format, args);
	/* LVH_TEST_LOG=1: every line on stderr too, for debugging a test */
	if (getenv("LVH_TEST_LOG"))
		fprintf(stderr, "<%d> %s\n", priority, log_last);
	log_lines++;
	if (priority <= LOG_ERR)
		log_errors++;
	pthread_mutex_unlock(&log_lock);
}

struct libvhost_ctx *tu_ctx_new(void)
{
	LIBVHOST_OPTS(libvhost_ctx_opts, opts, .log_fn = capture_log, .log_priority = LOG_DEBUG);
	struct libvhost_ctx *ctx = NULL;

	ck_assert_int_eq(libvhost_ctx_new(&opts, &ctx), 0);
	return ctx;
}

void tu_ctx_free(struct libvhost_ctx *ctx)
{
	libvhost_ctx_unref(ctx);
}

unsigned int tu_log_errors(void)
{
	return log_errors;
}

unsigned int tu_log_lines(void)
{
	return log_lines;
}

const char *tu_log_last(void)
{
	return log_last;
}

void tu_log_reset(void)
{
	log_errors = 0;
	log_lines = 0;
	log_last[0] = 0;
}

int tu_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

#if LIBVHOST_HAS_POSTCOPY
int tu_userfaultfd(void)
{
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

#ifdef UFFD_USER_MODE_ONLY
	/* vm.unprivileged_userfaultfd=0 without CAP_SYS_PTRACE */
	if (fd < 0 && errno == EPERM)
		fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
#endif
	return fd < 0 ? -errno : fd;
}
#endif

int tu_msg_from_bytes(struct lvh_msg *m, const uint8_t *bytes, size_t len, unsigned int nfds)
{
	uint32_t hdr[3];
	unsigned int i;

	ck_assert_uint_ge(len, sizeof(hdr));
	ck_assert_uint_le(len - sizeof(hdr), sizeof(m->payload.bytes));
	ck_assert_uint_le(nfds, LIBVHOST_USER_MAX_FDS);
	memset(m, 0, sizeof(*m));
	memcpy(hdr, bytes, sizeof(hdr));
	m->request = hdr[0];
	m->flags = hdr[1];
	m->size = hdr[2];
	memcpy(m->payload.bytes, bytes + sizeof(hdr), len - sizeof(hdr));
	for (i = 0; i < nfds; i++)
		m->fds[m->nfds++] = tu_eventfd();
	/* the declared size must match what the vector carries, as on the wire */
	if (m->size != len - sizeof(hdr))
		return -EBADMSG;
	return lvh_hdr_check(NULL, m->request, m->flags, m->size);
}

void tu_assert_bytes(const struct lvh_msg *m, const uint8_t *bytes, size_t len)
{
	uint32_t hdr[3] = { m->request, m->flags, m->size };

	ck_assert_uint_eq(sizeof(hdr) + m->size, len);
	ck_assert_mem_eq(hdr, bytes, sizeof(hdr));
	if (m->size)
		ck_assert_mem_eq(m->payload.bytes, bytes + sizeof(hdr), m->size);
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- malformed vectors ---- */

static const struct tu_rx *rx_path;
static uint8_t vbuf[LIBVHOST_USER_HDR_SIZE + LIBVHOST_USER_MAX_PAYLOAD + 1];

void tu_rx_set(const struct tu_rx *rx)
{
	rx_path = rx;
}

uint32_t tu_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void tu_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void tu_put_le64(uint8_t *p, uint64_t v)
{
	tu_put_le32(p, (uint32_t)v);
	tu_put_le32(p + 4, (uint32_t)(v >> 32));
}

void tu_bad_request(const char *what, const char *variant, enum lvh_dir dir, const uint8_t *v,
		    size_t len, unsigned int nfds, uint64_t proto, int err)
{
	struct lvh_msg m;
	int r;

	TU_NEGATIVE_BEGIN();
	ck_assert_int_eq(tu_msg_from_bytes(&m, v, len, nfds), 0);
	r = rx_path->request(dir, &m, proto);
	lvh_msg_close_fds(&m);
	ck_assert_msg(r == err, "%s, %s: got %d, expected %d (%s)", what, variant, r, err,
		      tu_log_last());
	TU_NEGATIVE_END();
}

void tu_bad_reply(const char *what, const char *variant, enum lvh_dir dir, uint32_t request,
		  enum lvh_reply_kind kind, const uint8_t *v, size_t len, unsigned int nfds,
		  uint64_t proto, int err)
{
	struct lvh_msg m;
	int r;

	TU_NEGATIVE_BEGIN();
	ck_assert_int_eq(tu_msg_from_bytes(&m, v, len, nfds), 0);
	r = rx_path->reply(dir, request, kind, &m, proto);
	lvh_msg_close_fds(&m);
	ck_assert_msg(r == err, "%s, %s: got %d, expected %d (%s)", what, variant, r, err,
		      tu_log_last());
	TU_NEGATIVE_END();
}

void tu_ok_request(const char *what, enum lvh_dir dir, const uint8_t *v, size_t len,
		   unsigned int nfds, uint64_t proto)
{
	struct lvh_msg m;
	int r;

	ck_assert_int_eq(tu_msg_from_bytes(&m, v, len, nfds), 0);
	r = rx_path->request(dir, &m, proto);
	lvh_msg_close_fds(&m);
	ck_assert_msg(r == 0, "%s refused (%d): %s", what, r, tu_log_last());
}

void tu_ok_reply(const char *what, enum lvh_dir dir, uint32_t request, enum lvh_reply_kind kind,
		 const uint8_t *v, size_t len, unsigned int nfds, uint64_t proto)
{
	struct lvh_msg m;
	int r;

	ck_assert_int_eq(tu_msg_from_bytes(&m, v, len, nfds), 0);
	r = rx_path->reply(dir, request, kind, &m, proto);
	lvh_msg_close_fds(&m);
	ck_assert_msg(r == 0, "%s refused (%d): %s", what, r, tu_log_last());
}

/* vbuf = v, one byte shorter or longer (delta -1 / +1), header size adjusted */
static size_t resize(const uint8_t *v, size_t len, int delta)
{
	ck_assert_uint_le(len + 1, sizeof(vbuf));
	memcpy(vbuf, v, len);
	vbuf[len] = 0;
	tu_put_le32(vbuf + 8, tu_le32(v + 8) + (uint32_t)delta);
	return len + (size_t)delta;
}

void tu_request_variants(const char *what, enum lvh_dir dir, const uint8_t *v, size_t len,
			 unsigned int nfds, uint64_t proto, int gate, unsigned int which)
{
	uint64_t ack = LVH_BIT(LIBVHOST_USER_PROTOCOL_F_REPLY_ACK);
	uint32_t flags = tu_le32(v + 4);

	if ((which & TU_V_SHORT) && len > LIBVHOST_USER_HDR_SIZE)
		tu_bad_request(what, "one byte short", dir, vbuf, resize(v, len, -1), nfds, proto,
			       -EBADMSG);
	if (which & TU_V_LONG)
		tu_bad_request(what, "one byte long", dir, vbuf, resize(v, len, 1), nfds, proto,
			       -EBADMSG);
	if (which & TU_V_FLAGS) {
		memcpy(vbuf, v, len);
		tu_put_le32(vbuf + 4, flags | LIBVHOST_USER_FLAG_REPLY);
		tu_bad_request(what, "REPLY set", dir, vbuf, len, nfds, proto, -EPROTO);
		tu_put_le32(vbuf + 4, flags | LIBVHOST_USER_FLAG_NEED_REPLY);
		tu_bad_request(what, "NEED_REPLY without REPLY_ACK", dir, vbuf, len, nfds,
			       proto & ~ack, -EPROTO);
	}
	if ((which & TU_V_FD_MISSING) && nfds)
		tu_bad_request(what, "fd missing", dir, v, len, nfds - 1, proto, -EBADMSG);
	if (which & TU_V_FD_EXTRA)
		tu_bad_request(what, "extra fd", dir, v, len, nfds + 1, proto, -EBADMSG);
	if ((which & TU_V_GATE) && gate >= 0)
		tu_bad_request(what, "feature not negotiated", dir, v, len, nfds,
			       proto & ~LVH_BIT(gate), -EOPNOTSUPP);
}

void tu_reply_variants(const char *what, enum lvh_dir dir, uint32_t req, enum lvh_reply_kind kind,
		       const uint8_t *v, size_t len, unsigned int nfds, uint64_t proto,
		       unsigned int which)
{
	uint32_t flags = tu_le32(v + 4);

	if ((which & TU_V_SHORT) && len > LIBVHOST_USER_HDR_SIZE)
		tu_bad_reply(what, "one byte short", dir, req, kind, vbuf, resize(v, len, -1), nfds,
			     proto, -EBADMSG);
	if (which & TU_V_LONG)
		tu_bad_reply(what, "one byte long", dir, req, kind, vbuf, resize(v, len, 1), nfds,
			     proto, -EBADMSG);
	if (which & TU_V_FLAGS) {
		memcpy(vbuf, v, len);
		tu_put_le32(vbuf + 4, flags & ~LIBVHOST_USER_FLAG_REPLY);
		tu_bad_reply(what, "REPLY clear", dir, req, kind, vbuf, len, nfds, proto, -EPROTO);
		tu_put_le32(vbuf + 4, flags | LIBVHOST_USER_FLAG_NEED_REPLY);
		tu_bad_reply(what, "NEED_REPLY on a reply", dir, req, kind, vbuf, len, nfds, proto,
			     -EPROTO);
		tu_put_le32(vbuf + 4, flags);
		tu_put_le32(vbuf, req + 1);
		tu_bad_reply(what, "another request's code", dir, req, kind, vbuf, len, nfds, proto,
			     -EPROTO);
	}
	if ((which & TU_V_FD_MISSING) && nfds)
		tu_bad_reply(what, "fd missing", dir, req, kind, v, len, nfds - 1, proto, -EBADMSG);
	if (which & TU_V_FD_EXTRA)
		tu_bad_reply(what, "extra fd", dir, req, kind, v, len, nfds + 1, proto, -EBADMSG);
}
