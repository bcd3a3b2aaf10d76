/* SPDX-License-Identifier: MIT */
/* Byte stores for the disk model: sparse memory chunks, a file, and a
 * copy-on-write overlay of memory chunks over either. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk_store.h"

/* An overlay chunk known to be all zeroes (a discard covered it whole):
 * no memory, and it hides the lower chunk. */
static uint8_t zero_chunk_marker;
#define ZERO_CHUNK (&zero_chunk_marker)

static bool whole_chunk(uint64_t off, size_t n)
{
	return (off & (DK_CHUNK_SIZE - 1)) == 0 && n == DK_CHUNK_SIZE;
}

static void chunk_drop(struct dk_store *s, size_t i)
{
	if (s->chunks[i] && s->chunks[i] != ZERO_CHUNK) {
		free(s->chunks[i]);
		s->populated--;
	}
	s->chunks[i] = NULL;
}

static size_t chunks_for(uint64_t size)
{
	return (size_t)((size + DK_CHUNK_SIZE - 1) >> DK_CHUNK_SHIFT);
}

int dk_store_init_mem(struct dk_store *s, uint64_t size)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->size = size;
	s->nr_chunks = chunks_for(size);
	if (s->nr_chunks) {
		s->chunks = calloc(s->nr_chunks, sizeof(*s->chunks));
		if (!s->chunks)
			return -ENOMEM;
	}
	return 0;
}

int dk_store_init_file(struct dk_store *s, const char *path, uint64_t size)
{
	struct stat sb;

	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return -errno;
	if (fstat(s->fd, &sb) < 0 ||
	    ((uint64_t)sb.st_size < size &&
	     ftruncate(s->fd, (off_t)size) < 0)) {
		int err = -errno;

		close(s->fd);
		s->fd = -1;
		return err;
	}
	s->size = size;
	return 0;
}

static void free_chunks(struct dk_store *s, size_t from)
{
	for (size_t i = from; i < s->nr_chunks; i++)
		chunk_drop(s, i);
}

void dk_store_fini(struct dk_store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->chunks)
		free_chunks(s, 0);
	free(s->chunks);
	s->chunks = NULL;
	s->nr_chunks = 0;
}

/* Zero the bytes of a memory chunk that lie at or beyond size, so that a
 * shrink followed by a grow reads zeroes there. */
static void clip_chunk(struct dk_store *s, uint64_t size)
{
	size_t i = (size_t)(size >> DK_CHUNK_SHIFT);
	size_t off = (size_t)(size & (DK_CHUNK_SIZE - 1));

	if (off && i < s->nr_chunks && s->chunks[i] &&
	    s->chunks[i] != ZERO_CHUNK)
		memset(s->chunks[i] + off, 0, DK_CHUNK_SIZE - off);
}

int dk_store_resize(struct dk_store *s, uint64_t size)
{
	size_t n = chunks_for(size);

	if (s->fd >= 0) {
		if (ftruncate(s->fd, (off_t)size) < 0)
			return -errno;
		s->size = size;
		return 0;
	}
	if (n < s->nr_chunks)
		free_chunks(s, n);
	if (n != s->nr_chunks) {
		uint8_t **c = realloc(s->chunks, (n ? n : 1) * sizeof(*c));

		if (!c)
			return -ENOMEM;
		for (size_t i = s->nr_chunks; i < n; i++)
			c[i] = NULL;
		s->chunks = c;
		s->nr_chunks = n;
	}
	if (size < s->size)
		clip_chunk(s, size);
	s->size = size;
	return 0;
}

