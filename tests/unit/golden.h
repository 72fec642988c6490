/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writing golden vectors from the specification's layouts: every number in
 * a vhost-user message is in the host's byte order, and these tests run on
 * little-endian hosts only (main() skips elsewhere).  The macros spell out
 * bytes; they do not call the library.
 */
#ifndef LIBVHOST_GOLDEN_H
#define LIBVHOST_GOLDEN_H

#include "testutil.h"

#define B8(x) ((uint8_t)((x) & 0xff))
#define U16(x) B8(x), B8((x) >> 8)
#define U32(x) U16((x) & 0xffff), U16(((x) >> 16) & 0xffff)
#define U64(x) U32((uint64_t)(x) & 0xffffffffu), U32(((uint64_t)(x) >> 32) & 0xffffffffu)
#define PAD4 0, 0, 0, 0
#define PAD8 PAD4, PAD4
/* header: request, flags, size */
#define HDR(req, flags, size) U32(req), U32(flags), U32(size)
#define REQ 0x1u /* version 1 */
#define REP 0x5u /* version 1 | REPLY */
#define NEED 0x9u /* version 1 | NEED_REPLY */

#define ALL_PROTO (~0ULL)
#define PROTO_BIT(x) (1ULL << LIBVHOST_USER_PROTOCOL_F_##x)

extern struct libvhost_ctx *gctx;
void golden_setup(void);
void golden_teardown(void);

/* Loads a request vector with nfds fresh fds and checks it against the table. */
void g_request(struct lvh_msg *m, enum lvh_dir dir, const uint8_t *v, size_t len,
	       unsigned int nfds, uint64_t proto);
/* Loads a reply vector to `request` and checks it against the table. */
void g_reply(struct lvh_msg *m, enum lvh_dir dir, uint32_t request, enum lvh_reply_kind kind,
	     const uint8_t *v, size_t len, unsigned int nfds);
/* Starts an encoding of a request / reply with the flags the vector has. */
void g_init(struct lvh_msg *e, uint32_t request, uint32_t flags);
/* Compares the encoded message with the vector, and its fd count; drops its fds unclosed. */
void g_same(struct lvh_msg *e, const uint8_t *v, size_t len, unsigned int nfds);

/*
 * Negative vector: loads raw bytes with nfds fds, runs `expr` (which must
 * evaluate to the expected negative errno), then closes the message's fds and
 * checks that the fd count is back and an error was logged.
 */
#define G_BAD(m, v, nfds, err, expr)                                                           \
	do {                                                                                   \
		int g_fds_ = tu_count_fds();                                                   \
		unsigned int g_errs_ = tu_log_errors();                                        \
		tu_msg_from_bytes(&(m), (v), sizeof(v), (nfds));                               \
		ck_assert_int_eq((expr), (err));                                               \
		ck_assert_uint_gt(tu_log_errors(), g_errs_);                                    \
		lvh_msg_close_fds(&(m));                                                       \
		ck_assert_int_eq(tu_count_fds(), g_fds_);                                      \
	} while (0)

#define G_REQ(m, dir, v, nfds, proto) g_request(&(m), (dir), (v), sizeof(v), (nfds), (proto))
#define G_REP(m, dir, req, kind, v, nfds) g_reply(&(m), (dir), (req), (kind), (v), sizeof(v), (nfds))
#define G_SAME(e, v, nfds) g_same(&(e), (v), sizeof(v), (nfds))

/* Returns 77 on big-endian hosts, else runs the suite. */
int golden_main(Suite *s);

/* One TCase per message family, with a golden and a malformed test each. */
struct golden_family {
	const char *name;
	const TTest *golden, *malformed;
};

/* Builds the suite from the families and runs it (golden_main). */
int golden_run(const char *suite, const struct golden_family *families, size_t n);

#endif
