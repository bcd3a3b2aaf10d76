/* SPDX-License-Identifier: MIT */
/* xfront xen platform: struct xf_platform over libxenstore, libxengnttab
 * (gnttab + gntshr), libxenevtchn and libxenctrl on a dom0. */
#ifndef XFRONT_XEN_H
#define XFRONT_XEN_H
#include <xfront/ring.h>
#endif
