/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_MEM_H
#define LIBVHOST_MSG_MEM_H

#include "proto.h"

#endif
