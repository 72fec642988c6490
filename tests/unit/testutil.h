/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers for the Check suites. */
#ifndef LIBVHOST_TESTUTIL_H
#define LIBVHOST_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Number of open fds of this process (/proc/self/fd). */
int tu_count_fds(void);

/*
 * A context whose log callback records the number of messages at LOG_ERR or
 * more urgent and the last message's text (log priority: debug, so every
 * line is formatted and checked by the sanitizers too).
 */
struct libvhost_ctx *tu_ctx_new(void);
void tu_ctx_free(struct libvhost_ctx *ctx);
unsigned int tu_log_errors(void);
const char *tu_log_last(void);
void tu_log_reset(void);

/* A fresh eventfd (the test owns it). */
int tu_eventfd(void);

#if LIBVHOST_HAS_POSTCOPY
/* A fresh userfaultfd (non-blocking, not yet through UFFDIO_API), or -errno. */
int tu_userfaultfd(void);
#endif

/*
 * Builds an lvh_msg from raw wire bytes (12-byte header + payload, the way
 * the spec lays them out) and `nfds` fresh eventfds, as if received.
 * Checks the header with lvh_hdr_check() and returns its result.
 */
int tu_msg_from_bytes(struct lvh_msg *m, const uint8_t *bytes, size_t len, unsigned int nfds);

/* Asserts that the encoded message's header+payload equal `bytes`. */
void tu_assert_bytes(const struct lvh_msg *m, const uint8_t *bytes, size_t len);

/*
 * Negative-test wrapper: records the fd count and error-log count, and after
 * the body checks that the fd count is unchanged (the body must close the
 * message's fds with lvh_msg_close_fds as the library's callers do) and that
 * at least one error was logged.
 */
#define TU_NEGATIVE_BEGIN()                                                                    \
	do {                                                                                   \
		int tu_fds_before_ = tu_count_fds();                                           \
		unsigned int tu_errs_before_ = tu_log_errors();

#define TU_NEGATIVE_END()                                                                      \
		ck_assert_int_eq(tu_count_fds(), tu_fds_before_);                              \
		ck_assert_uint_gt(tu_log_errors(), tu_errs_before_);                           \
	} while (0)

/* Runs a suite; the exit status is what automake's test driver expects. */
int tu_run(Suite *s);

#endif
