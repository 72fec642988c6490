/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_POSTCOPY_H
#define LIBVHOST_MSG_POSTCOPY_H

#include "proto.h"

#endif
