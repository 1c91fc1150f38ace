// SPDX-License-Identifier: MIT
/*
 * The writer's side of pass 1: file bytes go to the data area in data
 * order (depth first, --data-order's files first: erofs_data_node()),
 * flat, chunk by chunk around holes, or as the compressed segments the
 * workers made, which are rewound and stored flat when they save nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "erofs/print.h"
#include "builder.h"

/* bodies of at least this many bytes are copied by copy_file_range(2) */
#define EROFS_COPY_KERNEL_MIN	(64u << 10)

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
	uint64_t *map = malloc(nchunks * sizeof(*map));
	int err = map ? 0 : -ENOMEM;

	/* --dsunit: a file's data starts on a stripe unit */
	erofs_bman_align_data(&b->bm);
	for (uint64_t c = 0; c < nchunks && !err; c++) {
		uint64_t len = EROFS_MIN(chunk, n->size - c * chunk);
		uint64_t blk;

		if (chunk_is_hole(n, c)) {
			map[c] = EROFS_CHUNK_HOLE;
			continue;
		}
		blk = alloc_blocks(b, len);
		map[c] = blk;
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
	if (!err)
		err = erofs_chunk_encode(b, n, map, nchunks, n->chunkbits);
	free(map);
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
	/*
	 * Large bodies are copied by the kernel, file to image, in pieces
	 * for the progress line; small ones go through the gather buffer,
	 * where one write takes many of them.
	 */
	while (len >= EROFS_COPY_KERNEL_MIN && pos < len && !err) {
		size_t want = EROFS_MIN(len - pos, 16u << 20);

		err = erofs_bman_copy_data(&b->bm,
					   erofs_build_pos(b, n->blkaddr) + pos,
					   fd, n->src.offset + pos, want);
		if (err == -EOPNOTSUPP) {
			err = 0;
			break;
		}
		if (err == -ENODATA)
			return -ESTALE;
		if (err)
			return err;
		pos += want;
		b->done_bytes += want;
		erofs_build_progress(b, false);
	}
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

/*
 * --tar=i: the bytes stay in the tar, device 1, in whole blocks from
 * where they start there.  As erofs-utils does, one chunk covers the
 * file when the format allows (chunks of up to 2^31 blocks).
 */
static int index_blob(struct erofs_builder *b, struct erofs_node *n)
{
	const unsigned int bits = b->opts->blkszbits;
	const uint32_t unit = sizeof(struct erofs_inode_chunk_index);
	/* the indexes start 8-byte aligned in the image */
	const uint32_t pad = EROFS_ROUND_UP(erofs_node_head(n), unit) -
			     erofs_node_head(n);
	unsigned int cbits = 64 - __builtin_clzll(n->size - 1);
	struct erofs_inode_chunk_index *idx;
	uint64_t nchunks, blk = n->src.offset >> bits;

	if (n->src.offset & (b->blksz - 1))
		return -EINVAL;
	cbits = EROFS_MIN(EROFS_MAX(cbits, bits), bits + EROFS_CHUNK_FORMAT_BLKBITS_MASK);
	n->chunkbits = cbits - bits;
	nchunks = EROFS_DIV_ROUND_UP(n->size, 1ull << cbits);
	if (blk + ((nchunks - 1) << n->chunkbits) > UINT32_MAX)
		return -EFBIG;
	n->body_len = pad + nchunks * unit;
	n->body = calloc(1, n->body_len);
	if (!n->body)
		return -ENOMEM;
	idx = (void *)(n->body + pad);
	for (uint64_t c = 0; c < nchunks; c++) {
		idx[c].device_id = erofs_cpu_to_le16(1);
		idx[c].startblk_lo = erofs_cpu_to_le32((uint32_t)(blk + (c << n->chunkbits)));
	}
	n->datalayout = EROFS_INODE_CHUNK_BASED;
	b->feat.incompat |= EROFS_FEATURE_INCOMPAT_CHUNKED_FILE;
	return 0;
}

/* Regular files stored without compression: flat or chunk by chunk. */
static int data_regular(struct erofs_builder *b, struct erofs_node *n, int fd)
{
	bool own = fd < 0;
	int err;

	if (n->src.blob && n->size)
		return index_blob(b, n);	/* its errors: the image's */
	if ((b->opts->chunkbits && n->size) || n->src.holes) {
		n->datalayout = EROFS_INODE_CHUNK_BASED;
	} else {
		erofs_layout_flat(n, b->blksz);
		if (b->opts->noinline_data) {
			/* for DAX, which maps whole blocks only */
			n->datalayout = EROFS_INODE_FLAT_PLAIN;
			n->inline_size = 0;
		}
		/* a file wholly inline is read when its inode is written */
		if (n->inline_size == n->size)
			return 0;
	}
	if (own) {
		fd = erofs_src_open_reported(b, n);
		if (fd < 0)
			return fd;
	}
	if (b->opts->chunkbits && n->size)
		err = erofs_chunk_write_file(b, n, fd);
	else if (n->datalayout == EROFS_INODE_CHUNK_BASED)
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
	if (S_ISDIR(n->mode)) {
		/*
		 * placed with its children's metadata (layout.c), filled in
		 * pass 3, once every nid is known
		 */
		n->dir_pending = true;
		return 0;
	}
	n->blkaddr = alloc_blocks(b, len);
	return erofs_bman_write_data(&b->bm, erofs_build_pos(b, n->blkaddr),
				     n->link, len) ?:
	       erofs_bman_pad_data(&b->bm, erofs_build_pos(b, n->blkaddr) + len);
}

int erofs_write_node_data(struct erofs_builder *b, struct erofs_node *n)
{
	if (n->dup_of)
		return erofs_dedupe_adopt(b, n);
	return S_ISREG(n->mode) ? data_regular(b, n, -1) : data_other(b, n);
}

/* A file wholly in the packed inode: a map header that says where. */
static int finish_whole_fragment(struct erofs_builder *b, struct erofs_node *n,
				 uint64_t fragoff)
{
	n->zblocks = 0;
	n->inline_size = 0;
	n->datalayout = EROFS_INODE_COMPRESSED_FULL;
	n->body_len = z_erofs_whole_fragment_size(erofs_node_head(n));
	n->body = calloc(1, n->body_len);
	if (!n->body)
		return -ENOMEM;
	z_erofs_encode_whole_fragment(erofs_node_head(n), fragoff, n->body);
	b->feat.incompat |= EROFS_FEATURE_INCOMPAT_FRAGMENTS;
	return 0;
}

/*
 * All segments are in: keep the compressed layout only when it saves a
 * block (or inline bytes at an equal block count), else store it flat.
 * A file with a fragment keeps it: its bytes are in the packed inode.
 */
static int finish_zfile(struct erofs_builder *b, struct erofs_zfile *zfl)
{
	struct erofs_node *n = zfl->node;
	struct z_erofs_file *zf = &zfl->zf;
	int err;

	if (zf->frag && zf->n == 1)
		return finish_whole_fragment(b, n, zf->fragoff);
	if (zf->frag && !zfl->zp.legacy && zf->fragoff >> 32) {
		erofs_err("%s: the packed inode outgrows the 4 GiB compacted indexes can point into: use -E legacy-compress",
			  b->opts->image_name);
		b->reported = true;
		return -EFBIG;
	}
	/* compacted indexes count pclusters back to back: sharing needs full */
	if (zfl->shared) {
		zfl->zp.legacy = true;
		zfl->idx = z_erofs_meta_size(&zfl->zp, erofs_node_head(n), n->size);
	}
	if (!zf->frag && !erofs_layout_keep_compressed(n, b->blksz, zfl->new_blocks,
					  zfl->idx + zf->idata_len)) {
		erofs_bman_rewind_data(&b->bm, zfl->start);
		erofs_dedupe_rewind(b, zfl->dd_mark);
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
	if (zf->frag)
		b->feat.incompat |= EROFS_FEATURE_INCOMPAT_FRAGMENTS;
	if (zfl->shared)
		b->feat.incompat |= EROFS_FEATURE_INCOMPAT_DEDUPE;
	return 0;
}

/*
 * -E dedupe: each pcluster of @seg is written unless an identical one
 * already is; @out gets the extents with the blocks they point at.
 */
static int write_dedupe(struct erofs_builder *b, struct erofs_zfile *zfl,
			const struct z_erofs_segment *seg, bool last,
			struct z_erofs_segment *out)
{
	const uint8_t alg = b->opts->zcfgs[zfl->zp.zcfg].alg->alg;
	int err = 0;

	*out = *seg;
	out->ext = malloc(seg->n * sizeof(*out->ext));
	if (!out->ext)
		return -ENOMEM;
	memcpy(out->ext, seg->ext, seg->n * sizeof(*out->ext));
	for (uint32_t i = 0; i < seg->n && !err; i++) {
		struct z_erofs_extent *e = &out->ext[i];
		const uint8_t *pcl = seg->data + (seg->ext[i].pblk << b->opts->blkszbits);
		uint64_t blk;
		int found = 0;

		if (e->cblks)
			found = erofs_dedupe_find(b, e, alg, pcl, &blk);
		if (found < 0)
			return found;
		if (found) {
			e->pblk = blk;
			zfl->shared = true;
			continue;
		}
		/* a truncated copy ends in a prefix of a longer extent */
		if (e->cblks && last && i + 1 == seg->n)
			found = erofs_dedupe_find_prefix(b, zfl, e, alg, e);
		if (found < 0)
			return found;
		if (found) {
			zfl->shared = true;
			continue;
		}
		e->pblk = erofs_bman_alloc_data(&b->bm, e->cblks);
		if (!e->cblks)
			continue;
		zfl->new_blocks += e->cblks;
		err = erofs_bman_write_data(&b->bm, erofs_build_pos(b, e->pblk), pcl,
					    (size_t)e->cblks << b->opts->blkszbits);
		if (!err)
			err = erofs_dedupe_insert(b, e, alg, pcl);
	}
	return err;
}

/* -E all-fragments: the file's bytes go to the packed inode as they come. */
static int write_whole_fragment(struct erofs_builder *b, struct erofs_zfile *zfl,
				const struct z_erofs_segment *seg, uint64_t off,
				uint32_t len, bool last)
{
	uint64_t fragoff;
	int err;

	if (!off)
		zfl->frag_start = erofs_frags_size(b->frags);
	err = erofs_frags_append(b->frags, seg->data, len);
	b->done_bytes += len;
	erofs_build_progress(b, false);
	if (err || !last)
		return err;
	err = erofs_frags_settle_whole(b->frags, zfl->frag_start, &fragoff);
	return err ?: finish_whole_fragment(b, zfl->node, fragoff);
}

int erofs_write_segment(struct erofs_builder *b, struct erofs_zfile *zfl,
			const struct z_erofs_segment *seg, uint64_t off,
			uint32_t len, bool last)
{
	uint64_t blk;
	int err = seg->err;

	if (err)
		return erofs_src_error(b, zfl->node, err);
	if (zfl->whole_frag) {
		err = write_whole_fragment(b, zfl, seg, off, len, last);
		return err ? erofs_src_error(b, zfl->node, err) : 0;
	}
	if (!off) {
		erofs_bman_align_data(&b->bm);	/* --dsunit */
		zfl->start = erofs_bman_alloc_data(&b->bm, 0);
		zfl->zf.big = zfl->zp.pclusterblks > 1;
		zfl->dd_mark = erofs_dedupe_mark(b);
	}
	if (b->dedupe && zfl->node != b->packed) {
		struct z_erofs_segment ds;

		err = write_dedupe(b, zfl, seg, last, &ds);
		if (!err)
			err = z_erofs_file_append(&zfl->zf, &ds, 0);
		free(ds.ext);
		goto appended;
	}
	blk = erofs_bman_alloc_data(&b->bm, seg->blocks);
	zfl->new_blocks += seg->blocks;
	if (seg->blocks)
		err = erofs_bman_write_data(&b->bm, erofs_build_pos(b, blk),
					    seg->data,
					    seg->blocks << b->opts->blkszbits);
	if (!err)
		err = z_erofs_file_append(&zfl->zf, seg, blk);
appended:
	if (!err) {
		if (zfl->node != b->packed)
			b->done_bytes += len;
		erofs_build_progress(b, false);
	}
	/* the fragment: a whole file if it starts the file */
	if (!err && seg->frag_len) {
		zfl->zf.frag = true;
		err = erofs_frags_add(b->frags, seg->frag, seg->frag_len,
				      seg->ext[seg->n - 1].la == 0,
				      &zfl->zf.fragoff);
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
