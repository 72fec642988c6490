# SPDX-License-Identifier: BSD-3-Clause
# LVH_CHECK_CFLAG(FLAG, [ACTION-IF-OK], [ACTION-IF-NOT], [EXTRA-FLAGS])
# Compiles an empty program with FLAG (and EXTRA-FLAGS) added to CFLAGS.
AC_DEFUN([LVH_CHECK_CFLAG], [
	AS_VAR_PUSHDEF([lvh_var], [lvh_cv_cflag_$1])
	AC_CACHE_CHECK([whether $CC accepts $1], [lvh_var], [
		lvh_save_cflags=$CFLAGS
		CFLAGS="$CFLAGS $4 $1"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
			       [AS_VAR_SET([lvh_var], [yes])], [AS_VAR_SET([lvh_var], [no])])
		CFLAGS=$lvh_save_cflags])
	AS_VAR_IF([lvh_var], [yes], [$2], [$3])
	AS_VAR_POPDEF([lvh_var])
])
