/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_SHMEM_H
#define LIBVHOST_MSG_SHMEM_H

#include "proto.h"

#endif