static int file_io(int fd, uint64_t off, void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = wr ? pwrite(fd, p, len, (off_t)off)
			       : pread(fd, p, len, (off_t)off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0) {
			/* Short file: the rest reads as zeroes. */
			if (wr)
				return -EIO;
			memset(p, 0, len);
			return 0;
		}
		p += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

static int file_zero(int fd, uint64_t off, size_t len)
{
	static const uint8_t zero[4096];

	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len) == 0)
		return 0;

	while (len) {
		size_t n = len < sizeof(zero) ? len : sizeof(zero);
		int r = file_io(fd, off, (void *)zero, n, true);

		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

static bool in_range(const struct dk_store *s, uint64_t off, size_t len)
{
	return off <= s->size && len <= s->size - off;
}

int dk_store_read(struct dk_store *s, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (!in_range(s, off, len))
		return -ERANGE;
	if (s->fd >= 0)
		return file_io(s->fd, off, buf, len, false);
	while (len) {
		size_t i = (size_t)(off >> DK_CHUNK_SHIFT);
		size_t co = (size_t)(off & (DK_CHUNK_SIZE - 1));
		size_t n = DK_CHUNK_SIZE - co;

		if (n > len)
			n = len;
		if (s->chunks[i])
			memcpy(p, s->chunks[i] + co, n);
		else
			memset(p, 0, n);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int dk_store_write(struct dk_store *s, uint64_t off, const void *buf,
		   size_t len)
{
	const uint8_t *p = buf;

	if (!in_range(s, off, len))
		return -ERANGE;
	if (s->fd >= 0)
		return buf ? file_io(s->fd, off, (void *)buf, len, true)
			   : file_zero(s->fd, off, len);
	while (len) {
		size_t i = (size_t)(off >> DK_CHUNK_SHIFT);
		size_t co = (size_t)(off & (DK_CHUNK_SIZE - 1));
		size_t n = DK_CHUNK_SIZE - co;

		if (n > len)
			n = len;
		if (!p && whole_chunk(off, n)) {
			chunk_drop(s, i); /* a missing chunk reads as zeroes */
			goto next;
		}
		if (!s->chunks[i]) {
			if (!p)
				goto next; /* zeroes over nothing */
			s->chunks[i] = calloc(1, DK_CHUNK_SIZE);
			if (!s->chunks[i])
				return -ENOMEM;
			s->populated++;
		}
		if (p)
			memcpy(s->chunks[i] + co, p, n);
		else
			memset(s->chunks[i] + co, 0, n);
next:
		if (p)
			p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int dk_overlay_read(struct dk_store *ov, struct dk_store *lower,
		    uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (!in_range(ov, off, len))
		return -ERANGE;
	while (len) {
		size_t i = (size_t)(off >> DK_CHUNK_SHIFT);
		size_t co = (size_t)(off & (DK_CHUNK_SIZE - 1));
		size_t n = DK_CHUNK_SIZE - co;
		int r;

		if (n > len)
			n = len;
		if (ov->chunks[i] == ZERO_CHUNK) {
			memset(p, 0, n);
		} else if (ov->chunks[i]) {
			memcpy(p, ov->chunks[i] + co, n);
		} else {
			r = dk_store_read(lower, off, p, n);
			if (r < 0)
				return r;
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int dk_overlay_write(struct dk_store *ov, struct dk_store *lower,
		     uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!in_range(ov, off, len))
		return -ERANGE;
	while (len) {
		size_t i = (size_t)(off >> DK_CHUNK_SHIFT);
		size_t co = (size_t)(off & (DK_CHUNK_SIZE - 1));
		size_t n = DK_CHUNK_SIZE - co;

		if (n > len)
			n = len;
		if (!p && whole_chunk(off, n)) {
			chunk_drop(ov, i);
			ov->chunks[i] = ZERO_CHUNK;
			goto next;
		}
		if (ov->chunks[i] == ZERO_CHUNK) {
			ov->chunks[i] = calloc(1, DK_CHUNK_SIZE);
			if (!ov->chunks[i])
				return -ENOMEM;
			ov->populated++;
		} else if (!ov->chunks[i]) {
			uint64_t base = (uint64_t)i << DK_CHUNK_SHIFT;
			uint64_t clen = lower->size - base;
			int r;

			ov->chunks[i] = calloc(1, DK_CHUNK_SIZE);
			if (!ov->chunks[i])
				return -ENOMEM;
			ov->populated++;
			if (clen > DK_CHUNK_SIZE)
				clen = DK_CHUNK_SIZE;
			r = dk_store_read(lower, base, ov->chunks[i],
					  (size_t)clen);
			if (r < 0)
				return r;
		}
		if (p)
			memcpy(ov->chunks[i] + co, p, n);
		else
			memset(ov->chunks[i] + co, 0, n);
next:
		if (p)
			p += n;
		off += n;
		len -= n;
	}
	return 0;
}

void dk_overlay_drop_chunk(struct dk_store *ov, size_t i)
{
	if (i < ov->nr_chunks)
		chunk_drop(ov, i);
}

void dk_overlay_drop(struct dk_store *ov)
{
	free_chunks(ov, 0);
}
