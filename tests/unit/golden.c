/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "golden.h"

struct libvhost_ctx *gctx;

void golden_setup(void)
{
	gctx = tu_ctx_new();
}

void golden_teardown(void)
{
	tu_ctx_free(gctx);
	gctx = NULL;
}

void g_request(struct lvh_msg *m, enum lvh_dir dir, const uint8_t *v, size_t len,
	       unsigned int nfds, uint64_t proto)
{
	ck_assert_int_eq(tu_msg_from_bytes(m, v, len, nfds), 0);
	ck_assert_msg(lvh_proto_check_request(gctx, dir, m, proto) == 0, "%s rejected: %s",
		      lvh_proto_name(dir, m->request), tu_log_last());
}

void g_reply(struct lvh_msg *m, enum lvh_dir dir, uint32_t request, enum lvh_reply_kind kind,
	     const uint8_t *v, size_t len, unsigned int nfds)
{
	ck_assert_int_eq(tu_msg_from_bytes(m, v, len, nfds), 0);
	ck_assert_msg(lvh_proto_check_reply(gctx, dir, request, kind, m) == 0,
		      "reply to %s rejected: %s", lvh_proto_name(dir, request), tu_log_last());
}

void g_init(struct lvh_msg *e, uint32_t request, uint32_t flags)
{
	lvh_msg_init(e, request, flags & ~LIBVHOST_USER_VERSION_MASK);
}

void g_same(struct lvh_msg *e, const uint8_t *v, size_t len, unsigned int nfds)
{
	tu_assert_bytes(e, v, len);
	ck_assert_uint_eq(e->nfds, nfds);
	e->nfds = 0; /* the fds were the test's, attached for sending only */
}

int golden_main(Suite *s)
{
	const uint16_t probe = 1;
	uint8_t first;

	memcpy(&first, &probe, 1);
	if (first != 1)
		return 77; /* the vectors are little-endian */
	return tu_run(s);
}

int golden_run(const char *suite, const struct golden_family *families, size_t n)
{
	Suite *s = suite_create(suite);
	size_t i;

	for (i = 0; i < n; i++) {
		TCase *tc = tcase_create(families[i].name);

		tcase_add_checked_fixture(tc, golden_setup, golden_teardown);
		tcase_add_test(tc, families[i].golden);
		tcase_add_test(tc, families[i].malformed);
		suite_add_tcase(s, tc);
	}
	return golden_main(s);
}
