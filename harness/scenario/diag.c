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
	memset(d, 0, sizeof(*d));
}

int scn_diag_add(struct xf_scn_diag *d, const char *msg)
{
	char **v, *dup;

	if (!d)
		return 0;
	/* The same mistake reached twice (e.g. once per variant) is
	 * reported once. */
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->msg[i], msg))
			return 0;
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
