// SPDX-License-Identifier: MIT
/* The documentation of every key a scenario reads, walked from the
 * tables that set the counters (collect.c, net-results.c, migrate.c,
 * expect.c, actions.c), so that it cannot drift from them.
 *
 * Units are one of: count, bool (0 or 1), bytes, frames, slots, I/Os,
 * requests, flows, IOPS, MB/s, bit/s, Gbit/s, ratio (0..1), ns, us, ms. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "engine-priv.h"

struct eng_doc_walk {
	enum xf_counter_group group; /* the group being listed */
	size_t want, seen;
	struct xf_counter_doc *out;
	bool found;
};

static const char *const group_names[XF_CTR_GROUP_NR] = {
	[XF_CTR_RUN] = "run metrics",
	[XF_CTR_DISK] = "per disk",
	[XF_CTR_VIF] = "per vif",
	[XF_CTR_FLOW] = "per flow",
	[XF_CTR_SWITCH] = "per switch",
	[XF_CTR_VM] = "per VM (migration)",
	[XF_CTR_VCPU] = "per vCPU",
	[XF_CTR_CTX] = "ctx:counter (hooks)",
};

static const char *const placeholders[XF_CTR_GROUP_NR] = {
	[XF_CTR_RUN] = "",
	[XF_CTR_DISK] = "<disk>",
	[XF_CTR_VIF] = "<vif>",
	[XF_CTR_FLOW] = "<flow>",
	[XF_CTR_SWITCH] = "switch.<switch>",
	[XF_CTR_VM] = "<vm>",
	[XF_CTR_VCPU] = "<vcpu>",
	[XF_CTR_CTX] = "[<disk>.]",
};

const char *xf_engine_counter_group_name(enum xf_counter_group g)
{
	return (unsigned int)g < XF_CTR_GROUP_NR ? group_names[g] : NULL;
}

const char *xf_engine_counter_placeholder(enum xf_counter_group g)
{
	return (unsigned int)g < XF_CTR_GROUP_NR ? placeholders[g] : NULL;
}

void eng_doc_one(struct eng_doc_walk *w, enum xf_counter_group g,
		 const char *prefix, const char *name, const char *unit,
		 const char *help, unsigned int where)
{
	const char *ph = placeholders[g];

	if (w->found || g != w->group || w->seen++ != w->want)
		return;
	/* The run's keys and ctx:counter's optional disk take no dot
	 * after the placeholder. */
	snprintf(w->out->pattern, sizeof(w->out->pattern), "%s%s%s%s", ph,
		 ph[0] && g != XF_CTR_CTX ? "." : "", prefix, name);
	w->out->group = g;
	w->out->where = where;
	w->out->unit = unit;
	w->out->help = help;
	w->found = true;
}

void eng_doc_table(struct eng_doc_walk *w, enum xf_counter_group g,
		   const struct eng_ctr *t, size_t n, unsigned int where)
{
	for (size_t i = 0; i < n && !w->found; i++)
		eng_doc_one(w, g, "", t[i].key, t[i].unit, t[i].help, where);
}

int xf_engine_counter_doc(size_t i, struct xf_counter_doc *out)
{
	struct eng_doc_walk w = { .want = i, .out = out };

	for (int g = 0; g < XF_CTR_GROUP_NR && !w.found; g++) {
		w.group = (enum xf_counter_group)g;
		eng_expect_docs(&w);
		eng_collect_docs(&w);
		eng_net_docs(&w);
		eng_mig_docs(&w);
		eng_actions_docs(&w);
	}
	return w.found ? 0 : -ENOENT;
}
