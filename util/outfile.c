// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xfront/outfile.h>

/* Writes go through this cookie so that the errno of the first failed
 * write is kept: by commit time errno may say anything. */
static ssize_t outfile_write(void *cookie, const char *buf, size_t len)
{
	struct xf_outfile *o = cookie;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(o->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!o->write_err)
				o->write_err = n < 0 ? errno : EIO;
			/* Partial counts would let stdio retry the rest. */
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int outfile_close(void *cookie)
{
	struct xf_outfile *o = cookie;
	int r = close(o->fd);

	o->fd = -1;
	return r;
}

int xf_outfile_open(struct xf_outfile *o, const char *path)
{
	static const cookie_io_functions_t io = {
		.write = outfile_write,
		.close = outfile_close,
	};
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
	o->fd = fd;
	if (fchmod(fd, 0666 & ~um) || !(o->f = fopencookie(o, "w", io))) {
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
		e = o->write_err ? o->write_err : EIO;
	else if (fsync(o->fd))
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
