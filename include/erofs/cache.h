/* SPDX-License-Identifier: MIT */
/*
 * The buffer manager: every byte mkfs puts in the image goes through it.
 * It hands out space (metadata slots, then whole data blocks) during
 * layout, and batches metadata writes in a forward-moving window so the
 * image is written in two sequential streams.
 */
#ifndef EROFS_CACHE_H
#define EROFS_CACHE_H

#include "erofs/io.h"

struct erofs_bman {
	struct erofs_io *io;
	unsigned int blkszbits;
	erofs_off_t meta_cursor;	/* next free metadata byte */
	uint64_t data_cursor;		/* next free data block */

	char *win;			/* metadata write window */
	erofs_off_t win_start;		/* image offset of win[0] */
	size_t win_len;			/* bytes of win in use */
};

/* Set up @bm for an image whose metadata starts right after the sb. */
int erofs_bman_init(struct erofs_bman *bm, struct erofs_io *io,
		    unsigned int blkszbits);
void erofs_bman_exit(struct erofs_bman *bm);

/*
 * Reserve @size metadata bytes on a 32-byte slot.  The first @keep bytes
 * never straddle a block boundary (the whole @size when @keep == @size).
 * Returns the image offset.
 */
erofs_off_t erofs_bman_alloc_meta(struct erofs_bman *bm, uint32_t size,
				  uint32_t keep);
/* Close the metadata area: data blocks start at the next block. */
void erofs_bman_seal_meta(struct erofs_bman *bm);
/* Reserve @nblocks consecutive data blocks; returns the first one. */
uint64_t erofs_bman_alloc_data(struct erofs_bman *bm, uint64_t nblocks);

/* Write metadata at @pos (positions should mostly move forward): 0 or -errno. */
int erofs_bman_write_meta(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len);
/* Write data bytes at @pos: 0 or -errno. */
int erofs_bman_write_data(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len);
/* Flush the metadata window: 0 or -errno. */
int erofs_bman_flush(struct erofs_bman *bm);

#endif
