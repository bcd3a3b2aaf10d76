/* SPDX-License-Identifier: MIT */
#ifndef XFRONT_BLKBACK_H
#define XFRONT_BLKBACK_H
#include <xfront/ring.h>
#include <xfront/runtime.h>
#endif
