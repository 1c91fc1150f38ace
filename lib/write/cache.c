// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "erofs_fs.h"
#include "erofs/cache.h"

#define EROFS_META_WINDOW	(1u << 20)
/*
 * A metadata run may fill the free slots of the partly used blocks this
 * close behind it (in blocks): little space is lost at the end of each
 * run, and an inode is never read far from its data.
 */
#define EROFS_META_NEAR_BLOCKS	32
/*
 * Small data writes are gathered into runs of up to this many bytes:
 * fewer syscalls, and page cache folios filled whole instead of zeroed
 * around each block written.
 */
#define EROFS_GATHER_BYTES	(1u << 20)
#define EROFS_GATHER_MAX	(EROFS_GATHER_BYTES / 8)
/* Data written but not yet handed to writeback, at most. */
#define EROFS_WRITEBACK_BYTES	(16u << 20)

int erofs_bman_init(struct erofs_bman *bm, struct erofs_io *io,
		    unsigned int blkszbits, erofs_off_t reserved,
		    bool writeback)
{
	memset(bm, 0, sizeof(*bm));
	bm->io = io;
	bm->blkszbits = blkszbits;
	bm->reserved = reserved;
	bm->writeback = writeback;
	bm->data_cursor = EROFS_DIV_ROUND_UP(reserved, 1ull << blkszbits);
	bm->win = malloc(EROFS_META_WINDOW);
	bm->gather = malloc(EROFS_GATHER_BYTES);
	return bm->win && bm->gather ? 0 : -ENOMEM;
}

void erofs_bman_exit(struct erofs_bman *bm)
{
	for (unsigned int i = 0; i < EROFS_BMAN_BUCKETS; i++)
		free(bm->open[i].pos);
	free(bm->win);
	bm->win = NULL;
	free(bm->gather);
	bm->gather = NULL;
}

uint64_t erofs_bman_alloc_data(struct erofs_bman *bm, uint64_t nblocks)
{
	uint64_t blk = bm->data_cursor;

	bm->data_cursor += nblocks;
	return blk;
}

void erofs_bman_rewind_data(struct erofs_bman *bm, uint64_t blk)
{
	const erofs_off_t pos = blk << bm->blkszbits;

	bm->data_cursor = blk;
	/* what was gathered past it is given up, not written later */
	if (bm->gather_len && bm->gather_pos + bm->gather_len > pos)
		bm->gather_len = pos > bm->gather_pos ? pos - bm->gather_pos : 0;
}

/* the blocks skipped are never written: zeros (a hole in an image file) */
void erofs_bman_align_data(struct erofs_bman *bm)
{
	if (bm->dsunit > 1)
		bm->data_cursor = EROFS_ROUND_UP(bm->data_cursor, (uint64_t)bm->dsunit);
}

/*
 * When the image is synced at the end: start writeback of what was written
 * below @end, without waiting for it, once there is enough of it (or at
 * once, with @all), so that the sync finds most of the image on its way to
 * the disk instead of writing it all while the build has nothing else to
 * do.  Only a hint: errors show up in that sync.  (An image that is not
 * synced is left to the kernel: early writeback only slows the build.)
 */
static void start_writeback(struct erofs_bman *bm, erofs_off_t end, bool all)
{
	int fd = bm->io->fd;

	if (!bm->writeback || fd < 0 || end <= bm->wb_start ||
	    (!all && end < bm->wb_start + EROFS_WRITEBACK_BYTES))
		return;
	sync_file_range(fd, bm->io->offset + bm->wb_start, end - bm->wb_start,
			SYNC_FILE_RANGE_WRITE);
	bm->wb_start = end;
}

/* Every write to the image ends here: a failure is remembered. */
static int write_image(struct erofs_bman *bm, erofs_off_t pos,
		       const void *buf, size_t len)
{
	int err = erofs_io_write(bm->io, buf, len, pos);

	if (err)
		bm->write_failed = true;
	return err;
}

static int write_through(struct erofs_bman *bm, erofs_off_t pos,
			 const void *buf, size_t len)
{
	int err = write_image(bm, pos, buf, len);

	if (!err)
		start_writeback(bm, pos + len, false);
	return err;
}

/* Write out the data gathered so far. */
static int flush_data(struct erofs_bman *bm)
{
	size_t len = bm->gather_len;

	bm->gather_len = 0;
	return len ? write_through(bm, bm->gather_pos, bm->gather, len) : 0;
}

/* Small writes that extend or overwrite what is gathered join it. */
int erofs_bman_write_data(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len)
{
	int err;

	if (bm->gather_len && pos >= bm->gather_pos &&
	    pos <= bm->gather_pos + bm->gather_len &&
	    pos - bm->gather_pos + len <= EROFS_GATHER_BYTES) {
		size_t at = pos - bm->gather_pos;

		memcpy(bm->gather + at, buf, len);
		bm->gather_len = EROFS_MAX(bm->gather_len, at + len);
		return 0;
	}
	err = flush_data(bm);
	if (err)
		return err;
	if (len > EROFS_GATHER_MAX)
		return write_through(bm, pos, buf, len);
	memcpy(bm->gather, buf, len);
	bm->gather_pos = pos;
	bm->gather_len = len;
	return 0;
}

