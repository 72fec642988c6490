/* SPDX-License-Identifier: BSD-3-Clause */
#include "msg-net.h"
