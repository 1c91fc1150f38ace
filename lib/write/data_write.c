// SPDX-License-Identifier: MIT
/*
 * The writer's side of pass 1: file bytes go to the data area in tree
 * order, flat, chunk by chunk around holes, or as the compressed segments
 * the workers made, which are rewound and stored flat when they save
 * nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "builder.h"

static uint64_t chunk_count(const struct erofs_node *n, unsigned int blkszbits)
{
	return EROFS_DIV_ROUND_UP(n->size, 1ull << (blkszbits + n->chunkbits));
}

static bool chunk_is_hole(const struct erofs_node *n, uint64_t c)
{
	return n->src.holes[c >> 3] & (1 << (c & 7));
}

static uint64_t alloc_blocks(struct erofs_builder *b, uint64_t len)
{
	return erofs_bman_alloc_data(&b->bm, EROFS_DIV_ROUND_UP(len, b->blksz));
}

static int copy_chunks(struct erofs_builder *b, struct erofs_node *n, int fd)
{
	const uint64_t chunk = 1ull << (b->opts->blkszbits + n->chunkbits);
	const uint64_t nchunks = chunk_count(n, b->opts->blkszbits);
	uint32_t *map;
	int err = 0;

	n->body_len = nchunks * sizeof(uint32_t);
	n->body = malloc(n->body_len);
	if (!n->body)
		return -ENOMEM;
	map = (uint32_t *)n->body;
	erofs_bman_align_data(&b->bm);
	for (uint64_t c = 0; c < nchunks && !err; c++) {
		uint64_t len = EROFS_MIN(chunk, n->size - c * chunk);
		uint64_t blk;

		if (chunk_is_hole(n, c)) {
			map[c] = erofs_cpu_to_le32(EROFS_NULL_ADDR);
			continue;
		}
		blk = alloc_blocks(b, len);
		map[c] = erofs_cpu_to_le32((uint32_t)blk);
		for (uint64_t off = 0; off < len && !err;) {
			size_t want = EROFS_MIN(len - off, EROFS_COPY_BUF);
			ssize_t got = pread(fd, b->copybuf, want,
					    n->src.offset + c * chunk + off);

			if (got < 0) {
				err = -errno;
			} else if ((size_t)got != want) {
				err = -ESTALE;
			} else {
				err = erofs_bman_write_data(&b->bm,
						erofs_build_pos(b, blk) + off,
						b->copybuf, want);
				off += want;
				b->done_bytes += want;
			}
		}
		if (!err)
			err = erofs_bman_pad_data(&b->bm,
						  erofs_build_pos(b, blk) + len);
		erofs_build_progress(b, false);
	}
	return err;
}

/* Copy the part of a flat file that lives in whole blocks. */
static int copy_blocks(struct erofs_builder *b, struct erofs_node *n, int fd)
{
	const uint64_t len = n->size - n->inline_size;
	uint64_t pos = 0;
	int err = 0;

	if (len)
		erofs_bman_align_data(&b->bm);
	n->blkaddr = len ? alloc_blocks(b, len) : 0;
	while (pos < len && !err) {
		size_t want = EROFS_MIN(len - pos, EROFS_COPY_BUF);
		ssize_t got = pread(fd, b->copybuf, want, n->src.offset + pos);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return -ESTALE;
		err = erofs_bman_write_data(&b->bm,
					    erofs_build_pos(b, n->blkaddr) + pos,
					    b->copybuf, got);
		pos += got;
		b->done_bytes += got;
		erofs_build_progress(b, false);
	}
	if (!err && len)
		err = erofs_bman_pad_data(&b->bm,
					  erofs_build_pos(b, n->blkaddr) + len);
	/* no tail read later: check here that the file did not grow */
	if (!err && !n->inline_size && erofs_src_grew(fd, n))
		err = -ESTALE;
	return err;
}

/* Regular files stored without compression: flat or chunk by chunk. */
static int data_regular(struct erofs_builder *b, struct erofs_node *n, int fd)
{
	bool own = fd < 0;
	int err;

	if (n->src.holes) {
		n->datalayout = EROFS_INODE_CHUNK_BASED;
		b->feat.incompat |= EROFS_FEATURE_INCOMPAT_CHUNKED_FILE;
	} else {
		erofs_layout_flat(n, b->blksz);
		/* a file wholly inline is read when its inode is written */
		if (n->inline_size == n->size)
			return 0;
	}
	if (own) {
		fd = erofs_src_open_reported(b, n);
		if (fd < 0)
			return fd;
	}
	if (n->datalayout == EROFS_INODE_CHUNK_BASED)
		err = copy_chunks(b, n, fd);
	else
		err = copy_blocks(b, n, fd);
	if (own)
		close(fd);
	return err ? erofs_src_error(b, n, err) : 0;
}

