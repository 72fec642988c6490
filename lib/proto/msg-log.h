/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_LOG_H
#define LIBVHOST_MSG_LOG_H

#include "proto.h"

#endif
