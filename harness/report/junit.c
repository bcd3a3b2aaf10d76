// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/outfile.h>
#include <xfront/report.h>

static void xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* XML 1.0 forbids most control characters. */
			if ((unsigned char)*s < 0x20 && *s != '\n' &&
			    *s != '\t')
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

static void testcase(FILE *f, const struct xf_result *r)
{
	char *sum = xf_report_summary(r, false);

	fprintf(f, "    <testcase classname=\"xfront.");
	xml_escape(f, r->scenario);
	fprintf(f, "\" name=\"");
	xml_escape(f, r->variant ? r->variant : r->scenario);
	fprintf(f, "\" time=\"%.3f\">\n", r->wall_s);
	if (r->error) {
		fprintf(f, "      <error message=\"");
		xml_escape(f, r->error);
		fprintf(f, "\"/>\n");
	}
	for (size_t i = 0; i < r->nexpects; i++) {
		if (r->expects[i].pass || r->expects[i].skipped)
			continue;
		fprintf(f, "      <failure message=\"");
		xml_escape(f, r->expects[i].what);
		fprintf(f, ": measured ");
		xml_escape(f, r->expects[i].measured);
		fprintf(f, "\">%s:%d (seed %llu)</failure>\n", r->path,
			r->expects[i].line, (unsigned long long)r->seed);
	}
	fprintf(f, "      <system-out>");
	xml_escape(f, sum);
	fprintf(f, "</system-out>\n    </testcase>\n");
	free(sum);
	/* Each expect block this run's mode does not check: a skipped
	 * case beside the variant's, so a dashboard shows what was not
	 * proven here. */
	for (size_t i = 0; i < r->nexpects; i++) {
		if (!r->expects[i].skipped)
			continue;
		fprintf(f, "    <testcase classname=\"xfront.");
		xml_escape(f, r->scenario);
		fprintf(f, "\" name=\"");
		xml_escape(f, r->variant ? r->variant : r->scenario);
		fprintf(f, ": ");
		xml_escape(f, r->expects[i].what);
		fprintf(f, " (line %d)\" time=\"0\">\n      <skipped "
			"message=\"", r->expects[i].line);
		xml_escape(f, r->expects[i].measured);
		fprintf(f, "\"/>\n    </testcase>\n");
	}
}

static size_t nskipped(const struct xf_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nexpects; i++)
		n += r->expects[i].skipped;
	return n;
}

int xf_report_junit_write(const char *path, struct xf_result *const *r,
			  size_t n, const struct xf_report_meta *m)
{
	struct xf_outfile out;
	size_t fails = 0, errors = 0, tests = n, skips = 0;
	double t = 0;
	FILE *f;
	int rc;

	rc = xf_outfile_open(&out, path);
	if (rc)
		return rc;
	f = out.f;
	for (size_t i = 0; i < n; i++) {
		errors += r[i]->error != NULL;
		fails += !r[i]->pass && !r[i]->error;
		t += r[i]->wall_s;
		skips += nskipped(r[i]);
	}
	tests += skips;
	/* A cut run is one more error: a CI job reading only the JUnit
	 * file must not see the finished runs as the whole story. */
	tests += m->interrupted;
	errors += m->interrupted;
	/* A file not run is a skipped case, so CI sees it was selected. */
	tests += m->nskips;
	skips += m->nskips;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"xfront\" tests=\"%zu\" failures=\"%zu\""
		" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n", tests,
		fails, errors, skips, t);
	for (size_t i = 0; i < n; i++) {
		size_t k, cases = 0, sf = 0, se = 0, ss = 0;
		double st = 0;

		/* one suite per scenario file, its variants as cases */
		for (k = 0; k < i; k++)
			if (!strcmp(r[k]->path, r[i]->path))
				break;
		if (k < i)
			continue;
		for (k = i; k < n; k++) {
			if (strcmp(r[k]->path, r[i]->path))
				continue;
			cases += 1 + nskipped(r[k]);
			ss += nskipped(r[k]);
			se += r[k]->error != NULL;
			sf += !r[k]->pass && !r[k]->error;
			st += r[k]->wall_s;
		}
		fprintf(f, "  <testsuite name=\"");
		xml_escape(f, r[i]->path);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
			"skipped=\"%zu\" time=\"%.3f\">\n", cases, sf, se, ss,
			st);
		for (k = i; k < n; k++)
			if (!strcmp(r[k]->path, r[i]->path))
				testcase(f, r[k]);
		fprintf(f, "  </testsuite>\n");
	}
	for (size_t i = 0; i < m->nskips; i++) {
		fprintf(f, "  <testsuite name=\"");
		xml_escape(f, m->skips[i].path);
		fprintf(f, "\" tests=\"1\" failures=\"0\" errors=\"0\" "
			"skipped=\"1\" time=\"0\">\n    <testcase name=\"");
		xml_escape(f, m->skips[i].path);
		fprintf(f, "\" classname=\"skipped\"><skipped message=\"");
		xml_escape(f, m->skips[i].reason);
		fprintf(f, "\"/></testcase>\n  </testsuite>\n");
	}
	if (m->interrupted) {
		fprintf(f, "  <testsuite name=\"interrupted\" tests=\"1\" "
			"failures=\"0\" errors=\"1\" skipped=\"0\" "
			"time=\"0\">\n    <testcase name=\"");
		xml_escape(f, m->cut ? m->cut : "(between runs)");
		fprintf(f, "\" classname=\"interrupted\"><error message=\""
			"interrupted by a signal; later runs did not run\"/>"
			"</testcase>\n  </testsuite>\n");
	}
	fprintf(f, "</testsuites>\n");
	return xf_outfile_commit(&out);
}
