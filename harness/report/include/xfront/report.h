/* SPDX-License-Identifier: MIT */
/*
 * xfront reports: the run's results as JSON (shaped like fio's
 * --output-format=json where the concepts match, plus xfront's own
 * sections), JUnit XML, a self-contained HTML page with plots, and the
 * human summary text. Nothing here prints: text comes back as strings,
 * files are written where asked.
 */
#ifndef XFRONT_REPORT_H
#define XFRONT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <xfront/result.h>

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

struct xf_report_skip {
	const char *path;
	const char *reason;
};

struct xf_report_meta {
	const char *version;     /* "0.1.0" */
	const char *command;     /* the command line, for the record */
	long long timestamp;     /* unix time of the run */
	/* A run cut short by a signal: the results are those that
	 * finished, and cut names the one that was running
	 * ("path[variant]"; NULL when none was). */
	bool interrupted;
	const char *cut;
	/* Files selected but not run, each once, with why ("written for
	 * --mode sim only", or the platform's first refusal). */
	const struct xf_report_skip *skips;
	size_t nskips;
};

/* The JSON document (caller owns it: json_object_put()). */
int xf_report_json(struct xf_result *const *r, size_t n,
		   const struct xf_report_meta *m, struct json_object **out);
/* One result's object, as inside "results" (for replay comparison). */
int xf_report_json_result(const struct xf_result *r,
			  struct json_object **out);
/* The writers below replace their file whole or leave it as it was
 * (xfront/outfile.h): 0 or -errno. */
int xf_report_json_write(const char *path, struct xf_result *const *r,
			 size_t n, const struct xf_report_meta *m);
/* Removes the keys that legitimately differ between identical runs
 * (timestamps, host timings) from a result object, in place. */
void xf_report_json_strip_volatile(struct json_object *result);

int xf_report_junit_write(const char *path, struct xf_result *const *r,
			  size_t n, const struct xf_report_meta *m);

/* Writes dir/index.html (dir created if needed). Plots come from
 * gnuplot when it is installed (*plots_ok: it was); a plot gnuplot
 * could not make fails the write (-EIO) and leaves no page. err
 * receives a reason on failure. */
int xf_report_html_write(const char *dir, struct xf_result *const *r,
			 size_t n, const struct xf_report_meta *m,
			 bool *plots_ok, char *err, size_t errlen);

/* The command line that re-runs r exactly (sim): "xfront run PATH
 * [--variant V] --seed N [--set K=V]...", values shell-quoted when they
 * need it. Truncated to len like snprintf; returns the full length. */
size_t xf_report_replay_command(const struct xf_result *r, char *buf,
				size_t len);

/* The human summary of one result (malloc'ed, several lines). */
char *xf_report_summary(const struct xf_result *r, bool color);

/* "broken" / "" etc.: "scenario[variant]" display name into buf. */
void xf_report_name(const struct xf_result *r, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_REPORT_H */
