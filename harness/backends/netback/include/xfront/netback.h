/* SPDX-License-Identifier: MIT */
#ifndef XFRONT_NETBACK_H
#define XFRONT_NETBACK_H
#include <xfront/ring.h>
#include <xfront/runtime.h>
#endif
