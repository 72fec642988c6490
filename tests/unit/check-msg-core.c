/* SPDX-License-Identifier: BSD-3-Clause */
#include "testutil.h"

START_TEST(test_placeholder)
{
	ck_assert(1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("placeholder");
	TCase *tc = tcase_create("placeholder");

	tcase_add_test(tc, test_placeholder);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
