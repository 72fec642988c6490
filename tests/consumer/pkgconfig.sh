#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A consumer's build: `make install` into a staging directory, then compile,
# link and run a program with only `pkg-config --cflags --libs libvhost`.
set -eu
bld=$(cd "${top_builddir:-.}" && pwd)
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
make -C "$bld" --no-print-directory install DESTDIR="$stage" > "$stage/install.log" 2>&1 ||
	{ cat "$stage/install.log"; exit 1; }
pcdir=$(dirname "$(find "$stage" -name libvhost.pc | head -n 1)")
[ -n "$pcdir" ] || { echo "FAIL: libvhost.pc not installed"; exit 1; }
# the .pc names the configured prefix; make it point into the staging tree
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage"
cflags=$(pkg-config --cflags libvhost)
libs=$(pkg-config --libs libvhost)
cat > "$stage/prog.c" <<'PROG'
#include <libvhost.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	struct libvhost_ctx *ctx;
	const char *name = libvhost_request_name(LIBVHOST_USER_DIR_FRONTEND, LIBVHOST_USER_SET_MEM_TABLE);

	if (libvhost_ctx_new(NULL, &ctx) < 0 || !name || strcmp(name, "SET_MEM_TABLE"))
		return 1;
	libvhost_ctx_unref(ctx);
	printf("built with pkg-config against libvhost %s\n", libvhost_version());
	return 0;
}
PROG
${CC:-cc} ${SAN_FLAGS:-} $cflags -o "$stage/prog" "$stage/prog.c" $libs
libdir=$(dirname "$(find "$stage" -name 'libvhost.so.0' | head -n 1)")
LD_LIBRARY_PATH="$libdir" "$stage/prog"
