/* SPDX-License-Identifier: MIT */
/*
 * xfront durability checker: what a power loss may legally do to a
 * disk, judged from the frontend's side only.
 *
 * The workload reports what it did (write submitted / acknowledged,
 * flush submitted / completed, in the order it saw them) for a range of
 * sectors. A write is *guaranteed* once it was acknowledged with FUA,
 * or once a flush submitted after its acknowledgement completed
 * successfully. After a power loss the workload reads every sector back
 * (self-describing sectors name the write that produced them) and the
 * checker decides, per sector: it holds its last guaranteed write, or a
 * later (or concurrent) unguaranteed one: legal; it holds anything else
 * (an older write, zeroes, garbage): a loss, reported with the write id
 * that should be there and the flush that covered it.
 *
 * "Degraded" durability: the frontend stopped flushing (the backend
 * refused flush with EOPNOTSUPP), so nothing later can be guaranteed.
 * That is its own verdict, never a pass.
 *
 * A write still in flight at a power loss stays tracked into the next
 * epoch as legal but uncertain content: it may have landed before the
 * loss (and died with the cache) or after it, and its acknowledgement
 * cannot tell which, so neither FUA nor a later flush guarantees it.
 * Flushes in flight at a power loss guarantee nothing.
 *
 * Thread-safe: workload threads may report I/O while another thread
 * runs xf_dur_check() (real mode); each call is atomic.
 */
#ifndef XFRONT_DURABILITY_H
#define XFRONT_DURABILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xf_dur;

/* Tracks sectors [first, first + nr). */
int xf_dur_new(uint64_t first_sector, uint64_t nr_sectors,
	       struct xf_dur **out);
void xf_dur_free(struct xf_dur *d);

/* Write ids are the caller's (unique, > 0, increasing in submission
 * order). -ERANGE outside the tracked range; -ENOMEM. */
int xf_dur_write_submit(struct xf_dur *d, uint64_t write_id,
			uint64_t sector, uint64_t nr_sectors);
/* status 0: acknowledged; an error: it may or may not have landed.
 * fua: durable at acknowledgement. */
int xf_dur_write_done(struct xf_dur *d, uint64_t write_id, int status,
		      bool fua);
/* Returns a flush id (> 0). */
uint64_t xf_dur_flush_submit(struct xf_dur *d);
/* status 0 makes every write acknowledged before the flush was
 * submitted guaranteed; -EOPNOTSUPP marks durability degraded; other
 * errors guarantee nothing. */
int xf_dur_flush_done(struct xf_dur *d, uint64_t flush_id, int status);
/* The frontend stopped issuing flushes (or never could). */
void xf_dur_set_degraded(struct xf_dur *d, const char *why);

/* What a sector holds after the power loss, as decoded by the
 * workload. */
enum xf_dur_seen_kind {
	XF_DUR_SEEN_WRITE = 0, /* a valid sector naming write_id */
	XF_DUR_SEEN_BLANK,     /* never written (zeroes) */
	XF_DUR_SEEN_CORRUPT,   /* bad checksum or wrong LBA */
};

struct xf_dur_seen {
	enum xf_dur_seen_kind kind;
	uint64_t write_id;
};

enum xf_dur_loss_kind {
	XF_DUR_LOSS_OLDER = 0, /* an older write is back */
	XF_DUR_LOSS_BLANK,     /* the sector is blank */
	XF_DUR_LOSS_CORRUPT,
	XF_DUR_LOSS_UNKNOWN,   /* names a write never submitted there */
};

/* One lost (or corrupted) write: consecutive sectors of the same write
 * are merged. */
struct xf_dur_loss {
	enum xf_dur_loss_kind kind;
	uint64_t sector;         /* first sector */
	uint64_t nr_sectors;
	uint64_t write_id;       /* what should be there (0: none) */
	uint64_t flush_id;       /* the flush that guaranteed it; 0: FUA */
	uint64_t found_id;       /* what is there (OLDER/UNKNOWN) */
};

enum xf_dur_verdict {
	XF_DUR_OK = 0,
	XF_DUR_LOSS,
	XF_DUR_DEGRADED,
};

const char *xf_dur_verdict_name(enum xf_dur_verdict v);

struct xf_dur_report {
	enum xf_dur_verdict verdict;
	uint64_t sectors_checked;
	uint64_t guaranteed_ok;      /* holds its guaranteed write */
	uint64_t unguaranteed_kept;  /* holds a later unguaranteed write */
	uint64_t sectors_lost;
	uint64_t sectors_corrupt;
	uint64_t writes_lost;        /* distinct write ids lost */
	uint64_t flushes_ok, flushes_failed, flushes_unsupported;
	char degraded_why[128];
	struct xf_dur_loss *losses;  /* malloc'ed; free with _report_free */
	size_t nlosses;
};

/*
 * After a power loss: judges seen[i] for sector first + i (nr entries
 * = the tracked range). Then the seen contents become the new baseline
 * and tracking starts afresh (the next power loss is judged against
 * it). Losses beyond max_losses are counted but not listed.
 */
int xf_dur_check(struct xf_dur *d, const struct xf_dur_seen *seen,
		 size_t max_losses, struct xf_dur_report *rep);

/*
 * A power cut as one instant (real mode, where workload threads keep
 * reporting while the cut runs): hold every checker of the disk (in
 * one fixed order), cut the power, read the durable image back, check,
 * release. Meanwhile other threads' reports wait, so an I/O that ends
 * after the cut is still in flight for the check, as it was for the
 * disk. The holding thread may call xf_dur_check(); it must not wait
 * for a thread that could be reporting (e.g. take a workload lock)
 * before xf_dur_release().
 */
void xf_dur_hold(struct xf_dur *d);
void xf_dur_release(struct xf_dur *d);
void xf_dur_report_free(struct xf_dur_report *rep);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_DURABILITY_H */
