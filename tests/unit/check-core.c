/* SPDX-License-Identifier: BSD-3-Clause */
/* Context, logging and size-prefixed options. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/capability.h>
#ifdef HAVE_LIBCAP_NG
#include <cap-ng.h>
#endif

#include "testutil.h"

static int log_calls;
static int log_last_prio;
static void *log_last_userdata;
static char log_text[256];

static void count_log(void *userdata, int priority, const char *file, int line, const char *func,
		      const char *format, va_list args) LIBVHOST_PRINTF(6, 0);

static void count_log(void *userdata, int priority, const char *file, int line, const char *func,
		      const char *format, va_list args)
{
	log_calls++;
	log_last_prio = priority;
	log_last_userdata = userdata;
	ck_assert_ptr_nonnull(file);
	ck_assert_int_gt(line, 0);
	ck_assert_ptr_nonnull(func);
	vsnprintf(log_text, sizeof(log_text), format, args);
}

START_TEST(test_ctx_lifecycle)
{
	struct libvhost_ctx *ctx = NULL;
	int data;

	ck_assert_int_eq(libvhost_ctx_new(NULL, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_ctx_new(NULL, &ctx), 0);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_ptr_null(libvhost_ctx_get_userdata(ctx));
	libvhost_ctx_set_userdata(ctx, &data);
	ck_assert_ptr_eq(libvhost_ctx_get_userdata(ctx), &data);
	ck_assert_ptr_eq(libvhost_ctx_ref(ctx), ctx);
	ck_assert_ptr_null(libvhost_ctx_unref(ctx));
	/* still alive: one reference left */
	ck_assert_ptr_eq(libvhost_ctx_get_userdata(ctx), &data);
	ck_assert_ptr_null(libvhost_ctx_unref(ctx));

	/* NULL-safe */
	ck_assert_ptr_null(libvhost_ctx_ref(NULL));
	ck_assert_ptr_null(libvhost_ctx_unref(NULL));
	ck_assert_ptr_null(libvhost_ctx_get_userdata(NULL));
	libvhost_ctx_set_userdata(NULL, &data);
	libvhost_ctx_set_log_fn(NULL, count_log, NULL);
	ck_assert_int_eq(libvhost_ctx_get_log_priority(NULL), -EINVAL);
	ck_assert_int_eq(libvhost_ctx_set_log_priority(NULL, LOG_ERR), -EINVAL);
}
END_TEST

START_TEST(test_ctx_out_param_untouched_on_error)
{
	struct libvhost_ctx *ctx = (struct libvhost_ctx *)&ctx;
	struct {
		struct libvhost_ctx_opts o;
		uint64_t extra;
	} big = { .o = { .sz = sizeof(big) }, .extra = 1 };

	ck_assert_int_eq(libvhost_ctx_new(&big.o, &ctx), -EINVAL);
	ck_assert_ptr_eq(ctx, (struct libvhost_ctx *)&ctx);
}
END_TEST

START_TEST(test_log_priority_filter)
{
	LIBVHOST_OPTS(libvhost_ctx_opts, opts, .log_fn = count_log, .log_userdata = &log_calls,
		      .log_priority = LOG_ERR);
	struct libvhost_ctx *ctx = NULL;

	log_calls = 0;
	ck_assert_int_eq(libvhost_ctx_new(&opts, &ctx), 0);
	ck_assert_int_eq(libvhost_ctx_get_log_priority(ctx), LOG_ERR);
	lvh_dbg(ctx, "not shown %d", 1);
	lvh_info(ctx, "not shown");
	ck_assert_int_eq(log_calls, 0);
	lvh_err(ctx, "shown %d", 42);
	ck_assert_int_eq(log_calls, 1);
	ck_assert_int_eq(log_last_prio, LOG_ERR);
	ck_assert_ptr_eq(log_last_userdata, &log_calls);
	ck_assert_str_eq(log_text, "shown 42");

	ck_assert_int_eq(libvhost_ctx_set_log_priority(ctx, LOG_DEBUG), 0);
	lvh_dbg(ctx, "now shown");
	ck_assert_int_eq(log_calls, 2);
	ck_assert_int_eq(log_last_prio, LOG_DEBUG);
	ck_assert_int_eq(libvhost_ctx_set_log_priority(ctx, -1), -EINVAL);
	ck_assert_int_eq(libvhost_ctx_set_log_priority(ctx, 8), -EINVAL);
	ck_assert_int_eq(libvhost_ctx_get_log_priority(ctx), LOG_DEBUG);

	/* NULL restores stderr; our callback is no longer called */
	libvhost_ctx_set_log_fn(ctx, NULL, NULL);
	ck_assert_int_eq(libvhost_ctx_set_log_priority(ctx, LOG_EMERG), 0);
	lvh_err(ctx, "filtered out");
	ck_assert_int_eq(log_calls, 2);
	libvhost_ctx_set_log_fn(ctx, count_log, NULL);
	lvh_log_cond(ctx, LOG_EMERG, "emergency");
	ck_assert_int_eq(log_calls, 3);
	ck_assert_ptr_null(log_last_userdata);
	libvhost_ctx_unref(ctx);
}
END_TEST

