/* SPDX-License-Identifier: BSD-3-Clause */
/* What libvhost's tools share: giving up capabilities once set up. */
#ifndef LIBVHOST_TOOL_CAPS_H
#define LIBVHOST_TOOL_CAPS_H

/*
 * Drops every capability (libcap-ng), for a tool started as root that has
 * done all that needed privilege.  -1 (with a message naming @tool) if the
 * kernel refused; 0 otherwise, also when built without libcap-ng.
 */
int tool_drop_capabilities(const char *tool);

/* The same, but keeps capability @cap (a CAP_* number; -1 keeps none) if it was held. */
int tool_keep_capability(const char *tool, int cap);

#endif
