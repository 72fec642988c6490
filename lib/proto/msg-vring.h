/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_VRING_H
#define LIBVHOST_MSG_VRING_H

#include "proto.h"

#endif