START_TEST(test_log_env)
{
	struct libvhost_ctx *ctx = NULL;
	LIBVHOST_OPTS(libvhost_ctx_opts, opts, .log_fn = count_log);
	static const struct {
		const char *env;
		int prio;
	} cases[] = {
		{ "debug", LOG_DEBUG }, { "info", LOG_INFO }, { "err", LOG_ERR },
		{ "warning", LOG_WARNING }, { "6", LOG_INFO }, { "0", LOG_EMERG },
		/* garbage falls back to the default, LOG_ERR */
		{ "8", LOG_ERR }, { "loud", LOG_ERR }, { "", LOG_ERR }, { "7x", LOG_ERR },
	};
	size_t i;

	for (i = 0; i < LVH_ARRAY_SIZE(cases); i++) {
		ck_assert_int_eq(setenv("LIBVHOST_LOG", cases[i].env, 1), 0);
		ck_assert_int_eq(libvhost_ctx_new(&opts, &ctx), 0);
		ck_assert_msg(libvhost_ctx_get_log_priority(ctx) == cases[i].prio, "LIBVHOST_LOG=%s",
			      cases[i].env);
		libvhost_ctx_unref(ctx);
	}
	/* an explicit priority wins over the environment */
	opts.log_priority = LOG_NOTICE;
	ck_assert_int_eq(setenv("LIBVHOST_LOG", "debug", 1), 0);
	ck_assert_int_eq(libvhost_ctx_new(&opts, &ctx), 0);
	ck_assert_int_eq(libvhost_ctx_get_log_priority(ctx), LOG_NOTICE);
	libvhost_ctx_unref(ctx);

	/* read once, at creation: changing it later changes nothing */
	opts.log_priority = 0;
	ck_assert_int_eq(libvhost_ctx_new(&opts, &ctx), 0);
	ck_assert_int_eq(setenv("LIBVHOST_LOG", "err", 1), 0);
	ck_assert_int_eq(libvhost_ctx_get_log_priority(ctx), LOG_DEBUG);
	libvhost_ctx_unref(ctx);
	unsetenv("LIBVHOST_LOG");
}
END_TEST

START_TEST(test_priority_strings)
{
	ck_assert_int_eq(lvh_log_priority_from_string("emerg"), LOG_EMERG);
	ck_assert_int_eq(lvh_log_priority_from_string("error"), LOG_ERR);
	ck_assert_int_eq(lvh_log_priority_from_string("warn"), LOG_WARNING);
	ck_assert_int_eq(lvh_log_priority_from_string("notice"), LOG_NOTICE);
	ck_assert_int_eq(lvh_log_priority_from_string("7"), LOG_DEBUG);
	ck_assert_int_eq(lvh_log_priority_from_string("-1"), -EINVAL);
	ck_assert_int_eq(lvh_log_priority_from_string("99999999999999999999"), -EINVAL);
	ck_assert_int_eq(lvh_log_priority_from_string(NULL), -EINVAL);
	ck_assert_int_eq(lvh_log_priority_from_string("DEBUG"), -EINVAL);
}
END_TEST