int erofs_bman_copy_data(struct erofs_bman *bm, erofs_off_t pos, int fd,
			 uint64_t srcoff, size_t len)
{
	int err = flush_data(bm);

	if (err)
		return err;
	err = erofs_io_copy_from(bm->io, fd, srcoff, len, pos);
	if (!err)
		start_writeback(bm, pos + len, false);
	else if (err == -ENOSPC || err == -EFBIG || err == -EDQUOT)
		bm->write_failed = true;	/* the image's side failed */
	return err;
}

int erofs_bman_read_data(struct erofs_bman *bm, erofs_off_t pos, void *buf,
			 size_t len)
{
	if (bm->gather_len && pos < bm->gather_pos + bm->gather_len &&
	    pos + len > bm->gather_pos) {
		int err = flush_data(bm);

		if (err)
			return err;
	}
	return erofs_io_read(bm->io, buf, len, pos);
}

/* So that no stale bytes (of a compression attempt given up) stay behind. */
int erofs_bman_pad_data(struct erofs_bman *bm, erofs_off_t end)
{
	static const uint8_t zeros[1u << EROFS_MAX_BLKSZBITS];
	const uint32_t blksz = 1u << bm->blkszbits;
	uint32_t rem = end & (blksz - 1);

	return rem ? erofs_bman_write_data(bm, end, zeros, blksz - rem) : 0;
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

int erofs_bman_seal_data(struct erofs_bman *bm)
{
	int err = flush_data(bm);

	if (err)
		return err;
	start_writeback(bm, bm->data_cursor << bm->blkszbits, true);
	return 0;
}

/* Forget the partly used blocks that start before @limit. */
static void close_before(struct erofs_bman *bm, erofs_off_t limit)
{
	for (unsigned int i = 0; i < EROFS_BMAN_BUCKETS; i++) {
		struct erofs_bman_bucket *b = &bm->open[i];
		size_t k = 0;

		for (size_t j = 0; j < b->n; j++)
			if (b->pos[j] >= limit)
				b->pos[k++] = b->pos[j];
		b->n = k;
	}
}

void erofs_bman_meta_begin(struct erofs_bman *bm)
{
	const uint64_t blk = bm->data_cursor;

	bm->meta_run = blk;
	bm->meta_cursor = blk << bm->blkszbits;
	if (!bm->meta_started) {
		bm->meta_started = true;
		bm->meta_blkaddr = blk;
		/*
		 * nid 0 stays unused: the kernel numbers inodes by nid, and
		 * readdir callers skip entries whose inode number is 0.
		 */
		keep_open(bm, bm->meta_cursor + EROFS_ISLOT_SIZE);
		bm->meta_cursor += 1ull << bm->blkszbits;
		return;
	}
	close_before(bm, blk > EROFS_META_NEAR_BLOCKS ?
		     (blk - EROFS_META_NEAR_BLOCKS) << bm->blkszbits : 0);
}

void erofs_bman_meta_end(struct erofs_bman *bm)
{
	const uint64_t end = EROFS_DIV_ROUND_UP(bm->meta_cursor,
						1ull << bm->blkszbits);

	bm->meta_blocks += end - bm->meta_run;
	bm->data_cursor = end;
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
	return EROFS_MAX(bm->data_cursor,
			 EROFS_DIV_ROUND_UP(bm->meta_cursor, 1ull << bm->blkszbits));
}

/* Write out the metadata window. */
static int flush_meta(struct erofs_bman *bm)
{
	int err = 0;

	if (bm->win_len)
		err = write_image(bm, bm->win_start, bm->win, bm->win_len);
	bm->win_start += bm->win_len;
	bm->win_len = 0;
	return err;
}

/* Metadata goes out in order: all of it but the window goes to writeback. */
int erofs_bman_write_meta(struct erofs_bman *bm, erofs_off_t pos,
			  const void *buf, size_t len)
{
	int err = 0;

	if (pos < bm->win_start || len > EROFS_META_WINDOW) {
		/* behind the window or too big for it: straight through */
		err = write_image(bm, pos, buf, len);
	} else {
		if (pos + len > bm->win_start + EROFS_META_WINDOW ||
		    pos > bm->win_start + bm->win_len) {
			err = flush_meta(bm);
			if (err)
				return err;
			bm->win_start = pos;
		}
		memcpy(bm->win + (pos - bm->win_start), buf, len);
		if (pos + len - bm->win_start > bm->win_len)
			bm->win_len = pos + len - bm->win_start;
	}
	if (!err)
		start_writeback(bm, bm->win_start, false);
	return err;
}

int erofs_bman_finish(struct erofs_bman *bm)
{
	int err = flush_data(bm);

	if (!err)
		err = flush_meta(bm);
	if (!err)
		err = erofs_io_truncate(bm->io,
					erofs_bman_blocks(bm) << bm->blkszbits);
	if (err)
		bm->write_failed = true;
	return err;
}

int erofs_bman_write_super(struct erofs_bman *bm, const void *buf, size_t len)
{
	if (EROFS_SUPER_OFFSET + len > bm->reserved)
		return -EINVAL;
	return write_image(bm, EROFS_SUPER_OFFSET, buf, len);
}
