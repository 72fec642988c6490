/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libvhost_kdev on a machine without kernel vhost: the refusals and their
 * explanations; the vDPA names refused before sysfs.  The real devices are
 * tested inside a guest (make check-vm).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static struct libvhost_ctx *ctx;

static void setup(void)
{
	tu_log_reset();
	ctx = tu_ctx_new();
}

static void teardown(void)
{
	tu_ctx_free(ctx);
}

START_TEST(test_open_missing)
{
	struct libvhost_kdev *kd = NULL;

	TU_NEGATIVE_BEGIN();
	ck_assert_int_eq(libvhost_kdev_open(ctx, "/nonexistent/vhost-net", &kd), -ENOENT);
	ck_assert_ptr_nonnull(strstr(tu_log_last(), "modprobe vhost_net"));
	TU_NEGATIVE_END();
	ck_assert_ptr_null(kd);
}
END_TEST

/* An fd that is not a vhost device is refused, and stays the caller's. */
START_TEST(test_adopt_not_vhost)
{
	struct libvhost_kdev *kd = NULL;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	TU_QUIET_BEGIN();
	ck_assert_int_eq(libvhost_kdev_adopt_fd(ctx, p[0], &kd), -ENOTTY);
	TU_QUIET_END();
	ck_assert_int_eq(close(p[0]), 0);
	close(p[1]);
	TU_QUIET_BEGIN();
	ck_assert_int_eq(libvhost_kdev_open(ctx, "/dev/null", &kd), -ENOTTY);
	TU_QUIET_END();
}
END_TEST

START_TEST(test_null)
{
	uint64_t v;
	uint32_t w;
	int i;

	ck_assert_int_eq(libvhost_kdev_open(NULL, "/dev/vhost-net", NULL), -EINVAL);
	ck_assert_int_eq(libvhost_kdev_adopt_fd(ctx, -1, NULL), -EINVAL);
	ck_assert_ptr_null(libvhost_kdev_ref(NULL));
	ck_assert_ptr_null(libvhost_kdev_unref(NULL));
	ck_assert_ptr_null(libvhost_kdev_get_dev(NULL));
	ck_assert_int_eq(libvhost_kdev_get_fd(NULL), -EINVAL);
	ck_assert_int_eq(libvhost_kdev_get_backend_features(NULL, &v), -EINVAL);
	ck_assert_int_eq(libvhost_kdev_new_worker(NULL, &w), -EINVAL);
	ck_assert_int_eq(libvhost_kdev_scsi_get_abi_version(NULL, &i), -EINVAL);
	ck_assert_int_eq(libvhost_kdev_iotlb(NULL, LIBVHOST_IOTLB_UPDATE, 0, 4096, 0, 3), -EINVAL);
	ck_assert_int_eq(libvhost_kdev_vsock_set_running(NULL, 1), -EINVAL);
}
END_TEST

/*
 * vDPA names reach sysfs paths: refused before the file system when they
 * could name another directory or be cut short by sysfs.
 */
START_TEST(test_vdpa_names)
{
	static const char *const bad[] = { "", ".", "..", "a/b", "../vhost_vdpa", "vhost_vdpa\n",
					   "a\nb" };
	LIBVHOST_OPTS(libvhost_vdpa_dev_opts, o);
	char long_name[65], path[64];
	unsigned int i;
	int want, r;

	memset(long_name, 'v', 64);
	long_name[64] = 0;
	ck_assert_int_eq(libvhost_vdpa_dev_bind(NULL, "vdpa0", "vhost_vdpa"), -EINVAL);
	ck_assert_int_eq(libvhost_vdpa_dev_bind(ctx, NULL, "vhost_vdpa"), -EINVAL);
	ck_assert_int_eq(libvhost_vdpa_dev_bind(ctx, "vdpa0", NULL), -EINVAL);
	ck_assert_int_eq(libvhost_vdpa_dev_bind(ctx, long_name, "vhost_vdpa"), -EINVAL);
	ck_assert_int_eq(libvhost_vdpa_dev_bind(ctx, "vdpa0", long_name), -EINVAL);
	ck_assert_int_eq(libvhost_vdpa_dev_path(long_name, path, sizeof(path)), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(libvhost_vdpa_dev_bind(ctx, bad[i], "vhost_vdpa"), -EINVAL);
		ck_assert_int_eq(libvhost_vdpa_dev_bind(ctx, "vdpa0", bad[i]), -EINVAL);
		ck_assert_int_eq(libvhost_vdpa_dev_path(bad[i], path, sizeof(path)), -EINVAL);
		o.driver = bad[i];
		ck_assert_int_eq(libvhost_vdpa_dev_add(ctx, "vdpa0", "vdpasim_net", &o), -EINVAL);
	}
	ck_assert_int_eq(libvhost_vdpa_dev_path("vdpa0", NULL, 64), -EINVAL);
	ck_assert_int_eq(libvhost_vdpa_dev_path("vdpa0", path, 0), -EINVAL);

	/* a good name of no device: the vdpa bus says so, or there is none */
	want = access("/sys/bus/vdpa", F_OK) == 0 ? -ENODEV : -EOPNOTSUPP;
	long_name[63] = 0;
	r = libvhost_vdpa_dev_path(long_name, path, sizeof(path));
	ck_assert_int_eq(r, want);
	TU_NEGATIVE_BEGIN();
	ck_assert_int_eq(libvhost_vdpa_dev_bind(ctx, long_name, "vhost_vdpa"), want);
	TU_NEGATIVE_END();
	ck_assert_ptr_nonnull(strstr(tu_log_last(), want == -ENODEV ? "no vDPA device" : "vdpa bus"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kdev");
	TCase *tc = tcase_create("host");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_adopt_not_vhost);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_vdpa_names);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
