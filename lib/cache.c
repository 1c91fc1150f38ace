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
	for (unsigned int i = 0; i < EROFS_BMAN_BUCKETS; i++)
		free(bm->open[i].pos);
	free(bm->win);
	bm->win = NULL;
}

uint64_t erofs_bman_alloc_data(struct erofs_bman *bm, uint64_t nblocks)
{
	uint64_t blk = bm->data_cursor;

	bm->data_cursor += nblocks;
	return blk;
}

/* File the block whose next free byte is @pos under its free slots. */
static void keep_open(struct erofs_bman *bm, erofs_off_t pos)
{
	const erofs_off_t blksz = 1ull << bm->blkszbits;
	unsigned int slots;
	struct erofs_bman_bucket *b;

	pos = EROFS_ROUND_UP(pos, EROFS_ISLOT_SIZE);
	if (!(pos % blksz))
		return;
	slots = (blksz - pos % blksz) / EROFS_ISLOT_SIZE;
	b = &bm->open[slots];
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		erofs_off_t *v = realloc(b->pos, cap * sizeof(*v));

		if (!v)
			return;	/* the space is only lost, never misused */
		b->pos = v;
		b->cap = cap;
	}
	b->pos[b->n++] = pos;
}

void erofs_bman_seal_data(struct erofs_bman *bm)
{
	bm->meta_blkaddr = bm->data_cursor;
	/*
	 * nid 0 stays unused: the kernel numbers inodes by nid, and readdir
	 * callers skip entries whose inode number is 0.
	 */
	keep_open(bm, (bm->meta_blkaddr << bm->blkszbits) + EROFS_ISLOT_SIZE);
	bm->meta_cursor = (bm->meta_blkaddr + 1) << bm->blkszbits;
}

erofs_off_t erofs_bman_alloc_meta(struct erofs_bman *bm, uint32_t size)
{
	const erofs_off_t blksz = 1ull << bm->blkszbits;
	erofs_off_t pos;

	/* what fits in a block goes to the fullest block it fits in */
	if (size <= blksz) {
		unsigned int need = EROFS_DIV_ROUND_UP(size, EROFS_ISLOT_SIZE);

		for (unsigned int k = need; k < blksz / EROFS_ISLOT_SIZE; k++) {
			struct erofs_bman_bucket *b = &bm->open[k];

			if (!b->n)
				continue;
			pos = b->pos[--b->n];
			keep_open(bm, pos + size);
			return pos;
		}
		pos = bm->meta_cursor;
		bm->meta_cursor += blksz;
		keep_open(bm, pos + size);
		return pos;
	}
	/* larger (indexes, chunk maps): from a fresh block, the rest kept */
	pos = bm->meta_cursor;
	bm->meta_cursor = EROFS_ROUND_UP(pos + size, blksz);
	keep_open(bm, pos + size);
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
