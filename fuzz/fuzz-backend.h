/* SPDX-License-Identifier: MIT */
/*
 * The xenbus side of the fake backend the frontend fuzz targets
 * (blkfront, netfront) play: its directory, the state it last wrote, and
 * a (mostly) well-behaved state machine that follows the frontend's
 * state and calls the target's hooks to map what the frontend published
 * and to tear it down. What the backend then does on the rings is each
 * target's own business.
 */
#ifndef XF_FUZZ_BACKEND_H
#define XF_FUZZ_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include <xfront/platform.h>
#include <xfront/xenbus.h>

struct fz_be;

struct fz_be_ops {
	/* Maps what the frontend published, as a correct backend would.
	 * false: the keys are unusable (the backend goes to Closing). */
	bool (*connect)(struct fz_be *b, void *arg);
	/* Undoes whatever connect set up, also when it failed halfway;
	 * called again when nothing is connected. */
	void (*disconnect)(struct fz_be *b, void *arg);
	/* Optional: after a successful connect, before Connected. */
	void (*connected)(struct fz_be *b, void *arg);
};

struct fz_be {
	struct xf_platform *p;
	struct xf_xs *xs;
	struct xf_evtch *evh;
	char dir[128];          /* backend directory */
	char fe_dir[128];       /* frontend directory */
	int state;              /* what we last wrote */
	bool gone;              /* directories removed by the toolstack */
	const struct fz_be_ops *ops;
};

/* Opens b's xenstore and event channel handles on p (aborts on
 * failure); the caller fills dir and fe_dir. */
void fz_be_open(struct fz_be *b, struct xf_platform *p,
		const struct fz_be_ops *ops);
void fz_be_close(struct fz_be *b);

/* Writes dir/key; nothing once the directories are gone. */
void fz_be_write(struct fz_be *b, const char *key, const char *val);
void fz_be_write_num(struct fz_be *b, const char *key, unsigned long long v);
/* Writes the backend state (remembered in b->state) unless gone. */
void fz_be_state(struct fz_be *b, int s);
/* Reads dir/key as an unsigned number up to UINT32_MAX. */
int fz_be_fe_uint(struct fz_be *b, const char *dir, const char *key,
		  uint64_t *v);
/* Takes every pending event channel notification. */
void fz_be_drain_events(struct fz_be *b);

/* One step of the backend state machine against the frontend's state:
 * InitWait again after the frontend reopens, connect (through the hooks)
 * on Initialised/Connected, Closed after the frontend's Closing/Closed,
 * and only a teardown once the directories are gone. arg goes to the
 * hooks. */
void fz_be_follow(struct fz_be *b, void *arg);

#endif /* XF_FUZZ_BACKEND_H */
