/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal declarations shared by every part of the library. */
#ifndef LIBVHOST_PRIVATE_H
#define LIBVHOST_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include <libvhost.h>

#define LIBVHOST_EXPORT __attribute__((visibility("default")))

#define LVH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LVH_BIT(n) (1ULL << (n))

/* Overflow-safe arithmetic: every a + b that comes from a peer goes through these. */
static inline bool lvh_add_overflow_u64(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

/* true if [start, start + len) wraps around the 64-bit address space */
static inline bool lvh_range_overflows(uint64_t start, uint64_t len)
{
	uint64_t end;

	return len != 0 && lvh_add_overflow_u64(start, len - 1, &end);
}

/* ---- context and logging (lib/core) ---- */

struct libvhost_ctx {
	int refcount;
	int log_priority;
	libvhost_log_fn log_fn;
	void *log_userdata;
	void *userdata;
};

void lvh_log(const struct libvhost_ctx *ctx, int priority, const char *file, int line,
	     const char *func, const char *format, ...) LIBVHOST_PRINTF(6, 7);

/* Checks the priority before the arguments are evaluated or formatted. */
#define lvh_log_cond(ctx, prio, ...)                                                          \
	do {                                                                                   \
		const struct libvhost_ctx *lvh_c_ = (ctx);                                     \
		if (lvh_c_ && lvh_c_->log_priority >= (prio))                                  \
			lvh_log(lvh_c_, prio, __FILE__, __LINE__, __func__, __VA_ARGS__);       \
	} while (0)

#define lvh_dbg(ctx, ...) lvh_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define lvh_info(ctx, ...) lvh_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define lvh_notice(ctx, ...) lvh_log_cond(ctx, LOG_NOTICE, __VA_ARGS__)
#define lvh_warn(ctx, ...) lvh_log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define lvh_err(ctx, ...) lvh_log_cond(ctx, LOG_ERR, __VA_ARGS__)

/* Parses "err", "info", "debug"... or a number 0-7; -EINVAL otherwise. */
int lvh_log_priority_from_string(const char *s);

/* ---- size-prefixed options (lib/core/opts.c) ---- */

/*
 * Validates an option struct of caller size *(size_t *)opts against the
 * library's knowledge of it: `known` bytes up to the end of the last field
 * the library knows.  NULL opts is valid (all defaults).
 * Errors: -EINVAL if sz < sizeof(size_t) + something the caller must have,
 * i.e. sz < min_sz, or if any byte in [known, sz) is non-zero.
 */
int lvh_opts_check(const struct libvhost_ctx *ctx, const void *opts, size_t min_sz, size_t known,
		   const char *type_name);

/*
 * A size-prefixed struct the library fills (stats): @full's fields, a
 * @full_size struct of this library's, copied into @out up to the caller's
 * .sz (checked by the caller to hold more than .sz itself); .sz stays.
 */
void lvh_sized_out(void *out, const void *full, size_t full_size);

#define lvh_offsetofend(TYPE, FIELD) (offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

/* Validates `struct TYPE` options; TYPE__last_field names the last known field. */
#define LVH_OPTS_VALID(ctx, opts, TYPE)                                                        \
	lvh_opts_check(ctx, opts, lvh_offsetofend(struct TYPE, sz),                            \
		       lvh_offsetofend(struct TYPE, TYPE##__last_field), #TYPE)

/* The caller's value of FIELD if its struct is large enough to hold it, else DFL. */
#define LVH_OPTS_GET(opts, FIELD, DFL)                                                         \
	(((opts) && (opts)->sz >= lvh_offsetofend(__typeof__(*(opts)), FIELD)) ? (opts)->FIELD : (DFL))

/* ---- permission diagnostics (lib/core/caps.c) ---- */

/* 1 if the process has capability `cap` effective, 0 if not, -EOPNOTSUPP without libcap-ng. */
int lvh_caps_has(int cap);

/*
 * For err = -EPERM, -EACCES or -ENOMEM from an operation `what` that needs
 * capability `cap` (-1: none) and/or `memlock_bytes` of locked memory (0:
 * none), logs which of them is missing.  Returns err unchanged.
 */
int lvh_explain_denied(const struct libvhost_ctx *ctx, const char *what, int err, int cap,
		       uint64_t memlock_bytes);

#endif /* LIBVHOST_PRIVATE_H */
