/* SPDX-License-Identifier: MIT */
/*
 * A Lua state with bounded memory and a per-call instruction budget.
 * Scenario files and their hooks are user input: an endless loop or a
 * runaway table must end in a clear file:line error, not a hung or
 * exhausted process.
 */
#include <lauxlib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "scn-priv.h"

/* 64 MiB of Lua heap is far beyond any real scenario. */
#define SCN_LUA_MEM_LIMIT (64u << 20)
/* The limits' values spelt into the messages that state them. */
#define SCN_STR_(x) #x
#define SCN_STR(x) SCN_STR_(x)
/* The count hook fires every SCN_HOOK_STEP VM instructions. */
#define SCN_HOOK_STEP 10000
/* 200 million instructions per top-level call: seconds of CPU. */
#define SCN_INSN_MILLIONS 200
#define SCN_STEP_BUDGET (SCN_INSN_MILLIONS * 1000000 / SCN_HOOK_STEP)

struct scn_budget {
	size_t used;
	long steps_left;
	struct timespec started;
	/* Once over budget, every instruction raises again until the next
	 * top-level call: a pcall inside the script cannot swallow it,
	 * because the code after that pcall raises at its first step. */
	bool exhausted;
	const char *why;
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

static bool wall_exceeded(const struct scn_budget *b)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - b->started.tv_sec > SCN_WALL_LIMIT_S ||
	       (now.tv_sec - b->started.tv_sec == SCN_WALL_LIMIT_S &&
		now.tv_nsec >= b->started.tv_nsec);
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
	struct scn_budget *b;

	lua_getallocf(L, (void **)&b);
	if (!b->exhausted) {
		if (--b->steps_left <= 0)
			b->why = "ran for more than "
				 SCN_STR(SCN_INSN_MILLIONS) " million Lua "
				 "instructions (an endless loop?)";
		else if (wall_exceeded(b))
			b->why = "ran for more than "
				 SCN_STR(SCN_WALL_LIMIT_S) " s (an endless loop?)";
		else
			return;
		b->exhausted = true;
		lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
	}
	/* Name the line that was running: luaL_where() would name the
	 * caller's frame, not the loop. */
	if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
		lua_pushfstring(L, "%s:%d: ", ar->short_src, ar->currentline);
	else
		lua_pushliteral(L, "");
	lua_pushfstring(L, "scenario code %s", b->why);
	lua_concat(L, 2);
	lua_error(L);
}

lua_State *scn_lua_new(void)
{
	struct scn_budget *b = calloc(1, sizeof(*b));
	lua_State *L;

	if (!b)
		return NULL;
	L = lua_newstate(budget_alloc, b);
	if (!L) {
		free(b);
		return NULL;
	}
	scn_lua_budget_reset(L);
	return L;
}

void scn_lua_budget_reset(lua_State *L)
{
	struct scn_budget *b;

	lua_getallocf(L, (void **)&b);
	b->steps_left = SCN_STEP_BUDGET;
	b->exhausted = false;
	clock_gettime(CLOCK_MONOTONIC, &b->started);
	lua_sethook(L, budget_hook, LUA_MASKCOUNT, SCN_HOOK_STEP);
}

bool scn_lua_budget_exhausted(lua_State *L)
{
	struct scn_budget *b;

	lua_getallocf(L, (void **)&b);
	return b->exhausted;
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
