/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_INFLIGHT_H
#define LIBVHOST_MSG_INFLIGHT_H

#include "proto.h"

#endif
