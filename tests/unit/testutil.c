/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
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

static void capture_log(void *userdata, int priority, const char *file, int line,
			const char *func, const char *format, va_list args) LIBVHOST_PRINTF(6, 0);

static void capture_log(void *userdata, int priority, const char *file, int line,
			const char *func, const char *format, va_list args)
{
	(void)userdata;
	(void)file;
	(void)line;
	(void)func;
	vsnprintf(log_last, sizeof(log_last), format, args);
	/* LVH_TEST_LOG=1: every line on stderr too, for debugging a test */
	if (getenv("LVH_TEST_LOG"))
		fprintf(stderr, "<%d> %s\n", priority, log_last);
	if (priority <= LOG_ERR)
		log_errors++;
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

const char *tu_log_last(void)
{
	return log_last;
}

void tu_log_reset(void)
{
	log_errors = 0;
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
