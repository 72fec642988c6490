/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_FEATURES_H
#define LIBVHOST_MSG_FEATURES_H

#include "proto.h"

#endif
