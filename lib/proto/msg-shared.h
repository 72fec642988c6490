/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_SHARED_H
#define LIBVHOST_MSG_SHARED_H

#include "proto.h"

#endif
