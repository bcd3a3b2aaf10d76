// SPDX-License-Identifier: MIT
/*
 * Re-runs every result of a sim-mode JSON file with its recorded seed,
 * variant and parameters, and compares the new result with the
 * recorded one, key by key, ignoring only timestamps and host timings.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xfront/engine.h>
#include <xfront/report.h>
#include "cli.h"

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool num(json_object *o)
{
	return json_object_is_type(o, json_type_double) ||
	       json_object_is_type(o, json_type_int);
}

/* Equal, with doubles compared to 1e-12 relative (a file that went
 * through another JSON tool may print them differently). On the first
 * difference, its key path goes to path. */
static bool json_same(json_object *a, json_object *b, char *path,
		      size_t len)
{
	size_t l = strlen(path);

	if (num(a) && num(b)) {
		double x = json_object_get_double(a);
		double y = json_object_get_double(b);
		double m = fabs(x) > fabs(y) ? fabs(x) : fabs(y);

		return x == y || fabs(x - y) <= m * 1e-12;
	}
	if (json_object_get_type(a) != json_object_get_type(b))
		return false;
	if (json_object_is_type(a, json_type_object)) {
		if (json_object_object_length(a) !=
		    json_object_object_length(b))
			return false;
		json_object_object_foreach(a, k, va) {
			json_object *vb;

			snprintf(path + l, len - l, ".%s", k);
			if (!json_object_object_get_ex(b, k, &vb) ||
			    !json_same(va, vb, path, len))
				return false;
		}
		path[l] = 0;
		return true;
	}
	if (json_object_is_type(a, json_type_array)) {
		size_t n = json_object_array_length(a);

		if (n != json_object_array_length(b))
			return false;
		for (size_t i = 0; i < n; i++) {
			snprintf(path + l, len - l, "[%zu]", i);
			if (!json_same(json_object_array_get_idx(a, i),
				       json_object_array_get_idx(b, i), path,
				       len))
				return false;
		}
		path[l] = 0;
		return true;
	}
	return json_object_equal(a, b);
}

static int replay_one(json_object *rec, const char *file, size_t idx)
{
	struct cli_opts o;
	struct xf_scn_opts so;
	struct xf_scn_diag d;
	struct xf_scn *s = NULL;
	struct xf_result *r = NULL;
	struct xf_engine_opts eo = { 0 };
	json_object *seedv, *now = NULL, *a = NULL, *b = NULL;
	const char *path = str(rec, "path"), *variant = str(rec, "variant");
	const char *params = str(rec, "params"), *mode = str(rec, "mode");
	char err[1024], where[512] = "";
	int rc;

	if (!path || !mode || !json_object_object_get_ex(rec, "seed",
							  &seedv)) {
		fprintf(stderr, "xfront replay: %s: results[%zu] lacks path, "
			"mode or seed\n", file, idx);
		return EXIT_BAD_INPUT;
	}
	/* json-c reads "7" or 7.5 as a seed too; only what a run wrote (a
	 * whole number from 0 to 2^53) replays that run. */
	if (!json_object_is_type(seedv, json_type_int) ||
	    json_object_get_int64(seedv) < 0 ||
	    json_object_get_int64(seedv) > (INT64_C(1) << 53)) {
		fprintf(stderr, "xfront replay: %s: results[%zu].seed: "
			"expected a whole number from 0 to 2^53, got %s\n",
			file, idx, json_object_to_json_string(seedv));
		return EXIT_BAD_INPUT;
	}
	if (strcmp(mode, "sim")) {
		fprintf(stderr, "xfront replay: %s: results[%zu] ran in %s "
			"mode; only sim runs replay exactly\n", file, idx,
			mode);
		return EXIT_BAD_INPUT;
	}
	memset(&o, 0, sizeof(o));
	if (params && *params && cli_params_from_string(params, &o))
		return EXIT_BAD_INPUT;
	so = (struct xf_scn_opts){ .params = o.params, .nparams = o.nparams };
	xf_scn_diag_init(&d);
	if (xf_scn_load(path, variant, &so, &s, &d)) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msg[i]);
		if (!d.n)
			fprintf(stderr, "xfront replay: %s: cannot load\n",
				path);
		xf_scn_diag_free(&d);
		cli_opts_free(&o);
		return EXIT_BAD_INPUT;
	}
	xf_scn_diag_free(&d);
	eo.mode = "sim";
	eo.platform = str(rec, "platform");
	eo.has_seed = true;
	eo.seed = (uint64_t)json_object_get_int64(seedv);
	eo.params = params;
	rc = xf_engine_run(s, &eo, &r, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "xfront replay: %s\n", err);
		xf_scn_free(s);
		cli_opts_free(&o);
		return rc == -EINVAL ? EXIT_BAD_INPUT : 1;
	}
	xf_report_json_result(r, &now);
	json_object_deep_copy(rec, &a, NULL);
	json_object_deep_copy(now, &b, NULL);
	xf_report_json_strip_volatile(a);
	xf_report_json_strip_volatile(b);
	rc = json_same(a, b, where, sizeof(where)) ? 0 : 1;
	if (rc) {
		printf("DIFFERENT %s%s%s%s (seed %llu): first difference at "
		       "%s\n", path, variant ? "[" : "", variant ? variant : "",
		       variant ? "]" : "", (unsigned long long)eo.seed, where);
	} else {
		printf("IDENTICAL %s%s%s%s (seed %llu, trace %s, %s)\n", path,
		       variant ? "[" : "", variant ? variant : "",
		       variant ? "]" : "", (unsigned long long)eo.seed,
		       str(json_object_object_get(a, "trace"), "hash"),
		       r->pass ? "pass" : "fail");
	}
	json_object_put(a);
	json_object_put(b);
	json_object_put(now);
	xf_result_free(r);
	xf_scn_free(s);
	cli_opts_free(&o);
	return rc;
}

int cli_replay(int argc, char **argv)
{
	json_object *root, *res;
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: xfront replay RESULT.json\n");
		return EXIT_BAD_INPUT;
	}
	root = json_object_from_file(argv[2]);
	if (!root && access(argv[2], R_OK)) {
		fprintf(stderr, "xfront replay: %s: %s\n", argv[2],
			strerror(errno));
		return EXIT_BAD_INPUT;
	}
	if (!root) {
		fprintf(stderr, "xfront replay: %s: not valid JSON\n",
			argv[2]);
		return EXIT_BAD_INPUT;
	}
	if (!json_object_object_get_ex(root, "results", &res) ||
	    !json_object_is_type(res, json_type_array)) {
		fprintf(stderr, "xfront replay: %s: not an xfront result "
			"file\n", argv[2]);
		json_object_put(root);
		return EXIT_BAD_INPUT;
	}
	for (size_t i = 0; i < json_object_array_length(res); i++) {
		int r = replay_one(json_object_array_get_idx(res, i), argv[2],
				   i);

		if (r > rc)
			rc = r;
	}
	json_object_put(root);
	return rc;
}
