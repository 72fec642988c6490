/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_GPU_H
#define LIBVHOST_MSG_GPU_H

#include "proto.h"

#endif
