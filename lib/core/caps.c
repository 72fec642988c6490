/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Turning EPERM/EACCES/ENOMEM from the kernel into a sentence a user can act
 * on: which capability the process lacks, or how far the memlock limit is
 * from what the operation needed.  kernel vhost and vDPA ioctls fail with a
 * bare errno otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#ifdef HAVE_LIBCAP_NG
#include <cap-ng.h>
#endif

#include "libvhost-private.h"

int lvh_caps_has(int cap)
{
#ifdef HAVE_LIBCAP_NG
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_get_caps_process() < 0)
		return -EIO;
	return capng_have_capability(CAPNG_EFFECTIVE, (unsigned int)cap) ? 1 : 0;
#else
	(void)cap;
	return -EOPNOTSUPP;
#endif
}

static const char *cap_name(int cap, char *buf, size_t len)
{
#ifdef HAVE_LIBCAP_NG
	const char *name = capng_capability_to_name((unsigned int)cap);

	if (name) {
		snprintf(buf, len, "CAP_%s", name);
		for (char *p = buf + 4; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		return buf;
	}
#endif
	snprintf(buf, len, "capability %d", cap);
	return buf;
}

int lvh_explain_denied(const struct libvhost_ctx *ctx, const char *what, int err, int cap,
		       uint64_t memlock_bytes)
{
	char name[64];
	struct rlimit rl;
	int has;

	if (err != -EPERM && err != -EACCES && err != -ENOMEM)
		return err;
	if (cap >= 0) {
		has = lvh_caps_has(cap);
		cap_name(cap, name, sizeof(name));
		if (has == 0)
			lvh_err(ctx, "%s: %s: the process lacks %s", what, strerror(-err), name);
		else if (has > 0)
			lvh_err(ctx, "%s: %s, although the process has %s", what, strerror(-err),
				name);
		else
			lvh_err(ctx, "%s: %s (it may need %s)", what, strerror(-err), name);
	}
	if (memlock_bytes && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < memlock_bytes)
		lvh_err(ctx,
			"%s: needs %" PRIu64 " bytes of locked memory but RLIMIT_MEMLOCK is %" PRIu64
			" (raise it with ulimit -l or LimitMEMLOCK=, or grant CAP_IPC_LOCK)",
			what, memlock_bytes, (uint64_t)rl.rlim_cur);
	else if (cap < 0)
		lvh_err(ctx, "%s: %s", what, strerror(-err));
	return err;
}