/* A caller built against a newer header, with one more field. */
struct newer_opts {
	size_t sz;
	libvhost_log_fn log_fn;
	void *log_userdata;
	int64_t log_priority;
	uint64_t future_field;
};

START_TEST(test_opts_sizes)
{
	struct libvhost_ctx *ctx = NULL;
	struct newer_opts newer;
	struct libvhost_ctx_opts older;

	/* zero tail bytes from a newer caller are fine */
	memset(&newer, 0, sizeof(newer));
	newer.sz = sizeof(newer);
	newer.log_priority = LOG_INFO;
	ck_assert_int_eq(libvhost_ctx_new((const struct libvhost_ctx_opts *)&newer, &ctx), 0);
	ck_assert_int_eq(libvhost_ctx_get_log_priority(ctx), LOG_INFO);
	libvhost_ctx_unref(ctx);

	/* a non-zero field this library does not know is refused */
	newer.future_field = 1;
	ck_assert_int_eq(libvhost_ctx_new((const struct libvhost_ctx_opts *)&newer, &ctx), -EINVAL);

	/* a caller built against an older header: fields beyond its sz are defaults */
	memset(&older, 0xff, sizeof(older));
	older.sz = offsetof(struct libvhost_ctx_opts, log_userdata);
	older.log_fn = NULL;
	ck_assert_int_eq(libvhost_ctx_new(&older, &ctx), 0);
	ck_assert_int_eq(libvhost_ctx_get_log_priority(ctx), LOG_ERR);
	libvhost_ctx_unref(ctx);

	/* too small to even hold sz */
	older.sz = 4;
	ck_assert_int_eq(libvhost_ctx_new(&older, &ctx), -EINVAL);
	older.sz = 0;
	ck_assert_int_eq(libvhost_ctx_new(&older, &ctx), -EINVAL);

	/* priorities out of range */
	memset(&older, 0, sizeof(older));
	older.sz = sizeof(older);
	older.log_priority = 8;
	ck_assert_int_eq(libvhost_ctx_new(&older, &ctx), -EINVAL);
	older.log_priority = -1;
	ck_assert_int_eq(libvhost_ctx_new(&older, &ctx), -EINVAL);
}
END_TEST

START_TEST(test_opts_check_logs)
{
	struct libvhost_ctx *ctx = tu_ctx_new();
	struct newer_opts newer = { .sz = sizeof(newer), .future_field = 7 };
	unsigned int before = tu_log_errors(), lines = tu_log_lines();

	/* the caller's mistake: the return code reports it, the debug line says where */
	ck_assert_int_eq(LVH_OPTS_VALID(ctx, (struct libvhost_ctx_opts *)&newer, libvhost_ctx_opts),
			 -EINVAL);
	ck_assert_uint_eq(tu_log_errors(), before);
	ck_assert_uint_eq(tu_log_lines(), lines + 1);
	ck_assert_ptr_nonnull(strstr(tu_log_last(), "offset 32"));
	ck_assert_int_eq(LVH_OPTS_VALID(ctx, (struct libvhost_ctx_opts *)NULL, libvhost_ctx_opts),
			 0);
	tu_ctx_free(ctx);
}
END_TEST

