#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A consumer's build: `make install DESTDIR=` into a staging directory in the
# build tree, then compile, link and run a program with nothing but
# `pkg-config --cflags --libs libvhost` pointed at the staged tree; then the
# same for the example device README's "Writing a device" walks through,
# vhost-user-rng, with the tools' shared pieces and no config.h.
set -u
bld=$(cd "${top_builddir:-.}" && pwd)
make=${MAKE:-make}
pkg_config=${PKG_CONFIG:-pkg-config}
command -v "$pkg_config" > /dev/null || { echo "SKIP: no pkg-config"; exit 77; }
stage=$(mktemp -d "$bld/tests/consumer/stage.XXXXXX") || exit 1
trap 'rm -rf "$stage"' EXIT
trap 'exit 1' HUP INT TERM
fail() { echo "FAIL: $*"; exit 1; }

# a make of its own: not the jobserver or the variables of the make running the tests
if ! (unset MAKEFLAGS MFLAGS MAKELEVEL; cd "$bld" && "$make" install DESTDIR="$stage/root") \
	> "$stage/install.log" 2>&1; then
	cat "$stage/install.log"
	fail "make install DESTDIR=... failed"
fi
pc=$(find "$stage/root" -name libvhost.pc)
[ -n "$pc" ] || fail "no libvhost.pc installed"
so=$(find "$stage/root" -name 'libvhost.so.[0-9]*' -type f)
[ -n "$so" ] || fail "no libvhost.so.N installed"

# the .pc names the configured prefix; the sysroot puts it inside the staging tree
PKG_CONFIG_PATH=$(dirname "$pc")
PKG_CONFIG_SYSROOT_DIR=$stage/root
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
cflags=$("$pkg_config" --cflags libvhost) || fail "pkg-config --cflags libvhost"
libs=$("$pkg_config" --libs libvhost) || fail "pkg-config --libs libvhost"
version=$("$pkg_config" --modversion libvhost) || fail "pkg-config --modversion libvhost"
echo "pkg-config: libvhost $version: $cflags $libs"
case "$libs" in
*"-L$stage/root"*) ;;
*) fail "--libs does not point into the staged install: $libs" ;;
esac

cat > "$stage/consumer.c" << 'EOF'
#include <stdio.h>
#include <string.h>

#include <libvhost.h>

int main(void)
{
	LIBVHOST_OPTS(libvhost_ctx_opts, opts, .log_priority = 3);
	struct libvhost_ctx *ctx;
	const char *name = libvhost_request_name(LIBVHOST_USER_DIR_FRONTEND,
						 LIBVHOST_USER_SET_MEM_TABLE);

	if (libvhost_ctx_new(&opts, &ctx) < 0 || !name || strcmp(name, "SET_MEM_TABLE") != 0)
		return 1;
	libvhost_ctx_unref(ctx);
	printf("%s\n", libvhost_version());
	return 0;
}
EOF
# shellcheck disable=SC2086 # the flags are words
${CC:-cc} ${SAN_FLAGS:-} -Wall -Werror $cflags -o "$stage/consumer" "$stage/consumer.c" $libs ||
	fail "the consumer does not build with pkg-config's flags"
got=$(LD_LIBRARY_PATH=$(dirname "$so") "$stage/consumer") || fail "the consumer failed"
[ "$got" = "$version" ] || fail "the consumer ran libvhost $got, pkg-config said $version"
echo "built, linked and ran a consumer against the staged install (libvhost $got)"

# the example device, built as a device author would build it
src=$(cd "${top_srcdir:-.}" && pwd)/tools
# shellcheck disable=SC2086 # the flags are words
${CC:-cc} ${SAN_FLAGS:-} -D_GNU_SOURCE -pthread -Wall -Werror $cflags -I"$src" -o "$stage/rng" \
	"$src/vhost-user-rng.c" "$src/tool-device.c" "$src/tool-log.c" "$src/tool-caps.c" \
	"$src/tool-stats.c" "$src/tool-threads.c" $libs ||
	fail "the example device (tools/vhost-user-rng.c) does not build with pkg-config's flags"
caps=$(LD_LIBRARY_PATH=$(dirname "$so") "$stage/rng" --print-capabilities) ||
	fail "the example device failed"
case $caps in
*'"type": "rng"'*) ;;
*) fail "the example device's capabilities: $caps" ;;
esac
echo "built and ran the example device against the staged install"
