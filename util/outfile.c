// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xfront/outfile.h>

int xf_outfile_open(struct xf_outfile *o, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	mode_t um;
	int fd, n;

	memset(o, 0, sizeof(*o));
	/* A dot file in the same directory: rename() cannot cross
	 * filesystems, and a directory listing does not show it. */
	n = snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.XXXXXX", dirlen, path,
		     path + dirlen);
	if (n < 0 || (size_t)n >= sizeof(o->tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(o->tmp);
	if (fd < 0)
		return -errno;
	/* mkstemp makes 0600; the output is as readable as fopen's. */
	um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) || !(o->f = fdopen(fd, "w"))) {
		int e = errno;

		close(fd);
		unlink(o->tmp);
		return -e;
	}
	o->path = path;
	return 0;
}

int xf_outfile_commit(struct xf_outfile *o)
{
	int e = 0;

	if (fflush(o->f) || ferror(o->f))
		e = errno ? errno : EIO;
	else if (fsync(fileno(o->f)))
		e = errno;
	if (fclose(o->f) && !e)
		e = errno;
	o->f = NULL;
	if (!e && rename(o->tmp, o->path))
		e = errno;
	if (e)
		unlink(o->tmp);
	return -e;
}

void xf_outfile_abort(struct xf_outfile *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}
