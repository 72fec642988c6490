/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The front-end functions of the build options this build lacks.  Every
 * build exports the same symbols (README, "Build options"): here each of
 * them returns -EOPNOTSUPP before it looks at its arguments, so that a
 * call with NULLs is a program's way to ask which library it has.
 */
#include <errno.h>

#include "libvhost-private.h"

#if !LIBVHOST_HAS_POSTCOPY
LIBVHOST_EXPORT int libvhost_frontend_postcopy_advise(struct libvhost_frontend *fe, int *ret_ufd)
{
	(void)fe;
	(void)ret_ufd;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_listen(struct libvhost_frontend *fe)
{
	(void)fe;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_end(struct libvhost_frontend *fe)
{
	(void)fe;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_read_fault(struct libvhost_frontend *fe,
							  struct libvhost_postcopy_fault *out)
{
	(void)fe;
	(void)out;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_place(struct libvhost_frontend *fe,
						     uint64_t guest_addr, const void *data,
						     size_t len)
{
	(void)fe;
	(void)guest_addr;
	(void)data;
	(void)len;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_wake(struct libvhost_frontend *fe,
						    uint64_t guest_addr, size_t len)
{
	(void)fe;
	(void)guest_addr;
	(void)len;
	return -EOPNOTSUPP;
}
#endif

#if !LIBVHOST_HAS_XEN
LIBVHOST_EXPORT int libvhost_frontend_set_xen_region(struct libvhost_frontend *fe,
						     uint64_t guest_addr, uint32_t flags,
						     uint32_t domid)
{
	(void)fe;
	(void)guest_addr;
	(void)flags;
	(void)domid;
	return -EOPNOTSUPP;
}
#endif
