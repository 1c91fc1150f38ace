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
	bool fragments;			/* the last extent may go to the packed inode */
	bool dedupe;			/* extents get their prefix hash */
	unsigned int zcfg;		/* which -z algorithm (0: the first) */
};

struct z_erofs_extent {
	uint64_t la;		/* logical start */
	uint64_t pblk;		/* first block of its pcluster */
	uint32_t len;		/* decompressed bytes */
	uint32_t cblks;		/* pcluster blocks */
	bool plain;		/* stored as is (shifted to the block start) */
	bool frag;		/* a fragment: its bytes are in the packed inode */
	bool partial;		/* a prefix of its (shared) pcluster's output */
	uint32_t pfx;		/* dedupe: hash of its first Z_EROFS_DEDUPE_PFX bytes */
};

/* -E dedupe: extents are found as prefixes of others by this many bytes. */
#define Z_EROFS_DEDUPE_PFX	256

struct z_erofs_file {
	struct z_erofs_extent *ext;
	uint64_t n, cap;
	uint64_t cblocks;	/* blocks of every pcluster together */
	bool big;		/* uses the big pcluster index encoding */
	uint8_t *idata;		/* ztailpacking: the last pcluster, inline */
	uint32_t idata_len;
	bool frag;		/* the last extent is a fragment ... */
	uint64_t fragoff;	/* ... at this offset in the packed inode */
};

/*
 * One segment of a file compressed on its own: files are cut into
 * segments of z_erofs_segment_len() bytes (a multiple of every block
 * size, at least Z_EROFS_SEGMENT_SIZE), which depends on the compression
 * parameters only, never on the number of workers: so neither does the
 * image.
 */
#define Z_EROFS_SEGMENT_SIZE	(4u << 20)
#define Z_EROFS_SEGMENT_MAX	(32u << 20)

struct z_erofs_segment {
	uint64_t la;		/* where the segment starts in the file */
	uint8_t *data;		/* its pclusters, back to back (caller's buffer) */
	uint64_t blocks;	/* ... in blocks */
	struct z_erofs_extent *ext;	/* pblk relative to data */
	uint32_t n, cap;
	uint8_t *idata;		/* last segment, ztailpacking: inline pcluster */
	uint32_t idata_len;
	uint8_t *frag;		/* last segment, fragments: the last extent's input */
	uint32_t frag_len;
	int err;
};

/* The segment length of files compressed with @p. */
uint32_t z_erofs_segment_len(const struct z_erofs_params *p);

/* Bytes of map header and indexes after an inode ending at @inode_end. */
uint32_t z_erofs_meta_size(const struct z_erofs_params *p,
			   erofs_off_t inode_end, uint64_t size);

/* Bytes of output buffer that compressing a segment of @len bytes needs. */
size_t z_erofs_segment_cap(const struct z_erofs_params *p, uint32_t len);
/*
 * Compress @len bytes at @in, logical offset @la, into @seg, its
 * pclusters into @data (z_erofs_segment_cap() bytes, the caller's: it
 * becomes seg->data).  For the file's @last segment with ztailpacking, a
 * final pcluster that fits in @max_inline bytes is kept as seg->idata;
 * with fragments, a final extent that would not fill its pcluster is
 * kept as seg->frag, its input, for the packed inode.
 * Returns 0 or -errno (also in seg->err).
 */
int z_erofs_compress_segment(struct erofs_compress *c,
			     const struct z_erofs_params *p, const uint8_t *in,
			     uint32_t len, uint64_t la, bool last,
			     uint32_t max_inline, uint8_t *data,
			     struct z_erofs_segment *seg);
/* Free what @seg holds but seg->data, which is the caller's. */
void z_erofs_segment_free(struct z_erofs_segment *seg);
/* Add @seg's extents to @zf, its pclusters written from @startblk on. */
int z_erofs_file_append(struct z_erofs_file *zf,
			const struct z_erofs_segment *seg, uint64_t startblk);
void z_erofs_file_free(struct z_erofs_file *zf);

/* Bytes of the map header of a file wholly in the packed inode. */
uint32_t z_erofs_whole_fragment_size(erofs_off_t inode_end);
/* Encode that header, for a file at offset @fragoff of the packed inode. */
void z_erofs_encode_whole_fragment(erofs_off_t inode_end, uint64_t fragoff,
				   uint8_t *meta);

/*
 * Encode the map header and indexes of @zf into @meta, which holds
 * z_erofs_meta_size() zeroed bytes placed right at @inode_end, followed
 * by room for the inline pcluster, if any.
 */
int z_erofs_encode_index(const struct z_erofs_params *p,
			 const struct z_erofs_file *zf, erofs_off_t inode_end,
			 uint64_t size, uint8_t alg, uint8_t *meta);

#endif
