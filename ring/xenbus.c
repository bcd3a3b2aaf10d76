// SPDX-License-Identifier: MIT
/* xenbus state names, spelled as Linux's xenbus_strstate(). */
#include <xfront/util.h>
#include <xfront/xenbus.h>

const char *xf_xenbus_state_name(int state)
{
	static const char *const names[] = {
		[XF_XENBUS_UNKNOWN] = "Unknown",
		[XF_XENBUS_INITIALISING] = "Initialising",
		[XF_XENBUS_INITWAIT] = "InitWait",
		[XF_XENBUS_INITIALISED] = "Initialised",
		[XF_XENBUS_CONNECTED] = "Connected",
		[XF_XENBUS_CLOSING] = "Closing",
		[XF_XENBUS_CLOSED] = "Closed",
		[XF_XENBUS_RECONFIGURING] = "Reconfiguring",
		[XF_XENBUS_RECONFIGURED] = "Reconfigured",
	};

	/* A negative state wraps to out of range. */
	return XF_NAME_OF(names, state, "Invalid");
}
