// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scn-priv.h"

void xf_scn_diag_init(struct xf_scn_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void xf_scn_diag_free(struct xf_scn_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msg[i]);
	free(d->msg);
	for (size_t i = 0; i < d->nseen; i++)
		free(d->seen[i]);
	free(d->seen);
	memset(d, 0, sizeof(*d));
}

#define DIAG_MORE " more like it)"

/* msg without its first quoted name ("disk 'd3': ..." -> "disk '':
 * ...") and without a "(and N more like it)" tail: what two messages
 * about objects one line built in a loop have in common. */
static void diag_shape(const char *msg, char *out, size_t len)
{
	const char *q = strchr(msg, '\''), *e = q ? strchr(q + 1, '\'') : NULL;
	size_t n;

	if (e)
		snprintf(out, len, "%.*s%s", (int)(q - msg + 1), msg, e);
	else
		snprintf(out, len, "%s", msg);
	n = strlen(out);
	if (n > strlen(DIAG_MORE) && !strcmp(out + n - strlen(DIAG_MORE),
					      DIAG_MORE)) {
		char *a = strstr(out, " (and ");

		while (a && strstr(a + 1, " (and "))
			a = strstr(a + 1, " (and ");
		if (a)
			*a = 0;
	}
}

/* One more object with the same problem as d->msg[i]: counted in its
 * tail instead of a line of its own. */
static int diag_more(struct xf_scn_diag *d, size_t i)
{
	unsigned int more = 1;
	const char *a = strstr(d->msg[i], " (and ");
	char *m;

	while (a && strstr(a + 1, " (and "))
		a = strstr(a + 1, " (and ");
	if (a && sscanf(a, " (and %u", &more) == 1)
		more++;
	else
		a = NULL;
	if (asprintf(&m, "%.*s (and %u%s", a ? (int)(a - d->msg[i]) :
		     (int)strlen(d->msg[i]), d->msg[i], more, DIAG_MORE) < 0)
		return -ENOMEM;
	free(d->msg[i]);
	d->msg[i] = m;
	return 0;
}

int scn_diag_add(struct xf_scn_diag *d, const char *msg)
{
	char **v, *dup;
	char want[1024], have[1024];

	if (!d)
		return 0;
	/* The same mistake reached twice (e.g. once per variant) is
	 * reported once; the same mistake of several objects one line
	 * built (a loop) once, with how many more. */
	for (size_t i = 0; i < d->nseen; i++)
		if (!strcmp(d->seen[i], msg))
			return 0;
	v = realloc(d->seen, (d->nseen + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->seen = v;
	dup = strdup(msg);
	if (!dup)
		return -ENOMEM;
	d->seen[d->nseen++] = dup;
	diag_shape(msg, want, sizeof(want));
	for (size_t i = 0; i < d->n; i++) {
		diag_shape(d->msg[i], have, sizeof(have));
		if (!strcmp(have, want))
			return diag_more(d, i);
	}
	v = realloc(d->msg, (d->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->msg = v;
	dup = strdup(msg);
	if (!dup)
		return -ENOMEM;
	d->msg[d->n++] = dup;
	return 0;
}

void scn_err(struct xf_scn *s, int line, const char *fmt, ...)
{
	struct scn_priv *p = s->priv;
	char body[512], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s:%d: %s", s->path, line, body);
	scn_diag_add(p->diag, msg);
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* The first "key =" (not "==") at or after line from. Lua reports only
 * the constructor's line, so a key's own line comes from the source;
 * good enough for the one-key-per-line style scenarios use. */
int scn_key_line(const struct xf_scn *s, int from, const char *key)
{
	const struct scn_priv *p = s->priv;
	size_t kl = strlen(key);

	for (int ln = from; ln >= 1 && ln <= p->nlines && ln < from + 400;
	     ln++) {
		const char *l = p->lines[ln - 1];

		for (const char *q = strstr(l, key); q;
		     q = strstr(q + 1, key)) {
			const char *e = q + kl;

			if (q > l && ident_char(q[-1]))
				continue;
			if (ident_char(*e))
				continue;
			while (*e == ' ' || *e == '\t')
				e++;
			if (*e == '=' && e[1] != '=')
				return ln;
			if (*e == ']' || *e == '"' || *e == '\'')
				return ln;
		}
	}
	return from;
}
