/* SPDX-License-Identifier: MIT */
/*
 * The buffer manager: every byte mkfs puts in the image goes through it.
 * The image is the superblock block, then the data blocks, handed out in
 * order as files are written, with runs of metadata blocks between them
 * (erofs_bman_meta_begin()/end(): each right after the data of the inodes
 * it holds), whose inode slots are packed best-fit into partly used
 * blocks nearby.  Small data writes
 * are gathered into runs, metadata writes batched in a forward-moving
 * window; when the image is synced at the end, what is written is handed
 * to writeback as the build goes.
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
	erofs_off_t reserved;		/* bytes before the data: the superblock's */
	uint64_t data_cursor;		/* next free data block */
	uint32_t dsunit;		/* >1: erofs_bman_align_data() rounds to it */
	uint64_t meta_blkaddr;		/* first metadata block (nid 0's) */
	bool meta_started;		/* meta_blkaddr is set */
	uint64_t meta_run;		/* first block of the current run */
	uint64_t meta_blocks;		/* blocks of the runs so far */
	erofs_off_t meta_cursor;	/* end of the current run, block-aligned */
	struct erofs_bman_bucket open[EROFS_BMAN_BUCKETS];

	char *win;			/* metadata write window */
	erofs_off_t win_start;		/* image offset of win[0] */
	size_t win_len;			/* bytes of win in use */

	char *gather;		/* data bytes [gather_pos, + gather_len) unwritten */
	erofs_off_t gather_pos;
	size_t gather_len;

	bool writeback;		/* start writeback early (the image is synced) */
	erofs_off_t wb_start;	/* written from here on, not yet handed to it */
	bool write_failed;	/* a write to the image failed */
};

/*
 * Set up @bm; data starts at the first block past @reserved image bytes
 * (the superblock's).  With @writeback, what is written is handed to
 * writeback as the build goes: the image is synced at the end.
 */
int erofs_bman_init(struct erofs_bman *bm, struct erofs_io *io,
		    unsigned int blkszbits, erofs_off_t reserved,
		    bool writeback);
void erofs_bman_exit(struct erofs_bman *bm);

/* Reserve @nblocks consecutive data blocks; returns the first one. */
uint64_t erofs_bman_alloc_data(struct erofs_bman *bm, uint64_t nblocks);
/*
 * Give the data blocks from @blk on back (a compression attempt given up):
 * they are handed out again; what was written there is overwritten.
 */
void erofs_bman_rewind_data(struct erofs_bman *bm, uint64_t blk);
/* A file's data starts here: round the next data block up to dsunit. */
void erofs_bman_align_data(struct erofs_bman *bm);
/*
 * Read back @len data bytes at @pos, written before (the earlier copy of
 * data found again): 0 or -errno.
 */
int erofs_bman_read_data(struct erofs_bman *bm, erofs_off_t pos, void *buf,
			 size_t len);
/*
 * The data is all written: its gathered bytes written and handed to
 * writeback.  A metadata run begun after this goes at the end.  0 or
 * -errno.
 */
int erofs_bman_seal_data(struct erofs_bman *bm);
/*
 * Begin a run of metadata slots at the next data block (the first run
 * fixes meta_blkaddr, nid 0 left unused); partly used metadata blocks
 * of earlier runs stay open to it only when they lie close behind.
 */
void erofs_bman_meta_begin(struct erofs_bman *bm);
/* End the run: data goes on after its last block. */
void erofs_bman_meta_end(struct erofs_bman *bm);
/*
 * Reserve @size metadata bytes on a 32-byte slot, inside a run begun by
 * erofs_bman_meta_begin() (or in a partly used block of an earlier one
 * close behind).  Up to a block they never
 * straddle a block boundary (inline data stays whole); larger ones start a
 * block (the inode stays whole).  Returns the image offset.
 */
erofs_off_t erofs_bman_alloc_meta(struct erofs_bman *bm, uint32_t size);
/* Image size in blocks once everything is placed. */
uint64_t erofs_bman_blocks(const struct erofs_bman *bm);

/*
 * Write data bytes at @pos, gathering small writes: the image ends up as
 * if every write had gone straight through, in order.  0 or -errno (of
 * this write or of gathered ones flushed by it).
 */
int erofs_bman_write_data(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len);
/*
 * Copy @len bytes of file @fd from @srcoff to data position @pos in the
 * kernel (copy_file_range), after what is gathered.  0; -EOPNOTSUPP when
 * the image cannot take it, nothing written (use erofs_bman_write_data);
 * -ENODATA when @fd is shorter; or -errno.
 */
int erofs_bman_copy_data(struct erofs_bman *bm, erofs_off_t pos, int fd,
			 uint64_t srcoff, size_t len);
/* Read back @len data bytes written at @pos: 0 or -errno. */
int erofs_bman_read_data(struct erofs_bman *bm, erofs_off_t pos, void *buf,
			 size_t len);
/* Zero the rest of the block after a data byte ending at @end: 0 or -errno. */
int erofs_bman_pad_data(struct erofs_bman *bm, erofs_off_t end);
/* Write metadata at @pos: 0 or -errno. */
int erofs_bman_write_meta(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len);
/*
 * Everything placed is written: flush what is gathered and the window, and
 * give the image its final size.  0 or -errno.
 */
int erofs_bman_finish(struct erofs_bman *bm);
/*
 * Write the superblock's @len bytes at EROFS_SUPER_OFFSET, inside the bytes
 * reserved at init; last, after erofs_bman_finish().  0 or -errno.
 */
int erofs_bman_write_super(struct erofs_bman *bm, const void *buf, size_t len);

#endif
