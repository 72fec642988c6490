# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the seed scripts (seeds*.sh DIR): the output directory $out,
# created, and the writers of little-endian numbers to standard output.
out=$1
[ -n "$out" ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$out"

byte() { printf "\\$(printf '%03o' "$1")"; }
u16() { byte $(($1 & 255)); byte $((($1 >> 8) & 255)); }
u32() { u16 $(($1 & 65535)); u16 $((($1 >> 16) & 65535)); }
u64() { u32 $(($1 & 4294967295)); u32 $((($1 >> 32) & 4294967295)); }
