/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_IOTLB_H
#define LIBVHOST_MSG_IOTLB_H

#include "proto.h"

#endif
