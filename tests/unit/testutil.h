/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers for the Check suites. */
#ifndef LIBVHOST_TESTUTIL_H
#define LIBVHOST_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

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
/* Lines at any priority (debug included). */
unsigned int tu_log_lines(void);
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

/*
 * The same for a caller's mistake (or anything else the return code alone
 * reports): the fd count is unchanged, nothing is logged at LOG_ERR, and a
 * line at debug says why.
 */
#define TU_QUIET_BEGIN()                                                                       \
	do {                                                                                   \
		int tu_fds_before_ = tu_count_fds();                                           \
		unsigned int tu_errs_before_ = tu_log_errors();                                \
		unsigned int tu_lines_before_ = tu_log_lines();

#define TU_QUIET_END()                                                                         \
		ck_assert_int_eq(tu_count_fds(), tu_fds_before_);                              \
		ck_assert_uint_eq(tu_log_errors(), tu_errs_before_);                           \
		ck_assert_uint_gt(tu_log_lines(), tu_lines_before_);                           \
	} while (0)

/*
 * Malformed vectors derived from golden ones (check-msg-core.c,
 * check-msg-ext.c).  Each goes through the receive path an endpoint runs,
 * which the suite names once with tu_rx_set() (before golden_run()), inside
 * TU_NEGATIVE_BEGIN/END.
 */
struct tu_rx {
	/* the table, then the family's decoder */
	int (*request)(enum lvh_dir dir, struct lvh_msg *m, uint64_t proto);
	int (*reply)(enum lvh_dir dir, uint32_t request, enum lvh_reply_kind kind,
		     struct lvh_msg *m, uint64_t proto);
};
void tu_rx_set(const struct tu_rx *rx);

/* Little-endian u32/u64 in vectors. */
uint32_t tu_le32(const uint8_t *p);
void tu_put_le32(uint8_t *p, uint32_t v);
void tu_put_le64(uint8_t *p, uint64_t v);

/* Loads a vector with nfds fresh fds, runs the receive path, expects err (what, variant: for the
 * message). */
void tu_bad_request(const char *what, const char *variant, enum lvh_dir dir, const uint8_t *v,
		    size_t len, unsigned int nfds, uint64_t proto, int err);
void tu_bad_reply(const char *what, const char *variant, enum lvh_dir dir, uint32_t request,
		  enum lvh_reply_kind kind, const uint8_t *v, size_t len, unsigned int nfds,
		  uint64_t proto, int err);
/* A vector the receive path must accept (edges). */
void tu_ok_request(const char *what, enum lvh_dir dir, const uint8_t *v, size_t len,
		   unsigned int nfds, uint64_t proto);
void tu_ok_reply(const char *what, enum lvh_dir dir, uint32_t request, enum lvh_reply_kind kind,
		 const uint8_t *v, size_t len, unsigned int nfds, uint64_t proto);

/* The envelope variants a message must be refused for, derived from its golden vector. */
enum {
	TU_V_SHORT = 1 << 0, /* one byte short (header size and bytes) */
	TU_V_LONG = 1 << 1,  /* one byte long */
	/* request: REPLY set, NEED_REPLY without REPLY_ACK; reply: REPLY clear, NEED_REPLY, code */
	TU_V_FLAGS = 1 << 2,
	TU_V_FD_MISSING = 1 << 3, /* one fd fewer (when the vector has any) */
	TU_V_FD_EXTRA = 1 << 4,	  /* one fd more */
	TU_V_GATE = 1 << 5, /* the request's protocol feature (gate; -1: none) not negotiated */
	TU_V_ALL = (1 << 6) - 1,
};
void tu_request_variants(const char *what, enum lvh_dir dir, const uint8_t *v, size_t len,
			 unsigned int nfds, uint64_t proto, int gate, unsigned int which);
void tu_reply_variants(const char *what, enum lvh_dir dir, uint32_t req, enum lvh_reply_kind kind,
		       const uint8_t *v, size_t len, unsigned int nfds, uint64_t proto,
		       unsigned int which);

/* The same on a vector array v, named by its identifier. */
#define TU_BAD_REQ(dir, v, nfds, proto, err)                                                       \
	tu_bad_request(#v, "payload", (dir), (v), sizeof(v), (nfds), (proto), (err))
#define TU_BAD_REP(dir, req, kind, v, nfds, proto, err)                                            \
	tu_bad_reply(#v, "payload", (dir), (req), (kind), (v), sizeof(v), (nfds), (proto), (err))
#define TU_OK_REQ(dir, v, nfds, proto) tu_ok_request(#v, (dir), (v), sizeof(v), (nfds), (proto))
#define TU_OK_REP(dir, req, kind, v, nfds, proto)                                                  \
	tu_ok_reply(#v, (dir), (req), (kind), (v), sizeof(v), (nfds), (proto))
#define TU_REQ_VARIANTS(dir, v, nfds, proto, gate, which)                                          \
	tu_request_variants(#v, (dir), (v), sizeof(v), (nfds), (proto), (gate), (which))
#define TU_REP_VARIANTS(dir, req, kind, v, nfds, proto, which)                                     \
	tu_reply_variants(#v, (dir), (req), (kind), (v), sizeof(v), (nfds), (proto), (which))

/* A decoder alone (expr, on message m), for rules the table would catch first. */
#define TU_BAD_DECODE(m, v, nfds, err, expr)                                                       \
	do {                                                                                       \
		int r_;                                                                            \
		TU_NEGATIVE_BEGIN();                                                               \
		ck_assert_int_eq(tu_msg_from_bytes(&(m), (v), sizeof(v), (nfds)), 0);              \
		r_ = (expr);                                                                       \
		lvh_msg_close_fds(&(m));                                                           \
		ck_assert_msg(r_ == (err), "%s: got %d, expected %d", #v, r_, (err));              \
		TU_NEGATIVE_END();                                                                 \
	} while (0)

/* The same for a caller's mistake the decoder refuses: nothing at LOG_ERR (TU_QUIET). */
#define TU_MISUSE_DECODE(m, v, nfds, err, expr)                                                    \
	do {                                                                                       \
		int r_;                                                                            \
		TU_QUIET_BEGIN();                                                                  \
		ck_assert_int_eq(tu_msg_from_bytes(&(m), (v), sizeof(v), (nfds)), 0);              \
		r_ = (expr);                                                                       \
		lvh_msg_close_fds(&(m));                                                           \
		ck_assert_msg(r_ == (err), "%s: got %d, expected %d", #v, r_, (err));              \
		TU_QUIET_END();                                                                    \
	} while (0)

/* Runs a suite; the exit status is what automake's test driver expects. */
int tu_run(Suite *s);

#endif
