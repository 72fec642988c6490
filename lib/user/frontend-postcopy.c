/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The front-end's postcopy requests (PAGEFAULT; --enable-postcopy builds):
 * POSTCOPY_ADVISE (the back-end's userfaultfd comes back), POSTCOPY_LISTEN,
 * POSTCOPY_END.
 */
#include <errno.h>

#include "proto/msg-postcopy.h"
#include "user/frontend.h"

LIBVHOST_EXPORT int libvhost_frontend_postcopy_advise(struct libvhost_frontend *fe, int *ret_ufd)
{
	struct lvh_msg m, rep;
	int r;

	if (!fe || !ret_ufd)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_POSTCOPY_ADVISE, 0);
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	r = lvh_msg_decode_postcopy_advise_reply(fe->ctx, &rep);
	if (r < 0) {
		lvh_msg_close_fds(&rep);
		return r == -EIO ? r : lvh_fe_fail(fe, m.request, r);
	}
	*ret_ufd = lvh_msg_take_fd(&rep, 0);
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_listen(struct libvhost_frontend *fe)
{
	struct lvh_msg m;

	if (!fe)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_POSTCOPY_LISTEN, 0);
	return lvh_fe_call(fe, &m, NULL);
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_end(struct libvhost_frontend *fe)
{
	struct lvh_msg m, rep;
	int r;

	if (!fe)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_POSTCOPY_END, 0);
	r = lvh_fe_call(fe, &m, &rep);
	return r < 0 ? r : lvh_msg_decode_postcopy_end_reply(fe->ctx, &rep);
}
