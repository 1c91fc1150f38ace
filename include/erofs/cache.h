/* SPDX-License-Identifier: MIT */
/*
 * The buffer manager: every byte mkfs puts in the image goes through it.
 * The image is the superblock block, then the data area (blocks handed out
 * in order as files are written), then the metadata area, whose inode
 * slots are packed best-fit into partly used blocks.  Metadata writes are
 * batched in a forward-moving window.
 */
#ifndef EROFS_CACHE_H
#define EROFS_CACHE_H

#include "erofs_fs.h"
#include "erofs/io.h"

/* Partly used metadata blocks, by free 32-byte slots (best-fit placement). */
#define EROFS_BMAN_BUCKETS	((1u << EROFS_MAX_BLKSZBITS) / 32)

struct erofs_bman_bucket {
	erofs_off_t *pos;	/* next free byte of each block, a stack */
	size_t n, cap;
};

struct erofs_bman {
	struct erofs_io *io;
	unsigned int blkszbits;
	uint64_t data_cursor;		/* next free data block */
	uint64_t meta_blkaddr;		/* first metadata block, once sealed */
	erofs_off_t meta_cursor;	/* end of the metadata area, block-aligned */
	struct erofs_bman_bucket open[EROFS_BMAN_BUCKETS];

	char *win;			/* metadata write window */
	erofs_off_t win_start;		/* image offset of win[0] */
	size_t win_len;			/* bytes of win in use */
};

/* Set up @bm; data starts at the first block past @reserved image bytes. */
int erofs_bman_init(struct erofs_bman *bm, struct erofs_io *io,
		    unsigned int blkszbits, erofs_off_t reserved);
void erofs_bman_exit(struct erofs_bman *bm);

/* Reserve @nblocks consecutive data blocks; returns the first one. */
uint64_t erofs_bman_alloc_data(struct erofs_bman *bm, uint64_t nblocks);
/* Close the data area: metadata starts at the next block. */
void erofs_bman_seal_data(struct erofs_bman *bm);
/*
 * Reserve @size metadata bytes on a 32-byte slot.  Up to a block they never
 * straddle a block boundary (inline data stays whole); larger ones start a
 * block (the inode stays whole).  Returns the image offset.
 */
erofs_off_t erofs_bman_alloc_meta(struct erofs_bman *bm, uint32_t size);
/* Image size in blocks once everything is placed. */
uint64_t erofs_bman_blocks(const struct erofs_bman *bm);

/* Write metadata at @pos: 0 or -errno. */
int erofs_bman_write_meta(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len);
/* Write data bytes at @pos: 0 or -errno. */
int erofs_bman_write_data(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len);
/* Flush the metadata window: 0 or -errno. */
int erofs_bman_flush(struct erofs_bman *bm);

#endif
