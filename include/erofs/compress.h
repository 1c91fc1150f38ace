/* SPDX-License-Identifier: MIT */
/*
 * Fixed-output compression of one file: cut its data into extents that
 * each compress into one pcluster, then describe them with per-lcluster
 * indexes (full "legacy" 8-byte form, or the compacted 2/4-byte form).
 */
#ifndef EROFS_COMPRESS_H
#define EROFS_COMPRESS_H

#include "erofs/compressor.h"

struct z_erofs_params {
	unsigned int blkszbits;
	unsigned int pclusterblks;	/* largest pcluster, in blocks */
	uint32_t max_extent;		/* largest decompressed extent, bytes */
	bool legacy;			/* full indexes instead of compacted */
	bool ztailpacking;		/* last pcluster inline after the indexes */
};

struct z_erofs_extent {
	uint64_t la;		/* logical start */
	uint64_t pblk;		/* first block of its pcluster */
	uint32_t len;		/* decompressed bytes */
	uint32_t cblks;		/* pcluster blocks */
	bool plain;		/* stored as is (shifted to the block start) */
};

struct z_erofs_file {
	struct z_erofs_extent *ext;
	uint64_t n, cap;
	uint64_t cblocks;	/* blocks of every pcluster together */
	bool big;		/* uses the big pcluster index encoding */
	uint8_t *idata;		/* ztailpacking: the last pcluster, inline */
	uint32_t idata_len;
};

/* Writes @len bytes at block @blk of the image: 0 or -errno. */
typedef int (*z_erofs_write_fn)(void *ctx, uint64_t blk, const void *buf,
				size_t len);

/* Bytes of map header and indexes after an inode ending at @inode_end. */
uint32_t z_erofs_meta_size(const struct z_erofs_params *p,
			   erofs_off_t inode_end, uint64_t size);

/*
 * Compress @size bytes read from @fd, writing pclusters from @startblk on
 * through @write.  With ztailpacking, a last extent whose pcluster fits in
 * @max_inline bytes is kept in zf->idata instead.  Returns 0, -ESTALE if
 * the file's size changed, or the -errno of a failed read or write.  @zf
 * describes the result; the caller decides whether it saved enough.
 */
int z_erofs_compress_file(struct erofs_compress *c,
			  const struct z_erofs_params *p, int fd, uint64_t size,
			  uint64_t startblk, uint32_t max_inline,
			  z_erofs_write_fn write, void *ctx,
			  struct z_erofs_file *zf);
void z_erofs_file_free(struct z_erofs_file *zf);

/*
 * Encode the map header and indexes of @zf into @meta, which holds
 * z_erofs_meta_size() zeroed bytes placed right at @inode_end, followed
 * by room for the inline pcluster, if any.
 */
int z_erofs_encode_index(const struct z_erofs_params *p,
			 const struct z_erofs_file *zf, erofs_off_t inode_end,
			 uint64_t size, uint8_t alg, uint8_t *meta);

#endif
