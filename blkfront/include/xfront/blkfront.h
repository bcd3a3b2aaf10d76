/* SPDX-License-Identifier: MIT */
#ifndef XFRONT_BLKFRONT_H
#define XFRONT_BLKFRONT_H
#include <xfront/ring.h>
#include <xfront/runtime.h>
#endif
