/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_STATE_H
#define LIBVHOST_MSG_STATE_H

#include "proto.h"

#endif
