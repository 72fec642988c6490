/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_CONFIG_H
#define LIBVHOST_MSG_CONFIG_H

#include "proto.h"

#endif