START_TEST(test_version_and_table)
{
	uint64_t known = libvhost_protocol_features_known();

	ck_assert_str_eq(libvhost_version(), PACKAGE_VERSION);
	ck_assert_str_eq(libvhost_request_name(LIBVHOST_USER_DIR_FRONTEND, 5), "SET_MEM_TABLE");
	ck_assert_str_eq(libvhost_request_name(LIBVHOST_USER_DIR_FRONTEND, 44), "GET_SHMEM_CONFIG");
	ck_assert_str_eq(libvhost_request_name(LIBVHOST_USER_DIR_BACKEND, 1), "BACKEND_IOTLB_MSG");
	ck_assert_str_eq(libvhost_request_name(LIBVHOST_USER_DIR_BACKEND, 10),
			 "BACKEND_SHMEM_UNMAP");
	ck_assert_ptr_null(libvhost_request_name(LIBVHOST_USER_DIR_FRONTEND, 0));
	ck_assert_ptr_null(libvhost_request_name(LIBVHOST_USER_DIR_FRONTEND, 45));
	ck_assert_ptr_null(libvhost_request_name(LIBVHOST_USER_DIR_BACKEND, 11));
	ck_assert_ptr_null(libvhost_request_name(2, 1));
	ck_assert_ptr_null(libvhost_request_name(-1, 1));
	ck_assert_int_eq(libvhost_request_protocol_feature(LIBVHOST_USER_DIR_FRONTEND,
							   LIBVHOST_USER_GET_QUEUE_NUM),
			 LIBVHOST_USER_PROTOCOL_F_MQ);
	ck_assert_int_eq(libvhost_request_protocol_feature(LIBVHOST_USER_DIR_FRONTEND,
							   LIBVHOST_USER_SET_OWNER),
			 -ENOENT);
	ck_assert_int_eq(libvhost_request_protocol_feature(LIBVHOST_USER_DIR_FRONTEND, 1000),
			 -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_request_protocol_feature(7, 1), -EINVAL);
	ck_assert_str_eq(libvhost_protocol_feature_name(3), "REPLY_ACK");
	ck_assert_str_eq(libvhost_protocol_feature_name(21), "GPA_ADDRESSES");
	ck_assert_str_eq(libvhost_protocol_feature_name(22), "SHMEM");
	ck_assert_ptr_null(libvhost_protocol_feature_name(23));
	ck_assert_ptr_null(libvhost_protocol_feature_name(64));
	ck_assert_uint_eq(known, (1ULL << 23) - 1);
}
END_TEST

START_TEST(test_explain_denied)
{
	struct libvhost_ctx *ctx = tu_ctx_new();
	struct rlimit rl;
	unsigned int before;

	/* errors that are not about permissions pass through silently */
	before = tu_log_errors();
	ck_assert_int_eq(lvh_explain_denied(ctx, "op", -EINVAL, CAP_IPC_LOCK, 0), -EINVAL);
	ck_assert_uint_eq(tu_log_errors(), before);

	/* a memlock shortfall names the limit and the remedy */
	ck_assert_int_eq(getrlimit(RLIMIT_MEMLOCK, &rl), 0);
	if (rl.rlim_cur != RLIM_INFINITY) {
		ck_assert_int_eq(lvh_explain_denied(ctx, "map", -ENOMEM, -1, rl.rlim_cur + 4096),
				 -ENOMEM);
		ck_assert_ptr_nonnull(strstr(tu_log_last(), "RLIMIT_MEMLOCK"));
	}

#ifdef HAVE_LIBCAP_NG
	{
		pid_t pid;
		int status;

		/* in a child, drop CAP_NET_ADMIN and check the sentence says so */
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			int ok;

			capng_get_caps_process();
			capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN);
			if (capng_apply(CAPNG_SELECT_CAPS) < 0) {
				tu_ctx_free(ctx);
				_exit(77);
			}
			ok = lvh_caps_has(CAP_NET_ADMIN) == 0;
			lvh_explain_denied(ctx, "open", -EPERM, CAP_NET_ADMIN, 0);
			ok = ok && strstr(tu_log_last(), "lacks CAP_NET_ADMIN") != NULL;
			tu_ctx_free(ctx);
			_exit(ok ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status));
		ck_assert(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 77);
	}
#else
	ck_assert_int_eq(lvh_caps_has(CAP_NET_ADMIN), -EOPNOTSUPP);
#endif
	tu_ctx_free(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc;

	tc = tcase_create("ctx");
	tcase_add_test(tc, test_ctx_lifecycle);
	tcase_add_test(tc, test_ctx_out_param_untouched_on_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_test(tc, test_log_priority_filter);
	tcase_add_test(tc, test_log_env);
	tcase_add_test(tc, test_priority_strings);
	suite_add_tcase(s, tc);

	tc = tcase_create("opts");
	tcase_add_test(tc, test_opts_sizes);
	tcase_add_test(tc, test_opts_check_logs);
	suite_add_tcase(s, tc);

	tc = tcase_create("caps");
	tcase_add_test(tc, test_explain_denied);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, test_version_and_table);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
