/* SPDX-License-Identifier: MIT */
/* Private to the blkback module: byte stores behind the disk model. A
 * store is either a sparse set of in-memory chunks or a file. */
#ifndef DK_STORE_H
#define DK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DK_CHUNK_SHIFT 16
#define DK_CHUNK_SIZE (1u << DK_CHUNK_SHIFT)

struct dk_store {
	int fd;             /* >= 0: file store */
	uint64_t size;
	uint8_t **chunks;   /* memory store / overlay chunks */
	size_t nr_chunks;
	size_t populated;
};

/* Memory store (all zeroes until written). */
int dk_store_init_mem(struct dk_store *s, uint64_t size);
/* File store; the file is created and extended to size if shorter. */
int dk_store_init_file(struct dk_store *s, const char *path, uint64_t size);
void dk_store_fini(struct dk_store *s);
int dk_store_resize(struct dk_store *s, uint64_t size);

int dk_store_read(struct dk_store *s, uint64_t off, void *buf, size_t len);
/* buf NULL writes zeroes. */
int dk_store_write(struct dk_store *s, uint64_t off, const void *buf,
		   size_t len);

/* An overlay: memory chunks over a lower store, populated on first
 * write by copying the lower chunk. */
int dk_overlay_read(struct dk_store *ov, struct dk_store *lower,
		    uint64_t off, void *buf, size_t len);
int dk_overlay_write(struct dk_store *ov, struct dk_store *lower,
		     uint64_t off, const void *buf, size_t len);
/* Forget overlay chunk i (reads fall through to lower there). */
void dk_overlay_drop_chunk(struct dk_store *ov, size_t i);
/* Forget every overlay chunk (reads fall through to lower again). */
void dk_overlay_drop(struct dk_store *ov);

#endif /* DK_STORE_H */
