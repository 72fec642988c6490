/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_NET_H
#define LIBVHOST_MSG_NET_H

#include "proto.h"

#endif