/* Directories and symlinks: decide the layout, reserve or fill blocks. */
static int data_other(struct erofs_builder *b, struct erofs_node *n)
{
	uint64_t len;

	erofs_layout_flat(n, b->blksz);
	len = n->size - n->inline_size;
	if (!(S_ISDIR(n->mode) || S_ISLNK(n->mode)) || !len)
		return 0;
	n->blkaddr = alloc_blocks(b, len);
	if (S_ISDIR(n->mode))
		return 0;	/* filled in pass 3, once every nid is known */
	return erofs_bman_write_data(&b->bm, erofs_build_pos(b, n->blkaddr),
				     n->link, len) ?:
	       erofs_bman_pad_data(&b->bm, erofs_build_pos(b, n->blkaddr) + len);
}

int erofs_write_node_data(struct erofs_builder *b, struct erofs_node *n)
{
	return S_ISREG(n->mode) ? data_regular(b, n, -1) : data_other(b, n);
}

/*
 * All segments are in: keep the compressed layout only when it saves a
 * block (or inline bytes at an equal block count), else store it flat.
 */
static int finish_zfile(struct erofs_builder *b, struct erofs_zfile *zfl)
{
	struct erofs_node *n = zfl->node;
	struct z_erofs_file *zf = &zfl->zf;
	int err;

	if (!erofs_layout_keep_compressed(n, b->blksz, zf->cblocks,
					  zfl->idx + zf->idata_len)) {
		erofs_bman_rewind_data(&b->bm, zfl->start);
		return data_regular(b, n, zfl->fd);
	}
	n->zblocks = zf->cblocks;
	n->blkaddr = zfl->start;	/* for --block-list-file; i_u is zblocks */
	n->inline_size = 0;
	n->datalayout = zfl->zp.legacy ? EROFS_INODE_COMPRESSED_FULL
				       : EROFS_INODE_COMPRESSED_COMPACT;
	n->body_len = zfl->idx + zf->idata_len;
	n->body = calloc(1, n->body_len);
	if (!n->body)
		return -ENOMEM;
	err = z_erofs_encode_index(&zfl->zp, zf, erofs_node_head(n), n->size,
				   b->opts->zcfgs[zfl->zp.zcfg].alg->alg, n->body);
	if (err)
		return err;
	b->feat.algs |= 1u << b->opts->zcfgs[zfl->zp.zcfg].alg->alg;
	b->feat.incompat |= EROFS_FEATURE_INCOMPAT_ZERO_PADDING;
	for (uint64_t i = 0; i < zf->n; i++)
		b->feat.max_pclusterblks = EROFS_MAX(b->feat.max_pclusterblks,
						     zf->ext[i].cblks);
	if (zf->big)
		b->feat.incompat |= EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER;
	if (zf->idata_len)
		b->feat.incompat |= EROFS_FEATURE_INCOMPAT_ZTAILPACKING;
	return 0;
}

int erofs_write_segment(struct erofs_builder *b, struct erofs_zfile *zfl,
			const struct z_erofs_segment *seg, uint64_t off,
			uint32_t len, bool last)
{
	uint64_t blk;
	int err = seg->err;

	if (err)
		return erofs_src_error(b, zfl->node, err);
	if (!off)
		erofs_bman_align_data(&b->bm);
	blk = erofs_bman_alloc_data(&b->bm, seg->blocks);
	if (!off) {
		zfl->start = blk;
		zfl->zf.big = zfl->zp.pclusterblks > 1;
	}
	if (seg->blocks)
		err = erofs_bman_write_data(&b->bm, erofs_build_pos(b, blk),
					    seg->data,
					    seg->blocks << b->opts->blkszbits);
	if (!err) {
		err = z_erofs_file_append(&zfl->zf, seg, blk);
		b->done_bytes += len;
		erofs_build_progress(b, false);
	}
	if (!err && last)
		err = finish_zfile(b, zfl);
	return err ? erofs_src_error(b, zfl->node, err) : 0;
}

/* Its blocks are fixed first: the superblock names where it starts. */
int erofs_write_xattr_area(struct erofs_builder *b)
{
	const struct erofs_xattr_area *xa = b->opts->xattrs;
	int err;

	if (!xa || !xa->len)
		return 0;
	b->feat.xattr_blkaddr = alloc_blocks(b, xa->len);
	if (b->feat.xattr_blkaddr > UINT32_MAX ||
	    erofs_build_pos(b, b->feat.xattr_blkaddr) >> 2 > UINT32_MAX)
		return -EFBIG;
	err = erofs_bman_write_data(&b->bm,
				    erofs_build_pos(b, b->feat.xattr_blkaddr),
				    xa->buf, xa->len);
	return err ?: erofs_bman_pad_data(&b->bm,
			erofs_build_pos(b, b->feat.xattr_blkaddr) + xa->len);
}
