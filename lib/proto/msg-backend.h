/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_BACKEND_H
#define LIBVHOST_MSG_BACKEND_H

#include "proto.h"

#endif
