/* SPDX-License-Identifier: MIT */
#ifndef XF_SCN_PRIV_H
#define XF_SCN_PRIV_H

#include <lua.h>
#include <stdarg.h>
#include <xfront/scenario.h>

struct scn_priv {
	char *text;               /* the script, for per-key line lookup */
	char **lines;
	int nlines;
	struct xf_scn_diag *diag;  /* the caller's, during xf_scn_load only */
	const struct xf_scn_opts *opts; /* &opts_copy, or NULL */
	struct xf_scn_opts opts_copy; /* hooks run after the caller's is gone */
	bool *param_used;
};

/* The fault actions, NULL-terminated (schema.c): fault { action = },
 * and each one a ctx:<action> method of hooks. */
extern const char *const *const scn_action_names;

/* A field's bound as a scenario author writes it ("1ns", "1h", 4096). */
void scn_fmt_num(char *buf, size_t len, enum xf_scn_type t, double v);
/* Appends "path:line: fmt..." to the diagnostics. */
void scn_err(struct xf_scn *s, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int scn_diag_add(struct xf_scn_diag *d, const char *msg);

/* Every ctx:<name> call written in the file names a method, or an
 * error with its line goes to the diagnostics. */
void scn_check_ctx_calls(struct xf_scn *s);

/* Line of "key =" at or after from (the constructor's line). */
int scn_key_line(const struct xf_scn *s, int from, const char *key);

/* Lua table at idx -> validated object (errors go to diagnostics). */
struct xf_scn_obj *scn_obj_from_lua(struct xf_scn *s, lua_State *L,
				    int idx, const struct xf_scn_kind *k,
				    int line, const char *owner);
struct xf_scn_obj *scn_obj_defaults(const struct xf_scn_kind *k, int line);
void scn_obj_free(struct xf_scn_obj *o);
int scn_field_index(const struct xf_scn_kind *k, const char *key);
const char *scn_did_you_mean(const char *word, const char *const *cands,
			     size_t n);

/* Cross-checks the whole model after the script ran. */
void scn_check(struct xf_scn *s);

/* Wall time per top-level call, checked with the instruction budget:
 * Lua code that is slow per instruction (C library calls in a loop)
 * ends too. A single pattern call in C is held to the same limit
 * (cwatch.c). */
#define SCN_WALL_LIMIT_S 10
#define SCN_C_CALL_LIMIT_S SCN_WALL_LIMIT_S

/* The sandbox's string.find/match/gmatch/gsub under the wall-clock
 * watchdog (cwatch.c); after the string library is open. */
void scn_lua_watch_patterns(lua_State *L);

/* A Lua state with a memory cap and an instruction budget per call
 * (budget.c); reset the budget before each top-level pcall. */
lua_State *scn_lua_new(void);
void scn_lua_budget_reset(lua_State *L);
/* The last top-level call ran out of instructions or wall time. */
bool scn_lua_budget_exhausted(lua_State *L);
void scn_lua_close(lua_State *L);

/* Installs ctx (hooks) and result (check) helpers. */
void scn_ctx_push(lua_State *L, struct xf_scn *s,
		  const struct xf_scn_ctx_ops *ops, void *opaque);

#endif
