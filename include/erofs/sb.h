/* SPDX-License-Identifier: MIT */
/*
 * Read path, superblock: open an image, validate what block 0 claims and keep
 * the decoded figures that every later lookup is checked against.
 */
#ifndef EROFS_SB_H
#define EROFS_SB_H

#include <stdbool.h>
#include "erofs/defs.h"
#include "erofs/io.h"

/* Flags for erofs_sb_read(). */
#define EROFS_SB_SKIP_CRC	0x1	/* --no-sbcrc: do not verify the checksum */

/* The decoded superblock, host-endian; the image behind it is @io. */
struct erofs_sb_info {
	struct erofs_io *io;
	unsigned int blkszbits;
	unsigned int blksz;
	uint32_t feature_compat;
	uint32_t feature_incompat;
	uint32_t checksum;		/* as stored */
	bool checksum_verified;		/* true only when it was checked and matched */
	erofs_blk_t blocks;
	erofs_blk_t meta_blkaddr;
	erofs_blk_t xattr_blkaddr;
	erofs_nid_t root_nid;
	uint64_t inos;
	uint64_t epoch;			/* build time; compact inodes count from it */
	uint32_t fixed_nsec;
	uint8_t uuid[16];
	char volume_name[17];		/* NUL-terminated copy */
	unsigned int sb_size;		/* 128 + 16 * sb_extslots */
	uint16_t extra_devices;
	uint8_t xattr_prefix_count;
	erofs_nid_t packed_nid;
	uint16_t available_compr_algs;	/* with COMPR_CFGS, else LZ4 only */
	struct z_erofs_pcache *zcache;	/* decoded pclusters (zdata.c) */
	unsigned int lz4_max_pclusterblks;	/* largest LZ4 pcluster, blocks */
	/* from the other configuration records, 0 when the image has none */
	uint32_t lzma_dict_size;	/* bytes, 4 KiB .. 8 MiB */
	uint8_t deflate_windowbits;	/* at most 15 */
	uint32_t zstd_window;		/* bytes, 1 KiB .. 1 MiB */
};

/*
 * Read and validate the superblock of the image behind @io (opened by the
 * caller) into @sbi: 0, -EFSCORRUPTED (bad magic, figures out of range),
 * -EBADMSG (checksum mismatch), -EOPNOTSUPP (features we cannot read), or
 * another -errno from the I/O layer.  Every refusal is reported.
 */
int erofs_sb_read(struct erofs_sb_info *sbi, struct erofs_io *io,
		  unsigned int flags);

/* Free what reading the image allocated (caches); the io stays open. */
void erofs_sb_release(struct erofs_sb_info *sbi);

/* Bytes the image really covers: blocks * blksz (checked against the file). */
static inline erofs_off_t erofs_sb_image_bytes(const struct erofs_sb_info *sbi)
{
	return (erofs_off_t)sbi->blocks << sbi->blkszbits;
}

static inline erofs_off_t erofs_blk_pos(const struct erofs_sb_info *sbi,
					erofs_blk_t blk)
{
	return (erofs_off_t)blk << sbi->blkszbits;
}

/*
 * Call @fn(name, arg) for each feature bit set in @sbi, compat ones first;
 * bits with no name are passed as "unknown-compat-0x..." /
 * "unknown-incompat-0x...".
 */
void erofs_sb_for_each_feature(const struct erofs_sb_info *sbi,
			       void (*fn)(const char *name, bool incompat,
					  void *arg),
			       void *arg);

/* True when the image may hold compressed inodes (any compression feature). */
bool erofs_sb_has_compression(const struct erofs_sb_info *sbi);

#endif
