/* SPDX-License-Identifier: MIT */
/*
 * xenbus device states (xen/io/xenbus.h) and their names.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_XENBUS_H
#define XFRONT_XENBUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* xenbus (xen/io/xenbus.h). */

enum xf_xenbus_state {
	XF_XENBUS_UNKNOWN = 0,
	XF_XENBUS_INITIALISING = 1,
	XF_XENBUS_INITWAIT = 2,
	XF_XENBUS_INITIALISED = 3,
	XF_XENBUS_CONNECTED = 4,
	XF_XENBUS_CLOSING = 5,
	XF_XENBUS_CLOSED = 6,
	XF_XENBUS_RECONFIGURING = 7,
	XF_XENBUS_RECONFIGURED = 8,
};

const char *xf_xenbus_state_name(int state);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_XENBUS_H */
