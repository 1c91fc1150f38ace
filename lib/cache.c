// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include "erofs_fs.h"
#include "erofs/cache.h"

#define EROFS_META_WINDOW	(1u << 20)

int erofs_bman_init(struct erofs_bman *bm, struct erofs_io *io,
		    unsigned int blkszbits, erofs_off_t reserved)
{
	memset(bm, 0, sizeof(*bm));
	bm->io = io;
	bm->blkszbits = blkszbits;
	bm->data_cursor = EROFS_DIV_ROUND_UP(reserved, 1ull << blkszbits);
	bm->win = malloc(EROFS_META_WINDOW);
	return bm->win ? 0 : -ENOMEM;
}

void erofs_bman_exit(struct erofs_bman *bm)
{
	free(bm->win);
	bm->win = NULL;
}

uint64_t erofs_bman_alloc_data(struct erofs_bman *bm, uint64_t nblocks)
{
	uint64_t blk = bm->data_cursor;

	bm->data_cursor += nblocks;
	return blk;
}

void erofs_bman_seal_data(struct erofs_bman *bm)
{
	bm->meta_blkaddr = bm->data_cursor;
	/*
	 * nid 0 stays unused: the kernel numbers inodes by nid, and readdir
	 * callers skip entries whose inode number is 0.
	 */
	bm->meta_cursor = (bm->meta_blkaddr << bm->blkszbits) + EROFS_ISLOT_SIZE;
}

/* Remember the block ending at the cursor if it still has a slot free. */
static void keep_open(struct erofs_bman *bm, erofs_off_t pos)
{
	const erofs_off_t blksz = 1ull << bm->blkszbits;

	if (EROFS_ROUND_UP(pos, blksz) - EROFS_ROUND_UP(pos, EROFS_ISLOT_SIZE) <
	    EROFS_ISLOT_SIZE || !(pos % blksz))
		return;
	if (bm->nopen == EROFS_BMAN_OPEN_BLOCKS) {
		/* forget the oldest: it has had its chances */
		memmove(bm->open, bm->open + 1, (bm->nopen - 1) * sizeof(bm->open[0]));
		bm->nopen--;
	}
	bm->open[bm->nopen++].pos = pos;
}

erofs_off_t erofs_bman_alloc_meta(struct erofs_bman *bm, uint32_t size,
				  uint32_t keep)
{
	const erofs_off_t blksz = 1ull << bm->blkszbits;
	erofs_off_t pos;

	/* a slot that fits in one block may go into an earlier, open block */
	if (size <= blksz) {
		for (unsigned int i = 0; i < bm->nopen; i++) {
			pos = EROFS_ROUND_UP(bm->open[i].pos, EROFS_ISLOT_SIZE);
			if ((pos % blksz) + size > blksz || !(pos % blksz))
				continue;
			bm->open[i].pos = pos + size;
			if (!(bm->open[i].pos % blksz) ||
			    blksz - bm->open[i].pos % blksz < EROFS_ISLOT_SIZE) {
				memmove(bm->open + i, bm->open + i + 1,
					(bm->nopen - i - 1) * sizeof(bm->open[0]));
				bm->nopen--;
			}
			return pos;
		}
	}
	pos = EROFS_ROUND_UP(bm->meta_cursor, EROFS_ISLOT_SIZE);
	if (keep <= blksz && (pos % blksz) + keep > blksz) {
		keep_open(bm, bm->meta_cursor);
		pos = EROFS_ROUND_UP(pos, blksz);
	}
	bm->meta_cursor = pos + size;
	return pos;
}

uint64_t erofs_bman_blocks(const struct erofs_bman *bm)
{
	return EROFS_DIV_ROUND_UP(bm->meta_cursor, 1ull << bm->blkszbits);
}

int erofs_bman_flush(struct erofs_bman *bm)
{
	int err = 0;

	if (bm->win_len)
		err = erofs_io_write(bm->io, bm->win, bm->win_len, bm->win_start);
	bm->win_start += bm->win_len;
	bm->win_len = 0;
	return err;
}

int erofs_bman_write_meta(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len)
{
	int err;

	/* Behind the window or too big for it: write straight through. */
	if (pos < bm->win_start || len > EROFS_META_WINDOW)
		return erofs_io_write(bm->io, buf, len, pos);
	if (pos + len > bm->win_start + EROFS_META_WINDOW ||
	    pos > bm->win_start + bm->win_len) {
		err = erofs_bman_flush(bm);
		if (err)
			return err;
		bm->win_start = pos;
	}
	memcpy(bm->win + (pos - bm->win_start), buf, len);
	if (pos + len - bm->win_start > bm->win_len)
		bm->win_len = pos + len - bm->win_start;
	return 0;
}

int erofs_bman_write_data(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len)
{
	return erofs_io_write(bm->io, buf, len, pos);
}
