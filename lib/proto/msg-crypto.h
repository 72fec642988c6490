/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_MSG_CRYPTO_H
#define LIBVHOST_MSG_CRYPTO_H

#include "proto.h"

#endif
