/* SPDX-License-Identifier: MIT */
#ifndef XFRONT_NETFRONT_H
#define XFRONT_NETFRONT_H
#include <xfront/ring.h>
#include <xfront/runtime.h>
#endif
