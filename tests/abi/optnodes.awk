# SPDX-License-Identifier: BSD-3-Clause
# Reads map.awk's records and prints "SYMBOL NODE" for each global, or
# "!SYMBOL NODE" when it belongs to a build option's node (LIBVHOST_XEN_0.1)
# that this build leaves out.  -v opts=" POSTCOPY ... ": the build's options,
# the LIBVHOST_HAS_<OPT> of its libvhost-build.h that are 1.
$1 == "sym" {
	o = $3
	if (o ~ /^LIBVHOST_[A-Z]+_/) {
		sub(/^LIBVHOST_/, "", o)
		sub(/_[0-9.]*$/, "", o)
		if (index(opts, " " o " ") == 0)
			$2 = "!" $2
	}
	print $2, $3
}
