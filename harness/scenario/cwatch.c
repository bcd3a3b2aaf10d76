// SPDX-License-Identifier: MIT
/*
 * The wall-clock limit for Lua's pattern functions. The instruction
 * budget (budget.c) runs between VM instructions, so it never sees a
 * string.find that backtracks inside C for ever
 * (string.rep("a?", 40) .. string.rep("a", 40) against 40 a's). Such a
 * call cannot be interrupted: nothing may unwind a Lua state from
 * another thread, and the matcher never returns to the VM. So the
 * sandbox's string.find/match/gmatch/gsub announce themselves with the
 * caller's file:line, and a watchdog thread ends the process with that
 * line and exit status 2 when one runs past the limit. Outputs of the
 * run are not written then (their old contents stay; see outfile.h).
 */
#include <lauxlib.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scn-priv.h"

#define CW_SLOTS 16

struct cw_slot {
	_Atomic int64_t since_ns; /* 0: free */
	char where[320];          /* "path:line: string.find" */
};

static struct cw_slot cw_slots[CW_SLOTS];
static pthread_once_t cw_once = PTHREAD_ONCE_INIT;
static int cw_limit_s = SCN_C_CALL_LIMIT_S;

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *cw_main(void *arg)
{
	(void)arg;
	for (;;) {
		int64_t now;

		sleep(1);
		now = mono_ns();
		for (int i = 0; i < CW_SLOTS; i++) {
			int64_t t = atomic_load(&cw_slots[i].since_ns);

			if (!t || now - t < (int64_t)cw_limit_s * 1000000000)
				continue;
			/* No lock, no stdio buffer shared with the stuck
			 * thread: one write, then out. */
			char m[400];
			int n = snprintf(m, sizeof(m), "%s ran for more than "
					 "%d s inside C (a pattern that "
					 "backtracks without end?)\n",
					 cw_slots[i].where, cw_limit_s);

			if (n > 0 && write(2, m, (size_t)n) < 0)
				n = 0;
			_exit(2);
		}
	}
	return NULL;
}

static void cw_start(void)
{
	pthread_t t;
	pthread_attr_t a;
	sigset_t all, old;

	/* Signals stay with the threads that handle them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &a, cw_main, NULL))
		cw_limit_s = 0; /* no watchdog: calls run unwatched */
	pthread_attr_destroy(&a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static struct cw_slot *cw_enter(lua_State *L, const char *fn)
{
	lua_Debug ar;
	int line = 0;
	const char *src = "?";

	pthread_once(&cw_once, cw_start);
	if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
		line = ar.currentline;
		src = ar.short_src;
	}
	for (int i = 0; i < CW_SLOTS; i++) {
		struct cw_slot *s = &cw_slots[i];
		int64_t zero = 0;

		/* Claim with a placeholder time, fill in, then arm. */
		if (!atomic_compare_exchange_strong(&s->since_ns, &zero, -1))
			continue;
		snprintf(s->where, sizeof(s->where), "%s:%d: %s", src, line,
			 fn);
		atomic_store(&s->since_ns, mono_ns());
		return s;
	}
	return NULL; /* more calls at once than slots: unwatched */
}

static void cw_leave(struct cw_slot *s)
{
	if (s)
		atomic_store(&s->since_ns, 0);
}

/* The original function is upvalue 1, its name upvalue 2. */
static int cw_call(lua_State *L)
{
	struct cw_slot *s = cw_enter(L, lua_tostring(L, lua_upvalueindex(2)));
	int n = lua_gettop(L);

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	/* Errors propagate as the original's would; the slot is freed
	 * first so an error does not leave it armed. */
	if (lua_pcall(L, n, LUA_MULTRET, 0) != LUA_OK) {
		cw_leave(s);
		return lua_error(L);
	}
	cw_leave(s);
	return lua_gettop(L);
}

/* gmatch matches in the iterator it returns: wrap that too. */
static int cw_gmatch(lua_State *L)
{
	int n = lua_gettop(L);

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, 1);
	lua_pushstring(L, "string.gmatch iterator");
	lua_pushcclosure(L, cw_call, 2);
	return 1;
}

void scn_lua_watch_patterns(lua_State *L)
{
	static const char *const fns[] = { "find", "match", "gsub" };

	lua_getglobal(L, "string");
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return;
	}
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		lua_getfield(L, -1, fns[i]);
		lua_pushfstring(L, "string.%s", fns[i]);
		lua_pushcclosure(L, cw_call, 2);
		lua_setfield(L, -2, fns[i]);
	}
	lua_getfield(L, -1, "gmatch");
	lua_pushcclosure(L, cw_gmatch, 1);
	lua_setfield(L, -2, "gmatch");
	lua_pop(L, 1);
}
