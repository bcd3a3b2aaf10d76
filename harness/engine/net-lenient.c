// SPDX-License-Identifier: MIT
/* The netback leniencies a scenario asks for: vif.backend.lenient and
 * host.net.lenient, one boolean per XF_NB_LENIENT_* bit. A key the vif
 * sets wins over its host's, key by key, so a host can make every vif
 * on it lenient and one vif can still ask for Linux's answer. */
#include "net.h"

static const struct {
	const char *key;
	uint32_t bit;
} lenient_keys[] = {
	{ "connect_on_initialised", XF_NB_LENIENT_CONNECT_ON_INITIALISED },
	{ "direct_states", XF_NB_LENIENT_DIRECT_STATES },
	{ "tx_cross_page", XF_NB_LENIENT_TX_CROSS_PAGE },
	{ "tx_bad_gso", XF_NB_LENIENT_TX_BAD_GSO },
	{ "tx_extra_type", XF_NB_LENIENT_TX_EXTRA_TYPE },
	{ "tx_extra_limit", XF_NB_LENIENT_TX_EXTRA_LIMIT },
	{ "tx_short_first", XF_NB_LENIENT_TX_SHORT_FIRST },
	{ "csum_fill", XF_NB_LENIENT_CSUM_FILL },
};

uint32_t eng_nb_lenient(const struct xf_scn_obj *vif,
			const struct xf_scn_obj *host)
{
	const struct xf_scn_obj *vl =
		xf_scn_sub(xf_scn_sub(vif, "backend"), "lenient");
	const struct xf_scn_obj *hl = host ?
		xf_scn_sub(xf_scn_sub(host, "net"), "lenient") : NULL;
	uint32_t bits = 0;

	for (size_t i = 0; i < sizeof(lenient_keys) / sizeof(*lenient_keys);
	     i++) {
		const char *k = lenient_keys[i].key;
		bool on = vl && xf_scn_isset(vl, k) ? xf_scn_bool(vl, k) :
			  hl && xf_scn_bool(hl, k);

		if (on)
			bits |= lenient_keys[i].bit;
	}
	return bits;
}
