/* SPDX-License-Identifier: MIT */
/*
 * A Lua state with bounded memory and a per-call instruction budget.
 * Scenario files and their hooks are user input: an endless loop or a
 * runaway table must end in a clear file:line error, not a hung or
 * exhausted process.
 */
#include <lauxlib.h>
#include <stdlib.h>

#include "scn-priv.h"

/* 64 MiB of Lua heap is far beyond any real scenario. */
#define SCN_LUA_MEM_LIMIT (64u << 20)
/* The count hook fires every SCN_HOOK_STEP VM instructions. */
#define SCN_HOOK_STEP 10000
/* 200 million instructions per top-level call: seconds of CPU. */
#define SCN_STEP_BUDGET (200000000 / SCN_HOOK_STEP)

struct scn_budget {
	size_t used;
	long steps_left;
};

static void *budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct scn_budget *b = ud;
	void *n;

	/* For a NULL ptr, osize encodes the object type, not a size. */
	if (!ptr)
		osize = 0;
	if (nsize == 0) {
		free(ptr);
		b->used -= osize;
		return NULL;
	}
	if (nsize > osize && b->used - osize + nsize > SCN_LUA_MEM_LIMIT)
		return NULL; /* Lua raises "not enough memory" */
	n = realloc(ptr, nsize);
	if (n)
		b->used = b->used - osize + nsize;
	return n;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
	struct scn_budget *b;

	lua_getallocf(L, (void **)&b);
	if (--b->steps_left > 0)
		return;
	/* Keep raising on later counts too, should a pcall inside the
	 * script swallow the first error. */
	b->steps_left = 0;
	/* Name the line that was running: luaL_where() would name the
	 * caller's frame, not the loop. */
	if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
		lua_pushfstring(L, "%s:%d: ", ar->short_src, ar->currentline);
	else
		lua_pushliteral(L, "");
	lua_pushfstring(L, "scenario code ran for more than %d million Lua "
			"instructions (an endless loop?)",
			SCN_STEP_BUDGET / (1000000 / SCN_HOOK_STEP));
	lua_concat(L, 2);
	lua_error(L);
}

lua_State *scn_lua_new(void)
{
	struct scn_budget *b = calloc(1, sizeof(*b));
	lua_State *L;

	if (!b)
		return NULL;
	b->steps_left = SCN_STEP_BUDGET;
	L = lua_newstate(budget_alloc, b);
	if (!L) {
		free(b);
		return NULL;
	}
	lua_sethook(L, budget_hook, LUA_MASKCOUNT, SCN_HOOK_STEP);
	return L;
}

void scn_lua_budget_reset(lua_State *L)
{
	struct scn_budget *b;

	lua_getallocf(L, (void **)&b);
	b->steps_left = SCN_STEP_BUDGET;
}

void scn_lua_close(lua_State *L)
{
	struct scn_budget *b;

	if (!L)
		return;
	lua_getallocf(L, (void **)&b);
	lua_close(L);
	free(b);
}
